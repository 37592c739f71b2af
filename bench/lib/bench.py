#!/usr/bin/env python3
"""verge next to workerd, Deno and Node: runs every measurement and writes the results (JSON) and
docs/performance.md. bench/run.sh installs the tools and builds verge first; run that, not this.

Measurements, in order:
1. per workload and runtime, closed loop (wrk, fixed connections): requests/s, p50/p99/p99.9, peak RSS of
   the server's process tree, CPU seconds per 100k requests; then open loop (oha) at a fixed offered rate of
   half the slowest peer's median requests/s, for latency below saturation;
2. process cold start: process start to first 200 response, one process of each runtime's plain command;
3. in-node cold start: bench/harness `verge-density coldstart` (1,000 distinct workers);
4. memory per loaded worker: `verge-density memory` and workerd with as many services in one config;
5. the density run: bench/harness `verge-zipf`, 10,000 distinct workers on one node under a Zipf load;
6. the Wasm hello (part and results key "wasm"): the wasi:http/proxy component of examples/wasm-hello on
   verge and on `wasmtime serve`, closed and open loop as in 1 (half the slower of the two), then process
   cold start as in 2; both compile the component at start (wasmtime's on-disk cache off), plus wasmtime
   with its default cache for the cold start, as a reference.

`--only PARTS` runs some parts; with `--base RESULTS_JSON` the parts not run are carried over from that earlier
results file, marked as such in the report (each section says which run it comes from).
"""

import argparse
import datetime
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import density  # noqa: E402
import load  # noqa: E402
import report  # noqa: E402
from runtimes import (  # noqa: E402
    BENCH, BIN, CORES, PEERS, REPO, WORK, check, request, start, wait_ready, wasmtime_cache_home,
)

WORKLOADS = ["hello", "json-api", "html-rewrite", "jwt-verify", "compute"]
# Parts of a run and the results key each writes ("density" is the in-node cold start, for older command lines).
PARTS = {"throughput": "workloads", "coldstart": "process_cold_start", "density": "in_node_cold_start",
         "memory": "memory", "zipf": "zipf_density", "wasm": "wasm"}
# The Wasm workload and the component it serves (copied next to the workload's verge.toml under bench/.work/).
WASM_WORKLOAD = "wasm-hello"
WASM_COMPONENT = REPO / "examples" / "wasm-hello" / "app.wasm"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_spec(name):
    """The workload's load.json with file references resolved: body_file to a path, `@file` header values."""
    folder = BENCH / "workloads" / name
    spec = json.loads((folder / "load.json").read_text())
    if "body_file" in spec:
        spec["body_file"] = str(folder / spec["body_file"])
        spec["body"] = Path(spec["body_file"]).read_bytes()
    headers = {}
    for k, v in spec.get("headers", {}).items():
        if "@" in v:  # "Bearer @token.txt": the rest of the value is read from that file
            prefix, file = v.split("@", 1)
            v = prefix + (folder / file).read_text().strip()
        headers[k] = v
    spec["headers"] = headers
    spec["dir"] = folder
    return spec


def runtimes_for(name, spec):
    rts = spec.get("runtimes", PEERS)
    return rts + (["ceiling"] if name == "hello" else [])


def one_server(runtime, name, spec, body_of, fn):
    """Start `runtime` on workload `name`, check its answer, run `fn(server)`, stop it."""
    server = start(runtime, spec["dir"])
    try:
        status, body = wait_ready(server, spec)
        check(runtime, status, body, spec)
        body_of.setdefault(runtime, body)
        return fn(server)
    finally:
        server.stop()


def summarize(runs, key):
    values = [r[key] for r in runs]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def throughput(args, name, spec):
    """Closed loop then open loop for every runtime of the workload; returns the workload's results."""
    rts = runtimes_for(name, spec)
    bodies = {}
    closed = {rt: [] for rt in rts}
    for rep in range(args.reps):
        order = rts[rep % len(rts) :] + rts[: rep % len(rts)]
        for rt in order:

            def measure(server):
                load.closed_loop(server.port, spec, args.connections, args.warmup, args.wrk_threads)
                cpu0 = server.cpu_seconds()
                r = load.closed_loop(server.port, spec, args.connections, args.duration, args.wrk_threads)
                r["cpu_s"] = server.cpu_seconds() - cpu0
                r["cpu_s_per_100k"] = r["cpu_s"] / max(r["requests"], 1) * 1e5
                r["peak_rss_mib"] = server.memory_kib("VmHWM") / 1024
                r["processes"] = len(server.pids())
                return r

            r = one_server(rt, name, spec, bodies, measure)
            closed[rt].append(r)
            log(f"{name} {rt} rep {rep + 1}: {r['rps']:.0f} req/s p99 {r['p99_ms']:.2f} ms errors {r['errors']}")
    slowest = min(statistics.median(x["rps"] for x in closed[rt]) for rt in rts if rt != "ceiling")
    rate = max(10, int(slowest * args.rate_fraction))
    opened = {rt: [] for rt in rts}
    for rep in range(args.reps):
        order = rts[rep % len(rts) :] + rts[: rep % len(rts)]
        for rt in order:

            def measure_open(server):
                load.closed_loop(server.port, spec, args.connections, args.warmup, args.wrk_threads)
                return load.open_loop(server.port, spec, rate, args.connections, args.duration)

            r = one_server(rt, name, spec, bodies, measure_open)
            opened[rt].append(r)
            log(f"{name} {rt} @ {rate}/s rep {rep + 1}: p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} ms errors {r['errors']}")
    identical = len({b for rt, b in bodies.items() if rt != "ceiling"}) == 1
    out = {"about": spec["about"], "rate": rate, "same_body_on_every_runtime": identical, "runtimes": {}}
    for rt in rts:
        out["runtimes"][rt] = {
            "closed": {k: summarize(closed[rt], k) for k in
                       ["rps", "p50_ms", "p99_ms", "p999_ms", "peak_rss_mib", "cpu_s_per_100k", "errors"]},
            "open": {k: summarize(opened[rt], k) for k in ["achieved_rps", "p50_ms", "p99_ms", "p999_ms", "errors"]},
            "runs": {"closed": closed[rt], "open": opened[rt]},
        }
    return out


def process_cold_start(args):
    """Process start to first 200 response of the hello workload, one process of each runtime's plain command."""
    return cold_starts(args, load_spec("hello"), PEERS + ["ceiling"])


def cold_starts(args, spec, rts, before=None):
    """Process start to first 200 of the workload `spec` for each runtime in `rts`, plain single command:
    median of `args.cold_runs` starts after one discarded start. `before(rt)`, if given, runs first."""
    out = {}
    for rt in rts:
        if before:
            before(rt)
        times = []
        for i in range(args.cold_runs + 1):
            t0 = time.perf_counter()
            server = start(rt, spec["dir"], parallel=False, log_name=f"coldstart-{rt}-{spec['dir'].name}")
            try:
                status, body = wait_ready(server, spec)
                elapsed = (time.perf_counter() - t0) * 1e3
                check(rt, status, body, spec)
            finally:
                server.stop()
            if i > 0:  # the first start only warms the page cache (and Deno's module cache, wasmtime's cache)
                times.append(elapsed)
        out[rt] = {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "runs_ms": times}
        log(f"cold start {rt} ({spec['dir'].name}): median {out[rt]['median_ms']:.1f} ms")
    return out


def wasm_spec():
    """The Wasm workload's load.json, served from bench/.work/wasm-hello/: its verge.toml next to a copy of
    the example's component (one binary in the repository, not two)."""
    spec = load_spec(WASM_WORKLOAD)
    folder = WORK / WASM_WORKLOAD
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec["dir"] / "verge.toml", folder / "verge.toml")
    shutil.copyfile(WASM_COMPONENT, folder / "app.wasm")
    spec["dir"] = folder
    return spec


def _compiled_in_cache(home):
    """Compiled artifacts wasmtime stored in its cache directory under `home` (not its .stats files)."""
    modules = home / "wasmtime" / "modules"
    return sum(1 for f in modules.rglob("*") if f.is_file() and f.suffix != ".stats") if modules.exists() else 0


def wasm(args):
    """The Wasm hello: verge and `wasmtime serve`, closed and open loop, then process cold start."""
    spec = wasm_spec()
    out = {"workload": WASM_WORKLOAD, "component": str(WASM_COMPONENT.relative_to(REPO)),
           "component_bytes": WASM_COMPONENT.stat().st_size}
    for rt in ["wasmtime", "wasmtime-cache"]:  # start every variant with an empty cache directory
        shutil.rmtree(wasmtime_cache_home(rt), ignore_errors=True)
    out["throughput"] = throughput(args, WASM_WORKLOAD, spec)
    if not out["throughput"]["same_body_on_every_runtime"]:
        raise RuntimeError("verge and wasmtime serve gave different answers (see bench/.work/logs/)")
    out["process_cold_start"] = cold_starts(
        args, spec, ["verge", "wasmtime", "wasmtime-cache"],
        before=lambda rt: shutil.rmtree(wasmtime_cache_home(rt), ignore_errors=True))
    # What wasmtime wrote to its default cache directory: nothing with -C cache=n; the compiled component
    # when the cache is on (it is by default).
    out["wasmtime_cache_files"] = {rt: _compiled_in_cache(wasmtime_cache_home(rt))
                                   for rt in ["wasmtime", "wasmtime-cache"]}
    log(f"wasmtime cache files: {out['wasmtime_cache_files']}")
    return out


def versions():
    def first_line(cmd):
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError) as e:
            return f"unknown ({e})"

    rev = first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"], capture_output=True, text=True).stdout
    return {
        "verge": f"{first_line([BIN['verge'], '--version'])} (git {rev}{', uncommitted changes' if dirty.strip() else ''})",
        "workerd": first_line([BIN["workerd"], "--version"]),
        "deno": first_line([BIN["deno"], "--version"]),
        "node": first_line([BIN["node"], "--version"]),
        "wrk": first_line([BIN["wrk"], "-v"]),
        "oha": first_line([BIN["oha"], "--version"]),
        "wasmtime": first_line([BIN["wasmtime"], "--version"]),
        "rustc": first_line(["rustc", "--version"]),
        "python": platform.python_version(),
    }


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    distro = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                   if line.startswith("PRETTY_NAME=")), "unknown")
    return {"cores": CORES, "cpu_model": model, "memory_gib": round(int(mem) / 2**20, 1),
            "kernel": platform.release(), "os": distro}


def carry_over(results, base_path, skip):
    """Copy the parts skipped in this run from an earlier results file, recording where each came from."""
    base = json.loads(base_path.read_text())
    origin = {
        "file": str(base_path.resolve().relative_to(REPO)),
        "started": base["started"],
        "finished": base["finished"],
        "verge": base["versions"]["verge"],
        "loadavg_at_start": base.get("loadavg_at_start"),
        "loadavg_at_end": base.get("loadavg_at_end"),
        "settings": base["settings"],
    }
    results["carried_over"] = {}
    for part in skip:
        key = PARTS[part]
        carried = base.get("carried_over", {}).get(key)
        if base.get(key):
            results[key] = base[key]
            results["carried_over"][key] = carried or origin


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="one short run of everything, written under bench/.work/")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--skip", default="", help="comma-separated parts to skip: " + ",".join(PARTS))
    p.add_argument("--only", default="", help="comma-separated parts to run (the others are skipped)")
    p.add_argument("--base", metavar="RESULTS_JSON", help="carry the parts not run over from this results file")
    p.add_argument("--render", metavar="RESULTS_JSON", help="only write docs/performance.md from a results file")
    p.add_argument("--command", default="bench/run.sh", help="the command line recorded in the report")
    args = p.parse_args()
    if args.render:
        results = json.loads(Path(args.render).read_text())
        results.setdefault("file", str(Path(args.render).resolve().relative_to(REPO)))
        report.write(results, REPO / "docs" / "performance.md")
        return
    quick = args.quick
    args.reps = 1 if quick else 5
    args.duration = 3 if quick else 8
    args.warmup = 1 if quick else 2
    args.connections = 32
    args.wrk_threads = 1
    args.rate_fraction = 0.5
    args.cold_runs = 3 if quick else 10
    args.zipf_runs = 5
    args.zipf_runs_variant = 3
    skip = set(filter(None, args.skip.split(",")))
    if args.only:
        skip |= set(PARTS) - set(args.only.split(","))
    unknown = skip - set(PARTS)
    if unknown:
        p.error(f"unknown parts: {', '.join(sorted(unknown))}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    WORK.mkdir(exist_ok=True)

    started = datetime.datetime.now(datetime.timezone.utc)
    results = {
        "date": started.strftime("%Y-%m-%d"),
        "started": started.isoformat(timespec="seconds"),
        "quick": quick,
        "command": args.command,
        "machine": machine(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "versions": versions(),
        "settings": {
            "reps": args.reps, "duration_s": args.duration, "warmup_s": args.warmup,
            "connections": args.connections, "wrk_threads": args.wrk_threads,
            "rate_fraction_of_slowest_peer": args.rate_fraction, "cold_start_runs": args.cold_runs,
            "zipf_runs": 1 if quick else args.zipf_runs, "zipf_runs_variants": 1 if quick else args.zipf_runs_variant,
        },
        "parts_run": [part for part in PARTS if part not in skip],
        "workloads": {},
    }
    if "throughput" not in skip:
        for name in args.workloads.split(","):
            log(f"workload {name}")
            results["workloads"][name] = throughput(args, name, load_spec(name))
    if "coldstart" not in skip:
        results["process_cold_start"] = process_cold_start(args)
    if "density" not in skip:
        results["in_node_cold_start"] = density.in_node_cold_start(workers=1000, runs=args.reps, log=log)
    if "memory" not in skip:
        sizes = [1, 100, 1000] + ([] if quick else [10000])
        results["memory"] = density.memory(sizes, runs=3 if not quick else 1, log=log)
    if "zipf" not in skip:
        # 10,000 workers, a fresh process and node per run (compiling them takes most of a minute on 2 cores).
        # First the node's defaults; then a larger idle cap (memory for fewer evictions) and fewer connections
        # (latency at a lower concurrency), with fewer runs each.
        workers = 1000 if quick else 10000
        variants = [("defaults", None, args.connections, args.zipf_runs),
                    ("idle cap 2,048 per shard", 2048, args.connections, args.zipf_runs_variant),
                    ("default idle cap, fewer connections", None, 4, args.zipf_runs_variant)]
        results["zipf_density"] = {"variants": []}
        for label, cap, connections, runs in variants:
            log(f"zipf density: {label}")
            v = density.zipf(workers=workers, runs=1 if quick else runs, warmup=2 if quick else 10,
                             duration=5 if quick else 20, connections=connections, s=1.0, log=log,
                             max_idle_isolates=cap)
            v["label"] = label
            results["zipf_density"]["variants"].append(v)
    if "wasm" not in skip:
        log("wasm hello: verge and wasmtime serve")
        results["wasm"] = wasm(args)
        results["wasm"]["wasmtime_version"] = results["versions"]["wasmtime"]
    if args.base:
        carry_over(results, Path(args.base), skip)
    results["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    if quick:
        out_json = WORK / "quick-results.json"
        out_md = WORK / "quick-performance.md"
    else:
        out_json = BENCH / "results" / f"{results['date']}.json"
        if out_json.exists():  # a second run the same day: keep the first file
            out_json = out_json.with_name(f"{results['date']}-{started.strftime('%H%M')}.json")
        out_md = REPO / "docs" / "performance.md"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    results["file"] = str(out_json.relative_to(REPO))
    out_json.write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, out_md)
    log(f"wrote {out_json.relative_to(REPO)} and {out_md.relative_to(REPO)}")


if __name__ == "__main__":
    main()
