// console: formats its arguments and hands one line to the host's log, tagged with the worker's name.

const consoleCounts = new Map();
const consoleTimers = new Map();
const consoleObject = {
  log: (...a) => ops.log("info", formatLog(a)),
  info: (...a) => ops.log("info", formatLog(a)),
  debug: (...a) => ops.log("debug", formatLog(a)),
  trace: (...a) => ops.log("debug", formatLog(a)),
  warn: (...a) => ops.log("warn", formatLog(a)),
  error: (...a) => ops.log("error", formatLog(a)),
  assert: (cond, ...a) => { if (!cond) ops.log("error", "Assertion failed" + (a.length ? ": " + formatLog(a) : "")); },
  dir: (v) => ops.log("info", inspect(v, 1)),
  table: (v) => ops.log("info", inspect(v, 1)),
  count: (label = "default") => {
    const n = (consoleCounts.get(label) ?? 0) + 1;
    consoleCounts.set(label, n);
    ops.log("info", `${label}: ${n}`);
  },
  countReset: (label = "default") => consoleCounts.delete(label),
  time: (label = "default") => consoleTimers.set(label, Date.now()),
  timeLog: (label = "default", ...a) => ops.log("info", `${label}: ${Date.now() - (consoleTimers.get(label) ?? Date.now())}ms ${formatLog(a)}`.trimEnd()),
  timeEnd: (label = "default") => {
    ops.log("info", `${label}: ${Date.now() - (consoleTimers.get(label) ?? Date.now())}ms`);
    consoleTimers.delete(label);
  },
  group: (...a) => { if (a.length) ops.log("info", formatLog(a)); },
  groupCollapsed: (...a) => { if (a.length) ops.log("info", formatLog(a)); },
  groupEnd: () => {},
};
defineGlobal("console", consoleObject);
