// MessageChannel, MessagePort and MessageEvent (HTML), inside one isolate: a message is structured-cloned when
// posted and delivered as a task (a zero-delay timer), in order, once the receiving port has been started.

class MessageEvent extends Event {
  #init;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw new TypeError("MessageEvent constructor: 1 argument required, but only 0 present.");
    super(type, eventInitDict);
    const i = eventInitDict ?? {};
    const ports = i.ports === undefined ? [] : Array.from(i.ports);
    if (ports.some((p) => !(p instanceof MessagePort))) throw new TypeError("MessageEvent: ports must be MessagePorts");
    this.#init = {
      data: i.data === undefined ? null : i.data,
      origin: i.origin === undefined ? "" : String(i.origin),
      lastEventId: i.lastEventId === undefined ? "" : String(i.lastEventId),
      source: i.source ?? null,
      ports: Object.freeze(ports),
    };
  }
  get data() { return this.#init.data; }
  get origin() { return this.#init.origin; }
  get lastEventId() { return this.#init.lastEventId; }
  get source() { return this.#init.source; }
  get ports() { return this.#init.ports; }
}

let mpRecord; // (value) => port record | undefined

class MessagePort extends EventTarget {
  #p;

  constructor(token = undefined) {
    if (token !== kEvInternal) throw new TypeError("Illegal constructor");
    super();
    // queue: messages waiting for start(); scheduled: delivery tasks not yet run.
    this.#p = { peer: null, queue: [], started: false, closed: false, scheduled: 0 };
  }

  postMessage(message, transferOrOptions = undefined) {
    const p = mpGet(this);
    if (arguments.length < 1) throw new TypeError("MessagePort.postMessage: 1 argument required");
    let transfer = [];
    if (Array.isArray(transferOrOptions)) transfer = transferOrOptions;
    else if (transferOrOptions !== undefined && transferOrOptions !== null) transfer = transferOrOptions.transfer ?? [];
    if (Array.from(transfer).includes(this)) throw new DOMException("A port can't transfer itself", "DataCloneError");
    const data = structuredClone(message, { transfer });
    const target = p.peer;
    if (p.closed || target === null) return;
    const t = mpRecord(target);
    t.queue.push(data);
    if (t.started) mpSchedule(target, t);
  }

  start() {
    const p = mpGet(this);
    if (p.started) return;
    p.started = true;
    for (let i = p.scheduled; i < p.queue.length; i++) mpSchedule(this, p);
  }

  close() {
    const p = mpGet(this);
    p.closed = true;
    const peer = p.peer;
    p.peer = null;
    if (peer !== null) {
      mpRecord(peer).peer = null;
      // HTML "disentangle": the other side sees a "close" event.
      setTimeout(() => dispatchEventInternal(peer, new Event("close"), false), 0);
    }
  }

  static {
    mpRecord = (v) => ((typeof v === "object" && v !== null) && #p in v ? v.#p : undefined);
  }
}

function mpGet(port) {
  const p = mpRecord(port);
  if (p === undefined) throw new TypeError("Illegal invocation");
  return p;
}

// One task per queued message; each delivers the oldest one (so order is kept whatever the timers do).
function mpSchedule(port, p) {
  p.scheduled++;
  setTimeout(() => {
    p.scheduled--;
    if (p.queue.length === 0 || p.closed) return;
    const data = p.queue.shift();
    dispatchEventInternal(port, eventSetTrusted(new MessageEvent("message", { data })), false);
  }, 0);
}

class MessageChannel {
  #port1;
  #port2;
  constructor() {
    this.#port1 = new MessagePort(kEvInternal);
    this.#port2 = new MessagePort(kEvInternal);
    mpRecord(this.#port1).peer = this.#port2;
    mpRecord(this.#port2).peer = this.#port1;
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}

defineEventHandler(MessagePort.prototype, "messageerror");
defineEventHandler(MessagePort.prototype, "close");
// Setting onmessage starts the port (HTML), unlike addEventListener("message").
{
  defineEventHandler(MessagePort.prototype, "message");
  const d = Object.getOwnPropertyDescriptor(MessagePort.prototype, "onmessage");
  Object.defineProperty(MessagePort.prototype, "onmessage", {
    ...d,
    set(value) {
      d.set.call(this, value);
      if (value !== null && value !== undefined) this.start();
    },
  });
}

defineGetters(MessageEvent.prototype, ["data", "origin", "lastEventId", "source", "ports"]);
defineGetters(MessageChannel.prototype, ["port1", "port2"]);
for (const [cls, tag] of [[MessageEvent, "MessageEvent"], [MessagePort, "MessagePort"], [MessageChannel, "MessageChannel"]]) {
  setToStringTag(cls, tag);
  defineGlobal(tag, cls);
}
