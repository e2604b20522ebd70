//! End-to-end tests: rmcp client → `ikmcp` binary (stdio) → plugins → sandbox tenant.
//!
//! Components must be built first (`make plugins test-plugins`; `make test` does it).

mod harness;

mod account;
mod attacks;
mod audit_log;
mod cli;
mod cloud;
mod confirm;
mod credentials;
mod dns;
mod drive;
mod faults;
mod greedy;
mod guard;
mod hostile;
mod hosting;
mod kchat;
mod legacy;
mod locks;
mod mail;
mod partial;
mod protocol;
mod roles;
mod secrets;
mod toolsets;
mod utilities;
