// Test stand-in for 00_util.js: defineGlobal installs a non-enumerable,
// writable, configurable property on globalThis.
function defineGlobal(name, value) {
  Object.defineProperty(globalThis, name, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
