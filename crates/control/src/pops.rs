//! The PoP registry: what nodes report in the `pops` bucket, with liveness, and a deployment's progress
//! across PoPs.

use crate::auth::{Scope, TokenRecord};
use crate::control::{Control, check_worker_name};
use crate::documents::read_config;
use crate::error::{Error, Result};
use crate::model::{DeploymentStatus, PopProgress, PopView};
use crate::now_ms;
use bytes::Bytes;
use verge_core::platform::{POPS_BUCKET, PopStatus};

impl Control {
    /// Every PoP that has reported, by id, with liveness judged against the liveness window.
    pub async fn pops(&self) -> Result<Vec<PopView>> {
        let now = now_ms();
        let window = u64::try_from(self.options.live_window.as_millis()).unwrap_or(u64::MAX);
        let mut out = Vec::new();
        for key in self.store.keys(POPS_BUCKET).await? {
            let Some(entry) = self.store.get(POPS_BUCKET, &key).await? else {
                continue;
            };
            let pop: PopStatus = match serde_json::from_slice(&entry.value) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(pop = key, "unreadable PoP status: {e}");
                    continue;
                }
            };
            let age_ms = now.saturating_sub(pop.heartbeat_ms);
            out.push(PopView {
                live: age_ms <= window,
                age_ms,
                id: pop.id,
                region: pop.region,
                lat: pop.lat,
                lon: pop.lon,
                http: pop.http,
                admin: pop.admin,
                generation: pop.generation,
                heartbeat_ms: pop.heartbeat_ms,
                errors: pop.errors,
            });
        }
        Ok(out)
    }

    /// Record PoP `id`'s status. A token bound to a PoP writes only that PoP's status; an admin token any.
    pub async fn put_pop(&self, caller: &TokenRecord, id: &str, status: &PopStatus) -> Result<()> {
        verge_store::check_name(id).map_err(|e| Error::BadRequest(e.to_string()))?;
        if status.id != id {
            return Err(Error::BadRequest(format!(
                "the status is PoP {:?}'s, not {id:?}'s",
                status.id
            )));
        }
        if !caller.allows(Scope::Admin) && caller.pop.as_deref() != Some(id) {
            return Err(Error::Forbidden(format!(
                "token {:?} may not write the status of PoP {id:?}",
                caller.name
            )));
        }
        let json = serde_json::to_vec(status).map_err(|e| Error::internal("PoP status", e))?;
        self.store.put(POPS_BUCKET, id, Bytes::from(json)).await?;
        Ok(())
    }

    /// How far worker `name`'s deployment has spread: which live PoPs serve `generation` (default: the
    /// current one) or later, and their load errors for the versions it serves.
    pub async fn deployment_status(
        &self,
        name: &str,
        generation: Option<u64>,
    ) -> Result<DeploymentStatus> {
        check_worker_name(name)?;
        let (cfg, _) = read_config(self.store.as_ref()).await?;
        let dep = cfg
            .workers
            .get(name)
            .ok_or_else(|| Error::NotFound(format!("worker {name:?} is not deployed")))?;
        let target = generation.unwrap_or(cfg.generation);
        let wanted: Vec<String> = dep
            .versions
            .iter()
            .map(|s| format!("{name}@{}", s.version))
            .collect();
        let pops: Vec<PopProgress> = self
            .pops()
            .await?
            .into_iter()
            .map(|p| PopProgress {
                acked: p.generation >= target,
                errors: p
                    .errors
                    .into_iter()
                    .filter(|(k, _)| wanted.contains(k))
                    .collect(),
                id: p.id,
                region: p.region,
                http: p.http,
                live: p.live,
                generation: p.generation,
            })
            .collect();
        let live = pops.iter().filter(|p| p.live).count();
        let acked = pops.iter().filter(|p| p.live && p.acked).count();
        let failed = pops
            .iter()
            .any(|p| p.live && p.acked && !p.errors.is_empty());
        Ok(DeploymentStatus {
            worker: name.to_owned(),
            generation: target,
            current_generation: cfg.generation,
            versions: dep.versions.clone(),
            done: acked == live && !failed,
            failed,
            acked,
            live,
            pops,
        })
    }
}
