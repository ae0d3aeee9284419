"""References judged wrong against the field definitions (DESIGN.md and the corpora's READMEs),
per page and check, with the evidence: reported, but left out of the targets. The extractor is
never tuned to them."""

# References judged wrong against the field definitions (DESIGN.md and the corpus README), per
# page and check, with the evidence. These checks are reported but left out of the targets;
# the extractor is never tuned to them. Two kinds are found mechanically and left out the same
# way: a `with` snippet that is nowhere in the page's visible text (`unreachable_snippets`), and
# a hand-written A-text body that leaves out the image captions DESIGN counts as post body (the
# fixture's truth counts them): the captions are most of the difference, and our count less
# their words is within 5% of the reference.
DISPUTED_REFERENCES: dict[str, dict[str, str]] = {
    "rdb-firefox-nightly-blog": dict.fromkeys(("words", "images", "links"), (
        "expected.html (and expected-go.html) include the reader comments below the post "
        "(210 words, 2 images, 5 links); without them they hold 1204 words, 3 images and 67 "
        "links, our figures exactly. Comments are not main content.")),
    "rdb-wikia": {"links": (
        "expected.html keeps the theme's call-to-action paragraph p.cta-fandom-contributor "
        "(\"Would you like to be part of the Fandom team? Join our Fan Contributor Program\", "
        "2 links), a promotion like a subscription box; without it the reference has our 22.")},
    "rdb-iab-1": {"images": (
        "expected.html keeps the author box below the post (aside.author: \"About the author\", "
        "the author's photo and bio), which DESIGN leaves out of the main content: its second "
        "image is that photo; the post's own body holds one.")},
    "aeb-givewell.org-ac3c0355": {"words": (
        "the hand-written body drops the post's last paragraph (\"You can view our June 2018 "
        "open thread here.\", a <p> of div.entry-content): 68 words where the post has 77.")},
    "aeb-remember8090.it-b6fb53e9": {"words": (
        "the hand-written body keeps a \"Leggi anche\" (read also) link to another post, "
        "printed inside the post as <h1 class=entry-title><a>I Cavalieri dello Zodiaco "
        "diventeranno un film...</a></h1> (15 words), a related-post link DESIGN leaves out, "
        "and it leaves out the same kind of link at the end, \"(Leggi anche su: ...)\", as we "
        "do: without the first, the reference has 165 words, ours 164.")},
    "trf-echte-demokratie-jetzt.de.blog": {"snippets": (
        "the `with` snippet \"Dieses Werk bzw. Inhalt\" is the licence notice of a sidebar "
        "widget (div#secondary.widget-area), not in the post.")},
    "trf-alexanderlasch.wordpress.com.sprachgeschichte": {"snippets": (
        "the `without` snippet \"Das setzt das Verständnis voraus\" opens a paragraph of the "
        "post's own argument, in the same div.entry as the `with` snippets.")},
    "trf-lemire.me.json": {"snippets": (
        "the `with` snippet \"version 0.2 on vcpkg.\" is in a reader comment (the author's "
        "reply in ol.comment-list), not in the post.")},
    "trf-aoc.media.archaisme": {
        "snippets": "the `with` snippet is the post's title, which is not main content.",
        "date": ("annotated 2019-12-10; the page's article:published_time "
                 "(2019-12-09T19:00:49+01:00), JSON-LD and permalink /2019/12/09/ all say the "
                 "9th (10.12.19 is the print edition's date in the page header)."),
    },
    "trf-angelmagazin.de-schmerzen": {"date": (
        "annotated 2022-01-12, the article:modified_time; article:published_time and JSON-LD "
        "datePublished say 2021-11-29, the original publication date we are asked for.")},
    "trf-columbus-entdeckt.de.trolls": {"date": (
        "annotated 2020-01-05, the article:modified_time; article:published_time says "
        "2018-02-28, the original publication date.")},
    "trf-tegernseerstimme.de-Klimavorreiter": {"date": (
        "annotated 2018-11-16, a date that appears nowhere in the page; its "
        "time.entry-date.published and the visible date say 6 November 2023.")},
}
