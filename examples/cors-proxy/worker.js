// A CORS proxy: GET/POST /?url=<upstream URL> from a browser page; answers preflights itself, forwards the rest
// to an allow-listed upstream, and adds the CORS headers the browser needs to read the answer.

const FORWARDED_REQUEST_HEADERS = ["accept", "accept-language", "content-type", "authorization"];

function allowedOrigin(request, env) {
  const origin = request.headers.get("origin");
  const allowed = env.ALLOWED_ORIGINS.split(",").map((s) => s.trim());
  if (allowed.includes("*")) return origin ?? "*";
  return origin && allowed.includes(origin) ? origin : null;
}

function corsHeaders(origin, request) {
  const h = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
    "access-control-max-age": "86400",
    vary: "Origin",
  });
  const asked = request.headers.get("access-control-request-headers");
  if (asked) h.set("access-control-allow-headers", asked);
  return h;
}

export default {
  async fetch(request, env) {
    const origin = allowedOrigin(request, env);
    if (!origin) return Response.json({ error: "origin not allowed" }, { status: 403 });

    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: corsHeaders(origin, request) });
    }
    if (!["GET", "HEAD", "POST"].includes(request.method)) {
      return Response.json({ error: "method not allowed" }, { status: 405, headers: { allow: "GET, HEAD, POST, OPTIONS" } });
    }

    const target = URL.parse(new URL(request.url).searchParams.get("url") ?? "");
    if (!target) return Response.json({ error: "pass the upstream as ?url=" }, { status: 400 });
    const upstreams = env.UPSTREAMS.split(",").map((s) => s.trim());
    if (!upstreams.includes(target.origin)) {
      return Response.json({ error: `upstream ${target.origin} is not allowed` }, { status: 403 });
    }

    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const v = request.headers.get(name);
      if (v !== null) headers.set(name, v);
    }
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.method === "POST" ? request.body : undefined,
      redirect: "follow",
    });

    const response = new Response(upstream.body, upstream);
    for (const [k, v] of corsHeaders(origin, request)) response.headers.set(k, v);
    response.headers.set("access-control-expose-headers", [...upstream.headers.keys()].join(", "));
    return response;
  },
};
