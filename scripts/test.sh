#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test (unit, Web API, end-to-end over HTTP).
# CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== prelude JS tests (streams, structuredClone) on the QuickJS that verge embeds"
bash crates/web/js/tests/run.sh

echo "== cargo test"
cargo test --workspace --locked

# The benchmarks must keep compiling; running them is a deliberate step (bench/), never a CI gate. The dev
# profile reuses the test build instead of compiling the whole workspace again with optimisations.
echo "== benchmarks compile"
cargo bench --workspace --locked --no-run --profile dev
