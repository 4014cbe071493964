//! SMPL bodies in the viewer, end to end on the native side: SMPL nodes created through the
//! protocol (`Command::from_envelope` + `Scene::apply`), evaluated by `SmplBodies`, compared
//! with the independent numpy implementation `smpl/tools/smpl_reference.py` on synthetic models
//! from `smpl/tools/make_synthetic_model.py` (real SMPL dimensions), max abs error < 1e-4; and
//! offscreen renders of a body (golden images `tests/golden/smpl_*.png`).
//!
//! Needs `python3` with numpy (`MESHCAST_PYTHON` picks the interpreter); without them the tests
//! fail unless `MESHCAST_SKIP_PYTHON=1`. The render tests need a Vulkan/GL adapter (llvmpipe is
//! enough) unless `MESHCAST_SKIP_GPU_TESTS=1`; `MESHCAST_UPDATE_GOLDEN=1` rewrites the images.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use glam::Vec3;
use meshcast_protocol::{Envelope, SmplModelType, Value};
use meshcast_scene::{NodeKey, Scene};
use meshcast_smpl::npy::{write_npy_f32, NpzArchive};
use meshcast_viewer::core::camera::Camera;
use meshcast_viewer::core::ViewOptions;
use meshcast_viewer::offscreen::{OffscreenError, OffscreenRenderer};
use meshcast_viewer::smpl_bodies::{BodyStatus, Gender, ModelFile, SmplBodies};
use support::{arr, kind, rgba, SceneBuilder};

use meshcast_testkit::python::{numpy_available as python_available, run as run_python};

const TOLERANCE: f32 = 1e-4;

fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../smpl/tools")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("viewer-smpl").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Generates a synthetic model at `<dir>/<file path>` and loads it into `bodies`.
fn make_model(dir: &Path, file: ModelFile, extra: &[&str], bodies: &mut SmplBodies) -> PathBuf {
    let path = dir.join(file.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let script = tools().join("make_synthetic_model.py");
    let mut args = vec![
        script.to_str().unwrap(),
        "--out",
        path.to_str().unwrap(),
        "--model-type",
        file.model_type.as_str(),
    ];
    args.extend_from_slice(extra);
    run_python(&args);
    bodies.load_model(file, &std::fs::read(&path).unwrap()).unwrap();
    path
}

/// A small deterministic generator (xorshift) for values in `[-scale, scale]`.
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

/// Named parameter arrays: sent to the scene and written for the reference.
#[derive(Default, Clone)]
struct Params(Vec<(&'static str, Vec<usize>, Vec<f32>)>);

impl Params {
    fn add(mut self, name: &'static str, shape: &[usize], data: Vec<f32>) -> Self {
        self.0.push((name, shape.to_vec(), data));
        self
    }

    fn kwargs(&self) -> Vec<(&'static str, Value)> {
        self.0.iter().map(|(n, s, d)| (*n, arr(s, d))).collect()
    }

    /// Frames appended by `more` (same names, concatenated along axis 0).
    fn concat(&self, more: &Params) -> Params {
        let mut out = self.clone();
        for (name, shape, data) in &mut out.0 {
            if let Some((_, s2, d2)) = more.0.iter().find(|m| m.0 == *name) {
                shape[0] += s2[0];
                data.extend_from_slice(d2);
            }
        }
        out
    }
}

fn body_params(rng: &mut Rng, n: usize, body: usize, betas_rows: usize, betas_cols: usize) -> Params {
    Params::default()
        .add("poses_body", &[n, body], rng.values(n * body, 0.7))
        .add("poses_root", &[n, 3], rng.values(n * 3, 2.5))
        .add("trans", &[n, 3], rng.values(n * 3, 1.5))
        .add(
            "betas",
            &[betas_rows, betas_cols],
            rng.values(betas_rows * betas_cols, 2.0),
        )
}

/// Runs the numpy reference: `(vertices (N,V,3), joints (N,J,3))` flattened.
fn reference(dir: &Path, model: &Path, p: &Params, flags: &[&str]) -> (Vec<f32>, Vec<f32>) {
    let pdir = dir.join("params");
    let _ = std::fs::remove_dir_all(&pdir);
    std::fs::create_dir_all(&pdir).unwrap();
    for (name, shape, data) in &p.0 {
        std::fs::write(pdir.join(format!("{name}.npy")), write_npy_f32(shape, data)).unwrap();
    }
    let out = dir.join("reference.npz");
    let script = tools().join("smpl_reference.py");
    let mut args = vec![
        script.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--params",
        pdir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    run_python(&args);
    let bytes = std::fs::read(&out).unwrap();
    let mut ar = NpzArchive::new(&bytes).unwrap();
    (
        ar.array("vertices").unwrap().to_f32(),
        ar.array("joints").unwrap().to_f32(),
    )
}

/// Every evaluated frame of a body, flattened.
fn viewer_output(bodies: &SmplBodies, key: NodeKey) -> (Vec<f32>, Vec<f32>) {
    let n = bodies.num_frames(&key);
    let v = (0..n).flat_map(|f| bodies.vertices(&key, f).unwrap()).collect();
    let j = (0..n).flat_map(|f| bodies.joints(&key, f).unwrap()).collect();
    (v, j)
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let (mut worst, mut at) = (0.0f32, 0);
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let e = (a - b).abs();
        if e > worst || e.is_nan() {
            worst = e;
            at = i;
        }
    }
    eprintln!("{what}: max abs error {worst:.3e} over {} values", ours.len());
    assert!(
        worst < TOLERANCE,
        "{what}: max abs error {worst} at {at} ({} vs {})",
        ours[at],
        theirs[at]
    );
}

/// Compares a body with the reference, vertices and joints.
fn compare(bodies: &SmplBodies, key: NodeKey, reference: (Vec<f32>, Vec<f32>), what: &str) {
    assert!(
        matches!(bodies.status(&key), Some(BodyStatus::Loaded { .. })),
        "{what}: {:?}",
        bodies.status(&key)
    );
    let (v, j) = viewer_output(bodies, key);
    assert_close(&format!("{what} vertices"), &v, &reference.0);
    assert_close(&format!("{what} joints"), &j, &reference.1);
    // The poses really deform the body (not a trivially equal rest pose).
    let spread = v.chunks_exact(3).map(|p| p[1]).fold(f32::MIN, f32::max)
        - v.chunks_exact(3).map(|p| p[1]).fold(f32::MAX, f32::min);
    assert!(spread > 0.5, "{what}: body height {spread}");
}

fn smpl_file() -> ModelFile {
    ModelFile::new(SmplModelType::Smpl, Gender::Neutral)
}

#[test]
fn shared_and_per_frame_betas_match_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("betas");
    let mut bodies = SmplBodies::new();
    let model = make_model(&dir, smpl_file(), &["--num-betas", "16", "--seed", "3"], &mut bodies);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut b = SceneBuilder::default();
    // Shared betas (1,16), num_betas 16 (smplx caps it at 10 for this file).
    let shared = body_params(&mut rng, 5, 69, 1, 16);
    let mut kw = shared.kwargs();
    kw.push(("num_betas", Value::Int(16)));
    let a = b.add(kind::SMPL, kw);
    // Per-frame betas (5,12), num_betas 8, z_up (a node rotation: local vertices unchanged).
    let per_frame = body_params(&mut rng, 5, 69, 5, 12);
    let mut kw = per_frame.kwargs();
    kw.extend([("num_betas", Value::Int(8)), ("z_up", Value::Bool(true))]);
    let c = b.add(kind::SMPL, kw);
    assert!(bodies.model_requests(&b.scene).is_empty(), "the model is loaded");
    let st = bodies.sync(&b.scene);
    assert_eq!((st.bodies, st.frames), (2, 10));
    compare(
        &bodies,
        a,
        reference(&dir, &model, &shared, &["--num-betas", "16"]),
        "shared betas",
    );
    compare(
        &bodies,
        c,
        reference(&dir, &model, &per_frame, &["--num-betas", "8"]),
        "per-frame betas",
    );
}

#[test]
fn streamed_frames_are_evaluated_once_and_match_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("stream");
    let mut bodies = SmplBodies::new();
    let model = make_model(&dir, smpl_file(), &["--seed", "1"], &mut bodies);
    let mut rng = Rng(42);
    let mut b = SceneBuilder::default();
    let mut all = body_params(&mut rng, 2, 69, 1, 10);
    let key = b.add(kind::SMPL, all.kwargs());
    assert_eq!(bodies.sync(&b.scene).frames, 2);
    for _ in 0..4 {
        let more = Params::default()
            .add("poses_body", &[1, 69], rng.values(69, 0.7))
            .add("poses_root", &[1, 3], rng.values(3, 2.5))
            .add("trans", &[1, 3], rng.values(3, 1.5));
        let mut env = Envelope::new(101, Some(key.uid));
        for (k, v) in more.kwargs() {
            env = env.with_kwarg(k, v);
        }
        b.apply(env);
        assert_eq!(
            bodies.sync(&b.scene).frames,
            1,
            "add_frames evaluates the new frame only"
        );
        all = all.concat(&more);
    }
    // update_frames of frame 3 with new poses: one frame.
    let upd = Params::default().add("poses_body", &[1, 69], rng.values(69, 0.7));
    b.apply(
        Envelope::new(102, Some(key.uid))
            .with_kwarg("poses_body", upd.kwargs()[0].1.clone())
            .with_kwarg("frames", Value::Int(3)),
    );
    assert_eq!(bodies.sync(&b.scene).frames, 1);
    let body = &mut all.0[0].2;
    body[3 * 69..4 * 69].copy_from_slice(&upd.0[0].2);
    assert_eq!(bodies.num_frames(&key), 6);
    compare(&bodies, key, reference(&dir, &model, &all, &[]), "streamed");
}

#[test]
fn root_options_and_300_betas_match_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("root");
    let mut bodies = SmplBodies::new();
    let model = make_model(&dir, smpl_file(), &["--num-betas", "300", "--seed", "5"], &mut bodies);
    let mut rng = Rng(12345);
    let mut b = SceneBuilder::default();
    let p = body_params(&mut rng, 4, 69, 4, 20);
    let mut kw = p.kwargs();
    kw.extend([("num_betas", Value::Int(20)), ("normalize_root", Value::Bool(true))]);
    let norm = b.add(kind::SMPL, kw);
    let mut kw = p.kwargs();
    kw.extend([("num_betas", Value::Int(20)), ("include_root", Value::Bool(false))]);
    let no_root = b.add(kind::SMPL, kw);
    bodies.sync(&b.scene);
    let nb = ["--num-betas", "20"];
    compare(
        &bodies,
        norm,
        reference(&dir, &model, &p, &[&nb[..], &["--normalize-root"]].concat()),
        "normalize_root",
    );
    compare(
        &bodies,
        no_root,
        reference(&dir, &model, &p, &[&nb[..], &["--no-include-root"]].concat()),
        "include_root=False",
    );
}

#[test]
fn smplh_and_smplx_bodies_with_hands_and_face_match_numpy() {
    if !python_available() {
        return;
    }
    let dir = scratch("hands_face");
    let mut bodies = SmplBodies::new();
    let mut rng = Rng(777);
    let mut b = SceneBuilder::default();

    // SMPL-H, gender neutral: smplx's rule picks the female file.
    let h = body_params(&mut rng, 3, 63, 1, 10)
        .add("poses_left_hand", &[3, 45], rng.values(135, 0.6))
        .add("poses_right_hand", &[3, 45], rng.values(135, 0.6));
    let mut kw = h.kwargs();
    kw.push(("model_type", Value::from("smplh")));
    let hk = b.add(kind::SMPL, kw);
    // SMPL-X, male, with jaw, eyes and expression.
    let x = body_params(&mut rng, 3, 63, 3, 10)
        .add("poses_left_hand", &[3, 45], rng.values(135, 0.6))
        .add("poses_right_hand", &[3, 45], rng.values(135, 0.6))
        .add("poses_jaw", &[3, 3], rng.values(9, 0.4))
        .add("poses_leye", &[3, 3], rng.values(9, 0.3))
        .add("poses_reye", &[3, 3], rng.values(9, 0.3))
        .add("expression", &[3, 10], rng.values(30, 1.5));
    let mut kw = x.kwargs();
    kw.extend([("model_type", Value::from("smplx")), ("gender", Value::from("male"))]);
    let xk = b.add(kind::SMPL, kw);

    let wanted = bodies.model_requests(&b.scene);
    let paths: Vec<String> = wanted.iter().map(ModelFile::path).collect();
    assert_eq!(paths, ["smplh/SMPLH_FEMALE.npz", "smplx/SMPLX_MALE.npz"]);
    let hm = make_model(&dir, wanted[0], &["--seed", "2"], &mut bodies);
    let xm = make_model(&dir, wanted[1], &["--seed", "4", "--num-betas", "20"], &mut bodies);
    bodies.sync(&b.scene);
    compare(&bodies, hk, reference(&dir, &hm, &h, &[]), "SMPL-H");
    compare(&bodies, xk, reference(&dir, &xm, &x, &[]), "SMPL-X");
}

// ---- rendering -------------------------------------------------------------------------------

const W: u32 = 128;
const H: u32 = 128;

fn renderer() -> Option<OffscreenRenderer> {
    if std::env::var("MESHCAST_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("MESHCAST_SKIP_GPU_TESTS=1: skipping a GPU test");
        return None;
    }
    match OffscreenRenderer::new(W, H) {
        Ok(r) => Some(r),
        Err(e) => panic!("cannot create the offscreen renderer: {e} (set MESHCAST_SKIP_GPU_TESTS=1 to skip)"),
    }
}

/// Compares with (or rewrites) `tests/golden/<name>.png`.
fn check_golden(name: &str, img: &[u8]) {
    let path = support::golden_dir().join(format!("{name}.png"));
    if std::env::var("MESHCAST_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        support::write_png(&path, W, H, img);
        return;
    }
    let (gw, gh, golden) = support::read_png(&path).unwrap_or_else(|| {
        panic!(
            "{name}: no golden image at {} (MESHCAST_UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    assert_eq!((gw, gh), (W, H));
    let (n, max) = support::diff(img, &golden, 24);
    if n > 160 {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/golden-actual");
        std::fs::create_dir_all(&out).unwrap();
        support::write_png(&out.join(format!("{name}.png")), W, H, img);
        panic!("{name}: {n} pixels differ by more than 24 (max {max}); see target/golden-actual/{name}.png");
    }
}

fn project(camera: &Camera, p: Vec3) -> (u32, u32) {
    let q = camera.view_proj(W as f32 / H as f32).project_point3(p);
    let x = ((q.x * 0.5 + 0.5) * W as f32).clamp(0.0, W as f32 - 1.0);
    let y = ((0.5 - q.y * 0.5) * H as f32).clamp(0.0, H as f32 - 1.0);
    (x as u32, y as u32)
}

#[test]
fn smpl_body_renders_as_mesh_and_skeleton() {
    if !python_available() {
        return;
    }
    let Some(mut r) = renderer() else { return };
    let dir = scratch("render");
    let mut bodies = SmplBodies::new();
    make_model(&dir, smpl_file(), &["--seed", "0"], &mut bodies);
    let mut b = SceneBuilder::default();
    // Frame 0: rest pose; frame 1: arms down a bit and the body turned.
    let mut poses = vec![0.0f32; 2 * 69];
    poses[69 + 15 * 3 + 2] = -0.9; // joint 16 (left shoulder) about z
    poses[69 + 16 * 3 + 2] = 0.9; // joint 17 (right shoulder)
    let opaque = b.add(
        kind::SMPL,
        vec![
            ("poses_body", arr(&[2, 69], &poses)),
            ("poses_root", arr(&[2, 3], &[0.0, 0.0, 0.0, 0.0, 0.5, 0.0])),
            ("skeleton_radius", Value::Float(0.03)),
        ],
    );
    let camera = Camera {
        target: Vec3::new(0.0, -0.2, 0.0),
        distance: 2.6,
        ..Camera::default()
    };
    let opts = ViewOptions {
        show_floor: false,
        ..ViewOptions::default()
    };
    let img = render_with_bodies(&mut r, &b.scene, &mut bodies, 0, &camera, &opts).unwrap();
    check_golden("smpl_body", &img);
    let px = |img: &[u8], p: Vec3| {
        let (x, y) = project(&camera, p);
        support::pixel(img, W, x, y)
    };
    let joints = bodies.joints(&opaque, 0).unwrap();
    let joint = |j: usize| Vec3::new(joints[j * 3], joints[j * 3 + 1], joints[j * 3 + 2]);
    // The body's grey at the spine; background beside it.
    let spine = px(&img, joint(6));
    assert!(
        spine[0] < 235 && spine[0].abs_diff(spine[2]) < 20 && spine[0].abs_diff(spine[1]) < 20,
        "grey body at the spine: {spine:?}"
    );
    assert!(
        px(&img, joint(6) + Vec3::new(0.0, 0.0, 0.0) + Vec3::X * 0.9)[0] > 250,
        "background beside the body"
    );
    assert_eq!(r.renderer().node_count(), 1);

    // Frame 1 differs (the arms and the body moved).
    let img1 = render_with_bodies(&mut r, &b.scene, &mut bodies, 1, &camera, &opts).unwrap();
    let (n, _) = support::diff(&img, &img1, 24);
    assert!(n > 200, "frame 1 looks like frame 0 ({n} pixels differ)");

    // A translucent body shows its orange skeleton inside.
    let mut b2 = SceneBuilder::default();
    b2.add(
        kind::SMPL,
        vec![
            ("poses_body", arr(&[1, 69], &[0.0; 69])),
            ("skeleton_radius", Value::Float(0.03)),
            ("color", rgba([0.63, 0.63, 0.63, 0.3])),
        ],
    );
    let img2 = render_with_bodies(&mut r, &b2.scene, &mut bodies, 0, &camera, &opts).unwrap();
    check_golden("smpl_skeleton", &img2);
    let knee = px(&img2, joint(4));
    assert!(
        i32::from(knee[0]) > i32::from(knee[2]) + 50,
        "orange knee joint through the body: {knee:?}"
    );

    // Without its model file the body is not drawn.
    let mut none = SmplBodies::new();
    none.model_missing(smpl_file(), "/models/smpl/SMPL_NEUTRAL.npz", "HTTP 404");
    let img3 = render_with_bodies(&mut r, &b.scene, &mut none, 0, &camera, &opts).unwrap();
    assert!(
        img3.chunks_exact(4).all(|p| p[0] > 250 && p[1] > 250 && p[2] > 250),
        "nothing drawn"
    );
    assert!(none
        .status(&opaque)
        .unwrap()
        .message()
        .unwrap()
        .contains("SMPL_NEUTRAL.npz"));
}

/// Evaluates what changed in the bodies, then renders the scene with them.
fn render_with_bodies(
    r: &mut OffscreenRenderer,
    scene: &Scene,
    bodies: &mut SmplBodies,
    frame: usize,
    camera: &Camera,
    opts: &ViewOptions,
) -> Result<Vec<u8>, OffscreenError> {
    bodies.sync(scene);
    r.render(scene, bodies, frame, camera, opts)
}
