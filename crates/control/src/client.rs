//! A client of the control plane API (what `verge deploy` and friends use), and `up.json`, the file that
//! tells them where a local platform's control plane is.

use crate::http::BUNDLE_HASH_HEADER;
use crate::model::{
    BundleInfo, CreateVersion, CreatedToken, DeployRequest, DeployResult, DeploymentStatus,
    NewToken, PopView, RollbackRequest, SecretNames, SecretValue, VersionInfo, WorkerSummary,
};
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use verge_core::platform::PopStatus;

/// The data dir `verge up`, `verge control` and the deploy commands use by default (relative to the
/// current directory).
pub const DEFAULT_DATA_DIR: &str = ".verge";

/// The file `verge up` writes in its data dir.
pub const UP_FILE: &str = "up.json";

/// How long one API call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// What `verge up` writes to `<data-dir>/up.json`: where its control plane is, a token, and its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpFile {
    /// The control plane's base URL (`http://127.0.0.1:8800`).
    pub control: String,
    /// A token with the `deploy` (or `admin`) scope.
    pub token: String,
    /// The nodes.
    #[serde(default)]
    pub nodes: Vec<UpNode>,
}

/// A node in [`UpFile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpNode {
    /// PoP id.
    pub id: String,
    /// Region code.
    pub region: String,
    /// HTTP address.
    pub http: String,
}

impl UpFile {
    /// The path of the file in `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(UP_FILE)
    }

    /// Read `<data_dir>/up.json`.
    pub fn read(data_dir: &Path) -> Result<Self, ClientError> {
        let path = Self::path(data_dir);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ClientError::local(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| ClientError::local(format!("{}: {e}", path.display())))
    }

    /// Write `<data_dir>/up.json` (readable by its owner only: it holds a token).
    pub fn write(&self, data_dir: &Path) -> Result<(), ClientError> {
        let text =
            serde_json::to_string_pretty(self).map_err(|e| ClientError::local(e.to_string()))?;
        crate::write_private(&Self::path(data_dir), &text)
            .map_err(|e| ClientError::local(e.to_string()))
    }
}

/// Why a call failed: the API's status and `error` message, or a local/transport failure (no status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ClientError {
    /// The HTTP status, when the control plane answered.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
}

impl ClientError {
    fn local(message: String) -> Self {
        Self {
            status: None,
            message,
        }
    }
}

/// A raw answer: status and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: StatusCode,
    /// Body bytes.
    pub body: Bytes,
}

/// A client of one control plane with one token.
#[derive(Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    http: HyperClient<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the control plane at `base` (`http://host:port`), sending `token` (if any).
    pub fn new(base: &str, token: Option<&str>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.map(str::to_owned),
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Send a request and return status and body whatever the status.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Result<RawResponse, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut req = Request::builder().method(method.clone()).uri(&url);
        if let Some(t) = &self.token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| ClientError::local(format!("{method} {url}: {e}")))?;
        let call = async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| ClientError::local(format!("{method} {url}: {e}")))?;
            let status = resp.status();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| ClientError::local(format!("{method} {url}: {e}")))?
                .to_bytes();
            Ok(RawResponse { status, body })
        };
        tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| {
                ClientError::local(format!("{method} {url}: no answer in {CALL_TIMEOUT:?}"))
            })?
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let (ct, bytes) = match body {
            Some(b) => (
                Some("application/json"),
                Bytes::from(serde_json::to_vec(b).map_err(|e| ClientError::local(e.to_string()))?),
            ),
            None => (None, Bytes::new()),
        };
        let resp = self.raw(method, path, ct, bytes, &[]).await?;
        decode(resp)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// Upload a bundle archive; the server checks it against `hash` when given.
    pub async fn upload_bundle(
        &self,
        archive: Bytes,
        hash: Option<&str>,
    ) -> Result<BundleInfo, ClientError> {
        let headers: Vec<(&str, &str)> =
            hash.map(|h| (BUNDLE_HASH_HEADER, h)).into_iter().collect();
        let resp = self
            .raw(
                Method::POST,
                "/v1/bundles",
                Some("application/octet-stream"),
                archive,
                &headers,
            )
            .await?;
        decode(resp)
    }

    /// Create a version of `worker` from an uploaded bundle.
    pub async fn create_version(
        &self,
        worker: &str,
        bundle: &str,
        message: Option<&str>,
    ) -> Result<VersionInfo, ClientError> {
        let body = CreateVersion {
            bundle: bundle.to_owned(),
            message: message.map(str::to_owned),
        };
        self.call(
            Method::POST,
            &format!("/v1/workers/{worker}/versions"),
            Some(&body),
        )
        .await
    }

    /// Deploy `version` of `worker` at `percent`.
    pub async fn deploy(
        &self,
        worker: &str,
        version: u64,
        percent: u8,
    ) -> Result<DeployResult, ClientError> {
        let body = DeployRequest {
            version,
            percent: Some(percent),
        };
        self.call(
            Method::POST,
            &format!("/v1/workers/{worker}/deployments"),
            Some(&body),
        )
        .await
    }

    /// Roll `worker` back to `version` (default: the previous one).
    pub async fn rollback(
        &self,
        worker: &str,
        version: Option<u64>,
    ) -> Result<DeployResult, ClientError> {
        let body = RollbackRequest { version };
        self.call(
            Method::POST,
            &format!("/v1/workers/{worker}/rollback"),
            Some(&body),
        )
        .await
    }

    /// A deployment's progress across PoPs towards `generation`.
    pub async fn deployment_status(
        &self,
        worker: &str,
        generation: Option<u64>,
    ) -> Result<DeploymentStatus, ClientError> {
        let q = generation
            .map(|g| format!("?generation={g}"))
            .unwrap_or_default();
        self.get(&format!("/v1/workers/{worker}/deployment{q}"))
            .await
    }

    /// `worker`'s versions, newest first.
    pub async fn versions(&self, worker: &str) -> Result<Vec<VersionInfo>, ClientError> {
        self.get(&format!("/v1/workers/{worker}/versions")).await
    }

    /// One worker.
    pub async fn worker(&self, worker: &str) -> Result<WorkerSummary, ClientError> {
        self.get(&format!("/v1/workers/{worker}")).await
    }

    /// Every worker.
    pub async fn workers(&self) -> Result<Vec<WorkerSummary>, ClientError> {
        self.get("/v1/workers").await
    }

    /// Set a secret.
    pub async fn put_secret(
        &self,
        worker: &str,
        name: &str,
        value: &str,
    ) -> Result<SecretNames, ClientError> {
        let body = SecretValue {
            value: value.to_owned(),
        };
        self.call(
            Method::PUT,
            &format!("/v1/workers/{worker}/secrets/{name}"),
            Some(&body),
        )
        .await
    }

    /// Proxy routes.
    pub async fn proxies(&self) -> Result<Vec<verge_core::platform::ProxyRoute>, ClientError> {
        self.get("/v1/proxies").await
    }

    /// Proxy `pattern` to `origin` on every node.
    pub async fn put_proxy(
        &self,
        pattern: &str,
        origin: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let body = verge_core::platform::ProxyRoute {
            pattern: pattern.to_owned(),
            origin: origin.to_owned(),
        };
        self.call(Method::POST, "/v1/proxies", Some(&body)).await
    }

    /// Stop proxying `pattern`.
    pub async fn delete_proxy(&self, pattern: &str) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::json!({ "pattern": pattern });
        self.call(Method::DELETE, "/v1/proxies", Some(&body)).await
    }

    /// The PoP registry.
    pub async fn pops(&self) -> Result<Vec<PopView>, ClientError> {
        self.get("/v1/pops").await
    }

    /// Report a PoP's status (node tokens).
    pub async fn put_pop(&self, status: &PopStatus) -> Result<serde_json::Value, ClientError> {
        self.call(
            Method::PUT,
            &format!("/v1/pops/{}", status.id),
            Some(status),
        )
        .await
    }

    /// The platform config document (node tokens).
    pub async fn config(&self) -> Result<verge_core::platform::PlatformConfig, ClientError> {
        self.get("/v1/config").await
    }

    /// The platform config once its generation is above `after`, waiting at most `wait_secs` (then the
    /// config as it is) (node tokens).
    pub async fn config_after(
        &self,
        after: u64,
        wait_secs: u64,
    ) -> Result<verge_core::platform::PlatformConfig, ClientError> {
        self.get(&format!("/v1/config?after={after}&wait={wait_secs}"))
            .await
    }

    /// A bundle archive (node or read tokens).
    pub async fn bundle(&self, hash: &str) -> Result<Bytes, ClientError> {
        let resp = self
            .raw(
                Method::GET,
                &format!("/v1/bundles/{hash}"),
                None,
                Bytes::new(),
                &[],
            )
            .await?;
        if resp.status.is_success() {
            Ok(resp.body)
        } else {
            Err(api_error(&resp))
        }
    }

    /// Create a token (admin tokens).
    pub async fn create_token(&self, new: &NewToken) -> Result<CreatedToken, ClientError> {
        self.call(Method::POST, "/v1/tokens", Some(new)).await
    }
}

fn api_error(resp: &RawResponse) -> ClientError {
    let message = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&resp.body).into_owned());
    ClientError {
        status: Some(resp.status.as_u16()),
        message: format!("{} ({})", message, resp.status),
    }
}

fn decode<T: DeserializeOwned>(resp: RawResponse) -> Result<T, ClientError> {
    if !resp.status.is_success() {
        return Err(api_error(&resp));
    }
    serde_json::from_slice(&resp.body).map_err(|e| ClientError {
        status: Some(resp.status.as_u16()),
        message: format!("unexpected answer from the control plane: {e}"),
    })
}
