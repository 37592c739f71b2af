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
