//! HMAC (RFC 2104) over the SHA family.

use super::digest::Hash;
use super::{Result, arg, bytes_out, op_err, value_out};
use hmac::{Hmac, Mac};
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::rquickjs;

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Result<M> {
    let mut m = <M as Mac>::new_from_slice(key).map_err(|e| op_err(format!("HMAC key: {e}")))?;
    m.update(data);
    Ok(m)
}

/// The HMAC of `data` under `key`.
pub fn sign(hash: Hash, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    Ok(match hash {
        Hash::Sha1 => mac::<Hmac<sha1::Sha1>>(key, data)?
            .finalize()
            .into_bytes()
            .to_vec(),
        Hash::Sha256 => mac::<Hmac<sha2::Sha256>>(key, data)?
            .finalize()
            .into_bytes()
            .to_vec(),
        Hash::Sha384 => mac::<Hmac<sha2::Sha384>>(key, data)?
            .finalize()
            .into_bytes()
            .to_vec(),
        Hash::Sha512 => mac::<Hmac<sha2::Sha512>>(key, data)?
            .finalize()
            .into_bytes()
            .to_vec(),
    })
}

/// Whether `signature` is the HMAC of `data` under `key`, compared in constant time.
pub fn verify(hash: Hash, key: &[u8], data: &[u8], signature: &[u8]) -> Result<bool> {
    let expected = sign(hash, key, data)?;
    Ok(super::digest::timing_safe_equal(&expected, signature))
}

/// Register `hmacSign(hash, key, data)` and `hmacVerify(hash, key, data, signature)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "hmacSign",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, hash: String, key: TypedArray<'js, u8>, data: TypedArray<'js, u8>| {
                let r = Hash::parse(&hash).and_then(|h| sign(h, &arg(&key), &arg(&data)));
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "hmacVerify",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             hash: String,
             key: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>,
             sig: TypedArray<'js, u8>| {
                let r =
                    Hash::parse(&hash).and_then(|h| verify(h, &arg(&key), &arg(&data), &arg(&sig)));
                value_out(&ctx, r)
            },
        )?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        let out = sign(Hash::Sha256, b"Jefe", b"what do ya want for nothing?").unwrap();
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(Hash::Sha256, b"Jefe", b"what do ya want for nothing?", &out).unwrap());
        assert!(!verify(Hash::Sha256, b"Jefe", b"what do ya want for nothing!", &out).unwrap());
    }
}
