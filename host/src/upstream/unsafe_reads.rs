//! Side-effecting reads: the documented GET routes that change state upstream.
//!
//! HTTP calls GET safe, and the gateway trusts that: reads pass in every phase without a
//! plan, and a read that timed out or got a 5xx is sent again. A few documented routes
//! break the rule. `GET /1/public_clouds/{pc}/projects/{p}/dbaas/{id}/reset_password`
//! (public-cloud.json "Reset Password", infomaniak-api.md §7.7) sets a new root password
//! on a Database service: every client still using the old one is cut off. Trusting the
//! method would let a plugin reset it while "reading", with no approval, and a retry
//! would reset it twice.
//!
//! So this table is the host's word, never the plugin's: a request whose role and path
//! match an entry is a write to the gateway, whatever its method. Outside an apply it is
//! refused; in an apply it passes only under an unused effect of the confirmed plan that
//! pins it (method GET, its path, query and role), once; it is never retried and never
//! follows a redirect. Only GET can be declared as such an effect; a HEAD on the same
//! path (frameworks route HEAD to the GET handler) is a write that no effect admits.
//!
//! Matching is deliberately loose on the request side, so a spelling the upstream reads
//! the same cannot slip past: segments are compared after percent-decoding and ignoring
//! ASCII case, and a trailing `/` is ignored. The manager proxy serves the same route
//! under its two prefixes (infomaniak-api.md §2.3), so those are listed too.

use crate::contract::{HttpMethod, PlannedEffect};

/// The built-in roles the routes are reached on (`config::API_ROLE`, `config::MANAGER_ROLE`;
/// spelled here so the gateway does not depend on the configuration module).
const API_ROLE: &str = "infomaniak-api";
const MANAGER_ROLE: &str = "infomaniak-manager";

/// One side-effecting read route.
struct UnsafeRead {
    /// The role it is reached on.
    role: &'static str,
    /// Its path, `*` for one non-empty segment.
    pattern: &'static str,
    /// What it changes, for the refusal message.
    changes: &'static str,
}

const DBAAS_RESET: &str = "resets the Database service's root password";

/// Every side-effecting read route the host knows of. The API documents exactly one
/// (a scan of every GET of `reference/openapi/*.json` found no other).
const UNSAFE_READS: &[UnsafeRead] = &[
    UnsafeRead {
        role: API_ROLE,
        pattern: "/1/public_clouds/*/projects/*/dbaas/*/reset_password",
        changes: DBAAS_RESET,
    },
    UnsafeRead {
        role: MANAGER_ROLE,
        pattern: "/proxy/1/public_clouds/*/projects/*/dbaas/*/reset_password",
        changes: DBAAS_RESET,
    },
    UnsafeRead {
        role: MANAGER_ROLE,
        pattern: "/v3/api/proxypass_2/1/public_clouds/*/projects/*/dbaas/*/reset_password",
        changes: DBAAS_RESET,
    },
];

/// What a GET or HEAD on `role` at `path` changes upstream, if it is in the table; `None`
/// for every other read (and for writes, which are gated anyway).
pub(crate) fn side_effect(role: &str, method: HttpMethod, path: &str) -> Option<&'static str> {
    if !method.is_read() {
        return None;
    }
    UNSAFE_READS
        .iter()
        .find(|entry| entry.role == role && matches(entry.pattern, path))
        .map(|entry| entry.changes)
}

/// Whether a plan may declare `effect` although it is a read: a GET on a route of the
/// table. Its path pattern must match the entry with `*` only where the entry has one.
pub(crate) fn declarable(effect: &PlannedEffect) -> bool {
    effect.method == HttpMethod::Get
        && side_effect(&effect.role, effect.method, &effect.path_pattern).is_some()
}

/// Whether `path` is the route `pattern`, segment by segment (see the module doc).
fn matches(pattern: &str, path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    let want: Vec<&str> = pattern.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    want.len() == got.len()
        && want.iter().zip(&got).all(|(want, got)| {
            let got = decoded(got);
            if *want == "*" {
                !got.is_empty()
            } else {
                got.eq_ignore_ascii_case(want)
            }
        })
}

/// `segment` with every `%XX` escape decoded (invalid escapes kept as they are).
fn decoded(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESET: &str = "/1/public_clouds/3/projects/7/dbaas/9/reset_password";

    #[test]
    fn the_dbaas_reset_is_a_write_on_every_spelling() {
        for path in [
            RESET,
            "/1/public_clouds/3/projects/7/dbaas/9/reset_password/",
            "/1/public_clouds/3/projects/7/dbaas/9/RESET_PASSWORD",
            "/1/public_clouds/3/projects/7/dbaas/9/reset%5Fpassword",
            "/1/public_clouds/3/projects/7/dbaas/9/%72eset_password",
            "/1/Public_Clouds/3/projects/7/dbaas/9/reset_password",
        ] {
            assert_eq!(
                side_effect(API_ROLE, HttpMethod::Get, path),
                Some(DBAAS_RESET),
                "{path}"
            );
        }
        assert!(side_effect(API_ROLE, HttpMethod::Head, RESET).is_some());
        assert!(
            side_effect(
                MANAGER_ROLE,
                HttpMethod::Get,
                "/proxy/1/public_clouds/3/projects/7/dbaas/9/reset_password"
            )
            .is_some()
        );
    }

    #[test]
    fn other_reads_and_roles_are_plain_reads() {
        for path in [
            "/1/public_clouds/3/projects/7/dbaas/9",
            "/1/public_clouds/3/projects/7/dbaas/9/reset_password/x",
            "/1/public_clouds/3/projects/7/dbaas//reset_password",
            "/1/public_clouds/3/projects/7/kaas/9/reset_password",
        ] {
            assert_eq!(side_effect(API_ROLE, HttpMethod::Get, path), None, "{path}");
        }
        assert_eq!(side_effect("kchat", HttpMethod::Get, RESET), None);
        assert_eq!(
            side_effect(API_ROLE, HttpMethod::Post, RESET),
            None,
            "writes are gated as writes already"
        );
    }

    #[test]
    fn only_a_get_on_a_listed_route_may_be_declared() {
        let effect = |method, path: &str| PlannedEffect::new(API_ROLE, method, path, None);
        assert!(declarable(&effect(HttpMethod::Get, RESET)));
        assert!(declarable(&effect(
            HttpMethod::Get,
            "/1/public_clouds/*/projects/*/dbaas/*/reset_password"
        )));
        assert!(!declarable(&effect(HttpMethod::Head, RESET)));
        assert!(!declarable(&effect(
            HttpMethod::Get,
            "/1/public_clouds/3/projects/7/dbaas/9/*"
        )));
        assert!(!declarable(&effect(
            HttpMethod::Get,
            "/1/public_clouds/3/projects/7/dbaas/9"
        )));
    }

    #[test]
    fn the_roles_are_the_built_in_ones() {
        assert_eq!(API_ROLE, crate::config::API_ROLE);
        assert_eq!(MANAGER_ROLE, crate::config::MANAGER_ROLE);
    }

    #[test]
    fn percent_decoding_keeps_invalid_escapes() {
        assert_eq!(decoded("a%5Fb"), "a_b");
        assert_eq!(decoded("%zz%4"), "%zz%4");
        assert_eq!(decoded("%"), "%");
    }
}
