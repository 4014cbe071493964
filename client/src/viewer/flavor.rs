//! [`Flavor`]: what node handles are generic over, so one implementation serves blocking and
//! async code.

use std::future::Future;
use std::sync::Arc;

use crate::transport::Core;
use crate::ClientError;

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::RemoteViewer {}
    impl Sealed for crate::AsyncRemoteViewer {}
}

/// The flavour of a viewer connection: [`RemoteViewer`](crate::RemoteViewer) (blocking: calls
/// return their result) or [`AsyncRemoteViewer`](crate::AsyncRemoteViewer) (calls return a
/// future to `.await`).
///
/// Node handles are generic over it, so `RemoteMeshes::new(&viewer, ...)` returns
/// `Result<RemoteMeshes, ClientError>` for a blocking viewer and a future of it for an async one.
/// The trait is sealed.
///
/// ```no_run
/// # async fn demo() -> Result<(), meshcast_client::ClientError> {
/// use meshcast_client::{AsyncRemoteViewer, RemoteSpheres, RemoteViewer, SpheresOptions};
/// let blocking = RemoteViewer::connect("127.0.0.1")?; // from plain code
/// let s = RemoteSpheres::new(&blocking, &[[0.0f32, 0.0, 0.0]], SpheresOptions::default())?;
/// let asynchronous = AsyncRemoteViewer::connect("127.0.0.1").await?; // inside tokio
/// let t = RemoteSpheres::new(&asynchronous, &[[0.0f32, 0.0, 0.0]], SpheresOptions::default()).await?;
/// # Ok(()) }
/// ```
pub trait Flavor: Clone + Send + Sync + 'static + sealed::Sealed {
    /// What a call returns: `T` itself (blocking) or a boxed future of `T` (async).
    type Ret<T: Send + 'static>;

    #[doc(hidden)]
    fn core(&self) -> &Arc<Core>;

    #[doc(hidden)]
    fn run<T, F>(&self, fut: F) -> Self::Ret<Result<T, ClientError>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, ClientError>> + Send + 'static;
}
