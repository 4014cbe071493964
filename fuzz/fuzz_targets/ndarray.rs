//! The n-d array extension's decoder, and what is done with a decoded array: frames, stacking
//! them back, conversions. A decoded array encodes to the same payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshcast_protocol::NdArray;

fuzz_target!(|data: &[u8]| {
    let Ok(arr) = NdArray::from_ext_payload(data) else {
        return;
    };
    let payload = arr.to_ext_payload();
    assert_eq!(NdArray::from_ext_payload(&payload).as_ref(), Ok(&arr), "round trip");
    assert_eq!(arr.nbytes(), arr.len() * arr.dtype().itemsize());
    let _ = arr.to_f32_vec();
    let _ = arr.to_i64_vec();
    if arr.ndim() >= 1 {
        let frames: Vec<_> = (0..arr.n_frames().min(64)).filter_map(|i| arr.frame(i)).collect();
        if frames.len() == arr.n_frames() {
            let data: Vec<_> = frames.iter().map(|f| f.data().clone()).collect();
            let stacked = NdArray::stack(arr.dtype(), &arr.shape()[1..], &data).expect("frames stack");
            assert_eq!(stacked, arr, "frames stack back to the array");
        }
    }
});
