//! `--max-scene-bytes` is strict, on the real `meshcast-relay` binary: each test aims one message
//! shape that used to slip past it (frames sent as nested lists, a companion zero-filled for every
//! earlier frame, many small nodes, one huge creation) straight at the limit. Every one is
//! answered with an error naming the limit, nothing of it reaches viewers or the scene, a late
//! joiner's snapshot stays within the limit, and another producer is served throughout. The
//! decoding limits (`meshcast_protocol::bounded`: depth, memory) are aimed at the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use meshcast_protocol::{Envelope, NdArray, RelayToClient, Value};
use meshcast_scene::footprint::NODE_CHARGE;
use meshcast_testkit::RelayProcess;

/// A relay with this scene limit, a viewer, the producer that pushes at the limit and a
/// bystander producer.
struct Setup {
    relay: RelayProcess,
    limit: usize,
    viewer: Viewer,
    pusher: Producer,
    bystander: Producer,
}

impl Setup {
    async fn start(limit: usize) -> Setup {
        let relay = match limit {
            usize::MAX => RelayProcess::start(&[]),
            _ => RelayProcess::start(&["--max-scene-bytes", &limit.to_string()]),
        };
        let (viewer, _) = Viewer::join(&relay.viewer_url()).await;
        let pusher = Producer::connect(&relay.client_url()).await;
        let bystander = Producer::connect(&relay.client_url()).await;
        Setup {
            relay,
            limit,
            viewer,
            pusher,
            bystander,
        }
    }

    /// Sends `env` from the pusher and checks it alone is refused, naming the limit.
    async fn refused(&mut self, env: &Envelope) {
        let seq = self.pusher.send(env).await;
        let replies = self.pusher.flush().await;
        match replies.as_slice() {
            [RelayToClient::Error { seq: s, message, .. }] => {
                assert_eq!(*s, seq);
                assert!(
                    message.contains("--max-scene-bytes") && message.contains(&self.limit.to_string()),
                    "{message}"
                );
                assert!(message.contains("nothing was applied"), "{message}");
            }
            other => panic!("expected one error for message {seq}, got {other:?}"),
        }
        assert!(self.relay.wait_for_log("--max-scene-bytes", STEP));
    }

    /// Sends `env` from the pusher and checks it is accepted.
    async fn accepted(&mut self, env: &Envelope) {
        self.pusher.send(env).await;
        let replies = self.pusher.flush().await;
        assert!(replies.is_empty(), "{replies:?}");
    }

    /// The bystander is still served, and the viewer was sent the `accepted` messages (by type
    /// and uid), then the bystander's: nothing of a refused message. A late joiner's snapshot is
    /// within the limit and is the scene the first viewer built.
    async fn others_unaffected(&mut self, accepted: &[Envelope]) -> meshcast_scene::Scene {
        self.bystander.send(&user(7)).await;
        assert!(self.bystander.flush().await.is_empty());
        let next = self.viewer.messages(accepted.len() + 1).await;
        let (earlier, last) = next.split_at(accepted.len());
        let sent: Vec<(i64, Option<u64>)> = earlier.iter().map(|(_, e)| (e.msg_type, e.uid)).collect();
        let expected: Vec<(i64, Option<u64>)> = accepted.iter().map(|e| (e.msg_type, e.uid)).collect();
        assert_eq!(sent, expected);
        assert_eq!(last[0].1.msg_type, 10_007, "{next:?}");
        let mut live = meshcast_scene::Scene::new();
        apply_all(&mut live, earlier);
        let (_late, snap) = Viewer::join(&self.relay.viewer_url()).await;
        let scene = snap.scene();
        assert!(
            scene.footprint() <= self.limit,
            "{} > {}",
            scene.footprint(),
            self.limit
        );
        assert_same_scene(&scene, &live);
        scene
    }
}

fn zeros(shape: &[usize]) -> NdArray {
    NdArray::from_f32(shape, &vec![0.0; shape.iter().product()]).unwrap()
}

/// Frames of `p` points as nested lists of floats: no array in the message.
fn nested_points(frames: usize, p: usize) -> Value {
    let point = Value::List(vec![Value::Float(0.25); 3]);
    Value::List(vec![Value::List(vec![point; p]); frames])
}

/// ADD_FRAMES whose frames are nested lists count as the arrays they become.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_sent_as_nested_lists_count() {
    let create = spheres(1, 1, 100, 1);
    // Room for the node and 20 more frames.
    let limit = footprint_of(&[(1, create.clone()), (1, add_frames(1, "positions", 20, 100, 2))]);
    let mut t = Setup::start(limit).await;
    t.accepted(&create).await;
    t.refused(&Envelope::new(101, Some(1)).with_kwarg("positions", nested_points(21, 100)))
        .await;
    let fits = Envelope::new(101, Some(1)).with_kwarg("positions", nested_points(20, 100));
    t.accepted(&fits).await;
    let scene = t.others_unaffected(&[create, fits]).await;
    assert_eq!(scene.nodes()[0].n_frames(), 21);
}

/// The first frame that brings a companion (an SMPL `expression`) fills it with zeros for every
/// earlier frame; those zeros count, so a 1-frame message cannot add a sequence's worth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_companion_zero_filled_for_every_frame_counts() {
    let create = Envelope::new(10, Some(1))
        .with_kwarg("model_type", "smplx")
        .with_kwarg("poses_body", zeros(&[2000, 63]));
    let limit = 2 * footprint_of(&[(1, create.clone())]);
    let mut t = Setup::start(limit).await;
    t.accepted(&create).await;
    // One frame, 1 KiB of message data; 2,001 frames of 300 floats stored: over the limit.
    let add = Envelope::new(101, Some(1))
        .with_kwarg("poses_body", zeros(&[1, 63]))
        .with_kwarg("expression", zeros(&[1, 300]));
    t.refused(&add).await;
    let scene = t.others_unaffected(&[create]).await;
    let body = scene.nodes()[0];
    assert_eq!(body.n_frames(), 2000);
    assert!(
        body.series("expression").is_none(),
        "no zero-filled expression anywhere"
    );
}

/// Nodes with no arrays at all are not free: a stream of them stops at the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_nodes_stop_at_the_limit() {
    let limit = 64 * 1024;
    let mut t = Setup::start(limit).await;
    let bare = |uid: u64| Envelope::new(1, Some(uid));
    let at_most = limit / NODE_CHARGE;
    for uid in 0..=at_most as u64 {
        t.pusher.send(&bare(uid)).await;
    }
    let replies = t.pusher.flush().await;
    let refused: Vec<u64> = replies
        .iter()
        .map(|r| match r {
            RelayToClient::Error { seq, message, .. } => {
                assert!(message.contains("--max-scene-bytes"), "{message}");
                *seq
            }
            other => panic!("{other:?}"),
        })
        .collect();
    let first_refused = *refused.first().expect("the limit was reached") as usize;
    // Every node after the first refused one is refused too (all the same size).
    assert_eq!(refused.len(), at_most + 2 - first_refused, "{refused:?}");
    let created: Vec<Envelope> = (0..first_refused as u64 - 1).map(bare).collect();
    let scene = t.others_unaffected(&created).await;
    assert_eq!(scene.len(), created.len());
}

/// One creation bigger than the whole limit is refused whole, and does not evict what is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_huge_creation_is_refused_whole() {
    let small = spheres(1, 1, 10, 1);
    let limit = 1 << 20;
    let mut t = Setup::start(limit).await;
    t.accepted(&small).await;
    // 4 MiB of positions in one message, new node and replacement of the existing one alike.
    t.refused(&spheres(2, 1, 1 << 18, 2)).await;
    t.refused(&spheres(1, 1, 1 << 18, 2)).await;
    let scene = t.others_unaffected(&[small]).await;
    assert_eq!(scene.len(), 1);
    assert_eq!(scene.nodes()[0].series("positions").unwrap().frame_nbytes(), 120);
}

/// Messages that would decode to too much memory or nest too deep are refused while decoding,
/// with an error naming the limit; the relay serves everyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoding_limits_are_answered_with_errors() {
    use meshcast_protocol::bounded::MAX_DEPTH;
    let mut t = Setup::start(usize::MAX).await;
    let deep = (0..=MAX_DEPTH).fold(Value::Int(1), |v, _| Value::List(vec![v]));
    let ints = Value::List(vec![Value::Int(1); 1 << 20]);
    for (value, needle) in [(deep, "nest deeper than 64 levels"), (ints, "times its size")] {
        let seq = t.pusher.send(&Envelope::new(10_001, None).with_kwarg("x", value)).await;
        match t.pusher.flush().await.as_slice() {
            [RelayToClient::Error { seq: s, message, .. }] => {
                assert_eq!(*s, seq);
                assert!(message.contains(needle), "{message}");
                assert!(message.contains("refused while decoding"), "{message}");
            }
            other => panic!("expected one error, got {other:?}"),
        }
    }
    assert!(t.relay.wait_for_log("refused while decoding", STEP));
    t.others_unaffected(&[]).await;
}
