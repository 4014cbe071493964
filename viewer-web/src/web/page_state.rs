//! What the page exposes to tests and scripts.
//!
//! `data-*` attributes on `<body>` (set as they change):
//! `data-backend` (`webgpu`|`webgl`), `data-connection` (`connecting`|`connected`|`reconnecting`),
//! `data-first-frame="1"` once a frame was presented, `data-frames-rendered` (presented frames),
//! `data-current-frame`, `data-n-frames`, `data-playing` (`1`|`0`), `data-nodes` (node count),
//! `data-selected` (`client:uid` or empty), `data-help` (`1` while the help is open),
//! `data-screenshots` (PNG downloads made), `data-error` (why the viewer could not start).
//!
//! `window.__meshcast`: `nodes()` (array of `{client, uid, kind, name, frames, visible,
//! selected}`), `currentFrame()`, `nFrames()`, `playing()`, `fps()`, `backend()`,
//! `connection()`, `stats()` (`{framesRendered, cpuMsLast, cpuMsAvg, cpuFrames, fps, messages,
//! rejected, bytesReceived, decodeMs, applyMs, drawCalls, instances, gpuBytes, firstFrameMs}`),
//! `resetStats()`, `play()`, `pause()`, `setFrame(n)`, `select(client, uid)` (null clears),
//! `setVisible(client, uid, bool)`, `fit()`, `screenshot()`, `redraw()`, `camera()`
//! (`{eye, target, up, mode, fov, distance, orthographic}`; mode
//! `turntable`|`trackball`|`first-person`, fov the vertical field of view in degrees),
//! `cameraAnimating()` (true while "centre on selection" eases the camera).
//!
//! SMPL bodies: `smplVertices(client, uid, frame)` (the evaluated vertices of a data frame as a
//! `Float32Array` of `V·3`, local space, or null), `smplJoints(client, uid, frame)` (likewise,
//! `J·3`), `smplStatus(client, uid)` (`{state: "loaded"|"waiting"|"missing"|"failed", frames,
//! message}` or null), `smplStats()` (`{framesEvaluated, evalMs}`); `data-smpl-error` holds the
//! message shown when a body is not drawn (empty otherwise).

use js_sys::{Array, Function, Object, Reflect};
use meshcast_scene::NodeKey;
use wasm_bindgen::prelude::*;
use web_sys::Document;

use super::{actions, Shared};
use crate::core::Action;
use crate::smpl_bodies::BodyStatus;

/// Sets `data-<name>` on `<body>` (camelCase names become kebab-case) when it differs.
pub fn set(doc: &Document, name: &str, value: &str) {
    let Some(body) = doc.body() else { return };
    let mut attr = String::from("data-");
    for ch in name.chars() {
        if ch.is_ascii_uppercase() {
            attr.push('-');
            attr.push(ch.to_ascii_lowercase());
        } else {
            attr.push(ch);
        }
    }
    if body.get_attribute(&attr).as_deref() != Some(value) {
        let _ = body.set_attribute(&attr, value);
    }
}

/// Reports a start-up failure on the page.
pub fn set_fatal(msg: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    set(&doc, "error", msg);
    if let Some(root) = doc.get_element_by_id("meshcast") {
        let p = doc.create_element("p");
        if let Ok(p) = p {
            let _ = p.set_attribute("class", "mc-fatal");
            let _ = p.set_attribute("role", "alert");
            p.set_text_content(Some(&format!("The viewer could not start: {msg}")));
            let _ = root.append_child(&p);
        }
    }
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn key_of(client: f64, uid: f64) -> Option<NodeKey> {
    (client >= 0.0 && uid >= 0.0).then_some(NodeKey {
        client: client as u64,
        uid: uid as u64,
    })
}

fn func0(app: &Shared, f: impl Fn(&Shared) -> JsValue + 'static) -> Function {
    let app = app.clone();
    Closure::<dyn Fn() -> JsValue>::new(move || f(&app))
        .into_js_value()
        .into()
}

fn func_args(app: &Shared, f: impl Fn(&Shared, Array) -> JsValue + 'static) -> Function {
    let app = app.clone();
    // Up to three arguments; JS passes `undefined` for the ones left out.
    Closure::<dyn Fn(JsValue, JsValue, JsValue) -> JsValue>::new(move |a: JsValue, b: JsValue, c: JsValue| {
        f(&app, Array::of3(&a, &b, &c))
    })
    .into_js_value()
    .into()
}

fn arg_f64(args: &Array, i: u32) -> f64 {
    args.get(i).as_f64().unwrap_or(-1.0)
}

/// Installs `window.__meshcast`.
pub fn expose(app: &Shared) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let api = Object::new();
    let put = |name: &str, f: Function| Reflect::set(&api, &JsValue::from_str(name), &f);
    put(
        "nodes",
        func0(app, |app| {
            let Ok(a) = app.try_borrow() else { return JsValue::NULL };
            let out = Array::new();
            for n in a.core.scene().nodes() {
                out.push(&obj(&[
                    ("client", JsValue::from_f64(n.key.client as f64)),
                    ("uid", JsValue::from_f64(n.key.uid as f64)),
                    ("kind", JsValue::from_str(n.kind.name())),
                    ("name", JsValue::from_str(n.name())),
                    ("frames", JsValue::from_f64(n.n_frames() as f64)),
                    ("visible", JsValue::from_bool(!a.core.view().is_hidden(&n.key))),
                    ("selected", JsValue::from_bool(a.core.selected() == Some(n.key))),
                ]));
            }
            out.into()
        }),
    )?;
    put(
        "currentFrame",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_f64(a.frame() as f64))
        }),
    )?;
    put(
        "nFrames",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_f64(a.core.scene().n_frames() as f64))
        }),
    )?;
    put(
        "playing",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_bool(a.core.playback().playing()))
        }),
    )?;
    put(
        "fps",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_f64(a.core.playback().fps()))
        }),
    )?;
    put(
        "backend",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_str(a.gpu.backend.name()))
        }),
    )?;
    put(
        "connection",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_str(a.core.connection().name()))
        }),
    )?;
    put(
        "stats",
        func0(app, |app| {
            let Ok(a) = app.try_borrow() else { return JsValue::NULL };
            let s = a.core.stats();
            let r = a.renderer.stats();
            let avg = if s.cpu_frames > 0 {
                s.cpu_ms_sum / s.cpu_frames as f64
            } else {
                0.0
            };
            obj(&[
                ("framesRendered", JsValue::from_f64(s.frames_rendered as f64)),
                ("cpuMsLast", JsValue::from_f64(s.cpu_ms_last)),
                ("cpuMsAvg", JsValue::from_f64(avg)),
                ("cpuFrames", JsValue::from_f64(s.cpu_frames as f64)),
                ("fps", JsValue::from_f64(s.fps)),
                ("messages", JsValue::from_f64(s.messages as f64)),
                ("rejected", JsValue::from_f64(s.rejected as f64)),
                ("bytesReceived", JsValue::from_f64(s.bytes_received as f64)),
                ("decodeMs", JsValue::from_f64(s.decode_ms)),
                ("applyMs", JsValue::from_f64(s.apply_ms)),
                ("drawCalls", JsValue::from_f64(r.draw_calls as f64)),
                ("instances", JsValue::from_f64(r.instances as f64)),
                ("gpuBytes", JsValue::from_f64(r.gpu_bytes as f64)),
                (
                    "firstFrameMs",
                    s.first_frame_ms.map_or(JsValue::NULL, JsValue::from_f64),
                ),
            ])
        }),
    )?;
    put(
        "resetStats",
        func0(app, |app| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.act(Action::ResetCpuStats);
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "play",
        func0(app, |app| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.act(Action::SetPlaying(true));
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "pause",
        func0(app, |app| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.act(Action::SetPlaying(false));
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "redraw",
        func0(app, |app| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.dirty.redraw = true;
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "fit",
        func0(app, |app| {
            actions::run(app, actions::Command::FitScene);
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "screenshot",
        func0(app, |app| {
            actions::run(app, actions::Command::Screenshot);
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "camera",
        func0(app, |app| {
            let Ok(a) = app.try_borrow() else { return JsValue::NULL };
            let v3 = |v: glam::Vec3| -> JsValue {
                let arr = Array::new();
                for c in v.to_array() {
                    arr.push(&JsValue::from_f64(f64::from(c)));
                }
                arr.into()
            };
            obj(&[
                ("eye", v3(a.core.camera().eye())),
                ("target", v3(a.core.camera().target)),
                ("up", v3(a.core.camera().up())),
                ("mode", JsValue::from_str(a.core.camera().mode.name())),
                ("fov", JsValue::from_f64(f64::from(a.core.camera().fov_y.to_degrees()))),
                ("distance", JsValue::from_f64(f64::from(a.core.camera().distance))),
                ("orthographic", JsValue::from_bool(a.core.camera().orthographic)),
            ])
        }),
    )?;
    put(
        "cameraAnimating",
        func0(app, |app| {
            app.try_borrow()
                .map_or(JsValue::NULL, |a| JsValue::from_bool(a.core.camera_animating()))
        }),
    )?;
    put(
        "setFrame",
        func_args(app, |app, args| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.act(Action::SetFrame(arg_f64(&args, 0) as i64));
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "select",
        func_args(app, |app, args| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.act(Action::Select(key_of(arg_f64(&args, 0), arg_f64(&args, 1))));
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "setVisible",
        func_args(app, |app, args| {
            if let (Ok(mut a), Some(key)) = (app.try_borrow_mut(), key_of(arg_f64(&args, 0), arg_f64(&args, 1))) {
                a.act(Action::SetVisible(key, args.get(2).is_truthy()));
            }
            JsValue::UNDEFINED
        }),
    )?;
    put(
        "smplVertices",
        func_args(app, |app, args| {
            let (Ok(a), Some(key)) = (app.try_borrow(), key_of(arg_f64(&args, 0), arg_f64(&args, 1))) else {
                return JsValue::NULL;
            };
            let frame = arg_f64(&args, 2).max(0.0) as usize;
            a.smpl
                .bodies
                .vertices(&key, frame)
                .map_or(JsValue::NULL, |v| js_sys::Float32Array::from(v.as_slice()).into())
        }),
    )?;
    put(
        "smplJoints",
        func_args(app, |app, args| {
            let (Ok(a), Some(key)) = (app.try_borrow(), key_of(arg_f64(&args, 0), arg_f64(&args, 1))) else {
                return JsValue::NULL;
            };
            let frame = arg_f64(&args, 2).max(0.0) as usize;
            a.smpl
                .bodies
                .joints(&key, frame)
                .map_or(JsValue::NULL, |v| js_sys::Float32Array::from(v.as_slice()).into())
        }),
    )?;
    put(
        "smplStatus",
        func_args(app, |app, args| {
            let (Ok(a), Some(key)) = (app.try_borrow(), key_of(arg_f64(&args, 0), arg_f64(&args, 1))) else {
                return JsValue::NULL;
            };
            let Some(status) = a.smpl.bodies.status(&key) else {
                return JsValue::NULL;
            };
            let state = match status {
                BodyStatus::Loaded { .. } => "loaded",
                BodyStatus::Waiting { .. } => "waiting",
                BodyStatus::Missing { .. } => "missing",
                BodyStatus::Failed { .. } => "failed",
            };
            obj(&[
                ("state", JsValue::from_str(state)),
                ("frames", JsValue::from_f64(a.smpl.bodies.num_frames(&key) as f64)),
                (
                    "message",
                    status.message().map_or(JsValue::NULL, |m| JsValue::from_str(&m)),
                ),
            ])
        }),
    )?;
    put(
        "smplStats",
        func0(app, |app| {
            let Ok(a) = app.try_borrow() else { return JsValue::NULL };
            obj(&[
                ("framesEvaluated", JsValue::from_f64(a.smpl.frames_evaluated as f64)),
                ("evalMs", JsValue::from_f64(a.smpl.eval_ms)),
            ])
        }),
    )?;
    Reflect::set(&window, &JsValue::from_str("__meshcast"), &api)?;
    Ok(())
}
