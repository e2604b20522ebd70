//! Per-credential token buckets: capacity = limit, continuous refill of limit per period.
//!
//! The host paces itself with a GCRA limiter of the same rate, so the two agree on when a
//! request is allowed. An empty bucket answers 429 with `Retry-After` and `X-RateLimit-*`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Outcome of one [`RateLimiter::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Allowed; `remaining` whole tokens left.
    Allow {
        /// Whole tokens left after this request.
        remaining: u32,
    },
    /// Refused; a token will be available in `retry_after`.
    Deny {
        /// Time until the next token.
        retry_after: Duration,
    },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by credential label.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    period: Duration,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// `limit` requests per `period` (Infomaniak: 60 per minute).
    pub fn new(limit: u32, period: Duration) -> Self {
        RateLimiter {
            limit,
            period,
            buckets: HashMap::new(),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes one token from `key`'s bucket if there is one.
    pub fn check(&mut self, key: &str, now: Instant) -> Decision {
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

    /// Forgets every bucket (control-plane reset).
    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_then_deny_then_refill() {
        let mut rl = RateLimiter::new(60, Duration::from_secs(60));
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
