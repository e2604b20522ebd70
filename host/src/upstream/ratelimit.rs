//! One request budget per credential, shared by every role and session that uses it.
//!
//! Infomaniak counts requests per token (60 per minute, every route together), so the
//! limiter is keyed by the credential, not by the role or the plugin: two roles sharing a
//! token share a budget, two tokens are independent. Requests wait in line for their turn
//! rather than fail.

use std::collections::HashMap;
use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::auth::CredentialKey;

/// The burst the gateway allows when the configuration does not set one:
/// `max(1, rpm - rpm/12)`, 55 for 60.
///
/// The real API (and the simulator) behave like a token bucket holding `rpm` requests. Our
/// own bucket refills at the same rate but starts, and stays, a few requests below theirs,
/// so clock skew and network jitter between the two buckets can never make us send a
/// request theirs has no room for: we pace ourselves before they would answer 429.
pub(crate) fn default_burst(requests_per_minute: u32) -> u32 {
    (requests_per_minute - requests_per_minute / 12).max(1)
}

/// The rate limiters, one per configured credential.
pub(crate) struct Limiters {
    by_credential: HashMap<CredentialKey, DefaultDirectRateLimiter>,
}

impl Limiters {
    /// One limiter per distinct credential, at `requests_per_minute` with `burst`
    /// (`None` or 0 = [`default_burst`]); `requests_per_minute == 0` means unlimited.
    pub(crate) fn new(
        requests_per_minute: u32,
        burst: Option<u32>,
        credentials: impl IntoIterator<Item = CredentialKey>,
    ) -> Self {
        let Some(rate) = NonZeroU32::new(requests_per_minute) else {
            return Limiters {
                by_credential: HashMap::new(),
            };
        };
        let burst = burst
            .and_then(NonZeroU32::new)
            .or_else(|| NonZeroU32::new(default_burst(requests_per_minute)))
            .unwrap_or(rate);
        let quota = Quota::per_minute(rate).allow_burst(burst);
        let by_credential = credentials
            .into_iter()
            .map(|key| (key, RateLimiter::direct(quota)))
            .collect();
        Limiters { by_credential }
    }

    /// Waits until the credential may send one more request (at once when unlimited).
    pub(crate) async fn wait(&self, credential: &CredentialKey) {
        if let Some(limiter) = self.by_credential.get(credential) {
            limiter.until_ready().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn default_burst_stays_below_the_upstream_bucket() {
        assert_eq!(default_burst(60), 55);
        assert_eq!(default_burst(120), 110);
        assert_eq!(default_burst(1), 1);
        assert_eq!(default_burst(11), 11);
        assert_eq!(default_burst(12), 11);
    }

    #[tokio::test]
    async fn paces_after_the_burst() {
        // 600/min = one every 100 ms after a burst of 2: 5 requests need >= 300 ms.
        let limiters = Limiters::new(600, Some(2), [[1; 32]]);
        let start = Instant::now();
        for _ in 0..5 {
            limiters.wait(&[1; 32]).await;
        }
        assert!(start.elapsed() >= Duration::from_millis(280));
    }

    #[tokio::test]
    async fn credentials_are_independent_and_zero_is_unlimited() {
        let limiters = Limiters::new(60, Some(1), [[1; 32], [2; 32]]);
        let start = Instant::now();
        limiters.wait(&[1; 32]).await;
        limiters.wait(&[2; 32]).await;
        assert!(start.elapsed() < Duration::from_millis(500));

        let unlimited = Limiters::new(0, None, [[1; 32]]);
        let start = Instant::now();
        for _ in 0..1000 {
            unlimited.wait(&[1; 32]).await;
        }
        assert!(start.elapsed() < Duration::from_millis(500));
    }
}
