//! The scene model's rules, one test each, including the error cases.

#![allow(clippy::unwrap_used)]

use meshcast_protocol::{Command, Envelope, NdArray, RangeValue, Value};
use meshcast_scene::{Change, NodeKey, Scene, SceneError};

fn arr(shape: &[usize], start: f32) -> NdArray {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| start + i as f32).collect();
    NdArray::from_f32(shape, &v).unwrap()
}

fn spheres(uid: u64, frames: usize, p: usize) -> Envelope {
    Envelope::new(3, Some(uid)).with_kwarg("positions", arr(&[frames, p, 3], 0.0))
}

fn mesh(uid: u64, frames: usize) -> Envelope {
    Envelope::new(2, Some(uid))
        .with_kwarg("vertices", arr(&[frames, 3, 3], 0.0))
        .with_kwarg("faces", NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap())
}

fn apply(s: &mut Scene, client: u64, env: Envelope) -> Result<Change, SceneError> {
    s.apply_envelope(client, env).map(|a| a.change)
}

fn first_coord(s: &Scene, key: NodeKey, field: &str, frame: usize) -> f32 {
    s.node(&key)
        .unwrap()
        .series(field)
        .unwrap()
        .frame_array(frame)
        .unwrap()
        .to_f32_vec()[0]
}

const K1: NodeKey = NodeKey { client: 1, uid: 1 };

#[test]
fn create_single_frame_and_batch() {
    let mut s = Scene::new();
    apply(
        &mut s,
        1,
        Envelope::new(3, Some(1)).with_kwarg("positions", arr(&[4, 3], 0.0)),
    )
    .unwrap();
    assert_eq!(s.node(&K1).unwrap().n_frames(), 1);
    apply(&mut s, 1, spheres(2, 7, 4)).unwrap();
    assert_eq!(s.node(&NodeKey { client: 1, uid: 2 }).unwrap().n_frames(), 7);
    assert_eq!(s.n_frames(), 7);
}

#[test]
fn two_clients_may_use_the_same_uid() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 1, 2)).unwrap();
    apply(&mut s, 2, spheres(1, 3, 2)).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s.node(&NodeKey { client: 2, uid: 1 }).unwrap().n_frames(), 3);
}

#[test]
fn recreating_a_key_replaces_the_node() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 1, 2)).unwrap();
    assert_eq!(apply(&mut s, 1, spheres(1, 5, 2)).unwrap(), Change::Replaced(K1));
    assert_eq!(s.len(), 1);
    assert_eq!(s.node(&K1).unwrap().n_frames(), 5);
}

#[test]
fn add_frames_single_and_batch_append_at_the_end() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 2, 2)).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("positions", arr(&[2, 3], 100.0)),
    )
    .unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("positions", arr(&[3, 2, 3], 200.0)),
    )
    .unwrap();
    assert_eq!(s.node(&K1).unwrap().n_frames(), 6);
    assert_eq!(first_coord(&s, K1, "positions", 2), 100.0);
    assert_eq!(first_coord(&s, K1, "positions", 3), 200.0);
}

#[test]
fn add_frames_with_wrong_frame_shape_is_rejected_and_changes_nothing() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 2, 2)).unwrap();
    let e = apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("positions", arr(&[5, 3], 0.0)),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("[5, 3]") && e.to_string().contains("[2, 3]"),
        "{e}"
    );
    assert_eq!(s.node(&K1).unwrap().n_frames(), 2);
}

#[test]
fn update_frames_by_int_list_range_and_negative() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 5, 1)).unwrap();
    let upd = |frames: Value, data: NdArray| {
        Envelope::new(102, Some(1))
            .with_kwarg("positions", data)
            .with_kwarg("frames", frames)
    };
    apply(&mut s, 1, upd(Value::Int(0), arr(&[1, 3], 50.0))).unwrap();
    assert_eq!(first_coord(&s, K1, "positions", 0), 50.0);
    apply(
        &mut s,
        1,
        upd(Value::List(vec![Value::Int(1), Value::Int(-1)]), arr(&[2, 1, 3], 60.0)),
    )
    .unwrap();
    assert_eq!(first_coord(&s, K1, "positions", 1), 60.0);
    assert_eq!(first_coord(&s, K1, "positions", 4), 63.0);
    apply(
        &mut s,
        1,
        upd(
            Value::Range(RangeValue {
                start: 2,
                stop: 4,
                step: 1,
            }),
            arr(&[1, 3], 70.0),
        ),
    )
    .unwrap();
    assert_eq!(first_coord(&s, K1, "positions", 2), 70.0);
    assert_eq!(
        first_coord(&s, K1, "positions", 3),
        70.0,
        "one frame broadcasts to every index"
    );
    assert_eq!(
        s.node(&K1).unwrap().n_frames(),
        5,
        "update never changes the frame count"
    );
}

#[test]
fn update_frames_count_mismatch_and_out_of_range_are_errors() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 3, 1)).unwrap();
    let e = apply(
        &mut s,
        1,
        Envelope::new(102, Some(1))
            .with_kwarg("positions", arr(&[3, 1, 3], 0.0))
            .with_kwarg("frames", Value::List(vec![Value::Int(0), Value::Int(1)])),
    )
    .unwrap_err();
    assert!(e.to_string().contains("3 frames for 2 frame indices"), "{e}");
    let e = apply(
        &mut s,
        1,
        Envelope::new(102, Some(1))
            .with_kwarg("positions", arr(&[1, 3], 0.0))
            .with_kwarg("frames", Value::Int(3)),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("frame index 3 is out of range for a node with 3 frames"),
        "{e}"
    );
}

#[test]
fn only_appended_since_tracks_runs_of_appends() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1)).unwrap();
    let add = |s: &mut Scene| {
        apply(
            s,
            1,
            Envelope::new(101, Some(1)).with_kwarg("vertices", arr(&[3, 3], 9.0)),
        )
        .unwrap();
    };
    let v1 = s.node(&K1).unwrap().version();
    add(&mut s);
    add(&mut s);
    let n = s.node(&K1).unwrap();
    assert!(n.only_appended_since(v1) && n.only_appended_since(v1 + 1) && n.only_appended_since(n.version()));
    assert!(!n.only_appended_since(n.version() + 1), "a version it never had");
    // An overwrite ends the run: nothing before it counts, a new run starts after it.
    apply(
        &mut s,
        1,
        Envelope::new(102, Some(1))
            .with_kwarg("frames", Value::Int(0))
            .with_kwarg("vertices", arr(&[3, 3], 5.0)),
    )
    .unwrap();
    let v_upd = s.node(&K1).unwrap().version();
    assert!(!s.node(&K1).unwrap().only_appended_since(v1));
    assert!(s.node(&K1).unwrap().only_appended_since(v_upd));
    add(&mut s);
    let n = s.node(&K1).unwrap();
    assert!(n.only_appended_since(v_upd) && !n.only_appended_since(v_upd - 1));
    // Removing frames ends it too.
    apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg("frames", Value::Int(0)),
    )
    .unwrap();
    assert!(!s.node(&K1).unwrap().only_appended_since(v_upd));
    // A mesh with given normals loses them on append (every frame's normals change).
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1).with_kwarg("vertex_normals", arr(&[1, 3, 3], 0.0))).unwrap();
    let v = s.node(&K1).unwrap().version();
    add(&mut s);
    assert!(s.node(&K1).unwrap().series("vertex_normals").is_none());
    assert!(!s.node(&K1).unwrap().only_appended_since(v));
}

#[test]
fn remove_frames_shifts_later_frames_down() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 5, 1)).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(103, Some(1))
            .with_kwarg("frames", Value::List(vec![Value::Int(1), Value::Int(1), Value::Int(3)])),
    )
    .unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(n.n_frames(), 3);
    assert_eq!(first_coord(&s, K1, "positions", 1), 6.0, "old frame 2 moved to 1");
    assert_eq!(first_coord(&s, K1, "positions", 2), 12.0, "old frame 4 moved to 2");
}

#[test]
fn removing_every_frame_or_out_of_range_is_an_error() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 2, 1)).unwrap();
    let e = apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg(
            "frames",
            Value::Range(RangeValue {
                start: 0,
                stop: 2,
                step: 1,
            }),
        ),
    )
    .unwrap_err();
    assert!(e.to_string().contains("delete the node instead"), "{e}");
    let e = apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg("frames", Value::Int(9)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
    assert_eq!(s.node(&K1).unwrap().n_frames(), 2);
}

#[test]
fn delete_removes_the_node_and_later_messages_name_an_unknown_uid() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 2, 1)).unwrap();
    assert_eq!(
        apply(&mut s, 1, Envelope::new(100, Some(1))).unwrap(),
        Change::Deleted(K1)
    );
    assert!(s.is_empty());
    assert_eq!(s.nbytes(), 0, "a deleted node costs nothing");
    let e = apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("positions", arr(&[1, 3], 0.0)),
    )
    .unwrap_err();
    assert!(matches!(e, SceneError::UnknownNode { uid: 1, .. }), "{e}");
    assert!(apply(&mut s, 1, Envelope::new(100, Some(1))).is_err());
}

#[test]
fn another_clients_uid_is_unknown() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 2, 1)).unwrap();
    assert!(matches!(
        apply(&mut s, 2, Envelope::new(100, Some(1))),
        Err(SceneError::UnknownNode { client: 2, .. })
    ));
}

#[test]
fn current_frame_set_clamps_next_and_previous_wrap() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 4, 1)).unwrap();
    assert_eq!(
        apply(&mut s, 1, Envelope::new(200, None).with_arg(Value::Int(10))).unwrap(),
        Change::CurrentFrame(3)
    );
    assert_eq!(
        apply(&mut s, 1, Envelope::new(201, None)).unwrap(),
        Change::CurrentFrame(0)
    );
    assert_eq!(
        apply(&mut s, 1, Envelope::new(202, None)).unwrap(),
        Change::CurrentFrame(3)
    );
    assert_eq!(
        apply(&mut s, 1, Envelope::new(200, None).with_arg(Value::Int(-3))).unwrap(),
        Change::CurrentFrame(0)
    );
}

#[test]
fn shorter_nodes_hold_their_last_frame() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 10, 1)).unwrap();
    apply(&mut s, 1, spheres(2, 3, 1)).unwrap();
    let short = s.node(&NodeKey { client: 1, uid: 2 }).unwrap();
    assert_eq!(short.data_frame(7), Some(2));
    assert_eq!(short.data_frame(1), Some(1));
}

#[test]
fn enabled_frames_hide_and_map_frames() {
    let mut s = Scene::new();
    let mask = Value::List(vec![
        Value::Bool(false),
        Value::Bool(true),
        Value::Bool(false),
        Value::Bool(true),
    ]);
    apply(&mut s, 1, spheres(1, 2, 1).with_kwarg("enabled_frames", mask)).unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(s.n_frames(), 4);
    assert_eq!(n.data_frame(0), None);
    assert_eq!(n.data_frame(1), Some(0));
    assert_eq!(n.data_frame(2), None);
    assert_eq!(n.data_frame(3), Some(1));
}

#[test]
fn mesh_frame_ops_drop_given_normals() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 2).with_kwarg("vertex_normals", arr(&[2, 3, 3], 0.0))).unwrap();
    assert!(s.node(&K1).unwrap().series("vertex_normals").is_some());
    apply(
        &mut s,
        1,
        Envelope::new(102, Some(1))
            .with_kwarg("vertices", arr(&[3, 3], 5.0))
            .with_kwarg("frames", Value::Int(0)),
    )
    .unwrap();
    assert!(
        s.node(&K1).unwrap().series("vertex_normals").is_none(),
        "stale normals are recomputed by the viewer"
    );
}

#[test]
fn mesh_colours_are_untouched_by_frame_ops() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1).with_kwarg("vertex_colors", arr(&[3, 4], 0.0))).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("vertices", arr(&[3, 3, 3], 0.0)),
    )
    .unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(n.n_frames(), 4);
    assert_eq!(
        n.series("vertex_colors").unwrap().len(),
        1,
        "one colour frame serves every frame"
    );
}

#[test]
fn arrows_add_origins_and_tips_together() {
    let mut s = Scene::new();
    apply(
        &mut s,
        1,
        Envelope::new(5, Some(1))
            .with_kwarg("origins", arr(&[1, 2, 3], 0.0))
            .with_kwarg("tips", arr(&[1, 2, 3], 1.0)),
    )
    .unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1))
            .with_arg(arr(&[2, 3], 0.0))
            .with_arg(arr(&[2, 3], 0.0)),
    )
    .unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(
        (n.series("origins").unwrap().len(), n.series("tips").unwrap().len()),
        (2, 2)
    );
}

fn smpl(frames: usize) -> Envelope {
    Envelope::new(10, Some(1))
        .with_kwarg("poses_body", arr(&[frames, 69], 0.0))
        .with_kwarg("betas", NdArray::from_f32(&[10], &[0.5; 10]).unwrap())
}

#[test]
fn smpl_add_frames_keeps_shared_betas_and_fills_root_and_trans() {
    let mut s = Scene::new();
    apply(&mut s, 1, smpl(2).with_kwarg("trans", arr(&[2, 3], 1.0))).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1)).with_kwarg("poses_body", arr(&[3, 69], 0.0)),
    )
    .unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(n.n_frames(), 5);
    assert_eq!(n.series("betas").unwrap().len(), 1, "shared betas stay shared");
    assert_eq!(n.series("trans").unwrap().len(), 5);
    assert_eq!(
        n.series("trans").unwrap().frame_array(4).unwrap().to_f32_vec(),
        vec![0.0; 3]
    );
}

#[test]
fn smpl_per_frame_betas_follow_frame_ops() {
    let mut s = Scene::new();
    apply(&mut s, 1, smpl(2)).unwrap();
    // New betas for the added frames make them per-frame; the old frames keep the shared row.
    apply(
        &mut s,
        1,
        Envelope::new(101, Some(1))
            .with_kwarg("poses_body", arr(&[1, 69], 0.0))
            .with_kwarg("betas", NdArray::from_f32(&[10], &[2.0; 10]).unwrap()),
    )
    .unwrap();
    let b = &s.node(&K1).unwrap().series("betas").unwrap();
    assert_eq!(b.len(), 3);
    assert_eq!(b.frame_array(0).unwrap().to_f32_vec()[0], 0.5);
    assert_eq!(b.frame_array(2).unwrap().to_f32_vec()[0], 2.0);
    apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg("frames", Value::Int(0)),
    )
    .unwrap();
    assert_eq!(s.node(&K1).unwrap().series("betas").unwrap().len(), 2);
}

#[test]
fn smpl_remove_with_shared_betas_works() {
    let mut s = Scene::new();
    apply(&mut s, 1, smpl(3)).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg("frames", Value::List(vec![Value::Int(0), Value::Int(1)])),
    )
    .unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(n.n_frames(), 1);
    assert_eq!(n.series("betas").unwrap().len(), 1);
}

#[test]
fn plain_node_frame_ops_are_no_ops() {
    let mut s = Scene::new();
    apply(&mut s, 1, Envelope::new(1, Some(1)).with_kwarg("name", "group")).unwrap();
    apply(&mut s, 1, Envelope::new(101, Some(1))).unwrap();
    assert_eq!(s.node(&K1).unwrap().name(), "group");
}

#[test]
fn invalid_messages_change_nothing() {
    let mut s = Scene::new();
    let e = apply(
        &mut s,
        1,
        Envelope::new(2, Some(1)).with_kwarg("vertices", arr(&[3, 3], 0.0)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("'faces'"), "{e}");
    assert!(s.is_empty());
}

#[test]
fn forwarded_commands_rebuild_the_same_scene() {
    let mut relay = Scene::new();
    let mut viewer = Scene::new();
    let msgs = vec![
        spheres(1, 3, 2),
        mesh(2, 2),
        Envelope::new(101, Some(1)).with_kwarg("positions", arr(&[2, 3], 9.0)),
        Envelope::new(102, Some(2))
            .with_arg(arr(&[3, 3], 4.0))
            .with_arg(Value::Int(-1)),
        Envelope::new(103, Some(1)).with_kwarg(
            "frames",
            Value::Range(RangeValue {
                start: 0,
                stop: 2,
                step: 1,
            }),
        ),
        Envelope::new(200, None).with_arg(Value::Int(1)),
    ];
    for m in msgs {
        let applied = relay.apply_envelope(7, m).unwrap();
        viewer.apply(7, applied.forward.unwrap()).unwrap();
    }
    assert_eq!(relay.nodes().len(), viewer.nodes().len());
    for (a, b) in relay.nodes().iter().zip(viewer.nodes()) {
        assert_eq!(a.all_series(), b.all_series());
        assert_eq!(a.all_statics(), b.all_statics());
    }
    assert_eq!(relay.current_frame(), viewer.current_frame());
}

#[test]
fn snapshot_rebuilds_the_scene() {
    let mut s = Scene::new();
    apply(&mut s, 1, spheres(1, 3, 2)).unwrap();
    apply(&mut s, 2, mesh(1, 2)).unwrap();
    apply(
        &mut s,
        1,
        Envelope::new(103, Some(1)).with_kwarg("frames", Value::Int(0)),
    )
    .unwrap();
    apply(&mut s, 1, Envelope::new(200, None).with_arg(Value::Int(1))).unwrap();
    let mut copy = Scene::new();
    for (client, cmd) in s.snapshot().unwrap() {
        // Snapshot commands survive the wire.
        let env = meshcast_protocol::decode_envelope(&meshcast_protocol::encode_envelope(&cmd.to_envelope())).unwrap();
        copy.apply(client, Command::from_envelope(env).unwrap()).unwrap();
    }
    assert_eq!(copy.len(), 2);
    for (a, b) in s.nodes().iter().zip(copy.nodes()) {
        assert_eq!(
            (a.key(), &a.all_series(), &a.all_statics(), &a.options()),
            (b.key(), &b.all_series(), &b.all_statics(), &b.options())
        );
    }
    assert_eq!(copy.current_frame(), 1);
}

#[test]
fn mesh_instance_frames_extend_the_timeline() {
    let mut s = Scene::new();
    let inst = NdArray::from_f32(&[5, 2, 4, 4], &[0.0; 160]).unwrap();
    let bad = mesh(1, 2).with_kwarg("instance_transforms", inst.clone());
    assert!(apply(&mut s, 1, bad)
        .unwrap_err()
        .to_string()
        .contains("expected 1 or 2"));
    apply(&mut s, 1, mesh(1, 1).with_kwarg("instance_transforms", inst)).unwrap();
    let n = s.node(&K1).unwrap();
    assert_eq!(n.n_frames(), 1);
    assert_eq!(n.timeline_len(), 5);
    assert_eq!(s.n_frames(), 5);
    assert_eq!(
        n.data_frame(4),
        Some(4),
        "the instance frame; the vertices' single frame serves all"
    );
}

/// Found by fuzzing (fuzz/ scene_apply): ADD_FRAMES and UPDATE_FRAMES may not bring an SMPL part
/// the body's model type does not have (an `expression` on `smpl`), or a late joiner's snapshot
/// of the node would not validate.
#[test]
fn smpl_frames_keep_to_the_model_type() {
    let mut s = Scene::new();
    let body = |n: usize| NdArray::from_f32(&[n, 69], &vec![0.0; n * 69]).unwrap();
    apply(&mut s, 1, Envelope::new(10, Some(1)).with_kwarg("poses_body", body(2))).unwrap();
    let expression = NdArray::from_f32(&[1, 10], &[0.0; 10]).unwrap();
    let add = Envelope::new(101, Some(1))
        .with_kwarg("poses_body", body(1))
        .with_kwarg("expression", expression.clone());
    let e = apply(&mut s, 1, add).unwrap_err();
    assert!(
        e.to_string()
            .contains("'expression' is not part of model_type \"smpl\""),
        "{e}"
    );
    let update = Envelope::new(102, Some(1))
        .with_kwarg("frames", Value::Int(0))
        .with_kwarg("poses_body", body(1))
        .with_kwarg("expression", expression);
    assert!(apply(&mut s, 1, update).is_err());
    let node = s.node(&NodeKey { client: 1, uid: 1 }).unwrap();
    assert!(node.series("expression").is_none());
    // The snapshot still validates.
    for (_, cmd) in s.snapshot().unwrap() {
        Command::from_envelope(cmd.to_envelope()).unwrap();
    }
}

fn child_of(env: Envelope, parent: i64) -> Envelope {
    env.with_kwarg("parent", Value::Int(parent))
}

#[test]
fn a_child_names_its_parent_and_the_parent_must_exist() {
    let mut s = Scene::new();
    let err = apply(&mut s, 1, child_of(spheres(2, 1, 1), 1)).unwrap_err();
    assert!(
        matches!(err, SceneError::UnknownParent { uid: 2, parent: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("parent 1"), "{err}");
    assert!(s.is_empty());
    apply(&mut s, 1, mesh(1, 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(2, 1, 1), 1)).unwrap();
    let child = NodeKey { client: 1, uid: 2 };
    assert_eq!(s.node(&child).unwrap().parent(), Some(K1));
    assert_eq!(s.ancestors(&child).iter().map(|n| n.key()).collect::<Vec<_>>(), [K1]);
    assert_eq!(s.children(&K1).len(), 1);
    // Another client's uid 1 is not this client's parent.
    let err = apply(&mut s, 2, child_of(spheres(5, 1, 1), 1)).unwrap_err();
    assert!(matches!(err, SceneError::UnknownParent { .. }), "{err}");
}

#[test]
fn a_node_cannot_become_its_own_ancestor() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(2, 1, 1), 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(3, 1, 1), 2)).unwrap();
    for (uid, parent) in [(1, 3), (1, 1), (2, 3)] {
        let err = apply(&mut s, 1, child_of(spheres(uid, 1, 1), parent)).unwrap_err();
        assert!(
            matches!(err, SceneError::ParentCycle { .. }),
            "{uid} under {parent}: {err}"
        );
    }
    assert_eq!(
        s.node(&K1).unwrap().kind(),
        meshcast_protocol::NodeKind::Meshes,
        "nothing replaced"
    );
}

#[test]
fn deleting_a_parent_deletes_everything_below_it() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(2, 1, 1), 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(3, 1, 1), 2)).unwrap();
    apply(&mut s, 1, spheres(4, 1, 1)).unwrap();
    let d = Envelope::new(100, Some(2));
    assert_eq!(
        apply(&mut s, 1, d).unwrap(),
        Change::Deleted(NodeKey { client: 1, uid: 2 })
    );
    let left: Vec<u64> = s.nodes().iter().map(|n| n.key().uid).collect();
    assert_eq!(left, [1, 4]);
}

#[test]
fn a_snapshot_creates_parents_before_children_even_when_a_parent_was_recreated() {
    let mut s = Scene::new();
    apply(&mut s, 1, mesh(1, 1)).unwrap();
    apply(&mut s, 1, child_of(spheres(2, 1, 1), 1)).unwrap();
    // Re-creating the parent gives it a later creation order than its child.
    apply(&mut s, 1, mesh(1, 2)).unwrap();
    let mut copy = Scene::new();
    for (client, cmd) in s.snapshot().unwrap() {
        copy.apply(client, cmd).unwrap();
    }
    assert_eq!(copy.len(), 2);
    assert_eq!(copy.node(&NodeKey { client: 1, uid: 2 }).unwrap().parent(), Some(K1));
    assert_eq!(copy.node(&K1).unwrap().n_frames(), 2);
}
