//! Interoperability with real Python: `pickle.loads` reads what [`encode`] writes, and [`decode`]
//! reads large pickles Python writes at run time (strings over 64 KiB and arrays are written
//! outside protocol 4 frames; protocol 5 uses `BYTEARRAY8`).
//!
//! These tests need `python3` with numpy. Without them they print a note and pass, unless
//! `MESHCAST_REQUIRE_PYTHON=1` is set.

use std::io::Write;
use std::process::{Command, Stdio};

use bytes::Bytes;
use meshcast_pickle::{decode, encode, Limits, Value};
use meshcast_protocol::{DType, NdArray, RangeValue};

/// Whether `python3` with numpy can run; prints why not.
fn python_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("MESHCAST_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "python3 with numpy is required (MESHCAST_REQUIRE_PYTHON=1)"
        );
        eprintln!("note: skipping, python3 with numpy is not available");
    }
    ok
}

/// Runs a Python script with `input` on stdin; returns its stdout, panicking with its stderr on
/// failure.
fn python(script: &str, input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write to python");
    drop(stdin);
    let out = child.wait_with_output().expect("python3 output");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn all_dtypes_value() -> Value {
    let mut entries = Vec::new();
    for (dtype, name) in [
        (DType::Bool, "bool"),
        (DType::U8, "uint8"),
        (DType::I8, "int8"),
        (DType::U16, "uint16"),
        (DType::I16, "int16"),
        (DType::U32, "uint32"),
        (DType::I32, "int32"),
        (DType::U64, "uint64"),
        (DType::I64, "int64"),
        (DType::F16, "float16"),
        (DType::F32, "float32"),
        (DType::F64, "float64"),
    ] {
        // [[0, 1, 2], [3, 4, 5]] of this dtype (bool: 0/1 pattern).
        let ints: Vec<i64> = (0..6).map(|i| if dtype == DType::Bool { i % 2 } else { i }).collect();
        let a = NdArray::from_i64(&[2, 3], &ints).expect("an array").astype(dtype);
        entries.push((Value::from(name), Value::Array(a)));
    }
    Value::Map(entries)
}

const CHECK_ENCODED: &str = r#"
import pickle, sys, math
import numpy as np
v = pickle.loads(sys.stdin.buffer.read())
arrays = v["arrays"]
for name, a in arrays.items():
    assert type(a) is np.ndarray, (name, type(a))
    assert a.dtype == np.dtype(name), (name, a.dtype)
    assert a.shape == (2, 3), (name, a.shape)
    assert a.flags.writeable and a.flags.c_contiguous, name
    want = np.arange(6).reshape(2, 3) % 2 if name == "bool" else np.arange(6).reshape(2, 3)
    assert (a == want.astype(name)).all(), (name, a)
assert v["zero_d"].shape == () and v["zero_d"] == 2.5
assert v["empty"].shape == (0, 4) and v["empty"].dtype == np.uint8
assert v["frames"] == range(10, 0, -3), v["frames"]
assert v["name"] == "Zoë ✓ 日本", v["name"]
assert v["position"] == [0.0, 0.5, 1.0]
assert v["ints"] == [0, 255, 256, 65535, 65536, -1, -2**31, 2**31, -2**63, 2**63 - 1], v["ints"]
assert v["flags"] == [True, False] and v["none"] is None
assert v["bin"] == b"\x00\xff" and type(v["bin"]) is bytes
assert math.isnan(v["nan"])
assert v["nested"] == {"k": [[1, {"x": None}]]}
assert v[(1, "a")] == "tuple key"
assert v["long"] == "y" * 70000
sys.stdout.buffer.write(pickle.dumps(v, protocol=4))
"#;

fn encoded_value() -> Value {
    Value::Map(vec![
        (Value::from("arrays"), all_dtypes_value()),
        (
            Value::from("zero_d"),
            Value::Array(NdArray::from_f64(&[], &[2.5]).expect("an array")),
        ),
        (
            Value::from("empty"),
            Value::Array(NdArray::new(DType::U8, vec![0, 4], Vec::new()).expect("an array")),
        ),
        (
            Value::from("frames"),
            Value::Range(RangeValue {
                start: 10,
                stop: 0,
                step: -3,
            }),
        ),
        (Value::from("name"), Value::from("Zoë ✓ 日本")),
        (Value::from("position"), Value::from(vec![0.0, 0.5, 1.0])),
        (
            Value::from("ints"),
            Value::from(vec![
                0i64,
                255,
                256,
                65535,
                65536,
                -1,
                -(1 << 31),
                1 << 31,
                i64::MIN,
                i64::MAX,
            ]),
        ),
        (Value::from("flags"), Value::from(vec![true, false])),
        (Value::from("none"), Value::Nil),
        (Value::from("bin"), Value::Bin(Bytes::from_static(b"\x00\xff"))),
        (Value::from("nan"), Value::Float(f64::NAN)),
        (
            Value::from("nested"),
            Value::Map(vec![(
                Value::from("k"),
                Value::List(vec![Value::List(vec![
                    Value::Int(1),
                    Value::Map(vec![(Value::from("x"), Value::Nil)]),
                ])]),
            )]),
        ),
        (
            Value::List(vec![Value::Int(1), Value::from("a")]),
            Value::from("tuple key"),
        ),
        (Value::from("long"), Value::from("y".repeat(70_000))),
    ])
}

/// NaN != NaN: compare through a NaN-free copy.
fn without_nan(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(k, _)| k.as_str() != Some("nan"))
                .map(|(k, v)| (k.clone(), without_nan(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn python_loads_what_encode_writes() {
    if !python_available() {
        return;
    }
    let v = encoded_value();
    let back = python(CHECK_ENCODED, &encode(&v));
    // Python's own protocol-4 pickle of what it loaded decodes to the same value.
    let decoded = decode(&back, &Limits::default()).unwrap();
    assert!(matches!(decoded.get("nan"), Some(Value::Float(f)) if f.is_nan()));
    assert_eq!(without_nan(&decoded), without_nan(&v));
}

const MAKE_LARGE: &str = r#"
import pickle, sys
import numpy as np
proto = int(sys.argv[1]) if len(sys.argv) > 1 else 4
v = {
    "text": "ünïcode " * 20000,
    "blob": bytes(range(256)) * 300,
    "verts": np.arange(300000, dtype=np.float32).reshape(100000, 3),
    "faces": np.asfortranarray(np.arange(30000, dtype=np.int64).reshape(10000, 3)),
    "colors": np.full((50000, 4), 255, dtype=np.uint8),
    "list": list(range(5000)),
}
for p in (4, 5):
    data = pickle.dumps(v, protocol=p)
    sys.stdout.buffer.write(len(data).to_bytes(8, "little") + data)
"#;

#[test]
fn large_python_pickles_decode() {
    if !python_available() {
        return;
    }
    let out = python(MAKE_LARGE, b"");
    let mut rest = &out[..];
    let mut n = 0;
    while rest.len() >= 8 {
        let (len, tail) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().unwrap()) as usize;
        let (pickle, tail) = tail.split_at(len);
        rest = tail;
        n += 1;
        let v = decode(pickle, &Limits::default()).unwrap();
        assert_eq!(v.get("text"), Some(&Value::from("ünïcode ".repeat(20000))));
        let blob: Vec<u8> = (0..=255u8).cycle().take(256 * 300).collect();
        assert_eq!(v.get("blob"), Some(&Value::Bin(Bytes::from(blob))));
        let Some(Value::Array(verts)) = v.get("verts") else {
            panic!()
        };
        assert_eq!(verts.shape(), &[100000, 3]);
        assert_eq!(verts.to_f32_vec(), (0..300000).map(|i| i as f32).collect::<Vec<_>>());
        let Some(Value::Array(faces)) = v.get("faces") else {
            panic!()
        };
        assert_eq!(faces.to_i64_vec(), (0..30000).collect::<Vec<_>>());
        let Some(Value::Array(colors)) = v.get("colors") else {
            panic!()
        };
        assert!(colors.data().iter().all(|&b| b == 255));
        assert_eq!(v.get("list"), Some(&Value::List((0..5000).map(Value::Int).collect())));
    }
    assert_eq!(n, 2);
}
