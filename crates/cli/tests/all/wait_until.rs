//! `ctx.waitUntil`: the answer goes out first, the background work runs after it.

use crate::client;
use crate::origin::Origin;
use crate::support::{Project, Verge};
use http::Method;
use std::time::{Duration, Instant};

#[tokio::test]
async fn wait_until_work_runs_after_the_response() {
    let origin = Origin::start().await;
    let var = format!("ORIGIN={}", origin.url);
    let mut verge = Verge::start(Project::fixture("wait-until"), &["--var", &var]).await;

    let reply = client::get(&verge.url("/?id=job-42")).await;
    let answered = Instant::now();
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.text(), "answered job-42");
    assert!(
        origin.seen().is_empty(),
        "the background fetch ran before the answer was sent"
    );

    let seen = origin
        .wait_for(1, Duration::from_secs(5))
        .await
        .unwrap_or_else(|| panic!("the waitUntil fetch never arrived\n{}", verge.dump()));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/after?id=job-42");
    assert_eq!(&seen[0].body[..], b"background work for job-42");
    let delay = seen[0].at.saturating_duration_since(answered);
    assert!(
        delay < Duration::from_secs(3),
        "background fetch arrived {delay:?} after the answer"
    );
    verge.assert_running();
}
