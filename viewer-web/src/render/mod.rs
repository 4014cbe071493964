//! What to draw and how: the wgpu renderer of the meshcast viewer.
//!
//! The interface agreed with the web app (camera, [`ViewOptions`], [`Aabb`], [`scene_bounds`],
//! [`node_bounds`], [`Renderer`] with `new`/`resize`/`sync`/`render`/`stats`, [`Caps`],
//! [`RenderStats`]) is implemented as specified, with these additions and one interpretation:
//!
//! - Additions: [`Renderer::floor_height`] (where the floor is drawn), [`Camera::forward`],
//!   [`Camera::right`], [`Camera::up`], [`Camera::world_per_pixel`] (handy for UI code).
//! - Spheres are drawn as instanced ray-cast impostors (one camera-facing quad per sphere that
//!   computes the exact sphere surface and depth per pixel) instead of tessellated UV spheres, so
//!   100,000 spheres cost 200,000 triangles. The `rings`/`sectors` options therefore do not
//!   change the picture (the sphere is exact).
//! - [`ViewOptions::ambient`] is aitviewer's ambient strength (default 2.0); the light mode scales
//!   it (Dark ×0.2 = 0.4, Diffuse ×0.5 with doubled light strength). The web app sets
//!   [`ViewOptions::background`] itself when switching to dark mode.
//! - [`ViewOptions::shadows`] is accepted but shadows are not drawn yet.
//! - SMPL nodes are drawn from [`crate::smpl_bodies::SmplBodies`] (evaluated once per received
//!   frame): [`Renderer::sync_with_bodies`] uploads them as a mesh plus a skeleton; plain
//!   [`Renderer::sync`], [`scene_bounds`] and [`crate::picking::pick`] skip them (use
//!   [`crate::smpl_bodies::SmplBodies::bounds`] and [`crate::picking::pick_with_bodies`]).
//!
//! Modules: `bounds` (CPU bounds), `node_data` (reading a node's arrays: transforms, colours,
//! options), `primitives` (the spheres and cylinders of each kind), `mesh_data` (normals, faces,
//! edges), `frame_store` (per-frame GPU storage), `gpu_scene` (each node's GPU resources and
//! their incremental update), one module per primitive pipeline (`mesh`, `spheres`,
//! `cylinders`, `floor`, `outline`), `pipelines` + [`shaders`] (pipeline state and WGSL),
//! `uniforms` (uniform-buffer layouts), `renderer` (the frame: passes, sorting, draw calls).
//!
//! [`Camera::forward`]: crate::core::camera::Camera::forward
//! [`Camera::right`]: crate::core::camera::Camera::right
//! [`Camera::up`]: crate::core::camera::Camera::up
//! [`Camera::world_per_pixel`]: crate::core::camera::Camera::world_per_pixel

mod bounds;
mod cylinders;
mod floor;
mod frame_store;
mod gpu_scene;
mod mesh;
pub(crate) mod mesh_data;
pub(crate) mod node_data;
mod outline;
mod pipelines;
pub(crate) mod primitives;
mod renderer;
pub mod shaders;
mod spheres;
mod uniforms;

pub(crate) use bounds::local_bounds;
pub use bounds::{node_bounds, scene_bounds};
pub use renderer::Renderer;

/// What the device can do, decided once by whoever created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// The WebGL2 backend: no storage buffers, no compute (the renderer needs neither; the flag
    /// is kept for logging and future feature choices).
    pub webgl: bool,
    /// MSAA sample count for the colour and depth targets: 1 or 4.
    pub msaa_samples: u32,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            webgl: false,
            msaa_samples: 4,
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
}
