// A tiny method-and-path router: patterns like "/todos/:id", 404 and 405 answers in JSON.

/** A JSON response with a status and optional extra headers. */
export function json(body, status = 200, headers = {}) {
  return Response.json(body, { status, headers });
}

/** Split a path into its non-empty segments: "/todos/3/" -> ["todos", "3"]. */
function segments(path) {
  return path.split("/").filter((s) => s.length > 0);
}

/** Match a path against a pattern; returns the `:name` params, or null when it does not match. */
function match(pattern, path) {
  const want = segments(pattern);
  const got = segments(path);
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) {
      return null;
    }
  }
  return params;
}

export class Router {
  #routes = [];

  /** Add a route: `handler(request, params, url)` answers `method pattern`. */
  on(method, pattern, handler) {
    this.#routes.push({ method: method.toUpperCase(), pattern, handler });
    return this;
  }

  get(pattern, handler) {
    return this.on("GET", pattern, handler);
  }

  post(pattern, handler) {
    return this.on("POST", pattern, handler);
  }

  delete(pattern, handler) {
    return this.on("DELETE", pattern, handler);
  }

  /** Answer a request: the matching route, else 405 (path known, method not) or 404. */
  async handle(request) {
    const url = new URL(request.url);
    const allowed = [];
    for (const route of this.#routes) {
      const params = match(route.pattern, url.pathname);
      if (params === null) continue;
      if (route.method === request.method) {
        return route.handler(request, params, url);
      }
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      return json(
        { error: `method ${request.method} not allowed on ${url.pathname}` },
        405,
        { allow: allowed.join(", ") },
      );
    }
    return json({ error: `no route for ${url.pathname}` }, 404);
  }
}
