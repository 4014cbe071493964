//! The recording reader: any file reads as records or fails with an error (never a panic or an
//! allocation its size does not justify), both from the start and by scanning for the last
//! snapshot; each record's message decodes or fails cleanly.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use meshcast_protocol::recording::{last_snapshot, RecordReader};

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = RecordReader::open(Cursor::new(data)) {
        for record in reader.take(1000) {
            match record {
                Ok(r) => {
                    let _ = r.message();
                }
                Err(_) => break,
            }
        }
    }
    let _ = last_snapshot(Cursor::new(data));
});
