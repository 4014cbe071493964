//! Bursts of small messages inside the default limits, in a test binary of their own: a burst
//! loads both cores for a moment, and the timing-sensitive tests of `relay.rs` (a reading viewer
//! that must stay ahead of a small queue) would feel it if they ran beside it.

mod common;

use std::time::Duration;

use common::*;
use meshcast_protocol::{Envelope, Value};
use meshcast_testkit::RelayProcess;

/// A burst inside the default rate limit reaches a viewer that reads: all of it, in order, and
/// the viewer is never taken for lagging (which would drop the messages that are not part of the
/// scene). The producer writes the burst back to back, as a client's send buffer does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_within_the_rate_limit_reaches_a_reading_viewer_whole() {
    use futures_util::SinkExt;
    const BURST: i64 = 50_000;
    let relay = RelayProcess::start(&[]);
    let (mut viewer, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    let reader = tokio::spawn(async move { viewer.messages(BURST as usize).await });
    for k in 0..BURST {
        let env = Envelope::new(10_001, None).with_kwarg("index", Value::Int(k));
        p.ws.feed(tokio_tungstenite::tungstenite::Message::Binary(
            meshcast_protocol::encode_envelope(&env).into(),
        ))
        .await
        .expect("feed");
        p.seq += 1;
    }
    assert!(p.flush().await.is_empty(), "the relay refused part of the burst");
    let got = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the viewer did not get the whole burst")
        .expect("reader");
    let ks: Vec<i64> = got
        .iter()
        .map(|(_, e)| e.kwargs.get("index").and_then(Value::as_i64).unwrap_or(-1))
        .collect();
    assert_eq!(ks, (0..BURST).collect::<Vec<_>>());
    assert!(!relay.log_text().contains("viewer is lagging"), "{}", relay.log_text());
}
