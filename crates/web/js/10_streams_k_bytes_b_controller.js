// Readable byte streams: the ReadableByteStreamController abstract operations, named after the spec.

function ReadableByteStreamControllerCallPullIfNeeded(controller) {
  if (!ReadableByteStreamControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  stThen(
    controller.pullAlgorithm(),
    () => {
      controller.pulling = false;
      if (controller.pullAgain) {
        controller.pullAgain = false;
        ReadableByteStreamControllerCallPullIfNeeded(controller);
      }
    },
    (e) => ReadableByteStreamControllerError(controller, e),
  );
}

function ReadableByteStreamControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (stream.state !== "readable" || controller.closeRequested || !controller.started) return false;
  if (ReadableStreamHasDefaultReader(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
  if (ReadableStreamHasBYOBReader(stream) && ReadableStreamGetNumReadIntoRequests(stream) > 0) return true;
  return ReadableByteStreamControllerGetDesiredSize(controller) > 0;
}

function ReadableByteStreamControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function ReadableByteStreamControllerClearPendingPullIntos(controller) {
  ReadableByteStreamControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = [];
}

function ReadableByteStreamControllerClose(controller) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== "readable") return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeError("Insufficient bytes to fill the elements of the pending BYOB read");
      ReadableByteStreamControllerError(controller, e);
      throw e;
    }
  }
  ReadableByteStreamControllerClearAlgorithms(controller);
  ReadableStreamClose(stream);
}

function ReadableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
  let done = false;
  if (stream.state === "closed") done = true;
  const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === "default") ReadableStreamFulfillReadRequest(stream, filledView, done);
  else ReadableStreamFulfillReadIntoRequest(stream, filledView, done);
}

function ReadableByteStreamControllerConvertPullIntoDescriptor(d) {
  const buffer = TransferArrayBuffer(d.buffer);
  return new d.viewConstructor(buffer, d.byteOffset, d.bytesFilled / d.elementSize);
}

function ReadableByteStreamControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== "readable") return;
  const buffer = chunk.buffer;
  const byteOffset = chunk.byteOffset;
  const byteLength = chunk.byteLength;
  if (IsDetachedBuffer(buffer)) throw new TypeError("enqueue: chunk's buffer is detached");
  const transferredBuffer = TransferArrayBuffer(buffer);
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    if (IsDetachedBuffer(first.buffer)) throw new TypeError("The pending BYOB read's buffer is detached");
    ReadableByteStreamControllerInvalidateBYOBRequest(controller);
    first.buffer = TransferArrayBuffer(first.buffer);
    if (first.readerType === "none") ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, first);
  }
  if (ReadableStreamHasDefaultReader(stream)) {
    ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller);
    if (ReadableStreamGetNumReadRequests(stream) === 0) {
      ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    } else {
      if (controller.pendingPullIntos.length > 0) ReadableByteStreamControllerShiftPendingPullInto(controller);
      ReadableStreamFulfillReadRequest(stream, new Uint8Array(transferredBuffer, byteOffset, byteLength), false);
    }
  } else if (ReadableStreamHasBYOBReader(stream)) {
    ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (const d of filled) ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d);
  } else {
    ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
  }
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

function ReadableByteStreamControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push({ buffer, byteOffset, byteLength });
  controller.queueTotalSize += byteLength;
}

function ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
  let clone;
  try {
    clone = stArrayBufferSlice.call(buffer, byteOffset, byteOffset + byteLength);
  } catch (e) {
    ReadableByteStreamControllerError(controller, e);
    throw e;
  }
  ReadableByteStreamControllerEnqueueChunkToQueue(controller, clone, 0, byteLength);
}

function ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, d) {
  if (d.bytesFilled > 0) {
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, d.buffer, d.byteOffset, d.bytesFilled);
  }
  ReadableByteStreamControllerShiftPendingPullInto(controller);
}

function ReadableByteStreamControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== "readable") return;
  ReadableByteStreamControllerClearPendingPullIntos(controller);
  ResetQueue(controller);
  ReadableByteStreamControllerClearAlgorithms(controller);
  ReadableStreamError(stream, e);
}

function ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, size, d) {
  d.bytesFilled += size;
}

function ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, d) {
  const maxBytesToCopy = Math.min(controller.queueTotalSize, d.byteLength - d.bytesFilled);
  const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % d.elementSize);
  if (maxAlignedBytes >= d.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - d.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  while (totalBytesToCopyRemaining > 0) {
    const head = queue.peek();
    const bytesToCopy = Math.min(totalBytesToCopyRemaining, head.byteLength);
    const destStart = d.byteOffset + d.bytesFilled;
    new Uint8Array(d.buffer, destStart, bytesToCopy).set(new Uint8Array(head.buffer, head.byteOffset, bytesToCopy));
    if (head.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      head.byteOffset += bytesToCopy;
      head.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, d);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest) {
  const entry = controller.queue.shift();
  controller.queueTotalSize -= entry.byteLength;
  ReadableByteStreamControllerHandleQueueDrain(controller);
  readRequest.chunk(new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength));
}

function ReadableByteStreamControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
    controller.byobRequest = stNewByobRequest(controller, view);
  }
  return controller.byobRequest;
}

function ReadableByteStreamControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function ReadableByteStreamControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    ReadableByteStreamControllerClearAlgorithms(controller);
    ReadableStreamClose(controller.stream);
  } else {
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }
}

function ReadableByteStreamControllerInvalidateBYOBRequest(controller) {
  const request = controller.byobRequest;
  if (request === null) return;
  request.controller = undefined;
  request.view = null;
  controller.byobRequest = null;
}

function ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  const filled = [];
  while (controller.pendingPullIntos.length > 0) {
    if (controller.queueTotalSize === 0) break;
    const d = controller.pendingPullIntos[0];
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, d)) {
      ReadableByteStreamControllerShiftPendingPullInto(controller);
      filled.push(d);
    }
  }
  return filled;
}

function ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.readRequests.size > 0) {
    if (controller.queueTotalSize === 0) return;
    ReadableByteStreamControllerFillReadRequestFromQueue(controller, reader.readRequests.shift());
  }
}

function ReadableByteStreamControllerPullInto(controller, view, min, readIntoRequest) {
  const stream = controller.stream;
  const { elementSize, ctor } = stViewInfo(view);
  const minimumFill = min * elementSize;
  const byteOffset = view.byteOffset;
  const byteLength = view.byteLength;
  let buffer;
  try {
    buffer = TransferArrayBuffer(view.buffer);
  } catch (e) {
    readIntoRequest.error(e);
    return;
  }
  const d = {
    buffer,
    bufferByteLength: stArrayBufferByteLength.call(buffer),
    byteOffset,
    byteLength,
    bytesFilled: 0,
    minimumFill,
    elementSize,
    viewConstructor: ctor,
    readerType: "byob",
  };
  if (controller.pendingPullIntos.length > 0) {
    controller.pendingPullIntos.push(d);
    ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
    return;
  }
  if (stream.state === "closed") {
    readIntoRequest.close(new ctor(d.buffer, d.byteOffset, 0));
    return;
  }
  if (controller.queueTotalSize > 0) {
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, d)) {
      const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(d);
      ReadableByteStreamControllerHandleQueueDrain(controller);
      readIntoRequest.chunk(filledView);
      return;
    }
    if (controller.closeRequested) {
      const e = new TypeError("Insufficient bytes to fill the BYOB read before the stream closed");
      ReadableByteStreamControllerError(controller, e);
      readIntoRequest.error(e);
      return;
    }
  }
  controller.pendingPullIntos.push(d);
  ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

function ReadableByteStreamControllerRespond(controller, bytesWritten) {
  const first = controller.pendingPullIntos[0];
  const state = controller.stream.state;
  if (state === "closed") {
    if (bytesWritten !== 0) throw new TypeError("respond: bytesWritten must be 0 once the stream is closed");
  } else {
    if (bytesWritten === 0) throw new TypeError("respond: bytesWritten must be greater than 0");
    if (first.bytesFilled + bytesWritten > first.byteLength) {
      throw new RangeError("respond: bytesWritten is larger than the view");
    }
  }
  first.buffer = TransferArrayBuffer(first.buffer);
  ReadableByteStreamControllerRespondInternal(controller, bytesWritten);
}

function ReadableByteStreamControllerRespondInClosedState(controller, first) {
  if (first.readerType === "none") ReadableByteStreamControllerShiftPendingPullInto(controller);
  const stream = controller.stream;
  if (ReadableStreamHasBYOBReader(stream)) {
    const filled = [];
    while (filled.length < ReadableStreamGetNumReadIntoRequests(stream)) {
      filled.push(ReadableByteStreamControllerShiftPendingPullInto(controller));
    }
    for (const d of filled) ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d);
  }
}

function ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, d) {
  const stream = controller.stream;
  ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesWritten, d);
  if (d.readerType === "none") {
    ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, d);
    const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (const f of filled) ReadableByteStreamControllerCommitPullIntoDescriptor(stream, f);
    return;
  }
  if (d.bytesFilled < d.minimumFill) return;
  ReadableByteStreamControllerShiftPendingPullInto(controller);
  const remainderSize = d.bytesFilled % d.elementSize;
  if (remainderSize > 0) {
    const end = d.byteOffset + d.bytesFilled;
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, d.buffer, end - remainderSize, remainderSize);
  }
  d.bytesFilled -= remainderSize;
  const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
  ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d);
  for (const f of filled) ReadableByteStreamControllerCommitPullIntoDescriptor(stream, f);
}

function ReadableByteStreamControllerRespondInternal(controller, bytesWritten) {
  const first = controller.pendingPullIntos[0];
  ReadableByteStreamControllerInvalidateBYOBRequest(controller);
  if (controller.stream.state === "closed") {
    ReadableByteStreamControllerRespondInClosedState(controller, first);
  } else {
    ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, first);
  }
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

function ReadableByteStreamControllerRespondWithNewView(controller, view) {
  const first = controller.pendingPullIntos[0];
  const state = controller.stream.state;
  if (state === "closed") {
    if (view.byteLength !== 0) throw new TypeError("respondWithNewView: the view must be empty once the stream is closed");
  } else if (view.byteLength === 0) {
    throw new TypeError("respondWithNewView: the view must not be empty");
  }
  if (first.byteOffset + first.bytesFilled !== view.byteOffset) {
    throw new RangeError("respondWithNewView: the view's offset does not match the request");
  }
  if (first.bufferByteLength !== stArrayBufferByteLength.call(view.buffer)) {
    throw new RangeError("respondWithNewView: the view's buffer has a different length than the request's");
  }
  if (first.bytesFilled + view.byteLength > first.byteLength) {
    throw new RangeError("respondWithNewView: the view is larger than the request");
  }
  const viewByteLength = view.byteLength;
  first.buffer = TransferArrayBuffer(view.buffer);
  ReadableByteStreamControllerRespondInternal(controller, viewByteLength);
}

function ReadableByteStreamControllerShiftPendingPullInto(controller) {
  return controller.pendingPullIntos.shift();
}

// The controller's internal methods ([[CancelSteps]], [[PullSteps]], [[ReleaseSteps]]).

function ReadableByteStreamControllerCancelSteps(controller, reason) {
  ReadableByteStreamControllerClearPendingPullIntos(controller);
  ResetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  ReadableByteStreamControllerClearAlgorithms(controller);
  return result;
}

function ReadableByteStreamControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queueTotalSize > 0) {
    ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
    return;
  }
  const size = controller.autoAllocateChunkSize;
  if (size !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBuffer(size);
    } catch (e) {
      readRequest.error(e);
      return;
    }
    controller.pendingPullIntos.push({
      buffer,
      bufferByteLength: size,
      byteOffset: 0,
      byteLength: size,
      bytesFilled: 0,
      minimumFill: 1,
      elementSize: 1,
      viewConstructor: Uint8Array,
      readerType: "default",
    });
  }
  ReadableStreamAddReadRequest(stream, readRequest);
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

function ReadableByteStreamControllerReleaseSteps(controller) {
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    first.readerType = "none";
    controller.pendingPullIntos = [first];
  }
}

// Dispatch on the controller kind, for the stream-level operations shared with default streams.
function stControllerPullSteps(controller, readRequest) {
  if (controller.byte === true) ReadableByteStreamControllerPullSteps(controller, readRequest);
  else ReadableStreamDefaultControllerPullSteps(controller, readRequest);
}

function stControllerCancelSteps(controller, reason) {
  if (controller.byte === true) return ReadableByteStreamControllerCancelSteps(controller, reason);
  return ReadableStreamDefaultControllerCancelSteps(controller, reason);
}

function stControllerReleaseSteps(controller) {
  if (controller.byte === true) ReadableByteStreamControllerReleaseSteps(controller);
}
