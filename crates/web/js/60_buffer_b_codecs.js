// node:buffer, part 2: the encodings (utf8, utf16le, latin1, ascii, base64, base64url, hex) between strings and bytes,
// with Node's lenient decoding. Long inputs take native paths: UTF-8 (and ASCII) through the host's
// ops.utf8Encode/utf8Decode, hex and base64 through the engine's Uint8Array.fromHex/setFromBase64/toHex/toBase64,
// other latin1 through ops.btoa/atob; input the native decoders reject is first reduced to what Node would read.

const nbFromHex = Uint8Array.fromHex;
const nbSetFromBase64 = Uint8Array.prototype.setFromBase64;
const nbToHex = Uint8Array.prototype.toHex;
const nbToBase64 = Uint8Array.prototype.toBase64;
const NB_URL_UNPADDED = { alphabet: "base64url", omitPadding: true };
const NB_URL_ALPHABET = { alphabet: "base64url" };
const NB_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NB_CHUNK = 8192;
// Below this many bytes/characters a JS loop beats a round trip through the host or a native builtin.
const NB_SHORT = 48;
const nbTypedSlice = Uint8Array.prototype.slice;

// Base64 digits of both alphabets (Node decodes either), -1 elsewhere; indexed by the low byte of a code unit.
const NB_BASE64_DIGITS = (() => {
  const table = new Int8Array(256).fill(-1);
  const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) table[digits.charCodeAt(i)] = i;
  table[0x2d] = 62; // '-'
  table[0x5f] = 63; // '_'
  return table;
})();

const NB_HEX_DIGITS = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    table["0123456789abcdef".charCodeAt(i)] = i;
    table["0123456789ABCDEF".charCodeAt(i)] = i;
  }
  return table;
})();

function nbUtf8Encode(s) {
  return ops.utf8Encode(s.toWellFormed());
}

function nbUtf8Decode(bytes) {
  return bytes.length === 0 ? "" : ops.utf8Decode(bytes, false);
}

// UTF-8 length of a string, a lone surrogate counting as U+FFFD (3 bytes).
function nbUtf8Length(s) {
  const n = s.length;
  if (n > NB_SHORT) return nbUtf8Encode(s).length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) { bytes += 1; continue; }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { bytes += 2; i++; continue; }
    }
    bytes += 2;
  }
  return bytes;
}

// Each code unit's low byte (Node's latin1 and ascii writes). Long strings: ASCII is its own UTF-8; code units up
// to 0xFF go through the host's btoa and the engine's base64 decoder.
function nbLatin1Encode(s) {
  if (s.length > NB_SHORT) {
    let bytes;
    try {
      const utf8 = ops.utf8Encode(s);
      bytes = utf8.length === s.length ? utf8 : nbBase64Native(ops.btoa(s));
    } catch {
      // A lone surrogate or a code unit above 0xFF: only its low byte is kept, below.
    }
    if (bytes !== undefined) return bytes;
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// One character per byte; long inputs as UTF-8 if they are ASCII, else through base64 and the host's atob.
function nbLatin1Decode(bytes) {
  if (bytes.length <= NB_SHORT) return String.fromCharCode.apply(null, bytes);
  return nbAsciiString(bytes) ?? ops.atob(nbToBase64.call(bytes));
}

// The string of `bytes` if they are all ASCII, else undefined.
function nbAsciiString(bytes) {
  if (bytes.length === 0) return "";
  let s;
  try {
    s = ops.utf8Decode(bytes, true);
  } catch (e) {
    if (e instanceof TypeError) return undefined;
    throw e;
  }
  // Valid UTF-8 is ASCII exactly when every byte became one character.
  return s.length === bytes.length ? s : undefined;
}

// Node's ascii decoding drops the high bit of every byte.
function nbAsciiDecode(bytes) {
  const ascii = nbAsciiString(bytes);
  if (ascii !== undefined) return ascii;
  const n = bytes.length;
  const masked = nbTypedSlice.call(bytes);
  const words = new Uint32Array(masked.buffer, 0, n >>> 2);
  for (let i = 0; i < words.length; i++) words[i] &= 0x7f7f7f7f;
  for (let i = words.length * 4; i < n; i++) masked[i] &= 0x7f;
  return ops.utf8Decode(masked, false);
}

function nbUcs2Encode(s) {
  const n = s.length;
  if (NB_LITTLE_ENDIAN) {
    const units = new Uint16Array(n);
    for (let i = 0; i < n; i++) units[i] = s.charCodeAt(i);
    return new Uint8Array(units.buffer);
  }
  const out = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

// Little-endian 16-bit code units; a trailing odd byte is ignored.
function nbUcs2Decode(bytes) {
  const units = bytes.length >>> 1;
  if (!NB_LITTLE_ENDIAN) {
    let out = "";
    for (let i = 0; i < units; i++) out += String.fromCharCode(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    return out;
  }
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : nbTypedSlice.call(bytes, 0, units * 2);
  const view = new Uint16Array(aligned.buffer, aligned.byteOffset, units);
  if (units <= NB_CHUNK) return String.fromCharCode.apply(null, view);
  let out = "";
  for (let i = 0; i < units; i += NB_CHUNK) out += String.fromCharCode.apply(null, view.subarray(i, i + NB_CHUNK));
  return out;
}

// Node's base64 decoding: digits of either alphabet, everything else skipped, stop at the first '='. Only the low
// byte of each code unit counts (as in Node). Well-formed input (either alphabet, whitespace, padding or not) goes
// straight to the engine's decoder; other input is first cleaned up with string operations into what Node reads.
function nbBase64Decode(s) {
  const bytes = nbBase64Native(s) ?? nbBase64Native(s, NB_URL_ALPHABET);
  if (bytes !== undefined) return bytes;
  let digits = s.replace(NB_BASE64_JUNK, nbBase64Kept);
  const end = digits.indexOf("=");
  if (end >= 0) digits = digits.slice(0, end);
  digits = digits.replaceAll("-", "+").replaceAll("_", "/");
  // A lone digit at the end carries no whole byte.
  if (digits.length % 4 === 1) digits = digits.slice(0, -1);
  return nbBase64Native(digits);
}

const NB_BASE64_JUNK = /[^A-Za-z0-9+/\-_=]+/g;
const NB_BASE64_SPACE = /^[\t\n\f\r ]*$/;

// What Node reads from a run of characters that are not base64 digits: the low bytes that are digits or '='.
function nbBase64Kept(run) {
  let kept = "";
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i) & 0xff;
    if (NB_BASE64_DIGITS[c] >= 0 || c === 0x3d) kept += String.fromCharCode(c);
  }
  return kept;
}

// The engine's (forgiving) decoder, into a Uint8Array sized from the length; undefined if it rejects the input.
function nbBase64Native(s, options) {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let result;
  try {
    result = nbSetFromBase64.call(out, s, options);
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  // It stops when the array is full: what is left must be whitespace.
  if (result.read < s.length && !NB_BASE64_SPACE.test(s.slice(result.read))) return undefined;
  return result.written === out.length ? out : out.subarray(0, result.written);
}

// What Buffer.byteLength says for base64: an upper bound from the length, less up to two trailing '='.
function nbBase64Length(s) {
  let n = s.length;
  if (s.charCodeAt(n - 1) === 0x3d) n--;
  if (n > 1 && s.charCodeAt(n - 1) === 0x3d) n--;
  return (n * 3) >>> 2;
}

// Node's hex decoding: pairs of hex digits up to the first pair that is not one; a trailing odd digit is ignored.
// Only the low byte of each code unit counts (as in Node).
function nbHexDecode(s) {
  const pairs = s.length >>> 1;
  try {
    return nbFromHex(pairs * 2 === s.length ? s : s.slice(0, pairs * 2));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  const bad = s.search(NB_NOT_HEX);
  if (s.charCodeAt(bad) < 0x80) return bad < 2 ? new Uint8Array(0) : nbFromHex(s.slice(0, bad & ~1));
  const out = new Uint8Array(pairs);
  let i = 0;
  for (; i < pairs; i++) {
    const hi = NB_HEX_DIGITS[s.charCodeAt(2 * i) & 0xff];
    const lo = NB_HEX_DIGITS[s.charCodeAt(2 * i + 1) & 0xff];
    if (hi < 0 || lo < 0) break;
    out[i] = (hi << 4) | lo;
  }
  return out.subarray(0, i);
}

const NB_NOT_HEX = /[^0-9A-Fa-f]/;

// Write `s` into `buf` at `offset`, at most `length` bytes; returns the bytes written. UTF-8 writes only whole
// characters and UTF-16 only whole code units, as Node does.
function nbWriteString(codec, buf, s, offset, length) {
  if (length <= 0) return 0;
  const units = codec.unitsFor(length);
  const bytes = codec.encode(units !== undefined && s.length > units ? s.slice(0, units) : s);
  let n = Math.min(bytes.length, length);
  if (codec === NB_UTF8) {
    // Back off to the start of a character cut by the end.
    while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
  } else if (codec === NB_UCS2) {
    n &= ~1;
  }
  buf.set(n === bytes.length ? bytes : bytes.subarray(0, n), offset);
  return n;
}

// One encoding: `encode(string)` -> fresh Uint8Array, `decode(bytes)` -> string, `byteLength(string)` as Node
// computes it, `unitsFor(bytes)` -> a prefix of the string long enough to fill that many bytes (undefined: all of it
// may be needed). A UTF-8 prefix keeps one more code unit, so that a surrogate pair cut by it is not mistaken for a
// lone surrogate that would fit.
const NB_UTF8 = {
  encode: nbUtf8Encode,
  decode: nbUtf8Decode,
  byteLength: nbUtf8Length,
  unitsFor: (n) => n + 1,
};
const NB_UCS2 = {
  encode: nbUcs2Encode,
  decode: nbUcs2Decode,
  byteLength: (s) => s.length * 2,
  unitsFor: (n) => n >>> 1,
};
const NB_LATIN1 = {
  encode: nbLatin1Encode,
  decode: nbLatin1Decode,
  byteLength: (s) => s.length,
  unitsFor: (n) => n,
};
const NB_ASCII = {
  encode: nbLatin1Encode,
  decode: nbAsciiDecode,
  byteLength: (s) => s.length,
  unitsFor: (n) => n,
};
const NB_BASE64 = {
  encode: nbBase64Decode,
  decode: (bytes) => nbToBase64.call(bytes),
  byteLength: nbBase64Length,
  unitsFor: () => undefined,
};
const NB_BASE64URL = {
  encode: nbBase64Decode,
  decode: (bytes) => nbToBase64.call(bytes, NB_URL_UNPADDED),
  byteLength: nbBase64Length,
  unitsFor: () => undefined,
};
const NB_HEX = {
  encode: nbHexDecode,
  decode: (bytes) => nbToHex.call(bytes),
  byteLength: (s) => s.length >>> 1,
  unitsFor: (n) => n * 2,
};

const NB_CODECS = new Map([
  ["utf8", NB_UTF8], ["utf-8", NB_UTF8],
  ["ucs2", NB_UCS2], ["ucs-2", NB_UCS2], ["utf16le", NB_UCS2], ["utf-16le", NB_UCS2],
  ["latin1", NB_LATIN1], ["binary", NB_LATIN1],
  ["ascii", NB_ASCII],
  ["base64", NB_BASE64],
  ["base64url", NB_BASE64URL],
  ["hex", NB_HEX],
]);

// The codec an encoding name (any case) names, or undefined.
function nbCodec(encoding) {
  const name = `${encoding}`;
  return NB_CODECS.get(name) ?? NB_CODECS.get(name.toLowerCase());
}

// Node's normalizeEncoding: undefined, null and "" mean utf8.
function nbNormalizedCodec(encoding) {
  if (encoding === undefined || encoding === null || encoding === "") return NB_UTF8;
  return nbCodec(encoding);
}
