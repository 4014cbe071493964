//! The Video panel (aitviewer's "Export video"): frame range, frame rate, size, camera (the
//! current view or a 360° orbit) and format (WebM or PNG frames); "Export video" starts the
//! export and downloads the file, a progress bar and "Cancel" show while it runs. The fields'
//! values are checked by the core when the export starts (`core::video`); a refusal shows in
//! the top bar.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlButtonElement, HtmlInputElement, HtmlSelectElement};

use crate::core::video::{VideoCamera, VideoOptions};
use crate::web::command::Command;
use crate::web::dom::{child, input, on, set_attr, set_hidden, set_text};
use crate::web::emit::Emitter;
use crate::web::Page;

use super::view_panel::field;

/// The panel's controls.
#[derive(Clone)]
pub struct VideoPanel {
    first: HtmlInputElement,
    last: HtmlInputElement,
    fps: HtmlInputElement,
    width: HtmlInputElement,
    height: HtmlInputElement,
    camera: HtmlSelectElement,
    format: HtmlSelectElement,
    start: HtmlButtonElement,
    cancel: HtmlButtonElement,
    progress: Element,
    progress_text: Element,
}

fn number(doc: &Document, parent: &Element, label: &str, id: &str, value: &str) -> Result<HtmlInputElement, JsValue> {
    let l = field(doc, parent, label)?;
    input(
        doc,
        &l,
        &[
            ("id", id),
            ("type", "number"),
            ("min", "0"),
            ("step", "1"),
            ("value", value),
        ],
    )
}

fn select(
    doc: &Document,
    parent: &Element,
    label: &str,
    id: &str,
    options: &[(&str, &str)],
) -> Result<HtmlSelectElement, JsValue> {
    let l = field(doc, parent, label)?;
    let s: HtmlSelectElement = child(doc, &l, "select", &[("id", id)], None)?.dyn_into()?;
    for (value, text) in options {
        child(doc, &s, "option", &[("value", value)], Some(text))?;
    }
    Ok(s)
}

impl VideoPanel {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<VideoPanel, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-video-title")],
            None,
        )?;
        child(doc, &sec, "h2", &[("id", "mc-video-title")], Some("Video"))?;
        let d = VideoOptions::default();
        let first = number(doc, &sec, "First frame", "mc-video-first", "0")?;
        let last = number(doc, &sec, "Last frame", "mc-video-last", "")?;
        let fps = number(doc, &sec, "FPS", "mc-video-fps", &d.fps.to_string())?;
        let width = number(doc, &sec, "Width", "mc-video-width", &d.width.to_string())?;
        let height = number(doc, &sec, "Height", "mc-video-height", &d.height.to_string())?;
        let camera = select(
            doc,
            &sec,
            "Camera",
            "mc-video-camera",
            &[("current", "Current view"), ("orbit", "360° orbit")],
        )?;
        let format = select(
            doc,
            &sec,
            "Format",
            "mc-video-format",
            &[("webm", "WebM video"), ("png", "PNG frames (ZIP)")],
        )?;
        let row = child(doc, &sec, "div", &[("class", "mc-row")], None)?;
        let start: HtmlButtonElement = child(
            doc,
            &row,
            "button",
            &[("id", "mc-video-export"), ("type", "button")],
            Some("Export video"),
        )?
        .dyn_into()?;
        let cancel: HtmlButtonElement = child(
            doc,
            &row,
            "button",
            &[("id", "mc-video-cancel"), ("type", "button"), ("hidden", "")],
            Some("Cancel"),
        )?
        .dyn_into()?;
        let progress = child(
            doc,
            &sec,
            "progress",
            &[
                ("id", "mc-video-progress"),
                ("max", "1"),
                ("value", "0"),
                ("hidden", ""),
            ],
            None,
        )?;
        let progress_text = child(
            doc,
            &sec,
            "span",
            &[("id", "mc-video-progress-text"), ("aria-live", "polite")],
            None,
        )?;
        Ok(VideoPanel {
            first,
            last,
            fps,
            width,
            height,
            camera,
            format,
            start,
            cancel,
            progress,
            progress_text,
        })
    }

    /// Attaches the buttons' handlers.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        let e = emit.clone();
        on(&self.start, "click", move |_| e.command(Command::ExportVideo))?;
        let e = emit.clone();
        on(&self.cancel, "click", move |_| e.command(Command::CancelExport))?;
        Ok(())
    }

    /// The options the fields hold, and whether PNG frames are asked for. A field that is not a
    /// number gives a value the core refuses with a message (an empty Last frame: the scene's
    /// last).
    pub fn options(&self) -> (VideoOptions, bool) {
        let whole = |i: &HtmlInputElement| i.value().trim().parse::<u64>().ok();
        let size = |i: &HtmlInputElement| whole(i).map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
        let camera = match self.camera.value().as_str() {
            "orbit" => VideoCamera::Orbit { degrees: 360.0 },
            _ => VideoCamera::Current,
        };
        let options = VideoOptions {
            first: whole(&self.first).map_or(0, |v| v as usize),
            last: whole(&self.last).map(|v| v as usize),
            fps: self.fps.value().trim().parse::<f64>().unwrap_or(f64::NAN),
            width: size(&self.width),
            height: size(&self.height),
            camera,
            ..VideoOptions::default()
        };
        (options, self.format.value() == "png")
    }
}

/// Shows the export's progress (and the scene's last frame as the Last field's placeholder).
pub fn refresh(app: &Page) {
    let p = &app.ui.video;
    let n = app.core.scene().n_frames();
    set_attr(&p.last, "placeholder", &n.saturating_sub(1).to_string());
    let running = app.export.as_ref();
    p.start.set_disabled(running.is_some());
    set_hidden(&p.cancel, running.is_none());
    set_hidden(&p.progress, running.is_none());
    match running {
        Some(e) => {
            set_attr(&p.progress, "max", &e.total.to_string());
            set_attr(&p.progress, "value", &e.done.to_string());
            set_text(&p.progress_text, &format!("frame {} of {}", e.done, e.total));
        }
        None => set_text(&p.progress_text, ""),
    }
}
