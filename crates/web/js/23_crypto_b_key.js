// WebCrypto: CryptoKey, whose material and internal slots live in a map private to the prelude (never on the
// object), usage checks, and the JSON Web Key helpers every algorithm shares.

const WC_KEY_USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
const WC_KEY_FORMATS = ["raw", "spki", "pkcs8", "jwk"];
const wcKeyRecords = new WeakMap();
// Each algorithm's operations (generateKey, importKey, exportKey, sign, verify, encrypt, decrypt, deriveBits,
// wrapKey, unwrapKey, getKeyLength), by canonical name; filled in by 23_crypto_c to _e.
const wcAlgorithms = Object.create(null);
const WC_KEY_TOKEN = Symbol("CryptoKey");

class CryptoKey {
  constructor(token) {
    if (token !== WC_KEY_TOKEN) throw new TypeError("Illegal constructor");
  }
  get type() {
    return wcRecord(this, "CryptoKey").type;
  }
  get extractable() {
    return wcRecord(this, "CryptoKey").extractable;
  }
  get algorithm() {
    const record = wcRecord(this, "CryptoKey");
    record.algorithmObject ??= wcCopyAlgorithm(record.algorithm);
    return record.algorithmObject;
  }
  get usages() {
    const record = wcRecord(this, "CryptoKey");
    record.usagesObject ??= [...record.usages];
    return record.usagesObject;
  }
}
setToStringTag(CryptoKey, "CryptoKey");
defineGetters(CryptoKey.prototype, ["type", "extractable", "algorithm", "usages"]);

// A new CryptoKey. `material` is what the host ops take: {raw} for secret keys, {der} for RSA, {curve, d,
// public} for elliptic-curve keys.
function wcNewKey(type, extractable, algorithm, usages, material) {
  const key = new CryptoKey(WC_KEY_TOKEN);
  wcKeyRecords.set(key, { type, extractable, algorithm, usages: wcOrderUsages(usages), material });
  return key;
}

function wcRecord(key, what) {
  const record = wcKeyRecords.get(key);
  if (!record) throw new TypeError(`${what} is not a CryptoKey`);
  return record;
}

// A sequence<KeyUsage>: TypeError for anything that is not one of the eight usages.
function wcUsagesArg(usages) {
  if (usages === null || typeof usages !== "object" || typeof usages[Symbol.iterator] !== "function") {
    throw new TypeError("keyUsages must be a sequence of strings");
  }
  const out = [];
  for (const u of usages) {
    const s = String(u);
    if (!WC_KEY_USAGES.includes(s)) throw new TypeError(`'${s}' is not a valid key usage`);
    out.push(s);
  }
  return out;
}

function wcFormatArg(format) {
  const f = String(format);
  if (!WC_KEY_FORMATS.includes(f)) throw new TypeError(`'${f}' is not a valid key format`);
  return f;
}

// Usages in their canonical order, without duplicates.
function wcOrderUsages(usages) {
  return WC_KEY_USAGES.filter((u) => usages.includes(u));
}

// SyntaxError unless every requested usage is one the key can have.
function wcCheckUsages(usages, allowed, what) {
  for (const u of usages) {
    if (!allowed.includes(u)) throw wcError("SyntaxError", `Usage '${u}' is not valid for ${what}`);
  }
}

function wcIntersect(usages, allowed) {
  return usages.filter((u) => allowed.includes(u));
}

function wcRequireType(record, type, op) {
  if (record.type !== type) throw wcError("InvalidAccessError", `${op} requires a ${type} key`);
}

function wcBuffer(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

// ---- JSON Web Keys

const WC_JWK_STRINGS = ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"];

// The JsonWebKey dictionary conversion: string members stringified, key_ops a sequence, ext a boolean.
function wcJwkArg(value) {
  if (value === null || typeof value !== "object") throw new TypeError("keyData must be a JsonWebKey object");
  const jwk = {};
  for (const m of WC_JWK_STRINGS) if (value[m] !== undefined) jwk[m] = String(value[m]);
  if (value.key_ops !== undefined) {
    if (value.key_ops === null || typeof value.key_ops[Symbol.iterator] !== "function") {
      throw new TypeError("JsonWebKey.key_ops must be a sequence of strings");
    }
    jwk.key_ops = Array.from(value.key_ops, String);
  }
  if (value.ext !== undefined) jwk.ext = Boolean(value.ext);
  if (value.oth !== undefined) jwk.oth = value.oth;
  return jwk;
}

// The checks every JWK import makes: kty, use, key_ops and ext.
function wcCheckJwk(jwk, kty, use, extractable, usages) {
  if (jwk.kty !== kty) throw wcError("DataError", `The JWK's kty must be '${kty}'`);
  if (usages.length > 0 && jwk.use !== undefined && jwk.use !== use) {
    throw wcError("DataError", `The JWK's use must be '${use}'`);
  }
  if (jwk.key_ops !== undefined) {
    if (new Set(jwk.key_ops).size !== jwk.key_ops.length) throw wcError("DataError", "The JWK's key_ops has duplicates");
    for (const u of usages) {
      if (!jwk.key_ops.includes(u)) throw wcError("DataError", `The JWK's key_ops does not allow '${u}'`);
    }
  }
  if (jwk.ext === false && extractable) throw wcError("DataError", "The JWK is not extractable (ext is false)");
}

function wcJwkBytes(jwk, member) {
  if (typeof jwk[member] !== "string") throw wcError("DataError", `The JWK has no '${member}'`);
  return ops.crypto.base64urlDecode(jwk[member]);
}

function wcJwkOptional(jwk, member) {
  return jwk[member] === undefined ? undefined : wcJwkBytes(jwk, member);
}

function wcBase64url(bytes) {
  return ops.crypto.base64urlEncode(bytes);
}

// key_ops and ext, added to every exported JWK.
function wcJwkTail(jwk, record) {
  jwk.key_ops = [...record.usages];
  jwk.ext = record.extractable;
  return jwk;
}
