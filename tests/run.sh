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
# The whole suite on MediaWiki 1.39, then the end-to-end tests again on 1.43 (all but those
# of the network between the bot and the wikis: faults, kills, Commons' limits, marked
# first_release_only): each release from the host's Debian package where the host ships
# it, else from a Debian tree that the dev farm builds once with debootstrap
# (devfarm/mediawiki.py).
first=1
for mw in ${COMMONSCACHE_MW_VERSIONS:-1.39 1.43}; do
  if [ "$first" = 1 ]; then
    COMMONSCACHE_MW="$mw" python3 -m pytest
    first=0
  else
    COMMONSCACHE_MW="$mw" python3 -m pytest -m 'e2e and not first_release_only'
  fi
done
