//! Rotation helpers: axis-angle ↔ matrix conversions with smplx's numerical conventions.
//!
//! Matrices are row-major `[[f64; 3]; 3]` (`m[row][col]`).

/// A row-major 3×3 matrix.
pub type Mat3 = [[f64; 3]; 3];

/// The identity matrix.
pub const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// aitviewer's `z_up` node rotation, row-major: maps `(x, y, z)` to `(x, z, −y)`.
///
/// The viewer pre-multiplies a Z-up SMPL sequence's node rotation by this matrix when its
/// global configuration is Y-up; the vertices produced by this crate are never rotated.
pub const Z_UP_TO_Y_UP: [[f32; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]];

/// Rodrigues' formula exactly as `smplx.lbs.batch_rodrigues` evaluates it.
///
/// `angle = ‖θ + 1e-8‖` (the shift is added to every component before the norm), `k = θ / angle`,
/// `R = I + sin(angle)·K + (1 − cos(angle))·K²`. A zero vector gives the identity exactly.
pub fn rodrigues(aa: [f64; 3]) -> Mat3 {
    let shifted = [aa[0] + 1e-8, aa[1] + 1e-8, aa[2] + 1e-8];
    let angle = (shifted[0] * shifted[0] + shifted[1] * shifted[1] + shifted[2] * shifted[2]).sqrt();
    let (x, y, z) = (aa[0] / angle, aa[1] / angle, aa[2] / angle);
    let (s, c) = angle.sin_cos();
    let k: Mat3 = [[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]];
    let k2 = mul(&k, &k);
    let mut r = IDENTITY;
    for i in 0..3 {
        for j in 0..3 {
            r[i][j] += s * k[i][j] + (1.0 - c) * k2[i][j];
        }
    }
    r
}

/// The axis-angle vector of a rotation matrix (the inverse of an exact Rodrigues map).
///
/// The angle is in `[0, π]`; robust near 0 and near π (it goes through a unit quaternion).
pub fn matrix_to_axis_angle(m: &Mat3) -> [f64; 3] {
    let q = matrix_to_quaternion(m);
    let (w, v) = if q[0] < 0.0 {
        (-q[0], [-q[1], -q[2], -q[3]])
    } else {
        (q[0], [q[1], q[2], q[3]])
    };
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n < 1e-300 {
        return [0.0; 3];
    }
    let angle = 2.0 * n.atan2(w);
    [v[0] / n * angle, v[1] / n * angle, v[2] / n * angle]
}

/// Unit quaternion `[w, x, y, z]` of a rotation matrix (Shepperd's method).
fn matrix_to_quaternion(m: &Mat3) -> [f64; 4] {
    let trace = m[0][0] + m[1][1] + m[2][2];
    let q = if trace > 0.0 {
        let s = (trace + 1.0).sqrt() * 2.0;
        [
            0.25 * s,
            (m[2][1] - m[1][2]) / s,
            (m[0][2] - m[2][0]) / s,
            (m[1][0] - m[0][1]) / s,
        ]
    } else if m[0][0] > m[1][1] && m[0][0] > m[2][2] {
        let s = (1.0 + m[0][0] - m[1][1] - m[2][2]).sqrt() * 2.0;
        [
            (m[2][1] - m[1][2]) / s,
            0.25 * s,
            (m[0][1] + m[1][0]) / s,
            (m[0][2] + m[2][0]) / s,
        ]
    } else if m[1][1] > m[2][2] {
        let s = (1.0 + m[1][1] - m[0][0] - m[2][2]).sqrt() * 2.0;
        [
            (m[0][2] - m[2][0]) / s,
            (m[0][1] + m[1][0]) / s,
            0.25 * s,
            (m[1][2] + m[2][1]) / s,
        ]
    } else {
        let s = (1.0 + m[2][2] - m[0][0] - m[1][1]).sqrt() * 2.0;
        [
            (m[1][0] - m[0][1]) / s,
            (m[0][2] + m[2][0]) / s,
            (m[1][2] + m[2][1]) / s,
            0.25 * s,
        ]
    };
    let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).sqrt();
    [q[0] / n, q[1] / n, q[2] / n, q[3] / n]
}

/// Matrix product `a · b`.
pub fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut r = [[0.0; 3]; 3];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    r
}

/// Matrix-vector product `m · v`.
pub fn mul_vec(m: &Mat3, v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

/// The transpose (the inverse, for a rotation).
pub fn transpose(m: &Mat3) -> Mat3 {
    [
        [m[0][0], m[1][0], m[2][0]],
        [m[0][1], m[1][1], m[2][1]],
        [m[0][2], m[1][2], m[2][2]],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{FRAC_PI_2, PI};

    fn close(a: &Mat3, b: &Mat3, tol: f64) -> bool {
        (0..3).all(|i| (0..3).all(|j| (a[i][j] - b[i][j]).abs() < tol))
    }

    #[test]
    fn zero_is_exact_identity() {
        assert_eq!(rodrigues([0.0; 3]), IDENTITY);
    }

    #[test]
    fn known_rotations() {
        let rz = rodrigues([0.0, 0.0, FRAC_PI_2]);
        assert!(close(&rz, &[[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], 1e-7));
        let rx = rodrigues([PI, 0.0, 0.0]);
        assert!(close(&rx, &[[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]], 1e-7));
        let ry = rodrigues([0.0, FRAC_PI_2, 0.0]);
        assert!(close(&ry, &[[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]], 1e-7));
        // 120° about (1,1,1)/√3 permutes the axes: x→y, y→z, z→x.
        let a = 2.0 * PI / 3.0 / 3f64.sqrt();
        let r = rodrigues([a, a, a]);
        assert!(close(&r, &[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], 1e-7));
    }

    #[test]
    fn smplx_epsilon_shifts_the_angle() {
        // For a tiny vector the shifted norm dominates: the rotation is almost but not exactly θ.
        let r = rodrigues([1e-8, 0.0, 0.0]);
        assert!(close(&r, &IDENTITY, 1e-7));
    }

    #[test]
    fn axis_angle_round_trip() {
        for aa in [
            [0.3, -0.2, 0.9],
            [3.0, 0.1, 0.0],
            [0.0, 0.0, -3.1],
            [1e-5, 2e-5, 0.0],
            [0.0, PI - 1e-9, 0.0],
        ] {
            let m = rodrigues(aa);
            let back = rodrigues(matrix_to_axis_angle(&m));
            assert!(close(&m, &back, 1e-7), "{aa:?}");
        }
        assert_eq!(matrix_to_axis_angle(&IDENTITY), [0.0; 3]);
    }
}
