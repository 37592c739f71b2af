//! RSA: RSASSA-PKCS1-v1_5 and RSA-PSS signatures, RSA-OAEP encryption, key generation and the SPKI, PKCS#8
//! and JWK encodings.
//!
//! Key material crosses to JS as DER: private keys as PKCS#8, public keys as SPKI. Private-key operations
//! are blinded.

use super::digest::Hash;
use super::{
    Result, arg, bytes_object, bytes_out, data_err, op_err, opt_arg, unsupported, value_out,
};
use rquickjs::{Ctx, Function, Object, TypedArray};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Oaep, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use verge_js::rquickjs;

/// The largest modulus `generateKey` makes, and the largest key `importKey` takes: one private-key operation
/// runs on the host in one piece, where the CPU limit cannot stop it, and its cost grows with the cube of the
/// modulus size. (The `rsa` crate itself refuses public keys over 4096 bits.)
pub const MAX_BITS: usize = 4096;

/// A parsed key in its canonical DER form, with the algorithm fields WebCrypto reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// PKCS#8 for a private key, SPKI for a public one.
    pub der: Vec<u8>,
    /// Bits in the modulus.
    pub modulus_length: u32,
    /// The public exponent, big-endian.
    pub public_exponent: Vec<u8>,
}

fn private_info(key: &RsaPrivateKey) -> Result<KeyInfo> {
    if key.n().bits() > MAX_BITS {
        return Err(unsupported(format!(
            "RSA keys over {MAX_BITS} bits are not supported"
        )));
    }
    let der = key
        .to_pkcs8_der()
        .map_err(|e| data_err(format!("RSA private key: {e}")))?;
    Ok(KeyInfo {
        der: der.as_bytes().to_vec(),
        modulus_length: u32::try_from(key.n().bits()).unwrap_or(u32::MAX),
        public_exponent: key.e().to_bytes_be(),
    })
}

fn public_info(key: &RsaPublicKey) -> Result<KeyInfo> {
    let der = key
        .to_public_key_der()
        .map_err(|e| data_err(format!("RSA public key: {e}")))?;
    Ok(KeyInfo {
        der: der.as_bytes().to_vec(),
        modulus_length: u32::try_from(key.n().bits()).unwrap_or(u32::MAX),
        public_exponent: key.e().to_bytes_be(),
    })
}

fn private_key(pkcs8: &[u8]) -> Result<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_der(pkcs8).map_err(|e| data_err(format!("RSA private key: {e}")))
}

fn public_key(spki: &[u8]) -> Result<RsaPublicKey> {
    RsaPublicKey::from_public_key_der(spki).map_err(|e| data_err(format!("RSA public key: {e}")))
}

/// Generate a key pair; returns (private, public).
pub fn generate(bits: u32, exponent: &[u8]) -> Result<(KeyInfo, KeyInfo)> {
    let bits = bits as usize;
    if !(512..=MAX_BITS).contains(&bits) || !bits.is_multiple_of(8) {
        return Err(op_err(format!(
            "RSA modulusLength must be a multiple of 8 from 512 to {MAX_BITS}"
        )));
    }
    let e = BigUint::from_bytes_be(exponent);
    if e != BigUint::from(3u32) && e != BigUint::from(65537u32) {
        return Err(op_err("RSA publicExponent must be 3 or 65537"));
    }
    let key = RsaPrivateKey::new_with_exp(&mut rand_core::OsRng, bits, &e)
        .map_err(|e| op_err(format!("RSA key generation failed: {e}")))?;
    Ok((private_info(&key)?, public_info(&key.to_public_key())?))
}

/// Import `spki` or `pkcs8` DER; returns whether it is private, and its canonical form.
pub fn import(format: &str, der: &[u8]) -> Result<KeyInfo> {
    match format {
        "pkcs8" => private_info(&private_key(der)?),
        "spki" => public_info(&public_key(der)?),
        other => Err(unsupported(format!(
            "RSA keys cannot be imported as {other}"
        ))),
    }
}

/// Build a key from JWK components (big-endian bytes); private when `d` is given.
pub fn from_jwk(
    n: &[u8],
    e: &[u8],
    d: Option<&[u8]>,
    p: Option<&[u8]>,
    q: Option<&[u8]>,
) -> Result<KeyInfo> {
    let (n, e) = (BigUint::from_bytes_be(n), BigUint::from_bytes_be(e));
    match d {
        None => public_info(
            &RsaPublicKey::new(n, e).map_err(|e| data_err(format!("RSA public key: {e}")))?,
        ),
        Some(d) => {
            let primes = match (p, q) {
                (Some(p), Some(q)) => vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)],
                (None, None) => Vec::new(),
                _ => return Err(data_err("RSA JWK: p and q must come together")),
            };
            let key = RsaPrivateKey::from_components(n, e, BigUint::from_bytes_be(d), primes)
                .map_err(|e| data_err(format!("RSA private key: {e}")))?;
            private_info(&key)
        }
    }
}

/// The JWK components of a key: `n`, `e`, and for a private key `d`, `p`, `q`, `dp`, `dq`, `qi`.
pub fn jwk_components(der: &[u8], private: bool) -> Result<Vec<(&'static str, Vec<u8>)>> {
    if !private {
        let key = public_key(der)?;
        return Ok(vec![
            ("n", key.n().to_bytes_be()),
            ("e", key.e().to_bytes_be()),
        ]);
    }
    let key = private_key(der)?;
    let [p, q] = key.primes() else {
        return Err(unsupported(
            "RSA keys with more than two primes cannot be exported as JWK",
        ));
    };
    let one = BigUint::from(1u32);
    let qi = key
        .crt_coefficient()
        .ok_or_else(|| data_err("RSA private key: q has no inverse mod p"))?;
    Ok(vec![
        ("n", key.n().to_bytes_be()),
        ("e", key.e().to_bytes_be()),
        ("d", key.d().to_bytes_be()),
        ("p", p.to_bytes_be()),
        ("q", q.to_bytes_be()),
        ("dp", (key.d() % (p - &one)).to_bytes_be()),
        ("dq", (key.d() % (q - &one)).to_bytes_be()),
        ("qi", qi.to_bytes_be()),
    ])
}

macro_rules! with_digest {
    ($hash:expr, $d:ident => $body:expr) => {
        match $hash {
            Hash::Sha1 => {
                type $d = sha1::Sha1;
                $body
            }
            Hash::Sha256 => {
                type $d = sha2::Sha256;
                $body
            }
            Hash::Sha384 => {
                type $d = sha2::Sha384;
                $body
            }
            Hash::Sha512 => {
                type $d = sha2::Sha512;
                $body
            }
        }
    };
}

/// Sign with `scheme` (`"RSASSA-PKCS1-v1_5"` or `"RSA-PSS"`, whose salt is `salt_len` bytes).
pub fn sign(scheme: &str, hash: Hash, pkcs8: &[u8], data: &[u8], salt_len: u32) -> Result<Vec<u8>> {
    let key = private_key(pkcs8)?;
    let hashed = hash.digest(data);
    let rng = &mut rand_core::OsRng;
    let signed = match scheme {
        "RSASSA-PKCS1-v1_5" => {
            with_digest!(hash, D => key.sign_with_rng(rng, Pkcs1v15Sign::new::<D>(), &hashed))
        }
        "RSA-PSS" => with_digest!(hash, D => key.sign_with_rng(
            rng,
            Pss::new_with_salt::<D>(salt_len as usize),
            &hashed
        )),
        other => {
            return Err(unsupported(format!(
                "Unrecognized RSA signature scheme {other}"
            )));
        }
    };
    signed.map_err(|e| op_err(format!("RSA signing failed: {e}")))
}

/// Whether `signature` is valid for `data` under the SPKI public key.
pub fn verify(
    scheme: &str,
    hash: Hash,
    spki: &[u8],
    data: &[u8],
    signature: &[u8],
    salt_len: u32,
) -> Result<bool> {
    let key = public_key(spki)?;
    let hashed = hash.digest(data);
    let verified = match scheme {
        "RSASSA-PKCS1-v1_5" => {
            with_digest!(hash, D => key.verify(Pkcs1v15Sign::new::<D>(), &hashed, signature))
        }
        "RSA-PSS" => with_digest!(hash, D => key.verify(
            Pss::new_with_salt::<D>(salt_len as usize),
            &hashed,
            signature
        )),
        other => {
            return Err(unsupported(format!(
                "Unrecognized RSA signature scheme {other}"
            )));
        }
    };
    Ok(verified.is_ok())
}

fn oaep_padding(hash: Hash, label: Option<&[u8]>) -> Result<Oaep> {
    let label = match label {
        None | Some([]) => None,
        Some(bytes) => Some(std::str::from_utf8(bytes).map_err(|_| {
            unsupported("RSA-OAEP labels that are not valid UTF-8 are not supported")
        })?),
    };
    Ok(match label {
        None => with_digest!(hash, D => Oaep::new::<D>()),
        Some(l) => with_digest!(hash, D => Oaep::new_with_label::<D, _>(l)),
    })
}

/// RSA-OAEP: encrypt with an SPKI public key, or decrypt with a PKCS#8 private key.
pub fn oaep(
    encrypt: bool,
    hash: Hash,
    der: &[u8],
    label: Option<&[u8]>,
    data: &[u8],
) -> Result<Vec<u8>> {
    let padding = oaep_padding(hash, label)?;
    if encrypt {
        public_key(der)?
            .encrypt(&mut rand_core::OsRng, padding, data)
            .map_err(|e| op_err(format!("RSA-OAEP encryption failed: {e}")))
    } else {
        private_key(der)?
            .decrypt_blinded(&mut rand_core::OsRng, padding, data)
            .map_err(|_| op_err("The operation failed for an operation-specific reason"))
    }
}

fn info_object<'js>(ctx: &Ctx<'js>, info: Result<KeyInfo>) -> rquickjs::Result<Object<'js>> {
    let info = value_out(ctx, info)?;
    let obj = bytes_object(
        ctx,
        &[
            ("der", Some(&info.der)),
            ("publicExponent", Some(&info.public_exponent)),
        ],
    )?;
    obj.set("modulusLength", info.modulus_length)?;
    Ok(obj)
}

fn hashed<T>(hash: &str, f: impl FnOnce(Hash) -> Result<T>) -> Result<T> {
    Hash::parse(hash).and_then(f)
}

/// Register the `rsa*` ops.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "rsaGenerate",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, bits: u32, exponent: TypedArray<'js, u8>| {
                let (private, public) = value_out(&ctx, generate(bits, &arg(&exponent)))?;
                let obj = Object::new(ctx.clone())?;
                obj.set("privateKey", info_object(&ctx, Ok(private))?)?;
                obj.set("publicKey", info_object(&ctx, Ok(public))?)?;
                Ok::<_, rquickjs::Error>(obj)
            },
        )?,
    )?;
    target.set(
        "rsaImport",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, format: String, der: TypedArray<'js, u8>| {
                info_object(&ctx, import(&format, &arg(&der)))
            },
        )?,
    )?;
    target.set(
        "rsaFromJwk",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             n: TypedArray<'js, u8>,
             e: TypedArray<'js, u8>,
             d: Option<TypedArray<'js, u8>>,
             p: Option<TypedArray<'js, u8>>,
             q: Option<TypedArray<'js, u8>>| {
                let (d, p, q) = (opt_arg(&d), opt_arg(&p), opt_arg(&q));
                let info = from_jwk(&arg(&n), &arg(&e), d.as_deref(), p.as_deref(), q.as_deref());
                info_object(&ctx, info)
            },
        )?,
    )?;
    target.set(
        "rsaJwk",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, der: TypedArray<'js, u8>, private: bool| {
                let parts = value_out(&ctx, jwk_components(&arg(&der), private))?;
                let fields: Vec<(&str, Option<&[u8]>)> = parts
                    .iter()
                    .map(|(k, v)| (*k, Some(v.as_slice())))
                    .collect();
                bytes_object(&ctx, &fields)
            },
        )?,
    )?;
    target.set(
        "rsaSign",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             scheme: String,
             hash: String,
             key: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>,
             salt_len: u32| {
                let r = hashed(&hash, |h| {
                    sign(&scheme, h, &arg(&key), &arg(&data), salt_len)
                });
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "rsaVerify",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             scheme: String,
             hash: String,
             key: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>,
             sig: TypedArray<'js, u8>,
             salt_len: u32| {
                let r = hashed(&hash, |h| {
                    verify(&scheme, h, &arg(&key), &arg(&data), &arg(&sig), salt_len)
                });
                value_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "rsaOaep",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             encrypt: bool,
             hash: String,
             key: TypedArray<'js, u8>,
             label: Option<TypedArray<'js, u8>>,
             data: TypedArray<'js, u8>| {
                let label = opt_arg(&label);
                let r = hashed(&hash, |h| {
                    oaep(encrypt, h, &arg(&key), label.as_deref(), &arg(&data))
                });
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    Ok(())
}
