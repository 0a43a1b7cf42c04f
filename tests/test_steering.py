"""Which revision of a control page the bot uses: the newest by a member of -groups."""
from __future__ import annotations

import pytest

from commonscache.steering import Revision, Steered, choose

ADMIN, USER, OTHER = 'Admin', 'Plain User', 'Someone'


@pytest.mark.parametrize(('history', 'expected'), [
    pytest.param([Revision(5, ADMIN), Revision(3, USER)], (Revision(5, ADMIN), ()),
                 id='latest-by-a-member'),
    pytest.param([Revision(7, USER), Revision(6, OTHER), Revision(5, ADMIN)],
                 (Revision(5, ADMIN), (Revision(7, USER), Revision(6, OTHER))),
                 id='newer-by-others-ignored'),
    pytest.param([Revision(7, USER), Revision(6, ADMIN), Revision(5, USER)],
                 (Revision(6, ADMIN), (Revision(7, USER),)),
                 id='older-by-others-under-a-member-count'),
    pytest.param([Revision(2, USER)], (None, (Revision(2, USER),)), id='nobody-trusted'),
    pytest.param([], (None, ()), id='no-history'),
])
def test_the_revision_used(history, expected):
    assert choose(history, {ADMIN}) == expected


def test_the_notice_names_each_ignored_revision_in_one_line():
    steered = Steered('Project:Rules', 'text', 5, ADMIN,
                      (Revision(7, USER), Revision(6, OTHER)))
    assert steered.notice('sysop') == (
        'Project:Rules: revision 7 by Plain User, revision 6 by Someone ignored (not in '
        'sysop); revision 5 by Admin is used until a member of sysop saves the page')
    assert Steered('Project:Rules', 'text', 5, ADMIN).notice('sysop') == ''
    assert 'the page is not used at all' in Steered(
        'Project:Rules', '', 0, ignored=(Revision(2, USER),)).notice('sysop')
