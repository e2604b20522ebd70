//! Plugins that use more than one upstream role: the built-in manager role's name, and an
//! API client for any role the plugin declares ([`Ctx::api`] uses the first one).

use crate::api::Api;
use crate::host::Ctx;

/// The built-in manager-private role (`https://manager.infomaniak.com`, session cookie).
/// Routes go through its proxy: `/proxy/1/…`.
pub const MANAGER: &str = "infomaniak-manager";

impl<'a> Ctx<'a> {
    /// The API client for `role`, one of the roles the plugin declares (the host refuses
    /// any other, and refuses a granted role whose credential is not configured).
    pub fn api_for(&self, role: &'a str) -> Api<'a> {
        Api::new(self.host, role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockHost, ok};
    use crate::{HttpMethod, INFOMANIAK_API};
    use serde_json::json;

    #[test]
    fn requests_carry_the_role_asked_for() {
        let host = MockHost::new();
        host.route(HttpMethod::Get, "/proxy/1/vps", 200, ok(json!([])));
        host.route(HttpMethod::Get, "/1/accounts", 200, ok(json!([])));
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        ctx.api_for(MANAGER).get("/proxy/1/vps", &[]).unwrap();
        ctx.api().get("/1/accounts", &[]).unwrap();
        let roles: Vec<String> = host.requests().into_iter().map(|r| r.role).collect();
        assert_eq!(roles, [MANAGER, INFOMANIAK_API]);
    }
}
