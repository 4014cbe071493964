//! Conversion between meshcast [`Value`]s and plain JavaScript values, for `window.meshcast`.
//!
//! To JavaScript: nil → `null`, bool, int and float → `number` (integers beyond ±2^53 lose
//! precision), str → `string`, bin → `Uint8Array`, list → `Array`, map → a plain object (keys
//! converted to strings), n-d array → `{dtype, shape, data}` (`dtype` numpy's name, e.g. `float32`) with `data` a typed array in C order
//! (`f32` `Float32Array`, `f64` `Float64Array`, `i8`/`u8`/`i16`/`u16`/`i32`/`u32` the matching
//! typed array, `i64`/`u64` `Float64Array`, `f16` `Float32Array`, `bool` `Uint8Array`), range →
//! `{start, stop, step}`.
//!
//! From JavaScript: `null`/`undefined` → nil, boolean → bool, a whole number within ±2^53 → int,
//! other numbers → float, bigint → int, string → str, `ArrayBuffer`/`Uint8Array` → bin, other
//! typed arrays → a 1-d array of their element type, `{dtype, shape, data}` → an n-d array,
//! `Array` → list, `Map` and plain objects → map. Functions and symbols are refused, as is nesting
//! deeper than [`MAX_DEPTH`].

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use meshcast_protocol::{DType, NdArray, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Deepest nesting accepted from JavaScript (also stops reference cycles).
pub const MAX_DEPTH: usize = 32;

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INT: f64 = 9_007_199_254_740_991.0;

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

/// The JavaScript view of a value.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Nil => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) => JsValue::from_f64(*i as f64),
        Value::Float(f) => JsValue::from_f64(*f),
        Value::Str(s) => JsValue::from_str(s),
        Value::Bin(b) => Uint8Array::from(&b[..]).into(),
        Value::List(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Map(entries) => {
            let o = Object::new();
            for (k, val) in entries {
                let key = match k {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => f.to_string(),
                    Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
                    Value::Nil => "None".to_owned(),
                    other => other.type_name(),
                };
                set(&o, &key, &to_js(val));
            }
            o.into()
        }
        Value::Array(a) => array_to_js(a),
        Value::Range(r) => {
            let o = Object::new();
            set(&o, "start", &JsValue::from_f64(r.start as f64));
            set(&o, "stop", &JsValue::from_f64(r.stop as f64));
            set(&o, "step", &JsValue::from_f64(r.step as f64));
            o.into()
        }
    }
}

/// numpy's name of a dtype (`float32`, `int64`, `bool`, ...).
pub fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::U8 => "uint8",
        DType::I8 => "int8",
        DType::U16 => "uint16",
        DType::I16 => "int16",
        DType::U32 => "uint32",
        DType::I32 => "int32",
        DType::U64 => "uint64",
        DType::I64 => "int64",
        DType::F16 => "float16",
        DType::F32 => "float32",
        DType::F64 => "float64",
    }
}

/// The bytes of `data` in a fresh `ArrayBuffer` (aligned for any typed array).
fn buffer_of(data: &[u8]) -> ArrayBuffer {
    Uint8Array::from(data).buffer()
}

fn array_to_js(a: &NdArray) -> JsValue {
    let buf = || buffer_of(a.data());
    let data: JsValue = match a.dtype() {
        DType::Bool | DType::U8 => Uint8Array::new(&buf()).into(),
        DType::I8 => js_sys::Int8Array::new(&buf()).into(),
        DType::U16 => js_sys::Uint16Array::new(&buf()).into(),
        DType::I16 => js_sys::Int16Array::new(&buf()).into(),
        DType::U32 => js_sys::Uint32Array::new(&buf()).into(),
        DType::I32 => js_sys::Int32Array::new(&buf()).into(),
        DType::F32 => js_sys::Float32Array::new(&buf()).into(),
        DType::F64 => js_sys::Float64Array::new(&buf()).into(),
        DType::F16 => js_sys::Float32Array::from(&a.to_f32_vec()[..]).into(),
        DType::I64 | DType::U64 => js_sys::Float64Array::from(&a.to_f64_vec()[..]).into(),
    };
    let o = Object::new();
    set(&o, "dtype", &JsValue::from_str(dtype_name(a.dtype())));
    let shape: Array = a.shape().iter().map(|d| JsValue::from_f64(*d as f64)).collect();
    set(&o, "shape", &shape);
    set(&o, "data", &data);
    o.into()
}

/// The value a JavaScript value stands for; the error says what could not be converted.
pub fn from_js(v: &JsValue) -> Result<Value, String> {
    from_js_at(v, 0)
}

fn from_js_at(v: &JsValue, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels (or a cycle)"));
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Nil);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(f) = v.as_f64() {
        return Ok(if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INT {
            Value::Int(f as i64)
        } else {
            Value::Float(f)
        });
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::Str(s));
    }
    if v.is_bigint() {
        let text: String = js_sys::BigInt::from(v.clone())
            .to_string(10)
            .map(String::from)
            .unwrap_or_default();
        return text
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("the bigint {text} does not fit in 64 bits"));
    }
    if v.is_function() || v.is_symbol() {
        return Err("a function or symbol cannot be sent".into());
    }
    if let Some(buf) = v.dyn_ref::<ArrayBuffer>() {
        return Ok(Value::Bin(Uint8Array::new(buf).to_vec().into()));
    }
    if ArrayBuffer::is_view(v) {
        return typed_array(v, None);
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        return arr
            .iter()
            .map(|item| from_js_at(&item, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List);
    }
    if let Some(map) = v.dyn_ref::<js_sys::Map>() {
        let mut out = Vec::new();
        let mut err = None;
        map.for_each(&mut |val, key| {
            if err.is_some() {
                return;
            }
            match (from_js_at(&key, depth + 1), from_js_at(&val, depth + 1)) {
                (Ok(k), Ok(v)) => out.push((k, v)),
                (Err(e), _) | (_, Err(e)) => err = Some(e),
            }
        });
        return match err {
            Some(e) => Err(e),
            None => Ok(Value::Map(out)),
        };
    }
    if v.is_object() {
        if let Some(a) = ndarray_object(v)? {
            return Ok(a);
        }
        let obj: &Object = v.unchecked_ref();
        let mut out = Vec::new();
        for key in Object::keys(obj).iter() {
            let val = Reflect::get(obj, &key).map_err(|_| "an unreadable property".to_owned())?;
            let name = key.as_string().unwrap_or_default();
            let val = from_js_at(&val, depth + 1).map_err(|e| format!("{name}: {e}"))?;
            out.push((Value::Str(name), val));
        }
        return Ok(Value::Map(out));
    }
    Err(format!("cannot send {}", v.js_typeof().as_string().unwrap_or_default()))
}

/// `{dtype, shape, data}` with a typed array as `data` → an n-d array; other objects → `None`.
fn ndarray_object(v: &JsValue) -> Result<Option<Value>, String> {
    let get = |k: &str| Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let (dtype, shape, data) = (get("dtype"), get("shape"), get("data"));
    let keys = Object::keys(v.unchecked_ref::<Object>()).length();
    if keys != 3 || dtype.as_string().is_none() || !Array::is_array(&shape) || !ArrayBuffer::is_view(&data) {
        return Ok(None);
    }
    let mut dims = Vec::new();
    for d in Array::from(&shape).iter() {
        match d.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= MAX_SAFE_INT => dims.push(f as usize),
            _ => return Err("an array's shape must be whole numbers >= 0".into()),
        }
    }
    typed_array(&data, Some((dtype.as_string().unwrap_or_default(), dims))).map(Some)
}

/// A typed array as an n-d array (1-d unless `shape` is given; `Uint8Array` alone is bytes).
fn typed_array(v: &JsValue, declared: Option<(String, Vec<usize>)>) -> Result<Value, String> {
    let view: &Uint8Array = v.unchecked_ref();
    let byte_view = Uint8Array::new_with_byte_offset_and_length(
        &view.buffer(),
        Reflect::get(v, &"byteOffset".into())
            .ok()
            .and_then(|x| x.as_f64())
            .unwrap_or(0.0) as u32,
        Reflect::get(v, &"byteLength".into())
            .ok()
            .and_then(|x| x.as_f64())
            .unwrap_or(0.0) as u32,
    );
    let bytes = byte_view.to_vec();
    let own = if v.is_instance_of::<Uint8Array>() || v.is_instance_of::<js_sys::Uint8ClampedArray>() {
        Some(DType::U8)
    } else if v.is_instance_of::<js_sys::Int8Array>() {
        Some(DType::I8)
    } else if v.is_instance_of::<js_sys::Uint16Array>() {
        Some(DType::U16)
    } else if v.is_instance_of::<js_sys::Int16Array>() {
        Some(DType::I16)
    } else if v.is_instance_of::<js_sys::Uint32Array>() {
        Some(DType::U32)
    } else if v.is_instance_of::<js_sys::Int32Array>() {
        Some(DType::I32)
    } else if v.is_instance_of::<js_sys::Float32Array>() {
        Some(DType::F32)
    } else if v.is_instance_of::<js_sys::Float64Array>() {
        Some(DType::F64)
    } else if v.is_instance_of::<js_sys::BigInt64Array>() {
        Some(DType::I64)
    } else if v.is_instance_of::<js_sys::BigUint64Array>() {
        Some(DType::U64)
    } else {
        None
    };
    match declared {
        None => match own {
            Some(DType::U8) => Ok(Value::Bin(bytes.into())),
            Some(dt) => {
                let n = bytes.len() / dt.itemsize();
                NdArray::new(dt, vec![n], bytes)
                    .map(Value::Array)
                    .map_err(|e| e.to_string())
            }
            None => Ok(Value::Bin(bytes.into())),
        },
        Some((code, shape)) => {
            let dt = DType::from_numpy(&code).ok_or_else(|| format!("unknown dtype {code:?}"))?;
            let n: usize = shape.iter().product();
            if n * dt.itemsize() != bytes.len() {
                return Err(format!(
                    "shape {shape:?} of {code} needs {} bytes, data has {}",
                    n * dt.itemsize(),
                    bytes.len()
                ));
            }
            NdArray::new(dt, shape, bytes)
                .map(Value::Array)
                .map_err(|e| e.to_string())
        }
    }
}
