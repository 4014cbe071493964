//! What a scene costs in memory, as counted against the relay's `--max-scene-bytes`.
//!
//! A node's footprint is its array data (every frame counted in full, as a snapshot copies it
//! out, even where zero-filled frames share one buffer) plus a fixed charge per node, per stored
//! frame and per byte of options. The fixed charges make many small nodes and many empty frames
//! count too, so no message shape grows the scene without growing its footprint.

use meshcast_protocol::Value;

/// Charged per node on top of its data: its entry, key, kind and maps.
pub const NODE_CHARGE: usize = 512;

/// Charged per stored frame of a series on top of its bytes: the frame's buffer handle.
pub const FRAME_CHARGE: usize = 32;

/// Bytes a series of `frames` frames of `frame_bytes` bytes each is charged.
pub fn series_charge(frames: usize, frame_bytes: usize) -> usize {
    frames.saturating_mul(frame_bytes.saturating_add(FRAME_CHARGE))
}

/// Bytes an option value is charged: its in-memory size and what it owns.
pub fn value_charge(v: &Value) -> usize {
    let own = std::mem::size_of::<Value>();
    match v {
        Value::Str(s) => own + s.len(),
        Value::Bin(b) => own + b.len(),
        Value::List(items) => own + items.iter().map(value_charge).sum::<usize>(),
        Value::Map(pairs) => {
            own + pairs
                .iter()
                .map(|(k, v)| value_charge(k) + value_charge(v))
                .sum::<usize>()
        }
        Value::Array(a) => own + a.nbytes(),
        Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Range(_) => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_count_what_they_hold() {
        let leaf = std::mem::size_of::<Value>();
        assert_eq!(value_charge(&Value::Int(1)), leaf);
        assert_eq!(value_charge(&Value::from("abcd")), leaf + 4);
        let list = Value::List(vec![Value::List(vec![Value::Int(1); 3]); 2]);
        assert_eq!(value_charge(&list), leaf * (1 + 2 + 6));
    }

    #[test]
    fn empty_frames_still_cost() {
        assert_eq!(series_charge(10, 0), 10 * FRAME_CHARGE);
        assert_eq!(series_charge(usize::MAX, 2), usize::MAX);
    }
}
