//! The scene's frame clock: play/pause, playback fps, looping and stepping, with aitviewer's
//! rules (Part A.3 of the spec).
//!
//! Pure logic, no browser: the web app calls [`Playback::advance`] once per rendered frame with
//! the page's clock and shows the frame it returns. While playing, each call moves on by
//! `k = floor((now - last) * fps)` frames and moves the time base on by `k / fps`, so playback
//! keeps real time whatever the render rate. Remote SET/NEXT/PREVIOUS_FRAME are ignored while
//! playing, as in aitviewer ([`Playback::accepts_remote`]).

/// Lowest playback rate the UI accepts (aitviewer's GUI range).
pub const MIN_FPS: f64 = 1.0;
/// Highest playback rate the UI accepts.
pub const MAX_FPS: f64 = 120.0;
/// aitviewer's `playback_fps`.
pub const DEFAULT_FPS: f64 = 60.0;

/// The scene's frame counter and the clock that advances it.
#[derive(Debug, Clone, PartialEq)]
pub struct Playback {
    frame: usize,
    playing: bool,
    fps: f64,
    looping: bool,
    no_skip: bool,
    /// Time base of the running animation (seconds); `None` until the first tick after play.
    last: Option<f64>,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            frame: 0,
            playing: false,
            fps: DEFAULT_FPS,
            looping: true,
            no_skip: false,
            last: None,
        }
    }
}

impl Playback {
    /// Paused at frame 0, 60 fps, looping: aitviewer's start state (`run_animations` is
    /// `False`), so a script that ends with `set_frame(i)` shows frame `i` in a fresh tab.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current frame (not clamped: use [`Playback::frame_in`] to show it).
    pub fn frame(&self) -> usize {
        self.frame
    }

    /// The current frame clamped to a scene of `n_frames` frames.
    pub fn frame_in(&self, n_frames: usize) -> usize {
        self.frame.min(n_frames.max(1) - 1)
    }

    /// Whether the animation runs.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Frames per second while playing.
    pub fn fps(&self) -> f64 {
        self.fps
    }

    /// Whether playback wraps to frame 0 after the last frame (otherwise it pauses there).
    pub fn looping(&self) -> bool {
        self.looping
    }

    /// Whether playback advances at most one frame per call ("playback without skipping").
    pub fn no_skip(&self) -> bool {
        self.no_skip
    }

    /// Starts or stops the animation; either resets the time base.
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
        self.last = None;
    }

    /// Toggles play/pause (Space); returns whether it now plays.
    pub fn toggle(&mut self) -> bool {
        self.set_playing(!self.playing);
        self.playing
    }

    /// Sets the playback rate, clamped to `MIN_FPS..=MAX_FPS`; a non-finite value is ignored.
    /// Returns the rate now in use.
    pub fn set_fps(&mut self, fps: f64) -> f64 {
        if fps.is_finite() {
            self.fps = fps.clamp(MIN_FPS, MAX_FPS);
        }
        self.fps
    }

    /// Turns looping on or off.
    pub fn set_looping(&mut self, looping: bool) {
        self.looping = looping;
    }

    /// Turns "playback without skipping" on or off.
    pub fn set_no_skip(&mut self, no_skip: bool) {
        self.no_skip = no_skip;
    }

    /// Remote SET/NEXT/PREVIOUS_FRAME apply only while paused (aitviewer ignores them while
    /// the animation runs).
    pub fn accepts_remote(&self) -> bool {
        !self.playing
    }

    /// Jumps to frame `f`, clamped to `0..n_frames` (no wrap). Returns the new frame.
    pub fn set(&mut self, f: i64, n_frames: usize) -> usize {
        let last = n_frames.max(1) - 1;
        self.frame = f.clamp(0, last as i64) as usize;
        self.frame
    }

    /// The next frame, wrapping to 0 after the last. Returns the new frame.
    pub fn next(&mut self, n_frames: usize) -> usize {
        let n = n_frames.max(1);
        self.frame = (self.frame_in(n) + 1) % n;
        self.frame
    }

    /// The previous frame, wrapping to the last from 0. Returns the new frame.
    pub fn prev(&mut self, n_frames: usize) -> usize {
        let n = n_frames.max(1);
        self.frame = (self.frame_in(n) + n - 1) % n;
        self.frame
    }

    /// One tick of the clock at time `now` (seconds, monotonic) for a scene of `n_frames`
    /// frames; returns the frame to show.
    ///
    /// While playing: `k = floor((now - last) * fps)` (1 at most with no-skip); when `k > 0`
    /// the frame moves on by `k` (wrapping when looping, else stopping and pausing at the last
    /// frame) and the time base by `k / fps`. The first tick after play only sets the time base.
    pub fn advance(&mut self, now: f64, n_frames: usize) -> usize {
        let n = n_frames.max(1);
        if !self.playing {
            return self.frame_in(n);
        }
        let Some(last) = self.last else {
            self.last = Some(now);
            return self.frame_in(n);
        };
        let elapsed = (now - last).max(0.0);
        let mut k = (elapsed * self.fps).floor() as usize;
        if k == 0 {
            return self.frame_in(n);
        }
        if self.no_skip {
            k = 1;
            self.last = Some(now);
        } else {
            self.last = Some(last + k as f64 / self.fps);
        }
        let cur = self.frame_in(n);
        if self.looping {
            self.frame = (cur + k % n) % n;
        } else if cur + k >= n - 1 {
            self.frame = n - 1;
            self.set_playing(false);
        } else {
            self.frame = cur + k;
        }
        self.frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Playback started, as after a click on Play.
    fn playing() -> Playback {
        let mut p = Playback::new();
        p.set_playing(true);
        p
    }

    #[test]
    fn defaults_are_aitviewers() {
        let p = Playback::new();
        assert!(!p.playing(), "aitviewer starts with run_animations off");
        assert_eq!(p.fps(), 60.0);
        assert!(p.looping());
        assert_eq!(p.frame(), 0);
        assert!(p.accepts_remote());
    }

    #[test]
    fn advance_moves_floor_elapsed_times_fps_frames() {
        let mut p = playing();
        assert_eq!(p.advance(10.0, 100), 0, "first tick only sets the time base");
        // 2.5 frame periods later: 2 frames, and the base keeps the remaining half period.
        assert_eq!(p.advance(10.0 + 2.5 / 60.0, 100), 2);
        // Half a period more completes the third frame.
        assert_eq!(p.advance(10.0 + 3.0 / 60.0 + 1e-9, 100), 3);
        // Less than a period: no move.
        assert_eq!(p.advance(10.0 + 3.5 / 60.0, 100), 3);
    }

    #[test]
    fn fps_sets_the_rate() {
        let mut p = playing();
        p.set_fps(10.0);
        p.advance(0.0, 100);
        assert_eq!(p.advance(1.0, 100), 10);
        assert_eq!(p.set_fps(500.0), MAX_FPS);
        assert_eq!(p.set_fps(0.0), MIN_FPS);
        assert_eq!(p.set_fps(f64::NAN), MIN_FPS);
    }

    #[test]
    fn looping_wraps_over_the_scene_length() {
        let mut p = playing();
        p.set_fps(1.0);
        p.set(8, 10);
        p.advance(0.0, 10);
        assert_eq!(p.advance(3.0, 10), 1, "8 + 3 wraps to 1 over 10 frames");
        // A jump of more than a whole loop.
        assert_eq!(p.advance(28.0, 10), 6);
    }

    #[test]
    fn without_loop_playback_stops_at_the_last_frame() {
        let mut p = playing();
        p.set_looping(false);
        p.set_fps(1.0);
        p.set(7, 10);
        p.advance(0.0, 10);
        assert_eq!(p.advance(1.0, 10), 8);
        assert!(p.playing());
        assert_eq!(p.advance(5.0, 10), 9);
        assert!(!p.playing(), "reaching the end pauses");
        assert_eq!(p.advance(9.0, 10), 9);
    }

    #[test]
    fn no_skip_moves_one_frame_per_tick() {
        let mut p = playing();
        p.set_no_skip(true);
        p.advance(0.0, 100);
        assert_eq!(p.advance(1.0, 100), 1);
        assert_eq!(p.advance(2.0, 100), 2);
    }

    #[test]
    fn pause_freezes_and_play_resets_the_time_base() {
        let mut p = playing();
        p.set_fps(10.0);
        p.advance(0.0, 100);
        assert_eq!(p.advance(0.5, 100), 5);
        assert!(!p.toggle());
        assert!(p.accepts_remote());
        assert_eq!(p.advance(100.0, 100), 5, "paused: no movement");
        assert!(p.toggle());
        // The pause time is not caught up: the first tick after play sets the base.
        assert_eq!(p.advance(200.0, 100), 5);
        assert_eq!(p.advance(200.1 + 1e-9, 100), 6);
    }

    #[test]
    fn stepping_wraps_and_set_clamps() {
        let mut p = Playback::new();
        p.set_playing(false);
        assert_eq!(p.prev(5), 4, "previous from 0 wraps to the last");
        assert_eq!(p.next(5), 0, "next from the last wraps to 0");
        assert_eq!(p.next(5), 1);
        assert_eq!(p.set(99, 5), 4);
        assert_eq!(p.set(-3, 5), 0);
        // A scene that shrank: stepping starts from the clamped frame.
        p.set(4, 5);
        assert_eq!(p.next(3), 0);
        assert_eq!(p.set(2, 0), 0, "an empty scene has one frame");
    }

    #[test]
    fn frame_in_clamps_to_a_shorter_scene() {
        let mut p = Playback::new();
        p.set(40, 50);
        assert_eq!(p.frame_in(10), 9);
        assert_eq!(p.frame_in(0), 0);
        p.set_playing(true);
        p.advance(0.0, 10);
        assert_eq!(p.advance(1.0 / 60.0 + 1e-9, 10), 0, "9 + 1 wraps in a 10-frame scene");
    }
}
