//! `crypto.subtle` through JS in real isolates: known-answer vectors from the RFCs and NIST, round trips for
//! every algorithm and key format, real RS256/ES256 JWTs, and the errors the WebCrypto spec names.
//!
//! The RSA and EC keys, signatures, ciphertexts and JWTs below were made with another implementation
//! (Python's `cryptography`, i.e. OpenSSL), so these tests check verge against it, not against itself.

use crate::support::request;
use std::collections::BTreeMap;
use verge_js::{Isolate, IsolateConfig};
use verge_web::WebSetup;

/// Keys and outputs made with OpenSSL: a 2048-bit RSA key, P-256 and P-384 keys, and what they signed.
const FIXTURES: &str = r#"const F = {
  rsaPkcs8: "MIIEugIBADANBgkqhkiG9w0BAQEFAASCBKQwggSgAgEAAoIBAQCeFFI7Ea52ZF3lmrOc3jSTEuAZdeoCteTmAxBRyusEOWQ1AU8DpV+nGQeD2JnnJ8igmyuXikA1drIUJ5hc70At4P5B7WbRuZjz2rEqJ5rjw+wllnP+Uq9f0XxnX5Jvv9Hd2LYQkiDKZqY9/E0oI8f9A2fdNwS3HP2wxWO7A4XE6B6pAGFM3ttM8FD4H4cEUqUq52tVLEcxYpjBOViIKVKskt583fcFFYfkzoY6757ISNo9uzIlonFinQRTS0Erd9tBNde+oqaHsLteS8LuTusZd8bFPnh5nnf8dnHXEIP/t/Dl2exV17JbR8VTv4Y6aDWV/smeDzFR15ABoaGcAz9BAgMBAAECgf8BFKJ7ROOsa4M4zpXrvJkfaEGf6u5ulk+6QssZxAlXPg0xT5D6tWax/bnPbOugaOU2M9lYb9mAhA8zlBG2kOwfZCpYyQaq6FnjUNtlLmAgrnYuy5h/ZJFOVmBDVKPrn6QPoCuecWFIAOuiANeGLrhvQlazbGzb05boXnEQFjYT4n+Sl2nVcDcF5K7ScO8OcyZBZQZbl+ox8BYMLTCzlxsLOZu6Zf5llG3WBN383uNiU+yWl31lneR7vAR9ephPey6LCVDBLCyEqzuqBULyndZGwmRcne+Xozm9oC9bfY6H5UhX2Xik1TWGjJg+2EM2i5TcDwYTMl+oR1fEowD+A0ECgYEA0LsWFsy4umvpI6JPup+/NXMG5tdPEMfw0Ic9XaV6MSb39vidDKtCyzowiqtMeTzz2C6UHSHGxZqACkZaWfUgdNLUmCJLHfLZO4HYMDjLlNYsG11ZLhmkXIUAyIjLg7AIq6iJtOUkDywGT23Ro0P0p0oDeR696a4Z2KN2CpbM9NECgYEAweDHwygfAfXEe4zO8VEHmtYAqLW1VVptOBOQDLmmxMLyXBWOLOFZ7Y2k1f8jAEcn6cOt8hjV5kfTtJ+/4XRYh3MIOZ4Y2mKyvNvsKaLHZewOdR1wmXnLmvruPhAIaujvIk6P70Q23Hcv3RNabMltCe5VhhXrE9aZHjyWFnB//3ECgYBw+3Ofb7zmG5cclLT3XZTQR60Ksqy3dqJhHXMYB4Q2qtM5uaS4wNLs0liIFuTUEywibkP56NiBCXoZFa++VbL1yVEN8DIcyeDQFx6AK532uF8ziLnG/FY9RjkAUxtl8pke4aF4azezhq77u4PoDdaV3rg2jW9a18RhwUkZvjq+oQKBgALiZDZsD2IJFP49jwqaCQHtsx7PbT4y1TMjX15BGNEOkWp7S50xURQuqkggvpWPeXGJ3rmeUvhVEzo5sjIZeAOz22h4CKifFUeoAfBwooTKqUBmyrkNzdClcQvtUyK8Cmq5Pnzxx9spzsV8NzktGfku2YjgJJor9CU2A4mb7NuRAoGAVWmnidJXD051cDvZRFztSnGHAv1G+U0s+4MMOsrRA9nGsjkp56wQmIQmZpTOpk9DWDMS3P45l1S6G8AUwvkHKSOttnDGxy5ICLdKIGMI9PKTSJKgucObuvcfr2+RZiDX9llL15BgkN5KqlENFxl1PhFmsQIgz+lfPQUw2ecW8WY=",
  rsaSpki: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnhRSOxGudmRd5ZqznN40kxLgGXXqArXk5gMQUcrrBDlkNQFPA6VfpxkHg9iZ5yfIoJsrl4pANXayFCeYXO9ALeD+Qe1m0bmY89qxKiea48PsJZZz/lKvX9F8Z1+Sb7/R3di2EJIgymamPfxNKCPH/QNn3TcEtxz9sMVjuwOFxOgeqQBhTN7bTPBQ+B+HBFKlKudrVSxHMWKYwTlYiClSrJLefN33BRWH5M6GOu+eyEjaPbsyJaJxYp0EU0tBK3fbQTXXvqKmh7C7XkvC7k7rGXfGxT54eZ53/HZx1xCD/7fw5dnsVdeyW0fFU7+GOmg1lf7Jng8xUdeQAaGhnAM/QQIDAQAB",
  rsaJwk: {"kty": "RSA", "n": "nhRSOxGudmRd5ZqznN40kxLgGXXqArXk5gMQUcrrBDlkNQFPA6VfpxkHg9iZ5yfIoJsrl4pANXayFCeYXO9ALeD-Qe1m0bmY89qxKiea48PsJZZz_lKvX9F8Z1-Sb7_R3di2EJIgymamPfxNKCPH_QNn3TcEtxz9sMVjuwOFxOgeqQBhTN7bTPBQ-B-HBFKlKudrVSxHMWKYwTlYiClSrJLefN33BRWH5M6GOu-eyEjaPbsyJaJxYp0EU0tBK3fbQTXXvqKmh7C7XkvC7k7rGXfGxT54eZ53_HZx1xCD_7fw5dnsVdeyW0fFU7-GOmg1lf7Jng8xUdeQAaGhnAM_QQ", "e": "AQAB", "d": "ARSie0TjrGuDOM6V67yZH2hBn-rubpZPukLLGcQJVz4NMU-Q-rVmsf25z2zroGjlNjPZWG_ZgIQPM5QRtpDsH2QqWMkGquhZ41DbZS5gIK52LsuYf2SRTlZgQ1Sj65-kD6ArnnFhSADrogDXhi64b0JWs2xs29OW6F5xEBY2E-J_kpdp1XA3BeSu0nDvDnMmQWUGW5fqMfAWDC0ws5cbCzmbumX-ZZRt1gTd_N7jYlPslpd9ZZ3ke7wEfXqYT3suiwlQwSwshKs7qgVC8p3WRsJkXJ3vl6M5vaAvW32Oh-VIV9l4pNU1hoyYPthDNouU3A8GEzJfqEdXxKMA_gNB", "p": "0LsWFsy4umvpI6JPup-_NXMG5tdPEMfw0Ic9XaV6MSb39vidDKtCyzowiqtMeTzz2C6UHSHGxZqACkZaWfUgdNLUmCJLHfLZO4HYMDjLlNYsG11ZLhmkXIUAyIjLg7AIq6iJtOUkDywGT23Ro0P0p0oDeR696a4Z2KN2CpbM9NE", "q": "weDHwygfAfXEe4zO8VEHmtYAqLW1VVptOBOQDLmmxMLyXBWOLOFZ7Y2k1f8jAEcn6cOt8hjV5kfTtJ-_4XRYh3MIOZ4Y2mKyvNvsKaLHZewOdR1wmXnLmvruPhAIaujvIk6P70Q23Hcv3RNabMltCe5VhhXrE9aZHjyWFnB__3E", "dp": "cPtzn2-85huXHJS0912U0EetCrKst3aiYR1zGAeENqrTObmkuMDS7NJYiBbk1BMsIm5D-ejYgQl6GRWvvlWy9clRDfAyHMng0BcegCud9rhfM4i5xvxWPUY5AFMbZfKZHuGheGs3s4au-7uD6A3Wld64No1vWtfEYcFJGb46vqE", "dq": "AuJkNmwPYgkU_j2PCpoJAe2zHs9tPjLVMyNfXkEY0Q6RantLnTFRFC6qSCC-lY95cYneuZ5S-FUTOjmyMhl4A7PbaHgIqJ8VR6gB8HCihMqpQGbKuQ3N0KVxC-1TIrwKark-fPHH2ynOxXw3OS0Z-S7ZiOAkmiv0JTYDiZvs25E", "qi": "VWmnidJXD051cDvZRFztSnGHAv1G-U0s-4MMOsrRA9nGsjkp56wQmIQmZpTOpk9DWDMS3P45l1S6G8AUwvkHKSOttnDGxy5ICLdKIGMI9PKTSJKgucObuvcfr2-RZiDX9llL15BgkN5KqlENFxl1PhFmsQIgz-lfPQUw2ecW8WY"},
  rsaPublicJwk: {"kty": "RSA", "n": "nhRSOxGudmRd5ZqznN40kxLgGXXqArXk5gMQUcrrBDlkNQFPA6VfpxkHg9iZ5yfIoJsrl4pANXayFCeYXO9ALeD-Qe1m0bmY89qxKiea48PsJZZz_lKvX9F8Z1-Sb7_R3di2EJIgymamPfxNKCPH_QNn3TcEtxz9sMVjuwOFxOgeqQBhTN7bTPBQ-B-HBFKlKudrVSxHMWKYwTlYiClSrJLefN33BRWH5M6GOu-eyEjaPbsyJaJxYp0EU0tBK3fbQTXXvqKmh7C7XkvC7k7rGXfGxT54eZ53_HZx1xCD_7fw5dnsVdeyW0fFU7-GOmg1lf7Jng8xUdeQAaGhnAM_QQ", "e": "AQAB"},
  rs256Hello: "SW2j1VZJhTKIzUMBBLTHoyevM4Ar4PPZ2DO3RQ8hy7pej2tRduUFG2cd1hiZ5Qh/0P15IGuHCalxTGhP+Q0gOTezUkIbpPF5h27/yc5Iw+ZkPsbdCz1KIIKhg9X0n7aqSZhEXNucoXFfIHw/MdsDgjpWeSQS+Hu3D0nyjNZg6e6vSCIRwW1RCn1Ou3oBqbv6nHx7DTcz/EtqU+XMX6+oPq/7xG/rHYN7go9IQ8JU8nTdHjIfcrHUoeQlT8E1HDvVX9/risTd7u29v07uzu84BEWoIumZ1tXXzVX/CtlEZi/9KZbogSIDjPNyuYZia8JZAETK+T4pqyVbxLkBGGT4vg==",
  pssHello: "i+D1/o+ipKYSQ9K43Kij5XCXn0LOFZthz3a1WAJKEKMqGl1cw4kdIBvYwdMZncVwZBs4FZdgUcW52PrAxZmf8r1RJIAtdbdzm/i5GAsBNVGesqwbYUQ7dEQSeo95FtFbvvJj44h42OIm1j52pakB/2Fdja6jvgBCCquwwRuaGCz3ebVui5Q5mnRHZUh5+L+eWlg9VAE0JQ9mAZFqPL5f+XIIiXzjDmY70m94dhMg6l7IPr80oOyZ8eOIjhz4/usgH4nd/nFFeDw44mccN8CR69P1Ln6LjcfbYTpRIKloVOyTLbWTcTdJB4WhrPk5HQgzjfeiGU4zvZnAvowc6xSWuQ==",
  oaepHello: "LwHzneY24SYc1gjrfULl8X7ifs4qlRU/PyN0UqvbSmdSSmVVy20jDKyEISamBkriLTcb5hLXRdTcut/BLYG8yGiqSvYLRT1DXnaj/i0yPzSULyDslQKH7dmLGhhwK4XpIIcUcdon9KPv6zgqtWtvAtXUDDG7MV0fxMZeC4guRuvFpmEJ2ycRooNCWY3iO1izVry7yjLfbAdRPXSAJ7Em9diVwBrZwELfflVXzleyOyWZk6Zoy6CFrYLBYS+RofqJDPSOjHKCNs5AVPNXl5tVNpN1sLFs42XLQocgKGdKDmUbJTByETU23W8nZCVSXDvPQCkKc61bJjurnIXMFwPKkw==",
  rs256Jwt: "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFkYSIsImlhdCI6MTcwMDAwMDAwMH0.RqW86keO2q8kYGEznvulxPU6nzlZ0miUTKj5_2L1Lmnl_nivU2uOFoUE2dtvxZe6VrkpSHF5faXqEjQ_0ofpqOV3HQAvNoEaBX6EU5a46FJOKlMhwLx8oU5EHs1ilw_iNCCURuSL58ZDUKd11KDUqoA0uWWRjvEubpWbkacvnXB0ByYnRqkrAg7Xr01SVG-g_tkmcWI0kcPmWIKsn-m9wIUYrQLmU-WOx3K75QRmHJm9BfaPHGi4qbWxvTGh2RW-D_iykTADXVHNAiKkDCqih3knt4vlM0kgAXL9w1L2ob4GmJhrhtgQgGp8e1C9XO6rE_0wgPxpuFrYo2s_9q8MwA",
  p256Jwk: {"kty": "EC", "crv": "P-256", "x": "tcTXFaAsAU2pOAPHbat-Y0JdqhfIadDgWto6wSZuX_w", "y": "vT3zzc-afzvpckrMfyRuWLVBUGYdThvuDnkizTOIIW0", "d": "3ivJys48EXVofKJjV7LxyGLFmeFIorna51Tk_GtGpZ4"},
  p256Pkcs8: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3ivJys48EXVofKJjV7LxyGLFmeFIorna51Tk/GtGpZ6hRANCAAS1xNcVoCwBTak4A8dtq35jQl2qF8hp0OBa2jrBJm5f/L09883Pmn876XJKzH8kbli1QVBmHU4b7g55Is0ziCFt",
  p256Spki: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtcTXFaAsAU2pOAPHbat+Y0JdqhfIadDgWto6wSZuX/y9PfPNz5p/O+lySsx/JG5YtUFQZh1OG+4OeSLNM4ghbQ==",
  p256Raw: "BLXE1xWgLAFNqTgDx22rfmNCXaoXyGnQ4FraOsEmbl/8vT3zzc+afzvpckrMfyRuWLVBUGYdThvuDnkizTOIIW0=",
  es256Jwt: "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFkYSIsImlhdCI6MTcwMDAwMDAwMH0.nPdlWTURkhBAtHkJrKWVLn5lqW-WIdwTG14qg305e8mS4u7aoy_fI-gSq4W_jCnVOSHvnNUzipOgQwjk8oRQwA",
  p256bJwk: {"kty": "EC", "crv": "P-256", "x": "ZUBTEZ66n2FIsOelGnh-cIscso2gH7vRCkX2p7hzP0c", "y": "6APAQtQCETLkUppZ0uEfe8qHTxu5ZZ-2COKgjGFLbaU", "d": "5bT0HFNuXfpsgm_8UPMGUeIn28MzVQT7QfCkDm5_g8A"},
  p256Shared: "27882e495bdfd388a877aabe82e3d110ec67dd57c71556e5bb4be36b2c2eb253",
  p384Jwk: {"kty": "EC", "crv": "P-384", "x": "bXfn8bRf8GbzUn5TPUme1vc_IE_slptgIUJi1AeUahZ6vP4-XwnnPXJB97kwFk5r", "y": "c8i_E5badniagAek-FwlSLl-AjHk7TLrT7xuXtYwxJuwLnGQkz2o1SY9FM23LMta", "d": "q-hB7lO6qbaxFFcL2iFaG6IWFED9xNT8bBXz6OYMfRcQF4NYiegTo1CIeHfmWSUd"},
  p384Pkcs8: "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCr6EHuU7qptrEUVwvaIVobohYUQP3E1PxsFfPo5gx9FxAXg1iJ6BOjUIh4d+ZZJR2hZANiAARtd+fxtF/wZvNSflM9SZ7W9z8gT+yWm2AhQmLUB5RqFnq8/j5fCec9ckH3uTAWTmtzyL8Tltp2eJqAB6T4XCVIuX4CMeTtMutPvG5e1jDEm7AucZCTPajVJj0Uzbcsy1o=",
  es384Hello: "jeHtzHPT9qWYCdKSKiiaHBS6i71d95/CRPbq1C3VeLPfS67esR1vZqjIVABXUzQ9BW6uBjq0wYi0id7Y71hqkAj2DhSsmDBlGa2doyzN6XVzxpKt26fXEOok+zaLqLRY",};
const S = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b.buffer ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16)));
const b64d = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64u = (s) => b64d(s.replace(/-/g, "+").replace(/_/g, "/"));
const b64url = (b) => btoa(String.fromCharCode(...b)).replace(/=+$/, "").replace(/[+]/g, "-").replace(/[/]/g, "_");
const utf8 = (s) => new TextEncoder().encode(s);
const err = async (p) => { try { await p; return "resolved"; } catch (e) { return e.name; } };
"#;

/// Run `body` (an async function body, with the fixtures and helpers above in scope) in a real request and
/// return the JSON of its result. The CPU limit is raised: RSA in a debug build is slow.
async fn run(body: &str) -> String {
    let src = format!(
        "{FIXTURES}\nexport default {{ async fetch() {{ const v = await (async () => {{ {body} }})(); return new Response(JSON.stringify(v)); }} }}"
    );
    let mut config: IsolateConfig = crate::support::config();
    // Requests here run under the isolate's start-up budget (nothing resets it per request): raise both.
    config.limits.cpu_ms = 60_000;
    config.limits.startup_cpu_ms = 60_000;
    let files = BTreeMap::from([("w.js".to_owned(), src)]);
    let read = Box::new(move |p: &str| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, p.to_owned()))
    });
    let (compiled, _) = verge_js::compile::compile(&config, &WebSetup, "w.js", read).unwrap();
    let iso = Isolate::new(
        &config,
        &WebSetup,
        "w.js",
        verge_js::loader::Source::Bytecode(std::sync::Arc::new(compiled)),
    )
    .unwrap();
    let (status, _, body) = request(&iso, "GET", "http://localhost/", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn digest_known_answers() {
    let out = run(r#"
        const abc = utf8("abc");
        const out = {};
        for (const name of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"]) out[name] = hex(await S.digest(name, abc));
        out.caseInsensitive = hex(await S.digest({ name: "sha-256" }, abc.buffer)) === out["SHA-256"];
        out.fromDataView = hex(await S.digest("Sha-1", new DataView(abc.buffer))) === out["SHA-1"];
        out.isArrayBuffer = (await S.digest("SHA-1", abc)) instanceof ArrayBuffer;
        out.empty = hex(await S.digest("SHA-256", new Uint8Array(0)));
        return out;
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"SHA-1":"a9993e364706816aba3e25717850c26c9cd0d89d","#,
            r#""SHA-256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","#,
            r#""SHA-384":"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7","#,
            r#""SHA-512":"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f","#,
            r#""MD5":"900150983cd24fb0d6963f7d28e17f72","caseInsensitive":true,"fromDataView":true,"isArrayBuffer":true,"#,
            r#""empty":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}"#
        )
    );
}

#[tokio::test]
async fn hmac_rfc4231_vectors() {
    let out = run(r#"
        const cases = [
          [unhex("0b".repeat(20)), utf8("Hi There")],
          [utf8("Jefe"), utf8("what do ya want for nothing?")],
          [unhex("aa".repeat(131)), utf8("Test Using Larger Than Block-Size Key - Hash Key First")],
        ];
        const out = {};
        for (const hash of ["SHA-256", "SHA-384", "SHA-512"]) {
          out[hash] = [];
          for (const [k, d] of cases) {
            const key = await S.importKey("raw", k, { name: "HMAC", hash }, false, ["sign", "verify"]);
            const sig = await S.sign("HMAC", key, d);
            out[hash].push(hex(sig));
            if (!(await S.verify("HMAC", key, sig, d))) out[hash].push("did not verify");
            const bad = new Uint8Array(sig).slice();
            bad[0] ^= 1;
            if (await S.verify("HMAC", key, bad, d)) out[hash].push("tampered signature verified");
          }
        }
        return out;
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"SHA-256":["b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7","#,
            r#""5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843","#,
            r#""60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],"#,
            r#""SHA-384":["afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6","#,
            r#""af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649","#,
            r#""4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"],"#,
            r#""SHA-512":["87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854","#,
            r#""164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737","#,
            r#""80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"]}"#
        )
    );
}

#[tokio::test]
async fn hmac_generate_and_jwk_round_trip() {
    let out = run(r#"
        const key = await S.generateKey({ name: "HMAC", hash: { name: "SHA-256" } }, true, ["verify", "sign"]);
        const jwk = await S.exportKey("jwk", key);
        const raw = new Uint8Array(await S.exportKey("raw", key));
        const back = await S.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
        const sig = await S.sign("HMAC", key, utf8("x"));
        const short = await S.generateKey({ name: "HMAC", hash: "SHA-512", length: 256 }, true, ["sign"]);
        return {
          type: key.type, alg: key.algorithm, usages: key.usages,
          jwk: [jwk.kty, jwk.alg, jwk.key_ops, jwk.ext, hex(b64u(jwk.k)) === hex(raw)],
          rawLength: raw.length, verifies: await S.verify("HMAC", back, sig, utf8("x")),
          back: [back.extractable, back.usages, back.algorithm.length],
          shortLength: (await S.exportKey("raw", short)).byteLength,
          defaultSha512: (await S.generateKey({ name: "HMAC", hash: "SHA-512" }, false, ["sign"])).algorithm.length,
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"type":"secret","alg":{"name":"HMAC","hash":{"name":"SHA-256"},"length":512},"usages":["sign","verify"],"#,
            r#""jwk":["oct","HS256",["sign","verify"],true,true],"rawLength":64,"verifies":true,"#,
            r#""back":[false,["verify"],512],"shortLength":32,"defaultSha512":1024}"#
        )
    );
}

#[tokio::test]
async fn aes_gcm_nist_vector() {
    let out = run(r#"
        const key = await S.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", true, ["encrypt", "decrypt"]);
        const iv = unhex("cafebabefacedbaddecaf888");
        const additionalData = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        const plain = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        const sealed = await S.encrypt({ name: "AES-GCM", iv, additionalData }, key, plain);
        const opened = await S.decrypt({ name: "AES-GCM", iv, additionalData }, key, sealed);
        const short = await S.encrypt({ name: "AES-GCM", iv, additionalData, tagLength: 96 }, key, plain);
        const tampered = new Uint8Array(sealed).slice();
        tampered[3] ^= 0x80;
        const wideIv = crypto.getRandomValues(new Uint8Array(16));
        const k256 = await S.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
        const wide = await S.decrypt({ name: "AES-GCM", iv: wideIv }, k256, await S.encrypt({ name: "AES-GCM", iv: wideIv }, k256, utf8("hi")));
        return {
          sealed: hex(sealed), opened: hex(opened) === hex(plain),
          shortTag: hex(short) === hex(sealed).slice(0, -8),
          shortOpens: hex(await S.decrypt({ name: "AES-GCM", iv, additionalData, tagLength: 96 }, key, short)) === hex(plain),
          tampered: await err(S.decrypt({ name: "AES-GCM", iv, additionalData }, key, tampered)),
          wrongAad: await err(S.decrypt({ name: "AES-GCM", iv }, key, sealed)),
          badTagLength: await err(S.encrypt({ name: "AES-GCM", iv, tagLength: 100 }, key, plain)),
          wideIv: new TextDecoder().decode(wide),
          jwk: (await S.exportKey("jwk", k256)).alg,
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"sealed":"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47","#,
            r#""opened":true,"shortTag":true,"shortOpens":true,"tampered":"OperationError","wrongAad":"OperationError","#,
            r#""badTagLength":"OperationError","wideIv":"hi","jwk":"A256GCM"}"#
        )
    );
}

#[tokio::test]
async fn aes_cbc_and_ctr_sp800_38a_vectors() {
    let out = run(r#"
        const k = unhex("2b7e151628aed2a6abf7158809cf4f3c");
        const plain = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
        const cbcKey = await S.importKey("raw", k, { name: "aes-cbc" }, false, ["encrypt", "decrypt"]);
        const iv = unhex("000102030405060708090a0b0c0d0e0f");
        const cbc = new Uint8Array(await S.encrypt({ name: "AES-CBC", iv }, cbcKey, plain));
        const ctrKey = await S.importKey("raw", k, "AES-CTR", false, ["encrypt", "decrypt"]);
        const counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        const ctr = await S.encrypt({ name: "AES-CTR", counter, length: 64 }, ctrKey, plain);
        const ctr8 = hex(await S.encrypt({ name: "AES-CTR", counter, length: 8 }, ctrKey, plain));
        return {
          cbc: hex(cbc.subarray(0, 64)), cbcLength: cbc.length,
          cbcBack: hex(await S.decrypt({ name: "AES-CBC", iv }, cbcKey, cbc)) === hex(plain),
          cbcBadIv: await err(S.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbcKey, plain)),
          cbcBadPadding: await err(S.decrypt({ name: "AES-CBC", iv }, cbcKey, cbc.subarray(0, 64))),
          ctr: hex(ctr),
          ctrBack: hex(await S.decrypt({ name: "AES-CTR", counter, length: 64 }, ctrKey, ctr)) === hex(plain),
          ctr8: [ctr8.slice(0, 32) === hex(ctr).slice(0, 32), ctr8.slice(32, 64) === hex(ctr).slice(32, 64)],
          ctrBadLength: await err(S.encrypt({ name: "AES-CTR", counter, length: 0 }, ctrKey, plain)),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"cbc":"7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7","#,
            r#""cbcLength":80,"cbcBack":true,"cbcBadIv":"OperationError","cbcBadPadding":"OperationError","#,
            r#""ctr":"874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee","#,
            r#""ctrBack":true,"ctr8":[true,false],"ctrBadLength":"OperationError"}"#
        )
    );
}

#[tokio::test]
async fn aes_kw_rfc3394_vectors() {
    let out = run(r#"
        const kek128 = await S.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
        const kek256 = await S.importKey("jwk", { kty: "oct", k: b64url(unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")), alg: "A256KW" }, "AES-KW", false, ["wrapKey", "unwrapKey"]);
        const key128 = await S.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-CBC", true, ["encrypt"]);
        const key256 = await S.importKey("raw", unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f"), "AES-GCM", true, ["encrypt"]);
        const w1 = await S.wrapKey("raw", key128, kek128, "AES-KW");
        const w2 = await S.wrapKey("raw", key256, kek256, { name: "AES-KW" });
        const back = await S.unwrapKey("raw", w2, kek256, "AES-KW", "AES-GCM", true, ["decrypt"]);
        const bad = new Uint8Array(w1).slice();
        bad[0] ^= 1;
        return {
          w1: hex(w1), w2: hex(w2),
          back: [hex(await S.exportKey("raw", back)), back.algorithm, back.usages],
          tampered: await err(S.unwrapKey("raw", bad, kek128, "AES-KW", "AES-CBC", true, ["encrypt"])),
          noUsage: await err(S.wrapKey("raw", key128, key256, "AES-KW")),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"w1":"1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5","#,
            r#""w2":"28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21","#,
            r#""back":["00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",{"name":"AES-GCM","length":256},["decrypt"]],"#,
            r#""tampered":"OperationError","noUsage":"InvalidAccessError"}"#
        )
    );
}

#[tokio::test]
async fn hkdf_rfc5869_case_1_and_derive_key() {
    let out = run(r#"
        const key = await S.importKey("raw", unhex("0b".repeat(22)), "HKDF", false, ["deriveBits", "deriveKey"]);
        const params = { name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9") };
        const okm = hex(await S.deriveBits(params, key, 336));
        const aes = await S.deriveKey(params, key, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
        const mac = await S.deriveKey(params, key, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
        return {
          okm,
          aes: hex(await S.exportKey("raw", aes)) === okm.slice(0, 32),
          hmacBits: mac.algorithm.length,
          hmac: hex(await S.exportKey("raw", mac)) === hex(await S.deriveBits(params, key, 512)),
          noLength: await err(S.deriveBits(params, key)),
          oddLength: await err(S.deriveBits(params, key, 12)),
          tooLong: await err(S.deriveBits(params, key, 255 * 256 + 8)),
          extractable: await err(S.importKey("raw", utf8("k"), "HKDF", true, ["deriveBits"])),
          // The spec checks "can this algorithm export at all" (no) before "is this key extractable".
          exportable: await err(S.exportKey("raw", key)),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"okm":"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865","#,
            r#""aes":true,"hmacBits":512,"hmac":true,"noLength":"OperationError","oddLength":"OperationError","#,
            r#""tooLong":"OperationError","extractable":"SyntaxError","exportable":"NotSupportedError"}"#
        )
    );
}

#[tokio::test]
async fn pbkdf2_rfc6070_vectors() {
    let out = run(r#"
        const derive = async (password, salt, iterations, bits) => {
          const key = await S.importKey("raw", utf8(password), { name: "PBKDF2" }, false, ["deriveBits", "deriveKey"]);
          return hex(await S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: utf8(salt), iterations }, key, bits));
        };
        const key = await S.importKey("raw", utf8("hunter2"), "PBKDF2", false, ["deriveKey"]);
        const params = { name: "PBKDF2", hash: "SHA-256", salt: utf8("NaCl"), iterations: 1000 };
        const aes = await S.deriveKey(params, key, { name: "AES-CBC", length: 256 }, false, ["encrypt", "decrypt"]);
        const iv = new Uint8Array(16);
        const again = await S.deriveKey(params, key, { name: "AES-CBC", length: 256 }, false, ["decrypt"]);
        return [
          await derive("password", "salt", 1, 160),
          await derive("password", "salt", 2, 160),
          await derive("password", "salt", 4096, 160),
          await derive("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 200),
          new TextDecoder().decode(await S.decrypt({ name: "AES-CBC", iv }, again, await S.encrypt({ name: "AES-CBC", iv }, aes, utf8("same key")))),
          await err(S.deriveBits({ ...params, iterations: 0 }, await S.importKey("raw", utf8("p"), "PBKDF2", false, ["deriveBits"]), 128)),
          await err(S.deriveBits({ ...params, iterations: 100001 }, await S.importKey("raw", utf8("p"), "PBKDF2", false, ["deriveBits"]), 128)),
          await err(S.deriveBits(params, key, 128)),
          await err(S.deriveBits(params, await S.importKey("raw", utf8("p"), "PBKDF2", false, ["deriveBits"]), 8192 + 8)),
        ];
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"["0c60c80f961f0e71f3a9b524af6012062fe037a6","ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957","#,
            r#""4b007901b765489abead49d926f721d065a429c1","3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038","#,
            r#""same key","OperationError","NotSupportedError","InvalidAccessError","NotSupportedError"]"#
        )
    );
}

#[tokio::test]
async fn ed25519_rfc8032_test_1_and_formats() {
    let out = run(r#"
        const seed = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        const pk = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        const pkcs8 = new Uint8Array([...unhex("302e020100300506032b657004220420"), ...seed]);
        const priv = await S.importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
        const pub = await S.importKey("raw", pk, { name: "ed25519" }, true, ["verify"]);
        const sig = await S.sign("Ed25519", priv, new Uint8Array(0));
        const jwk = await S.exportKey("jwk", priv);
        const fromJwk = await S.importKey("jwk", jwk, "Ed25519", false, ["sign"]);
        const spkiPub = await S.importKey("spki", await S.exportKey("spki", pub), "Ed25519", true, ["verify"]);
        const pair = await S.generateKey("Ed25519", false, ["sign", "verify"]);
        const msg = utf8("generated");
        return {
          sig: hex(sig),
          verifies: await S.verify("Ed25519", pub, sig, new Uint8Array(0)),
          wrongMessage: await S.verify("Ed25519", pub, sig, new Uint8Array(1)),
          jwk: [jwk.kty, jwk.crv, hex(b64u(jwk.x)) === hex(pk), hex(b64u(jwk.d)) === hex(seed)],
          jwkSigns: hex(await S.sign("Ed25519", fromJwk, new Uint8Array(0))) === hex(sig),
          spki: await S.verify("Ed25519", spkiPub, sig, new Uint8Array(0)),
          pkcs8Same: hex(await S.exportKey("pkcs8", priv)) === hex(pkcs8),
          generated: await S.verify("Ed25519", pair.publicKey, await S.sign("Ed25519", pair.privateKey, msg), msg),
          alg: pair.privateKey.algorithm,
          wrongX: await err(S.importKey("jwk", { ...jwk, x: b64url(new Uint8Array(32).fill(7)) }, "Ed25519", false, ["sign"])),
          x25519Spki: await err(S.importKey("spki", await S.exportKey("spki", pub), "X25519", true, [])),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"sig":"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b","#,
            r#""verifies":true,"wrongMessage":false,"jwk":["OKP","Ed25519",true,true],"jwkSigns":true,"spki":true,"#,
            r#""pkcs8Same":true,"generated":true,"alg":{"name":"Ed25519"},"wrongX":"DataError","x25519Spki":"DataError"}"#
        )
    );
}

#[tokio::test]
async fn x25519_rfc7748_vector() {
    let out = run(r#"
        const alice = await S.importKey("pkcs8", unhex("302e020100300506032b656e0422042077076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), "X25519", true, ["deriveBits", "deriveKey"]);
        const bob = await S.importKey("raw", unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "X25519", true, []);
        const a = await S.generateKey("X25519", false, ["deriveBits"]);
        const b = await S.generateKey({ name: "X25519" }, false, ["deriveBits"]);
        const ab = hex(await S.deriveBits({ name: "X25519", public: b.publicKey }, a.privateKey, null));
        const ba = hex(await S.deriveBits({ name: "X25519", public: a.publicKey }, b.privateKey));
        const zero = await S.importKey("raw", new Uint8Array(32), "X25519", true, []);
        const aes = await S.deriveKey({ name: "X25519", public: bob }, alice, { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
        return {
          shared: hex(await S.deriveBits({ name: "X25519", public: bob }, alice, 256)),
          short: hex(await S.deriveBits({ name: "X25519", public: bob }, alice, 64)),
          alicePublic: hex(b64u((await S.exportKey("jwk", alice)).x)),
          aes: hex(await S.exportKey("raw", aes)),
          agree: ab === ba && ab.length === 64,
          publicUsages: a.publicKey.usages,
          smallOrder: await err(S.deriveBits({ name: "X25519", public: zero }, alice, 256)),
          privateAsPublic: await err(S.deriveBits({ name: "X25519", public: alice }, alice, 256)),
          publicUsage: await err(S.importKey("raw", new Uint8Array(32), "X25519", true, ["deriveBits"])),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"shared":"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742","short":"4a5d9d5ba4ce2de1","#,
            r#""alicePublic":"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a","#,
            r#""aes":"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742","agree":true,"publicUsages":[],"#,
            r#""smallOrder":"OperationError","privateAsPublic":"InvalidAccessError","publicUsage":"SyntaxError"}"#
        )
    );
}

#[tokio::test]
async fn rsa_signatures_against_openssl() {
    let out = run(r#"
        const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        const priv = await S.importKey("pkcs8", b64d(F.rsaPkcs8), alg, true, ["sign"]);
        const pub = await S.importKey("spki", b64d(F.rsaSpki), alg, true, ["verify"]);
        const sig = await S.sign("RSASSA-PKCS1-v1_5", priv, utf8("hello"));
        const pss = { name: "RSA-PSS", hash: "SHA-256" };
        const pssPub = await S.importKey("spki", b64d(F.rsaSpki), pss, false, ["verify"]);
        const pssPriv = await S.importKey("pkcs8", b64d(F.rsaPkcs8), pss, false, ["sign"]);
        const mine = await S.sign({ name: "RSA-PSS", saltLength: 32 }, pssPriv, utf8("hello"));
        const again = await S.sign({ name: "RSA-PSS", saltLength: 32 }, pssPriv, utf8("hello"));
        return {
          sameAsOpenssl: hex(sig) === hex(b64d(F.rs256Hello)),
          opensslVerifies: await S.verify(alg, pub, b64d(F.rs256Hello), utf8("hello")),
          otherMessage: await S.verify(alg, pub, sig, utf8("hellO")),
          alg: { ...pub.algorithm, publicExponent: Array.from(pub.algorithm.publicExponent) },
          pssOpenssl: await S.verify({ name: "RSA-PSS", saltLength: 32 }, pssPub, b64d(F.pssHello), utf8("hello")),
          pssWrongSalt: await S.verify({ name: "RSA-PSS", saltLength: 20 }, pssPub, b64d(F.pssHello), utf8("hello")),
          pssOwn: await S.verify({ name: "RSA-PSS", saltLength: 32 }, pssPub, mine, utf8("hello")),
          pssRandomized: hex(mine) !== hex(again),
          pkcs1KeyForPss: await err(S.sign({ name: "RSA-PSS", saltLength: 32 }, priv, utf8("x"))),
          publicSigns: await err(S.sign("RSASSA-PKCS1-v1_5", pub, utf8("x"))),
          missingSalt: await err(S.sign({ name: "RSA-PSS" }, pssPriv, utf8("x"))),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"sameAsOpenssl":true,"opensslVerifies":true,"otherMessage":false,"#,
            r#""alg":{"name":"RSASSA-PKCS1-v1_5","modulusLength":2048,"publicExponent":[1,0,1],"hash":{"name":"SHA-256"}},"#,
            r#""pssOpenssl":true,"pssWrongSalt":false,"pssOwn":true,"pssRandomized":true,"#,
            r#""pkcs1KeyForPss":"InvalidAccessError","publicSigns":"InvalidAccessError","missingSalt":"TypeError"}"#
        )
    );
}

#[tokio::test]
async fn rsa_oaep_against_openssl() {
    let out = run(r#"
        const alg = { name: "RSA-OAEP", hash: "SHA-256" };
        const priv = await S.importKey("pkcs8", b64d(F.rsaPkcs8), alg, false, ["decrypt", "unwrapKey"]);
        const pub = await S.importKey("spki", b64d(F.rsaSpki), alg, false, ["encrypt", "wrapKey"]);
        const ct = await S.encrypt({ name: "RSA-OAEP" }, pub, utf8("secret"));
        const aes = await S.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt"]);
        const wrapped = await S.wrapKey("raw", aes, pub, { name: "RSA-OAEP", label: utf8("wrap") });
        const unwrapped = await S.unwrapKey("raw", wrapped, priv, { name: "RSA-OAEP", label: utf8("wrap") }, "AES-GCM", true, ["encrypt"]);
        const dec = new TextDecoder();
        return {
          openssl: dec.decode(await S.decrypt({ name: "RSA-OAEP", label: utf8("lbl") }, priv, b64d(F.oaepHello))),
          wrongLabel: await err(S.decrypt({ name: "RSA-OAEP" }, priv, b64d(F.oaepHello))),
          length: ct.byteLength,
          roundTrip: dec.decode(await S.decrypt({ name: "RSA-OAEP" }, priv, ct)),
          randomized: hex(ct) !== hex(await S.encrypt({ name: "RSA-OAEP" }, pub, utf8("secret"))),
          wrapped: hex(await S.exportKey("raw", unwrapped)) === hex(await S.exportKey("raw", aes)),
          tooLong: await err(S.encrypt({ name: "RSA-OAEP" }, pub, new Uint8Array(300))),
          signUsage: await err(S.importKey("spki", b64d(F.rsaSpki), alg, false, ["sign"])),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"openssl":"hello","wrongLabel":"OperationError","length":256,"roundTrip":"secret","randomized":true,"#,
            r#""wrapped":true,"tooLong":"OperationError","signUsage":"SyntaxError"}"#
        )
    );
}

#[tokio::test]
async fn rsa_key_formats_round_trip() {
    let out = run(r#"
        const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        const fromJwk = await S.importKey("jwk", F.rsaJwk, alg, true, ["sign"]);
        const jwk = await S.exportKey("jwk", fromJwk);
        const pub = await S.importKey("jwk", { ...F.rsaPublicJwk, alg: "RS256" }, alg, true, ["verify"]);
        const pubJwk = await S.exportKey("jwk", pub);
        const sig = await S.sign(alg, fromJwk, utf8("m"));
        return {
          pkcs8: hex(await S.exportKey("pkcs8", fromJwk)) === hex(b64d(F.rsaPkcs8)),
          spki: hex(await S.exportKey("spki", pub)) === hex(b64d(F.rsaSpki)),
          members: ["n", "e", "d", "p", "q", "dp", "dq", "qi"].filter((m) => jwk[m] !== F.rsaJwk[m]),
          jwk: [jwk.kty, jwk.alg, jwk.key_ops, jwk.ext],
          pubJwk: Object.keys(pubJwk).sort(),
          verifies: await S.verify(alg, pub, sig, utf8("m")),
          types: [fromJwk.type, pub.type],
          spkiOfPrivate: await err(S.exportKey("spki", fromJwk)),
          pkcs8OfPublic: await err(S.exportKey("pkcs8", pub)),
          rawRsa: await err(S.exportKey("raw", pub)),
          wrongJwkAlg: await err(S.importKey("jwk", { ...F.rsaPublicJwk, alg: "PS256" }, alg, true, ["verify"])),
          badModulus: await err(S.importKey("jwk", { ...F.rsaJwk, n: F.rsaJwk.e }, alg, true, ["sign"])),
          oaepNames: (await S.exportKey("jwk", await S.importKey("spki", b64d(F.rsaSpki), { name: "RSA-OAEP", hash: "SHA-1" }, true, ["encrypt"]))).alg,
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"pkcs8":true,"spki":true,"members":[],"jwk":["RSA","RS256",["sign"],true],"#,
            r#""pubJwk":["alg","e","ext","key_ops","kty","n"],"verifies":true,"types":["private","public"],"#,
            r#""spkiOfPrivate":"InvalidAccessError","pkcs8OfPublic":"InvalidAccessError","rawRsa":"NotSupportedError","#,
            r#""wrongJwkAlg":"DataError","badModulus":"DataError","oaepNames":"RSA-OAEP"}"#
        )
    );
}

#[tokio::test]
async fn rsa_generate_key() {
    let out = run(r#"
        const { publicKey, privateKey } = await S.generateKey(
          { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
          true, ["sign", "verify"]);
        const params = { name: "RSA-PSS", saltLength: 48 };
        const sig = await S.sign(params, privateKey, utf8("m"));
        const reimported = await S.importKey("spki", await S.exportKey("spki", publicKey), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
        const bad = (extra) => err(S.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256", ...extra }, true, ["encrypt", "decrypt"]));
        return {
          public: [publicKey.type, publicKey.extractable, publicKey.usages],
          private: [privateKey.type, privateKey.extractable, privateKey.usages],
          alg: [privateKey.algorithm.modulusLength, Array.from(privateKey.algorithm.publicExponent), privateKey.algorithm.hash.name],
          sigLength: sig.byteLength,
          verifies: await S.verify(params, reimported, sig, utf8("m")),
          badExponent: await bad({ publicExponent: new Uint8Array([7]) }),
          tooSmall: await bad({ modulusLength: 256 }),
          notBytes: await bad({ publicExponent: [1, 0, 1] }),
          badUsage: await bad({ name: "RSASSA-PKCS1-v1_5" }),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"public":["public",true,["verify"]],"private":["private",true,["sign"]],"alg":[2048,[1,0,1],"SHA-384"],"#,
            r#""sigLength":256,"verifies":true,"badExponent":"OperationError","tooSmall":"OperationError","#,
            r#""notBytes":"TypeError","badUsage":"SyntaxError"}"#
        )
    );
}

#[tokio::test]
async fn ecdsa_against_openssl() {
    let out = run(r#"
        const alg = { name: "ECDSA", namedCurve: "P-256" };
        const pub = await S.importKey("raw", b64d(F.p256Raw), alg, true, ["verify"]);
        const priv = await S.importKey("pkcs8", b64d(F.p256Pkcs8), alg, true, ["sign"]);
        const sha256 = { name: "ECDSA", hash: "SHA-256" };
        const [h, p, s] = F.es256Jwt.split(".");
        const sig = await S.sign(sha256, priv, utf8("hello"));
        const p384 = { name: "ECDSA", namedCurve: "P-384" };
        const p384Priv = await S.importKey("jwk", F.p384Jwk, p384, true, ["sign"]);
        const { d, ...p384PubJwk } = F.p384Jwk;
        const p384Pub = await S.importKey("jwk", p384PubJwk, p384, true, ["verify"]);
        const sha384 = { name: "ECDSA", hash: "SHA-384" };
        const own384 = await S.sign(sha384, p384Priv, utf8("x"));
        const tampered = new Uint8Array(sig).slice();
        tampered[40] ^= 1;
        return {
          jwt: await S.verify(sha256, pub, b64u(s), utf8(h + "." + p)),
          jwtOtherPayload: await S.verify(sha256, pub, b64u(s), utf8(h + "." + p + "x")),
          sigLength: sig.byteLength,
          own: await S.verify(sha256, pub, sig, utf8("hello")),
          tampered: await S.verify(sha256, pub, tampered, utf8("hello")),
          derShaped: await S.verify(sha256, pub, new Uint8Array(70), utf8("hello")),
          otherHash: await S.verify({ name: "ECDSA", hash: "SHA-512" }, pub, await S.sign({ name: "ECDSA", hash: "SHA-512" }, priv, utf8("m")), utf8("m")),
          p384Openssl: await S.verify(sha384, p384Pub, b64d(F.es384Hello), utf8("hello")),
          p384Length: own384.byteLength,
          p384Own: await S.verify(sha384, p384Pub, own384, utf8("x")),
          alg: p384Priv.algorithm,
          wrongCurve: await err(S.importKey("pkcs8", b64d(F.p256Pkcs8), p384, true, ["sign"])),
          crvMismatch: await err(S.importKey("jwk", F.p384Jwk, alg, true, ["sign"])),
          wrongD: await err(S.importKey("jwk", { ...F.p256Jwk, d: F.p256bJwk.d }, alg, true, ["sign"])),
          jwkAlg: await err(S.importKey("jwk", { ...F.p256Jwk, alg: "ES384" }, alg, true, ["sign"])),
          p521: await err(S.importKey("raw", b64d(F.p256Raw), { name: "ECDSA", namedCurve: "P-521" }, true, ["verify"])),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"jwt":true,"jwtOtherPayload":false,"sigLength":64,"own":true,"tampered":false,"derShaped":false,"#,
            r#""otherHash":true,"p384Openssl":true,"p384Length":96,"p384Own":true,"#,
            r#""alg":{"name":"ECDSA","namedCurve":"P-384"},"wrongCurve":"DataError","crvMismatch":"DataError","#,
            r#""wrongD":"DataError","jwkAlg":"DataError","p521":"NotSupportedError"}"#
        )
    );
}

#[tokio::test]
async fn ec_key_formats_round_trip() {
    let out = run(r#"
        const out = {};
        for (const namedCurve of ["P-256", "P-384"]) {
          const alg = { name: "ECDSA", namedCurve };
          const hash = { name: "ECDSA", hash: "SHA-256" };
          const { publicKey, privateKey } = await S.generateKey(alg, true, ["sign", "verify"]);
          const raw = new Uint8Array(await S.exportKey("raw", publicKey));
          const jwk = await S.exportKey("jwk", privateKey);
          const publics = [
            await S.importKey("raw", raw, alg, true, ["verify"]),
            await S.importKey("spki", await S.exportKey("spki", publicKey), alg, true, ["verify"]),
            await S.importKey("jwk", await S.exportKey("jwk", publicKey), alg, true, ["verify"]),
          ];
          const privates = [
            await S.importKey("pkcs8", await S.exportKey("pkcs8", privateKey), alg, true, ["sign"]),
            await S.importKey("jwk", jwk, alg, true, ["sign"]),
          ];
          const results = [];
          for (const priv of privates) {
            const sig = await S.sign(hash, priv, utf8("m"));
            for (const pub of publics) results.push(await S.verify(hash, pub, sig, utf8("m")));
          }
          out[namedCurve] = {
            raw: [raw.length, raw[0]],
            jwk: [jwk.kty, jwk.crv, b64u(jwk.x).length, b64u(jwk.d).length, jwk.key_ops],
            results: results.every((r) => r) && results.length === 6,
            pkcs8Again: hex(await S.exportKey("pkcs8", privates[1])) === hex(await S.exportKey("pkcs8", privateKey)),
          };
        }
        const fixture = await S.importKey("jwk", F.p256Jwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
        const back = await S.exportKey("jwk", fixture);
        out.fixture = back.x === F.p256Jwk.x && back.y === F.p256Jwk.y && back.d === F.p256Jwk.d;
        out.rawPrivate = await err(S.exportKey("raw", fixture));
        return out;
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"P-256":{"raw":[65,4],"jwk":["EC","P-256",32,32,["sign"]],"results":true,"pkcs8Again":true},"#,
            r#""P-384":{"raw":[97,4],"jwk":["EC","P-384",48,48,["sign"]],"results":true,"pkcs8Again":true},"#,
            r#""fixture":true,"rawPrivate":"InvalidAccessError"}"#
        )
    );
}

#[tokio::test]
async fn ecdh_against_openssl() {
    let out = run(r#"
        const alg = { name: "ECDH", namedCurve: "P-256" };
        const a = await S.importKey("jwk", F.p256Jwk, alg, false, ["deriveBits"]);
        const bPub = await S.importKey("jwk", { kty: "EC", crv: "P-256", x: F.p256bJwk.x, y: F.p256bJwk.y }, alg, true, []);
        const x = await S.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits", "deriveKey"]);
        const y = await S.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
        const xy = hex(await S.deriveBits({ name: "ECDH", public: y.publicKey }, x.privateKey, null));
        const yx = hex(await S.deriveBits({ name: "ECDH", public: x.publicKey }, y.privateKey, 384));
        const kw = await S.deriveKey({ name: "ECDH", public: y.publicKey }, x.privateKey, { name: "AES-KW", length: 256 }, true, ["wrapKey"]);
        const ecdsaPub = await S.importKey("jwk", { kty: "EC", crv: "P-256", x: F.p256bJwk.x, y: F.p256bJwk.y }, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
        return {
          openssl: hex(await S.deriveBits({ name: "ECDH", public: bPub }, a, 256)) === F.p256Shared,
          short: hex(await S.deriveBits({ name: "ECDH", public: bPub }, a, 100)),
          tooLong: await err(S.deriveBits({ name: "ECDH", public: bPub }, a, 264)),
          agree: xy === yx && xy.length === 96,
          publicUsages: x.publicKey.usages,
          kw: [hex(await S.exportKey("raw", kw)) === xy.slice(0, 64), kw.algorithm],
          otherCurve: await err(S.deriveBits({ name: "ECDH", public: bPub }, x.privateKey, 256)),
          ecdsaPeer: await err(S.deriveBits({ name: "ECDH", public: ecdsaPub }, a, 256)),
          noDeriveKeyUsage: await err(S.deriveKey({ name: "ECDH", public: bPub }, a, { name: "AES-GCM", length: 128 }, true, ["encrypt"])),
          notAKey: await err(S.deriveBits({ name: "ECDH", public: {} }, a, 256)),
        };
    "#).await;
    let short = {
        // The first 100 bits of the OpenSSL secret: 12 bytes, then the top 4 bits of the 13th.
        let hex = "27882e495bdfd388a877aabe82e3d110ec67dd57c71556e5bb4be36b2c2eb253";
        format!("{}{}0", &hex[..24], &hex[24..25])
    };
    assert_eq!(
        out,
        format!(
            concat!(
                r#"{{"openssl":true,"short":"{}","tooLong":"OperationError","agree":true,"publicUsages":[],"#,
                r#""kw":[true,{{"name":"AES-KW","length":256}}],"otherCurve":"InvalidAccessError","ecdsaPeer":"InvalidAccessError","#,
                r#""noDeriveKeyUsage":"InvalidAccessError","notAKey":"TypeError"}}"#
            ),
            short
        )
    );
}

/// What a worker does with a JWT: pick the algorithm from the header, import the issuer's public JWK, verify.
const VERIFY_JWT: &str = r#"
    const verifyJwt = async (token, jwk) => {
      const [h, p, s] = token.split(".");
      const header = JSON.parse(new TextDecoder().decode(b64u(h)));
      const algorithm = header.alg === "RS256"
        ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
        : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
      const key = await crypto.subtle.importKey("jwk", jwk, algorithm, false, ["verify"]);
      const ok = await crypto.subtle.verify(algorithm, key, b64u(s), new TextEncoder().encode(h + "." + p));
      return ok ? JSON.parse(new TextDecoder().decode(b64u(p))) : null;
    };
"#;

#[tokio::test]
async fn real_rs256_and_es256_jwts_verify() {
    let body = format!(
        "{VERIFY_JWT}{}",
        r#"
        const { d, ...es256Public } = F.p256Jwk;
        const [h, p, s] = F.rs256Jwt.split(".");
        const forged = b64url(utf8(JSON.stringify({ sub: "admin", name: "Ada", iat: 1700000000 })));
        return {
          rs256: await verifyJwt(F.rs256Jwt, { ...F.rsaPublicJwk, alg: "RS256", use: "sig" }),
          es256: await verifyJwt(F.es256Jwt, { ...es256Public, alg: "ES256" }),
          forged: await verifyJwt([h, forged, s].join("."), F.rsaPublicJwk),
          wrongKey: await verifyJwt(F.es256Jwt, { kty: "EC", crv: "P-256", x: F.p256bJwk.x, y: F.p256bJwk.y }),
        };
    "#
    );
    let out = run(&body).await;
    assert_eq!(
        out,
        concat!(
            r#"{"rs256":{"sub":"user-42","name":"Ada","iat":1700000000},"#,
            r#""es256":{"sub":"user-42","name":"Ada","iat":1700000000},"forged":null,"wrongKey":null}"#
        )
    );
}

#[tokio::test]
async fn wrap_and_unwrap_as_jwk_with_aes_gcm() {
    let out = run(r#"
        const wrapper = await S.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
        const mac = await S.importKey("raw", utf8("secret-key"), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
        const iv = crypto.getRandomValues(new Uint8Array(12));
        const wrapped = await S.wrapKey("jwk", mac, wrapper, { name: "AES-GCM", iv });
        const back = await S.unwrapKey("jwk", wrapped, wrapper, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        const hidden = await S.importKey("raw", utf8("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        return {
          same: hex(await S.sign("HMAC", back, utf8("m"))) === hex(await S.sign("HMAC", mac, utf8("m"))),
          back: [back.extractable, back.usages],
          notExtractable: await err(S.wrapKey("raw", hidden, wrapper, { name: "AES-GCM", iv })),
          wrongIv: await err(S.unwrapKey("jwk", wrapped, wrapper, { name: "AES-GCM", iv: new Uint8Array(12) }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
          noUsages: await err(S.unwrapKey("jwk", wrapped, wrapper, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, false, [])),
        };
    "#).await;
    assert_eq!(
        out,
        r#"{"same":true,"back":[false,["sign"]],"notExtractable":"InvalidAccessError","wrongIv":"OperationError","noUsages":"SyntaxError"}"#
    );
}

#[tokio::test]
async fn errors_have_the_spec_names() {
    let out = run(r#"
        const mac = await S.importKey("raw", utf8("k"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
        const aes = await S.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]);
        const hmac256 = { name: "HMAC", hash: "SHA-256" };
        const rejection = await S.digest("SHA-3", utf8("x")).catch((e) => e);
        return {
          InvalidAccessError: [
            await err(S.sign("HMAC", mac, utf8("x"))),
            await err(S.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, aes, utf8("x"))),
            await err(S.exportKey("raw", aes)),
            await err(S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, new Uint8Array(32))),
          ],
          DataError: [
            await err(S.importKey("raw", new Uint8Array(5), "AES-GCM", true, ["encrypt"])),
            await err(S.importKey("spki", new Uint8Array([48, 3, 1, 2, 3]), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"])),
            await err(S.importKey("pkcs8", utf8("not der"), { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])),
            await err(S.importKey("jwk", { kty: "RSA", k: "AAAA" }, hmac256, true, ["sign"])),
            await err(S.importKey("jwk", { kty: "oct", k: "AAAA", alg: "HS512" }, hmac256, true, ["sign"])),
            await err(S.importKey("jwk", { kty: "oct", k: "AAAA", key_ops: ["verify"] }, hmac256, true, ["sign"])),
            await err(S.importKey("jwk", { kty: "oct", k: "AAAA", ext: false }, hmac256, true, ["sign"])),
            await err(S.importKey("jwk", { kty: "oct", k: "!!" }, hmac256, true, ["sign"])),
            await err(S.importKey("raw", new Uint8Array(65).fill(4, 0, 1), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"])),
            await err(S.importKey("raw", new Uint8Array(0), hmac256, true, ["sign"])),
          ],
          NotSupportedError: [
            await err(S.digest("SHA-3", utf8("x"))),
            await err(S.generateKey({ name: "FOO" }, true, ["sign"])),
            await err(S.encrypt({ name: "AES-KW" }, aes, utf8("x"))),
            await err(S.generateKey({ name: "ECDSA", namedCurve: "P-521" }, true, ["sign"])),
            await err(S.importKey("raw", utf8("k"), { name: "HMAC", hash: "MD5" }, true, ["sign"])),
            await err(S.importKey("spki", utf8("k"), hmac256, true, ["sign"])),
            await err(S.sign("AES-GCM", aes, utf8("x"))),
          ],
          SyntaxError: [
            await err(S.generateKey(hmac256, true, [])),
            await err(S.importKey("raw", utf8("k"), hmac256, true, ["encrypt"])),
            await err(S.importKey("raw", utf8("k"), "PBKDF2", true, ["deriveBits"])),
            await err(S.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["verify"])),
          ],
          TypeError: [
            await err(S.importKey("raw", utf8("k"), hmac256, true, ["fly"])),
            await err(S.digest({}, utf8("x"))),
            await err(S.digest(42, utf8("x"))),
            await err(S.importKey("raw", utf8("k"), { name: "HMAC" }, true, ["sign"])),
            await err(S.sign("HMAC", {}, utf8("x"))),
            await err(S.digest("SHA-256", "abc")),
            await err(S.exportKey("pem", aes)),
            await err(S.digest("SHA-256")),
            await err(S.importKey("jwk", "{}", hmac256, true, ["sign"])),
            await err(S.generateKey({ name: "AES-GCM", length: -1 }, true, ["encrypt"])),
          ],
          OperationError: [
            await err(S.generateKey({ name: "AES-GCM", length: 100 }, true, ["encrypt"])),
            await err(S.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) },
              await S.importKey("raw", utf8("k"), "HKDF", false, ["deriveKey"]), { name: "AES-GCM", length: 64 }, false, ["encrypt"])),
          ],
          isDOMException: rejection instanceof DOMException && rejection instanceof Error,
          code: rejection.code,
          rejectsRatherThanThrows: S.digest("nope", utf8("x")) instanceof Promise,
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"InvalidAccessError":["InvalidAccessError","InvalidAccessError","InvalidAccessError","InvalidAccessError"],"#,
            r#""DataError":["DataError","DataError","DataError","DataError","DataError","DataError","DataError","DataError","DataError","DataError"],"#,
            r#""NotSupportedError":["NotSupportedError","NotSupportedError","NotSupportedError","NotSupportedError","NotSupportedError","NotSupportedError","NotSupportedError"],"#,
            r#""SyntaxError":["SyntaxError","SyntaxError","SyntaxError","SyntaxError"],"#,
            r#""TypeError":["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"],"#,
            r#""OperationError":["OperationError","OperationError"],"isDOMException":true,"code":9,"rejectsRatherThanThrows":true}"#
        )
    );
}

#[tokio::test]
async fn crypto_key_hides_its_material() {
    let out = run(r#"
        const key = await S.importKey("raw", new Uint8Array(16).fill(0x41), "AES-CBC", false, ["encrypt", "decrypt", "encrypt"]);
        let ctor, subtleCtor;
        try { new CryptoKey(); ctor = "constructed"; } catch (e) { ctor = e.name; }
        try { new SubtleCrypto(); subtleCtor = "constructed"; } catch (e) { subtleCtor = e.name; }
        const getter = Object.getOwnPropertyDescriptor(CryptoKey.prototype, "type").get;
        let forged;
        try { getter.call({}); forged = "read"; } catch (e) { forged = e.name; }
        return {
          ctor, subtleCtor, forged,
          tag: Object.prototype.toString.call(key),
          own: Reflect.ownKeys(key).length,
          json: JSON.stringify(key),
          usages: key.usages,
          sameObjects: key.algorithm === key.algorithm && key.usages === key.usages,
          alg: JSON.parse(JSON.stringify(key.algorithm)),
          instance: key instanceof CryptoKey,
          subtle: crypto.subtle instanceof SubtleCrypto && crypto.subtle === crypto.subtle,
          protoKeys: Object.keys(CryptoKey.prototype),
          clone: await err(Promise.resolve().then(() => structuredClone(key))),
          mutatedAlgorithm: (() => { key.algorithm.length = 1; return key.algorithm.length; })(),
        };
    "#).await;
    assert_eq!(
        out,
        concat!(
            r#"{"ctor":"TypeError","subtleCtor":"TypeError","forged":"TypeError","tag":"[object CryptoKey]","own":0,"json":"{}","#,
            r#""usages":["encrypt","decrypt"],"sameObjects":true,"alg":{"name":"AES-CBC","length":128},"instance":true,"#,
            r#""subtle":true,"protoKeys":["type","extractable","algorithm","usages"],"clone":"DataCloneError","mutatedAlgorithm":1}"#
        )
    );
}

#[tokio::test]
async fn timing_safe_equal_compares_bytes() {
    let out = run(r#"
        let lengths, types;
        try { S.timingSafeEqual(new Uint8Array(2), new Uint8Array(3)); lengths = "compared"; } catch (e) { lengths = e.name; }
        try { S.timingSafeEqual("ab", "ab"); types = "compared"; } catch (e) { types = e.name; }
        const big = crypto.getRandomValues(new Uint8Array(4096));
        const other = big.slice();
        other[4095] ^= 1;
        return {
          same: S.timingSafeEqual(utf8("abc"), utf8("abc").buffer),
          differ: S.timingSafeEqual(utf8("abc"), utf8("abd")),
          empty: S.timingSafeEqual(new Uint8Array(0), new ArrayBuffer(0)),
          views: S.timingSafeEqual(new Uint16Array([0x6261]), utf8("ab")),
          lastByte: S.timingSafeEqual(big, other),
          lengths, types,
        };
    "#).await;
    assert_eq!(
        out,
        r#"{"same":true,"differ":false,"empty":true,"views":true,"lastByte":false,"lengths":"TypeError","types":"TypeError"}"#
    );
}
