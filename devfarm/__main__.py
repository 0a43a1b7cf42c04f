"""``python -m devfarm up|down|env|destroy``."""
import sys

from devfarm.farm import main

sys.exit(main(sys.argv[1:]))
