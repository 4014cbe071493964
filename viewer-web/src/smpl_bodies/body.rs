//! One SMPL node's evaluated body: which input frames each output frame was computed from, the
//! per-frame vertices and joints, and the incremental re-evaluation that touches only frames
//! whose inputs changed (an `add_frames` evaluates the new frames only).

use std::collections::HashMap;

use bytes::Bytes;
use meshcast_scene::{field, Node};
use meshcast_smpl::{rotation, Evaluator, FrameParams, SmplError};

use super::derived;
use super::loaded::LoadedModel;
use crate::geometry::node_data::{frame_f32, opt_bool, opt_num, series_len};

/// Frames evaluated per `Evaluator::evaluate_many` call (bounds the scratch memory).
const CHUNK: usize = 64;

/// The per-frame arrays an output frame depends on: every argument of an SMPL body, from the
/// kinds table.
const INPUTS: &[meshcast_protocol::FieldSpec] = meshcast_protocol::NodeKind::Smpl.spec().fields;

/// The input frames (held, so compared by identity) an output frame was computed from.
type InputKey = Vec<Option<Bytes>>;

/// The identity of an input key: pointer and length of each input frame.
fn identity(key: &InputKey) -> Vec<(usize, usize)> {
    key.iter()
        .map(|b| b.as_ref().map_or((0, 0), |b| (b.as_ptr() as usize, b.len())))
        .collect()
}

/// True when two optional frames are the same allocation and length.
fn same(a: Option<&Bytes>, b: Option<&Bytes>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// The node options that change every frame's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EvalSettings {
    /// `num_betas` (default 10; capped by the model as smplx does).
    pub num_betas: usize,
    /// `include_root` (default true).
    pub include_root: bool,
    /// `normalize_root` (default false).
    pub normalize_root: bool,
}

impl EvalSettings {
    /// The settings of an SMPL node.
    pub(crate) fn of(node: &Node) -> EvalSettings {
        let num_betas = node
            .option("num_betas")
            .and_then(meshcast_protocol::Value::as_i64)
            .map_or(10, |n| usize::try_from(n).unwrap_or(10));
        EvalSettings {
            num_betas,
            include_root: opt_bool(node, "include_root", true),
            normalize_root: opt_bool(node, "normalize_root", false),
        }
    }
}

/// What one [`Body::evaluate`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Evaluated {
    /// Frames evaluated (the others were reused).
    pub frames: usize,
}

/// An SMPL node's evaluated frames and the nodes the renderer draws for it.
#[derive(Default)]
pub(crate) struct Body {
    settings: Option<EvalSettings>,
    inputs: Vec<InputKey>,
    /// `(V, 3)` f32 vertices per frame (local space: before the node's model matrix).
    pub vertices: Vec<Bytes>,
    /// Per frame, every kinematic joint's position (`J·3` f32) followed by its global rotation
    /// (`J·9` f32, row-major 3×3).
    pub joints: Vec<Bytes>,
    /// The Meshes node drawn for the body (same key and creation number as the SMPL node).
    pub mesh: Option<Node>,
    /// The Skeletons node drawn when `is_rigged`.
    pub skeleton: Option<Node>,
    /// The RigidBodies node of per-joint orientation frames drawn when `show_joint_angles`
    /// (aitviewer's "Joint Angles").
    pub joint_angles: Option<Node>,
    /// Bumped whenever `mesh` or `skeleton` changes.
    pub version: u64,
}

impl Body {
    /// Forgets every evaluated frame (the model changed).
    pub(crate) fn invalidate(&mut self) {
        self.inputs.clear();
        self.settings = None;
    }

    /// Brings the evaluated frames up to date with `node`, evaluating only frames whose inputs
    /// (or the settings) changed, and rebuilds the drawn nodes.
    pub(crate) fn evaluate(&mut self, node: &Node, lm: &LoadedModel) -> Result<Evaluated, SmplError> {
        let model = &lm.model;
        let body_len = model.body_pose_len();
        let width = node
            .series(field::POSES_BODY)
            .and_then(|s| s.frame_shape().first().copied())
            .unwrap_or(0);
        if width != body_len {
            return Err(SmplError::BadParameter {
                name: field::POSES_BODY,
                found: width,
                expected: format!("{body_len} per frame for this model file"),
            });
        }
        let n = series_len(node, field::POSES_BODY);
        let settings = EvalSettings::of(node);
        let same_settings = self.settings == Some(settings);
        let (keys, dirty, mut vertices, mut joints) = if same_settings && n >= self.inputs.len() {
            self.reuse_in_place(node, n, settings.normalize_root)
        } else {
            self.reuse_moved(node, n, settings.normalize_root, same_settings)
        };
        evaluate_frames(node, lm, &settings, &dirty, &mut vertices, &mut joints)?;

        // The skeleton's and the joint angles' frames are slices of the joint frames (same
        // allocation: identity follows the joints): the first `skeleton_joints` positions, and
        // their rotations after all `J` positions.
        let rows = lm.skeleton_joints * 12;
        let rotations = lm.model.num_joints() * 12..lm.model.num_joints() * 12 + lm.skeleton_joints * 36;
        let slices = |js: &[Bytes], range: std::ops::Range<usize>| -> Vec<Bytes> {
            js.iter()
                .map(|j| j.slice(range.start.min(j.len())..range.end.min(j.len())))
                .collect()
        };
        let old_skeleton = slices(&self.joints, 0..rows);
        let new_skeleton = slices(&joints, 0..rows);
        let old_rotations = slices(&self.joints, rotations.clone());
        let new_rotations = slices(&joints, rotations);
        let old_vertices = std::mem::replace(&mut self.vertices, vertices);
        self.joints = joints;
        self.inputs = keys;
        self.settings = Some(settings);
        self.version += 1;
        self.mesh = Some(derived::mesh_node(
            node,
            lm,
            self.mesh.take(),
            &old_vertices,
            &self.vertices,
            self.version,
        ));
        let previous = self.skeleton.take();
        self.skeleton = opt_bool(node, "is_rigged", true).then(|| {
            let radius = opt_num(node, "skeleton_radius");
            derived::skeleton_node(node, lm, previous, &old_skeleton, &new_skeleton, radius, self.version)
        });
        let previous = self.joint_angles.take();
        self.joint_angles = opt_bool(node, "show_joint_angles", false).then(|| {
            derived::joint_angles_node(
                node,
                lm,
                previous,
                [&old_skeleton, &old_rotations],
                [&new_skeleton, &new_rotations],
                [opt_num(node, "rb_radius"), opt_num(node, "rb_length")],
                self.version,
            )
        });
        Ok(Evaluated { frames: dirty.len() })
    }

    /// Frames that stayed where they were (nothing removed): an input frame unchanged at the
    /// same index keeps its output. Costs a pointer comparison per input frame, no allocation.
    fn reuse_in_place(
        &self,
        node: &Node,
        n: usize,
        normalize_root: bool,
    ) -> (Vec<InputKey>, Vec<usize>, Vec<Bytes>, Vec<Bytes>) {
        let series: Vec<Option<&meshcast_scene::FrameSeries>> = INPUTS.iter().map(|f| node.series(f.name)).collect();
        let frame_of = |k: usize, i: usize| -> Option<&Bytes> { series[k].and_then(|s| s.frame_clamped(i)) };
        let roots0 = (frame_of(1, 0), frame_of(2, 0));
        let mut keys = Vec::with_capacity(n);
        let mut dirty = Vec::new();
        let mut vertices = Vec::with_capacity(n);
        let mut joints = Vec::with_capacity(n);
        for i in 0..n {
            let old = self.inputs.get(i);
            let unchanged = old.is_some_and(|key| {
                (0..INPUTS.len()).all(|k| same(frame_of(k, i), key[k].as_ref()))
                    && (!normalize_root
                        || (same(roots0.0, key.get(INPUTS.len()).and_then(Option::as_ref))
                            && same(roots0.1, key.get(INPUTS.len() + 1).and_then(Option::as_ref))))
            });
            match (unchanged, old, self.vertices.get(i), self.joints.get(i)) {
                (true, Some(key), Some(v), Some(j)) => {
                    keys.push(key.clone());
                    vertices.push(v.clone());
                    joints.push(j.clone());
                }
                _ => {
                    keys.push(input_key(node, i, normalize_root));
                    dirty.push(i);
                    vertices.push(Bytes::new());
                    joints.push(Bytes::new());
                }
            }
        }
        (keys, dirty, vertices, joints)
    }

    /// Frames that may have moved (frames removed, or new settings): outputs are reused by the
    /// identity of their inputs wherever they are now.
    fn reuse_moved(
        &self,
        node: &Node,
        n: usize,
        normalize_root: bool,
        same_settings: bool,
    ) -> (Vec<InputKey>, Vec<usize>, Vec<Bytes>, Vec<Bytes>) {
        let keys: Vec<InputKey> = (0..n).map(|i| input_key(node, i, normalize_root)).collect();
        let old: HashMap<Vec<(usize, usize)>, usize> = if same_settings {
            self.inputs.iter().enumerate().map(|(i, k)| (identity(k), i)).collect()
        } else {
            HashMap::new()
        };
        let mut vertices = Vec::with_capacity(n);
        let mut joints = Vec::with_capacity(n);
        let mut dirty = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            match old.get(&identity(k)) {
                Some(&o) if o < self.vertices.len() && o < self.joints.len() => {
                    vertices.push(self.vertices[o].clone());
                    joints.push(self.joints[o].clone());
                }
                _ => {
                    dirty.push(i);
                    vertices.push(Bytes::new());
                    joints.push(Bytes::new());
                }
            }
        }
        (keys, dirty, vertices, joints)
    }
}

/// The input frames of output frame `i`. With `normalize_root` every frame also depends on
/// frame 0's root orientation and translation.
fn input_key(node: &Node, i: usize, normalize_root: bool) -> InputKey {
    let frame = |name: &str, i: usize| node.series(name).and_then(|s| s.frame_clamped(i)).cloned();
    let mut key: InputKey = INPUTS.iter().map(|f| frame(f.name, i)).collect();
    if normalize_root {
        key.push(frame("poses_root", 0));
        key.push(frame("trans", 0));
    }
    key
}

fn xyz(v: Option<Vec<f32>>) -> [f32; 3] {
    match v.as_deref() {
        Some([a, b, c, ..]) => [*a, *b, *c],
        _ => [0.0; 3],
    }
}

/// Root orientation and translation of frame `i` after `include_root` and `normalize_root`
/// (aitviewer's `SMPLSequence`: `R_f' = R_0⁻¹·R_f`, `t_f' = R_0⁻¹·t_f − R_0⁻¹·t_0`).
fn root_and_trans(node: &Node, i: usize, s: &EvalSettings) -> ([f32; 3], [f32; 3]) {
    if !s.include_root {
        return ([0.0; 3], [0.0; 3]);
    }
    let root = xyz(frame_f32(node, "poses_root", i));
    let trans = xyz(frame_f32(node, "trans", i));
    if !s.normalize_root {
        return (root, trans);
    }
    let to64 = |v: [f32; 3]| v.map(f64::from);
    let r0_inv = rotation::transpose(&rotation::rodrigues(to64(xyz(frame_f32(node, "poses_root", 0)))));
    let t0 = rotation::mul_vec(&r0_inv, to64(xyz(frame_f32(node, "trans", 0))));
    let rel = rotation::mul(&r0_inv, &rotation::rodrigues(to64(root)));
    let aa = rotation::matrix_to_axis_angle(&rel).map(|x| x as f32);
    let t = rotation::mul_vec(&r0_inv, to64(trans));
    (aa, [0, 1, 2].map(|k| (t[k] - t0[k]) as f32))
}

/// One frame's parameters, owned (the evaluator borrows them).
struct OwnedFrame {
    betas: Vec<f32>,
    expression: Vec<f32>,
    body: Vec<f32>,
    left: Vec<f32>,
    right: Vec<f32>,
    root: [f32; 3],
    trans: [f32; 3],
    jaw: [f32; 3],
    leye: [f32; 3],
    reye: [f32; 3],
}

impl OwnedFrame {
    fn read(node: &Node, i: usize, s: &EvalSettings, lm: &LoadedModel) -> OwnedFrame {
        let get = |name: &str| frame_f32(node, name, i).unwrap_or_default();
        let mut betas = get("betas");
        betas.truncate(s.num_betas.min(lm.model.max_betas()));
        let mut expression = get("expression");
        expression.truncate(lm.model.max_expression().min(10));
        let (root, trans) = root_and_trans(node, i, s);
        OwnedFrame {
            betas,
            expression,
            body: get(field::POSES_BODY),
            left: get("poses_left_hand"),
            right: get("poses_right_hand"),
            root,
            trans,
            jaw: xyz(frame_f32(node, "poses_jaw", i)),
            leye: xyz(frame_f32(node, "poses_leye", i)),
            reye: xyz(frame_f32(node, "poses_reye", i)),
        }
    }

    fn params(&self) -> FrameParams<'_> {
        FrameParams {
            betas: &self.betas,
            expression: &self.expression,
            poses_root: self.root,
            poses_body: &self.body,
            poses_left_hand: &self.left,
            poses_right_hand: &self.right,
            poses_jaw: self.jaw,
            poses_leye: self.leye,
            poses_reye: self.reye,
            trans: self.trans,
        }
    }
}

/// Evaluates the frames `dirty` into `vertices[i]` / `joints[i]`, `CHUNK` frames at a time.
fn evaluate_frames(
    node: &Node,
    lm: &LoadedModel,
    s: &EvalSettings,
    dirty: &[usize],
    vertices: &mut [Bytes],
    joints: &mut [Bytes],
) -> Result<(), SmplError> {
    let (v, j, r) = (
        lm.model.num_vertices() * 3,
        lm.model.num_joints() * 3,
        lm.model.num_joints() * 9,
    );
    let mut ev = Evaluator::new(&lm.model);
    let mut out_v = Vec::new();
    let mut out_j = Vec::new();
    let mut out_r = Vec::new();
    for chunk in dirty.chunks(CHUNK) {
        let owned: Vec<OwnedFrame> = chunk.iter().map(|&i| OwnedFrame::read(node, i, s, lm)).collect();
        let params: Vec<FrameParams<'_>> = owned.iter().map(OwnedFrame::params).collect();
        out_v.resize(chunk.len() * v, 0.0f32);
        out_j.resize(chunk.len() * j, 0.0f32);
        out_r.resize(chunk.len() * r, 0.0f32);
        ev.evaluate_many_with_rotations(&params, &mut out_v, &mut out_j, &mut out_r)?;
        for (k, &i) in chunk.iter().enumerate() {
            vertices[i] = Bytes::copy_from_slice(bytemuck::cast_slice(&out_v[k * v..(k + 1) * v]));
            // Positions, then rotations: one allocation per frame, sliced by the skeleton and
            // the joint angles.
            let mut frame = Vec::with_capacity(j + r);
            frame.extend_from_slice(&out_j[k * j..(k + 1) * j]);
            frame.extend_from_slice(&out_r[k * r..(k + 1) * r]);
            joints[i] = Bytes::copy_from_slice(bytemuck::cast_slice(&frame));
        }
    }
    Ok(())
}
