//! The nodes the renderer draws for an SMPL body: a Meshes node with the evaluated vertices and
//! the model's faces, and (when rigged) a Skeletons node with the body joints and bones. They
//! carry the SMPL node's key, creation number, options (`z_up`, name, ...), colour, visibility
//! and transforms, so every mesh rule (model matrix, z_up, colours, picking) applies unchanged.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, NodeKind};
use meshcast_scene::{field, opt, FrameSeries, Node};

use super::loaded::LoadedModel;

/// The node's transform series (shared with the drawn nodes).
const TRANSFORMS: [&str; 3] = [field::POSITION, field::ROTATION, field::SCALE];

/// A series of `(rows, 3)` f32 frames.
fn series_of(frames: &[Bytes], rows: usize) -> FrameSeries {
    let empty = NdArray::new(DType::F32, vec![0, rows, 3], Bytes::new());
    let mut s = match empty {
        Ok(a) => FrameSeries::from_batch(&a),
        Err(_) => FrameSeries::zeros(DType::F32, &[rows, 3], 0),
    };
    for f in frames {
        if let Some(a) = frame_array(f, rows) {
            s.extend(&a);
        }
    }
    s
}

/// Brings a vertex series from `old` frames to `new` ones, touching only changed frames when
/// none were removed (so an append costs the appended frames only).
fn update_series(previous: Option<FrameSeries>, old: &[Bytes], new: &[Bytes], rows: usize) -> FrameSeries {
    let same = |a: &Bytes, b: &Bytes| a.as_ptr() == b.as_ptr() && a.len() == b.len();
    match previous {
        Some(mut s) if s.len() == old.len() && new.len() >= old.len() => {
            for (i, f) in new.iter().enumerate().take(old.len()) {
                if !same(f, &old[i]) {
                    if let Some(a) = frame_array(f, rows) {
                        s.overwrite(&[i], &a);
                    }
                }
            }
            for f in &new[old.len()..] {
                if let Some(a) = frame_array(f, rows) {
                    s.extend(&a);
                }
            }
            s
        }
        _ => series_of(new, rows),
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
            update_series(prev_series, old_vertices, vertices, rows),
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
            update_series(prev_series, old, frames, lm.skeleton_joints),
        )
        .with_static(field::JOINT_CONNECTIONS, lm.bones.clone())
        .with_option("radius", meshcast_protocol::Value::Float(f64::from(radius)))
}

/// Frame `i` of a list of per-frame `f32` buffers as an `(rows, 3)` array.
pub(crate) fn frame_array(frame: &Bytes, rows: usize) -> Option<NdArray> {
    NdArray::new(DType::F32, vec![1, rows, 3], frame.clone()).ok()
}
