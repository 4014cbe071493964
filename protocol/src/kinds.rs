//! The node kinds a client can create and, for each, which arguments carry per-frame data.

use crate::MessageType;

/// The kind of a remote node, one per creation message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NodeKind {
    /// A transform group (type 1).
    Node,
    /// Triangle meshes (type 2).
    Meshes,
    /// Instanced spheres (type 3).
    Spheres,
    /// Line segments or strips drawn as cylinders (type 4).
    Lines,
    /// Arrows: a cylinder shaft and a cone head (type 5).
    Arrows,
    /// Rigid bodies: a sphere and three axis arrows each (type 6).
    RigidBodies,
    /// Skeletons: joint spheres and tapered bones (type 11).
    Skeletons,
    /// An SMPL-family body sequence (type 10).
    Smpl,
}

/// How an argument relates to the node's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    /// Per-frame data that defines the node's frame count; required; carried by frame operations.
    Primary,
    /// Per-frame data that always has the node's frame count (filled with zeros when absent);
    /// extended, overwritten and trimmed by frame operations together with the primary data.
    Companion,
    /// Optional per-frame data with 1 frame (used for every frame) or its own count; frame
    /// operations leave it alone (aitviewer's broadcast rule).
    Broadcast,
    /// Data that does not change over frames (faces, uv coordinates, colours).
    Static,
}

/// One axis of an argument's per-frame shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// Exactly this length.
    Fixed(usize),
    /// A length shared by every argument that names the same letter (V vertices, F faces, ...).
    Sym(char),
    /// Any length, the same in every frame.
    Any,
}

/// An array argument of a creation message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The keyword's name, as in aitviewer.
    pub name: &'static str,
    /// How it relates to frames.
    pub role: FieldRole,
    /// The shape of one frame (for static data: the whole shape).
    pub dims: &'static [Dim],
    /// True for index data (faces, connections), stored as `i32`; false for `f32` data.
    pub integer: bool,
}

const fn f(name: &'static str, role: FieldRole, dims: &'static [Dim]) -> FieldSpec {
    FieldSpec {
        name,
        role,
        dims,
        integer: false,
    }
}
const fn idx(name: &'static str, dims: &'static [Dim]) -> FieldSpec {
    FieldSpec {
        name,
        role: FieldRole::Static,
        dims,
        integer: true,
    }
}

use Dim::{Any, Fixed as X, Sym};
use FieldRole::{Broadcast, Companion, Primary, Static};

/// Arguments every kind accepts (aitviewer's `Node`).
const COMMON: &[FieldSpec] = &[
    f("position", Broadcast, &[X(3)]),
    f("rotation", Broadcast, &[X(3), X(3)]),
    f("scale", Broadcast, &[]),
];

const MESHES: &[FieldSpec] = &[
    f("vertices", Primary, &[Sym('V'), X(3)]),
    idx("faces", &[Sym('F'), X(3)]),
    f("vertex_normals", Broadcast, &[Sym('V'), X(3)]),
    f("face_normals", Broadcast, &[Sym('F'), X(3)]),
    f("vertex_colors", Broadcast, &[Sym('V'), X(4)]),
    f("face_colors", Broadcast, &[Sym('F'), X(4)]),
    f("uv_coords", Static, &[Sym('V'), X(2)]),
    f("instance_transforms", Broadcast, &[Sym('I'), X(4), X(4)]),
];
const SPHERES: &[FieldSpec] = &[f("positions", Primary, &[Sym('P'), X(3)])];
const LINES: &[FieldSpec] = &[f("lines", Primary, &[Sym('L'), X(3)])];
const ARROWS: &[FieldSpec] = &[
    f("origins", Primary, &[Sym('B'), X(3)]),
    f("tips", Primary, &[Sym('B'), X(3)]),
];
const RIGID_BODIES: &[FieldSpec] = &[
    f("rb_pos", Primary, &[Sym('R'), X(3)]),
    f("rb_ori", Primary, &[Sym('R'), X(3), X(3)]),
];
const SKELETONS: &[FieldSpec] = &[
    f("joint_positions", Primary, &[Sym('J'), X(3)]),
    idx("joint_connections", &[Sym('K'), X(2)]),
];
const SMPL: &[FieldSpec] = &[
    f("poses_body", Primary, &[Any]),
    f("poses_root", Companion, &[X(3)]),
    f("trans", Companion, &[X(3)]),
    f("betas", Broadcast, &[Any]),
    f("poses_left_hand", Companion, &[X(45)]),
    f("poses_right_hand", Companion, &[X(45)]),
    f("poses_jaw", Companion, &[X(3)]),
    f("poses_leye", Companion, &[X(3)]),
    f("poses_reye", Companion, &[X(3)]),
    f("expression", Companion, &[Any]),
];

/// The type of a non-array option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// A string.
    Str,
    /// A bool.
    Bool,
    /// A finite number.
    Number,
    /// A finite number or nil.
    NumberOrNil,
    /// An integer.
    Int,
    /// Anything (forwarded, not interpreted).
    Any,
}

const COMMON_OPTIONS: &[(&str, OptionType)] = &[
    ("name", OptionType::Str),
    ("icon", OptionType::Str),
    ("is_selectable", OptionType::Bool),
    ("gui_affine", OptionType::Bool),
    ("gui_material", OptionType::Bool),
    ("n_frames", OptionType::Int),
    ("enabled_frames", OptionType::Any),
    ("color", OptionType::Any),
];
const MESH_OPTIONS: &[(&str, OptionType)] = &[
    ("path_to_texture", OptionType::Str),
    ("cast_shadow", OptionType::Bool),
    ("pickable", OptionType::Bool),
    ("flat_shading", OptionType::Bool),
    ("draw_edges", OptionType::Bool),
    ("draw_outline", OptionType::Bool),
    ("z_up", OptionType::Bool),
];
const SPHERE_OPTIONS: &[(&str, OptionType)] = &[
    ("radius", OptionType::Number),
    ("rings", OptionType::Int),
    ("sectors", OptionType::Int),
    ("cast_shadow", OptionType::Bool),
];
const LINE_OPTIONS: &[(&str, OptionType)] = &[
    ("r_base", OptionType::Number),
    ("r_tip", OptionType::NumberOrNil),
    ("mode", OptionType::Str),
    ("cast_shadow", OptionType::Bool),
];
const ARROW_OPTIONS: &[(&str, OptionType)] = &[
    ("r_base", OptionType::Number),
    ("r_head", OptionType::Number),
    ("p", OptionType::Number),
];
const RB_OPTIONS: &[(&str, OptionType)] = &[
    ("radius", OptionType::Number),
    ("length", OptionType::Number),
    ("radius_cylinder", OptionType::NumberOrNil),
];
const SKELETON_OPTIONS: &[(&str, OptionType)] = &[("radius", OptionType::Number)];
const SMPL_OPTIONS: &[(&str, OptionType)] = &[
    ("model_type", OptionType::Str),
    ("gender", OptionType::Str),
    ("num_betas", OptionType::Int),
    ("include_root", OptionType::Bool),
    ("normalize_root", OptionType::Bool),
    ("is_rigged", OptionType::Bool),
    ("show_joint_angles", OptionType::Bool),
    ("z_up", OptionType::Bool),
    ("skeleton_radius", OptionType::Number),
    ("rb_radius", OptionType::Number),
    ("rb_length", OptionType::Number),
];

/// The SMPL-family body models a sequence can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmplModelType {
    /// SMPL: 24 joints, 69 body pose values.
    Smpl,
    /// SMPL-H: 52 joints, 63 body pose values plus two 45-value hands.
    SmplH,
    /// SMPL-X: 55 joints, 63 body pose values plus hands, jaw and eyes.
    SmplX,
}

impl SmplModelType {
    /// Parses aitviewer's `model_type` string.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "smpl" => Some(Self::Smpl),
            "smplh" => Some(Self::SmplH),
            "smplx" => Some(Self::SmplX),
            _ => None,
        }
    }

    /// The `model_type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smpl => "smpl",
            Self::SmplH => "smplh",
            Self::SmplX => "smplx",
        }
    }

    /// Number of body pose values per frame (`poses_body`), without the root.
    pub fn body_pose_len(self) -> usize {
        match self {
            Self::Smpl => 69,
            Self::SmplH | Self::SmplX => 63,
        }
    }
}

impl NodeKind {
    /// The kind created by a message type, if it is a creation message.
    pub fn from_message_type(t: MessageType) -> Option<Self> {
        Some(match t {
            MessageType::Node => Self::Node,
            MessageType::Meshes => Self::Meshes,
            MessageType::Spheres => Self::Spheres,
            MessageType::Lines => Self::Lines,
            MessageType::Arrows => Self::Arrows,
            MessageType::RigidBodies => Self::RigidBodies,
            MessageType::Skeletons => Self::Skeletons,
            MessageType::Smpl => Self::Smpl,
            _ => return None,
        })
    }

    /// The message type that creates this kind.
    pub fn message_type(self) -> MessageType {
        match self {
            Self::Node => MessageType::Node,
            Self::Meshes => MessageType::Meshes,
            Self::Spheres => MessageType::Spheres,
            Self::Lines => MessageType::Lines,
            Self::Arrows => MessageType::Arrows,
            Self::RigidBodies => MessageType::RigidBodies,
            Self::Skeletons => MessageType::Skeletons,
            Self::Smpl => MessageType::Smpl,
        }
    }

    /// aitviewer's message name (`MESHES`).
    pub fn name(self) -> &'static str {
        self.message_type().name()
    }

    /// aitviewer's class name, the default node name (`Meshes`).
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Node => "Node",
            Self::Meshes => "Meshes",
            Self::Spheres => "Spheres",
            Self::Lines => "Lines",
            Self::Arrows => "Arrows",
            Self::RigidBodies => "RigidBodies",
            Self::Skeletons => "Skeletons",
            Self::Smpl => "SMPL",
        }
    }

    /// The kind's own array arguments (without the common `position`, `rotation`, `scale`).
    pub fn own_fields(self) -> &'static [FieldSpec] {
        match self {
            Self::Node => &[],
            Self::Meshes => MESHES,
            Self::Spheres => SPHERES,
            Self::Lines => LINES,
            Self::Arrows => ARROWS,
            Self::RigidBodies => RIGID_BODIES,
            Self::Skeletons => SKELETONS,
            Self::Smpl => SMPL,
        }
    }

    /// Looks an array argument up by name (the kind's own, then the common ones).
    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.own_fields().iter().chain(COMMON).find(|f| f.name == name)
    }

    /// Every array argument, the kind's own first.
    pub fn fields(self) -> impl Iterator<Item = &'static FieldSpec> {
        self.own_fields().iter().chain(COMMON)
    }

    /// The type of a non-array option, if the kind accepts it.
    pub fn option(self, name: &str) -> Option<OptionType> {
        let own: &[(&str, OptionType)] = match self {
            Self::Node => &[],
            Self::Meshes => MESH_OPTIONS,
            Self::Spheres => SPHERE_OPTIONS,
            Self::Lines => LINE_OPTIONS,
            Self::Arrows => ARROW_OPTIONS,
            Self::RigidBodies => RB_OPTIONS,
            Self::Skeletons => SKELETON_OPTIONS,
            Self::Smpl => SMPL_OPTIONS,
        };
        own.iter()
            .chain(COMMON_OPTIONS)
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// Positional parameter order of `add_frames` (aitviewer's signatures).
    pub fn add_params(self) -> &'static [&'static str] {
        match self {
            Self::Node => &[],
            Self::Meshes => &["vertices"],
            Self::Spheres => &["positions"],
            Self::Lines => &["lines"],
            Self::Arrows => &["origins", "tips"],
            Self::RigidBodies => &["rb_pos", "rb_ori"],
            Self::Skeletons => &["joint_positions"],
            Self::Smpl => &["poses_body", "poses_root", "trans", "betas"],
        }
    }

    /// Positional parameter order of `update_frames` (aitviewer's signatures).
    pub fn update_params(self) -> &'static [&'static str] {
        match self {
            Self::Node => &["frames"],
            Self::Meshes => &["vertices", "frames"],
            Self::Spheres => &["positions", "frames"],
            Self::Lines => &["lines", "frames"],
            Self::Arrows => &["origins", "tips", "frames"],
            Self::RigidBodies => &["rb_pos", "rb_ori", "frames"],
            Self::Skeletons => &["joint_positions", "frames"],
            Self::Smpl => &["poses_body", "frames", "poses_root", "trans", "betas"],
        }
    }

    /// A node's frame count given the frame counts of its arrays by name: the longest primary
    /// array, or, for a kind without primary data (a plain node), the longest of its transforms;
    /// at least 1.
    pub fn frame_count(self, frames_of: impl Fn(&str) -> Option<usize>) -> usize {
        let primary = self
            .own_fields()
            .iter()
            .filter(|f| f.role == FieldRole::Primary)
            .filter_map(|f| frames_of(f.name))
            .max();
        primary.unwrap_or_else(|| {
            ["position", "rotation", "scale"]
                .iter()
                .filter_map(|n| frames_of(n))
                .max()
                .unwrap_or(1)
        })
    }

    /// The arguments a frame operation may carry: primary and companion data (and SMPL betas).
    pub fn frame_op_fields(self) -> impl Iterator<Item = &'static FieldSpec> {
        self.own_fields().iter().filter(move |f| {
            matches!(f.role, FieldRole::Primary | FieldRole::Companion) || (self == Self::Smpl && f.name == "betas")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_message_type() {
        for k in [
            NodeKind::Node,
            NodeKind::Meshes,
            NodeKind::Spheres,
            NodeKind::Lines,
            NodeKind::Arrows,
            NodeKind::RigidBodies,
            NodeKind::Skeletons,
            NodeKind::Smpl,
        ] {
            assert_eq!(NodeKind::from_message_type(k.message_type()), Some(k));
            // Every positional add parameter is a frame-op field.
            for p in k.add_params() {
                assert!(k.frame_op_fields().any(|f| f.name == *p), "{k:?} {p}");
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(NodeKind::Meshes.field("faces").map(|f| f.integer), Some(true));
        assert!(NodeKind::Spheres.field("position").is_some());
        assert!(NodeKind::Spheres.field("vertices").is_none());
        assert_eq!(NodeKind::Spheres.option("radius"), Some(OptionType::Number));
        assert_eq!(NodeKind::Meshes.option("radius"), None);
        assert_eq!(
            SmplModelType::parse("smplh").map(SmplModelType::body_pose_len),
            Some(63)
        );
    }
}
