//! The body model: arrays loaded from an `.npz` file (or given directly), validated and laid out
//! for fast evaluation.

use meshcast_protocol::SmplModelType;

use crate::npy::{NpyArray, NpzArchive};
use crate::SmplError;

/// smplx's `SHAPE_SPACE_DIM`: files with fewer shape columns are capped at 10 betas.
const SHAPE_SPACE_DIM: usize = 300;
/// smplx's `EXPRESSION_SPACE_DIM` (SMPL-X only).
const EXPRESSION_SPACE_DIM: usize = 100;

/// The raw arrays of a body model, as dense row-major buffers.
///
/// This is what [`SmplModel::from_npz`] reads from a file; building one by hand is how tests
/// and tools make small synthetic models. `V` vertices, `J` joints, `S` shape directions,
/// `P = (J − 1)·9` pose directions, `F` faces.
#[derive(Debug, Clone, Default)]
pub struct ModelParts {
    /// `(V, 3)` rest-pose vertices of the mean shape.
    pub v_template: Vec<f32>,
    /// `(V, 3, S)` shape blend shapes.
    pub shapedirs: Vec<f32>,
    /// `S`, the number of shape directions in `shapedirs` (for SMPL-X: shape and expression).
    pub num_shape_dirs: usize,
    /// `(V, 3, P)` pose-corrective blend shapes.
    pub posedirs: Vec<f32>,
    /// `(J, V)` joint regressor.
    pub j_regressor: Vec<f32>,
    /// `(V, J)` skinning weights.
    pub weights: Vec<f32>,
    /// `J` parent indices; entry 0 (the root) is ignored and treated as −1. Every other entry
    /// must name an earlier joint.
    pub parents: Vec<i64>,
    /// `(F, 3)` triangle vertex indices.
    pub faces: Vec<u32>,
}

/// Sparse rows: row `i` holds `(index[k], value[k])` for `k` in `offsets[i]..offsets[i+1]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseRows {
    pub offsets: Vec<u32>,
    pub index: Vec<u32>,
    pub value: Vec<f32>,
}

impl SparseRows {
    /// Keeps every nonzero entry of a dense `(rows, cols)` matrix, so nothing is approximated.
    fn from_dense(dense: &[f32], rows: usize, cols: usize) -> Self {
        let mut s = SparseRows {
            offsets: Vec::with_capacity(rows + 1),
            ..Default::default()
        };
        s.offsets.push(0);
        for row in dense.chunks_exact(cols).take(rows) {
            for (c, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    s.index.push(c as u32);
                    s.value.push(v);
                }
            }
            s.offsets.push(s.index.len() as u32);
        }
        s
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        (&self.index[a..b], &self.value[a..b])
    }
}

/// A loaded SMPL, SMPL-H or SMPL-X body model (or any model with the same array layout).
///
/// Immutable once built; share it between evaluators and sequences. Evaluate it with
/// [`SmplModel::evaluate`] (one frame), an [`crate::Evaluator`] (many frames, shape cached) or
/// [`SmplModel::evaluate_sequence`] (a whole aitviewer-style sequence).
#[derive(Debug, Clone)]
pub struct SmplModel {
    pub(crate) model_type: Option<SmplModelType>,
    pub(crate) num_vertices: usize,
    pub(crate) num_joints: usize,
    pub(crate) v_template: Vec<f32>,
    /// `(V·3, S)` row-major, as in the file.
    pub(crate) shapedirs: Vec<f32>,
    pub(crate) num_shape_dirs: usize,
    /// Transposed to `(P, V·3)`: one contiguous column per pose feature (as smplx stores it).
    pub(crate) posedirs_t: Vec<f32>,
    pub(crate) j_regressor: SparseRows,
    pub(crate) weights: SparseRows,
    pub(crate) parents: Vec<i32>,
    pub(crate) faces: Vec<u32>,
}

fn shape_err(key: &str, found: &[usize], expected: impl Into<String>) -> SmplError {
    SmplError::BadShape {
        key: key.to_owned(),
        found: found.to_vec(),
        expected: expected.into(),
    }
}

fn float_array(ar: &mut NpzArchive<'_>, key: &str) -> Result<NpyArray, SmplError> {
    ar.array(key)
}

fn int_values(a: &NpyArray, key: &str) -> Result<Vec<i64>, SmplError> {
    match a.as_int() {
        Some(v) => Ok(v.to_vec()),
        None => {
            // Some converters write indices as floats; accept them when they are whole numbers.
            let f = a.to_f32();
            if f.iter().all(|x| x.fract() == 0.0 && x.is_finite()) {
                Ok(f.iter().map(|&x| x as i64).collect())
            } else {
                Err(SmplError::Npy {
                    key: key.to_owned(),
                    reason: "expected an integer array".into(),
                })
            }
        }
    }
}

impl SmplModel {
    /// Reads a model from the bytes of an `.npz` file in the layout the `smplx` package reads.
    ///
    /// Keys: `v_template (V,3)`, `shapedirs (V,3,S)` (or `(V,3)`), `posedirs (V,3,P)` (also
    /// accepted: `(V·3,P)` or smplx's transposed `(P,V·3)`), `J_regressor (J,V)` dense,
    /// `weights (V,J)`, `kintree_table (2,J)` (root parent overwritten to −1) and `f (F,3)`.
    /// Float arrays may be `f2`/`f4`/`f8`; index arrays any integer type. Extra keys are ignored.
    pub fn from_npz(bytes: &[u8]) -> Result<SmplModel, SmplError> {
        let mut ar = NpzArchive::new(bytes)?;
        // Report every missing key at once, in the documented order.
        let required = [
            "v_template",
            "shapedirs",
            "posedirs",
            "J_regressor",
            "weights",
            "kintree_table",
            "f",
        ];
        let missing: Vec<&str> = required.iter().copied().filter(|k| !ar.contains(k)).collect();
        if !missing.is_empty() {
            return Err(SmplError::MissingKey(missing.join(", ")));
        }

        let vt = float_array(&mut ar, "v_template")?;
        if vt.shape.len() != 2 || vt.shape[1] != 3 || vt.shape[0] == 0 {
            return Err(shape_err("v_template", &vt.shape, "(V, 3)"));
        }
        let v = vt.shape[0];

        let sd = float_array(&mut ar, "shapedirs")?;
        let num_shape_dirs = match sd.shape.as_slice() {
            [a, 3, s] if *a == v => *s,
            [a, 3] if *a == v => 1,
            _ => return Err(shape_err("shapedirs", &sd.shape, format!("({v}, 3, S)"))),
        };

        let kt = ar.array("kintree_table")?;
        let j = match kt.shape.as_slice() {
            [2, j] if *j > 0 => *j,
            _ => return Err(shape_err("kintree_table", &kt.shape, "(2, J)")),
        };
        let parents = int_values(&kt, "kintree_table")?[..j].to_vec();

        let pd = float_array(&mut ar, "posedirs")?;
        let p = (j - 1) * 9;
        let posedirs = match pd.shape.as_slice() {
            [a, 3, q] if *a == v && *q == p => pd.into_f32(),
            [a, q] if *a == v * 3 && *q == p => pd.into_f32(),
            [q, a] if *a == v * 3 && *q == p => {
                // smplx's in-memory layout (P, V·3): transpose back to (V·3, P).
                let src = pd.into_f32();
                let mut out = vec![0.0; src.len()];
                for (i, col) in src.chunks_exact(v * 3).enumerate() {
                    for (r, &x) in col.iter().enumerate() {
                        out[r * p + i] = x;
                    }
                }
                out
            }
            _ => {
                return Err(shape_err(
                    "posedirs",
                    &pd.shape,
                    format!("({v}, 3, {p}) for {j} joints (P = (J-1)*9), or ({}, {p})", v * 3),
                ))
            }
        };

        let jr = float_array(&mut ar, "J_regressor")?;
        if jr.shape != [j, v] {
            return Err(shape_err(
                "J_regressor",
                &jr.shape,
                format!("({j}, {v}) (a dense matrix)"),
            ));
        }
        let w = float_array(&mut ar, "weights")?;
        if w.shape != [v, j] {
            return Err(shape_err("weights", &w.shape, format!("({v}, {j})")));
        }
        let f = ar.array("f")?;
        if f.shape.len() != 2 || f.shape[1] != 3 {
            return Err(shape_err("f", &f.shape, "(F, 3)"));
        }
        let faces = int_values(&f, "f")?
            .into_iter()
            .map(|i| u32::try_from(i).map_err(|_| SmplError::InvalidModel(format!("face index {i} is negative"))))
            .collect::<Result<Vec<u32>, _>>()?;

        SmplModel::from_parts(ModelParts {
            v_template: vt.into_f32(),
            shapedirs: sd.into_f32(),
            num_shape_dirs,
            posedirs,
            j_regressor: jr.into_f32(),
            weights: w.into_f32(),
            parents,
            faces,
        })
    }

    /// Builds a model from dense arrays, checking every size and index.
    ///
    /// The model type is inferred from the joint count: 24 → SMPL, 52 → SMPL-H, 55 → SMPL-X;
    /// any other count is a generic model whose pose is the root plus `J − 1` body joints.
    pub fn from_parts(parts: ModelParts) -> Result<SmplModel, SmplError> {
        let ModelParts {
            v_template,
            shapedirs,
            num_shape_dirs,
            posedirs,
            j_regressor,
            weights,
            parents,
            faces,
        } = parts;
        let bad = |m: String| Err(SmplError::InvalidModel(m));
        if v_template.is_empty() || v_template.len() % 3 != 0 {
            return bad(format!(
                "v_template has {} values, not a positive multiple of 3",
                v_template.len()
            ));
        }
        let v = v_template.len() / 3;
        let j = parents.len();
        if j == 0 {
            return bad("the model has no joints".into());
        }
        let p = (j - 1) * 9;
        if shapedirs.len() != v * 3 * num_shape_dirs {
            return bad(format!(
                "shapedirs has {} values, expected V*3*S = {}",
                shapedirs.len(),
                v * 3 * num_shape_dirs
            ));
        }
        if posedirs.len() != v * 3 * p {
            return bad(format!(
                "posedirs has {} values, expected V*3*(J-1)*9 = {}",
                posedirs.len(),
                v * 3 * p
            ));
        }
        if j_regressor.len() != j * v {
            return bad(format!(
                "J_regressor has {} values, expected J*V = {}",
                j_regressor.len(),
                j * v
            ));
        }
        if weights.len() != v * j {
            return bad(format!(
                "weights has {} values, expected V*J = {}",
                weights.len(),
                v * j
            ));
        }
        if faces.len() % 3 != 0 {
            return bad(format!("f has {} indices, not a multiple of 3", faces.len()));
        }
        if let Some(&bad_index) = faces.iter().find(|&&i| i as usize >= v) {
            return bad(format!("face index {bad_index} is out of range for {v} vertices"));
        }
        let mut par = vec![-1i32; j];
        for (i, &pi) in parents.iter().enumerate().skip(1) {
            if pi < 0 || pi as usize >= i {
                return bad(format!(
                    "joint {i} has parent {pi}; parents must precede their children (kintree_table order)"
                ));
            }
            par[i] = pi as i32;
        }
        let all_finite = |x: &[f32]| x.iter().all(|f| f.is_finite());
        let arrays = [&v_template, &shapedirs, &posedirs, &j_regressor, &weights];
        if !arrays.iter().all(|a| all_finite(a)) {
            return bad("the model arrays contain NaN or infinite values".into());
        }

        // Transpose posedirs (V·3, P) → (P, V·3) so each pose feature is one contiguous column.
        let n = v * 3;
        let mut posedirs_t = vec![0.0f32; posedirs.len()];
        for (r, row) in posedirs
            .chunks_exact(p.max(1))
            .enumerate()
            .take(if p == 0 { 0 } else { n })
        {
            for (i, &x) in row.iter().enumerate() {
                posedirs_t[i * n + r] = x;
            }
        }

        let model_type = match j {
            24 => Some(SmplModelType::Smpl),
            52 => Some(SmplModelType::SmplH),
            55 => Some(SmplModelType::SmplX),
            _ => None,
        };
        Ok(SmplModel {
            model_type,
            num_vertices: v,
            num_joints: j,
            v_template,
            shapedirs,
            num_shape_dirs,
            posedirs_t,
            j_regressor: SparseRows::from_dense(&j_regressor, j, v),
            weights: SparseRows::from_dense(&weights, v, j),
            parents: par,
            faces,
        })
    }

    /// SMPL, SMPL-H or SMPL-X (from the joint count), or `None` for another joint count.
    pub fn model_type(&self) -> Option<SmplModelType> {
        self.model_type
    }

    /// Number of vertices `V` (6,890 for SMPL and SMPL-H, 10,475 for SMPL-X).
    pub fn num_vertices(&self) -> usize {
        self.num_vertices
    }

    /// Number of kinematic joints `J`, root included (24, 52 or 55).
    pub fn num_joints(&self) -> usize {
        self.num_joints
    }

    /// Number of triangles `F`.
    pub fn num_faces(&self) -> usize {
        self.faces.len() / 3
    }

    /// Triangle vertex indices, `(F, 3)` row-major.
    pub fn faces(&self) -> &[u32] {
        &self.faces
    }

    /// Parent joint of every joint; −1 for the root. Parents precede their children.
    pub fn parents(&self) -> &[i32] {
        &self.parents
    }

    /// The rest-pose mean-shape vertices, `(V, 3)` row-major.
    pub fn v_template(&self) -> &[f32] {
        &self.v_template
    }

    /// Number of shape directions in the file (`S`; for SMPL-X shape and expression together).
    pub fn num_shape_dirs(&self) -> usize {
        self.num_shape_dirs
    }

    /// The most betas the model uses, as `smplx` caps `num_betas`: 10 when the file has fewer
    /// than 300 shape columns (or `S` if smaller), else 300.
    pub fn max_betas(&self) -> usize {
        if self.num_shape_dirs < SHAPE_SPACE_DIM {
            self.num_shape_dirs.min(10)
        } else {
            SHAPE_SPACE_DIM
        }
    }

    /// The most expression coefficients the model uses (SMPL-X only, else 0): 10 for files
    /// with 10 + 10 columns, 100 for files with 300 + 100.
    pub fn max_expression(&self) -> usize {
        self.expression_columns().1
    }

    /// `(first column, count)` of the expression directions inside `shapedirs`.
    pub(crate) fn expression_columns(&self) -> (usize, usize) {
        if self.model_type != Some(SmplModelType::SmplX) {
            return (0, 0);
        }
        if self.num_shape_dirs < SHAPE_SPACE_DIM + EXPRESSION_SPACE_DIM {
            (10, self.num_shape_dirs.saturating_sub(10).min(10))
        } else {
            (SHAPE_SPACE_DIM, EXPRESSION_SPACE_DIM)
        }
    }

    /// Length of `poses_body` per frame: 69 for SMPL, 63 for SMPL-H and SMPL-X, `(J − 1)·3`
    /// for a generic model.
    pub fn body_pose_len(&self) -> usize {
        match self.model_type {
            Some(t) => t.body_pose_len(),
            None => (self.num_joints - 1) * 3,
        }
    }

    /// True for SMPL-H and SMPL-X, whose pose includes two 45-value hands.
    pub fn has_hands(&self) -> bool {
        matches!(self.model_type, Some(SmplModelType::SmplH | SmplModelType::SmplX))
    }

    /// Number of joints aitviewer's skeleton keeps: the root and the body joints (24 for SMPL,
    /// 22 for SMPL-H and SMPL-X, `J` for a generic model).
    pub fn skeleton_joints(&self) -> usize {
        self.body_pose_len() / 3 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{write_npy_f32, write_npy_i32, write_npz};

    fn tiny_npz(skip: Option<&str>, posedirs_shape: &[usize]) -> Vec<u8> {
        // 4 vertices, 2 joints, 1 shape direction.
        let v = 4;
        let entries: Vec<(&str, Vec<u8>)> = vec![
            ("v_template", write_npy_f32(&[v, 3], &[0.0; 12])),
            ("shapedirs", write_npy_f32(&[v, 3, 1], &[0.0; 12])),
            (
                "posedirs",
                write_npy_f32(posedirs_shape, &vec![0.0; posedirs_shape.iter().product()]),
            ),
            ("J_regressor", write_npy_f32(&[2, v], &[0.25; 8])),
            (
                "weights",
                write_npy_f32(&[v, 2], &[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]),
            ),
            ("kintree_table", write_npy_i32(&[2, 2], &[-7, 0, 0, 1])),
            ("f", write_npy_i32(&[2, 3], &[0, 1, 2, 0, 2, 3])),
        ];
        let entries: Vec<_> = entries.into_iter().filter(|(k, _)| Some(*k) != skip).collect();
        write_npz(&entries).unwrap()
    }

    #[test]
    fn loads_a_tiny_model() {
        let m = SmplModel::from_npz(&tiny_npz(None, &[4, 3, 9])).unwrap();
        assert_eq!((m.num_vertices(), m.num_joints(), m.num_faces()), (4, 2, 2));
        assert_eq!(m.parents(), &[-1, 0]);
        assert_eq!(m.model_type(), None);
        assert_eq!(m.body_pose_len(), 3);
        // Two-dimensional posedirs layouts are accepted too.
        assert!(SmplModel::from_npz(&tiny_npz(None, &[12, 9])).is_ok());
        assert!(SmplModel::from_npz(&tiny_npz(None, &[9, 12])).is_ok());
    }

    #[test]
    fn missing_key_is_named() {
        let err = SmplModel::from_npz(&tiny_npz(Some("weights"), &[4, 3, 9])).unwrap_err();
        assert!(matches!(&err, SmplError::MissingKey(k) if k == "weights"), "{err}");
        assert!(err.to_string().contains("weights"));
    }

    #[test]
    fn bad_shape_is_named() {
        let err = SmplModel::from_npz(&tiny_npz(None, &[4, 3, 8])).unwrap_err();
        assert!(
            matches!(&err, SmplError::BadShape { key, .. } if key == "posedirs"),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("[4, 3, 8]") && msg.contains("(4, 3, 9)"), "{msg}");
    }

    #[test]
    fn invalid_parts_are_rejected() {
        let base = ModelParts {
            v_template: vec![0.0; 9],
            shapedirs: vec![],
            num_shape_dirs: 0,
            posedirs: vec![0.0; 9 * 9],
            j_regressor: vec![0.0; 6],
            weights: vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
            parents: vec![-1, 0],
            faces: vec![0, 1, 2],
        };
        assert!(SmplModel::from_parts(base.clone()).is_ok());
        let mut p = base.clone();
        p.faces = vec![0, 1, 3];
        assert!(matches!(SmplModel::from_parts(p), Err(SmplError::InvalidModel(m)) if m.contains("face index 3")));
        let mut p = base.clone();
        p.parents = vec![-1, 1];
        assert!(matches!(SmplModel::from_parts(p), Err(SmplError::InvalidModel(m)) if m.contains("parent")));
        let mut p = base;
        p.weights.pop();
        assert!(matches!(SmplModel::from_parts(p), Err(SmplError::InvalidModel(m)) if m.contains("weights")));
    }
}
