//! What a message handler (or any Rust code holding a [`ViewerHandle`]) can do with the viewer:
//! run the built-in handling, look nodes up, act on the scene, send messages to clients.
//!
//! Scene actions are local view edits, like the properties panel's: they change this viewer's
//! copy of the scene, not the relay's, so a reload shows the clients' values again.

use meshcast_protocol::{ClientId, ClientInfo, Uid, Value};
use meshcast_scene::{Node, NodeKey, Scene};

use super::message::ClientMessage;
use super::outbox::{self, SendError};
use crate::core::{edits, Action, Edit};
use crate::web::{Page, Shared};

/// The built-in handling rejected a message (it was not applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MessageError(pub String);

/// The viewer, as a message handler sees it.
pub struct ViewerContext<'a> {
    app: &'a mut Page,
}

impl<'a> ViewerContext<'a> {
    pub(crate) fn new(app: &'a mut Page) -> ViewerContext<'a> {
        ViewerContext { app }
    }

    /// Applies the built-in handling to a message (aitviewer's `super().process_message(...)`):
    /// creates, updates or deletes nodes, moves the frame. User messages have none (`Ok`).
    pub fn default(&mut self, msg: &ClientMessage) -> Result<(), MessageError> {
        if msg.is_user() {
            self.app.core.count_message();
            return Ok(());
        }
        super::message::builtin(self.app, msg.client, msg.envelope()).map_err(|e| MessageError(e.to_string()))
    }

    /// The scene.
    pub fn scene(&self) -> &Scene {
        self.app.core.scene()
    }

    /// A node by key.
    pub fn node(&self, key: NodeKey) -> Option<&Node> {
        self.app.core.scene().node(&key)
    }

    /// The node `client` calls `uid` (aitviewer's `get_node_by_remote_uid(remote_uid, client)`).
    pub fn node_by_remote_uid(&self, uid: Uid, client: ClientId) -> Option<&Node> {
        self.app.core.scene().node(&NodeKey { client, uid })
    }

    /// The frame shown now.
    pub fn current_frame(&self) -> usize {
        self.app.frame()
    }

    /// The producer clients connected now.
    pub fn clients(&self) -> Vec<ClientInfo> {
        self.app.core.clients().values().cloned().collect()
    }

    /// The selected node.
    pub fn selected(&self) -> Option<NodeKey> {
        self.app.core.selected()
    }

    /// Selects a node (outlined, shown in the properties panel), or clears the selection.
    pub fn select(&mut self, key: Option<NodeKey>) {
        self.app.act(Action::Select(key));
    }

    /// Whether a node is shown (not hidden by the user or a handler).
    pub fn is_visible(&self, key: NodeKey) -> bool {
        !self.app.core.view().is_hidden(&key)
    }

    /// Shows or hides a node.
    pub fn set_visible(&mut self, key: NodeKey, visible: bool) {
        self.app.act(Action::SetVisible(key, visible));
    }

    /// A node's uniform colour (RGBA 0–1), `None` for per-element colours or no such node.
    pub fn color(&self, key: NodeKey) -> Option<[f32; 4]> {
        self.node(key).and_then(edits::color)
    }

    /// Gives a node one colour (RGBA 0–1, replacing per-element colours); false when there is
    /// no such node.
    pub fn set_color(&mut self, key: NodeKey, rgba: [f32; 4]) -> bool {
        if self.node(key).is_none() {
            return false;
        }
        self.app.act(Action::Edit(key, Edit::Color(rgba)));
        true
    }

    /// A node's position at the frame shown.
    pub fn position(&self, key: NodeKey) -> Option<[f32; 3]> {
        let frame = self.app.frame();
        self.node(key).map(|n| edits::position(n, frame))
    }

    /// Moves a node (its position at the frame shown); false when there is no such node.
    pub fn set_position(&mut self, key: NodeKey, p: [f32; 3]) -> bool {
        if self.node(key).is_none() || p.iter().any(|c| !c.is_finite()) {
            return false;
        }
        self.app.act(Action::Edit(key, Edit::Position(p)));
        true
    }

    /// Points the camera at a node (aitviewer's `center_view_on_node`); false when there is no
    /// such node.
    pub fn center_on(&mut self, key: NodeKey) -> bool {
        if self.node(key).is_none() {
            return false;
        }
        self.app.act(Action::CenterOn(key));
        true
    }

    /// Points the camera at the whole visible scene.
    pub fn fit_scene(&mut self) {
        self.app.act(Action::FitScene { by_user: false });
    }

    /// Jumps to a frame (clamped to the scene's frames).
    pub fn set_frame(&mut self, frame: i64) {
        self.app.act(Action::SetFrame(frame));
    }

    /// Whether playback runs.
    pub fn playing(&self) -> bool {
        self.app.core.playback().playing()
    }

    /// Starts or pauses playback.
    pub fn set_playing(&mut self, playing: bool) {
        self.app.act(Action::SetPlaying(playing));
    }

    /// Sends any value to one producer client (`Some(id)`) or to all (`None`); they receive it
    /// from `get_message()` / `process_messages()` (aitviewer's `Viewer.send_message`).
    pub fn send_to_clients(&mut self, payload: impl Into<Value>, client: Option<ClientId>) -> Result<(), SendError> {
        outbox::send(self.app, client, payload.into())
    }
}

/// A handle on the running viewer, for Rust code outside message handlers (a custom panel's
/// buttons, timers). Cheap to clone.
#[derive(Clone)]
pub struct ViewerHandle {
    pub(crate) app: Shared,
}

impl ViewerHandle {
    /// Runs `f` with the viewer; `None` when the viewer is busy (called from inside a message
    /// handler or another `with`).
    pub fn with<R>(&self, f: impl FnOnce(&mut ViewerContext<'_>) -> R) -> Option<R> {
        let mut app = self.app.try_borrow_mut().ok()?;
        Some(f(&mut ViewerContext::new(&mut app)))
    }

    /// Adds a panel titled `title` to the page's side bar and returns the element to fill.
    pub fn add_panel(&self, title: &str) -> Result<web_sys::HtmlElement, wasm_bindgen::JsValue> {
        super::panels::add(title)
    }
}
