//! CompressionStream/DecompressionStream against flate2, TextEncoderStream/TextDecoderStream, and BYOB reads
//! of bodies, through JS in real isolates.

use crate::support::eval;
use base64::Engine as _;
use flate2::Compression;
use std::io::{Read, Write};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim_matches('"'))
        .unwrap()
}

/// JS that compresses `input` (a JS expression for a Uint8Array) with `format`, feeding it in `pieces`
/// chunks, and returns the output as base64.
fn compress_js(format: &str, input: &str, pieces: usize) -> String {
    format!(
        r#"const input = {input};
        const cs = new CompressionStream("{format}");
        const writer = cs.writable.getWriter();
        const step = Math.ceil(input.length / {pieces});
        (async () => {{ for (let i = 0; i < input.length; i += step) await writer.write(input.subarray(i, i + step)); await writer.close(); }})();
        const out = new Uint8Array(await new Response(cs.readable).arrayBuffer());
        return btoa(Array.from(out, (b) => String.fromCharCode(b)).join(""));"#
    )
}

const TEXT_JS: &str = r#"new TextEncoder().encode(Array.from({ length: 3000 }, (_, i) => `line ${i % 97} of the sample ${i * 7 % 13}\n`).join(""))"#;

fn text_bytes() -> Vec<u8> {
    (0..3000)
        .map(|i| format!("line {} of the sample {}\n", i % 97, i * 7 % 13))
        .collect::<String>()
        .into_bytes()
}

#[tokio::test]
async fn gzip_output_is_flate2_s_byte_for_byte() {
    let js = eval(&compress_js("gzip", TEXT_JS, 5)).await;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&text_bytes()).unwrap();
    let expected = enc.finish().unwrap();
    assert_eq!(unb64(&js), expected);
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(&expected[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, text_bytes());
}

#[tokio::test]
async fn deflate_and_deflate_raw_are_zlib_and_raw_deflate() {
    let zlib = unb64(&eval(&compress_js("deflate", TEXT_JS, 1)).await);
    let mut back = Vec::new();
    flate2::read::ZlibDecoder::new(&zlib[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, text_bytes());
    let raw = unb64(&eval(&compress_js("deflate-raw", TEXT_JS, 3)).await);
    let mut back = Vec::new();
    flate2::read::DeflateDecoder::new(&raw[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, text_bytes());
    let empty = unb64(&eval(&compress_js("gzip", "new Uint8Array(0)", 1)).await);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(b"").unwrap();
    assert_eq!(empty, enc.finish().unwrap());
}

#[tokio::test]
async fn decompresses_what_flate2_made_chunk_by_chunk() {
    let mut enc = flate2::GzBuilder::new()
        .filename("sample.txt")
        .write(Vec::new(), Compression::best());
    enc.write_all(&text_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(b"zlib here").unwrap();
    let zlib = enc.finish().unwrap();
    let out = eval(&format!(
        r#"const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
        const gz = bytes("{gz}");
        // One byte at a time: headers, blocks and the trailer all arrive split.
        const chunks = [];
        for (let i = 0; i < gz.length; i += 1) chunks.push(gz.subarray(i, i + 1));
        const text = await new Response(ReadableStream.from(chunks).pipeThrough(new DecompressionStream("gzip"))).text();
        const zlib = await new Response(new Blob([bytes("{zlib}")]).stream().pipeThrough(new DecompressionStream("deflate"))).text();
        return {{ length: text.length, same: text === new TextDecoder().decode({TEXT_JS}), zlib }}"#,
        gz = b64(&gz),
        zlib = b64(&zlib),
    ))
    .await;
    assert_eq!(
        out,
        format!(
            r#"{{"length":{},"same":true,"zlib":"zlib here"}}"#,
            text_bytes().len()
        )
    );
}

#[tokio::test]
async fn corrupt_truncated_and_trailing_input_error_with_type_error() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(b"hello").unwrap();
    let gz = enc.finish().unwrap();
    let out = eval(&format!(
        r#"const gz = Uint8Array.from(atob("{gz}"), (c) => c.charCodeAt(0));
        const attempt = async (format, data) => {{
          try {{ await new Response(new Blob([data]).stream().pipeThrough(new DecompressionStream(format))).text(); return "ok" }}
          catch (e) {{ return e.constructor.name }}
        }};
        const flipped = gz.slice(); flipped[flipped.length - 5] ^= 0xff;
        const trailing = new Uint8Array([...gz, 0]);
        let badFormat = null; try {{ new CompressionStream("brotli") }} catch (e) {{ badFormat = e.constructor.name }}
        let badChunk = null;
        const ds = new DecompressionStream("gzip");
        const w = ds.writable.getWriter();
        w.write("not bytes").catch((e) => {{ badChunk = e.constructor.name }});
        await ds.readable.getReader().read().catch(() => {{}});
        return {{ good: await attempt("gzip", gz), garbage: await attempt("gzip", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
                 crc: await attempt("gzip", flipped), truncated: await attempt("gzip", gz.subarray(0, gz.length - 4)),
                 trailing: await attempt("gzip", trailing), notZlib: await attempt("deflate", gz), empty: await attempt("deflate-raw", new Uint8Array(0)),
                 badFormat, badChunk }}"#,
        gz = b64(&gz),
    ))
    .await;
    assert_eq!(
        out,
        r#"{"good":"ok","garbage":"TypeError","crc":"TypeError","truncated":"TypeError","trailing":"TypeError","notZlib":"TypeError","empty":"TypeError","badFormat":"TypeError","badChunk":"TypeError"}"#
    );
}

#[tokio::test]
async fn decompression_is_paced_by_the_reader() {
    // 8 MiB of zeros deflate to a few KiB; reading 3 chunks must not inflate the rest.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&vec![0u8; 8 << 20]).unwrap();
    let raw = enc.finish().unwrap();
    let out = eval(&format!(
        r#"const raw = Uint8Array.from(atob("{raw}"), (c) => c.charCodeAt(0));
        const ds = new DecompressionStream("deflate-raw");
        const w = ds.writable.getWriter();
        let written = false;
        w.write(raw).then(() => {{ written = true }});
        const reader = ds.readable.getReader();
        let got = 0;
        for (let i = 0; i < 3; i++) got += (await reader.read()).value.byteLength;
        await new Promise((r) => setTimeout(r, 10));
        const pausedWhileUnread = !written;
        let total = got;
        for (;;) {{ const {{ value, done }} = await reader.read(); if (done) break; total += value.byteLength; if (total >= {size}) w.close() }}
        return {{ got, pausedWhileUnread, total }}"#,
        raw = b64(&raw),
        size = 8 << 20,
    ))
    .await;
    assert_eq!(
        out,
        format!(
            r#"{{"got":{},"pausedWhileUnread":true,"total":{}}}"#,
            3 * 65536,
            8 << 20
        )
    );
}

#[tokio::test]
async fn text_decoder_stream_joins_characters_split_across_chunks() {
    let out = eval(
        r#"const bytes = new TextEncoder().encode("héllo €😀 wörld");
        const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
        const parts = [];
        await ReadableStream.from(chunks).pipeThrough(new TextDecoderStream()).pipeTo(new WritableStream({ write(s) { parts.push(s) } }));
        const lossy = await new Response(ReadableStream.from([new Uint8Array([0xe2, 0x82])]).pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).text();
        let fatal = null;
        try { await new Response(ReadableStream.from([new Uint8Array([0xff])]).pipeThrough(new TextDecoderStream("utf-8", { fatal: true }))).text() } catch (e) { fatal = e.constructor.name }
        const bom = await new Response(ReadableStream.from([new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf, 0x41])]).pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).text();
        const tds = new TextDecoderStream("UTF-8", { ignoreBOM: true });
        return { joined: parts.join(""), noEmpty: parts.every((p) => p.length > 0), oneByOne: parts.length < chunks.length, lossy, fatal, bom,
                 props: [tds.encoding, tds.fatal, tds.ignoreBOM, String(tds)] }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"joined":"héllo €😀 wörld","noEmpty":true,"oneByOne":true,"lossy":"�","fatal":"TypeError","bom":"A","props":["utf-8",false,true,"[object TextDecoderStream]"]}"#
    );
}

#[tokio::test]
async fn text_encoder_stream_keeps_surrogate_pairs_across_chunks() {
    let out = eval(
        r#"const s = "a😀b";
        const enc = new TextEncoderStream();
        const bytes = new Response(ReadableStream.from([s[0], s[1], s[2], s[3], "\ud83d"]).pipeThrough(enc)).arrayBuffer();
        return { bytes: [...new Uint8Array(await bytes)], encoding: enc.encoding, tag: String(enc) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"bytes":[97,240,159,152,128,98,239,191,189],"encoding":"utf-8","tag":"[object TextEncoderStream]"}"#
    );
}

#[tokio::test]
async fn byob_reads_of_bodies_and_byte_stream_tee() {
    let out = eval(
        r#"const res = new Response("abcdefghij");
        const reader = res.body.getReader({ mode: "byob" });
        const sizes = [];
        let text = "";
        let buffer = new ArrayBuffer(4);
        for (;;) {
          const { value, done } = await reader.read(new Uint8Array(buffer));
          if (done) break;
          sizes.push(value.byteLength);
          text += new TextDecoder().decode(value);
          buffer = value.buffer;
        }
        const [a, b] = new Response("tee me").body.tee();
        const byob = await a.getReader({ mode: "byob" }).read(new Uint8Array(3));
        const src = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new TextEncoder().encode("from bytes")); c.close() } });
        return { sizes, text, tee: [new TextDecoder().decode(byob.value), await new Response(b).text()],
                 bytesBody: await new Response(src).text(), isByte: res.body instanceof ReadableStream }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"sizes":[4,4,2],"text":"abcdefghij","tee":["tee","tee me"],"bytesBody":"from bytes","isByte":true}"#
    );
}

#[tokio::test]
async fn live_codecs_are_capped_and_freed_when_streams_end() {
    let out = eval(
        r#"const open = [];
        const start = async () => {
          const cs = new CompressionStream("deflate");
          const w = cs.writable.getWriter();
          const reader = cs.readable.getReader();
          // The transform (which makes the codec) runs once the readable side is pulled.
          reader.read().catch(() => {});
          // A write waits for its output to be read (backpressure): pending counts as accepted.
          const wrote = w.write(new Uint8Array([1, 2, 3])).then(() => "ok", (e) => e.constructor.name);
          open.push({ w, reader });
          return Promise.race([wrote, new Promise((r) => setTimeout(() => r("ok"), 1))]);
        };
        const results = [];
        for (let i = 0; i < 65; i++) results.push(await start());
        const refusedAt = results.indexOf("TypeError");
        // Finishing one stream (and cancelling another) gives codecs back.
        const first = open[0];
        first.w.close().catch(() => {});
        while (!(await first.reader.read()).done) {}
        await open[1].reader.cancel();
        const after = await start();
        const unused = new DecompressionStream("gzip");
        return { refusedAt, after, okBefore: results.slice(0, 64).every((r) => r === "ok"), unused: String(unused) }"#,
    )
    .await;
    assert_eq!(
        out,
        r#"{"refusedAt":64,"after":"ok","okBefore":true,"unused":"[object DecompressionStream]"}"#
    );
}
