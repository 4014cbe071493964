//! Instanced spheres (Spheres, rigid-body centres, skeleton joints) as ray-cast impostors: per
//! frame one instance record per sphere (centre, radius, colour) uploaded once; drawing is one
//! instanced call of a 6-vertex quad.

use bytemuck::cast_slice;

use super::pipelines::{PipelineCtx, PipelineSpec, Variants};
use crate::geometry::primitives::SphereInstance;

/// Bytes per sphere instance: centre + radius `f32×4`, colour `unorm8×4`.
pub(crate) const INSTANCE_BYTES: u64 = 20;

const ATTRS: [wgpu::VertexAttribute; 2] = wgpu::vertex_attr_array![0 => Float32x4, 1 => Unorm8x4];

/// Builds the sphere pipelines.
pub(crate) fn pipelines(ctx: &PipelineCtx<'_>) -> Variants {
    let module = ctx.module("spheres");
    let buffers = [Some(wgpu::VertexBufferLayout {
        array_stride: INSTANCE_BYTES,
        step_mode: wgpu::VertexStepMode::Instance,
        attributes: &ATTRS,
    })];
    Variants::build(
        ctx,
        &PipelineSpec {
            label: "spheres",
            module: &module,
            vs: "vs_main",
            fs: "fs_main",
            buffers: &buffers,
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull: None,
            shadow_fs: Some("fs_shadow"),
            textured: false,
        },
    )
}

/// Appends one instance record.
pub(crate) fn pack(out: &mut Vec<u8>, s: &SphereInstance) {
    out.extend_from_slice(cast_slice(&[s.center.x, s.center.y, s.center.z, s.radius]));
    out.extend_from_slice(&s.color.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8));
}

/// Draws `count` spheres from an instance slice.
pub(crate) fn draw(pass: &mut wgpu::RenderPass<'_>, instances: wgpu::BufferSlice<'_>, count: u32) {
    pass.set_vertex_buffer(0, instances);
    pass.draw(0..6, 0..count);
}
