#!/usr/bin/env bash
# Installs everything the tests need on Debian (the servers the tests start themselves, the
# toolchain better-sqlite3 compiles with, npm dependencies) and runs the whole suite:
# types, lint, then every test. `.ci/run` calls this; so can you.
set -euo pipefail
cd "$(dirname "$0")/.."

# package:path-that-proves-it-is-installed
required=(
  redis-server:/usr/bin/redis-server
  redis-tools:/usr/bin/redis-cli
  postgresql:/usr/lib/postgresql/15/bin/postgres
  nginx-light:/usr/sbin/nginx
  chromium:/usr/bin/chromium
  prometheus-node-exporter:/usr/bin/prometheus-node-exporter
  prometheus:/usr/bin/promtool
  prometheus:/usr/bin/prometheus
  systemd:/usr/bin/systemd-analyze
  python3:/usr/bin/python3
  make:/usr/bin/make
  g++:/usr/bin/g++
)
missing=()
for entry in "${required[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# better-sqlite3 has no reachable prebuilt binary: it compiles against the system's Node headers.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
npm ci --no-audit --no-fund
npm run check
