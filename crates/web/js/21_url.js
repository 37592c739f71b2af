// URL (parsing and setters on the host's WHATWG URL parser) and URLSearchParams.

const URL_PARTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

class URLSearchParams {
  #list = [];
  #url = null; // the URL whose query this object reflects

  constructor(init = "") {
    if (init instanceof URLSearchParams) {
      this.#list = init.#list.map(([k, v]) => [k, v]);
    } else if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const iter = init[Symbol.iterator];
      if (iter !== undefined) {
        if (typeof iter !== "function") throw new TypeError("URLSearchParams: init is not iterable");
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
          this.#list.push([toUSVString(p[0]), toUSVString(p[1])]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          const d = Reflect.getOwnPropertyDescriptor(init, key);
          if (d && d.enumerable && typeof key === "string") this.#list.push([toUSVString(key), toUSVString(init[key])]);
        }
      }
    } else {
      let s = toUSVString(init);
      if (s.startsWith("?")) s = s.slice(1);
      this.#list = ops.formDecode(s);
    }
  }

  static attach(params, url, query) {
    params.#url = url;
    params.#list = ops.formDecode(query);
  }

  static reparse(params, query) {
    params.#list = ops.formDecode(query);
  }

  #update() {
    if (this.#url) urlSetQueryFromParams(this.#url, this.toString());
  }

  get size() { return this.#list.length; }
  append(name, value) { this.#list.push([toUSVString(name), toUSVString(value)]); this.#update(); }
  delete(name, value) {
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    this.#list = this.#list.filter(([k, x]) => !(k === n && (v === undefined || x === v)));
    this.#update();
  }
  get(name) {
    const n = toUSVString(name);
    const e = this.#list.find(([k]) => k === n);
    return e ? e[1] : null;
  }
  getAll(name) {
    const n = toUSVString(name);
    return this.#list.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name, value) {
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    return this.#list.some(([k, x]) => k === n && (v === undefined || x === v));
  }
  set(name, value) {
    const n = toUSVString(name);
    const v = toUSVString(value);
    const i = this.#list.findIndex(([k]) => k === n);
    if (i < 0) this.#list.push([n, v]);
    else {
      this.#list[i][1] = v;
      this.#list = this.#list.filter(([k], j) => j <= i || k !== n);
    }
    this.#update();
  }
  sort() {
    // Stable sort by UTF-16 code units of the names.
    this.#list = this.#list.map((e, i) => [e, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map(([e]) => e);
    this.#update();
  }
  forEach(callback, thisArg) {
    for (let i = 0; i < this.#list.length; i++) {
      const [k, v] = this.#list[i];
      callback.call(thisArg, v, k, this);
    }
  }
  *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
  *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
  *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
  [Symbol.iterator]() { return this.entries(); }
  toString() { return ops.formEncode(this.#list); }
}
setToStringTag(URLSearchParams, "URLSearchParams");

class URL {
  #parts;
  #params = null;

  constructor(url, base) {
    if (arguments.length < 1) throw new TypeError("URL constructor: at least 1 argument required");
    const parts = base === undefined ? ops.urlParse(toUSVString(url)) : ops.urlParse(toUSVString(url), toUSVString(base));
    if (!parts) throw new TypeError(`Invalid URL: ${String(url)}${base === undefined ? "" : ` (base ${String(base)})`}`);
    this.#parts = parts;
  }

  static canParse(url, base) {
    return (base === undefined ? ops.urlParse(toUSVString(url)) : ops.urlParse(toUSVString(url), toUSVString(base))) !== null;
  }

  static parse(url, base) {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  static setQueryFromParams(url, query) {
    // An empty list serializes as "", which removes the query entirely.
    url.#parts = ops.urlSet(url.#parts[0], "search", query);
  }

  #set(name, value) {
    this.#parts = ops.urlSet(this.#parts[0], name, toUSVString(value));
    if (this.#params && (name === "search" || name === "href")) URLSearchParams.reparse(this.#params, this.#parts[9].slice(1));
  }

  get href() { return this.#parts[0]; }
  set href(v) { this.#set("href", v); }
  get origin() { return this.#parts[1]; }
  get protocol() { return this.#parts[2]; }
  set protocol(v) { this.#set("protocol", v); }
  get username() { return this.#parts[3]; }
  set username(v) { this.#set("username", v); }
  get password() { return this.#parts[4]; }
  set password(v) { this.#set("password", v); }
  get host() { return this.#parts[5]; }
  set host(v) { this.#set("host", v); }
  get hostname() { return this.#parts[6]; }
  set hostname(v) { this.#set("hostname", v); }
  get port() { return this.#parts[7]; }
  set port(v) { this.#set("port", v); }
  get pathname() { return this.#parts[8]; }
  set pathname(v) { this.#set("pathname", v); }
  get search() { return this.#parts[9]; }
  set search(v) { this.#set("search", v); }
  get searchParams() {
    if (!this.#params) {
      this.#params = new URLSearchParams();
      URLSearchParams.attach(this.#params, this, this.#parts[9].slice(1));
    }
    return this.#params;
  }
  get hash() { return this.#parts[10]; }
  set hash(v) { this.#set("hash", v); }
  toString() { return this.#parts[0]; }
  toJSON() { return this.#parts[0]; }
}
setToStringTag(URL, "URL");
defineGetters(URL.prototype, URL_PARTS.concat(["searchParams"]));

function urlSetQueryFromParams(url, query) {
  URL.setQueryFromParams(url, query);
}

defineGlobal("URL", URL);
defineGlobal("URLSearchParams", URLSearchParams);
