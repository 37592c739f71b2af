// The body mixin shared by Request and Response: what a body is made from, and how it is read.

const bodies = new WeakMap(); // Request|Response -> BodyState
const kHostHandle = Symbol("hostHandle");
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

class BodyState {
  constructor(bytes, stream, handle = undefined) {
    this.bytes = bytes; // Uint8Array when the whole body is known
    this.stream = stream; // ReadableStream once one exists
    // A host body nobody has asked a stream of yet: read straight from the host by text()/json()/...; `.body`
    // turns it into a stream (which then carries the handle).
    this.handle = handle;
    this.used = false;
  }
}

// A body the host holds, by handle; its stream is made only when someone asks for `.body`.
function hostBodyState(handle) {
  return new BodyState(null, null, handle);
}

// UTF-8 decode, as Body's text() and json() do (a BOM is dropped; bad bytes become U+FFFD).
function utf8Text(bytes) {
  return ops.textDecode("utf-8", bytes, false, false);
}

// All of a host body, read chunk by chunk without a stream.
async function readHostBody(handle) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = await ops.bodyRead(handle);
    if (chunk === null || chunk === undefined) break;
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return concatBytes(chunks, total);
}

// Turn a BodyInit into { bytes | stream, type }: Fetch's "extract a body" (Blob, FormData and URLSearchParams
// bodies are known in full, so they get a Content-Length).
function extractBody(init) {
  if (init === undefined || init === null) return null;
  if (typeof init === "string") return { bytes: ops.utf8Encode(toUSVString(init)), type: "text/plain;charset=UTF-8" };
  if (init instanceof URLSearchParams) return { bytes: ops.utf8Encode(init.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  if (init instanceof ArrayBuffer) return { bytes: new Uint8Array(init.slice(0)), type: null };
  if (ArrayBuffer.isView(init)) return { bytes: new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength)), type: null };
  if (isReadableStream(init)) {
    if (readableStreamIsLocked(init) || readableStreamIsDisturbed(init)) throw new TypeError("The body stream is locked or has already been read");
    return { stream: init, type: null };
  }
  if (isBlob(init)) return { bytes: blobBytes(init), type: init.type || null };
  if (fdEntries(init) !== undefined) return formDataToMultipart(init);
  return { bytes: ops.utf8Encode(toUSVString(String(init))), type: "text/plain;charset=UTF-8" };
}

function bodyStateFrom(extracted) {
  if (!extracted) return null;
  return new BodyState(extracted.bytes ?? null, extracted.stream ?? null);
}

// Body streams are byte streams (Fetch "set up with byte reading support"), so BYOB readers work on them.
function hostBodyStream(handle) {
  const stream = readableByteStreamFromPull(() => ops.bodyRead(handle), () => ops.bodyCancel(handle));
  stream[kHostHandle] = handle;
  return stream;
}

function bodyStream(owner) {
  const s = bodies.get(owner);
  if (!s) return null;
  if (!s.stream && s.handle !== undefined) {
    s.stream = hostBodyStream(s.handle);
    s.handle = undefined;
  } else if (!s.stream) {
    let bytes = s.bytes;
    s.stream = readableByteStreamFromPull(() => {
      const chunk = bytes === null ? null : bytes.slice();
      bytes = null;
      return chunk;
    });
  }
  return s.stream;
}

function bodyUsed(owner) {
  const s = bodies.get(owner);
  if (!s) return false;
  return s.used || (s.stream !== null && readableStreamIsDisturbed(s.stream));
}

async function consumeBytes(owner) {
  const s = bodies.get(owner);
  if (!s) return new Uint8Array(0);
  if (bodyUsed(owner)) throw new TypeError("Body has already been used. It can only be read once.");
  if (s.stream && readableStreamIsLocked(s.stream)) throw new TypeError("The body stream is locked to a reader");
  s.used = true;
  if (s.stream) return readAllBytes(s.stream);
  if (s.handle !== undefined) {
    const handle = s.handle;
    s.handle = undefined;
    return readHostBody(handle);
  }
  return s.bytes;
}

function contentTypeOf(owner) {
  return owner.headers.get("content-type") ?? "";
}

const bodyMethods = {
  get body() { return bodyStream(this); },
  get bodyUsed() { return bodyUsed(this); },
  async arrayBuffer() {
    const b = await consumeBytes(this);
    return b.buffer.byteLength === b.byteLength && b.byteOffset === 0 ? b.buffer : b.slice().buffer;
  },
  async bytes() {
    const b = await consumeBytes(this);
    return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? b : b.slice();
  },
  async text() {
    return utf8Text(await consumeBytes(this));
  },
  async json() {
    return JSON.parse(utf8Text(await consumeBytes(this)));
  },
  async blob() {
    return new Blob([await consumeBytes(this)], { type: contentTypeOf(this) });
  },
  async formData() {
    const contentType = contentTypeOf(this);
    const essence = contentType.split(";")[0].trim().toLowerCase();
    if (essence === "multipart/form-data") return parseMultipart(await consumeBytes(this), contentType);
    if (essence === "application/x-www-form-urlencoded") {
      const params = new URLSearchParams(utf8Text(await consumeBytes(this)));
      const fd = new FormData();
      for (const [k, v] of params) fd.append(k, v);
      return fd;
    }
    throw new TypeError(`formData(): the body's Content-Type "${contentType}" is not multipart/form-data or application/x-www-form-urlencoded`);
  },
};

function installBodyMixin(cls) {
  for (const key of Object.getOwnPropertyNames(bodyMethods)) {
    const d = Object.getOwnPropertyDescriptor(bodyMethods, key);
    Object.defineProperty(cls.prototype, key, { ...d, enumerable: true, configurable: true });
  }
}

// Clone a body: tee the stream, or share the known bytes.
function cloneBody(owner) {
  const s = bodies.get(owner);
  if (!s) return null;
  if (bodyUsed(owner)) throw new TypeError("Body has already been used. It can't be cloned.");
  if (s.handle !== undefined) bodyStream(owner);
  if (s.stream && readableStreamIsLocked(s.stream)) throw new TypeError("The body stream is locked; it can't be cloned");
  if (s.stream === null) return new BodyState(s.bytes, null);
  if (s.bytes !== null && !readableStreamIsDisturbed(s.stream)) return new BodyState(s.bytes, null);
  const [a, b] = s.stream.tee();
  s.stream = a;
  return new BodyState(null, b);
}

// Describe a body for the host: [kind, value], kind 0 none, 1 bytes, 2 host handle, 3 reader function.
function describeBody(owner) {
  const s = bodies.get(owner);
  if (!s) return [0, null];
  if (bodyUsed(owner)) throw new TypeError("The Response's body has already been used");
  if (s.stream && readableStreamIsLocked(s.stream)) throw new TypeError("The Response's body stream is locked to a reader");
  s.used = true;
  if (s.bytes !== null) return [1, s.bytes];
  if (s.handle !== undefined) {
    const handle = s.handle;
    s.handle = undefined;
    return [2, handle];
  }
  if (s.stream[kHostHandle] !== undefined) return [2, s.stream[kHostHandle]];
  const reader = s.stream.getReader();
  return [3, async () => {
    const { done, value } = await reader.read();
    if (done) return null;
    const bytes = toUint8Array(value);
    if (bytes === null) throw new TypeError("A ReadableStream body must produce Uint8Array chunks");
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  }];
}
