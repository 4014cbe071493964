//! Compares the Rust evaluation with the independent numpy reference
//! (`tools/smpl_reference.py`) on synthetic models from `tools/make_synthetic_model.py`.
//!
//! Needs `python3` with numpy (override the interpreter with `MESHCAST_PYTHON`). Without
//! them the tests fail, unless `MESHCAST_SKIP_PYTHON=1` is set, in which case they are skipped
//! with a message.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};

use meshcast_smpl::npy::{write_npy_f32, NpzArchive};
use meshcast_smpl::{Rows, SequenceOptions, SequenceParams, SmplModel};

use meshcast_testkit::python::{numpy_available as python_available, run as run_python};

const TOLERANCE: f32 = 1e-4;

fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smpl-reference").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn make_model(dir: &Path, extra: &[&str]) -> SmplModel {
    let path = dir.join("model.npz");
    let script = tools().join("make_synthetic_model.py");
    let mut args = vec![script.to_str().unwrap(), "--out", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    run_python(&args);
    SmplModel::from_npz(&std::fs::read(&path).unwrap()).unwrap()
}

/// A small deterministic generator (xorshift) for parameters in `[-scale, scale]`.
struct Rng(u64);
impl Rng {
    fn values(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                ((self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * scale
            })
            .collect()
    }
}

#[derive(Default)]
struct Case {
    arrays: Vec<(&'static str, Vec<usize>, Vec<f32>)>,
}
impl Case {
    fn add(&mut self, name: &'static str, shape: &[usize], data: Vec<f32>) -> &mut Self {
        self.arrays.push((name, shape.to_vec(), data));
        self
    }
    fn get(&self, name: &str) -> &[f32] {
        self.arrays
            .iter()
            .find(|a| a.0 == name)
            .map(|a| a.2.as_slice())
            .unwrap_or(&[])
    }
    fn cols(&self, name: &str) -> usize {
        self.arrays
            .iter()
            .find(|a| a.0 == name)
            .map(|a| *a.1.last().unwrap())
            .unwrap_or(0)
    }
}

/// Runs the reference on `case` and compares with `evaluate_sequence`.
fn compare(dir: &Path, model: &SmplModel, case: &Case, opts: &SequenceOptions) {
    let pdir = dir.join("params");
    let _ = std::fs::remove_dir_all(&pdir);
    std::fs::create_dir_all(&pdir).unwrap();
    for (name, shape, data) in &case.arrays {
        std::fs::write(pdir.join(format!("{name}.npy")), write_npy_f32(shape, data)).unwrap();
    }
    let out = dir.join("reference.npz");
    let script = tools().join("smpl_reference.py");
    let (nb, ne) = (opts.num_betas.to_string(), opts.num_expression.to_string());
    let mut args = vec![
        script.to_str().unwrap(),
        "--model",
        dir.join("model.npz").to_str().unwrap().to_owned().leak(),
        "--params",
        pdir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--num-betas",
        &nb,
        "--num-expression",
        &ne,
    ];
    if !opts.include_root {
        args.push("--no-include-root");
    }
    if opts.normalize_root {
        args.push("--normalize-root");
    }
    run_python(&args);

    let params = SequenceParams {
        poses_body: case.get("poses_body"),
        poses_root: case.get("poses_root"),
        betas: Rows::new(case.get("betas"), case.cols("betas")),
        trans: case.get("trans"),
        poses_left_hand: case.get("poses_left_hand"),
        poses_right_hand: case.get("poses_right_hand"),
        poses_jaw: case.get("poses_jaw"),
        poses_leye: case.get("poses_leye"),
        poses_reye: case.get("poses_reye"),
        expression: Rows::new(case.get("expression"), case.cols("expression")),
    };
    let ours = model.evaluate_sequence(&params, opts).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let mut ar = NpzArchive::new(&bytes).unwrap();
    let rv = ar.array("vertices").unwrap();
    let rj = ar.array("joints").unwrap();
    assert_eq!(rv.shape, vec![ours.num_frames, ours.num_vertices, 3]);
    assert_eq!(rj.shape, vec![ours.num_frames, ours.num_joints, 3]);
    for (what, mine, theirs) in [
        ("vertices", &ours.vertices, rv.to_f32()),
        ("joints", &ours.joints, rj.to_f32()),
    ] {
        let (mut worst, mut at) = (0.0f32, 0);
        for (i, (a, b)) in mine.iter().zip(&theirs).enumerate() {
            let e = (a - b).abs();
            if e > worst || e.is_nan() {
                worst = e;
                at = i;
            }
        }
        eprintln!("{what}: max abs error {worst:.3e} (at flat index {at})");
        assert!(
            worst < TOLERANCE,
            "{what}: max abs error {worst} at flat index {at} ({} vs {})",
            mine[at],
            theirs[at]
        );
    }
    // Sanity: the poses actually moved the body away from the template.
    let moved = ours
        .vertices
        .iter()
        .zip(model.v_template().iter().cycle())
        .any(|(a, b)| (a - b).abs() > 0.05);
    assert!(moved, "the test poses should deform the body");
}

fn body_case(rng: &mut Rng, n: usize, body: usize, betas_rows: usize, betas_cols: usize) -> Case {
    let mut c = Case::default();
    c.add("poses_body", &[n, body], rng.values(n * body, 0.7))
        .add("poses_root", &[n, 3], rng.values(n * 3, 2.5))
        .add("trans", &[n, 3], rng.values(n * 3, 1.5))
        .add(
            "betas",
            &[betas_rows, betas_cols],
            rng.values(betas_rows * betas_cols, 2.0),
        );
    c
}

#[test]
fn smpl_shared_betas_matches_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("smpl_shared");
    let model = make_model(&dir, &["--num-betas", "16", "--seed", "3", "--compressed"]);
    assert_eq!(
        (model.num_vertices(), model.num_faces(), model.num_joints()),
        (6890, 13776, 24)
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // 16 beta columns: smplx caps num_betas at 10 for a file with fewer than 300 directions.
    let case = body_case(&mut rng, 4, 69, 1, 16);
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            num_betas: 16,
            ..Default::default()
        },
    );
    // num_betas truncation below the cap.
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            num_betas: 4,
            ..Default::default()
        },
    );
}

#[test]
fn smpl_per_frame_betas_and_root_options_match_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("smpl_per_frame");
    let model = make_model(&dir, &["--num-betas", "300", "--seed", "5"]);
    let mut rng = Rng(12345);
    let case = body_case(&mut rng, 5, 69, 5, 20);
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            num_betas: 20,
            ..Default::default()
        },
    );
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            normalize_root: true,
            ..Default::default()
        },
    );
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            include_root: false,
            ..Default::default()
        },
    );
}

#[test]
fn smplh_with_hands_matches_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("smplh");
    let model = make_model(
        &dir,
        &[
            "--model-type",
            "smplh",
            "--seed",
            "9",
            "--dtype",
            "float64",
            "--index-dtype",
            "int64",
        ],
    );
    assert_eq!(model.num_joints(), 52);
    let mut rng = Rng(777);
    let n = 3;
    let mut case = body_case(&mut rng, n, 63, 1, 10);
    case.add("poses_left_hand", &[n, 45], rng.values(n * 45, 0.5)).add(
        "poses_right_hand",
        &[n, 45],
        rng.values(n * 45, 0.5),
    );
    compare(&dir, &model, &case, &SequenceOptions::default());
    // Hands absent: zero-filled.
    let case = body_case(&mut rng, n, 63, 1, 10);
    compare(&dir, &model, &case, &SequenceOptions::default());
}

#[test]
fn smplx_with_face_and_expression_matches_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("smplx");
    let model = make_model(
        &dir,
        &["--model-type", "smplx", "--seed", "11", "--index-dtype", "uint32"],
    );
    assert_eq!(
        (model.num_joints(), model.max_betas(), model.max_expression()),
        (55, 10, 10)
    );
    let mut rng = Rng(4242);
    let n = 3;
    let mut case = body_case(&mut rng, n, 63, n, 10);
    case.add("poses_jaw", &[n, 3], rng.values(n * 3, 0.4))
        .add("poses_leye", &[n, 3], rng.values(n * 3, 0.3))
        .add("poses_reye", &[n, 3], rng.values(n * 3, 0.3))
        .add("poses_left_hand", &[n, 45], rng.values(n * 45, 0.5))
        .add("poses_right_hand", &[n, 45], rng.values(n * 45, 0.5))
        .add("expression", &[n, 10], rng.values(n * 10, 2.0));
    compare(&dir, &model, &case, &SequenceOptions::default());
    compare(
        &dir,
        &model,
        &case,
        &SequenceOptions {
            num_expression: 4,
            normalize_root: true,
            ..Default::default()
        },
    );
}
