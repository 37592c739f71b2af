#!/usr/bin/env bash
# verge next to workerd, Deno and Node (and, for the Wasm hello, `wasmtime serve`) on this machine; writes
# docs/performance.md and bench/results/<date>.json.
#
#   bench/run.sh            the full run (5 runs of everything; about 40 minutes on 2 cores)
#   bench/run.sh --quick    one short run of everything, written under bench/.work/ (for development)
#
# Other options go to bench/lib/bench.py (--workloads hello,compute  --skip memory,density  ...);
# `--only zipf,density --base bench/results/<earlier>.json` re-runs some parts and carries the others over.
# Installs what it needs, only from package registries, under bench/.tools/ (gitignored): workerd and Deno
# from npm (the packages ship the binaries), oha and wasmtime-cli from crates.io (cargo install; wasmtime takes
# a while to build, once), wrk from Debian; Node is on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKERD_VERSION=1.20261117.1
DENO_VERSION=2.9.6
OHA_VERSION=1.16.0
WASMTIME_VERSION=48.0.8  # the wasmtime verge embeds (crates/wasm)
TOOLS=bench/.tools

say() { printf '== %s\n' "$*" >&2; }
for tool in node npm python3 cargo; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 1; }
done

if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian)"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq wrk
fi

workerd_bin="$TOOLS/node_modules/@cloudflare/workerd-linux-64/bin/workerd"
deno_bin="$TOOLS/node_modules/@deno/linux-x64-glibc/deno"
if ! grep -qs "\"version\": \"$WORKERD_VERSION\"" "$TOOLS/node_modules/workerd/package.json" \
  || ! grep -qs "\"version\": \"$DENO_VERSION\"" "$TOOLS/node_modules/@deno/linux-x64-glibc/package.json" \
  || [ ! -x "$workerd_bin" ] || [ ! -e "$deno_bin" ]; then
  say "installing workerd $WORKERD_VERSION and Deno $DENO_VERSION (npm) into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --no-audit --no-fund --prefix "$TOOLS" "workerd@$WORKERD_VERSION" "@deno/linux-x64-glibc@$DENO_VERSION" >&2
fi
chmod +x "$workerd_bin" "$deno_bin"

if ! "$TOOLS/bin/oha" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
  say "building oha $OHA_VERSION (crates.io) into $TOOLS; this takes a few minutes"
  cargo install oha --version "$OHA_VERSION" --locked --root "$TOOLS" >&2
fi

if ! "$TOOLS/bin/wasmtime" --version 2>/dev/null | grep -qE "^wasmtime $WASMTIME_VERSION( |$)"; then
  say "building wasmtime-cli $WASMTIME_VERSION (crates.io) into $TOOLS; this takes a while"
  cargo install wasmtime-cli --version "$WASMTIME_VERSION" --locked --root "$TOOLS" >&2
fi

say "building verge and the bench harness (release)"
cargo build --release -p verge-cli -p verge-bench >&2

exec python3 bench/lib/bench.py --command "bench/run.sh${*:+ $*}" "$@"
