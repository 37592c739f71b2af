// TextEncoderStream and TextDecoderStream (Encoding standard), as transform streams over TextEncoder/TextDecoder.

let textStreamInner; // (value) => { ts, decoder? } | undefined

function textStreamGet(value) {
  const s = textStreamInner(value);
  if (s === undefined) throw new TypeError("Illegal invocation");
  return s;
}

class TextEncoderStream {
  #s;
  constructor() {
    const encoder = new TextEncoder();
    let pendingHighSurrogate = null;
    const ts = new TransformStream({
      transform(chunk, controller) {
        let s = String(chunk);
        // A surrogate pair may be split across two chunks: hold a trailing lead surrogate back.
        if (pendingHighSurrogate !== null) {
          s = pendingHighSurrogate + s;
          pendingHighSurrogate = null;
        }
        const last = s.charCodeAt(s.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHighSurrogate = s[s.length - 1];
          s = s.slice(0, -1);
        }
        if (s.length > 0) controller.enqueue(encoder.encode(s));
      },
      flush(controller) {
        if (pendingHighSurrogate !== null) controller.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
      },
    });
    this.#s = { ts };
  }
  get encoding() { textStreamGet(this); return "utf-8"; }
  get readable() { return textStreamGet(this).ts.readable; }
  get writable() { return textStreamGet(this).ts.writable; }
  static {
    textStreamInner = (v) => ((typeof v === "object" && v !== null) && #s in v ? v.#s : undefined);
  }
}

let textDecoderStreamInner;

class TextDecoderStream {
  #s;
  constructor(label = "utf-8", options = undefined) {
    const decoder = new TextDecoder(label, options);
    const ts = new TransformStream({
      transform(chunk, controller) {
        const bytes = toUint8Array(chunk);
        if (bytes === null) throw new TypeError("TextDecoderStream: chunks must be ArrayBuffers or ArrayBufferViews");
        const text = decoder.decode(bytes, { stream: true });
        if (text.length > 0) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text.length > 0) controller.enqueue(text);
      },
    });
    this.#s = { ts, decoder };
  }
  get encoding() { return tdsGet(this).decoder.encoding; }
  get fatal() { return tdsGet(this).decoder.fatal; }
  get ignoreBOM() { return tdsGet(this).decoder.ignoreBOM; }
  get readable() { return tdsGet(this).ts.readable; }
  get writable() { return tdsGet(this).ts.writable; }
  static {
    textDecoderStreamInner = (v) => ((typeof v === "object" && v !== null) && #s in v ? v.#s : undefined);
  }
}

function tdsGet(value) {
  const s = textDecoderStreamInner(value);
  if (s === undefined) throw new TypeError("Illegal invocation");
  return s;
}

defineGetters(TextEncoderStream.prototype, ["encoding", "readable", "writable"]);
defineGetters(TextDecoderStream.prototype, ["encoding", "fatal", "ignoreBOM", "readable", "writable"]);
setToStringTag(TextEncoderStream, "TextEncoderStream");
setToStringTag(TextDecoderStream, "TextDecoderStream");
defineGlobal("TextEncoderStream", TextEncoderStream);
defineGlobal("TextDecoderStream", TextDecoderStream);
