"""What the bot writes on a wiki, in the wiki's language.

Messages live in ``commonscache/i18n/LANG.json``, one file per language, keys as
translatewiki.net names them (``commonscache-…``), with ``%(name)s`` parameters and
MediaWiki's ``{{PLURAL:…}}``. Pywikibot's :func:`pywikibot.i18n.translate` picks the
language: the site's content language, then MediaWiki's fallback chain for it, then English;
a message missing in every language is a bug the unit tests catch, never a broken run.
Machine-readable parts (template and parameter names, flag reasons, the run page's ``true``,
the answered mark of a request line) are not messages.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

import pywikibot
from pywikibot import i18n

FOLDER = Path(__file__).resolve().parent / 'i18n'
#: Where a message is for: a site (its content language) or a language code.
Language = pywikibot.site.BaseSite | str


#: The message documentation for translators (translatewiki.net's pseudo-language ``qqq``):
#: what each message is for and what its parameters hold; never shown on a wiki.
DOCUMENTATION = 'qqq'


def _language_files() -> list[Path]:
    return sorted(path for path in FOLDER.glob('*.json') if path.stem != DOCUMENTATION)


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """key → language → message, from every language file."""
    messages: dict[str, dict[str, str]] = {}
    for path in _language_files():
        for key, text in json.loads(path.read_text(encoding='utf-8')).items():
            if not key.startswith('@'):
                messages.setdefault(key, {})[path.stem] = text
    return messages


def documentation() -> dict[str, str]:
    """key → what translators are told of the message (``qqq.json``)."""
    found = json.loads((FOLDER / f'{DOCUMENTATION}.json').read_text(encoding='utf-8'))
    return {key: text for key, text in found.items() if not key.startswith('@')}


def languages() -> list[str]:
    return [path.stem for path in _language_files()]


def msg(where: Language, key: str,
        parameters: Mapping[str, object] | None = None) -> str:
    """The message *key* for the wiki *where* (a site: its content language; or a language
    code), with *parameters* filled in."""
    translations = catalogue()[f'commonscache-{key}']
    # A site by its content language (siteinfo), not its code in the family (a farm's
    # codes are names such as "shared").
    language = where if isinstance(where, str) else where.lang
    text = i18n.translate(language, translations, parameters=dict(parameters or {}) or None,
                          fallback=True)
    return text if text is not None else translations['en'] % dict(parameters or {})


def counted(count: int, one: str, many: str) -> str:
    """'1 file waits', '2 files wait': a count on the console with its words in the plural
    it takes (Pywikibot's plural rules; the console speaks English)."""
    return i18n.translate('en', f'%(count)d {{{{PLURAL:%(count)d|{one}|{many}}}}}',
                          {'count': count})
