//! The tests' own tools, checked without verge: the client, the streaming body and the origin server.

use crate::client::{self, PatternBody};
use crate::origin::{ORIGIN_HEADER, Origin};
use http::Method;
use sha2::{Digest, Sha256};
use std::time::Duration;

#[tokio::test]
async fn origin_records_requests_and_pattern_body_streams() {
    let origin = Origin::start().await;
    let (body, sent) = PatternBody::new(3 * 1024 * 1024 + 17, 64 * 1024, client::seed());
    let req = client::request(
        Method::PUT,
        &format!("{}/upload?x=1", origin.url),
        &[("x-test", "yes")],
        body.boxed(),
    );
    let reply = client::send(req).await;
    assert_eq!(reply.status, 201, "{}", reply.describe());
    assert_eq!(reply.header("x-origin"), Some(ORIGIN_HEADER));
    assert_eq!(
        reply.text(),
        format!(
            "origin saw PUT /upload?x=1 with {} body bytes",
            3 * 1024 * 1024 + 17
        )
    );

    let seen = origin
        .wait_for(1, Duration::from_secs(5))
        .await
        .expect("origin saw the request");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::PUT);
    assert_eq!(seen[0].path, "/upload?x=1");
    assert_eq!(seen[0].header("x-test"), Some("yes"));
    assert_eq!(seen[0].header("content-length"), None, "sent chunked");
    let sent = sent.lock().expect("sent lock");
    assert_eq!(sent.len, seen[0].body.len() as u64);
    assert_eq!(
        client::hex(&sent.digest.clone().finalize()),
        client::hex(&Sha256::digest(&seen[0].body))
    );
}

#[test]
fn random_bytes_differ_between_calls() {
    let (a, b) = (client::random_bytes(64), client::random_bytes(64));
    assert_eq!(a.len(), 64);
    assert_ne!(a, b);
}
