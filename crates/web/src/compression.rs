//! Compression Streams: the codecs behind `CompressionStream` and `DecompressionStream`, on `flate2`.
//!
//! The prelude (`js/17_compression.js`) drives a codec by handle: `compressionWrite` hands it input,
//! `compressionRead` takes output back at most [`CHUNK`] bytes at a time (so a small bomb never inflates
//! into one huge native buffer; each chunk lands in the metered JS heap before the next is made),
//! `compressionFinish` marks the end of input, `compressionClose` drops the codec. Formats are the
//! standard's: `gzip` (RFC 1952, one member), `deflate` (zlib, RFC 1950) and `deflate-raw` (RFC 1951).
//! Corrupt or truncated input, or data after the end of the compressed stream, is a `TypeError`.

use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};
use rquickjs::{Ctx, Function, Object, TypedArray, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// The most output one `compressionRead` returns.
pub const CHUNK: usize = 64 * 1024;

/// The most codecs an isolate may hold at once: a deflate compressor keeps about 320 KiB outside the JS heap,
/// so this bounds an isolate's codecs to about 20 MiB.
pub const MAX_LIVE: usize = 64;

/// At most this much input is fed to the inflater per step, so one step can't produce much more than [`CHUNK`].
const INPUT_STEP: usize = 4096;

/// What can go wrong in a codec; each becomes a `TypeError` in JS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The format name is not one of the standard's.
    #[error("Unsupported compression format: '{0}' (use \"gzip\", \"deflate\" or \"deflate-raw\")")]
    Format(String),
    /// The input is not valid compressed data.
    #[error("The compressed data is invalid: {0}")]
    Corrupt(String),
    /// The input ended before the compressed stream did.
    #[error("The compressed data ended before the end of the stream")]
    Truncated,
    /// Bytes followed the end of the compressed stream.
    #[error("Unexpected data after the end of the compressed stream")]
    Trailing,
}

/// The three formats of the Compression Streams standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// gzip (RFC 1952).
    Gzip,
    /// zlib (RFC 1950), which the standard calls "deflate".
    Deflate,
    /// Raw DEFLATE (RFC 1951).
    DeflateRaw,
}

impl Format {
    /// Parse a format name as the JS constructors take it.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "gzip" => Ok(Self::Gzip),
            "deflate" => Ok(Self::Deflate),
            "deflate-raw" => Ok(Self::DeflateRaw),
            other => Err(Error::Format(other.to_owned())),
        }
    }
}

/// The gzip header flate2's `GzEncoder` writes for the default level: no name, no mtime, OS "unknown".
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// The length of a complete gzip header at the start of `buf`, `None` if more bytes are needed.
fn gzip_header_len(buf: &[u8]) -> Result<Option<usize>, Error> {
    if buf.len() < 10 {
        return Ok(None);
    }
    if buf[0] != 0x1f || buf[1] != 0x8b {
        return Err(Error::Corrupt("not gzip data (bad magic bytes)".into()));
    }
    if buf[2] != 8 {
        return Err(Error::Corrupt("unknown gzip compression method".into()));
    }
    let flags = buf[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(len) = buf.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(rest) = buf.get(at..) else {
                return Ok(None);
            };
            match rest.iter().position(|&b| b == 0) {
                Some(nul) => at += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    Ok((buf.len() >= at).then_some(at))
}

enum Stage {
    /// gzip only: collecting the header.
    Header(Vec<u8>),
    /// Inside the DEFLATE data.
    Body,
    /// gzip only: collecting the 8-byte trailer (CRC-32 and size).
    Trailer(Vec<u8>),
    /// The compressed stream has ended.
    Done,
}

enum Kind {
    Compress { inner: Compress, header_sent: bool },
    Decompress { inner: Decompress, stage: Stage },
}

/// One compressor or decompressor, with the input it has not consumed yet.
pub struct Codec {
    format: Format,
    kind: Kind,
    crc: Crc,
    input: Vec<u8>,
    pos: usize,
    finishing: bool,
    finished: bool,
}

fn delta(after: u64, before: u64) -> usize {
    usize::try_from(after - before).unwrap_or(usize::MAX)
}

impl Codec {
    /// A compressor (default level, as flate2's encoders) or decompressor for `format`.
    pub fn new(format: Format, decompress: bool) -> Self {
        let kind = if decompress {
            Kind::Decompress {
                inner: Decompress::new(format == Format::Deflate),
                stage: if format == Format::Gzip {
                    Stage::Header(Vec::new())
                } else {
                    Stage::Body
                },
            }
        } else {
            Kind::Compress {
                inner: Compress::new(Compression::default(), format == Format::Deflate),
                header_sent: false,
            }
        };
        Self {
            format,
            kind,
            crc: Crc::new(),
            input: Vec::new(),
            pos: 0,
            finishing: false,
            finished: false,
        }
    }

    /// Queue `bytes` of input.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.pos == self.input.len() {
            self.input.clear();
            self.pos = 0;
        }
        self.input.extend_from_slice(bytes);
    }

    /// No more input will come.
    pub fn finish(&mut self) {
        self.finishing = true;
    }

    /// Up to [`CHUNK`] bytes of output; an empty vector when the queued input is used up (and, after
    /// [`finish`](Self::finish), when the stream is complete).
    pub fn read(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(CHUNK);
        match self.kind {
            Kind::Compress { .. } => self.compress_into(&mut out)?,
            Kind::Decompress { .. } => self.decompress_into(&mut out)?,
        }
        Ok(out)
    }

    fn compress_into(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let Kind::Compress { inner, header_sent } = &mut self.kind else {
            return Ok(());
        };
        if self.format == Format::Gzip && !*header_sent {
            out.extend_from_slice(&GZIP_HEADER);
            *header_sent = true;
        }
        while out.len() < out.capacity() && !self.finished {
            let input = &self.input[self.pos..];
            if input.is_empty() && !self.finishing {
                break;
            }
            let flush = if self.finishing {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            let (before_in, before_out) = (inner.total_in(), inner.total_out());
            let status = inner
                .compress_vec(input, out, flush)
                .map_err(|e| Error::Corrupt(e.to_string()))?;
            let consumed = delta(inner.total_in(), before_in);
            self.crc.update(&input[..consumed]);
            self.pos += consumed;
            if status == Status::StreamEnd {
                self.finished = true;
                if self.format == Format::Gzip {
                    out.extend_from_slice(&self.crc.sum().to_le_bytes());
                    out.extend_from_slice(&self.crc.amount().to_le_bytes());
                }
            } else if consumed == 0 && delta(inner.total_out(), before_out) == 0 {
                break;
            }
        }
        Ok(())
    }

    fn decompress_into(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        loop {
            let Kind::Decompress { inner, stage } = &mut self.kind else {
                return Ok(());
            };
            let input = &self.input[self.pos..];
            match stage {
                Stage::Header(buf) => {
                    buf.extend_from_slice(input);
                    self.pos = self.input.len();
                    match gzip_header_len(buf)? {
                        Some(len) => {
                            let rest = buf.split_off(len);
                            self.input = rest;
                            self.pos = 0;
                            *stage = Stage::Body;
                        }
                        None => break,
                    }
                }
                Stage::Body => {
                    if out.len() >= CHUNK || (input.is_empty() && !self.finishing) {
                        break;
                    }
                    let step = &input[..input.len().min(INPUT_STEP)];
                    let (before_in, before_out) = (inner.total_in(), inner.total_out());
                    let start = out.len();
                    let status = inner
                        .decompress_vec(step, out, FlushDecompress::None)
                        .map_err(|e| Error::Corrupt(e.to_string()))?;
                    let consumed = delta(inner.total_in(), before_in);
                    self.pos += consumed;
                    if self.format == Format::Gzip {
                        self.crc.update(&out[start..]);
                    }
                    if status == Status::StreamEnd {
                        *stage = if self.format == Format::Gzip {
                            Stage::Trailer(Vec::new())
                        } else {
                            Stage::Done
                        };
                    } else if consumed == 0 && delta(inner.total_out(), before_out) == 0 {
                        if input.is_empty() {
                            break;
                        }
                        // Input and output room, yet no progress: never loop on it.
                        return Err(Error::Corrupt("the inflater made no progress".into()));
                    }
                }
                Stage::Trailer(buf) => {
                    let need = 8 - buf.len();
                    let take = input.len().min(need);
                    buf.extend_from_slice(&input[..take]);
                    self.pos += take;
                    if buf.len() < 8 {
                        break;
                    }
                    let crc = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
                    let size = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
                    if crc != self.crc.sum() || size != self.crc.amount() {
                        return Err(Error::Corrupt("gzip CRC or length mismatch".into()));
                    }
                    *stage = Stage::Done;
                }
                Stage::Done => {
                    if !input.is_empty() {
                        return Err(Error::Trailing);
                    }
                    self.finished = true;
                    break;
                }
            }
        }
        if self.finishing && !self.finished && out.is_empty() && self.pos == self.input.len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }
}

/// The live codecs of one isolate, by handle.
#[derive(Default)]
pub struct CodecTable {
    next: Cell<u32>,
    codecs: RefCell<HashMap<u32, Codec>>,
}

fn type_error(ctx: &Ctx<'_>, msg: impl Into<String>) -> rquickjs::Error {
    OpError::Type(msg.into()).throw(ctx)
}

/// Register `compressionNew(format, decompress)`, `compressionWrite(id, bytes)`, `compressionFinish(id)`,
/// `compressionRead(id)` (a `Uint8Array`, or `null` when no output is ready) and `compressionClose(id)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    let table = Rc::new(CodecTable::default());
    let t = table.clone();
    target.set(
        "compressionNew",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, format: String, decompress: bool| {
                let format = Format::parse(&format).map_err(|e| type_error(&ctx, e.to_string()))?;
                let mut codecs = t.codecs.borrow_mut();
                if codecs.len() >= MAX_LIVE {
                    return Err(type_error(
                        &ctx,
                        format!("Too many compression streams in use at once (the limit is {MAX_LIVE}); finish or cancel some first"),
                    ));
                }
                let id = t.next.get().wrapping_add(1).max(1);
                t.next.set(id);
                codecs.insert(id, Codec::new(format, decompress));
                Ok::<_, rquickjs::Error>(id)
            },
        )?,
    )?;
    let t = table.clone();
    target.set(
        "compressionWrite",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, id: u32, bytes: TypedArray<'js, u8>| {
                let mut codecs = t.codecs.borrow_mut();
                let codec = codecs
                    .get_mut(&id)
                    .ok_or_else(|| type_error(&ctx, "The compression stream is closed"))?;
                codec.write(&crate::body::copy_bytes(&bytes));
                Ok::<_, rquickjs::Error>(())
            },
        )?,
    )?;
    let t = table.clone();
    target.set(
        "compressionFinish",
        Function::new(ctx.clone(), move |id: u32| {
            if let Some(codec) = t.codecs.borrow_mut().get_mut(&id) {
                codec.finish();
            }
        })?,
    )?;
    let t = table.clone();
    target.set(
        "compressionRead",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, id: u32| {
            let result = {
                let mut codecs = t.codecs.borrow_mut();
                let codec = codecs
                    .get_mut(&id)
                    .ok_or_else(|| type_error(&ctx, "The compression stream is closed"))?;
                codec.read()
            };
            match result {
                Ok(bytes) if bytes.is_empty() => Ok(Value::new_null(ctx.clone())),
                Ok(bytes) => TypedArray::<u8>::new(ctx.clone(), bytes).map(|a| a.into_value()),
                Err(e) => {
                    t.codecs.borrow_mut().remove(&id);
                    Err(type_error(&ctx, e.to_string()))
                }
            }
        })?,
    )?;
    let t = table;
    target.set(
        "compressionClose",
        Function::new(ctx.clone(), move |id: u32| {
            t.codecs.borrow_mut().remove(&id);
        })?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn run(codec: &mut Codec, input: &[u8], pieces: usize) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        for piece in input.chunks(input.len().div_ceil(pieces).max(1)) {
            codec.write(piece);
            loop {
                let chunk = codec.read()?;
                if chunk.is_empty() {
                    break;
                }
                assert!(chunk.len() <= CHUNK + 16);
                out.extend_from_slice(&chunk);
            }
        }
        codec.finish();
        loop {
            let chunk = codec.read()?;
            if chunk.is_empty() {
                break;
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn sample() -> Vec<u8> {
        (0..200_000u32)
            .flat_map(|i| format!("line {} {}\n", i % 977, i * 7 % 13).into_bytes())
            .collect()
    }

    #[test]
    fn gzip_matches_flate2_and_round_trips() {
        let data = sample();
        let ours = run(&mut Codec::new(Format::Gzip, false), &data, 7).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&data).unwrap();
        assert_eq!(ours, enc.finish().unwrap());
        let back = run(&mut Codec::new(Format::Gzip, true), &ours, 13).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn deflate_and_raw_match_flate2() {
        let data = sample();
        let zlib = run(&mut Codec::new(Format::Deflate, false), &data, 3).unwrap();
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&data).unwrap();
        assert_eq!(zlib, enc.finish().unwrap());
        let raw = run(&mut Codec::new(Format::DeflateRaw, false), &data, 1).unwrap();
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&data).unwrap();
        assert_eq!(raw, enc.finish().unwrap());
        assert_eq!(
            run(&mut Codec::new(Format::Deflate, true), &zlib, 50).unwrap(),
            data
        );
        assert_eq!(
            run(&mut Codec::new(Format::DeflateRaw, true), &raw, 1).unwrap(),
            data
        );
    }

    #[test]
    fn gzip_header_fields_are_skipped() {
        let mut enc = flate2::GzBuilder::new()
            .filename("a.txt")
            .comment("hi")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::best());
        enc.write_all(b"hello hello hello").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(
            run(&mut Codec::new(Format::Gzip, true), &gz, gz.len()).unwrap(),
            b"hello hello hello"
        );
    }

    #[test]
    fn corrupt_truncated_and_trailing_input_fail() {
        let gz = run(&mut Codec::new(Format::Gzip, false), b"some data", 1).unwrap();
        let mut bad = gz.clone();
        let n = bad.len();
        bad[n - 6] ^= 1; // CRC
        assert!(matches!(
            run(&mut Codec::new(Format::Gzip, true), &bad, 1),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            run(&mut Codec::new(Format::Gzip, true), &gz[..n - 3], 2),
            Err(Error::Truncated)
        ));
        let mut trailing = gz.clone();
        trailing.push(0);
        assert!(matches!(
            run(&mut Codec::new(Format::Gzip, true), &trailing, 1),
            Err(Error::Trailing)
        ));
        assert!(matches!(
            run(
                &mut Codec::new(Format::Deflate, true),
                b"not zlib at all",
                1
            ),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            run(&mut Codec::new(Format::Gzip, true), b"", 1),
            Err(Error::Truncated)
        ));
    }

    #[test]
    fn a_bomb_comes_out_in_bounded_chunks() {
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let raw = run(&mut Codec::new(Format::DeflateRaw, false), &zeros, 1).unwrap();
        assert!(raw.len() < 64 * 1024);
        let mut codec = Codec::new(Format::DeflateRaw, true);
        codec.write(&raw);
        codec.finish();
        let mut total = 0;
        loop {
            let chunk = codec.read().unwrap();
            if chunk.is_empty() {
                break;
            }
            assert!(chunk.len() <= 2 * CHUNK, "{}", chunk.len());
            total += chunk.len();
        }
        assert_eq!(total, zeros.len());
    }
}
