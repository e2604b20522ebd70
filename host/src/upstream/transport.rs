//! Sending one admitted request: rate-limit waits, per-attempt timeouts, bounded retries
//! of idempotent requests, and reading the answer under the session's byte cap.
//!
//! GET and HEAD are retried up to `max_retries` times: after a 429 once the server's
//! wait has passed, after a 5xx, a timeout or a network failure with exponential backoff.
//! Writes are never retried: the first answer, even a 429 or a 5xx, goes to the plugin,
//! which alone knows whether repeating its write is safe. Writes never follow redirects
//! either: a 3xx answered to a write is reported as an error, so an approved write is
//! sent once, to the approved path, and the audit records the 3xx.
//!
//! One exception, for every method: an OAuth role's 401 is answered once more with a
//! renewed access token. A 401 means the upstream refused the credential before acting on
//! the request, so the write has not happened.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use time::OffsetDateTime;

use super::Gateway;
use super::auth::{Auth, CredentialKey};
use super::retry::{backoff, rate_limit_wait};
use super::write_gate::FirstWriteGate;
use crate::contract::{HttpMethod, UpstreamError, UpstreamResponse};

/// Most same-origin redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// Response headers never handed to a plugin: the upstream's session cookies stay here.
const DROPPED_RESPONSE_HEADERS: &[&str] = &["set-cookie", "set-cookie2"];

/// The redirect policy of the gateway's client for reads (writes use a client that follows
/// none): follow a redirect only within the origin
/// the request was sent to, at most [`MAX_REDIRECTS`] hops (more is a network error). A
/// redirect to another origin is not followed: the 3xx answer itself, `location` header
/// included, is returned to the plugin, and no credential ever leaves the role's origin.
pub(crate) fn redirect_policy() -> Policy {
    Policy::custom(|attempt| {
        let origin = attempt.previous().first().map(url::Url::origin);
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if origin.as_ref() != Some(&attempt.url().origin()) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// A request that passed every check, ready to go on the wire.
pub(crate) struct Outgoing {
    /// Method.
    pub(crate) method: HttpMethod,
    /// Full URL.
    pub(crate) url: url::Url,
    /// The plugin's headers and the host's (`accept`, `content-type`); the credential is
    /// added per attempt.
    pub(crate) headers: HeaderMap,
    /// JSON body text.
    pub(crate) body: Option<String>,
    /// Whose rate budget it spends.
    pub(crate) credential: CredentialKey,
    /// How to authenticate each attempt.
    pub(crate) auth: Auth,
    /// The role (for messages).
    pub(crate) role: String,
    /// Whether it may change state upstream: a write, or a read of the host's table of
    /// side-effecting reads. Such a request is sent once and never follows a redirect.
    pub(crate) write: bool,
    /// For an apply's write: the gate it must pass right before it is first sent.
    pub(crate) first_write: Option<Arc<FirstWriteGate>>,
}

/// What became of an outgoing request.
pub(crate) struct Delivery {
    /// The answer, or why there is none.
    pub(crate) result: Result<UpstreamResponse, UpstreamError>,
    /// The last HTTP status received, if any.
    pub(crate) status: Option<u16>,
    /// Times the request was sent.
    pub(crate) attempts: u32,
}

/// The byte cap of a session: how much response body it may still receive.
pub(crate) struct ByteBudget {
    /// Cap over the whole session.
    pub(crate) cap: u64,
    /// Bytes of response bodies delivered so far.
    pub(crate) used: u64,
}

/// One attempt's outcome, when it got an HTTP answer.
enum Answer {
    /// A 429 to retry after the given wait.
    RateLimited(Duration),
    /// A 5xx to retry after backoff.
    ServerError,
    /// The final answer.
    Final(UpstreamResponse),
}

impl Gateway {
    /// Sends `out`, retrying idempotent requests within the configured bounds.
    pub(crate) async fn deliver(&self, out: &Outgoing, bytes: &mut ByteBudget) -> Delivery {
        let mut attempts = 0;
        let mut status = None;
        let mut renewed = false;
        loop {
            attempts += 1;
            let may_retry = !out.write && attempts <= self.config.max_retries;
            let credential = match out.auth.headers(&out.role, out.write).await {
                Ok(credential) => credential,
                Err(why) => {
                    return Delivery {
                        result: Err(UpstreamError::Network(why)),
                        status,
                        attempts: attempts - 1,
                    };
                }
            };
            let mut headers = out.headers.clone();
            headers.extend(credential.headers.clone());
            // The slot is held until the answer has been read (or the attempt gave up).
            let permit = self.limiters.acquire(&out.credential).await;
            if let Some(gate) = &out.first_write
                && !gate.start_write()
            {
                return Delivery {
                    result: Err(UpstreamError::Denied(
                        "the apply did not start writing in time after its confirmation; \
                         nothing was sent"
                            .into(),
                    )),
                    status,
                    attempts,
                };
            }
            let answer = tokio::time::timeout(
                self.config.request_timeout,
                self.attempt(out, headers, may_retry, bytes, &mut status),
            )
            .await
            .unwrap_or(Err(UpstreamError::Timeout));
            drop(permit);
            let wait = match answer {
                Ok(Answer::Final(response))
                    if response.status == StatusCode::UNAUTHORIZED.as_u16()
                        && !renewed
                        && out.auth.refused(&credential).await =>
                {
                    tracing::debug!(path = %out.url.path(), "upstream refused the access token; renewing it once");
                    renewed = true;
                    continue;
                }
                Ok(Answer::Final(response)) => {
                    return Delivery {
                        result: Ok(response),
                        status,
                        attempts,
                    };
                }
                Ok(Answer::RateLimited(wait)) => {
                    tracing::debug!(path = %out.url.path(), ?wait, "upstream answered 429; retrying");
                    wait
                }
                Ok(Answer::ServerError) => {
                    tracing::debug!(path = %out.url.path(), ?status, "upstream answered 5xx; retrying");
                    backoff(attempts)
                }
                Err(err @ (UpstreamError::Timeout | UpstreamError::Network(_))) if may_retry => {
                    tracing::debug!(path = %out.url.path(), error = %err, "upstream unreachable; retrying");
                    backoff(attempts)
                }
                Err(err) => {
                    return Delivery {
                        result: Err(err),
                        status,
                        attempts,
                    };
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends once and reads the answer, unless it is a 429/5xx the caller will retry.
    async fn attempt(
        &self,
        out: &Outgoing,
        headers: HeaderMap,
        may_retry: bool,
        bytes: &mut ByteBudget,
        status: &mut Option<u16>,
    ) -> Result<Answer, UpstreamError> {
        let method = Method::from_bytes(out.method.as_str().as_bytes())
            .expect("HttpMethod names are valid methods");
        let client = if out.write {
            &self.write_client
        } else {
            &self.client
        };
        let mut request = client.request(method, out.url.clone()).headers(headers);
        if let Some(body) = &out.body {
            request = request.body(body.clone());
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| network_error(&out.url, &e))?;
        let code = response.status();
        *status = Some(code.as_u16());
        if out.write && code.is_redirection() {
            return Err(UpstreamError::Network(format!(
                "{} answered {} (a redirect) to a {}; ikmcp never follows redirects on \
                 writes, so it was not resent anywhere: check the path, or whether the API \
                 moved",
                out.url.origin().ascii_serialization(),
                code.as_u16(),
                out.method.as_str()
            )));
        }
        if may_retry && code == StatusCode::TOO_MANY_REQUESTS {
            return Ok(Answer::RateLimited(rate_limit_wait(
                response.headers(),
                OffsetDateTime::now_utc(),
            )));
        }
        if may_retry && code.is_server_error() {
            return Ok(Answer::ServerError);
        }
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| !DROPPED_RESPONSE_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let room = bytes.cap.saturating_sub(bytes.used);
        let too_large = UpstreamError::TooLarge(bytes.cap);
        if out.method != HttpMethod::Head && response.content_length().is_some_and(|n| n > room) {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| network_error(&out.url, &e))?
        {
            if (body.len() + chunk.len()) as u64 > room {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        bytes.used += body.len() as u64;
        let body = String::from_utf8(body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Answer::Final(UpstreamResponse {
            status: code.as_u16(),
            headers,
            body,
        }))
    }
}

/// A network failure as the plugin sees it: where, what kind, and the root cause, never
/// a header.
fn network_error(url: &url::Url, error: &reqwest::Error) -> UpstreamError {
    if error.is_timeout() {
        return UpstreamError::Timeout;
    }
    let kind = if error.is_redirect() {
        "redirect loop"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the response body could not be read"
    } else {
        "the request failed"
    };
    let mut root: &dyn std::error::Error = error;
    while let Some(source) = root.source() {
        root = source;
    }
    UpstreamError::Network(format!(
        "{} ({kind}: {root})",
        url.origin().ascii_serialization()
    ))
}
