// crypto.getRandomValues, crypto.randomUUID and crypto.subtle (whose SubtleCrypto and CryptoKey live in
// 23_crypto_*.js: algorithm normalisation in _a, keys and JWK helpers in _b, the algorithms in _c to _e,
// SubtleCrypto itself in _f).

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

class Crypto {
  getRandomValues(array) {
    if (!INTEGER_ARRAYS.some((C) => array instanceof C)) {
      throw new DOMException("getRandomValues: the array must be an integer TypedArray", "TypeMismatchError");
    }
    const bytes = ops.randomBytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }
  get subtle() {
    return loadChunk("crypto").wcSubtle;
  }
  randomUUID() {
    const b = ops.randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
setToStringTag(Crypto, "Crypto");
defineGetters(Crypto.prototype, ["subtle"]);
defineGlobal("Crypto", Crypto);
defineGlobal("crypto", new Crypto());
