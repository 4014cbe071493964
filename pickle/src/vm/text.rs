//! Decoding of integers and of the text operands of protocols 0 and 1.

use super::objects::Obj;

/// A little-endian two's-complement integer: an `Int` when it fits `i64`, else the nearest
/// float (`None` when it overflows `f64`).
pub(super) fn long_from_le(b: &[u8]) -> Option<Obj> {
    let negative = b.last().is_some_and(|&x| x & 0x80 != 0);
    let fill = if negative { 0xff } else { 0x00 };
    // Fits i64 when every byte above the 8th is sign extension (and the 8th agrees).
    let fits = b.len() <= 8 || (b[8..].iter().all(|&x| x == fill) && (b[7] & 0x80 != 0) == negative);
    if fits {
        let mut w = [fill; 8];
        let n = b.len().min(8);
        w[..n].copy_from_slice(&b[..n]);
        return Some(Obj::Int(i64::from_le_bytes(w)));
    }
    // Magnitude, most significant byte first.
    let mut mag: Vec<u8> = b.iter().rev().copied().collect();
    if negative {
        // -x = !x + 1
        for x in mag.iter_mut() {
            *x = !*x;
        }
        for x in mag.iter_mut().rev() {
            let (v, carry) = x.overflowing_add(1);
            *x = v;
            if !carry {
                break;
            }
        }
    }
    let f = mag.iter().fold(0f64, |acc, &x| acc * 256.0 + f64::from(x));
    if !f.is_finite() {
        return None;
    }
    Some(Obj::BigInt(if negative { -f } else { f }))
}

/// Python's `codecs.escape_decode` (the body of a protocol-0 `STRING`).
pub(super) fn escape_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' || i >= s.len() {
            out.push(c);
            continue;
        }
        let e = s[i];
        i += 1;
        match e {
            b'\\' | b'\'' | b'"' => out.push(e),
            b'\n' => {}
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = s.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut k = 0;
                while k < 2 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

/// Python's `raw-unicode-escape` decoding (the body of a protocol-0 `UNICODE`): latin-1 bytes
/// with `\uXXXX` and `\UXXXXXXXX` escapes.
pub(super) fn raw_unicode_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'\\' {
            let digits = match s.get(i + 1) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            if digits > 0 {
                let hex = s.get(i + 2..i + 2 + digits).and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
                    out.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
                    i += 2 + digits;
                    continue;
                }
            }
        }
        out.push(char::from(c));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs_decode_like_python() {
        let int = |b: &[u8]| match long_from_le(b) {
            Some(Obj::Int(v)) => Some(v as f64),
            Some(Obj::BigInt(f)) => Some(f),
            _ => None,
        };
        assert_eq!(int(&[]), Some(0.0));
        assert_eq!(int(&[0xff]), Some(-1.0));
        assert_eq!(int(&[0x80, 0x00]), Some(128.0));
        assert_eq!(int(&[0, 0, 0, 0, 0, 0, 0, 0x80]), Some(i64::MIN as f64));
        // 2**63 needs 9 bytes.
        assert_eq!(int(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]), Some(2f64.powi(63)));
        // -(2**70)
        assert_eq!(int(&[0, 0, 0, 0, 0, 0, 0, 0, 0xc0]), Some(-(2f64.powi(70))));
        assert!(matches!(long_from_le(&[0xff; 9]), Some(Obj::Int(-1))));
        assert!(long_from_le(&[0x7f; 200]).is_none());
    }

    #[test]
    fn escapes_decode_like_python() {
        assert_eq!(escape_decode(br"a\'b\\c\x41\101\n\q"), b"a'b\\cAA\n\\q");
        assert_eq!(raw_unicode_escape(b"Zo\xeb \\u2713 \\U0001F600 \\x"), "Zoë ✓ 😀 \\x");
    }
}
