"""Publication and modification dates from a post's own markup.

Order of trust for the publication date: the theme's `time.published`, the Open Graph
`article:published_time`, JSON-LD `datePublished` (`@graph` included), `itemprop=datePublished`,
other common meta tags, the `/YYYY/MM/DD/` of the URL, then dates written in words: the post's
header or meta line ("6. August 2009", "March 11, 2020", "19.11.2021"), a "posted on" sentence,
and (extract_post, once the body is known) the post's dateline. The modified date
(`time.updated`, `article:modified_time`, JSON-LD `dateModified`) is never taken for the
publication date.

The date is kept as the blog wrote it: many SEO plugins print the UTC instant while the blog's
own calendar day (its permalink, its header, the theme's `time`) is local, so a UTC value is
re-expressed in the offset the page writes the same instant with elsewhere, and a UTC value one
day off the permalink's `/YYYY/MM/DD/` yields to the permalink's day.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

from dateutil import parser as date_parser

from blogcrawler.extraction.index import PageIndex, has_ancestor, text_content, text_start
from blogcrawler.extraction.parse import page_encoding
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules
from blogcrawler.extraction.vocabulary import names_teaser

_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$)")

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "date",
    "DC.date.issued",
    "dc.date",
    "pubdate",
    "publish-date",
    "sailthru.date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified")

# Classes of elements whose text a theme uses to show the post's date ("Posted on March 11").
_SHOWN_DATE_CLASS = re.compile(r"date|posted|published|updated|meta|byline|author", re.I)
# Comments, widgets, sidebars and related-post lists show other posts' dates (a block holding
# the page's h1 is a layout wrapper, as in "mainwrap sidebar", not such a list).
_OTHER_POSTS = re.compile(r"(?:^|\s)(?:comment|widget|sidebar|related|site-footer)", re.I)
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 or similar date string as an aware datetime (naive values are taken as UTC)."""
    if not value or not value.strip():
        return None
    try:
        parsed = date_parser.isoparse(value.strip())
    except (ValueError, OverflowError):
        try:
            parsed = date_parser.parse(value.strip())
        except (ValueError, OverflowError, date_parser.ParserError):
            return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


def url_date(url: str) -> datetime | None:
    """The /YYYY/MM/DD/ date of a permalink, as midnight UTC."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return datetime(*map(int, match.groups()), tzinfo=UTC)
    except ValueError:
        return None


def _meta_map(index: PageIndex) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in index.tag("meta"):
        if meta.get("content") is None:
            continue
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if key and key not in found:
            found[key] = meta.get("content", "")
    return found


def _jsonld_objects(index: PageIndex) -> list[dict]:
    """The objects of the page's JSON-LD, parsed once per page."""
    return index.memo("jsonld", lambda: list(_parse_jsonld(index)))


def _parse_jsonld(index: PageIndex):
    for script in index.tag("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        # Some plugins wrap their JSON-LD in a CDATA section.
        source = _CDATA.sub("", (script.text or "").strip())
        try:
            data = json.loads(source)
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if graph:
                    stack.append(graph)


def _jsonld_values(index: PageIndex, key: str) -> list[datetime]:
    """Every parsable `key` of the page's JSON-LD, the article's own objects first (parsed once
    per page: the candidates and the local offset both ask)."""
    return index.memo(("jsonld", key), lambda: _parse_jsonld_values(index, key))


def _parse_jsonld_values(index: PageIndex, key: str) -> list[datetime]:
    candidates = []
    for obj in _jsonld_objects(index):
        value = obj.get(key)
        if isinstance(value, str):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            article = any(isinstance(k, str) and ("Article" in k or "Posting" in k) for k in kinds)
            candidates.append((0 if article else 1, value))
    parsed = (parse_datetime(value) for _, value in sorted(candidates, key=lambda c: c[0]))
    return [value for value in parsed if value]


_POSTED_ON = re.compile(r"\b(?:posted|published|gepostet|veröffentlicht|publié|pubblicato|"
                        r"publicado)\b", re.IGNORECASE)


def _shown_date(index: PageIndex) -> datetime | None:
    """The first date a post's header or meta line shows in words, else the date of a short
    "was posted on 19. Mai 2010" sentence, as midnight UTC."""
    day = _date_in_meta_elements(index) or _date_in_posted_sentence(index)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _date_in_posted_sentence(index: PageIndex) -> date | None:
    lang = index.doc.get("lang") or ""
    for p in index.tag("p"):
        text = text_content(p)
        if len(text) < 300 and _POSTED_ON.search(text):
            day = parse_text_date(text, lang)
            if day:
                return day
    return None


def _date_in_meta_elements(index: PageIndex) -> date | None:
    lang = index.doc.get("lang") or ""
    body = index.tag("body")
    # The class names are matched once each (a page repeats its few hundred names thousands of
    # times), and their elements gathered.
    names = [name for name in index.by_class if _SHOWN_DATE_CLASS.search(name)]
    shown = {*index.tag("time"), *index.tag("abbr"),
             *(el for name in names for el in index.by_class[name])}
    shown = sorted(shown, key=lambda el: index.position.get(el, -1))
    for el in shown:
        if not body or not any(a is body[0] for a in el.iterancestors()):
            continue
        if any((_OTHER_POSTS.search(a.get("class") or "") or a.tag == "aside")
               and a.find(".//h1") is None
               for a in el.iterancestors() if a.tag not in ("body", "html")):
            continue
        texts = [el.get("title") or "", text_start(el, 200)]
        for text in texts:
            day = parse_text_date(text, lang)
            if day:
                return day
    return None


def _times(index: PageIndex, *classes: str, exclude: str | None = None) -> list:
    """time[datetime] elements carrying all `classes` (and not `exclude`)."""
    found = []
    for el in index.tag("time"):
        names = (el.get("class") or "").split()
        if el.get("datetime") is not None and all(c in names for c in classes) and (
                exclude is None or exclude not in names):
            found.append(el)
    return found


def _in_other_post(el, title) -> bool:
    """Whether a date element sits in a block showing other posts (Rules.own_post_dates): a
    widget, a sidebar, a related-posts or teaser block, or another post's `article` (one
    without the post's title, on a page whose title is outside it)."""
    for a in el.iterancestors():
        if a.tag in ("body", "html"):
            return False
        if a.tag == "aside" or names_teaser(a):
            return True
        if (a.tag == "article" and title is not None
                and not any(x is a for x in title.iterancestors())):
            return True
    return False


def _post_title(index: PageIndex):
    """The post's title element: the h1 with a title class, else the only h1, else None."""
    h1s = index.tag("h1")
    named = [h for h in h1s if {"entry-title", "post-title"} & set((h.get("class") or "").split())]
    if named:
        return named[0]
    return h1s[0] if len(h1s) == 1 else None


def parse_time_value(value: str | None, lang: str = "",
                     rules: Rules = DEFAULT_RULES) -> datetime | None:
    """A `datetime`/`content` attribute's date: ISO 8601, or (Rules.dates_in_words) a date
    written in words as some themes print it there ("23. Juni 2016")."""
    if rules.dates_in_words and value and _HAS_WORD.search(value):
        day = parse_text_date(value, lang)
        if day:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return parse_datetime(value)


# Letters other than ISO 8601's T and Z: a date written in words.
_HAS_WORD = re.compile(r"[^\W\dTZ_]")


# What a theme writes before a modified date it marks up as the post's date ("Last Updated on
# February 13th", "Aktualisiert am"): such a <time> is the modified date (Rules.updated_labels).
_UPDATED_LABEL = re.compile(r"\b(?:updated|modified|aktualisiert|geändert|mis à jour|actualizado"
                            r"|aggiornato|bijgewerkt)\b", re.IGNORECASE)


def _labelled_updated(el) -> bool:
    """Whether a <time>'s text, or the words just before it, say it is an update's date."""
    before = el.getprevious()
    label = (before.tail if before is not None else (el.getparent().text
                                                       if el.getparent() is not None else ""))
    return bool(_UPDATED_LABEL.search(text_content(el)[:80] + " " + (label or "")[-40:]))


def _own_times(index: PageIndex, rules: Rules) -> list:
    """The post's time.published / time.entry-date elements, most trusted first: inside an
    `article`, then the others; with Rules.own_post_dates, those in other posts' blocks are
    left out and the rest ordered by their distance to the post's title."""
    published = _times(index, "published")
    in_article = [el for el in published if has_ancestor(el, tag="article")]
    found = list(dict.fromkeys((*in_article, *published,
                                *_times(index, "entry-date", exclude="updated"))))
    if rules.updated_labels:
        found = [el for el in found if not _labelled_updated(el)]
    if not rules.own_post_dates:
        return found
    title = _post_title(index)
    found = [el for el in found if not _in_other_post(el, title)]
    if title is not None and title in index.position:
        at = index.position[title]
        found.sort(key=lambda el: (not has_ancestor(el, tag="article"),
                                   abs(index.position.get(el, at) - at)))
    return found


def _own_itemprops(index: PageIndex, rules: Rules) -> list:
    """The itemprop=datePublished elements, without (Rules.own_post_dates) those of other
    posts' teasers, nearest the post's title first."""
    found = index.by_itemprop.get("datePublished", [])
    if not rules.own_post_dates or not found:
        return found
    title = _post_title(index)
    found = [el for el in found if not _in_other_post(el, title)]
    if title is not None and title in index.position:
        at = index.position[title]
        found = sorted(found, key=lambda el: abs((index.first_position(el) or 0) - at))
    return found


def _published_candidates(index: PageIndex, meta: dict[str, str], url: str,
                          rules: Rules = DEFAULT_RULES):
    """(source, datetime) candidates for the publication date, most trusted first:
    the post's own `time.published` / `time.entry-date:not(.updated)`, Open Graph,
    JSON-LD, itemprop, other meta tags, the permalink, a date shown in words."""
    lang = index.doc.get("lang") or ""
    for el in _own_times(index, rules):
        yield "time", parse_time_value(el.get("datetime"), lang, rules)
    for key in _PUBLISHED_META[:2]:
        yield "meta", parse_datetime(meta.get(key))
    for value in _jsonld_values(index, "datePublished"):
        yield "json-ld", value
    for el in _own_itemprops(index, rules):
        yield "itemprop", parse_time_value(el.get("datetime") or el.get("content"), lang, rules)
    for key in _PUBLISHED_META[2:]:
        yield "meta", parse_datetime(meta.get(key))
    # The permalink's /YYYY/MM/DD/ (WordPress builds it from the post's own date) before any
    # date read from the page's words.
    yield "url", url_date(url)
    yield "text", _shown_date(index)


def _in_local_offset(value: datetime, index: PageIndex, url: str) -> datetime:
    """`value` as the blog wrote its day: a UTC instant re-expressed in the offset the page
    writes the same instant with (JSON-LD, a `time`), else moved to the permalink's day."""
    if value.utcoffset() != timedelta(0):
        return value
    others = [parse_datetime(el.get("datetime")) for el in _times(index)]
    others += _jsonld_values(index, "datePublished")
    for other in others:
        if other and other.utcoffset() and abs(other - value) < timedelta(minutes=1):
            return other
    permalink = url_date(url)
    if permalink and abs((permalink.date() - value.date()).days) == 1:
        # The permalink holds the local day (WordPress builds it from post_date, not post_date_gmt).
        offset = timedelta(hours=12 if permalink.date() > value.date() else -12)
        shifted = value.astimezone(timezone(offset))
        if shifted.date() == permalink.date():
            return shifted
    return value


def find_dates(page, url: str, rules: Rules = DEFAULT_RULES,
               ) -> tuple[datetime | None, datetime | None, str | None]:
    """(published, modified, source of published) from the page's own markup; `page` is a
    PageIndex or a parsed document."""
    index = page if isinstance(page, PageIndex) else PageIndex(page)
    meta = _meta_map(index)
    published, source = None, None
    for name, value in _published_candidates(index, meta, url, rules):
        if value:
            published, source = value, name
            break
    if published and source not in ("url", "text"):
        published = _in_local_offset(published, index, url)

    modified = None
    for el in _times(index, "updated"):
        modified = parse_datetime(el.get("datetime"))
        if modified:
            break
    if not modified:
        for key in _MODIFIED_META:
            modified = parse_datetime(meta.get(key))
            if modified:
                break
    if not modified:
        modified = next(iter(_jsonld_values(index, "dateModified")), None)
    return published, modified, source


# -- dates written in words ----------------------------------------------------------------------

# Month names (and their usual abbreviations) of the languages WordPress blogs write in most.
_MONTH_NAMES = {
    1: "january jan januar jänner janvier janv gennaio gen enero ene januari janeiro",
    2: "february feb februar février févr fevrier febbraio febrero febr februari fevereiro fev",
    3: "march mar märz maerz mars marzo maart março",
    4: "april apr avril aprile abril",
    5: "may mai maggio mag mayo mei maio",
    6: "june jun juni juin giugno giu junio junho",
    7: "july jul juli juillet juil luglio lug julio julho",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre settembre set septiembre setembro",
    10: "october oct oktober okt octobre ottobre ott octubre outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez décembre decembre déc dicembre dic diciembre dezembro",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = r"([^\W\d_]{3,10})\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th|er|º)?\.?"
_TEXT_DATE_PATTERNS = [
    # 2015-10-15 (ISO, also inside a longer timestamp)
    ("ymd", re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)")),
    # 15. Oktober 2015, 15 octobre 2015, 15 de octubre de 2015
    ("dMy", re.compile(_DAY + r"\s+(?:de\s+)?" + _MONTH + r"\s+(?:de\s+)?((?:19|20)\d\d)\b")),
    # October 15, 2015 / Oct 15 2015
    ("Mdy", re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+((?:19|20)\d\d)\b")),
    # 15.10.2015, 15.10.15
    ("dmy", re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d\d|\d\d)(?!\d)")),
    # 15/10/2015 or 10/15/2015
    ("slash", re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?!\d)")),
]


def parse_text_date(text: str, lang: str = "") -> date | None:
    """The first calendar date written in `text` ("6. August 2009", "March 11, 2020",
    "19.11.2021", "26/10/2018"), else None. `lang` (the page's `html[lang]`) settles whether
    "08/07/2017" is day-first: month-first only in US English."""
    if not text or not any(c.isdigit() for c in text):
        return None
    found = []
    for kind, pattern in _TEXT_DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _to_date(kind, match.groups(), lang)
            if day:
                found.append((match.start(), day))
                break
    return min(found)[1] if found else None


def _to_date(kind: str, groups: tuple, lang: str) -> date | None:
    try:
        if kind == "ymd":
            year, month, day = map(int, groups)
        elif kind == "dMy":
            day, month, year = int(groups[0]), MONTHS.get(groups[1].lower()), int(groups[2])
        elif kind == "Mdy":
            month, day, year = MONTHS.get(groups[0].lower()), int(groups[1]), int(groups[2])
        elif kind == "dmy":
            day, month, year = map(int, groups)
            year += 2000 if year < 100 else 0
        else:
            first, second, year = map(int, groups)
            month_first = second > 12 or (first <= 12 and lang.lower() in ("en-us", "en"))
            month, day = (first, second) if month_first else (second, first)
        if not month or not 1990 <= year <= 2100:
            return None
        return date(year, month, day)
    except ValueError:
        return None


def dateline(root, text: str, lang: str = "") -> datetime | None:
    """The date a post's body opens with, as midnight UTC: a paragraph of its own among the
    first five ("January 18, 2020"), else the first date in its first 300 characters (a photo
    caption's date can come before the dateline, hence the paragraph first)."""
    for number, p in enumerate(root.iter("p")):
        if number == 5:
            break
        words = text_content(p).split()
        day = parse_text_date(" ".join(words), lang) if 0 < len(words) <= 6 else None
        if day:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
    day = parse_text_date(text[:300], lang)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def second_opinion_date(body: bytes, url: str, encoding: str | None = None) -> datetime | None:
    """htmldate's publication date of a page whose markup, URL and header give none, as
    midnight UTC: it also reads the dates of a WordPress upload path (/2017/08/ of the post's
    images) and dates scattered in the page, which our rules do not trust on their own."""
    from htmldate import find_date  # imported on first use: most pages never need it

    try:
        text = body.decode(encoding or page_encoding(body), errors="replace")
        found = find_date(text, url=url, original_date=True, extensive_search=True)
    except (ValueError, TypeError, LookupError):
        return None
    day = parse_datetime(found) if found else None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def local_date(value: datetime) -> date:
    """The calendar date as the blog wrote it (before any shift to UTC)."""
    return value.date()


def to_utc(value: datetime | None) -> datetime | None:
    """UTC with millisecond precision, as BSON stores it."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
