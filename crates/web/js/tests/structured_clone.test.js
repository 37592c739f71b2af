// Tests for 12_structured_clone.js (run through tests/run.sh, once with and
// once without a DOMException global).
const { structuredCloneMarkNotCloneable } = globalThis.__internals;
const noDOMException = globalThis.__NO_DOMEXCEPTION === true;

function isDataCloneError(e) {
  assert(e instanceof Error, `expected an Error, got ${e}`);
  eq(e.name, "DataCloneError");
  if (!noDOMException) {
    assert(e instanceof DOMException, "expected a DOMException");
    eq(e.code, 25);
  }
}

const throwsDataClone = (value, options) =>
  throwsSync(() => structuredClone(value, options), isDataCloneError, `cloning ${typeof value}`);

test("shape", () => {
  const desc = Object.getOwnPropertyDescriptor(globalThis, "structuredClone");
  eq(desc.enumerable, false);
  eq(desc.writable, true);
  eq(structuredClone.length, 1);
  eq(structuredClone.name, "structuredClone");
  throwsSync(() => structuredClone(), isTypeError);
  throwsSync(() => structuredClone(1, 5), isTypeError);
  throwsSync(() => structuredClone(1, { transfer: 5 }), isTypeError);
  throwsSync(() => structuredClone(1, { transfer: [1] }), isTypeError);
  eq(structuredClone(7, null), 7);
  eq(structuredClone(7, {}), 7);
});

test("primitives", () => {
  for (const v of [undefined, null, true, false, 0, 1.5, NaN, Infinity, "", "str", 10n, -(2n ** 70n)]) {
    eq(structuredClone(v), v);
  }
  eq(Object.is(structuredClone(-0), -0), true, "-0 preserved");
  throwsDataClone(Symbol("s"));
});

test("primitive wrapper objects", () => {
  const b = structuredClone(Object(false));
  eq(typeof b, "object");
  eq(b.valueOf(), false);
  assert(b instanceof Boolean);
  const n = structuredClone(new Number(-0));
  assert(n instanceof Number);
  eq(Object.is(n.valueOf(), -0), true);
  const s = structuredClone(new String("abc"));
  assert(s instanceof String);
  eq(s.valueOf(), "abc");
  const big = structuredClone(Object(5n));
  eq(typeof big, "object");
  eq(big.valueOf(), 5n);
  throwsDataClone(Object(Symbol("boxed")));
});

test("Date and RegExp", () => {
  const d = new Date(1234567890123);
  const dc = structuredClone(d);
  assert(dc instanceof Date && dc !== d);
  eq(dc.getTime(), d.getTime());
  eq(structuredClone(new Date(NaN)).getTime(), NaN);
  const re = /a+b/dgimsy;
  re.lastIndex = 3;
  re.extra = 1;
  const rc = structuredClone(re);
  assert(rc instanceof RegExp && rc !== re);
  eq(rc.source, "a+b");
  eq(rc.flags, re.flags);
  eq(rc.lastIndex, 0, "lastIndex not preserved");
  eq(rc.extra, undefined);
  const rv = structuredClone(/[\p{L}--[a-z]]/v);
  eq(rv.flags, "v");
  // A fake date (borrowed prototype, no [[DateValue]]) clones as a plain object.
  const fake = structuredClone(Object.create(Date.prototype));
  eq(Object.getPrototypeOf(fake), Object.prototype);
});

test("ArrayBuffer (including resizable) is copied", () => {
  const ab = new Uint8Array([1, 2, 3]).buffer;
  const c = structuredClone(ab);
  assert(c instanceof ArrayBuffer && c !== ab);
  deepEq(Array.from(new Uint8Array(c)), [1, 2, 3]);
  new Uint8Array(ab)[0] = 9;
  eq(new Uint8Array(c)[0], 1);
  if (typeof ArrayBuffer.prototype.resize === "function") {
    const r = new ArrayBuffer(4, { maxByteLength: 16 });
    new Uint8Array(r)[3] = 7;
    const rc = structuredClone(r);
    eq(rc.resizable, true);
    eq(rc.maxByteLength, 16);
    eq(rc.byteLength, 4);
    eq(new Uint8Array(rc)[3], 7);
  }
});

test("every TypedArray and DataView", () => {
  const names = [
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
  ].filter((n) => typeof globalThis[n] === "function");
  for (const name of names) {
    const Ctor = globalThis[name];
    const big = name.startsWith("Big");
    const src = new Ctor(big ? [1n, 2n, 3n] : [1, 2, 3]);
    const c = structuredClone(src);
    assert(c instanceof Ctor, name);
    assert(c.buffer !== src.buffer);
    deepEq(Array.from(c, String), Array.from(src, String), name);
  }
  const buf = new ArrayBuffer(16);
  const dv = new DataView(buf, 4, 8);
  dv.setUint16(0, 0xbeef);
  const dc = structuredClone(dv);
  assert(dc instanceof DataView);
  eq(dc.byteOffset, 4);
  eq(dc.byteLength, 8);
  eq(dc.buffer.byteLength, 16);
  eq(dc.getUint16(0), 0xbeef);
});

test("views sharing one buffer keep sharing the cloned buffer", () => {
  const buf = new ArrayBuffer(8);
  const a = new Uint8Array(buf, 2, 4);
  const b = new Uint16Array(buf);
  const d = new DataView(buf);
  const c = structuredClone({ a, b, d, buf, again: a });
  eq(c.a.buffer, c.b.buffer);
  eq(c.a.buffer, c.d.buffer);
  eq(c.a.buffer, c.buf);
  eq(c.again, c.a);
  eq(c.a.byteOffset, 2);
  eq(c.a.length, 4);
  c.a[0] = 0xff;
  eq(new Uint8Array(c.buf)[2], 0xff);
  eq(new Uint8Array(buf)[2], 0, "the original is untouched");
});

test("Map and Set (with object keys and cycles)", () => {
  const key = { k: 1 };
  const m = new Map([
    [key, "v"],
    ["self", null],
  ]);
  m.set("self", m);
  const mc = structuredClone(m);
  assert(mc instanceof Map && mc !== m);
  eq(mc.size, 2);
  eq(mc.get("self"), mc);
  const [ck] = mc.keys();
  assert(ck !== key);
  eq(ck.k, 1);
  eq(mc.get(ck), "v");
  const s = new Set([1, "a", key]);
  s.add(s);
  const sc = structuredClone(s);
  assert(sc instanceof Set);
  eq(sc.size, 4);
  assert(sc.has(sc));
  assert(sc.has(1) && sc.has("a"));
  // Subclass instances become plain Maps.
  class MyMap extends Map {}
  const sub = structuredClone(new MyMap([[1, 2]]));
  eq(Object.getPrototypeOf(sub), Map.prototype);
  eq(sub.get(1), 2);
});

test("Arrays: holes, length and non-index properties", () => {
  const arr = [1, , 3];
  arr.length = 5;
  arr.extra = "x";
  Object.defineProperty(arr, "hidden", { value: 1, enumerable: false });
  const c = structuredClone(arr);
  assert(Array.isArray(c));
  eq(c.length, 5);
  eq(1 in c, false, "hole preserved");
  eq(4 in c, false);
  eq(c[2], 3);
  eq(c.extra, "x");
  eq(c.hidden, undefined);
  deepEq(Object.keys(c), ["0", "2", "extra"]);
  const big = [];
  big[1000000] = 1;
  eq(structuredClone(big).length, 1000001);
});

test("plain objects: own enumerable string keys only, prototype dropped", () => {
  const sym = Symbol("k");
  class Point {
    constructor() {
      this.x = 1;
      this.y = 2;
    }
    get sum() {
      return this.x + this.y;
    }
  }
  const p = new Point();
  p[sym] = 3;
  Object.defineProperty(p, "ne", { value: 4, enumerable: false });
  const c = structuredClone(p);
  eq(Object.getPrototypeOf(c), Object.prototype);
  deepEq(c, { x: 1, y: 2 });
  eq(c[sym], undefined);
  const np = Object.create(null);
  np.a = 1;
  const npc = structuredClone(np);
  eq(Object.getPrototypeOf(npc), Object.prototype);
  eq(npc.a, 1);
  const proto = structuredClone(JSON.parse('{"__proto__": 5}'));
  eq(Object.getPrototypeOf(proto), Object.prototype);
  eq(Object.getOwnPropertyDescriptor(proto, "__proto__").value, 5);
  const nested = { a: { b: { c: [1, { d: "e" }] } } };
  deepEq(structuredClone(nested), nested);
});

test("getters are invoked once, depth-first in property order", () => {
  const order = [];
  const obj = {
    get a() {
      order.push("a");
      return {
        get inner() {
          order.push("a.inner");
          return 1;
        },
      };
    },
    get b() {
      order.push("b");
      delete this.c;
      return 2;
    },
    c: 3,
    get d() {
      order.push("d");
      return 4;
    },
  };
  const c = structuredClone(obj);
  deepEq(order, ["a", "a.inner", "b", "d"]);
  deepEq(c, { a: { inner: 1 }, b: 2, d: 4 });
  eq("c" in c, false, "property deleted by an earlier getter is skipped");
  const desc = Object.getOwnPropertyDescriptor(c, "a");
  eq(typeof desc.get, "undefined");
  eq(desc.writable && desc.enumerable && desc.configurable, true);
});

test("cycles and shared references", () => {
  const shared = { s: 1 };
  const o = { shared, again: shared, list: [shared] };
  o.self = o;
  o.list.push(o.list);
  const c = structuredClone(o);
  assert(c !== o);
  eq(c.self, c);
  eq(c.shared, c.again);
  eq(c.list[0], c.shared);
  eq(c.list[1], c.list);
  assert(c.shared !== shared);
});

test("Error types: name, message, stack, cause", () => {
  const e = new TypeError("bad type");
  const c = structuredClone(e);
  assert(c instanceof TypeError && c !== e);
  eq(c.name, "TypeError");
  eq(c.message, "bad type");
  eq(Object.getOwnPropertyDescriptor(c, "message").enumerable, false);
  eq(typeof c.stack, "string");
  for (const Ctor of [Error, EvalError, RangeError, ReferenceError, SyntaxError, URIError]) {
    const x = structuredClone(new Ctor("m"));
    eq(Object.getPrototypeOf(x), Ctor.prototype);
    eq(x.message, "m");
  }
  const custom = new Error("custom");
  custom.name = "MyError";
  custom.extra = 1;
  const cc = structuredClone(custom);
  eq(cc.name, "Error");
  eq(cc.extra, undefined);
  class SubError extends RangeError {}
  eq(Object.getPrototypeOf(structuredClone(new SubError("s"))), RangeError.prototype);
  const noMsg = structuredClone(new Error());
  eq(Object.prototype.hasOwnProperty.call(noMsg, "message"), false);
  const withCause = new Error("outer", { cause: { code: 42 } });
  const wc = structuredClone(withCause);
  deepEq(wc.cause, { code: 42 });
  eq(Object.getOwnPropertyDescriptor(wc, "cause").enumerable, false);
  const selfCause = new Error("loop");
  selfCause.cause = selfCause;
  const sc = structuredClone(selfCause);
  eq(sc.cause, sc);
  const agg = structuredClone(new AggregateError([1], "agg"));
  eq(agg.name, "Error");
  eq(agg.message, "agg");
  // An object that merely inherits from Error.prototype is a plain object.
  eq(structuredClone(Object.create(Error.prototype)) instanceof Error, false);
});

test("DOMException is cloneable", () => {
  if (noDOMException) return;
  const d = new DOMException("nope", "NotFoundError");
  const c = structuredClone(d);
  assert(c instanceof DOMException && c !== d);
  eq(c.name, "NotFoundError");
  eq(c.message, "nope");
  eq(c.code, 8);
});

test("DataCloneError for functions, symbols, WeakMap/WeakSet, Promise and host objects", () => {
  throwsDataClone(() => {});
  throwsDataClone(function named() {});
  throwsDataClone(class {});
  throwsDataClone({ nested: { fn() {} } });
  throwsDataClone([Symbol.iterator]);
  throwsDataClone(new WeakMap());
  throwsDataClone(new WeakSet());
  if (typeof WeakRef === "function") throwsDataClone(new WeakRef({}));
  const p = Promise.resolve(1);
  throwsDataClone(p);
  throwsDataClone((function* () {})());
  throwsDataClone([1, 2][Symbol.iterator]());
  throwsDataClone(new Map().entries());
  throwsDataClone((function () {
    return arguments;
  })(1, 2));
  throwsDataClone(new ReadableStream());
  throwsDataClone(new WritableStream());
  throwsDataClone(new TransformStream());
  throwsDataClone(new CountQueuingStrategy({ highWaterMark: 1 }));
  class MyStream extends ReadableStream {}
  throwsDataClone(new MyStream());
  throwsDataClone(new Map([[1, () => {}]]));
  // Explicitly marked host classes.
  class HostThing {}
  structuredCloneMarkNotCloneable(HostThing);
  throwsDataClone({ h: new HostThing() });
  // Global classes with a matching Symbol.toStringTag are treated as host objects.
  class FakeHost {}
  Object.defineProperty(FakeHost.prototype, Symbol.toStringTag, { value: "FakeHost", configurable: true });
  globalThis.FakeHost = FakeHost;
  throwsDataClone(new FakeHost());
  delete globalThis.FakeHost;
  deepEq(structuredClone(new FakeHost()), {});
  // A getter throwing propagates its own error.
  const boom = new Error("getter boom");
  throwsSync(() => structuredClone({ get x() { throw boom; } }), isValue(boom));
});

test("transfer: buffers are detached and their contents moved", () => {
  const buf = new Uint8Array([1, 2, 3, 4]).buffer;
  const view = new Uint8Array(buf, 1, 2);
  const out = structuredClone({ buf, view }, { transfer: [buf] });
  eq(out.buf.byteLength, 4);
  deepEq(Array.from(new Uint8Array(out.buf)), [1, 2, 3, 4]);
  eq(out.view.buffer, out.buf);
  deepEq(Array.from(out.view), [2, 3]);
  if (typeof ArrayBuffer.prototype.transfer === "function") {
    eq(buf.byteLength, 0);
    eq(buf.detached, true);
    // Transferring a detached buffer or cloning it fails.
    throwsDataClone(buf);
    throwsDataClone(1, { transfer: [buf] });
  }
  // A transferred buffer that is not in the value is still transferred.
  const lone = new ArrayBuffer(3);
  const r = structuredClone(5, { transfer: new Set([lone]) });
  eq(r, 5);
  if (typeof ArrayBuffer.prototype.transfer === "function") eq(lone.detached, true);
});

test("transfer: invalid lists throw DataCloneError and detach nothing", () => {
  const buf = new ArrayBuffer(4);
  throwsDataClone(1, { transfer: [buf, buf] });
  throwsDataClone(1, { transfer: [{}] });
  throwsDataClone(1, { transfer: [new Uint8Array(2)] });
  throwsDataClone(() => {}, { transfer: [buf] });
  eq(buf.byteLength, 4, "failed clones leave the buffer attached");
  if (typeof SharedArrayBuffer === "function") {
    throwsDataClone(new SharedArrayBuffer(4));
    throwsDataClone(1, { transfer: [new SharedArrayBuffer(4)] });
  }
});

// Speed belongs in the benchmarks; this checks a large graph clones completely and without sharing.
test("a large object graph clones completely", () => {
  const list = [];
  for (let i = 0; i < 20000; i++) list.push({ id: i, name: `item${i}`, tags: ["a", "b"], when: new Date(i) });
  const c = structuredClone(list);
  eq(c.length, 20000);
  eq(c[19999].name, "item19999");
  eq(c[5].when.getTime(), 5);
  assert(c[7] !== list[7] && c[7].tags !== list[7].tags, "the clone shares nothing with the source");
});

runTests(noDOMException ? "structured_clone_no_domexception" : "structured_clone");
