//! When the frame loop draws while relay messages stream in: drawing must not stand between the
//! socket and the scene. On a software rasteriser one frame costs hundreds of milliseconds of CPU
//! that the relay, the browser's network code and the page's own message handling need; drawing
//! a frame per message (or per display refresh) would make ingest wait for frames.
//!
//! The rule: while messages keep arriving (one within [`INGEST_QUIET_MS`]), a frame is drawn only
//! when the time since the last drawn frame began (or since the stream began, if later) is at
//! least [`INGEST_DRAW_SHARE`]⁻¹ times what the last frame cost beyond one display refresh; so
//! drawing takes at most about that share of the time while streaming, and nothing when frames are
//! cheap (a real GPU keeps its frame rate). When no message came for [`INGEST_QUIET_MS`], frames
//! are drawn as before, at once.
//!
//! A frame's cost is the longer of two measures: the time until the next frame callback (what
//! the page's thread spent, and how long the browser held the next callback back), and the time
//! until the GPU reported the frame's work done. The second matters on a software rasteriser
//! such as SwiftShader, which draws in the browser's GPU process on the same cores while the
//! page's thread is already free again: measured by the callback alone, such a frame looked
//! cheap, and frames drawn during a stream took the CPU that the socket and the relay needed.

/// Milliseconds without a message after which the stream counts as ended.
pub const INGEST_QUIET_MS: f64 = 50.0;
/// The most of the time that drawing may take while messages stream in.
pub const INGEST_DRAW_SHARE: f64 = 0.1;
/// One display refresh at 60 Hz: what a frame costs at least, even on the fastest GPU.
pub const REFRESH_MS: f64 = 1000.0 / 60.0;

/// Decides whether a pending redraw is drawn now (see the module comment).
#[derive(Debug, Clone, Default)]
pub struct DrawPacer {
    /// When the last relay message was applied (`performance.now()` ms).
    last_message_ms: Option<f64>,
    /// When the current stream of messages began (its first message after a quiet time).
    stream_start_ms: f64,
    /// When the last drawn frame began.
    last_draw_ms: Option<f64>,
    /// What the last drawn frame cost beyond a display refresh: the time from its start to the
    /// start of the next frame callback, less [`REFRESH_MS`] (a slow GPU delays the callback).
    excess_ms: f64,
    /// True until the frame callback after a draw has measured its cost.
    measuring: bool,
    /// The GPU's last report: the start of the frame it is about and that frame's time until
    /// the GPU had finished it.
    gpu_report: Option<(f64, f64)>,
    /// Redraws put off so far (for the page's counters and tests).
    deferred: u64,
}

impl DrawPacer {
    /// A relay message was applied at `now_ms`.
    pub fn message(&mut self, now_ms: f64) {
        if !self.ingesting(now_ms) {
            self.stream_start_ms = now_ms;
        }
        self.last_message_ms = Some(now_ms);
    }

    /// Called at the start of every frame callback: measures the last drawn frame's cost.
    pub fn tick(&mut self, now_ms: f64) {
        if std::mem::take(&mut self.measuring) {
            if let Some(start) = self.last_draw_ms {
                self.excess_ms = (now_ms - start - REFRESH_MS).max(self.gpu_excess(start)).max(0.0);
            }
        }
    }

    /// The GPU finished the work of the frame drawn at `start_ms` at `done_ms`. A report for an
    /// older frame than the last drawn one is ignored.
    pub fn gpu_done(&mut self, start_ms: f64, done_ms: f64) {
        if self.last_draw_ms != Some(start_ms) {
            return;
        }
        self.gpu_report = Some((start_ms, done_ms - start_ms));
        if !self.measuring {
            // The callback's measure came first: the longer one counts.
            self.excess_ms = self.excess_ms.max(self.gpu_excess(start_ms));
        }
    }

    /// The GPU's measure of the frame drawn at `start_ms` beyond a display refresh; 0 until the
    /// GPU has reported that frame.
    fn gpu_excess(&self, start_ms: f64) -> f64 {
        self.gpu_report
            .filter(|&(start, _)| start == start_ms)
            .map_or(0.0, |(_, ms)| (ms - REFRESH_MS).max(0.0))
    }

    /// True when messages are streaming in at `now_ms`.
    pub fn ingesting(&self, now_ms: f64) -> bool {
        self.last_message_ms.is_some_and(|t| now_ms - t < INGEST_QUIET_MS)
    }

    /// Whether a pending redraw should be drawn at `now_ms`; counts it when put off.
    pub fn should_draw(&mut self, now_ms: f64) -> bool {
        let ok = match self.last_draw_ms {
            Some(start) if self.ingesting(now_ms) => {
                now_ms - start.max(self.stream_start_ms) >= self.excess_ms / INGEST_DRAW_SHARE
            }
            _ => true,
        };
        if !ok {
            self.deferred += 1;
        }
        ok
    }

    /// A frame was drawn, beginning at `start_ms`.
    pub fn drawn(&mut self, start_ms: f64) {
        self.last_draw_ms = Some(start_ms);
        self.measuring = true;
    }

    /// The last reported frame's time from its start until the GPU reported its work done
    /// (milliseconds); `None` before the first report.
    pub fn gpu_frame_ms(&self) -> Option<f64> {
        self.gpu_report.map(|(_, ms)| ms)
    }

    /// Redraws put off so far.
    pub fn deferred(&self) -> u64 {
        self.deferred
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws at `t`, and measures it by the next callback at `t + cost`.
    fn draw(p: &mut DrawPacer, t: f64, cost: f64) {
        assert!(p.should_draw(t));
        p.drawn(t);
        p.tick(t + cost);
    }

    #[test]
    fn without_messages_every_redraw_is_drawn() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 500.0);
        assert!(p.should_draw(501.0));
        assert_eq!(p.deferred(), 0);
    }

    /// Feeds messages every 20 ms from `from` until `until` (exclusive): no frame is drawn.
    fn held_back(p: &mut DrawPacer, from: f64, until: f64) {
        let mut t = from;
        while t < until {
            p.message(t);
            assert!(!p.should_draw(t), "at {t} ms");
            t += 20.0;
        }
    }

    #[test]
    fn slow_frames_are_spaced_out_while_messages_stream_in() {
        let mut p = DrawPacer::default();
        p.message(0.0);
        draw(&mut p, 0.0, 300.0 + REFRESH_MS);
        // Messages keep coming: the next frame waits until drawing is INGEST_DRAW_SHARE of the time.
        let next = 300.0 / INGEST_DRAW_SHARE;
        held_back(&mut p, 20.0, next);
        p.message(next);
        assert!(p.should_draw(next));
        assert!(p.deferred() > 50);
    }

    #[test]
    fn a_stream_waits_for_its_first_slow_frame_too() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 100.0 + REFRESH_MS);
        // Long after that frame, a stream begins: its first frame waits as long as the next would.
        let next = 10_000.0 + 100.0 / INGEST_DRAW_SHARE;
        held_back(&mut p, 10_000.0, next);
        p.message(next);
        assert!(p.should_draw(next));
    }

    #[test]
    fn cheap_frames_are_not_held_back() {
        let mut p = DrawPacer::default();
        let mut t = 0.0;
        for _ in 0..100 {
            p.message(t);
            draw(&mut p, t, REFRESH_MS);
            t += REFRESH_MS;
        }
        assert_eq!(p.deferred(), 0);
    }

    #[test]
    fn a_frame_the_gpu_finishes_late_counts_as_slow() {
        // The page's thread is free again at once (the next callback comes after one refresh),
        // but the GPU reports the frame done 400 ms after it began.
        let mut p = DrawPacer::default();
        p.message(0.0);
        draw(&mut p, 0.0, REFRESH_MS);
        p.gpu_done(0.0, 400.0);
        let next = (400.0 - REFRESH_MS) / INGEST_DRAW_SHARE;
        held_back(&mut p, 20.0, next - 1.0);
        p.message(next);
        assert!(p.should_draw(next));
    }

    #[test]
    fn the_gpu_measure_may_come_before_the_next_callback() {
        let mut p = DrawPacer::default();
        p.message(0.0);
        assert!(p.should_draw(0.0));
        p.drawn(0.0);
        p.gpu_done(0.0, 300.0);
        assert_eq!(p.gpu_frame_ms(), Some(300.0));
        p.tick(300.0 + 1.0);
        p.message(310.0);
        assert!(!p.should_draw(320.0), "the 300 ms GPU frame holds the next one back");
    }

    #[test]
    fn a_late_report_for_an_older_frame_is_ignored() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, REFRESH_MS);
        draw(&mut p, 20.0, REFRESH_MS);
        p.gpu_done(0.0, 5_000.0);
        assert_eq!(p.gpu_frame_ms(), None);
        p.message(100.0);
        assert!(p.should_draw(101.0), "the frame drawn at 20 ms was cheap");
    }

    #[test]
    fn the_stream_ending_releases_the_frame_at_once() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 1000.0);
        p.message(1010.0);
        assert!(!p.should_draw(1020.0));
        assert!(p.should_draw(1010.0 + INGEST_QUIET_MS));
    }
}
