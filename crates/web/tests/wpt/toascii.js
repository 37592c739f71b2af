// url/toascii.window.js (its URL half; <a> and <area> need a document) over url/resources/toascii.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, assert_throws_js } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const hostTest of data) {
      if (typeof hostTest === "string") continue;
      const output = hostTest.output === undefined ? hostTest.input : hostTest.output;
      h.test(() => {
        if (output !== null) {
          const url = new URL(`https://${hostTest.input}/x`);
          assert_equals(url.host, output, "host");
          assert_equals(url.hostname, output, "hostname");
          assert_equals(url.pathname, "/x", "pathname");
          assert_equals(url.href, `https://${output}/x`, "href");
        } else {
          assert_throws_js(TypeError, () => new URL(`https://${hostTest.input}/x`));
        }
      }, `${hostTest.input} (using URL)`);
      for (const val of ["host", "hostname"]) {
        h.test(() => {
          const url = new URL("https://x/x");
          url[val] = hostTest.input;
          assert_equals(url[val], output !== null ? output : "x");
        }, `${hostTest.input} (using URL.${val})`);
      }
    }
    return h.response();
  },
};
