//! Sandbox hygiene: no code generation from strings, a clock that moves only across I/O, no SharedArrayBuffer.

use crate::support::{eval, isolate_with, request};

#[tokio::test]
async fn code_generation_from_strings_is_refused() {
    let out = eval(
        r#"const tries = {
            eval: () => eval("1 + 1"),
            indirect: () => (0, globalThis.eval)("1"),
            Function: () => new Function("return 1")(),
            ctor: () => (function () {}).constructor("return 1")(),
            async: () => (async function () {}).constructor("return 1"),
            generator: () => (function* () {}).constructor("yield 1"),
        };
        const out = {};
        for (const [k, f] of Object.entries(tries)) {
            try { f(); out[k] = "ran" } catch (e) { out[k] = `${e.name}: ${e.message}` }
        }
        out.fnStillWorks = (function () { return typeof Function.prototype.call })();
        out.instanceOf = (() => {}) instanceof Function;
        return out"#,
    )
    .await;
    let refused = "EvalError: Code generation from strings disallowed for this context";
    for key in ["eval", "indirect", "Function", "ctor", "async", "generator"] {
        assert!(
            out.contains(&format!("\"{key}\":\"{refused}\"")),
            "{key}: {out}"
        );
    }
    assert!(out.contains("\"fnStillWorks\":\"function\""), "{out}");
    assert!(out.contains("\"instanceOf\":true"), "{out}");
}

#[tokio::test]
async fn eval_works_when_the_manifest_allows_it() {
    let iso = isolate_with(
        true,
        &[("w.js", "export default { fetch() { return new Response(String(eval('6 * 7') + new Function('return 1')())) } }")],
    )
    .unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "43"));
}

#[tokio::test]
async fn the_clock_moves_only_across_io() {
    let out = eval(
        r#"const t0 = Date.now();
        let x = 0; for (let i = 0; i < 3e5; i++) x += i;   // burn some CPU: the clock must not move
        const t1 = Date.now();
        const d = new Date();
        await new Promise((r) => setTimeout(r, 20));
        const t2 = Date.now();
        return { still: t1 === t0, sameAsNew: d.getTime() === t0, moved: t2 - t1 >= 15,
                 isDate: d instanceof Date, ctor: d.constructor === Date, str: typeof Date(),
                 parse: Date.parse("2020-01-01T00:00:00Z"), utc: Date.UTC(2020, 0, 1),
                 explicit: new Date(0).toISOString(), recent: t0 > 1.7e12 }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"still":true,"sameAsNew":true,"moved":true,"isDate":true,"ctor":true,"str":"string","parse":1577836800000,"utc":1577836800000,"explicit":"1970-01-01T00:00:00.000Z","recent":true}"#
    );
}

#[tokio::test]
async fn no_shared_array_buffer() {
    let out = eval(
        r#"return [typeof SharedArrayBuffer, typeof Atomics, "SharedArrayBuffer" in globalThis]"#,
    )
    .await;
    assert_eq!(out, r#"["undefined","object",false]"#);
}
