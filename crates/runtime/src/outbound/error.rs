//! Errors of the outbound gateway, and how client failures map onto them.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use super::ip::BlockReason;
use super::resolver::{PolicyRefusal, ResolveError};

/// Why a subrequest failed. Every variant surfaces in JS as a `TypeError` (see
/// [`OutboundError::js_message`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The URL's scheme is neither `http` nor `https`.
    #[error("fetch to {scheme}: URLs is not supported (only http: and https: are)")]
    Scheme {
        /// The scheme as written, without the colon.
        scheme: String,
    },
    /// The URL cannot be sent (relative, no host, embedded credentials, ...).
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The SSRF guard refused the destination.
    #[error(
        "fetch to {host} refused: {reason} addresses are not reachable from workers \
         (set outbound.allow_private = true in verge.toml to allow)"
    )]
    Blocked {
        /// Host as written in the URL (name or IP literal).
        host: String,
        /// What kind of address it is (or resolved to).
        reason: BlockReason,
    },
    /// DNS, TCP or TLS failed before a request could be sent.
    #[error("could not connect to {host}: {reason}")]
    Connect {
        /// Host as written in the URL.
        host: String,
        /// What went wrong, e.g. "connection refused" or "TLS handshake failed: ...".
        reason: String,
    },
    /// A timeout expired.
    #[error("fetch to {host} timed out while {phase}")]
    Timeout {
        /// Host as written in the URL.
        host: String,
        /// What the gateway was waiting for.
        phase: TimeoutPhase,
    },
    /// The HTTP exchange failed after connecting (connection closed, malformed response, ...).
    #[error("HTTP error: {0}")]
    Http(String),
}

/// What a subrequest was waiting for when it timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the TCP connection (`GatewayConfig::connect_timeout`).
    Connect,
    /// Receiving the response head (`GatewayConfig::response_timeout`).
    Response,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::Response => "waiting for the response",
        })
    }
}

impl OutboundError {
    /// The JS error class this error is thrown as.
    pub fn js_class(&self) -> &'static str {
        "TypeError"
    }

    /// Message for the `TypeError` that `fetch()` rejects with.
    pub fn js_message(&self) -> String {
        match self {
            Self::Scheme { scheme } => {
                format!(
                    "Fetch API cannot load {scheme}: URLs; only http: and https: are supported."
                )
            }
            Self::InvalidUrl(why) => format!("Fetch API cannot load this URL: {why}."),
            Self::Blocked { .. } => self.to_string(),
            Self::Connect { host, reason } => {
                format!("Network connection failed: could not connect to {host} ({reason}).")
            }
            Self::Timeout { host, phase } => {
                format!("Network connection timed out: {phase} to {host} took too long.")
            }
            Self::Http(why) => format!("Network connection lost: {why}."),
        }
    }

    /// Map a client failure for a request to `host` onto a variant, looking through its sources.
    pub(crate) fn from_client(err: &hyper_util::client::legacy::Error, host: &str) -> Self {
        let mut innermost = err.to_string();
        let mut hyper_err = None;
        let mut node: Option<&(dyn StdError + 'static)> = Some(err);
        while let Some(e) = node {
            innermost = e.to_string();
            if let Some(refusal) = e.downcast_ref::<PolicyRefusal>() {
                return Self::Blocked {
                    host: refusal.host.clone(),
                    reason: refusal.reason,
                };
            }
            if let Some(resolve) = e.downcast_ref::<ResolveError>() {
                return Self::Connect {
                    host: host.to_owned(),
                    reason: format!("DNS lookup failed ({})", resolve.source),
                };
            }
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Self::Connect {
                    host: host.to_owned(),
                    reason: format!("TLS handshake failed: {tls}"),
                };
            }
            if let Some(io_err) = e.downcast_ref::<io::Error>() {
                if let Some(reason) = io_reason(io_err) {
                    if io_err.kind() == io::ErrorKind::TimedOut && err.is_connect() {
                        return Self::Timeout {
                            host: host.to_owned(),
                            phase: TimeoutPhase::Connect,
                        };
                    }
                    if err.is_connect() {
                        return Self::Connect {
                            host: host.to_owned(),
                            reason: reason.to_owned(),
                        };
                    }
                }
                // `io::Error::source` skips the wrapped error itself; look at it directly.
                if let Some(inner) = io_err.get_ref() {
                    node = Some(inner);
                    continue;
                }
            }
            if hyper_err.is_none() {
                hyper_err = e.downcast_ref::<hyper::Error>();
            }
            node = e.source();
        }
        if err.is_connect() {
            return Self::Connect {
                host: host.to_owned(),
                reason: innermost,
            };
        }
        Self::Http(match hyper_err {
            Some(e) => hyper_reason(e),
            None => innermost,
        })
    }
}

/// Plain words for the I/O failures worth naming; `None` for the rest.
fn io_reason(err: &io::Error) -> Option<&'static str> {
    use io::ErrorKind as K;
    Some(match err.kind() {
        K::ConnectionRefused => "connection refused",
        K::ConnectionReset => "connection reset by peer",
        K::ConnectionAborted => "connection aborted",
        K::TimedOut => "timed out",
        K::HostUnreachable => "host unreachable",
        K::NetworkUnreachable => "network unreachable",
        K::AddrNotAvailable => "address not available",
        _ => return None,
    })
}

fn hyper_reason(err: &hyper::Error) -> String {
    if err.is_incomplete_message() {
        "the server closed the connection before sending a complete response".to_owned()
    } else if err.is_parse() {
        format!("the server sent an invalid HTTP response ({err})")
    } else if err.is_timeout() {
        "the connection timed out".to_owned()
    } else if err.is_canceled() || err.is_closed() {
        "the connection was closed".to_owned()
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_message() {
        let err = OutboundError::Blocked {
            host: "127.0.0.1".into(),
            reason: BlockReason::Loopback,
        };
        assert_eq!(
            err.to_string(),
            "fetch to 127.0.0.1 refused: loopback addresses are not reachable from workers \
             (set outbound.allow_private = true in verge.toml to allow)"
        );
        assert_eq!(err.js_message(), err.to_string());
        assert_eq!(err.js_class(), "TypeError");
    }

    #[test]
    fn other_messages() {
        let scheme = OutboundError::Scheme {
            scheme: "ftp".into(),
        };
        assert!(scheme.js_message().contains("ftp:"));
        let timeout = OutboundError::Timeout {
            host: "example.com".into(),
            phase: TimeoutPhase::Connect,
        };
        assert_eq!(
            timeout.to_string(),
            "fetch to example.com timed out while connecting"
        );
        let connect = OutboundError::Connect {
            host: "example.com".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(
            connect.js_message(),
            "Network connection failed: could not connect to example.com (connection refused)."
        );
    }
}
