//! Shared helpers of the renderer tests and the render benchmark: scene building, geometry,
//! PNG files and image comparison.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use meshcast_protocol::{Command, Envelope, NdArray, Value};
use meshcast_scene::{NodeKey, Scene};

/// Message type numbers of the creation messages.
pub mod kind {
    /// NODE.
    pub const NODE: i64 = 1;
    /// MESHES.
    pub const MESHES: i64 = 2;
    /// SPHERES.
    pub const SPHERES: i64 = 3;
    /// LINES.
    pub const LINES: i64 = 4;
    /// ARROWS.
    pub const ARROWS: i64 = 5;
    /// RIGID_BODIES.
    pub const RIGID_BODIES: i64 = 6;
    /// SMPL.
    pub const SMPL: i64 = 10;
    /// SKELETONS.
    pub const SKELETONS: i64 = 11;
}

/// An `f32` array value.
pub fn arr(shape: &[usize], v: &[f32]) -> Value {
    NdArray::from_f32(shape, v).unwrap().into()
}

/// An `i32` array value.
pub fn ints(shape: &[usize], v: &[i32]) -> Value {
    NdArray::from_i32(shape, v).unwrap().into()
}

/// An RGBA colour value.
pub fn rgba(c: [f32; 4]) -> Value {
    arr(&[4], &c)
}

/// Builds scenes through the real message path (`Command::from_envelope` + `Scene::apply`).
pub struct SceneBuilder {
    /// The scene.
    pub scene: Scene,
    /// The client id used for every node.
    pub client: u64,
    next_uid: u64,
}

impl Default for SceneBuilder {
    fn default() -> Self {
        Self {
            scene: Scene::new(),
            client: 1,
            next_uid: 1,
        }
    }
}

impl SceneBuilder {
    /// Creates a node of the given message type with keyword arguments.
    pub fn add(&mut self, msg_type: i64, kw: Vec<(&str, Value)>) -> NodeKey {
        let uid = self.next_uid;
        self.next_uid += 1;
        let mut env = Envelope::new(msg_type, Some(uid));
        for (k, v) in kw {
            env = env.with_kwarg(k, v);
        }
        self.apply(env);
        NodeKey {
            client: self.client,
            uid,
        }
    }

    /// Applies any envelope.
    pub fn apply(&mut self, env: Envelope) {
        let cmd = Command::from_envelope(env).unwrap();
        self.scene.apply(self.client, cmd).unwrap();
    }
}

/// An axis-aligned box mesh: 8 vertices, 12 triangles wound counter-clockwise from outside.
pub fn cube(center: [f32; 3], half: f32) -> (Vec<f32>, Vec<i32>) {
    let mut v = Vec::new();
    for i in 0..8 {
        v.push(center[0] + if i & 1 == 0 { -half } else { half });
        v.push(center[1] + if i & 2 == 0 { -half } else { half });
        v.push(center[2] + if i & 4 == 0 { -half } else { half });
    }
    let f = vec![
        0, 2, 1, 1, 2, 3, // -z
        4, 5, 6, 5, 7, 6, // +z
        0, 1, 4, 1, 5, 4, // -y
        2, 6, 3, 3, 6, 7, // +y
        0, 4, 2, 2, 4, 6, // -x
        1, 3, 5, 3, 7, 5, // +x
    ];
    (v, f)
}

/// A UV sphere mesh with `rings × sectors` quads.
pub fn uv_sphere(center: [f32; 3], r: f32, rings: usize, sectors: usize) -> (Vec<f32>, Vec<i32>) {
    let mut v = Vec::new();
    for i in 0..=rings {
        let theta = std::f32::consts::PI * i as f32 / rings as f32;
        for j in 0..=sectors {
            let phi = std::f32::consts::TAU * j as f32 / sectors as f32;
            v.push(center[0] + r * theta.sin() * phi.cos());
            v.push(center[1] + r * theta.cos());
            v.push(center[2] - r * theta.sin() * phi.sin());
        }
    }
    let mut f = Vec::new();
    let w = sectors + 1;
    for i in 0..rings {
        for j in 0..sectors {
            let a = (i * w + j) as i32;
            let b = a + w as i32;
            f.extend([a, b, a + 1, a + 1, b, b + 1]);
        }
    }
    (v, f)
}

/// Folder of the golden images.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

/// Writes an RGBA8 PNG.
pub fn write_png(path: &Path, w: u32, h: u32, rgba: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(rgba).unwrap();
}

/// Reads an RGBA8 PNG: `(width, height, pixels)`.
pub fn read_png(path: &Path) -> Option<(u32, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).ok()?;
    let dec = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = dec.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    buf.truncate(info.buffer_size());
    Some((info.width, info.height, buf))
}

/// The RGBA of pixel `(x, y)`.
pub fn pixel(img: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * w + x) * 4) as usize;
    [img[i], img[i + 1], img[i + 2], img[i + 3]]
}

/// Pixels whose largest channel difference exceeds `tolerance`, and the largest difference.
pub fn diff(a: &[u8], b: &[u8], tolerance: u8) -> (usize, u8) {
    let mut count = 0;
    let mut max = 0;
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        let d = pa.iter().zip(pb).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0);
        max = max.max(d);
        if d > tolerance {
            count += 1;
        }
    }
    (count, max)
}
