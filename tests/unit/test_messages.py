"""The messages the bot writes on wikis: every language file has every key, with the same
parameters; a language is chosen by the wiki, with MediaWiki's fallbacks, then English."""
from __future__ import annotations

import re

import pytest

from commonscache import messages
from commonscache.messages import catalogue, msg

PARAMETER = re.compile(r'%\((\w+)\)[sd]')
#: The languages commonscache ships complete.
COMPLETE = ('en', 'de', 'fr')


def test_at_least_three_languages_are_shipped():
    assert set(COMPLETE) <= set(messages.languages())


@pytest.mark.parametrize('language', messages.languages())
def test_every_language_has_every_key_with_the_same_parameters(language):
    for key, translations in catalogue().items():
        assert language in translations, f'{language} lacks {key}'
        assert set(PARAMETER.findall(translations[language])) == \
            set(PARAMETER.findall(translations['en'])), (language, key)
        assert translations[language].count('{{PLURAL:') == \
            translations['en'].count('{{PLURAL:'), (language, key)


@pytest.mark.parametrize(('language', 'expected'), [
    ('de', 'commonscache: 2 Durchlaufanfragen beantwortet'),
    ('bar', 'commonscache: 2 Durchlaufanfragen beantwortet'),  # Bavarian falls back to German
    ('fr', 'commonscache : 2 demandes de balayage traitées'),
    ('ja', 'commonscache: answered 2 sweep requests'),  # not shipped: English
    ('en', 'commonscache: answered 2 sweep requests'),
])
def test_a_language_is_chosen_with_mediawikis_fallbacks_then_english(language, expected):
    assert msg(language, 'summary-requests', {'count': 2}) == expected


def test_plural_follows_the_count():
    assert msg('en', 'summary-requests', {'count': 1}) == 'commonscache: answered 1 sweep request'
    assert msg('de', 'summary-requests', {'count': 1}) == \
        'commonscache: 1 Durchlaufanfrage beantwortet'


def test_a_key_missing_in_a_language_falls_back_and_never_breaks_a_run(monkeypatch):
    partial = {key: dict(found) for key, found in catalogue().items()}
    del partial['commonscache-review-none']['de']
    monkeypatch.setattr(messages, 'catalogue', lambda: partial)
    assert msg('de', 'review-none') == 'No open flags.'




def test_every_message_is_documented_for_translators_with_its_parameters():
    """qqq.json, as translatewiki.net expects: each message's purpose, and each parameter
    it takes named in its documentation; not a language the bot writes in."""
    from commonscache.messages import documentation

    docs = documentation()
    assert set(docs) == set(catalogue())
    for key, translations in catalogue().items():
        for parameter in PARAMETER.findall(translations['en']):
            assert f'%({parameter})' in docs[key], (key, parameter)
    assert 'qqq' not in messages.languages()


def test_counts_on_the_console_take_the_plural_they_need():
    """One voice on the console (issue 35): '1 file', '2 files', by Pywikibot's rules."""
    from commonscache.messages import counted

    assert counted(1, 'file that waits', 'files that wait') == '1 file that waits'
    assert counted(2, 'file that waits', 'files that wait') == '2 files that wait'
    assert counted(0, 'page', 'pages') == '0 pages'
