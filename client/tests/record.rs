//! `RemoteViewer::record`: a client with a file instead of a relay writes a recording whose
//! scene equals what the real relay builds from the same calls, reports the same rejections on
//! flush, and never overwrites a file.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use meshcast_client::{ClientError, Frames, MeshOptions, RemoteMeshes, RemoteSpheres, RemoteViewer, SpheresOptions};
use meshcast_scene::replay::load_recording;
use meshcast_testkit::RelayProcess;

/// The same calls for both kinds of viewer; returns what the flush after a bad call said.
fn send_scene(v: &RemoteViewer) -> ClientError {
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let frames: Vec<Vec<[f32; 3]>> = (0..4)
        .map(|i| tri.iter().map(|p| [p[0], p[1], i as f32]).collect())
        .collect();
    let m = RemoteMeshes::new(v, &frames, [[0u32, 1, 2]], MeshOptions::default().name("tri")).unwrap();
    m.add_frames(&frames[..2]).unwrap();
    m.remove_frames(Frames::range(0, 6, 3)).unwrap();
    let s = RemoteSpheres::new(v, [[0.5f32, 0.5, 0.5]], SpheresOptions::default().radius(0.2)).unwrap();
    s.update_frames([[1.0f32, 1.0, 1.0]], 0).unwrap();
    v.set_frame(2).unwrap();
    v.flush().unwrap();
    // Frame 40 does not exist: the relay (and the file writer, as the relay) rejects it.
    s.update_frames([[2.0f32, 2.0, 2.0]], 40).unwrap();
    v.flush().unwrap_err()
}

#[test]
fn a_recording_holds_what_the_relay_would_hold() {
    let relay = RelayProcess::start(&[]);
    let live = RemoteViewer::connect_with(options(&relay)).unwrap();
    let live_err = send_scene(&live);
    live.close().ok();
    let live_scene = snapshot(&relay);

    let dir = std::env::temp_dir().join(format!("meshcast-client-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("run.mcrec");
    let rec = RemoteViewer::record(&file).unwrap();
    assert!(rec.url().starts_with("file://"), "{}", rec.url());
    let rec_err = send_scene(&rec);
    rec.close().unwrap();

    // The same rejection, word for word (node uids count per process: the second viewer's
    // nodes are 3 and 4).
    let (a, b) = (live_err.rejections(), rec_err.rejections());
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].message.replace("node 2 ", "node 4 "), b[0].message);
    assert_eq!((a[0].msg_type, a[0].uid.map(|u| u + 2)), (b[0].msg_type, b[0].uid));

    let loaded = load_recording(std::fs::File::open(&file).unwrap()).unwrap();
    assert!(loaded.tail_error.is_none() && loaded.rejected.is_empty());
    // The same messages rebuild both scenes, up to the uids.
    let without_uids = |s: &meshcast_scene::Scene| -> Vec<(u64, meshcast_protocol::Envelope)> {
        s.snapshot()
            .unwrap()
            .into_iter()
            .map(|(client, cmd)| {
                let mut env = cmd.to_envelope();
                env.uid = None;
                (client, env)
            })
            .collect()
    };
    let recorded = without_uids(&loaded.scene);
    assert!(recorded.len() >= 2, "{recorded:?}");
    assert_eq!(recorded, without_uids(&live_scene.scene));
    assert_eq!(loaded.scene.current_frame() as u64, live_scene.current_frame);

    // Never overwritten.
    match RemoteViewer::record(&file) {
        Err(ClientError::Recording(m)) => assert!(m.contains("exists"), "{m}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("an existing recording was opened for writing"),
    }
    let _ = std::fs::remove_dir_all(dir);
}
