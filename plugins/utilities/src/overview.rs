//! `infomaniak_cost_risk_overview`: one read over the products that cost money quietly or
//! fail quietly. Swiss Backup slots near their quota or not checked in recently, AI
//! consumption this calendar month against the last, Public Cloud projects and services
//! without an owner tag, and the short-URL quota. A section that cannot be read (a scope
//! the token lacks) is reported in `errors`; the others still come back.
//!
//! Everything is computed by [`summarize`] from what was read and the time, so the rules
//! are tested without a clock or an API.

use ikmcp_pdk::listing::{accounts, per_account};
use ikmcp_pdk::{Api, Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{ai, backup, scope};

/// A slot at or above this share of its size is near its quota.
pub const NEAR_QUOTA: f64 = 0.9;
/// A slot whose usage was last checked longer ago than this has no recent backup.
pub const STALE_DAYS: i64 = 7;

/// Arguments of the overview.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverviewArgs {
    /// Default: every account.
    pub account_id: Option<u64>,
}

/// What was read, before any rule.
#[derive(Debug, Default)]
pub struct Inputs {
    /// `(swiss_backup_id, slots)` of every product.
    pub backups: Vec<(u64, Vec<Value>)>,
    /// `(product_id, consumption lines)` of every AI product.
    pub ai: Vec<(u64, Vec<Value>)>,
    /// Every Public Cloud project (list items).
    pub projects: Vec<Value>,
    /// Every DBaaS and KaaS (account-wide list items).
    pub services: Vec<Value>,
    /// `{quota, limit}` of the URL shortener.
    pub short_url_quota: Option<Value>,
    /// Sections that could not be read: `section: message`.
    pub errors: Vec<String>,
}

/// One finding, worst first.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Finding {
    /// `high`, `medium` or `info`.
    pub severity: String,
    /// What it is about.
    pub subject: String,
    /// What was found and what to do.
    pub detail: String,
}

/// AI spending of one product.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AiMonth {
    pub product_id: u64,
    /// Sum of `amount` this calendar month (UTC) so far.
    pub this_month: f64,
    /// Sum of `amount` last calendar month.
    pub last_month: f64,
    /// Tokens (input + output) this month and last.
    pub tokens_this_month: u64,
    pub tokens_last_month: u64,
}

/// Result of the overview.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Overview {
    /// Everything worth a look, worst first.
    pub findings: Vec<Finding>,
    /// AI consumption per product.
    pub ai: Vec<AiMonth>,
    /// How much was looked at.
    pub checked: Value,
    /// Sections that could not be read.
    pub errors: Vec<String>,
}

/// The value of a section's read, or `None` with why in `errors` (a 403 names the scope
/// the token lacks).
fn section<T>(errors: &mut Vec<String>, name: &str, r: Result<T, ToolError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) if scope::is_denied(&e) => {
            let scope = match name {
                "swiss_backup" => scope::SWISS_BACKUP,
                "ai" => scope::AI_TOOLS,
                "url_shortener" => scope::URL_SHORTENER,
                _ => "public_cloud",
            };
            errors.push(format!("{name}: not checked: {}", scope::advice(scope)));
            None
        }
        Err(e) => {
            errors.push(format!("{name}: {}", e.message()));
            None
        }
    }
}

fn read(ctx: &Ctx, account_id: Option<u64>) -> Result<Inputs, ToolError> {
    let api = ctx.api();
    let mut inputs = Inputs::default();
    let errors = &mut inputs.errors;
    let accounts = accounts(&api, account_id)?;
    let one = |a: &u64| Some(*a);
    // Swiss Backup: every product (GET /1/swiss_backups?account_id=) and its slots.
    for acc in &accounts {
        let products =
            section(errors, "swiss_backup", backup::fetch_all(&api, one(acc))).unwrap_or_default();
        for p in products {
            let Some(id) = p.get("id").and_then(Value::as_u64) else {
                continue;
            };
            if let Some(slots) = section(errors, "swiss_backup", backup::fetch_slots(&api, id)) {
                inputs.backups.push((id, slots));
            }
        }
    }
    // AI: every product (GET /1/ai) and its consumption (all pages).
    let products = section(errors, "ai", api.get("/1/ai", &[])).unwrap_or(Value::Null);
    for p in products.as_array().into_iter().flatten() {
        let Some(id) = p.get("product_id").and_then(Value::as_u64) else {
            continue;
        };
        if let Some(lines) = section(errors, "ai", ai::fetch_consumptions(ctx, id)) {
            inputs.ai.push((id, lines));
        }
    }
    // Public Cloud: projects of each cloud that has some, and the account-wide services.
    for acc in &accounts {
        let clouds = section(
            errors,
            "public_cloud",
            per_account(&api, "/1/public_clouds", one(acc), &[]),
        )
        .unwrap_or_default();
        for c in clouds {
            let count = c
                .pointer("/public_cloud/project_count")
                .and_then(Value::as_u64);
            let Some(id) = c
                .get("public_cloud_id")
                .or(c.get("id"))
                .and_then(Value::as_u64)
            else {
                continue;
            };
            if count == Some(0) {
                continue;
            }
            let path = format!("/1/public_clouds/{id}/projects");
            if let Some(p) = section(errors, "public_cloud", api.list_all(&path, &[])) {
                inputs.projects.extend(p);
            }
        }
        for kind in ["dbaas", "kaas"] {
            let path = format!("/1/public_clouds/{kind}");
            if let Some(s) = section(
                errors,
                "public_cloud",
                per_account(&api, &path, one(acc), &[]),
            ) {
                inputs.services.extend(s);
            }
        }
    }
    inputs.short_url_quota = section(errors, "url_shortener", short_urls_quota(&api));
    Ok(inputs)
}

fn short_urls_quota(api: &Api) -> Result<Value, ToolError> {
    api.get("/2/url-shortener/quota", &[])
}

/// Unix seconds of the first instant of the UTC month containing `t`, and of the month
/// before it.
pub fn month_starts(t: i64) -> (i64, i64) {
    let days = t.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let this = (days - (day - 1)) * 86_400;
    let days_in_prev = {
        let prev_last = days - day; // last day of the previous month
        let z = prev_last + 719_468;
        let doe = z - z.div_euclid(146_097) * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        doy - (153 * mp + 2) / 5 + 1
    };
    (this, this - days_in_prev * 86_400)
}

fn has_owner(item: &Value) -> bool {
    item.get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| {
            tags.iter().any(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.to_ascii_lowercase().starts_with("owner"))
            })
        })
}

fn num(v: &Value, key: &str) -> f64 {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn finding(severity: &str, subject: String, detail: String) -> Finding {
    Finding {
        severity: severity.into(),
        subject,
        detail,
    }
}

/// Applies the rules to what was read, at time `now` (unix seconds).
pub fn summarize(inputs: Inputs, now: i64) -> Overview {
    let mut findings = Vec::new();
    let mut slots = 0;
    for (backup, list) in &inputs.backups {
        for s in list {
            slots += 1;
            let id = s.get("id").cloned().unwrap_or(Value::Null);
            let name = s.get("customer_name").and_then(Value::as_str).unwrap_or("");
            let (size, used) = (num(s, "size"), num(s, "storage_used"));
            if size > 0.0 && used / size >= NEAR_QUOTA {
                findings.push(finding("high", format!("Swiss Backup {backup} slot {id} ({name})"),
                    format!("{:.0}% of its quota used: backups fail when it is full; enlarge the slot (infomaniak_manage_swiss_backup_slot update size)", 100.0 * used / size)));
            }
            let checked = s.get("usage_last_check").and_then(Value::as_i64);
            if let Some(at) = checked.filter(|at| now - at > STALE_DAYS * 86_400) {
                findings.push(finding("high", format!("Swiss Backup {backup} slot {id} ({name})"),
                    format!("no backup activity seen for {} days (usage last checked then): check the backup client", (now - at) / 86_400)));
            }
        }
    }
    let (this_start, last_start) = month_starts(now);
    let mut ai_months = Vec::new();
    for (product, lines) in &inputs.ai {
        let mut m = AiMonth {
            product_id: *product,
            this_month: 0.0,
            last_month: 0.0,
            tokens_this_month: 0,
            tokens_last_month: 0,
        };
        for l in lines {
            let at = l.get("created_at").and_then(Value::as_i64).unwrap_or(0);
            let tokens = (num(l, "input_tokens") + num(l, "output_tokens")) as u64;
            if at >= this_start {
                m.this_month += num(l, "amount");
                m.tokens_this_month += tokens;
            } else if at >= last_start {
                m.last_month += num(l, "amount");
                m.tokens_last_month += tokens;
            }
        }
        m.this_month = (m.this_month * 100.0).round() / 100.0;
        m.last_month = (m.last_month * 100.0).round() / 100.0;
        if m.this_month > m.last_month && m.last_month > 0.0 {
            findings.push(finding("medium", format!("AI product {product}"),
                format!("{:.2} spent this month so far against {:.2} all last month: check which model and key drive it (infomaniak_get_ai_consumptions)", m.this_month, m.last_month)));
        }
        ai_months.push(m);
    }
    for p in inputs.projects.iter().filter(|p| !has_owner(p)) {
        findings.push(finding(
            "medium",
            format!(
                "Public Cloud project {} ({})",
                p.get("public_cloud_project_id").unwrap_or(&Value::Null),
                p.get("name").and_then(Value::as_str).unwrap_or("")
            ),
            "no owner tag: nobody answers for its cost; tag it owner:<team> in the manager".into(),
        ));
    }
    for s in inputs
        .services
        .iter()
        .filter(|s| !has_owner(s) && !s.get("project").is_some_and(has_owner))
    {
        let id = s
            .get("kaas_id")
            .or(s.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        let kind = if s.get("kaas_id").is_some() {
            "Kubernetes"
        } else {
            "Database"
        };
        let project_tagged = inputs
            .projects
            .iter()
            .any(|p| p.get("public_cloud_project_id") == s.pointer("/project/id") && has_owner(p));
        if !project_tagged {
            findings.push(finding(
                "info",
                format!(
                    "{kind} service {id} ({})",
                    s.get("name").and_then(Value::as_str).unwrap_or("")
                ),
                "neither it nor its project has an owner tag".into(),
            ));
        }
    }
    if let Some(q) = &inputs.short_url_quota {
        let (used, limit) = (num(q, "quota"), num(q, "limit"));
        if limit > 0.0 && used / limit >= NEAR_QUOTA {
            findings.push(finding(
                if used >= limit { "high" } else { "medium" },
                "URL shortener".into(),
                format!("{used:.0} of {limit:.0} short URLs used: new ones fail at the limit"),
            ));
        }
    }
    let rank = |f: &Finding| match f.severity.as_str() {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    };
    findings.sort_by_key(rank);
    Overview {
        findings,
        ai: ai_months,
        checked: json!({
            "swiss_backup_products": inputs.backups.len(), "swiss_backup_slots": slots,
            "ai_products": inputs.ai.len(), "public_cloud_projects": inputs.projects.len(),
            "public_cloud_services": inputs.services.len(),
            "short_url_quota": inputs.short_url_quota,
        }),
        errors: inputs.errors,
    }
}

/// `infomaniak_cost_risk_overview`.
pub fn overview(ctx: &Ctx, a: OverviewArgs) -> Result<Overview, ToolError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(summarize(read(ctx, a.account_id)?, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_boundaries() {
        // 2026-11-18T..Z → 2026-11-01 and 2026-10-01.
        assert_eq!(month_starts(1_795_000_000), (1_793_491_200, 1_790_812_800));
        // 2024-03-01 → February of a leap year has 29 days.
        assert_eq!(
            month_starts(1_709_251_200),
            (1_709_251_200, 1_709_251_200 - 29 * 86_400)
        );
        // 2027-01-15 → 2027-01-01 and 2026-12-01.
        assert_eq!(month_starts(1_800_000_000), (1_798_761_600, 1_796_083_200));
    }

    #[test]
    fn rules_flag_what_they_should_and_nothing_else() {
        let now = 1_795_000_000;
        let inputs = Inputs {
            backups: vec![(
                1,
                vec![
                    json!({"id": 10, "customer_name": "full", "size": 100, "storage_used": 95, "usage_last_check": now}),
                    json!({"id": 11, "customer_name": "stale", "size": 100, "storage_used": 5, "usage_last_check": now - 9 * 86_400}),
                    json!({"id": 12, "customer_name": "fine", "size": 100, "storage_used": 50, "usage_last_check": now - 86_400}),
                ],
            )],
            ai: vec![(
                7,
                vec![
                    json!({"created_at": now - 3_600, "amount": 5.0, "input_tokens": 10, "output_tokens": 5}),
                    json!({"created_at": 1_793_491_200 - 10, "amount": "2.5", "input_tokens": 1, "output_tokens": 1}),
                    json!({"created_at": 1_790_812_800 - 10, "amount": 100.0}),
                ],
            )],
            projects: vec![
                json!({"public_cloud_project_id": 1, "name": "tagged", "tags": [{"name": "owner:ops"}]}),
                json!({"public_cloud_project_id": 2, "name": "orphan", "tags": []}),
            ],
            services: vec![
                json!({"id": 5, "name": "db", "project": {"id": 1}, "tags": []}),
                json!({"kaas_id": 6, "name": "k", "project": {"id": 2}, "tags": []}),
            ],
            short_url_quota: Some(json!({"quota": 95, "limit": 100})),
            errors: vec!["ai: forbidden".into()],
        };
        let o = summarize(inputs, now);
        let subjects: Vec<&str> = o.findings.iter().map(|f| f.subject.as_str()).collect();
        assert!(
            subjects.contains(&"Swiss Backup 1 slot 10 (full)"),
            "{subjects:?}"
        );
        assert!(
            subjects.contains(&"Swiss Backup 1 slot 11 (stale)"),
            "{subjects:?}"
        );
        assert!(!subjects.iter().any(|s| s.contains("fine")), "{subjects:?}");
        assert!(subjects.contains(&"Public Cloud project 2 (orphan)"));
        assert!(
            subjects.contains(&"Kubernetes service 6 (k)"),
            "the orphan project's service"
        );
        assert!(
            !subjects.iter().any(|s| s.contains("Database service 5")),
            "its project has an owner"
        );
        assert!(subjects.contains(&"URL shortener"));
        assert_eq!(
            o.ai,
            vec![AiMonth {
                product_id: 7,
                this_month: 5.0,
                last_month: 2.5,
                tokens_this_month: 15,
                tokens_last_month: 2
            }]
        );
        assert!(subjects.contains(&"AI product 7"), "spending grew");
        assert_eq!(o.findings[0].severity, "high", "worst first");
        assert_eq!(o.errors, vec!["ai: forbidden".to_string()]);
    }
}
