//! The `utilities` plugin: Infomaniak AI Tools (LLM API), Swiss Backup and the URL
//! shortener, plus a cost and risk overview across them and Public Cloud.

pub mod ai;
pub mod backup;
pub mod overview;
pub mod scope;
pub mod short_urls;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Utilities;

ikmcp_pdk::tool_names! {
    /// AI products.
    LIST_AI_PRODUCTS = "infomaniak_list_ai_products";
    /// AI model catalogue.
    LIST_AI_MODELS = "infomaniak_list_ai_models";
    /// One AI product's consumption.
    AI_CONSUMPTIONS = "infomaniak_get_ai_consumptions";
    /// A batch result.
    AI_BATCH = "infomaniak_get_ai_batch_result";
    /// Models of a product's OpenAI-compatible endpoint.
    AI_PRODUCT_MODELS = "infomaniak_list_ai_product_models";
    /// Swiss Backup products.
    LIST_BACKUPS = "infomaniak_list_swiss_backups";
    /// One Swiss Backup product.
    GET_BACKUP = "infomaniak_get_swiss_backup";
    /// Acronis figures of a product.
    ACRONIS = "infomaniak_get_swiss_backup_acronis_info";
    /// Slots of a product.
    LIST_SLOTS = "infomaniak_list_swiss_backup_slots";
    /// One slot.
    GET_SLOT = "infomaniak_get_swiss_backup_slot";
    /// Prices.
    PRICING = "infomaniak_get_swiss_backup_pricing";
    /// Creates, changes, deletes, enables or disables a slot.
    MANAGE_SLOT = "infomaniak_manage_swiss_backup_slot";
    /// Sets a product's administrator.
    MANAGE_ADMIN = "infomaniak_manage_swiss_backup_administrator";
    /// Short URLs.
    LIST_SHORT_URLS = "infomaniak_list_short_urls";
    /// Short URL quota.
    QUOTA = "infomaniak_short_urls_quota";
    /// Creates a short URL.
    CREATE_SHORT_URL = "infomaniak_create_short_url";
    /// Cost and risk overview.
    OVERVIEW = "infomaniak_cost_risk_overview";
}

const KW_AI: &[&str] = &["llm", "ai", "openai", "tokens"];
const KW_BACKUP: &[&str] = &["backup", "swiss backup", "acronis", "slot"];
const KW_URL: &[&str] = &["short url", "link", "shortener"];

impl Plugin for Utilities {
    fn registry() -> Registry {
        let ai = |n, t, d| ToolSpec::new(n, t, d).category("ai").keywords(KW_AI);
        let bk = |n, t, d| {
            ToolSpec::new(n, t, d)
                .category("backup")
                .keywords(KW_BACKUP)
        };
        let url = |n, t, d| {
            ToolSpec::new(n, t, d)
                .category("url_shortener")
                .keywords(KW_URL)
        };
        Registry::new(PluginInfo {
            id: "utilities",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak AI Tools, Swiss Backup, URL shortener, and a cost and risk overview",
            roles: &[INFOMANIAK_API],
        })
        .read(ai(LIST_AI_PRODUCTS, "List AI products", "LLM API products. Start here for product_id."), |c, a| scope::ai(ai::products(c, a)))
        .read(ai(LIST_AI_MODELS, "List AI models", "Infomaniak's AI model catalogue."), |c, a| scope::ai(ai::models(c, a)))
        .read(ai(AI_CONSUMPTIONS, "AI consumption", "Every consumption line of a product, all pages."), |c, a| scope::ai(ai::consumptions(c, a)))
        .read(ai(AI_BATCH, "AI batch result", "Status of a batch, or its file with download."), |c, a| scope::ai(ai::batch(c, a)))
        .read(ai(AI_PRODUCT_MODELS, "AI product models", "Models a product's OpenAI-compatible API serves."), |c, a| scope::ai(ai::product_models(c, a)))
        .read(bk(LIST_BACKUPS, "List Swiss Backups", "Swiss Backup products, all pages. Start here."), |c, a| scope::backup(backup::list(c, a)))
        .read(bk(GET_BACKUP, "Get Swiss Backup", "One product: size, free storage, slots, admin."), |c, a| scope::backup(backup::get(c, a)))
        .read(bk(ACRONIS, "Acronis info", "Acronis storage and slot counts of a product."), |c, a| scope::backup(backup::acronis(c, a)))
        .read(bk(LIST_SLOTS, "List backup slots", "Slots of a product: size, usage, last check."), |c, a| scope::backup(backup::slots(c, a)))
        .read(bk(GET_SLOT, "Get backup slot", "One slot: usage, connection, lock state."), |c, a| scope::backup(backup::slot(c, a)))
        .read(bk(PRICING, "Swiss Backup pricing", "Price list, or a configuration priced with calculate."), |c, a| scope::backup(backup::pricing(c, a)))
        .write(
            bk(MANAGE_SLOT, "Manage backup slot", "Create, resize, delete, enable or disable a slot; delete shows the data lost."),
            Effect::Destructive,
            |c, a| scope::backup(backup::plan_slot(c, a)),
            |c, a, p| scope::backup(backup::apply_slot(c, a, p)),
        )
        .write(
            bk(MANAGE_ADMIN, "Set Swiss Backup administrator", "Create or change a product's administrator (by e-mail)."),
            Effect::Write,
            |c, a| scope::backup(backup::plan_admin(c, a)),
            |c, a, p| scope::backup(backup::apply_admin(c, a, p)),
        )
        .read(url(LIST_SHORT_URLS, "List short URLs", "Every short URL, all pages."), |c, a| scope::url(short_urls::list(c, a)))
        .read(url(QUOTA, "Short URL quota", "Short URLs used and allowed."), |c, a| scope::url(short_urls::quota(c, a)))
        .write(
            url(CREATE_SHORT_URL, "Create short URL", "Shorten an http(s) URL (checks the quota first)."),
            Effect::Write,
            |c, a| scope::url(short_urls::plan_create(c, a)),
            |c, a, p| scope::url(short_urls::apply_create(c, a, p)),
        )
        .read(
            ToolSpec::new(OVERVIEW, "Cost and risk overview",
                "Backup slots near quota or idle, AI spend vs last month, cloud resources without owner tag, short-URL quota.")
                .category("audit")
                .keywords(&["cost", "risk", "spend", "quota", "owner", "review", "billing"]),
            overview::overview,
        )
    }
}

ikmcp_pdk::export_plugin!(Utilities);
