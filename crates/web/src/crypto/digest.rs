//! Message digests (`crypto.subtle.digest`, and the hash of every other algorithm) and `timingSafeEqual`.

use super::{Result, arg, bytes_out, unsupported, value_out};
use rquickjs::{Ctx, Function, Object, TypedArray};
use sha2::Digest;
use subtle::ConstantTimeEq;
use verge_js::rquickjs;

/// A hash function that keyed algorithms (HMAC, RSA, ECDSA, HKDF, PBKDF2) can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// Parse a normalised WebCrypto hash name (`"SHA-256"`).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "SHA-1" => Ok(Self::Sha1),
            "SHA-256" => Ok(Self::Sha256),
            "SHA-384" => Ok(Self::Sha384),
            "SHA-512" => Ok(Self::Sha512),
            other => Err(unsupported(format!("Unrecognized hash algorithm: {other}"))),
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// `crypto.subtle.digest`: SHA-* and MD5 (a Workers extension).
pub fn digest(name: &str, data: &[u8]) -> Result<Vec<u8>> {
    match name {
        "MD5" => Ok(md5::Md5::digest(data).to_vec()),
        other => Ok(Hash::parse(other)?.digest(data)),
    }
}

/// Compare two equally long byte strings in time that depends only on their length.
pub fn timing_safe_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Register `digest(name, data)` and `timingSafeEqual(a, b)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "digest",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, name: String, data: TypedArray<'js, u8>| {
                bytes_out(&ctx, digest(&name, &arg(&data)))
            },
        )?,
    )?;
    target.set(
        "timingSafeEqual",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, a: TypedArray<'js, u8>, b: TypedArray<'js, u8>| {
                value_out(&ctx, Ok(timing_safe_equal(&arg(&a), &arg(&b))))
            },
        )?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_digests_of_abc() {
        assert_eq!(
            hex(&digest("SHA-1", b"abc").unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&digest("MD5", b"abc").unwrap()),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert!(digest("SHA-3", b"abc").is_err());
    }

    #[test]
    fn timing_safe_equal_compares_bytes() {
        assert!(timing_safe_equal(b"abc", b"abc"));
        assert!(!timing_safe_equal(b"abc", b"abd"));
        assert!(!timing_safe_equal(b"abc", b"ab"));
    }
}
