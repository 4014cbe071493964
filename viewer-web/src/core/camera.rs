//! The orbit camera: a target point, a distance and two angles (turntable control, +Y up), with
//! aitviewer's three control modes ([`CameraMode`]):
//!
//! - turntable (default): left drag changes yaw about +Y and a clamped pitch; the up vector is +Y.
//! - trackball: left drag rotates the view freely about the target; the orientation is a
//!   quaternion, so the view passes over the poles without flipping and the up vector follows.
//! - first person: left drag turns the view direction about the eye (the eye stays, the target
//!   moves), the wheel moves the eye forward/backward, [`Camera::walk`] moves it (W/A/S/D/Q/E).
//!
//! Pure math, no GPU. The default is aitviewer's: eye at (0, 0, 2.5) looking at the origin with
//! +Y up, 45° vertical field of view, near 0.01, far 1000. Matrices follow wgpu's conventions:
//! right-handed view space looking down −Z, clip depth 0..1.

use glam::{Mat3, Mat4, Quat, Vec3, Vec4};

use super::Aabb;

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
/// Minimum and maximum field of view the UI offers, in degrees.
pub const FOV_RANGE_DEG: (f32, f32) = (10.0, 120.0);
/// Wheel zoom factor with shift held (aitviewer: faster).
pub const WHEEL_FAST: f32 = 4.0;
/// Wheel zoom factor with ctrl held (aitviewer: slower).
pub const WHEEL_SLOW: f32 = 0.25;
/// How long the animated "centre on selection" takes, in milliseconds.
pub const CENTER_ANIM_MS: f64 = 300.0;
/// First-person move per [`Camera::walk`] step, as a fraction of the distance to the target.
const WALK_STEP: f32 = 0.05;

/// How a left drag (and, in first person, the wheel and keys) moves the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CameraMode {
    /// Orbit about the target with yaw about +Y and a clamped pitch (aitviewer's default).
    #[default]
    Turntable,
    /// Free rotation about the target; the up vector follows.
    Trackball,
    /// Look around from a fixed eye; the wheel and W/A/S/D/Q/E move the eye.
    FirstPerson,
}

impl CameraMode {
    /// All modes, in the order C cycles through them.
    pub const ALL: [CameraMode; 3] = [CameraMode::Turntable, CameraMode::Trackball, CameraMode::FirstPerson];

    /// The mode's name in the UI and the page state (`turntable`, `trackball`, `first-person`).
    pub fn name(self) -> &'static str {
        match self {
            CameraMode::Turntable => "turntable",
            CameraMode::Trackball => "trackball",
            CameraMode::FirstPerson => "first-person",
        }
    }

    /// The mode with this [`name`](CameraMode::name).
    pub fn from_name(name: &str) -> Option<CameraMode> {
        CameraMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The next mode (C): turntable → trackball → first person → turntable.
    pub fn next(self) -> CameraMode {
        match self {
            CameraMode::Turntable => CameraMode::Trackball,
            CameraMode::Trackball => CameraMode::FirstPerson,
            CameraMode::FirstPerson => CameraMode::Turntable,
        }
    }
}

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
    /// How drags move the camera. Change it with [`Camera::set_mode`] so the trackball
    /// orientation starts from the current view.
    pub mode: CameraMode,
    /// The camera's rotation (view axes to world) in trackball mode; `yaw`/`pitch` are kept in
    /// step with its view direction so leaving trackball mode keeps the direction.
    pub orientation: Quat,
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
            mode: CameraMode::Turntable,
            orientation: Quat::IDENTITY,
        }
    }
}

impl Camera {
    /// The rotation from view axes (right +X, up +Y, back +Z) to world axes.
    pub fn rotation(&self) -> Quat {
        match self.mode {
            CameraMode::Trackball => self.orientation.normalize(),
            _ => Quat::from_rotation_y(self.yaw) * Quat::from_rotation_x(-self.pitch),
        }
    }

    /// Unit vector from the target towards the eye.
    fn back(&self) -> Vec3 {
        match self.mode {
            CameraMode::Trackball => self.rotation() * Vec3::Z,
            _ => {
                let (sy, cy) = self.yaw.sin_cos();
                let (sp, cp) = self.pitch.sin_cos();
                Vec3::new(cp * sy, sp, cp * cy)
            }
        }
    }

    /// Switches the control mode. Entering trackball mode starts its orientation from the current
    /// view; leaving it keeps the view direction (the up vector returns to +Y).
    pub fn set_mode(&mut self, mode: CameraMode) {
        if mode == self.mode {
            return;
        }
        if mode == CameraMode::Trackball {
            self.orientation = self.rotation();
        } else if self.mode == CameraMode::Trackball {
            self.sync_angles();
        }
        self.mode = mode;
    }

    /// Sets yaw and pitch from the trackball's view direction.
    fn sync_angles(&mut self) {
        let back = self.back();
        self.pitch = back.y.clamp(-1.0, 1.0).asin().clamp(-MAX_PITCH, MAX_PITCH);
        if back.x.abs() > 1e-6 || back.z.abs() > 1e-6 {
            self.yaw = back.x.atan2(back.z).rem_euclid(std::f32::consts::TAU);
        }
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
        match self.mode {
            CameraMode::Trackball => self.rotation() * Vec3::X,
            _ => {
                let (sy, cy) = self.yaw.sin_cos();
                Vec3::new(cy, 0.0, -sy)
            }
        }
    }

    /// Unit vector pointing up on screen.
    pub fn up(&self) -> Vec3 {
        self.right().cross(self.forward()).normalize_or(Vec3::Y)
    }

    /// World-to-view matrix.
    pub fn view_matrix(&self) -> Mat4 {
        let up = match self.mode {
            CameraMode::Trackball => self.up(),
            _ => Vec3::Y,
        };
        Mat4::look_at_rh(self.eye(), self.target, up)
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

    /// A left drag of `(dx_px, dy_px)` pixels, as the mode wants it.
    ///
    /// Turntable: right drag turns the scene right, down drag tilts it towards the viewer (the eye
    /// rises), pitch clamped short of the poles. Trackball: the same directions, but as a free
    /// rotation about the axis on screen perpendicular to the drag (no clamp; the up vector
    /// follows). First person: the eye stays put; right drag turns the view right, down drag
    /// looks down (pitch clamped).
    pub fn orbit(&mut self, dx_px: f32, dy_px: f32) {
        match self.mode {
            CameraMode::Turntable => self.turn(dx_px, dy_px),
            CameraMode::Trackball => {
                let len = (dx_px * dx_px + dy_px * dy_px).sqrt();
                if !len.is_finite() || len == 0.0 {
                    return;
                }
                // View-space axis perpendicular to the drag; same senses as the turntable.
                let axis = Vec3::new(-dy_px, -dx_px, 0.0) / len;
                let delta = Quat::from_axis_angle(axis, len * ORBIT_SPEED);
                self.orientation = (self.orientation.normalize() * delta).normalize();
                self.sync_angles();
            }
            CameraMode::FirstPerson => {
                let eye = self.eye();
                self.turn(dx_px, dy_px);
                self.target = eye - self.back() * self.distance;
            }
        }
    }

    /// Changes yaw and (clamped) pitch by a drag.
    fn turn(&mut self, dx_px: f32, dy_px: f32) {
        if !(dx_px.is_finite() && dy_px.is_finite()) {
            return;
        }
        self.yaw -= dx_px * ORBIT_SPEED;
        self.yaw = self.yaw.rem_euclid(std::f32::consts::TAU);
        self.pitch = (self.pitch + dy_px * ORBIT_SPEED).clamp(-MAX_PITCH, MAX_PITCH);
    }

    /// First-person move by `steps` of [`WALK_STEP`] × distance along the view direction
    /// (`forward`, W/S), the screen's right (`right`, D/A) and world up (`up`, E/Q). The target
    /// moves with the eye, so the view direction and distance stay.
    pub fn walk(&mut self, forward: f32, right: f32, up: f32) {
        let step = self.distance * WALK_STEP;
        let d = (self.forward() * forward + self.right() * right + Vec3::Y * up) * step;
        if d.is_finite() {
            self.target += d;
        }
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

    /// Dolly zoom by a wheel delta (browser `deltaY`: positive moves away). In first person the
    /// eye (and the target with it) moves backward/forward along the view direction instead, by
    /// `wheel_delta` × 0.001 × distance (a notch moves a tenth of the distance to the target).
    pub fn zoom(&mut self, wheel_delta: f32) {
        if !wheel_delta.is_finite() {
            return;
        }
        if self.mode == CameraMode::FirstPerson {
            let d = (self.distance * wheel_delta * ZOOM_SPEED).clamp(-MAX_DISTANCE, MAX_DISTANCE);
            self.target -= self.forward() * d;
            return;
        }
        self.distance = (self.distance * (wheel_delta * ZOOM_SPEED).exp()).clamp(MIN_DISTANCE, MAX_DISTANCE);
    }

    /// Moves the camera so it looks from `eye` at `target`, keeping the mode's invariants:
    /// turntable and first person recompute yaw, (clamped) pitch and distance; trackball sets its
    /// orientation to look along `target - eye`, keeping the screen's up as close to the current
    /// one as possible. Returns false, changing nothing, when the points are not finite or
    /// coincide.
    pub fn look_from(&mut self, eye: Vec3, target: Vec3) -> bool {
        let d = eye - target;
        let len = d.length();
        if !(eye.is_finite() && target.is_finite() && len.is_finite()) || len < MIN_DISTANCE {
            return false;
        }
        let back = d / len;
        match self.mode {
            CameraMode::Trackball => {
                let right = self
                    .up()
                    .cross(back)
                    .try_normalize()
                    .or_else(|| Vec3::Y.cross(back).try_normalize())
                    .unwrap_or(Vec3::X);
                let up = back.cross(right);
                self.orientation = Quat::from_mat3(&Mat3::from_cols(right, up, back)).normalize();
                self.sync_angles();
            }
            _ => {
                self.pitch = back.y.clamp(-1.0, 1.0).asin().clamp(-MAX_PITCH, MAX_PITCH);
                if back.x.abs() > 1e-6 || back.z.abs() > 1e-6 {
                    self.yaw = back.x.atan2(back.z).rem_euclid(std::f32::consts::TAU);
                }
            }
        }
        self.target = target;
        self.distance = len.min(MAX_DISTANCE);
        self.far = self.far.max(self.distance * 10.0);
        true
    }

    /// Sets the vertical field of view in degrees, clamped to [`FOV_RANGE_DEG`]; ignores
    /// non-finite values.
    pub fn set_fov_deg(&mut self, deg: f32) {
        if deg.is_finite() {
            self.fov_y = deg.clamp(FOV_RANGE_DEG.0, FOV_RANGE_DEG.1).to_radians();
        }
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

    /// Points the camera at the mean of `centres` (aitviewer's `auto_set_camera_target`), keeping
    /// its distance and angles. Returns false, changing nothing, when there are no centres or
    /// their mean is not finite.
    pub fn auto_target(&mut self, centres: &[Vec3]) -> bool {
        if centres.is_empty() {
            return false;
        }
        let mean = centres.iter().copied().sum::<Vec3>() / centres.len() as f32;
        if !mean.is_finite() {
            return false;
        }
        self.target = mean;
        true
    }

    /// The camera turned by `angle` radians about the vertical axis through its target (an
    /// orbit around the scene, as aitviewer's video export does): the target, distance, pitch
    /// and projection stay; in trackball mode the whole orientation turns about +Y.
    pub fn orbited(&self, angle: f32) -> Camera {
        let mut c = *self;
        if !angle.is_finite() {
            return c;
        }
        match c.mode {
            CameraMode::Trackball => {
                c.orientation = (Quat::from_rotation_y(angle) * c.orientation.normalize()).normalize();
                c.sync_angles();
            }
            _ => c.yaw = (c.yaw + angle).rem_euclid(std::f32::consts::TAU),
        }
        c
    }

    /// Back to aitviewer's default view (keeps the projection and the control mode).
    pub fn reset(&mut self) {
        *self = Camera {
            orthographic: self.orthographic,
            mode: self.mode,
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

/// An eased move of the camera's target and distance (the animated "centre on selection"):
/// from the camera as it was to the target, distance and far plane [`Camera::fit`] gives, over
/// [`CENTER_ANIM_MS`]. Only those three change, so other camera changes meanwhile (projection,
/// mode, field of view) stay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraTween {
    from: (Vec3, f32),
    to: (Vec3, f32, f32),
    start_ms: f64,
    duration_ms: f64,
}

impl CameraTween {
    /// A move from `from`'s target and distance to `to`'s, starting at `start_ms`.
    pub fn new(from: &Camera, to: &Camera, start_ms: f64, duration_ms: f64) -> CameraTween {
        CameraTween {
            from: (from.target, from.distance),
            to: (to.target, to.distance, to.far),
            start_ms,
            duration_ms,
        }
    }

    /// Applies the state at `now_ms` to `camera` (target and distance eased, the end's far plane
    /// at once); returns true once finished, when they equal the end state exactly.
    pub fn apply(&self, camera: &mut Camera, now_ms: f64) -> bool {
        let (to_target, to_distance, to_far) = self.to;
        camera.far = to_far;
        let t = if self.duration_ms > 0.0 {
            ((now_ms - self.start_ms) / self.duration_ms).clamp(0.0, 1.0)
        } else {
            1.0
        };
        if t >= 1.0 || !t.is_finite() {
            camera.target = to_target;
            camera.distance = to_distance;
            return true;
        }
        // Ease in and out (smoothstep).
        let e = (t * t * (3.0 - 2.0 * t)) as f32;
        let (target, distance) = self.from;
        camera.target = target.lerp(to_target, e);
        camera.distance = distance + (to_distance - distance) * e;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-4
    }

    #[test]
    fn orbited_turns_the_eye_about_the_target() {
        for mode in CameraMode::ALL {
            let mut c = Camera {
                target: Vec3::new(1.0, 0.5, -2.0),
                distance: 3.0,
                yaw: 0.4,
                pitch: 0.3,
                ..Camera::default()
            };
            c.set_mode(mode);
            let half = c.orbited(std::f32::consts::PI);
            assert!(close(half.target, c.target), "{mode:?}");
            // Half a turn: the eye is on the other side of the target at the same height.
            let (a, b) = (c.eye() - c.target, half.eye() - c.target);
            assert!(close(Vec3::new(-a.x, a.y, -a.z), b), "{mode:?}: {a} vs {b}");
            let turned_up = Quat::from_rotation_y(std::f32::consts::PI) * c.up();
            assert!(close(half.up(), turned_up), "{mode:?}");
            // A full turn comes back.
            assert!(close(c.orbited(std::f32::consts::TAU).eye(), c.eye()), "{mode:?}");
            assert_eq!(c.orbited(f32::NAN), c);
        }
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

    #[test]
    fn turntable_is_the_default_mode_and_orbits_as_before() {
        let mut c = Camera::default();
        assert_eq!(c.mode, CameraMode::Turntable);
        c.orbit(100.0, 40.0);
        assert!((c.yaw - (std::f32::consts::TAU - 0.5)).abs() < 1e-5);
        assert!((c.pitch - 0.2).abs() < 1e-6);
        assert!(close(c.target, Vec3::ZERO));
        // The up vector stays in the plane of +Y and the view direction.
        assert!(c.up().y > 0.9 && c.right().y.abs() < 1e-6);
    }

    #[test]
    fn trackball_passes_over_the_pole_without_flipping() {
        let mut c = Camera::default();
        c.set_mode(CameraMode::Trackball);
        // Starting from the current view: switching alone moves nothing.
        assert!(close(c.eye(), Vec3::new(0.0, 0.0, 2.5)));
        let mut prev_eye = c.eye();
        let mut prev_up = c.up();
        let mut max_y = f32::MIN;
        // 700 px down at 0.005 rad/px is 3.5 rad: up over the north pole and down the far side.
        for _ in 0..70 {
            c.orbit(0.0, 10.0);
            let (eye, up) = (c.eye(), c.up());
            assert!((eye.length() - 2.5).abs() < 1e-3, "distance kept: {eye}");
            // Small steps move the eye and the up vector a little each: no flips.
            assert!((eye - prev_eye).length() < 0.05 * 2.5 + 1e-3, "{prev_eye} -> {eye}");
            assert!(up.dot(prev_up) > 0.99, "up jumped {prev_up} -> {up}");
            assert!(c.view_matrix().is_finite());
            max_y = max_y.max(eye.y);
            prev_eye = eye;
            prev_up = up;
        }
        // It went over the top (a turntable stops just short of it) and came down behind.
        assert!(max_y > 2.49, "reached the pole: {max_y}");
        assert!(c.eye().z < -2.0, "ended behind the target: {}", c.eye());
        // Upside down now: the up vector followed the rotation.
        assert!(c.up().y < -0.9, "{}", c.up());
        // The target still projects to the screen centre.
        let p = c.view_proj(1.0).project_point3(c.target);
        assert!(p.x.abs() < 1e-4 && p.y.abs() < 1e-4);
        // A horizontal drag rotates about the screen's up axis.
        let mut c = Camera::default();
        c.set_mode(CameraMode::Trackball);
        c.orbit(300.0, 0.0);
        assert!(c.eye().x < 0.0 && c.eye().y.abs() < 1e-4);
    }

    #[test]
    fn leaving_trackball_keeps_the_view_direction() {
        let mut c = Camera::default();
        c.set_mode(CameraMode::Trackball);
        c.orbit(80.0, 50.0);
        let fwd = c.forward();
        c.set_mode(CameraMode::Turntable);
        assert!(close(c.forward(), fwd), "{} vs {fwd}", c.forward());
        c.set_mode(CameraMode::Trackball);
        assert!(close(c.forward(), fwd));
    }

    #[test]
    fn first_person_turns_about_the_eye() {
        let mut c = Camera {
            target: Vec3::new(1.0, 0.5, -2.0),
            ..Camera::default()
        };
        c.set_mode(CameraMode::FirstPerson);
        let eye = c.eye();
        let target = c.target;
        c.orbit(150.0, -60.0);
        assert!(close(c.eye(), eye), "eye moved: {eye} -> {}", c.eye());
        assert!((c.target - target).length() > 0.5, "target stayed");
        // A right drag turns the view right, an up drag looks up.
        assert!(c.forward().x > 0.0 && c.forward().y > 0.0, "{}", c.forward());
        assert!((c.target.distance(c.eye()) - c.distance).abs() < 1e-4);
        // Pitch is clamped: no flip when dragging far.
        c.orbit(0.0, 1e6);
        assert!(close(c.eye(), eye) && c.pitch < std::f32::consts::FRAC_PI_2);
    }

    #[test]
    fn first_person_wheel_and_keys_move_the_eye() {
        let mut c = Camera::default();
        c.set_mode(CameraMode::FirstPerson);
        // Wheel up (negative) moves forward along -Z; the distance to the target stays.
        c.zoom(-100.0);
        assert!(c.eye().z < 2.5 && c.eye().x.abs() < 1e-6);
        assert!((c.distance - 2.5).abs() < 1e-6);
        c.zoom(100.0);
        assert!((c.eye().z - 2.5).abs() < 1e-3, "{}", c.eye());
        let before = c.eye();
        c.walk(1.0, 0.0, 0.0);
        assert!(close(c.eye(), before - Vec3::Z * 2.5 * WALK_STEP));
        c.walk(0.0, 1.0, 0.0);
        assert!(c.eye().x > 0.1);
        c.walk(0.0, 0.0, -2.0);
        assert!(c.eye().y < -0.2);
        assert!(close(c.forward(), -Vec3::Z), "walking does not turn");
        // Reset keeps the mode.
        c.reset();
        assert_eq!(c.mode, CameraMode::FirstPerson);
        assert!(close(c.eye(), Vec3::new(0.0, 0.0, 2.5)));
    }

    #[test]
    fn mode_names_round_trip_and_cycle() {
        for m in CameraMode::ALL {
            assert_eq!(CameraMode::from_name(m.name()), Some(m));
        }
        assert_eq!(CameraMode::from_name("orbit"), None);
        let mut m = CameraMode::Turntable;
        let mut seen = vec![];
        for _ in 0..3 {
            seen.push(m);
            m = m.next();
        }
        assert_eq!(m, CameraMode::Turntable);
        assert_eq!(seen, CameraMode::ALL.to_vec());
    }

    #[test]
    fn auto_target_is_the_mean_of_centres_and_keeps_the_view() {
        let mut c = Camera {
            yaw: 0.4,
            pitch: -0.2,
            distance: 7.0,
            ..Camera::default()
        };
        let offset = c.eye() - c.target;
        assert!(!c.auto_target(&[]));
        assert!(!c.auto_target(&[Vec3::new(f32::NAN, 0.0, 0.0)]));
        assert!(close(c.target, Vec3::ZERO));
        assert!(c.auto_target(&[
            Vec3::new(2.0, 0.0, 0.0),
            Vec3::new(2.0, 1.0, 0.0),
            Vec3::new(2.0, 2.0, 3.0)
        ]));
        assert!(close(c.target, Vec3::new(2.0, 1.0, 1.0)));
        assert!(close(c.eye() - c.target, offset));
        assert_eq!((c.yaw, c.pitch, c.distance), (0.4, -0.2, 7.0));
    }
    #[test]
    fn look_from_sets_eye_and_target_in_every_mode() {
        for mode in CameraMode::ALL {
            let mut c = Camera::default();
            c.set_mode(mode);
            let (eye, target) = (Vec3::new(1.0, 2.0, 3.0), Vec3::new(-0.5, 0.25, 0.0));
            assert!(c.look_from(eye, target), "{mode:?}");
            assert!(close(c.eye(), eye), "{mode:?}: eye {}", c.eye());
            assert!(close(c.target, target), "{mode:?}");
            assert!((c.distance - eye.distance(target)).abs() < 1e-4);
            // The target projects to the screen centre.
            let p = c.view_proj(1.0).project_point3(target);
            assert!(p.x.abs() < 1e-4 && p.y.abs() < 1e-4, "{mode:?}: {p}");
            assert!(c.up().y > 0.0, "{mode:?}: up {}", c.up());
        }
        let mut c = Camera::default();
        assert!(!c.look_from(Vec3::ONE, Vec3::ONE));
        assert!(!c.look_from(Vec3::new(f32::NAN, 0.0, 0.0), Vec3::ZERO));
        assert_eq!(c, Camera::default());
        // Straight above: the turntable clamps its pitch short of the pole.
        assert!(c.look_from(Vec3::new(0.0, 5.0, 0.0), Vec3::ZERO));
        assert!(c.pitch < std::f32::consts::FRAC_PI_2 && c.eye().y > 4.9);
    }

    #[test]
    fn fov_is_clamped_to_the_slider_range() {
        let mut c = Camera::default();
        c.set_fov_deg(70.0);
        assert!((c.fov_y.to_degrees() - 70.0).abs() < 1e-4);
        c.set_fov_deg(500.0);
        assert!((c.fov_y.to_degrees() - 120.0).abs() < 1e-4);
        c.set_fov_deg(f32::NAN);
        assert!((c.fov_y.to_degrees() - 120.0).abs() < 1e-4);
        c.set_fov_deg(1.0);
        assert!((c.fov_y.to_degrees() - 10.0).abs() < 1e-4);
    }

    #[test]
    fn tween_eases_to_exactly_the_fitted_camera() {
        let start = Camera {
            yaw: 0.3,
            ..Camera::default()
        };
        let mut end = start;
        end.fit(&Aabb {
            min: Vec3::new(2.0, 0.0, 0.0),
            max: Vec3::new(3.0, 1.0, 1.0),
        });
        let tw = CameraTween::new(&start, &end, 1000.0, CENTER_ANIM_MS);
        let mut c = start;
        assert!(!tw.apply(&mut c, 1000.0));
        assert!(close(c.target, start.target) && (c.distance - start.distance).abs() < 1e-6);
        assert!(!tw.apply(&mut c, 1150.0));
        let mid = c.target;
        assert!(mid.x > 0.5 && mid.x < 2.0, "half-way: {mid}");
        assert!(close(c.forward(), start.forward()), "the direction stays");
        let mut prev = 0.0;
        for ms in [1010.0, 1100.0, 1200.0, 1290.0] {
            assert!(!tw.apply(&mut c, ms));
            assert!(c.target.x >= prev, "monotonic");
            prev = c.target.x;
        }
        assert!(tw.apply(&mut c, 1300.0));
        assert_eq!(c, end);
        assert!(tw.apply(&mut c, 5000.0));
        assert_eq!(c, end);
    }
}
