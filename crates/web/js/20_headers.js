// Headers: a case-insensitive, sorted-on-iteration multimap with guards, per the Fetch standard.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A value that is already normalized and valid: Latin-1, no NUL/CR/LF, no leading or trailing HTTP whitespace.
const PLAIN_VALUE = /^(?:[\x21-\x7E\x80-\xFF](?:[\t\x20-\x7E\x80-\xFF]*[\x21-\x7E\x80-\xFF])?)?$/;
// Header names seen valid in this isolate, to their lower case (the same few names come in every request).
const knownNames = new Map();
const KNOWN_NAMES_MAX = 512;

function normalizeHeaderValue(value) {
  // Strip leading and trailing HTTP whitespace (tab, LF, CR, space).
  return String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

// The lower-case name of the string `n`, or a TypeError for a name that is not a token.
function headerName(n) {
  const known = knownNames.get(n);
  if (known !== undefined) return known;
  if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: "${n}"`);
  const lower = n.toLowerCase();
  if (knownNames.size < KNOWN_NAMES_MAX) knownNames.set(n, lower);
  return lower;
}

// The string `s` normalized, or a TypeError for one that is not a valid header value.
function headerValue(name, s) {
  if (PLAIN_VALUE.test(s)) return s;
  const v = normalizeHeaderValue(s);
  if (/[\0\n\r]/.test(v)) throw new TypeError(`Invalid value for header "${name}"`);
  return toByteString(v, `Value of header "${name}"`);
}

class Headers {
  #list = []; // [lowercased name, value] in insertion order
  #guard = "none";

  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object" && typeof init !== "function") throw new TypeError("Headers: init must be an object or iterable");
    if (init instanceof Headers) {
      for (const [k, v] of init.#list) this.#list.push([k, v]);
      return;
    }
    const iter = init[Symbol.iterator];
    if (iter !== undefined) {
      if (typeof iter !== "function") throw new TypeError("Headers: init is not iterable");
      for (const pair of init) {
        const p = typeof pair === "string" ? null : [...pair];
        if (!p || p.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
        this.append(p[0], p[1]);
      }
    } else {
      for (const key of Reflect.ownKeys(init)) {
        const d = Reflect.getOwnPropertyDescriptor(init, key);
        if (d && d.enumerable && typeof key === "string") this.append(key, init[key]);
      }
    }
  }

  #check() {
    if (this.#guard === "immutable") throw new TypeError("Can't modify immutable headers");
  }

  append(name, value) {
    const n = String(name);
    const s = String(value);
    const lower = headerName(n);
    const v = headerValue(n, s);
    this.#check();
    this.#list.push([lower, v]);
  }

  delete(name) {
    const lower = headerName(String(name));
    this.#check();
    this.#list = this.#list.filter(([k]) => k !== lower);
  }

  get(name) {
    const lower = headerName(String(name));
    const list = this.#list;
    let out = null;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === lower) out = out === null ? list[i][1] : out + ", " + list[i][1];
    }
    return out;
  }

  getSetCookie() {
    return this.#list.filter(([k]) => k === "set-cookie").map(([, v]) => v);
  }

  has(name) {
    const lower = headerName(String(name));
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === lower) return true;
    return false;
  }

  set(name, value) {
    const n = String(name);
    const s = String(value);
    const lower = headerName(n);
    const v = headerValue(n, s);
    this.#check();
    const i = this.#list.findIndex(([k]) => k === lower);
    if (i < 0) this.#list.push([lower, v]);
    else {
      this.#list[i] = [lower, v];
      this.#list = this.#list.filter(([k], j) => j <= i || k !== lower);
    }
  }

  // The sort-and-combine of the Fetch standard: names sorted, values combined, set-cookie kept apart.
  #sorted() {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    const out = [];
    for (const n of names) {
      if (n === "set-cookie") {
        for (const [k, v] of this.#list) if (k === n) out.push([n, v]);
      } else {
        out.push([n, this.#list.filter(([k]) => k === n).map(([, v]) => v).join(", ")]);
      }
    }
    return out;
  }

  forEach(callback, thisArg) {
    for (const [k, v] of this.#sorted()) callback.call(thisArg, v, k, this);
  }
  *entries() { yield* this.#sorted(); }
  *keys() { for (const [k] of this.#sorted()) yield k; }
  *values() { for (const [, v] of this.#sorted()) yield v; }
  [Symbol.iterator]() { return this.entries(); }

  // Raw pairs in insertion order, for the host.
  static pairs(headers) {
    return headers.#list.map(([k, v]) => [k, v]);
  }

  // Raw [name, value, name, value, ...] in insertion order, for the host.
  static flat(headers) {
    const list = headers.#list;
    const out = new Array(list.length * 2);
    for (let i = 0; i < list.length; i++) {
      out[2 * i] = list[i][0];
      out[2 * i + 1] = list[i][1];
    }
    return out;
  }

  static setGuard(headers, guard) {
    headers.#guard = guard;
  }

  // Build from host pairs (already valid), with a guard.
  // From the host: [name, value, name, value, ...], names already lower case.
  static fromFlat(flat, guard) {
    const h = new Headers();
    const list = new Array(flat.length >> 1);
    for (let i = 0; i < list.length; i++) list[i] = [flat[2 * i], flat[2 * i + 1]];
    h.#list = list;
    h.#guard = guard;
    return h;
  }

  static fromPairs(pairs, guard) {
    const h = new Headers();
    h.#list = pairs.map(([k, v]) => [k.toLowerCase(), v]);
    h.#guard = guard;
    return h;
  }
}
setToStringTag(Headers, "Headers");
defineGlobal("Headers", Headers);
