"""Conflicts and sync, end to end: every reason for a flag reproduced on the dev farm, and
after each, every upload and edit a person made on the shared repository is still current."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from commonscache.reading.target import provenance_of
from devfarm import farm, seed
from tests.conftest import PYWIKIBOT_DIR, run_cli
from tests.e2e.support import (
    DIAGRAM,
    POSTCARD,
    SHARED,
    SUNSET,
    WEBP,
    api,
    bot,
    captions,
    copies_listed,
    draw,
    log_mark,
    real_statements,
    review,
    stop,
    summary_of,
    wait_for_polls,
    wait_until,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

PAINTING = 'File:Mona Lisa test.png'
SPINNER = 'File:Animated spinner.gif'
DOCUMENT = 'File:Sample document.pdf'
PANORAMA = 'File:Harbour panorama.jpg'
MAP = 'File:Town map.png'
LIGHTHOUSE = 'File:Lighthouse at dusk.jpg'
#: The flag the first sweep always raises: the shared repository does not take webp.
REFUSED = ('upload-refused', WEBP)
REQUESTS = 'Project:Cached Commons media/Requests'
#: Everything a sweep of the whole consumer touches: all consumer pages, and -refresh.
EVERYTHING = (SHARED, '-always', '-refresh', '-start:!')


@pytest.fixture
def people(farm_wikis, tmp_path: Path) -> dict[str, WikiClient]:
    return {
        'commons admin': WikiClient(farm_wikis['commons'], farm.ADMIN, farm.ADMIN_PASSWORD),
        'shared admin': WikiClient(farm_wikis['shared'], farm.ADMIN, farm.ADMIN_PASSWORD),
        'shared user': WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD),
    }






def test_every_conflict_is_flagged_and_what_people_did_stays(farm_wikis, people, tmp_path):
    commons, shared_user = people['commons admin'], people['shared user']
    # Before the first sweep, a person takes a name and stores a copy under another name.
    (tmp_path / 'other.svg').write_text(seed.SVG_TEXT.replace('#36c', '#f90'))
    shared_user.upload(DIAGRAM, tmp_path / 'other.svg')
    lighthouse_bytes = requests.get(
        api(farm_wikis['commons'], action='query', titles=LIGHTHOUSE, prop='imageinfo',
            iiprop='url')['query']['pages'][0]['imageinfo'][0]['url'], timeout=60).content
    (tmp_path / 'copy.jpg').write_bytes(lighthouse_bytes)
    shared_user.upload('File:Lighthouse copy.jpg', tmp_path / 'copy.jpg')

    first = run_cli(SHARED, '-always', '-setup')
    assert first.returncode == 0, first.stderr

    # Then the world moves on, on both sides.
    commons.upload(SUNSET, draw(tmp_path, 'sunset2.jpg'))
    commons.edit(PAINTING, appendtext='\nRestored in 2026.')
    shared_user.edit(PAINTING, appendtext='\nShown in our museum.')
    shared_user.edit(SPINNER, appendtext='\nUsed on our help pages.')
    commons.delete(DOCUMENT, 'Copyright violation: test')
    commons.edit(PANORAMA, prependtext='{{Delete|reason=Out of scope}}\n')
    people['shared admin'].delete(MAP, 'Not wanted here')
    commons.edit(POSTCARD, text=commons.text(POSTCARD).replace('{{cc-by-4.0}}',
                                                               '{{cc-by-sa-4.0}}'))
    kept = {title: shared_user.page(title) for title in (DIAGRAM, PAINTING, SPINNER)}
    copies_listed(farm_wikis['shared'])
    time.sleep(1.2)  # the consumer's foreign-file metadata cache

    result = run_cli(*EVERYTHING)
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['updated'] == 1

    flags = review()
    assert flags == sorted([
        ('duplicate', LIGHTHOUSE), ('licence-changed', POSTCARD), ('local-changed', PAINTING),
        ('name-taken', DIAGRAM), ('source-deleted', DOCUMENT), ('source-disputed', PANORAMA),
        ('upload-refused', WEBP), ('was-deleted', MAP),
    ])
    as_json = json.loads(run_cli('-review', '-json').stdout)
    assert sorted((f['reason'], f['title']) for f in as_json) == flags
    assert all(set(f) == {'reason', 'title', 'details', 'since'} for f in as_json)
    deleted = next(f for f in as_json if f['reason'] == 'source-deleted')
    assert 'Copyright violation: test' in deleted['details']

    # What people did on the shared repository is still the current version.
    for title, before in kept.items():
        now = shared_user.page(title)
        assert now['revisions'][0]['revid'] == before['revisions'][0]['revid'], title
        assert now['imageinfo'][0]['sha1'] == before['imageinfo'][0]['sha1'], title
    assert shared_user.page(DIAGRAM)['imageinfo'][0]['user'] == farm.USER
    assert shared_user.page(MAP).get('missing'), 'a deleted copy must not come back'
    assert shared_user.page(DOCUMENT)['imageinfo'], 'the copy stays when the source goes'
    # The bot's untouched copy followed the source's new version.
    sunset_now = shared_user.page(SUNSET)
    new_sha1 = commons.page(SUNSET)['imageinfo'][0]['sha1']
    assert sunset_now['imageinfo'][0]['sha1'] == new_sha1
    assert provenance_of(shared_user.text(SUNSET), 'Cached Commons Media')['sha1'] == new_sha1

    # The review page is a table on the wiki, one row per flag.
    html = requests.get(f"{farm_wikis['shared'].server}/wiki/Project:Cached_Commons_media/Review",
                        timeout=60).text
    assert 'wikitable sortable' in html
    assert html.count('<tr') == len(flags) + 1

    # A reviewer leaves names as they stand on the shared repository (issue 36): someone
    # else's file, a copy the farm deleted, a file type it refuses. The flags close, and
    # stay closed through a run that judges every file again.
    people['shared admin'].edit(REQUESTS, text=(
        f'* [[:{DIAGRAM}]] keep-copy\n* [[:{MAP}]] keep-copy - we deleted it on purpose\n'
        f'* [[:{WEBP}]] keep-copy\n* [[:{LIGHTHOUSE}]] keep-copy - both names are fine\n'))
    decided = run_cli(SHARED, '-always')
    assert decided.returncode == 0, decided.stderr
    left = [flag for flag in flags if flag[1] not in (DIAGRAM, MAP, WEBP, LIGHTHOUSE)]
    assert review() == left
    assert all(' — commonscache: done ' in line
               for line in people['shared admin'].text(REQUESTS).splitlines())
    again = run_cli(*EVERYTHING)
    assert again.returncode == 0, again.stderr
    assert review() == left
    assert shared_user.page(MAP).get('missing'), 'a deleted copy must not come back'
    assert shared_user.page(DIAGRAM)['imageinfo'][0]['user'] == farm.USER


def test_flags_clear_when_their_cause_goes_and_reviewers_decide_on_the_wiki(
        farm_wikis, people, tmp_path):
    commons, shared_admin = people['commons admin'], people['shared admin']
    # A decision by someone outside -groups counts for nothing, in every run (issue 36).
    people['shared user'].edit(REQUESTS, text=f'* [[:{PAINTING}]] take-source\n')
    assert run_cli(SHARED, '-always', '-setup').returncode == 0
    copies_listed(farm_wikis['shared'])

    commons.edit(PANORAMA, prependtext='{{Delete|reason=Out of scope}}\n')
    assert run_cli(SHARED, '-always', '-refresh').returncode == 0
    assert review() == [('source-disputed', PANORAMA), REFUSED]
    commons.edit(PANORAMA, text=commons.text(PANORAMA).replace(
        '{{Delete|reason=Out of scope}}\n', ''))
    assert run_cli(SHARED, '-always', '-refresh').returncode == 0
    assert review() == [REFUSED]

    # sync=no: the admin's copy stays as it is whatever the source does.
    shared_admin.edit(SUNSET, text=shared_admin.text(SUNSET).replace(
        '{{Cached Commons Media\n', '{{Cached Commons Media\n|sync=no\n'))
    commons.upload(SUNSET, draw(tmp_path, 'sunset3.jpg'))
    before = shared_admin.page(SUNSET)
    assert run_cli(SHARED, '-always', '-refresh').returncode == 0
    assert shared_admin.page(SUNSET)['imageinfo'] == before['imageinfo']
    assert review() == [REFUSED]

    # Both sides changed: flagged, until an admin tells the bot to take the source anyway.
    commons.edit(PAINTING, appendtext='\nRestored in 2026.')
    shared_admin.edit(PAINTING, appendtext='\nOur note.')
    assert run_cli(SHARED, '-always', '-refresh').returncode == 0
    assert review() == [('local-changed', PAINTING), REFUSED]
    forced = run_cli(SHARED, '-always', '-refresh', f'-force:{PAINTING}')
    assert forced.returncode == 0, forced.stderr
    assert review() == [REFUSED]
    text = shared_admin.text(PAINTING)
    assert 'Restored in 2026.' in text and 'Our note.' not in text

    # Reviewers settle flags on the wiki (issue 36): one line each on the request page.
    commons.edit(PAINTING, appendtext='\nCleaned in 2027.')
    shared_admin.edit(PAINTING, appendtext='\nOur second note.')
    commons.edit(POSTCARD, text=commons.text(POSTCARD).replace('{{cc-by-4.0}}',
                                                               '{{cc-by-sa-4.0}}'))
    commons.delete(DOCUMENT, 'Copyright violation: test')
    commons.edit(PANORAMA, prependtext='{{Delete|reason=Out of scope}}\n')
    # The diagram's description says CC BY 4.0; M51090819's licence statement, CC BY-SA 2.0.
    farm.set_entity(farm_wikis['commons'], DIAGRAM, {
        'labels': captions(en='Three boxes'),
        'statements': real_statements('flickypedia-M51090819-v2.json', without=('P170',))})
    raised = run_cli(SHARED, '-always', '-refresh')
    assert raised.returncode == 0, raised.stderr
    assert 'Plain User is not in the groups that decide' in raised.stderr
    assert '1 copy whose source was deleted for copyright stands' in raised.stderr
    assert review() == [('licence-changed', POSTCARD), ('local-changed', PAINTING),
                        ('sdc-conflict', DIAGRAM), ('source-deleted', DOCUMENT),
                        ('source-disputed', PANORAMA), REFUSED]
    shared_admin.edit(REQUESTS, appendtext=(
        f'\n* [[:{PAINTING}]] keep-copy\n* [[:{POSTCARD}]] - take-source, CC BY-SA is fine\n'
        f'* {DOCUMENT}: delete-copy (a copyright violation on Commons)\n'
        f'* [[:{PANORAMA}]] detach\n* [[:{DIAGRAM}]] keep-copy - the description is right\n'
        f'* [[:{SPINNER}]] keep-copy\n* [[Harbour]] - keep-copy of the exhibition\n'))
    decided = run_cli(SHARED, '-always')  # a plain run carries them out
    assert decided.returncode == 0, decided.stderr
    assert review() == [REFUSED]
    lines = shared_admin.text(REQUESTS).splitlines()
    assert ' — commonscache:' not in lines[0]  # the plain user's line stays as it was
    assert all(' — commonscache: done ' in line for line in lines[1:6]), lines
    assert ' — commonscache: not carried out ' in lines[6] and 'no open flag' in lines[6]
    assert ' — commonscache: done ' in lines[7] and 'examined' in lines[7]  # not a file: a sweep
    assert provenance_of(shared_admin.text(PANORAMA), 'Cached Commons Media')['sync'] == 'no'
    painting = shared_admin.text(PAINTING)
    assert 'Our second note.' in painting and 'Cleaned in 2027.' not in painting
    assert 'cc-by-sa-4.0' in shared_admin.text(POSTCARD).lower()
    assert shared_admin.text(DOCUMENT).startswith('{{Delete|')  # the bot may not delete
    # A kept copy stays kept through a -refresh; a later source change opens a new flag.
    # With -ondeleted:tag, a copy whose source goes for copyright is tagged at once.
    commons.delete(MAP, '[[COM:CSD#F1|F1]]: Copyright violation')
    assert run_cli(SHARED, '-always', '-refresh', '-ondeleted:tag').returncode == 0
    assert review() == [REFUSED]
    assert shared_admin.text(MAP).startswith('{{Delete|commonscache: the source was deleted '
                                             'for copyright')
    assert shared_admin.page(DOCUMENT)['imageinfo'], 'tagged, for an admin to delete'
    # Where the bot may delete, -ondeleted:delete deletes such a copy; it does not come back.
    commons.delete(SPINNER, 'Copyright violation: test')
    commons.edit(PAINTING, appendtext='\nCleaned again.')
    with farm.configured('shared', granted_rights={'bot': ['delete']}):
        deleting = run_cli(SHARED, '-always', '-refresh', '-ondeleted:delete')
    assert deleting.returncode == 0, deleting.stderr
    assert shared_admin.page(SPINNER).get('missing'), deleting.stderr
    assert review() == [('local-changed', PAINTING), REFUSED]
    # A watch carries out a decision saved while it runs, at its next poll.
    mark = log_mark(farm_wikis['consumer'])
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-watch:2')
    try:
        wait_for_polls(farm_wikis['consumer'], 1, since=mark)  # past its start
        # The very line the plain user wrote first: the admin's occurrence is the admin's.
        shared_admin.edit(REQUESTS, appendtext=f'\n* [[:{PAINTING}]] take-source')
        wait_until(lambda: ' — commonscache: done ' in shared_admin.text(
            REQUESTS).splitlines()[-1], 60)
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    assert 'Cleaned again.' in shared_admin.text(PAINTING)
    assert review() == [REFUSED]
    # Who closed what, the latest first.
    closed = json.loads(run_cli('-review', '-json', '-closed').stdout)
    how = {}
    for flag in reversed(closed):  # the latest closing of each stands
        how[flag['title'], flag['reason']] = flag['how']
    assert how == {
        (PAINTING, 'local-changed'): f'take-source by {farm.ADMIN}',
        (POSTCARD, 'licence-changed'): f'take-source by {farm.ADMIN}',
        (DOCUMENT, 'source-deleted'): f'delete-copy by {farm.ADMIN}',
        (PANORAMA, 'source-disputed'): f'detach by {farm.ADMIN}',
        (DIAGRAM, 'sdc-conflict'): f'keep-copy by {farm.ADMIN}'}
    assert [flag['how'] for flag in closed if flag['title'] == PAINTING] == [
        f'take-source by {farm.ADMIN}', f'keep-copy by {farm.ADMIN}',
        '-force by the operator']


def test_a_refresh_after_commons_reformatted_licence_names_flags_nothing(farm_wikis):
    """Copies made when Commons wrote "CC-BY-SA-4.0" compare equal to "CC BY-SA 4.0" now."""
    assert run_cli(SHARED, '-always', '-setup').returncode == 0
    copies_listed(farm_wikis['shared'])
    # What an older commonscache wrote: the old spelling, one name, no set of licences.
    bot = WikiClient(farm_wikis['shared'], farm.BOT, farm.BOT_PASSWORD + '-main')
    text = bot.text(SUNSET)
    old = text.replace('|licence=CC BY-SA 4.0', '|licence=CC-BY-SA-4.0')
    old = '\n'.join(line for line in old.splitlines() if not line.startswith('|licences='))
    assert old != text
    bot.edit(SUNSET, text=old)
    result = run_cli(SHARED, '-always', '-refresh')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['flagged'] == 0, result.stderr
