// fetch/content-length/parsing.window.js over fetch/content-length/resources/content-lengths.json. The host's
// server answers /resources/content-length.py as WPT's does: the `length` query parameter is written verbatim as
// header lines, followed by a 42-byte body, and the connection is closed.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, promise_rejects_js } from "./harness.js";

export default {
  async fetch() {
    const h = new Harness();
    for (const unit of data) {
      const input = encodeURIComponent(unit.input);
      await h.promise_test(async () => {
        const result = fetch(`http://wpt.test/resources/content-length.py?length=${input}`);
        if (unit.output === null) {
          await promise_rejects_js(TypeError, result.then((res) => res.text()));
          return;
        }
        const text = await (await result).text();
        assert_equals(text.length, unit.output);
      }, `Content-Length: ${input}`);
    }
    return h.response();
  },
};
