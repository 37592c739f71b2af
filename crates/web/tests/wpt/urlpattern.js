// urlpattern/resources/urlpatterntests.js over urlpattern/resources/urlpatterntestdata.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals, assert_object_equals, assert_throws_js } from "./harness.js";

const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "password", "pathname", "search", "hash"];
const EARLIER_COMPONENTS = {
  protocol: [],
  hostname: ["protocol"],
  port: ["protocol", "hostname"],
  username: [],
  password: [],
  pathname: ["protocol", "hostname", "port"],
  search: ["protocol", "hostname", "port", "pathname"],
  hash: ["protocol", "hostname", "port", "pathname", "search"],
};

function runEntry(entry) {
  if (entry.expected_obj === "error") {
    assert_throws_js(TypeError, () => new URLPattern(...entry.pattern), "URLPattern() constructor");
    return;
  }
  const pattern = new URLPattern(...entry.pattern);
  entry.expected_obj = entry.expected_obj || {};
  for (const component of COMPONENTS) {
    let expected = entry.expected_obj[component];
    if (expected == undefined) {
      let baseURL = null;
      if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
      else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") baseURL = new URL(entry.pattern[1]);
      if (entry.exactly_empty_components && entry.exactly_empty_components.includes(component)) {
        expected = "";
      } else if (typeof entry.pattern[0] === "object" && entry.pattern[0][component]) {
        expected = entry.pattern[0][component];
      } else if (typeof entry.pattern[0] === "object" && EARLIER_COMPONENTS[component].some((c) => c in entry.pattern[0])) {
        expected = "*";
      } else if (baseURL && component !== "username" && component !== "password") {
        let value = baseURL[component];
        if (component === "protocol") value = value.substring(0, value.length - 1);
        else if (component === "search" || component === "hash") value = value.substring(1, value.length);
        expected = value;
      } else {
        expected = "*";
      }
    }
    assert_equals(pattern[component], expected, `compiled pattern property '${component}'`);
  }

  if (entry.expected_match === "error") {
    assert_throws_js(TypeError, () => pattern.test(...entry.inputs), "test() result");
    assert_throws_js(TypeError, () => pattern.exec(...entry.inputs), "exec() result");
    return;
  }
  assert_equals(pattern.test(...entry.inputs), !!entry.expected_match, "test() result");
  const result = pattern.exec(...entry.inputs);
  if (!entry.expected_match || typeof entry.expected_match !== "object") {
    assert_equals(result, entry.expected_match, "exec() failed match result");
    return;
  }
  if (!entry.expected_match.inputs) entry.expected_match.inputs = entry.inputs;
  assert_equals(result.inputs.length, entry.expected_match.inputs.length, "exec() result.inputs.length");
  for (let i = 0; i < result.inputs.length; ++i) {
    const input = result.inputs[i];
    const expectedInput = entry.expected_match.inputs[i];
    if (typeof input === "string") {
      assert_equals(input, expectedInput, `exec() result.inputs[${i}]`);
      continue;
    }
    for (const component of COMPONENTS) {
      assert_equals(input[component], expectedInput[component], `exec() result.inputs[${i}][${component}]`);
    }
  }
  for (const component of COMPONENTS) {
    let expected = entry.expected_match[component];
    if (!expected) {
      expected = { input: "", groups: {} };
      if (!entry.exactly_empty_components || !entry.exactly_empty_components.includes(component)) expected.groups["0"] = "";
    }
    for (const key in expected.groups) {
      if (expected.groups[key] === null) expected.groups[key] = undefined;
    }
    assert_object_equals(result[component], expected, `exec() result for ${component}`);
  }
}

export default {
  fetch() {
    const h = new Harness();
    for (const entry of data) {
      const name = `Pattern: ${JSON.stringify(entry.pattern)} Inputs: ${JSON.stringify(entry.inputs)}`;
      h.test(() => runEntry(entry), name);
    }
    return h.response();
  },
};
