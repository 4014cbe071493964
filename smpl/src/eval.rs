//! Per-frame evaluation: shape blend, joint regression, Rodrigues, pose blend, forward
//! kinematics and linear blend skinning (the spec's steps 1–8, as `smplx.lbs` computes them).
//!
//! The shape-dependent part (steps 2–3) is cached by [`Evaluator`] and recomputed only when the
//! betas or expression change. Small per-joint work (rotations, kinematic chain) runs in `f64`;
//! the per-vertex work runs in `f32` like smplx.

use meshcast_protocol::SmplModelType;

use crate::model::SmplModel;
use crate::rotation::{self, Mat3};
use crate::SmplError;

/// The parameters of one frame, with aitviewer's names. Empty slices mean "absent" (zeros).
///
/// `poses_body` holds the local axis-angle rotations of the body joints without the root
/// ([`SmplModel::body_pose_len`] values). Hands (45 values each) exist for SMPL-H and SMPL-X;
/// jaw, eyes and expression only for SMPL-X.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameParams<'a> {
    /// Shape coefficients; the first [`SmplModel::max_betas`] are used, missing ones are zero.
    pub betas: &'a [f32],
    /// SMPL-X expression coefficients; the first [`SmplModel::max_expression`] are used.
    pub expression: &'a [f32],
    /// Axis-angle global orientation of the root joint.
    pub poses_root: [f32; 3],
    /// Body joint axis-angles, without the root; empty for the rest pose.
    pub poses_body: &'a [f32],
    /// Left-hand joint axis-angles (45 values), SMPL-H and SMPL-X; empty for zeros.
    pub poses_left_hand: &'a [f32],
    /// Right-hand joint axis-angles (45 values), SMPL-H and SMPL-X; empty for zeros.
    pub poses_right_hand: &'a [f32],
    /// Jaw axis-angle (SMPL-X).
    pub poses_jaw: [f32; 3],
    /// Left-eye axis-angle (SMPL-X).
    pub poses_leye: [f32; 3],
    /// Right-eye axis-angle (SMPL-X).
    pub poses_reye: [f32; 3],
    /// Global translation added to every vertex and joint.
    pub trans: [f32; 3],
}

/// Frames evaluated together by [`Evaluator::evaluate_many`]: the pose-blend basis (17 MB for
/// SMPL) is streamed from memory once per block instead of once per frame.
const BLOCK: usize = 16;
/// Rows of the pose-blend basis processed at a time when several frames share a block: a tile
/// of one joint's 9 columns (144 KB) and of every frame's vertices stay in the L2 cache.
const TILE: usize = 4096;

/// One frame of a block, between the per-joint work and the per-vertex work.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// `v_shaped` of this frame, then the pose correctives added in place.
    v_posed: Vec<f32>,
    /// Pose features `vec(R_j − I)` of the non-root joints, `(J − 1)·9`.
    features: Vec<f32>,
    /// Which non-root joints are rotated (an unrotated joint adds no correctives).
    active: Vec<bool>,
    /// Skinning matrices `A_j`, row-major 3×4.
    skin: Vec<[f32; 12]>,
    /// Global joint orientations.
    global: Vec<Mat3>,
    trans: [f32; 3],
}

/// Evaluates frames of one model, caching the shaped template and rest joints between frames
/// that share the same betas (and expression), and reusing its scratch buffers.
#[derive(Debug, Clone)]
pub struct Evaluator<'m> {
    model: &'m SmplModel,
    /// The betas and expression the cache was built for (betas then expression, zero-padded).
    shape_key: Option<Vec<f32>>,
    v_shaped: Vec<f32>,
    rest_joints: Vec<[f64; 3]>,
    pose: Vec<[f64; 3]>,
    local: Vec<Mat3>,
    posed_joints: Vec<[f64; 3]>,
    slots: Vec<Slot>,
    /// Index of the slot of the last frame evaluated.
    last: usize,
    shape_evaluations: usize,
}

impl SmplModel {
    /// Evaluates one frame without caching: writes `V·3` vertex coordinates and `J·3` joint
    /// positions (row-major). Use an [`Evaluator`] to evaluate many frames.
    pub fn evaluate(
        &self,
        params: &FrameParams<'_>,
        out_vertices: &mut [f32],
        out_joints: &mut [f32],
    ) -> Result<(), SmplError> {
        Evaluator::new(self).evaluate(params, out_vertices, out_joints)
    }

    /// Validates the pose lengths and assembles the full pose (J axis-angles) in smplx order.
    fn full_pose(&self, p: &FrameParams<'_>, out: &mut [[f64; 3]]) -> Result<(), SmplError> {
        let body = self.body_pose_len();
        check_len("poses_body", p.poses_body, &[0, body])?;
        let hands = if self.has_hands() { 45 } else { 0 };
        check_len("poses_left_hand", p.poses_left_hand, &[0, hands])?;
        check_len("poses_right_hand", p.poses_right_hand, &[0, hands])?;
        let is_x = self.model_type == Some(SmplModelType::SmplX);
        for (name, v) in [
            ("poses_jaw", p.poses_jaw),
            ("poses_leye", p.poses_leye),
            ("poses_reye", p.poses_reye),
        ] {
            if !is_x && v != [0.0; 3] {
                return Err(SmplError::BadParameter {
                    name,
                    found: 3,
                    expected: "zeros: only SMPL-X models have jaw and eye joints".into(),
                });
            }
        }
        for v in out.iter_mut() {
            *v = [0.0; 3];
        }
        let mut put = |start: usize, values: &[f32]| {
            for (k, c) in values.chunks_exact(3).enumerate() {
                out[start + k] = [f64::from(c[0]), f64::from(c[1]), f64::from(c[2])];
            }
        };
        put(0, &p.poses_root);
        put(1, p.poses_body);
        let after_body = 1 + body / 3;
        let hands_start = if is_x {
            put(after_body, &p.poses_jaw);
            put(after_body + 1, &p.poses_leye);
            put(after_body + 2, &p.poses_reye);
            after_body + 3
        } else {
            after_body
        };
        if hands > 0 {
            put(hands_start, p.poses_left_hand);
            put(hands_start + 15, p.poses_right_hand);
        }
        Ok(())
    }
}

fn check_len(name: &'static str, v: &[f32], allowed: &[usize]) -> Result<(), SmplError> {
    if allowed.contains(&v.len()) {
        return Ok(());
    }
    let expected = match allowed.iter().copied().filter(|&n| n != 0).max() {
        Some(n) => format!("{n} (or none)"),
        None => "none for this model type".into(),
    };
    Err(SmplError::BadParameter {
        name,
        found: v.len(),
        expected,
    })
}

impl<'m> Evaluator<'m> {
    /// Creates an evaluator for `model` (allocates the scratch buffers once).
    pub fn new(model: &'m SmplModel) -> Self {
        let (v, j) = (model.num_vertices, model.num_joints);
        Evaluator {
            model,
            shape_key: None,
            v_shaped: vec![0.0; v * 3],
            rest_joints: vec![[0.0; 3]; j],
            pose: vec![[0.0; 3]; j],
            local: vec![rotation::IDENTITY; j],
            posed_joints: vec![[0.0; 3]; j],
            slots: Vec::new(),
            last: 0,
            shape_evaluations: 0,
        }
    }

    /// The model this evaluator evaluates.
    pub fn model(&self) -> &'m SmplModel {
        self.model
    }

    /// How many times the shape blend and joint regression ran (they are skipped while the
    /// betas and expression stay the same).
    pub fn shape_evaluations(&self) -> usize {
        self.shape_evaluations
    }

    /// Global (world) orientation of every joint in the last frame evaluated, row-major 3×3
    /// each; aitviewer shows these as the "Joint Angles" rigid bodies.
    pub fn global_rotations(&self) -> impl ExactSizeIterator<Item = [f32; 9]> + '_ {
        let global: &[Mat3] = self.slots.get(self.last).map_or(&[], |s| s.global.as_slice());
        global.iter().map(mat_to_f32)
    }

    /// Rest-pose joint positions for the current shape (before any pose or translation).
    pub fn rest_joints(&self) -> &[[f64; 3]] {
        &self.rest_joints
    }

    /// Evaluates one frame: writes `V·3` vertex coordinates and `J·3` joint positions.
    pub fn evaluate(
        &mut self,
        params: &FrameParams<'_>,
        out_vertices: &mut [f32],
        out_joints: &mut [f32],
    ) -> Result<(), SmplError> {
        self.evaluate_many(std::slice::from_ref(params), out_vertices, out_joints)
    }

    /// Evaluates several frames: writes `N·V·3` vertex coordinates and `N·J·3` joint positions.
    /// Faster per frame than [`Evaluator::evaluate`], because the pose-blend basis is read once
    /// per block of frames.
    pub fn evaluate_many(
        &mut self,
        frames: &[FrameParams<'_>],
        out_vertices: &mut [f32],
        out_joints: &mut [f32],
    ) -> Result<(), SmplError> {
        self.evaluate_frames(frames, out_vertices, out_joints, None)
    }

    /// [`Evaluator::evaluate_many`], also writing `N·J·9` global joint rotations (row-major
    /// 3×3 per joint: aitviewer's "Joint Angles").
    pub fn evaluate_many_with_rotations(
        &mut self,
        frames: &[FrameParams<'_>],
        out_vertices: &mut [f32],
        out_joints: &mut [f32],
        out_rotations: &mut [f32],
    ) -> Result<(), SmplError> {
        let expected = frames.len() * self.model.num_joints * 9;
        if out_rotations.len() != expected {
            return Err(SmplError::BadOutput {
                name: "out_rotations",
                found: out_rotations.len(),
                expected,
            });
        }
        self.evaluate_frames(frames, out_vertices, out_joints, Some(out_rotations))
    }

    /// [`Evaluator::evaluate_many`], optionally also writing `N·J·9` global joint rotations.
    pub(crate) fn evaluate_frames(
        &mut self,
        frames: &[FrameParams<'_>],
        out_vertices: &mut [f32],
        out_joints: &mut [f32],
        mut out_rotations: Option<&mut [f32]>,
    ) -> Result<(), SmplError> {
        let m = self.model;
        let (v, j, n) = (m.num_vertices, m.num_joints, frames.len());
        if out_vertices.len() != n * v * 3 {
            return Err(SmplError::BadOutput {
                name: "out_vertices",
                found: out_vertices.len(),
                expected: n * v * 3,
            });
        }
        if out_joints.len() != n * j * 3 {
            return Err(SmplError::BadOutput {
                name: "out_joints",
                found: out_joints.len(),
                expected: n * j * 3,
            });
        }
        for (b, block) in frames.chunks(BLOCK).enumerate() {
            let first = b * BLOCK;
            for (k, params) in block.iter().enumerate() {
                let f = first + k;
                self.prepare(k, params, &mut out_joints[f * j * 3..(f + 1) * j * 3])?;
                if let Some(rot) = out_rotations.as_deref_mut() {
                    for (o, g) in rot[f * j * 9..(f + 1) * j * 9]
                        .chunks_exact_mut(9)
                        .zip(&self.slots[k].global)
                    {
                        o.copy_from_slice(&mat_to_f32(g));
                    }
                }
            }
            let slots = &mut self.slots[..block.len()];
            add_pose_offsets_block(m, slots);
            for (k, slot) in slots.iter().enumerate() {
                let f = first + k;
                skin_vertices(
                    m,
                    &slot.v_posed,
                    &slot.skin,
                    slot.trans,
                    &mut out_vertices[f * v * 3..(f + 1) * v * 3],
                );
            }
            self.last = block.len() - 1;
        }
        Ok(())
    }

    /// Everything but the per-vertex pose blend and skinning, for one frame into slot `k`:
    /// steps 1–4 and 6, and the posed joints (step 8) into `out_joints`.
    fn prepare(&mut self, k: usize, params: &FrameParams<'_>, out_joints: &mut [f32]) -> Result<(), SmplError> {
        let m = self.model;
        let j = m.num_joints;
        // Step 1: the full pose (validates every length before anything is computed).
        let mut pose = std::mem::take(&mut self.pose);
        let result = m.full_pose(params, &mut pose);
        self.pose = pose;
        result?;
        // Steps 2–3, cached per distinct betas/expression.
        self.update_shape(params.betas, params.expression);
        // Step 4: local rotations.
        for (r, aa) in self.local.iter_mut().zip(&self.pose) {
            *r = rotation::rodrigues(*aa);
        }
        while self.slots.len() <= k {
            self.slots.push(Slot {
                v_posed: vec![0.0; m.num_vertices * 3],
                features: vec![0.0; (j - 1) * 9],
                active: vec![false; j - 1],
                skin: vec![[0.0; 12]; j],
                global: vec![rotation::IDENTITY; j],
                trans: [0.0; 3],
            });
        }
        let slot = &mut self.slots[k];
        slot.v_posed.copy_from_slice(&self.v_shaped);
        slot.trans = params.trans;
        // Step 5's features: vec(R_j − I) over the non-root joints.
        for (jj, r) in self.local.iter().enumerate().skip(1) {
            let feat = &mut slot.features[(jj - 1) * 9..jj * 9];
            for (i, f) in feat.iter_mut().enumerate() {
                let (a, b) = (i / 3, i % 3);
                *f = (r[a][b] - if a == b { 1.0 } else { 0.0 }) as f32;
            }
            slot.active[jj - 1] = feat.iter().any(|&x| x != 0.0);
        }
        // Step 6: the kinematic chain and the skinning matrices A_j.
        for jj in 0..j {
            let rj = self.rest_joints[jj];
            let (g, t) = match m.parents[jj] {
                p if p < 0 => (self.local[jj], rj),
                p => {
                    let p = p as usize;
                    let rp = self.rest_joints[p];
                    let rel = [rj[0] - rp[0], rj[1] - rp[1], rj[2] - rp[2]];
                    let gp = slot.global[p];
                    let off = rotation::mul_vec(&gp, rel);
                    let tp = self.posed_joints[p];
                    (
                        rotation::mul(&gp, &self.local[jj]),
                        [tp[0] + off[0], tp[1] + off[1], tp[2] + off[2]],
                    )
                }
            };
            slot.global[jj] = g;
            self.posed_joints[jj] = t;
            let gj = rotation::mul_vec(&g, rj);
            let s = &mut slot.skin[jj];
            for r in 0..3 {
                s[r * 4] = g[r][0] as f32;
                s[r * 4 + 1] = g[r][1] as f32;
                s[r * 4 + 2] = g[r][2] as f32;
                s[r * 4 + 3] = (t[r] - gj[r]) as f32;
            }
        }
        // Step 8 for the joints.
        for (o, t) in out_joints.chunks_exact_mut(3).zip(&self.posed_joints) {
            for c in 0..3 {
                o[c] = (t[c] + f64::from(params.trans[c])) as f32;
            }
        }
        Ok(())
    }

    /// Steps 2–3: `v_shaped = v_template + shapedirs·β` and `J = J_regressor·v_shaped`, skipped
    /// when the coefficients equal the cached ones.
    fn update_shape(&mut self, betas: &[f32], expression: &[f32]) {
        let m = self.model;
        let nb = m.max_betas();
        let (expr_start, ne) = m.expression_columns();
        let mut key = vec![0.0f32; nb + ne];
        for (k, b) in key.iter_mut().zip(betas.iter().take(nb)) {
            *k = *b;
        }
        for (k, e) in key[nb..].iter_mut().zip(expression.iter().take(ne)) {
            *k = *e;
        }
        if self.shape_key.as_ref() == Some(&key) {
            return;
        }
        let s = m.num_shape_dirs;
        let (beta_coeffs, expr_coeffs) = key.split_at(nb);
        for ((out, tpl), row) in self
            .v_shaped
            .iter_mut()
            .zip(&m.v_template)
            .zip(m.shapedirs.chunks_exact(s.max(1)))
        {
            let mut acc = *tpl;
            if s > 0 {
                for (b, d) in beta_coeffs.iter().zip(&row[..nb]) {
                    acc += b * d;
                }
                for (e, d) in expr_coeffs.iter().zip(&row[expr_start..expr_start + ne]) {
                    acc += e * d;
                }
            }
            *out = acc;
        }
        for (jj, rest) in self.rest_joints.iter_mut().enumerate() {
            let (idx, val) = m.j_regressor.row(jj);
            let mut acc = [0.0f64; 3];
            for (&vi, &w) in idx.iter().zip(val) {
                let p = &self.v_shaped[vi as usize * 3..vi as usize * 3 + 3];
                for c in 0..3 {
                    acc[c] += f64::from(w) * f64::from(p[c]);
                }
            }
            *rest = acc;
        }
        self.shape_key = Some(key);
        self.shape_evaluations += 1;
    }
}

fn mat_to_f32(m: &Mat3) -> [f32; 9] {
    let mut out = [0.0f32; 9];
    for (i, o) in out.iter_mut().enumerate() {
        *o = m[i / 3][i % 3] as f32;
    }
    out
}

/// Step 5 for a block of frames: `v_posed[r] += Σ_i features[i] · posedirs[i][r]`, tiled over
/// the rows so that each tile of the basis is read once and reused by every frame of the block.
fn add_pose_offsets_block(m: &SmplModel, slots: &mut [Slot]) {
    let n = m.num_vertices * 3;
    let joints = m.num_joints - 1;
    // A single frame reuses nothing: stream whole columns (friendlier to the prefetcher).
    let tile = if slots.len() == 1 { n } else { TILE };
    let mut start = 0;
    while start < n {
        let end = (start + tile).min(n);
        for jj in 0..joints {
            if !slots.iter().any(|s| s.active[jj]) {
                continue;
            }
            let base = jj * 9 * n;
            let cols: [&[f32]; 9] = std::array::from_fn(|c| &m.posedirs_t[base + c * n + start..base + c * n + end]);
            for slot in slots.iter_mut().filter(|s| s.active[jj]) {
                let mut feat = [0.0f32; 9];
                feat.copy_from_slice(&slot.features[jj * 9..jj * 9 + 9]);
                add_pose_offsets(&mut slot.v_posed[start..end], &cols, &feat);
            }
        }
        start = end;
    }
}

/// `out[r] += Σ_k feat[k] · cols[k][r]` for the 9 pose features of one joint.
fn add_pose_offsets(out: &mut [f32], cols: &[&[f32]; 9], feat: &[f32; 9]) {
    let n = out.len();
    let [c0, c1, c2, c3, c4, c5, c6, c7, c8] = cols.map(|c| &c[..n]);
    let [f0, f1, f2, f3, f4, f5, f6, f7, f8] = *feat;
    for r in 0..n {
        let a = f0 * c0[r] + f1 * c1[r] + f2 * c2[r];
        let b = f3 * c3[r] + f4 * c4[r] + f5 * c5[r];
        let c = f6 * c6[r] + f7 * c7[r] + f8 * c8[r];
        out[r] += a + b + c;
    }
}

/// Step 7–8: `x_v = (Σ_j w_vj A_j)·[v_posed, 1] + t`, over the nonzero weights only.
fn skin_vertices(m: &SmplModel, v_posed: &[f32], skin: &[[f32; 12]], trans: [f32; 3], out: &mut [f32]) {
    let w = &m.weights;
    for (vi, (o, p)) in out.chunks_exact_mut(3).zip(v_posed.chunks_exact(3)).enumerate() {
        let (idx, val) = w.row(vi);
        let mut t = [0.0f32; 12];
        for (&ji, &wv) in idx.iter().zip(val) {
            let a = &skin[ji as usize];
            for k in 0..12 {
                t[k] += wv * a[k];
            }
        }
        for r in 0..3 {
            o[r] = t[r * 4] * p[0] + t[r * 4 + 1] * p[1] + t[r * 4 + 2] * p[2] + t[r * 4 + 3] + trans[r];
        }
    }
}
