#!/usr/bin/env bash
# WebAssembly guests: Debian's clang, wasm-ld, wasi-libc and compiler-rt for wasm32 (installed when
# missing), then every C guest built into target/wasm-guests, where the tests check that the checked-in
# .wasm files are exactly what these sources produce.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v clang >/dev/null || missing+=(clang)
command -v wasm-ld >/dev/null || missing+=(lld)
[ -e /usr/lib/wasm32-wasi/libc.a ] || missing+=(wasi-libc)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 ||
  missing+=(libclang-rt-14-dev-wasm32)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash scripts/wasm-guests.sh "${CARGO_TARGET_DIR:-target}/wasm-guests"
