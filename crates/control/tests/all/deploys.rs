//! Versions, deploys, rollbacks and gradual rollouts, seen in the platform config document.

use crate::support::{Plane, bundle};
use bytes::Bytes;
use std::collections::BTreeSet;
use verge_core::platform::VersionShare;

fn shares(v: &[VersionShare]) -> Vec<(u64, u8)> {
    v.iter().map(|s| (s.version, s.percent)).collect()
}

#[tokio::test]
async fn deploy_writes_the_config_document_with_a_higher_generation() {
    let plane = Plane::start().await;
    assert_eq!(plane.config().await.0.generation, 0);
    let b1 = bundle("hello", "one", &["hello.example.com/*"]);
    let info = plane
        .deploy
        .upload_bundle(Bytes::from(b1.to_archive()), None)
        .await
        .unwrap();
    // Uploading and making a version publish nothing.
    let v = plane
        .deploy
        .create_version("hello", &info.hash, Some("first"))
        .await
        .unwrap();
    assert_eq!(v.version, 1);
    assert_eq!(v.message.as_deref(), Some("first"));
    assert!(v.created_ms > 0);
    assert_eq!(v.manifest.main, "worker.js");
    assert_eq!(plane.config().await.0.generation, 0);

    let d = plane.deploy.deploy("hello", 1, 100).await.unwrap();
    let (cfg, rev1) = plane.config().await;
    assert_eq!(d.generation, 1);
    assert_eq!(cfg.generation, 1);
    let w = &cfg.workers["hello"];
    assert_eq!(shares(&w.versions), [(1, 100)]);
    assert_eq!(w.versions[0].bundle, b1.hash());
    assert_eq!(w.routes, ["hello.example.com/*"]);

    let b2 = bundle("hello", "two", &["hello.example.com/*"]);
    let (v2, g2) = plane.ship(&b2, 100).await;
    assert_eq!((v2, g2), (2, 2));
    let (cfg, rev2) = plane.config().await;
    assert!(rev2 > rev1);
    assert_eq!(cfg.workers["hello"].versions[0].bundle, b2.hash());
    assert_eq!(shares(&cfg.workers["hello"].versions), [(2, 100)]);

    let versions = plane.read.versions("hello").await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1],
        "newest first"
    );
    let summary = plane.read.worker("hello").await.unwrap();
    assert_eq!(summary.latest_version, Some(2));
    assert_eq!(shares(&summary.active), [(2, 100)]);
    assert_eq!(plane.read.workers().await.unwrap().len(), 1);

    // Unknown version or worker: 404, nothing changes.
    assert_eq!(
        plane
            .deploy
            .deploy("hello", 9, 100)
            .await
            .unwrap_err()
            .status,
        Some(404)
    );
    assert_eq!(
        plane
            .deploy
            .deploy("nobody", 1, 100)
            .await
            .unwrap_err()
            .status,
        Some(404)
    );
    for p in [0u8, 101] {
        assert_eq!(
            plane.deploy.deploy("hello", 1, p).await.unwrap_err().status,
            Some(400)
        );
    }
    assert_eq!(plane.config().await.1, rev2);
}

#[tokio::test]
async fn rollback_is_a_pointer_move() {
    let plane = Plane::start().await;
    let b1 = bundle("api", "one", &[]);
    let b2 = bundle("api", "two", &[]);
    let b3 = bundle("api", "three", &[]);
    plane.ship(&b1, 100).await;
    plane.ship(&b2, 100).await;
    let (_, g3) = plane.ship(&b3, 100).await;

    let r = plane.deploy.rollback("api", None).await.unwrap();
    assert_eq!(shares(&r.versions), [(2, 100)]);
    assert_eq!(r.generation, g3 + 1);
    let (cfg, _) = plane.config().await;
    assert_eq!(cfg.workers["api"].versions[0].bundle, b2.hash());
    // No new version: the pointer moved to the bundle uploaded before.
    assert_eq!(plane.read.versions("api").await.unwrap().len(), 3);

    // Back to a given version.
    let r = plane.deploy.rollback("api", Some(1)).await.unwrap();
    assert_eq!(shares(&r.versions), [(1, 100)]);
    assert_eq!(
        plane.config().await.0.workers["api"].versions[0].bundle,
        b1.hash()
    );
    // "Previous" is the one deployed before.
    let r = plane.deploy.rollback("api", None).await.unwrap();
    assert_eq!(shares(&r.versions), [(2, 100)]);
    // Going to the version that serves already publishes nothing new.
    let (_, rev) = plane.config().await;
    let same = plane.deploy.rollback("api", Some(2)).await.unwrap();
    assert_eq!(same.generation, r.generation);
    assert_eq!(plane.config().await.1, rev);
    assert_eq!(
        plane
            .deploy
            .rollback("api", Some(7))
            .await
            .unwrap_err()
            .status,
        Some(404)
    );

    // A worker deployed once has nothing to go back to.
    plane.ship(&bundle("solo", "x", &[]), 100).await;
    assert_eq!(
        plane
            .deploy
            .rollback("solo", None)
            .await
            .unwrap_err()
            .status,
        Some(409)
    );
}

#[tokio::test]
async fn percent_splits_traffic_between_new_and_current() {
    let plane = Plane::start().await;
    let b1 = bundle("ab", "one", &[]);
    let b2 = bundle("ab", "two", &[]);
    plane.ship(&b1, 100).await;
    let (v2, _) = plane.ship(&b2, 10).await;
    let (cfg, _) = plane.config().await;
    let w = &cfg.workers["ab"];
    assert_eq!(shares(&w.versions), [(v2, 10), (1, 90)]);
    assert_eq!(w.versions[0].bundle, b2.hash());
    assert_eq!(w.versions[1].bundle, b1.hash());
    assert_eq!(
        w.versions.iter().map(|s| u32::from(s.percent)).sum::<u32>(),
        100
    );

    // Widen the rollout, then finish it.
    let d = plane.deploy.deploy("ab", v2, 50).await.unwrap();
    assert_eq!(shares(&d.versions), [(2, 50), (1, 50)]);
    let d = plane.deploy.deploy("ab", v2, 100).await.unwrap();
    assert_eq!(shares(&d.versions), [(2, 100)]);

    // A rollout in progress, rolled back: the stable version takes all traffic again.
    let b3 = bundle("ab", "three", &[]);
    plane.ship(&b3, 25).await;
    assert_eq!(
        shares(&plane.config().await.0.workers["ab"].versions),
        [(3, 25), (2, 75)]
    );
    let r = plane.deploy.rollback("ab", None).await.unwrap();
    assert_eq!(shares(&r.versions), [(2, 100)]);

    // Nothing serving yet: no split possible.
    let fresh = bundle("fresh", "x", &[]);
    let info = plane
        .deploy
        .upload_bundle(Bytes::from(fresh.to_archive()), None)
        .await
        .unwrap();
    plane
        .deploy
        .create_version("fresh", &info.hash, None)
        .await
        .unwrap();
    assert_eq!(
        plane
            .deploy
            .deploy("fresh", 1, 10)
            .await
            .unwrap_err()
            .status,
        Some(409)
    );
}

#[tokio::test]
async fn only_the_last_100_versions_are_kept() {
    let plane = Plane::start().await;
    let b = bundle("many", "same", &[]);
    let info = plane
        .deploy
        .upload_bundle(Bytes::from(b.to_archive()), None)
        .await
        .unwrap();
    for i in 1..=105u64 {
        let v = plane
            .deploy
            .create_version("many", &info.hash, Some(&format!("v{i}")))
            .await
            .unwrap();
        assert_eq!(v.version, i);
    }
    let versions = plane.read.versions("many").await.unwrap();
    assert_eq!(versions.len(), 100);
    assert_eq!(versions.first().map(|v| v.version), Some(105));
    assert_eq!(versions.last().map(|v| v.version), Some(6));
    assert_eq!(
        versions.last().and_then(|v| v.message.as_deref()),
        Some("v6")
    );
    assert_eq!(
        plane
            .deploy
            .deploy("many", 5, 100)
            .await
            .unwrap_err()
            .status,
        Some(404)
    );
    assert!(plane.deploy.deploy("many", 6, 100).await.is_ok());
    // Numbers keep growing after the cap.
    let v = plane
        .deploy
        .create_version("many", &info.hash, None)
        .await
        .unwrap();
    assert_eq!(v.version, 106);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deploys_never_lose_one_another() {
    let plane = Plane::slow_reads().await;
    const WORKERS: usize = 24;
    let mut versions = Vec::new();
    for i in 0..WORKERS {
        let b = bundle(&format!("w{i}"), &format!("{i}"), &[]);
        let info = plane
            .deploy
            .upload_bundle(Bytes::from(b.to_archive()), None)
            .await
            .unwrap();
        let v = plane
            .deploy
            .create_version(&format!("w{i}"), &info.hash, None)
            .await
            .unwrap();
        versions.push((format!("w{i}"), v.version));
    }
    // Plus several deploys of one worker racing each other.
    let b = bundle("hot", "a", &[]);
    let info = plane
        .deploy
        .upload_bundle(Bytes::from(b.to_archive()), None)
        .await
        .unwrap();
    for _ in 0..4 {
        let v = plane
            .deploy
            .create_version("hot", &info.hash, None)
            .await
            .unwrap();
        versions.push(("hot".into(), v.version));
    }
    let tasks: Vec<_> = versions
        .iter()
        .cloned()
        .map(|(name, v)| {
            let client = plane.deploy.clone();
            tokio::spawn(async move { client.deploy(&name, v, 100).await })
        })
        .collect();
    let mut generations = BTreeSet::new();
    for t in tasks {
        let d = t.await.unwrap().unwrap();
        assert!(
            generations.insert(d.generation),
            "two deploys got generation {}",
            d.generation
        );
    }
    let (cfg, _) = plane.config().await;
    assert_eq!(
        cfg.generation as usize,
        versions.len(),
        "one generation per deploy"
    );
    assert_eq!(generations, (1..=versions.len() as u64).collect());
    for i in 0..WORKERS {
        assert!(cfg.workers.contains_key(&format!("w{i}")), "w{i} lost");
    }
    assert_eq!(cfg.workers.len(), WORKERS + 1);
}

#[tokio::test]
async fn deleting_a_worker_unpublishes_it() {
    let plane = Plane::start().await;
    plane
        .ship(&bundle("gone", "x", &["gone.example.com/*"]), 100)
        .await;
    let resp = plane
        .deploy
        .raw(
            http::Method::DELETE,
            "/v1/workers/gone",
            None,
            Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, http::StatusCode::OK);
    let (cfg, _) = plane.config().await;
    assert!(!cfg.workers.contains_key("gone"));
    assert_eq!(cfg.generation, 2);
    assert_eq!(
        plane.read.worker("gone").await.unwrap_err().status,
        Some(404)
    );
    // Its route is free again.
    plane
        .ship(&bundle("next", "x", &["gone.example.com/*"]), 100)
        .await;
}
