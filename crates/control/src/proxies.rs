//! Proxy routes: a route with an origin and no worker, served by every node as a caching reverse proxy.

use crate::control::Control;
use crate::deploy::route_key as key;
use crate::documents::{read_config, write_config};
use crate::error::{Error, Result};
use verge_core::RoutePattern;
use verge_core::platform::ProxyRoute;

/// How many times a write retries when another writer changed the config first.
const RETRIES: usize = 1000;

impl Control {
    /// Every proxy route.
    pub async fn proxies(&self) -> Result<Vec<ProxyRoute>> {
        Ok(read_config(self.store.as_ref()).await?.0.proxies)
    }

    /// Serve `pattern` by proxying to `origin` (replacing the pattern's origin if it has one). A pattern a
    /// worker serves is a 409. Returns the generation that carries it.
    pub async fn put_proxy(&self, pattern: &str, origin: &str) -> Result<u64> {
        RoutePattern::parse(pattern).map_err(Error::BadRequest)?;
        let ok_origin = origin.parse::<http::Uri>().ok().is_some_and(|u| {
            matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
        });
        if !ok_origin {
            return Err(Error::BadRequest(format!(
                "origin {origin:?} must be an http:// or https:// URL"
            )));
        }
        let k = key(pattern);
        for _ in 0..RETRIES {
            let (mut cfg, revision) = read_config(self.store.as_ref()).await?;
            if let Some((name, _)) = cfg
                .workers
                .iter()
                .find(|(_, d)| d.routes.iter().any(|r| key(r) == k))
            {
                return Err(Error::Conflict(format!(
                    "route {pattern:?} is served by worker {name:?}"
                )));
            }
            let route = ProxyRoute {
                pattern: pattern.to_owned(),
                origin: origin.to_owned(),
            };
            match cfg.proxies.iter_mut().find(|p| key(&p.pattern) == k) {
                Some(p) if *p == route => return Ok(cfg.generation),
                Some(p) => *p = route,
                None => cfg.proxies.push(route),
            }
            cfg.generation += 1;
            if write_config(self.store.as_ref(), &cfg, revision).await? {
                return Ok(cfg.generation);
            }
            tokio::task::yield_now().await;
        }
        Err(Error::Conflict(
            "too many concurrent writers; try again".into(),
        ))
    }

    /// Stop proxying `pattern`. 404 when it is not a proxy route.
    pub async fn delete_proxy(&self, pattern: &str) -> Result<u64> {
        let k = key(pattern);
        for _ in 0..RETRIES {
            let (mut cfg, revision) = read_config(self.store.as_ref()).await?;
            let before = cfg.proxies.len();
            cfg.proxies.retain(|p| key(&p.pattern) != k);
            if cfg.proxies.len() == before {
                return Err(Error::NotFound(format!("no proxy route {pattern:?}")));
            }
            cfg.generation += 1;
            if write_config(self.store.as_ref(), &cfg, revision).await? {
                return Ok(cfg.generation);
            }
            tokio::task::yield_now().await;
        }
        Err(Error::Conflict(
            "too many concurrent writers; try again".into(),
        ))
    }
}
