// URL (parsing and setters by the host's WHATWG URL parser, ada) and URLSearchParams.

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

// A URL is the host's record of it: [href, protocol_end, username_end, host_start, host_end, port, pathname_start,
// search_start, hash_start] (offsets into the ASCII href, -1 when absent); the getters slice the href.
class URL {
  #r;
  #origin = null;
  #params = null;

  constructor(url, base = undefined) {
    if (arguments.length < 1) throw new TypeError("URL constructor: at least 1 argument required");
    const r = base === undefined ? ops.urlParse(toUSVString(url)) : ops.urlParse(toUSVString(url), toUSVString(base));
    if (!r) throw new TypeError(`Invalid URL: ${String(url)}${base === undefined ? "" : ` (base ${String(base)})`}`);
    this.#r = r;
  }

  static canParse(url, base = undefined) {
    if (arguments.length < 1) throw new TypeError("URL.canParse: at least 1 argument required");
    return (base === undefined ? ops.urlParse(toUSVString(url)) : ops.urlParse(toUSVString(url), toUSVString(base))) !== null;
  }

  static parse(url, base = undefined) {
    if (arguments.length < 1) throw new TypeError("URL.parse: at least 1 argument required");
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  static setQueryFromParams(url, query) {
    // An empty list serializes as "", which removes the query entirely.
    url.#r = ops.urlSet(url.#r[0], "search", query);
    url.#origin = null;
  }

  #set(name, value) {
    this.#r = ops.urlSet(this.#r[0], name, toUSVString(value));
    this.#origin = null;
    if (this.#params && (name === "search" || name === "href")) URLSearchParams.reparse(this.#params, this.#query());
  }

  #query() {
    const s = this.search;
    return s === "" ? "" : s.slice(1);
  }

  get href() { return this.#r[0]; }
  set href(v) { this.#set("href", v); }
  get origin() {
    if (this.#origin === null) this.#origin = ops.urlOrigin(this.#r[0]);
    return this.#origin;
  }
  get protocol() { return this.#r[0].slice(0, this.#r[1]); }
  set protocol(v) { this.#set("protocol", v); }
  get username() {
    const r = this.#r;
    return r[1] + 2 < r[2] ? r[0].slice(r[1] + 2, r[2]) : "";
  }
  set username(v) { this.#set("username", v); }
  get password() {
    const r = this.#r;
    return r[3] - r[2] > 0 ? r[0].slice(r[2] + 1, r[3]) : "";
  }
  set password(v) { this.#set("password", v); }
  get host() {
    const r = this.#r;
    let start = r[3];
    if (r[0][start] === "@") start++;
    // An empty host: what lies between host_end and pathname_start is not a port.
    return start === r[4] ? "" : r[0].slice(start, r[6]);
  }
  set host(v) { this.#set("host", v); }
  get hostname() {
    const r = this.#r;
    let start = r[3];
    if (r[0][start] === "@") start++;
    return r[0].slice(start, r[4]);
  }
  set hostname(v) { this.#set("hostname", v); }
  get port() { return this.#r[5] < 0 ? "" : String(this.#r[5]); }
  set port(v) { this.#set("port", v); }
  get pathname() {
    const r = this.#r;
    const end = r[7] >= 0 ? r[7] : r[8] >= 0 ? r[8] : r[0].length;
    return r[0].slice(r[6], end);
  }
  set pathname(v) { this.#set("pathname", v); }
  get search() {
    const r = this.#r;
    if (r[7] < 0) return "";
    const end = r[8] >= 0 ? r[8] : r[0].length;
    return end - r[7] <= 1 ? "" : r[0].slice(r[7], end);
  }
  set search(v) { this.#set("search", v); }
  get searchParams() {
    if (!this.#params) {
      this.#params = new URLSearchParams();
      URLSearchParams.attach(this.#params, this, this.#query());
    }
    return this.#params;
  }
  get hash() {
    const r = this.#r;
    return r[8] < 0 || r[0].length - r[8] <= 1 ? "" : r[0].slice(r[8]);
  }
  set hash(v) { this.#set("hash", v); }
  toString() { return this.#r[0]; }
  toJSON() { return this.#r[0]; }
}
setToStringTag(URL, "URL");
defineGetters(URL.prototype, URL_PARTS.concat(["searchParams"]));

function urlSetQueryFromParams(url, query) {
  URL.setQueryFromParams(url, query);
}

defineGlobal("URL", URL);
defineGlobal("URLSearchParams", URLSearchParams);
