#!/usr/bin/env bash
# The main job on the dev farm, for a newcomer on a fresh Debian machine (as root): bring the
# three wikis up, show where the consumer finds its files, run a caching sweep, show again.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e .
eval "$(python3 -m devfarm up)"

where() {
  python3 - "$DEVFARM_CONSUMER_API" <<'PY'
import sys, requests
api = sys.argv[1]
used = requests.get(api, params={'action': 'query', 'list': 'allfileusages', 'afunique': 1,
                                 'format': 'json', 'formatversion': 2}).json()
titles = [u['title'] for u in used['query']['allfileusages']]
info = requests.get(api, params={'action': 'query', 'titles': '|'.join(titles), 'prop': 'imageinfo',
                                 'format': 'json', 'formatversion': 2}).json()
for page in sorted(info['query']['pages'], key=lambda p: p['title']):
    print(f"  {page['title']:45} {page.get('imagerepository') or '(missing)'}")
PY
}

echo "Before: where the consumer ($DEVFARM_CONSUMER_URL) finds the files its pages use"
where
echo
echo "Sweep: python3 -m commonscache -shared:devfarm:shared -always -setup"
python3 -m commonscache -shared:devfarm:shared -always -setup
echo
echo "After:"
sleep 1.5  # the consumer caches foreign file metadata for one second
where
