// Streams helpers for later prelude files (public objects in, public objects out).

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
  const [a, b] = stTee(r);
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
  const finish = () => concatBytes(chunks, total);
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
