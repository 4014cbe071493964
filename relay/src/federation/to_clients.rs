//! Viewers' messages to producer clients across relays: a plain NATS subject per relay
//! (`meshcast.SCENE.to_clients.RELAY`) and one for all (`meshcast.SCENE.to_clients.all`),
//! carrying `RelayToClient::FromViewer` with the target client in a header. Like a WebSocket
//! message to a client, it is delivered at most once: while NATS is unreachable it is lost.

use async_nats::HeaderMap;
use futures_util::StreamExt;
use meshcast_protocol::{ClientId, RelayToClient, Value};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::connect::Link;
use super::{relay_of, FederationError};
use crate::hub::{HubHandle, HubMsg, ViewerId};

/// Header naming the target client (absent: every client).
const CLIENT_HEADER: &str = "Meshcast-Client";
/// Header naming the relay that sent it.
const RELAY_HEADER: &str = "Meshcast-Relay";

/// The subject for a message to `client` (all clients: `None`).
fn subject(link: &Link, client: Option<ClientId>) -> String {
    match client {
        Some(c) => format!("{}.{}", link.names.to_clients, relay_of(c)),
        None => format!("{}.all", link.names.to_clients),
    }
}

/// Sends a viewer's message to `client` (on another relay), or to every client of the other
/// relays.
pub async fn publish(link: &Link, relay: u64, viewer: ViewerId, client: Option<ClientId>, payload: Value) {
    let mut headers = HeaderMap::new();
    headers.insert(RELAY_HEADER, relay.to_string().as_str());
    if let Some(c) = client {
        headers.insert(CLIENT_HEADER, c.to_string().as_str());
    }
    let body = meshcast_protocol::encode(&RelayToClient::FromViewer { viewer, payload });
    if let Err(e) = link
        .client
        .publish_with_headers(subject(link, client), headers, body.into())
        .await
    {
        warn!(viewer, ?client, error = %e, "cannot send a viewer message to other relays");
    }
}

/// Subscribes relay `relay` to messages for its clients and hands them to the hub until
/// `cancel`.
pub async fn subscribe(
    link: Link,
    relay: u64,
    hub: HubHandle,
    cancel: CancellationToken,
) -> Result<(), FederationError> {
    let mut mine = link
        .client
        .subscribe(subject(&link, Some(super::first_id(relay))))
        .await
        .map_err(|e| FederationError::js("subscribe to viewer messages")(&e))?;
    let mut all = link
        .client
        .subscribe(subject(&link, None))
        .await
        .map_err(|e| FederationError::js("subscribe to viewer messages")(&e))?;
    tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                Some(m) = mine.next() => m,
                Some(m) = all.next() => m,
                () = cancel.cancelled() => return,
                else => return,
            };
            let header = |name: &str| {
                msg.headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .and_then(|v| v.as_str().parse::<u64>().ok())
            };
            if header(RELAY_HEADER) == Some(relay) {
                continue;
            }
            let client = header(CLIENT_HEADER);
            match meshcast_protocol::decode::<RelayToClient>(&msg.payload) {
                Ok(RelayToClient::FromViewer { viewer, payload }) => {
                    let to_hub = HubMsg::FromRelay {
                        viewer,
                        client,
                        payload,
                    };
                    if hub.send(to_hub).await.is_err() {
                        return;
                    }
                }
                Ok(other) => debug!(?other, "not a viewer message; ignored"),
                Err(e) => {
                    warn!(error = %e, subject = %msg.subject, "malformed viewer message from another relay; ignored")
                }
            }
        }
    });
    Ok(())
}
