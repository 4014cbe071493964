//! The orbit camera: a target point, a distance and two angles (turntable control, +Y up).
//!
//! Pure math, no GPU. The default is aitviewer's: eye at (0, 0, 2.5) looking at the origin with
//! +Y up, 45° vertical field of view, near 0.01, far 1000. Matrices follow wgpu's conventions:
//! right-handed view space looking down −Z, clip depth 0..1.

use glam::{Mat4, Vec3, Vec4};

use crate::render::Aabb;

/// aitviewer's default distance from the target (eye at (0, 0, 2.5)).
pub const DEFAULT_DISTANCE: f32 = 2.5;
/// Default vertical field of view in degrees.
pub const DEFAULT_FOV_Y_DEG: f32 = 45.0;
/// Radians of orbit per dragged pixel.
const ORBIT_SPEED: f32 = 0.005;
/// Pitch stays this far from straight up/down so the view never flips.
const MAX_PITCH: f32 = std::f32::consts::FRAC_PI_2 - 0.01;
/// Distance factor per unit of wheel delta: a browser wheel notch (100) zooms by about 10 %.
const ZOOM_SPEED: f32 = 0.001;
const MIN_DISTANCE: f32 = 1e-3;
const MAX_DISTANCE: f32 = 1e5;

/// An orbit camera looking at `target` from `distance` away.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// The point the camera looks at and orbits around.
    pub target: Vec3,
    /// Distance from the eye to the target (for the orthographic camera it sets the view height).
    pub distance: f32,
    /// Rotation about +Y in radians; 0 puts the eye on the +Z side of the target.
    pub yaw: f32,
    /// Elevation in radians; positive looks down on the target from above.
    pub pitch: f32,
    /// Vertical field of view in radians.
    pub fov_y: f32,
    /// Near clipping distance.
    pub near: f32,
    /// Far clipping distance.
    pub far: f32,
    /// Orthographic projection instead of perspective.
    pub orthographic: bool,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            target: Vec3::ZERO,
            distance: DEFAULT_DISTANCE,
            yaw: 0.0,
            pitch: 0.0,
            fov_y: DEFAULT_FOV_Y_DEG.to_radians(),
            near: 0.01,
            far: 1000.0,
            orthographic: false,
        }
    }
}

impl Camera {
    /// Unit vector from the target towards the eye.
    fn back(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        Vec3::new(cp * sy, sp, cp * cy)
    }

    /// The eye position in world space.
    pub fn eye(&self) -> Vec3 {
        self.target + self.back() * self.distance
    }

    /// Unit vector the camera looks along.
    pub fn forward(&self) -> Vec3 {
        -self.back()
    }

    /// Unit vector pointing right on screen.
    pub fn right(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        Vec3::new(cy, 0.0, -sy)
    }

    /// Unit vector pointing up on screen.
    pub fn up(&self) -> Vec3 {
        self.right().cross(self.forward()).normalize_or(Vec3::Y)
    }

    /// World-to-view matrix.
    pub fn view_matrix(&self) -> Mat4 {
        Mat4::look_at_rh(self.eye(), self.target, Vec3::Y)
    }

    /// Half the height of the orthographic view volume (matches the perspective view at the
    /// target's distance, so toggling keeps the framing).
    pub fn ortho_half_height(&self) -> f32 {
        self.distance * (self.fov_y * 0.5).tan()
    }

    /// View-to-clip matrix for a viewport of the given aspect ratio (width / height).
    pub fn proj_matrix(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        if self.orthographic {
            let h = self.ortho_half_height();
            let w = h * aspect;
            // The volume reaches behind the eye as far as in front of the target so nothing near
            // the target is clipped however far one zooms in.
            Mat4::orthographic_rh(-w, w, -h, h, -self.far, self.far)
        } else {
            Mat4::perspective_rh(self.fov_y, aspect, self.near, self.far)
        }
    }

    /// World-to-clip matrix.
    pub fn view_proj(&self, aspect: f32) -> Mat4 {
        self.proj_matrix(aspect) * self.view_matrix()
    }

    /// Turntable orbit by a mouse drag of `(dx_px, dy_px)` pixels: right drag turns the scene
    /// right, down drag tilts it towards the viewer (the eye rises).
    pub fn orbit(&mut self, dx_px: f32, dy_px: f32) {
        self.yaw -= dx_px * ORBIT_SPEED;
        self.yaw = self.yaw.rem_euclid(std::f32::consts::TAU);
        self.pitch = (self.pitch + dy_px * ORBIT_SPEED).clamp(-MAX_PITCH, MAX_PITCH);
    }

    /// World units covered by one pixel at the target's depth for a viewport `viewport_h` high.
    pub fn world_per_pixel(&self, viewport_h: f32) -> f32 {
        2.0 * self.ortho_half_height() / viewport_h.max(1.0)
    }

    /// Pans so that the point under the cursor follows a drag of `(dx_px, dy_px)` pixels.
    pub fn pan(&mut self, dx_px: f32, dy_px: f32, viewport_h: f32) {
        let s = self.world_per_pixel(viewport_h);
        self.target += (-self.right() * dx_px + self.up() * dy_px) * s;
    }

    /// Dolly zoom by a wheel delta (browser `deltaY`: positive moves away).
    pub fn zoom(&mut self, wheel_delta: f32) {
        if !wheel_delta.is_finite() {
            return;
        }
        self.distance = (self.distance * (wheel_delta * ZOOM_SPEED).exp()).clamp(MIN_DISTANCE, MAX_DISTANCE);
    }

    /// Looks at the box's centre from a distance that shows all of it, keeping the direction.
    pub fn fit(&mut self, aabb: &Aabb) {
        if !aabb.is_valid() {
            return;
        }
        let radius = (aabb.size().length() * 0.5).max(1e-3);
        self.target = aabb.center();
        let half = (self.fov_y * 0.5).min(std::f32::consts::FRAC_PI_2 - 0.01);
        self.distance = (radius / half.sin() * 1.05).clamp(MIN_DISTANCE, MAX_DISTANCE);
        self.far = self.far.max(self.distance * 10.0 + radius * 2.0);
    }

    /// Back to aitviewer's default view (keeps the projection mode).
    pub fn reset(&mut self) {
        *self = Camera {
            orthographic: self.orthographic,
            ..Camera::default()
        };
    }

    /// The world-space ray through a point given in normalised device coordinates (x right,
    /// y up, both −1..1): `(origin, unit direction)`. Perspective rays start at the eye,
    /// orthographic ones on the view volume's front face.
    pub fn ray(&self, ndc_x: f32, ndc_y: f32, aspect: f32) -> (Vec3, Vec3) {
        let inv = self.view_proj(aspect).inverse();
        let unproject = |z: f32| {
            let p = inv * Vec4::new(ndc_x, ndc_y, z, 1.0);
            p.truncate() / p.w
        };
        let near = unproject(0.0);
        let far = unproject(1.0);
        let dir = (far - near).normalize_or(self.forward());
        if self.orthographic {
            (near, dir)
        } else {
            (self.eye(), dir)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-4
    }

    #[test]
    fn default_matches_aitviewer() {
        let c = Camera::default();
        assert!(close(c.eye(), Vec3::new(0.0, 0.0, 2.5)));
        assert!(close(c.forward(), -Vec3::Z));
        assert!(close(c.up(), Vec3::Y));
        assert!(close(c.right(), Vec3::X));
        // The origin projects to the centre of the screen at depth in 0..1.
        let p = c.view_proj(1.5).project_point3(Vec3::ZERO);
        assert!(p.x.abs() < 1e-5 && p.y.abs() < 1e-5);
        assert!(p.z > 0.0 && p.z < 1.0);
    }

    #[test]
    fn orbit_keeps_distance_and_clamps_pitch() {
        let mut c = Camera::default();
        c.orbit(300.0, 0.0);
        assert!((c.eye().length() - 2.5).abs() < 1e-4);
        // Dragging right moves the eye to the left (-X) side: the scene turns right.
        assert!(c.eye().x < 0.0);
        c.orbit(0.0, 1e6);
        assert!(c.pitch < std::f32::consts::FRAC_PI_2);
        assert!(c.eye().y > 2.4, "eye rises when dragging down: {:?}", c.eye());
        assert!(c.view_matrix().is_finite());
    }

    #[test]
    fn pan_moves_target_in_screen_plane() {
        let mut c = Camera::default();
        c.pan(100.0, 0.0, 800.0);
        assert!(c.target.x < 0.0 && c.target.y.abs() < 1e-6 && c.target.z.abs() < 1e-6);
        let mut c = Camera::default();
        c.pan(0.0, 100.0, 800.0);
        assert!(c.target.y > 0.0);
        // The point under the cursor follows: dragging by half the viewport height moves the
        // target by half the visible height.
        let mut c = Camera::default();
        c.pan(0.0, 400.0, 800.0);
        assert!((c.target.y - c.ortho_half_height()).abs() < 1e-4);
    }

    #[test]
    fn zoom_scales_distance() {
        let mut c = Camera::default();
        c.zoom(100.0);
        assert!(c.distance > 2.5);
        c.zoom(-200.0);
        assert!(c.distance < 2.5);
        c.zoom(f32::NAN);
        assert!(c.distance.is_finite());
        c.zoom(1e9);
        assert!(c.distance <= MAX_DISTANCE);
    }

    #[test]
    fn fit_shows_the_whole_box() {
        let mut c = Camera {
            yaw: 0.7,
            pitch: 0.3,
            ..Camera::default()
        };
        let b = Aabb {
            min: Vec3::new(9.0, -1.0, 4.0),
            max: Vec3::new(11.0, 3.0, 6.0),
        };
        c.fit(&b);
        assert!(close(c.target, Vec3::new(10.0, 1.0, 5.0)));
        let vp = c.view_proj(1.0);
        for i in 0..8 {
            let corner = Vec3::new(
                if i & 1 == 0 { b.min.x } else { b.max.x },
                if i & 2 == 0 { b.min.y } else { b.max.y },
                if i & 4 == 0 { b.min.z } else { b.max.z },
            );
            let p = vp.project_point3(corner);
            assert!(
                p.x.abs() <= 1.0 && p.y.abs() <= 1.0 && p.z > 0.0 && p.z < 1.0,
                "{corner} -> {p}"
            );
        }
        // Angles are kept.
        assert!((c.yaw - 0.7).abs() < 1e-6 && (c.pitch - 0.3).abs() < 1e-6);
        c.reset();
        assert_eq!(c, Camera::default());
    }

    #[test]
    fn centre_ray_goes_from_eye_to_target() {
        let c = Camera::default();
        let (o, d) = c.ray(0.0, 0.0, 1.0);
        assert!(close(o, c.eye()));
        assert!(close(d, -Vec3::Z));
        // A ray through the top-right corner points up and right.
        let (_, d) = c.ray(1.0, 1.0, 2.0);
        assert!(d.x > 0.0 && d.y > 0.0 && d.x > d.y);
        // It hits the point that projects to that corner.
        let p = c.eye() + d * 2.5 / -d.z;
        let q = c.view_proj(2.0).project_point3(p);
        assert!((q.x - 1.0).abs() < 1e-3 && (q.y - 1.0).abs() < 1e-3);
    }

    #[test]
    fn orthographic_rays_are_parallel() {
        let c = Camera {
            orthographic: true,
            ..Camera::default()
        };
        let (o1, d1) = c.ray(-0.5, 0.2, 1.0);
        let (o2, d2) = c.ray(0.5, -0.2, 1.0);
        assert!(close(d1, d2) && close(d1, -Vec3::Z));
        assert!((o1.x - o2.x).abs() > 0.1);
        // The view height equals the perspective one at the target.
        let p = c
            .view_proj(1.0)
            .project_point3(Vec3::new(0.0, c.ortho_half_height(), 0.0));
        assert!((p.y - 1.0).abs() < 1e-4);
    }
}
