"""extract_post on real WordPress pages: issue 5's targets, scored by blogcrawler.evaluate.

The pure scoring functions are tested on their own; the corpus tests read the 229 saved pages
from ../shared/corpus/wordpress-real (other people's writing: never copied into the project)
and skip, saying why, in a clone without it. Speed is not asserted here (a timed test on a
shared machine measures the neighbours): `python -m blogcrawler.evaluate` prints it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blogcrawler.evaluate import (
    DEFAULT_CORPUS,
    TARGETS,
    Page,
    annotated_day,
    load_corpus,
    run,
    score_page,
    snippets_ok,
    summarise,
    unreachable_snippets,
    words_within,
)

# What the extractor reaches today (disputed references left out): a change that scores lower
# than this on any check made it worse. Raise these as it improves.
FLOORS = {"words": 0.93, "images": 1.0, "links": 1.0, "snippets": 0.90, "date": 0.98}


def _page(**kwargs) -> Page:
    defaults = {"name": "p", "tier": "B", "url": "https://blog.example/p/",
                "source": Path("source.html")}
    return Page(**{**defaults, **kwargs})


def test_words_within_five_percent():
    assert words_within(105, 100) and words_within(95, 100)
    assert not words_within(106, 100) and not words_within(94, 100)
    assert words_within(0, 0)


def test_snippets_all_with_and_no_without():
    text = "Der Text\u00a0des  Beitrags.\nMehr dazu"
    assert snippets_ok(text, ["Text des Beitrags."], ["Teilen auf Facebook"])
    assert not snippets_ok(text, ["Text des Beitrags.", "fehlt"], [])
    assert not snippets_ok(text, [], ["Mehr dazu"])
    # The same text in Unicode's decomposed form ("a" + combining grave) is the same text.
    assert snippets_ok("Voila\u0300 la suite", ["Voil\u00e0 la suite"], [])


def test_annotated_day_is_the_calendar_day_as_written():
    assert annotated_day("2015-10-15T23:30:00-08:00") == "2015-10-15"
    assert annotated_day("2019-10-18") == "2019-10-18"
    assert annotated_day(None) is None


def test_score_page_applies_the_checks_of_the_tier():
    result = {"words": 100, "images": 2, "links": 5, "text": "post body", "date": "2015-10-15"}
    a_html = _page(tier="A-html", reference={"words": 103, "img": 2, "a_href": 6},
                   publication_date="2015-10-15T08:00:00+00:00")
    assert score_page(a_html, result) == {"words": True, "images": True, "links": False,
                                          "date": True}
    b = _page(with_snippets=["post"], without_snippets=["share"], publication_date="2015-10-16")
    assert score_page(b, result) == {"snippets": True, "date": False}


def test_summarise_leaves_disputed_references_out_of_the_targets():
    good = _page(name="good", publication_date="2015-10-15")
    wrong = _page(name="wrong", publication_date="2015-10-16", disputed={"date": "modified"})
    summary = summarise([(good, {"date": True}), (wrong, {"date": False})], [1.0, 3.0])
    date = summary["targets"]["date"]
    assert (date["passed"], date["pages"], date["met"]) == (1, 1, True)
    assert (date["all_passed"], date["all_pages"]) == (1, 2)
    assert summary["median_ms"] == 2.0
    assert summary["failures"] == [{"page": "wrong", "tier": "B", "failed": ["date"]}]


def test_unreachable_snippets_are_those_missing_from_the_whole_page():
    assert unreachable_snippets("Title. The post body.", ["post body", "in a script"]) == [
        "in a script"]


@pytest.fixture(scope="module")
def corpus_summary():
    if not (DEFAULT_CORPUS / "index.json").exists():
        pytest.skip(f"the real-page corpus is not here ({DEFAULT_CORPUS}); it lives beside the "
                    "project in ../shared, not in a clone")
    pages = load_corpus(DEFAULT_CORPUS)
    scored, timings = run(pages, repeat=1)
    return summarise([(page, checks) for page, checks, _ in scored], timings)


@pytest.mark.corpus
def test_corpus_has_every_tier(corpus_summary):
    assert corpus_summary["pages"] == 229
    assert {"A-html", "A-text", "B", "C"} <= set(corpus_summary["tiers"])


@pytest.mark.corpus
@pytest.mark.parametrize("check", sorted(FLOORS))
def test_no_check_gets_worse(corpus_summary, check):
    target = corpus_summary["targets"][check]
    assert target["share"] >= FLOORS[check], (
        f"{check}: {target['passed']}/{target['pages']} pages pass, below the floor "
        f"{FLOORS[check]:.0%}; `python -m blogcrawler.evaluate --verbose` lists them")


# Issue 5's targets not reached yet (see the issue's note); strict, so reaching one fails
# here until its mark is removed. Every target is reached today.
NOT_YET: set[str] = set()


@pytest.mark.corpus
@pytest.mark.parametrize("check", [
    pytest.param(check, marks=pytest.mark.xfail(strict=True, reason="issue 5: not reached yet"))
    if check in NOT_YET else check
    for check in TARGETS])
def test_issue_5_target(corpus_summary, check):
    target = corpus_summary["targets"][check]
    assert target["met"], (
        f"{check}: {target['passed']}/{target['pages']} = {target['share']:.1%} "
        f"< {TARGETS[check]:.0%}; `python -m blogcrawler.evaluate --verbose` lists the pages")
