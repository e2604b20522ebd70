//! AI Tools (LLM API) reads: products, the model catalogue, a product's consumption (all
//! pages), a batch result, and the models of a product's OpenAI-compatible endpoint, which
//! answers without the `{result, data}` envelope (infomaniak-api.md §7.10, Q11; the PDK's
//! parser hands such a body back whole).

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::LIST_AI_PRODUCTS;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, NoArgs, not_found_hint};

/// `GET /1/ai` (ai-tools.json).
pub fn products(ctx: &Ctx, _: NoArgs) -> Result<ListOutput, ToolError> {
    ListOutput::from_value(ctx.api().get("/1/ai", &[])?)
}

/// `GET /1/ai/models` (ai-tools.json).
pub fn models(ctx: &Ctx, _: NoArgs) -> Result<ListOutput, ToolError> {
    ListOutput::from_value(ctx.api().get("/1/ai/models", &[])?)
}

/// Arguments naming an AI product.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductArgs {
    pub product_id: u64,
}

/// Every consumption line of a product: `GET /1/ai/{product_id}/consumptions`, all pages
/// (ai-tools.json, page/per_page).
pub fn fetch_consumptions(ctx: &Ctx, product: u64) -> Result<Vec<Value>, ToolError> {
    ctx.api()
        .list_all(&format!("/1/ai/{product}/consumptions"), &[])
        .map_err(|e| not_found_hint(e, LIST_AI_PRODUCTS))
}

/// `infomaniak_get_ai_consumptions`.
pub fn consumptions(ctx: &Ctx, a: ProductArgs) -> Result<ListOutput, ToolError> {
    Ok(ListOutput::of(fetch_consumptions(ctx, a.product_id)?))
}

/// Arguments of `infomaniak_get_ai_batch_result`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchArgs {
    pub product_id: u64,
    pub batch_id: String,
    /// The result file's content instead of its status.
    pub download: Option<bool>,
}

/// `GET /1/ai/{product_id}/results/{batch_id}[/download]` (ai-tools.json).
pub fn batch(ctx: &Ctx, a: BatchArgs) -> Result<ItemOutput, ToolError> {
    let id = a.batch_id.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ikmcp_pdk::error::invalid_args(
            format!("{:?} is not a batch id", a.batch_id),
            "give the batch id the batch request returned (letters, digits, - and _)",
        ));
    }
    let mut path = format!("/1/ai/{}/results/{id}", a.product_id);
    if a.download == Some(true) {
        path.push_str("/download");
    }
    let item = ctx.api().get(&path, &[]).map_err(|e| {
        not_found_hint(
            e,
            "the batch request's answer (batch ids are not listed by the API)",
        )
    })?;
    Ok(ItemOutput { item })
}

/// `GET /2/ai/{product_id}/openai/v1/models` (ai-tools.json): OpenAI JSON, no envelope.
pub fn product_models(ctx: &Ctx, a: ProductArgs) -> Result<ListOutput, ToolError> {
    let body = ctx
        .api()
        .get(&format!("/2/ai/{}/openai/v1/models", a.product_id), &[])
        .map_err(|e| not_found_hint(e, LIST_AI_PRODUCTS))?;
    ListOutput::from_value(body.get("data").cloned().unwrap_or(body))
}
