//! One remote node: its kind, options, per-frame series and static arrays.

use std::collections::BTreeMap;

use meshcast_protocol::{
    ClientId, CreateNode, FieldRole, FrameData, Kwargs, NdArray, NodeKind, ProtocolError, SmplModelType, Uid, Value,
};

use crate::footprint::{series_charge, value_charge, NODE_CHARGE};
use crate::{FrameSeries, SceneError};

/// A node's identity: the client that made it and the uid that client chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey {
    /// The relay's id of the client connection.
    pub client: ClientId,
    /// The client-chosen uid.
    pub uid: Uid,
}

/// A node in the scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its identity.
    key: NodeKey,
    /// Its kind.
    kind: NodeKind,
    /// Non-array options (name, radius, flags, ...).
    options: Kwargs,
    /// Per-frame arrays by argument name.
    series: BTreeMap<String, FrameSeries>,
    /// Arrays that do not change over frames (faces, colours, uv coordinates, ...).
    statics: BTreeMap<String, NdArray>,
    /// Bumped on every change, by the node's and the scene's own methods only; renderers
    /// compare it to know what to re-upload.
    version: u64,
    /// Creation order in the scene.
    seq: u64,
    /// `(from, to)`: from version `from` to version `to` every change was an append of frames
    /// that left the frames already there as they were ([`Node::only_appended_since`]).
    appends: (u64, u64),
    /// What the options are charged in the node's footprint (kept with them).
    options_charge: usize,
}

const MESH_NORMALS: [&str; 2] = ["vertex_normals", "face_normals"];

impl Node {
    /// Its identity: the client that made it and that client's uid.
    pub fn key(&self) -> NodeKey {
        self.key
    }

    /// Its kind.
    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    /// Its creation order in the scene.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Bumped on every change of the node's data; renderers compare it to know what to
    /// re-upload.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// True when every change since version `version` of this node appended frames and left
    /// the frames already there as they were (a viewer then uploads only the new frames).
    /// False when anything else changed since, or `version` is not one this node had since its
    /// last non-append change.
    pub fn only_appended_since(&self, version: u64) -> bool {
        version == self.version
            || (self.appends.0 <= version && version <= self.version && self.appends.1 == self.version)
    }

    /// The non-array options (name, radius, flags, ...).
    pub fn options(&self) -> &Kwargs {
        &self.options
    }

    /// One option by name (typed readers: [`Node::mesh`] and the other views).
    pub fn option(&self, name: &str) -> Option<&Value> {
        self.options.get(name)
    }

    /// A per-frame array by argument name.
    pub fn series(&self, name: &str) -> Option<&FrameSeries> {
        self.series.get(name)
    }

    /// Every per-frame array, by argument name.
    pub fn all_series(&self) -> &BTreeMap<String, FrameSeries> {
        &self.series
    }

    /// An array that does not change over frames, by argument name.
    pub fn static_array(&self, name: &str) -> Option<&NdArray> {
        self.statics.get(name)
    }

    /// Every static array, by argument name.
    pub fn all_statics(&self) -> &BTreeMap<String, NdArray> {
        &self.statics
    }

    /// A node made outside any scene from this one: same identity, options and static arrays,
    /// kind `kind`, version `version`, and only the series named in `keep` (how a viewer
    /// derives the mesh and skeleton it draws for an SMPL body). Shape it with
    /// [`Node::with_series`], [`Node::with_static`], [`Node::without_static`] and
    /// [`Node::with_option`].
    pub fn derive(&self, kind: NodeKind, version: u64, keep: &[&str]) -> Node {
        Node {
            key: self.key,
            kind,
            options: self.options.clone(),
            series: keep
                .iter()
                .filter_map(|n| self.series.get(*n).map(|s| ((*n).to_owned(), s.clone())))
                .collect(),
            statics: self.statics.clone(),
            version,
            seq: self.seq,
            appends: (version, version),
            options_charge: self.options_charge,
        }
    }

    /// This node with the series `name` set (derived nodes).
    pub fn with_series(mut self, name: &str, series: FrameSeries) -> Node {
        self.series.insert(name.to_owned(), series);
        self
    }

    /// This node with the static array `name` set (derived nodes).
    pub fn with_static(mut self, name: &str, array: NdArray) -> Node {
        self.statics.insert(name.to_owned(), array);
        self
    }

    /// This node without the static array `name` (derived nodes).
    pub fn without_static(mut self, name: &str) -> Node {
        self.statics.remove(name);
        self
    }

    /// This node with the option `name` set (derived nodes).
    pub fn with_option(mut self, name: &str, value: Value) -> Node {
        self.options.insert(name.to_owned(), value);
        self.options_charge = options_charge(&self.options);
        self
    }

    /// The series `name`, taking the node apart (to reuse its frames in a successor).
    pub fn into_series(mut self, name: &str) -> Option<FrameSeries> {
        self.series.remove(name)
    }

    /// Overwrites the data frame shown at scene frame `frame` of the series `name` with
    /// `batch` (shape `[1, ..frame shape]`), or makes `batch` the whole series when the node has
    /// no such series or its frames have another shape (a 1-frame value serves every frame).
    pub(crate) fn write_shown_frame(&mut self, name: &str, frame: usize, batch: &NdArray) {
        let frame_shape = batch.shape().get(1..).unwrap_or(&[]);
        let shown = self.data_frame(frame).unwrap_or(0);
        match self.series.get_mut(name) {
            Some(s) if s.frame_shape() == frame_shape => {
                let i = shown.min(s.len().saturating_sub(1));
                s.overwrite(&[i], batch);
            }
            _ => {
                self.series.insert(name.to_owned(), FrameSeries::from_batch(batch));
            }
        }
        self.version += 1;
    }

    /// Sets the non-array option `name`.
    pub(crate) fn set_option(&mut self, name: &str, value: Value) {
        self.options.insert(name.to_owned(), value);
        self.version += 1;
    }

    /// Sets the static array `name`.
    pub(crate) fn set_static(&mut self, name: &str, array: NdArray) {
        self.statics.insert(name.to_owned(), array);
        self.version += 1;
    }

    /// Builds a node from a validated creation message.
    pub fn from_create(client: ClientId, create: &CreateNode, seq: u64) -> Node {
        let mut series = BTreeMap::new();
        let mut statics = BTreeMap::new();
        for (name, arr) in &create.fields {
            let role = create.kind.field(name).map(|f| f.role).unwrap_or(FieldRole::Static);
            if role == FieldRole::Static {
                statics.insert(name.clone(), arr.clone());
            } else {
                series.insert(name.clone(), FrameSeries::from_batch(arr));
            }
        }
        Node {
            key: NodeKey {
                client,
                uid: create.uid,
            },
            kind: create.kind,
            options: create.options.clone(),
            series,
            statics,
            version: 1,
            seq,
            appends: (1, 1),
            options_charge: options_charge(&create.options),
        }
    }

    /// The creation message that rebuilds this node as it is now (for snapshots).
    pub fn to_create(&self) -> Result<CreateNode, ProtocolError> {
        let mut fields = self.statics.clone();
        for (name, s) in &self.series {
            fields.insert(name.clone(), s.to_batch()?);
        }
        Ok(CreateNode {
            kind: self.kind,
            uid: self.key.uid,
            fields,
            options: self.options.clone(),
        })
    }

    /// The node this one is a child of (its `parent` option: a uid of the same client).
    pub fn parent(&self) -> Option<NodeKey> {
        let uid = self.options.get("parent").and_then(Value::as_i64)?;
        Some(NodeKey {
            client: self.key.client,
            uid: u64::try_from(uid).ok()?,
        })
    }

    /// The node's display name: the `name` option or aitviewer's class name.
    pub fn name(&self) -> &str {
        self.options
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(self.kind.class_name())
    }

    /// Number of data frames: the primary data's length (a plain node: its transforms').
    pub fn n_frames(&self) -> usize {
        self.kind
            .frame_count(|name| self.series.get(name).map(FrameSeries::len))
    }

    /// The node's length on the scene timeline: `len(enabled_frames)` when given, else
    /// [`Node::n_frames`].
    pub fn timeline_len(&self) -> usize {
        // A single-frame mesh with animated instances plays through the instance frames
        // (aitviewer: n_frames = max of the two).
        let instances = self.series.get("instance_transforms").map_or(0, FrameSeries::len);
        self.statics
            .get("enabled_frames")
            .map_or_else(|| self.n_frames().max(instances), NdArray::len)
    }

    /// Which data frame shows at scene frame `f`: clamped to the last frame (shorter nodes hold
    /// it), `None` where `enabled_frames` hides the node.
    pub fn data_frame(&self, f: usize) -> Option<usize> {
        match self.statics.get("enabled_frames") {
            Some(mask) => {
                let m = mask.data();
                let t = f.min(m.len().saturating_sub(1));
                if m.get(t).copied().unwrap_or(0) == 0 {
                    return None;
                }
                Some(m[..=t].iter().filter(|&&b| b != 0).count() - 1)
            }
            None => Some(f.min(self.timeline_len().saturating_sub(1))),
        }
    }

    /// Bytes of array data held.
    pub fn nbytes(&self) -> usize {
        self.series.values().map(FrameSeries::nbytes).sum::<usize>()
            + self.statics.values().map(NdArray::nbytes).sum::<usize>()
    }

    /// What the node costs against the relay's scene limit: its array data, every frame
    /// counted in full, plus the fixed charges of [`crate::footprint`].
    pub fn footprint(&self) -> usize {
        let series: usize = self
            .series
            .values()
            .map(|s| series_charge(s.len(), s.frame_nbytes()))
            .sum();
        let statics: usize = self.statics.values().map(NdArray::nbytes).sum();
        NODE_CHARGE + self.options_charge + series + statics
    }

    /// At least what [`Node::add_frames`] with `data` adds to [`Node::footprint`], found without
    /// changing anything: every series it extends grows by the frames added, and a series it
    /// creates (a companion's first appearance, zero-filled) or widens (shared betas made per
    /// frame) is charged in full.
    pub fn add_frames_growth_bound(&self, data: &FrameData) -> usize {
        let k = data.fields.values().map(NdArray::n_frames).max().unwrap_or(0);
        let total = self.n_frames().saturating_add(k);
        let extended: usize = self
            .series
            .iter()
            .map(|(name, s)| match name.as_str() {
                "betas" => series_charge(total, s.frame_nbytes()),
                _ => series_charge(k, s.frame_nbytes()),
            })
            .sum();
        extended.saturating_add(self.new_series_bound(data, total))
    }

    /// At least what [`Node::update_frames`] with `data` adds to [`Node::footprint`]: updates
    /// overwrite frames in place, so only series they create or widen grow it.
    pub fn update_frames_growth_bound(&self, data: &FrameData) -> usize {
        let n = self.n_frames();
        let betas = match (self.series.get("betas"), data.fields.contains_key("betas")) {
            (Some(s), true) => series_charge(n, s.frame_nbytes()),
            _ => 0,
        };
        betas.saturating_add(self.new_series_bound(data, n))
    }

    /// The charge of every series `data` would create, at `frames` frames each.
    fn new_series_bound(&self, data: &FrameData, frames: usize) -> usize {
        data.fields
            .iter()
            .filter(|(name, _)| !self.series.contains_key(*name))
            .map(|(_, arr)| series_charge(frames, frame_nbytes(arr)))
            .fold(0, usize::saturating_add)
    }

    fn frames_err(&self, op: &'static str, reason: impl Into<String>) -> SceneError {
        SceneError::Frames {
            op,
            uid: self.key.uid,
            kind: self.kind.name(),
            reason: reason.into(),
        }
    }

    /// Checks that every array in `data` has this node's frame shape for its argument, and (an
    /// SMPL body) belongs to its model type, as its creation would have been checked: otherwise
    /// a late joiner's snapshot of the node would not validate.
    fn check_shapes(&self, op: &'static str, data: &FrameData) -> Result<(), SceneError> {
        if self.kind == NodeKind::Smpl {
            let name = self
                .option("model_type")
                .and_then(Value::as_str)
                .unwrap_or(NodeKind::Smpl.default_str("model_type"));
            if let Some(mt) = SmplModelType::parse(name) {
                let foreign = data
                    .fields
                    .keys()
                    .find(|f| SmplModelType::all_parts().contains(&f.as_str()) && !mt.parts().contains(&f.as_str()));
                if let Some(f) = foreign {
                    return Err(self.frames_err(op, format!("'{f}' is not part of model_type {name:?}")));
                }
            }
        }
        for (name, arr) in &data.fields {
            if let Some(s) = self.series.get(name) {
                if s.frame_shape() != &arr.shape()[1..] {
                    return Err(self.frames_err(
                        op,
                        format!(
                            "argument '{name}' has frames of shape {:?}, the node's are {:?}",
                            &arr.shape()[1..],
                            s.frame_shape()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Makes sure a series exists for every companion argument in `data`, filled with zeros
    /// for the frames the node already has.
    fn prepare_companions(&mut self, data: &FrameData) {
        let n = self.n_frames();
        for (name, arr) in &data.fields {
            if name != "betas" && !self.series.contains_key(name) {
                self.series
                    .insert(name.clone(), FrameSeries::zeros(arr.dtype(), &arr.shape()[1..], n));
            }
        }
    }

    /// SMPL betas are shared (one row) or per frame. Before frames are written with the given
    /// betas, make the stored ones per-frame (`n` rows) unless they stay shared. Returns whether
    /// the betas are per-frame afterwards.
    fn prepare_betas(&mut self, given: Option<&NdArray>, n: usize) -> bool {
        let stored = self.series.get("betas");
        let per_frame = stored.is_some_and(|s| s.len() == n && n > 1);
        let Some(b) = given else { return per_frame };
        let same_shared = !per_frame
            && b.n_frames() == 1
            && stored.and_then(|s| s.frame(0)) == b.frame(0).map(|f| f.data().clone()).as_ref();
        if same_shared {
            return false;
        }
        match self.series.get_mut("betas") {
            Some(s) if s.len() == 1 && n > 1 => {
                if let Some(row) = s.frame(0).cloned() {
                    s.extend_repeat(row, n - 1);
                }
            }
            Some(_) => {}
            None => {
                self.series
                    .insert("betas".into(), FrameSeries::zeros(b.dtype(), &b.shape()[1..], n));
            }
        }
        true
    }

    /// Primary and companion series: the ones that move with the frames.
    fn moving_series(&self) -> Vec<String> {
        self.series
            .keys()
            .filter(|name| {
                matches!(
                    self.kind.field(name).map(|f| f.role),
                    Some(FieldRole::Primary | FieldRole::Companion)
                )
            })
            .cloned()
            .collect()
    }

    /// Appends frames (aitviewer's `add_frames`); returns how many.
    pub fn add_frames(&mut self, data: &FrameData) -> Result<usize, SceneError> {
        const OP: &str = "ADD_FRAMES";
        if self.kind == NodeKind::Node {
            return Ok(0);
        }
        self.check_shapes(OP, data)?;
        let k = data
            .fields
            .iter()
            .filter(|(n, _)| n.as_str() != "betas")
            .map(|(_, a)| a.n_frames())
            .max()
            .unwrap_or(0);
        let n = self.n_frames();
        let before = self.version;
        let names_before: Vec<String> = self.series.keys().cloned().collect();
        let betas_per_frame = self.prepare_betas(data.fields.get("betas"), n);
        self.prepare_companions(data);
        let mut moving = self.moving_series();
        if betas_per_frame {
            moving.push("betas".into());
        }
        for name in moving {
            let Some(s) = self.series.get_mut(&name) else { continue };
            match data.fields.get(&name) {
                Some(arr) if arr.n_frames() == k => s.extend(arr),
                Some(arr) => {
                    if let Some(f) = arr.frame(0) {
                        s.extend_repeat(f.data().clone(), k);
                    }
                }
                // Not given: companions get zeros (root, translation, hands); betas keep the last row.
                None => {
                    let last = if name == "betas" {
                        s.frame(s.len().saturating_sub(1)).cloned()
                    } else {
                        None
                    };
                    let zero_len = s.frame_shape().iter().product::<usize>() * s.dtype().itemsize();
                    let fill = last.unwrap_or_else(|| bytes::Bytes::from(vec![0u8; zero_len]));
                    s.extend_repeat(fill, k);
                }
            }
        }
        self.after_vertex_change();
        // Series made or dropped (companions filled in, given normals removed) change the frames
        // already there; widened shared betas repeat their row, which leaves them as they were.
        let same_series = self.series.len() == names_before.len() && self.series.keys().eq(names_before.iter());
        self.appends = match (same_series, self.appends.1 == before) {
            (true, true) => (self.appends.0, self.version),
            (true, false) => (before, self.version),
            (false, _) => (self.version, self.version),
        };
        Ok(k)
    }

    /// Overwrites frames (aitviewer's `update_frames`); `indices` are resolved and in range.
    pub fn update_frames(&mut self, indices: &[usize], data: &FrameData) -> Result<(), SceneError> {
        const OP: &str = "UPDATE_FRAMES";
        if self.kind == NodeKind::Node {
            return Ok(());
        }
        self.check_shapes(OP, data)?;
        for (name, arr) in &data.fields {
            if arr.n_frames() != 1 && arr.n_frames() != indices.len() {
                return Err(self.frames_err(
                    OP,
                    format!(
                        "argument '{name}' has {} frames for {} frame indices (expected 1 or {})",
                        arr.n_frames(),
                        indices.len(),
                        indices.len()
                    ),
                ));
            }
        }
        let n = self.n_frames();
        let betas_per_frame = self.prepare_betas(data.fields.get("betas"), n);
        self.prepare_companions(data);
        for (name, arr) in &data.fields {
            if name == "betas" && !betas_per_frame {
                continue;
            }
            if let Some(s) = self.series.get_mut(name) {
                s.overwrite(indices, arr);
            }
        }
        self.after_vertex_change();
        Ok(())
    }

    /// Removes frames (aitviewer's `remove_frames`); `sorted_unique` is resolved and in range.
    pub fn remove_frames(&mut self, sorted_unique: &[usize]) -> Result<(), SceneError> {
        const OP: &str = "REMOVE_FRAMES";
        if self.kind == NodeKind::Node {
            return Ok(());
        }
        let n = self.n_frames();
        if sorted_unique.len() >= n {
            return Err(self.frames_err(OP, format!("would remove all {n} frames; delete the node instead")));
        }
        let mut moving = self.moving_series();
        if self.series.get("betas").is_some_and(|s| s.len() == n && n > 1) {
            moving.push("betas".into());
        }
        for name in moving {
            if let Some(s) = self.series.get_mut(&name) {
                s.remove(sorted_unique);
            }
        }
        self.after_vertex_change();
        Ok(())
    }

    /// Given normals no longer match changed vertices: the viewer recomputes them.
    fn after_vertex_change(&mut self) {
        if self.kind == NodeKind::Meshes {
            for n in MESH_NORMALS {
                self.series.remove(n);
            }
        }
        self.version += 1;
    }

    /// Resolves a frame selection against this node, naming the node in the error.
    pub fn resolve(
        &self,
        op: &'static str,
        sel: &meshcast_protocol::FrameSelection,
        unique: bool,
    ) -> Result<Vec<usize>, SceneError> {
        let n = self.n_frames();
        let r = if unique { sel.resolve_unique(n) } else { sel.resolve(n) };
        r.map_err(|reason| self.frames_err(op, reason))
    }
}

/// What a node's options are charged in its footprint.
fn options_charge(options: &Kwargs) -> usize {
    options.iter().map(|(k, v)| k.len() + value_charge(v)).sum()
}

/// Bytes of one frame of a batch `(N, ...)`.
fn frame_nbytes(batch: &NdArray) -> usize {
    batch.shape().get(1..).unwrap_or(&[]).iter().product::<usize>() * batch.dtype().itemsize()
}
