//! Draw data: what the renderer uploads and draws, read from the scene here so the renderer
//! never reads a scene node. [`SceneDraw`] lists the nodes that draw something, in creation
//! order; each [`NodeDraw`] gives its identity (to upload only what changed), flags, model
//! matrices, and per frame its mesh vertices and colours ([`MeshDraw`]) and its spheres and
//! cylinders ([`PrimDraw`]) as plain values. SMPL bodies come in as the nodes derived from them
//! ([`DerivedNodes`]), like any other node.
//!
//! Every frame of every array comes with a [`FrameKey`]: the scene's reference-counted frames it
//! is built from, compared by identity, so the renderer re-packs a frame only when its inputs
//! changed.

use bytes::Bytes;
use glam::{Mat4, Vec3};
use meshcast_protocol::{FieldRole, Kwargs, NodeKind};
use meshcast_scene::{field, opt, Node, Scene};

pub use meshcast_scene::NodeKey;

use super::mesh_data::{vertex_normals, MeshTopology};
use super::node_data::{
    colors, frame_bytes, frame_colors, frame_points, instance_transforms, model_matrix, opt_bool, transform_len, Colors,
};
use super::primitives::{colors_translucent, cylinders, spheres, CylinderInstance, SphereInstance};
use super::{drawn, DerivedNodes, Drawn};
use crate::core::Aabb;

/// The CPU frames a drawn frame is built from. Holding the `Bytes` keeps their allocations
/// alive, so an identical pointer really means identical, unchanged data.
pub type FrameKey = Vec<Bytes>;

/// Colour of a vertex or face a colour array does not cover.
const MISSING_COLOR: [f32; 4] = [0.5, 0.5, 0.5, 1.0];

/// The nodes of a scene that draw something, in creation order.
pub struct SceneDraw<'a> {
    nodes: Vec<NodeDraw<'a>>,
}

impl<'a> SceneDraw<'a> {
    /// Reads `scene`; SMPL nodes draw what `derived` holds for them (nothing before their body
    /// was evaluated), plain nodes draw nothing.
    pub fn of(scene: &'a Scene, derived: &'a dyn DerivedNodes) -> SceneDraw<'a> {
        let nodes = scene
            .nodes()
            .iter()
            .filter_map(|node| drawn(node, derived).map(|parts| NodeDraw { scene, node, parts }))
            .collect();
        SceneDraw { nodes }
    }

    /// The nodes that draw something, in creation order.
    pub fn nodes(&self) -> &[NodeDraw<'a>] {
        &self.nodes
    }
}

/// What tells two states of a node's drawn data apart: equal identities mean nothing drawn
/// changed.
#[derive(Debug, Clone)]
pub struct DrawIdentity {
    /// Creation number of the scene node (a re-created node with the same key has another).
    seq: u64,
    /// Version of what is drawn.
    version: u64,
    /// Which parts are drawn ([`Drawn::parts_mask`]).
    parts: u8,
    /// Frame 0 of the primary data (held, so compared by identity): tells a node of another
    /// scene with equal `seq` and `version` apart.
    first: Option<Bytes>,
}

impl DrawIdentity {
    /// True when both are states of the same node's drawn data (same creation, parts and
    /// frame 0), maybe of other versions.
    pub fn same_node(&self, other: &DrawIdentity) -> bool {
        self.seq == other.seq
            && self.parts == other.parts
            && match (&self.first, &other.first) {
                (Some(a), Some(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
                (a, b) => a.is_none() && b.is_none(),
            }
    }

    /// The version of the drawn data.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// True when both name the same data (frame 0 compared by identity).
    pub fn same(&self, other: &DrawIdentity) -> bool {
        self.version == other.version && self.same_node(other)
    }
}

/// What must not change for the renderer to update a node's resources in place (kind, creation
/// number, options, static arrays by identity, the frame shape of every per-frame array); when
/// it differs, they are rebuilt. Options are in it because they shape every frame (a radius, a
/// line mode) without changing the frames' inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawSignature(NodeSignature, u8, Vec<NodeSignature>);

#[derive(Debug, Clone, PartialEq)]
struct NodeSignature {
    kind: NodeKind,
    seq: u64,
    options: Kwargs,
    statics: Vec<(usize, usize)>,
    shapes: Vec<(String, Vec<usize>)>,
}

fn node_signature(node: &Node) -> NodeSignature {
    NodeSignature {
        kind: node.kind(),
        seq: node.seq(),
        options: node.options().clone(),
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

/// A node's drawing switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrawFlags {
    /// Its colour has alpha below 1 (drawn in the sorted transparent phase). Mesh colour arrays
    /// can make a node translucent too: see [`MeshDraw::colors`].
    pub translucent: bool,
    /// `flat_shading`.
    pub flat_shading: bool,
    /// `draw_edges`.
    pub draw_edges: bool,
    /// `draw_outline`.
    pub draw_outline: bool,
    /// Which parts cast shadows (`cast_shadow`).
    pub cast_shadow: ShadowCasting,
}

/// Which parts of a node cast a shadow: its `cast_shadow` option where its kind has one
/// (Meshes, Spheres, Lines; default from the kinds table); for the other kinds each part
/// follows the default of the aitviewer kind it is drawn as there (an SMPL body's mesh as
/// Meshes, bones, arrows and axes as Lines, joints and rigid-body centres as Spheres).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShadowCasting {
    /// The mesh casts.
    pub mesh: bool,
    /// The spheres cast.
    pub spheres: bool,
    /// The cylinders (lines, arrows, bones, axes) cast.
    pub cylinders: bool,
}

impl ShadowCasting {
    /// The casting of a node of `base`'s kind with `base`'s options.
    fn of(base: &Node) -> ShadowCasting {
        let kind = base.kind();
        if kind.option(opt::CAST_SHADOW).is_some() {
            let on = opt_bool(base, opt::CAST_SHADOW, kind.default_bool(opt::CAST_SHADOW));
            return ShadowCasting {
                mesh: on,
                spheres: on,
                cylinders: on,
            };
        }
        ShadowCasting {
            mesh: NodeKind::Meshes.default_bool(opt::CAST_SHADOW),
            spheres: NodeKind::Spheres.default_bool(opt::CAST_SHADOW),
            cylinders: NodeKind::Lines.default_bool(opt::CAST_SHADOW),
        }
    }

    /// Some part casts.
    pub fn any(&self) -> bool {
        self.mesh || self.spheres || self.cylinders
    }
}

/// One node's draw data.
#[derive(Clone, Copy)]
pub struct NodeDraw<'a> {
    /// The scene it is in (the nodes above it).
    scene: &'a Scene,
    /// The scene node (its key and frame mapping).
    node: &'a Node,
    /// What it draws (itself, or nodes derived from it).
    parts: Drawn<'a>,
}

impl<'a> NodeDraw<'a> {
    /// The scene node's key.
    pub fn key(&self) -> NodeKey {
        self.node.key()
    }

    /// The node's data frame at scene frame `frame` (`None` when it has none there).
    pub fn data_frame(&self, frame: usize) -> Option<usize> {
        self.node.data_frame(frame)
    }

    /// Where the node is drawn at scene frame `frame`: the world matrix of the nodes above it
    /// (the identity at the top), to multiply with [`NodeDraw::transforms`]; `None` when it is
    /// not drawn there, because the user hid it or a node above it, or a node above it shows
    /// nothing at that frame.
    pub fn placement(&self, frame: usize, opts: &crate::core::ViewOptions) -> Option<Mat4> {
        // One walk up the tree serves the visibility check and the matrix (per node and frame).
        let above = self.scene.ancestors(&self.node.key());
        let hidden = |n: &Node| opts.is_hidden(&n.key());
        if hidden(self.node) || above.iter().any(|a| hidden(a)) {
            return None;
        }
        super::hierarchy::matrix_of(&above, frame)
    }

    /// What tells this state of the drawn data from another.
    pub fn identity(&self) -> DrawIdentity {
        let first = self
            .parts
            .mesh
            .or(self.parts.prim_nodes().next())
            .and_then(|n| primary_key(n, 0).into_iter().next());
        DrawIdentity {
            seq: self.node.seq(),
            version: self.parts.version,
            parts: self.parts.parts_mask(),
            first,
        }
    }

    /// What must stay equal for an in-place update.
    pub fn signature(&self) -> DrawSignature {
        let parts = &self.parts;
        let prims = parts
            .prim_nodes()
            .filter(|p| !std::ptr::eq(*p, parts.base))
            .map(node_signature)
            .collect();
        DrawSignature(node_signature(parts.base), parts.parts_mask(), prims)
    }

    /// The model matrix per transform frame (position/rotation/scale, aitviewer's `T·R·S`),
    /// from frame `from` on; at least one from 0.
    pub fn transforms(&self, from: usize) -> Vec<Mat4> {
        let base = self.parts.base;
        (from..transform_len(base)).map(|i| model_matrix(base, i)).collect()
    }

    /// True when, since version `version` of what it draws, frames were only appended (the ones
    /// there before are as they were): the renderer then uploads only the new ones. Always
    /// false for SMPL bodies (their drawn nodes are derived anew).
    pub fn only_appended_since(&self, version: u64) -> bool {
        self.node.kind() != NodeKind::Smpl && self.node.only_appended_since(version)
    }

    /// The node's switches.
    pub fn flags(&self) -> DrawFlags {
        let base = self.parts.base;
        DrawFlags {
            translucent: colors_translucent(&colors(base)),
            flat_shading: opt_bool(base, opt::FLAT_SHADING, false),
            draw_edges: opt_bool(base, opt::DRAW_EDGES, false),
            draw_outline: opt_bool(base, opt::DRAW_OUTLINE, false),
            cast_shadow: ShadowCasting::of(base),
        }
    }

    /// The mesh, if the node draws one.
    pub fn mesh(&self) -> Option<MeshDraw<'a>> {
        self.parts.mesh.map(|node| MeshDraw { node })
    }

    /// The spheres and cylinders, if the node draws any.
    pub fn prims(&self) -> Option<PrimDraw<'a>> {
        let nodes = self.parts.prims;
        nodes.iter().any(Option::is_some).then_some(PrimDraw { nodes })
    }

    /// Number of data frames of what is drawn (the mesh's, else the primitives'; 1 for neither).
    pub fn n_frames(&self) -> usize {
        self.parts
            .mesh
            .or(self.parts.prim_nodes().next())
            .map_or(1, Node::n_frames)
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

/// One mesh frame's vertices in the topology's layout ([`MeshTopology::gpu_vertices`] of each).
#[derive(Debug, Clone, PartialEq)]
pub struct MeshVertices {
    /// Positions.
    pub positions: Vec<Vec3>,
    /// Unit normals: the mesh's own, or area-weighted ones computed from the faces.
    pub normals: Vec<Vec3>,
    /// Bounds of every vertex of the frame (referenced by a face or not).
    pub bounds: Aabb,
}

/// A mesh's texture as the GPU takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureDraw {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA8 rows, top row first (an RGB image gets alpha 255).
    pub rgba: Vec<u8>,
    /// Texture coordinates per vertex of the topology's layout, `v` flipped (the image's top
    /// row is `v = 0` here, its bottom row `v = 1` in the mesh's `uv_coords`).
    pub uvs: Vec<[f32; 2]>,
}

/// A mesh's draw data.
#[derive(Clone, Copy)]
pub struct MeshDraw<'a> {
    node: &'a Node,
}

impl<'a> MeshDraw<'a> {
    /// Faces, vertex count and GPU layout; `None` for a mesh without vertices or faces.
    pub(crate) fn topology(&self) -> Option<MeshTopology> {
        MeshTopology::of(self.node)
    }

    /// Instances per frame when the mesh has `instance_transforms`.
    pub(crate) fn instances_per_frame(&self) -> Option<usize> {
        self.node
            .series(field::INSTANCE_TRANSFORMS)
            .map(|s| s.frame_shape().first().copied().unwrap_or(0))
    }

    /// Whether the mesh gives its own normals for `topo`'s vertices.
    fn has_normals(&self, topo: &MeshTopology) -> bool {
        self.node
            .series(field::VERTEX_NORMALS)
            .is_some_and(|s| s.frame_shape().first() == Some(&topo.n_vertices))
    }

    /// The inputs of each vertex frame from `from` on (vertices, and normals when given).
    pub(crate) fn vertex_keys(&self, topo: &MeshTopology, from: usize) -> Vec<FrameKey> {
        let normals = self.has_normals(topo);
        (from..self.node.n_frames())
            .map(|i| {
                let mut k: FrameKey = frame_bytes(self.node, field::VERTICES, i)
                    .into_iter()
                    .cloned()
                    .collect();
                if normals {
                    k.extend(frame_bytes(self.node, field::VERTEX_NORMALS, i).cloned());
                }
                k
            })
            .collect()
    }

    /// Bounds of every vertex of frame `i` ([`MeshVertices::bounds`] without the rest).
    pub(crate) fn vertex_bounds(&self, i: usize) -> Aabb {
        super::node_data::frame_points_bounds(self.node, field::VERTICES, i)
    }

    /// Vertex frame `i` laid out for `topo` (normals computed here when the mesh has none).
    pub(crate) fn vertices(&self, topo: &MeshTopology, i: usize) -> MeshVertices {
        let verts = frame_points(self.node, field::VERTICES, i).unwrap_or_default();
        let normals = if self.has_normals(topo) {
            frame_points(self.node, field::VERTEX_NORMALS, i)
                .unwrap_or_default()
                .into_iter()
                .map(|n| n.normalize_or(Vec3::Y))
                .collect()
        } else {
            vertex_normals(&verts, &topo.faces)
        };
        let at = |k: usize| {
            (
                verts.get(k).copied().unwrap_or(Vec3::ZERO),
                normals.get(k).copied().unwrap_or(Vec3::Y),
            )
        };
        let (positions, normals): (Vec<Vec3>, Vec<Vec3>) = if topo.per_corner {
            topo.faces.iter().flatten().map(|&k| at(k as usize)).unzip()
        } else {
            (0..topo.n_vertices).map(at).unzip()
        };
        MeshVertices {
            positions,
            normals,
            bounds: Aabb::from_points(verts),
        }
    }

    /// The colour array drawn (`face_colors` before `vertex_colors`) and whether it is per face.
    fn color_array(&self) -> Option<(&'static str, bool)> {
        if self.node.series(field::FACE_COLORS).is_some() {
            Some((field::FACE_COLORS, true))
        } else {
            self.node
                .series(field::VERTEX_COLORS)
                .map(|_| (field::VERTEX_COLORS, false))
        }
    }

    /// The inputs of each colour frame from `from` on: one per frame of the colour array, or
    /// one empty key for the node's uniform colour.
    pub(crate) fn color_keys(&self, from: usize) -> Vec<FrameKey> {
        let Some((name, _)) = self.color_array() else {
            return if from == 0 { vec![FrameKey::new()] } else { Vec::new() };
        };
        let frames = self.node.series(name).map_or(1, |s| s.len().max(1));
        (from..frames)
            .map(|i| frame_bytes(self.node, name, i).into_iter().cloned().collect())
            .collect()
    }

    /// Colour frame `i`, one RGBA per vertex of `topo`'s layout.
    pub(crate) fn colors(&self, topo: &MeshTopology, i: usize) -> Vec<[f32; 4]> {
        let rows = self
            .color_array()
            .and_then(|(name, per_face)| Some((frame_colors(self.node, name, i)?, per_face)));
        let row = |rows: &[[f32; 4]], k: usize| rows.get(k).copied().unwrap_or(MISSING_COLOR);
        match rows {
            Some((rows, true)) => (0..topo.faces.len()).flat_map(|f| [row(&rows, f); 3]).collect(),
            Some((rows, false)) => (0..topo.n_vertices).map(|k| row(&rows, k)).collect(),
            None => {
                let c = match colors(self.node) {
                    Colors::Uniform(c) => c,
                    per => per.get(0),
                };
                vec![c; topo.gpu_vertices()]
            }
        }
    }

    /// The texture and the texture coordinates of `topo`'s vertices, when the mesh has a
    /// `texture` and `uv_coords` for its vertices.
    pub(crate) fn texture(&self, topo: &MeshTopology) -> Option<TextureDraw> {
        let img = self.node.static_array(field::TEXTURE)?;
        let uv = self.node.static_array(field::UV_COORDS)?.to_f32_vec();
        let (h, w, c) = match img.shape() {
            &[h, w, c @ (3 | 4)] if h > 0 && w > 0 => (h, w, c),
            _ => return None,
        };
        let data = img.data();
        if data.len() != h * w * c || uv.len() < topo.n_vertices * 2 {
            return None;
        }
        let rgba = if c == 4 {
            data.to_vec()
        } else {
            data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
        };
        let at = |k: usize| [uv[2 * k], 1.0 - uv[2 * k + 1]];
        let uvs = if topo.per_corner {
            topo.faces.iter().flatten().map(|&k| at(k as usize)).collect()
        } else {
            (0..topo.n_vertices).map(at).collect()
        };
        Some(TextureDraw {
            width: u32::try_from(w).ok()?,
            height: u32::try_from(h).ok()?,
            rgba,
            uvs,
        })
    }

    /// The inputs of each frame of `instance_transforms` from `from` on (none without).
    pub(crate) fn instance_keys(&self, from: usize) -> Vec<FrameKey> {
        let frames = self.node.series(field::INSTANCE_TRANSFORMS).map_or(0, |s| s.len());
        (from..frames)
            .map(|i| {
                frame_bytes(self.node, field::INSTANCE_TRANSFORMS, i)
                    .into_iter()
                    .cloned()
                    .collect()
            })
            .collect()
    }

    /// The instance matrices of data frame `i` (clamped); `None` without `instance_transforms`.
    pub(crate) fn instances(&self, i: usize) -> Option<Vec<Mat4>> {
        instance_transforms(self.node, i)
    }
}

/// The spheres and cylinders a node draws: of one node, or of several sharing its frames (an
/// SMPL body's skeleton and joint angles), one after the other.
#[derive(Clone, Copy)]
pub struct PrimDraw<'a> {
    nodes: [Option<&'a Node>; 2],
}

impl PrimDraw<'_> {
    fn nodes(&self) -> impl Iterator<Item = &Node> + '_ {
        self.nodes.iter().flatten().copied()
    }

    /// The inputs of each data frame from `from` on (the frames of every node's primary arrays).
    pub(crate) fn keys(&self, from: usize) -> Vec<FrameKey> {
        let n = self.nodes().map(Node::n_frames).max().unwrap_or(0);
        (from..n)
            .map(|i| self.nodes().flat_map(|node| primary_key(node, i)).collect())
            .collect()
    }

    /// The spheres of data frame `i`.
    pub(crate) fn spheres(&self, i: usize) -> Vec<SphereInstance> {
        self.nodes().flat_map(|node| spheres(node, i)).collect()
    }

    /// The cylinders and cones of data frame `i`.
    pub(crate) fn cylinders(&self, i: usize) -> Vec<CylinderInstance> {
        self.nodes().flat_map(|node| cylinders(node, i)).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::geometry::test_scene::{add, arr};
    use crate::geometry::NoDerived;
    use meshcast_protocol::{NdArray, Value};

    fn tri_mesh(scene: &mut Scene, uid: u64, kw: Vec<(&str, Value)>) -> NodeKey {
        let mut all = vec![
            (
                field::VERTICES,
                arr(
                    &[2, 3, 3],
                    &[0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 0., 1., 0., 1., 1.],
                ),
            ),
            (field::FACES, NdArray::from_i64(&[1, 3], &[0, 1, 2]).unwrap().into()),
        ];
        all.extend(kw);
        add(scene, 1, 2, uid, all)
    }

    #[test]
    fn lists_drawing_nodes_in_creation_order() {
        let mut scene = Scene::new();
        let m = tri_mesh(&mut scene, 1, vec![]);
        add(&mut scene, 1, 1, 2, vec![]); // a plain node draws nothing
                                          // An SMPL node whose body was not evaluated draws nothing.
        add(&mut scene, 1, 10, 3, vec![("poses_body", arr(&[1, 69], &[0.0; 69]))]);
        let s = add(
            &mut scene,
            1,
            3,
            4,
            vec![(field::POSITIONS, arr(&[1, 3], &[0., 0., 0.]))],
        );
        let draw = SceneDraw::of(&scene, &NoDerived);
        let keys: Vec<NodeKey> = draw.nodes().iter().map(NodeDraw::key).collect();
        assert_eq!(keys, vec![m, s]);
        assert!(draw.nodes()[0].mesh().is_some() && draw.nodes()[0].prims().is_none());
        assert!(draw.nodes()[1].prims().is_some() && draw.nodes()[1].mesh().is_none());
        assert_eq!(draw.nodes()[1].prims().unwrap().spheres(0).len(), 1);
    }

    #[test]
    fn identity_changes_with_the_data_and_nothing_else() {
        let mut scene = Scene::new();
        tri_mesh(&mut scene, 1, vec![]);
        let before = SceneDraw::of(&scene, &NoDerived).nodes()[0].identity();
        let again = SceneDraw::of(&scene, &NoDerived).nodes()[0].identity();
        assert!(before.same(&again));
        let copy = scene.clone();
        let copied = SceneDraw::of(&copy, &NoDerived).nodes()[0].identity();
        assert!(before.same(&copied), "a clone shares the frames");
        let mut other = Scene::new();
        tri_mesh(&mut other, 1, vec![]);
        let other = SceneDraw::of(&other, &NoDerived).nodes()[0].identity();
        assert!(!before.same(&other), "equal seq and version, other data");
    }

    #[test]
    fn an_option_edit_changes_the_signature() {
        let mut scene = Scene::new();
        let k = add(
            &mut scene,
            1,
            3,
            1,
            vec![(field::POSITIONS, arr(&[1, 3], &[0., 0., 0.]))],
        );
        let before = SceneDraw::of(&scene, &NoDerived).nodes()[0].signature();
        scene.edit_option(&k, "radius", Value::Float(0.5));
        let draw = SceneDraw::of(&scene, &NoDerived);
        assert_ne!(draw.nodes()[0].signature(), before, "a radius re-packs every frame");
        assert_eq!(draw.nodes()[0].prims().unwrap().spheres(0)[0].radius, 0.5);
    }

    #[test]
    fn vertex_frames_follow_the_layout() {
        let mut scene = Scene::new();
        tri_mesh(&mut scene, 1, vec![]);
        let draw = SceneDraw::of(&scene, &NoDerived);
        let mesh = draw.nodes()[0].mesh().unwrap();
        let topo = mesh.topology().unwrap();
        assert_eq!(mesh.vertex_keys(&topo, 0).len(), 2);
        let v = mesh.vertices(&topo, 1);
        assert_eq!(v.positions, vec![Vec3::Z, Vec3::new(1., 0., 1.), Vec3::new(0., 1., 1.)]);
        assert!(
            v.normals.iter().all(|n| (*n - Vec3::Z).length() < 1e-6),
            "{:?}",
            v.normals
        );
        assert_eq!(v.bounds.min, Vec3::Z);
        // Uniform colour: one key, one colour per vertex, the kind's default.
        assert_eq!(mesh.color_keys(0).len(), 1);
        assert_eq!(mesh.colors(&topo, 0), vec![[0.5, 0.5, 0.5, 1.0]; 3]);
        assert!(mesh.instances(0).is_none() && mesh.instance_keys(0).is_empty());
    }

    #[test]
    fn face_colours_are_laid_out_per_corner() {
        let mut scene = Scene::new();
        tri_mesh(
            &mut scene,
            1,
            vec![(field::FACE_COLORS, arr(&[1, 4], &[1., 0., 0., 0.5]))],
        );
        let draw = SceneDraw::of(&scene, &NoDerived);
        let mesh = draw.nodes()[0].mesh().unwrap();
        let topo = mesh.topology().unwrap();
        assert!(topo.per_corner);
        assert_eq!(mesh.vertices(&topo, 0).positions.len(), 3);
        assert_eq!(mesh.colors(&topo, 0), vec![[1., 0., 0., 0.5]; 3]);
    }

    #[test]
    fn flags_and_transforms_read_the_options() {
        let mut scene = Scene::new();
        tri_mesh(
            &mut scene,
            1,
            vec![
                (opt::FLAT_SHADING, Value::Bool(true)),
                (opt::COLOR, arr(&[4], &[1., 1., 1., 0.25])),
                (field::POSITION, arr(&[2, 3], &[0., 0., 0., 2., 0., 0.])),
            ],
        );
        let draw = SceneDraw::of(&scene, &NoDerived);
        let node = draw.nodes()[0];
        let f = node.flags();
        assert!(f.flat_shading && f.translucent && !f.draw_edges && !f.draw_outline);
        let t = node.transforms(0);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].w_axis.x, 2.0);
        assert_eq!(node.n_frames(), 2);
    }

    #[test]
    fn cast_shadow_follows_the_option_and_the_kind_defaults() {
        let mut scene = Scene::new();
        tri_mesh(&mut scene, 1, vec![]);
        tri_mesh(&mut scene, 2, vec![(opt::CAST_SHADOW, Value::Bool(false))]);
        let p = arr(&[1, 3], &[0., 0., 0.]);
        add(&mut scene, 1, 3, 3, vec![(field::POSITIONS, p.clone())]);
        add(
            &mut scene,
            1,
            3,
            4,
            vec![(field::POSITIONS, p.clone()), (opt::CAST_SHADOW, Value::Bool(true))],
        );
        let tip = arr(&[1, 3], &[0., 1., 0.]);
        add(&mut scene, 1, 5, 5, vec![("origins", p), ("tips", tip)]);
        let draw = SceneDraw::of(&scene, &NoDerived);
        let cast: Vec<ShadowCasting> = draw.nodes().iter().map(|n| n.flags().cast_shadow).collect();
        let all = |on| ShadowCasting {
            mesh: on,
            spheres: on,
            cylinders: on,
        };
        assert_eq!(cast[..4], [all(true), all(false), all(false), all(true)]);
        // Arrows have no option of their own: they cast as aitviewer's Lines do.
        assert!(cast[4].cylinders && !cast[4].spheres && cast[4].any());
        assert!(!all(false).any());
    }
}
