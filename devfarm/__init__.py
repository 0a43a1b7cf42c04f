"""The commonscache dev farm: three real MediaWiki wikis on 127.0.0.1 (see farm.py)."""
