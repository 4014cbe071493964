//! `Scene::apply_within`: a message that would grow the scene's footprint past the room left is
//! refused whole, whatever its shape; and the growth bound that lets appends skip the undo copy
//! is never below the real growth.

#![allow(clippy::unwrap_used)]

use meshcast_protocol::{Command, Envelope, NdArray, Value};
use meshcast_scene::footprint::{FRAME_CHARGE, NODE_CHARGE};
use meshcast_scene::{NodeKey, Scene, SceneError};

const KEY: NodeKey = NodeKey { client: 1, uid: 1 };

fn zeros(shape: &[usize]) -> NdArray {
    NdArray::from_f32(shape, &vec![0.0; shape.iter().product()]).unwrap()
}

fn cmd(env: Envelope) -> Command {
    Command::from_envelope(env).unwrap()
}

/// An SMPL-X body (it has an `expression`).
fn smpl(frames: usize) -> Envelope {
    Envelope::new(10, Some(1))
        .with_kwarg("model_type", "smplx")
        .with_kwarg("poses_body", zeros(&[frames, 63]))
}

/// Frames of `p` points as nested lists of floats (no array in the message).
fn nested_points(frames: usize, p: usize) -> Value {
    let point = Value::List(vec![Value::Float(0.5); 3]);
    Value::List(vec![Value::List(vec![point; p]); frames])
}

fn applied_within(scene: &mut Scene, env: Envelope, room: usize) -> Result<(), SceneError> {
    scene.apply_within(1, cmd(env), room).map(drop)
}

#[test]
fn a_creation_is_measured_before_it_is_stored() {
    let mut s = Scene::new();
    let fp = NODE_CHARGE + 4 * (120 + FRAME_CHARGE);
    let create = || Envelope::new(3, Some(1)).with_kwarg("positions", zeros(&[4, 10, 3]));
    let err = applied_within(&mut s, create(), fp - 1).unwrap_err();
    assert!(matches!(err, SceneError::TooBig { grows, .. } if grows == fp), "{err}");
    assert!(s.is_empty());
    applied_within(&mut s, create(), fp).unwrap();
    assert_eq!(s.footprint(), fp);
}

#[test]
fn nested_lists_count_like_arrays() {
    let mut s = Scene::new();
    applied_within(
        &mut s,
        Envelope::new(3, Some(1)).with_kwarg("positions", zeros(&[1, 10, 3])),
        usize::MAX,
    )
    .unwrap();
    let before = s.node(&KEY).unwrap().clone();
    // 100 frames of 10 points: 100 * (120 + FRAME_CHARGE) bytes, sent without any array.
    let add = || Envelope::new(101, Some(1)).with_kwarg("positions", nested_points(100, 10));
    let err = applied_within(&mut s, add(), 100 * (120 + FRAME_CHARGE) - 1).unwrap_err();
    assert!(matches!(err, SceneError::TooBig { .. }), "{err}");
    assert_eq!(s.node(&KEY).unwrap(), &before, "nothing applied");
    applied_within(&mut s, add(), 100 * (120 + FRAME_CHARGE)).unwrap();
    assert_eq!(s.node(&KEY).unwrap().n_frames(), 101);
}

#[test]
fn a_companion_zero_filled_for_every_frame_counts_in_full() {
    let mut s = Scene::new();
    applied_within(&mut s, smpl(1000), usize::MAX).unwrap();
    let before = s.node(&KEY).unwrap().clone();
    // One frame that brings a 1,000-wide expression: 1,001 frames of it are stored.
    let add = || {
        Envelope::new(101, Some(1))
            .with_kwarg("poses_body", zeros(&[1, 63]))
            .with_kwarg("expression", zeros(&[1, 1000]))
    };
    let grows = (63 * 4 + FRAME_CHARGE) + 1001 * (4000 + FRAME_CHARGE);
    let err = applied_within(&mut s, add(), grows - 1).unwrap_err();
    assert!(
        matches!(err, SceneError::TooBig { grows: g, .. } if g == grows),
        "{err}"
    );
    assert_eq!(s.node(&KEY).unwrap(), &before, "nothing applied");
    assert!(s.node(&KEY).unwrap().series("expression").is_none());
    applied_within(&mut s, add(), grows).unwrap();
    assert_eq!(s.node(&KEY).unwrap().series("expression").unwrap().len(), 1001);
}

#[test]
fn an_update_that_creates_a_companion_counts_it() {
    let mut s = Scene::new();
    applied_within(&mut s, smpl(500), usize::MAX).unwrap();
    let update = Envelope::new(102, Some(1))
        .with_kwarg("frames", Value::Int(0))
        .with_kwarg("poses_body", zeros(&[1, 63]))
        .with_kwarg("poses_root", zeros(&[1, 3]));
    // (poses_root is an update parameter; the update writes one frame but stores 500.)
    let err = applied_within(&mut s, update, 500 * 12).unwrap_err();
    assert!(matches!(err, SceneError::TooBig { .. }), "{err}");
    assert!(s.node(&KEY).unwrap().series("poses_root").is_none());
}

#[test]
fn empty_frames_and_bare_nodes_are_not_free() {
    let mut s = Scene::new();
    applied_within(
        &mut s,
        Envelope::new(3, Some(1)).with_kwarg("positions", zeros(&[1, 0, 3])),
        usize::MAX,
    )
    .unwrap();
    let err = applied_within(
        &mut s,
        Envelope::new(101, Some(1)).with_kwarg("positions", zeros(&[1000, 0, 3])),
        1000 * FRAME_CHARGE - 1,
    )
    .unwrap_err();
    assert!(matches!(err, SceneError::TooBig { .. }), "{err}");
    let bare = Envelope::new(1, Some(2));
    let err = applied_within(&mut s, bare, NODE_CHARGE - 1).unwrap_err();
    assert!(matches!(err, SceneError::TooBig { .. }), "{err}");
}

/// Applies `env` with no limit and checks the bound the scene would have used was not below
/// what it really grew.
fn assert_bound_holds(s: &mut Scene, env: Envelope) {
    let node = s.node(&KEY).unwrap().clone();
    let c = cmd(env);
    let bound = match &c {
        Command::AddFrames { args, kwargs, .. } => {
            node.add_frames_growth_bound(&meshcast_protocol::FrameData::parse_add(node.kind(), args, kwargs).unwrap())
        }
        Command::UpdateFrames { args, kwargs, .. } => node.update_frames_growth_bound(
            &meshcast_protocol::FrameData::parse_update(node.kind(), args, kwargs)
                .unwrap()
                .0,
        ),
        other => panic!("not a frame change: {other:?}"),
    };
    let before = s.footprint();
    s.apply(1, c).unwrap();
    let grew = s.footprint().saturating_sub(before);
    assert!(grew <= bound, "grew {grew}, bound {bound}");
}

#[test]
fn the_growth_bound_is_never_below_the_growth() {
    let mut s = Scene::new();
    s.apply(1, cmd(smpl(20).with_kwarg("betas", zeros(&[1, 10])))).unwrap();
    let add = |n: usize| Envelope::new(101, Some(1)).with_kwarg("poses_body", zeros(&[n, 63]));
    assert_bound_holds(&mut s, add(5));
    assert_bound_holds(&mut s, add(1).with_kwarg("trans", zeros(&[1, 3])));
    assert_bound_holds(&mut s, add(3).with_kwarg("betas", zeros(&[3, 10])));
    assert_bound_holds(&mut s, add(2).with_kwarg("expression", zeros(&[2, 50])));
    let update = Envelope::new(102, Some(1))
        .with_kwarg("frames", Value::List(vec![Value::Int(0), Value::Int(3)]))
        .with_kwarg("poses_body", zeros(&[2, 63]));
    assert_bound_holds(&mut s, update.clone().with_kwarg("poses_root", zeros(&[2, 3])));
    assert_bound_holds(&mut s, update.with_kwarg("betas", zeros(&[1, 10])));
}
