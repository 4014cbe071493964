//! [`ViewerBuilder`]: starts the viewer on the page with the user's handlers.

use super::context::{ViewerContext, ViewerHandle};
use super::message::{ClientMessage, MessageHandler};

/// Code to run once the viewer is up.
pub(crate) type ReadyCallback = Box<dyn FnOnce(ViewerHandle)>;

/// Configures and starts the viewer (the page needs an element with id `meshcast`).
///
/// ```ignore
/// meshcast_viewer::web::Viewer::builder()
///     .on_message(|msg, v| {
///         let _ = v.default(msg);
///     })
///     .start();
/// ```
#[derive(Default)]
pub struct ViewerBuilder {
    pub(crate) handler: Option<MessageHandler>,
    pub(crate) ready: Vec<ReadyCallback>,
}

impl ViewerBuilder {
    /// A builder with the built-in message handling.
    pub fn new() -> ViewerBuilder {
        ViewerBuilder::default()
    }

    /// Handles every client message with `handler` instead of the built-in handling; the
    /// handler calls [`ViewerContext::default`] for the messages it wants handled normally
    /// (aitviewer's `process_message` override). A later call replaces an earlier one.
    pub fn on_message(mut self, handler: impl FnMut(&ClientMessage, &mut ViewerContext<'_>) + 'static) -> Self {
        self.handler = Some(Box::new(handler));
        self
    }

    /// Runs `f` once the page is built and `window.meshcast` exists, before the viewer connects
    /// to the relay (add panels, keep the handle for buttons and timers).
    pub fn on_ready(mut self, f: impl FnOnce(ViewerHandle) + 'static) -> Self {
        self.ready.push(Box::new(f));
        self
    }

    /// Starts the viewer: GPU, page, relay connection, frame loop. Failures show on the page.
    pub fn start(self) {
        crate::web::start_with(self);
    }
}
