// url/url-setters.any.js over url/resources/setters_tests.json.
import text from "./data.txt";
const data = JSON.parse(text);
import { Harness, assert_equals } from "./harness.js";

export default {
  fetch() {
    const h = new Harness();
    for (const attribute of Object.keys(data)) {
      if (attribute === "comment") continue;
      for (const testCase of data[attribute]) {
        let name = `Setting <${testCase.href}>.${attribute} = '${testCase.new_value}'`;
        if ("comment" in testCase) name += ` ${testCase.comment}`;
        h.test(() => {
          const url = new URL(testCase.href);
          url[attribute] = testCase.new_value;
          for (const a of Object.keys(testCase.expected)) assert_equals(url[a], testCase.expected[a], a);
        }, `URL: ${name}`);
      }
    }
    return h.response();
  },
};
