//! Axis-aligned boxes: what the camera fits and geometry reports as bounds.

use glam::{Mat4, Vec3};

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    /// Smallest corner.
    pub min: Vec3,
    /// Largest corner.
    pub max: Vec3,
}

impl Aabb {
    /// The empty box (`min > max`); unions with it give the other box.
    pub const EMPTY: Aabb = Aabb {
        min: Vec3::splat(f32::INFINITY),
        max: Vec3::splat(f32::NEG_INFINITY),
    };

    /// The box around the given points (`EMPTY` for none).
    pub fn from_points(points: impl IntoIterator<Item = Vec3>) -> Aabb {
        points.into_iter().fold(Aabb::EMPTY, |b, p| b.with_point(p))
    }

    /// The box around points stored as little-endian `f32` triples x, y, z (a received frame
    /// of vertices, read in place; trailing bytes short of a point are ignored). The same box as
    /// [`Aabb::from_points`] on them, in one pass with no call per point: the browser build is
    /// optimised for size and does not inline [`Aabb::with_point`], which made measuring a
    /// thousand SMPL-size frames cost ~60 ms of the page's thread.
    pub fn from_xyz_f32_le(bytes: &[u8]) -> Aabb {
        let f = |c: &[u8], at: usize| f32::from_le_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]]);
        let (lo, hi) =
            bytes
                .chunks_exact(12)
                .fold(([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]), |(mut lo, mut hi), c| {
                    let (x, y, z) = (f(c, 0), f(c, 4), f(c, 8));
                    // Comparisons, as `f32::min`/`max`: a NaN leaves the box as it is.
                    if x < lo[0] {
                        lo[0] = x;
                    }
                    if x > hi[0] {
                        hi[0] = x;
                    }
                    if y < lo[1] {
                        lo[1] = y;
                    }
                    if y > hi[1] {
                        hi[1] = y;
                    }
                    if z < lo[2] {
                        lo[2] = z;
                    }
                    if z > hi[2] {
                        hi[2] = z;
                    }
                    (lo, hi)
                });
        Aabb {
            min: Vec3::from(lo),
            max: Vec3::from(hi),
        }
    }

    /// True when the box holds at least one point and is finite.
    pub fn is_valid(&self) -> bool {
        self.min.cmple(self.max).all() && self.min.is_finite() && self.max.is_finite()
    }

    /// The box grown to hold `p`.
    pub fn with_point(self, p: Vec3) -> Aabb {
        Aabb {
            min: self.min.min(p),
            max: self.max.max(p),
        }
    }

    /// The box holding both.
    pub fn union(self, other: Aabb) -> Aabb {
        Aabb {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }

    /// The box grown by `r` on every side.
    pub fn expanded(self, r: f32) -> Aabb {
        if !self.is_valid() {
            return self;
        }
        Aabb {
            min: self.min - Vec3::splat(r),
            max: self.max + Vec3::splat(r),
        }
    }

    /// Centre point.
    pub fn center(&self) -> Vec3 {
        (self.min + self.max) * 0.5
    }

    /// Extent along each axis.
    pub fn size(&self) -> Vec3 {
        self.max - self.min
    }

    /// The box around this box's corners after transforming them by `m`.
    pub fn transformed(&self, m: &Mat4) -> Aabb {
        if !self.is_valid() {
            return *self;
        }
        Aabb::from_points((0..8).map(|i| {
            let c = Vec3::new(
                if i & 1 == 0 { self.min.x } else { self.max.x },
                if i & 2 == 0 { self.min.y } else { self.max.y },
                if i & 4 == 0 { self.min.z } else { self.max.z },
            );
            m.transform_point3(c)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_bytes(points: &[Vec3]) -> Vec<u8> {
        points
            .iter()
            .flat_map(|p| p.to_array())
            .flat_map(f32::to_le_bytes)
            .collect()
    }

    #[test]
    fn points_read_from_bytes_give_the_box_of_the_points() {
        let points: Vec<Vec3> = (0..97)
            .map(|i| {
                let t = i as f32;
                Vec3::new((t * 0.37).sin() * 3.0, -t * 0.5 + 7.0, (t * 1.3).cos() - 2.0)
            })
            .collect();
        let mut bytes = le_bytes(&points);
        assert_eq!(Aabb::from_xyz_f32_le(&bytes), Aabb::from_points(points.iter().copied()));
        // A trailing partial point is ignored; no points is the empty box.
        bytes.extend_from_slice(&[0, 0, 0x80, 0x7f]);
        assert_eq!(Aabb::from_xyz_f32_le(&bytes), Aabb::from_points(points.iter().copied()));
        assert_eq!(Aabb::from_xyz_f32_le(&[]), Aabb::EMPTY);
        let one = [Vec3::new(-1.0, 2.0, -3.0)];
        assert_eq!(
            Aabb::from_xyz_f32_le(&le_bytes(&one)),
            Aabb {
                min: one[0],
                max: one[0]
            }
        );
    }
}
