// url/url-constructor.any.js and url/url-origin.any.js over url/resources/urltestdata*.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, assert_throws_js, assert_true } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const expected of data) {
      if (typeof expected === "string") continue;
      const base = expected.base !== null ? expected.base : undefined;
      const getURL = () => new URL(expected.input, base);
      h.test(() => {
        if (expected.failure) {
          assert_throws_js(TypeError, getURL);
          return;
        }
        const url = getURL();
        assert_equals(url.href, expected.href, "href");
        assert_equals(url.protocol, expected.protocol, "protocol");
        assert_equals(url.username, expected.username, "username");
        assert_equals(url.password, expected.password, "password");
        assert_equals(url.host, expected.host, "host");
        assert_equals(url.hostname, expected.hostname, "hostname");
        assert_equals(url.port, expected.port, "port");
        assert_equals(url.pathname, expected.pathname, "pathname");
        assert_equals(url.search, expected.search, "search");
        if ("searchParams" in expected) {
          assert_true("searchParams" in url);
          assert_equals(url.searchParams.toString(), expected.searchParams, "searchParams");
        }
        assert_equals(url.hash, expected.hash, "hash");
      }, `Parsing: <${expected.input}> ${base ? `against <${base}>` : "without base"}`);
      if (expected.failure || !("origin" in expected)) continue;
      h.test(() => {
        assert_equals(getURL().origin, expected.origin, "origin");
      }, `Origin parsing: <${expected.input}> ${base ? `against <${base}>` : "without base"}`);
    }
    return h.response();
  },
};
