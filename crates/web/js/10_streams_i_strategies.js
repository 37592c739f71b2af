// Queuing strategies: ByteLengthQueuingStrategy and CountQueuingStrategy.

// The size functions are shared by all instances, as in browsers.
const stByteLengthSize = {
  size(chunk) {
    return chunk.byteLength;
  },
}.size;
const stCountQueuingSize = {
  size() {
    return 1;
  },
}.size;

function stConvertQueuingStrategyInit(init, who) {
  if (!stIsObject(init)) {
    throw new TypeError(`${who}: init must be an object with a highWaterMark`);
  }
  const hwm = init.highWaterMark;
  if (hwm === undefined) throw new TypeError(`${who}: highWaterMark is required`);
  return +hwm;
}

class ByteLengthQueuingStrategy {
  #hwm;

  constructor(init) {
    this.#hwm = stConvertQueuingStrategyInit(init, "ByteLengthQueuingStrategy");
  }

  get highWaterMark() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return this.#hwm;
  }

  get size() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return stByteLengthSize;
  }
}

class CountQueuingStrategy {
  #hwm;

  constructor(init) {
    this.#hwm = stConvertQueuingStrategyInit(init, "CountQueuingStrategy");
  }

  get highWaterMark() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return this.#hwm;
  }

  get size() {
    if (!(stIsObject(this) && #hwm in this)) throw stIllegal();
    return stCountQueuingSize;
  }
}
