//! Credentials: which headers carry them, which budget they share, and what to tell an
//! operator who has not configured one.

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue};
use sha2::{Digest, Sha256};

use super::Auth;
use crate::secret::Secret;

/// Header the manager expects on non-GET requests (the URL-decoded XSRF cookie value).
const XSRF_HEADER: &str = "x-xsrf-token";

/// Identifies a credential without holding its value: the rate limiter is keyed by it, so
/// two roles sharing one token share one budget.
pub(crate) type CredentialKey = [u8; 32];

impl Auth {
    /// The value that identifies this credential for rate limiting (the token, or the
    /// manager session cookie), hashed.
    pub(crate) fn key(&self) -> CredentialKey {
        let value = match self {
            Auth::Bearer(token) => token,
            Auth::ManagerSession { session, .. } => session,
        };
        Sha256::digest(value.expose().as_bytes()).into()
    }

    /// Every secret value this credential holds.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        match self {
            Auth::Bearer(token) => vec![token.clone()],
            Auth::ManagerSession { session, xsrf } => vec![session.clone(), xsrf.clone()],
        }
    }

    /// Adds the credential headers for a request; `write` says whether the method is
    /// not GET/HEAD (the manager wants its XSRF token then). The values are marked
    /// sensitive so no HTTP-layer debug output shows them.
    pub(crate) fn inject(
        &self,
        role: &str,
        write: bool,
        headers: &mut HeaderMap,
    ) -> Result<(), String> {
        let invalid = || {
            format!(
                "the credential configured for role {role} contains characters that cannot be \
                 sent in an HTTP header; set it again (see {})",
                credential_env_vars(role).join(", ")
            )
        };
        let sensitive = |text: String| {
            HeaderValue::from_str(&text)
                .map(|mut value| {
                    value.set_sensitive(true);
                    value
                })
                .map_err(|_| invalid())
        };
        match self {
            Auth::Bearer(token) => {
                headers.insert(
                    AUTHORIZATION,
                    sensitive(format!("Bearer {}", token.expose()))?,
                );
            }
            Auth::ManagerSession { session, xsrf } => {
                headers.insert(
                    COOKIE,
                    sensitive(format!("SASESSION={}", session.expose()))?,
                );
                if write {
                    headers.insert(
                        HeaderName::from_static(XSRF_HEADER),
                        sensitive(xsrf.expose().to_owned())?,
                    );
                }
            }
        }
        Ok(())
    }
}

/// The environment variables an operator sets to give `role` a credential, following the
/// one pattern of the configuration (see [`crate::config::role_env_prefix`]): a token for
/// most roles; for the manager role, the session cookie and its XSRF token, under the
/// names the existing Infomaniak MCP servers use.
pub fn credential_env_vars(role: &str) -> Vec<String> {
    if role == crate::config::MANAGER_ROLE {
        return vec![
            crate::config::MANAGER_SESSION_VAR.to_string(),
            crate::config::MANAGER_XSRF_VAR.to_string(),
        ];
    }
    vec![format!("{}_TOKEN", crate::config::role_env_prefix(role))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_vars_follow_the_role_name() {
        assert_eq!(
            credential_env_vars("infomaniak-api"),
            ["INFOMANIAK_API_TOKEN"]
        );
        assert_eq!(
            credential_env_vars("infomaniak-manager"),
            ["INFOMANIAK_SASESSION", "INFOMANIAK_XSRF_TOKEN"]
        );
        assert_eq!(credential_env_vars("kchat"), ["INFOMANIAK_KCHAT_TOKEN"]);
    }

    #[test]
    fn bearer_sets_authorization_only() {
        let mut headers = HeaderMap::new();
        Auth::Bearer(Secret::new("tok"))
            .inject("infomaniak-api", true, &mut headers)
            .unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer tok");
        assert!(headers[AUTHORIZATION].is_sensitive());
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn manager_sends_xsrf_only_on_writes() {
        let auth = Auth::ManagerSession {
            session: Secret::new("sess"),
            xsrf: Secret::new("xs"),
        };
        let mut read = HeaderMap::new();
        auth.inject("infomaniak-manager", false, &mut read).unwrap();
        assert_eq!(read[COOKIE], "SASESSION=sess");
        assert!(read.get(XSRF_HEADER).is_none());
        let mut write = HeaderMap::new();
        auth.inject("infomaniak-manager", true, &mut write).unwrap();
        assert_eq!(write[XSRF_HEADER], "xs");
    }

    #[test]
    fn invalid_credential_error_does_not_show_it() {
        let mut headers = HeaderMap::new();
        let err = Auth::Bearer(Secret::new("bad\nsecret-value"))
            .inject("infomaniak-api", false, &mut headers)
            .unwrap_err();
        assert!(!err.contains("secret-value"));
        assert!(err.contains("INFOMANIAK_API_TOKEN"));
    }

    #[test]
    fn keys_depend_on_the_value_only() {
        let a = Auth::Bearer(Secret::new("same"));
        let b = Auth::ManagerSession {
            session: Secret::new("same"),
            xsrf: Secret::new("x"),
        };
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), Auth::Bearer(Secret::new("other")).key());
    }
}
