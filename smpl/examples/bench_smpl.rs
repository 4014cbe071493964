//! Benchmark: frames per second for evaluating one body, single-threaded.
//!
//! ```text
//! python3 smpl/tools/make_synthetic_model.py --out /tmp/smpl_synth.npz
//! cargo run -p meshcast-smpl --release --example bench_smpl -- /tmp/smpl_synth.npz [frames]
//! ```

use std::time::Instant;

use meshcast_smpl::{vertex_normals_into, Evaluator, FrameParams, SequenceOptions, SequenceParams, SmplModel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench_smpl <model.npz> [frames]")?;
    let frames: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let bytes = std::fs::read(&path)?;
    let t = Instant::now();
    let model = SmplModel::from_npz(&bytes)?;
    println!(
        "loaded {path}: {} vertices, {} faces, {} joints, {} shape dirs in {:.1} ms",
        model.num_vertices(),
        model.num_faces(),
        model.num_joints(),
        model.num_shape_dirs(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Deterministic pseudo-random poses: every joint rotated (the worst case for pose blend).
    let body = model.body_pose_len();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = |scale: f32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    };
    let poses: Vec<f32> = (0..frames * body).map(|_| rnd(0.5)).collect();
    let roots: Vec<f32> = (0..frames * 3).map(|_| rnd(1.0)).collect();
    let trans: Vec<f32> = (0..frames * 3).map(|_| rnd(1.0)).collect();
    let betas: Vec<f32> = (0..10).map(|_| rnd(1.5)).collect();

    let mut ev = Evaluator::new(&model);
    let mut v = vec![0.0f32; model.num_vertices() * 3];
    let mut j = vec![0.0f32; model.num_joints() * 3];
    let frame = |f: usize| FrameParams {
        betas: &betas,
        poses_root: [roots[f * 3], roots[f * 3 + 1], roots[f * 3 + 2]],
        poses_body: &poses[f * body..(f + 1) * body],
        trans: [trans[f * 3], trans[f * 3 + 1], trans[f * 3 + 2]],
        ..Default::default()
    };
    // Warm up, then time.
    for f in 0..frames.min(50) {
        ev.evaluate(&frame(f), &mut v, &mut j)?;
    }
    let t = Instant::now();
    for f in 0..frames {
        ev.evaluate(&frame(f), &mut v, &mut j)?;
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "Evaluator::evaluate (shared betas):   {:8.0} frames/s  ({:.3} ms/frame, {frames} frames)",
        frames as f64 / dt,
        dt * 1e3 / frames as f64
    );

    // Same frames without body pose: no pose correctives, so this is the cost of the rest.
    let zeros = vec![0.0f32; body];
    let t = Instant::now();
    for f in 0..frames {
        ev.evaluate(
            &FrameParams {
                poses_body: &zeros,
                ..frame(f)
            },
            &mut v,
            &mut j,
        )?;
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "  of which without pose blend (root only): {:8.0} frames/s",
        frames as f64 / dt
    );

    let all: Vec<FrameParams<'_>> = (0..frames).map(frame).collect();
    let mut vs = vec![0.0f32; frames * model.num_vertices() * 3];
    let mut js = vec![0.0f32; frames * model.num_joints() * 3];
    let t = Instant::now();
    ev.evaluate_many(&all, &mut vs, &mut js)?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "Evaluator::evaluate_many ({frames} frames): {:8.0} frames/s",
        frames as f64 / dt
    );

    let t = Instant::now();
    let seq = model.evaluate_sequence(
        &SequenceParams {
            poses_body: &poses,
            poses_root: &roots,
            trans: &trans,
            betas: meshcast_smpl::Rows::new(&betas, 10),
            ..Default::default()
        },
        &SequenceOptions::default(),
    )?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "evaluate_sequence ({frames} frames):     {:8.0} frames/s",
        frames as f64 / dt
    );

    let mut normals = vec![0.0f32; v.len()];
    let t = Instant::now();
    for f in 0..frames.min(500) {
        let n = model.num_vertices() * 3;
        vertex_normals_into(&seq.vertices[f * n..(f + 1) * n], model.faces(), &mut normals);
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "vertex_normals:                       {:8.0} frames/s",
        frames.min(500) as f64 / dt
    );
    Ok(())
}
