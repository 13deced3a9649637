#!/usr/bin/env bash
# Make sure RabbitMQ, PostgreSQL and Redis run on this machine (127.0.0.1, default ports).
# Starts any that are installed but stopped. With --install, apt-get installs missing ones.
set -euo pipefail

install=0
[[ "${1:-}" == "--install" ]] && install=1
SUDO=""
[[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && SUDO="sudo"

say() { printf '[infra] %s\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 "${3:-60}"); do port_open "$1" && return 0; sleep 1; done
  say "$2 did not open port $1"; return 1
}
missing() {
  if [[ $install -eq 1 ]]; then
    say "installing $1 with apt-get"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
    return 0
  fi
  say "$1 is not installed. Install it (Debian/Ubuntu: sudo apt-get install $*) or run infra/local/ensure-infra.sh --install"
  exit 1
}

ensure_postgres() {
  if port_open 5432; then return; fi
  command -v pg_ctlcluster >/dev/null || missing postgresql
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  # Local development and CI trust connections from 127.0.0.1 (as the tests expect).
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
    say "allowing trusted local connections in $hba"
    echo "host all all 127.0.0.1/32 trust" | $SUDO tee -a "$hba" >/dev/null
    sed -i.bak '/^host.*127.0.0.1\/32.*\(md5\|scram-sha-256\)/d' "$hba" 2>/dev/null || true
  fi
  say "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port 5432 PostgreSQL
}

ensure_redis() {
  if port_open 6379; then return; fi
  command -v redis-server >/dev/null || missing redis-server
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 Redis
}

ensure_rabbitmq() {
  if port_open 5672; then return; fi
  command -v rabbitmq-server >/dev/null || missing rabbitmq-server
  say "starting RabbitMQ"
  $SUDO rabbitmq-server -detached
  wait_port 5672 RabbitMQ 120
  $SUDO rabbitmqctl await_startup >/dev/null
}

# Tools some tests use: Chromium for the browser tests, promtool and amtool to check alerting.
# Without --install, the tests that need them say so and skip.
ensure_test_tools() {
  [[ $install -eq 1 ]] || return 0
  local wanted=()
  command -v chromium >/dev/null || wanted+=(chromium)
  command -v promtool >/dev/null || wanted+=(prometheus)
  command -v amtool >/dev/null || wanted+=(prometheus-alertmanager)
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  say "installing ${wanted[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}

ensure_postgres
ensure_redis
ensure_rabbitmq
ensure_test_tools
say "RabbitMQ, PostgreSQL and Redis are up"
