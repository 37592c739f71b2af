// Bearer-token authentication with nothing but Web APIs: the token in `Authorization: Bearer <JWT>` is
// checked with crypto.subtle against the public key in env.JWT_PUBLIC_JWK (RS256 or ES256), then its
// `exp` and `nbf`. Anything else gets a 401 with a JSON error. Runs unchanged on Cloudflare Workers.

// What each supported JWS `alg` means to WebCrypto, and the key type it needs.
const ALGORITHMS = {
  RS256: { kty: "RSA", importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyParams: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { kty: "EC", importParams: { name: "ECDSA", namedCurve: "P-256" }, verifyParams: { name: "ECDSA", hash: "SHA-256" } },
};

// Seconds of clock difference tolerated between the token's issuer and us.
const LEEWAY_SECONDS = 30;

class Unauthorized extends Error {}

// Imported keys, by their JWK text: importing happens once per isolate, not once per request.
const importedKeys = new Map();

function base64urlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Unauthorized("the token is not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function decodeJson(part) {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(base64urlToBytes(part)));
  } catch {
    throw new Unauthorized("the token is malformed");
  }
}

// The configured JWK for this token: the only one, or the one a JWK Set has under the token's kid.
function configuredJwk(env, header) {
  let config;
  try {
    config = JSON.parse(env.JWT_PUBLIC_JWK);
  } catch {
    throw new Error("JWT_PUBLIC_JWK is not set to a JSON Web Key");
  }
  if (!Array.isArray(config.keys)) return config;
  const jwk = config.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Unauthorized("no key matches the token's kid");
  return jwk;
}

async function publicKey(jwk, algorithm) {
  const id = JSON.stringify(jwk);
  let key = importedKeys.get(id);
  if (!key) {
    key = crypto.subtle.importKey("jwk", jwk, algorithm.importParams, false, ["verify"]);
    importedKeys.set(id, key);
    key.catch(() => importedKeys.delete(id));
  }
  return key;
}

async function verifyToken(token, env) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Unauthorized("the token is malformed");
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJson(headerPart);
  const algorithm = Object.hasOwn(ALGORITHMS, header.alg) ? ALGORITHMS[header.alg] : null;
  if (!algorithm) throw new Unauthorized(`unsupported alg: ${header.alg}`);
  const jwk = configuredJwk(env, header);
  // The key decides the algorithm, not the token: no RS256/HS256 confusion.
  if (jwk.kty !== algorithm.kty || (jwk.alg !== undefined && jwk.alg !== header.alg)) {
    throw new Unauthorized(`the key does not accept ${header.alg} tokens`);
  }
  const key = await publicKey(jwk, algorithm);
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify(algorithm.verifyParams, key, base64urlToBytes(signaturePart), signed);
  if (!valid) throw new Unauthorized("the signature is invalid");

  const claims = decodeJson(payloadPart);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number") throw new Unauthorized("the token has no exp");
  if (now > claims.exp + LEEWAY_SECONDS) throw new Unauthorized("the token has expired");
  if (typeof claims.nbf === "number" && now < claims.nbf - LEEWAY_SECONDS) {
    throw new Unauthorized("the token is not valid yet");
  }
  return claims;
}

function unauthorized(message) {
  return Response.json(
    { error: "unauthorized", message },
    { status: 401, headers: { "www-authenticate": 'Bearer realm="jwt-auth", error="invalid_token"' } },
  );
}

export default {
  async fetch(request, env) {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
    if (!match) return unauthorized("send Authorization: Bearer <token>");
    let claims;
    try {
      claims = await verifyToken(match[1], env);
    } catch (e) {
      if (e instanceof Unauthorized) return unauthorized(e.message);
      console.error(`jwt-auth: ${e.message}`);
      return Response.json({ error: "server_error", message: "the server's key is misconfigured" }, { status: 500 });
    }
    return Response.json({ authenticated: true, sub: claims.sub ?? null, path: new URL(request.url).pathname, claims });
  },
};
