// encoding/textdecoder-labels.any.js and encoding/api-replacement-encodings.any.js over the Encoding standard's
// encodings.json (WPT's encoding/resources/encodings.js is generated from it).
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, assert_throws_js } from "./harness.js";

const WHITESPACE = [" ", "\t", "\n", "\f", "\r"];

export default {
  fetch() {
    const h = new Harness();
    for (const section of data) {
      for (const encoding of section.encodings) {
        for (const label of encoding.labels) {
          if (encoding.name === "replacement") {
            h.test(() => {
              assert_throws_js(RangeError, () => new TextDecoder(label));
            }, `Label for "replacement" should be rejected by API: ${label}`);
            continue;
          }
          const name = encoding.name.toLowerCase();
          h.test(() => {
            assert_equals(new TextDecoder(label).encoding, name, "label for encoding should match");
            assert_equals(new TextDecoder(label.toUpperCase()).encoding, name, "label matching should be case-insensitive");
            for (const ws of WHITESPACE) {
              assert_equals(new TextDecoder(ws + label).encoding, name, "leading whitespace");
              assert_equals(new TextDecoder(label + ws).encoding, name, "trailing whitespace");
              assert_equals(new TextDecoder(ws + label + ws).encoding, name, "surrounding whitespace");
            }
          }, `${label} => ${encoding.name}`);
        }
      }
    }
    return h.response();
  },
};
