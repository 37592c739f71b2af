// WebCrypto: elliptic curves. ECDSA and ECDH on P-256 and P-384; Ed25519 and X25519. Key material is
// {curve, d, public}: the private scalar (or seed) and the public key (an uncompressed SEC1 point for the
// NIST curves, 32 bytes for the 25519 ones), checked on the host.

const WC_NIST_CURVES = ["P-256", "P-384"];

// Per algorithm: the usages of each key type, JWK kty and use, and how its curve is named.
const WC_CURVE_KINDS = {
  ECDSA: { private: ["sign"], public: ["verify"], kty: "EC", use: "sig" },
  ECDH: { private: ["deriveKey", "deriveBits"], public: [], kty: "EC", use: "enc" },
  Ed25519: { private: ["sign"], public: ["verify"], kty: "OKP", use: "sig", curve: "Ed25519" },
  X25519: { private: ["deriveKey", "deriveBits"], public: [], kty: "OKP", use: "enc", curve: "X25519" },
};

function wcCurveOf(kind, alg) {
  if (kind.curve) return kind.curve;
  if (!WC_NIST_CURVES.includes(alg.namedCurve)) {
    throw wcError("NotSupportedError", `Unsupported namedCurve: ${alg.namedCurve}`);
  }
  return alg.namedCurve;
}

function wcCurveKey(name, curve, type, extractable, usages, parts) {
  const algorithm = name === "ECDSA" || name === "ECDH" ? { name, namedCurve: curve } : { name };
  const material = { curve, d: type === "private" ? parts.d : undefined, public: parts.public };
  return wcNewKey(type, extractable, algorithm, usages, material);
}

function wcCurveCheckJwkAlg(name, curve, jwk) {
  if (jwk.alg === undefined) return;
  const ok = name === "ECDSA" ? jwk.alg === (curve === "P-256" ? "ES256" : "ES384")
    : name === "Ed25519" ? jwk.alg === "EdDSA" || jwk.alg === "Ed25519"
    : true;
  if (!ok) throw wcError("DataError", `The JWK's alg '${jwk.alg}' does not match ${name} on ${curve}`);
}

function wcCurveImport(name, kind, format, data, alg, extractable, usages) {
  const curve = wcCurveOf(kind, alg);
  if (format === "raw" || format === "spki" || format === "pkcs8") {
    const type = format === "pkcs8" ? "private" : "public";
    wcCheckUsages(usages, kind[type], `${name} ${type} keys`);
    return wcCurveKey(name, curve, type, extractable, usages, ops.crypto.curveImport(curve, format, data));
  }
  if (format !== "jwk") throw wcError("NotSupportedError", `${name} keys cannot be imported as ${format}`);
  const type = data.d === undefined ? "public" : "private";
  wcCheckUsages(usages, kind[type], `${name} ${type} keys`);
  wcCheckJwk(data, kind.kty, kind.use, extractable, usages);
  if (data.crv !== curve) throw wcError("DataError", `The JWK's crv must be '${curve}'`);
  wcCurveCheckJwkAlg(name, curve, data);
  const y = kind.kty === "EC" ? wcJwkBytes(data, "y") : undefined;
  const parts = ops.crypto.curveFromJwk(curve, wcJwkBytes(data, "x"), y, wcJwkOptional(data, "d"));
  return wcCurveKey(name, curve, type, extractable, usages, parts);
}

function wcCurveExport(name, kind, format, record) {
  const { curve, d, public: pub } = record.material;
  if (format === "raw" || format === "spki" || format === "pkcs8") {
    const type = format === "pkcs8" ? "private" : "public";
    if (record.type !== type) throw wcError("InvalidAccessError", `Only ${type} keys can be exported as ${format}`);
    return wcBuffer(ops.crypto.curveExport(curve, format, d, pub));
  }
  if (format !== "jwk") throw wcError("NotSupportedError", `${name} keys cannot be exported as ${format}`);
  const jwk = { kty: kind.kty, crv: curve };
  if (kind.kty === "EC") {
    const size = (pub.length - 1) / 2;
    jwk.x = wcBase64url(pub.subarray(1, 1 + size));
    jwk.y = wcBase64url(pub.subarray(1 + size));
  } else {
    jwk.x = wcBase64url(pub);
  }
  if (record.type === "private") jwk.d = wcBase64url(d);
  if (name === "Ed25519") jwk.alg = "Ed25519";
  return wcJwkTail(jwk, record);
}

// ECDH and X25519: the shared secret, cut to `length` bits when one is given.
function wcCurveDeriveBits(name, alg, record, length) {
  wcRequireType(record, "private", "deriveBits");
  const peer = wcRecord(alg.public, "public");
  if (peer.type !== "public") throw wcError("InvalidAccessError", "The public member must be a public key");
  if (peer.algorithm.name !== record.algorithm.name) {
    throw wcError("InvalidAccessError", `The public key is not an ${record.algorithm.name} key`);
  }
  if (peer.material.curve !== record.material.curve) {
    throw wcError("InvalidAccessError", "The public key is on a different curve");
  }
  const secret = ops.crypto.curveDerive(record.material.curve, record.material.d, peer.material.public);
  if (length === null) return wcBuffer(secret);
  if (length > secret.length * 8) {
    throw wcError("OperationError", `${name}: length is more than the ${secret.length * 8} bits the key gives`);
  }
  const out = secret.slice(0, Math.ceil(length / 8));
  if (length % 8) out[out.length - 1] &= (0xff << (8 - (length % 8))) & 0xff;
  return wcBuffer(out);
}

for (const [name, kind] of Object.entries(WC_CURVE_KINDS)) {
  const handler = {
    generateKey(alg, extractable, usages) {
      const curve = wcCurveOf(kind, alg);
      wcCheckUsages(usages, [...kind.private, ...kind.public], `${name} keys`);
      const parts = ops.crypto.curveGenerate(curve);
      return {
        publicKey: wcCurveKey(name, curve, "public", true, wcIntersect(usages, kind.public), parts),
        privateKey: wcCurveKey(name, curve, "private", extractable, wcIntersect(usages, kind.private), parts),
      };
    },
    importKey(format, data, alg, extractable, usages) {
      return wcCurveImport(name, kind, format, data, alg, extractable, usages);
    },
    exportKey(format, record) {
      return wcCurveExport(name, kind, format, record);
    },
  };
  if (kind.private.includes("sign")) {
    handler.sign = (alg, record, data) => {
      wcRequireType(record, "private", "sign");
      const { curve, d } = record.material;
      return wcBuffer(ops.crypto.curveSign(curve, alg.hash ? alg.hash.name : "", d, data));
    };
    handler.verify = (alg, record, signature, data) => {
      wcRequireType(record, "public", "verify");
      const { curve, public: pub } = record.material;
      return ops.crypto.curveVerify(curve, alg.hash ? alg.hash.name : "", pub, data, signature);
    };
  } else {
    handler.deriveBits = (alg, record, length) => wcCurveDeriveBits(name, alg, record, length);
  }
  wcAlgorithms[name] = handler;
}
