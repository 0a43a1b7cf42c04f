"""Messages, end to end (the unit tests: tests/unit/test_messages.py)."""
from __future__ import annotations

import pytest


@pytest.mark.e2e
def test_a_german_shared_repository_gets_german_summaries_and_pages(farm_wikis):
    from devfarm import farm
    from tests.conftest import run_cli
    from tests.e2e.support import SHARED, api
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
