//! [`AsyncRemoteViewer`]: the async flavour, for code that already runs on tokio.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use meshcast_protocol::{Kwargs, Uid, Value};

use super::envelopes;
use super::flavor::Flavor;
use crate::transport::Core;
use crate::{ClientError, ConnectOptions, ViewerMessage};

/// A connection to a meshcast relay for async code on a tokio runtime; the same calls as
/// [`RemoteViewer`](crate::RemoteViewer), each returning a future.
///
/// Its reader and writer tasks run on the runtime that called [`connect`](Self::connect).
/// Clones share the connection. Dropping the last clone and handle writes what is queued and
/// closes the WebSocket in the background; call [`close`](Self::close) to also wait for the
/// relay's acknowledgement.
///
/// ```no_run
/// use meshcast_client::{AsyncRemoteViewer, RemoteLines, LinesOptions};
/// # async fn demo() -> Result<(), meshcast_client::ClientError> {
/// let v = AsyncRemoteViewer::connect("127.0.0.1").await?;
/// let l = RemoteLines::new(&v, &[[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0]], LinesOptions::default()).await?;
/// l.add_frames(&[[0.0f32, 0.0, 0.0], [1.0, 1.0, 0.0]]).await?;
/// v.close().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncRemoteViewer {
    core: Arc<Core>,
}

impl AsyncRemoteViewer {
    /// Connects to the relay at `host` on port 8417, retrying for up to 10 s. Must run on a
    /// tokio runtime (the connection's tasks are spawned on it).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), meshcast_client::ClientError> {
    /// let v = meshcast_client::AsyncRemoteViewer::connect("127.0.0.1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(host: &str) -> Result<Self, ClientError> {
        Self::connect_with(ConnectOptions::new(host)).await
    }

    /// Connects with explicit options.
    pub async fn connect_with(options: ConnectOptions) -> Result<Self, ClientError> {
        Ok(Self {
            core: Arc::new(Core::connect(&options).await?),
        })
    }

    /// Writes to a new recording file instead of a relay (see
    /// [`RemoteViewer::record`](crate::RemoteViewer::record)); call it inside a tokio runtime.
    pub fn record(path: impl AsRef<std::path::Path>) -> Result<Self, ClientError> {
        Ok(Self {
            core: Arc::new(Core::record(path.as_ref(), &ConnectOptions::default())?),
        })
    }

    /// The relay's WebSocket URL.
    pub fn url(&self) -> &str {
        self.core.url()
    }

    /// True while the connection is up and not closed.
    pub fn is_connected(&self) -> bool {
        self.core.is_connected()
    }

    /// Sets the scene's current frame.
    pub async fn set_frame(&self, frame: i64) -> Result<(), ClientError> {
        self.core.send(&envelopes::set_frame(frame)).await
    }

    /// Advances the current frame (wrapping).
    pub async fn next_frame(&self) -> Result<(), ClientError> {
        self.core.send(&envelopes::next_frame()).await
    }

    /// Steps the current frame back (wrapping).
    pub async fn previous_frame(&self) -> Result<(), ClientError> {
        self.core.send(&envelopes::previous_frame()).await
    }

    /// Sends any message (aitviewer's `send_message`).
    pub async fn send_message(
        &self,
        msg_type: i64,
        uid: Option<Uid>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<(), ClientError> {
        self.core.send(&envelopes::custom(msg_type, uid, args, kwargs)).await
    }

    /// Waits until the relay has handled everything sent so far; see
    /// [`RemoteViewer::flush`](crate::RemoteViewer::flush).
    ///
    /// ```no_run
    /// # async fn demo(v: meshcast_client::AsyncRemoteViewer) {
    /// match v.flush().await {
    ///     Ok(()) => println!("all applied"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    pub async fn flush(&self) -> Result<(), ClientError> {
        self.core.flush().await
    }

    /// Connects again after the connection was lost or closed; a connection that is up is
    /// kept. Nothing is sent again (see [`crate::RemoteViewer::reconnect`]).
    pub async fn reconnect(&self) -> Result<(), ClientError> {
        self.core.reconnect().await
    }

    /// Flushes and closes the connection; returns the flush's result.
    pub async fn close(&self) -> Result<(), ClientError> {
        self.core.close().await
    }

    /// The next message a viewer sent (see
    /// [`RemoteViewer::get_message`](crate::RemoteViewer::get_message)).
    pub async fn get_message(&self, block: bool) -> Option<ViewerMessage> {
        self.core.next_message(block).await
    }

    /// Calls `handler` for every message viewers send (see
    /// [`RemoteViewer::process_messages`](crate::RemoteViewer::process_messages)).
    ///
    /// ```no_run
    /// # async fn demo(v: meshcast_client::AsyncRemoteViewer) {
    /// v.process_messages(|_v, m| async move { println!("{:?}", m.payload) }, false).await;
    /// # }
    /// ```
    pub async fn process_messages<F, Fut>(&self, mut handler: F, block: bool) -> bool
    where
        F: FnMut(AsyncRemoteViewer, ViewerMessage) -> Fut,
        Fut: Future<Output = ()>,
    {
        while let Some(m) = self.get_message(block).await {
            handler(self.clone(), m).await;
        }
        !block && self.is_connected()
    }
}

impl Flavor for AsyncRemoteViewer {
    type Ret<T: Send + 'static> = BoxFuture<'static, T>;

    fn core(&self) -> &Arc<Core> {
        &self.core
    }

    fn run<T, F>(&self, fut: F) -> BoxFuture<'static, Result<T, ClientError>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, ClientError>> + Send + 'static,
    {
        Box::pin(fut)
    }
}
