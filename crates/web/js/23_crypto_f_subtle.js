// WebCrypto: SubtleCrypto. Each method follows the spec's steps (normalise, check the key's algorithm and
// usages, run the algorithm's operation) and returns a promise; the work itself runs synchronously on the host
// and counts against the request's CPU time. timingSafeEqual is the Workers extension, synchronous there too.

function wcArgs(args, n, method) {
  if (args.length < n) {
    throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': ${n} arguments required, but only ${args.length} present.`);
  }
}

function wcHandler(name, op) {
  const handler = wcAlgorithms[name];
  if (!handler || typeof handler[op] !== "function") {
    throw wcError("NotSupportedError", `${name} does not support ${op}`);
  }
  return handler;
}

// The checks shared by encrypt, decrypt, sign, verify, deriveBits, wrapKey and unwrapKey.
function wcCheckKey(record, alg, usage) {
  if (alg.name !== record.algorithm.name) {
    throw wcError("InvalidAccessError", `The key is for ${record.algorithm.name}, not ${alg.name}`);
  }
  if (!record.usages.includes(usage)) {
    throw wcError("InvalidAccessError", `The key's usages do not include '${usage}'`);
  }
}

// A new key that must have usages if it is secret or private (the spec's SyntaxError check).
function wcCheckResultUsages(result) {
  const key = result instanceof CryptoKey ? result : result.privateKey;
  const record = wcRecord(key, "key");
  if ((record.type === "secret" || record.type === "private") && record.usages.length === 0) {
    throw wcError("SyntaxError", "Secret and private keys must have at least one usage");
  }
  return result;
}

function wcImport(format, keyData, alg, extractable, usages) {
  const handler = wcHandler(alg.name, "importKey");
  return wcCheckResultUsages(handler.importKey(format, keyData, alg, Boolean(extractable), usages));
}

function wcExport(format, key) {
  const record = wcRecord(key, "key");
  const handler = wcHandler(record.algorithm.name, "exportKey");
  if (!record.extractable) throw wcError("InvalidAccessError", "The key is not extractable");
  return handler.exportKey(format, record);
}

function wcNormalizeOr(algorithm, op, fallback) {
  try {
    return { alg: wcNormalize(algorithm, op), op };
  } catch (e) {
    if (!(e instanceof DOMException) || e.name !== "NotSupportedError") throw e;
    return { alg: wcNormalize(algorithm, fallback), op: fallback };
  }
}

const WC_SUBTLE_TOKEN = Symbol("SubtleCrypto");

class SubtleCrypto {
  constructor(token) {
    if (token !== WC_SUBTLE_TOKEN) throw new TypeError("Illegal constructor");
  }

  async digest(algorithm, data) {
    wcArgs(arguments, 2, "digest");
    const alg = wcNormalize(algorithm, "digest");
    return wcBuffer(ops.crypto.digest(alg.name, wcBufferSource(data, "data")));
  }

  async encrypt(algorithm, key, data) {
    return this.#cipher("encrypt", arguments, algorithm, key, data);
  }

  async decrypt(algorithm, key, data) {
    return this.#cipher("decrypt", arguments, algorithm, key, data);
  }

  #cipher(op, args, algorithm, key, data) {
    wcArgs(args, 3, op);
    const alg = wcNormalize(algorithm, op);
    const record = wcRecord(key, "key");
    const bytes = wcBufferSource(data, "data");
    wcCheckKey(record, alg, op);
    return wcHandler(alg.name, op)[op](alg, record, bytes);
  }

  async sign(algorithm, key, data) {
    wcArgs(arguments, 3, "sign");
    const alg = wcNormalize(algorithm, "sign");
    const record = wcRecord(key, "key");
    const bytes = wcBufferSource(data, "data");
    wcCheckKey(record, alg, "sign");
    return wcHandler(alg.name, "sign").sign(alg, record, bytes);
  }

  async verify(algorithm, key, signature, data) {
    wcArgs(arguments, 4, "verify");
    const alg = wcNormalize(algorithm, "verify");
    const record = wcRecord(key, "key");
    const sig = wcBufferSource(signature, "signature");
    const bytes = wcBufferSource(data, "data");
    wcCheckKey(record, alg, "verify");
    return wcHandler(alg.name, "verify").verify(alg, record, sig, bytes);
  }

  async generateKey(algorithm, extractable, keyUsages) {
    wcArgs(arguments, 3, "generateKey");
    const usages = wcUsagesArg(keyUsages);
    const alg = wcNormalize(algorithm, "generateKey");
    const result = wcHandler(alg.name, "generateKey").generateKey(alg, Boolean(extractable), usages);
    return wcCheckResultUsages(result);
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    wcArgs(arguments, 5, "importKey");
    const fmt = wcFormatArg(format);
    const usages = wcUsagesArg(keyUsages);
    const data = fmt === "jwk" ? wcJwkArg(keyData) : wcBufferSource(keyData, "keyData");
    const alg = wcNormalize(algorithm, "importKey");
    return wcImport(fmt, data, alg, extractable, usages);
  }

  async exportKey(format, key) {
    wcArgs(arguments, 2, "exportKey");
    return wcExport(wcFormatArg(format), key);
  }

  async deriveBits(algorithm, baseKey, length = null) {
    wcArgs(arguments, 2, "deriveBits");
    const alg = wcNormalize(algorithm, "deriveBits");
    const record = wcRecord(baseKey, "baseKey");
    const bits = length === null || length === undefined ? null : Number(length) >>> 0;
    wcCheckKey(record, alg, "deriveBits");
    return wcHandler(alg.name, "deriveBits").deriveBits(alg, record, bits);
  }

  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    wcArgs(arguments, 5, "deriveKey");
    const usages = wcUsagesArg(keyUsages);
    const alg = wcNormalize(algorithm, "deriveBits");
    const importAlg = wcNormalize(derivedKeyType, "importKey");
    const lengthAlg = wcNormalize(derivedKeyType, "getKeyLength");
    const record = wcRecord(baseKey, "baseKey");
    wcCheckKey(record, alg, "deriveKey");
    const length = wcHandler(lengthAlg.name, "getKeyLength").getKeyLength(lengthAlg);
    const secret = wcHandler(alg.name, "deriveBits").deriveBits(alg, record, length);
    return wcImport("raw", new Uint8Array(secret), importAlg, extractable, usages);
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    wcArgs(arguments, 4, "wrapKey");
    const fmt = wcFormatArg(format);
    const { alg, op } = wcNormalizeOr(wrapAlgorithm, "wrapKey", "encrypt");
    const record = wcRecord(wrappingKey, "wrappingKey");
    wcRecord(key, "key");
    wcCheckKey(record, alg, "wrapKey");
    const exported = wcExport(fmt, key);
    const bytes = fmt === "jwk" ? ops.utf8Encode(JSON.stringify(exported)) : new Uint8Array(exported);
    return wcHandler(alg.name, op)[op](alg, record, bytes);
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    wcArgs(arguments, 7, "unwrapKey");
    const fmt = wcFormatArg(format);
    const usages = wcUsagesArg(keyUsages);
    const wrapped = wcBufferSource(wrappedKey, "wrappedKey");
    const { alg, op } = wcNormalizeOr(unwrapAlgorithm, "unwrapKey", "decrypt");
    const importAlg = wcNormalize(unwrappedKeyAlgorithm, "importKey");
    const record = wcRecord(unwrappingKey, "unwrappingKey");
    wcCheckKey(record, alg, "unwrapKey");
    const bytes = new Uint8Array(wcHandler(alg.name, op)[op](alg, record, wrapped));
    let keyData = bytes;
    if (fmt === "jwk") {
      let parsed;
      try {
        parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch {
        throw wcError("DataError", "The unwrapped key is not a JSON Web Key");
      }
      keyData = wcJwkArg(parsed);
    }
    return wcImport(fmt, keyData, importAlg, extractable, usages);
  }

  timingSafeEqual(a, b) {
    wcArgs(arguments, 2, "timingSafeEqual");
    const x = toUint8Array(a);
    const y = toUint8Array(b);
    if (x === null || y === null) throw new TypeError("timingSafeEqual: both arguments must be ArrayBuffers or ArrayBufferViews");
    if (x.byteLength !== y.byteLength) throw new TypeError("timingSafeEqual: the inputs must have the same byte length");
    return ops.crypto.timingSafeEqual(x.slice(), y.slice());
  }
}
setToStringTag(SubtleCrypto, "SubtleCrypto");

const wcSubtle = new SubtleCrypto(WC_SUBTLE_TOKEN);
defineGlobal("SubtleCrypto", SubtleCrypto);
defineGlobal("CryptoKey", CryptoKey);
