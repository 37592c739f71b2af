// FormData (XHR standard) and its multipart/form-data serialisation (HTML) and parsing (Fetch).
//
// For later prelude files: formDataToMultipart(fd) -> { bytes, type }; parseMultipart(bytes, contentType) -> FormData.

let fdEntries; // (value) => entry list | undefined

// An entry's value: a string, or a File (a Blob is wrapped in a File named "blob" or the given filename).
function fdEntryValue(value, filename, argc) {
  if (!isBlob(value)) {
    if (argc > 2) throw new TypeError("FormData: a filename is only allowed with a Blob value");
    return toUSVString(value);
  }
  if (value instanceof File && filename === undefined) return value;
  const name = filename !== undefined ? toUSVString(filename) : value instanceof File ? value.name : "blob";
  const lastModified = value instanceof File ? value.lastModified : undefined;
  return new File([value], name, { type: value.type, lastModified });
}

class FormData {
  #entries = []; // [name, value]

  constructor(form = undefined, submitter = undefined) {
    if (form !== undefined) throw new TypeError("FormData: constructing from a form element is not supported");
  }

  append(name, value, filename = undefined) {
    if (arguments.length < 2) throw new TypeError("FormData.append: 2 arguments required");
    this.#entries.push([toUSVString(name), fdEntryValue(value, filename, arguments.length)]);
  }

  delete(name) {
    const n = toUSVString(name);
    this.#entries = this.#entries.filter(([k]) => k !== n);
  }

  get(name) {
    const n = toUSVString(name);
    const e = this.#entries.find(([k]) => k === n);
    return e === undefined ? null : e[1];
  }

  getAll(name) {
    const n = toUSVString(name);
    return this.#entries.filter(([k]) => k === n).map(([, v]) => v);
  }

  has(name) {
    const n = toUSVString(name);
    return this.#entries.some(([k]) => k === n);
  }

  set(name, value, filename = undefined) {
    if (arguments.length < 2) throw new TypeError("FormData.set: 2 arguments required");
    const n = toUSVString(name);
    const entry = [n, fdEntryValue(value, filename, arguments.length)];
    const i = this.#entries.findIndex(([k]) => k === n);
    if (i < 0) {
      this.#entries.push(entry);
      return;
    }
    this.#entries[i] = entry;
    this.#entries = this.#entries.filter(([k], j) => j <= i || k !== n);
  }

  *entries() {
    // Live: entries appended while iterating are seen, as with the WebIDL iterator.
    for (let i = 0; i < this.#entries.length; i++) yield [this.#entries[i][0], this.#entries[i][1]];
  }

  *keys() {
    for (const [k] of this.entries()) yield k;
  }

  *values() {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeError("FormData.forEach: callback must be a function");
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  static {
    fdEntries = (v) => ((typeof v === "object" && v !== null) && #entries in v ? v.#entries : undefined);
  }
}
Object.defineProperty(FormData.prototype, Symbol.iterator, { value: FormData.prototype.entries, writable: true, configurable: true });

// --- multipart/form-data ------------------------------------------------------------------------------------

function fdRandomBoundary() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "----vergeFormBoundary" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// HTML: names (and filenames) escape LF, CR and '"'; newlines in names and string values become CRLF first.
function fdNormalizeNewlines(s) {
  return s.replace(/\r\n|\r|\n/g, "\r\n");
}

function fdEscapeName(s) {
  return s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}

function formDataToMultipart(fd) {
  const boundary = fdRandomBoundary();
  const enc = (s) => ops.utf8Encode(s);
  const chunks = [];
  for (const [name, value] of fdEntries(fd)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${fdEscapeName(fdNormalizeNewlines(name))}"`;
    if (typeof value === "string") {
      chunks.push(enc(`${head}\r\n\r\n`), enc(fdNormalizeNewlines(value)), enc("\r\n"));
    } else {
      head += `; filename="${fdEscapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
      chunks.push(enc(head), blobBytes(value), enc("\r\n"));
    }
  }
  chunks.push(enc(`--${boundary}--\r\n`));
  const size = chunks.reduce((n, c) => n + c.byteLength, 0);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return { bytes, type: `multipart/form-data; boundary=${boundary}` };
}

// The boundary parameter of a multipart/form-data MIME type, or null.
function fdBoundaryOf(contentType) {
  const m = /^\s*multipart\/form-data\s*;(.*)$/is.exec(contentType);
  if (!m) return null;
  for (const param of m[1].matchAll(/\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    if (param[1].toLowerCase() !== "boundary") continue;
    let v = param[2].trim();
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    return v.length > 0 && v.length <= 70 ? v : null;
  }
  return null;
}

function fdIndexOf(bytes, pattern, from) {
  const first = pattern[0];
  const last = bytes.length - pattern.length;
  for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    let j = 1;
    while (j < pattern.length && bytes[i + j] === pattern[j]) j++;
    if (j === pattern.length) return i;
  }
  return -1;
}

function fdUnescapeName(s) {
  return s.replace(/%0A/gi, "\n").replace(/%0D/gi, "\r").replace(/%22/g, '"');
}

// A part's header block: Content-Disposition's name and filename, and Content-Type.
function fdParsePartHeaders(text) {
  let name = null;
  let filename = null;
  let type = null;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TypeError("formData(): a multipart part has a malformed header");
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") {
      if (!/^form-data\s*(;|$)/i.test(value)) throw new TypeError("formData(): a part's Content-Disposition is not form-data");
      for (const p of value.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
        const v = fdUnescapeName(p[2] !== undefined ? p[2].replace(/\\(["\\])/g, "$1") : p[3].trim());
        const k = p[1].toLowerCase();
        if (k === "name") name = v;
        else if (k === "filename") filename = v;
      }
    } else if (key === "content-type") {
      type = value;
    }
  }
  if (name === null) throw new TypeError("formData(): a multipart part has no name");
  return { name, filename, type };
}

function parseMultipart(bytes, contentType) {
  const boundary = fdBoundaryOf(contentType);
  if (boundary === null) throw new TypeError("formData(): the multipart/form-data body has no valid boundary");
  const enc = (s) => ops.utf8Encode(s);
  const delimiter = enc(`\r\n--${boundary}`);
  const decoder = new TextDecoder();
  const fd = new FormData();
  // The first delimiter may start the body (no CRLF before it).
  let pos = fdIndexOf(bytes, delimiter.subarray(2), 0);
  if (pos !== 0 && pos !== -1) pos = fdIndexOf(bytes, delimiter, 0);
  if (pos === -1) throw new TypeError("formData(): the multipart/form-data body has no boundary delimiter");
  pos += pos === 0 ? delimiter.length - 2 : delimiter.length;
  for (;;) {
    if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return fd; // "--": the close delimiter
    // Transport padding, then CRLF.
    while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
    if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw new TypeError("formData(): malformed multipart/form-data body");
    pos += 2;
    const headersEnd = fdIndexOf(bytes, enc("\r\n\r\n"), pos);
    if (headersEnd === -1) throw new TypeError("formData(): a multipart part's headers do not end");
    const { name, filename, type } = fdParsePartHeaders(decoder.decode(bytes.subarray(pos, headersEnd)));
    const bodyStart = headersEnd + 4;
    const bodyEnd = fdIndexOf(bytes, delimiter, bodyStart);
    if (bodyEnd === -1) throw new TypeError("formData(): the multipart/form-data body ends without a close delimiter");
    const body = bytes.subarray(bodyStart, bodyEnd);
    if (filename !== null) fd.append(name, new File([body], filename, { type: type ?? "text/plain" }));
    else fd.append(name, decoder.decode(body));
    pos = bodyEnd + delimiter.length;
  }
}

setToStringTag(FormData, "FormData");
defineGlobal("FormData", FormData);
