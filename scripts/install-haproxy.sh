#!/usr/bin/env bash
# The load balancer for `make loadtest LOAD_SERVERS=2`: Debian's HAProxy package (never a
# downloaded build). Idempotent: installs only when haproxy is missing. The load test starts its
# own haproxy process from deploy/haproxy.cfg; the package's system service is not used.
set -euo pipefail

if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  echo "== installing Debian's haproxy"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends haproxy
fi
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"
"$HAPROXY" -v | head -1
