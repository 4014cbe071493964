//! Native offscreen golden-image tests: one small scene per renderable kind and key option,
//! rendered at 128×128 and compared with `tests/golden/<name>.png` (per-channel tolerance and a
//! cap on differing pixels, since software rasterisers differ slightly), plus pixel facts that
//! hold whatever the golden says (a red mesh is red at its centre, a hidden node leaves the
//! background, ...).
//!
//! `MESHCAST_UPDATE_GOLDEN=1` rewrites the golden images. Needs a Vulkan or GL adapter (Mesa's
//! llvmpipe is enough: `apt-get install mesa-vulkan-drivers`); without one the tests fail,
//! unless `MESHCAST_SKIP_GPU_TESTS=1`. Images that do not match are written to
//! `target/golden-actual/`.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Mutex, OnceLock};

use glam::Vec3;
use meshcast_protocol::Value;
use meshcast_viewer::core::camera::Camera;
use meshcast_viewer::core::ViewOptions;
use meshcast_viewer::geometry::NoDerived;
use meshcast_viewer::offscreen::OffscreenRenderer;
use support::{arr, cube, ints, kind, rgba, uv_sphere, SceneBuilder};

const W: u32 = 128;
const H: u32 = 128;
/// Largest per-channel difference that still counts as equal.
const TOLERANCE: u8 = 24;
/// How many pixels (of 16,384) may differ by more than that.
const MAX_DIFFERENT: usize = 160;

/// One device for all tests (creating one per test is slow on llvmpipe). Rendering different
/// scenes with one renderer also exercises its node identity checks.
fn with_renderer<T>(f: impl FnOnce(&mut OffscreenRenderer) -> T) -> Option<T> {
    static R: OnceLock<Mutex<Option<OffscreenRenderer>>> = OnceLock::new();
    if std::env::var("MESHCAST_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("MESHCAST_SKIP_GPU_TESTS=1: skipping a GPU test");
        return None;
    }
    let m = R.get_or_init(|| match OffscreenRenderer::new(W, H) {
        Ok(r) => {
            let i = r.adapter_info();
            eprintln!("offscreen adapter: {} ({:?}, {:?})", i.name, i.backend, i.device_type);
            Mutex::new(Some(r))
        }
        Err(e) => panic!("cannot create the offscreen renderer: {e} (set MESHCAST_SKIP_GPU_TESTS=1 to skip)"),
    });
    let mut guard = m.lock().unwrap_or_else(|e| e.into_inner());
    let r = guard.as_mut().unwrap();
    r.resize(W, H);
    Some(f(r))
}

struct Shot {
    img: Vec<u8>,
    camera: Camera,
}

impl Shot {
    fn px(&self, x: u32, y: u32) -> [u8; 4] {
        support::pixel(&self.img, W, x.min(W - 1), y.min(H - 1))
    }

    /// The pixel a world point projects to.
    fn at(&self, p: Vec3) -> [u8; 4] {
        let (x, y) = self.project(p);
        self.px(x, y)
    }

    fn project(&self, p: Vec3) -> (u32, u32) {
        let q = self.camera.view_proj(W as f32 / H as f32).project_point3(p);
        let x = ((q.x * 0.5 + 0.5) * W as f32).clamp(0.0, W as f32 - 1.0);
        let y = ((0.5 - q.y * 0.5) * H as f32).clamp(0.0, H as f32 - 1.0);
        (x as u32, y as u32)
    }

    fn count(&self, pred: impl Fn([u8; 4]) -> bool) -> usize {
        self.img
            .chunks_exact(4)
            .filter(|p| pred([p[0], p[1], p[2], p[3]]))
            .count()
    }
}

fn is_white(p: [u8; 4]) -> bool {
    p[0] > 250 && p[1] > 250 && p[2] > 250
}

/// Channel `c` clearly dominates the other two.
fn dominant(p: [u8; 4], c: usize) -> bool {
    (0..3)
        .filter(|&k| k != c)
        .all(|k| i32::from(p[c]) > i32::from(p[k]) + 50)
}

fn no_floor() -> ViewOptions {
    ViewOptions {
        show_floor: false,
        ..ViewOptions::default()
    }
}

/// Renders and compares with the golden image `name` (or rewrites it).
fn shot(name: &str, b: &SceneBuilder, frame: usize, camera: Camera, opts: &ViewOptions) -> Option<Shot> {
    let img = with_renderer(|r| r.render(&b.scene, &NoDerived, frame, &camera, opts))?
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(img.len(), (W * H * 4) as usize);
    let path = support::golden_dir().join(format!("{name}.png"));
    if std::env::var("MESHCAST_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(support::golden_dir()).unwrap();
        support::write_png(&path, W, H, &img);
    } else {
        let Some((gw, gh, golden)) = support::read_png(&path) else {
            panic!(
                "{name}: no golden image at {} (run with MESHCAST_UPDATE_GOLDEN=1)",
                path.display()
            );
        };
        assert_eq!((gw, gh), (W, H), "{name}: golden image size");
        let (n, max) = support::diff(&img, &golden, TOLERANCE);
        if n > MAX_DIFFERENT {
            let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/golden-actual");
            std::fs::create_dir_all(&out).unwrap();
            support::write_png(&out.join(format!("{name}.png")), W, H, &img);
            panic!(
                "{name}: {n} pixels differ from the golden image by more than {TOLERANCE} (max {max}); \
                 the rendered image is in target/golden-actual/{name}.png"
            );
        }
    }
    Some(Shot { img, camera })
}

fn mesh_kw(v: &[f32], f: &[i32]) -> Vec<(&'static str, Value)> {
    vec![
        ("vertices", arr(&[v.len() / 3, 3], v)),
        ("faces", ints(&[f.len() / 3, 3], f)),
    ]
}

/// A camera looking at the origin from the front, a little from above and to the side, so
/// boxes show three faces.
fn three_quarter() -> Camera {
    Camera {
        yaw: 0.6,
        pitch: 0.45,
        ..Camera::default()
    }
}

#[test]
fn mesh_uniform_color() {
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.4);
    let mut kw = mesh_kw(&v, &f);
    kw.push(("color", rgba([0.9, 0.1, 0.1, 1.0])));
    b.add(kind::MESHES, kw);
    let Some(s) = shot("mesh_uniform_color", &b, 0, three_quarter(), &no_floor()) else {
        return;
    };
    assert!(dominant(s.at(Vec3::ZERO), 0), "centre {:?}", s.at(Vec3::ZERO));
    assert!(is_white(s.px(2, 2)), "corner is background");
    // Shape reads: the three visible faces are lit differently.
    let top = s.at(Vec3::new(0.0, 0.4, 0.0));
    let front = s.at(Vec3::new(0.0, 0.0, 0.4));
    let side = s.at(Vec3::new(0.4, 0.0, 0.0));
    assert!(
        top != front && front != side,
        "faces look the same: {top:?} {front:?} {side:?}"
    );
}

#[test]
fn mesh_vertex_colors() {
    let mut b = SceneBuilder::default();
    // A quad facing the camera: left edge red, right edge blue.
    let v = [-0.8, -0.8, 0.0, 0.8, -0.8, 0.0, 0.8, 0.8, 0.0, -0.8, 0.8, 0.0];
    let f = [0, 1, 2, 0, 2, 3];
    let mut kw = mesh_kw(&v, &f);
    let red = [1.0, 0.0, 0.0, 1.0];
    let blue = [0.0, 0.0, 1.0, 1.0];
    kw.push(("vertex_colors", arr(&[4, 4], &[red, blue, blue, red].concat())));
    b.add(kind::MESHES, kw);
    let Some(s) = shot("mesh_vertex_colors", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let left = s.at(Vec3::new(-0.7, 0.0, 0.0));
    let right = s.at(Vec3::new(0.7, 0.0, 0.0));
    assert!(dominant(left, 0), "left {left:?}");
    assert!(dominant(right, 2), "right {right:?}");
    let mid = s.at(Vec3::ZERO);
    assert!(mid[0] > 40 && mid[2] > 40, "blended middle {mid:?}");
}

#[test]
fn mesh_face_colors() {
    let mut b = SceneBuilder::default();
    let v = [-0.8, -0.8, 0.0, 0.8, -0.8, 0.0, 0.8, 0.8, 0.0, -0.8, 0.8, 0.0];
    let f = [0, 1, 2, 0, 2, 3];
    let mut kw = mesh_kw(&v, &f);
    kw.push(("face_colors", arr(&[2, 4], &[0.0, 0.8, 0.0, 1.0, 0.9, 0.0, 0.9, 1.0])));
    b.add(kind::MESHES, kw);
    let Some(s) = shot("mesh_face_colors", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    // Face 0 is below the diagonal (bottom right), face 1 above it (top left).
    let lower_right = s.at(Vec3::new(0.5, -0.5, 0.0));
    let upper_left = s.at(Vec3::new(-0.5, 0.5, 0.0));
    assert!(dominant(lower_right, 1), "face 0 {lower_right:?}");
    assert!(
        upper_left[0] > upper_left[1] + 50 && upper_left[2] > upper_left[1] + 50,
        "face 1 {upper_left:?}"
    );
}

#[test]
fn mesh_texture() {
    let mut b = SceneBuilder::default();
    let v = [-0.8, -0.8, 0.0, 0.8, -0.8, 0.0, 0.8, 0.8, 0.0, -0.8, 0.8, 0.0];
    let f = [0, 1, 2, 0, 2, 3];
    let mut kw = mesh_kw(&v, &f);
    // uv (0, 0) is the image's bottom-left corner (OpenGL's convention).
    kw.push(("uv_coords", arr(&[4, 2], &[0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0])));
    // 2×2 RGB, top row first: red, green / blue, yellow.
    let texels = [230, 20, 20, 20, 200, 20, 20, 20, 230, 230, 220, 20];
    kw.push(("texture", ints(&[2, 2, 3], &texels)));
    kw.push(("color", rgba([0.1, 0.1, 0.1, 1.0])));
    b.add(kind::MESHES, kw);
    let Some(s) = shot("mesh_texture", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let top_left = s.at(Vec3::new(-0.4, 0.4, 0.0));
    let top_right = s.at(Vec3::new(0.4, 0.4, 0.0));
    let bottom_left = s.at(Vec3::new(-0.4, -0.4, 0.0));
    let bottom_right = s.at(Vec3::new(0.4, -0.4, 0.0));
    assert!(dominant(top_left, 0), "top left is red: {top_left:?}");
    assert!(dominant(top_right, 1), "top right is green: {top_right:?}");
    assert!(dominant(bottom_left, 2), "bottom left is blue: {bottom_left:?}");
    assert!(
        bottom_right[0] > bottom_right[2] + 50 && bottom_right[1] > bottom_right[2] + 50,
        "bottom right is yellow (the image's colour, not the mesh's dark grey): {bottom_right:?}"
    );
}

fn sphere_mesh(flat: Option<bool>, edges: bool) -> SceneBuilder {
    let mut b = SceneBuilder::default();
    let (v, f) = uv_sphere([0.0; 3], 0.8, 8, 12);
    let mut kw = mesh_kw(&v, &f);
    kw.push(("color", rgba([0.3, 0.5, 0.9, 1.0])));
    if let Some(flat) = flat {
        kw.push(("flat_shading", Value::Bool(flat)));
    }
    if edges {
        kw.push(("draw_edges", Value::Bool(true)));
    }
    b.add(kind::MESHES, kw);
    b
}

fn distinct_colours(s: &Shot) -> usize {
    let mut set = std::collections::HashSet::new();
    for p in s.img.chunks_exact(4) {
        if !is_white([p[0], p[1], p[2], p[3]]) {
            set.insert([p[0], p[1], p[2]]);
        }
    }
    set.len()
}

#[test]
fn mesh_flat_vs_smooth() {
    let smooth = sphere_mesh(None, false);
    let flat = sphere_mesh(Some(true), false);
    let Some(a) = shot("mesh_smooth", &smooth, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let Some(b) = shot("mesh_flat", &flat, 0, Camera::default(), &no_floor()) else {
        return;
    };
    // Flat faces are uniform: far fewer distinct colours than the smooth gradient.
    let (ca, cb) = (distinct_colours(&a), distinct_colours(&b));
    assert!(cb * 2 < ca, "flat {cb} vs smooth {ca} distinct colours");
    // The override in ViewOptions switches the same node to flat shading.
    let mut opts = no_floor();
    let key = smooth.scene.nodes()[0].key();
    opts.flat_shading_override.insert(key, true);
    let img = with_renderer(|r| r.render(&smooth.scene, &NoDerived, 0, &Camera::default(), &opts))
        .unwrap()
        .unwrap();
    let (n, _) = support::diff(&img, &b.img, TOLERANCE);
    assert!(
        n <= MAX_DIFFERENT,
        "override differs from flat_shading=True in {n} pixels"
    );
}

#[test]
fn mesh_draw_edges() {
    let plain = sphere_mesh(None, false);
    let edged = sphere_mesh(None, true);
    let dark = |p: [u8; 4]| p[0] < 50 && p[1] < 50 && p[2] < 50;
    let Some(a) = shot("mesh_smooth", &plain, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let Some(b) = shot("mesh_draw_edges", &edged, 0, Camera::default(), &no_floor()) else {
        return;
    };
    assert_eq!(a.count(dark), 0);
    assert!(b.count(dark) > 200, "only {} edge pixels", b.count(dark));
    // The override turns them off again.
    let mut opts = no_floor();
    opts.draw_edges_override.insert(edged.scene.nodes()[0].key(), false);
    let img = with_renderer(|r| r.render(&edged.scene, &NoDerived, 0, &Camera::default(), &opts))
        .unwrap()
        .unwrap();
    assert_eq!(support::diff(&img, &a.img, TOLERANCE).0, 0);
}

#[test]
fn transparency_sorted_back_to_front() {
    let mut b = SceneBuilder::default();
    let quad = |z: f32, s: f32| vec![-s, -s, z, s, -s, z, s, s, z, -s, s, z];
    let f = [0, 1, 2, 0, 2, 3];
    // Created nearest first: drawing in creation order would put the far one on top.
    let mut near = mesh_kw(&quad(0.5, 0.5), &f);
    near.push(("color", rgba([1.0, 0.0, 0.0, 0.5])));
    b.add(kind::MESHES, near);
    let mut far = mesh_kw(&quad(-0.5, 1.0), &f);
    far.push(("color", rgba([0.0, 0.0, 1.0, 0.5])));
    b.add(kind::MESHES, far);
    // An opaque green sphere behind the far quad only.
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[1, 3], &[0.0, -1.0, -1.0])),
            ("radius", Value::Float(0.12)),
            ("color", rgba([0.0, 0.8, 0.0, 1.0])),
        ],
    );
    let Some(s) = shot("transparency", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let both = s.at(Vec3::new(0.0, 0.0, 0.5));
    // Near red over (far blue over white): red weighs twice as much as blue.
    assert!(both[0] > both[2] + 30, "overlap {both:?}");
    let far_only = s.at(Vec3::new(0.0, -0.9, -0.5));
    assert!(far_only[2] > far_only[0] + 50, "far quad alone {far_only:?}");
    // The opaque sphere shows through the far quad (glass over the background has as much red
    // as green; the sphere, in the quads' shadow, is darker but still green).
    let through = s.at(Vec3::new(0.0, -1.0, -0.88));
    assert!(through[1] > through[0] + 30, "sphere behind glass {through:?}");
}

#[test]
fn spheres_per_sphere_colors() {
    let mut b = SceneBuilder::default();
    let pos = [-0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.0, 0.0];
    let col = [0.9, 0.1, 0.1, 1.0, 0.1, 0.8, 0.1, 1.0, 0.1, 0.1, 0.9, 1.0];
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[3, 3], &pos)),
            ("color", arr(&[3, 4], &col)),
            ("radius", Value::Float(0.2)),
        ],
    );
    let Some(s) = shot("spheres", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    for (k, c) in [0usize, 1, 2].iter().enumerate() {
        let p = Vec3::new(-0.6 + 0.6 * k as f32, 0.0, 0.0);
        assert!(dominant(s.at(p), *c), "sphere {k} at {:?}: {:?}", s.project(p), s.at(p));
    }
    // Round: a pixel just inside the radius is coloured, one just outside is not.
    assert!(!is_white(s.at(Vec3::new(0.0, 0.17, 0.0))));
    assert!(is_white(s.at(Vec3::new(0.0, 0.24, 0.0))));
    // Default radius (0.01) spheres are tiny but present.
    let mut b = SceneBuilder::default();
    b.add(kind::SPHERES, vec![("positions", arr(&[1, 3], &[0.0, 0.0, 2.0]))]);
    let img = with_renderer(|r| r.render(&b.scene, &NoDerived, 0, &Camera::default(), &no_floor()))
        .unwrap()
        .unwrap();
    let blue = img.chunks_exact(4).filter(|p| p[2] > 150 && p[0] < 100).count();
    assert!(blue > 4, "{blue} blue pixels for a small default sphere");
}

fn square_path(mode: &str) -> SceneBuilder {
    let mut b = SceneBuilder::default();
    let pts = [-0.6, -0.6, 0.0, 0.6, -0.6, 0.0, 0.6, 0.6, 0.0, -0.6, 0.6, 0.0];
    b.add(
        kind::LINES,
        vec![
            ("lines", arr(&[4, 3], &pts)),
            ("mode", mode.into()),
            ("r_base", Value::Float(0.05)),
            ("color", rgba([0.8, 0.2, 0.0, 1.0])),
        ],
    );
    b
}

#[test]
fn lines_strip_vs_lines() {
    let Some(strip) = shot(
        "lines_strip",
        &square_path("line_strip"),
        0,
        Camera::default(),
        &no_floor(),
    ) else {
        return;
    };
    let Some(lines) = shot("lines_lines", &square_path("lines"), 0, Camera::default(), &no_floor()) else {
        return;
    };
    let bottom = Vec3::new(0.0, -0.6, 0.0);
    let right = Vec3::new(0.6, 0.0, 0.0);
    let top = Vec3::new(0.0, 0.6, 0.0);
    let left = Vec3::new(-0.6, 0.0, 0.0);
    // Strip: 0-1, 1-2, 2-3. Lines: 0-1, 2-3.
    assert!(dominant(strip.at(bottom), 0) && dominant(strip.at(right), 0) && dominant(strip.at(top), 0));
    assert!(is_white(strip.at(left)));
    assert!(dominant(lines.at(bottom), 0) && dominant(lines.at(top), 0));
    assert!(is_white(lines.at(right)) && is_white(lines.at(left)));
    assert!(is_white(strip.at(Vec3::ZERO)));
}

#[test]
fn lines_cones_when_tip_radius_is_zero() {
    let mut b = SceneBuilder::default();
    b.add(
        kind::LINES,
        vec![
            ("lines", arr(&[2, 3], &[-0.8, 0.0, 0.0, 0.8, 0.0, 0.0])),
            ("r_base", Value::Float(0.2)),
            ("r_tip", Value::Float(0.0)),
        ],
    );
    let Some(s) = shot("lines_cone", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    // Wide at the base, nothing at the same height near the tip.
    assert!(!is_white(s.at(Vec3::new(-0.7, 0.12, 0.0))));
    assert!(is_white(s.at(Vec3::new(0.7, 0.12, 0.0))));
    assert!(!is_white(s.at(Vec3::new(0.6, 0.0, 0.0))));
}

#[test]
fn arrows_shaft_and_head() {
    let mut b = SceneBuilder::default();
    b.add(
        kind::ARROWS,
        vec![
            ("origins", arr(&[1, 3], &[-0.8, 0.0, 0.0])),
            ("tips", arr(&[1, 3], &[0.8, 0.0, 0.0])),
            ("r_base", Value::Float(0.04)),
            ("r_head", Value::Float(0.12)),
            ("p", Value::Float(0.25)),
        ],
    );
    let Some(s) = shot("arrows", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let shaft = s.at(Vec3::new(-0.2, 0.0, 0.0));
    assert!(
        shaft[2] > shaft[0] + 30 && shaft[2] > shaft[1] + 30,
        "default arrow colour is dark blue: {shaft:?}"
    );
    // The head (from x = 0.4) is wider than the shaft.
    assert!(!is_white(s.at(Vec3::new(0.45, 0.08, 0.0))));
    assert!(is_white(s.at(Vec3::new(0.0, 0.08, 0.0))));
}

#[test]
fn rigid_bodies_axes() {
    let mut b = SceneBuilder::default();
    b.add(
        kind::RIGID_BODIES,
        vec![
            ("rb_pos", arr(&[1, 3], &[0.0, 0.0, 0.0])),
            ("rb_ori", arr(&[1, 3, 3], &[1., 0., 0., 0., 1., 0., 0., 0., 1.])),
            ("length", Value::Float(0.8)),
            ("radius", Value::Float(0.1)),
        ],
    );
    let Some(s) = shot("rigid_bodies", &b, 0, three_quarter(), &no_floor()) else {
        return;
    };
    assert!(dominant(s.at(Vec3::new(0.5, 0.0, 0.0)), 0), "x axis red");
    assert!(dominant(s.at(Vec3::new(0.0, 0.5, 0.0)), 1), "y axis green");
    assert!(dominant(s.at(Vec3::new(0.0, 0.0, 0.5)), 2), "z axis blue");
    let centre = s.at(Vec3::ZERO);
    assert!(
        centre[1] > centre[0] + 40 && centre[2] > centre[0] + 20,
        "centre sphere (0,1,0.5): {centre:?}"
    );
}

#[test]
fn skeleton_joints_and_bones() {
    let mut b = SceneBuilder::default();
    let joints = [0.0, -0.6, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0, -0.5, 0.5, 0.0];
    b.add(
        kind::SKELETONS,
        vec![
            ("joint_positions", arr(&[1, 4, 3], &joints)),
            ("joint_connections", ints(&[3, 2], &[0, 1, 1, 2, 1, 3])),
            ("radius", Value::Float(0.06)),
        ],
    );
    let Some(s) = shot("skeleton", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    let joint = s.at(Vec3::new(0.5, 0.5, 0.0));
    assert!(
        joint[0] > 150 && joint[2] < 60 && joint[1] > 60,
        "orange joint {joint:?}"
    );
    assert!(!is_white(s.at(Vec3::new(0.0, -0.3, 0.0))), "bone 0-1");
    assert!(!is_white(s.at(Vec3::new(0.25, 0.25, 0.0))), "bone 1-2");
    assert!(is_white(s.at(Vec3::new(0.5, -0.5, 0.0))));
}

#[test]
fn node_transform_position_rotation_scale() {
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.5);
    let mut kw = mesh_kw(&v, &f);
    kw.push(("color", rgba([0.1, 0.7, 0.1, 1.0])));
    kw.push(("position", arr(&[3], &[0.5, 0.2, 0.0])));
    kw.push(("scale", Value::Float(0.4)));
    // 45° about Z.
    let (c, sn) = (std::f32::consts::FRAC_1_SQRT_2, std::f32::consts::FRAC_1_SQRT_2);
    kw.push(("rotation", arr(&[3, 3], &[c, -sn, 0.0, sn, c, 0.0, 0.0, 0.0, 1.0])));
    b.add(kind::MESHES, kw);
    // A plain transform node draws nothing and does not break anything.
    b.add(kind::NODE, vec![("position", arr(&[3], &[1.0, 1.0, 1.0]))]);
    let Some(s) = shot("node_transform", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    assert!(dominant(s.at(Vec3::new(0.5, 0.2, 0.0)), 1));
    assert!(is_white(s.at(Vec3::ZERO)), "moved away from the origin");
    // Rotated by 45°: the diamond's corner reaches 0.2·√2 ≈ 0.28 above the centre, an
    // axis-aligned cube would stop at 0.2.
    assert!(!is_white(s.at(Vec3::new(0.5, 0.2 + 0.25, 0.2))));
    assert!(
        is_white(s.at(Vec3::new(0.5 + 0.2, 0.2 + 0.2, 0.2))),
        "the square's corner is cut off"
    );
}

#[test]
fn hidden_nodes_leave_background() {
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.5);
    let key = b.add(kind::MESHES, mesh_kw(&v, &f));
    let mut opts = no_floor();
    opts.hidden.insert(key);
    let Some(s) = shot("hidden", &b, 0, three_quarter(), &opts) else {
        return;
    };
    assert_eq!(s.count(is_white), (W * H) as usize);
    // enabled_frames hides the node at frames whose mask entry is False.
    let mut b = SceneBuilder::default();
    let mut kw = mesh_kw(&[v.clone(), v.clone()].concat(), &f);
    kw[0].1 = arr(&[2, 8, 3], &[v.clone(), v.clone()].concat());
    kw.push((
        "enabled_frames",
        Value::List(vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)]),
    ));
    b.add(kind::MESHES, kw);
    let shown = with_renderer(|r| r.render(&b.scene, &NoDerived, 0, &three_quarter(), &no_floor()))
        .unwrap()
        .unwrap();
    let hidden = with_renderer(|r| r.render(&b.scene, &NoDerived, 1, &three_quarter(), &no_floor()))
        .unwrap()
        .unwrap();
    assert!(shown.chunks_exact(4).any(|p| p[0] < 200));
    assert!(hidden.chunks_exact(4).all(|p| p[0] > 250 && p[1] > 250 && p[2] > 250));
}

#[test]
fn selection_outline() {
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.3);
    let key = b.add(kind::MESHES, mesh_kw(&v, &f));
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[1, 3], &[0.7, 0.0, 0.0])),
            ("radius", Value::Float(0.15)),
        ],
    );
    let yellow = |p: [u8; 4]| p[0] > 240 && (200..=235).contains(&p[1]) && (60..=120).contains(&p[2]);
    let mut opts = no_floor();
    let Some(plain) = shot("outline_none", &b, 0, three_quarter(), &opts) else {
        return;
    };
    assert_eq!(plain.count(yellow), 0);
    opts.selected = Some(key);
    let Some(s) = shot("outline_selected", &b, 0, three_quarter(), &opts) else {
        return;
    };
    assert!(s.count(yellow) > 100, "{} outline pixels", s.count(yellow));
    // The outline hugs the cube, not the sphere.
    let sphere_edge = s.project(Vec3::new(0.7, 0.17, 0.0));
    let near_sphere = (sphere_edge.1.saturating_sub(3)..sphere_edge.1 + 3).any(|y| yellow(s.px(sphere_edge.0, y)));
    assert!(!near_sphere);
    // The node's interior keeps its shading.
    assert!(!yellow(s.at(Vec3::ZERO)));
}

#[test]
fn floor_chessboard_at_lowest_point() {
    let mut b = SceneBuilder::default();
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[1, 3], &[0.0, 0.5, 0.0])),
            ("radius", Value::Float(0.25)),
        ],
    );
    let cam = Camera {
        pitch: 0.5,
        target: Vec3::new(0.0, 0.4, 0.0),
        distance: 3.0,
        ..Camera::default()
    };
    let Some(s) = shot("floor", &b, 0, cam, &ViewOptions::default()) else {
        return;
    };
    // The floor sits at the sphere's bottom (y = 0.25): just below the sphere is floor grey.
    let below = s.at(Vec3::new(0.0, 0.25, 0.4));
    assert!(
        !is_white(below) && below[0] > 170 && below[0].abs_diff(below[2]) < 8,
        "floor {below:?}"
    );
    // Both tile colours show (0.9 → ~230 and 0.82 → ~209 at full light).
    let floor_px: Vec<u8> = s.img.chunks_exact(4).skip((W * H / 2) as usize).map(|p| p[0]).collect();
    let light = floor_px.iter().filter(|&&r| (222..=240).contains(&r)).count();
    let dark = floor_px.iter().filter(|&&r| (200..=216).contains(&r)).count();
    assert!(light > 300 && dark > 300, "tiles: {light} light, {dark} dark");
    // Hiding the floor leaves the background.
    let img = with_renderer(|r| r.render(&b.scene, &NoDerived, 0, &cam, &no_floor()))
        .unwrap()
        .unwrap();
    let (x, y) = s.project(Vec3::new(0.0, 0.25, 0.4));
    assert!(is_white(support::pixel(&img, W, x, y)));
}

#[test]
fn mesh_instances() {
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.2);
    let mut kw = mesh_kw(&v, &f);
    let t = |x: f32| {
        [
            1.0, 0.0, 0.0, x, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ]
    };
    kw.push(("instance_transforms", arr(&[2, 4, 4], &[t(-0.5), t(0.5)].concat())));
    kw.push(("color", rgba([0.8, 0.1, 0.8, 1.0])));
    b.add(kind::MESHES, kw);
    let Some(s) = shot("mesh_instances", &b, 0, Camera::default(), &no_floor()) else {
        return;
    };
    assert!(!is_white(s.at(Vec3::new(-0.5, 0.0, 0.2))));
    assert!(!is_white(s.at(Vec3::new(0.5, 0.0, 0.2))));
    assert!(is_white(s.at(Vec3::new(0.0, 0.0, 0.2))));
}

#[test]
fn smpl_nodes_are_skipped() {
    let mut b = SceneBuilder::default();
    b.add(kind::SMPL, vec![("poses_body", arr(&[2, 69], &[0.0; 138]))]);
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[1, 3], &[0.0, 0.0, 0.0])),
            ("radius", Value::Float(0.3)),
        ],
    );
    let Some(img) = with_renderer(|r| r.render(&b.scene, &NoDerived, 1, &Camera::default(), &no_floor())) else {
        return;
    };
    assert!(dominant(support::pixel(&img.unwrap(), W, W / 2, H / 2), 2));
}

#[test]
fn orthographic_camera() {
    let mut b = SceneBuilder::default();
    // Two equal spheres, one far behind the other and to the side: same size on screen.
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[2, 3], &[-0.5, 0.0, 0.5, 0.5, 0.0, -3.0])),
            ("radius", Value::Float(0.25)),
            ("color", rgba([0.9, 0.3, 0.1, 1.0])),
        ],
    );
    let (v, f) = cube([0.0, -0.6, 0.0], 0.15);
    b.add(kind::MESHES, mesh_kw(&v, &f));
    let cam = Camera {
        orthographic: true,
        ..Camera::default()
    };
    let Some(s) = shot("orthographic", &b, 0, cam, &no_floor()) else {
        return;
    };
    // Coloured pixels on the sphere's row, on its half of the image.
    let width = |x0: f32| {
        let (_, y) = s.project(Vec3::new(x0, 0.0, 0.0));
        (0..W)
            .filter(|&x| ((x as f32) < W as f32 / 2.0) == (x0 < 0.0) && !is_white(s.px(x, y)))
            .count()
    };
    let (near, far) = (width(-0.5), width(0.5));
    assert!(near > 10 && near.abs_diff(far) <= 1, "near {near} px, far {far} px");
    assert!(!is_white(s.at(Vec3::new(0.0, -0.6, 0.15))));
}

/// The browser draws into an sRGB view of its canvas: the same scene must give the same pixels
/// there as in the plain RGBA8 target of the goldens (colours, blending aside, and background).
#[test]
fn srgb_target_gives_the_same_pixels() {
    if std::env::var("MESHCAST_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        return;
    }
    let mut b = SceneBuilder::default();
    let (v, f) = cube([0.0; 3], 0.4);
    let mut kw = mesh_kw(&v, &f);
    kw.push(("color", rgba([0.9, 0.4, 0.1, 1.0])));
    b.add(kind::MESHES, kw);
    let opts = ViewOptions {
        background: [0.2, 0.5, 0.8, 1.0],
        ..no_floor()
    };
    let render = |format| {
        // Without MSAA: an sRGB target resolves edges in linear space, which legitimately differs.
        let mut r = OffscreenRenderer::with_format(W, H, 1, format).unwrap_or_else(|e| panic!("{e}"));
        r.render(&b.scene, &NoDerived, 0, &three_quarter(), &opts).unwrap()
    };
    let plain = render(wgpu::TextureFormat::Rgba8Unorm);
    let srgb = render(wgpu::TextureFormat::Rgba8UnormSrgb);
    let (n, max) = support::diff(&plain, &srgb, 2);
    assert_eq!(n, 0, "{n} pixels differ by more than 2 (max {max})");
    // The background is the requested colour in both.
    let bg = support::pixel(&srgb, W, 1, 1);
    assert!(
        bg[0].abs_diff(51) <= 1 && bg[1].abs_diff(128) <= 1 && bg[2].abs_diff(204) <= 1,
        "{bg:?}"
    );
}

/// A camera looking steeply down on the floor behind the origin, where aitviewer's Front Light
/// at (0, 10, 15) throws the shadow of something floating above the origin.
fn over_the_shadow() -> Camera {
    Camera {
        pitch: 1.1,
        target: Vec3::new(0.0, 0.2, -0.5),
        distance: 3.0,
        ..Camera::default()
    }
}

/// A scene with an object floating 0.5 above the floor at the origin (`object` adds it) and a
/// tiny sphere far off that puts the floor at y ≈ 0 (spheres cast no shadow by default).
fn floating(object: impl FnOnce(&mut SceneBuilder)) -> SceneBuilder {
    let mut b = SceneBuilder::default();
    b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[1, 3], &[3.0, 0.002, 3.0])),
            ("radius", Value::Float(0.002)),
        ],
    );
    object(&mut b);
    b
}

/// Where the Front Light's shadow of a point at height `h` above the floor at (x, ·, z) falls.
fn shadow_of(x: f32, h: f32, z: f32) -> Vec3 {
    Vec3::new(x, 0.0, z - h * 15.0 / 10.0)
}

fn floating_cube(extra: Vec<(&'static str, Value)>) -> SceneBuilder {
    floating(|b| {
        let (v, f) = cube([0.0, 0.5, 0.0], 0.3);
        let mut kw = mesh_kw(&v, &f);
        kw.push(("color", rgba([0.8, 0.3, 0.2, 1.0])));
        kw.extend(extra);
        b.add(kind::MESHES, kw);
    })
}

/// Red channel of the floor at a world point.
fn floor_red(s: &Shot, p: Vec3) -> i32 {
    i32::from(s.at(p)[0])
}

#[test]
fn shadows_darken_the_floor_under_a_mesh() {
    let cam = over_the_shadow();
    // The shadow's centre and a point beside it on a tile of the same colour (two tiles over:
    // tiles are 0.5 wide).
    let (under, beside) = (shadow_of(-0.25, 0.5, 0.0), shadow_of(-1.25, 0.5, 0.0));
    let Some(on) = shot("shadows_mesh", &floating_cube(vec![]), 0, cam, &ViewOptions::default()) else {
        return;
    };
    let (u, s) = (floor_red(&on, under), floor_red(&on, beside));
    assert!(u + 8 < s, "shadow {u} vs beside {s}");
    // Toggle off: no difference.
    let off = ViewOptions {
        shadows: false,
        ..ViewOptions::default()
    };
    let Some(off) = shot("shadows_off", &floating_cube(vec![]), 0, cam, &off) else {
        return;
    };
    let (u, s) = (floor_red(&off, under), floor_red(&off, beside));
    assert!(u.abs_diff(s) <= 2, "shadows off: {u} vs {s}");
    // The lit floor is the same with shadows on and off, and so are the cube's faces that see
    // the light (its top and front): no self-shadowing acne.
    assert!(floor_red(&on, beside).abs_diff(s) <= 2);
    for face in [Vec3::new(0.0, 0.8, 0.0), Vec3::new(0.0, 0.5, 0.3)] {
        let (a, b) = (on.at(face), off.at(face));
        assert!(
            (0..3).all(|c| a[c].abs_diff(b[c]) <= 3),
            "lit face at {face}: {a:?} vs {b:?}"
        );
    }
    // cast_shadow=False: no difference either.
    let b = floating_cube(vec![("cast_shadow", Value::Bool(false))]);
    let Some(no_cast) = shot("shadows_no_cast", &b, 0, cam, &ViewOptions::default()) else {
        return;
    };
    let (u, s) = (floor_red(&no_cast, under), floor_red(&no_cast, beside));
    assert!(u.abs_diff(s) <= 2, "cast_shadow=False: {u} vs {s}");
}

fn floating_sphere(cast: Option<bool>) -> SceneBuilder {
    floating(|b| {
        let mut kw = vec![
            ("positions", arr(&[1, 3], &[0.0, 0.5, 0.0])),
            ("radius", Value::Float(0.3)),
            ("color", rgba([0.2, 0.4, 0.9, 1.0])),
        ];
        if let Some(c) = cast {
            kw.push(("cast_shadow", Value::Bool(c)));
        }
        b.add(kind::SPHERES, kw);
    })
}

#[test]
fn sphere_impostors_cast_round_shadows_only_when_asked() {
    let cam = over_the_shadow();
    let render = |cast| {
        with_renderer(|r| {
            r.render(
                &floating_sphere(cast).scene,
                &NoDerived,
                0,
                &cam,
                &ViewOptions::default(),
            )
        })
        .map(|img| img.unwrap())
    };
    let Some(s) = shot(
        "shadows_sphere",
        &floating_sphere(Some(true)),
        0,
        cam,
        &ViewOptions::default(),
    ) else {
        return;
    };
    let (Some(by_default), Some(not_cast)) = (render(None), render(Some(false))) else {
        return;
    };
    // aitviewer's Spheres cast no shadow unless asked: the default equals cast_shadow=False.
    assert!(support::diff(&by_default, &not_cast, 0).0 == 0);
    let at = |img: &[u8], p: Vec3| {
        let (x, y) = s.project(p);
        i32::from(support::pixel(img, W, x, y)[0])
    };
    let centre = shadow_of(0.0, 0.5, 0.0);
    assert!(
        at(&s.img, centre) + 8 < at(&not_cast, centre),
        "sphere shadow {} vs none {}",
        at(&s.img, centre),
        at(&not_cast, centre)
    );
    // The impostor's quad corner (outside the disc, seen from the light) throws no shadow: one
    // light-space step of 0.24 across is 0.24 in x and 0.24 / sin(elevation) in z on the floor.
    let corner = centre + Vec3::new(0.24, 0.0, 0.24 * (325.0f32).sqrt() / 10.0);
    assert!(
        at(&s.img, corner).abs_diff(at(&not_cast, corner)) <= 2,
        "quad corner {} vs none {}",
        at(&s.img, corner),
        at(&not_cast, corner)
    );
}
