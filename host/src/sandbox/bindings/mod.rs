//! Host bindings, one module per contract version the host loads.
//!
//! Every import and export is async so that `upstream.send` can await the real gateway
//! and the epoch deadline can interrupt a guest. Nothing outside the sandbox module sees
//! these generated types: [`super::adapt`] reads an older version's values as the latest
//! version's, and [`super::convert`] turns the latest into `crate::contract` types.

pub(crate) mod v0_1;
pub(crate) mod v0_2;
pub(crate) mod v0_3;

/// The contract version the rest of the sandbox works in.
pub(crate) use v0_3 as latest;
