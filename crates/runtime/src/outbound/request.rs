//! Checks a subrequest's URL against the rules and rewrites its head for the wire.

use std::net::IpAddr;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::Scheme;
use http::{Method, Uri, Version};

use super::error::OutboundError;
use super::ip::classify_ip;

/// The parts of a subrequest's URL the gateway needs, once validated.
#[derive(Debug)]
pub(crate) struct Target {
    /// Host as written (IPv6 literals keep their brackets).
    pub(crate) host: String,
    /// The IP address, when the host is an IP literal.
    pub(crate) literal: Option<IpAddr>,
    /// `scheme://authority/path`, without the query: safe to log.
    pub(crate) url_for_log: String,
}

impl Target {
    /// Validate `uri`: absolute, http(s), a host, no credentials.
    pub(crate) fn parse(uri: &Uri) -> Result<Self, OutboundError> {
        let Some(scheme) = uri.scheme() else {
            return Err(OutboundError::InvalidUrl("the URL must be absolute".into()));
        };
        if scheme != &Scheme::HTTP && scheme != &Scheme::HTTPS {
            return Err(OutboundError::Scheme {
                scheme: scheme.as_str().to_owned(),
            });
        }
        let Some(authority) = uri.authority() else {
            return Err(OutboundError::InvalidUrl("the URL has no host".into()));
        };
        if authority.as_str().contains('@') {
            return Err(OutboundError::InvalidUrl(
                "the URL includes credentials".into(),
            ));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(OutboundError::InvalidUrl("the URL has no host".into()));
        }
        // Same parsing as hyper-util's connector, which dials literals without resolving them.
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        Ok(Self {
            host: host.to_owned(),
            literal: bare.parse().ok(),
            url_for_log: format!("{}://{}{}", scheme.as_str(), authority, uri.path()),
        })
    }

    /// The SSRF guard for IP literals (names are checked by the resolver at connect time).
    pub(crate) fn check_literal(&self, allow_private: bool) -> Result<(), OutboundError> {
        match self.literal.and_then(classify_ip) {
            Some(reason) if !allow_private => Err(OutboundError::Blocked {
                host: self.host.clone(),
                reason,
            }),
            _ => Ok(()),
        }
    }
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) plus the obsolete `proxy-connection`; every other
/// `proxy-*` header is dropped too.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Remove hop-by-hop headers and any `proxy-*` header.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
    let proxy: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("proxy-"))
        .cloned()
        .collect();
    for name in proxy {
        headers.remove(name);
    }
}

/// The `Host` a request to a route's origin carries: the public host the client asked for, as behind a CDN.
/// Set by the platform (as a request extension, which scripts cannot reach), never taken from a worker.
#[derive(Debug, Clone)]
pub struct OriginHost(pub HeaderValue);

/// Rewrite a request head for sending: hop-by-hop headers out, `host` and `content-length`
/// derived from the URL and body rather than trusted, version left to ALPN.
pub(crate) fn prepare_head(
    parts: &mut http::request::Parts,
    body_len: u64,
    default_user_agent: Option<&HeaderValue>,
) {
    let headers = &mut parts.headers;
    strip_hop_by_hop(headers);
    // hyper writes `host` from the URL for HTTP/1 and uses `:authority` for HTTP/2, unless the platform
    // itself sends a request to a route's origin with the public host.
    headers.remove(header::HOST);
    if let Some(OriginHost(host)) = parts.extensions.get::<OriginHost>() {
        headers.insert(header::HOST, host.clone());
    }
    headers.remove(header::CONTENT_LENGTH);
    let needs_length = body_len > 0
        || parts.method == Method::POST
        || parts.method == Method::PUT
        || parts.method == Method::PATCH;
    if needs_length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    }
    if let Some(agent) = default_user_agent
        && !headers.contains_key(header::USER_AGENT)
    {
        headers.insert(header::USER_AGENT, agent.clone());
    }
    parts.version = Version::HTTP_11;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::BlockReason;

    fn target(url: &str) -> Result<Target, OutboundError> {
        Target::parse(&url.parse::<Uri>().unwrap())
    }

    #[test]
    fn parses_and_redacts_query() {
        let t = target("https://example.com:8443/a/b?token=secret").unwrap();
        assert_eq!(t.host, "example.com");
        assert_eq!(t.literal, None);
        assert_eq!(t.url_for_log, "https://example.com:8443/a/b");
    }

    #[test]
    fn rejects_bad_urls() {
        assert!(
            matches!(target("ftp://example.com/"), Err(OutboundError::Scheme { scheme }) if scheme == "ftp")
        );
        assert!(matches!(
            target("/relative"),
            Err(OutboundError::InvalidUrl(_))
        ));
        assert!(matches!(
            target("http://user:pw@example.com/"),
            Err(OutboundError::InvalidUrl(_))
        ));
    }

    #[test]
    fn literal_guard() {
        let t = target("http://[::ffff:127.0.0.1]:8080/").unwrap();
        assert!(matches!(
            t.check_literal(false),
            Err(OutboundError::Blocked { reason: BlockReason::Loopback, ref host }) if host == "[::ffff:127.0.0.1]"
        ));
        assert!(t.check_literal(true).is_ok());
        assert!(
            target("http://8.8.8.8/")
                .unwrap()
                .check_literal(false)
                .is_ok()
        );
    }

    #[test]
    fn head_rewrite() {
        let (mut parts, ()) = http::Request::post("http://example.com/")
            .header("connection", "keep-alive")
            .header("keep-alive", "timeout=5")
            .header("proxy-authorization", "Basic eA==")
            .header("te", "trailers")
            .header("upgrade", "websocket")
            .header("host", "evil.example")
            .header("content-length", "999")
            .header("x-kept", "1")
            .version(Version::HTTP_2)
            .body(())
            .unwrap()
            .into_parts();
        let agent = HeaderValue::from_static("verge");
        prepare_head(&mut parts, 0, Some(&agent));
        let mut names: Vec<&str> = parts.headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["content-length", "user-agent", "x-kept"]);
        assert_eq!(parts.headers[header::CONTENT_LENGTH], "0");
        assert_eq!(parts.version, Version::HTTP_11);
    }
}
