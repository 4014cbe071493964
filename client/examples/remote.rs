//! The equivalent of aitviewer's `examples/remote.py`: three meshes made in code (a cube, an
//! icosphere and a torus), 200 frames each, sent frame by frame and in batches, then updated,
//! trimmed and shown at frame 50.
//!
//! Start a relay (`cargo run --release -p meshcast-relay`), open http://127.0.0.1:8417/ and run
//! `cargo run -p meshcast-client --example remote -- [--host H] [--port P]`.

mod shapes;

use anyhow::Context;
use clap::Parser;
use glam::{Mat3, Vec3};
use meshcast_client::{ConnectOptions, Frames, MeshOptions, RemoteMeshes, RemoteViewer};

#[derive(Parser)]
struct Args {
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let v = RemoteViewer::connect_with(ConnectOptions::new(&args.host).port(args.port))?;

    // The cube: one frame at creation, like aitviewer's example.
    let cube = shapes::cube();
    let c = RemoteMeshes::new(
        &v,
        &cube.vertices,
        &cube.faces,
        MeshOptions::default()
            .name("Cube")
            .flat_shading(true)
            .position([1.0f32, 0.0, 0.0])
            .scale(0.3f32)
            .color([0.9, 0.3, 0.2, 1.0]),
    )?;
    // 149 frames one by one: the cube grows.
    for k in 1..150 {
        let s = 1.0 + 4.0 * k as f32 / 149.0;
        c.add_frames(cube.vertices.iter().map(|p| *p * s).collect::<Vec<_>>())?;
    }
    // 50 frames at once: (50, V, 3).
    c.add_frames(vec![cube.vertices.clone(); 50])?;
    // Overwrite frame 3, then frames 80 and 83 with one frame each.
    c.update_frames(cube.vertices.iter().map(|p| *p * 0.5).collect::<Vec<_>>(), 3)?;
    let small: Vec<Vec3> = cube.vertices.iter().map(|p| *p * 0.2).collect();
    let large: Vec<Vec3> = cube.vertices.iter().map(|p| *p * 3.0).collect();
    c.update_frames(vec![small, large], [80, 83])?;
    // Remove frame 85, then frames 90..100: 189 frames remain.
    c.remove_frames(85)?;
    c.remove_frames(Frames::range(90, 100, 1))?;

    // The icosphere bounces: all 200 frames in one message.
    let ico = shapes::icosphere(2);
    let bounce: Vec<Vec<Vec3>> = (0..200)
        .map(|f| {
            let h = (f as f32 / 200.0 * std::f32::consts::TAU * 2.0).sin().abs() * 1.5;
            ico.vertices
                .iter()
                .map(|p| *p * 0.4 + Vec3::new(-1.0, 0.4 + h, 0.0))
                .collect()
        })
        .collect();
    RemoteMeshes::new(
        &v,
        &bounce,
        &ico.faces,
        MeshOptions::default().name("Icosphere").draw_edges(true),
    )?;

    // The torus spins: created with 100 frames, 100 more added in two batches.
    let torus = shapes::torus(0.6, 0.2, 48, 24);
    let spin = |f: usize| -> Vec<Vec3> {
        let r = Mat3::from_rotation_x(f as f32 / 200.0 * std::f32::consts::TAU);
        torus
            .vertices
            .iter()
            .map(|p| r * *p + Vec3::new(0.0, 1.0, -1.5))
            .collect()
    };
    let t = RemoteMeshes::new(
        &v,
        (0..100).map(spin).collect::<Vec<_>>(),
        &torus.faces,
        MeshOptions::default().name("Torus").color([0.2, 0.5, 0.9, 1.0]),
    )?;
    t.add_frames((100..150).map(spin).collect::<Vec<_>>())?;
    t.add_frames((150..200).map(spin).collect::<Vec<_>>())?;

    v.set_frame(50)?;
    let started = std::time::Instant::now();
    v.flush().context("the relay rejected part of the example")?;
    println!(
        "sent 3 meshes (cube 189 frames, icosphere 200, torus 200) to {}; the relay applied everything ({:.1} ms after the last send)",
        v.url(),
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
