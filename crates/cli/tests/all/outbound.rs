//! `fetch()` from a worker to an origin on loopback: relayed with `allow_private`, refused without.

use crate::client;
use crate::origin::{ORIGIN_HEADER, Origin};
use crate::support::{Project, Verge};
use http::Method;
use std::time::Duration;

#[tokio::test]
async fn fetch_to_loopback_is_relayed_when_private_is_allowed() {
    let origin = Origin::start().await;
    let var = format!("ORIGIN={}", origin.url);
    let mut verge = Verge::start(Project::fixture("outbound"), &["--var", &var]).await;

    let reply = client::call(
        Method::POST,
        &verge.url("/upstream/path?q=1&r=two"),
        &[
            ("content-type", "text/x-payload"),
            ("x-client-says", "hi origin"),
        ],
        "the request body",
    )
    .await;
    assert_eq!(
        reply.status,
        201,
        "origin status relayed: {}",
        reply.describe()
    );
    assert_eq!(
        reply.header("x-origin"),
        Some(ORIGIN_HEADER),
        "origin header relayed"
    );
    assert_eq!(reply.header("x-relayed"), Some("yes"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain"))
    );
    assert_eq!(
        reply.text(),
        "origin saw POST /upstream/path?q=1&r=two with 16 body bytes"
    );

    let seen = origin
        .wait_for(1, Duration::from_secs(5))
        .await
        .expect("the origin got the request");
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.path, "/upstream/path?q=1&r=two");
    assert_eq!(request.header("content-type"), Some("text/x-payload"));
    assert_eq!(request.header("x-client-says"), Some("hi origin"));
    assert_eq!(
        request.header("x-forwarded-by"),
        Some("verge-outbound-test")
    );
    assert_eq!(&request.body[..], b"the request body");

    let get = client::get(&verge.url("/plain")).await;
    assert_eq!(get.status, 201, "{}", get.describe());
    assert_eq!(get.text(), "origin saw GET /plain with 0 body bytes");
    verge.assert_running();
}

#[tokio::test]
async fn fetch_to_loopback_is_refused_by_default() {
    let origin = Origin::start().await;
    let var = format!("ORIGIN={}", origin.url);
    let mut verge = Verge::start(Project::fixture("outbound-refused"), &["--var", &var]).await;

    let reply = client::get(&verge.url("/")).await;
    assert_eq!(
        reply.status,
        502,
        "the worker caught the error: {}",
        reply.describe()
    );
    let text = reply.text();
    assert!(text.starts_with("TypeError: "), "{text}");
    assert!(text.contains("refused"), "{text}");

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        origin.seen().is_empty(),
        "a refused fetch reached the origin"
    );
    verge.assert_running();
}

/// `verge dev --origin URL`: the worker's `fetch(request)` to its own host goes to the origin (private
/// addresses allowed: the operator named it), with the public host; other hosts are not redirected.
#[tokio::test]
async fn dev_origin_receives_the_workers_own_host() {
    let origin = Origin::start().await;
    let project = Project::example("hello");
    project.write(
        "worker.js",
        "export default { async fetch(req) { const r = await fetch(req); return new Response(`${r.status}: ${await r.text()}`); } }\n",
    );
    let verge = Verge::start(project, &["--origin", &origin.url]).await;
    let reply = client::get(&verge.url("/from/the/edge?x=1")).await;
    assert_eq!(
        reply.text(),
        "201: origin saw GET /from/the/edge?x=1 with 0 body bytes",
        "{}",
        reply.describe()
    );
    let seen = origin.seen();
    let host = verge.base().trim_start_matches("http://");
    assert_eq!(seen[0].header("host"), Some(host));
    assert!(
        seen[0]
            .header("cdn-loop")
            .is_some_and(|v| v.contains("verge"))
    );
}
