// fetch(): builds the request, follows redirects per its mode, and sends each hop through the host's gateway.

async function fetch(input, init = undefined) {
  let request = new Request(input, init);
  let body = null;
  if (bodies.has(request)) body = await consumeBytes(request);
  let method = request.method;
  let url = request.url;
  let headers = Headers.pairs(request.headers);
  const protocol = new URL(url).protocol;
  if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`fetch: unsupported URL scheme "${protocol}"`);
  for (let hops = 0; ; hops++) {
    const [status, statusText, responseHeaders, handle] = await ops.fetch(method, url, headers, body);
    const location = REDIRECT_STATUSES.has(status) ? responseHeaders.find(([k]) => k.toLowerCase() === "location") : undefined;
    if (!location || request.redirect === "manual") {
      return Response.fromHost(status, statusText, responseHeaders, handle, url, hops > 0, method !== "HEAD");
    }
    ops.bodyCancel(handle);
    if (request.redirect === "error") throw new TypeError(`fetch: redirect to ${location[1]} refused (redirect: "error")`);
    if (hops >= 20) throw new TypeError("fetch: too many redirects");
    const next = URL.parse(location[1], url);
    if (!next) throw new TypeError(`fetch: invalid redirect location ${location[1]}`);
    if (status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST") {
      method = "GET";
      body = null;
      headers = headers.filter(([k]) => !/^content-(type|length|encoding|language|location)$/i.test(k));
    }
    if (new URL(url).origin !== next.origin) headers = headers.filter(([k]) => k.toLowerCase() !== "authorization");
    url = next.href;
  }
}

defineGlobal("fetch", fetch);
