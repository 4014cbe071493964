//! Reading opcodes' operands from the input, with every length checked before it is used.

use crate::PickleError;

/// Reads the input.
pub(super) struct Reader<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(super) fn take(&mut self, n: usize, offset: usize, what: &str) -> Result<&'a [u8], PickleError> {
        if n > self.remaining() {
            return Err(PickleError::Truncated {
                offset,
                what: format!("{what} needs {n} bytes, {} remain", self.remaining()),
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn array<const N: usize>(&mut self, offset: usize, what: &str) -> Result<[u8; N], PickleError> {
        let mut b = [0u8; N];
        b.copy_from_slice(self.take(N, offset, what)?);
        Ok(b)
    }

    pub(super) fn u8(&mut self, offset: usize, what: &str) -> Result<u8, PickleError> {
        Ok(self.array::<1>(offset, what)?[0])
    }

    /// A length field of `N` little-endian bytes, as `usize` (saturating, so it fails `take`).
    pub(super) fn len<const N: usize>(&mut self, offset: usize, what: &str) -> Result<usize, PickleError> {
        let b = self.array::<N>(offset, what)?;
        let mut wide = [0u8; 8];
        wide[..N].copy_from_slice(&b);
        Ok(usize::try_from(u64::from_le_bytes(wide)).unwrap_or(usize::MAX))
    }

    /// Bytes up to the next newline, which is consumed but not returned.
    pub(super) fn line(&mut self, offset: usize, what: &str) -> Result<&'a [u8], PickleError> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => Err(PickleError::Truncated {
                offset,
                what: format!("{what} has no terminating newline"),
            }),
        }
    }
}
