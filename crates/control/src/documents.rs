//! Reading and compare-and-set writing of the stored documents: the platform config and worker records.

use crate::error::{Error, Result};
use crate::model::{WORKERS_BUCKET, WorkerRecord};
use bytes::Bytes;
use verge_core::platform::{CONFIG_BUCKET, CONFIG_KEY, PlatformConfig};
use verge_store::{Store, StoreError};

/// How many times a compare-and-set loop retries before giving up (each retry means another writer won).
const MAX_RETRIES: usize = 1000;

/// The platform config and its revision (0 and an empty config when none is stored yet).
pub(crate) async fn read_config(store: &dyn Store) -> Result<(PlatformConfig, u64)> {
    match store.get(CONFIG_BUCKET, CONFIG_KEY).await? {
        Some(e) => {
            let cfg = serde_json::from_slice(&e.value)
                .map_err(|err| Error::internal("the stored platform config", err))?;
            Ok((cfg, e.revision))
        }
        None => Ok((PlatformConfig::default(), 0)),
    }
}

/// Write `cfg` if the document is still at `revision`; `false` when another writer came first.
pub(crate) async fn write_config(
    store: &dyn Store,
    cfg: &PlatformConfig,
    revision: u64,
) -> Result<bool> {
    let json = serde_json::to_vec(cfg).map_err(|e| Error::internal("platform config", e))?;
    conflict_is_false(
        store
            .update(CONFIG_BUCKET, CONFIG_KEY, Bytes::from(json), revision)
            .await,
    )
}

/// A worker's record and its revision.
pub(crate) async fn read_record(
    store: &dyn Store,
    name: &str,
) -> Result<Option<(WorkerRecord, u64)>> {
    match store.get(WORKERS_BUCKET, name).await? {
        Some(e) => {
            let rec = serde_json::from_slice(&e.value)
                .map_err(|err| Error::internal("a stored worker record", err))?;
            Ok(Some((rec, e.revision)))
        }
        None => Ok(None),
    }
}

/// A worker's record, or 404.
pub(crate) async fn require_record(store: &dyn Store, name: &str) -> Result<WorkerRecord> {
    read_record(store, name)
        .await?
        .map(|(r, _)| r)
        .ok_or_else(|| Error::NotFound(format!("no worker named {name:?}")))
}

/// Change a worker's record with `change` (called again on every conflict) and write it with
/// compare-and-set. A missing record starts empty when `create` is set, else it is a 404.
pub(crate) async fn update_record<T>(
    store: &dyn Store,
    name: &str,
    create: bool,
    mut change: impl FnMut(&mut WorkerRecord) -> Result<T>,
) -> Result<(WorkerRecord, T)> {
    for _ in 0..MAX_RETRIES {
        let (mut rec, revision) = match read_record(store, name).await? {
            Some(found) => found,
            None if create => (
                WorkerRecord {
                    name: name.to_owned(),
                    next_version: 1,
                    ..WorkerRecord::default()
                },
                0,
            ),
            None => return Err(Error::NotFound(format!("no worker named {name:?}"))),
        };
        let out = change(&mut rec)?;
        let json = serde_json::to_vec(&rec).map_err(|e| Error::internal("worker record", e))?;
        if conflict_is_false(
            store
                .update(WORKERS_BUCKET, name, Bytes::from(json), revision)
                .await,
        )? {
            return Ok((rec, out));
        }
        tokio::task::yield_now().await;
    }
    Err(too_busy())
}

/// Change the platform config with `change`, which sees the config and the current record of `worker`
/// (read after the config, so the last successful writer always wrote the newest record's state) and
/// returns `Ok(None)` to leave the document alone. On a change the generation grows by one and the write is
/// a compare-and-set, retried on conflict. Returns the config as written (or as found) and `change`'s value.
pub(crate) async fn modify_config<T>(
    store: &dyn Store,
    worker: &str,
    mut change: impl FnMut(&mut PlatformConfig, Option<&WorkerRecord>) -> Result<Option<T>>,
) -> Result<(PlatformConfig, Option<T>)> {
    for _ in 0..MAX_RETRIES {
        let (mut cfg, revision) = read_config(store).await?;
        let record = read_record(store, worker).await?.map(|(r, _)| r);
        match change(&mut cfg, record.as_ref())? {
            None => return Ok((cfg, None)),
            Some(out) => {
                cfg.generation += 1;
                if write_config(store, &cfg, revision).await? {
                    return Ok((cfg, Some(out)));
                }
            }
        }
        tokio::task::yield_now().await;
    }
    Err(too_busy())
}

fn conflict_is_false(r: verge_store::Result<u64>) -> Result<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn too_busy() -> Error {
    Error::Store(StoreError::Unavailable(
        "too many concurrent writers; try again".into(),
    ))
}
