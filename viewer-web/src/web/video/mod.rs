//! Video export in the page: the core's [`VideoPlan`] rendered frame by frame, once each and in
//! order, off the canvas at the video's size; each frame read back and handed to the output
//! ([`sink`]: WebCodecs + WebM, MediaRecorder, or PNG frames in a ZIP). The next frame is
//! rendered only when the previous one is encoded, so the video does not depend on real time
//! or on how slow the machine is. While it runs, the frame loop leaves the renderer alone
//! ([`super::app::ExportProgress`]) and the page shows the progress; cancelling stops it after
//! the frame being rendered.
//!
//! `window.meshcast.exportVideo(options)` ([`request_from_js`], [`export`]) returns the file as
//! a `Blob`; the Video panel's button downloads it ([`download`]).

mod sink;

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::Blob;

use super::app::{ExportProgress, Readback};
use super::Shared;
use crate::core::video::{VideoCamera, VideoOptions, VideoPlan};
use crate::core::ViewOptions;

use sink::Sink;
pub use sink::{EncoderChoice, Format};

/// An export as asked for.
pub struct ExportRequest {
    /// Range, rate, size, camera.
    pub options: VideoOptions,
    /// WebM or PNG frames.
    pub format: Format,
    /// Which WebM encoder.
    pub encoder: EncoderChoice,
    /// Called with `(done, total)` after each frame.
    pub on_progress: Option<Function>,
}

impl ExportRequest {
    /// The file name a download gets.
    pub fn file_name(&self) -> &'static str {
        match self.format {
            Format::Webm => "meshcast-video.webm",
            Format::Png => "meshcast-frames.zip",
        }
    }
}

fn error(msg: &str) -> JsValue {
    js_sys::Error::new(msg).into()
}

fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// The export options of `exportVideo(options)`: `{first, last, fps, width, height, camera:
/// "current" | "orbit", degrees, stillSeconds, format: "webm" | "png", encoder: "auto" |
/// "webcodecs" | "mediarecorder", onProgress(done, total)}`, each optional. A value of the wrong
/// type is a `TypeError` naming it; the ranges are checked by the core when the export starts.
pub fn request_from_js(v: &JsValue) -> Result<ExportRequest, JsValue> {
    if !(v.is_undefined() || v.is_null() || v.is_object()) {
        return Err(type_error("exportVideo(options) takes an options object"));
    }
    let get = |k: &str| {
        if v.is_object() {
            Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    };
    let number = |k: &str| -> Result<Option<f64>, JsValue> {
        let x = get(k);
        if x.is_undefined() || x.is_null() {
            return Ok(None);
        }
        x.as_f64()
            .map(Some)
            .ok_or_else(|| type_error(&format!("exportVideo: {k} must be a number")))
    };
    let whole = |k: &str| -> Result<Option<u64>, JsValue> {
        match number(k)? {
            None => Ok(None),
            Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 => Ok(Some(x as u64)),
            Some(x) => Err(type_error(&format!(
                "exportVideo: {k} must be a whole number >= 0, got {x}"
            ))),
        }
    };
    let text = |k: &str, allowed: &[&str]| -> Result<Option<String>, JsValue> {
        let x = get(k);
        if x.is_undefined() || x.is_null() {
            return Ok(None);
        }
        match x.as_string() {
            Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
            _ => Err(type_error(&format!(
                "exportVideo: {k} must be one of {}",
                allowed.join(", ")
            ))),
        }
    };
    let d = VideoOptions::default();
    let size = |k: &str, default: u32| -> Result<u32, JsValue> {
        Ok(whole(k)?.map_or(default, |x| u32::try_from(x).unwrap_or(u32::MAX)))
    };
    let camera = match text("camera", &["current", "orbit"])?.as_deref() {
        Some("orbit") => VideoCamera::Orbit {
            degrees: number("degrees")?.unwrap_or(360.0) as f32,
        },
        _ => VideoCamera::Current,
    };
    let options = VideoOptions {
        first: whole("first")?.map_or(0, |x| x as usize),
        last: whole("last")?.map(|x| x as usize),
        fps: number("fps")?.unwrap_or(d.fps),
        width: size("width", d.width)?,
        height: size("height", d.height)?,
        camera,
        still_seconds: number("stillSeconds")?.unwrap_or(d.still_seconds),
    };
    let format = match text("format", &["webm", "png"])?.as_deref() {
        Some("png") => Format::Png,
        _ => Format::Webm,
    };
    let encoder = match text("encoder", &["auto", "webcodecs", "mediarecorder"])?.as_deref() {
        Some("webcodecs") => EncoderChoice::WebCodecs,
        Some("mediarecorder") => EncoderChoice::MediaRecorder,
        _ => EncoderChoice::Auto,
    };
    let on_progress = match get("onProgress") {
        f if f.is_function() => Some(f.into()),
        f if f.is_undefined() || f.is_null() => None,
        _ => return Err(type_error("exportVideo: onProgress must be a function")),
    };
    Ok(ExportRequest {
        options,
        format,
        encoder,
        on_progress,
    })
}

/// Runs an export; the promise resolves with the file as a `Blob` (`video/webm` or
/// `application/zip`), or rejects with a `RangeError` for options out of range, an `Error`
/// named `AbortError` when cancelled, and an `Error` saying what failed otherwise.
pub fn export(app: &Shared, req: ExportRequest) -> Promise {
    let app = app.clone();
    future_to_promise(async move { run(&app, req).await.map(JsValue::from) })
}

/// Runs an export and downloads the file; a failure shows in the top bar.
pub fn download(app: &Shared, req: ExportRequest) {
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let name = req.file_name();
        match run(&app, req).await {
            Ok(blob) => {
                if let Ok(a) = app.try_borrow() {
                    super::dom::download(&a.ui.doc, name, &blob);
                }
            }
            Err(e) => {
                let msg = js_sys::Error::from(e).message().as_string().unwrap_or_default();
                tracing::warn!("video export: {msg}");
                if let Ok(mut a) = app.try_borrow_mut() {
                    let c = a.core.set_error(Some(format!("video export: {msg}")));
                    a.note(c);
                }
            }
        }
    });
}

/// Asks the running export to stop; returns whether one was running.
pub fn cancel(app: &Shared) -> bool {
    app.try_borrow()
        .ok()
        .and_then(|a| a.export.as_ref().map(|e| e.cancel.set(true)))
        .is_some()
}

async fn run(app: &Shared, req: ExportRequest) -> Result<Blob, JsValue> {
    let (plan, opts, doc) = {
        let a = app.try_borrow().map_err(|_| error("the meshcast viewer is busy"))?;
        if a.export.is_some() {
            return Err(error("a video export is running already"));
        }
        let plan = req
            .options
            .plan(a.core.scene().n_frames(), *a.core.camera())
            .map_err(|e| JsValue::from(js_sys::RangeError::new(&e.to_string())))?;
        let max = a.gpu.device.limits().max_texture_dimension_2d;
        let (w, h) = plan.size();
        if w.max(h) > max {
            return Err(js_sys::RangeError::new(&format!(
                "this browser's GPU renders at most {max}×{max} pixels, asked for {w}×{h}"
            ))
            .into());
        }
        // What the view shows, without the selection's outline or inspect mode's marker.
        let opts = ViewOptions {
            selected: None,
            inspect: false,
            ..a.core.view().clone()
        };
        (plan, opts, a.ui.doc.clone())
    };
    let mut sink = Sink::open(req.format, req.encoder, &plan, doc).await?;
    let cancel = Rc::new(Cell::new(false));
    let rb = {
        let mut a = app.try_borrow_mut().map_err(|_| error("the meshcast viewer is busy"))?;
        if a.export.is_some() {
            sink.abandon();
            return Err(error("a video export is running already"));
        }
        a.export = Some(ExportProgress {
            done: 0,
            total: plan.len(),
            cancel: cancel.clone(),
            encoder: sink.name(),
        });
        let (w, h) = plan.size();
        a.resize_renderer(w, h);
        Readback::new(&a.gpu, w, h)
    };
    tracing::info!(frames = plan.len(), encoder = sink.name(), "video export started");
    let rendered = frames(app, &plan, &opts, &rb, &mut sink, &cancel, req.on_progress.as_ref()).await;
    // The renderer goes back to the canvas's size, whatever happened.
    if let Ok(mut a) = app.try_borrow_mut() {
        a.export = None;
        let (w, h) = (a.gpu.config.width, a.gpu.config.height);
        a.resize_renderer(w, h);
    }
    if let Err(e) = rendered {
        sink.abandon();
        return Err(e);
    }
    let blob = sink.finish(&plan).await?;
    if let Ok(mut a) = app.try_borrow_mut() {
        a.videos += 1;
    }
    tracing::info!(frames = plan.len(), bytes = blob.size(), "video export done");
    Ok(blob)
}

/// Renders, reads back and encodes every frame of the plan, in order.
async fn frames(
    app: &Shared,
    plan: &VideoPlan,
    opts: &ViewOptions,
    rb: &Readback,
    sink: &mut Sink,
    cancel: &Cell<bool>,
    on_progress: Option<&Function>,
) -> Result<(), JsValue> {
    for f in plan.frames() {
        if cancel.get() {
            let e = js_sys::Error::new("the video export was cancelled");
            e.set_name("AbortError");
            return Err(e.into());
        }
        app.try_borrow_mut()
            .map_err(|_| error("the meshcast viewer is busy"))?
            .render_frame_readback(rb, f.scene_frame, &f.camera, opts);
        map(rb).await?;
        let rgba = rb
            .pixels()
            .map_err(|e| error(&format!("reading frame {} back: {e}", f.index)))?;
        sink.add(plan, &f, &rgba).await?;
        if let Ok(mut a) = app.try_borrow_mut() {
            if let Some(p) = a.export.as_mut() {
                p.done = f.index + 1;
            }
        }
        if let Some(cb) = on_progress {
            let _ = cb.call2(
                &JsValue::NULL,
                &JsValue::from_f64((f.index + 1) as f64),
                &JsValue::from_f64(plan.len() as f64),
            );
        }
    }
    Ok(())
}

/// Waits until the read-back buffer is mapped (WebGL2 maps when the frame loop polls the device).
async fn map(rb: &Readback) -> Result<(), JsValue> {
    let (tx, rx) = futures_channel::oneshot::channel();
    rb.target.buffer.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    rx.await
        .map_err(|_| error("the frame's read-back was dropped"))?
        .map_err(|e| error(&format!("reading the frame back: {e}")))
}
