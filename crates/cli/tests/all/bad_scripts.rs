//! Workers that fail to load: `verge dev` says why on stdout, keeps listening, and answers every request
//! with the load error; a fixed file is picked up by hot reload.

use crate::client::{self, Reply};
use crate::support::{Project, Verge, eventually};
use std::time::Duration;

/// Start a broken fixture: stdout must say `Error loading worker:` and hold every one of `stdout_needles`;
/// two requests in a row must answer `status` with `verge-error: code` and a body holding `body_needle`.
async fn assert_load_failure(
    fixture: &str,
    stdout_needles: &[&str],
    status: u16,
    code: &str,
    body_needle: &str,
) -> Verge {
    let mut verge = Verge::start(Project::fixture(fixture), &[]).await;
    verge.expect_stdout("Error loading worker:").await;
    for needle in stdout_needles {
        verge.expect_stdout(needle).await;
    }
    for path in ["/", "/again"] {
        let reply = client::get(&verge.url(path)).await;
        assert_failure(&reply, status, code, body_needle);
    }
    verge.assert_running();
    verge
}

fn assert_failure(reply: &Reply, status: u16, code: &str, body_needle: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.describe());
    assert_eq!(reply.verge_error(), Some(code), "{}", reply.describe());
    assert!(
        reply.text().contains(body_needle),
        "body lacks {body_needle:?}: {}",
        reply.describe()
    );
}

#[tokio::test]
async fn syntax_error() {
    assert_load_failure(
        "bad-syntax",
        &["SyntaxError"],
        500,
        "exception",
        "SyntaxError",
    )
    .await;
}

#[tokio::test]
async fn neither_default_export_nor_listener() {
    let verge = assert_load_failure("bad-no-handler", &[], 500, "exception", "").await;
    let body = client::get(&verge.url("/")).await.text().to_lowercase();
    assert!(
        body.contains("fetch"),
        "the error should say a fetch handler is missing: {body}"
    );
}

#[tokio::test]
async fn default_export_without_fetch() {
    let verge = assert_load_failure("bad-no-fetch", &[], 500, "exception", "").await;
    let body = client::get(&verge.url("/")).await.text().to_lowercase();
    assert!(
        body.contains("fetch"),
        "the error should say fetch is missing: {body}"
    );
}

#[tokio::test]
async fn throw_at_top_level() {
    assert_load_failure(
        "bad-top-throw",
        &["top-level-failure-5b3a"],
        500,
        "exception",
        "top-level-failure-5b3a",
    )
    .await;
}

#[tokio::test]
async fn import_of_a_missing_file() {
    assert_load_failure(
        "bad-missing-import",
        &["missing-helper.js"],
        500,
        "exception",
        "missing-helper.js",
    )
    .await;
}

#[tokio::test]
async fn infinite_loop_at_top_level() {
    assert_load_failure(
        "bad-top-loop",
        &[],
        503,
        "cpu-limit",
        "CPU time limit exceeded",
    )
    .await;
}

#[tokio::test]
async fn a_broken_worker_is_fixed_by_hot_reload() {
    let verge = assert_load_failure("bad-syntax", &[], 500, "exception", "SyntaxError").await;
    verge.project().write(
        "worker.js",
        "export default { fetch() { return new Response(\"fixed now\"); } };\n",
    );
    let fixed = eventually(Duration::from_secs(10), || async {
        let reply = client::get(&verge.url("/")).await;
        (reply.status == 200 && reply.text() == "fixed now").then_some(reply)
    })
    .await;
    assert!(
        fixed.is_some(),
        "the fix was never served\n{}",
        verge.dump()
    );
}
