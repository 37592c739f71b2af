// jwt-verify: every request carries the same RS256 token in `Authorization: Bearer`; the worker checks its
// signature with crypto.subtle against a fixed public key (imported once per isolate), then its claims, and
// answers with them as JSON. 401 when anything is off. The token was made by mint.mjs.
const PUBLIC_JWK = {"kty":"RSA","n":"wqnUp87qYlEZcdsEolcQfxyZrM2LUnnLspomIvIujtP_5of_G5DSWeseO5CTyXRwQj9bdvL6AgX5nf5i9lju0xLIQEeTWIeG_FvBLa9Mkm5L5AO70PyNcHJO73RHfPdNIIsFk_unnNYjnhyNDmE87Ml3W5KK6Nl22iOfHJtvlIoumTYxX6Y2lM3kxwetvUu12GaYjBz2yaHBLY-oGM1guRDo8y3yNExl0kIVD5rDMe5PyRlaKlf-LJCd0RABjeX06VgC7nRrsPg7YlWI2_Q-y43ziZlXBQbXv2VdDgCogIf-t1GStYw7gn3hri78mdBlo-4_09RSBj2ivYY_DboDAw","e":"AQAB","alg":"RS256","kid":"bench"};
const ALGORITHM = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

let key = null;

function bytesFromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodePart(part) {
  return JSON.parse(new TextDecoder().decode(bytesFromBase64url(part)));
}

function unauthorized(reason) {
  return Response.json({ valid: false, reason }, { status: 401 });
}

async function verify(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return unauthorized("malformed token");
  const header = decodePart(parts[0]);
  if (header.alg !== "RS256" || header.kid !== PUBLIC_JWK.kid) return unauthorized("unexpected alg or kid");
  key ??= crypto.subtle.importKey("jwk", PUBLIC_JWK, ALGORITHM, false, ["verify"]);
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  const ok = await crypto.subtle.verify(ALGORITHM, await key, bytesFromBase64url(parts[2]), signed);
  if (!ok) return unauthorized("bad signature");
  const claims = decodePart(parts[1]);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || now >= claims.exp) return unauthorized("expired");
  return Response.json({ valid: true, sub: claims.sub, scope: claims.scope.split(" ") });
}

export default {
  async fetch(request) {
    const auth = request.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) return unauthorized("no bearer token");
    try {
      return await verify(auth.slice("Bearer ".length));
    } catch {
      return unauthorized("malformed token");
    }
  },
};
