//! The pickle VM (aitviewer's clients' messages): any bytes decode or fail cleanly, within the
//! default limits; what decodes as an envelope validates or fails cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshcast_protocol::Command;

fuzz_target!(|data: &[u8]| {
    let _ = meshcast_pickle::is_pickle(data);
    if let Ok(env) = meshcast_pickle::decode_envelope(data) {
        let _ = Command::from_envelope(env);
    }
});
