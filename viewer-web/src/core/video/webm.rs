//! A WebM muxer: encoded VP8 or VP9 frames (what the browser's WebCodecs `VideoEncoder` hands
//! out) wrapped in a Matroska/WebM file that players, browsers and `ffprobe` read: an EBML
//! header, then one segment with the info (timestamps in milliseconds, the duration), one video
//! track, and clusters of `SimpleBlock`s, a new cluster at every key frame. Built in memory, so
//! every element's size is known and written exactly.

/// The codec of the frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebmCodec {
    /// VP8 (`V_VP8`).
    Vp8,
    /// VP9 (`V_VP9`).
    Vp9,
}

impl WebmCodec {
    /// The Matroska codec id.
    pub fn codec_id(self) -> &'static str {
        match self {
            WebmCodec::Vp8 => "V_VP8",
            WebmCodec::Vp9 => "V_VP9",
        }
    }

    /// The WebCodecs codec string (`vp8`, `vp09.00.10.08`: profile 0, level 1, 8 bits).
    pub fn webcodecs(self) -> &'static str {
        match self {
            WebmCodec::Vp8 => "vp8",
            WebmCodec::Vp9 => "vp09.00.10.08",
        }
    }
}

/// How the frames' pixels map to colours (Matroska's `Colour` element), as codes of ISO/IEC
/// 23091-2 (H.273).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebmColour {
    /// YUV matrix (1: BT.709, 5: BT.470BG, 6: SMPTE 170M, 9: BT.2020, 0: RGB).
    pub matrix: u8,
    /// Full range (0–255) rather than studio range (16–235).
    pub full_range: bool,
    /// Transfer characteristics (1: BT.709, 13: sRGB, 8: linear, 6: SMPTE 170M).
    pub transfer: u8,
    /// Colour primaries (1: BT.709, 5: BT.470BG, 6: SMPTE 170M, 9: BT.2020).
    pub primaries: u8,
}

impl WebmColour {
    fn element(&self) -> Vec<u8> {
        element(
            COLOUR,
            &[
                element_uint(MATRIX_COEFFICIENTS, u64::from(self.matrix)),
                element_uint(RANGE, if self.full_range { 2 } else { 1 }),
                element_uint(TRANSFER_CHARACTERISTICS, u64::from(self.transfer)),
                element_uint(PRIMARIES, u64::from(self.primaries)),
            ]
            .concat(),
        )
    }
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebmError {
    /// The first frame must be a key frame (a decoder starts there).
    #[error("the first frame of a WebM video must be a key frame")]
    FirstNotKey,
    /// Timestamps must not go backwards.
    #[error("frame timestamp {got} µs is before the previous frame's {previous} µs")]
    Backwards {
        /// The previous frame's timestamp.
        previous: u64,
        /// This one's.
        got: u64,
    },
}

// Element ids (with their length marker bits, as written).
const EBML: u32 = 0x1A45_DFA3;
const EBML_VERSION: u32 = 0x4286;
const EBML_READ_VERSION: u32 = 0x42F7;
const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
const DOC_TYPE: u32 = 0x4282;
const DOC_TYPE_VERSION: u32 = 0x4287;
const DOC_TYPE_READ_VERSION: u32 = 0x4285;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const MUXING_APP: u32 = 0x4D80;
const WRITING_APP: u32 = 0x5741;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_UID: u32 = 0x73C5;
const TRACK_TYPE: u32 = 0x83;
const FLAG_LACING: u32 = 0x9C;
const CODEC_ID: u32 = 0x86;
const DEFAULT_DURATION: u32 = 0x23_E383;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const COLOUR: u32 = 0x55B0;
const MATRIX_COEFFICIENTS: u32 = 0x55B1;
const RANGE: u32 = 0x55B9;
const TRANSFER_CHARACTERISTICS: u32 = 0x55BA;
const PRIMARIES: u32 = 0x55BB;
const CLUSTER: u32 = 0x1F43_B675;
const TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;

/// Nanoseconds per timestamp unit: timestamps are in milliseconds.
const SCALE_NS: u64 = 1_000_000;
/// A block's timestamp is a signed 16-bit offset from its cluster's.
const MAX_BLOCK_OFFSET_MS: u64 = i16::MAX as u64;

/// Frames collected for one WebM file.
#[derive(Debug, Clone)]
pub struct WebmWriter {
    codec: WebmCodec,
    width: u32,
    height: u32,
    fps: f64,
    clusters: Vec<u8>,
    cluster: Option<(u64, Vec<u8>)>,
    last_us: Option<u64>,
    frames: usize,
    colour: Option<WebmColour>,
}

impl WebmWriter {
    /// A writer for a `width × height` video at `fps` frames per second.
    pub fn new(codec: WebmCodec, width: u32, height: u32, fps: f64) -> WebmWriter {
        WebmWriter {
            codec,
            width,
            height,
            fps,
            clusters: Vec::new(),
            cluster: None,
            last_us: None,
            frames: 0,
            colour: None,
        }
    }

    /// Says how the frames' pixels map to colours (without it players guess: usually studio
    /// range BT.601, which shifts the colours of full-range frames).
    pub fn set_colour(&mut self, colour: WebmColour) {
        self.colour = Some(colour);
    }

    /// Frames added so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Adds one encoded frame starting at `timestamp_us` (`key`: a key frame).
    pub fn push(&mut self, timestamp_us: u64, key: bool, data: &[u8]) -> Result<(), WebmError> {
        match self.last_us {
            None if !key => return Err(WebmError::FirstNotKey),
            Some(previous) if timestamp_us < previous => {
                return Err(WebmError::Backwards {
                    previous,
                    got: timestamp_us,
                })
            }
            _ => {}
        }
        self.last_us = Some(timestamp_us);
        let ms = (timestamp_us + 500) / 1000;
        let start_new = match &self.cluster {
            None => true,
            Some((start, _)) => key || ms - start > MAX_BLOCK_OFFSET_MS,
        };
        if start_new {
            self.close_cluster();
            self.cluster = Some((ms, element_uint(TIMESTAMP, ms)));
        }
        if let Some((start, body)) = &mut self.cluster {
            let mut block = Vec::with_capacity(data.len() + 4);
            block.push(0x81); // track 1, as a 1-byte vint
            block.extend_from_slice(&((ms - *start) as i16).to_be_bytes());
            block.push(if key { 0x80 } else { 0 });
            block.extend_from_slice(data);
            body.extend(element(SIMPLE_BLOCK, &block));
        }
        self.frames += 1;
        Ok(())
    }

    fn close_cluster(&mut self) {
        if let Some((_, body)) = self.cluster.take() {
            self.clusters.extend(element(CLUSTER, &body));
        }
    }

    /// The file, with `duration_us` as the video's length.
    pub fn finish(mut self, duration_us: u64) -> Vec<u8> {
        self.close_cluster();
        let header = element(
            EBML,
            &[
                element_uint(EBML_VERSION, 1),
                element_uint(EBML_READ_VERSION, 1),
                element_uint(EBML_MAX_ID_LENGTH, 4),
                element_uint(EBML_MAX_SIZE_LENGTH, 8),
                element(DOC_TYPE, b"webm"),
                element_uint(DOC_TYPE_VERSION, 4),
                element_uint(DOC_TYPE_READ_VERSION, 2),
            ]
            .concat(),
        );
        let app = concat!("meshcast ", env!("CARGO_PKG_VERSION"));
        let info = element(
            INFO,
            &[
                element_uint(TIMESTAMP_SCALE, SCALE_NS),
                element(MUXING_APP, app.as_bytes()),
                element(WRITING_APP, app.as_bytes()),
                element(DURATION, &(duration_us as f64 / 1000.0).to_be_bytes()),
            ]
            .concat(),
        );
        let frame_ns = (1e9 / self.fps).round() as u64;
        let track = element(
            TRACK_ENTRY,
            &[
                element_uint(TRACK_NUMBER, 1),
                element_uint(TRACK_UID, 1),
                element_uint(TRACK_TYPE, 1),
                element_uint(FLAG_LACING, 0),
                element(CODEC_ID, self.codec.codec_id().as_bytes()),
                element_uint(DEFAULT_DURATION, frame_ns),
                element(
                    VIDEO,
                    &[
                        element_uint(PIXEL_WIDTH, u64::from(self.width)),
                        element_uint(PIXEL_HEIGHT, u64::from(self.height)),
                        self.colour.map(|c| c.element()).unwrap_or_default(),
                    ]
                    .concat(),
                ),
            ]
            .concat(),
        );
        let tracks = element(TRACKS, &track);
        let segment = element(SEGMENT, &[info, tracks, self.clusters].concat());
        [header, segment].concat()
    }
}

/// An element: its id, its size as an 8-byte vint, its body.
fn element(id: u32, body: &[u8]) -> Vec<u8> {
    let id_bytes = id.to_be_bytes();
    let skip = id_bytes.iter().take_while(|b| **b == 0).count();
    let mut out = Vec::with_capacity(4 + 8 + body.len());
    out.extend_from_slice(&id_bytes[skip..]);
    // 0x01 marks an 8-byte size; the other 7 bytes hold it.
    let size = (body.len() as u64).to_be_bytes();
    out.push(0x01);
    out.extend_from_slice(&size[1..]);
    out.extend_from_slice(body);
    out
}

/// An unsigned-integer element in as few bytes as it needs (at least one).
fn element_uint(id: u32, v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    element(id, &bytes[skip..])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A parsed element: id, body.
    type El<'a> = (u32, &'a [u8]);

    /// Reads the elements of `data` (ids of 1–4 bytes, sizes as vints of any length).
    fn parse(mut data: &[u8]) -> Vec<El<'_>> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let id_len = data[0].leading_zeros() as usize + 1;
            let id = data[..id_len].iter().fold(0u32, |a, b| a << 8 | u32::from(*b));
            data = &data[id_len..];
            let size_len = data[0].leading_zeros() as usize + 1;
            let first = u64::from(data[0]) & (0xFF >> size_len);
            let size = data[1..size_len].iter().fold(first, |a, b| a << 8 | u64::from(*b)) as usize;
            data = &data[size_len..];
            out.push((id, &data[..size]));
            data = &data[size..];
        }
        out
    }

    fn find<'a>(els: &[El<'a>], id: u32) -> Vec<&'a [u8]> {
        els.iter().filter(|e| e.0 == id).map(|e| e.1).collect()
    }

    fn uint(b: &[u8]) -> u64 {
        b.iter().fold(0, |a, x| a << 8 | u64::from(*x))
    }

    #[test]
    fn writes_header_track_and_clusters_per_key_frame() {
        let mut w = WebmWriter::new(WebmCodec::Vp8, 640, 360, 30.0);
        for i in 0..6u64 {
            // Key frames at 0 and 3.
            w.push(i * 1_000_000 / 30, i % 3 == 0, &[i as u8; 5]).unwrap();
        }
        assert_eq!(w.frames(), 6);
        let file = w.finish(200_000);
        let top = parse(&file);
        assert_eq!(top.len(), 2);
        let header = parse(find(&top, EBML)[0]);
        assert_eq!(find(&header, DOC_TYPE), [b"webm"]);
        let segment = parse(find(&top, SEGMENT)[0]);
        let info = parse(find(&segment, INFO)[0]);
        assert_eq!(uint(find(&info, TIMESTAMP_SCALE)[0]), 1_000_000);
        let duration = f64::from_be_bytes(find(&info, DURATION)[0].try_into().unwrap());
        assert_eq!(duration, 200.0);
        let track = parse(find(&parse(find(&segment, TRACKS)[0]), TRACK_ENTRY)[0]);
        assert_eq!(find(&track, CODEC_ID), [b"V_VP8"]);
        assert_eq!(uint(find(&track, DEFAULT_DURATION)[0]), 33_333_333);
        let video = parse(find(&track, VIDEO)[0]);
        assert_eq!(uint(find(&video, PIXEL_WIDTH)[0]), 640);
        assert_eq!(uint(find(&video, PIXEL_HEIGHT)[0]), 360);
        let clusters = find(&segment, CLUSTER);
        assert_eq!(clusters.len(), 2);
        let second = parse(clusters[1]);
        assert_eq!(uint(find(&second, TIMESTAMP)[0]), 100);
        let blocks = find(&second, SIMPLE_BLOCK);
        assert_eq!(blocks.len(), 3);
        // Track 1, offsets 0, 33, 67 ms from the cluster, the first a key frame.
        let offsets: Vec<i16> = blocks.iter().map(|b| i16::from_be_bytes([b[1], b[2]])).collect();
        assert_eq!(offsets, [0, 33, 67]);
        assert!(blocks.iter().all(|b| b[0] == 0x81));
        assert_eq!(blocks.iter().map(|b| b[3]).collect::<Vec<_>>(), [0x80, 0, 0]);
        assert_eq!(&blocks[2][4..], &[5u8; 5]);
    }

    #[test]
    fn the_colour_element_says_range_and_matrix() {
        let mut w = WebmWriter::new(WebmCodec::Vp8, 16, 16, 30.0);
        w.set_colour(WebmColour {
            matrix: 1,
            full_range: true,
            transfer: 13,
            primaries: 1,
        });
        w.push(0, true, &[1]).unwrap();
        let file = w.finish(33_333);
        let segment = parse(find(&parse(&file), SEGMENT)[0]);
        let track = parse(find(&parse(find(&segment, TRACKS)[0]), TRACK_ENTRY)[0]);
        let video = parse(find(&track, VIDEO)[0]);
        let colour = parse(find(&video, COLOUR)[0]);
        assert_eq!(uint(find(&colour, MATRIX_COEFFICIENTS)[0]), 1);
        assert_eq!(uint(find(&colour, RANGE)[0]), 2);
        assert_eq!(uint(find(&colour, TRANSFER_CHARACTERISTICS)[0]), 13);
        assert_eq!(uint(find(&colour, PRIMARIES)[0]), 1);
        // Without a colour, no element.
        let mut w = WebmWriter::new(WebmCodec::Vp8, 16, 16, 30.0);
        w.push(0, true, &[1]).unwrap();
        let file = w.finish(33_333);
        let segment = parse(find(&parse(&file), SEGMENT)[0]);
        let track = parse(find(&parse(find(&segment, TRACKS)[0]), TRACK_ENTRY)[0]);
        assert!(find(&parse(find(&track, VIDEO)[0]), COLOUR).is_empty());
    }

    #[test]
    fn long_gaps_between_key_frames_start_new_clusters() {
        let mut w = WebmWriter::new(WebmCodec::Vp9, 16, 16, 1.0);
        for s in 0..70u64 {
            w.push(s * 1_000_000, s == 0, &[1]).unwrap();
        }
        let file = w.finish(70_000_000);
        let segment = parse(find(&parse(&file), SEGMENT)[0]);
        // A block's offset fits in 16 bits: at most 32.767 s per cluster.
        assert_eq!(find(&segment, CLUSTER).len(), 3);
        let track = parse(find(&parse(find(&segment, TRACKS)[0]), TRACK_ENTRY)[0]);
        assert_eq!(find(&track, CODEC_ID), [b"V_VP9"]);
    }

    #[test]
    fn refuses_a_first_delta_frame_and_backward_timestamps() {
        let mut w = WebmWriter::new(WebmCodec::Vp8, 16, 16, 30.0);
        assert_eq!(w.push(0, false, &[1]), Err(WebmError::FirstNotKey));
        w.push(100, true, &[1]).unwrap();
        assert_eq!(
            w.push(50, false, &[1]),
            Err(WebmError::Backwards { previous: 100, got: 50 })
        );
    }
}
