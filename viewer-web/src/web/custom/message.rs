//! A client message as handlers see it, and the dispatch of each message to the user's handlers.
//!
//! Order for every `RelayToViewer::Message`: the Rust handler (registered with
//! [`crate::web::ViewerBuilder::on_message`]) runs *instead of* the built-in handling, like an
//! override of aitviewer's `Viewer.process_message`: it calls [`ViewerContext::default`] for the
//! messages it wants handled normally. Without one, the built-in handling runs. Then the
//! JavaScript handlers (`window.meshcast.onMessage`) run, after the scene was updated, once the
//! viewer's state is no longer borrowed.

use meshcast_protocol::{ClientId, Envelope, Kwargs, MessageType, Uid, Value};

use super::context::ViewerContext;
use crate::core::{Changed, ClientEnvelope, Rejected};
use crate::web::app::App;
use crate::web::Page;

/// The first message type number that belongs to users (aitviewer's `Message.USER_MESSAGE`).
pub const USER_MESSAGE: i64 = 10000;

/// One message from a producer client: aitviewer's `process_message(type, remote_uid, args,
/// kwargs, client)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientMessage {
    /// The message type number (see [`MessageType`]); [`USER_MESSAGE`] and above are the user's.
    pub msg_type: i64,
    /// The client's id of the node the message is about (aitviewer's `remote_uid`), if any.
    pub uid: Option<Uid>,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Kwargs,
    /// The relay's id of the client that sent it.
    pub client: ClientId,
    /// True while the relay replays its scene to this viewer (on connecting or reconnecting):
    /// the message was handled once before, possibly by another viewer. User messages are never
    /// replayed.
    pub replay: bool,
}

impl ClientMessage {
    /// The message of an envelope from `client`.
    pub fn new(client: ClientId, envelope: Envelope, replay: bool) -> ClientMessage {
        ClientMessage {
            msg_type: envelope.msg_type,
            uid: envelope.uid,
            args: envelope.args,
            kwargs: envelope.kwargs,
            client,
            replay,
        }
    }

    /// The envelope again (for the built-in handling).
    pub fn envelope(&self) -> Envelope {
        Envelope {
            msg_type: self.msg_type,
            uid: self.uid,
            args: self.args.clone(),
            kwargs: self.kwargs.clone(),
        }
    }

    /// The known message type, or `None` for a number meshcast does not know.
    pub fn message_type(&self) -> Option<MessageType> {
        MessageType::from_code(self.msg_type)
    }

    /// True for user messages (type >= [`USER_MESSAGE`]), which have no built-in handling.
    pub fn is_user(&self) -> bool {
        self.msg_type >= USER_MESSAGE
    }

    /// True for messages that create a node (types 1-6, 10, 11).
    pub fn is_creation(&self) -> bool {
        self.message_type()
            .is_some_and(|t| meshcast_protocol::NodeKind::from_message_type(t).is_some())
    }

    /// A keyword argument.
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.get(name)
    }

    /// A positional argument.
    pub fn arg(&self, index: usize) -> Option<&Value> {
        self.args.get(index)
    }
}

/// A Rust message handler: it replaces the built-in handling (see the module documentation).
pub type MessageHandler = Box<dyn FnMut(&ClientMessage, &mut ViewerContext<'_>)>;

/// Handles one client message: the Rust handler or the built-in handling
/// ([`crate::core::ViewerState::apply_client`]), then queues it for the JavaScript handlers (run
/// by [`super::js_api::deliver`] once the app is released).
pub fn dispatch(app: &mut Page, relayed: ClientEnvelope) {
    let ClientEnvelope {
        client,
        envelope,
        replay,
    } = relayed;
    let msg_type = envelope.msg_type;
    // Only messages a JavaScript handler asked for are copied for JavaScript.
    let wants_js = app.ext.js_handlers.iter().any(|h| h.wants(msg_type));
    match app.ext.handler.take() {
        None => {
            let msg = wants_js.then(|| ClientMessage::new(client, envelope.clone(), replay));
            // A rejection is counted and shown by `builtin`; nothing more to do here.
            let _ = builtin(app, client, envelope);
            if let Some(msg) = msg {
                app.ext.js_queue.push(msg);
            }
        }
        Some(mut handler) => {
            let msg = ClientMessage::new(client, envelope, replay);
            handler(&msg, &mut ViewerContext::new(app));
            app.ext.handler = Some(handler);
            if wants_js {
                app.ext.js_queue.push(msg);
            }
        }
    }
}

/// The built-in handling of a message; a rejection is also shown on the browser console.
pub(crate) fn builtin(app: &mut App, client: ClientId, envelope: Envelope) -> Result<(), Rejected> {
    match app.core.apply_client(client, envelope) {
        Ok(c) => {
            app.note(c);
            Ok(())
        }
        Err(e) => {
            app.note(Changed::CONNECTION);
            web_sys::console::warn_1(&e.to_string().into());
            Err(e)
        }
    }
}
