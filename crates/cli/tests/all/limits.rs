//! Every limit, each on a node that also serves a well-behaved `/ok`: the violation answers with its
//! status and `verge-error`, the isolate is discarded, and the next request is served normally.

use crate::client::{self, PatternBody, Reply};
use crate::origin::Origin;
use crate::support::{Project, Verge};
use http::Method;
use std::time::{Duration, Instant};

/// `cpu_ms` in `fixtures/limits/verge.toml`.
const CPU_LIMIT_MS: f64 = 500.0;

/// How long a native-operation bomb may take to be stopped.
const BOMB_BOUND: Duration = Duration::from_secs(15);

/// A started `limits` fixture, with extra `verge dev` arguments.
async fn limits_node(args: &[&str]) -> Verge {
    Verge::start(Project::fixture("limits"), args).await
}

/// `/ok` answers 200 "ok", a few times over (so more than one isolate or shard is likely asked),
/// and the process is still running.
async fn assert_still_serving(verge: &mut Verge) {
    for _ in 0..3 {
        let reply = client::get(&verge.url("/ok")).await;
        assert_eq!(
            reply.status,
            200,
            "/ok after a violation: {}",
            reply.describe()
        );
        assert_eq!(reply.text(), "ok");
    }
    verge.assert_running();
}

/// A limit violation: `status`, `verge-error: code`, text/plain, body starting with `prefix`.
fn assert_violation(reply: &Reply, status: u16, code: &str, prefix: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.describe());
    assert_eq!(reply.verge_error(), Some(code), "{}", reply.describe());
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{}",
        reply.describe()
    );
    assert!(reply.text().starts_with(prefix), "{}", reply.describe());
}

/// `CPU time limit exceeded: 73.1 ms used of 50 ms` → `(73.1, 50.0)`.
fn parse_cpu_message(body: &str) -> Option<(f64, f64)> {
    let rest = body.trim().strip_prefix("CPU time limit exceeded: ")?;
    let (used, rest) = rest.split_once(" ms used of ")?;
    let limit = rest.strip_suffix(" ms")?;
    Some((used.parse().ok()?, limit.parse().ok()?))
}

#[test]
fn cpu_message_parser() {
    assert_eq!(
        parse_cpu_message("CPU time limit exceeded: 73.1 ms used of 50 ms"),
        Some((73.1, 50.0))
    );
    assert_eq!(parse_cpu_message("CPU time limit exceeded"), None);
}

#[tokio::test]
async fn cpu_limit_answers_503_naming_the_time_used() {
    let mut verge = limits_node(&["--shards", "2"]).await;
    assert_still_serving(&mut verge).await;

    let reply = client::get(&verge.url("/spin")).await;
    assert_violation(&reply, 503, "cpu-limit", "CPU time limit exceeded");
    let (used, limit) = parse_cpu_message(&reply.text()).unwrap_or_else(|| {
        panic!(
            "body is not `CPU time limit exceeded: <n> ms used of <limit> ms`: {}",
            reply.describe()
        )
    });
    assert_eq!(limit, CPU_LIMIT_MS, "the configured cpu_ms");
    assert!(
        used >= limit,
        "reported {used} ms used, under the limit {limit}"
    );
    assert!(
        used < limit * 10.0,
        "reported {used} ms used: the spin was not stopped in time"
    );

    let stderr = verge.expect_stderr("CPU time limit exceeded").await;
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("CPU time limit exceeded") && l.contains("limits")),
        "the violation's log line names the worker\n{}",
        verge.dump()
    );
    assert_still_serving(&mut verge).await;

    // A second violation on the same node is caught the same way.
    let again = client::get(&verge.url("/spin")).await;
    assert_violation(&again, 503, "cpu-limit", "CPU time limit exceeded");
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn a_spinning_request_does_not_stall_other_requests() {
    let mut verge = limits_node(&["--shards", "4"]).await;
    // Warm up: fresh connections spread over the shards, so their isolates exist before the spin.
    for _ in 0..8 {
        let reply = client::get(&verge.url("/ok")).await;
        assert_eq!(reply.status, 200, "{}", reply.describe());
    }

    let started = Instant::now();
    let spin_url = verge.url("/spin");
    let spin = tokio::spawn(async move {
        let reply = client::get(&spin_url).await;
        (reply, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut oks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let url = verge.url("/ok");
        oks.spawn(async move {
            let reply = client::get(&url).await;
            (reply, started.elapsed())
        });
    }
    let (spin_reply, spin_done) = spin.await.expect("spin task");
    let mut first_ok = Duration::MAX;
    while let Some(done) = oks.join_next().await {
        let (reply, at) = done.expect("ok task");
        assert_eq!(reply.status, 200, "/ok during a spin: {}", reply.describe());
        assert_eq!(reply.text(), "ok");
        first_ok = first_ok.min(at);
    }
    assert_violation(&spin_reply, 503, "cpu-limit", "CPU time limit exceeded");
    assert!(
        first_ok < spin_done,
        "no /ok answered while /spin ran (first /ok at {first_ok:?}, spin ended at {spin_done:?})"
    );
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn memory_bomb_is_condemned_even_when_the_error_is_caught() {
    let mut verge = limits_node(&[]).await;
    let reply = client::get(&verge.url("/bomb")).await;
    assert_violation(&reply, 503, "memory-limit", "Memory limit exceeded");
    assert!(!reply.text().contains("survived"), "{}", reply.describe());
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn deep_recursion_is_a_catchable_error() {
    let mut verge = limits_node(&[]).await;

    let caught = client::get(&verge.url("/recurse")).await;
    assert_eq!(caught.status, 200, "{}", caught.describe());
    assert!(
        caught.text().starts_with("caught "),
        "{}",
        caught.describe()
    );
    assert_eq!(caught.verge_error(), None);
    assert_still_serving(&mut verge).await;

    let uncaught = client::get(&verge.url("/recurse-uncaught")).await;
    assert_eq!(uncaught.status, 500, "{}", uncaught.describe());
    assert_eq!(
        uncaught.verge_error(),
        Some("exception"),
        "{}",
        uncaught.describe()
    );
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn wall_clock_limit_ends_a_request_waiting_on_a_timer() {
    let mut verge = Verge::start(Project::fixture("wall"), &[]).await;
    let started = Instant::now();
    let reply = client::get(&verge.url("/sleep")).await;
    let took = started.elapsed();
    assert_violation(&reply, 503, "wall-limit", "Wall-clock time limit exceeded");
    assert!(
        took >= Duration::from_millis(450),
        "answered after {took:?}, before wall_ms = 500 ran out"
    );
    assert!(
        took < Duration::from_secs(5),
        "the 500 ms wall limit took {took:?}"
    );
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn subrequest_limit_stops_the_third_fetch() {
    let origin = Origin::start().await;
    let var = format!("ORIGIN={}", origin.url);
    let mut verge = limits_node(&["--var", &var]).await;

    let reply = client::get(&verge.url("/fetch3")).await;
    assert_violation(&reply, 503, "subrequest-limit", "Subrequest limit exceeded");
    // Give a stray third request time to arrive, then count.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = origin.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/sub/0", "/sub/1"],
        "only the allowed two reach the origin"
    );
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn json_parse_of_a_huge_string_is_stopped_in_bounded_time() {
    let mut verge = limits_node(&[]).await;
    let started = Instant::now();
    let reply = client::get(&verge.url("/json-bomb")).await;
    assert_bomb_stopped(&reply, started.elapsed());
    assert_still_serving(&mut verge).await;
}

#[tokio::test]
async fn string_repeat_bomb_is_stopped_in_bounded_time() {
    let mut verge = limits_node(&[]).await;
    let started = Instant::now();
    let reply = client::get(&verge.url("/repeat-bomb")).await;
    assert_bomb_stopped(&reply, started.elapsed());
    assert_still_serving(&mut verge).await;
}

fn assert_bomb_stopped(reply: &Reply, took: Duration) {
    assert_eq!(reply.status, 503, "{}", reply.describe());
    assert!(
        matches!(reply.verge_error(), Some("memory-limit" | "cpu-limit")),
        "{}",
        reply.describe()
    );
    assert!(took < BOMB_BOUND, "took {took:?} to stop");
}

#[tokio::test]
async fn request_body_over_the_limit_answers_413() {
    let mut verge = limits_node(&[]).await;

    let small = client::call(
        Method::POST,
        &verge.url("/body"),
        &[],
        vec![7u8; 512 * 1024],
    )
    .await;
    assert_eq!(small.status, 200, "{}", small.describe());
    assert_eq!(small.text(), "524288");

    // With a content-length over the limit.
    let big = client::try_send(client::request(
        Method::POST,
        &verge.url("/body"),
        &[],
        client::full(vec![7u8; 2 * 1024 * 1024]),
    ))
    .await
    .unwrap_or_else(|e| panic!("2 MiB body with content-length: {e}\n{}", verge.dump()));
    assert_body_rejected(&big);
    assert_still_serving(&mut verge).await;

    // Chunked, so the size is only known while reading.
    let (body, _) = PatternBody::new(2 * 1024 * 1024, 64 * 1024, client::seed());
    let chunked = client::try_send(client::request(
        Method::POST,
        &verge.url("/body"),
        &[],
        body.boxed(),
    ))
    .await
    .unwrap_or_else(|e| panic!("2 MiB chunked body: {e}\n{}", verge.dump()));
    assert_body_rejected(&chunked);
    assert_still_serving(&mut verge).await;
}

fn assert_body_rejected(reply: &Reply) {
    assert_eq!(reply.status, 413, "{}", reply.describe());
    assert_eq!(
        reply.verge_error(),
        Some("request-body-limit"),
        "{}",
        reply.describe()
    );
}
