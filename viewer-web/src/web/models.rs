//! SMPL bodies on the page: the [`SmplBodies`] of the scene, evaluated before each upload (only
//! what changed), their model files fetched once per file from the relay
//! (`/models/<type>/<TYPE>_<GENDER>.npz`, with the page's access token) and kept for the page's
//! life, and what the page says when a file is missing.

use js_sys::Uint8Array;
use meshcast_scene::Scene;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::smpl_bodies::{ModelFile, SmplBodies};

use super::{dom::now_ms, Shared};

/// The page's SMPL state.
#[derive(Default)]
pub struct Smpl {
    /// The evaluated bodies and loaded models.
    pub bodies: SmplBodies,
    /// Model files to fetch (filled by [`Smpl::sync`], drained by [`spawn_fetches`]).
    pending: Vec<ModelFile>,
    /// Frames evaluated since the page loaded, and the milliseconds it took (for the benchmark).
    pub frames_evaluated: u64,
    /// Milliseconds spent evaluating them.
    pub eval_ms: f64,
    /// The message shown for bodies that are not drawn (to clear it when they are).
    pub message: Option<String>,
}

impl Smpl {
    /// Evaluates what changed in the scene's SMPL nodes and notes the model files to fetch.
    /// Returns the message to show when some body is not drawn.
    pub fn sync(&mut self, scene: &Scene) -> Option<String> {
        self.pending.extend(self.bodies.model_requests(scene));
        let t0 = now_ms();
        let st = self.bodies.sync(scene);
        if st.frames > 0 {
            self.frames_evaluated += st.frames as u64;
            self.eval_ms += now_ms() - t0;
        }
        self.bodies.problems().first().and_then(|(_, s)| s.message())
    }
}

/// Starts a fetch for every model file noted by [`Smpl::sync`]; each result is handed to the
/// bodies and the picture is redrawn.
pub fn spawn_fetches(app: &Shared) {
    let (files, relay_url) = {
        let Ok(mut a) = app.try_borrow_mut() else { return };
        if a.smpl.pending.is_empty() {
            return;
        }
        (std::mem::take(&mut a.smpl.pending), a.params.relay_url.clone())
    };
    for file in files {
        let url = file.url_on(&relay_url);
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = fetch_bytes(&url).await;
            let Ok(mut a) = app.try_borrow_mut() else { return };
            let shown = super::params::display_url(&url).to_owned();
            match result {
                Ok(bytes) => {
                    if let Err(e) = a.smpl.bodies.load_model(file, &bytes) {
                        tracing::warn!("SMPL model {shown}: {e}");
                    }
                }
                Err(reason) => {
                    tracing::warn!("SMPL model {shown}: {reason}");
                    a.smpl.bodies.model_missing(file, shown, reason);
                }
            }
            let c = a.core.scene_changed();
            a.note(c);
        });
    }
}

/// GETs `url`: the body's bytes, or why not (HTTP status and the relay's explanation).
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let js_err = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let resp = JsFuture::from(window.fetch_with_str(url)).await.map_err(js_err)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(js_err)?;
    if !resp.ok() {
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        return Err(format!("HTTP {}: {}", resp.status(), text.trim()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(js_err)?)
        .await
        .map_err(js_err)?;
    Ok(Uint8Array::new(&buf).to_vec())
}
