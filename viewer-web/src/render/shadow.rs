//! Shadow mapping from aitviewer's shadow-casting light (the "Front Light"): the light's
//! orthographic view fitted to the bounds of the nodes that cast, a depth-only pass into the
//! shadow map, and the map + comparison sampler the main pass reads (PCF: four bilinear
//! comparison taps, a 4 × 4-texel footprint, in `shaders/common.wgsl`).
//!
//! Relies on [`wgpu::DownlevelFlags::COMPARISON_SAMPLERS`] (WebGPU, WebGL2, Vulkan and Metal all
//! have it) and on depth textures being sampleable (`Depth32Float`, as in WebGL2). No storage
//! buffers and no compute.

use glam::{Mat4, Vec3};

use super::texture::texture_2d;
use crate::core::Aabb;

/// Shadow-map side in texels (less where the device's largest 2-D texture is smaller).
pub(crate) const SHADOW_MAP_SIZE: u32 = 2048;

/// Light-space border around the casters, in texels, so the PCF footprint of an edge stays
/// inside the map.
const BORDER_TEXELS: f32 = 4.0;

/// The light's view and projection fitted to the casters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LightFit {
    /// World to light view (looking along the light, right-handed).
    pub view: Mat4,
    /// Orthographic projection onto the map (depth 0 at the casters' near side, 1 at their far
    /// side).
    pub proj: Mat4,
    /// World size of one shadow-map texel.
    pub texel: f32,
    /// World depth covered by the map (far − near).
    pub depth_range: f32,
}

/// Fits an orthographic light looking along `-towards_light` around `casters` (world bounds)
/// for a `size`-texel square map; `None` when nothing casts.
pub(crate) fn fit(towards_light: Vec3, casters: Aabb, size: u32) -> Option<LightFit> {
    if !casters.is_valid() {
        return None;
    }
    let l = towards_light.normalize_or(Vec3::Y);
    let center = casters.center();
    let radius = (casters.max - casters.min).length() * 0.5;
    let up = if l.y.abs() > 0.99 { Vec3::Z } else { Vec3::Y };
    let view = Mat4::look_at_rh(center + l * (radius + 1.0), center, up);
    let ls = casters.transformed(&view);
    // A square map (isotropic texels), never degenerate.
    let half = ((ls.max.x - ls.min.x).max(ls.max.y - ls.min.y) * 0.5).max(1e-4 * (1.0 + center.length()));
    let half = half * (1.0 + 2.0 * BORDER_TEXELS / size.max(1) as f32);
    let mid = (ls.min + ls.max) * 0.5;
    let texel = 2.0 * half / size.max(1) as f32;
    // View space looks down −z: the nearest caster has the largest z.
    let pad = 2.0 * texel;
    let (near, far) = (-ls.max.z - pad, -ls.min.z + pad);
    let proj = Mat4::orthographic_rh(mid.x - half, mid.x + half, mid.y - half, mid.y + half, near, far);
    Some(LightFit {
        view,
        proj,
        texel,
        depth_range: far - near,
    })
}

/// The shadow map, its comparison sampler and the light's uniforms for the depth pass.
pub(crate) struct ShadowMap {
    /// Side in texels.
    pub size: u32,
    /// Depth view rendered by the shadow pass and sampled by the main pass.
    pub view: wgpu::TextureView,
    /// `LessEqual` comparison with bilinear filtering (hardware 2×2 PCF per tap).
    pub sampler: wgpu::Sampler,
}

impl ShadowMap {
    /// Creates a `size`-texel map of depth `format` (clamped to the device's limit).
    pub(crate) fn new(device: &wgpu::Device, size: u32, format: wgpu::TextureFormat) -> ShadowMap {
        let size = size.min(device.limits().max_texture_dimension_2d).max(1);
        let usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING;
        let view = texture_2d(device, "shadow map", format, (size, size), 1, usage).create_view(&Default::default());
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("shadow map"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            address_mode_w: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            compare: Some(wgpu::CompareFunction::LessEqual),
            ..Default::default()
        });
        ShadowMap { size, view, sampler }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_map(f: &LightFit, p: Vec3) -> Vec3 {
        (f.proj * f.view).project_point3(p)
    }

    #[test]
    fn the_fit_holds_the_casters_inside_the_map() {
        let b = Aabb::from_points([Vec3::new(-1.0, 0.0, -0.5), Vec3::new(1.0, 2.0, 0.5)]);
        let f = fit(Vec3::new(0.0, 10.0, 15.0), b, 2048).unwrap();
        for i in 0..8 {
            let c = Vec3::new(
                if i & 1 == 0 { b.min.x } else { b.max.x },
                if i & 2 == 0 { b.min.y } else { b.max.y },
                if i & 4 == 0 { b.min.z } else { b.max.z },
            );
            let p = to_map(&f, c);
            assert!(p.x.abs() < 1.0 && p.y.abs() < 1.0, "{c} maps to {p}");
            assert!(p.z > 0.0 && p.z < 1.0, "{c} depth {}", p.z);
        }
        // Nearer the light is smaller depth; a point below the casters is beyond the far side.
        assert!(to_map(&f, Vec3::new(0.0, 2.0, 0.5)).z < to_map(&f, Vec3::new(0.0, 0.0, -0.5)).z);
        assert!(to_map(&f, Vec3::new(0.0, -5.0, -5.0)).z > 1.0);
        // The box is 1.94 deep along the light (2 × sin + 1 × cos of its elevation).
        assert!(f.texel > 0.0 && f.texel < 0.01 && f.depth_range > 1.94);
    }

    #[test]
    fn nothing_to_fit_without_casters_and_a_point_is_not_degenerate() {
        assert!(fit(Vec3::Y, Aabb::EMPTY, 2048).is_none());
        let f = fit(Vec3::Y, Aabb::from_points([Vec3::ONE]), 2048).unwrap();
        assert!(f.texel > 0.0 && f.proj.is_finite() && f.view.is_finite());
    }
}
