//! When the frame loop draws while relay messages stream in: drawing must not stand between the
//! socket and the scene. On a software rasteriser one frame costs hundreds of milliseconds of CPU
//! that the relay, the browser's network code and the page's own message handling need; drawing
//! a frame per message (or per display refresh) would make ingest wait for frames.
//!
//! The rule: while messages keep arriving (one within [`INGEST_QUIET_MS`]), a frame is drawn only
//! when the time since the last drawn frame began (or since the stream began, if later) is at
//! least [`INGEST_DRAW_SHARE`]⁻¹ times what the last frame cost beyond one display refresh; so
//! drawing takes at most about that share of the time while streaming, and nothing when frames are
//! cheap (a real GPU keeps its frame rate). When no message came for [`INGEST_QUIET_MS`] (or
//! longer before an expensive frame, below), frames are drawn as before, at once.
//!
//! A frame's cost is the longer of two measures: the time until the next frame callback (what
//! the page's thread spent, and how long the browser held the next callback back), and the time
//! until the GPU reported the frame's work done. The second matters on a software rasteriser
//! such as SwiftShader, which draws in the browser's GPU process on the same cores while the
//! page's thread is already free again: measured by the callback alone, such a frame looked
//! cheap, and frames drawn during a stream took the CPU that the socket and the relay needed.
//!
//! What a frame drawn during a stream costs grows with the messages applied since the last one:
//! it brings the GPU's copy of the scene up to date with them (reads their frames' keys and
//! measures their bounds; only the frame shown is packed then, the others later, in
//! [`UPLOAD_SLICE_MS`] slices between frames once the stream has ended). So the next frame's
//! cost is estimated as the last frame's cost without its upload, plus the bytes of the messages
//! waiting times what uploading a byte cost at the last draw ([`DrawPacer::uploaded`]): by bytes,
//! not messages, so that one 80 MB message does not make every later small one look as costly.
//! When uploading what arrives takes more than the drawing share of the time, no frame is drawn
//! until the stream ends (before, a frame drawn late in a long stream uploaded thousands of
//! frames at once and held the page for seconds). For the
//! same reason a pause ends a stream only when it lasted [`INGEST_DRAW_SHARE`] of what the
//! frame then drawn would cost, if that is longer than [`INGEST_QUIET_MS`].
//!
//! A pause is not taken for the end of a stream while the relay has said more is on its way: it
//! announces large writes and what it has queued behind them (`RelayToViewer::Incoming`), and
//! until that many bytes of messages have arrived, the stream counts as running for up to
//! [`ANNOUNCED_QUIET_MS`] without a message. A viewer that reads slower than a producer sends
//! (a software rasteriser's browser taking in a recorded sequence) has such a backlog at the
//! relay, and the browser hands it the messages with pauses of 50–300 ms when the cores are
//! busy elsewhere; each pause taken for the end cost a frame drawn mid-stream, hundreds of
//! milliseconds of the CPU the stream needed. A live stream the viewer keeps up with leaves no
//! backlog, so its pauses still end it after the quiet time and each message is shown.
//!
//! Two more rules keep a stream from being taken for over:
//! - While the GPU has not yet reported the last drawn frame done, no frame is drawn during a
//!   stream: its cost is not known yet, and the GPU is still busy with it (a frame drawn now would
//!   queue behind it). A frame callback often comes before that report; before this rule the
//!   frame then looked cheap and the next one was drawn at once.
//! - A stall of the page's thread (no frame callback for [`STALL_MS`], e.g. while it waited for
//!   the GPU) does not end a stream: the messages that arrived meanwhile are still queued behind
//!   the callback, so the stream counts as running for another [`INGEST_QUIET_MS`] after it.

/// Milliseconds without a message after which the stream counts as ended.
pub const INGEST_QUIET_MS: f64 = 50.0;
/// The longest pause in a stream (ms) that does not end it while bytes the relay announced have
/// not all arrived: longer, and they are taken not to come (a connection lost, a viewer the relay
/// dropped messages for), and the frame waits no more.
pub const ANNOUNCED_QUIET_MS: f64 = 1000.0;
/// The most of the time that drawing may take while messages stream in.
pub const INGEST_DRAW_SHARE: f64 = 0.1;
/// One display refresh at 60 Hz: what a frame costs at least, even on the fastest GPU.
pub const REFRESH_MS: f64 = 1000.0 / 60.0;
/// While messages stream in, the page's panels are refreshed at most this often (ms).
pub const INGEST_PANELS_MS: f64 = 250.0;
/// What uploading a megabyte of messages is taken to cost (ms) until a drawn frame has measured
/// it: about what packing an SMPL-size mesh frame (82.7 KB) for the GPU costs on a 2-core
/// machine without a GPU, a millisecond (a frame that packs only what it shows costs less: it
/// measures that). On a fast device it holds back only the first frame after the first
/// message, by a few milliseconds: that frame measures the real cost. On a slow one, the first
/// frame of a fast stream is not drawn before the stream ends (the frame drawing a new node
/// builds its pipelines too: on a software rasteriser, seconds of the cores the stream needs).
pub const UPLOAD_PRIOR_MS_PER_MB: f64 = 12.0;
/// While no messages stream in, a frame callback that draws nothing spends up to this long (ms)
/// packing frames of node data that no frame has drawn yet (a sequence's frames after the one shown: the renderer
/// packs a frame when it is first drawn, the rest in this time, so that a long sequence's first
/// picture waits for one frame's packing, not all of them).
pub const UPLOAD_SLICE_MS: f64 = 8.0;
/// A frame measures what uploading a byte costs only when it showed this many bytes of new
/// messages: a few small messages (a client connecting, a colour) upload little and too quickly
/// for the clock's resolution, and would make a stream of large frames look free.
pub const MEASURE_MIN_BYTES: usize = 1_000_000;
/// A gap between frame callbacks this long means the page's thread was held up (see the module
/// comment).
pub const STALL_MS: f64 = 2.0 * INGEST_QUIET_MS;
/// Bytes in a megabyte.
const MB: f64 = 1e6;

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
    /// True from a draw until the GPU reports that frame's work done.
    gpu_busy: bool,
    /// When the last frame callback began.
    last_tick_ms: Option<f64>,
    /// The GPU's last report: the start of the frame it is about and that frame's time until
    /// the GPU had finished it.
    gpu_report: Option<(f64, f64)>,
    /// Redraws put off so far (for the page's counters and tests).
    deferred: u64,
    /// When the page's panels were last refreshed.
    panels_ms: Option<f64>,
    /// Bytes of the messages applied since the last drawn frame.
    pending_bytes: usize,
    /// Bytes of the messages the last drawn frame showed for the first time.
    covered_bytes: usize,
    /// What the last drawn frame spent uploading (ms).
    upload_ms: f64,
    /// What uploading a megabyte of messages cost at the last draw that showed
    /// [`MEASURE_MIN_BYTES`] of new messages (ms); `None` before (then
    /// [`UPLOAD_PRIOR_MS_PER_MB`]).
    upload_ms_per_mb: Option<f64>,
    /// Bytes of messages the relay announced that have not arrived yet.
    announced_bytes: usize,
}

impl DrawPacer {
    /// A relay message of `bytes` bytes was applied at `now_ms`.
    pub fn message(&mut self, now_ms: f64, bytes: usize) {
        self.arrived(now_ms);
        self.pending_bytes += bytes;
        self.announced_bytes = self.announced_bytes.saturating_sub(bytes);
    }

    /// The relay announced at `now_ms` that `bytes` bytes of messages follow (its write and what
    /// it has queued behind it); replaces what an earlier announcement said.
    pub fn announced(&mut self, now_ms: f64, bytes: usize) {
        self.arrived(now_ms);
        self.announced_bytes = bytes;
    }

    /// Something from the relay arrived at `now_ms`: a new stream begins if none was running.
    fn arrived(&mut self, now_ms: f64) {
        if !self.ingesting(now_ms) {
            self.stream_start_ms = now_ms;
        }
        self.last_message_ms = Some(now_ms);
    }

    /// Forgets announced bytes that will not come (a new connection to the relay).
    pub fn forget_announced(&mut self) {
        self.announced_bytes = 0;
    }

    /// Called at the start of every frame callback: measures the last drawn frame's cost.
    pub fn tick(&mut self, now_ms: f64) {
        if let Some(prev) = self.last_tick_ms.replace(now_ms) {
            let streaming_then = self.last_message_ms.is_some_and(|m| m + INGEST_QUIET_MS >= prev);
            if streaming_then && now_ms - prev >= STALL_MS {
                // Messages were streaming when the thread stalled: more may be queued behind this
                // callback, so the stream is not over yet.
                self.last_message_ms = Some(now_ms);
            }
        }
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
        self.gpu_busy = false;
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

    /// True when messages are streaming in at `now_ms`: one came within the quiet time, or
    /// within [`ANNOUNCED_QUIET_MS`] while announced bytes are still to come.
    pub fn ingesting(&self, now_ms: f64) -> bool {
        self.last_message_ms.is_some_and(|t| {
            let quiet = now_ms - t;
            quiet < self.quiet_ms() || (self.announced_bytes > 0 && quiet < ANNOUNCED_QUIET_MS)
        })
    }

    /// Whether a pending redraw should be drawn at `now_ms`; counts it when put off.
    pub fn should_draw(&mut self, now_ms: f64) -> bool {
        let ok = match self.last_draw_ms {
            Some(start) if self.ingesting(now_ms) => {
                !self.gpu_busy && now_ms - start.max(self.stream_start_ms) >= self.estimate_ms() / INGEST_DRAW_SHARE
            }
            _ => true,
        };
        if !ok {
            self.deferred += 1;
        }
        ok
    }

    /// Whether the page's panels (frame counter, counts, lists) are refreshed at `now_ms`: every
    /// frame callback, but at most every [`INGEST_PANELS_MS`] while messages stream in. Each
    /// refresh that changes the page's text makes the browser lay out and repaint it, which a
    /// software rasteriser does on the cores the stream needs; a changed counter every frame
    /// callback is more than anyone reads.
    pub fn refresh_panels(&mut self, now_ms: f64) -> bool {
        let due = !self.ingesting(now_ms) || self.panels_ms.is_none_or(|t| now_ms - t >= INGEST_PANELS_MS);
        if due {
            self.panels_ms = Some(now_ms);
        }
        due
    }

    /// How long without a message ends a stream: [`INGEST_QUIET_MS`], or longer when the frame
    /// then drawn would be expensive: [`INGEST_DRAW_SHARE`] of its estimated cost. A pause in a
    /// stream taken for its end costs that frame; waiting a share of it first keeps the loss to
    /// the share.
    fn quiet_ms(&self) -> f64 {
        INGEST_QUIET_MS.max(INGEST_DRAW_SHARE * self.estimate_ms())
    }

    /// What drawing a frame now would cost beyond a display refresh: the last frame's cost
    /// without its upload, plus uploading the messages applied since.
    fn estimate_ms(&self) -> f64 {
        let per_mb = self.upload_ms_per_mb.unwrap_or(UPLOAD_PRIOR_MS_PER_MB);
        (self.excess_ms - self.upload_ms + self.pending_bytes as f64 / MB * per_mb).max(0.0)
    }

    /// A frame was drawn, beginning at `start_ms`.
    pub fn drawn(&mut self, start_ms: f64) {
        self.last_draw_ms = Some(start_ms);
        self.measuring = true;
        self.covered_bytes = std::mem::take(&mut self.pending_bytes);
        self.upload_ms = 0.0;
    }

    /// The frame just drawn spent `ms` uploading the data of the messages applied before it
    /// (measures the cost of a megabyte's upload when they were [`MEASURE_MIN_BYTES`] or more).
    pub fn uploaded(&mut self, ms: f64) {
        self.upload_ms = ms.max(0.0);
        if self.covered_bytes >= MEASURE_MIN_BYTES {
            self.upload_ms_per_mb = Some(self.upload_ms / (self.covered_bytes as f64 / MB));
        }
    }

    /// The frame drawn at `start_ms` was submitted and its GPU work will be reported through
    /// [`DrawPacer::gpu_done`]; until then no frame is drawn while messages stream in.
    pub fn awaiting_gpu(&mut self, start_ms: f64) {
        if self.last_draw_ms == Some(start_ms) {
            self.gpu_busy = true;
        }
    }

    /// The last reported frame's time from its start until the GPU reported its work done
    /// (milliseconds); `None` before the first report.
    pub fn gpu_frame_ms(&self) -> Option<f64> {
        self.gpu_report.map(|(_, ms)| ms)
    }

    /// What the last drawn frame spent uploading (ms).
    pub fn upload_ms(&self) -> f64 {
        self.upload_ms
    }

    /// Redraws put off so far.
    pub fn deferred(&self) -> u64 {
        self.deferred
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SMPL-size mesh frame message.
    const FRAME: usize = 82_744;
    /// Its share of a megabyte.
    const FRAME_MB: f64 = FRAME as f64 / MB;

    /// A pacer that has measured uploads as free: only the frames' own cost decides.
    fn free_uploads() -> DrawPacer {
        DrawPacer {
            upload_ms_per_mb: Some(0.0),
            ..DrawPacer::default()
        }
    }

    /// The upload of the messages the last drawn frame showed, at `ms_per_frame` an SMPL-size
    /// frame.
    fn covered_upload(p: &DrawPacer, ms_per_frame: f64) -> f64 {
        p.covered_bytes as f64 / FRAME as f64 * ms_per_frame
    }

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
            p.message(t, FRAME);
            assert!(!p.should_draw(t), "at {t} ms");
            t += 20.0;
        }
    }

    #[test]
    fn slow_frames_are_spaced_out_while_messages_stream_in() {
        let mut p = free_uploads();
        p.message(0.0, FRAME);
        draw(&mut p, 0.0, 300.0 + REFRESH_MS);
        // Messages keep coming: the next frame waits until drawing is INGEST_DRAW_SHARE of the time.
        let next = 300.0 / INGEST_DRAW_SHARE;
        held_back(&mut p, 20.0, next);
        p.message(next, FRAME);
        assert!(p.should_draw(next));
        assert!(p.deferred() > 50);
    }

    #[test]
    fn a_stream_waits_for_its_first_slow_frame_too() {
        let mut p = free_uploads();
        draw(&mut p, 0.0, 100.0 + REFRESH_MS);
        // Long after that frame, a stream begins: its first frame waits as long as the next would.
        let next = 10_000.0 + 100.0 / INGEST_DRAW_SHARE;
        held_back(&mut p, 10_000.0, next);
        p.message(next, FRAME);
        assert!(p.should_draw(next));
    }

    #[test]
    fn before_an_upload_was_measured_a_cheap_frame_waits_a_few_milliseconds_at_most() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, REFRESH_MS);
        p.message(100.0, MEASURE_MIN_BYTES);
        assert!(!p.should_draw(100.0));
        assert!(p.should_draw(100.0 + UPLOAD_PRIOR_MS_PER_MB / INGEST_DRAW_SHARE));
        p.drawn(110.0);
        p.uploaded(0.05);
        assert_eq!(p.upload_ms_per_mb, Some(0.05));
    }

    #[test]
    fn small_messages_do_not_measure_the_upload() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 50.0 + REFRESH_MS);
        // A client connecting: a few bytes, nothing to upload.
        p.message(100.0, 200);
        assert!(p.should_draw(100.0 + INGEST_QUIET_MS));
        p.drawn(100.0 + INGEST_QUIET_MS);
        p.uploaded(0.0);
        assert_eq!(
            p.upload_ms_per_mb, None,
            "uploads still taken to cost UPLOAD_PRIOR_MS_PER_MB"
        );
    }

    #[test]
    fn cheap_frames_are_not_held_back() {
        let mut p = DrawPacer::default();
        let mut t = 0.0;
        for _ in 0..100 {
            p.message(t, FRAME);
            draw(&mut p, t, REFRESH_MS);
            t += REFRESH_MS;
        }
        assert_eq!(p.deferred(), 0);
    }

    #[test]
    fn a_frame_the_gpu_finishes_late_counts_as_slow() {
        // The page's thread is free again at once (the next callback comes after one refresh),
        // but the GPU reports the frame done 400 ms after it began.
        let mut p = free_uploads();
        p.message(0.0, FRAME);
        draw(&mut p, 0.0, REFRESH_MS);
        p.gpu_done(0.0, 400.0);
        let next = (400.0 - REFRESH_MS) / INGEST_DRAW_SHARE;
        held_back(&mut p, 20.0, next - 1.0);
        p.message(next, FRAME);
        assert!(p.should_draw(next));
    }

    #[test]
    fn the_gpu_measure_may_come_before_the_next_callback() {
        let mut p = DrawPacer::default();
        p.message(0.0, FRAME);
        assert!(p.should_draw(0.0));
        p.drawn(0.0);
        p.gpu_done(0.0, 300.0);
        assert_eq!(p.gpu_frame_ms(), Some(300.0));
        p.tick(300.0 + 1.0);
        p.message(310.0, FRAME);
        assert!(!p.should_draw(320.0), "the 300 ms GPU frame holds the next one back");
    }

    #[test]
    fn a_late_report_for_an_older_frame_is_ignored() {
        let mut p = free_uploads();
        draw(&mut p, 0.0, REFRESH_MS);
        draw(&mut p, 20.0, REFRESH_MS);
        p.gpu_done(0.0, 5_000.0);
        assert_eq!(p.gpu_frame_ms(), None);
        p.message(100.0, FRAME);
        assert!(p.should_draw(101.0), "the frame drawn at 20 ms was cheap");
    }

    #[test]
    fn no_frame_is_drawn_during_a_stream_until_the_gpu_reports_the_last_one() {
        let mut p = free_uploads();
        p.message(0.0, FRAME);
        assert!(p.should_draw(0.0));
        p.drawn(0.0);
        p.awaiting_gpu(0.0);
        // The next callback comes one refresh later: by that measure the frame was cheap.
        p.tick(REFRESH_MS);
        held_back(&mut p, 20.0, 2_000.0);
        // The report: 500 ms on the GPU; the next frame then waits for its share.
        p.gpu_done(0.0, 500.0);
        let next = (500.0 - REFRESH_MS) / INGEST_DRAW_SHARE;
        held_back(&mut p, 2_000.0, next);
        p.message(next, FRAME);
        assert!(p.should_draw(next));
    }

    #[test]
    fn without_messages_a_frame_is_drawn_before_the_gpu_reports_the_last_one() {
        let mut p = DrawPacer::default();
        p.drawn(0.0);
        p.awaiting_gpu(0.0);
        p.tick(REFRESH_MS);
        assert!(p.should_draw(2.0 * REFRESH_MS));
    }

    #[test]
    fn a_stall_of_the_pages_thread_does_not_end_a_stream() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, REFRESH_MS);
        p.tick(20.0);
        p.message(30.0, FRAME);
        // The thread is held up for 600 ms: no callback, no message handled.
        p.tick(630.0);
        assert!(p.ingesting(630.0), "messages may be queued behind the callback");
        p.tick(646.0);
        assert!(p.ingesting(646.0));
        // No message came in the quiet time after the stall: the stream is over.
        p.tick(630.0 + INGEST_QUIET_MS);
        assert!(!p.ingesting(630.0 + INGEST_QUIET_MS));
    }

    #[test]
    fn a_long_gap_without_a_stream_is_not_a_stall() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, REFRESH_MS);
        p.message(20.0, FRAME);
        p.tick(100.0);
        // A hidden tab gets no callbacks for seconds; the messages ended long before.
        p.tick(5_000.0);
        assert!(!p.ingesting(5_000.0));
    }

    #[test]
    fn panels_are_refreshed_every_callback_but_only_every_so_often_during_a_stream() {
        let mut p = DrawPacer::default();
        assert!(p.refresh_panels(0.0));
        assert!(p.refresh_panels(REFRESH_MS));
        let mut refreshed = 0;
        let mut t = 100.0;
        while t < 1100.0 {
            p.message(t, FRAME);
            refreshed += usize::from(p.refresh_panels(t));
            t += REFRESH_MS;
        }
        assert_eq!(refreshed, (1000.0 / INGEST_PANELS_MS) as usize);
        // Once the stream is over, at once again.
        assert!(p.refresh_panels(t + INGEST_QUIET_MS));
        assert!(p.refresh_panels(t + INGEST_QUIET_MS + REFRESH_MS));
    }

    /// Streams one SMPL-size frame message a millisecond from `from` until `until`; returns
    /// when a frame was drawn (and draws it, its upload costing `upload_ms_per_frame` a
    /// message), if one was.
    fn stream_until_drawn(p: &mut DrawPacer, from: f64, until: f64, upload_ms_per_frame: f64) -> Option<f64> {
        let mut t = from;
        while t < until {
            p.message(t, FRAME);
            if p.should_draw(t) {
                p.drawn(t);
                let upload = covered_upload(p, upload_ms_per_frame);
                p.uploaded(upload);
                p.tick(t + upload + REFRESH_MS);
                return Some(t);
            }
            t += 1.0;
        }
        None
    }

    #[test]
    fn a_stream_whose_uploads_cost_more_than_the_share_is_not_drawn_until_it_ends() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 50.0 + REFRESH_MS);
        // Nothing measured an upload yet: each message is taken to cost its share of
        // UPLOAD_PRIOR_MS_PER_MB, about 1 ms, more than the share of the millisecond between
        // messages.
        assert_eq!(stream_until_drawn(&mut p, 100.0, 60_100.0, 1.0), None);
        // The stream ends: the frame waits for a pause of a share of what it will cost.
        let quiet = INGEST_DRAW_SHARE * (50.0 + 60_000.0 * FRAME_MB * UPLOAD_PRIOR_MS_PER_MB);
        assert!(!p.should_draw(60_099.0 + quiet - 10.0));
        // (1e-6: the same sum in another order)
        assert!(p.should_draw(60_099.0 + quiet + 1e-6));
    }

    #[test]
    fn a_measured_upload_sets_when_a_stream_is_drawn() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 50.0 + REFRESH_MS);
        // Two megabytes, then a pause: the frame drawn measures their upload, 0.12 ms a
        // megabyte (0.01 ms an SMPL-size frame).
        p.message(100.0, MEASURE_MIN_BYTES);
        p.message(101.0, MEASURE_MIN_BYTES);
        assert!(p.should_draw(101.0 + INGEST_QUIET_MS));
        p.drawn(101.0 + INGEST_QUIET_MS);
        p.uploaded(0.24);
        p.tick(101.0 + INGEST_QUIET_MS + 50.0 + REFRESH_MS);
        assert_eq!(p.upload_ms_per_mb, Some(0.12));
        // A stream of one message a millisecond is drawn when the time since the last frame
        // pays for that frame and the messages' uploads.
        let last = 101.0 + INGEST_QUIET_MS;
        let from = 500.0;
        let t = stream_until_drawn(&mut p, from, 60_000.0, 0.12 * FRAME_MB).unwrap_or(f64::NAN);
        let pending = t - from + 1.0;
        let wait = (50.0 - 0.24 + pending * FRAME_MB * 0.12) / INGEST_DRAW_SHARE;
        assert!(
            (t - from - wait).abs() <= 1.0,
            "drawn at {t}, {wait} ms after the stream began at {from}"
        );
        assert!(t > last);
    }

    #[test]
    fn one_large_message_does_not_make_later_small_ones_look_costly() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, REFRESH_MS);
        // 1,000 SMPL-size frames in one message: the frame that shows it measures 80 ms of
        // upload (its bounds; packing waits).
        p.message(100.0, 1000 * FRAME);
        let t = 100.0 + INGEST_DRAW_SHARE * 1000.0 * FRAME_MB * UPLOAD_PRIOR_MS_PER_MB + 1e-6;
        assert!(p.should_draw(t));
        p.drawn(t);
        p.uploaded(80.0);
        p.tick(t + 80.0 + REFRESH_MS);
        // Then 1,000 such frames one message each: they cost what the same bytes cost, so the
        // frame after them waits for the usual pause, not a thousand times that upload.
        for k in 0..1000 {
            p.message(1000.0 + f64::from(k), FRAME);
        }
        assert!(p.should_draw(1999.0 + INGEST_QUIET_MS));
    }

    #[test]
    fn a_slow_stream_with_cheap_uploads_is_drawn_now_and_then() {
        let mut p = free_uploads();
        draw(&mut p, 0.0, 100.0 + REFRESH_MS);
        p.uploaded(0.0);
        // A message every 20 ms, uploading 0.1 ms each: frames about every 100 / share ms.
        let mut drawn = 0;
        let mut t = 200.0;
        while t < 10_200.0 {
            p.message(t, FRAME);
            if p.should_draw(t) {
                drawn += 1;
                p.drawn(t);
                p.uploaded(covered_upload(&p, 0.1));
                p.tick(t + 100.0 + REFRESH_MS + p.upload_ms);
            }
            t += 20.0;
        }
        assert!((7..=10).contains(&drawn), "{drawn} frames in 10 s");
    }

    #[test]
    fn a_pause_with_announced_bytes_to_come_does_not_end_a_stream() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 300.0);
        // The relay writes 64 frames and has 200 more queued; 10 arrive, then a 200 ms pause.
        p.announced(1000.0, 264 * FRAME);
        for k in 0..10 {
            p.message(1000.0 + f64::from(k), FRAME);
        }
        assert!(!p.should_draw(1009.0 + 200.0));
        assert!(p.ingesting(1009.0 + ANNOUNCED_QUIET_MS - 1.0));
        // They stop coming: after ANNOUNCED_QUIET_MS the frame is drawn all the same.
        assert!(p.should_draw(1009.0 + ANNOUNCED_QUIET_MS));
    }

    #[test]
    fn once_the_announced_bytes_have_arrived_a_pause_ends_the_stream_again() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 300.0);
        p.announced(1000.0, 3 * FRAME);
        for k in 0..3 {
            p.message(1000.0 + f64::from(k), FRAME);
        }
        // A later announcement replaces the earlier one; a small write after it is not announced.
        p.announced(1100.0, 2 * FRAME);
        p.message(1101.0, 2 * FRAME);
        p.message(1102.0, 100);
        assert!(!p.should_draw(1102.0 + INGEST_QUIET_MS - 1.0));
        assert!(p.should_draw(1102.0 + INGEST_QUIET_MS));
    }

    #[test]
    fn a_new_connection_forgets_what_the_old_one_announced() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 300.0);
        p.announced(1000.0, 100 * FRAME);
        p.message(1001.0, FRAME);
        p.forget_announced();
        p.message(1300.0, 50);
        assert!(p.should_draw(1300.0 + INGEST_QUIET_MS));
    }

    #[test]
    fn the_stream_ending_releases_the_frame_at_once() {
        let mut p = DrawPacer::default();
        draw(&mut p, 0.0, 300.0);
        p.message(1010.0, FRAME);
        assert!(!p.should_draw(1020.0));
        assert!(p.should_draw(1010.0 + INGEST_QUIET_MS));
    }

    #[test]
    fn before_an_expensive_frame_a_stream_must_pause_for_a_share_of_its_cost() {
        let mut p = free_uploads();
        draw(&mut p, 0.0, 2000.0 + REFRESH_MS);
        p.message(2100.0, FRAME);
        let quiet = INGEST_DRAW_SHARE * 2000.0;
        assert!(!p.should_draw(2100.0 + INGEST_QUIET_MS));
        assert!(!p.should_draw(2100.0 + quiet - 1.0));
        assert!(p.should_draw(2100.0 + quiet));
    }
}
