//! Customising the viewer: Rust message handlers ([`ViewerBuilder::on_message`]), the page's
//! JavaScript API (`window.meshcast`), page plugins (`?plugin=NAME`) and user panels, and
//! messages from this viewer back to producer clients. See `docs/customising.md`.
//!
//! - [`message`]: [`ClientMessage`] and the dispatch of each message to the handlers.
//! - [`context`]: [`ViewerContext`] (what a handler can do) and [`ViewerHandle`].
//! - [`builder`]: the [`ViewerBuilder`].
//! - [`outbox`]: `ViewerToRelay::ToClients` over the relay connection.
//! - [`js_table`]: the one table of `window.meshcast` and the test hooks `window.__meshcast`;
//!   [`js_api`]: installing them, argument parsing; [`js_value`]: values to and from JavaScript.
//! - [`plugins`]: `?plugin=` scripts; [`panels`]: user panels in the side bar.

pub mod builder;
pub mod context;
pub mod js_api;
pub mod js_table;
pub mod js_value;
pub mod message;
pub mod outbox;
pub mod panels;
pub mod plugins;

pub use builder::ViewerBuilder;
pub use context::{MessageError, ViewerContext, ViewerHandle};
pub use message::{ClientMessage, MessageHandler, USER_MESSAGE};
pub use outbox::SendError;

/// A `window.meshcast.onMessage` handler and the message types it asked for.
#[derive(Clone)]
pub(crate) struct JsHandler {
    /// The handler.
    pub(crate) f: js_sys::Function,
    /// The message types it receives; `None`: every client message.
    pub(crate) types: Option<Vec<i64>>,
}

impl JsHandler {
    /// Whether a message of type `msg_type` goes to this handler.
    pub(crate) fn wants(&self, msg_type: i64) -> bool {
        self.types.as_ref().is_none_or(|t| t.contains(&msg_type))
    }
}

/// The viewer's customisation state (beside the app in the page's `Page`).
#[derive(Default)]
pub struct Extensions {
    /// The Rust message handler, replacing the built-in handling.
    pub(crate) handler: Option<MessageHandler>,
    /// `window.meshcast.onMessage` handlers.
    pub(crate) js_handlers: Vec<JsHandler>,
    /// Messages waiting for the JavaScript handlers.
    pub(crate) js_queue: Vec<ClientMessage>,
    /// The sending half of the relay connection, while connected.
    pub(crate) outbox: Option<outbox::Outbox>,
    /// Messages sent to clients since the page loaded.
    pub(crate) sent: u64,
    /// The plugins (`?plugin=`) loaded.
    pub(crate) plugins: Vec<String>,
    /// Why requested plugins were refused or failed.
    pub(crate) plugin_errors: Vec<String>,
}
