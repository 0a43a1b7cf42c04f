"""Transfer rules end to end: a rule page on the shared repository steers the next sweep."""
from __future__ import annotations

import pytest

from devfarm import farm, seed
from tests.conftest import run_cli
from tests.e2e.support import SHARED, copies_listed, summary_of
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

RULE_PAGE = 'Project:Cached Commons media/Rules'
REQUESTS = 'Project:Cached Commons media/Requests'
RULES = """Transfer rules for copies from the Commons stand-in.
== Categories ==
=== Map ===
; Harbours
: Ports
== Templates ==
=== Bad ===
* PD-old-100
=== Remove ===
* Check_categories
=== Transfer ===
; location
: Camera location|latitude=1|longitude=2
== Information ==
=== Description ===
* Summary
"""


@pytest.fixture
def admin(farm_wikis) -> WikiClient:
    return WikiClient(farm_wikis['shared'], farm.ADMIN, farm.ADMIN_PASSWORD)


def test_a_rule_page_renames_removes_maps_and_blocks(farm_wikis, admin):
    admin.edit(RULE_PAGE, text=RULES)
    admin.edit('Category:Ports', text='Ports and harbours.')
    result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr

    sunset = admin.text('File:Sunset over the harbour.jpg')
    assert '{{Camera location|latitude=54.3233|longitude=10.1228}}' in sunset
    assert '{{Location' not in sunset
    assert '[[Category:Ports|Example Town]]' in sunset  # mapped, and Ports exists here
    assert '[[Category:Sunsets]]' not in sunset  # no such category on the shared repository
    assert sunset.rstrip().endswith('[[Category:Cached Commons media]]')
    assert '== Summary ==' not in sunset and '=={{int:filedesc}}==' in sunset
    spinner = admin.text('File:Animated spinner.gif')
    assert 'Check categories' not in spinner and '{{self|cc-by-4.0}}' in spinner

    # {{PD-old-100}} is a Bad template: the painting is not copied and waits for review.
    assert admin.page('File:Mona Lisa test.png').get('missing')
    review = run_cli('-review')
    assert ('rules-blocked\tFile:Mona Lisa test.png\tTemplates/Bad: {{PD-old-100}} in '
            'Devfarm shared:Cached Commons media/Rules') in review.stdout.splitlines()
    # A reviewer agrees that it stays out (issue 36): the flag closes, nothing is copied.
    admin.edit('Project:Cached Commons media/Requests',
               text='* [[:File:Mona Lisa test.png]] keep-copy - PD-old-100 is not for us\n')
    result = run_cli(SHARED, '-always', '-page:Harbour')
    assert result.returncode == 0, result.stderr
    assert 'rules-blocked' not in run_cli('-review').stdout
    assert admin.page('File:Mona Lisa test.png').get('missing')


def test_a_malformed_rule_is_skipped_with_a_warning_naming_the_line(farm_wikis, admin):
    """As FileImporter does: the rest of the page applies, and the run goes on."""
    admin.edit(RULE_PAGE, text='== Templates ==\n=== Transfer ===\n; Location\n* oops\n'
                               '=== Bad ===\n*\n* PD-old-100\n')
    result = run_cli(SHARED, '-always')
    assert result.returncode == 0, result.stderr
    assert 'line 3: "; Location" has no target' in result.stderr
    assert 'line 6: an empty item; skipped' in result.stderr
    assert 'rules-blocked' in result.stderr  # the Bad template still applies
    assert 'Traceback' not in result.stderr


def test_rules_from_a_local_file(farm_wikis, admin, tmp_path):
    rules = tmp_path / 'rules.txt'
    rules.write_text('== Templates ==\n=== Remove ===\n* Location\n')
    result = run_cli(SHARED, '-always', f'-rulesfile:{rules}', '-page:Harbour',
                     '-categories:none', '-tracking:')
    assert result.returncode == 0, result.stderr
    sunset = admin.text('File:Sunset over the harbour.jpg')
    assert 'Location' not in sunset and '[[Category:' not in sunset


def test_the_missing_templates_report_lists_what_the_shared_repository_lacks(farm_wikis):
    assert run_cli(SHARED, '-always', '-setup').returncode == 0
    # The report reads the copies' link tables: each copy's, recorded in a job when MediaWiki
    # left it to one under load (CI showed 7 of 8), is there first, as a farm's job runner
    # would see to.
    copies_listed(farm_wikis['shared'])
    result = run_cli(SHARED, '-missing-templates')
    assert result.returncode == 0, result.stderr
    rows = [line.split('\t') for line in result.stdout.splitlines()]
    counts = {title: int(count) for count, title in rows}
    with_information = [f for f in seed.COMMONS_FILES if '{{Information' in f.description
                        and not f.name.endswith('.webp')]  # the shared wiki refuses webp
    assert counts['Template:Information'] == len(with_information) == 8
    assert counts['Template:Location'] == 1
    assert counts['Template:En'] >= counts['Template:Location']  # nested in Information
    assert 'Template:Cached Commons Media' not in counts  # -setup made it
    assert [int(count) for count, _ in rows] == sorted((int(c) for c, _ in rows), reverse=True)


def test_rule_page_revisions_by_others_than_admins_are_ignored_until_an_admin_saves_it(
        farm_wikis, admin):
    """A plain user adds the licence and {{Information}} to the Remove list: the copies keep
    them, one warning names the user and the revision, and the review page says so until an
    admin saves the page."""
    admin.edit(RULE_PAGE, text=RULES)
    user = WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD)
    user.edit(RULE_PAGE, text=RULES.replace('* Check_categories', '* Check_categories\n'
                                            '* Self\n* Cc-by-2.0\n* PD-old-100\n* Information'))
    ignored = user.page(RULE_PAGE)['revisions'][0]['revid']
    result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr
    notice = f'Cached Commons media/Rules: revision {ignored} by {farm.USER} ignored (not in sysop)'
    assert sum(notice in line for line in result.stderr.splitlines()) == 1, result.stderr

    spinner = admin.text('File:Animated spinner.gif')
    assert '{{self|cc-by-4.0}}' in spinner and '{{Information' in spinner
    assert 'Check categories' not in spinner  # the admin's revision is used
    review_page = admin.text('Project:Cached Commons media/Review')
    assert f'revision {ignored} by {farm.USER} ignored' in review_page

    # An admin saves the page (here: taking the user's change back): the notice goes.
    admin.edit(RULE_PAGE, text=RULES + '\n<!-- checked -->')
    result = run_cli(SHARED, '-always')
    assert result.returncode == 0, result.stderr
    assert 'ignored (not in sysop)' not in result.stderr
    assert 'ignored' not in admin.text('Project:Cached Commons media/Review')


def test_an_admins_draft_moved_onto_the_rule_page_is_not_the_admins_word(farm_wikis, admin):
    """A plain user moves an admin's drafts onto the rule and request titles (not protected:
    no -setup): the drafts' revisions were written for other pages, so neither page has a
    revision or line by an admin, and neither is used (issue 34)."""
    admin.edit('Project:Draft rules', text=RULES.replace('* PD-old-100', '* Information'))
    admin.edit('Project:Draft requests', text='* [[Museum]]\n')
    user = WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD)
    for draft, title in (('Project:Draft rules', RULE_PAGE), ('Project:Draft requests', REQUESTS)):
        user.post('move', **{'from': draft, 'to': title, 'reason': 'ready, I think'})
    result = run_cli(SHARED, '-always', '-page:Harbour')
    assert result.returncode == 0, result.stderr
    assert f'by {farm.USER} ignored (not in sysop); the page is not used at all' in \
        result.stderr
    counts = summary_of(result.stderr)
    assert counts['flagged'] == 0 and counts['cached'] > 0, result.stderr  # no Bad rule
    # The request line is the mover's too: not swept, not answered.
    assert admin.text(REQUESTS) == '* [[Museum]]', result.stderr
