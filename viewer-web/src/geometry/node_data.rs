//! Reading a node's arrays and options the way aitviewer does: per-frame lookups with the
//! broadcast/clamp rule, the model matrix `T·R·S`, colours and defaults per kind.
//!
//! Everything here works on the CPU copy of the scene and is shared by the GPU upload, the
//! bounds and picking, so the three always agree.

use bytes::Bytes;
use glam::{Mat3, Mat4, Vec3};
use meshcast_protocol::{NodeKind, Value};
use meshcast_scene::{field, opt, Node};

use crate::core::{defaults, Aabb};

/// aitviewer's `z_up` rotation, pre-multiplied into the node's rotation: (x, y, z) → (x, z, −y).
const Z_UP: Mat3 = Mat3::from_cols(Vec3::X, Vec3::new(0.0, 0.0, -1.0), Vec3::Y);

/// The raw bytes of frame `i` of a per-frame array, with aitviewer's rule: a 1-frame array
/// serves every frame, a longer one is clamped to its last frame.
pub(crate) fn frame_bytes<'a>(node: &'a Node, name: &str, i: usize) -> Option<&'a Bytes> {
    node.series(name).and_then(|s| s.frame_clamped(i))
}

/// Frame `i` (clamped) of a per-frame array as `f32`s.
pub(crate) fn frame_f32(node: &Node, name: &str, i: usize) -> Option<Vec<f32>> {
    let s = node.series(name)?;
    let i = i.min(s.len().checked_sub(1)?);
    s.frame_array(i).map(|a| a.to_f32_vec())
}

/// Frame `i` (clamped) of a `(K,3)` per-frame array as points.
pub(crate) fn frame_points(node: &Node, name: &str, i: usize) -> Option<Vec<Vec3>> {
    frame_f32(node, name, i).map(|v| v.chunks_exact(3).map(Vec3::from_slice).collect())
}

/// Bounds of frame `i` (clamped) of a `(K,3)` per-frame array: `Aabb::from_points` of
/// [`frame_points`], reading `f32` data in place (the bounds of every frame of a long sequence
/// are measured when it arrives, before its frames are packed).
pub(crate) fn frame_points_bounds(node: &Node, name: &str, i: usize) -> Aabb {
    let Some(s) = node.series(name) else {
        return Aabb::EMPTY;
    };
    match (s.dtype(), s.frame_clamped(i)) {
        (meshcast_protocol::DType::F32, Some(b)) => Aabb::from_xyz_f32_le(b),
        _ => Aabb::from_points(frame_points(node, name, i).unwrap_or_default()),
    }
}

/// Number of frames of a per-frame array (0 when absent).
pub(crate) fn series_len(node: &Node, name: &str) -> usize {
    node.series(name).map_or(0, |s| s.len())
}

/// A numeric option, or `default` when absent or nil.
pub(crate) fn opt_f32(node: &Node, name: &str, default: f32) -> f32 {
    node.option(name).and_then(Value::as_f64).map_or(default, |v| v as f32)
}

/// A bool option, or `default`.
pub(crate) fn opt_bool(node: &Node, name: &str, default: bool) -> bool {
    node.option(name).and_then(Value::as_bool).unwrap_or(default)
}

/// A string option.
pub(crate) fn opt_str<'a>(node: &'a Node, name: &str) -> Option<&'a str> {
    node.option(name).and_then(Value::as_str)
}

/// A numeric option, or its default for the node's kind ([`defaults::number`]; 0 for options
/// without one).
pub(crate) fn opt_num(node: &Node, name: &str) -> f32 {
    opt_f32(node, name, defaults::number(node.kind(), name).unwrap_or(0.0))
}

/// A node's `color`: one RGBA for all, or one per element (spheres, lines).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Colors {
    /// The same colour for every element.
    Uniform([f32; 4]),
    /// One colour per element.
    PerElement(Vec<[f32; 4]>),
}

impl Colors {
    /// Element `i`'s colour (the last one when there are fewer; the kind's default when none).
    pub(crate) fn get(&self, i: usize) -> [f32; 4] {
        match self {
            Colors::Uniform(c) => *c,
            Colors::PerElement(v) => v.get(i).or(v.last()).copied().unwrap_or([0.5, 0.5, 0.5, 1.0]),
        }
    }
}

fn rgba_rows(flat: &[f32]) -> Vec<[f32; 4]> {
    flat.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
}

/// The node's `color` (validated by the protocol as `(4,)` or `(n,4)`), or the kind's default.
pub(crate) fn colors(node: &Node) -> Colors {
    match node.static_array(opt::COLOR) {
        Some(a) if a.ndim() == 1 && a.len() == 4 => {
            let v = a.to_f32_vec();
            Colors::Uniform([v[0], v[1], v[2], v[3]])
        }
        Some(a) if a.ndim() == 2 => Colors::PerElement(rgba_rows(&a.to_f32_vec())),
        _ => Colors::Uniform(defaults::color(node.kind())),
    }
}

/// A static `(n,4)` or per-frame colour array's frame `i` (clamped) as RGBA rows.
pub(crate) fn frame_colors(node: &Node, name: &str, i: usize) -> Option<Vec<[f32; 4]>> {
    frame_f32(node, name, i).map(|v| rgba_rows(&v))
}

/// Reads a row-major 4×4 matrix (numpy layout) into glam's column-major one.
pub(crate) fn mat4_from_row_major(v: &[f32]) -> Mat4 {
    let mut a = [0.0f32; 16];
    a.copy_from_slice(&v[..16]);
    Mat4::from_cols_array(&a).transpose()
}

/// The node's local model matrix at data frame `i`: `T(position)·R(rotation)·S(scale)`, each
/// looked up with the broadcast/clamp rule (aitviewer's `Node.model_matrix`). Meshes with
/// `z_up` get aitviewer's Z-up-to-Y-up rotation pre-multiplied into the rotation.
pub(crate) fn model_matrix(node: &Node, i: usize) -> Mat4 {
    let t = frame_f32(node, field::POSITION, i)
        .filter(|v| v.len() >= 3)
        .map_or(Vec3::ZERO, |v| Vec3::new(v[0], v[1], v[2]));
    let mut r = frame_f32(node, field::ROTATION, i)
        .filter(|v| v.len() >= 9)
        .map_or(Mat3::IDENTITY, |v| {
            let mut a = [0.0f32; 9];
            a.copy_from_slice(&v[..9]);
            Mat3::from_cols_array(&a).transpose()
        });
    let s = frame_f32(node, field::SCALE, i)
        .and_then(|v| v.first().copied())
        .unwrap_or(1.0);
    if node.kind() == NodeKind::Meshes && opt_bool(node, "z_up", false) {
        r = Z_UP * r;
    }
    Mat4::from_translation(t) * Mat4::from_mat3(r) * Mat4::from_scale(Vec3::splat(s))
}

/// How many distinct model matrices the node has (the longest of position, rotation, scale).
pub(crate) fn transform_len(node: &Node) -> usize {
    [field::POSITION, field::ROTATION, field::SCALE]
        .iter()
        .map(|n| series_len(node, n))
        .max()
        .unwrap_or(0)
        .max(1)
}

/// Mesh instance transforms at data frame `i` (clamped); `None` when the mesh has none.
pub(crate) fn instance_transforms(node: &Node, i: usize) -> Option<Vec<Mat4>> {
    frame_f32(node, field::INSTANCE_TRANSFORMS, i).map(|v| v.chunks_exact(16).map(mat4_from_row_major).collect())
}

/// Whether clicks may select this node (`is_selectable`, and `pickable` for meshes).
pub(crate) fn is_pickable(node: &Node) -> bool {
    opt_bool(node, "is_selectable", true) && opt_bool(node, "pickable", true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::{Command, Envelope, NdArray};
    use meshcast_scene::Scene;

    fn node_with(kw: &[(&str, Value)]) -> Node {
        node_of(1, kw)
    }

    /// A node of message type `msg_type` (1: NODE, 2: MESHES) with `kw`.
    fn node_of(msg_type: i64, kw: &[(&str, Value)]) -> Node {
        let mut env = Envelope::new(msg_type, Some(1));
        for (k, v) in kw {
            env = env.with_kwarg(k, v.clone());
        }
        let mut scene = Scene::new();
        scene.apply(1, Command::from_envelope(env).unwrap()).unwrap();
        scene.nodes()[0].clone()
    }

    #[test]
    fn point_bounds_read_in_place_match_the_points() {
        let v = [1.0f32, -2.0, 3.0, -4.0, 5.0, 0.5, 0.0, 0.0, -7.0, 2.0, 2.0, 2.0];
        let f32s = NdArray::from_f32(&[2, 2, 3], &v).unwrap();
        let f64s = NdArray::from_f64(&[2, 2, 3], &v.map(f64::from)).unwrap();
        for arr in [f32s, f64s] {
            let faces = NdArray::from_i32(&[1, 3], &[0, 1, 0]).unwrap();
            let n = node_of(2, &[(field::VERTICES, arr.into()), (field::FACES, faces.into())]);
            for i in 0..3 {
                let b = frame_points_bounds(&n, field::VERTICES, i);
                assert_eq!(
                    b,
                    Aabb::from_points(frame_points(&n, field::VERTICES, i).unwrap()),
                    "frame {i}"
                );
            }
            assert_eq!(
                frame_points_bounds(&n, field::VERTICES, 0).min,
                Vec3::new(-4.0, -2.0, 0.5)
            );
        }
        assert_eq!(frame_points_bounds(&node_with(&[]), field::VERTICES, 0), Aabb::EMPTY);
    }

    #[test]
    fn model_is_translate_rotate_scale() {
        // Rotation of 90° about Z in numpy's row-major layout: x -> y.
        let rot = NdArray::from_f32(&[3, 3], &[0., -1., 0., 1., 0., 0., 0., 0., 1.]).unwrap();
        let n = node_with(&[
            (field::POSITION, NdArray::from_f32(&[3], &[1., 2., 3.]).unwrap().into()),
            (field::ROTATION, rot.into()),
            (field::SCALE, Value::Float(2.0)),
        ]);
        let m = model_matrix(&n, 0);
        let p = m.transform_point3(Vec3::X);
        assert!((p - Vec3::new(1.0, 4.0, 3.0)).length() < 1e-5, "{p}");
    }

    #[test]
    fn per_frame_positions_clamp() {
        let pos = NdArray::from_f32(&[2, 3], &[0., 0., 0., 5., 0., 0.]).unwrap();
        let n = node_with(&[(field::POSITION, pos.into())]);
        assert_eq!(transform_len(&n), 2);
        assert_eq!(model_matrix(&n, 1).w_axis.x, 5.0);
        assert_eq!(model_matrix(&n, 9).w_axis.x, 5.0);
        assert_eq!(model_matrix(&n, 0).w_axis.x, 0.0);
    }

    #[test]
    fn colours_default_per_kind() {
        let n = node_with(&[]);
        assert_eq!(colors(&n), Colors::Uniform([0.5, 0.5, 0.5, 1.0]));
        assert_eq!(defaults::color(NodeKind::Arrows), [0.0, 0.0, 0.5, 1.0]);
        let per = Colors::PerElement(vec![[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]]);
        assert_eq!(per.get(1), [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(per.get(7), [0.0, 1.0, 0.0, 1.0]);
    }
}
