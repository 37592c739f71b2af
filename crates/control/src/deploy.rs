//! Deploys, gradual rollouts, rollbacks and worker removal: each one compare-and-set write of the platform
//! config with the generation one higher.

use crate::control::{Control, check_worker_name, not_kept};
use crate::documents::{modify_config, read_config, require_record, update_record};
use crate::error::{Error, Result};
use crate::model::{DeployResult, MAX_VERSIONS, WORKERS_BUCKET};
use verge_core::RoutePattern;
use verge_core::platform::{PlatformConfig, VersionShare, WorkerDeployment};

impl Control {
    /// Make `version` of worker `name` serve `percent` of its traffic (1–100). Below 100 the version serving
    /// now keeps the rest (a gradual rollout); at 100 it serves alone. Routes and origin come from the
    /// version's manifest; a route another worker serves is a 409.
    pub async fn deploy(&self, name: &str, version: u64, percent: u8) -> Result<DeployResult> {
        check_worker_name(name)?;
        if !(1..=100).contains(&percent) {
            return Err(Error::BadRequest(format!(
                "percent must be 1 to 100, not {percent}"
            )));
        }
        let (cfg, result) = modify_config(self.store.as_ref(), name, |cfg, rec| {
            let rec = rec.ok_or_else(|| Error::NotFound(format!("no worker named {name:?}")))?;
            let info = rec
                .version(version)
                .ok_or_else(|| not_kept(name, version))?;
            let new = VersionShare {
                version,
                bundle: info.bundle.clone(),
                percent,
            };
            let versions = shares(cfg.workers.get(name), new)?;
            check_routes(cfg, name, &info.manifest.routes)?;
            let deployment = WorkerDeployment {
                name: name.to_owned(),
                versions: versions.clone(),
                routes: info.manifest.routes.clone(),
                origin: info.manifest.origin.clone(),
                secrets: rec.secrets.clone(),
            };
            let unchanged = cfg.workers.get(name) == Some(&deployment);
            cfg.workers.insert(name.to_owned(), deployment);
            // Deploying what already serves publishes nothing: PoPs have it.
            Ok((!unchanged).then(|| DeployResult {
                worker: name.to_owned(),
                generation: cfg.generation + 1,
                versions,
                routes: info.manifest.routes.clone(),
            }))
        })
        .await?;
        let result = match result {
            Some(r) => r,
            None => {
                let dep = cfg.workers.get(name).ok_or_else(|| {
                    Error::Internal("the deployment vanished from the config".into())
                })?;
                DeployResult {
                    worker: name.to_owned(),
                    generation: cfg.generation,
                    versions: dep.versions.clone(),
                    routes: dep.routes.clone(),
                }
            }
        };
        update_record(self.store.as_ref(), name, false, |rec| {
            if rec.history.last() != Some(&version) {
                rec.history.push(version);
            }
            let excess = rec.history.len().saturating_sub(MAX_VERSIONS);
            rec.history.drain(..excess);
            Ok(())
        })
        .await?;
        tracing::info!(
            worker = name,
            version,
            percent,
            generation = result.generation,
            "deployed"
        );
        Ok(result)
    }

    /// Go back to `version`, or by default to the previous one: the other version of a gradual rollout in
    /// progress, else the version deployed before the current one. A pointer move: nothing is uploaded.
    pub async fn rollback(&self, name: &str, version: Option<u64>) -> Result<DeployResult> {
        check_worker_name(name)?;
        let target = match version {
            Some(v) => v,
            None => {
                let (cfg, _) = read_config(self.store.as_ref()).await?;
                let dep = cfg
                    .workers
                    .get(name)
                    .ok_or_else(|| Error::Conflict(format!("worker {name:?} is not deployed")))?;
                let current = dep.versions.first().map(|s| s.version);
                match dep.versions.get(1) {
                    Some(other) => other.version,
                    None => {
                        let rec = require_record(self.store.as_ref(), name).await?;
                        rec.history
                            .iter()
                            .rev()
                            .copied()
                            .find(|v| Some(*v) != current && rec.version(*v).is_some())
                            .ok_or_else(|| {
                                Error::Conflict(format!(
                                    "worker {name:?} has no previous version to roll back to"
                                ))
                            })?
                    }
                }
            }
        };
        self.deploy(name, target, 100).await
    }

    /// Stop serving worker `name` everywhere and forget it (versions, secrets). Its bundles stay stored.
    pub async fn delete_worker(&self, name: &str) -> Result<u64> {
        check_worker_name(name)?;
        require_record(self.store.as_ref(), name).await?;
        let (cfg, _) = modify_config(self.store.as_ref(), name, |cfg, _| {
            Ok(cfg.workers.remove(name).map(|_| ()))
        })
        .await?;
        self.store.delete(WORKERS_BUCKET, name).await?;
        Ok(cfg.generation)
    }
}

/// The shares after deploying `new`: alone at 100%, or beside the version serving now.
fn shares(current: Option<&WorkerDeployment>, new: VersionShare) -> Result<Vec<VersionShare>> {
    if new.percent == 100 {
        return Ok(vec![new]);
    }
    let current = current.map(|d| d.versions.as_slice()).unwrap_or_default();
    // The version that keeps the rest: the other one of a rollout in progress, else the largest share
    // (the older one on a tie).
    let other = current
        .iter()
        .filter(|s| s.version != new.version)
        .max_by_key(|s| (s.percent, std::cmp::Reverse(s.version)))
        .ok_or_else(|| {
            Error::Conflict(format!(
                "a gradual rollout needs another version serving beside version {}: deploy one at 100% first",
                new.version
            ))
        })?;
    let rest = VersionShare {
        version: other.version,
        bundle: other.bundle.clone(),
        percent: 100 - new.percent,
    };
    Ok(vec![new, rest])
}

/// Routes are written by people; compare them the way nodes match them: scheme dropped, host lower-case.
pub(crate) fn route_key(route: &str) -> String {
    let rest = route
        .strip_prefix("https://")
        .or_else(|| route.strip_prefix("http://"))
        .unwrap_or(route);
    match rest.find('/') {
        Some(i) => format!("{}{}", rest[..i].to_ascii_lowercase(), &rest[i..]),
        None => format!("{}/", rest.to_ascii_lowercase()),
    }
}

/// 409 when another worker or a proxy route already serves one of `routes`.
fn check_routes(cfg: &PlatformConfig, name: &str, routes: &[String]) -> Result<()> {
    for r in routes {
        RoutePattern::parse(r).map_err(Error::BadRequest)?;
        let key = route_key(r);
        for (other, dep) in &cfg.workers {
            if other != name && dep.routes.iter().any(|o| route_key(o) == key) {
                return Err(Error::Conflict(format!(
                    "route {r:?} is served by worker {other:?}"
                )));
            }
        }
        if cfg.proxies.iter().any(|p| route_key(&p.pattern) == key) {
            return Err(Error::Conflict(format!(
                "route {r:?} is a proxy route to an origin"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(version: u64, percent: u8) -> VersionShare {
        VersionShare {
            version,
            bundle: format!("b{version}"),
            percent,
        }
    }

    fn dep(versions: Vec<VersionShare>) -> WorkerDeployment {
        WorkerDeployment {
            name: "w".into(),
            versions,
            routes: vec![],
            origin: None,
            secrets: Default::default(),
        }
    }

    #[test]
    fn split_keeps_the_serving_version() {
        let d = dep(vec![share(1, 100)]);
        assert_eq!(
            shares(Some(&d), share(2, 10)).unwrap(),
            [share(2, 10), share(1, 90)]
        );
        // A rollout in progress moves on: the stable version keeps the rest.
        let d = dep(vec![share(2, 10), share(1, 90)]);
        assert_eq!(
            shares(Some(&d), share(2, 50)).unwrap(),
            [share(2, 50), share(1, 50)]
        );
        assert_eq!(
            shares(Some(&d), share(3, 5)).unwrap(),
            [share(3, 5), share(1, 95)]
        );
        assert!(shares(None, share(1, 10)).is_err());
        assert!(shares(Some(&dep(vec![share(1, 100)])), share(1, 10)).is_err());
        assert_eq!(shares(None, share(1, 100)).unwrap(), [share(1, 100)]);
    }

    #[test]
    fn routes_compare_normalised() {
        assert_eq!(route_key("https://API.example.com/*"), "api.example.com/*");
        assert_eq!(route_key("example.com"), "example.com/");
        assert_ne!(route_key("a.com/X"), route_key("a.com/x"));
    }
}
