//! The connection to the relay as the viewer state records it, and the viewer's counters.

/// The state of the connection to the relay.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    /// Opening the WebSocket (attempt number, from 1).
    Connecting {
        /// Which attempt since the last successful connection.
        attempt: u32,
    },
    /// The relay said hello.
    Connected,
    /// Waiting before the next attempt.
    Reconnecting {
        /// When the next attempt starts (`performance.now()` milliseconds).
        at_ms: f64,
        /// Why the last connection ended.
        reason: String,
    },
    /// Showing a recording opened in the page: no relay connection.
    Recording {
        /// The file's name (or URL).
        name: String,
    },
}

impl ConnState {
    /// The page's `data-connection` value.
    pub fn name(&self) -> &'static str {
        match self {
            ConnState::Connecting { .. } => "connecting",
            ConnState::Connected => "connected",
            ConnState::Reconnecting { .. } => "reconnecting",
            ConnState::Recording { .. } => "recording",
        }
    }
}

/// Frame timing and counters, for the FPS display, the page state and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Frames rendered and presented since the page loaded.
    pub frames_rendered: u64,
    /// CPU milliseconds spent in the last frame callback that rendered.
    pub cpu_ms_last: f64,
    /// Sum of CPU milliseconds over the frames counted in `cpu_frames` (reset by scripts).
    pub cpu_ms_sum: f64,
    /// Number of rendered frames summed in `cpu_ms_sum`.
    pub cpu_frames: u64,
    /// Presented frames per second over the last second.
    pub fps: f64,
    /// Start of the current FPS window (ms) and frames in it.
    pub fps_window: (f64, u64),
    /// Relay messages applied.
    pub messages: u64,
    /// Relay messages rejected (could not be decoded or applied).
    pub rejected: u64,
    /// Bytes received from the relay.
    pub bytes_received: u64,
    /// Bytes of heap made ready for messages the relay announced ([`super::heap::warm`]).
    pub bytes_warmed: u64,
    /// Milliseconds spent decoding relay messages (MessagePack to relay messages).
    pub decode_ms: f64,
    /// Milliseconds spent applying them to the scene (validation included).
    pub apply_ms: f64,
    /// `performance.now()` when a relay message last changed the scene (created, replaced,
    /// updated or deleted a node, or added frames), once it was applied.
    pub scene_changed_at_ms: Option<f64>,
    /// `performance.now()` (ms since navigation start) when the first frame was presented.
    pub first_frame_ms: Option<f64>,
}

impl Stats {
    /// Counts one frame callback that ended at `end_ms` after `cpu_ms` of work; `presented`
    /// when it rendered a frame. Returns true for the first presented frame.
    pub fn frame_done(&mut self, presented: bool, cpu_ms: f64, end_ms: f64) -> bool {
        let mut first = false;
        if presented {
            self.frames_rendered += 1;
            self.cpu_ms_last = cpu_ms;
            self.cpu_ms_sum += cpu_ms;
            self.cpu_frames += 1;
            self.fps_window.1 += 1;
            if self.first_frame_ms.is_none() {
                self.first_frame_ms = Some(end_ms);
                first = true;
            }
        }
        let window_ms = end_ms - self.fps_window.0;
        if window_ms >= 1000.0 {
            self.fps = self.fps_window.1 as f64 * 1000.0 / window_ms;
            self.fps_window = (end_ms, 0);
        }
        first
    }

    /// The mean CPU milliseconds per rendered frame since the last reset (0 before any).
    pub fn cpu_ms_avg(&self) -> f64 {
        if self.cpu_frames > 0 {
            self.cpu_ms_sum / self.cpu_frames as f64
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_counters_and_fps_window() {
        let mut s = Stats::default();
        assert!(s.frame_done(true, 2.0, 100.0));
        assert!(!s.frame_done(true, 4.0, 500.0));
        assert!(!s.frame_done(false, 9.0, 600.0));
        assert_eq!((s.frames_rendered, s.cpu_frames), (2, 2));
        assert_eq!(s.cpu_ms_avg(), 3.0);
        assert_eq!(s.first_frame_ms, Some(100.0));
        s.frame_done(true, 1.0, 1000.0);
        assert_eq!(s.fps, 3.0);
        assert_eq!(s.fps_window, (1000.0, 0));
    }
}
