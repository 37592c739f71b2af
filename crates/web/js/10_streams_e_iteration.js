// ReadableStream async iteration (values() / Symbol.asyncIterator) and ReadableStream.from().

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
    s.ongoing = s.ongoing !== undefined ? stThen(s.ongoing, returnSteps, returnSteps) : returnSteps();
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
