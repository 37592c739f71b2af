// Gzips its answers with CompressionStream when the client accepts gzip, chunk by chunk as they are made,
// and gunzips uploads with DecompressionStream. Nothing is held whole in memory either way.

/** Whether an Accept-Encoding header value allows gzip (a q=0 refuses it). */
export function acceptsGzip(header) {
  for (const part of (header ?? "").split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** A text report of `lines` lines, made a batch of lines at a time as the client reads. */
function report(lines) {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === lines) {
        controller.close();
        return;
      }
      let batch = "";
      for (const end = Math.min(i + 256, lines); i < end; ) {
        i++;
        batch += `line ${i} of ${lines}: the same words compress well, the same words compress well\n`;
      }
      controller.enqueue(encoder.encode(batch));
    },
  });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/gunzip") {
      if (request.body === null) return new Response("POST a gzip body\n", { status: 400 });
      // A corrupt upload errors the stream with a TypeError while it is being read.
      const plain = request.body.pipeThrough(new DecompressionStream("gzip"));
      return new Response(plain, { headers: { "content-type": "application/octet-stream" } });
    }
    if (request.method !== "GET") return new Response("GET / or POST /gunzip\n", { status: 405 });
    const lines = Math.min(Number(url.searchParams.get("lines") ?? 1000) || 0, 1_000_000);
    const headers = new Headers({ "content-type": "text/plain; charset=utf-8", vary: "accept-encoding" });
    let body = report(lines);
    if (acceptsGzip(request.headers.get("accept-encoding"))) {
      body = body.pipeThrough(new CompressionStream("gzip"));
      headers.set("content-encoding", "gzip");
    }
    // encodeBody: "manual" tells Cloudflare's runtime the body is already encoded; other runtimes ignore it.
    return new Response(body, { headers, encodeBody: "manual" });
  },
};
