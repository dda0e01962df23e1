#!/bin/sh
# with-postgres.sh CMD [ARG...] runs CMD with a throwaway PostgreSQL cluster:
# initdb and pg_ctl in a temporary directory, listening on 127.0.0.1 only on a
# free port, trust authentication, and VSAUTH_TEST_POSTGRES set to the URL of
# its "postgres" database, which the store tests use to create a database per
# test. The cluster and its files are gone when CMD ends. Exits with CMD's
# status.
#
#   scripts/with-postgres.sh go test -race ./...
#
# Run as root, the cluster runs as the "postgres" user (PostgreSQL refuses
# root). Needs Debian's postgresql package: apt-get install -y postgresql
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
	bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ]; then
	# Debian keeps the server tools out of PATH; take the newest version.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do bindir=$d; done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
	echo "$0: initdb and pg_ctl not found: apt-get install -y postgresql" >&2
	exit 127
fi

as_owner() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	as_owner() { runuser -u postgres -- "$@"; }
fi

scratch=$(mktemp -d)
chmod 755 "$scratch"
mkdir "$scratch/data" "$scratch/socket"
[ "$(id -u)" -eq 0 ] && chown postgres "$scratch/data" "$scratch/socket"

# A free port: bind port 0 and read what the kernel gave. The window before
# PostgreSQL binds it is short, and pg_ctl fails loudly if it is lost.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	awk 'BEGIN{srand(); print 20000 + int(rand() * 20000)}')

stop() {
	as_owner "$bindir/pg_ctl" -D "$scratch/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$scratch"
}
trap stop EXIT
trap 'exit 130' INT TERM

as_owner "$bindir/initdb" -D "$scratch/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$scratch/initdb.log" 2>&1 || {
	cat "$scratch/initdb.log" >&2
	exit 1
}
# fsync off: the cluster is thrown away, and the tests create many databases.
if ! as_owner "$bindir/pg_ctl" -D "$scratch/data" -l "$scratch/data/server.log" -w -t 30 start \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $scratch/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null; then
	cat "$scratch/data/server.log" >&2
	exit 1
fi

status=0
VSAUTH_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" "$@" || status=$?
exit "$status"
