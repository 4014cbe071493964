//! The wgpu device and the surface on the page's canvas: WebGPU where the browser yields an
//! adapter (or `?backend=webgpu`), WebGL2 otherwise (or `?backend=webgl`). A build without the
//! `webgl` feature always tries WebGPU; one without the `webgpu` feature always uses WebGL2.
//!
//! WebGL2 offers an sRGB surface format, which the renderer draws in directly; WebGPU canvases are
//! plain `bgra8unorm`/`rgba8unorm`, where the renderer's shaders encode sRGB themselves, so colours
//! match on both backends (the browser tests compare them).

use crate::render::Caps;

use super::params::BackendChoice;

/// Why the GPU could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// WebGPU was asked for but the browser has no WebGPU adapter.
    #[error("WebGPU was requested (?backend=webgpu) but this browser offers no WebGPU adapter")]
    NoWebGpu,
    /// WebGPU was asked for but this build has only WebGL2 (the `webgpu` feature is off).
    #[error("WebGPU was requested (?backend=webgpu) but this build of the viewer has WebGL2 only")]
    NoWebGpuInBuild,
    /// WebGL2 was asked for but this build has only WebGPU (the `webgl` feature is off).
    #[error("WebGL2 was requested (?backend=webgl) but this build of the viewer has WebGPU only")]
    NoWebGl,
    /// The canvas could not get a context.
    #[error("cannot create a {backend} surface on the canvas: {reason}")]
    Surface {
        /// The backend tried.
        backend: &'static str,
        /// The error.
        reason: String,
    },
    /// No adapter matched.
    #[error("no {backend} adapter: {reason}")]
    Adapter {
        /// The backend tried.
        backend: &'static str,
        /// The error.
        reason: String,
    },
    /// The device request failed.
    #[error("cannot create a {backend} device: {reason}")]
    Device {
        /// The backend tried.
        backend: &'static str,
        /// The error.
        reason: String,
    },
    /// The surface offers no usable configuration.
    #[error("the {backend} surface supports no configuration for this adapter")]
    Config {
        /// The backend tried.
        backend: &'static str,
    },
}

/// The backend in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// WebGPU (`navigator.gpu`).
    WebGpu,
    /// WebGL2 through wgpu's GL backend.
    WebGl,
}

impl Backend {
    /// `"webgpu"` or `"webgl"` (the page's `data-backend`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::WebGpu => "webgpu",
            Backend::WebGl => "webgl",
        }
    }
}

/// Device, queue and the configured canvas surface.
pub struct Gpu {
    /// The backend in use.
    pub backend: Backend,
    /// The surface on the canvas.
    pub surface: wgpu::Surface<'static>,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// The surface configuration (size changes with the canvas).
    pub config: wgpu::SurfaceConfiguration,
    /// The format the renderer draws in (the surface's own format).
    pub view_format: wgpu::TextureFormat,
    /// What the renderer may use.
    pub caps: Caps,
    /// The adapter's name, for the page's info line.
    pub adapter_name: String,
}

impl Gpu {
    /// Sets up the GPU on `canvas`, whose width and height attributes are already set.
    pub async fn new(
        canvas: &web_sys::HtmlCanvasElement,
        choice: Option<BackendChoice>,
        msaa: u32,
    ) -> Result<Gpu, GpuError> {
        let backend = match choice {
            Some(BackendChoice::WebGpu) if !cfg!(feature = "webgpu") => return Err(GpuError::NoWebGpuInBuild),
            Some(BackendChoice::WebGpu) => {
                if !wgpu::util::is_browser_webgpu_supported().await {
                    return Err(GpuError::NoWebGpu);
                }
                Backend::WebGpu
            }
            Some(BackendChoice::WebGl) if !cfg!(feature = "webgl") => return Err(GpuError::NoWebGl),
            Some(BackendChoice::WebGl) => Backend::WebGl,
            // A WebGPU-only build tries WebGPU (its loader saw an adapter) without asking twice.
            None if !cfg!(feature = "webgl") => Backend::WebGpu,
            // A WebGL2-only build (the standard page's, loaded where WebGPU is missing) never asks.
            None if !cfg!(feature = "webgpu") => Backend::WebGl,
            None if wgpu::util::is_browser_webgpu_supported().await => Backend::WebGpu,
            None => Backend::WebGl,
        };
        let name = backend.name();
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = match backend {
            Backend::WebGpu => wgpu::Backends::BROWSER_WEBGPU,
            Backend::WebGl => wgpu::Backends::GL,
        };
        let instance = wgpu::Instance::new(desc);
        let surface = instance
            .create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone()))
            .map_err(|e| GpuError::Surface {
                backend: name,
                reason: e.to_string(),
            })?;
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: Some(&surface),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Adapter {
                backend: name,
                reason: e.to_string(),
            })?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("meshcast"),
                required_features: wgpu::Features::empty(),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Device {
                backend: name,
                reason: e.to_string(),
            })?;
        let width = canvas.width().max(1);
        let height = canvas.height().max(1);
        let mut config = surface
            .get_default_config(&adapter, width, height)
            .ok_or(GpuError::Config { backend: name })?;
        let formats = surface.get_capabilities(&adapter).formats;
        // Prefer a surface format that is sRGB itself (WebGL2). WebGPU canvases are never sRGB:
        // draw in the plain format and let the shaders encode sRGB (an sRGB view of the canvas
        // texture came out unencoded, too dark, in Chromium's WebGPU).
        if let Some(srgb) = formats.iter().copied().find(wgpu::TextureFormat::is_srgb) {
            config.format = srgb;
        }
        let view_format = config.format;
        config.view_formats = Vec::new();
        config.present_mode = wgpu::PresentMode::Fifo;
        surface.configure(&device, &config);
        let info = adapter.get_info();
        let caps = Caps {
            webgl: backend == Backend::WebGl,
            msaa_samples: msaa,
            shadows: Caps::shadows_for(&adapter),
        };
        Ok(Gpu {
            backend,
            surface,
            device,
            queue,
            config,
            view_format,
            caps,
            adapter_name: format!("{} ({:?})", info.name, info.backend),
        })
    }

    /// Reconfigures the surface for a new canvas size in device pixels; returns whether it
    /// changed.
    pub fn resize(&mut self, width: u32, height: u32) -> bool {
        let (w, h) = (width.max(1), height.max(1));
        if w == self.config.width && h == self.config.height {
            return false;
        }
        self.config.width = w;
        self.config.height = h;
        self.surface.configure(&self.device, &self.config);
        true
    }

    /// The next canvas texture, reconfiguring once when the surface is outdated or lost.
    pub fn acquire(&self) -> Option<wgpu::SurfaceTexture> {
        for _ in 0..2 {
            match self.surface.get_current_texture() {
                wgpu::CurrentSurfaceTexture::Success(t) | wgpu::CurrentSurfaceTexture::Suboptimal(t) => return Some(t),
                wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                    self.surface.configure(&self.device, &self.config);
                }
                _ => return None,
            }
        }
        None
    }
}
