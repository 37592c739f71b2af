// Serves page.html (imported as a text module) through HTMLRewriter: a personalised banner from a
// `name` query parameter or cookie, links upgraded to https and marked as external, and a footer
// comment at the end of the document. Nothing is fetched; the page streams through the rewriter.
import page from "./page.html";

const MAX_NAME = 40;

/** The visitor's name: `?name=` first (remembered in a cookie), then the `name` cookie. */
function visitorName(request, url) {
  const fromQuery = url.searchParams.get("name");
  if (fromQuery !== null && fromQuery.trim() !== "") return { name: fromQuery.trim().slice(0, MAX_NAME), remember: true };
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === "name" && rest.length > 0) {
      try {
        const name = decodeURIComponent(rest.join("=")).trim().slice(0, MAX_NAME);
        if (name !== "") return { name, remember: false };
      } catch {
        // A malformed cookie is the same as none.
      }
    }
  }
  return { name: null, remember: false };
}

/** Fills the banner. Its text is inserted as text, so a name like `<script>` is escaped, never run. */
class Banner {
  constructor(name) {
    this.name = name;
  }
  element(el) {
    el.setInnerContent(this.name === null ? "Welcome, guest! Add ?name=YourName to the address." : `Welcome back, ${this.name}!`);
    el.setAttribute("class", `${el.getAttribute("class") ?? ""} ${this.name === null ? "guest" : "known"}`.trim());
  }
}

/** Upgrades http:// links to https:// and opens off-site links in a new tab. */
const links = {
  element(el) {
    const href = el.getAttribute("href");
    if (href === null) return;
    const upgraded = href.startsWith("http://") ? `https://${href.slice("http://".length)}` : href;
    if (upgraded !== href) el.setAttribute("href", upgraded);
    if (/^https?:\/\//.test(upgraded)) {
      el.setAttribute("target", "_blank").setAttribute("rel", "noopener noreferrer");
      el.append(" ↗");
    }
  },
};

export default {
  fetch(request) {
    const url = new URL(request.url);
    const html = { "content-type": "text/html; charset=utf-8" };
    if (url.pathname === "/raw") return new Response(page, { headers: html });
    if (url.pathname !== "/") return new Response(`No page at ${url.pathname}\n`, { status: 404 });

    const { name, remember } = visitorName(request, url);
    const headers = new Headers(html);
    if (remember) headers.append("set-cookie", `name=${encodeURIComponent(name)}; Path=/; SameSite=Lax; HttpOnly`);
    const response = new Response(page, { headers });
    return new HTMLRewriter()
      .on("#banner", new Banner(name))
      .on("a[href]", links)
      .on("title", { text(t) { if (t.lastInTextNode && name !== null) t.after(` for ${name}`); } })
      .onDocument({ end(end) { end.append("<!-- rewritten at the edge by verge -->\n", { html: true }); } })
      .transform(response);
  },
};
