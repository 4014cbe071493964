//! What the page exposes to tests and scripts.
//!
//! `data-*` attributes on `<body>`, all written here by [`sync`] from the state once per animation
//! frame (only [`set_fatal`] writes one before the viewer exists):
//! `data-backend` (`webgpu`|`webgl`), `data-build` (`webgpu` for the WebGPU-only build, `webgl`
//! for the one with WebGL2 too), `data-connection` (`connecting`|`connected`|`reconnecting`),
//! `data-first-frame="1"` once a frame was presented, `data-frames-rendered` (presented frames),
//! `data-current-frame`, `data-n-frames`, `data-playing` (`1`|`0`), `data-inspect` (`1` in
//! inspect mode), `data-nodes` (node count),
//! `data-selected` (`client:uid` or empty), `data-help` (`1` while the help is open),
//! `data-shadows` (`1` while shadows are drawn),
//! `data-screenshots` (PNG downloads made), `data-videos` (video exports finished),
//! `data-export` (`done/total encoder` while a video export runs, empty otherwise), `data-error` (why the viewer could not start),
//! `data-first-frame-ms` (`performance.now()` of the first frame), `data-plugins` (loaded
//! plugins, comma-separated), `data-plugin-errors`, `data-smpl-error` (why an SMPL body is not
//! drawn, empty otherwise).
//!
//! `window.__meshcast` (the test hooks) is built from the API table in `custom::js_table`.
use web_sys::Document;

use super::Page;

/// Writes every `data-*` attribute from the viewer's state.
pub fn sync(app: &Page) {
    let doc = &app.ui.doc;
    let core = &app.core;
    let stats = core.stats();
    let flag = |on: bool| if on { "1" } else { "0" };
    set(doc, "backend", app.gpu.backend.name());
    set(doc, "build", super::fallback::BUILD);
    set(doc, "connection", core.connection().name());
    if let Some(ms) = stats.first_frame_ms {
        set(doc, "firstFrameMs", &format!("{ms:.0}"));
        set(doc, "firstFrame", "1");
    }
    set(doc, "framesRendered", &stats.frames_rendered.to_string());
    set(doc, "currentFrame", &app.frame().to_string());
    set(doc, "nFrames", &core.scene().n_frames().to_string());
    set(doc, "playing", flag(core.playback().playing()));
    set(doc, "inspect", flag(core.view().inspect));
    set(doc, "nodes", &core.scene().len().to_string());
    let selected = core
        .selected()
        .map(|k| format!("{}:{}", k.client, k.uid))
        .unwrap_or_default();
    set(doc, "selected", &selected);
    set(doc, "help", flag(app.help_open));
    set(doc, "shadows", flag(core.view().shadows && app.renderer.caps().shadows));
    set(doc, "screenshots", &app.screenshots.to_string());
    set(doc, "videos", &app.videos.to_string());
    let export = app
        .export
        .as_ref()
        .map(|e| format!("{}/{} {}", e.done, e.total, e.encoder))
        .unwrap_or_default();
    set(doc, "export", &export);
    set(doc, "smplError", app.smpl.message.as_deref().unwrap_or(""));
    set(doc, "plugins", &app.ext.plugins.join(","));
    set(doc, "pluginErrors", &app.ext.plugin_errors.join("; "));
}

/// Sets `data-<name>` on `<body>` (camelCase names become kebab-case) when it differs.
fn set(doc: &Document, name: &str, value: &str) {
    let Some(body) = doc.body() else { return };
    let mut attr = String::from("data-");
    for ch in name.chars() {
        if ch.is_ascii_uppercase() {
            attr.push('-');
            attr.push(ch.to_ascii_lowercase());
        } else {
            attr.push(ch);
        }
    }
    if body.get_attribute(&attr).as_deref() != Some(value) {
        let _ = body.set_attribute(&attr, value);
    }
}

/// Reports a start-up failure on the page (`data-error` and a message in the viewer's place).
pub fn set_fatal(msg: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    set(&doc, "error", msg);
    if let Some(root) = doc.get_element_by_id("meshcast") {
        let p = doc.create_element("p");
        if let Ok(p) = p {
            let _ = p.set_attribute("class", "mc-fatal");
            let _ = p.set_attribute("role", "alert");
            p.set_text_content(Some(&format!("The viewer could not start: {msg}")));
            let _ = root.append_child(&p);
        }
    }
}
