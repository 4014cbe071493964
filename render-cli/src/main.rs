//! `meshcast-render`: the command line. See `docs/video.md`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use glam::Vec3;
use meshcast_render::encoder::{find_ffmpeg, Encoder, Quality};
use meshcast_render::render::{self, CameraSpec, Outputs};
use meshcast_render::{smpl, source};
use meshcast_viewer::core::video::{VideoCamera, VideoOptions};
use meshcast_viewer::core::ViewOptions;
use tracing_subscriber::EnvFilter;

/// Renders a meshcast recording, or a live relay's scene, to PNG frames and a video file, with
/// no display and no GPU needed (Mesa's llvmpipe serves).
#[derive(Parser, Debug)]
#[command(name = "meshcast-render", version)]
struct Cli {
    /// The recording to render (`meshcast-relay --record`, `RemoteViewer.record`).
    #[arg(required_unless_present = "relay", conflicts_with = "relay")]
    recording: Option<PathBuf>,
    /// Join this relay as a viewer and render its scene instead: HOST:PORT or a ws:// URL.
    #[arg(long)]
    relay: Option<String>,
    /// How long to wait for the relay's scene, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Folder of SMPL model files for the scene's SMPL bodies, laid out as for
    /// `meshcast-relay --smpl-models` (smpl/SMPL_NEUTRAL.npz, ...).
    #[arg(long, value_name = "DIR")]
    smpl_models: Option<PathBuf>,
    /// The video file to write: .webm (VP9) or .mp4 (H.264), encoded by ffmpeg.
    #[arg(short, long, required_unless_present = "png_dir")]
    output: Option<PathBuf>,
    /// A folder to write every frame to as frame00000.png, frame00001.png, ...
    #[arg(long)]
    png_dir: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    overwrite: bool,
    /// The first scene frame.
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// The last scene frame (inclusive; default: the scene's last).
    #[arg(long)]
    last: Option<usize>,
    /// Video frames per second.
    #[arg(long, default_value_t = 60.0)]
    fps: f64,
    /// Width in pixels (even).
    #[arg(long, default_value_t = 1280)]
    width: u32,
    /// Height in pixels (even).
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// Orbit the camera about the vertical axis through its target by this many degrees over
    /// the video (aitviewer's "rotate camera"); e.g. --orbit 360.
    #[arg(long, allow_negative_numbers = true)]
    orbit: Option<f32>,
    /// With --orbit and a single frame (--first N --last N): the orbit's length in seconds.
    #[arg(long, default_value_t = 4.0)]
    still_seconds: f64,
    /// Camera direction: rotation about +Y in degrees (0 looks along -Z, as aitviewer's default).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    yaw: f32,
    /// Camera elevation in degrees (positive looks down).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pitch: f32,
    /// The point the camera looks at, X,Y,Z (default: the centre of the scene's bounds).
    #[arg(long, value_parser = parse_vec3, allow_negative_numbers = true)]
    target: Option<Vec3>,
    /// The camera's distance to the target (default: the whole scene in view).
    #[arg(long)]
    distance: Option<f32>,
    /// Vertical field of view in degrees.
    #[arg(long)]
    fov: Option<f32>,
    /// Orthographic projection.
    #[arg(long)]
    orthographic: bool,
    /// Leave out the floor.
    #[arg(long)]
    no_floor: bool,
    /// Leave out the shadows.
    #[arg(long)]
    no_shadows: bool,
    /// Video quality.
    #[arg(long, value_enum, default_value = "medium")]
    quality: Quality,
    /// The ffmpeg binary (default: $MESHCAST_FFMPEG, else ffmpeg on the PATH).
    #[arg(long)]
    ffmpeg: Option<PathBuf>,
    /// Log filter (RUST_LOG syntax).
    #[arg(long, default_value = "info")]
    log: String,
}

fn parse_vec3(s: &str) -> Result<Vec3, String> {
    let v: Vec<f32> = s
        .split(',')
        .map(|c| c.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{s:?}: {e}"))?;
    match v[..] {
        [x, y, z] if x.is_finite() && y.is_finite() && z.is_finite() => Ok(Vec3::new(x, y, z)),
        _ => Err(format!("{s:?}: expected three finite numbers X,Y,Z")),
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).with_context(|| format!("invalid --log filter {:?}", cli.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let scene = match (&cli.recording, &cli.relay) {
        (Some(path), _) => source::recording(path)?,
        (None, Some(relay)) => source::relay(&source::viewer_url(relay), Duration::from_secs(cli.timeout))?,
        (None, None) => anyhow::bail!("give a recording file or --relay HOST:PORT"),
    };
    let bodies = smpl::bodies(&scene, cli.smpl_models.as_deref())?;
    let view = ViewOptions {
        show_floor: !cli.no_floor,
        shadows: !cli.no_shadows,
        ..ViewOptions::default()
    };
    let options = VideoOptions {
        first: cli.first,
        last: cli.last,
        fps: cli.fps,
        width: cli.width,
        height: cli.height,
        camera: cli
            .orbit
            .map_or(VideoCamera::Current, |degrees| VideoCamera::Orbit { degrees }),
        still_seconds: cli.still_seconds,
    };
    // Checked once without the camera (which needs a valid range to fit), then planned.
    let n_frames = scene.n_frames();
    let last = options.plan(n_frames, Default::default())?;
    let last_frame = last.frame(last.len() - 1).scene_frame;
    let spec = CameraSpec {
        yaw_deg: cli.yaw,
        pitch_deg: cli.pitch,
        fov_deg: cli.fov,
        target: cli.target,
        distance: cli.distance,
        orthographic: cli.orthographic,
    };
    let plan = options.plan(n_frames, spec.camera(&scene, &bodies, &view, cli.first, last_frame))?;

    // Find ffmpeg and check the output before spending time on rendering.
    let video = match &cli.output {
        Some(out) => {
            let ffmpeg = find_ffmpeg(cli.ffmpeg.as_deref())?;
            Some(Encoder::start(
                &ffmpeg,
                out,
                plan.size(),
                plan.fps(),
                cli.quality,
                cli.overwrite,
            )?)
        }
        None => None,
    };
    let mut r = render::renderer(&plan)?;
    let info = r.adapter_info().clone();
    tracing::info!(adapter = %info.name, backend = ?info.backend, frames = plan.len(), "rendering");
    let step = (plan.len() / 10).max(1);
    let report = render::render(
        &mut r,
        &scene,
        &bodies,
        &plan,
        &view,
        Outputs {
            png_dir: cli.png_dir.clone(),
            video,
        },
        |done, total| {
            if done % step == 0 || done == total {
                tracing::info!("frame {done}/{total}");
            }
        },
    )?;
    let (w, h) = plan.size();
    println!(
        "meshcast-render: {} frames, {w}x{h} at {} fps, on {} ({:?}): {:.3} s per rendered frame (median), {:.1} s in all",
        report.frames,
        plan.fps(),
        report.adapter,
        info.device_type,
        report.median_render_s(),
        report.total_s
    );
    if let Some(out) = &cli.output {
        println!("video: {}", out.display());
    }
    if let Some(dir) = &cli.png_dir {
        println!("frames: {}/frame00000.png ...", dir.display());
    }
    Ok(())
}
