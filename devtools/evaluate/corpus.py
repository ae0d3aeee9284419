"""The real-page corpora on disk, and the pure checks of one result against a page's reference.

Two corpora beside the project (`../shared/corpus/`): `wordpress-real` (HTML references, plain-
text references, snippets, annotated dates) and `wordpress-more` (plain-text references from
three public benchmarks, WCXB dates). Both are other people's writing: they are read here, never
copied into the project.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devtools.evaluate.disputed import DISPUTED_REFERENCES

ROOT = Path(__file__).resolve().parents[2]
CORPORA_DIR = ROOT.parent / "shared" / "corpus"
CORPUS_NAMES = ("wordpress-real", "wordpress-more")
DEFAULT_CORPUS = CORPORA_DIR / "wordpress-real"

WORDS_TOLERANCE = 0.05
WORDS_LOOSE_TOLERANCE = 0.15
# The checks, in the order tables show them, and the tiers each applies to (None: any page
# whose ground truth has what it needs).
CHECKS = ("words", "words15", "snippets", "date", "images", "links")
CHECK_TIERS = {
    "words": ("A-html", "A-text"),
    "words15": ("A-html", "A-text"),
    "images": ("A-html",),
    "links": ("A-html",),
    "snippets": None,
    "date": None,
}

_SPACE = re.compile(r"\s+")


@dataclass
class Page:
    """One corpus page and its ground truth (only what the checks need)."""

    name: str
    tier: str
    url: str
    source: Path
    corpus: str = ""
    site: str = ""
    reference: dict | None = None  # figures of the expected content (words, img, a_href, ...)
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    publication_date: str | None = None  # "YYYY-MM-DD", the annotated calendar day
    disputed: dict[str, str] = field(default_factory=dict)  # check -> why the reference is wrong


# -- pure checks ---------------------------------------------------------------------------------

def normalise_space(text: str) -> str:
    """Collapse every whitespace run (NBSP included) to one space, as the word definition does,
    in Unicode's composed form (an annotator's "à" and a page's "a" + accent are one text), and
    without soft hyphens (U+00AD), which no reader sees: some annotators copied them into
    their snippets, others did not."""
    return unicodedata.normalize("NFC", _SPACE.sub(" ", text.replace("\u00ad", "")).strip())


def words_within(got: int, expected: int, tolerance: float = WORDS_TOLERANCE) -> bool:
    """Whether a word count is within `tolerance` (a share) of the reference count."""
    return abs(got - expected) <= tolerance * expected


def snippets_ok(text: str, with_snippets: Iterable[str], without_snippets: Iterable[str]) -> bool:
    """Every `with` snippet is in the text and no `without` snippet is (whitespace-insensitive,
    since our text separates blocks by one space where the page had line breaks)."""
    text = normalise_space(text)
    return all(normalise_space(s) in text for s in with_snippets) and not any(
        normalise_space(s) in text for s in without_snippets if normalise_space(s))


def annotated_day(value: str | None) -> str | None:
    """The calendar day of an annotated date as written ("2015-10-15T08:00:26+00:00" -> day)."""
    return value[:10] if value else None


def unreachable_snippets(page_text: str, with_snippets: Iterable[str]) -> list[str]:
    """The `with` snippets that are nowhere in the page's visible text (in a <script>, a meta
    description, or not in the saved page at all): no extractor can find them."""
    text = normalise_space(page_text)
    return [s for s in with_snippets if normalise_space(s) not in text]


def score_page(page: Page, result: dict) -> dict[str, bool]:
    """The checks that apply to this page (check name -> passed), from one result dict
    (`words`, `images`, `links`, `text`, `date`)."""
    checks: dict[str, bool] = {}
    ref = page.reference or {}
    if page.tier in CHECK_TIERS["words"] and ref.get("words") is not None:
        checks["words"] = words_within(result["words"], ref["words"])
        checks["words15"] = words_within(result["words"], ref["words"], WORDS_LOOSE_TOLERANCE)
    if page.tier in CHECK_TIERS["images"] and ref.get("img") is not None:
        checks["images"] = result["images"] == ref["img"]
    if page.tier in CHECK_TIERS["links"] and ref.get("a_href") is not None:
        checks["links"] = result["links"] == ref["a_href"]
    if page.with_snippets or page.without_snippets:
        checks["snippets"] = snippets_ok(result["text"], page.with_snippets,
                                         page.without_snippets)
    if page.publication_date:
        checks["date"] = result["date"] == annotated_day(page.publication_date)
    return checks


# -- the corpora on disk -------------------------------------------------------------------------

def load_corpus(corpus: Path) -> list[Page]:
    """Every page listed in the corpus's index.json, with its reference figures and snippets."""
    index = json.loads((corpus / "index.json").read_text(encoding="utf-8"))
    reference_path = corpus / "reference.json"
    references = (json.loads(reference_path.read_text(encoding="utf-8"))["pages"]
                  if reference_path.exists() else {})
    pages = []
    for entry in index["pages"]:
        folder = corpus / entry["name"]
        ref = references.get(entry["name"], {})
        snippets = {}
        if (folder / "snippets.json").exists():
            snippets = json.loads((folder / "snippets.json").read_text(encoding="utf-8"))
        pages.append(Page(
            name=entry["name"], tier=entry["tier"], url=entry["url"], corpus=corpus.name,
            site=entry.get("site") or entry["url"], source=folder / "source.html",
            reference=ref.get("reference"),
            with_snippets=snippets.get("with", []), without_snippets=snippets.get("without", []),
            publication_date=entry.get("publication_date") or ref.get("publication_date"),
            disputed=dict(DISPUTED_REFERENCES.get(entry["name"], {})),
        ))
    return pages


def available_corpora(names: Iterable[str] = CORPUS_NAMES) -> dict[str, Path]:
    """The corpora of `names` that are on this machine (the folder has an index.json)."""
    return {name: CORPORA_DIR / name for name in names
            if (CORPORA_DIR / name / "index.json").exists()}
