//! The browser page (wasm32 only): canvas and GPU setup, the connection to the relay, the page UI,
//! input and the frame loop.
//!
//! - `params`: URL parameters (`?backend=`, `?relay=`, `?msaa=`).
//! - `gpu`: the wgpu surface on the canvas, WebGPU or WebGL2; `fallback`: a WebGPU-only build
//!   that gets no device hands the page to the loader, which loads the WebGL2 build.
//! - `net`: the connection to the relay, reconnecting with backoff; messages are decoded and
//!   applied as they arrive. `socket`: the WebSocket itself, owned by a Web Worker
//!   (`relay_socket.js`) so that receiving never waits for the page's frames.
//! - `command`: the user's commands (keyboard shortcuts and buttons); `actions`: running them;
//!   `emit`: the `Emitter` through which panels and input hand `core::Action`s and commands to
//!   the viewer.
//! - `app`: the viewer's state (scene, playback, camera, view options) and what changes it;
//!   `Page` (here) holds it beside the page elements (`ui`) and the customisation (`custom`),
//!   so that `app` imports neither (no import cycles: `tests/layering.rs`).
//! - `frame_loop`: `requestAnimationFrame`: advance playback, upload, render, refresh the UI.
//! - `input`: mouse, touch and keyboard.
//! - `edits`: local edits of a node (affine, colour) from the properties panel.
//! - `models`: SMPL bodies: evaluation before upload, model files fetched from the relay.
//! - `ui`: the HTML beside the canvas; `dom`: small web-sys helpers.
//! - `page_state`: the `data-*` attributes on `<body>`, written from the state each frame.
//! - `screenshot`: PNG download of the canvas.
//! - `video`: video export (WebM through WebCodecs or MediaRecorder, PNG frames), frame-exact
//!   over the core's plan (`core::video`).
//! - `recording`: open a recording (file picker, drop, `?recording=URL`; no relay needed) and
//!   save the scene shown as one.
//! - `custom`: customising: Rust message handlers, `window.meshcast`, plugins, user panels,
//!   messages to clients. Its public items are re-exported here: the viewer as a library.

mod actions;
mod app;
mod command;
mod custom;
mod dom;
mod emit;
mod fallback;
mod frame_loop;
mod gpu;
mod input;
mod models;
mod net;
mod page_state;
mod params;
mod recording;
mod screenshot;
mod socket;
mod ui;
mod video;

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use app::App;

/// The viewer's state, shared by the event handlers, the connection task and the frame loop
/// (all on the page's one thread).
pub(crate) type Shared = Rc<RefCell<Page>>;

/// The page's viewer: the [`App`], the page elements and the customisation, side by side so
/// that `app` knows nothing of `ui` and `custom` (which work on the page). It derefs to the app,
/// which most handlers use.
pub(crate) struct Page {
    /// The viewer's state, GPU and renderer.
    pub app: App,
    /// Page elements.
    pub ui: ui::Ui,
    /// Custom message handlers, the outbox to clients and the plugins (`custom`).
    pub ext: custom::Extensions,
}

impl Deref for Page {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl DerefMut for Page {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

pub use custom::{
    ClientMessage, MessageError, MessageHandler, SendError, ViewerBuilder, ViewerContext, ViewerHandle, USER_MESSAGE,
};
pub use meshcast_protocol::{ClientId, ClientInfo, Kwargs, MessageType, NdArray, Uid, Value};
pub use meshcast_scene::{Node, NodeKey, Scene};

/// The browser viewer, as a library: `Viewer::builder().on_message(handler).start()`.
pub struct Viewer;

impl Viewer {
    /// A builder for a viewer with custom handlers.
    pub fn builder() -> ViewerBuilder {
        ViewerBuilder::new()
    }
}

/// Entry point of the standard page: runs when the wasm module is loaded. Crates that start the
/// viewer themselves ([`Viewer::builder`]) turn the `default-start` feature off.
#[cfg(feature = "default-start")]
#[wasm_bindgen(start)]
pub fn start() {
    Viewer::builder().start();
}

/// Starts the viewer configured by `builder`.
pub(crate) fn start_with(builder: ViewerBuilder) {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = run(builder).await {
            let msg = e.as_string().unwrap_or_else(|| format!("{e:?}"));
            web_sys::console::error_1(&JsValue::from_str(&format!("meshcast viewer failed to start: {msg}")));
            page_state::set_fatal(&msg);
        }
    });
}

async fn run(builder: ViewerBuilder) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let params = params::Params::from_location(&window.location());
    let root = document
        .get_element_by_id("meshcast")
        .ok_or("the page has no element with id 'meshcast'")?;
    let ui = ui::Ui::build(&document, &root)?;
    let canvas: web_sys::HtmlCanvasElement = ui.canvas.clone().dyn_into()?;
    ui::sync_canvas_size(&window, &canvas);
    let backend = fallback::backend_after(params.backend, &document);
    let gpu = match gpu::Gpu::new(&canvas, backend, params.msaa).await {
        Ok(gpu) => gpu,
        // Unless a backend was asked for, a WebGPU-only build without a device lets the loader
        // load the WebGL2 build.
        Err(e) if backend.is_none() && fallback::hand_over(&root, &e.to_string()) => return Ok(()),
        Err(e) => return Err(JsValue::from_str(&e.to_string())),
    };
    let app: Shared = Rc::new(RefCell::new(Page {
        app: App::new(gpu, params.clone()),
        ui,
        ext: custom::Extensions::default(),
    }));
    ui::wire(&app, actions::run)?;
    recording::wire(&app, &root)?;
    input::wire(&app)?;
    app.borrow_mut().ext.handler = builder.handler;
    custom::js_api::expose(&app)?;
    frame_loop::start(app.clone())?;
    for f in builder.ready {
        f(ViewerHandle { app: app.clone() });
    }
    custom::plugins::announce_ready();
    // Plugins register their handlers before the first message arrives.
    custom::plugins::load_requested(&app).await;
    match params.recording.clone() {
        // A recording needs no relay.
        Some(url) => wasm_bindgen_futures::spawn_local(recording::open_url(app, url)),
        None => net::spawn(app, params.relay_url.clone()),
    }
    Ok(())
}
