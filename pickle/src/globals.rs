//! The whitelist of globals (`module.name`) a pickle may name.
//!
//! A global is only ever looked up in this table: nothing is imported and nothing is called.
//! What each one does when a pickle "calls" it (`REDUCE`, `NEWOBJ`) or sets its state (`BUILD`)
//! is implemented in [`crate::vm`].

/// One whitelisted global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Global {
    /// `aitviewer.remote.message.Message`: `Message(value)` is an enum member.
    Message,
    /// `numpy(._core|.core).multiarray._reconstruct`: an empty array awaiting `BUILD`.
    Reconstruct,
    /// `numpy.ndarray`: only as the first argument of `_reconstruct`.
    NdArrayType,
    /// `numpy.dtype`: `dtype(code, align, copy)`, then `BUILD` with the byte order.
    Dtype,
    /// `numpy(._core|.core).multiarray.scalar`: `scalar(dtype, raw_bytes)`.
    Scalar,
    /// `numpy(._core|.core).numeric._frombuffer`: `_frombuffer(buf, dtype, shape, order)`.
    FromBuffer,
    /// `builtins.range` / `__builtin__.xrange`.
    Range,
    /// `builtins.set` / `__builtin__.set`.
    Set,
    /// `builtins.frozenset` / `__builtin__.frozenset`.
    FrozenSet,
    /// `_codecs.encode`, only as `encode(str, 'latin1')` (bytes under protocols 0-2).
    CodecsEncode,
    /// `builtins.bytes` / `__builtin__.bytes`, only as `bytes()` (empty bytes under protocols 0-2).
    Bytes,
    /// `builtins.bytearray` / `__builtin__.bytearray`, as `bytearray()` or `bytearray(bytes)`.
    ByteArray,
}

impl Global {
    /// Looks `module.name` up in the whitelist.
    pub(crate) fn resolve(module: &str, name: &str) -> Option<Global> {
        let numpy_core = |sub: &str| {
            module
                .strip_prefix("numpy._core.")
                .or_else(|| module.strip_prefix("numpy.core."))
                == Some(sub)
        };
        Some(match (module, name) {
            ("aitviewer.remote.message", "Message") => Global::Message,
            (_, "_reconstruct") if numpy_core("multiarray") => Global::Reconstruct,
            (_, "scalar") if numpy_core("multiarray") => Global::Scalar,
            (_, "_frombuffer") if numpy_core("numeric") => Global::FromBuffer,
            ("numpy", "ndarray") => Global::NdArrayType,
            ("numpy", "dtype") => Global::Dtype,
            ("builtins", "range") | ("__builtin__", "xrange") => Global::Range,
            ("builtins" | "__builtin__", "set") => Global::Set,
            ("builtins" | "__builtin__", "frozenset") => Global::FrozenSet,
            ("builtins" | "__builtin__", "bytes") => Global::Bytes,
            ("builtins" | "__builtin__", "bytearray") => Global::ByteArray,
            ("_codecs", "encode") => Global::CodecsEncode,
            _ => return None,
        })
    }

    /// The canonical `module.name`, for error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Global::Message => "aitviewer.remote.message.Message",
            Global::Reconstruct => "numpy.core.multiarray._reconstruct",
            Global::NdArrayType => "numpy.ndarray",
            Global::Dtype => "numpy.dtype",
            Global::Scalar => "numpy.core.multiarray.scalar",
            Global::FromBuffer => "numpy.core.numeric._frombuffer",
            Global::Range => "builtins.range",
            Global::Set => "builtins.set",
            Global::FrozenSet => "builtins.frozenset",
            Global::CodecsEncode => "_codecs.encode",
            Global::Bytes => "builtins.bytes",
            Global::ByteArray => "builtins.bytearray",
        }
    }
}

/// The values of aitviewer's `Message` enum.
pub(crate) const MESSAGE_VALUES: [i64; 16] = [1, 2, 3, 4, 5, 6, 10, 11, 100, 101, 102, 103, 200, 201, 202, 10000];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_numpy_spellings_resolve() {
        for m in ["numpy._core.multiarray", "numpy.core.multiarray"] {
            assert_eq!(Global::resolve(m, "_reconstruct"), Some(Global::Reconstruct));
            assert_eq!(Global::resolve(m, "scalar"), Some(Global::Scalar));
        }
        for m in ["numpy._core.numeric", "numpy.core.numeric"] {
            assert_eq!(Global::resolve(m, "_frombuffer"), Some(Global::FromBuffer));
        }
    }

    #[test]
    fn near_misses_do_not_resolve() {
        for (m, n) in [
            ("os", "system"),
            ("builtins", "eval"),
            ("numpy", "load"),
            ("numpy.core.multiarray", "_frombuffer"),
            ("numpy.core.numeric", "_reconstruct"),
            ("numpy.x.multiarray", "scalar"),
            ("numpy.core.multiarray.x", "scalar"),
            ("aitviewer.remote.message", "make_message"),
            ("__builtin__", "range"),
            ("builtins", "xrange"),
            ("collections", "OrderedDict"),
        ] {
            assert_eq!(Global::resolve(m, n), None, "{m}.{n}");
        }
    }
}
