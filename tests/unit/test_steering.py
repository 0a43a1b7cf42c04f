"""Which revision of a control page the bot uses: the newest by a member of -groups."""
from __future__ import annotations

import pytest

from commonscache.control.steering import Revision, Steered, choose

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


class FakeRevision:
    def __init__(self, revid: int, user: str, text: str) -> None:
        self.revid, self.user, self.text = revid, user, text


class FakeRulePage:
    """A rule page as Pywikibot gives it: its latest revision, history newest first, and
    any revision of its own by id (one that is not its own raises, as the wiki answers
    for a revision of another page)."""

    site = 'shared'

    def __init__(self, history: list[FakeRevision]) -> None:
        self.history = history  # newest first

    @property
    def latest_revision(self) -> FakeRevision:
        return self.history[0]

    @property
    def text(self) -> str:
        return self.history[0].text

    def title(self) -> str:
        return 'Project:Rules'

    def revisions(self, total: int, content: bool):
        return iter(self.history[:total])

    def get_revision(self, revid: int, content: bool) -> FakeRevision:
        for revision in self.history:
            if revision.revid == revid:
                return revision
        raise KeyError(revid)


def test_a_run_of_edits_by_others_falls_back_to_the_rules_an_earlier_run_accepted(monkeypatch):
    """More edits by others than the history read (50): the rules the last run accepted
    stand, never no rules at all (issue 34); a revision that is not the page's own (a page
    moved onto the title) does not."""
    from commonscache.control import steering

    monkeypatch.setattr(steering, 'users_in_groups',
                        lambda site, users, groups: {ADMIN} & set(users))
    history = [FakeRevision(100 + n, USER, f'* vandal {n}') for n in range(60, 0, -1)]
    history.append(FakeRevision(7, ADMIN, '== Bad templates ==\n* Copyvio'))
    page = FakeRulePage(history)
    used = steering.read_steered(page, groups={'sysop'}, accepted=7)
    assert (used.revid, used.text, used.user) == (7, '== Bad templates ==\n* Copyvio', ADMIN)
    assert len(used.ignored) == steering.HISTORY
    unknown = steering.read_steered(page, groups={'sysop'}, accepted=99999)
    assert (unknown.revid, unknown.text) == (0, '')
