// WritableStream: the classes (stream, writer, controller) and the stream and writer abstract operations.

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
    SetUpWritableStreamDefaultControllerFromUnderlyingSink(r, underlyingSink, sink, highWaterMark, sizeAlgorithm);
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
