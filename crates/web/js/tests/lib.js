// Minimal async test harness for qjs (--std) and node.
const log = typeof print === "function" ? print : (...a) => console.log(...a);
const hasOs = typeof os === "object" && typeof os.setTimeout === "function";
const setT = hasOs ? os.setTimeout : setTimeout;
const clearT = hasOs ? os.clearTimeout : clearTimeout;
const exitWith = (code) => {
  if (typeof std === "object" && typeof std.exit === "function") std.exit(code);
  else if (typeof process === "object") process.exit(code);
};

function delay(ms = 0) {
  return new Promise((resolve) => setT(resolve, ms));
}
// Lets every pending promise job run (several macrotask turns).
async function flush() {
  for (let i = 0; i < 3; i++) await delay(0);
}

class AssertionError extends Error {}
function assert(cond, msg = "assertion failed") {
  if (!cond) throw new AssertionError(msg);
}
function fmt(v) {
  try {
    if (typeof v === "bigint") return `${v}n`;
    if (Object.is(v, -0)) return "-0";
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "object" && v !== null) return JSON.stringify(v);
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
function eq(actual, expected, msg = "") {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${msg} expected ${fmt(expected)}, got ${fmt(actual)}`);
  }
}
function deepEq(actual, expected, msg = "") {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new AssertionError(`${msg} expected ${b}, got ${a}`);
}
function throwsSync(fn, check, msg = "") {
  try {
    fn();
  } catch (e) {
    check(e);
    return e;
  }
  throw new AssertionError(`${msg} expected a throw`);
}
async function rejects(promise, check, msg = "") {
  let threw = false;
  try {
    await promise;
  } catch (e) {
    threw = true;
    check(e);
  }
  if (!threw) throw new AssertionError(`${msg} expected a rejection`);
}
const isTypeError = (e) => assert(e instanceof TypeError, `expected TypeError, got ${e}`);
const isRangeError = (e) => assert(e instanceof RangeError, `expected RangeError, got ${e}`);
const isValue = (v) => (e) => assert(e === v, `expected rejection with ${fmt(v)}, got ${e}`);

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

async function runTests(suite) {
  if (typeof globalThis.__SUITE === "string") suite = globalThis.__SUITE;
  let passed = 0;
  let failed = 0;
  for (const { name, fn } of tests) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setT(() => reject(new AssertionError("timed out (possible deadlock)")), 10000);
    });
    try {
      await Promise.race([Promise.resolve().then(fn), timeout]);
      passed++;
    } catch (e) {
      failed++;
      log(`FAIL [${suite}] ${name}: ${e && e.stack ? `${e}\n${e.stack}` : e}`);
    } finally {
      clearT(timer);
    }
  }
  log(`${suite}: ${passed} passed, ${failed} failed`);
  exitWith(failed === 0 ? 0 : 1);
}
