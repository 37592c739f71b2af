// node:buffer, part 1: Node's error objects (`code`, message formats) and argument validation.
// Names private to node:buffer start with `nb`.

// The engine's limits, not V8's: QuickJS ArrayBuffers hold at most 2^31 - 1 bytes, strings 2^30 - 1 code units.
const kMaxLength = 2 ** 31 - 1;
const MAX_STRING_LENGTH = 2 ** 30 - 1;

// An error as Node makes them: the built-in class, an enumerable `code`, and `toString()` showing the code.
function nbError(Base, code, message) {
  const err = new Base(message);
  Object.defineProperty(err, "toString", {
    value() { return `${this.name} [${code}]: ${this.message}`; },
    writable: true,
    configurable: true,
  });
  err.code = code;
  return err;
}

// Node's util.inspect, reduced to what argument errors show: primitives, functions, byte arrays, plain values.
function nbInspect(value, nested = false) {
  switch (typeof value) {
    case "string": return nbQuote(value);
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "symbol": return value.toString();
    case "undefined": case "boolean": return String(value);
    case "function": {
      const kind = /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "Function";
      return value.name ? `[${kind}: ${value.name}]` : `[${kind} (anonymous)]`;
    }
  }
  if (value === null) return "null";
  if (value instanceof Buffer) return value.inspect();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.prototype.slice.call(value, 0, 100).map((v) => nbInspect(v, true));
    if (value.length > 100) items.push(`... ${value.length - 100} more items`);
    return `${value.constructor.name}(${value.length}) [${items.length ? ` ${items.join(", ")} ` : ""}]`;
  }
  if (nested) return Array.isArray(value) ? "[Array]" : "[Object]";
  if (Array.isArray(value)) return value.length ? `[ ${value.map((v) => nbInspect(v, true)).join(", ")} ]` : "[]";
  const proto = Object.getPrototypeOf(value);
  const keys = Object.keys(value);
  const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : nbQuote(k)}: ${nbInspect(value[k], true)}`);
  const prefix = proto === null ? "[Object: null prototype] " : "";
  return body.length ? `${prefix}{ ${body.join(", ")} }` : `${prefix}{}`;
}

const NB_ESCAPES = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\" };

// A string literal as util.inspect writes it: single quotes unless the text holds some, control characters escaped.
function nbQuote(s) {
  let quote = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) quote = '"';
    else if (!s.includes("`") && !s.includes("${")) quote = "`";
  }
  const escaped = s.replace(/[\x00-\x1f\x27\x5c\x7f-\x9f]/g, (ch) => {
    const c = ch.charCodeAt(0);
    if (c === 39 && quote !== "'") return ch;
    return NB_ESCAPES[c] ?? `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
  });
  return `${quote}${escaped}${quote}`;
}

// Node's determineSpecificType: how "Received ..." describes a value.
function nbDescribe(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return `function ${value.name}`;
  if (typeof value === "object") {
    if (value.constructor?.name) return `an instance of ${value.constructor.name}`;
    return nbInspect(value);
  }
  let shown = nbInspect(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

// 1234567 -> "1_234_567", as Node prints large numbers in range errors.
function nbNumericalSeparator(text) {
  let res = "";
  let i = text.length;
  const start = text[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${text.slice(i - 3, i)}${res}`;
  return `${text.slice(0, i)}${res}`;
}

const NB_KINDS = ["string", "function", "number", "object", "Function", "Object", "boolean", "bigint", "symbol"];

function nbJoinOr(list, lead) {
  if (list.length > 2) return `${lead}${list.slice(0, -1).join(", ")}, or ${list[list.length - 1]}`;
  return `${lead}${list.join(" or ")}`;
}

// ERR_INVALID_ARG_TYPE, with Node's wording of the expected types.
function nbErrArgType(name, expected, actual) {
  const wanted = Array.isArray(expected) ? expected : [expected];
  let msg = name.endsWith(" argument") ? `The ${name} ` : `The "${name}" ${name.includes(".") ? "property" : "argument"} `;
  msg += "must be ";
  const types = [];
  const instances = [];
  const other = [];
  for (const w of wanted) {
    if (NB_KINDS.includes(w)) types.push(w.toLowerCase());
    else if (/^([A-Z][a-z0-9]*)+$/.test(w)) instances.push(w);
    else other.push(w);
  }
  if (instances.length > 0 && types.includes("object")) {
    types.splice(types.indexOf("object"), 1);
    instances.push("Object");
  }
  const parts = [];
  if (types.length > 0) parts.push(nbJoinOr(types, types.length > 1 ? "one of type " : "of type "));
  if (instances.length > 0) parts.push(nbJoinOr(instances, "an instance of "));
  if (other.length > 0) {
    if (other.length > 1) parts.push(nbJoinOr(other, "one of "));
    else parts.push(`${other[0].toLowerCase() !== other[0] ? "an " : ""}${other[0]}`);
  }
  msg += `${parts.join(" or ")}. Received ${nbDescribe(actual)}`;
  return nbError(TypeError, "ERR_INVALID_ARG_TYPE", msg);
}

// ERR_OUT_OF_RANGE: `The value of "name" is out of range. It must be <range>. Received <input>`.
function nbErrRange(name, range, input) {
  let received;
  if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
    received = nbNumericalSeparator(String(input));
  } else if (typeof input === "bigint") {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = nbNumericalSeparator(received);
    received += "n";
  } else {
    received = nbInspect(input);
  }
  return nbError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be ${range}. Received ${received}`);
}

function nbErrBounds(name) {
  const msg = name ? `"${name}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds";
  return nbError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", msg);
}

function nbErrArgValue(name, value, reason = "is invalid") {
  let shown = nbInspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  const kind = name.includes(".") ? "property" : "argument";
  return nbError(TypeError, "ERR_INVALID_ARG_VALUE", `The ${kind} '${name}' ${reason}. Received ${shown}`);
}

function nbErrEncoding(encoding) {
  return nbError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
}

function nbValidateNumber(value, name, min, max) {
  if (typeof value !== "number") throw nbErrArgType(name, "number", value);
  const hasMin = min !== undefined;
  const hasMax = max !== undefined;
  if ((hasMin && value < min) || (hasMax && value > max) || ((hasMin || hasMax) && Number.isNaN(value))) {
    const range = `${hasMin ? `>= ${min}` : ""}${hasMin && hasMax ? " && " : ""}${hasMax ? `<= ${max}` : ""}`;
    throw nbErrRange(name, range, value);
  }
}

function nbValidateInteger(value, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number") throw nbErrArgType(name, "number", value);
  if (!Number.isInteger(value)) throw nbErrRange(name, "an integer", value);
  if (value < min || value > max) throw nbErrRange(name, `>= ${min} && <= ${max}`, value);
}

function nbValidateOffset(value, name, min = 0, max = kMaxLength) {
  nbValidateInteger(value, name, min, max);
}

// The error for a failed bounds check of a read or write at `value` (an offset or a byte length).
function nbBoundsError(value, length, type) {
  if (Math.floor(value) !== value) {
    nbValidateNumber(value, type);
    throw nbErrRange(type || "offset", "an integer", value);
  }
  if (length < 0) throw nbErrBounds();
  throw nbErrRange(type || "offset", `>= ${type ? 1 : 0} and <= ${length}`, value);
}

function nbIsArrayBuffer(value) {
  return value instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer);
}

function nbIsTypedArray(value) {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}
