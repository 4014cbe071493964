//! Meshes on the GPU: per-frame positions + normals (normals computed once per frame on
//! upload), colours (uniform, per vertex or per face), instance matrices, index and edge
//! buffers, and the pipelines that draw them (with the wireframe overlay as a line list).

use bytemuck::cast_slice;
use glam::{Mat4, Vec3};
use meshcast_scene::{field, Node};
use wgpu::util::DeviceExt;

use super::frame_store::{FrameKey, FrameStore, TooLarge, Uploader};
use super::pipelines::{PipelineCtx, PipelineSpec, Variant, Variants};
use crate::core::Aabb;
use crate::geometry::mesh_data::{vertex_normals, MeshTopology};
use crate::geometry::node_data::{colors, frame_bytes, frame_colors, frame_points, Colors};

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

fn buffer_layouts() -> [Option<wgpu::VertexBufferLayout<'static>>; 3] {
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
    ]
}

/// The mesh pipelines.
pub(crate) struct MeshPipelines {
    /// Triangles.
    pub tris: Variants,
    /// The wireframe overlay.
    pub edges: wgpu::RenderPipeline,
}

impl MeshPipelines {
    /// Builds them.
    pub(crate) fn new(ctx: &PipelineCtx<'_>) -> MeshPipelines {
        let module = ctx.module("mesh");
        let buffers = buffer_layouts();
        let tris = PipelineSpec {
            label: "mesh",
            module: &module,
            vs: "vs_main",
            fs: "fs_main",
            buffers: &buffers,
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull: None,
        };
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
            },
            edges: ctx.build(&edges, Variant::Opaque),
        }
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
    /// True when a colour has alpha below 1.
    pub translucent: bool,
}

impl MeshGpu {
    /// Creates the static buffers (indices, edges) of a mesh node; frames come with `update`.
    pub(crate) fn new(device: &wgpu::Device, limits: &wgpu::Limits, node: &Node) -> Result<Option<MeshGpu>, TooLarge> {
        let Some(topo) = MeshTopology::of(node) else {
            return Ok(None);
        };
        let verts = topo.gpu_vertices() as u64;
        let positions = FrameStore::new("mesh positions", verts * VERTEX_BYTES, limits)?;
        let colors = FrameStore::new("mesh colours", verts * COLOR_BYTES, limits)?;
        let instances = match node.series(field::INSTANCE_TRANSFORMS) {
            Some(s) => {
                let n = s.frame_shape().first().copied().unwrap_or(0) as u64;
                Some(FrameStore::new("mesh instances", n * INSTANCE_BYTES, limits)?)
            }
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
            translucent: false,
        }))
    }

    /// Uploads what changed: frames of positions/normals whose vertices (or given normals)
    /// changed, colours and instance matrices whose frames changed.
    pub(crate) fn update(&mut self, up: &mut Uploader<'_>, node: &Node) {
        let n = node.n_frames();
        let has_normals = node
            .series(field::VERTEX_NORMALS)
            .is_some_and(|s| s.frame_shape().first() == Some(&self.topo.n_vertices));
        let keys: Vec<FrameKey> = (0..n)
            .map(|i| {
                let mut k: FrameKey = frame_bytes(node, field::VERTICES, i).into_iter().cloned().collect();
                if has_normals {
                    k.extend(frame_bytes(node, field::VERTEX_NORMALS, i).cloned());
                }
                k
            })
            .collect();
        let topo = &self.topo;
        self.positions
            .update(up, keys, &mut |i, out| pack_positions(node, topo, has_normals, i, out));

        let (name, per) = if node.series(field::FACE_COLORS).is_some() {
            (field::FACE_COLORS, true)
        } else {
            (field::VERTEX_COLORS, false)
        };
        let uniform = colors(node);
        let color_frames = node.series(name).map_or(1, |s| s.len().max(1));
        let keys: Vec<FrameKey> = (0..color_frames)
            .map(|i| frame_bytes(node, name, i).into_iter().cloned().collect())
            .collect();
        let mut translucent = false;
        self.colors.update(up, keys, &mut |i, out| {
            translucent |= pack_colors(node, topo, name, per, &uniform, i, out);
            Aabb::EMPTY
        });
        self.translucent |= translucent;

        if let Some(inst) = &mut self.instances {
            let frames = node.series(field::INSTANCE_TRANSFORMS).map_or(0, |s| s.len());
            let keys: Vec<FrameKey> = (0..frames)
                .map(|i| {
                    frame_bytes(node, field::INSTANCE_TRANSFORMS, i)
                        .into_iter()
                        .cloned()
                        .collect()
                })
                .collect();
            inst.update(up, keys, &mut |i, out| {
                let mats = crate::geometry::node_data::instance_transforms(node, i).unwrap_or_default();
                for m in mats {
                    out.extend_from_slice(cast_slice(&m.to_cols_array()));
                }
                Aabb::EMPTY
            });
        }
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

/// Packs frame `i`'s positions and normals (given ones, or area-weighted ones computed here,
/// once per uploaded frame).
fn pack_positions(node: &Node, topo: &MeshTopology, has_normals: bool, i: usize, out: &mut Vec<u8>) -> Aabb {
    let verts = frame_points(node, field::VERTICES, i).unwrap_or_default();
    let normals = if has_normals {
        frame_points(node, field::VERTEX_NORMALS, i)
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.normalize_or(Vec3::Y))
            .collect()
    } else {
        vertex_normals(&verts, &topo.faces)
    };
    let mut push = |p: Vec3, n: Vec3| {
        out.extend_from_slice(cast_slice(&p.to_array()));
        out.extend_from_slice(&to_snorm8(n));
    };
    let at = |k: usize| {
        (
            verts.get(k).copied().unwrap_or(Vec3::ZERO),
            normals.get(k).copied().unwrap_or(Vec3::Y),
        )
    };
    if topo.per_corner {
        for f in &topo.faces {
            for &k in f {
                let (p, n) = at(k as usize);
                push(p, n);
            }
        }
    } else {
        for k in 0..topo.n_vertices {
            let (p, n) = at(k);
            push(p, n);
        }
    }
    Aabb::from_points(verts)
}

/// Packs colour frame `i` (per corner for face colours); returns whether any alpha is below 1.
fn pack_colors(
    node: &Node,
    topo: &MeshTopology,
    name: &str,
    per_corner: bool,
    uniform: &Colors,
    i: usize,
    out: &mut Vec<u8>,
) -> bool {
    let mut translucent = false;
    let mut push = |c: [f32; 4]| {
        translucent |= c[3] < 0.999;
        out.extend_from_slice(&to_unorm8(c));
    };
    match frame_colors(node, name, i) {
        Some(rows) if per_corner => {
            for (f, _) in topo.faces.iter().enumerate() {
                let c = rows.get(f).copied().unwrap_or([0.5, 0.5, 0.5, 1.0]);
                for _ in 0..3 {
                    push(c);
                }
            }
        }
        Some(rows) => {
            for k in 0..topo.n_vertices {
                push(rows.get(k).copied().unwrap_or([0.5, 0.5, 0.5, 1.0]));
            }
        }
        None => {
            let c = uniform.get(0);
            for _ in 0..topo.gpu_vertices() {
                push(c);
            }
        }
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
