//! Per-credential rate limits, in one of two modes:
//!
//! - [`RateLimitMode::SlidingWindow`] (the default): at most `limit` requests in **any**
//!   rolling `period`; the `limit + 1`-th request within a period answers 429. This is the
//!   strict reading of Infomaniak's "60 requests per minute", so a host that bursts (say 55
//!   at once, then one per second) is caught.
//! - [`RateLimitMode::TokenBucket`]: capacity = limit, continuous refill of `limit` per
//!   period (allows about `2 × limit` in the first period).
//!
//! A refused request is not counted. A refusal answers 429 with `Retry-After` and
//! `X-RateLimit-*`, saying when the next request will be allowed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How the limit is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RateLimitMode {
    /// At most `limit` requests in any rolling period.
    #[default]
    SlidingWindow,
    /// A bucket of `limit` tokens refilled continuously over the period.
    TokenBucket,
}

/// Outcome of one [`RateLimiter::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Allowed; `remaining` whole requests left.
    Allow {
        /// Requests left after this one (in the current window, or whole tokens).
        remaining: u32,
    },
    /// Refused; the next request will be allowed in `retry_after`.
    Deny {
        /// Time until the next request is allowed.
        retry_after: Duration,
    },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Rate limits keyed by credential label.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    period: Duration,
    mode: RateLimitMode,
    buckets: HashMap<String, Bucket>,
    windows: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// `limit` requests per `period` (Infomaniak: 60 per minute), sliding-window mode.
    pub fn new(limit: u32, period: Duration) -> Self {
        Self::with_mode(limit, period, RateLimitMode::default())
    }

    /// `limit` requests per `period`, counted as `mode` says.
    pub fn with_mode(limit: u32, period: Duration, mode: RateLimitMode) -> Self {
        RateLimiter {
            limit,
            period,
            mode,
            buckets: HashMap::new(),
            windows: HashMap::new(),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Counts one request from `key` at `now` if the limit allows it.
    pub fn check(&mut self, key: &str, now: Instant) -> Decision {
        match self.mode {
            RateLimitMode::SlidingWindow => self.check_window(key, now),
            RateLimitMode::TokenBucket => self.check_bucket(key, now),
        }
    }

    fn check_window(&mut self, key: &str, now: Instant) -> Decision {
        let period = self.period;
        let log = self.windows.entry(key.to_string()).or_default();
        while log
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= period)
        {
            log.pop_front();
        }
        let limit = self.limit as usize;
        if log.len() < limit {
            log.push_back(now);
            Decision::Allow {
                remaining: (limit - log.len()) as u32,
            }
        } else {
            let oldest = log.front().copied().unwrap_or(now);
            Decision::Deny {
                retry_after: (oldest + period).saturating_duration_since(now),
            }
        }
    }

    fn check_bucket(&mut self, key: &str, now: Instant) -> Decision {
        let capacity = f64::from(self.limit);
        let rate = capacity / self.period.as_secs_f64();
        let b = self.buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Decision::Allow {
                remaining: b.tokens.floor() as u32,
            }
        } else {
            Decision::Deny {
                retry_after: Duration::from_secs_f64((1.0 - b.tokens) / rate),
            }
        }
    }

    /// Forgets every bucket and window (control-plane reset).
    pub fn clear(&mut self) {
        self.buckets.clear();
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn sliding_window_refuses_the_61st_in_any_minute() {
        let mut rl = RateLimiter::new(60, MINUTE);
        let t0 = Instant::now();
        for i in 0..60 {
            assert_eq!(rl.check("a", t0), Decision::Allow { remaining: 59 - i });
        }
        let Decision::Deny { retry_after } = rl.check("a", t0 + Duration::from_secs(30)) else {
            panic!("the 61st request within a minute must be refused")
        };
        assert_eq!(retry_after, Duration::from_secs(30));
        assert!(matches!(rl.check("b", t0), Decision::Allow { .. }));
        assert!(matches!(rl.check("a", t0 + MINUTE), Decision::Allow { .. }));
    }

    #[test]
    fn sliding_window_catches_a_burst_then_one_per_second() {
        // The host behaviour issue 9 describes: 55 at once, then one per second. A token
        // bucket lets it through; a sliding window refuses the 61st within the minute.
        let t0 = Instant::now();
        let burst_then_paced = (0..55)
            .map(|_| t0)
            .chain((1..=60).map(|s| t0 + Duration::from_secs(s)));
        let refused = |mode| {
            let mut rl = RateLimiter::with_mode(60, MINUTE, mode);
            burst_then_paced
                .clone()
                .filter(|&at| matches!(rl.check("a", at), Decision::Deny { .. }))
                .count()
        };
        assert_eq!(refused(RateLimitMode::TokenBucket), 0);
        assert!(refused(RateLimitMode::SlidingWindow) > 0);
    }

    #[test]
    fn sliding_window_counts_every_window_and_not_refusals() {
        let mut rl = RateLimiter::new(2, MINUTE);
        let t0 = Instant::now();
        let at = |s| t0 + Duration::from_secs(s);
        assert!(matches!(rl.check("a", at(0)), Decision::Allow { .. }));
        assert!(matches!(rl.check("a", at(50)), Decision::Allow { .. }));
        assert_eq!(
            rl.check("a", at(55)),
            Decision::Deny {
                retry_after: Duration::from_secs(5)
            }
        );
        assert!(matches!(rl.check("a", at(60)), Decision::Allow { .. }));
        // 50 s and 60 s are both within the window ending at 100 s.
        assert_eq!(
            rl.check("a", at(100)),
            Decision::Deny {
                retry_after: Duration::from_secs(10)
            }
        );
        rl.clear();
        assert!(matches!(rl.check("a", at(100)), Decision::Allow { .. }));
    }

    #[test]
    fn token_bucket_capacity_then_deny_then_refill() {
        let mut rl = RateLimiter::with_mode(60, MINUTE, RateLimitMode::TokenBucket);
        let t0 = Instant::now();
        for i in 0..60 {
            assert_eq!(rl.check("a", t0), Decision::Allow { remaining: 59 - i });
        }
        let Decision::Deny { retry_after } = rl.check("a", t0) else {
            panic!("61st request must be refused")
        };
        assert!((retry_after.as_secs_f64() - 1.0).abs() < 1e-6);
        assert!(
            matches!(rl.check("b", t0), Decision::Allow { .. }),
            "buckets are per key"
        );
        assert!(matches!(
            rl.check("a", t0 + Duration::from_millis(1001)),
            Decision::Allow { .. }
        ));
    }
}
