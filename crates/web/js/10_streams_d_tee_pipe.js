// ReadableStream tee (ReadableStreamDefaultTee) and piping (ReadableStreamPipeTo).

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
    return stThen(currentWrite, () => (oldCurrentWrite !== currentWrite ? waitForWritesToFinish() : undefined));
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
        actions.push(() => (dest.state === "writable" ? WritableStreamAbort(dest, error) : stResolved(undefined)));
      }
      if (!preventCancel) {
        actions.push(() => (source.state === "readable" ? ReadableStreamCancel(source, error) : stResolved(undefined)));
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
