//! The dynamic value tree carried in an envelope's `args` and `kwargs`.

use std::fmt;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{bounded, DType, NdArray, EXT_NDARRAY, EXT_RANGE};

/// Python's `range(start, stop, step)`, used for `frames=range(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeValue {
    /// First value.
    pub start: i64,
    /// End (exclusive).
    pub stop: i64,
    /// Step, never 0.
    pub step: i64,
}

impl RangeValue {
    /// Number of values, as Python's `len(range(...))`.
    /// Computed in 128 bits: any `i64` bounds and step (a peer's) give the true count.
    pub fn len(&self) -> usize {
        let (start, stop, step) = (i128::from(self.start), i128::from(self.stop), i128::from(self.step));
        let n = if step > 0 && stop > start {
            (stop - start - 1) / step + 1
        } else if step < 0 && start > stop {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        };
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// True when the range yields nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        // In 128 bits: the last step may pass `i64`'s end even though the value it reaches fits.
        (0..self.len()).map(move |k| (i128::from(self.start) + k as i128 * i128::from(self.step)) as i64)
    }
}

/// A MessagePack value, extended with n-dimensional arrays and ranges.
///
/// Integers are signed 64-bit; MessagePack unsigned integers above `i64::MAX` decode as floats.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `nil` / Python `None`.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A UTF-8 string.
    Str(String),
    /// Raw bytes.
    Bin(Bytes),
    /// A list (Python list or tuple).
    List(Vec<Value>),
    /// A map with keys of any type, in the order received.
    Map(Vec<(Value, Value)>),
    /// An n-dimensional array.
    Array(NdArray),
    /// A range of integers.
    Range(RangeValue),
}

impl Value {
    /// A short description of the value's type, for error messages.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Bool(_) => "a bool".into(),
            Value::Int(i) => format!("the int {i}"),
            Value::Float(f) => format!("the float {f}"),
            Value::Str(s) => format!("the string {s:?}"),
            Value::Bin(b) => format!("{} bytes", b.len()),
            Value::List(l) => format!("a list of {} items", l.len()),
            Value::Map(m) => format!("a map of {} entries", m.len()),
            Value::Array(a) => format!("an array of {} with shape {:?}", a.dtype(), a.shape()),
            Value::Range(r) => format!("range({}, {}, {})", r.start, r.stop, r.step),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer (ints, integral floats, bools and 0-d integer arrays).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            Value::Array(a) if a.len() == 1 && a.ndim() <= 1 && a.dtype().is_integer() => {
                a.to_i64_vec().first().copied()
            }
            _ => None,
        }
    }

    /// The value as a float (ints, floats and one-element arrays).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Array(a) if a.len() == 1 && a.ndim() <= 1 => a.to_f64_vec().first().copied(),
            _ => None,
        }
    }

    /// The value as a bool (bools and the ints 0 and 1).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            Value::Array(a) if a.len() == 1 && a.ndim() == 0 => a.to_i64_vec().first().map(|v| *v != 0),
            _ => None,
        }
    }

    /// True for `Nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The value as an n-dimensional array: arrays as they are, numbers as 0-d arrays, and
    /// rectangular nested lists of numbers as `f64` arrays (`i64` when every number is an int).
    /// `None` for anything else (strings, ragged lists, maps).
    pub fn to_ndarray(&self) -> Option<NdArray> {
        match self {
            Value::Array(a) => Some(a.clone()),
            Value::Int(i) => NdArray::from_i64(&[], &[*i]).ok(),
            Value::Float(f) => NdArray::from_f64(&[], &[*f]).ok(),
            Value::Bool(b) => NdArray::new(DType::Bool, vec![], vec![u8::from(*b)]).ok(),
            Value::List(_) => {
                let mut shape = Vec::new();
                let mut probe = self;
                while let Value::List(items) = probe {
                    shape.push(items.len());
                    match items.first() {
                        Some(first) => probe = first,
                        None => break,
                    }
                }
                let mut floats = Vec::new();
                let mut all_int = true;
                if !flatten_numbers(self, &shape, &mut floats, &mut all_int) {
                    return None;
                }
                if all_int {
                    let ints: Vec<i64> = floats.iter().map(|f| *f as i64).collect();
                    NdArray::from_i64(&shape, &ints).ok()
                } else {
                    NdArray::from_f64(&shape, &floats).ok()
                }
            }
            _ => None,
        }
    }

    /// Looks a string key up in a map value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn flatten_numbers(v: &Value, shape: &[usize], out: &mut Vec<f64>, all_int: &mut bool) -> bool {
    match (v, shape.split_first()) {
        (Value::List(items), Some((&n, rest))) => {
            items.len() == n && items.iter().all(|it| flatten_numbers(it, rest, out, all_int))
        }
        (Value::Int(i), None) => {
            out.push(*i as f64);
            true
        }
        (Value::Float(f), None) => {
            *all_int = false;
            out.push(*f);
            true
        }
        (Value::Bool(b), None) => {
            out.push(f64::from(u8::from(*b)));
            true
        }
        (Value::Array(a), None) if a.len() == 1 => {
            *all_int &= a.dtype().is_integer();
            a.for_each_f64(|x| out.push(x));
            true
        }
        _ => false,
    }
}

impl From<NdArray> for Value {
    fn from(a: NdArray) -> Self {
        Value::Array(a)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// An extension as rmp-serde expects it: a newtype named `_ExtStruct` around `(tag, bytes)`.
struct Ext<'a>(i8, &'a [u8]);

impl Serialize for Ext<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Body<'a>(i8, &'a [u8]);
        impl Serialize for Body<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut t = s.serialize_tuple(2)?;
                t.serialize_element(&self.0)?;
                t.serialize_element(&RawBytes(self.1))?;
                t.end()
            }
        }
        s.serialize_newtype_struct(rmp_serde::MSGPACK_EXT_STRUCT_NAME, &Body(self.0, self.1))
    }
}

struct RawBytes<'a>(&'a [u8]);
impl Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Nil => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::Bin(b) => s.serialize_bytes(b),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for it in items {
                    seq.serialize_element(it)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Array(a) => match a.ext_payload() {
                // Header and data already in one buffer: written straight into the message.
                Some(payload) => Ext(EXT_NDARRAY, payload).serialize(s),
                None => crate::buffers::with_scratch(|buf| {
                    a.write_ext_payload(buf);
                    Ext(EXT_NDARRAY, buf).serialize(s)
                }),
            },
            Value::Range(r) => {
                let mut payload = [0u8; 24];
                payload[..8].copy_from_slice(&r.start.to_le_bytes());
                payload[8..16].copy_from_slice(&r.stop.to_le_bytes());
                payload[16..].copy_from_slice(&r.step.to_le_bytes());
                Ext(EXT_RANGE, &payload).serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Decodes a value, charging it and what it holds to the budget of
    /// [`crate::bounded::from_slice`] when one is in progress.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bounded::charge_value().map_err(de::Error::custom)?;
        d.deserialize_any(ValueVisitor)
    }
}

/// Decodes the items of a list or the entries of a map one level deeper.
fn nested<T, E: de::Error>(items: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    bounded::enter().map_err(E::custom)?;
    let out = items();
    bounded::leave();
    out
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MessagePack value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        Ok(Value::Bin(Bytes::copy_from_slice(v)))
    }
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        Ok(Value::Bin(crate::shared::share(v)))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        Ok(Value::Bin(Bytes::from(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        nested(|| {
            // The size hint comes from the peer: cap the pre-allocation.
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(bounded::PREALLOCATE));
            while let Some(v) = seq.next_element()? {
                items.push(v);
            }
            Ok(Value::List(items))
        })
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        nested(|| {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(bounded::PREALLOCATE));
            while let Some((k, v)) = map.next_entry()? {
                entries.push((k, v));
            }
            Ok(Value::Map(entries))
        })
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        // rmp-serde presents a MessagePack extension as a newtype around (tag, bytes).
        d.deserialize_tuple(2, ExtVisitor)
    }
}

struct ExtVisitor;

impl<'de> Visitor<'de> for ExtVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MessagePack extension")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let tag: i8 = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("extension without a tag"))?;
        let value = seq
            .next_element_seed(ExtBody(tag))?
            .ok_or_else(|| de::Error::custom("extension without data"))?;
        Ok(value)
    }
}

struct ExtBody(i8);

impl<'de> DeserializeSeed<'de> for ExtBody {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for ExtBody {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("extension bytes")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Value, E> {
        match self.0 {
            // A slice of the message when it is being decoded from a `Bytes` (no copy).
            EXT_NDARRAY => {
                bounded::charge_bytes(v.len()).map_err(E::custom)?;
                NdArray::from_ext_bytes(crate::shared::share(v))
                    .map(Value::Array)
                    .map_err(E::custom)
            }
            _ => self.visit_bytes(v),
        }
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        bounded::charge_bytes(v.len()).map_err(E::custom)?;
        match self.0 {
            EXT_NDARRAY => NdArray::from_ext_payload(v).map(Value::Array).map_err(E::custom),
            EXT_RANGE => {
                if v.len() != 24 {
                    return Err(E::custom(format!("range extension of {} bytes, expected 24", v.len())));
                }
                let word = |k: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&v[k * 8..k * 8 + 8]);
                    i64::from_le_bytes(b)
                };
                let r = RangeValue {
                    start: word(0),
                    stop: word(1),
                    step: word(2),
                };
                if r.step == 0 {
                    return Err(E::custom("range with step 0"));
                }
                Ok(Value::Range(r))
            }
            other => Err(E::custom(format!("unknown extension type {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: &Value) -> Value {
        let bytes = rmp_serde::to_vec(v).expect("encode");
        rmp_serde::from_slice(&bytes).expect("decode")
    }

    #[test]
    fn scalars_and_containers_round_trip() {
        let v = Value::Map(vec![
            (Value::from("a"), Value::Int(-5)),
            (
                Value::Int(7),
                Value::List(vec![Value::Float(1.5), Value::Nil, Value::Bool(true)]),
            ),
            (Value::from("b"), Value::Bin(Bytes::from_static(b"xyz"))),
        ]);
        assert_eq!(round_trip(&v), v);
    }

    #[test]
    fn arrays_and_ranges_round_trip() {
        let a = NdArray::from_f32(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(round_trip(&Value::Array(a.clone())), Value::Array(a));
        let r = Value::Range(RangeValue {
            start: 10,
            stop: 0,
            step: -3,
        });
        assert_eq!(round_trip(&r), r);
    }

    #[test]
    fn array_is_one_extension_not_a_list_of_numbers() {
        let a = NdArray::from_f32(&[1000, 3], &vec![0.5; 3000]).unwrap();
        let bytes = rmp_serde::to_vec(&Value::Array(a)).unwrap();
        // ext16 marker, 2-byte length, type, then the 2+8 header bytes and the data.
        assert_eq!(bytes[0], 0xc8);
        assert_eq!(bytes.len(), 1 + 2 + 1 + 2 + 8 + 12000);
    }

    #[test]
    fn unknown_extension_and_zero_step_range_are_errors() {
        let bytes = rmp_serde::to_vec(&Ext(42, b"abc")).unwrap();
        assert!(rmp_serde::from_slice::<Value>(&bytes).is_err());
        let bytes = rmp_serde::to_vec(&Ext(EXT_RANGE, &[0u8; 24])).unwrap();
        assert!(rmp_serde::from_slice::<Value>(&bytes).is_err());
    }

    #[test]
    fn range_len_matches_python() {
        assert_eq!(
            RangeValue {
                start: 0,
                stop: 10,
                step: 3
            }
            .len(),
            4
        );
        assert_eq!(
            RangeValue {
                start: 10,
                stop: 0,
                step: -3
            }
            .len(),
            4
        );
        assert_eq!(
            RangeValue {
                start: 5,
                stop: 5,
                step: 1
            }
            .len(),
            0
        );
        assert_eq!(
            RangeValue {
                start: 0,
                stop: 4,
                step: 2
            }
            .iter()
            .collect::<Vec<_>>(),
            vec![0, 2]
        );
    }

    /// Found while fuzzing (fuzz/ scene_apply): the bounds' difference overflowed `i64`.
    #[test]
    fn range_len_takes_any_bounds() {
        let whole = RangeValue {
            start: i64::MIN,
            stop: i64::MAX,
            step: 1,
        };
        assert_eq!(whole.len(), u64::MAX as usize);
        let down = RangeValue {
            start: i64::MAX,
            stop: i64::MIN,
            step: i64::MIN,
        };
        assert_eq!(down.len(), 2);
        assert_eq!(down.iter().collect::<Vec<_>>(), vec![i64::MAX, -1]);
        let up = RangeValue {
            start: i64::MIN,
            stop: i64::MAX,
            step: i64::MAX,
        };
        assert_eq!(up.iter().collect::<Vec<_>>(), vec![i64::MIN, -1, i64::MAX - 1]);
    }

    #[test]
    fn nested_lists_become_arrays() {
        let v = Value::List(vec![
            Value::List(vec![Value::Int(1), Value::Float(2.0), Value::Int(3)]),
            Value::List(vec![Value::Int(4), Value::Int(5), Value::Int(6)]),
        ]);
        let a = v.to_ndarray().unwrap();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.dtype(), DType::F64);
        let ragged = Value::List(vec![Value::List(vec![Value::Int(1)]), Value::Int(2)]);
        assert!(ragged.to_ndarray().is_none());
        let ints = Value::List(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(ints.to_ndarray().unwrap().dtype(), DType::I64);
    }
}
