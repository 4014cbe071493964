//! The objects the machine works on: stack and memo slots, heap objects, budgets.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, RangeValue};

use crate::globals::Global;
use crate::PickleError;

/// A stack or memo slot: an immediate value or a reference into the heap.
#[derive(Debug, Clone, Copy)]
pub(super) enum Obj {
    None,
    Bool(bool),
    Int(i64),
    /// A Python int outside `i64`, kept as the nearest float.
    BigInt(f64),
    Float(f64),
    Ref(usize),
}

/// Byte order of a numpy dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ByteOrder {
    Little,
    Big,
    /// `|`: single-byte types.
    NotApplicable,
}

/// A `numpy.dtype` object.
#[derive(Debug, Clone, Copy)]
pub(super) struct DtypeObj {
    pub(super) dtype: DType,
    pub(super) order: ByteOrder,
}

impl DtypeObj {
    pub(super) fn big_endian(self) -> bool {
        self.order == ByteOrder::Big
    }

    /// numpy's `dtype.str`, for example `<f4`.
    pub(super) fn describe(self) -> String {
        let c = match self.order {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        };
        format!("{c}{}", self.dtype.numpy_code())
    }
}

/// A heap object.
#[derive(Debug)]
pub(super) enum Heap {
    Str(String),
    Bytes(Bytes),
    ByteArray(Bytes),
    List(Vec<Obj>),
    Tuple(Vec<Obj>),
    Dict(Vec<(Obj, Obj)>),
    Set(Vec<Obj>),
    FrozenSet(Vec<Obj>),
    Global(Global),
    /// A member of aitviewer's `Message` enum.
    Message(i64),
    Dtype(DtypeObj),
    /// An ndarray; `None` until `BUILD` gives it its state.
    Array(Option<NdArray>),
    Range(RangeValue),
}

impl Heap {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Heap::Str(_) => "str",
            Heap::Bytes(_) => "bytes",
            Heap::ByteArray(_) => "bytearray",
            Heap::List(_) => "list",
            Heap::Tuple(_) => "tuple",
            Heap::Dict(_) => "dict",
            Heap::Set(_) => "set",
            Heap::FrozenSet(_) => "frozenset",
            Heap::Global(_) => "class or function",
            Heap::Message(_) => "Message",
            Heap::Dtype(_) => "numpy.dtype",
            Heap::Array(_) => "numpy.ndarray",
            Heap::Range(_) => "range",
        }
    }
}

/// Bytes left to copy or to emit.
#[derive(Debug)]
pub(super) struct Budget {
    pub(super) left: usize,
    pub(super) what: &'static str,
}

impl Budget {
    pub(super) fn charge(&mut self, n: usize, offset: usize) -> Result<(), PickleError> {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(PickleError::Limit {
                offset,
                message: format!("{} exceeds the expansion limit for an input of this size", self.what),
            }),
        }
    }
}
