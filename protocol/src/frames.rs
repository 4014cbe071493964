//! Frame selections: aitviewer's `frames` argument (an int, a list of ints, a range or an int array).

use crate::{RangeValue, Value};

/// Which frames an update or removal applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameSelection {
    /// One frame; negative counts from the end.
    Index(i64),
    /// Several frames, in the order given; negatives count from the end.
    List(Vec<i64>),
    /// A Python range.
    Range(RangeValue),
}

impl FrameSelection {
    /// Reads a selection from a message value. `None` when the value is not an int, a list of
    /// ints, a range or a 0-d/1-d integer array.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(Self::Index(*i)),
            Value::Range(r) => Some(Self::Range(*r)),
            Value::List(items) => items
                .iter()
                .map(Value::as_i64)
                .collect::<Option<Vec<_>>>()
                .map(Self::List),
            Value::Array(a) if a.dtype().is_integer() && a.ndim() == 0 => {
                a.to_i64_vec().first().map(|i| Self::Index(*i))
            }
            Value::Array(a) if a.dtype().is_integer() && a.ndim() == 1 => Some(Self::List(a.to_i64_vec())),
            _ => None,
        }
    }

    /// The selection as a message value.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Index(i) => Value::Int(*i),
            Self::List(l) => Value::List(l.iter().map(|i| Value::Int(*i)).collect()),
            Self::Range(r) => Value::Range(*r),
        }
    }

    /// Resolves the selection against `n` frames into indices in `0..n`, in order, with
    /// duplicates kept. Negative indices count from the end, as in numpy.
    pub fn resolve(&self, n: usize) -> Result<Vec<usize>, String> {
        let raw: Vec<i64> = match self {
            Self::Index(i) => vec![*i],
            Self::List(l) => l.clone(),
            // A range holds each index once, so one longer than the node is out of range
            // somewhere: say so before listing (a peer's range may hold 2^63 indices).
            Self::Range(r) if r.len() > n => {
                return Err(format!(
                    "frame range({}, {}, {}) holds {} indices, more than the node's {n} frames",
                    r.start,
                    r.stop,
                    r.step,
                    r.len()
                ))
            }
            Self::Range(r) => r.iter().collect(),
        };
        raw.into_iter()
            .map(|i| {
                let j = if i < 0 { i + n as i64 } else { i };
                if j < 0 || j >= n as i64 {
                    Err(format!("frame index {i} is out of range for a node with {n} frames"))
                } else {
                    Ok(j as usize)
                }
            })
            .collect()
    }

    /// Resolves for removal: sorted, without duplicates.
    pub fn resolve_unique(&self, n: usize) -> Result<Vec<usize>, String> {
        let mut v = self.resolve(n)?;
        v.sort_unstable();
        v.dedup();
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_ints_lists_ranges_and_negatives() {
        assert_eq!(FrameSelection::Index(-1).resolve(5).unwrap(), vec![4]);
        assert_eq!(FrameSelection::List(vec![0, 2, -2]).resolve(5).unwrap(), vec![0, 2, 3]);
        let r = RangeValue {
            start: 1,
            stop: 5,
            step: 2,
        };
        assert_eq!(FrameSelection::Range(r).resolve(5).unwrap(), vec![1, 3]);
    }

    #[test]
    fn out_of_range_is_an_error_naming_the_index() {
        let e = FrameSelection::Index(5).resolve(5).unwrap_err();
        assert!(e.contains("frame index 5") && e.contains("5 frames"), "{e}");
        assert!(FrameSelection::Index(-6).resolve(5).is_err());
    }

    /// Found by fuzzing (fuzz/ scene_apply): a huge range was listed in full before its indices
    /// were checked, and the allocation aborted the relay.
    #[test]
    fn a_range_longer_than_the_node_is_refused_before_it_is_listed() {
        let r = RangeValue {
            start: 0,
            stop: 1 << 60,
            step: 1,
        };
        let e = FrameSelection::Range(r).resolve(5).unwrap_err();
        assert!(e.contains("more than the node's 5 frames"), "{e}");
        assert!(FrameSelection::Range(r).resolve_unique(5).is_err());
    }

    #[test]
    fn removal_collapses_duplicates() {
        assert_eq!(
            FrameSelection::List(vec![3, 1, 3, -5]).resolve_unique(5).unwrap(),
            vec![0, 1, 3]
        );
    }

    #[test]
    fn parses_from_values() {
        assert_eq!(
            FrameSelection::from_value(&Value::Int(2)),
            Some(FrameSelection::Index(2))
        );
        assert_eq!(
            FrameSelection::from_value(&Value::List(vec![Value::Int(1), Value::Int(2)])),
            Some(FrameSelection::List(vec![1, 2]))
        );
        assert_eq!(FrameSelection::from_value(&Value::from("x")), None);
        assert_eq!(FrameSelection::from_value(&Value::List(vec![Value::Float(1.5)])), None);
    }
}
