//! The renderer follows the scene through real frame messages: playback picks frames already
//! on the GPU, add/update/remove upload only what changed, deletions free GPU memory, a node
//! re-created under the same key is rebuilt. Needs a Vulkan or GL adapter (llvmpipe is enough);
//! `MESHCAST_SKIP_GPU_TESTS=1` skips.

#![allow(clippy::unwrap_used)]

mod support;

use glam::Vec3;
use meshcast_protocol::{Envelope, Value};
use meshcast_viewer::core::camera::Camera;
use meshcast_viewer::core::ViewOptions;
use meshcast_viewer::geometry::NoDerived;
use meshcast_viewer::offscreen::OffscreenRenderer;
use support::{arr, cube, ints, kind, SceneBuilder};

const W: u32 = 96;
const H: u32 = 96;

fn renderer() -> Option<OffscreenRenderer> {
    if std::env::var("MESHCAST_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("MESHCAST_SKIP_GPU_TESTS=1: skipping a GPU test");
        return None;
    }
    Some(OffscreenRenderer::new(W, H).unwrap_or_else(|e| panic!("{e} (set MESHCAST_SKIP_GPU_TESTS=1 to skip)")))
}

fn opts() -> ViewOptions {
    ViewOptions {
        show_floor: false,
        ..ViewOptions::default()
    }
}

/// Vertices of a small cube centred at (x, 0, 0).
fn cube_at(x: f32) -> Vec<f32> {
    cube([x, 0.0, 0.0], 0.15).0
}

/// Is the pixel where world point `p` lands covered (not background)?
fn covered(img: &[u8], p: Vec3) -> bool {
    let q = Camera::default().view_proj(1.0).project_point3(p);
    let x = ((q.x * 0.5 + 0.5) * W as f32) as u32;
    let y = ((0.5 - q.y * 0.5) * H as f32) as u32;
    let px = support::pixel(img, W, x.min(W - 1), y.min(H - 1));
    px[0] < 240 || px[1] < 240 || px[2] < 240
}

/// Which of the x positions −0.6, −0.3, 0, 0.3, 0.6 show the cube.
fn where_is(img: &[u8]) -> Vec<f32> {
    [-0.6, -0.3, 0.0, 0.3, 0.6]
        .into_iter()
        .filter(|&x| covered(img, Vec3::new(x, 0.0, 0.15)))
        .collect()
}

fn frames_msg(msg_type: i64, uid: u64, xs: &[f32], frames: Option<Vec<i64>>) -> Envelope {
    let v: Vec<f32> = xs.iter().flat_map(|&x| cube_at(x)).collect();
    let mut env = Envelope::new(msg_type, Some(uid)).with_kwarg("vertices", arr(&[xs.len(), 8, 3], &v));
    if let Some(f) = frames {
        env = env.with_kwarg("frames", Value::List(f.into_iter().map(Value::Int).collect()));
    }
    env
}

#[test]
fn frames_follow_add_update_remove_and_delete() {
    let Some(mut r) = renderer() else { return };
    let cam = Camera::default();
    let mut b = SceneBuilder::default();
    let (_, faces) = cube([0.0; 3], 0.15);
    let v: Vec<f32> = [-0.6f32, -0.3].iter().flat_map(|&x| cube_at(x)).collect();
    let key = b.add(
        kind::MESHES,
        vec![("vertices", arr(&[2, 8, 3], &v)), ("faces", ints(&[12, 3], &faces))],
    );
    // Playback: both frames were uploaded once; frame 0 and 1 are different pictures.
    let img0 = r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap();
    // Two frames of positions and normals, one of colours.
    assert_eq!(r.renderer().stats().frames_uploaded, 3);
    assert_eq!(where_is(&img0), vec![-0.6]);
    let img1 = r.render(&b.scene, &NoDerived, 1, &cam, &opts()).unwrap();
    assert_eq!(r.renderer().stats().frames_uploaded, 0, "playing back uploads nothing");
    assert_eq!(where_is(&img1), vec![-0.3]);
    // A shorter node holds its last frame past its end.
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 7, &cam, &opts()).unwrap()),
        vec![-0.3]
    );
    let bytes_two = r.renderer().stats().gpu_bytes;

    // ADD_FRAMES: only the 3 new frames go up.
    b.apply(frames_msg(101, key.uid, &[0.0, 0.3, 0.6], None));
    let img = r.render(&b.scene, &NoDerived, 4, &cam, &opts()).unwrap();
    assert_eq!(r.renderer().stats().frames_uploaded, 3);
    assert_eq!(where_is(&img), vec![0.6]);
    assert!(r.renderer().stats().gpu_bytes > bytes_two);

    // UPDATE_FRAMES of frame 1: one frame goes up, and frame 1 shows it.
    b.apply(frames_msg(102, key.uid, &[0.6], Some(vec![1])));
    let img = r.render(&b.scene, &NoDerived, 1, &cam, &opts()).unwrap();
    assert_eq!(r.renderer().stats().frames_uploaded, 1);
    assert_eq!(where_is(&img), vec![0.6]);

    // REMOVE_FRAMES [0, 2]: the rest move down by GPU copies, nothing is recomputed.
    b.apply(Envelope::new(103, Some(key.uid)).with_kwarg("frames", Value::List(vec![Value::Int(0), Value::Int(2)])));
    let frames: Vec<Vec<f32>> = (0..3)
        .map(|f| where_is(&r.render(&b.scene, &NoDerived, f, &cam, &opts()).unwrap()))
        .collect();
    assert_eq!(frames, vec![vec![0.6], vec![0.3], vec![0.6]]);
    assert_eq!(b.scene.n_frames(), 3);

    // DELETE frees the node's buffers and leaves the background.
    b.apply(Envelope::new(100, Some(key.uid)));
    let img = r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap();
    assert!(where_is(&img).is_empty());
    assert_eq!(r.renderer().stats().gpu_bytes, 0);
    assert_eq!(r.renderer().node_count(), 0);
}

#[test]
fn a_sequence_drawn_before_it_is_packed_shows_the_frame_drawn_and_packs_the_rest_later() {
    let Some(mut r) = renderer() else { return };
    let Some(mut eager) = renderer() else { return };
    let cam = Camera::default();
    let mut b = SceneBuilder::default();
    let (_, faces) = cube([0.0; 3], 0.15);
    let xs = [-0.6f32, -0.3, 0.0, 0.3, 0.6];
    let n = 50;
    // Frame k: the cube at xs[k % 5], a little lower each frame (the floor is under the lowest).
    let v: Vec<f32> = (0..n)
        .flat_map(|k| {
            let mut c = cube_at(xs[k % 5]);
            c.iter_mut().skip(1).step_by(3).for_each(|y| *y -= 0.001 * k as f32);
            c
        })
        .collect();
    b.add(
        kind::MESHES,
        vec![("vertices", arr(&[n, 8, 3], &v)), ("faces", ints(&[12, 3], &faces))],
    );
    let no_time = || false;
    let opts = opts();
    let full = |eager: &mut OffscreenRenderer, f| eager.render(&b.scene, &NoDerived, f, &cam, &opts).unwrap();
    let lazy = |r: &mut OffscreenRenderer, f, more: &dyn Fn() -> bool| {
        r.render_within(&b.scene, &NoDerived, (f, &cam, &opts), more).unwrap()
    };
    // Drawing frame 12 without time to spare packs frame 12 (and the one colour) only, and
    // draws it as a full upload does, over the floor of every frame.
    let img = lazy(&mut r, 12, &no_time);
    let s = r.renderer().stats();
    assert_eq!((s.frames_uploaded, s.frames_stale), (2, n as u64 - 1));
    assert!(img == full(&mut eager, 12), "frame 12");
    assert_eq!(r.renderer().floor_height(), eager.renderer().floor_height());
    // Each frame drawn later is packed when drawn.
    assert_eq!(where_is(&lazy(&mut r, 31, &no_time)), vec![xs[1]]);
    assert_eq!(r.renderer().stats().frames_uploaded, 1);
    // With time, the rest go up in slices until none is left; then every frame is right.
    let mut slices = 0;
    while r.renderer().stats().frames_stale > 0 {
        let calls = std::cell::Cell::new(0);
        let one_run = || {
            calls.set(calls.get() + 1);
            calls.get() == 1
        };
        r.sync_for(&b.scene, &NoDerived, 31, &one_run);
        slices += 1;
        assert!(slices < n, "stale frames are packed as time allows");
    }
    assert!(slices > 1, "packed in several slices, not at once");
    for f in [0, 1, 13, 30, 49] {
        let img = lazy(&mut r, f, &no_time);
        assert_eq!(r.renderer().stats().frames_uploaded, 0, "frame {f} was packed before");
        assert!(img == full(&mut eager, f), "frame {f} differs from a full upload");
    }
}

#[test]
fn recreated_node_with_the_same_key_is_rebuilt() {
    let Some(mut r) = renderer() else { return };
    let cam = Camera::default();
    let mut b = SceneBuilder::default();
    let (_, faces) = cube([0.0; 3], 0.15);
    let uid = 5;
    let mesh = |x: f32| {
        Envelope::new(kind::MESHES, Some(uid))
            .with_kwarg("vertices", arr(&[8, 3], &cube_at(x)))
            .with_kwarg("faces", ints(&[12, 3], &faces))
    };
    b.apply(mesh(-0.6));
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap()),
        vec![-0.6]
    );
    b.apply(mesh(0.6));
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap()),
        vec![0.6]
    );
    // Re-created as spheres under the same key.
    b.apply(
        Envelope::new(kind::SPHERES, Some(uid))
            .with_kwarg("positions", arr(&[1, 3], &[0.0, 0.0, 0.0]))
            .with_kwarg("radius", Value::Float(0.15)),
    );
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap()),
        vec![0.0]
    );
    // A fresh scene (say, after a reconnect) whose node has the same key, seq and version.
    let mut fresh = SceneBuilder::default();
    fresh.apply(mesh(0.3));
    assert_eq!(
        where_is(&r.render(&fresh.scene, &NoDerived, 0, &cam, &opts()).unwrap()),
        vec![0.3]
    );
}

#[test]
fn instanced_kinds_update_per_frame() {
    let Some(mut r) = renderer() else { return };
    let cam = Camera::default();
    let mut b = SceneBuilder::default();
    let key = b.add(
        kind::SPHERES,
        vec![
            ("positions", arr(&[2, 1, 3], &[-0.6, 0.0, 0.15, 0.0, 0.0, 0.15])),
            ("radius", Value::Float(0.1)),
        ],
    );
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 0, &cam, &opts()).unwrap()),
        vec![-0.6]
    );
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 1, &cam, &opts()).unwrap()),
        vec![0.0]
    );
    b.apply(Envelope::new(101, Some(key.uid)).with_kwarg("positions", arr(&[1, 3], &[0.6, 0.0, 0.15])));
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 2, &cam, &opts()).unwrap()),
        vec![0.6]
    );
    assert_eq!(r.renderer().stats().frames_uploaded, 1);
    // Appending doubled the chunk: room for 4 frames of one 20-byte instance.
    assert_eq!(r.renderer().stats().gpu_bytes, 80);
    assert_eq!(r.renderer().stats().instances, 1);
}

#[test]
fn appends_read_pack_and_measure_only_the_new_frames() {
    let Some(mut r) = renderer() else { return };
    let cam = Camera::default();
    let mut b = SceneBuilder::default();
    let (_, faces) = cube([0.0; 3], 0.15);
    let mesh = b.add(
        kind::MESHES,
        vec![
            ("vertices", arr(&[1, 8, 3], &cube_at(-0.6))),
            ("faces", ints(&[12, 3], &faces)),
        ],
    );
    let dots = b.add(kind::SPHERES, vec![("positions", arr(&[1, 2, 3], &[0.0; 6]))]);
    r.sync(&b.scene, &NoDerived);
    // 300 appends to each node, a sync after each: the work per sync stays that of one frame
    // per node (a sync that rebuilt every frame key or bound would read hundreds).
    let xs = [-0.6f32, -0.3, 0.0, 0.3, 0.6];
    for k in 1..=300usize {
        // Each frame a little lower than the last: the floor must follow.
        let mut v = cube_at(xs[k % 5]);
        v.iter_mut().skip(1).step_by(3).for_each(|y| *y -= 0.0001 * k as f32);
        b.apply(Envelope::new(101, Some(mesh.uid)).with_kwarg("vertices", arr(&[8, 3], &v)));
        let p = [0.1 * k as f32, 0.0, 0.0, 0.0, -0.002 * k as f32, 0.0];
        b.apply(Envelope::new(101, Some(dots.uid)).with_kwarg("positions", arr(&[2, 3], &p)));
        r.sync(&b.scene, &NoDerived);
        let s = r.renderer().stats();
        assert_eq!(
            (s.frames_uploaded, s.keys_read, s.bounds_computed),
            (2, 2, 2),
            "append {k}: one frame per node uploaded, read and measured"
        );
    }
    // The same as a renderer that saw the whole sequence at once: floor, pictures.
    let Some(mut fresh) = renderer() else { return };
    fresh.sync(&b.scene, &NoDerived);
    assert_eq!(
        fresh.renderer().stats().frames_uploaded,
        2 * 301 + 1,
        "positions of both, one colour"
    );
    assert_eq!(r.renderer().floor_height(), fresh.renderer().floor_height());
    for f in [0, 1, 2, 150, 299, 300] {
        let a = r.render(&b.scene, &NoDerived, f, &cam, &opts()).unwrap();
        let c = fresh.render(&b.scene, &NoDerived, f, &cam, &opts()).unwrap();
        assert!(a == c, "frame {f} differs from a full upload");
        assert_eq!(where_is(&a), vec![xs[f % 5]], "frame {f}");
    }
    // An overwrite is no append: every key is read again (and one frame uploaded).
    b.apply(frames_msg(102, mesh.uid, &[0.6], Some(vec![7])));
    r.sync(&b.scene, &NoDerived);
    let s = r.renderer().stats();
    assert_eq!(
        (s.frames_uploaded, s.keys_read),
        (1, 301 + 1),
        "301 vertex keys, one colour key"
    );
    assert_eq!(
        where_is(&r.render(&b.scene, &NoDerived, 7, &cam, &opts()).unwrap()),
        vec![0.6]
    );
}
