//! The Encoding standard's decoders for `TextDecoder` (every encoding, on `encoding_rs`), UTF-8 for
//! `TextEncoder`, and forgiving base64 for `atob`/`btoa` and `data:` URLs.

use crate::body::copy_bytes;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use encoding_rs::{CoderResult, Decoder, DecoderResult, Encoding};
use rquickjs::{Ctx, Function, Object, TypedArray};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// Decoders in the middle of a stream (`decode(chunk, { stream: true })`), by id. A decoder leaves the table when
/// its stream ends, when it fails, or when its `TextDecoder` is collected.
#[derive(Default)]
struct StreamingDecoders {
    next: u32,
    live: HashMap<u32, Decoder>,
}

/// The encoding a label names (ASCII whitespace trimmed, case-insensitive), as its lowercase name;
/// `replacement` for the labels of the replacement encoding.
fn encoding_for_label(label: &str) -> Option<String> {
    Encoding::for_label(label.as_bytes()).map(|e| e.name().to_ascii_lowercase())
}

fn encoding_by_name(name: &str) -> Option<&'static Encoding> {
    Encoding::for_label_no_replacement(name.as_bytes())
}

fn new_decoder(encoding: &'static Encoding, ignore_bom: bool) -> Decoder {
    // The Encoding standard's "decode" for TextDecoder strips a leading BOM only of UTF-8 and UTF-16, which is
    // what encoding_rs's BOM removal does (it never switches encodings).
    if ignore_bom {
        encoding.new_decoder_without_bom_handling()
    } else {
        encoding.new_decoder_with_bom_removal()
    }
}

/// Run `bytes` through `decoder`; `last` flushes it. `None` when `fatal` and the input is malformed.
fn run_decoder(decoder: &mut Decoder, bytes: &[u8], fatal: bool, last: bool) -> Option<String> {
    let capacity = decoder
        .max_utf8_buffer_length(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3).saturating_add(16));
    let mut out = String::with_capacity(capacity);
    let mut input = bytes;
    loop {
        if fatal {
            let (result, read) =
                decoder.decode_to_string_without_replacement(input, &mut out, last);
            input = &input[read..];
            match result {
                DecoderResult::InputEmpty => return Some(out),
                DecoderResult::Malformed(_, _) => return None,
                DecoderResult::OutputFull => {
                    out.reserve(input.len().saturating_mul(3).saturating_add(16))
                }
            }
        } else {
            let (result, read, _) = decoder.decode_to_string(input, &mut out, last);
            input = &input[read..];
            match result {
                CoderResult::InputEmpty => return Some(out),
                CoderResult::OutputFull => {
                    out.reserve(input.len().saturating_mul(3).saturating_add(16))
                }
            }
        }
    }
}

fn invalid_data(ctx: &Ctx<'_>, name: &str) -> rquickjs::Error {
    OpError::Type(format!(
        "The encoded data was not valid for encoding {name}"
    ))
    .throw(ctx)
}

fn unknown_encoding(ctx: &Ctx<'_>, name: &str) -> rquickjs::Error {
    OpError::Range(format!("The encoding {name} is not supported")).throw(ctx)
}

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

/// Register `utf8Encode`, `utf8Decode`, `encodingForLabel`, `textDecode`, `textDecodeStream`,
/// `textDecodeStreamFree`, `base64Decode`, `atob`, `btoa`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    register_decoders(ctx, target)?;
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

/// The `TextDecoder` ops: label lookup, one-shot decoding, and decoders kept between streamed chunks.
fn register_decoders<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "encodingForLabel",
        Function::new(ctx.clone(), |label: String| encoding_for_label(&label))?,
    )?;
    target.set(
        "textDecode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             name: String,
             bytes: TypedArray<'js, u8>,
             fatal: bool,
             ignore_bom: bool|
             -> rquickjs::Result<String> {
                let encoding =
                    encoding_by_name(&name).ok_or_else(|| unknown_encoding(&ctx, &name))?;
                let mut decoder = new_decoder(encoding, ignore_bom);
                run_decoder(&mut decoder, &copy_bytes(&bytes), fatal, true)
                    .ok_or_else(|| invalid_data(&ctx, &name))
            },
        )?,
    )?;
    let streams = Rc::new(RefCell::new(StreamingDecoders::default()));
    let table = streams.clone();
    // textDecodeStream(id, name, bytes, fatal, ignoreBOM, last) -> [id, text]: id 0 starts a new stream; the id
    // returned is 0 once the stream has ended (last chunk, or a fatal error, which is thrown).
    target.set(
        "textDecodeStream",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  id: u32,
                  name: String,
                  bytes: TypedArray<'js, u8>,
                  fatal: bool,
                  ignore_bom: bool,
                  last: bool|
                  -> rquickjs::Result<rquickjs::Array<'js>> {
                let mut streams = table.borrow_mut();
                let mut decoder = match streams.live.remove(&id) {
                    Some(d) => d,
                    None => {
                        let encoding =
                            encoding_by_name(&name).ok_or_else(|| unknown_encoding(&ctx, &name))?;
                        new_decoder(encoding, ignore_bom)
                    }
                };
                let text = run_decoder(&mut decoder, &copy_bytes(&bytes), fatal, last)
                    .ok_or_else(|| invalid_data(&ctx, &name))?;
                let answer = |id: u32, text: String| -> rquickjs::Result<rquickjs::Array<'js>> {
                    let pair = rquickjs::Array::new(ctx.clone())?;
                    pair.set(0, id)?;
                    pair.set(1, text)?;
                    Ok(pair)
                };
                if last {
                    return answer(0, text);
                }
                let id = if id != 0 {
                    id
                } else {
                    streams.next = streams.next.wrapping_add(1).max(1);
                    streams.next
                };
                streams.live.insert(id, decoder);
                answer(id, text)
            },
        )?,
    )?;
    target.set(
        "textDecodeStreamFree",
        Function::new(ctx.clone(), move |id: u32| {
            streams.borrow_mut().live.remove(&id);
        })?,
    )?;
    target.set(
        "base64Decode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, s: String| -> rquickjs::Result<Option<TypedArray<'js, u8>>> {
                forgiving_base64_decode(&s)
                    .map(|bytes| TypedArray::new(ctx, bytes))
                    .transpose()
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

    #[test]
    fn labels_and_decoders() {
        use super::{encoding_by_name, encoding_for_label, new_decoder, run_decoder};
        assert_eq!(
            encoding_for_label(" Latin1\n").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(
            encoding_for_label("csiso2022kr").as_deref(),
            Some("replacement")
        );
        assert_eq!(encoding_for_label("utf-16").as_deref(), Some("utf-16le"));
        assert_eq!(encoding_for_label("nope"), None);
        let sjis = encoding_by_name("shift_jis").unwrap();
        let mut d = new_decoder(sjis, false);
        assert_eq!(run_decoder(&mut d, &[0x82], false, false).unwrap(), "");
        assert_eq!(
            run_decoder(&mut d, &[0xA0], false, true).unwrap(),
            "\u{3042}"
        );
        let utf8 = encoding_by_name("utf-8").unwrap();
        assert!(run_decoder(&mut new_decoder(utf8, false), &[0xFF], true, true).is_none());
        assert_eq!(
            run_decoder(
                &mut new_decoder(utf8, false),
                &[0xEF, 0xBB, 0xBF, 0x61],
                false,
                true
            )
            .unwrap(),
            "a"
        );
        assert_eq!(
            run_decoder(
                &mut new_decoder(utf8, true),
                &[0xEF, 0xBB, 0xBF],
                false,
                true
            )
            .unwrap(),
            "\u{FEFF}"
        );
    }
}
