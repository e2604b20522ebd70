//! The confirmation guard: no write without a plan a human saw and approved, and nothing
//! written beyond what was approved.
//!
//! Start with [`flow`]: it is the whole story, plan → approval → confirmation → apply,
//! for every write tool call, whether the approval comes back as a token or in-protocol.
//! The other modules are its parts:
//!
//! - [`approval`]: the text a human approves, rendered by the host from the effects the
//!   guard enforces, with the plugin's own words quoted and neutralised;
//! - [`fingerprint`]: what identifies a plan (everything the approval shows);
//! - [`store`]: single-use confirmation tokens (the token way);
//! - [`seal`]: the sealed state of an `input_required` round trip (in-protocol, 2026-07-28);
//! - [`first_write`]: the short limit between the confirmation and the first write;
//! - [`locks`]: the per-(role, key) locks that serialize confirmed applies on one object;
//! - [`error`]: why a confirmation was refused, and what to do next.
//!
//! What a write may do upstream once approved (each approved effect once, nothing else)
//! is enforced below the plugin, by the apply phase of its upstream session
//! (`upstream::effects`).

pub mod approval;
mod error;
mod fingerprint;
mod first_write;
mod flow;
pub mod locks;
mod seal;
mod store;

pub use error::GuardError;
pub use fingerprint::{CONFIRMATION_TOKEN_KEY, fingerprint};
pub use flow::{ApprovalWay, Confirmation, GuardFlow, WriteCall};
pub use store::{DEFAULT_TOKEN_TTL, MintedToken, Tokens};
