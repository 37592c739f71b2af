// performance: now() and timeOrigin (High Resolution Time), and a minimal User Timing (mark, measure, entries).
//
// The clock is the isolate's Date.now(), made monotonic: as on Workers, it has the resolution (and any
// coarsening) the host gives Date. timeOrigin is when the isolate was created.

const perfTimeOrigin = Date.now();
let perfLast = 0;

function performanceNow() {
  const t = Date.now() - perfTimeOrigin;
  if (t > perfLast) perfLast = t;
  return perfLast;
}

let perfEntryRecord;

class PerformanceEntry {
  #e;
  constructor(token = undefined, entry = undefined) {
    if (token !== kEvInternal) throw new TypeError("Illegal constructor");
    this.#e = entry;
  }
  get name() { return perfEntryRecord(this).name; }
  get entryType() { return perfEntryRecord(this).entryType; }
  get startTime() { return perfEntryRecord(this).startTime; }
  get duration() { return perfEntryRecord(this).duration; }
  toJSON() {
    const e = perfEntryRecord(this);
    return { name: e.name, entryType: e.entryType, startTime: e.startTime, duration: e.duration, detail: e.detail };
  }
  static {
    perfEntryRecord = (v) => {
      if ((typeof v !== "object" || v === null) || !(#e in v)) throw new TypeError("Illegal invocation");
      return v.#e;
    };
  }
}

class PerformanceMark extends PerformanceEntry {
  constructor(name, markOptions = undefined) {
    if (arguments.length < 1) throw new TypeError("PerformanceMark constructor: 1 argument required");
    const opts = markOptions ?? {};
    let startTime = performanceNow();
    if (opts.startTime !== undefined) {
      startTime = Number(opts.startTime);
      if (!(startTime >= 0)) throw new TypeError("PerformanceMark: startTime must be a non-negative number");
    }
    const detail = opts.detail === undefined ? null : structuredClone(opts.detail);
    super(kEvInternal, { name: String(name), entryType: "mark", startTime, duration: 0, detail });
  }
  get detail() { return perfEntryRecord(this).detail; }
}

class PerformanceMeasure extends PerformanceEntry {
  get detail() { return perfEntryRecord(this).detail; }
}

// Marks and measures, in the order they were made. The isolate outlives requests, so only the newest are kept.
const perfEntries = [];
const PERF_MAX_ENTRIES = 1000;

function perfAdd(entry) {
  perfEntries.push(entry);
  if (perfEntries.length > PERF_MAX_ENTRIES) perfEntries.splice(0, perfEntries.length - PERF_MAX_ENTRIES);
  return entry;
}

function perfTimeOf(markOrTime, what) {
  if (markOrTime === undefined) return undefined;
  if (typeof markOrTime === "number") {
    if (!(markOrTime >= 0)) throw new TypeError(`performance.measure: ${what} must be a non-negative number`);
    return markOrTime;
  }
  const name = String(markOrTime);
  for (let i = perfEntries.length - 1; i >= 0; i--) {
    const e = perfEntryRecord(perfEntries[i]);
    if (e.entryType === "mark" && e.name === name) return e.startTime;
  }
  throw new DOMException(`The mark '${name}' does not exist.`, "SyntaxError");
}

function perfFilter(name, type) {
  return perfEntries.filter((entry) => {
    const e = perfEntryRecord(entry);
    return (name === undefined || e.name === name) && (type === undefined || e.entryType === type);
  });
}

function perfClear(type, name) {
  for (let i = perfEntries.length - 1; i >= 0; i--) {
    const e = perfEntryRecord(perfEntries[i]);
    if (e.entryType === type && (name === undefined || e.name === String(name))) perfEntries.splice(i, 1);
  }
}

class Performance extends EventTarget {
  constructor(token = undefined) {
    if (token !== kEvInternal) throw new TypeError("Illegal constructor");
    super();
  }
  get timeOrigin() { return perfTimeOrigin; }
  now() { return performanceNow(); }

  mark(name, markOptions = undefined) {
    return perfAdd(new PerformanceMark(name, markOptions));
  }

  measure(name, startOrMeasureOptions = undefined, endMark = undefined) {
    let start;
    let end;
    let detail = null;
    const opts = startOrMeasureOptions;
    if (opts !== null && typeof opts === "object") {
      if (endMark !== undefined) throw new TypeError("performance.measure: endMark is not allowed with an options object");
      if (opts.start === undefined && opts.end === undefined && opts.duration === undefined && opts.detail === undefined) {
        throw new TypeError("performance.measure: the options need start, end, duration or detail");
      }
      if (opts.start !== undefined && opts.end !== undefined && opts.duration !== undefined) {
        throw new TypeError("performance.measure: start, end and duration can't all be given");
      }
      const duration = opts.duration === undefined ? undefined : Number(opts.duration);
      start = perfTimeOf(opts.start, "start");
      end = perfTimeOf(opts.end, "end");
      if (end === undefined) end = start !== undefined && duration !== undefined ? start + duration : performanceNow();
      if (start === undefined) start = duration !== undefined ? end - duration : 0;
      if (opts.detail !== undefined) detail = structuredClone(opts.detail);
    } else {
      start = opts === undefined ? 0 : perfTimeOf(opts, "start");
      end = endMark === undefined ? performanceNow() : perfTimeOf(endMark, "end");
    }
    const measure = new PerformanceMeasure(kEvInternal, { name: String(name), entryType: "measure", startTime: start, duration: end - start, detail });
    return perfAdd(measure);
  }

  getEntries() { return perfFilter(undefined, undefined); }
  getEntriesByType(type) { return perfFilter(undefined, String(type)); }
  getEntriesByName(name, type = undefined) { return perfFilter(String(name), type === undefined ? undefined : String(type)); }
  clearMarks(name = undefined) { perfClear("mark", name); }
  clearMeasures(name = undefined) { perfClear("measure", name); }
  toJSON() { return { timeOrigin: perfTimeOrigin }; }
}

defineGetters(PerformanceEntry.prototype, ["name", "entryType", "startTime", "duration"]);
defineGetters(PerformanceMark.prototype, ["detail"]);
defineGetters(PerformanceMeasure.prototype, ["detail"]);
defineGetters(Performance.prototype, ["timeOrigin"]);
for (const [cls, tag] of [[PerformanceEntry, "PerformanceEntry"], [PerformanceMark, "PerformanceMark"], [PerformanceMeasure, "PerformanceMeasure"], [Performance, "Performance"]]) {
  setToStringTag(cls, tag);
  defineGlobal(tag, cls);
}
defineGlobal("performance", new Performance(kEvInternal));
