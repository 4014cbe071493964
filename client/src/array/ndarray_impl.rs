//! `ndarray` arrays as inputs (cargo feature `ndarray`). Any memory layout is accepted; the
//! elements are written in logical C order.

use bytes::Bytes;
use meshcast_protocol::NdArray;
use ndarray::{ArrayBase, Data, Dimension};

use super::{Element, IntoArray};
use crate::ClientError;

fn convert<A: Element, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> Result<NdArray, ClientError> {
    let mut bytes = Vec::with_capacity(a.len() * A::DTYPE.itemsize());
    match a.as_slice() {
        Some(s) => s.iter().for_each(|x| x.write_le(&mut bytes)),
        None => a.iter().for_each(|x| x.write_le(&mut bytes)),
    }
    NdArray::new(A::DTYPE, a.shape().to_vec(), Bytes::from(bytes)).map_err(|e| ClientError::Invalid(e.to_string()))
}

impl<A: Element, S: Data<Elem = A>, D: Dimension> IntoArray for ArrayBase<S, D> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        convert(&self)
    }
}

impl<A: Element, S: Data<Elem = A>, D: Dimension> IntoArray for &ArrayBase<S, D> {
    fn into_array(self) -> Result<NdArray, ClientError> {
        convert(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposed_views_are_written_in_logical_order() {
        let a = ndarray::Array2::from_shape_vec((2, 3), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let t = a.t();
        let arr = t.into_array().unwrap();
        assert_eq!(arr.shape(), &[3, 2]);
        assert_eq!(arr.to_f32_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let f = ndarray::Array3::<f64>::zeros((4, 5, 3)).into_array().unwrap();
        assert_eq!(f.shape(), &[4, 5, 3]);
    }
}
