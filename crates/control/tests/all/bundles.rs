//! Bundle uploads: checked, content-addressed, limited in size.

use crate::support::{Plane, bundle};
use bytes::Bytes;
use http::{Method, StatusCode};
use verge_control::ControlOptions;
use verge_core::platform::bundle_blob;
use verge_core::sha256_hex;
use verge_store::Store;

#[tokio::test]
async fn upload_is_content_addressed_and_idempotent() {
    let plane = Plane::start().await;
    let b = bundle("hello", "hi", &["hello.example.com/*"]);
    let archive = b.to_archive();
    let first = plane
        .deploy
        .upload_bundle(Bytes::from(archive.clone()), None)
        .await
        .unwrap();
    assert_eq!(first.hash, sha256_hex(&archive));
    assert_eq!(first.hash, b.hash());
    assert!(first.created);
    assert_eq!(first.size, archive.len() as u64);
    assert_eq!(first.manifest.name, "hello");
    assert_eq!(first.manifest.modules, ["worker.js"]);
    assert_eq!(first.manifest.routes, ["hello.example.com/*"]);
    let stored = plane
        .store
        .get_blob(&bundle_blob(&first.hash))
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(archive.as_slice()));
    let again = plane
        .deploy
        .upload_bundle(Bytes::from(archive.clone()), Some(&first.hash))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.hash, first.hash);
    // Nodes (and readers) fetch it back byte for byte.
    let node = plane.node("ams-1").await;
    assert_eq!(node.bundle(&first.hash).await.unwrap(), archive);
    assert_eq!(
        plane
            .anonymous
            .bundle(&first.hash)
            .await
            .unwrap_err()
            .status,
        Some(401)
    );
}

#[tokio::test]
async fn bad_bundles_are_rejected_and_nothing_is_stored() {
    let plane = Plane::start().await;
    let good = bundle("w", "x", &[]).to_archive();
    let mut trailing = good.clone();
    trailing.push(0);
    let bad_route = bundle("w", "x", &["a*b.com/*"]).to_archive();
    let bad_name = bundle("no spaces", "x", &[]).to_archive();
    let mut no_main = bundle("w", "x", &[]);
    no_main.manifest.main = "missing.js".into();
    let no_main = no_main.to_archive();
    for (what, bytes) in [
        ("garbage", b"definitely not a bundle".to_vec()),
        ("empty", Vec::new()),
        ("truncated", good[..good.len() - 3].to_vec()),
        ("trailing bytes", trailing),
        ("bad route", bad_route),
        ("bad name", bad_name),
        ("main not in the bundle", no_main),
    ] {
        let err = plane
            .deploy
            .upload_bundle(Bytes::from(bytes), None)
            .await
            .unwrap_err();
        assert_eq!(err.status, Some(400), "{what}: {err}");
    }
    // A hash the client computed that does not match.
    let err = plane
        .deploy
        .upload_bundle(Bytes::from(good.clone()), Some(&"0".repeat(64)))
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(400));
    assert!(err.message.contains("mismatch"), "{err}");
    assert!(
        plane
            .store
            .get_blob(&bundle_blob(&sha256_hex(&good)))
            .await
            .unwrap()
            .is_none()
    );
    // A version of a bundle never uploaded.
    let err = plane
        .deploy
        .create_version("w", &sha256_hex(&good), None)
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(404), "{err}");
    // A version whose bundle is another worker's.
    let info = plane
        .deploy
        .upload_bundle(Bytes::from(good), None)
        .await
        .unwrap();
    let err = plane
        .deploy
        .create_version("other", &info.hash, None)
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(400), "{err}");
    assert!(
        plane
            .store
            .keys("control-workers")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let plane = Plane::with_options(ControlOptions {
        max_bundle_bytes: 1024,
        max_json_bytes: 256,
        ..ControlOptions::default()
    })
    .await;
    let big = bundle("w", &"x".repeat(4096), &[]).to_archive();
    let err = plane
        .deploy
        .upload_bundle(Bytes::from(big), None)
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(413), "{err}");
    let resp = plane
        .deploy
        .raw(
            Method::PUT,
            "/v1/workers/w/secrets/BIG",
            Some("application/json"),
            Bytes::from(serde_json::json!({"value": "y".repeat(1000)}).to_string()),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        plane
            .store
            .keys("control-workers")
            .await
            .unwrap()
            .is_empty()
    );
}
