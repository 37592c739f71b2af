// url/IdnaTestV2.window.js over url/resources/IdnaTestV2.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, assert_throws_js } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const idnaTest of data) {
      if (typeof idnaTest === "string") continue;
      if (idnaTest.input === "") continue; // cannot be tested through new URL()
      h.test(() => {
        if (idnaTest.output === null) {
          assert_throws_js(TypeError, () => new URL(`https://${idnaTest.input}/x`));
        } else {
          const url = new URL(`https://${idnaTest.input}/x`);
          assert_equals(url.host, idnaTest.output, "host");
          assert_equals(url.hostname, idnaTest.output, "hostname");
          assert_equals(url.pathname, "/x", "pathname");
          assert_equals(url.href, `https://${idnaTest.output}/x`, "href");
        }
      }, `ToASCII("${idnaTest.input}")${idnaTest.comment ? ` ${idnaTest.comment}` : ""}`);
    }
    return h.response();
  },
};
