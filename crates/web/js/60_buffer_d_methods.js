// node:buffer, part 4: Buffer.prototype's string, search, fill, copy, compare and view methods.

const nbProto = FastBuffer.prototype;
const nbTypedFill = Uint8Array.prototype.fill;
const nbTypedIndexOf = Uint8Array.prototype.indexOf;
const nbTypedLastIndexOf = Uint8Array.prototype.lastIndexOf;

nbProto.toString = function toString(encoding, start, end) {
  if (arguments.length === 0) return nbUtf8Decode(this);
  const len = this.length;
  if (start <= 0) start = 0;
  else if (start >= len) return "";
  else start = Math.trunc(start) || 0;
  if (end === undefined || end > len) end = len;
  else end = Math.trunc(end) || 0;
  if (end <= start) return "";
  if (encoding === undefined) return nbUtf8Decode(nbRange(this, start, end));
  const codec = nbCodec(encoding);
  if (codec === undefined) throw nbErrEncoding(encoding);
  return codec.decode(nbRange(this, start, end));
};
nbProto.toLocaleString = nbProto.toString;

function nbErrNotString() {
  return nbError(TypeError, "ERR_INVALID_ARG_TYPE", "argument must be a string");
}

function nbErrIndex() {
  return nbError(RangeError, "ERR_OUT_OF_RANGE", "Index out of range");
}

nbProto.write = function write(string, offset, length, encoding) {
  if (offset === undefined) {
    if (typeof string !== "string") throw nbErrNotString();
    return nbWriteString(NB_UTF8, this, string, 0, this.length);
  }
  if (length === undefined && typeof offset === "string") {
    encoding = offset;
    length = this.length;
    offset = 0;
  } else {
    nbValidateOffset(offset, "offset", 0, this.length);
    const remaining = this.length - offset;
    if (length === undefined) {
      length = remaining;
    } else if (typeof length === "string") {
      encoding = length;
      length = remaining;
    } else {
      nbValidateOffset(length, "length", 0, this.length);
      if (length > remaining) length = remaining;
    }
  }
  let codec = NB_UTF8;
  if (encoding && encoding !== "utf8") {
    codec = nbCodec(encoding);
    if (codec === undefined) throw nbErrEncoding(encoding);
  }
  if (typeof string !== "string") throw nbErrNotString();
  return nbWriteString(codec, this, string, offset, length);
};

// The per-encoding slice/write methods Node's Buffer.prototype also has (some libraries call them).
for (const [name, codec] of [["utf8", NB_UTF8], ["ucs2", NB_UCS2], ["latin1", NB_LATIN1], ["ascii", NB_ASCII],
  ["base64", NB_BASE64], ["base64url", NB_BASE64URL], ["hex", NB_HEX]]) {
  Object.assign(nbProto, {
    [`${name}Slice`](start, end) {
      const len = this.length;
      if (len === 0) return "";
      start = start === undefined ? 0 : Math.trunc(start) || 0;
      end = end === undefined ? len : Math.trunc(end) || 0;
      if (start < 0 || end < 0) throw nbErrIndex();
      if (end < start) end = start;
      if (end > len) throw nbErrIndex();
      return codec.decode(nbRange(this, start, end));
    },
    [`${name}Write`](string, offset, length) {
      if (typeof string !== "string") throw nbErrNotString();
      offset = offset === undefined ? 0 : Math.trunc(offset) || 0;
      if (offset < 0) throw nbErrIndex();
      if (offset > this.length) throw nbErrBounds("offset");
      length = length === undefined ? this.length - offset : Math.trunc(length) || 0;
      if (length < 0) throw nbErrIndex();
      return nbWriteString(codec, this, string, offset, Math.min(length, this.length - offset));
    },
  });
}

nbProto.toJSON = function toJSON() {
  const data = new Array(this.length);
  for (let i = 0; i < this.length; ++i) data[i] = this[i];
  return { type: "Buffer", data };
};

nbProto.equals = function equals(otherBuffer) {
  if (!(otherBuffer instanceof Uint8Array)) throw nbErrArgType("otherBuffer", ["Buffer", "Uint8Array"], otherBuffer);
  if (this === otherBuffer) return true;
  const len = this.byteLength;
  if (len !== otherBuffer.byteLength) return false;
  if (len <= NB_SHORT) return nbCompareBytes(this, 0, len, otherBuffer, 0, len) === 0;
  // Equal bytes, equal base64: compared natively.
  return nbToBase64.call(this) === nbToBase64.call(otherBuffer);
};

nbProto.compare = function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
  if (!(target instanceof Uint8Array)) throw nbErrArgType("target", ["Buffer", "Uint8Array"], target);
  if (arguments.length === 1) return nbCompareBytes(this, 0, this.length, target, 0, target.length);
  if (targetStart === undefined) targetStart = 0;
  else nbValidateOffset(targetStart, "targetStart");
  if (targetEnd === undefined) targetEnd = target.length;
  else nbValidateOffset(targetEnd, "targetEnd", 0, target.length);
  if (sourceStart === undefined) sourceStart = 0;
  else nbValidateOffset(sourceStart, "sourceStart");
  if (sourceEnd === undefined) sourceEnd = this.length;
  else nbValidateOffset(sourceEnd, "sourceEnd", 0, this.length);
  if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
  if (targetStart >= targetEnd) return 1;
  return nbCompareBytes(this, sourceStart, sourceEnd, target, targetStart, targetEnd);
};

// Where an indexOf/lastIndexOf search starts (Node's IndexOfOffset); -1: nothing to search.
function nbSearchStart(length, offset, needleLength, forward) {
  if (offset < 0) {
    if (offset + length >= 0) return length + offset;
    if (forward || needleLength === 0) return 0;
    return -1;
  }
  if (offset + needleLength <= length) return offset;
  if (needleLength === 0) return length;
  return forward ? -1 : length - 1;
}

// Search `needle` (bytes) in `hay`, as Node's IndexOfBuffer; with `ucs2` only whole 16-bit units match.
function nbSearchBytes(hay, needle, offset, forward, ucs2) {
  const hayLength = hay.length;
  const needleLength = needle.length;
  const start = nbSearchStart(hayLength, offset, needleLength, forward);
  if (needleLength === 0) return start;
  if (hayLength === 0 || start <= -1) return -1;
  if ((forward && needleLength + start > hayLength) || needleLength > hayLength) return -1;
  if (ucs2) {
    if (hayLength < 2 || needleLength < 2) return -1;
    const found = nbFind(hay, hayLength & ~1, needle, needleLength & ~1, start & ~1, forward, 2);
    // Node's quirk, kept for compatibility: a miss in an odd-length haystack reports its last index.
    return found === -1 && (hayLength & 1) ? hayLength - 1 : found;
  }
  return nbFind(hay, hayLength, needle, needleLength, start, forward, 1);
}

// The first (forward) or last (backward) match of needle[0, n) in hay[0, h) at a multiple of `step`, from `from`.
// Candidates are found by their first byte; when those keep failing, the rest is searched as latin1 strings.
function nbFind(hay, h, needle, n, from, forward, step) {
  if (h < n) return -1;
  const first = needle[0];
  const last = h - n;
  let pos = forward ? from : Math.min(from, last);
  for (let tries = 0; forward ? pos <= last : pos >= 0; tries++) {
    if (tries === 16) return nbFindAsText(hay, h, needle, n, pos, forward, step);
    pos = forward ? nbTypedIndexOf.call(hay, first, pos) : nbTypedLastIndexOf.call(hay, first, pos);
    if (pos < 0 || (forward && pos > last)) return -1;
    if (pos % step === 0) {
      let i = 1;
      while (i < n && hay[pos + i] === needle[i]) i++;
      if (i === n) return pos;
    }
    pos += forward ? 1 : -1;
  }
  return -1;
}

function nbFindAsText(hay, h, needle, n, pos, forward, step) {
  const text = nbLatin1Decode(forward ? nbRange(hay, pos, h) : nbRange(hay, 0, Math.min(pos + n, h)));
  const word = nbLatin1Decode(nbRange(needle, 0, n));
  const base = forward ? pos : 0;
  let at = forward ? text.indexOf(word) : text.lastIndexOf(word);
  while (at >= 0 && (base + at) % step !== 0) {
    at = forward ? text.indexOf(word, at + 1) : at === 0 ? -1 : text.lastIndexOf(word, at - 1);
  }
  return at < 0 ? -1 : base + at;
}

function nbIndexOf(buffer, val, byteOffset, encoding, forward) {
  if (typeof byteOffset === "string") {
    encoding = byteOffset;
    byteOffset = undefined;
  } else if (byteOffset > 0x7fffffff) {
    byteOffset = 0x7fffffff;
  } else if (byteOffset < -0x80000000) {
    byteOffset = -0x80000000;
  }
  byteOffset = +byteOffset;
  if (Number.isNaN(byteOffset)) byteOffset = forward ? 0 : buffer.length;
  byteOffset = Math.trunc(byteOffset);
  if (typeof val === "number") {
    const start = nbSearchStart(buffer.length, byteOffset, 1, forward);
    if (start <= -1 || buffer.length === 0) return -1;
    const byte = (val >>> 0) & 0xff;
    return forward ? nbTypedIndexOf.call(buffer, byte, start) : nbTypedLastIndexOf.call(buffer, byte, start);
  }
  const codec = encoding === undefined ? NB_UTF8 : nbCodec(encoding);
  if (typeof val === "string") {
    if (codec === undefined) throw nbErrEncoding(encoding);
    if (codec === NB_UCS2) {
      // Node rounds the haystack down to whole code units here.
      return nbSearchBytes(nbRange(buffer, 0, buffer.length & ~1), nbUcs2Encode(val), byteOffset, forward, true);
    }
    return nbSearchBytes(buffer, val.length === 0 ? new Uint8Array(0) : codec.encode(val), byteOffset, forward, false);
  }
  if (val instanceof Uint8Array) return nbSearchBytes(buffer, val, byteOffset, forward, codec === NB_UCS2);
  throw nbErrArgType("value", ["number", "string", "Buffer", "Uint8Array"], val);
}

nbProto.indexOf = function indexOf(val, byteOffset, encoding) {
  return nbIndexOf(this, val, byteOffset, encoding, true);
};
nbProto.lastIndexOf = function lastIndexOf(val, byteOffset, encoding) {
  return nbIndexOf(this, val, byteOffset, encoding, false);
};
nbProto.includes = function includes(val, byteOffset, encoding) {
  return this.indexOf(val, byteOffset, encoding) !== -1;
};

nbProto.fill = function fill(value, offset, end, encoding) {
  return nbFill(this, value, offset, end, encoding);
};

function nbFill(buf, value, offset, end, encoding) {
  let codec;
  if (typeof value === "string") {
    if (offset === undefined || typeof offset === "string") {
      encoding = offset;
      offset = 0;
      end = buf.length;
    } else if (typeof end === "string") {
      encoding = end;
      end = buf.length;
    }
    codec = nbNormalizedCodec(encoding);
    if (codec === undefined) {
      if (typeof encoding !== "string") throw nbErrArgType("encoding", "string", encoding);
      throw nbErrEncoding(encoding);
    }
    if (value.length === 0) {
      value = 0;
    } else if (value.length === 1) {
      const code = value.charCodeAt(0);
      if ((codec === NB_UTF8 && code < 128) || codec === NB_LATIN1) value = code;
    }
  }
  if (offset === undefined) {
    offset = 0;
    end = buf.length;
  } else {
    nbValidateOffset(offset, "offset");
    if (end === undefined) end = buf.length;
    else nbValidateOffset(end, "end", 0, buf.length);
    if (offset >= end) return buf;
  }
  if (typeof value === "number") {
    nbTypedFill.call(buf, value, offset, end);
    return buf;
  }
  let pattern;
  if (typeof value === "string") {
    // The pattern is cut where the range ends, even inside a character (as Node does).
    pattern = codec.encode(value);
  } else if (ArrayBuffer.isView(value)) {
    pattern = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } else {
    nbTypedFill.call(buf, +value & 255, offset, end);
    return buf;
  }
  if (pattern.length === 0) throw nbErrArgValue("value", value);
  nbRepeat(buf, pattern, offset, end);
  return buf;
}

// buf[offset, end) = pattern repeated (and cut).
function nbRepeat(buf, pattern, offset, end) {
  const total = end - offset;
  const first = Math.min(pattern.length, total);
  buf.set(first === pattern.length ? pattern : pattern.subarray(0, first), offset);
  let filled = first;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    buf.copyWithin(offset + filled, offset, offset + n);
    filled += n;
  }
}

// An integer from an argument, as Node's copy() reads them: NaN and unsafe values become `fallback`.
function nbToInteger(n, fallback) {
  n = +n;
  if (!Number.isNaN(n) && n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) {
    return n % 1 === 0 ? n : Math.floor(n);
  }
  return fallback;
}

nbProto.copy = function copy(target, targetStart, sourceStart, sourceEnd) {
  if (!(this instanceof Uint8Array)) throw nbErrArgType("source", ["Buffer", "Uint8Array"], this);
  if (!(target instanceof Uint8Array)) throw nbErrArgType("target", ["Buffer", "Uint8Array"], target);
  if (targetStart === undefined) {
    targetStart = 0;
  } else {
    targetStart = nbToInteger(targetStart, 0);
    if (targetStart < 0) throw nbErrRange("targetStart", ">= 0", targetStart);
  }
  if (sourceStart === undefined) {
    sourceStart = 0;
  } else {
    sourceStart = nbToInteger(sourceStart, 0);
    if (sourceStart < 0 || sourceStart > this.length) {
      throw nbErrRange("sourceStart", `>= 0 && <= ${this.length}`, sourceStart);
    }
  }
  if (sourceEnd === undefined) {
    sourceEnd = this.length;
  } else {
    sourceEnd = nbToInteger(sourceEnd, 0);
    if (sourceEnd < 0) throw nbErrRange("sourceEnd", ">= 0", sourceEnd);
  }
  if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
  return nbCopyActual(this, target, targetStart, sourceStart, sourceEnd);
};

function nbAdjustOffset(offset, length) {
  offset = Math.trunc(offset);
  if (offset === 0 || Number.isNaN(offset)) return 0;
  if (offset < 0) {
    offset += length;
    return offset > 0 ? offset : 0;
  }
  return offset < length ? offset : length;
}

// Views on the same memory, as Buffers (Uint8Array's slice() would copy).
nbProto.subarray = function subarray(start, end) {
  const srcLength = this.length;
  start = nbAdjustOffset(start, srcLength);
  end = end !== undefined ? nbAdjustOffset(end, srcLength) : srcLength;
  return new FastBuffer(this.buffer, this.byteOffset + start, end > start ? end - start : 0);
};
nbProto.slice = function slice(start, end) {
  return this.subarray(start, end);
};

function nbSwap(buf, size) {
  const len = buf.length;
  if (len % size !== 0) throw nbError(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size * 8}-bits`);
  const half = size >>> 1;
  for (let i = 0; i < len; i += size) {
    for (let j = 0; j < half; j++) {
      const a = i + j;
      const b = i + size - 1 - j;
      const t = buf[a];
      buf[a] = buf[b];
      buf[b] = t;
    }
  }
  return buf;
}
nbProto.swap16 = function swap16() { return nbSwap(this, 2); };
nbProto.swap32 = function swap32() { return nbSwap(this, 4); };
nbProto.swap64 = function swap64() { return nbSwap(this, 8); };

// Deprecated aliases Node still has.
Object.defineProperty(nbProto, "parent", {
  enumerable: true,
  configurable: true,
  get() { return this instanceof Buffer ? this.buffer : undefined; },
});
Object.defineProperty(nbProto, "offset", {
  enumerable: true,
  configurable: true,
  get() { return this instanceof Buffer ? this.byteOffset : undefined; },
});

// `<Buffer 68 69>`, as util.inspect shows Buffers (first 50 bytes).
nbProto.inspect = function inspect() {
  const max = 50;
  const shown = nbToHex.call(nbRange(this, 0, Math.min(max, this.length))).replace(/(.{2})/g, "$1 ").trim();
  const remaining = this.length - max;
  const more = remaining > 0 ? ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}` : "";
  return `<${this.constructor.name} ${shown}${more}>`;
};
nbProto[Symbol.for("nodejs.util.inspect.custom")] = nbProto.inspect;
