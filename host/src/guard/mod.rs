//! The confirmation guard: no write without a plan a human saw and approved.
//!
//! The first call of a write tool gets a plan and a single-use token bound to the tool
//! and its canonical arguments. The second call must carry that token with the same
//! arguments; the host re-plans, and the token is consumed only if the fresh plan's
//! fingerprint (tool, canonical args, snapshot, effects) equals the confirmed one.

mod error;
mod fingerprint;
mod store;

pub use error::GuardError;
pub use fingerprint::{CONFIRMATION_TOKEN_KEY, fingerprint};
pub use store::{Confirmation, DEFAULT_TOKEN_TTL, Guard};
