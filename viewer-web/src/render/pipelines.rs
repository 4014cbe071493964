//! Pipeline state shared by every primitive: bind-group layouts, the depth/MSAA setup and the
//! three variants each geometry pipeline comes in (opaque, transparent, outline mask).

use std::num::NonZeroU64;

use super::shaders;
use super::uniforms::{DrawUniforms, FrameUniforms};

/// Depth buffer format (supported by WebGPU and WebGL2).
pub(crate) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Format of the outline mask.
pub(crate) const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R8Unorm;

/// How a geometry pipeline writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Main pass, no blending, writes depth.
    Opaque,
    /// Main pass, alpha blending, tests but does not write depth.
    Transparent,
    /// Outline mask pass: R8 target, no depth, single sample (`fs_mask`).
    Mask,
    /// Main pass, alpha blending, drawn on top of everything (the outline itself).
    Overlay,
}

/// Bind-group layouts: 0 per frame, 1 per draw (dynamic offset), 2 outline mask texture.
pub(crate) struct Layouts {
    /// Group 0: `FrameUniforms`.
    pub frame: wgpu::BindGroupLayout,
    /// Group 1: `DrawUniforms` with a dynamic offset.
    pub draw: wgpu::BindGroupLayout,
    /// Group 2 of the outline pipeline: mask texture and sampler.
    pub mask: wgpu::BindGroupLayout,
    /// Groups 0 and 1.
    pub scene: wgpu::PipelineLayout,
    /// Groups 0, 1 and 2.
    pub outline: wgpu::PipelineLayout,
}

impl Layouts {
    /// Creates the layouts.
    pub(crate) fn new(device: &wgpu::Device) -> Layouts {
        let uniform = |binding, dynamic: bool, size: usize| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: dynamic,
                min_binding_size: NonZeroU64::new(size as u64),
            },
            count: None,
        };
        let frame = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame uniforms"),
            entries: &[uniform(0, false, std::mem::size_of::<FrameUniforms>())],
        });
        let draw = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("draw uniforms"),
            entries: &[uniform(0, true, std::mem::size_of::<DrawUniforms>())],
        });
        let mask = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("outline mask"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let scene = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene"),
            bind_group_layouts: &[Some(&frame), Some(&draw)],
            immediate_size: 0,
        });
        let outline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("outline"),
            bind_group_layouts: &[Some(&frame), Some(&draw), Some(&mask)],
            immediate_size: 0,
        });
        Layouts {
            frame,
            draw,
            mask,
            scene,
            outline,
        }
    }
}

/// What every pipeline is built against.
pub(crate) struct PipelineCtx<'a> {
    /// The device.
    pub device: &'a wgpu::Device,
    /// The layouts.
    pub layouts: &'a Layouts,
    /// Format of the frame's colour target.
    pub color_format: wgpu::TextureFormat,
    /// MSAA samples of the main pass.
    pub msaa: u32,
}

/// One pipeline's description beyond the shared state.
pub(crate) struct PipelineSpec<'a> {
    /// Debug label.
    pub label: &'static str,
    /// The shader module (common + pipeline file).
    pub module: &'a wgpu::ShaderModule,
    /// Vertex entry point.
    pub vs: &'static str,
    /// Fragment entry point (`fs_mask` is used for the mask variant).
    pub fs: &'static str,
    /// Vertex buffer layouts.
    pub buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
    /// Triangles or lines.
    pub topology: wgpu::PrimitiveTopology,
    /// Face culling.
    pub cull: Option<wgpu::Face>,
}

impl PipelineCtx<'_> {
    /// Compiles pipeline file `name` (with the common declarations).
    pub(crate) fn module(&self, name: &'static str) -> wgpu::ShaderModule {
        let src = shaders::source(name).unwrap_or_default();
        self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(src.into()),
        })
    }

    /// Builds one variant of a pipeline.
    pub(crate) fn build(&self, spec: &PipelineSpec<'_>, variant: Variant) -> wgpu::RenderPipeline {
        let (format, blend, depth, samples, fs) = match variant {
            Variant::Opaque => (
                self.color_format,
                None,
                Some((true, wgpu::CompareFunction::LessEqual)),
                self.msaa,
                spec.fs,
            ),
            Variant::Transparent => (
                self.color_format,
                Some(wgpu::BlendState::ALPHA_BLENDING),
                Some((false, wgpu::CompareFunction::LessEqual)),
                self.msaa,
                spec.fs,
            ),
            Variant::Overlay => (
                self.color_format,
                Some(wgpu::BlendState::ALPHA_BLENDING),
                Some((false, wgpu::CompareFunction::Always)),
                self.msaa,
                spec.fs,
            ),
            Variant::Mask => (MASK_FORMAT, None, None, 1, "fs_mask"),
        };
        let layout = if variant == Variant::Overlay {
            &self.layouts.outline
        } else {
            &self.layouts.scene
        };
        self.device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(spec.label),
            layout: Some(layout),
            vertex: wgpu::VertexState {
                module: spec.module,
                entry_point: Some(spec.vs),
                compilation_options: Default::default(),
                buffers: spec.buffers,
            },
            primitive: wgpu::PrimitiveState {
                topology: spec.topology,
                cull_mode: spec.cull,
                front_face: wgpu::FrontFace::Ccw,
                ..Default::default()
            },
            depth_stencil: depth.map(|(write, compare)| wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(write),
                depth_compare: Some(compare),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState {
                count: samples,
                ..Default::default()
            },
            fragment: Some(wgpu::FragmentState {
                module: spec.module,
                entry_point: Some(fs),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
    }
}

/// The opaque, transparent and mask variants of one geometry pipeline.
pub(crate) struct Variants {
    /// No blending, depth writes.
    pub opaque: wgpu::RenderPipeline,
    /// Alpha blending, no depth writes.
    pub transparent: wgpu::RenderPipeline,
    /// Outline mask.
    pub mask: wgpu::RenderPipeline,
}

impl Variants {
    /// Builds all three.
    pub(crate) fn build(ctx: &PipelineCtx<'_>, spec: &PipelineSpec<'_>) -> Variants {
        Variants {
            opaque: ctx.build(spec, Variant::Opaque),
            transparent: ctx.build(spec, Variant::Transparent),
            mask: ctx.build(spec, Variant::Mask),
        }
    }

    /// The variant's pipeline (`Overlay` has none here and gets the transparent one).
    pub(crate) fn get(&self, v: Variant) -> &wgpu::RenderPipeline {
        match v {
            Variant::Opaque => &self.opaque,
            Variant::Transparent | Variant::Overlay => &self.transparent,
            Variant::Mask => &self.mask,
        }
    }
}
