//! DOM events, AbortController/AbortSignal, the global error events, MessageChannel, performance, navigator,
//! and fetch() with a signal, through JS in real isolates. Expected values follow the DOM, HTML and Fetch
//! standards' examples and what Workers documents.

use crate::support::{SlowHost, eval, eval_with_host, isolate, request};
use std::rc::Rc;

#[tokio::test]
async fn dispatch_order_capture_first_and_options() {
    let out = eval(
        r#"const log = [];
        const t = new EventTarget();
        t.addEventListener("x", () => log.push("bubble-1"));
        t.addEventListener("x", { handleEvent(e) { log.push(`object:${this !== t}:${e.currentTarget === t}`) } });
        t.addEventListener("x", () => log.push("capture"), { capture: true });
        t.addEventListener("x", () => log.push("once"), { once: true });
        const dup = () => log.push("dup");
        t.addEventListener("x", dup); t.addEventListener("x", dup);
        t.addEventListener("x", dup, true);
        t.removeEventListener("x", dup, true);
        t.addEventListener("x", (e) => { e.preventDefault(); log.push(`passive:${e.defaultPrevented}`) }, { passive: true });
        const first = t.dispatchEvent(new Event("x", { cancelable: true }));
        log.push("--");
        t.dispatchEvent(new Event("x"));
        const e = new Event("y", { cancelable: true });
        t.addEventListener("y", (ev) => { ev.preventDefault(); log.push(`phase:${ev.eventPhase}:${ev.target === t}`) });
        const second = t.dispatchEvent(e);
        return { log, first, second, after: [e.eventPhase, e.currentTarget, e.defaultPrevented, e.isTrusted, e.composedPath().length] }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"log":["capture","bubble-1","object:true:true","once","dup","passive:false","--","capture","bubble-1","object:true:true","dup","passive:false","phase:2:true"],"first":true,"second":false,"after":[0,null,true,false,0]}"#
    );
}

#[tokio::test]
async fn stop_immediate_propagation_signal_option_and_errors_in_listeners() {
    let out = eval(
        r#"const log = [];
        const t = new EventTarget();
        t.addEventListener("x", (e) => { log.push("a"); e.stopImmediatePropagation() });
        t.addEventListener("x", () => log.push("b"));
        t.dispatchEvent(new Event("x"));
        const ac = new AbortController();
        t.addEventListener("z", () => log.push("z"), { signal: ac.signal });
        t.dispatchEvent(new Event("z"));
        ac.abort();
        t.dispatchEvent(new Event("z"));
        t.addEventListener("z", () => log.push("never"), { signal: ac.signal });
        t.dispatchEvent(new Event("z"));
        const reported = [];
        addEventListener("error", (e) => { reported.push(`${e.constructor.name}:${e.error.message}`); e.preventDefault() });
        t.addEventListener("boom", () => { throw new Error("listener broke") });
        t.addEventListener("boom", () => log.push("after boom"));
        t.dispatchEvent(new Event("boom"));
        let again = null;
        const ev = new Event("w");
        t.addEventListener("w", () => { try { t.dispatchEvent(ev) } catch (e) { again = e.name } });
        t.dispatchEvent(ev);
        let badSignal = null; try { t.addEventListener("q", () => {}, { signal: {} }) } catch (e) { badSignal = e.constructor.name }
        return { log, reported, again, badSignal }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"log":["a","z","after boom"],"reported":["ErrorEvent:listener broke"],"again":"InvalidStateError","badSignal":"TypeError"}"#
    );
}

#[tokio::test]
async fn event_classes_and_shapes() {
    let out = eval(
        r#"const c = new CustomEvent("c", { detail: { n: 1 }, bubbles: true });
        const er = new ErrorEvent("error", { message: "m", filename: "f.js", lineno: 3, colno: 4, error: 42 });
        const p = Promise.reject(1); p.catch(() => {});
        const pr = new PromiseRejectionEvent("unhandledrejection", { promise: p, reason: "r" });
        let noPromise = null; try { new PromiseRejectionEvent("x", {}) } catch (e) { noPromise = e.constructor.name }
        let noType = null; try { new Event() } catch (e) { noType = e.constructor.name }
        return { c: [c.type, c.detail.n, c.bubbles, c instanceof Event], er: [er.message, er.filename, er.lineno, er.colno, er.error],
                 pr: [pr.promise === p, pr.reason], noPromise, noType,
                 tags: [String(new Event("e")), String(new EventTarget()), String(c), String(pr)],
                 consts: [Event.AT_TARGET, new Event("e").BUBBLING_PHASE],
                 global: [globalThis instanceof EventTarget, self === globalThis, typeof dispatchEvent, String(navigator), navigator.userAgent] }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"c":["c",1,true,true],"er":["m","f.js",3,4,42],"pr":[true,"r"],"noPromise":"TypeError","noType":"TypeError","tags":["[object Event]","[object EventTarget]","[object CustomEvent]","[object PromiseRejectionEvent]"],"consts":[2,3],"global":[true,true,"function","[object Navigator]","verge"]}"#
    );
}

#[tokio::test]
async fn report_error_fires_error_event_and_onerror() {
    let out = eval(
        r#"const seen = [];
        const listener = (e) => seen.push(["listener", e.message, e.error?.message ?? e.error, e.cancelable, e.isTrusted]);
        addEventListener("error", listener);
        reportError(new TypeError("one"));
        onerror = (message, filename, lineno, colno, error) => { seen.push(["onerror", message, error]); return true };
        reportError("two");
        removeEventListener("error", listener);
        addEventListener("error", () => { throw new Error("in a listener") });
        onerror = null;
        reportError(3);
        addEventListener("error", (e) => { seen.push(["late", e.error.message]); e.preventDefault() });
        queueMicrotask(() => { throw new RangeError("micro") });
        await null; await null;
        const c = new AbortController();
        c.signal.addEventListener("abort", () => { throw new Error("abort listener") });
        c.abort();
        return seen"#,
    )
    .await;
    assert_eq!(
        out,
        r#"[["listener","Uncaught TypeError: one","one",true,true],["listener","Uncaught two","two",true,true],["onerror","Uncaught two","two"],["late","micro"],["late","abort listener"]]"#
    );
}

#[tokio::test]
async fn global_rejection_hooks_report_prevent_default() {
    // dispatchUnhandledRejection/dispatchGlobalError are the prelude's hooks for the host's tracker; reach them
    // through what they fire.
    let out = eval(
        r#"const seen = [];
        addEventListener("unhandledrejection", (e) => { seen.push([e.type, e.reason, e instanceof PromiseRejectionEvent]); e.preventDefault() });
        onunhandledrejection = (e) => seen.push(["handler", e.reason]);
        const p = Promise.reject("why"); p.catch(() => {});
        const ev = new PromiseRejectionEvent("unhandledrejection", { promise: p, reason: "why", cancelable: true });
        const notCancelled = dispatchEvent(ev);
        return { seen, notCancelled, prevented: ev.defaultPrevented }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"seen":[["unhandledrejection","why",true],["handler","why"]],"notCancelled":false,"prevented":true}"#
    );
}

#[tokio::test]
async fn abort_controller_and_signal_statics() {
    let out = eval(
        r#"const ac = new AbortController();
        const log = [];
        ac.signal.onabort = (e) => log.push(`onabort:${e.type}:${e.isTrusted}`);
        ac.signal.addEventListener("abort", () => log.push(`listener:${ac.signal.aborted}`));
        ac.abort();
        ac.abort("ignored");
        const reason = ac.signal.reason;
        let thrown = null; try { ac.signal.throwIfAborted() } catch (e) { thrown = e === reason }
        const pre = AbortSignal.abort("given");
        const t0 = Date.now();
        const timed = AbortSignal.timeout(15);
        const timedReason = await new Promise((resolve) => timed.addEventListener("abort", () => resolve(timed.reason)));
        const a = new AbortController(), b = new AbortController();
        const any = AbortSignal.any([a.signal, b.signal]);
        const anyOfAny = AbortSignal.any([any]);
        anyOfAny.onabort = () => log.push("any-of-any");
        b.abort("b went first");
        a.abort("a later");
        const already = AbortSignal.any([new AbortController().signal, pre]);
        let illegal = null; try { new AbortSignal() } catch (e) { illegal = e.constructor.name }
        let badTimeout = null; try { AbortSignal.timeout(-1) } catch (e) { badTimeout = e.constructor.name }
        let badAny = null; try { AbortSignal.any([{}]) } catch (e) { badAny = e.constructor.name }
        return { log, reason: [reason.name, reason.message, reason instanceof DOMException, reason.code], thrown,
                 pre: [pre.aborted, pre.reason], timed: [timedReason.name, timedReason.code, Date.now() - t0 >= 10],
                 any: [any.aborted, any.reason, anyOfAny.reason], already: [already.aborted, already.reason],
                 illegal, badTimeout, badAny, tag: String(ac.signal) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"log":["onabort:abort:true","listener:true","any-of-any"],"reason":["AbortError","This operation was aborted",true,20],"thrown":true,"pre":[true,"given"],"timed":["TimeoutError",23,true],"any":[true,"b went first","b went first"],"already":[true,"given"],"illegal":"TypeError","badTimeout":"TypeError","badAny":"TypeError","tag":"[object AbortSignal]"}"#
    );
}

#[tokio::test]
async fn abort_signal_cancels_a_pipe() {
    let out = eval(
        r#"const ac = new AbortController();
        let cancelled = null;
        let n = 0;
        const rs = new ReadableStream({ async pull(c) { await new Promise((r) => setTimeout(r, 1)); c.enqueue(n++) }, cancel(r) { cancelled = r } });
        const written = [];
        const piped = rs.pipeTo(new WritableStream({ write(c) { written.push(c) } }), { signal: ac.signal });
        await new Promise((r) => setTimeout(r, 10));
        ac.abort();
        let rejected = null; try { await piped } catch (e) { rejected = e.name }
        return { rejected, cancelled: cancelled?.name, wrote: written.length > 0 }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"rejected":"AbortError","cancelled":"AbortError","wrote":true}"#
    );
}

#[tokio::test]
async fn fetch_aborted_before_and_during_the_request() {
    let host = Rc::new(SlowHost::default());
    let dropped = host.dropped.clone();
    let out = eval_with_host(
        r#"const early = AbortSignal.abort();
        let before = null; try { await fetch("http://origin/slow-head", { signal: early }) } catch (e) { before = e.name }
        const ac = new AbortController();
        const req = new Request("http://origin/slow-head", { signal: ac.signal });
        const pending = fetch(req);
        setTimeout(() => ac.abort(), 20);
        let during = null; try { await pending } catch (e) { during = [e.name, e instanceof DOMException] }
        const custom = new AbortController();
        setTimeout(() => custom.abort(new RangeError("mine")), 5);
        let reason = null; try { await fetch("http://origin/slow-head", { signal: custom.signal }) } catch (e) { reason = `${e.constructor.name}: ${e.message}` }
        let timeout = null; try { await fetch("http://origin/slow-head", { signal: AbortSignal.timeout(10) }) } catch (e) { timeout = e.name }
        return { before, during, reason, timeout, reqSignal: [req.signal.aborted, req.signal !== ac.signal] }"#,
        host,
    )
    .await;
    assert_eq!(
        out,
        r#"{"before":"AbortError","during":["AbortError",true],"reason":"RangeError: mine","timeout":"TimeoutError","reqSignal":[true,true]}"#
    );
    assert_eq!(
        dropped.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "each aborted subrequest's host future was dropped"
    );
}

#[tokio::test]
async fn fetch_aborted_while_reading_the_body() {
    let host = Rc::new(SlowHost::default());
    let out = eval_with_host(
        r#"const ac = new AbortController();
        const res = await fetch("http://origin/slow-body", { signal: ac.signal });
        const reader = res.body.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        const next = reader.read();
        ac.abort();
        let err = null; try { await next } catch (e) { err = e.name }
        let closed = null; try { await reader.closed } catch (e) { closed = e.name }
        return { status: res.status, first, err, closed }"#,
        host,
    )
    .await;
    assert_eq!(
        out,
        r#"{"status":200,"first":"first","err":"AbortError","closed":"AbortError"}"#
    );
}

#[tokio::test]
async fn message_channel_delivers_in_order_as_tasks() {
    let out = eval(
        r#"const { port1, port2 } = new MessageChannel();
        const got = [];
        const done = new Promise((resolve) => {
          port2.onmessage = (e) => { got.push(e.data); if (got.length === 4) resolve() };
        });
        const obj = { nested: [1, { d: new Date(0) }] };
        port1.postMessage("a");
        port1.postMessage(obj);
        port1.postMessage(new Uint8Array([7]));
        let sync = got.length;
        await null;
        const afterMicrotask = got.length;
        port1.postMessage(3);
        await done;
        const cloned = got[1] !== obj && got[1].nested[1].d.getTime() === 0;
        // Without start(), addEventListener alone queues the messages.
        const c2 = new MessageChannel();
        const late = [];
        c2.port2.addEventListener("message", (e) => late.push(e.data));
        c2.port1.postMessage("queued");
        await new Promise((r) => setTimeout(r, 5));
        const beforeStart = late.length;
        c2.port2.start();
        await new Promise((r) => setTimeout(r, 5));
        c2.port1.close();
        c2.port1.postMessage("after close");
        await new Promise((r) => setTimeout(r, 5));
        let fn = null; try { port1.postMessage(() => 1) } catch (e) { fn = e.name }
        return { got: [got[0], got[2][0], got[3]], sync, afterMicrotask, cloned, beforeStart, late, fn,
                 ev: got.length && String(new MessageEvent("message", { data: 1 })) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"got":["a",7,3],"sync":0,"afterMicrotask":0,"cloned":true,"beforeStart":0,"late":["queued"],"fn":"DataCloneError","ev":"[object MessageEvent]"}"#
    );
}

#[tokio::test]
async fn performance_now_time_origin_and_user_timing() {
    let out = eval(
        r#"const a = performance.now();
        await new Promise((r) => setTimeout(r, 20));
        const b = performance.now();
        performance.mark("start", { detail: { k: 1 } });
        await new Promise((r) => setTimeout(r, 5));
        performance.mark("end");
        const m = performance.measure("span", "start", "end");
        const d = performance.measure("fixed", { start: 1, duration: 4 });
        let missing = null; try { performance.measure("x", "nope") } catch (e) { missing = e.name }
        const marks = performance.getEntriesByType("mark").map((e) => e.name);
        performance.clearMarks("start");
        return { advanced: b - a >= 15, monotonic: b >= a, origin: Math.abs(performance.timeOrigin + b - Date.now()) < 1000,
                 m: [m.entryType, m.duration >= 4], d: [d.startTime, d.duration], missing, marks,
                 left: performance.getEntries().map((e) => e.name), detail: performance.getEntriesByName("span")[0].detail,
                 json: JSON.stringify(d), tag: String(performance) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"advanced":true,"monotonic":true,"origin":true,"m":["measure",true],"d":[1,4],"missing":"SyntaxError","marks":["start","end"],"left":["end","span","fixed"],"detail":null,"json":"{\"name\":\"fixed\",\"entryType\":\"measure\",\"startTime\":1,\"duration\":4,\"detail\":null}","tag":"[object Performance]"}"#
    );
}

#[tokio::test]
async fn service_worker_form_uses_the_global_event_target() {
    let iso = isolate(&[(
        "w.js",
        r#"const seen = [];
        addEventListener("fetch", (event) => { seen.push(`${event instanceof Event}:${event.isTrusted}:${event.type}`) });
        addEventListener("fetch", { handleEvent(event) { event.respondWith(new Response(`${seen.join()} ${event.request.url}`)) } });
        addEventListener("fetch", (event) => {
          let second = null; try { event.respondWith(new Response("again")) } catch (e) { second = e.name }
          seen.push(second);
          const late = event;
          setTimeout(() => { try { late.respondWith(new Response("late")) } catch (e) { seen.push(e.name) } }, 0);
        });"#,
    )])
    .unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/a", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, "true:true:fetch http://x/a");
    let (_, _, body) = request(&iso, "GET", "http://x/b", None).await.unwrap();
    assert_eq!(
        body,
        "true:true:fetch,InvalidStateError,true:true:fetch http://x/b"
    );
}

#[tokio::test]
async fn service_worker_listener_exception_fails_the_request() {
    let iso = isolate(&[(
        "w.js",
        r#"addEventListener("fetch", () => { throw new Error("sw broke") });
        addEventListener("fetch", (e) => e.respondWith(new Response("unreached")));"#,
    )])
    .unwrap();
    let err = request(&iso, "GET", "http://x/", None).await.unwrap_err();
    assert!(err.to_string().contains("sw broke"), "{err}");
}
