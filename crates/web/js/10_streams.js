// 10_streams.js — WHATWG Streams: ReadableStream (default controller and
// reader), WritableStream, TransformStream and the queuing strategies.
//
// Layout: every public object (stream, reader, writer, controller) keeps a
// hidden internal record in a #private field. The record holds the spec's
// internal slots; the abstract operations below (named after the spec) work
// on records, and `record.obj` leads back to the public object. Byte streams
// and BYOB readers are not implemented yet.
//
// Helpers meant for later prelude files (they take public objects):
//   readableStreamIsDisturbed(stream), readableStreamIsLocked(stream),
//   isReadableStream(value), readableStreamFromPull(pullFn, cancelFn),
//   readAllBytes(stream), readableStreamCancel(stream, reason),
//   readableStreamTee(stream), isWritableStream(value).

// ---------------------------------------------------------------------------
// Small generic helpers (prefixed "st" to keep the shared prelude scope clean)
// ---------------------------------------------------------------------------

const StPromise = Promise;
const stPromiseThen = Promise.prototype.then;
const stPromiseResolve = Promise.resolve;
const stPromiseReject = Promise.reject;
const stQueueMicrotask = queueMicrotask;
const stIsView = ArrayBuffer.isView;
const stArrayBufferByteLength = Object.getOwnPropertyDescriptor(
  ArrayBuffer.prototype,
  "byteLength",
).get;
const stAsyncIteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf(async function* () {}).prototype,
);
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

// ---------------------------------------------------------------------------
// ReadableStream
// ---------------------------------------------------------------------------

let stReadableRecord; // (value) => stream record | undefined
let stReaderRecord; // (value) => reader record | undefined
let stReadableControllerRecord; // (value) => controller record | undefined
let stIteratorState; // (value) => iterator state | undefined

function stNewReadableStreamRecord() {
  return {
    state: "readable",
    reader: undefined,
    storedError: undefined,
    controller: undefined,
    disturbed: false,
    obj: undefined,
  };
}

class ReadableStream {
  #r;

  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kStInternal) {
      this.#r = strategy;
      strategy.obj = this;
      return;
    }
    if (underlyingSource !== undefined && !stIsObject(underlyingSource)) {
      throw new TypeError("ReadableStream: underlyingSource must be an object");
    }
    const strategyDict = stConvertStrategy(strategy, "ReadableStream: strategy");
    // UnderlyingSource dictionary, members in lexicographic order.
    let source = {};
    if (underlyingSource !== undefined) {
      const autoAllocateChunkSize = underlyingSource.autoAllocateChunkSize;
      if (autoAllocateChunkSize !== undefined) {
        const n = +autoAllocateChunkSize;
        if (!Number.isFinite(n) || n < 0) {
          throw new TypeError("autoAllocateChunkSize must be a finite, non-negative number");
        }
      }
      const cancel = stConvertCallback(underlyingSource.cancel, "underlyingSource.cancel");
      const pull = stConvertCallback(underlyingSource.pull, "underlyingSource.pull");
      const start = stConvertCallback(underlyingSource.start, "underlyingSource.start");
      let type = underlyingSource.type;
      if (type !== undefined) {
        type = `${type}`;
        if (type !== "bytes") {
          throw new TypeError(`ReadableStream: '${type}' is not a valid stream type`);
        }
      }
      source = { cancel, pull, start, type };
    }
    const r = stNewReadableStreamRecord();
    this.#r = r;
    r.obj = this;
    if (source.type === "bytes") {
      throw new RangeError("byte streams are not supported yet");
    }
    const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
    const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
    SetUpReadableStreamDefaultControllerFromUnderlyingSource(
      r,
      underlyingSource,
      source,
      highWaterMark,
      sizeAlgorithm,
    );
  }

  get locked() {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    return IsReadableStreamLocked(r);
  }

  cancel(reason = undefined) {
    const r = stReadableRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (IsReadableStreamLocked(r)) {
      return stRejected(new TypeError("Cannot cancel a ReadableStream that is locked to a reader"));
    }
    return ReadableStreamCancel(r, reason);
  }

  getReader(options = undefined) {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    if (options !== undefined && options !== null && !stIsObject(options)) {
      throw new TypeError("getReader: options must be an object");
    }
    let mode = options == null ? undefined : options.mode;
    if (mode !== undefined) {
      mode = `${mode}`;
      if (mode !== "byob") throw new TypeError(`getReader: '${mode}' is not a valid reader mode`);
      throw new TypeError("getReader: BYOB readers require a byte stream (not supported yet)");
    }
    return AcquireReadableStreamDefaultReader(r).obj;
  }

  pipeThrough(transform, options = undefined) {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    if (!stIsObject(transform)) {
      throw new TypeError("pipeThrough: transform must be an object with readable and writable");
    }
    const readable = transform.readable;
    const readableRec = stReadableRecord(readable);
    if (readableRec === undefined) {
      throw new TypeError("pipeThrough: transform.readable must be a ReadableStream");
    }
    const writable = transform.writable;
    const writableRec = stWritableRecord(writable);
    if (writableRec === undefined) {
      throw new TypeError("pipeThrough: transform.writable must be a WritableStream");
    }
    const opts = stConvertPipeOptions(options);
    if (IsReadableStreamLocked(r)) {
      throw new TypeError("pipeThrough: the ReadableStream is locked");
    }
    if (IsWritableStreamLocked(writableRec)) {
      throw new TypeError("pipeThrough: transform.writable is locked");
    }
    const promise = ReadableStreamPipeTo(
      r,
      writableRec,
      opts.preventClose,
      opts.preventAbort,
      opts.preventCancel,
      opts.signal,
    );
    stMarkHandled(promise);
    return readable;
  }

  pipeTo(destination, options = undefined) {
    const r = stReadableRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    const dest = stWritableRecord(destination);
    if (dest === undefined) {
      return stRejected(new TypeError("pipeTo: destination must be a WritableStream"));
    }
    let opts;
    try {
      opts = stConvertPipeOptions(options);
    } catch (e) {
      return stRejected(e);
    }
    if (IsReadableStreamLocked(r)) {
      return stRejected(new TypeError("pipeTo: the ReadableStream is locked"));
    }
    if (IsWritableStreamLocked(dest)) {
      return stRejected(new TypeError("pipeTo: the destination WritableStream is locked"));
    }
    return ReadableStreamPipeTo(
      r,
      dest,
      opts.preventClose,
      opts.preventAbort,
      opts.preventCancel,
      opts.signal,
    );
  }

  tee() {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    const [a, b] = ReadableStreamDefaultTee(r);
    return [a.obj, b.obj];
  }

  values(options = undefined) {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    if (options !== undefined && options !== null && !stIsObject(options)) {
      throw new TypeError("values: options must be an object");
    }
    const preventCancel = options == null ? false : !!options.preventCancel;
    const reader = AcquireReadableStreamDefaultReader(r);
    return new StReadableStreamAsyncIterator(kStInternal, reader, preventCancel);
  }

  static from(asyncIterable) {
    return ReadableStreamFromIterable(asyncIterable).obj;
  }

  static {
    stReadableRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, {
  value: ReadableStream.prototype.values,
  writable: true,
  enumerable: false,
  configurable: true,
});

function stConvertPipeOptions(options) {
  if (options === undefined || options === null) {
    return { preventAbort: false, preventCancel: false, preventClose: false, signal: undefined };
  }
  if (!stIsObject(options)) throw new TypeError("pipe options must be an object");
  const preventAbort = !!options.preventAbort;
  const preventCancel = !!options.preventCancel;
  const preventClose = !!options.preventClose;
  let signal = options.signal;
  if (signal !== undefined) {
    if (typeof AbortSignal === "function") {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError("pipe options: signal must be an AbortSignal");
      }
    } else {
      signal = undefined; // AbortSignal is not available in this build yet.
    }
  }
  return { preventAbort, preventCancel, preventClose, signal };
}

// --- ReadableStreamDefaultReader -------------------------------------------

class ReadableStreamDefaultReader {
  #r;

  constructor(stream) {
    if (stream === kStInternal) {
      this.#r = { stream: undefined, closed: undefined, readRequests: new StQueue(), obj: this };
      return;
    }
    const s = stReadableRecord(stream);
    if (s === undefined) {
      throw new TypeError("ReadableStreamDefaultReader: argument must be a ReadableStream");
    }
    const r = { stream: undefined, closed: undefined, readRequests: new StQueue(), obj: this };
    SetUpReadableStreamDefaultReader(r, s);
    this.#r = r;
  }

  get closed() {
    const r = stReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    return r.closed.promise;
  }

  cancel(reason = undefined) {
    const r = stReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (r.stream === undefined) {
      return stRejected(new TypeError("This reader has been released"));
    }
    return ReadableStreamCancel(r.stream, reason);
  }

  read() {
    const r = stReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (r.stream === undefined) {
      return stRejected(new TypeError("This reader has been released"));
    }
    const d = stDeferred();
    ReadableStreamDefaultReaderRead(r, {
      chunk(value) {
        d.resolve({ value, done: false });
      },
      close() {
        d.resolve({ value: undefined, done: true });
      },
      error(e) {
        d.reject(e);
      },
    });
    return d.promise;
  }

  releaseLock() {
    const r = stReaderRecord(this);
    if (r === undefined) throw stIllegal();
    if (r.stream === undefined) return;
    ReadableStreamDefaultReaderRelease(r);
  }

  static {
    stReaderRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

function AcquireReadableStreamDefaultReader(stream) {
  const reader = stReaderRecord(new ReadableStreamDefaultReader(kStInternal));
  SetUpReadableStreamDefaultReader(reader, stream);
  return reader;
}

function SetUpReadableStreamDefaultReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) {
    throw new TypeError("ReadableStream is already locked to a reader");
  }
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readRequests = new StQueue();
}

function ReadableStreamReaderGenericInitialize(reader, stream) {
  reader.stream = stream;
  stream.reader = reader;
  if (stream.state === "readable") {
    reader.closed = stDeferred();
  } else if (stream.state === "closed") {
    reader.closed = stResolvedD(undefined);
  } else {
    reader.closed = stRejectedHandledD(stream.storedError);
  }
}

function ReadableStreamReaderGenericRelease(reader) {
  const stream = reader.stream;
  const err = new TypeError("Reader was released");
  if (stream.state === "readable") {
    stRejectD(reader.closed, err);
  } else {
    reader.closed = stDeferred();
    stRejectD(reader.closed, err);
  }
  stMarkHandled(reader.closed.promise);
  // [[ReleaseSteps]] of the default controller: nothing to do.
  stream.reader = undefined;
  reader.stream = undefined;
}

function ReadableStreamDefaultReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  ReadableStreamDefaultReaderErrorReadRequests(reader, new TypeError("Reader was released"));
}

function ReadableStreamDefaultReaderErrorReadRequests(reader, e) {
  const requests = reader.readRequests.drain();
  for (const req of requests) req.error(e);
}

function ReadableStreamDefaultReaderRead(reader, readRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === "closed") {
    readRequest.close();
  } else if (stream.state === "errored") {
    readRequest.error(stream.storedError);
  } else {
    ReadableStreamDefaultControllerPullSteps(stream.controller, readRequest);
  }
}

// --- stream-level abstract operations ---------------------------------------

function IsReadableStreamLocked(stream) {
  return stream.reader !== undefined;
}

function ReadableStreamAddReadRequest(stream, readRequest) {
  stream.reader.readRequests.push(readRequest);
}

function ReadableStreamGetNumReadRequests(stream) {
  return stream.reader.readRequests.size;
}

function ReadableStreamFulfillReadRequest(stream, chunk, done) {
  const readRequest = stream.reader.readRequests.shift();
  if (done) readRequest.close();
  else readRequest.chunk(chunk);
}

function ReadableStreamCancel(stream, reason) {
  stream.disturbed = true;
  if (stream.state === "closed") return stResolved(undefined);
  if (stream.state === "errored") return stRejected(stream.storedError);
  ReadableStreamClose(stream);
  const sourceCancelPromise = ReadableStreamDefaultControllerCancelSteps(stream.controller, reason);
  return stThen(sourceCancelPromise, stNoop);
}

function ReadableStreamClose(stream) {
  stream.state = "closed";
  const reader = stream.reader;
  if (reader === undefined) return;
  stResolveD(reader.closed, undefined);
  const requests = reader.readRequests.drain();
  for (const req of requests) req.close();
}

function ReadableStreamError(stream, e) {
  stream.state = "errored";
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  stRejectD(reader.closed, e);
  stMarkHandled(reader.closed.promise);
  ReadableStreamDefaultReaderErrorReadRequests(reader, e);
}

function CreateReadableStream(
  startAlgorithm,
  pullAlgorithm,
  cancelAlgorithm,
  highWaterMark = 1,
  sizeAlgorithm = stCountSize,
) {
  const stream = stNewReadableStreamRecord();
  new ReadableStream(kStInternal, stream);
  const controller = stNewReadableStreamDefaultControllerRecord();
  SetUpReadableStreamDefaultController(
    stream,
    controller,
    startAlgorithm,
    pullAlgorithm,
    cancelAlgorithm,
    highWaterMark,
    sizeAlgorithm,
  );
  return stream;
}

// --- ReadableStreamDefaultController ----------------------------------------

function stNewReadableStreamDefaultControllerRecord() {
  const c = {
    stream: undefined,
    queue: undefined,
    queueTotalSize: 0,
    started: false,
    closeRequested: false,
    pullAgain: false,
    pulling: false,
    strategySizeAlgorithm: undefined,
    strategyHWM: 0,
    pullAlgorithm: undefined,
    cancelAlgorithm: undefined,
    obj: undefined,
  };
  new ReadableStreamDefaultController(kStInternal, c);
  return c;
}

class ReadableStreamDefaultController {
  #c;

  constructor() {
    if (arguments[0] !== kStInternal) throw new TypeError("Illegal constructor");
    this.#c = arguments[1];
    this.#c.obj = this;
  }

  get desiredSize() {
    const c = stReadableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    return ReadableStreamDefaultControllerGetDesiredSize(c);
  }

  close() {
    const c = stReadableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError("The stream is not in a state that permits close");
    }
    ReadableStreamDefaultControllerClose(c);
  }

  enqueue(chunk = undefined) {
    const c = stReadableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError("The stream is not in a state that permits enqueue");
    }
    ReadableStreamDefaultControllerEnqueue(c, chunk);
  }

  error(e = undefined) {
    const c = stReadableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    ReadableStreamDefaultControllerError(c, e);
  }

  static {
    stReadableControllerRecord = (v) => (stIsObject(v) && #c in v ? v.#c : undefined);
  }
}

function SetUpReadableStreamDefaultController(
  stream,
  controller,
  startAlgorithm,
  pullAlgorithm,
  cancelAlgorithm,
  highWaterMark,
  sizeAlgorithm,
) {
  controller.stream = stream;
  ResetQueue(controller);
  controller.started = false;
  controller.closeRequested = false;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  stream.controller = controller;
  const startResult = startAlgorithm();
  stThen(
    stResolved(startResult),
    () => {
      controller.started = true;
      ReadableStreamDefaultControllerCallPullIfNeeded(controller);
    },
    (r) => {
      ReadableStreamDefaultControllerError(controller, r);
    },
  );
}

function SetUpReadableStreamDefaultControllerFromUnderlyingSource(
  stream,
  underlyingSource,
  source,
  highWaterMark,
  sizeAlgorithm,
) {
  const controller = stNewReadableStreamDefaultControllerRecord();
  const { start, pull, cancel } = source;
  const startAlgorithm = start ? () => start.call(underlyingSource, controller.obj) : stNoop;
  const pullAlgorithm = pull
    ? () => stPromiseCall(pull, underlyingSource, controller.obj)
    : () => stResolved(undefined);
  const cancelAlgorithm = cancel
    ? (reason) => stPromiseCall(cancel, underlyingSource, reason)
    : () => stResolved(undefined);
  SetUpReadableStreamDefaultController(
    stream,
    controller,
    startAlgorithm,
    pullAlgorithm,
    cancelAlgorithm,
    highWaterMark,
    sizeAlgorithm,
  );
}

function ReadableStreamDefaultControllerCallPullIfNeeded(controller) {
  if (!ReadableStreamDefaultControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = controller.pullAlgorithm();
  stThen(
    pullPromise,
    () => {
      controller.pulling = false;
      if (controller.pullAgain) {
        controller.pullAgain = false;
        ReadableStreamDefaultControllerCallPullIfNeeded(controller);
      }
    },
    (e) => {
      ReadableStreamDefaultControllerError(controller, e);
    },
  );
}

function ReadableStreamDefaultControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
  const desiredSize = ReadableStreamDefaultControllerGetDesiredSize(controller);
  return desiredSize > 0;
}

function ReadableStreamDefaultControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function ReadableStreamDefaultControllerClose(controller) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  controller.closeRequested = true;
  if (controller.queue.size === 0) {
    ReadableStreamDefaultControllerClearAlgorithms(controller);
    ReadableStreamClose(stream);
  }
}

function ReadableStreamDefaultControllerEnqueue(controller, chunk) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) {
    ReadableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    let chunkSize;
    try {
      chunkSize = controller.strategySizeAlgorithm(chunk);
    } catch (e) {
      ReadableStreamDefaultControllerError(controller, e);
      throw e;
    }
    try {
      EnqueueValueWithSize(controller, chunk, chunkSize);
    } catch (e) {
      ReadableStreamDefaultControllerError(controller, e);
      throw e;
    }
  }
  ReadableStreamDefaultControllerCallPullIfNeeded(controller);
}

function ReadableStreamDefaultControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== "readable") return;
  ResetQueue(controller);
  ReadableStreamDefaultControllerClearAlgorithms(controller);
  ReadableStreamError(stream, e);
}

function ReadableStreamDefaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function ReadableStreamDefaultControllerHasBackpressure(controller) {
  return !ReadableStreamDefaultControllerShouldCallPull(controller);
}

function ReadableStreamDefaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === "readable";
}

function ReadableStreamDefaultControllerCancelSteps(controller, reason) {
  ResetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  ReadableStreamDefaultControllerClearAlgorithms(controller);
  return result;
}

function ReadableStreamDefaultControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queue.size > 0) {
    const chunk = DequeueValue(controller);
    if (controller.closeRequested && controller.queue.size === 0) {
      ReadableStreamDefaultControllerClearAlgorithms(controller);
      ReadableStreamClose(stream);
    } else {
      ReadableStreamDefaultControllerCallPullIfNeeded(controller);
    }
    readRequest.chunk(chunk);
  } else {
    ReadableStreamAddReadRequest(stream, readRequest);
    ReadableStreamDefaultControllerCallPullIfNeeded(controller);
  }
}

// --- tee ---------------------------------------------------------------------

function ReadableStreamDefaultTee(stream) {
  const reader = AcquireReadableStreamDefaultReader(stream);
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = stDeferred();

  const readRequest = {
    chunk(chunk) {
      stQueueMicrotask(() => {
        readAgain = false;
        if (!canceled1) ReadableStreamDefaultControllerEnqueue(branch1.controller, chunk);
        if (!canceled2) ReadableStreamDefaultControllerEnqueue(branch2.controller, chunk);
        reading = false;
        if (readAgain) pullAlgorithm();
      });
    },
    close() {
      reading = false;
      if (!canceled1) ReadableStreamDefaultControllerClose(branch1.controller);
      if (!canceled2) ReadableStreamDefaultControllerClose(branch2.controller);
      if (!canceled1 || !canceled2) stResolveD(cancelPromise, undefined);
    },
    error() {
      reading = false;
    },
  };

  function pullAlgorithm() {
    if (reading) {
      readAgain = true;
      return stResolved(undefined);
    }
    reading = true;
    ReadableStreamDefaultReaderRead(reader, readRequest);
    return stResolved(undefined);
  }

  function cancel1Algorithm(reason) {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) {
      const cancelResult = ReadableStreamCancel(stream, [reason1, reason2]);
      stResolveD(cancelPromise, cancelResult);
    }
    return cancelPromise.promise;
  }

  function cancel2Algorithm(reason) {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) {
      const cancelResult = ReadableStreamCancel(stream, [reason1, reason2]);
      stResolveD(cancelPromise, cancelResult);
    }
    return cancelPromise.promise;
  }

  branch1 = CreateReadableStream(stNoop, pullAlgorithm, cancel1Algorithm);
  branch2 = CreateReadableStream(stNoop, pullAlgorithm, cancel2Algorithm);

  stThen(reader.closed.promise, undefined, (r) => {
    ReadableStreamDefaultControllerError(branch1.controller, r);
    ReadableStreamDefaultControllerError(branch2.controller, r);
    if (!canceled1 || !canceled2) stResolveD(cancelPromise, undefined);
  });

  return [branch1, branch2];
}

// --- pipeTo ------------------------------------------------------------------

function ReadableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = AcquireReadableStreamDefaultReader(source);
  const writer = AcquireWritableStreamDefaultWriter(dest);
  source.disturbed = true;
  let shuttingDown = false;
  const promise = stDeferred();
  let currentWrite = stResolved(undefined);
  let abortAlgorithm;

  function waitForWritesToFinish() {
    const oldCurrentWrite = currentWrite;
    return stThen(currentWrite, () =>
      oldCurrentWrite !== currentWrite ? waitForWritesToFinish() : undefined,
    );
  }

  function finalize(isError, error) {
    WritableStreamDefaultWriterRelease(writer);
    ReadableStreamDefaultReaderRelease(reader);
    if (signal !== undefined) signal.removeEventListener("abort", abortAlgorithm);
    if (isError) stRejectD(promise, error);
    else stResolveD(promise, undefined);
  }

  function shutdownWithAction(action, originalIsError, originalError) {
    if (shuttingDown) return;
    shuttingDown = true;
    const doTheRest = () => {
      let p;
      try {
        p = action();
      } catch (e) {
        p = stRejected(e);
      }
      stThen(
        p,
        () => finalize(originalIsError, originalError),
        (newError) => finalize(true, newError),
      );
    };
    if (dest.state === "writable" && !WritableStreamCloseQueuedOrInFlight(dest)) {
      stThen(waitForWritesToFinish(), doTheRest);
    } else {
      doTheRest();
    }
  }

  function shutdown(isError, error) {
    if (shuttingDown) return;
    shuttingDown = true;
    if (dest.state === "writable" && !WritableStreamCloseQueuedOrInFlight(dest)) {
      stThen(waitForWritesToFinish(), () => finalize(isError, error));
    } else {
      finalize(isError, error);
    }
  }

  if (signal !== undefined) {
    abortAlgorithm = () => {
      const error = signal.reason;
      const actions = [];
      if (!preventAbort) {
        actions.push(() =>
          dest.state === "writable" ? WritableStreamAbort(dest, error) : stResolved(undefined),
        );
      }
      if (!preventCancel) {
        actions.push(() =>
          source.state === "readable" ? ReadableStreamCancel(source, error) : stResolved(undefined),
        );
      }
      shutdownWithAction(() => stAll(actions.map((a) => a())), true, error);
    };
    if (signal.aborted) {
      abortAlgorithm();
      return promise.promise;
    }
    signal.addEventListener("abort", abortAlgorithm);
  }

  function pipeStep() {
    if (shuttingDown) return stResolved(true);
    return stThen(
      writer.ready.promise,
      () =>
        new StPromise((resolveRead, rejectRead) => {
          ReadableStreamDefaultReaderRead(reader, {
            chunk(chunk) {
              currentWrite = stThen(WritableStreamDefaultWriterWrite(writer, chunk), undefined, stNoop);
              resolveRead(false);
            },
            close() {
              resolveRead(true);
            },
            error: rejectRead,
          });
        }),
    );
  }

  function pipeLoop() {
    return new StPromise((resolveLoop, rejectLoop) => {
      function next(done) {
        if (done) resolveLoop();
        else stThen(pipeStep(), next, rejectLoop);
      }
      next(false);
    });
  }

  // Errors must be propagated forward.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) {
      shutdownWithAction(() => WritableStreamAbort(dest, storedError), true, storedError);
    } else {
      shutdown(true, storedError);
    }
  };
  if (source.state === "errored") onSourceErrored(source.storedError);
  else stThen(reader.closed.promise, undefined, onSourceErrored);

  // Errors must be propagated backward.
  const onDestErrored = (storedError) => {
    if (!preventCancel) {
      shutdownWithAction(() => ReadableStreamCancel(source, storedError), true, storedError);
    } else {
      shutdown(true, storedError);
    }
  };
  if (dest.state === "errored") onDestErrored(dest.storedError);
  else stThen(writer.closed.promise, undefined, onDestErrored);

  // Closing must be propagated forward.
  const onSourceClosed = () => {
    if (!preventClose) {
      shutdownWithAction(() => WritableStreamDefaultWriterCloseWithErrorPropagation(writer), false);
    } else {
      shutdown(false);
    }
  };
  if (source.state === "closed") onSourceClosed();
  else stThen(reader.closed.promise, onSourceClosed, stNoop);

  // Closing must be propagated backward.
  if (WritableStreamCloseQueuedOrInFlight(dest) || dest.state === "closed") {
    const destClosed = new TypeError("the destination writable stream closed before all data could be piped to it");
    if (!preventCancel) {
      shutdownWithAction(() => ReadableStreamCancel(source, destClosed), true, destClosed);
    } else {
      shutdown(true, destClosed);
    }
  }

  stMarkHandled(pipeLoop());
  return promise.promise;
}

// Promise.all over internal promises, immune to a patched Promise.resolve.
function stAll(promises) {
  const d = stDeferred();
  const values = new Array(promises.length);
  let remaining = promises.length;
  if (remaining === 0) stResolveD(d, values);
  promises.forEach((p, i) => {
    stThen(
      p,
      (v) => {
        values[i] = v;
        if (--remaining === 0) stResolveD(d, values);
      },
      (e) => stRejectD(d, e),
    );
  });
  return d.promise;
}

// --- async iteration ----------------------------------------------------------

const kStEndOfIteration = Symbol("end of iteration");

class StReadableStreamAsyncIterator {
  #s;

  constructor(token, reader, preventCancel) {
    if (token !== kStInternal) throw new TypeError("Illegal constructor");
    this.#s = { reader, preventCancel, ongoing: undefined, finished: false };
  }

  next() {
    const s = stIteratorState(this);
    if (s === undefined) return stRejected(stIllegal());
    const nextSteps = () => {
      if (s.finished) return stResolved({ value: undefined, done: true });
      return stThen(
        stAsyncIteratorGetNext(s.reader),
        (value) => {
          s.ongoing = undefined;
          if (value === kStEndOfIteration) {
            s.finished = true;
            return { value: undefined, done: true };
          }
          return { value, done: false };
        },
        (reason) => {
          s.ongoing = undefined;
          s.finished = true;
          throw reason;
        },
      );
    };
    s.ongoing = s.ongoing !== undefined ? stThen(s.ongoing, nextSteps, nextSteps) : nextSteps();
    return s.ongoing;
  }

  return(value) {
    const s = stIteratorState(this);
    if (s === undefined) return stRejected(stIllegal());
    const returnSteps = () => {
      if (s.finished) return stResolved({ value, done: true });
      s.finished = true;
      return stAsyncIteratorReturn(s, value);
    };
    s.ongoing =
      s.ongoing !== undefined ? stThen(s.ongoing, returnSteps, returnSteps) : returnSteps();
    return stThen(s.ongoing, () => ({ value, done: true }));
  }

  static {
    stIteratorState = (v) => (stIsObject(v) && #s in v ? v.#s : undefined);
  }
}

function stAsyncIteratorGetNext(reader) {
  if (reader.stream === undefined) {
    return stRejected(new TypeError("The iterator's reader has been released"));
  }
  const d = stDeferred();
  ReadableStreamDefaultReaderRead(reader, {
    chunk(value) {
      d.resolve(value);
    },
    close() {
      ReadableStreamDefaultReaderRelease(reader);
      d.resolve(kStEndOfIteration);
    },
    error(e) {
      ReadableStreamDefaultReaderRelease(reader);
      d.reject(e);
    },
  });
  return d.promise;
}

function stAsyncIteratorReturn(s, arg) {
  const reader = s.reader;
  if (reader.stream === undefined) return stResolved(undefined);
  if (!s.preventCancel) {
    const result = ReadableStreamCancel(reader.stream, arg);
    ReadableStreamDefaultReaderRelease(reader);
    return result;
  }
  ReadableStreamDefaultReaderRelease(reader);
  return stResolved(undefined);
}

{
  const proto = StReadableStreamAsyncIterator.prototype;
  Object.setPrototypeOf(proto, stAsyncIteratorPrototype);
  delete proto.constructor;
  for (const key of ["next", "return"]) {
    Object.defineProperty(proto, key, { enumerable: true });
  }
  Object.defineProperty(proto, Symbol.toStringTag, {
    value: "ReadableStream AsyncIterator",
    configurable: true,
  });
}

// --- ReadableStream.from -------------------------------------------------------

function stGetMethod(obj, key) {
  const fn = obj[key];
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== "function") throw new TypeError(`${String(key)} is not a function`);
  return fn;
}

function stGetAsyncIteratorRecord(obj) {
  if (obj === undefined || obj === null) {
    throw new TypeError("ReadableStream.from: argument is not iterable");
  }
  const method = stGetMethod(obj, Symbol.asyncIterator);
  if (method === undefined) {
    const syncMethod = stGetMethod(obj, Symbol.iterator);
    if (syncMethod === undefined) {
      throw new TypeError("ReadableStream.from: argument is not async iterable or iterable");
    }
    const syncIterator = syncMethod.call(obj);
    if (!stIsObject(syncIterator)) throw new TypeError("iterator is not an object");
    const syncNext = syncIterator.next;
    return stCreateAsyncFromSyncIterator(syncIterator, syncNext);
  }
  const iterator = method.call(obj);
  if (!stIsObject(iterator)) throw new TypeError("async iterator is not an object");
  return { iterator, next: iterator.next };
}

function stCreateAsyncFromSyncIterator(syncIterator, syncNext) {
  const continuation = (result, closeOnRejection) => {
    const done = !!result.done;
    const value = result.value;
    const closeIterator = () => {
      if (done || !closeOnRejection) return;
      try {
        const ret = stGetMethod(syncIterator, "return");
        if (ret !== undefined) ret.call(syncIterator);
      } catch {
        // IteratorClose with a throw completion keeps the original error.
      }
    };
    let wrapper;
    try {
      wrapper = stResolved(value);
    } catch (e) {
      closeIterator();
      throw e;
    }
    return stThen(
      wrapper,
      (v) => ({ value: v, done }),
      (e) => {
        closeIterator();
        throw e;
      },
    );
  };
  const iterator = {
    next() {
      try {
        const result = syncNext.call(syncIterator);
        if (!stIsObject(result)) throw new TypeError("iterator result is not an object");
        return continuation(result, true);
      } catch (e) {
        return stRejected(e);
      }
    },
    return(value) {
      try {
        const ret = stGetMethod(syncIterator, "return");
        if (ret === undefined) return stResolved({ value, done: true });
        const result = ret.call(syncIterator, value);
        if (!stIsObject(result)) throw new TypeError("iterator result is not an object");
        return continuation(result, false);
      } catch (e) {
        return stRejected(e);
      }
    },
  };
  return { iterator, next: iterator.next };
}

function ReadableStreamFromIterable(asyncIterable) {
  let stream;
  const iteratorRecord = stGetAsyncIteratorRecord(asyncIterable);
  const pullAlgorithm = () => {
    let nextResult;
    try {
      if (typeof iteratorRecord.next !== "function") {
        throw new TypeError("iterator.next is not a function");
      }
      nextResult = iteratorRecord.next.call(iteratorRecord.iterator);
    } catch (e) {
      return stRejected(e);
    }
    return stThen(stResolved(nextResult), (iterResult) => {
      if (!stIsObject(iterResult)) {
        throw new TypeError("The promise returned by iterator.next() did not fulfill with an object");
      }
      if (iterResult.done) {
        ReadableStreamDefaultControllerClose(stream.controller);
      } else {
        ReadableStreamDefaultControllerEnqueue(stream.controller, iterResult.value);
      }
    });
  };
  const cancelAlgorithm = (reason) => {
    const iterator = iteratorRecord.iterator;
    let returnResult;
    try {
      const returnMethod = stGetMethod(iterator, "return");
      if (returnMethod === undefined) return stResolved(undefined);
      returnResult = returnMethod.call(iterator, reason);
    } catch (e) {
      return stRejected(e);
    }
    return stThen(stResolved(returnResult), (r) => {
      if (!stIsObject(r)) {
        throw new TypeError("The promise returned by iterator.return() did not fulfill with an object");
      }
    });
  };
  stream = CreateReadableStream(stNoop, pullAlgorithm, cancelAlgorithm, 0);
  return stream;
}

// ---------------------------------------------------------------------------
// WritableStream
// ---------------------------------------------------------------------------

let stWritableRecord;
let stWriterRecord;
let stWritableControllerRecord;

function stNewWritableStreamRecord() {
  return {
    state: "writable",
    storedError: undefined,
    writer: undefined,
    controller: undefined,
    inFlightWriteRequest: undefined,
    closeRequest: undefined,
    inFlightCloseRequest: undefined,
    pendingAbortRequest: undefined,
    writeRequests: new StQueue(),
    backpressure: false,
    obj: undefined,
  };
}

class WritableStream {
  #r;

  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kStInternal) {
      this.#r = strategy;
      strategy.obj = this;
      return;
    }
    if (underlyingSink !== undefined && !stIsObject(underlyingSink)) {
      throw new TypeError("WritableStream: underlyingSink must be an object");
    }
    const strategyDict = stConvertStrategy(strategy, "WritableStream: strategy");
    let sink = {};
    if (underlyingSink !== undefined) {
      const abort = stConvertCallback(underlyingSink.abort, "underlyingSink.abort");
      const close = stConvertCallback(underlyingSink.close, "underlyingSink.close");
      const start = stConvertCallback(underlyingSink.start, "underlyingSink.start");
      const type = underlyingSink.type;
      const write = stConvertCallback(underlyingSink.write, "underlyingSink.write");
      sink = { abort, close, start, type, write };
    }
    if (sink.type !== undefined) throw new RangeError("WritableStream: invalid type is specified");
    const r = stNewWritableStreamRecord();
    this.#r = r;
    r.obj = this;
    const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
    const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
    SetUpWritableStreamDefaultControllerFromUnderlyingSink(
      r,
      underlyingSink,
      sink,
      highWaterMark,
      sizeAlgorithm,
    );
  }

  get locked() {
    const r = stWritableRecord(this);
    if (r === undefined) throw stIllegal();
    return IsWritableStreamLocked(r);
  }

  abort(reason = undefined) {
    const r = stWritableRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (IsWritableStreamLocked(r)) {
      return stRejected(new TypeError("Cannot abort a stream that already has a writer"));
    }
    return WritableStreamAbort(r, reason);
  }

  close() {
    const r = stWritableRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (IsWritableStreamLocked(r)) {
      return stRejected(new TypeError("Cannot close a stream that already has a writer"));
    }
    if (WritableStreamCloseQueuedOrInFlight(r)) {
      return stRejected(new TypeError("Cannot close an already-closing stream"));
    }
    return WritableStreamClose(r);
  }

  getWriter() {
    const r = stWritableRecord(this);
    if (r === undefined) throw stIllegal();
    return AcquireWritableStreamDefaultWriter(r).obj;
  }

  static {
    stWritableRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

class WritableStreamDefaultWriter {
  #r;

  constructor(stream) {
    if (stream === kStInternal) {
      this.#r = { stream: undefined, ready: undefined, closed: undefined, obj: this };
      return;
    }
    const s = stWritableRecord(stream);
    if (s === undefined) {
      throw new TypeError("WritableStreamDefaultWriter: argument must be a WritableStream");
    }
    const r = { stream: undefined, ready: undefined, closed: undefined, obj: this };
    SetUpWritableStreamDefaultWriter(r, s);
    this.#r = r;
  }

  get closed() {
    const r = stWriterRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    return r.closed.promise;
  }

  get desiredSize() {
    const r = stWriterRecord(this);
    if (r === undefined) throw stIllegal();
    if (r.stream === undefined) throw new TypeError("This writer has been released");
    return WritableStreamDefaultWriterGetDesiredSize(r);
  }

  get ready() {
    const r = stWriterRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    return r.ready.promise;
  }

  abort(reason = undefined) {
    const r = stWriterRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (r.stream === undefined) return stRejected(new TypeError("This writer has been released"));
    return WritableStreamAbort(r.stream, reason);
  }

  close() {
    const r = stWriterRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    const stream = r.stream;
    if (stream === undefined) return stRejected(new TypeError("This writer has been released"));
    if (WritableStreamCloseQueuedOrInFlight(stream)) {
      return stRejected(new TypeError("Cannot close an already-closing stream"));
    }
    return WritableStreamClose(stream);
  }

  releaseLock() {
    const r = stWriterRecord(this);
    if (r === undefined) throw stIllegal();
    if (r.stream === undefined) return;
    WritableStreamDefaultWriterRelease(r);
  }

  write(chunk = undefined) {
    const r = stWriterRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (r.stream === undefined) return stRejected(new TypeError("This writer has been released"));
    return WritableStreamDefaultWriterWrite(r, chunk);
  }

  static {
    stWriterRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

class WritableStreamDefaultController {
  #c;

  constructor() {
    if (arguments[0] !== kStInternal) throw new TypeError("Illegal constructor");
    this.#c = arguments[1];
    this.#c.obj = this;
  }

  get signal() {
    const c = stWritableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    return c.abortController === undefined ? undefined : c.abortController.signal;
  }

  error(e = undefined) {
    const c = stWritableControllerRecord(this);
    if (c === undefined) throw stIllegal();
    if (c.stream.state !== "writable") return;
    WritableStreamDefaultControllerError(c, e);
  }

  static {
    stWritableControllerRecord = (v) => (stIsObject(v) && #c in v ? v.#c : undefined);
  }
}

// --- WritableStream abstract operations -----------------------------------------

function AcquireWritableStreamDefaultWriter(stream) {
  const writer = stWriterRecord(new WritableStreamDefaultWriter(kStInternal));
  SetUpWritableStreamDefaultWriter(writer, stream);
  return writer;
}

function CreateWritableStream(
  startAlgorithm,
  writeAlgorithm,
  closeAlgorithm,
  abortAlgorithm,
  highWaterMark = 1,
  sizeAlgorithm = stCountSize,
) {
  const stream = stNewWritableStreamRecord();
  new WritableStream(kStInternal, stream);
  const controller = stNewWritableStreamDefaultControllerRecord();
  SetUpWritableStreamDefaultController(
    stream,
    controller,
    startAlgorithm,
    writeAlgorithm,
    closeAlgorithm,
    abortAlgorithm,
    highWaterMark,
    sizeAlgorithm,
  );
  return stream;
}

function IsWritableStreamLocked(stream) {
  return stream.writer !== undefined;
}

function WritableStreamAbort(stream, reason) {
  if (stream.state === "closed" || stream.state === "errored") return stResolved(undefined);
  const ac = stream.controller.abortController;
  if (ac !== undefined) ac.abort(reason);
  const state = stream.state;
  if (state === "closed" || state === "errored") return stResolved(undefined);
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === "erroring") {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const promise = stDeferred();
  stream.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) WritableStreamStartErroring(stream, reason);
  return promise.promise;
}

function WritableStreamClose(stream) {
  const state = stream.state;
  if (state === "closed" || state === "errored") {
    return stRejected(new TypeError("The stream is not in the writable state and cannot be closed"));
  }
  const promise = stDeferred();
  stream.closeRequest = promise;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === "writable") {
    stResolveD(writer.ready, undefined);
  }
  WritableStreamDefaultControllerClose(stream.controller);
  return promise.promise;
}

function WritableStreamAddWriteRequest(stream) {
  const promise = stDeferred();
  stream.writeRequests.push(promise);
  return promise.promise;
}

function WritableStreamDealWithRejection(stream, error) {
  if (stream.state === "writable") {
    WritableStreamStartErroring(stream, error);
    return;
  }
  WritableStreamFinishErroring(stream);
}

function WritableStreamStartErroring(stream, reason) {
  const controller = stream.controller;
  stream.state = "erroring";
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
  if (!WritableStreamHasOperationMarkedInFlight(stream) && controller.started) {
    WritableStreamFinishErroring(stream);
  }
}

function WritableStreamFinishErroring(stream) {
  stream.state = "errored";
  ResetQueue(stream.controller); // [[ErrorSteps]]
  const storedError = stream.storedError;
  for (const req of stream.writeRequests.drain()) stRejectD(req, storedError);
  const abortRequest = stream.pendingAbortRequest;
  if (abortRequest === undefined) {
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    stRejectD(abortRequest.promise, storedError);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const promise = WritableStreamDefaultControllerAbortSteps(stream.controller, abortRequest.reason);
  stThen(
    promise,
    () => {
      stResolveD(abortRequest.promise, undefined);
      WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    },
    (reason) => {
      stRejectD(abortRequest.promise, reason);
      WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    },
  );
}

function WritableStreamFinishInFlightWrite(stream) {
  stResolveD(stream.inFlightWriteRequest, undefined);
  stream.inFlightWriteRequest = undefined;
}

function WritableStreamFinishInFlightWriteWithError(stream, error) {
  stRejectD(stream.inFlightWriteRequest, error);
  stream.inFlightWriteRequest = undefined;
  WritableStreamDealWithRejection(stream, error);
}

function WritableStreamFinishInFlightClose(stream) {
  stResolveD(stream.inFlightCloseRequest, undefined);
  stream.inFlightCloseRequest = undefined;
  if (stream.state === "erroring") {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      stResolveD(stream.pendingAbortRequest.promise, undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = "closed";
  const writer = stream.writer;
  if (writer !== undefined) stResolveD(writer.closed, undefined);
}

function WritableStreamFinishInFlightCloseWithError(stream, error) {
  stRejectD(stream.inFlightCloseRequest, error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    stRejectD(stream.pendingAbortRequest.promise, error);
    stream.pendingAbortRequest = undefined;
  }
  WritableStreamDealWithRejection(stream, error);
}

function WritableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function WritableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function WritableStreamMarkCloseRequestInFlight(stream) {
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
}

function WritableStreamMarkFirstWriteRequestInFlight(stream) {
  stream.inFlightWriteRequest = stream.writeRequests.shift();
}

function WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    stRejectD(stream.closeRequest, stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    stRejectD(writer.closed, stream.storedError);
    stMarkHandled(writer.closed.promise);
  }
}

function WritableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) writer.ready = stDeferred();
    else stResolveD(writer.ready, undefined);
  }
  stream.backpressure = backpressure;
}

// --- writer abstract operations -------------------------------------------------

function SetUpWritableStreamDefaultWriter(writer, stream) {
  if (IsWritableStreamLocked(stream)) {
    throw new TypeError("WritableStream is already locked to a writer");
  }
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === "writable") {
    if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) {
      writer.ready = stDeferred();
    } else {
      writer.ready = stResolvedD(undefined);
    }
    writer.closed = stDeferred();
  } else if (state === "erroring") {
    writer.ready = stRejectedHandledD(stream.storedError);
    writer.closed = stDeferred();
  } else if (state === "closed") {
    writer.ready = stResolvedD(undefined);
    writer.closed = stResolvedD(undefined);
  } else {
    writer.ready = stRejectedHandledD(stream.storedError);
    writer.closed = stRejectedHandledD(stream.storedError);
  }
}

function WritableStreamDefaultWriterCloseWithErrorPropagation(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === "closed") {
    return stResolved(undefined);
  }
  if (state === "errored") return stRejected(stream.storedError);
  return WritableStreamClose(stream);
}

function WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
  if (writer.closed.state === "pending") stRejectD(writer.closed, error);
  else writer.closed = stRejectedHandledD(error);
  stMarkHandled(writer.closed.promise);
}

function WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
  if (writer.ready.state === "pending") stRejectD(writer.ready, error);
  else writer.ready = stRejectedHandledD(error);
  stMarkHandled(writer.ready.promise);
}

function WritableStreamDefaultWriterGetDesiredSize(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (state === "errored" || state === "erroring") return null;
  if (state === "closed") return 0;
  return WritableStreamDefaultControllerGetDesiredSize(stream.controller);
}

function WritableStreamDefaultWriterRelease(writer) {
  const stream = writer.stream;
  const releasedError = new TypeError("Writer was released");
  WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
  WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

function WritableStreamDefaultWriterWrite(writer, chunk) {
  const stream = writer.stream;
  const controller = stream.controller;
  const chunkSize = WritableStreamDefaultControllerGetChunkSize(controller, chunk);
  if (stream !== writer.stream) {
    return stRejected(new TypeError("Writer was released during the size computation"));
  }
  const state = stream.state;
  if (state === "errored") return stRejected(stream.storedError);
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === "closed") {
    return stRejected(new TypeError("The stream is closing or closed and cannot be written to"));
  }
  if (state === "erroring") return stRejected(stream.storedError);
  const promise = WritableStreamAddWriteRequest(stream);
  WritableStreamDefaultControllerWrite(controller, chunk, chunkSize);
  return promise;
}

// --- WritableStreamDefaultController abstract operations -------------------------

const kStCloseSentinel = Symbol("close sentinel");

function stNewWritableStreamDefaultControllerRecord() {
  const c = {
    stream: undefined,
    queue: undefined,
    queueTotalSize: 0,
    abortController: undefined,
    started: false,
    strategySizeAlgorithm: undefined,
    strategyHWM: 0,
    writeAlgorithm: undefined,
    closeAlgorithm: undefined,
    abortAlgorithm: undefined,
    obj: undefined,
  };
  new WritableStreamDefaultController(kStInternal, c);
  return c;
}

function SetUpWritableStreamDefaultController(
  stream,
  controller,
  startAlgorithm,
  writeAlgorithm,
  closeAlgorithm,
  abortAlgorithm,
  highWaterMark,
  sizeAlgorithm,
) {
  controller.stream = stream;
  stream.controller = controller;
  ResetQueue(controller);
  controller.abortController =
    typeof AbortController === "function" ? new AbortController() : undefined;
  controller.started = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
  WritableStreamUpdateBackpressure(stream, backpressure);
  const startResult = startAlgorithm();
  stThen(
    stResolved(startResult),
    () => {
      controller.started = true;
      WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
    },
    (r) => {
      controller.started = true;
      WritableStreamDealWithRejection(stream, r);
    },
  );
}

function SetUpWritableStreamDefaultControllerFromUnderlyingSink(
  stream,
  underlyingSink,
  sink,
  highWaterMark,
  sizeAlgorithm,
) {
  const controller = stNewWritableStreamDefaultControllerRecord();
  const { start, write, close, abort } = sink;
  const startAlgorithm = start ? () => start.call(underlyingSink, controller.obj) : stNoop;
  const writeAlgorithm = write
    ? (chunk) => stPromiseCall(write, underlyingSink, chunk, controller.obj)
    : () => stResolved(undefined);
  const closeAlgorithm = close
    ? () => stPromiseCall(close, underlyingSink)
    : () => stResolved(undefined);
  const abortAlgorithm = abort
    ? (reason) => stPromiseCall(abort, underlyingSink, reason)
    : () => stResolved(undefined);
  SetUpWritableStreamDefaultController(
    stream,
    controller,
    startAlgorithm,
    writeAlgorithm,
    closeAlgorithm,
    abortAlgorithm,
    highWaterMark,
    sizeAlgorithm,
  );
}

function WritableStreamDefaultControllerAbortSteps(controller, reason) {
  const result = controller.abortAlgorithm(reason);
  WritableStreamDefaultControllerClearAlgorithms(controller);
  return result;
}

function WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller) {
  const stream = controller.stream;
  if (!controller.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === "erroring") {
    WritableStreamFinishErroring(stream);
    return;
  }
  if (controller.queue.size === 0) return;
  const value = PeekQueueValue(controller);
  if (value === kStCloseSentinel) WritableStreamDefaultControllerProcessClose(controller);
  else WritableStreamDefaultControllerProcessWrite(controller, value);
}

function WritableStreamDefaultControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function WritableStreamDefaultControllerClose(controller) {
  EnqueueValueWithSize(controller, kStCloseSentinel, 0);
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

function WritableStreamDefaultControllerError(controller, error) {
  WritableStreamDefaultControllerClearAlgorithms(controller);
  WritableStreamStartErroring(controller.stream, error);
}

function WritableStreamDefaultControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === "writable") WritableStreamDefaultControllerError(controller, error);
}

function WritableStreamDefaultControllerGetBackpressure(controller) {
  return WritableStreamDefaultControllerGetDesiredSize(controller) <= 0;
}

function WritableStreamDefaultControllerGetChunkSize(controller, chunk) {
  if (controller.strategySizeAlgorithm === undefined) return 1;
  try {
    return controller.strategySizeAlgorithm(chunk);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(controller, e);
    return 1;
  }
}

function WritableStreamDefaultControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queueTotalSize;
}

function WritableStreamDefaultControllerProcessClose(controller) {
  const stream = controller.stream;
  WritableStreamMarkCloseRequestInFlight(stream);
  DequeueValue(controller);
  const sinkClosePromise = controller.closeAlgorithm();
  WritableStreamDefaultControllerClearAlgorithms(controller);
  stThen(
    sinkClosePromise,
    () => WritableStreamFinishInFlightClose(stream),
    (reason) => WritableStreamFinishInFlightCloseWithError(stream, reason),
  );
}

function WritableStreamDefaultControllerProcessWrite(controller, chunk) {
  const stream = controller.stream;
  WritableStreamMarkFirstWriteRequestInFlight(stream);
  const sinkWritePromise = controller.writeAlgorithm(chunk);
  stThen(
    sinkWritePromise,
    () => {
      WritableStreamFinishInFlightWrite(stream);
      const state = stream.state;
      DequeueValue(controller);
      if (!WritableStreamCloseQueuedOrInFlight(stream) && state === "writable") {
        const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
        WritableStreamUpdateBackpressure(stream, backpressure);
      }
      WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
    },
    (reason) => {
      if (stream.state === "writable") WritableStreamDefaultControllerClearAlgorithms(controller);
      WritableStreamFinishInFlightWriteWithError(stream, reason);
    },
  );
}

function WritableStreamDefaultControllerWrite(controller, chunk, chunkSize) {
  try {
    EnqueueValueWithSize(controller, chunk, chunkSize);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(controller, e);
    return;
  }
  const stream = controller.stream;
  if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.state === "writable") {
    const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
    WritableStreamUpdateBackpressure(stream, backpressure);
  }
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

// ---------------------------------------------------------------------------
// TransformStream
// ---------------------------------------------------------------------------

let stTransformRecord;
let stTransformControllerRecord;

class TransformStream {
  #r;

  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer !== undefined && !stIsObject(transformer)) {
      throw new TypeError("TransformStream: transformer must be an object");
    }
    const writableStrategyDict = stConvertStrategy(writableStrategy, "TransformStream: writableStrategy");
    const readableStrategyDict = stConvertStrategy(readableStrategy, "TransformStream: readableStrategy");
    let t = {};
    if (transformer !== undefined) {
      const cancel = stConvertCallback(transformer.cancel, "transformer.cancel");
      const flush = stConvertCallback(transformer.flush, "transformer.flush");
      const readableType = transformer.readableType;
      const start = stConvertCallback(transformer.start, "transformer.start");
      const transform = stConvertCallback(transformer.transform, "transformer.transform");
      const writableType = transformer.writableType;
      t = { cancel, flush, readableType, start, transform, writableType };
    }
    if (t.readableType !== undefined) throw new RangeError("TransformStream: invalid readableType");
    if (t.writableType !== undefined) throw new RangeError("TransformStream: invalid writableType");
    const readableHighWaterMark = ExtractHighWaterMark(readableStrategyDict, 0);
    const readableSizeAlgorithm = ExtractSizeAlgorithm(readableStrategyDict);
    const writableHighWaterMark = ExtractHighWaterMark(writableStrategyDict, 1);
    const writableSizeAlgorithm = ExtractSizeAlgorithm(writableStrategyDict);
    const startPromise = stDeferred();
    const r = {
      readable: undefined,
      writable: undefined,
      backpressure: undefined,
      backpressureChangePromise: undefined,
      controller: undefined,
      obj: this,
    };
    this.#r = r;
    InitializeTransformStream(
      r,
      startPromise.promise,
      writableHighWaterMark,
      writableSizeAlgorithm,
      readableHighWaterMark,
      readableSizeAlgorithm,
    );
    SetUpTransformStreamDefaultControllerFromTransformer(r, transformer, t);
    if (t.start !== undefined) {
      startPromise.resolve(t.start.call(transformer, r.controller.obj));
    } else {
      startPromise.resolve(undefined);
    }
  }

  get readable() {
    const r = stTransformRecord(this);
    if (r === undefined) throw stIllegal();
    return r.readable.obj;
  }

  get writable() {
    const r = stTransformRecord(this);
    if (r === undefined) throw stIllegal();
    return r.writable.obj;
  }

  static {
    stTransformRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

class TransformStreamDefaultController {
  #c;

  constructor() {
    if (arguments[0] !== kStInternal) throw new TypeError("Illegal constructor");
    this.#c = arguments[1];
    this.#c.obj = this;
  }

  get desiredSize() {
    const c = stTransformControllerRecord(this);
    if (c === undefined) throw stIllegal();
    return ReadableStreamDefaultControllerGetDesiredSize(c.stream.readable.controller);
  }

  enqueue(chunk = undefined) {
    const c = stTransformControllerRecord(this);
    if (c === undefined) throw stIllegal();
    TransformStreamDefaultControllerEnqueue(c, chunk);
  }

  error(reason = undefined) {
    const c = stTransformControllerRecord(this);
    if (c === undefined) throw stIllegal();
    TransformStreamError(c.stream, reason);
  }

  terminate() {
    const c = stTransformControllerRecord(this);
    if (c === undefined) throw stIllegal();
    TransformStreamDefaultControllerTerminate(c);
  }

  static {
    stTransformControllerRecord = (v) => (stIsObject(v) && #c in v ? v.#c : undefined);
  }
}

function InitializeTransformStream(
  stream,
  startPromise,
  writableHighWaterMark,
  writableSizeAlgorithm,
  readableHighWaterMark,
  readableSizeAlgorithm,
) {
  const startAlgorithm = () => startPromise;
  stream.writable = CreateWritableStream(
    startAlgorithm,
    (chunk) => TransformStreamDefaultSinkWriteAlgorithm(stream, chunk),
    () => TransformStreamDefaultSinkCloseAlgorithm(stream),
    (reason) => TransformStreamDefaultSinkAbortAlgorithm(stream, reason),
    writableHighWaterMark,
    writableSizeAlgorithm,
  );
  stream.readable = CreateReadableStream(
    startAlgorithm,
    () => TransformStreamDefaultSourcePullAlgorithm(stream),
    (reason) => TransformStreamDefaultSourceCancelAlgorithm(stream, reason),
    readableHighWaterMark,
    readableSizeAlgorithm,
  );
  stream.backpressure = undefined;
  stream.backpressureChangePromise = undefined;
  TransformStreamSetBackpressure(stream, true);
  stream.controller = undefined;
}

function TransformStreamError(stream, e) {
  ReadableStreamDefaultControllerError(stream.readable.controller, e);
  TransformStreamErrorWritableAndUnblockWrite(stream, e);
}

function TransformStreamErrorWritableAndUnblockWrite(stream, e) {
  TransformStreamDefaultControllerClearAlgorithms(stream.controller);
  WritableStreamDefaultControllerErrorIfNeeded(stream.writable.controller, e);
  TransformStreamUnblockWrite(stream);
}

function TransformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChangePromise !== undefined) {
    stResolveD(stream.backpressureChangePromise, undefined);
  }
  stream.backpressureChangePromise = stDeferred();
  stream.backpressure = backpressure;
}

function TransformStreamUnblockWrite(stream) {
  if (stream.backpressure) TransformStreamSetBackpressure(stream, false);
}

function SetUpTransformStreamDefaultController(
  stream,
  controller,
  transformAlgorithm,
  flushAlgorithm,
  cancelAlgorithm,
) {
  controller.stream = stream;
  stream.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
}

function SetUpTransformStreamDefaultControllerFromTransformer(stream, transformer, t) {
  const controller = {
    stream: undefined,
    transformAlgorithm: undefined,
    flushAlgorithm: undefined,
    cancelAlgorithm: undefined,
    finishPromise: undefined,
    obj: undefined,
  };
  new TransformStreamDefaultController(kStInternal, controller);
  let transformAlgorithm = (chunk) => {
    try {
      TransformStreamDefaultControllerEnqueue(controller, chunk);
      return stResolved(undefined);
    } catch (e) {
      return stRejected(e);
    }
  };
  let flushAlgorithm = () => stResolved(undefined);
  let cancelAlgorithm = () => stResolved(undefined);
  if (t.transform !== undefined) {
    transformAlgorithm = (chunk) => stPromiseCall(t.transform, transformer, chunk, controller.obj);
  }
  if (t.flush !== undefined) {
    flushAlgorithm = () => stPromiseCall(t.flush, transformer, controller.obj);
  }
  if (t.cancel !== undefined) {
    cancelAlgorithm = (reason) => stPromiseCall(t.cancel, transformer, reason);
  }
  SetUpTransformStreamDefaultController(
    stream,
    controller,
    transformAlgorithm,
    flushAlgorithm,
    cancelAlgorithm,
  );
}

function TransformStreamDefaultControllerClearAlgorithms(controller) {
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function TransformStreamDefaultControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  const readableController = stream.readable.controller;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError("Readable side is not in a state that permits enqueue");
  }
  try {
    ReadableStreamDefaultControllerEnqueue(readableController, chunk);
  } catch (e) {
    TransformStreamErrorWritableAndUnblockWrite(stream, e);
    throw stream.readable.storedError;
  }
  const backpressure = ReadableStreamDefaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) {
    TransformStreamSetBackpressure(stream, true);
  }
}

function TransformStreamDefaultControllerPerformTransform(controller, chunk) {
  // A write can slip in after readable.cancel() cleared the algorithms but
  // before the cancel settles and errors the writable side: the readable is
  // gone, so the chunk is dropped (the writable errors right after).
  if (controller.transformAlgorithm === undefined) return stResolved(undefined);
  const transformPromise = controller.transformAlgorithm(chunk);
  return stThen(transformPromise, undefined, (r) => {
    TransformStreamError(controller.stream, r);
    throw r;
  });
}

function TransformStreamDefaultControllerTerminate(controller) {
  const stream = controller.stream;
  ReadableStreamDefaultControllerClose(stream.readable.controller);
  const error = new TypeError("TransformStream terminated");
  TransformStreamErrorWritableAndUnblockWrite(stream, error);
}

function TransformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
  const controller = stream.controller;
  if (stream.backpressure) {
    const backpressureChangePromise = stream.backpressureChangePromise.promise;
    return stThen(backpressureChangePromise, () => {
      const writable = stream.writable;
      if (writable.state === "erroring") throw writable.storedError;
      return TransformStreamDefaultControllerPerformTransform(controller, chunk);
    });
  }
  return TransformStreamDefaultControllerPerformTransform(controller, chunk);
}

function TransformStreamDefaultSinkAbortAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = stDeferred();
  controller.finishPromise = finish;
  // The algorithms may already be cleared by terminate()/error() (a known gap
  // in the spec text); treat that as a no-op cancel.
  const cancelPromise =
    controller.cancelAlgorithm === undefined ? stResolved(undefined) : controller.cancelAlgorithm(reason);
  TransformStreamDefaultControllerClearAlgorithms(controller);
  stThen(
    cancelPromise,
    () => {
      if (readable.state === "errored") {
        stRejectD(finish, readable.storedError);
      } else {
        ReadableStreamDefaultControllerError(readable.controller, reason);
        stResolveD(finish, undefined);
      }
    },
    (r) => {
      ReadableStreamDefaultControllerError(readable.controller, r);
      stRejectD(finish, r);
    },
  );
  return finish.promise;
}

function TransformStreamDefaultSinkCloseAlgorithm(stream) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = stDeferred();
  controller.finishPromise = finish;
  const flushPromise =
    controller.flushAlgorithm === undefined ? stResolved(undefined) : controller.flushAlgorithm();
  TransformStreamDefaultControllerClearAlgorithms(controller);
  stThen(
    flushPromise,
    () => {
      if (readable.state === "errored") {
        stRejectD(finish, readable.storedError);
      } else {
        ReadableStreamDefaultControllerClose(readable.controller);
        stResolveD(finish, undefined);
      }
    },
    (r) => {
      ReadableStreamDefaultControllerError(readable.controller, r);
      stRejectD(finish, r);
    },
  );
  return finish.promise;
}

function TransformStreamDefaultSourcePullAlgorithm(stream) {
  TransformStreamSetBackpressure(stream, false);
  return stream.backpressureChangePromise.promise;
}

function TransformStreamDefaultSourceCancelAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const writable = stream.writable;
  const finish = stDeferred();
  controller.finishPromise = finish;
  // The algorithms may already be cleared by terminate()/error() (a known gap
  // in the spec text); treat that as a no-op cancel.
  const cancelPromise =
    controller.cancelAlgorithm === undefined ? stResolved(undefined) : controller.cancelAlgorithm(reason);
  TransformStreamDefaultControllerClearAlgorithms(controller);
  stThen(
    cancelPromise,
    () => {
      if (writable.state === "errored") {
        stRejectD(finish, writable.storedError);
      } else {
        WritableStreamDefaultControllerErrorIfNeeded(writable.controller, reason);
        TransformStreamUnblockWrite(stream);
        stResolveD(finish, undefined);
      }
    },
    (r) => {
      WritableStreamDefaultControllerErrorIfNeeded(writable.controller, r);
      TransformStreamUnblockWrite(stream);
      stRejectD(finish, r);
    },
  );
  return finish.promise;
}

// ---------------------------------------------------------------------------
// Queuing strategies
// ---------------------------------------------------------------------------

// The size functions are shared by all instances, as in browsers.
const stByteLengthSize = {
  size(chunk) {
    return chunk.byteLength;
  },
}.size;
const stCountQueuingSize = {
  size() {
    return 1;
  },
}.size;

function stConvertQueuingStrategyInit(init, who) {
  if (!stIsObject(init)) {
    throw new TypeError(`${who}: init must be an object with a highWaterMark`);
  }
  const hwm = init.highWaterMark;
  if (hwm === undefined) throw new TypeError(`${who}: highWaterMark is required`);
  return +hwm;
}

class ByteLengthQueuingStrategy {
  #hwm;

  constructor(init) {
    this.#hwm = stConvertQueuingStrategyInit(init, "ByteLengthQueuingStrategy");
  }

  get highWaterMark() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return this.#hwm;
  }

  get size() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return stByteLengthSize;
  }
}

class CountQueuingStrategy {
  #hwm;

  constructor(init) {
    this.#hwm = stConvertQueuingStrategyInit(init, "CountQueuingStrategy");
  }

  get highWaterMark() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return this.#hwm;
  }

  get size() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return stCountQueuingSize;
  }
}

// ---------------------------------------------------------------------------
// Helpers for other prelude files (public objects in, public objects out)
// ---------------------------------------------------------------------------

function isReadableStream(value) {
  return stReadableRecord(value) !== undefined;
}

function isWritableStream(value) {
  return stWritableRecord(value) !== undefined;
}

function readableStreamIsDisturbed(stream) {
  const r = stReadableRecord(stream);
  return r !== undefined && r.disturbed;
}

function readableStreamIsLocked(stream) {
  const r = stReadableRecord(stream);
  return r !== undefined && IsReadableStreamLocked(r);
}

// Cancels a stream even if it is locked (spec ReadableStreamCancel).
function readableStreamCancel(stream, reason) {
  const r = stReadableRecord(stream);
  if (r === undefined) return stRejected(new TypeError("not a ReadableStream"));
  return ReadableStreamCancel(r, reason);
}

// Returns [branch1, branch2] (public ReadableStreams); throws if locked.
function readableStreamTee(stream) {
  const r = stReadableRecord(stream);
  if (r === undefined) throw new TypeError("not a ReadableStream");
  const [a, b] = ReadableStreamDefaultTee(r);
  return [a.obj, b.obj];
}

// A stream with highWaterMark 0 (pulled only when a read is pending) whose
// pull awaits pullFn(): a chunk is enqueued, null/undefined closes the stream,
// a rejection errors it. cancelFn(reason) is called on cancel.
function readableStreamFromPull(pullFn, cancelFn) {
  let stream;
  const pullAlgorithm = () => {
    let result;
    try {
      result = pullFn();
    } catch (e) {
      return stRejected(e);
    }
    return stThen(stResolved(result), (chunk) => {
      const controller = stream.controller;
      if (chunk === null || chunk === undefined) {
        ReadableStreamDefaultControllerClose(controller);
      } else {
        ReadableStreamDefaultControllerEnqueue(controller, chunk);
      }
    });
  };
  const cancelAlgorithm = (reason) => {
    if (typeof cancelFn !== "function") return stResolved(undefined);
    return stPromiseCall(cancelFn, undefined, reason);
  };
  stream = CreateReadableStream(stNoop, pullAlgorithm, cancelAlgorithm, 0, stCountSize);
  return stream.obj;
}

// Copies a body chunk into a fresh Uint8Array, or returns undefined if the
// chunk is not a BufferSource.
function stCopyChunkBytes(chunk) {
  if (stIsView(chunk)) {
    if (chunk instanceof Uint8Array) return chunk.slice();
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
  }
  if (stIsObject(chunk)) {
    let len;
    try {
      len = stArrayBufferByteLength.call(chunk);
    } catch {
      return undefined;
    }
    return new Uint8Array(chunk, 0, len).slice();
  }
  return undefined;
}

// Reads every chunk of `stream` (leaving it locked and disturbed, as Fetch's
// "fully read" does) and resolves with the concatenation. A chunk that is not
// a BufferSource rejects with TypeError and cancels the stream.
function readAllBytes(stream) {
  const r = stReadableRecord(stream);
  if (r === undefined) return stRejected(new TypeError("not a ReadableStream"));
  let reader;
  try {
    reader = AcquireReadableStreamDefaultReader(r);
  } catch (e) {
    return stRejected(e);
  }
  const d = stDeferred();
  const chunks = [];
  let total = 0;
  let inRead = false;
  let readAgain = false;
  const finish = () => {
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  };
  const request = {
    chunk(chunk) {
      let bytes;
      try {
        bytes = stCopyChunkBytes(chunk);
      } catch (e) {
        bytes = e;
      }
      if (!(bytes instanceof Uint8Array)) {
        const err = bytes instanceof Error ? bytes : new TypeError("body chunks must be Uint8Array");
        stMarkHandled(ReadableStreamCancel(r, err));
        stRejectD(d, err);
        return;
      }
      chunks.push(bytes);
      total += bytes.byteLength;
      if (inRead) readAgain = true;
      else pump();
    },
    close() {
      try {
        stResolveD(d, finish());
      } catch (e) {
        stRejectD(d, e);
      }
    },
    error(e) {
      stRejectD(d, e);
    },
  };
  // Trampoline so that a long queue of ready chunks does not recurse.
  function pump() {
    do {
      readAgain = false;
      inRead = true;
      ReadableStreamDefaultReaderRead(reader, request);
      inRead = false;
    } while (readAgain);
  }
  pump();
  return d.promise;
}

// ---------------------------------------------------------------------------
// Globals
// ---------------------------------------------------------------------------

stFinishClass(ReadableStream, "ReadableStream");
stFinishClass(ReadableStreamDefaultReader, "ReadableStreamDefaultReader");
stFinishClass(ReadableStreamDefaultController, "ReadableStreamDefaultController");
stFinishClass(WritableStream, "WritableStream");
stFinishClass(WritableStreamDefaultWriter, "WritableStreamDefaultWriter");
stFinishClass(WritableStreamDefaultController, "WritableStreamDefaultController");
stFinishClass(TransformStream, "TransformStream");
stFinishClass(TransformStreamDefaultController, "TransformStreamDefaultController");
stFinishClass(ByteLengthQueuingStrategy, "ByteLengthQueuingStrategy");
stFinishClass(CountQueuingStrategy, "CountQueuingStrategy");

defineGlobal("ReadableStream", ReadableStream);
defineGlobal("ReadableStreamDefaultReader", ReadableStreamDefaultReader);
defineGlobal("ReadableStreamDefaultController", ReadableStreamDefaultController);
defineGlobal("WritableStream", WritableStream);
defineGlobal("WritableStreamDefaultWriter", WritableStreamDefaultWriter);
defineGlobal("WritableStreamDefaultController", WritableStreamDefaultController);
defineGlobal("TransformStream", TransformStream);
defineGlobal("TransformStreamDefaultController", TransformStreamDefaultController);
defineGlobal("CountQueuingStrategy", CountQueuingStrategy);
defineGlobal("ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);
