//! Request, Response, Headers, URL, encoding, timers and friends, through JS in a real isolate.
//! Expected values follow the Fetch, URL, Encoding and HTML standards' examples.

use crate::support::{eval, isolate, request};

#[tokio::test]
async fn hello_module_form() {
    let iso = isolate(&[(
        "w.js",
        "export default { fetch(req, env) { return new Response(`hello ${env.GREETING} ${new URL(req.url).pathname}`) } }",
    )])
    .unwrap();
    let (status, headers, body) = request(&iso, "GET", "http://x/a/b", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, "hello hi /a/b");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/plain"))
    );
}

#[tokio::test]
async fn isolate_state_survives_between_requests() {
    let iso = isolate(&[(
        "w.js",
        "let n = 0; export default { fetch() { n++; return new Response(String(n)) } }",
    )])
    .unwrap();
    for want in ["1", "2", "3"] {
        let (_, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
        assert_eq!(body, want);
    }
}

#[tokio::test]
async fn headers_combine_sort_and_guard() {
    let out = eval(
        r#"const h = new Headers({"X-B": "1", "x-a": " 2 "});
        h.append("x-b", "3");
        h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
        const errors = [];
        try { h.append("bad name", "x") } catch (e) { errors.push(e.constructor.name) }
        try { h.set("x", "a\nb") } catch (e) { errors.push(e.constructor.name) }
        try { h.set("x", "\u0100") } catch (e) { errors.push(e.constructor.name) }
        const req = new Request("http://x/", { headers: h });
        return { entries: [...h], b: h.get("X-b"), cookies: h.getSetCookie(), has: h.has("X-A"), errors,
                 copied: req.headers.get("x-a") }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"entries":[["set-cookie","a=1"],["set-cookie","b=2"],["x-a","2"],["x-b","1, 3"]],"b":"1, 3","cookies":["a=1","b=2"],"has":true,"errors":["TypeError","TypeError","TypeError"],"copied":"2"}"#
    );
}

#[tokio::test]
async fn incoming_request_headers_are_immutable() {
    let iso = isolate(&[(
        "w.js",
        "export default { fetch(req) { try { req.headers.set('a', 'b'); return new Response('mutable') } catch (e) { return new Response(e.constructor.name) } } }",
    )])
    .unwrap();
    let (_, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!(body, "TypeError");
}

#[tokio::test]
async fn url_parsing_setters_and_search_params() {
    let out = eval(
        r##"const u = new URL("../c/d?x=1&y=%20z#frag", "https://user:pw@EXAMPLE.com:443/a/b/");
        const parts = [u.href, u.origin, u.host, u.pathname, u.search, u.hash, u.username];
        u.searchParams.append("q", "a b&c");
        u.port = "8443"; u.hash = "";
        const p = new URLSearchParams("b=2&a=1&b=1"); p.sort();
        let invalid = null; try { new URL("not a url") } catch (e) { invalid = e.constructor.name }
        return { parts, after: u.href, sorted: p.toString(), getAll: p.getAll("b"), invalid,
                 canParse: URL.canParse("/x", "http://h"), idn: new URL("http://bücher.example/").hostname,
                 fromObj: new URLSearchParams({ a: "1", "b c": "é" }).toString() }"##,
    )
    .await;
    assert_eq!(
        out,
        r##"{"parts":["https://user:pw@example.com/a/c/d?x=1&y=%20z#frag","https://example.com","example.com","/a/c/d","?x=1&y=%20z","#frag","user"],"after":"https://user:pw@example.com:8443/a/c/d?x=1&y=+z&q=a+b%26c","sorted":"a=1&b=2&b=1","getAll":["2","1"],"invalid":"TypeError","canParse":true,"idn":"xn--bcher-kva.example","fromObj":"a=1&b+c=%C3%A9"}"##
    );
}

#[tokio::test]
async fn text_encoding_and_base64() {
    let out = eval(
        r#"const e = new TextEncoder().encode("héllo €😀");
        const d = new TextDecoder();
        const streamed = d.decode(e.subarray(0, 3), { stream: true }) + d.decode(e.subarray(3, 9), { stream: true }) + d.decode(e.subarray(9));
        let fatal = null; try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])) } catch (x) { fatal = x.constructor.name }
        let bad = null; try { atob("a") } catch (x) { bad = x.name }
        let wide = null; try { btoa("€") } catch (x) { wide = x.name }
        const into = new Uint8Array(4); const r = new TextEncoder().encodeInto("a€", into);
        return { len: e.length, streamed, lossy: new TextDecoder().decode(new Uint8Array([0x61, 0xff])), fatal,
                 bom: new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
                 b64: btoa("hi\u00ff"), back: atob(" aGn/ "), bad, wide, into: [r.read, r.written, ...into] }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"len":14,"streamed":"héllo €😀","lossy":"a�","fatal":"TypeError","bom":"A","b64":"aGn/","back":"hiÿ","bad":"InvalidCharacterError","wide":"InvalidCharacterError","into":[2,4,97,226,130,172]}"#
    );
}

#[tokio::test]
async fn response_and_request_semantics() {
    let out = eval(
        r#"const r = new Response("abc", { status: 201, statusText: "Made" });
        const c = r.clone();
        const t = await r.text();
        const used = r.bodyUsed;
        let again = null; try { await r.text() } catch (e) { again = e.constructor.name }
        const j = Response.json({ a: 1 }, { headers: { "x-y": "z" } });
        const red = Response.redirect("https://example.com/next", 301);
        const errs = [];
        try { new Response("x", { status: 204 }) } catch (e) { errs.push(e.constructor.name) }
        try { new Response(null, { status: 99 }) } catch (e) { errs.push(e.constructor.name) }
        try { Response.redirect("https://e/", 200) } catch (e) { errs.push(e.constructor.name) }
        try { new Request("http://x/", { method: "GET", body: "no" }) } catch (e) { errs.push(e.constructor.name) }
        const req = new Request("http://x/p", { method: "post", body: JSON.stringify({ k: [1, 2] }) });
        const req2 = new Request(req, { headers: { a: "b" } });
        return { t, used, again, cloned: await c.text(), status: c.status, statusText: c.statusText, ok: c.ok,
                 jtype: j.headers.get("content-type"), jx: j.headers.get("x-y"), jbody: await j.json(),
                 red: [red.status, red.headers.get("location")], errs, method: req2.method,
                 body: await req2.json(), moved: req.bodyUsed, bytes: [...await new Response(new Uint8Array([1, 2])).bytes()] }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"t":"abc","used":true,"again":"TypeError","cloned":"abc","status":201,"statusText":"Made","ok":true,"jtype":"application/json","jx":"z","jbody":{"a":1},"red":[301,"https://example.com/next"],"errs":["TypeError","RangeError","RangeError","TypeError"],"method":"POST","body":{"k":[1,2]},"moved":true,"bytes":[1,2]}"#
    );
}

#[tokio::test]
async fn timers_microtasks_and_clone() {
    let out = eval(
        r#"const order = [];
        setTimeout(() => order.push("t2"), 20);
        const cancelled = setTimeout(() => order.push("never"), 5);
        clearTimeout(cancelled);
        setTimeout(() => order.push("t1"), 1);
        queueMicrotask(() => order.push("micro"));
        let n = 0; const iv = setInterval(() => { if (++n === 3) clearInterval(iv) }, 1);
        await new Promise((r) => setTimeout(r, 40));
        const src = { m: new Map([[1, { d: new Date(0) }]]), s: new Set([1n]), u: new Uint8Array([1, 2]) };
        src.self = src;
        const c = structuredClone(src);
        let dce = null; try { structuredClone(() => 1) } catch (e) { dce = e.name }
        return { order, n, cloneOk: c.self === c && c.m.get(1).d.getTime() === 0 && c.u[1] === 2 && c !== src && c.s.has(1n), dce }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"order":["micro","t1","t2"],"n":3,"cloneOk":true,"dce":"DataCloneError"}"#
    );
}

#[tokio::test]
async fn streams_transform_and_bodies() {
    let out = eval(
        r#"const upper = new TransformStream({ transform(chunk, c) { c.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).toUpperCase())) } });
        const body = new Response("stream me").body.pipeThrough(upper);
        const text = await new Response(body).text();
        let i = 0;
        const counted = new ReadableStream({ pull(c) { if (i < 3) c.enqueue(new Uint8Array([65 + i++])); else c.close(); } });
        const [a, b] = counted.tee();
        return { text, a: await new Response(a).text(), b: await new Response(b).text() }"#,
    )
    .await;
    assert_eq!(out, r#"{"text":"STREAM ME","a":"ABC","b":"ABC"}"#);
}

#[tokio::test]
async fn crypto_random() {
    let out = eval(
        r#"const a = crypto.getRandomValues(new Uint32Array(8));
        let big = null; try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { big = e.name }
        let float = null; try { crypto.getRandomValues(new Float64Array(1)) } catch (e) { float = e.name }
        const ids = new Set(Array.from({ length: 100 }, () => crypto.randomUUID()));
        return { nonzero: a.some((x) => x !== 0), big, float, unique: ids.size,
                 v4: [...ids].every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"nonzero":true,"big":"QuotaExceededError","float":"TypeMismatchError","unique":100,"v4":true}"#
    );
}

#[tokio::test]
async fn fetch_outside_a_request_and_without_network() {
    let out = eval(
        r#"try { await fetch("https://example.com/"); return "sent" } catch (e) { return `${e.constructor.name}: ${e.message}` }"#,
    )
    .await;
    assert_eq!(out, r#""TypeError: no network in this test""#);
}

#[tokio::test]
async fn json_and_text_modules() {
    let iso = isolate(&[
        (
            "w.js",
            "import d from './d.json'; import t from './t.txt'; export default { fetch() { return Response.json({ len: d.s.length, n: d.n, t }) } }",
        ),
        ("d.json", r#"{"s": "\ud800x", "n": [1, 2]}"#),
        ("t.txt", "line 1\n\"quoted\" `tick` ${x}\n"),
    ])
    .unwrap();
    let (_, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!(
        body,
        r#"{"len":2,"n":[1,2],"t":"line 1\n\"quoted\" `tick` ${x}\n"}"#
    );
    let bad = isolate(&[
        (
            "w.js",
            "import d from './bad.json'; export default { fetch() { return new Response(d) } }",
        ),
        ("bad.json", "{\"a\": "),
    ]);
    let err = bad.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("bad.json is not valid JSON"), "{err}");
}

/// Every global of ECMA-429 (WinterTC Minimum Common Web API), with the type it must have.
#[tokio::test]
async fn ecma_429_globals() {
    let out = eval(
        r#"const fns = ["AbortController", "AbortSignal", "Blob", "ByteLengthQueuingStrategy", "CompressionStream",
          "CountQueuingStrategy", "Crypto", "CryptoKey", "CustomEvent", "DecompressionStream", "DOMException",
          "ErrorEvent", "Event", "EventTarget", "File", "FormData", "Headers", "MessageChannel", "MessageEvent",
          "MessagePort", "Performance", "PromiseRejectionEvent", "ReadableByteStreamController", "ReadableStream",
          "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest", "ReadableStreamDefaultController",
          "ReadableStreamDefaultReader", "Request", "Response", "SubtleCrypto", "TextDecoder", "TextDecoderStream",
          "TextEncoder", "TextEncoderStream", "TransformStream", "TransformStreamDefaultController", "URL",
          "URLPattern", "URLSearchParams", "WritableStream", "WritableStreamDefaultController",
          "WritableStreamDefaultWriter", "atob", "btoa", "clearInterval", "clearTimeout", "fetch", "queueMicrotask",
          "reportError", "setInterval", "setTimeout", "structuredClone", "addEventListener", "removeEventListener",
          "dispatchEvent"];
        const objects = ["console", "crypto", "navigator", "performance", "self", "globalThis"];
        const missing = fns.filter((n) => typeof globalThis[n] !== "function")
          .concat(objects.filter((n) => typeof globalThis[n] !== "object"));
        return { missing, ua: typeof navigator.userAgent, self: self === globalThis,
                 subtle: crypto.subtle instanceof SubtleCrypto, et: globalThis instanceof EventTarget }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"missing":[],"ua":"string","self":true,"subtle":true,"et":true}"#
    );
}
