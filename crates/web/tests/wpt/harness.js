// A small testharness.js for WPT data files: records every subtest's name, pass/fail and message.
// The assertion names and semantics follow WPT's testharness.js (same_value, instanceof checks, DOMException names).

class AssertionError extends Error {}

export function format_value(v) {
  if (typeof v === "string") {
    return `"${v.replace(/[\u0000-\u001f"\\\u007f-\u009f\ud800-\udfff\ufffe\uffff]/g, (c) => {
      const special = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\0": "\\0" };
      return special[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    })}"`;
  }
  if (typeof v === "number" && Object.is(v, -0)) return "-0";
  if (Array.isArray(v)) return `[${v.map(format_value).join(", ")}]`;
  if (v === null || typeof v !== "object") return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function fail(message, description) {
  throw new AssertionError(description ? `${description}: ${message}` : message);
}

function sameValue(a, b) {
  return Object.is(a, b);
}

export function assert_true(v, description) {
  if (v !== true) fail(`expected true got ${format_value(v)}`, description);
}

export function assert_equals(actual, expected, description) {
  if (!sameValue(actual, expected)) fail(`expected ${format_value(expected)} but got ${format_value(actual)}`, description);
}

export function assert_array_equals(actual, expected, description) {
  if (actual === null || typeof actual !== "object" || !("length" in actual)) fail(`value is not array-like: ${format_value(actual)}`, description);
  if (actual.length !== expected.length) fail(`lengths differ, expected ${expected.length} got ${actual.length}`, description);
  for (let i = 0; i < expected.length; i++) {
    if (!sameValue(actual[i], expected[i])) fail(`expected ${format_value(expected[i])} but got ${format_value(actual[i])} at index ${i}`, description);
  }
}

// Own enumerable properties, compared recursively (testharness.js's assert_object_equals).
export function assert_object_equals(actual, expected, description) {
  const walk = (a, e, path) => {
    if (typeof e !== "object" || e === null) {
      if (!sameValue(a, e)) fail(`property ${path} expected ${format_value(e)} got ${format_value(a)}`, description);
      return;
    }
    if (typeof a !== "object" || a === null) fail(`property ${path} expected an object got ${format_value(a)}`, description);
    for (const k of Object.keys(a)) if (!(k in e)) fail(`unexpected property ${path}.${k}`, description);
    for (const k of Object.keys(e)) {
      if (!(k in a)) fail(`missing property ${path}.${k}`, description);
      walk(a[k], e[k], `${path}.${k}`);
    }
  };
  walk(actual, expected, "");
}

function checkThrown(e, Type, description) {
  if (e instanceof AssertionError) throw e;
  if (typeof e !== "object" || e === null) fail(`threw a non-object ${format_value(e)}, expected ${Type.name}`, description);
  if (!(e instanceof Type) || e.constructor !== Type) fail(`threw ${e.constructor?.name}: ${e.message}, expected ${Type.name}`, description);
}

export function assert_throws_js(Type, fn, description) {
  let thrown = false;
  try {
    fn();
  } catch (e) {
    thrown = true;
    checkThrown(e, Type, description);
  }
  if (!thrown) fail(`expected a ${Type.name} to be thrown`, description);
}

export function assert_throws_dom(name, fn, description) {
  let thrown = false;
  try {
    fn();
  } catch (e) {
    thrown = true;
    if (e instanceof AssertionError) throw e;
    if (!(e instanceof DOMException)) fail(`threw ${e?.constructor?.name}, expected DOMException ${name}`, description);
    if (e.name !== name) fail(`threw DOMException ${e.name}, expected ${name}`, description);
  }
  if (!thrown) fail(`expected DOMException ${name} to be thrown`, description);
}

export async function promise_rejects_js(Type, promise, description) {
  try {
    await promise;
  } catch (e) {
    checkThrown(e, Type, description);
    return;
  }
  fail(`expected the promise to reject with ${Type.name}`, description);
}

function describe(e) {
  if (e instanceof AssertionError) return e.message;
  return `threw ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`;
}

// Names and messages travel as JSON to the host, whose parser refuses lone surrogates: write those as \uXXXX.
function escapeLoneSurrogates(s) {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Collects results; duplicate names get " [2]", " [3]", ... so every case id is unique and stable.
export class Harness {
  #results = [];
  #seen = new Map();

  #record(name, pass, message) {
    name = escapeLoneSurrogates(name);
    message = escapeLoneSurrogates(message);
    const n = (this.#seen.get(name) ?? 0) + 1;
    this.#seen.set(name, n);
    this.#results.push([n > 1 ? `${name} [${n}]` : name, pass, message]);
  }

  test(fn, name) {
    try {
      fn();
      this.#record(name, true, "");
    } catch (e) {
      this.#record(name, false, describe(e));
    }
  }

  async promise_test(fn, name) {
    try {
      await fn();
      this.#record(name, true, "");
    } catch (e) {
      this.#record(name, false, describe(e));
    }
  }

  // The worker's answer: every subtest as [name, pass, message].
  response() {
    return new Response(JSON.stringify(this.#results), { headers: { "content-type": "application/json" } });
  }
}
