// Readable byte streams: tee (ReadableByteStreamTee), and a byte-stream twin of readableStreamFromPull.

function stCloneAsUint8Array(view) {
  return new Uint8Array(stArrayBufferSlice.call(view.buffer, view.byteOffset, view.byteOffset + view.byteLength));
}

function ReadableByteStreamTee(stream) {
  let reader = AcquireReadableStreamDefaultReader(stream);
  let reading = false;
  let readAgainForBranch1 = false;
  let readAgainForBranch2 = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = stDeferred();

  function forwardReaderError(thisReader) {
    stThen(thisReader.closed.promise, undefined, (r) => {
      if (thisReader !== reader) return;
      ReadableByteStreamControllerError(branch1.controller, r);
      ReadableByteStreamControllerError(branch2.controller, r);
      if (!canceled1 || !canceled2) stResolveD(cancelPromise, undefined);
    });
  }

  function cloneOrFail(chunk) {
    try {
      return { ok: true, value: stCloneAsUint8Array(chunk) };
    } catch (e) {
      ReadableByteStreamControllerError(branch1.controller, e);
      ReadableByteStreamControllerError(branch2.controller, e);
      stResolveD(cancelPromise, ReadableStreamCancel(stream, e));
      return { ok: false };
    }
  }

  function pullAgainIfAsked() {
    if (readAgainForBranch1) pull1Algorithm();
    else if (readAgainForBranch2) pull2Algorithm();
  }

  function pullWithDefaultReader() {
    if (reader.byob === true) {
      ReadableStreamBYOBReaderRelease(reader);
      reader = AcquireReadableStreamDefaultReader(stream);
      forwardReaderError(reader);
    }
    ReadableStreamDefaultReaderRead(reader, {
      chunk(chunk) {
        stQueueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          let chunk2 = chunk;
          if (!canceled1 && !canceled2) {
            const clone = cloneOrFail(chunk);
            if (!clone.ok) return;
            chunk2 = clone.value;
          }
          if (!canceled1) ReadableByteStreamControllerEnqueue(branch1.controller, chunk);
          if (!canceled2) ReadableByteStreamControllerEnqueue(branch2.controller, chunk2);
          reading = false;
          pullAgainIfAsked();
        });
      },
      close() {
        reading = false;
        if (!canceled1) ReadableByteStreamControllerClose(branch1.controller);
        if (!canceled2) ReadableByteStreamControllerClose(branch2.controller);
        if (branch1.controller.pendingPullIntos.length > 0) ReadableByteStreamControllerRespond(branch1.controller, 0);
        if (branch2.controller.pendingPullIntos.length > 0) ReadableByteStreamControllerRespond(branch2.controller, 0);
        if (!canceled1 || !canceled2) stResolveD(cancelPromise, undefined);
      },
      error() {
        reading = false;
      },
    });
  }

  function pullWithBYOBReader(view, forBranch2) {
    if (reader.byob !== true) {
      ReadableStreamDefaultReaderRelease(reader);
      reader = AcquireReadableStreamBYOBReader(stream);
      forwardReaderError(reader);
    }
    const byobBranch = forBranch2 ? branch2 : branch1;
    const otherBranch = forBranch2 ? branch1 : branch2;
    ReadableStreamBYOBReaderRead(reader, view, 1, {
      chunk(chunk) {
        stQueueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!otherCanceled) {
            const clone = cloneOrFail(chunk);
            if (!clone.ok) return;
            if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
            ReadableByteStreamControllerEnqueue(otherBranch.controller, clone.value);
          } else if (!byobCanceled) {
            ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
          }
          reading = false;
          pullAgainIfAsked();
        });
      },
      close(chunk) {
        reading = false;
        const byobCanceled = forBranch2 ? canceled2 : canceled1;
        const otherCanceled = forBranch2 ? canceled1 : canceled2;
        if (!byobCanceled) ReadableByteStreamControllerClose(byobBranch.controller);
        if (!otherCanceled) ReadableByteStreamControllerClose(otherBranch.controller);
        if (chunk !== undefined) {
          if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
          if (!otherCanceled && otherBranch.controller.pendingPullIntos.length > 0) {
            ReadableByteStreamControllerRespond(otherBranch.controller, 0);
          }
        }
        if (!byobCanceled || !otherCanceled) stResolveD(cancelPromise, undefined);
      },
      error() {
        reading = false;
      },
    });
  }

  function pull1Algorithm() {
    if (reading) {
      readAgainForBranch1 = true;
      return stResolved(undefined);
    }
    reading = true;
    const byobRequest = ReadableByteStreamControllerGetBYOBRequest(branch1.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, false);
    return stResolved(undefined);
  }

  function pull2Algorithm() {
    if (reading) {
      readAgainForBranch2 = true;
      return stResolved(undefined);
    }
    reading = true;
    const byobRequest = ReadableByteStreamControllerGetBYOBRequest(branch2.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, true);
    return stResolved(undefined);
  }

  function cancel1Algorithm(reason) {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) stResolveD(cancelPromise, ReadableStreamCancel(stream, [reason1, reason2]));
    return cancelPromise.promise;
  }

  function cancel2Algorithm(reason) {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) stResolveD(cancelPromise, ReadableStreamCancel(stream, [reason1, reason2]));
    return cancelPromise.promise;
  }

  branch1 = CreateReadableByteStream(stNoop, pull1Algorithm, cancel1Algorithm);
  branch2 = CreateReadableByteStream(stNoop, pull2Algorithm, cancel2Algorithm);
  forwardReaderError(reader);
  return [branch1, branch2];
}

// The spec's tee: byte streams tee into byte streams (each branch gets its own copy of every chunk).
function stTee(stream) {
  return stream.controller.byte === true ? ReadableByteStreamTee(stream) : ReadableStreamDefaultTee(stream);
}

// readableStreamFromPull for bytes: a byte stream (so BYOB readers work) whose pull awaits pullFn() for the next
// Uint8Array (null/undefined closes, a rejection errors). A chunk larger than a pending BYOB read is split: the
// rest stays queued for the next read. cancelFn(reason) is called on cancel.
function readableByteStreamFromPull(pullFn, cancelFn) {
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
      if (controller.closeRequested || stream.state !== "readable") return;
      if (chunk === null || chunk === undefined) {
        ReadableByteStreamControllerClose(controller);
        if (controller.pendingPullIntos.length > 0) ReadableByteStreamControllerRespond(controller, 0);
        return;
      }
      if (!stIsView(chunk)) throw new TypeError("a byte stream's source must produce ArrayBufferViews");
      if (chunk.byteLength === 0) return pullAlgorithm();
      ReadableByteStreamControllerEnqueue(controller, chunk);
      return undefined;
    });
  };
  const cancelAlgorithm = (reason) => {
    if (typeof cancelFn !== "function") return stResolved(undefined);
    return stPromiseCall(cancelFn, undefined, reason);
  };
  stream = CreateReadableByteStream(stNoop, pullAlgorithm, cancelAlgorithm);
  return stream.obj;
}
