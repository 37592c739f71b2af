// node:buffer, part 3: the Buffer class (a Uint8Array subclass, as in Node) and its static methods.

// The class every Buffer is an instance of; `Buffer` itself is the (deprecated) callable that shares its prototype.
class FastBuffer extends Uint8Array {
  constructor(bufferOrLength, byteOffset, length) {
    super(bufferOrLength, byteOffset, length);
  }
}

// Turn a fresh Uint8Array nothing else holds into a Buffer (what `new FastBuffer(...)` makes, one object less).
function nbWrap(bytes) {
  return Object.setPrototypeOf(bytes, FastBuffer.prototype);
}

function Buffer(arg, encodingOrOffset, length) {
  if (typeof arg === "number") {
    if (typeof encodingOrOffset === "string") throw nbErrArgType("string", "string", arg);
    return Buffer.alloc(arg);
  }
  return Buffer.from(arg, encodingOrOffset, length);
}
Object.defineProperty(Buffer, Symbol.species, { get() { return FastBuffer; }, enumerable: false, configurable: true });
Buffer.prototype = FastBuffer.prototype;
Object.defineProperty(FastBuffer.prototype, "constructor", { value: Buffer, writable: true, configurable: true });
Object.setPrototypeOf(Buffer, Uint8Array);

Buffer.poolSize = 8 * 1024;

function nbFromString(string, encoding) {
  let codec = NB_UTF8;
  if (typeof encoding === "string" && encoding.length !== 0) {
    codec = nbCodec(encoding);
    if (codec === undefined) throw nbErrEncoding(encoding);
  }
  if (string.length === 0) return new FastBuffer();
  return nbWrap(codec.encode(string));
}

function nbFromArrayBuffer(ab, byteOffset, length) {
  if (byteOffset === undefined) {
    byteOffset = 0;
  } else {
    byteOffset = +byteOffset;
    if (Number.isNaN(byteOffset)) byteOffset = 0;
  }
  const maxLength = ab.byteLength - byteOffset;
  if (maxLength < 0) throw nbErrBounds("offset");
  if (length === undefined) {
    length = maxLength;
  } else {
    length = +length;
    if (length > 0) {
      if (length > maxLength) throw nbErrBounds("length");
    } else {
      length = 0;
    }
  }
  return new FastBuffer(ab, byteOffset, length);
}

// A copy of an array-like's elements, each converted as a Uint8Array element is (ToNumber, modulo 256).
function nbFromArrayLike(obj) {
  const len = obj.length;
  if (!(len > 0)) return new FastBuffer();
  const buf = new FastBuffer(Math.min(Math.trunc(len), Number.MAX_SAFE_INTEGER));
  buf.set(obj);
  return buf;
}

function nbFromObject(obj) {
  if (obj.length !== undefined || nbIsArrayBuffer(obj.buffer)) {
    if (typeof obj.length !== "number") return new FastBuffer();
    return nbFromArrayLike(obj);
  }
  if (obj.type === "Buffer" && Array.isArray(obj.data)) return nbFromArrayLike(obj.data);
  return undefined;
}

Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === "string") return nbFromString(value, encodingOrOffset);
  if (typeof value === "object" && value !== null) {
    if (nbIsArrayBuffer(value)) return nbFromArrayBuffer(value, encodingOrOffset, length);
    const valueOf = value.valueOf && value.valueOf();
    if (valueOf != null && valueOf !== value && (typeof valueOf === "string" || typeof valueOf === "object")) {
      return from(valueOf, encodingOrOffset, length);
    }
    const b = nbFromObject(value);
    if (b) return b;
    if (typeof value[Symbol.toPrimitive] === "function") {
      const primitive = value[Symbol.toPrimitive]("string");
      if (typeof primitive === "string") return nbFromString(primitive, encodingOrOffset);
    }
  }
  throw nbErrArgType("first argument", ["string", "Buffer", "ArrayBuffer", "Array", "Array-like Object"], value);
};

// Like %TypedArray%.of, without going through the deprecated Buffer() call. An arrow (not a constructor), named
// by the object literal it is made in.
Buffer.of = {
  of: (...items) => {
    const buf = new FastBuffer(items.length);
    for (let k = 0; k < items.length; k++) buf[k] = items[k];
    return buf;
  },
}.of;

Buffer.copyBytesFrom = function copyBytesFrom(view, offset, length) {
  if (!nbIsTypedArray(view)) throw nbErrArgType("view", ["TypedArray"], view);
  const viewLength = view.length;
  if (viewLength === 0) return new FastBuffer();
  if (offset !== undefined || length !== undefined) {
    if (offset !== undefined) {
      nbValidateInteger(offset, "offset", 0);
      if (offset >= viewLength) return new FastBuffer();
    } else {
      offset = 0;
    }
    let end;
    if (length !== undefined) {
      nbValidateInteger(length, "length", 0);
      end = offset + length;
    } else {
      end = viewLength;
    }
    view = Object.getPrototypeOf(Uint8Array.prototype).slice.call(view, offset, end);
  }
  return nbFromArrayLike(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
};

function nbAssertSize(size) {
  nbValidateNumber(size, "size", 0, kMaxLength);
}

// Every Buffer is zero-filled, allocUnsafe ones too: a worker never sees stale memory, and there is no pool.
Buffer.alloc = function alloc(size, fill, encoding) {
  nbAssertSize(size);
  const buf = new FastBuffer(size);
  if (fill !== undefined && fill !== 0 && size > 0) return nbFill(buf, fill, 0, buf.length, encoding);
  return buf;
};

Buffer.allocUnsafe = function allocUnsafe(size) {
  nbAssertSize(size);
  return new FastBuffer(size);
};

Buffer.allocUnsafeSlow = function allocUnsafeSlow(size) {
  nbAssertSize(size);
  return new FastBuffer(size);
};

Buffer.isBuffer = function isBuffer(b) {
  return b instanceof Buffer;
};

Buffer.isEncoding = function isEncoding(encoding) {
  return typeof encoding === "string" && encoding.length !== 0 && nbCodec(encoding) !== undefined;
};

Buffer.byteLength = function byteLength(string, encoding) {
  if (typeof string !== "string") {
    if (ArrayBuffer.isView(string) || nbIsArrayBuffer(string)) return string.byteLength;
    throw nbErrArgType("string", ["string", "Buffer", "ArrayBuffer"], string);
  }
  if (string.length === 0) return 0;
  const codec = encoding ? nbCodec(encoding) : undefined;
  return (codec ?? NB_UTF8).byteLength(string);
};

// memcmp order, then length. Past the first bytes, lower-case hex strings (which sort as the bytes do) are
// compared natively.
function nbCompareBytes(a, aStart, aEnd, b, bStart, bEnd) {
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  const n = Math.min(la, lb);
  const head = Math.min(n, NB_SHORT);
  for (let i = 0; i < head; i++) {
    const x = a[aStart + i];
    const y = b[bStart + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  if (n > head) {
    const x = nbToHex.call(nbRange(a, aStart + head, aStart + n));
    const y = nbToHex.call(nbRange(b, bStart + head, bStart + n));
    if (x !== y) return x < y ? -1 : 1;
  }
  return la > lb ? 1 : la < lb ? -1 : 0;
}

// bytes[start, end) as a Uint8Array sharing memory (no copy when that is all of it).
function nbRange(bytes, start, end) {
  if (start === 0 && end === bytes.length) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

Buffer.compare = function compare(buf1, buf2) {
  if (!(buf1 instanceof Uint8Array)) throw nbErrArgType("buf1", ["Buffer", "Uint8Array"], buf1);
  if (!(buf2 instanceof Uint8Array)) throw nbErrArgType("buf2", ["Buffer", "Uint8Array"], buf2);
  if (buf1 === buf2) return 0;
  return nbCompareBytes(buf1, 0, buf1.length, buf2, 0, buf2.length);
};

Buffer.concat = function concat(list, length) {
  if (!Array.isArray(list)) throw nbErrArgType("list", "Array", list);
  if (list.length === 0) return new FastBuffer();
  if (length === undefined) {
    length = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i].length) length += list[i].length;
    }
  } else {
    nbValidateOffset(length, "length");
  }
  const buffer = Buffer.allocUnsafe(length);
  let pos = 0;
  for (let i = 0; i < list.length; i++) {
    const buf = list[i];
    if (!(buf instanceof Uint8Array)) throw nbErrArgType(`list[${i}]`, ["Buffer", "Uint8Array"], buf);
    pos += nbCopyActual(buf, buffer, pos, 0, buf.length);
  }
  return buffer;
};

// Copy source[sourceStart, sourceEnd) to target at targetStart, clipped to both; returns the bytes copied.
function nbCopyActual(source, target, targetStart, sourceStart, sourceEnd) {
  if (sourceEnd - sourceStart > target.length - targetStart) sourceEnd = sourceStart + target.length - targetStart;
  let nb = sourceEnd - sourceStart;
  const sourceLen = source.length - sourceStart;
  if (nb > sourceLen) nb = sourceLen;
  if (nb <= 0) return 0;
  if (sourceStart === 0 && nb === source.length) target.set(source, targetStart);
  else target.set(new Uint8Array(source.buffer, source.byteOffset + sourceStart, nb), targetStart);
  return nb;
}
