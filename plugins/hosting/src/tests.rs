//! Tool-level tests through the registry against canned answers (MockHost).

use ikmcp_pdk::testing::{MockHost, api_error, apply, expect_plan, invoke, ok, paged, plan};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::json;

use crate::Hosting;

#[test]
fn manifest_is_within_the_budget() {
    ikmcp_pdk::testing::check_manifest(&Hosting::registry().manifest(), crate::ALL_TOOLS);
}
