//! How to draw: the wgpu renderer of the meshcast viewer. It draws the geometry layer's draw
//! data ([`crate::geometry::SceneDraw`]: node arrays read as frames of vertices, colours,
//! spheres and cylinders, SMPL bodies as derived nodes) and knows only wgpu besides: it never
//! reads a scene node.
//!
//! - [`Renderer`]: `new`/`resize`/`sync` (or `sync_for` a frame, packing the rest later)/`render`/`stats`; [`Caps`] (what the device can do);
//!   [`RenderStats`].
//! - Spheres are drawn as instanced ray-cast impostors (one camera-facing quad per sphere that
//!   computes the exact sphere surface and depth per pixel) instead of tessellated UV spheres, so
//!   100,000 spheres cost 200,000 triangles. The `rings`/`sectors` options therefore do not
//!   change the picture (the sphere is exact).
//! - [`ViewOptions::ambient`] is aitviewer's ambient strength (default 2.0); the light mode scales
//!   it (Dark ×0.2 = 0.4, Diffuse ×0.5 with doubled light strength).
//! - Shadows ([`ViewOptions::shadows`], on by default as in aitviewer): aitviewer's "Front
//!   Light" casts them (its "Back Light" does not). A depth-only pass renders the nodes whose
//!   draw data says they cast (`cast_shadow`, per kind defaults) from that light, through an
//!   orthographic view fitted to their bounds, into a 2048² `Depth32Float` map (sphere impostors
//!   write their exact depth from the light); meshes, spheres, cylinders and the floor then lose
//!   that light's diffuse share where the map hides them (PCF: four bilinear comparison taps, normal offset and
//!   depth bias against acne). See `shadow`.
//! - SMPL nodes draw what the [`crate::geometry::DerivedNodes`] given to
//!   [`crate::geometry::SceneDraw::of`] hold for them ([`crate::smpl_bodies::SmplBodies`]: a
//!   mesh plus a skeleton).
//!
//! Modules: `frame_store` (per-frame GPU storage), `gpu_scene` (each node's GPU resources and
//! their incremental update), one module per primitive pipeline (`mesh`, `spheres`,
//! `cylinders`, `floor`, `outline`), `shadow` (light fit and shadow map), `pipelines` +
//! [`shaders`] (pipeline state and WGSL),
//! `uniforms` (uniform-buffer layouts), `renderer` (the frame: passes, sorting, draw calls).
//!
//! [`ViewOptions::ambient`]: crate::core::ViewOptions::ambient
//! [`ViewOptions::shadows`]: crate::core::ViewOptions::shadows

mod cylinders;
mod floor;
mod frame_store;
mod gpu_scene;
mod mesh;
mod mesh_texture;
mod outline;
mod pipelines;
mod readback;
mod renderer;
pub mod shaders;
mod shadow;
mod spheres;
mod texture;
mod uniforms;

pub use readback::ReadbackTarget;
pub use renderer::Renderer;

/// What the device can do, decided once by whoever created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// The WebGL2 backend: no storage buffers, no compute (the renderer needs neither; the flag
    /// is kept for logging and future feature choices).
    pub webgl: bool,
    /// MSAA sample count for the colour and depth targets: 1 or 4.
    pub msaa_samples: u32,
    /// Shadows can be drawn: the adapter has [`wgpu::DownlevelFlags::COMPARISON_SAMPLERS`]
    /// (WebGPU, WebGL2, Vulkan and Metal all do). See [`Caps::shadows_for`].
    pub shadows: bool,
}

impl Caps {
    /// Whether `adapter` can draw shadows (depth-texture comparison sampling).
    pub fn shadows_for(adapter: &wgpu::Adapter) -> bool {
        let flags = adapter.get_downlevel_capabilities().flags;
        flags.contains(wgpu::DownlevelFlags::COMPARISON_SAMPLERS)
    }
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            webgl: false,
            msaa_samples: 4,
            shadows: true,
        }
    }
}

/// Counters of the last [`Renderer::render`] and of the resources [`Renderer::sync`] keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderStats {
    /// Draw calls encoded in the last frame (all passes).
    pub draw_calls: u32,
    /// Instances drawn in the last frame (spheres, cylinders, mesh instances).
    pub instances: u64,
    /// Bytes of GPU buffers held for scene data.
    pub gpu_bytes: u64,
    /// Frames of node data uploaded by the last `sync` (0 when nothing changed).
    pub frames_uploaded: u64,
    /// Frame keys the last `sync` read to find what changed (appends read only the new frames').
    pub keys_read: u64,
    /// World-space frame bounds the last `sync` computed (appends compute only the new frames').
    pub bounds_computed: u64,
    /// Frames of node data that changed but wait to be packed (after [`Renderer::sync_for`];
    /// 0 after [`Renderer::sync`]).
    pub frames_stale: u64,
}
