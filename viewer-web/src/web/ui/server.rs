//! The Server panel: the relay this viewer talks to and the producer clients connected to it.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::web::dom::{child, clear, set_text};
use crate::web::params::display_url;
use crate::web::Page;

/// The panel's elements.
#[derive(Clone)]
pub struct Server {
    relay: Element,
    list: Element,
}

impl Server {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<Server, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-server-title")],
            None,
        )?;
        child(doc, &sec, "h2", &[("id", "mc-server-title")], Some("Server"))?;
        let relay = child(doc, &sec, "p", &[("id", "mc-relay"), ("class", "mc-dim")], None)?;
        let list = child(
            doc,
            &sec,
            "ul",
            &[("id", "mc-clients"), ("aria-label", "Connected clients")],
            None,
        )?;
        Ok(Server { relay, list })
    }
}

/// Rebuilds the client list.
pub fn refresh(app: &Page) {
    let doc = app.ui.doc.clone();
    let s = app.ui.server.clone();
    let url = display_url(&app.params.relay_url);
    let relay = match (app.core.connection(), app.core.relay()) {
        (crate::core::ConnState::Recording { name }, _) => format!("recording {name} (no relay)"),
        (_, Some((id, version))) => format!("{url} · relay {version} · viewer #{id}"),
        (_, None) => url.to_owned(),
    };
    set_text(&s.relay, &relay);
    clear(&s.list);
    if app.core.clients().is_empty() {
        let _ = child(
            &doc,
            &s.list,
            "li",
            &[("class", "mc-dim")],
            Some("no clients connected"),
        );
    }
    for c in app.core.clients().values() {
        let id = c.id.to_string();
        let text = format!("#{} {} ({})", c.id, c.addr, c.format);
        let _ = child(&doc, &s.list, "li", &[("data-client", &id)], Some(&text));
    }
}
