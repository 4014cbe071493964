//! [`ViewerState`]: the scene, playback, camera, view options, selection, connection, clients
//! and counters, and the rules that change them. Every update returns a [`Changed`].

use std::collections::BTreeMap;

use meshcast_protocol::{ClientId, ClientInfo, NodeKind};
use meshcast_scene::{opt, NodeKey, Scene};

use super::action::{Action, Edit};
use super::camera::{Camera, CameraTween, CENTER_ANIM_MS};
use super::changed::Changed;
use super::connection::{ConnState, Stats};
use super::edits;
use super::playback::Playback;
use super::view::{LightMode, ViewOptions, DARK_BACKGROUND, LIGHT_BACKGROUND};
use super::{Aabb, BodyPart};

/// Where node bounds come from: the geometry layer knows how to measure every node kind (SMPL
/// bodies included); the core only asks.
pub trait NodeBounds {
    /// World-space bounds of a node at scene frame `frame`; `None` when it has none (not shown
    /// at that frame, no geometry, model not loaded).
    fn node_bounds(&self, scene: &Scene, key: NodeKey, frame: usize) -> Option<Aabb>;
}

/// The viewer's state, without browser or GPU.
#[derive(Debug)]
pub struct ViewerState {
    pub(super) scene: Scene,
    pub(super) playback: Playback,
    pub(super) camera: Camera,
    pub(super) camera_anim: Option<CameraTween>,
    /// The automatic camera target is still to be set (aitviewer's `auto_set_camera_target` on
    /// the first scene setup): until it was set once or the user moved the camera.
    pub(super) auto_target_pending: bool,
    pub(super) view: ViewOptions,
    pub(super) conn: ConnState,
    pub(super) clients: BTreeMap<ClientId, ClientInfo>,
    pub(super) known_clients: BTreeMap<ClientId, ClientInfo>,
    pub(super) relay: Option<(u64, String)>,
    pub(super) last_error: Option<String>,
    pub(super) stats: Stats,
    pub(super) in_snapshot: bool,
    pub(super) scene_gen: u64,
}

impl ViewerState {
    /// An empty viewer, connecting; `auto_target` turns aitviewer's automatic camera target on.
    pub fn new(auto_target: bool) -> ViewerState {
        ViewerState {
            scene: Scene::new(),
            playback: Playback::new(),
            camera: Camera::default(),
            camera_anim: None,
            auto_target_pending: auto_target,
            view: ViewOptions::default(),
            conn: ConnState::Connecting { attempt: 1 },
            clients: BTreeMap::new(),
            known_clients: BTreeMap::new(),
            relay: None,
            last_error: None,
            stats: Stats::default(),
            in_snapshot: false,
            scene_gen: 0,
        }
    }

    /// The scene as the relay described it (plus local edits).
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The frame clock.
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// The camera.
    pub fn camera(&self) -> &Camera {
        &self.camera
    }

    /// True while the animated "centre on selection" runs.
    pub fn camera_animating(&self) -> bool {
        self.camera_anim.is_some()
    }

    /// Visibility, selection and display choices.
    pub fn view(&self) -> &ViewOptions {
        &self.view
    }

    /// The selected node.
    pub fn selected(&self) -> Option<NodeKey> {
        self.view.selected
    }

    /// The connection state.
    pub fn connection(&self) -> &ConnState {
        &self.conn
    }

    /// The relay's id for this viewer and its version (from its hello).
    pub fn relay(&self) -> Option<&(u64, String)> {
        self.relay.as_ref()
    }

    /// Producer clients connected now.
    pub fn clients(&self) -> &BTreeMap<ClientId, ClientInfo> {
        &self.clients
    }

    /// Every producer client seen (nodes outlive their client's connection).
    pub fn known_clients(&self) -> &BTreeMap<ClientId, ClientInfo> {
        &self.known_clients
    }

    /// The last error worth showing (connection, rejected message, missing model).
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counters, for the shell's frame timing and byte counts.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// True between the relay's SnapshotBegin and SnapshotEnd.
    pub fn in_snapshot(&self) -> bool {
        self.in_snapshot
    }

    /// Bumped on every scene change.
    pub fn scene_gen(&self) -> u64 {
        self.scene_gen
    }

    /// The frame shown now (the playback frame clamped to the scene's length).
    pub fn frame(&self) -> usize {
        self.playback.frame_in(self.scene.n_frames())
    }

    /// Whether a mesh option is on for a node, the user's overrides included: flat shading, or
    /// edges when `edges`.
    pub fn mesh_flag(&self, key: &NodeKey, edges: bool) -> bool {
        let (option, map) = if edges {
            (opt::DRAW_EDGES, &self.view.draw_edges_override)
        } else {
            (opt::FLAT_SHADING, &self.view.flat_shading_override)
        };
        map.get(key).copied().unwrap_or_else(|| {
            self.scene
                .node(key)
                .and_then(|n| n.option(option))
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        })
    }

    /// Sets the connection state (a reconnect reason becomes the last error).
    pub fn set_connection(&mut self, state: ConnState) -> Changed {
        if let ConnState::Reconnecting { reason, .. } = &state {
            self.last_error = Some(reason.clone());
        }
        self.conn = state;
        Changed::CONNECTION
    }

    /// Sets or clears the error shown to the user.
    pub fn set_error(&mut self, error: Option<String>) -> Changed {
        self.last_error = error;
        Changed::CONNECTION
    }

    /// A relay message that could not be decoded: counted and shown.
    pub fn undecodable(&mut self, what: String) -> Changed {
        self.stats.rejected += 1;
        self.set_error(Some(what))
    }

    /// Something outside the core (an SMPL model arriving) changed what the scene shows.
    pub fn scene_changed(&mut self) -> Changed {
        self.scene_gen += 1;
        Changed::SCENE
    }

    /// Applies one user action.
    pub fn apply(&mut self, action: Action, bounds: &dyn NodeBounds) -> Changed {
        if action.moves_camera() {
            self.auto_target_pending = false;
            self.camera_anim = None;
        }
        match action {
            Action::TogglePlay => self.set_playing(!self.playback.playing()),
            Action::SetPlaying(p) => self.set_playing(p),
            Action::Step { forward } => self.step(forward),
            Action::SetFrame(f) => self.set_frame(f),
            Action::SetFps(fps) => {
                self.playback.set_fps(fps);
                Changed::PLAYBACK
            }
            Action::SetLooping(l) => {
                self.playback.set_looping(l);
                Changed::PLAYBACK
            }
            Action::Orbit { dx, dy } => {
                self.camera.orbit(dx, dy);
                Changed::CAMERA
            }
            Action::Pan { dx, dy, viewport_h } => {
                self.camera.pan(dx, dy, viewport_h);
                Changed::CAMERA
            }
            Action::Zoom(delta) => {
                self.camera.zoom(delta);
                Changed::CAMERA
            }
            Action::Pinch {
                zoom,
                dx,
                dy,
                viewport_h,
            } => {
                self.camera.zoom(zoom);
                self.camera.pan(dx, dy, viewport_h);
                Changed::CAMERA
            }
            Action::Walk(forward, right, up) => {
                self.camera.walk(forward, right, up);
                Changed::CAMERA
            }
            Action::SetFov(deg) => {
                self.camera.set_fov_deg(deg);
                Changed::CAMERA
            }
            Action::LookFrom { eye, target } => {
                self.camera.look_from(eye, target);
                Changed::CAMERA
            }
            Action::SetCameraMode(mode) => {
                self.camera.set_mode(mode);
                Changed::CAMERA
            }
            Action::CycleCameraMode => {
                let next = self.camera.mode.next();
                self.camera.set_mode(next);
                Changed::CAMERA
            }
            Action::ToggleOrtho => {
                self.camera.orthographic = !self.camera.orthographic;
                Changed::CAMERA
            }
            Action::ResetCamera => {
                self.camera.reset();
                Changed::CAMERA
            }
            Action::FitScene { .. } => self.fit_scene(bounds),
            Action::CenterSelection { now_ms } => self.center_selection_animated(bounds, now_ms),
            Action::CenterOn(key) => self.center_on(bounds, key),
            Action::ToggleDark => {
                let dark = self.view.light_mode != LightMode::Dark;
                self.set_light_mode(if dark { LightMode::Dark } else { LightMode::Default })
            }
            Action::SetLightMode(mode) => self.set_light_mode(mode),
            Action::ToggleInspect => self.set_inspect(!self.view.inspect),
            Action::SetInspect(on) => self.set_inspect(on),
            Action::ToggleFloor => {
                self.view.show_floor = !self.view.show_floor;
                Changed::VIEW
            }
            Action::SetFloor(on) => {
                self.view.show_floor = on;
                Changed::VIEW
            }
            Action::ToggleShadows => {
                self.view.shadows = !self.view.shadows;
                Changed::VIEW
            }
            Action::SetShadows(on) if on == self.view.shadows => Changed::NONE,
            Action::SetShadows(on) => {
                self.view.shadows = on;
                Changed::VIEW
            }
            Action::SetAmbient(v) => {
                if !v.is_finite() {
                    return Changed::NONE;
                }
                self.view.ambient = v.clamp(0.0, 10.0);
                Changed::VIEW
            }
            Action::SetBackground([r, g, b]) => {
                self.view.background = [r, g, b, 1.0];
                Changed::VIEW
            }
            Action::Select(key) => self.select(key),
            Action::SetVisible(key, visible) => self.set_visible(key, visible),
            Action::SetPartVisible(key, part, visible) => self.set_part_visible(key, part, visible),
            Action::ToggleMeshFlag { edges } => self.toggle_mesh_flag(edges),
            Action::SetMeshFlag { key, edges, on } => {
                let map = if edges {
                    &mut self.view.draw_edges_override
                } else {
                    &mut self.view.flat_shading_override
                };
                map.insert(key, on);
                Changed::NODE_VIEW
            }
            Action::Edit(key, edit) => self.edit(key, edit),
            Action::ResetCpuStats => {
                self.stats.cpu_ms_sum = 0.0;
                self.stats.cpu_frames = 0;
                Changed::NONE
            }
        }
    }

    /// One tick of the frame clock at `now_s` (seconds).
    pub fn advance(&mut self, now_s: f64) -> Changed {
        let before = self.frame();
        let f = self.playback.advance(now_s, self.scene.n_frames());
        self.scene.set_frame(f as i64);
        if f != before {
            Changed::FRAME
        } else {
            Changed::NONE
        }
    }

    /// Advances the camera animation to `now_ms`.
    pub fn step_camera_anim(&mut self, now_ms: f64) -> Changed {
        let Some(anim) = self.camera_anim else {
            return Changed::NONE;
        };
        if anim.apply(&mut self.camera, now_ms) {
            self.camera_anim = None;
        }
        Changed::CAMERA
    }

    /// The first time the scene has something to show (outside a snapshot's middle), points the
    /// camera at the mean of the visible nodes' current-frame bounds centres, keeping its
    /// distance and angles (aitviewer's `auto_set_camera_target`). Waits while no node has
    /// bounds yet (e.g. an SMPL body whose model is still loading).
    pub fn auto_target(&mut self, bounds: &dyn NodeBounds) -> Changed {
        if !self.auto_target_pending || self.in_snapshot || self.scene.is_empty() {
            return Changed::NONE;
        }
        let frame = self.frame();
        let centres: Vec<glam::Vec3> = self
            .scene
            .nodes()
            .into_iter()
            .filter(|n| self.view.is_shown(&self.scene, &n.key()))
            .filter_map(|n| bounds.node_bounds(&self.scene, n.key(), frame))
            .map(|b| b.center())
            .collect();
        if self.camera.auto_target(&centres) {
            self.auto_target_pending = false;
            Changed::CAMERA
        } else {
            Changed::NONE
        }
    }

    fn set_playing(&mut self, playing: bool) -> Changed {
        self.playback.set_playing(playing);
        Changed::PLAYBACK
    }

    fn set_frame(&mut self, f: i64) -> Changed {
        let f = self.playback.set(f, self.scene.n_frames());
        self.scene.set_frame(f as i64);
        Changed::FRAME
    }

    /// Steps one frame forward or back (wrapping); only while paused, as aitviewer's `.`/`,`.
    fn step(&mut self, forward: bool) -> Changed {
        if self.playback.playing() {
            return Changed::NONE;
        }
        let n = self.scene.n_frames();
        let f = if forward {
            self.playback.next(n)
        } else {
            self.playback.prev(n)
        };
        self.scene.set_frame(f as i64);
        Changed::FRAME
    }

    fn select(&mut self, key: Option<NodeKey>) -> Changed {
        let key = key.filter(|k| self.scene.node(k).is_some());
        if self.view.selected == key {
            return Changed::NONE;
        }
        self.view.selected = key;
        Changed::SELECTION
    }

    fn set_visible(&mut self, key: NodeKey, visible: bool) -> Changed {
        let changed = if visible {
            self.view.hidden.remove(&key)
        } else {
            self.scene.node(&key).is_some() && self.view.hidden.insert(key)
        };
        if changed {
            Changed::SELECTION
        } else {
            Changed::NONE
        }
    }

    /// Turns inspect mode on or off.
    fn set_inspect(&mut self, on: bool) -> Changed {
        if self.view.inspect == on {
            return Changed::NONE;
        }
        self.view.inspect = on;
        Changed::VIEW
    }

    /// Shows or hides one part of the SMPL body `key`.
    fn set_part_visible(&mut self, key: NodeKey, part: BodyPart, visible: bool) -> Changed {
        let is_body = self.scene.node(&key).is_some_and(|n| n.kind() == NodeKind::Smpl);
        let changed = if visible {
            self.view.hidden_parts.remove(&(key, part))
        } else {
            is_body && self.view.hidden_parts.insert((key, part))
        };
        if changed {
            Changed::SELECTION
        } else {
            Changed::NONE
        }
    }

    /// Switches the light mode; the background follows (dark grey in dark mode, white
    /// otherwise) unless the user picked another colour.
    fn set_light_mode(&mut self, mode: LightMode) -> Changed {
        self.view.light_mode = mode;
        let preset = self.view.background == LIGHT_BACKGROUND || self.view.background == DARK_BACKGROUND;
        if preset {
            self.view.background = if mode == LightMode::Dark {
                DARK_BACKGROUND
            } else {
                LIGHT_BACKGROUND
            };
        }
        Changed::VIEW
    }

    fn toggle_mesh_flag(&mut self, edges: bool) -> Changed {
        let Some(key) = self.view.selected else {
            return Changed::NONE;
        };
        if self.scene.node(&key).is_none_or(|n| n.kind() != NodeKind::Meshes) {
            return Changed::NONE;
        }
        let current = self.mesh_flag(&key, edges);
        let map = if edges {
            &mut self.view.draw_edges_override
        } else {
            &mut self.view.flat_shading_override
        };
        map.insert(key, !current);
        Changed::NODE_VIEW
    }

    fn edit(&mut self, key: NodeKey, edit: Edit) -> Changed {
        if self.scene.node(&key).is_none() {
            return Changed::NONE;
        }
        let frame = self.frame();
        let scene = &mut self.scene;
        match edit {
            Edit::Position(p) => edits::set_position(scene, &key, frame, p),
            Edit::RotationEulerDeg(r) => edits::set_rotation_euler_deg(scene, &key, frame, r),
            Edit::Scale(s) => edits::set_scale(scene, &key, frame, s),
            Edit::Color(c) => edits::set_color(scene, &key, c),
            Edit::Radius(r) => edits::set_radius(scene, &key, r),
        }
        Changed::NODE_DATA
    }

    fn fit_scene(&mut self, bounds: &dyn NodeBounds) -> Changed {
        let frame = self.frame();
        let all = self
            .scene
            .nodes()
            .into_iter()
            .filter(|n| self.view.is_shown(&self.scene, &n.key()))
            .filter_map(|n| bounds.node_bounds(&self.scene, n.key(), frame))
            .fold(Aabb::EMPTY, Aabb::union);
        if !all.is_valid() {
            return Changed::NONE;
        }
        self.camera.fit(&all);
        Changed::CAMERA
    }

    /// The camera fitted to a node's current bounds.
    fn fitted_to(&self, bounds: &dyn NodeBounds, key: NodeKey) -> Option<Camera> {
        let b = bounds.node_bounds(&self.scene, key, self.frame())?;
        let mut end = self.camera;
        end.fit(&b);
        Some(end)
    }

    fn center_on(&mut self, bounds: &dyn NodeBounds, key: NodeKey) -> Changed {
        let Some(end) = self.fitted_to(bounds, key) else {
            return Changed::NONE;
        };
        self.camera_anim = None;
        self.camera = end;
        Changed::CAMERA
    }

    fn center_selection_animated(&mut self, bounds: &dyn NodeBounds, now_ms: f64) -> Changed {
        let Some(end) = self.view.selected.and_then(|k| self.fitted_to(bounds, k)) else {
            return Changed::NONE;
        };
        let anim = CameraTween::new(&self.camera, &end, now_ms, CENTER_ANIM_MS);
        anim.apply(&mut self.camera, now_ms);
        self.camera_anim = Some(anim);
        Changed::CAMERA
    }

    /// Drops view state about a node that is gone.
    pub(super) fn forget(&mut self, key: &NodeKey) {
        self.view.hidden.remove(key);
        self.view.flat_shading_override.remove(key);
        self.view.draw_edges_override.remove(key);
        if self.view.selected == Some(*key) {
            self.view.selected = None;
        }
    }
}
