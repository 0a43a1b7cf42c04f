"""Reading what stands on the shared repository: redirects and the provenance template."""
from __future__ import annotations

import pytest

from commonscache.reading.target import provenance_of, redirect_target, same_template


@pytest.mark.parametrize(('text', 'target'), [
    ('#REDIRECT [[File:Lighthouse_at_dusk.jpg]]\n{{Cached Commons Media}}',
     'File:Lighthouse at dusk.jpg'),
    ('#redirect[[:file:a b.jpg]]', 'File:A b.jpg'),
    ('  #REDIRECT [[File:X.png|label]]', 'File:X.png'),
    ('A page that mentions #REDIRECT [[File:X.png]]', ''),
    ('#REDIRECT', ''),
])
def test_redirect_target(text: str, target: str):
    assert redirect_target(text) == target


@pytest.mark.parametrize(('name', 'other', 'same'), [
    ('Cached Commons Media', 'cached_Commons_Media', True),
    ('Template:Cached Commons Media', ' Cached Commons Media ', True),
    ('Cached Commons Media', 'Cached commons media', False),
])
def test_template_names_compare_as_mediawiki_does(name: str, other: str, same: bool):
    assert same_template(name, other) is same


def test_provenance_is_read_from_the_first_matching_template_only():
    text = ('{{Other|sha1=x}}{{cached_Commons_Media |sha1= abc |author=A &amp; B}}'
            '{{Cached Commons Media|sha1=second}}')
    assert provenance_of(text, 'Cached Commons Media') == {'sha1': 'abc', 'author': 'A & B'}
