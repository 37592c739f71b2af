// TextEncoder (UTF-8), TextDecoder (every encoding of the Encoding standard, decoded by the host), atob, btoa.

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

// Streaming decoders still held by the host; freed when their TextDecoder is collected mid-stream.
const decoderStreams = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((id) => ops.textDecodeStreamFree(id)) : null;

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #stream = 0; // the host decoder's id while a streamed decode is unfinished
  constructor(label = "utf-8", options = undefined) {
    if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("TextDecoder: options must be an object");
    }
    const encoding = ops.encodingForLabel(toUSVString(label));
    if (encoding === null || encoding === undefined || encoding === "replacement") {
      throw new RangeError(`TextDecoder: the encoding label provided ('${String(label)}') is invalid`);
    }
    this.#encoding = encoding;
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }
  get encoding() { return this.#encoding; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }
  decode(input = undefined, options = undefined) {
    const bytes = input === undefined ? new Uint8Array(0) : toUint8Array(input);
    if (bytes === null) throw new TypeError("TextDecoder.decode: input must be an ArrayBuffer or ArrayBufferView");
    const stream = Boolean(options?.stream);
    // The common case, a whole input at once, needs no decoder kept between calls.
    if (this.#stream === 0 && !stream) return ops.textDecode(this.#encoding, bytes, this.#fatal, this.#ignoreBOM);
    const previous = this.#stream;
    let id;
    let text;
    try {
      [id, text] = ops.textDecodeStream(previous, this.#encoding, bytes, this.#fatal, this.#ignoreBOM, !stream);
    } catch (e) {
      // A fatal error ends the stream; the next call starts afresh.
      if (previous !== 0) decoderStreams?.unregister(this);
      this.#stream = 0;
      throw e;
    }
    if (previous === 0 && id !== 0) decoderStreams?.register(this, id, this);
    if (previous !== 0 && id === 0) decoderStreams?.unregister(this);
    this.#stream = id;
    return text;
  }
}
setToStringTag(TextDecoder, "TextDecoder");

defineGlobal("TextEncoder", TextEncoder);
defineGlobal("TextDecoder", TextDecoder);
defineGlobal("atob", function atob(data) {
  if (arguments.length < 1) throw new TypeError("atob requires 1 argument");
  const s = String(data);
  // Anything outside the base64 alphabet and ASCII whitespace fails before it reaches the host.
  if (/[^\t\n\f\r +/=0-9A-Za-z]/.test(s)) throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
  return ops.atob(s);
});
defineGlobal("btoa", function btoa(data) {
  if (arguments.length < 1) throw new TypeError("btoa requires 1 argument");
  const s = String(data);
  if (/[^\x00-\xFF]/.test(s)) {
    throw new DOMException("The string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
  }
  return ops.btoa(s);
});
