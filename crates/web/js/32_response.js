// Response, per the Fetch standard as Workers has it.

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

class Response {
  #status = 200;
  #statusText = "";
  #headers;
  #type = "default";
  #url = "";
  #redirected = false;

  constructor(body = null, init = {}) {
    if (init === null || (typeof init !== "object" && typeof init !== "function")) init = {};
    const status = init.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      if (!(status === 101 && init.webSocket)) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive (got ${init.status})`);
    }
    this.#status = status;
    if (init.statusText !== undefined) {
      const t = toByteString(init.statusText, "statusText");
      if (/[\r\n]/.test(t)) throw new TypeError("Invalid statusText");
      this.#statusText = t;
    }
    this.#headers = new Headers(init.headers);
    if (body !== null && body !== undefined) {
      if (NULL_BODY_STATUS.has(status)) throw new TypeError(`Response with null body status ${status} cannot have body`);
      const extracted = extractBody(body);
      if (extracted.type && !this.#headers.has("content-type")) this.#headers.set("content-type", extracted.type);
      bodies.set(this, bodyStateFrom(extracted));
    }
  }

  static json(data, init = {}) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Response.json: the data is not JSON-serializable");
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, { ...init, headers });
  }

  static redirect(url, status = 302) {
    const u = URL.parse(toUSVString(url));
    if (!u) throw new TypeError(`Invalid URL: ${String(url)}`);
    const s = Number(status);
    if (!REDIRECT_STATUSES.has(s)) throw new RangeError(`Invalid status code for a redirect: ${status}`);
    const r = new Response(null, { status: s, headers: { location: u.href } });
    Headers.setGuard(r.#headers, "immutable");
    return r;
  }

  static error() {
    const r = new Response(null, { status: 200 });
    r.#status = 0;
    r.#type = "error";
    Headers.setGuard(r.#headers, "immutable");
    return r;
  }

  static fromHost(status, statusText, headerPairs, handle, url, redirected, withBody) {
    const r = new Response(null, { status: 200 });
    r.#status = status;
    r.#statusText = statusText;
    r.#headers = Headers.fromPairs(headerPairs, "immutable");
    r.#url = url;
    r.#redirected = redirected;
    r.#type = "basic";
    if (withBody && !NULL_BODY_STATUS.has(status)) bodies.set(r, hostBodyState(handle));
    else ops.bodyCancel(handle);
    return r;
  }

  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return this.#redirected; }
  get status() { return this.#status; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get statusText() { return this.#statusText; }
  get headers() { return this.#headers; }
  get webSocket() { return null; }

  clone() {
    if (bodyUsed(this)) throw new TypeError("Cannot clone a Response whose body has already been used");
    const r = new Response(null, { status: 200 });
    r.#status = this.#status;
    r.#statusText = this.#statusText;
    r.#headers = new Headers(this.#headers);
    r.#type = this.#type;
    r.#url = this.#url;
    r.#redirected = this.#redirected;
    const b = cloneBody(this);
    if (b) bodies.set(r, b);
    return r;
  }

  static describe(r) {
    const [kind, value] = describeBody(r);
    return [r.#status, Headers.flat(r.#headers), kind, value];
  }
}
installBodyMixin(Response);
setToStringTag(Response, "Response");
defineGetters(Response.prototype, ["type", "url", "redirected", "status", "ok", "statusText", "headers", "webSocket"]);
defineGlobal("Response", Response);
