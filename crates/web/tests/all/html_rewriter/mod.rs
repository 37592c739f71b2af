//! HTMLRewriter, through JS in real isolates: every handler type and token method, selectors, stale
//! tokens and argument checks here; chunking, streaming, errors, async handlers and threads in [`streaming`].
//! Expected outputs follow lol_html's serialisation (as on Workers).

mod streaming;

use crate::support::eval;
use tokio::sync::RwLock;

/// Tests that count rewriter threads take this for writing; every other test here for reading.
static ALONE: RwLock<()> = RwLock::const_new(());

/// Helpers every test's JS gets: a streamed HTML response cut into chunks, and a one-call rewrite.
const HELPERS: &str = r#"
function streamOf(text, sizes) {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const cut = sizes === undefined ? [bytes.length || 1] : (Array.isArray(sizes) ? sizes : [sizes]);
  let i = 0, k = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bytes.length) { c.close(); return; }
      const n = cut[k++ % cut.length];
      c.enqueue(bytes.slice(i, i + n));
      i += n;
    },
  });
}
function htmlResponse(text, sizes, init) {
  return new Response(streamOf(text, sizes), init ?? { headers: { "content-type": "text/html; charset=utf-8" } });
}
async function rewrite(rw, text, sizes) {
  return await rw.transform(htmlResponse(text, sizes)).text();
}
async function errorOf(promise) {
  try { await promise; return "no error"; } catch (e) { return `${e.constructor.name}: ${e.message}`; }
}
function errorOfSync(f) {
  try { f(); return "no error"; } catch (e) { return `${e.constructor.name}: ${e.message}`; }
}
"#;

async fn run(body: &str) -> serde_json::Value {
    let _shared = ALONE.read().await;
    let out = eval(&format!("{HELPERS}\n{body}")).await;
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn element_reads_tag_namespace_and_attributes() {
    let out = run(r#"
        const seen = [];
        const rw = new HTMLRewriter().on("*", {
          element(el) {
            seen.push({ tag: el.tagName, ns: el.namespaceURI, attrs: [...el.attributes],
                        href: el.getAttribute("HREF"), missing: el.getAttribute("nope"), bad: el.getAttribute("a b"),
                        has: el.hasAttribute("Data-X"), removed: el.removed });
          },
        });
        const body = await rewrite(rw, '<DIV Data-X="1" class=a><a href="/p?q=1&amp;r">x</a><svg viewBox="0 0 1 1"><circle r=1 /></svg></DIV>');
        return { seen, body };
    "#)
    .await;
    let seen = &out["seen"];
    assert_eq!(seen[0]["tag"], "div");
    assert_eq!(seen[0]["ns"], "http://www.w3.org/1999/xhtml");
    assert_eq!(
        seen[0]["attrs"],
        serde_json::json!([["data-x", "1"], ["class", "a"]])
    );
    assert_eq!(seen[0]["has"], true);
    assert_eq!(seen[1]["tag"], "a");
    assert_eq!(
        seen[1]["href"], "/p?q=1&amp;r",
        "values come raw, entities kept"
    );
    assert_eq!(seen[1]["missing"], serde_json::Value::Null);
    assert_eq!(seen[1]["bad"], serde_json::Value::Null);
    assert_eq!(seen[1]["has"], false);
    assert_eq!(seen[2]["tag"], "svg");
    assert_eq!(seen[2]["ns"], "http://www.w3.org/2000/svg");
    assert_eq!(seen[3]["tag"], "circle");
    assert_eq!(seen[3]["ns"], "http://www.w3.org/2000/svg");
    assert_eq!(seen[3]["removed"], false);
    assert_eq!(
        out["body"],
        r#"<DIV Data-X="1" class=a><a href="/p?q=1&amp;r">x</a><svg viewBox="0 0 1 1"><circle r=1 /></svg></DIV>"#,
        "no mutation, no change"
    );
}

#[tokio::test]
async fn element_attribute_and_tag_mutations() {
    let out = run(r#"
        const log = [];
        const rw = new HTMLRewriter().on("a", {
          element(el) {
            el.setAttribute("HREF", "/new").setAttribute("title", 'say "hi"').removeAttribute("TARGET");
            log.push(el.getAttribute("href"), el.getAttribute("title"), el.hasAttribute("target"), [...el.attributes]);
            log.push(errorOfSync(() => el.setAttribute("a b", "x")), errorOfSync(() => el.setAttribute("", "x")));
            log.push(errorOfSync(() => { el.tagName = "1x"; }), errorOfSync(() => { el.tagName = "x>"; }));
            el.tagName = "SPAN";
            log.push(el.tagName);
          },
        });
        const body = await rewrite(rw, '<p><a href="/old" target=_blank>x</a></p>');
        return { log, body };
    "#)
    .await;
    assert_eq!(
        out["log"],
        serde_json::json!([
            "/new",
            "say \"hi\"",
            false,
            [["href", "/new"], ["title", "say \"hi\""]],
            "TypeError: `\u{20}` character is forbidden in the attribute name",
            "TypeError: Attribute name can't be empty.",
            "TypeError: The first character of the tag name should be an ASCII alphabetical character.",
            "TypeError: `>` character is forbidden in the tag name",
            "span"
        ])
    );
    assert_eq!(
        out["body"],
        r#"<p><SPAN href="/new" title="say &quot;hi&quot;">x</SPAN></p>"#
    );
}

#[tokio::test]
async fn element_content_methods_with_and_without_html() {
    let out = run(r#"
        const cases = {
          before: (el, o) => el.before("<i>&</i>", o),
          after: (el, o) => el.after("<i>&</i>", o),
          prepend: (el, o) => el.prepend("<i>&</i>", o),
          append: (el, o) => el.append("<i>&</i>", o),
          setInnerContent: (el, o) => el.setInnerContent("<i>&</i>", o),
          replace: (el, o) => el.replace("<i>&</i>", o),
          remove: (el) => el.remove(),
          removeAndKeepContent: (el) => el.removeAndKeepContent(),
        };
        const out = {};
        for (const [name, f] of Object.entries(cases)) {
          for (const html of [false, true]) {
            let removed, chained;
            const rw = new HTMLRewriter().on("b", { element(el) { chained = f(el, html ? { html: true } : undefined) === el; removed = el.removed; } });
            out[`${name}${html ? "Html" : ""}`] = [await rewrite(rw, "<p>1<b>2<u>3</u></b>4</p>"), removed, chained];
          }
        }
        return out;
    "#)
    .await;
    let expect = |key: &str, body: &str, removed: bool| {
        assert_eq!(out[key][0], body, "{key}");
        assert_eq!(out[key][1], removed, "{key} removed");
        assert_eq!(out[key][2], true, "{key} returns the element");
    };
    expect(
        "before",
        "<p>1&lt;i&gt;&amp;&lt;/i&gt;<b>2<u>3</u></b>4</p>",
        false,
    );
    expect("beforeHtml", "<p>1<i>&</i><b>2<u>3</u></b>4</p>", false);
    expect(
        "after",
        "<p>1<b>2<u>3</u></b>&lt;i&gt;&amp;&lt;/i&gt;4</p>",
        false,
    );
    expect("afterHtml", "<p>1<b>2<u>3</u></b><i>&</i>4</p>", false);
    expect(
        "prepend",
        "<p>1<b>&lt;i&gt;&amp;&lt;/i&gt;2<u>3</u></b>4</p>",
        false,
    );
    expect("prependHtml", "<p>1<b><i>&</i>2<u>3</u></b>4</p>", false);
    expect(
        "append",
        "<p>1<b>2<u>3</u>&lt;i&gt;&amp;&lt;/i&gt;</b>4</p>",
        false,
    );
    expect("appendHtml", "<p>1<b>2<u>3</u><i>&</i></b>4</p>", false);
    expect(
        "setInnerContent",
        "<p>1<b>&lt;i&gt;&amp;&lt;/i&gt;</b>4</p>",
        false,
    );
    expect("setInnerContentHtml", "<p>1<b><i>&</i></b>4</p>", false);
    expect("replace", "<p>1&lt;i&gt;&amp;&lt;/i&gt;4</p>", true);
    expect("replaceHtml", "<p>1<i>&</i>4</p>", true);
    expect("remove", "<p>14</p>", true);
    expect("removeHtml", "<p>14</p>", true);
    expect("removeAndKeepContent", "<p>12<u>3</u>4</p>", true);
    expect("removeAndKeepContentHtml", "<p>12<u>3</u>4</p>", true);
}

#[tokio::test]
async fn content_must_be_a_string() {
    let out = run(r#"
        const errors = [];
        const rw = new HTMLRewriter().on("p", {
          element(el) {
            errors.push(errorOfSync(() => el.append(new Response("x"))));
            errors.push(errorOfSync(() => el.append(new ReadableStream())));
            errors.push(errorOfSync(() => el.append("x", 5)));
            el.append(42).append({ toString() { return "!"; } });
          },
        });
        return { errors, body: await rewrite(rw, "<p></p>") };
    "#)
    .await;
    assert_eq!(
        out["errors"][0],
        "TypeError: Replacing HTML content using a ReadableStream or Response object is not implemented. You must provide a string."
    );
    assert_eq!(out["errors"][0], out["errors"][1]);
    assert!(out["errors"][2].as_str().unwrap().starts_with("TypeError"));
    assert_eq!(out["body"], "<p>42!</p>");
}

#[tokio::test]
async fn end_tag_handlers() {
    let out = run(r#"
        const names = [];
        const rw = new HTMLRewriter()
          .on("b", { element(el) { el.onEndTag((end) => { names.push(end.name); end.before("<i>", { html: true }).after("&"); end.name = "STRONG"; names.push(end.name); }); } })
          .on("u", { element(el) { el.onEndTag(() => names.push("replaced")); el.onEndTag((end) => { names.push("last wins"); end.remove(); }); } })
          .on("br", { element(el) { names.push(errorOfSync(() => el.onEndTag(() => {}))); } })
          .on("s", { element(el) { names.push(errorOfSync(() => el.onEndTag("nope"))); } });
        const body = await rewrite(rw, "<p><b>1</b><u>2</u><br><s>3</s></p>");
        return { names, body };
    "#)
    .await;
    assert_eq!(
        out["names"],
        serde_json::json!([
            "b",
            "strong",
            "last wins",
            "TypeError: Parser error: br can't have content",
            "TypeError: onEndTag() expects a function"
        ])
    );
    assert_eq!(out["body"], "<p><b>1<i></STRONG>&amp;<u>2<br><s>3</s></p>");
}

#[tokio::test]
async fn comments_in_elements_and_in_the_document() {
    let out = run(r#"
        const seen = [];
        const rw = new HTMLRewriter()
          .on("p", {
            comments(c) {
              seen.push(c.text, c.removed);
              if (c.text === " a ") { c.text = "A"; seen.push(c.text); c.before("<x>").after("<y>", { html: true }); }
              else if (c.text === " b ") { c.replace("<z>", { html: true }); seen.push(c.removed); }
              else { seen.push(errorOfSync(() => { c.text = "-->"; })); c.remove(); seen.push(c.removed); }
            },
          })
          .onDocument({ comments(c) { seen.push(`doc:${c.text}:${c.removed}`); } });
        const body = await rewrite(rw, "<!--top--><p><!-- a --><!-- b --><!--c--></p>");
        return { seen, body };
    "#)
    .await;
    assert_eq!(
        out["seen"],
        serde_json::json!([
            "doc:top:false",
            " a ",
            false,
            "A",
            "doc:A:false",
            " b ",
            false,
            true,
            "doc: b :true",
            "c",
            false,
            "TypeError: Comment text shouldn't contain a comment-closing sequence.",
            true,
            "doc:c:true"
        ])
    );
    assert_eq!(out["body"], "<!--top--><p>&lt;x&gt;<!--A--><y><z></p>");
}

#[tokio::test]
async fn text_chunks_in_elements_and_in_the_document() {
    let out = run(r#"
        const seen = [];
        let docText = "";
        const rw = new HTMLRewriter()
          .on("b", {
            text(t) {
              seen.push([t.text, t.lastInTextNode, t.removed]);
              if (t.text === "bold") t.replace("<i>B</i>", { html: true });
              else if (t.text.length) t.before("[").after("]", { html: false });
              seen.push(t.removed);
            },
          })
          .on("u", { text(t) { t.remove(); } })
          .onDocument({ text(t) { docText += t.text; } });
        const body = await rewrite(rw, "<p>a <b>bold</b> <b>x&lt;</b><u>gone</u></p>");
        return { seen, docText, body };
    "#)
    .await;
    assert_eq!(
        out["seen"],
        serde_json::json!([
            ["bold", false, false],
            true,
            ["", true, false],
            false,
            ["x&lt;", false, false],
            false,
            ["", true, false],
            false
        ])
    );
    assert_eq!(out["docText"], "a bold x&lt;gone");
    assert_eq!(
        out["body"],
        "<p>a <b><i>B</i></b> <b>[x&lt;]</b><u></u></p>"
    );
}

#[tokio::test]
async fn doctype_and_document_end() {
    let out = run(r#"
        const seen = [];
        const rw = new HTMLRewriter().onDocument({
          doctype(d) { seen.push([d.name, d.publicId, d.systemId]); },
          end(end) { end.append("<!-- done -->", { html: true }).append("<&>"); },
        });
        const a = await rewrite(rw, '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd"><p>x</p>');
        const b = await rewrite(rw, "<!doctype html><p>y</p>");
        const c = await rewrite(rw, "");
        return { seen, a, b, c };
    "#)
    .await;
    assert_eq!(
        out["seen"],
        serde_json::json!([
            [
                "html",
                "-//W3C//DTD HTML 4.01//EN",
                "http://www.w3.org/TR/html4/strict.dtd"
            ],
            ["html", null, null]
        ])
    );
    assert_eq!(
        out["a"],
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd"><p>x</p><!-- done -->&lt;&amp;&gt;"#
    );
    assert_eq!(
        out["b"],
        "<!doctype html><p>y</p><!-- done -->&lt;&amp;&gt;"
    );
    assert_eq!(out["c"], "<!-- done -->&lt;&amp;&gt;");
}

#[tokio::test]
async fn selectors_match_as_lol_html_does() {
    let out = run(r##"
        const doc = '<div id=main class="a b"><p class=x>1</p><p>2</p><span><p>3</p></span><a href="https://e.com/x">4</a><a href="/y" lang=en-US>5</a><input disabled></div><p>6</p>';
        const out = {};
        for (const sel of ["p", "div > p", "div p", ".x", "#main", "p:nth-child(2)", "p:first-child", "p:not(.x)", "[disabled]",
                           'a[href^="https"]', 'a[href$="y"]', 'a[href*="e.com"]', 'a[lang|="en"]', '[class~="b"]', "*", "span p, #main > a"]) {
          const tags = [];
          const rw = new HTMLRewriter().on(sel, { element(el) { tags.push(el.tagName + (el.getAttribute("id") ?? "")); } })
            .on(sel, { text(t) { if (t.text) tags.push(t.text); } });
          await rewrite(rw, doc);
          out[sel] = tags.join(" ");
        }
        out.invalid = [errorOfSync(() => new HTMLRewriter().on("p[", {})), errorOfSync(() => new HTMLRewriter().on("p:hover", {})),
                       errorOfSync(() => new HTMLRewriter().on("", {}))];
        return out;
    "##)
    .await;
    let expect = [
        ("p", "p 1 p 2 p 3 p 6"),
        ("div > p", "p 1 p 2"),
        ("div p", "p 1 p 2 p 3"),
        (".x", "p 1"),
        ("#main", "divmain 1 2 3 4 5"),
        ("p:nth-child(2)", "p 2 p 6"),
        ("p:first-child", "p 1 p 3"),
        ("p:not(.x)", "p 2 p 3 p 6"),
        ("[disabled]", "input"),
        ("a[href^=\"https\"]", "a 4"),
        ("a[href$=\"y\"]", "a 5"),
        ("a[href*=\"e.com\"]", "a 4"),
        ("a[lang|=\"en\"]", "a 5"),
        ("[class~=\"b\"]", "divmain 1 2 3 4 5"),
        ("*", "divmain p 1 p 2 span p 3 a 4 a 5 input p 6"),
        ("span p, #main > a", "p 3 a 4 a 5"),
    ];
    for (sel, want) in expect {
        assert_eq!(out[sel], want, "selector {sel}");
    }
    for e in out["invalid"].as_array().unwrap() {
        assert!(
            e.as_str().unwrap().starts_with("TypeError: Parser error:"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn selectors_are_bounded_so_parsing_cannot_exhaust_the_stack() {
    let out = run(r#"
        const nested = (n) => ":not(".repeat(n) + "b" + ")".repeat(n);
        const chained = (n) => "p" + " > p".repeat(n);
        const results = {};
        for (const [name, sel] of [["nested16", nested(16)], ["nested17", nested(17)], ["chained255", chained(255)], ["chained256", chained(256)]]) {
          try {
            const rw = new HTMLRewriter().on(sel, { element(el) { el.setAttribute("m", ""); } });
            results[name] = await rewrite(rw, "<p><p>x</p></p><b></b>");
          } catch (e) {
            results[name] = `${e.constructor.name}: ${e.message}`;
          }
        }
        return results;
    "#)
    .await;
    assert_eq!(out["nested16"], r#"<p><p>x</p></p><b m=""></b>"#);
    assert_eq!(
        out["nested17"],
        "TypeError: Parser error: selectors nested deeper than 16 levels are not supported"
    );
    assert_eq!(out["chained255"], "<p><p>x</p></p><b></b>");
    assert_eq!(
        out["chained256"],
        "TypeError: Parser error: selectors longer than 1024 bytes are not supported"
    );
}

#[tokio::test]
async fn multiple_handlers_see_each_others_changes() {
    let out = run(r#"
        const log = [];
        const rw = new HTMLRewriter()
          .on("a", { element(el) { el.setAttribute("x", "1"); } })
          .on("a[href]", { element(el) { log.push(el.getAttribute("x"), el.removed); el.remove(); } })
          .on("*", { element(el) { log.push(el.tagName, el.removed); } });
        const body = await rewrite(rw, '<a href=/>t</a><a>u</a>');
        return { log, body };
    "#)
    .await;
    assert_eq!(
        out["log"],
        serde_json::json!(["1", false, "a", true, "a", false])
    );
    assert_eq!(out["body"], r#"<a x="1">u</a>"#);
}

#[tokio::test]
async fn handlers_are_called_on_their_object() {
    let out = run(r#"
        class Rewriter {
          constructor(attr) { this.attr = attr; this.count = 0; }
          element(el) { this.count++; el.setAttribute(this.attr, String(this.count)); }
        }
        const h = new Rewriter("data-n");
        const body = await rewrite(new HTMLRewriter().on("li", h), "<ul><li>a<li>b</ul>");
        return { body, count: h.count };
    "#)
    .await;
    assert_eq!(out["body"], r#"<ul><li data-n="1">a<li data-n="2">b</ul>"#);
    assert_eq!(out["count"], 2);
}

#[tokio::test]
async fn tokens_are_unusable_after_their_handler() {
    let out = run(r#"
        const kept = {};
        const rw = new HTMLRewriter()
          .on("a", { element(el) { kept.el = el; kept.attrs = el.attributes; el.onEndTag((end) => { kept.end = end; }); },
                     text(t) { kept.text = t; }, comments(c) { kept.comment = c; } })
          .onDocument({ doctype(d) { kept.doctype = d; }, end(e) { kept.docEnd = e; } });
        await rewrite(rw, "<!doctype html><a href=x>t<!--c--></a>");
        const uses = {
          tagName: () => kept.el.tagName, getAttribute: () => kept.el.getAttribute("href"), setAttribute: () => kept.el.setAttribute("a", "b"),
          append: () => kept.el.append("x"), remove: () => kept.el.remove(), onEndTag: () => kept.el.onEndTag(() => {}),
          attributesNext: () => kept.attrs.next(), endName: () => kept.end.name, endBefore: () => kept.end.before("x"),
          text: () => kept.text.text, textReplace: () => kept.text.replace("x"), comment: () => kept.comment.text,
          commentSet: () => { kept.comment.text = "x"; }, doctype: () => kept.doctype.name, docEnd: () => kept.docEnd.append("x"),
        };
        const out = {};
        for (const [k, f] of Object.entries(uses)) out[k] = errorOfSync(f);
        out.constructed = errorOfSync(() => new (Object.getPrototypeOf(kept.el).constructor)());
        out.tag = Object.prototype.toString.call(kept.el);
        return out;
    "#)
    .await;
    let stale = "TypeError: This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler.";
    let obj = out.as_object().unwrap();
    for (k, v) in obj {
        match k.as_str() {
            "constructed" => assert_eq!(v, "TypeError: Illegal constructor"),
            "tag" => assert_eq!(v, "[object Element]"),
            _ => assert_eq!(v, stale, "{k}"),
        }
    }
    assert_eq!(obj.len(), 17);
}

#[tokio::test]
async fn transform_keeps_status_and_headers_and_checks_its_input() {
    let out = run(r#"
        const src = new Response("<p>x</p>", { status: 404, statusText: "Nope", headers: { "content-type": "text/html", "x-a": "1", "content-length": "8" } });
        const res = new HTMLRewriter().on("p", { element(el) { el.append("y"); } }).transform(src);
        const empty = new Response(null, { status: 204, headers: { "x-b": "2" } });
        const errors = [
          errorOfSync(() => new HTMLRewriter().transform("<p>")),
          errorOfSync(() => new HTMLRewriter().on("p", null)),
          errorOfSync(() => new HTMLRewriter().on("p", { element: "no" })),
          errorOfSync(() => new HTMLRewriter().onDocument({ end: 1 })),
          errorOfSync(() => new HTMLRewriter().transform(src)),
          errorOfSync(() => new HTMLRewriter().transform(new Response("x", { headers: { "content-type": "text/html; charset=utf-16" } }))),
          errorOfSync(() => new HTMLRewriter().transform(new Response("x", { headers: { "content-type": "text/html; charset=bogus" } }))),
        ];
        return { status: res.status, statusText: res.statusText, headers: [...res.headers], body: await res.text(),
                 srcUsed: src.bodyUsed, same: new HTMLRewriter().transform(empty) === empty, errors };
    "#)
    .await;
    assert_eq!(out["status"], 404);
    assert_eq!(out["statusText"], "Nope");
    assert_eq!(
        out["headers"],
        serde_json::json!([["content-type", "text/html"], ["x-a", "1"]])
    );
    assert_eq!(out["body"], "<p>xy</p>");
    assert_eq!(out["srcUsed"], true);
    assert_eq!(
        out["same"], true,
        "a response without a body is returned as is"
    );
    let errors = out["errors"].as_array().unwrap();
    for e in errors {
        assert!(e.as_str().unwrap().starts_with("TypeError: "), "{e}");
    }
    assert!(
        errors[5].as_str().unwrap().contains("utf-16"),
        "{}",
        errors[5]
    );
}

#[tokio::test]
async fn charset_of_the_response_is_honoured() {
    let out = run(r#"
        // "café" in windows-1252, and a text handler that sees it decoded.
        const bytes = new Uint8Array([60, 112, 62, 99, 97, 102, 0xE9, 60, 47, 112, 62]);
        const seen = [];
        const res = new HTMLRewriter()
          .on("p", { text(t) { seen.push(t.text); }, element(el) { el.append("ü"); el.setAttribute("t", "é"); } })
          .transform(new Response(bytes, { headers: { "content-type": "text/html; charset=windows-1252" } }));
        const out = new Uint8Array(await res.arrayBuffer());
        return { seen, out: [...out] };
    "#)
    .await;
    assert_eq!(out["seen"], serde_json::json!(["café", ""]));
    let mut want = b"<p t=\"\xE9\">caf\xE9\xFC</p>".to_vec();
    want.shrink_to_fit();
    let got: Vec<u8> = out["out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(got, want);
}
