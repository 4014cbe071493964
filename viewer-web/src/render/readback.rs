//! A render target whose pixels can be read back: a texture the renderer draws into and a
//! buffer it is copied to, with rows padded to wgpu's copy alignment. Used by the native
//! offscreen renderer and by the page's screenshots.

use super::texture::texture_2d;

/// A texture of 4-byte pixels and the buffer its pixels are copied into.
pub struct ReadbackTarget {
    /// The texture to render into.
    pub texture: wgpu::Texture,
    /// Its view.
    pub view: wgpu::TextureView,
    /// The buffer the pixels are copied into (`padded_row` bytes per row).
    pub buffer: wgpu::Buffer,
    /// Bytes per row in `buffer` (a multiple of 256).
    pub padded_row: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ReadbackTarget {
    /// A `width × height` target of `format` (4 bytes per pixel).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat, width: u32, height: u32) -> ReadbackTarget {
        let (width, height) = (width.max(1), height.max(1));
        let usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        let texture = texture_2d(device, "readback target", format, (width, height), 1, usage);
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let padded_row = (width * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback buffer"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        ReadbackTarget {
            texture,
            view,
            buffer,
            padded_row,
            width,
            height,
        }
    }

    /// Submits the copy of the texture into the buffer (map the buffer after it).
    pub fn copy(&self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("readback"),
        });
        let size = wgpu::Extent3d {
            width: self.width,
            height: self.height,
            depth_or_array_layers: 1,
        };
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            size,
        );
        queue.submit(Some(encoder.finish()));
    }

    /// The pixels of the mapped buffer without the row padding (rows top to bottom), then
    /// unmaps it.
    pub fn take_pixels(&self) -> Result<Vec<u8>, wgpu::MapRangeError> {
        let row = self.width as usize * 4;
        let mut out = Vec::with_capacity(row * self.height as usize);
        {
            let data = self.buffer.get_mapped_range(..)?;
            for y in 0..self.height as usize {
                let start = y * self.padded_row as usize;
                out.extend_from_slice(&data[start..start + row]);
            }
        }
        self.buffer.unmap();
        Ok(out)
    }
}
