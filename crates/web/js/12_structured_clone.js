// 12_structured_clone.js — structuredClone(value, { transfer }) following the
// HTML structured clone algorithm: StructuredSerializeWithTransfer builds a
// graph of records (invoking getters in the spec's order and throwing
// DataCloneError before anything is detached), then the records are
// deserialized into fresh objects. Names are prefixed "sc" to keep the shared
// prelude scope clean.
//
// For later prelude files: structuredCloneMarkNotCloneable(...classes) makes
// instances of host classes throw DataCloneError (instances of a global class
// whose prototype has an own Symbol.toStringTag equal to its global name are
// treated as host objects anyway).

const scObjectProto = Object.prototype;
const scHasOwn = Object.prototype.hasOwnProperty;
const scObjectToString = Object.prototype.toString;
const scObjectKeys = Object.keys;
const scDefineProperty = Object.defineProperty;
const scGetPrototypeOf = Object.getPrototypeOf;
const scGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const scIsArray = Array.isArray;
const scIsView = ArrayBuffer.isView;
const scGlobal = globalThis;
const scMap = Map;
const scSet = Set;
const scWeakSet = WeakSet;
const scMapGet = Map.prototype.get;
const scMapSet = Map.prototype.set;
const scMapHas = Map.prototype.has;
const scMapForEach = Map.prototype.forEach;
const scSetAdd = Set.prototype.add;
const scSetForEach = Set.prototype.forEach;
const scWeakSetHas = WeakSet.prototype.has;
const scWeakSetAdd = WeakSet.prototype.add;
const scArrayPush = Array.prototype.push;
const scDate = Date;
const scDateGetTime = Date.prototype.getTime;
const scRegExp = RegExp;
const scBooleanValueOf = Boolean.prototype.valueOf;
const scNumberValueOf = Number.prototype.valueOf;
const scStringValueOf = String.prototype.valueOf;
const scBigIntValueOf = typeof BigInt === "function" ? BigInt.prototype.valueOf : undefined;
const scObject = Object;
const scArrayBuffer = ArrayBuffer;
const scUint8Array = Uint8Array;
const scDataView = DataView;
const scErrorIsError = typeof Error.isError === "function" ? Error.isError : undefined;
const scDOMException = typeof DOMException === "function" ? DOMException : undefined;

function scGetter(obj, key) {
  const desc = obj === undefined ? undefined : scGetOwnPropertyDescriptor(obj, key);
  return desc === undefined ? undefined : desc.get;
}

const scRegExpSource = scGetter(RegExp.prototype, "source");
const scRegExpFlagGetters = [
  ["hasIndices", "d"],
  ["global", "g"],
  ["ignoreCase", "i"],
  ["multiline", "m"],
  ["dotAll", "s"],
  ["unicode", "u"],
  ["unicodeSets", "v"],
  ["sticky", "y"],
]
  .map(([name, flag]) => [scGetter(RegExp.prototype, name), flag])
  .filter(([getter]) => getter !== undefined);
const scMapSize = scGetter(Map.prototype, "size");
const scSetSize = scGetter(Set.prototype, "size");
const scABByteLength = scGetter(ArrayBuffer.prototype, "byteLength");
const scABDetached = scGetter(ArrayBuffer.prototype, "detached");
const scABResizable = scGetter(ArrayBuffer.prototype, "resizable");
const scABMaxByteLength = scGetter(ArrayBuffer.prototype, "maxByteLength");
const scABSlice = ArrayBuffer.prototype.slice;
const scABTransfer =
  typeof ArrayBuffer.prototype.transfer === "function" ? ArrayBuffer.prototype.transfer : undefined;
const scSABProto = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer.prototype : undefined;
const scSABByteLength = scGetter(scSABProto, "byteLength");
const scTypedArrayProto = scGetPrototypeOf(Uint8Array.prototype);
const scTATag = scGetter(scTypedArrayProto, Symbol.toStringTag);
const scTABuffer = scGetter(scTypedArrayProto, "buffer");
const scTAByteOffset = scGetter(scTypedArrayProto, "byteOffset");
const scTALength = scGetter(scTypedArrayProto, "length");
const scDVBuffer = scGetter(DataView.prototype, "buffer");
const scDVByteOffset = scGetter(DataView.prototype, "byteOffset");
const scDVByteLength = scGetter(DataView.prototype, "byteLength");
const scErrorStack = scGetter(Error.prototype, "stack");
const scDOMExceptionName = scDOMException && scGetter(scDOMException.prototype, "name");
const scDOMExceptionMessage = scDOMException && scGetter(scDOMException.prototype, "message");

const scTypedArrayCtors = { __proto__: null };
for (const name of [
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
]) {
  if (typeof globalThis[name] === "function") scTypedArrayCtors[name] = globalThis[name];
}

const scErrorCtors = {
  __proto__: null,
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

// Kinds of objects, found through their prototype chain and then verified
// with a brand check (so a fake object with a borrowed prototype is cloned as
// a plain object, as in browsers).
const SC_K_PLAIN = 0;
const SC_K_DATE = 1;
const SC_K_REGEXP = 2;
const SC_K_MAP = 3;
const SC_K_SET = 4;
const SC_K_ARRAYBUFFER = 5;
const SC_K_SHAREDARRAYBUFFER = 6;
const SC_K_BOOLEAN = 7;
const SC_K_NUMBER = 8;
const SC_K_STRING = 9;
const SC_K_BIGINT = 10;
const SC_K_ERROR = 11;
const SC_K_DOMEXCEPTION = 12;
const SC_K_UNCLONEABLE = 13;

const scProtoKinds = new Map();
{
  const add = (proto, kind) => {
    if (proto !== undefined && proto !== null) scMapSet.call(scProtoKinds, proto, kind);
  };
  const protoOf = (name) =>
    typeof globalThis[name] === "function" ? globalThis[name].prototype : undefined;
  add(scObjectProto, SC_K_PLAIN);
  add(Date.prototype, SC_K_DATE);
  add(RegExp.prototype, SC_K_REGEXP);
  add(Map.prototype, SC_K_MAP);
  add(Set.prototype, SC_K_SET);
  add(ArrayBuffer.prototype, SC_K_ARRAYBUFFER);
  add(scSABProto, SC_K_SHAREDARRAYBUFFER);
  add(Boolean.prototype, SC_K_BOOLEAN);
  add(Number.prototype, SC_K_NUMBER);
  add(String.prototype, SC_K_STRING);
  add(protoOf("BigInt"), SC_K_BIGINT);
  add(Error.prototype, SC_K_ERROR);
  add(scDOMException && scDOMException.prototype, SC_K_DOMEXCEPTION);
  // Objects with internal slots that cannot be serialized.
  for (const name of [
    "Symbol",
    "Promise",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "FinalizationRegistry",
    "DisposableStack",
    "AsyncDisposableStack",
  ]) {
    add(protoOf(name), SC_K_UNCLONEABLE);
  }
  add(scGetPrototypeOf(function* () {}).prototype, SC_K_UNCLONEABLE);
  add(scGetPrototypeOf(async function* () {}).prototype, SC_K_UNCLONEABLE);
  add(scGetPrototypeOf([][Symbol.iterator]()), SC_K_UNCLONEABLE);
  add(scGetPrototypeOf(new Map()[Symbol.iterator]()), SC_K_UNCLONEABLE);
  add(scGetPrototypeOf(new Set()[Symbol.iterator]()), SC_K_UNCLONEABLE);
  add(scGetPrototypeOf(""[Symbol.iterator]()), SC_K_UNCLONEABLE);
  add(scGetPrototypeOf(/a/[Symbol.matchAll]("")), SC_K_UNCLONEABLE);
  if (typeof Iterator === "function" && typeof Iterator.prototype.map === "function") {
    add(scGetPrototypeOf([].values().map((x) => x)), SC_K_UNCLONEABLE);
  }
}

// Tags that belong to ECMAScript built-ins (not host objects).
const scEcmaTags = new Set([
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "Promise",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Symbol",
  "BigInt",
  "Iterator",
  "AsyncIterator",
  "Math",
  "JSON",
  "Atomics",
  "Reflect",
  "DisposableStack",
  "AsyncDisposableStack",
]);

const scHostProtos = new WeakSet();

// Makes instances of the given host classes (and their subclasses) throw
// DataCloneError when cloned.
function structuredCloneMarkNotCloneable(...classes) {
  for (const cls of classes) scWeakSetAdd.call(scHostProtos, cls.prototype);
}

function scIsHostPrototype(proto) {
  if (scWeakSetHas.call(scHostProtos, proto)) return true;
  const desc = scGetOwnPropertyDescriptor(proto, Symbol.toStringTag);
  if (desc === undefined || typeof desc.value !== "string" || scEcmaTags.has(desc.value)) {
    return false;
  }
  const ctorDesc = scGetOwnPropertyDescriptor(scGlobal, desc.value);
  const ctor = ctorDesc === undefined ? undefined : ctorDesc.value;
  return typeof ctor === "function" && ctor.prototype === proto;
}

function scDataCloneError(message) {
  // Looked up at call time: DOMException may be installed after this file.
  if (typeof DOMException === "function") return new DOMException(message, "DataCloneError");
  const e = new Error(message);
  e.name = "DataCloneError";
  return e;
}

function scDescribe(value) {
  if (typeof value === "function") {
    return `${value.name ? `function ${value.name}` : "anonymous function"}`;
  }
  if (typeof value === "symbol") return value.toString();
  try {
    return scObjectToString.call(value);
  } catch {
    return "object";
  }
}

function scUncloneable(value) {
  return scDataCloneError(`${scDescribe(value)} could not be cloned.`);
}

function scBrand(fn, value) {
  try {
    fn.call(value);
    return true;
  } catch {
    return false;
  }
}

function scIsDetached(buffer) {
  if (scABDetached !== undefined) return scABDetached.call(buffer);
  try {
    scABSlice.call(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

// Classifies an object (not an Array, not an ArrayBufferView).
function scClassify(value) {
  let proto = scGetPrototypeOf(value);
  let kind = SC_K_PLAIN;
  for (let depth = 0; proto !== null && depth < 10000; depth++) {
    const k = scMapGet.call(scProtoKinds, proto);
    if (k !== undefined) {
      kind = k;
      break;
    }
    if (scIsHostPrototype(proto)) return SC_K_UNCLONEABLE;
    proto = scGetPrototypeOf(proto);
  }
  switch (kind) {
    case SC_K_PLAIN:
      break;
    case SC_K_DATE:
      if (scBrand(scDateGetTime, value)) return SC_K_DATE;
      break;
    case SC_K_REGEXP:
      if (value !== RegExp.prototype && scBrand(scRegExpSource, value)) return SC_K_REGEXP;
      break;
    case SC_K_MAP:
      if (scBrand(scMapSize, value)) return SC_K_MAP;
      break;
    case SC_K_SET:
      if (scBrand(scSetSize, value)) return SC_K_SET;
      break;
    case SC_K_ARRAYBUFFER:
      if (scBrand(scABByteLength, value)) return SC_K_ARRAYBUFFER;
      break;
    case SC_K_SHAREDARRAYBUFFER:
      if (scBrand(scSABByteLength, value)) return SC_K_SHAREDARRAYBUFFER;
      break;
    case SC_K_BOOLEAN:
      if (scBrand(scBooleanValueOf, value)) return SC_K_BOOLEAN;
      break;
    case SC_K_NUMBER:
      if (scBrand(scNumberValueOf, value)) return SC_K_NUMBER;
      break;
    case SC_K_STRING:
      if (scBrand(scStringValueOf, value)) return SC_K_STRING;
      break;
    case SC_K_BIGINT:
      if (scBrand(scBigIntValueOf, value)) return SC_K_BIGINT;
      break;
    case SC_K_DOMEXCEPTION:
      if (scBrand(scDOMExceptionName, value)) return SC_K_DOMEXCEPTION;
      if (scIsError(value)) return SC_K_ERROR;
      break;
    case SC_K_ERROR:
      if (scIsError(value)) return SC_K_ERROR;
      break;
    case SC_K_UNCLONEABLE:
      return SC_K_UNCLONEABLE;
  }
  if (scErrorIsError !== undefined && scErrorIsError(value)) return SC_K_ERROR;
  const tag = scObjectToString.call(value);
  if (tag === "[object Arguments]") return SC_K_UNCLONEABLE;
  return SC_K_PLAIN;
}

function scIsError(value) {
  if (scErrorIsError !== undefined) return scErrorIsError(value);
  return scObjectToString.call(value) === "[object Error]";
}

// --- serialization -------------------------------------------------------------
// Records: primitives stand for themselves; objects become { t, ... } records.

const SC_R_TRANSFERRED = 0;
const SC_R_OBJECT = 1;
const SC_R_ARRAY = 2;
const SC_R_BOOLEAN = 3;
const SC_R_NUMBER = 4;
const SC_R_STRING = 5;
const SC_R_BIGINT = 6;
const SC_R_DATE = 7;
const SC_R_REGEXP = 8;
const SC_R_ARRAYBUFFER = 9;
const SC_R_VIEW = 10;
const SC_R_MAP = 11;
const SC_R_SET = 12;
const SC_R_ERROR = 13;
const SC_R_DOMEXCEPTION = 14;

function scSerializeProperties(value, record, memory) {
  const keys = scObjectKeys(value);
  const props = record.props;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (scHasOwn.call(value, key)) {
      const input = value[key];
      const output = scSerialize(input, memory);
      scArrayPush.call(props, key, output);
    }
  }
}

function scSerialize(value, memory) {
  const type = typeof value;
  if (type !== "object" && type !== "function") {
    if (type === "symbol") throw scUncloneable(value);
    return value;
  }
  if (value === null) return null;
  const existing = scMapGet.call(memory, value);
  if (existing !== undefined) return existing;
  if (type === "function") throw scUncloneable(value);

  let record;
  if (scIsArray(value)) {
    record = { t: SC_R_ARRAY, length: value.length, props: [], out: undefined };
    scMapSet.call(memory, value, record);
    scSerializeProperties(value, record, memory);
    return record;
  }
  if (scIsView(value)) {
    const name = scTATag.call(value);
    let buffer;
    let byteOffset;
    let length;
    if (name !== undefined) {
      buffer = scTABuffer.call(value);
      byteOffset = scTAByteOffset.call(value);
      length = scTALength.call(value);
    } else {
      buffer = scDVBuffer.call(value);
      try {
        byteOffset = scDVByteOffset.call(value);
        length = scDVByteLength.call(value);
      } catch {
        throw scDataCloneError("A DataView is detached or out of bounds and could not be cloned.");
      }
    }
    // Serializing the buffer throws DataCloneError for detached and shared buffers.
    const bufferRecord = scSerialize(buffer, memory);
    record = { t: SC_R_VIEW, name: name === undefined ? "DataView" : name, buffer: bufferRecord, byteOffset, length, out: undefined };
    scMapSet.call(memory, value, record);
    return record;
  }

  switch (scClassify(value)) {
    case SC_K_BOOLEAN:
      record = { t: SC_R_BOOLEAN, value: scBooleanValueOf.call(value), out: undefined };
      break;
    case SC_K_NUMBER:
      record = { t: SC_R_NUMBER, value: scNumberValueOf.call(value), out: undefined };
      break;
    case SC_K_STRING:
      record = { t: SC_R_STRING, value: scStringValueOf.call(value), out: undefined };
      break;
    case SC_K_BIGINT:
      record = { t: SC_R_BIGINT, value: scBigIntValueOf.call(value), out: undefined };
      break;
    case SC_K_DATE:
      record = { t: SC_R_DATE, value: scDateGetTime.call(value), out: undefined };
      break;
    case SC_K_REGEXP: {
      let flags = "";
      for (let i = 0; i < scRegExpFlagGetters.length; i++) {
        if (scRegExpFlagGetters[i][0].call(value)) flags += scRegExpFlagGetters[i][1];
      }
      record = { t: SC_R_REGEXP, source: scRegExpSource.call(value), flags, out: undefined };
      break;
    }
    case SC_K_ARRAYBUFFER: {
      if (scIsDetached(value)) {
        throw scDataCloneError("An ArrayBuffer is detached and could not be cloned.");
      }
      const byteLength = scABByteLength.call(value);
      let data;
      if (scABResizable !== undefined && scABResizable.call(value)) {
        data = new scArrayBuffer(byteLength, { maxByteLength: scABMaxByteLength.call(value) });
        new scUint8Array(data).set(new scUint8Array(value, 0, byteLength));
      } else {
        data = scABSlice.call(value, 0, byteLength);
      }
      record = { t: SC_R_ARRAYBUFFER, data, out: undefined };
      break;
    }
    case SC_K_SHAREDARRAYBUFFER:
      throw scDataCloneError("SharedArrayBuffer could not be cloned.");
    case SC_K_MAP: {
      record = { t: SC_R_MAP, entries: [], out: undefined };
      scMapSet.call(memory, value, record);
      const copied = [];
      scMapForEach.call(value, (v, k) => {
        scArrayPush.call(copied, k, v);
      });
      const entries = record.entries;
      for (let i = 0; i < copied.length; i += 2) {
        const k = scSerialize(copied[i], memory);
        const v = scSerialize(copied[i + 1], memory);
        scArrayPush.call(entries, k, v);
      }
      return record;
    }
    case SC_K_SET: {
      record = { t: SC_R_SET, items: [], out: undefined };
      scMapSet.call(memory, value, record);
      const copied = [];
      scSetForEach.call(value, (v) => {
        scArrayPush.call(copied, v);
      });
      const items = record.items;
      for (let i = 0; i < copied.length; i++) {
        scArrayPush.call(items, scSerialize(copied[i], memory));
      }
      return record;
    }
    case SC_K_ERROR: {
      let name = value.name;
      if (
        name !== "Error" &&
        name !== "EvalError" &&
        name !== "RangeError" &&
        name !== "ReferenceError" &&
        name !== "SyntaxError" &&
        name !== "TypeError" &&
        name !== "URIError"
      ) {
        name = "Error";
      }
      const messageDesc = scGetOwnPropertyDescriptor(value, "message");
      const message =
        messageDesc !== undefined && scHasOwn.call(messageDesc, "value")
          ? `${messageDesc.value}`
          : undefined;
      let stack;
      const stackDesc = scGetOwnPropertyDescriptor(value, "stack");
      if (stackDesc !== undefined) {
        if (typeof stackDesc.value === "string") stack = stackDesc.value;
      } else if (scErrorStack !== undefined) {
        try {
          const s = scErrorStack.call(value);
          if (typeof s === "string") stack = s;
        } catch {
          // no stack
        }
      }
      record = { t: SC_R_ERROR, name, message, stack, hasCause: false, cause: undefined, out: undefined };
      scMapSet.call(memory, value, record);
      const causeDesc = scGetOwnPropertyDescriptor(value, "cause");
      if (causeDesc !== undefined && scHasOwn.call(causeDesc, "value")) {
        record.hasCause = true;
        record.cause = scSerialize(causeDesc.value, memory);
      }
      return record;
    }
    case SC_K_DOMEXCEPTION:
      record = {
        t: SC_R_DOMEXCEPTION,
        name: scDOMExceptionName.call(value),
        message: scDOMExceptionMessage.call(value),
        out: undefined,
      };
      break;
    case SC_K_UNCLONEABLE:
      throw scUncloneable(value);
    default: {
      record = { t: SC_R_OBJECT, props: [], out: undefined };
      scMapSet.call(memory, value, record);
      scSerializeProperties(value, record, memory);
      return record;
    }
  }
  scMapSet.call(memory, value, record);
  return record;
}

// --- deserialization -------------------------------------------------------------

function scDefineData(obj, key, value, enumerable) {
  scDefineProperty(obj, key, { value, writable: true, enumerable, configurable: true });
}

function scDeserialize(record) {
  if (typeof record !== "object" || record === null) return record;
  if (record.out !== undefined) return record.out;
  let value;
  switch (record.t) {
    case SC_R_OBJECT: {
      value = {};
      record.out = value;
      const props = record.props;
      for (let i = 0; i < props.length; i += 2) {
        scDefineData(value, props[i], scDeserialize(props[i + 1]), true);
      }
      return value;
    }
    case SC_R_ARRAY: {
      value = [];
      value.length = record.length;
      record.out = value;
      const props = record.props;
      for (let i = 0; i < props.length; i += 2) {
        scDefineData(value, props[i], scDeserialize(props[i + 1]), true);
      }
      return value;
    }
    case SC_R_BOOLEAN:
    case SC_R_NUMBER:
    case SC_R_STRING:
    case SC_R_BIGINT:
      value = scObject(record.value);
      break;
    case SC_R_DATE:
      value = new scDate(record.value);
      break;
    case SC_R_REGEXP:
      value = new scRegExp(record.source, record.flags);
      break;
    case SC_R_ARRAYBUFFER:
      value = record.data;
      break;
    case SC_R_VIEW: {
      const buffer = scDeserialize(record.buffer);
      value =
        record.name === "DataView"
          ? new scDataView(buffer, record.byteOffset, record.length)
          : new scTypedArrayCtors[record.name](buffer, record.byteOffset, record.length);
      break;
    }
    case SC_R_MAP: {
      value = new scMap();
      record.out = value;
      const entries = record.entries;
      for (let i = 0; i < entries.length; i += 2) {
        const k = scDeserialize(entries[i]);
        const v = scDeserialize(entries[i + 1]);
        scMapSet.call(value, k, v);
      }
      return value;
    }
    case SC_R_SET: {
      value = new scSet();
      record.out = value;
      const items = record.items;
      for (let i = 0; i < items.length; i++) scSetAdd.call(value, scDeserialize(items[i]));
      return value;
    }
    case SC_R_ERROR: {
      const Ctor = scErrorCtors[record.name];
      value = record.message === undefined ? new Ctor() : new Ctor(record.message);
      if (record.stack !== undefined) scDefineData(value, "stack", record.stack, false);
      record.out = value;
      if (record.hasCause) scDefineData(value, "cause", scDeserialize(record.cause), false);
      return value;
    }
    case SC_R_DOMEXCEPTION:
      value = new scDOMException(record.message, record.name);
      break;
    default:
      throw new TypeError("structuredClone: corrupt record");
  }
  record.out = value;
  return value;
}

// --- entry points ---------------------------------------------------------------

// Clones `value`, transferring the ArrayBuffers in `transferList` (an array).
function structuredCloneInternal(value, transferList) {
  const memory = new scMap();
  const transfers = [];
  for (let i = 0; i < transferList.length; i++) {
    const transferable = transferList[i];
    const kind =
      typeof transferable === "object" && transferable !== null && !scIsView(transferable)
        ? scClassify(transferable)
        : SC_K_PLAIN;
    if (kind !== SC_K_ARRAYBUFFER) {
      throw scDataCloneError(`${scDescribe(transferable)} is not transferable.`);
    }
    if (scMapHas.call(memory, transferable)) {
      throw scDataCloneError("ArrayBuffer at index " + i + " is a duplicate of an earlier ArrayBuffer.");
    }
    const record = { t: SC_R_TRANSFERRED, out: undefined };
    scMapSet.call(memory, transferable, record);
    scArrayPush.call(transfers, transferable, record);
  }
  const serialized = scSerialize(value, memory);
  for (let i = 0; i < transfers.length; i += 2) {
    if (scIsDetached(transfers[i])) {
      throw scDataCloneError("An ArrayBuffer is detached and could not be transferred.");
    }
  }
  for (let i = 0; i < transfers.length; i += 2) {
    const buffer = transfers[i];
    transfers[i + 1].out =
      scABTransfer !== undefined
        ? scABTransfer.call(buffer)
        : scABSlice.call(buffer, 0, scABByteLength.call(buffer));
  }
  return scDeserialize(serialized);
}

function structuredClone(value, options = undefined) {
  if (arguments.length === 0) {
    throw new TypeError("structuredClone: 1 argument required, but only 0 present.");
  }
  let transferList = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("structuredClone: options must be an object");
    }
    const transfer = options.transfer;
    if (transfer !== undefined) {
      if (typeof transfer !== "object" && typeof transfer !== "function") {
        throw new TypeError("structuredClone: options.transfer must be a sequence");
      }
      const iteratorMethod = transfer[Symbol.iterator];
      if (typeof iteratorMethod !== "function") {
        throw new TypeError("structuredClone: options.transfer is not iterable");
      }
      transferList = [];
      const iterator = iteratorMethod.call(transfer);
      for (;;) {
        const step = iterator.next();
        if (step.done) break;
        const item = step.value;
        if ((typeof item !== "object" && typeof item !== "function") || item === null) {
          throw new TypeError("structuredClone: transfer list entries must be objects");
        }
        scArrayPush.call(transferList, item);
      }
    }
  }
  return structuredCloneInternal(value, transferList);
}

defineGlobal("structuredClone", structuredClone);
