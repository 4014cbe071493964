//! The nodes the renderer draws for an SMPL body: a Meshes node with the evaluated vertices and
//! the model's faces, (when rigged) a Skeletons node with the body joints and bones, and (with
//! `show_joint_angles`) a RigidBodies node with each joint's global orientation frame. They
//! carry the SMPL node's key, creation number, options (`z_up`, name, ...), colour, visibility
//! and transforms, so every mesh rule (model matrix, z_up, colours, picking) applies unchanged.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, NodeKind};
use meshcast_scene::{field, opt, FrameSeries, Node};

use super::loaded::LoadedModel;

/// The node's transform series (shared with the drawn nodes).
const TRANSFORMS: [&str; 3] = [field::POSITION, field::ROTATION, field::SCALE];

/// A series of f32 frames of shape `frame` (`[rows, 3]` points, `[rows, 3, 3]` rotations).
fn series_of(frames: &[Bytes], frame: &[usize]) -> FrameSeries {
    let empty = NdArray::new(DType::F32, [&[0], frame].concat(), Bytes::new());
    let mut s = match empty {
        Ok(a) => FrameSeries::from_batch(&a),
        Err(_) => FrameSeries::zeros(DType::F32, frame, 0),
    };
    for f in frames {
        if let Some(a) = frame_array(f, frame) {
            s.extend(&a);
        }
    }
    s
}

/// Brings a series of `frame`-shaped frames from `old` frames to `new` ones, touching only
/// changed frames when none were removed (so an append costs the appended frames only).
fn update_series(previous: Option<FrameSeries>, old: &[Bytes], new: &[Bytes], frame: &[usize]) -> FrameSeries {
    let same = |a: &Bytes, b: &Bytes| a.as_ptr() == b.as_ptr() && a.len() == b.len();
    match previous {
        Some(mut s) if s.len() == old.len() && new.len() >= old.len() => {
            for (i, f) in new.iter().enumerate().take(old.len()) {
                if !same(f, &old[i]) {
                    if let Some(a) = frame_array(f, frame) {
                        s.overwrite(&[i], &a);
                    }
                }
            }
            for f in &new[old.len()..] {
                if let Some(a) = frame_array(f, frame) {
                    s.extend(&a);
                }
            }
            s
        }
        _ => series_of(new, frame),
    }
}

/// A node of `kind` with the SMPL node's identity, options, statics and transforms.
fn like(node: &Node, kind: NodeKind, version: u64) -> Node {
    node.derive(kind, version, &TRANSFORMS)
}

/// The Meshes node of a body: evaluated vertices, the model's faces, the SMPL colour (default
/// aitviewer's (160, 160, 160)/255).
pub(crate) fn mesh_node(
    node: &Node,
    lm: &LoadedModel,
    previous: Option<Node>,
    old_vertices: &[Bytes],
    vertices: &[Bytes],
    version: u64,
) -> Node {
    let rows = lm.model.num_vertices();
    let prev_series = previous.and_then(|p| p.into_series(field::VERTICES));
    let mesh = like(node, NodeKind::Meshes, version)
        .with_series(
            field::VERTICES,
            update_series(prev_series, old_vertices, vertices, &[rows, 3]),
        )
        .with_static(field::FACES, lm.faces.clone());
    if mesh.color_array().is_some() {
        mesh
    } else {
        mesh.with_static(opt::COLOR, lm.default_color.clone())
    }
}

/// The Skeletons node of a body: the first `J_body + 1` joints (`old` → `frames`, prefixes of
/// the joint frames) as spheres of `radius`, bones along the kinematic tree (aitviewer's orange
/// skeleton colour).
pub(crate) fn skeleton_node(
    node: &Node,
    lm: &LoadedModel,
    previous: Option<Node>,
    old: &[Bytes],
    frames: &[Bytes],
    radius: f32,
    version: u64,
) -> Node {
    let prev_series = previous.and_then(|p| p.into_series(field::JOINT_POSITIONS));
    like(node, NodeKind::Skeletons, version)
        .without_static(opt::COLOR)
        .with_series(
            field::JOINT_POSITIONS,
            update_series(prev_series, old, frames, &[lm.skeleton_joints, 3]),
        )
        .with_static(field::JOINT_CONNECTIONS, lm.bones.clone())
        .with_option("radius", meshcast_protocol::Value::Float(f64::from(radius)))
}

/// The RigidBodies node of a body's joint angles (aitviewer's "Joint Angles"): at each of the
/// first `J_body + 1` joints, its global orientation frame; `old` → `frames` are (positions,
/// rotations) frame lists, `size` is `[rb_radius, rb_length]`.
pub(crate) fn joint_angles_node(
    node: &Node,
    lm: &LoadedModel,
    previous: Option<Node>,
    old: [&[Bytes]; 2],
    frames: [&[Bytes]; 2],
    size: [f32; 2],
    version: u64,
) -> Node {
    let rows = lm.skeleton_joints;
    let (prev_pos, prev_ori) = match previous {
        Some(p) => {
            let ori = p.clone().into_series(field::RB_ORI);
            (p.into_series(field::RB_POS), ori)
        }
        None => (None, None),
    };
    like(node, NodeKind::RigidBodies, version)
        .without_static(opt::COLOR)
        .with_series(field::RB_POS, update_series(prev_pos, old[0], frames[0], &[rows, 3]))
        .with_series(field::RB_ORI, update_series(prev_ori, old[1], frames[1], &[rows, 3, 3]))
        .with_option("radius", meshcast_protocol::Value::Float(f64::from(size[0])))
        .with_option("length", meshcast_protocol::Value::Float(f64::from(size[1])))
}

/// One `f32` frame of shape `frame` as a one-frame array.
pub(crate) fn frame_array(bytes: &Bytes, frame: &[usize]) -> Option<NdArray> {
    NdArray::new(DType::F32, [&[1], frame].concat(), bytes.clone()).ok()
}
