#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test (unit, Web API, end-to-end over HTTP).
# CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need beyond the Rust toolchain (nats-server, Wasm guest toolchain, ...): each script in
# scripts/setup.d installs one thing from the Debian, crates.io, PyPI or npm registries, and is a no-op when it
# is already there.
for setup in scripts/setup.d/*.sh; do
  [ -e "$setup" ] || continue
  echo "== setup: $setup"
  bash "$setup"
done

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== prelude JS tests (streams, structuredClone) on the QuickJS that verge embeds"
bash crates/web/js/tests/run.sh 2>&1 | tee -a "$log"

echo "== cargo test"
cargo test --workspace --locked 2>&1 | tee -a "$log"

# The benchmarks must keep compiling; running them is a deliberate step (bench/), never a CI gate. The dev
# profile reuses the test build instead of compiling the whole workspace again with optimisations.
echo "== benchmarks compile"
cargo bench --workspace --locked --no-run --profile dev

# One closing line for the whole suite: every Rust test binary plus the prelude's JS tests.
awk '
  /^test result: /      { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
  END { printf "suite: %d passed, %d failed\n", p, f }
' "$log"
