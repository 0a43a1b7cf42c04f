"""One source page read into a SourceFile: licences, author, and the first uploader standing
in when no author is stated (the provenance says so)."""
from __future__ import annotations

from commonscache.reading.source import source_file
from commonscache.writing.describe import provenance_call


def page(text: str, extmetadata: dict | None = None) -> dict:
    versions = [{'timestamp': f'2020-0{n}-01T00:00:00Z', 'user': user, 'size': 10,
                 'sha1': str(n) * 40, 'url': f'https://c.example/{n}.jpg',
                 'descriptionurl': 'https://c.example/wiki/File:X.jpg',
                 **({'extmetadata': extmetadata} if extmetadata else {})}
                for n, user in ((2, 'Later Uploader'), (1, 'First Uploader'))]
    return {'title': 'File:X.jpg', 'imagerepository': 'local', 'imageinfo': versions,
            'revisions': [{'revid': 5, 'slots': {'main': {'content': text}}}]}


def test_licences_and_the_one_commons_would_report():
    found = source_file(page('{{Information|author=Ann}}\n{{self|GFDL|cc-by-3.0}}'))
    assert (found.licence, found.licences, found.author, found.author_is_uploader) == \
        ('CC BY 3.0', ('GFDL', 'CC BY 3.0'), 'Ann', False)
    call = provenance_call(found, template='T', retrieved='now')
    assert '|licence=CC BY 3.0\n|licences=GFDL / CC BY 3.0\n|author=Ann\n' in call
    assert 'authorsource' not in call


def test_commons_own_short_name_is_kept_beside_the_set():
    found = source_file(page('{{self|GFDL|cc-by-3.0}}', {
        'LicenseShortName': {'value': 'CC BY 3.0'}, 'Artist': {'value': '<a>Ann</a>'}}))
    assert (found.licence, found.licences, found.author) == \
        ('CC BY 3.0', ('GFDL', 'CC BY 3.0'), 'Ann')


def test_the_first_uploader_stands_in_for_a_missing_author():
    found = source_file(page('{{Information|author=|description=A pond}}\n{{cc-by-4.0}}'))
    assert (found.author, found.author_is_uploader) == ('First Uploader', True)
    call = provenance_call(found, template='T', retrieved='now')
    assert '|author=First Uploader\n|authorsource=first uploader\n' in call
