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


@pytest.mark.e2e
def test_a_german_shared_repository_gets_german_summaries_and_pages(farm_wikis):
    from devfarm import farm
    from tests.conftest import run_cli
    from tests.test_sweep import SHARED, api
    from tests.wikiclient import WikiClient

    shared = farm_wikis['shared']
    with farm.configured('shared', language='de'):
        result = run_cli(SHARED, '-always', '-setup', '-page:Formats', '-page:Harbour')
        assert result.returncode == 0, result.stderr[-3000:]
        admin = WikiClient(shared, farm.ADMIN, farm.ADMIN_PASSWORD)
        review = admin.text('Project:Cached Commons media/Review')
        status = admin.text('Project:Cached Commons media/Status')
        comments = {change['title']: change['comment'] for change in api(
            shared, action='query', list='recentchanges', rcprop='title|comment|user',
            rclimit='max')['query']['recentchanges'] if change.get('user') == farm.BOT}
    assert review.startswith('Dateien, die der commonscache-Bot für eine Prüfung')
    assert '! Datei !! Quelle !! Grund !! Einzelheiten !! Seit' in review
    assert 'upload-refused' in review  # machine-readable parts stay as they are
    assert '== Einsparungen ==' in status and '== Letzte Läufe ==' in status
    # The wiki names its namespaces in German too (Benutzer:, Datei:).
    by_name = {title.split(':', 1)[1]: comment for title, comment in comments.items()}
    assert by_name['CacheBot/Run'].startswith('commonscache: Laufseite'), comments
    assert by_name['Cached Commons media/Review'] == 'commonscache: Dateien zur Prüfung'
    assert by_name['Sunset over the harbour.jpg'].startswith(
        'Zwischengespeicherte Kopie von [[commons:'), comments
    assert admin.text('User:CacheBot/Run') == 'true'


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
