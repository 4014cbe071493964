//! Pipeline state shared by every primitive: bind-group layouts, the depth/MSAA setup and the
//! four variants each geometry pipeline comes in (opaque, transparent, outline mask, shadow).

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
    /// Shadow pass: depth only, single sample, from the light (`PipelineSpec::shadow_fs`, or no
    /// fragment stage), no culling.
    Shadow,
}

/// Bind-group layouts: 0 per frame, 1 per draw (dynamic offset), 2 outline mask texture.
pub(crate) struct Layouts {
    /// Group 0 of the main and mask passes: `FrameUniforms`, the shadow map and its
    /// comparison sampler.
    pub frame: wgpu::BindGroupLayout,
    /// Group 0 of the shadow pass: the light's `FrameUniforms` only.
    pub light: wgpu::BindGroupLayout,
    /// Group 1: `DrawUniforms` with a dynamic offset.
    pub draw: wgpu::BindGroupLayout,
    /// Group 2 of the outline pipeline (mask texture and sampler) and of textured meshes (their
    /// image and sampler).
    pub mask: wgpu::BindGroupLayout,
    /// Groups 0 and 1.
    pub scene: wgpu::PipelineLayout,
    /// Groups 0, 1 and 2 (the outline, textured meshes).
    pub outline: wgpu::PipelineLayout,
    /// The shadow pass: light group 0 and group 1.
    pub shadow: wgpu::PipelineLayout,
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
        let frame_uniforms = uniform(0, false, std::mem::size_of::<FrameUniforms>());
        let frame = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame uniforms"),
            entries: &[
                frame_uniforms,
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Depth,
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                    count: None,
                },
            ],
        });
        let light = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("light uniforms"),
            entries: &[frame_uniforms],
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
        let shadow = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("shadow"),
            bind_group_layouts: &[Some(&light), Some(&draw)],
            immediate_size: 0,
        });
        Layouts {
            frame,
            light,
            draw,
            mask,
            scene,
            outline,
            shadow,
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
    /// Fragment entry point of the shadow variant; `None` for none (depth from the vertices).
    pub shadow_fs: Option<&'static str>,
    /// The main-pass variants bind a texture and sampler as group 2 (textured meshes).
    pub textured: bool,
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
        let main = |blend, depth| (Some(self.color_format), blend, depth, self.msaa, Some(spec.fs));
        let (format, blend, depth, samples, fs) = match variant {
            Variant::Opaque => main(None, Some((true, wgpu::CompareFunction::LessEqual))),
            Variant::Transparent => main(
                Some(wgpu::BlendState::ALPHA_BLENDING),
                Some((false, wgpu::CompareFunction::LessEqual)),
            ),
            Variant::Overlay => main(
                Some(wgpu::BlendState::ALPHA_BLENDING),
                Some((false, wgpu::CompareFunction::Always)),
            ),
            Variant::Mask => (Some(MASK_FORMAT), None, None, 1, Some("fs_mask")),
            Variant::Shadow => (
                None,
                None,
                Some((true, wgpu::CompareFunction::LessEqual)),
                1,
                spec.shadow_fs,
            ),
        };
        let layout = match variant {
            Variant::Overlay => &self.layouts.outline,
            Variant::Shadow => &self.layouts.shadow,
            _ if spec.textured => &self.layouts.outline,
            _ => &self.layouts.scene,
        };
        let targets = [format.map(|format| wgpu::ColorTargetState {
            format,
            blend,
            write_mask: wgpu::ColorWrites::ALL,
        })];
        let targets = if format.is_some() { &targets[..] } else { &[] };
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
                cull_mode: if variant == Variant::Shadow { None } else { spec.cull },
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
            fragment: fs.map(|fs| wgpu::FragmentState {
                module: spec.module,
                entry_point: Some(fs),
                compilation_options: Default::default(),
                targets,
            }),
            multiview_mask: None,
            cache: None,
        })
    }
}

/// The opaque, transparent, mask and shadow variants of one geometry pipeline.
pub(crate) struct Variants {
    /// No blending, depth writes.
    pub opaque: wgpu::RenderPipeline,
    /// Alpha blending, no depth writes.
    pub transparent: wgpu::RenderPipeline,
    /// Outline mask.
    pub mask: wgpu::RenderPipeline,
    /// Depth from the light.
    pub shadow: wgpu::RenderPipeline,
}

impl Variants {
    /// Builds all four.
    pub(crate) fn build(ctx: &PipelineCtx<'_>, spec: &PipelineSpec<'_>) -> Variants {
        Variants {
            opaque: ctx.build(spec, Variant::Opaque),
            transparent: ctx.build(spec, Variant::Transparent),
            mask: ctx.build(spec, Variant::Mask),
            shadow: ctx.build(spec, Variant::Shadow),
        }
    }

    /// The variant's pipeline (`Overlay` has none here and gets the transparent one).
    pub(crate) fn get(&self, v: Variant) -> &wgpu::RenderPipeline {
        match v {
            Variant::Opaque => &self.opaque,
            Variant::Transparent | Variant::Overlay => &self.transparent,
            Variant::Mask => &self.mask,
            Variant::Shadow => &self.shadow,
        }
    }
}
