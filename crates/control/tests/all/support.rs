//! A control plane on a loopback port over a MemoryStore, with tokens of every scope, and bundle makers.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support code outside #[test] fns: a failed setup step must fail the test loudly"
)]

use bytes::Bytes;
use futures::stream::BoxStream;
use std::collections::BTreeMap;
use std::sync::Arc;
use verge_control::client::Client;
use verge_control::{Control, ControlOptions, Scope, StoreGateway};
use verge_core::platform::{CONFIG_BUCKET, CONFIG_KEY, PlatformConfig};
use verge_core::secrets::SecretKey;
use verge_core::{Bundle, Manifest, ModuleKind, SourceModule};
use verge_store::{Change, Entry, MemoryStore, Store};

/// A running control plane and clients holding each kind of token.
pub struct Plane {
    pub url: String,
    pub store: Arc<MemoryStore>,
    pub key: SecretKey,
    pub admin: Client,
    pub deploy: Client,
    pub read: Client,
    pub anonymous: Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Plane {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Plane {
    pub async fn start() -> Self {
        Self::with_options(ControlOptions::default()).await
    }

    pub async fn with_options(options: ControlOptions) -> Self {
        Self::build(options, false, None).await
    }

    /// A control plane serving the node store protocol through `gateway`.
    pub async fn with_gateway(gateway: StoreGateway) -> Self {
        Self::build(ControlOptions::default(), false, Some(gateway)).await
    }

    /// A control plane whose store reads take a millisecond, so concurrent read-modify-writes interleave.
    pub async fn slow_reads() -> Self {
        Self::build(ControlOptions::default(), true, None).await
    }

    async fn build(options: ControlOptions, slow: bool, gateway: Option<StoreGateway>) -> Self {
        let store = Arc::new(MemoryStore::new());
        let key = SecretKey::generate();
        let backing: Arc<dyn Store> = if slow {
            Arc::new(SlowReads(store.clone(), Default::default()))
        } else {
            store.clone()
        };
        let mut control = Control::new(backing, key.clone(), options);
        if let Some(gateway) = gateway {
            control = control.with_store_gateway(gateway);
        }
        let admin_token = control
            .bootstrap_admin_token()
            .await
            .unwrap()
            .expect("a fresh store gets an admin token");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(verge_control::serve(Arc::new(control), listener));
        let admin = Client::new(&url, Some(&admin_token));
        let deploy = Self::token_client(&admin, &url, Scope::Deploy, None).await;
        let read = Self::token_client(&admin, &url, Scope::Read, None).await;
        Self {
            anonymous: Client::new(&url, None),
            url,
            store,
            key,
            admin,
            deploy,
            read,
            server,
        }
    }

    async fn token_client(admin: &Client, url: &str, scope: Scope, pop: Option<&str>) -> Client {
        let created = admin
            .create_token(&verge_control::model::NewToken {
                name: format!("{scope:?}"),
                scopes: vec![scope],
                pop: pop.map(str::to_owned),
            })
            .await
            .unwrap();
        Client::new(url, Some(&created.token))
    }

    /// A client with a node token for PoP `pop`.
    pub async fn node(&self, pop: &str) -> Client {
        Self::token_client(&self.admin, &self.url, Scope::Node, Some(pop)).await
    }

    /// The platform config document as stored, and its revision.
    pub async fn config(&self) -> (PlatformConfig, u64) {
        match self.store.get(CONFIG_BUCKET, CONFIG_KEY).await.unwrap() {
            Some(e) => (serde_json::from_slice(&e.value).unwrap(), e.revision),
            None => (PlatformConfig::default(), 0),
        }
    }

    /// Every key of every bucket the control plane writes, with its revision: equal snapshots mean nothing
    /// was written in between.
    pub async fn snapshot(&self) -> String {
        let mut out = String::new();
        for bucket in ["platform", "control-workers", "control-tokens", "pops"] {
            for key in self.store.keys(bucket).await.unwrap() {
                let e = self.store.get(bucket, &key).await.unwrap().unwrap();
                out.push_str(&format!("{bucket}/{key}@{}\n", e.revision));
            }
        }
        out
    }

    /// Upload `bundle`, make a version and deploy it at `percent`; returns (version, generation).
    pub async fn ship(&self, bundle: &Bundle, percent: u8) -> (u64, u64) {
        let name = &bundle.manifest.name;
        let info = self
            .deploy
            .upload_bundle(Bytes::from(bundle.to_archive()), Some(&bundle.hash()))
            .await
            .unwrap();
        let v = self
            .deploy
            .create_version(name, &info.hash, Some("test"))
            .await
            .unwrap();
        let d = self.deploy.deploy(name, v.version, percent).await.unwrap();
        (v.version, d.generation)
    }
}

/// A one-module worker `name` whose response text is `text`, with `routes`.
pub fn bundle(name: &str, text: &str, routes: &[&str]) -> Bundle {
    let mut manifest = Manifest::for_script(name, "worker.js");
    manifest.routes = routes.iter().map(|r| r.to_string()).collect();
    let source = format!(
        "export default {{ fetch() {{ return new Response({:?}); }} }}",
        text
    );
    let mut modules = BTreeMap::new();
    modules.insert(
        "worker.js".to_owned(),
        SourceModule {
            path: "worker.js".into(),
            kind: ModuleKind::JavaScript,
            source,
        },
    );
    Bundle {
        manifest,
        secrets: BTreeMap::new(),
        modules,
        binaries: BTreeMap::new(),
    }
}

/// A store whose `get` first sleeps 0 to 3 ms (varying from call to call), so that concurrent
/// read-modify-write sequences interleave in every order.
struct SlowReads(Arc<MemoryStore>, std::sync::atomic::AtomicU64);

#[async_trait::async_trait]
impl Store for SlowReads {
    async fn get(&self, bucket: &str, key: &str) -> verge_store::Result<Option<Entry>> {
        let n = self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A cheap scramble of the call number: delays of 0-3 ms in no simple pattern.
        let micros = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32 & 0xFFF;
        tokio::time::sleep(std::time::Duration::from_micros(micros * 3000 / 0x1000)).await;
        self.0.get(bucket, key).await
    }
    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> verge_store::Result<u64> {
        self.0.put(bucket, key, value).await
    }
    async fn update(
        &self,
        bucket: &str,
        key: &str,
        value: Bytes,
        expected: u64,
    ) -> verge_store::Result<u64> {
        self.0.update(bucket, key, value, expected).await
    }
    async fn delete(&self, bucket: &str, key: &str) -> verge_store::Result<()> {
        self.0.delete(bucket, key).await
    }
    async fn keys(&self, bucket: &str) -> verge_store::Result<Vec<String>> {
        self.0.keys(bucket).await
    }
    async fn watch(
        &self,
        bucket: &str,
    ) -> verge_store::Result<BoxStream<'static, verge_store::Result<Change>>> {
        self.0.watch(bucket).await
    }
    async fn put_blob(&self, name: &str, bytes: Bytes) -> verge_store::Result<()> {
        self.0.put_blob(name, bytes).await
    }
    async fn get_blob(&self, name: &str) -> verge_store::Result<Option<Bytes>> {
        self.0.get_blob(name).await
    }
}
