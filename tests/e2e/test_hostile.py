"""Hostile and odd input from anyone who can edit, end to end (issue 34): no edit on Commons,
on a consumer or on the shared repository's control pages can hang the bot, end its runs,
or steer it.

Each test makes one such input, then a ``-refresh`` run that also carries an ordinary source
change (a new sentence in a cached file's description on the Commons stand-in): the run
exits 0 within its time, the hostile input becomes a flag, a warning or an answer on the
wiki, and the ordinary change still reaches its copy. These run on both MediaWiki releases
the farm offers.
"""
from __future__ import annotations

import time

import pytest

from devfarm import farm
from devfarm.seed import SeedFile
from tests.conftest import run_cli
from tests.e2e.support import SHARED, api, shared_uploads, summary_of
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

#: The cached file whose description changes on the source in every test.
ORDINARY = 'File:Sunset over the harbour.jpg'
REQUESTS = 'Project:Cached Commons media/Requests'
RUN_PAGE = f'User:{farm.BOT}/Run'
#: A run that meets hostile input still ends within this (seconds; the runs take a few).
WITHIN = 180


def admin(wiki: farm.Wiki) -> WikiClient:
    return WikiClient(wiki, farm.ADMIN, farm.ADMIN_PASSWORD)


def first_sweep() -> None:
    """The Harbour page's files cached, the ordinary one among them."""
    result = run_cli(SHARED, '-always', '-page:Harbour')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == 2, result.stderr[-3000:]


def ordinary_change(commons: farm.Wiki) -> str:
    """A new sentence in the ordinary file's source description; the sentence."""
    sentence = f'Seen again on {time.time():.0f}.'
    admin(commons).edit(ORDINARY, appendtext=f'\n{sentence}')
    return sentence


def refresh(*args: str) -> str:
    """A -refresh run with *args*: it must exit 0 within its time; its output."""
    result = run_cli(SHARED, '-always', '-refresh', *args, timeout=WITHIN)
    assert result.returncode == 0, result.stderr[-6000:]
    return result.stderr


def reached(shared: farm.Wiki, sentence: str) -> bool:
    return sentence in admin(shared).text(ORDINARY)


def test_a_description_the_parser_would_choke_on_is_flagged_and_the_run_goes_on(farm_wikis):
    """40 KB of templates left open (MediaWiki saves and renders it in a second;
    mwparserfromhell would take minutes, several times a run) on a Commons description
    embedded on a consumer: flagged description-unreadable at once, never copied. (2 MB of
    such markup takes MediaWiki itself many minutes to save; tests/unit/test_wikitext.py reads
    2 MB of each kind through the bot's read path.)"""
    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    first_sweep()
    hostile = '{{Information|description=Braces|author=Mallory}}\n' + '{{a|' * 10_000
    farm.import_files(commons, [SeedFile('Hostile braces.png', 'png', 'Alice Example', hostile,
                                         64, 48, 301)], overwrite=False)
    admin(consumer).edit('Hostile braces page', text='[[File:Hostile braces.png|thumb]]')
    sentence = ordinary_change(commons)
    began = time.monotonic()
    out = refresh('-page:Hostile braces page')
    print(f'the run took {time.monotonic() - began:.1f} s')
    assert 'flagged File:Hostile braces.png for review: description-unreadable' in out, out
    assert 'File:Hostile braces.png' not in shared_uploads(shared)
    assert reached(shared, sentence)
    # A reviewer leaves it uncopied (issue 36): the flag closes, nothing is copied.
    admin(shared).edit(REQUESTS, text='* [[:File:Hostile braces.png]] keep-copy\n')
    refresh('-page:Hostile braces page')
    assert run_cli(SHARED, '-review').stdout == ''
    assert 'File:Hostile braces.png' not in shared_uploads(shared)


def test_the_longest_title_mediawiki_allows_does_not_end_the_run(farm_wikis):
    """A consumer page embeds a file named with 255 bytes after File:, which exists nowhere."""
    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    first_sweep()
    longest = 'File:' + 'Ж' * 124 + '.png' + 'x'
    assert len(longest.split(':', 1)[1].encode()) == 253
    longest_ascii = 'File:' + 'x' * 251 + '.png'
    admin(consumer).edit('Longest titles', text=f'[[{longest}]] [[{longest_ascii}]]')
    sentence = ordinary_change(commons)
    out = refresh('-page:Longest titles')
    assert f'skipped {longest_ascii.replace("File:x", "File:X")}: missing-everywhere' in out, out
    assert reached(shared, sentence)


def test_a_bots_template_copied_from_the_source_does_not_lock_the_bot_out(farm_wikis):
    """{{bots|deny=all}} on the Commons description (for Commons' bots) reaches the copy;
    the next source change still reaches it too, and every run exits 0."""
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    first_sweep()
    admin(commons).edit(ORDINARY, appendtext='\n{{bots|deny=all}}')
    refresh()
    assert '{{bots|deny=all}}' in admin(shared).text(ORDINARY)
    sentence = ordinary_change(commons)
    purges = purges_on(farm_wikis['consumer'])
    out = refresh()
    assert summary_of(out)['updated'] == 1, out[-3000:]
    assert reached(shared, sentence)
    # A new description alone purges no consumer page: they show the file, not its text.
    assert purges_on(farm_wikis['consumer']) == purges


def purges_on(consumer: farm.Wiki) -> int:
    """The bot's purges the consumer has answered (its API log)."""
    from tests.e2e.support import api_log

    return sum(1 for line in api_log(consumer)
               if line['action'] == 'purge' and 'commonscache' in line['agent'])


def test_request_lines_that_name_nothing_are_answered_and_the_run_goes_on(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    first_sweep()
    admin(shared).edit(REQUESTS, text='Requests:\n* [[No such page here]] - for the exhibition\n'
                       '* {{broken\n* [[:Category:Places]] - the places\n')
    sentence = ordinary_change(commons)
    out = refresh()
    lines = admin(shared).text(REQUESTS).splitlines()
    assert lines[1].startswith('* [[No such page here]] - for the exhibition — commonscache: '
                               'not understood '), lines
    assert "no page or category 'No such page here'" in lines[1]
    assert lines[2].startswith('* {{broken — commonscache: not understood '), lines
    assert lines[3].startswith('* [[:Category:Places]] - the places — commonscache: done '), lines
    assert 'not understood' in out
    assert reached(shared, sentence)


def test_anyone_may_stop_the_bot_but_only_a_trusted_user_starts_it_again(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    first_sweep()
    admin(shared).edit(RUN_PAGE, text='false')
    WikiClient(shared, farm.USER, farm.USER_PASSWORD).edit(RUN_PAGE, text='true')
    sentence = ordinary_change(commons)
    edits = api(shared, action='query', list='recentchanges', rclimit='max',
                rcprop='ids')['query']['recentchanges']
    stopped = refresh()
    assert f'saved by {farm.USER}, who is not in -groups (sysop) nor the bot: ignored' in \
        stopped, stopped[-3000:]
    assert "stopped: the run page User:CacheBot/Run says 'false'" in stopped, stopped[-3000:]
    assert not reached(shared, sentence)
    assert api(shared, action='query', list='recentchanges', rclimit='max',
               rcprop='ids')['query']['recentchanges'] == edits  # it wrote nothing

    # A trusted user lets it run: saving "true" again would change nothing (no revision),
    # so, as the warning says, they save it in other letters.
    assert 'a member lets the bot run by saving "true" themselves' in stopped
    admin(shared).edit(RUN_PAGE, text='True')
    refresh()
    assert reached(shared, sentence)


def test_a_write_refused_on_one_page_is_flagged_and_the_run_goes_on(farm_wikis):
    """The shared repository's spam filter refuses one description (as SpamBlacklist or
    AbuseFilter would): that file is flagged with the wiki's message, the others go on."""
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    first_sweep()
    admin(commons).edit('File:Example diagram.svg', appendtext='\nSee casinospamword.')
    sentence = ordinary_change(commons)
    with farm.configured('shared', spam_regex=['/casinospamword/']):
        out = refresh()
    assert 'flagged File:Example diagram.svg for review: write-refused' in out, out[-3000:]
    assert reached(shared, sentence)
    review = run_cli(SHARED, '-review')
    assert 'write-refused\tFile:Example diagram.svg' in review.stdout, review.stdout
    # A reviewer keeps the copy as it is (issue 36): the flag closes, the filter stays.
    admin(shared).edit(REQUESTS, text='* [[:File:Example diagram.svg]] keep-copy\n')
    with farm.configured('shared', spam_regex=['/casinospamword/']):
        out = refresh()
    assert 'keep-copy by Admin: File:Example diagram.svg' in out, out[-3000:]
    assert run_cli(SHARED, '-review').stdout == ''


def test_nothing_in_a_provenance_value_is_interpreted(farm_wikis):
    """An author that reads "~~~~ __NOTOC__ ''x''" on Commons (written there as entities):
    the copy's provenance template keeps it as written, not as the bot's signature, a
    behaviour switch or italics, and the bot reads it back the same."""
    from commonscache.reading.target import provenance_of

    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    first_sweep()
    author = "Mallory ~~~~ __NOTOC__ ''x'' -{zh:y}-"
    written = (author.replace('~', '&#126;').replace('_', '&#95;').replace("'", '&#39;')
               .replace('{', '&#123;').replace('}', '&#125;'))
    farm.import_files(commons, [SeedFile(
        'Signed sample.png', 'png', 'Alice Example',
        f'{{{{Information|description=A sample|author={written}|source={{{{own}}}}}}}}\n'
        '{{Cc-by-4.0}}', 64, 48, 302)], overwrite=False)
    admin(consumer).edit('Signed page', text='[[File:Signed sample.png]]')
    sentence = ordinary_change(commons)
    refresh('-page:Signed page')
    copy = admin(shared).text('File:Signed sample.png')
    assert provenance_of(copy, 'Cached Commons Media')['author'] == author, copy
    assert f'[[User:{farm.BOT}' not in copy and '~~~~' not in copy and '__NOTOC__' not in copy
    assert reached(shared, sentence)
