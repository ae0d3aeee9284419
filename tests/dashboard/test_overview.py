"""The overview's rows and the batch's progress as pure functions of the documents the crawler
and the batch write (their fields as blogcrawler/extensions.py and blogcrawler/jobs.py
document them), and the URL state of the overview and the comparisons."""

from datetime import UTC, datetime, timedelta

from dashboard.urlstate import (
    CompareState,
    OverviewState,
    compare_query,
    overview_query,
    parse_compare,
    parse_overview,
)
from dashboard.views import overview, progress

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://blog.example/"


def job(state: str, enqueued: int, beat: int | None = None, site: str = SITE, year=2015):
    return {"_id": f"{site}|{year}", "site": site, "year": year, "state": state,
            "enqueued_at": NOW - timedelta(minutes=enqueued),
            "heartbeat_at": None if beat is None else NOW - timedelta(seconds=beat)}


def test_the_batch_is_the_jobs_since_the_oldest_one_still_pending():
    jobs = [job("done", 600, site="a"),  # last night's: not this batch
            job("done", 20, site="b"), job("failed", 20, site="c"),
            job("running", 20, beat=5, site="d"), job("running", 20, beat=200, site="e"),
            job("queued", 19, site="f")]
    b = progress.batch(jobs, NOW, lease_seconds=60)
    assert (b.total, b.done, b.failed, b.running, b.queued, b.lost) == (5, 1, 1, 2, 1, 1)
    assert progress.describe_batch(b) == ("2 of 5 jobs done · 1 failed · 2 running · 1 queued"
                                          " · 1 lost their worker (retried within a minute)")
    finished = progress.batch([job("done", 600, site="a"), job("done", 20, site="b")], NOW, 60)
    assert (finished.total, finished.finished, finished.pending) == (2, 2, False)
    assert progress.batch([], NOW, 60) is None


def test_running_crawls_count_posts_done_of_posts_found_and_drop_silent_ones():
    counts = {"listed": 52, "stored_new": 10, "updated": 2, "unchanged": 3, "dropped": 1,
              "failed": 1, "not_reached": 35}
    crawls = [{"site": SITE, "year": 2015, "status": "running", "posts": counts,
               "heartbeat_at": NOW - timedelta(seconds=4)},
              {"site": "https://dead.example/", "year": 2015, "status": "running",
               "heartbeat_at": NOW - timedelta(seconds=90)},  # killed: not running any more
              {"site": "https://done.example/", "year": 2015, "status": "finished"}]
    (running,) = progress.running(crawls, NOW, stale_seconds=60)
    assert (running.done, running.found) == (17, 52)
    assert progress.describe_running(running, "blog.example", NOW) == \
        "blog.example · 2015: 17 of 52 posts · heard 4 s ago"


def summary(site=SITE, year=2015, posts=10, **extra):
    return {"site": site, "year": year, "posts": posts,
            "metrics": {"words": {"mean": 512.4}, "images": {"mean": 1.25}},
            "words": {"per_week": 1024.0, "trend": -3.0}, "weekly": {"posts": [2, 0, 3]},
            **extra}


def test_a_rows_crawl_is_the_newest_of_its_summarys_and_the_running_ones():
    finished = {"_id": "c1", "status": "finished", "complete": True,
                "started_at": NOW - timedelta(hours=5), "finished_at": NOW - timedelta(hours=4)}
    running = {"_id": "c2", "site": SITE, "year": 2015, "status": "running",
               "started_at": NOW - timedelta(minutes=3), "heartbeat_at": NOW,
               "posts": {"listed": 40, "stored_new": 5}}
    (row,) = overview.rows([summary(crawl=finished)], [], [], {}, NOW)
    assert (row.crawl, row.crawl_detail, row.tone) == ("Complete", "4 hours ago", "ok")
    (row,) = overview.rows([summary(crawl=finished)], [running], [], {}, NOW)
    assert (row.crawl, row.crawl_detail) == ("Running", "5 of 40 posts")
    killed = dict(running, heartbeat_at=NOW - timedelta(minutes=2))
    (row,) = overview.rows([summary(crawl=finished)], [killed], [], {}, NOW)
    assert row.crawl == "Interrupted"


def test_blogs_without_a_summary_yet_are_listed_as_they_crawl_or_wait():
    running = {"site": "https://new.example/", "year": 2015, "status": "running",
               "started_at": NOW, "heartbeat_at": NOW, "posts": {"listed": 3}}
    found = overview.rows([summary()], [running], [job("queued", 1, site="https://q.example/")],
                          {"https://q.example/": "Q's blog"}, NOW)
    by_site = {r.site: r for r in found}
    assert by_site["https://new.example/"].crawl == "Running"
    assert by_site["https://new.example/"].posts is None
    assert (by_site["https://q.example/"].name, by_site["https://q.example/"].crawl,
            by_site["https://q.example/"].job) == ("Q's blog", "Not crawled yet", "queued")


def test_overview_cells():
    (row,) = overview.rows([summary()], [], [], {}, NOW)
    assert overview.trend_text(row) == "1,024 · ↘ -3.0/wk"
    assert overview.spark((2, 0, 3)) == "▆▁█"
    assert overview.spark(tuple(range(104)), width=26)  # grouped to fit
    assert len(overview.spark(tuple(range(104)), width=26)) == 26


def test_overview_and_comparison_urls_round_trip_and_refuse_junk():
    state = OverviewState(year=2015, sort="words", descending=True)
    assert parse_overview(overview_query(state)) == state
    assert parse_overview("?year=abc&sort=$where&order=up") == OverviewState()
    compare = CompareState(blogs=(f"{SITE}|2015", f"{SITE}|2014"), metric="posts", agg="sum",
                           layout="multiples")
    assert parse_compare(compare_query(compare)) == compare
    junk = parse_compare("?blogs=x,y|z," + ",".join(f"s{i}|2015" for i in range(40))
                         + "&metric=$ne&agg=post&layout=3d")
    assert len(junk.blogs) == 12 and all(b.endswith("|2015") for b in junk.blogs)
    assert (junk.metric, junk.agg, junk.layout) == ("words", "mean", "overlay")
