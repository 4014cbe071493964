//! The GPU copy of the scene: per node its model matrices, frame stores and flags, brought up
//! to date by `sync` from the geometry layer's draw data (only nodes whose drawn data changed
//! are touched, only changed frames are uploaded, deleted nodes free their buffers). An SMPL
//! node is one GPU node (mesh, joint spheres, bones) like any other.

use std::collections::{HashMap, HashSet};

use glam::Mat4;

use super::frame_store::{Budget, FrameStore, TooLarge, Uploader};
use super::mesh::{sync_store, MeshGpu};
use super::mesh_texture::TextureBinding;
use super::{cylinders as cyl, spheres as sph};
use crate::core::Aabb;
use crate::geometry::draw_data::{DrawIdentity, DrawSignature, MeshDraw, NodeKey, ShadowCasting};
use crate::geometry::{NodeDraw, SceneDraw};

/// One node's GPU resources.
pub(crate) struct GpuNode {
    /// The drawn data last uploaded; `None` before the first upload.
    identity: Option<DrawIdentity>,
    /// What must not change for an incremental update.
    signature: DrawSignature,
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
    /// Which parts cast shadows.
    pub cast_shadow: ShadowCasting,
    /// World-space bounds per data frame (empty where a frame draws nothing).
    bounds: Vec<Aabb>,
    /// Lowest world-space y over all frames (for the floor).
    pub min_y: Option<f32>,
}

impl GpuNode {
    fn new(device: &wgpu::Device, limits: &wgpu::Limits, draw: &NodeDraw<'_>) -> Result<GpuNode, TooLarge> {
        let count_store = |label, n: usize, bytes: u64| FrameStore::new(label, n as u64 * bytes, limits);
        let mesh = match draw.mesh() {
            Some(m) => MeshGpu::new(device, limits, &m)?,
            None => None,
        };
        let (s, c) = draw
            .prims()
            .map_or((0, 0), |p| (p.spheres(0).len(), p.cylinders(0).len()));
        let spheres = (s > 0)
            .then(|| count_store("sphere instances", s, sph::INSTANCE_BYTES))
            .transpose()?;
        let cylinders = (c > 0)
            .then(|| count_store("cylinder instances", c, cyl::INSTANCE_BYTES))
            .transpose()?;
        let flags = draw.flags();
        Ok(GpuNode {
            mesh,
            spheres,
            cylinders,
            translucent: flags.translucent,
            flat_shading: flags.flat_shading,
            draw_edges: flags.draw_edges,
            draw_outline: flags.draw_outline,
            cast_shadow: flags.cast_shadow,
            ..GpuNode::empty(draw)
        })
    }

    /// A node that draws nothing.
    fn empty(draw: &NodeDraw<'_>) -> GpuNode {
        GpuNode {
            identity: None,
            signature: draw.signature(),
            transforms: Vec::new(),
            mesh: None,
            spheres: None,
            cylinders: None,
            translucent: false,
            flat_shading: false,
            draw_edges: false,
            draw_outline: false,
            cast_shadow: ShadowCasting::default(),
            bounds: Vec::new(),
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

    /// Uploads what changed since the last update. With `Some(only_appended)` (true: the frames
    /// held did not change) only the new frames are read, packed and measured: the cost of an
    /// append does not grow with the frames held. With `None` nothing changed: only stale frames
    /// due now are packed.
    fn update(
        &mut self,
        up: &mut Uploader<'_>,
        draw: &NodeDraw<'_>,
        textures: TextureBinding<'_>,
        change: Option<bool>,
    ) {
        // Frames past a source's old end used its last frame (clamped): from there on, the world
        // bounds may change; before the shortest grown source's old end, they did not.
        let old = self.sources();
        match change {
            Some(true) => self.transforms.extend(draw.transforms(self.transforms.len())),
            Some(false) => self.transforms = draw.transforms(0),
            None => {}
        }
        if let (Some(mesh), Some(m)) = (&mut self.mesh, draw.mesh()) {
            mesh.update(up, &m, textures, change);
            self.translucent = mesh.translucent;
        }
        if let Some(p) = draw.prims() {
            if let Some(store) = &mut self.spheres {
                sync_store(up, store, change, &|from| p.keys(from), &mut |i, out| {
                    let s = p.spheres(i);
                    if let Some(out) = out {
                        s.iter().for_each(|s| sph::pack(out, s));
                    }
                    s.iter().fold(Aabb::EMPTY, |b, s| {
                        b.union(Aabb::from_points([s.center]).expanded(s.radius))
                    })
                });
            }
            if let Some(store) = &mut self.cylinders {
                sync_store(up, store, change, &|from| p.keys(from), &mut |i, out| {
                    let c = p.cylinders(i);
                    if let Some(out) = out {
                        c.iter().for_each(|c| cyl::pack(out, c));
                    }
                    c.iter().fold(Aabb::EMPTY, |b, c| {
                        b.union(Aabb::from_points([c.a, c.b]).expanded(c.r_a.max(c.r_b)))
                    })
                });
            }
        }
        let Some(only_appended) = change else { return };
        let n = draw.n_frames();
        let kept = if only_appended {
            let grown = old
                .iter()
                .zip(self.sources())
                .filter(|(o, new)| new > *o)
                .map(|(o, _)| *o);
            grown.fold(self.bounds.len(), usize::min).min(n)
        } else {
            0
        };
        let every_old_frame_kept = only_appended && kept == self.bounds.len();
        self.bounds.truncate(kept);
        let fresh = self.world_bounds(draw.mesh(), kept..n);
        up.bounds_computed += fresh.len() as u64;
        let low = |b: &[Aabb]| {
            b.iter()
                .filter(|b| b.is_valid())
                .map(|b| b.min.y)
                .min_by(f32::total_cmp)
        };
        self.min_y = if every_old_frame_kept {
            [self.min_y, low(&fresh)].into_iter().flatten().min_by(f32::total_cmp)
        } else {
            None
        };
        self.bounds.extend(fresh);
        if !every_old_frame_kept {
            self.min_y = low(&self.bounds);
        }
        self.identity = Some(draw.identity());
    }

    /// Frames waiting to be packed, over all its stores.
    fn stale_frames(&self) -> usize {
        self.mesh.as_ref().map_or(0, MeshGpu::stale_frames)
            + self.spheres.as_ref().map_or(0, FrameStore::stale_len)
            + self.cylinders.as_ref().map_or(0, FrameStore::stale_len)
    }

    /// Frames held by each source of the world bounds: transforms, vertices, instance
    /// matrices, spheres and cylinders.
    fn sources(&self) -> [usize; 5] {
        [
            self.transforms.len(),
            self.mesh.as_ref().map_or(0, MeshGpu::vertex_frames),
            self.mesh.as_ref().map_or(0, MeshGpu::instance_frames),
            self.spheres.as_ref().map_or(0, FrameStore::len),
            self.cylinders.as_ref().map_or(0, FrameStore::len),
        ]
    }

    /// World-space bounds at data frame `i` (invalid where it draws nothing).
    pub(crate) fn bounds(&self, i: usize) -> Aabb {
        self.bounds.get(i).copied().unwrap_or(Aabb::EMPTY)
    }

    /// World-space bounds of data frames `frames`, from the bounds recorded at upload.
    fn world_bounds(&self, mesh: Option<MeshDraw<'_>>, frames: std::ops::Range<usize>) -> Vec<Aabb> {
        frames
            .map(|i| {
                let local = match (&self.mesh, mesh) {
                    (Some(m), Some(draw)) => {
                        let v = m.vertex_bounds(i);
                        match draw.instances(i) {
                            Some(inst) => inst.iter().fold(Aabb::EMPTY, |b, t| b.union(v.transformed(t))),
                            None => v,
                        }
                    }
                    _ => Aabb::EMPTY,
                };
                let s = self.spheres.as_ref().map_or(Aabb::EMPTY, |s| s.bounds(i));
                let local = local.union(s.union(self.cylinders.as_ref().map_or(Aabb::EMPTY, |c| c.bounds(i))));
                local.transformed(&self.transform(i))
            })
            .collect()
    }

    /// GPU bytes held.
    pub(crate) fn gpu_bytes(&self) -> u64 {
        self.mesh.as_ref().map_or(0, MeshGpu::gpu_bytes)
            + self.spheres.as_ref().map_or(0, FrameStore::gpu_bytes)
            + self.cylinders.as_ref().map_or(0, FrameStore::gpu_bytes)
    }
}

/// The work one [`GpuScene::sync`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SyncWork {
    /// Frames packed and uploaded.
    pub frames_uploaded: u64,
    /// Frame keys read to find what changed.
    pub keys_read: u64,
    /// World-space frame bounds computed.
    pub bounds_computed: u64,
    /// Frames left to pack by a later sync (0 under [`Budget::All`]).
    pub frames_stale: u64,
}

/// Every node's GPU resources.
#[derive(Default)]
pub(crate) struct GpuScene {
    nodes: HashMap<NodeKey, GpuNode>,
    scratch: Vec<u8>,
}

impl GpuScene {
    /// Brings the GPU copy up to date with `scene`, packing what `budget` allows (under
    /// [`Budget::Until`] every node's data frame for scene frame `frame` first); returns the
    /// work done.
    pub(crate) fn sync(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        scene: &SceneDraw<'_>,
        textures: TextureBinding<'_>,
        frame: usize,
        budget: Budget<'_>,
    ) -> SyncWork {
        let limits = device.limits();
        let mut up = Uploader {
            device,
            queue,
            scratch: &mut self.scratch,
            frames_uploaded: 0,
            keys_read: 0,
            bounds_computed: 0,
            budget,
            want: None,
            frames_stale: 0,
        };
        // Nodes deleted, or drawing nothing now (a plain node, an SMPL body without its model),
        // free what they held.
        let drawn: HashSet<NodeKey> = scene.nodes().iter().map(NodeDraw::key).collect();
        self.nodes.retain(|k, _| drawn.contains(k));
        for draw in scene.nodes() {
            let key = draw.key();
            let identity = draw.identity();
            up.want = draw.data_frame(frame);
            let rebuild = match self.nodes.get_mut(&key) {
                Some(g) if g.identity.as_ref().is_some_and(|id| id.same(&identity)) => {
                    // Unchanged: only what is stale and due now.
                    if g.stale_frames() > 0 {
                        g.update(&mut up, draw, textures, None);
                    }
                    continue;
                }
                Some(g) => g.signature != draw.signature(),
                None => true,
            };
            if rebuild {
                self.nodes.remove(&key);
            }
            let g = match self.nodes.get_mut(&key) {
                Some(g) => g,
                None => match GpuNode::new(device, &limits, draw) {
                    Ok(g) => self.nodes.entry(key).or_insert(g),
                    Err(e) => {
                        // Remember the node (drawing nothing) so this is not retried every frame.
                        tracing::warn!(client = key.client, uid = key.uid, "not drawn: {e}");
                        let mut g = GpuNode::empty(draw);
                        g.identity = Some(identity);
                        self.nodes.insert(key, g);
                        continue;
                    }
                },
            };
            let only_appended = g
                .identity
                .as_ref()
                .is_some_and(|old| old.same_node(&identity) && draw.only_appended_since(old.version()));
            g.update(&mut up, draw, textures, Some(only_appended));
        }
        SyncWork {
            frames_uploaded: up.frames_uploaded,
            keys_read: up.keys_read,
            bounds_computed: up.bounds_computed,
            frames_stale: up.frames_stale,
        }
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
