//! The demo scene of the README's main command: an animated scene that uses every renderable kind
//! (meshes, spheres, lines, arrows, rigid bodies, skeletons and a plain node), 240 frames long.
//!
//! `cargo run -p meshcast-client --example demo -- [--host H] [--port P] [--loop]`. With `--loop`
//! it stays connected and sends the scene again whenever the relay restarts. With `--record FILE`
//! it writes the scene to a recording instead, with no relay (`meshcast-render FILE` makes a
//! video of it, `docs/video.md`).

mod shapes;

use std::f32::consts::TAU;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use glam::{Mat3, Vec3};
use meshcast_client::{
    ArrowsOptions, ConnectOptions, LineMode, LinesOptions, MeshOptions, NodeOptions, RemoteArrows, RemoteLines,
    RemoteMeshes, RemoteNode, RemoteRigidBodies, RemoteSkeletons, RemoteSpheres, RemoteViewer, RigidBodiesOptions,
    SkeletonsOptions, SpheresOptions,
};

/// Frames of the animation (4 s at aitviewer's 60 fps).
const FRAMES: usize = 240;

#[derive(Parser)]
struct Args {
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
    /// Stay running and send the scene again after the relay restarts.
    #[arg(long)]
    r#loop: bool,
    /// Write the scene to this recording file instead of sending it to a relay.
    #[arg(long, conflicts_with = "loop")]
    record: Option<std::path::PathBuf>,
}

fn phase(f: usize) -> f32 {
    f as f32 / FRAMES as f32 * TAU
}

fn send_scene(v: &RemoteViewer) -> anyhow::Result<()> {
    // A spinning torus and a bouncing cube with per-face colours.
    let torus = shapes::torus(0.35, 0.12, 48, 24);
    let spin: Vec<Vec<Vec3>> = (0..FRAMES)
        .map(|f| {
            let r = Mat3::from_rotation_x(phase(f)) * Mat3::from_rotation_z(0.3);
            torus.vertices.iter().map(|p| r * *p).collect()
        })
        .collect();
    RemoteMeshes::new(
        v,
        &spin,
        &torus.faces,
        MeshOptions::default()
            .name("Torus")
            .color([0.25, 0.5, 0.95, 1.0])
            .position([-0.95f32, 0.25, -0.3]),
    )?;
    let cube = shapes::cube();
    let bounce: Vec<Vec<Vec3>> = (0..FRAMES)
        .map(|f| {
            let h = (phase(f) * 2.0).sin().abs() * 0.5;
            cube.vertices
                .iter()
                .map(|p| *p * 0.3 + Vec3::new(0.0, -0.3 + h, -0.2))
                .collect()
        })
        .collect();
    let face_colors: Vec<[f32; 4]> = (0..cube.faces.len())
        .map(|i| {
            let h = (i / 2) as f32 / 6.0;
            [
                0.5 + 0.5 * (h * TAU).cos(),
                0.5 + 0.5 * (h * TAU + 2.1).cos(),
                0.5 + 0.5 * (h * TAU + 4.2).cos(),
                1.0,
            ]
        })
        .collect();
    RemoteMeshes::new(
        v,
        &bounce,
        &cube.faces,
        MeshOptions::default()
            .name("Cube")
            .flat_shading(true)
            .face_colors(face_colors)
            .draw_edges(true),
    )?;

    // A wave of 15 x 15 spheres with per-sphere colours.
    let n = 15;
    let wave: Vec<Vec<Vec3>> = (0..FRAMES)
        .map(|f| {
            (0..n * n)
                .map(|i| {
                    let (x, z) = (
                        (i % n) as f32 / (n - 1) as f32 - 0.5,
                        (i / n) as f32 / (n - 1) as f32 - 0.5,
                    );
                    let y = 0.1 * ((x * 8.0 + phase(f) * 2.0).sin() + (z * 8.0 + phase(f)).cos());
                    Vec3::new(0.95 + 0.8 * x, -0.3 + y, 0.8 * z)
                })
                .collect()
        })
        .collect();
    let colors: Vec<[f32; 4]> = (0..n * n)
        .map(|i| [(i % n) as f32 / n as f32, 0.4, (i / n) as f32 / n as f32, 1.0])
        .collect();
    RemoteSpheres::new(
        v,
        &wave,
        SpheresOptions::default().name("Wave").radius(0.03).colors(colors),
    )?;

    // A helix drawn as a line strip, turning.
    let helix: Vec<Vec<Vec3>> = (0..FRAMES)
        .map(|f| {
            (0..64)
                .map(|k| {
                    let t = k as f32 / 63.0;
                    let a = t * TAU * 3.0 + phase(f);
                    Vec3::new(0.15 * a.cos() - 0.45, t - 0.45, 0.15 * a.sin() - 0.9)
                })
                .collect()
        })
        .collect();
    RemoteLines::new(
        v,
        &helix,
        LinesOptions::default()
            .name("Helix")
            .r_base(0.012)
            .mode(LineMode::LineStrip)
            .color([0.9, 0.2, 0.6, 1.0]),
    )?;

    // A ring of arrows pointing outwards, breathing.
    let k = 12;
    let (origins, tips): (Vec<Vec<Vec3>>, Vec<Vec<Vec3>>) = (0..FRAMES)
        .map(|f| {
            let len = 0.15 + 0.06 * (phase(f) * 2.0).sin();
            (0..k)
                .map(|i| {
                    let a = i as f32 / k as f32 * TAU;
                    let dir = Vec3::new(a.cos(), 0.0, a.sin());
                    let o = Vec3::new(0.0, -0.48, 0.45) + dir * 0.15;
                    (o, o + dir * len)
                })
                .unzip()
        })
        .unzip();
    RemoteArrows::new(
        v,
        &origins,
        &tips,
        ArrowsOptions::default()
            .name("Arrows")
            .r_base(0.01)
            .r_head(0.025)
            .p(0.25),
    )?;

    // Three rigid bodies circling, each turning about its own axis.
    let (rb_pos, rb_ori): (Vec<Vec<Vec3>>, Vec<Vec<Mat3>>) = (0..FRAMES)
        .map(|f| {
            (0..3)
                .map(|i| {
                    let a = phase(f) + i as f32 * TAU / 3.0;
                    (
                        Vec3::new(-0.7 + 0.25 * a.cos(), -0.3, 0.45 + 0.25 * a.sin()),
                        Mat3::from_rotation_y(a * 2.0),
                    )
                })
                .unzip()
        })
        .unzip();
    RemoteRigidBodies::new(
        v,
        &rb_pos,
        &rb_ori,
        RigidBodiesOptions::default().name("Rigid bodies").length(0.15),
    )?;

    // A five-joint chain swinging like a pendulum.
    let chain: Vec<Vec<Vec3>> = (0..FRAMES)
        .map(|f| {
            let mut p = Vec3::new(0.55, 0.75, -0.8);
            let mut joints = vec![p];
            for j in 1..5 {
                let a = 0.5 * (phase(f) + j as f32 * 0.4).sin();
                p += Vec3::new(a.sin(), -a.cos(), 0.0) * 0.2;
                joints.push(p);
            }
            joints
        })
        .collect();
    RemoteSkeletons::new(
        v,
        &chain,
        &[[0u32, 1], [1, 2], [2, 3], [3, 4]][..],
        SkeletonsOptions::default().name("Pendulum").radius(0.03),
    )?;

    // A plain node: a transform group that moves up and down.
    let heights: Vec<[f32; 3]> = (0..FRAMES).map(|f| [0.0, 0.1 * phase(f).sin(), 0.0]).collect();
    RemoteNode::new(v, NodeOptions::default().name("Group").position(&heights))?;

    v.flush().context("the relay rejected part of the demo scene")?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    if let Some(path) = &args.record {
        let v = RemoteViewer::record(path)?;
        send_scene(&v)?;
        v.close()?;
        println!("demo scene recorded to {}", path.display());
        return Ok(());
    }
    let connect = || {
        RemoteViewer::connect_with(
            ConnectOptions::new(&args.host)
                .port(args.port)
                .timeout(Duration::from_secs(30)),
        )
    };
    let mut v = connect()?;
    send_scene(&v)?;
    println!(
        "demo scene sent to {}: open http://{}:{}/",
        v.url(),
        args.host,
        args.port
    );
    if !args.r#loop {
        return Ok(());
    }
    loop {
        std::thread::sleep(Duration::from_millis(500));
        if !v.is_connected() {
            println!("relay connection lost; reconnecting");
            v = connect()?;
            send_scene(&v)?;
            println!("demo scene sent again");
        }
    }
}
