//! ECDSA and ECDH on the NIST curves P-256 and P-384.
//!
//! Private keys cross to JS as the big-endian scalar `d`, public keys as the uncompressed SEC1 point.
//! Signatures are IEEE P1363 (`r || s`), as WebCrypto specifies.

/// A key on one curve: the private scalar (absent for a public key) and the public point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurveKey {
    /// The private key (the scalar for NIST curves, the 32-byte seed for Ed25519/X25519).
    pub d: Option<Vec<u8>>,
    /// The public key (uncompressed SEC1 point for NIST curves, 32 bytes for Ed25519/X25519).
    pub public: Vec<u8>,
}

macro_rules! nist_curve {
    ($module:ident, $krate:ident, $label:literal, $bytes:literal) => {
        #[doc = concat!("Keys, signatures and key agreement on ", $label, ".")]
        pub mod $module {
            use super::CurveKey;
            use crate::crypto::digest::Hash;
            use crate::crypto::{Result, data_err, op_err, unsupported};
            use $krate::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $krate::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $krate::elliptic_curve::sec1::ToEncodedPoint;
            use $krate::pkcs8::{
                DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey,
            };
            use $krate::{PublicKey, SecretKey};

            /// Bytes in a coordinate or scalar.
            pub const FIELD_BYTES: usize = $bytes;

            fn bad(what: &str) -> crate::crypto::CryptoError {
                data_err(format!(concat!("Invalid ", $label, " {}"), what))
            }

            fn encode(public: &PublicKey) -> Vec<u8> {
                public.to_encoded_point(false).as_bytes().to_vec()
            }

            fn key_of(secret: &SecretKey) -> CurveKey {
                CurveKey {
                    d: Some(secret.to_bytes().to_vec()),
                    public: encode(&secret.public_key()),
                }
            }

            fn secret(d: &[u8]) -> Result<SecretKey> {
                if d.len() != FIELD_BYTES {
                    return Err(bad("private key"));
                }
                SecretKey::from_slice(d).map_err(|_| bad("private key"))
            }

            fn public(point: &[u8]) -> Result<PublicKey> {
                PublicKey::from_sec1_bytes(point).map_err(|_| bad("public key"))
            }

            /// A fresh key pair.
            pub fn generate() -> CurveKey {
                key_of(&SecretKey::random(&mut rand_core::OsRng))
            }

            /// Import `raw` (a SEC1 point), `spki` or `pkcs8`.
            pub fn import(format: &str, data: &[u8]) -> Result<CurveKey> {
                match format {
                    "raw" => Ok(CurveKey {
                        d: None,
                        public: encode(&public(data)?),
                    }),
                    "spki" => {
                        let p = PublicKey::from_public_key_der(data)
                            .map_err(|e| data_err(format!(concat!($label, " SPKI: {}"), e)))?;
                        Ok(CurveKey {
                            d: None,
                            public: encode(&p),
                        })
                    }
                    "pkcs8" => {
                        let s = SecretKey::from_pkcs8_der(data)
                            .map_err(|e| data_err(format!(concat!($label, " PKCS#8: {}"), e)))?;
                        Ok(key_of(&s))
                    }
                    other => Err(unsupported(format!(
                        "EC keys cannot be imported as {other}"
                    ))),
                }
            }

            /// Build a key from JWK coordinates (and the private scalar), checking they agree.
            pub fn from_jwk(x: &[u8], y: &[u8], d: Option<&[u8]>) -> Result<CurveKey> {
                if x.len() != FIELD_BYTES || y.len() != FIELD_BYTES {
                    return Err(bad("JWK coordinates"));
                }
                let mut point = Vec::with_capacity(1 + 2 * FIELD_BYTES);
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                let p = public(&point)?;
                match d {
                    None => Ok(CurveKey {
                        d: None,
                        public: encode(&p),
                    }),
                    Some(d) => {
                        let s = secret(d)?;
                        if s.public_key() != p {
                            return Err(data_err("The JWK's d does not match its x and y"));
                        }
                        Ok(key_of(&s))
                    }
                }
            }

            /// Export as `raw`/`spki` (public) or `pkcs8` (private).
            pub fn export(format: &str, key: &CurveKey) -> Result<Vec<u8>> {
                match (format, &key.d) {
                    ("raw", _) => Ok(encode(&public(&key.public)?)),
                    ("spki", _) => public(&key.public)?
                        .to_public_key_der()
                        .map(|d| d.as_bytes().to_vec())
                        .map_err(|e| op_err(e.to_string())),
                    ("pkcs8", Some(d)) => secret(d)?
                        .to_pkcs8_der()
                        .map(|d| d.as_bytes().to_vec())
                        .map_err(|e| op_err(e.to_string())),
                    _ => Err(unsupported(format!(
                        "EC keys cannot be exported as {format}"
                    ))),
                }
            }

            /// ECDSA over the `hash` of `data`; `r || s`.
            pub fn sign(hash: Hash, d: &[u8], data: &[u8]) -> Result<Vec<u8>> {
                let key = SigningKey::from(secret(d)?);
                let sig: Signature = key
                    .sign_prehash(&hash.digest(data))
                    .map_err(|e| op_err(format!("ECDSA signing failed: {e}")))?;
                Ok(sig.to_bytes().to_vec())
            }

            /// Whether `sig` (`r || s`) is a valid ECDSA signature of the `hash` of `data`.
            pub fn verify(hash: Hash, point: &[u8], data: &[u8], sig: &[u8]) -> Result<bool> {
                let key = VerifyingKey::from(public(point)?);
                let Ok(sig) = Signature::from_slice(sig) else {
                    return Ok(false);
                };
                Ok(key.verify_prehash(&hash.digest(data), &sig).is_ok())
            }

            /// ECDH: the x-coordinate of `d` times the peer's point.
            pub fn derive(d: &[u8], peer: &[u8]) -> Result<Vec<u8>> {
                let s = secret(d)?;
                let p = public(peer)?;
                let shared = $krate::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
                Ok(shared.raw_secret_bytes().to_vec())
            }
        }
    };
}

nist_curve!(p256, p256, "P-256", 32);
nist_curve!(p384, p384, "P-384", 48);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::digest::Hash;

    #[test]
    fn sign_verify_and_agree() {
        let a = p256::generate();
        let sig = p256::sign(Hash::Sha256, a.d.as_deref().unwrap(), b"msg").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(p256::verify(Hash::Sha256, &a.public, b"msg", &sig).unwrap());
        assert!(!p256::verify(Hash::Sha256, &a.public, b"msh", &sig).unwrap());
        let b = p384::generate();
        let c = p384::generate();
        assert_eq!(
            p384::derive(b.d.as_deref().unwrap(), &c.public).unwrap(),
            p384::derive(c.d.as_deref().unwrap(), &b.public).unwrap()
        );
        let pkcs8 = p384::export("pkcs8", &b).unwrap();
        assert_eq!(p384::import("pkcs8", &pkcs8).unwrap(), b);
        assert!(p256::import("pkcs8", &pkcs8).is_err());
    }
}
