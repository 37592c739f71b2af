//! What the WPT data files do not reach: decoding with the legacy encodings, streamed and fatal decoding,
//! URLPattern and `fetch("data:")` as a worker uses them. Expected values come from the Encoding standard's
//! index files, the URL Pattern standard's examples and the Fetch standard.

use crate::support::eval;

#[tokio::test]
async fn text_decoder_decodes_every_kind_of_encoding() {
    let out = eval(
        r#"const d = (label, bytes, opts) => new TextDecoder(label, opts).decode(new Uint8Array(bytes));
        return [
          d("windows-1252", [0x80, 0xE9, 0x41]),
          d("latin1", [0x9F]),
          d("iso-8859-2", [0xA1, 0xB1]),
          d("koi8-r", [0xC1]),
          [...d("x-user-defined", [0x41, 0x80, 0xFF])].map((c) => c.codePointAt(0).toString(16)),
          d("shift_jis", [0x82, 0xA0, 0x93, 0xFA]),
          d("euc-jp", [0xA4, 0xA2]),
          d("iso-2022-jp", [0x1B, 0x24, 0x42, 0x24, 0x22, 0x1B, 0x28, 0x42]),
          d("gbk", [0xC4, 0xE3]),
          d("gb18030", [0x81, 0x30, 0x81, 0x30]).codePointAt(0).toString(16),
          d("big5", [0xA4, 0x40]),
          d("euc-kr", [0xB0, 0xA1]),
          d("utf-16be", [0x00, 0x41, 0xD8, 0x3D, 0xDE, 0x00]),
          d("utf-16", [0xFF, 0xFE, 0x41, 0x00]),
          d("utf-8", [0xEF, 0xBB, 0xBF, 0x68, 0x69]),
          d("utf-8", [0xEF, 0xBB, 0xBF, 0x68], { ignoreBOM: true }).length,
          d("utf-8", [0x61, 0xFF, 0x62]),
          new TextDecoder("Shift-JIS").encoding,
          new TextDecoder(" ucs-2 ").encoding,
        ];"#,
    )
    .await;
    assert_eq!(
        out,
        r#"["€éA","Ÿ","Ąą","а",["41","f780","f7ff"],"あ日","あ","あ","你","80","一","가","A😀","A","hi",2,"a�b","shift_jis","utf-16le"]"#
    );
}

#[tokio::test]
async fn text_decoder_streams_and_fails_fatally() {
    let out = eval(
        r#"const sjis = new TextDecoder("shift_jis");
        const parts = [sjis.decode(new Uint8Array([0x82]), { stream: true }), sjis.decode(new Uint8Array([0xA0, 0x82]), { stream: true }), sjis.decode()];
        const utf8 = new TextDecoder();
        const euro = [0xE2, 0x82, 0xAC];
        const streamed = euro.map((b) => utf8.decode(new Uint8Array([b]), { stream: true })).join("") + utf8.decode();
        const utf16 = new TextDecoder("utf-16le");
        const odd = [utf16.decode(new Uint8Array([0x41]), { stream: true }), utf16.decode(new Uint8Array([0x00, 0x42]))];
        const fatal = new TextDecoder("utf-8", { fatal: true });
        const errors = [];
        try { fatal.decode(new Uint8Array([0xC3, 0x28])) } catch (e) { errors.push(e.constructor.name) }
        try { fatal.decode(new Uint8Array([0xE2]), { stream: true }); fatal.decode() } catch (e) { errors.push(e.constructor.name) }
        const after = fatal.decode(new Uint8Array([0x6F, 0x6B]));
        for (const label of ["replacement", "iso-2022-kr", "nope", "utf-7", "utf-8\ud800"]) {
          try { new TextDecoder(label) } catch (e) { errors.push(e.constructor.name) }
        }
        const view = new Uint8Array([0x78, 0x41, 0x42, 0x78]).subarray(1, 3);
        return { parts, streamed, odd, errors, after, view: new TextDecoder().decode(view),
                 buffer: new TextDecoder().decode(new Uint16Array([0x6968]).buffer) };"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"parts":["","あ","�"],"streamed":"€","odd":["","A�"],"errors":["TypeError","TypeError","RangeError","RangeError","RangeError","RangeError","RangeError"],"after":"ok","view":"AB","buffer":"hi"}"#
    );
}

#[tokio::test]
async fn url_pattern_matches_and_reports_groups() {
    let out = eval(
        r#"const books = new URLPattern({ pathname: "/books/:id(\\d+)" });
        const hit = books.exec("https://example.com/books/123?x=1");
        const relative = new URLPattern("/api/*", "https://api.example.com");
        const caseless = new URLPattern({ pathname: "/Foo" }, { ignoreCase: true });
        const errors = [];
        try { new URLPattern({ pathname: "/(" }) } catch (e) { errors.push(e.constructor.name) }
        try { new URLPattern("/relative") } catch (e) { errors.push(e.constructor.name) }
        try { books.test({ pathname: "/books/1" }, "https://base/") } catch (e) { errors.push(e.constructor.name) }
        return {
          id: hit.pathname.groups.id, host: hit.hostname.input, inputs: hit.inputs,
          miss: books.test("https://example.com/books/abc"), regexp: books.hasRegExpGroups,
          relative: [relative.hostname, relative.pathname, relative.test("https://api.example.com/api/v1/x"),
                     relative.exec("https://api.example.com/api/v1/x").pathname.groups[0]],
          caseless: caseless.test({ pathname: "/foo" }), errors,
          tag: Object.prototype.toString.call(books),
        };"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"id":"123","host":"example.com","inputs":["https://example.com/books/123?x=1"],"miss":false,"regexp":true,"relative":["api.example.com","/api/*",true,"v1/x"],"caseless":true,"errors":["TypeError","TypeError","TypeError"],"tag":"[object URLPattern]"}"#
    );
}

#[tokio::test]
async fn fetch_reads_data_urls() {
    let out = eval(
        r#"const text = await fetch("data:text/html;charset=utf-8,%3Ch1%3Ehi%3C/h1%3E#frag");
        const b64 = await fetch(new Request("data:application/octet-stream;base64,AAEC/w=="));
        const plain = await fetch("data:,a%20b");
        let invalid = null;
        try { await fetch("data:text/plain;base64,%") } catch (e) { invalid = e.constructor.name }
        let nocomma = null;
        try { await fetch("data:text/plain") } catch (e) { nocomma = e.constructor.name }
        return {
          status: text.status, ok: text.ok, type: text.headers.get("content-type"), body: await text.text(),
          b64: [b64.headers.get("content-type"), [...new Uint8Array(await b64.arrayBuffer())]],
          plain: [plain.headers.get("content-type"), await plain.text()], invalid, nocomma,
        };"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"status":200,"ok":true,"type":"text/html;charset=utf-8","body":"<h1>hi</h1>","b64":["application/octet-stream",[0,1,2,255]],"plain":["text/plain;charset=US-ASCII","a b"],"invalid":"TypeError","nocomma":"TypeError"}"#
    );
}

#[tokio::test]
async fn url_follows_the_current_standard() {
    let out = eval(
        r#"const u = new URL("https://user:pa ss@EXAMPLE.com:443/a/./b/../c?q=1 2#h");
        u.searchParams.set("q", "é");
        const file = new URL("file://host/C:/x/../y");
        return [u.href, u.origin, u.password, file.href, new URL("http://a.b.c.xn--pokxncvks/").hostname,
                URL.parse("nope"), URL.canParse("x", "https://h/"), new URL("blob:https://a.example/uuid").origin,
                new URL("non-spec:opaque  ?hi").href];"#,
    )
    .await;
    assert_eq!(
        out,
        r#"["https://user:pa%20ss@example.com/a/c?q=%C3%A9#h","https://example.com","pa%20ss","file://host/C:/y","a.b.c.xn--pokxncvks",null,true,"https://a.example","non-spec:opaque %20?hi"]"#
    );
}
