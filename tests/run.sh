#!/usr/bin/env bash
# The whole test suite. On a fresh Debian machine as root it installs what is missing
# (the Python package and its test tools; MediaWiki and PHP for the dev farm), then runs the
# linter and every test. The end-to-end tests bring the dev farm up themselves and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
# systemd-analyze checks the shipped systemd units (Debian's systemd package provides it).
if ! command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
python3 -m ruff check .
python3 -m pytest "$@"
