//! Image files as texture arrays (feature `images`): PNG and JPEG decoded to the `(H, W, 3|4)`
//! bytes a mesh's `texture` takes, bounded by [`MAX_TEXTURE_SIDE`] a side before any pixel is
//! decoded.

use crate::{NdArray, MAX_TEXTURE_SIDE};

/// Why an image file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Neither PNG nor JPEG.
    #[error("not a PNG or JPEG image")]
    Format,
    /// Larger than a texture may be.
    #[error("the image is {width}×{height} pixels; a texture may have at most {MAX_TEXTURE_SIDE} a side")]
    TooLarge {
        /// Its width.
        width: usize,
        /// Its height.
        height: usize,
    },
    /// The decoder failed.
    #[error("cannot decode the image: {0}")]
    Decode(String),
}

/// Decodes a PNG or JPEG file's bytes into an `(H, W, 3|4)` `u8` array (grey images become
/// RGB, grey with alpha RGBA; 16-bit samples keep their high byte).
pub fn decode(bytes: &[u8]) -> Result<NdArray, ImageError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        decode_jpeg(bytes)
    } else {
        Err(ImageError::Format)
    }
}

fn check_size(width: usize, height: usize) -> Result<(), ImageError> {
    if width == 0 || height == 0 || width > MAX_TEXTURE_SIDE || height > MAX_TEXTURE_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok(())
}

fn array(height: usize, width: usize, channels: usize, data: Vec<u8>) -> Result<NdArray, ImageError> {
    NdArray::new(crate::DType::U8, vec![height, width, channels], data).map_err(|e| ImageError::Decode(e.to_string()))
}

fn decode_png(bytes: &[u8]) -> Result<NdArray, ImageError> {
    let mut decoder = png::Decoder::new(bytes);
    // Palette images become RGB(A), 16-bit samples 8-bit.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| ImageError::Decode(e.to_string()))?;
    let info = reader.info();
    check_size(info.width as usize, info.height as usize)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    buf.truncate(frame.buffer_size());
    let (w, h) = (frame.width as usize, frame.height as usize);
    let (channels, data) = match frame.color_type {
        png::ColorType::Rgb => (3, buf),
        png::ColorType::Rgba => (4, buf),
        png::ColorType::Grayscale => (3, buf.iter().flat_map(|&g| [g, g, g]).collect()),
        png::ColorType::GrayscaleAlpha => (4, buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect()),
        png::ColorType::Indexed => return Err(ImageError::Decode("palette not expanded".into())),
    };
    array(h, w, channels, data)
}

fn decode_jpeg(bytes: &[u8]) -> Result<NdArray, ImageError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(MAX_TEXTURE_SIDE)
        .set_max_height(MAX_TEXTURE_SIDE);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(bytes, options);
    decoder
        .decode_headers()
        .map_err(|e| ImageError::Decode(format!("{e:?}")))?;
    let (w, h) = decoder.dimensions().ok_or(ImageError::Format)?;
    check_size(w, h)?;
    let data = decoder.decode().map_err(|e| ImageError::Decode(format!("{e:?}")))?;
    array(h, w, 3, data)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn png_bytes(w: u32, h: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(data).unwrap();
        out
    }

    #[test]
    fn png_rgb_rgba_and_grey_become_rgb_or_rgba_arrays() {
        let a = decode(&png_bytes(2, 1, png::ColorType::Rgb, &[1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(
            (a.shape(), a.data().as_ref()),
            (&[1, 2, 3][..], &[1, 2, 3, 4, 5, 6][..])
        );
        let a = decode(&png_bytes(1, 1, png::ColorType::Rgba, &[9, 8, 7, 6])).unwrap();
        assert_eq!(a.shape(), [1, 1, 4]);
        let a = decode(&png_bytes(1, 2, png::ColorType::Grayscale, &[10, 20])).unwrap();
        assert_eq!(
            (a.shape(), a.data().as_ref()),
            (&[2, 1, 3][..], &[10, 10, 10, 20, 20, 20][..])
        );
    }

    #[test]
    fn other_bytes_are_refused_with_the_reason() {
        assert_eq!(decode(b"GIF89a"), Err(ImageError::Format));
        let mut torn = png_bytes(2, 2, png::ColorType::Rgb, &[0; 12]);
        torn.truncate(40);
        assert!(matches!(decode(&torn), Err(ImageError::Decode(_))));
        assert!(matches!(decode(&[0xFF, 0xD8, 0xFF, 0x00]), Err(ImageError::Decode(_))));
    }
}
