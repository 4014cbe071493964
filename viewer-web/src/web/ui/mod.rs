//! The HTML beside the canvas: top bar (connection, FPS, tools), scene list, properties, view,
//! camera and video panels, server panel, playback bar, help overlay, the go-to-frame box and the inspect readout.
//!
//! [`Ui::build`] creates the elements once; [`wire`] attaches the handlers; [`refresh`] runs every
//! animation frame and touches the DOM only where something changed.

mod camera_panel;
mod details;
mod inspect;
mod overlays;
mod playback_bar;
mod scene_list;
mod server;
mod topbar;
mod video_panel;
mod view_panel;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlCanvasElement, Window};

use super::command::Command;
use super::dom::child;
use super::emit::Emitter;
use super::Page;
use super::Shared;

pub use overlays::{close_goto, open_goto, toggle_help};

/// Handles to the page's elements.
pub struct Ui {
    /// The document.
    pub doc: Document,
    /// The canvas the scene is drawn on.
    pub canvas: Element,
    /// Top bar.
    pub top: topbar::TopBar,
    /// Scene hierarchy.
    pub scene_list: scene_list::SceneList,
    /// Properties of the selected node.
    pub details: details::Details,
    /// Light mode, ambient, background, floor.
    pub view: view_panel::ViewPanel,
    /// Field of view, camera position, target and up.
    pub camera: camera_panel::CameraPanel,
    /// Video export.
    pub video: video_panel::VideoPanel,
    /// Connected clients.
    pub server: server::Server,
    /// Playback controls.
    pub playback: playback_bar::PlaybackBar,
    /// Help overlay and go-to-frame box.
    pub overlays: overlays::Overlays,
    /// The inspect mode's readout.
    pub inspect: inspect::InspectReadout,
}

impl Ui {
    /// Builds the page inside `root`.
    pub fn build(doc: &Document, root: &Element) -> Result<Ui, JsValue> {
        root.set_inner_html("");
        root.class_list().add_1("mc")?;
        let top = topbar::TopBar::build(doc, root)?;
        let side = child(
            doc,
            root,
            "aside",
            &[("class", "mc-side"), ("aria-label", "Scene and properties")],
            None,
        )?;
        let scene_list = scene_list::SceneList::build(doc, &side)?;
        let details = details::Details::build(doc, &side)?;
        let view_controls = view_panel::ViewPanel::build(doc, &side)?;
        let camera = camera_panel::CameraPanel::build(doc, &side)?;
        let video = video_panel::VideoPanel::build(doc, &side)?;
        let server = server::Server::build(doc, &side)?;
        let view = child(doc, root, "div", &[("class", "mc-view")], None)?;
        let canvas = child(
            doc,
            &view,
            "canvas",
            &[
                ("id", "mc-canvas"),
                ("tabindex", "0"),
                (
                    "aria-label",
                    "3D view: drag to orbit, right-drag to pan, wheel to zoom, click to select",
                ),
            ],
            None,
        )?;
        let overlays = overlays::Overlays::build(doc, &view)?;
        let inspect = inspect::InspectReadout::build(doc, &view)?;
        let playback = playback_bar::PlaybackBar::build(doc, root)?;
        Ok(Ui {
            doc: doc.clone(),
            canvas,
            top,
            scene_list,
            details,
            view: view_controls,
            camera,
            video,
            server,
            playback,
            overlays,
            inspect,
        })
    }
}

/// Attaches every UI handler; its buttons run commands with `run`.
pub fn wire(app: &Shared, run: fn(&Shared, Command)) -> Result<(), JsValue> {
    let ui_parts = {
        let a = app.borrow();
        (
            a.ui.top.clone(),
            a.ui.scene_list.clone(),
            a.ui.details.clone(),
            a.ui.playback.clone(),
            a.ui.overlays.clone(),
            a.ui.view.clone(),
            a.ui.camera.clone(),
            a.ui.video.clone(),
        )
    };
    let emit = Emitter::new(app, run);
    ui_parts.0.wire(&emit)?;
    ui_parts.1.wire(&emit)?;
    ui_parts.2.wire(&emit)?;
    ui_parts.3.wire(&emit)?;
    // The overlays are page chrome (help, go-to box), not panels of the viewer's state.
    ui_parts.4.wire(app)?;
    ui_parts.5.wire(&emit)?;
    ui_parts.6.wire(&emit)?;
    ui_parts.7.wire(&emit)?;
    Ok(())
}

/// Brings the page up to date with the app (once per animation frame): every panel reads the
/// state; the lists and the properties are rebuilt only when a change asked for it.
pub fn refresh(app: &mut Page, now_ms: f64) {
    let dirty = std::mem::take(&mut app.dirty);
    // What the panels do not consume stays asked for.
    app.dirty.redraw = dirty.redraw;
    let app: &Page = app;
    topbar::refresh(app, now_ms);
    playback_bar::refresh(app);
    view_panel::refresh(app);
    camera_panel::refresh(app);
    video_panel::refresh(app);
    inspect::refresh(app);
    if dirty.scene_list {
        scene_list::refresh(app);
    }
    if dirty.details {
        details::refresh(app);
    }
    if dirty.clients {
        server::refresh(app);
    }
}

/// Sets the canvas's pixel size from its CSS size and the device pixel ratio; returns it.
pub fn sync_canvas_size(window: &Window, canvas: &HtmlCanvasElement) -> (u32, u32) {
    let dpr = window.device_pixel_ratio().max(1.0);
    let w = ((f64::from(canvas.client_width()) * dpr).round() as u32).max(1);
    let h = ((f64::from(canvas.client_height()) * dpr).round() as u32).max(1);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    (w, h)
}

/// The canvas as a canvas element.
pub fn canvas(app: &Page) -> Option<HtmlCanvasElement> {
    app.ui.canvas.clone().dyn_into::<HtmlCanvasElement>().ok()
}
