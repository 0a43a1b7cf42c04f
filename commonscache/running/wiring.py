"""Where a run works: the consumer wikis (this shard's), the shared repository, the state
under its run lock, and the control pages, connected and checked before anything is read
or written. Every problem is a :class:`~commonscache.errors.UsageError` (or why there is
nothing to do), said in one line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pywikibot
import sqlalchemy as sa
from pywikibot import config

from commonscache.control.operations import (
    ControlPages,
    EmergencyStop,
    RunPage,
    Signals,
    Trust,
    first_run_page,
)
from commonscache.control.steering import control_titles, protect_control_pages
from commonscache.errors import AlreadyRunning, NothingToDo, UsageError
from commonscache.keeping import stores
from commonscache.keeping.shards import Shard
from commonscache.keeping.state import State
from commonscache.messages import msg
from commonscache.publishing.review import as_wikitable
from commonscache.running.options import RunOptions
from commonscache.wikis import limits, sites
from commonscache.writing.provenance import ensure_template


@dataclass
class Wiring:
    """:ivar paused: why a watch starts paused (the run page says stop), or ''"""

    consumers: list[sites.Site]
    shared: sites.Site
    shard: Shard
    store: stores.Store
    state: State
    lock: stores.Lock | None = None
    control: ControlPages | None = None
    run_page: RunPage = field(default_factory=RunPage)
    paused: str = ''

    def close(self) -> None:
        """Release the run lock and the state."""
        if self.lock:
            self.lock.release()
        self.state.close()


def page_title(store: stores.Store, shard: Shard, title: str) -> str:
    """A page the bot publishes (review, status): one per shard when each shard keeps its
    own state, one for the farm when they share a database."""
    return title if store.shared_by_shards else shard.title(title)


def connect(opt: object, run: RunOptions, signals: Signals) -> Wiring:
    """The wikis, logged in and paced; the run lock taken; the control pages read; the
    provenance template (and with -setup, the review page and protections) in place."""
    sites.check_password_file()
    shard, consumers = _consumers(opt, watching=bool(run.poll))
    if not consumers:
        raise NothingToDo(f'shard {shard.index} of {shard.count} has none of the consumer '
                          'wikis (-wikis); nothing to do')
    shared = sites.connect_shared(str(opt.shared), consumers)
    # The consumers are logged in when they have work (Sweep.limit): a quiet wiki of a farm
    # costs no login.
    limits.pace(run.policy, [*consumers, shared])
    store = _store(opt, shard)
    lock = store.lock()
    try:
        if not lock.acquire():
            raise AlreadyRunning(f'another run ({lock.holder()}) holds the lock {lock.path}; '
                                 'nothing to do')
    except sa.exc.SQLAlchemyError as error:
        raise UsageError(f'cannot reach {store.describe()}: '
                         f'{str(error).splitlines()[0]}') from None
    review = page_title(store, shard, opt.reviewpage)
    control = ControlPages.read(
        shared, template=opt.template, run=opt.runpage or f'User:{shared.user()}/Run',
        rules=opt.rules, requests=opt.requests, review=review)
    run_page = first_run_page(control.run, create=not config.simulate,
                              trust=Trust(shared, shared.user() or '', run.groups),
                              signals=signals)
    paused = _paused(run_page, watching=bool(run.poll))
    _set_up_pages(opt, shared, control, review)
    return Wiring(consumers=consumers, shared=shared, shard=shard, store=store,
                  state=_open_state(store), lock=lock, control=control, run_page=run_page,
                  paused=paused)


def connect_for_reading(opt: object) -> Wiring:
    """The sites and the state, for reports (-status): no lock, no run page."""
    if not opt.shared:
        raise UsageError('no shared repository: give -shared:FAMILY:CODE')
    shard, consumers = _consumers(opt)
    store = _store(opt, shard)
    if store.path and not store.path.exists():
        raise UsageError(f'no state file at {store.path}; give -state:PATH')
    return Wiring(consumers=consumers, shared=sites.site_from_spec(str(opt.shared)),
                  shard=shard, store=store, state=_open_state(store))


def _consumers(opt: object, *, watching: bool = False) -> tuple[Shard, list[sites.Site]]:
    shard = Shard.parse(str(opt.shard or ''))
    return shard, sites.consumer_sites(str(opt.wikis), keep=shard.select, waits=watching)


def _store(opt: object, shard: Shard) -> stores.Store:
    """Where the state lives (:mod:`~commonscache.keeping.stores`): -state, else commonscache.sqlite
    in the Pywikibot directory, a shard's own beside it; or a database the shards share."""
    return stores.parse(str(opt.state or ''), cnf=str(opt.statecnf or ''),
                        base_dir=Path(config.base_dir), shard=shard)


def _open_state(store: stores.Store) -> State:
    try:
        return State(store.path or store.engine())
    except Exception as error:  # noqa: BLE001 - any reason it cannot be opened
        raise UsageError(f'cannot open {store.describe()}: {error}') from None


def _paused(run_page: RunPage, *, watching: bool) -> str:
    """The run page as read with the other control pages: why a watch starts paused ('' when
    it may run); a run that is not a watch ends on a stop."""
    try:
        run_page.check()
    except EmergencyStop as stop:
        if not watching or run_page.signals.terminate.is_set():
            raise
        return str(stop)  # a watch would only be started again: it waits instead
    return ''


def _set_up_pages(opt: object, shared: sites.Site, control: ControlPages,
                  review_title: str) -> None:
    """The provenance template; with -setup, the review page and the control pages'
    protection."""
    if not ensure_template(control.template, create=bool(opt.setup)):
        pywikibot.warning(f'Template:{opt.template} does not exist on {shared}; run once '
                          'with -setup to create it')
    if opt.setup and not config.simulate:
        review = control.review
        if review is not None and not review.exists():  # protected as an existing page
            sites.save_own_page(review, as_wikitable([], interwiki=opt.interwiki,
                                                     language=shared),
                                msg(shared, 'summary-review'))
        for line in protect_control_pages(shared, control_titles(opt, review_title)):
            pywikibot.info(line)
