//! Native offscreen rendering (golden-image tests, benchmarks): the same [`Renderer`] as in the
//! browser, drawing into a texture that is read back as RGBA8.
//!
//! The adapter comes from Vulkan or GL (`WGPU_BACKEND=vulkan|gl` narrows it; on a machine
//! without a GPU Mesa's llvmpipe software rasteriser serves). `WGPU_ADAPTER_NAME` picks an
//! adapter whose name contains the given text.

use meshcast_scene::Scene;

use crate::core::camera::Camera;
use crate::core::ViewOptions;
use crate::geometry::{DerivedNodes, NoDerived, SceneDraw};
use crate::render::{Caps, ReadbackTarget, Renderer};

/// The offscreen target's default format: plain RGBA8, so pixels hold the shader's output as is.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// Why offscreen rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum OffscreenError {
    /// No Vulkan or GL adapter could be created.
    #[error(
        "no GPU adapter for backends {backends:?} ({detail}); install a Vulkan or GL driver, e.g. \
         `apt-get install mesa-vulkan-drivers` for the llvmpipe software rasteriser"
    )]
    NoAdapter {
        /// The backends tried.
        backends: wgpu::Backends,
        /// What wgpu said.
        detail: String,
    },
    /// The adapter refused to create a device.
    #[error("could not create a device on {adapter}: {detail}")]
    Device {
        /// The adapter's name.
        adapter: String,
        /// What wgpu said.
        detail: String,
    },
    /// Reading the image back failed.
    #[error("reading the frame back failed: {0}")]
    Readback(String),
    /// wgpu reported a validation or out-of-memory error while rendering.
    #[error("wgpu error while rendering: {0}")]
    Gpu(String),
}

/// A device, a [`Renderer`] and an offscreen target, kept for many frames.
pub struct OffscreenRenderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    renderer: Renderer,
    width: u32,
    height: u32,
    target: ReadbackTarget,
    format: wgpu::TextureFormat,
}

impl OffscreenRenderer {
    /// A renderer for `width × height` images with 4× MSAA when the adapter supports it.
    pub fn new(width: u32, height: u32) -> Result<Self, OffscreenError> {
        Self::with_msaa(width, height, 4)
    }

    /// A renderer with the given MSAA sample count (1 or 4; 4 falls back to 1 if unsupported).
    pub fn with_msaa(width: u32, height: u32, msaa: u32) -> Result<Self, OffscreenError> {
        Self::with_format(width, height, msaa, FORMAT)
    }

    /// A renderer into a target of the given 4-byte RGBA format (`Rgba8Unorm` or
    /// `Rgba8UnormSrgb`: the browser renders into an sRGB view of its canvas).
    pub fn with_format(
        width: u32,
        height: u32,
        msaa: u32,
        format: wgpu::TextureFormat,
    ) -> Result<Self, OffscreenError> {
        let backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::VULKAN | wgpu::Backends::GL);
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let mut adapters = pollster::block_on(instance.enumerate_adapters(backends));
        if let Ok(want) = std::env::var("WGPU_ADAPTER_NAME") {
            let want = want.to_lowercase();
            adapters.retain(|a| a.get_info().name.to_lowercase().contains(&want));
        }
        // Prefer a real GPU, then Vulkan over GL.
        adapters.sort_by_key(|a| {
            let i = a.get_info();
            (
                i.device_type == wgpu::DeviceType::Cpu,
                i.backend != wgpu::Backend::Vulkan,
            )
        });
        let Some(adapter) = adapters.into_iter().next() else {
            return Err(OffscreenError::NoAdapter {
                backends,
                detail: "no adapter enumerated".into(),
            });
        };
        let info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("meshcast offscreen"),
            required_features: wgpu::Features::empty(),
            required_limits: wgpu::Limits::downlevel_webgl2_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| OffscreenError::Device {
            adapter: info.name.clone(),
            detail: e.to_string(),
        })?;
        let flags = adapter.get_texture_format_features(format).flags;
        let msaa = if msaa == 4 && flags.sample_count_supported(4) {
            4
        } else {
            1
        };
        let caps = Caps {
            webgl: info.backend == wgpu::Backend::Gl,
            msaa_samples: msaa,
            shadows: Caps::shadows_for(&adapter),
        };
        let mut renderer = Renderer::new(&device, &queue, format, caps);
        let (width, height) = (width.max(1), height.max(1));
        renderer.resize(&device, width, height);
        let target = ReadbackTarget::new(&device, format, width, height);
        tracing::info!(adapter = %info.name, backend = ?info.backend, msaa, "offscreen renderer ready");
        Ok(Self {
            device,
            queue,
            info,
            renderer,
            width,
            height,
            target,
            format,
        })
    }

    /// The adapter in use (name, backend, device type: `Cpu` for llvmpipe).
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// The device.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The queue.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// The renderer (for its stats).
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// Image size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Changes the image size.
    pub fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.max(1), height.max(1));
        if (width, height) == (self.width, self.height) {
            return;
        }
        self.renderer.resize(&self.device, width, height);
        self.target = ReadbackTarget::new(&self.device, self.format, width, height);
        (self.width, self.height) = (width, height);
    }

    /// Uploads what changed in the scene ([`Renderer::sync`]); SMPL nodes draw what `derived`
    /// holds for them (call [`crate::smpl_bodies::SmplBodies::sync`] first).
    pub fn sync(&mut self, scene: &Scene, derived: &dyn DerivedNodes) {
        let draw = SceneDraw::of(scene, derived);
        self.renderer.sync(&self.device, &self.queue, &draw);
    }

    /// [`Renderer::sync_for`]: packs what scene frame `frame` draws, then other changed frames
    /// while `more()` says there is time; the rest wait for later syncs.
    pub fn sync_for(&mut self, scene: &Scene, derived: &dyn DerivedNodes, frame: usize, more: &dyn Fn() -> bool) {
        let draw = SceneDraw::of(scene, derived);
        self.renderer.sync_for(&self.device, &self.queue, &draw, frame, more);
    }

    /// [`OffscreenRenderer::render`] with [`Renderer::sync_for`]: packs what scene frame `frame`
    /// draws, then other changed frames while `more()` says there is time (the rest wait for
    /// later syncs), renders and reads back.
    pub fn render_within(
        &mut self,
        scene: &Scene,
        derived: &dyn DerivedNodes,
        view: (usize, &Camera, &ViewOptions),
        more: &dyn Fn() -> bool,
    ) -> Result<Vec<u8>, OffscreenError> {
        let (frame, camera, opts) = view;
        let draw = SceneDraw::of(scene, derived);
        self.renderer.sync_for(&self.device, &self.queue, &draw, frame, more);
        self.submit(&draw, frame, camera, opts);
        self.read_back()
    }

    /// Encodes and submits one frame of the scene's draw data without waiting for the GPU
    /// ([`Renderer::render`]).
    pub fn submit(&mut self, draw: &SceneDraw<'_>, frame: usize, camera: &Camera, opts: &ViewOptions) {
        self.renderer
            .render(&self.device, &self.queue, &self.target.view, draw, frame, camera, opts);
    }

    /// Blocks until the GPU has finished everything submitted.
    pub fn wait(&self) -> Result<(), OffscreenError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| OffscreenError::Readback(e.to_string()))
    }

    /// Syncs, renders and reads back one frame: `width × height × 4` bytes, RGBA8, rows top to
    /// bottom.
    pub fn render(
        &mut self,
        scene: &Scene,
        derived: &dyn DerivedNodes,
        frame: usize,
        camera: &Camera,
        opts: &ViewOptions,
    ) -> Result<Vec<u8>, OffscreenError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let draw = SceneDraw::of(scene, derived);
        self.renderer.sync(&self.device, &self.queue, &draw);
        self.submit(&draw, frame, camera, opts);
        let validation = pollster::block_on(scope.pop());
        if let Some(e) = validation {
            return Err(OffscreenError::Gpu(e.to_string()));
        }
        self.read_back()
    }

    /// Copies the target into the readback buffer, maps it and returns its pixels.
    fn read_back(&mut self) -> Result<Vec<u8>, OffscreenError> {
        self.target.copy(&self.device, &self.queue);
        let (tx, rx) = std::sync::mpsc::channel();
        self.target.buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.wait()?;
        rx.recv()
            .map_err(|e| OffscreenError::Readback(e.to_string()))?
            .map_err(|e| OffscreenError::Readback(e.to_string()))?;
        self.target
            .take_pixels()
            .map_err(|e| OffscreenError::Readback(e.to_string()))
    }
}

/// Renders one image of `scene` (no SMPL bodies) at scene frame `frame` with a fresh device: RGBA8 bytes, rows
/// top to bottom. Use [`OffscreenRenderer`] to render many.
pub fn render_to_rgba(
    scene: &Scene,
    frame: usize,
    camera: &Camera,
    opts: &ViewOptions,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, OffscreenError> {
    OffscreenRenderer::new(width, height)?.render(scene, &NoDerived, frame, camera, opts)
}
