//! Conversion of the machine's result into a [`Value`], bounded in depth and size.

use meshcast_protocol::Value;

use super::objects::{Budget, Heap, Obj};
use super::R;
use crate::{Limits, PickleError};

/// Converts the machine's result into a [`Value`], counting what it emits.
pub(super) struct Output<'h> {
    pub(super) heap: &'h [Heap],
    pub(super) limits: &'h Limits,
    pub(super) budget: Budget,
    pub(super) nodes_left: usize,
    pub(super) range_left: u64,
    pub(super) at: usize,
}

impl Output<'_> {
    pub(super) fn convert(&mut self, o: Obj, depth: usize) -> R<Value> {
        self.budget.charge(1, self.at)?;
        self.nodes_left = self.nodes_left.checked_sub(1).ok_or_else(|| PickleError::Limit {
            offset: self.at,
            message: format!("the decoded value has more than {} nodes", self.limits.max_nodes),
        })?;
        let i = match o {
            Obj::None => return Ok(Value::Nil),
            Obj::Bool(b) => return Ok(Value::Bool(b)),
            Obj::Int(v) => return Ok(Value::Int(v)),
            Obj::BigInt(f) | Obj::Float(f) => return Ok(Value::Float(f)),
            Obj::Ref(i) => i,
        };
        if depth >= self.limits.max_depth {
            return Err(PickleError::Limit {
                offset: self.at,
                message: format!("values nested deeper than {}", self.limits.max_depth),
            });
        }
        let h = self.heap.get(i).ok_or_else(|| PickleError::Malformed {
            offset: self.at,
            message: "dangling reference".into(),
        })?;
        Ok(match h {
            Heap::Str(s) => {
                self.budget.charge(s.len(), self.at)?;
                Value::Str(s.clone())
            }
            Heap::Bytes(b) | Heap::ByteArray(b) => {
                self.budget.charge(b.len(), self.at)?;
                Value::Bin(b.clone())
            }
            Heap::List(items) | Heap::Tuple(items) | Heap::Set(items) | Heap::FrozenSet(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &it in items {
                    out.push(self.convert(it, depth + 1)?);
                }
                Value::List(out)
            }
            Heap::Dict(pairs) => {
                let mut out = Vec::with_capacity(pairs.len());
                for &(k, v) in pairs {
                    let k = self.convert(k, depth + 1)?;
                    let v = self.convert(v, depth + 1)?;
                    out.push((k, v));
                }
                Value::Map(out)
            }
            Heap::Message(v) => Value::Int(*v),
            Heap::Dtype(d) => Value::Str(d.describe()),
            Heap::Array(Some(a)) => {
                self.budget.charge(a.nbytes(), self.at)?;
                Value::Array(a.clone())
            }
            Heap::Array(None) => {
                return Err(PickleError::Malformed {
                    offset: self.at,
                    message: "an ndarray was never given its state (no BUILD)".into(),
                })
            }
            Heap::Range(r) => {
                let n = r.len() as u64;
                self.range_left = self.range_left.checked_sub(n).ok_or_else(|| PickleError::Limit {
                    offset: self.at,
                    message: format!("ranges hold more than {} values in all", self.limits.max_range_elements),
                })?;
                Value::Range(*r)
            }
            Heap::Global(g) => {
                return Err(PickleError::Unsupported {
                    offset: self.at,
                    message: format!("the global {} cannot be a value", g.name()),
                })
            }
        })
    }
}
