//! The frame-exact loop: every frame of a [`VideoPlan`] rendered once, in order, with the
//! viewer's renderer offscreen, read back, and handed to the outputs (PNG files, the video
//! encoder). Nothing here depends on the clock except the timings it reports.

use std::path::{Path, PathBuf};
use std::time::Instant;

use glam::Vec3;
use meshcast_scene::Scene;
use meshcast_viewer::core::camera::Camera;
use meshcast_viewer::core::video::VideoPlan;
use meshcast_viewer::core::ViewOptions;
use meshcast_viewer::geometry::{scene_bounds, DerivedNodes};
use meshcast_viewer::offscreen::{OffscreenError, OffscreenRenderer};

use crate::encoder::{EncodeError, Encoder};

/// The target format: the sRGB view the page renders its canvas through, so the pixels match
/// the page's.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Multisampling, as the page's default (`?msaa=4`).
pub const MSAA: u32 = 4;
/// Frames sampled over the range to fit the camera to everything the video shows.
const FIT_SAMPLES: usize = 64;

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The GPU (or llvmpipe) failed.
    #[error(transparent)]
    Gpu(#[from] OffscreenError),
    /// Encoding failed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A PNG frame could not be written.
    #[error("cannot write {path}: {detail}")]
    Png {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
}

/// How the camera is set when the command line does not give all of it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CameraSpec {
    /// Rotation about +Y in degrees (0: looking along −Z, aitviewer's default).
    pub yaw_deg: f32,
    /// Elevation in degrees.
    pub pitch_deg: f32,
    /// Vertical field of view in degrees (`None`: 45).
    pub fov_deg: Option<f32>,
    /// The point looked at; with `distance`, no fitting.
    pub target: Option<Vec3>,
    /// The distance to the target.
    pub distance: Option<f32>,
    /// Orthographic projection.
    pub orthographic: bool,
}

impl CameraSpec {
    /// The camera: `target` and `distance` as given; what is not given comes from fitting the
    /// camera, from the given direction, to the bounds of what frames `first..=last` show
    /// (`derived`: the SMPL bodies' meshes).
    pub fn camera(
        &self,
        scene: &Scene,
        derived: &dyn DerivedNodes,
        view: &ViewOptions,
        first: usize,
        last: usize,
    ) -> Camera {
        let mut c = Camera {
            yaw: self.yaw_deg.to_radians(),
            pitch: self.pitch_deg.to_radians(),
            orthographic: self.orthographic,
            ..Camera::default()
        };
        if let Some(fov) = self.fov_deg {
            c.set_fov_deg(fov);
        }
        if self.target.is_none() || self.distance.is_none() {
            let span = last.saturating_sub(first);
            let steps = span.min(FIT_SAMPLES);
            let bounds = (0..=steps)
                .map(|k| first + (span * k).checked_div(steps).unwrap_or(0))
                .filter_map(|f| scene_bounds(scene, derived, f, view))
                .reduce(|a, b| a.union(b));
            if let Some(b) = bounds {
                c.fit(&b);
            }
        }
        if let Some(t) = self.target {
            c.target = t;
        }
        if let Some(d) = self.distance {
            c.distance = d;
            c.far = c.far.max(d * 10.0);
        }
        c
    }
}

/// Where the frames go.
pub struct Outputs {
    /// A folder for `frame00000.png` …
    pub png_dir: Option<PathBuf>,
    /// The video encoder.
    pub video: Option<Encoder>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Frames rendered.
    pub frames: usize,
    /// Seconds per frame: render + read back (without writing the outputs), in frame order.
    pub render_s: Vec<f64>,
    /// Seconds for the whole run, outputs included.
    pub total_s: f64,
    /// The adapter (`llvmpipe` on a machine without a GPU).
    pub adapter: String,
}

impl Report {
    /// The median seconds per rendered frame, leaving out the first (it uploads the scene).
    pub fn median_render_s(&self) -> f64 {
        let mut v: Vec<f64> = self.render_s.iter().skip(1).copied().collect();
        if v.is_empty() {
            v = self.render_s.clone();
        }
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    }
}

/// A renderer for `plan`'s size (the page's format and multisampling).
pub fn renderer(plan: &VideoPlan) -> Result<OffscreenRenderer, RenderError> {
    let (w, h) = plan.size();
    Ok(OffscreenRenderer::with_format(w, h, MSAA, FORMAT)?)
}

/// Renders every frame of `plan` once, in order, into `out`; `progress(done, total)` after each.
/// `derived` gives the meshes of nodes drawn from others (the SMPL bodies).
pub fn render(
    r: &mut OffscreenRenderer,
    scene: &Scene,
    derived: &dyn DerivedNodes,
    plan: &VideoPlan,
    view: &ViewOptions,
    mut out: Outputs,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report, RenderError> {
    let start = Instant::now();
    if let Some(dir) = &out.png_dir {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::Png {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
    }
    let (w, h) = plan.size();
    r.resize(w, h);
    let mut render_s = Vec::with_capacity(plan.len());
    for f in plan.frames() {
        let t = Instant::now();
        let rgba = r.render(scene, derived, f.scene_frame, &f.camera, view)?;
        render_s.push(t.elapsed().as_secs_f64());
        if let Some(dir) = &out.png_dir {
            write_png(&dir.join(plan.png_name(f.index)), w, h, &rgba)?;
        }
        if let Some(video) = out.video.as_mut() {
            video.push(&rgba)?;
        }
        progress(f.index + 1, plan.len());
    }
    if let Some(video) = out.video.take() {
        video.finish()?;
    }
    Ok(Report {
        frames: plan.len(),
        render_s,
        total_s: start.elapsed().as_secs_f64(),
        adapter: r.adapter_info().name.clone(),
    })
}

/// Writes an RGBA image as a PNG file.
pub fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<(), RenderError> {
    let err = |detail: String| RenderError::Png {
        path: path.display().to_string(),
        detail,
    };
    let file = std::fs::File::create(path).map_err(|e| err(e.to_string()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| err(e.to_string()))?;
    writer.write_image_data(rgba).map_err(|e| err(e.to_string()))?;
    writer.finish().map_err(|e| err(e.to_string()))
}
