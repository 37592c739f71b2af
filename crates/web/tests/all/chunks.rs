//! The prelude's chunks (streams, Web Crypto's subtle, node:buffer, HTMLRewriter, ...): loaded on first use,
//! indistinguishable from globals installed up front once they are.

use crate::support::{isolate, request};

/// Every global a chunk stands for becomes a plain value when reached, and reaching them all adds no global
/// that was not there (as an accessor) before: no chunk defines a global the core does not know of.
#[tokio::test(flavor = "current_thread")]
async fn chunk_globals_become_plain_values() {
    let src = r#"
        export default { async fetch() {
          const d = (n) => Object.getOwnPropertyDescriptor(globalThis, n);
          const before = Object.getOwnPropertyNames(globalThis).sort();
          // Event handler attributes (onerror, ...) are accessors of their own.
          const lazy = before.filter((n) => d(n).get !== undefined && !n.startsWith("on"));
          for (const n of lazy) void globalThis[n];
          const registry = globalThis[Symbol.for("verge.node")];
          const modules = Object.keys(registry).filter((m) => Object.getOwnPropertyDescriptor(registry, m).get);
          for (const m of modules) void registry[m];
          const after = Object.getOwnPropertyNames(globalThis).sort();
          const bad = lazy.filter((n) => {
            const x = d(n);
            return x.get !== undefined || !x.writable || !x.configurable || x.enumerable || typeof x.value !== "function";
          });
          const stillLazy = Object.keys(registry).filter((m) => Object.getOwnPropertyDescriptor(registry, m).get);
          return Response.json({ lazy, modules, bad, stillLazy, same: JSON.stringify(before) === JSON.stringify(after) });
        } };
    "#;
    let iso = isolate(&[("w.js", src)]).unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let lazy: Vec<&str> = v["lazy"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    for name in [
        "ReadableStream",
        "WritableStream",
        "TransformStream",
        "CompressionStream",
        "TextDecoderStream",
        "CryptoKey",
        "SubtleCrypto",
        "URLPattern",
        "HTMLRewriter",
    ] {
        assert!(lazy.contains(&name), "{name} is not loaded lazily: {body}");
    }
    assert_eq!(v["modules"], serde_json::json!(["buffer"]), "{body}");
    assert_eq!(v["bad"], serde_json::json!([]), "{body}");
    assert_eq!(v["stillLazy"], serde_json::json!([]), "{body}");
    assert_eq!(v["same"], serde_json::json!(true), "{body}");
}

/// A worker that answers text and reads a request body as JSON or text loads no chunk: the streams stay
/// unloaded (their global is still the accessor), and so does everything else.
#[tokio::test(flavor = "current_thread")]
async fn plain_requests_load_no_chunk() {
    let src = r#"
        export default { async fetch(request) {
          const body = await request.json();
          const h = new Headers({ "x-a": "1" });
          const loaded = Object.getOwnPropertyNames(globalThis)
            .filter((n) => ["ReadableStream", "CryptoKey", "HTMLRewriter", "URLPattern", "CompressionStream"].includes(n))
            .filter((n) => Object.getOwnPropertyDescriptor(globalThis, n).get === undefined);
          return new Response(JSON.stringify({ got: body.n, loaded, uuid: crypto.randomUUID().length }), { headers: h });
        } };
    "#;
    let iso = isolate(&[("w.js", src)]).unwrap();
    let (status, _, body) = request(&iso, "POST", "http://x/", Some(r#"{"n":7}"#))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"got":7,"loaded":[],"uuid":36}"#);
}

/// A global the worker assigns before its chunk is loaded stays the worker's when the chunk loads later.
#[tokio::test(flavor = "current_thread")]
async fn a_replaced_global_survives_its_chunk() {
    let src = r#"
        globalThis.TransformStream = "mine";
        export default { async fetch() {
          const r = new Response("abc");
          const text = await new Response(r.body).text();
          return Response.json({ text, t: globalThis.TransformStream, rs: typeof ReadableStream });
        } };
    "#;
    let iso = isolate(&[("w.js", src)]).unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"text":"abc","t":"mine","rs":"function"}"#);
}

/// node:buffer comes from its chunk when imported.
#[tokio::test(flavor = "current_thread")]
async fn node_buffer_loads_on_import() {
    let src = r#"
        import { Buffer } from "node:buffer";
        export default { fetch() { return new Response(Buffer.from("hi").toString("hex")); } };
    "#;
    let iso = isolate(&[("w.js", src)]).unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "6869"));
}
