//! Errors raised while decoding or validating a message.

/// Why a message could not be decoded or does not fit its expected form.
///
/// Every variant's text names the offending argument, the value or shape that was received and
/// what was expected, so it can be sent back to the client verbatim.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The bytes are not a valid MessagePack message of the expected form.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The message is over a decoding limit of [`crate::bounded`]: nesting depth, number of
    /// values or decoded memory. The text names the limit.
    #[error("message refused while decoding: {0}")]
    TooComplex(String),
    /// An array extension could not be decoded.
    #[error("malformed array: {0}")]
    BadArray(String),
    /// A required argument is absent.
    #[error("{kind}: missing required argument '{name}'")]
    Missing {
        /// The message kind, for example `MESHES`.
        kind: &'static str,
        /// The argument's name.
        name: String,
    },
    /// An argument has the wrong shape.
    #[error("{kind}: argument '{name}' has shape {got:?}, expected {expected}")]
    Shape {
        /// The message kind.
        kind: &'static str,
        /// The argument's name.
        name: String,
        /// The shape received.
        got: Vec<usize>,
        /// The shapes accepted, in words, for example `(N,V,3) or (V,3)`.
        expected: String,
    },
    /// An argument has the wrong type (for example a string where an array is expected).
    #[error("{kind}: argument '{name}' is {got}, expected {expected}")]
    Type {
        /// The message kind.
        kind: &'static str,
        /// The argument's name.
        name: String,
        /// What was received, in words.
        got: String,
        /// What is accepted, in words.
        expected: String,
    },
    /// An argument's value is out of range or otherwise invalid.
    #[error("{kind}: argument '{name}' is invalid: {reason}")]
    Invalid {
        /// The message kind.
        kind: &'static str,
        /// The argument's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The message type number is not one meshcast knows.
    #[error(
        "unknown message type {0} (built-in types are 1-6, 10, 11, 100-103, 200-202, 900; user types are >= 10000)"
    )]
    UnknownType(i64),
    /// The message needs a node uid but has none.
    #[error("{0}: message needs a node uid, got nil")]
    NoUid(&'static str),
}

impl ProtocolError {
    pub(crate) fn malformed(msg: impl std::fmt::Display) -> Self {
        Self::Malformed(msg.to_string())
    }
}
