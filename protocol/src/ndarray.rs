//! N-dimensional arrays: dtype + shape + raw little-endian bytes in C order.

use bytes::{BufMut, Bytes, BytesMut};

use crate::{DType, ProtocolError};

/// Most axes an array may have on the wire.
pub const MAX_NDIM: usize = 8;

/// An n-dimensional array as it travels: element type, shape and the raw little-endian bytes in
/// C (row-major) order.
///
/// The bytes are reference-counted ([`Bytes`]): slicing off a frame, storing an array in the
/// scene and forwarding it to viewers share one buffer. An array decoded from a [`Bytes`]
/// message ([`crate::decode_envelope_bytes`]) is a slice of that message, at whatever alignment
/// it arrived: its elements are read bytewise, never cast in place.
///
/// An array that was decoded, or built by `from_f32` and the like, also keeps its whole wire
/// payload (header and data, contiguous), so encoding it again copies its data once, straight
/// into the message.
#[derive(Clone)]
pub struct NdArray {
    dtype: DType,
    shape: Vec<usize>,
    data: Bytes,
    /// The extension payload (header, then `data` itself: the same memory), when this array's
    /// data follows its own header in one buffer.
    ext: Option<Bytes>,
}

impl PartialEq for NdArray {
    fn eq(&self, other: &Self) -> bool {
        self.dtype == other.dtype && self.shape == other.shape && self.data == other.data
    }
}

impl std::fmt::Debug for NdArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NdArray({}, {:?}, {} bytes)",
            self.dtype,
            self.shape,
            self.data.len()
        )
    }
}

/// Number of elements of `shape`, or `None` on overflow.
pub fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Bytes of the extension header of an array with `ndim` axes: dtype id, ndim, each dim as u32.
fn header_len(ndim: usize) -> usize {
    2 + 4 * ndim
}

macro_rules! from_slice_fn {
    ($name:ident, $t:ty, $dtype:expr) => {
        #[doc = concat!("An array of `", stringify!($t), "` with the given shape. Fails when `values.len()` does not match the shape.")]
        pub fn $name(shape: &[usize], values: &[$t]) -> Result<Self, ProtocolError> {
            // Header and data in one buffer: the array encodes without a second copy.
            let mut buf = BytesMut::with_capacity(header_len(shape.len()) + std::mem::size_of_val(values));
            write_header(&mut buf, $dtype, shape);
            for v in values {
                buf.put_slice(&v.to_le_bytes());
            }
            Self::from_ext_bytes(buf.freeze())
        }
    };
}

/// Writes the extension header: dtype id, ndim, each dim as u32 LE.
fn write_header(out: &mut impl BufMut, dtype: DType, shape: &[usize]) {
    out.put_u8(dtype.id());
    out.put_u8(shape.len() as u8);
    for &d in shape {
        out.put_u32_le(d as u32);
    }
}

impl NdArray {
    /// An array over `data`. Fails when the byte length does not match dtype and shape.
    pub fn new(dtype: DType, shape: Vec<usize>, data: impl Into<Bytes>) -> Result<Self, ProtocolError> {
        let data = data.into();
        if shape.len() > MAX_NDIM {
            return Err(ProtocolError::BadArray(format!(
                "{} axes, at most {MAX_NDIM} are allowed",
                shape.len()
            )));
        }
        let expected = element_count(&shape)
            .and_then(|n| n.checked_mul(dtype.itemsize()))
            .ok_or_else(|| ProtocolError::BadArray(format!("shape {shape:?} overflows")))?;
        if expected != data.len() {
            return Err(ProtocolError::BadArray(format!(
                "shape {shape:?} of {dtype} needs {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(Self {
            dtype,
            shape,
            data,
            ext: None,
        })
    }

    from_slice_fn!(from_f32, f32, DType::F32);
    from_slice_fn!(from_f64, f64, DType::F64);
    from_slice_fn!(from_i32, i32, DType::I32);
    from_slice_fn!(from_i64, i64, DType::I64);
    from_slice_fn!(from_u32, u32, DType::U32);
    from_slice_fn!(from_u8, u8, DType::U8);

    /// Builds an array from numpy's raw bytes, which may be big-endian or Fortran-ordered; the
    /// result is little-endian C order (one copy, none when the input already is).
    pub fn from_numpy_bytes(
        dtype: DType,
        shape: Vec<usize>,
        data: Bytes,
        big_endian: bool,
        fortran: bool,
    ) -> Result<Self, ProtocolError> {
        let item = dtype.itemsize();
        let needs_swap = big_endian && item > 1;
        let needs_transpose = fortran && shape.iter().filter(|&&d| d > 1).count() > 1;
        let arr = Self::new(dtype, shape, data)?;
        if !needs_swap && !needs_transpose {
            return Ok(arr);
        }
        let src = &arr.data[..];
        let mut out = vec![0u8; src.len()];
        let n = src.len() / item;
        // Strides of the Fortran layout, in elements.
        let ndim = arr.shape.len();
        let mut f_strides = vec![1usize; ndim];
        for k in 1..ndim {
            f_strides[k] = f_strides[k - 1] * arr.shape[k - 1];
        }
        let mut idx = vec![0usize; ndim];
        for c in 0..n {
            let s = if needs_transpose {
                idx.iter().zip(&f_strides).map(|(i, s)| i * s).sum::<usize>()
            } else {
                c
            };
            let dst = &mut out[c * item..(c + 1) * item];
            dst.copy_from_slice(&src[s * item..(s + 1) * item]);
            if needs_swap {
                dst.reverse();
            }
            // Advance the C-order multi-index.
            for k in (0..ndim).rev() {
                idx[k] += 1;
                if idx[k] < arr.shape[k] {
                    break;
                }
                idx[k] = 0;
            }
        }
        Self::new(dtype, arr.shape, out)
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        element_count(&self.shape).unwrap_or(0)
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw little-endian bytes in C order.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Size of the data in bytes.
    pub fn nbytes(&self) -> usize {
        self.data.len()
    }

    /// The same data with another shape of the same element count.
    pub fn reshape(&self, shape: Vec<usize>) -> Result<Self, ProtocolError> {
        Self::new(self.dtype, shape, self.data.clone())
    }

    /// The array with a new leading axis of length 1: `(V,3)` becomes `(1,V,3)`.
    pub fn with_leading_axis(&self) -> Self {
        let mut shape = Vec::with_capacity(self.shape.len() + 1);
        shape.push(1);
        shape.extend_from_slice(&self.shape);
        Self {
            dtype: self.dtype,
            shape,
            data: self.data.clone(),
            ext: None,
        }
    }

    /// Length of the leading axis (0 for a 0-d array).
    pub fn n_frames(&self) -> usize {
        self.shape.first().copied().unwrap_or(0)
    }

    /// Sub-array `i` along the leading axis, sharing this array's buffer.
    pub fn frame(&self, i: usize) -> Option<Self> {
        let n = self.n_frames();
        if i >= n {
            return None;
        }
        let stride = self.data.len() / n.max(1);
        Some(Self {
            dtype: self.dtype,
            shape: self.shape[1..].to_vec(),
            data: self.data.slice(i * stride..(i + 1) * stride),
            ext: None,
        })
    }

    /// Stacks equally shaped arrays along a new leading axis (one copy).
    pub fn stack(dtype: DType, frame_shape: &[usize], frames: &[Bytes]) -> Result<Self, ProtocolError> {
        let mut shape = Vec::with_capacity(frame_shape.len() + 1);
        shape.push(frames.len());
        shape.extend_from_slice(frame_shape);
        if frames.len() == 1 {
            return Self::new(dtype, shape, frames[0].clone());
        }
        let mut buf = BytesMut::with_capacity(frames.iter().map(Bytes::len).sum());
        for f in frames {
            buf.put_slice(f);
        }
        Self::new(dtype, shape, buf.freeze())
    }

    /// Converts to another dtype (numpy's `astype`, float to int truncating). Shares the buffer
    /// when the dtype already matches.
    pub fn astype(&self, dtype: DType) -> Self {
        if dtype == self.dtype {
            return self.clone();
        }
        let mut buf = BytesMut::with_capacity(self.len() * dtype.itemsize());
        match dtype {
            DType::F32 => self.for_each_f64(|v| buf.put_f32_le(v as f32)),
            DType::F64 => self.for_each_f64(|v| buf.put_f64_le(v)),
            DType::F16 => self.for_each_f64(|v| buf.put_u16_le(f32_to_f16(v as f32))),
            DType::I64 => self.for_each_i64(|v| buf.put_i64_le(v)),
            DType::I32 => self.for_each_i64(|v| buf.put_i32_le(v as i32)),
            DType::I16 => self.for_each_i64(|v| buf.put_i16_le(v as i16)),
            DType::I8 => self.for_each_i64(|v| buf.put_i8(v as i8)),
            DType::U64 => self.for_each_i64(|v| buf.put_u64_le(v as u64)),
            DType::U32 => self.for_each_i64(|v| buf.put_u32_le(v as u32)),
            DType::U16 => self.for_each_i64(|v| buf.put_u16_le(v as u16)),
            DType::U8 => self.for_each_i64(|v| buf.put_u8(v as u8)),
            DType::Bool => self.for_each_i64(|v| buf.put_u8(u8::from(v != 0))),
        }
        Self {
            dtype,
            shape: self.shape.clone(),
            data: buf.freeze(),
            ext: None,
        }
    }

    /// Calls `f` with every element converted to `f64`, in C order.
    pub fn for_each_f64(&self, mut f: impl FnMut(f64)) {
        let d = &self.data[..];
        macro_rules! each {
            ($t:ty, $n:expr) => {
                for c in d.chunks_exact($n) {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(c);
                    f(<$t>::from_le_bytes(b) as f64);
                }
            };
        }
        match self.dtype {
            DType::Bool | DType::U8 => d.iter().for_each(|&b| f(f64::from(b))),
            DType::I8 => d.iter().for_each(|&b| f(f64::from(b as i8))),
            DType::U16 => each!(u16, 2),
            DType::I16 => each!(i16, 2),
            DType::U32 => each!(u32, 4),
            DType::I32 => each!(i32, 4),
            DType::U64 => each!(u64, 8),
            DType::I64 => each!(i64, 8),
            DType::F16 => {
                for c in d.chunks_exact(2) {
                    f(f64::from(f16_to_f32(u16::from_le_bytes([c[0], c[1]]))));
                }
            }
            DType::F32 => each!(f32, 4),
            DType::F64 => each!(f64, 8),
        }
    }

    /// Calls `f` with every element converted to `i64` (floats truncated), in C order.
    pub fn for_each_i64(&self, mut f: impl FnMut(i64)) {
        let d = &self.data[..];
        macro_rules! each {
            ($t:ty, $n:expr) => {
                for c in d.chunks_exact($n) {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(c);
                    f(<$t>::from_le_bytes(b) as i64);
                }
            };
        }
        match self.dtype {
            DType::Bool | DType::U8 => d.iter().for_each(|&b| f(i64::from(b))),
            DType::I8 => d.iter().for_each(|&b| f(i64::from(b as i8))),
            DType::U16 => each!(u16, 2),
            DType::I16 => each!(i16, 2),
            DType::U32 => each!(u32, 4),
            DType::I32 => each!(i32, 4),
            DType::U64 => each!(u64, 8),
            DType::I64 => each!(i64, 8),
            DType::F16 | DType::F32 | DType::F64 => self.for_each_f64(|v| f(v as i64)),
        }
    }

    /// All elements as `f32`.
    pub fn to_f32_vec(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.len());
        if self.dtype == DType::F32 {
            out.extend(
                self.data
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        } else {
            self.for_each_f64(|v| out.push(v as f32));
        }
        out
    }

    /// All elements as `f64`.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each_f64(|v| out.push(v));
        out
    }

    /// All elements as `i64`.
    pub fn to_i64_vec(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each_i64(|v| out.push(v));
        out
    }

    /// The first element whose value is NaN or infinite, with its flat index.
    pub fn first_non_finite(&self) -> Option<(usize, f64)> {
        // Fast path: test exponent bits 64 bits at a time; locate only when needed.
        let all_finite = match self.dtype {
            DType::F32 => all_finite_words(&self.data, F32_EXPONENTS, F32_EXPONENT_ONES),
            DType::F64 => all_finite_words(&self.data, F64_EXPONENT, F64_EXPONENT_ONE),
            DType::F16 => false,
            _ => return None,
        };
        if all_finite {
            return None;
        }
        let mut found = None;
        let mut i = 0usize;
        self.for_each_f64(|v| {
            if found.is_none() && !v.is_finite() {
                found = Some((i, v));
            }
            i += 1;
        });
        found
    }

    /// Encodes the payload of the array extension: dtype id, ndim, each dim as u32 LE, data.
    pub fn to_ext_payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_ext_payload(&mut out);
        out
    }

    /// Writes the payload of the array extension into `out` (cleared first).
    pub fn write_ext_payload(&self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(header_len(self.shape.len()) + self.data.len());
        write_header(out, self.dtype, &self.shape);
        out.extend_from_slice(&self.data);
    }

    /// The payload of the array extension when it is already in memory, header and data in one
    /// buffer (arrays decoded from a message or built by `from_f32` and the like; not arrays
    /// reshaped, sliced or converted since): encoding then copies the data only once.
    pub fn ext_payload(&self) -> Option<&Bytes> {
        self.ext.as_ref()
    }

    /// Decodes the payload of the array extension (copies it once).
    pub fn from_ext_payload(payload: &[u8]) -> Result<Self, ProtocolError> {
        Self::from_ext_bytes(Bytes::copy_from_slice(payload))
    }

    /// Decodes the payload of the array extension without copying: the array's data is a slice
    /// of `payload`.
    pub fn from_ext_bytes(payload: Bytes) -> Result<Self, ProtocolError> {
        let (&id, rest) = payload
            .split_first()
            .ok_or_else(|| ProtocolError::BadArray("empty array extension".into()))?;
        let dtype = DType::from_id(id).ok_or_else(|| ProtocolError::BadArray(format!("unknown dtype id {id}")))?;
        let (&ndim, rest) = rest
            .split_first()
            .ok_or_else(|| ProtocolError::BadArray("array extension ends before its ndim".into()))?;
        let ndim = ndim as usize;
        if ndim > MAX_NDIM {
            return Err(ProtocolError::BadArray(format!(
                "{ndim} axes, at most {MAX_NDIM} are allowed"
            )));
        }
        if rest.len() < 4 * ndim {
            return Err(ProtocolError::BadArray("array extension ends inside its shape".into()));
        }
        let shape = rest[..4 * ndim]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .collect();
        let data = payload.slice(header_len(ndim)..);
        let mut arr = Self::new(dtype, shape, data)?;
        arr.ext = Some(payload);
        Ok(arr)
    }
}

/// Converts IEEE half to single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = if exp == 0 {
        if mant == 0 {
            sign
        } else {
            // Subnormal: normalise.
            let mut e = 127 - 15 + 1;
            let mut m = mant;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((m & 0x3ff) << 13)
        }
    } else if exp == 0x1f {
        sign | 0x7f80_0000 | (mant << 13)
    } else {
        sign | ((exp + 127 - 15) << 23) | (mant << 13)
    };
    f32::from_bits(bits)
}

/// Converts single to IEEE half precision (round toward zero, enough for colours and positions).
pub fn f32_to_f16(v: f32) -> u16 {
    let b = v.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32;
    let mant = b & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if mant != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        sign | 0x7c00
    } else if e <= 0 {
        if e < -10 {
            sign
        } else {
            let m = (mant | 0x80_0000) >> (1 - e + 13);
            sign | m as u16
        }
    } else {
        sign | ((e as u16) << 10) | (mant >> 13) as u16
    }
}

/// The exponent bits of two little-endian `f32` in one 64-bit word.
const F32_EXPONENTS: u64 = 0x7f80_0000_7f80_0000;
/// One added to each of those exponents.
const F32_EXPONENT_ONES: u64 = 0x0080_0000_0080_0000;
/// The exponent bits of one `f64`.
const F64_EXPONENT: u64 = 0x7ff0_0000_0000_0000;
/// One added to that exponent.
const F64_EXPONENT_ONE: u64 = 0x0010_0000_0000_0000;

/// True when no float in `data` (little-endian, 8-byte words of one `f64` or two `f32`) is NaN or
/// infinite: a float is not finite when its exponent bits are all ones, and then (and only then)
/// adding one to them carries into the bit above them, the float's top bit. The lanes of a word
/// never carry into each other, so one AND, one ADD and one OR test a word, branch-free; that is
/// several times faster than a float comparison per element where the loop is not vectorised
/// (the browser build, optimised for size). `exponent` masks the exponents of the word's floats,
/// `one` is one in each of them; a tail shorter than a word is tested as one zero-padded word.
fn all_finite_words(data: &[u8], exponent: u64, one: u64) -> bool {
    let top = (exponent + one) & !exponent;
    let words = data.chunks_exact(8);
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    // `fold`, not a `for` loop: the browser build (optimised for size) inlines it.
    let carried = words.fold((u64::from_le_bytes(tail) & exponent) + one, |carried, c| {
        carried | ((u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) & exponent) + one)
    });
    carried & top == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_checks_byte_length() {
        assert!(NdArray::new(DType::F32, vec![2, 3], vec![0u8; 24]).is_ok());
        let err = NdArray::new(DType::F32, vec![2, 3], vec![0u8; 20]).unwrap_err();
        assert!(err.to_string().contains("needs 24 bytes, got 20"), "{err}");
    }

    #[test]
    fn overflowing_shape_is_rejected() {
        let err = NdArray::new(DType::F64, vec![usize::MAX, 2], Vec::new()).unwrap_err();
        assert!(err.to_string().contains("overflows"));
    }

    #[test]
    fn ext_payload_round_trips() {
        let a = NdArray::from_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let b = NdArray::from_ext_payload(&a.to_ext_payload()).unwrap();
        assert_eq!(a, b);
        assert_eq!(b.to_f32_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn ext_bytes_decode_without_copying() {
        let a = NdArray::from_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let payload = Bytes::from(a.to_ext_payload());
        let b = NdArray::from_ext_bytes(payload.clone()).unwrap();
        assert_eq!(b, a);
        // The data is the payload's own memory, after the 2 + 4 * 2 header bytes.
        assert_eq!(b.data().as_ptr(), payload[10..].as_ptr());
        assert_eq!(b.ext_payload().map(|p| p.as_ptr()), Some(payload.as_ptr()));
    }

    #[test]
    fn unaligned_data_reads_correctly() {
        // A 1-d f32 array's data starts 6 bytes into the payload; put the payload at an odd
        // offset too: the data is then at no 4-byte boundary, and reads bytewise all the same.
        let a = NdArray::from_f32(&[3], &[1.5, -2.0, 3.25]).unwrap();
        let mut buf = vec![0u8];
        buf.extend_from_slice(&a.to_ext_payload());
        let whole = Bytes::from(buf);
        let b = NdArray::from_ext_bytes(whole.slice(1..)).unwrap();
        assert_eq!(b.data().as_ptr(), whole[7..].as_ptr());
        assert_eq!(b.to_f32_vec(), vec![1.5, -2.0, 3.25]);
        assert_eq!(b.to_f64_vec(), vec![1.5, -2.0, 3.25]);
        assert!(b.first_non_finite().is_none());
    }

    #[test]
    fn built_arrays_keep_their_payload_and_derived_ones_drop_it() {
        let a = NdArray::from_f32(&[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let payload = a
            .ext_payload()
            .expect("from_f32 keeps header and data together")
            .clone();
        assert_eq!(&payload[..], &a.to_ext_payload()[..]);
        assert_eq!(a.data().as_ptr(), payload[10..].as_ptr());
        // Same shape and data: still valid.
        assert!(a.clone().ext_payload().is_some());
        assert!(a.astype(DType::F32).ext_payload().is_some());
        // Another shape or another buffer: the header no longer matches.
        assert!(a.with_leading_axis().ext_payload().is_none());
        assert!(a.reshape(vec![3, 2]).unwrap().ext_payload().is_none());
        assert!(a.frame(0).unwrap().ext_payload().is_none());
        assert!(a.astype(DType::F64).ext_payload().is_none());
        // Equality looks at dtype, shape and data only.
        assert_eq!(a, NdArray::new(DType::F32, vec![2, 3], a.data().clone()).unwrap());
    }

    #[test]
    fn truncated_ext_payload_is_an_error() {
        let a = NdArray::from_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let p = a.to_ext_payload();
        assert!(NdArray::from_ext_payload(&p[..p.len() - 1]).is_err());
        assert!(NdArray::from_ext_payload(&p[..3]).is_err());
        assert!(NdArray::from_ext_payload(&[]).is_err());
        assert!(NdArray::from_ext_payload(&[99, 0]).is_err());
    }

    #[test]
    fn frames_share_the_buffer() {
        let a = NdArray::from_f32(&[3, 2], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let f = a.frame(1).unwrap();
        assert_eq!(f.shape(), &[2]);
        assert_eq!(f.to_f32_vec(), vec![2.0, 3.0]);
        assert!(a.frame(3).is_none());
    }

    #[test]
    fn astype_converts_values() {
        let a = NdArray::from_f64(&[3], &[1.5, -2.0, 3.25]).unwrap();
        assert_eq!(a.astype(DType::F32).to_f32_vec(), vec![1.5, -2.0, 3.25]);
        assert_eq!(a.astype(DType::I32).to_i64_vec(), vec![1, -2, 3]);
        assert_eq!(a.astype(DType::F16).to_f32_vec(), vec![1.5, -2.0, 3.25]);
    }

    #[test]
    fn big_endian_and_fortran_are_normalised() {
        // 2x3 array [[0,1,2],[3,4,5]] as i32, Fortran order, big-endian.
        let fortran = [0i32, 3, 1, 4, 2, 5];
        let bytes: Vec<u8> = fortran.iter().flat_map(|v| v.to_be_bytes()).collect();
        let a = NdArray::from_numpy_bytes(DType::I32, vec![2, 3], bytes.into(), true, true).unwrap();
        assert_eq!(a.to_i64_vec(), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn non_finite_values_are_found() {
        let a = NdArray::from_f32(&[3], &[0.0, f32::NAN, 1.0]).unwrap();
        assert_eq!(a.first_non_finite().map(|(i, _)| i), Some(1));
        let b = NdArray::from_f32(&[2], &[0.0, 1.0]).unwrap();
        assert!(b.first_non_finite().is_none());
        let c = NdArray::from_f64(&[3], &[0.0, 1.0, f64::NEG_INFINITY]).unwrap();
        assert_eq!(c.first_non_finite(), Some((2, f64::NEG_INFINITY)));
        let d = NdArray::from_f32(&[2], &[f32::MAX, f32::MIN_POSITIVE]).unwrap();
        assert!(d.first_non_finite().is_none());
    }

    #[test]
    fn every_non_finite_value_is_found_in_either_half_of_a_word_and_in_the_tail() {
        let finite32 = [
            0.0,
            -0.0,
            1.5,
            -2.0,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
        ];
        let bad32 = [
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::from_bits(0x7f80_0001),
        ];
        for len in 1..=9 {
            let base: Vec<f32> = (0..len).map(|i| finite32[i % finite32.len()]).collect();
            assert!(NdArray::from_f32(&[len], &base).unwrap().first_non_finite().is_none());
            for at in 0..len {
                for &b in &bad32 {
                    let mut v = base.clone();
                    v[at] = b;
                    let found = NdArray::from_f32(&[len], &v).unwrap().first_non_finite();
                    assert_eq!(found.map(|(i, _)| i), Some(at), "f32 {b:?} at {at} of {len}");
                }
            }
        }
        let finite64 = [0.0, -0.0, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, 1e300];
        for len in 1..=4 {
            let base: Vec<f64> = (0..len).map(|i| finite64[i % finite64.len()]).collect();
            assert!(NdArray::from_f64(&[len], &base).unwrap().first_non_finite().is_none());
            for at in 0..len {
                for b in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut v = base.clone();
                    v[at] = b;
                    let found = NdArray::from_f64(&[len], &v).unwrap().first_non_finite();
                    assert_eq!(found.map(|(i, _)| i), Some(at), "f64 {b:?} at {at} of {len}");
                }
            }
        }
    }
}
