//! Streams a cloud of spheres that moves at a fixed rate (60 Hz by default) for N seconds and
//! prints what it achieved: updates per second, megabytes per second and how long the relay
//! took to acknowledge the last update.
//!
//! `cargo run --release -p meshcast-client --example live_stream -- --seconds 10`
//! (`--count 10000`, `--rate 60`, `--rate 0` for as fast as possible, `--append` to add a frame
//! per update instead of overwriting frame 0, `--host`, `--port`).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use glam::Vec3;
use meshcast_client::{ConnectOptions, RemoteSpheres, RemoteViewer, SpheresOptions};

#[derive(Parser)]
struct Args {
    /// How long to stream, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Number of spheres.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Updates per second; 0 sends as fast as the connection takes them.
    #[arg(long, default_value_t = 60.0)]
    rate: f64,
    /// Append a frame per update (the node grows) instead of overwriting frame 0.
    #[arg(long)]
    append: bool,
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
}

/// Positions at time `t`: points on a sphere, wobbling.
fn cloud(n: usize, t: f32) -> Vec<Vec3> {
    let golden = std::f32::consts::PI * (3.0 - 5f32.sqrt());
    (0..n)
        .map(|i| {
            let y = 1.0 - 2.0 * (i as f32 + 0.5) / n as f32;
            let r = (1.0 - y * y).sqrt();
            let a = golden * i as f32 + t * 0.5;
            let wobble = 1.0 + 0.15 * (t * 3.0 + y * 8.0).sin();
            Vec3::new(r * a.cos(), y, r * a.sin()) * wobble + Vec3::Y * 1.2
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args = Args::parse();
    let v = RemoteViewer::connect_with(ConnectOptions::new(&args.host).port(args.port))?;
    let spheres = RemoteSpheres::new(
        &v,
        cloud(args.count, 0.0),
        SpheresOptions::default()
            .name("cloud")
            .radius(0.01)
            .color([0.9, 0.4, 0.1, 1.0]),
    )?;
    v.flush().context("creating the cloud")?;

    let period = (args.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / args.rate));
    let bytes_per_update = args.count * 12;
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(args.seconds);
    let mut updates = 0u64;
    let mut slowest_send = Duration::ZERO;
    let mut next = start;
    while Instant::now() < end {
        let positions = cloud(args.count, start.elapsed().as_secs_f32());
        let sent = Instant::now();
        if args.append {
            spheres.add_frames(&positions)?;
        } else {
            spheres.update_frames(&positions, 0)?;
        }
        slowest_send = slowest_send.max(sent.elapsed());
        updates += 1;
        if let Some(p) = period {
            next += p;
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
    let sending = start.elapsed();
    let flush_started = Instant::now();
    v.flush().context("the relay rejected an update")?;
    let ack = flush_started.elapsed();
    let total = start.elapsed();
    println!(
        "{updates} updates of {} spheres ({:.2} MB each) in {:.2} s: {:.1} updates/s, {:.1} MB/s sent",
        args.count,
        bytes_per_update as f64 / 1e6,
        sending.as_secs_f64(),
        updates as f64 / sending.as_secs_f64(),
        (updates as f64 * bytes_per_update as f64) / 1e6 / sending.as_secs_f64()
    );
    println!(
        "slowest send call {:.2} ms; the relay acknowledged the last update {:.1} ms after it was sent; {:.1} updates/s applied end to end",
        slowest_send.as_secs_f64() * 1e3,
        ack.as_secs_f64() * 1e3,
        updates as f64 / total.as_secs_f64()
    );
    Ok(())
}
