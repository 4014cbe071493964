//! Recordings: the ordered log of normalised messages the relay applied, as a file.
//!
//! A recording is a 16-byte header followed by records. Each record holds one [`RelayToViewer`]
//! message exactly as viewers receive it (MessagePack; optionally zstd-compressed), so a reader
//! rebuilds a scene the way a viewer does. Snapshots (`SnapshotBegin`, the scene's messages,
//! `SnapshotEnd`) are written from time to time: a reader that wants only the final scene
//! starts at the last complete snapshot ([`last_snapshot`]) instead of the beginning.
//!
//! ```text
//! header:  "MESHCAST" | version u32 LE (= 1) | reserved u32 LE (= 0)
//! record:  length u32 LE | kind u8 | encoding u8 | reserved u16 | crc32 u32 LE | payload
//! ```
//! `length` counts the stored payload; `crc32` (IEEE) covers it; `kind` is 0 live message,
//! 1 snapshot begin, 2 snapshot message, 3 snapshot end; `encoding` is 0 raw, 1 zstd.
//! All readers report the byte offset of what they could not read (see `docs/recording.md`).
//!
//! The format code works on [`std::io::Read`] / [`std::io::Write`]; it opens no files itself.

use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::{decode, encode, ProtocolError, RelayToViewer};

/// The first eight bytes of every recording.
pub const MAGIC: [u8; 8] = *b"MESHCAST";

/// The format version this code writes and reads.
pub const VERSION: u32 = 1;

/// Bytes in the file header.
pub const HEADER_LEN: u64 = 16;

/// Bytes in a record's header.
pub const RECORD_HEADER_LEN: u64 = 12;

/// Largest payload a record may declare (a record is one WebSocket message; the relay's
/// largest default message is 1 GiB).
pub const MAX_RECORD_LEN: u32 = 2 << 30;

/// Largest decompressed payload of a zstd record.
const MAX_DECOMPRESSED: u64 = 4 << 30;

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A live message (a client message, a client connecting or leaving).
    Live,
    /// The start of a snapshot: readers clear their scene.
    SnapshotBegin,
    /// A message of a snapshot.
    SnapshotMessage,
    /// The end of a snapshot (current frame, connected clients).
    SnapshotEnd,
}

impl RecordKind {
    fn code(self) -> u8 {
        match self {
            Self::Live => 0,
            Self::SnapshotBegin => 1,
            Self::SnapshotMessage => 2,
            Self::SnapshotEnd => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Live,
            1 => Self::SnapshotBegin,
            2 => Self::SnapshotMessage,
            3 => Self::SnapshotEnd,
            _ => return None,
        })
    }
}

/// Why a recording could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The file does not start with the recording header.
    #[error("not a meshcast recording: expected the bytes \"MESHCAST\" at offset 0")]
    NotARecording,
    /// Written by a newer (or unknown) format version.
    #[error("recording format version {found} is not supported (this reader knows version {VERSION}); offset 8")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The data ends inside a header or a record: a torn last record or a cut file.
    #[error("truncated recording at offset {offset}: expected {expected} bytes of {what}, found {found}")]
    Truncated {
        /// Where the incomplete part starts.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// Bytes it needs.
        expected: u64,
        /// Bytes that were there.
        found: u64,
    },
    /// A record is malformed or damaged.
    #[error("corrupt record at offset {offset}: {what}")]
    Corrupt {
        /// Where the record starts.
        offset: u64,
        /// What is wrong, and what was expected.
        what: String,
    },
    /// A record's payload is not a viewer message.
    #[error("record at offset {offset} holds no valid message: {source}")]
    Message {
        /// Where the record starts.
        offset: u64,
        /// Why it did not decode.
        source: ProtocolError,
    },
    /// Reading or writing failed.
    #[error("recording I/O at offset {offset}: {source}")]
    Io {
        /// Where it failed.
        offset: u64,
        /// The error.
        source: io::Error,
    },
}

impl RecordingError {
    /// True for a recording that merely ends early (a torn last record after a crash): what
    /// came before it is intact.
    pub fn is_truncation(&self) -> bool {
        matches!(self, Self::Truncated { .. })
    }

    /// The byte offset the error is about (0 for the header).
    pub fn offset(&self) -> u64 {
        match self {
            Self::NotARecording => 0,
            Self::UnsupportedVersion { .. } => 8,
            Self::Truncated { offset, .. }
            | Self::Corrupt { offset, .. }
            | Self::Message { offset, .. }
            | Self::Io { offset, .. } => *offset,
        }
    }
}

/// One record as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The byte offset of its header in the file.
    pub offset: u64,
    /// What it holds.
    pub kind: RecordKind,
    /// The message bytes (MessagePack `RelayToViewer`, decompressed).
    pub payload: Vec<u8>,
}

impl Record {
    /// The message.
    pub fn message(&self) -> Result<RelayToViewer, RecordingError> {
        decode(&self.payload).map_err(|source| RecordingError::Message {
            offset: self.offset,
            source,
        })
    }
}

/// Appends records to a recording.
#[derive(Debug)]
pub struct RecordWriter<W: Write> {
    out: W,
    offset: u64,
    compress: bool,
}

impl<W: Write> RecordWriter<W> {
    /// Starts a new recording: writes the header.
    pub fn new(mut out: W) -> Result<Self, RecordingError> {
        let mut header = Vec::with_capacity(HEADER_LEN as usize);
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        out.write_all(&header)
            .map_err(|source| RecordingError::Io { offset: 0, source })?;
        Ok(Self {
            out,
            offset: HEADER_LEN,
            compress: false,
        })
    }

    /// Continues a recording whose valid data ends at `offset` (the writer must be positioned
    /// there, e.g. a file opened for appending after [`RecordReader`] found its end).
    pub fn append(out: W, offset: u64) -> Self {
        Self {
            out,
            offset,
            compress: false,
        }
    }

    /// Compresses each record's payload with zstd from now on.
    pub fn with_zstd(mut self, on: bool) -> Self {
        self.compress = on;
        self
    }

    /// The offset the next record will have (the recording's length so far).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Writes one record holding `payload` (an encoded `RelayToViewer`). Returns its offset.
    pub fn write_record(&mut self, kind: RecordKind, payload: &[u8]) -> Result<u64, RecordingError> {
        let compressed;
        let (stored, encoding) = if self.compress {
            compressed = ruzstd::encoding::compress_to_vec(payload, ruzstd::encoding::CompressionLevel::Fastest);
            (compressed.as_slice(), 1u8)
        } else {
            (payload, 0u8)
        };
        let len = u32::try_from(stored.len())
            .ok()
            .filter(|l| *l <= MAX_RECORD_LEN)
            .ok_or_else(|| RecordingError::Corrupt {
                offset: self.offset,
                what: format!(
                    "a record of {} bytes is over the limit of {MAX_RECORD_LEN}",
                    stored.len()
                ),
            })?;
        let mut header = [0u8; RECORD_HEADER_LEN as usize];
        header[..4].copy_from_slice(&len.to_le_bytes());
        header[4] = kind.code();
        header[5] = encoding;
        header[8..].copy_from_slice(&crc32fast::hash(stored).to_le_bytes());
        let at = self.offset;
        let io = |source| RecordingError::Io { offset: at, source };
        self.out.write_all(&header).map_err(io)?;
        self.out.write_all(stored).map_err(io)?;
        self.offset += RECORD_HEADER_LEN + u64::from(len);
        Ok(at)
    }

    /// Writes one message as a record of `kind`.
    pub fn write_message(&mut self, kind: RecordKind, msg: &RelayToViewer) -> Result<u64, RecordingError> {
        self.write_record(kind, &encode(msg))
    }

    /// Writes a whole snapshot: `SnapshotBegin`, `messages`, then `end` (a `SnapshotEnd`).
    pub fn write_snapshot<'a>(
        &mut self,
        messages: impl IntoIterator<Item = &'a [u8]>,
        end: &RelayToViewer,
    ) -> Result<u64, RecordingError> {
        let at = self.write_message(RecordKind::SnapshotBegin, &RelayToViewer::SnapshotBegin)?;
        for m in messages {
            self.write_record(RecordKind::SnapshotMessage, m)?;
        }
        self.write_message(RecordKind::SnapshotEnd, end)?;
        Ok(at)
    }

    /// Flushes buffered records to the underlying writer.
    pub fn flush(&mut self) -> Result<(), RecordingError> {
        let offset = self.offset;
        self.out.flush().map_err(|source| RecordingError::Io { offset, source })
    }

    /// The underlying writer (for `sync_data` on a file).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Reads records in order.
#[derive(Debug)]
pub struct RecordReader<R: Read> {
    input: R,
    offset: u64,
}

/// Reads up to `buf.len()` bytes; returns how many (fewer only at the end of the input).
fn read_full(input: &mut impl Read, buf: &mut [u8], offset: u64) -> Result<usize, RecordingError> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => return Err(RecordingError::Io { offset, source }),
        }
    }
    Ok(n)
}

/// A record's header fields.
struct RecordHeader {
    len: u32,
    kind: RecordKind,
    encoding: u8,
    crc: u32,
}

impl<R: Read> RecordReader<R> {
    /// Reads and checks the file header.
    pub fn open(mut input: R) -> Result<Self, RecordingError> {
        let mut header = [0u8; HEADER_LEN as usize];
        let n = read_full(&mut input, &mut header, 0)?;
        if n < MAGIC.len() || header[..8] != MAGIC {
            return Err(RecordingError::NotARecording);
        }
        if n < header.len() {
            return Err(RecordingError::Truncated {
                offset: 0,
                what: "the file header",
                expected: HEADER_LEN,
                found: n as u64,
            });
        }
        let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if version != VERSION {
            return Err(RecordingError::UnsupportedVersion { found: version });
        }
        Ok(Self {
            input,
            offset: HEADER_LEN,
        })
    }

    /// A reader positioned at `offset` of a recording whose header was checked before (after
    /// seeking `input` there).
    pub fn resume(input: R, offset: u64) -> Self {
        Self { input, offset }
    }

    /// The offset of the next record: after a clean end, the recording's valid length.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record's header; `None` at a clean end.
    fn header(&mut self) -> Result<Option<RecordHeader>, RecordingError> {
        let at = self.offset;
        let mut h = [0u8; RECORD_HEADER_LEN as usize];
        let n = read_full(&mut self.input, &mut h, at)?;
        if n == 0 {
            return Ok(None);
        }
        if n < h.len() {
            return Err(RecordingError::Truncated {
                offset: at,
                what: "a record header",
                expected: RECORD_HEADER_LEN,
                found: n as u64,
            });
        }
        let corrupt = |what: String| RecordingError::Corrupt { offset: at, what };
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        if len > MAX_RECORD_LEN {
            return Err(corrupt(format!(
                "record length {len} is over the limit of {MAX_RECORD_LEN} bytes"
            )));
        }
        let kind =
            RecordKind::from_code(h[4]).ok_or_else(|| corrupt(format!("record kind {} (expected 0 to 3)", h[4])))?;
        let encoding = h[5];
        if encoding > 1 {
            return Err(corrupt(format!(
                "payload encoding {encoding} (expected 0 raw or 1 zstd)"
            )));
        }
        if h[6] != 0 || h[7] != 0 {
            return Err(corrupt("reserved bytes 6..8 of the record header are not zero".into()));
        }
        let crc = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
        Ok(Some(RecordHeader {
            len,
            kind,
            encoding,
            crc,
        }))
    }

    /// The next record; `Ok(None)` at a clean end of the recording.
    pub fn next_record(&mut self) -> Result<Option<Record>, RecordingError> {
        let at = self.offset;
        let Some(h) = self.header()? else {
            return Ok(None);
        };
        // Read through `take` so that a hostile length allocates no more than the data present.
        let mut stored = Vec::new();
        (&mut self.input)
            .take(u64::from(h.len))
            .read_to_end(&mut stored)
            .map_err(|source| RecordingError::Io { offset: at, source })?;
        if stored.len() < h.len as usize {
            return Err(RecordingError::Truncated {
                offset: at,
                what: "a record payload",
                expected: u64::from(h.len),
                found: stored.len() as u64,
            });
        }
        let crc = crc32fast::hash(&stored);
        if crc != h.crc {
            return Err(RecordingError::Corrupt {
                offset: at,
                what: format!("checksum {crc:08x} does not match the stored {:08x}", h.crc),
            });
        }
        let payload = if h.encoding == 1 {
            decompress(&stored, at)?
        } else {
            stored
        };
        self.offset = at + RECORD_HEADER_LEN + u64::from(h.len);
        Ok(Some(Record {
            offset: at,
            kind: h.kind,
            payload,
        }))
    }
}

fn decompress(stored: &[u8], offset: u64) -> Result<Vec<u8>, RecordingError> {
    let corrupt = |e: String| RecordingError::Corrupt {
        offset,
        what: format!("zstd payload: {e}"),
    };
    let decoder = ruzstd::decoding::StreamingDecoder::new(stored).map_err(|e| corrupt(e.to_string()))?;
    let mut out = Vec::new();
    decoder
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| corrupt(e.to_string()))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(corrupt(format!("decompresses to more than {MAX_DECOMPRESSED} bytes")));
    }
    Ok(out)
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Record, RecordingError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// Where a reader that wants the final scene should start, found by reading only record
/// headers (payloads are skipped with `seek`): the offset of the last `SnapshotBegin` whose
/// `SnapshotEnd` follows, or the first record when there is none. Also returns where the valid
/// records end and the error that ended them early, if any (a torn tail).
pub fn last_snapshot<R: Read + Seek>(mut input: R) -> Result<ScanResult, RecordingError> {
    let len = input
        .seek(SeekFrom::End(0))
        .map_err(|source| RecordingError::Io { offset: 0, source })?;
    input
        .seek(SeekFrom::Start(0))
        .map_err(|source| RecordingError::Io { offset: 0, source })?;
    let mut reader = RecordReader::open(&mut input)?;
    let mut start = HEADER_LEN;
    let mut open_snapshot = None;
    let mut records = 0u64;
    let tail_error = loop {
        let at = reader.offset;
        let h = match reader.header() {
            Ok(Some(h)) => h,
            Ok(None) => break None,
            Err(e) => break Some(e),
        };
        let end = at + RECORD_HEADER_LEN + u64::from(h.len);
        if end > len {
            break Some(RecordingError::Truncated {
                offset: at,
                what: "a record payload",
                expected: u64::from(h.len),
                found: len - (at + RECORD_HEADER_LEN),
            });
        }
        match h.kind {
            RecordKind::SnapshotBegin => open_snapshot = Some(at),
            RecordKind::SnapshotEnd => {
                if let Some(s) = open_snapshot.take() {
                    start = s;
                }
            }
            RecordKind::Live | RecordKind::SnapshotMessage => {}
        }
        reader
            .input
            .seek(SeekFrom::Start(end))
            .map_err(|source| RecordingError::Io { offset: at, source })?;
        reader.offset = end;
        records += 1;
    };
    Ok(ScanResult {
        start,
        valid_len: reader.offset,
        records,
        tail_error,
    })
}

/// A reader positioned at the record where the final scene starts (see [`last_snapshot`]),
/// with what the scan found: read it until [`ScanResult::valid_len`] to rebuild the final scene.
pub fn from_last_snapshot<R: Read + Seek>(mut input: R) -> Result<(RecordReader<R>, ScanResult), RecordingError> {
    let scan = last_snapshot(&mut input)?;
    input
        .seek(SeekFrom::Start(scan.start))
        .map_err(|source| RecordingError::Io {
            offset: scan.start,
            source,
        })?;
    Ok((RecordReader::resume(input, scan.start), scan))
}

/// What [`last_snapshot`] found.
#[derive(Debug)]
pub struct ScanResult {
    /// Offset of the record to start reading at for the final scene.
    pub start: u64,
    /// Bytes of intact records (with the header): where appending continues.
    pub valid_len: u64,
    /// Intact records.
    pub records: u64,
    /// Why the records ended before the end of the data (a torn or damaged tail), if they did.
    pub tail_error: Option<RecordingError>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{ClientInfo, Envelope, NdArray, Value};
    use std::io::Cursor;

    fn msg(uid: u64) -> RelayToViewer {
        let env = Envelope::new(3, Some(uid))
            .with_kwarg(
                "positions",
                NdArray::from_f32(&[1, 2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap(),
            )
            .with_kwarg("name", Value::from("s"));
        RelayToViewer::Message {
            client: 1,
            envelope: env,
        }
    }

    fn end() -> RelayToViewer {
        RelayToViewer::SnapshotEnd {
            current_frame: 0,
            clients: vec![ClientInfo {
                id: 1,
                addr: "127.0.0.1:5".into(),
                format: "msgpack".into(),
            }],
        }
    }

    fn sample(zstd: bool) -> Vec<u8> {
        let mut w = RecordWriter::new(Vec::new()).unwrap().with_zstd(zstd);
        w.write_message(RecordKind::Live, &msg(1)).unwrap();
        w.write_message(RecordKind::Live, &msg(2)).unwrap();
        let snap = [encode(&msg(1)), encode(&msg(2))];
        w.write_snapshot(snap.iter().map(Vec::as_slice), &end()).unwrap();
        w.write_message(RecordKind::Live, &msg(3)).unwrap();
        w.into_inner()
    }

    #[test]
    fn round_trip_raw_and_zstd() {
        for zstd in [false, true] {
            let bytes = sample(zstd);
            let records: Vec<Record> = RecordReader::open(bytes.as_slice())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let kinds: Vec<RecordKind> = records.iter().map(|r| r.kind).collect();
            use RecordKind::*;
            assert_eq!(
                kinds,
                [
                    Live,
                    Live,
                    SnapshotBegin,
                    SnapshotMessage,
                    SnapshotMessage,
                    SnapshotEnd,
                    Live
                ]
            );
            assert_eq!(records[0].message().unwrap(), msg(1));
            assert_eq!(records[5].message().unwrap(), end());
            assert_eq!(records[6].message().unwrap(), msg(3));
            assert_eq!(records[0].offset, HEADER_LEN);
        }
    }

    #[test]
    fn last_snapshot_skips_history() {
        let bytes = sample(false);
        let scan = last_snapshot(Cursor::new(&bytes)).unwrap();
        assert!(scan.tail_error.is_none());
        assert_eq!(scan.valid_len, bytes.len() as u64);
        assert_eq!(scan.records, 7);
        let mut c = Cursor::new(&bytes);
        c.seek(SeekFrom::Start(scan.start)).unwrap();
        let first = RecordReader::resume(c, scan.start).next_record().unwrap().unwrap();
        assert_eq!(first.kind, RecordKind::SnapshotBegin);
        // A snapshot without its end does not count.
        let mut w = RecordWriter::append(bytes.clone(), bytes.len() as u64);
        w.write_message(RecordKind::SnapshotBegin, &RelayToViewer::SnapshotBegin)
            .unwrap();
        let more = w.into_inner();
        assert_eq!(last_snapshot(Cursor::new(&more)).unwrap().start, scan.start);
        // None at all: from the first record.
        let mut w = RecordWriter::new(Vec::new()).unwrap();
        w.write_message(RecordKind::Live, &msg(1)).unwrap();
        assert_eq!(last_snapshot(Cursor::new(w.into_inner())).unwrap().start, HEADER_LEN);
    }

    #[test]
    fn every_truncation_is_reported_with_its_offset() {
        let bytes = sample(false);
        let boundaries: Vec<u64> = RecordReader::open(bytes.as_slice())
            .unwrap()
            .map(|r| r.unwrap().offset)
            .collect();
        for cut in HEADER_LEN as usize..bytes.len() {
            let part = &bytes[..cut];
            let mut reader = RecordReader::open(part).unwrap();
            let mut last_ok = HEADER_LEN;
            let err = loop {
                match reader.next_record() {
                    Ok(Some(_)) => last_ok = reader.offset(),
                    Ok(None) => break None,
                    Err(e) => break Some(e),
                }
            };
            let on_boundary = boundaries.contains(&(cut as u64));
            match err {
                None => assert!(on_boundary, "cut at {cut} read cleanly"),
                Some(e) => {
                    assert!(e.is_truncation(), "cut at {cut}: {e}");
                    assert_eq!(e.offset(), last_ok, "cut at {cut}: {e}");
                    assert!(e.to_string().contains(&format!("offset {last_ok}")), "{e}");
                }
            }
            let scan = last_snapshot(Cursor::new(part)).unwrap();
            assert_eq!(scan.valid_len, last_ok, "cut at {cut}");
            assert_eq!(scan.tail_error.is_some(), !on_boundary, "cut at {cut}");
        }
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        assert!(matches!(
            RecordReader::open(&b"not a recording at all"[..]),
            Err(RecordingError::NotARecording)
        ));
        let mut v2 = sample(false);
        v2[8] = 2;
        let e = RecordReader::open(v2.as_slice()).unwrap_err();
        assert!(e.to_string().contains("version 2"), "{e}");
        // A flipped payload byte fails the checksum, naming the record's offset.
        let mut bad = sample(false);
        let at = HEADER_LEN as usize + RECORD_HEADER_LEN as usize + 3;
        bad[at] ^= 0xff;
        let e = RecordReader::open(bad.as_slice()).unwrap().next_record().unwrap_err();
        assert!(
            e.to_string().contains(&format!("offset {HEADER_LEN}")) && e.to_string().contains("checksum"),
            "{e}"
        );
        // A hostile length allocates nothing big: it is just a truncation.
        let mut huge = sample(false)[..HEADER_LEN as usize].to_vec();
        huge.extend_from_slice(&(MAX_RECORD_LEN).to_le_bytes());
        huge.extend_from_slice(&[0; 8]);
        let e = RecordReader::open(huge.as_slice()).unwrap().next_record().unwrap_err();
        assert!(e.is_truncation(), "{e}");
        let mut kind = sample(false);
        kind[HEADER_LEN as usize + 4] = 9;
        let e = RecordReader::open(kind.as_slice()).unwrap().next_record().unwrap_err();
        assert!(e.to_string().contains("record kind 9"), "{e}");
        // Every single-byte corruption of the sample is an error or a clean read, never a panic.
        let base = sample(true);
        for i in 0..base.len() {
            let mut b = base.clone();
            b[i] = b[i].wrapping_add(0x5b);
            if let Ok(r) = RecordReader::open(b.as_slice()) {
                for rec in r {
                    match rec {
                        Ok(rec) => {
                            let _ = rec.message();
                        }
                        Err(_) => break,
                    }
                }
            }
            let _ = last_snapshot(Cursor::new(&b));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Arbitrary bytes after a valid header, and arbitrary splices of a valid recording,
        /// give records or errors with offsets, never a panic or an allocation beyond the data.
        #[test]
        fn hostile_input_never_panics(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
                                      cut in 0usize..2048, zstd in proptest::prelude::any::<bool>()) {
            let mut bytes = sample(zstd);
            bytes.truncate(cut.min(bytes.len()).max(HEADER_LEN as usize));
            bytes.extend_from_slice(&tail);
            if let Ok(reader) = RecordReader::open(bytes.as_slice()) {
                for rec in reader {
                    match rec {
                        Ok(rec) => { let _ = rec.message(); }
                        Err(e) => { proptest::prop_assert!(e.offset() <= bytes.len() as u64); break; }
                    }
                }
            }
            if let Ok(scan) = last_snapshot(Cursor::new(&bytes)) {
                proptest::prop_assert!(scan.valid_len <= bytes.len() as u64);
                proptest::prop_assert!(scan.start <= scan.valid_len.max(HEADER_LEN));
            }
        }
    }
}
