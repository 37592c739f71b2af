//! Elliptic-curve keys by curve name: ECDSA/ECDH on P-256 and P-384 ([`super::nist`]), Ed25519 and X25519
//! ([`super::okp`]). The ops here pick the curve and pass through.

use super::digest::Hash;
use super::nist::{CurveKey, p256, p384};
use super::okp::{self, Okp};
use super::{Result, arg, bytes_object, bytes_out, opt_arg, unsupported, value_out};
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::rquickjs;

/// A curve WebCrypto names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// Edwards25519, for Ed25519 signatures.
    Ed25519,
    /// Curve25519, for X25519 key agreement.
    X25519,
}

impl Curve {
    /// Parse `"P-256"`, `"P-384"`, `"Ed25519"` or `"X25519"`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "P-256" => Ok(Self::P256),
            "P-384" => Ok(Self::P384),
            "Ed25519" => Ok(Self::Ed25519),
            "X25519" => Ok(Self::X25519),
            other => Err(unsupported(format!("Unsupported curve: {other}"))),
        }
    }

    /// A fresh key pair.
    pub fn generate(self) -> Result<CurveKey> {
        match self {
            Self::P256 => Ok(p256::generate()),
            Self::P384 => Ok(p384::generate()),
            Self::Ed25519 => Okp::Ed25519.generate(),
            Self::X25519 => Okp::X25519.generate(),
        }
    }

    /// Import `raw`, `spki` or `pkcs8` key data.
    pub fn import(self, format: &str, data: &[u8]) -> Result<CurveKey> {
        match self {
            Self::P256 => p256::import(format, data),
            Self::P384 => p384::import(format, data),
            Self::Ed25519 => Okp::Ed25519.import(format, data),
            Self::X25519 => Okp::X25519.import(format, data),
        }
    }

    /// Build a key from JWK members (`y` is absent for Ed25519/X25519).
    pub fn import_jwk(self, x: &[u8], y: Option<&[u8]>, d: Option<&[u8]>) -> Result<CurveKey> {
        let need_y = || super::data_err("The JWK has no y");
        match self {
            Self::P256 => p256::from_jwk(x, y.ok_or_else(need_y)?, d),
            Self::P384 => p384::from_jwk(x, y.ok_or_else(need_y)?, d),
            Self::Ed25519 => Okp::Ed25519.import_jwk(x, d),
            Self::X25519 => Okp::X25519.import_jwk(x, d),
        }
    }

    /// Export as `raw`, `spki` or `pkcs8`.
    pub fn export(self, format: &str, key: &CurveKey) -> Result<Vec<u8>> {
        match self {
            Self::P256 => p256::export(format, key),
            Self::P384 => p384::export(format, key),
            Self::Ed25519 => Okp::Ed25519.export(format, key),
            Self::X25519 => Okp::X25519.export(format, key),
        }
    }

    /// Sign (ECDSA with `hash`, or Ed25519, which ignores it).
    pub fn sign(self, hash: &str, d: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::P256 => p256::sign(Hash::parse(hash)?, d, data),
            Self::P384 => p384::sign(Hash::parse(hash)?, d, data),
            Self::Ed25519 => okp::ed25519_sign(d, data),
            Self::X25519 => Err(unsupported("X25519 keys cannot sign")),
        }
    }

    /// Verify a signature made by [`Curve::sign`].
    pub fn verify(self, hash: &str, public: &[u8], data: &[u8], sig: &[u8]) -> Result<bool> {
        match self {
            Self::P256 => p256::verify(Hash::parse(hash)?, public, data, sig),
            Self::P384 => p384::verify(Hash::parse(hash)?, public, data, sig),
            Self::Ed25519 => okp::ed25519_verify(public, data, sig),
            Self::X25519 => Err(unsupported("X25519 keys cannot verify")),
        }
    }

    /// Key agreement (ECDH or X25519): the shared secret.
    pub fn derive(self, d: &[u8], peer: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::P256 => p256::derive(d, peer),
            Self::P384 => p384::derive(d, peer),
            Self::X25519 => okp::x25519_derive(d, peer),
            Self::Ed25519 => Err(unsupported("Ed25519 keys cannot derive bits")),
        }
    }
}

fn key_object<'js>(ctx: &Ctx<'js>, key: Result<CurveKey>) -> rquickjs::Result<Object<'js>> {
    let key = value_out(ctx, key)?;
    bytes_object(
        ctx,
        &[("d", key.d.as_deref()), ("public", Some(&key.public))],
    )
}

fn curve<T>(name: &str, f: impl FnOnce(Curve) -> Result<T>) -> Result<T> {
    Curve::parse(name).and_then(f)
}

/// Register the `curve*` ops.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "curveGenerate",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, name: String| {
            key_object(&ctx, curve(&name, Curve::generate))
        })?,
    )?;
    target.set(
        "curveImport",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, name: String, format: String, data: TypedArray<'js, u8>| {
                key_object(&ctx, curve(&name, |c| c.import(&format, &arg(&data))))
            },
        )?,
    )?;
    target.set(
        "curveFromJwk",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             name: String,
             x: TypedArray<'js, u8>,
             y: Option<TypedArray<'js, u8>>,
             d: Option<TypedArray<'js, u8>>| {
                let (y, d) = (opt_arg(&y), opt_arg(&d));
                let key = curve(&name, |c| {
                    c.import_jwk(&arg(&x), y.as_deref(), d.as_deref())
                });
                key_object(&ctx, key)
            },
        )?,
    )?;
    target.set(
        "curveExport",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             name: String,
             format: String,
             d: Option<TypedArray<'js, u8>>,
             public: TypedArray<'js, u8>| {
                let key = CurveKey {
                    d: opt_arg(&d),
                    public: arg(&public),
                };
                bytes_out(&ctx, curve(&name, |c| c.export(&format, &key)))
            },
        )?,
    )?;
    target.set(
        "curveSign",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             name: String,
             hash: String,
             d: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>| {
                bytes_out(&ctx, curve(&name, |c| c.sign(&hash, &arg(&d), &arg(&data))))
            },
        )?,
    )?;
    target.set(
        "curveVerify",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             name: String,
             hash: String,
             public: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>,
             sig: TypedArray<'js, u8>| {
                let r = curve(&name, |c| {
                    c.verify(&hash, &arg(&public), &arg(&data), &arg(&sig))
                });
                value_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "curveDerive",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, name: String, d: TypedArray<'js, u8>, peer: TypedArray<'js, u8>| {
                bytes_out(&ctx, curve(&name, |c| c.derive(&arg(&d), &arg(&peer))))
            },
        )?,
    )?;
    Ok(())
}
