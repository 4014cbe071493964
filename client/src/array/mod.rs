//! Array inputs: everything that can become an [`NdArray`] of one frame or several.
//!
//! [`IntoArray`] is implemented for
//! - numbers and fixed-size arrays of them: `1.5f32` is `()`, `[0.0f32; 3]` is `(3,)`,
//!   `[[0.0f64; 3]; 3]` is `(3,3)`;
//! - `glam` vectors and matrices: `Vec3` is `(3,)`, `Mat3` is `(3,3)` in row-major order (row `i`
//!   holds `m.col(0)[i], m.col(1)[i], m.col(2)[i]`), `DVec3`/`DMat3` as `f64`;
//! - slices, `Vec`s and fixed arrays of those: `&[[f32; 3]]` and `Vec<Vec3>` are `(V,3)`;
//! - slices and `Vec`s of `Vec`s for several frames: `Vec<Vec<Vec3>>` is `(N,V,3)` (every inner
//!   `Vec` must have the same length);
//! - a flat slice with an explicit shape: [`Shaped`];
//! - [`NdArray`] itself, and `ndarray` arrays with the cargo feature `ndarray`.
//!
//! Element types are `f32`, `f64`, the integer types and `bool` ([`Element`]).

#[cfg(feature = "ndarray")]
mod ndarray_impl;

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray};

use crate::ClientError;

mod sealed {
    pub trait Sealed {}
}

/// A scalar that can be an array element.
pub trait Element: Copy + sealed::Sealed + 'static {
    /// The wire dtype.
    const DTYPE: DType;
    /// Appends the little-endian bytes of `self`.
    fn write_le(self, out: &mut Vec<u8>);
}

macro_rules! element {
    ($($t:ty => $d:expr),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = $d;
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

element!(
    f32 => DType::F32, f64 => DType::F64,
    i8 => DType::I8, i16 => DType::I16, i32 => DType::I32, i64 => DType::I64,
    u8 => DType::U8, u16 => DType::U16, u32 => DType::U32, u64 => DType::U64,
);

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn write_le(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
}

impl sealed::Sealed for usize {}
/// `usize` travels as `i64` (numpy's default integer).
impl Element for usize {
    const DTYPE: DType = DType::I64;
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self as i64).to_le_bytes());
    }
}

/// One fixed-shape entry of an array: a number, a fixed-size array of entries, or a `glam`
/// vector or matrix.
pub trait Item: ItemSealed {
    /// The element type.
    type Elem: Element;
    /// Appends this entry's shape (nothing for a number, `3` for a `Vec3`).
    fn item_shape(shape: &mut Vec<usize>);
    /// Appends the entry's elements in C order.
    fn write(&self, out: &mut Vec<u8>);
}

#[doc(hidden)]
pub trait ItemSealed {}

impl<T: Element> ItemSealed for T {}
impl<T: Element> Item for T {
    type Elem = T;
    fn item_shape(_: &mut Vec<usize>) {}
    fn write(&self, out: &mut Vec<u8>) {
        self.write_le(out);
    }
}

impl<I: Item, const N: usize> ItemSealed for [I; N] {}
impl<I: Item, const N: usize> Item for [I; N] {
    type Elem = I::Elem;
    fn item_shape(shape: &mut Vec<usize>) {
        shape.push(N);
        I::item_shape(shape);
    }
    fn write(&self, out: &mut Vec<u8>) {
        for i in self {
            i.write(out);
        }
    }
}

macro_rules! glam_vec {
    ($($t:ty, $e:ty, $n:expr);* $(;)?) => {$(
        impl ItemSealed for $t {}
        impl Item for $t {
            type Elem = $e;
            fn item_shape(shape: &mut Vec<usize>) {
                shape.push($n);
            }
            fn write(&self, out: &mut Vec<u8>) {
                for v in self.to_array() {
                    v.write_le(out);
                }
            }
        }
    )*};
}

glam_vec!(
    glam::Vec2, f32, 2; glam::Vec3, f32, 3; glam::Vec3A, f32, 3; glam::Vec4, f32, 4;
    glam::DVec2, f64, 2; glam::DVec3, f64, 3; glam::DVec4, f64, 4;
);

macro_rules! glam_mat {
    ($($t:ty, $e:ty, $n:expr);* $(;)?) => {$(
        impl ItemSealed for $t {}
        /// Row-major: numpy's `m[i][j]` is row `i`, column `j`.
        impl Item for $t {
            type Elem = $e;
            fn item_shape(shape: &mut Vec<usize>) {
                shape.push($n);
                shape.push($n);
            }
            fn write(&self, out: &mut Vec<u8>) {
                // The columns of the transpose are the rows.
                for v in self.transpose().to_cols_array() {
                    v.write_le(out);
                }
            }
        }
    )*};
}

glam_mat!(glam::Mat3, f32, 3; glam::Mat4, f32, 4; glam::DMat3, f64, 3; glam::DMat4, f64, 4);

/// Converts data into an [`NdArray`]: one frame (`(V,3)` for vertices) or several (`(N,V,3)`).
///
/// ```
/// use meshcast_client::IntoArray;
/// let one = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0]].into_array().unwrap();
/// assert_eq!(one.shape(), &[2, 3]);
/// let two = vec![vec![glam::Vec3::ZERO; 4]; 2].into_array().unwrap();
/// assert_eq!(two.shape(), &[2, 4, 3]);
/// ```
pub trait IntoArray {
    /// The array. Fails with [`ClientError::Shape`] (with an empty `argument`, filled in by the
    /// caller) when the data is not rectangular or does not match a given shape.
    fn into_array(self) -> Result<NdArray, ClientError>;
}

fn build<I: Item>(outer: &[usize], items: &[&[I]]) -> Result<NdArray, ClientError> {
    let mut shape = outer.to_vec();
    I::item_shape(&mut shape);
    let count: usize = items.iter().map(|s| s.len()).sum();
    let mut bytes = Vec::with_capacity(std::mem::size_of::<I>() * count);
    for s in items {
        for i in *s {
            i.write(&mut bytes);
        }
    }
    NdArray::new(I::Elem::DTYPE, shape, Bytes::from(bytes)).map_err(|e| ClientError::Invalid(e.to_string()))
}

impl<I: Item> IntoArray for I {
    fn into_array(self) -> Result<NdArray, ClientError> {
        build::<I>(&[], &[std::slice::from_ref(&self)])
    }
}

impl<I: Item> IntoArray for &[I] {
    fn into_array(self) -> Result<NdArray, ClientError> {
        build(&[self.len()], &[self])
    }
}

impl<I: Item> IntoArray for Vec<I> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        self.as_slice().into_array()
    }
}

impl<I: Item> IntoArray for &Vec<I> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        self.as_slice().into_array()
    }
}

impl<I: Item, const N: usize> IntoArray for &[I; N] {
    fn into_array(self) -> Result<NdArray, ClientError> {
        self.as_slice().into_array()
    }
}

fn frames<I: Item, V: AsRef<[I]>>(frames: &[V]) -> Result<NdArray, ClientError> {
    let per: Vec<&[I]> = frames.iter().map(AsRef::as_ref).collect();
    let len = per.first().map_or(0, |f| f.len());
    if let Some((k, bad)) = per.iter().enumerate().find(|(_, f)| f.len() != len) {
        let mut item = Vec::new();
        I::item_shape(&mut item);
        let rest: String = item.iter().map(|d| format!(",{d}")).collect();
        return Err(ClientError::Shape {
            argument: String::new(),
            got: vec![frames.len(), bad.len()],
            expected: format!(
                "(N,{len}{rest}): frame {k} has {} entries, frame 0 has {len}",
                bad.len()
            ),
        });
    }
    build(&[per.len(), len], &per)
}

impl<I: Item> IntoArray for &[Vec<I>] {
    fn into_array(self) -> Result<NdArray, ClientError> {
        frames(self)
    }
}

impl<I: Item> IntoArray for Vec<Vec<I>> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        frames(&self)
    }
}

impl<I: Item> IntoArray for &Vec<Vec<I>> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        frames(self)
    }
}

impl IntoArray for NdArray {
    fn into_array(self) -> Result<NdArray, ClientError> {
        Ok(self)
    }
}

impl IntoArray for &NdArray {
    fn into_array(self) -> Result<NdArray, ClientError> {
        Ok(self.clone())
    }
}

/// A flat slice in C order with an explicit shape: `Shaped::new(&flat, [n, v, 3])`.
///
/// ```
/// use meshcast_client::{IntoArray, Shaped};
/// let flat = vec![0.0f32; 2 * 4 * 3];
/// assert_eq!(Shaped::new(&flat, [2, 4, 3]).into_array().unwrap().shape(), &[2, 4, 3]);
/// assert!(Shaped::new(&flat, [5, 3]).into_array().is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Shaped<'a, T, S> {
    data: &'a [T],
    shape: S,
}

impl<'a, T: Element, S: AsRef<[usize]>> Shaped<'a, T, S> {
    /// `data` viewed with `shape`; the element count is checked by [`IntoArray::into_array`].
    pub fn new(data: &'a [T], shape: S) -> Self {
        Self { data, shape }
    }
}

impl<T: Element, S: AsRef<[usize]>> IntoArray for Shaped<'_, T, S> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        let shape = self.shape.as_ref().to_vec();
        let want = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if want != Some(self.data.len()) {
            return Err(ClientError::Shape {
                argument: String::new(),
                got: vec![self.data.len()],
                expected: format!(
                    "{shape:?}: {} elements",
                    want.map_or("too many".into(), |w| w.to_string())
                ),
            });
        }
        build(&[self.data.len()], &[self.data])
            .and_then(|a| a.reshape(shape).map_err(|e| ClientError::Invalid(e.to_string())))
    }
}

/// Converts an argument, naming it in a shape error.
pub(crate) fn named(argument: &str, data: impl IntoArray) -> Result<NdArray, ClientError> {
    data.into_array().map_err(|e| match e {
        ClientError::Shape {
            argument: a,
            got,
            expected,
        } if a.is_empty() => ClientError::Shape {
            argument: argument.to_owned(),
            got,
            expected,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::{DVec3, Mat3, Vec3};

    #[test]
    fn fixed_arrays_and_slices() {
        let a = [[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let arr = a.into_array().unwrap();
        assert_eq!(arr.shape(), &[2, 3]);
        assert_eq!(arr.dtype(), DType::F32);
        assert_eq!(arr.to_f32_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let s: &[[f64; 3]] = &[[1.0, 2.0, 3.0]];
        let arr = s.into_array().unwrap();
        assert_eq!((arr.shape(), arr.dtype()), (&[1usize, 3][..], DType::F64));
        assert_eq!(1.5f32.into_array().unwrap().shape(), &[] as &[usize]);
        let faces: Vec<[u32; 3]> = vec![[0, 1, 2]];
        assert_eq!(faces.into_array().unwrap().dtype(), DType::U32);
    }

    #[test]
    fn glam_types_and_matrices_are_row_major() {
        let v = vec![Vec3::new(1.0, 2.0, 3.0), Vec3::X];
        assert_eq!(v.into_array().unwrap().to_f32_vec(), vec![1.0, 2.0, 3.0, 1.0, 0.0, 0.0]);
        // A rotation of 90 degrees about z maps x to y: column 0 is (0,1,0), so row 1 starts with 1.
        let m = Mat3::from_rotation_z(std::f32::consts::FRAC_PI_2);
        let arr = m.into_array().unwrap();
        assert_eq!(arr.shape(), &[3, 3]);
        let r: Vec<f32> = arr.to_f32_vec().iter().map(|x| x.round()).collect();
        assert_eq!(r, vec![0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        let d = [DVec3::ONE; 2].into_array().unwrap();
        assert_eq!((d.shape(), d.dtype()), (&[2usize, 3][..], DType::F64));
    }

    #[test]
    fn several_frames_must_be_rectangular() {
        let ok = vec![vec![Vec3::ZERO; 4]; 3].into_array().unwrap();
        assert_eq!(ok.shape(), &[3, 4, 3]);
        let ragged = vec![vec![Vec3::ZERO; 4], vec![Vec3::ZERO; 5]];
        let e = named("positions", ragged).unwrap_err();
        match e {
            ClientError::Shape {
                argument,
                got,
                expected,
            } => {
                assert_eq!(argument, "positions");
                assert_eq!(got, vec![2, 5]);
                assert!(expected.contains("frame 1 has 5 entries"), "{expected}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn shaped_checks_the_element_count() {
        let flat = [0.0f32; 12];
        assert_eq!(Shaped::new(&flat, [4, 3]).into_array().unwrap().shape(), &[4, 3]);
        let e = named("vertices", Shaped::new(&flat, vec![5, 3])).unwrap_err();
        assert!(matches!(&e, ClientError::Shape { argument, got, .. } if argument == "vertices" && got == &[12]));
        assert!(e.to_string().contains("[5, 3]: 15 elements"), "{e}");
    }

    #[test]
    fn usize_and_bool_elements() {
        let faces: &[[usize; 3]] = &[[0, 1, 2]];
        let a = faces.into_array().unwrap();
        assert_eq!((a.dtype(), a.to_i64_vec()), (DType::I64, vec![0, 1, 2]));
        let mask = vec![true, false, true].into_array().unwrap();
        assert_eq!((mask.dtype(), mask.data().to_vec()), (DType::Bool, vec![1u8, 0, 1]));
    }
}
