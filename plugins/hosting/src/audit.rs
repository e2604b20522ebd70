//! `infomaniak_audit_hosting`: certificates expiring or in error, sites without SSL,
//! PHP and WordPress versions, databases without a recent backup, users with SSH access.
//! Every finding has a severity and a fix. Reads only.

use std::time::{SystemTime, UNIX_EPOCH};

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{hosting_path, public};

const DAY: i64 = 86_400;
/// A certificate expiring within this many days is reported.
pub const EXPIRY_WARNING_DAYS: i64 = 21;
/// A database whose newest backup is older than this many days is reported.
pub const BACKUP_MAX_AGE_DAYS: i64 = 7;
/// PHP releases without security support (php.net supported versions, 2026).
pub const PHP_UNSUPPORTED: &[&str] = &["5.6", "7.0", "7.1", "7.2", "7.3", "7.4", "8.0", "8.1"];

/// Arguments of `infomaniak_audit_hosting`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// One hosting (also checks each certificate); none = every hosting.
    pub hosting_id: Option<u64>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Finding {
    /// high, medium or low.
    pub severity: String,
    /// Hosting id.
    pub hosting_id: u64,
    /// Site, database or user concerned.
    pub target: String,
    /// What is wrong.
    pub issue: String,
    /// What to do.
    pub fix: String,
    /// The tool call that fixes it, ready to send (`{tool, arguments}`); none when only the
    /// manager can (PHP version, WordPress update, backup option).
    pub call: Option<Value>,
}

/// Result of the audit.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// Hostings audited.
    pub hostings: usize,
    /// Sites seen.
    pub sites: usize,
    /// Whether each certificate was read (one hosting only).
    pub certificates_checked: bool,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn finding(severity: &str, hosting_id: u64, target: &str, issue: String, fix: &str) -> Finding {
    Finding {
        severity: severity.into(),
        hosting_id,
        target: target.into(),
        issue,
        fix: fix.into(),
        call: None,
    }
}

impl Finding {
    /// The finding fixed by calling `tool` with `arguments`.
    fn fixed_by(mut self, tool: &str, arguments: Value) -> Finding {
        self.call = Some(json!({"tool": tool, "arguments": arguments}));
        self
    }
}

/// The findings about one site (as listed with `applications` and `environments`) and,
/// when read, its certificate; `now` in unix seconds.
pub fn site_findings(
    hosting_id: u64,
    site: &Value,
    certificate: Option<&Value>,
    now: i64,
) -> Vec<Finding> {
    let name = site["main_fqdn"].as_str().unwrap_or("?");
    let site_ref = json!({"hosting_id": hosting_id, "site_id": site["id"]});
    let free = json!({"hosting_id": hosting_id, "site_id": site["id"], "type": "free"});
    let mut out = Vec::new();
    if site["ssl_status"] == "disabled" {
        out.push(
            finding(
                "high",
                hosting_id,
                name,
                "no SSL certificate: the site is served over plain HTTP".into(),
                "install a free certificate: infomaniak_request_certificate (call)",
            )
            .fixed_by(crate::REQUEST_CERTIFICATE, free.clone()),
        );
    } else if let Some(exp) = site["ssl_expired_at"].as_i64() {
        if exp < now {
            out.push(
                finding(
                    "high",
                    hosting_id,
                    name,
                    format!("certificate expired {} day(s) ago", (now - exp) / DAY),
                    "request a new one: infomaniak_request_certificate (call; type paid with certificate_id for a paid one)",
                )
                .fixed_by(crate::REQUEST_CERTIFICATE, free.clone()),
            );
        } else if exp < now + EXPIRY_WARNING_DAYS * DAY {
            out.push(
                finding(
                    "medium",
                    hosting_id,
                    name,
                    format!("certificate expires in {} day(s)", (exp - now) / DAY),
                    "check that it renews: infomaniak_get_certificate (call)",
                )
                .fixed_by(crate::GET_CERTIFICATE, site_ref),
            );
        }
    }
    if let Some(c) = certificate
        && (c["status"] == "error" || c["error_on_certificate"] == true)
    {
        out.push(
            finding(
                "high",
                hosting_id,
                name,
                format!("certificate in error for {}", c["error_identifiers"]),
                "point the names in error at the hosting (infomaniak_dns_list_records, infomaniak_dns_update_record) or remove them (infomaniak_delete_site_alias), then request it again: infomaniak_request_certificate (call)",
            )
            .fixed_by(crate::REQUEST_CERTIFICATE, free),
        );
    }
    for env in site["environments"].as_array().into_iter().flatten() {
        if env["type"] == "php"
            && let Some(v) = env["version"].as_str()
            && PHP_UNSUPPORTED.contains(&v)
        {
            out.push(finding(
                "medium",
                hosting_id,
                name,
                format!("PHP {v} no longer gets security fixes"),
                "no tool changes it: switch the site to PHP 8.3 or later in the manager (site, PHP settings)",
            ));
        }
    }
    for app in site["applications"].as_array().into_iter().flatten() {
        if app["type"] == "wordpress"
            && let Some(v) = app["version"].as_str()
        {
            let minor: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
            if minor.len() >= 2 && (minor[0], minor[1]) < (6, 5) {
                out.push(finding(
                    "medium",
                    hosting_id,
                    name,
                    format!("WordPress {v} is outdated"),
                    "no tool updates it: update WordPress from its admin page (wp-admin, Updates)",
                ));
            }
        }
    }
    out
}

/// The findings about one database (`backups` = unix seconds).
pub fn database_findings(hosting_id: u64, db: &Value, now: i64) -> Vec<Finding> {
    let name = db["name"].as_str().unwrap_or("?");
    let newest = db["backups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .max();
    match newest {
        None => vec![finding(
            "high",
            hosting_id,
            name,
            "no backup at all".into(),
            "no tool changes it: check the hosting's backup option in the manager",
        )],
        Some(t) if t < now - BACKUP_MAX_AGE_DAYS * DAY => vec![finding(
            "medium",
            hosting_id,
            name,
            format!("newest backup is {} day(s) old", (now - t) / DAY),
            "no tool changes it: check the hosting's backup option in the manager",
        )],
        _ => vec![],
    }
}

/// The findings about one FTP/SSH user.
pub fn user_findings(hosting_id: u64, user: &Value) -> Vec<Finding> {
    let login = user["login"].as_str().unwrap_or("?");
    if user["has_ssh"] == true {
        vec![finding(
            "low",
            hosting_id,
            login,
            "has SSH shell access, not only SFTP".into(),
            "if no shell is needed, make it SFTP only: infomaniak_change_hosting_user_connection_type (call)",
        )
        .fixed_by(
            crate::CHANGE_HOSTING_USER_CONNECTION_TYPE,
            json!({"hosting_id": hosting_id, "login": login, "connection_type": "ftp"}),
        )]
    } else {
        vec![]
    }
}

fn rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// Audits one hosting or all of them (progress per hosting; a hosting that fails to read
/// is a finding, not an abort).
pub fn audit(ctx: &Ctx, a: Args) -> Result<Report, ToolError> {
    let api = public(ctx);
    let ids: Vec<u64> = match a.hosting_id {
        Some(id) => vec![id],
        None => api
            .list_all("/1/products", &[("service_name", "hosting")])?
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect(),
    };
    let now = now();
    let mut findings = Vec::new();
    let mut sites_seen = 0;
    for (i, hid) in ids.iter().enumerate() {
        ctx.progress(
            i as u32,
            Some(ids.len() as u32),
            Some(&format!("hosting {hid}")),
        );
        let base = hosting_path(*hid);
        let read = (|| -> Result<(), ToolError> {
            let sites = api.list_all(
                &format!("{base}/sites"),
                &[("with[]", "applications"), ("with[]", "environments")],
            )?;
            sites_seen += sites.len();
            for s in &sites {
                let cert = if a.hosting_id.is_some() && s["ssl_status"] != "disabled" {
                    s["id"]
                        .as_u64()
                        .map(|sid| api.get(&format!("{base}/certificates/{sid}"), &[]))
                        .transpose()
                        .ok()
                        .flatten()
                } else {
                    None
                };
                findings.extend(site_findings(*hid, s, cert.as_ref(), now));
            }
            for d in api.list_all(&format!("{base}/databases"), &[])? {
                findings.extend(database_findings(*hid, &d, now));
            }
            for u in api.list_all(&format!("{base}/users"), &[])? {
                findings.extend(user_findings(*hid, &u));
            }
            Ok(())
        })();
        if let Err(e) = read {
            if a.hosting_id.is_some() {
                return Err(e);
            }
            findings.push(
                finding(
                    "medium",
                    *hid,
                    &format!("hosting {hid}"),
                    format!(
                        "could not be read: {}",
                        ikmcp_pdk::ToolErrorExt::message(&e)
                    ),
                    "audit it alone to see the error: infomaniak_audit_hosting (call)",
                )
                .fixed_by(crate::AUDIT_HOSTING, json!({"hosting_id": hid})),
            );
        }
    }
    findings.sort_by_key(|f| rank(&f.severity));
    Ok(Report {
        hostings: ids.len(),
        sites: sites_seen,
        certificates_checked: a.hosting_id.is_some(),
        findings,
    })
}
