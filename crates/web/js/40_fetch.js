// fetch(): builds the request, follows redirects per its mode, and sends each hop through the host's gateway.

async function fetch(input, init = undefined) {
  let request = new Request(input, init);
  const signal = requestSignalOf(request);
  if (signal !== null && signal.aborted) throw signal.reason;
  if (request.url.startsWith("data:")) return fetchDataURL(request); // 27_data_url.js
  let body = null;
  if (bodies.has(request)) body = await consumeBytes(request);
  let method = request.method;
  let url = request.url;
  let headers = Headers.pairs(request.headers);
  const protocol = new URL(url).protocol;
  if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`fetch: unsupported URL scheme "${protocol}"`);
  for (let hops = 0; ; hops++) {
    const [status, statusText, responseHeaders, handle] = await fetchHop(signal, method, url, headers, body);
    const location = REDIRECT_STATUSES.has(status) ? responseHeaders.find(([k]) => k.toLowerCase() === "location") : undefined;
    if (!location || request.redirect === "manual") {
      const response = Response.fromHost(status, statusText, responseHeaders, handle, url, hops > 0, method !== "HEAD");
      if (signal !== null) fetchAbortBodyOnAbort(signal, response);
      return response;
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

// One subrequest; an abort drops the host's op (and with it the connection) and rejects with the signal's reason.
function fetchHop(signal, method, url, headers, body) {
  const [id, promise] = ops.fetch(method, url, headers, body);
  if (signal === null) return promise;
  return new Promise((resolve, reject) => {
    const remove = abortSignalAddAlgorithm(signal, () => {
      ops.cancel(id);
      reject(signal.reason);
    });
    promise.then(
      (v) => {
        remove();
        resolve(v);
      },
      (e) => {
        remove();
        reject(e);
      },
    );
  });
}

// Fetch "abort the fetch" once the response has arrived: its body stream errors with the reason. The signal
// may outlive many requests, so it holds the stream only weakly.
function fetchAbortBodyOnAbort(signal, response) {
  // Abort must reach the body through its stream: make it now.
  const stream = bodyStream(response);
  if (!stream) return;
  const ref = new WeakRef(stream);
  abortSignalAddAlgorithm(signal, () => {
    const s = ref.deref();
    if (s !== undefined) fetchAbortBody(s, signal.reason);
  });
}

function fetchAbortBody(stream, reason) {
  const handle = stream[kHostHandle];
  const r = stReadableRecord(stream);
  if (r !== undefined && r.state === "readable") {
    if (r.controller.byte === true) ReadableByteStreamControllerError(r.controller, reason);
    else ReadableStreamDefaultControllerError(r.controller, reason);
  }
  if (handle !== undefined) ops.bodyCancel(handle);
}
