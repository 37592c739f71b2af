// Readable byte streams, the classes: ReadableByteStreamController, ReadableStreamBYOBRequest,
// ReadableStreamBYOBReader, with the BYOB reader's abstract operations and the controller's set-up.
//
// Records as elsewhere in the streams files: a byte controller record has `byte: true`, a BYOB reader record
// `byob: true` (and readIntoRequests instead of readRequests). A read-into request has chunk(view), close(view)
// and error(e). A pull-into descriptor is { buffer, bufferByteLength, byteOffset, byteLength, bytesFilled,
// minimumFill, elementSize, viewConstructor, readerType: "default" | "byob" | "none" }.

let stByteControllerRecord; // (value) => byte controller record | undefined
let stByobRequestRecord; // (value) => BYOB request record | undefined
let stByobReaderRecord; // (value) => BYOB reader record | undefined

const stArrayBufferTransfer = ArrayBuffer.prototype.transfer;
const stArrayBufferDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached").get;
const stArrayBufferSlice = ArrayBuffer.prototype.slice;
const stTypedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
const stTypedArrayCtors = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
  Float64Array, BigInt64Array, BigUint64Array,
};
if (typeof Float16Array === "function") stTypedArrayCtors.Float16Array = Float16Array;

function stIsArrayBuffer(v) {
  if (!stIsObject(v)) return false;
  try {
    stArrayBufferByteLength.call(v);
    return true;
  } catch {
    return false;
  }
}

function IsDetachedBuffer(buffer) {
  return stArrayBufferDetached.call(buffer);
}

// Spec TransferArrayBuffer: detach `buffer` and return a new ArrayBuffer with its bytes (no copy).
function TransferArrayBuffer(buffer) {
  if (!stIsArrayBuffer(buffer)) throw new TypeError("a shared or non-ArrayBuffer buffer can't be transferred");
  if (IsDetachedBuffer(buffer)) throw new TypeError("the ArrayBuffer is detached");
  return stArrayBufferTransfer.call(buffer);
}

function CanTransferArrayBuffer(buffer) {
  return stIsArrayBuffer(buffer) && !IsDetachedBuffer(buffer);
}

// [TypedArrayName] of a view, or undefined for a DataView.
function stViewInfo(view) {
  const tag = stTypedArrayTag.call(view);
  if (tag === undefined) return { elementSize: 1, ctor: DataView, length: view.byteLength };
  const ctor = stTypedArrayCtors[tag];
  return { elementSize: ctor.BYTES_PER_ELEMENT, ctor, length: view.length };
}

// WebIDL ArrayBufferView (not [AllowShared]).
function stCheckView(view, what) {
  if (!stIsView(view)) throw new TypeError(`${what} must be an ArrayBufferView`);
  if (!stIsArrayBuffer(view.buffer)) throw new TypeError(`${what} must not be backed by a SharedArrayBuffer`);
}

// WebIDL [EnforceRange] unsigned long long.
function stEnforceRangeULL(value, what) {
  const n = +value;
  if (!Number.isFinite(n)) throw new TypeError(`${what} must be a finite number`);
  const t = Math.trunc(n);
  if (t < 0 || t > Number.MAX_SAFE_INTEGER) throw new TypeError(`${what} is out of range`);
  return t;
}

// --- ReadableByteStreamController ------------------------------------------------------------------------------

function stNewReadableByteStreamControllerRecord() {
  const c = {
    byte: true,
    stream: undefined,
    autoAllocateChunkSize: undefined,
    byobRequest: null,
    cancelAlgorithm: undefined,
    closeRequested: false,
    pullAgain: false,
    pullAlgorithm: undefined,
    pulling: false,
    pendingPullIntos: [],
    queue: undefined,
    queueTotalSize: 0,
    started: false,
    strategyHWM: 0,
    obj: undefined,
  };
  new ReadableByteStreamController(kStInternal, c);
  return c;
}

class ReadableByteStreamController {
  #c;

  constructor() {
    if (arguments[0] !== kStInternal) throw new TypeError("Illegal constructor");
    this.#c = arguments[1];
    this.#c.obj = this;
  }

  get byobRequest() {
    const c = stByteControllerRecord(this);
    if (c === undefined) throw stIllegal();
    const request = ReadableByteStreamControllerGetBYOBRequest(c);
    return request === null ? null : request.obj;
  }

  get desiredSize() {
    const c = stByteControllerRecord(this);
    if (c === undefined) throw stIllegal();
    return ReadableByteStreamControllerGetDesiredSize(c);
  }

  close() {
    const c = stByteControllerRecord(this);
    if (c === undefined) throw stIllegal();
    if (c.closeRequested) throw new TypeError("The stream is already closing");
    if (c.stream.state !== "readable") throw new TypeError("The stream is not in a state that permits close");
    ReadableByteStreamControllerClose(c);
  }

  enqueue(chunk) {
    const c = stByteControllerRecord(this);
    if (c === undefined) throw stIllegal();
    stCheckView(chunk, "enqueue: chunk");
    if (chunk.byteLength === 0) throw new TypeError("enqueue: chunk is empty");
    if (stArrayBufferByteLength.call(chunk.buffer) === 0) throw new TypeError("enqueue: chunk's buffer is detached or empty");
    if (c.closeRequested) throw new TypeError("The stream is closing; it can't take more chunks");
    if (c.stream.state !== "readable") throw new TypeError("The stream is not in a state that permits enqueue");
    ReadableByteStreamControllerEnqueue(c, chunk);
  }

  error(e = undefined) {
    const c = stByteControllerRecord(this);
    if (c === undefined) throw stIllegal();
    ReadableByteStreamControllerError(c, e);
  }

  static {
    stByteControllerRecord = (v) => (stIsObject(v) && #c in v ? v.#c : undefined);
  }
}

// --- ReadableStreamBYOBRequest -----------------------------------------------------------------------------------

class ReadableStreamBYOBRequest {
  #r;

  constructor() {
    if (arguments[0] !== kStInternal) throw new TypeError("Illegal constructor");
    this.#r = arguments[1];
    this.#r.obj = this;
  }

  get view() {
    const r = stByobRequestRecord(this);
    if (r === undefined) throw stIllegal();
    return r.view;
  }

  respond(bytesWritten) {
    const r = stByobRequestRecord(this);
    if (r === undefined) throw stIllegal();
    const n = stEnforceRangeULL(bytesWritten, "respond: bytesWritten");
    if (r.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
    if (IsDetachedBuffer(r.view.buffer)) throw new TypeError("The BYOB request's buffer is detached");
    ReadableByteStreamControllerRespond(r.controller, n);
  }

  respondWithNewView(view) {
    const r = stByobRequestRecord(this);
    if (r === undefined) throw stIllegal();
    stCheckView(view, "respondWithNewView: view");
    if (r.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
    if (IsDetachedBuffer(view.buffer)) throw new TypeError("respondWithNewView: the view's buffer is detached");
    ReadableByteStreamControllerRespondWithNewView(r.controller, view);
  }

  static {
    stByobRequestRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

function stNewByobRequest(controller, view) {
  const r = { controller, view, obj: undefined };
  new ReadableStreamBYOBRequest(kStInternal, r);
  return r;
}

// --- ReadableStreamBYOBReader ------------------------------------------------------------------------------------

function stNewByobReaderRecord(obj) {
  return { byob: true, stream: undefined, closed: undefined, readIntoRequests: new StQueue(), obj };
}

class ReadableStreamBYOBReader {
  #r;

  constructor(stream) {
    if (stream === kStInternal) {
      this.#r = stNewByobReaderRecord(this);
      return;
    }
    const s = stReadableRecord(stream);
    if (s === undefined) throw new TypeError("ReadableStreamBYOBReader: argument must be a ReadableStream");
    const r = stNewByobReaderRecord(this);
    SetUpReadableStreamBYOBReader(r, s);
    this.#r = r;
  }

  get closed() {
    const r = stByobReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    return r.closed.promise;
  }

  cancel(reason = undefined) {
    const r = stByobReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    if (r.stream === undefined) return stRejected(new TypeError("This reader has been released"));
    return ReadableStreamCancel(r.stream, reason);
  }

  read(view, options = undefined) {
    const r = stByobReaderRecord(this);
    if (r === undefined) return stRejected(stIllegal());
    let min;
    let info;
    try {
      stCheckView(view, "read: view");
      if (options !== undefined && options !== null && !stIsObject(options)) throw new TypeError("read: options must be an object");
      min = options == null || options.min === undefined ? 1 : stEnforceRangeULL(options.min, "read: options.min");
    } catch (e) {
      return stRejected(e);
    }
    if (view.byteLength === 0) return stRejected(new TypeError("read: view must not be empty"));
    if (stArrayBufferByteLength.call(view.buffer) === 0) return stRejected(new TypeError("read: view's buffer is detached or empty"));
    if (min === 0) return stRejected(new TypeError("read: options.min must be greater than 0"));
    info = stViewInfo(view);
    if (min > info.length) return stRejected(new RangeError("read: options.min is larger than the view"));
    if (r.stream === undefined) return stRejected(new TypeError("This reader has been released"));
    const d = stDeferred();
    ReadableStreamBYOBReaderRead(r, view, min, {
      chunk(value) {
        d.resolve({ value, done: false });
      },
      close(value) {
        d.resolve({ value, done: true });
      },
      error(e) {
        d.reject(e);
      },
    });
    return d.promise;
  }

  releaseLock() {
    const r = stByobReaderRecord(this);
    if (r === undefined) throw stIllegal();
    if (r.stream === undefined) return;
    ReadableStreamBYOBReaderRelease(r);
  }

  static {
    stByobReaderRecord = (v) => (stIsObject(v) && #r in v ? v.#r : undefined);
  }
}

function AcquireReadableStreamBYOBReader(stream) {
  const reader = stByobReaderRecord(new ReadableStreamBYOBReader(kStInternal));
  SetUpReadableStreamBYOBReader(reader, stream);
  return reader;
}

function SetUpReadableStreamBYOBReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) throw new TypeError("ReadableStream is already locked to a reader");
  if (stream.controller.byte !== true) throw new TypeError("BYOB readers need a byte stream (type: \"bytes\")");
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readIntoRequests = new StQueue();
}

function ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === "errored") readIntoRequest.error(stream.storedError);
  else ReadableByteStreamControllerPullInto(stream.controller, view, min, readIntoRequest);
}

function ReadableStreamBYOBReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  ReadableStreamBYOBReaderErrorReadIntoRequests(reader, new TypeError("Reader was released"));
}

function ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e) {
  for (const req of reader.readIntoRequests.drain()) req.error(e);
}

function ReadableStreamAddReadIntoRequest(stream, readIntoRequest) {
  stream.reader.readIntoRequests.push(readIntoRequest);
}

function ReadableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const req = stream.reader.readIntoRequests.shift();
  if (done) req.close(chunk);
  else req.chunk(chunk);
}

function ReadableStreamGetNumReadIntoRequests(stream) {
  return stream.reader.readIntoRequests.size;
}

function ReadableStreamHasBYOBReader(stream) {
  return stream.reader !== undefined && stream.reader.byob === true;
}

function ReadableStreamHasDefaultReader(stream) {
  return stream.reader !== undefined && stream.reader.byob !== true;
}

// --- set-up --------------------------------------------------------------------------------------------------------

function SetUpReadableByteStreamController(
  stream,
  controller,
  startAlgorithm,
  pullAlgorithm,
  cancelAlgorithm,
  highWaterMark,
  autoAllocateChunkSize,
) {
  controller.stream = stream;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.byobRequest = null;
  ResetQueue(controller);
  controller.closeRequested = false;
  controller.started = false;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.pendingPullIntos = [];
  stream.controller = controller;
  const startResult = startAlgorithm();
  stThen(
    stResolved(startResult),
    () => {
      controller.started = true;
      ReadableByteStreamControllerCallPullIfNeeded(controller);
    },
    (r) => {
      ReadableByteStreamControllerError(controller, r);
    },
  );
}

function SetUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource, source, highWaterMark) {
  const controller = stNewReadableByteStreamControllerRecord();
  const { start, pull, cancel } = source;
  const startAlgorithm = start ? () => start.call(underlyingSource, controller.obj) : stNoop;
  const pullAlgorithm = pull ? () => stPromiseCall(pull, underlyingSource, controller.obj) : () => stResolved(undefined);
  const cancelAlgorithm = cancel
    ? (reason) => stPromiseCall(cancel, underlyingSource, reason)
    : () => stResolved(undefined);
  const autoAllocateChunkSize = source.autoAllocateChunkSize;
  if (autoAllocateChunkSize === 0) throw new TypeError("autoAllocateChunkSize must be greater than 0");
  SetUpReadableByteStreamController(
    stream,
    controller,
    startAlgorithm,
    pullAlgorithm,
    cancelAlgorithm,
    highWaterMark,
    autoAllocateChunkSize,
  );
}

function CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm) {
  const stream = stNewReadableStreamRecord();
  new ReadableStream(kStInternal, stream);
  const controller = stNewReadableByteStreamControllerRecord();
  SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, 0, undefined);
  return stream;
}
