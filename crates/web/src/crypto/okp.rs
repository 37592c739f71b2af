//! Ed25519 signatures (RFC 8032) and X25519 key agreement (RFC 7748), with the RFC 8410 SPKI and PKCS#8
//! encodings. Private keys cross to JS as the 32-byte seed/scalar, public keys as their 32 bytes.

use super::nist::CurveKey;
use super::{Result, data_err, op_err, unsupported};
use ed25519_dalek::{Signer, Verifier};
use pkcs8::der::asn1::{BitStringRef, OctetStringRef};
use pkcs8::der::{Decode, Encode};
use pkcs8::{ObjectIdentifier, PrivateKeyInfo};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const X25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");

/// Which of the two curve25519 algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Okp {
    /// Ed25519 signatures.
    Ed25519,
    /// X25519 key agreement.
    X25519,
}

impl Okp {
    fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Ed25519 => ED25519_OID,
            Self::X25519 => X25519_OID,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519",
            Self::X25519 => "X25519",
        }
    }

    fn bad(self, what: &str) -> super::CryptoError {
        data_err(format!("Invalid {} {what}", self.name()))
    }

    fn public_of(self, seed: &[u8; 32]) -> Vec<u8> {
        match self {
            Self::Ed25519 => ed25519_dalek::SigningKey::from_bytes(seed)
                .verifying_key()
                .to_bytes()
                .to_vec(),
            Self::X25519 => x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*seed))
                .to_bytes()
                .to_vec(),
        }
    }

    fn check_public(self, bytes: &[u8]) -> Result<Vec<u8>> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| self.bad("public key"))?;
        if self == Self::Ed25519 {
            ed25519_dalek::VerifyingKey::from_bytes(&arr).map_err(|_| self.bad("public key"))?;
        }
        Ok(arr.to_vec())
    }

    fn key_of(self, seed: &[u8]) -> Result<CurveKey> {
        let seed: [u8; 32] = seed.try_into().map_err(|_| self.bad("private key"))?;
        Ok(CurveKey {
            d: Some(seed.to_vec()),
            public: self.public_of(&seed),
        })
    }

    /// A fresh key pair.
    pub fn generate(self) -> Result<CurveKey> {
        self.key_of(&super::random_bytes(32)?)
    }

    /// Import `raw` (public), `spki` or `pkcs8`.
    pub fn import(self, format: &str, data: &[u8]) -> Result<CurveKey> {
        match format {
            "raw" => Ok(CurveKey {
                d: None,
                public: self.check_public(data)?,
            }),
            "spki" => {
                let info = SubjectPublicKeyInfoRef::try_from(data)
                    .map_err(|e| data_err(format!("{} SPKI: {e}", self.name())))?;
                if info.algorithm.oid != self.oid() || info.algorithm.parameters.is_some() {
                    return Err(data_err(format!("The SPKI is not an {} key", self.name())));
                }
                let bytes = info
                    .subject_public_key
                    .as_bytes()
                    .ok_or_else(|| self.bad("public key"))?;
                Ok(CurveKey {
                    d: None,
                    public: self.check_public(bytes)?,
                })
            }
            "pkcs8" => {
                let info = PrivateKeyInfo::try_from(data)
                    .map_err(|e| data_err(format!("{} PKCS#8: {e}", self.name())))?;
                if info.algorithm.oid != self.oid() || info.algorithm.parameters.is_some() {
                    return Err(data_err(format!(
                        "The PKCS#8 is not an {} key",
                        self.name()
                    )));
                }
                let seed = OctetStringRef::from_der(info.private_key)
                    .map_err(|_| self.bad("private key"))?;
                let key = self.key_of(seed.as_bytes())?;
                if let Some(public) = info.public_key
                    && public != key.public.as_slice()
                {
                    return Err(data_err(format!(
                        "The PKCS#8's {} public key does not match its private key",
                        self.name()
                    )));
                }
                Ok(key)
            }
            other => Err(unsupported(format!(
                "{} keys cannot be imported as {other}",
                self.name()
            ))),
        }
    }

    /// Build a key from JWK members `x` and optionally `d`, checking they agree.
    pub fn import_jwk(self, x: &[u8], d: Option<&[u8]>) -> Result<CurveKey> {
        let public = self.check_public(x)?;
        match d {
            None => Ok(CurveKey { d: None, public }),
            Some(d) => {
                let key = self.key_of(d)?;
                if key.public != public {
                    return Err(data_err("The JWK's d does not match its x"));
                }
                Ok(key)
            }
        }
    }

    /// Export as `raw`/`spki` (public) or `pkcs8` (private).
    pub fn export(self, format: &str, key: &CurveKey) -> Result<Vec<u8>> {
        let alg = AlgorithmIdentifierRef {
            oid: self.oid(),
            parameters: None,
        };
        let der_err = |e: pkcs8::der::Error| op_err(e.to_string());
        match (format, &key.d) {
            ("raw", _) => Ok(key.public.clone()),
            ("spki", _) => SubjectPublicKeyInfoRef {
                algorithm: alg,
                subject_public_key: BitStringRef::from_bytes(&key.public).map_err(der_err)?,
            }
            .to_der()
            .map_err(der_err),
            ("pkcs8", Some(d)) => {
                let inner = OctetStringRef::new(d)
                    .and_then(|o| o.to_der())
                    .map_err(der_err)?;
                PrivateKeyInfo::new(alg, &inner).to_der().map_err(der_err)
            }
            _ => Err(unsupported(format!(
                "{} keys cannot be exported as {format}",
                self.name()
            ))),
        }
    }
}

/// An Ed25519 signature of `data`.
pub fn ed25519_sign(seed: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| Okp::Ed25519.bad("private key"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed)
        .sign(data)
        .to_bytes()
        .to_vec())
}

/// Whether `sig` is a valid Ed25519 signature of `data`.
pub fn ed25519_verify(public: &[u8], data: &[u8], sig: &[u8]) -> Result<bool> {
    let public: [u8; 32] = public
        .try_into()
        .map_err(|_| Okp::Ed25519.bad("public key"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
        .map_err(|_| Okp::Ed25519.bad("public key"))?;
    let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
        return Ok(false);
    };
    Ok(key.verify(data, &sig).is_ok())
}

/// X25519: the shared secret of `scalar` and the peer's public key; an all-zero result is an error.
pub fn x25519_derive(scalar: &[u8], peer: &[u8]) -> Result<Vec<u8>> {
    let scalar: [u8; 32] = scalar
        .try_into()
        .map_err(|_| Okp::X25519.bad("private key"))?;
    let peer: [u8; 32] = peer.try_into().map_err(|_| Okp::X25519.bad("public key"))?;
    let shared = x25519_dalek::StaticSecret::from(scalar)
        .diffie_hellman(&x25519_dalek::PublicKey::from(peer));
    if !shared.was_contributory() {
        return Err(op_err(
            "X25519: the shared secret is all zeros (a small-order public key)",
        ));
    }
    Ok(shared.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_round_trips() {
        for okp in [Okp::Ed25519, Okp::X25519] {
            let key = okp.generate().unwrap();
            let pkcs8 = okp.export("pkcs8", &key).unwrap();
            assert_eq!(pkcs8.len(), 48);
            assert_eq!(okp.import("pkcs8", &pkcs8).unwrap(), key);
            let spki = okp.export("spki", &key).unwrap();
            assert_eq!(spki.len(), 44);
            assert_eq!(okp.import("spki", &spki).unwrap().public, key.public);
        }
        let ed = Okp::Ed25519.generate().unwrap();
        let spki = Okp::Ed25519.export("spki", &ed).unwrap();
        assert!(Okp::X25519.import("spki", &spki).is_err());
    }
}
