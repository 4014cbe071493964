//! Typed views of a node's data, one per kind (`node.mesh()`, `node.spheres()`, …), and the
//! argument names of the protocol's `NodeKind` table as constants ([`field`], [`opt`]), so no
//! crate spells `"vertices"` itself. A test checks every name against the table.

use meshcast_protocol::{NdArray, NodeKind, Value};

use crate::{FrameSeries, Node};

/// Array argument names (`NodeKind::field`).
pub mod field {
    /// Position per frame (every kind).
    pub const POSITION: &str = "position";
    /// Rotation matrix per frame (every kind).
    pub const ROTATION: &str = "rotation";
    /// Uniform scale per frame (every kind).
    pub const SCALE: &str = "scale";
    /// Mesh vertices.
    pub const VERTICES: &str = "vertices";
    /// Mesh faces (indices).
    pub const FACES: &str = "faces";
    /// Mesh vertex normals.
    pub const VERTEX_NORMALS: &str = "vertex_normals";
    /// Mesh face normals.
    pub const FACE_NORMALS: &str = "face_normals";
    /// Mesh per-vertex colours.
    pub const VERTEX_COLORS: &str = "vertex_colors";
    /// Mesh per-face colours.
    pub const FACE_COLORS: &str = "face_colors";
    /// Mesh texture coordinates.
    pub const UV_COORDS: &str = "uv_coords";
    /// Mesh texture image, `(H, W, 3|4)` bytes.
    pub const TEXTURE: &str = "texture";
    /// Mesh instance transforms.
    pub const INSTANCE_TRANSFORMS: &str = "instance_transforms";
    /// Sphere centres.
    pub const POSITIONS: &str = "positions";
    /// Line points.
    pub const LINES: &str = "lines";
    /// Arrow origins.
    pub const ORIGINS: &str = "origins";
    /// Arrow tips.
    pub const TIPS: &str = "tips";
    /// Rigid body positions.
    pub const RB_POS: &str = "rb_pos";
    /// Rigid body orientations.
    pub const RB_ORI: &str = "rb_ori";
    /// Skeleton joint positions.
    pub const JOINT_POSITIONS: &str = "joint_positions";
    /// Skeleton bones (joint index pairs).
    pub const JOINT_CONNECTIONS: &str = "joint_connections";
    /// SMPL body pose.
    pub const POSES_BODY: &str = "poses_body";
}

/// Option names (`NodeKind::option`) that are also stored as arrays by some clients.
pub mod opt {
    /// The node's name.
    pub const NAME: &str = "name";
    /// Colour: one RGBA, or one per element (stored as a static array).
    pub const COLOR: &str = "color";
    /// Frames the node is shown in (stored as a static mask).
    pub const ENABLED_FRAMES: &str = "enabled_frames";
    /// Mesh: flat shading.
    pub const FLAT_SHADING: &str = "flat_shading";
    /// Mesh: wireframe overlay.
    pub const DRAW_EDGES: &str = "draw_edges";
    /// Mesh: outline.
    pub const DRAW_OUTLINE: &str = "draw_outline";
    /// Meshes, Spheres, Lines: the node casts a shadow (default per kind in the kinds table).
    pub const CAST_SHADOW: &str = "cast_shadow";
    /// Lines: `lines` (pairs) or `line_strip`.
    pub const MODE: &str = "mode";
    /// SMPL: the model family.
    pub const MODEL_TYPE: &str = "model_type";
}

/// A Meshes node.
#[derive(Debug, Clone, Copy)]
pub struct MeshView<'a>(&'a Node);

impl<'a> MeshView<'a> {
    /// Vertices per frame.
    pub fn vertices(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::VERTICES)
    }
    /// Faces (vertex index triples).
    pub fn faces(&self) -> Option<&'a NdArray> {
        self.0.static_array(field::FACES)
    }
    /// Per-vertex colours.
    pub fn vertex_colors(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::VERTEX_COLORS)
    }
    /// Per-face colours.
    pub fn face_colors(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::FACE_COLORS)
    }
    /// Instance transforms.
    pub fn instance_transforms(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::INSTANCE_TRANSFORMS)
    }
    /// The `flat_shading` option (default false).
    pub fn flat_shading(&self) -> bool {
        flag(self.0, opt::FLAT_SHADING)
    }
    /// The `draw_edges` option (default false).
    pub fn draw_edges(&self) -> bool {
        flag(self.0, opt::DRAW_EDGES)
    }
}

/// A Spheres node.
#[derive(Debug, Clone, Copy)]
pub struct SpheresView<'a>(&'a Node);

impl<'a> SpheresView<'a> {
    /// Sphere centres per frame.
    pub fn positions(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::POSITIONS)
    }
}

/// A Lines node.
#[derive(Debug, Clone, Copy)]
pub struct LinesView<'a>(&'a Node);

impl<'a> LinesView<'a> {
    /// Points per frame.
    pub fn lines(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::LINES)
    }
    /// True for a strip (the default), false for `mode="lines"` (pairs).
    pub fn is_strip(&self) -> bool {
        self.0.option(opt::MODE).and_then(Value::as_str) != Some("lines")
    }
}

/// An Arrows node.
#[derive(Debug, Clone, Copy)]
pub struct ArrowsView<'a>(&'a Node);

impl<'a> ArrowsView<'a> {
    /// Origins per frame.
    pub fn origins(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::ORIGINS)
    }
    /// Tips per frame.
    pub fn tips(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::TIPS)
    }
}

/// A RigidBodies node.
#[derive(Debug, Clone, Copy)]
pub struct RigidBodiesView<'a>(&'a Node);

impl<'a> RigidBodiesView<'a> {
    /// Positions per frame.
    pub fn positions(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::RB_POS)
    }
    /// Orientations per frame.
    pub fn orientations(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::RB_ORI)
    }
}

/// A Skeletons node.
#[derive(Debug, Clone, Copy)]
pub struct SkeletonsView<'a>(&'a Node);

impl<'a> SkeletonsView<'a> {
    /// Joint positions per frame.
    pub fn joint_positions(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::JOINT_POSITIONS)
    }
    /// Bones (joint index pairs).
    pub fn joint_connections(&self) -> Option<&'a NdArray> {
        self.0.static_array(field::JOINT_CONNECTIONS)
    }
}

/// An SMPL node.
#[derive(Debug, Clone, Copy)]
pub struct SmplView<'a>(&'a Node);

impl<'a> SmplView<'a> {
    /// Body poses per frame.
    pub fn poses_body(&self) -> Option<&'a FrameSeries> {
        self.0.series(field::POSES_BODY)
    }
    /// The model family (`smpl` when not given).
    pub fn model_type(&self) -> &'a str {
        self.0.option(opt::MODEL_TYPE).and_then(Value::as_str).unwrap_or("smpl")
    }
}

fn flag(node: &Node, name: &str) -> bool {
    node.option(name).and_then(Value::as_bool).unwrap_or(false)
}

impl Node {
    /// The node as a mesh, if it is one.
    pub fn mesh(&self) -> Option<MeshView<'_>> {
        (self.kind() == NodeKind::Meshes).then_some(MeshView(self))
    }
    /// The node as spheres, if it is.
    pub fn spheres(&self) -> Option<SpheresView<'_>> {
        (self.kind() == NodeKind::Spheres).then_some(SpheresView(self))
    }
    /// The node as lines, if it is.
    pub fn lines(&self) -> Option<LinesView<'_>> {
        (self.kind() == NodeKind::Lines).then_some(LinesView(self))
    }
    /// The node as arrows, if it is.
    pub fn arrows(&self) -> Option<ArrowsView<'_>> {
        (self.kind() == NodeKind::Arrows).then_some(ArrowsView(self))
    }
    /// The node as rigid bodies, if it is.
    pub fn rigid_bodies(&self) -> Option<RigidBodiesView<'_>> {
        (self.kind() == NodeKind::RigidBodies).then_some(RigidBodiesView(self))
    }
    /// The node as skeletons, if it is.
    pub fn skeletons(&self) -> Option<SkeletonsView<'_>> {
        (self.kind() == NodeKind::Skeletons).then_some(SkeletonsView(self))
    }
    /// The node as an SMPL body, if it is.
    pub fn smpl(&self) -> Option<SmplView<'_>> {
        (self.kind() == NodeKind::Smpl).then_some(SmplView(self))
    }
    /// The static `color`: one RGBA (shape `[4]`) or one per element; `None` when the client
    /// sent none.
    pub fn color_array(&self) -> Option<&NdArray> {
        self.static_array(opt::COLOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [NodeKind; 8] = [
        NodeKind::Node,
        NodeKind::Meshes,
        NodeKind::Spheres,
        NodeKind::Lines,
        NodeKind::Arrows,
        NodeKind::RigidBodies,
        NodeKind::Skeletons,
        NodeKind::Smpl,
    ];

    #[test]
    fn every_name_is_in_the_kinds_table() {
        let fields = [
            field::POSITION,
            field::ROTATION,
            field::SCALE,
            field::VERTICES,
            field::FACES,
            field::VERTEX_NORMALS,
            field::FACE_NORMALS,
            field::VERTEX_COLORS,
            field::FACE_COLORS,
            field::UV_COORDS,
            field::TEXTURE,
            field::INSTANCE_TRANSFORMS,
            field::POSITIONS,
            field::LINES,
            field::ORIGINS,
            field::TIPS,
            field::RB_POS,
            field::RB_ORI,
            field::JOINT_POSITIONS,
            field::JOINT_CONNECTIONS,
            field::POSES_BODY,
        ];
        for name in fields {
            assert!(
                KINDS.iter().any(|k| k.field(name).is_some()),
                "{name} is no field of any kind"
            );
        }
        let options = [
            opt::NAME,
            opt::COLOR,
            opt::ENABLED_FRAMES,
            opt::FLAT_SHADING,
            opt::DRAW_EDGES,
            opt::DRAW_OUTLINE,
            opt::MODE,
            opt::MODEL_TYPE,
        ];
        for name in options {
            assert!(
                KINDS.iter().any(|k| k.option(name).is_some()),
                "{name} is no option of any kind"
            );
        }
        assert!(NodeKind::Meshes.field(field::VERTICES).is_some());
        assert!(NodeKind::Spheres.field(field::VERTICES).is_none());
    }
}
