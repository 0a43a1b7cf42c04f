"""Who added each line of the request page, from its history (a pure function)."""
from __future__ import annotations

import pytest

from commonscache.operations import attribute_lines, request_target


def test_each_line_belongs_to_the_user_who_added_it():
    history = [
        ('Admin', 'Requests:\n* Category:Places'),
        ('Mallory', 'Requests:\n* Category:Places\n* Category:Everything'),
        ('Admin', 'Requests:\n* Category:Places\n* Category:Everything\n* Harbour'),
    ]
    assert attribute_lines(history) == {
        'Requests:': 'Admin', '* Category:Places': 'Admin',
        '* Category:Everything': 'Mallory', '* Harbour': 'Admin'}


def test_a_line_someone_changed_is_theirs_and_a_re_added_line_is_the_re_adders():
    history = [
        ('Admin', '* Category:Places'),
        ('Mallory', '* Category:Places and more'),
        ('Admin', ''),
        ('Mallory', '* Category:Places'),
    ]
    assert attribute_lines(history) == {'* Category:Places': 'Mallory'}


@pytest.mark.parametrize(('line', 'target'), [
    ('* Category:Places', 'Category:Places'),
    ('*[[:Category:Places|the places]]', 'Category:Places'),
    ('* [[Harbour]]', 'Harbour'),
    ('* Category:Places — commonscache: done 2026-01-01T00:00:00Z: examined 2', ''),
    ('Some text', ''),
    ('*', ''),
])
def test_request_targets(line: str, target: str):
    assert request_target(line) == target
