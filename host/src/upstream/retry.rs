//! How long to wait before retrying an idempotent request: the server's word after a 429,
//! exponential backoff with jitter after a 5xx or a network failure.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::macros::format_description;

/// Longest wait the gateway accepts from a 429 before retrying (a longer one is capped).
pub(crate) const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Wait after a 429 that says neither `Retry-After` nor `X-RateLimit-Reset`.
pub(crate) const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(5);
/// First backoff step after a 5xx or a network failure; doubles on each retry.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
/// Longest backoff step.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The wait a 429 asks for: `Retry-After` (seconds or HTTP-date), else
/// `X-RateLimit-Reset` (unix seconds), else [`DEFAULT_RATE_LIMIT_WAIT`]; never more than
/// [`MAX_RATE_LIMIT_WAIT`].
pub(crate) fn rate_limit_wait(headers: &HeaderMap, now: OffsetDateTime) -> Duration {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let until = |at: OffsetDateTime| {
        let secs = (at - now).as_seconds_f64().max(0.0);
        Duration::from_secs_f64(secs.min(MAX_RATE_LIMIT_WAIT.as_secs_f64()))
    };
    let retry_after = text(RETRY_AFTER.as_str()).and_then(|value| {
        if let Ok(secs) = value.parse::<u64>() {
            Some(Duration::from_secs(secs))
        } else {
            parse_http_date(value).map(until)
        }
    });
    let reset = || {
        text("x-ratelimit-reset")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|unix| OffsetDateTime::from_unix_timestamp(unix).ok())
            .map(until)
    };
    retry_after
        .or_else(reset)
        .unwrap_or(DEFAULT_RATE_LIMIT_WAIT)
        .min(MAX_RATE_LIMIT_WAIT)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP-date form servers send.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value, format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// The wait before retry number `retry` (1 for the first): 200 ms doubling up to 5 s,
/// plus up to half as much again at random, so concurrent callers do not retry in step.
pub(crate) fn backoff(retry: u32) -> Duration {
    let step = BACKOFF_BASE
        .saturating_mul(1 << retry.saturating_sub(1).min(16))
        .min(BACKOFF_MAX);
    let half = u64::try_from(step.as_millis() / 2)
        .unwrap_or(u64::MAX)
        .max(1);
    let jitter = RandomState::new().hash_one(retry) % half;
    step + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use time::macros::datetime;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

    #[test]
    fn retry_after_seconds_and_date() {
        assert_eq!(
            rate_limit_wait(&headers(&[("retry-after", "7")]), NOW),
            Duration::from_secs(7)
        );
        assert_eq!(
            rate_limit_wait(
                &headers(&[("retry-after", "Thu, 01 Jan 2026 00:00:12 GMT")]),
                NOW
            ),
            Duration::from_secs(12)
        );
        assert_eq!(
            rate_limit_wait(
                &headers(&[("retry-after", "Wed, 31 Dec 2025 23:00:00 GMT")]),
                NOW
            ),
            Duration::ZERO
        );
    }

    #[test]
    fn reset_header_then_default_then_cap() {
        let reset = NOW.unix_timestamp() + 20;
        let mut map = HeaderMap::new();
        map.insert("x-ratelimit-reset", reset.to_string().parse().unwrap());
        assert_eq!(rate_limit_wait(&map, NOW), Duration::from_secs(20));
        assert_eq!(
            rate_limit_wait(&headers(&[("retry-after", "soon")]), NOW),
            DEFAULT_RATE_LIMIT_WAIT
        );
        assert_eq!(
            rate_limit_wait(&HeaderMap::new(), NOW),
            DEFAULT_RATE_LIMIT_WAIT
        );
        assert_eq!(
            rate_limit_wait(&headers(&[("retry-after", "86400")]), NOW),
            MAX_RATE_LIMIT_WAIT
        );
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let first = backoff(1);
        assert!(first >= BACKOFF_BASE && first < BACKOFF_BASE * 2);
        let third = backoff(3);
        assert!(third >= BACKOFF_BASE * 4 && third < BACKOFF_BASE * 6);
        assert!(backoff(40) <= BACKOFF_MAX + BACKOFF_MAX / 2);
    }
}
