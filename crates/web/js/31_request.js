// Request, per the Fetch standard as Workers has it (plus request.cf).

const METHOD_NORMALIZE = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const REDIRECT_MODES = new Set(["follow", "manual", "error"]);

function normalizeMethod(m) {
  const s = String(m);
  if (!TOKEN.test(s)) throw new TypeError(`Invalid HTTP method: "${s}"`);
  const upper = s.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`HTTP method "${s}" is not allowed`);
  return METHOD_NORMALIZE.has(upper) ? upper : s;
}

let requestSignalOf; // (request) => the AbortSignal it follows, or null (for fetch)
const kFromHost = Symbol("fromHost"); // new Request(kFromHost): an empty shell that fromHost fills in

class Request {
  #method = "GET";
  #url = "";
  #headers;
  #redirect = "follow";
  #signal = null; // the AbortSignal this request follows (init.signal or the input request's), or null
  #ownSignal = null; // request.signal: made on first use, following #signal
  #cf = undefined;
  #cfJson = null; // request.cf as the host gave it, until first read

  constructor(input, init = {}) {
    if (arguments.length < 1) throw new TypeError("Request constructor: at least 1 argument required");
    if (input === kFromHost) return;
    if (init === null || (typeof init !== "object" && typeof init !== "function")) init = {};
    let inheritedBody = null;
    if (input instanceof Request) {
      this.#method = input.#method;
      this.#url = input.#url;
      this.#headers = new Headers(input.#headers);
      this.#redirect = input.#redirect;
      this.#signal = input.#signal;
      this.#cf = input.#cf;
      this.#cfJson = input.#cfJson;
      if (init.body === undefined && bodies.has(input)) {
        if (bodyUsed(input)) throw new TypeError("Cannot construct a Request with a Request whose body has already been used");
        inheritedBody = bodies.get(input);
        // The body moves to the new request.
        bodies.set(input, new BodyState(null, null));
        bodies.get(input).used = true;
      }
    } else {
      const u = URL.parse(toUSVString(input));
      if (!u) throw new TypeError(`Invalid URL: ${String(input)}`);
      if (u.username || u.password) throw new TypeError("Request URLs can't include credentials");
      this.#url = u.href;
      this.#headers = new Headers();
    }
    if (init.method !== undefined) this.#method = normalizeMethod(init.method);
    if (init.headers !== undefined) this.#headers = new Headers(init.headers);
    if (init.redirect !== undefined) {
      const r = String(init.redirect);
      if (!REDIRECT_MODES.has(r)) throw new TypeError(`Invalid redirect mode: "${r}"`);
      this.#redirect = r;
    }
    if (init.signal !== undefined) {
      if (init.signal !== null && !(init.signal instanceof AbortSignal)) throw new TypeError("Request: init.signal must be an AbortSignal");
      this.#signal = init.signal;
    }
    if (init.cf !== undefined) {
      this.#cf = init.cf;
      this.#cfJson = null;
    }
    if (init.body !== undefined && init.body !== null) {
      if (this.#method === "GET" || this.#method === "HEAD") throw new TypeError("Request with GET/HEAD method cannot have body.");
      const extracted = extractBody(init.body);
      if (extracted.type && !this.#headers.has("content-type")) this.#headers.set("content-type", extracted.type);
      bodies.set(this, bodyStateFrom(extracted));
    } else if (inheritedBody) {
      if (this.#method === "GET" || this.#method === "HEAD") throw new TypeError("Request with GET/HEAD method cannot have body.");
      bodies.set(this, inheritedBody);
    }
  }

  // The request the host received: `url` is already in the URL standard's form, `headers` a flat
  // [name, value, ...] list with lower-case names, `cfJson` request.cf as JSON (parsed on first read).
  static fromHost(method, url, headers, handle, cfJson) {
    const r = new Request(kFromHost);
    r.#method = method;
    r.#url = url;
    r.#headers = Headers.fromFlat(headers, "immutable");
    if (cfJson) r.#cfJson = cfJson;
    else r.#cf = {};
    if (handle !== null && handle !== undefined) bodies.set(r, hostBodyState(handle));
    return r;
  }

  get method() { return this.#method; }
  get url() { return this.#url; }
  get headers() { return this.#headers; }
  get redirect() { return this.#redirect; }
  // Fetch: every request has a signal, dependent on the one it was made with.
  get signal() {
    this.#ownSignal ??= this.#signal === null ? new AbortSignal(kEvInternal) : AbortSignal.any([this.#signal]);
    return this.#ownSignal;
  }
  static {
    requestSignalOf = (r) => r.#signal;
  }
  get cf() {
    if (this.#cfJson !== null) {
      this.#cf = JSON.parse(this.#cfJson);
      this.#cfJson = null;
    }
    return this.#cf;
  }
  get integrity() { return ""; }
  get keepalive() { return false; }
  get cache() { return undefined; }

  clone() {
    if (bodyUsed(this)) throw new TypeError("Cannot clone a Request whose body has already been used");
    const r = new Request(this.#url, { method: this.#method, headers: this.#headers, redirect: this.#redirect, cf: this.cf });
    if (this.#signal) r.#signal = this.#signal;
    const b = cloneBody(this);
    if (b) bodies.set(r, b);
    return r;
  }
}
installBodyMixin(Request);
setToStringTag(Request, "Request");
defineGetters(Request.prototype, ["method", "url", "headers", "redirect", "signal", "cf", "integrity", "keepalive", "cache"]);
defineGlobal("Request", Request);
