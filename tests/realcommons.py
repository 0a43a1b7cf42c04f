"""Where the real Commons material lies (``../shared/real-commons`` beside the checkout, or
``$COMMONSCACHE_REAL_COMMONS``): read in place, never copied into the project. Its
MANIFEST.md names the repository, path and commit of every file."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: Where to look, in order: the variable, beside the checkout, beside the workplace's main
#: checkout (a clone elsewhere, such as CI's, finds it there).
PLACES = [Path(p) for p in (os.environ.get('COMMONSCACHE_REAL_COMMONS'),) if p] + [
    REPO.parent / 'shared' / 'real-commons', Path('/work/shared/real-commons')]
REAL = next((place for place in PLACES if place.is_dir()), PLACES[0])


def real(path: str) -> Path:
    """A file of the material; the test is skipped, saying why, where it is not present."""
    found = REAL / path
    if not found.exists():
        pytest.skip(f'the real Commons material is not at {REAL} (set COMMONSCACHE_REAL_COMMONS)')
    return found


def real_json(path: str) -> object:
    return json.loads(real(path).read_text(encoding='utf-8'))


def load_or_empty(path: str) -> object:
    """For parametrizing at collection time: the JSON, or None when it is absent."""
    found = REAL / path
    return json.loads(found.read_text(encoding='utf-8')) if found.exists() else None
