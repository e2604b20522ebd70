//! kDrive (`openapi/kdrive.json`, infomaniak-api.md §7.5): drives, users and invitations,
//! the file tree with rights and share links, trash, settings, statistics, activities and
//! activity reports, in both pagination styles (v2 page/per_page, v3 cursors).
//!
//! Quirks reproduced (Q18): the root directory is id 1; restoring from the trash answers an
//! undo `cancel_id`; a drive under maintenance answers 503 `drive_is_in_maintenance_error`
//! on every route but the drive list. Request bodies are validated against the spec.

pub mod admin;
pub mod cursor;
pub mod data;
pub mod files;
pub mod users;
pub mod world;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post, put};

use crate::auth::Caller;
use crate::envelope::ApiError;
use crate::server::{Shared, lock};
use crate::state::Drive;

pub use data::DriveData;

/// The kDrive routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/2/drive", get(admin::list))
        .route("/2/drive/{drive_id}", get(admin::get_drive))
        .route("/2/drive/users/{user_id}/drives", get(users::user_drives))
        .route("/2/drive/{drive_id}/settings", get(admin::settings))
        .route(
            "/2/drive/{drive_id}/settings/{kind}",
            put(admin::put_settings),
        )
        .route(
            "/2/drive/{drive_id}/preferences",
            put(admin::put_preferences),
        )
        .route(
            "/2/drive/{drive_id}/statistics/{*kind}",
            get(admin::statistics),
        )
        .route(
            "/2/drive/{drive_id}/activities/reports",
            get(admin::reports).post(admin::report_create),
        )
        .route(
            "/2/drive/{drive_id}/activities/reports/{report_id}",
            get(admin::report_get).delete(admin::report_delete),
        )
        .route(
            "/2/drive/{drive_id}/activities/reports/{report_id}/export",
            get(admin::report_export),
        )
        .route("/3/drive/{drive_id}/activities", get(admin::activities))
        .route(
            "/3/drive/{drive_id}/files/activities",
            get(admin::root_activities),
        )
        .route(
            "/3/drive/{drive_id}/files/{file_id}/activities",
            get(admin::file_activities),
        )
        .route(
            "/2/drive/{drive_id}/users",
            get(users::list_users).post(users::create),
        )
        .route(
            "/2/drive/{drive_id}/users/invitation",
            get(users::invitations),
        )
        .route(
            "/2/drive/{drive_id}/users/invitation/{invitation_id}",
            get(users::invitation).delete(users::invitation_delete),
        )
        .route(
            "/2/drive/{drive_id}/users/{user_id}",
            get(users::get_user)
                .put(users::update)
                .delete(users::remove),
        )
        .route(
            "/2/drive/{drive_id}/users/{user_id}/lock",
            post(users::lock_user),
        )
        .route(
            "/2/drive/{drive_id}/users/{user_id}/unlock",
            post(users::unlock_user),
        )
        .route(
            "/2/drive/{drive_id}/users/{user_id}/manager",
            patch(users::manager),
        )
        .route(
            "/3/drive/{drive_id}/files/{file_id}/files",
            get(files::children),
        )
        .route("/3/drive/{drive_id}/files/links", get(files::links))
        .route(
            "/2/drive/{drive_id}/files/{file_id}/sizes",
            get(files::sizes),
        )
        .route(
            "/2/drive/{drive_id}/files/{file_id}/link",
            get(files::link_get)
                .post(files::link_create)
                .put(files::link_update)
                .delete(files::link_delete),
        )
        .route(
            "/2/drive/{drive_id}/files/{file_id}/link/invite",
            post(files::link_invite),
        )
        .route(
            "/2/drive/{drive_id}/files/{file_id}/access/{kind}",
            get(files::access_list).post(files::access_add),
        )
        .route(
            "/2/drive/{drive_id}/files/{file_id}/access/{kind}/{id}",
            put(files::access_update).delete(files::access_remove),
        )
        .route("/2/drive/{drive_id}/trash", delete(files::trash_empty))
        .route("/2/drive/{drive_id}/trash/count", get(files::trash_count))
        .route(
            "/2/drive/{drive_id}/trash/{file_id}",
            delete(files::trash_remove),
        )
        .route(
            "/2/drive/{drive_id}/trash/{file_id}/restore",
            post(files::trash_restore),
        )
        .route("/3/drive/{drive_id}/trash", get(files::trash_list))
        .route("/3/drive/{drive_id}/trash/{file_id}", get(files::trash_get))
}

/// An id path segment; anything else is a 404, as the API answers unknown objects.
pub fn id(segment: &str, what: &str) -> Result<u64, ApiError> {
    segment
        .parse::<u64>()
        .map_err(|_| ApiError::not_found(what))
}

/// 503 `drive_is_in_maintenance_error` (Q18).
pub fn maintenance() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "drive_is_in_maintenance_error",
        "The drive is in maintenance; retry later",
    )
}

/// Runs `f` on the drive `drive_id` if the caller sees it and it is not in maintenance.
pub fn with_drive<R>(
    sh: &Shared,
    caller: &Caller,
    drive_id: &str,
    f: impl FnOnce(&mut Drive) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    let id = id(drive_id, "Drive")?;
    let mut w = lock(&sh.world);
    let drive = w
        .drives
        .iter_mut()
        .find(|d| d.id == id && caller.can_access(d.account_id))
        .ok_or_else(|| ApiError::not_found("Drive"))?;
    if drive.kdrive.in_maintenance {
        return Err(maintenance());
    }
    f(drive)
}

/// 404 `not_found_error` for a file without a share link.
pub fn no_link() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found_error",
        "This file has no share link",
    )
}

/// Removes the items `gone` picks; `missing` when it picked none (every DELETE of one
/// object answers so).
pub fn remove_where<T>(
    items: &mut Vec<T>,
    gone: impl Fn(&T) -> bool,
    missing: ApiError,
) -> Result<(), ApiError> {
    let before = items.len();
    items.retain(|i| !gone(i));
    if items.len() == before {
        return Err(missing);
    }
    Ok(())
}

/// The key cursors of this tenant are signed with.
pub fn cursor_key(sh: &Shared) -> String {
    format!("ikmcp-sim-kdrive:{}", sh.seed)
}
