//! The frame loop (`requestAnimationFrame`): follow the canvas size, advance playback, render
//! when something changed (every frame while the camera animates; spaced out while relay
//! messages stream in, `core::pacing`), else pack frames of node data no frame has shown yet
//! (`App::pack_stale`), count frames, refresh the page.
//! While a video export runs, only the page (its progress) is refreshed.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{dom::now_ms, page_state, ui, Shared};
use crate::core::pacing::UPLOAD_SLICE_MS;
use crate::core::Changed;

type FrameCallback = Closure<dyn FnMut(f64)>;

/// Starts the loop; it runs as long as the page.
pub fn start(app: Shared) -> Result<(), JsValue> {
    let slot: Rc<RefCell<Option<FrameCallback>>> = Rc::new(RefCell::new(None));
    let next = slot.clone();
    *slot.borrow_mut() = Some(Closure::new(move |ts: f64| {
        tick(&app, ts);
        if let Some(cb) = next.borrow().as_ref() {
            let _ = request(cb);
        }
    }));
    let first = slot.borrow();
    let cb = first.as_ref().ok_or("frame callback missing")?;
    request(cb)
}

fn request(cb: &FrameCallback) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    window.request_animation_frame(cb.as_ref().unchecked_ref())?;
    Ok(())
}

fn tick(app: &Shared, ts_ms: f64) {
    let Ok(mut a) = app.try_borrow_mut() else { return };
    let t0 = now_ms();
    if let Some((start, done)) = a.gpu_done.lock().ok().and_then(|mut d| d.take()) {
        a.pacer.gpu_done(start, done);
    }
    a.pacer.tick(t0);
    if a.export.is_some() {
        // A video export owns the renderer (sized for the video): the canvas keeps its last
        // picture and the page shows the progress. Polling completes WebGL2's read-backs.
        if let Err(e) = a.gpu.device.poll(wgpu::PollType::Poll) {
            tracing::warn!("polling the device: {e}");
        }
        ui::refresh(&mut a, t0);
        page_state::sync(&a);
        return;
    }
    if let (Some(window), Some(canvas)) = (web_sys::window(), ui::canvas(&a)) {
        let (w, h) = ui::sync_canvas_size(&window, &canvas);
        if a.gpu.resize(w, h) {
            let a = &mut a.app;
            a.renderer.resize(&a.gpu.device, w, h);
            // The new size needs a new picture.
            a.dirty.redraw = true;
        }
    }
    let mut changed = a.core.advance(ts_ms / 1000.0);
    // While playing, the properties panel follows the selected node's frame.
    if changed.contains(Changed::FRAME) && a.core.selected().is_some() {
        changed |= Changed::NODE_DATA;
    }
    // The animated "centre on selection" renders every frame until it ends.
    changed |= a.core.step_camera_anim(t0);
    a.note(changed);
    // While relay messages stream in, slow frames are spaced out (`core::pacing`).
    let draw = a.dirty.redraw && a.pacer.should_draw(t0);
    if draw {
        a.dirty.redraw = false;
        a.pacer.drawn(t0);
    }
    let presented = draw && a.render();
    if presented {
        a.pacer.awaiting_gpu(t0);
        report_gpu_done(&a.gpu.queue, &a.gpu_done, t0);
    } else if a.has_stale() && !a.pacer.ingesting(t0) {
        // Frames not drawn yet are packed in the time between frames, not while messages
        // stream in (`core::pacing::UPLOAD_SLICE_MS`).
        a.pack_stale(now_ms() + UPLOAD_SLICE_MS);
    }
    // Buffer read-backs (screenshots) complete when WebGL2's device is polled once their fence
    // has passed; on WebGPU this does nothing.
    if let Err(e) = a.gpu.device.poll(wgpu::PollType::Poll) {
        tracing::warn!("polling the device: {e}");
    }
    let now = now_ms();
    // A new error or connection state is shown at once; the rest waits for the panels' turn.
    if a.dirty.status || a.pacer.refresh_panels(now) {
        ui::refresh(&mut a, now);
    }
    let end = now_ms();
    a.core.stats_mut().frame_done(presented, end - t0, end);
    page_state::sync(&a);
    drop(a);
    super::models::spawn_fetches(app);
}

/// Has the queue report when the GPU has finished the frame drawn at `start_ms` (the pacer's
/// second measure of its cost: a software rasteriser draws after the page's thread is free).
fn report_gpu_done(queue: &wgpu::Queue, slot: &Arc<Mutex<Option<(f64, f64)>>>, start_ms: f64) {
    let slot = slot.clone();
    queue.on_submitted_work_done(move || {
        if let Ok(mut s) = slot.lock() {
            *s = Some((start_ms, now_ms()));
        }
    });
}
