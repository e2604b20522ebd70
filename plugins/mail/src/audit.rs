//! Mail posture audits: one mailbox (`infomaniak_audit_mailbox_security`) and every mail
//! hosting (`infomaniak_audit_mail_hostings`, with progress). Each finding has a severity
//! and the exact tool call that fixes it.

use ikmcp_pdk::{Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{
    addresses, domain_of, get, list_mailboxes, mailbox_name, mailbox_path, truthy,
};
use crate::hostings::{list_hostings, redirections};
use crate::mailboxes::{MailboxArgs, mailbox};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// One finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Finding {
    pub severity: Severity,
    /// Stable code, e.g. spf_missing.
    pub code: String,
    pub message: String,
    /// The tool call that fixes it (`{tool, arguments}`), when a tool can.
    pub fix: Option<Value>,
}

fn finding(severity: Severity, code: &str, message: String, fix: Option<Value>) -> Finding {
    Finding {
        severity,
        code: code.into(),
        message,
        fix,
    }
}

fn call(tool: &str, arguments: Value) -> Option<Value> {
    Some(json!({"tool": tool, "arguments": arguments}))
}

/// Result of `infomaniak_audit_mailbox_security`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MailboxAudit {
    pub mailbox: String,
    /// healthy or review_needed.
    pub status: String,
    pub findings: Vec<Finding>,
}

/// The findings of one mailbox from its details (`with=users`), filters and forwarding.
pub fn mailbox_findings(id: u64, mb: &Value, filters: &Value, forwarding: &Value) -> Vec<Finding> {
    let name = mb["mailbox_name"].as_str().unwrap_or_default();
    let address = mb["mailbox"].as_str().unwrap_or(name);
    let own_domain = domain_of(address);
    let args = json!({"mail_hosting_id": id, "mailbox_name": name});
    let mut out = Vec::new();
    if mb["has_move_spam"] != true || mb["has_mail_filtering"] != true {
        out.push(finding(
            Severity::Warning,
            "spam_protection_off",
            format!(
                "{address}: spam is not moved to its folder or commercial/social filtering is off"
            ),
            call("infomaniak_harden_mailbox_security", args.clone()),
        ));
    }
    let blocked = addresses(&mb["blocked_senders"]);
    for s in addresses(&mb["authorized_senders"])
        .iter()
        .filter(|s| blocked.contains(s))
    {
        out.push(finding(
            Severity::Warning,
            "sender_in_both_lists",
            format!("{address}: {s} is both authorized and blocked"),
            call(
                "infomaniak_unauthorize_sender",
                json!({"mail_hosting_id": id, "mailbox_name": name, "sender": s}),
            ),
        ));
    }
    if truthy(&forwarding["is_enabled"]) {
        for t in addresses(&forwarding["redirect_adresses"]) {
            if domain_of(&t) != own_domain {
                out.push(finding(
                    Severity::Warning,
                    "external_forwarding",
                    format!("{address} forwards all its mail to {t}, outside {own_domain}"),
                    call("infomaniak_manage_mailbox_forwarding", json!({"mail_hosting_id": id, "mailbox_name": name, "action": "delete", "forwarding_address": t})),
                ));
            }
        }
    }
    for u in mb["users"].as_array().into_iter().flatten() {
        if u["has_double_auth"] == false {
            out.push(finding(
                Severity::Warning,
                "user_without_2fa",
                format!(
                    "{address}: user {} has no two-factor authentication",
                    u["email"].as_str().unwrap_or_default()
                ),
                None,
            ));
        }
    }
    for s in filters["scripts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| truthy(&s["is_enabled"]))
    {
        out.push(finding(
            Severity::Info,
            "sieve_script_enabled",
            format!(
                "{address}: Sieve script {} is active; review what it does",
                s["name"]
            ),
            None,
        ));
    }
    for f in filters["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| !truthy(&f["is_enabled"]))
    {
        out.push(finding(
            Severity::Info,
            "filter_disabled",
            format!("{address}: filter {} is disabled", f["name"]),
            call(
                "infomaniak_delete_mailbox_filter",
                json!({"mail_hosting_id": id, "mailbox_name": name, "name": f["name"]}),
            ),
        ));
    }
    out
}

fn status(findings: &[Finding]) -> String {
    if findings.iter().any(|f| f.severity >= Severity::Warning) {
        "review_needed"
    } else {
        "healthy"
    }
    .into()
}

/// `infomaniak_audit_mailbox_security`.
pub fn audit_mailbox(ctx: &Ctx, a: MailboxArgs) -> Result<MailboxAudit, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let id = a.mail_hosting_id;
    let api = ctx.api();
    let mb = mailbox(ctx, id, &name, "users")?;
    let base = mailbox_path(id, &name);
    let filters = get(&api, &format!("{base}/auth/filters"), &[])?;
    let forwarding = get(&api, &format!("{base}/forwarding_addresses"), &[])?;
    let findings = mailbox_findings(id, &mb, &filters, &forwarding);
    Ok(MailboxAudit {
        mailbox: mb["mailbox"].as_str().unwrap_or(&name).into(),
        status: status(&findings),
        findings,
    })
}

/// The TXT text of a record target as the API returns it (quoted, maybe in parts).
fn txt(target: &str) -> String {
    if target.contains('"') {
        target.split('"').skip(1).step_by(2).collect()
    } else {
        target.trim().to_string()
    }
}

/// The DNS findings of a mail domain from its zone's records (`GET /2/zones/{zone}/records`,
/// dns.json): MX at Infomaniak, SPF including Infomaniak, DKIM published, DMARC policy.
pub fn dns_findings(domain: &str, records: &[Value], dkim_enabled: Option<bool>) -> Vec<Finding> {
    let at = |source: &str, rtype: &str| -> Vec<String> {
        records
            .iter()
            .filter(|r| {
                r["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(rtype))
            })
            .filter(|r| {
                let s = r["source"].as_str().unwrap_or_default();
                s == source || (source == "." && (s == "@" || s.is_empty() || s == domain))
            })
            .filter_map(|r| r["target"].as_str().map(str::to_string))
            .collect()
    };
    let fix_record = |source: &str, target: &str| {
        call(
            "infomaniak_dns_create_record",
            json!({"zone": domain, "source": source, "type": "TXT", "target": target}),
        )
    };
    let mut out = Vec::new();
    let mx = at(".", "MX");
    if mx.is_empty() {
        out.push(finding(
            Severity::Critical,
            "mx_missing",
            format!("{domain} has no MX record: mail to it is not delivered"),
            call(
                "infomaniak_dns_create_record",
                json!({"zone": domain, "type": "MX", "target": "5 mta-gw.infomaniak.ch"}),
            ),
        ));
    } else if !mx
        .iter()
        .any(|m| m.to_ascii_lowercase().contains("infomaniak.ch"))
    {
        out.push(finding(Severity::Critical, "mx_not_infomaniak", format!("{domain}'s MX ({}) does not point at Infomaniak: the mail hosting receives nothing", mx.join(", ")),
            call("infomaniak_dns_create_record", json!({"zone": domain, "type": "MX", "target": "5 mta-gw.infomaniak.ch"}))));
    }
    let spf: Vec<(Value, String)> = records
        .iter()
        .filter(|r| {
            r["type"] == "TXT" && matches!(r["source"].as_str(), Some(".") | Some("@") | Some(""))
        })
        .map(|r| {
            (
                r["id"].clone(),
                txt(r["target"].as_str().unwrap_or_default()),
            )
        })
        .filter(|(_, t)| t.starts_with("v=spf1"))
        .collect();
    match spf.as_slice() {
        [] => out.push(finding(Severity::Warning, "spf_missing", format!("{domain} publishes no SPF record: its mail is easier to spoof and more often marked spam"),
            fix_record(".", "v=spf1 include:spf.infomaniak.ch -all"))),
        [(id, one)] if !one.contains("include:spf.infomaniak.ch") => out.push(finding(Severity::Warning, "spf_without_infomaniak",
            format!("{domain}'s SPF ({one}) does not include spf.infomaniak.ch: mail sent through Infomaniak fails SPF"),
            call("infomaniak_dns_update_record", json!({"zone": domain, "record_id": id, "target": one.replacen("v=spf1", "v=spf1 include:spf.infomaniak.ch", 1)})))),
        [_] => {}
        _ => out.push(finding(Severity::Warning, "spf_multiple", format!("{domain} has {} SPF records; receivers treat that as an error", spf.len()), None)),
    }
    let dkim = records.iter().any(|r| {
        r["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("TXT"))
            && r["source"]
                .as_str()
                .is_some_and(|s| s.contains("_domainkey"))
            && r["target"]
                .as_str()
                .is_some_and(|t| t.contains("v=DKIM1") || t.contains("p="))
    });
    if !dkim {
        out.push(finding(
            Severity::Warning,
            "dkim_not_published",
            format!(
                "{domain} publishes no DKIM key (no TXT under _domainkey){}",
                if dkim_enabled == Some(false) {
                    "; DKIM signing is also off for the hosting"
                } else {
                    ""
                }
            ),
            None,
        ));
    }
    let dmarc: Vec<String> = at("_dmarc", "TXT")
        .iter()
        .map(|t| txt(t))
        .filter(|t| t.starts_with("v=DMARC1"))
        .collect();
    match dmarc.first() {
        None => out.push(finding(
            Severity::Warning,
            "dmarc_missing",
            format!("{domain} has no DMARC policy"),
            fix_record("_dmarc", "v=DMARC1; p=quarantine"),
        )),
        Some(d) if d.replace(' ', "").contains("p=none") => out.push(finding(
            Severity::Info,
            "dmarc_monitor_only",
            format!("{domain}'s DMARC policy is p=none (reports only, no protection)"),
            None,
        )),
        _ => {}
    }
    out
}

/// Arguments of `infomaniak_audit_mail_hostings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingsAuditArgs {
    /// Only this hosting.
    pub mail_hosting_id: Option<u64>,
    /// Also audit each mailbox (one read per mailbox).
    pub include_mailboxes: Option<bool>,
}

/// One hosting's audit.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HostingAudit {
    pub mail_hosting_id: Value,
    pub domain: String,
    pub status: String,
    pub findings: Vec<Finding>,
    /// A read that failed (the rest of the audit went on).
    pub error: Option<String>,
}

/// Result of `infomaniak_audit_mail_hostings`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HostingsAudit {
    pub audited: usize,
    pub failed: usize,
    pub hostings: Vec<HostingAudit>,
}

fn audit_one(ctx: &Ctx, id: u64, domain: &str, deep: bool) -> Result<Vec<Finding>, ToolError> {
    let api = ctx.api();
    let mut findings = Vec::new();
    let with = if deep {
        Some("redirection,users")
    } else {
        Some("redirection")
    };
    let boxes = list_mailboxes(&api, id, with)?;
    match api.list_all(&format!("/2/zones/{domain}/records"), &[]) {
        Ok(records) => findings.extend(dns_findings(domain, &records, None)),
        Err(e) if e.is_not_found() => findings.push(finding(Severity::Info, "dns_elsewhere",
            format!("{domain}'s zone is not at Infomaniak; check MX, SPF, DKIM and DMARC at its DNS provider"), None)),
        Err(e) => return Err(e),
    }
    for r in redirections(ctx, id)? {
        let name = r["name"].as_str().unwrap_or_default();
        if name == "*" || name == "catchall" || name == "catch-all" {
            findings.push(finding(
                Severity::Warning,
                "catch_all",
                format!(
                    "{domain} has a catch-all redirection ({name}): it collects spam to any address"
                ),
                call(
                    "infomaniak_delete_redirection",
                    json!({"mail_hosting_id": id, "name": name}),
                ),
            ));
        }
        for t in r["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["address"].as_str())
        {
            if domain_of(t) != domain {
                findings.push(finding(
                    Severity::Info,
                    "external_redirection",
                    format!("redirection {name}@{domain} sends to {t}, outside the domain"),
                    None,
                ));
            }
        }
    }
    for mb in &boxes {
        let name = mb["mailbox_name"].as_str().unwrap_or_default();
        if deep {
            let base = mailbox_path(id, name);
            let filters = get(&api, &format!("{base}/auth/filters"), &[])?;
            let fwd = get(&api, &format!("{base}/forwarding_addresses"), &[])?;
            findings.extend(mailbox_findings(id, mb, &filters, &fwd));
        } else {
            for t in addresses(&mb["redirection"])
                .iter()
                .filter(|t| domain_of(t) != domain)
            {
                findings.push(finding(Severity::Warning, "external_forwarding",
                    format!("{name}@{domain} forwards to {t}, outside the domain"),
                    call("infomaniak_manage_mailbox_forwarding", json!({"mail_hosting_id": id, "mailbox_name": name, "action": "delete", "forwarding_address": t}))));
            }
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Ok(findings)
}

/// `infomaniak_audit_mail_hostings`: every hosting (or one), progress after each.
pub fn audit_hostings(ctx: &Ctx, a: HostingsAuditArgs) -> Result<HostingsAudit, ToolError> {
    let all: Vec<Value> = list_hostings(ctx)?
        .into_iter()
        .filter(|p| a.mail_hosting_id.is_none_or(|id| p["id"] == id))
        .collect();
    if let (Some(id), true) = (a.mail_hosting_id, all.is_empty()) {
        return Err(ikmcp_pdk::error::not_found(
            format!("no mail hosting {id}"),
            "infomaniak_list_mail_hostings lists them",
        ));
    }
    let total = all.len() as u32;
    let mut out = Vec::new();
    for (i, p) in all.iter().enumerate() {
        let domain = p["customer_name"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let id = p["id"].as_u64().unwrap_or_default();
        let audit = match audit_one(ctx, id, &domain, a.include_mailboxes.unwrap_or(false)) {
            Ok(findings) => HostingAudit {
                mail_hosting_id: p["id"].clone(),
                domain: domain.clone(),
                status: status(&findings),
                findings,
                error: None,
            },
            Err(e) => HostingAudit {
                mail_hosting_id: p["id"].clone(),
                domain: domain.clone(),
                status: "failed".into(),
                findings: vec![],
                error: Some(e.message().to_string()),
            },
        };
        out.push(audit);
        ctx.progress(i as u32 + 1, Some(total), Some(&domain));
    }
    let failed = out.iter().filter(|h| h.error.is_some()).count();
    Ok(HostingsAudit {
        audited: out.len() - failed,
        failed,
        hostings: out,
    })
}
