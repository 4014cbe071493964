//! Where the export's frames go: WebCodecs chunks muxed into WebM (the core's muxer), the
//! MediaRecorder fallback, or PNG files in a ZIP archive. The browser parts are in
//! `encoders.js`.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Document};

use crate::core::video::webm::{WebmCodec, WebmColour, WebmWriter};
use crate::core::video::yuv::rgba_to_i420;
use crate::core::video::zip::ZipWriter;
use crate::core::video::{VideoFrame, VideoPlan};
use crate::web::screenshot;

#[wasm_bindgen(module = "/src/web/video/encoders.js")]
extern "C" {
    #[wasm_bindgen(js_name = webcodecsSupported)]
    fn webcodecs_supported(codec: &str, width: u32, height: u32, fps: f64) -> Promise;

    #[wasm_bindgen(js_name = recorderSupported)]
    fn recorder_supported() -> bool;

    /// `encoders.js`'s WebCodecs encoder.
    pub type CodecSink;

    #[wasm_bindgen(constructor, catch)]
    fn new(codec: &str, width: u32, height: u32, fps: f64) -> Result<CodecSink, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn add(
        this: &CodecSink,
        i420: &Uint8Array,
        timestamp_us: f64,
        duration_us: f64,
        key: bool,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn flush(this: &CodecSink) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method)]
    fn take(this: &CodecSink) -> js_sys::Array;

    #[wasm_bindgen(method, js_name = close)]
    fn close_codec(this: &CodecSink);

    /// `encoders.js`'s MediaRecorder.
    pub type RecorderSink;

    #[wasm_bindgen(constructor, catch)]
    fn new(width: u32, height: u32, fps: f64) -> Result<RecorderSink, JsValue>;

    #[wasm_bindgen(method, catch, js_name = add)]
    fn add_frame(this: &RecorderSink, rgba: &Uint8Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn finish(this: &RecorderSink) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, js_name = close)]
    fn close_recorder(this: &RecorderSink);

    type Chunk;

    #[wasm_bindgen(method, getter)]
    fn key(this: &Chunk) -> bool;

    #[wasm_bindgen(method, getter)]
    fn timestamp(this: &Chunk) -> f64;

    #[wasm_bindgen(method, getter)]
    fn data(this: &Chunk) -> Uint8Array;
}

/// The codec of the page's WebM: VP8, which every WebCodecs and MediaRecorder has and which
/// encodes fast in software.
pub const CODEC: WebmCodec = WebmCodec::Vp8;

/// The colours of the frames the page encodes: [`rgba_to_i420`]'s BT.601 studio range, sRGB.
const COLOUR: WebmColour = WebmColour {
    matrix: 6,
    full_range: false,
    transfer: 13,
    primaries: 1,
};

/// What the export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A WebM video.
    Webm,
    /// PNG frames in a ZIP archive.
    Png,
}

/// Which encoder makes the WebM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncoderChoice {
    /// WebCodecs where the browser has it, MediaRecorder otherwise.
    Auto,
    /// WebCodecs only (an error where it is missing).
    WebCodecs,
    /// MediaRecorder only.
    MediaRecorder,
}

/// An open output.
pub enum Sink {
    /// WebCodecs and the WebM muxer.
    Codec(CodecSink, WebmWriter),
    /// MediaRecorder.
    Recorder(RecorderSink),
    /// PNG frames.
    Png(ZipWriter, Document),
}

fn err(msg: String) -> JsValue {
    js_sys::Error::new(&msg).into()
}

impl Sink {
    /// Opens the output for `plan`.
    pub async fn open(
        format: Format,
        encoder: EncoderChoice,
        plan: &VideoPlan,
        doc: Document,
    ) -> Result<Sink, JsValue> {
        let (w, h) = plan.size();
        if format == Format::Png {
            return Ok(Sink::Png(ZipWriter::new(), doc));
        }
        let webcodecs = match encoder {
            EncoderChoice::MediaRecorder => false,
            _ => JsFuture::from(webcodecs_supported(CODEC.webcodecs(), w, h, plan.fps()))
                .await?
                .is_truthy(),
        };
        if webcodecs {
            let sink = CodecSink::new(CODEC.webcodecs(), w, h, plan.fps())?;
            let mut webm = WebmWriter::new(CODEC, w, h, plan.fps());
            webm.set_colour(COLOUR);
            return Ok(Sink::Codec(sink, webm));
        }
        if encoder == EncoderChoice::WebCodecs {
            return Err(err(format!(
                "this browser has no WebCodecs encoder for {} at {w}×{h}",
                CODEC.webcodecs()
            )));
        }
        if !recorder_supported() {
            return Err(err(
                "this browser can encode no WebM video (neither WebCodecs nor MediaRecorder)".into(),
            ));
        }
        Ok(Sink::Recorder(RecorderSink::new(w, h, plan.fps())?))
    }

    /// The encoder's name, for the page state and tests: `webcodecs`, `mediarecorder` or `png`.
    pub fn name(&self) -> &'static str {
        match self {
            Sink::Codec(..) => "webcodecs",
            Sink::Recorder(_) => "mediarecorder",
            Sink::Png(..) => "png",
        }
    }

    /// Adds video frame `f` of `plan`, RGBA pixels.
    pub async fn add(&mut self, plan: &VideoPlan, f: &VideoFrame, rgba: &[u8]) -> Result<(), JsValue> {
        match self {
            Sink::Codec(sink, webm) => {
                let duration = plan.timestamp_us(f.index + 1) - f.timestamp_us;
                // A key frame every two seconds, so players can seek.
                let every = (plan.fps() * 2.0).round().max(1.0) as usize;
                let (w, h) = plan.size();
                let pixels = Uint8Array::from(rgba_to_i420(rgba, w as usize, h as usize).as_slice());
                JsFuture::from(sink.add(&pixels, f.timestamp_us as f64, duration as f64, f.index % every == 0)?)
                    .await?;
                mux(sink, webm)
            }
            Sink::Recorder(sink) => {
                JsFuture::from(sink.add_frame(&Uint8Array::from(rgba))?).await?;
                Ok(())
            }
            Sink::Png(zip, doc) => {
                let (w, h) = plan.size();
                let blob: Blob = JsFuture::from(screenshot::png_blob(doc, rgba, w, h)?)
                    .await?
                    .dyn_into()?;
                let bytes = Uint8Array::new(&JsFuture::from(blob.array_buffer()).await?).to_vec();
                zip.add(&plan.png_name(f.index), &bytes).map_err(|e| err(e.to_string()))
            }
        }
    }

    /// Finishes the file: a `video/webm` or `application/zip` blob.
    pub async fn finish(self, plan: &VideoPlan) -> Result<Blob, JsValue> {
        match self {
            Sink::Codec(sink, mut webm) => {
                let flushed = match sink.flush() {
                    Ok(p) => JsFuture::from(p).await.map(|_| ()),
                    Err(e) => Err(e),
                };
                let muxed = flushed.and_then(|()| mux(&sink, &mut webm));
                sink.close_codec();
                muxed?;
                blob(&webm.finish(plan.duration_us()), "video/webm")
            }
            Sink::Recorder(sink) => JsFuture::from(sink.finish()?).await?.dyn_into(),
            Sink::Png(zip, _) => blob(&zip.finish().map_err(|e| err(e.to_string()))?, "application/zip"),
        }
    }

    /// Stops the encoder without a file (a cancelled or failed export).
    pub fn abandon(self) {
        match self {
            Sink::Codec(sink, _) => sink.close_codec(),
            Sink::Recorder(sink) => sink.close_recorder(),
            Sink::Png(..) => {}
        }
    }
}

/// Moves the chunks the encoder has made into the WebM writer.
fn mux(sink: &CodecSink, webm: &mut WebmWriter) -> Result<(), JsValue> {
    for chunk in sink.take().iter() {
        let chunk: Chunk = chunk.unchecked_into();
        webm.push(chunk.timestamp().max(0.0) as u64, chunk.key(), &chunk.data().to_vec())
            .map_err(|e| err(format!("muxing the video: {e}")))?;
    }
    Ok(())
}

fn blob(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
}
