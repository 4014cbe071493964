//! Throughput of the recording writer alone: 2,000 records of one 82,680-byte mesh frame each,
//! written to a file through `RecordWriter` (CRC-32 and a 64 KiB write buffer, as the relay
//! does), beside plain `write_all` of the same bytes to another file; median of 5 after a
//! warm-up. Prints MB/s for both.
//!
//! `cargo run -p meshcast-protocol --release --example record_write`
#![allow(clippy::unwrap_used)]

use std::io::{BufWriter, Write};
use std::time::Instant;

use meshcast_protocol::recording::{RecordKind, RecordWriter};
use meshcast_protocol::{encode, Envelope, NdArray, RelayToViewer};

fn main() {
    let verts: Vec<f32> = (0..6_890 * 3).map(|i| (i as f32 * 0.001).sin()).collect();
    let env = Envelope::new(102, Some(1)).with_kwarg("vertices", NdArray::from_f32(&[1, 6_890, 3], &verts).unwrap());
    let frame = encode(&RelayToViewer::Message {
        client: 1,
        envelope: env,
    });
    let n = 2_000;
    let dir = std::env::temp_dir().join(format!("meshcast-record-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mb = (frame.len() * n) as f64 / 1e6;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut rec, mut raw) = (Vec::new(), Vec::new());
    for round in 0..6 {
        let t = Instant::now();
        let file = std::fs::File::create(dir.join("rec.mcrec")).unwrap();
        let mut w = RecordWriter::new(BufWriter::with_capacity(64 << 10, file)).unwrap();
        for _ in 0..n {
            w.write_record(RecordKind::Live, &frame).unwrap();
        }
        w.flush().unwrap();
        let rec_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut f = BufWriter::with_capacity(64 << 10, std::fs::File::create(dir.join("raw.bin")).unwrap());
        for _ in 0..n {
            f.write_all(&frame).unwrap();
        }
        f.flush().unwrap();
        let raw_s = t.elapsed().as_secs_f64();
        if round > 0 {
            rec.push(mb / rec_s);
            raw.push(mb / raw_s);
        }
    }
    println!(
        "{n} records of {} bytes ({mb:.0} MB), median of 5: RecordWriter {:.0} MB/s, plain write_all {:.0} MB/s",
        frame.len(),
        median(rec),
        median(raw)
    );
    let _ = std::fs::remove_dir_all(dir);
}
