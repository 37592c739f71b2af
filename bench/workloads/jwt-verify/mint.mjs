// Makes the fixed RS256 token of the jwt-verify workload: a fresh 2048-bit RSA key pair, the public half
// printed as a JWK (paste it into worker.js), the token written to token.txt. The private key is not kept.
// Run with: node bench/workloads/jwt-verify/mint.mjs
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const { subtle } = globalThis.crypto;
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const keys = await subtle.generateKey(
  { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
  true,
  ["sign", "verify"],
);
const header = { alg: "RS256", typ: "JWT", kid: "bench" };
const claims = { sub: "user-42", iss: "verge-bench", scope: "read:orders write:orders", iat: 1767225600, exp: 4102444800 };
const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
const signature = await subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(signingInput));
const token = `${signingInput}.${b64url(new Uint8Array(signature))}`;
writeFileSync(fileURLToPath(new URL("./token.txt", import.meta.url)), `${token}\n`);
const jwk = await subtle.exportKey("jwk", keys.publicKey);
console.log(JSON.stringify({ kty: jwk.kty, n: jwk.n, e: jwk.e, alg: "RS256", kid: "bench" }));
