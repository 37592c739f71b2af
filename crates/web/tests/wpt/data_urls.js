// fetch/data-urls/processing.any.js over fetch/data-urls/resources/data-urls.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_array_equals, assert_equals, format_value, promise_rejects_js } from "./harness.js";

export default {
  async fetch() {
    const h = new Harness();
    for (const [input, mime, body] of data) {
      const expectedMimeType = mime === "" ? "text/plain;charset=US-ASCII" : mime;
      await h.promise_test(async () => {
        if (expectedMimeType === null) {
          await promise_rejects_js(TypeError, fetch(input));
          return;
        }
        const res = await fetch(input);
        const bytes = new Uint8Array(await res.arrayBuffer());
        assert_array_equals(bytes, body, "body");
        assert_equals(res.headers.get("content-type"), expectedMimeType, "content-type");
      }, format_value(input));
    }
    return h.response();
  },
};
