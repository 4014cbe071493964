//! The CPU geometry layer: a scene node's arrays read as draw data (transforms, colours,
//! options, spheres and cylinders, mesh topology and normals), bounds and picking. No GPU and no
//! browser: the renderer uploads what this layer reads, and the core asks it for bounds through
//! [`Geometry`].
//!
//! - [`draw_data`]: what the renderer uploads and draws ([`SceneDraw`]), so it never reads a
//!   scene node.
//! - [`drawn`]: what a node draws ([`Drawn`]); SMPL bodies feed derived nodes through
//!   [`DerivedNodes`], so nothing here or above forks on bodies.
//! - `node_data`: reading a node's arrays and options; `primitives`: the spheres and cylinders
//!   of each kind; `mesh_data`: faces, edges, normals, ray–triangle tests.
//! - [`hierarchy`]: children drawn with their parents' world matrix.
//! - [`bounds`]: node and scene bounds; [`picking`]: the node under a ray.

pub mod bounds;
pub mod draw_data;
pub mod drawn;
pub mod hierarchy;
pub(crate) mod mesh_data;
pub(crate) mod node_data;
pub mod picking;
pub(crate) mod primitives;
#[cfg(test)]
mod test_scene;

use meshcast_scene::{NodeKey, Scene};

use crate::core::{Aabb, NodeBounds};

pub use bounds::{node_bounds, scene_bounds};
pub use draw_data::{NodeDraw, SceneDraw};
pub use drawn::{drawn, DerivedNodes, Drawn, NoDerived};
pub use picking::{inspect, Element, Hit};

/// The scene's geometry as the core sees it: node bounds, derived nodes (SMPL bodies) included.
#[derive(Clone, Copy)]
pub struct Geometry<'a>(pub &'a dyn DerivedNodes);

impl NodeBounds for Geometry<'_> {
    fn node_bounds(&self, scene: &Scene, key: NodeKey, frame: usize) -> Option<Aabb> {
        node_bounds(scene, self.0, key, frame)
    }
}
