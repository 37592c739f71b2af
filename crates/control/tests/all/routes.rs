//! A route pattern belongs to one worker: claiming another worker's route is a 409 that names it.

use crate::support::{Plane, bundle};
use bytes::Bytes;

#[tokio::test]
async fn a_route_served_by_another_worker_is_a_conflict() {
    let plane = Plane::start().await;
    plane
        .ship(
            &bundle(
                "owner",
                "x",
                &["api.example.com/*", "*.cdn.example.com/img/*"],
            ),
            100,
        )
        .await;
    let (before, rev) = plane.config().await;

    for routes in [
        vec!["api.example.com/*"],
        vec!["other.example.com/*", "https://API.Example.com/*"],
        vec!["*.cdn.example.com/img/*"],
    ] {
        let b = bundle("intruder", "y", &routes);
        let info = plane
            .deploy
            .upload_bundle(Bytes::from(b.to_archive()), None)
            .await
            .unwrap();
        let v = plane
            .deploy
            .create_version("intruder", &info.hash, None)
            .await
            .unwrap();
        let err = plane
            .deploy
            .deploy("intruder", v.version, 100)
            .await
            .unwrap_err();
        assert_eq!(err.status, Some(409), "{routes:?}: {err}");
        assert!(err.message.contains("\"owner\""), "names the owner: {err}");
    }
    assert_eq!(plane.config().await, (before, rev), "nothing changed");

    // Distinct routes are fine, and a worker may keep its own routes across versions.
    plane
        .ship(&bundle("intruder", "z", &["api.example.com/v2/*"]), 100)
        .await;
    plane
        .ship(&bundle("owner", "x2", &["api.example.com/*"]), 100)
        .await;
    let (cfg, _) = plane.config().await;
    assert_eq!(cfg.workers["owner"].routes, ["api.example.com/*"]);
    assert_eq!(cfg.workers["intruder"].routes, ["api.example.com/v2/*"]);
    // The route the owner gave up is free.
    plane
        .ship(
            &bundle(
                "intruder",
                "w",
                &["x.cdn.example.com/img/*", "*.cdn.example.com/img/*"],
            ),
            100,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_racing_for_one_route_cannot_both_win() {
    let plane = Plane::slow_reads().await;
    let mut versions = Vec::new();
    for i in 0..8 {
        let name = format!("racer{i}");
        let b = bundle(&name, "x", &["race.example.com/*"]);
        let info = plane
            .deploy
            .upload_bundle(Bytes::from(b.to_archive()), None)
            .await
            .unwrap();
        let v = plane
            .deploy
            .create_version(&name, &info.hash, None)
            .await
            .unwrap();
        versions.push((name, v.version));
    }
    let tasks: Vec<_> = versions
        .into_iter()
        .map(|(name, v)| {
            let c = plane.deploy.clone();
            tokio::spawn(async move { c.deploy(&name, v, 100).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(e) => assert_eq!(e.status, Some(409), "{e}"),
        }
    }
    assert_eq!(won, 1);
    let (cfg, _) = plane.config().await;
    let owners: Vec<_> = cfg
        .workers
        .values()
        .filter(|w| w.routes.iter().any(|r| r == "race.example.com/*"))
        .collect();
    assert_eq!(owners.len(), 1);
}
