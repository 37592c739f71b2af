// Blob and File (W3C File API). A blob's bytes are immutable segments of copied input; slices share them.
//
// For later prelude files: blobBytes(blob) — a fresh Uint8Array of the blob's bytes; isBlob(value).

let blobRecord; // (value) => { parts: Uint8Array[], size, type } | undefined

const BLOB_STREAM_CHUNK = 65536;

// File API: a type with any char outside U+0020..U+007E becomes ""; otherwise it is lower-cased.
function blobNormalizeType(type) {
  const t = String(type);
  return /[^\x20-\x7E]/.test(t) ? "" : t.toLowerCase();
}

function blobConvertLineEndings(s) {
  return s.replace(/\r\n|\r/g, "\n");
}

// The blob parts of a constructor: a sequence of BufferSource, Blob or USVString.
function blobPartsFrom(blobParts, endings, who) {
  const parts = [];
  if (blobParts === undefined) return parts;
  if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[Symbol.iterator] !== "function") {
    throw new TypeError(`${who}: blobParts must be a sequence`);
  }
  for (const part of blobParts) {
    const rec = blobRecord(part);
    if (rec !== undefined) {
      for (const p of rec.parts) parts.push(p);
      continue;
    }
    const view = toUint8Array(part);
    if (view !== null) {
      if (view.byteLength) parts.push(view.slice());
      continue;
    }
    let s = toUSVString(part);
    if (endings === "native") s = blobConvertLineEndings(s);
    if (s.length) parts.push(ops.utf8Encode(s));
  }
  return parts;
}

function blobOptions(options, who) {
  if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
    throw new TypeError(`${who}: options must be an object`);
  }
  const o = options ?? {};
  const endings = o.endings === undefined ? "transparent" : String(o.endings);
  if (endings !== "transparent" && endings !== "native") {
    throw new TypeError(`${who}: endings must be "transparent" or "native"`);
  }
  return { type: o.type === undefined ? "" : blobNormalizeType(o.type), endings, lastModified: o.lastModified };
}

function blobConcat(parts, size) {
  if (parts.length === 1) return parts[0].slice();
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

// Relative start/end as slice() takes them (negative counts from the end), clamped to [0, size].
function blobClamp(value, size, fallback) {
  if (value === undefined) return fallback;
  let n = Math.trunc(Number(value));
  if (Number.isNaN(n)) n = 0;
  return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
}

class Blob {
  #b;

  constructor(blobParts = undefined, options = undefined) {
    if (blobParts === kEvInternal) {
      this.#b = options;
      return;
    }
    const who = new.target === File ? "File" : "Blob";
    const o = blobOptions(options, who);
    const parts = blobPartsFrom(blobParts, o.endings, who);
    this.#b = { parts, size: parts.reduce((n, p) => n + p.byteLength, 0), type: o.type };
  }

  get size() { return blobGet(this).size; }
  get type() { return blobGet(this).type; }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const b = blobGet(this);
    const from = blobClamp(start, b.size, 0);
    const to = blobClamp(end, b.size, b.size);
    const span = Math.max(to - from, 0);
    const parts = [];
    let offset = 0;
    for (const p of b.parts) {
      const pStart = offset;
      offset += p.byteLength;
      if (offset <= from) continue;
      if (pStart >= from + span) break;
      const s = Math.max(from - pStart, 0);
      const e = Math.min(from + span - pStart, p.byteLength);
      parts.push(s === 0 && e === p.byteLength ? p : p.subarray(s, e));
    }
    const type = contentType === undefined ? "" : blobNormalizeType(contentType);
    return new Blob(kEvInternal, { parts, size: span, type });
  }

  stream() {
    const parts = blobGet(this).parts;
    let i = 0;
    let offset = 0;
    return readableByteStreamFromPull(() => {
      while (i < parts.length && offset >= parts[i].byteLength) {
        i++;
        offset = 0;
      }
      if (i >= parts.length) return null;
      const p = parts[i];
      const n = Math.min(p.byteLength - offset, BLOB_STREAM_CHUNK);
      const chunk = p.slice(offset, offset + n);
      offset += n;
      return chunk;
    });
  }

  async text() {
    return new TextDecoder().decode(blobBytes(this));
  }

  async arrayBuffer() {
    return blobBytes(this).buffer;
  }

  async bytes() {
    return blobBytes(this);
  }

  static {
    blobRecord = (v) => ((typeof v === "object" && v !== null) && #b in v ? v.#b : undefined);
  }
}

function blobGet(blob) {
  const b = blobRecord(blob);
  if (b === undefined) throw new TypeError("Illegal invocation");
  return b;
}

function isBlob(value) {
  return blobRecord(value) !== undefined;
}

function blobBytes(blob) {
  const b = blobGet(blob);
  return blobConcat(b.parts, b.size);
}

class File extends Blob {
  #name;
  #lastModified;

  constructor(fileBits, fileName, options = undefined) {
    if (arguments.length < 2) throw new TypeError("File constructor: 2 arguments required");
    super(fileBits, options);
    this.#name = toUSVString(fileName);
    const lm = options?.lastModified;
    this.#lastModified = lm === undefined ? Date.now() : Math.trunc(Number(lm)) || 0;
  }

  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
  get webkitRelativePath() { return ""; }
}

defineGetters(Blob.prototype, ["size", "type"]);
defineGetters(File.prototype, ["name", "lastModified", "webkitRelativePath"]);
setToStringTag(Blob, "Blob");
setToStringTag(File, "File");
defineGlobal("Blob", Blob);
defineGlobal("File", File);
