//! kDrive v3 cursor pagination (infomaniak-api.md §4.4): `cursor` + `limit` (5..1000,
//! default 10) in, `{data, cursor, has_more, response_at}` out.
//!
//! Cursors are keyset positions ("after item id N of this listing"), so items inserted while
//! a client walks the list neither repeat nor shift anything it has not read yet. They are
//! opaque (signed with a key of the tenant, bound to the listing they came from) and expire:
//! a forged, foreign or stale cursor is refused as the API refuses a bad query attribute.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::envelope::{ApiError, ApiResult, Query, json_response};

/// Default page size of cursor lists.
pub const DEFAULT_LIMIT: i64 = 10;
/// Smallest `limit` accepted.
pub const MIN_LIMIT: i64 = 5;
/// Largest `limit` accepted.
pub const MAX_LIMIT: i64 = 1000;
/// How long a cursor stays valid, seconds. The API documents no lifetime; 15 minutes is the
/// tenant's choice (long enough for any walk, short enough to be tested against).
pub const CURSOR_TTL: i64 = 900;

fn sign(key: &str, payload: &str) -> String {
    hex::encode(&Sha256::digest(format!("{key}\n{payload}"))[..10])
}

/// Encodes the position after `after_id` in listing `scope`, issued at `now`.
pub fn encode(key: &str, scope: &str, after_id: u64, now: i64) -> String {
    let payload = format!("{after_id}.{now}");
    let mac = sign(key, &format!("{scope}\n{payload}"));
    hex::encode(format!("{payload}.{mac}"))
}

/// Decodes a cursor of listing `scope`; the error says why it is refused.
pub fn decode(key: &str, scope: &str, cursor: &str, now: i64) -> Result<u64, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid_attribute("cursor", format!("The cursor attribute is invalid: {why}"))
    };
    let text = hex::decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad("not a cursor of this listing"))?;
    let mut parts = text.splitn(3, '.');
    let (Some(after), Some(issued), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not a cursor of this listing"));
    };
    if sign(key, &format!("{scope}\n{after}.{issued}")) != mac {
        return Err(bad("not a cursor of this listing"));
    }
    let issued: i64 = issued.parse().map_err(|_| bad("malformed"))?;
    if now - issued > CURSOR_TTL {
        return Err(bad(
            "it has expired; start the listing again without a cursor",
        ));
    }
    after.parse().map_err(|_| bad("malformed"))
}

/// One cursor page of `items` (`(id, json)`, any order) for the request's `cursor`/`limit`.
pub fn page(
    mut items: Vec<(u64, Value)>,
    q: &Query,
    key: &str,
    scope: &str,
    now: i64,
) -> ApiResult {
    let limit = q.int("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_attribute(
            "limit",
            format!("The limit attribute must be between {MIN_LIMIT} and {MAX_LIMIT}"),
        ));
    }
    let after = match q.get("cursor") {
        None | Some("") => 0,
        Some(c) => decode(key, scope, c, now)?,
    };
    items.sort_by_key(|(id, _)| *id);
    let rest: Vec<(u64, Value)> = items.into_iter().filter(|(id, _)| *id > after).collect();
    let has_more = rest.len() > limit as usize;
    let data: Vec<(u64, Value)> = rest.into_iter().take(limit as usize).collect();
    let last = data.last().map_or(after, |(id, _)| *id);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "result": "success",
            "data": data.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "cursor": encode(key, scope, last, now),
            "has_more": has_more,
            "response_at": now,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: axum::response::Response) -> Value {
        let bytes = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(axum::body::to_bytes(r.into_body(), usize::MAX))
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn items(ids: &[u64]) -> Vec<(u64, Value)> {
        ids.iter().map(|i| (*i, json!(i))).collect()
    }

    #[test]
    fn walks_every_item_once_even_with_inserts_between_pages() {
        let q = Query::parse(Some("limit=5"));
        let first = body(page(items(&[3, 1, 2, 4, 5, 6, 7]), &q, "k", "s", 100).unwrap());
        assert_eq!(first["data"], json!([1, 2, 3, 4, 5]));
        assert_eq!(first["has_more"], true);
        let c = first["cursor"].as_str().unwrap();
        // Someone inserts 8 and 0 (an id below the position) before the next page.
        let q = Query::parse(Some(&format!("limit=5&cursor={c}")));
        let next = body(page(items(&[0, 1, 2, 3, 4, 5, 6, 7, 8]), &q, "k", "s", 110).unwrap());
        assert_eq!(next["data"], json!([6, 7, 8]));
        assert_eq!(next["has_more"], false);
        assert!(next["cursor"].is_string());
    }

    #[test]
    fn limit_out_of_range_names_the_attribute() {
        for l in ["4", "1001", "x"] {
            let e = page(
                items(&[1]),
                &Query::parse(Some(&format!("limit={l}"))),
                "k",
                "s",
                0,
            )
            .unwrap_err();
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(e.errors[0]["context"]["attribute"], "limit");
        }
    }

    #[test]
    fn forged_foreign_and_expired_cursors_are_refused() {
        let c = encode("k", "s", 3, 100);
        assert_eq!(decode("k", "s", &c, 100 + CURSOR_TTL).unwrap(), 3);
        for (key, scope, cursor, now) in [
            ("k", "other listing", c.clone(), 100),
            ("other key", "s", c.clone(), 100),
            ("k", "s", hex::encode("9.100.0000"), 100),
            ("k", "s", "zz".to_string(), 100),
            ("k", "s", c.clone(), 101 + CURSOR_TTL),
        ] {
            let e = decode(key, scope, &cursor, now).unwrap_err();
            assert_eq!(e.errors[0]["context"]["attribute"], "cursor", "{cursor}");
        }
        let e = decode("k", "s", &c, 101 + CURSOR_TTL).unwrap_err();
        assert!(
            e.errors[0]["description"]
                .as_str()
                .unwrap()
                .contains("expired")
        );
    }
}
