//! The HTTP+JSON API: routing, authentication before anything is read, body limits, JSON errors.
//!
//! | method | path | scope |
//! | --- | --- | --- |
//! | GET | `/healthz` | none |
//! | POST | `/v1/bundles` (archive bytes) | deploy |
//! | GET | `/v1/bundles/{hash}` | node or read |
//! | GET | `/v1/workers` | read |
//! | GET, DELETE | `/v1/workers/{name}` | read, deploy |
//! | GET, POST | `/v1/workers/{name}/versions` | read, deploy |
//! | GET | `/v1/workers/{name}/versions/{n}` | read |
//! | POST | `/v1/workers/{name}/deployments` | deploy |
//! | GET | `/v1/workers/{name}/deployment[?generation=G]` | read |
//! | POST | `/v1/workers/{name}/rollback` | deploy |
//! | GET | `/v1/workers/{name}/secrets` | read |
//! | PUT, DELETE | `/v1/workers/{name}/secrets/{NAME}` | deploy |
//! | GET | `/v1/pops` | read |
//! | GET | `/v1/proxies` | read |
//! | POST, DELETE | `/v1/proxies` (`{"pattern", "origin"}` / `{"pattern"}`) | deploy |
//! | PUT | `/v1/pops/{id}` | node (its own id) |
//! | GET | `/v1/config[?after=G&wait=S]` (long-poll until the generation is above G) | node |
//! | GET, POST | `/v1/tokens` | admin |
//! | DELETE | `/v1/tokens/{id}` | admin |
//! | any | `/v1/store/...` | node (see [`StoreGateway`]) |

use crate::auth::{
    Scope, TokenRecord, authenticate, bearer, create_token, list_tokens, revoke_token,
};
use crate::control::Control;
use crate::documents::read_config;
use crate::error::{Error, Result};
use crate::model::{
    CreateVersion, CreatedToken, DeployRequest, NewToken, RollbackRequest, SecretValue,
};
use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use verge_core::platform::{CONFIG_BUCKET, POPS_BUCKET, PopStatus};
use verge_store::Store;

/// Errors of a response body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every response (boxed so a store gateway can stream, e.g. a watch).
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The handler of the node-facing store protocol under `/v1/store/`. It gets the store and the request with
/// the `/v1/store` prefix removed from its path (the query kept), after the control plane has checked the
/// caller's token ([`store_access`]). With `verge_store::remote`:
///
/// ```ignore
/// let gateway: StoreGateway = Arc::new(|store, req| {
///     Box::pin(async move {
///         verge_store::remote::serve(store, req)
///             .await
///             .map(|b| b.map_err(|never| match never {}).boxed_unsync())
///     })
/// });
/// let control = Control::new(store, key, options).with_store_gateway(gateway);
/// ```
pub type StoreGateway = Arc<
    dyn Fn(Arc<dyn Store>, Request<Incoming>) -> BoxFuture<'static, Response<Body>> + Send + Sync,
>;

/// Longest long-poll of `GET /v1/config?after=G&wait=S`, in seconds.
const MAX_CONFIG_WAIT_SECS: u64 = 60;

/// Header a client may send with a bundle upload: the sha256 it computed, checked by the server.
pub const BUNDLE_HASH_HEADER: &str = "x-verge-bundle-sha256";

/// One endpoint, parsed from the method and path.
enum Route {
    Health,
    Upload,
    GetBundle(String),
    Workers,
    Worker(String),
    DeleteWorker(String),
    Versions(String),
    Version(String, u64),
    CreateVersion(String),
    Deploy(String),
    Status(String),
    Rollback(String),
    Secrets(String),
    PutSecret(String, String),
    DeleteSecret(String, String),
    Pops,
    Proxies,
    PutProxy,
    DeleteProxy,
    PutPop(String),
    Config,
    Tokens,
    CreateToken,
    RevokeToken(String),
    Store(String),
}

impl Route {
    fn parse(method: &Method, path: &str) -> Result<Self> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let m = method.clone();
        let get = m == Method::GET || m == Method::HEAD;
        let s = |x: &str| x.to_owned();
        let route = match (segs.as_slice(), m) {
            (["healthz"], _) if get => Self::Health,
            (["v1", "store", ..], _) => Self::Store(path["/v1/store".len()..].to_owned()),
            (["v1", "bundles"], Method::POST) => Self::Upload,
            (["v1", "bundles", h], _) if get => Self::GetBundle(s(h)),
            (["v1", "workers"], _) if get => Self::Workers,
            (["v1", "workers", w], _) if get => Self::Worker(s(w)),
            (["v1", "workers", w], Method::DELETE) => Self::DeleteWorker(s(w)),
            (["v1", "workers", w, "versions"], _) if get => Self::Versions(s(w)),
            (["v1", "workers", w, "versions"], Method::POST) => Self::CreateVersion(s(w)),
            (["v1", "workers", w, "versions", v], _) if get => {
                let v = v
                    .parse()
                    .map_err(|_| Error::BadRequest(format!("{v:?} is not a version number")))?;
                Self::Version(s(w), v)
            }
            (["v1", "workers", w, "deployments"], Method::POST) => Self::Deploy(s(w)),
            (["v1", "workers", w, "deployment"], _) if get => Self::Status(s(w)),
            (["v1", "workers", w, "rollback"], Method::POST) => Self::Rollback(s(w)),
            (["v1", "workers", w, "secrets"], _) if get => Self::Secrets(s(w)),
            (["v1", "workers", w, "secrets", n], Method::PUT) => Self::PutSecret(s(w), s(n)),
            (["v1", "workers", w, "secrets", n], Method::DELETE) => Self::DeleteSecret(s(w), s(n)),
            (["v1", "pops"], _) if get => Self::Pops,
            (["v1", "proxies"], _) if get => Self::Proxies,
            (["v1", "proxies"], Method::POST) => Self::PutProxy,
            (["v1", "proxies"], Method::DELETE) => Self::DeleteProxy,
            (["v1", "pops", id], Method::PUT) => Self::PutPop(s(id)),
            (["v1", "config"], _) if get => Self::Config,
            (["v1", "tokens"], _) if get => Self::Tokens,
            (["v1", "tokens"], Method::POST) => Self::CreateToken,
            (["v1", "tokens", id], Method::DELETE) => Self::RevokeToken(s(id)),
            (_, m) => {
                return Err(Error::NotFound(format!("no endpoint {m} {path}")));
            }
        };
        Ok(route)
    }

    /// The scope the endpoint needs (`None`: public). Bundles are readable by nodes and readers alike.
    fn scope(&self) -> Option<&'static [Scope]> {
        Some(match self {
            Self::Health => return None,
            Self::GetBundle(_) => &[Scope::Node, Scope::Read],
            Self::Workers
            | Self::Worker(_)
            | Self::Versions(_)
            | Self::Version(..)
            | Self::Status(_)
            | Self::Secrets(_)
            | Self::Pops
            | Self::Proxies => &[Scope::Read],
            Self::Upload
            | Self::DeleteWorker(_)
            | Self::CreateVersion(_)
            | Self::Deploy(_)
            | Self::Rollback(_)
            | Self::PutSecret(..)
            | Self::DeleteSecret(..)
            | Self::PutProxy
            | Self::DeleteProxy => &[Scope::Deploy],
            Self::PutPop(_) | Self::Config | Self::Store(_) => &[Scope::Node],
            Self::Tokens | Self::CreateToken | Self::RevokeToken(_) => &[Scope::Admin],
        })
    }
}

impl Control {
    /// Answer one API request. Never fails: errors become `{"error": "..."}` with their status.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        match self.dispatch(req).await {
            Ok(resp) => resp,
            Err(e) => {
                let status = e.status();
                if status.is_server_error() {
                    tracing::error!(%method, path, "{e}");
                } else {
                    tracing::debug!(%method, path, status = status.as_u16(), "{e}");
                }
                error_response(&e)
            }
        }
    }

    async fn dispatch(&self, req: Request<Incoming>) -> Result<Response<Body>> {
        let route = Route::parse(req.method(), req.uri().path())?;
        let caller = match route.scope() {
            None => None,
            Some(scopes) => {
                let auth = req
                    .headers()
                    .get(header::AUTHORIZATION)
                    .map(|v| v.to_str().unwrap_or_default());
                let token = authenticate(self.store.as_ref(), bearer(auth)?).await?;
                if !scopes.iter().any(|s| token.allows(*s)) {
                    // One of the scopes is missing; name the first in the error.
                    token.require(scopes[0])?;
                }
                Some(token)
            }
        };
        let caller = caller.as_ref();
        let store = self.store.as_ref();
        match route {
            Route::Health => json(StatusCode::OK, &serde_json::json!({"ok": true})),
            Route::Upload => {
                let expected = req
                    .headers()
                    .get(BUNDLE_HASH_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = read_body(req, self.options.max_bundle_bytes).await?;
                let info = self.upload_bundle(&body, expected.as_deref()).await?;
                let status = if info.created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                json(status, &info)
            }
            Route::GetBundle(hash) => {
                let bytes = self.bundle(&hash).await?;
                Ok(Response::builder()
                    .status(StatusCode::OK)
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(full(bytes))
                    .map_err(|e| Error::internal("response", e))?)
            }
            Route::Workers => json(StatusCode::OK, &self.workers().await?),
            Route::Worker(w) => json(StatusCode::OK, &self.worker(&w).await?),
            Route::DeleteWorker(w) => {
                let generation = self.delete_worker(&w).await?;
                json(
                    StatusCode::OK,
                    &serde_json::json!({"worker": w, "deleted": true, "generation": generation}),
                )
            }
            Route::Versions(w) => json(StatusCode::OK, &self.versions(&w).await?),
            Route::Version(w, v) => json(StatusCode::OK, &self.version(&w, v).await?),
            Route::CreateVersion(w) => {
                let body: CreateVersion = self.read_json(req).await?;
                let info = self.create_version(&w, &body.bundle, body.message).await?;
                json(StatusCode::CREATED, &info)
            }
            Route::Deploy(w) => {
                let body: DeployRequest = self.read_json(req).await?;
                let result = self
                    .deploy(&w, body.version, body.percent.unwrap_or(100))
                    .await?;
                json(StatusCode::OK, &result)
            }
            Route::Status(w) => {
                let generation = query_param(req.uri().query(), "generation")
                    .map(|g| {
                        g.parse::<u64>().map_err(|_| {
                            Error::BadRequest(format!("generation {g:?} is not a number"))
                        })
                    })
                    .transpose()?;
                json(
                    StatusCode::OK,
                    &self.deployment_status(&w, generation).await?,
                )
            }
            Route::Rollback(w) => {
                let body: RollbackRequest = if has_body(&req) {
                    self.read_json(req).await?
                } else {
                    RollbackRequest::default()
                };
                json(StatusCode::OK, &self.rollback(&w, body.version).await?)
            }
            Route::Secrets(w) => json(StatusCode::OK, &self.secret_names(&w).await?),
            Route::PutSecret(w, n) => {
                let body: SecretValue = self.read_json(req).await?;
                json(StatusCode::OK, &self.put_secret(&w, &n, &body.value).await?)
            }
            Route::DeleteSecret(w, n) => json(StatusCode::OK, &self.delete_secret(&w, &n).await?),
            Route::Pops => json(StatusCode::OK, &self.pops().await?),
            Route::Proxies => json(StatusCode::OK, &self.proxies().await?),
            Route::PutProxy => {
                let route: verge_core::platform::ProxyRoute = self.read_json(req).await?;
                let generation = self.put_proxy(&route.pattern, &route.origin).await?;
                json(
                    StatusCode::OK,
                    &serde_json::json!({"pattern": route.pattern, "origin": route.origin, "generation": generation}),
                )
            }
            Route::DeleteProxy => {
                let body: serde_json::Value = self.read_json(req).await?;
                let pattern = body["pattern"].as_str().ok_or_else(|| {
                    Error::BadRequest("the body needs {\"pattern\": \"host/path\"}".into())
                })?;
                let generation = self.delete_proxy(pattern).await?;
                json(
                    StatusCode::OK,
                    &serde_json::json!({"pattern": pattern, "deleted": true, "generation": generation}),
                )
            }
            Route::PutPop(id) => {
                let caller = caller.ok_or_else(|| Error::Internal("no caller".into()))?;
                let status: PopStatus = self.read_json(req).await?;
                self.put_pop(caller, &id, &status).await?;
                json(
                    StatusCode::OK,
                    &serde_json::json!({"id": id, "generation": status.generation}),
                )
            }
            Route::Config => {
                let query = req.uri().query();
                let after = query_param(query, "after")
                    .map(|g| {
                        g.parse::<u64>()
                            .map_err(|_| Error::BadRequest(format!("after={g:?} is not a number")))
                    })
                    .transpose()?;
                let wait = query_param(query, "wait")
                    .map(|w| {
                        w.parse::<u64>()
                            .map_err(|_| Error::BadRequest(format!("wait={w:?} is not a number")))
                    })
                    .transpose()?
                    .unwrap_or(30)
                    .min(MAX_CONFIG_WAIT_SECS);
                let (cfg, revision) = match after {
                    Some(after) => config_after(store, after, Duration::from_secs(wait)).await?,
                    None => read_config(store).await?,
                };
                let mut resp = json(StatusCode::OK, &cfg)?;
                if let Ok(v) = revision.to_string().parse() {
                    resp.headers_mut().insert("x-verge-revision", v);
                }
                Ok(resp)
            }
            Route::Tokens => json(StatusCode::OK, &list_tokens(store).await?),
            Route::CreateToken => {
                let body: NewToken = self.read_json(req).await?;
                let (token, record) =
                    create_token(store, &body.name, &body.scopes, body.pop.as_deref()).await?;
                json(StatusCode::CREATED, &CreatedToken { token, record })
            }
            Route::RevokeToken(id) => {
                revoke_token(store, &id).await?;
                json(
                    StatusCode::OK,
                    &serde_json::json!({"id": id, "revoked": true}),
                )
            }
            Route::Store(rest) => {
                let caller = caller.ok_or_else(|| Error::Internal("no caller".into()))?;
                store_access(caller, req.method(), &rest)?;
                let gateway = self.gateway.clone().ok_or_else(|| {
                    Error::NotImplemented(
                        "the node store protocol is not wired in this build".into(),
                    )
                })?;
                let mut req = req;
                let query = req
                    .uri()
                    .query()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                *req.uri_mut() = format!("{rest}{query}")
                    .parse()
                    .map_err(|e| Error::BadRequest(format!("bad store path: {e}")))?;
                Ok(gateway(self.store.clone(), req).await)
            }
        }
    }

    async fn read_json<T: DeserializeOwned>(&self, req: Request<Incoming>) -> Result<T> {
        let body = read_body(req, self.options.max_json_bytes).await?;
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("bad JSON body: {e}")))
    }
}

/// The platform config once its generation is above `after`, or as it is after `wait`.
async fn config_after(
    store: &dyn Store,
    after: u64,
    wait: Duration,
) -> Result<(verge_core::platform::PlatformConfig, u64)> {
    // Watch first, then read: a change between the two is not missed.
    let mut changes = store.watch(CONFIG_BUCKET).await?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let (cfg, revision) = read_config(store).await?;
        if cfg.generation > after {
            return Ok((cfg, revision));
        }
        match tokio::time::timeout_at(deadline, changes.next()).await {
            Ok(Some(_)) => continue,
            // Timed out, or the watch ended: answer with what is there.
            Ok(None) | Err(_) => return read_config(store).await,
        }
    }
}

/// What a token may do through the node store protocol (`verge_store::remote`'s layout, names
/// percent-encoded: `/kv/{bucket}/{key}`, `/kv/{bucket}?keys`, `/watch/{bucket}`, `/blobs/{name}`): read the
/// platform config, the PoP statuses and bundle blobs; `PUT` only `kv/pops/<its own PoP id>`. Admin tokens
/// may do anything.
pub fn store_access(caller: &TokenRecord, method: &Method, path: &str) -> Result<()> {
    if caller.allows(Scope::Admin) {
        return Ok(());
    }
    let denied = || {
        Error::Forbidden(format!(
            "token {:?} may not {method} {path} in the store",
            caller.name
        ))
    };
    let segs: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
    let decoded: Option<Vec<String>> = segs.iter().map(|s| percent_decode(s)).collect();
    let decoded = decoded.ok_or_else(denied)?;
    let parts: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let read = *method == Method::GET || *method == Method::HEAD;
    let readable_bucket = |b: &str| b == CONFIG_BUCKET || b == POPS_BUCKET;
    let allowed = match parts.as_slice() {
        ["kv" | "watch", bucket, ..] if read => readable_bucket(bucket),
        ["blobs", name] if read => name.starts_with("bundle-"),
        ["kv", bucket, key] if *method == Method::PUT => {
            *bucket == POPS_BUCKET && caller.pop.as_deref() == Some(*key)
        }
        _ => false,
    };
    if allowed { Ok(()) } else { Err(denied()) }
}

/// Decode `%XX` escapes; `None` when malformed or not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn has_body(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v != "0")
}

/// Read a request body of at most `limit` bytes (413 beyond).
async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes> {
    let too_large = || Error::TooLarge(format!("request body over the limit of {limit} bytes"));
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(too_large());
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Error::BadRequest(format!("reading the request body: {e}"))),
    }
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Result<Response<Body>> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::internal("response", e))?;
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(full(Bytes::from(bytes)))
        .map_err(|e| Error::internal("response", e))
}

/// `{"error": message}` with the error's status.
pub(crate) fn error_response(e: &Error) -> Response<Body> {
    let body = serde_json::json!({ "error": e.to_string() }).to_string();
    let mut resp = Response::new(full(Bytes::from(body)));
    *resp.status_mut() = e.status();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    if e.status() == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(pop: &str) -> TokenRecord {
        TokenRecord {
            id: "0".repeat(16),
            name: "n".into(),
            scopes: vec![Scope::Node],
            pop: Some(pop.into()),
            created_ms: 0,
        }
    }

    #[test]
    fn node_store_access() {
        let n = node("nrt-1");
        assert!(store_access(&n, &Method::GET, "/kv/platform/config").is_ok());
        assert!(store_access(&n, &Method::GET, "/watch/platform").is_ok());
        assert!(store_access(&n, &Method::GET, "/blobs/bundle-abc").is_ok());
        assert!(store_access(&n, &Method::PUT, "/kv/pops/nrt-1").is_ok());
        assert!(store_access(&n, &Method::PUT, "/kv/pops/ams-1").is_err());
        assert!(store_access(&n, &Method::PUT, "/kv/platform/config").is_err());
        assert!(store_access(&n, &Method::GET, "/kv/control-tokens/x").is_err());
        assert!(store_access(&n, &Method::PUT, "/blobs/bundle-abc").is_err());
        assert!(store_access(&n, &Method::GET, "/kv/pops").is_ok());
        assert!(store_access(&n, &Method::PUT, "/kv/pop%73/nrt-1").is_ok());
        assert!(store_access(&n, &Method::PUT, "/kv/pops/nrt-1%2Fx").is_err());
        assert!(store_access(&n, &Method::DELETE, "/kv/pops/nrt-1").is_err());
        assert!(store_access(&n, &Method::GET, "/kv/pops/%zz").is_err());
    }

    #[test]
    fn routes_parse() {
        assert!(matches!(
            Route::parse(&Method::GET, "/v1/workers/a/versions/3"),
            Ok(Route::Version(w, 3)) if w == "a"
        ));
        assert!(Route::parse(&Method::GET, "/v1/workers/a/versions/x").is_err());
        assert!(Route::parse(&Method::PATCH, "/v1/workers").is_err());
        assert!(matches!(
            Route::parse(&Method::PUT, "/v1/store/kv/pops/a"),
            Ok(Route::Store(p)) if p == "/kv/pops/a"
        ));
    }
}
