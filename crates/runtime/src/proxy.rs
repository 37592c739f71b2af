//! A route with an origin and no worker: a caching reverse proxy.
//!
//! `GET`/`HEAD` responses the origin marks cacheable for a shared cache (RFC 9111: `s-maxage`, `max-age`,
//! `Expires`; never `private`/`no-store`/`Set-Cookie`) are kept in the node's HTTP cache, in a namespace of
//! their own per route host; a hit is answered without asking the origin, with an `age` header and
//! `verge-cache: HIT`. Everything else goes to the origin as it came, through the shard's outbound gateway
//! (the origin is named by the deployment, so it may be a private address), with the public `Host`.

use crate::Shard;
use crate::invoke::{LOOP_HEADER, error_response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use std::rc::Rc;
use std::time::SystemTime;
use verge_cache::{CacheDecision, CachedResponse, storable};
use verge_core::{Limits, OutboundPolicy};
use verge_web::Body;

/// The response header that tells a cache hit from a miss.
pub const CACHE_HEADER: &str = "verge-cache";

/// Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
];

fn header_pairs(h: &http::HeaderMap) -> Vec<(String, Vec<u8>)> {
    h.iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect()
}

fn full(b: Bytes) -> Body {
    Full::new(b).map_err(|e| match e {}).boxed_unsync()
}

/// Serve `request` (full URL `url`) from `origin`, through the cache when it may.
pub async fn proxy(
    shard: Rc<Shard>,
    origin: &str,
    request: http::Request<Body>,
    url: &str,
) -> http::Response<Body> {
    let Some(target) = aim(origin, request.uri()) else {
        return error_response(
            502,
            "bad-origin",
            &format!("The route's origin {origin:?} is not a usable URL"),
        );
    };
    let cacheable_request = matches!(*request.method(), http::Method::GET | http::Method::HEAD)
        && !request.headers().contains_key(http::header::AUTHORIZATION);
    let namespace = format!(
        "proxy:{}",
        url.parse::<http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_ascii_lowercase))
            .unwrap_or_default()
    );
    let now = SystemTime::now();
    if cacheable_request
        && let Some(hit) =
            shard
                .shared
                .cache
                .get(&namespace, url, &header_pairs(request.headers()), now)
    {
        let mut r = http::Response::new(if request.method() == http::Method::HEAD {
            full(Bytes::new())
        } else {
            full(hit.body.clone())
        });
        *r.status_mut() = http::StatusCode::from_u16(hit.status).unwrap_or(http::StatusCode::OK);
        for (k, v) in &hit.headers {
            if let (Ok(k), Ok(v)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_bytes(v),
            ) {
                r.headers_mut().append(k, v);
            }
        }
        r.headers_mut()
            .insert(CACHE_HEADER, http::HeaderValue::from_static("HIT"));
        return r;
    }

    let limit = Limits::default().request_body_bytes() as usize;
    let (mut parts, body) = request.into_parts();
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            tracing::warn!(url, "proxy: request body refused: {e}");
            return error_response(
                413,
                "request-body-limit",
                &format!("The request body is over the proxy's {limit}-byte limit"),
            );
        }
    };
    let public_host = parts.headers.get(http::header::HOST).cloned().or_else(|| {
        parts
            .uri
            .authority()
            .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok())
    });
    for h in HOP_BY_HOP {
        parts.headers.remove(h);
    }
    // The origin sees the public host, as it would behind a CDN.
    if let Some(h) = public_host {
        parts.extensions.insert(crate::outbound::OriginHost(h));
    }
    let mut loop_value = parts
        .headers
        .get(LOOP_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| format!("{v}, "))
        .unwrap_or_default();
    loop_value.push_str("verge");
    if let Ok(v) = http::HeaderValue::from_str(&loop_value) {
        parts.headers.insert(LOOP_HEADER, v);
    }
    parts.uri = target;
    let request_headers = header_pairs(&parts.headers);
    let method = parts.method.clone();
    let request = http::Request::from_parts(parts, Full::new(body));
    let policy = OutboundPolicy {
        allow_private: true,
    };
    let response = match shard.gateway.send(request, &policy).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(url, origin, "proxy: origin unreachable: {e}");
            return error_response(
                502,
                "origin-unreachable",
                &format!("The origin could not be reached: {}", e.js_message()),
            );
        }
    };
    let (mut head, body) = response.into_parts();
    for h in HOP_BY_HOP {
        head.headers.remove(h);
    }
    let store_ttl = if cacheable_request && method == http::Method::GET {
        match storable(head.status.as_u16(), &header_pairs(&head.headers), now) {
            CacheDecision::Store(ttl) => Some(ttl),
            CacheDecision::Skip(_) => None,
        }
    } else {
        None
    };
    let Some(ttl) = store_ttl else {
        head.headers
            .insert(CACHE_HEADER, http::HeaderValue::from_static("MISS"));
        return http::Response::from_parts(head, body.map_err(Into::into).boxed_unsync());
    };
    // Cacheable: read it whole (bounded by the cache's own per-entry budget), store, answer.
    let cap = 16 << 20;
    let bytes = match Limited::new(body, cap).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            tracing::warn!(url, "proxy: origin body not read: {e}");
            return error_response(
                502,
                "origin-unreachable",
                "The origin's response could not be read",
            );
        }
    };
    let headers = header_pairs(&head.headers);
    let vary = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("vary"))
        .flat_map(|(_, v)| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|n| !n.is_empty())
        .map(|n| {
            let value = request_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&n))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (n, value)
        })
        .collect();
    shard.shared.cache.put(
        &namespace,
        url,
        CachedResponse::new(
            head.status.as_u16(),
            headers,
            vary,
            bytes.clone(),
            now + ttl,
        ),
    );
    head.headers
        .insert(CACHE_HEADER, http::HeaderValue::from_static("MISS"));
    http::Response::from_parts(head, full(bytes))
}

/// `uri`'s path and query on `origin`'s scheme and authority.
fn aim(origin: &str, uri: &http::Uri) -> Option<http::Uri> {
    let o = origin.parse::<http::Uri>().ok()?;
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(o.scheme()?.clone());
    parts.authority = Some(o.authority()?.clone());
    parts.path_and_query = Some(
        uri.path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/")),
    );
    http::Uri::from_parts(parts).ok()
}
