//! Platform behaviour seen end to end: `request.cf` and `--cf`, unhandled rejections in the log, no eval.

use crate::client;
use crate::support::{Project, Verge};

#[tokio::test]
async fn request_cf_has_local_defaults_and_flags_override_them() {
    let verge = Verge::start(Project::fixture("platform"), &[]).await;
    let cf = client::get(&verge.url("/cf")).await.json();
    assert_eq!(cf["country"], "US", "{cf}");
    assert_eq!(cf["colo"], "DEV", "{cf}");
    assert_eq!(cf["httpProtocol"], "HTTP/1.1", "{cf}");
    for key in [
        "city",
        "continent",
        "latitude",
        "longitude",
        "timezone",
        "region",
        "postalCode",
        "asn",
        "tlsVersion",
        "clientTcpRtt",
    ] {
        assert!(cf.get(key).is_some(), "request.cf.{key} missing: {cf}");
    }

    let verge = Verge::start(
        Project::fixture("platform"),
        &[
            "--cf",
            "country=JP",
            "--cf",
            "city=Tokyo",
            "--cf",
            "asn=2516",
        ],
    )
    .await;
    let cf = client::get(&verge.url("/cf")).await.json();
    assert_eq!(cf["country"], "JP", "{cf}");
    assert_eq!(cf["city"], "Tokyo", "{cf}");
    assert_eq!(cf["asn"], 2516, "{cf}");
}

#[tokio::test]
async fn unhandled_rejections_are_logged() {
    let verge = Verge::start(Project::fixture("platform"), &[]).await;
    let reply = client::get(&verge.url("/reject")).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    let line = verge.expect_stderr("Uncaught (in promise)").await;
    assert!(line.contains("nobody caught this rejection"), "{line}");
}

#[tokio::test]
async fn eval_is_refused_by_default() {
    let verge = Verge::start(Project::fixture("platform"), &[]).await;
    let reply = client::get(&verge.url("/eval")).await;
    assert_eq!(
        reply.text(),
        "EvalError: Code generation from strings disallowed for this context"
    );
}

#[tokio::test]
async fn cache_api_stores_fresh_responses_per_cache() {
    let verge = Verge::start(Project::fixture("platform"), &[]).await;
    assert_eq!(client::get(&verge.url("/cache/get?k=a")).await.status, 404);
    assert_eq!(
        client::get(&verge.url("/cache/put?k=a")).await.text(),
        "put"
    );
    let hit = client::get(&verge.url("/cache/get?k=a")).await;
    assert_eq!(hit.text(), "stored /a | named /a", "{}", hit.describe());
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    // Not storable: no-store, and max-age=0.
    client::get(&verge.url("/cache/put?k=b&cc=no-store")).await;
    assert_eq!(client::get(&verge.url("/cache/get?k=b")).await.status, 404);
    client::get(&verge.url("/cache/put?k=c&cc=max-age%3D0")).await;
    assert_eq!(client::get(&verge.url("/cache/get?k=c")).await.status, 404);
    // A short max-age expires.
    client::get(&verge.url("/cache/put?k=d&cc=max-age%3D1")).await;
    assert_eq!(client::get(&verge.url("/cache/get?k=d")).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(client::get(&verge.url("/cache/get?k=d")).await.status, 404);
    // Delete.
    assert_eq!(
        client::get(&verge.url("/cache/delete?k=a")).await.text(),
        "true"
    );
    assert_eq!(
        client::get(&verge.url("/cache/delete?k=a")).await.text(),
        "false"
    );
    assert_eq!(client::get(&verge.url("/cache/get?k=a")).await.status, 404);
    let errors = client::get(&verge.url("/cache/errors")).await.json();
    assert_eq!(
        errors,
        serde_json::json!([
            "Cannot cache response to non-GET request.",
            "Cannot cache response with 'Vary: *' header."
        ])
    );
}
