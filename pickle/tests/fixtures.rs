//! Decodes pickles written by real Python `pickle` and numpy (numpy 2.4 and, prefixed `np1_`,
//! numpy 1.26), made by `tests/fixtures/make_fixtures.py` and committed.

use std::path::PathBuf;

use meshcast_pickle::{decode, decode_envelope, Limits, PickleError, Value};
use meshcast_protocol::{DType, NdArray, RangeValue};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dec(name: &str) -> Value {
    decode(&fixture(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn array<'a>(v: &'a Value, key: &str) -> &'a NdArray {
    match v.get(key) {
        Some(Value::Array(a)) => a,
        other => panic!("{key}: {other:?}"),
    }
}

fn check_arrays(name: &str) {
    let v = dec(name);
    let ctx = name;
    let f32a = array(&v, "f32");
    assert_eq!((f32a.dtype(), f32a.shape()), (DType::F32, &[2, 3][..]), "{ctx}");
    assert_eq!(f32a.to_f32_vec(), vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], "{ctx}");
    assert_eq!(array(&v, "f64").to_f64_vec(), vec![0.0, 0.25, 0.5, 0.75], "{ctx}");
    let i32a = array(&v, "i32");
    assert_eq!(i32a.dtype(), DType::I32);
    assert_eq!(i32a.to_i64_vec(), vec![-3, -2, -1, 0, 1, 2], "{ctx}");
    assert_eq!(array(&v, "i64").to_i64_vec(), vec![-(1 << 40), 0, 1 << 40], "{ctx}");
    let u8a = array(&v, "u8");
    assert_eq!(
        (u8a.dtype(), u8a.data().as_ref()),
        (DType::U8, &[0u8, 1, 254, 255][..]),
        "{ctx}"
    );
    let b = array(&v, "bool");
    assert_eq!((b.dtype(), b.data().as_ref()), (DType::Bool, &[1u8, 0, 1][..]), "{ctx}");
    // Fortran-ordered data comes out in C order.
    let f = array(&v, "fortran");
    assert_eq!(f.shape(), &[2, 3]);
    assert_eq!(f.to_f32_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "{ctx}");
    let f3 = array(&v, "fortran3d");
    assert_eq!(f3.shape(), &[2, 3, 4]);
    assert_eq!(f3.to_i64_vec(), (0..24).collect::<Vec<_>>(), "{ctx}");
    // Big-endian data comes out little-endian.
    let be = array(&v, "be_f4");
    assert_eq!(
        (be.dtype(), be.to_f32_vec()),
        (DType::F32, vec![0.0, 1.0, 2.0, 3.0]),
        "{ctx}"
    );
    assert_eq!(array(&v, "be_i4").to_i64_vec(), vec![-2, -1, 0, 1], "{ctx}");
    let z = array(&v, "zero_d");
    assert_eq!((z.shape(), z.to_f64_vec()), (&[][..], vec![7.5]), "{ctx}");
    let e = array(&v, "empty");
    assert_eq!((e.shape(), e.nbytes()), (&[0, 3][..], 0), "{ctx}");
    let t = array(&v, "transposed");
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(t.to_i64_vec(), vec![0, 3, 1, 4, 2, 5], "{ctx}");
    assert_eq!(array(&v, "sliced").to_f64_vec(), vec![0.0, 3.0, 6.0, 9.0], "{ctx}");
}

#[test]
fn arrays_every_protocol_numpy_2() {
    for p in 0..=5 {
        check_arrays(&format!("arrays_p{p}.pkl"));
    }
}

#[test]
fn arrays_every_protocol_numpy_1() {
    for p in 0..=5 {
        check_arrays(&format!("np1_arrays_p{p}.pkl"));
    }
}

#[test]
fn numpy_scalars_become_plain_values() {
    for name in [
        "scalars_p2.pkl",
        "scalars_p4.pkl",
        "np1_scalars_p2.pkl",
        "np1_scalars_p4.pkl",
    ] {
        let v = dec(name);
        let expect = [
            ("f32", Value::Float(0.5)),
            ("f64", Value::Float(-1.25)),
            ("i64", Value::Int(-7)),
            ("i32", Value::Int(123456)),
            ("bool", Value::Bool(true)),
            ("u8", Value::Int(200)),
            ("f16", Value::Float(1.5)),
            ("u64", Value::Float((1u64 << 63) as f64 + 5.0)),
        ];
        for (k, want) in expect {
            assert_eq!(v.get(k), Some(&want), "{name} {k}");
        }
    }
}

#[test]
fn user_data_every_protocol() {
    for p in 0..=5 {
        let name = format!("user_p{p}.pkl");
        let v = dec(&name);
        assert_eq!(v.get("name"), Some(&Value::from("Zoë ✓ 日本")), "{name}");
        let n = v.get("nested").unwrap_or_else(|| panic!("{name}"));
        let get = |k: &str| n.get(k).unwrap_or_else(|| panic!("{name} {k}")).clone();
        assert_eq!(
            get("list"),
            Value::List(vec![
                Value::Int(1),
                Value::Float(2.5),
                Value::Nil,
                Value::Bool(true),
                Value::Bool(false),
                Value::from("x")
            ]),
            "{name}"
        );
        assert_eq!(
            get("tuple"),
            Value::List(vec![
                Value::Int(1),
                Value::List(vec![Value::Int(2), Value::Int(3)]),
                Value::List(vec![])
            ]),
            "{name}"
        );
        assert_eq!(
            get("bytes"),
            Value::Bin(bytes::Bytes::from_static(b"\x00\xff")),
            "{name}"
        );
        assert_eq!(get("empty_bytes"), Value::Bin(bytes::Bytes::new()), "{name}");
        assert_eq!(get("bytearray"), Value::Bin(bytes::Bytes::from_static(b"ab")), "{name}");
        assert_eq!(get("big"), Value::Float(2f64.powi(70)), "{name}");
        assert_eq!(get("neg_big"), Value::Float(-(2f64.powi(70))), "{name}");
        assert_eq!(get("i64_min"), Value::Int(i64::MIN), "{name}");
        assert!(matches!(get("nan"), Value::Float(f) if f.is_nan()), "{name}");
        assert_eq!(get("inf"), Value::Float(f64::NEG_INFINITY), "{name}");
        assert_eq!(get("set"), Value::from(vec![3i64]), "{name}");
        assert_eq!(get("frozenset"), Value::from(vec![4i64]), "{name}");
        let r = |start, stop, step| Value::Range(RangeValue { start, stop, step });
        assert_eq!(get("range"), r(0, 10, 3), "{name}");
        assert_eq!(get("rev"), r(10, 0, -2), "{name}");
        assert_eq!(get("str300"), Value::from("a".repeat(300)), "{name}");
        assert_eq!(get("empty"), Value::from(""), "{name}");
        // The same list object, referenced twice through the memo.
        assert_eq!(v.get("shared_a"), Some(&Value::from(vec![1i64, 2, 3])), "{name}");
        assert_eq!(v.get("shared_a"), v.get("shared_b"), "{name}");
        assert_eq!(
            v.get("int_keys"),
            Some(&Value::Map(vec![
                (Value::Int(1), Value::from("one")),
                (Value::from(vec![2i64, 3]), Value::from("tuple key")),
            ])),
            "{name}"
        );
    }
}

#[test]
fn aitviewer_meshes_message() {
    for name in [
        "envelope_meshes_p2.pkl",
        "envelope_meshes_p4.pkl",
        "envelope_meshes_p5.pkl",
        "np1_envelope_meshes_p2.pkl",
        "np1_envelope_meshes_p4.pkl",
        "np1_envelope_meshes_p5.pkl",
    ] {
        let env = decode_envelope(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((env.msg_type, env.uid), (2, Some(3)), "{name}");
        assert!(env.args.is_empty());
        let Some(Value::Array(v)) = env.kwargs.get("vertices") else {
            panic!("{name}")
        };
        assert_eq!(v.shape(), &[2, 4, 3]);
        assert_eq!(v.to_f32_vec(), (0..24).map(|i| i as f32).collect::<Vec<_>>(), "{name}");
        let Some(Value::Array(f)) = env.kwargs.get("faces") else {
            panic!("{name}")
        };
        assert_eq!(
            (f.dtype(), f.to_i64_vec()),
            (DType::I32, vec![0, 1, 2, 0, 2, 3]),
            "{name}"
        );
        let Some(Value::Array(c)) = env.kwargs.get("vertex_colors") else {
            panic!("{name}")
        };
        assert_eq!(c.to_f32_vec(), vec![1.0; 16]);
        assert_eq!(env.kwargs.get("name"), Some(&Value::from("cube")));
        assert_eq!(env.kwargs.get("color"), Some(&Value::from(vec![0.5, 0.5, 0.5, 1.0])));
        assert_eq!(env.kwargs.get("flat_shading"), Some(&Value::Bool(true)));
        assert_eq!(env.kwargs.get("point_size"), Some(&Value::Float(2.0)));
    }
}

#[test]
fn aitviewer_other_messages() {
    for prefix in ["", "np1_"] {
        let env = decode_envelope(&fixture(&format!("{prefix}envelope_update_p4.pkl"))).unwrap();
        assert_eq!((env.msg_type, env.uid), (100, Some(3)));
        assert_eq!(
            env.kwargs.get("frames"),
            Some(&Value::Range(RangeValue {
                start: 0,
                stop: 2,
                step: 1
            }))
        );
        let Some(Value::Array(v)) = env.kwargs.get("vertices") else {
            panic!()
        };
        assert_eq!((v.dtype(), v.shape()), (DType::F64, &[2, 4, 3][..]));

        let env = decode_envelope(&fixture(&format!("{prefix}envelope_set_frame_p4.pkl"))).unwrap();
        assert_eq!((env.msg_type, env.uid, env.args), (200, None, vec![Value::Int(5)]));

        // A user message: the type is a plain int, not an enum member.
        let env = decode_envelope(&fixture(&format!("{prefix}envelope_user_int_p4.pkl"))).unwrap();
        assert_eq!((env.msg_type, env.uid), (10001, Some(7)));
        assert_eq!(env.args, vec![Value::from("hi")]);
        assert_eq!(env.kwargs.get("index"), Some(&Value::Int(2)));
    }
}

#[test]
fn malicious_and_unsupported_pickles_are_refused() {
    let cases = [
        ("evil_os_system_p4.pkl", "global 'posix.system' is not allowed"),
        ("evil_os_system_p0.pkl", "global 'posix.system' is not allowed"),
        ("evil_eval_p2.pkl", "global '__builtin__.eval' is not allowed"),
        (
            "evil_ordered_dict_p4.pkl",
            "global 'collections.OrderedDict' is not allowed",
        ),
        ("evil_user_class_p4.pkl", "global '__main__.UserThing' is not allowed"),
        ("evil_other_enum_p4.pkl", "global '__main__.OtherEnum' is not allowed"),
        ("evil_object_array_p4.pkl", "dtype 'O8' is not allowed"),
        ("evil_complex_p4.pkl", "dtype 'c16' is not allowed"),
    ];
    for (name, want) in cases {
        let e = decode(&fixture(name), &Limits::default()).unwrap_err();
        assert!(e.to_string().contains(want), "{name}: {e}");
        assert!(
            matches!(e, PickleError::ForbiddenGlobal(_) | PickleError::Unsupported { .. }),
            "{name}: {e:?}"
        );
    }
}

#[test]
fn every_fixture_is_small() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pkl") {
            assert!(std::fs::metadata(&path).unwrap().len() < 8192, "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 40, "only {n} fixtures");
}
