// The Cache API as Workers has it: `caches.default` and `caches.open(name)`, each a Cache with match/put/delete,
// stored in the node's HTTP cache (fresh per Cache-Control/Expires), apart from every other worker's.

function cacheRequest(request) {
  const r = request instanceof Request ? request : new Request(request);
  const u = new URL(r.url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("Cache keys must be http: or https: URLs");
  return r;
}

class Cache {
  #name;
  constructor(token, name) {
    if (token !== kCacheToken) throw new TypeError("Illegal constructor");
    this.#name = name;
  }

  async match(request, options = {}) {
    const r = cacheRequest(request);
    if (r.method !== "GET" && !options?.ignoreMethod) return undefined;
    const hit = ops.cacheMatch(this.#name, r.url, Headers.pairs(r.headers));
    if (!hit) return undefined;
    const [status, headers, body] = hit;
    const response = new Response(NULL_BODY_STATUS.has(status) ? null : body, { status, headers });
    response.headers.set("cf-cache-status", "HIT");
    return response;
  }

  async put(request, response) {
    const r = cacheRequest(request);
    if (r.method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
    if (!(response instanceof Response)) throw new TypeError("Cache.put: the second argument must be a Response");
    if (response.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
    const vary = response.headers.get("vary");
    if (vary && vary.split(",").some((v) => v.trim() === "*")) throw new TypeError("Cannot cache response with 'Vary: *' header.");
    if (response.bodyUsed) throw new TypeError("Cache.put: the response body has already been used");
    const body = bodies.has(response) ? await consumeBytes(response) : new Uint8Array(0);
    ops.cachePut(this.#name, r.url, Headers.pairs(r.headers), response.status, Headers.pairs(response.headers), body);
  }

  async delete(request, options = {}) {
    const r = cacheRequest(request);
    if (r.method !== "GET" && !options?.ignoreMethod) return false;
    return ops.cacheDelete(this.#name, r.url);
  }
}
setToStringTag(Cache, "Cache");

const kCacheToken = Symbol("cache");

class CacheStorage {
  #default = new Cache(kCacheToken, "default");
  get default() { return this.#default; }
  async open(name) {
    const n = String(name);
    if (n === "default") throw new TypeError("\"default\" is reserved; use caches.default");
    return new Cache(kCacheToken, `named:${n}`);
  }
}
setToStringTag(CacheStorage, "CacheStorage");
defineGetters(CacheStorage.prototype, ["default"]);

defineGlobal("Cache", Cache);
defineGlobal("CacheStorage", CacheStorage);
defineGlobal("caches", new CacheStorage());
