//! Credentials as a type of their own.
//!
//! A [`Secret`] never prints its value (`Debug`/`Display` show `[REDACTED]`), and every
//! secret the host loads is known by value, so the audit log and error messages can
//! redact credentials by what they are rather than by guessing from key names.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("tok-123456");
        assert!(!format!("{s:?}").contains("tok-123456"));
        assert!(!format!("{s}").contains("tok-123456"));
        assert_eq!(s.expose(), "tok-123456");
    }
}
