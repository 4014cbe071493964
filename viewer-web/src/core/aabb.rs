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
