//! ikmcp host: an MCP server that runs sandboxed WebAssembly plugins to administer
//! Infomaniak accounts, with a confirmation guard and a tamper-evident audit log.
//!
//! The layout follows the architecture: [`sandbox`] runs plugins, [`upstream`] is their
//! only way out, [`guard`] decides when a write may happen, [`audit`] records every phase,
//! [`mcp`] speaks the protocol, [`config`] reads operator policy.

pub mod audit;
pub mod canonical;
pub mod contract;
pub mod guard;
pub mod sandbox;
pub mod secret;
pub mod upstream;
