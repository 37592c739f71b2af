//! The embedded backend: durable files under a data dir, owned by one process.
//!
//! Documents live in one [redb](https://www.redb.org) file (`<dir>/store.redb`): redb gives ACID write
//! transactions with an fsync on commit, crash safety without a log to replay, and a B-tree with sorted keys, so a
//! compare-and-set, the write and the bucket's revision counter commit together or not at all, and `keys` is a
//! range scan. Plain files with write-rename would need one file per key plus a journal for the revision counter.
//!
//! Blobs (bundles, up to tens of MiB) are plain files under `<dir>/blobs/`, one per blob, named by the sha256 of
//! the blob's name (names may hold `/`; a hash is a flat, fixed-length file name). Each is written to a temporary
//! file, fsynced, renamed into place and the directory fsynced, so a reader sees a whole blob or none. Keeping
//! them out of redb keeps a 50 MiB upload from holding the single write transaction that every document write
//! waits for, and keeps the document file small.
//!
//! `<dir>/LOCK` is locked (advisory `flock`) for as long as the store is open: a second opener, in this process
//! or another, gets an error naming the dir instead of two writers corrupting each other's view.

use crate::{Change, Entry, Result, Store, StoreError, check_name};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// `bucket \0 key` -> (revision, value). `\0` is never in a name, and sorts before every name byte, so one
/// bucket's keys are the contiguous range `bucket\0 .. bucket\x01`, in key order.
const ENTRIES: TableDefinition<'_, &str, (u64, &[u8])> = TableDefinition::new("entries");
/// bucket -> the last revision given out in it (kept when keys are deleted, so revisions never repeat).
const REVISIONS: TableDefinition<'_, &str, u64> = TableDefinition::new("revisions");

type Watchers = HashMap<String, Vec<mpsc::UnboundedSender<Result<Change>>>>;

/// A durable store in a data dir, for one process (see the module docs for the layout).
///
/// Cheap to clone; clones share the open files. Safe to use from many tasks and threads: blocking file work
/// runs on tokio's blocking pool.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: redb::Database,
    dir: PathBuf,
    blobs: PathBuf,
    /// Held across every document write (commit + notify) and every watch registration (snapshot + subscribe),
    /// so a watcher sees each change exactly once, after its snapshot.
    watchers: Mutex<Watchers>,
    tmp_counter: AtomicU64,
    /// Holds the advisory lock on `<dir>/LOCK` until the store is dropped.
    _lock: File,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{what} {}: {e}", path.display()))
}

fn db_err(context: &str, e: impl Into<redb::Error>) -> StoreError {
    StoreError::Backend(format!("embedded store: {context}: {}", e.into()))
}

fn composite(bucket: &str, key: &str) -> String {
    format!("{bucket}\0{key}")
}

impl EmbeddedStore {
    /// Open (creating if needed) the store in `dir`. Fails when another open store holds the dir.
    ///
    /// Blocks on file I/O (a few ms); call it at startup or from `spawn_blocking`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let blobs = dir.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(|e| io_err("cannot create", &blobs, e))?;
        let lock_path = dir.join("LOCK");
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_err("cannot open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
                let holder = holder.trim();
                return Err(StoreError::Backend(format!(
                    "data dir {} is in use by another store (lock file {} held{})",
                    dir.display(),
                    lock_path.display(),
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" by pid {holder}")
                    }
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io_err("cannot lock", &lock_path, e));
            }
        }
        // Best effort: the pid only makes the "in use" error friendlier.
        let _ = lock
            .set_len(0)
            .and_then(|()| write!(lock, "{}", std::process::id()));

        let db_path = dir.join("store.redb");
        let db = redb::Database::create(&db_path)
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", db_path.display())))?;
        let txn = db.begin_write().map_err(|e| db_err("begin", e))?;
        txn.open_table(ENTRIES)
            .map_err(|e| db_err("open entries", e))?;
        txn.open_table(REVISIONS)
            .map_err(|e| db_err("open revisions", e))?;
        txn.commit().map_err(|e| db_err("commit", e))?;

        // Temporary files of blob writes that a crash interrupted.
        if let Ok(read) = std::fs::read_dir(&blobs) {
            for e in read.flatten() {
                if e.file_name().to_string_lossy().starts_with("tmp-") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                dir,
                blobs,
                watchers: Mutex::new(HashMap::new()),
                tmp_counter: AtomicU64::new(0),
                _lock: lock,
            }),
        })
    }

    /// The data dir.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Backend(format!("embedded store task failed: {e}")))?
    }
}

impl Inner {
    /// Write (`Some`) or delete (`None`) one key. Returns the new revision, or `None` for a delete of a key that
    /// was not there (nothing written, nobody notified).
    fn write(
        &self,
        bucket: &str,
        key: &str,
        value: Option<Bytes>,
        expected: Option<u64>,
    ) -> Result<Option<u64>> {
        let ctx = |what: &str| format!("{what} {bucket}/{key}");
        let ck = composite(bucket, key);
        let mut watchers = self.watchers.lock().unwrap_or_else(|p| p.into_inner());
        let txn = self
            .db
            .begin_write()
            .map_err(|e| db_err(&ctx("write"), e))?;
        let revision = {
            let mut entries = txn
                .open_table(ENTRIES)
                .map_err(|e| db_err(&ctx("write"), e))?;
            let mut revisions = txn
                .open_table(REVISIONS)
                .map_err(|e| db_err(&ctx("write"), e))?;
            let found = entries
                .get(ck.as_str())
                .map_err(|e| db_err(&ctx("read"), e))?
                .map_or(0, |g| g.value().0);
            if let Some(expected) = expected
                && expected != found
            {
                return Err(StoreError::Conflict {
                    bucket: bucket.into(),
                    key: key.into(),
                    expected,
                    found,
                });
            }
            if value.is_none() && found == 0 {
                return Ok(None);
            }
            let revision = revisions
                .get(bucket)
                .map_err(|e| db_err(&ctx("read revision of"), e))?
                .map_or(0, |g| g.value())
                + 1;
            revisions
                .insert(bucket, revision)
                .map_err(|e| db_err(&ctx("write revision of"), e))?;
            match &value {
                Some(v) => {
                    entries
                        .insert(ck.as_str(), (revision, v.as_ref()))
                        .map_err(|e| db_err(&ctx("write"), e))?;
                }
                None => {
                    entries
                        .remove(ck.as_str())
                        .map_err(|e| db_err(&ctx("delete"), e))?;
                }
            }
            revision
        };
        txn.commit().map_err(|e| db_err(&ctx("commit"), e))?;
        let change = match value {
            Some(value) => Change::Put(Entry {
                key: key.to_owned(),
                value,
                revision,
            }),
            None => Change::Delete {
                key: key.to_owned(),
                revision,
            },
        };
        if let Some(list) = watchers.get_mut(bucket) {
            list.retain(|w| w.send(Ok(change.clone())).is_ok());
        }
        Ok(Some(revision))
    }

    /// Every entry of `bucket`, in key order.
    fn scan(&self, bucket: &str) -> Result<Vec<Entry>> {
        let ctx = format!("scan bucket {bucket}");
        let txn = self.db.begin_read().map_err(|e| db_err(&ctx, e))?;
        let table = txn.open_table(ENTRIES).map_err(|e| db_err(&ctx, e))?;
        let start = format!("{bucket}\0");
        let end = format!("{bucket}\u{1}");
        let mut out = Vec::new();
        for item in table
            .range(start.as_str()..end.as_str())
            .map_err(|e| db_err(&ctx, e))?
        {
            let (k, v) = item.map_err(|e| db_err(&ctx, e))?;
            let (revision, value) = v.value();
            out.push(Entry {
                key: k.value()[start.len()..].to_owned(),
                value: Bytes::copy_from_slice(value),
                revision,
            });
        }
        Ok(out)
    }

    fn blob_path(&self, name: &str) -> PathBuf {
        let digest = Sha256::digest(name.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.blobs.join(hex)
    }

    fn put_blob(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.blob_path(name);
        if path.exists() {
            return Ok(());
        }
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self.blobs.join(format!("tmp-{}-{n}", std::process::id()));
        let fail = |what: &str, e: std::io::Error| {
            let _ = std::fs::remove_file(&tmp);
            StoreError::Backend(format!("cannot {what} blob {name}: {e}"))
        };
        let mut file = File::create(&tmp).map_err(|e| fail("create", e))?;
        file.write_all(bytes).map_err(|e| fail("write", e))?;
        file.sync_all().map_err(|e| fail("sync", e))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| fail("rename", e))?;
        File::open(&self.blobs)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::Backend(format!("cannot sync blob dir for {name}: {e}")))
    }

    fn get_blob(&self, name: &str) -> Result<Option<Bytes>> {
        match std::fs::read(self.blob_path(name)) {
            Ok(b) => Ok(Some(Bytes::from(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Backend(format!("cannot read blob {name}: {e}"))),
        }
    }
}

fn names(bucket: &str, key: &str) -> Result<(String, String)> {
    check_name(bucket)?;
    check_name(key)?;
    Ok((bucket.to_owned(), key.to_owned()))
}

#[async_trait::async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Entry>> {
        let (bucket, key) = names(bucket, key)?;
        self.blocking(move |inner| {
            let ctx = format!("read {bucket}/{key}");
            let txn = inner.db.begin_read().map_err(|e| db_err(&ctx, e))?;
            let table = txn.open_table(ENTRIES).map_err(|e| db_err(&ctx, e))?;
            let found = table
                .get(composite(&bucket, &key).as_str())
                .map_err(|e| db_err(&ctx, e))?;
            Ok(found.map(|g| {
                let (revision, value) = g.value();
                Entry {
                    key,
                    value: Bytes::copy_from_slice(value),
                    revision,
                }
            }))
        })
        .await
    }

    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> Result<u64> {
        let (bucket, key) = names(bucket, key)?;
        self.blocking(move |inner| {
            inner
                .write(&bucket, &key, Some(value), None)
                .map(|r| r.unwrap_or(0))
        })
        .await
    }

    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64> {
        let (bucket, key) = names(bucket, key)?;
        self.blocking(move |inner| {
            inner
                .write(&bucket, &key, Some(value), Some(expected))
                .map(|r| r.unwrap_or(0))
        })
        .await
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        let (bucket, key) = names(bucket, key)?;
        self.blocking(move |inner| inner.write(&bucket, &key, None, None).map(|_| ()))
            .await
    }

    async fn keys(&self, bucket: &str) -> Result<Vec<String>> {
        check_name(bucket)?;
        let bucket = bucket.to_owned();
        self.blocking(move |inner| Ok(inner.scan(&bucket)?.into_iter().map(|e| e.key).collect()))
            .await
    }

    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>> {
        check_name(bucket)?;
        let bucket = bucket.to_owned();
        let rx = self
            .blocking(move |inner| {
                let (tx, rx) = mpsc::unbounded_channel();
                let mut watchers = inner.watchers.lock().unwrap_or_else(|p| p.into_inner());
                for e in inner.scan(&bucket)? {
                    let _ = tx.send(Ok(Change::Put(e)));
                }
                let list = watchers.entry(bucket).or_default();
                list.retain(|w| !w.is_closed());
                list.push(tx);
                Ok(rx)
            })
            .await?;
        Ok(
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
                .boxed(),
        )
    }

    async fn put_blob(&self, name: &str, bytes: Bytes) -> Result<()> {
        check_name(name)?;
        let name = name.to_owned();
        self.blocking(move |inner| inner.put_blob(&name, &bytes))
            .await
    }

    async fn get_blob(&self, name: &str) -> Result<Option<Bytes>> {
        check_name(name)?;
        let name = name.to_owned();
        self.blocking(move |inner| inner.get_blob(&name)).await
    }
}
