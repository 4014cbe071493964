//! Safe decoding of the pickles that aitviewer's Remote Viewer clients send, and encoding of the
//! replies the relay sends them.
//!
//! Real aitviewer clients send every message as
//! `pickle.dumps({"type": Message, "uid": int | None, "args": tuple, "kwargs": dict})`, with
//! numpy arrays inside. [`decode`] runs such a pickle on a restricted virtual machine written
//! from scratch: it knows the data opcodes of protocols 0 to 5 and a short whitelist of globals
//! (aitviewer's `Message` enum, numpy's array, dtype and scalar reconstructors, `range`, `set`,
//! `frozenset` and the protocol-2 spellings of `bytes`), and it never imports or calls anything.
//! Everything else is an error that names the opcode or the global. Work and memory are bounded
//! by the input size through [`Limits`].
//!
//! [`decode_envelope`] maps the message dict onto [`meshcast_protocol::Envelope`], [`is_pickle`]
//! tells a pickle frame from a MessagePack one, and [`encode`] writes a [`Value`] as a pickle
//! Python's `pickle.loads` reads (numpy arrays included).
//!
//! ```
//! use meshcast_pickle::{decode, encode, Limits};
//! use meshcast_protocol::Value;
//!
//! let v = Value::Map(vec![(Value::from("position"), Value::from(vec![0.0, 0.5, 1.0]))]);
//! assert_eq!(decode(&encode(&v), &Limits::default()).unwrap(), v);
//! assert!(decode(b"\x80\x04cos\nsystem\n.", &Limits::default()).is_err());
//! ```

mod encode;
mod envelope;
mod error;
mod globals;
mod limits;
mod opcodes;
mod vm;

pub use encode::encode;
pub use envelope::{decode_envelope, decode_envelope_with, envelope_from_value};
pub use error::PickleError;
pub use limits::Limits;
pub use meshcast_protocol::Value;

/// Decodes one pickle into a [`Value`], refusing anything outside the whitelist.
///
/// Python values map as follows: `None`, `bool`, `int`, `float`, `str` and `bytes` to the
/// matching variant (`bytearray` to `Bin`); `tuple`, `list`, `set` and `frozenset` to `List`;
/// `dict` to `Map` (keys of any type, in order); `range` to `Range` (kept lazy); numpy arrays to
/// `Array` (little-endian, C order, whatever byte order and layout they were sent in); numpy
/// scalars to plain `Bool`, `Int` or `Float`; members of aitviewer's `Message` enum to `Int`; a
/// `numpy.dtype` object to its `str` (for example `"<f4"`). Python ints outside `i64` (and
/// `uint64` scalars above `i64::MAX`) become the nearest `Float`; ints too large for a float are
/// an error. Text that is not valid UTF-8 (lone surrogates) is decoded lossily.
///
/// Data after the `STOP` opcode is ignored, as Python does.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Value, PickleError> {
    vm::Machine::new(bytes, limits).decode()
}

/// True when `bytes` starts like a pickle of protocol 2 to 5 (`PROTO` then the version).
///
/// aitviewer clients always send protocol 4 (protocol 5 from Python 3.14); MessagePack
/// envelopes start with a fixmap byte (`0x8N`), never `0x80` followed by 2 to 5.
pub fn is_pickle(bytes: &[u8]) -> bool {
    matches!(bytes, [0x80, 2..=5, ..])
}

#[cfg(test)]
mod tests;
