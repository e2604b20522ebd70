//! The account audits: `infomaniak_audit_account_access` (people: admins without 2FA,
//! external admins, users in no team, stale invitations, plus expiring products) and
//! `infomaniak_audit_account` (the account's 2FA policy and its products: expiring, expired,
//! locked). Expiry uses the live domain expiry of `/2/domains/domains`, not `/1/products`'
//! `expired_at`, which stays at the original contract date after a renewal (quirk Q9).

use std::collections::BTreeMap;

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Api, Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::{label, scope};

/// Arguments of the account audits.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditArgs {
    /// Default: every account.
    pub account_id: Option<u64>,
    /// Expiry window, 1-365 (default 30).
    pub days: Option<u32>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Finding {
    pub severity: Severity,
    pub account_id: u64,
    /// Who or what (user, invitation, product).
    pub subject: String,
    pub issue: String,
    pub fix: String,
}

/// Result of an account audit.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditOutput {
    /// The accounts audited, `id (name)`.
    pub accounts: Vec<String>,
    /// Findings, most serious first.
    pub findings: Vec<Finding>,
    /// Checks that could not run, and why.
    pub not_checked: Vec<String>,
}

/// Unix seconds now (the plugin reads the wall clock through WASI).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn window(days: Option<u32>) -> Result<i64, ToolError> {
    match days.unwrap_or(30) {
        d @ 1..=365 => Ok(i64::from(d)),
        d => Err(invalid_args(
            format!("days = {d} is out of range"),
            "give days from 1 to 365",
        )),
    }
}

fn domain_of(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

fn who(u: &Value) -> String {
    format!(
        "user {} ({})",
        u["user_id"],
        u["email"].as_str().unwrap_or("?")
    )
}

/// People findings of one account from its users (listed `with=teams`) and the invitations
/// of its pending users.
pub fn people_findings(
    api: &Api,
    a: u64,
    days: i64,
    now: i64,
    out: &mut Vec<Finding>,
    not_checked: &mut Vec<String>,
) -> Result<(), ToolError> {
    // GET /2/accounts/{account}/users (core.json "List users"), `with=teams`.
    let users = api.list_all(&format!("/2/accounts/{a}/users"), &[("with", "teams")])?;
    let owner_domain = users
        .iter()
        .find(|u| u["role_type"] == "owner")
        .and_then(|u| u["email"].as_str())
        .and_then(domain_of);
    let mut otp_hidden = 0;
    for u in &users {
        let privileged = matches!(u["role_type"].as_str(), Some("owner" | "admin"));
        if u["state_in_account"] == "pending" {
            invitation_finding(api, a, u, days, now, out, not_checked);
            continue;
        }
        if privileged {
            match u["has_otp"].as_bool() {
                Some(false) => out.push(Finding {
                    severity: Severity::High,
                    account_id: a,
                    subject: who(u),
                    issue: format!("{} without two-factor authentication", u["role_type"]),
                    fix: "ask them to turn on 2FA, or require it for the account (manager > Security)".into(),
                }),
                Some(true) => {}
                None => otp_hidden += 1,
            }
            let external = owner_domain.as_ref().is_some_and(|d| {
                u["email"]
                    .as_str()
                    .and_then(domain_of)
                    .is_some_and(|x| &x != d)
            });
            if external && u["role_type"] == "admin" {
                out.push(Finding {
                    severity: Severity::Medium,
                    account_id: a,
                    subject: who(u),
                    issue: "administrator from outside the organisation's e-mail domain".into(),
                    fix: "check the person still needs admin rights; lower them to a team with only the products needed".into(),
                });
            }
        } else if u["teams"].as_array().is_some_and(|t| t.is_empty()) {
            out.push(Finding {
                severity: Severity::Low,
                account_id: a,
                subject: who(u),
                issue: "user in no team".into(),
                fix: "add them to a team (infomaniak_add_account_team_users) or offboard them (infomaniak_plan_user_offboarding)".into(),
            });
        }
    }
    if otp_hidden > 0 {
        not_checked.push(format!(
            "account {a}: 2FA of {otp_hidden} admin(s) is not visible to this token"
        ));
    }
    Ok(())
}

/// A pending user's invitation: stale when expired or older than the window.
fn invitation_finding(
    api: &Api,
    a: u64,
    u: &Value,
    days: i64,
    now: i64,
    out: &mut Vec<Finding>,
    not_checked: &mut Vec<String>,
) {
    let Some(inv) = u["invitation_id"].as_u64() else {
        return;
    };
    // GET /1/accounts/{account}/invitations/{invitation} (core.json).
    let details = match api.get(&format!("/1/accounts/{a}/invitations/{inv}"), &[]) {
        Ok(d) => d,
        Err(e) => {
            not_checked.push(format!("account {a}: invitation {inv}: {}", e.message()));
            return;
        }
    };
    let expired = details["expired_at"].as_i64().is_some_and(|t| t < now);
    let age = (now - details["created_at"].as_i64().unwrap_or(now)) / 86_400;
    if expired || age > days {
        out.push(Finding {
            severity: if expired {
                Severity::Medium
            } else {
                Severity::Low
            },
            account_id: a,
            subject: format!(
                "invitation {inv} ({})",
                details["email"].as_str().unwrap_or("?")
            ),
            issue: if expired {
                format!("pending invitation expired, sent {age} days ago")
            } else {
                format!("invitation pending for {age} days")
            },
            fix: "cancel it (infomaniak_delete_account_invitation) or send a new one".into(),
        });
    }
}

/// Products of one account expiring within `days` (or already expired), with the live
/// domain expiry.
pub fn expiry_findings(
    api: &Api,
    a: u64,
    days: i64,
    now: i64,
    out: &mut Vec<Finding>,
    not_checked: &mut Vec<String>,
) -> Result<Vec<Value>, ToolError> {
    let account = a.to_string();
    // GET /1/products (core.json "List products"), every page of the account.
    let products = api.list_all("/1/products", &[("account_id", &account)])?;
    let horizon = now + days * 86_400;
    // GET /2/domains/domains (infomaniak-api.md §7.2: account_id, expires_before): the live
    // expiry of the domains expiring before the horizon.
    let before = horizon.to_string();
    let live: Option<BTreeMap<String, i64>> = match api.list_all(
        "/2/domains/domains",
        &[("account_id", &account), ("expires_before", &before)],
    ) {
        Ok(list) => Some(
            list.iter()
                .filter_map(|d| {
                    Some((
                        d["name"].as_str()?.to_ascii_lowercase(),
                        d["expires_at"].as_i64()?,
                    ))
                })
                .collect(),
        ),
        Err(e) => {
            not_checked.push(format!(
                "account {a}: live domain expiry unavailable ({}); domains not checked",
                e.message()
            ));
            None
        }
    };
    for p in &products {
        if p["is_free"] == true {
            continue;
        }
        let name = p["customer_name"].as_str().unwrap_or("?");
        let subject = format!(
            "{} {} ({name})",
            p["service_name"].as_str().unwrap_or("product"),
            p["id"]
        );
        let expires = if p["service_name"] == "domain" {
            match &live {
                Some(map) => map.get(&name.to_ascii_lowercase()).copied(),
                None => continue,
            }
        } else {
            p["expired_at"].as_i64()
        };
        let Some(t) = expires else { continue };
        let in_days = (t - now).div_euclid(86_400);
        if t <= now && p["service_name"] != "domain" {
            out.push(Finding {
                severity: Severity::Info,
                account_id: a,
                subject,
                issue: "/1/products shows an expiry in the past; it may be the original contract date of a renewed product (Q9)".into(),
                fix: "check the product's own page; renew it if it really lapsed".into(),
            });
        } else if t <= horizon {
            out.push(Finding {
                severity: if in_days <= 7 {
                    Severity::High
                } else {
                    Severity::Medium
                },
                account_id: a,
                subject,
                issue: if t <= now {
                    "expired".into()
                } else {
                    format!("expires in {in_days} day(s)")
                },
                fix: "renew it or turn on automatic renewal (manager > Invoicing)".into(),
            });
        }
    }
    Ok(products)
}

fn finish(accounts: &[Value], mut findings: Vec<Finding>, not_checked: Vec<String>) -> AuditOutput {
    findings.sort_by(|x, y| {
        x.severity
            .cmp(&y.severity)
            .then(x.account_id.cmp(&y.account_id))
    });
    AuditOutput {
        accounts: accounts.iter().map(label).collect(),
        findings,
        not_checked,
    }
}

/// `infomaniak_audit_account_access`.
pub fn audit_access(ctx: &Ctx, args: AuditArgs) -> Result<AuditOutput, ToolError> {
    let days = window(args.days)?;
    let api = ctx.api();
    let accounts = scope(&api, args.account_id)?;
    let (now, mut findings, mut not_checked) = (now(), Vec::new(), Vec::new());
    for (i, acc) in accounts.iter().enumerate() {
        let a = acc["id"].as_u64().unwrap_or_default();
        ctx.progress(
            i as u32,
            Some(accounts.len() as u32),
            Some(&format!("account {a}")),
        );
        people_findings(&api, a, days, now, &mut findings, &mut not_checked).map_err(|e| {
            e.with_hint(format!(
                "auditing account {a}; pass account_id to audit another one alone"
            ))
        })?;
        expiry_findings(&api, a, days, now, &mut findings, &mut not_checked)?;
    }
    Ok(finish(&accounts, findings, not_checked))
}

/// `infomaniak_audit_account`: the account's 2FA policy and its products.
pub fn audit_account(ctx: &Ctx, args: AuditArgs) -> Result<AuditOutput, ToolError> {
    let days = window(args.days)?;
    let api = ctx.api();
    let accounts = scope(&api, args.account_id)?;
    let (now, mut findings, mut not_checked) = (now(), Vec::new(), Vec::new());
    for acc in &accounts {
        let a = acc["id"].as_u64().unwrap_or_default();
        if acc["has_2fa_required"] == false {
            findings.push(Finding {
                severity: Severity::Medium,
                account_id: a,
                subject: label(acc),
                issue: "two-factor authentication is not required for the account's users".into(),
                fix: "require 2FA in the manager (Organisation > Security)".into(),
            });
        }
        let products = expiry_findings(&api, a, days, now, &mut findings, &mut not_checked)?;
        for p in &products {
            let subject = format!(
                "{} {} ({})",
                p["service_name"].as_str().unwrap_or("product"),
                p["id"],
                p["customer_name"].as_str().unwrap_or("?")
            );
            if p["is_locked"] == true {
                findings.push(Finding {
                    severity: Severity::High,
                    account_id: a,
                    subject: subject.clone(),
                    issue: "product is locked".into(),
                    fix: "check unpaid invoices or abuse notices in the manager".into(),
                });
            }
            if p["has_maintenance"] == true {
                findings.push(Finding {
                    severity: Severity::Info,
                    account_id: a,
                    subject,
                    issue: "product is under maintenance".into(),
                    fix: "nothing to do; retry changes after the maintenance".into(),
                });
            }
        }
    }
    Ok(finish(&accounts, findings, not_checked))
}
