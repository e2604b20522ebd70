//! Who is calling: Bearer tokens with scopes and account access, and the manager session.
//!
//! Tokens are derived from the seed so a given seed always yields the same credentials. Which
//! scope a route needs is decided here from its method and path ([`required_scope`]).

use sha2::{Digest, Sha256};

/// The scope a full token holds: everything.
pub const ALL_SCOPES: &str = "*";

/// One configured API token.
#[derive(Clone, PartialEq)]
pub struct TokenSpec {
    /// Short label (`full`, `second`, `dns_read`); used as the rate-limit bucket key.
    pub label: &'static str,
    /// The secret Bearer value.
    pub secret: String,
    /// Granted scopes ([`ALL_SCOPES`] = all).
    pub scopes: Vec<String>,
    /// Accounts this token may see; `None` = every account.
    pub accounts: Option<Vec<u64>>,
}

// Debug output never shows secrets, only their fingerprints.
impl std::fmt::Debug for TokenSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSpec")
            .field("label", &self.label)
            .field("secret", &fingerprint(&self.secret))
            .field("scopes", &self.scopes)
            .field("accounts", &self.accounts)
            .finish()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("tokens", &self.tokens)
            .field("sasession", &fingerprint(&self.sasession))
            .field("xsrf", &fingerprint(&self.xsrf))
            .finish()
    }
}

impl TokenSpec {
    /// Whether the token holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == ALL_SCOPES || s == scope)
    }
}

/// The identity a request was authenticated as, made available to handlers.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Token label, or `manager` for a manager session.
    pub label: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Visible accounts; `None` = all.
    pub accounts: Option<Vec<u64>>,
}

impl Caller {
    /// Whether this caller may see `account_id`.
    pub fn can_access(&self, account_id: u64) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|list| list.contains(&account_id))
    }
}

/// The credential set of one simulator instance.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    /// Bearer tokens.
    pub tokens: Vec<TokenSpec>,
    /// Manager `SASESSION` cookie value.
    pub sasession: String,
    /// Manager XSRF token (the value of `X-XSRF-TOKEN` on writes).
    pub xsrf: String,
    /// A kChat bot token (accepted by kChat only, infomaniak-api.md §2.2).
    pub kchat_bot: String,
}

impl Credentials {
    /// Derives the credentials from the seed.
    pub fn from_seed(seed: u64) -> Self {
        let secret = |label: &str| -> String {
            let h = Sha256::digest(format!("ikmcp-sim:{seed}:{label}"));
            format!("sbx_{label}_{}", hex::encode(&h[..24]))
        };
        Credentials {
            tokens: vec![
                TokenSpec {
                    label: "full",
                    secret: secret("full"),
                    scopes: vec![ALL_SCOPES.into()],
                    accounts: None,
                },
                TokenSpec {
                    label: "second",
                    secret: secret("second"),
                    scopes: vec![ALL_SCOPES.into()],
                    accounts: None,
                },
                TokenSpec {
                    label: "dns_read",
                    secret: secret("dnsread"),
                    scopes: vec![
                        "dns:read".into(),
                        "domain:read".into(),
                        "accounts".into(),
                        "user_info".into(),
                    ],
                    accounts: None,
                },
            ],
            sasession: secret("sasession"),
            xsrf: secret("xsrf"),
            kchat_bot: secret("kchatbot"),
        }
    }

    /// The token spec with this label.
    pub fn token(&self, label: &str) -> &TokenSpec {
        self.tokens
            .iter()
            .find(|t| t.label == label)
            .expect("built-in token labels exist")
    }

    /// Looks a Bearer secret up.
    pub fn by_secret(&self, secret: &str) -> Option<&TokenSpec> {
        self.tokens.iter().find(|t| t.secret == secret)
    }
}

/// A short, non-reversible fingerprint of a credential for the request log.
pub fn fingerprint(secret: &str) -> String {
    hex::encode(&Sha256::digest(secret.as_bytes())[..6])
}

/// The Bearer secret of an `Authorization` header value, if well-formed.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, value) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| value.trim())
        .filter(|v| !v.is_empty())
}

/// Route prefix → scope of the products served by `routes::cloud` and `routes::utilities`.
/// `public_cloud` and `swiss-backup` are the manager's own scope strings
/// (infomaniak-api.md §2.1); no source names the AI Tools and URL shortener scopes, so
/// the tenant assumes `ai_tools` and `url_shortener` (docs/tools/utilities.md says so).
const PRODUCT_SCOPES: [(&str, &str); 7] = [
    ("/1/public_clouds", "public_cloud"),
    ("/1/swiss_backups", "swiss-backup"),
    ("/1/ai", "ai_tools"),
    ("/2/ai", "ai_tools"),
    ("/1/url-shortener", "url_shortener"),
    ("/2/url-shortener", "url_shortener"),
    ("/1/mail_hostings", "mail"),
];

/// Whether `path` is `prefix` or below it (`/1/ai/models`, never `/1/aixyz`).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The scope a request needs, from its method and path (`None` = any valid token).
pub fn required_scope(method: &str, path: &str) -> Option<&'static str> {
    let read = method == "GET" || method == "HEAD";
    let dns = path.starts_with("/2/zones")
        || (path.starts_with("/2/domains/")
            && !path.starts_with("/2/domains/domains")
            && (path.contains("/zones")
                || path.contains("/dnssec")
                || path.ends_with("/nameservers")));
    if dns {
        return Some(if read { "dns:read" } else { "dns:write" });
    }
    if path.starts_with("/2/domains/domains") || path.starts_with("/1/domain") {
        return Some(if read { "domain:read" } else { "domain:write" });
    }
    if path.starts_with("/2/drive") || path.starts_with("/3/drive") {
        return Some("drive");
    }
    if path.starts_with("/1/web_hostings") || path.starts_with("/1/hostings") {
        return Some("web");
    }
    if let Some((_, scope)) = PRODUCT_SCOPES.iter().find(|(p, _)| under(path, p)) {
        return Some(scope);
    }
    if path.starts_with("/2/profile") {
        return Some("user_info");
    }
    if path.starts_with("/1/account")
        || path.starts_with("/2/accounts")
        || path.starts_with("/1/products")
    {
        return Some(if read { "accounts" } else { "accounts:write" });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_deterministic_and_distinct() {
        let a = Credentials::from_seed(1);
        assert_eq!(a, Credentials::from_seed(1));
        assert_ne!(a.token("full").secret, a.token("second").secret);
        assert_ne!(
            a.token("full").secret,
            Credentials::from_seed(2).token("full").secret
        );
    }

    #[test]
    fn scopes_by_route() {
        assert_eq!(
            required_scope("GET", "/2/zones/a.ch/records"),
            Some("dns:read")
        );
        assert_eq!(
            required_scope("POST", "/2/zones/a.ch/records"),
            Some("dns:write")
        );
        assert_eq!(
            required_scope("PUT", "/2/domains/a.ch/nameservers"),
            Some("dns:write")
        );
        assert_eq!(
            required_scope("GET", "/2/domains/domains"),
            Some("domain:read")
        );
        assert_eq!(
            required_scope("PUT", "/2/domains/domains/a.ch/nameservers"),
            Some("domain:write")
        );
        assert_eq!(required_scope("GET", "/1/products"), Some("accounts"));
        for (method, path, scope) in [
            ("GET", "/1/public_clouds", "public_cloud"),
            ("DELETE", "/1/public_clouds/1/projects/2", "public_cloud"),
            ("POST", "/1/swiss_backups/3/slots", "swiss-backup"),
            ("GET", "/1/ai", "ai_tools"),
            ("GET", "/2/ai/4/openai/v1/models", "ai_tools"),
            ("POST", "/2/url-shortener", "url_shortener"),
            ("DELETE", "/1/mail_hostings/7/mailboxes/info", "mail"),
        ] {
            assert_eq!(required_scope(method, path), Some(scope), "{path}");
        }
        assert_eq!(required_scope("GET", "/1/aix"), None);
        assert_eq!(required_scope("GET", "/1/async/tasks/u"), None);
        assert_eq!(required_scope("GET", "/1/newsletters/a.ch/groups"), None);
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn account_access_is_enforced_by_caller() {
        let all = Caller {
            label: "a".into(),
            scopes: vec![],
            accounts: None,
        };
        let one = Caller {
            label: "b".into(),
            scopes: vec![],
            accounts: Some(vec![7]),
        };
        assert!(all.can_access(1) && all.can_access(7));
        assert!(one.can_access(7) && !one.can_access(1));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = Credentials::from_seed(4);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(&c.token("full").secret));
        assert!(!dbg.contains(&c.sasession));
    }

    #[test]
    fn read_only_token_lacks_dns_write() {
        let c = Credentials::from_seed(3);
        assert!(c.token("dns_read").has_scope("dns:read"));
        assert!(!c.token("dns_read").has_scope("dns:write"));
        assert!(c.token("full").has_scope("dns:write"));
    }
}
