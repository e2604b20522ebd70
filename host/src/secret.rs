//! Credentials as a type of their own.
//!
//! A [`Secret`] never prints its value (`Debug`/`Display` show `[REDACTED]`), and every
//! secret the host loads is known by value, so the audit log and error messages can
//! redact credentials by what they are rather than by guessing from key names.

use std::fmt;
use std::sync::RwLock;

/// A credential value (API token, session cookie, XSRF token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for the one place that must send it upstream.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Every credential value the host holds, growing as it obtains new ones (OAuth access
/// tokens): what the gateway scrubs from errors and from upstream answers before a plugin
/// sees them.
#[derive(Debug, Default)]
pub struct SecretSet(RwLock<Vec<Secret>>);

impl SecretSet {
    /// A set holding `secrets` (empty values are ignored: they would match everywhere).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let set = SecretSet::default();
        for secret in secrets {
            set.add(secret);
        }
        set
    }

    /// Adds one value (once).
    pub fn add(&self, secret: Secret) {
        if secret.expose().is_empty() {
            return;
        }
        let mut all = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !all.contains(&secret) {
            all.push(secret);
        }
    }

    /// The values held now.
    pub fn snapshot(&self) -> Vec<Secret> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// `text` with every value replaced by `[REDACTED]`.
    pub fn redact(&self, text: String) -> String {
        let all = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        all.iter().fold(text, |text, secret| {
            if text.contains(secret.expose()) {
                text.replace(secret.expose(), "[REDACTED]")
            } else {
                text
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_redacts_what_it_holds_including_later_additions() {
        let set = SecretSet::new([Secret::new("tok-1"), Secret::new("")]);
        assert_eq!(set.redact("a tok-1 b".into()), "a [REDACTED] b");
        assert_eq!(set.redact("access-9".into()), "access-9");
        set.add(Secret::new("access-9"));
        set.add(Secret::new("access-9"));
        assert_eq!(set.redact("x access-9".into()), "x [REDACTED]");
        assert_eq!(set.snapshot().len(), 2);
    }

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("tok-123456");
        assert!(!format!("{s:?}").contains("tok-123456"));
        assert!(!format!("{s}").contains("tok-123456"));
        assert_eq!(s.expose(), "tok-123456");
    }
}
