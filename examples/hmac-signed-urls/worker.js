// Expiring links signed with HMAC-SHA-256, using only Web APIs.
//
//   GET /sign?path=/reports/q3[&ttl=600]  ->  {"url": "https://host/reports/q3?expires=...&sig=...", ...}
//   GET /reports/q3?expires=...&sig=...   ->  200 while the link is valid and unexpired, 403 otherwise
//
// The signature covers the path and the expiry time, so neither can be changed. It is checked with
// crypto.subtle.timingSafeEqual, so the time a check takes does not reveal how much of a guess was right.
// (In a real deployment /sign would sit behind authentication; here it is open so the example can be tried.)

const MAX_TTL_SECONDS = 7 * 24 * 3600;

// The HMAC key, imported once per isolate (and again only if the secret changes).
let signingKey = { secret: null, key: null };

async function hmacKey(secret) {
  if (signingKey.secret !== secret) {
    const key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    signingKey = { secret, key };
  }
  return signingKey.key;
}

function toBase64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

// What gets signed: the path and the expiry, on separate lines so neither can bleed into the other.
async function signature(secret, path, expires) {
  const message = new TextEncoder().encode(`${path}\n${expires}`);
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
}

async function sign(url, env) {
  const path = url.searchParams.get("path");
  if (!path || !path.startsWith("/") || path.startsWith("//") || path === "/sign") {
    return Response.json({ error: "path must be an absolute path such as /reports/q3" }, { status: 400 });
  }
  const ttl = Number(url.searchParams.get("ttl") ?? env.DEFAULT_TTL_SECONDS ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    return Response.json({ error: `ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}` }, { status: 400 });
  }
  const expires = Math.floor(Date.now() / 1000) + ttl;
  const target = new URL(path, url.origin);
  target.search = "";
  target.hash = "";
  target.searchParams.set("expires", String(expires));
  target.searchParams.set("sig", toBase64url(await signature(env.URL_SIGNING_SECRET, target.pathname, expires)));
  return Response.json({ url: target.href, expires: new Date(expires * 1000).toISOString() });
}

function forbidden(reason) {
  return Response.json({ error: "forbidden", reason }, { status: 403 });
}

async function serve(url, env) {
  const expiresText = url.searchParams.get("expires") ?? "";
  const given = fromBase64url(url.searchParams.get("sig") ?? "");
  if (!/^\d{1,12}$/.test(expiresText) || !given) return forbidden("the link is not signed");
  const expected = await signature(env.URL_SIGNING_SECRET, url.pathname, Number(expiresText));
  // timingSafeEqual throws on different lengths; a wrong length is simply a wrong signature.
  if (given.byteLength !== expected.byteLength || !crypto.subtle.timingSafeEqual(given, expected)) {
    return forbidden("the signature does not match");
  }
  if (Date.now() / 1000 > Number(expiresText)) return forbidden("the link has expired");
  return new Response(`Here is ${url.pathname}. This link works until ${new Date(Number(expiresText) * 1000).toISOString()}.\n`);
}

export default {
  async fetch(request, env) {
    if (typeof env.URL_SIGNING_SECRET !== "string" || env.URL_SIGNING_SECRET.length < 16) {
      return Response.json({ error: "URL_SIGNING_SECRET is not set (at least 16 characters): see .dev.vars.example" }, { status: 500 });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return Response.json({ error: "method not allowed" }, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const url = new URL(request.url);
    return url.pathname === "/sign" ? sign(url, env) : serve(url, env);
  },
};
