//! Secrets are sealed at rest, never returned by any endpoint, and reach the config document.

use crate::support::{Plane, bundle};
use bytes::Bytes;
use http::Method;
use verge_store::Store;

const VALUE: &str = "s3cret-value-that-must-not-leak";

#[tokio::test]
async fn secrets_are_sealed_and_never_returned() {
    let plane = Plane::start().await;
    // A secret set before the first deploy waits in the worker's record.
    let names = plane
        .deploy
        .put_secret("api", "API_KEY", VALUE)
        .await
        .unwrap();
    assert_eq!(names.names, ["API_KEY"]);
    assert_eq!(names.generation, None);
    assert_eq!(plane.config().await.0.generation, 0);

    let (_, g) = plane.ship(&bundle("api", "x", &[]), 100).await;
    let (cfg, _) = plane.config().await;
    let sealed = cfg.workers["api"].secrets["API_KEY"].clone();
    assert_ne!(sealed, VALUE);
    assert_eq!(plane.key.open("api", "API_KEY", &sealed).unwrap(), VALUE);

    // Setting one on a deployed worker publishes a new generation.
    let names = plane
        .deploy
        .put_secret("api", "OTHER", "second")
        .await
        .unwrap();
    assert_eq!(names.names, ["API_KEY", "OTHER"]);
    assert_eq!(names.generation, Some(g + 1));
    let (cfg, _) = plane.config().await;
    assert_eq!(
        plane
            .key
            .open("api", "OTHER", &cfg.workers["api"].secrets["OTHER"])
            .unwrap(),
        "second"
    );

    // No read endpoint returns a value, sealed or not.
    let node = plane.node("fra-1").await;
    let mut seen = String::new();
    for (client, path) in [
        (&plane.read, "/v1/workers"),
        (&plane.read, "/v1/workers/api"),
        (&plane.read, "/v1/workers/api/versions"),
        (&plane.read, "/v1/workers/api/versions/1"),
        (&plane.read, "/v1/workers/api/secrets"),
        (&plane.read, "/v1/workers/api/deployment"),
        (&plane.read, "/v1/pops"),
        (&plane.admin, "/v1/tokens"),
    ] {
        let resp = client
            .raw(Method::GET, path, None, Bytes::new(), &[])
            .await
            .unwrap();
        assert!(resp.status.is_success(), "{path}: {}", resp.status);
        let text = String::from_utf8_lossy(&resp.body).into_owned();
        assert!(!text.contains(VALUE), "{path} shows the secret: {text}");
        assert!(
            !text.contains(&sealed),
            "{path} shows the sealed secret: {text}"
        );
        seen.push_str(&text);
    }
    assert!(seen.contains("API_KEY"), "names are listed");
    // Nodes get the sealed form (they hold the key), never the plain value.
    let cfg_text = serde_json::to_string(&node.config().await.unwrap()).unwrap();
    assert!(!cfg_text.contains(VALUE));
    assert!(cfg_text.contains(&sealed));
    // Nor is the value anywhere in the store in the clear.
    for bucket in ["platform", "control-workers"] {
        for key in plane.store.keys(bucket).await.unwrap() {
            let e = plane.store.get(bucket, &key).await.unwrap().unwrap();
            assert!(
                !String::from_utf8_lossy(&e.value).contains(VALUE),
                "{bucket}/{key}"
            );
        }
    }

    // A redeploy keeps the secrets; deleting one publishes that too.
    plane.ship(&bundle("api", "y", &[]), 100).await;
    assert_eq!(plane.config().await.0.workers["api"].secrets.len(), 2);
    let resp = plane
        .deploy
        .raw(
            Method::DELETE,
            "/v1/workers/api/secrets/OTHER",
            None,
            Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert!(resp.status.is_success());
    let (cfg, _) = plane.config().await;
    assert_eq!(
        cfg.workers["api"].secrets.keys().collect::<Vec<_>>(),
        ["API_KEY"]
    );

    // Bad names are refused.
    for bad in ["1X", "A-B", "A%20B"] {
        let err = plane.deploy.put_secret("api", bad, "v").await.unwrap_err();
        assert_eq!(err.status, Some(400), "{bad}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secrets_set_while_deploys_race_all_reach_the_config() {
    let plane = crate::support::Plane::slow_reads().await;
    plane.ship(&bundle("busy", "0", &[]), 100).await;
    let mut versions = Vec::new();
    for i in 1..=2 {
        let b = bundle("busy", &i.to_string(), &[]);
        let info = plane
            .deploy
            .upload_bundle(Bytes::from(b.to_archive()), None)
            .await
            .unwrap();
        versions.push(
            plane
                .deploy
                .create_version("busy", &info.hash, None)
                .await
                .unwrap()
                .version,
        );
    }
    // Rounds of secrets and deploys started together; whichever writes last, every secret is there.
    for round in 0..12 {
        let mut tasks = Vec::new();
        for i in 0..3 {
            let c = plane.deploy.clone();
            tasks.push(tokio::spawn(async move {
                c.put_secret("busy", &format!("S{round}_{i}"), &format!("v{round}.{i}"))
                    .await
                    .map(|_| ())
            }));
            let c = plane.deploy.clone();
            let v = versions[(round + i) % 2];
            tasks.push(tokio::spawn(async move {
                c.deploy("busy", v, 100).await.map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (cfg, _) = plane.config().await;
        let secrets = &cfg.workers["busy"].secrets;
        assert_eq!(
            secrets.len(),
            3 * (round + 1),
            "round {round}: {:?}",
            secrets.keys()
        );
        for i in 0..3 {
            let name = format!("S{round}_{i}");
            assert_eq!(
                plane.key.open("busy", &name, &secrets[&name]).unwrap(),
                format!("v{round}.{i}")
            );
        }
    }
}

/// A store that runs a hook (once, to completion) just before the first read of the platform config.
struct HookBeforeConfigRead {
    inner: std::sync::Arc<verge_store::MemoryStore>,
    hook: std::sync::Mutex<Option<futures::future::BoxFuture<'static, ()>>>,
}

#[async_trait::async_trait]
impl Store for HookBeforeConfigRead {
    async fn get(
        &self,
        bucket: &str,
        key: &str,
    ) -> verge_store::Result<Option<verge_store::Entry>> {
        if bucket == "platform" {
            let hook = self.hook.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(hook) = hook {
                hook.await;
            }
        }
        self.inner.get(bucket, key).await
    }
    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> verge_store::Result<u64> {
        self.inner.put(bucket, key, value).await
    }
    async fn update(&self, b: &str, k: &str, v: Bytes, expected: u64) -> verge_store::Result<u64> {
        self.inner.update(b, k, v, expected).await
    }
    async fn delete(&self, bucket: &str, key: &str) -> verge_store::Result<()> {
        self.inner.delete(bucket, key).await
    }
    async fn keys(&self, bucket: &str) -> verge_store::Result<Vec<String>> {
        self.inner.keys(bucket).await
    }
    async fn watch(
        &self,
        bucket: &str,
    ) -> verge_store::Result<
        futures::stream::BoxStream<'static, verge_store::Result<verge_store::Change>>,
    > {
        self.inner.watch(bucket).await
    }
    async fn put_blob(&self, name: &str, bytes: Bytes) -> verge_store::Result<()> {
        self.inner.put_blob(name, bytes).await
    }
    async fn get_blob(&self, name: &str) -> verge_store::Result<Option<Bytes>> {
        self.inner.get_blob(name).await
    }
}

/// The interleaving that would lose a secret if a deploy read the worker record before the config: the
/// secret is stored and published between the deploy's reads.
#[tokio::test]
async fn a_secret_set_in_the_middle_of_a_deploy_is_kept() {
    use std::sync::Arc;
    use verge_control::{Control, ControlOptions};
    let inner = Arc::new(verge_store::MemoryStore::new());
    let key = verge_core::secrets::SecretKey::generate();
    let other = Arc::new(Control::new(
        inner.clone(),
        key.clone(),
        ControlOptions::default(),
    ));
    let b = bundle("mid", "x", &[]);
    let info = other.upload_bundle(&b.to_archive(), None).await.unwrap();
    let v = other.create_version("mid", &info.hash, None).await.unwrap();
    other.deploy("mid", v.version, 100).await.unwrap();

    let hooked = Arc::new(HookBeforeConfigRead {
        inner: inner.clone(),
        hook: std::sync::Mutex::new(None),
    });
    let deployer = Control::new(hooked.clone(), key.clone(), ControlOptions::default());
    let racer = other.clone();
    *hooked.hook.lock().unwrap() = Some(Box::pin(async move {
        racer.put_secret("mid", "LATE", "arrived").await.unwrap();
    }));
    deployer.rollback("mid", Some(v.version)).await.unwrap();
    assert!(hooked.hook.lock().unwrap().is_none(), "the hook ran");
    let entry = inner.get("platform", "config").await.unwrap().unwrap();
    let cfg: verge_core::platform::PlatformConfig = serde_json::from_slice(&entry.value).unwrap();
    let sealed = &cfg.workers["mid"].secrets["LATE"];
    assert_eq!(key.open("mid", "LATE", sealed).unwrap(), "arrived");
}
