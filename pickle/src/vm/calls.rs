//! What the whitelisted globals do when a pickle calls them (`REDUCE`, `NEWOBJ`) or sets their
//! state (`BUILD`). Nothing is imported or executed: each global is a small Rust function over
//! the machine's own objects.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, RangeValue};

use super::objects::{ByteOrder, DtypeObj, Heap, Obj};
use super::{Machine, R};
use crate::error::sanitize;
use crate::globals::{Global, MESSAGE_VALUES};

impl Machine<'_> {
    // ----- calls -----

    /// `REDUCE` (`callable(*args)`) or, with `newobj`, `NEWOBJ` (`cls.__new__(cls, *args)`).
    pub(super) fn call(&mut self, callable: Obj, args: Obj, newobj: bool) -> R<Obj> {
        let opname = if newobj { "NEWOBJ" } else { "REDUCE" };
        let g = match self.heap_of(callable) {
            Some(Heap::Global(g)) => *g,
            _ => return Err(self.malformed(format!("{opname} on {}", self.describe(callable)))),
        };
        if newobj && !matches!(g, Global::Range | Global::FrozenSet | Global::Message) {
            return Err(self.unsupported(format!("NEWOBJ on {} is not allowed", g.name())));
        }
        let what = format!("the arguments of {}", g.name());
        let a = self.tuple_items(args, &what, 4)?;
        let arity = |lo: usize, hi: usize| -> R<()> {
            if a.len() < lo || a.len() > hi {
                Err(self.malformed(format!("{} takes {lo} to {hi} arguments, got {}", g.name(), a.len())))
            } else {
                Ok(())
            }
        };
        match g {
            Global::Message => {
                arity(1, 1)?;
                let v = self.as_int(a[0], "a Message value")?;
                if !MESSAGE_VALUES.contains(&v) {
                    return Err(self.unsupported(format!("{v} is not a value of aitviewer's Message enum")));
                }
                self.alloc(Heap::Message(v))
            }
            Global::Reconstruct => {
                arity(3, 3)?;
                match self.heap_of(a[0]) {
                    Some(Heap::Global(Global::NdArrayType)) => self.alloc(Heap::Array(None)),
                    _ => Err(self.unsupported(format!(
                        "_reconstruct of {}; only numpy.ndarray is allowed",
                        self.describe(a[0])
                    ))),
                }
            }
            Global::Dtype => {
                arity(1, 3)?;
                let code = self.as_str(a[0], "the dtype code")?;
                let dtype = numeric_dtype(code).ok_or_else(|| {
                    self.unsupported(format!(
                        "dtype '{}' is not allowed; only b1 i1 i2 i4 i8 u1 u2 u4 u8 f2 f4 f8 are",
                        sanitize(code)
                    ))
                })?;
                let order = match code.as_bytes().first() {
                    Some(b'>') => ByteOrder::Big,
                    _ if dtype.itemsize() == 1 => ByteOrder::NotApplicable,
                    _ => ByteOrder::Little,
                };
                self.alloc(Heap::Dtype(DtypeObj { dtype, order }))
            }
            Global::Scalar => {
                arity(2, 2)?;
                let d = self.as_dtype(a[0], "scalar's dtype")?;
                let data = self.as_bytes(a[1], "scalar's data")?;
                self.scalar(d, data)
            }
            Global::FromBuffer => {
                arity(4, 4)?;
                let data = self.as_bytes(a[0], "_frombuffer's buffer")?;
                let d = self.as_dtype(a[1], "_frombuffer's dtype")?;
                let shape = self.as_shape(a[2])?;
                let fortran = match self.as_str(a[3], "_frombuffer's order")? {
                    "C" => false,
                    "F" => true,
                    other => {
                        return Err(self.unsupported(format!(
                            "array order '{}'; only 'C' and 'F' are allowed",
                            sanitize(other)
                        )))
                    }
                };
                let arr = self.make_array(d, shape, data, fortran)?;
                self.alloc(Heap::Array(Some(arr)))
            }
            Global::Range => {
                arity(1, 3)?;
                let ints = a
                    .iter()
                    .map(|&o| self.as_int(o, "a range bound"))
                    .collect::<R<Vec<i64>>>()?;
                let (start, stop, step) = match ints[..] {
                    [stop] => (0, stop, 1),
                    [start, stop] => (start, stop, 1),
                    [start, stop, step] => (start, stop, step),
                    _ => return Err(self.malformed("range takes 1 to 3 arguments")),
                };
                let r = self.range(start, stop, step)?;
                self.alloc(Heap::Range(r))
            }
            Global::Set | Global::FrozenSet => {
                arity(0, 1)?;
                let items = match a.first() {
                    None => Vec::new(),
                    Some(&src) => match self.heap_of(src) {
                        Some(Heap::List(v) | Heap::Tuple(v) | Heap::Set(v) | Heap::FrozenSet(v)) => v.clone(),
                        _ => return Err(self.malformed(format!("{} of {}", g.name(), self.describe(src)))),
                    },
                };
                self.copies
                    .charge(items.len().saturating_mul(std::mem::size_of::<Obj>()), self.at)?;
                self.alloc(if g == Global::Set {
                    Heap::Set(items)
                } else {
                    Heap::FrozenSet(items)
                })
            }
            Global::CodecsEncode => {
                arity(2, 2)?;
                if self.as_str(a[1], "_codecs.encode's encoding")? != "latin1" {
                    return Err(self.unsupported("_codecs.encode is only allowed with 'latin1'"));
                }
                let s = self.as_str(a[0], "_codecs.encode's text")?;
                let n = s.len();
                let out = s
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| self.malformed("_codecs.encode of text outside latin-1"))?;
                self.copies.charge(n, self.at)?;
                self.alloc(Heap::Bytes(Bytes::from(out)))
            }
            Global::Bytes => {
                arity(0, 0)?;
                self.alloc(Heap::Bytes(Bytes::new()))
            }
            Global::ByteArray => {
                arity(0, 1)?;
                let b = match a.first() {
                    None => Bytes::new(),
                    Some(&o) => self.as_bytes(o, "bytearray's argument")?,
                };
                self.alloc(Heap::ByteArray(b))
            }
            Global::NdArrayType => Err(self.unsupported("calling numpy.ndarray is not allowed")),
        }
    }

    fn range(&self, start: i64, stop: i64, step: i64) -> R<RangeValue> {
        if step == 0 {
            return Err(self.malformed("range with step 0"));
        }
        if step == i64::MIN {
            return Err(self.unsupported("range with step -2**63"));
        }
        // RangeValue::len subtracts the bounds in i64: keep the span representable.
        let span = i128::from(stop) - i128::from(start);
        if span.abs() > i128::from(i64::MAX) {
            return Err(self.unsupported(format!("range({start}, {stop}, {step}) spans more than 2**63")));
        }
        let len = if (step > 0 && span > 0) || (step < 0 && span < 0) {
            (span.abs() - 1) / i128::from(step).abs() + 1
        } else {
            0
        };
        if len > i128::from(self.limits.max_range_elements) {
            return Err(self.limit(format!(
                "range of {len} values, at most {} are allowed",
                self.limits.max_range_elements
            )));
        }
        Ok(RangeValue { start, stop, step })
    }

    fn scalar(&mut self, d: DtypeObj, data: Bytes) -> R<Obj> {
        if data.len() != d.dtype.itemsize() {
            return Err(self.malformed(format!(
                "scalar of {} with {} bytes, expected {}",
                d.describe(),
                data.len(),
                d.dtype.itemsize()
            )));
        }
        let arr = self.make_array(d, Vec::new(), data, false)?;
        let bytes = arr.data();
        Ok(match d.dtype {
            DType::Bool => Obj::Bool(bytes.iter().any(|&b| b != 0)),
            DType::U64 => {
                let mut b = [0u8; 8];
                if let Some(src) = bytes.get(..8) {
                    b.copy_from_slice(src);
                }
                let v = u64::from_le_bytes(b);
                i64::try_from(v).map_or(Obj::BigInt(v as f64), Obj::Int)
            }
            t if t.is_float() => Obj::Float(arr.to_f64_vec().first().copied().unwrap_or(f64::NAN)),
            _ => Obj::Int(arr.to_i64_vec().first().copied().unwrap_or(0)),
        })
    }

    fn make_array(&mut self, d: DtypeObj, shape: Vec<usize>, data: Bytes, fortran: bool) -> R<NdArray> {
        self.copies.charge(data.len(), self.at)?;
        NdArray::from_numpy_bytes(d.dtype, shape, data, d.big_endian(), fortran)
            .map_err(|e| self.malformed(format!("array of {}: {e}", d.describe())))
    }

    // ----- BUILD -----

    pub(super) fn build(&mut self, target: Obj, state: Obj) -> R<()> {
        match self.heap_of(target) {
            Some(Heap::Dtype(d)) => {
                let d = *d;
                let new = self.dtype_state(d, state)?;
                if let Some(h) = self.heap_mut(target) {
                    *h = Heap::Dtype(new);
                }
                Ok(())
            }
            Some(Heap::Array(_)) => {
                let arr = self.array_state(state)?;
                if let Some(h) = self.heap_mut(target) {
                    *h = Heap::Array(Some(arr));
                }
                Ok(())
            }
            _ => Err(self.malformed(format!("BUILD on {} is not allowed", self.describe(target)))),
        }
    }

    /// `(3, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])`.
    fn dtype_state(&self, d: DtypeObj, state: Obj) -> R<DtypeObj> {
        let s = self.tuple_items(state, "a dtype's state", 9)?;
        if s.len() < 8 {
            return Err(self.malformed(format!("a dtype's state has {} items, expected 8 or 9", s.len())));
        }
        let version = self.as_int(s[0], "a dtype state's version")?;
        if version != 3 && version != 4 {
            return Err(self.unsupported(format!("dtype state version {version}")));
        }
        let order = match self.as_str(s[1], "a dtype's byte order")? {
            "<" | "=" => ByteOrder::Little,
            ">" => ByteOrder::Big,
            "|" => ByteOrder::NotApplicable,
            other => return Err(self.malformed(format!("byte order '{}'", sanitize(other)))),
        };
        if order == ByteOrder::NotApplicable && d.dtype.itemsize() > 1 {
            return Err(self.malformed(format!("byte order '|' for {}", d.dtype)));
        }
        if s[2..5].iter().any(|o| !matches!(o, Obj::None)) || s.get(8).is_some_and(|o| !matches!(o, Obj::None)) {
            return Err(self.unsupported("structured, sub-array or annotated dtypes are not allowed"));
        }
        Ok(DtypeObj { dtype: d.dtype, order })
    }

    /// `(1, shape, dtype, is_fortran, data)` or the older `(shape, dtype, is_fortran, data)`.
    fn array_state(&mut self, state: Obj) -> R<NdArray> {
        let s = self.tuple_items(state, "an ndarray's state", 5)?;
        let s = match s.len() {
            5 => {
                let version = self.as_int(s[0], "an ndarray state's version")?;
                if version != 1 {
                    return Err(self.unsupported(format!("ndarray state version {version}")));
                }
                &s[1..]
            }
            4 => &s[..],
            n => return Err(self.malformed(format!("an ndarray's state has {n} items, expected 5"))),
        };
        let shape = self.as_shape(s[0])?;
        let d = self.as_dtype(s[1], "an ndarray's dtype")?;
        let fortran = self.as_bool(s[2], "an ndarray's Fortran flag")?;
        let data = self.as_bytes(s[3], "an ndarray's data")?;
        self.make_array(d, shape, data, fortran)
    }
}

/// The numeric dtype of a numpy dtype code (`f8`, `<f4`, `b1`), `None` for any other kind.
fn numeric_dtype(code: &str) -> Option<DType> {
    let c = code.strip_prefix(['<', '>', '|', '=']).unwrap_or(code);
    [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
    ]
    .into_iter()
    .find(|d| d.numpy_code() == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_dtypes_only() {
        assert_eq!(numeric_dtype("f8"), Some(DType::F64));
        assert_eq!(numeric_dtype("<i4"), Some(DType::I32));
        assert_eq!(numeric_dtype("b1"), Some(DType::Bool));
        for bad in ["O8", "O", "U4", "S3", "V8", "M8", "c16", "float32", "?", ""] {
            assert_eq!(numeric_dtype(bad), None, "{bad}");
        }
    }
}
