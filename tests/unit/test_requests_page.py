"""Who added each line of the request page, from its history (a pure function)."""
from __future__ import annotations

import pytest

from commonscache.control.operations import HISTORY_CAP, owners_of, request_target

WANTED = {'* Category:Places', '* Category:Everything', '* Harbour'}


def newest_first(history: list[tuple[str, str]]):
    """The history as the wiki lists it (newest first), counting what was read."""
    newest_first.read = 0
    for revision in reversed(history):
        newest_first.read += 1
        yield revision


def test_each_line_belongs_to_the_user_who_added_it():
    history = [
        ('Admin', 'Requests:\n* Category:Places'),
        ('Mallory', 'Requests:\n* Category:Places\n* Category:Everything'),
        ('Admin', 'Requests:\n* Category:Places\n* Category:Everything\n* Harbour'),
    ]
    assert owners_of(newest_first(history), WANTED) == ({
        '* Category:Places': ('Admin',), '* Category:Everything': ('Mallory',),
        '* Harbour': ('Admin',)}, set())


def test_a_line_someone_changed_is_theirs_and_a_re_added_line_is_the_re_adders():
    history = [
        ('Admin', '* Category:Places'),
        ('Mallory', '* Category:Places and more'),
        ('Admin', ''),
        ('Mallory', '* Category:Places'),
    ]
    assert owners_of(newest_first(history), {'* Category:Places'}) == (
        {'* Category:Places': ('Mallory',)}, set())


def test_the_history_is_read_back_only_to_the_oldest_open_line():
    """The bot's answering edits leave open lines as they are: they count for nothing, and
    the walk stops at the revision before the oldest open line appeared."""
    history = [('Admin', f'* Old request {n} — commonscache: done') for n in range(500)]
    history += [
        ('Admin', '* Category:Places'),
        ('CacheBot', '* Category:Places\n* Old — commonscache: done'),
        ('Mallory', '* Category:Places\n* Old — commonscache: done\n* Harbour'),
    ]
    assert owners_of(newest_first(history), {'* Category:Places', '* Harbour'}) == (
        {'* Category:Places': ('Admin',), '* Harbour': ('Mallory',)}, set())
    assert newest_first.read == 4  # not the 500 revisions before them


def test_each_of_two_identical_lines_belongs_to_the_one_who_added_it():
    """A plain user's line first, then an admin's identical one: the admin's is not
    masked by the earlier one (and the other way round)."""
    history = [
        ('Admin', 'Requests:'),
        ('Mallory', 'Requests:\n* Harbour'),
        ('CacheBot', 'Requests:\n* Harbour\n* Old — commonscache: done'),
        ('Admin', 'Requests:\n* Harbour\n* Old — commonscache: done\n* Harbour'),
    ]
    assert owners_of(newest_first(history), {'* Harbour'}) == (
        {'* Harbour': ('Admin', 'Mallory')}, set())
    assert newest_first.read == 4
    assert owners_of(newest_first(history[:3]), {'* Harbour'}) == (
        {'* Harbour': ('Mallory',)}, set())


def test_a_line_older_than_the_history_read_is_nobodys():
    history = [('Mallory', '* Category:Everything')] + [
        ('Admin', f'* Category:Everything\n* line {n}') for n in range(HISTORY_CAP + 5)]
    # The wiki lists at most HISTORY_CAP revisions, newest first.
    read = list(reversed(history))[:HISTORY_CAP]
    owners, unknown = owners_of(iter(read), {'* Category:Everything'})
    assert owners == {} and unknown == {'* Category:Everything'}


@pytest.mark.parametrize(('line', 'target'), [
    ('* Category:Places', 'Category:Places'),
    ('*[[:Category:Places|the places]]', 'Category:Places'),
    ('* [[Harbour]]', 'Harbour'),
    ('* [[Foo]] - for the exhibition', 'Foo'),  # a note after the link
    ('* [[Foo', '[[Foo'),  # not a title: answered "not understood" on the wiki
    ('* Category:Places — commonscache: done 2026-01-01T00:00:00Z: examined 2', ''),
    ('Some text', ''),
    ('*', ''),
])
def test_request_targets(line: str, target: str):
    assert request_target(line) == target
