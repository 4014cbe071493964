//! meshcast's scene model: the nodes clients created, keyed by `(client, uid)`, with their
//! frames, and the scene's current frame.
//!
//! The relay keeps one to answer late joiners with a snapshot; every browser viewer keeps one and
//! renders from it. Both apply the same [`meshcast_protocol::Command`]s with [`Scene::apply`], so
//! they agree; [`replay`] folds the viewer-message log (a live stream or a recording) into a
//! scene. No GPU, no browser, no network: it compiles natively and to wasm32.

mod error;
pub mod footprint;
mod node;
pub mod replay;
mod scene;
mod series;
mod views;

pub use error::SceneError;
pub use node::{Node, NodeKey};
pub use scene::{Applied, Change, Scene};
pub use series::FrameSeries;
pub use views::{field, opt, ArrowsView, LinesView, MeshView, RigidBodiesView, SkeletonsView, SmplView, SpheresView};
