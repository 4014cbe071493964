//! Whole-sequence evaluation with aitviewer's `SMPLSequence` rules: shared or per-frame betas,
//! `num_betas` truncation, zero-filled hands/face/expression, `include_root` and
//! `normalize_root`.

use crate::eval::{Evaluator, FrameParams};
use crate::model::SmplModel;
use crate::rotation;
use crate::SmplError;

/// A row-major matrix view whose row count is 1 (shared by every frame) or one per frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rows<'a> {
    /// The values, `rows × cols`.
    pub data: &'a [f32],
    /// Values per row.
    pub cols: usize,
}

impl<'a> Rows<'a> {
    /// A view over `data` with `cols` values per row.
    pub fn new(data: &'a [f32], cols: usize) -> Self {
        Rows { data, cols }
    }

    fn rows(&self) -> usize {
        self.data.len().checked_div(self.cols).unwrap_or(0)
    }

    /// Row `f`, or the single shared row; empty when there is no data.
    fn row(&self, f: usize) -> &'a [f32] {
        match self.rows() {
            0 => &[],
            1 => self.data,
            _ => &self.data[f * self.cols..(f + 1) * self.cols],
        }
    }
}

/// An aitviewer `SMPLSequence`'s arrays. Empty slices mean "absent" (zeros).
#[derive(Debug, Clone, Copy, Default)]
pub struct SequenceParams<'a> {
    /// `(N, body_pose_len)` body axis-angles without the root; defines the frame count `N`.
    pub poses_body: &'a [f32],
    /// `(N, 3)` root orientations.
    pub poses_root: &'a [f32],
    /// `(1, B)` shared or `(N, B)` per-frame shape coefficients.
    pub betas: Rows<'a>,
    /// `(N, 3)` translations.
    pub trans: &'a [f32],
    /// `(N, 45)` left-hand axis-angles (SMPL-H, SMPL-X).
    pub poses_left_hand: &'a [f32],
    /// `(N, 45)` right-hand axis-angles (SMPL-H, SMPL-X).
    pub poses_right_hand: &'a [f32],
    /// `(N, 3)` jaw axis-angles (SMPL-X).
    pub poses_jaw: &'a [f32],
    /// `(N, 3)` left-eye axis-angles (SMPL-X).
    pub poses_leye: &'a [f32],
    /// `(N, 3)` right-eye axis-angles (SMPL-X).
    pub poses_reye: &'a [f32],
    /// `(1, E)` or `(N, E)` expression coefficients (SMPL-X).
    pub expression: Rows<'a>,
}

/// aitviewer's per-sequence options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequenceOptions {
    /// Shape coefficients used (`SMPLLayer(num_betas=…)`, default 10; further capped by
    /// [`SmplModel::max_betas`]). Extra beta columns are ignored, missing ones are zero.
    pub num_betas: usize,
    /// Expression coefficients used (SMPL-X, default 10; capped by [`SmplModel::max_expression`]).
    pub num_expression: usize,
    /// `False` zeroes the root orientation and the translation (default true).
    pub include_root: bool,
    /// Makes frame 0's root rotation the identity and its translation zero:
    /// `R_f' = R_0⁻¹·R_f`, `t_f' = R_0⁻¹·t_f − R_0⁻¹·t_0` (default false).
    pub normalize_root: bool,
}

impl Default for SequenceOptions {
    fn default() -> Self {
        SequenceOptions {
            num_betas: 10,
            num_expression: 10,
            include_root: true,
            normalize_root: false,
        }
    }
}

/// The evaluated sequence, every array row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceOutput {
    /// Frame count `N`.
    pub num_frames: usize,
    /// Vertices per frame `V`.
    pub num_vertices: usize,
    /// Joints per frame `J`.
    pub num_joints: usize,
    /// `(N, V, 3)` skinned vertices.
    pub vertices: Vec<f32>,
    /// `(N, J, 3)` posed joint positions.
    pub joints: Vec<f32>,
    /// `(N, J, 3, 3)` global joint orientations (row-major 3×3).
    pub joint_rotations: Vec<f32>,
}

fn frame_slice<'a>(
    name: &'static str,
    data: &'a [f32],
    n: usize,
    width: usize,
) -> Result<impl Fn(usize) -> &'a [f32], SmplError> {
    if !data.is_empty() && data.len() != n * width {
        return Err(SmplError::BadParameter {
            name,
            found: data.len(),
            expected: format!("{n} frames × {width}"),
        });
    }
    Ok(move |f: usize| {
        if data.is_empty() {
            &data[..0]
        } else {
            &data[f * width..(f + 1) * width]
        }
    })
}

fn xyz(s: &[f32]) -> [f32; 3] {
    match s {
        [a, b, c] => [*a, *b, *c],
        _ => [0.0; 3],
    }
}

fn check_rows(name: &'static str, r: &Rows<'_>, n: usize) -> Result<(), SmplError> {
    if r.data.is_empty() {
        return Ok(());
    }
    if r.cols == 0 || r.data.len() % r.cols != 0 || (r.rows() != 1 && r.rows() != n) {
        return Err(SmplError::BadParameter {
            name,
            found: r.data.len(),
            expected: format!("1 or {n} rows of {} values", r.cols),
        });
    }
    Ok(())
}

impl SmplModel {
    /// Evaluates every frame of a sequence. The shape blend runs once for shared betas, and
    /// again only where per-frame betas change.
    pub fn evaluate_sequence(
        &self,
        params: &SequenceParams<'_>,
        options: &SequenceOptions,
    ) -> Result<SequenceOutput, SmplError> {
        let body = self.body_pose_len();
        if body == 0 || params.poses_body.len() % body != 0 {
            return Err(SmplError::BadParameter {
                name: "poses_body",
                found: params.poses_body.len(),
                expected: format!("a multiple of {body} (N frames × {body})"),
            });
        }
        let n = params.poses_body.len() / body;
        let body_f = frame_slice("poses_body", params.poses_body, n, body)?;
        let root_f = frame_slice("poses_root", params.poses_root, n, 3)?;
        let trans_f = frame_slice("trans", params.trans, n, 3)?;
        let lh_f = frame_slice("poses_left_hand", params.poses_left_hand, n, 45)?;
        let rh_f = frame_slice("poses_right_hand", params.poses_right_hand, n, 45)?;
        let jaw_f = frame_slice("poses_jaw", params.poses_jaw, n, 3)?;
        let leye_f = frame_slice("poses_leye", params.poses_leye, n, 3)?;
        let reye_f = frame_slice("poses_reye", params.poses_reye, n, 3)?;
        check_rows("betas", &params.betas, n)?;
        check_rows("expression", &params.expression, n)?;

        let nb = options.num_betas.min(self.max_betas());
        let ne = options.num_expression.min(self.max_expression());

        // Root handling (aitviewer: include_root, then normalize_root).
        let mut roots: Vec<[f32; 3]> = (0..n).map(|f| xyz(root_f(f))).collect();
        let mut transl: Vec<[f32; 3]> = (0..n).map(|f| xyz(trans_f(f))).collect();
        if !options.include_root {
            roots.iter_mut().for_each(|r| *r = [0.0; 3]);
            transl.iter_mut().for_each(|t| *t = [0.0; 3]);
        }
        if options.normalize_root && n > 0 {
            let to64 = |v: [f32; 3]| [f64::from(v[0]), f64::from(v[1]), f64::from(v[2])];
            let r0_inv = rotation::transpose(&rotation::rodrigues(to64(roots[0])));
            let t0 = rotation::mul_vec(&r0_inv, to64(transl[0]));
            for (r, t) in roots.iter_mut().zip(transl.iter_mut()) {
                let rel = rotation::mul(&r0_inv, &rotation::rodrigues(to64(*r)));
                let aa = rotation::matrix_to_axis_angle(&rel);
                *r = [aa[0] as f32, aa[1] as f32, aa[2] as f32];
                let tt = rotation::mul_vec(&r0_inv, to64(*t));
                *t = [(tt[0] - t0[0]) as f32, (tt[1] - t0[1]) as f32, (tt[2] - t0[2]) as f32];
            }
        }

        let (v, j) = (self.num_vertices, self.num_joints);
        let mut out = SequenceOutput {
            num_frames: n,
            num_vertices: v,
            num_joints: j,
            vertices: vec![0.0; n * v * 3],
            joints: vec![0.0; n * j * 3],
            joint_rotations: Vec::new(),
        };
        let mut frames = Vec::with_capacity(n);
        for f in 0..n {
            let betas = params.betas.row(f);
            let expression = params.expression.row(f);
            frames.push(FrameParams {
                betas: &betas[..nb.min(betas.len())],
                expression: &expression[..ne.min(expression.len())],
                poses_root: roots[f],
                poses_body: body_f(f),
                poses_left_hand: lh_f(f),
                poses_right_hand: rh_f(f),
                poses_jaw: xyz(jaw_f(f)),
                poses_leye: xyz(leye_f(f)),
                poses_reye: xyz(reye_f(f)),
                trans: transl[f],
            });
        }
        out.joint_rotations = vec![0.0; n * j * 9];
        Evaluator::new(self).evaluate_frames(
            &frames,
            &mut out.vertices,
            &mut out.joints,
            Some(&mut out.joint_rotations),
        )?;
        Ok(out)
    }
}
