//! A small reader (and writer) for NumPy `.npy` arrays and `.npz` archives.
//!
//! Only what body-model files need: numeric dtypes (`f2`/`f4`/`f8`, signed and unsigned
//! integers, `b1`) in either byte order, C or Fortran order, header versions 1, 2 and 3.
//! Floating-point arrays are converted to `f32` and integer arrays to `i64`. Object arrays
//! (`|O`, pickled Python objects) are rejected, but only when asked for: an `.npz` is read
//! lazily, one key at a time, so unused object entries (as in SMPL-X files) do no harm.

use std::io::{Cursor, Read, Write};

use crate::SmplError;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The values of an array, converted to one of two working types.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// A floating-point array (`f2`, `f4` or `f8`), converted to `f32`.
    Float(Vec<f32>),
    /// An integer or boolean array, converted to `i64` (`u8` values above `i64::MAX` wrap).
    Int(Vec<i64>),
}

/// An array read from an `.npy` buffer, always in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The shape; `[]` for a scalar.
    pub shape: Vec<usize>,
    /// The values in row-major order (`shape.iter().product()` of them).
    pub data: NpyData,
}

impl NpyArray {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.data {
            NpyData::Float(v) => v.len(),
            NpyData::Int(v) => v.len(),
        }
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as `f32` (integers are converted).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            NpyData::Float(v) => v.clone(),
            NpyData::Int(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// Moves the values out as `f32` (integers are converted).
    pub fn into_f32(self) -> Vec<f32> {
        match self.data {
            NpyData::Float(v) => v,
            NpyData::Int(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// The values as integers, or `None` when the array holds floating-point values.
    pub fn as_int(&self) -> Option<&[i64]> {
        match &self.data {
            NpyData::Int(v) => Some(v),
            NpyData::Float(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Float,
    Signed,
    Unsigned,
    Bool,
}

struct Header {
    kind: Kind,
    size: usize,
    big_endian: bool,
    fortran: bool,
    shape: Vec<usize>,
}

fn npy_err(key: &str, reason: impl Into<String>) -> SmplError {
    SmplError::Npy {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// Parses one `.npy` buffer. `key` names the array in error messages.
pub fn read_npy(bytes: &[u8], key: &str) -> Result<NpyArray, SmplError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(npy_err(key, "not an .npy array (bad magic bytes)"));
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(npy_err(key, "truncated header"));
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12usize,
            )
        }
        v => return Err(npy_err(key, format!("unsupported .npy format version {v}"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| npy_err(key, "truncated header"))?;
    let text = std::str::from_utf8(&bytes[start..end]).map_err(|_| npy_err(key, "header is not UTF-8"))?;
    let header = parse_header(text).map_err(|r| npy_err(key, r))?;
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| npy_err(key, "shape overflows"))?;
    let nbytes = count
        .checked_mul(header.size)
        .ok_or_else(|| npy_err(key, "shape overflows"))?;
    let body = &bytes[end..];
    if body.len() < nbytes {
        return Err(npy_err(
            key,
            format!(
                "data truncated: {} bytes for {count} elements, need {nbytes}",
                body.len()
            ),
        ));
    }
    let body = &body[..nbytes];
    let data = decode(&header, body);
    let data = if header.fortran && header.shape.len() > 1 {
        fortran_to_c(data, &header.shape)
    } else {
        data
    };
    Ok(NpyArray {
        shape: header.shape,
        data,
    })
}

fn parse_header(text: &str) -> Result<Header, String> {
    let descr = dict_value(text, "descr").ok_or("header has no 'descr'")?;
    let descr = descr
        .trim()
        .strip_prefix(['\'', '"'])
        .and_then(|d| d.split(['\'', '"']).next())
        .ok_or_else(|| format!("unsupported dtype {descr:?} (structured arrays are not supported)"))?;
    let fortran = dict_value(text, "fortran_order")
        .ok_or("header has no 'fortran_order'")?
        .trim_start();
    let fortran = fortran.starts_with("True");
    let shape_text = dict_value(text, "shape").ok_or("header has no 'shape'")?;
    let inner = shape_text
        .trim_start()
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| format!("bad shape {shape_text:?}"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("bad shape entry {s:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut chars = descr.chars();
    let order = chars.next().ok_or("empty dtype")?;
    let (big_endian, rest) = match order {
        '<' | '|' | '=' => (false, chars.as_str()),
        '>' => (true, chars.as_str()),
        _ => (false, descr),
    };
    let (kind, size) = match rest {
        "f2" => (Kind::Float, 2),
        "f4" => (Kind::Float, 4),
        "f8" => (Kind::Float, 8),
        "i1" => (Kind::Signed, 1),
        "i2" => (Kind::Signed, 2),
        "i4" => (Kind::Signed, 4),
        "i8" => (Kind::Signed, 8),
        "u1" => (Kind::Unsigned, 1),
        "u2" => (Kind::Unsigned, 2),
        "u4" => (Kind::Unsigned, 4),
        "u8" => (Kind::Unsigned, 8),
        "b1" | "?" => (Kind::Bool, 1),
        other => {
            return Err(format!(
                "unsupported dtype '{descr}' ({other:?}); expected a numeric array"
            ))
        }
    };
    Ok(Header {
        kind,
        size,
        big_endian,
        fortran,
        shape,
    })
}

/// Returns the text after `'key':` in a Python dict literal.
fn dict_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    for quote in ['\'', '"'] {
        let pat = format!("{quote}{key}{quote}");
        if let Some(pos) = text.find(&pat) {
            let after = &text[pos + pat.len()..];
            let colon = after.find(':')?;
            return Some(&after[colon + 1..]);
        }
    }
    None
}

fn decode(h: &Header, body: &[u8]) -> NpyData {
    let word = |c: &[u8]| -> u64 {
        let mut v = 0u64;
        if h.big_endian {
            for &b in c {
                v = (v << 8) | u64::from(b);
            }
        } else {
            for &b in c.iter().rev() {
                v = (v << 8) | u64::from(b);
            }
        }
        v
    };
    let chunks = body.chunks_exact(h.size);
    // Fast paths for the common little-endian cases.
    if !h.big_endian {
        match (h.kind, h.size) {
            (Kind::Float, 4) => {
                return NpyData::Float(chunks.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
            }
            (Kind::Float, 8) => {
                return NpyData::Float(
                    chunks
                        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
                        .collect(),
                )
            }
            _ => {}
        }
    }
    match h.kind {
        Kind::Float => NpyData::Float(match h.size {
            2 => chunks.map(|c| f16_to_f32(word(c) as u16)).collect(),
            4 => chunks.map(|c| f32::from_bits(word(c) as u32)).collect(),
            _ => chunks.map(|c| f64::from_bits(word(c)) as f32).collect(),
        }),
        Kind::Signed => {
            let shift = 64 - 8 * h.size as u32;
            NpyData::Int(chunks.map(|c| ((word(c) << shift) as i64) >> shift).collect())
        }
        Kind::Unsigned | Kind::Bool => NpyData::Int(chunks.map(|c| word(c) as i64).collect()),
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

fn fortran_to_c(data: NpyData, shape: &[usize]) -> NpyData {
    fn permute<T: Copy>(src: &[T], shape: &[usize]) -> Vec<T> {
        // Fortran strides: the first index varies fastest.
        let mut fstride = vec![1usize; shape.len()];
        for d in 1..shape.len() {
            fstride[d] = fstride[d - 1] * shape[d - 1];
        }
        let mut idx = vec![0usize; shape.len()];
        let mut out = Vec::with_capacity(src.len());
        for _ in 0..src.len() {
            let off: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
            out.push(src[off]);
            // Advance the C-order odometer (last index fastest).
            for d in (0..shape.len()).rev() {
                idx[d] += 1;
                if idx[d] < shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        out
    }
    match data {
        NpyData::Float(v) => NpyData::Float(permute(&v, shape)),
        NpyData::Int(v) => NpyData::Int(permute(&v, shape)),
    }
}

/// Writes a little-endian `f32` `.npy` buffer (format version 1, C order).
pub fn write_npy_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    let mut out = npy_header("<f4", shape);
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes a little-endian `i32` `.npy` buffer (format version 1, C order).
pub fn write_npy_i32(shape: &[usize], data: &[i32]) -> Vec<u8> {
    let mut out = npy_header("<i4", shape);
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Pad so that the data starts on a 64-byte boundary, ending with a newline.
    let total = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - total % 64) % 64));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// An opened `.npz` archive (a zip of `.npy` files, stored or deflated).
pub struct NpzArchive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
}

impl<'a> NpzArchive<'a> {
    /// Opens the archive; entries are decoded only when asked for.
    pub fn new(bytes: &'a [u8]) -> Result<Self, SmplError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SmplError::Archive(e.to_string()))?;
        Ok(Self { zip })
    }

    /// The array names (entry names without the `.npy` suffix).
    pub fn keys(&self) -> Vec<String> {
        self.zip
            .file_names()
            .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_owned())
            .collect()
    }

    /// True when the archive holds an array named `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.zip.index_for_name(&format!("{key}.npy")).is_some() || self.zip.index_for_name(key).is_some()
    }

    /// Reads one array; [`SmplError::MissingKey`] when there is no such entry.
    pub fn array(&mut self, key: &str) -> Result<NpyArray, SmplError> {
        let index = self
            .zip
            .index_for_name(&format!("{key}.npy"))
            .or_else(|| self.zip.index_for_name(key))
            .ok_or_else(|| SmplError::MissingKey(key.to_owned()))?;
        let mut file = self
            .zip
            .by_index(index)
            .map_err(|e| SmplError::Archive(format!("entry `{key}`: {e}")))?;
        let mut buf = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
        file.read_to_end(&mut buf)
            .map_err(|e| SmplError::Archive(format!("entry `{key}`: {e}")))?;
        read_npy(&buf, key)
    }

    /// Reads one array if present.
    pub fn optional(&mut self, key: &str) -> Result<Option<NpyArray>, SmplError> {
        if self.contains(key) {
            self.array(key).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Builds an uncompressed `.npz` archive from `(name, npy bytes)` pairs (names without `.npy`).
pub fn write_npz(entries: &[(&str, Vec<u8>)]) -> Result<Vec<u8>, SmplError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        zip.start_file(format!("{name}.npy"), options)
            .map_err(|e| SmplError::Archive(e.to_string()))?;
        zip.write_all(bytes).map_err(|e| SmplError::Archive(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| SmplError::Archive(e.to_string()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(descr: &str, fortran: bool, shape: &str, data: &[u8], version: u8) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
            if fortran { "True" } else { "False" }
        );
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[version, 0]);
        if version == 1 {
            out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn reads_f32_f64_and_ints() {
        let d: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<f4", false, "(2,)", &d, 1), "x").unwrap();
        assert_eq!(a.shape, vec![2]);
        assert_eq!(a.data, NpyData::Float(vec![1.5, -2.0]));

        let d: Vec<u8> = [0.25f64, 3.0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let a = read_npy(&raw(">f8", false, "(1, 2)", &d, 2), "x").unwrap();
        assert_eq!(a.data, NpyData::Float(vec![0.25, 3.0]));

        let d: Vec<u8> = [-1i64, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<i8", false, "(2,)", &d, 3), "x").unwrap();
        assert_eq!(a.data, NpyData::Int(vec![-1, 7]));

        let d: Vec<u8> = [-3i32, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<i4", false, "(2,)", &d, 1), "x").unwrap();
        assert_eq!(a.data, NpyData::Int(vec![-3, 4]));

        let d: Vec<u8> = [u32::MAX, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<u4", false, "(2,)", &d, 1), "x").unwrap();
        assert_eq!(a.data, NpyData::Int(vec![i64::from(u32::MAX), 2]));

        let d: Vec<u8> = [0x3c00u16, 0xc000].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<f2", false, "(2,)", &d, 1), "x").unwrap();
        assert_eq!(a.data, NpyData::Float(vec![1.0, -2.0]));
    }

    #[test]
    fn fortran_order_is_transposed_to_c() {
        // C-order [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6.
        let d: Vec<u8> = [1i32, 4, 2, 5, 3, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = read_npy(&raw("<i4", true, "(2, 3)", &d, 1), "x").unwrap();
        assert_eq!(a.data, NpyData::Int(vec![1, 2, 3, 4, 5, 6]));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(read_npy(b"hello world", "k"), Err(SmplError::Npy { .. })));
        let err = read_npy(&raw("|O", false, "(2,)", &[0; 16], 1), "obj").unwrap_err();
        assert!(err.to_string().contains("obj"), "{err}");
        let err = read_npy(&raw("<f4", false, "(4,)", &[0; 8], 1), "short").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn writer_round_trips_through_npz() {
        let npz = write_npz(&[
            ("a", write_npy_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0])),
            ("b", write_npy_i32(&[3], &[7, 8, 9])),
        ])
        .unwrap();
        let mut ar = NpzArchive::new(&npz).unwrap();
        assert!(ar.contains("a") && ar.contains("b") && !ar.contains("c"));
        let a = ar.array("a").unwrap();
        assert_eq!(a.shape, vec![2, 2]);
        assert_eq!(a.to_f32(), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(ar.array("b").unwrap().as_int().unwrap(), &[7, 8, 9]);
        assert!(matches!(ar.array("c"), Err(SmplError::MissingKey(k)) if k == "c"));
        assert!(matches!(NpzArchive::new(b"not a zip"), Err(SmplError::Archive(_))));
    }
}
