//! Transport and encoding tests against a mock relay (tests/common/mock.rs): what goes on the
//! wire for every call, how acknowledgements and rejections reach `flush`, and what happens
//! when the connection drops.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::mock::{MockRelay, ECHO_TYPE, HANG_UP_TYPE, REJECTED_TYPE};
use glam::{Mat3, Vec3};
use meshcast_client::*;
use meshcast_protocol::{DType, Envelope, NdArray, RangeValue};

/// A background runtime for the mock, and a blocking viewer connected to it.
fn blocking_mock() -> (tokio::runtime::Runtime, MockRelay, RemoteViewer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(MockRelay::start());
    let v = RemoteViewer::connect_with(mock.options()).unwrap();
    (rt, mock, v)
}

fn kw_shape(env: &Envelope, key: &str) -> Vec<usize> {
    kw_array(env, key).shape().to_vec()
}

/// The array argument `key` of `env`.
fn kw_array(env: &Envelope, key: &str) -> NdArray {
    match env.kwargs.get(key) {
        Some(Value::Array(a)) => a.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[test]
fn every_call_is_aitviewers_envelope() {
    let (_rt, mock, v) = blocking_mock();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let m = RemoteMeshes::new(
        &v,
        tri,
        [[0u32, 1, 2]],
        MeshOptions::default().name("tri").flat_shading(true),
    )
    .unwrap();
    m.add_frames(vec![tri.to_vec(); 2]).unwrap();
    m.update_frames(tri, 1..3).unwrap();
    m.remove_frames([0, 2]).unwrap();
    m.delete().unwrap();
    let s = RemoteSpheres::new(&v, vec![Vec3::ZERO; 5], SpheresOptions::default().radius(0.5)).unwrap();
    let rb = RemoteRigidBodies::new(&v, vec![Vec3::X], vec![Mat3::IDENTITY], RigidBodiesOptions::default()).unwrap();
    v.set_frame(4).unwrap();
    v.next_frame().unwrap();
    v.previous_frame().unwrap();
    let mut kw = Kwargs::new();
    kw.insert("index".into(), Value::Int(3));
    v.send_message(10001, Some(s.uid()), vec![Value::from("a")], kw)
        .unwrap();
    v.flush().unwrap();

    let envs = mock.envelopes();
    let types: Vec<i64> = envs.iter().map(|e| e.msg_type).collect();
    assert_eq!(types, vec![2, 101, 102, 103, 100, 3, 6, 200, 201, 202, 10001, 900]);
    let create = &envs[0];
    assert_eq!(create.uid, Some(m.uid()));
    assert!(create.args.is_empty());
    // Sent as validated: per-frame data in batch form.
    assert_eq!(kw_shape(create, "vertices"), vec![1, 3, 3]);
    assert_eq!(kw_shape(create, "faces"), vec![1, 3]);
    assert_eq!(create.kwargs.get("name"), Some(&Value::from("tri")));
    assert_eq!(create.kwargs.get("flat_shading"), Some(&Value::Bool(true)));
    assert_eq!(create.kwargs.get("draw_edges"), Some(&Value::Bool(false)));
    assert_eq!(create.kwargs.get("cast_shadow"), Some(&Value::Bool(true)));
    // Frame operations carry keyword data only, as aitviewer's typed nodes do.
    assert_eq!(envs[1].kwargs.keys().collect::<Vec<_>>(), vec!["vertices"]);
    assert_eq!(kw_shape(&envs[1], "vertices"), vec![2, 3, 3]);
    assert_eq!(
        envs[2].kwargs.get("frames"),
        Some(&Value::Range(RangeValue {
            start: 1,
            stop: 3,
            step: 1
        }))
    );
    assert_eq!(
        envs[3].kwargs.get("frames"),
        Some(&Value::List(vec![Value::Int(0), Value::Int(2)]))
    );
    assert_eq!((envs[4].uid, envs[4].kwargs.len()), (Some(m.uid()), 0));
    assert_eq!(envs[5].kwargs.get("radius"), Some(&Value::Float(0.5)));
    // One frame of one body's orientation, in batch form.
    assert_eq!(kw_shape(&envs[6], "rb_ori"), vec![1, 1, 3, 3]);
    assert_eq!((envs[7].uid, envs[7].args.clone()), (None, vec![Value::Int(4)]));
    assert_eq!(envs[10].uid, Some(s.uid()));
    assert_eq!(envs[10].args, vec![Value::from("a")]);
    assert_eq!(envs[10].kwargs.get("index"), Some(&Value::Int(3)));
    assert_eq!((envs[11].uid, envs[11].args.len()), (None, 0));
    assert!(rb.uid() > s.uid() && s.uid() > m.uid());
}

#[test]
fn the_validated_f32_data_goes_on_the_wire_not_the_f64_given() {
    let (_rt, mock, v) = blocking_mock();
    let tri = [[0.0f64, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.25]];
    let m = RemoteMeshes::new(
        &v,
        tri,
        [[0i64, 1, 2]],
        MeshOptions::default().color([1.0, 0.5, 0.0, 1.0]),
    )
    .unwrap();
    m.add_frames(tri).unwrap();
    m.update_frames(vec![tri; 2], [0, 1]).unwrap();
    let s = RemoteSpheres::new(&v, vec![[0.5f64, 0.5, 0.5]; 4], SpheresOptions::default()).unwrap();
    s.add_frames(vec![vec![[1.0f64, 1.0, 1.0]; 4]; 3]).unwrap();
    v.flush().unwrap();
    let envs = mock.envelopes();
    let flat: Vec<f32> = tri.iter().flatten().map(|&x| x as f32).collect();
    for (env, key, shape) in [
        (&envs[0], "vertices", vec![1, 3, 3]),
        (&envs[1], "vertices", vec![1, 3, 3]),
        (&envs[2], "vertices", vec![2, 3, 3]),
        (&envs[3], "positions", vec![1, 4, 3]),
        (&envs[4], "positions", vec![3, 4, 3]),
    ] {
        let a = kw_array(env, key);
        assert_eq!(
            (a.dtype(), a.shape()),
            (DType::F32, &shape[..]),
            "type {}",
            env.msg_type
        );
        // Four bytes an element on the wire, not eight.
        assert_eq!(a.nbytes(), 4 * a.len());
    }
    assert_eq!(kw_array(&envs[0], "vertices").to_f32_vec(), flat);
    assert_eq!(
        kw_array(&envs[2], "vertices").to_f32_vec(),
        [flat.clone(), flat].concat()
    );
    assert_eq!(kw_array(&envs[0], "faces").dtype(), DType::I32);
    assert_eq!(kw_array(&envs[0], "color").to_f32_vec(), vec![1.0, 0.5, 0.0, 1.0]);
    assert_eq!(
        envs[2].kwargs.get("frames"),
        Some(&Value::List(vec![Value::Int(0), Value::Int(1)]))
    );
}

#[test]
fn rejections_go_to_the_next_flush_only() {
    let (_rt, mock, v) = blocking_mock();
    v.send_message(REJECTED_TYPE, Some(42), vec![], Kwargs::new()).unwrap();
    v.set_frame(1).unwrap();
    v.send_message(REJECTED_TYPE, None, vec![], Kwargs::new()).unwrap();
    let err = v.flush().unwrap_err();
    let seqs: Vec<u64> = err.rejections().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 3], "{err}");
    assert_eq!(err.rejections()[0].uid, Some(42));
    assert!(err.to_string().contains("rejected by the mock"), "{err}");
    // Drained: the next flush has nothing to report.
    v.set_frame(2).unwrap();
    v.flush().unwrap();
    assert_eq!(mock.envelopes().len(), 6);
}

#[test]
fn shape_errors_are_returned_before_anything_is_sent() {
    let (_rt, mock, v) = blocking_mock();
    let e = RemoteMeshes::new(&v, [[0.0f32, 0.0]; 3], [[0u32, 1, 2]], MeshOptions::default()).unwrap_err();
    match &e {
        ClientError::Shape {
            argument,
            got,
            expected,
        } => {
            assert_eq!(argument, "vertices");
            assert_eq!(got, &vec![3, 2]);
            assert_eq!(expected, "(N,V,3) or (V,3)");
        }
        other => panic!("{other}"),
    }
    let e = RemoteMeshes::new(&v, [[0.0f32; 3]; 3], [[0u32, 1, 3]], MeshOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("index 3 at row 0 is out of range for 3 vertices"),
        "{e}"
    );
    let e = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default().position([0.0f32; 2])).unwrap_err();
    assert!(
        matches!(&e, ClientError::Shape { argument, .. } if argument == "position"),
        "{e}"
    );

    let s = RemoteSpheres::new(&v, [[0.0f32; 3]; 8], SpheresOptions::default()).unwrap();
    let e = s.add_frames([[0.0f32; 3]; 7]).unwrap_err();
    match &e {
        ClientError::Shape {
            argument,
            got,
            expected,
        } => {
            assert_eq!((argument.as_str(), got.as_slice()), ("positions", &[7usize, 3][..]));
            assert_eq!(expected, "(K,8,3) or (8,3)");
        }
        other => panic!("{other}"),
    }
    let e = s.update_frames(Shaped::new(&[0.0f32; 10], [8, 3]), 0).unwrap_err();
    assert!(
        matches!(&e, ClientError::Shape { argument, got, .. } if argument == "positions" && got == &[10]),
        "{e}"
    );
    v.flush().unwrap();
    let types: Vec<i64> = mock.envelopes().iter().map(|e| e.msg_type).collect();
    assert_eq!(types, vec![3, 900], "only the valid creation and the flush were sent");
}

#[test]
fn a_dropped_connection_fails_the_next_call() {
    let (_rt, _mock, v) = blocking_mock();
    let s = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    v.send_message(HANG_UP_TYPE, None, vec![], Kwargs::new()).unwrap();
    let e = v.flush().unwrap_err();
    assert!(matches!(e, ClientError::Disconnected { .. }), "{e}");
    assert!(!v.is_connected());
    let e = s.add_frames([[1.0f32; 3]]).unwrap_err();
    assert!(matches!(e, ClientError::Disconnected { .. }), "{e}");
    assert!(e.to_string().contains("may not have arrived"), "{e}");
    assert!(
        v.get_message(true).is_none(),
        "get_message(block) ends when the link is down"
    );
}

#[test]
fn closed_connections_refuse_calls() {
    let (_rt, mock, v) = blocking_mock();
    v.set_frame(3).unwrap();
    v.close().unwrap();
    // close() flushed: the mock got the message and the FLUSH.
    assert_eq!(
        mock.envelopes().iter().map(|e| e.msg_type).collect::<Vec<_>>(),
        vec![200, 900]
    );
    let e = v.set_frame(4).unwrap_err();
    assert!(matches!(e, ClientError::Closed { .. }), "{e}");
    v.close().unwrap();
}

#[test]
fn dropping_the_viewer_delivers_what_was_sent() {
    let (_rt, mock, v) = blocking_mock();
    for i in 0..100 {
        v.set_frame(i).unwrap();
    }
    drop(v);
    let envs = mock.envelopes();
    assert_eq!(envs.len(), 101, "100 messages and the closing flush");
    assert_eq!(envs[99].args, vec![Value::Int(99)]);
}

#[test]
fn messages_from_viewers_are_queued_for_get_message() {
    let (_rt, _mock, v) = blocking_mock();
    assert!(v.get_message(false).is_none());
    v.send_message(ECHO_TYPE, None, vec![Value::Int(1)], Kwargs::new())
        .unwrap();
    let m = v.get_message(true).unwrap();
    assert_eq!((m.viewer, m.payload), (7, Value::List(vec![Value::Int(1)])));
    v.send_message(ECHO_TYPE, None, vec![Value::Int(2)], Kwargs::new())
        .unwrap();
    v.send_message(ECHO_TYPE, None, vec![Value::Int(3)], Kwargs::new())
        .unwrap();
    v.flush().unwrap();
    let mut seen = Vec::new();
    let connected = v.process_messages(|_, m| seen.push(m.payload), false);
    assert!(connected);
    assert_eq!(
        seen,
        vec![Value::List(vec![Value::Int(2)]), Value::List(vec![Value::Int(3)])]
    );
}

#[test]
fn uids_come_from_one_process_wide_counter() {
    let (_rt, _mock, v) = blocking_mock();
    let (_rt2, _mock2, w) = blocking_mock();
    let a = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    let b = RemoteSpheres::new(&w, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    let c = RemoteSpheres::new(&v, [[0.0f32; 3]], SpheresOptions::default()).unwrap();
    assert!(a.uid() >= 1);
    assert!(b.uid() > a.uid() && c.uid() > b.uid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_flavor_sends_the_same_messages() {
    let mock = MockRelay::start().await;
    let v = AsyncRemoteViewer::connect_with(mock.options()).await.unwrap();
    let l = RemoteLines::new(
        &v,
        [[0.0f32; 3], [1.0, 0.0, 0.0]],
        LinesOptions::default().mode(LineMode::Lines),
    )
    .await
    .unwrap();
    l.add_frames([[0.0f32; 3], [0.0, 1.0, 0.0]]).await.unwrap();
    let e = l.add_frames([[0.0f32; 3]; 3]).await.unwrap_err();
    assert!(matches!(e, ClientError::Shape { .. }), "{e}");
    v.send_message(REJECTED_TYPE, None, vec![], Kwargs::new())
        .await
        .unwrap();
    let e = v.flush().await.unwrap_err();
    assert_eq!(e.rejections().iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3]);
    v.send_message(ECHO_TYPE, None, vec![Value::from("hi")], Kwargs::new())
        .await
        .unwrap();
    let m = tokio::time::timeout(Duration::from_secs(10), v.get_message(true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.payload, Value::List(vec![Value::from("hi")]));
    v.close().await.unwrap();
    let types: Vec<i64> = mock.envelopes().iter().map(|e| e.msg_type).collect();
    assert_eq!(types, vec![4, 101, REJECTED_TYPE, 900, ECHO_TYPE, 900]);
    assert_eq!(mock.envelopes()[0].kwargs.get("mode"), Some(&Value::from("lines")));
}

#[test]
fn connection_refused_names_the_address_and_the_relay_command() {
    let port = meshcast_testkit::free_port();
    let started = std::time::Instant::now();
    let e = RemoteViewer::connect_with(
        ConnectOptions::new("127.0.0.1")
            .port(port)
            .timeout(Duration::from_millis(400)),
    )
    .err()
    .unwrap();
    let waited = started.elapsed();
    let text = e.to_string();
    assert!(matches!(e, ClientError::Connect { .. }), "{text}");
    assert!(text.contains(&format!("ws://127.0.0.1:{port}/")), "{text}");
    assert!(text.contains("meshcast-relay"), "{text}");
    assert!(
        waited >= Duration::from_millis(400),
        "retried until the timeout, waited {waited:?}"
    );
}
