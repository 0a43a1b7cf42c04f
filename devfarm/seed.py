"""What the dev farm's wikis hold after `up`: pages, files and who uploaded them.

The Commons stand-in gets simplified copies of the templates that real Commons description
pages use ({{Information}}, {{Artwork}}, {{Location}}, language and licence templates). They
emit the same machine-readable classes as on Commons (``fileinfotpl_aut``,
``licensetpl_short`` ...), see https://commons.wikimedia.org/wiki/Commons:Machine-readable_data
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedFile:
    """A file uploaded to the Commons stand-in.

    :ivar name: file name, without namespace
    :ivar kind: how make_media.php draws it (jpg, png, gif, webp), or 'text' for svg/pdf
    :ivar uploader: user name recorded for the upload
    :ivar description: the description page's wikitext
    """

    name: str
    kind: str
    uploader: str
    description: str
    width: int = 320
    height: int = 240
    seed: int = 1


LANGUAGE_TEMPLATE = (
    '<div class="description mw-content-ltr {code}" dir="ltr" lang="{code}">'
    '<span class="language {code}" title=""><b>{name}:</b></span> {{{{{{1|}}}}}}</div>'
    '<noinclude>[[Category:Language templates]]</noinclude>'
)


def _licence(short: str, long: str, link: str, category: str) -> str:
    return (
        '{| class="licensetpl layouttemplate" style="border:1px solid #aaa; width:100%"\n'
        f'| This file is licensed under the {long} licence ({link}).'
        f'{{{{#if:{{{{{{attribution|}}}}}}|<br />Attribution: {{{{{{attribution}}}}}}}}}}\n'
        '|}'
        f'<span class="licensetpl" style="display:none">'
        f'<span class="licensetpl_link">{link}</span>'
        f'<span class="licensetpl_short">{short}</span>'
        f'<span class="licensetpl_long">{long}</span>'
        f'<span class="licensetpl_attr_req">true</span></span>'
        f'<includeonly>[[Category:{category}]]</includeonly>'
    )


COMMONS_TEMPLATES: dict[str, str] = {
    'Template:Information': (
        '{| class="fileinfotpl-type-information toccolours vevent mw-content-ltr" '
        'style="width:100%" cellpadding="4"\n'
        '|-\n! id="fileinfotpl_desc" | Description\n'
        '| class="description" | {{{description|{{{Description|}}}}}}\n'
        '|-\n! id="fileinfotpl_date" | Date\n| {{{date|{{{Date|}}}}}}\n'
        '|-\n! id="fileinfotpl_src" | Source\n| {{{source|{{{Source|}}}}}}\n'
        '|-\n! id="fileinfotpl_aut" | Author\n| {{{author|{{{Author|}}}}}}\n'
        '{{#if:{{{permission|{{{Permission|}}}}}}|\n{{!}}-\n'
        '! id="fileinfotpl_perm" {{!}} Permission\n'
        '{{!}} {{{permission|{{{Permission|}}}}}}\n}}'
        '|}<noinclude>[[Category:Infobox templates]]</noinclude>'
    ),
    'Template:Artwork': (
        '{| class="fileinfotpl-type-artwork toccolours vevent" style="width:100%" cellpadding="4"\n'
        '|-\n! id="fileinfotpl_aut" | Artist\n| {{{artist|{{{Artist|}}}}}}\n'
        '|-\n! id="fileinfotpl_art_title" | Title\n| {{{title|{{{Title|}}}}}}\n'
        '|-\n! id="fileinfotpl_date" | Date\n| {{{date|{{{Date|}}}}}}\n'
        '|-\n! id="fileinfotpl_art_medium" | Medium\n| {{{medium|}}}\n'
        '|-\n! id="fileinfotpl_art_dimensions" | Dimensions\n| {{{dimensions|}}}\n'
        '|-\n! id="fileinfotpl_art_gallery" | Institution\n| {{{institution|}}}\n'
        '|-\n! id="fileinfotpl_src" | Source\n| {{{source|{{{Source|}}}}}}\n'
        '|-\n! id="fileinfotpl_perm" | Permission\n| {{{permission|{{{Permission|}}}}}}\n'
        '|}<noinclude>[[Category:Infobox templates]]</noinclude>'
    ),
    'Template:Location': (
        '<div class="location layouttemplate">Camera location '
        '<span class="geo">{{{1}}}; {{{2}}}</span></div>'
    ),
    'Template:Own': 'Own work<noinclude>[[Category:Source templates]]</noinclude>',
    'Template:Self': (
        "''I, the copyright holder of this work, hereby publish it under the following licence:''"
        '\n{{ {{{1}}} }}'
    ),
    'Template:En': LANGUAGE_TEMPLATE.format(code='en', name='English'),
    'Template:De': LANGUAGE_TEMPLATE.format(code='de', name='Deutsch'),
    'Template:Fr': LANGUAGE_TEMPLATE.format(code='fr', name='Français'),
    'Template:Cc-by-sa-4.0': _licence(
        'CC BY-SA 4.0', 'Creative Commons Attribution-Share Alike 4.0',
        'https://creativecommons.org/licenses/by-sa/4.0', 'CC-BY-SA-4.0'),
    'Template:Cc-by-4.0': _licence(
        'CC BY 4.0', 'Creative Commons Attribution 4.0',
        'https://creativecommons.org/licenses/by/4.0', 'CC-BY-4.0'),
    'Template:PD-old-100': (
        '{| class="layouttemplate licensetpl" style="border:1px solid #aaa"\n'
        '| This work is in the public domain in its country of origin and other countries '
        "where the copyright term is the author's life plus 100 years or fewer.\n|}"
        '<span class="licensetpl" style="display:none">'
        '<span class="licensetpl_short">Public domain</span>'
        '<span class="licensetpl_long">Public domain</span>'
        '<span class="licensetpl_attr_req">false</span></span>'
        '<includeonly>[[Category:PD-old-100]]</includeonly>'
    ),
    'Template:Check categories': (
        '<div class="maintenance">This file needs its categories checked '
        '({{{month|}}} {{{year|}}}).</div><includeonly>[[Category:Files to check]]</includeonly>'
    ),
    'Template:Delete': (
        '<div class="deletion-request" style="border:2px solid red">This file has been '
        'nominated for deletion. Reason: {{{reason|{{{1|}}}}}}</div>'
        '<includeonly>[[Category:Deletion requests]]</includeonly>'
    ),
}

_SUNSET = """=={{int:filedesc}}==
{{Information
|description={{en|1=Sunset over the harbour of [[Example Town]], seen from the pier.}}{{de|1=Sonnenuntergang über dem Hafen von Example Town.}}
|date=2019-07-14 20:41
|source={{own}}
|author=[[User:Alice Example|Alice Example]]
|permission=
|other versions=
}}
{{Location|54.3233|10.1228}}
<!-- Please do not remove the location template -->

=={{int:license-header}}==
{{self|cc-by-sa-4.0}}

[[Category:Sunsets]]
[[Category:Harbours|Example Town]]
[[Category:Photographs by Alice Example]]
"""

_DIAGRAM = """== Summary ==
{{Information
|Description={{en|1=A simple diagram showing three boxes joined by arrows.}}{{fr|1=Un diagramme simple.}}
|Source=Own work, drawn in a text editor
|Date=2021-03-02
|Author=Bob Photographer
|Permission=
}}

== Licensing ==
{{cc-by-4.0|attribution=Bob Photographer}}

[[Category:Diagrams]]
[[Category:SVG files]]
"""

_PAINTING = """== {{int:filedesc}} ==
{{Artwork
 |artist = [[w:Leonardo da Vinci|Leonardo da Vinci]]
 |title = {{en|1=Portrait of a woman (test reproduction)}}
 |date = between 1503 and 1519
 |medium = {{en|1=oil on poplar panel}}
 |dimensions = 77 × 53 cm
 |institution = Example Museum
 |source = [https://example.org/collection Example Museum collection]
 |permission = {{PD-old-100}}
}}

== {{int:license-header}} ==
{{PD-old-100}}

[[Category:Paintings]]
[[Category:Test reproductions|Mona Lisa]]
"""

_DOCUMENT = """{{Information |description={{en|1=A one-page sample document, see [[Commons:File types]].}} |date=2020 |source={{own}} |author=Alice Example}}
{{cc-by-sa-4.0}}
[[Category:Sample documents]]
"""

_SPINNER = """=={{int:filedesc}}==
{{Information
|description={{en|1=A loading indicator. Code shown as <nowiki>[[not a link]]</nowiki>.}}
{| class="wikitable"
! Frame !! Colour
|-
| 1 || red
|}
|date={{#if:2018|2018-05-01|unknown}}
|source={{own}}
|author=[[User:Bob Photographer|Bob Photographer]] ([[User talk:Bob Photographer|talk]])
}}

=={{int:license-header}}==
{{self|cc-by-4.0}}
{{Check categories|year=2024|month=May}}

[[Category:Animated GIF files]]
"""

_WEBP = """{{Information
|description={{en|1=A sample image in the WebP format.}}
|date=2023-01-09
|source={{own}}
|author=Alice Example
}}
{{cc-by-4.0}}
[[Category:WebP files]]
"""

SVG_TEXT = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">
  <rect x="10" y="40" width="60" height="40" fill="#36c"/>
  <rect x="120" y="40" width="60" height="40" fill="#3a3"/>
  <rect x="230" y="40" width="60" height="40" fill="#c33"/>
  <path d="M70 60 H120 M180 60 H230" stroke="#000" stroke-width="3"/>
</svg>
"""

PDF_TEXT = """%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >> endobj
4 0 obj << /Length 44 >> stream
BT /F1 12 Tf 20 50 Td (Sample document) Tj ET
endstream endobj
trailer << /Root 1 0 R >>
%%EOF
"""

_PANORAMA = """=={{int:filedesc}}==
{{Information
|description={{en|1=A wide view of the harbour (large file).}}
|date=2022-08-01
|source={{own}}
|author=Alice Example
}}

=={{int:license-header}}==
{{self|cc-by-sa-4.0}}

[[Category:Harbours]]
"""

_LIGHTHOUSE = """{{Information
|description={{en|1=The lighthouse at dusk. Renamed from "Old lighthouse name.jpg".}}
|date=2020-10-10
|source={{own}}
|author=Bob Photographer
}}
{{cc-by-4.0}}
"""

_MAP = """{{Information
|description={{en|1=A map of the town centre.}}
|date=2021-05-05
|source={{own}}
|author=Alice Example
}}
{{cc-by-sa-4.0}}
[[Category:Maps]]
"""

_POSTCARD = """{{Information
|description={{en|1=An old postcard of the harbour.}}
|date=1910
|source=Scan of a postcard
|author=Unknown photographer
}}
{{cc-by-4.0}}
"""

#: Redirects on the Commons stand-in, as a file rename leaves them.
COMMONS_REDIRECTS: dict[str, str] = {
    'File:Old lighthouse name.jpg': '#REDIRECT [[File:Lighthouse at dusk.jpg]]',
}

COMMONS_FILES: list[SeedFile] = [
    SeedFile('Sunset_over_the_harbour.jpg', 'jpg', 'Alice Example', _SUNSET, 640, 480, 7),
    SeedFile('Example_diagram.svg', 'text', 'Bob Photographer', _DIAGRAM),
    SeedFile('Mona_Lisa_test.png', 'png', 'Bob Photographer', _PAINTING, 200, 300, 3),
    SeedFile('Sample_document.pdf', 'text', 'Alice Example', _DOCUMENT),
    SeedFile('Animated_spinner.gif', 'gif', 'Bob Photographer', _SPINNER, 64, 64, 5),
    SeedFile('Modern_format_sample.webp', 'webp', 'Alice Example', _WEBP, 160, 120, 11),
    SeedFile('Lighthouse_at_dusk.jpg', 'jpg', 'Bob Photographer', _LIGHTHOUSE, 300, 400, 17),
    SeedFile('Town_map.png', 'png', 'Alice Example', _MAP, 120, 90, 19),
    SeedFile('Old_postcard.jpg', 'jpg', 'Bob Photographer', _POSTCARD, 200, 130, 23),
    #: Above the 1 MB chunk size that the tests use: arrives by chunked upload.
    SeedFile('Harbour_panorama.jpg', 'noise', 'Alice Example', _PANORAMA, 1000, 700, 13),
]

#: A later version of a seeded file, so that upload histories have more than one entry.
COMMONS_REUPLOADS: list[SeedFile] = [
    SeedFile('Sunset_over_the_harbour.jpg', 'jpg', 'Bob Photographer', '', 640, 400, 8),
]

#: The name of a file that the consumer embeds but that exists on no wiki of the farm.
MISSING_FILE = 'This_file_exists_nowhere.png'

CONSUMER_PAGES: dict[str, str] = {
    'Main Page': "Welcome to the '''consumer''' wiki of the commonscache dev farm.",
    'Harbour': (
        'The harbour at sunset:\n\n[[File:Sunset over the harbour.jpg]]\n\n'
        '[[File:Example_diagram.svg|thumb|How the harbour is laid out]]\n\n'
        '[[Category:Places]]'
    ),
    'Gallery': (
        '<gallery>\nFile:Mona Lisa test.png|A painting\n'
        'Animated spinner.gif|A spinner\n</gallery>'
    ),
    'Template:Infobox picture': (
        '{| class="infobox"\n| [[File:{{{image}}}|220px]]\n|-\n| {{{caption|}}}\n|}'
    ),
    'Museum': '{{Infobox picture|image=Mona Lisa test.png|caption=On show}}\nThe museum.',
    'Documents': '[[Media:Sample_document.pdf|Download the sample document]]',
    'Formats': '[[File:Modern format sample.webp|thumb|A WebP picture]]',
    'Wanted': f'[[File:{MISSING_FILE}]] is used here but exists nowhere.',
    'Panorama': '[[File:Harbour panorama.jpg|upright=2|The whole harbour]]',
    'Maps': '[[File:Town map.png]] and [[File:Old postcard.jpg|thumb|Long ago]]',
    'Lighthouse': 'Linked under the name it had before it was renamed: '
                  '[[File:Old lighthouse name.jpg|thumb]]',
}

#: Pages of the consumer that belong to Category:Places (only through their own text).
PLACES = ['Harbour']

#: The second consumer wiki: one file it shares with the first, one of its own.
CONSUMER2_PAGES: dict[str, str] = {
    'Main Page': 'The second consumer wiki of the dev farm.',
    'Port': '[[File:Sunset over the harbour.jpg|thumb|The port at sunset]]',
    'Postcards': '[[File:Old postcard.jpg]]',
}
