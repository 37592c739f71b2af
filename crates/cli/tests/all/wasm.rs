//! WebAssembly workers (`wasi:http/proxy` components built from C by `scripts/wasm-guests.sh`): the wasm
//! examples, the limits and errors of `fixtures/wasm-limits`, outbound HTTP through the gateway, a broken
//! component, and the checked-in `.wasm` files being exactly what their sources build to.

use crate::client::{self, Reply};
use crate::origin::Origin;
use crate::support::{Project, Verge, examples_dir, fixtures_dir};
use http::Method;
use std::path::PathBuf;
use std::time::Duration;

/// The `verge-error` violation: status, code, text/plain body starting with `prefix`.
fn assert_verge_error(reply: &Reply, status: u16, code: &str, prefix: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.describe());
    assert_eq!(reply.verge_error(), Some(code), "{}", reply.describe());
    assert!(reply.text().starts_with(prefix), "{}", reply.describe());
}

async fn assert_ok(verge: &mut Verge) {
    for _ in 0..3 {
        let reply = client::get(&verge.url("/ok")).await;
        assert_eq!(reply.status, 200, "/ok: {}", reply.describe());
        assert_eq!(reply.text(), "ok");
    }
    verge.assert_running();
}

async fn limits_node() -> Verge {
    Verge::start(Project::fixture("wasm-limits"), &[]).await
}

#[tokio::test]
async fn wasm_hello_greets_from_its_vars_and_logs() {
    let verge = Verge::start(Project::example("wasm-hello"), &[]).await;
    let reply = client::get(&verge.url("/some/path?x=1")).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(
        reply.text(),
        "Hello from WebAssembly! You asked for GET /some/path?x=1\n"
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain"))
    );
    // The guest's stdout is the worker's log.
    let log = verge.expect_stderr("served GET /some/path?x=1").await;
    assert!(log.contains("worker=\"wasm-hello\""), "{log}");
}

#[tokio::test]
async fn wasm_hello_runs_as_a_lone_component() {
    let verge = Verge::start_script(
        Project::example("wasm-hello"),
        "app.wasm",
        &["--var", "GREETING=Hi there"],
    )
    .await;
    let reply = client::call(Method::POST, &verge.url("/"), &[], "x").await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.text(), "Hi there! You asked for POST /\n");
}

fn pgm_size(body: &[u8]) -> Option<(usize, usize)> {
    let text = String::from_utf8_lossy(&body[..body.len().min(32)]);
    let mut parts = text.split_ascii_whitespace();
    (parts.next()? == "P5").then_some(())?;
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[tokio::test]
async fn mandelbrot_in_wasm_and_in_js_draw_the_same_image() {
    let wasm = Verge::start(Project::example("wasm-mandelbrot"), &[]).await;
    let js = Verge::start(Project::example("mandelbrot-js"), &[]).await;
    let path = "/?size=96&iter=200";
    let (a, b) = (
        client::get(&wasm.url(path)).await,
        client::get(&js.url(path)).await,
    );
    for reply in [&a, &b] {
        assert_eq!(reply.status, 200, "{}", reply.describe());
        assert_eq!(
            reply.header("content-type"),
            Some("image/x-portable-graymap")
        );
        assert_eq!(pgm_size(&reply.body), Some((96, 96)));
        assert_eq!(reply.body.len(), "P5\n96 96\n255\n".len() + 96 * 96);
    }
    let iterations: u64 = a
        .header("x-iterations")
        .and_then(|v| v.parse().ok())
        .expect("x-iterations");
    // Some points escape at once, the set's interior runs all 200 iterations.
    assert!(
        iterations > 96 * 96 && iterations < 96 * 96 * 200,
        "{iterations}"
    );
    assert_eq!(a.header("x-iterations"), b.header("x-iterations"));
    assert!(a.body == b.body, "the two renderers disagree");

    let bad = client::get(&wasm.url("/?size=0")).await;
    assert_eq!(bad.status, 400, "{}", bad.describe());
}

#[tokio::test]
async fn wasm_fetch_relays_an_origin_when_private_is_allowed() {
    let origin = Origin::start().await;
    let project = Project::example("wasm-fetch");
    let toml = project.read("verge.toml");
    project.write(
        "verge.toml",
        &format!("{toml}\n[outbound]\nallow_private = true\n"),
    );
    let var = format!("ORIGIN={}", origin.url);
    let verge = Verge::start(project, &["--var", &var]).await;
    let reply = client::get(&verge.url("/upstream?q=1")).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.header("x-fetched-by"), Some("wasm-fetch"));
    assert_eq!(
        reply.text(),
        "origin answered 201: origin saw GET /upstream?q=1 with 0 body bytes"
    );
    let seen = origin
        .wait_for(1, Duration::from_secs(5))
        .await
        .expect("the origin got the request");
    assert_eq!(seen[0].path, "/upstream?q=1");
}

#[tokio::test]
async fn wasm_fetch_to_a_private_address_is_refused_by_default() {
    let origin = Origin::start().await;
    let var = format!("ORIGIN={}", origin.url);
    let mut verge = Verge::start(Project::example("wasm-fetch"), &["--var", &var]).await;
    let reply = client::get(&verge.url("/")).await;
    assert_eq!(reply.status, 502, "{}", reply.describe());
    assert!(reply.text().contains("failed"), "{}", reply.describe());
    // The gateway's reason is in the log.
    verge.expect_stderr("refused").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        origin.seen().is_empty(),
        "a refused request reached the origin"
    );
    verge.assert_running();
}

#[tokio::test]
async fn cpu_limit_stops_a_spinning_guest() {
    let mut verge = limits_node().await;
    let started = std::time::Instant::now();
    let reply = client::get(&verge.url("/spin")).await;
    assert_verge_error(&reply, 503, "cpu-limit", "CPU time limit exceeded: ");
    assert!(
        reply.text().trim_end().ends_with("ms used of 200 ms"),
        "{}",
        reply.describe()
    );
    assert!(started.elapsed() < Duration::from_secs(5), "stopped late");
    let log = verge.expect_stderr("error=\"cpu-limit\"").await;
    assert!(log.contains("worker=\"wasm-limits\""), "{log}");
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn memory_limit_stops_a_growing_guest() {
    let mut verge = limits_node().await;
    let reply = client::get(&verge.url("/grow")).await;
    assert_verge_error(&reply, 503, "memory-limit", "Memory limit exceeded: ");
    assert!(reply.text().contains("of 32 MiB"), "{}", reply.describe());
    verge.expect_stderr("error=\"memory-limit\"").await;
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn a_trap_answers_500_with_the_trap_in_the_log() {
    let mut verge = limits_node().await;
    let reply = client::get(&verge.url("/trap")).await;
    assert_verge_error(&reply, 500, "exception", "the worker trapped: ");
    // Dev mode shows the trap and the guest's backtrace.
    assert!(
        reply
            .text()
            .contains("wasm `unreachable` instruction executed"),
        "{}",
        reply.describe()
    );
    assert!(
        reply
            .text()
            .contains("exports_wasi_http_incoming_handler_handle"),
        "{}",
        reply.describe()
    );
    verge
        .expect_stderr("wasm `unreachable` instruction executed")
        .await;
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn a_guest_that_never_answers_gets_500() {
    let mut verge = limits_node().await;
    let reply = client::get(&verge.url("/none")).await;
    assert_verge_error(&reply, 500, "exception", "the worker did not respond");
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn vars_and_secrets_are_the_environment_and_stdio_is_the_log() {
    let project = Project::fixture("wasm-limits");
    project.write(".dev.vars", "API_TOKEN=s3cret\n");
    let verge = Verge::start(project, &[]).await;
    let var = client::get(&verge.url("/env?name=GREETING")).await;
    assert_eq!(var.text(), "hi from vars", "{}", var.describe());
    let secret = client::get(&verge.url("/env?name=API_TOKEN")).await;
    assert_eq!(secret.text(), "s3cret", "{}", secret.describe());
    // Nothing of the host's environment leaks in.
    let host = client::get(&verge.url("/env?name=PATH")).await;
    assert_eq!(host.status, 404, "{}", host.describe());
    // The same values through wasi:config/store.
    let config = client::get(&verge.url("/config?name=API_TOKEN")).await;
    assert_eq!(config.text(), "s3cret", "{}", config.describe());
    let unset = client::get(&verge.url("/config?name=NOPE")).await;
    assert_eq!(unset.status, 404, "{}", unset.describe());

    let logged = client::get(&verge.url("/log")).await;
    assert_eq!(logged.text(), "logged");
    let log = verge.expect_stderr("to stderr from /log").await;
    assert!(log.contains("to stdout from /log"), "{log}");
    assert!(
        log.lines()
            .filter(|l| l.contains("from /log"))
            .all(|l| l.contains("worker=\"wasm-limits\"")),
        "{log}"
    );
}

#[tokio::test]
async fn request_bodies_reach_the_guest() {
    let verge = limits_node().await;
    let body = client::random_bytes(3 * 1024 * 1024 + 5);
    let reply = client::call(Method::POST, &verge.url("/echo"), &[], body.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert_eq!(reply.header("x-length"), Some("3145733"));
    assert!(reply.body == body, "echoed body differs");
}

#[tokio::test]
async fn subrequests_go_through_the_gateway_and_are_capped() {
    let origin = Origin::start().await;
    let mut verge = limits_node().await;
    let three = client::get(&verge.url(&format!("/fetch?url={}/a&n=3", origin.url))).await;
    assert_eq!(three.status, 200, "{}", three.describe());
    assert_eq!(three.text(), "3 fetches, last status 201");
    let four = client::get(&verge.url(&format!("/fetch?url={}/b&n=4", origin.url))).await;
    assert_verge_error(&four, 503, "subrequest-limit", "Subrequest limit exceeded");
    let seen = origin
        .wait_for(6, Duration::from_secs(5))
        .await
        .expect("six requests reached the origin");
    assert_eq!(seen.len(), 6, "the fourth subrequest must not be sent");
    assert_ok(&mut verge).await;
}

#[tokio::test]
async fn a_broken_component_is_a_load_error_and_reload_keeps_the_last_good_one() {
    let project = Project::example("wasm-hello");
    std::fs::write(project.path().join("app.wasm"), b"\0asm not really").expect("write");
    let verge = Verge::start(project, &[]).await;
    verge.expect_stdout("Error loading worker:").await;
    let stdout = verge.expect_stdout("app.wasm").await;
    assert!(stdout.contains("WebAssembly component"), "{stdout}");
    let reply = client::get(&verge.url("/")).await;
    assert_verge_error(&reply, 500, "exception", "The worker failed to load");

    // Fixed: served.
    let good = std::fs::read(examples_dir().join("wasm-hello/app.wasm")).expect("read");
    std::fs::write(verge.project().path().join("app.wasm"), &good).expect("write");
    crate::support::eventually(Duration::from_secs(10), || async {
        let r = client::get(&verge.url("/")).await;
        (r.status == 200).then_some(())
    })
    .await
    .expect("the fixed component is served");

    // Broken again: the last good version keeps serving.
    std::fs::write(verge.project().path().join("app.wasm"), b"garbage").expect("write");
    verge
        .expect_stdout("Reload failed, still serving the last good version:")
        .await;
    let still = client::get(&verge.url("/")).await;
    assert_eq!(still.status, 200, "{}", still.describe());
}

/// Where `scripts/setup.d/20-wasm-guests.sh` put the guests it built from source.
fn built_guests() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("wasm-guests")
}

#[test]
fn checked_in_guests_are_what_their_sources_build_to() {
    let built = built_guests();
    let guests = [
        ("wasm-hello", examples_dir().join("wasm-hello/app.wasm")),
        (
            "wasm-mandelbrot",
            examples_dir().join("wasm-mandelbrot/app.wasm"),
        ),
        ("wasm-fetch", examples_dir().join("wasm-fetch/app.wasm")),
        ("wasm-limits", fixtures_dir().join("wasm-limits/app.wasm")),
    ];
    for (name, checked_in) in guests {
        let fresh = built.join(format!("{name}.wasm"));
        let fresh = std::fs::read(&fresh).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/setup.d/20-wasm-guests.sh builds the guests; scripts/test.sh runs it)",
                fresh.display()
            )
        });
        let ours = std::fs::read(&checked_in).expect("read the checked-in guest");
        assert!(
            fresh == ours,
            "{} differs from what its source builds to: run scripts/wasm-guests.sh and commit the result",
            checked_in.display()
        );
    }
}
