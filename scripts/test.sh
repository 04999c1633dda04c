#!/usr/bin/env bash
# Installs everything the tests need on Debian (the servers the tests start themselves, the
# toolchain better-sqlite3 compiles with, npm dependencies) and runs the whole suite:
# types, lint, import cycles and unused code (at once), then every test. `.ci/run` calls this; so can you.
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

# The steps of `npm run check`. The four static checks are independent, so they run at once
# (typecheck alone takes ~25 s, the other three ~8 s together); each one's output is printed
# whole when it ends, and the run fails if any of them failed. Then every test.
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
steps=(typecheck lint cycles unused)
pids=()
for step in "${steps[@]}"; do
  npm run --silent "$step" >"$logs/$step" 2>&1 &
  pids+=($!)
done
failed=()
for i in "${!steps[@]}"; do
  if wait "${pids[$i]}"; then status=ok; else status=FAILED; failed+=("${steps[$i]}"); fi
  echo "== npm run ${steps[$i]}: $status"
  cat "$logs/${steps[$i]}"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed: ${failed[*]}" >&2
  exit 1
fi
npm test
