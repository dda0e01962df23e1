#!/usr/bin/env bash
# gen-common-passwords.sh fetches Django's common-password list from Debian's
# python3-django package (same content as Django 2.1.5, API.md §4.3) and places
# it, with its BSD-3-Clause licence, in server/password/ for //go:embed.
#
# Needs apt-get and dpkg-deb (Debian/Ubuntu). Run from anywhere; must be root
# (or have apt lists readable) if `apt-get update` is required.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/server/password"
src_path="usr/lib/python3/dist-packages/django/contrib/auth/common-passwords.txt.gz"
copyright_path="usr/share/doc/python3-django/copyright"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
if ! apt-get download python3-django >/dev/null 2>&1; then
	apt-get update >/dev/null
	apt-get download python3-django >/dev/null
fi
deb="$(ls "$tmp"/python3-django_*.deb)"
dpkg-deb -x "$deb" "$tmp/root"

install -m 0644 "$tmp/root/$src_path" "$dest/common-passwords.txt.gz"

# debian/copyright is machine-readable (DEP-5): keep the "Files: *" stanza
# (Django itself) and the stand-alone BSD-3-Clause licence text it refers to.
{
	echo "common-passwords.txt.gz is taken unmodified from Django, via Debian's"
	echo "python3-django package ($(basename "$deb" | sed 's/%3a/:/g'))."
	echo "The following is the relevant part of that package's debian/copyright."
	echo
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
		$1 == "Files:" && $2 == "*" && NR > 1 { print }
		$0 ~ /^License: BSD-3-Clause\n/ { print }
	' "$tmp/root/$copyright_path"
} >"$dest/COMMON-PASSWORDS-LICENSE"

echo "wrote $dest/common-passwords.txt.gz ($(zcat "$dest/common-passwords.txt.gz" | awk 'END { print NR }') entries)"
