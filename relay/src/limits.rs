//! Per-connection message rate ([`RateLimiter`], a token bucket) and the relay-wide count of
//! open WebSocket connections ([`ConnectionSlots`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A token bucket: `rate` messages per second, bursts of up to one second's worth.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A full bucket for `per_second` messages a second; `None` when `per_second` is 0
    /// (unlimited).
    pub fn new(per_second: u32) -> Option<Self> {
        (per_second > 0).then(|| Self {
            rate: f64::from(per_second),
            tokens: f64::from(per_second),
            last: Instant::now(),
        })
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        self.last = now;
    }

    /// Takes one message's token at `now`; false when the bucket is empty.
    pub fn try_take_at(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Takes one message's token now; false when the bucket is empty.
    pub fn try_take(&mut self) -> bool {
        self.try_take_at(Instant::now())
    }

    /// How long until a token is available (zero when one is).
    pub fn wait_time(&mut self) -> Duration {
        self.refill(Instant::now());
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }
}

/// The relay-wide count of open WebSocket connections (producers and viewers together).
#[derive(Debug, Clone)]
pub struct ConnectionSlots {
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One taken slot; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    open: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ConnectionSlots {
    /// At most `max` connections at once.
    pub fn new(max: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// Takes a slot, or `None` when all `max` are taken.
    pub fn try_take(&self) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max).then_some(n + 1))
            .ok()
            .map(|_| Slot {
                open: Arc::clone(&self.open),
            })
    }

    /// The limit.
    pub fn max(&self) -> usize {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let mut r = RateLimiter::new(10).unwrap();
        let t0 = r.last;
        assert!((0..10).all(|_| r.try_take_at(t0)));
        assert!(!r.try_take_at(t0));
        // 0.1 s later one more message is allowed, not two.
        let t1 = t0 + Duration::from_millis(100);
        assert!(r.try_take_at(t1));
        assert!(!r.try_take_at(t1));
        // A long pause refills at most one second's worth.
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..100).filter(|_| r.try_take_at(t2)).count(), 10);
        assert!(RateLimiter::new(0).is_none());
    }

    #[test]
    fn wait_time_says_when_the_next_token_comes() {
        let mut r = RateLimiter::new(4).unwrap();
        assert_eq!(r.wait_time(), Duration::ZERO);
        let now = Instant::now();
        while r.try_take_at(now) {}
        let w = r.wait_time();
        assert!(w > Duration::ZERO && w <= Duration::from_millis(250), "{w:?}");
    }

    #[test]
    fn slots_are_limited_and_given_back() {
        let s = ConnectionSlots::new(2);
        let a = s.try_take().unwrap();
        let b = s.try_take().unwrap();
        assert!(s.try_take().is_none());
        drop(a);
        let c = s.try_take();
        assert!(c.is_some());
        drop(b);
        drop(c);
        assert_eq!(s.open.load(Ordering::SeqCst), 0);
    }
}
