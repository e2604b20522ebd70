//! DNS posture audits: one zone in depth, or every zone of the account with progress.

use ikmcp_pdk::{Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domains::fetch_domains;
use crate::names::{self, APEX, fqdn, source_key};
use crate::targets::txt_value;
use crate::zone::{DnsRecord, Located, dnssec_status, has_dnssec, list_records, locate};

/// Default threshold under which a TTL is reported as low, in seconds.
pub const LOW_TTL_DEFAULT: u32 = 300;

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Likely breaks mail delivery or security.
    High,
    /// A recommended protection is missing.
    Medium,
    /// Worth a look.
    Low,
    /// For information.
    Info,
}

/// One audit finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// Stable identifier (missing_mx, missing_spf, multiple_spf, missing_dmarc,
    /// dnssec_off, dnssec_unknown, wildcard_record, low_ttl).
    pub code: String,
    /// What was found.
    pub message: String,
    /// How to fix it (which tool, which values).
    pub fix: String,
    /// Ids of the records concerned, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<i64>,
}

fn finding(
    severity: Severity,
    code: &str,
    message: String,
    fix: String,
    record_ids: Vec<i64>,
) -> Finding {
    Finding {
        severity,
        code: code.to_string(),
        message,
        fix,
        record_ids,
    }
}

fn txt_at<'a>(
    zone: &str,
    records: &'a [DnsRecord],
    source: &str,
    prefix: &str,
) -> Vec<&'a DnsRecord> {
    records
        .iter()
        .filter(|r| {
            r.record_type.eq_ignore_ascii_case("TXT") && source_key(zone, &r.source) == source
        })
        .filter(|r| {
            txt_value(&r.target)
                .trim_start()
                .to_ascii_lowercase()
                .starts_with(prefix)
        })
        .collect()
}

/// The findings of one zone's records and DNSSEC status (`None` when it could not be read).
/// TXT policies are recognised on the unquoted text, whichever form the API returns.
/// `domain` is the registered domain the zone belongs to, which carries DNSSEC.
pub fn audit_zone(
    zone: &str,
    domain: &str,
    records: &[DnsRecord],
    dnssec: Option<bool>,
    low_ttl: u32,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let at_apex = |t: &str| {
        records
            .iter()
            .any(|r| r.record_type.eq_ignore_ascii_case(t) && source_key(zone, &r.source) == APEX)
    };
    if !at_apex("MX") {
        out.push(finding(
            Severity::Medium,
            "missing_mx",
            format!("{zone} has no MX record: mail to @{zone} cannot be delivered"),
            format!(
                "if the domain receives mail, add MX records with infomaniak_dns_create_record (zone {zone}, type MX, e.g. target `5 mta-gw.infomaniak.ch`); if it never does, publish a null MX `0 .`"
            ),
            vec![],
        ));
    }
    let spf = txt_at(zone, records, APEX, "v=spf1");
    match spf.len() {
        0 => out.push(finding(
            Severity::High,
            "missing_spf",
            format!("{zone} has no SPF record: anyone can send mail claiming to be @{zone}"),
            format!(
                "add a TXT record at the apex of {zone}, e.g. `v=spf1 include:spf.infomaniak.ch -all` (or `v=spf1 -all` if the domain sends no mail)"
            ),
            vec![],
        )),
        1 => {}
        n => out.push(finding(
            Severity::High,
            "multiple_spf",
            format!("{zone} has {n} SPF records; receivers treat that as an SPF error"),
            "merge them into one TXT record and delete the others (infomaniak_dns_update_record, infomaniak_dns_delete_record)".into(),
            spf.iter().map(|r| r.id).collect(),
        )),
    }
    if txt_at(zone, records, "_dmarc", "v=dmarc1").is_empty() {
        out.push(finding(
            Severity::Medium,
            "missing_dmarc",
            format!("{zone} has no DMARC policy (TXT at _dmarc.{zone})"),
            format!("add a TXT record with source _dmarc in zone {zone}, e.g. `v=DMARC1; p=quarantine; rua=mailto:dmarc@{zone}`"),
            vec![],
        ));
    }
    match dnssec {
        Some(false) => out.push(finding(
            Severity::Medium,
            "dnssec_off",
            format!("DNSSEC is off for {domain}: answers for {zone} can be forged"),
            format!("enable it with infomaniak_manage_dnssec (domain {domain}, action enable)"),
            vec![],
        )),
        None => out.push(finding(
            Severity::Info,
            "dnssec_unknown",
            format!("the DNSSEC status of {domain} could not be read"),
            format!("check it with infomaniak_manage_dnssec (domain {domain}, action check)"),
            vec![],
        )),
        Some(true) => {}
    }
    let wildcards: Vec<&DnsRecord> = records
        .iter()
        .filter(|r| r.source.starts_with('*'))
        .collect();
    if !wildcards.is_empty() {
        let names: Vec<String> = wildcards
            .iter()
            .map(|r| format!("{} {}", fqdn(zone, &r.source), r.record_type))
            .collect();
        out.push(finding(
            Severity::Low,
            "wildcard_record",
            format!(
                "{zone} has wildcard records: {}; every unknown name resolves",
                names.join(", ")
            ),
            "keep them only if intended; otherwise delete them with infomaniak_dns_delete_record"
                .into(),
            wildcards.iter().map(|r| r.id).collect(),
        ));
    }
    let low: Vec<&DnsRecord> = records.iter().filter(|r| r.ttl < low_ttl).collect();
    if !low.is_empty() {
        out.push(finding(
            Severity::Low,
            "low_ttl",
            format!("{} record(s) of {zone} have a TTL below {low_ttl} s, which multiplies queries and slows resolution", low.len()),
            "raise their TTL (3600 s is typical) with infomaniak_dns_update_record unless a migration is under way".into(),
            low.iter().map(|r| r.id).collect(),
        ));
    }
    out.sort_by_key(|f| f.severity);
    out
}

/// Number of findings per severity.
#[derive(Debug, Default, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SeverityCounts {
    /// High-severity findings.
    pub high: usize,
    /// Medium-severity findings.
    pub medium: usize,
    /// Low-severity findings.
    pub low: usize,
    /// Informational findings.
    pub info: usize,
}

impl SeverityCounts {
    fn add(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::High => self.high += 1,
                Severity::Medium => self.medium += 1,
                Severity::Low => self.low += 1,
                Severity::Info => self.info += 1,
            }
        }
    }

    fn of(findings: &[Finding]) -> Self {
        let mut c = SeverityCounts::default();
        c.add(findings);
        c
    }
}

/// Arguments of `infomaniak_audit_domain_dns_admin`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneAuditArgs {
    /// Zone or a name in it.
    pub domain: String,
    /// Flag TTLs below this many seconds (default 300).
    #[schemars(range(min = 1, max = 86400))]
    pub low_ttl_threshold: Option<u32>,
}

/// Result of `infomaniak_audit_domain_dns_admin`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneAuditOutput {
    /// The zone audited (the most specific zone holding the name given).
    pub zone: String,
    /// The registered domain the zone belongs to (its DNSSEC is the zone's).
    pub domain: String,
    /// Records in the zone (all pages).
    pub record_count: usize,
    /// DNSSEC status; null when it could not be read.
    pub has_dnssec: Option<bool>,
    /// Threshold used for low TTLs, in seconds.
    pub low_ttl_threshold: u32,
    /// Findings per severity.
    pub summary: SeverityCounts,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
}

/// DNSSEC status, tolerating a failure of the check alone (reported as unknown), but not
/// a host refusal (budget, policy), which must stop the caller.
fn dnssec_or_unknown(ctx: &Ctx, zone: &str) -> Result<Option<bool>, ToolError> {
    match dnssec_status(&ctx.api(), zone) {
        Ok(status) => Ok(Some(has_dnssec(&status))),
        Err(ToolError::Denied(d)) => Err(ToolError::Denied(d)),
        Err(e) => {
            ctx.log(
                ikmcp_pdk::Level::Warn,
                &format!("DNSSEC check of {zone} failed: {}", e.message()),
            );
            Ok(None)
        }
    }
}

/// Audits one zone: the zone holding the name given, with the DNSSEC status of the
/// registered domain above it.
pub fn audit_domain(ctx: &Ctx, args: ZoneAuditArgs) -> Result<ZoneAuditOutput, ToolError> {
    let name = names::zone(&args.domain)?;
    let low_ttl = args.low_ttl_threshold.unwrap_or(LOW_TTL_DEFAULT);
    let Located { zone, domain } = match locate(&ctx.api(), &name) {
        Ok(located) => located,
        Err(e) if e.is_not_found() => Located {
            zone: name.clone(),
            domain: name,
        },
        Err(e) => return Err(e),
    };
    let records = list_records(&ctx.api(), &zone, None)?;
    let has_dnssec = dnssec_or_unknown(ctx, &domain)?;
    let findings = audit_zone(&zone, &domain, &records, has_dnssec, low_ttl);
    Ok(ZoneAuditOutput {
        domain,
        record_count: records.len(),
        has_dnssec,
        low_ttl_threshold: low_ttl,
        summary: SeverityCounts::of(&findings),
        findings,
        zone,
    })
}

/// Arguments of `infomaniak_audit_dns_zones`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonesAuditArgs {
    /// Only this account.
    pub account_id: Option<u64>,
    #[schemars(range(min = 1))]
    pub max_domains: Option<u32>,
    /// Only names containing it.
    pub filter_contains: Option<String>,
    /// Flag TTLs below this many seconds (default 300).
    #[schemars(range(min = 1, max = 86400))]
    pub low_ttl_threshold: Option<u32>,
}

/// The audit of one zone within a cross-zone audit.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneReport {
    /// The zone.
    pub zone: String,
    /// Records in the zone; null when the zone could not be read.
    pub record_count: Option<usize>,
    /// DNSSEC status; null when unknown.
    pub has_dnssec: Option<bool>,
    /// Findings per severity.
    pub summary: SeverityCounts,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    /// Why the zone could not be audited, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Result of `infomaniak_audit_dns_zones`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZonesAuditOutput {
    /// Domains found (after the name filter, before max_domains).
    pub total_domains: usize,
    /// Zones audited successfully.
    pub scanned: usize,
    /// Zones that could not be audited (see their error).
    pub failed: usize,
    /// Zones not reached because the audit had to stop (see stopped_early).
    pub not_scanned: Vec<String>,
    /// Why the audit stopped before the end, if it did (e.g. the request budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<String>,
    /// Findings per severity over all zones.
    pub summary: SeverityCounts,
    /// One report per zone, in domain order.
    pub zones: Vec<ZoneReport>,
}

fn audit_one(ctx: &Ctx, zone: &str, low_ttl: u32) -> Result<ZoneReport, ToolError> {
    let records = list_records(&ctx.api(), zone, None)?;
    let has_dnssec = dnssec_or_unknown(ctx, zone)?;
    let findings = audit_zone(zone, zone, &records, has_dnssec, low_ttl);
    Ok(ZoneReport {
        zone: zone.to_string(),
        record_count: Some(records.len()),
        has_dnssec,
        summary: SeverityCounts::of(&findings),
        findings,
        error: None,
    })
}

/// Audits every zone of the account: continues past a failing zone, stops (and says so)
/// when the host refuses further requests, reports progress per zone.
pub fn audit_zones(ctx: &Ctx, args: ZonesAuditArgs) -> Result<ZonesAuditOutput, ToolError> {
    let low_ttl = args.low_ttl_threshold.unwrap_or(LOW_TTL_DEFAULT);
    let needle = args.filter_contains.as_deref().map(str::to_ascii_lowercase);
    let domains: Vec<String> = fetch_domains(&ctx.api(), args.account_id)?
        .into_iter()
        .map(|d| {
            d.customer_name
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase()
        })
        .filter(|d| needle.as_deref().is_none_or(|n| d.contains(n)))
        .collect();
    let total_domains = domains.len();
    let limit = args
        .max_domains
        .map_or(total_domains, |m| (m as usize).min(total_domains));
    let selected = &domains[..limit];
    let total = u32::try_from(selected.len()).unwrap_or(u32::MAX);
    let mut out = ZonesAuditOutput {
        total_domains,
        scanned: 0,
        failed: 0,
        not_scanned: Vec::new(),
        stopped_early: None,
        summary: SeverityCounts::default(),
        zones: Vec::new(),
    };
    for (i, zone) in selected.iter().enumerate() {
        let done = u32::try_from(i).unwrap_or(u32::MAX);
        ctx.progress(done, Some(total), Some(&format!("auditing {zone}")));
        match audit_one(ctx, zone, low_ttl) {
            Ok(report) => {
                out.scanned += 1;
                out.summary.add(&report.findings);
                out.zones.push(report);
            }
            Err(e) => {
                out.failed += 1;
                out.zones.push(ZoneReport {
                    zone: zone.clone(),
                    record_count: None,
                    has_dnssec: None,
                    summary: SeverityCounts::default(),
                    findings: Vec::new(),
                    error: Some(e.message().to_string()),
                });
                if matches!(e, ToolError::Denied(_)) {
                    out.stopped_early = Some(format!(
                        "the host refused further requests: {}; audit the remaining zones with filter_contains or a smaller max_domains",
                        e.message()
                    ));
                    out.not_scanned = selected[i + 1..].to_vec();
                    break;
                }
            }
        }
    }
    ctx.progress(total, Some(total), Some("audit finished"));
    Ok(out)
}
