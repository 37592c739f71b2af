#!/usr/bin/env bash
# Build verge's C WebAssembly guests (the wasm examples and the test fixtures) into wasi:http/proxy
# components, with Debian's clang + wasi-libc and the workspace's guest tool (crates/wasm-guest-tool:
# wit-bindgen C bindings, wit-component with the preview1 proxy adapter).
#
#   scripts/wasm-guests.sh           rebuild every guest in place (app.c -> app.wasm next to it)
#   scripts/wasm-guests.sh OUT_DIR   build them into OUT_DIR/<name>.wasm instead (the tests compare those
#                                    with the checked-in files byte for byte)
set -euo pipefail
cd "$(dirname "$0")/.."

# name -> folder holding app.c (and app.wasm)
guests=(
  "wasm-hello:examples/wasm-hello"
  "wasm-mandelbrot:examples/wasm-mandelbrot"
  "wasm-fetch:examples/wasm-fetch"
  "wasm-limits:crates/cli/tests/fixtures/wasm-limits"
)

cargo build --quiet --locked -p verge-wasm-guest-tool
tool="${CARGO_TARGET_DIR:-target}/debug/verge-wasm-guest-tool"
out_dir="${1:-}"
[ -n "$out_dir" ] && mkdir -p "$out_dir"

for entry in "${guests[@]}"; do
  name="${entry%%:*}"
  dir="${entry#*:}"
  if [ -n "$out_dir" ]; then out="$out_dir/$name.wasm"; else out="$dir/app.wasm"; fi
  "$tool" build crates/wasm/wit -Icrates/wasm/guests crates/wasm/guests/verge_http.c "$dir/app.c" -o "$out"
  echo "built $out ($(wc -c <"$out") bytes)"
done
