// url/percent-encoding.window.js over url/resources/percent-encoding.json. WPT loads a document in each
// encoding and reads an <a>'s search and hash; in a worker the document encoding is always UTF-8, so each case
// builds the same URL with `new URL()` (query and fragment from the input) and checks it against that encoding's
// expected output. Cases for other encodings are listed in the expectations file.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const unit of data) {
      if (typeof unit === "string") continue;
      for (const encoding of Object.keys(unit.output)) {
        h.test(() => {
          const url = new URL(`https://doesnotmatter.invalid/?${unit.input}#${unit.input}`);
          assert_equals(url.hash, `#${unit.output["utf-8"]}`, "fragment");
          assert_equals(url.search, `?${unit.output[encoding]}`, "query");
        }, `Input ${unit.input} with encoding ${encoding}`);
      }
    }
    return h.response();
  },
};
