//! HTMLRewriter as a stream: the same output whatever the chunking, a large document through a small heap,
//! backpressure, errors and cancellation, async handlers, and the rewriter threads' lifetimes.

use super::{ALONE, HELPERS, run};
use crate::support::{NoNetwork, request};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::rc::Rc;
use verge_js::{Isolate, IsolateConfig};
use verge_web::WebSetup;
use verge_web::dispatch::{self, ResponseBody};

#[tokio::test]
async fn output_is_the_same_whatever_the_chunk_boundaries() {
    let out = run(r#"
        const doc = '<!DOCTYPE html><html><head><title>T&amp;t</title><!-- note --></head><body class="main">' +
          '<h1 id="top">Déjà vu ✓</h1><p>Some <a href="http://e.com/a?x=1&amp;y=2">link</a> text</p>' +
          '<img src="/i.png" alt="π"><script>if (a < b) { x = "</p>"; }</script><ul><li>one</li><li>two ✓✓</li></ul></body></html>';
        const make = () => new HTMLRewriter()
          .on("a[href]", { element(el) { el.setAttribute("href", el.getAttribute("href").replace("http:", "https:")); el.prepend("→"); } })
          .on("h1", { text(t) { t.replace(t.text.toUpperCase(), { html: true }); } })
          .on("li", { element(el) { el.onEndTag((end) => end.before("!")); } })
          .on("img", { element(el) { el.after("<figcaption>" + el.getAttribute("alt") + "</figcaption>", { html: true }); } })
          .onDocument({ comments(c) { c.text = c.text.trim().toUpperCase(); }, end(e) { e.append("<!--end-->", { html: true }); } });
        const results = {};
        for (const sizes of [undefined, 1, 2, 7, [3, 11, 1, 29], 64]) {
          results[JSON.stringify(sizes ?? "whole")] = await rewrite(make(), doc, sizes);
        }
        return results;
    "#)
    .await;
    let want = concat!(
        r#"<!DOCTYPE html><html><head><title>T&amp;t</title><!--NOTE--></head><body class="main">"#,
        r#"<h1 id="top">DÉJÀ VU ✓</h1><p>Some <a href="https://e.com/a?x=1&amp;y=2">→link</a> text</p>"#,
        r#"<img src="/i.png" alt="π"><figcaption>π</figcaption><script>if (a < b) { x = "</p>"; }</script><ul><li>one!</li><li>two ✓✓!</li></ul></body></html><!--end-->"#
    );
    let results = out.as_object().unwrap();
    assert_eq!(results.len(), 6);
    for (sizes, body) in results {
        assert_eq!(body, want, "chunk sizes {sizes}");
    }
}

#[tokio::test]
async fn handler_errors_error_the_body() {
    let out = run(r#"
        const thrown = new RangeError("boom");
        const sync = new HTMLRewriter().on("b", { element() { throw thrown; } }).transform(htmlResponse("<p>ok</p>".repeat(3000) + "<b>x</b>", 512));
        const reader = sync.body.getReader();
        let before = 0, error = null;
        try { for (;;) { const { done, value } = await reader.read(); if (done) break; before += value.length; } }
        catch (e) { error = e; }
        const asyncBody = new HTMLRewriter().on("b", { async element() { await null; throw new SyntaxError("later"); } })
          .transform(htmlResponse("<b>x</b>"));
        const endTag = new HTMLRewriter().on("b", { element(el) { el.onEndTag(() => { throw new Error("at the end"); }); } })
          .transform(htmlResponse("<b>x</b>"));
        const docEnd = new HTMLRewriter().onDocument({ end() { throw new Error("at the end of the document"); } })
          .transform(htmlResponse("<b>x</b>"));
        const failing = new ReadableStream({ pull(c) { c.error(new Error("source failed")); } });
        const source = new HTMLRewriter().on("b", { element() {} }).transform(new Response(failing));
        return { same: error === thrown, before, async: await errorOf(asyncBody.text()), endTag: await errorOf(endTag.text()),
                 docEnd: await errorOf(docEnd.text()), source: await errorOf(source.text()) };
    "#)
    .await;
    assert_eq!(
        out["same"], true,
        "the handler's own exception errors the body"
    );
    let before = out["before"].as_u64().unwrap();
    assert!(
        before > 0 && before <= 27_000,
        "output before the error streamed out: {before}"
    );
    assert_eq!(out["async"], "SyntaxError: later");
    assert_eq!(out["endTag"], "Error: at the end");
    assert_eq!(out["docEnd"], "Error: at the end of the document");
    assert_eq!(out["source"], "Error: source failed");
}

#[tokio::test]
async fn async_handlers_are_awaited_in_order() {
    let out = run(r#"
        const log = [];
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        const rw = new HTMLRewriter()
          .on("li", {
            async element(el) {
              const n = el.getAttribute("n");
              log.push(`start ${n}`);
              await sleep(n === "1" ? 20 : 1);
              el.setAttribute("done", n);
              el.onEndTag(async (end) => { await sleep(1); end.after(`<!--${n}-->`, { html: true }); log.push(`end ${n}`); });
              log.push(`finish ${n}`);
            },
            async text(t) { if (t.text) { await null; t.replace(t.text.toUpperCase()); } },
          })
          .onDocument({ end: async (e) => { await sleep(1); e.append("<footer>", { html: true }); log.push("doc end"); } });
        const body = await rewrite(rw, '<ul><li n="1">a</li><li n="2">b</li></ul>', 3);
        return { log, body };
    "#)
    .await;
    assert_eq!(
        out["log"],
        serde_json::json!([
            "start 1", "finish 1", "end 1", "start 2", "finish 2", "end 2", "doc end"
        ])
    );
    assert_eq!(
        out["body"],
        r#"<ul><li n="1" done="1">A</li><!--1--><li n="2" done="2">B</li><!--2--></ul><footer>"#
    );
}

#[tokio::test]
async fn cancelling_the_output_cancels_the_input() {
    let out = run(r#"
        let cancelled = null, pulls = 0;
        const src = new ReadableStream({
          pull(c) { pulls++; c.enqueue(new TextEncoder().encode("<p>" + "x".repeat(40000) + "</p>")); },
          cancel(reason) { cancelled = String(reason); },
        });
        const res = new HTMLRewriter().on("p", { element(el) { el.setAttribute("a", "b"); } }).transform(new Response(src));
        const reader = res.body.getReader();
        const first = await reader.read();
        await reader.cancel("enough");
        return { first: new TextDecoder().decode(first.value).slice(0, 12), cancelled, pulls };
    "#)
    .await;
    assert_eq!(out["first"], "<p a=\"b\">xxx");
    assert_eq!(out["cancelled"], "enough");
    assert!(
        out["pulls"].as_u64().unwrap() <= 2,
        "input is read only as output is: {}",
        out["pulls"]
    );
}

#[tokio::test]
async fn one_big_input_chunk_comes_out_in_pieces() {
    let out = run(r#"
        const page = "<p>" + "<i>x</i> ".repeat(250000) + "<b>y</b></p>"; // 2.25 MB, one chunk
        let seen = 0;
        const res = new HTMLRewriter().on("b", { element(el) { seen++; el.setAttribute("z", "1"); } }).transform(new Response(page));
        const reader = res.body.getReader();
        let chunks = 0, largest = 0, total = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks++; total += value.length; largest = Math.max(largest, value.length);
        }
        return { chunks, largest, same: total === page.length + ' z="1"'.length, seen };
    "#)
    .await;
    assert_eq!(out["same"], true);
    assert_eq!(out["seen"], 1);
    assert!(
        out["largest"].as_u64().unwrap() <= 80 * 1024,
        "output is handed out in bounded pieces: {out}"
    );
    assert!(
        out["chunks"].as_u64().unwrap() >= 2_250_000 / (80 * 1024),
        "{out}"
    );
}

#[tokio::test]
async fn many_transforms_in_a_row_release_their_threads() {
    // More than MAX_RUNNING_REWRITERS (256): each finished transform must give its place back.
    let out = run(r#"
        let total = 0;
        for (let i = 0; i < 300; i++) {
          const body = await rewrite(new HTMLRewriter().on("i", { element(el) { el.setAttribute("n", String(i)); } }), "<i></i>");
          if (body === `<i n="${i}"></i>`) total++;
        }
        // Transforms never read start no thread at all.
        for (let i = 0; i < 1000; i++) new HTMLRewriter().on("i", { element() {} }).transform(new Response("<i>"));
        return total;
    "#)
    .await;
    assert_eq!(out, 300);
}

fn big_isolate(memory_mb: u64) -> Isolate {
    let src = format!(
        "{HELPERS}\n{}",
        r#"
        export default {
          async fetch(request) {
            const buffered = new URL(request.url).pathname === "/buffered";
            const line = '<p class="row">' + "lorem ipsum dolor sit amet ".repeat(36) + '<a href="http://example.com/x">x</a></p>\n';
            const enc = new TextEncoder().encode(line);
            const lines = Math.ceil(5 * 1024 * 1024 / enc.length);
            let produced = 0;
            const source = new ReadableStream({
              pull(c) {
                if (produced >= lines) { c.close(); return; }
                const batch = Math.min(16, lines - produced);
                const chunk = new Uint8Array(enc.length * batch);
                for (let i = 0; i < batch; i++) chunk.set(enc, i * enc.length);
                produced += batch;
                c.enqueue(chunk);
              },
            }, { highWaterMark: 0 });
            let links = 0;
            const res = new HTMLRewriter()
              .on("a[href]", { element(el) { links++; el.setAttribute("href", el.getAttribute("href").replace("http:", "https:")); } })
              .transform(new Response(source, { headers: { "content-type": "text/html" } }));
            if (buffered) {
              const text = await res.text();
              return new Response(String(text.length));
            }
            const reader = res.body.getReader();
            let bytes = 0, secure = 0, producedAtFirst = -1;
            const needle = new TextEncoder().encode("https:");
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              if (producedAtFirst < 0) producedAtFirst = produced;
              bytes += value.length;
              for (let i = value.indexOf(104); i >= 0; i = value.indexOf(104, i + 1)) {
                if (needle.every((b, k) => value[i + k] === b)) secure++;
              }
            }
            return Response.json({ bytes, links, secure, lines, producedAtFirst, inputBytes: lines * enc.length });
          },
        };
    "#
    );
    isolate_with(src, memory_mb)
}

/// An isolate running `src` as `w.js`, with a heap of `memory_mb` and generous time limits.
fn isolate_with(src: String, memory_mb: u64) -> Isolate {
    let config = IsolateConfig {
        name: "big".into(),
        limits: verge_core::Limits {
            memory_mb,
            cpu_ms: 120_000,
            startup_cpu_ms: 60_000,
            wall_ms: 120_000,
            ..verge_core::Limits::default()
        },
        allow_eval: false,
        env: BTreeMap::new(),
    };
    let read = Box::new(move |p: &str| {
        if p == "w.js" {
            Ok(src.clone())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                p.to_owned(),
            ))
        }
    });
    let (compiled, _) = verge_js::compile::compile(&config, &WebSetup, "w.js", read).unwrap();
    Isolate::new(
        &config,
        &WebSetup,
        "w.js",
        verge_js::loader::Source::Bytecode(std::sync::Arc::new(compiled)),
    )
    .unwrap()
}

#[tokio::test]
async fn a_large_document_streams_through_a_small_heap() {
    // 5 MiB in, about as much out, through an isolate whose whole heap is 8 MiB.
    let _shared = ALONE.read().await;
    let iso = big_isolate(8);
    let (status, _, body) = request(&iso, "GET", "http://x/streamed", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let out: serde_json::Value = serde_json::from_str(&body).unwrap();
    let lines = out["lines"].as_u64().unwrap();
    assert_eq!(out["links"], lines, "every link was seen");
    assert_eq!(out["secure"], lines, "every link was rewritten");
    assert_eq!(
        out["bytes"].as_u64().unwrap(),
        out["inputBytes"].as_u64().unwrap() + lines,
        "one more byte a line (http -> https)"
    );
    assert!(
        out["producedAtFirst"].as_u64().unwrap() < lines / 10,
        "output started before the input was all produced: {out}"
    );

    // The same document buffered whole does not fit: the small heap is what the streaming test relies on.
    let iso = big_isolate(8);
    let buffered = request(&iso, "GET", "http://x/buffered", None).await;
    assert!(
        buffered.is_err() || buffered.as_ref().is_ok_and(|r| r.0 != 200),
        "buffering 5 MiB should not fit in 8 MiB: {:?}",
        buffered.map(|r| (r.0, r.2))
    );
}

/// Rewriter threads alive in this process (Linux names them `verge-html-rewr`, cut to 15 bytes).
fn rewriter_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.trim_end() == "verge-html-rewr")
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn an_abandoned_transform_ends_its_thread() {
    // Alone: other tests' rewriter threads would blur the count.
    let _alone = ALONE.write().await;
    let iso = isolate_with(
        r#"export default { fetch() {
            const page = "<p>" + "<i>x</i>".repeat(100000) + "</p>";
            return new HTMLRewriter().on("i", { element(el) { el.setAttribute("a", "1"); } }).transform(new Response(page));
        } }"#
            .to_owned(),
        64,
    );
    let before = rewriter_threads();
    let empty = http_body_util::Empty::new()
        .map_err(|e| match e {})
        .boxed_unsync();
    let req = http::Request::get("http://x/").body(empty).unwrap();
    let resp = dispatch::dispatch(&iso, req, "http://x/", "{}", Rc::new(NoNetwork))
        .await
        .unwrap();
    let ResponseBody::Js(stream) = resp.body else {
        panic!("a streamed body")
    };
    let first = dispatch::next_chunk(&iso, &stream).await.unwrap().unwrap();
    assert!(first.starts_with(b"<p>"), "{first:?}");
    assert_eq!(
        rewriter_threads(),
        before + 1,
        "one thread while the body is read"
    );
    // The client goes away: the body is dropped half-read, the request ends.
    drop(stream);
    dispatch::end(&iso);
    iso.collect_garbage();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while rewriter_threads() > before && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(rewriter_threads(), before, "the thread ended");
}
