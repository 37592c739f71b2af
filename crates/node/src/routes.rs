//! A PoP's route table: which deployed worker (and which of its versions) serves a host and path.
//!
//! A table is immutable; the node builds a new one for every configuration generation and swaps it in with
//! one atomic store, so a request sees the old table or the new one, never a half-applied deploy.

use crate::target::{Resolved, RouteRequest, Target};
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;
use verge_core::{RoutePattern, strip_port};
use verge_runtime::Worker;

/// A deployed worker's versions and their shares.
#[derive(Clone)]
pub struct Deployed {
    /// `(version number, worker, percent)`; percents add up to 100.
    pub versions: Vec<(u64, Arc<Worker>, u8)>,
}

impl Deployed {
    /// The version a client gets: sticky, from a hash of the client's address and the worker's name.
    pub fn pick(&self, name: &str, client: IpAddr) -> Option<&Arc<Worker>> {
        if self.versions.len() <= 1 {
            return self.versions.first().map(|(_, w, _)| w);
        }
        let bucket = client_bucket(name, client);
        let mut upto = 0u32;
        for (_, w, percent) in &self.versions {
            upto += u32::from(*percent);
            if bucket < upto {
                return Some(w);
            }
        }
        self.versions.last().map(|(_, w, _)| w)
    }
}

/// A client's bucket (0–99) for `name`'s gradual rollouts; the same on every node running the same build.
pub fn client_bucket(name: &str, client: IpAddr) -> u32 {
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    client.hash(&mut h);
    (h.finish() % 100) as u32
}

/// Where a route sends requests.
#[derive(Clone)]
pub enum RouteTo {
    /// A worker, by name.
    Worker(String),
    /// An origin, proxied.
    Proxy(Arc<str>),
}

/// One immutable route table.
#[derive(Default)]
pub struct RouteTable {
    /// The platform domain: `<name>.<domain>` reaches worker `name`.
    domain: String,
    workers: HashMap<String, Deployed>,
    /// Most specific first.
    routes: Vec<(RoutePattern, RouteTo)>,
    generation: u64,
}

impl RouteTable {
    /// A table for configuration `generation`. Routes are sorted most specific first.
    pub fn new(
        generation: u64,
        domain: &str,
        workers: HashMap<String, Deployed>,
        mut routes: Vec<(RoutePattern, RouteTo)>,
    ) -> Self {
        routes.sort_by(|a, b| a.0.specificity_cmp(&b.0));
        Self {
            domain: domain.trim_matches('.').to_ascii_lowercase(),
            workers,
            routes,
            generation,
        }
    }

    /// The configuration generation it was built from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Workers it serves, by name.
    pub fn workers(&self) -> &HashMap<String, Deployed> {
        &self.workers
    }

    fn resolve(&self, request: &RouteRequest<'_>) -> Resolved {
        let host = strip_port(request.host).to_ascii_lowercase();
        let by_name = host
            .strip_suffix(&self.domain)
            .and_then(|h| h.strip_suffix('.'))
            .filter(|n| !n.contains('.'));
        let to = match by_name {
            Some(name) => Some(RouteTo::Worker(name.to_owned())),
            None => self
                .routes
                .iter()
                .find(|(p, _)| p.matches(&host, request.path))
                .map(|(_, to)| to.clone()),
        };
        match to {
            Some(RouteTo::Worker(name)) => match self
                .workers
                .get(&name)
                .and_then(|d| d.pick(&name, request.client))
            {
                Some(w) => Resolved::Worker(w.clone()),
                None => Resolved::NoRoute,
            },
            Some(RouteTo::Proxy(origin)) => Resolved::Proxy(origin),
            None => Resolved::NoRoute,
        }
    }
}

/// The route table a node serves, swapped atomically on every configuration change.
#[derive(Default)]
pub struct PlatformTarget {
    table: ArcSwap<RouteTable>,
}

impl PlatformTarget {
    /// An empty table (everything is `no-route`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Serve `table` from now on.
    pub fn swap(&self, table: RouteTable) {
        self.table.store(Arc::new(table));
    }

    /// The table being served.
    pub fn current(&self) -> Arc<RouteTable> {
        self.table.load_full()
    }
}

impl Target for PlatformTarget {
    fn resolve(&self, request: &RouteRequest<'_>) -> Resolved {
        self.table.load().resolve(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_spread_and_stick() {
        let mut counts = [0u32; 100];
        for i in 0..20_000u32 {
            let ip = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
            let b = client_bucket("w", ip);
            assert_eq!(b, client_bucket("w", ip));
            counts[b as usize] += 1;
        }
        // 200 expected per bucket; allow generous noise.
        assert!(counts.iter().all(|c| (120..=280).contains(c)), "{counts:?}");
    }
}
