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

/// One audit: the client, the expiry window, the clock, and what it found so far.
struct Run<'a> {
    api: Api<'a>,
    days: i64,
    now: i64,
    findings: Vec<Finding>,
    not_checked: Vec<String>,
}

impl<'a> Run<'a> {
    fn new(api: Api<'a>, days: Option<u32>) -> Result<Self, ToolError> {
        Ok(Run {
            api,
            days: window(days)?,
            now: now(),
            findings: Vec::new(),
            not_checked: Vec::new(),
        })
    }

    fn flag(&mut self, severity: Severity, a: u64, subject: String, issue: String, fix: &str) {
        self.findings.push(Finding {
            severity,
            account_id: a,
            subject,
            issue,
            fix: fix.to_string(),
        });
    }

    /// People findings of one account from its users (listed `with=teams`) and the
    /// invitations of its pending users.
    fn people(&mut self, a: u64) -> Result<(), ToolError> {
        // GET /2/accounts/{account}/users (core.json "List users"), `with=teams`.
        let users = self
            .api
            .list_all(&format!("/2/accounts/{a}/users"), &[("with", "teams")])?;
        let owner_domain = users
            .iter()
            .find(|u| u["role_type"] == "owner")
            .and_then(|u| u["email"].as_str())
            .and_then(domain_of);
        let mut otp_hidden = 0;
        for u in &users {
            if u["state_in_account"] == "pending" {
                self.invitation(a, u);
                continue;
            }
            if !matches!(u["role_type"].as_str(), Some("owner" | "admin")) {
                if u["teams"].as_array().is_some_and(|t| t.is_empty()) {
                    self.flag(Severity::Low, a, who(u), "user in no team".into(),
                        "add them to a team (infomaniak_add_account_team_users) or offboard them (infomaniak_plan_user_offboarding)");
                }
                continue;
            }
            match u["has_otp"].as_bool() {
                Some(false) => self.flag(
                    Severity::High,
                    a,
                    who(u),
                    format!("{} without two-factor authentication", u["role_type"]),
                    "ask them to turn on 2FA, or require it for the account (manager > Security)",
                ),
                Some(true) => {}
                None => otp_hidden += 1,
            }
            let domain = u["email"].as_str().and_then(domain_of);
            let external = owner_domain.is_some() && domain.is_some() && domain != owner_domain;
            if external && u["role_type"] == "admin" {
                self.flag(Severity::Medium, a, who(u),
                    "administrator from outside the organisation's e-mail domain".into(),
                    "check the person still needs admin rights; lower them to a team with only the products needed");
            }
        }
        if otp_hidden > 0 {
            self.not_checked.push(format!(
                "account {a}: 2FA of {otp_hidden} admin(s) is not visible to this token"
            ));
        }
        Ok(())
    }

    /// A pending user's invitation: stale when expired or older than the window.
    fn invitation(&mut self, a: u64, u: &Value) {
        let Some(inv) = u["invitation_id"].as_u64() else {
            return;
        };
        // GET /1/accounts/{account}/invitations/{invitation} (core.json).
        let details = match self
            .api
            .get(&format!("/1/accounts/{a}/invitations/{inv}"), &[])
        {
            Ok(d) => d,
            Err(e) => {
                self.not_checked
                    .push(format!("account {a}: invitation {inv}: {}", e.message()));
                return;
            }
        };
        let expired = details["expired_at"].as_i64().is_some_and(|t| t < self.now);
        let age = (self.now - details["created_at"].as_i64().unwrap_or(self.now)) / 86_400;
        if expired || age > self.days {
            self.flag(
                if expired {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                a,
                format!(
                    "invitation {inv} ({})",
                    details["email"].as_str().unwrap_or("?")
                ),
                if expired {
                    format!("pending invitation expired, sent {age} days ago")
                } else {
                    format!("invitation pending for {age} days")
                },
                "cancel it (infomaniak_delete_account_invitation) or send a new one",
            );
        }
    }

    /// Products of one account expiring within the window (or already expired), with the
    /// live domain expiry; returns the account's products.
    fn expiry(&mut self, a: u64) -> Result<Vec<Value>, ToolError> {
        let account = a.to_string();
        // GET /1/products (core.json "List products"), every page of the account.
        let products = self
            .api
            .list_all("/1/products", &[("account_id", &account)])?;
        let horizon = self.now + self.days * 86_400;
        // GET /2/domains/domains (infomaniak-api.md §7.2: account_id, expires_before): the
        // live expiry of the domains expiring before the horizon.
        let before = horizon.to_string();
        let live: Option<BTreeMap<String, i64>> = match self.api.list_all(
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
                self.not_checked.push(format!(
                    "account {a}: live domain expiry unavailable ({}); domains not checked",
                    e.message()
                ));
                None
            }
        };
        for p in products.iter().filter(|p| p["is_free"] != true) {
            let name = p["customer_name"].as_str().unwrap_or("?");
            let is_domain = p["service_name"] == "domain";
            let expires = match (&live, is_domain) {
                (Some(map), true) => map.get(&name.to_ascii_lowercase()).copied(),
                (None, true) => continue,
                (_, false) => p["expired_at"].as_i64(),
            };
            let Some(t) = expires else { continue };
            if t <= self.now && !is_domain {
                self.flag(Severity::Info, a, subject_of(p),
                    "/1/products shows an expiry in the past; it may be the original contract date of a renewed product (Q9)".into(),
                    "check the product's own page; renew it if it really lapsed");
            } else if t <= horizon {
                let in_days = (t - self.now).div_euclid(86_400);
                self.flag(
                    if in_days <= 7 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    a,
                    subject_of(p),
                    if t <= self.now {
                        "expired".into()
                    } else {
                        format!("expires in {in_days} day(s)")
                    },
                    "renew it or turn on automatic renewal (manager > Invoicing)",
                );
            }
        }
        Ok(products)
    }

    fn finish(mut self, accounts: &[Value]) -> AuditOutput {
        self.findings.sort_by(|x, y| {
            x.severity
                .cmp(&y.severity)
                .then(x.account_id.cmp(&y.account_id))
        });
        AuditOutput {
            accounts: accounts.iter().map(label).collect(),
            findings: self.findings,
            not_checked: self.not_checked,
        }
    }
}

/// `service id (name)` of a product, as findings name it.
fn subject_of(p: &Value) -> String {
    format!(
        "{} {} ({})",
        p["service_name"].as_str().unwrap_or("product"),
        p["id"],
        p["customer_name"].as_str().unwrap_or("?")
    )
}

/// `infomaniak_audit_account_access`.
pub fn audit_access(ctx: &Ctx, args: AuditArgs) -> Result<AuditOutput, ToolError> {
    let mut run = Run::new(ctx.api(), args.days)?;
    let accounts = scope(&run.api, args.account_id)?;
    for (i, acc) in accounts.iter().enumerate() {
        let a = acc["id"].as_u64().unwrap_or_default();
        ctx.progress(
            i as u32,
            Some(accounts.len() as u32),
            Some(&format!("account {a}")),
        );
        run.people(a).map_err(|e| {
            e.with_hint(format!(
                "auditing account {a}; pass account_id to audit another one alone"
            ))
        })?;
        run.expiry(a)?;
    }
    Ok(run.finish(&accounts))
}

/// `infomaniak_audit_account`: the account's 2FA policy and its products.
pub fn audit_account(ctx: &Ctx, args: AuditArgs) -> Result<AuditOutput, ToolError> {
    let mut run = Run::new(ctx.api(), args.days)?;
    let accounts = scope(&run.api, args.account_id)?;
    for acc in &accounts {
        let a = acc["id"].as_u64().unwrap_or_default();
        if acc["has_2fa_required"] == false {
            run.flag(
                Severity::Medium,
                a,
                label(acc),
                "two-factor authentication is not required for the account's users".into(),
                "require 2FA in the manager (Organisation > Security)",
            );
        }
        for p in run.expiry(a)? {
            if p["is_locked"] == true {
                run.flag(
                    Severity::High,
                    a,
                    subject_of(&p),
                    "product is locked".into(),
                    "check unpaid invoices or abuse notices in the manager",
                );
            }
            if p["has_maintenance"] == true {
                run.flag(
                    Severity::Info,
                    a,
                    subject_of(&p),
                    "product is under maintenance".into(),
                    "nothing to do; retry changes after the maintenance",
                );
            }
        }
    }
    Ok(run.finish(&accounts))
}
