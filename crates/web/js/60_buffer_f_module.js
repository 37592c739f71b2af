// node:buffer, part 6: isUtf8, isAscii, and the module's exports.

// The bytes of a TypedArray or ArrayBuffer, for isUtf8/isAscii.
function nbInputBytes(input) {
  const typed = nbIsTypedArray(input);
  if (!typed && !nbIsArrayBuffer(input)) throw nbErrArgType("input", ["ArrayBuffer", "Buffer", "TypedArray"], input);
  if (typed) {
    // A view of a detached buffer is empty (Node checks only ArrayBuffers themselves).
    return input.buffer.detached ? new Uint8Array(0) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (input.detached) throw nbError(Error, "ERR_INVALID_STATE", "Cannot validate on a detached buffer");
  return new Uint8Array(input);
}

function isUtf8(input) {
  const bytes = nbInputBytes(input);
  if (bytes.length === 0) return true;
  try {
    ops.utf8Decode(bytes, true);
    return true;
  } catch (e) {
    if (e instanceof TypeError) return false;
    throw e;
  }
}

function isAscii(input) {
  return nbAsciiString(nbInputBytes(input)) !== undefined;
}

defineNodeModule("buffer", { Buffer, kMaxLength, constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH }, atob: globalThis.atob, btoa: globalThis.btoa, isUtf8, isAscii });
