//! Frame selections for `update_frames` and `remove_frames`: one index, a list or a range.

use std::ops::{Range, RangeInclusive};

use meshcast_protocol::{FrameSelection, RangeValue, Value};

/// Which frames an update or removal applies to (aitviewer's `frames`: an int, a list or a
/// `range`). Negative indices count from the end, as in numpy.
///
/// Anything `Into<Frames>` is accepted: `3`, `-1i64`, `[0, 4]`, `vec![1usize, 2]`, `&[1, 2][..]`,
/// `0..10`, `0..=9`, or [`Frames::range`] with a step. Ranges travel as ranges (one value, not
/// a list).
///
/// ```
/// use meshcast_client::Frames;
/// assert_eq!(Frames::from(0..3).to_value(), Frames::range(0, 3, 1).to_value());
/// assert_eq!(Frames::from([2, 0]).indices(5).unwrap(), vec![2, 0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Frames(FrameSelection);

impl Frames {
    /// Python's `range(start, stop, step)`. A step of 0 is treated as 1.
    pub fn range(start: i64, stop: i64, step: i64) -> Self {
        let step = if step == 0 { 1 } else { step };
        Self(FrameSelection::Range(RangeValue { start, stop, step }))
    }

    /// The selection as it travels in a message.
    pub fn to_value(&self) -> Value {
        self.0.to_value()
    }

    /// The selection of the protocol crate.
    pub fn selection(&self) -> &FrameSelection {
        &self.0
    }

    /// Resolves against a node of `n` frames (negative indices from the end); an error names
    /// an index out of range.
    pub fn indices(&self, n: usize) -> Result<Vec<usize>, String> {
        self.0.resolve(n)
    }
}

impl From<FrameSelection> for Frames {
    fn from(s: FrameSelection) -> Self {
        Self(s)
    }
}

macro_rules! int_frames {
    ($($t:ty),*) => {$(
        impl From<$t> for Frames {
            fn from(i: $t) -> Self {
                Self(FrameSelection::Index(i as i64))
            }
        }
        impl From<&[$t]> for Frames {
            fn from(v: &[$t]) -> Self {
                Self(FrameSelection::List(v.iter().map(|&i| i as i64).collect()))
            }
        }
        impl From<Vec<$t>> for Frames {
            fn from(v: Vec<$t>) -> Self {
                Self::from(v.as_slice())
            }
        }
        impl From<&Vec<$t>> for Frames {
            fn from(v: &Vec<$t>) -> Self {
                Self::from(v.as_slice())
            }
        }
        impl<const N: usize> From<[$t; N]> for Frames {
            fn from(v: [$t; N]) -> Self {
                Self::from(v.as_slice())
            }
        }
        impl<const N: usize> From<&[$t; N]> for Frames {
            fn from(v: &[$t; N]) -> Self {
                Self::from(v.as_slice())
            }
        }
        impl From<Range<$t>> for Frames {
            fn from(r: Range<$t>) -> Self {
                Self::range(r.start as i64, r.end as i64, 1)
            }
        }
        impl From<RangeInclusive<$t>> for Frames {
            fn from(r: RangeInclusive<$t>) -> Self {
                Self::range(*r.start() as i64, *r.end() as i64 + 1, 1)
            }
        }
    )*};
}

int_frames!(i32, i64, u32, usize);

#[cfg(test)]
mod tests {
    use super::*;

    fn take(f: impl Into<Frames>) -> Frames {
        f.into()
    }

    #[test]
    fn literals_lists_and_ranges() {
        assert_eq!(take(3).to_value(), Value::Int(3));
        assert_eq!(take(-1).indices(4).unwrap(), vec![3]);
        assert_eq!(take([0, 2]).to_value(), Value::List(vec![Value::Int(0), Value::Int(2)]));
        assert_eq!(take(vec![1usize, 2]).indices(3).unwrap(), vec![1, 2]);
        let r = take(2..5);
        assert_eq!(
            r.to_value(),
            Value::Range(RangeValue {
                start: 2,
                stop: 5,
                step: 1
            })
        );
        assert_eq!(r.indices(10).unwrap(), vec![2, 3, 4]);
        assert_eq!(take(0..=2usize).indices(3).unwrap(), vec![0, 1, 2]);
        assert_eq!(Frames::range(9, -1, -3).indices(10).unwrap(), vec![9, 6, 3, 0]);
    }

    #[test]
    fn out_of_range_names_the_index() {
        let e = take(7).indices(5).unwrap_err();
        assert!(e.contains("frame index 7"), "{e}");
    }
}
