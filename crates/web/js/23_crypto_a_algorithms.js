// WebCrypto: the spec's "normalize an algorithm" (names matched case-insensitively, then the operation's
// params dictionary converted member by member, WebIDL-style) and the conversions it needs.

function wcError(name, message) {
  return new DOMException(message, name);
}

// [EnforceRange] integer conversion: TypeError on NaN, infinities and out-of-range values.
function wcEnforceRange(value, max, what) {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${what} is not a finite number`);
  const t = Math.trunc(n);
  if (t < 0 || t > max) throw new TypeError(`${what} is outside the range 0 to ${max}`);
  return t;
}

// A BufferSource argument, copied (later changes to the caller's buffer must not affect the operation).
function wcBufferSource(value, what) {
  const bytes = toUint8Array(value);
  if (bytes === null) throw new TypeError(`${what} is not an ArrayBuffer or ArrayBufferView`);
  return bytes.slice();
}

const WC_MEMBER = {
  buffer: (v, what) => wcBufferSource(v, what),
  octet: (v, what) => wcEnforceRange(v, 0xff, what),
  ushort: (v, what) => wcEnforceRange(v, 0xffff, what),
  ulong: (v, what) => wcEnforceRange(v, 0xffffffff, what),
  string: (v) => String(v),
  bigInteger: (v, what) => {
    if (!(v instanceof Uint8Array)) throw new TypeError(`${what} is not a Uint8Array`);
    return v.slice();
  },
  hash: (v) => {
    const hash = wcNormalize(v, "digest");
    if (hash.name === "MD5") throw wcError("NotSupportedError", "MD5 can only be used with digest()");
    return hash;
  },
  key: (v, what) => {
    if (!(v instanceof CryptoKey)) throw new TypeError(`${what} is not a CryptoKey`);
    return v;
  },
};

// Each params dictionary: [member, converter, required], in the (lexicographic) order WebIDL converts them.
const WC_DICTS = {
  Algorithm: [],
  AesCbcParams: [["iv", "buffer", true]],
  AesCtrParams: [["counter", "buffer", true], ["length", "octet", true]],
  AesDerivedKeyParams: [["length", "ushort", true]],
  AesGcmParams: [["additionalData", "buffer", false], ["iv", "buffer", true], ["tagLength", "octet", false]],
  AesKeyGenParams: [["length", "ushort", true]],
  EcdhKeyDeriveParams: [["public", "key", true]],
  EcdsaParams: [["hash", "hash", true]],
  EcKeyGenParams: [["namedCurve", "string", true]],
  EcKeyImportParams: [["namedCurve", "string", true]],
  HkdfParams: [["hash", "hash", true], ["info", "buffer", true], ["salt", "buffer", true]],
  HmacImportParams: [["hash", "hash", true], ["length", "ulong", false]],
  HmacKeyGenParams: [["hash", "hash", true], ["length", "ulong", false]],
  Pbkdf2Params: [["hash", "hash", true], ["iterations", "ulong", true], ["salt", "buffer", true]],
  RsaHashedImportParams: [["hash", "hash", true]],
  RsaHashedKeyGenParams: [["hash", "hash", true], ["modulusLength", "ulong", true], ["publicExponent", "bigInteger", true]],
  RsaOaepParams: [["label", "buffer", false]],
  RsaPssParams: [["saltLength", "ulong", true]],
};

const WC_RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const WC_AES = ["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW"];

function wcTable(entries) {
  const table = new Map();
  for (const [names, dict] of entries) {
    for (const name of [].concat(names)) table.set(name.toLowerCase(), { name, dict });
  }
  return table;
}

// The registered algorithms of each operation, and the params dictionary each one takes.
const WC_SUPPORTED = {
  digest: wcTable([[["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"], "Algorithm"]]),
  generateKey: wcTable([
    [WC_RSA, "RsaHashedKeyGenParams"], [["ECDSA", "ECDH"], "EcKeyGenParams"], ["HMAC", "HmacKeyGenParams"],
    [WC_AES, "AesKeyGenParams"], [["Ed25519", "X25519"], "Algorithm"],
  ]),
  importKey: wcTable([
    [WC_RSA, "RsaHashedImportParams"], [["ECDSA", "ECDH"], "EcKeyImportParams"], ["HMAC", "HmacImportParams"],
    [[...WC_AES, "HKDF", "PBKDF2", "Ed25519", "X25519"], "Algorithm"],
  ]),
  sign: wcTable([
    [["RSASSA-PKCS1-v1_5", "HMAC", "Ed25519"], "Algorithm"], ["RSA-PSS", "RsaPssParams"], ["ECDSA", "EcdsaParams"],
  ]),
  encrypt: wcTable([
    ["RSA-OAEP", "RsaOaepParams"], ["AES-CTR", "AesCtrParams"], ["AES-CBC", "AesCbcParams"], ["AES-GCM", "AesGcmParams"],
  ]),
  deriveBits: wcTable([
    [["ECDH", "X25519"], "EcdhKeyDeriveParams"], ["HKDF", "HkdfParams"], ["PBKDF2", "Pbkdf2Params"],
  ]),
  wrapKey: wcTable([["AES-KW", "Algorithm"]]),
  getKeyLength: wcTable([
    [WC_AES, "AesDerivedKeyParams"], ["HMAC", "HmacImportParams"], [["HKDF", "PBKDF2"], "Algorithm"],
  ]),
};
WC_SUPPORTED.verify = WC_SUPPORTED.sign;
WC_SUPPORTED.decrypt = WC_SUPPORTED.encrypt;
WC_SUPPORTED.unwrapKey = WC_SUPPORTED.wrapKey;

// Normalise `algorithm` (a string or an object with a name) for operation `op`.
function wcNormalize(algorithm, op) {
  if (typeof algorithm === "string") return wcNormalize({ name: algorithm }, op);
  if (algorithm === null || (typeof algorithm !== "object" && typeof algorithm !== "function")) {
    throw new TypeError("Algorithm: expected a string or an object with a name");
  }
  if (algorithm.name === undefined) throw new TypeError("Algorithm: name is required");
  const requested = String(algorithm.name);
  const found = WC_SUPPORTED[op].get(requested.toLowerCase());
  if (!found) throw wcError("NotSupportedError", `Unrecognized algorithm name: ${requested}`);
  const out = { name: found.name };
  for (const [member, type, required] of WC_DICTS[found.dict]) {
    const value = algorithm[member];
    if (value === undefined) {
      if (required) throw new TypeError(`${found.dict}: the member ${member} is required`);
      continue;
    }
    out[member] = WC_MEMBER[type](value, `${found.dict}.${member}`);
  }
  return out;
}

// A copy of an algorithm dictionary for `CryptoKey.algorithm` (nested objects and byte arrays copied).
function wcCopyAlgorithm(algorithm) {
  const out = {};
  for (const [k, v] of Object.entries(algorithm)) {
    if (v instanceof Uint8Array) out[k] = v.slice();
    else if (v !== null && typeof v === "object") out[k] = wcCopyAlgorithm(v);
    else out[k] = v;
  }
  return out;
}

// Bits in an HMAC key by default: the hash's block size.
function wcHashBlockBits(hash) {
  return hash.name === "SHA-384" || hash.name === "SHA-512" ? 1024 : 512;
}

// The JWK `alg` suffix of a hash ("SHA-256" -> "256", "SHA-1" -> "1").
function wcHashSuffix(hash) {
  return hash.name.slice(4);
}
