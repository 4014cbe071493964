//! The MessagePack decoders of every message a peer sends: a producer's envelope (then its
//! validation into a command), a viewer's message, and a relay message as a viewer decodes it.
//! Whatever decodes must encode again and decode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshcast_protocol::{decode, decode_envelope, encode, encode_envelope, Command, RelayToViewer, ViewerToRelay};

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = decode_envelope(data) {
        let bytes = encode_envelope(&env);
        let again = decode_envelope(&bytes).expect("an encoded envelope decodes");
        assert_eq!(encode_envelope(&again), bytes, "envelope encoding is stable");
        if let Ok(cmd) = Command::from_envelope(env) {
            let normalised = cmd.to_envelope();
            Command::from_envelope(normalised).expect("a command's own envelope validates");
        }
    }
    if let Ok(msg) = decode::<ViewerToRelay>(data) {
        decode::<ViewerToRelay>(&encode(&msg)).expect("an encoded viewer message decodes");
    }
    if let Ok(msg) = decode::<RelayToViewer>(data) {
        decode::<RelayToViewer>(&encode(&msg)).expect("an encoded relay message decodes");
    }
});
