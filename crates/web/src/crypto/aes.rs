//! AES in the four WebCrypto modes: GCM (AEAD), CBC with PKCS#7 padding, CTR with a counter of any width,
//! and key wrap (RFC 3394).

use super::{Result, arg, bytes_out, op_err, opt_arg, unsupported};
use aes::cipher::generic_array::{ArrayLength, GenericArray};
use aes::cipher::typenum::{U12, U13, U14, U15, U16};
use aes::cipher::{
    BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, BlockSizeUser,
    KeyInit, KeyIvInit,
};
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::{Aead, AeadCore, Payload};
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::rquickjs;

/// The message WebCrypto implementations give for a failed decryption: it says nothing about why.
const DECRYPT_FAILED: &str = "The operation failed for an operation-specific reason";

fn bad_key_length(len: usize) -> super::CryptoError {
    op_err(format!(
        "AES key data must be 128 or 256 bits (or 192), not {}",
        len * 8
    ))
}

/// AES-GCM encryption (ciphertext followed by the tag) or decryption. `tag_bytes` is 12 to 16.
pub fn gcm(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bytes: usize,
    data: &[u8],
) -> Result<Vec<u8>> {
    match key.len() {
        16 => gcm_nonce::<Aes128>(encrypt, key, iv, aad, tag_bytes, data),
        24 => gcm_nonce::<Aes192>(encrypt, key, iv, aad, tag_bytes, data),
        32 => gcm_nonce::<Aes256>(encrypt, key, iv, aad, tag_bytes, data),
        n => Err(bad_key_length(n)),
    }
}

fn gcm_nonce<A>(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bytes: usize,
    data: &[u8],
) -> Result<Vec<u8>>
where
    A: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
{
    match iv.len() {
        12 => gcm_tag::<A, U12>(encrypt, key, iv, aad, tag_bytes, data),
        16 => gcm_tag::<A, U16>(encrypt, key, iv, aad, tag_bytes, data),
        0 => Err(op_err("AES-GCM: the iv must not be empty")),
        n => Err(unsupported(format!(
            "AES-GCM: an iv of {n} bytes is not supported (use 12 or 16)"
        ))),
    }
}

fn gcm_tag<A, N>(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bytes: usize,
    data: &[u8],
) -> Result<Vec<u8>>
where
    A: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
    N: ArrayLength<u8>,
{
    match tag_bytes {
        12 => gcm_run::<AesGcm<A, N, U12>>(encrypt, key, iv, aad, data),
        13 => gcm_run::<AesGcm<A, N, U13>>(encrypt, key, iv, aad, data),
        14 => gcm_run::<AesGcm<A, N, U14>>(encrypt, key, iv, aad, data),
        15 => gcm_run::<AesGcm<A, N, U15>>(encrypt, key, iv, aad, data),
        16 => gcm_run::<AesGcm<A, N, U16>>(encrypt, key, iv, aad, data),
        n => Err(unsupported(format!(
            "AES-GCM: a tagLength of {} bits is not supported (use 96 to 128)",
            n * 8
        ))),
    }
}

fn gcm_run<C: KeyInit + Aead + AeadCore>(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>> {
    let cipher = C::new_from_slice(key).map_err(|_| bad_key_length(key.len()))?;
    let nonce = aes_gcm::Nonce::<C::NonceSize>::from_exact_iter(iv.iter().copied())
        .ok_or_else(|| op_err("AES-GCM: wrong iv length"))?;
    let payload = Payload { msg: data, aad };
    if encrypt {
        cipher
            .encrypt(&nonce, payload)
            .map_err(|_| op_err("AES-GCM: the plaintext is too long"))
    } else {
        cipher
            .decrypt(&nonce, payload)
            .map_err(|_| op_err(DECRYPT_FAILED))
    }
}

/// AES-CBC with PKCS#7 padding. The iv must be 16 bytes.
pub fn cbc(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    if iv.len() != 16 {
        return Err(op_err("AES-CBC: the iv must be 16 bytes"));
    }
    match key.len() {
        16 => cbc_run::<Aes128>(encrypt, key, iv, data),
        24 => cbc_run::<Aes192>(encrypt, key, iv, data),
        32 => cbc_run::<Aes256>(encrypt, key, iv, data),
        n => Err(bad_key_length(n)),
    }
}

fn cbc_run<A>(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>>
where
    A: BlockCipher + BlockEncrypt + BlockDecrypt + KeyInit,
    cbc::Encryptor<A>: KeyIvInit + BlockEncryptMut,
    cbc::Decryptor<A>: KeyIvInit + BlockDecryptMut,
{
    use aes::cipher::block_padding::Pkcs7;
    if encrypt {
        let c =
            cbc::Encryptor::<A>::new_from_slices(key, iv).map_err(|_| bad_key_length(key.len()))?;
        Ok(c.encrypt_padded_vec_mut::<Pkcs7>(data))
    } else {
        let c =
            cbc::Decryptor::<A>::new_from_slices(key, iv).map_err(|_| bad_key_length(key.len()))?;
        c.decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|_| op_err(DECRYPT_FAILED))
    }
}

/// AES-CTR: the rightmost `length` bits of the 16-byte `counter` block count blocks and wrap around;
/// the rest is a fixed nonce. Encryption and decryption are the same.
pub fn ctr(key: &[u8], counter: &[u8], length: u32, data: &[u8]) -> Result<Vec<u8>> {
    let counter: [u8; 16] = counter
        .try_into()
        .map_err(|_| op_err("AES-CTR: the counter must be 16 bytes"))?;
    if length == 0 || length > 128 {
        return Err(op_err("AES-CTR: length must be between 1 and 128"));
    }
    let blocks = data.len().div_ceil(16) as u128;
    if length < 128 && blocks > (1u128 << length) {
        return Err(op_err(
            "AES-CTR: the data is too long for the counter length",
        ));
    }
    match key.len() {
        16 => ctr_run::<Aes128>(key, counter, length, data),
        24 => ctr_run::<Aes192>(key, counter, length, data),
        32 => ctr_run::<Aes256>(key, counter, length, data),
        n => Err(bad_key_length(n)),
    }
}

fn ctr_run<A>(key: &[u8], counter: [u8; 16], length: u32, data: &[u8]) -> Result<Vec<u8>>
where
    A: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
{
    let cipher = A::new_from_slice(key).map_err(|_| bad_key_length(key.len()))?;
    let mask = if length == 128 {
        u128::MAX
    } else {
        (1u128 << length) - 1
    };
    let start = u128::from_be_bytes(counter);
    let (nonce, count) = (start & !mask, start & mask);
    let mut out = Vec::with_capacity(data.len());
    for (i, chunk) in data.chunks(16).enumerate() {
        let block_value = nonce | (count.wrapping_add(i as u128) & mask);
        let mut block = GenericArray::clone_from_slice(&block_value.to_be_bytes());
        cipher.encrypt_block(&mut block);
        out.extend(chunk.iter().zip(block.iter()).map(|(d, k)| d ^ k));
    }
    Ok(out)
}

/// AES key wrap (RFC 3394): `wrap` encrypts, otherwise unwraps.
pub fn kw(wrap: bool, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    if wrap && (data.len() < 16 || !data.len().is_multiple_of(8)) {
        return Err(op_err(
            "AES-KW: the data to wrap must be a multiple of 8 bytes and at least 16 bytes",
        ));
    }
    let result = match key.len() {
        16 => kw_run::<Aes128>(wrap, key, data),
        24 => kw_run::<Aes192>(wrap, key, data),
        32 => kw_run::<Aes256>(wrap, key, data),
        n => return Err(bad_key_length(n)),
    };
    result.map_err(|_| op_err(DECRYPT_FAILED))
}

fn kw_run<A>(wrap: bool, key: &[u8], data: &[u8]) -> Result<Vec<u8>, aes_kw::Error>
where
    A: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + BlockDecrypt + KeyInit,
{
    let kek = aes_kw::Kek::<A>::try_from(key)?;
    if wrap {
        kek.wrap_vec(data)
    } else {
        kek.unwrap_vec(data)
    }
}

/// Register `aesGcm`, `aesCbc`, `aesCtr` and `aesKw`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "aesGcm",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             encrypt: bool,
             key: TypedArray<'js, u8>,
             iv: TypedArray<'js, u8>,
             aad: Option<TypedArray<'js, u8>>,
             tag_bits: u32,
             data: TypedArray<'js, u8>| {
                let aad = opt_arg(&aad).unwrap_or_default();
                let r = if tag_bits.is_multiple_of(8) {
                    gcm(
                        encrypt,
                        &arg(&key),
                        &arg(&iv),
                        &aad,
                        tag_bits as usize / 8,
                        &arg(&data),
                    )
                } else {
                    Err(op_err("AES-GCM: invalid tagLength"))
                };
                bytes_out(&ctx, r)
            },
        )?,
    )?;
    target.set(
        "aesCbc",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             encrypt: bool,
             key: TypedArray<'js, u8>,
             iv: TypedArray<'js, u8>,
             data: TypedArray<'js, u8>| {
                bytes_out(&ctx, cbc(encrypt, &arg(&key), &arg(&iv), &arg(&data)))
            },
        )?,
    )?;
    target.set(
        "aesCtr",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             key: TypedArray<'js, u8>,
             counter: TypedArray<'js, u8>,
             length: u32,
             data: TypedArray<'js, u8>| {
                bytes_out(&ctx, ctr(&arg(&key), &arg(&counter), length, &arg(&data)))
            },
        )?,
    )?;
    target.set(
        "aesKw",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, wrap: bool, key: TypedArray<'js, u8>, data: TypedArray<'js, u8>| {
                bytes_out(&ctx, kw(wrap, &arg(&key), &arg(&data)))
            },
        )?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctr_counter_wraps_within_its_width() {
        let key = [7u8; 16];
        // An 8-bit counter at 0xff wraps to 0x00 without carrying into the nonce.
        let mut counter = [0xabu8; 16];
        counter[15] = 0xff;
        let two = ctr(&key, &counter, 8, &[0u8; 32]).unwrap();
        let mut wrapped = counter;
        wrapped[15] = 0x00;
        let second = ctr(&key, &wrapped, 8, &[0u8; 16]).unwrap();
        assert_eq!(&two[16..], &second[..]);
        // 257 blocks do not fit an 8-bit counter.
        assert!(ctr(&key, &counter, 8, &[0u8; 16 * 257]).is_err());
        // Round trip.
        let ct = ctr(&key, &counter, 64, b"hello").unwrap();
        assert_eq!(ctr(&key, &counter, 64, &ct).unwrap(), b"hello");
    }

    #[test]
    fn cbc_rejects_bad_padding() {
        let key = [1u8; 32];
        let iv = [2u8; 16];
        let ct = cbc(true, &key, &iv, b"attack at dawn").unwrap();
        assert_eq!(ct.len(), 16);
        assert_eq!(cbc(false, &key, &iv, &ct).unwrap(), b"attack at dawn");
        let other = cbc(false, &[9u8; 32], &iv, &ct);
        assert!(other.is_err() || other.unwrap() != b"attack at dawn");
    }
}
