//! Reading and locally editing a node's affine transform and colour (the properties panel).
//!
//! Edits change the viewer's own copy of the node, like aitviewer's GUI: the value for the
//! shown data frame is overwritten (a 1-frame value serves every frame) and the node's version
//! is bumped so the renderer re-uploads it. They are not sent to the relay: a reload or a
//! reconnect shows the clients' values again.

use glam::{EulerRot, Mat3};
use meshcast_protocol::{NdArray, NodeKind, Value};
use meshcast_scene::{field, opt, FrameSeries, Node, NodeKey, Scene};

use super::defaults;

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The data frame whose transform shows at scene frame `frame`, clamped to the series.
fn series_index(node: &Node, series: &FrameSeries, frame: usize) -> usize {
    node.data_frame(frame).unwrap_or(0).min(series.len().saturating_sub(1))
}

fn series_values(node: &Node, name: &str, frame: usize) -> Option<Vec<f32>> {
    let s = node.series(name)?;
    let i = series_index(node, s, frame);
    s.frame(i).map(|b| f32s(b))
}

/// The node's position at `frame` (default zeros).
pub fn position(node: &Node, frame: usize) -> [f32; 3] {
    match series_values(node, field::POSITION, frame).as_deref() {
        Some([x, y, z]) => [*x, *y, *z],
        _ => [0.0; 3],
    }
}

/// The node's rotation matrix at `frame` (default identity).
pub fn rotation(node: &Node, frame: usize) -> Mat3 {
    match series_values(node, field::ROTATION, frame) {
        // Row-major on the wire (numpy C order); glam is column-major.
        Some(v) if v.len() == 9 => Mat3::from_cols_array(&[v[0], v[3], v[6], v[1], v[4], v[7], v[2], v[5], v[8]]),
        _ => Mat3::IDENTITY,
    }
}

/// The rotation as extrinsic XYZ Euler angles in degrees (scipy's `as_euler('xyz')`, as aitviewer
/// shows it).
pub fn rotation_euler_deg(node: &Node, frame: usize) -> [f32; 3] {
    let (x, y, z) = rotation(node, frame).to_euler(EulerRot::XYZEx);
    [x.to_degrees(), y.to_degrees(), z.to_degrees()]
}

/// The node's uniform scale at `frame` (default 1).
pub fn scale(node: &Node, frame: usize) -> f32 {
    match series_values(node, field::SCALE, frame).as_deref() {
        Some([s]) => *s,
        _ => 1.0,
    }
}

/// The node's uniform colour, or `None` when it has one colour per element.
pub fn color(node: &Node) -> Option<[f32; 4]> {
    match node.static_array(opt::COLOR) {
        Some(c) if c.shape() == [4] => match f32s(c.data()).as_slice() {
            [r, g, b, a] => Some([*r, *g, *b, *a]),
            _ => None,
        },
        Some(_) => None,
        None => Some(defaults::color(node.kind())),
    }
}

/// Writes the shown frame of a per-frame transform series through the scene's edit API
/// (creating a 1-frame series when absent; the scene bumps the node's version).
fn write_series(scene: &mut Scene, key: &NodeKey, name: &str, frame: usize, frame_shape: &[usize], values: &[f32]) {
    let mut shape = vec![1];
    shape.extend_from_slice(frame_shape);
    if let Ok(arr) = NdArray::from_f32(&shape, values) {
        scene.edit_series_frame(key, name, frame, &arr);
    }
}

/// Sets the node's position at `frame`.
pub fn set_position(scene: &mut Scene, key: &NodeKey, frame: usize, p: [f32; 3]) {
    write_series(scene, key, field::POSITION, frame, &[3], &p);
}

/// Sets the node's rotation at `frame` from extrinsic XYZ Euler angles in degrees.
pub fn set_rotation_euler_deg(scene: &mut Scene, key: &NodeKey, frame: usize, deg: [f32; 3]) {
    let m = Mat3::from_euler(
        EulerRot::XYZEx,
        deg[0].to_radians(),
        deg[1].to_radians(),
        deg[2].to_radians(),
    );
    // Back to row-major.
    let c = m.to_cols_array();
    let rows = [c[0], c[3], c[6], c[1], c[4], c[7], c[2], c[5], c[8]];
    write_series(scene, key, field::ROTATION, frame, &[3, 3], &rows);
}

/// Sets the node's uniform scale at `frame` (clamped to aitviewer's 0.001–100).
pub fn set_scale(scene: &mut Scene, key: &NodeKey, frame: usize, s: f32) {
    if !s.is_finite() {
        return;
    }
    write_series(scene, key, field::SCALE, frame, &[], &[s.clamp(0.001, 100.0)]);
}

/// Sets the node's uniform colour (replacing per-element colours).
pub fn set_color(scene: &mut Scene, key: &NodeKey, rgba: [f32; 4]) {
    if let Ok(arr) = NdArray::from_f32(&[4], &rgba.map(|c| c.clamp(0.0, 1.0))) {
        scene.edit_static(key, opt::COLOR, arr);
    }
}

/// The kinds whose `radius` the properties panel edits, as aitviewer's does: those the kinds
/// table gives a `radius` option (sphere radius of Spheres and RigidBodies, joint radius of
/// Skeletons).
fn has_radius(kind: NodeKind) -> bool {
    kind.option("radius").is_some()
}

/// The node's `radius` (its kind's default when unset); `None` for kinds without one.
pub fn radius(node: &Node) -> Option<f32> {
    if !has_radius(node.kind()) {
        return None;
    }
    let set = node.option("radius").and_then(Value::as_f64).map(|r| r as f32);
    set.or_else(|| defaults::number(node.kind(), "radius"))
}

/// Sets the node's `radius` (clamped to 0.0001–100); ignored for other kinds and non-finite
/// values.
pub fn set_radius(scene: &mut Scene, key: &NodeKey, r: f32) {
    let kind = scene.node(key).map(Node::kind);
    if !r.is_finite() || !kind.is_some_and(has_radius) {
        return;
    }
    scene.edit_option(key, "radius", Value::Float(f64::from(r.clamp(0.0001, 100.0))));
}

/// `#rrggbb` of an RGBA colour in 0–1.
pub fn to_hex(c: [f32; 4]) -> String {
    let b = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02x}{:02x}{:02x}", b(c[0]), b(c[1]), b(c[2]))
}

/// Parses `#rrggbb` into RGB in 0–1.
pub fn from_hex(s: &str) -> Option<[f32; 3]> {
    let s = s.strip_prefix('#')?;
    if s.len() != 6 {
        return None;
    }
    let p = |i: usize| {
        u8::from_str_radix(s.get(i..i + 2)?, 16)
            .ok()
            .map(|v| f32::from(v) / 255.0)
    };
    Some([p(0)?, p(2)?, p(4)?])
}

/// Rows of one frame of a per-frame array (its first axis), 0 when absent.
fn rows(series: Option<&FrameSeries>) -> usize {
    series.and_then(|s| s.frame_shape().first().copied()).unwrap_or(0)
}

/// Rows of a static array (its first axis), 0 when absent.
fn static_rows(array: Option<&NdArray>) -> usize {
    array.and_then(|a| a.shape().first().copied()).unwrap_or(0)
}

/// Element counts of a node for the properties panel, as (label, value) pairs, read through the
/// node's typed view.
pub fn stats(node: &Node) -> Vec<(&'static str, String)> {
    let mut out = vec![("Frames", node.n_frames().to_string())];
    if let Some(m) = node.mesh() {
        out.push(("Vertices", rows(m.vertices()).to_string()));
        out.push(("Faces", static_rows(m.faces()).to_string()));
        if let Some(i) = m.instance_transforms().and_then(|s| s.frame_shape().first().copied()) {
            out.push(("Instances", i.to_string()));
        }
        let colours = if m.face_colors().is_some() {
            "per face"
        } else if m.vertex_colors().is_some() {
            "per vertex"
        } else {
            "uniform"
        };
        out.push(("Colours", colours.into()));
    } else if let Some(s) = node.spheres() {
        out.push(("Spheres", rows(s.positions()).to_string()));
    } else if let Some(l) = node.lines() {
        let n = rows(l.lines());
        out.push(("Points", n.to_string()));
        let segments = if l.is_strip() { n.saturating_sub(1) } else { n / 2 };
        out.push(("Segments", segments.to_string()));
    } else if let Some(a) = node.arrows() {
        out.push(("Arrows", rows(a.origins()).to_string()));
    } else if let Some(r) = node.rigid_bodies() {
        out.push(("Bodies", rows(r.positions()).to_string()));
    } else if let Some(k) = node.skeletons() {
        out.push(("Joints", rows(k.joint_positions()).to_string()));
        out.push(("Bones", static_rows(k.joint_connections()).to_string()));
    } else if let Some(b) = node.smpl() {
        out.push(("Model", b.model_type().to_owned()));
    }
    out.push(("Data", format_bytes(node.nbytes())));
    out
}

/// Bytes as B / KiB / MiB.
pub fn format_bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    }
}
