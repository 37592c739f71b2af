// WebCrypto: the secret-key algorithms. HMAC; AES-CTR, AES-CBC, AES-GCM and AES-KW; HKDF and PBKDF2.

// The most PBKDF2 iterations one call may ask for (as on Cloudflare Workers): the work runs on the host in one
// piece, where the CPU limit cannot interrupt it.
const WC_PBKDF2_MAX_ITERATIONS = 100000;

function wcRandomKeyBytes(bits) {
  const bytes = ops.randomBytes(Math.ceil(bits / 8));
  if (bits % 8) bytes[bytes.length - 1] &= (0xff << (8 - (bits % 8))) & 0xff;
  return bytes;
}

function wcSecretFromFormat(format, data, jwkCheck) {
  if (format === "raw") return data;
  if (format === "jwk") {
    jwkCheck(data);
    return wcJwkBytes(data, "k");
  }
  throw wcError("NotSupportedError", `Secret keys cannot be imported as ${format}`);
}

wcAlgorithms.HMAC = {
  generateKey(alg, extractable, usages) {
    wcCheckUsages(usages, ["sign", "verify"], "HMAC keys");
    const length = alg.length ?? wcHashBlockBits(alg.hash);
    if (length === 0) throw wcError("OperationError", "HMAC key length must not be zero");
    const algorithm = { name: "HMAC", hash: { name: alg.hash.name }, length };
    return wcNewKey("secret", extractable, algorithm, usages, { raw: wcRandomKeyBytes(length) });
  },
  importKey(format, data, alg, extractable, usages) {
    wcCheckUsages(usages, ["sign", "verify"], "HMAC keys");
    const raw = wcSecretFromFormat(format, data, (jwk) => {
      wcCheckJwk(jwk, "oct", "sig", extractable, usages);
      if (jwk.alg !== undefined && jwk.alg !== `HS${wcHashSuffix(alg.hash)}`) {
        throw wcError("DataError", `The JWK's alg '${jwk.alg}' does not match the hash ${alg.hash.name}`);
      }
    });
    let length = raw.length * 8;
    if (length === 0) throw wcError("DataError", "HMAC key data must not be empty");
    if (alg.length !== undefined) {
      if (alg.length > length || alg.length <= length - 8) {
        throw wcError("DataError", "The HMAC length does not match the key data");
      }
      length = alg.length;
    }
    return wcNewKey("secret", extractable, { name: "HMAC", hash: { name: alg.hash.name }, length }, usages, { raw });
  },
  exportKey(format, record) {
    const raw = record.material.raw;
    if (format === "raw") return wcBuffer(raw.slice());
    if (format === "jwk") {
      return wcJwkTail({ kty: "oct", k: wcBase64url(raw), alg: `HS${wcHashSuffix(record.algorithm.hash)}` }, record);
    }
    throw wcError("NotSupportedError", `HMAC keys cannot be exported as ${format}`);
  },
  sign(alg, record, data) {
    return wcBuffer(ops.crypto.hmacSign(record.algorithm.hash.name, record.material.raw, data));
  },
  verify(alg, record, signature, data) {
    return ops.crypto.hmacVerify(record.algorithm.hash.name, record.material.raw, data, signature);
  },
  getKeyLength(alg) {
    if (alg.length === undefined) return wcHashBlockBits(alg.hash);
    if (alg.length === 0) throw new TypeError("HMAC key length must not be zero");
    return alg.length;
  },
};

const WC_AES_MODES = {
  "AES-CTR": {
    encrypt(alg, raw, data) {
      if (alg.counter.length !== 16) throw wcError("OperationError", "AES-CTR: counter must be 16 bytes");
      if (alg.length === 0 || alg.length > 128) throw wcError("OperationError", "AES-CTR: length must be 1 to 128");
      return ops.crypto.aesCtr(raw, alg.counter, alg.length, data);
    },
    decrypt(alg, raw, data) {
      return this.encrypt(alg, raw, data);
    },
  },
  "AES-CBC": {
    encrypt(alg, raw, data) {
      if (alg.iv.length !== 16) throw wcError("OperationError", "AES-CBC: iv must be 16 bytes");
      return ops.crypto.aesCbc(true, raw, alg.iv, data);
    },
    decrypt(alg, raw, data) {
      if (alg.iv.length !== 16) throw wcError("OperationError", "AES-CBC: iv must be 16 bytes");
      return ops.crypto.aesCbc(false, raw, alg.iv, data);
    },
  },
  "AES-GCM": {
    tagLength(alg) {
      const tagLength = alg.tagLength ?? 128;
      if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) {
        throw wcError("OperationError", `AES-GCM: ${tagLength} is not a valid tagLength`);
      }
      return tagLength;
    },
    encrypt(alg, raw, data) {
      return ops.crypto.aesGcm(true, raw, alg.iv, alg.additionalData, this.tagLength(alg), data);
    },
    decrypt(alg, raw, data) {
      const tagLength = this.tagLength(alg);
      if (data.length < tagLength / 8) throw wcError("OperationError", "AES-GCM: the data is shorter than the tag");
      return ops.crypto.aesGcm(false, raw, alg.iv, alg.additionalData, tagLength, data);
    },
  },
};

for (const name of WC_AES) {
  const mode = name.slice(4);
  const allowed = name === "AES-KW" ? ["wrapKey", "unwrapKey"] : ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  const handler = {
    generateKey(alg, extractable, usages) {
      wcCheckUsages(usages, allowed, `${name} keys`);
      if (![128, 192, 256].includes(alg.length)) throw wcError("OperationError", "AES key length must be 128, 192 or 256");
      return wcNewKey("secret", extractable, { name, length: alg.length }, usages, { raw: ops.randomBytes(alg.length / 8) });
    },
    importKey(format, data, alg, extractable, usages) {
      wcCheckUsages(usages, allowed, `${name} keys`);
      let jwkAlg;
      const raw = wcSecretFromFormat(format, data, (jwk) => {
        wcCheckJwk(jwk, "oct", "enc", extractable, usages);
        jwkAlg = jwk.alg;
      });
      if (![16, 24, 32].includes(raw.length)) throw wcError("DataError", "AES key data must be 128, 192 or 256 bits");
      if (jwkAlg !== undefined && jwkAlg !== `A${raw.length * 8}${mode}`) {
        throw wcError("DataError", `The JWK's alg '${jwkAlg}' does not match a ${raw.length * 8}-bit ${name} key`);
      }
      return wcNewKey("secret", extractable, { name, length: raw.length * 8 }, usages, { raw });
    },
    exportKey(format, record) {
      const raw = record.material.raw;
      if (format === "raw") return wcBuffer(raw.slice());
      if (format === "jwk") return wcJwkTail({ kty: "oct", k: wcBase64url(raw), alg: `A${raw.length * 8}${mode}` }, record);
      throw wcError("NotSupportedError", `${name} keys cannot be exported as ${format}`);
    },
    getKeyLength(alg) {
      if (![128, 192, 256].includes(alg.length)) throw wcError("OperationError", "AES key length must be 128, 192 or 256");
      return alg.length;
    },
  };
  if (name === "AES-KW") {
    handler.wrapKey = (alg, record, bytes) => wcBuffer(ops.crypto.aesKw(true, record.material.raw, bytes));
    handler.unwrapKey = (alg, record, bytes) => wcBuffer(ops.crypto.aesKw(false, record.material.raw, bytes));
  } else {
    handler.encrypt = (alg, record, data) => wcBuffer(WC_AES_MODES[name].encrypt(alg, record.material.raw, data));
    handler.decrypt = (alg, record, data) => wcBuffer(WC_AES_MODES[name].decrypt(alg, record.material.raw, data));
  }
  wcAlgorithms[name] = handler;
}

function wcKdf(name, deriveBits) {
  return {
    importKey(format, data, alg, extractable, usages) {
      if (format !== "raw") throw wcError("NotSupportedError", `${name} keys can only be imported as raw`);
      wcCheckUsages(usages, ["deriveKey", "deriveBits"], `${name} keys`);
      if (extractable) throw wcError("SyntaxError", `${name} keys cannot be extractable`);
      return wcNewKey("secret", false, { name }, usages, { raw: data });
    },
    deriveBits(alg, record, length) {
      if (length === null) throw wcError("OperationError", `${name}: a length is required`);
      if (length % 8 !== 0) throw wcError("OperationError", `${name}: length must be a multiple of 8`);
      return wcBuffer(deriveBits(alg, record.material.raw, length / 8));
    },
    getKeyLength() {
      return null;
    },
  };
}

wcAlgorithms.HKDF = wcKdf("HKDF", (alg, raw, bytes) => ops.crypto.hkdf(alg.hash.name, raw, alg.salt, alg.info, bytes));
wcAlgorithms.PBKDF2 = wcKdf("PBKDF2", (alg, raw, bytes) => {
  if (alg.iterations === 0) throw wcError("OperationError", "PBKDF2: iterations must not be zero");
  if (alg.iterations > WC_PBKDF2_MAX_ITERATIONS) {
    throw wcError("NotSupportedError", `PBKDF2: iteration counts above ${WC_PBKDF2_MAX_ITERATIONS} are not supported`);
  }
  return ops.crypto.pbkdf2(alg.hash.name, raw, alg.salt, alg.iterations, bytes);
});
