// WebCrypto: RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP. Key material is DER (PKCS#8 private, SPKI public),
// parsed and checked on the host.

// Per algorithm: the usages of each key type, JWK `use`, and the JWK `alg` for a hash.
const WC_RSA_KINDS = {
  "RSASSA-PKCS1-v1_5": { private: ["sign"], public: ["verify"], use: "sig", jwkAlg: (h) => `RS${wcHashSuffix(h)}` },
  "RSA-PSS": { private: ["sign"], public: ["verify"], use: "sig", jwkAlg: (h) => `PS${wcHashSuffix(h)}` },
  "RSA-OAEP": {
    private: ["decrypt", "unwrapKey"],
    public: ["encrypt", "wrapKey"],
    use: "enc",
    jwkAlg: (h) => (h.name === "SHA-1" ? "RSA-OAEP" : `RSA-OAEP-${wcHashSuffix(h)}`),
  },
};

function wcRsaKey(name, hash, type, extractable, usages, info) {
  const algorithm = {
    name,
    modulusLength: info.modulusLength,
    publicExponent: info.publicExponent,
    hash: { name: hash.name },
  };
  return wcNewKey(type, extractable, algorithm, usages, { der: info.der });
}

function wcRsaImport(name, kind, format, data, alg, extractable, usages) {
  if (format === "spki" || format === "pkcs8") {
    const type = format === "spki" ? "public" : "private";
    wcCheckUsages(usages, kind[type], `${name} ${type} keys`);
    return wcRsaKey(name, alg.hash, type, extractable, usages, ops.crypto.rsaImport(format, data));
  }
  if (format !== "jwk") throw wcError("NotSupportedError", `${name} keys cannot be imported as ${format}`);
  const type = data.d === undefined ? "public" : "private";
  wcCheckUsages(usages, kind[type], `${name} ${type} keys`);
  wcCheckJwk(data, "RSA", kind.use, extractable, usages);
  if (data.alg !== undefined && data.alg !== kind.jwkAlg(alg.hash)) {
    throw wcError("DataError", `The JWK's alg '${data.alg}' does not match ${name} with ${alg.hash.name}`);
  }
  if (data.oth !== undefined) throw wcError("NotSupportedError", "RSA keys with more than two primes are not supported");
  const info = ops.crypto.rsaFromJwk(
    wcJwkBytes(data, "n"),
    wcJwkBytes(data, "e"),
    wcJwkOptional(data, "d"),
    type === "private" ? wcJwkOptional(data, "p") : undefined,
    type === "private" ? wcJwkOptional(data, "q") : undefined,
  );
  return wcRsaKey(name, alg.hash, type, extractable, usages, info);
}

function wcRsaExport(name, kind, format, record) {
  const der = record.material.der;
  if (format === "spki" || format === "pkcs8") {
    const type = format === "spki" ? "public" : "private";
    if (record.type !== type) throw wcError("InvalidAccessError", `Only ${type} keys can be exported as ${format}`);
    return wcBuffer(der.slice());
  }
  if (format !== "jwk") throw wcError("NotSupportedError", `${name} keys cannot be exported as ${format}`);
  const parts = ops.crypto.rsaJwk(der, record.type === "private");
  const jwk = { kty: "RSA", alg: kind.jwkAlg(record.algorithm.hash) };
  for (const m of ["n", "e", "d", "p", "q", "dp", "dq", "qi"]) {
    if (parts[m] !== undefined) jwk[m] = wcBase64url(parts[m]);
  }
  return wcJwkTail(jwk, record);
}

for (const [name, kind] of Object.entries(WC_RSA_KINDS)) {
  const handler = {
    generateKey(alg, extractable, usages) {
      wcCheckUsages(usages, [...kind.private, ...kind.public], `${name} keys`);
      const pair = ops.crypto.rsaGenerate(alg.modulusLength, alg.publicExponent);
      return {
        publicKey: wcRsaKey(name, alg.hash, "public", true, wcIntersect(usages, kind.public), pair.publicKey),
        privateKey: wcRsaKey(name, alg.hash, "private", extractable, wcIntersect(usages, kind.private), pair.privateKey),
      };
    },
    importKey(format, data, alg, extractable, usages) {
      return wcRsaImport(name, kind, format, data, alg, extractable, usages);
    },
    exportKey(format, record) {
      return wcRsaExport(name, kind, format, record);
    },
  };
  if (name === "RSA-OAEP") {
    handler.encrypt = (alg, record, data) => {
      wcRequireType(record, "public", "encrypt");
      return wcBuffer(ops.crypto.rsaOaep(true, record.algorithm.hash.name, record.material.der, alg.label, data));
    };
    handler.decrypt = (alg, record, data) => {
      wcRequireType(record, "private", "decrypt");
      return wcBuffer(ops.crypto.rsaOaep(false, record.algorithm.hash.name, record.material.der, alg.label, data));
    };
  } else {
    handler.sign = (alg, record, data) => {
      wcRequireType(record, "private", "sign");
      const hash = record.algorithm.hash.name;
      return wcBuffer(ops.crypto.rsaSign(name, hash, record.material.der, data, alg.saltLength ?? 0));
    };
    handler.verify = (alg, record, signature, data) => {
      wcRequireType(record, "public", "verify");
      const hash = record.algorithm.hash.name;
      return ops.crypto.rsaVerify(name, hash, record.material.der, data, signature, alg.saltLength ?? 0);
    };
  }
  wcAlgorithms[name] = handler;
}
