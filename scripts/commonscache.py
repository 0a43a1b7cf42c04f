"""Entry for ``pwb.py commonscache``: see :mod:`commonscache.running.cli` (``-help`` prints it)."""
import os
import sys

# pwb puts this folder first on sys.path, where this very file would shadow the package of
# the same name; take it off again before importing the package.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
sys.modules.pop('commonscache', None)

from commonscache.running.cli import run  # noqa: E402

if __name__ == '__main__':
    run()
