//! Decoding with bounded memory, element count and nesting depth.
//!
//! A MessagePack list becomes a `Vec<Value>`, about 64 bytes an element, so a list of 1-byte
//! integers would grow some 60 times on decoding, and a deep nest of lists would exhaust the
//! stack. [`from_slice`] decodes any wire message through `rmp-serde` and serde as usual, while
//! [`Value`](crate::Value)'s decoder charges what it builds to a budget kept for the decode in
//! progress on this thread:
//!
//! - at most [`MAX_DEPTH`] lists and maps nested in one another;
//! - at most [`MAX_ELEMENTS`] values (list items, map keys and values, arguments) in one
//!   message;
//! - at most [`MEMORY_FACTOR`] times the message's size, plus [`MEMORY_FLOOR`], of decoded
//!   memory: each value is charged three times the size of a `Value` (what a growing `Vec`
//!   holds per item while it moves to a larger buffer), strings, binaries and array data their
//!   length. `protocol/tests/decode_memory.rs` measures the peak with a counting allocator.
//!
//! [`from_bytes`] decodes the same way from a reference-counted buffer, sharing it with the
//! arrays it holds instead of copying their data.
//! [`from_slice_within`] takes other [`Limits`] (tests aim at each limit with small ones).
//! A message over any of these is refused with [`ProtocolError::TooComplex`], which names the
//! limit, before the rest of it is decoded. Numeric data sent as arrays (the n-d array
//! extension, what both clients send) costs its own size once, far inside the limit.

use std::cell::Cell;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::ProtocolError;

/// Most lists and maps nested in one another in one message.
pub const MAX_DEPTH: usize = 64;

/// Most values (list items, map keys and values, arguments) in one message.
pub const MAX_ELEMENTS: usize = 16 << 20;

/// Decoded memory may be at most this many times the message's size (plus [`MEMORY_FLOOR`]).
pub const MEMORY_FACTOR: usize = 8;

/// Decoded memory every message may take whatever its size.
pub const MEMORY_FLOOR: usize = 16 << 20;

/// What a value is charged: three times a `Value`, the most a growing `Vec` holds per item
/// (old and doubled buffer side by side while it grows).
const VALUE_CHARGE: usize = 3 * std::mem::size_of::<crate::Value>();

/// The limits one decode is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most lists and maps nested in one another.
    pub max_depth: usize,
    /// Most values.
    pub max_values: usize,
    /// Decoded memory may be at most this many times the message's size, plus `memory_floor`.
    pub memory_factor: usize,
    /// Decoded memory every message may take whatever its size.
    pub memory_floor: usize,
}

impl Default for Limits {
    /// [`MAX_DEPTH`], [`MAX_ELEMENTS`], [`MEMORY_FACTOR`] and [`MEMORY_FLOOR`].
    fn default() -> Self {
        Self {
            max_depth: MAX_DEPTH,
            max_values: MAX_ELEMENTS,
            memory_factor: MEMORY_FACTOR,
            memory_floor: MEMORY_FLOOR,
        }
    }
}

/// The budget of the decode in progress on this thread.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limits: Limits,
    depth: usize,
    values: usize,
    memory_left: usize,
    memory_limit: usize,
    /// The first limit crossed, kept so the caller gets a typed error.
    exceeded: Option<Limit>,
}

/// Which limit a message crossed, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Lists and maps nested deeper than this.
    Depth(usize),
    /// More values than this.
    Values(usize),
    /// More decoded memory than this many bytes (the factor times its size, plus the floor).
    Memory {
        /// The limit in bytes for this message.
        limit: usize,
        /// The factor.
        factor: usize,
        /// The floor, in bytes.
        floor: usize,
    },
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Depth(max) => write!(f, "lists and maps nest deeper than {max} levels"),
            Limit::Values(max) => write!(f, "it holds more than {max} values"),
            Limit::Memory { limit, factor, floor } => write!(
                f,
                "it decodes to more than {limit} bytes of memory ({factor} times its size plus {floor}); \
                 send numbers as arrays (numpy arrays, NdArray), not as lists"
            ),
        }
    }
}

thread_local! {
    static BUDGET: Cell<Option<Budget>> = const { Cell::new(None) };
}

/// Decodes one MessagePack message of `bytes` within the default [`Limits`].
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    from_slice_within(bytes, Limits::default())
}

/// Decodes one MessagePack message of `bytes` within the default [`Limits`]; arrays and binary
/// values in it are slices of `bytes`, not copies.
pub fn from_bytes<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ProtocolError> {
    from_bytes_within(bytes, Limits::default())
}

/// Decodes one MessagePack message of `bytes` within `limits`, sharing its arrays' data with
/// `bytes`.
pub fn from_bytes_within<T: DeserializeOwned>(bytes: &Bytes, limits: Limits) -> Result<T, ProtocolError> {
    crate::shared::with_source(bytes, || from_slice_within(bytes, limits))
}

/// Decodes one MessagePack message of `bytes` within `limits`.
pub fn from_slice_within<T: DeserializeOwned>(bytes: &[u8], limits: Limits) -> Result<T, ProtocolError> {
    let memory_limit = bytes
        .len()
        .saturating_mul(limits.memory_factor)
        .saturating_add(limits.memory_floor);
    let budget = Budget {
        limits,
        depth: 0,
        values: 0,
        memory_left: memory_limit,
        memory_limit,
        exceeded: None,
    };
    let outer = BUDGET.with(|b| b.replace(Some(budget)));
    let decoded = rmp_serde::from_slice::<T>(bytes);
    let ended = BUDGET.with(|b| b.replace(outer));
    match (decoded, ended.and_then(|b| b.exceeded)) {
        (_, Some(limit)) => Err(ProtocolError::TooComplex(limit.to_string())),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(ProtocolError::malformed(e)),
    }
}

/// Applies `f` to the budget of the decode in progress, if any; `Err` names the limit crossed.
fn charge(f: impl FnOnce(&mut Budget) -> Option<Limit>) -> Result<(), Limit> {
    BUDGET.with(|cell| {
        let Some(mut b) = cell.get() else { return Ok(()) };
        let crossed = b.exceeded.or_else(|| f(&mut b));
        b.exceeded = crossed;
        cell.set(Some(b));
        crossed.map_or(Ok(()), Err)
    })
}

/// Charges `bytes` of decoded memory (a string, binary or array copied out of the message).
pub(crate) fn charge_bytes(bytes: usize) -> Result<(), Limit> {
    charge(|b| take_memory(b, bytes))
}

/// Charges one value.
pub(crate) fn charge_value() -> Result<(), Limit> {
    charge(|b| {
        b.values += 1;
        if b.values > b.limits.max_values {
            return Some(Limit::Values(b.limits.max_values));
        }
        take_memory(b, VALUE_CHARGE)
    })
}

/// Enters a list or map: one level deeper.
pub(crate) fn enter() -> Result<(), Limit> {
    charge(|b| {
        b.depth += 1;
        (b.depth > b.limits.max_depth).then_some(Limit::Depth(b.limits.max_depth))
    })
}

/// Leaves a list or map.
pub(crate) fn leave() {
    let _ = charge(|b| {
        b.depth = b.depth.saturating_sub(1);
        None
    });
}

fn take_memory(b: &mut Budget, bytes: usize) -> Option<Limit> {
    match b.memory_left.checked_sub(bytes) {
        Some(left) => {
            b.memory_left = left;
            None
        }
        None => Some(Limit::Memory {
            limit: b.memory_limit,
            factor: b.limits.memory_factor,
            floor: b.limits.memory_floor,
        }),
    }
}

/// The most list items an element list may reserve room for before they arrive (the count in a
/// list's header comes from the peer).
pub(crate) const PREALLOCATE: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, decode_envelope, encode, encode_envelope, Envelope, NdArray, Value, ViewerToRelay};

    fn nest(depth: usize) -> Value {
        (0..depth).fold(Value::Int(1), |v, _| Value::List(vec![v]))
    }

    fn refused(e: ProtocolError, needle: &str) {
        match e {
            ProtocolError::TooComplex(m) => assert!(m.contains(needle), "{m}"),
            other => panic!("expected a decoding limit, got {other}"),
        }
    }

    #[test]
    fn depth_is_limited() {
        let ok = encode_envelope(&Envelope::new(10_000, None).with_arg(nest(MAX_DEPTH)));
        assert!(decode_envelope(&ok).is_ok());
        let deep = encode_envelope(&Envelope::new(10_000, None).with_arg(nest(MAX_DEPTH + 1)));
        refused(decode_envelope(&deep).unwrap_err(), "nest deeper than 64 levels");
        // Deep maps count the same, and viewer messages are held to it too.
        let map = (0..=MAX_DEPTH).fold(Value::Nil, |v, _| Value::Map(vec![(Value::Int(0), v)]));
        let msg = encode(&ViewerToRelay::ToClients {
            client: None,
            payload: map,
        });
        refused(decode::<ViewerToRelay>(&msg).unwrap_err(), "nest deeper");
    }

    #[test]
    fn value_count_is_limited() {
        let limits = Limits {
            max_values: 1000,
            ..Limits::default()
        };
        let list = |n: usize| encode_envelope(&Envelope::new(10_000, None).with_arg(Value::List(vec![Value::Nil; n])));
        // The argument list itself is one value.
        assert!(from_slice_within::<Envelope>(&list(999), limits).is_ok());
        refused(
            from_slice_within::<Envelope>(&list(1000), limits).unwrap_err(),
            "more than 1000 values",
        );
    }

    #[test]
    fn lists_of_small_numbers_cannot_amplify() {
        // 1-byte integers: ~128 bytes charged each against 8 bytes of room per byte of message.
        let n = 1 << 20;
        let msg = encode_envelope(&Envelope::new(10_000, None).with_kwarg("x", Value::List(vec![Value::Int(1); n])));
        assert!(msg.len() < n + 64);
        let e = decode_envelope(&msg).unwrap_err();
        refused(e.clone(), "times its size");
        assert!(e.to_string().contains("send numbers as arrays"), "{e}");
        // The same numbers as an array are fine, and so are smaller lists.
        let arr = NdArray::from_i32(&[n], &vec![1; n]).unwrap();
        assert!(decode_envelope(&encode_envelope(&Envelope::new(10_000, None).with_kwarg("x", arr))).is_ok());
        let small = Value::List(vec![Value::Int(1); 10_000]);
        assert!(decode_envelope(&encode_envelope(&Envelope::new(10_000, None).with_kwarg("x", small))).is_ok());
    }

    #[test]
    fn a_list_header_that_lies_reserves_little() {
        // An array32 header claiming 4 billion items, then nothing.
        let mut msg = vec![0x81, 0xa4];
        msg.extend_from_slice(b"type");
        msg.extend_from_slice(&[0xdd, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(decode_envelope(&msg), Err(ProtocolError::Malformed(_))));
    }

    #[test]
    fn budgets_do_not_leak_between_decodes() {
        let deep = encode_envelope(&Envelope::new(10_000, None).with_arg(nest(MAX_DEPTH + 1)));
        assert!(decode_envelope(&deep).is_err());
        // Undecoded after a refusal: the next message starts afresh.
        assert!(decode_envelope(&encode_envelope(&Envelope::new(10_000, None).with_arg(nest(MAX_DEPTH)))).is_ok());
        assert!(BUDGET.with(Cell::get).is_none());
    }
}
