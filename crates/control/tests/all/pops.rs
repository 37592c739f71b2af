//! The PoP registry and deployment progress, with PoPs reporting through node tokens.

use crate::support::{Plane, bundle};
use std::collections::BTreeMap;
use std::time::Duration;
use verge_control::ControlOptions;
use verge_control::now_ms;
use verge_core::platform::PopStatus;

fn status(id: &str, generation: u64, age_ms: u64) -> PopStatus {
    PopStatus {
        id: id.into(),
        region: id[..3].into(),
        lat: 35.7,
        lon: 139.7,
        http: "127.0.0.1:1".into(),
        admin: "127.0.0.1:2".into(),
        generation,
        heartbeat_ms: now_ms() - age_ms,
        errors: BTreeMap::new(),
    }
}

#[tokio::test]
async fn deployment_progress_counts_live_pops_that_acked() {
    let plane = Plane::with_options(ControlOptions {
        live_window: Duration::from_secs(5),
        ..ControlOptions::default()
    })
    .await;
    let (nrt, ams, old) = (
        plane.node("nrt-1").await,
        plane.node("ams-1").await,
        plane.node("sfo-1").await,
    );
    let (v, g) = plane.ship(&bundle("hello", "x", &[]), 100).await;
    nrt.put_pop(&status("nrt-1", g - 1, 0)).await.unwrap();
    ams.put_pop(&status("ams-1", g - 1, 0)).await.unwrap();
    // A PoP whose last heartbeat is older than the window is not waited for.
    old.put_pop(&status("sfo-1", 0, 60_000)).await.unwrap();

    let pops = plane.read.pops().await.unwrap();
    assert_eq!(pops.len(), 3);
    let live: BTreeMap<_, _> = pops.iter().map(|p| (p.id.as_str(), p.live)).collect();
    assert_eq!(
        live,
        BTreeMap::from([("ams-1", true), ("nrt-1", true), ("sfo-1", false)])
    );
    assert_eq!(
        pops.iter()
            .find(|p| p.id == "nrt-1")
            .map(|p| p.region.as_str()),
        Some("nrt")
    );

    let s = plane
        .read
        .deployment_status("hello", Some(g))
        .await
        .unwrap();
    assert_eq!((s.acked, s.live, s.done, s.failed), (0, 2, false, false));
    assert_eq!(s.current_generation, g);

    nrt.put_pop(&status("nrt-1", g, 0)).await.unwrap();
    let s = plane
        .read
        .deployment_status("hello", Some(g))
        .await
        .unwrap();
    assert_eq!((s.acked, s.live, s.done), (1, 2, false));
    ams.put_pop(&status("ams-1", g + 5, 0)).await.unwrap();
    let s = plane
        .read
        .deployment_status("hello", Some(g))
        .await
        .unwrap();
    assert_eq!((s.acked, s.live, s.done, s.failed), (2, 2, true, false));

    // A PoP that could not load the version reports it; the deployment has failed.
    let b2 = bundle("hello", "y", &[]);
    let (v2, g2) = plane.ship(&b2, 100).await;
    assert_eq!(v2, v + 1);
    let mut bad = status("ams-1", g2, 0);
    bad.errors
        .insert(format!("hello@{v2}"), "SyntaxError: nope".into());
    bad.errors
        .insert("someone-else@3".into(), "not ours".into());
    ams.put_pop(&bad).await.unwrap();
    nrt.put_pop(&status("nrt-1", g2, 0)).await.unwrap();
    let s = plane
        .read
        .deployment_status("hello", Some(g2))
        .await
        .unwrap();
    assert!(s.failed && !s.done, "{s:?}");
    let ams_progress = s.pops.iter().find(|p| p.id == "ams-1").unwrap();
    assert_eq!(ams_progress.errors.len(), 1, "only this worker's errors");
    assert_eq!(
        ams_progress.errors[&format!("hello@{v2}")],
        "SyntaxError: nope"
    );
    assert_eq!(
        plane
            .read
            .deployment_status("nobody", None)
            .await
            .unwrap_err()
            .status,
        Some(404)
    );
}

#[tokio::test]
async fn node_tokens_write_only_their_own_status() {
    let plane = Plane::start().await;
    let nrt = plane.node("nrt-1").await;
    nrt.put_pop(&status("nrt-1", 0, 0)).await.unwrap();
    let err = nrt.put_pop(&status("ams-1", 0, 0)).await.unwrap_err();
    assert_eq!(err.status, Some(403), "{err}");
    // The path and the body must agree.
    let resp = nrt
        .raw(
            http::Method::PUT,
            "/v1/pops/nrt-1",
            Some("application/json"),
            bytes::Bytes::from(serde_json::to_vec(&status("ams-1", 0, 0)).unwrap()),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, http::StatusCode::BAD_REQUEST);
    // Deploy and read tokens are no nodes; an admin may write any PoP.
    assert_eq!(
        plane
            .deploy
            .put_pop(&status("nrt-1", 9, 0))
            .await
            .unwrap_err()
            .status,
        Some(403)
    );
    plane.admin.put_pop(&status("ams-1", 1, 0)).await.unwrap();
    let ids: Vec<_> = plane
        .read
        .pops()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["ams-1", "nrt-1"]);

    // The node store protocol: checked, then refused as not wired (no gateway in this build).
    let resp = nrt
        .raw(
            http::Method::GET,
            "/v1/store/kv/platform/config",
            None,
            bytes::Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, http::StatusCode::NOT_IMPLEMENTED);
    let resp = nrt
        .raw(
            http::Method::PUT,
            "/v1/store/kv/platform/config",
            None,
            bytes::Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, http::StatusCode::FORBIDDEN);
    let resp = plane
        .read
        .raw(
            http::Method::GET,
            "/v1/store/kv/platform/config",
            None,
            bytes::Bytes::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, http::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_store_gateway_gets_checked_requests_without_the_prefix() {
    use http_body_util::BodyExt;
    use std::sync::Arc;
    use verge_control::StoreGateway;
    // A stand-in for the remote store protocol: answers with what it was asked and the config's revision.
    let gateway: StoreGateway = Arc::new(|store, req| {
        Box::pin(async move {
            let rev = store
                .get("platform", "config")
                .await
                .ok()
                .flatten()
                .map_or(0, |e| e.revision);
            let text = format!("{} {} rev={rev}", req.method(), req.uri());
            http::Response::new(
                http_body_util::Full::new(bytes::Bytes::from(text))
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
        })
    });
    let plane = Plane::with_gateway(gateway).await;
    plane.ship(&bundle("a", "x", &[]), 100).await;
    let nrt = plane.node("nrt-1").await;
    let get = |c: &verge_control::client::Client, m: http::Method, p: &'static str| {
        let c = c.clone();
        async move { c.raw(m, p, None, bytes::Bytes::new(), &[]).await.unwrap() }
    };
    let resp = get(&nrt, http::Method::GET, "/v1/store/kv/platform?keys").await;
    assert_eq!(resp.status, http::StatusCode::OK);
    assert_eq!(resp.body, "GET /kv/platform?keys rev=1");
    let resp = get(&nrt, http::Method::PUT, "/v1/store/kv/pops/nrt-1").await;
    assert_eq!(resp.body, "PUT /kv/pops/nrt-1 rev=1");
    // Refused before the gateway sees it.
    for (client, method, path, want) in [
        (&nrt, http::Method::PUT, "/v1/store/kv/pops/ams-1", 403),
        (&nrt, http::Method::GET, "/v1/store/kv/control-tokens", 403),
        (&nrt, http::Method::PUT, "/v1/store/blobs/bundle-x", 403),
        (
            &plane.deploy,
            http::Method::GET,
            "/v1/store/kv/platform/config",
            403,
        ),
        (
            &plane.anonymous,
            http::Method::GET,
            "/v1/store/kv/platform/config",
            401,
        ),
    ] {
        let resp = get(client, method.clone(), path).await;
        assert_eq!(resp.status.as_u16(), want, "{method} {path}");
    }
    // Admin tokens may use the whole store.
    let resp = get(
        &plane.admin,
        http::Method::GET,
        "/v1/store/kv/control-tokens",
    )
    .await;
    assert_eq!(resp.status, http::StatusCode::OK);
}
