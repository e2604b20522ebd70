//! SSL certificates of sites, on the public API (infomaniak-api.md §7.4; the collection
//! route answers 401, so certificates are read one site at a time).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{
    Ctx, HttpMethod, INFOMANIAK_API, Plan, PlanBuilder, Planned, SecretArg, ToolError, ToolErrorExt,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{Outcome, effect, hosting_path, lock_hosting, nth, outcome, perform, public};
use crate::sites::{SiteArgs, get_site};

/// Result of `infomaniak_get_certificate`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CertOut {
    /// Whether the site has a certificate.
    pub installed: bool,
    /// The certificate (status, type, issuer, expiry, errors).
    pub certificate: Option<Value>,
}

/// The certificate of a site, `None` when it has none (the API answers 404).
pub fn read(ctx: &Ctx, hosting_id: u64, site_id: u64) -> Result<Option<Value>, ToolError> {
    match public(ctx).get(
        &format!("{}/certificates/{site_id}", hosting_path(hosting_id)),
        &[],
    ) {
        Ok(c) => Ok(Some(c)),
        Err(e) if e.is_not_found() => {
            get_site(ctx, hosting_id, site_id)?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `GET /1/web_hostings/{id}/certificates/{site}`.
pub fn get(ctx: &Ctx, a: SiteArgs) -> Result<CertOut, ToolError> {
    let certificate = read(ctx, a.hosting_id, a.site_id)?;
    Ok(CertOut {
        installed: certificate.is_some(),
        certificate,
    })
}

/// Arguments of `infomaniak_request_certificate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Site id.
    pub site_id: u64,
    /// free (Let's Encrypt), paid or custom.
    #[serde(rename = "type")]
    pub kind: String,
    /// paid: the certificate product id.
    pub certificate_id: Option<u64>,
    /// custom: PEM certificate.
    pub certificate: Option<String>,
    /// custom: PEM private key.
    pub private_key: Option<SecretArg>,
    /// custom: PEM chain.
    pub intermediate_certificate: Option<String>,
}

fn body(a: &RequestArgs) -> Result<Value, ToolError> {
    let mut body = json!({"site_id": a.site_id, "type": a.kind});
    match a.kind.as_str() {
        "free" => {}
        "paid" => {
            let id = a.certificate_id.ok_or_else(|| {
                invalid_args(
                    "a paid certificate needs certificate_id",
                    "give the id of the certificate product",
                )
            })?;
            body["certificate_id"] = json!(id);
        }
        "custom" => {
            let (Some(cert), Some(key)) = (&a.certificate, &a.private_key) else {
                return Err(invalid_args(
                    "a custom certificate needs certificate and private_key",
                    "give both in PEM form",
                ));
            };
            if !cert.contains("-----BEGIN CERTIFICATE-----")
                || !key.expose().contains("PRIVATE KEY-----")
            {
                return Err(invalid_args(
                    "certificate or private_key is not PEM",
                    "paste the PEM text, -----BEGIN ...----- lines included",
                ));
            }
            body["certificate"] = json!(cert);
            body["private_key"] = json!(key);
            if let Some(chain) = &a.intermediate_certificate {
                body["intermediate_certificate"] = json!(chain);
            }
        }
        other => {
            return Err(invalid_args(
                format!("type {other:?} is unknown"),
                "use free, paid or custom",
            ));
        }
    }
    if a.kind != "paid" && a.certificate_id.is_some()
        || a.kind != "custom" && (a.certificate.is_some() || a.private_key.is_some())
    {
        return Err(invalid_args(
            format!(
                "arguments that do not apply to a {} certificate were given",
                a.kind
            ),
            "give certificate_id only for paid, certificate/private_key only for custom",
        ));
    }
    Ok(body)
}

/// Plans installing a certificate: `POST /1/web_hostings/{id}/certificates` (§7.4). The
/// body is pinned; a custom certificate's private key is a secret argument (the host
/// shows it to nobody).
pub fn plan_request(ctx: &Ctx, a: RequestArgs) -> Result<Planned<Outcome>, ToolError> {
    let b = body(&a)?;
    let current = read(ctx, a.hosting_id, a.site_id)?;
    let path = format!("{}/certificates", hosting_path(a.hosting_id));
    let shown = json!({"site_id": a.site_id, "type": a.kind, "certificate_id": a.certificate_id});
    let mut plan = PlanBuilder::new(
        INFOMANIAK_API,
        format!("Install a {} certificate on site {}", a.kind, a.site_id),
    )
    .change(
        format!("site {}: certificate", a.site_id),
        if current.is_some() {
            "replace"
        } else {
            "create"
        },
        current.as_ref(),
        Some(&shown),
    )
    .snapshot(&current)
    .build();
    plan.effects
        .push(effect(INFOMANIAK_API, HttpMethod::Post, path, Some(&b)));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Installs the certificate and reads it back.
pub fn apply_request(ctx: &Ctx, a: RequestArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let answer = perform(ctx, nth(plan, 0)?)?;
    let certificate = read(ctx, a.hosting_id, a.site_id)?;
    Ok(outcome(
        json!({"status": if certificate.is_some() { "requested" } else { "pending" }, "operation": answer, "certificate": certificate}),
    ))
}

/// Plans removing a site's certificate (the site goes back to plain HTTP).
pub fn plan_delete(ctx: &Ctx, a: SiteArgs) -> Result<Planned<Outcome>, ToolError> {
    let Some(current) = read(ctx, a.hosting_id, a.site_id)? else {
        return Ok(Planned::NoChange(outcome(
            json!({"status": "no_change", "installed": false}),
        )));
    };
    let path = format!("{}/certificates/{}", hosting_path(a.hosting_id), a.site_id);
    Ok(Planned::Confirm(lock_hosting(
        PlanBuilder::new(
            INFOMANIAK_API,
            format!(
                "Remove the certificate of site {}: it will answer HTTP only",
                a.site_id
            ),
        )
        .change(
            format!("site {}: certificate", a.site_id),
            "delete",
            Some(&current),
            None::<&Value>,
        )
        .snapshot(&current)
        .effect(HttpMethod::Delete, path, None)
        .build(),
        a.hosting_id,
    )))
}

/// Removes the certificate.
pub fn apply_delete(ctx: &Ctx, _a: SiteArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "deleted", "certificate": change_before(plan, 0)}),
    ))
}
