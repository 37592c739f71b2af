//! Sealing secrets at rest: AES-256-GCM under the platform's secret key, bound to the worker and the name.
//!
//! ```
//! use verge_core::secrets::SecretKey;
//! let key = SecretKey::generate();
//! let sealed = key.seal("api", "TOKEN", "s3cret");
//! assert_eq!(key.open("api", "TOKEN", &sealed).unwrap(), "s3cret");
//! assert!(key.open("other", "TOKEN", &sealed).is_err());
//! ```

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Why a secret could not be unsealed, or a key read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

/// The platform's secret key (32 bytes). Stored as 64 hex digits in a file only the platform reads.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        // The OS random source failing is not recoverable for a platform that needs keys.
        getrandom::fill(&mut k).unwrap_or_else(|e| panic!("no OS randomness: {e}"));
        Self(k)
    }

    /// Read a key from its hex form.
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        let t = text.trim();
        if t.len() != 64 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(SecretError("a secret key is 64 hex digits".into()));
        }
        let mut k = [0u8; 32];
        for (i, byte) in k.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16)
                .map_err(|e| SecretError(e.to_string()))?;
        }
        Ok(Self(k))
    }

    /// The key as hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Seal `value` for `worker`'s secret `name`: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, worker: &str, name: &str, value: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).unwrap_or_else(|e| panic!("no OS randomness: {e}"));
        let aad = format!("{worker}\0{name}");
        let cipher = Aes256Gcm::new((&self.0).into());
        // Encryption with a valid key and nonce does not fail.
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    /// Open a value sealed by [`SecretKey::seal`] for the same worker and name.
    pub fn open(&self, worker: &str, name: &str, sealed: &str) -> Result<String, SecretError> {
        let raw = B64
            .decode(sealed)
            .map_err(|_| SecretError(format!("secret {name}: not base64")))?;
        if raw.len() < 12 + 16 {
            return Err(SecretError(format!("secret {name}: too short")));
        }
        let (nonce, ct) = raw.split_at(12);
        let aad = format!("{worker}\0{name}");
        let plain = Aes256Gcm::new((&self.0).into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                SecretError(format!(
                    "secret {name} of {worker} does not open with this key"
                ))
            })?;
        String::from_utf8(plain).map_err(|_| SecretError(format!("secret {name}: not UTF-8")))
    }
}
