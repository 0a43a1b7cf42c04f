"""commonscache: copy the Commons files a wiki embeds into the farm's shared media repository.

The command line lives in :mod:`commonscache.running.cli`; its module docstring is the
``-help`` text.
"""
__version__ = '0.1.0'
