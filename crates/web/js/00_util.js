// Shared helpers of the prelude: installing globals, WebIDL-style conversions, DOMException, value formatting.

function defineGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

function defineGetters(proto, names) {
  for (const n of names) {
    const d = Object.getOwnPropertyDescriptor(proto, n);
    if (d) Object.defineProperty(proto, n, { ...d, enumerable: true });
  }
}

function setToStringTag(cls, tag) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

// WebIDL ByteString: every code unit must be <= 0xFF.
function toByteString(value, what) {
  const s = String(value);
  if (/[^\x00-\xFF]/.test(s)) throw new TypeError(`${what} is not a valid ByteString`);
  return s;
}

// The chunks of a body read in pieces, as one Uint8Array of `total` bytes (the chunk itself when there is one).
function concatBytes(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

// WebIDL USVString: lone surrogates become U+FFFD.
function toUSVString(value) {
  const s = String(value);
  return typeof s.toWellFormed === "function" ? s.toWellFormed() : s;
}

function toUint8Array(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return null;
}

const DOM_EXCEPTION_CODES = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
  SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

class DOMException extends Error {
  #name;
  #message;
  constructor(message = "", name = "Error") {
    super(String(message));
    this.#message = String(message);
    this.#name = String(name);
  }
  get name() { return this.#name; }
  get message() { return this.#message; }
  get code() { return DOM_EXCEPTION_CODES[this.#name] ?? 0; }
}
setToStringTag(DOMException, "DOMException");
for (const [name, code] of Object.entries(DOM_EXCEPTION_CODES)) {
  const constName = name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/_ERROR$/, "_ERR");
  Object.defineProperty(DOMException, constName, { value: code, enumerable: true });
  Object.defineProperty(DOMException.prototype, constName, { value: code, enumerable: true });
}
defineGlobal("DOMException", DOMException);

// A readable one-line rendering of any value, for console output.
function inspect(value, depth = 0, seen = new Set()) {
  switch (typeof value) {
    case "string": return depth === 0 ? value : JSON.stringify(value);
    case "number": case "boolean": case "undefined": return String(value);
    case "bigint": return `${value}n`;
    case "symbol": return value.toString();
    case "function": return `[Function: ${value.name || "(anonymous)"}]`;
  }
  if (value === null) return "null";
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Error) {
    return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
  }
  if (depth > 2) return Array.isArray(value) ? "[Array]" : "[Object]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v, depth + 1, seen)).join(", ")} ]`;
    if (value instanceof Map) {
      return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`).join(", ")} }`;
    }
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, seen)).join(", ")} }`;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}) [ ${Array.prototype.slice.call(value, 0, 50).join(", ")}${value.length > 50 ? ", ..." : ""} ]`;
    if (value instanceof URL || value instanceof Headers) return `${value.constructor.name} ${inspect(Object.fromEntries(value instanceof URL ? [["href", value.href]] : value), depth + 1, seen)}`;
    const tag = value[Symbol.toStringTag];
    const keys = Object.keys(value);
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(value[k], depth + 1, seen)}`).join(", ");
    const prefix = tag ? `${tag} ` : (value.constructor && value.constructor !== Object && value.constructor.name ? `${value.constructor.name} ` : "");
    return keys.length ? `${prefix}{ ${body} }` : `${prefix}{}`;
  } finally {
    seen.delete(value);
  }
}

function formatLog(args) {
  if (args.length === 0) return "";
  let out = [];
  let rest = args;
  if (typeof args[0] === "string" && /%[sdifoOjc%]/.test(args[0])) {
    let i = 1;
    const fmt = args[0].replace(/%([sdifoOjc%])/g, (m, c) => {
      if (c === "%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (c) {
        case "s": return typeof a === "string" ? a : inspect(a, 1);
        case "d": case "i": return typeof a === "bigint" ? `${a}n` : String(c === "i" ? Math.trunc(Number(a)) : Number(a));
        case "f": return String(Number(a));
        case "c": return "";
        default: return inspect(a, 1);
      }
    });
    out.push(fmt);
    rest = args.slice(i);
  } else {
    out.push(inspect(args[0]));
    rest = args.slice(1);
  }
  for (const a of rest) out.push(inspect(a));
  return out.join(" ");
}

// Exports of a built-in module (`import { Buffer } from "node:buffer"`), found by the module's generated source.
const NODE_MODULES = Symbol.for("verge.node");
function defineNodeModule(name, exports) {
  if (!globalThis[NODE_MODULES]) Object.defineProperty(globalThis, NODE_MODULES, { value: {}, enumerable: false });
  Object.defineProperty(globalThis[NODE_MODULES], name, { value: exports, enumerable: true, configurable: true });
}

// Work that must not outlive the request that started it (a rewriter thread, say): run when the request ends.
const requestEndHooks = new Set();
function onRequestEnd(fn) {
  requestEndHooks.add(fn);
  return () => requestEndHooks.delete(fn);
}
function runRequestEndHooks() {
  if (requestEndHooks.size === 0) return;
  const hooks = [...requestEndHooks];
  requestEndHooks.clear();
  for (const fn of hooks) {
    try {
      fn();
    } catch (e) {
      ops.log("warn", "cleanup at the end of a request failed: " + inspect(e));
    }
  }
}
