//! Requests that fail without hitting a limit, and what the worker logs.

use crate::client::{self, Reply};
use crate::support::{Project, Verge};

fn assert_exception(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, 500, "{}", reply.describe());
    assert_eq!(
        reply.verge_error(),
        Some("exception"),
        "{}",
        reply.describe()
    );
    assert!(
        reply.text().contains(needle),
        "body lacks {needle:?}: {}",
        reply.describe()
    );
}

async fn assert_ok(verge: &mut Verge) {
    let reply = client::get(&verge.url("/ok")).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.text(), "ok");
    verge.assert_running();
}

#[tokio::test]
async fn uncaught_exception_answers_500_with_message_and_stack() {
    let mut verge = Verge::start(Project::fixture("errors"), &[]).await;
    let reply = client::get(&verge.url("/throw")).await;
    assert_exception(&reply, "thrown on purpose from deeper()");
    // Dev mode shows the stack, which names the module the error came from.
    assert!(
        reply.text().contains("worker.js"),
        "no stack: {}",
        reply.describe()
    );
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn rejected_promise_answers_500() {
    let mut verge = Verge::start(Project::fixture("errors"), &[]).await;
    let reply = client::get(&verge.url("/reject")).await;
    assert_exception(&reply, "rejected on purpose");
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn non_response_result_answers_500_naming_response() {
    let mut verge = Verge::start(Project::fixture("errors"), &[]).await;
    let reply = client::get(&verge.url("/not-response")).await;
    assert_exception(&reply, "Response");
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn console_output_goes_to_stderr_with_the_worker_name() {
    let verge = Verge::start(Project::fixture("errors"), &[]).await;
    let reply = client::get(&verge.url("/log")).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.text(), "logged");

    for marker in ["log-marker-7c1f", "error-marker-9d2e"] {
        let stderr = verge.expect_stderr(marker).await;
        let line = stderr
            .lines()
            .find(|l| l.contains(marker))
            .unwrap_or_default();
        assert!(
            line.contains("errors"),
            "log line lacks the worker name: {line:?}"
        );
        assert!(
            !verge.stdout.text().contains(marker),
            "worker logs belong on stderr\n{}",
            verge.dump()
        );
    }
}
