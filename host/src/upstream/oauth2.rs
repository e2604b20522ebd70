//! The OAuth 2.0 client credentials grant (RFC 6749 §4.4): the host trades a client id and
//! secret for an access token at the role's token endpoint, caches the token until
//! shortly before it expires, and fetches a fresh one when the upstream answers 401.
//!
//! The client secret and every access token stay in the host: the token request is
//! sent by a client of its own that follows no redirect (the secret never goes anywhere
//! but the configured endpoint), each access token is added to the gateway's redaction
//! set the moment it arrives, and the token endpoint's answer is never quoted in an error
//! beyond its standard `error` code.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::secret::{Secret, SecretSet};

/// Lifetime assumed when the token endpoint does not say (`expires_in` is optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// A cached token is renewed this long before it expires (at most a tenth of its life), so
/// a request never leaves with a token about to lapse in flight.
const RENEW_MARGIN: Duration = Duration::from_secs(30);
/// Timeout of one token request.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest token endpoint answer read.
const MAX_TOKEN_RESPONSE: usize = 64 << 10;

/// A client credentials provider for one role.
pub struct ClientCredentials {
    token_url: url::Url,
    client_id: Secret,
    client_secret: Secret,
    scope: Option<String>,
    http: reqwest::Client,
    cached: Mutex<Option<CachedToken>>,
    redact: Arc<SecretSet>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct CachedToken {
    value: Secret,
    renew_at: Instant,
}

/// The token endpoint's success answer (RFC 6749 §5.1).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The token endpoint's error answer (RFC 6749 §5.2): only the code is ever shown.
#[derive(Deserialize)]
struct TokenError {
    error: String,
}

impl ClientCredentials {
    /// A provider; `redact` receives every access token it obtains.
    pub fn new(
        token_url: url::Url,
        client_id: Secret,
        client_secret: Secret,
        scope: Option<String>,
        redact: Arc<SecretSet>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TOKEN_TIMEOUT)
            .user_agent(concat!("ikmcp/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope,
            http,
            cached: Mutex::new(None),
            redact,
        })
    }

    /// The token endpoint and client id, which identify this credential's rate budget.
    pub(crate) fn identity(&self) -> String {
        format!("{}\0{}", self.token_url, self.client_id.expose())
    }

    /// The static secrets (client id and secret), for redaction by value.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        vec![self.client_id.clone(), self.client_secret.clone()]
    }

    /// A valid access token: the cached one, or a fresh one from the token endpoint.
    /// Concurrent callers wait for one fetch rather than each making their own.
    pub async fn token(&self, role: &str) -> Result<Secret, String> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch(role).await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Forgets `used` if it is still the cached token (the upstream refused it), so the
    /// next [`Self::token`] fetches a new one; a token another request already replaced
    /// is left alone.
    pub async fn invalidate(&self, used: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| &t.value == used) {
            *cached = None;
        }
    }

    async fn fetch(&self, role: &str) -> Result<CachedToken, String> {
        let failed = |why: String| {
            format!(
                "the OAuth token endpoint of role {role} ({}) gave no access token: {why}; check \
                 the client id and secret configured for roles.{role}.auth",
                self.token_url.origin().ascii_serialization()
            )
        };
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if let Some(scope) = &self.scope {
                form.append_pair("scope", scope);
            }
            form.finish()
        };
        let response = self
            .http
            .post(self.token_url.clone())
            .basic_auth(self.client_id.expose(), Some(self.client_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| {
                failed(if e.is_timeout() {
                    "the request timed out".to_owned()
                } else {
                    "the endpoint could not be reached".to_owned()
                })
            })?;
        let status = response.status();
        let body = read_capped(response)
            .await
            .map_err(|why| failed(why.to_owned()))?;
        if !status.is_success() {
            let code = serde_json::from_slice::<TokenError>(&body)
                .ok()
                .map(|e| e.error)
                .filter(|c| c.len() <= 64 && c.chars().all(|c| c.is_ascii_graphic()))
                .map(|c| format!(", error {c}"))
                .unwrap_or_default();
            return Err(failed(format!(
                "it answered HTTP {}{code}",
                status.as_u16()
            )));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| failed("its answer is not a token response".to_owned()))?;
        if answer.access_token.is_empty()
            || reqwest::header::HeaderValue::from_str(&answer.access_token).is_err()
        {
            return Err(failed(
                "the access token is empty or not a header value".to_owned(),
            ));
        }
        if let Some(kind) = &answer.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(failed(format!(
                "the token type is {:?}, and only bearer tokens are supported",
                kind.chars().take(32).collect::<String>()
            )));
        }
        let value = Secret::new(answer.access_token);
        self.redact.add(value.clone());
        let lifetime = answer
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let margin = RENEW_MARGIN.min(lifetime / 10);
        Ok(CachedToken {
            value,
            renew_at: Instant::now() + lifetime - margin,
        })
    }
}

/// The body of a token answer, up to [`MAX_TOKEN_RESPONSE`] bytes.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, &'static str> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| "its answer could not be read")?
    {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
            return Err("its answer is too large");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
