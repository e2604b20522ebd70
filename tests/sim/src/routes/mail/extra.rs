//! Mail routes beyond the core families: signatures, webmail and device accesses.

use std::sync::Arc;

use axum::Router;

use crate::server::Shared;

/// The extra mail routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
}
