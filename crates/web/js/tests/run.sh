#!/usr/bin/env bash
# Runs the prelude tests for the streams files (1[01]_streams*.js) and
# 12_structured_clone.js.
#
# Each tests/*.test.js is run in its own engine: the stub 00_util.js, those
# prelude files and tests/lib.js are wrapped like the real prelude
# ("(function (ops) { "use strict"; ... })") and the test file follows. The
# suites then run once more inside the whole prelude (all js/*.js files).
# Prints "N passed, M failed" last; exits non-zero on any failure, crash,
# unhandled promise rejection (qjs exits on those) or missing summary.
#
# Engine: $QJS if set, else `qjs` on PATH, else a qjs built (once, cached under
# target/) from the quickjs-ng sources that the rquickjs-sys crate ships, i.e.
# the very engine verge embeds. With QJS_TESTS_USE_NODE=1 (or if no qjs can be
# had) node is used instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
js_dir="$(dirname "$here")"
repo="$(cd "$js_dir/../../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
out_dir="$target_dir/prelude-tests"
mkdir -p "$out_dir"

find_quickjs_src() {
  local dir=""
  if command -v cargo >/dev/null 2>&1; then
    dir="$(cd "$repo" && cargo metadata --format-version 1 2>/dev/null |
      python3 -c 'import json,sys,os
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "rquickjs-sys":
        print(os.path.join(os.path.dirname(p["manifest_path"]), "quickjs")); break' 2>/dev/null || true)"
  fi
  if [[ -z "$dir" || ! -f "$dir/qjs.c" ]]; then
    dir="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/rquickjs-sys-*/quickjs 2>/dev/null | sort -V | tail -n1 || true)"
  fi
  [[ -n "$dir" && -f "$dir/qjs.c" ]] && echo "$dir"
}

build_qjs() {
  local src bin="$out_dir/qjs" stamp="$out_dir/qjs.src"
  src="$(find_quickjs_src)" || return 1
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$src" ]]; then
    echo "$bin"
    return 0
  fi
  command -v cc >/dev/null 2>&1 || return 1
  echo "building qjs from $src ..." >&2
  cc -O2 -w -D_GNU_SOURCE -DQJS_BUILD_LIBC -I"$src" -o "$bin.tmp" \
    "$src/dtoa.c" "$src/libregexp.c" "$src/libunicode.c" "$src/quickjs.c" \
    "$src/quickjs-libc.c" "$src/gen/repl.c" "$src/gen/standalone.c" "$src/qjs.c" \
    -lm -ldl -lpthread >&2 || return 1
  mv "$bin.tmp" "$bin"
  echo "$src" >"$stamp"
  echo "$bin"
}

engine=""
if [[ "${QJS_TESTS_USE_NODE:-0}" != "1" ]]; then
  if [[ -n "${QJS:-}" ]]; then
    engine="$QJS"
  elif command -v qjs >/dev/null 2>&1; then
    engine="$(command -v qjs)"
  else
    engine="$(build_qjs || true)"
  fi
fi
if [[ -z "$engine" ]]; then
  if command -v node >/dev/null 2>&1; then
    engine="node"
    if [[ "${QJS_TESTS_USE_NODE:-0}" != "1" ]]; then
      echo "warning: no qjs available, falling back to node" >&2
    fi
  else
    echo "error: neither qjs (nor a C compiler to build it) nor node is available" >&2
    exit 2
  fi
fi
echo "engine: $engine"

internals='globalThis.__internals = { readableStreamIsDisturbed, readableStreamIsLocked,
  isReadableStream, isWritableStream, readableStreamFromPull, readAllBytes,
  readableStreamCancel, readableStreamTee, readableByteStreamFromPull,
  structuredCloneMarkNotCloneable };'

# js_files GLOB...: the matching js/ files in byte order of their names, the
# order build.rs concatenates them in (a bare glob would follow the locale).
js_files() {
  local pattern
  for pattern in "$@"; do
    compgen -G "$js_dir/$pattern" || true
  done | LC_ALL=C sort -u
}

# build_bundle NAME TESTFILE PRE [full]: writes $out_dir/NAME.js. With "full",
# every js/*.js file (the real 00_util.js included) is concatenated as the
# Rust build does, with an `ops` whose every function returns undefined.
build_bundle() {
  local name="$1" test="$2" pre="$3" mode="${4:-}" f="$out_dir/$1.js"
  local parts=()
  if [[ "$mode" == "full" ]]; then
    mapfile -t parts < <(js_files '*.js')
  else
    local streams=()
    mapfile -t streams < <(js_files '1[01]_streams*.js')
    if [[ ${#streams[@]} -eq 0 ]]; then
      echo "error: no 1[01]_streams*.js files in $js_dir" >&2
      exit 2
    fi
    local clone=()
    mapfile -t clone < <(js_files '12_structured_clone*.js')
    parts=("$here/stub_util.js" "${streams[@]}" "${clone[@]}")
  fi
  {
    printf '%s\n' "$pre"
    printf 'const __ops = new Proxy({}, { get: () => () => undefined });\n'
    printf '(function (ops) {\n"use strict";\n'
    for part in "${parts[@]}"; do
      printf '\n// ---- %s\n' "$(basename "$part")"
      cat "$part"
    done
    printf '\n%s\n})(__ops);\n' "$internals"
    cat "$here/lib.js" "$test"
  } >"$f"
  echo "$f"
}

total_pass=0
total_fail=0
status=0
run_one() {
  local name="$1" test="$2" pre="$3" mode="${4:-}" bundle log rc
  bundle="$(build_bundle "$name" "$test" "$pre" "$mode")"
  log="$out_dir/$name.log"
  set +e
  if [[ "$engine" == "node" ]]; then
    node "$bundle" >"$log" 2>&1
  else
    "$engine" --std --script "$bundle" >"$log" 2>&1
  fi
  rc=$?
  set -e
  cat "$log"
  local line p f
  line="$(grep -E '^[A-Za-z_-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)"
  if [[ -z "$line" ]]; then
    echo "ERROR [$name]: no summary line (crash, unhandled rejection or hang); exit code $rc"
    total_fail=$((total_fail + 1))
    status=1
    return
  fi
  p="$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")"
  f="$(sed -E 's/.*passed, ([0-9]+) failed/\1/' <<<"$line")"
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
  if [[ $rc -ne 0 || $f -ne 0 ]]; then
    status=1
    if [[ $rc -ne 0 && $f -eq 0 ]]; then
      echo "ERROR [$name]: exit code $rc"
      total_fail=$((total_fail + 1))
    fi
  fi
}

for t in "$here"/*.test.js; do
  name="$(basename "$t" .test.js)"
  run_one "$name" "$t" ""
done
# Structured clone again without DOMException (the DataCloneError fallback).
run_one "structured_clone_no_domexception" "$here/structured_clone.test.js" \
  'delete globalThis.DOMException; globalThis.__NO_DOMEXCEPTION = true;'

# The same suites inside the whole prelude (catches name clashes with the other
# prelude files and runs against the real DOMException). PRELUDE_TESTS_FULL=0
# skips this. Not under node: the prelude's own setTimeout/console (on the
# stub ops) would replace the ones the harness needs there.
if [[ "${PRELUDE_TESTS_FULL:-1}" != "0" && "$engine" != "node" ]]; then
  for t in "$here"/*.test.js; do
    name="$(basename "$t" .test.js)"
    run_one "full_$name" "$t" "globalThis.__SUITE = \"full_$name\";" full
  done
fi

echo "${total_pass} passed, ${total_fail} failed"
exit $status
