// DOM events without a tree: Event, EventTarget, CustomEvent, ErrorEvent, PromiseRejectionEvent, and the
// global error events (globalThis is an EventTarget; see 90_entry.js).
//
// For later prelude files:
//   eventIsDispatching(event), eventSetTrusted(event)
//   dispatchEventInternal(target, event, rethrow) — rethrow: a listener's exception propagates (fetch events)
//   eventTargetHasListeners(target, type)
//   defineEventHandler(proto, type) — an `on<type>` attribute
//   dispatchGlobalError(error), dispatchUnhandledRejection(promise, reason),
//   dispatchRejectionHandled(promise, reason) — fire on globalThis; true when a listener called preventDefault()

const kEvInternal = Symbol("verge.events.internal");
let evRecord; // (value) => event record | undefined
let evTargetRecord; // (value) => listener map | undefined

function eventNow() {
  return typeof performanceNow === "function" ? performanceNow() : 0;
}

class Event {
  #e;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw new TypeError("Event constructor: 1 argument required, but only 0 present.");
    if (eventInitDict !== undefined && eventInitDict !== null && typeof eventInitDict !== "object" && typeof eventInitDict !== "function") {
      throw new TypeError("Event constructor: eventInitDict must be an object");
    }
    const init = eventInitDict ?? {};
    this.#e = {
      type: String(type),
      bubbles: Boolean(init.bubbles),
      cancelable: Boolean(init.cancelable),
      composed: Boolean(init.composed),
      target: null,
      currentTarget: null,
      phase: 0,
      stopPropagation: false,
      stopImmediate: false,
      canceled: false,
      inPassiveListener: false,
      dispatching: false,
      trusted: false,
      timeStamp: eventNow(),
    };
  }

  get type() { return evGet(this).type; }
  get target() { return evGet(this).target; }
  get srcElement() { return evGet(this).target; }
  get currentTarget() { return evGet(this).currentTarget; }
  get eventPhase() { return evGet(this).phase; }
  get bubbles() { return evGet(this).bubbles; }
  get cancelable() { return evGet(this).cancelable; }
  get composed() { return evGet(this).composed; }
  get defaultPrevented() { return evGet(this).canceled; }
  get isTrusted() { return evGet(this).trusted; }
  get timeStamp() { return evGet(this).timeStamp; }
  get cancelBubble() { return evGet(this).stopPropagation; }
  set cancelBubble(value) { if (value) evGet(this).stopPropagation = true; }
  get returnValue() { return !evGet(this).canceled; }
  set returnValue(value) { if (!value) evSetCanceled(evGet(this)); }

  composedPath() {
    const e = evGet(this);
    return e.dispatching && e.currentTarget !== null ? [e.currentTarget] : [];
  }
  stopPropagation() { evGet(this).stopPropagation = true; }
  stopImmediatePropagation() {
    const e = evGet(this);
    e.stopPropagation = true;
    e.stopImmediate = true;
  }
  preventDefault() { evSetCanceled(evGet(this)); }
  initEvent(type, bubbles = false, cancelable = false) {
    const e = evGet(this);
    if (e.dispatching) return;
    e.type = String(type);
    e.bubbles = Boolean(bubbles);
    e.cancelable = Boolean(cancelable);
    e.stopPropagation = e.stopImmediate = e.canceled = false;
    e.target = null;
  }

  static {
    evRecord = (v) => ((typeof v === "object" && v !== null) && #e in v ? v.#e : undefined);
  }
}

function evGet(event) {
  const e = evRecord(event);
  if (e === undefined) throw new TypeError("Illegal invocation");
  return e;
}

function evSetCanceled(e) {
  if (e.cancelable && !e.inPassiveListener) e.canceled = true;
}

for (const [name, value] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
  Object.defineProperty(Event, name, { value, enumerable: true });
  Object.defineProperty(Event.prototype, name, { value, enumerable: true });
}

function eventIsDispatching(event) {
  const e = evRecord(event);
  return e !== undefined && e.dispatching;
}

function eventSetTrusted(event) {
  evGet(event).trusted = true;
  return event;
}

// --- EventTarget ---------------------------------------------------------------------------------------------

// Listener maps live beside their targets, so that globalThis (which no constructor made) can be one too.
const evListeners = new WeakMap(); // target -> Map(type -> listener[])

// WebIDL: for operations of a [Global] interface, an undefined `this` is the global object.
function evThisTarget(value) {
  const target = value === undefined || value === null ? globalThis : value;
  if (!evListeners.has(target)) throw new TypeError("Illegal invocation: not an EventTarget");
  return target;
}

function evFlattenOptions(options) {
  if (typeof options === "boolean") return { capture: options };
  if (options === undefined || options === null || (typeof options !== "object" && typeof options !== "function")) return { capture: false };
  return { capture: Boolean(options.capture) };
}

function evFlattenMoreOptions(options) {
  const { capture } = evFlattenOptions(options);
  let once = false;
  let passive = null;
  let signal = null;
  if (options !== null && (typeof options === "object" || typeof options === "function")) {
    once = Boolean(options.once);
    if (options.passive !== undefined) passive = Boolean(options.passive);
    if (options.signal !== undefined) {
      signal = options.signal;
      if (!(typeof AbortSignal === "function" && signal instanceof AbortSignal)) {
        throw new TypeError("addEventListener: options.signal must be an AbortSignal");
      }
    }
  }
  return { capture, once, passive: passive ?? false, signal };
}

function evRemoveListener(target, listener) {
  listener.removed = true;
  const map = evListeners.get(target);
  const list = map?.get(listener.type);
  if (!list) return;
  const i = list.indexOf(listener);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(listener.type);
}

class EventTarget {
  constructor() {
    evListeners.set(this, new Map());
  }

  addEventListener(type, callback, options = undefined) {
    const target = evThisTarget(this);
    if (arguments.length < 2) throw new TypeError("addEventListener: 2 arguments required");
    const { capture, once, passive, signal } = evFlattenMoreOptions(options);
    if (callback === null || callback === undefined) return;
    if (typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeError("addEventListener: the listener must be a function or an object with handleEvent");
    }
    if (signal !== null && signal.aborted) return;
    const t = String(type);
    const map = evListeners.get(target);
    let list = map.get(t);
    if (!list) {
      list = [];
      map.set(t, list);
    }
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    const listener = { type: t, callback, capture, once, passive, removed: false };
    list.push(listener);
    if (signal !== null) abortSignalAddAlgorithm(signal, () => evRemoveListener(target, listener));
  }

  removeEventListener(type, callback, options = undefined) {
    const target = evThisTarget(this);
    if (arguments.length < 2) throw new TypeError("removeEventListener: 2 arguments required");
    const { capture } = evFlattenOptions(options);
    const list = evListeners.get(target).get(String(type));
    const found = list?.find((l) => l.callback === callback && l.capture === capture);
    if (found) evRemoveListener(target, found);
  }

  dispatchEvent(event) {
    const target = evThisTarget(this);
    const e = evRecord(event);
    if (e === undefined) throw new TypeError("dispatchEvent: argument must be an Event");
    if (e.dispatching) throw new DOMException("The event is already being dispatched", "InvalidStateError");
    e.trusted = false;
    return dispatchEventInternal(target, event, false);
  }
}

function eventTargetHasListeners(target, type) {
  const list = evListeners.get(target)?.get(type);
  return list !== undefined && list.length > 0;
}

// The DOM's dispatch for a target with no parent: capturing listeners, then the others, all at target.
function dispatchEventInternal(target, event, rethrow) {
  const e = evGet(event);
  e.dispatching = true;
  e.target = target;
  try {
    e.phase = 2;
    e.currentTarget = target;
    for (const phaseCapture of [true, false]) {
      // Each phase sees the listeners registered when it starts; removed ones are skipped.
      if (e.stopPropagation) break;
      const listeners = evListeners.get(target)?.get(e.type)?.slice() ?? [];
      for (const l of listeners) {
        if (e.stopImmediate) break;
        if (l.removed || l.capture !== phaseCapture) continue;
        if (l.once) evRemoveListener(target, l);
        evInvoke(target, event, e, l, rethrow);
      }
    }
  } finally {
    e.dispatching = false;
    e.phase = 0;
    e.currentTarget = null;
    e.stopPropagation = false;
    e.stopImmediate = false;
  }
  return !e.canceled;
}

function evInvoke(target, event, e, l, rethrow) {
  if (l.passive) e.inPassiveListener = true;
  try {
    const cb = l.callback;
    if (typeof cb === "function") {
      cb.call(target, event);
    } else {
      const handleEvent = cb.handleEvent;
      if (typeof handleEvent !== "function") throw new TypeError("The event listener has no handleEvent() method");
      handleEvent.call(cb, event);
    }
  } catch (err) {
    if (rethrow) throw err;
    reportError(err);
  } finally {
    e.inPassiveListener = false;
  }
}

// An `on<type>` event handler attribute: one listener, registered when first set, calling the current handler.
// With `onerror` semantics the handler gets (message, filename, lineno, colno, error) for an ErrorEvent and
// returning true cancels it (HTML's special error event handling).
function defineEventHandler(proto, type, onerror = false) {
  const handlers = new WeakMap(); // target -> { fn, listener }
  Object.defineProperty(proto, `on${type}`, {
    get() {
      return handlers.get(evThisTarget(this))?.fn ?? null;
    },
    set(value) {
      const target = evThisTarget(this);
      const fn = typeof value === "function" || (typeof value === "object" && value !== null) ? value : null;
      let h = handlers.get(target);
      if (fn === null) {
        if (h) {
          target.removeEventListener(type, h.listener);
          handlers.delete(target);
        }
        return;
      }
      if (!h) {
        h = { fn, listener: null };
        h.listener = function (event) {
          const current = h.fn;
          if (typeof current !== "function") return undefined;
          if (onerror && event instanceof ErrorEvent) {
            const result = current.call(this, event.message, event.filename, event.lineno, event.colno, event.error);
            if (result === true) event.preventDefault();
            return result;
          }
          const result = current.call(this, event);
          if (result === false) event.preventDefault();
          return result;
        };
        handlers.set(target, h);
        target.addEventListener(type, h.listener);
      }
      h.fn = fn;
    },
    enumerable: true,
    configurable: true,
  });
}

// --- event subclasses --------------------------------------------------------------------------------------------

class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw new TypeError("CustomEvent constructor: 1 argument required, but only 0 present.");
    super(type, eventInitDict);
    this.#detail = eventInitDict?.detail ?? null;
  }
  get detail() { return this.#detail; }
  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    if (eventIsDispatching(this)) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }
}

class ErrorEvent extends Event {
  #init;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw new TypeError("ErrorEvent constructor: 1 argument required, but only 0 present.");
    super(type, eventInitDict);
    const i = eventInitDict ?? {};
    this.#init = {
      message: i.message === undefined ? "" : String(i.message),
      filename: i.filename === undefined ? "" : String(i.filename),
      lineno: i.lineno === undefined ? 0 : i.lineno >>> 0,
      colno: i.colno === undefined ? 0 : i.colno >>> 0,
      error: i.error,
    };
  }
  get message() { return this.#init.message; }
  get filename() { return this.#init.filename; }
  get lineno() { return this.#init.lineno; }
  get colno() { return this.#init.colno; }
  get error() { return this.#init.error; }
}

class PromiseRejectionEvent extends Event {
  #promise;
  #reason;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError("PromiseRejectionEvent constructor: 2 arguments required");
    if (eventInitDict === null || typeof eventInitDict !== "object") throw new TypeError("PromiseRejectionEvent: eventInitDict must be an object");
    const promise = eventInitDict.promise;
    if (promise === null || (typeof promise !== "object" && typeof promise !== "function")) {
      throw new TypeError("PromiseRejectionEvent: eventInitDict.promise is required");
    }
    super(type, eventInitDict);
    this.#promise = promise;
    this.#reason = eventInitDict.reason;
  }
  get promise() { return this.#promise; }
  get reason() { return this.#reason; }
}

// --- the global error events ------------------------------------------------------------------------------

let evInErrorReporting = false;

function evErrorMessage(error) {
  if (error instanceof Error) return `Uncaught ${error.name}: ${error.message}`;
  try {
    return `Uncaught ${inspect(error)}`;
  } catch {
    return "Uncaught exception";
  }
}

// Fire a cancelable ErrorEvent "error" at globalThis; true when a listener called preventDefault(). While one is
// being dispatched (a listener threw), nested reports are not dispatched again (HTML's "error reporting mode").
function dispatchGlobalError(error) {
  if (evInErrorReporting) return false;
  evInErrorReporting = true;
  try {
    const event = eventSetTrusted(new ErrorEvent("error", { message: evErrorMessage(error), error, cancelable: true }));
    return !dispatchEventInternal(globalThis, event, false);
  } finally {
    evInErrorReporting = false;
  }
}

function dispatchUnhandledRejection(promise, reason) {
  const event = eventSetTrusted(new PromiseRejectionEvent("unhandledrejection", { promise, reason, cancelable: true }));
  return !dispatchEventInternal(globalThis, event, false);
}

function dispatchRejectionHandled(promise, reason) {
  const event = eventSetTrusted(new PromiseRejectionEvent("rejectionhandled", { promise, reason }));
  return !dispatchEventInternal(globalThis, event, false);
}

defineGetters(Event.prototype, ["type", "target", "srcElement", "currentTarget", "eventPhase", "bubbles", "cancelable", "composed", "defaultPrevented", "isTrusted", "timeStamp", "cancelBubble", "returnValue"]);
defineGetters(CustomEvent.prototype, ["detail"]);
defineGetters(ErrorEvent.prototype, ["message", "filename", "lineno", "colno", "error"]);
defineGetters(PromiseRejectionEvent.prototype, ["promise", "reason"]);
for (const [cls, tag] of [[Event, "Event"], [EventTarget, "EventTarget"], [CustomEvent, "CustomEvent"], [ErrorEvent, "ErrorEvent"], [PromiseRejectionEvent, "PromiseRejectionEvent"]]) {
  setToStringTag(cls, tag);
  defineGlobal(tag, cls);
}

// globalThis is an EventTarget (as WorkerGlobalScope is): "fetch" listeners make the service-worker form, and
// "error" / "unhandledrejection" / "rejectionhandled" listeners see the isolate's uncaught errors.
evListeners.set(globalThis, new Map());
Object.setPrototypeOf(globalThis, EventTarget.prototype);
for (const name of ["addEventListener", "removeEventListener", "dispatchEvent"]) defineGlobal(name, EventTarget.prototype[name]);
defineEventHandler(globalThis, "error", true);
defineEventHandler(globalThis, "unhandledrejection");
defineEventHandler(globalThis, "rejectionhandled");
