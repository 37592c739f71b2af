// data: URLs (the Fetch standard's "data: URL processor", behind fetch("data:...")) and MIME types (the MIME
// Sniffing standard's parser and serializer).

const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_QUOTED_STRING_TOKEN = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

function isHttpWhitespace(c) {
  return c === "\t" || c === "\n" || c === "\r" || c === " ";
}

// "Parse a MIME type": { type, subtype, parameters: Map } (lowercased names, values as given), or null.
function parseMimeType(input) {
  const s = String(input).replace(HTTP_WHITESPACE, "");
  let pos = s.indexOf("/");
  if (pos < 0) return null;
  const type = s.slice(0, pos);
  if (!HTTP_TOKEN.test(type)) return null;
  pos++;
  let semi = s.indexOf(";", pos);
  if (semi < 0) semi = s.length;
  const subtype = s.slice(pos, semi).replace(/[\t\n\r ]+$/, "");
  if (!HTTP_TOKEN.test(subtype)) return null;
  const mime = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters: new Map() };
  pos = semi;
  while (pos < s.length) {
    pos++; // past ";"
    while (pos < s.length && isHttpWhitespace(s[pos])) pos++;
    let end = pos;
    while (end < s.length && s[end] !== ";" && s[end] !== "=") end++;
    const name = s.slice(pos, end).toLowerCase();
    pos = end;
    if (pos < s.length) {
      if (s[pos] === ";") continue;
      pos++; // past "="
    }
    if (pos >= s.length) break;
    let value;
    if (s[pos] === '"') {
      [value, pos] = collectQuotedString(s, pos);
      while (pos < s.length && s[pos] !== ";") pos++;
      if (value === "") continue;
    } else {
      end = s.indexOf(";", pos);
      if (end < 0) end = s.length;
      value = s.slice(pos, end).replace(/[\t\n\r ]+$/, "");
      pos = end;
      if (value === "") continue;
    }
    if (name !== "" && HTTP_TOKEN.test(name) && HTTP_QUOTED_STRING_TOKEN.test(value) && !mime.parameters.has(name)) {
      mime.parameters.set(name, value);
    }
  }
  return mime;
}

// "Collect an HTTP quoted string" with extract-value: [value, position after it].
function collectQuotedString(s, pos) {
  let value = "";
  pos++; // past the opening quote
  for (;;) {
    while (pos < s.length && s[pos] !== '"' && s[pos] !== "\\") value += s[pos++];
    if (pos >= s.length) break;
    const c = s[pos++];
    if (c === "\\") {
      if (pos >= s.length) {
        value += "\\";
        break;
      }
      value += s[pos++];
    } else {
      break;
    }
  }
  return [value, pos];
}

function serializeMimeType(mime) {
  let out = `${mime.type}/${mime.subtype}`;
  for (const [name, value] of mime.parameters) {
    const v = value !== "" && HTTP_TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
    out += `;${name}=${v}`;
  }
  return out;
}

function hexValue(b) {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

// "Percent-decode" a string: its UTF-8 bytes with every %XX replaced by that byte.
function percentDecodeBytes(s) {
  const input = ops.utf8Encode(s);
  if (!s.includes("%")) return input;
  const out = new Uint8Array(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    if (b === 0x25 && i + 2 < input.length) {
      const hi = hexValue(input[i + 1]);
      const lo = hexValue(input[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.slice(0, n);
}

const DATA_URL_BASE64 = /;base64$/i;

// The data: URL processor: { mimeType, body } for a data: URL's href, or null on failure.
function processDataURL(href) {
  const hash = href.indexOf("#");
  const input = (hash < 0 ? href : href.slice(0, hash)).slice("data:".length);
  const comma = input.indexOf(",");
  if (comma < 0) return null;
  let mimeType = input.slice(0, comma).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "");
  let body = percentDecodeBytes(input.slice(comma + 1));
  if (DATA_URL_BASE64.test(mimeType)) {
    let binary = "";
    for (let i = 0; i < body.length; i += 8192) binary += String.fromCharCode.apply(null, body.subarray(i, i + 8192));
    body = ops.base64Decode(binary);
    if (body === null || body === undefined) return null;
    mimeType = mimeType.slice(0, -";base64".length);
  }
  if (mimeType.startsWith(";")) mimeType = `text/plain${mimeType}`;
  const parsed = parseMimeType(mimeType) ?? { type: "text", subtype: "plain", parameters: new Map([["charset", "US-ASCII"]]) };
  return { mimeType: parsed, body };
}

// fetch() of a data: URL: a 200 response with the URL's MIME type and body, or a TypeError.
async function fetchDataURL(request) {
  const processed = processDataURL(request.url);
  if (processed === null) throw new TypeError("fetch: the data: URL is not valid");
  return new Response(processed.body, {
    status: 200,
    statusText: "OK",
    headers: { "content-type": serializeMimeType(processed.mimeType) },
  });
}
