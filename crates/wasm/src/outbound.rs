//! Outbound HTTP: a guest's `wasi:http/outgoing-handler` requests are counted against the subrequest
//! limit, their bodies buffered (up to the request body limit), and handed to the embedder's
//! [`Outbound`] — on verge, the same gateway (SSRF guard, `allow_private`, connection pool) as JS `fetch`.

use crate::meter::RequestMeter;
use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt as _, Full, Limited};
use std::sync::Arc;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// A body error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A body passed between verge and a guest (responses of subrequests, the guest's response).
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// Why a subrequest failed, as the embedder reports it. The guest sees the matching `wasi:http` error
/// code; the message goes to the log.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Refused by policy (private address, blocked port, unsupported scheme).
    #[error("{0}")]
    Denied(String),
    /// The host name did not resolve.
    #[error("{0}")]
    Dns(String),
    /// The connection could not be made or broke.
    #[error("{0}")]
    Connection(String),
    /// No answer in time.
    #[error("{0}")]
    Timeout(String),
    /// TLS failed.
    #[error("{0}")]
    Tls(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl SendError {
    fn code(&self) -> HttpError {
        match self {
            Self::Denied(_) => HttpError::DestinationIpProhibited,
            Self::Dns(m) => HttpError::DnsError {
                rcode: Some(m.clone()),
                info_code: None,
            },
            Self::Connection(_) => HttpError::ConnectionRefused,
            Self::Timeout(_) => HttpError::ConnectionTimeout,
            Self::Tls(_) => HttpError::TlsProtocolError,
            Self::Other(m) => HttpError::InternalError(Some(m.clone())),
        }
    }
}

/// Sends a guest's subrequests. Implemented by the embedder (verge's runtime: the outbound gateway under
/// the worker's policy).
pub trait Outbound: Send + Sync + 'static {
    /// Send `request` (body already buffered); the response body may still be streaming.
    fn send(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, SendError>>;
}

/// The `wasi:http` hooks of one request's store.
pub(crate) struct Hooks {
    pub(crate) worker: Arc<str>,
    pub(crate) outbound: Arc<dyn Outbound>,
    pub(crate) meter: Arc<RequestMeter>,
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                ),
                HttpError,
            >,
        > + Send,
>;

impl WasiHttpHooks for Hooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> ResponseFuture {
        // Past the limit the meter holds the violation, which ends the request at the guest's next check.
        if self.meter.count_subrequest().is_err() {
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        let outbound = self.outbound.clone();
        let worker = self.worker.clone();
        let limit = usize::try_from(self.meter.limits().request_body_bytes()).unwrap_or(usize::MAX);
        Box::new(async move {
            let (parts, body) = request.into_parts();
            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|_| HttpError::HttpRequestBodySize(None))?
                .to_bytes();
            let request = http::Request::from_parts(parts, Full::new(body));
            let host = request.uri().host().unwrap_or_default().to_owned();
            match outbound.send(request).await {
                Ok(response) => {
                    let response = response.map(|b| {
                        b.map_err(|e| HttpError::InternalError(Some(e.to_string())))
                            .boxed_unsync()
                    });
                    let done: Box<dyn Future<Output = Result<(), HttpError>> + Send> =
                        Box::new(async { Ok(()) });
                    Ok((response, done))
                }
                Err(e) => {
                    tracing::warn!(worker = &*worker, host, "subrequest failed: {e}");
                    Err(e.code())
                }
            }
        })
    }
}
