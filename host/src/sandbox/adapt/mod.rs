//! Adapters from the older contract versions the host still loads onto the latest, one
//! step per version: 0.1 → 0.2 ([`v0_1`]), 0.2 → 0.3 ([`v0_2`]). A value from an older
//! component climbs the steps; what the host hands it (upstream answers, the confirmed
//! plan) goes back down them. Each step reads the older version with its own meaning and
//! never widens it: what the older version could not say is absent.

pub(crate) mod v0_1;
pub(crate) mod v0_2;
