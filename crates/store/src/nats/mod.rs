//! The NATS JetStream backend: a KV bucket per store bucket, blobs in one Object Store bucket.
//!
//! Revisions are NATS's (the KV stream's sequence numbers: per bucket, growing, kept by the server across
//! restarts). A delete writes a delete marker (history 1), so a deleted key can be created again with
//! `expected` 0. The connection reconnects by itself (async-nats's reconnect logic, retrying for ever);
//! meanwhile every call fails at once with [`StoreError::Unavailable`], and every watch yields one
//! `Unavailable` and ends, so its owner watches again once the store answers.
//!
//! Works with nats-server 2.9 and later (the client's 2.10+ features are off). One NATS quirk shows: an
//! `update` expecting the revision of a *delete* (as seen in a [`Change::Delete`]) succeeds, where the other
//! backends report a conflict; callers that read with `get` (absent: expected 0) never meet it.

mod names;

use crate::{Change, Entry, Result, Store, StoreError, check_name};
use async_nats::connection::State;
use async_nats::jetstream::{self, kv, object_store};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::{OnceCell, watch};

/// Timeouts and settings of a [`NatsStore`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NatsOptions {
    /// Connecting (and each reconnect attempt). Default 3 s.
    pub connect_timeout: Duration,
    /// One document call, or starting a watch. Default 5 s.
    pub op_timeout: Duration,
    /// One blob upload or download. Default 120 s.
    pub blob_timeout: Duration,
    /// How often the client pings the server, which bounds how long a silently dead connection goes
    /// unnoticed. Default 10 s.
    pub ping_interval: Duration,
    /// The longest wait between two reconnect attempts (they back off exponentially from 0). Default 4 s.
    pub max_reconnect_delay: Duration,
    /// Replicas of each bucket (1 for a single server; 3 for a cluster). Default 1.
    pub replicas: usize,
    /// Keep trying when the server is down at connect time instead of failing. Default false.
    pub retry_on_initial_connect: bool,
}

impl Default for NatsOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            op_timeout: Duration::from_secs(5),
            blob_timeout: Duration::from_secs(120),
            ping_interval: Duration::from_secs(10),
            max_reconnect_delay: Duration::from_secs(4),
            replicas: 1,
            retry_on_initial_connect: false,
        }
    }
}

impl NatsOptions {
    /// Set the connect timeout.
    pub fn with_connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Set the document call timeout.
    pub fn with_op_timeout(mut self, t: Duration) -> Self {
        self.op_timeout = t;
        self
    }
    /// Set the blob call timeout.
    pub fn with_blob_timeout(mut self, t: Duration) -> Self {
        self.blob_timeout = t;
        self
    }
    /// Set the ping interval.
    pub fn with_ping_interval(mut self, t: Duration) -> Self {
        self.ping_interval = t;
        self
    }
    /// Set the longest wait between two reconnect attempts.
    pub fn with_max_reconnect_delay(mut self, t: Duration) -> Self {
        self.max_reconnect_delay = t;
        self
    }
    /// Set the number of replicas of each bucket.
    pub fn with_replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas;
        self
    }
    /// Keep trying when the server is down at connect time.
    pub fn with_retry_on_initial_connect(mut self, retry: bool) -> Self {
        self.retry_on_initial_connect = retry;
        self
    }
}

/// A store on NATS JetStream (see the module docs). Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct NatsStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    js: jetstream::Context,
    url: String,
    prefix: String,
    options: NatsOptions,
    buckets: Mutex<HashMap<String, kv::Store>>,
    blobs: OnceCell<object_store::ObjectStore>,
    /// Counts connection losses; every watch ends when it moves.
    disconnects: watch::Receiver<u64>,
}

impl std::fmt::Debug for NatsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsStore")
            .field("url", &self.inner.url)
            .field("prefix", &self.inner.prefix)
            .finish_non_exhaustive()
    }
}

impl NatsStore {
    /// Connect to the NATS server(s) at `url` (e.g. `nats://127.0.0.1:4222`, or several comma-separated);
    /// buckets are named `{prefix}_{bucket}` (prefix: `[A-Za-z0-9_-]+`, e.g. `verge`).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        Self::connect_with(url, prefix, NatsOptions::default()).await
    }

    /// As [`connect`](Self::connect), with other options.
    pub async fn connect_with(url: &str, prefix: &str, options: NatsOptions) -> Result<Self> {
        if !names::valid_prefix(prefix) {
            return Err(StoreError::InvalidName(prefix.to_owned()));
        }
        let (tx, disconnects) = watch::channel(0u64);
        let logged_url = url.to_owned();
        let max_delay = options.max_reconnect_delay;
        let mut connect = async_nats::ConnectOptions::new()
            .connection_timeout(options.connect_timeout)
            .request_timeout(Some(options.op_timeout))
            .ping_interval(options.ping_interval)
            .reconnect_delay_callback(move |attempts| {
                let exp = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(32);
                Duration::from_millis(2u64.saturating_pow(exp)).min(max_delay)
            })
            .event_callback(move |event| {
                let tx = tx.clone();
                let url = logged_url.clone();
                async move {
                    match event {
                        async_nats::Event::Disconnected => {
                            tracing::warn!(%url, "store: lost the connection to NATS; reconnecting");
                            tx.send_modify(|n| *n += 1);
                        }
                        async_nats::Event::Connected => {
                            tracing::info!(%url, "store: connected to NATS");
                        }
                        other => tracing::debug!(%url, event = %other, "store: NATS event"),
                    }
                }
            });
        if options.retry_on_initial_connect {
            connect = connect.retry_on_initial_connect();
        }
        let client = tokio::time::timeout(options.connect_timeout * 2, connect.connect(url))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "cannot connect to NATS at {url}: no answer within {:?}",
                    options.connect_timeout * 2
                ))
            })?
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot connect to NATS at {url}: {e}"))
            })?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(options.op_timeout);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                js,
                url: url.to_owned(),
                prefix: prefix.to_owned(),
                options,
                buckets: Mutex::new(HashMap::new()),
                blobs: OnceCell::new(),
                disconnects,
            }),
        })
    }
}

impl Inner {
    /// Run `f` if connected, within `timeout`; otherwise, or on timeout, [`StoreError::Unavailable`].
    async fn bounded<T>(
        &self,
        what: &str,
        timeout: Duration,
        f: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        if self.client.connection_state() != State::Connected {
            return Err(StoreError::Unavailable(format!(
                "{what}: not connected to NATS at {}",
                self.url
            )));
        }
        match tokio::time::timeout(timeout, f).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable(format!(
                "{what}: NATS at {} did not answer within {timeout:?}",
                self.url
            ))),
        }
    }

    /// A NATS error: unavailable when the connection is down or the server timed out, else a backend error.
    fn err(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        let text = e.to_string();
        if self.client.connection_state() != State::Connected
            || text.contains("timed out")
            || text.contains("no responders")
        {
            StoreError::Unavailable(format!("{what}: NATS at {}: {text}", self.url))
        } else {
            StoreError::Backend(format!("{what}: NATS: {text}"))
        }
    }

    /// The KV bucket for a store bucket, created on first use.
    async fn kv(&self, bucket: &str) -> Result<kv::Store> {
        if let Some(kv) = self
            .buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(bucket)
        {
            return Ok(kv.clone());
        }
        let name = names::bucket(&self.prefix, bucket);
        let what = format!("open bucket {bucket}");
        let kv = match self.js.get_key_value(&name).await {
            Ok(kv) => kv,
            Err(e) if e.kind() == jetstream::context::KeyValueErrorKind::GetBucket => {
                // Made by hand rather than with `create_key_value`, which needs account fields that
                // nats-server 2.9 does not send; the same stream config as that function's.
                self.js
                    .create_stream(jetstream::stream::Config {
                        name: format!("KV_{name}"),
                        description: Some(format!("verge store bucket {bucket}")),
                        subjects: vec![format!("$KV.{name}.>")],
                        max_messages_per_subject: 1,
                        storage: jetstream::stream::StorageType::File,
                        num_replicas: self.options.replicas.max(1),
                        discard: jetstream::stream::DiscardPolicy::New,
                        allow_rollup: true,
                        deny_delete: true,
                        allow_direct: true,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| self.err(&what, e))?;
                self.js
                    .get_key_value(&name)
                    .await
                    .map_err(|e| self.err(&what, e))?
            }
            Err(e) => return Err(self.err(&what, e)),
        };
        self.buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bucket.to_owned(), kv.clone());
        Ok(kv)
    }

    async fn objects(&self) -> Result<&object_store::ObjectStore> {
        self.blobs
            .get_or_try_init(|| async {
                let config = object_store::Config {
                    bucket: format!("{}_blobs", self.prefix),
                    storage: jetstream::stream::StorageType::File,
                    num_replicas: self.options.replicas,
                    ..Default::default()
                };
                self.js
                    .create_object_store(config)
                    .await
                    .map_err(|e| self.err("open the blob store", e))
            })
            .await
    }

    /// The current entry of a key (`None` when absent or deleted).
    async fn entry(&self, kv: &kv::Store, bucket: &str, key: &str) -> Result<Option<Entry>> {
        let found = kv
            .entry(names::key(key))
            .await
            .map_err(|e| self.err(&format!("get {bucket}/{key}"), e))?;
        Ok(found.and_then(|e| match e.operation {
            kv::Operation::Put => Some(Entry {
                key: key.to_owned(),
                value: e.value,
                revision: e.revision,
            }),
            kv::Operation::Delete | kv::Operation::Purge => None,
        }))
    }

    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64> {
        let what = format!("update {bucket}/{key}");
        let kv = self.kv(bucket).await?;
        let nkey = names::key(key);
        // Past this match, the write lost a compare-and-set.
        if expected == 0 {
            match kv.create(&nkey, value).await {
                Ok(r) => return Ok(r),
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.err(&what, e)),
            }
        } else {
            match kv.update(&nkey, value, expected).await {
                Ok(r) => return Ok(r),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {}
                Err(e) => return Err(self.err(&what, e)),
            }
        }
        let found = self
            .entry(&kv, bucket, key)
            .await?
            .map_or(0, |e| e.revision);
        Err(StoreError::Conflict {
            bucket: bucket.into(),
            key: key.into(),
            expected,
            found,
        })
    }

    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>> {
        let what = format!("watch {bucket}");
        let kv = self.kv(bucket).await?;
        // Everything up to this sequence is the current state, where deletes are not reported.
        // (`kv.status()` would give the stream info cached when the bucket was opened.)
        let stream = format!("KV_{}", names::bucket(&self.prefix, bucket));
        let info = self
            .js
            .get_stream(&stream)
            .await
            .map_err(|e| self.err(&what, e))?;
        let current_until = info.cached_info().state.last_sequence;
        let mut disconnects = self.disconnects.clone();
        disconnects.mark_unchanged();
        let entries = kv
            .watch_with_history(">")
            .await
            .map_err(|e| self.err(&what, e))?;
        let state = WatchState {
            entries,
            disconnects,
            current_until,
            what,
            done: false,
        };
        Ok(futures::stream::unfold(state, WatchState::next).boxed())
    }
}

struct WatchState {
    entries: kv::Watch,
    disconnects: watch::Receiver<u64>,
    current_until: u64,
    what: String,
    done: bool,
}

impl WatchState {
    async fn next(mut self) -> Option<(Result<Change>, Self)> {
        if self.done {
            return None;
        }
        loop {
            let item = tokio::select! {
                item = self.entries.next() => item,
                changed = self.disconnects.changed() => {
                    self.done = true;
                    if changed.is_err() {
                        return None;
                    }
                    let e = StoreError::Unavailable(format!("{}: connection to NATS lost", self.what));
                    return Some((Err(e), self));
                }
            };
            let entry = match item {
                None => return None,
                Some(Err(e)) => {
                    self.done = true;
                    let e = StoreError::Unavailable(format!("{}: {e}", self.what));
                    return Some((Err(e), self));
                }
                Some(Ok(entry)) => entry,
            };
            let Some(key) = names::unkey(&entry.key) else {
                tracing::warn!(key = %entry.key, "store: skipping a NATS key this store did not write");
                continue;
            };
            let change = match entry.operation {
                kv::Operation::Put => Change::Put(Entry {
                    key,
                    value: entry.value,
                    revision: entry.revision,
                }),
                // A key deleted before the watch started is simply not current.
                kv::Operation::Delete | kv::Operation::Purge
                    if entry.revision <= self.current_until =>
                {
                    continue;
                }
                kv::Operation::Delete | kv::Operation::Purge => Change::Delete {
                    key,
                    revision: entry.revision,
                },
            };
            return Some((Ok(change), self));
        }
    }
}

fn names2(bucket: &str, key: &str) -> Result<()> {
    check_name(bucket)?;
    check_name(key)
}

#[async_trait::async_trait]
impl Store for NatsStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Entry>> {
        names2(bucket, key)?;
        let s = &self.inner;
        s.bounded(
            &format!("get {bucket}/{key}"),
            s.options.op_timeout,
            async {
                let kv = s.kv(bucket).await?;
                s.entry(&kv, bucket, key).await
            },
        )
        .await
    }

    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> Result<u64> {
        names2(bucket, key)?;
        let s = &self.inner;
        let what = format!("put {bucket}/{key}");
        s.bounded(&what, s.options.op_timeout, async {
            let kv = s.kv(bucket).await?;
            kv.put(names::key(key), value)
                .await
                .map_err(|e| s.err(&what, e))
        })
        .await
    }

    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64> {
        names2(bucket, key)?;
        let s = &self.inner;
        s.bounded(
            &format!("update {bucket}/{key}"),
            s.options.op_timeout,
            s.update(bucket, key, value, expected),
        )
        .await
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        names2(bucket, key)?;
        let s = &self.inner;
        let what = format!("delete {bucket}/{key}");
        s.bounded(&what, s.options.op_timeout, async {
            let kv = s.kv(bucket).await?;
            if s.entry(&kv, bucket, key).await?.is_none() {
                return Ok(());
            }
            kv.delete(names::key(key))
                .await
                .map_err(|e| s.err(&what, e))
        })
        .await
    }

    async fn keys(&self, bucket: &str) -> Result<Vec<String>> {
        check_name(bucket)?;
        let s = &self.inner;
        let what = format!("keys of {bucket}");
        s.bounded(&what, s.options.op_timeout, async {
            let kv = s.kv(bucket).await?;
            let mut stream = kv.keys().await.map_err(|e| s.err(&what, e))?;
            let mut keys = Vec::new();
            while let Some(k) = stream.next().await {
                let k = k.map_err(|e| s.err(&what, e))?;
                if let Some(k) = names::unkey(&k) {
                    keys.push(k);
                }
            }
            // The listing is a consumer over the bucket's stream: a key written while it runs comes again
            // (seen as 4 of 3 PoPs under heartbeats), so each key is kept once.
            keys.sort();
            keys.dedup();
            Ok(keys)
        })
        .await
    }

    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>> {
        check_name(bucket)?;
        let s = &self.inner;
        s.bounded(
            &format!("watch {bucket}"),
            s.options.op_timeout,
            s.watch(bucket),
        )
        .await
    }

    async fn put_blob(&self, name: &str, bytes: Bytes) -> Result<()> {
        check_name(name)?;
        let s = &self.inner;
        let what = format!("put blob {name}");
        s.bounded(&what, s.options.blob_timeout, async {
            let objects = s.objects().await?;
            match objects.info(name).await {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == object_store::InfoErrorKind::NotFound => {}
                Err(e) => return Err(s.err(&what, e)),
            }
            objects
                .put(name, &mut bytes.as_ref())
                .await
                .map(drop)
                .map_err(|e| s.err(&what, e))
        })
        .await
    }

    async fn get_blob(&self, name: &str) -> Result<Option<Bytes>> {
        check_name(name)?;
        let s = &self.inner;
        let what = format!("get blob {name}");
        s.bounded(&what, s.options.blob_timeout, async {
            let objects = s.objects().await?;
            let mut object = match objects.get(name).await {
                Ok(o) => o,
                Err(e) if e.kind() == object_store::GetErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(s.err(&what, e)),
            };
            let mut buf = Vec::new();
            object
                .read_to_end(&mut buf)
                .await
                .map_err(|e| s.err(&what, e))?;
            Ok(Some(Bytes::from(buf)))
        })
        .await
    }
}
