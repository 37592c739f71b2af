// HTMLRewriter (the Workers API): lol_html parses on a host thread; handlers here mutate models of its tokens.
//
// transform() opens a host session (ops.htmlRewriterStart). Reading the new body drives it: input chunks go
// to the session only as output is pulled. When lol_html meets a token a handler wants, the session
// returns a snapshot of it; the handler runs (and is awaited if it returns a promise) on a token object
// that records each mutation; the recorded commands go back and the host replays them on the real token.
// A token object is dead once its handler is over: using it then throws a TypeError, as on Workers.

// Message, event, reply, command and check numbers shared with crates/web/src/html_rewriter/protocol.rs.
const HR_MSG_NEED_INPUT = 0;
const HR_MSG_OUTPUT = 1;
const HR_MSG_DONE = 2;
const HR_MSG_FAILED = 3;
const HR_MSG_EVENT = 4;
const HR_EV_ELEMENT = 0;
const HR_EV_COMMENT = 1;
const HR_EV_TEXT = 2;
const HR_EV_DOCTYPE = 3;
const HR_EV_END = 4;
const HR_EV_END_TAG = 5;
const HR_REPLY_INPUT = 0;
const HR_REPLY_END = 1;
const HR_REPLY_ABORT = 2;
const HR_REPLY_COMMANDS = 3;
const HR_REPLY_CONTINUE = 4;
const HR_CMD_TAG_NAME = 0;
const HR_CMD_SET_ATTRIBUTE = 1;
const HR_CMD_REMOVE_ATTRIBUTE = 2;
const HR_CMD_BEFORE = 3;
const HR_CMD_AFTER = 4;
const HR_CMD_PREPEND = 5;
const HR_CMD_APPEND = 6;
const HR_CMD_REPLACE = 7;
const HR_CMD_SET_INNER_CONTENT = 8;
const HR_CMD_REMOVE = 9;
const HR_CMD_REMOVE_AND_KEEP_CONTENT = 10;
const HR_CMD_ON_END_TAG = 11;
const HR_CMD_SET_TEXT = 12;
const HR_CMD_SET_NAME = 13;
const HR_CHECK_TAG_NAME = 0;
const HR_CHECK_ATTRIBUTE_NAME = 1;
const HR_CHECK_COMMENT_TEXT = 2;

// Input chunks go to the host in slices of at most this many bytes.
const HR_INPUT_SLICE = 64 * 1024;

const HR_STALE = "This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler.";
const hrKey = Symbol("HTMLRewriter token");
const hrTokens = new WeakMap(); // token object -> { run, cmds, alive, ...snapshot }

function hrState(token) {
  const s = hrTokens.get(token);
  if (s === undefined || !s.alive) throw new TypeError(HR_STALE);
  return s;
}

function hrNewToken(cls, state) {
  const token = Object.create(cls.prototype);
  hrTokens.set(token, state);
  return token;
}

function hrIllegal() {
  throw new TypeError("Illegal constructor");
}

function hrAsciiLower(s) {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

// The name lol_html would look an attribute up by, or null if no attribute can have it.
function hrLookupName(name) {
  const n = hrAsciiLower(String(name));
  return n === "" || /[ \n\r\t\f/>=]/.test(n) ? null : n;
}

function hrContent(content) {
  if (isReadableStream(content) || content instanceof Response) {
    throw new TypeError("Replacing HTML content using a ReadableStream or Response object is not implemented. You must provide a string.");
  }
  return String(content);
}

function hrIsHtml(options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object" && typeof options !== "function") throw new TypeError("The content options must be an object");
  return Boolean(options.html);
}

function hrRecord(s, op, a, b) {
  s.cmds.push(op, a, b);
}

function hrInsert(token, op, content, options) {
  const s = hrState(token);
  hrRecord(s, op, hrContent(content), hrIsHtml(options));
  return s;
}

class HrAttributesIterator {
  #state;
  #entries;
  #index = 0;
  constructor(key, state) {
    if (key !== hrKey) hrIllegal();
    this.#state = state;
    this.#entries = state.attrs.map(([n, v]) => [n, v]);
  }
  next() {
    if (!this.#state.alive) throw new TypeError(HR_STALE);
    if (this.#index >= this.#entries.length) return { done: true, value: undefined };
    return { done: false, value: this.#entries[this.#index++] };
  }
  [Symbol.iterator]() { return this; }
}
setToStringTag(HrAttributesIterator, "AttributesIterator");

const HrElement = class Element {
  constructor() { hrIllegal(); }
  get tagName() { return hrState(this).tag; }
  set tagName(value) {
    const s = hrState(this);
    const name = String(value);
    s.run.session.check(HR_CHECK_TAG_NAME, name);
    s.tag = hrAsciiLower(name);
    hrRecord(s, HR_CMD_TAG_NAME, name, undefined);
  }
  get attributes() { return new HrAttributesIterator(hrKey, hrState(this)); }
  get namespaceURI() { return hrState(this).ns; }
  get removed() { return hrState(this).removed; }
  getAttribute(name) {
    const s = hrState(this);
    const n = hrLookupName(name);
    const found = n === null ? undefined : s.attrs.find((a) => a[0] === n);
    return found === undefined ? null : found[1];
  }
  hasAttribute(name) {
    const s = hrState(this);
    const n = hrLookupName(name);
    return n !== null && s.attrs.some((a) => a[0] === n);
  }
  setAttribute(name, value) {
    const s = hrState(this);
    const raw = String(name);
    const v = String(value);
    s.run.session.check(HR_CHECK_ATTRIBUTE_NAME, raw);
    const n = hrAsciiLower(raw);
    const found = s.attrs.find((a) => a[0] === n);
    if (found) found[1] = v;
    else s.attrs.push([n, v]);
    hrRecord(s, HR_CMD_SET_ATTRIBUTE, raw, v);
    return this;
  }
  removeAttribute(name) {
    const s = hrState(this);
    const n = hrLookupName(name);
    if (n !== null) {
      s.attrs = s.attrs.filter((a) => a[0] !== n);
      hrRecord(s, HR_CMD_REMOVE_ATTRIBUTE, n, undefined);
    }
    return this;
  }
  before(content, options) { hrInsert(this, HR_CMD_BEFORE, content, options); return this; }
  after(content, options) { hrInsert(this, HR_CMD_AFTER, content, options); return this; }
  prepend(content, options) { hrInsert(this, HR_CMD_PREPEND, content, options); return this; }
  append(content, options) { hrInsert(this, HR_CMD_APPEND, content, options); return this; }
  replace(content, options) { hrInsert(this, HR_CMD_REPLACE, content, options).removed = true; return this; }
  setInnerContent(content, options) { hrInsert(this, HR_CMD_SET_INNER_CONTENT, content, options); return this; }
  remove() {
    const s = hrState(this);
    s.removed = true;
    hrRecord(s, HR_CMD_REMOVE, undefined, undefined);
    return this;
  }
  removeAndKeepContent() {
    const s = hrState(this);
    s.removed = true;
    hrRecord(s, HR_CMD_REMOVE_AND_KEEP_CONTENT, undefined, undefined);
    return this;
  }
  onEndTag(handler) {
    const s = hrState(this);
    if (typeof handler !== "function") throw new TypeError("onEndTag() expects a function");
    if (!s.canHaveContent) throw new TypeError(`Parser error: ${s.tag} can't have content`);
    const id = s.run.nextEndTagId++;
    s.run.endTagHandlers.set(id, handler);
    hrRecord(s, HR_CMD_ON_END_TAG, id, undefined);
  }
};
setToStringTag(HrElement, "Element");
defineGetters(HrElement.prototype, ["tagName", "attributes", "namespaceURI", "removed"]);

const HrEndTag = class EndTag {
  constructor() { hrIllegal(); }
  get name() { return hrState(this).name; }
  set name(value) {
    const s = hrState(this);
    const name = String(value);
    s.name = hrAsciiLower(name);
    hrRecord(s, HR_CMD_SET_NAME, name, undefined);
  }
  before(content, options) { hrInsert(this, HR_CMD_BEFORE, content, options); return this; }
  after(content, options) { hrInsert(this, HR_CMD_AFTER, content, options); return this; }
  remove() {
    hrRecord(hrState(this), HR_CMD_REMOVE, undefined, undefined);
    return this;
  }
};
setToStringTag(HrEndTag, "EndTag");
defineGetters(HrEndTag.prototype, ["name"]);

const HrComment = class Comment {
  constructor() { hrIllegal(); }
  get text() { return hrState(this).text; }
  set text(value) {
    const s = hrState(this);
    const text = String(value);
    s.run.session.check(HR_CHECK_COMMENT_TEXT, text);
    s.text = text;
    hrRecord(s, HR_CMD_SET_TEXT, text, undefined);
  }
  get removed() { return hrState(this).removed; }
  before(content, options) { hrInsert(this, HR_CMD_BEFORE, content, options); return this; }
  after(content, options) { hrInsert(this, HR_CMD_AFTER, content, options); return this; }
  replace(content, options) { hrInsert(this, HR_CMD_REPLACE, content, options).removed = true; return this; }
  remove() {
    const s = hrState(this);
    s.removed = true;
    hrRecord(s, HR_CMD_REMOVE, undefined, undefined);
    return this;
  }
};
setToStringTag(HrComment, "Comment");
defineGetters(HrComment.prototype, ["text", "removed"]);

const HrText = class Text {
  constructor() { hrIllegal(); }
  get text() { return hrState(this).text; }
  get lastInTextNode() { return hrState(this).last; }
  get removed() { return hrState(this).removed; }
  before(content, options) { hrInsert(this, HR_CMD_BEFORE, content, options); return this; }
  after(content, options) { hrInsert(this, HR_CMD_AFTER, content, options); return this; }
  replace(content, options) { hrInsert(this, HR_CMD_REPLACE, content, options).removed = true; return this; }
  remove() {
    const s = hrState(this);
    s.removed = true;
    hrRecord(s, HR_CMD_REMOVE, undefined, undefined);
    return this;
  }
};
setToStringTag(HrText, "Text");
defineGetters(HrText.prototype, ["text", "lastInTextNode", "removed"]);

const HrDoctype = class Doctype {
  constructor() { hrIllegal(); }
  get name() { return hrState(this).name; }
  get publicId() { return hrState(this).publicId; }
  get systemId() { return hrState(this).systemId; }
};
setToStringTag(HrDoctype, "Doctype");
defineGetters(HrDoctype.prototype, ["name", "publicId", "systemId"]);

const HrDocumentEnd = class DocumentEnd {
  constructor() { hrIllegal(); }
  append(content, options) { hrInsert(this, HR_CMD_APPEND, content, options); return this; }
};
setToStringTag(HrDocumentEnd, "DocumentEnd");

function hrIsPromiseLike(v) {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
}

// One transform in progress: feeds the session, runs handlers, hands out the rewritten bytes.
class HrRun {
  constructor(session, reader, callbacks) {
    this.session = session;
    this.reader = reader;
    this.callbacks = callbacks; // handler number -> [fn, thisArg]
    this.endTagHandlers = new Map(); // number -> fn
    this.nextEndTagId = 0;
    this.needInput = false; // the session waits for input
    this.resume = false; // the session waits for its output to be taken
    this.pending = null; // the rest of an input chunk, sent slice by slice
    this.finished = false;
    // A transform left unread when its request ends gives its rewriter thread back at once.
    this.unhook = onRequestEnd(() => this.stop(new TypeError("the request ended before the rewritten body was read")));
  }

  async feed() {
    if (this.pending === null) {
      const { done, value } = await this.reader.read();
      if (done) {
        this.session.send(HR_REPLY_END);
        return;
      }
      const bytes = toUint8Array(value);
      if (bytes === null) throw new TypeError("HTMLRewriter: the response body must produce Uint8Array chunks");
      this.pending = bytes;
    }
    const slice = this.pending.subarray(0, HR_INPUT_SLICE);
    this.pending = this.pending.byteLength > HR_INPUT_SLICE ? this.pending.subarray(HR_INPUT_SLICE) : null;
    this.session.send(HR_REPLY_INPUT, slice);
  }

  // The next chunk of output; null at the end. Rejects (erroring the body) on any failure.
  async pull() {
    try {
      for (;;) {
        if (this.finished) return null;
        if (this.needInput) {
          this.needInput = false;
          await this.feed();
        } else if (this.resume) {
          this.resume = false;
          this.session.send(HR_REPLY_CONTINUE);
        }
        const msg = this.session.recv();
        switch (msg[0]) {
          case HR_MSG_NEED_INPUT: this.needInput = true; break;
          case HR_MSG_OUTPUT: this.resume = true; break;
          case HR_MSG_DONE: this.finished = true; this.unhook(); this.endTagHandlers.clear(); break;
          case HR_MSG_FAILED: throw new TypeError(msg[2]);
          case HR_MSG_EVENT: await this.dispatch(msg); break;
          default: throw new TypeError("HTMLRewriter: unexpected message from the rewriter");
        }
        if (msg[1] !== null) return msg[1];
      }
    } catch (e) {
      this.stop(e);
      throw e;
    }
  }

  stop(reason) {
    if (this.finished) return;
    this.finished = true;
    this.unhook();
    this.endTagHandlers.clear();
    this.pending = null;
    this.session.send(HR_REPLY_ABORT);
    stMarkHandled(this.reader.cancel(reason));
  }

  cancel(reason) {
    this.stop(reason);
  }

  async dispatch(msg) {
    const kind = msg[2];
    const id = msg[3];
    let fn;
    let thisArg;
    if (kind === HR_EV_END_TAG) {
      fn = this.endTagHandlers.get(id);
      this.endTagHandlers.delete(id);
    } else {
      [fn, thisArg] = this.callbacks[id];
    }
    const state = { run: this, cmds: [], alive: true };
    let token;
    switch (kind) {
      case HR_EV_ELEMENT:
        Object.assign(state, { tag: msg[4], ns: msg[5], attrs: msg[6], removed: msg[7], canHaveContent: msg[8] });
        token = hrNewToken(HrElement, state);
        break;
      case HR_EV_COMMENT:
        Object.assign(state, { text: msg[4], removed: msg[5] });
        token = hrNewToken(HrComment, state);
        break;
      case HR_EV_TEXT:
        Object.assign(state, { text: msg[4], last: msg[5], removed: msg[6] });
        token = hrNewToken(HrText, state);
        break;
      case HR_EV_DOCTYPE:
        Object.assign(state, { name: msg[4] ?? null, publicId: msg[5] ?? null, systemId: msg[6] ?? null });
        token = hrNewToken(HrDoctype, state);
        break;
      case HR_EV_END:
        token = hrNewToken(HrDocumentEnd, state);
        break;
      case HR_EV_END_TAG:
        state.name = msg[4];
        token = hrNewToken(HrEndTag, state);
        break;
      default:
        throw new TypeError("HTMLRewriter: unexpected event from the rewriter");
    }
    try {
      if (typeof fn === "function") {
        const result = fn.call(thisArg, token);
        if (hrIsPromiseLike(result)) await result;
      }
    } finally {
      state.alive = false;
    }
    this.session.send(HR_REPLY_COMMANDS, state.cmds);
  }
}

function hrHandlers(handlers, names) {
  if (handlers === null || (typeof handlers !== "object" && typeof handlers !== "function")) {
    throw new TypeError("HTMLRewriter handlers must be an object");
  }
  const out = { thisArg: handlers };
  for (const n of names) {
    const f = handlers[n];
    if (f === undefined) continue;
    if (typeof f !== "function") throw new TypeError(`HTMLRewriter: the ${n} handler must be a function`);
    out[n] = f;
  }
  return out;
}

function hrCharset(contentType) {
  if (contentType === null) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  if (m === null) return undefined;
  const label = (m[1] ?? m[2] ?? "").trim();
  return label === "" ? undefined : label;
}

class HTMLRewriter {
  #specs = [];

  on(selector, handlers) {
    const sel = String(selector);
    ops.htmlSelectorCheck(sel);
    this.#specs.push({ selector: sel, ...hrHandlers(handlers, ["element", "comments", "text"]) });
    return this;
  }

  onDocument(handlers) {
    this.#specs.push({ selector: null, ...hrHandlers(handlers, ["doctype", "comments", "text", "end"]) });
    return this;
  }

  transform(response) {
    if (!(response instanceof Response)) throw new TypeError("HTMLRewriter.transform() expects a Response");
    if (response.bodyUsed) throw new TypeError("The Response's body has already been used");
    const body = response.body;
    if (body === null) return response;
    if (readableStreamIsLocked(body)) throw new TypeError("The Response's body stream is locked to a reader");
    const callbacks = [];
    const idOf = (fn, thisArg) => {
      if (fn === undefined) return -1;
      callbacks.push([fn, thisArg]);
      return callbacks.length - 1;
    };
    const selectors = [];
    const elementIds = [];
    const documentIds = [];
    for (const s of this.#specs) {
      if (s.selector === null) {
        documentIds.push(idOf(s.doctype, s.thisArg), idOf(s.comments, s.thisArg), idOf(s.text, s.thisArg), idOf(s.end, s.thisArg));
      } else {
        selectors.push(s.selector);
        elementIds.push(idOf(s.element, s.thisArg), idOf(s.comments, s.thisArg), idOf(s.text, s.thisArg));
      }
    }
    // Throws for an unsupported charset before the body is touched.
    const session = ops.htmlRewriterStart(selectors, elementIds, documentIds, hrCharset(response.headers.get("content-type")));
    const run = new HrRun(session, body.getReader(), callbacks);
    const output = readableStreamFromPull(() => run.pull(), (reason) => run.cancel(reason));
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return new Response(output, { status: response.status, statusText: response.statusText, headers });
  }
}
setToStringTag(HTMLRewriter, "HTMLRewriter");
defineGlobal("HTMLRewriter", HTMLRewriter);
