//! Bounds on the work and memory one decode may use.

/// Bounds that keep decoding linear in the input size.
///
/// The defaults accept every message a real aitviewer client sends and keep the memory of a
/// decode within a small multiple of the input size. Every bound is checked before the memory it
/// guards is allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting: of `MARK`s on the stack, and of containers in the decoded value.
    /// The decoded value is converted recursively, so keep this below a few thousand.
    pub max_depth: usize,
    /// Most items on the unpickling stack at once.
    pub max_stack: usize,
    /// Most memo entries.
    pub max_memo: usize,
    /// Most values one pickle may produce: items pushed while decoding, and nodes of the decoded
    /// value (a shared object counts each time it appears). Bounds memory independently of the
    /// input size: a node costs about 16 bytes while decoding and about 72 in the result.
    pub max_nodes: usize,
    /// Most axes of an array (the wire format allows 8).
    pub max_ndim: usize,
    /// Largest length of one array axis (the wire format stores axes as `u32`).
    pub max_dim: usize,
    /// Most integers all `range` values of one message may hold together, counting a range each
    /// time it appears in the result (ranges stay lazy; this bounds what a consumer expands).
    pub max_range_elements: u64,
    /// Largest Python `int`, in bytes of its two's-complement form, that is still turned into a
    /// float when it does not fit an `i64` (128 bytes reach `f64::MAX`).
    pub max_long_bytes: usize,
    /// Expansion bound: the decoded value (every node, and every byte of its strings, bytes and
    /// arrays, counted each time a shared object appears) and the bytes copied while decoding may
    /// each be at most `input length × expansion_factor + expansion_slack`.
    pub expansion_factor: usize,
    /// See [`Limits::expansion_factor`].
    pub expansion_slack: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_stack: 1 << 22,
            max_memo: 1 << 22,
            max_nodes: 1 << 22,
            max_ndim: 8,
            max_dim: u32::MAX as usize,
            max_range_elements: 1 << 24,
            max_long_bytes: 128,
            expansion_factor: 4,
            expansion_slack: 64 * 1024,
        }
    }
}

impl Limits {
    /// The expansion budget for an input of `input_len` bytes.
    pub fn expansion_budget(&self, input_len: usize) -> usize {
        input_len
            .saturating_mul(self.expansion_factor)
            .saturating_add(self.expansion_slack)
    }
}
