"""Post bodies built token by token, with their exact figures known by construction.

The builder writes canonical HTML (literal characters, double-quoted attributes, HTML void
elements) and counts every word, link, image and element as it writes it; nothing here calls the
product's extractor. `served()` turns the canonical HTML into what WordPress sends (wptexturize
entities), so the served bytes differ from the canonical serialisation exactly as on a real blog.

`sep` is what the builder writes between blocks (and between list items and table rows): a
newline as WordPress's `wpautop` does, or nothing, as a minified page has it. Nothing in a
minified body then separates `<li>one</li><li>two</li>` but the elements themselves, which is
what a real minified blog asks of the word count.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
from collections import Counter
from dataclasses import dataclass, field

# Plain words: each holds \w characters and no tracked term as a whole word.
WORDS = (
    "the a of to and in for on with this week new release update open source project team "
    "users developers phone tablet browser server cloud privacy security battery camera "
    "screen app apps store market launch version build feature features platform search "
    "maps mail chat video music price review leak report study startup company companies "
    "googled androids apples dataset databases metadata bigger faster smaller cheaper "
    "it’s don’t we’re that’s 2015 4K 64-bit e-mail R&D Wi-Fi 3.5mm Z-Wave naïve café über "
    "Linux Windows Firefox Chrome Safari Samsung Microsoft Amazon Facebook Twitter Tesla"
).split()
# Tokens holding a tracked term as a whole word: (token, term).
TERM_TOKENS = (
    ("Android", "android"), ("android", "android"), ("Android’s", "android"),
    ("Google", "google"), ("Google’s", "google"), ("GOOGLE", "google"), ("(Google)", "google"),
    ("Apple", "apple"), ("Apple’s", "apple"), ("apple,", "apple"), ("Apple-branded", "apple"),
    ("data", "data"), ("Data", "data"), ("data.", "data"), ("open-data", "data"),
)
# Tokens with no \w character: never words.
PUNCTUATION = ("–", "—", "|", "&", "…", "•", "→")

TERMS = ("android", "google", "apple", "data")
_ENTITIES = {"’": "&#8217;", "‘": "&#8216;", "“": "&#8220;", "”": "&#8221;", "–": "&#8211;",
             "—": "&#8212;", "…": "&#8230;", "\u00a0": "&nbsp;"}
_ENTITY_RE = re.compile("|".join(map(re.escape, _ENTITIES)))


def served(canonical: str) -> str:
    """Canonical HTML as WordPress serves it: texturized characters as numeric entities."""
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group()], canonical)


@dataclass
class Figures:
    """The exact measurements of a main content, accumulated while it is written."""

    tokens: list[str] = field(default_factory=list)
    words: int = 0
    paragraphs: int = 0
    headings_by_level: Counter = field(default_factory=Counter)
    images: int = 0
    links: int = 0
    links_internal: int = 0
    links_external: int = 0
    list_items: int = 0
    blockquotes: int = 0
    embeds: int = 0
    tables: int = 0
    terms: Counter = field(default_factory=Counter)


class BodyBuilder:
    """Writes a post body block by block and keeps its figures."""

    def __init__(self, rng: random.Random, site: str, post_id: int, sep: str = "\n"):
        self.rng = rng
        self.sep = sep
        self.site = site.rstrip("/")
        self.post_id = post_id
        self.parts: list[str] = []
        self.fig = Figures()

    # -- inline runs -------------------------------------------------------------------------
    def _token(self) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            token, term = self.rng.choice(TERM_TOKENS)
            self.fig.terms[term] += 1
        elif roll < 0.09:
            token = self.rng.choice(PUNCTUATION)
            self.fig.tokens.append(token)
            return html.escape(token, quote=False)
        else:
            token = self.rng.choice(WORDS)
        self.fig.tokens.append(token)
        self.fig.words += 1
        return html.escape(token, quote=False)

    def run(self, n: int) -> str:
        """`n` tokens separated by single spaces (a punctuation token is not a word)."""
        return " ".join(self._token() for _ in range(n))

    def link(self, n: int, internal: bool | None = None) -> str:
        if internal is None:
            internal = self.rng.random() < 0.3
        if internal:
            href = f"{self.site}/{self.rng.choice(['about', 'category/weekly-roundup', 'tag/android'])}/"
            self.fig.links_internal += 1
        else:
            host = self.rng.choice(["example.com", "news.example.org", "www.example.net"])
            href = f"https://{host}/story/{self.rng.randrange(10**6)}?src=digest&amp;ref=import"
            self.fig.links_external += 1
        self.fig.links += 1
        return f'<a href="{href}">{self.run(n)}</a>'

    def sentence(self) -> str:
        """A run of words with at most one link inside, as a roundup blurb reads."""
        pieces = [self.run(self.rng.randint(4, 14))]
        if self.rng.random() < 0.5:
            pieces.append(self.link(self.rng.randint(1, 5)))
            pieces.append(self.run(self.rng.randint(2, 9)))
        return " ".join(pieces)

    # -- blocks --------------------------------------------------------------------------------
    def paragraph(self, extra: str = "") -> None:
        self.fig.paragraphs += 1
        self.parts.append(f"<p>{extra}{self.sentence()}</p>")

    def paragraph_with_break(self) -> None:
        # "end<br>start": the <br> alone separates the two words.
        self.fig.paragraphs += 1
        first = self.run(self.rng.randint(3, 8))
        second = self.run(self.rng.randint(3, 8))
        self.parts.append(f"<p>{first}<br>{second}</p>")

    def empty_paragraph(self) -> None:
        self.parts.append("<p>\u00a0</p>")

    def heading(self, level: int) -> None:
        self.fig.headings_by_level[level] += 1
        self.parts.append(f"<h{level}>{self.run(self.rng.randint(1, 4))}</h{level}>")

    def bullet_list(self) -> None:
        items = []
        for _ in range(self.rng.randint(2, 6)):
            self.fig.list_items += 1
            link = self.link(self.rng.randint(2, 7), internal=False)
            self.fig.tokens.append("–")  # the dash between link and comment: a token, not a word
            items.append(f"<li>{link} – {self.run(self.rng.randint(3, 16))}</li>")
        self.parts.append("<ul>" + self.sep + self.sep.join(items) + self.sep + "</ul>")

    def image(self, captioned: bool) -> None:
        self.fig.images += 1
        n = self.rng.randrange(1, 10**4)
        src = f"{self.site}/wp-content/uploads/2015/01/shot-{n}-660x440.jpg"
        img = (f'<img class="alignnone size-full wp-image-{n}" src="{src}" alt="" '
               f'width="660" height="440">')
        if captioned:
            caption = self.run(self.rng.randint(2, 8))
            self.parts.append(
                f'<figure id="attachment_{n}" style="width: 660px" class="wp-caption alignnone">'
                f'{img}<figcaption class="wp-caption-text">{caption}</figcaption></figure>')
        else:
            # A linked image: the link to the full-size file is an internal link.
            self.fig.links += 1
            self.fig.links_internal += 1
            self.parts.append(f'<p><a href="{src.replace("-660x440", "")}">{img}</a></p>')

    def blockquote(self) -> None:
        self.fig.blockquotes += 1
        self.fig.paragraphs += 1
        self.parts.append(f"<blockquote><p>{self.sentence()}</p></blockquote>")

    def embed(self) -> None:
        self.fig.embeds += 1
        vid = self.rng.randrange(10**6)
        self.parts.append(
            f'<p><iframe width="660" height="371" src="https://www.youtube.com/embed/v{vid}" '
            f'frameborder="0" allowfullscreen></iframe></p>')

    def table(self) -> None:
        self.fig.tables += 1
        rows = []
        for _ in range(self.rng.randint(2, 3)):
            cells = "".join(f"<td>{self.run(self.rng.randint(1, 3))}</td>" for _ in range(2))
            rows.append(f"<tr>{cells}</tr>")
        sep = self.sep
        self.parts.append(f"<table>{sep}<tbody>{sep}" + sep.join(rows) + f"{sep}</tbody>{sep}</table>")

    def more_marker(self) -> None:
        self.fig.paragraphs += 1
        self.parts.append(f'<p><span id="more-{self.post_id}"></span>{self.sentence()}</p>')

    def script(self) -> None:
        # An embed script inside the content: its text is never counted.
        self.parts.append('<script async src="https://platform.example.com/widgets.js" '
                          'charset="utf-8"></script>')

    # -- results -------------------------------------------------------------------------------
    def canonical_html(self) -> str:
        return self.sep.join(self.parts)

    def content_html(self) -> str:
        """The main content's HTML as measured: scripts are not content, so they are left out
        (where one stood, its neighbours' separators remain)."""
        return self.sep.join("" if part.startswith("<script") else part for part in self.parts)

    def text(self) -> str:
        return " ".join(self.fig.tokens)

    def truth(self) -> dict:
        fig = self.fig
        by_level = {f"h{i}": fig.headings_by_level.get(i, 0) for i in range(1, 7)}
        text = self.text()
        return {
            "words": fig.words,
            "paragraphs": fig.paragraphs,
            "headings": sum(by_level.values()),
            "headings_by_level": by_level,
            "images": fig.images,
            "links": fig.links,
            "links_internal": fig.links_internal,
            "links_external": fig.links_external,
            "list_items": fig.list_items,
            "blockquotes": fig.blockquotes,
            "embeds": fig.embeds,
            "tables": fig.tables,
            "content_bytes": len(self.content_html().strip().encode("utf-8")),
            "terms": {t: fig.terms.get(t, 0) for t in TERMS},
            "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }


def build_body(rng: random.Random, site: str, post_id: int, rich: bool = True,
               sep: str = "\n") -> BodyBuilder:
    """A weekly roundup: an intro, sections of h2 headings with bullet lists, media, quotes."""
    b = BodyBuilder(rng, site, post_id, sep)
    b.paragraph()
    b.more_marker()
    sections = rng.randint(2, 5) if rich else 1
    for _ in range(sections):
        b.heading(2)
        if rich and rng.random() < 0.3:
            b.paragraph()
        b.bullet_list()
        roll = rng.random()
        if roll < 0.25:
            b.image(captioned=True)
        elif roll < 0.45:
            b.image(captioned=False)
        if rich and rng.random() < 0.2:
            b.heading(3)
            b.paragraph_with_break()
    if rich and rng.random() < 0.5:
        b.blockquote()
    if rich and rng.random() < 0.25:
        b.embed()
    if rich and rng.random() < 0.15:
        b.table()
    if rich and rng.random() < 0.2:
        b.script()
    if rng.random() < 0.3:
        b.empty_paragraph()
    b.paragraph()
    return b
