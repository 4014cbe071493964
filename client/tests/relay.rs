//! The client against the real relay binary: every constructor and frame operation ends up in
//! the relay's scene (read back by a test viewer from the snapshot), errors surface from flush,
//! messages from viewers reach get_message, and the async flavour works from tokio.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{frame, open_viewer, options, send_to_clients, snapshot};
use glam::{Mat3, Vec3};
use meshcast_client::*;
use meshcast_protocol::{decode, NodeKind, RelayToViewer};
use meshcast_testkit::RelayProcess;
use tokio_tungstenite::tungstenite::Message;

fn cube(z: f32) -> Vec<[f32; 3]> {
    (0..8)
        .map(|i| [(i & 1) as f32, ((i >> 1) & 1) as f32, ((i >> 2) & 1) as f32 + z])
        .collect()
}

const CUBE_FACES: [[u32; 3]; 12] = [
    [0, 1, 3],
    [0, 3, 2],
    [4, 6, 7],
    [4, 7, 5],
    [0, 4, 5],
    [0, 5, 1],
    [2, 3, 7],
    [2, 7, 6],
    [0, 2, 6],
    [0, 6, 4],
    [1, 5, 7],
    [1, 7, 3],
];

#[test]
fn meshes_frames_end_up_in_the_relays_scene() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let m = RemoteMeshes::new(
        &v,
        vec![cube(0.0), cube(1.0)],
        CUBE_FACES,
        MeshOptions::default()
            .name("cube")
            .flat_shading(true)
            .color([1.0, 0.0, 0.0, 1.0]),
    )
    .unwrap();
    m.add_frames(cube(2.0)).unwrap(); // frames: z = 0, 1, 2
    m.add_frames(vec![cube(3.0), cube(4.0), cube(5.0)]).unwrap(); // 0..5
    m.update_frames(cube(10.0), 1).unwrap();
    m.update_frames(vec![cube(20.0), cube(21.0)], 3..5).unwrap();
    m.remove_frames([0, -1]).unwrap(); // drops z=0 and z=5: left 10, 2, 20, 21
    v.flush().unwrap();

    let snap = snapshot(&relay);
    let node = snap.node(m.uid());
    assert_eq!(node.kind(), NodeKind::Meshes);
    assert_eq!(node.n_frames(), 4);
    assert_eq!(node.name(), "cube");
    assert_eq!(node.option("flat_shading"), Some(&Value::Bool(true)));
    assert_eq!(node.static_array("faces").unwrap().to_i64_vec().len(), 36);
    assert_eq!(
        node.static_array("color").unwrap().to_f32_vec(),
        vec![1.0, 0.0, 0.0, 1.0]
    );
    let z_of = |i| frame(node, "vertices", i)[2];
    assert_eq!((z_of(0), z_of(1), z_of(2), z_of(3)), (10.0, 2.0, 20.0, 21.0));
}

#[test]
fn every_kind_is_created_with_its_data_and_options() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let spheres = RemoteSpheres::new(
        &v,
        vec![vec![Vec3::ZERO, Vec3::X]; 3],
        SpheresOptions::default()
            .radius(0.25)
            .colors([[1.0f32, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]]),
    )
    .unwrap();
    let lines = RemoteLines::new(
        &v,
        [[0.0f32; 3], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        LinesOptions::default().mode(LineMode::Lines).r_base(0.02).r_tip(0.0),
    )
    .unwrap();
    let arrows = RemoteArrows::new(&v, [[0.0f64; 3]], [[0.0f64, 2.0, 0.0]], ArrowsOptions::default().p(0.3)).unwrap();
    let bodies = RemoteRigidBodies::new(
        &v,
        vec![Vec3::new(1.0, 2.0, 3.0)],
        vec![Mat3::from_rotation_z(std::f32::consts::FRAC_PI_2)],
        RigidBodiesOptions::default().length(0.5),
    )
    .unwrap();
    let skel = RemoteSkeletons::new(
        &v,
        vec![vec![[0.0f32; 3], [0.0, 1.0, 0.0], [0.0, 2.0, 0.0]]; 2],
        [[0i32, 1], [1, 2], [-1, 0]],
        SkeletonsOptions::default().radius(0.03),
    )
    .unwrap();
    let smpl = RemoteSmplSequence::new(
        &v,
        vec![[0.1f32; 69]; 5],
        SmplOptions::default()
            .gender(Gender::Female)
            .trans(vec![[0.0f32, 0.0, 1.0]; 5])
            .z_up(true),
    )
    .unwrap();
    let node = RemoteNode::new(
        &v,
        NodeOptions::default()
            .name("anchor")
            .position([[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    )
    .unwrap();
    let positioned = RemoteSpheres::new(
        &v,
        [[0.0f32; 3]],
        SpheresOptions::default()
            .position(Vec3::new(1.0, 2.0, 3.0))
            .scale(2.0f32)
            .name("moved"),
    )
    .unwrap();
    v.flush().unwrap();

    let snap = snapshot(&relay);
    let s = snap.node(spheres.uid());
    assert_eq!((s.kind(), s.n_frames()), (NodeKind::Spheres, 3));
    assert_eq!(s.option("radius").and_then(Value::as_f64), Some(0.25));
    assert_eq!(s.static_array("color").unwrap().shape(), &[2, 4]);
    assert_eq!(frame(s, "positions", 2), vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    let l = snap.node(lines.uid());
    assert_eq!(l.kind(), NodeKind::Lines);
    assert_eq!(l.option("mode"), Some(&Value::from("lines")));
    assert_eq!(l.option("r_tip").and_then(Value::as_f64), Some(0.0));

    let a = snap.node(arrows.uid());
    assert_eq!(a.kind(), NodeKind::Arrows);
    assert_eq!(frame(a, "tips", 0), vec![0.0, 2.0, 0.0]);
    assert!((a.option("p").and_then(Value::as_f64).unwrap() - 0.3).abs() < 1e-6);

    let b = snap.node(bodies.uid());
    assert_eq!(b.kind(), NodeKind::RigidBodies);
    let ori: Vec<f32> = frame(b, "rb_ori", 0).iter().map(|x| x.round()).collect();
    assert_eq!(
        ori,
        vec![0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        "row-major rotation"
    );
    assert_eq!(b.option("length").and_then(Value::as_f64), Some(0.5));

    let k = snap.node(skel.uid());
    assert_eq!((k.kind(), k.n_frames()), (NodeKind::Skeletons, 2));
    assert_eq!(
        k.static_array("joint_connections").unwrap().to_i64_vec(),
        vec![0, 1, 1, 2],
        "rows with -1 dropped"
    );

    let p = snap.node(smpl.uid());
    assert_eq!((p.kind(), p.n_frames()), (NodeKind::Smpl, 5));
    assert_eq!(p.option("gender"), Some(&Value::from("female")));
    assert_eq!(p.option("model_type"), Some(&Value::from("smpl")));
    assert_eq!(p.option("z_up"), Some(&Value::Bool(true)));
    assert_eq!(frame(p, "trans", 4), vec![0.0, 0.0, 1.0]);

    let n = snap.node(node.uid());
    assert_eq!((n.kind(), n.name(), n.n_frames()), (NodeKind::Node, "anchor", 2));

    let q = snap.node(positioned.uid());
    assert_eq!(frame(q, "position", 0), vec![1.0, 2.0, 3.0]);
    assert_eq!(frame(q, "scale", 0), vec![2.0]);
    assert_eq!(q.name(), "moved");
}

#[test]
fn frame_operations_of_every_kind() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let p = [[0.0f32; 3], [1.0, 1.0, 1.0]];
    let spheres = RemoteSpheres::new(&v, p, SpheresOptions::default()).unwrap();
    spheres.add_frames(vec![p.to_vec(); 4]).unwrap(); // 5
    spheres.update_frames([[7.0f32; 3], [8.0; 3]], [1, 2]).unwrap();
    spheres.remove_frames(Frames::range(0, 5, 2)).unwrap(); // 0, 2, 4 go: left 1, 3
    let lines = RemoteLines::new(&v, p, LinesOptions::default()).unwrap();
    lines.add_frames(p).unwrap();
    lines.update_frames([[5.0f32; 3], [6.0; 3]], -1).unwrap();
    let arrows = RemoteArrows::new(&v, p, p, ArrowsOptions::default()).unwrap();
    arrows.add_frames(vec![p.to_vec(); 2], vec![p.to_vec(); 2]).unwrap();
    arrows.update_frames([[3.0f32; 3]; 2], [[4.0f32; 3]; 2], 0..=2).unwrap();
    arrows.remove_frames(1).unwrap();
    let bodies = RemoteRigidBodies::new(
        &v,
        p,
        [[[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]; 2],
        RigidBodiesOptions::default(),
    )
    .unwrap();
    bodies.add_frames(p, vec![Mat3::IDENTITY; 2]).unwrap();
    bodies
        .update_frames([[9.0f32; 3]; 2], vec![Mat3::IDENTITY; 2], 1)
        .unwrap();
    let skel = RemoteSkeletons::new(&v, p, [[0u32, 1]], SkeletonsOptions::default()).unwrap();
    skel.add_frames(vec![p.to_vec(); 3]).unwrap();
    skel.remove_frames(vec![0usize, 1]).unwrap();
    let smpl = RemoteSmplSequence::new(&v, vec![[0.0f32; 69]; 3], SmplOptions::default()).unwrap();
    smpl.add_frames(vec![[0.5f32; 69]; 2]).unwrap();
    smpl.add_frames_with(SmplFrames::new([0.25f32; 69]).trans([1.0f32, 2.0, 3.0]))
        .unwrap();
    smpl.update_frames_with(SmplFrames::new([0.75f32; 69]).poses_root([0.0f32, 1.0, 0.0]), 0)
        .unwrap();
    smpl.remove_frames(1).unwrap();
    v.flush().unwrap();

    let snap = snapshot(&relay);
    let s = snap.node(spheres.uid());
    assert_eq!(s.n_frames(), 2);
    assert_eq!(frame(s, "positions", 0), vec![7.0, 7.0, 7.0, 8.0, 8.0, 8.0]);
    assert_eq!(frame(s, "positions", 1), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let l = snap.node(lines.uid());
    assert_eq!(l.n_frames(), 2);
    assert_eq!(frame(l, "lines", 1), vec![5.0, 5.0, 5.0, 6.0, 6.0, 6.0]);
    let a = snap.node(arrows.uid());
    assert_eq!(a.n_frames(), 2);
    assert_eq!(frame(a, "tips", 1)[0], 4.0);
    let b = snap.node(bodies.uid());
    assert_eq!(b.n_frames(), 2);
    assert_eq!(frame(b, "rb_pos", 1)[0], 9.0);
    let k = snap.node(skel.uid());
    assert_eq!(k.n_frames(), 2);
    let p = snap.node(smpl.uid());
    assert_eq!(p.n_frames(), 5);
    assert_eq!(frame(p, "poses_body", 0)[0], 0.75);
    assert_eq!(frame(p, "poses_root", 0), vec![0.0, 1.0, 0.0]);
    assert_eq!(
        frame(p, "poses_body", 1)[0],
        0.0,
        "frame 1 was removed; old frame 2 moved down"
    );
    assert_eq!(frame(p, "trans", 4), vec![1.0, 2.0, 3.0]);
    assert_eq!(frame(p, "trans", 3), vec![0.0, 0.0, 0.0]);
}

#[test]
fn current_frame_and_delete() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let s = RemoteSpheres::new(&v, vec![vec![Vec3::ZERO]; 10], SpheresOptions::default()).unwrap();
    let gone = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    v.set_frame(7).unwrap();
    v.next_frame().unwrap(); // 8
    v.next_frame().unwrap(); // 9
    v.next_frame().unwrap(); // wraps to 0
    v.previous_frame().unwrap(); // wraps to 9
    v.previous_frame().unwrap(); // 8
    gone.delete().unwrap();
    v.flush().unwrap();
    let snap = snapshot(&relay);
    assert_eq!(snap.current_frame, 8);
    assert!(snap.find(gone.uid()).is_none());
    assert!(snap.find(s.uid()).is_some());
    v.set_frame(1000).unwrap();
    v.flush().unwrap();
    assert_eq!(snapshot(&relay).current_frame, 9, "clamped to the last frame");
}

#[test]
fn a_node_under_a_parent_is_stored_with_it_and_deleted_with_it() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let root = RemoteNode::new(&v, NodeOptions::default().name("robot").position([1.0f32, 0.0, 0.0])).unwrap();
    let arm = RemoteMeshes::new(&v, cube(0.0), CUBE_FACES, MeshOptions::default().parent(root.uid())).unwrap();
    let hand = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default().parent(arm.uid())).unwrap();
    v.flush().unwrap();
    let snap = snapshot(&relay);
    let parent_of = |uid| snap.node(uid).parent().map(|p| p.uid);
    assert_eq!(parent_of(arm.uid()), Some(root.uid()));
    assert_eq!(parent_of(hand.uid()), Some(arm.uid()));
    arm.delete().unwrap();
    v.flush().unwrap();
    let snap = snapshot(&relay);
    assert!(snap.find(root.uid()).is_some());
    assert!(
        snap.find(arm.uid()).is_none() && snap.find(hand.uid()).is_none(),
        "the hand went with the arm"
    );
    // A parent that does not exist is reported by flush.
    RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default().parent(987_654)).unwrap();
    let e = v.flush().unwrap_err();
    assert!(e.to_string().contains("parent 987654"), "{e}");
}

/// A 2×1 RGB PNG: red, blue.
fn png_file(path: &std::path::Path) {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 2, 1);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&[255, 0, 0, 0, 0, 255])
        .unwrap();
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_texture_file_is_read_here_and_sent_as_an_image() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let dir = std::env::temp_dir().join(format!("meshcast-texture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("two.png");
    png_file(&path);
    let uv: Vec<[f32; 2]> = (0..8).map(|i| [(i & 1) as f32, ((i >> 1) & 1) as f32]).collect();
    let m = RemoteMeshes::new(&v, cube(0.0), CUBE_FACES, MeshOptions::default().texture(&uv, &path)).unwrap();
    v.flush().unwrap();
    let snap = snapshot(&relay);
    let tex = snap.node(m.uid()).static_array("texture").unwrap();
    assert_eq!(tex.shape(), [1, 2, 3]);
    assert_eq!(tex.data().as_ref(), [255, 0, 0, 0, 0, 255]);
    // A missing file is the constructor's error, naming it.
    let e = RemoteMeshes::new(
        &v,
        cube(0.0),
        CUBE_FACES,
        MeshOptions::default().texture(&uv, dir.join("nope.png")),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nope.png"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn relay_rejections_surface_from_flush() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let s = RemoteSpheres::new(&v, vec![vec![Vec3::ZERO]; 5], SpheresOptions::default()).unwrap();
    s.update_frames([[1.0f32; 3]], 7).unwrap(); // message #2: out of range
    s.add_frames([[2.0f32; 3]]).unwrap(); // fine
    s.remove_frames(0..6).unwrap(); // message #4: removes every frame
    let e = v.flush().unwrap_err();
    let r = e.rejections();
    assert_eq!(r.len(), 2, "{e}");
    assert_eq!((r[0].seq, r[0].msg_type, r[0].uid), (2, Some(102), Some(s.uid())));
    assert!(r[0].message.contains("frame index 7"), "{}", r[0].message);
    assert_eq!(r[1].seq, 4);
    assert!(e.to_string().contains("UPDATE_FRAMES"), "{e}");
    // Nothing of the rejected messages was applied, the rest was.
    v.flush().unwrap();
    let snap = snapshot(&relay);
    assert_eq!(snap.node(s.uid()).n_frames(), 6);
    assert_eq!(frame(snap.node(s.uid()), "positions", 5), vec![2.0, 2.0, 2.0]);
    // Operations on an unknown node are reported too.
    s.delete().unwrap();
    s.add_frames([[2.0f32; 3]]).unwrap();
    let e = v.flush().unwrap_err();
    assert_eq!(e.rejections().len(), 1, "{e}");
    assert_eq!(e.rejections()[0].msg_type, Some(101));
}

#[test]
fn connect_retries_until_the_relay_is_up() {
    let port = meshcast_testkit::free_port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(600));
        let args: Vec<String> = ["--bind", "127.0.0.1", "--port", &port.to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        RelayProcess::start_with(port, &args)
    });
    let v = RemoteViewer::connect_with(
        ConnectOptions::new("127.0.0.1")
            .port(port)
            .timeout(Duration::from_secs(20)),
    )
    .unwrap();
    let relay = starter.join().unwrap();
    let s = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    v.flush().unwrap();
    assert!(snapshot(&relay).find(s.uid()).is_some());
}

#[test]
fn dropping_the_viewer_flushes() {
    let relay = RelayProcess::start(&[]);
    // A 1 MiB queue: the 2.4 MB creation is larger than the whole budget and goes alone.
    let v = RemoteViewer::connect_with(options(&relay).send_queue_bytes(1 << 20)).unwrap();
    let big: Vec<Vec<Vec3>> = vec![vec![Vec3::ONE; 10_000]; 20]; // 2.4 MB
    let s = RemoteSpheres::new(&v, &big, SpheresOptions::default()).unwrap();
    for i in 0..200 {
        s.add_frames(vec![Vec3::splat(i as f32); 10_000]).unwrap();
    }
    let uid = s.uid();
    drop(s);
    drop(v); // closes after the relay acknowledged everything
    let snap = snapshot(&relay);
    let node = snap.node(uid);
    assert_eq!(node.n_frames(), 220);
    assert_eq!(frame(node, "positions", 219)[0], 199.0);
}

#[test]
fn a_stopped_relay_fails_the_next_call() {
    let mut relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let s = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    v.flush().unwrap();
    relay.stop();
    // The link going down is noticed by the reader; then every call fails.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while v.is_connected() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let e = s.add_frames([[1.0f32; 3]]).unwrap_err();
    assert!(matches!(e, ClientError::Disconnected { .. }), "{e}");
    assert!(matches!(v.flush().unwrap_err(), ClientError::Disconnected { .. }));
}

/// The relay is killed (SIGKILL) while the client streams: a later call fails with
/// `Disconnected` (nothing is lost silently), every frame a flush acknowledged is in the scene
/// of the relay restarted on its `--data-dir`, and `reconnect()` gives a working connection
/// that sends nothing again.
#[test]
fn relay_killed_while_streaming_then_reconnect() {
    let dir = std::env::temp_dir().join(format!("meshcast-client-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = meshcast_testkit::free_port();
    let args: Vec<String> = ["--bind", "127.0.0.1", "--port", &port.to_string(), "--data-dir"]
        .iter()
        .map(|s| s.to_string())
        .chain([dir.to_string_lossy().into_owned()])
        .collect();
    let mut relay = RelayProcess::start_with(port, &args);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let s = RemoteSpheres::new(&v, [[0.0f32; 3]; 100], SpheresOptions::default()).unwrap();
    let mut acknowledged = 1;
    for round in 0..20 {
        for i in 0..10 {
            s.add_frames([[(round * 10 + i + 1) as f32; 3]; 100]).unwrap();
        }
        v.flush().unwrap();
        acknowledged += 10;
    }
    // More in flight when the relay dies, then keep streaming: some call must fail.
    for i in 0..40 {
        s.add_frames([[1000.0 + i as f32; 3]; 100]).unwrap();
    }
    relay.stop();
    let failed = (0..100_000).find_map(|i| {
        let sent = s.add_frames([[2000.0 + i as f32; 3]; 100]);
        let flushed = if i % 10 == 9 { v.flush() } else { Ok(()) };
        sent.and(flushed).err()
    });
    let e = failed.expect("streaming to a killed relay never failed");
    assert!(matches!(e, ClientError::Disconnected { .. }), "{e}");
    assert!(e.to_string().contains("since the last successful flush"), "{e}");
    assert!(matches!(v.flush().unwrap_err(), ClientError::Disconnected { .. }));

    let relay = RelayProcess::start_with(port, &args);
    v.reconnect().unwrap();
    assert!(v.is_connected());
    v.flush().unwrap();
    let uid = s.uid();
    let snap = snapshot(&relay);
    let node = snap.node(uid);
    assert!(node.n_frames() >= acknowledged, "{} < {acknowledged}", node.n_frames());
    for f in 0..acknowledged {
        assert_eq!(frame(node, "positions", f)[0], f as f32, "acknowledged frame {f}");
    }
    // The new connection is a new client: a new node works, and nothing was sent again.
    let again = RemoteSpheres::new(&v, [[7.0f32; 3]], SpheresOptions::default()).unwrap();
    v.flush().unwrap();
    let snap = snapshot(&relay);
    assert_eq!(snap.node(again.uid()).n_frames(), 1);
    assert_eq!(snap.node(uid).n_frames(), node.n_frames());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn get_message_receives_what_a_viewer_sends() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    v.flush().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let payload = Value::Map(vec![
        (Value::from("name"), Value::from("clicked")),
        (
            Value::from("position"),
            Value::List(vec![Value::Float(1.0), Value::Float(2.0), Value::Float(3.0)]),
        ),
    ]);
    let client_id = rt.block_on(async {
        let (mut ws, snap) = open_viewer(&relay.viewer_url()).await;
        assert_eq!(snap.clients.len(), 1);
        send_to_clients(&mut ws, None, payload.clone()).await;
        send_to_clients(&mut ws, Some(snap.clients[0].id), Value::Int(2)).await;
        let _ = ws.close(None).await;
        snap.clients[0].id
    });
    let m = v.get_message(true).unwrap();
    assert_eq!(m.payload, payload);
    let mut rest = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rest.is_empty() && std::time::Instant::now() < deadline {
        v.process_messages(|_, m| rest.push(m.payload), false);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(rest, vec![Value::Int(2)], "message addressed to client {client_id}");
}

#[test]
fn user_messages_reach_live_viewers() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut ws, _) = open_viewer(&relay.viewer_url()).await;
        let mut kw = Kwargs::new();
        kw.insert("index".into(), Value::Int(5));
        v.send_message(10001, Some(3), vec![Value::from("x")], kw).unwrap();
        v.flush().unwrap();
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), futures_util::StreamExt::next(&mut ws))
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            let Message::Binary(b) = msg else { continue };
            if let RelayToViewer::Message { envelope, .. } = decode::<RelayToViewer>(&b).unwrap() {
                assert_eq!((envelope.msg_type, envelope.uid), (10001, Some(3)));
                assert_eq!(envelope.args, vec![Value::from("x")]);
                assert_eq!(envelope.kwargs.get("index"), Some(&Value::Int(5)));
                break;
            }
        }
    });
}

#[test]
fn many_pipelined_messages_arrive_in_order() {
    let relay = RelayProcess::start(&[]);
    let v = RemoteViewer::connect_with(options(&relay).send_queue(8)).unwrap();
    let s = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    for i in 1..=2000 {
        s.add_frames([[i as f32, 0.0, 0.0]]).unwrap();
    }
    v.flush().unwrap();
    let snap = snapshot(&relay);
    let node = snap.node(s.uid());
    assert_eq!(node.n_frames(), 2001);
    assert!((0..2001).all(|i| frame(node, "positions", i)[0] == i as f32));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_flavor_against_the_relay() {
    let relay = RelayProcess::start(&[]);
    let v = AsyncRemoteViewer::connect_with(options(&relay)).await.unwrap();
    let m = RemoteMeshes::new(&v, cube(0.0), CUBE_FACES, MeshOptions::default().draw_edges(true))
        .await
        .unwrap();
    m.add_frames(vec![cube(1.0), cube(2.0)]).await.unwrap();
    m.update_frames(cube(5.0), 0).await.unwrap();
    m.update_frames(cube(6.0), 9).await.unwrap();
    v.set_frame(2).await.unwrap();
    let e = v.flush().await.unwrap_err();
    assert_eq!(e.rejections().len(), 1, "{e}");
    assert!(e.rejections()[0].message.contains("frame index 9"), "{e}");
    v.close().await.unwrap();

    let (_ws, snap) = open_viewer(&relay.viewer_url()).await;
    let node = snap.node(m.uid());
    assert_eq!(node.n_frames(), 3);
    assert_eq!(node.option("draw_edges"), Some(&Value::Bool(true)));
    assert_eq!(frame(node, "vertices", 0)[2], 5.0);
    assert_eq!(snap.current_frame, 2);
}
