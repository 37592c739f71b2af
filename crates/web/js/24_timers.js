// setTimeout/setInterval and their clears, on host timers; queueMicrotask.

const liveTimers = new Map(); // user-visible id -> current host op id

function armTimer(userId, ms, fire) {
  const [opId, promise] = ops.timer(ms);
  liveTimers.set(userId, opId);
  promise.then(() => {
    if (liveTimers.get(userId) !== opId) return;
    fire();
  });
}

let nextTimerId = 0;

function setTimeout(callback, ms = 0, ...args) {
  const id = ++nextTimerId;
  const fn = typeof callback === "function" ? callback : () => {};
  armTimer(id, Number(ms) || 0, () => {
    liveTimers.delete(id);
    fn(...args);
  });
  return id;
}

function setInterval(callback, ms = 0, ...args) {
  const id = ++nextTimerId;
  const fn = typeof callback === "function" ? callback : () => {};
  const delay = Math.max(Number(ms) || 0, 1);
  const tick = () => {
    armTimer(id, delay, tick);
    fn(...args);
  };
  armTimer(id, delay, tick);
  return id;
}

function clearTimer(id) {
  const opId = liveTimers.get(id);
  if (opId !== undefined) {
    liveTimers.delete(id);
    ops.cancel(opId);
  }
}

function clearAllTimers() {
  liveTimers.clear();
}

defineGlobal("setTimeout", setTimeout);
defineGlobal("setInterval", setInterval);
defineGlobal("clearTimeout", function clearTimeout(id) { clearTimer(id); });
defineGlobal("clearInterval", function clearInterval(id) { clearTimer(id); });
defineGlobal("queueMicrotask", function queueMicrotask(callback) {
  if (typeof callback !== "function") throw new TypeError("queueMicrotask: callback must be a function");
  Promise.resolve().then(() => {
    try {
      callback();
    } catch (e) {
      reportError(e);
    }
  });
});

// HTML "report an exception": an ErrorEvent at globalThis (05_events.js); logged unless a listener cancels it.
function reportError(e) {
  if (!dispatchGlobalError(e)) ops.log("error", "Uncaught " + inspect(e));
}
defineGlobal("reportError", reportError);
