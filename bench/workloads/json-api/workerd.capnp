# workerd's entry-point boilerplate for the json-api workload. bench/lib/bench.py passes the listening socket in
# with `--socket-fd http=FD` (or overrides the address with `--socket-addr http=...`).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-01-01",
);
