//! The utilities part of the tenant beyond the shared product structs: AI consumption
//! lines and batch results, and the seeding that makes Swiss Backup, AI and short-URL lists
//! need several pages at `fleet` scale (account 1: 105 Swiss Backup products, 150 more short
//! URLs, 260 consumption lines per AI product) and puts known risks in place: the first
//! product's first slot is near its quota, its second slot has not been checked for 20
//! days.
//!
//! Like [`crate::cloud_world`], it draws from its own random stream.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::seed::{REFERENCE_TIME, Scale};
use crate::state::{BackupSlot, ShortUrl, State, SwissBackup};

/// AI lines and batches.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UtilitiesWorld {
    /// Consumption lines of every AI product.
    pub consumptions: Vec<Consumption>,
    /// Batch results.
    pub batches: Vec<Batch>,
    /// How many short URLs the URL shortener allows.
    pub short_url_limit: u64,
}

/// One consumption line of an AI product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consumption {
    /// AI product.
    pub product_id: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Model used.
    pub model: String,
    /// Tokens in.
    pub input_tokens: u64,
    /// Tokens out.
    pub output_tokens: u64,
    /// Cost in CHF.
    pub amount: f64,
}

/// One batch request's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    /// Batch id.
    pub id: String,
    /// AI product.
    pub product_id: u64,
    /// `success`, `processing`…
    pub status: String,
}

/// AI models served (`id`, `name`, `type`).
pub const MODELS: &[(u64, &str, &str)] = &[
    (1, "qwen3", "llm"),
    (2, "swiss-ai/Apertus-70B-Instruct-2509", "llm"),
    (3, "bge_multilingual_gemma2", "embedding"),
];

/// Fills the utilities part of `state` (after the shared seed created the products).
pub fn seed(seed: u64, scale: Scale, state: &mut State) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0B_AC_C0);
    let fleet = scale == Scale::Fleet;
    let first = state.accounts[0].id;
    // Known risks in the first product.
    if let Some(b) = state.backups.first_mut() {
        if let Some(s) = b.slots.get_mut(0) {
            s.storage_used = s.size / 100 * 95;
        }
        if let Some(s) = b.slots.get_mut(1) {
            s.usage_last_check = REFERENCE_TIME - 20 * 86_400;
        }
    }
    if fleet {
        for i in 0..104u64 {
            let id = 8_000_000 + i * 10;
            state.backups.push(SwissBackup {
                id,
                account_id: first,
                size: 1_000_000_000_000,
                admin_email: None,
                slots: vec![BackupSlot {
                    id: id + 1,
                    customer_name: format!("office-{}", i + 1),
                    r#type: "workstation".into(),
                    size: 200_000_000_000,
                    storage_used: rng.random_range(0..150_000_000_000),
                    usage_last_check: REFERENCE_TIME - rng.random_range(0..3) * 86_400,
                    locked: false,
                    email: format!("it+{i}@example.ch"),
                }],
            });
        }
        for i in 0..150 {
            state.short_urls.push(ShortUrl {
                code: format!("f{i:05}x"),
                account_id: first,
                url: format!("https://www.example.org/campaign/{i}"),
                created_at: REFERENCE_TIME - rng.random_range(1..300) * 86_400,
                expiration_date: None,
            });
        }
    }
    let mut world = UtilitiesWorld {
        short_url_limit: 500,
        ..UtilitiesWorld::default()
    };
    let lines = if fleet { 260 } else { 40 };
    for p in &state.ai_products {
        for l in 0..lines {
            let (input, output) = (rng.random_range(100..20_000), rng.random_range(50..4_000));
            world.consumptions.push(Consumption {
                product_id: p.id,
                created_at: REFERENCE_TIME - (lines - l) as i64 * 86_400 * 60 / lines as i64,
                model: MODELS[l % 2].1.into(),
                input_tokens: input,
                output_tokens: output,
                amount: ((input + output) as f64 * 0.000_4 * 100.0).round() / 100.0,
            });
        }
        world.batches.push(Batch {
            id: format!("batch-{}", p.id),
            product_id: p.id,
            status: "success".into(),
        });
    }
    state.utilities = world;
}

#[cfg(test)]
mod tests {
    use crate::seed::{Scale, generate};

    #[test]
    fn fleet_lists_need_several_pages_and_risks_are_in_place() {
        let s = generate(5, Scale::Fleet);
        let first = s.accounts[0].id;
        assert!(s.backups.iter().filter(|b| b.account_id == first).count() > 100);
        assert!(
            s.short_urls
                .iter()
                .filter(|u| u.account_id == first)
                .count()
                > 100
        );
        let p = s.ai_products[0].id;
        assert!(
            s.utilities
                .consumptions
                .iter()
                .filter(|c| c.product_id == p)
                .count()
                > 100
        );
        let slot = &s.backups[0].slots[0];
        assert!(slot.storage_used * 10 >= slot.size * 9);
        assert_eq!(generate(5, Scale::Fleet), s);
    }
}
