//! `node:buffer` in real isolates. Every expected value below is what Node v20 returns for the same JS (obtained
//! with `node`, pasted as literals); where verge deliberately differs, the test says so.

use crate::support::{eval, isolate, request};
use serde_json::Value;

/// Put before every test body: node:buffer's exports as `NB` and `Buffer`, and helpers: `hex(buf)`, `err(fn)` (what
/// `fn` throws as `Name [code]: message`), `errKind(fn)` (just `Name [code]`, for engine-worded messages),
/// `escape(string)` (non-printable characters as `\uXXXX`).
const PRELUDE: &str = r#"
const NB = globalThis[Symbol.for("verge.node")].buffer;
const { Buffer } = NB;
const hex = (b) => b.toString("hex");
const err = (f) => { try { f(); return "no error"; } catch (e) { return `${e.name} [${e.code}]: ${e.message}`; } };
const errKind = (f) => { try { f(); return "no error"; } catch (e) { return `${e.name} [${e.code}]`; } };
const escape = (s) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
"#;

/// Run `body` in a request and compare the JSON it returns with `want` (item by item, to point at a difference).
async fn check(body: &str, want: &str) {
    let got: Value = serde_json::from_str(&eval(&format!("{PRELUDE}\n{body}")).await).unwrap();
    let want: Value = serde_json::from_str(want).unwrap();
    match (&got, &want) {
        (Value::Object(g), Value::Object(w)) => {
            for (key, value) in w {
                assert_eq!(g.get(key), Some(value), "key {key}");
            }
            assert_eq!(g.len(), w.len(), "keys: {:?}", g.keys().collect::<Vec<_>>());
        }
        (Value::Array(g), Value::Array(w)) => {
            for (i, value) in w.iter().enumerate() {
                assert_eq!(g.get(i), Some(value), "item {i}");
            }
            assert_eq!(g.len(), w.len());
        }
        _ => assert_eq!(got, want),
    }
}

/// The module's exports, and Buffer as Node builds it: a Uint8Array subclass whose species is FastBuffer.
#[tokio::test]
async fn exports_and_class_shape() {
    check(
        r#"
        const p = Buffer.prototype;
        const b = Buffer.from("abc");
        return {
          exports: Object.keys(NB).filter((k) => ["Buffer", "kMaxLength", "constants", "atob", "btoa", "isUtf8", "isAscii"].includes(k)).sort(),
          constants: NB.constants.MAX_LENGTH === NB.kMaxLength && typeof NB.constants.MAX_STRING_LENGTH,
          atob: NB.atob === globalThis.atob && NB.btoa === globalThis.btoa,
          chain: [b instanceof Buffer, b instanceof Uint8Array, Object.getPrototypeOf(p) === Uint8Array.prototype,
            Object.getPrototypeOf(Buffer) === Uint8Array, b.constructor === Buffer, Buffer[Symbol.species].name],
          isBuffer: [Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), Buffer.isBuffer("abc"), Buffer.isBuffer(b.subarray(1))],
          statics: ["alloc", "allocUnsafe", "allocUnsafeSlow", "byteLength", "compare", "concat", "copyBytesFrom", "from", "isBuffer", "isEncoding", "of"].map((k) => typeof Buffer[k]),
          aliases: [p.readUint8 === p.readUInt8, p.writeUint32LE === p.writeUInt32LE, p.readBigUint64BE === p.readBigUInt64BE, p.readUintLE === p.readUIntLE, p.writeUintBE === p.writeUIntBE],
          names: [p.readUInt16LE.name, p.writeIntBE.name, p.readInt32BE.name, p.writeBigInt64BE.name],
          sizes: [Buffer.poolSize, Buffer.length, Buffer.name, Buffer.BYTES_PER_ELEMENT],
          callable: [hex(Buffer(3)), hex(new Buffer("ab")), hex(Buffer("ab", "hex")), err(() => Buffer(3, "utf8"))],
          species: [b.map((x) => x + 1) instanceof Buffer, hex(b.map((x) => x + 1)), b.filter((x) => x > 97).constructor === Buffer],
          deprecated: [b.parent === b.buffer, b.offset === b.byteOffset],
          inspect: [b.inspect(), Buffer.alloc(0).inspect(), Buffer.alloc(52, 1).inspect().slice(-22)],
          json: JSON.stringify(Buffer.from([1, 2, 255])),
        };
        "#,
        r#"
        {
          "exports": ["Buffer", "atob", "btoa", "constants", "isAscii", "isUtf8", "kMaxLength"],
          "constants": "number",
          "atob": true,
          "chain": [true, true, true, true, true, "FastBuffer"],
          "isBuffer": [true, false, false, true],
          "statics": [
            "function", "function", "function", "function", "function", "function", "function", "function", "function",
            "function", "function"
          ],
          "aliases": [true, true, true, true, true],
          "names": ["readUInt16LE", "writeIntBE", "readInt32BE", "writeBigInt64BE"],
          "sizes": [8192, 3, "Buffer", 1],
          "callable": [
            "000000", "6162", "ab",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"string\" argument must be of type string. Received type number (3)"
          ],
          "species": [true, "626364", true],
          "deprecated": [true, true],
          "inspect": ["<Buffer 61 62 63>", "<Buffer >", "1 01 ... 2 more bytes>"],
          "json": "{\"type\":\"Buffer\",\"data\":[1,2,255]}"
        }
        "#,
    )
    .await;
}

/// Errors carry Node's `code` (enumerable) and print it: `RangeError [ERR_OUT_OF_RANGE]: ...`.
#[tokio::test]
async fn error_objects() {
    check(
        r#"
        let e;
        try { Buffer.alloc(2).readUInt16LE(1); } catch (x) { e = x; }
        return [e instanceof RangeError, e.name, e.code, Object.keys(e), String(e)];
        "#,
        r#"
        [
          true, "RangeError", "ERR_OUT_OF_RANGE", ["code"],
          "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 0. Received 1"
        ]
        "#,
    )
    .await;
}

/// Lone surrogates encode as U+FFFD; invalid input decodes with one U+FFFD per maximal subpart.
#[tokio::test]
async fn utf8_both_ways() {
    check(
        r#"
        const strings = ["", "hello", "héllo wörld", "€uro", "😀 smile", "a\ud83d", "\udc00b", "\ud83d\ude00\ud83d", "\u0000\u007f\u0080\u07ff\u0800\uffff"];
        const bytes = [[0xc3], [0xe2, 0x82], [0xe2, 0x82, 0xac, 0x41], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0x80],
          [0xf5, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80, 0x41], [0xef, 0xbb, 0xbf, 0x41], [0xfb, 0xff, 0xbf, 0x61]];
        return {
          encode: strings.map((s) => hex(Buffer.from(s))),
          encodeNamed: ["utf8", "utf-8", "UTF8", "Utf-8"].map((e) => hex(Buffer.from("é", e))),
          byteLength: strings.map((s) => Buffer.byteLength(s)),
          byteLengthLong: [Buffer.byteLength("é€😀".repeat(40)), Buffer.byteLength("a\ud800".repeat(40)), Buffer.byteLength("x".repeat(100), "utf8")],
          decode: bytes.map((b) => escape(Buffer.from(b).toString())),
          decodeNamed: escape(Buffer.from(bytes[2]).toString("utf-8")),
          roundTrip: strings.map((s) => Buffer.from(s).toString() === s),
        };
        "#,
        r#"
        {
          "encode": [
            "", "68656c6c6f", "68c3a96c6c6f2077c3b6726c64", "e282ac75726f", "f09f988020736d696c65", "61efbfbd",
            "efbfbd62", "f09f9880efbfbd", "007fc280dfbfe0a080efbfbf"
          ],
          "encodeNamed": ["c3a9", "c3a9", "c3a9", "c3a9"],
          "byteLength": [0, 5, 13, 6, 10, 4, 4, 7, 12],
          "byteLengthLong": [360, 160, 100],
          "decode": [
            "\\ufffd", "\\ufffd", "\\u20acA", "\\ufffd", "\\ufffd\\ufffd\\ufffd", "\\ufffd\\ufffd", "\\ufffd\\ufffd",
            "\\ufffd\\ufffd\\ufffd", "\\ufffd\\ufffd\\ufffd\\ufffd", "\\ufffd\\ufffdA", "\\ufeffA",
            "\\ufffd\\ufffd\\ufffda"
          ],
          "decodeNamed": "\\u20acA",
          "roundTrip": [true, true, true, true, true, false, false, false, true]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn utf16le_both_ways() {
    check(
        r#"
        return {
          encode: ["ucs2", "ucs-2", "utf16le", "utf-16le", "UTF-16LE", "UCS2"].map((e) => hex(Buffer.from("a€😀", e))),
          decode: [hex(Buffer.from("abc", "ucs2")), Buffer.from("610062", "hex").toString("utf16le"),
            escape(Buffer.from("3dd800de", "hex").toString("ucs2")), escape(Buffer.from("00d8", "hex").toString("utf16le"))],
          unaligned: escape(Buffer.from("0061006200", "hex").subarray(1).toString("ucs2")),
          byteLength: [Buffer.byteLength("a€😀", "ucs2"), Buffer.byteLength("", "utf16le")],
          long: (() => { const s = "ab€😀".repeat(3000); const b = Buffer.from(s, "utf16le"); return [b.length, b.toString("utf16le") === s, b.subarray(1).toString("ucs2").length]; })(),
        };
        "#,
        r#"
        {
          "encode": [
            "6100ac203dd800de", "6100ac203dd800de", "6100ac203dd800de", "6100ac203dd800de", "6100ac203dd800de",
            "6100ac203dd800de"
          ],
          "decode": ["610062006300", "a", "\\ud83d\\ude00", "\\ud800"],
          "unaligned": "ab",
          "byteLength": [8, 0],
          "long": [30000, true, 14999]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn latin1_and_ascii() {
    check(
        r#"
        const short = "aé\u00ff\u0100\u20ac";
        const long = "é".repeat(30) + "\u0100z" + "x".repeat(30);
        return {
          latin1: [hex(Buffer.from(short, "latin1")), hex(Buffer.from(short, "binary")), hex(Buffer.from(short, "LATIN1"))],
          ascii: hex(Buffer.from(short, "ascii")),
          longLatin1: [hex(Buffer.from(long, "latin1").subarray(28, 34)), Buffer.from(long, "latin1").length],
          loneSurrogate: [hex(Buffer.from("a\ud800", "latin1")), hex(Buffer.from("a".repeat(60) + "\ud800", "latin1").subarray(59))],
          decodeLatin1: [escape(Buffer.from([0x61, 0xe9, 0xff, 0x80]).toString("latin1")), escape(Buffer.from([0xe9, 0x41]).toString("binary"))],
          decodeAscii: [escape(Buffer.from([0x61, 0xe9, 0xff, 0x80, 0x7f]).toString("ascii")), Buffer.from("hello").toString("ascii")],
          longDecode: (() => { const b = Buffer.alloc(300); for (let i = 0; i < 300; i++) b[i] = i; const l = b.toString("latin1"); const a = b.toString("ascii");
            return [l.length, l.charCodeAt(255), l.charCodeAt(299), a.charCodeAt(200), a.charCodeAt(127), Buffer.from(l, "latin1").equals(b)]; })(),
          byteLength: [Buffer.byteLength(short, "latin1"), Buffer.byteLength(short, "ascii"), Buffer.byteLength(short, "binary")],
        };
        "#,
        r#"
        {
          "latin1": ["61e9ff00ac", "61e9ff00ac", "61e9ff00ac"],
          "ascii": "61e9ff00ac",
          "longLatin1": ["e9e9007a7878", 62],
          "loneSurrogate": ["6100", "6100"],
          "decodeLatin1": ["a\\u00e9\\u00ff\\u0080", "\\u00e9A"],
          "decodeAscii": ["ai\\u007f\\u0000\\u007f", "hello"],
          "longDecode": [300, 255, 43, 72, 127, true],
          "byteLength": [5, 5, 5]
        }
        "#,
    )
    .await;
}

/// Node's lenient decoding: both alphabets, anything else skipped, stop at the first '=', only the low byte
/// of each code unit counts; byteLength is Node's estimate from the length.
#[tokio::test]
async fn base64_and_base64url() {
    check(
        r#"
        const inputs = ["YWJj", "YWJjZA==", "YWJjZA", "YWJjZA=", "YQ==YQ==", "Y", "YQ", " Y W\nJ j\t", "YW*Jj", "-_-_", "+/+/", "+_/-", "=YWJj",
          "YWJj ZGVm\r\n", "\u0159WJj", "\u013dYQ", "////", "YR==", "aGVsbG8gd29ybGQ"];
        return {
          decode: inputs.map((s) => hex(Buffer.from(s, "base64"))),
          decodeUrl: inputs.map((s) => hex(Buffer.from(s, "base64url"))),
          encode: [[], [0x61], [0x61, 0x62], [0x61, 0x62, 0x63], [0xfb, 0xff, 0xbf], [0xff, 0xfe]].map((b) =>
            [Buffer.from(b).toString("base64"), Buffer.from(b).toString("base64url")]),
          byteLength: inputs.map((s) => Buffer.byteLength(s, "base64")),
          byteLengthUrl: ["YQ", "YQ=", "YQ==", "", "=", "a=b="].map((s) => Buffer.byteLength(s, "base64url")),
          mixedCase: hex(Buffer.from("aGk=", "BASE64")),
          long: (() => { const b = Buffer.alloc(3000); for (let i = 0; i < b.length; i++) b[i] = i * 7; const s = b.toString("base64");
            const wrapped = s.replace(/(.{76})/g, "$1\n"); const url = b.toString("base64url");
            return [s.length, s.slice(-6), Buffer.from(s, "base64").equals(b), Buffer.from(wrapped, "base64").equals(b), Buffer.from(url, "base64").equals(b),
              Buffer.from(s + "!", "base64").equals(b), url.length]; })(),
        };
        "#,
        r#"
        {
          "decode": [
            "616263", "61626364", "61626364", "61626364", "61", "", "61", "616263", "616263", "fbffbf", "fbffbf",
            "fbfffe", "", "616263646566", "616263", "", "ffffff", "61", "68656c6c6f20776f726c64"
          ],
          "decodeUrl": [
            "616263", "61626364", "61626364", "61626364", "61", "", "61", "616263", "616263", "fbffbf", "fbffbf",
            "fbfffe", "", "616263646566", "616263", "", "ffffff", "61", "68656c6c6f20776f726c64"
          ],
          "encode": [["", ""], ["YQ==", "YQ"], ["YWI=", "YWI"], ["YWJj", "YWJj"], ["+/+/", "-_-_"], ["//4=", "__4"]],
          "byteLength": [3, 4, 4, 4, 4, 0, 1, 6, 3, 3, 3, 3, 3, 8, 3, 2, 3, 1, 11],
          "byteLengthUrl": [1, 1, 1, 0, 0, 2],
          "mixedCase": "6869",
          "long": [4000, "Xs8/oB", true, true, true, true, 4000]
        }
        "#,
    )
    .await;
}

/// Hex decoding stops at the first pair that is not hex (or at a lone trailing digit).
#[tokio::test]
async fn hex_both_ways() {
    check(
        r#"
        const inputs = ["", "00ff", "DEADbeef", "abc", "a", "zz", "0g", "ab zz", "abcdxx12", "\u01300", "12\u00ab"];
        return {
          decode: inputs.map((s) => hex(Buffer.from(s, "hex"))),
          encode: [Buffer.from([0, 1, 0xab, 0xff]).toString("hex"), Buffer.from("hi").toString("HEX")],
          byteLength: inputs.map((s) => Buffer.byteLength(s, "hex")),
          write: (() => { const b = Buffer.alloc(4); return [b.write("zz", "hex"), b.write("0102zz", "hex"), b.write("aabbccddee", "hex"), hex(b)]; })(),
          long: (() => { const b = Buffer.alloc(2000); for (let i = 0; i < b.length; i++) b[i] = i * 13; const s = b.toString("hex");
            return [s.length, s.slice(0, 8), Buffer.from(s, "hex").equals(b), Buffer.from(s.toUpperCase(), "hex").equals(b), Buffer.from(s.slice(0, 1001) + "x" + s, "hex").length]; })(),
        };
        "#,
        r#"
        {
          "decode": ["", "00ff", "deadbeef", "ab", "", "", "", "ab", "abcd", "00", "12"],
          "encode": ["0001abff", "6869"],
          "byteLength": [0, 2, 4, 1, 0, 1, 1, 2, 4, 1, 1],
          "write": [0, 2, 4, "aabbccdd"],
          "long": [4000, "000d1a27", true, true, 500]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn encoding_names() {
    check(
        r#"
        const names = ["utf8", "UTF-8", "ucs2", "UCS-2", "utf16le", "Utf-16le", "latin1", "BINARY", "ascii", "base64", "base64URL", "hex",
          "", "utf16", "utf-16", "latin-1", "constructor", "toString", null, undefined, 1];
        return names.map((e) => [Buffer.isEncoding(e), (() => { try { return Buffer.from("6162", e).length; } catch (x) { return x.code; } })()]);
        "#,
        r#"
        [
          [true, 4], [true, 4], [true, 8], [true, 8], [true, 8], [true, 8], [true, 4], [true, 4], [true, 4], [true, 3],
          [true, 3], [true, 2], [false, 4], [false, "ERR_UNKNOWN_ENCODING"], [false, "ERR_UNKNOWN_ENCODING"],
          [false, "ERR_UNKNOWN_ENCODING"], [false, "ERR_UNKNOWN_ENCODING"], [false, "ERR_UNKNOWN_ENCODING"],
          [false, 4], [false, 4], [false, 4]
        ]
        "#,
    )
    .await;
}

#[tokio::test]
async fn from_variants() {
    check(
        r#"
        const ab = new ArrayBuffer(8);
        const shared = Buffer.from(ab, 2, 4);
        shared[0] = 7;
        const orig = Buffer.from([1, 2, 3]);
        const copy = Buffer.from(orig);
        copy[0] = 9;
        return {
          array: hex(Buffer.from([1, 2, 300, -1, 1.5, "7", "x", null, 256 + 65])),
          arrayLike: [hex(Buffer.from({ length: 3, 0: 1, 2: 255 })), hex(Buffer.from({ length: "3", 0: 1 })), hex(Buffer.from({ length: 2.5, 0: 9, 1: 8 }))],
          json: hex(Buffer.from({ type: "Buffer", data: [104, 105] })),
          typed: [hex(Buffer.from(new Uint16Array([1, 258]))), hex(Buffer.from(new Float64Array([1.5, -1]))), hex(Buffer.from(new DataView(ab)))],
          arrayBuffer: [new Uint8Array(ab)[2], shared.byteOffset, shared.length, shared.buffer === ab, Buffer.from(ab).length, Buffer.from(ab, 6).length,
            Buffer.from(ab, 1, 0).length, Buffer.from(ab, "x").length, Buffer.from(ab, 1, -2).length],
          arrayBufferErrors: [err(() => Buffer.from(ab, 9)), err(() => Buffer.from(ab, 4, 5))],
          copy: [hex(orig), hex(copy)],
          objects: [hex(Buffer.from(new String("abc"))), hex(Buffer.from(new String("YWI="), "base64")), hex(Buffer.from({ valueOf() { return "xy"; } })),
            hex(Buffer.from({ [Symbol.toPrimitive]() { return "cXI="; } }, "base64"))],
          strings: [hex(Buffer.from("abc", "")), hex(Buffer.from("abc", 5)), err(() => Buffer.from("abc", "nope")), err(() => Buffer.from("", "nope"))],
          bad: [5, undefined, null, {}, Symbol("s"), true, "x".repeat(40).length > 0 ? () => 1 : 0].map((v) => err(() => Buffer.from(v))),
          of: hex(Buffer.of(1, 2, 257)),
          copyBytesFrom: [hex(Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 1, 1)), hex(Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 1)),
            hex(Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 5)), hex(Buffer.copyBytesFrom(new Float32Array([1.5]))),
            err(() => Buffer.copyBytesFrom([1])), err(() => Buffer.copyBytesFrom(new Uint8Array(2), -1)), err(() => Buffer.copyBytesFrom(new Uint8Array(2), 0, 1.5))],
        };
        "#,
        r#"
        {
          "array": "01022cff0107000041",
          "arrayLike": ["0100ff", "", "0908"],
          "json": "6869",
          "typed": ["0102", "01ff", ""],
          "arrayBuffer": [7, 2, 4, true, 8, 2, 0, 8, 0],
          "arrayBufferErrors": [
            "RangeError [ERR_BUFFER_OUT_OF_BOUNDS]: \"offset\" is outside of buffer bounds",
            "RangeError [ERR_BUFFER_OUT_OF_BOUNDS]: \"length\" is outside of buffer bounds"
          ],
          "copy": ["010203", "090203"],
          "objects": ["616263", "6162", "7879", "7172"],
          "strings": [
            "616263", "616263", "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope"
          ],
          "bad": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type number (5)",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received undefined",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received null",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received an instance of Object",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type symbol (Symbol(s))",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type boolean (true)",
            "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received function "
          ],
          "of": "010201",
          "copyBytesFrom": [
            "0200", "02000300", "", "0000c03f",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"view\" argument must be an instance of TypedArray. Received an instance of Array",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 && <= 9007199254740991. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"length\" is out of range. It must be an integer. Received 1.5"
          ]
        }
        "#,
    )
    .await;
}

/// Range errors quote verge's kMaxLength (2^31 - 1, QuickJS's largest ArrayBuffer) where Node's quote its 2^32.
#[tokio::test]
async fn alloc_family() {
    check(
        r#"
        return {
          zeroed: [hex(Buffer.alloc(4)), hex(Buffer.alloc(0))],
          fill: [hex(Buffer.alloc(5, "ab")), hex(Buffer.alloc(5, "YWI=", "base64")), hex(Buffer.alloc(4, 257)), hex(Buffer.alloc(5, Buffer.from([1, 2]))),
            hex(Buffer.alloc(4, "€")), hex(Buffer.alloc(3, "")), hex(Buffer.alloc(0, "a"))],
          errors: [err(() => Buffer.alloc(-1)), err(() => Buffer.alloc("5")), err(() => Buffer.alloc(NaN)), err(() => Buffer.alloc(1.5)),
            err(() => Buffer.alloc(5, "zz", "hex")), err(() => Buffer.alloc(5, "ab", "nope")), err(() => Buffer.allocUnsafe(-1)), err(() => Buffer.allocUnsafeSlow("1"))],
          unsafe: [Buffer.allocUnsafe(3).length, Buffer.allocUnsafeSlow(3).length, Buffer.isBuffer(Buffer.allocUnsafe(1))],
        };
        "#,
        r#"
        {
          "zeroed": ["00000000", ""],
          "fill": ["6162616261", "6162616261", "01010101", "0102010201", "e282ace2", "000000", ""],
          "errors": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received -1",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"size\" argument must be of type number. Received type string ('5')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received NaN",
            "no error", "TypeError [ERR_INVALID_ARG_VALUE]: The argument 'value' is invalid. Received 'zz'",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received -1",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"size\" argument must be of type number. Received type string ('1')"
          ],
          "unsafe": [3, 3, true]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn slices_share_memory() {
    check(
        r#"
        const b = Buffer.from([1, 2, 3, 4, 5]);
        const out = [];
        for (const args of [[], [1], [1, 3], [-2], [-2, -1], [3, 1], ["1"], [1.5, 3.5], [NaN, 2], [0, -1], [undefined, null], [100], [-100, 2], [Infinity]]) {
          out.push([hex(b.slice(...args)), hex(b.subarray(...args))]);
        }
        const s = b.slice(1, 3);
        s[0] = 99;
        const t = b.subarray(2);
        t[1] = 77;
        return { out, shared: hex(b), kinds: [s instanceof Buffer, t instanceof Buffer, s.buffer === b.buffer, s.byteOffset - b.byteOffset, t.byteOffset - b.byteOffset] };
        "#,
        r#"
        {
          "out": [
            ["0102030405", "0102030405"], ["02030405", "02030405"], ["0203", "0203"], ["0405", "0405"], ["04", "04"],
            ["", ""], ["02030405", "02030405"], ["0203", "0203"], ["0102", "0102"], ["01020304", "01020304"], ["", ""],
            ["", ""], ["0102", "0102"], ["", ""]
          ],
          "shared": "0163034d05",
          "kinds": [true, true, true, 1, 2]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn write_strings() {
    check(
        r#"
        const out = [];
        for (const args of [["abc"], ["abc", 1], ["abc", 1, 1], ["abc", "latin1"], ["6162", 1, "hex"], ["€€", 0, 4], ["😀", 0, 3], ["a😀", 0, 4],
          ["a😀b", 0, 5], ["x", 0, 0], ["abcd", 0, 3, "ucs2"], ["abcd", 1, "ucs2"], ["YWJjZGVm", "base64"], ["YWJjZGVm", 2, 2, "base64url"],
          ["\u0100\u00ff", "latin1"], ["\u0100\u00ff", "ascii"], ["a\ud800b"], ["toolongtoolong"], ["ab", 3, "utf16le"]]) {
          const b = Buffer.alloc(5, 0x2e);
          out.push([b.write(...args), hex(b)]);
        }
        const b = Buffer.alloc(5);
        return { out, errors: [err(() => b.write("a", 6)), err(() => b.write("a", -1)), err(() => b.write("a", 1.5)), err(() => b.write("a", 0, 6)),
          err(() => b.write("a", 0, -1)), err(() => b.write(5)), err(() => b.write(5, 0)), err(() => b.write("a", 0, 2, "nope")), err(() => b.write("a", "1"))] };
        "#,
        r#"
        {
          "out": [
            [3, "6162632e2e"], [3, "2e6162632e"], [1, "2e612e2e2e"], [3, "6162632e2e"], [2, "2e61622e2e"],
            [3, "e282ac2e2e"], [0, "2e2e2e2e2e"], [1, "612e2e2e2e"], [5, "61f09f9880"], [0, "2e2e2e2e2e"],
            [2, "61002e2e2e"], [4, "2e61006200"], [5, "6162636465"], [2, "2e2e61622e"], [2, "00ff2e2e2e"],
            [2, "00ff2e2e2e"], [5, "61efbfbd62"], [5, "746f6f6c6f"], [2, "2e2e2e6100"]
          ],
          "errors": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 && <= 5. Received 6",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 && <= 5. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be an integer. Received 1.5",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"length\" is out of range. It must be >= 0 && <= 5. Received 6",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"length\" is out of range. It must be >= 0 && <= 5. Received -1",
            "TypeError [ERR_INVALID_ARG_TYPE]: argument must be a string",
            "TypeError [ERR_INVALID_ARG_TYPE]: argument must be a string",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: 1"
          ]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn read_integers() {
    check(
        r#"
        const b = Buffer.from([0x01, 0x82, 0xf3, 0x04, 0xf5, 0x86, 0x07, 0xf8, 0x89, 0x80]);
        const out = {};
        for (const m of ["readUInt8", "readInt8", "readUInt16LE", "readUInt16BE", "readInt16LE", "readInt16BE", "readUInt32LE", "readUInt32BE", "readInt32LE", "readInt32BE"]) {
          out[m] = [0, 1, 2, 3].map((o) => b[m](o));
        }
        out.defaults = [b.readUInt8(), b.readInt16BE(), b.readUInt32LE()];
        for (const m of ["readUIntLE", "readUIntBE", "readIntLE", "readIntBE"]) out[m] = [1, 2, 3, 4, 5, 6].map((n) => b[m](1, n));
        out.lowercase = [b.readUint8(1), b.readUint16BE(1), b.readUint32LE(1), b.readUintBE(1, 6)];
        return out;
        "#,
        r#"
        {
          "readUInt8": [1, 130, 243, 4],
          "readInt8": [1, -126, -13, 4],
          "readUInt16LE": [33281, 62338, 1267, 62724],
          "readUInt16BE": [386, 33523, 62212, 1269],
          "readInt16LE": [-32255, -3198, 1267, -2812],
          "readInt16BE": [386, -32013, -3324, 1269],
          "readUInt32LE": [83067393, 4110742402, 2264204531, 126285060],
          "readUInt32BE": [25359108, 2196964597, 4077188486, 83199495],
          "readInt32LE": [83067393, -184224894, -2030762765, 126285060],
          "readInt32BE": [25359108, -2098002699, -217778810, 83199495],
          "defaults": [1, 386, 83067393],
          "readUIntLE": [130, 62338, 324482, 4110742402, 579636360066, 8276217754498],
          "readUIntBE": [130, 33523, 8581892, 2196964597, 562422936966, 143980271863303],
          "readIntLE": [-126, -3198, 324482, -184224894, -519875267710, 8276217754498],
          "readIntBE": [-126, -32013, -8195324, -2098002699, -537088690810, -137494704847353],
          "lowercase": [130, 33523, 4110742402, 143980271863303]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn write_integers() {
    check(
        r#"
        const cases = [["writeUInt8", 0xab], ["writeInt8", -2], ["writeUInt16LE", 0xabcd], ["writeUInt16BE", 0xabcd], ["writeInt16LE", -2], ["writeInt16BE", -300],
          ["writeUInt32LE", 0xdeadbeef], ["writeUInt32BE", 0xdeadbeef], ["writeInt32LE", -2], ["writeInt32BE", -123456789],
          ["writeUInt16LE", 1.7], ["writeInt32BE", -1.7], ["writeUInt8", NaN], ["writeUInt32LE", "12"], ["writeUint16BE", 0x1234]];
        const out = cases.map(([m, v]) => { const b = Buffer.alloc(6, 0xaa); const r = b[m](v, 1); return [m, r, hex(b)]; });
        const wide = [];
        for (const m of ["writeUIntLE", "writeUIntBE", "writeIntLE", "writeIntBE"]) {
          for (const n of [1, 2, 3, 4, 5, 6]) {
            const b = Buffer.alloc(8, 0xaa);
            const v = m.includes("UInt") ? 2 ** (8 * n) - 3 : -(2 ** (8 * n - 1)) + 5;
            wide.push([m, n, b[m](v, 1, n), hex(b)]);
          }
        }
        const d = Buffer.alloc(4);
        return { out, wide, defaultOffset: [d.writeUInt16BE(0x0102), hex(d)], bigFraction: (() => { const b = Buffer.alloc(6); b.writeUIntLE(2 ** 40 + 0.5, 0, 6); return hex(b); })() };
        "#,
        r#"
        {
          "out": [
            ["writeUInt8", 2, "aaabaaaaaaaa"], ["writeInt8", 2, "aafeaaaaaaaa"], ["writeUInt16LE", 3, "aacdabaaaaaa"],
            ["writeUInt16BE", 3, "aaabcdaaaaaa"], ["writeInt16LE", 3, "aafeffaaaaaa"],
            ["writeInt16BE", 3, "aafed4aaaaaa"], ["writeUInt32LE", 5, "aaefbeaddeaa"],
            ["writeUInt32BE", 5, "aadeadbeefaa"], ["writeInt32LE", 5, "aafeffffffaa"],
            ["writeInt32BE", 5, "aaf8a432ebaa"], ["writeUInt16LE", 3, "aa0100aaaaaa"],
            ["writeInt32BE", 5, "aaffffffffaa"], ["writeUInt8", 2, "aa00aaaaaaaa"],
            ["writeUInt32LE", 5, "aa0c000000aa"], ["writeUint16BE", 3, "aa1234aaaaaa"]
          ],
          "wide": [
            ["writeUIntLE", 1, 2, "aafdaaaaaaaaaaaa"], ["writeUIntLE", 2, 3, "aafdffaaaaaaaaaa"],
            ["writeUIntLE", 3, 4, "aafdffffaaaaaaaa"], ["writeUIntLE", 4, 5, "aafdffffffaaaaaa"],
            ["writeUIntLE", 5, 6, "aafdffffffffaaaa"], ["writeUIntLE", 6, 7, "aafdffffffffffaa"],
            ["writeUIntBE", 1, 2, "aafdaaaaaaaaaaaa"], ["writeUIntBE", 2, 3, "aafffdaaaaaaaaaa"],
            ["writeUIntBE", 3, 4, "aafffffdaaaaaaaa"], ["writeUIntBE", 4, 5, "aafffffffdaaaaaa"],
            ["writeUIntBE", 5, 6, "aafffffffffdaaaa"], ["writeUIntBE", 6, 7, "aafffffffffffdaa"],
            ["writeIntLE", 1, 2, "aa85aaaaaaaaaaaa"], ["writeIntLE", 2, 3, "aa0580aaaaaaaaaa"],
            ["writeIntLE", 3, 4, "aa050080aaaaaaaa"], ["writeIntLE", 4, 5, "aa05000080aaaaaa"],
            ["writeIntLE", 5, 6, "aa0500000080aaaa"], ["writeIntLE", 6, 7, "aa050000000080aa"],
            ["writeIntBE", 1, 2, "aa85aaaaaaaaaaaa"], ["writeIntBE", 2, 3, "aa8005aaaaaaaaaa"],
            ["writeIntBE", 3, 4, "aa800005aaaaaaaa"], ["writeIntBE", 4, 5, "aa80000005aaaaaa"],
            ["writeIntBE", 5, 6, "aa8000000005aaaa"], ["writeIntBE", 6, 7, "aa800000000005aa"]
          ],
          "defaultOffset": [2, "01020000"],
          "bigFraction": "000000000001"
        }
        "#,
    )
    .await;
}

/// Node's exact messages for values, offsets and byte lengths out of range.
#[tokio::test]
async fn integer_range_errors() {
    check(
        r#"
        const b = Buffer.alloc(8);
        return {
          value: [err(() => b.writeUInt8(256)), err(() => b.writeUInt8(-0.5)), err(() => b.writeInt8(128)), err(() => b.writeUInt16LE(65536)),
            err(() => b.writeInt16BE(-32769)), err(() => b.writeUInt32LE(2 ** 32)), err(() => b.writeInt32LE(-(2 ** 31) - 1)),
            err(() => b.writeUInt32LE(12345678901)), err(() => b.writeUIntLE(2 ** 24, 0, 3)), err(() => b.writeIntLE(-(2 ** 23) - 1, 0, 3)),
            err(() => b.writeUIntBE(2 ** 40, 0, 5)), err(() => b.writeIntBE(2 ** 39, 0, 5)), err(() => b.writeUIntLE(2 ** 48, 0, 6)),
            err(() => b.writeIntLE(2 ** 47, 0, 6)), err(() => b.writeUInt16LE(2 ** 40))],
          offset: [err(() => b.readUInt8(8)), err(() => b.readUInt16LE(7)), err(() => b.readInt32BE(5)), err(() => b.readUInt8(1.5)),
            err(() => b.readUInt8("1")), err(() => b.readUInt8(-1)), err(() => b.readUInt16BE(NaN)), err(() => b.readUInt32LE(Infinity)),
            err(() => b.readDoubleLE(2 ** 33)), err(() => b.writeUInt8(1, 8)), err(() => b.writeUInt32BE(1, 5)), err(() => b.writeUInt16LE(1, 0.5)),
            err(() => b.writeInt16LE(1, "0")), err(() => b.readUIntLE(7, 2)), err(() => Buffer.alloc(2).readInt32LE(0)),
            err(() => Buffer.alloc(40).readUInt16LE("1")), err(() => b.readUInt8({}))],
          byteLength: [err(() => b.readUIntLE(0)), err(() => b.readUIntLE(0, 7)), err(() => b.readIntBE(0, 0)), err(() => b.readUIntBE(0, 1.5)),
            err(() => b.readIntLE(0, "2")), err(() => b.writeUIntLE(1, 0, 7)), err(() => b.writeIntBE(1, 0)), err(() => b.readUIntLE(undefined, 2))],
        };
        "#,
        r#"
        {
          "value": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 255. Received 256",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 255. Received -0.5",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -128 and <= 127. Received 128",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 65535. Received 65536",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -32768 and <= 32767. Received -32769",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 4294967295. Received 4294967296",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -2147483648 and <= 2147483647. Received -2147483649",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 4294967295. Received 12_345_678_901",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 16777215. Received 16777216",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -8388608 and <= 8388607. Received -8388609",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and < 2 ** 40. Received 1_099_511_627_776",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -(2 ** 39) and < 2 ** 39. Received 549_755_813_888",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and < 2 ** 48. Received 281_474_976_710_656",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -(2 ** 47) and < 2 ** 47. Received 140_737_488_355_328",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0 and <= 65535. Received 1_099_511_627_776"
          ],
          "offset": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 7. Received 8",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 6. Received 7",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 4. Received 5",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be an integer. Received 1.5",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received type string ('1')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 7. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be an integer. Received NaN",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 4. Received Infinity",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 0. Received 8_589_934_592",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 7. Received 8",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 4. Received 5",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be an integer. Received 0.5",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received type string ('0')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 6. Received 7",
            "RangeError [ERR_BUFFER_OUT_OF_BOUNDS]: Attempt to access memory outside buffer bounds",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received type string ('1')",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received an instance of Object"
          ],
          "byteLength": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"byteLength\" argument must be of type number. Received undefined",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"byteLength\" is out of range. It must be >= 1 and <= 6. Received 7",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"byteLength\" is out of range. It must be >= 1 and <= 6. Received 0",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"byteLength\" is out of range. It must be an integer. Received 1.5",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"byteLength\" argument must be of type number. Received type string ('2')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"byteLength\" is out of range. It must be >= 1 and <= 6. Received 7",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"byteLength\" argument must be of type number. Received undefined",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received undefined"
          ]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn bigints_and_floats() {
    check(
        r#"
        const src = Buffer.from([0x01, 0x82, 0xf3, 0x04, 0xf5, 0x86, 0x07, 0xf8, 0x89, 0x80]);
        const big = [src.readBigUInt64LE(1), src.readBigUInt64BE(1), src.readBigInt64LE(1), src.readBigInt64BE(1), src.readBigUint64LE(), src.readBigInt64BE(2)].map(String);
        const writes = [["writeBigUInt64LE", 2n ** 64n - 2n], ["writeBigUInt64BE", 0x0102030405060708n], ["writeBigInt64LE", -2n], ["writeBigInt64BE", -(2n ** 63n)], ["writeBigUint64LE", 5n]]
          .map(([m, v]) => { const b = Buffer.alloc(10, 0xaa); return [m, b[m](v, 1), hex(b)]; });
        const floats = [];
        for (const v of [1.5, -0, NaN, Infinity, -Infinity, 0.1, 3.4e39, 1e-46, -123456.789]) {
          for (const m of ["writeFloatLE", "writeFloatBE", "writeDoubleLE", "writeDoubleBE"]) {
            const b = Buffer.alloc(9);
            const r = b[m](v, 1);
            const back = b[m.replace("write", "read")](1);
            floats.push([m, String(v), r, hex(b), Object.is(back, -0) ? "-0" : String(back)]);
          }
        }
        const b = Buffer.alloc(8);
        return { big, writes, floats, reads: [src.readFloatLE(1), src.readFloatBE(2), src.readDoubleLE(1), src.readDoubleBE(2)],
          errors: [err(() => b.writeBigUInt64LE(-1n)), err(() => b.writeBigUInt64BE(2n ** 64n)), err(() => b.writeBigInt64LE(2n ** 63n)),
            err(() => b.writeBigInt64BE(-(2n ** 70n))), errKind(() => b.writeBigInt64LE(1)), err(() => b.readBigInt64LE(1)), err(() => Buffer.alloc(7).readBigUInt64BE()),
            err(() => b.writeDoubleLE(1, 1)), err(() => b.readFloatBE(5)), err(() => b.writeFloatLE(1, "0"))] };
        "#,
        r#"
        {
          "big": [
            "9941704453638124418", "9435891096833489033", "-8505039620071427198", "-9010852976876062583",
            "17872402033151279617", "-935352866578069120"
          ],
          "writes": [
            ["writeBigUInt64LE", 9, "aafeffffffffffffffaa"], ["writeBigUInt64BE", 9, "aa0102030405060708aa"],
            ["writeBigInt64LE", 9, "aafeffffffffffffffaa"], ["writeBigInt64BE", 9, "aa8000000000000000aa"],
            ["writeBigUint64LE", 9, "aa0500000000000000aa"]
          ],
          "floats": [
            ["writeFloatLE", "1.5", 5, "000000c03f00000000", "1.5"],
            ["writeFloatBE", "1.5", 5, "003fc0000000000000", "1.5"],
            ["writeDoubleLE", "1.5", 9, "00000000000000f83f", "1.5"],
            ["writeDoubleBE", "1.5", 9, "003ff8000000000000", "1.5"],
            ["writeFloatLE", "0", 5, "000000008000000000", "-0"], ["writeFloatBE", "0", 5, "008000000000000000", "-0"],
            ["writeDoubleLE", "0", 9, "000000000000000080", "-0"],
            ["writeDoubleBE", "0", 9, "008000000000000000", "-0"],
            ["writeFloatLE", "NaN", 5, "000000c07f00000000", "NaN"],
            ["writeFloatBE", "NaN", 5, "007fc0000000000000", "NaN"],
            ["writeDoubleLE", "NaN", 9, "00000000000000f87f", "NaN"],
            ["writeDoubleBE", "NaN", 9, "007ff8000000000000", "NaN"],
            ["writeFloatLE", "Infinity", 5, "000000807f00000000", "Infinity"],
            ["writeFloatBE", "Infinity", 5, "007f80000000000000", "Infinity"],
            ["writeDoubleLE", "Infinity", 9, "00000000000000f07f", "Infinity"],
            ["writeDoubleBE", "Infinity", 9, "007ff0000000000000", "Infinity"],
            ["writeFloatLE", "-Infinity", 5, "00000080ff00000000", "-Infinity"],
            ["writeFloatBE", "-Infinity", 5, "00ff80000000000000", "-Infinity"],
            ["writeDoubleLE", "-Infinity", 9, "00000000000000f0ff", "-Infinity"],
            ["writeDoubleBE", "-Infinity", 9, "00fff0000000000000", "-Infinity"],
            ["writeFloatLE", "0.1", 5, "00cdcccc3d00000000", "0.10000000149011612"],
            ["writeFloatBE", "0.1", 5, "003dcccccd00000000", "0.10000000149011612"],
            ["writeDoubleLE", "0.1", 9, "009a9999999999b93f", "0.1"],
            ["writeDoubleBE", "0.1", 9, "003fb999999999999a", "0.1"],
            ["writeFloatLE", "3.4e+39", 5, "000000807f00000000", "Infinity"],
            ["writeFloatBE", "3.4e+39", 5, "007f80000000000000", "Infinity"],
            ["writeDoubleLE", "3.4e+39", 9, "00cc0bb85cc0fb2348", "3.4e+39"],
            ["writeDoubleBE", "3.4e+39", 9, "004823fbc05cb80bcc", "3.4e+39"],
            ["writeFloatLE", "1e-46", 5, "000000000000000000", "0"],
            ["writeFloatBE", "1e-46", 5, "000000000000000000", "0"],
            ["writeDoubleLE", "1e-46", 9, "0061552c24ce446236", "1e-46"],
            ["writeDoubleBE", "1e-46", 9, "00366244ce242c5561", "1e-46"],
            ["writeFloatLE", "-123456.789", 5, "006520f1c700000000", "-123456.7890625"],
            ["writeFloatBE", "-123456.789", 5, "00c7f1206500000000", "-123456.7890625"],
            ["writeDoubleLE", "-123456.789", 9, "00c976be9f0c24fec0", "-123456.789"],
            ["writeDoubleBE", "-123456.789", 9, "00c0fe240c9fbe76c9", "-123456.789"]
          ],
          "reads": [-1.6853567151401647e+32, -1.053410327534895e+31, -1.2209749259458095e-260, -1.1448764330305808e+246],
          "errors": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0n and < 2n ** 64n. Received -1n",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= 0n and < 2n ** 64n. Received 18_446_744_073_709_551_616n",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -(2n ** 63n) and < 2n ** 63n. Received 9_223_372_036_854_775_808n",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. It must be >= -(2n ** 63n) and < 2n ** 63n. Received -1_180_591_620_717_411_303_424n",
            "TypeError [undefined]",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 0. Received 1",
            "RangeError [ERR_BUFFER_OUT_OF_BOUNDS]: Attempt to access memory outside buffer bounds",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 0. Received 1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 and <= 4. Received 5",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"offset\" argument must be of type number. Received type string ('0')"
          ]
        }
        "#,
    )
    .await;
}

/// Strings, numbers and byte needles, every byteOffset form, encodings (utf16le matches only at even offsets),
/// and haystacks where first-byte candidates keep failing (searched as text).
#[tokio::test]
async fn index_of_variants() {
    check(
        r#"
        const b = Buffer.from("abcabcabc€ab");
        const out = [];
        for (const needle of ["a", "bc", "€", "abcd", "", 97, 97 + 256, -159, 98.9, Buffer.from("ca"), new Uint8Array([0x82, 0xac]), Buffer.alloc(0)]) {
          for (const rest of [[], [1], [4], [-3], [-100], [100], [2.7], [undefined, "latin1"], [null], [NaN]]) {
            out.push([b.indexOf(needle, ...rest), b.lastIndexOf(needle, ...rest), b.includes(needle, ...rest)]);
          }
        }
        const enc = [b.indexOf("YWI=", 0, "base64"), b.indexOf("6263", "hex"), b.lastIndexOf("6263", -1, "hex"), b.indexOf("\u00e2", "latin1"),
          b.indexOf("c", 0, "ascii"), b.indexOf("zz", 3, "hex"), b.indexOf("ab", undefined, "utf8")];
        const u = Buffer.from("abcabc", "ucs2");
        const ucs2 = [u.indexOf("b", 0, "ucs2"), u.indexOf("b", 3, "ucs2"), u.lastIndexOf("b", -1, "ucs2"), u.indexOf("ca", 0, "utf16le"),
          u.indexOf(Buffer.from([0x62, 0]), 0, "ucs2"), u.indexOf(Buffer.from([0, 0x62]), 0, "ucs2"), u.indexOf(Buffer.from([0, 0x62])),
          Buffer.from([0x61, 0, 0x62, 0, 0x61]).lastIndexOf("a", 100, "ucs2")];
        const many = Buffer.from("a".repeat(100) + "ab" + "a".repeat(100) + "ab" + "a".repeat(50));
        const text = [many.indexOf("ab"), many.lastIndexOf("ab"), many.indexOf("aab", 150), many.lastIndexOf("ab", 150), many.indexOf("abx"),
          many.indexOf("ba", 0, "ucs2"), many.lastIndexOf("ab", 1000, "ucs2"), many.indexOf(Buffer.from("aaaaaaaaaaaaaaaaaaab"))];
        return { out, enc, ucs2, text, errors: [err(() => b.indexOf({})), err(() => b.indexOf("a", 0, "nope")), b.indexOf(97, 0, "nope")],
          empty: [Buffer.alloc(0).indexOf(0), Buffer.alloc(0).indexOf(""), Buffer.alloc(0).lastIndexOf("", -1)] };
        "#,
        r#"
        {
          "out": [
            [0, 12, true], [3, 0, true], [6, 3, true], [12, 6, true], [0, -1, true], [-1, 12, false], [3, 0, true],
            [0, 12, true], [0, 0, true], [0, 12, true], [1, 7, true], [1, 1, true], [4, 4, true], [-1, 7, false],
            [1, -1, true], [-1, 7, false], [4, 1, true], [1, 7, true], [1, -1, true], [1, 7, true], [9, 9, true],
            [9, -1, true], [9, -1, true], [-1, 9, false], [9, -1, true], [-1, 9, false], [9, -1, true], [11, 11, true],
            [9, -1, true], [9, 9, true], [-1, -1, false], [-1, -1, false], [-1, -1, false], [-1, -1, false],
            [-1, -1, false], [-1, -1, false], [-1, -1, false], [-1, -1, false], [-1, -1, false], [-1, -1, false],
            [0, 14, true], [1, 1, true], [4, 4, true], [11, 11, true], [0, 0, true], [14, 14, true], [2, 2, true],
            [0, 14, true], [0, 0, true], [0, 14, true], [0, 12, true], [3, 0, true], [6, 3, true], [12, 6, true],
            [0, -1, true], [-1, 12, false], [3, 0, true], [0, 12, true], [0, 0, true], [0, 12, true], [0, 12, true],
            [3, 0, true], [6, 3, true], [12, 6, true], [0, -1, true], [-1, 12, false], [3, 0, true], [0, 12, true],
            [0, 0, true], [0, 12, true], [0, 12, true], [3, 0, true], [6, 3, true], [12, 6, true], [0, -1, true],
            [-1, 12, false], [3, 0, true], [0, 12, true], [0, 0, true], [0, 12, true], [1, 13, true], [1, 1, true],
            [4, 4, true], [13, 7, true], [1, -1, true], [-1, 13, false], [4, 1, true], [1, 13, true], [1, -1, true],
            [1, 13, true], [2, 5, true], [2, -1, true], [5, 2, true], [-1, 5, false], [2, -1, true], [-1, 5, false],
            [2, 2, true], [2, 5, true], [2, -1, true], [2, 5, true], [10, 10, true], [10, -1, true], [10, -1, true],
            [-1, 10, false], [10, -1, true], [-1, 10, false], [10, -1, true], [10, 10, true], [10, -1, true],
            [10, 10, true], [0, 14, true], [1, 1, true], [4, 4, true], [11, 11, true], [0, 0, true], [14, 14, true],
            [2, 2, true], [0, 14, true], [0, 0, true], [0, 14, true]
          ],
          "enc": [0, 1, 7, 9, 2, 3, 0],
          "ucs2": [2, 2, 8, 4, 2, -1, 1, 0],
          "text": [100, 202, 201, 100, -1, -1, -1, 82],
          "errors": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"value\" argument must be one of type number or string or an instance of Buffer or Uint8Array. Received an instance of Object",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope", 0
          ],
          "empty": [-1, 0, 0]
        }
        "#,
    )
    .await;
}

/// Range errors quote verge's kMaxLength (2^31 - 1, QuickJS's largest ArrayBuffer) where Node's quote its 2^32.
#[tokio::test]
async fn concat_compare_equals() {
    check(
        r#"
        const a = Buffer.from("ab"), c = new Uint8Array([99]);
        const cmp = [];
        for (const [x, y] of [[[1, 2, 3], [1, 2, 3]], [[1, 2, 3], [1, 2, 4]], [[1, 2], [1, 2, 3]], [[2], [1, 2, 3]], [[], []], [[], [0]]]) {
          const p = Buffer.from(x), q = Buffer.from(y);
          cmp.push([Buffer.compare(p, q), p.compare(q), p.equals(q), q.compare(p), p.equals(new Uint8Array(y))]);
        }
        const s = Buffer.from([1, 2, 3]), t = Buffer.from([2, 3, 4]);
        const ranges = [[0], [1], [1, 2], [0, 3, 1], [0, 3, 1, 2], [2, 1], [0, 3, 3, 2], [undefined, undefined, undefined, 1]].map((args) => s.compare(t, ...args));
        const long = [];
        for (const [x, y] of [["x".repeat(200), "x".repeat(200)], ["x".repeat(200), "x".repeat(199) + "y"], ["x".repeat(100) + "\u00ff", "x".repeat(100) + "\u0001"],
          ["x".repeat(100), "x".repeat(101)], ["x".repeat(60) + "a", "x".repeat(60) + "B"]]) {
          const p = Buffer.from(x, "latin1"), q = Buffer.from(y, "latin1");
          long.push([Buffer.compare(p, q), Buffer.compare(q, p), p.equals(q), p.compare(q, 10, 60, 10, 60), p.compare(q, 0, 60, 0, 55), p.compare(q, 50, 61, 50)]);
        }
        return {
          concat: [hex(Buffer.concat([])), hex(Buffer.concat([a, c])), hex(Buffer.concat([a, c], 2)), hex(Buffer.concat([a, c], 5)), hex(Buffer.concat([a, Buffer.alloc(0)], 0)),
            Buffer.concat([a]) !== a, Buffer.concat([c]) instanceof Buffer],
          concatErrors: [err(() => Buffer.concat([a, "c"])), err(() => Buffer.concat("ab")), err(() => Buffer.concat([a], -1)), err(() => Buffer.concat([a], 1.5))],
          cmp, ranges, long,
          errors: [err(() => Buffer.compare("a", a)), err(() => Buffer.compare(a, [])), err(() => a.equals("a")), err(() => a.compare("a")),
            err(() => s.compare(t, 0, 9)), err(() => s.compare(t, -1)), err(() => s.compare(t, 0, 3, 0, 9)), err(() => s.compare(t, 1.5)), err(() => s.compare(t, "1"))],
        };
        "#,
        r#"
        {
          "concat": ["", "616263", "6162", "6162630000", "", true, true],
          "concatErrors": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"list[1]\" argument must be an instance of Buffer or Uint8Array. Received type string ('c')",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"list\" argument must be an instance of Array. Received type string ('ab')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"length\" is out of range. It must be >= 0 && <= 2147483647. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"length\" is out of range. It must be an integer. Received 1.5"
          ],
          "cmp": [
            [0, 0, true, 0, true], [-1, -1, false, 1, false], [-1, -1, false, 1, false], [1, 1, false, -1, false],
            [0, 0, true, 0, true], [-1, -1, false, 1, false]
          ],
          "ranges": [-1, -1, -1, -1, -1, 1, -1, -1],
          "long": [
            [0, 0, true, 0, -1, 1], [-1, 1, false, 0, -1, 1], [1, -1, false, 0, -1, 1], [-1, 1, false, 0, -1, 1],
            [1, -1, false, 0, -1, 1]
          ],
          "errors": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"buf1\" argument must be an instance of Buffer or Uint8Array. Received type string ('a')",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"buf2\" argument must be an instance of Buffer or Uint8Array. Received an instance of Array",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"otherBuffer\" argument must be an instance of Buffer or Uint8Array. Received type string ('a')",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"target\" argument must be an instance of Buffer or Uint8Array. Received type string ('a')",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"targetEnd\" is out of range. It must be >= 0 && <= 3. Received 9",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"targetStart\" is out of range. It must be >= 0 && <= 2147483647. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"sourceEnd\" is out of range. It must be >= 0 && <= 3. Received 9",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"targetStart\" is out of range. It must be an integer. Received 1.5",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"targetStart\" argument must be of type number. Received type string ('1')"
          ]
        }
        "#,
    )
    .await;
}

/// Range errors quote verge's kMaxLength (2^31 - 1, QuickJS's largest ArrayBuffer) where Node's quote its 2^32.
#[tokio::test]
async fn fill_variants() {
    check(
        r#"
        const out = [];
        for (const args of [[1], [257], [-1], [1.7], ["a"], ["ab"], ["€"], ["ab", 1], ["ab", 1, 5], ["abc", "latin1"], ["6162", "hex"], ["616", "hex"],
          ["YWI=", "base64"], ["ab", "ucs2"], ["a", "ucs2"], ["\u0100", "latin1"], ["\u0100"], [""], [Buffer.from([1, 2])], [new Uint16Array([0x102])],
          [true], [{}], ["a", 5], ["a", 0, 5, null], ["a", 0, 5, ""], ["😀"], ["😀", 1], [1, 2, 2], [1, 3, 2]]) {
          out.push(hex(Buffer.alloc(7).fill(...args)));
        }
        const b = Buffer.alloc(7);
        return { out, same: b.fill(0) === b,
          errors: [err(() => b.fill("zz", "hex")), err(() => b.fill(new Uint8Array(0))), err(() => b.fill(1, 0, 8)), err(() => b.fill("a", -1)),
            err(() => b.fill("a", "nope")), err(() => b.fill("a", 0, 5, 5)), err(() => b.fill(1, 1.5)), errKind(() => b.fill(1n))] };
        "#,
        r#"
        {
          "out": [
            "01010101010101", "01010101010101", "ffffffffffffff", "01010101010101", "61616161616161", "61626162616261",
            "e282ace282ace2", "00616261626162", "00616261620000", "61626361626361", "61626162616261", "61616161616161",
            "61626162616261", "61006200610062", "61006100610061", "00000000000000", "c480c480c480c4", "00000000000000",
            "01020102010201", "02010201020102", "01010101010101", "00000000000000", "00000000006161", "61616161610000",
            "61616161610000", "f09f9880f09f98", "00f09f9880f09f", "00000000000000", "00000000000000"
          ],
          "same": true,
          "errors": [
            "TypeError [ERR_INVALID_ARG_VALUE]: The argument 'value' is invalid. Received 'zz'",
            "TypeError [ERR_INVALID_ARG_VALUE]: The argument 'value' is invalid. Received Uint8Array(0) []",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"end\" is out of range. It must be >= 0 && <= 7. Received 8",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0 && <= 2147483647. Received -1",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"encoding\" argument must be of type string. Received type number (5)",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be an integer. Received 1.5",
            "TypeError [undefined]"
          ]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn copy_method() {
    check(
        r#"
        const out = [];
        for (const args of [[], [2], [2, 1], [2, 1, 3], [9], [0, 2, 1], [1.7, 0.5, "3"], [NaN, NaN], [0, 0, 100], [4, 0, 5]]) {
          const s = Buffer.from([1, 2, 3, 4, 5]), t = Buffer.alloc(6);
          out.push([s.copy(t, ...args), hex(t)]);
        }
        const o1 = Buffer.from([1, 2, 3, 4, 5]);
        const o2 = Buffer.from([1, 2, 3, 4, 5]);
        const u8 = new Uint8Array(3);
        return { out, overlap: [o1.copy(o1, 1, 0, 4), hex(o1), o2.copy(o2, 0, 1), hex(o2)], toUint8Array: [Buffer.from("xyz").copy(u8, 1), Array.from(u8)],
          errors: [err(() => o1.copy(Buffer.alloc(2), -1)), err(() => o1.copy(Buffer.alloc(2), 0, 6)), err(() => o1.copy(Buffer.alloc(2), 0, 0, -1)), err(() => o1.copy("x"))] };
        "#,
        r#"
        {
          "out": [
            [5, "010203040500"], [4, "000001020304"], [4, "000002030405"], [2, "000002030000"], [0, "000000000000"],
            [0, "000000000000"], [3, "000102030000"], [5, "010203040500"], [5, "010203040500"], [2, "000000000102"]
          ],
          "overlap": [4, "0101020304", 4, "0203040505"],
          "toUint8Array": [2, [0, 120, 121]],
          "errors": [
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"targetStart\" is out of range. It must be >= 0. Received -1",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"sourceStart\" is out of range. It must be >= 0 && <= 5. Received 6",
            "RangeError [ERR_OUT_OF_RANGE]: The value of \"sourceEnd\" is out of range. It must be >= 0. Received -1",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"target\" argument must be an instance of Buffer or Uint8Array. Received type string ('x')"
          ]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn swap_json_tostring() {
    check(
        r#"
        const swaps = [];
        for (const n of [0, 2, 4, 8, 16]) for (const w of [16, 32, 64]) {
          const b = Buffer.from(Array.from({ length: n }, (_, i) => i));
          swaps.push((() => { try { return hex(b["swap" + w]()); } catch (e) { return e.code + ": " + e.message; } })());
        }
        const s = Buffer.from("héllo wörld");
        const ranges = [["utf8", 1], ["utf8", 1, 3], ["hex", -1, 100], ["hex", 2, 1], [undefined, 1, 2], ["latin1", "1", "3"], ["base64", 1.5, 4.9],
          ["ascii", NaN, NaN], ["hex", 0, Infinity], ["utf8", 20]].map((args) => escape(s.toString(...args)));
        return { swaps, ranges, errors: [err(() => s.toString(null)), err(() => s.toString("")), err(() => s.toString("nope"))],
          json: [JSON.stringify(Buffer.from([1, 2, 255])), JSON.stringify(Buffer.alloc(0)), JSON.stringify({ b: Buffer.from("hi") }),
            hex(Buffer.from(JSON.parse(JSON.stringify(Buffer.from("hi"))))), s.toLocaleString() === s.toString()] };
        "#,
        r#"
        {
          "swaps": [
            "", "", "", "0100", "ERR_INVALID_BUFFER_SIZE: Buffer size must be a multiple of 32-bits",
            "ERR_INVALID_BUFFER_SIZE: Buffer size must be a multiple of 64-bits", "01000302", "03020100",
            "ERR_INVALID_BUFFER_SIZE: Buffer size must be a multiple of 64-bits", "0100030205040706",
            "0302010007060504", "0706050403020100", "010003020504070609080b0a0d0c0f0e",
            "03020100070605040b0a09080f0e0d0c", "07060504030201000f0e0d0c0b0a0908"
          ],
          "ranges": [
            "\\u00e9llo w\\u00f6rld", "\\u00e9", "68c3a96c6c6f2077c3b6726c64", "", "\\ufffd", "\\u00c3\\u00a9", "w6ls",
            "", "68c3a96c6c6f2077c3b6726c64", ""
          ],
          "errors": [
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: null",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: ",
            "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope"
          ],
          "json": [
            "{\"type\":\"Buffer\",\"data\":[1,2,255]}", "{\"type\":\"Buffer\",\"data\":[]}",
            "{\"b\":{\"type\":\"Buffer\",\"data\":[104,105]}}", "6869", true
          ]
        }
        "#,
    )
    .await;
}

#[tokio::test]
async fn per_encoding_methods() {
    check(
        r#"
        const b = Buffer.alloc(6);
        return [Buffer.from("hello").hexSlice(1, 3), Buffer.from("hello").latin1Slice(), Buffer.from("hello").utf8Slice(2), Buffer.from("aGk=", "base64").base64Slice(),
          Buffer.from("aGk/", "base64").base64urlSlice(), Buffer.from("hi").ucs2Slice(), Buffer.from("hi").asciiSlice(0, 1), Buffer.from("hello").hexSlice(3, 1),
          b.utf8Write("héllo"), b.hexWrite("ffee", 1), b.latin1Write("z", 3), b.ucs2Write("ab", 0, 3), b.asciiWrite("q", 5), b.base64Write("AA==", 4), hex(b),
          err(() => Buffer.from("hello").hexSlice(-1)), err(() => Buffer.from("hello").hexSlice(0, 9)), err(() => b.utf8Write(1)), err(() => b.utf8Write("a", 7)),
          err(() => b.utf8Write("a", -1))];
        "#,
        r#"
        [
          "656c", "hello", "llo", "aGk=", "aGk_", "楨", "h", "", 6, 2, 1, 2, 1, 1, "6100ee7a0071",
          "RangeError [ERR_OUT_OF_RANGE]: Index out of range", "RangeError [ERR_OUT_OF_RANGE]: Index out of range",
          "TypeError [ERR_INVALID_ARG_TYPE]: argument must be a string",
          "RangeError [ERR_BUFFER_OUT_OF_BOUNDS]: \"offset\" is outside of buffer bounds",
          "RangeError [ERR_OUT_OF_RANGE]: Index out of range"
        ]
        "#,
    )
    .await;
}

#[tokio::test]
async fn is_utf8_and_is_ascii() {
    check(
        r#"
        const cases = [[], [0x61, 0x62], [0xc3, 0xa9], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x7f], [0x80], [0xef, 0xbb, 0xbf]];
        return {
          bytes: cases.map((c) => [NB.isUtf8(new Uint8Array(c)), NB.isAscii(Buffer.from(c))]),
          views: [NB.isUtf8(new ArrayBuffer(2)), NB.isAscii(new Uint16Array([0x8000])), NB.isAscii(new Uint16Array([0x7f7f])), NB.isUtf8(Buffer.from("a€b").subarray(1, 4)),
            NB.isUtf8(Buffer.from("a€b").subarray(2)), NB.isAscii(Buffer.from("x".repeat(100) + "\u00e9").subarray(0, 100)), NB.isAscii(Buffer.from("x".repeat(100) + "\u00e9"))],
          errors: [err(() => NB.isUtf8("x")), err(() => NB.isAscii(new DataView(new ArrayBuffer(1)))), err(() => NB.isUtf8())],
          detached: (() => { const ab = new ArrayBuffer(2); const u = new Uint16Array(ab); structuredClone(ab, { transfer: [ab] });
            return [err(() => NB.isUtf8(ab)), err(() => NB.isAscii(ab)), NB.isUtf8(u)]; })(),
        };
        "#,
        r#"
        {
          "bytes": [
            [true, true], [true, true], [true, false], [false, false], [false, false], [true, false], [false, false],
            [true, true], [false, false], [true, false]
          ],
          "views": [true, false, true, true, false, true, false],
          "errors": [
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"input\" argument must be an instance of ArrayBuffer, Buffer, or TypedArray. Received type string ('x')",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"input\" argument must be an instance of ArrayBuffer, Buffer, or TypedArray. Received an instance of DataView",
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"input\" argument must be an instance of ArrayBuffer, Buffer, or TypedArray. Received undefined"
          ],
          "detached": [
            "Error [ERR_INVALID_STATE]: Cannot validate on a detached buffer",
            "Error [ERR_INVALID_STATE]: Cannot validate on a detached buffer", true
          ]
        }
        "#,
    )
    .await;
}

/// Where verge differs from Node on purpose: the limits are QuickJS's, every Buffer is zero-filled (no pool, so no
/// stale bytes and `byteOffset` 0), and there is no `Buffer` global (only the module).
#[tokio::test]
async fn verge_specific_behaviour() {
    check(
        r#"
        const unsafe = Buffer.allocUnsafe(64);
        const slow = Buffer.allocUnsafeSlow(64);
        const small = Buffer.from("abc");
        return {
          limits: [NB.kMaxLength === 2 ** 31 - 1, NB.constants.MAX_STRING_LENGTH === 2 ** 30 - 1, errKind(() => Buffer.alloc(NB.kMaxLength + 1))],
          zeroed: [unsafe.every((b) => b === 0), slow.every((b) => b === 0), unsafe.byteOffset, unsafe.buffer.byteLength],
          unpooled: [small.byteOffset, small.buffer.byteLength, small.offset],
          noGlobal: typeof globalThis.Buffer,
        };
        "#,
        r#"
        {
          "limits": [true, true, "RangeError [ERR_OUT_OF_RANGE]"],
          "zeroed": [true, true, 0, 64],
          "unpooled": [0, 3, 0],
          "noGlobal": "undefined"
        }
        "#,
    )
    .await;
}

/// Large inputs take the native paths (engine base64/hex, host UTF-8/latin1); they must agree with the byte loops.
#[tokio::test]
async fn large_inputs_agree_with_byte_loops() {
    check(
        r#"
        const n = 100003;
        const b = Buffer.alloc(n);
        for (let i = 0; i < n; i++) b[i] = (i * 7919) & 0xff;
        let latin1 = "";
        for (let i = 0; i < 2000; i++) latin1 += String.fromCharCode(b[i]);
        const ascii = latin1.replace(/[\x80-\xff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 0x7f));
        const hexLoop = Array.from(b.subarray(0, 2000), (x) => x.toString(16).padStart(2, "0")).join("");
        const text = "ab€😀".repeat(20000);
        return {
          latin1: [b.toString("latin1", 0, 2000) === latin1, Buffer.from(latin1, "latin1").equals(b.subarray(0, 2000)), b.toString("latin1").length],
          ascii: [b.toString("ascii", 0, 2000) === ascii, b.toString("ascii").length],
          hex: [b.toString("hex", 0, 2000) === hexLoop, Buffer.from(b.toString("hex"), "hex").equals(b)],
          base64: [Buffer.from(b.toString("base64"), "base64").equals(b), Buffer.from(b.toString("base64url"), "base64url").equals(b),
            Buffer.from(b.toString("base64") + "*", "base64").equals(b)],
          utf8: [Buffer.byteLength(text), Buffer.from(text).toString() === text, Buffer.from(text).length],
          ucs2: [Buffer.from(text, "ucs2").toString("ucs2") === text],
          compare: [Buffer.compare(b, Buffer.from(b)), b.compare(Buffer.concat([b.subarray(0, n - 1), Buffer.from([0xff])])), b.equals(Buffer.from(b))],
          search: [b.indexOf(b.subarray(50000, 50010)), b.lastIndexOf(b.subarray(10, 20)), b.includes(Buffer.from("not there at all"))],
        };
        "#,
        r#"
        {
          "latin1": [true, true, 100003],
          "ascii": [true, 100003],
          "hex": [true, true],
          "base64": [true, true, true],
          "utf8": [180000, true, 180000],
          "ucs2": [true],
          "compare": [0, -1, true],
          "search": [80, 99850, false]
        }
        "#,
    )
    .await;
}

/// The module itself: named and default imports of `node:buffer` are the objects the prelude built.
#[tokio::test]
async fn imports_from_node_buffer() {
    let iso = isolate(&[(
        "w.js",
        r#"
        import { Buffer, isUtf8, isAscii, kMaxLength, constants, atob, btoa } from "node:buffer";
        import buffer from "node:buffer";
        export default {
          fetch() {
            const b = Buffer.from("héllo");
            return new Response(JSON.stringify([
              b.toString("base64"), Buffer.isBuffer(b), isUtf8(b), isAscii(b), kMaxLength === constants.MAX_LENGTH,
              buffer.Buffer === Buffer, atob === globalThis.atob, btoa === globalThis.btoa,
            ]));
          },
        };
        "#,
    )])
    .unwrap();
    let (status, _, body) = request(&iso, "GET", "http://x/", None).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"["aMOpbGxv",true,true,false,true,true,true,true]"#);
}
