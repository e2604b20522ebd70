//! Generic upstream roles through the gateway, against loopback stubs: every auth
//! provider (bearer, API-key header, none, OAuth 2.0 client credentials with caching and
//! renewal), per-role methods, and credentials echoed back by a hostile upstream.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use ikmcp_host::contract::{HttpMethod, PlannedEffect, UpstreamError, UpstreamRequest};
use ikmcp_host::secret::{Secret, SecretSet};
use ikmcp_host::upstream::{
    Auth, BaseUrl, ClientCredentials, Gateway, GatewayConfig, Phase, RATE_WINDOW, RoleConfig,
    SessionSpec,
};
use serde_json::{Value, json};

const CLIENT_ID: &str = "client-ID-4242";
const CLIENT_SECRET: &str = "client-SECRET-abcdef0123";
const API_KEY: &str = "key-SECRET-998877";

/// The OAuth stub's state: tokens issued, the one the API accepts, what the API saw.
#[derive(Default)]
struct Idp {
    issued: Vec<String>,
    /// Lifetime given to new tokens.
    expires_in: u64,
    /// Tokens the API refuses (revoked).
    revoked: Vec<String>,
    /// `Authorization` of every API request, in order.
    api_saw: Vec<Option<String>>,
    /// Headers of every request to `/headers`.
    headers_saw: Vec<Vec<(String, String)>>,
}

type Shared = Arc<Mutex<Idp>>;

struct Stub {
    base: url::Url,
    idp: Shared,
}

impl Stub {
    async fn start(expires_in: u64) -> Stub {
        let idp: Shared = Arc::new(Mutex::new(Idp {
            expires_in,
            ..Idp::default()
        }));
        let app = Router::new().fallback(answer).with_state(idp.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Stub {
            base: url::Url::parse(&format!("http://{addr}")).unwrap(),
            idp,
        }
    }

    fn idp(&self) -> std::sync::MutexGuard<'_, Idp> {
        self.idp.lock().unwrap()
    }
}

async fn answer(State(idp): State<Shared>, uri: Uri, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut idp = idp.lock().unwrap();
    match uri.path() {
        "/token" => {
            let ok = auth.as_deref()
                == Some(base64_check::basic(CLIENT_ID, CLIENT_SECRET).as_str())
                && body.contains("grant_type=client_credentials");
            if !ok {
                // A hostile endpoint echoing what it got: never shown to anyone.
                let echo = json!({"error": "invalid_client", "got": auth});
                return (StatusCode::UNAUTHORIZED, Json(echo)).into_response();
            }
            let token = format!("at-SECRET-{}", idp.issued.len() + 1);
            idp.issued.push(token.clone());
            Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": idp.expires_in}))
                .into_response()
        }
        "/headers" => {
            idp.headers_saw.push(
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
                    .collect(),
            );
            // Echo every credential back, as a careless or hostile upstream might.
            Json(json!({"authorization": auth, "x-api-key": headers.get("x-api-key").and_then(|v| v.to_str().ok())}))
                .into_response()
        }
        _ => {
            idp.api_saw.push(auth.clone());
            let token = auth.as_deref().and_then(|a| a.strip_prefix("Bearer "));
            match token {
                Some(t)
                    if idp.issued.iter().any(|i| i == t) && !idp.revoked.iter().any(|r| r == t) =>
                {
                    Json(json!({"result": "success"})).into_response()
                }
                _ => (StatusCode::UNAUTHORIZED, r#"{"result":"error"}"#).into_response(),
            }
        }
    }
}

/// Base64 for the expected `Authorization: Basic` value, written out so the test does
/// not share the host's encoder.
mod base64_check {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn basic(user: &str, password: &str) -> String {
        let input = format!("{user}:{password}");
        let bytes = input.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        format!("Basic {out}")
    }

    #[test]
    fn matches_rfc_4648() {
        assert_eq!(
            basic("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}

fn role(base: &url::Url, auth: Auth) -> RoleConfig {
    RoleConfig {
        base_url: BaseUrl::from(base.clone()),
        auth: Some(auth),
        methods: None,
        requests_per_minute: 0,
        advice: Default::default(),
        allowed_headers: Vec::new(),
    }
}

fn oauth(stub: &Stub, secret: &str, secrets: &Arc<SecretSet>) -> Auth {
    Auth::OAuth2(Arc::new(
        ClientCredentials::new(
            stub.base.join("/token").unwrap(),
            Secret::new(CLIENT_ID),
            Secret::new(secret),
            Some("read write".into()),
            secrets.clone(),
        )
        .unwrap(),
    ))
}

fn gateway(roles: Vec<(&str, RoleConfig)>, secrets: Arc<SecretSet>) -> Arc<Gateway> {
    Gateway::new(GatewayConfig {
        roles: roles
            .into_iter()
            .map(|(name, role)| (name.to_owned(), role))
            .collect::<BTreeMap<_, _>>(),
        rate_window: RATE_WINDOW,
        request_timeout: Duration::from_secs(5),
        max_retries: 0,
        secrets,
    })
    .unwrap()
}

fn spec(roles: &[&str], phase: Phase) -> SessionSpec {
    SessionSpec {
        plugin_id: "roles-test".into(),
        granted_roles: roles.iter().map(|r| r.to_string()).collect(),
        phase,
        max_requests: 100,
        max_response_bytes: 1 << 20,
    }
}

fn request(role: &str, method: HttpMethod, path: &str) -> UpstreamRequest {
    UpstreamRequest {
        role: role.to_owned(),
        method,
        path: path.to_owned(),
        query: Vec::new(),
        base_params: Vec::new(),
        headers: Vec::new(),
        body: None,
    }
}

fn effect(role: &str, method: HttpMethod, path: &str, body: Option<Value>) -> PlannedEffect {
    PlannedEffect::new(role, method, path, body)
}

fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} leaked into: {text}");
    }
}

#[tokio::test]
async fn oauth_tokens_are_cached_until_they_expire_then_renewed() {
    let stub = Stub::start(1).await;
    let secrets = Arc::new(SecretSet::default());
    let gw = gateway(
        vec![(
            "idp-api",
            role(&stub.base, oauth(&stub, CLIENT_SECRET, &secrets)),
        )],
        secrets,
    );
    let mut session = gw.session(spec(&["idp-api"], Phase::Read));
    for _ in 0..3 {
        let resp = session
            .send(request("idp-api", HttpMethod::Get, "/api/thing"))
            .await
            .unwrap();
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
    assert_eq!(
        stub.idp().issued.len(),
        1,
        "one token serves until it expires"
    );
    // The token lives 1 s and is renewed a tenth of its life early.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let resp = session
        .send(request("idp-api", HttpMethod::Get, "/api/thing"))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let idp = stub.idp();
    assert_eq!(
        idp.issued.len(),
        2,
        "an expired token is renewed before use"
    );
    assert_eq!(
        idp.api_saw.last().unwrap().as_deref(),
        Some("Bearer at-SECRET-2")
    );
}

#[tokio::test]
async fn a_401_renews_the_token_once_even_for_a_write() {
    let stub = Stub::start(3600).await;
    let secrets = Arc::new(SecretSet::default());
    let gw = gateway(
        vec![(
            "idp-api",
            role(&stub.base, oauth(&stub, CLIENT_SECRET, &secrets)),
        )],
        secrets,
    );
    let mut read = gw.session(spec(&["idp-api"], Phase::Read));
    read.send(request("idp-api", HttpMethod::Get, "/api/thing"))
        .await
        .unwrap();
    // The upstream revokes the cached token: the next write gets a 401, the host renews
    // the token and sends the write once more; the write is admitted under one effect.
    stub.idp().revoked.push("at-SECRET-1".into());
    let mut apply = gw.session(spec(
        &["idp-api"],
        Phase::Apply(vec![effect(
            "idp-api",
            HttpMethod::Post,
            "/api/things",
            Some(json!({"a": 1})),
        )]),
    ));
    let mut post = request("idp-api", HttpMethod::Post, "/api/things");
    post.body = Some(r#"{"a":1}"#.into());
    let resp = apply.send(post.clone()).await.unwrap();
    assert_eq!(resp.status, 200, "{}", resp.body);
    {
        let idp = stub.idp();
        assert_eq!(idp.issued.len(), 2);
        let saw: Vec<_> = idp.api_saw.iter().skip(1).cloned().collect();
        assert_eq!(
            saw,
            [
                Some("Bearer at-SECRET-1".to_owned()),
                Some("Bearer at-SECRET-2".to_owned())
            ]
        );
    }
    let record = apply.records().lock().unwrap()[0].clone();
    assert_eq!(record.attempts, 2);

    // Only once: an upstream that refuses every token gets exactly one renewal.
    stub.idp()
        .revoked
        .extend(["at-SECRET-2".to_owned(), "at-SECRET-3".to_owned()]);
    let mut read = gw.session(spec(&["idp-api"], Phase::Read));
    let resp = read
        .send(request("idp-api", HttpMethod::Get, "/api/thing"))
        .await
        .unwrap();
    assert_eq!(resp.status, 401, "the plugin gets the second 401");
    assert_eq!(stub.idp().issued.len(), 3);
}

#[tokio::test]
async fn oauth_secrets_and_tokens_never_reach_a_plugin_or_an_error() {
    let stub = Stub::start(3600).await;
    let secrets = Arc::new(SecretSet::default());
    let gw = gateway(
        vec![
            (
                "idp-api",
                role(&stub.base, oauth(&stub, CLIENT_SECRET, &secrets)),
            ),
            (
                "bad-client",
                role(&stub.base, oauth(&stub, "wrong-SECRET-5555", &secrets)),
            ),
        ],
        secrets,
    );
    let mut session = gw.session(spec(&["idp-api", "bad-client"], Phase::Read));
    // The upstream echoes the Authorization header: the plugin sees it redacted.
    let resp = session
        .send(request("idp-api", HttpMethod::Get, "/headers"))
        .await
        .unwrap();
    assert!(resp.body.contains("[REDACTED]"), "{}", resp.body);
    assert_no_secret(&resp.body, &["at-SECRET-1", CLIENT_SECRET, CLIENT_ID]);
    // A refused client: the error names the role and the setting, and never the secret,
    // even though the token endpoint echoed the Basic credential.
    let err = session
        .send(request("bad-client", HttpMethod::Get, "/api/thing"))
        .await
        .unwrap_err();
    let UpstreamError::Network(message) = &err else {
        panic!("a token failure is an upstream failure: {err:?}")
    };
    assert!(message.contains("roles.bad-client.auth"), "{message}");
    assert!(message.contains("invalid_client"), "{message}");
    assert_no_secret(message, &["wrong-SECRET-5555", CLIENT_ID, "got"]);
    let records = format!("{:?}", session.records().lock().unwrap());
    assert_no_secret(
        &records,
        &["wrong-SECRET-5555", CLIENT_SECRET, "at-SECRET-1"],
    );
    assert!(
        gw.secrets().iter().any(|s| s.expose() == "at-SECRET-1"),
        "access tokens join the redaction set as they arrive"
    );
}

#[tokio::test]
async fn api_keys_anonymous_roles_and_method_lists() {
    let stub = Stub::start(3600).await;
    let secrets = Arc::new(SecretSet::default());
    let key = Auth::ApiKeyHeader {
        header: "x-api-key".parse().unwrap(),
        value: Secret::new(API_KEY),
    };
    // Even a role whose allow-list names the key's header never lets the plugin's value
    // through: the credential header is the host's.
    let mut keyed = role(&stub.base, key);
    keyed.allowed_headers = vec!["x-api-key".into()];
    let mut read_only = role(&stub.base, Auth::Anonymous);
    read_only.methods = Some(vec![HttpMethod::Get]);
    let gw = gateway(
        vec![
            ("keyed", keyed),
            ("public", role(&stub.base, Auth::Anonymous)),
            ("read-only", read_only),
        ],
        secrets,
    );
    let mut session = gw.session(spec(
        &["keyed", "public", "read-only"],
        Phase::Apply(vec![effect(
            "read-only",
            HttpMethod::Delete,
            "/api/x",
            None,
        )]),
    ));
    let mut forged = request("keyed", HttpMethod::Get, "/headers");
    forged.headers = vec![("X-Api-Key".into(), "forged-by-plugin".into())];
    let resp = session.send(forged).await.unwrap();
    assert_no_secret(&resp.body, &[API_KEY]);
    session
        .send(request("public", HttpMethod::Get, "/headers"))
        .await
        .unwrap();
    {
        let idp = stub.idp();
        let keyed = &idp.headers_saw[0];
        let keys: Vec<&str> = keyed
            .iter()
            .filter(|(k, _)| k == "x-api-key")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(keys, [API_KEY], "the host's key, never the plugin's");
        assert!(
            !idp.headers_saw[1]
                .iter()
                .any(|(k, _)| k == "authorization" || k == "x-api-key" || k == "cookie"),
            "an anonymous role sends no credential: {:?}",
            idp.headers_saw[1]
        );
    }
    let before = stub.idp().api_saw.len();
    let err = session
        .send(request("read-only", HttpMethod::Delete, "/api/x"))
        .await
        .unwrap_err();
    let UpstreamError::Denied(message) = err else {
        panic!("expected a denial")
    };
    assert!(message.contains("roles.read-only.methods"), "{message}");
    assert_eq!(stub.idp().api_saw.len(), before, "nothing was sent");
}
