"""docs/performance.md from a results file: tables, ratios to workerd, and the issue's targets."""

import statistics
from pathlib import Path

NAMES = {
    "verge": "verge",
    "workerd": "workerd",
    "deno": "Deno",
    "node": "Node",
    "ceiling": "ceiling: bare hyper (no JS)",
    "wasmtime": "wasmtime serve",
    "wasmtime-cache": "wasmtime serve, its default on-disk cache (warm)",
}
ORDER = ["verge", "workerd", "deno", "node", "ceiling", "wasmtime", "wasmtime-cache"]


def _ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _n(v):
    return f"{v:,.0f}"


def _ratio(v, base):
    return f"{v / base:.2f}×" if base else "–"


def _range(s, fmt):
    return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"


def _when(origin):
    """"2026-11-24 04:19–04:55 UTC" from a run's start and finish times."""
    start, end = origin["started"], origin["finished"]
    return f"{start[:10]} {start[11:16]}–{end[11:16]} UTC"


def carried(results, key):
    """Where the `key` part of these results comes from when it was carried over from an earlier run, or None."""
    return results.get("carried_over", {}).get(key)


def provenance(results, key):
    """A line saying which run a section comes from when it is not this run (empty list otherwise)."""
    origin = carried(results, key)
    if not origin:
        return []
    load = origin.get("loadavg_at_start")
    return [
        f"*Not re-run: these figures come from the earlier run of {_when(origin)} (`{origin['file']}`, "
        f"{origin['verge']}"
        + (f"; load average at its start {', '.join(load)}" if load else "")
        + "). Every figure in this section comes from that one run.*",
        "",
    ]


def run_label(results, key):
    """Which run a figure comes from, for the targets table."""
    origin = carried(results, key)
    return f"{_when(origin)} (earlier run)" if origin else "this run"


def settings_for(results, key):
    """The settings of the run a part comes from."""
    origin = carried(results, key)
    return origin["settings"] if origin else results["settings"]


def _busy_note(results, key, load=None):
    """A note on how busy the machine was while a part of this run ran (nothing for carried-over parts)."""
    if carried(results, key):
        return []
    cores = results["machine"]["cores"]
    load = load or [results.get("loadavg_at_start", ["?"])[0], results.get("loadavg_at_end", ["?"])[0]]
    try:
        busy = max(float(x) for x in load) > cores
    except ValueError:
        busy = False
    text = f"Load average (1 min) around it: {', '.join(load)} on {cores} cores"
    if busy:
        text += (": **the machine was busy** (other builds and test runs shared it), so these figures are "
                 "pessimistic and noisier than on an idle machine")
    return ["", text + "."]


def _rows(workload):
    return [rt for rt in ORDER if rt in workload["runtimes"]]


def workload_tables(w, base_rt, base_label):
    """The closed-loop and fixed-rate tables of one workload's results, ratios to `base_rt`'s medians."""
    base = w["runtimes"].get(base_rt, {}).get("closed", {})
    lines = [
        f"| runtime | req/s | × {base_label} | p50 ms | p99 ms | p99.9 ms | errors | peak RSS MiB | × {base_label} "
        f"| CPU s / 100k req | × {base_label} |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rt in _rows(w):
        c = w["runtimes"][rt]["closed"]

        def rel(key, c=c):
            return _ratio(c[key]["median"], base.get(key, {}).get("median")) if base else "–"

        lines.append(
            f"| {NAMES[rt]} | {_range(c['rps'], _n)} | {rel('rps')} | {_ms(c['p50_ms']['median'])} | "
            f"{_range(c['p99_ms'], _ms)} | {_ms(c['p999_ms']['median'])} | {_n(c['errors']['median'])} | "
            f"{c['peak_rss_mib']['median']:.0f} | {rel('peak_rss_mib')} | {c['cpu_s_per_100k']['median']:.2f} | "
            f"{rel('cpu_s_per_100k')} |"
        )
    lines += [
        "",
        f"At a fixed offered rate of {_n(w['rate'])} req/s:",
        "",
        f"| runtime | achieved req/s | p50 ms | p99 ms | p99.9 ms | p99 × {base_label} | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    obase = w["runtimes"].get(base_rt, {}).get("open", {}).get("p99_ms", {}).get("median")
    for rt in _rows(w):
        o = w["runtimes"][rt]["open"]
        lines.append(
            f"| {NAMES[rt]} | {_n(o['achieved_rps']['median'])} | {_ms(o['p50_ms']['median'])} | "
            f"{_range(o['p99_ms'], _ms)} | {_ms(o['p999_ms']['median'])} | {_ratio(o['p99_ms']['median'], obase)} | "
            f"{_n(o['errors']['median'])} |"
        )
    lines.append("")
    return lines


def throughput_section(results):
    if not results["workloads"]:
        return []
    s = settings_for(results, "workloads")
    lines = [
        "## Throughput and latency",
        "",
        *provenance(results, "workloads"),
        f"wrk, {s['connections']} connections, {s['wrk_threads']} load thread, {s['duration_s']} s measured after "
        f"{s['warmup_s']} s of warm-up, on a fresh server per run; median of {s['reps']} run(s), min–max in "
        "brackets. *× workerd* divides by workerd's median in the same run (above 1 is better for req/s, below 1 "
        "is better for everything else). Peak RSS is the sum of VmHWM over the server's processes; CPU is "
        "utime + stime of the server's processes during the measured window, per 100,000 requests.",
        "",
        "Latency at a fixed rate: oha offering half of the slowest peer's median req/s for that workload "
        f"(open loop, latency counted from when each request was due), {s['duration_s']} s after a warm-up, "
        "median of the runs.",
        "",
        "workerd's p99 at 32 connections sits far above its p50 in every workload; a single `workerd serve` "
        "process shows the same pattern (checked when this benchmark was written), so it does not come from two "
        "processes sharing the listening socket.",
        "",
    ]
    for name, w in results["workloads"].items():
        lines += [
            f"### {name}",
            "",
            f"{w['about']}. Same answer from every runtime: {'yes' if w['same_body_on_every_runtime'] else 'no (see the JSON)'}.",
            "",
            *workload_tables(w, "workerd", "workerd"),
        ]
    return lines


def cold_start_section(results):
    lines = []
    pcs = results.get("process_cold_start")
    if pcs:
        base = pcs.get("workerd", {}).get("median_ms")
        lines += [
            "## Cold start",
            "",
            *provenance(results, "process_cold_start"),
            "**(a) Process start to first response**: from spawning the process to the first 200 answer to the "
            "hello workload, polled every millisecond over loopback; each runtime's plain single-process command "
            f"(`verge dev`, `workerd serve`, `deno serve`, `node adapters/node.mjs`); median of "
            f"{settings_for(results, 'process_cold_start')['cold_start_runs']} starts after one discarded start that warms the page cache.",
            "",
            "| runtime | median ms (min–max) | × workerd |",
            "| --- | --- | --- |",
        ]
        for rt in [r for r in ORDER if r in pcs]:
            c = pcs[rt]
            lines.append(f"| {NAMES[rt]} | {_ms(c['median_ms'])} ({_ms(c['min_ms'])}–{_ms(c['max_ms'])}) | "
                         f"{_ratio(c['median_ms'], base)} |")
        lines.append("")
    inc = results.get("in_node_cold_start")
    if inc:
        s = inc["summary"]
        if not pcs:
            lines += ["## Cold start", ""]
        lines += [
            *provenance(results, "in_node_cold_start"),
            f"**(b) Inside a running node**: {_n(inc['workers'])} distinct workers (the json-api workload, each with "
            "its own `WORKER_ID` constant) compiled once, then each given its first request the two ways a shard "
            "can for a worker that has never run there: on a *blank* isolate made ahead of time (prelude installed; "
            "shards keep a few ready and refill them in the background), and on an isolate made from scratch (when "
            "no blank is ready). `bench/harness/src/bin/density.rs`, through `pool::make_blank`, "
            "`pool::instantiate_from`, `pool::instantiate` and `dispatch`. Median over "
            f"{inc['runs']} process runs of each run's percentile, min–max in brackets, microseconds. "
            "**The node's figure is the first row** (a shard keeps blank isolates ready); the from-scratch row "
            "is what a first request costs when a burst of new workers has used up the ready blanks.",
            *_busy_note(results, "in_node_cold_start"),
            "",
            "| step | p50 µs | p90 µs | p99 µs | max µs |",
            "| --- | --- | --- | --- | --- |",
        ]
        labels = {
            "from_blank_first_response": "**first request, blank ready (the node's path)**: worker loaded into "
                                         "the blank + answered",
            "from_blank": "of which loading the worker into the blank",
            "first_response": "first request, no blank ready (from scratch): isolate from bytecode + answered",
            "instantiate": "of which the isolate from bytecode",
            "blank": "making one blank (ahead of time, off the request path)",
            "compile": "compiling the worker (source → bytecode, top level run once; at deploy, not per shard)",
        }
        for phase, label in labels.items():
            if phase not in s:
                continue
            row = s[phase]
            lines.append(f"| {label} | " + " | ".join(_range(row[q], _n) for q in ["p50_us", "p90_us", "p99_us"])
                         + f" | {_n(row['max_us']['median'])} |")
        lines.append("")
    return lines


def memory_section(results):
    mem = results.get("memory")
    if not mem:
        return []
    verge = {str(k): v for k, v in mem["verge"].items()}
    workerd = {str(k): v for k, v in mem["workerd"].items()}
    lines = [
        "## Memory per loaded worker",
        "",
        *provenance(results, "memory"),
        "Resident memory (VmRSS) of one process holding N distinct workers, each loaded and idle after serving "
        "one request: verge in process (`verge-density memory`: compiled bytecode plus one idle isolate per "
        "worker), workerd with N services in one config (one socket each, one request to each). *Per extra "
        "worker* is (RSS(N) − RSS(1)) / (N − 1); *QuickJS heap* is what verge's isolates report in use, per "
        "worker. verge: median of the runs up to 1,000 workers, one run at "
        "10,000; workerd likewise.",
        "",
        "| workers | verge RSS MiB | verge per extra worker KiB | of which QuickJS heap KiB | workerd RSS MiB | workerd per extra worker KiB | workerd ÷ verge per worker |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in sorted(set(verge) | set(workerd), key=int):
        v, w = verge.get(n, {}), workerd.get(n, {})
        vp, wp = v.get("per_worker_kib"), w.get("per_worker_kib")
        vrss = f"{v['rss_mib']:.1f}" if "rss_mib" in v else f"not run: {v.get('skipped', 'no result')}"
        wrss = f"{w['rss_mib']:.1f}" if "rss_mib" in w else f"not run: {w.get('skipped', 'no result')}"
        raw = [r["raw"] for r in v.get("runs", [])]
        heap = statistics.median(r["quickjs_heap_bytes"] / r["workers"] / 1024 for r in raw) if raw else None
        lines.append(
            f"| {int(n):,} | {vrss} | {f'{vp:.0f}' if vp else '–'} | {f'{heap:.0f}' if heap else '–'} | {wrss} | "
            f"{f'{wp:.0f}' if wp else '–'} | {f'{wp / vp:.1f}×' if vp and wp else '–'} |"
        )
    lines.append("")
    return lines


def _zipf_top_share(n, s, k):
    """Share of Zipf(s) requests over n workers that go to the k most popular."""
    weights = [1 / i**s for i in range(1, n + 1)]
    return sum(weights[:k]) / sum(weights)


def zipf_section(results):
    """The density run: many workers on one node under a Zipf load."""
    z = results.get("zipf_density")
    if not z or not z.get("variants"):
        return []
    v0 = z["variants"][0]
    loads = [x for v in z["variants"] for r in v["reports"] for x in (r["loadavg_start"][0], r["loadavg_end"][0])]
    lines = [
        "## Density: 10,000 workers on one node under a Zipf load" if v0["workers"] == 10000
        else f"## Density: {v0['workers']:,} workers on one node under a Zipf load",
        "",
        *provenance(results, "zipf_density"),
        f"`verge-zipf` (`bench/harness/src/bin/zipf.rs`): {v0['workers']:,} distinct workers (the json-api workload, "
        "each with its own `WORKER_ID`) compiled in process and deployed in one route table on a real node "
        f"(`Node::start`, {v0['shards']} shards, its default limits unless the row says otherwise); then "
        "`GET /api/health` over loopback HTTP/1.1 from a fixed number of keep-alive connections (closed loop, a "
        "hyper client on one thread of the same process), each request to the worker of Zipf rank k with "
        f"probability ∝ 1/k^s, s = {v0['zipf_s']:g} (fixed seed), reached by its Host `w<k-1>.bench.verge` as every worker "
        f"is on a node. {v0['warmup_s']:g} s of load before measuring, then {v0['duration_s']:g} s measured; a fresh "
        "process per run. *Isolates made / evicted per request* come from the runtime's per-worker counters over "
        "the measured window: made = a request found no idle isolate of its worker on its shard; evicted = an "
        "idle isolate dropped to keep the shard within `max_idle_isolates` (the least recently used worker's "
        "first). *Top share* is the share of requests that go to the (idle cap) most popular workers: every "
        "shard sees the whole distribution (the connections spread over the shards), so a shard holding its "
        "cap's worth of the most popular workers warm would still make an isolate for the rest; "
        "1 − top share is the floor on isolates made per request with one idle isolate per warm worker. Peak RSS is the whole process's VmHWM (node, "
        "10,000 compiled workers and the load generator, which holds only its connections and latency samples). "
        "No peer: workerd, Deno and Node have no multi-tenant mode to compare with here.",
        "",
        "The load generator shares the 2 cores with the node's two shards, and each shard is also the thread "
        "that makes isolates for its cold requests, so a cold request delays the warm ones queued behind it on "
        "that shard.",
        *_busy_note(results, "zipf_density", [min(loads), max(loads)] if loads else None),
        "",
        "| setting | connections | runs | req/s | p50 ms | p99 ms | p99.9 ms | errors | isolates made / request | evicted / request "
        "| top share | idle cap per shard × shards | peak RSS MiB | RSS after compiling MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for v in z["variants"]:
        sm = v["summary"]
        top = _zipf_top_share(v["workers"], v["zipf_s"], v["max_idle_isolates_per_shard"])
        lines.append(
            f"| {v['label']} | {v['connections']} | {v['runs']} | {_range(sm['rps'], _n)} | "
            f"{_range(sm['p50_ms'], _ms)} | {_range(sm['p99_ms'], _ms)} | {_ms(sm['p999_ms']['median'])} | "
            f"{_n(sm['errors']['median'])} | {_range(sm['isolates_created_per_request'], lambda x: f'{x:.3f}')} | "
            f"{_range(sm['isolates_evicted_per_request'], lambda x: f'{x:.3f}')} | {top:.1%} | "
            f"{v['max_idle_isolates_per_shard']:,} × {v['shards']} | {_range(sm['peak_rss_mib'], _n)} | "
            f"{sm['rss_compiled_mib']['median']:,.0f} |"
        )
    filling = [v["label"] for v in z["variants"]
               if v["summary"]["isolates_created_per_request"]["median"]
               > 1.1 * v["summary"]["isolates_evicted_per_request"]["median"] + 0.005]
    if filling:
        lines += ["", f"Not a steady state in: {', '.join(filling)}. Isolates were still being made faster than "
                  "they were evicted during the measured window (the idle pools were still filling up to their "
                  "cap), so that row's evictions per request are lower than they would be later."]
    lines += ["", f"Medians over the runs, min–max in brackets ({v0['runs']} run{'s' if v0['runs'] != 1 else ''} of the first setting"
              + (", fewer of the others" if any(v["runs"] < v0["runs"] for v in z["variants"]) else "")
              + "; each run takes about a minute to compile its workers)."]
    lines.append("")
    return lines


def wasm_section(results):
    """Wasm hello: verge against `wasmtime serve` (results key "wasm"): throughput, latency, memory, cold start."""
    title = "## Wasm hello (verge vs `wasmtime serve`)"
    w = results.get("wasm")
    if not w:
        return [
            title,
            "",
            "Not measured in this run: this section holds the Wasm hello workload, verge against `wasmtime serve` "
            "(throughput, latency, memory and cold start, same rules as above); `bench/run.sh --only wasm` "
            "measures it.",
            "",
        ]
    t = w["throughput"]
    s = settings_for(results, "wasm")
    cores = results["machine"]["cores"]
    files = w.get("wasmtime_cache_files", {})
    cached, uncached = files.get("wasmtime-cache"), files.get("wasmtime")
    if cached:
        cache = (f"{w.get('wasmtime_version', 'wasmtime')} caches compiled code on disk **by default** (run with "
                 f"its defaults it stored {cached} compiled artifact(s) in its cache directory)")
    elif cached == 0:
        cache = (f"{w.get('wasmtime_version', 'wasmtime')} wrote nothing to its cache directory when run with its "
                 "defaults (its on-disk cache was off)")
    else:
        cache = "wasmtime's on-disk cache (on by default)"
    lines = [
        title,
        "",
        *provenance(results, "wasm"),
        f"{t['about']}. The same {_n(w['component_bytes'])}-byte component (`{w['component']}`) on both; same "
        f"answer from both: {'yes' if t['same_body_on_every_runtime'] else 'no (see the JSON)'}. verge serves "
        "the folder `bench/workloads/wasm-hello/` with the component copied in (`verge dev <folder>`, the "
        "`GREETING` var from its `verge.toml`); "
        "`wasmtime serve -S cli -C cache=n --env GREETING=… app.wasm` gets the same var as an environment variable "
        "(`-S cli` links wasi:cli/environment, which `serve` leaves out otherwise).",
        "",
        f"How each uses the {cores} cores: verge one shard per core (`--shards {cores}`), each accepting its own "
        "connections; `wasmtime serve` as it comes, one process whose multi-threaded tokio runtime has one "
        "worker thread per core. Both make a fresh instance of the pre-linked component for every request "
        "(wasmtime's default for a WASIp2 component) from a pooling instance allocator (`wasmtime serve` picks "
        "its pooling allocator by default when the machine has the address space for it, as x86-64 does), and "
        "both write the guest's one stdout line per request to their log (a file here). verge also enforces its "
        "per-request limits (CPU time and wall clock, checked on a 1 ms epoch tick, and memory); `wasmtime "
        "serve` without `-W timeout` runs the guest with none.",
        "",
        f"Same rules as the JS workloads: wrk, {s['connections']} connections, {s['duration_s']} s after "
        f"{s['warmup_s']} s of warm-up, a fresh server per run, runtimes in turn; median of {s['reps']} run(s), "
        "min–max in brackets. *× wasmtime* divides by `wasmtime serve`'s median in the same run. Then oha at "
        "half the slower runtime's median req/s.",
        *_busy_note(results, "wasm"),
        "",
        *workload_tables(t, "wasmtime", "wasmtime"),
    ]
    pcs = w.get("process_cold_start")
    if pcs:
        base = pcs.get("wasmtime", {}).get("median_ms")
        commands = {
            "verge": "`verge dev <folder>`",
            "wasmtime": "`wasmtime serve -S cli -C cache=n …`",
            "wasmtime-cache": "`wasmtime serve -S cli …` (reference, not like for like)",
        }
        lines += [
            "**Process start to first response**, as for the JS workloads: spawning the process to the first 200 "
            "answer, polled every millisecond; median of "
            f"{s['cold_start_runs']} starts after one discarded start. Both compile the component at every start "
            "(wasmtime spreads the compilation over the cores by default, `-C parallel-compilation`): "
            "verge keeps compiled components only in memory, and "
            f"{cache}, so `wasmtime serve` runs with `-C cache=n` here"
            + (f" (it stored {uncached} compiled artifacts then)" if uncached is not None else "")
            + ". The last row is wasmtime with its default cache, filled by the discarded start: what a restart "
            "costs when the compiled code is already on disk, which verge has no equivalent of.",
            "",
            "| runtime | command | median ms (min–max) | × wasmtime serve |",
            "| --- | --- | --- | --- |",
        ]
        for rt in [r for r in ORDER if r in pcs]:
            c = pcs[rt]
            lines.append(f"| {NAMES[rt]} | {commands.get(rt, '')} | {_ms(c['median_ms'])} "
                         f"({_ms(c['min_ms'])}–{_ms(c['max_ms'])}) | {_ratio(c['median_ms'], base)} |")
        lines.append("")
    return lines


def targets_section(results):
    """The issue's targets next to what this run measured."""
    rows = []
    ws = results["workloads"]
    for name in ["hello", "json-api"]:
        w = ws.get(name)
        if not w:
            continue
        rt = w["runtimes"]
        verge = rt["verge"]["closed"]
        best_peer = max((r for r in ["workerd", "deno", "node"] if r in rt), key=lambda r: rt[r]["closed"]["rps"]["median"])
        best = rt[best_peer]["closed"]["rps"]["median"]
        v = verge["rps"]["median"]
        rows.append((f"{name}: req/s ≥ best peer's", f"verge {_n(v)} vs {NAMES[best_peer]} {_n(best)}", v >= best,
                     "workloads"))
        if "ceiling" in rt:
            ceil = rt["ceiling"]["closed"]["rps"]["median"]
            rows.append((f"{name}: within 20% of the bare hyper ceiling", f"{v / ceil:.0%} of {_n(ceil)}",
                         v >= 0.8 * ceil, "workloads"))
        worst = min(rt[r]["closed"]["p99_ms"]["median"] for r in ["workerd", "deno", "node"] if r in rt)
        rows.append((f"{name}: p99 ≤ every peer's (at {settings_for(results, 'workloads')['connections']} connections)",
                     f"verge {_ms(verge['p99_ms']['median'])} ms, best peer {_ms(worst)} ms",
                     verge["p99_ms"]["median"] <= worst, "workloads"))
    inc = results.get("in_node_cold_start")
    if inc:
        summary = inc["summary"]
        key = "from_blank_first_response" if "from_blank_first_response" in summary else "first_response"
        p50 = summary[key]["p50_us"]["median"]
        scratch = summary["first_response"]["p50_us"]["median"]
        what = (f"{p50 / 1e3:.2f} ms with a blank isolate ready, the node's path ({scratch / 1e3:.2f} ms from scratch)"
                if key == "from_blank_first_response" else f"{p50 / 1e3:.2f} ms (from scratch)")
        rows.append(("in-node cold start p50 ≤ 0.3 ms", what, p50 <= 300, "in_node_cold_start"))
    pcs = results.get("process_cold_start")
    if pcs:
        v = pcs["verge"]["median_ms"]
        rows.append(("process cold start ≤ 10 ms", f"{_ms(v)} ms", v <= 10, "process_cold_start"))
    mem = results.get("memory")
    if mem:
        verge = {str(k): v for k, v in mem["verge"].items()}
        workerd = {str(k): v for k, v in mem["workerd"].items()}
        n = max((k for k in verge if verge[k].get("per_worker_kib")), key=int, default=None)
        if n:
            vp = verge[n]["per_worker_kib"]
            rows.append((f"≤ 250 KB RSS per idle loaded worker ({int(n):,} workers)", f"{vp:.0f} KiB",
                         vp * 1024 <= 250_000, "memory"))
            wp = workerd.get("1000", {}).get("per_worker_kib")
            vp1k = verge.get("1000", {}).get("per_worker_kib")
            if wp and vp1k:
                rows.append(("≥ 6× denser than workerd (1,000 workers)", f"{wp / vp1k:.1f}×", wp / vp1k >= 6, "memory"))
    z = results.get("zipf_density")
    if z and z.get("variants"):
        v = z["variants"][0]
        sm = v["summary"]
        p99 = sm["p99_ms"]["median"]
        rows.append((f"{v['workers']:,} workers on one node, p99 < 10 ms under a Zipf load",
                     f"p99 {_ms(p99)} ms, p50 {_ms(sm['p50_ms']['median'])} ms at {v['connections']} connections "
                     f"({_n(sm['rps']['median'])} req/s; {sm['isolates_evicted_per_request']['median']:.2f} "
                     "evictions per request)", p99 < 10, "zipf_density"))
    else:
        rows.append(("10,000 workers on one node, p99 < 10 ms under a Zipf load", "not measured", None, None))
    lines = ["## Against the targets of issue 7", "",
             "Each row says which run it comes from; rows from different runs are not compared with each other.", "",
             "| target | measured | met | measured in |", "| --- | --- | --- | --- |"]
    for t, m, ok, key in rows:
        met = "–" if ok is None else "yes" if ok else "**no**"
        lines.append(f"| {t} | {m} | {met} | {run_label(results, key) if key else '–'} |")
    lines.append("")
    return lines


def glance_section(results):
    """verge divided by workerd, per workload, from the closed-loop medians."""
    rows = []
    for name, w in results["workloads"].items():
        rt = w["runtimes"]
        if "verge" not in rt or "workerd" not in rt:
            continue
        v, b = rt["verge"]["closed"], rt["workerd"]["closed"]
        vo, bo = rt["verge"]["open"], rt["workerd"]["open"]

        def r(a, c, key):
            return _ratio(a[key]["median"], c[key]["median"])

        rows.append(f"| {name} | {r(v, b, 'rps')} | {r(v, b, 'p99_ms')} | {r(vo, bo, 'p99_ms')} | "
                    f"{r(v, b, 'cpu_s_per_100k')} | {r(v, b, 'peak_rss_mib')} |")
    if not rows:
        return []
    return [
        "## verge ÷ workerd at a glance",
        "",
        "Medians from the tables below. req/s: above 1 means verge serves more; the others: below 1 means verge "
        "is faster or smaller.",
        "",
        "| workload | req/s | p99 at 32 connections | p99 at the fixed rate | CPU per request | peak RSS |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


PART_NAMES = {
    "workloads": "throughput and latency",
    "process_cold_start": "process cold start",
    "in_node_cold_start": "in-node cold start",
    "memory": "memory per loaded worker",
    "zipf_density": "the density run",
    "wasm": "the Wasm hello",
}


def _parts_lines(results):
    """Which parts this run measured and which it carried over from an earlier run."""
    origins = results.get("carried_over", {})
    if not origins:
        return []
    here = [PART_NAMES[k] for k in PART_NAMES if results.get(k) and k not in origins]
    lines = [f"- Measured in this run: {', '.join(here) or 'nothing'}"]
    by_file = {}
    for key, origin in origins.items():
        by_file.setdefault((origin["file"], _when(origin), origin["verge"]), []).append(PART_NAMES.get(key, key))
    for (file, when, verge), parts in by_file.items():
        lines.append(f"- Carried over, not re-run: {', '.join(parts)}, from the run of {when} (`{file}`, {verge}); "
                     "each such section says so")
    return lines


def write(results, path):
    m, v = results["machine"], results["versions"]
    s = results["settings"]
    lines = [
        "# Performance: verge next to workerd, Deno and Node",
        "",
        "Generated by `bench/run.sh` from `" + results.get("file", f"bench/results/{results['date']}.json")
        + "`; do not edit by hand, rerun it."
        if not results["quick"] else "**A `--quick` development run: one short run each, not for quoting.**",
        "",
        f"- Date: {results['started']} to {results['finished']} (UTC)",
        *_parts_lines(results),
        f"- Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB, Linux {m['kernel']}, {m['os']}",
        f"- Command: `{results['command']}`",
        f"- Load average (1, 5, 15 min) at the start: {', '.join(results.get('loadavg_at_start', []))}; at the end: "
        f"{', '.join(results.get('loadavg_at_end', []))} (the machine is shared with other work; runtimes take turns "
        "in a rotating order so that noise spreads over all of them)",
        "- Versions" + (" (of this run's tools; the carried-over parts used their own run's, listed in its results "
                        "file)" if results.get("carried_over") else "") + ":",
        *[f"  - {k}: {val}" for k, val in v.items()],
        "",
        f"**Read this first.** The load generator runs on the same {m['cores']} cores as the server, so every server here "
        "competes with wrk/oha for CPU and the absolute numbers are lower than on a machine with a separate "
        "client; ratios between runtimes in the same run are the meaningful figures. Every runtime uses both "
        "cores the way it is deployed: verge one shard per core; workerd one process per core sharing one "
        "listening socket (`--socket-fd`), since one `workerd serve` process runs its JS on one thread; "
        "`deno serve --parallel`; Node's cluster module with one process per core. The workers are the same JS "
        "files (`bench/workloads/`); only entry-point boilerplate differs. No workload is left out because "
        "verge loses it: `compute` is there to show what an interpreter costs against a JIT.",
        "",
    ]
    lines += targets_section(results)
    glance = glance_section(results)
    if glance and carried(results, "workloads"):
        glance[1:1] = ["", *provenance(results, "workloads")[:-1]]
    lines += glance
    lines += throughput_section(results)
    lines += cold_start_section(results)
    lines += memory_section(results)
    lines += zipf_section(results)
    lines += wasm_section(results)
    lines += [
        "## Reproduce",
        "",
        "```sh",
        "bench/run.sh            # installs workerd, Deno, wrk, oha and wasmtime under bench/.tools, builds verge",
        "                        # --release, runs everything, writes bench/results/<date>.json and docs/performance.md",
        "bench/run.sh --quick    # one short run of everything for development, written under bench/.work/",
        "bench/run.sh --only zipf,density --base bench/results/<earlier>.json",
        "                        # re-run some parts (here the density run and the in-node cold start) and carry",
        "                        # the others over from an earlier results file, each section saying which run it is",
        "bench/run.sh --only wasm --base bench/results/<earlier>.json",
        "                        # the Wasm hello alone (verge vs wasmtime serve), the rest carried over",
        "python3 bench/lib/bench.py --render bench/results/<date>.json   # rewrite this page from a results file",
        "```",
        "",
        "Settings of this run: " + ", ".join(f"{k.replace('_', ' ')} {val}" for k, val in s.items()) + ".",
        "",
    ]
    Path(path).write_text("\n".join(lines))
