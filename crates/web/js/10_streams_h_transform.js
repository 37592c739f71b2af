// TransformStream and TransformStreamDefaultController, with their abstract operations.

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
  SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
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
  const flushPromise = controller.flushAlgorithm === undefined ? stResolved(undefined) : controller.flushAlgorithm();
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
