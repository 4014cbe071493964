//! The error type of decoding.

/// Why a pickle was rejected.
///
/// Every message says where (the byte offset of the opcode being run) and what was wrong, so it
/// can be logged or sent back to the client as it is. Text taken from the input (global names) is
/// shortened and stripped of control characters first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickleError {
    /// The input ended before the pickle was complete (including declared lengths that run past
    /// the end of the input).
    #[error("pickle ends early at byte {offset}: {what}")]
    Truncated {
        /// Offset of the opcode being read.
        offset: usize,
        /// What was being read.
        what: String,
    },
    /// A byte that is no pickle opcode.
    #[error("unknown opcode 0x{opcode:02x} at byte {offset}")]
    UnknownOpcode {
        /// The byte.
        opcode: u8,
        /// Its offset.
        offset: usize,
    },
    /// A real pickle opcode that this decoder refuses (`INST`, `OBJ`, `PERSID`, `EXT1`,
    /// `NEXT_BUFFER`, ...).
    #[error("opcode {name} at byte {offset} is not allowed")]
    ForbiddenOpcode {
        /// The opcode's name as in Python's `pickletools`.
        name: &'static str,
        /// Its offset.
        offset: usize,
    },
    /// A global (`module.name`) outside the whitelist.
    #[error("global '{0}' is not allowed")]
    ForbiddenGlobal(String),
    /// The opcodes do not form a valid pickle (stack underflow, wrong operand types, bad memo
    /// index, bad numpy state, ...).
    #[error("malformed pickle at byte {offset}: {message}")]
    Malformed {
        /// Offset of the opcode being run.
        offset: usize,
        /// What was wrong.
        message: String,
    },
    /// A valid pickle of something this decoder does not represent (object or structured
    /// dtypes, integers too large for a float, an unknown `Message` value, ...).
    #[error("unsupported value at byte {offset}: {message}")]
    Unsupported {
        /// Offset of the opcode being run.
        offset: usize,
        /// What it was.
        message: String,
    },
    /// A [`crate::Limits`] bound was hit.
    #[error("limit exceeded at byte {offset}: {message}")]
    Limit {
        /// Offset of the opcode being run.
        offset: usize,
        /// Which limit, with its value.
        message: String,
    },
    /// The pickle decoded, but it is not an aitviewer message dictionary.
    #[error("not an aitviewer message: {0}")]
    Envelope(String),
}

/// `s` shortened to at most 120 characters, without control characters, for error messages.
pub(crate) fn sanitize(s: &str) -> String {
    const MAX: usize = 120;
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(MAX).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    out
}
