//! Element types of n-dimensional arrays.

use serde::{Deserialize, Serialize};

/// The element type of an [`crate::NdArray`]. Data is always little-endian on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// `bool`, one byte, 0 or 1 (numpy `b1`).
    Bool,
    /// `u8` (numpy `u1`).
    U8,
    /// `i8` (numpy `i1`).
    I8,
    /// `u16` (numpy `u2`).
    U16,
    /// `i16` (numpy `i2`).
    I16,
    /// `u32` (numpy `u4`).
    U32,
    /// `i32` (numpy `i4`).
    I32,
    /// `u64` (numpy `u8`).
    U64,
    /// `i64` (numpy `i8`).
    I64,
    /// IEEE half precision (numpy `f2`).
    F16,
    /// `f32` (numpy `f4`).
    F32,
    /// `f64` (numpy `f8`).
    F64,
}

const ALL: [DType; 12] = [
    DType::Bool,
    DType::U8,
    DType::I8,
    DType::U16,
    DType::I16,
    DType::U32,
    DType::I32,
    DType::U64,
    DType::I64,
    DType::F16,
    DType::F32,
    DType::F64,
];

impl DType {
    /// The wire id of this dtype (the first byte of an array extension's header).
    pub fn id(self) -> u8 {
        match self {
            DType::Bool => 0,
            DType::U8 => 1,
            DType::I8 => 2,
            DType::U16 => 3,
            DType::I16 => 4,
            DType::U32 => 5,
            DType::I32 => 6,
            DType::U64 => 7,
            DType::I64 => 8,
            DType::F16 => 9,
            DType::F32 => 10,
            DType::F64 => 11,
        }
    }

    /// The dtype with the given wire id.
    pub fn from_id(id: u8) -> Option<DType> {
        ALL.into_iter().find(|d| d.id() == id)
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::U16 | DType::I16 | DType::F16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::U64 | DType::I64 | DType::F64 => 8,
        }
    }

    /// numpy's short code without byte order, for example `f4`.
    pub fn numpy_code(self) -> &'static str {
        match self {
            DType::Bool => "b1",
            DType::U8 => "u1",
            DType::I8 => "i1",
            DType::U16 => "u2",
            DType::I16 => "i2",
            DType::U32 => "u4",
            DType::I32 => "i4",
            DType::U64 => "u8",
            DType::I64 => "i8",
            DType::F16 => "f2",
            DType::F32 => "f4",
            DType::F64 => "f8",
        }
    }

    /// Parses a numpy short code (`f4`, `<f4`, `|u1`, `?`) or name (`float32`). The byte order
    /// prefix is ignored here; callers that see `>` must byte-swap.
    pub fn from_numpy(code: &str) -> Option<DType> {
        let c = code.trim_start_matches(['<', '>', '|', '=']);
        let by_name = match c {
            "bool" | "?" => Some(DType::Bool),
            "uint8" | "B" => Some(DType::U8),
            "int8" | "b" => Some(DType::I8),
            "uint16" | "H" => Some(DType::U16),
            "int16" | "h" => Some(DType::I16),
            "uint32" | "I" => Some(DType::U32),
            "int32" | "i" => Some(DType::I32),
            "uint64" | "Q" | "L" => Some(DType::U64),
            "int64" | "q" | "l" => Some(DType::I64),
            "float16" | "e" => Some(DType::F16),
            "float32" | "f" => Some(DType::F32),
            "float64" | "d" => Some(DType::F64),
            _ => None,
        };
        by_name.or_else(|| ALL.into_iter().find(|d| d.numpy_code() == c))
    }

    /// True for floating-point dtypes.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    /// True for integer and bool dtypes.
    pub fn is_integer(self) -> bool {
        !self.is_float()
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.numpy_code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for d in ALL {
            assert_eq!(DType::from_id(d.id()), Some(d));
        }
        assert_eq!(DType::from_id(200), None);
    }

    #[test]
    fn numpy_codes_parse() {
        assert_eq!(DType::from_numpy("<f4"), Some(DType::F32));
        assert_eq!(DType::from_numpy(">i4"), Some(DType::I32));
        assert_eq!(DType::from_numpy("|u1"), Some(DType::U8));
        assert_eq!(DType::from_numpy("float64"), Some(DType::F64));
        assert_eq!(DType::from_numpy("b1"), Some(DType::Bool));
        assert_eq!(DType::from_numpy("O"), None);
        assert_eq!(DType::from_numpy("U8"), None);
    }
}
