//! Streams a synthetic walking SMPL body, one frame per tick (60 Hz by default), and moves the
//! viewer to each new frame: hips, knees, shoulders and elbows swing with sines, the root moves
//! forward along +z and bobs a little. The viewer evaluates the body model (the relay must serve
//! the model files: `meshcast-relay --smpl-models DIR`, see docs/smpl.md).
//!
//! `cargo run -p meshcast-client --example smpl_walk -- --seconds 10` (`--rate 60`, `--host`,
//! `--port`, `--gender neutral|male|female`).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use meshcast_client::{ConnectOptions, Gender, RemoteSmplSequence, RemoteViewer, SmplFrames, SmplOptions};

#[derive(Parser)]
struct Args {
    /// How long to stream, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Frames per second.
    #[arg(long, default_value_t = 60.0)]
    rate: f64,
    /// Which model file the viewer uses: neutral, male or female.
    #[arg(long, default_value = "neutral")]
    gender: String,
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
}

/// Walking speed in metres per second and steps (half cycles) per second.
const SPEED: f32 = 1.1;
const CADENCE: f32 = 1.8;

/// Sets SMPL joint `joint`'s axis-angle in a 69-value body pose (joint 0, the root, is not in it).
fn set(pose: &mut [f32; 69], joint: usize, aa: [f32; 3]) {
    pose[(joint - 1) * 3..joint * 3].copy_from_slice(&aa);
}

/// The body pose, root orientation and translation at time `t` seconds.
fn walk(t: f32) -> ([f32; 69], [f32; 3], [f32; 3]) {
    let phase = std::f32::consts::PI * CADENCE * t;
    let s = phase.sin();
    let knee = (phase + 0.8).sin();
    let mut p = [0.0f32; 69];
    // Hips swing about x (negative = forward), knees bend on the forward swing.
    set(&mut p, 1, [-0.45 * s, 0.0, 0.0]);
    set(&mut p, 2, [0.45 * s, 0.0, 0.0]);
    set(&mut p, 4, [0.05 + 0.6 * knee.max(0.0), 0.0, 0.0]);
    set(&mut p, 5, [0.05 + 0.6 * (-knee).max(0.0), 0.0, 0.0]);
    // Ankles keep the feet roughly level.
    set(&mut p, 7, [0.2 * s, 0.0, 0.0]);
    set(&mut p, 8, [-0.2 * s, 0.0, 0.0]);
    // A little counter-rotation of the spine.
    set(&mut p, 3, [0.05, 0.08 * s, 0.0]);
    set(&mut p, 6, [0.0, 0.05 * s, 0.0]);
    // Arms down from the T-pose (about z), swinging against the legs (about x), elbows bent.
    set(&mut p, 16, [0.35 * s, 0.0, -1.2]);
    set(&mut p, 17, [-0.35 * s, 0.0, 1.2]);
    set(&mut p, 18, [0.0, -0.3 - 0.2 * (1.0 + s), 0.0]);
    set(&mut p, 19, [0.0, 0.3 + 0.2 * (1.0 - s), 0.0]);
    let root = [0.0, 0.1 * s, 0.0];
    let trans = [0.0, 0.02 * (2.0 * phase).cos(), SPEED * t];
    (p, root, trans)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args = Args::parse();
    let gender = match args.gender.as_str() {
        "male" => Gender::Male,
        "female" => Gender::Female,
        _ => Gender::Neutral,
    };
    let v = RemoteViewer::connect_with(ConnectOptions::new(&args.host).port(args.port))?;
    let (pose, root, trans) = walk(0.0);
    let body = RemoteSmplSequence::new(
        &v,
        vec![pose],
        SmplOptions::default()
            .name("walker")
            .gender(gender)
            .poses_root(vec![root])
            .trans(vec![trans]),
    )?;
    v.flush()
        .context("creating the body (is the model file in the relay's --smpl-models folder?)")?;

    let period = Duration::from_secs_f64(1.0 / args.rate.max(1.0));
    let start = Instant::now();
    let mut next = start;
    let mut frames = 1i64;
    while start.elapsed().as_secs_f64() < args.seconds {
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let (pose, root, trans) = walk(frames as f32 / args.rate as f32);
        body.add_frames_with(SmplFrames::new(vec![pose]).poses_root(vec![root]).trans(vec![trans]))?;
        v.set_frame(frames)?;
        frames += 1;
        if frames % 60 == 0 {
            // Keeps the producer from running ahead of the relay; reports rejections at once.
            v.flush().context("the relay rejected a frame")?;
        }
    }
    v.flush().context("the relay rejected a frame")?;
    println!(
        "streamed {frames} frames in {:.2} s ({:.1} frames/s)",
        start.elapsed().as_secs_f64(),
        frames as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}
