//! A pickle encoder for what the relay sends back to aitviewer clients.
//!
//! The output is protocol 4 without frames (frames are optional for readers), using only
//! opcodes every Python 3 unpickler knows. Arrays are written as numpy itself writes them under
//! protocol 4: `numpy.core.multiarray._reconstruct` and `BUILD` with `(1, shape, dtype,
//! is_fortran, data)`. That spelling loads on numpy 1.x and, through numpy's own compatibility
//! module, on numpy 2.x; the `numpy._core` spelling would fail on numpy 1.25 and older.

use meshcast_protocol::{DType, NdArray, RangeValue, Value};

use crate::opcodes as op;

/// Items per `APPENDS`/`SETITEMS` batch, as CPython's pickler.
const BATCH: usize = 1000;

/// Encodes a value as a pickle that Python's `pickle.loads` turns back into the same data.
///
/// `Nil`, `Bool`, `Int`, `Float`, `Str` and `Bin` become `None`, `bool`, `int`, `float`, `str`
/// and `bytes`; `List` becomes a `list` (a `tuple` where it is a dict key, so it stays hashable);
/// `Map` becomes a `dict`; `Array` becomes a `numpy.ndarray` of the same dtype, shape and values;
/// `Range` becomes a `range`. A `Map` used as a dict key cannot be loaded by Python (dicts are
/// not hashable). The encoder recurses once per nesting level.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = vec![op::PROTO, 4];
    write_value(&mut out, value, false);
    out.push(op::STOP);
    out
}

fn write_value(out: &mut Vec<u8>, v: &Value, as_key: bool) {
    match v {
        Value::Nil => out.push(op::NONE),
        Value::Bool(true) => out.push(op::NEWTRUE),
        Value::Bool(false) => out.push(op::NEWFALSE),
        Value::Int(i) => write_int(out, *i),
        Value::Float(f) => {
            out.push(op::BINFLOAT);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => write_str(out, s),
        Value::Bin(b) => write_bytes(out, b),
        Value::List(items) if as_key => {
            out.push(op::MARK);
            for it in items {
                write_value(out, it, true);
            }
            out.push(op::TUPLE);
        }
        Value::List(items) => {
            out.push(op::EMPTY_LIST);
            for chunk in items.chunks(BATCH) {
                out.push(op::MARK);
                for it in chunk {
                    write_value(out, it, false);
                }
                out.push(op::APPENDS);
            }
        }
        Value::Map(pairs) => {
            out.push(op::EMPTY_DICT);
            for chunk in pairs.chunks(BATCH) {
                out.push(op::MARK);
                for (k, v) in chunk {
                    write_value(out, k, true);
                    write_value(out, v, false);
                }
                out.push(op::SETITEMS);
            }
        }
        Value::Array(a) => write_array(out, a),
        Value::Range(r) => write_range(out, r),
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(v) = u8::try_from(i) {
        out.extend_from_slice(&[op::BININT1, v]);
    } else if let Ok(v) = u16::try_from(i) {
        out.push(op::BININT2);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(i) {
        out.push(op::BININT);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        // Shortest two's-complement form, as Python's encode_long.
        let b = i.to_le_bytes();
        let mut n = 8;
        while n > 1 {
            let (last, prev) = (b[n - 1], b[n - 2]);
            if (last == 0x00 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
                n -= 1;
            } else {
                break;
            }
        }
        out.extend_from_slice(&[op::LONG1, n as u8]);
        out.extend_from_slice(&b[..n]);
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if let Ok(n) = u8::try_from(n) {
        out.extend_from_slice(&[op::SHORT_BINUNICODE, n]);
    } else if let Ok(n) = u32::try_from(n) {
        out.push(op::BINUNICODE);
        out.extend_from_slice(&n.to_le_bytes());
    } else {
        out.push(op::BINUNICODE8);
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if let Ok(n) = u8::try_from(n) {
        out.extend_from_slice(&[op::SHORT_BINBYTES, n]);
    } else if let Ok(n) = u32::try_from(n) {
        out.push(op::BINBYTES);
        out.extend_from_slice(&n.to_le_bytes());
    } else {
        out.push(op::BINBYTES8);
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(b);
}

fn write_global(out: &mut Vec<u8>, module: &str, name: &str) {
    out.push(op::GLOBAL);
    out.extend_from_slice(module.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

fn write_array(out: &mut Vec<u8>, a: &NdArray) {
    // _reconstruct(ndarray, (0,), b'b')
    write_global(out, "numpy.core.multiarray", "_reconstruct");
    write_global(out, "numpy", "ndarray");
    out.extend_from_slice(&[
        op::BININT1,
        0,
        op::TUPLE1,
        op::SHORT_BINBYTES,
        1,
        b'b',
        op::TUPLE3,
        op::REDUCE,
    ]);
    // BUILD((1, shape, dtype, False, data))
    out.extend_from_slice(&[op::MARK, op::BININT1, 1]);
    out.push(op::MARK);
    for &d in a.shape() {
        write_int(out, i64::try_from(d).unwrap_or(i64::MAX));
    }
    out.push(op::TUPLE);
    write_dtype(out, a.dtype());
    out.push(op::NEWFALSE);
    write_bytes(out, a.data());
    out.extend_from_slice(&[op::TUPLE, op::BUILD]);
}

fn write_dtype(out: &mut Vec<u8>, d: DType) {
    // dtype(code, False, True), then BUILD((3, order, None, None, None, -1, -1, 0))
    write_global(out, "numpy", "dtype");
    write_str(out, d.numpy_code());
    out.extend_from_slice(&[op::NEWFALSE, op::NEWTRUE, op::TUPLE3, op::REDUCE]);
    out.extend_from_slice(&[op::MARK, op::BININT1, 3]);
    write_str(out, if d.itemsize() == 1 { "|" } else { "<" });
    out.extend_from_slice(&[op::NONE, op::NONE, op::NONE]);
    write_int(out, -1);
    write_int(out, -1);
    write_int(out, 0);
    out.extend_from_slice(&[op::TUPLE, op::BUILD]);
}

fn write_range(out: &mut Vec<u8>, r: &RangeValue) {
    write_global(out, "builtins", "range");
    write_int(out, r.start);
    write_int(out, r.stop);
    write_int(out, r.step);
    out.extend_from_slice(&[op::TUPLE3, op::REDUCE]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_use_the_shortest_opcode() {
        let enc = |i| {
            let mut v = Vec::new();
            write_int(&mut v, i);
            v
        };
        assert_eq!(enc(5), vec![op::BININT1, 5]);
        assert_eq!(enc(300), vec![op::BININT2, 44, 1]);
        assert_eq!(enc(-1), vec![op::BININT, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(enc(1 << 31), vec![op::LONG1, 5, 0, 0, 0, 0x80, 0]);
        assert_eq!(enc(i64::MIN), vec![op::LONG1, 8, 0, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(enc(-(1 << 40)), vec![op::LONG1, 6, 0, 0, 0, 0, 0, 0xff]);
    }
}
