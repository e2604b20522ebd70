//! The `{result, data}` envelope, the error envelope, query parsing and pagination.
//!
//! Every JSON answer of the simulated API goes through here, so the wire shapes
//! (`result`, `data`, `total/page/pages/items_per_page`, `error{code,description,errors,context}`)
//! are defined once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Largest `per_page` honoured; larger values are clamped.
pub const MAX_PER_PAGE: usize = 100;

/// An API error answered with the error envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Snake-case error code, e.g. `object_not_found`.
    pub code: &'static str,
    /// Human text.
    pub description: String,
    /// Nested errors (validation details).
    pub errors: Vec<Value>,
    /// Extra context object (boxed: keeps `Result<_, ApiError>` small).
    pub context: Option<Box<Value>>,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            description: description.into(),
            errors: Vec::new(),
            context: None,
        }
    }

    /// Adds a context object.
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = Some(Box::new(context));
        self
    }

    /// 401 `not_authorized`.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authorized",
            "Authorization required",
        )
    }

    /// 403 `access_denied`.
    pub fn access_denied(why: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "access_denied", why)
    }

    /// 404 `object_not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "object_not_found",
            format!("{what} not found"),
        )
    }

    /// 404 `method_not_found` for unknown routes.
    pub fn no_route(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "method_not_found",
            format!("No route for {method} {path}"),
        )
    }

    /// 400 with a business error code.
    pub fn bad_request(code: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, description)
    }

    /// 422 `validation_failed` with one item per offending attribute.
    pub fn validation(items: Vec<(String, &'static str, String)>) -> Self {
        let errors = items
            .into_iter()
            .map(|(attribute, code, description)| {
                json!({"code": code, "description": description, "context": {"attribute": attribute}})
            })
            .collect();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            description: "Validation failed".into(),
            errors,
            context: None,
        }
    }

    /// 422 for a single attribute.
    pub fn invalid_attribute(attribute: &str, description: impl Into<String>) -> Self {
        Self::validation(vec![(
            attribute.to_string(),
            "validation_rule_invalid",
            description.into(),
        )])
    }

    /// 422 for a value outside an enumeration: `validation_rule_in` listing the allowed
    /// values in `context.values` (how the API answers an unknown `with`).
    pub fn not_one_of(attribute: &str, description: impl Into<String>, allowed: &[&str]) -> Self {
        let mut err = Self::validation(vec![(
            attribute.to_string(),
            "validation_rule_in",
            description.into(),
        )]);
        err.errors[0]["context"]["values"] = json!(allowed);
        err
    }

    /// 500 `unexpected_error`.
    pub fn unexpected() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_error",
            "An unexpected error occurred",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error =
            json!({"code": self.code, "description": self.description, "errors": self.errors});
        if let Some(ctx) = &self.context {
            error["context"] = (**ctx).clone();
        }
        json!({"result": "error", "error": error})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Result type of every API handler.
pub type ApiResult = Result<Response, ApiError>;

/// `200 {"result":"success","data":data}`.
pub fn ok(data: Value) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &json!({"result": "success", "data": data}),
    ))
}

/// Success with another status (e.g. 201 on creates).
pub fn ok_status(status: StatusCode, data: Value) -> ApiResult {
    Ok(json_response(
        status,
        &json!({"result": "success", "data": data}),
    ))
}

/// Parsed query string: keeps repeated keys and bracket names (`filter[types][]`) verbatim.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// First value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of `key` (and of `key[]`), comma lists split.
    pub fn all(&self, key: &str) -> Vec<String> {
        let bracket = format!("{key}[]");
        self.0
            .iter()
            .filter(|(k, _)| *k == key || *k == bracket)
            .flat_map(|(_, v)| v.split(',').map(str::trim).map(String::from))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// An optional integer parameter; a non-integer is a 422 naming the attribute.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid_attribute(key, format!("The {key} attribute must be an integer"))
            }),
        }
    }

    /// The `with` expansions, checked against the allowed set (422 listing them otherwise).
    pub fn with(&self, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
        let values = self.all("with");
        for v in &values {
            if !allowed.contains(&v.as_str()) {
                return Err(ApiError::not_one_of(
                    "with",
                    format!("The selected with value {v:?} is invalid"),
                    allowed,
                ));
            }
        }
        Ok(values)
    }

    /// Whether `return=total` was asked.
    pub fn wants_total(&self) -> Result<bool, ApiError> {
        match self.get("return") {
            None => Ok(false),
            Some("total") => Ok(true),
            Some(other) => Err(ApiError::invalid_attribute(
                "return",
                format!("The return value {other:?} is invalid; only \"total\" is supported"),
            )),
        }
    }
}

/// Applies `return=total`, `page`/`per_page` (and `limit`/`skip` where offered) to a list.
///
/// Without `page`, only the first [`MAX_PER_PAGE`] items come back and no pagination keys are
/// added: a client that does not page gets one page, as with the real API.
pub fn list(items: Vec<Value>, q: &Query) -> ApiResult {
    if q.wants_total()? {
        return ok(json!(items.len()));
    }
    let total = items.len();
    if let Some(limit) = q.int("limit")? {
        let skip = q.int("skip")?.unwrap_or(0).max(0) as usize;
        let limit = limit.clamp(1, MAX_PER_PAGE as i64) as usize;
        return ok(Value::Array(
            items.into_iter().skip(skip).take(limit).collect(),
        ));
    }
    let Some(page) = q.int("page")? else {
        return ok(Value::Array(items.into_iter().take(MAX_PER_PAGE).collect()));
    };
    if page < 1 {
        return Err(ApiError::invalid_attribute(
            "page",
            "The page attribute must be at least 1",
        ));
    }
    let per_page = q.int("per_page")?.unwrap_or(MAX_PER_PAGE as i64);
    if per_page < 1 {
        return Err(ApiError::invalid_attribute(
            "per_page",
            "The per_page attribute must be at least 1",
        ));
    }
    let per_page = (per_page as usize).min(MAX_PER_PAGE);
    let pages = total.div_ceil(per_page).max(1);
    let data: Vec<Value> = items
        .into_iter()
        .skip((page as usize - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "result": "success",
            "data": data,
            "total": total,
            "page": page,
            "pages": pages,
            "items_per_page": per_page,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: Response) -> Value {
        let bytes = futures_body(r);
        serde_json::from_slice(&bytes).unwrap()
    }

    fn futures_body(r: Response) -> Vec<u8> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                axum::body::to_bytes(r.into_body(), usize::MAX)
                    .await
                    .unwrap()
                    .to_vec()
            })
    }

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!(i)).collect()
    }

    #[test]
    fn no_page_gives_first_hundred_without_keys() {
        let v = body(list(items(250), &Query::parse(None)).unwrap());
        assert_eq!(v["data"].as_array().unwrap().len(), 100);
        assert!(v.get("total").is_none());
    }

    #[test]
    fn paging_clamps_and_counts() {
        let v = body(list(items(250), &Query::parse(Some("page=3&per_page=500"))).unwrap());
        assert_eq!(v["items_per_page"], 100);
        assert_eq!(v["pages"], 3);
        assert_eq!(v["total"], 250);
        assert_eq!(v["data"].as_array().unwrap().len(), 50);
    }

    #[test]
    fn huge_page_is_empty_not_a_panic() {
        let q = Query::parse(Some("page=9223372036854775807&per_page=100"));
        let v = body(list(items(3), &q).unwrap());
        assert!(v["data"].as_array().unwrap().is_empty());
        assert_eq!(v["total"], 3);
    }

    #[test]
    fn bad_page_is_validation_error_naming_attribute() {
        let e = list(items(3), &Query::parse(Some("page=x"))).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.errors[0]["context"]["attribute"], "page");
    }

    #[test]
    fn total_returns_count() {
        let v = body(list(items(7), &Query::parse(Some("return=total"))).unwrap());
        assert_eq!(v["data"], 7);
    }

    #[test]
    fn query_all_handles_brackets_and_commas() {
        let q = Query::parse(Some("filter%5Btypes%5D%5B%5D=A&filter[types][]=MX,TXT"));
        assert_eq!(q.all("filter[types]"), vec!["A", "MX", "TXT"]);
    }

    #[test]
    fn unknown_with_lists_allowed_values() {
        let e = Query::parse(Some("with=bogus"))
            .with(&["records"])
            .unwrap_err();
        assert_eq!(e.errors[0]["context"]["values"], json!(["records"]));
    }
}
