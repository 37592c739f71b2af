// node:buffer, part 5: reading and writing numbers (integers of 1-6 bytes, 64-bit BigInts, floats and doubles),
// with Node's range checks and errors.

const NB_F32 = new Float32Array(1);
const NB_F32_BYTES = new Uint8Array(NB_F32.buffer);
const NB_F64 = new Float64Array(1);
const NB_F64_BYTES = new Uint8Array(NB_F64.buffer);

// Throws unless buf[offset, offset + size) exists.
function nbCheckBounds(buf, offset, size) {
  nbValidateNumber(offset, "offset");
  if (buf[offset] === undefined || buf[offset + size - 1] === undefined) nbBoundsError(offset, buf.length - size);
}

// Throws unless min <= value <= max (with Node's wording of the range), then checks the bounds.
function nbCheckInt(value, min, max, buf, offset, size) {
  if (value > max || value < min) {
    const n = typeof min === "bigint" ? "n" : "";
    const bits = size * 8;
    let range;
    if (size > 4) {
      if (min === 0 || min === 0n) range = `>= 0${n} and < 2${n} ** ${bits}${n}`;
      else range = `>= -(2${n} ** ${bits - 1}${n}) and < 2${n} ** ${bits - 1}${n}`;
    } else {
      range = `>= ${min}${n} and <= ${max}${n}`;
    }
    throw nbErrRange("value", range, value);
  }
  nbCheckBounds(buf, offset, size);
}

function nbReadUnsigned(buf, offset, size, littleEndian) {
  if (offset === undefined) throw nbErrArgType("offset", "number", offset);
  nbCheckBounds(buf, offset, size);
  let val = 0;
  if (littleEndian) for (let i = size - 1; i >= 0; i--) val = val * 256 + buf[offset + i];
  else for (let i = 0; i < size; i++) val = val * 256 + buf[offset + i];
  return val;
}

function nbReadSigned(buf, offset, size, littleEndian) {
  const val = nbReadUnsigned(buf, offset, size, littleEndian);
  return val >= 2 ** (size * 8 - 1) ? val - 2 ** (size * 8) : val;
}

// The low 32 bits as ToUint32 takes them, the bits above from floor(value / 2^32) (Node's arithmetic).
function nbWriteInt(buf, value, offset, size, littleEndian, min, max) {
  value = +value;
  if (size === 1) {
    nbValidateNumber(offset, "offset");
    if (value > max || value < min) throw nbErrRange("value", `>= ${min} and <= ${max}`, value);
    if (buf[offset] === undefined) nbBoundsError(offset, buf.length - 1);
    buf[offset] = value;
    return offset + 1;
  }
  nbCheckInt(value, min, max, buf, offset, size);
  const lo = value >>> 0;
  const hi = size > 4 ? Math.floor(value * 2 ** -32) : 0;
  for (let i = 0; i < size; i++) {
    const byte = i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4));
    buf[littleEndian ? offset + i : offset + size - 1 - i] = byte;
  }
  return offset + size;
}

// The 16- and 32-bit cases unrolled (the common ones); reads check bounds, writes expect nbCheckInt done.
function nbRead16LE(buf, offset) {
  const first = buf[offset];
  const last = buf[offset + 1];
  if (typeof offset !== "number" || first === undefined || last === undefined) nbCheckBounds(buf, offset, 2);
  return first | (last << 8);
}
function nbRead16BE(buf, offset) {
  const first = buf[offset];
  const last = buf[offset + 1];
  if (typeof offset !== "number" || first === undefined || last === undefined) nbCheckBounds(buf, offset, 2);
  return (first << 8) | last;
}
function nbRead32LE(buf, offset) {
  const first = buf[offset];
  const last = buf[offset + 3];
  if (typeof offset !== "number" || first === undefined || last === undefined) nbCheckBounds(buf, offset, 4);
  return first + buf[offset + 1] * 0x100 + buf[offset + 2] * 0x10000 + last * 0x1000000;
}
function nbRead32BE(buf, offset) {
  const first = buf[offset];
  const last = buf[offset + 3];
  if (typeof offset !== "number" || first === undefined || last === undefined) nbCheckBounds(buf, offset, 4);
  return first * 0x1000000 + buf[offset + 1] * 0x10000 + buf[offset + 2] * 0x100 + last;
}
function nbWrite16LE(buf, value, offset) {
  buf[offset] = value;
  buf[offset + 1] = value >>> 8;
  return offset + 2;
}
function nbWrite16BE(buf, value, offset) {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value;
  return offset + 2;
}
function nbWrite32LE(buf, value, offset) {
  buf[offset] = value;
  buf[offset + 1] = value >>> 8;
  buf[offset + 2] = value >>> 16;
  buf[offset + 3] = value >>> 24;
  return offset + 4;
}
function nbWrite32BE(buf, value, offset) {
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
  return offset + 4;
}

// readUIntLE & co. take the byte length; writeUIntLE & co. too. 1-6 bytes.
function nbCheckByteLength(byteLength) {
  if (byteLength >= 1 && byteLength <= 6 && Number.isInteger(byteLength)) return;
  nbBoundsError(byteLength, 6, "byteLength");
}

const NB_INT_LIMITS = [0, 0x80, 0x8000, 0x800000, 0x80000000, 0x8000000000, 0x800000000000];

// The methods are object-literal methods with computed keys: that names them (readUInt16LE, ...) as they are made.
for (const [suffix, littleEndian] of [["LE", true], ["BE", false]]) {
  Object.assign(nbProto, {
    [`readUInt${suffix}`](offset, byteLength) {
      if (offset === undefined) throw nbErrArgType("offset", "number", offset);
      nbCheckByteLength(byteLength);
      return nbReadUnsigned(this, offset, byteLength, littleEndian);
    },
    [`readInt${suffix}`](offset, byteLength) {
      if (offset === undefined) throw nbErrArgType("offset", "number", offset);
      nbCheckByteLength(byteLength);
      return nbReadSigned(this, offset, byteLength, littleEndian);
    },
    [`writeUInt${suffix}`](value, offset, byteLength) {
      nbCheckByteLength(byteLength);
      return nbWriteInt(this, value, offset, byteLength, littleEndian, 0, NB_INT_LIMITS[byteLength] * 2 - 1);
    },
    [`writeInt${suffix}`](value, offset, byteLength) {
      nbCheckByteLength(byteLength);
      const limit = NB_INT_LIMITS[byteLength];
      return nbWriteInt(this, value, offset, byteLength, littleEndian, -limit, limit - 1);
    },
  });

  for (const size of [2, 4]) {
    const bits = size * 8;
    const unsignedMax = NB_INT_LIMITS[size] * 2 - 1;
    const signedMax = NB_INT_LIMITS[size] - 1;
    const read = size === 2 ? (littleEndian ? nbRead16LE : nbRead16BE) : littleEndian ? nbRead32LE : nbRead32BE;
    const write = size === 2 ? (littleEndian ? nbWrite16LE : nbWrite16BE) : littleEndian ? nbWrite32LE : nbWrite32BE;
    Object.assign(nbProto, {
      [`readUInt${bits}${suffix}`](offset = 0) {
        return read(this, offset);
      },
      [`readInt${bits}${suffix}`](offset = 0) {
        const val = read(this, offset);
        return size === 2 ? (val << 16) >> 16 : val | 0;
      },
      [`writeUInt${bits}${suffix}`](value, offset = 0) {
        value = +value;
        nbCheckInt(value, 0, unsignedMax, this, offset, size);
        return write(this, value, offset);
      },
      [`writeInt${bits}${suffix}`](value, offset = 0) {
        value = +value;
        nbCheckInt(value, -signedMax - 1, signedMax, this, offset, size);
        return write(this, value, offset);
      },
    });
  }

  const writeBig = (buf, value, offset, min, max) => {
    nbCheckInt(value, min, max, buf, offset, 8);
    const lo = Number(value & 0xffffffffn);
    const hi = Number((value >> 32n) & 0xffffffffn);
    for (let i = 0; i < 4; i++) {
      buf[littleEndian ? offset + i : offset + 7 - i] = lo >>> (8 * i);
      buf[littleEndian ? offset + 4 + i : offset + 3 - i] = hi >>> (8 * i);
    }
    return offset + 8;
  };
  Object.assign(nbProto, {
    [`readBigUInt64${suffix}`](offset = 0) {
      nbCheckBounds(this, offset, 8);
      const lo = nbReadUnsigned(this, littleEndian ? offset : offset + 4, 4, littleEndian);
      const hi = nbReadUnsigned(this, littleEndian ? offset + 4 : offset, 4, littleEndian);
      return (BigInt(hi) << 32n) + BigInt(lo);
    },
    [`readBigInt64${suffix}`](offset = 0) {
      nbCheckBounds(this, offset, 8);
      const lo = nbReadUnsigned(this, littleEndian ? offset : offset + 4, 4, littleEndian);
      const hi = nbReadSigned(this, littleEndian ? offset + 4 : offset, 4, littleEndian);
      return (BigInt(hi) << 32n) + BigInt(lo);
    },
    [`writeBigUInt64${suffix}`](value, offset = 0) {
      return writeBig(this, value, offset, 0n, 0xffffffffffffffffn);
    },
    [`writeBigInt64${suffix}`](value, offset = 0) {
      return writeBig(this, value, offset, -0x8000000000000000n, 0x7fffffffffffffffn);
    },
  });

  // Float bytes go through a scratch array in the host's byte order.
  const native = littleEndian === NB_LITTLE_ENDIAN;
  for (const [name, bytes, scratch, size] of [["Float", NB_F32_BYTES, NB_F32, 4], ["Double", NB_F64_BYTES, NB_F64, 8]]) {
    Object.assign(nbProto, {
      [`read${name}${suffix}`](offset = 0) {
        nbCheckBounds(this, offset, size);
        for (let i = 0; i < size; i++) bytes[native ? i : size - 1 - i] = this[offset + i];
        return scratch[0];
      },
      [`write${name}${suffix}`](value, offset = 0) {
        value = +value;
        nbCheckBounds(this, offset, size);
        scratch[0] = value;
        for (let i = 0; i < size; i++) this[offset + i] = bytes[native ? i : size - 1 - i];
        return offset + size;
      },
    });
  }
}

nbProto.readUInt8 = function readUInt8(offset = 0) {
  nbValidateNumber(offset, "offset");
  const val = this[offset];
  if (val === undefined) nbBoundsError(offset, this.length - 1);
  return val;
};
nbProto.readInt8 = function readInt8(offset = 0) {
  const val = this.readUInt8(offset);
  return val >= 0x80 ? val - 0x100 : val;
};
nbProto.writeUInt8 = function writeUInt8(value, offset = 0) {
  return nbWriteInt(this, value, offset, 1, true, 0, 0xff);
};
nbProto.writeInt8 = function writeInt8(value, offset = 0) {
  return nbWriteInt(this, value, offset, 1, true, -0x80, 0x7f);
};

// The lower-case `Uint` aliases Node has (the same functions).
for (const op of ["read", "write"]) {
  for (const rest of ["8", "16LE", "16BE", "32LE", "32BE", "LE", "BE"]) nbProto[`${op}Uint${rest}`] = nbProto[`${op}UInt${rest}`];
  for (const suffix of ["LE", "BE"]) nbProto[`${op}BigUint64${suffix}`] = nbProto[`${op}BigUInt64${suffix}`];
}
