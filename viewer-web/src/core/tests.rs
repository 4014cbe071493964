//! Tests of the core's rules: snapshots, remote frame commands, edits, selection, playback and
//! the camera actions, on a scene fed the way the relay feeds it.

#![allow(clippy::unwrap_used)]

use glam::Vec3;
use meshcast_protocol::{ClientInfo, Envelope, NdArray, RelayToViewer, Value};
use meshcast_scene::{field, opt, NodeKey, Scene};

use super::*;

/// Bounds of a node: a unit box at the node's id along +X (enough for the camera rules).
struct UnitBoxes;

impl NodeBounds for UnitBoxes {
    fn node_bounds(&self, scene: &Scene, key: NodeKey, _frame: usize) -> Option<Aabb> {
        scene.node(&key)?;
        let x = key.uid as f32;
        Some(Aabb::from_points([
            Vec3::new(x, 0.0, 0.0),
            Vec3::new(x + 1.0, 1.0, 1.0),
        ]))
    }
}

const CLIENT: u64 = 7;

fn arr(shape: &[usize], v: &[f32]) -> Value {
    NdArray::from_f32(shape, v).unwrap().into()
}

/// Spheres with `frames` frames of one sphere each.
fn spheres(uid: u64, frames: usize) -> Envelope {
    let pos: Vec<f32> = (0..frames).flat_map(|i| [i as f32, 0.0, 0.0]).collect();
    Envelope::new(3, Some(uid)).with_kwarg(field::POSITIONS, arr(&[frames, 1, 3], &pos))
}

fn relay_msg(state: &mut ViewerState, envelope: Envelope) -> Changed {
    let r = state.on_relay(RelayToViewer::Message {
        client: CLIENT,
        envelope,
    });
    assert_eq!(r.changed, Changed::NONE);
    let m = r.message.unwrap();
    state.apply_client(m.client, m.envelope).unwrap()
}

/// A paused viewer with one 10-frame node (uid 1).
fn paused_with_frames() -> ViewerState {
    let mut s = ViewerState::new(false);
    s.apply(Action::SetPlaying(false), &UnitBoxes);
    relay_msg(&mut s, spheres(1, 10));
    s
}

fn key(uid: u64) -> NodeKey {
    NodeKey { client: CLIENT, uid }
}

fn set_frame(i: i64) -> Envelope {
    Envelope::new(meshcast_protocol::MessageType::SetFrame.code(), None).with_arg(Value::Int(i))
}

#[test]
fn a_fresh_viewer_is_paused_so_remote_frame_commands_apply() {
    // aitviewer starts with `run_animations` off: a script ending in `set_frame(50)` shows 50.
    let mut s = ViewerState::new(false);
    assert!(!s.playback().playing());
    relay_msg(&mut s, spheres(1, 200));
    assert_eq!(relay_msg(&mut s, set_frame(50)), Changed::FRAME);
    assert_eq!(s.frame(), 50);
}

#[test]
fn a_created_node_changes_the_scene() {
    let mut s = ViewerState::new(false);
    let gen = s.scene_gen();
    let c = relay_msg(&mut s, spheres(1, 3));
    assert!(c.contains(Changed::SCENE) && c.needs_redraw() && c.needs_scene_list());
    assert_eq!(s.scene().len(), 1);
    assert_eq!(s.scene_gen(), gen + 1);
    assert_eq!(s.stats().messages, 1);
}

#[test]
fn remote_frame_commands_apply_only_while_paused() {
    let mut s = paused_with_frames();
    assert_eq!(relay_msg(&mut s, set_frame(4)), Changed::FRAME);
    assert_eq!(s.frame(), 4);
    let next = Envelope::new(meshcast_protocol::MessageType::NextFrame.code(), None);
    relay_msg(&mut s, next.clone());
    assert_eq!(s.frame(), 5);
    let prev = Envelope::new(meshcast_protocol::MessageType::PreviousFrame.code(), None);
    relay_msg(&mut s, prev);
    assert_eq!(s.frame(), 4);

    s.apply(Action::SetPlaying(true), &UnitBoxes);
    let messages = s.stats().messages;
    assert_eq!(relay_msg(&mut s, set_frame(8)), Changed::NONE);
    assert_eq!(relay_msg(&mut s, next), Changed::NONE);
    assert_eq!(s.frame(), 4, "ignored while playing");
    assert_eq!(s.stats().messages, messages, "ignored commands are not counted");
}

#[test]
fn a_snapshot_restores_the_relays_frame_even_while_playing() {
    let mut s = ViewerState::new(false);
    s.apply(Action::SetPlaying(true), &UnitBoxes);
    assert!(s.playback().playing());
    let begin = s.on_relay(RelayToViewer::SnapshotBegin);
    assert!(begin.changed.contains(Changed::SCENE) && s.in_snapshot());
    relay_msg(&mut s, spheres(1, 10));
    let replayed = s.on_relay(RelayToViewer::Message {
        client: CLIENT,
        envelope: set_frame(6),
    });
    let m = replayed.message.unwrap();
    assert!(m.replay);
    assert_eq!(s.apply_client(m.client, m.envelope).unwrap(), Changed::FRAME);
    let info = ClientInfo {
        id: CLIENT,
        addr: "127.0.0.1:1".into(),
        format: "msgpack".into(),
    };
    let end = s.on_relay(RelayToViewer::SnapshotEnd {
        current_frame: 3,
        clients: vec![info],
    });
    assert!(end.changed.contains(Changed::SCENE | Changed::CLIENTS));
    assert!(!s.in_snapshot());
    assert_eq!(s.frame(), 3, "the relay's current frame wins");
    assert_eq!(s.clients().len(), 1);
    assert_eq!(s.known_clients().len(), 1);
}

#[test]
fn a_snapshot_keeps_view_state_only_for_nodes_that_came_back() {
    let mut s = paused_with_frames();
    relay_msg(&mut s, spheres(2, 1));
    s.apply(Action::Select(Some(key(1))), &UnitBoxes);
    s.apply(Action::SetVisible(key(2), false), &UnitBoxes);
    s.on_relay(RelayToViewer::SnapshotBegin);
    relay_msg(&mut s, spheres(2, 1));
    s.on_relay(RelayToViewer::SnapshotEnd {
        current_frame: 0,
        clients: vec![],
    });
    assert_eq!(s.selected(), None, "node 1 did not come back");
    assert!(s.view().is_hidden(&key(2)), "node 2 did");
}

#[test]
fn rejected_messages_are_counted_and_shown() {
    let mut s = ViewerState::new(false);
    // A mesh without faces.
    let bad = Envelope::new(2, Some(1)).with_kwarg(field::VERTICES, arr(&[1, 3, 3], &[0.0; 9]));
    let err = s.apply_client(CLIENT, bad).unwrap_err();
    assert_eq!(err.client, CLIENT);
    assert_eq!(s.stats().rejected, 1);
    assert_eq!(s.last_error(), Some(err.to_string().as_str()));
    assert!(err.to_string().starts_with("message from client 7: "));
}

#[test]
fn hello_connects_and_clears_the_error() {
    let mut s = ViewerState::new(false);
    s.set_connection(ConnState::Reconnecting {
        at_ms: 1.0,
        reason: "closed".into(),
    });
    assert_eq!(s.last_error(), Some("closed"));
    let r = s.on_relay(RelayToViewer::Hello {
        viewer_id: 3,
        version: "9".into(),
    });
    assert!(r.changed.contains(Changed::CONNECTION));
    assert_eq!(s.connection(), &ConnState::Connected);
    assert_eq!(s.last_error(), None);
    assert_eq!(s.relay(), Some(&(3, "9".to_owned())));
}

#[test]
fn clients_come_and_go_but_stay_known() {
    let mut s = ViewerState::new(false);
    let info = ClientInfo {
        id: 4,
        addr: "a".into(),
        format: "pickle".into(),
    };
    let c = s.on_relay(RelayToViewer::ClientConnected(info)).changed;
    assert!(c.needs_clients() && !c.needs_redraw());
    s.on_relay(RelayToViewer::ClientDisconnected { client: 4 });
    assert!(s.clients().is_empty());
    assert_eq!(s.known_clients().len(), 1);
}

#[test]
fn deleting_a_node_forgets_its_selection_and_visibility() {
    let mut s = paused_with_frames();
    assert_eq!(s.apply(Action::Select(Some(key(1))), &UnitBoxes), Changed::SELECTION);
    s.apply(Action::SetVisible(key(1), false), &UnitBoxes);
    let c = relay_msg(&mut s, Envelope::new(100, Some(1)));
    assert!(c.contains(Changed::SCENE));
    assert_eq!(s.selected(), None);
    assert!(!s.view().is_hidden(&key(1)));
}

#[test]
fn selection_only_takes_existing_nodes_and_reports_real_changes() {
    let mut s = paused_with_frames();
    assert_eq!(s.apply(Action::Select(Some(key(9))), &UnitBoxes), Changed::NONE);
    assert_eq!(s.apply(Action::Select(Some(key(1))), &UnitBoxes), Changed::SELECTION);
    assert_eq!(s.apply(Action::Select(Some(key(1))), &UnitBoxes), Changed::NONE);
    assert_eq!(s.apply(Action::SetVisible(key(9), false), &UnitBoxes), Changed::NONE);
    assert_eq!(s.apply(Action::SetVisible(key(1), true), &UnitBoxes), Changed::NONE);
    assert_eq!(
        s.apply(Action::SetVisible(key(1), false), &UnitBoxes),
        Changed::SELECTION
    );
}

#[test]
fn edits_change_the_node_at_the_frame_shown() {
    let mut s = paused_with_frames();
    s.apply(Action::SetFrame(2), &UnitBoxes);
    let version = s.scene().node(&key(1)).unwrap().version();
    let c = s.apply(Action::Edit(key(1), Edit::Position([1.0, 2.0, 3.0])), &UnitBoxes);
    assert_eq!(c, Changed::NODE_DATA);
    let node = s.scene().node(&key(1)).unwrap();
    assert!(node.version() > version, "the renderer sees the edit");
    assert_eq!(edits::position(node, 2), [1.0, 2.0, 3.0]);
    s.apply(Action::Edit(key(1), Edit::Color([2.0, 0.5, -1.0, 1.0])), &UnitBoxes);
    assert_eq!(
        edits::color(s.scene().node(&key(1)).unwrap()),
        Some([1.0, 0.5, 0.0, 1.0])
    );
    s.apply(Action::Edit(key(1), Edit::Scale(1000.0)), &UnitBoxes);
    assert_eq!(edits::scale(s.scene().node(&key(1)).unwrap(), 2), 100.0);
    assert_eq!(
        s.apply(Action::Edit(key(5), Edit::Scale(2.0)), &UnitBoxes),
        Changed::NONE
    );
}

#[test]
fn stepping_applies_only_while_paused_and_wraps() {
    let mut s = paused_with_frames();
    assert_eq!(s.apply(Action::Step { forward: false }, &UnitBoxes), Changed::FRAME);
    assert_eq!(s.frame(), 9);
    s.apply(Action::Step { forward: true }, &UnitBoxes);
    assert_eq!(s.frame(), 0);
    s.apply(Action::TogglePlay, &UnitBoxes);
    assert!(s.playback().playing());
    assert_eq!(s.apply(Action::Step { forward: true }, &UnitBoxes), Changed::NONE);
    assert_eq!(s.frame(), 0);
}

#[test]
fn playback_advances_the_scene_frame() {
    let mut s = paused_with_frames();
    s.apply(Action::SetFps(10.0), &UnitBoxes);
    s.apply(Action::SetPlaying(true), &UnitBoxes);
    assert_eq!(s.advance(0.0), Changed::NONE, "the first tick sets the time base");
    assert_eq!(s.advance(0.35), Changed::FRAME);
    assert_eq!(s.frame(), 3);
    assert_eq!(s.scene().current_frame(), 3);
    s.apply(Action::SetFrame(100), &UnitBoxes);
    assert_eq!(s.frame(), 9, "clamped to the scene");
}

#[test]
fn user_camera_moves_cancel_the_automatic_target() {
    let mut s = ViewerState::new(true);
    s.apply(Action::Orbit { dx: 5.0, dy: 0.0 }, &UnitBoxes);
    relay_msg(&mut s, spheres(4, 1));
    assert_eq!(s.auto_target(&UnitBoxes), Changed::NONE);

    let mut s = ViewerState::new(true);
    relay_msg(&mut s, spheres(4, 1));
    assert_eq!(s.auto_target(&UnitBoxes), Changed::CAMERA);
    assert!((s.camera().target - Vec3::new(4.5, 0.5, 0.5)).length() < 1e-5);
    assert_eq!(s.auto_target(&UnitBoxes), Changed::NONE, "only once");
}

#[test]
fn centring_on_the_selection_animates_and_a_drag_stops_it() {
    let mut s = paused_with_frames();
    s.apply(Action::Select(Some(key(1))), &UnitBoxes);
    assert_eq!(
        s.apply(Action::CenterSelection { now_ms: 0.0 }, &UnitBoxes),
        Changed::CAMERA
    );
    assert!(s.camera_animating());
    assert_eq!(s.step_camera_anim(1000.0), Changed::CAMERA);
    assert!(!s.camera_animating());
    assert!((s.camera().target - Vec3::new(1.5, 0.5, 0.5)).length() < 1e-5);
    s.apply(Action::CenterSelection { now_ms: 0.0 }, &UnitBoxes);
    s.apply(Action::Zoom(10.0), &UnitBoxes);
    assert!(!s.camera_animating());
    assert_eq!(s.step_camera_anim(1000.0), Changed::NONE);
}

#[test]
fn fit_scene_covers_only_visible_nodes() {
    let mut s = paused_with_frames();
    relay_msg(&mut s, spheres(10, 1));
    s.apply(Action::SetVisible(key(10), false), &UnitBoxes);
    assert_eq!(s.apply(Action::FitScene { by_user: true }, &UnitBoxes), Changed::CAMERA);
    assert!((s.camera().target - Vec3::new(1.5, 0.5, 0.5)).length() < 1e-5);
    assert_eq!(
        ViewerState::new(false).apply(Action::FitScene { by_user: false }, &UnitBoxes),
        Changed::NONE
    );
}

#[test]
fn shadows_are_on_by_default_and_toggle() {
    let mut s = ViewerState::new(false);
    assert!(s.view().shadows);
    assert_eq!(s.apply(Action::ToggleShadows, &UnitBoxes), Changed::VIEW);
    assert!(!s.view().shadows);
    assert_eq!(s.apply(Action::SetShadows(false), &UnitBoxes), Changed::NONE);
    assert_eq!(s.apply(Action::SetShadows(true), &UnitBoxes), Changed::VIEW);
    assert!(s.view().shadows);
}

#[test]
fn dark_mode_switches_a_preset_background_only() {
    let mut s = ViewerState::new(false);
    s.apply(Action::ToggleDark, &UnitBoxes);
    assert_eq!(s.view().background, view::DARK_BACKGROUND);
    s.apply(Action::ToggleDark, &UnitBoxes);
    assert_eq!(s.view().background, view::LIGHT_BACKGROUND);
    s.apply(Action::SetBackground([0.5, 0.0, 0.0]), &UnitBoxes);
    s.apply(Action::ToggleDark, &UnitBoxes);
    assert_eq!(s.view().background, [0.5, 0.0, 0.0, 1.0]);
    assert_eq!(s.apply(Action::SetAmbient(f32::NAN), &UnitBoxes), Changed::NONE);
    s.apply(Action::SetAmbient(50.0), &UnitBoxes);
    assert_eq!(s.view().ambient, 10.0);
}

#[test]
fn mesh_flags_toggle_on_selected_meshes_only() {
    let mut s = paused_with_frames();
    s.apply(Action::Select(Some(key(1))), &UnitBoxes);
    assert_eq!(
        s.apply(Action::ToggleMeshFlag { edges: true }, &UnitBoxes),
        Changed::NONE
    );
    let mesh = Envelope::new(2, Some(2))
        .with_kwarg(field::VERTICES, arr(&[1, 3, 3], &[0., 0., 0., 1., 0., 0., 0., 1., 0.]))
        .with_kwarg(
            field::FACES,
            Value::from(NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap()),
        )
        .with_kwarg(opt::DRAW_EDGES, Value::Bool(true));
    relay_msg(&mut s, mesh);
    assert!(s.mesh_flag(&key(2), true));
    s.apply(Action::Select(Some(key(2))), &UnitBoxes);
    assert_eq!(
        s.apply(Action::ToggleMeshFlag { edges: true }, &UnitBoxes),
        Changed::NODE_VIEW
    );
    assert!(!s.mesh_flag(&key(2), true));
    assert!(!s.mesh_flag(&key(2), false));
    s.apply(Action::ToggleMeshFlag { edges: false }, &UnitBoxes);
    assert!(s.mesh_flag(&key(2), false));
}

#[test]
fn panel_stats_read_the_typed_views() {
    let mut s = paused_with_frames();
    let mesh = Envelope::new(2, Some(2))
        .with_kwarg(field::VERTICES, arr(&[1, 3, 3], &[0., 0., 0., 1., 0., 0., 0., 1., 0.]))
        .with_kwarg(
            field::FACES,
            Value::from(NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap()),
        );
    relay_msg(&mut s, mesh);
    let lines = Envelope::new(4, Some(3))
        .with_kwarg(field::LINES, arr(&[1, 4, 3], &[0.0; 12]))
        .with_kwarg(opt::MODE, Value::from("lines"));
    relay_msg(&mut s, lines);
    let get = |uid: u64| edits::stats(s.scene().node(&key(uid)).unwrap());
    let m = get(2);
    assert!(m.contains(&("Vertices", "3".to_owned())) && m.contains(&("Faces", "1".to_owned())));
    assert!(m.contains(&("Colours", "uniform".to_owned())));
    let l = get(3);
    assert!(l.contains(&("Points", "4".to_owned())) && l.contains(&("Segments", "2".to_owned())));
    assert!(get(1).contains(&("Spheres", "1".to_owned())));
}

// ---- recordings ----------------------------------------------------------------------------

/// A recording with two live messages from client 3, a snapshot (one node of client 5, frame
/// 2), and one live message after it.
fn recording() -> Vec<u8> {
    use meshcast_protocol::recording::{RecordKind, RecordWriter};
    let msg = |client, envelope| RelayToViewer::Message { client, envelope };
    let mut w = RecordWriter::new(Vec::new()).unwrap();
    w.write_message(RecordKind::Live, &msg(3, spheres(1, 4))).unwrap();
    w.write_message(RecordKind::Live, &msg(3, spheres(2, 4))).unwrap();
    let snap = [meshcast_protocol::encode(&msg(5, spheres(9, 6)))];
    let end = RelayToViewer::SnapshotEnd {
        current_frame: 2,
        clients: vec![],
    };
    w.write_snapshot(snap.iter().map(Vec::as_slice), &end).unwrap();
    w.write_message(RecordKind::Live, &msg(5, spheres(10, 3))).unwrap();
    w.into_inner()
}

#[test]
fn a_recording_opens_at_its_last_snapshot_without_a_relay() {
    let mut s = ViewerState::new(false);
    relay_msg(&mut s, spheres(4, 2));
    let opened = s.open_recording(&recording(), "run.mcrec").unwrap();
    assert!(opened.changed.contains(Changed::SCENE));
    assert_eq!(opened.applied, 2);
    assert!(opened.skipped.is_empty() && opened.torn_tail.is_none());
    let keys: Vec<NodeKey> = s.scene().nodes().iter().map(|n| n.key()).collect();
    assert_eq!(keys, [NodeKey { client: 5, uid: 9 }, NodeKey { client: 5, uid: 10 }]);
    assert_eq!(s.frame(), 2);
    assert_eq!(
        s.connection(),
        &ConnState::Recording {
            name: "run.mcrec".into()
        }
    );
    assert_eq!(s.connection().name(), "recording");
}

#[test]
fn a_damaged_recording_changes_nothing_and_a_torn_one_is_reported() {
    let mut s = ViewerState::new(false);
    relay_msg(&mut s, spheres(4, 2));
    // Damage in the last record (after the snapshot, so it is read).
    let mut bad = recording();
    let last = bad.len() - 1;
    bad[last] ^= 0x20;
    let e = s.open_recording(&bad, "bad").unwrap_err();
    assert!(
        e.to_string().contains("checksum") && e.to_string().contains("offset"),
        "{e}"
    );
    assert_eq!(s.scene().len(), 1, "the scene shown before is kept");
    assert_ne!(s.connection().name(), "recording");
    let e = s.open_recording(b"PK\x03\x04 a zip", "zip").unwrap_err();
    assert!(e.to_string().contains("not a meshcast recording"), "{e}");
    let full = recording();
    let opened = s.open_recording(&full[..full.len() - 5], "torn").unwrap();
    assert!(opened.torn_tail.unwrap().contains("truncated"));
    assert_eq!(
        s.scene().len(),
        1,
        "the snapshot's node; the torn last message is dropped"
    );
}

#[test]
fn a_saved_scene_reopens_as_the_same_scene() {
    let mut s = ViewerState::new(false);
    s.apply(Action::SetPlaying(false), &UnitBoxes);
    relay_msg(&mut s, spheres(1, 5));
    relay_msg(&mut s, spheres(2, 3));
    relay_msg(&mut s, set_frame(3));
    let bytes = s.save_scene().unwrap();
    let mut t = ViewerState::new(false);
    t.open_recording(&bytes, "saved").unwrap();
    assert_eq!(t.scene().snapshot().unwrap(), s.scene().snapshot().unwrap());
    assert_eq!(t.frame(), 3);
}

#[test]
fn parts_of_a_body_hide_one_by_one() {
    let mut s = ViewerState::new(false);
    let poses = arr(&[1, 69], &[0.0; 69]);
    relay_msg(&mut s, Envelope::new(10, Some(7)).with_kwarg(field::POSES_BODY, poses));
    relay_msg(&mut s, spheres(8, 1));
    let body = key(7);
    let c = s.apply(Action::SetPartVisible(body, BodyPart::Skeleton, false), &UnitBoxes);
    assert!(c.needs_redraw() && c.needs_scene_list());
    assert!(s.view().is_part_hidden(&body, BodyPart::Skeleton));
    assert!(!s.view().is_part_hidden(&body, BodyPart::Mesh));
    assert!(!s.view().is_hidden(&body), "the body itself stays shown");
    assert_eq!(
        s.apply(Action::SetPartVisible(body, BodyPart::Skeleton, false), &UnitBoxes),
        Changed::NONE,
        "already hidden"
    );
    // Only SMPL bodies have parts.
    assert_eq!(
        s.apply(Action::SetPartVisible(key(8), BodyPart::Mesh, false), &UnitBoxes),
        Changed::NONE
    );
    assert!(!s.view().is_part_hidden(&key(8), BodyPart::Mesh));
    s.apply(Action::SetPartVisible(body, BodyPart::Skeleton, true), &UnitBoxes);
    assert!(!s.view().is_part_hidden(&body, BodyPart::Skeleton));
}

#[test]
fn inspect_mode_toggles() {
    let mut s = ViewerState::new(false);
    assert!(!s.view().inspect, "off at start, as aitviewer");
    assert_eq!(s.apply(Action::ToggleInspect, &UnitBoxes), Changed::VIEW);
    assert!(s.view().inspect);
    assert_eq!(s.apply(Action::SetInspect(true), &UnitBoxes), Changed::NONE);
    s.apply(Action::SetInspect(false), &UnitBoxes);
    assert!(!s.view().inspect);
}

#[test]
fn radius_edits_spheres_rigid_bodies_and_skeletons_only() {
    let mut s = ViewerState::new(false);
    relay_msg(&mut s, spheres(1, 1));
    let sphere = key(1);
    let node = s.scene().node(&sphere).unwrap();
    assert_eq!(edits::radius(node), Some(0.01), "the kind's default");
    let version = node.version();
    let c = s.apply(Action::Edit(sphere, Edit::Radius(0.25)), &UnitBoxes);
    assert!(c.needs_redraw());
    let node = s.scene().node(&sphere).unwrap();
    assert_eq!(edits::radius(node), Some(0.25));
    assert!(node.version() > version, "drawn again");
    s.apply(Action::Edit(sphere, Edit::Radius(f32::NAN)), &UnitBoxes);
    s.apply(Action::Edit(sphere, Edit::Radius(-3.0)), &UnitBoxes);
    assert_eq!(edits::radius(s.scene().node(&sphere).unwrap()), Some(0.0001), "clamped");
    // A mesh has no radius.
    let verts = arr(&[3, 3], &[0., 0., 0., 1., 0., 0., 0., 1., 0.]);
    let faces = NdArray::from_i64(&[1, 3], &[0, 1, 2]).unwrap();
    relay_msg(
        &mut s,
        Envelope::new(2, Some(2))
            .with_kwarg(field::VERTICES, verts)
            .with_kwarg(field::FACES, Value::from(faces)),
    );
    s.apply(Action::Edit(key(2), Edit::Radius(0.5)), &UnitBoxes);
    let mesh = s.scene().node(&key(2)).unwrap();
    assert_eq!(edits::radius(mesh), None);
    assert!(mesh.option("radius").is_none());
}
