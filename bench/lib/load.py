"""The load generators: wrk for a fixed number of connections (closed loop: each connection sends its next
request when the previous answer arrives), oha for a fixed offered rate (open loop, latency measured from
when each request was due, so a stalled server is not hidden by coordinated omission).
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

from runtimes import BENCH, BIN


def _headers(spec):
    return "".join(f"{k}: {v}\n" for k, v in spec.get("headers", {}).items())


def closed_loop(port, spec, connections, seconds, threads):
    """wrk at `connections` connections for `seconds`; returns requests/s, latency percentiles (ms), errors."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ)
        env.update(
            {
                "BENCH_METHOD": spec["method"],
                "BENCH_BODY_FILE": spec.get("body_file", ""),
                "BENCH_HEADERS": _headers(spec),
                "BENCH_OUT": out.name,
            }
        )
        cmd = [
            BIN["wrk"], "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
            "-s", str(BENCH / "lib" / "wrk.lua"), f"http://127.0.0.1:{port}{spec['path']}",
        ]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        raw = json.loads(Path(out.name).read_text())
    errors = sum(raw["errors"].values())
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "errors": errors,
        "error_kinds": raw["errors"],
        "p50_ms": lat["p50"] / 1e3,
        "p90_ms": lat["p90"] / 1e3,
        "p99_ms": lat["p99"] / 1e3,
        "p999_ms": lat["p999"] / 1e3,
        "max_ms": lat["max"] / 1e3,
    }


def open_loop(port, spec, rate, connections, seconds):
    """oha offering `rate` requests/s for `seconds` over up to `connections` connections."""
    cmd = [
        BIN["oha"], "-z", f"{seconds}s", "-c", str(connections), "-q", str(rate), "--latency-correction",
        "--no-tui", "--output-format", "json", "-m", spec["method"],
    ]
    for k, v in spec.get("headers", {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if spec.get("body_file"):
        cmd += ["-D", spec["body_file"]]
    cmd.append(f"http://127.0.0.1:{port}{spec['path']}")
    done = subprocess.run(cmd, check=True, capture_output=True)
    raw = json.loads(done.stdout)
    summary = raw["summary"]
    pct = raw["latencyPercentiles"]
    statuses = raw.get("statusCodeDistribution", {})
    good = statuses.get(str(spec["expect_status"]), 0)
    # Requests still in flight when the time is up are cut off by oha, not failed by the server.
    failures = {k: v for k, v in raw.get("errorDistribution", {}).items() if k != "aborted due to deadline"}
    total = sum(statuses.values()) + sum(failures.values())
    return {
        "offered_rps": rate,
        "achieved_rps": summary["requestsPerSec"],
        "requests": total,
        "errors": total - good,
        "error_kinds": failures,
        "p50_ms": pct["p50"] * 1e3,
        "p90_ms": pct["p90"] * 1e3,
        "p99_ms": pct["p99"] * 1e3,
        "p999_ms": pct["p99.9"] * 1e3,
        "max_ms": summary["slowest"] * 1e3,
    }
