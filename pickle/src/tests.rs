//! Unit tests on hand-made pickles: every whitelisted construct and every refusal.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, RangeValue, Value};

use crate::opcodes as op;
use crate::{decode, decode_envelope, encode, is_pickle, Limits, PickleError};

/// A hand-written pickle.
#[derive(Default, Clone)]
struct P(Vec<u8>);

impl P {
    fn proto(v: u8) -> Self {
        P(vec![op::PROTO, v])
    }
    fn op(mut self, code: u8) -> Self {
        self.0.push(code);
        self
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    fn s(self, s: &str) -> Self {
        let n = s.len();
        if n < 256 {
            self.op(op::SHORT_BINUNICODE).raw(&[n as u8]).raw(s.as_bytes())
        } else {
            self.op(op::BINUNICODE).raw(&(n as u32).to_le_bytes()).raw(s.as_bytes())
        }
    }
    fn b(self, b: &[u8]) -> Self {
        self.op(op::BINBYTES).raw(&(b.len() as u32).to_le_bytes()).raw(b)
    }
    fn i(self, v: i32) -> Self {
        self.op(op::BININT).raw(&v.to_le_bytes())
    }
    fn global(self, module: &str, name: &str) -> Self {
        self.s(module).s(name).op(op::STACK_GLOBAL)
    }
    fn text_global(self, module: &str, name: &str) -> Self {
        self.op(op::GLOBAL).raw(format!("{module}\n{name}\n").as_bytes())
    }
    /// `numpy.dtype(code, False, True)` with `BUILD((3, order, None, None, None, -1, -1, 0))`.
    fn dtype(self, code: &str, order: &str) -> Self {
        self.global("numpy", "dtype")
            .s(code)
            .op(op::NEWFALSE)
            .op(op::NEWTRUE)
            .op(op::TUPLE3)
            .op(op::REDUCE)
            .op(op::MARK)
            .i(3)
            .s(order)
            .op(op::NONE)
            .op(op::NONE)
            .op(op::NONE)
            .i(-1)
            .i(-1)
            .i(0)
            .op(op::TUPLE)
            .op(op::BUILD)
    }
    /// `_reconstruct(ndarray, (0,), b'b')` then `BUILD((1, shape, dtype, fortran, data))`.
    fn array(self, shape: &[i32], code: &str, order: &str, fortran: bool, data: &[u8]) -> Self {
        let mut p = self
            .global("numpy._core.multiarray", "_reconstruct")
            .global("numpy", "ndarray")
            .i(0)
            .op(op::TUPLE1)
            .b(b"b")
            .op(op::TUPLE3)
            .op(op::REDUCE)
            .op(op::MARK)
            .i(1)
            .op(op::MARK);
        for &d in shape {
            p = p.i(d);
        }
        p.op(op::TUPLE)
            .dtype(code, order)
            .op(if fortran { op::NEWTRUE } else { op::NEWFALSE })
            .b(data)
            .op(op::TUPLE)
            .op(op::BUILD)
    }
    fn stop(self) -> Vec<u8> {
        self.op(op::STOP).0
    }
}

fn dec(b: &[u8]) -> Result<Value, PickleError> {
    decode(b, &Limits::default())
}

fn err(b: &[u8]) -> String {
    match dec(b) {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn le_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

// ----- scalars and containers -----

#[test]
fn scalars() {
    assert_eq!(dec(&P::proto(4).op(op::NONE).stop()).unwrap(), Value::Nil);
    assert_eq!(dec(&P::proto(4).op(op::NEWTRUE).stop()).unwrap(), Value::Bool(true));
    assert_eq!(dec(&P::proto(4).op(op::NEWFALSE).stop()).unwrap(), Value::Bool(false));
    assert_eq!(dec(&P::proto(4).i(-5).stop()).unwrap(), Value::Int(-5));
    assert_eq!(
        dec(&P::proto(4).op(op::BININT1).raw(&[200]).stop()).unwrap(),
        Value::Int(200)
    );
    assert_eq!(
        dec(&P::proto(4).op(op::BININT2).raw(&[1, 2]).stop()).unwrap(),
        Value::Int(513)
    );
    let f = P::proto(4).op(op::BINFLOAT).raw(&1.5f64.to_be_bytes()).stop();
    assert_eq!(dec(&f).unwrap(), Value::Float(1.5));
    assert_eq!(dec(&P::proto(4).s("Zoë ✓").stop()).unwrap(), Value::from("Zoë ✓"));
    let bin = Value::Bin(Bytes::from_static(b"\x00\xff"));
    assert_eq!(dec(&P::proto(4).b(b"\x00\xff").stop()).unwrap(), bin);
    let short = P::proto(4).op(op::SHORT_BINBYTES).raw(&[2, 0, 0xff]).stop();
    assert_eq!(dec(&short).unwrap(), bin);
    let b8 = P::proto(4)
        .op(op::BINBYTES8)
        .raw(&2u64.to_le_bytes())
        .raw(b"\x00\xff")
        .stop();
    assert_eq!(dec(&b8).unwrap(), bin);
    let ba = P::proto(5)
        .op(op::BYTEARRAY8)
        .raw(&2u64.to_le_bytes())
        .raw(b"\x00\xff")
        .stop();
    assert_eq!(dec(&ba).unwrap(), bin);
    let u8s = P::proto(4)
        .op(op::BINUNICODE8)
        .raw(&3u64.to_le_bytes())
        .raw(b"abc")
        .stop();
    assert_eq!(dec(&u8s).unwrap(), Value::from("abc"));
}

#[test]
fn longs() {
    let long1 = |b: &[u8]| P::proto(4).op(op::LONG1).raw(&[b.len() as u8]).raw(b).stop();
    assert_eq!(dec(&long1(&[])).unwrap(), Value::Int(0));
    assert_eq!(dec(&long1(&[0xff, 0x7f])).unwrap(), Value::Int(0x7fff));
    assert_eq!(dec(&long1(&[0, 0, 0, 0, 0, 0, 0, 0x80])).unwrap(), Value::Int(i64::MIN));
    // 2**70 becomes the nearest float.
    assert_eq!(
        dec(&long1(&[0, 0, 0, 0, 0, 0, 0, 0, 0x40])).unwrap(),
        Value::Float(2f64.powi(70))
    );
    let long4 = P::proto(4)
        .op(op::LONG4)
        .raw(&2i32.to_le_bytes())
        .raw(&[0x00, 0x80])
        .stop();
    assert_eq!(dec(&long4).unwrap(), Value::Int(-32768));
    // Too large even for a float.
    let huge = P::proto(4)
        .op(op::LONG4)
        .raw(&200i32.to_le_bytes())
        .raw(&[0x11; 200])
        .stop();
    assert!(err(&huge).contains("int of 200 bytes"));
    let neg = P::proto(4).op(op::LONG4).raw(&(-1i32).to_le_bytes()).stop();
    assert!(err(&neg).contains("negative length"));
}

#[test]
fn containers_and_memo() {
    // {'a': [1, (2, 3)], 'b': <same list>} with the list shared through the memo after APPENDS.
    let p = P::proto(4)
        .op(op::EMPTY_DICT)
        .op(op::MEMOIZE)
        .op(op::MARK)
        .s("a")
        .op(op::EMPTY_LIST)
        .op(op::MEMOIZE)
        .op(op::MARK)
        .i(1)
        .i(2)
        .i(3)
        .op(op::TUPLE2)
        .op(op::APPENDS)
        .s("b")
        .op(op::BINGET)
        .raw(&[1])
        .op(op::SETITEMS)
        .stop();
    let list = Value::List(vec![Value::Int(1), Value::List(vec![Value::Int(2), Value::Int(3)])]);
    assert_eq!(
        dec(&p).unwrap(),
        Value::Map(vec![(Value::from("a"), list.clone()), (Value::from("b"), list)])
    );
}

#[test]
fn sets_and_frozensets_become_lists() {
    let p = P::proto(4)
        .op(op::EMPTY_SET)
        .op(op::MARK)
        .i(1)
        .i(2)
        .op(op::ADDITEMS)
        .stop();
    assert_eq!(dec(&p).unwrap(), Value::from(vec![1i64, 2]));
    let p = P::proto(4).op(op::MARK).i(7).op(op::FROZENSET).stop();
    assert_eq!(dec(&p).unwrap(), Value::from(vec![7i64]));
    let p = P::proto(3)
        .text_global("builtins", "set")
        .op(op::EMPTY_LIST)
        .i(4)
        .op(op::APPEND)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .stop();
    assert_eq!(dec(&p).unwrap(), Value::from(vec![4i64]));
    let p = P::proto(2)
        .text_global("__builtin__", "frozenset")
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .stop();
    assert_eq!(dec(&p).unwrap(), Value::List(vec![]));
}

#[test]
fn protocol_0_and_1_text_opcodes() {
    // x = (None,); [1, True, 2**70, 1.5, 'Zoë \\ ✓', {'k': x}, x, -3] as Python writes it.
    let expected = Value::List(vec![
        Value::Int(1),
        Value::Bool(true),
        Value::Float(2f64.powi(70)),
        Value::Float(1.5),
        Value::from("Zoë \\ ✓"),
        Value::Map(vec![(Value::from("k"), Value::List(vec![Value::Nil]))]),
        Value::List(vec![Value::Nil]),
        Value::Int(-3),
    ]);
    let p0 = b"(lp0\nI1\naI01\naL1180591620717411303424L\naF1.5\naVZo\xeb \\u005c \\u2713\np1\na(dp2\nVk\np3\n(Ntp4\nsag4\naI-3\na.";
    assert_eq!(dec(p0).unwrap(), expected);
    let p1 = b"]q\x00(K\x01I01\nL1180591620717411303424L\nG?\xf8\x00\x00\x00\x00\x00\x00X\n\x00\x00\x00Zo\xc3\xab \\ \xe2\x9c\x93q\x01}q\x02X\x01\x00\x00\x00kq\x03(Ntq\x04sh\x04J\xfd\xff\xff\xffe.";
    assert_eq!(dec(p1).unwrap(), expected);
    // STRING (Python 2's str): text when UTF-8, with escapes.
    assert_eq!(dec(b"S'it\\'s\\n'\n.").unwrap(), Value::from("it's\n"));
    assert_eq!(dec(b"S\"\\xff\"\n.").unwrap(), Value::Bin(Bytes::from_static(b"\xff")));
    assert!(err(b"Sabc\n.").contains("not quoted"));
    assert!(err(b"Ix\n.").contains("not an integer"));
    assert!(err(b"Fx\n.").contains("not a number"));
    assert!(err(b"I1").contains("no terminating newline"));
}

#[test]
fn pop_dup_and_binstrings() {
    let p = P::proto(2)
        .op(op::MARK)
        .i(1)
        .i(2)
        .op(op::POP_MARK)
        .i(3)
        .op(op::DUP)
        .op(op::POP)
        .op(op::SHORT_BINSTRING)
        .raw(&[2, b'h', b'i'])
        .op(op::BINSTRING)
        .raw(&1i32.to_le_bytes())
        .raw(&[0xff])
        .op(op::TUPLE3)
        .stop();
    assert_eq!(
        dec(&p).unwrap(),
        Value::List(vec![
            Value::Int(3),
            Value::from("hi"),
            Value::Bin(Bytes::from_static(&[0xff]))
        ])
    );
    // DICT and LIST with marks.
    let p = P::proto(2)
        .op(op::MARK)
        .s("k")
        .op(op::MARK)
        .i(1)
        .op(op::LIST)
        .op(op::DICT)
        .stop();
    assert_eq!(
        dec(&p).unwrap(),
        Value::Map(vec![(Value::from("k"), Value::from(vec![1i64]))])
    );
}

// ----- whitelisted globals -----

#[test]
fn message_enum_member_is_an_int() {
    for v in [1, 2, 11, 103, 202, 10000] {
        let p = P::proto(4)
            .global("aitviewer.remote.message", "Message")
            .i(v)
            .op(op::TUPLE1)
            .op(op::REDUCE)
            .stop();
        assert_eq!(dec(&p).unwrap(), Value::Int(i64::from(v)));
    }
    let p = P::proto(4)
        .global("aitviewer.remote.message", "Message")
        .i(7)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .stop();
    assert!(err(&p).contains("7 is not a value of aitviewer's Message enum"));
}

#[test]
fn reconstruct_and_build_array() {
    let data = le_f32(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let p = P::proto(4).array(&[2, 3], "f4", "<", false, &data).stop();
    let a = NdArray::from_f32(&[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(dec(&p).unwrap(), Value::Array(a));
}

#[test]
fn fortran_and_big_endian_arrays_are_normalised() {
    // [[0,1,2],[3,4,5]] as >i4 in Fortran order.
    let data: Vec<u8> = [0i32, 3, 1, 4, 2, 5].iter().flat_map(|v| v.to_be_bytes()).collect();
    let p = P::proto(4).array(&[2, 3], "i4", ">", true, &data).stop();
    let Value::Array(a) = dec(&p).unwrap() else { panic!() };
    assert_eq!(a.dtype(), DType::I32);
    assert_eq!(a.to_i64_vec(), vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn zero_d_and_empty_arrays() {
    let p = P::proto(4).array(&[], "f8", "<", false, &2.5f64.to_le_bytes()).stop();
    let Value::Array(a) = dec(&p).unwrap() else { panic!() };
    assert_eq!((a.shape(), a.to_f64_vec()), (&[][..], vec![2.5]));
    let p = P::proto(4).array(&[0, 3], "u1", "|", false, b"").stop();
    let Value::Array(a) = dec(&p).unwrap() else { panic!() };
    assert_eq!((a.shape(), a.dtype(), a.nbytes()), (&[0, 3][..], DType::U8, 0));
}

#[test]
fn one_dtype_serves_several_arrays() {
    // The second array takes the dtype from the memo (index 0 is the first dtype object).
    let d = P::proto(4).dtype("i8", "<").op(op::MEMOIZE).op(op::POP);
    let mut p = d;
    for k in 0..2i64 {
        p = p
            .global("numpy.core.multiarray", "_reconstruct")
            .global("numpy", "ndarray")
            .i(0)
            .op(op::TUPLE1)
            .b(b"b")
            .op(op::TUPLE3)
            .op(op::REDUCE)
            .op(op::MARK)
            .i(1)
            .i(1)
            .op(op::TUPLE1)
            .op(op::BINGET)
            .raw(&[0])
            .op(op::NEWFALSE)
            .b(&k.to_le_bytes())
            .op(op::TUPLE)
            .op(op::BUILD);
    }
    let v = dec(&p.op(op::TUPLE2).stop()).unwrap();
    let Value::List(items) = v else { panic!() };
    assert_eq!(items[1], Value::Array(NdArray::from_i64(&[1], &[1]).unwrap()));
}

#[test]
fn wrong_data_length_is_an_error() {
    let p = P::proto(4).array(&[2, 3], "f4", "<", false, &[0u8; 20]).stop();
    assert!(err(&p).contains("needs 24 bytes, got 20"), "{}", err(&p));
    let p = P::proto(4)
        .array(&[i32::MAX, i32::MAX, i32::MAX], "f8", "<", false, b"")
        .stop();
    assert!(err(&p).contains("overflows"), "{}", err(&p));
    let p = P::proto(4).array(&[-1], "f8", "<", false, b"").stop();
    assert!(err(&p).contains("negative array axis"));
    let p = P::proto(4).array(&[1; 9], "f8", "<", false, &[0; 8]).stop();
    assert!(err(&p).contains("9 axes"));
}

#[test]
fn scalars_become_plain_values() {
    let scalar = |code: &str, order: &str, data: &[u8]| {
        P::proto(4)
            .global("numpy._core.multiarray", "scalar")
            .dtype(code, order)
            .b(data)
            .op(op::TUPLE2)
            .op(op::REDUCE)
            .stop()
    };
    assert_eq!(
        dec(&scalar("f4", "<", &0.5f32.to_le_bytes())).unwrap(),
        Value::Float(0.5)
    );
    assert_eq!(
        dec(&scalar("f4", ">", &0.5f32.to_be_bytes())).unwrap(),
        Value::Float(0.5)
    );
    assert_eq!(dec(&scalar("i8", "<", &(-7i64).to_le_bytes())).unwrap(), Value::Int(-7));
    assert_eq!(dec(&scalar("b1", "|", &[1])).unwrap(), Value::Bool(true));
    assert_eq!(dec(&scalar("f2", "<", &[0x00, 0x3e])).unwrap(), Value::Float(1.5));
    assert_eq!(
        dec(&scalar("u8", "<", &u64::MAX.to_le_bytes())).unwrap(),
        Value::Float(u64::MAX as f64)
    );
    assert!(err(&scalar("f4", "<", &[0, 0])).contains("expected 4"));
}

#[test]
fn frombuffer_protocol_5() {
    let p = |order: &str| {
        P::proto(5)
            .global("numpy.core.numeric", "_frombuffer")
            .op(op::MARK)
            .op(op::BYTEARRAY8)
            .raw(&16u64.to_le_bytes())
            .raw(&le_f32(&[0.0, 2.0, 1.0, 3.0]))
            .dtype("f4", "<")
            .i(2)
            .i(2)
            .op(op::TUPLE2)
            .s(order)
            .op(op::TUPLE)
            .op(op::REDUCE)
            .stop()
    };
    let Value::Array(c) = dec(&p("C")).unwrap() else {
        panic!()
    };
    assert_eq!(c.to_f32_vec(), vec![0.0, 2.0, 1.0, 3.0]);
    let Value::Array(f) = dec(&p("F")).unwrap() else {
        panic!()
    };
    assert_eq!(f.to_f32_vec(), vec![0.0, 1.0, 2.0, 3.0]);
    assert!(err(&p("K")).contains("order 'K'"));
}

#[test]
fn ranges_stay_lazy() {
    let range = |a: i32, b: i32, c: i32| {
        P::proto(4)
            .global("builtins", "range")
            .i(a)
            .i(b)
            .i(c)
            .op(op::TUPLE3)
            .op(op::REDUCE)
            .stop()
    };
    assert_eq!(
        dec(&range(0, 10, 3)).unwrap(),
        Value::Range(RangeValue {
            start: 0,
            stop: 10,
            step: 3
        })
    );
    assert_eq!(dec(&range(10, 0, -2)).unwrap().type_name(), "range(10, 0, -2)");
    assert!(err(&range(0, 10, 0)).contains("step 0"));
    // 2**31 values: over the default cap.
    assert!(err(&range(i32::MIN, i32::MAX, 1)).contains("at most 16777216"));
    let xrange = P::proto(2)
        .text_global("__builtin__", "xrange")
        .i(5)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .stop();
    assert_eq!(dec(&xrange).unwrap().type_name(), "range(0, 5, 1)");
}

#[test]
fn protocol_2_bytes_spellings() {
    let enc = P::proto(2)
        .text_global("_codecs", "encode")
        .s("\u{0}\u{ff}A")
        .s("latin1")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        .stop();
    assert_eq!(dec(&enc).unwrap(), Value::Bin(Bytes::from_static(b"\x00\xffA")));
    let enc = P::proto(2)
        .text_global("_codecs", "encode")
        .s("x")
        .s("utf-8")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        .stop();
    assert!(err(&enc).contains("only allowed with 'latin1'"));
    let enc = P::proto(2)
        .text_global("_codecs", "encode")
        .s("✓")
        .s("latin1")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        .stop();
    assert!(err(&enc).contains("outside latin-1"));
    let empty = P::proto(2)
        .text_global("__builtin__", "bytes")
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .stop();
    assert_eq!(dec(&empty).unwrap(), Value::Bin(Bytes::new()));
}

#[test]
fn dtype_object_decodes_to_its_str() {
    let p = P::proto(4).dtype("f4", ">").stop();
    assert_eq!(dec(&p).unwrap(), Value::from(">f4"));
}

// ----- refusals -----

#[test]
fn os_system_is_refused_by_name() {
    let p = P::proto(4)
        .global("os", "system")
        .s("echo pwned")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .stop();
    assert_eq!(err(&p), "global 'os.system' is not allowed");
    let p = P::proto(0).text_global("posix", "system").stop();
    assert_eq!(err(&p), "global 'posix.system' is not allowed");
}

#[test]
fn eval_and_other_builtins_are_refused() {
    for (m, n) in [
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "getattr"),
        ("builtins", "__import__"),
        ("collections", "OrderedDict"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("numpy", "load"),
        ("copyreg", "_reconstructor"),
    ] {
        let p = P::proto(4).global(m, n).stop();
        assert_eq!(err(&p), format!("global '{m}.{n}' is not allowed"));
    }
}

#[test]
fn forbidden_opcodes_are_named() {
    for (code, name) in [
        (op::INST, "INST"),
        (op::OBJ, "OBJ"),
        (op::PERSID, "PERSID"),
        (op::BINPERSID, "BINPERSID"),
        (op::EXT1, "EXT1"),
        (op::EXT2, "EXT2"),
        (op::EXT4, "EXT4"),
        (op::NEWOBJ_EX, "NEWOBJ_EX"),
        (op::NEXT_BUFFER, "NEXT_BUFFER"),
        (op::READONLY_BUFFER, "READONLY_BUFFER"),
    ] {
        let p = P::proto(5).op(code).raw(b"os\nsystem\n").stop();
        assert_eq!(err(&p), format!("opcode {name} at byte 2 is not allowed"));
    }
    assert_eq!(err(&[0x80, 4, 0xff]), "unknown opcode 0xff at byte 2");
}

#[test]
fn object_and_structured_dtypes_are_refused() {
    let p = P::proto(4).dtype("O8", "|").stop();
    assert!(err(&p).contains("dtype 'O8' is not allowed"));
    for code in ["U4", "S3", "V8", "M8", "c16"] {
        assert!(err(&P::proto(4).dtype(code, "<").stop()).contains("is not allowed"));
    }
    // A numeric code with a structured state (names set).
    let p = P::proto(4)
        .global("numpy", "dtype")
        .s("f8")
        .op(op::NEWFALSE)
        .op(op::NEWTRUE)
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::MARK)
        .i(3)
        .s("<")
        .op(op::NONE)
        .s("x")
        .op(op::TUPLE1)
        .op(op::NONE)
        .i(-1)
        .i(-1)
        .i(0)
        .op(op::TUPLE)
        .op(op::BUILD)
        .stop();
    assert!(err(&p).contains("structured"));
    // An object array's data is a list.
    let p = P::proto(4)
        .global("numpy._core.multiarray", "_reconstruct")
        .global("numpy", "ndarray")
        .i(0)
        .op(op::TUPLE1)
        .b(b"b")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::MARK)
        .i(1)
        .i(1)
        .op(op::TUPLE1)
        .dtype("i8", "<")
        .op(op::NEWFALSE)
        .op(op::EMPTY_LIST)
        .op(op::TUPLE)
        .op(op::BUILD)
        .stop();
    assert!(err(&p).contains("object arrays are not allowed"));
}

#[test]
fn reconstruct_of_another_class_is_refused() {
    let p = P::proto(4)
        .global("numpy._core.multiarray", "_reconstruct")
        .global("numpy", "dtype")
        .i(0)
        .op(op::TUPLE1)
        .b(b"b")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .stop();
    assert!(err(&p).contains("only numpy.ndarray is allowed"));
    let p = P::proto(4)
        .global("numpy", "ndarray")
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .stop();
    assert!(err(&p).contains("calling numpy.ndarray"));
    let p = P::proto(4)
        .global("numpy", "dtype")
        .s("f8")
        .op(op::TUPLE1)
        .op(op::NEWOBJ)
        .stop();
    assert!(err(&p).contains("NEWOBJ on numpy.dtype"));
}

#[test]
fn a_global_is_not_a_value_and_build_needs_a_target() {
    let p = P::proto(4).global("builtins", "range").stop();
    assert!(err(&p).contains("cannot be a value"));
    let p = P::proto(4).op(op::EMPTY_DICT).op(op::EMPTY_DICT).op(op::BUILD).stop();
    assert!(err(&p).contains("BUILD on a dict"));
    let p = P::proto(4)
        .global("numpy._core.multiarray", "_reconstruct")
        .global("numpy", "ndarray")
        .i(0)
        .op(op::TUPLE1)
        .b(b"b")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .stop();
    assert!(err(&p).contains("never given its state"));
}

#[test]
fn truncated_input_is_an_error_at_every_cut() {
    let data = le_f32(&[1.0, 2.0]);
    let full = P::proto(4).array(&[2], "f4", "<", false, &data).stop();
    assert!(dec(&full).is_ok());
    for cut in 0..full.len() {
        let e = dec(&full[..cut]).unwrap_err();
        assert!(
            matches!(e, PickleError::Truncated { .. } | PickleError::Malformed { .. }),
            "{cut}: {e}"
        );
    }
    assert!(matches!(dec(b""), Err(PickleError::Truncated { .. })));
}

#[test]
fn huge_declared_lengths_fail_before_allocating() {
    for code in [op::BINBYTES8, op::BINUNICODE8, op::BYTEARRAY8, op::FRAME] {
        let p = P::proto(5).op(code).raw(&u64::MAX.to_le_bytes()).raw(b"abc").stop();
        assert!(matches!(dec(&p), Err(PickleError::Truncated { .. })), "{code:#x}");
    }
    let p = P::proto(4).op(op::BINUNICODE).raw(&u32::MAX.to_le_bytes()).stop();
    assert!(err(&p).contains("needs 4294967295 bytes"));
    let p = P::proto(2).op(op::BINSTRING).raw(&i32::MAX.to_le_bytes()).stop();
    assert!(matches!(dec(&p), Err(PickleError::Truncated { .. })));
}

#[test]
fn deep_nesting_is_bounded() {
    // 100k nested lists without marks: the VM is iterative, the conversion stops at max_depth.
    let n = 100_000;
    let mut p = P::proto(4);
    for _ in 0..n {
        p = p.op(op::EMPTY_LIST);
    }
    for _ in 0..n - 1 {
        p = p.op(op::APPEND);
    }
    assert!(err(&p.stop()).contains("nested deeper than 128"));
    // Nested MARKs.
    let p = P::proto(4).raw(&vec![op::MARK; 10_000]).stop();
    assert!(err(&p).contains("more than 128 nested MARKs"));
    // A list that contains itself.
    let p = P::proto(4)
        .op(op::EMPTY_LIST)
        .op(op::MEMOIZE)
        .op(op::BINGET)
        .raw(&[0])
        .op(op::APPEND)
        .stop();
    assert!(matches!(dec(&p), Err(PickleError::Limit { .. })));
}

#[test]
fn memo_abuse_is_bounded() {
    // Missing key.
    let p = P::proto(4).op(op::BINGET).raw(&[3]).stop();
    assert!(err(&p).contains("memo key 3 is not set"));
    let p = P::proto(4).op(op::LONG_BINGET).raw(&u32::MAX.to_le_bytes()).stop();
    assert!(err(&p).contains("memo key 4294967295"));
    // PUT with nothing on the stack.
    let p = P::proto(4).op(op::MEMOIZE).stop();
    assert!(err(&p).contains("stack underflow"));
    // Too many entries.
    let limits = Limits {
        max_memo: 100,
        ..Limits::default()
    };
    let mut p = P::proto(4).op(op::NONE);
    for k in 0..200u32 {
        p = p.op(op::LONG_BINPUT).raw(&k.to_le_bytes());
    }
    assert!(decode(&p.stop(), &limits)
        .unwrap_err()
        .to_string()
        .contains("more than 100 memo entries"));
    // Billion laughs: each level holds the previous one twice. The value is refused, not built.
    let mut p = P::proto(4).s(&"x".repeat(1000)).op(op::MEMOIZE);
    for level in 0..40u32 {
        p = p
            .op(op::POP)
            .op(op::LONG_BINGET)
            .raw(&level.to_le_bytes())
            .op(op::DUP)
            .op(op::TUPLE2)
            .op(op::MEMOIZE);
    }
    let e = err(&p.stop());
    assert!(e.contains("expansion limit"), "{e}");
}

#[test]
fn shared_arrays_count_each_time_they_appear() {
    // A 64 KiB array repeated 1000 times through the memo: 64 MB from a 70 KB pickle.
    let data = vec![0u8; 65536];
    let mut p = P::proto(4)
        .array(&[65536], "u1", "|", false, &data)
        .op(op::MEMOIZE)
        .op(op::POP)
        .op(op::EMPTY_LIST)
        .op(op::MARK);
    for _ in 0..1000 {
        p = p.op(op::BINGET).raw(&[0]);
    }
    let e = err(&p.op(op::APPENDS).stop());
    assert!(e.contains("expansion limit"), "{e}");
}

#[test]
fn stack_underflow_and_type_errors() {
    assert!(err(&P::proto(4).stop()).contains("stack underflow"));
    assert!(err(&P::proto(4).op(op::APPEND).stop()).contains("stack underflow"));
    // APPEND may not reach below a MARK.
    let p = P::proto(4).op(op::EMPTY_LIST).op(op::MARK).i(1).op(op::APPEND).stop();
    assert!(err(&p).contains("stack underflow"));
    let p = P::proto(4).op(op::EMPTY_TUPLE).i(1).op(op::APPEND).stop();
    assert!(err(&p).contains("APPEND to a tuple"));
    let p = P::proto(4).i(1).s("x").op(op::STACK_GLOBAL).stop();
    assert!(err(&p).contains("STACK_GLOBAL's module must be a str"));
    let p = P::proto(4).op(op::EMPTY_DICT).op(op::MARK).i(1).op(op::SETITEMS).stop();
    assert!(err(&p).contains("odd number"));
    assert!(err(&[0x80, 9, b'N', b'.']).contains("protocol 9"));
}

// ----- envelopes, detection, encoding -----

#[test]
fn envelope_from_a_pickled_message() {
    let p = P::proto(4)
        .op(op::EMPTY_DICT)
        .op(op::MARK)
        .s("type")
        .global("aitviewer.remote.message", "Message")
        .i(2)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .s("uid")
        .i(3)
        .s("args")
        .s("a")
        .op(op::TUPLE1)
        .s("kwargs")
        .op(op::EMPTY_DICT)
        .s("name")
        .s("cube")
        .op(op::SETITEM)
        .op(op::SETITEMS)
        .stop();
    let env = decode_envelope(&p).unwrap();
    assert_eq!(env.msg_type, 2);
    assert_eq!(env.uid, Some(3));
    assert_eq!(env.args, vec![Value::from("a")]);
    assert_eq!(env.kwargs.get("name"), Some(&Value::from("cube")));

    let bad = |p: P| decode_envelope(&p.stop()).unwrap_err().to_string();
    assert!(bad(P::proto(4).op(op::EMPTY_LIST)).contains("expected a dict"));
    assert!(bad(P::proto(4).op(op::EMPTY_DICT)).contains("no 'type'"));
    let neg_uid = P::proto(4)
        .op(op::EMPTY_DICT)
        .s("type")
        .i(10001)
        .op(op::SETITEM)
        .s("uid")
        .i(-1)
        .op(op::SETITEM);
    assert!(bad(neg_uid).contains("non-negative"));
    let int_key = P::proto(4)
        .op(op::EMPTY_DICT)
        .s("type")
        .i(1)
        .op(op::SETITEM)
        .s("kwargs")
        .op(op::EMPTY_DICT)
        .i(1)
        .i(2)
        .op(op::SETITEM)
        .op(op::SETITEM);
    assert!(bad(int_key).contains("expected a str"));
    let plain = P::proto(4).op(op::EMPTY_DICT).s("type").i(10001).op(op::SETITEM);
    assert_eq!(decode_envelope(&plain.stop()).unwrap().msg_type, 10001);
}

#[test]
fn pickle_detection() {
    assert!(is_pickle(&[0x80, 4, 0x95]));
    assert!(is_pickle(&[0x80, 2]));
    assert!(is_pickle(&[0x80, 5]));
    assert!(!is_pickle(&[0x80, 1]));
    assert!(!is_pickle(&[0x80, 6]));
    assert!(!is_pickle(&[0x84, 0xa4]));
    assert!(!is_pickle(&[0x85]));
    assert!(!is_pickle(&[]));
}

#[test]
fn encode_round_trips_through_decode() {
    let v = Value::Map(vec![
        (Value::from("name"), Value::from("Zoë ✓")),
        (Value::from("position"), Value::from(vec![0.0, 0.5, 1.0])),
        (
            Value::from("n"),
            Value::from(vec![0i64, 255, 256, 65536, -1, i64::MIN, i64::MAX]),
        ),
        (Value::from("flags"), Value::from(vec![true, false])),
        (Value::from("none"), Value::Nil),
        (Value::from("bin"), Value::Bin(Bytes::from(vec![7u8; 300]))),
        (Value::from("long"), Value::from("y".repeat(70_000))),
        (Value::Int(3), Value::Float(f64::NEG_INFINITY)),
        (
            Value::from("frames"),
            Value::Range(RangeValue {
                start: 5,
                stop: -5,
                step: -2,
            }),
        ),
        (
            Value::from("verts"),
            Value::Array(NdArray::from_f32(&[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap()),
        ),
        (
            Value::from("scalar"),
            Value::Array(NdArray::from_i32(&[], &[-9]).unwrap()),
        ),
        (
            Value::from("empty"),
            Value::Array(NdArray::new(DType::U8, vec![0, 4], Vec::new()).unwrap()),
        ),
        (Value::from("big"), Value::List((0..2500).map(Value::Int).collect())),
    ]);
    assert_eq!(dec(&encode(&v)).unwrap(), v);
    for dtype in [
        DType::Bool,
        DType::U8,
        DType::I8,
        DType::U16,
        DType::I16,
        DType::U32,
        DType::I32,
        DType::U64,
        DType::I64,
        DType::F16,
        DType::F32,
        DType::F64,
    ] {
        let a = NdArray::new(dtype, vec![3, 1], vec![1u8; 3 * dtype.itemsize()]).unwrap();
        assert_eq!(dec(&encode(&Value::Array(a.clone()))).unwrap(), Value::Array(a));
    }
    // A list used as a dict key is written as a tuple (it decodes back to a list).
    let k = Value::Map(vec![(Value::from(vec![1i64, 2]), Value::Nil)]);
    let bytes = encode(&k);
    assert!(bytes.contains(&op::TUPLE));
    assert_eq!(dec(&bytes).unwrap(), k);
}

#[test]
fn trailing_bytes_after_stop_are_ignored() {
    assert_eq!(dec(b"\x80\x04N.garbage").unwrap(), Value::Nil);
}

#[test]
fn node_limit_bounds_pushes_and_output() {
    let limits = Limits {
        max_nodes: 50,
        ..Limits::default()
    };
    let mut p = P::proto(4).op(op::EMPTY_LIST).op(op::MARK);
    for _ in 0..100 {
        p = p.op(op::NONE);
    }
    let e = decode(&p.op(op::APPENDS).stop(), &limits).unwrap_err();
    assert!(e.to_string().contains("more than 50 values"), "{e}");
    // 30 pushes, but 10 x 10 nodes once the shared list is expanded.
    let mut p = P::proto(4).op(op::EMPTY_LIST).op(op::MARK);
    for _ in 0..10 {
        p = p.op(op::NONE);
    }
    p = p.op(op::APPENDS).op(op::MEMOIZE).op(op::MARK);
    for _ in 0..10 {
        p = p.op(op::BINGET).raw(&[0]);
    }
    let e = decode(&p.op(op::LIST).stop(), &limits).unwrap_err();
    assert!(e.to_string().contains("more than 50 nodes"), "{e}");
}
