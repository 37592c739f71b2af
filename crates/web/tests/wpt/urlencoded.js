// url/urlencoded-parser.any.js (its URLSearchParams half) over url/resources/urlencoded-parser-data.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_array_equals, assert_equals } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const val of data) {
      if (typeof val === "string") continue;
      h.test(() => {
        const sp = new URLSearchParams(val.input);
        let i = 0;
        for (const item of sp) {
          assert_array_equals(item, val.output[i], `pair ${i}`);
          i++;
        }
        assert_equals(i, val.output.length, "number of pairs");
        assert_equals(sp.size, val.output.length, "size");
      }, `URLSearchParams constructed with: ${val.input}`);
    }
    return h.response();
  },
};
