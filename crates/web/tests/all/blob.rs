//! Blob, File, FormData and their use as bodies (multipart/form-data both ways), through JS in real isolates.
//! Expected values follow the File API, XHR, HTML and Fetch standards.

use crate::support::{eval, isolate, request};

#[tokio::test]
async fn blob_parts_types_and_slices() {
    let out = eval(
        r#"const inner = new Blob(["ab", new Uint8Array([99, 100])]);
        const b = new Blob([inner, "é", new Uint16Array([0x6766]).buffer], { type: "Text/Plain;Charset=UTF-8" });
        const s = b.slice(1, -1, "x/Y");
        const neg = b.slice(-3);
        const over = b.slice(2, 100);
        const empty = b.slice(5, 2);
        return { size: b.size, type: b.type, text: await b.text(), sType: s.type, sText: await s.text(),
                 neg: [...await neg.bytes()], over: over.size, empty: [empty.size, await empty.text()],
                 bad: new Blob([], { type: "a/b\u00e9" }).type, nested: await inner.slice(1, 3).text(),
                 ab: new Uint8Array(await b.slice(0, 2).arrayBuffer()).join(), native: await new Blob(["a\r\nb\rc"], { endings: "native" }).text(),
                 tag: String(b), isBlob: s instanceof Blob, str: await new Blob([{ toString() { return "obj" } }]).text() }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"size":8,"type":"text/plain;charset=utf-8","text":"abcdéfg","sType":"x/y","sText":"bcdéf","neg":[169,102,103],"over":6,"empty":[0,""],"bad":"","nested":"bc","ab":"97,98","native":"a\nb\nc","tag":"[object Blob]","isBlob":true,"str":"obj"}"#
    );
}

#[tokio::test]
async fn blob_is_immutable_and_streams_as_bytes() {
    let out = eval(
        r#"const src = new Uint8Array([1, 2, 3]);
        const b = new Blob([src]);
        src[0] = 9;
        const got = await b.bytes();
        got[1] = 9;
        const big = new Blob([new Uint8Array(200000).fill(7)]);
        const chunks = [];
        for await (const c of big.stream()) chunks.push(c.byteLength);
        const reader = new Blob(["hello world"]).stream().getReader({ mode: "byob" });
        const { value } = await reader.read(new Uint8Array(5));
        return { first: [...await b.bytes()], chunks, byob: new TextDecoder().decode(value) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"first":[1,2,3],"chunks":[65536,65536,65536,3392],"byob":"hello"}"#
    );
}

#[tokio::test]
async fn file_name_last_modified_and_blob_bodies() {
    let out = eval(
        r#"const f = new File(["data"], "a/b.txt", { type: "text/csv", lastModified: 1234 });
        const now = new File([], "n").lastModified;
        const r = new Response(f);
        const req = new Request("http://x/", { method: "POST", body: new Blob(["xyz"]) });
        const typed = new Response("z", { headers: { "content-type": "text/html" } });
        const blob = await typed.blob();
        let noName = null; try { new File(["x"]) } catch (e) { noName = e.constructor.name }
        return { f: [f.name, f.type, f.size, f.lastModified, f instanceof Blob, String(f)], nowish: Math.abs(now - Date.now()) < 5000,
                 rType: r.headers.get("content-type"), rText: await r.text(), reqType: req.headers.get("content-type"),
                 reqText: await req.text(), blob: [blob.type, await blob.text()], noName }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"f":["a/b.txt","text/csv",4,1234,true,"[object File]"],"nowish":true,"rType":"text/csv","rText":"data","reqType":null,"reqText":"xyz","blob":["text/html","z"],"noName":"TypeError"}"#
    );
}

#[tokio::test]
async fn form_data_methods() {
    let out = eval(
        r#"const fd = new FormData();
        fd.append("a", "1");
        fd.append("b", new Blob(["x"], { type: "text/x" }));
        fd.append("a", "2");
        fd.append("c", new Blob(["y"]), "named.bin");
        fd.set("a", "3");
        const b = fd.get("b");
        const keys = [...fd.keys()];
        fd.delete("c");
        const each = [];
        fd.forEach((v, k) => each.push(k));
        let bad = null; try { fd.append("x", "y", "file.txt") } catch (e) { bad = e.constructor.name }
        let form = null; try { new FormData({}) } catch (e) { form = e.constructor.name }
        return { keys, getAll: fd.getAll("a"), has: [fd.has("c"), fd.has("b")], b: [b instanceof File, b.name, b.type],
                 each, bad, form, missing: fd.get("zz"), tag: String(fd) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"keys":["a","b","c"],"getAll":["3"],"has":[false,true],"b":[true,"blob","text/x"],"each":["a","b"],"bad":"TypeError","form":"TypeError","missing":null,"tag":"[object FormData]"}"#
    );
}

#[tokio::test]
async fn multipart_round_trip_through_request_and_response() {
    let out = eval(
        r#"const fd = new FormData();
        fd.append("field", "line1\nline2");
        fd.append('we"ird\nname', "é");
        fd.append("upload", new File([new Uint8Array([0, 255, 13, 10, 45, 45])], 'a "quoted".bin', { type: "application/x-thing" }));
        fd.append("plain", new Blob(["text body"]));
        const req = new Request("http://x/", { method: "POST", body: fd });
        const type = req.headers.get("content-type");
        const raw = await req.clone().text();
        const back = await req.formData();
        const file = back.get("upload");
        const res = new Response(fd);
        const again = await res.formData();
        const boundary = type.split("boundary=")[1];
        return { type: /^multipart\/form-data; boundary=-+vergeFormBoundary[0-9a-f]{32}$/.test(type),
                 escaped: raw.includes('name="we%22ird%0D%0Aname"') && raw.includes('filename="a %22quoted%22.bin"'),
                 crlf: raw.includes("line1\r\nline2"), ends: raw.endsWith(`--${boundary}--\r\n`),
                 entries: [...back.keys()], field: back.get("field"), weird: back.get('we"ird\r\nname'),
                 file: [file.name, file.type, [...await file.bytes()]], plain: [back.get("plain").name, back.get("plain").type],
                 again: again.get("field"), sameBoundaryEachTime: res.headers.get("content-type") !== type }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"type":true,"escaped":true,"crlf":true,"ends":true,"entries":["field","we\"ird\r\nname","upload","plain"],"field":"line1\r\nline2","weird":"é","file":["a \"quoted\".bin","application/x-thing",[0,255,13,10,45,45]],"plain":["blob","application/octet-stream"],"again":"line1\r\nline2","sameBoundaryEachTime":true}"#
    );
}

#[tokio::test]
async fn form_data_parsing_of_incoming_bodies() {
    let iso = isolate(&[(
        "w.js",
        r#"export default { async fetch(req) {
            try {
              // The test client sends no headers: the Content-Type comes in the query.
              const type = new URL(req.url).searchParams.get("type");
              const fd = await new Request(req, { headers: { "content-type": type } }).formData();
              const out = [];
              for (const [k, v] of fd) out.push(typeof v === "string" ? `${k}=${v}` : `${k}:${v.name}:${v.type}:${await v.text()}`);
              return new Response(out.join("|"));
            } catch (e) { return new Response(`${e.constructor.name}`, { status: 400 }) }
        } }"#,
    )])
    .unwrap();
    // A body as curl -F would send it, with a preamble, a quoted boundary and a part without Content-Type.
    let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"n.txt\"\r\n\r\nfile text\r\n--XyZ\r\ncontent-disposition: form-data; name=\"img\"; filename=\"i.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XyZ--\r\nepilogue";
    let url = "http://x/";
    let multipart = isolate_post(&iso, url, body, "multipart/form-data; boundary=\"XyZ\"").await;
    assert_eq!(
        multipart,
        (
            200,
            "title=hello|doc:n.txt:text/plain:file text|img:i.png:image/png:PNG".to_owned()
        )
    );
    let urlencoded = isolate_post(
        &iso,
        url,
        "a=1&b=x+y&a=%C3%A9",
        "application/x-www-form-urlencoded",
    )
    .await;
    assert_eq!(urlencoded, (200, "a=1|b=x y|a=é".to_owned()));
    let truncated = isolate_post(
        &iso,
        url,
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
        "multipart/form-data; boundary=XyZ",
    )
    .await;
    assert_eq!(truncated, (400, "TypeError".to_owned()));
    let no_boundary = isolate_post(&iso, url, "x", "multipart/form-data").await;
    assert_eq!(no_boundary, (400, "TypeError".to_owned()));
    let json = isolate_post(&iso, url, "{}", "application/json").await;
    assert_eq!(json, (400, "TypeError".to_owned()));
}

async fn isolate_post(
    iso: &verge_js::Isolate,
    url: &str,
    body: &str,
    content_type: &str,
) -> (u16, String) {
    let query: String = form_urlencoded::byte_serialize(content_type.as_bytes()).collect();
    let (status, _, text) = request(iso, "POST", &format!("{url}?type={query}"), Some(body))
        .await
        .unwrap();
    (status, text)
}
