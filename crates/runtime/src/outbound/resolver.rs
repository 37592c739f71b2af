//! DNS resolver for the outbound connector that drops addresses the policy forbids, at connect time.
//!
//! Checking the resolved addresses (rather than the name before sending) is what defeats DNS
//! rebinding: the addresses filtered here are exactly the ones the connector dials.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use tower_service::Service;

use super::ip::{BlockReason, classify_ip};

type BoxError = Box<dyn StdError + Send + Sync>;

/// A [`GaiResolver`] that, under the strict policy, keeps only public addresses.
#[derive(Clone, Debug)]
pub(crate) struct PolicyResolver {
    allow_private: bool,
    gai: GaiResolver,
}

impl PolicyResolver {
    pub(crate) fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            gai: GaiResolver::new(),
        }
    }
}

impl Service<Name> for PolicyResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.gai.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let lookup = self.gai.call(name.clone());
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str();
            let addrs: Vec<SocketAddr> = lookup
                .await
                .map_err(|source| ResolveError::new(host, source))?
                .collect();
            if addrs.is_empty() {
                let source = io::Error::new(io::ErrorKind::NotFound, "no addresses found");
                return Err(ResolveError::new(host, source).into());
            }
            if allow_private {
                return Ok(addrs.into_iter());
            }
            filter_addrs(host, addrs).map(Vec::into_iter)
        })
    }
}

/// Keeps the public addresses; if there are none, refuses with the reason of the first one.
fn filter_addrs(host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, BoxError> {
    let mut refused = None;
    let allowed: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|addr| match classify_ip(addr.ip()) {
            None => true,
            Some(reason) => {
                tracing::debug!(host, addr = %addr.ip(), %reason, "dropping non-public address");
                refused.get_or_insert((addr.ip(), reason));
                false
            }
        })
        .collect();
    match (allowed.is_empty(), refused) {
        (true, Some((addr, reason))) => Err(PolicyRefusal {
            host: host.to_owned(),
            addr,
            reason,
        }
        .into()),
        _ => Ok(allowed),
    }
}

/// The connector refused every address a host resolved to.
#[derive(Debug)]
pub(crate) struct PolicyRefusal {
    pub(crate) host: String,
    pub(crate) addr: IpAddr,
    pub(crate) reason: BlockReason,
}

impl fmt::Display for PolicyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves only to non-public addresses ({} is {})",
            self.host, self.addr, self.reason
        )
    }
}

impl StdError for PolicyRefusal {}

/// The name could not be resolved.
#[derive(Debug)]
pub(crate) struct ResolveError {
    pub(crate) host: String,
    pub(crate) source: io::Error,
}

impl ResolveError {
    fn new(host: &str, source: io::Error) -> Self {
        Self {
            host: host.to_owned(),
            source,
        }
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DNS lookup of {} failed: {}", self.host, self.source)
    }
}

impl StdError for ResolveError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(text: &str) -> SocketAddr {
        SocketAddr::new(text.parse().unwrap(), 0)
    }

    #[test]
    fn keeps_public_drops_private() {
        let kept =
            filter_addrs("mixed.example", vec![sa("10.0.0.1"), sa("93.184.215.14")]).unwrap();
        assert_eq!(kept, vec![sa("93.184.215.14")]);
    }

    #[test]
    fn refuses_when_nothing_public() {
        let err = filter_addrs("localhost", vec![sa("::1"), sa("127.0.0.1")]).unwrap_err();
        let refusal = err.downcast_ref::<PolicyRefusal>().unwrap();
        assert_eq!(refusal.reason, BlockReason::Loopback);
        assert_eq!(refusal.host, "localhost");
    }

    #[tokio::test]
    async fn resolves_localhost_and_filters() {
        let mut strict = PolicyResolver::new(false);
        let name: Name = "localhost".parse().unwrap();
        let err = strict.call(name.clone()).await.unwrap_err();
        assert!(err.downcast_ref::<PolicyRefusal>().is_some(), "{err}");

        let mut open = PolicyResolver::new(true);
        let addrs: Vec<_> = open.call(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
