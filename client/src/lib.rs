//! Send meshes, spheres, lines, arrows, rigid bodies, skeletons and SMPL sequences from Rust to a
//! meshcast relay, which shows them in every connected browser viewer: aitviewer's remote API
//! (`RemoteViewer`, `RemoteMeshes`, ... with `add_frames`, `update_frames`, `remove_frames`,
//! `delete`), with acknowledged delivery.
//!
//! ```no_run
//! use meshcast_client::{MeshOptions, RemoteMeshes, RemoteViewer};
//! # fn main() -> Result<(), meshcast_client::ClientError> {
//! let viewer = RemoteViewer::connect("127.0.0.1")?; // port 8417
//! let vertices = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
//! let mesh = RemoteMeshes::new(&viewer, &vertices, &[[0u32, 1, 2]], MeshOptions::default().name("tri"))?;
//! mesh.add_frames(&[[0.0f32, 0.0, 0.5], [1.0, 0.0, 0.5], [0.0, 1.0, 0.5]])?;
//! viewer.set_frame(1)?;
//! viewer.flush()?; // waits for the relay; Err(Rejected) lists what it refused
//! # Ok(()) }
//! ```
//!
//! Layout: `transport` (the WebSocket, its writer and reader tasks, flush
//! acknowledgements), the viewer in two flavours ([`RemoteViewer`] blocking,
//! [`AsyncRemoteViewer`] for tokio; node handles are generic over [`Flavor`]), the node handles
//! (one module per kind), array inputs ([`IntoArray`]), frame selections ([`Frames`]) and
//! errors ([`ClientError`]). Messages are MessagePack envelopes of `meshcast-protocol`; every
//! creation and frame operation is validated with the relay's own rules before it is sent.

mod array;
mod error;
mod frames;
mod nodes;
mod transport;
mod viewer;

pub use array::{Element, IntoArray, Item, Shaped};
pub use error::{ClientError, RemoteError};
pub use frames::Frames;
pub use meshcast_protocol::{Kwargs, NdArray, SmplModelType, Uid, Value};
pub use nodes::{
    ArrowsOptions, Gender, LineMode, LinesOptions, MeshOptions, NodeOptions, RemoteArrows, RemoteLines, RemoteMeshes,
    RemoteNode, RemoteRigidBodies, RemoteSkeletons, RemoteSmplSequence, RemoteSpheres, RigidBodiesOptions,
    SkeletonsOptions, SmplFrames, SmplOptions, SpheresOptions,
};
pub use viewer::{AsyncRemoteViewer, ConnectOptions, Flavor, RemoteViewer, ViewerMessage};
