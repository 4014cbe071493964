//! Scene apply: a sequence of envelopes (each prefixed by a 2-byte little-endian length) from two
//! clients, applied to one scene under a small memory limit as the relay does, then replayed as
//! a viewer does (the forwarded commands applied to a second scene) and as a late joiner does
//! (the snapshot). All three must agree, and the footprint must stay within the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshcast_protocol::{decode_envelope, encode_envelope, Command};
use meshcast_scene::{NodeKey, Scene};

const LIMIT: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let mut relay = Scene::new();
    let mut viewer = Scene::new();
    let mut rest = data;
    let mut used = 0usize;
    while rest.len() >= 3 {
        let client = u64::from(rest[0] & 1) + 1;
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]])).min(rest.len() - 3);
        let (msg, tail) = rest[3..].split_at(len);
        rest = tail;
        let Ok(env) = decode_envelope(msg) else { continue };
        let Ok(cmd) = Command::from_envelope(env) else { continue };
        let key = cmd.uid().map(|uid| NodeKey { client, uid });
        let before = key.and_then(|k| relay.node(&k)).map_or(0, |n| n.footprint());
        let Ok(applied) = relay.apply_within(client, cmd, LIMIT - used) else {
            continue;
        };
        let after = key.and_then(|k| relay.node(&k)).map_or(0, |n| n.footprint());
        used = used - before + after;
        assert_eq!(used, relay.footprint(), "tracked footprint");
        assert!(used <= LIMIT, "footprint {used} over the limit");
        if let Some(fwd) = applied.forward {
            viewer
                .apply(client, over_the_wire(fwd))
                .expect("a forwarded command applies on a viewer");
        }
    }
    let mut late = Scene::new();
    for (client, cmd) in relay.snapshot().expect("snapshot") {
        late.apply(client, over_the_wire(cmd))
            .expect("a snapshot command applies");
    }
    for other in [&viewer, &late] {
        assert_eq!(other.len(), relay.len());
        assert_eq!(other.current_frame(), relay.current_frame());
        for node in relay.nodes() {
            let copy = other.node(&node.key()).expect("same nodes");
            assert_eq!(copy.all_series(), node.all_series());
            assert_eq!(copy.all_statics(), node.all_statics());
            // Debug text: NaN options compare equal.
            assert_eq!(format!("{:?}", copy.options()), format!("{:?}", node.options()));
        }
    }
});

/// A command as a viewer gets it: encoded, decoded and validated again.
fn over_the_wire(cmd: Command) -> Command {
    let bytes = encode_envelope(&cmd.to_envelope());
    let env = decode_envelope(&bytes).expect("a relay message decodes");
    Command::from_envelope(env).expect("a relay message validates")
}
