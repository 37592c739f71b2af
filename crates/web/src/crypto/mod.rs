//! The host side of `crypto`: OS randomness for `getRandomValues`/`randomUUID`, and the primitives behind
//! `crypto.subtle` (WebCrypto), one module per algorithm family.
//!
//! The prelude (`js/23_crypto*.js`) does what the WebCrypto spec describes in terms of dictionaries: it
//! normalises algorithms, checks usages and key types, and keeps each `CryptoKey`'s material in a map private
//! to the prelude. The ops here are stateless and synchronous: they take key material as bytes in one
//! canonical form per key kind and return bytes, and throw the `DOMException` the spec names when they fail.
//!
//! | module | algorithms |
//! | --- | --- |
//! | [`digest`] | SHA-1, SHA-256, SHA-384, SHA-512, MD5; `timingSafeEqual` |
//! | [`hmac`] | HMAC |
//! | [`aes`] | AES-GCM, AES-CBC, AES-CTR, AES-KW |
//! | [`kdf`] | HKDF, PBKDF2 |
//! | [`rsa`] | RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP |
//! | [`ec`] | ECDSA, ECDH (P-256, P-384 in [`nist`]), Ed25519, X25519 (in [`okp`]) |

mod aes;
mod digest;
mod ec;
mod hmac;
mod kdf;
mod nist;
mod okp;
mod rsa;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// Why a crypto primitive failed, by the `DOMException` WebCrypto says to throw. (The checks that end in
/// `InvalidAccessError`, `SyntaxError` or `TypeError` are made in the prelude before a primitive runs.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// `NotSupportedError`: an algorithm, curve or parameter verge does not implement.
    #[error("{0}")]
    NotSupported(String),
    /// `DataError`: malformed key data.
    #[error("{0}")]
    Data(String),
    /// `OperationError`: the operation itself failed (bad padding, wrong tag, bad lengths).
    #[error("{0}")]
    Operation(String),
}

impl CryptoError {
    /// The `DOMException` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotSupported(_) => "NotSupportedError",
            Self::Data(_) => "DataError",
            Self::Operation(_) => "OperationError",
        }
    }

    /// Throw this error into JS as a `DOMException`.
    pub fn throw(&self, ctx: &Ctx<'_>) -> rquickjs::Error {
        crate::encoding::dom_error(ctx, self.name(), &self.to_string())
    }
}

/// The result of a crypto primitive.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

/// A `DataError` with `msg`.
pub(crate) fn data_err(msg: impl Into<String>) -> CryptoError {
    CryptoError::Data(msg.into())
}

/// An `OperationError` with `msg`.
pub(crate) fn op_err(msg: impl Into<String>) -> CryptoError {
    CryptoError::Operation(msg.into())
}

/// A `NotSupportedError` with `msg`.
pub(crate) fn unsupported(msg: impl Into<String>) -> CryptoError {
    CryptoError::NotSupported(msg.into())
}

/// Bytes from a JS `Uint8Array` argument.
pub(crate) fn arg(array: &TypedArray<'_, u8>) -> Vec<u8> {
    crate::body::copy_bytes(array)
}

/// An optional `Uint8Array` argument (`undefined`/`null` -> `None`).
pub(crate) fn opt_arg(array: &Option<TypedArray<'_, u8>>) -> Option<Vec<u8>> {
    array.as_ref().map(arg)
}

/// Turn a primitive's bytes into a `Uint8Array`, or throw its error.
pub(crate) fn bytes_out<'js>(
    ctx: &Ctx<'js>,
    result: Result<Vec<u8>>,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    match result {
        Ok(v) => TypedArray::new(ctx.clone(), v),
        Err(e) => Err(e.throw(ctx)),
    }
}

/// Turn a primitive's value into JS, or throw its error.
pub(crate) fn value_out<T>(ctx: &Ctx<'_>, result: Result<T>) -> rquickjs::Result<T> {
    result.map_err(|e| e.throw(ctx))
}

/// Build a JS object from named byte strings (absent ones are left out).
pub(crate) fn bytes_object<'js>(
    ctx: &Ctx<'js>,
    fields: &[(&str, Option<&[u8]>)],
) -> rquickjs::Result<Object<'js>> {
    let obj = Object::new(ctx.clone())?;
    for (name, value) in fields {
        if let Some(v) = value {
            obj.set(*name, TypedArray::new(ctx.clone(), v.to_vec())?)?;
        }
    }
    Ok(obj)
}

/// Fill a new buffer of `len` bytes from the operating system's CSPRNG.
pub(crate) fn random_bytes(len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    getrandom::fill(&mut buf)
        .map_err(|e| op_err(format!("the system's random source failed: {e}")))?;
    Ok(buf)
}

/// Decode a JWK member: base64url without padding (padding is tolerated).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| data_err("The JWK member is not valid base64url"))
}

/// Register `randomBytes(n)` and every `crypto.subtle` primitive.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "randomBytes",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, n: u32| -> rquickjs::Result<TypedArray<'js, u8>> {
                if n > 65536 {
                    return Err(crate::encoding::dom_error(
                        &ctx,
                        "QuotaExceededError",
                        &format!(
                            "The ArrayBufferView's byte length ({n}) exceeds the number of bytes of entropy available via this API (65536)"
                        ),
                    ));
                }
                let mut buf = vec![0u8; n as usize];
                getrandom::fill(&mut buf).map_err(|e| {
                    OpError::Error(format!("the system's random source failed: {e}")).throw(&ctx)
                })?;
                TypedArray::new(ctx, buf)
            },
        )?,
    )?;
    let subtle = Object::new(ctx.clone())?;
    subtle.set(
        "base64urlEncode",
        Function::new(ctx.clone(), |data: TypedArray<'js, u8>| {
            URL_SAFE_NO_PAD.encode(arg(&data))
        })?,
    )?;
    subtle.set(
        "base64urlDecode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, text: String| {
            bytes_out(&ctx, base64url_decode(&text))
        })?,
    )?;
    digest::register(ctx, &subtle)?;
    hmac::register(ctx, &subtle)?;
    aes::register(ctx, &subtle)?;
    kdf::register(ctx, &subtle)?;
    rsa::register(ctx, &subtle)?;
    ec::register(ctx, &subtle)?;
    target.set("crypto", subtle)?;
    Ok(())
}
