//! A textured mesh's GPU resources: its image as an RGBA8 texture (halved until it fits the
//! device), its texture coordinates per GPU vertex, and the bind group (group 2) that the
//! textured mesh pipelines sample it through.

use bytemuck::cast_slice;
use wgpu::util::DeviceExt;

use super::texture::{sampled_bind_group, texture_2d};
use crate::geometry::draw_data::TextureDraw;

/// Bytes per texture coordinate: `f32×2`.
pub(crate) const UV_BYTES: u64 = 8;

/// What a mesh texture's bind group is made with: the layout of group 2 (a filterable texture
/// and a filtering sampler, shared with the outline pass) and the sampler.
#[derive(Clone, Copy)]
pub(crate) struct TextureBinding<'a> {
    /// Group 2's layout.
    pub layout: &'a wgpu::BindGroupLayout,
    /// Linear filtering, repeating (OpenGL's default, which aitviewer keeps).
    pub sampler: &'a wgpu::Sampler,
}

/// The sampler of mesh textures.
pub(crate) fn sampler(device: &wgpu::Device) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("mesh texture"),
        address_mode_u: wgpu::AddressMode::Repeat,
        address_mode_v: wgpu::AddressMode::Repeat,
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        ..Default::default()
    })
}

/// A mesh's texture on the GPU.
pub(crate) struct MeshTexture {
    /// Held for the bind group.
    texture: wgpu::Texture,
    /// Group 2.
    pub bind_group: wgpu::BindGroup,
    /// Texture coordinates per GPU vertex.
    pub uvs: wgpu::Buffer,
}

impl MeshTexture {
    /// Uploads `tex`, halved until each side fits the device's largest 2-D texture.
    pub(crate) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        binding: TextureBinding<'_>,
        tex: &TextureDraw,
    ) -> MeshTexture {
        let max = device.limits().max_texture_dimension_2d.max(1);
        let (mut w, mut h, mut rgba) = (tex.width, tex.height, std::borrow::Cow::Borrowed(&tex.rgba[..]));
        while w > max || h > max {
            let (nw, nh, half) = halve(w, h, &rgba);
            (w, h, rgba) = (nw, nh, std::borrow::Cow::Owned(half));
        }
        let texture = texture_2d(
            device,
            "mesh texture",
            wgpu::TextureFormat::Rgba8Unorm,
            (w, h),
            1,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        );
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(4 * w),
                rows_per_image: Some(h),
            },
            wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
        );
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let bind_group = sampled_bind_group(device, "mesh texture", binding.layout, &view, binding.sampler);
        let uvs = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("mesh uv coordinates"),
            contents: cast_slice(&tex.uvs),
            usage: wgpu::BufferUsages::VERTEX,
        });
        MeshTexture {
            texture,
            bind_group,
            uvs,
        }
    }

    /// GPU bytes held.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        let s = self.texture.size();
        u64::from(s.width) * u64::from(s.height) * 4 + self.uvs.size()
    }
}

/// The image at half size (each side rounded up), each pixel the mean of up to 2×2 pixels.
fn halve(w: u32, h: u32, rgba: &[u8]) -> (u32, u32, Vec<u8>) {
    let (nw, nh) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = Vec::with_capacity(nw as usize * nh as usize * 4);
    for y in 0..nh {
        for x in 0..nw {
            let mut sum = [0u32; 4];
            let mut n = 0;
            for (sx, sy) in [
                (2 * x, 2 * y),
                (2 * x + 1, 2 * y),
                (2 * x, 2 * y + 1),
                (2 * x + 1, 2 * y + 1),
            ] {
                if sx < w && sy < h {
                    let i = (sy as usize * w as usize + sx as usize) * 4;
                    for (s, &b) in sum.iter_mut().zip(&rgba[i..i + 4]) {
                        *s += u32::from(b);
                    }
                    n += 1;
                }
            }
            out.extend(sum.map(|s| (s / n) as u8));
        }
    }
    (nw, nh, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_blocks_and_keeps_odd_edges() {
        // 3×1: red, blue, green.
        let img = [255, 0, 0, 255, 0, 0, 255, 255, 0, 255, 0, 255];
        let (w, h, out) = halve(3, 1, &img);
        assert_eq!((w, h), (2, 1));
        assert_eq!(out, [127, 0, 127, 255, 0, 255, 0, 255]);
    }
}
