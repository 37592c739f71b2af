//! A 100 MiB body streamed through the echo example without the node holding it in memory.

use crate::client::{self, PatternBody};
use crate::support::{Project, Verge};
use http::Method;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// The whole transfer, upload and download.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(180);

/// How much the node's peak RSS may grow over the transfer: well under the 100 MiB body, so the body
/// cannot have been buffered whole (in Rust or in the isolate).
const RSS_GROWTH_BOUND: u64 = 64 * MIB;

#[tokio::test]
async fn a_100_mib_body_streams_through_echo_in_bounded_memory() {
    let mut verge = Verge::start(Project::example("echo"), &[]).await;
    // Warm up, so the isolate exists before the baseline.
    let warm = client::call(Method::POST, &verge.url("/"), &[], "warm").await;
    assert_eq!(warm.text(), "warm");
    let rss_before = verge.peak_rss();

    let (body, sent) = PatternBody::new(100 * MIB, 64 * 1024, client::seed());
    let req = client::request(
        Method::POST,
        &verge.url("/"),
        &[("content-type", "application/x-verge-stream")],
        body.boxed(),
    );
    let transfer = async {
        let response = client::send_streaming(req).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/x-verge-stream")
        );
        let mut body = response.into_body();
        let (mut len, mut digest) = (0u64, Sha256::new());
        while let Some(frame) = body.frame().await {
            let frame = frame.unwrap_or_else(|e| panic!("reading the echo after {len} bytes: {e}"));
            if let Ok(data) = frame.into_data() {
                len += data.len() as u64;
                digest.update(&data);
            }
        }
        (len, digest.finalize())
    };
    let (received, received_digest) = tokio::time::timeout(TRANSFER_TIMEOUT, transfer)
        .await
        .unwrap_or_else(|_| panic!("100 MiB echo not done within {TRANSFER_TIMEOUT:?}"));

    let sent = sent.lock().expect("sent lock");
    assert_eq!(sent.len, 100 * MIB);
    assert_eq!(received, sent.len, "echoed length");
    assert_eq!(
        client::hex(&received_digest),
        client::hex(&sent.digest.clone().finalize()),
        "echoed bytes differ"
    );

    let rss_after = verge.peak_rss();
    let growth = rss_after.saturating_sub(rss_before);
    assert!(
        growth < RSS_GROWTH_BOUND,
        "peak RSS grew by {} MiB (from {} MiB to {} MiB) over a 100 MiB echo: the body was buffered",
        growth / MIB,
        rss_before / MIB,
        rss_after / MIB
    );
    verge.assert_running();
}
