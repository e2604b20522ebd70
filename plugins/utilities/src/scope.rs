//! The token scope of each product. Without it the API answers 403, and the generic
//! hint cannot say which scope is missing, so every tool turns a 403 into advice naming
//! its product's scope. `swiss-backup` is the manager's own scope string
//! (infomaniak-api.md §2.1); no source names the AI Tools and URL shortener scopes: the
//! names below are the sandbox's assumption (docs/tools/utilities.md says so).

use ikmcp_pdk::{ToolError, ToolErrorExt};

/// Swiss Backup (`/1/swiss_backups/...`).
pub const SWISS_BACKUP: &str = "swiss-backup";
/// AI Tools (`/1/ai/...`, `/2/ai/...`).
pub const AI_TOOLS: &str = "ai_tools";
/// URL shortener (`/2/url-shortener/...`).
pub const URL_SHORTENER: &str = "url_shortener";

/// The advice for a token refused for lack of `scope`.
pub fn advice(scope: &str) -> String {
    format!(
        "the API token lacks the `{scope}` scope, or its user has no rights on this product: \
         create a token with the {scope} scope (manager > API tokens) as an administrator of \
         the account, set INFOMANIAK_API_TOKEN and restart ikmcp"
    )
}

/// Whether `e` is the API's 403.
pub fn is_denied(e: &ToolError) -> bool {
    matches!(e, ToolError::Upstream(u) if u.status == 403)
}

fn scoped<T>(scope: &str, result: Result<T, ToolError>) -> Result<T, ToolError> {
    result.map_err(|e| {
        if is_denied(&e) {
            e.with_hint(advice(scope))
        } else {
            e
        }
    })
}

/// A Swiss Backup tool's result, a 403 naming the `swiss-backup` scope.
pub fn backup<T>(result: Result<T, ToolError>) -> Result<T, ToolError> {
    scoped(SWISS_BACKUP, result)
}

/// An AI tool's result, a 403 naming the `ai_tools` scope.
pub fn ai<T>(result: Result<T, ToolError>) -> Result<T, ToolError> {
    scoped(AI_TOOLS, result)
}

/// A URL shortener tool's result, a 403 naming the `url_shortener` scope.
pub fn url<T>(result: Result<T, ToolError>) -> Result<T, ToolError> {
    scoped(URL_SHORTENER, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikmcp_pdk::error;

    fn hint<T: std::fmt::Debug>(r: Result<T, ToolError>) -> String {
        match r.unwrap_err() {
            ToolError::Upstream(u) => u.hint.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_403_names_the_product_scope_and_nothing_else_changes() {
        let denied = || Err::<(), _>(error::upstream(403, "access_denied", "no", None));
        assert!(hint(backup(denied())).contains("`swiss-backup` scope"));
        assert!(hint(ai(denied())).contains("`ai_tools` scope"));
        assert!(hint(url(denied())).contains("`url_shortener` scope"));
        let missing = Err::<(), _>(error::upstream(
            404,
            "object_not_found",
            "no",
            Some("l".into()),
        ));
        assert_eq!(hint(backup(missing)), "l");
        assert_eq!(url(Ok(1)).unwrap(), 1);
    }
}
