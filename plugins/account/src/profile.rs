//! The token owner's profile and sign-in security, from `GET /2/profile` (core.json "List
//! user information"), the documented twin of the manager's `/proxy/2/profile`.

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Arguments of the profile tools (none).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Result of `infomaniak_get_my_profile`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProfileOutput {
    /// `GET /2/profile`.
    pub profile: Value,
}

/// The token owner's profile.
pub fn get_my_profile(ctx: &Ctx, _: NoArgs) -> Result<ProfileOutput, ToolError> {
    Ok(ProfileOutput {
        profile: ctx.api().get("/2/profile", &[])?,
    })
}

/// Result of `infomaniak_get_my_security`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SecurityOutput {
    /// Whether a second factor is on.
    pub two_factor: bool,
    /// The second factor in use (`otp`, `sms`, `yubikey`, `app`), if any.
    pub method: Option<String>,
    /// Rescue codes left.
    pub remaining_rescue_codes: Option<u64>,
    /// Last sign-in, unix seconds.
    pub last_login_at: Option<i64>,
    /// Last password change, unix seconds.
    pub password_changed_at: Option<i64>,
    /// What to fix, most important first (empty when nothing).
    pub findings: Vec<String>,
}

/// Reads a security field from `preferences.security`, then the top level.
fn field<'a>(p: &'a Value, key: &str) -> Option<&'a Value> {
    p.pointer(&format!("/preferences/security/{key}"))
        .or_else(|| p.get(key))
        .filter(|v| !v.is_null())
}

/// The sign-in security of the token owner, derived from the profile.
pub fn security_of(profile: &Value) -> SecurityOutput {
    let on = |k: &str| field(profile, k).and_then(Value::as_bool).unwrap_or(false);
    let method = [
        ("otp", "otp"),
        ("yubikey", "yubikey"),
        ("infomaniak_application", "app"),
        ("sms", "sms"),
    ]
    .iter()
    .find(|(k, _)| on(k))
    .map(|(_, m)| m.to_string());
    let two_factor = on("double_auth") || method.is_some();
    let remaining = field(profile, "remaining_rescue_code").and_then(Value::as_u64);
    let mut findings = Vec::new();
    if !two_factor {
        findings.push("two-factor authentication is off: turn it on in the manager (Security > Two-factor authentication)".to_string());
    }
    if method.as_deref() == Some("sms") {
        findings
            .push("the second factor is SMS: prefer an authenticator app or a security key".into());
    }
    if two_factor && remaining == Some(0) {
        findings.push("no rescue code left: generate new rescue codes".into());
    }
    SecurityOutput {
        two_factor,
        method,
        remaining_rescue_codes: remaining,
        last_login_at: field(profile, "last_login_at").and_then(Value::as_i64),
        password_changed_at: field(profile, "date_last_changed_password").and_then(Value::as_i64),
        findings,
    }
}

/// The token owner's sign-in security.
pub fn get_my_security(ctx: &Ctx, _: NoArgs) -> Result<SecurityOutput, ToolError> {
    Ok(security_of(&ctx.api().get("/2/profile", &[])?))
}
