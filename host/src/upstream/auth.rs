//! Auth providers: which headers carry a role's credential, which budget it shares, and
//! (for OAuth) how a refused access token is renewed.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue};
use sha2::{Digest, Sha256};

use super::oauth2::ClientCredentials;
use crate::secret::Secret;

/// Header the manager expects on non-GET requests (the URL-decoded XSRF cookie value).
const XSRF_HEADER: &str = "x-xsrf-token";

/// Identifies a credential without holding its value: the rate limiter is keyed by it, so
/// two roles sharing one token share one budget.
pub(crate) type CredentialKey = [u8; 32];

/// How the host authenticates to one upstream role.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credential (a public API).
    Anonymous,
    /// `Authorization: Bearer <token>` (the public Infomaniak API).
    Bearer(Secret),
    /// Manager session: `Cookie: SASESSION=<session>` and `X-XSRF-TOKEN` on non-GET.
    ManagerSession {
        /// The SASESSION cookie value.
        session: Secret,
        /// The URL-decoded MANAGER-XSRF-TOKEN value.
        xsrf: Secret,
    },
    /// An API key in a header of the operator's choosing.
    ApiKeyHeader {
        /// The header (lower case).
        header: HeaderName,
        /// The key.
        value: Secret,
    },
    /// OAuth 2.0 client credentials: a bearer access token fetched and renewed by the host.
    OAuth2(Arc<ClientCredentials>),
}

/// The credential headers of one attempt, and the OAuth access token they carry (so a 401
/// can renew exactly that token).
pub(crate) struct Credential {
    /// Headers to add to the request.
    pub(crate) headers: HeaderMap,
    /// The access token used, for [`Auth::refused`].
    pub(crate) access_token: Option<Secret>,
}

impl Auth {
    /// The value that identifies this credential for rate limiting, hashed: the token or
    /// the manager session cookie (so roles sharing one share a budget), the token endpoint
    /// and client id for OAuth, the role itself when there is no credential.
    pub(crate) fn key(&self, role: &str) -> CredentialKey {
        let identity = match self {
            Auth::Anonymous => format!("anonymous\0{role}"),
            Auth::Bearer(token) => token.expose().to_owned(),
            Auth::ManagerSession { session, .. } => session.expose().to_owned(),
            Auth::ApiKeyHeader { value, .. } => value.expose().to_owned(),
            Auth::OAuth2(provider) => format!("oauth2\0{}", provider.identity()),
        };
        Sha256::digest(identity.as_bytes()).into()
    }

    /// Every secret value this credential holds now (OAuth access tokens are added to the
    /// gateway's set as they arrive).
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        match self {
            Auth::Anonymous => vec![],
            Auth::Bearer(token) => vec![token.clone()],
            Auth::ManagerSession { session, xsrf } => vec![session.clone(), xsrf.clone()],
            Auth::ApiKeyHeader { value, .. } => vec![value.clone()],
            Auth::OAuth2(provider) => provider.secrets(),
        }
    }

    /// The credential headers for one attempt; `write` says whether the method is not
    /// GET/HEAD (the manager wants its XSRF token then). The values are marked sensitive
    /// so no HTTP-layer debug output shows them. The error never holds a secret.
    pub(crate) async fn headers(&self, role: &str, write: bool) -> Result<Credential, String> {
        let invalid = || {
            format!(
                "the credential configured for role {role} contains characters that cannot be \
                 sent in an HTTP header; set it again (see roles.{role}.auth)"
            )
        };
        let sensitive = |text: &str| {
            HeaderValue::from_str(text)
                .map(|mut value| {
                    value.set_sensitive(true);
                    value
                })
                .map_err(|_| invalid())
        };
        let mut headers = HeaderMap::new();
        let mut access_token = None;
        match self {
            Auth::Anonymous => {}
            Auth::Bearer(token) => {
                headers.insert(
                    AUTHORIZATION,
                    sensitive(&format!("Bearer {}", token.expose()))?,
                );
            }
            Auth::ManagerSession { session, xsrf } => {
                headers.insert(
                    COOKIE,
                    sensitive(&format!("SASESSION={}", session.expose()))?,
                );
                if write {
                    headers.insert(
                        HeaderName::from_static(XSRF_HEADER),
                        sensitive(xsrf.expose())?,
                    );
                }
            }
            Auth::ApiKeyHeader { header, value } => {
                headers.insert(header.clone(), sensitive(value.expose())?);
            }
            Auth::OAuth2(provider) => {
                let token = provider.token(role).await?;
                headers.insert(
                    AUTHORIZATION,
                    sensitive(&format!("Bearer {}", token.expose()))?,
                );
                access_token = Some(token);
            }
        }
        Ok(Credential {
            headers,
            access_token,
        })
    }

    /// The upstream answered 401 to `credential`: returns whether a renewed credential is
    /// worth one more attempt (OAuth: the refused access token is dropped from the cache).
    /// A 401 means the request was refused before it was acted on, so sending it again,
    /// once, with a fresh token is safe for writes too.
    pub(crate) async fn refused(&self, credential: &Credential) -> bool {
        match (self, &credential.access_token) {
            (Auth::OAuth2(provider), Some(used)) => {
                provider.invalidate(used).await;
                true
            }
            _ => false,
        }
    }

    /// Whether `response` says the upstream no longer accepts this credential, and how
    /// (for the operator's message). Only the manager session is judged: its expiry is
    /// answered with the manager's HTML login page and status 200 (after same-origin
    /// redirects), 401, or 419 for a stale XSRF token (infomaniak-api.md §2.3). Its API
    /// answers JSON, so any HTML answer is the login page, never data.
    pub(crate) fn no_longer_accepted(
        &self,
        response: &crate::contract::UpstreamResponse,
    ) -> Option<&'static str> {
        if !matches!(self, Auth::ManagerSession { .. }) {
            return None;
        }
        match response.status {
            401 => return Some("the manager answered 401: the session has expired"),
            419 => {
                return Some("the manager answered 419: the XSRF token does not match the session");
            }
            _ => {}
        }
        let html_type = response.headers.iter().any(|(name, value)| {
            name == "content-type" && value.to_ascii_lowercase().contains("text/html")
        });
        let head: String = response.body.trim_start().chars().take(14).collect();
        let head = head.to_ascii_lowercase();
        let html_body = head.starts_with("<!doctype html") || head.starts_with("<html");
        (html_type || html_body)
            .then_some("the manager answered its HTML login page: the session has expired")
    }

    /// The header names this credential sets, which plugins may never set themselves.
    pub(crate) fn header_names(&self) -> Vec<HeaderName> {
        match self {
            Auth::Anonymous => vec![],
            Auth::Bearer(_) | Auth::OAuth2(_) => vec![AUTHORIZATION],
            Auth::ManagerSession { .. } => vec![COOKIE, HeaderName::from_static(XSRF_HEADER)],
            Auth::ApiKeyHeader { header, .. } => vec![header.clone()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bearer_sets_authorization_only() {
        let cred = Auth::Bearer(Secret::new("tok"))
            .headers("infomaniak-api", true)
            .await
            .unwrap();
        assert_eq!(cred.headers[AUTHORIZATION], "Bearer tok");
        assert!(cred.headers[AUTHORIZATION].is_sensitive());
        assert_eq!(cred.headers.len(), 1);
        assert!(cred.access_token.is_none());
    }

    #[tokio::test]
    async fn manager_sends_xsrf_only_on_writes() {
        let auth = Auth::ManagerSession {
            session: Secret::new("sess"),
            xsrf: Secret::new("xs"),
        };
        let read = auth.headers("infomaniak-manager", false).await.unwrap();
        assert_eq!(read.headers[COOKIE], "SASESSION=sess");
        assert!(read.headers.get(XSRF_HEADER).is_none());
        let write = auth.headers("infomaniak-manager", true).await.unwrap();
        assert_eq!(write.headers[XSRF_HEADER], "xs");
    }

    #[tokio::test]
    async fn api_keys_go_in_their_header_and_anonymous_sends_nothing() {
        let auth = Auth::ApiKeyHeader {
            header: HeaderName::from_static("x-api-key"),
            value: Secret::new("k-1"),
        };
        let cred = auth.headers("acme", false).await.unwrap();
        assert_eq!(cred.headers["x-api-key"], "k-1");
        assert!(cred.headers["x-api-key"].is_sensitive());
        assert_eq!(auth.header_names(), [HeaderName::from_static("x-api-key")]);
        let none = Auth::Anonymous.headers("public", true).await.unwrap();
        assert!(none.headers.is_empty());
        assert!(!Auth::Anonymous.refused(&none).await, "nothing to renew");
    }

    #[tokio::test]
    async fn invalid_credential_error_does_not_show_it() {
        let err = Auth::Bearer(Secret::new("bad\nsecret-value"))
            .headers("infomaniak-api", false)
            .await
            .err()
            .unwrap();
        assert!(!err.contains("secret-value"));
        assert!(err.contains("roles.infomaniak-api.auth"));
    }

    fn answer(status: u16, content_type: &str, body: &str) -> crate::contract::UpstreamResponse {
        crate::contract::UpstreamResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    #[test]
    fn an_expired_manager_session_is_told_from_its_answer() {
        let manager = Auth::ManagerSession {
            session: Secret::new("s"),
            xsrf: Secret::new("x"),
        };
        let json = "application/json";
        let page = "<!DOCTYPE html><html><form action=login></form></html>";
        let login = manager.no_longer_accepted(&answer(200, "text/html; charset=UTF-8", page));
        assert!(login.unwrap().contains("login page"));
        assert!(
            manager
                .no_longer_accepted(&answer(200, "application/octet-stream", "\n <HTML>"))
                .is_some(),
            "an HTML body under another type is the page too"
        );
        assert!(
            manager
                .no_longer_accepted(&answer(419, json, "{}"))
                .unwrap()
                .contains("XSRF")
        );
        assert!(
            manager
                .no_longer_accepted(&answer(401, json, "{}"))
                .unwrap()
                .contains("401")
        );
        for ok in [
            answer(200, json, r#"{"result":"success","data":"<html>"}"#),
            answer(404, json, r#"{"result":"error"}"#),
            answer(403, json, r#"{"result":"error"}"#),
        ] {
            assert_eq!(manager.no_longer_accepted(&ok), None, "{ok:?}");
        }
        let bearer = Auth::Bearer(Secret::new("t"));
        assert_eq!(
            bearer.no_longer_accepted(&answer(200, "text/html", page)),
            None
        );
        assert_eq!(bearer.no_longer_accepted(&answer(401, json, "{}")), None);
    }

    #[test]
    fn keys_depend_on_the_value_only() {
        let a = Auth::Bearer(Secret::new("same"));
        let b = Auth::ManagerSession {
            session: Secret::new("same"),
            xsrf: Secret::new("x"),
        };
        assert_eq!(a.key("r1"), b.key("r2"));
        assert_ne!(a.key("r"), Auth::Bearer(Secret::new("other")).key("r"));
        assert_ne!(Auth::Anonymous.key("a"), Auth::Anonymous.key("b"));
    }
}
