"""``python -m commonscache ARGS``: the same main as ``pwb.py commonscache ARGS``."""
import sys

# Pywikibot names the log file, the scripts.ini section and the User-Agent's script after
# argv[0]; under `python -m` that would be "__main__".
sys.argv[0] = 'commonscache'

from commonscache.running.cli import run  # noqa: E402

run()
