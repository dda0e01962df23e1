#!/bin/bash
# wrk-view.sh [DB] measures what issue 12 measures with wrk: GET / (the
# intro page) and GET /api/user/view/ with a valid token, alternately, two
# rounds, each $WRK_DURATION (default 8s) with 2 threads and 64 connections,
# and prints the view's req/s over the intro page's and the server's RSS.
# The server is `vsauth server` built from this checkout, on a fresh SQLite
# file in a temporary directory (or on DB, e.g. a postgres:// URL), on
# 127.0.0.1 only; it is stopped on exit. Needs wrk (apt-get install wrk).
set -eu
command -v wrk >/dev/null || { echo "$0: wrk not found: apt-get install -y wrk" >&2; exit 127; }
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
go build -o "$dir/vsauth" ./cmd/vsauth
db=${1:-$dir/vsauth.db}
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
"$dir/vsauth" server --addr 127.0.0.1:$port --db "$db" --password-iterations 1000 2>"$dir/server.log" &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "$base/" && break; sleep 0.1; done
account="{\"email\":\"wrk-$RANDOM$RANDOM@example.com\",\"password\":\"Bench-pass-4821-xyz\"}"
curl -fs -o /dev/null -H 'Content-Type: application/json' -d "$account" "$base/api/user/create/"
token=$(curl -fs -H 'Content-Type: application/json' -d "$account" "$base/api/user/login/" | sed 's/.*"token":"\([^"]*\)".*/\1/')
curl -fs -o /dev/null -H "Authorization: JWT $token" "$base/api/user/view/"
rps() { wrk -t2 -c64 -d"${WRK_DURATION:-8}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2; do
	intro=$(rps "$base/")
	view=$(rps -H "Authorization: JWT $token" "$base/api/user/view/")
	echo "round $round: intro $intro req/s, view $view req/s, view/intro $(awk "BEGIN {printf \"%.2f\", $view / $intro}")"
done
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
