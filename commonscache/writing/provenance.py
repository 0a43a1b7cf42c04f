"""The provenance template on the shared repository: ``-setup`` creates it when missing.

Every cached page calls it with where the copy came from (see
:func:`commonscache.writing.describe.provenance_call`); the bot recognises its own pages by it.
"""
from __future__ import annotations

import pywikibot

from commonscache.messages import msg
from commonscache.wikis.sites import save_own_page

TRACKING_CATEGORY = 'Cached Commons media'

TEMPLATE_TEXT = """<includeonly>{| class="commonscache-provenance" style="width:100%; \
border:1px solid #a2a9b1; background:#f8f9fa; margin-bottom:1em"
| This file is a copy of '''[{{{source}}} {{{file}}}]''' on Wikimedia Commons (or another \
source wiki), retrieved {{{retrieved}}} by a bot. Licence: '''{{{licence}}}'''. \
Author: {{{author}}}. Please make changes on the source; this copy is kept in sync with it.
|}[[Category:@CATEGORY@]]</includeonly><noinclude>
== Documentation ==
Added by the commonscache bot to every file it copies from Wikimedia Commons into this shared \
media repository. The bot recognises its own copies by this template and the sha1 it records, \
and never overwrites a page without it.

; source: URL of the description page on the source wiki
; file: the file's title on the source wiki
; sha1: the sha1 of the copied file version
; revision: the id of the copied revision of the source description
; timestamp: when the copied file version was uploaded to the source
; retrieved: when the bot copied it (UTC, ISO 8601)
; licence: the licence's short name on the source (as Commons reports it)
; licences: every licence the source description states, joined with " / "
; author: the author, as plain text
; authorsource: "first uploader" when the source states no author and its first uploader stands in

The source's structured data (Commons' captions and statements), when it has some; several \
values are joined with " / ", an item is written as its id with its label where one is known:
; sdc-entity, sdc-revision: the MediaInfo entity's id and the source revision it was read from
; sdc-caption-LANG: the caption in language LANG (one parameter per language)
; sdc-licence: copyright licence (P275)
; sdc-creator, sdc-creator-name, sdc-creator-url: creator (P170), and the names and URLs its \
qualifiers give
; sdc-source, sdc-source-url: source of file (P7482), and the URL it was described at
; sdc-inception: inception (P571), as precise as the statement
; sdc-depicts: depicts (P180)
; sdc-coordinates, sdc-viewpoint: coordinate location (P625), coordinates of the point of \
view (P1259), as latitude,longitude
; sdc-flickr-id: Flickr photo ID (P12120)

Pages using it are in [[:Category:@CATEGORY@]].
</noinclude>"""


def ensure_template(page: pywikibot.Page, *, create: bool) -> bool:
    """Whether the provenance template exists, creating it first when *create* is set."""
    if page.exists():
        return True
    if not create:
        return False
    save_own_page(page, TEMPLATE_TEXT.replace('@CATEGORY@', TRACKING_CATEGORY),
                  msg(page.site, 'summary-template'))
    pywikibot.info(f'created {page.title()} on {page.site}')
    return not pywikibot.config.simulate

