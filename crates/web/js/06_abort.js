// AbortController and AbortSignal (DOM standard), including AbortSignal.abort/timeout/any.
//
// For later prelude files: abortSignalAddAlgorithm(signal, fn) runs fn once when the signal aborts (before the
// "abort" event fires) and returns a function that unregisters it; abortSignalAbort(signal, reason).

let abRecord; // (value) => signal record | undefined

class AbortSignal extends EventTarget {
  #s;

  constructor(token = undefined) {
    if (token !== kEvInternal) throw new TypeError("Illegal constructor");
    super();
    // dependent: made by any(); sources and dependents hold the other side (strongly: a dependent signal with
    // listeners must outlive the code that made it, and a source keeps its dependents only until it aborts).
    this.#s = { aborted: false, reason: undefined, algorithms: new Set(), dependent: false, sources: new Set(), dependents: new Set() };
  }

  get aborted() { return abGet(this).aborted; }
  get reason() { return abGet(this).reason; }

  throwIfAborted() {
    const s = abGet(this);
    if (s.aborted) throw s.reason;
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kEvInternal);
    const s = abRecord(signal);
    s.aborted = true;
    s.reason = reason !== undefined ? reason : abDefaultReason();
    return signal;
  }

  static timeout(milliseconds) {
    if (arguments.length < 1) throw new TypeError("AbortSignal.timeout: 1 argument required, but only 0 present.");
    const ms = Number(milliseconds);
    // WebIDL [EnforceRange] unsigned long long.
    if (!Number.isFinite(ms) || ms < 0 || Math.trunc(ms) > Number.MAX_SAFE_INTEGER) {
      throw new TypeError("AbortSignal.timeout: milliseconds must be a non-negative finite number");
    }
    const signal = new AbortSignal(kEvInternal);
    setTimeout(() => {
      abortSignalAbort(signal, new DOMException("The operation timed out.", "TimeoutError"));
    }, Math.trunc(ms));
    return signal;
  }

  static any(signals) {
    if (arguments.length < 1) throw new TypeError("AbortSignal.any: 1 argument required, but only 0 present.");
    if (signals === null || (typeof signals !== "object" && typeof signals !== "function") || typeof signals[Symbol.iterator] !== "function") {
      throw new TypeError("AbortSignal.any: the argument must be a sequence of AbortSignals");
    }
    const list = [];
    for (const signal of signals) {
      if (abRecord(signal) === undefined) throw new TypeError("AbortSignal.any: every element must be an AbortSignal");
      list.push(signal);
    }
    const result = new AbortSignal(kEvInternal);
    const r = abRecord(result);
    for (const signal of list) {
      const s = abRecord(signal);
      if (s.aborted) {
        r.aborted = true;
        r.reason = s.reason;
        return result;
      }
    }
    r.dependent = true;
    for (const signal of list) {
      const s = abRecord(signal);
      const sources = s.dependent ? [...s.sources] : [signal];
      for (const source of sources) {
        r.sources.add(source);
        abRecord(source).dependents.add(result);
      }
    }
    return result;
  }

  static {
    abRecord = (v) => ((typeof v === "object" && v !== null) && #s in v ? v.#s : undefined);
  }
}

function abGet(signal) {
  const s = abRecord(signal);
  if (s === undefined) throw new TypeError("Illegal invocation");
  return s;
}

function abDefaultReason() {
  return new DOMException("This operation was aborted", "AbortError");
}

function abortSignalAddAlgorithm(signal, fn) {
  const s = abGet(signal);
  if (s.aborted) return () => {};
  const entry = () => fn();
  s.algorithms.add(entry);
  return () => s.algorithms.delete(entry);
}

// DOM "signal abort": set the reasons of the signal and of its dependents first, then run their abort steps.
function abortSignalAbort(signal, reason) {
  const s = abGet(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason !== undefined ? reason : abDefaultReason();
  const toAbort = [];
  for (const dep of s.dependents) {
    const d = abRecord(dep);
    if (d.aborted) continue;
    d.aborted = true;
    d.reason = s.reason;
    toAbort.push(dep);
  }
  s.dependents.clear();
  abRunAbortSteps(signal);
  for (const dep of toAbort) abRunAbortSteps(dep);
}

function abRunAbortSteps(signal) {
  const s = abRecord(signal);
  const algorithms = [...s.algorithms];
  s.algorithms.clear();
  for (const fn of algorithms) {
    try {
      fn();
    } catch (e) {
      reportError(e);
    }
  }
  for (const source of s.sources) abRecord(source).dependents.delete(signal);
  s.sources.clear();
  dispatchEventInternal(signal, eventSetTrusted(new Event("abort")), false);
}

class AbortController {
  #signal = new AbortSignal(kEvInternal);
  get signal() {
    if (!(#signal in this)) throw new TypeError("Illegal invocation");
    return this.#signal;
  }
  abort(reason = undefined) {
    if (!(#signal in this)) throw new TypeError("Illegal invocation");
    abortSignalAbort(this.#signal, reason);
  }
}

defineEventHandler(AbortSignal.prototype, "abort");
defineGetters(AbortSignal.prototype, ["aborted", "reason"]);
defineGetters(AbortController.prototype, ["signal"]);
setToStringTag(AbortSignal, "AbortSignal");
setToStringTag(AbortController, "AbortController");
defineGlobal("AbortSignal", AbortSignal);
defineGlobal("AbortController", AbortController);
