//! A per-frame array stored frame by frame, so frames can be appended, overwritten and removed
//! without copying the others.

use bytes::Bytes;
use meshcast_protocol::{DType, NdArray, ProtocolError};

/// Frames of one argument, each the raw bytes of one `frame_shape` array.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSeries {
    dtype: DType,
    frame_shape: Vec<usize>,
    frames: Vec<Bytes>,
    /// Every frame has the same size: `frames.len() * frame_bytes` is the total, in O(1).
    frame_bytes: usize,
}

impl FrameSeries {
    /// Splits a batch `(N, ...)` into frames that share its buffer.
    pub fn from_batch(batch: &NdArray) -> Self {
        let frames = (0..batch.n_frames())
            .filter_map(|i| batch.frame(i))
            .map(|f| f.data().clone())
            .collect();
        let frame_shape = batch.shape()[1..].to_vec();
        let frame_bytes = frame_shape.iter().product::<usize>() * batch.dtype().itemsize();
        Self {
            dtype: batch.dtype(),
            frame_shape,
            frames,
            frame_bytes,
        }
    }

    /// `n` frames of zeros with the given frame shape.
    pub fn zeros(dtype: DType, frame_shape: &[usize], n: usize) -> Self {
        let len = frame_shape.iter().product::<usize>() * dtype.itemsize();
        let zero = Bytes::from(vec![0u8; len]);
        Self {
            dtype,
            frame_shape: frame_shape.to_vec(),
            frames: vec![zero; n],
            frame_bytes: len,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape of one frame.
    pub fn frame_shape(&self) -> &[usize] {
        &self.frame_shape
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Frame `i`'s bytes.
    pub fn frame(&self, i: usize) -> Option<&Bytes> {
        self.frames.get(i)
    }

    /// aitviewer's lookup rule: a 1-frame series serves every frame; a longer one is clamped to
    /// its last frame.
    pub fn frame_clamped(&self, i: usize) -> Option<&Bytes> {
        self.frames.get(i.min(self.frames.len().saturating_sub(1)))
    }

    /// Frame `i` as an array.
    pub fn frame_array(&self, i: usize) -> Option<NdArray> {
        let b = self.frames.get(i)?;
        NdArray::new(self.dtype, self.frame_shape.clone(), b.clone()).ok()
    }

    /// All frames as one `(N, ...)` array (one copy).
    pub fn to_batch(&self) -> Result<NdArray, ProtocolError> {
        NdArray::stack(self.dtype, &self.frame_shape, &self.frames)
    }

    /// Bytes of one frame.
    pub fn frame_nbytes(&self) -> usize {
        self.frame_bytes
    }

    /// Total bytes held.
    pub fn nbytes(&self) -> usize {
        self.frames.len() * self.frame_bytes
    }

    /// Appends the frames of a batch whose frame shape matches.
    pub fn extend(&mut self, batch: &NdArray) {
        self.frames.extend(
            (0..batch.n_frames())
                .filter_map(|i| batch.frame(i))
                .map(|f| f.data().clone()),
        );
    }

    /// Appends `n` copies of a frame.
    pub fn extend_repeat(&mut self, frame: Bytes, n: usize) {
        self.frames.extend(std::iter::repeat_n(frame, n));
    }

    /// Overwrites frames `indices[k]` with frame `k` of `batch`, or with its only frame.
    pub fn overwrite(&mut self, indices: &[usize], batch: &NdArray) {
        let one = batch.n_frames() == 1;
        for (k, &i) in indices.iter().enumerate() {
            if let (Some(slot), Some(f)) = (self.frames.get_mut(i), batch.frame(if one { 0 } else { k })) {
                *slot = f.data().clone();
            }
        }
    }

    /// Removes the frames at the given sorted, unique indices.
    pub fn remove(&mut self, sorted_unique: &[usize]) {
        let mut k = 0;
        let mut idx = 0usize;
        self.frames.retain(|_| {
            let drop = sorted_unique.get(k) == Some(&idx);
            if drop {
                k += 1;
            }
            idx += 1;
            !drop
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(values: &[f32], n: usize) -> NdArray {
        NdArray::from_f32(&[n, values.len() / n], values).unwrap()
    }

    #[test]
    fn split_extend_overwrite_remove() {
        let mut s = FrameSeries::from_batch(&batch(&[0., 1., 2., 3.], 2));
        assert_eq!(s.len(), 2);
        s.extend(&batch(&[4., 5.], 1));
        assert_eq!(s.to_batch().unwrap().to_f32_vec(), vec![0., 1., 2., 3., 4., 5.]);
        s.overwrite(&[0, 2], &batch(&[9., 9.], 1));
        assert_eq!(s.to_batch().unwrap().to_f32_vec(), vec![9., 9., 2., 3., 9., 9.]);
        s.remove(&[0, 1]);
        assert_eq!(s.to_batch().unwrap().to_f32_vec(), vec![9., 9.]);
    }

    #[test]
    fn clamped_lookup_holds_the_last_frame() {
        let s = FrameSeries::from_batch(&batch(&[0., 1., 2.], 3));
        assert_eq!(s.frame_clamped(10), s.frame(2));
        assert_eq!(s.frame_clamped(0), s.frame(0));
    }

    #[test]
    fn zeros_have_the_right_size() {
        let s = FrameSeries::zeros(DType::F32, &[3], 2);
        assert_eq!(s.nbytes(), 24);
        assert_eq!(s.frame_array(1).unwrap().to_f32_vec(), vec![0.0; 3]);
    }
}
