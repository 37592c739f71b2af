// ReadableStreamDefaultController: the class and its abstract operations.

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
