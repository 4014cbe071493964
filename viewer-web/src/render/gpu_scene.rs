//! The GPU copy of the scene: per node its model matrices, frame stores and flags, brought up
//! to date by `sync` (only nodes whose `(seq, version)` changed are touched, only changed frames
//! are uploaded, deleted nodes free their buffers). An SMPL node is drawn from the Meshes and
//! Skeletons nodes [`SmplBodies`] evaluated for it, as one GPU node (mesh, joint spheres, bones).

use std::collections::HashMap;

use glam::Mat4;
use meshcast_protocol::{FieldRole, NodeKind};
use meshcast_scene::{opt, Node, NodeKey, Scene};

use super::frame_store::{FrameKey, FrameStore, TooLarge, Uploader};
use super::mesh::MeshGpu;
use super::{cylinders as cyl, spheres as sph};
use crate::core::Aabb;
use crate::geometry::node_data::{colors, instance_transforms, model_matrix, opt_bool, transform_len};
use crate::geometry::primitives::{colors_translucent, cylinders, spheres};
use crate::geometry::{drawn, DerivedNodes, Drawn};

/// One node's GPU resources.
pub(crate) struct GpuNode {
    /// Creation number of the node these resources were built for (a re-created node with the
    /// same key has another `seq`, and its `version` starts again at 1).
    seq: u64,
    /// The node version last uploaded.
    version: u64,
    /// What must not change for an incremental update (see [`signature`]).
    signature: (Signature, Option<Signature>),
    /// Frame 0 of the node's primary data when last uploaded (held, so compared by identity):
    /// tells a node of another `Scene` with equal `seq` and `version` apart.
    first: Option<bytes::Bytes>,
    /// Model matrix per transform frame (position/rotation/scale lookups, clamped).
    transforms: Vec<Mat4>,
    /// Mesh resources (Meshes).
    pub mesh: Option<MeshGpu>,
    /// Sphere instances per data frame (Spheres, RigidBodies, Skeletons).
    pub spheres: Option<FrameStore>,
    /// Cylinder instances per data frame (Lines, Arrows, RigidBodies, Skeletons).
    pub cylinders: Option<FrameStore>,
    /// Some colour has alpha below 1: drawn in the sorted transparent phase.
    pub translucent: bool,
    /// The node's `flat_shading`.
    pub flat_shading: bool,
    /// The node's `draw_edges`.
    pub draw_edges: bool,
    /// The node's `draw_outline`.
    pub draw_outline: bool,
    /// Lowest world-space y over all frames (for the floor).
    pub min_y: Option<f32>,
}

/// Frame 0 of the primary data drawn (mesh first).
fn first(parts: &Drawn<'_>) -> Option<bytes::Bytes> {
    parts
        .mesh
        .or(parts.prims)
        .and_then(|n| primary_key(n, 0).into_iter().next())
}

fn parts_signature(parts: &Drawn<'_>) -> (Signature, Option<Signature>) {
    let prims = parts.prims.filter(|p| !std::ptr::eq(*p, parts.base)).map(signature);
    (signature(parts.base), prims)
}

impl GpuNode {
    fn new(device: &wgpu::Device, limits: &wgpu::Limits, parts: Drawn<'_>) -> Result<GpuNode, TooLarge> {
        let count_store = |label, n: usize, bytes: u64| FrameStore::new(label, n as u64 * bytes, limits);
        let mesh = match parts.mesh {
            Some(m) => MeshGpu::new(device, limits, m)?,
            None => None,
        };
        let (s, c) = parts
            .prims
            .map_or((0, 0), |p| (spheres(p, 0).len(), cylinders(p, 0).len()));
        let spheres = (s > 0)
            .then(|| count_store("sphere instances", s, sph::INSTANCE_BYTES))
            .transpose()?;
        let cylinders = (c > 0)
            .then(|| count_store("cylinder instances", c, cyl::INSTANCE_BYTES))
            .transpose()?;
        let node = parts.base;
        Ok(GpuNode {
            mesh,
            spheres,
            cylinders,
            translucent: colors_translucent(&colors(node)),
            flat_shading: opt_bool(node, opt::FLAT_SHADING, false),
            draw_edges: opt_bool(node, opt::DRAW_EDGES, false),
            draw_outline: opt_bool(node, opt::DRAW_OUTLINE, false),
            ..GpuNode::empty(&parts)
        })
    }

    /// A node that draws nothing.
    fn empty(parts: &Drawn<'_>) -> GpuNode {
        GpuNode {
            seq: parts.base.seq(),
            version: 0,
            signature: parts_signature(parts),
            first: None,
            transforms: Vec::new(),
            mesh: None,
            spheres: None,
            cylinders: None,
            translucent: false,
            flat_shading: false,
            draw_edges: false,
            draw_outline: false,
            min_y: None,
        }
    }

    /// The model matrix at data frame `i`.
    pub(crate) fn transform(&self, i: usize) -> Mat4 {
        match self.transforms.len() {
            0 => Mat4::IDENTITY,
            n => self.transforms[i.min(n - 1)],
        }
    }

    /// Centre of the node's local bounds at data frame `i` (from the bounds recorded at upload).
    pub(crate) fn local_center(&self, i: usize) -> Option<glam::Vec3> {
        let b = match &self.mesh {
            Some(m) => m.vertex_bounds(i),
            None => {
                let s = self.spheres.as_ref().map_or(Aabb::EMPTY, |s| s.bounds(i));
                s.union(self.cylinders.as_ref().map_or(Aabb::EMPTY, |c| c.bounds(i)))
            }
        };
        b.is_valid().then(|| b.center())
    }

    /// Uploads what changed since the last update.
    fn update(&mut self, up: &mut Uploader<'_>, parts: Drawn<'_>) {
        let node = parts.base;
        self.transforms = (0..transform_len(node)).map(|i| model_matrix(node, i)).collect();
        if let (Some(mesh), Some(m)) = (&mut self.mesh, parts.mesh) {
            mesh.update(up, m);
            self.translucent = mesh.translucent;
        }
        if let Some(p) = parts.prims {
            let n = p.n_frames();
            let keys = || -> Vec<FrameKey> { (0..n).map(|i| primary_key(p, i)).collect() };
            if let Some(store) = &mut self.spheres {
                store.update(up, keys(), &mut |i, out| {
                    let s = spheres(p, i);
                    s.iter().for_each(|s| sph::pack(out, s));
                    s.iter().fold(Aabb::EMPTY, |b, s| {
                        b.union(Aabb::from_points([s.center]).expanded(s.radius))
                    })
                });
            }
            if let Some(store) = &mut self.cylinders {
                store.update(up, keys(), &mut |i, out| {
                    let c = cylinders(p, i);
                    c.iter().for_each(|c| cyl::pack(out, c));
                    c.iter().fold(Aabb::EMPTY, |b, c| {
                        b.union(Aabb::from_points([c.a, c.b]).expanded(c.r_a.max(c.r_b)))
                    })
                });
            }
        }
        let n = parts.mesh.or(parts.prims).map_or(1, Node::n_frames);
        self.min_y = self.lowest_y(parts.mesh, n);
        self.version = parts.version;
        self.first = first(&parts);
    }

    /// Lowest world-space y over every data frame, from the bounds recorded at upload.
    fn lowest_y(&self, mesh: Option<&Node>, n: usize) -> Option<f32> {
        let mut low = f32::INFINITY;
        for i in 0..n {
            let local = match (&self.mesh, mesh) {
                (Some(m), Some(node)) => {
                    let v = m.vertex_bounds(i);
                    match instance_transforms(node, i) {
                        Some(inst) => inst.iter().fold(Aabb::EMPTY, |b, t| b.union(v.transformed(t))),
                        None => v,
                    }
                }
                _ => Aabb::EMPTY,
            };
            let s = self.spheres.as_ref().map_or(Aabb::EMPTY, |s| s.bounds(i));
            let local = local.union(s.union(self.cylinders.as_ref().map_or(Aabb::EMPTY, |c| c.bounds(i))));
            let world = local.transformed(&self.transform(i));
            if world.is_valid() {
                low = low.min(world.min.y);
            }
        }
        low.is_finite().then_some(low)
    }

    /// GPU bytes held.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        self.mesh.as_ref().map_or(0, MeshGpu::gpu_bytes)
            + self.spheres.as_ref().map_or(0, FrameStore::gpu_bytes)
            + self.cylinders.as_ref().map_or(0, FrameStore::gpu_bytes)
    }
}

/// What a node keeps for its whole life: kind, creation number, its static arrays (by
/// identity) and the frame shape of every per-frame array. When it differs, the GPU resources
/// are rebuilt instead of updated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    kind: NodeKind,
    seq: u64,
    statics: Vec<(usize, usize)>,
    shapes: Vec<(String, Vec<usize>)>,
}

fn signature(node: &Node) -> Signature {
    Signature {
        kind: node.kind(),
        seq: node.seq(),
        statics: node
            .all_statics()
            .values()
            .map(|a| (a.data().as_ptr() as usize, a.data().len()))
            .collect(),
        shapes: node
            .all_series()
            .iter()
            .map(|(k, s)| (k.clone(), s.frame_shape().to_vec()))
            .collect(),
    }
}

/// The frames of the node's primary arrays at data frame `i` (what its instances derive from).
fn primary_key(node: &Node, i: usize) -> FrameKey {
    node.kind()
        .own_fields()
        .iter()
        .filter(|f| f.role == FieldRole::Primary)
        .filter_map(|f| node.series(f.name).and_then(|s| s.frame(i)).cloned())
        .collect()
}

/// Every node's GPU resources.
#[derive(Default)]
pub(crate) struct GpuScene {
    nodes: HashMap<NodeKey, GpuNode>,
    scratch: Vec<u8>,
}

impl GpuScene {
    /// Brings the GPU copy up to date with `scene` (SMPL nodes drawn from `derived`); returns
    /// the number of frames uploaded.
    pub(crate) fn sync(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        scene: &Scene,
        derived: &dyn DerivedNodes,
    ) -> u64 {
        let limits = device.limits();
        let mut up = Uploader {
            device,
            queue,
            scratch: &mut self.scratch,
            frames_uploaded: 0,
        };
        self.nodes.retain(|k, _| scene.node(k).is_some());
        for node in scene.nodes() {
            let Some(parts) = drawn(node, derived) else {
                // Nothing to draw (a plain node, or an SMPL body without its model); drop what
                // an earlier node with this key had.
                self.nodes.remove(&node.key());
                continue;
            };
            let unchanged = |g: &GpuNode| {
                g.seq == node.seq()
                    && g.version == parts.version
                    && match (&g.first, first(&parts)) {
                        (Some(a), Some(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
                        (a, b) => a.is_none() && b.is_none(),
                    }
            };
            let rebuild = match self.nodes.get(&node.key()) {
                Some(g) if unchanged(g) => continue,
                Some(g) => g.signature != parts_signature(&parts),
                None => true,
            };
            if rebuild {
                self.nodes.remove(&node.key());
            }
            let g = match self.nodes.get_mut(&node.key()) {
                Some(g) => g,
                None => match GpuNode::new(device, &limits, parts) {
                    Ok(g) => self.nodes.entry(node.key()).or_insert(g),
                    Err(e) => {
                        // Remember the node (drawing nothing) so this is not retried every frame.
                        tracing::warn!(client = node.key().client, uid = node.key().uid, "not drawn: {e}");
                        let mut g = GpuNode::empty(&parts);
                        g.version = parts.version;
                        self.nodes.insert(node.key(), g);
                        continue;
                    }
                },
            };
            g.update(&mut up, parts);
        }
        up.frames_uploaded
    }

    /// A node's resources.
    pub(crate) fn get(&self, key: &NodeKey) -> Option<&GpuNode> {
        self.nodes.get(key)
    }

    /// GPU bytes held by all nodes.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        self.nodes.values().map(GpuNode::gpu_bytes).sum()
    }

    /// The lowest world-space y of every node over all its frames.
    pub(crate) fn lowest_y(&self) -> Option<f32> {
        self.nodes.values().filter_map(|g| g.min_y).min_by(f32::total_cmp)
    }

    /// Number of nodes with GPU resources.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}
