//! The frame: which nodes to draw in which order (opaque in creation order, then the floor, then
//! translucent nodes back to front), the shadow pass (depth from the light), the outline mask
//! pass, the main pass and the outline.

use bytemuck::bytes_of;
use glam::Vec3;

use super::cylinders::{self as cyl, UnitCylinder};
use super::frame_store::Budget;
use super::gpu_scene::{GpuNode, GpuScene};
use super::mesh::{identity_instance, MeshPipelines, TexturedPipelines};
use super::mesh_texture::{self, TextureBinding};
use super::outline::{self, Mask};
use super::pipelines::{Layouts, PipelineCtx, Variant, Variants, DEPTH_FORMAT};
use super::shadow::{self, LightFit, ShadowMap, SHADOW_MAP_SIZE};
use super::texture::texture_2d;
use super::uniforms::{DrawUniforms, FrameUniforms, LIGHT_POSITIONS, SHADOW_LIGHT};
use super::{floor, spheres as sph, Caps, RenderStats};
use crate::core::camera::Camera;
use crate::core::{Aabb, ViewOptions};
use crate::geometry::draw_data::NodeKey;
use crate::geometry::SceneDraw;

/// Size-dependent render targets.
struct Targets {
    width: u32,
    height: u32,
    /// The multisampled colour target (resolved into the frame's target); `None` without MSAA.
    msaa: Option<wgpu::TextureView>,
    depth: wgpu::TextureView,
    mask: Mask,
}

/// The per-draw uniform buffer: one aligned slot per drawn node, bound with a dynamic offset.
struct DrawPool {
    buffer: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    stride: u64,
    capacity: usize,
    staging: Vec<u8>,
}

impl DrawPool {
    fn new(device: &wgpu::Device, layout: &wgpu::BindGroupLayout, stride: u64, capacity: usize) -> DrawPool {
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("draw uniforms"),
            size: stride * capacity as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("draw uniforms"),
            layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<DrawUniforms>() as u64),
                }),
            }],
        });
        DrawPool {
            buffer,
            bind_group,
            stride,
            capacity,
            staging: Vec::new(),
        }
    }

    /// Writes the slots (growing the buffer when needed).
    fn write(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        slots: &[DrawUniforms],
    ) {
        if slots.len() > self.capacity {
            *self = DrawPool::new(device, layout, self.stride, slots.len().next_power_of_two());
        }
        if slots.is_empty() {
            return;
        }
        self.staging.clear();
        self.staging.resize(slots.len() * self.stride as usize, 0);
        for (k, s) in slots.iter().enumerate() {
            let off = k * self.stride as usize;
            self.staging[off..off + std::mem::size_of::<DrawUniforms>()].copy_from_slice(bytes_of(s));
        }
        queue.write_buffer(&self.buffer, 0, &self.staging);
    }

    fn offset(&self, slot: usize) -> u32 {
        (slot as u64 * self.stride) as u32
    }
}

/// One node to draw this frame.
struct Item {
    key: NodeKey,
    /// Its data frame.
    frame: usize,
    /// Its draw-uniform slot.
    slot: usize,
    /// The world matrix of the nodes above it (the identity for a node at the top).
    placement: glam::Mat4,
    edges: bool,
    outline: bool,
    /// Distance from the eye to the centre of the node's bounds at this frame (transparency
    /// sort; aitviewer uses the node origin, which ties for nodes whose vertices carry the
    /// offset).
    distance: f32,
}

/// The pipelines of node kinds, each group built the first time a frame draws that kind. On
/// WebGL2 every pipeline is a GLSL program that the page's thread translates, compiles and links
/// (10–20 ms each on SwiftShader): a page that starts empty should not wait for all of them
/// before its first frame, and a scene of meshes never needs the sphere or cylinder ones.
#[derive(Default)]
struct NodePipelines {
    mesh: Option<MeshPipelines>,
    textured: Option<TexturedPipelines>,
    spheres: Option<Variants>,
    cylinders: Option<Variants>,
    /// The outline's full-screen pass (only while something is outlined).
    outline: Option<wgpu::RenderPipeline>,
}

/// Draws a scene's draw data ([`SceneDraw`]) with wgpu: WebGPU, WebGL2 or native (Vulkan/GL) alike.
///
/// Call [`Renderer::sync`] whenever the scene may have changed (it uploads only what changed)
/// and [`Renderer::render`] once per displayed frame (it does no per-vertex CPU work).
pub struct Renderer {
    caps: Caps,
    color_format: wgpu::TextureFormat,
    layouts: Layouts,
    pipelines: NodePipelines,
    floor: wgpu::RenderPipeline,
    unit_cylinder: UnitCylinder,
    identity: wgpu::Buffer,
    frame_buffer: wgpu::Buffer,
    frame_bind_group: wgpu::BindGroup,
    shadow_map: ShadowMap,
    light_buffer: wgpu::Buffer,
    light_bind_group: wgpu::BindGroup,
    draws: DrawPool,
    mask_sampler: wgpu::Sampler,
    /// The sampler of mesh textures.
    texture_sampler: wgpu::Sampler,
    targets: Option<Targets>,
    gpu: GpuScene,
    stats: RenderStats,
}

impl Renderer {
    /// Creates the floor's pipeline and the fixed buffers for targets of `color_format` (the
    /// pipelines of node kinds are built when a frame first draws the kind). `caps.msaa_samples`
    /// other than 1 or 4 is treated as 1.
    pub fn new(device: &wgpu::Device, queue: &wgpu::Queue, color_format: wgpu::TextureFormat, caps: Caps) -> Renderer {
        let _ = queue;
        let caps = Caps {
            msaa_samples: if caps.msaa_samples == 4 { 4 } else { 1 },
            ..caps
        };
        let layouts = Layouts::new(device);
        let ctx = PipelineCtx {
            device,
            layouts: &layouts,
            color_format,
            msaa: caps.msaa_samples,
        };
        let floor = floor::pipeline(&ctx);
        let uniforms = |label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: std::mem::size_of::<FrameUniforms>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let frame_buffer = uniforms("frame uniforms");
        let shadow_map = ShadowMap::new(device, SHADOW_MAP_SIZE, DEPTH_FORMAT);
        let frame_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame uniforms"),
            layout: &layouts.frame,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&shadow_map.view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&shadow_map.sampler),
                },
            ],
        });
        let light_buffer = uniforms("light uniforms");
        let light_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("light uniforms"),
            layout: &layouts.light,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: light_buffer.as_entire_binding(),
            }],
        });
        let align = u64::from(device.limits().min_uniform_buffer_offset_alignment).max(1);
        let stride = (std::mem::size_of::<DrawUniforms>() as u64).div_ceil(align) * align;
        let draws = DrawPool::new(device, &layouts.draw, stride, 64);
        tracing::debug!(?color_format, ?caps, "renderer created");
        Renderer {
            caps,
            color_format,
            unit_cylinder: UnitCylinder::new(device),
            identity: identity_instance(device),
            mask_sampler: outline::sampler(device),
            texture_sampler: mesh_texture::sampler(device),
            layouts,
            pipelines: NodePipelines::default(),
            floor,
            frame_buffer,
            frame_bind_group,
            shadow_map,
            light_buffer,
            light_bind_group,
            draws,
            targets: None,
            gpu: GpuScene::default(),
            stats: RenderStats::default(),
        }
    }

    /// The capabilities in use (MSAA normalised to 1 or 4).
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// (Re)creates the depth, MSAA and mask targets for a `width × height` frame.
    pub fn resize(&mut self, device: &wgpu::Device, width: u32, height: u32) {
        let (width, height) = (width.max(1), height.max(1));
        if self
            .targets
            .as_ref()
            .is_some_and(|t| t.width == width && t.height == height)
        {
            return;
        }
        let make = |label, format, samples| {
            texture_2d(
                device,
                label,
                format,
                (width, height),
                samples,
                wgpu::TextureUsages::RENDER_ATTACHMENT,
            )
            .create_view(&Default::default())
        };
        let samples = self.caps.msaa_samples;
        self.targets = Some(Targets {
            width,
            height,
            msaa: (samples > 1).then(|| make("msaa colour", self.color_format, samples)),
            depth: make("depth", DEPTH_FORMAT, samples),
            mask: Mask::new(device, &self.layouts.mask, &self.mask_sampler, width, height),
        });
    }

    /// Uploads what changed in `scene` since the last call: new nodes, changed frames (compared
    /// by the identity of their input frames), and frees deleted nodes. Only frames whose data
    /// changed are uploaded; all of them now, so that any frame can be rendered next.
    pub fn sync(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, scene: &SceneDraw<'_>) {
        self.sync_with(device, queue, scene, 0, Budget::All);
    }

    /// [`Renderer::sync`] for rendering scene frame `frame` next, packing only what that frame
    /// draws and then what fits while `more()` says there is time: the frames that changed are
    /// measured (bounds) at once and packed by later calls ([`RenderStats::frames_stale`] says how
    /// many wait). A long sequence then costs its first picture one frame's packing; the page
    /// packs the rest in the time it has between frames.
    pub fn sync_for(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        scene: &SceneDraw<'_>,
        frame: usize,
        more: &dyn Fn() -> bool,
    ) {
        self.sync_with(device, queue, scene, frame, Budget::Until(more));
    }

    fn sync_with(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        scene: &SceneDraw<'_>,
        frame: usize,
        budget: Budget<'_>,
    ) {
        let textures = TextureBinding {
            layout: &self.layouts.mask,
            sampler: &self.texture_sampler,
        };
        let work = self.gpu.sync(device, queue, scene, textures, frame, budget);
        self.stats.frames_uploaded = work.frames_uploaded;
        self.stats.keys_read = work.keys_read;
        self.stats.bounds_computed = work.bounds_computed;
        self.stats.frames_stale = work.frames_stale;
        self.stats.gpu_bytes = self.gpu.gpu_bytes();
    }

    /// Counters of the last frame and the GPU memory held.
    pub fn stats(&self) -> RenderStats {
        self.stats
    }

    /// Number of nodes with GPU resources.
    pub fn node_count(&self) -> usize {
        self.gpu.len()
    }

    /// The floor's height: just below the lowest point of every synced node over all frames.
    pub fn floor_height(&self) -> f32 {
        floor::height(self.gpu.lowest_y())
    }

    /// Encodes and submits one frame of `scene` at scene frame `frame` into `target`, which must
    /// have the size of the last [`Renderer::resize`] and the format given to [`Renderer::new`].
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        target: &wgpu::TextureView,
        scene: &SceneDraw<'_>,
        frame: usize,
        camera: &Camera,
        opts: &ViewOptions,
    ) {
        let Some((width, height)) = self.targets.as_ref().map(|t| (t.width, t.height)) else {
            tracing::warn!("render before resize: nothing drawn");
            return;
        };
        let eye = camera.eye();
        let (items, slots) = self.collect(scene, frame, opts, eye);
        self.build_pipelines(device, &items);
        self.draws.write(device, queue, &self.layouts.draw, &slots);
        let srgb = self.color_format.is_srgb();
        let light = self.light_fit(&items, opts);
        if let Some(fit) = &light {
            queue.write_buffer(&self.light_buffer, 0, bytes_of(&FrameUniforms::light(fit)));
        }
        let shadow = light.as_ref().map(|f| (f, self.shadow_map.size));
        let uniforms = FrameUniforms::new(camera, opts, (width, height), srgb, self.floor_height(), shadow);
        queue.write_buffer(&self.frame_buffer, 0, bytes_of(&uniforms));

        let mut stats = RenderStats {
            gpu_bytes: self.stats.gpu_bytes,
            frames_uploaded: self.stats.frames_uploaded,
            keys_read: self.stats.keys_read,
            bounds_computed: self.stats.bounds_computed,
            frames_stale: self.stats.frames_stale,
            ..RenderStats::default()
        };
        let Some(t) = &self.targets else { return };
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("frame") });
        if light.is_some() {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("shadow"),
                color_attachments: &[],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.shadow_map.view,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Store,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.light_bind_group, &[]);
            for it in &items {
                self.draw_item(&mut pass, it, Variant::Shadow, &mut stats);
            }
        }
        let outlined: Vec<&Item> = items.iter().filter(|it| it.outline).collect();
        if !outlined.is_empty() {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("outline mask"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &t.mask.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            for it in &outlined {
                self.draw_item(&mut pass, it, Variant::Mask, &mut stats);
            }
        }
        {
            let bg = opts.background.map(f64::from);
            let clear = if srgb {
                let lin = |c: f64| {
                    if c <= 0.04045 {
                        c / 12.92
                    } else {
                        ((c + 0.055) / 1.055).powf(2.4)
                    }
                };
                wgpu::Color {
                    r: lin(bg[0]),
                    g: lin(bg[1]),
                    b: lin(bg[2]),
                    a: bg[3],
                }
            } else {
                wgpu::Color {
                    r: bg[0],
                    g: bg[1],
                    b: bg[2],
                    a: bg[3],
                }
            };
            let (view, resolve) = match &t.msaa {
                Some(m) => (m, Some(target)),
                None => (target, None),
            };
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("main"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view,
                    depth_slice: None,
                    resolve_target: resolve,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(clear),
                        store: if resolve.is_some() {
                            wgpu::StoreOp::Discard
                        } else {
                            wgpu::StoreOp::Store
                        },
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &t.depth,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            let translucent = |it: &Item| self.gpu.get(&it.key).is_some_and(|g| g.translucent);
            for it in items.iter().filter(|it| !translucent(it)) {
                self.draw_item(&mut pass, it, Variant::Opaque, &mut stats);
            }
            if opts.show_floor {
                pass.set_bind_group(1, &self.draws.bind_group, &[0]);
                floor::draw(&mut pass, &self.floor);
                stats.draw_calls += 1;
            }
            let mut back_to_front: Vec<&Item> = items.iter().filter(|it| translucent(it)).collect();
            back_to_front.sort_by(|a, b| b.distance.total_cmp(&a.distance));
            for it in back_to_front {
                self.draw_item(&mut pass, it, Variant::Transparent, &mut stats);
            }
            if let Some(outline) = self.pipelines.outline.as_ref().filter(|_| !outlined.is_empty()) {
                pass.set_pipeline(outline);
                pass.set_bind_group(1, &self.draws.bind_group, &[0]);
                pass.set_bind_group(2, &t.mask.bind_group, &[]);
                pass.draw(0..3, 0..1);
                stats.draw_calls += 1;
            }
        }
        queue.submit(Some(encoder.finish()));
        self.stats = stats;
    }

    /// The light fitted to the bounds of the shadow casters among `items`; `None` when shadows
    /// are off, the device cannot draw them, or nothing casts.
    fn light_fit(&self, items: &[Item], opts: &ViewOptions) -> Option<LightFit> {
        if !opts.shadows || !self.caps.shadows {
            return None;
        }
        let casters = items
            .iter()
            .filter_map(|it| self.gpu.get(&it.key).map(|g| (g, it)))
            .filter(|(g, _)| g.cast_shadow.any())
            .fold(Aabb::EMPTY, |b, (g, it)| {
                b.union(g.bounds(it.frame).transformed(&it.placement))
            });
        shadow::fit(LIGHT_POSITIONS[SHADOW_LIGHT], casters, self.shadow_map.size)
    }

    /// The nodes to draw at `frame` (creation order) and their draw uniforms.
    fn collect(
        &self,
        scene: &SceneDraw<'_>,
        frame: usize,
        opts: &ViewOptions,
        eye: Vec3,
    ) -> (Vec<Item>, Vec<DrawUniforms>) {
        let mut items = Vec::new();
        let mut slots = Vec::new();
        for node in scene.nodes() {
            let key = node.key();
            let (Some(placement), Some(g), Some(i)) =
                (node.placement(frame, opts), self.gpu.get(&key), node.data_frame(frame))
            else {
                continue;
            };
            let model = placement * g.transform(i);
            let flat = opts.flat_shading_override.get(&key).copied().unwrap_or(g.flat_shading);
            let edges = opts.draw_edges_override.get(&key).copied().unwrap_or(g.draw_edges);
            items.push(Item {
                key,
                frame: i,
                slot: slots.len(),
                placement,
                edges: edges && g.mesh.is_some(),
                outline: opts.selected == Some(key) || g.draw_outline,
                distance: (g
                    .local_center(i)
                    .map_or(model.w_axis.truncate(), |c| model.transform_point3(c))
                    - eye)
                    .length(),
            });
            slots.push(DrawUniforms::new(&model, flat));
        }
        if slots.is_empty() {
            // The floor and outline bind slot 0 too.
            slots.push(DrawUniforms::new(&glam::Mat4::IDENTITY, false));
        }
        (items, slots)
    }

    /// Builds the pipelines of the kinds `items` draw that are not built yet.
    fn build_pipelines(&mut self, device: &wgpu::Device, items: &[Item]) {
        let (mut mesh, mut textured, mut spheres, mut cylinders, mut outline) = (false, false, false, false, false);
        for it in items {
            let Some(g) = self.gpu.get(&it.key) else { continue };
            mesh |= g.mesh.is_some();
            textured |= g.mesh.as_ref().is_some_and(|m| m.textured());
            spheres |= g.spheres.is_some();
            cylinders |= g.cylinders.is_some();
            outline |= it.outline;
        }
        let ctx = PipelineCtx {
            device,
            layouts: &self.layouts,
            color_format: self.color_format,
            msaa: self.caps.msaa_samples,
        };
        let p = &mut self.pipelines;
        if mesh && p.mesh.is_none() {
            p.mesh = Some(MeshPipelines::new(&ctx));
        }
        if p.textured.is_none() && textured {
            // A textured mesh is a mesh: its mesh pipelines were built just above.
            p.textured = p.mesh.as_ref().map(|m| m.textured(&ctx));
        }
        if spheres && p.spheres.is_none() {
            p.spheres = Some(sph::pipelines(&ctx));
        }
        if cylinders && p.cylinders.is_none() {
            p.cylinders = Some(cyl::pipelines(&ctx));
        }
        if outline && p.outline.is_none() {
            p.outline = Some(outline::pipeline(&ctx));
        }
    }

    /// Draws one node with the given variant (in the shadow pass only its casting parts); the
    /// pipelines of its kinds must have been built ([`Renderer::build_pipelines`]).
    fn draw_item(&self, pass: &mut wgpu::RenderPass<'_>, it: &Item, variant: Variant, stats: &mut RenderStats) {
        let Some(g): Option<&GpuNode> = self.gpu.get(&it.key) else {
            return;
        };
        let all = variant != Variant::Shadow;
        let cast = g.cast_shadow;
        if !all && !cast.any() {
            return;
        }
        pass.set_bind_group(1, &self.draws.bind_group, &[self.draws.offset(it.slot)]);
        let p = &self.pipelines;
        if let (Some(mesh), Some(pipes)) = (g.mesh.as_ref().filter(|_| all || cast.mesh), p.mesh.as_ref()) {
            match (variant, p.textured.as_ref()) {
                (Variant::Opaque | Variant::Transparent, Some(textured)) if mesh.textured() => {
                    let i = usize::from(variant == Variant::Transparent);
                    pass.set_pipeline(&textured[i]);
                    mesh.bind_texture(pass);
                }
                _ => pass.set_pipeline(pipes.tris.get(variant)),
            }
            if mesh.draw(pass, it.frame, &self.identity, false) {
                stats.draw_calls += 1;
                stats.instances += u64::from(mesh.instance_count());
            }
            if it.edges && all && variant != Variant::Mask {
                pass.set_pipeline(&pipes.edges);
                if mesh.draw(pass, it.frame, &self.identity, true) {
                    stats.draw_calls += 1;
                }
            }
        }
        if let (Some(store), Some(pipes)) = (g.spheres.as_ref().filter(|_| all || cast.spheres), p.spheres.as_ref()) {
            if let Some(slice) = store.slice(it.frame) {
                let n = (store.frame_bytes() / sph::INSTANCE_BYTES) as u32;
                pass.set_pipeline(pipes.get(variant));
                sph::draw(pass, slice, n);
                stats.draw_calls += 1;
                stats.instances += u64::from(n);
            }
        }
        if let (Some(store), Some(pipes)) = (
            g.cylinders.as_ref().filter(|_| all || cast.cylinders),
            p.cylinders.as_ref(),
        ) {
            if let Some(slice) = store.slice(it.frame) {
                let n = (store.frame_bytes() / cyl::INSTANCE_BYTES) as u32;
                pass.set_pipeline(pipes.get(variant));
                self.unit_cylinder.draw(pass, slice, n);
                stats.draw_calls += 1;
                stats.instances += u64::from(n);
            }
        }
    }
}
