"""Which revision of a control page the bot uses: the newest by a member of -groups."""
from __future__ import annotations

import pytest

from commonscache.control.operations import Revision, made_here
from commonscache.control.steering import Steered, choose

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
        self.timestamp = None

    def get(self, key: str) -> str | None:
        return None  # no sha1: no revision looks like a move's


class FakeRulePage:
    """A rule page as Pywikibot gives it: its latest revision, history newest first, and
    any revision of its own by id (one that is not its own raises, as the wiki answers
    for a revision of another page)."""

    site = 'shared'
    pageid = 12

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
    stand, text and all from the state, even when their revision is gone from the wiki;
    never no rules at all (issue 34)."""
    from commonscache.control import steering

    monkeypatch.setattr(steering, 'users_in_groups',
                        lambda site, users, groups: {ADMIN} & set(users))
    history = [FakeRevision(100 + n, USER, f'* vandal {n}') for n in range(60, 0, -1)]
    page = FakeRulePage(history)  # the admin's revision 7 is not even on the wiki any more
    kept = Steered('Project:Rules', '== Bad templates ==\n* Copyvio', 7, ADMIN)
    used = steering.read_steered(page, groups={'sysop'}, kept=kept)
    assert (used.revid, used.text, used.user) == (7, '== Bad templates ==\n* Copyvio', ADMIN)
    assert len(used.ignored) == steering.HISTORY
    unknown = steering.read_steered(page, groups={'sysop'}, kept=None)
    assert (unknown.revid, unknown.text) == (0, '')


def moved(revid: int, user: str, sha1: str) -> Revision:
    return Revision(revid, user, sha1, f'2026-12-0{revid % 9 + 1}T00:00:00Z')


#: A history (newest first) whose revision 6 is the one a move to this title made: the same
#: content (sha1) as the revision before it, which was written for the page's old title.
MOVED_IN = [moved(8, USER, 'c'), moved(6, USER, 'b'), moved(5, ADMIN, 'b'), moved(4, ADMIN, 'a')]


@pytest.mark.parametrize(('history', 'moves', 'kept'), [
    pytest.param(MOVED_IN, {6}, [8, 6], id="moved-here: the old title's revisions left out"),
    pytest.param(MOVED_IN, set(), [8, 6, 5, 4],
                 id='same content, not a move here (a protection): all count'),
    pytest.param([moved(8, ADMIN, 'c'), moved(7, USER, 'c'), moved(6, ADMIN, 'c')], {7, 6},
                 [8, 7], id='the newest move counts'),
    pytest.param([moved(3, USER, 'a')], {3}, [3], id='one revision: nothing before it'),
    pytest.param([], set(), [], id='no history'),
])
def test_only_the_revisions_made_at_the_title_count(history, moves, kept):
    """A page moved onto a control title brings its history: the revisions from before the
    move were not written for this page, whoever wrote them (issue 34)."""
    asked = []

    def moved_here(revision: Revision) -> bool:
        asked.append(revision.revid)
        return revision.revid in moves

    assert [rev.revid for rev in made_here(iter(history), moved_here)] == kept
    # The move log is asked only about revisions with their parent's content.
    assert all(rev.sha1 == older.sha1 for rev, older in zip(history, history[1:], strict=False)
               if rev.revid in asked)


def test_a_trusted_revision_from_before_a_move_here_is_not_used():
    """An admin's draft, moved onto the rule title by a plain user: not the admin's word
    for the rule page, so not used; the rules an earlier run accepted stand."""
    history = MOVED_IN
    assert choose(history, {ADMIN})[0] == history[2]  # what the move would smuggle in
    assert choose(list(made_here(history, lambda rev: rev.revid == 6)), {ADMIN})[0] is None
