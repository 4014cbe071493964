//! The restricted pickle virtual machine.
//!
//! Objects live in an arena (`heap`) and the stack and memo hold [`Obj`]: small immediate values
//! or indices into the arena. Shared references (`MEMOIZE`/`BINGET`, `DUP`) and objects that are
//! changed after being memoised (a list filled by `APPENDS`, an array given its state by `BUILD`)
//! therefore behave as in Python, reference cycles cannot leak, and dropping the machine frees
//! everything at once. The loop is iterative; only the final conversion to [`Value`] recurses,
//! bounded by [`Limits::max_depth`].

mod calls;
mod objects;
mod output;
mod reader;
mod text;

use std::collections::HashMap;

use bytes::Bytes;
use meshcast_protocol::Value;

use crate::error::sanitize;
use crate::globals::Global;
use crate::opcodes as op;
use crate::{Limits, PickleError};

use objects::{Budget, DtypeObj, Heap, Obj};
use output::Output;
use reader::Reader;
use text::{escape_decode, long_from_le, raw_unicode_escape};

/// The machine state of one decode.
pub(crate) struct Machine<'a> {
    input: Reader<'a>,
    limits: &'a Limits,
    stack: Vec<Obj>,
    marks: Vec<usize>,
    memo: HashMap<u64, Obj>,
    heap: Vec<Heap>,
    copies: Budget,
    /// Items pushed so far (bounded by `Limits::max_nodes`).
    pushes: usize,
    /// Offset of the opcode being run.
    at: usize,
}

type R<T> = Result<T, PickleError>;

impl<'a> Machine<'a> {
    pub(crate) fn new(data: &'a [u8], limits: &'a Limits) -> Self {
        Self {
            input: Reader { data, pos: 0 },
            limits,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            heap: Vec::new(),
            copies: Budget {
                left: limits.expansion_budget(data.len()),
                what: "data copied while decoding",
            },
            pushes: 0,
            at: 0,
        }
    }

    /// Runs the pickle to its `STOP` and converts the result.
    pub(crate) fn decode(mut self) -> R<Value> {
        let root = self.run()?;
        let mut out = Output {
            heap: &self.heap,
            limits: self.limits,
            budget: Budget {
                left: self.limits.expansion_budget(self.input.data.len()),
                what: "the decoded value",
            },
            nodes_left: self.limits.max_nodes,
            range_left: self.limits.max_range_elements,
            at: self.at,
        };
        out.convert(root, 0)
    }

    // ----- errors -----

    fn malformed(&self, message: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            offset: self.at,
            message: message.into(),
        }
    }

    fn unsupported(&self, message: impl Into<String>) -> PickleError {
        PickleError::Unsupported {
            offset: self.at,
            message: message.into(),
        }
    }

    fn limit(&self, message: impl Into<String>) -> PickleError {
        PickleError::Limit {
            offset: self.at,
            message: message.into(),
        }
    }

    // ----- stack, marks, memo, heap -----

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn push(&mut self, obj: Obj) -> R<()> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(self.limit(format!("more than {} items on the stack", self.limits.max_stack)));
        }
        if self.pushes >= self.limits.max_nodes {
            return Err(self.limit(format!("more than {} values", self.limits.max_nodes)));
        }
        self.pushes += 1;
        self.stack.push(obj);
        Ok(())
    }

    fn pop(&mut self) -> R<Obj> {
        if self.stack.len() <= self.floor() {
            return Err(self.malformed("stack underflow"));
        }
        self.stack.pop().ok_or_else(|| self.malformed("stack underflow"))
    }

    fn top(&self) -> R<Obj> {
        if self.stack.len() <= self.floor() {
            return Err(self.malformed("stack underflow"));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| self.malformed("stack underflow"))
    }

    fn pop_mark(&mut self) -> R<Vec<Obj>> {
        let mark = self.marks.pop().ok_or_else(|| self.malformed("no MARK on the stack"))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn alloc(&mut self, h: Heap) -> R<Obj> {
        if self.heap.len() >= self.limits.max_nodes {
            return Err(self.limit(format!("more than {} objects", self.limits.max_nodes)));
        }
        self.heap.push(h);
        Ok(Obj::Ref(self.heap.len() - 1))
    }

    fn push_new(&mut self, h: Heap) -> R<()> {
        let o = self.alloc(h)?;
        self.push(o)
    }

    fn heap_of(&self, o: Obj) -> Option<&Heap> {
        match o {
            Obj::Ref(i) => self.heap.get(i),
            _ => None,
        }
    }

    fn heap_mut(&mut self, o: Obj) -> Option<&mut Heap> {
        match o {
            Obj::Ref(i) => self.heap.get_mut(i),
            _ => None,
        }
    }

    fn describe(&self, o: Obj) -> String {
        match o {
            Obj::None => "None".into(),
            Obj::Bool(b) => format!("the bool {b}"),
            Obj::Int(i) => format!("the int {i}"),
            Obj::BigInt(f) => format!("the int ~{f:e}"),
            Obj::Float(f) => format!("the float {f}"),
            Obj::Ref(_) => match self.heap_of(o) {
                Some(Heap::Global(g)) => format!("the global {}", g.name()),
                Some(h) => format!("a {}", h.kind()),
                None => "a dangling reference".into(),
            },
        }
    }

    fn memo_get(&self, key: u64) -> R<Obj> {
        self.memo
            .get(&key)
            .copied()
            .ok_or_else(|| self.malformed(format!("memo key {key} is not set")))
    }

    fn memo_put(&mut self, key: u64) -> R<()> {
        let top = self.top()?;
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains_key(&key) {
            return Err(self.limit(format!("more than {} memo entries", self.limits.max_memo)));
        }
        self.memo.insert(key, top);
        Ok(())
    }

    // ----- typed views of operands -----

    fn as_str(&self, o: Obj, what: &str) -> R<&str> {
        match self.heap_of(o) {
            Some(Heap::Str(s)) => Ok(s),
            _ => Err(self.malformed(format!("{what} must be a str, got {}", self.describe(o)))),
        }
    }

    fn as_int(&self, o: Obj, what: &str) -> R<i64> {
        match o {
            Obj::Int(i) => Ok(i),
            Obj::Bool(b) => Ok(i64::from(b)),
            Obj::BigInt(_) => Err(self.unsupported(format!("{what} does not fit a 64-bit integer"))),
            _ => Err(self.malformed(format!("{what} must be an int, got {}", self.describe(o)))),
        }
    }

    fn as_bool(&self, o: Obj, what: &str) -> R<bool> {
        match o {
            Obj::Bool(b) => Ok(b),
            Obj::Int(i) => Ok(i != 0),
            _ => Err(self.malformed(format!("{what} must be a bool, got {}", self.describe(o)))),
        }
    }

    /// Items of a tuple (a copy; callers check the length first with `tuple_len`).
    fn tuple_items(&self, o: Obj, what: &str, max: usize) -> R<Vec<Obj>> {
        match self.heap_of(o) {
            Some(Heap::Tuple(items)) if items.len() <= max => Ok(items.clone()),
            Some(Heap::Tuple(items)) => {
                Err(self.malformed(format!("{what} has {} items, at most {max} are expected", items.len())))
            }
            _ => Err(self.malformed(format!("{what} must be a tuple, got {}", self.describe(o)))),
        }
    }

    fn as_bytes(&self, o: Obj, what: &str) -> R<Bytes> {
        match self.heap_of(o) {
            Some(Heap::Bytes(b) | Heap::ByteArray(b)) => Ok(b.clone()),
            Some(Heap::List(_)) => Err(self.unsupported(format!("{what} is a list: object arrays are not allowed"))),
            _ => Err(self.malformed(format!("{what} must be bytes, got {}", self.describe(o)))),
        }
    }

    fn as_dtype(&self, o: Obj, what: &str) -> R<DtypeObj> {
        match self.heap_of(o) {
            Some(Heap::Dtype(d)) => Ok(*d),
            _ => Err(self.malformed(format!("{what} must be a numpy.dtype, got {}", self.describe(o)))),
        }
    }

    fn as_shape(&self, o: Obj) -> R<Vec<usize>> {
        let dims = match self.heap_of(o) {
            Some(Heap::Tuple(d) | Heap::List(d)) => d,
            _ => return Err(self.malformed(format!("array shape must be a tuple, got {}", self.describe(o)))),
        };
        if dims.len() > self.limits.max_ndim {
            return Err(self.limit(format!(
                "array of {} axes, at most {} are allowed",
                dims.len(),
                self.limits.max_ndim
            )));
        }
        let mut shape = Vec::with_capacity(dims.len());
        for &d in dims {
            let n = self.as_int(d, "an array axis length")?;
            let n = usize::try_from(n).map_err(|_| self.malformed(format!("negative array axis length {n}")))?;
            if n > self.limits.max_dim {
                return Err(self.limit(format!(
                    "array axis of length {n}, at most {} is allowed",
                    self.limits.max_dim
                )));
            }
            shape.push(n);
        }
        Ok(shape)
    }

    // ----- the loop -----

    fn run(&mut self) -> R<Obj> {
        loop {
            self.at = self.input.pos;
            let at = self.at;
            let code = self.input.u8(at, "the next opcode (no STOP)")?;
            match code {
                op::PROTO => {
                    let v = self.input.u8(at, "PROTO's version")?;
                    if v > 5 {
                        return Err(self.unsupported(format!("pickle protocol {v}; 0 to 5 are supported")));
                    }
                }
                op::FRAME => {
                    let n = self.input.len::<8>(at, "FRAME's length")?;
                    if n > self.input.remaining() {
                        return Err(PickleError::Truncated {
                            offset: at,
                            what: format!("a frame of {n} bytes, {} remain", self.input.remaining()),
                        });
                    }
                }
                op::STOP => return self.pop(),
                op::MARK => {
                    if self.marks.len() >= self.limits.max_depth {
                        return Err(self.limit(format!("more than {} nested MARKs", self.limits.max_depth)));
                    }
                    self.marks.push(self.stack.len());
                }
                op::POP => {
                    if self.stack.len() > self.floor() {
                        self.pop()?;
                    } else {
                        self.pop_mark()?;
                    }
                }
                op::POP_MARK => {
                    self.pop_mark()?;
                }
                op::DUP => {
                    let t = self.top()?;
                    self.push(t)?;
                }

                // Scalars.
                op::NONE => self.push(Obj::None)?,
                op::NEWTRUE => self.push(Obj::Bool(true))?,
                op::NEWFALSE => self.push(Obj::Bool(false))?,
                op::BININT => {
                    let v = i32::from_le_bytes(self.input.array::<4>(at, "BININT")?);
                    self.push(Obj::Int(i64::from(v)))?;
                }
                op::BININT1 => {
                    let v = self.input.u8(at, "BININT1")?;
                    self.push(Obj::Int(i64::from(v)))?;
                }
                op::BININT2 => {
                    let v = u16::from_le_bytes(self.input.array::<2>(at, "BININT2")?);
                    self.push(Obj::Int(i64::from(v)))?;
                }
                op::LONG1 => {
                    let n = self.input.len::<1>(at, "LONG1's length")?;
                    let b = self.input.take(n, at, "LONG1")?;
                    let v = self.long_from_bytes(b)?;
                    self.push(v)?;
                }
                op::LONG4 => {
                    let n = i32::from_le_bytes(self.input.array::<4>(at, "LONG4's length")?);
                    let n = usize::try_from(n).map_err(|_| self.malformed("LONG4 with a negative length"))?;
                    let b = self.input.take(n, at, "LONG4")?;
                    let v = self.long_from_bytes(b)?;
                    self.push(v)?;
                }
                op::BINFLOAT => {
                    let v = f64::from_be_bytes(self.input.array::<8>(at, "BINFLOAT")?);
                    self.push(Obj::Float(v))?;
                }
                op::INT => {
                    let line = self.input.line(at, "INT")?;
                    let v = match line {
                        b"00" => Obj::Bool(false),
                        b"01" => Obj::Bool(true),
                        _ => self.parse_int_text(line)?,
                    };
                    self.push(v)?;
                }
                op::LONG => {
                    let line = self.input.line(at, "LONG")?;
                    let line = line.strip_suffix(b"L").unwrap_or(line);
                    let v = self.parse_int_text(line)?;
                    self.push(v)?;
                }
                op::FLOAT => {
                    let line = self.input.line(at, "FLOAT")?;
                    let v = std::str::from_utf8(line)
                        .ok()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .ok_or_else(|| self.malformed("FLOAT is not a number"))?;
                    self.push(Obj::Float(v))?;
                }

                // Strings and bytes.
                op::SHORT_BINUNICODE => {
                    let n = self.input.len::<1>(at, "SHORT_BINUNICODE's length")?;
                    self.push_str(n, "SHORT_BINUNICODE")?;
                }
                op::BINUNICODE => {
                    let n = self.input.len::<4>(at, "BINUNICODE's length")?;
                    self.push_str(n, "BINUNICODE")?;
                }
                op::BINUNICODE8 => {
                    let n = self.input.len::<8>(at, "BINUNICODE8's length")?;
                    self.push_str(n, "BINUNICODE8")?;
                }
                op::UNICODE => {
                    let line = self.input.line(at, "UNICODE")?;
                    let s = raw_unicode_escape(line);
                    self.push_new(Heap::Str(s))?;
                }
                op::SHORT_BINBYTES => {
                    let n = self.input.len::<1>(at, "SHORT_BINBYTES's length")?;
                    self.push_bytes(n, "SHORT_BINBYTES", false)?;
                }
                op::BINBYTES => {
                    let n = self.input.len::<4>(at, "BINBYTES's length")?;
                    self.push_bytes(n, "BINBYTES", false)?;
                }
                op::BINBYTES8 => {
                    let n = self.input.len::<8>(at, "BINBYTES8's length")?;
                    self.push_bytes(n, "BINBYTES8", false)?;
                }
                op::BYTEARRAY8 => {
                    let n = self.input.len::<8>(at, "BYTEARRAY8's length")?;
                    self.push_bytes(n, "BYTEARRAY8", true)?;
                }
                op::SHORT_BINSTRING => {
                    let n = self.input.len::<1>(at, "SHORT_BINSTRING's length")?;
                    let b = self.input.take(n, at, "SHORT_BINSTRING")?;
                    self.push_py2_string(b.to_vec())?;
                }
                op::BINSTRING => {
                    let n = i32::from_le_bytes(self.input.array::<4>(at, "BINSTRING's length")?);
                    let n = usize::try_from(n).map_err(|_| self.malformed("BINSTRING with a negative length"))?;
                    let b = self.input.take(n, at, "BINSTRING")?;
                    self.push_py2_string(b.to_vec())?;
                }
                op::STRING => {
                    let line = self.input.line(at, "STRING")?;
                    let inner = match line {
                        [q, inner @ .., e] if q == e && (*q == b'\'' || *q == b'"') => inner,
                        _ => return Err(self.malformed("STRING is not quoted")),
                    };
                    let b = escape_decode(inner);
                    self.push_py2_string(b)?;
                }

                // Containers.
                op::EMPTY_LIST => self.push_new(Heap::List(Vec::new()))?,
                op::EMPTY_DICT => self.push_new(Heap::Dict(Vec::new()))?,
                op::EMPTY_SET => self.push_new(Heap::Set(Vec::new()))?,
                op::EMPTY_TUPLE => self.push_new(Heap::Tuple(Vec::new()))?,
                op::TUPLE => {
                    let items = self.pop_mark()?;
                    self.push_new(Heap::Tuple(items))?;
                }
                op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                    let n = usize::from(code - op::TUPLE1) + 1;
                    if self.stack.len() < self.floor() + n {
                        return Err(self.malformed("stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push_new(Heap::Tuple(items))?;
                }
                op::LIST => {
                    let items = self.pop_mark()?;
                    self.push_new(Heap::List(items))?;
                }
                op::DICT => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.push_new(Heap::Dict(pairs))?;
                }
                op::FROZENSET => {
                    let items = self.pop_mark()?;
                    self.push_new(Heap::FrozenSet(items))?;
                }
                op::APPEND => {
                    let v = self.pop()?;
                    self.extend_list(vec![v])?;
                }
                op::APPENDS => {
                    let items = self.pop_mark()?;
                    self.extend_list(items)?;
                }
                op::SETITEM => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.extend_dict(vec![(k, v)])?;
                }
                op::SETITEMS => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.extend_dict(pairs)?;
                }
                op::ADDITEMS => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    let desc = self.describe(target);
                    match self.heap_mut(target) {
                        Some(Heap::Set(s)) => s.extend(items),
                        _ => return Err(self.malformed(format!("ADDITEMS on {desc}"))),
                    }
                }

                // Memo.
                op::MEMOIZE => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key)?;
                }
                op::BINPUT => {
                    let key = self.input.u8(at, "BINPUT")?;
                    self.memo_put(u64::from(key))?;
                }
                op::LONG_BINPUT => {
                    let key = u32::from_le_bytes(self.input.array::<4>(at, "LONG_BINPUT")?);
                    self.memo_put(u64::from(key))?;
                }
                op::PUT => {
                    let line = self.input.line(at, "PUT")?;
                    let key = self.parse_memo_key(line)?;
                    self.memo_put(key)?;
                }
                op::BINGET => {
                    let key = self.input.u8(at, "BINGET")?;
                    let v = self.memo_get(u64::from(key))?;
                    self.push(v)?;
                }
                op::LONG_BINGET => {
                    let key = u32::from_le_bytes(self.input.array::<4>(at, "LONG_BINGET")?);
                    let v = self.memo_get(u64::from(key))?;
                    self.push(v)?;
                }
                op::GET => {
                    let line = self.input.line(at, "GET")?;
                    let key = self.parse_memo_key(line)?;
                    let v = self.memo_get(key)?;
                    self.push(v)?;
                }

                // Globals and construction.
                op::GLOBAL => {
                    let module = self.input.line(at, "GLOBAL's module")?;
                    let name = self.input.line(at, "GLOBAL's name")?;
                    let module = String::from_utf8_lossy(module).into_owned();
                    let name = String::from_utf8_lossy(name).into_owned();
                    self.push_global(&module, &name)?;
                }
                op::STACK_GLOBAL => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let name = self.as_str(name, "STACK_GLOBAL's name")?.to_owned();
                    let module = self.as_str(module, "STACK_GLOBAL's module")?.to_owned();
                    self.push_global(&module, &name)?;
                }
                op::REDUCE => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.call(callable, args, false)?;
                    self.push(v)?;
                }
                op::NEWOBJ => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let v = self.call(cls, args, true)?;
                    self.push(v)?;
                }
                op::BUILD => {
                    let state = self.pop()?;
                    let target = self.top()?;
                    self.build(target, state)?;
                }

                other => {
                    return Err(match op::forbidden_name(other) {
                        Some(name) => PickleError::ForbiddenOpcode { name, offset: at },
                        None => PickleError::UnknownOpcode {
                            opcode: other,
                            offset: at,
                        },
                    })
                }
            }
        }
    }

    // ----- opcode helpers -----

    fn push_str(&mut self, n: usize, what: &str) -> R<()> {
        let b = self.input.take(n, self.at, what)?;
        // Python writes lone surrogates with 'surrogatepass'; they become U+FFFD here.
        let s = String::from_utf8_lossy(b).into_owned();
        self.push_new(Heap::Str(s))
    }

    fn push_bytes(&mut self, n: usize, what: &str, bytearray: bool) -> R<()> {
        let b = Bytes::copy_from_slice(self.input.take(n, self.at, what)?);
        self.push_new(if bytearray { Heap::ByteArray(b) } else { Heap::Bytes(b) })
    }

    /// A Python 2 `str` (protocols 0-2): text when it is UTF-8, bytes otherwise.
    fn push_py2_string(&mut self, b: Vec<u8>) -> R<()> {
        let h = match String::from_utf8(b) {
            Ok(s) => Heap::Str(s),
            Err(e) => Heap::Bytes(Bytes::from(e.into_bytes())),
        };
        self.push_new(h)
    }

    fn long_from_bytes(&self, b: &[u8]) -> R<Obj> {
        if b.len() > self.limits.max_long_bytes {
            return Err(self.unsupported(format!(
                "an int of {} bytes; at most {} are allowed",
                b.len(),
                self.limits.max_long_bytes
            )));
        }
        long_from_le(b).ok_or_else(|| self.unsupported("an int too large for a float"))
    }

    fn parse_int_text(&self, line: &[u8]) -> R<Obj> {
        let s = std::str::from_utf8(line)
            .map_err(|_| self.malformed("integer text is not ASCII"))?
            .trim();
        if let Ok(v) = s.parse::<i64>() {
            return Ok(Obj::Int(v));
        }
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(self.malformed(format!("{:?} is not an integer", sanitize(s))));
        }
        if digits.len() > self.limits.max_long_bytes.saturating_mul(3) {
            return Err(self.unsupported(format!("an int of {} digits", digits.len())));
        }
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Obj::BigInt(f)),
            _ => Err(self.unsupported("an int too large for a float")),
        }
    }

    fn parse_memo_key(&self, line: &[u8]) -> R<u64> {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| self.malformed("memo key is not a non-negative integer"))
    }

    fn pairs(&self, items: Vec<Obj>) -> R<Vec<(Obj, Obj)>> {
        if items.len() % 2 != 0 {
            return Err(self.malformed("odd number of items for a dict"));
        }
        let mut it = items.into_iter();
        let mut pairs = Vec::with_capacity(it.len() / 2);
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        Ok(pairs)
    }

    fn extend_list(&mut self, items: Vec<Obj>) -> R<()> {
        let target = self.top()?;
        let desc = self.describe(target);
        match self.heap_mut(target) {
            Some(Heap::List(l)) => {
                l.extend(items);
                Ok(())
            }
            _ => Err(self.malformed(format!("APPEND to {desc}"))),
        }
    }

    fn extend_dict(&mut self, pairs: Vec<(Obj, Obj)>) -> R<()> {
        let target = self.top()?;
        let desc = self.describe(target);
        match self.heap_mut(target) {
            // Duplicate keys are kept in order; a real pickler never writes them.
            Some(Heap::Dict(d)) => {
                d.extend(pairs);
                Ok(())
            }
            _ => Err(self.malformed(format!("SETITEM on {desc}"))),
        }
    }

    fn push_global(&mut self, module: &str, name: &str) -> R<()> {
        match Global::resolve(module, name) {
            Some(g) => self.push_new(Heap::Global(g)),
            None => Err(PickleError::ForbiddenGlobal(format!(
                "{}.{}",
                sanitize(module),
                sanitize(name)
            ))),
        }
    }
}
