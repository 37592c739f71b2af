"""Starting and stopping each runtime on loopback, and reading its process tree's CPU time and memory.

Every runtime serves the same `bench/workloads/<name>/worker.js`; only the entry-point boilerplate differs:
verge reads the folder's `verge.toml`, workerd its `workerd.capnp`, Deno serves the module as it is
(`deno serve`), Node goes through `bench/adapters/node.mjs`. The Wasm workload is a component instead
(`app.wasm`, named by the folder's `verge.toml`): verge serves the folder, `wasmtime serve` the component
with the manifest's vars as environment variables.

`parallel=True` (the throughput runs) uses every core the way each runtime is deployed on a multi-core
machine: verge one shard per core; workerd one process per core accepting from one shared listening socket
(`--socket-fd`); `deno serve --parallel`; Node's cluster module; `wasmtime serve` as it comes (one process,
its tokio runtime's worker threads, one per core, a fresh instance per request). `parallel=False` (process
cold start) runs each runtime's plain single command.

`wasmtime serve` caches compiled code on disk by default; verge keeps compiled components only in memory,
so both compile the component at every start: wasmtime runs with `-C cache=n`. The runtime "wasmtime-cache"
is `wasmtime serve` with its default cache (in a directory under bench/.work/), for the cold start only.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
import tomllib
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
TOOLS = BENCH / ".tools"
WORK = BENCH / ".work"
CORES = os.cpu_count() or 1
CLK_TCK = os.sysconf("SC_CLK_TCK")

BIN = {
    "verge": REPO / "target" / "release" / "verge",
    "ceiling": REPO / "target" / "release" / "verge-ceiling",
    "density": REPO / "target" / "release" / "verge-density",
    "zipf": REPO / "target" / "release" / "verge-zipf",
    "workerd": TOOLS / "node_modules" / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd",
    "deno": TOOLS / "node_modules" / "@deno" / "linux-x64-glibc" / "deno",
    "node": Path(shutil.which("node") or "/usr/bin/node"),
    "wrk": Path(shutil.which("wrk") or "/usr/bin/wrk"),
    "oha": Path(shutil.which("oha", path=str(TOOLS / "bin")) or shutil.which("oha") or TOOLS / "bin" / "oha"),
    "wasmtime": TOOLS / "bin" / "wasmtime",
}

PEERS = ["verge", "workerd", "deno", "node"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_socket():
    """A bound, listening loopback socket whose descriptor child processes can inherit."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    s.set_inheritable(True)
    return s


class Server:
    """The processes of one running server; each was started in a session of its own."""

    def __init__(self, name, procs, port, sock=None, log=None):
        self.name = name
        self.procs = procs
        self.port = port
        self.sock = sock
        self.log = log

    def pids(self):
        """Every live process of the server: the started ones and all their descendants."""
        children = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [p.pid for p in self.procs if p.poll() is None]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def cpu_seconds(self):
        """utime + stime of every process of the server, in seconds."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            rest = fields[fields.rindex(")") + 2 :].split()
            ticks += int(rest[11]) + int(rest[12])
        return ticks / CLK_TCK

    def memory_kib(self, field):
        """Sum of a /proc/<pid>/status field (VmHWM: peak resident; VmRSS: resident now) over the tree."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total

    def alive(self):
        return all(p.poll() is None for p in self.procs)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        if self.sock is not None:
            self.sock.close()
        if self.log is not None:
            self.log.close()


def _env(extra=None):
    env = dict(os.environ)
    env.update(
        {
            "DENO_DIR": str(WORK / "deno-dir"),
            "DENO_NO_UPDATE_CHECK": "1",
            "DENO_JOBS": str(CORES),
            "NO_COLOR": "1",
        }
    )
    env.update(extra or {})
    return env


def wasmtime_cache_home(runtime):
    """The XDG_CACHE_HOME (and XDG_CONFIG_HOME) a wasmtime variant runs with."""
    return WORK / "wasmtime-cache-home" / runtime


def wasmtime_command(workload_dir, port, cache=False):
    """`wasmtime serve` of the component the folder's verge.toml names, with its vars as --env.

    `-S cli` links wasi:cli (the environment the component reads its vars from; `serve` leaves it out by
    default). `-C cache=n` turns off the on-disk compilation cache, which is on by default, unless `cache`.
    """
    manifest = tomllib.loads((workload_dir / "verge.toml").read_text())
    cmd = [BIN["wasmtime"], "serve", "--addr", f"127.0.0.1:{port}", "-S", "cli"]
    cmd += [] if cache else ["-C", "cache=n"]
    for k, v in manifest.get("vars", {}).items():
        cmd += ["--env", f"{k}={v}"]
    return cmd + [str(workload_dir / manifest["main"])]


def start(runtime, workload_dir, parallel=True, log_name=None):
    """Start `runtime` serving the workload in `workload_dir` on a loopback port; returns a Server."""
    workload_dir = Path(workload_dir)
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"{log_name or runtime + '-' + workload_dir.name}.log", "wb")
    common = {"stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True, "env": _env()}
    worker = str(workload_dir / "worker.js")
    if runtime == "workerd":
        config = str(workload_dir / "workerd.capnp")
        if not parallel:
            port = free_port()
            cmd = [BIN["workerd"], "serve", config, "--socket-addr", f"http=127.0.0.1:{port}"]
            return Server(runtime, [subprocess.Popen(cmd, **common)], port, log=log)
        sock = listening_socket()
        fd = sock.fileno()
        cmd = [BIN["workerd"], "serve", config, "--socket-fd", f"http={fd}"]
        procs = [subprocess.Popen(cmd, pass_fds=[fd], **common) for _ in range(CORES)]
        return Server(runtime, procs, sock.getsockname()[1], sock=sock, log=log)
    port = free_port()
    if runtime == "verge":
        cmd = [BIN["verge"], "dev", str(workload_dir), "--port", str(port)]
        cmd += ["--shards", str(CORES)] if parallel else []
    elif runtime == "deno":
        cmd = [BIN["deno"], "serve", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--parallel"] if parallel else []
        cmd += [worker]
    elif runtime == "node":
        cmd = [BIN["node"], str(BENCH / "adapters" / "node.mjs"), worker, str(port), str(CORES if parallel else 1)]
    elif runtime == "ceiling":
        cmd = [BIN["ceiling"], "--port", str(port), "--threads", str(CORES if parallel else 1)]
    elif runtime in ("wasmtime", "wasmtime-cache"):
        cmd = wasmtime_command(workload_dir, port, cache=runtime == "wasmtime-cache")
        # Where the default cache goes (XDG_CACHE_HOME/wasmtime) and where its config would be read from
        # (XDG_CONFIG_HOME/wasmtime/config.toml, absent: the defaults): a directory of the bench's own per
        # variant, so that nothing is written outside bench/.work/, no user config applies, and bench.py can
        # see what each variant wrote.
        home = str(wasmtime_cache_home(runtime))
        common["env"] = _env({"XDG_CACHE_HOME": home, "XDG_CONFIG_HOME": home})
    else:
        raise ValueError(f"unknown runtime {runtime}")
    return Server(runtime, [subprocess.Popen(cmd, **common)], port, log=log)


def request(port, spec, timeout=5.0):
    """One request of the workload's kind; returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(spec["method"], spec["path"], body=spec.get("body"), headers=spec.get("headers", {}))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(server, spec, timeout=30.0):
    """Poll until the server answers the workload's request with the expected status; returns (status, body)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited early (see bench/.work/logs/)")
        try:
            status, body = request(server.port, spec, timeout=2.0)
            if status == spec["expect_status"]:
                return status, body
            last = f"status {status}: {body[:200]!r}"
        except (ConnectionError, OSError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(0.001)
    raise RuntimeError(f"{server.name} not ready after {timeout}s: {last}")


def check(runtime, status, body, spec):
    """The answer must be what the workload promises, on every runtime."""
    if status != spec["expect_status"] or spec["expect_body"].encode() not in body:
        raise RuntimeError(f"{runtime}: unexpected answer {status} {body[:300]!r}")
