"""In-node cold start and memory per loaded worker.

verge is measured in process by bench/harness (`verge-density`), through the runtime's public API; workerd
with N services in one config, each a distinct worker on a socket of its own, after one request to each.
Every distinct worker is the json-api workload plus its own `const WORKER_ID = "wNNNNN";` line, on
both sides (bench/harness/src/bin/density.rs builds the same sources).
"""

import json
import socket
import statistics
import subprocess
import time
from pathlib import Path

from runtimes import BENCH, BIN, WORK, Server, request

TEMPLATE = (BENCH / "workloads" / "json-api" / "worker.js").read_text()
PHASES = ["compile", "blank", "from_blank", "from_blank_first_response", "instantiate", "first_response"]
HEALTH = {"method": "GET", "path": "/api/health", "expect_status": 200}


def source(i):
    return f'{TEMPLATE}\nconst WORKER_ID = "w{i:05}";\n'


def _spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def in_node_cold_start(workers, runs, log):
    """`verge-density coldstart` `runs` times; the median (and range) of each run's percentiles."""
    reports = []
    for i in range(runs):
        done = subprocess.run([BIN["density"], "coldstart", "--workers", str(workers)],
                              check=True, capture_output=True, text=True)
        reports.append(json.loads(done.stdout))
        r = reports[-1]
        log(f"in-node cold start run {i + 1}: first response from a blank p50 "
            f"{r['from_blank_first_response']['p50_us']:.0f} us p99 {r['from_blank_first_response']['p99_us']:.0f} us;"
            f" from scratch p50 {r['first_response']['p50_us']:.0f} us p99 {r['first_response']['p99_us']:.0f} us")
    summary = {
        phase: {q: _spread([r[phase][q] for r in reports]) for q in ["p50_us", "p90_us", "p99_us", "max_us"]}
        for phase in PHASES
    }
    return {"workers": workers, "runs": len(reports), "summary": summary, "reports": reports}


def _verge_memory(n):
    done = subprocess.run([BIN["density"], "memory", "--workers", str(n)], check=True, capture_output=True, text=True)
    r = json.loads(done.stdout)
    return {"rss_mib": r["rss_loaded_kib"] / 1024, "raw": r}


def _free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _workerd_memory(n):
    """workerd serving n distinct workers, one socket each; resident memory after one request to each."""
    folder = WORK / "density" / f"workerd-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    ports = _free_ports(n)
    services, sockets = [], []
    for i in range(n):
        (folder / f"w{i:05}.js").write_text(source(i))
        services.append(f'    (name = "w{i:05}", worker = (modules = [(name = "worker.js", esModule = embed "w{i:05}.js")],'
                        f' compatibilityDate = "2026-01-01")),')
        sockets.append(f'    (name = "s{i:05}", address = "127.0.0.1:{ports[i]}", http = (), service = "w{i:05}"),')
    config = folder / "config.capnp"
    config.write_text("\n".join([
        'using Workerd = import "/workerd/workerd.capnp";',
        "const config :Workerd.Config = (",
        "  services = [", *services, "  ],",
        "  sockets = [", *sockets, "  ],",
        ");", "",
    ]))
    log = open(WORK / "logs" / f"density-workerd-{n}.log", "wb")
    started = time.perf_counter()
    proc = subprocess.Popen([BIN["workerd"], "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = Server("workerd", [proc], ports[0], log=log)
    try:
        for port in ports:
            deadline = time.monotonic() + 300
            while True:
                if not server.alive():
                    raise RuntimeError(f"workerd with {n} services exited (see bench/.work/logs/)")
                try:
                    status, _ = request(port, HEALTH)
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"workerd with {n} services: port {port} never answered")
                time.sleep(0.005)
        ready_s = time.perf_counter() - started
        time.sleep(1)
        return {"rss_mib": server.memory_kib("VmRSS") / 1024, "ready_s": ready_s}
    finally:
        server.stop()


def _per_worker(table):
    base = table.get(1)
    for n, row in table.items():
        if n > 1 and base is not None and "rss_mib" in row:
            row["per_worker_kib"] = (row["rss_mib"] - base["rss_mib"]) * 1024 / (n - 1)


def _available_mib():
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    return int(next(line.split()[1] for line in meminfo if line.startswith("MemAvailable"))) / 1024


def _too_big(table, n):
    """Why a run with n workers is skipped: more than 60% of the memory available now, extrapolated from 1,000."""
    if n <= 1000:
        return None
    at_1000 = table.get(1000, {}).get("rss_mib")
    available = _available_mib()
    if at_1000 is None:
        return "no 1,000-worker run to extrapolate from"
    estimate = at_1000 * n / 1000
    if estimate > 0.6 * available:
        return f"estimated {estimate:,.0f} MiB at {n:,} workers, more than 60% of the {available:,.0f} MiB available"
    return None


def memory(sizes, runs, log):
    """Resident memory with 1, 100, 1,000 (and 10,000) loaded workers: verge and workerd."""
    out = {"verge": {}, "workerd": {}}
    for side, measure in [("verge", _verge_memory), ("workerd", _workerd_memory)]:
        table = out[side]
        for n in sizes:
            reason = _too_big(table, n)
            if reason:
                table[n] = {"skipped": reason}
                log(f"memory {side} {n} workers: skipped, {reason}")
                continue
            reps = [measure(n) for _ in range(runs if n <= 1000 else 1)]
            table[n] = {"rss_mib": statistics.median(r["rss_mib"] for r in reps), "runs": reps}
            log(f"memory {side} {n} workers: {table[n]['rss_mib']:.1f} MiB")
        _per_worker(table)
    return out


ZIPF_KEYS = ["rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "errors", "isolates_created_per_request",
             "isolates_evicted_per_request", "peak_rss_mib", "rss_compiled_mib"]


def zipf(workers, runs, warmup, duration, connections, s, log, max_idle_isolates=None):
    """The density run: `verge-zipf` `runs` times (a fresh process and node each time); medians and ranges."""
    reports = []
    for i in range(runs):
        cmd = [BIN["zipf"], "--workers", str(workers), "--warmup", str(warmup), "--duration", str(duration),
               "--connections", str(connections), "--s", str(s)]
        if max_idle_isolates is not None:
            cmd += ["--max-idle-isolates", str(max_idle_isolates)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        r = json.loads(done.stdout)
        r["peak_rss_mib"] = r["peak_rss_kib"] / 1024
        r["rss_compiled_mib"] = r["rss_compiled_kib"] / 1024
        reports.append(r)
        log(f"zipf {workers} workers run {i + 1}: {r['rps']:.0f} req/s p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} ms, "
            f"{r['isolates_created_per_request']:.3f} isolates made and {r['isolates_evicted_per_request']:.3f} "
            f"evicted per request, peak RSS {r['peak_rss_mib']:.0f} MiB, load {' '.join(r['loadavg_start'])}")
    summary = {k: _spread([r[k] for r in reports]) for k in ZIPF_KEYS}
    return {"workers": workers, "connections": connections, "zipf_s": s, "warmup_s": warmup, "duration_s": duration,
            "max_idle_isolates_per_shard": reports[0]["max_idle_isolates_per_shard"], "shards": reports[0]["shards"],
            "runs": len(reports), "summary": summary, "reports": reports}
