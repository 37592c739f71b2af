//! Key derivation: HKDF (RFC 5869) and PBKDF2 (RFC 8018) over HMAC-SHA-*.

use super::digest::Hash;
use super::{Result, arg, bytes_out, op_err};
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::rquickjs;

/// HKDF extract-and-expand to `len` bytes.
pub fn hkdf(hash: Hash, ikm: &[u8], salt: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    let too_long = |_| op_err("HKDF: the requested length is too long for the hash");
    match hash {
        Hash::Sha1 => hkdf::Hkdf::<sha1::Sha1>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .map_err(too_long)?,
        Hash::Sha256 => hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .map_err(too_long)?,
        Hash::Sha384 => hkdf::Hkdf::<sha2::Sha384>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .map_err(too_long)?,
        Hash::Sha512 => hkdf::Hkdf::<sha2::Sha512>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .map_err(too_long)?,
    }
    Ok(out)
}

/// The most bytes one PBKDF2 call derives: its cost grows with the length, and it runs on the host in one
/// piece, where the CPU limit cannot stop it.
pub const MAX_PBKDF2_BYTES: usize = 1024;

/// PBKDF2-HMAC to `len` bytes.
pub fn pbkdf2(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<Vec<u8>> {
    if iterations == 0 {
        return Err(op_err("PBKDF2: iterations must be greater than 0"));
    }
    if len > MAX_PBKDF2_BYTES {
        return Err(super::unsupported(format!(
            "PBKDF2: deriving more than {} bits is not supported",
            MAX_PBKDF2_BYTES * 8
        )));
    }
    let mut out = vec![0u8; len];
    let failed = |_| op_err("PBKDF2: invalid parameters");
    match hash {
        Hash::Sha1 => {
            pbkdf2::pbkdf2::<hmac::Hmac<sha1::Sha1>>(password, salt, iterations, &mut out)
                .map_err(failed)?
        }
        Hash::Sha256 => {
            pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha256>>(password, salt, iterations, &mut out)
                .map_err(failed)?
        }
        Hash::Sha384 => {
            pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha384>>(password, salt, iterations, &mut out)
                .map_err(failed)?
        }
        Hash::Sha512 => {
            pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha512>>(password, salt, iterations, &mut out)
                .map_err(failed)?
        }
    }
    Ok(out)
}

/// Register `hkdf(hash, key, salt, info, bytes)` and `pbkdf2(hash, key, salt, iterations, bytes)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "hkdf",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             hash: String,
             key: TypedArray<'js, u8>,
             salt: TypedArray<'js, u8>,
             info: TypedArray<'js, u8>,
             len: u32| {
                let r = Hash::parse(&hash)
                    .and_then(|h| hkdf(h, &arg(&key), &arg(&salt), &arg(&info), len as usize));
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "pbkdf2",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             hash: String,
             key: TypedArray<'js, u8>,
             salt: TypedArray<'js, u8>,
             iterations: u32,
             len: u32| {
                let r = Hash::parse(&hash)
                    .and_then(|h| pbkdf2(h, &arg(&key), &arg(&salt), iterations, len as usize));
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    Ok(())
}
