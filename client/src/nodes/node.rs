//! [`RemoteNode`]: a plain transform node (message type 1).

use meshcast_protocol::{Kwargs, MessageType, NodeKind, Value};

use super::{handle_common, NodeHandle, NodeOptions};
use crate::{ClientError, Flavor, Frames, RemoteViewer};

/// A plain node on the viewer (a transform with a name): aitviewer's `RemoteNode`.
///
/// Its frames are its per-frame `position`, `rotation` or `scale`. Frame data of a plain node
/// is forwarded as given, as aitviewer's bare `RemoteNode` does.
///
/// ```no_run
/// use meshcast_client::{NodeOptions, RemoteNode, RemoteViewer};
/// # fn main() -> Result<(), meshcast_client::ClientError> {
/// let v = RemoteViewer::connect("127.0.0.1")?;
/// let n = RemoteNode::new(&v, NodeOptions::default().name("anchor").position(&[[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0]]))?;
/// n.delete()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteNode<V = RemoteViewer>(NodeHandle<V>);

handle_common!(RemoteNode);

impl<V: Flavor> RemoteNode<V> {
    /// aitviewer's default node colour.
    pub const DEFAULT_COLOR: [f32; 4] = NodeKind::Node.default_color();

    /// Creates the node (message NODE).
    pub fn new(viewer: &V, options: NodeOptions) -> V::Ret<Result<Self, ClientError>> {
        NodeHandle::create(viewer, NodeKind::Node, options.to_kwargs(Self::DEFAULT_COLOR), Self)
    }

    /// Sends ADD_FRAMES with these arguments, unchecked.
    pub fn add_frames(&self, args: Vec<Value>, kwargs: Kwargs) -> V::Ret<Result<(), ClientError>> {
        self.0.raw(MessageType::AddFrames, args, kwargs)
    }

    /// Sends UPDATE_FRAMES with these keyword arguments and `frames`, unchecked.
    pub fn update_frames(&self, mut kwargs: Kwargs, frames: impl Into<Frames>) -> V::Ret<Result<(), ClientError>> {
        kwargs.insert("frames".into(), frames.into().to_value());
        self.0.raw(MessageType::UpdateFrames, Vec::new(), kwargs)
    }
}
