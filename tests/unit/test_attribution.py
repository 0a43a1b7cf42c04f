"""Licence and author as plain text, from extmetadata's HTML or from the wikitext."""
from __future__ import annotations

import pytest

from commonscache.markup.attribution import (
    author_from_wikitext,
    licence_from_wikitext,
    licence_name,
    plain_text,
)


@pytest.mark.parametrize(('template', 'name'), [
    ('cc-by-sa-4.0', 'CC BY-SA 4.0'), ('Cc-by-4.0', 'CC BY 4.0'), ('cc_by_sa_3.0', 'CC BY-SA 3.0'),
    ('cc-zero', 'CC0'), ('CC-BY-SA-2.5,2.0,1.0', 'CC BY-SA 2.5'), ('PD-old-100', 'Public domain'),
    ('PD-self', 'Public domain'), ('GFDL', 'GFDL'), ('Information', ''), ('en', ''),
])
def test_licence_names(template: str, name: str):
    assert licence_name(template) == name


@pytest.mark.parametrize(('text', 'licence'), [
    ('{{self|cc-by-sa-4.0|GFDL}}', 'CC BY-SA 4.0'),  # the one CommonsMetadata reports
    ('{{self|GFDL|cc-by-3.0}}', 'CC BY 3.0'),
    ('{{self2|GFDL|cc-by-2.5-pl}}{{Self|GFDL|Cc-by-sa-3.0-migrated}}', 'CC BY 2.5 pl'),
    ('{{self|cc-by-sa-3.0|cc-by-sa-3.0-de|cc-by-sa-4.0}}', 'CC BY-SA 4.0'),
    ('{{PD-Art|PD-old-auto|deathyear=1920}}{{cc-by-4.0}}', 'Public domain'),
    ('{{cc-by-sa-all}}', 'CC BY-SA 3.0'),
    ('{{Attribution}}', 'Attribution'),
    ('{{Cc-by-4.0|attribution=Bob}}', 'CC BY 4.0'),
    ('{{Artwork|permission={{PD-old-100}}}}\n{{PD-old-100}}', 'Public domain'),
    ('{{Information|author=me}}', ''),
    ('{{self|author=me}}', ''),
])
def test_licence_from_wikitext(text: str, licence: str):
    assert licence_from_wikitext(text) == licence


@pytest.mark.parametrize(('text', 'author'), [
    ('{{Information|author=[[User:Alice Example|Alice Example]]}}', 'Alice Example'),
    ('{{Information\n|Author=Bob Photographer\n}}', 'Bob Photographer'),
    ('{{Artwork |artist = [[w:Leonardo da Vinci|Leonardo da Vinci]] }}', 'Leonardo da Vinci'),
    ('{{Information|author=}}{{Artwork|artist=Later}}', 'Later'),
    ('no templates', ''),
])
def test_author_from_wikitext(text: str, author: str):
    assert author_from_wikitext(text) == author


def test_plain_text_from_extmetadata_html():
    html = '<a href="//commons.wikimedia.org/wiki/User:X" title="User:X">X &amp; Y</a>\n(own)'
    assert plain_text(html) == 'X & Y (own)'
