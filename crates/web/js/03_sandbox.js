// Sandbox hygiene, as on Workers: a clock that moves only across I/O, no SharedArrayBuffer, and code generation
// from strings refused with Workers' message (the engine itself has no eval unless the manifest allows it).

const HostDate = Date;

// `Date.now()` and `new Date()` read the isolate's clock, which the host moves when I/O completes or a request
// starts; a script cannot time its own code with them.
function CoarseDate(...args) {
  if (new.target === undefined) return new HostDate(ops.now()).toString();
  return Reflect.construct(HostDate, args.length === 0 ? [ops.now()] : args, new.target);
}
Object.defineProperty(CoarseDate, "name", { value: "Date" });
Object.defineProperty(CoarseDate, "length", { value: 7 });
CoarseDate.prototype = HostDate.prototype;
Object.defineProperty(HostDate.prototype, "constructor", { value: CoarseDate, writable: true, configurable: true });
CoarseDate.now = function now() { return ops.now(); };
CoarseDate.parse = HostDate.parse;
CoarseDate.UTC = HostDate.UTC;
defineGlobal("Date", CoarseDate);

delete globalThis.SharedArrayBuffer;

// Without the engine's eval, `eval(...)`, `new Function(...)` and friends throw; say why, as Workers does.
function codeGenerationRefused() {
  throw new EvalError("Code generation from strings disallowed for this context");
}
let evalWorks = false;
try {
  evalWorks = globalThis.eval("true") === true;
} catch {
  evalWorks = false;
}
if (!evalWorks) {
  const refusedEval = function () { codeGenerationRefused(); };
  Object.defineProperty(refusedEval, "name", { value: "eval" });
  defineGlobal("eval", refusedEval);
  const HostFunction = Function;
  const refusing = function Function() { codeGenerationRefused(); };
  refusing.prototype = HostFunction.prototype;
  Object.defineProperty(HostFunction.prototype, "constructor", { value: refusing, writable: true, configurable: true });
  defineGlobal("Function", refusing);
  for (const proto of [
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ]) {
    const ctor = function () { codeGenerationRefused(); };
    ctor.prototype = proto;
    Object.defineProperty(proto, "constructor", { value: ctor, writable: true, configurable: true });
  }
}
