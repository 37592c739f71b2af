//! `examples/compress` over HTTP: gzip with `CompressionStream` when the client accepts it, streamed as it is
//! made; gzip uploads decompressed with `DecompressionStream`.

use crate::client::{self, Reply};
use crate::support::{Project, Verge};
use flate2::Compression;
use http::Method;
use http_body_util::BodyExt;
use std::io::{Read, Write};

fn expected_report(lines: usize) -> String {
    (1..=lines)
        .map(|i| {
            format!(
                "line {i} of {lines}: the same words compress well, the same words compress well\n"
            )
        })
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip stream");
    out
}

fn assert_ok(reply: &Reply) {
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.describe());
}

#[tokio::test]
async fn answers_plain_or_gzip_by_accept_encoding() {
    let verge = Verge::start(Project::example("compress"), &[]).await;
    let url = verge.url("/?lines=500");

    let plain = client::get(&url).await;
    assert_ok(&plain);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text(), expected_report(500));

    let gzipped = client::send(client::request(
        Method::GET,
        &url,
        &[("accept-encoding", "br;q=1.0, gzip;q=0.8")],
        client::empty(),
    ))
    .await;
    assert_ok(&gzipped);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
    assert_eq!(gzipped.body[..3], [0x1f, 0x8b, 8], "a gzip member");
    assert!(
        gzipped.body.len() * 10 < plain.body.len(),
        "{} compressed bytes for {} plain ones",
        gzipped.body.len(),
        plain.body.len()
    );
    assert_eq!(gunzip(&gzipped.body), plain.body.to_vec());

    let refused = client::send(client::request(
        Method::GET,
        &url,
        &[("accept-encoding", "gzip;q=0, identity")],
        client::empty(),
    ))
    .await;
    assert_ok(&refused);
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.text(), expected_report(500));
}

#[tokio::test]
async fn a_large_gzip_answer_streams_in_many_chunks() {
    let verge = Verge::start(Project::example("compress"), &[]).await;
    // Within the default 50 ms CPU budget of a debug build: ~1 MB of text, gzipped as it is made.
    let lines = 12_000;
    let response = client::send_streaming(client::request(
        Method::GET,
        &verge.url(&format!("/?lines={lines}")),
        &[("accept-encoding", "gzip")],
        client::empty(),
    ))
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("content-length"), None);
    let mut body = response.into_body();
    let mut frames = 0;
    let mut compressed = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("the body arrives whole").into_data() {
            frames += 1;
            compressed.extend_from_slice(&data);
        }
    }
    // The 10-byte gzip header goes out first, then DEFLATE blocks as the compressor completes them.
    assert!(frames > 2, "the gzip body came in {frames} frame(s)");
    let text = gunzip(&compressed);
    assert_eq!(text.len(), expected_report(lines).len());
    assert!(text.ends_with(format!("line {lines} of {lines}: the same words compress well, the same words compress well\n").as_bytes()));
}

#[tokio::test]
async fn gunzips_uploads_and_fails_on_corrupt_ones() {
    let verge = Verge::start(Project::example("compress"), &[]).await;
    let original = client::random_bytes(300_000);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&original).expect("in-memory write");
    let gz = enc.finish().expect("in-memory gzip");

    let back = client::call(Method::POST, &verge.url("/gunzip"), &[], gz.clone()).await;
    assert_ok(&back);
    assert_eq!(back.body.len(), original.len());
    assert!(back.body == original, "the upload round-trips");

    let mut corrupt = gz;
    corrupt[20] ^= 0xff;
    corrupt[21] ^= 0xff;
    let outcome = client::try_send(client::request(
        Method::POST,
        &verge.url("/gunzip"),
        &[],
        client::full(corrupt),
    ))
    .await;
    match outcome {
        Err(_) => {}
        Ok(reply) => assert!(
            reply.status.as_u16() >= 500 || reply.body.len() < original.len(),
            "a corrupt upload must not look like a success: {}",
            reply.describe()
        ),
    }
    let get = client::get(&verge.url("/?lines=2")).await;
    assert_eq!(get.text(), expected_report(2), "the worker keeps serving");
}
