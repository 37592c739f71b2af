// ReadableStream: the class, ReadableStreamDefaultReader and the stream-level abstract operations.

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
      let autoAllocateChunkSize = underlyingSource.autoAllocateChunkSize;
      if (autoAllocateChunkSize !== undefined) {
        autoAllocateChunkSize = stEnforceRangeULL(autoAllocateChunkSize, "autoAllocateChunkSize");
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
      source = { autoAllocateChunkSize, cancel, pull, start, type };
    }
    const r = stNewReadableStreamRecord();
    this.#r = r;
    r.obj = this;
    if (source.type === "bytes") {
      if (strategyDict.size !== undefined) throw new RangeError("A byte stream's strategy can't have a size function");
      const highWaterMark = ExtractHighWaterMark(strategyDict, 0);
      SetUpReadableByteStreamControllerFromUnderlyingSource(r, underlyingSource, source, highWaterMark);
      return;
    }
    const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
    const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
    SetUpReadableStreamDefaultControllerFromUnderlyingSource(r, underlyingSource, source, highWaterMark, sizeAlgorithm);
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
      return AcquireReadableStreamBYOBReader(r).obj;
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
    return ReadableStreamPipeTo(r, dest, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
  }

  tee() {
    const r = stReadableRecord(this);
    if (r === undefined) throw stIllegal();
    const [a, b] = stTee(r);
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
  stControllerReleaseSteps(stream.controller);
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
    stControllerPullSteps(stream.controller, readRequest);
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
  const reader = stream.reader;
  if (reader !== undefined && reader.byob === true) {
    for (const req of reader.readIntoRequests.drain()) req.close(undefined);
  }
  const sourceCancelPromise = stControllerCancelSteps(stream.controller, reason);
  return stThen(sourceCancelPromise, stNoop);
}

function ReadableStreamClose(stream) {
  stream.state = "closed";
  const reader = stream.reader;
  if (reader === undefined) return;
  stResolveD(reader.closed, undefined);
  if (reader.byob === true) return;
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
  if (reader.byob === true) ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e);
  else ReadableStreamDefaultReaderErrorReadRequests(reader, e);
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
