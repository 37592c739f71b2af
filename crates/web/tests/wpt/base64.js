// fetch/data-urls/base64.any.js and html/webappapis/atob/base64.any.js over fetch/data-urls/resources/base64.json,
// with base64.any.js's way of checking btoa(): against a reference encoder, and throwing past U+00FF.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_array_equals, assert_equals, assert_throws_dom, format_value, promise_rejects_js } from "./harness.js";

// The reference encoder base64.any.js compares btoa() with (RFC 4648, padded).
function referenceBtoa(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < s.length; i += 3) {
    const b = [s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)];
    out += alphabet[b[0] >> 2];
    out += alphabet[((b[0] & 3) << 4) | (i + 1 < s.length ? b[1] >> 4 : 0)];
    out += i + 1 < s.length ? alphabet[((b[1] & 15) << 2) | (i + 2 < s.length ? b[2] >> 6 : 0)] : "=";
    out += i + 2 < s.length ? alphabet[b[2] & 63] : "=";
  }
  return out;
}

function btoaInputs() {
  let everything = "";
  for (let i = 0; i < 256; i++) everything += String.fromCharCode(i);
  return ["", "a", "ab", "abc", "abcd", "abcde", "\xff\xff\xc0", "\0a", "a\0b", everything, undefined, null, 7, 1.5,
    true, false, NaN, -Infinity, +Infinity, -0, 0, { toString() { return "foo"; } }];
}

export default {
  async fetch() {
    const h = new Harness();
    for (const [input, output] of data) {
      h.test(() => {
        if (output === null) {
          assert_throws_dom("InvalidCharacterError", () => globalThis.atob(input));
          return;
        }
        const result = globalThis.atob(input);
        assert_equals(result.length, output.length, "length");
        for (let i = 0; i < output.length; i++) assert_equals(result.charCodeAt(i), output[i], `code unit ${i}`);
      }, `atob(${format_value(input)})`);
    }
    for (const [input, output] of data) {
      const url = `data:;base64,${input}`;
      await h.promise_test(async () => {
        if (output === null) {
          await promise_rejects_js(TypeError, fetch(url));
          return;
        }
        const body = await (await fetch(url)).arrayBuffer();
        assert_array_equals(new Uint8Array(body), output);
      }, `data: URL base64 handling: ${format_value(input)}`);
    }
    for (const input of btoaInputs()) {
      h.test(() => {
        assert_equals(globalThis.btoa(input), referenceBtoa(String(input)));
      }, `btoa(${format_value(input)}) == binary-to-base64(${format_value(input)})`);
    }
    for (const input of ["\u0100", "a\u00ff\u0100", "\ud800\udc00", "\uffff"]) {
      h.test(() => {
        assert_throws_dom("InvalidCharacterError", () => globalThis.btoa(input));
      }, `btoa(${format_value(input)}) must throw INVALID_CHARACTER_ERR`);
    }
    return h.response();
  },
};
