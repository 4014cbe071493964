//! Smooth vertex normals, recomputed from a posed mesh as aitviewer does.

/// Area-weighted vertex normals: each vertex gets the sum of the (unnormalised) cross products
/// `(p1 − p0) × (p2 − p0)` of its faces, normalised. Vertices that belong to no face (or only
/// to degenerate ones) get `(0, 0, 0)`.
///
/// `vertices` is `(V, 3)` row-major, `faces` `(F, 3)`; indices out of range are skipped.
/// Returns `(V, 3)` normals.
pub fn vertex_normals(vertices: &[f32], faces: &[u32]) -> Vec<f32> {
    let mut out = vec![0.0f32; vertices.len() / 3 * 3];
    vertex_normals_into(vertices, faces, &mut out);
    out
}

/// Like [`vertex_normals`], writing into `out` (`vertices.len()` floats; reuse it per frame).
pub fn vertex_normals_into(vertices: &[f32], faces: &[u32], out: &mut [f32]) {
    let nv = vertices.len() / 3;
    out.iter_mut().for_each(|x| *x = 0.0);
    let p = |i: usize| [vertices[i * 3], vertices[i * 3 + 1], vertices[i * 3 + 2]];
    for tri in faces.chunks_exact(3) {
        let (a, b, c) = (tri[0] as usize, tri[1] as usize, tri[2] as usize);
        if a >= nv || b >= nv || c >= nv || out.len() < nv * 3 {
            continue;
        }
        let (p0, p1, p2) = (p(a), p(b), p(c));
        let e1 = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]];
        let e2 = [p2[0] - p0[0], p2[1] - p0[1], p2[2] - p0[2]];
        let n = [
            e1[1] * e2[2] - e1[2] * e2[1],
            e1[2] * e2[0] - e1[0] * e2[2],
            e1[0] * e2[1] - e1[1] * e2[0],
        ];
        for i in [a, b, c] {
            for k in 0..3 {
                out[i * 3 + k] += n[k];
            }
        }
    }
    for n in out.chunks_exact_mut(3) {
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if len > 0.0 {
            n.iter_mut().for_each(|x| *x /= len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_quad_points_up_and_area_weights() {
        // Two triangles in the z=0 plane, counter-clockwise seen from +z.
        let v = [
            0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 5.0, 5.0, 5.0,
        ];
        let n = vertex_normals(&v, &[0, 1, 2, 0, 2, 3]);
        for i in 0..4 {
            assert_eq!(&n[i * 3..i * 3 + 3], &[0.0, 0.0, 1.0]);
        }
        assert_eq!(&n[12..15], &[0.0, 0.0, 0.0], "an unused vertex gets a zero normal");
        // A large triangle outweighs a small one at a shared vertex.
        let v = [0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.1];
        let n = vertex_normals(&v, &[0, 1, 2, 0, 3, 1]);
        assert!(n[2] > 0.99, "{n:?}");
    }
}
