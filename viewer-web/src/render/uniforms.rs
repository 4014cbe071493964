//! Uniform-buffer layouts shared with `shaders/common.wgsl` (uniform buffers only, so the
//! WebGL2 path works: no storage buffers anywhere).

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3};

use super::shadow::LightFit;
use crate::core::camera::Camera;
use crate::core::ViewOptions;

/// aitviewer's lights: "Back Light" at (0, 10, −15) and "Front Light" at (0, 10, 15), both
/// facing the origin.
pub(crate) const LIGHT_POSITIONS: [Vec3; 2] = [Vec3::new(0.0, 10.0, -15.0), Vec3::new(0.0, 10.0, 15.0)];
/// The light that casts shadows (aitviewer's "Front Light"; its "Back Light" casts none).
pub(crate) const SHADOW_LIGHT: usize = 1;

/// Offset of a receiving point along its normal before the shadow-map lookup, in texels.
const NORMAL_OFFSET_TEXELS: f32 = 1.5;
/// Depth bias of the shadow-map comparison, in texels of world depth.
const DEPTH_BIAS_TEXELS: f32 = 2.0;

/// aitviewer's floor: 100 × 100 units, 200 tiles per side.
pub(crate) const FLOOR_SIDE: f32 = 100.0;
/// Tiles per side.
pub(crate) const FLOOR_TILES: f32 = 200.0;
/// aitviewer's floor colours.
pub(crate) const FLOOR_COLORS: [[f32; 4]; 2] = [[0.9, 0.9, 0.9, 1.0], [0.82, 0.82, 0.82, 1.0]];
/// aitviewer's selection outline colour.
pub(crate) const OUTLINE_COLOR: [f32; 4] = [1.0, 0.86, 0.35, 1.0];

/// Per-frame uniforms (`FrameUniforms` in common.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct FrameUniforms {
    pub view_proj: [[f32; 4]; 4],
    pub view: [[f32; 4]; 4],
    pub proj: [[f32; 4]; 4],
    pub inv_view: [[f32; 4]; 4],
    /// xyz eye, w 1 for orthographic.
    pub eye: [f32; 4],
    /// xyz view direction, w camera distance to its target.
    pub forward: [f32; 4],
    /// xyz unit vector towards light 0, w its strength.
    pub light0: [f32; 4],
    /// xyz unit vector towards light 1, w its strength.
    pub light1: [f32; 4],
    /// x ambient, y 1 when the target is sRGB, z viewport width, w viewport height.
    pub params: [f32; 4],
    /// x floor height, y tile size, z half side, w unused.
    pub floor: [f32; 4],
    pub floor_color0: [f32; 4],
    pub floor_color1: [f32; 4],
    pub outline_color: [f32; 4],
    /// World to shadow-map clip space.
    pub shadow_view_proj: [[f32; 4]; 4],
    /// x normal offset (world), y depth bias (map depth), z one texel in map coordinates,
    /// w 1 when shadows are drawn.
    pub shadow: [f32; 4],
}

impl FrameUniforms {
    /// The uniforms for one frame.
    pub(crate) fn new(
        camera: &Camera,
        opts: &ViewOptions,
        size: (u32, u32),
        srgb_target: bool,
        floor_y: f32,
        shadow: Option<(&LightFit, u32)>,
    ) -> FrameUniforms {
        let aspect = size.0.max(1) as f32 / size.1.max(1) as f32;
        let view = camera.view_matrix();
        let proj = camera.proj_matrix(aspect);
        let (ambient, strength) = opts.light_terms();
        let towards = |p: Vec3| {
            let d = p.normalize_or(Vec3::Y);
            [d.x, d.y, d.z, strength]
        };
        let eye = camera.eye();
        let fwd = camera.forward();
        FrameUniforms {
            view_proj: (proj * view).to_cols_array_2d(),
            view: view.to_cols_array_2d(),
            proj: proj.to_cols_array_2d(),
            inv_view: view.inverse().to_cols_array_2d(),
            eye: [eye.x, eye.y, eye.z, if camera.orthographic { 1.0 } else { 0.0 }],
            forward: [fwd.x, fwd.y, fwd.z, camera.distance],
            light0: towards(LIGHT_POSITIONS[0]),
            light1: towards(LIGHT_POSITIONS[1]),
            params: [
                ambient,
                if srgb_target { 1.0 } else { 0.0 },
                size.0 as f32,
                size.1 as f32,
            ],
            floor: [floor_y, FLOOR_SIDE / FLOOR_TILES, FLOOR_SIDE * 0.5, 0.0],
            floor_color0: FLOOR_COLORS[0],
            floor_color1: FLOOR_COLORS[1],
            outline_color: OUTLINE_COLOR,
            shadow_view_proj: shadow
                .map_or(Mat4::IDENTITY, |(f, _)| f.proj * f.view)
                .to_cols_array_2d(),
            shadow: shadow.map_or([0.0; 4], |(f, size)| {
                [
                    NORMAL_OFFSET_TEXELS * f.texel,
                    DEPTH_BIAS_TEXELS * f.texel / f.depth_range.max(1e-12),
                    1.0 / size.max(1) as f32,
                    1.0,
                ]
            }),
        }
    }

    /// The uniforms of the shadow pass: the light's orthographic view (the sphere impostors
    /// take the orthographic path and write their depth as seen from the light).
    pub(crate) fn light(fit: &LightFit) -> FrameUniforms {
        let forward = -fit.view.inverse().z_axis.truncate();
        let eye = fit.view.inverse().w_axis;
        FrameUniforms {
            view_proj: (fit.proj * fit.view).to_cols_array_2d(),
            view: fit.view.to_cols_array_2d(),
            proj: fit.proj.to_cols_array_2d(),
            inv_view: fit.view.inverse().to_cols_array_2d(),
            eye: [eye.x, eye.y, eye.z, 1.0],
            forward: [forward.x, forward.y, forward.z, 1.0],
            ..FrameUniforms::zeroed()
        }
    }
}

/// Per-draw uniforms (`DrawUniforms` in common.wgsl), one 256-byte-aligned slot per node in a
/// buffer bound with a dynamic offset.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct DrawUniforms {
    pub model: [[f32; 4]; 4],
    /// Multiplies every colour of the node.
    pub tint: [f32; 4],
    /// x 1 for flat shading.
    pub params: [f32; 4],
}

impl DrawUniforms {
    /// A node's draw uniforms.
    pub(crate) fn new(model: &Mat4, flat: bool) -> DrawUniforms {
        DrawUniforms {
            model: model.to_cols_array_2d(),
            tint: [1.0; 4],
            params: [if flat { 1.0 } else { 0.0 }, 0.0, 0.0, 0.0],
        }
    }
}
