//! Record tools: list, create, update, delete. Writes are plan/apply: the plan reads the
//! current records, shows the exact before/after and pins the exact request.

use ikmcp_pdk::error::{conflict, internal, invalid_args};
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{
    Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, api::decode, single_effect,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::names::{self, APEX, fqdn, source_key};
use crate::targets::{self, RecordType, TTL_DEFAULT, TXT_STRING_MAX, check_ttl, same_target};
use crate::zone::{
    DnsRecord, get_record, in_zone, list_records, listable_type, record_path, records_path,
    refine_error,
};

/// Arguments of `infomaniak_dns_list_records`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Zone or a name in it, e.g. www.example.com.
    pub zone: String,
    /// Only this record type.
    #[serde(rename = "type")]
    pub record_type: Option<String>,
    /// Only this name (www, @ = apex).
    pub source: Option<String>,
}

/// Result of `infomaniak_dns_list_records`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    /// The zone listed.
    pub zone: String,
    /// Number of records returned (after filters), across all pages.
    pub count: usize,
    /// The records.
    pub records: Vec<DnsRecord>,
}

/// Lists every record of a zone (all pages), filtered by type and name. A name given as
/// the zone that is not one lists that name's records in the zone holding it.
pub fn list(ctx: &Ctx, args: ListArgs) -> Result<ListOutput, ToolError> {
    let given = names::zone(&args.zone)?;
    let rtype = args.record_type.as_deref().map(listable_type).transpose()?;
    let api = ctx.api();
    let (zone, prefix, all) = in_zone(&api, &given, |z| list_records(&api, z, rtype.as_deref()))?;
    let source = match (args.source.as_deref(), prefix) {
        (None, None) => None,
        (given_source, _) => Some(located_source(&given, &zone, given_source)?),
    };
    let records: Vec<DnsRecord> = all
        .into_iter()
        .filter(|r| {
            rtype
                .as_deref()
                .is_none_or(|t| r.record_type.eq_ignore_ascii_case(t))
        })
        .filter(|r| {
            source
                .as_deref()
                .is_none_or(|s| source_key(&zone, &r.source) == s)
        })
        .collect();
    Ok(ListOutput {
        zone,
        count: records.len(),
        records,
    })
}

/// A record name given relative to `given` (what the caller called the zone), made relative
/// to `zone`, the zone that actually holds it (`_acme-challenge` in `www.example.com` is
/// `_acme-challenge.www` in zone `example.com`).
fn located_source(given: &str, zone: &str, source: Option<&str>) -> Result<String, ToolError> {
    let relative = names::source(given, source)?;
    names::source(zone, Some(&fqdn(given, &relative)))
}

/// The zone a confirmed plan writes to (`/2/zones/{zone}/...`), so apply uses the zone the
/// plan found without looking it up again.
fn planned_zone(plan: &Plan) -> Result<String, ToolError> {
    let effect = single_effect(plan)?;
    effect
        .path_pattern
        .strip_prefix("/2/zones/")
        .and_then(|rest| rest.split('/').next())
        .filter(|z| !z.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            internal(format!(
                "the confirmed plan writes to {}, not to a zone",
                effect.path_pattern
            ))
        })
}

/// Arguments of `infomaniak_dns_create_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// Zone or a name in it.
    pub zone: String,
    /// Name in the zone (www, *.dev); @ or none = apex.
    pub source: Option<String>,
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// MX: `priority host`; SRV: `priority weight port host`; CAA: `flags tag value`; TXT: unquoted text.
    pub target: String,
    /// Seconds (default 3600).
    #[schemars(range(min = 60, max = 86400))]
    pub ttl: Option<u32>,
    /// MX/SRV priority, if not in target.
    pub priority: Option<u16>,
}

/// Result of `infomaniak_dns_create_record`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateOutput {
    /// The zone.
    pub zone: String,
    /// False when an identical record already existed and nothing was written.
    pub created: bool,
    /// The record (with its id, for update, delete or undo).
    pub record: DnsRecord,
}

/// The request body and the records at the same name a create depends on.
struct CreateIntent {
    zone: String,
    source: String,
    rtype: RecordType,
    target: String,
    ttl: u32,
}

impl CreateIntent {
    /// The intent of `args` in `zone`, the zone holding the name `args.zone` gave.
    fn from_args(args: &CreateArgs, zone: String) -> Result<Self, ToolError> {
        let given = names::zone(&args.zone)?;
        let source = located_source(&given, &zone, args.source.as_deref())?;
        let rtype = args.record_type;
        if rtype == RecordType::Cname && source == APEX {
            return Err(invalid_args(
                format!(
                    "a CNAME cannot be at the apex of {zone}: it would hide the zone's SOA, NS and MX records"
                ),
                "use A/AAAA records at the apex, or put the CNAME on a name such as www",
            ));
        }
        let target = targets::normalize(rtype, &args.target, args.priority)?;
        let ttl = check_ttl(args.ttl.unwrap_or(TTL_DEFAULT))?;
        Ok(CreateIntent {
            zone,
            source,
            rtype,
            target,
            ttl,
        })
    }

    /// The POST body; the apex is sent without `source` (the API reads none as the apex).
    fn body(&self) -> Value {
        let mut body = json!({"type": self.rtype.as_str(), "target": self.target, "ttl": self.ttl});
        if self.source != APEX {
            body["source"] = json!(self.source);
        }
        body
    }

    fn label(&self) -> String {
        format!("{} {}", fqdn(&self.zone, &self.source), self.rtype.as_str())
    }
}

/// Plans a record creation: refuses conflicts, no-changes an identical record.
pub fn plan_create(ctx: &Ctx, args: CreateArgs) -> Result<Planned<CreateOutput>, ToolError> {
    let given = names::zone(&args.zone)?;
    // What does not depend on which zone holds the name is refused before any request.
    names::source(&given, args.source.as_deref())?;
    targets::normalize(args.record_type, &args.target, args.priority)?;
    check_ttl(args.ttl.unwrap_or(TTL_DEFAULT))?;
    let api = ctx.api();
    let (zone, _, all) = in_zone(&api, &given, |z| list_records(&api, z, None))?;
    let intent = CreateIntent::from_args(&args, zone)?;
    let zone = &intent.zone;
    let at_source: Vec<DnsRecord> = all
        .into_iter()
        .filter(|r| source_key(zone, &r.source) == intent.source)
        .collect();
    let rtype = intent.rtype.as_str();
    if let Some(same) = at_source.iter().find(|r| {
        r.record_type.eq_ignore_ascii_case(rtype) && same_target(rtype, &r.target, &intent.target)
    }) {
        if same.ttl == intent.ttl {
            return Ok(Planned::NoChange(CreateOutput {
                zone: zone.clone(),
                created: false,
                record: same.clone(),
            }));
        }
        return Err(conflict(
            format!(
                "{} → {} already exists (record {}) with ttl {}",
                intent.label(),
                same.target,
                same.id,
                same.ttl
            ),
            format!(
                "to change its ttl call infomaniak_dns_update_record with zone {zone}, record_id {} and ttl {}",
                same.id, intent.ttl
            ),
        ));
    }
    let is_cname = |r: &DnsRecord| r.record_type.eq_ignore_ascii_case("CNAME");
    if intent.rtype == RecordType::Cname && !at_source.is_empty() {
        return Err(conflict(
            format!(
                "{} already has records; a CNAME must be the only record of its name",
                fqdn(zone, &intent.source)
            ),
            "delete the other records of that name first, or use another name",
        ));
    }
    if let Some(cname) = at_source.iter().find(|r| is_cname(r)) {
        return Err(conflict(
            format!(
                "{} is a CNAME (record {}); no other record can share its name",
                fqdn(zone, &intent.source),
                cname.id
            ),
            "delete the CNAME first (infomaniak_dns_delete_record) or use another name",
        ));
    }
    let body = intent.body();
    let after =
        json!({"source": intent.source, "type": rtype, "target": intent.target, "ttl": intent.ttl});
    let mut summary = format!(
        "Create {} record {} → {} (TTL {} s) in zone {zone}.",
        rtype,
        fqdn(zone, &intent.source),
        intent.target,
        intent.ttl
    );
    if intent.rtype == RecordType::Txt && intent.target.len() > TXT_STRING_MAX {
        summary.push_str(&format!(
            " The text is longer than {TXT_STRING_MAX} bytes, so DNS stores it as several strings; how the API splits it is not documented: check the record after applying."
        ));
    }
    PlanBuilder::new(ctx.role(), summary)
        .change(
            format!("{zone}: {}", intent.label()),
            "create",
            None::<&Value>,
            Some(&after),
        )
        .snapshot(&json!({"zone": zone, "source": intent.source, "records": at_source}))
        .effect(HttpMethod::Post, records_path(zone), Some(&body))
        .confirm()
}

/// A record from a write's answer: the record itself, or its id (then read back).
fn record_from_answer(
    ctx: &Ctx,
    zone: &str,
    data: Value,
    fallback_id: Option<i64>,
) -> Result<DnsRecord, ToolError> {
    match data {
        Value::Object(_) => decode(data, &records_path(zone)),
        Value::Number(n) if n.as_i64().is_some() => {
            get_record(&ctx.api(), zone, n.as_i64().unwrap_or_default())
        }
        Value::String(s) if s.parse::<i64>().is_ok() => {
            get_record(&ctx.api(), zone, s.parse().unwrap_or_default())
        }
        _ => match fallback_id {
            Some(id) => get_record(&ctx.api(), zone, id),
            None => Err(internal(format!(
                "the API answered {data} instead of the record"
            ))),
        },
    }
}

/// Performs the confirmed creation and returns the created record.
pub fn apply_create(
    ctx: &Ctx,
    args: CreateArgs,
    confirmed: &Plan,
) -> Result<CreateOutput, ToolError> {
    let intent = CreateIntent::from_args(&args, planned_zone(confirmed)?)?;
    let data = ctx
        .api()
        .perform(single_effect(confirmed)?)
        .map_err(refine_error)?;
    let record = match data {
        Value::Object(_) | Value::Number(_) | Value::String(_) => {
            record_from_answer(ctx, &intent.zone, data, None)?
        }
        _ => find_created(ctx, &intent)?,
    };
    Ok(CreateOutput {
        zone: intent.zone,
        created: true,
        record,
    })
}

/// Finds the record a create made when the API answered without it.
fn find_created(ctx: &Ctx, intent: &CreateIntent) -> Result<DnsRecord, ToolError> {
    let rtype = intent.rtype.as_str();
    list_records(&ctx.api(), &intent.zone, Some(rtype))?
        .into_iter()
        .find(|r| {
            source_key(&intent.zone, &r.source) == intent.source
                && r.record_type.eq_ignore_ascii_case(rtype)
                && same_target(rtype, &r.target, &intent.target)
        })
        .ok_or_else(|| {
            internal(format!(
                "the API accepted the creation of {} but it is not listed",
                intent.label()
            ))
        })
}

/// Arguments of `infomaniak_dns_update_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    pub zone: String,
    /// From infomaniak_dns_list_records.
    pub record_id: i64,
    /// As in create.
    pub target: Option<String>,
    /// Seconds.
    #[schemars(range(min = 60, max = 86400))]
    pub ttl: Option<u32>,
    /// MX/SRV priority (alone: keeps the host).
    pub priority: Option<u16>,
}

/// Result of `infomaniak_dns_update_record`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateOutput {
    /// The zone.
    pub zone: String,
    /// False when the record already had these values and nothing was written.
    pub updated: bool,
    /// The record after the update.
    pub record: DnsRecord,
}

fn updated_record(before: &DnsRecord, args: &UpdateArgs) -> Result<DnsRecord, ToolError> {
    if args.target.is_none() && args.ttl.is_none() && args.priority.is_none() {
        return Err(invalid_args(
            "nothing to update",
            "give at least one of target, ttl or priority",
        ));
    }
    let rtype = RecordType::parse(&before.record_type).ok_or_else(|| {
        invalid_args(
            format!("record {} is of type {}, which cannot be changed through this tool", before.id, before.record_type),
            "only A, AAAA, CAA, CNAME, DNAME, DS, MX, NS, SMIMEA, SRV, SSHFP, TLSA and TXT records can be updated",
        )
    })?;
    let target = match (&args.target, args.priority) {
        (Some(t), p) => {
            let normalized = targets::normalize(rtype, t, p)?;
            if same_target(rtype.as_str(), &before.target, &normalized) {
                before.target.clone()
            } else {
                normalized
            }
        }
        (None, Some(p)) => {
            if !rtype.has_priority() {
                return Err(invalid_args(
                    format!(
                        "priority only applies to MX and SRV records; record {} is {}",
                        before.id, before.record_type
                    ),
                    "remove priority",
                ));
            }
            let t = targets::with_priority(rtype, &before.target, p)?;
            if same_target(rtype.as_str(), &before.target, &t) {
                before.target.clone()
            } else {
                t
            }
        }
        (None, None) => before.target.clone(),
    };
    let ttl = match args.ttl {
        Some(t) => check_ttl(t)?,
        None => before.ttl,
    };
    Ok(DnsRecord {
        target,
        ttl,
        ..before.clone()
    })
}

/// The PUT body: only what changes (dns.json: `target` and `ttl` are both optional). An
/// unchanged target is left out, so a TXT target the API returned quoted is never sent
/// back quoted.
fn update_body(before: &DnsRecord, after: &DnsRecord) -> Value {
    let mut body = json!({});
    if after.target != before.target {
        body["target"] = json!(after.target);
    }
    if after.ttl != before.ttl {
        body["ttl"] = json!(after.ttl);
    }
    body
}

/// Plans a record update: the record before, the record after, the exact PUT.
pub fn plan_update(ctx: &Ctx, args: UpdateArgs) -> Result<Planned<UpdateOutput>, ToolError> {
    let given = names::zone(&args.zone)?;
    let api = ctx.api();
    let (zone, _, before) = in_zone(&api, &given, |z| get_record(&api, z, args.record_id))?;
    let after = updated_record(&before, &args)?;
    if after == before {
        return Ok(Planned::NoChange(UpdateOutput {
            zone,
            updated: false,
            record: before,
        }));
    }
    let body = update_body(&before, &after);
    let name = fqdn(&zone, &source_key(&zone, &before.source));
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Update {} record {} (id {}): {} (TTL {}) → {} (TTL {}).",
            before.record_type, name, before.id, before.target, before.ttl, after.target, after.ttl
        ),
    )
    .change(
        format!(
            "{zone}: record {} ({} {})",
            before.id, name, before.record_type
        ),
        "update",
        Some(&before),
        Some(&after),
    )
    .snapshot(&before)
    .effect(HttpMethod::Put, record_path(&zone, before.id), Some(&body))
    .confirm()
}

/// Performs the confirmed update and returns the record as the API now has it.
pub fn apply_update(
    ctx: &Ctx,
    args: UpdateArgs,
    confirmed: &Plan,
) -> Result<UpdateOutput, ToolError> {
    let zone = planned_zone(confirmed)?;
    let data = ctx
        .api()
        .perform(single_effect(confirmed)?)
        .map_err(refine_error)?;
    let record = record_from_answer(ctx, &zone, data, Some(args.record_id))?;
    Ok(UpdateOutput {
        zone,
        updated: true,
        record,
    })
}

/// Arguments of `infomaniak_dns_delete_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteArgs {
    pub zone: String,
    /// From infomaniak_dns_list_records.
    pub record_id: i64,
}

/// Result of `infomaniak_dns_delete_record`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteOutput {
    /// The zone.
    pub zone: String,
    /// Id of the deleted record.
    pub record_id: i64,
    /// Always true once applied.
    pub deleted: bool,
    /// The record as it was before deletion (to recreate it if needed).
    pub record: DnsRecord,
}

/// Plans a record deletion; refuses the records the zone cannot live without.
pub fn plan_delete(ctx: &Ctx, args: DeleteArgs) -> Result<Planned<DeleteOutput>, ToolError> {
    let given = names::zone(&args.zone)?;
    let api = ctx.api();
    let (zone, _, record) = in_zone(&api, &given, |z| get_record(&api, z, args.record_id))?;
    let source = source_key(&zone, &record.source);
    let rtype = record.record_type.to_ascii_uppercase();
    if rtype == "SOA" || (rtype == "NS" && source == APEX) {
        return Err(invalid_args(
            format!(
                "record {} is the zone's {} at the apex; deleting it would break the zone {zone}",
                record.id, rtype
            ),
            "to move the domain to other name servers use infomaniak_manage_domain_nameservers",
        ));
    }
    let name = fqdn(&zone, &source);
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Delete {} record {} → {} (id {}, TTL {}) from zone {zone}.",
            record.record_type, name, record.target, record.id, record.ttl
        ),
    )
    .change(
        format!(
            "{zone}: record {} ({} {})",
            record.id, name, record.record_type
        ),
        "delete",
        Some(&record),
        None::<&Value>,
    )
    .snapshot(&record)
    .effect(HttpMethod::Delete, record_path(&zone, record.id), None)
    .confirm()
}

/// Performs the confirmed deletion; reports the deleted record from the confirmed plan.
pub fn apply_delete(
    ctx: &Ctx,
    args: DeleteArgs,
    confirmed: &Plan,
) -> Result<DeleteOutput, ToolError> {
    let zone = planned_zone(confirmed)?;
    let record: DnsRecord = change_before(confirmed, 0)
        .ok_or_else(|| internal("the confirmed plan does not carry the record to delete"))
        .and_then(|v| decode(v, "the confirmed plan"))?;
    if record.id != args.record_id {
        return Err(internal(format!(
            "the confirmed plan deletes record {}, not record {}",
            record.id, args.record_id
        )));
    }
    ctx.api()
        .perform(single_effect(confirmed)?)
        .map_err(refine_error)?;
    Ok(DeleteOutput {
        zone,
        record_id: record.id,
        deleted: true,
        record,
    })
}
