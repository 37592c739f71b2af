//! An in-process store with nothing on disk.

use crate::{Change, Entry, Result, Store, StoreError, check_name};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tokio::sync::mpsc;

#[derive(Default)]
struct Bucket {
    revision: u64,
    entries: BTreeMap<String, Entry>,
    watchers: Vec<mpsc::UnboundedSender<Result<Change>>>,
}

/// An in-process store: state lives as long as the value. For tests and single-process use.
#[derive(Default)]
pub struct MemoryStore {
    buckets: Mutex<HashMap<String, Bucket>>,
    blobs: Mutex<HashMap<String, Bytes>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(
        &self,
        bucket: &str,
        key: &str,
        value: Option<Bytes>,
        expected: Option<u64>,
    ) -> Result<u64> {
        check_name(bucket)?;
        check_name(key)?;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(bucket.to_owned()).or_default();
        if let Some(expected) = expected {
            let found = b.entries.get(key).map_or(0, |e| e.revision);
            if found != expected {
                return Err(StoreError::Conflict {
                    bucket: bucket.into(),
                    key: key.into(),
                    expected,
                    found,
                });
            }
        }
        b.revision += 1;
        let revision = b.revision;
        let change = match value {
            Some(value) => {
                let e = Entry {
                    key: key.to_owned(),
                    value,
                    revision,
                };
                b.entries.insert(key.to_owned(), e.clone());
                Change::Put(e)
            }
            None => {
                b.entries.remove(key);
                Change::Delete {
                    key: key.to_owned(),
                    revision,
                }
            }
        };
        b.watchers.retain(|w| w.send(Ok(change.clone())).is_ok());
        Ok(revision)
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Entry>> {
        check_name(bucket)?;
        check_name(key)?;
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        Ok(buckets
            .get(bucket)
            .and_then(|b| b.entries.get(key).cloned()))
    }

    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> Result<u64> {
        self.write(bucket, key, Some(value), None)
    }

    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64> {
        self.write(bucket, key, Some(value), Some(expected))
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        let exists = self.get(bucket, key).await?.is_some();
        if exists {
            self.write(bucket, key, None, None)?;
        }
        Ok(())
    }

    async fn keys(&self, bucket: &str) -> Result<Vec<String>> {
        check_name(bucket)?;
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        Ok(buckets
            .get(bucket)
            .map(|b| b.entries.keys().cloned().collect())
            .unwrap_or_default())
    }

    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>> {
        check_name(bucket)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(bucket.to_owned()).or_default();
        for e in b.entries.values() {
            let _ = tx.send(Ok(Change::Put(e.clone())));
        }
        b.watchers.push(tx);
        Ok(
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
                .boxed(),
        )
    }

    async fn put_blob(&self, name: &str, bytes: Bytes) -> Result<()> {
        check_name(name)?;
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), bytes);
        Ok(())
    }

    async fn get_blob(&self, name: &str) -> Result<Option<Bytes>> {
        check_name(name)?;
        Ok(self
            .blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn revisions_cas_and_watch() {
        let s = MemoryStore::new();
        let r1 = s.update("b", "k", Bytes::from("1"), 0).await.unwrap();
        assert!(matches!(
            s.update("b", "k", Bytes::from("x"), 0).await,
            Err(StoreError::Conflict { found, .. }) if found == r1
        ));
        let mut w = s.watch("b").await.unwrap();
        let r2 = s.update("b", "k", Bytes::from("2"), r1).await.unwrap();
        assert!(r2 > r1);
        let first = w.next().await.unwrap().unwrap();
        assert!(matches!(first, Change::Put(e) if e.value == "1"));
        let second = w.next().await.unwrap().unwrap();
        assert!(matches!(second, Change::Put(e) if e.revision == r2));
        s.delete("b", "k").await.unwrap();
        assert!(matches!(
            w.next().await.unwrap().unwrap(),
            Change::Delete { .. }
        ));
        assert!(s.get("b", "k").await.unwrap().is_none());
        assert!(s.put("b", "../x", Bytes::new()).await.is_err());
    }
}
