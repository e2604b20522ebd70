//! The token scope of the Public Cloud routes. Every `/1/public_clouds/...` route needs an
//! API token with the `public_cloud` scope (infomaniak-api.md §2.1); without it the API
//! answers 403 and the generic hint cannot say which scope is missing, so the tools
//! (VPS excepted: they use the manager session) turn a 403 into advice naming it.

use ikmcp_pdk::{ToolError, ToolErrorExt};

/// The scope every Public Cloud API route needs.
pub const PUBLIC_CLOUD: &str = "public_cloud";

/// `result` with a 403 turned into advice naming the `public_cloud` scope.
pub fn scoped<T>(result: Result<T, ToolError>) -> Result<T, ToolError> {
    result.map_err(|e| match &e {
        ToolError::Upstream(u) if u.status == 403 => e.with_hint(format!(
            "the API token lacks the `{PUBLIC_CLOUD}` scope, or its user has no rights on this \
             public cloud: create a token with the {PUBLIC_CLOUD} scope (manager > API tokens) \
             as an administrator of the account, set INFOMANIAK_API_TOKEN and restart ikmcp"
        )),
        _ => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikmcp_pdk::error;

    #[test]
    fn only_a_403_names_the_scope() {
        let denied = error::upstream(403, "access_denied", "no", Some("generic".into()));
        let Err(ToolError::Upstream(u)) = scoped::<()>(Err(denied)) else {
            panic!("still an upstream error")
        };
        assert!(u.hint.unwrap().contains("`public_cloud` scope"));
        let missing = error::upstream(404, "object_not_found", "no", Some("list".into()));
        let Err(ToolError::Upstream(u)) = scoped::<()>(Err(missing)) else {
            panic!("still an upstream error")
        };
        assert_eq!(u.hint.as_deref(), Some("list"));
        assert_eq!(scoped(Ok(3)).unwrap(), 3);
    }
}
