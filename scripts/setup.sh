#!/usr/bin/env bash
# Sets up a fresh machine for berth and its tests: the Debian packages the
# tests start for real (each only when missing, in one apt-get call), then
# the npm packages. Run as root (or with sudo) on Debian/Ubuntu; elsewhere,
# install the same tools by hand. berth itself needs only Node.js 20.19+.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need() { # need PACKAGE TEST...: add PACKAGE when none of the tests succeeds
  local package=$1; shift
  for test in "$@"; do eval "$test" >/dev/null 2>&1 && return 0; done
  missing+=("$package")
}
need python3 'command -v python3'                      # SO_REUSEPORT fixture, pty driver, bench load
need redis-server 'command -v redis-server'            # forward, identify and doctor tests talk to a real Redis
need tmux 'command -v tmux'                            # berth watch driven in tmux
need chromium '[ -x /usr/bin/chromium ]'               # berth ui driven in headless Chromium (playwright-core)
need iproute2 'command -v ip'                          # doctor: ip netns for loopback-down and firewall cases
need iptables 'command -v iptables'                    # doctor: a real DROP rule inside a test namespace
need nftables 'command -v nft'                         # doctor: the same with nft
need openssl 'command -v openssl'                      # self-signed certificates for the TLS cases
need postgresql 'ls /usr/lib/postgresql/*/bin/initdb'  # identify and doctor: a real PostgreSQL
need mariadb-server-core 'command -v mysqld' '[ -x /usr/sbin/mysqld ]'   # identify: the MySQL greeting
need default-jdk-headless 'command -v javac'           # identify: JDWP from a real JVM
need dropbear-bin 'command -v dropbear' '[ -x /usr/sbin/dropbear ]'      # identify: a real SSH banner
need git 'command -v git'                              # project/worktree detection tests

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
