//! Messages from this viewer to producer clients (`ViewerToRelay::ToClients`), written to the
//! relay connection by a small task so that senders never wait.

use futures_channel::mpsc;
use futures_util::StreamExt;
use meshcast_protocol::{ClientId, Value, ViewerToRelay};

use crate::web::socket::SocketSender;
use crate::web::{Page, Shared};

/// Messages queued for the relay before sends fail with [`SendError::Full`].
const QUEUE: usize = 256;

/// Why a message to clients was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The viewer is not connected to the relay now (it reconnects by itself).
    #[error("not connected to the relay")]
    NotConnected,
    /// Too many messages are waiting to be written.
    #[error("too many messages waiting for the relay connection ({QUEUE})")]
    Full,
}

/// The sending half of the relay connection.
pub type Outbox = mpsc::Sender<Vec<u8>>;

/// Makes a new relay connection's sending side the app's outbox (messages queued before the
/// socket opens are sent once it does).
pub fn attach(app: &Shared, socket: SocketSender) {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    app.borrow_mut().ext.outbox = Some(tx);
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(bytes) = rx.next().await {
            socket.send(&bytes);
        }
    });
}

/// Forgets the outbox of a connection that ended.
pub fn detach(app: &Shared) {
    app.borrow_mut().ext.outbox = None;
}

/// Queues `payload` for one client (`Some(id)`) or every client (`None`).
pub fn send(app: &mut Page, client: Option<ClientId>, payload: Value) -> Result<(), SendError> {
    let tx = app.ext.outbox.as_mut().ok_or(SendError::NotConnected)?;
    let bytes = meshcast_protocol::encode(&ViewerToRelay::ToClients { client, payload });
    match tx.try_send(bytes) {
        Ok(()) => {
            app.ext.sent += 1;
            Ok(())
        }
        Err(e) if e.is_full() => Err(SendError::Full),
        Err(_) => Err(SendError::NotConnected),
    }
}
