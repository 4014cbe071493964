//! The selection outline: the outlined nodes are drawn into a single-sample R8 mask (no depth
//! test, so the whole silhouette counts), then a full-screen pass paints the pixels just
//! outside the mask in aitviewer's outline yellow, on top of everything.

use super::pipelines::{PipelineCtx, PipelineSpec, Variant, MASK_FORMAT};
use super::texture::{sampled_bind_group, texture_2d};

/// Builds the full-screen outline pipeline.
pub(crate) fn pipeline(ctx: &PipelineCtx<'_>) -> wgpu::RenderPipeline {
    let module = ctx.module("outline");
    ctx.build(
        &PipelineSpec {
            label: "outline",
            module: &module,
            vs: "vs_main",
            fs: "fs_main",
            buffers: &[],
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull: None,
            shadow_fs: None,
            textured: false,
        },
        Variant::Overlay,
    )
}

/// The mask texture and its bind group (group 2 of the outline pipeline).
pub(crate) struct Mask {
    /// Render target of the mask pass.
    pub view: wgpu::TextureView,
    /// Bound when drawing the outline.
    pub bind_group: wgpu::BindGroup,
}

impl Mask {
    /// A mask of the given size.
    pub(crate) fn new(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        sampler: &wgpu::Sampler,
        width: u32,
        height: u32,
    ) -> Mask {
        let usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING;
        let tex = texture_2d(device, "outline mask", MASK_FORMAT, (width, height), 1, usage);
        let view = tex.create_view(&Default::default());
        let bind_group = sampled_bind_group(device, "outline mask", layout, &view, sampler);
        Mask { view, bind_group }
    }
}

/// The sampler the outline reads the mask with (nearest: one texel per pixel).
pub(crate) fn sampler(device: &wgpu::Device) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("outline mask"),
        address_mode_u: wgpu::AddressMode::ClampToEdge,
        address_mode_v: wgpu::AddressMode::ClampToEdge,
        mag_filter: wgpu::FilterMode::Nearest,
        min_filter: wgpu::FilterMode::Nearest,
        ..Default::default()
    })
}
