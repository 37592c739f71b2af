// The prelude's entry points for the host: binding the worker's handler, dispatching a request, waitUntil.

let moduleHandler = null;
let waitUntilList = [];
const env = {};

class ExecutionContext {
  waitUntil(promise) {
    waitUntilList.push(Promise.resolve(promise).catch((e) => reportError(e)));
  }
  passThroughOnException() {}
}
setToStringTag(ExecutionContext, "ExecutionContext");

class FetchEvent extends Event {
  #request;
  #response = null;
  constructor(type, init) {
    if (arguments.length < 2) throw new TypeError("FetchEvent constructor: 2 arguments required");
    super(type, init);
    if (!(init?.request instanceof Request)) throw new TypeError("FetchEvent constructor: init.request must be a Request");
    this.#request = init.request;
  }
  get request() { return this.#request; }
  respondWith(response) {
    if (this.#response) throw new DOMException("FetchEvent.respondWith() has already been called; it can only be called once.", "InvalidStateError");
    if (!eventIsDispatching(this)) throw new DOMException("Too late to call FetchEvent.respondWith(). It must be called synchronously in the event handler.", "InvalidStateError");
    this.#response = Promise.resolve(response);
  }
  waitUntil(promise) {
    waitUntilList.push(Promise.resolve(promise).catch((e) => reportError(e)));
  }
  passThroughOnException() {}
  static responseOf(event) { return event.#response; }
}
setToStringTag(FetchEvent, "FetchEvent");
defineGlobal("FetchEvent", FetchEvent);

defineGlobal("self", globalThis);
// WinterTC: navigator.userAgent names the runtime (as "Cloudflare-Workers" does on Workers).
class Navigator {
  constructor(token = undefined) {
    if (token !== kEvInternal) throw new TypeError("Illegal constructor");
  }
  get userAgent() { return "verge"; }
}
defineGetters(Navigator.prototype, ["userAgent"]);
setToStringTag(Navigator, "Navigator");
defineGlobal("Navigator", Navigator);
defineGlobal("navigator", new Navigator(kEvInternal));

function describeValue(v) {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return v.constructor?.name ?? "object";
}

const entry = {
  setEnv(pairs) {
    for (const [k, v] of pairs) env[k] = v;
  },

  bind(ns) {
    const def = ns.default;
    if (def !== undefined && def !== null) {
      if (typeof def.fetch === "function") {
        moduleHandler = def;
        return undefined;
      }
      return `the main module's default export has no fetch() method; export one: export default { async fetch(request, env, ctx) { ... } }`;
    }
    if (eventTargetHasListeners(globalThis, "fetch")) {
      // Service-worker form: bindings are globals.
      for (const [k, v] of Object.entries(env)) defineGlobal(k, v);
      return undefined;
    }
    return `the worker has no fetch handler: export default { async fetch(request, env, ctx) { ... } } from the main module, or call addEventListener("fetch", event => event.respondWith(...))`;
  },

  // headers: [name, value, name, value, ...] with lower-case names; url: already in the URL standard's form;
  // cfJson: request.cf as JSON, parsed when the worker first reads it.
  async dispatch(method, url, headers, handle, cfJson) {
    const request = Request.fromHost(method, url, headers, handle, cfJson);
    let response;
    if (moduleHandler) {
      response = await moduleHandler.fetch(request, env, new ExecutionContext());
    } else {
      const event = eventSetTrusted(new FetchEvent("fetch", { request }));
      // A listener's exception fails the request, as before globalThis was an EventTarget.
      dispatchEventInternal(globalThis, event, true);
      const responded = FetchEvent.responseOf(event);
      if (!responded) throw new TypeError("No response: the fetch event handler did not call event.respondWith()");
      response = await responded;
    }
    if (!(response instanceof Response)) {
      throw new TypeError(`Incorrect type for the fetch handler's result: expected a Response, got ${describeValue(response)}`);
    }
    if (response.type === "error") throw new TypeError("The fetch handler returned Response.error()");
    return Response.describe(response);
  },

  onUnhandledRejection(promise, reason) {
    const prevented = typeof dispatchUnhandledRejection === "function" && dispatchUnhandledRejection(promise, reason);
    if (!prevented) ops.log("error", "Uncaught (in promise) " + inspect(reason));
  },

  hasWaitUntil() {
    return waitUntilList.length > 0;
  },

  async waitUntilDone() {
    while (waitUntilList.length) {
      const list = waitUntilList;
      waitUntilList = [];
      await Promise.all(list);
    }
  },

  endRequest() {
    runRequestEndHooks();
    waitUntilList = [];
    clearAllTimers();
  },
};
