//! The page's viewer: the [`ViewerState`] core plus the platform parts (GPU, renderer, SMPL
//! bodies). Handlers turn events into [`Action`]s and hand them to
//! [`App::act`]; what changed ([`Changed`]) becomes what the next frame refreshes ([`Dirty`]).

use std::sync::{Arc, Mutex};

use crate::core::camera::Camera;
use crate::core::{Action, Changed, DrawPacer, ViewOptions, ViewerState};
use crate::geometry::{inspect, Geometry, Hit, NoDerived, SceneDraw};
use crate::render::{ReadbackTarget, Renderer};
use crate::smpl_bodies::ShownParts;

use super::gpu::Gpu;
use super::params::Params;

/// What needs refreshing on the next frame; filled only from [`Changed`] values (and a resize).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dirty {
    /// Render a new frame.
    pub redraw: bool,
    /// Rebuild the scene list.
    pub scene_list: bool,
    /// Rebuild the properties panel.
    pub details: bool,
    /// Rebuild the server (clients) list.
    pub clients: bool,
    /// The connection state or the error line changed: the top bar shows it on this frame, even
    /// while messages stream in and the panels wait (`DrawPacer::refresh_panels`).
    pub status: bool,
}

impl Dirty {
    fn all() -> Dirty {
        Dirty {
            redraw: true,
            scene_list: true,
            details: true,
            clients: true,
            status: true,
        }
    }

    /// Adds the refreshes a change needs.
    pub fn note(&mut self, c: Changed) {
        self.redraw |= c.needs_redraw();
        self.scene_list |= c.needs_scene_list();
        self.details |= c.needs_details();
        self.clients |= c.needs_clients();
        self.status |= c.needs_status();
    }
}

/// A rendered frame waiting in a buffer to be read back ([`App::render_readback`]).
pub struct Readback {
    /// The texture it was drawn into and the buffer it was copied to.
    pub target: ReadbackTarget,
    /// The pixels are BGRA (the canvas format), not RGBA.
    pub bgra: bool,
}

impl Readback {
    /// A `width × height` target in the canvas's format.
    pub fn new(gpu: &Gpu, width: u32, height: u32) -> Readback {
        let format = gpu.view_format;
        Readback {
            target: ReadbackTarget::new(&gpu.device, format, width, height),
            bgra: matches!(
                format,
                wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
            ),
        }
    }

    /// The mapped buffer's pixels as RGBA rows, top to bottom (then unmapped).
    pub fn pixels(&self) -> Result<Vec<u8>, wgpu::MapRangeError> {
        let mut rgba = self.target.take_pixels()?;
        if self.bgra {
            rgba.chunks_exact_mut(4).for_each(|p| p.swap(0, 2));
        }
        Ok(rgba)
    }
}

/// A video export in progress ([`super::video`]): the frame loop leaves the renderer (sized for
/// the video) alone and only shows the progress.
#[derive(Debug, Clone)]
pub struct ExportProgress {
    /// Frames done.
    pub done: usize,
    /// Frames in all.
    pub total: usize,
    /// Set to stop the export after the frame being rendered.
    pub cancel: std::rc::Rc<std::cell::Cell<bool>>,
    /// The encoder: `webcodecs`, `mediarecorder` or `png`.
    pub encoder: &'static str,
}

/// The viewer on the page.
pub struct App {
    /// The viewer's state and rules.
    pub core: ViewerState,
    /// GPU device and canvas surface.
    pub gpu: Gpu,
    /// The renderer.
    pub renderer: Renderer,
    /// URL parameters.
    pub params: Params,
    /// What to refresh next frame.
    pub dirty: Dirty,
    /// Help overlay shown.
    pub help_open: bool,
    /// PNG downloads made (`data-screenshots`).
    pub screenshots: u64,
    /// SMPL bodies and their model files.
    pub smpl: super::models::Smpl,
    /// What inspect mode found under the cursor last (`None`: nothing there, or no hover yet).
    pub inspected: Option<Hit>,
    /// The video export running, if one is.
    pub export: Option<ExportProgress>,
    /// Videos exported (`data-videos-exported`).
    pub videos: u64,
    /// When redraws are drawn while relay messages stream in.
    pub pacer: DrawPacer,
    /// The last drawn frame's start and the time the GPU reported its work done (`now_ms`), set
    /// by the queue's callback and handed to the pacer at the next frame callback.
    pub gpu_done: Arc<Mutex<Option<(f64, f64)>>>,
}

impl App {
    /// A viewer with an empty scene.
    pub fn new(gpu: Gpu, params: Params) -> App {
        let mut renderer = Renderer::new(&gpu.device, &gpu.queue, gpu.view_format, gpu.caps);
        renderer.resize(&gpu.device, gpu.config.width, gpu.config.height);
        let mut core = ViewerState::new(params.autotarget);
        if params.play {
            core.apply(Action::SetPlaying(true), &Geometry(&NoDerived));
        }
        App {
            core,
            gpu,
            renderer,
            dirty: Dirty::all(),
            help_open: false,
            screenshots: 0,
            smpl: super::models::Smpl::default(),
            inspected: None,
            export: None,
            videos: 0,
            pacer: DrawPacer::default(),
            gpu_done: Arc::default(),
            params,
        }
    }

    /// The nearest hit under canvas point (x, y) (CSS pixels in a `w × h` canvas) at the frame
    /// shown: what a click selects and what inspect mode shows.
    pub fn hit_at(&self, x: f64, y: f64, w: f64, h: f64) -> Option<Hit> {
        let (w, h) = (w.max(1.0), h.max(1.0));
        let ndc_x = (x / w * 2.0 - 1.0) as f32;
        let ndc_y = (1.0 - y / h * 2.0) as f32;
        let (origin, dir) = self.core.camera().ray(ndc_x, ndc_y, (w / h) as f32);
        let shown = ShownParts {
            bodies: &self.smpl.bodies,
            hidden: &self.core.view().hidden_parts,
        };
        inspect(self.core.scene(), &shown, self.frame(), self.core.view(), origin, dir)
    }

    /// The frame shown now.
    pub fn frame(&self) -> usize {
        self.core.frame()
    }

    /// Applies a user action to the core and notes what to refresh.
    pub fn act(&mut self, action: Action) -> Changed {
        let c = self.core.apply(action, &Geometry(&self.smpl.bodies));
        self.dirty.note(c);
        c
    }

    /// Notes a change made outside [`App::act`] (relay messages, the frame clock).
    pub fn note(&mut self, c: Changed) {
        self.dirty.note(c);
    }

    /// Renders the current frame into the canvas; returns whether a frame was presented.
    pub fn render(&mut self) -> bool {
        self.sync_bodies();
        let Some(tex) = self.gpu.acquire() else {
            return false;
        };
        let view = tex.texture.create_view(&wgpu::TextureViewDescriptor {
            format: Some(self.gpu.view_format),
            ..Default::default()
        });
        let sync_ms = self.draw_into(&view, None, None);
        self.gpu.queue.present(tex);
        self.pacer.uploaded(sync_ms);
        true
    }

    /// Renders the current frame into a texture the size of the canvas and copies it to a
    /// buffer to read back; `transparent` leaves out the background and the floor (aitviewer's
    /// "transparent background" screenshot).
    pub fn render_readback(&mut self, transparent: bool) -> Readback {
        self.sync_bodies();
        let rb = Readback::new(&self.gpu, self.gpu.config.width, self.gpu.config.height);
        if transparent {
            let mut opts = self.core.view().clone();
            opts.background[3] = 0.0;
            opts.show_floor = false;
            self.draw_into(&rb.target.view, None, Some(&opts));
        } else {
            self.draw_into(&rb.target.view, None, None);
        }
        rb.target.copy(&self.gpu.device, &self.gpu.queue);
        rb
    }

    /// Renders scene frame `frame` from `camera` with `opts` into `rb` (the renderer must have
    /// its size: [`App::resize_renderer`]) and copies it to its buffer to read back.
    pub fn render_frame_readback(&mut self, rb: &Readback, frame: usize, camera: &Camera, opts: &ViewOptions) {
        self.sync_bodies();
        self.draw_into(&rb.target.view, Some((frame, camera)), Some(opts));
        rb.target.copy(&self.gpu.device, &self.gpu.queue);
    }

    /// Sizes the renderer's attachments for `width × height` targets (the canvas's size after a
    /// video export) and asks for a redraw.
    pub fn resize_renderer(&mut self, width: u32, height: u32) {
        self.renderer.resize(&self.gpu.device, width, height);
        self.dirty.redraw = true;
    }

    /// Evaluates what changed in the SMPL bodies and applies the automatic camera target.
    fn sync_bodies(&mut self) {
        let evaluated = self.smpl.frames_evaluated;
        let smpl_message = self.smpl.sync(self.core.scene());
        if self.smpl.frames_evaluated != evaluated {
            // A body was (re)evaluated: its parts in the scene list may have changed.
            self.dirty.scene_list = true;
        }
        self.show_smpl_message(smpl_message);
        let c = self.core.auto_target(&Geometry(&self.smpl.bodies));
        self.dirty.note(c);
    }

    /// Uploads what changed and draws the current frame from the camera into `target` with the
    /// view options (or `shot`'s frame and camera, and `opts`, instead); returns the time the
    /// upload took (ms), for the draw pacer.
    fn draw_into(
        &mut self,
        target: &wgpu::TextureView,
        shot: Option<(usize, &Camera)>,
        opts: Option<&ViewOptions>,
    ) -> f64 {
        let shown = ShownParts {
            bodies: &self.smpl.bodies,
            hidden: &self.core.view().hidden_parts,
        };
        let draw = SceneDraw::of(self.core.scene(), &shown);
        let frame = shot.map_or(self.core.frame(), |(f, _)| f);
        let t0 = super::dom::now_ms();
        // Only what this frame shows is packed: the other frames in the time between frames
        // (`App::pack_stale`), and the draw pacer measures what updating the scene cost.
        self.renderer
            .sync_for(&self.gpu.device, &self.gpu.queue, &draw, frame, &|| false);
        let sync_ms = super::dom::now_ms() - t0;
        self.renderer.render(
            &self.gpu.device,
            &self.gpu.queue,
            target,
            &draw,
            frame,
            shot.map_or(self.core.camera(), |(_, c)| c),
            opts.unwrap_or(self.core.view()),
        );
        sync_ms
    }

    /// Whether frames of node data wait to be packed ([`App::pack_stale`]).
    pub fn has_stale(&self) -> bool {
        self.renderer.stats().frames_stale > 0
    }

    /// Packs frames of node data not drawn yet (a long sequence's other frames, after its first
    /// picture) until `until_ms` (`performance.now()`), the frames after the current one first;
    /// draws nothing.
    pub fn pack_stale(&mut self, until_ms: f64) {
        let shown = ShownParts {
            bodies: &self.smpl.bodies,
            hidden: &self.core.view().hidden_parts,
        };
        let draw = SceneDraw::of(self.core.scene(), &shown);
        let more = || super::dom::now_ms() < until_ms;
        self.renderer
            .sync_for(&self.gpu.device, &self.gpu.queue, &draw, self.core.frame(), &more);
    }

    /// Shows (or clears) the SMPL message: the top bar's error line and `data-smpl-error`.
    fn show_smpl_message(&mut self, message: Option<String>) {
        if self.smpl.message == message {
            return;
        }
        if message.is_some() || self.core.last_error() == self.smpl.message.as_deref() {
            let c = self.core.set_error(message.clone());
            self.note(c);
        }
        self.smpl.message = message;
    }
}
