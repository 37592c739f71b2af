// TextEncoder, TextDecoder (UTF-8; the legacy encodings come with the full Web platform), atob, btoa.

class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") {
    return ops.utf8Encode(toUSVString(input));
  }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) throw new TypeError("encodeInto: destination must be a Uint8Array");
    const s = toUSVString(source);
    let read = 0, written = 0;
    for (const ch of s) {
      const cp = ch.codePointAt(0);
      const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (written + size > destination.length) break;
      if (size === 1) destination[written] = cp;
      else if (size === 2) { destination[written] = 0xc0 | (cp >> 6); destination[written + 1] = 0x80 | (cp & 63); }
      else if (size === 3) { destination[written] = 0xe0 | (cp >> 12); destination[written + 1] = 0x80 | ((cp >> 6) & 63); destination[written + 2] = 0x80 | (cp & 63); }
      else { destination[written] = 0xf0 | (cp >> 18); destination[written + 1] = 0x80 | ((cp >> 12) & 63); destination[written + 2] = 0x80 | ((cp >> 6) & 63); destination[written + 3] = 0x80 | (cp & 63); }
      written += size;
      read += ch.length;
    }
    return { read, written };
  }
}
setToStringTag(TextEncoder, "TextEncoder");

const UTF8_LABELS = new Set(["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]);

// Length of the longest prefix of `bytes` that ends on a complete UTF-8 sequence (invalid bytes count as complete).
function completeUtf8Prefix(bytes) {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

class TextDecoder {
  #fatal;
  #ignoreBOM;
  #pending = null;
  #bomSeen = false;
  constructor(label = "utf-8", options = {}) {
    const l = String(label).trim().toLowerCase();
    if (!UTF8_LABELS.has(l)) throw new RangeError(`The encoding label provided ('${label}') is not supported yet (utf-8 only)`);
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }
  get encoding() { return "utf-8"; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }
  decode(input, options = {}) {
    let bytes = input === undefined ? new Uint8Array(0) : toUint8Array(input);
    if (bytes === null) throw new TypeError("TextDecoder.decode: input must be an ArrayBuffer or ArrayBufferView");
    const stream = Boolean(options?.stream);
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    if (stream) {
      const cut = completeUtf8Prefix(bytes);
      if (cut < bytes.length) this.#pending = bytes.slice(cut);
      bytes = bytes.subarray(0, cut);
    }
    let text = ops.utf8Decode(bytes instanceof Uint8Array && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice(), this.#fatal);
    if (!this.#ignoreBOM && !this.#bomSeen && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#bomSeen = true;
    }
    if (!stream) {
      this.#bomSeen = false;
      this.#pending = null;
    }
    return text;
  }
}
setToStringTag(TextDecoder, "TextDecoder");

defineGlobal("TextEncoder", TextEncoder);
defineGlobal("TextDecoder", TextDecoder);
defineGlobal("atob", function atob(data) {
  if (arguments.length < 1) throw new TypeError("atob requires 1 argument");
  return ops.atob(String(data));
});
defineGlobal("btoa", function btoa(data) {
  if (arguments.length < 1) throw new TypeError("btoa requires 1 argument");
  const s = String(data);
  if (/[^\x00-\xFF]/.test(s)) {
    throw new DOMException("The string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
  }
  return ops.btoa(s);
});
