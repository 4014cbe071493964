//! `meshcast-render` as a user runs it: the real binary on a recording written by the Rust
//! client and on a live relay (the real relay binary on a free loopback port), its videos decoded
//! with ffprobe/ffmpeg (frame count, duration, size, codec; one decoded frame's pixels against
//! the PNG of the same frame), the orbit, and the errors a user meets.
//!
//! Needs Mesa's llvmpipe (or a GPU) and Debian's ffmpeg (`scripts/lib.sh` installs both).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use meshcast_client::{ConnectOptions, RemoteSmplSequence, RemoteSpheres, RemoteViewer, SmplOptions, SpheresOptions};
use meshcast_testkit::RelayProcess;

const BIN: &str = env!("CARGO_BIN_EXE_meshcast-render");
/// Scene frames of the test scene.
const FRAMES: usize = 12;

/// A fresh folder under the target directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("meshcast-render-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The test scene: a red sphere moving from left to right over the frames, and a static blue
/// sphere at -Z (behind the red one's path, seen from the front).
fn send_scene(v: &RemoteViewer) {
    let red: Vec<Vec<[f32; 3]>> = (0..FRAMES)
        .map(|f| vec![[-0.8 + 1.6 * f as f32 / (FRAMES - 1) as f32, 0.0, 0.0]])
        .collect();
    RemoteSpheres::new(
        v,
        &red,
        SpheresOptions::default()
            .name("Red")
            .radius(0.15)
            .color([0.9, 0.1, 0.1, 1.0]),
    )
    .unwrap();
    RemoteSpheres::new(
        v,
        &[[[0.6f32, 0.0, -0.8]]][..],
        SpheresOptions::default()
            .name("Blue")
            .radius(0.15)
            .color([0.1, 0.1, 0.9, 1.0]),
    )
    .unwrap();
    v.flush().unwrap();
}

fn record_scene(path: &Path) {
    let v = RemoteViewer::record(path).unwrap();
    send_scene(&v);
    v.close().unwrap();
}

fn render(args: &[&str]) -> Output {
    let out = Command::new(BIN).args(args).env("RUST_LOG", "warn").output().unwrap();
    if std::env::var_os("MESHCAST_TEST_LOG").is_some() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "meshcast-render failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "meshcast-render should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What ffprobe says of a video: codec, width, height, decoded frame count, duration.
fn probe(video: &Path) -> (String, u32, u32, usize, f64) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames:format=duration",
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(video)
        .output()
        .expect("ffprobe (apt-get install ffmpeg; scripts/lib.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k} in {text}"))
            .to_owned()
    };
    (
        get("codec_name"),
        get("width").parse().unwrap(),
        get("height").parse().unwrap(),
        get("nb_read_frames").parse().unwrap(),
        get("duration").parse().unwrap(),
    )
}

/// Frame `n` of a video, decoded by ffmpeg to RGBA.
fn decode_frame(video: &Path, n: usize, dir: &TempDir) -> (u32, u32, Vec<u8>) {
    let png = dir.join(&format!("decoded{n}.png"));
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(video)
        .args([
            "-vf",
            &format!("select=eq(n\\,{n})"),
            "-vsync",
            "0",
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgba",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    read_png(&png)
}

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgba)
}

/// Mean absolute difference per channel (RGB), 0–255.
fn mean_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let sum: u64 = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .map(|(p, q)| (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>())
        .sum();
    sum as f64 / (a.len() / 4 * 3) as f64
}

/// The mean x (0..1 of the width) of the pixels where channel `c` clearly dominates, and how
/// many there are.
fn centroid(w: u32, rgba: &[u8], c: usize) -> (f64, usize) {
    let (mut n, mut sx) = (0usize, 0f64);
    for (i, p) in rgba.chunks_exact(4).enumerate() {
        if (0..3)
            .filter(|&k| k != c)
            .all(|k| i32::from(p[c]) > i32::from(p[k]) + 80)
        {
            n += 1;
            sx += (i % w as usize) as f64;
        }
    }
    (sx / n.max(1) as f64 / f64::from(w), n)
}

#[test]
fn renders_a_recording_to_png_frames_and_a_webm() {
    let dir = TempDir::new("webm");
    let rec = dir.join("scene.mcrec");
    record_scene(&rec);
    let video = dir.join("out.webm");
    let frames = dir.join("frames");
    let stdout = ok(&render(&[
        rec.to_str().unwrap(),
        "--first",
        "2",
        "--last",
        "9",
        "--fps",
        "24",
        "--width",
        "320",
        "--height",
        "240",
        "--no-floor",
        "-o",
        video.to_str().unwrap(),
        "--png-dir",
        frames.to_str().unwrap(),
    ]));
    assert!(stdout.contains("8 frames, 320x240 at 24 fps"), "{stdout}");

    // The video: VP9, 320×240, 8 frames, 8/24 s.
    let (codec, w, h, n, duration) = probe(&video);
    assert_eq!((codec.as_str(), w, h, n), ("vp9", 320, 240, 8));
    assert!((duration - 8.0 / 24.0).abs() < 0.01, "duration {duration}");

    // The PNG frames: one per video frame, each scene frame once and in order (the red sphere
    // moves right from frame to frame).
    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("frame{i:05}.png")).collect();
    assert_eq!(names, expected);
    let xs: Vec<f64> = (0..8)
        .map(|i| {
            let (w, _, px) = read_png(&frames.join(format!("frame{i:05}.png")));
            let (x, n) = centroid(w, &px, 0);
            assert!(n > 100, "frame {i}: red sphere missing ({n} pixels)");
            x
        })
        .collect();
    assert!(
        xs.windows(2).all(|p| p[1] > p[0] + 0.01),
        "red sphere x per frame: {xs:?}"
    );

    // One decoded frame against the PNG of the same frame (lossy VP9: a small mean difference).
    let (dw, dh, decoded) = decode_frame(&video, 5, &dir);
    let (pw, ph, png) = read_png(&frames.join("frame00005.png"));
    assert_eq!((dw, dh), (pw, ph));
    let d = mean_diff(&decoded, &png);
    assert!(d < 4.0, "decoded frame 5 differs from its PNG by {d:.2} on average");
    // ... and not from a neighbour's by as little (the frames are told apart).
    let (_, _, other) = read_png(&frames.join("frame00001.png"));
    assert!(
        mean_diff(&decoded, &other) > d,
        "decoded frame 5 is as close to frame 1"
    );
}

#[test]
fn a_still_frame_orbits_into_an_mp4() {
    let dir = TempDir::new("orbit");
    let rec = dir.join("scene.mcrec");
    record_scene(&rec);
    let video = dir.join("orbit.mp4");
    let frames = dir.join("frames");
    ok(&render(&[
        rec.to_str().unwrap(),
        "--first",
        "0",
        "--last",
        "0",
        "--orbit",
        "360",
        "--still-seconds",
        "1",
        "--fps",
        "10",
        "--width",
        "256",
        "--height",
        "192",
        "--no-floor",
        "-o",
        video.to_str().unwrap(),
        "--png-dir",
        frames.to_str().unwrap(),
    ]));
    let (codec, w, h, n, duration) = probe(&video);
    assert_eq!((codec.as_str(), w, h, n), ("h264", 256, 192, 10));
    assert!((duration - 1.0).abs() < 0.05, "duration {duration}");
    // Frame 0 looks from the front: red (at x = -0.8) left of blue (x = 0.6); half a turn
    // later it looks from behind, so red is right of blue.
    let sides = |i: usize| {
        let (w, _, px) = read_png(&frames.join(format!("frame{i:05}.png")));
        (centroid(w, &px, 0).0, centroid(w, &px, 2).0)
    };
    let (red0, blue0) = sides(0);
    let (red5, blue5) = sides(5);
    assert!(red0 < blue0, "front: red {red0} blue {blue0}");
    assert!(red5 > blue5, "behind: red {red5} blue {blue5}");
}

#[test]
fn renders_a_live_relays_scene() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(ConnectOptions::new("127.0.0.1").port(relay.port)).unwrap();
    send_scene(&v);
    let dir = TempDir::new("relay");
    let frames = dir.join("frames");
    let stdout = ok(&render(&[
        "--relay",
        &format!("127.0.0.1:{}", relay.port),
        "--width",
        "160",
        "--height",
        "120",
        "--png-dir",
        frames.to_str().unwrap(),
    ]));
    assert!(stdout.contains(&format!("{FRAMES} frames, 160x120")), "{stdout}");
    let (w, _, px) = read_png(&frames.join(format!("frame{:05}.png", FRAMES - 1)));
    assert!(centroid(w, &px, 0).1 > 20, "the relay's red sphere is drawn");
    v.close().unwrap();
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = TempDir::new("errors");
    let rec = dir.join("scene.mcrec");
    record_scene(&rec);
    let rec = rec.to_str().unwrap();
    let out = dir.join("out.webm");
    let out = out.to_str().unwrap();

    let e = err(&render(&[rec, "--last", "50", "-o", out]));
    assert!(
        e.contains("frame 50 is out of range: the scene has frames 0 to 11"),
        "{e}"
    );
    let e = err(&render(&[rec, "--width", "321", "-o", out]));
    assert!(e.contains("even numbers"), "{e}");
    let e = err(&render(&[rec, "-o", out, "--ffmpeg", "/nonexistent/ffmpeg"]));
    assert!(
        e.contains("ffmpeg was not found") && e.contains("apt-get install ffmpeg"),
        "{e}"
    );
    let e = err(&render(&[rec, "-o", dir.join("out.avi").to_str().unwrap()]));
    assert!(e.contains("use a .webm (VP9) or .mp4 (H.264)"), "{e}");
    std::fs::write(out, b"keep me").unwrap();
    let e = err(&render(&[rec, "-o", out]));
    assert!(e.contains("exists: choose another name or pass --overwrite"), "{e}");
    assert_eq!(std::fs::read(out).unwrap(), b"keep me");
    let e = err(&render(&[dir.join("missing.mcrec").to_str().unwrap(), "-o", out]));
    assert!(e.contains("cannot open the recording"), "{e}");
    std::fs::write(dir.join("bad.mcrec"), b"not a recording at all").unwrap();
    let e = err(&render(&[dir.join("bad.mcrec").to_str().unwrap(), "-o", out]));
    assert!(e.contains("cannot read the recording"), "{e}");
    let port = meshcast_testkit::free_port();
    let e = err(&render(&[
        "--relay",
        &format!("127.0.0.1:{port}"),
        "--png-dir",
        dir.join("f").to_str().unwrap(),
    ]));
    assert!(e.contains("cannot connect to the relay"), "{e}");
}

/// An SMPL body (a synthetic model with SMPL's dimensions, `smpl/tools/make_synthetic_model.py`)
/// walking to the right over 6 frames, rendered with `--smpl-models`: the red body is drawn in
/// every frame and moves right. Without the folder, the error says what to pass.
#[test]
fn renders_smpl_bodies_with_local_model_files() {
    let dir = TempDir::new("smpl");
    let models = dir.join("models");
    let model = models.join("smpl").join("SMPL_NEUTRAL.npz");
    std::fs::create_dir_all(model.parent().unwrap()).unwrap();
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../smpl/tools");
    meshcast_testkit::python::run(&[
        tools.join("make_synthetic_model.py").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--model-type",
        "smpl",
    ]);
    let rec = dir.join("smpl.mcrec");
    let v = RemoteViewer::record(&rec).unwrap();
    let n = 6;
    let trans: Vec<[f32; 3]> = (0..n).map(|f| [-0.6 + 0.24 * f as f32, 0.0, 0.0]).collect();
    RemoteSmplSequence::new(
        &v,
        vec![[0.0f32; 69]; n],
        SmplOptions::default().trans(trans).color([0.9, 0.1, 0.1, 1.0]),
    )
    .unwrap();
    v.close().unwrap();

    let frames = dir.join("frames");
    let rec = rec.to_str().unwrap();
    let stdout = ok(&render(&[
        rec,
        "--smpl-models",
        models.to_str().unwrap(),
        "--width",
        "200",
        "--height",
        "150",
        "--no-floor",
        "--png-dir",
        frames.to_str().unwrap(),
    ]));
    assert!(stdout.contains(&format!("{n} frames, 200x150")), "{stdout}");
    let xs: Vec<f64> = (0..n)
        .map(|i| {
            let (w, _, px) = read_png(&frames.join(format!("frame{i:05}.png")));
            let (x, count) = centroid(w, &px, 0);
            assert!(count > 200, "frame {i}: the body is missing ({count} red pixels)");
            x
        })
        .collect();
    assert!(xs.windows(2).all(|p| p[1] > p[0] + 0.01), "body x per frame: {xs:?}");

    let e = err(&render(&[rec, "--png-dir", dir.join("none").to_str().unwrap()]));
    assert!(
        e.contains("smpl/SMPL_NEUTRAL.npz") && e.contains("pass --smpl-models DIR"),
        "{e}"
    );
    let e = err(&render(&[
        rec,
        "--smpl-models",
        dir.join("empty").to_str().unwrap(),
        "--png-dir",
        dir.join("none").to_str().unwrap(),
    ]));
    assert!(e.contains("SMPL model") && e.contains("SMPL_NEUTRAL.npz"), "{e}");
}
