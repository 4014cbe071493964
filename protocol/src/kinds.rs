//! The node kinds a client can create, described as data: the one source of the schema.
//!
//! For every kind, [`KindSpec`] holds its creation message, its array arguments (the shape of
//! one frame, how they relate to frames, integer or float), its other options with their types,
//! defaults and allowed values ([`OptionSpec`]), and aitviewer's frame-operation signatures.
//! Validation (`command.rs`) reads this table, the Rust client takes its defaults from it, and
//! `tests/schema.rs` writes it as `protocol/schema/kinds.json` (and the Python client's copy,
//! `client/python/meshcast/_kinds.json`), failing when a committed copy is stale. A new kind,
//! argument or option goes here and nowhere else; see `docs/protocol.md`.

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

impl FieldRole {
    /// The role's name in the schema file (`primary`, `companion`, `broadcast`, `static`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Companion => "companion",
            Self::Broadcast => "broadcast",
            Self::Static => "static",
        }
    }
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
    /// The element type it is stored as.
    pub dtype: FieldDtype,
    /// Whether `add_frames` / `update_frames` carry it: primary and companion data, and SMPL
    /// `betas` (a broadcast argument that frame operations may replace).
    pub frame_op: bool,
}

/// The element type an array argument is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldDtype {
    /// `f32`, finite (positions, colours, ...).
    Float,
    /// `i32` indices (faces, connections): any integer array whose values fit.
    Index,
    /// `u8` (texture images): any integer array with values in 0..=255.
    Byte,
}

impl FieldDtype {
    /// Its name in the schema file (`float`, `integer`, `u8`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Index => "integer",
            Self::Byte => "u8",
        }
    }
}

const fn f(name: &'static str, role: FieldRole, dims: &'static [Dim]) -> FieldSpec {
    FieldSpec {
        name,
        role,
        dims,
        dtype: FieldDtype::Float,
        frame_op: matches!(role, FieldRole::Primary | FieldRole::Companion),
    }
}
const fn idx(name: &'static str, dims: &'static [Dim]) -> FieldSpec {
    FieldSpec {
        name,
        role: FieldRole::Static,
        dims,
        dtype: FieldDtype::Index,
        frame_op: false,
    }
}
/// A static image: `(H, W, C)` bytes.
const fn image(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        role: FieldRole::Static,
        dims: &[Sym('H'), Sym('W'), Sym('C')],
        dtype: FieldDtype::Byte,
        frame_op: false,
    }
}

use Dim::{Any, Fixed as X, Sym};
use FieldRole::{Broadcast, Companion, Primary, Static};

/// Arguments every kind accepts (aitviewer's `Node`).
pub const COMMON_FIELDS: &[FieldSpec] = &[
    f("position", Broadcast, &[X(3)]),
    f("rotation", Broadcast, &[X(3), X(3)]),
    f("scale", Broadcast, &[]),
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

impl OptionType {
    /// The type's name in the schema file (`str`, `bool`, `number`, `number_or_none`, `int`, `any`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Str => "str",
            Self::Bool => "bool",
            Self::Number => "number",
            Self::NumberOrNil => "number_or_none",
            Self::Int => "int",
            Self::Any => "any",
        }
    }
}

/// The value an option has when a client does not send it (aitviewer's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionDefault {
    /// No value: the viewer derives one from other options (`r_tip` is `r_base`,
    /// `radius_cylinder` is `length / 50`) or the option does nothing when absent.
    Unset,
    /// A bool.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Number(f64),
    /// A string.
    Str(&'static str),
    /// An RGBA colour in 0..1.
    Rgba([f32; 4]),
    /// The kind's class name ([`KindSpec::class_name`]); only in the static table, resolved by
    /// [`NodeKind::options`] and [`NodeKind::option_spec`].
    ClassName,
    /// The kind's colour ([`KindSpec::default_color`]); resolved like [`OptionDefault::ClassName`].
    KindColor,
}

/// The values an option may take beyond its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowed {
    /// Every value of the type.
    Any,
    /// A number at least `min` and, when `max` is set, at most `max`.
    Range {
        /// The smallest value allowed.
        min: f64,
        /// The largest value allowed, if any.
        max: Option<f64>,
    },
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

/// A non-array option of a creation message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec {
    /// The keyword's name, as in aitviewer.
    pub name: &'static str,
    /// Its type.
    pub ty: OptionType,
    /// Its value when absent.
    pub default: OptionDefault,
    /// The values allowed beyond the type.
    pub allowed: Allowed,
}

impl OptionSpec {
    /// The option's default value.
    pub fn default(&self) -> OptionDefault {
        self.default
    }

    /// The strings a choice option allows (empty for other options).
    pub fn choices(&self) -> &'static [&'static str] {
        match self.allowed {
            Allowed::OneOf(v) => v,
            _ => &[],
        }
    }
}

const fn opt(name: &'static str, ty: OptionType, default: OptionDefault) -> OptionSpec {
    OptionSpec {
        name,
        ty,
        default,
        allowed: Allowed::Any,
    }
}
const fn boolean(name: &'static str, default: bool) -> OptionSpec {
    opt(name, OptionType::Bool, OptionDefault::Bool(default))
}
const fn non_negative(name: &'static str, ty: OptionType, default: OptionDefault) -> OptionSpec {
    OptionSpec {
        name,
        ty,
        default,
        allowed: Allowed::Range { min: 0.0, max: None },
    }
}
const fn length(name: &'static str, default: f64) -> OptionSpec {
    non_negative(name, OptionType::Number, OptionDefault::Number(default))
}
const fn ranged(name: &'static str, ty: OptionType, default: OptionDefault, min: f64, max: f64) -> OptionSpec {
    OptionSpec {
        name,
        ty,
        default,
        allowed: Allowed::Range { min, max: Some(max) },
    }
}
const fn one_of(name: &'static str, default: &'static str, values: &'static [&'static str]) -> OptionSpec {
    OptionSpec {
        name,
        ty: OptionType::Str,
        default: OptionDefault::Str(default),
        allowed: Allowed::OneOf(values),
    }
}

use OptionDefault::{Int, Number, Unset};
use OptionType as T;

/// Options every kind accepts (aitviewer's `Node`), after the kind's own.
pub const COMMON_OPTIONS: &[OptionSpec] = &[
    opt("name", T::Str, OptionDefault::ClassName),
    opt("icon", T::Str, Unset),
    boolean("is_selectable", true),
    boolean("gui_affine", true),
    boolean("gui_material", true),
    opt("n_frames", T::Int, Unset),
    opt("enabled_frames", T::Any, Unset),
    opt("color", T::Any, OptionDefault::KindColor),
    // The uid of another node of the same client that this one is a child of: its model matrix
    // is the parent's world matrix times its own (aitviewer's `Node.add`), it sits under the
    // parent in the scene list, and is hidden and deleted with it.
    non_negative("parent", T::Int, Unset),
];

/// The properties of one node kind: the row of the kinds table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindSpec {
    /// The kind.
    pub kind: NodeKind,
    /// The message type that creates it.
    pub message_type: MessageType,
    /// aitviewer's class name, the default node name (`Meshes`).
    pub class_name: &'static str,
    /// aitviewer's remote class (`RemoteMeshes`), named in the clients' errors.
    pub remote_class: &'static str,
    /// The kind's own array arguments (without [`COMMON_FIELDS`]).
    pub fields: &'static [FieldSpec],
    /// The kind's own options (without [`COMMON_OPTIONS`]).
    pub options: &'static [OptionSpec],
    /// Positional parameter order of `add_frames` (aitviewer's signatures).
    pub add_params: &'static [&'static str],
    /// Positional parameter order of `update_frames` (aitviewer's signatures).
    pub update_params: &'static [&'static str],
    /// Positional parameter order of the creation message (only NODE takes positional arguments,
    /// in aitviewer's `Node` constructor order).
    pub positional: &'static [&'static str],
    /// The colour a node has when the client sends none.
    pub default_color: [f32; 4],
}

const GREY: [f32; 4] = [0.5, 0.5, 0.5, 1.0];
const BLUE: [f32; 4] = [0.0, 0.0, 1.0, 1.0];

/// The kinds table, in message-type order.
const KINDS: [KindSpec; 8] = [
    KindSpec {
        kind: NodeKind::Node,
        message_type: MessageType::Node,
        class_name: "Node",
        remote_class: "RemoteNode",
        fields: &[],
        options: &[],
        add_params: &[],
        update_params: &["frames"],
        positional: &["name", "icon", "position", "rotation", "scale", "color"],
        default_color: GREY,
    },
    KindSpec {
        kind: NodeKind::Meshes,
        message_type: MessageType::Meshes,
        class_name: "Meshes",
        remote_class: "RemoteMeshes",
        fields: &[
            f("vertices", Primary, &[Sym('V'), X(3)]),
            idx("faces", &[Sym('F'), X(3)]),
            f("vertex_normals", Broadcast, &[Sym('V'), X(3)]),
            f("face_normals", Broadcast, &[Sym('F'), X(3)]),
            f("vertex_colors", Broadcast, &[Sym('V'), X(4)]),
            f("face_colors", Broadcast, &[Sym('F'), X(4)]),
            f("uv_coords", Static, &[Sym('V'), X(2)]),
            // The texture image itself, `(H, W, 3|4)` bytes, drawn with `uv_coords`: sent by
            // meshcast's clients, or put there by the relay from `path_to_texture` (`--assets`).
            image("texture"),
            f("instance_transforms", Broadcast, &[Sym('I'), X(4), X(4)]),
        ],
        options: &[
            opt("path_to_texture", T::Str, Unset),
            boolean("cast_shadow", true),
            boolean("pickable", true),
            boolean("flat_shading", false),
            boolean("draw_edges", false),
            boolean("draw_outline", false),
            boolean("z_up", false),
        ],
        add_params: &["vertices"],
        update_params: &["vertices", "frames"],
        positional: &[],
        default_color: GREY,
    },
    KindSpec {
        kind: NodeKind::Spheres,
        message_type: MessageType::Spheres,
        class_name: "Spheres",
        remote_class: "RemoteSpheres",
        fields: &[f("positions", Primary, &[Sym('P'), X(3)])],
        options: &[
            length("radius", 0.01),
            ranged("rings", T::Int, Int(16), 3.0, 256.0),
            ranged("sectors", T::Int, Int(32), 3.0, 256.0),
            boolean("cast_shadow", false),
        ],
        add_params: &["positions"],
        update_params: &["positions", "frames"],
        positional: &[],
        default_color: BLUE,
    },
    KindSpec {
        kind: NodeKind::Lines,
        message_type: MessageType::Lines,
        class_name: "Lines",
        remote_class: "RemoteLines",
        fields: &[f("lines", Primary, &[Sym('L'), X(3)])],
        options: &[
            length("r_base", 0.01),
            non_negative("r_tip", T::NumberOrNil, Unset),
            one_of("mode", "line_strip", &["line_strip", "lines"]),
            boolean("cast_shadow", true),
        ],
        add_params: &["lines"],
        update_params: &["lines", "frames"],
        positional: &[],
        default_color: BLUE,
    },
    KindSpec {
        kind: NodeKind::Arrows,
        message_type: MessageType::Arrows,
        class_name: "Arrows",
        remote_class: "RemoteArrows",
        fields: &[
            f("origins", Primary, &[Sym('B'), X(3)]),
            f("tips", Primary, &[Sym('B'), X(3)]),
        ],
        options: &[
            length("r_base", 0.01),
            length("r_head", 0.02),
            ranged("p", T::Number, Number(0.1), 0.0, 1.0),
        ],
        add_params: &["origins", "tips"],
        update_params: &["origins", "tips", "frames"],
        positional: &[],
        default_color: [0.0, 0.0, 0.5, 1.0],
    },
    KindSpec {
        kind: NodeKind::RigidBodies,
        message_type: MessageType::RigidBodies,
        class_name: "RigidBodies",
        remote_class: "RemoteRigidBodies",
        fields: &[
            f("rb_pos", Primary, &[Sym('R'), X(3)]),
            f("rb_ori", Primary, &[Sym('R'), X(3), X(3)]),
        ],
        options: &[
            length("radius", 0.02),
            length("length", 0.2),
            non_negative("radius_cylinder", T::NumberOrNil, Unset),
        ],
        add_params: &["rb_pos", "rb_ori"],
        update_params: &["rb_pos", "rb_ori", "frames"],
        positional: &[],
        default_color: [0.0, 1.0, 0.5, 1.0],
    },
    KindSpec {
        kind: NodeKind::Smpl,
        message_type: MessageType::Smpl,
        class_name: "SMPL",
        remote_class: "RemoteSMPLSequence",
        fields: &[
            f("poses_body", Primary, &[Any]),
            f("poses_root", Companion, &[X(3)]),
            f("trans", Companion, &[X(3)]),
            FieldSpec {
                frame_op: true,
                ..f("betas", Broadcast, &[Any])
            },
            f("poses_left_hand", Companion, &[X(45)]),
            f("poses_right_hand", Companion, &[X(45)]),
            f("poses_jaw", Companion, &[X(3)]),
            f("poses_leye", Companion, &[X(3)]),
            f("poses_reye", Companion, &[X(3)]),
            f("expression", Companion, &[Any]),
        ],
        options: &[
            one_of("model_type", "smpl", &["smpl", "smplh", "smplx"]),
            one_of("gender", "neutral", &["neutral", "male", "female"]),
            ranged("num_betas", T::Int, Int(10), 1.0, 300.0),
            boolean("include_root", true),
            boolean("normalize_root", false),
            boolean("is_rigged", true),
            boolean("show_joint_angles", false),
            boolean("z_up", false),
            length("skeleton_radius", 0.01),
            length("rb_radius", 0.02),
            length("rb_length", 0.1),
        ],
        add_params: &["poses_body", "poses_root", "trans", "betas"],
        update_params: &["poses_body", "frames", "poses_root", "trans", "betas"],
        positional: &[],
        default_color: [160.0 / 255.0, 160.0 / 255.0, 160.0 / 255.0, 1.0],
    },
    KindSpec {
        kind: NodeKind::Skeletons,
        message_type: MessageType::Skeletons,
        class_name: "Skeletons",
        remote_class: "RemoteSkeletons",
        fields: &[
            f("joint_positions", Primary, &[Sym('J'), X(3)]),
            idx("joint_connections", &[Sym('K'), X(2)]),
        ],
        options: &[length("radius", 0.01)],
        add_params: &["joint_positions"],
        update_params: &["joint_positions", "frames"],
        positional: &[],
        default_color: [1.0, 177.0 / 255.0, 1.0 / 255.0, 1.0],
    },
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

const SMPL_HANDS: &[&str] = SMPL_HANDS_AND_FACE.split_at(2).0;
const SMPL_HANDS_AND_FACE: &[&str] = &[
    "poses_left_hand",
    "poses_right_hand",
    "poses_jaw",
    "poses_leye",
    "poses_reye",
    "expression",
];

impl SmplModelType {
    /// Every model type.
    pub const ALL: [SmplModelType; 3] = [Self::Smpl, Self::SmplH, Self::SmplX];

    /// Parses aitviewer's `model_type` string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
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

    /// The optional SMPL arguments this model has (hands for SMPL-H; hands, jaw, eyes and
    /// expression for SMPL-X); the others are rejected.
    pub fn parts(self) -> &'static [&'static str] {
        match self {
            Self::Smpl => &[],
            Self::SmplH => SMPL_HANDS,
            Self::SmplX => SMPL_HANDS_AND_FACE,
        }
    }

    /// Every optional part of any model type.
    pub fn all_parts() -> &'static [&'static str] {
        SMPL_HANDS_AND_FACE
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn find_option(list: &'static [OptionSpec], name: &str) -> Option<&'static OptionSpec> {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i].name, name) {
            return Some(&list[i]);
        }
        i += 1;
    }
    None
}

/// `const fn`s that return an option's default of one type, panicking (at compile time in a
/// constant) when the kind has no such option with a default of that type.
macro_rules! typed_defaults {
    ($($(#[$doc:meta])* $f:ident -> $t:ty: $variant:ident, $missing:literal;)*) => {$(
        $(#[$doc])*
        ///
        /// # Panics
        /// When the kind has no option `name` with such a default.
        pub const fn $f(self, name: &str) -> $t {
            match self.default_of(name) {
                OptionDefault::$variant(x) => x,
                _ => panic!($missing),
            }
        }
    )*};
}

impl NodeKind {
    /// Every kind, in message-type order.
    pub const ALL: [NodeKind; 8] = [
        Self::Node,
        Self::Meshes,
        Self::Spheres,
        Self::Lines,
        Self::Arrows,
        Self::RigidBodies,
        Self::Smpl,
        Self::Skeletons,
    ];

    /// The kind's row of the kinds table.
    pub const fn spec(self) -> &'static KindSpec {
        match self {
            Self::Node => &KINDS[0],
            Self::Meshes => &KINDS[1],
            Self::Spheres => &KINDS[2],
            Self::Lines => &KINDS[3],
            Self::Arrows => &KINDS[4],
            Self::RigidBodies => &KINDS[5],
            Self::Smpl => &KINDS[6],
            Self::Skeletons => &KINDS[7],
        }
    }

    /// The kind created by a message type, if it is a creation message.
    pub fn from_message_type(t: MessageType) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.message_type() == t)
    }

    /// The message type that creates this kind.
    pub fn message_type(self) -> MessageType {
        self.spec().message_type
    }

    /// aitviewer's message name (`MESHES`).
    pub fn name(self) -> &'static str {
        self.message_type().name()
    }

    /// aitviewer's class name, the default node name (`Meshes`).
    pub fn class_name(self) -> &'static str {
        self.spec().class_name
    }

    /// The kind's own array arguments (without the common `position`, `rotation`, `scale`).
    pub fn own_fields(self) -> &'static [FieldSpec] {
        self.spec().fields
    }

    /// Looks an array argument up by name (the kind's own, then the common ones).
    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().find(|f| f.name == name)
    }

    /// Every array argument, the kind's own first.
    pub fn fields(self) -> impl Iterator<Item = &'static FieldSpec> {
        self.own_fields().iter().chain(COMMON_FIELDS)
    }

    /// Every option, the kind's own first, with kind-dependent defaults (`name`, `color`)
    /// resolved.
    pub fn options(self) -> impl Iterator<Item = OptionSpec> {
        self.spec()
            .options
            .iter()
            .chain(COMMON_OPTIONS)
            .map(move |o| self.resolve(*o))
    }

    /// Looks an option up by name (the kind's own, then the common ones), its default resolved.
    pub fn option_spec(self, name: &str) -> Option<OptionSpec> {
        self.find(name).map(|o| self.resolve(*o))
    }

    /// The type of a non-array option, if the kind accepts it.
    pub fn option(self, name: &str) -> Option<OptionType> {
        self.find(name).map(|o| o.ty)
    }

    const fn find(self, name: &str) -> Option<&'static OptionSpec> {
        match find_option(self.spec().options, name) {
            Some(o) => Some(o),
            None => find_option(COMMON_OPTIONS, name),
        }
    }

    fn resolve(self, mut o: OptionSpec) -> OptionSpec {
        o.default = match o.default {
            OptionDefault::ClassName => OptionDefault::Str(self.class_name()),
            OptionDefault::KindColor => OptionDefault::Rgba(self.spec().default_color),
            d => d,
        };
        o
    }

    const fn default_of(self, name: &str) -> OptionDefault {
        match self.find(name) {
            Some(o) => o.default,
            None => panic!("no such option in the kinds table"),
        }
    }

    typed_defaults! {
        /// The default of the number option `name`; usable in constants, where a name without a
        /// number default fails the build.
        default_number -> f64: Number, "the option has no number default";
        /// The default of the integer option `name` (see [`NodeKind::default_number`]).
        default_int -> i64: Int, "the option has no integer default";
        /// The default of the bool option `name` (see [`NodeKind::default_number`]).
        default_bool -> bool: Bool, "the option has no bool default";
        /// The default of the string option `name` (see [`NodeKind::default_number`]).
        default_str -> &'static str: Str, "the option has no string default";
    }

    /// The colour a node of this kind has when the client sends none (aitviewer's defaults).
    pub const fn default_color(self) -> [f32; 4] {
        self.spec().default_color
    }

    /// Positional parameter order of `add_frames` (aitviewer's signatures).
    pub fn add_params(self) -> &'static [&'static str] {
        self.spec().add_params
    }

    /// Positional parameter order of `update_frames` (aitviewer's signatures).
    pub fn update_params(self) -> &'static [&'static str] {
        self.spec().update_params
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
            COMMON_FIELDS
                .iter()
                .filter_map(|f| frames_of(f.name))
                .max()
                .unwrap_or(1)
        })
    }

    /// The arguments a frame operation may carry: primary and companion data (and SMPL betas).
    pub fn frame_op_fields(self) -> impl Iterator<Item = &'static FieldSpec> {
        self.own_fields().iter().filter(|f| f.frame_op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_message_type() {
        for (i, k) in NodeKind::ALL.into_iter().enumerate() {
            assert_eq!(k.spec().kind, k);
            assert_eq!(KINDS[i].kind, k);
            assert_eq!(NodeKind::from_message_type(k.message_type()), Some(k));
            // Every positional add parameter is a frame-op field.
            for p in k.add_params() {
                assert!(k.frame_op_fields().any(|f| f.name == *p), "{k:?} {p}");
            }
            // Every update parameter is a frame-op field or the frame selection.
            for p in k.update_params() {
                assert!(*p == "frames" || k.frame_op_fields().any(|f| f.name == *p), "{k:?} {p}");
            }
            // No name is both an array argument and an option, and none repeats.
            let mut names: Vec<&str> = k.fields().map(|f| f.name).chain(k.options().map(|o| o.name)).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "{k:?} repeats a name");
            // Defaults match the option's type and allowed values.
            for o in k.options() {
                let ok = match (o.default, o.ty) {
                    (OptionDefault::Unset, _) => true,
                    (OptionDefault::Bool(_), OptionType::Bool) => true,
                    (OptionDefault::Int(x), OptionType::Int) => in_range(o.allowed, x as f64),
                    (OptionDefault::Number(x), OptionType::Number | OptionType::NumberOrNil) => in_range(o.allowed, x),
                    (OptionDefault::Str(s), OptionType::Str) => match o.allowed {
                        Allowed::OneOf(v) => v.contains(&s),
                        _ => true,
                    },
                    (OptionDefault::Rgba(_), OptionType::Any) => true,
                    _ => false,
                };
                assert!(ok, "{k:?} {}: default {:?} for {:?}", o.name, o.default, o.ty);
            }
        }
    }

    fn in_range(allowed: Allowed, x: f64) -> bool {
        match allowed {
            Allowed::Range { min, max } => x >= min && max.is_none_or(|m| x <= m),
            _ => true,
        }
    }

    #[test]
    fn smpl_model_types_agree_with_the_table() {
        let Some(Allowed::OneOf(names)) = NodeKind::Smpl.option_spec("model_type").map(|o| o.allowed) else {
            panic!("model_type is not a choice");
        };
        let ours: Vec<&str> = SmplModelType::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(names, ours.as_slice());
        for part in SmplModelType::all_parts() {
            assert!(NodeKind::Smpl.field(part).is_some(), "{part}");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(
            NodeKind::Meshes.field("faces").map(|f| f.dtype),
            Some(FieldDtype::Index)
        );
        assert!(NodeKind::Spheres.field("position").is_some());
        assert!(NodeKind::Spheres.field("vertices").is_none());
        assert_eq!(NodeKind::Spheres.option("radius"), Some(OptionType::Number));
        assert_eq!(NodeKind::Meshes.option("radius"), None);
        assert_eq!(
            SmplModelType::parse("smplh").map(SmplModelType::body_pose_len),
            Some(63)
        );
    }

    #[test]
    fn defaults_resolve_per_kind() {
        const RADIUS: f64 = NodeKind::Spheres.default_number("radius");
        assert_eq!(RADIUS, 0.01);
        assert_eq!(NodeKind::Spheres.default_int("rings"), 16);
        assert_eq!(NodeKind::Lines.default_str("mode"), "line_strip");
        assert!(NodeKind::Meshes.default_bool("cast_shadow"));
        assert!(!NodeKind::Spheres.default_bool("cast_shadow"));
        let color = NodeKind::Arrows.option_spec("color").map(|o| o.default());
        assert_eq!(color, Some(OptionDefault::Rgba([0.0, 0.0, 0.5, 1.0])));
        let name = NodeKind::Smpl.option_spec("name").map(|o| o.default());
        assert_eq!(name, Some(OptionDefault::Str("SMPL")));
        assert!(NodeKind::ALL
            .iter()
            .flat_map(|k| k.options())
            .all(|o| !matches!(o.default, OptionDefault::ClassName | OptionDefault::KindColor)));
    }

    #[test]
    #[should_panic(expected = "no such option")]
    fn a_missing_default_panics() {
        let _ = NodeKind::Meshes.default_number("radius");
    }
}
