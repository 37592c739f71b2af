// An A/B test with sticky assignment: a new visitor is put in a variant at random and gets a cookie, so every
// later request from them sees the same variant. `?variant=a|b` forces one (and re-pins the cookie).

import pageA from "./a.html";
import pageB from "./b.html";

const COOKIE = "ab-variant";

function cookieVariant(request) {
  const cookies = request.headers.get("cookie") ?? "";
  for (const part of cookies.split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === COOKIE && (v === "a" || v === "b")) return v;
  }
  return null;
}

function randomVariant(percentB) {
  const [r] = crypto.getRandomValues(new Uint32Array(1));
  return (r % 100) < percentB ? "b" : "a";
}

export default {
  async fetch(request, env) {
    const forced = new URL(request.url).searchParams.get("variant");
    const pinned = cookieVariant(request);
    const variant = forced === "a" || forced === "b" ? forced : pinned ?? randomVariant(Number(env.B_PERCENT));
    const headers = new Headers({ "content-type": "text/html; charset=utf-8", "x-variant": variant, "cache-control": "private" });
    if (variant !== pinned) {
      headers.append("set-cookie", `${COOKIE}=${variant}; Path=/; Max-Age=2592000; SameSite=Lax`);
    }
    return new Response(variant === "b" ? pageB : pageA, { headers });
  },
};
