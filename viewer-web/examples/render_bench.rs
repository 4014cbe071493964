//! Render benchmark (native offscreen): the target scene, 50 animated 6,890-vertex
//! meshes (100 frames each) plus 100,000 spheres, rendered with shadows on (the default: the
//! meshes cast, the spheres do not, as aitviewer's defaults say) and off, and the ingest of 1,000
//! frames of one 6,890-vertex mesh (and its first picture, packing every frame or the one shown).
//!
//! `cargo run -p meshcast-viewer --release --example render_bench [-- --width 1280 --height 720
//! --frames 60 --meshes 50 --mesh-frames 100 --spheres 100000 --msaa 4 --png out.png
//! --stream 10000 --scene 1]`
//!
//! `--stream N` (default 10,000; 0 skips) appends N frames of one 6,890-vertex mesh one
//! ADD_FRAMES message each, applying and syncing after each, and prints the time per 1,000
//! frames at the start and at the end (an append whose cost grew with the sequence would show
//! there). `--scene 0` skips the target scene.
//!
//! It prints the adapter (llvmpipe is a software rasteriser: its GPU times say nothing about a
//! real GPU) and, per figure, what it measures. "CPU per frame" is `Renderer::sync` +
//! `Renderer::render` (encode and submit) without waiting for the GPU; "with GPU wait" adds
//! `device.poll(wait)`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use meshcast_protocol::{Envelope, Value};
use meshcast_viewer::core::camera::Camera;
use meshcast_viewer::core::ViewOptions;
use meshcast_viewer::geometry::scene_bounds;
use meshcast_viewer::geometry::{NoDerived, SceneDraw};
use meshcast_viewer::offscreen::OffscreenRenderer;
use support::{arr, ints, kind, SceneBuilder};

/// Grid size: 130 × 53 = 6,890 vertices (SMPL's count), 13,416 triangles.
const GRID_U: usize = 130;
const GRID_V: usize = 53;

struct Args {
    width: u32,
    height: u32,
    frames: usize,
    meshes: usize,
    mesh_frames: usize,
    spheres: usize,
    msaa: u32,
    /// Where to save the last frame as PNG.
    png: Option<String>,
    /// Frames to stream one message each (0: skip).
    stream: usize,
    /// Run the target scene.
    scene: bool,
}

fn args() -> Args {
    let mut a = Args {
        width: 1280,
        height: 720,
        frames: 60,
        meshes: 50,
        mesh_frames: 100,
        spheres: 100_000,
        msaa: 4,
        png: None,
        stream: 10_000,
        scene: true,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    for pair in v.chunks(2) {
        let n = pair.get(1).and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
        match pair[0].as_str() {
            "--width" => a.width = n as u32,
            "--height" => a.height = n as u32,
            "--frames" => a.frames = n,
            "--meshes" => a.meshes = n,
            "--mesh-frames" => a.mesh_frames = n,
            "--spheres" => a.spheres = n,
            "--msaa" => a.msaa = n as u32,
            "--png" => a.png = pair.get(1).cloned(),
            "--stream" => a.stream = n,
            "--scene" => a.scene = n != 0,
            other => eprintln!("unknown argument {other}"),
        }
    }
    a
}

/// The faces of the grid, wrapped around in u (a tube).
fn grid_faces() -> Vec<i32> {
    let mut f = Vec::with_capacity((GRID_U) * (GRID_V - 1) * 6);
    for j in 0..GRID_V - 1 {
        for i in 0..GRID_U {
            let a = (j * GRID_U + i) as i32;
            let b = (j * GRID_U + (i + 1) % GRID_U) as i32;
            let c = a + GRID_U as i32;
            let d = b + GRID_U as i32;
            f.extend([a, c, b, b, c, d]);
        }
    }
    f
}

/// Frame `t` of an animated tube (a wobbling body-sized cylinder) centred at `(x, z)`.
fn tube_frame(x: f32, z: f32, t: usize, phase: f32, out: &mut Vec<f32>) {
    let time = t as f32 * 0.1 + phase;
    for j in 0..GRID_V {
        let h = j as f32 / (GRID_V - 1) as f32;
        let r = 0.15 + 0.05 * (h * 9.0 + time).sin();
        for i in 0..GRID_U {
            let a = std::f32::consts::TAU * i as f32 / GRID_U as f32;
            out.extend([x + r * a.cos(), 1.7 * h, z + r * a.sin() + 0.1 * (time + h * 3.0).sin()]);
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Creates a mesh of one frame (`frame`: 6,890 vertices) of the grid's faces.
fn one_frame_mesh(b: &mut SceneBuilder, frame: &[f32], faces: &[i32]) -> meshcast_scene::NodeKey {
    b.add(
        kind::MESHES,
        vec![
            ("vertices", arr(&[1, GRID_U * GRID_V, 3], frame)),
            ("faces", ints(&[faces.len() / 3, 3], faces)),
        ],
    )
}

/// Time to ingest 1,000 frames of one 6,890-vertex mesh: as one batch, and streamed as 1,000
/// single-frame `add_frames` messages with a sync after each (a viewer that renders between
/// arrivals).
fn ingest(r: &mut OffscreenRenderer) {
    let faces = grid_faces();
    let mut verts = Vec::with_capacity(1000 * GRID_U * GRID_V * 3);
    for t in 0..1000 {
        tube_frame(0.0, 0.0, t, 0.0, &mut verts);
    }
    println!("\n== ingest: 1,000 frames of a 6,890-vertex mesh ==");
    // Batch: one creation message carrying all 1,000 frames.
    let mut b = SceneBuilder::default();
    let t0 = Instant::now();
    b.add(
        kind::MESHES,
        vec![
            ("vertices", arr(&[1000, GRID_U * GRID_V, 3], &verts)),
            ("faces", ints(&[faces.len() / 3, 3], &faces)),
        ],
    );
    let apply = t0.elapsed();
    let t1 = Instant::now();
    r.sync(&b.scene, &NoDerived);
    let sync = t1.elapsed();
    r.wait().unwrap();
    let with_gpu = t1.elapsed();
    println!(
        "batch:    scene.apply {:8.1} ms | renderer.sync {:8.1} ms ({:.3} ms/frame: normals + pack + upload) | incl. GPU wait {:8.1} ms | {} frames uploaded, {:.0} MiB on GPU",
        ms(apply),
        ms(sync),
        ms(sync) / 1000.0,
        ms(with_gpu),
        r.renderer().stats().frames_uploaded,
        mb(r.renderer().stats().gpu_bytes)
    );
    first_picture(&b.scene);
    // Streamed: 1,000 ADD_FRAMES of one frame, syncing after each.
    let mut b = SceneBuilder::default();
    let frame_len = GRID_U * GRID_V * 3;
    let key = one_frame_mesh(&mut b, &verts[..frame_len], &faces);
    r.sync(&b.scene, &NoDerived);
    let mut apply = Duration::ZERO;
    let mut sync = Duration::ZERO;
    let mut uploaded = 0;
    for t in 1..1000 {
        let env = Envelope::new(101, Some(key.uid)).with_kwarg(
            "vertices",
            arr(&[GRID_U * GRID_V, 3], &verts[t * frame_len..(t + 1) * frame_len]),
        );
        let t0 = Instant::now();
        b.apply(env);
        apply += t0.elapsed();
        let t1 = Instant::now();
        r.sync(&b.scene, &NoDerived);
        sync += t1.elapsed();
        uploaded += r.renderer().stats().frames_uploaded;
    }
    let t1 = Instant::now();
    r.wait().unwrap();
    println!(
        "streamed: scene.apply {:8.1} ms | renderer.sync {:8.1} ms ({:.3} ms/frame) | final GPU wait {:6.1} ms | {} frames uploaded for 999 added",
        ms(apply),
        ms(sync),
        ms(sync) / 999.0,
        ms(t1.elapsed()),
        uploaded
    );
}

/// The first picture of `scene` (one node of 1,000 frames) on a fresh 320 × 240 renderer, sync +
/// render + read-back, median of 3 after a warm-up: packing every frame first (`sync`, what
/// offscreen rendering does) against packing the frame shown (`sync_for`, what the page does),
/// then what packing the rest in 8 ms slices takes.
fn first_picture(scene: &meshcast_scene::Scene) {
    let cam = Camera::default();
    let opts = ViewOptions::default();
    let fresh = || OffscreenRenderer::new(320, 240).unwrap();
    let no_time = || false;
    let (mut all, mut shown, mut rest, mut slices) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for run in 0..4 {
        let mut r = fresh();
        let t = Instant::now();
        r.render(scene, &NoDerived, 0, &cam, &opts).unwrap();
        let a = ms(t.elapsed());
        let mut r = fresh();
        let t = Instant::now();
        r.render_within(scene, &NoDerived, (0, &cam, &opts), &no_time).unwrap();
        let s = ms(t.elapsed());
        let t = Instant::now();
        let mut n = 0;
        while r.renderer().stats().frames_stale > 0 {
            let end = Instant::now() + Duration::from_millis(8);
            r.sync_for(scene, &NoDerived, 0, &|| Instant::now() < end);
            n += 1;
        }
        r.wait().unwrap();
        if run > 0 {
            all.push(a);
            shown.push(s);
            rest.push(ms(t.elapsed()));
            slices = n;
        }
    }
    println!(
        "first picture: packing every frame first {:8.1} ms | packing the frame shown {:8.1} ms ({:.1}×) | the other 999 in {slices} slices of 8 ms: {:.1} ms",
        median(all.clone()),
        median(shown.clone()),
        median(all) / median(shown),
        median(rest)
    );
}

/// Streams `n` frames of one 6,890-vertex mesh, one ADD_FRAMES message each, applying and
/// syncing after each (and waiting for the GPU every 1,000): time per 1,000 frames, first and
/// last, and the renderer's work per sync at the start and the end.
fn stream(r: &mut OffscreenRenderer, n: usize) {
    let faces = grid_faces();
    let frame_len = GRID_U * GRID_V * 3;
    // 100 distinct frames, cycled (the data's content does not matter, its size does).
    let mut verts = Vec::with_capacity(100 * frame_len);
    for t in 0..100 {
        tube_frame(0.0, 0.0, t, 0.0, &mut verts);
    }
    println!("\n== streaming: {n} frames of a 6,890-vertex mesh, one ADD_FRAMES message each, sync after each ==");
    let mut b = SceneBuilder::default();
    let key = one_frame_mesh(&mut b, &verts[..frame_len], &faces);
    r.sync(&b.scene, &NoDerived);
    let mut per_1000 = Vec::new();
    let mut work = Vec::new();
    let mut t0 = Instant::now();
    for t in 1..n {
        let f = t % 100;
        let env = Envelope::new(101, Some(key.uid)).with_kwarg(
            "vertices",
            arr(&[GRID_U * GRID_V, 3], &verts[f * frame_len..(f + 1) * frame_len]),
        );
        b.apply(env);
        r.sync(&b.scene, &NoDerived);
        let s = r.renderer().stats();
        work.push((s.frames_uploaded, s.keys_read, s.bounds_computed));
        if (t + 1) % 1000 == 0 {
            r.wait().unwrap();
            per_1000.push(ms(t0.elapsed()));
            t0 = Instant::now();
        }
    }
    let (Some(first), Some(last)) = (per_1000.first().copied(), per_1000.last().copied()) else {
        println!("(fewer than 1,000 frames: nothing to compare)");
        return;
    };
    let list: Vec<String> = per_1000.iter().map(|x| format!("{x:.0}")).collect();
    println!(
        "per 1,000 frames (apply + sync, GPU wait every 1,000): {} ms | last 1,000 / first 1,000: {:.2}x",
        list.join(" "),
        last / first
    );
    let (w0, w1) = (work[0], work[work.len() - 1]);
    println!(
        "work of one sync (frames uploaded, frame keys read, bounds computed): first append {w0:?}, append {} {w1:?} | {:.0} MiB on GPU",
        work.len(),
        mb(r.renderer().stats().gpu_bytes)
    );
}

/// Renders `frames` frames of `scene` (playing back) and prints the CPU and GPU-wait medians.
fn frame_times(
    r: &mut OffscreenRenderer,
    scene: &meshcast_scene::Scene,
    cam: &Camera,
    opts: &ViewOptions,
    frames: usize,
    label: &str,
    software: bool,
) {
    // Warm-up (pipeline compilation on first use).
    r.sync(scene, &NoDerived);
    r.submit(&SceneDraw::of(scene, &NoDerived), 0, cam, opts);
    r.wait().unwrap();

    let mut cpu = Vec::new();
    let mut total = Vec::new();
    for f in 0..frames {
        let frame = f % scene.n_frames();
        let t = Instant::now();
        r.sync(scene, &NoDerived);
        r.submit(&SceneDraw::of(scene, &NoDerived), frame, cam, opts);
        cpu.push(ms(t.elapsed()));
        r.wait().unwrap();
        total.push(ms(t.elapsed()));
    }
    let stats = r.renderer().stats();
    println!(
        "{label}: per rendered frame ({frames} frames, playing back): CPU (sync + encode + submit) median {:.3} ms, \
         max {:.3} ms | with GPU wait median {:.1} ms{} | {} draw calls, {} instances",
        median(cpu.clone()),
        cpu.iter().copied().fold(0.0, f64::max),
        median(total),
        if software {
            " (llvmpipe: software, not a GPU figure)"
        } else {
            ""
        },
        stats.draw_calls,
        stats.instances
    );
}

fn main() {
    let a = args();
    let mut r = OffscreenRenderer::with_msaa(a.width, a.height, a.msaa).unwrap_or_else(|e| panic!("{e}"));
    let info = r.adapter_info().clone();
    let software = info.device_type == wgpu::DeviceType::Cpu;
    println!(
        "adapter: {} ({:?}, {:?}){} | {}x{} | MSAA {}",
        info.name,
        info.backend,
        info.device_type,
        if software { " -- SOFTWARE rasteriser" } else { "" },
        a.width,
        a.height,
        r.renderer().caps().msaa_samples
    );
    ingest(&mut r);
    if a.stream > 0 {
        stream(&mut r, a.stream);
    }
    if !a.scene {
        return;
    }

    println!(
        "\n== target scene: {} animated 6,890-vertex meshes x {} frames + {} spheres ==",
        a.meshes, a.mesh_frames, a.spheres
    );
    let t0 = Instant::now();
    let mut b = SceneBuilder::default();
    let faces = grid_faces();
    let side = (a.meshes as f32).sqrt().ceil() as usize;
    let mut verts = Vec::new();
    for m in 0..a.meshes {
        verts.clear();
        let (x, z) = (
            (m % side) as f32 * 0.6 - side as f32 * 0.3,
            (m / side) as f32 * 0.6 - side as f32 * 0.3,
        );
        for t in 0..a.mesh_frames {
            tube_frame(x, z, t, m as f32, &mut verts);
        }
        let c = [
            0.3 + 0.7 * (m % 3) as f32 / 2.0,
            0.5,
            0.9 - 0.6 * (m % 5) as f32 / 4.0,
            1.0,
        ];
        b.add(
            kind::MESHES,
            vec![
                ("vertices", arr(&[a.mesh_frames, GRID_U * GRID_V, 3], &verts)),
                ("faces", ints(&[faces.len() / 3, 3], &faces)),
                ("color", arr(&[4], &c)),
            ],
        );
    }
    let n = a.spheres;
    let mut pos = Vec::with_capacity(n * 3);
    let mut col = Vec::with_capacity(n * 4);
    let grid = (n as f32).cbrt().ceil() as usize;
    for k in 0..n {
        let (i, j, l) = (k % grid, (k / grid) % grid, k / (grid * grid));
        pos.extend([
            i as f32 * 0.08 - grid as f32 * 0.04,
            2.0 + j as f32 * 0.08,
            l as f32 * 0.08 - grid as f32 * 0.04,
        ]);
        col.extend([
            i as f32 / grid as f32,
            j as f32 / grid as f32,
            l as f32 / grid as f32,
            1.0,
        ]);
    }
    if n > 0 {
        b.add(
            kind::SPHERES,
            vec![
                ("positions", arr(&[n, 3], &pos)),
                ("color", arr(&[n, 4], &col)),
                ("radius", Value::Float(0.02)),
            ],
        );
    }
    let built = t0.elapsed();
    let t1 = Instant::now();
    r.sync(&b.scene, &NoDerived);
    let sync = t1.elapsed();
    r.wait().unwrap();
    let stats = r.renderer().stats();
    println!(
        "build scene (CPU, apply) {:.0} ms | first sync {:.0} ms ({} frames uploaded, {:.0} MiB on GPU)",
        ms(built),
        ms(sync),
        stats.frames_uploaded,
        mb(stats.gpu_bytes)
    );

    let opts = ViewOptions::default();
    let mut cam = Camera {
        pitch: 0.35,
        yaw: 0.5,
        ..Camera::default()
    };
    if let Some(bb) = scene_bounds(&b.scene, &NoDerived, 0, &opts) {
        cam.fit(&bb);
    }
    // Shadows on (the default) and off, side by side in one run.
    let off = ViewOptions {
        shadows: false,
        ..ViewOptions::default()
    };
    for (label, opts) in [("shadows on ", &opts), ("shadows off", &off)] {
        frame_times(&mut r, &b.scene, &cam, opts, a.frames, label, software);
    }
    if let Some(path) = a.png {
        let img = r.render(&b.scene, &NoDerived, 0, &cam, &opts).unwrap();
        support::write_png(std::path::Path::new(&path), a.width, a.height, &img);
        println!("saved frame 0 to {path}");
    }
}
