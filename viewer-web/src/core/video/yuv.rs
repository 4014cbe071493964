//! RGBA to I420 (planar YUV 4:2:0), BT.601 studio range: what the page hands the WebCodecs
//! encoder, converted here so the colours do not depend on the browser's choice of matrix and
//! range. It is also ffmpeg's default conversion, so the page's videos and `meshcast-render`'s
//! decode alike everywhere.

/// `width × height` RGBA pixels (rows top to bottom; both sizes even) as I420: the Y plane,
/// then U and V at half resolution (each the mean of a 2×2 block).
pub fn rgba_to_i420(rgba: &[u8], width: usize, height: usize) -> Vec<u8> {
    let (cw, ch) = (width / 2, height / 2);
    let mut out = vec![0u8; width * height + 2 * cw * ch];
    let (y_plane, uv) = out.split_at_mut(width * height);
    let (u_plane, v_plane) = uv.split_at_mut(cw * ch);
    let px = |x: usize, y: usize| {
        let i = (y * width + x) * 4;
        rgba.get(i..i + 3)
            .map_or([0.0; 3], |p| [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])])
    };
    for y in 0..height {
        for x in 0..width {
            let [r, g, b] = px(x, y);
            y_plane[y * width + x] = (16.0 + 0.256_788 * r + 0.504_129 * g + 0.097_906 * b).round() as u8;
        }
    }
    for cy in 0..ch {
        for cx in 0..cw {
            let mut sum = [0.0f32; 3];
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = px(cx * 2 + dx, cy * 2 + dy);
                (0..3).for_each(|k| sum[k] += p[k] / 4.0);
            }
            let [r, g, b] = sum;
            u_plane[cy * cw + cx] = (128.0 - 0.148_223 * r - 0.290_993 * g + 0.439_216 * b).round() as u8;
            v_plane[cy * cw + cx] = (128.0 + 0.439_216 * r - 0.367_788 * g - 0.071_427 * b).round() as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(rgb: [u8; 3]) -> Vec<u8> {
        (0..4 * 2).flat_map(|_| [rgb[0], rgb[1], rgb[2], 255]).collect()
    }

    #[test]
    fn bt601_studio_range() {
        // 4×2 pixels: 8 Y, 2 U, 2 V.
        let white = rgba_to_i420(&solid([255, 255, 255]), 4, 2);
        assert_eq!(white, [235, 235, 235, 235, 235, 235, 235, 235, 128, 128, 128, 128]);
        let black = rgba_to_i420(&solid([0, 0, 0]), 4, 2);
        assert_eq!(black[..8], [16; 8]);
        let red = rgba_to_i420(&solid([255, 0, 0]), 4, 2);
        assert_eq!((red[0], red[8], red[10]), (81, 90, 240));
    }

    #[test]
    fn chroma_is_the_mean_of_each_2x2_block() {
        // Left block white, right block black.
        let mut rgba = Vec::new();
        for _ in 0..2 {
            rgba.extend([255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
        }
        let yuv = rgba_to_i420(&rgba, 4, 2);
        assert_eq!(yuv[..4], [235, 235, 16, 16]);
        assert_eq!(yuv[8..], [128, 128, 128, 128]);
    }
}
