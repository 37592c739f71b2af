//! The outbound gateway: every subrequest a worker makes with `fetch()` goes out through here.
//!
//! [`Gateway::send`] takes a request whose body is already buffered, enforces the worker's
//! [`OutboundPolicy`] and returns the response head with its body still streaming. It does not
//! follow redirects (the JS layer implements the `redirect` modes).
//!
//! The SSRF guard has two halves: IP-literal hosts are checked before sending (the connector
//! dials those without resolving), and host names are checked at connect time by the resolver,
//! on the very addresses that get dialled, so DNS rebinding cannot slip past it. Requests under
//! the strict and the permissive policy use separate clients, so a pooled connection opened under
//! `allow_private = true` is never handed to a worker without that permission.
//!
//! ```no_run
//! # async fn demo() -> Result<(), verge_runtime::outbound::OutboundError> {
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use verge_runtime::outbound::{Gateway, GatewayConfig};
//!
//! let gateway = Gateway::new(GatewayConfig::default());
//! let request = http::Request::get("https://example.com/")
//!     .body(Full::new(Bytes::new()))
//!     .map_err(|e| verge_runtime::outbound::OutboundError::InvalidUrl(e.to_string()))?;
//! let response = gateway.send(request, &verge_core::OutboundPolicy::default()).await?;
//! assert!(response.status().is_success());
//! # Ok(()) }
//! ```

mod error;
mod ip;
mod request;
mod resolver;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};
use hyper_rustls::{ConfigBuilderExt as _, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::Instrument as _;
use verge_core::OutboundPolicy;

pub use error::{OutboundError, TimeoutPhase};
pub use ip::{BlockReason, classify_ip};
pub use request::OriginHost;

use request::{Target, prepare_head, strip_hop_by_hop};
use resolver::PolicyResolver;

/// Tunables of the outbound gateway. Build as `GatewayConfig { field: value, ..Default::default() }`.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Limit for establishing the TCP connection (split across the addresses a name resolves to).
    pub connect_timeout: Duration,
    /// Limit from sending until the response head arrives, including connecting and TLS.
    /// `None` waits as long as the worker does.
    pub response_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle pooled connections kept per scheme and authority.
    pub max_idle_per_host: usize,
    /// `user-agent` added when the worker sets none. `None` (the default, as on Workers) adds
    /// nothing.
    pub default_user_agent: Option<HeaderValue>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            response_timeout: Some(Duration::from_secs(100)),
            pool_idle_timeout: Duration::from_secs(90),
            max_idle_per_host: 32,
            default_user_agent: None,
        }
    }
}

type Connector = HttpsConnector<HttpConnector<PolicyResolver>>;
type HttpClient = Client<Connector, Full<Bytes>>;

/// Sends workers' subrequests: pooled HTTP/1.1 and HTTP/2 over TCP or TLS (Mozilla roots).
///
/// Cheap to clone, `Send + Sync`. Connection tasks run on the tokio runtime of the caller of
/// [`Gateway::send`], so one gateway per shard keeps each shard's connections on its own thread.
#[derive(Clone)]
pub struct Gateway {
    strict: HttpClient,
    permissive: HttpClient,
    config: GatewayConfig,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Build a gateway. Needs no runtime; connections are opened lazily.
    pub fn new(config: GatewayConfig) -> Self {
        let tls = tls_config();
        Self {
            strict: build_client(&config, tls.clone(), false),
            permissive: build_client(&config, tls, true),
            config,
        }
    }

    /// The configuration this gateway was built with.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// Send one subrequest under `policy`. Returns the response head with its body streaming
    /// (not buffered); 3xx responses are returned as they are.
    pub async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        policy: &OutboundPolicy,
    ) -> Result<http::Response<Incoming>, OutboundError> {
        let target = Target::parse(request.uri())?;
        let span = tracing::debug_span!(
            "subrequest",
            http.request.method = %request.method(),
            url.full = %target.url_for_log,
            server.address = %target.host,
            http.response.status_code = tracing::field::Empty,
        );
        self.send_checked(request, policy, target)
            .instrument(span)
            .await
    }

    async fn send_checked(
        &self,
        request: http::Request<Full<Bytes>>,
        policy: &OutboundPolicy,
        target: Target,
    ) -> Result<http::Response<Incoming>, OutboundError> {
        let result = self.exchange(request, policy, &target).await;
        match &result {
            Ok(response) => {
                tracing::Span::current()
                    .record("http.response.status_code", response.status().as_u16());
            }
            Err(error) => tracing::debug!(%error, "subrequest failed"),
        }
        result
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
        policy: &OutboundPolicy,
        target: &Target,
    ) -> Result<http::Response<Incoming>, OutboundError> {
        target.check_literal(policy.allow_private)?;
        let client = if policy.allow_private {
            &self.permissive
        } else {
            &self.strict
        };

        let (mut parts, body) = request.into_parts();
        let body_len = body.size_hint().exact().unwrap_or(0);
        prepare_head(
            &mut parts,
            body_len,
            self.config.default_user_agent.as_ref(),
        );
        let pending = client.request(http::Request::from_parts(parts, body));

        let outcome =
            match self.config.response_timeout {
                Some(limit) => tokio::time::timeout(limit, pending).await.map_err(|_| {
                    OutboundError::Timeout {
                        host: target.host.clone(),
                        phase: TimeoutPhase::Response,
                    }
                })?,
                None => pending.await,
            };
        let mut response = outcome.map_err(|e| OutboundError::from_client(&e, &target.host))?;
        strip_hop_by_hop(response.headers_mut());
        Ok(response)
    }
}

/// rustls with the ring provider and the Mozilla root store.
fn tls_config() -> rustls::ClientConfig {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    #[expect(
        clippy::expect_used,
        reason = "startup only; ring supports rustls' default protocol versions"
    )]
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions");
    builder.with_webpki_roots().with_no_client_auth()
}

fn build_client(
    config: &GatewayConfig,
    tls: rustls::ClientConfig,
    allow_private: bool,
) -> HttpClient {
    let mut http = HttpConnector::new_with_resolver(PolicyResolver::new(allow_private));
    http.enforce_http(false);
    http.set_connect_timeout(Some(config.connect_timeout));
    http.set_nodelay(true);
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(config.pool_idle_timeout)
        .pool_max_idle_per_host(config.max_idle_per_host)
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build(connector)
}
