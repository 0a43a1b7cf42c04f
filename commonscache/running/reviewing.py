"""Reviewers' decisions on the wiki: read from the request page, carried out by the run,
answered in place (see :mod:`commonscache.deciding.decisions` for the decisions and their rules).

A decision counts only when a member of ``-groups`` added its line (as every request line,
:func:`commonscache.control.operations.pending_requests`); anyone else's is ignored with a warning
that names them, also on the review page. The run carries out its decisions first, each
file judged against its source as ``-refresh`` judges it, with the decision in hand; the
line is answered with what came of it, so that it is never carried out twice. A file whose
wiki did not answer keeps its line open for the next run.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace

import pywikibot

from commonscache.control.operations import Request, pending_requests
from commonscache.datatypes import Decision
from commonscache.deciding.decisions import carried_out, closings, parse, refusal
from commonscache.keeping.state import State, now, outcomes_of
from commonscache.messages import counted, msg
from commonscache.publishing.publish import Publisher
from commonscache.reading.pipeline import RETRYABLE
from commonscache.running.sweep import Sweep
from commonscache.wikis import sites


def read_decisions(requests: list[Request], *, state: State, shared: sites.Site,
                   known: Iterable[str] = ()
                   ) -> tuple[dict[str, Decision], dict[str, str], list[Request], list[str]]:
    """The request page's lines split: the decisions to carry out (title → decision), the
    answers of those refused at once (line → answer), the sweeps requested by trusted users,
    and notices of the decisions ignored because someone outside the groups added them
    (each a warning too, but those *known* already)."""
    decisions: dict[str, Decision] = {}
    answers: dict[str, str] = {}
    sweeps: list[Request] = []
    notices: list[str] = []
    parsed = {request.line: parse(request.line) for request in requests}
    open_flags: dict[str, set[str]] = defaultdict(set)
    if any(parsed.values()):
        for flag in state.flags(shared=str(shared)):
            open_flags[flag.title].add(flag.reason)
    for request in requests:
        found = parsed[request.line]
        if found is not None:
            # Any file title (not FilePage: it refuses a type the shared repository does
            # not take, and those are flagged too); anything else (* [[Harbour]] -
            # keep-copy of the exhibition) is a sweep line.
            try:
                page = pywikibot.Page(shared, found[0])
                found = (page.title(), found[1]) if page.namespace() == 6 else None
            except (ValueError, pywikibot.exceptions.Error):
                found = None
        if found is None:
            if request.trusted:
                sweeps.append(request)
            continue
        if not request.trusted:
            notice = (f'{request.line!r}: ignored, {request.user} is not in the groups that '
                      'decide (-groups)')
            if notice not in known:
                pywikibot.warning(f'request page: {notice}')
            notices.append(notice)
            continue
        title, word = found
        why = (f'{decisions[title].line!r} decides about {title} in this run already'
               if title in decisions else refusal(word, open_flags.get(title, ())))
        if why:
            pywikibot.warning(f'request {request.line!r} by {request.user}: {why}')
            answers[request.line] = msg(shared, 'answer-decision-refused',
                                        {'time': now(), 'why': why})
        else:
            decisions[title] = Decision(title, word, request.user, request.line)
    return decisions, answers, sweeps, notices


def carry_out(decisions: dict[str, Decision], sweep: Sweep, answers: dict[str, str]
              ) -> Iterator[pywikibot.Page]:
    """The decided files, each judged with its decision (as -refresh judges a copy); then
    each decision's answer into *answers* (line → answer) by the file's outcome. The
    decisions hold for these files' judgement only: a file met again later (a watch's next
    poll) is judged by the agreement the decision left, never by the decision again."""
    if not decisions:
        return
    shared = sweep.shared
    pywikibot.info(counted(len(decisions), 'decision', 'decisions')
                   + ' of reviewers to carry out')
    _decide_with(sweep, decisions)
    try:
        for title in decisions:
            yield pywikibot.Page(shared, title)
        sweep.flush()
        sweep.ledger.write_down()
    finally:
        _decide_with(sweep, {})
    outcomes = outcomes_of(sweep.state, shared=str(shared), titles=list(decisions))
    for title, decision in decisions.items():
        kind, reason, details = outcomes.get(title, ('', '', 'no outcome'))
        if carried_out(decision.word, kind, reason):
            pywikibot.info(f'{decision.how}: {title}: {details}')
            answers[decision.line] = msg(shared, 'answer-decision', {
                'time': now(), 'what': f'{title}: {reason or kind}'})
        elif reason in RETRYABLE:
            pywikibot.warning(f'{decision.how}: {title}: {details}; tried again by the next '
                              'run')
        else:
            why = f'{title}: {kind} {reason}: {details}'.replace('  ', ' ')
            pywikibot.warning(f'{decision.how}: not carried out: {why}')
            answers[decision.line] = msg(shared, 'answer-decision-refused',
                                         {'time': now(), 'why': why})


def _decide_with(sweep: Sweep, decisions: dict[str, Decision]) -> None:
    """The run's settings, with *decisions* in hand, for the judging and the writing and for
    the record of how flags close."""
    settings = replace(sweep.settings, decisions=decisions)
    sweep.settings = sweep.writer.settings = settings
    sweep.ledger.closing = closings(settings)


class WatchedRequests:
    """-watch: the request page looked at every poll (one request: its latest revision) and
    read again when it changed, so that a reviewer's decision is carried out within a poll
    of being saved (:func:`carry_out`); sweep lines wait for the next start, as they did.
    A decision whose file's wiki did not answer leaves the page to be read again."""

    def __init__(self, page: pywikibot.Page, *, groups: set[str], sweep: Sweep,
                 publisher: Publisher) -> None:
        self.page, self.groups, self.sweep, self.publisher = page, groups, sweep, publisher
        #: the page's revision whose decisions were all carried out or answered
        self.settled = -1

    def __call__(self) -> Iterator[pywikibot.Page]:
        page = pywikibot.Page(self.page.site, self.page.title())  # afresh
        revision = page.latest_revision_id if page.exists() else 0
        if revision == self.settled:
            return
        sweep, publisher = self.sweep, self.publisher
        # Lines answered but not yet written back (the run's start) are not decided again.
        requests = [request for request in pending_requests(page, self.groups)
                    if request.line not in publisher.answers]
        decisions, answered, _, ignored = read_decisions(
            requests, state=sweep.state, shared=sweep.shared, known=publisher.notices)
        publisher.answers.update(answered)
        publisher.notices += [notice for notice in ignored if notice not in publisher.notices]
        yield from carry_out(decisions, sweep, publisher.answers)
        if all(decision.line in publisher.answers for decision in decisions.values()):
            self.settled = revision
