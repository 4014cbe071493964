//! [`RemoteViewer`]: the blocking flavour, for plain synchronous code. It runs its own tokio
//! runtime on one background thread.

use std::future::Future;
use std::sync::Arc;

use meshcast_protocol::{Kwargs, Uid, Value};
use tokio::runtime::Runtime;

use super::envelopes;
use super::flavor::Flavor;
use crate::transport::Core;
use crate::{ClientError, ConnectOptions, ViewerMessage};

/// A connection to a meshcast relay, for synchronous code: aitviewer's `RemoteViewer`.
///
/// Every call returns once its message is queued (sending is pipelined; a call waits only when
/// the send queue is full). [`flush`](Self::flush) waits until the relay has handled
/// everything and returns what it rejected. Clones share the connection; it closes (after a
/// flush) when the last clone and the last node handle made from it are dropped, or at
/// [`close`](Self::close).
///
/// Don't call it from inside async code (it blocks the thread); use
/// [`AsyncRemoteViewer`](crate::AsyncRemoteViewer) there.
///
/// ```no_run
/// use meshcast_client::{RemoteViewer, RemoteSpheres, SpheresOptions};
/// # fn main() -> Result<(), meshcast_client::ClientError> {
/// let v = RemoteViewer::connect("127.0.0.1")?;
/// let s = RemoteSpheres::new(&v, &[[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0]], SpheresOptions::default().radius(0.05))?;
/// s.add_frames(&[[0.0f32, 1.0, 0.0], [1.0, 1.0, 0.0]])?;
/// v.set_frame(1)?;
/// v.flush()?; // Ok once the relay has applied all of it
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteViewer {
    inner: Arc<Inner>,
}

struct Inner {
    core: Arc<Core>,
    runtime: Option<Runtime>,
}

/// Runs `fut` on `rt` and waits for it on this thread (works inside other runtimes too).
fn block_on<T: Send + 'static>(rt: &Runtime, fut: impl Future<Output = T> + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().ok()
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            let core = Arc::clone(&self.core);
            if let Some(Err(e)) = block_on(&rt, async move { core.close().await }) {
                tracing::warn!(error = %e, "while closing the viewer connection");
            }
            rt.shutdown_background();
        }
    }
}

impl RemoteViewer {
    /// Connects to the relay at `host` on port 8417, retrying for up to 10 s.
    ///
    /// ```no_run
    /// let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn connect(host: &str) -> Result<Self, ClientError> {
        Self::connect_with(ConnectOptions::new(host))
    }

    /// Connects with explicit options (port, timeouts, queue size).
    ///
    /// ```no_run
    /// use meshcast_client::{ConnectOptions, RemoteViewer};
    /// let v = RemoteViewer::connect_with(ConnectOptions::new("127.0.0.1").port(9000))?;
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn connect_with(options: ConnectOptions) -> Result<Self, ClientError> {
        Self::on_own_runtime(async move { Core::connect(&options).await })
    }

    /// Starts the viewer's runtime and makes its core there with `make`.
    fn on_own_runtime(
        make: impl Future<Output = Result<Core, ClientError>> + Send + 'static,
    ) -> Result<Self, ClientError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("meshcast-client")
            .enable_all()
            .build()
            .map_err(|e| ClientError::Runtime(e.to_string()))?;
        let made = block_on(&rt, make)
            .unwrap_or_else(|| Err(ClientError::Runtime("the runtime stopped while connecting".into())));
        match made {
            Ok(core) => Ok(Self {
                inner: Arc::new(Inner {
                    core: Arc::new(core),
                    runtime: Some(rt),
                }),
            }),
            Err(e) => {
                // Never block in drop: this may run inside an async context.
                rt.shutdown_background();
                Err(e)
            }
        }
    }

    /// Writes to a new recording file instead of a relay: every message is validated and
    /// applied as the relay would apply it, and what applied is written to `path` (never
    /// overwriting a file). [`flush`](Self::flush) returns once the file is on disk, with what
    /// was rejected. Open the file later with `meshcast-relay --replay FILE` or in the page
    /// ("Open recording"); see `docs/recording.md`.
    ///
    /// ```no_run
    /// use meshcast_client::{RemoteViewer, RemoteSpheres, SpheresOptions};
    /// let v = RemoteViewer::record("run.mcrec")?;
    /// RemoteSpheres::new(&v, &[[0.0f32, 0.0, 0.0]], SpheresOptions::default())?;
    /// v.close()?;
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn record(path: impl AsRef<std::path::Path>) -> Result<Self, ClientError> {
        let path = path.as_ref().to_owned();
        Self::on_own_runtime(async move { Core::record(&path, &ConnectOptions::default()) })
    }

    fn core_arc(&self) -> Arc<Core> {
        Arc::clone(&self.inner.core)
    }

    /// The relay's WebSocket URL.
    pub fn url(&self) -> &str {
        self.inner.core.url()
    }

    /// True while the connection is up and not closed.
    pub fn is_connected(&self) -> bool {
        self.inner.core.is_connected()
    }

    /// Sets the scene's current frame (clamped by the viewer; ignored while it plays).
    ///
    /// ```no_run
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// v.set_frame(10)?;
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn set_frame(&self, frame: i64) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.send(&envelopes::set_frame(frame)).await })
    }

    /// Advances the current frame (wrapping to 0 after the last).
    pub fn next_frame(&self) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.send(&envelopes::next_frame()).await })
    }

    /// Steps the current frame back (wrapping to the last from 0).
    pub fn previous_frame(&self) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.send(&envelopes::previous_frame()).await })
    }

    /// Sends any message: aitviewer's `send_message(type, uid, *args, **kwargs)`. Types 10000 and
    /// above are the user's; viewers receive them untouched.
    ///
    /// ```no_run
    /// use meshcast_client::{Kwargs, Value};
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// let mut kw = Kwargs::new();
    /// kw.insert("index".into(), Value::Int(3));
    /// v.send_message(10000, None, vec![], kw)?;
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn send_message(
        &self,
        msg_type: i64,
        uid: Option<Uid>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<(), ClientError> {
        let env = envelopes::custom(msg_type, uid, args, kwargs);
        let c = self.core_arc();
        self.run(async move { c.send(&env).await })
    }

    /// Waits until the relay has handled everything sent so far. `Ok(())` when it accepted all
    /// of it; [`ClientError::Rejected`] lists the messages it rejected since the last flush.
    ///
    /// ```no_run
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// if let Err(e) = v.flush() {
    ///     for r in e.rejections() {
    ///         eprintln!("{r}");
    ///     }
    /// }
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn flush(&self) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.flush().await })
    }

    /// Connects again after the connection was lost ([`ClientError::Disconnected`]) or closed,
    /// retrying for the connect timeout; a connection that is up is kept. Nothing is sent
    /// again: the relay has everything a successful flush acknowledged, and what was sent
    /// since is for the caller to send again (see docs/reliability.md). The relay treats the
    /// new connection as a new client: nodes made before stay in the scene but are no longer
    /// this connection's to change, so make new ones (a restarted relay without `--data-dir`
    /// starts empty anyway).
    ///
    /// ```no_run
    /// # use meshcast_client::ClientError;
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// if let Err(ClientError::Disconnected { .. }) = v.flush() {
    ///     v.reconnect()?;
    /// }
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn reconnect(&self) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.reconnect().await })
    }

    /// Flushes and closes the connection (for every clone and node handle); returns the flush's
    /// result. Later calls return [`ClientError::Closed`]. Dropping the last clone does the same.
    pub fn close(&self) -> Result<(), ClientError> {
        let c = self.core_arc();
        self.run(async move { c.close().await })
    }

    /// The next message a viewer sent. With `block`, waits for one and returns `None` only when
    /// the connection is closed; without, returns `None` when none is queued.
    ///
    /// ```no_run
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// while let Some(m) = v.get_message(true) {
    ///     println!("viewer {} sent {:?}", m.viewer, m.payload);
    /// }
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn get_message(&self, block: bool) -> Option<ViewerMessage> {
        let c = self.core_arc();
        self.run(async move { Ok(c.next_message(block).await) }).ok().flatten()
    }

    /// Calls `handler` for every message viewers send: with `block`, until the connection
    /// closes (then returns `false`); without, for the queued ones (then returns
    /// [`is_connected`](Self::is_connected)). aitviewer's `process_messages`.
    ///
    /// ```no_run
    /// # let v = meshcast_client::RemoteViewer::connect("127.0.0.1")?;
    /// v.process_messages(|_v, m| println!("{:?}", m.payload), true);
    /// # Ok::<(), meshcast_client::ClientError>(())
    /// ```
    pub fn process_messages(&self, mut handler: impl FnMut(&RemoteViewer, ViewerMessage), block: bool) -> bool {
        while let Some(m) = self.get_message(block) {
            handler(self, m);
        }
        !block && self.is_connected()
    }
}

impl Flavor for RemoteViewer {
    type Ret<T: Send + 'static> = T;

    fn core(&self) -> &Arc<Core> {
        &self.inner.core
    }

    fn run<T, F>(&self, fut: F) -> Result<T, ClientError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, ClientError>> + Send + 'static,
    {
        let Some(rt) = self.inner.runtime.as_ref() else {
            return Err(ClientError::Closed {
                url: self.url().to_owned(),
            });
        };
        block_on(rt, fut).unwrap_or_else(|| {
            Err(ClientError::Closed {
                url: self.url().to_owned(),
            })
        })
    }
}
