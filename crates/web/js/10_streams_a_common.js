// WHATWG Streams, shared helpers: promise utilities, StQueue, WebIDL-ish conversions and queue-with-sizes.
//
// The Streams implementation is split over 10_streams_*.js and 11_streams_globals.js. build.rs concatenates
// js/*.js in file-name order into one function body, so these files share one scope and their top-level
// code runs in that order: a class or const must come before the top-level code that evaluates it.
//
// Layout: every public object (stream, reader, writer, controller) keeps a
// hidden internal record in a #private field. The record holds the spec's
// internal slots; the abstract operations (named after the spec) work on
// records, and `record.obj` leads back to the public object. Byte streams
// (type: "bytes", BYOB readers) are in 10_streams_k_bytes_*.js.
//
// Helpers meant for later prelude files (they take public objects; defined in
// 10_streams_j_interop.js):
//   readableStreamIsDisturbed(stream), readableStreamIsLocked(stream),
//   isReadableStream(value), readableStreamFromPull(pullFn, cancelFn),
//   readAllBytes(stream), readableStreamCancel(stream, reason),
//   readableStreamTee(stream), isWritableStream(value), and (10_streams_k_bytes_c_tee.js)
//   readableByteStreamFromPull(pullFn, cancelFn).

// ---------------------------------------------------------------------------
// Small generic helpers (prefixed "st" to keep the shared prelude scope clean)
// ---------------------------------------------------------------------------

const StPromise = Promise;
const stPromiseThen = Promise.prototype.then;
const stPromiseResolve = Promise.resolve;
const stPromiseReject = Promise.reject;
const stQueueMicrotask = queueMicrotask;
const stIsView = ArrayBuffer.isView;
const stArrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
const stAsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
// Private token for internal construction of the public classes.
const kStInternal = Symbol("verge.streams.internal");

function stNoop() {}

function stIsObject(v) {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

function stThen(promise, onFulfilled, onRejected) {
  return stPromiseThen.call(promise, onFulfilled, onRejected);
}

function stResolved(value) {
  return stPromiseResolve.call(StPromise, value);
}

function stRejected(reason) {
  const p = stPromiseReject.call(StPromise, reason);
  return p;
}

// Spec "set promise.[[PromiseIsHandled]] to true".
function stMarkHandled(promise) {
  stPromiseThen.call(promise, undefined, stNoop);
  return promise;
}

// A promise with its resolving functions and an observable state.
function stDeferred() {
  const d = { promise: undefined, resolve: undefined, reject: undefined, state: "pending" };
  d.promise = new StPromise((resolve, reject) => {
    d.resolve = resolve;
    d.reject = reject;
  });
  return d;
}

function stResolveD(d, value) {
  if (d.state !== "pending") return;
  d.state = "fulfilled";
  d.resolve(value);
}

function stRejectD(d, reason) {
  if (d.state !== "pending") return;
  d.state = "rejected";
  d.reject(reason);
}

function stResolvedD(value) {
  const d = stDeferred();
  stResolveD(d, value);
  return d;
}

function stRejectedHandledD(reason) {
  const d = stDeferred();
  stRejectD(d, reason);
  stMarkHandled(d.promise);
  return d;
}

// Calls fn (a user callback) and turns its result or exception into a promise.
function stPromiseCall(fn, thisArg, ...args) {
  try {
    return stResolved(fn.apply(thisArg, args));
  } catch (e) {
    return stRejected(e);
  }
}

function stIllegal() {
  return new TypeError("Illegal invocation");
}

// FIFO queue with amortised O(1) shift.
class StQueue {
  constructor() {
    this.items = [];
    this.head = 0;
  }
  get size() {
    return this.items.length - this.head;
  }
  push(v) {
    this.items.push(v);
  }
  shift() {
    const items = this.items;
    const v = items[this.head];
    items[this.head] = undefined;
    this.head++;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  peek() {
    return this.items[this.head];
  }
  drain() {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

// Make WebIDL-style prototypes: operations and attributes enumerable, plus a
// Symbol.toStringTag.
function stFinishClass(cls, tag) {
  for (const target of [cls.prototype, cls]) {
    for (const key of Reflect.ownKeys(target)) {
      if (
        typeof key === "symbol" ||
        key === "constructor" ||
        key === "prototype" ||
        key === "length" ||
        key === "name"
      ) {
        continue;
      }
      const desc = Object.getOwnPropertyDescriptor(target, key);
      desc.enumerable = true;
      Object.defineProperty(target, key, desc);
    }
  }
  Object.defineProperty(cls.prototype, Symbol.toStringTag, {
    value: tag,
    writable: false,
    enumerable: false,
    configurable: true,
  });
}

// ---------------------------------------------------------------------------
// WebIDL-ish conversions shared by the constructors
// ---------------------------------------------------------------------------

function stConvertCallback(value, what) {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw new TypeError(`${what} must be a function`);
  return value;
}

// QueuingStrategy dictionary: { highWaterMark, size }.
function stConvertStrategy(strategy, what) {
  if (strategy === undefined || strategy === null) {
    return { highWaterMark: undefined, size: undefined };
  }
  if (!stIsObject(strategy)) throw new TypeError(`${what} must be an object`);
  let highWaterMark = strategy.highWaterMark;
  if (highWaterMark !== undefined) highWaterMark = +highWaterMark;
  const size = stConvertCallback(strategy.size, `${what}.size`);
  return { highWaterMark, size };
}

function ExtractHighWaterMark(strategy, defaultHWM) {
  if (strategy.highWaterMark === undefined) return defaultHWM;
  const hwm = strategy.highWaterMark;
  if (Number.isNaN(hwm) || hwm < 0) {
    throw new RangeError("highWaterMark must be a non-negative number");
  }
  return hwm;
}

function stCountSize() {
  return 1;
}

function ExtractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return stCountSize;
  return (chunk) => size.call(undefined, chunk);
}

function IsNonNegativeNumber(v) {
  return typeof v === "number" && !Number.isNaN(v) && v >= 0;
}

// Queue-with-sizes operations; `container` has .queue and .queueTotalSize.
function DequeueValue(container) {
  const pair = container.queue.shift();
  container.queueTotalSize -= pair.size;
  if (container.queueTotalSize < 0) container.queueTotalSize = 0;
  return pair.value;
}

function EnqueueValueWithSize(container, value, size) {
  if (!IsNonNegativeNumber(size)) {
    throw new RangeError("chunk size must be a non-negative, finite number");
  }
  if (size === Infinity) {
    throw new RangeError("chunk size must be a non-negative, finite number");
  }
  container.queue.push({ value, size });
  container.queueTotalSize += size;
}

function PeekQueueValue(container) {
  return container.queue.peek().value;
}

function ResetQueue(container) {
  container.queue = new StQueue();
  container.queueTotalSize = 0;
}
