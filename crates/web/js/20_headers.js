// Headers: a case-insensitive, sorted-on-iteration multimap with guards, per the Fetch standard.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normalizeHeaderValue(value) {
  // Strip leading and trailing HTTP whitespace (tab, LF, CR, space).
  return String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

function validateHeader(name, value) {
  if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
  if (/[\0\n\r]/.test(value)) throw new TypeError(`Invalid value for header "${name}"`);
  toByteString(value, `Value of header "${name}"`);
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
    const v = normalizeHeaderValue(value);
    validateHeader(n, v);
    this.#check();
    this.#list.push([n.toLowerCase(), v]);
  }

  delete(name) {
    const n = String(name);
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: "${n}"`);
    this.#check();
    const lower = n.toLowerCase();
    this.#list = this.#list.filter(([k]) => k !== lower);
  }

  get(name) {
    const n = String(name);
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: "${n}"`);
    const lower = n.toLowerCase();
    const values = this.#list.filter(([k]) => k === lower).map(([, v]) => v);
    return values.length ? values.join(", ") : null;
  }

  getSetCookie() {
    return this.#list.filter(([k]) => k === "set-cookie").map(([, v]) => v);
  }

  has(name) {
    const n = String(name);
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: "${n}"`);
    const lower = n.toLowerCase();
    return this.#list.some(([k]) => k === lower);
  }

  set(name, value) {
    const n = String(name);
    const v = normalizeHeaderValue(value);
    validateHeader(n, v);
    this.#check();
    const lower = n.toLowerCase();
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

  static setGuard(headers, guard) {
    headers.#guard = guard;
  }

  // Build from host pairs (already valid), with a guard.
  static fromPairs(pairs, guard) {
    const h = new Headers();
    h.#list = pairs.map(([k, v]) => [k.toLowerCase(), v]);
    h.#guard = guard;
    return h;
  }
}
setToStringTag(Headers, "Headers");
defineGlobal("Headers", Headers);
