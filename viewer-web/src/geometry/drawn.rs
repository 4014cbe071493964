//! What a scene node draws: its own data, or nodes derived from it (an SMPL body's evaluated
//! mesh and skeleton). Bodies enter the geometry layer here, as ordinary Meshes and Skeletons
//! nodes, so bounds, picking and the renderer have one API whether or not a scene has bodies.

use meshcast_protocol::NodeKind;
use meshcast_scene::{Node, NodeKey};

/// What one scene node draws.
#[derive(Debug, Clone, Copy)]
pub struct Drawn<'a> {
    /// Transforms, colour and flags (the node itself, or a body's mesh).
    pub base: &'a Node,
    /// The mesh, if any.
    pub mesh: Option<&'a Node>,
    /// The nodes whose spheres and cylinders are drawn (an SMPL body's skeleton and joint
    /// angles), in the node's local space.
    pub prims: [Option<&'a Node>; 2],
    /// The version of what is drawn (changes whenever it does).
    pub version: u64,
}

impl<'a> Drawn<'a> {
    /// The nodes whose spheres and cylinders are drawn.
    pub fn prim_nodes(&self) -> impl Iterator<Item = &'a Node> + '_ {
        self.prims.iter().flatten().copied()
    }

    /// Which parts are drawn, one bit each: the mesh, then each primitives node (so hiding a
    /// part changes what is drawn even when the data did not change).
    pub fn parts_mask(&self) -> u8 {
        [self.mesh.is_some(), self.prims[0].is_some(), self.prims[1].is_some()]
            .iter()
            .enumerate()
            .fold(0, |m, (i, on)| m | (u8::from(*on) << i))
    }
}

/// A source of nodes derived from scene nodes (SMPL bodies evaluated with their model).
pub trait DerivedNodes {
    /// What the SMPL node `key` draws, once it was evaluated; `None` before (model missing or
    /// still loading).
    fn derived(&self, key: &NodeKey) -> Option<Drawn<'_>>;
}

/// No derived nodes: SMPL nodes draw nothing (scenes without bodies, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDerived;

impl DerivedNodes for NoDerived {
    fn derived(&self, _key: &NodeKey) -> Option<Drawn<'_>> {
        None
    }
}

/// What `node` draws; `None` for plain nodes and SMPL nodes without an evaluated body.
pub fn drawn<'a>(node: &'a Node, derived: &'a dyn DerivedNodes) -> Option<Drawn<'a>> {
    match node.kind() {
        NodeKind::Node => None,
        NodeKind::Smpl => derived.derived(&node.key()),
        NodeKind::Meshes => Some(Drawn {
            base: node,
            mesh: Some(node),
            prims: [None, None],
            version: node.version(),
        }),
        NodeKind::Spheres | NodeKind::Lines | NodeKind::Arrows | NodeKind::RigidBodies | NodeKind::Skeletons => {
            Some(Drawn {
                base: node,
                mesh: None,
                prims: [Some(node), None],
                version: node.version(),
            })
        }
    }
}
