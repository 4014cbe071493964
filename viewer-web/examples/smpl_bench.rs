//! SMPL evaluation benchmark through the viewer's `SmplBodies` (native, one thread): how many
//! body frames per second the viewer turns into meshes.
//!
//! ```text
//! python3 smpl/tools/make_synthetic_model.py --out /tmp/smpl_synth.npz
//! cargo run -p meshcast-viewer --release --example smpl_bench -- /tmp/smpl_synth.npz [frames]
//! ```
//!
//! Figures: (1) a whole sequence received at once (`SmplBodies::sync` of an N-frame node);
//! (2) streaming, one `add_frames` of one frame then one `sync` at a time (only the new frame is
//! evaluated; the per-sync bookkeeping grows with the frame count, so the figure is taken over
//! the last frames too); (3) area-weighted vertex normals per frame (the renderer computes them
//! once per frame at upload); (4) evaluation + upload to the GPU through the offscreen renderer
//! (`Renderer::sync` with the bodies: normals, packing, buffer writes), when an adapter exists.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use meshcast_protocol::{Command, Envelope, NdArray, SmplModelType, Value};
use meshcast_scene::{NodeKey, Scene};
use meshcast_viewer::offscreen::OffscreenRenderer;
use meshcast_viewer::smpl_bodies::{Gender, ModelFile, SmplBodies};

fn values(n: usize, scale: f32, state: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            ((*state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

fn arr(shape: &[usize], v: &[f32]) -> Value {
    NdArray::from_f32(shape, v).unwrap().into()
}

/// Creation (n frames) of SMPL node `uid`: every joint rotated (the worst case for pose blend).
fn create(uid: u64, n: usize, state: &mut u64) -> Envelope {
    Envelope::new(10, Some(uid))
        .with_kwarg("poses_body", arr(&[n, 69], &values(n * 69, 0.5, state)))
        .with_kwarg("poses_root", arr(&[n, 3], &values(n * 3, 1.0, state)))
        .with_kwarg("trans", arr(&[n, 3], &values(n * 3, 1.0, state)))
        .with_kwarg("betas", arr(&[1, 10], &values(10, 1.5, state)))
}

fn add_frame(uid: u64, state: &mut u64) -> Envelope {
    Envelope::new(101, Some(uid))
        .with_kwarg("poses_body", arr(&[1, 69], &values(69, 0.5, state)))
        .with_kwarg("poses_root", arr(&[1, 3], &values(3, 1.0, state)))
        .with_kwarg("trans", arr(&[1, 3], &values(3, 1.0, state)))
}

fn apply(scene: &mut Scene, env: Envelope) {
    scene.apply(1, Command::from_envelope(env).unwrap()).unwrap();
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: smpl_bench <model.npz> [frames]")?;
    let frames: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let bytes = std::fs::read(&path)?;
    let file = ModelFile::new(SmplModelType::Smpl, Gender::Neutral);
    let mut state = 0x2545_f491_4f6c_dd1du64;

    let mut bodies = SmplBodies::new();
    let t = Instant::now();
    bodies.load_model(file, &bytes)?;
    println!("model {path} loaded in {:.1} ms", t.elapsed().as_secs_f64() * 1e3);

    // (1) A whole sequence at once.
    let mut scene = Scene::new();
    apply(&mut scene, create(1, frames, &mut state));
    let t = Instant::now();
    let st = bodies.sync(&scene);
    let dt = t.elapsed().as_secs_f64();
    assert_eq!(st.frames, frames);
    println!(
        "whole sequence ({frames} frames, one sync):      {:8.0} frames/s ({:.3} ms/frame)",
        frames as f64 / dt,
        dt * 1e3 / frames as f64
    );
    let key = NodeKey { client: 1, uid: 1 };

    // (2) Streaming: one frame per add_frames + sync.
    let mut stream = Scene::new();
    let mut sb = SmplBodies::new();
    sb.load_model(file, &bytes)?;
    apply(&mut stream, create(2, 1, &mut state));
    sb.sync(&stream);
    let t = Instant::now();
    let mut last_quarter = Instant::now();
    for k in 0..frames {
        if k == frames * 3 / 4 {
            last_quarter = Instant::now();
        }
        apply(&mut stream, add_frame(2, &mut state));
        let st = sb.sync(&stream);
        assert_eq!(st.frames, 1);
    }
    let dt = t.elapsed().as_secs_f64();
    let tail = frames - frames * 3 / 4;
    println!(
        "streaming (add_frames of 1 + sync, {frames} times):  {:8.0} frames/s; over the last {tail} (node at {}..{} frames): {:.0} frames/s",
        frames as f64 / dt,
        frames * 3 / 4,
        frames,
        tail as f64 / last_quarter.elapsed().as_secs_f64()
    );

    // (3) Normals of every evaluated frame.
    let faces: Vec<u32> = {
        let m = meshcast_smpl::SmplModel::from_npz(&bytes)?;
        m.faces().to_vec()
    };
    let count = frames.min(1000);
    let mut normals = Vec::new();
    let t = Instant::now();
    for f in 0..count {
        let v = bodies.vertices(&key, f).unwrap();
        normals.resize(v.len(), 0.0);
        meshcast_smpl::vertex_normals_into(&v, &faces, &mut normals);
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "vertex normals ({count} frames):                  {:8.0} frames/s (the renderer computes them once per frame at upload)",
        count as f64 / dt
    );

    // (4) Evaluation + GPU upload through the renderer.
    match OffscreenRenderer::new(64, 64) {
        Ok(mut r) => {
            let info = r.adapter_info().clone();
            let mut up_scene = Scene::new();
            let mut ub = SmplBodies::new();
            ub.load_model(file, &bytes)?;
            apply(&mut up_scene, create(3, count, &mut state));
            let t = Instant::now();
            ub.sync(&up_scene);
            r.sync(&up_scene, &ub);
            r.wait()?;
            let dt = t.elapsed().as_secs_f64();
            println!(
                "evaluate + upload ({count} frames, {}):  {:8.0} frames/s (normals, packing, buffer writes)",
                info.name,
                count as f64 / dt
            );
        }
        Err(e) => println!("evaluate + upload: skipped ({e})"),
    }
    Ok(())
}
