//! Instanced cylinders and cones (Lines, Arrows, rigid-body axes, skeleton bones): one unit
//! cylinder mesh with caps, and per frame one instance record per segment (end points, end
//! radii, colour) uploaded once.

use bytemuck::cast_slice;
use wgpu::util::DeviceExt;

use super::pipelines::{PipelineCtx, PipelineSpec, Variants};
use crate::geometry::primitives::CylinderInstance;

/// Bytes per cylinder instance: a `f32×3`, b `f32×3`, radii `f32×2`, colour `unorm8×4`.
pub(crate) const INSTANCE_BYTES: u64 = 36;
/// Segments around the axis.
const SECTORS: usize = 16;

const UNIT_ATTRS: [wgpu::VertexAttribute; 1] = wgpu::vertex_attr_array![0 => Float32x4];
const INSTANCE_ATTRS: [wgpu::VertexAttribute; 4] =
    wgpu::vertex_attr_array![1 => Float32x3, 2 => Float32x3, 3 => Float32x2, 4 => Unorm8x4];

/// Builds the cylinder pipelines (back faces culled: the unit mesh winds outwards).
pub(crate) fn pipelines(ctx: &PipelineCtx<'_>) -> Variants {
    let module = ctx.module("cylinders");
    let buffers = [
        Some(wgpu::VertexBufferLayout {
            array_stride: 16,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &UNIT_ATTRS,
        }),
        Some(wgpu::VertexBufferLayout {
            array_stride: INSTANCE_BYTES,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &INSTANCE_ATTRS,
        }),
    ];
    Variants::build(
        ctx,
        &PipelineSpec {
            label: "cylinders",
            module: &module,
            vs: "vs_main",
            fs: "fs_main",
            buffers: &buffers,
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull: Some(wgpu::Face::Back),
            shadow_fs: None,
            textured: false,
        },
    )
}

/// The unit cylinder's vertices: `(cos θ, sin θ, t, part)` with t = 0 at the start, 1 at the end,
/// and part 0 side, 1 start cap, 2 end cap; counter-clockwise seen from outside.
pub(crate) fn unit_vertices() -> Vec<[f32; 4]> {
    let ring = |k: usize| {
        let a = std::f32::consts::TAU * (k % SECTORS) as f32 / SECTORS as f32;
        (a.cos(), a.sin())
    };
    let mut v = Vec::with_capacity(SECTORS * 12);
    for k in 0..SECTORS {
        let (c0, s0) = ring(k);
        let (c1, s1) = ring(k + 1);
        // Side quad.
        v.extend([[c0, s0, 0.0, 0.0], [c1, s1, 0.0, 0.0], [c1, s1, 1.0, 0.0]]);
        v.extend([[c0, s0, 0.0, 0.0], [c1, s1, 1.0, 0.0], [c0, s0, 1.0, 0.0]]);
        // Start cap (faces −axis) and end cap (faces +axis).
        v.extend([[0.0, 0.0, 0.0, 1.0], [c1, s1, 0.0, 1.0], [c0, s0, 0.0, 1.0]]);
        v.extend([[0.0, 0.0, 1.0, 2.0], [c0, s0, 1.0, 2.0], [c1, s1, 1.0, 2.0]]);
    }
    v
}

/// The unit cylinder on the GPU.
pub(crate) struct UnitCylinder {
    /// Vertex buffer.
    pub buffer: wgpu::Buffer,
    /// Vertex count.
    pub count: u32,
}

impl UnitCylinder {
    /// Uploads the unit mesh.
    pub(crate) fn new(device: &wgpu::Device) -> UnitCylinder {
        let v = unit_vertices();
        UnitCylinder {
            buffer: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("unit cylinder"),
                contents: cast_slice(&v),
                usage: wgpu::BufferUsages::VERTEX,
            }),
            count: v.len() as u32,
        }
    }

    /// Draws `count` cylinders from an instance slice.
    pub(crate) fn draw(&self, pass: &mut wgpu::RenderPass<'_>, instances: wgpu::BufferSlice<'_>, count: u32) {
        pass.set_vertex_buffer(0, self.buffer.slice(..));
        pass.set_vertex_buffer(1, instances);
        pass.draw(0..self.count, 0..count);
    }
}

/// Appends one instance record.
pub(crate) fn pack(out: &mut Vec<u8>, c: &CylinderInstance) {
    out.extend_from_slice(cast_slice(&[c.a.x, c.a.y, c.a.z, c.b.x, c.b.y, c.b.z, c.r_a, c.r_b]));
    out.extend_from_slice(&c.color.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8));
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec3;

    /// Every triangle of the unit mesh faces outwards (its winding normal agrees with the
    /// surface normal), so back-face culling keeps the outside.
    #[test]
    fn unit_mesh_winds_outwards() {
        let v = unit_vertices();
        assert_eq!(v.len() % 3, 0);
        // Place it as a cylinder of radius 1, length 2 along +Z.
        let pos = |u: [f32; 4]| Vec3::new(u[0], u[1], u[2] * 2.0);
        for tri in v.chunks_exact(3) {
            let (a, b, c) = (pos(tri[0]), pos(tri[1]), pos(tri[2]));
            let wind = (b - a).cross(c - a);
            let centre = (a + b + c) / 3.0;
            let outward = match tri[0][3] as i32 {
                0 => Vec3::new(centre.x, centre.y, 0.0),
                1 => -Vec3::Z,
                _ => Vec3::Z,
            };
            assert!(wind.dot(outward) > 0.0, "{tri:?}");
        }
    }
}
