//! The viewer's state and everything that changes it: relay messages, playback, camera and the
//! user's view choices. Handlers (UI, input, network) call methods here; the frame loop renders.

use std::collections::BTreeMap;

use meshcast_protocol::{ClientId, ClientInfo, Command, Envelope, RelayToViewer};
use meshcast_scene::{Change, NodeKey, Scene};

use crate::camera::{Camera, CameraTween, CENTER_ANIM_MS};
use crate::playback::Playback;
use crate::render::{self, LightMode, Renderer, ViewOptions};

use super::gpu::Gpu;
use super::params::Params;
use super::ui::Ui;

/// Background of aitviewer's default light mode (white).
pub const LIGHT_BACKGROUND: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
/// Background of the dark light mode.
pub const DARK_BACKGROUND: [f32; 4] = [0.12, 0.12, 0.14, 1.0];

/// The state of the connection to the relay.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    /// Opening the WebSocket (attempt number, from 1).
    Connecting {
        /// Which attempt since the last successful connection.
        attempt: u32,
    },
    /// The relay said hello.
    Connected,
    /// Waiting before the next attempt.
    Reconnecting {
        /// When the next attempt starts (`performance.now()` milliseconds).
        at_ms: f64,
        /// Why the last connection ended.
        reason: String,
    },
}

impl ConnState {
    /// The page's `data-connection` value.
    pub fn name(&self) -> &'static str {
        match self {
            ConnState::Connecting { .. } => "connecting",
            ConnState::Connected => "connected",
            ConnState::Reconnecting { .. } => "reconnecting",
        }
    }
}

/// What needs refreshing on the next frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dirty {
    /// Render a new frame.
    pub redraw: bool,
    /// Rebuild the scene list.
    pub scene_list: bool,
    /// Rebuild the properties panel.
    pub details: bool,
    /// Rebuild the server (clients) list.
    pub clients: bool,
}

impl Dirty {
    fn all() -> Dirty {
        Dirty {
            redraw: true,
            scene_list: true,
            details: true,
            clients: true,
        }
    }
}

/// Frame timing and counters, for the FPS display, the page state and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Frames rendered and presented since the page loaded.
    pub frames_rendered: u64,
    /// CPU milliseconds spent in the last frame callback that rendered.
    pub cpu_ms_last: f64,
    /// Sum of CPU milliseconds over the frames counted in `cpu_frames` (reset by scripts).
    pub cpu_ms_sum: f64,
    /// Number of rendered frames summed in `cpu_ms_sum`.
    pub cpu_frames: u64,
    /// Presented frames per second over the last second.
    pub fps: f64,
    /// Start of the current FPS window (ms) and frames in it.
    pub fps_window: (f64, u64),
    /// Relay messages applied.
    pub messages: u64,
    /// Relay messages rejected (could not be decoded or applied).
    pub rejected: u64,
    /// Bytes received from the relay.
    pub bytes_received: u64,
    /// Milliseconds spent decoding relay messages (MessagePack to [`RelayToViewer`]).
    pub decode_ms: f64,
    /// Milliseconds spent applying them to the scene (validation included).
    pub apply_ms: f64,
    /// `performance.now()` (ms since navigation start) when the first frame was presented.
    pub first_frame_ms: Option<f64>,
}

/// The viewer.
pub struct App {
    /// The scene as the relay described it (plus local edits).
    pub scene: Scene,
    /// The frame clock.
    pub playback: Playback,
    /// The camera.
    pub camera: Camera,
    /// Visibility, selection and display choices.
    pub opts: ViewOptions,
    /// GPU device and canvas surface.
    pub gpu: Gpu,
    /// The renderer.
    pub renderer: Renderer,
    /// Page elements.
    pub ui: Ui,
    /// URL parameters.
    pub params: Params,
    /// Connection state.
    pub conn: ConnState,
    /// Producer clients connected now.
    pub clients: BTreeMap<ClientId, ClientInfo>,
    /// Every producer client seen (nodes outlive their client's connection).
    pub known_clients: BTreeMap<ClientId, ClientInfo>,
    /// The relay's id for this viewer and its version (from Hello).
    pub relay: Option<(u64, String)>,
    /// Last error worth showing (connection or rejected message).
    pub last_error: Option<String>,
    /// What to refresh next frame.
    pub dirty: Dirty,
    /// Counters.
    pub stats: Stats,
    /// True between SnapshotBegin and SnapshotEnd.
    pub in_snapshot: bool,
    /// Help overlay shown.
    pub help_open: bool,
    /// Bumped on every scene change (for UI refreshes).
    pub scene_gen: u64,
    /// SMPL bodies and their model files.
    pub smpl: super::models::Smpl,
    /// Custom message handlers and the outbox to clients (`custom`).
    pub ext: super::custom::Extensions,
    /// The automatic camera target is still to be set (aitviewer's `auto_set_camera_target` on
    /// the first scene setup): true from load (unless `?autotarget=0`) until it was set once or
    /// the user moved the camera.
    pub auto_target_pending: bool,
    /// The animated "centre on selection" in progress, if any (advanced by the frame loop).
    pub camera_anim: Option<CameraTween>,
}

impl App {
    /// A viewer with an empty scene.
    pub fn new(gpu: Gpu, ui: Ui, params: Params) -> App {
        let mut renderer = Renderer::new(&gpu.device, &gpu.queue, gpu.view_format, gpu.caps);
        renderer.resize(&gpu.device, gpu.config.width, gpu.config.height);
        App {
            scene: Scene::new(),
            playback: Playback::new(),
            camera: Camera::default(),
            opts: ViewOptions::default(),
            gpu,
            renderer,
            ui,
            conn: ConnState::Connecting { attempt: 1 },
            clients: BTreeMap::new(),
            known_clients: BTreeMap::new(),
            relay: None,
            last_error: None,
            dirty: Dirty::all(),
            stats: Stats::default(),
            in_snapshot: false,
            help_open: false,
            scene_gen: 0,
            smpl: super::models::Smpl::default(),
            ext: super::custom::Extensions::default(),
            auto_target_pending: params.autotarget,
            camera_anim: None,
            params,
        }
    }

    /// The frame shown now (the playback frame clamped to the scene's length).
    pub fn frame(&self) -> usize {
        self.playback.frame_in(self.scene.n_frames())
    }

    /// Marks the scene changed: list, details and picture refresh.
    pub fn scene_changed(&mut self) {
        self.scene_gen += 1;
        self.dirty.scene_list = true;
        self.dirty.details = true;
        self.dirty.redraw = true;
    }

    /// Sets the connection state.
    pub fn set_conn(&mut self, state: ConnState) {
        if let ConnState::Reconnecting { reason, .. } = &state {
            self.last_error = Some(reason.clone());
        }
        self.conn = state;
    }

    /// Handles one message from the relay.
    pub fn on_relay(&mut self, msg: RelayToViewer) {
        match msg {
            RelayToViewer::Hello { viewer_id, version } => {
                self.relay = Some((viewer_id, version));
                self.set_conn(ConnState::Connected);
                self.last_error = None;
            }
            RelayToViewer::SnapshotBegin => {
                self.in_snapshot = true;
                self.scene.clear();
                self.scene_changed();
            }
            RelayToViewer::SnapshotEnd { current_frame, clients } => {
                self.in_snapshot = false;
                let n = self.scene.n_frames();
                let f = self.playback.set(i64::try_from(current_frame).unwrap_or(i64::MAX), n);
                self.scene.set_frame(f as i64);
                self.clients.clear();
                for c in clients {
                    self.known_clients.insert(c.id, c.clone());
                    self.clients.insert(c.id, c);
                }
                self.forget_missing_nodes();
                self.dirty.clients = true;
                self.scene_changed();
            }
            RelayToViewer::Message { client, envelope } => super::custom::message::dispatch(self, client, envelope),
            RelayToViewer::ClientConnected(c) => {
                self.known_clients.insert(c.id, c.clone());
                self.clients.insert(c.id, c);
                self.dirty.clients = true;
                self.dirty.details = true;
            }
            RelayToViewer::ClientDisconnected { client } => {
                self.clients.remove(&client);
                self.dirty.clients = true;
                self.dirty.details = true;
            }
        }
    }

    /// Applies one client message to the scene. Remote SET/NEXT/PREVIOUS_FRAME only apply while
    /// paused (aitviewer), except inside a snapshot, which restores the relay's frame.
    pub(crate) fn apply(&mut self, client: ClientId, envelope: Envelope) {
        let cmd = match Command::from_envelope(envelope) {
            Ok(c) => c,
            Err(e) => return self.reject(format!("message from client {client}: {e}")),
        };
        let is_frame_cmd = matches!(cmd, Command::SetFrame(_) | Command::NextFrame | Command::PreviousFrame);
        if is_frame_cmd && !self.in_snapshot && !self.playback.accepts_remote() {
            return;
        }
        if matches!(cmd, Command::User(_) | Command::Flush) {
            self.stats.messages += 1;
            return;
        }
        // The scene steps from the frame the user sees.
        let shown = self.frame();
        self.scene.set_frame(shown as i64);
        match self.scene.apply(client, cmd) {
            Ok(applied) => {
                self.stats.messages += 1;
                match applied.change {
                    Change::CurrentFrame(f) => {
                        self.playback.set(f as i64, self.scene.n_frames());
                        self.dirty.redraw = true;
                    }
                    Change::Deleted(key) => {
                        self.forget(&key);
                        self.scene_changed();
                    }
                    Change::Replaced(key) => {
                        self.opts.flat_shading_override.remove(&key);
                        self.opts.draw_edges_override.remove(&key);
                        self.scene_changed();
                    }
                    Change::Created(_) | Change::Frames(_) => self.scene_changed(),
                    Change::Nothing => {}
                }
            }
            Err(e) => self.reject(format!("message from client {client}: {e}")),
        }
    }

    fn reject(&mut self, what: String) {
        self.stats.rejected += 1;
        tracing::warn!("{what}");
        web_sys::console::warn_1(&what.clone().into());
        self.last_error = Some(what);
    }

    /// Drops view state about a node that is gone.
    fn forget(&mut self, key: &NodeKey) {
        self.opts.hidden.remove(key);
        self.opts.flat_shading_override.remove(key);
        self.opts.draw_edges_override.remove(key);
        if self.opts.selected == Some(*key) {
            self.opts.selected = None;
        }
    }

    /// After a snapshot: keep view state (hidden, selected) only for nodes that came back.
    fn forget_missing_nodes(&mut self) {
        let gone: Vec<NodeKey> = self
            .opts
            .hidden
            .iter()
            .chain(self.opts.selected.iter())
            .chain(self.opts.flat_shading_override.keys())
            .chain(self.opts.draw_edges_override.keys())
            .filter(|k| self.scene.node(k).is_none())
            .copied()
            .collect();
        for k in gone {
            self.forget(&k);
        }
    }

    /// Selects a node (or clears the selection).
    pub fn select(&mut self, key: Option<NodeKey>) {
        let key = key.filter(|k| self.scene.node(k).is_some());
        if self.opts.selected != key {
            self.opts.selected = key;
            self.dirty.scene_list = true;
            self.dirty.details = true;
            self.dirty.redraw = true;
        }
    }

    /// Shows or hides a node.
    pub fn set_visible(&mut self, key: NodeKey, visible: bool) {
        let changed = if visible {
            self.opts.hidden.remove(&key)
        } else {
            self.scene.node(&key).is_some() && self.opts.hidden.insert(key)
        };
        if changed {
            self.dirty.scene_list = true;
            self.dirty.details = true;
            self.dirty.redraw = true;
        }
    }

    /// Play or pause.
    pub fn set_playing(&mut self, playing: bool) {
        self.playback.set_playing(playing);
        self.dirty.redraw = true;
    }

    /// Jumps to a frame (clamped).
    pub fn set_frame(&mut self, f: i64) {
        let f = self.playback.set(f, self.scene.n_frames());
        self.scene.set_frame(f as i64);
        self.dirty.redraw = true;
    }

    /// Steps one frame forward or back (wrapping); only while paused, as aitviewer's `.`/`,`.
    pub fn step(&mut self, forward: bool) {
        if self.playback.playing() {
            return;
        }
        let n = self.scene.n_frames();
        let f = if forward {
            self.playback.next(n)
        } else {
            self.playback.prev(n)
        };
        self.scene.set_frame(f as i64);
        self.dirty.redraw = true;
    }

    /// The user moved the camera (drag, wheel, keys, fit, reset): no automatic target after this.
    /// A running camera animation stops where it is.
    pub fn camera_moved_by_user(&mut self) {
        self.auto_target_pending = false;
        self.camera_anim = None;
    }

    /// Advances the camera animation to `now_ms` (`performance.now()`); true while it runs.
    pub fn step_camera_anim(&mut self, now_ms: f64) -> bool {
        let Some(anim) = self.camera_anim else { return false };
        if anim.apply(&mut self.camera, now_ms) {
            self.camera_anim = None;
        }
        self.dirty.redraw = true;
        self.camera_anim.is_some()
    }

    /// The first time the scene has something to show (outside a snapshot's middle), points the
    /// camera at the mean of the visible nodes' current-frame bounds centres, keeping its
    /// distance and angles (aitviewer's `auto_set_camera_target`). Waits while no node has
    /// bounds yet (e.g. an SMPL body whose model is still loading).
    fn auto_target(&mut self) {
        if !self.auto_target_pending || self.in_snapshot || self.scene.is_empty() {
            return;
        }
        let frame = self.frame();
        let centres: Vec<glam::Vec3> = self
            .scene
            .nodes()
            .into_iter()
            .filter(|n| !self.opts.is_hidden(&n.key))
            .filter_map(|n| {
                render::node_bounds(&self.scene, n.key, frame)
                    .or_else(|| self.smpl.bodies.node_bounds(&self.scene, n.key, frame))
            })
            .map(|b| b.center())
            .collect();
        if self.camera.auto_target(&centres) {
            self.auto_target_pending = false;
            self.dirty.redraw = true;
        }
    }

    /// Points the camera at the whole visible scene.
    pub fn fit_scene(&mut self) {
        let bodies = self.smpl.bodies.bounds(&self.scene, self.frame(), &self.opts);
        let all = render::scene_bounds(&self.scene, self.frame(), &self.opts);
        if let Some(b) = all.map_or(bodies, |a| Some(bodies.map_or(a, |b| a.union(b)))) {
            self.camera.fit(&b);
            self.dirty.redraw = true;
        }
    }

    /// Points the camera at the selected node (X) at once.
    pub fn fit_selection(&mut self) {
        if let Some(end) = self.selection_fit() {
            self.camera_anim = None;
            self.camera = end;
            self.dirty.redraw = true;
        }
    }

    /// Points the camera at the selected node (X, the Centre button), easing the target and
    /// distance over [`CENTER_ANIM_MS`] from `now_ms`; ends where [`App::fit_selection`] would.
    pub fn fit_selection_animated(&mut self, now_ms: f64) {
        if let Some(end) = self.selection_fit() {
            let anim = CameraTween::new(&self.camera, &end, now_ms, CENTER_ANIM_MS);
            anim.apply(&mut self.camera, now_ms);
            self.camera_anim = Some(anim);
            self.dirty.redraw = true;
        }
    }

    /// The camera fitted to the selected node's current bounds.
    fn selection_fit(&self) -> Option<Camera> {
        let key = self.opts.selected?;
        let frame = self.frame();
        let b = render::node_bounds(&self.scene, key, frame)
            .or_else(|| self.smpl.bodies.node_bounds(&self.scene, key, frame))?;
        let mut end = self.camera;
        end.fit(&b);
        Some(end)
    }

    /// Switches the light mode; the background follows (dark grey in dark mode, white
    /// otherwise) unless the user picked another colour.
    pub fn set_light_mode(&mut self, mode: LightMode) {
        self.opts.light_mode = mode;
        let preset = self.opts.background == LIGHT_BACKGROUND || self.opts.background == DARK_BACKGROUND;
        if preset {
            self.opts.background = if mode == LightMode::Dark {
                DARK_BACKGROUND
            } else {
                LIGHT_BACKGROUND
            };
        }
        self.dirty.redraw = true;
    }

    /// Toggles flat shading (F) or edges (E) on the selected mesh.
    pub fn toggle_mesh_flag(&mut self, edges: bool) {
        let Some(key) = self.opts.selected else { return };
        let Some(node) = self.scene.node(&key) else { return };
        if node.kind != meshcast_protocol::NodeKind::Meshes {
            return;
        }
        let (option, map) = if edges {
            ("draw_edges", &mut self.opts.draw_edges_override)
        } else {
            ("flat_shading", &mut self.opts.flat_shading_override)
        };
        let current = map
            .get(&key)
            .copied()
            .unwrap_or_else(|| node.options.get(option).and_then(|v| v.as_bool()).unwrap_or(false));
        map.insert(key, !current);
        self.dirty.details = true;
        self.dirty.redraw = true;
    }

    /// Whether a mesh option is on for a node, overrides included.
    pub fn mesh_flag(&self, key: &NodeKey, edges: bool) -> bool {
        let (option, map) = if edges {
            ("draw_edges", &self.opts.draw_edges_override)
        } else {
            ("flat_shading", &self.opts.flat_shading_override)
        };
        map.get(key).copied().unwrap_or_else(|| {
            self.scene
                .node(key)
                .and_then(|n| n.options.get(option))
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        })
    }

    /// Renders the current frame into the canvas; returns whether a frame was presented.
    pub fn render(&mut self) -> bool {
        let frame = self.frame();
        let smpl_message = self.smpl.sync(&self.scene);
        super::models::show_message(self, smpl_message);
        self.auto_target();
        self.renderer
            .sync_with_bodies(&self.gpu.device, &self.gpu.queue, &self.scene, &self.smpl.bodies);
        let Some(tex) = self.gpu.acquire() else {
            return false;
        };
        let view = tex.texture.create_view(&wgpu::TextureViewDescriptor {
            format: Some(self.gpu.view_format),
            ..Default::default()
        });
        self.renderer.render(
            &self.gpu.device,
            &self.gpu.queue,
            &view,
            &self.scene,
            frame,
            &self.camera,
            &self.opts,
        );
        self.gpu.queue.present(tex);
        true
    }
}
