//! Meshes on the GPU: per-frame positions + normals (normals computed once per frame on
//! upload), colours (uniform, per vertex or per face), instance matrices, index and edge
//! buffers, and the pipelines that draw them (with the wireframe overlay as a line list).

use bytemuck::cast_slice;
use glam::{Mat4, Vec3};
use wgpu::util::DeviceExt;

use super::frame_store::{Fill, FrameStore, TooLarge, Uploader};
use super::mesh_texture::{MeshTexture, TextureBinding, UV_BYTES};
use super::pipelines::{PipelineCtx, PipelineSpec, Variant, Variants};
use crate::core::Aabb;
use crate::geometry::draw_data::MeshDraw;
use crate::geometry::mesh_data::MeshTopology;

/// Bytes per GPU vertex: position `f32×3` + normal `snorm8×4`.
const VERTEX_BYTES: u64 = 16;
/// Bytes per colour: `unorm8×4`.
const COLOR_BYTES: u64 = 4;
/// Bytes per instance matrix.
const INSTANCE_BYTES: u64 = 64;

const VERTEX_ATTRS: [wgpu::VertexAttribute; 2] = wgpu::vertex_attr_array![0 => Float32x3, 1 => Snorm8x4];
const COLOR_ATTRS: [wgpu::VertexAttribute; 1] = wgpu::vertex_attr_array![2 => Unorm8x4];
const INSTANCE_ATTRS: [wgpu::VertexAttribute; 4] =
    wgpu::vertex_attr_array![3 => Float32x4, 4 => Float32x4, 5 => Float32x4, 6 => Float32x4];

const UV_ATTRS: [wgpu::VertexAttribute; 1] = wgpu::vertex_attr_array![7 => Float32x2];

fn buffer_layouts() -> [Option<wgpu::VertexBufferLayout<'static>>; 4] {
    [
        Some(wgpu::VertexBufferLayout {
            array_stride: VERTEX_BYTES,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &VERTEX_ATTRS,
        }),
        Some(wgpu::VertexBufferLayout {
            array_stride: COLOR_BYTES,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &COLOR_ATTRS,
        }),
        Some(wgpu::VertexBufferLayout {
            array_stride: INSTANCE_BYTES,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &INSTANCE_ATTRS,
        }),
        // Texture coordinates: bound only by the textured pipelines.
        Some(wgpu::VertexBufferLayout {
            array_stride: UV_BYTES,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &UV_ATTRS,
        }),
    ]
}

/// The mesh pipelines.
pub(crate) struct MeshPipelines {
    /// Triangles.
    pub tris: Variants,
    /// The wireframe overlay.
    pub edges: wgpu::RenderPipeline,
    /// `mesh.wgsl`, compiled once for these and the textured pipelines.
    module: wgpu::ShaderModule,
}

/// Textured triangles of the main pass: opaque and transparent (their mask and shadow variants
/// are [`MeshPipelines::tris`]').
pub(crate) type TexturedPipelines = [wgpu::RenderPipeline; 2];

/// The untextured triangle pipeline's description, with `module` and `buffers`.
fn tris_spec<'a>(
    module: &'a wgpu::ShaderModule,
    buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
) -> PipelineSpec<'a> {
    PipelineSpec {
        label: "mesh",
        module,
        vs: "vs_main",
        fs: "fs_main",
        buffers,
        topology: wgpu::PrimitiveTopology::TriangleList,
        cull: None,
        shadow_fs: None,
        textured: false,
    }
}

impl MeshPipelines {
    /// Builds them.
    pub(crate) fn new(ctx: &PipelineCtx<'_>) -> MeshPipelines {
        let module = ctx.module("mesh");
        let all = buffer_layouts();
        let tris = tris_spec(&module, &all[..3]);
        let edges = PipelineSpec {
            label: "mesh edges",
            vs: "vs_edges",
            fs: "fs_edges",
            topology: wgpu::PrimitiveTopology::LineList,
            ..tris
        };
        // Transparent meshes cull back faces so a closed surface blends once.
        let transparent = PipelineSpec {
            cull: Some(wgpu::Face::Back),
            ..tris
        };
        MeshPipelines {
            tris: Variants {
                opaque: ctx.build(&tris, Variant::Opaque),
                transparent: ctx.build(&transparent, Variant::Transparent),
                mask: ctx.build(&tris, Variant::Mask),
                shadow: ctx.build(&tris, Variant::Shadow),
            },
            edges: ctx.build(&edges, Variant::Opaque),
            module,
        }
    }

    /// Builds the textured pipelines (with the texture coordinates' vertex buffer).
    pub(crate) fn textured(&self, ctx: &PipelineCtx<'_>) -> TexturedPipelines {
        let all = buffer_layouts();
        let textured = PipelineSpec {
            label: "textured mesh",
            vs: "vs_textured",
            fs: "fs_textured",
            textured: true,
            ..tris_spec(&self.module, &all)
        };
        // Transparent meshes cull back faces so a closed surface blends once.
        let textured_transparent = PipelineSpec {
            cull: Some(wgpu::Face::Back),
            ..textured
        };
        [
            ctx.build(&textured, Variant::Opaque),
            ctx.build(&textured_transparent, Variant::Transparent),
        ]
    }
}

fn to_unorm8(c: [f32; 4]) -> [u8; 4] {
    c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8)
}

fn to_snorm8(n: Vec3) -> [u8; 4] {
    let q = |x: f32| ((x.clamp(-1.0, 1.0) * 127.0).round() as i8).to_le_bytes()[0];
    [q(n.x), q(n.y), q(n.z), 0]
}

/// A mesh node's GPU resources.
pub(crate) struct MeshGpu {
    topo: MeshTopology,
    /// Positions and normals per frame of `vertices`.
    positions: FrameStore,
    /// Colours: one frame (uniform or static per-vertex/face colours) or one per colour frame.
    colors: FrameStore,
    /// Instance matrices per frame, when the mesh has `instance_transforms`.
    instances: Option<FrameStore>,
    index: Option<wgpu::Buffer>,
    edges: Option<wgpu::Buffer>,
    /// The texture, once uploaded (meshes with `texture` and `uv_coords`).
    texture: Option<MeshTexture>,
    /// True once the texture was looked for (a mesh's texture never changes in place: a new
    /// image is a new signature and new resources).
    texture_read: bool,
    /// True when a colour has alpha below 1.
    pub translucent: bool,
}

impl MeshGpu {
    /// Creates the static buffers (indices, edges) of a mesh node; frames come with `update`.
    pub(crate) fn new(
        device: &wgpu::Device,
        limits: &wgpu::Limits,
        mesh: &MeshDraw<'_>,
    ) -> Result<Option<MeshGpu>, TooLarge> {
        let Some(topo) = mesh.topology() else {
            return Ok(None);
        };
        let verts = topo.gpu_vertices() as u64;
        let positions = FrameStore::new("mesh positions", verts * VERTEX_BYTES, limits)?;
        let colors = FrameStore::new("mesh colours", verts * COLOR_BYTES, limits)?;
        let instances = match mesh.instances_per_frame() {
            Some(n) => Some(FrameStore::new("mesh instances", n as u64 * INSTANCE_BYTES, limits)?),
            None => None,
        };
        let buffer = |label, data: &[u32], usage| {
            (!data.is_empty()).then(|| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: cast_slice(data),
                    usage,
                })
            })
        };
        let index = if topo.per_corner {
            None
        } else {
            buffer("mesh indices", &topo.indices(), wgpu::BufferUsages::INDEX)
        };
        let edge_list: Vec<u32> = topo.edges.iter().flatten().copied().collect();
        let edges = buffer("mesh edges", &edge_list, wgpu::BufferUsages::INDEX);
        Ok(Some(MeshGpu {
            topo,
            positions,
            colors,
            instances,
            index,
            edges,
            texture: None,
            texture_read: false,
            translucent: false,
        }))
    }

    /// Uploads what changed: frames of positions/normals whose vertices (or given normals)
    /// changed, colours and instance matrices whose frames changed. With
    /// `Some(only_appended)` ([`crate::geometry::NodeDraw::only_appended_since`]: the frames held
    /// did not change) only new frames are looked at; with `None` nothing changed since the last
    /// update, and only stale frames are packed ([`super::frame_store::Budget`]).
    pub(crate) fn update(
        &mut self,
        up: &mut Uploader<'_>,
        mesh: &MeshDraw<'_>,
        textures: TextureBinding<'_>,
        change: Option<bool>,
    ) {
        if !self.texture_read {
            self.texture_read = true;
            self.texture = mesh
                .texture(&self.topo)
                .map(|t| MeshTexture::new(up.device, up.queue, textures, &t));
        }
        let topo = &self.topo;
        sync_store(
            up,
            &mut self.positions,
            change,
            &|from| mesh.vertex_keys(topo, from),
            &mut |i, out| pack_vertices(mesh, topo, i, out),
        );
        let mut translucent = false;
        sync_store(
            up,
            &mut self.colors,
            change,
            &|from| mesh.color_keys(from),
            &mut |i, out| {
                if let Some(out) = out {
                    translucent |= pack_colors(&mesh.colors(topo, i), out);
                }
                Aabb::EMPTY
            },
        );
        self.translucent |= translucent;
        if let Some(inst) = &mut self.instances {
            sync_store(up, inst, change, &|from| mesh.instance_keys(from), &mut |i, out| {
                if let Some(out) = out {
                    for m in mesh.instances(i).unwrap_or_default() {
                        out.extend_from_slice(cast_slice(&m.to_cols_array()));
                    }
                }
                Aabb::EMPTY
            });
        }
    }

    /// Frames waiting to be packed, over all its stores.
    pub(crate) fn stale_frames(&self) -> usize {
        self.positions.stale_len() + self.colors.stale_len() + self.instances.as_ref().map_or(0, FrameStore::stale_len)
    }

    /// Frames of vertices held.
    pub(crate) fn vertex_frames(&self) -> usize {
        self.positions.len()
    }

    /// Frames of instance matrices held (0 without).
    pub(crate) fn instance_frames(&self) -> usize {
        self.instances.as_ref().map_or(0, FrameStore::len)
    }

    /// Local bounds of data frame `i` (vertices only; instance matrices are applied by the caller).
    pub(crate) fn vertex_bounds(&self, i: usize) -> Aabb {
        self.positions.bounds(i)
    }

    /// GPU bytes held.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        self.positions.gpu_bytes()
            + self.colors.gpu_bytes()
            + self.instances.as_ref().map_or(0, FrameStore::gpu_bytes)
            + self.index.as_ref().map_or(0, wgpu::Buffer::size)
            + self.edges.as_ref().map_or(0, wgpu::Buffer::size)
            + self.texture.as_ref().map_or(0, MeshTexture::gpu_bytes)
    }

    /// True when the mesh is drawn with a texture.
    pub(crate) fn textured(&self) -> bool {
        self.texture.is_some()
    }

    /// Binds the texture (group 2) and the texture coordinates (vertex buffer 3) for the
    /// textured pipelines; false when the mesh has no texture.
    pub(crate) fn bind_texture(&self, pass: &mut wgpu::RenderPass<'_>) -> bool {
        let Some(t) = &self.texture else { return false };
        pass.set_bind_group(2, &t.bind_group, &[]);
        pass.set_vertex_buffer(3, t.uvs.slice(..));
        true
    }

    /// Instances drawn per frame.
    pub(crate) fn instance_count(&self) -> u32 {
        match &self.instances {
            Some(s) => (s.frame_bytes() / INSTANCE_BYTES) as u32,
            None => 1,
        }
    }

    /// Binds data frame `i` and draws the triangles (or the edges). Returns whether it drew.
    pub(crate) fn draw(&self, pass: &mut wgpu::RenderPass<'_>, i: usize, identity: &wgpu::Buffer, edges: bool) -> bool {
        let (Some(pos), Some(col)) = (self.positions.slice(i), self.colors.slice(i)) else {
            return false;
        };
        let inst = match &self.instances {
            Some(s) => match s.slice(i) {
                Some(slice) => slice,
                None => return false,
            },
            None => identity.slice(..),
        };
        let n_inst = self.instance_count();
        pass.set_vertex_buffer(0, pos);
        pass.set_vertex_buffer(1, col);
        pass.set_vertex_buffer(2, inst);
        if edges {
            let Some(e) = &self.edges else { return false };
            pass.set_index_buffer(e.slice(..), wgpu::IndexFormat::Uint32);
            pass.draw_indexed(0..(self.topo.edges.len() * 2) as u32, 0, 0..n_inst);
            return true;
        }
        let count = (self.topo.faces.len() * 3) as u32;
        match &self.index {
            Some(ix) => {
                pass.set_index_buffer(ix.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..count, 0, 0..n_inst);
            }
            None if self.topo.per_corner => pass.draw(0..count, 0..n_inst),
            None => return false,
        }
        true
    }
}

/// Brings `store` up to date with the frames whose keys `keys(from)` gives from frame `from` on:
/// with `Some(true)` (only appended), appends the frames after those held; with `Some(false)`
/// compares every frame; with `None` (nothing changed) only packs stale frames that are due.
pub(crate) fn sync_store(
    up: &mut Uploader<'_>,
    store: &mut FrameStore,
    change: Option<bool>,
    keys: &dyn Fn(usize) -> Vec<crate::geometry::draw_data::FrameKey>,
    fill: &mut Fill<'_>,
) {
    match change {
        Some(true) => store.append(up, keys(store.len()), fill),
        Some(false) => store.update(up, keys(0), fill),
        None => store.pack_due(up, fill),
    }
}

/// Packs vertex frame `i` (position `f32×3`, normal `snorm8×4`) into `out`; returns its bounds
/// (all that is computed without `out`).
fn pack_vertices(mesh: &MeshDraw<'_>, topo: &MeshTopology, i: usize, out: Option<&mut Vec<u8>>) -> Aabb {
    let Some(out) = out else {
        return mesh.vertex_bounds(i);
    };
    let v = mesh.vertices(topo, i);
    for (p, n) in v.positions.iter().zip(&v.normals) {
        out.extend_from_slice(cast_slice(&p.to_array()));
        out.extend_from_slice(&to_snorm8(*n));
    }
    v.bounds
}

/// Packs one colour frame (`unorm8×4` per vertex); returns whether any alpha is below 1.
fn pack_colors(colors: &[[f32; 4]], out: &mut Vec<u8>) -> bool {
    let mut translucent = false;
    for &c in colors {
        translucent |= c[3] < 0.999;
        out.extend_from_slice(&to_unorm8(c));
    }
    translucent
}

/// The identity instance used by meshes without `instance_transforms`.
pub(crate) fn identity_instance(device: &wgpu::Device) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("identity instance"),
        contents: cast_slice(&Mat4::IDENTITY.to_cols_array()),
        usage: wgpu::BufferUsages::VERTEX,
    })
}
