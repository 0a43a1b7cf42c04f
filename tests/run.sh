#!/usr/bin/env bash
# The whole test suite. On a fresh Debian machine as root it installs what is missing
# (the Python package and its test tools; MediaWiki and PHP for the dev farm), then runs the
# linter and every test, the end-to-end ones on MediaWiki 1.39 and 1.43. They bring the dev
# farm up themselves and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
# systemd-analyze checks the shipped systemd units (Debian's systemd package provides it).
if ! command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
python3 -m ruff check .
if [ "$#" -gt 0 ]; then
  # Arguments given: one run with them, on the MediaWiki that COMMONSCACHE_MW names
  # (default: the host's package).
  exec python3 -m pytest "$@"
fi
# The whole suite on MediaWiki 1.39 with the wikis in SQLite, and the end-to-end tests again
# on 1.43 with the wikis in MariaDB and their object cache in one memcached, the consumer
# reading the shared repository from its database with hasSharedCache, as production farms
# run (COMMONSCACHE_OTHER_DB=sqlite and COMMONSCACHE_OTHER_CACHE=none keep the plain farm)
# (all but those of the network between the bot and the wikis: faults, kills, Commons'
# limits, the watch, marked first_release_only); each release from the host's Debian
# package where the host ships it, else from a Debian tree that the dev farm builds once
# with debootstrap (devfarm/mediawiki.py). To keep within CI's time, the releases run side
# by side, each with a farm of its own (ports and folder), and the first_release_only tests
# run last, alone, because some of them measure rates and waits.
set -- ${COMMONSCACHE_MW_VERSIONS:-1.39 1.43}
# Each release's MediaWiki and PHP first, one after the other: apt and debootstrap must not
# run at the same time.
for mw in "$@"; do
  COMMONSCACHE_MW="$mw" python3 -c 'from devfarm import farm; farm.ensure_packages()'
done
# MariaDB, for the state's tests on a database server (each farm starts a server of its own).
python3 -c 'from devfarm import mariadb; mariadb.ensure_installed()'
# memcached, for the MariaDB farm's object cache (each farm starts one of its own).
python3 -c 'from devfarm import memcache; memcache.ensure_installed()'
first="$1"
shift
others=()
port=8840
for mw in "$@"; do
  log="$(mktemp)"
  COMMONSCACHE_MW="$mw" COMMONSCACHE_FARM_PORT="$port" \
    COMMONSCACHE_FARM_DB="${COMMONSCACHE_OTHER_DB:-mariadb}" \
    COMMONSCACHE_FARM_CACHE="${COMMONSCACHE_OTHER_CACHE:-memcached}" \
    COMMONSCACHE_FARM_DIR="${TMPDIR:-/tmp}/commonscache-testfarm-$mw" \
    python3 -m pytest -p no:cacheprovider tests/e2e -m 'not first_release_only' >"$log" 2>&1 &
  others+=("$!:$mw:$log")
  port=$((port - 40))
done
status=0
COMMONSCACHE_MW="$first" COMMONSCACHE_FARM_DB=sqlite python3 -m pytest tests/unit tests/e2e \
  -m 'not first_release_only' \
  || status=1
for job in "${others[@]}"; do
  IFS=: read -r pid mw log <<<"$job"
  wait "$pid" || status=1
  echo "=== the end-to-end tests on MediaWiki $mw ==="
  cat "$log"
  rm -f "$log"
done
COMMONSCACHE_MW="$first" COMMONSCACHE_FARM_DB=sqlite python3 -m pytest tests/e2e -m first_release_only \
  || status=1
exit "$status"
