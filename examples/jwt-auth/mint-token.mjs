// Makes a test token for the jwt-auth example with WebCrypto (Node 20+ or any runtime with crypto.subtle):
//
//   node mint-token.mjs                      # ES256, subject "alice", valid for an hour
//   node mint-token.mjs rs256 bob -60        # RS256 for "bob", expired a minute ago
//   node mint-token.mjs es256 carol 3600 600 # not valid until ten minutes from now
//
// Arguments: alg (es256 | rs256), sub, seconds until exp, seconds until nbf. Signs with the dev keys in
// dev-keys/, which are for trying the example only.
import { readFileSync } from "node:fs";

const [alg = "es256", sub = "alice", expIn = "3600", nbfIn] = process.argv.slice(2);
const jwk = JSON.parse(readFileSync(new URL(`./dev-keys/${alg}.private.jwk.json`, import.meta.url), "utf8"));
const params = alg === "rs256"
  ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
  : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const key = await crypto.subtle.importKey("jwk", jwk, params, false, ["sign"]);

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const header = { alg: alg.toUpperCase(), typ: "JWT", kid: jwk.kid };
const claims = { sub, iat: now, exp: now + Number(expIn), ...(nbfIn === undefined ? {} : { nbf: now + Number(nbfIn) }) };
const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
const signature = await crypto.subtle.sign(params, key, new TextEncoder().encode(input));
console.log(`${input}.${b64url(new Uint8Array(signature))}`);
