"""Deletion and dispute templates as Commons' editors write them: with parameters, under
redirects and shortcuts, in any case, substituted with their comments left behind."""
from __future__ import annotations

import pytest

from commonscache.reading.source import DISPUTE_TEMPLATES, disputes_in

DESCRIPTION = ('=={{int:filedesc}}==\n{{Information|description={{en|1=A harbour.}}|date=2020'
               '|source={{own}}|author=[[User:X|X]]}}\n')


@pytest.mark.parametrize(('text', 'found'), [
    pytest.param('{{delete|reason=Out of [[COM:SCOPE|scope]]|subpage=File:X.jpg|day=3|'
                 'month=January|year=2026}}\n' + DESCRIPTION, ('Delete',), id='deletion-request'),
    pytest.param('{{Speedy|Copyright violation: a screenshot of a film}}\n' + DESCRIPTION,
                 ('Speedydelete',), id='speedy-redirect'),
    pytest.param('{{db|1=Spam}}' + DESCRIPTION, ('Speedydelete',), id='db-redirect'),
    pytest.param('{{speedydelete|Duplicate}}' + DESCRIPTION, ('Speedydelete',), id='lower-case'),
    pytest.param('{{copyvio|1=https://example.org/photo.jpg|source=https://example.org}}'
                 + DESCRIPTION, ('Copyvio',), id='copyvio-with-parameters'),
    pytest.param('{{Copyright violation|1=taken from a news site}}' + DESCRIPTION, ('Copyvio',),
                 id='copyvio-redirect'),
    pytest.param('<!-- Template:No license since -->\n{{No license since|month=January|day=3|'
                 'year=2026}}\n<!-- Remove this template when the licence is fixed -->\n'
                 + DESCRIPTION, ('No license since',), id='substituted-nld-with-comments'),
    pytest.param('{{No_permission_since|month=January|day=3|year=2026}}' + DESCRIPTION,
                 ('No permission since',), id='underscores'),
    pytest.param('{{subst:nsd}}' + DESCRIPTION, ('No source since',), id='unsubstituted-nsd'),
    pytest.param('{{Template:Copyvio|1=x}}' + DESCRIPTION, ('Copyvio',), id='template-prefix'),
    pytest.param('{{Npd|month=January|day=3|year=2026}}' + DESCRIPTION, ('No permission since',),
                 id='npd-shortcut'),
    pytest.param(DESCRIPTION + '{{Information|description=Not a {{delete}} here: '
                 '<nowiki>{{delete}}</nowiki>}}', ('Delete',), id='nested-but-nowiki-ignored'),
    pytest.param(DESCRIPTION + '<nowiki>{{Copyvio}}</nowiki>\n{{Deletionrequest old}}', (),
                 id='quoted-or-closed'),
    pytest.param(DESCRIPTION + '{{Delete reason}}', (), id='a-different-template'),
])
def test_disputes_as_commons_writes_them(text: str, found: tuple[str, ...]):
    assert disputes_in(text, DISPUTE_TEMPLATES) == found


def test_operator_markers_keep_their_own_names():
    assert disputes_in('{{Speedy|x}}{{Rename}}', ('Rename', 'Speedydelete')) == \
        ('Speedydelete', 'Rename')
