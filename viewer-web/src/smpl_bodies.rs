//! SMPL bodies in the viewer: every SMPL node of the scene evaluated with its body model
//! (`meshcast-smpl`: shape and pose blend shapes, joint regression, Rodrigues, forward
//! kinematics, linear blend skinning, root options) into per-frame vertices and joints, once per
//! received frame, and turned into a mesh (and a skeleton when `is_rigged`) that the renderer
//! draws and plays back like any mesh.
//!
//! Platform-independent: the caller supplies the model files' bytes. The browser fetches
//! `/models/<type>/<TYPE>_<GENDER>.npz` from the relay for every [`ModelFile`] that
//! [`SmplBodies::model_requests`] returns; native code reads them from disk.
//!
//! ```no_run
//! # fn demo(scene: &meshcast_scene::Scene) -> Result<(), meshcast_smpl::SmplError> {
//! use meshcast_viewer::smpl_bodies::SmplBodies;
//! let mut bodies = SmplBodies::new();
//! for file in bodies.model_requests(scene) {
//!     let bytes = std::fs::read(format!("models/{}", file.path())).unwrap_or_default();
//!     bodies.load_model(file, &bytes)?;
//! }
//! bodies.sync(scene); // after every batch of scene changes; evaluates only what changed
//! # Ok(()) }
//! ```
//!
//! Modules: `model_file` (which file a node needs), `loaded` (a parsed model with its shared
//! faces and bones), `body` (one node's incremental evaluation), `derived` (the Meshes and
//! Skeletons nodes drawn for a body).

mod body;
mod derived;
mod loaded;
mod model_file;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use meshcast_protocol::NodeKind;
use meshcast_scene::{field, Node, NodeKey, Scene};
use meshcast_smpl::{SmplError, SmplModel};

pub use model_file::{Gender, ModelFile};

use body::Body;
use loaded::LoadedModel;

use crate::core::BodyPart;
use crate::geometry::{DerivedNodes, Drawn};

/// Where an SMPL node's body stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStatus {
    /// Evaluated: `frames` frames are drawn.
    Loaded {
        /// Frames evaluated and available.
        frames: usize,
    },
    /// The model file was requested and has not arrived yet.
    Waiting {
        /// The file, relative to the models folder (e.g. `smpl/SMPL_NEUTRAL.npz`).
        path: String,
    },
    /// The model file could not be had: the body is not drawn.
    Missing {
        /// Where it was looked for (a URL in the browser, a path natively).
        url: String,
        /// Why it is missing (HTTP status, "not found", a parse error, ...).
        reason: String,
    },
    /// The model is there but the node's parameters do not fit it.
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl BodyStatus {
    /// A sentence for the page, or `None` when the body is drawn.
    pub fn message(&self) -> Option<String> {
        match self {
            BodyStatus::Loaded { .. } => None,
            BodyStatus::Waiting { path } => Some(format!("SMPL: loading model file {path}…")),
            BodyStatus::Missing { url, reason } => Some(format!(
                "SMPL: model file {url} is missing ({reason}); the body is not drawn. Start the relay with \
                 --smpl-models DIR, where DIR holds smpl/SMPL_NEUTRAL.npz etc. (see docs/smpl.md)"
            )),
            BodyStatus::Failed { reason } => Some(format!("SMPL: cannot evaluate the body: {reason}")),
        }
    }
}

/// A model file's state.
enum ModelSlot {
    /// Parsed; `generation` tells bodies evaluated with an older copy to start again.
    Loaded { model: Arc<LoadedModel>, generation: u64 },
    /// Could not be fetched or parsed.
    Missing { url: String, reason: String },
}

/// One body's state.
struct Entry {
    seq: u64,
    /// The SMPL node version, model generation and first pose frame (held, compared by
    /// identity: tells a node of another `Scene` with equal `seq` and `version` apart) last
    /// evaluated.
    synced: Option<(u64, u64, Option<bytes::Bytes>)>,
    file: Option<ModelFile>,
    status: BodyStatus,
    body: Body,
}

/// What one [`SmplBodies::sync`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Bodies whose node changed and were brought up to date.
    pub bodies: usize,
    /// Frames evaluated (unchanged frames are not counted: they were reused).
    pub frames: usize,
}

/// The SMPL bodies of a scene and the model files they use.
#[derive(Default)]
pub struct SmplBodies {
    models: HashMap<ModelFile, ModelSlot>,
    requested: HashSet<ModelFile>,
    bodies: HashMap<NodeKey, Entry>,
    generation: u64,
}

impl SmplBodies {
    /// No bodies, no models.
    pub fn new() -> SmplBodies {
        SmplBodies::default()
    }

    /// The model files the scene's SMPL nodes need that are neither loaded, missing nor
    /// already returned by an earlier call (each file is returned once: fetch it, then call
    /// [`SmplBodies::load_model`] or [`SmplBodies::model_missing`]).
    pub fn model_requests(&mut self, scene: &Scene) -> Vec<ModelFile> {
        let mut out = Vec::new();
        for file in scene.nodes().into_iter().filter_map(ModelFile::of) {
            if !self.models.contains_key(&file) && self.requested.insert(file) {
                out.push(file);
            }
        }
        out
    }

    /// Parses a model file's bytes and makes it available to every body that uses `file`.
    /// On a parse error the file counts as missing (the bodies say why) and the error is
    /// returned.
    pub fn load_model(&mut self, file: ModelFile, bytes: &[u8]) -> Result<(), SmplError> {
        match LoadedModel::from_npz(bytes) {
            Ok(m) => {
                self.insert_loaded(file, m);
                Ok(())
            }
            Err(e) => {
                self.model_missing(file, file.url_path(), format!("not a usable model file: {e}"));
                Err(e)
            }
        }
    }

    /// Makes an already parsed model available for `file`.
    pub fn insert_model(&mut self, file: ModelFile, model: SmplModel) -> Result<(), SmplError> {
        self.insert_loaded(file, LoadedModel::new(model)?);
        Ok(())
    }

    fn insert_loaded(&mut self, file: ModelFile, model: LoadedModel) {
        self.generation += 1;
        self.requested.insert(file);
        let slot = ModelSlot::Loaded {
            model: Arc::new(model),
            generation: self.generation,
        };
        self.models.insert(file, slot);
        for e in self.bodies.values_mut().filter(|e| e.file == Some(file)) {
            e.synced = None;
            e.body.invalidate();
        }
    }

    /// Records that `file` could not be had from `url` (e.g. HTTP 404): its bodies are not
    /// drawn and report [`BodyStatus::Missing`].
    pub fn model_missing(&mut self, file: ModelFile, url: impl Into<String>, reason: impl Into<String>) {
        self.requested.insert(file);
        self.models.insert(
            file,
            ModelSlot::Missing {
                url: url.into(),
                reason: reason.into(),
            },
        );
        for e in self.bodies.values_mut().filter(|e| e.file == Some(file)) {
            e.synced = None;
        }
    }

    /// True when `file` is loaded.
    pub fn has_model(&self, file: ModelFile) -> bool {
        matches!(self.models.get(&file), Some(ModelSlot::Loaded { .. }))
    }

    /// Brings every SMPL body up to date with the scene: nodes whose version changed (or whose
    /// model just arrived) are re-evaluated, and only at the frames whose inputs changed;
    /// deleted nodes are dropped. Call it after applying messages, before the renderer syncs.
    pub fn sync(&mut self, scene: &Scene) -> SyncStats {
        let mut stats = SyncStats::default();
        let nodes = scene.nodes();
        self.bodies.retain(|k, e| {
            scene
                .node(k)
                .is_some_and(|n| n.kind() == NodeKind::Smpl && n.seq() == e.seq)
        });
        for node in nodes.into_iter().filter(|n| n.kind() == NodeKind::Smpl) {
            let file = ModelFile::of(node);
            let entry = self.bodies.entry(node.key()).or_insert_with(|| Entry {
                seq: node.seq(),
                synced: None,
                file,
                status: BodyStatus::Waiting {
                    path: file.map(|f| f.path()).unwrap_or_default(),
                },
                body: Body::default(),
            });
            if entry.file != file {
                entry.file = file;
                entry.synced = None;
                entry.body = Body::default();
            }
            let slot = file.and_then(|f| self.models.get(&f));
            let generation = match slot {
                Some(ModelSlot::Loaded { generation, .. }) => *generation,
                _ => 0,
            };
            let first = node.series(field::POSES_BODY).and_then(|s| s.frame(0)).cloned();
            let same_first = |a: &Option<bytes::Bytes>| match (a, &first) {
                (Some(a), Some(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
                (a, b) => a.is_none() && b.is_none(),
            };
            if matches!(&entry.synced, Some((v, g, f)) if *v == node.version() && *g == generation && same_first(f)) {
                continue;
            }
            stats.bodies += 1;
            entry.status = match (slot, file) {
                (None, f) => {
                    entry.body = Body::default();
                    BodyStatus::Waiting {
                        path: f.map(|f| f.path()).unwrap_or_default(),
                    }
                }
                (Some(ModelSlot::Missing { url, reason }), _) => {
                    entry.body = Body::default();
                    BodyStatus::Missing {
                        url: url.clone(),
                        reason: reason.clone(),
                    }
                }
                (Some(ModelSlot::Loaded { model, .. }), _) => match entry.body.evaluate(node, model) {
                    Ok(done) => {
                        stats.frames += done.frames;
                        BodyStatus::Loaded {
                            frames: entry.body.vertices.len(),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(
                            client = node.key().client,
                            uid = node.key().uid,
                            "SMPL body not drawn: {e}"
                        );
                        entry.body = Body::default();
                        BodyStatus::Failed { reason: e.to_string() }
                    }
                },
            };
            entry.synced = Some((node.version(), generation, first));
        }
        stats
    }

    /// The status of the SMPL node `key` as of the last [`SmplBodies::sync`]; `None` for
    /// nodes that are not SMPL bodies.
    pub fn status(&self, key: &NodeKey) -> Option<BodyStatus> {
        self.bodies.get(key).map(|e| e.status.clone())
    }

    /// Every body that cannot be drawn (model file missing, parameters that do not fit), with
    /// why, in key order (for the page's message area; bodies waiting for their model are not
    /// problems).
    pub fn problems(&self) -> Vec<(NodeKey, BodyStatus)> {
        let mut v: Vec<(NodeKey, BodyStatus)> = self
            .bodies
            .iter()
            .filter(|(_, e)| matches!(e.status, BodyStatus::Missing { .. } | BodyStatus::Failed { .. }))
            .map(|(k, e)| (*k, e.status.clone()))
            .collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// Number of evaluated frames of a body (0 when not drawn).
    pub fn num_frames(&self, key: &NodeKey) -> usize {
        self.bodies.get(key).map_or(0, |e| e.body.vertices.len())
    }

    /// The evaluated vertices of data frame `frame` (`V·3` values, the body's local space:
    /// before the node's position/rotation/scale and `z_up`).
    pub fn vertices(&self, key: &NodeKey, frame: usize) -> Option<Vec<f32>> {
        let f = self.bodies.get(key)?.body.vertices.get(frame)?;
        Some(bytemuck::pod_collect_to_vec(f))
    }

    /// The evaluated joints of data frame `frame` (`J·3` values, every kinematic joint, local
    /// space).
    pub fn joints(&self, key: &NodeKey, frame: usize) -> Option<Vec<f32>> {
        let f = self.bodies.get(key)?.body.joints.get(frame)?;
        // A frame holds `J·3` positions, then `J·9` rotations: the positions are its first quarter.
        Some(bytemuck::pod_collect_to_vec(f.get(..f.len() / 4)?))
    }

    /// The Meshes node drawn for a body (its vertices, the model's faces, the SMPL node's
    /// options and transforms).
    pub(crate) fn mesh_node(&self, key: &NodeKey) -> Option<&Node> {
        self.bodies.get(key)?.body.mesh.as_ref()
    }

    /// The Skeletons node drawn for a rigged body.
    pub(crate) fn skeleton_node(&self, key: &NodeKey) -> Option<&Node> {
        self.bodies.get(key)?.body.skeleton.as_ref()
    }

    /// The parts a body draws (hidden or not): its mesh once evaluated, its skeleton when
    /// rigged, its joint angles with `show_joint_angles`; empty before it was evaluated.
    pub fn parts(&self, key: &NodeKey) -> Vec<BodyPart> {
        let Some(body) = self.bodies.get(key).map(|e| &e.body) else {
            return Vec::new();
        };
        [
            (BodyPart::Mesh, body.mesh.is_some()),
            (BodyPart::Skeleton, body.skeleton.is_some()),
            (BodyPart::JointAngles, body.joint_angles.is_some()),
        ]
        .into_iter()
        .filter_map(|(p, on)| on.then_some(p))
        .collect()
    }

    /// The RigidBodies node of a body's joint angles (`show_joint_angles`).
    pub(crate) fn joint_angles_node(&self, key: &NodeKey) -> Option<&Node> {
        self.bodies.get(key)?.body.joint_angles.as_ref()
    }

    /// Address of a body's evaluated frame (tests: tells reused frames from recomputed ones).
    #[cfg(test)]
    fn body_frame_ptr(&self, frame: usize) -> usize {
        self.bodies
            .get(&NodeKey { client: 1, uid: 1 })
            .and_then(|e| e.body.vertices.get(frame))
            .map_or(0, |b| b.as_ptr() as usize)
    }

    /// The version of a body's drawn nodes (bumped on every change).
    pub(crate) fn drawn_version(&self, key: &NodeKey) -> Option<u64> {
        self.bodies.get(key).map(|e| e.body.version)
    }
}

/// SMPL bodies without the parts the user hid ([`crate::core::ViewOptions::hidden_parts`]): what
/// the renderer and picking see.
#[derive(Clone, Copy)]
pub struct ShownParts<'a> {
    /// The bodies.
    pub bodies: &'a SmplBodies,
    /// The hidden parts.
    pub hidden: &'a BTreeSet<(NodeKey, BodyPart)>,
}

impl DerivedNodes for ShownParts<'_> {
    fn derived(&self, key: &NodeKey) -> Option<Drawn<'_>> {
        let mut d = self.bodies.derived(key)?;
        let hidden = |part| self.hidden.contains(&(*key, part));
        if hidden(BodyPart::Mesh) {
            d.mesh = None;
        }
        if hidden(BodyPart::Skeleton) {
            d.prims[0] = None;
        }
        if hidden(BodyPart::JointAngles) {
            d.prims[1] = None;
        }
        Some(d)
    }
}

/// SMPL bodies enter the geometry layer as ordinary nodes: the evaluated mesh, and the skeleton
/// when rigged.
impl DerivedNodes for SmplBodies {
    fn derived(&self, key: &NodeKey) -> Option<Drawn<'_>> {
        let mesh = self.mesh_node(key)?;
        Some(Drawn {
            base: mesh,
            mesh: Some(mesh),
            prims: [self.skeleton_node(key), self.joint_angles_node(key)],
            version: self.drawn_version(key)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use glam::Vec3;
    use meshcast_protocol::{Command, Envelope, NdArray, SmplModelType, Value};
    use meshcast_scene::opt;
    use meshcast_smpl::{ModelParts, Rows, SequenceOptions, SequenceParams};

    const SMPL_PARENTS: [i64; 24] = [
        -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21,
    ];

    /// A small model with SMPL's joint layout (24 joints, 207 pose dims): 48 vertices, two per
    /// joint, each joint regressed from its first vertex.
    fn tiny_smpl() -> SmplModel {
        let (v, j, s) = (48, 24, 4);
        let mut seed = 7u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let v_template: Vec<f32> = (0..v * 3).map(|_| rnd()).collect();
        let shapedirs: Vec<f32> = (0..v * 3 * s).map(|_| 0.1 * rnd()).collect();
        let posedirs: Vec<f32> = (0..v * 3 * 207).map(|_| 0.01 * rnd()).collect();
        let mut j_regressor = vec![0.0; j * v];
        let mut weights = vec![0.0; v * j];
        for k in 0..v {
            weights[k * j + k % j] = 1.0;
        }
        for jj in 0..j {
            j_regressor[jj * v + jj] = 1.0;
        }
        let faces: Vec<u32> = (0..v as u32 - 2).flat_map(|i| [i, i + 1, i + 2]).collect();
        SmplModel::from_parts(ModelParts {
            v_template,
            shapedirs,
            num_shape_dirs: s,
            posedirs,
            j_regressor,
            weights,
            parents: SMPL_PARENTS.to_vec(),
            faces,
        })
        .unwrap()
    }

    fn values(n: usize, scale: f32, mut seed: u64) -> Vec<f32> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                ((seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    fn arr(shape: &[usize], v: &[f32]) -> Value {
        NdArray::from_f32(shape, v).unwrap().into()
    }

    fn apply(scene: &mut Scene, env: Envelope) {
        scene.apply(1, Command::from_envelope(env).unwrap()).unwrap();
    }

    fn key(uid: u64) -> NodeKey {
        NodeKey { client: 1, uid }
    }

    fn file() -> ModelFile {
        ModelFile::new(SmplModelType::Smpl, Gender::Neutral)
    }

    /// A scene with SMPL node 1 of `n` random frames and the given extra options.
    fn scene_with(n: usize, extra: &[(&str, Value)]) -> Scene {
        let mut scene = Scene::new();
        let mut env = Envelope::new(10, Some(1))
            .with_kwarg(field::POSES_BODY, arr(&[n, 69], &values(n * 69, 0.5, 1)))
            .with_kwarg("poses_root", arr(&[n, 3], &values(n * 3, 1.0, 2)))
            .with_kwarg("trans", arr(&[n, 3], &values(n * 3, 1.0, 3)))
            .with_kwarg("betas", arr(&[1, 4], &values(4, 1.0, 4)));
        for (k, v) in extra {
            env = env.with_kwarg(k, v.clone());
        }
        apply(&mut scene, env);
        scene
    }

    /// The node's sequence evaluated directly with `evaluate_sequence`.
    fn direct(scene: &Scene, model: &SmplModel, opts: SequenceOptions) -> Vec<f32> {
        let n = scene.node(&key(1)).unwrap();
        let all = |name: &str| {
            n.series(name)
                .map(|s| s.to_batch().unwrap().to_f32_vec())
                .unwrap_or_default()
        };
        let betas = all("betas");
        let out = model
            .evaluate_sequence(
                &SequenceParams {
                    poses_body: &all(field::POSES_BODY),
                    poses_root: &all("poses_root"),
                    trans: &all("trans"),
                    betas: Rows::new(&betas, 4),
                    ..Default::default()
                },
                &opts,
            )
            .unwrap();
        out.vertices
    }

    fn ours(bodies: &SmplBodies, frames: usize) -> Vec<f32> {
        (0..frames).flat_map(|f| bodies.vertices(&key(1), f).unwrap()).collect()
    }

    fn max_err(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    #[test]
    fn waits_for_its_model_then_evaluates_every_frame() {
        let scene = scene_with(3, &[]);
        let mut bodies = SmplBodies::new();
        assert_eq!(bodies.model_requests(&scene), vec![file()]);
        assert!(bodies.model_requests(&scene).is_empty(), "each file is requested once");
        bodies.sync(&scene);
        assert_eq!(
            bodies.status(&key(1)),
            Some(BodyStatus::Waiting {
                path: "smpl/SMPL_NEUTRAL.npz".into()
            })
        );
        assert!(bodies.mesh_node(&key(1)).is_none());
        assert!(bodies.problems().is_empty(), "waiting is not a problem");
        let model = tiny_smpl();
        bodies.insert_model(file(), model.clone()).unwrap();
        let st = bodies.sync(&scene);
        assert_eq!(st, SyncStats { bodies: 1, frames: 3 });
        assert_eq!(bodies.status(&key(1)), Some(BodyStatus::Loaded { frames: 3 }));
        assert_eq!(
            max_err(&ours(&bodies, 3), &direct(&scene, &model, SequenceOptions::default())),
            0.0
        );
        assert_eq!(
            bodies.sync(&scene),
            SyncStats::default(),
            "nothing changed, nothing evaluated"
        );
    }

    #[test]
    fn frame_operations_evaluate_only_changed_frames() {
        let mut scene = scene_with(3, &[]);
        let model = tiny_smpl();
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), model.clone()).unwrap();
        assert_eq!(bodies.sync(&scene).frames, 3);
        let first = bodies.body_frame_ptr(0);

        // add_frames: only the two new frames.
        apply(
            &mut scene,
            Envelope::new(101, Some(1)).with_kwarg(field::POSES_BODY, arr(&[2, 69], &values(138, 0.5, 9))),
        );
        assert_eq!(bodies.sync(&scene).frames, 2);
        assert_eq!(bodies.body_frame_ptr(0), first, "frame 0 kept, not recomputed");
        assert_eq!(bodies.num_frames(&key(1)), 5);
        let opts = SequenceOptions::default();
        assert!(max_err(&ours(&bodies, 5), &direct(&scene, &model, opts)) < 1e-6);
        let mesh = bodies.mesh_node(&key(1)).unwrap();
        assert_eq!(mesh.series(field::VERTICES).unwrap().len(), 5);

        // update_frames of frame 1: one frame.
        apply(
            &mut scene,
            Envelope::new(102, Some(1))
                .with_kwarg(field::POSES_BODY, arr(&[1, 69], &values(69, 0.5, 11)))
                .with_kwarg("frames", Value::Int(1)),
        );
        assert_eq!(bodies.sync(&scene).frames, 1);
        assert!(max_err(&ours(&bodies, 5), &direct(&scene, &model, opts)) < 1e-6);

        // remove_frames: the survivors are reused wherever they moved.
        apply(
            &mut scene,
            Envelope::new(103, Some(1)).with_kwarg("frames", Value::Int(0)),
        );
        assert_eq!(bodies.sync(&scene).frames, 0);
        assert_eq!(bodies.num_frames(&key(1)), 4);
        assert!(max_err(&ours(&bodies, 4), &direct(&scene, &model, opts)) < 1e-6);

        // Deleting the node drops the body.
        apply(&mut scene, Envelope::new(100, Some(1)));
        bodies.sync(&scene);
        assert_eq!(bodies.status(&key(1)), None);
    }

    #[test]
    fn normalize_root_makes_frame_zero_a_dependency_of_every_frame() {
        let mut scene = scene_with(
            4,
            &[("normalize_root", Value::Bool(true)), ("num_betas", Value::Int(2))],
        );
        let model = tiny_smpl();
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), model.clone()).unwrap();
        bodies.sync(&scene);
        let opts = SequenceOptions {
            normalize_root: true,
            num_betas: 2,
            ..Default::default()
        };
        assert!(max_err(&ours(&bodies, 4), &direct(&scene, &model, opts)) < 1e-5);
        // Frame 0's root changes: every frame changes.
        apply(
            &mut scene,
            Envelope::new(102, Some(1))
                .with_kwarg(field::POSES_BODY, arr(&[1, 69], &values(69, 0.5, 21)))
                .with_kwarg("poses_root", arr(&[1, 3], &[0.3, -0.2, 1.0]))
                .with_kwarg("frames", Value::Int(0)),
        );
        assert_eq!(bodies.sync(&scene).frames, 4);
        assert!(max_err(&ours(&bodies, 4), &direct(&scene, &model, opts)) < 1e-5);
        // Normalising the root is not the same as dropping it.
        let include = SequenceOptions {
            include_root: false,
            ..opts
        };
        assert!(max_err(&ours(&bodies, 4), &direct(&scene, &model, include)) > 1e-3);
    }

    #[test]
    fn drawn_nodes_carry_faces_colour_skeleton_and_options() {
        let scene = scene_with(
            2,
            &[
                ("z_up", Value::Bool(true)),
                ("skeleton_radius", Value::Float(0.05)),
                ("name", "walker".into()),
            ],
        );
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), tiny_smpl()).unwrap();
        bodies.sync(&scene);
        let mesh = bodies.mesh_node(&key(1)).unwrap();
        assert_eq!(mesh.kind(), NodeKind::Meshes);
        assert_eq!(mesh.static_array(field::FACES).unwrap().shape(), &[46, 3]);
        assert_eq!(
            mesh.static_array(opt::COLOR).unwrap().to_f32_vec(),
            default_color_smpl()
        );
        assert_eq!(mesh.name(), "walker");
        // z_up: the node rotation maps +Z to +Y.
        let m = crate::geometry::node_data::model_matrix(mesh, 0);
        assert!((m.transform_vector3(Vec3::Z) - Vec3::Y).length() < 1e-6);
        let sk = bodies.skeleton_node(&key(1)).unwrap();
        assert_eq!(sk.series(field::JOINT_POSITIONS).unwrap().frame_shape(), &[24, 3]);
        assert_eq!(sk.static_array(field::JOINT_CONNECTIONS).unwrap().shape(), &[23, 2]);
        let bones = sk.static_array(field::JOINT_CONNECTIONS).unwrap().to_i64_vec();
        assert_eq!(&bones[..6], &[0, 1, 0, 2, 0, 3]);
        let spheres = crate::geometry::primitives::spheres(sk, 1);
        assert_eq!(spheres.len(), 24);
        assert_eq!(spheres[0].radius, 0.05);
        let j = bodies.joints(&key(1), 1).unwrap();
        assert_eq!(spheres[5].center, Vec3::new(j[15], j[16], j[17]));
        assert_eq!(crate::geometry::primitives::cylinders(sk, 0).len(), 23);

        let unrigged = scene_with(1, &[("is_rigged", Value::Bool(false))]);
        bodies.sync(&unrigged);
        assert!(bodies.skeleton_node(&key(1)).is_none());
        assert!(bodies.mesh_node(&key(1)).is_some());
    }

    #[test]
    fn joint_angles_are_each_joints_global_frame_drawn_with_the_body() {
        let plain = scene_with(2, &[]);
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), tiny_smpl()).unwrap();
        bodies.sync(&plain);
        assert!(
            bodies.joint_angles_node(&key(1)).is_none(),
            "off by default, as aitviewer"
        );

        let scene = scene_with(2, &[("show_joint_angles", Value::Bool(true))]);
        bodies.sync(&scene);
        let rb = bodies.joint_angles_node(&key(1)).unwrap();
        assert_eq!(rb.kind(), NodeKind::RigidBodies);
        assert_eq!(rb.n_frames(), 2);
        assert_eq!(rb.series(field::RB_POS).unwrap().frame_shape(), &[24, 3]);
        assert_eq!(rb.series(field::RB_ORI).unwrap().frame_shape(), &[24, 3, 3]);
        // Positions are the skeleton's joints; orientations are rotation matrices.
        let j = bodies.joints(&key(1), 1).unwrap();
        let spheres = crate::geometry::primitives::spheres(rb, 1);
        assert_eq!(spheres.len(), 24);
        assert_eq!(spheres[3].center, Vec3::new(j[9], j[10], j[11]));
        assert_eq!(spheres[3].radius, 0.02, "rb_radius default");
        let ori = rb.series(field::RB_ORI).unwrap().frame_array(1).unwrap().to_f32_vec();
        for r in ori.chunks_exact(9) {
            let m = glam::Mat3::from_cols_array(&[r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]]);
            assert!((m.determinant() - 1.0).abs() < 1e-4, "{m}");
        }
        // Three axes of rb_length per joint.
        let axes = crate::geometry::primitives::cylinders(rb, 0);
        assert_eq!(axes.len(), 24 * 3 * 2, "shaft and head per axis");
        let shaft = (axes[0].b - axes[0].a).length() + (axes[1].b - axes[1].a).length();
        assert!((shaft - 0.1).abs() < 1e-5, "rb_length default: {shaft}");

        // The body draws mesh, skeleton and joint angles as one node with the mesh's transform
        // (so z_up turns all three together).
        let drawn = bodies.derived(&key(1)).unwrap();
        assert_eq!(drawn.prim_nodes().count(), 2);
        let scene = scene_with(
            2,
            &[
                ("show_joint_angles", Value::Bool(true)),
                ("rb_radius", Value::Float(0.05)),
                ("rb_length", Value::Float(0.3)),
            ],
        );
        bodies.sync(&scene);
        let rb = bodies.joint_angles_node(&key(1)).unwrap();
        assert_eq!(crate::geometry::primitives::spheres(rb, 0)[0].radius, 0.05);
    }

    #[test]
    fn z_up_turns_mesh_skeleton_and_joint_angles_together() {
        let scene = scene_with(
            1,
            &[("show_joint_angles", Value::Bool(true)), ("z_up", Value::Bool(true))],
        );
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), tiny_smpl()).unwrap();
        bodies.sync(&scene);
        let draw = crate::geometry::SceneDraw::of(&scene, &bodies);
        let [body] = draw.nodes() else { panic!("one drawn node") };
        // One model matrix for everything the body draws: z_up maps +Z to +Y.
        let t = body.transforms(0);
        assert_eq!(t.len(), 1);
        assert!((t[0].transform_vector3(Vec3::Z) - Vec3::Y).length() < 1e-6);
        assert!(body.mesh().is_some());
        let prims = body.prims().unwrap();
        assert_eq!(prims.spheres(0).len(), 48, "skeleton joints and joint-angle centres");
        assert_eq!(prims.cylinders(0).len(), 23 + 24 * 6, "bones and joint axes");
    }

    #[test]
    fn hidden_parts_leave_the_drawn_body() {
        let scene = scene_with(1, &[("show_joint_angles", Value::Bool(true))]);
        let mut bodies = SmplBodies::new();
        bodies.insert_model(file(), tiny_smpl()).unwrap();
        bodies.sync(&scene);
        assert_eq!(
            bodies.parts(&key(1)),
            vec![BodyPart::Mesh, BodyPart::Skeleton, BodyPart::JointAngles]
        );
        let none = BTreeSet::new();
        let shown = ShownParts {
            bodies: &bodies,
            hidden: &none,
        };
        let all = crate::geometry::SceneDraw::of(&scene, &shown);
        let all = all.nodes()[0];
        assert_eq!(all.prims().unwrap().spheres(0).len(), 48);

        let hidden: BTreeSet<_> = [(key(1), BodyPart::Skeleton), (key(1), BodyPart::Mesh)].into();
        let shown = ShownParts {
            bodies: &bodies,
            hidden: &hidden,
        };
        let some = crate::geometry::SceneDraw::of(&scene, &shown);
        let some = some.nodes()[0];
        assert!(some.mesh().is_none());
        assert_eq!(some.prims().unwrap().spheres(0).len(), 24, "joint angles only");
        assert!(
            !some.identity().same(&all.identity()),
            "hiding a part is a change to draw"
        );
        assert_ne!(some.signature(), all.signature());
        // Picking goes by what is drawn: with the mesh hidden, only the joint-angle spheres.
        let j = bodies.joints(&key(1), 0).unwrap();
        let joint = Vec3::new(j[0], j[1], j[2]);
        let m = crate::geometry::node_data::model_matrix(bodies.mesh_node(&key(1)).unwrap(), 0);
        let at = m.transform_point3(joint);
        let origin = at + Vec3::new(0.0, 0.0, 5.0);
        let view = crate::core::ViewOptions::default();
        let picked = crate::geometry::inspect(&scene, &shown, 0, &view, origin, -Vec3::Z).map(|h| h.key);
        assert_eq!(picked, Some(key(1)));
        let away = crate::geometry::inspect(&scene, &shown, 0, &view, origin + Vec3::X * 50.0, -Vec3::Z);
        assert!(away.is_none());
    }

    fn default_color_smpl() -> Vec<f32> {
        vec![160.0 / 255.0, 160.0 / 255.0, 160.0 / 255.0, 1.0]
    }

    #[test]
    fn missing_and_broken_models_say_where_and_why() {
        let scene = scene_with(1, &[]);
        let mut bodies = SmplBodies::new();
        bodies.model_missing(file(), "http://127.0.0.1:8417/models/smpl/SMPL_NEUTRAL.npz", "HTTP 404");
        bodies.sync(&scene);
        let st = bodies.status(&key(1)).unwrap();
        let msg = st.message().unwrap();
        assert!(
            msg.contains("/models/smpl/SMPL_NEUTRAL.npz") && msg.contains("HTTP 404"),
            "{msg}"
        );
        assert!(msg.contains("--smpl-models"), "{msg}");
        assert_eq!(bodies.problems().len(), 1);
        assert!(bodies.mesh_node(&key(1)).is_none());

        let err = bodies.load_model(file(), b"not a zip").unwrap_err();
        bodies.sync(&scene);
        match bodies.status(&key(1)).unwrap() {
            BodyStatus::Missing { url, reason } => {
                assert_eq!(url, "/models/smpl/SMPL_NEUTRAL.npz");
                assert!(reason.contains(&err.to_string()), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // The model arrives later: the body is evaluated.
        bodies.insert_model(file(), tiny_smpl()).unwrap();
        bodies.sync(&scene);
        assert_eq!(bodies.status(&key(1)), Some(BodyStatus::Loaded { frames: 1 }));
        assert!(bodies.problems().is_empty());
    }

    #[test]
    fn a_model_that_does_not_fit_the_node_fails_clearly() {
        // An SMPL-X node (63 body values) given an SMPL-shaped model file.
        let mut scene = Scene::new();
        apply(
            &mut scene,
            Envelope::new(10, Some(1))
                .with_kwarg(field::POSES_BODY, arr(&[1, 63], &[0.0; 63]))
                .with_kwarg(opt::MODEL_TYPE, Value::from("smplx")),
        );
        let mut bodies = SmplBodies::new();
        let f = ModelFile::new(SmplModelType::SmplX, Gender::Neutral);
        assert_eq!(bodies.model_requests(&scene), vec![f]);
        bodies.insert_model(f, tiny_smpl()).unwrap();
        bodies.sync(&scene);
        match bodies.status(&key(1)).unwrap() {
            BodyStatus::Failed { reason } => assert!(reason.contains(field::POSES_BODY), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
