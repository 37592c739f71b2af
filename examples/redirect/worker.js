// Redirects from a JSON map: each rule names a target and a status (301, 302, 307 or 308; 302 by
// default). The request's query string is passed through to the target.
import redirects from "./redirects.json";

const STATUSES = new Set([301, 302, 307, 308]);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const rule = redirects[url.pathname];
    if (!rule) {
      return new Response(`no redirect for ${url.pathname}\n`, {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    // Relative targets stay on this host; Response.redirect wants an absolute URL.
    const target = new URL(rule.to, url);
    for (const [key, value] of url.searchParams) {
      target.searchParams.append(key, value);
    }
    const status = STATUSES.has(rule.status) ? rule.status : 302;
    return Response.redirect(target.href, status);
  },
};
