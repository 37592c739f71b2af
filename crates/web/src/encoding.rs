//! UTF-8 encoding and decoding for `TextEncoder`/`TextDecoder`, and forgiving base64 for `atob`/`btoa`.

use crate::body::copy_bytes;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::ops::OpError;
use verge_js::rquickjs;

const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The forgiving-base64 decode of the HTML standard; `None` on invalid input.
pub fn forgiving_base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut s: String = input
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\x0C' | '\r' | ' '))
        .collect();
    if s.len().is_multiple_of(4) {
        if s.ends_with("==") {
            s.truncate(s.len() - 2);
        } else if s.ends_with('=') {
            s.truncate(s.len() - 1);
        }
    }
    if s.len() % 4 == 1
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return None;
    }
    FORGIVING.decode(s.as_bytes()).ok()
}

/// Register `utf8Encode`, `utf8Decode`, `atob`, `btoa`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "utf8Encode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, s: String| -> rquickjs::Result<TypedArray<'js, u8>> {
                TypedArray::new(ctx, s.into_bytes())
            },
        )?,
    )?;
    target.set(
        "utf8Decode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, bytes: TypedArray<'js, u8>, fatal: bool| -> rquickjs::Result<String> {
                let data = copy_bytes(&bytes);
                if fatal {
                    String::from_utf8(data).map_err(|_| {
                        OpError::Type("The encoded data was not valid for encoding utf-8".into())
                            .throw(&ctx)
                    })
                } else {
                    Ok(String::from_utf8_lossy(&data).into_owned())
                }
            },
        )?,
    )?;
    target.set(
        "atob",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, s: String| -> rquickjs::Result<String> {
                match forgiving_base64_decode(&s) {
                    // Bytes become code units 0-255 (a "binary string").
                    Some(bytes) => Ok(bytes.into_iter().map(char::from).collect()),
                    None => Err(dom_error(
                        &ctx,
                        "InvalidCharacterError",
                        "The string to be decoded is not correctly encoded.",
                    )),
                }
            },
        )?,
    )?;
    target.set(
        "btoa",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, s: String| -> rquickjs::Result<String> {
                let mut bytes = Vec::with_capacity(s.len());
                for c in s.chars() {
                    match u8::try_from(u32::from(c)) {
                        Ok(b) => bytes.push(b),
                        Err(_) => {
                            return Err(dom_error(
                                &ctx,
                                "InvalidCharacterError",
                                "The string to be encoded contains characters outside of the Latin1 range.",
                            ));
                        }
                    }
                }
                Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
            },
        )?,
    )?;
    Ok(())
}

/// Throw a `DOMException` (the prelude's class) with `name`.
pub fn dom_error(ctx: &Ctx<'_>, name: &str, message: &str) -> rquickjs::Error {
    let made = ctx
        .globals()
        .get::<_, rquickjs::Constructor<'_>>("DOMException")
        .and_then(|c| c.construct::<_, rquickjs::Value<'_>>((message, name)));
    match made {
        Ok(v) => ctx.throw(v),
        Err(_) => OpError::Error(format!("{name}: {message}")).throw(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::forgiving_base64_decode as d;

    #[test]
    fn forgiving_base64() {
        assert_eq!(d("aGk=").unwrap(), b"hi");
        assert_eq!(d("aGk").unwrap(), b"hi");
        assert_eq!(d(" a G k = ").unwrap(), b"hi");
        assert!(d("a").is_none());
        assert!(d("aGk==").is_none());
        assert!(d("a*Gk").is_none());
        assert_eq!(d("").unwrap(), b"");
    }
}
