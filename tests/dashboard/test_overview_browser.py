"""The overview, the comparisons and the progress of a running batch in a real headless
Chromium, against fixture blogs crawled for real (fixture_site.serve_blogs: many blogs, each
with its exact truth), at 1440 and 390 px, under the page's CSP (no console error).

Every number checked is computed here from the blogs' own truth, in plain Python."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from browser import save_screenshot, severe_console_entries, start_chromium, wait_js
from conftest import LiveServer, app_for
from selenium.webdriver.common.by import By

from blogstats.weeks import weeks_in_iso_year
from fixture_site import serve_blogs
from fixture_site.many import Blogs
from fixture_site.server import BlogHandler, BlogServer
from tests.batch_support import (
    RedisServer,
    WorkerProcess,
    app_env,
    batch,
    needs_redis,
    wait_until,
)
from tests.conftest import run_crawl

pytestmark = pytest.mark.browser
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def farm():
    blogs = serve_blogs(3, realistic=True, seed=4200)
    yield blogs
    blogs.shutdown()


@pytest.fixture(scope="module")
def farm_db(mongo_server, farm):
    """Three blogs' 2015 and the first one's 2014, each crawled by `scrapy crawl blog`."""
    name = f"farm_{int(time.time() * 1000) % 10**8}"
    crawls = [(blog, 2015) for blog in farm.blogs] + [(farm.blogs[0], 2014)]
    for blog, year in crawls:
        result = run_crawl(blog.root, mongo_server.uri, name, "-a", f"year={year}",
                           "-a", "discover=archive")
        assert result.returncode == 0, result.stderr[-2000:]
    return mongo_server.uri, name


@pytest.fixture(scope="module")
def live(farm_db):
    server = LiveServer(app_for(*farm_db))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def driver():
    folder = Path(tempfile.mkdtemp(prefix="overview-downloads-"))
    driver = start_chromium(folder)
    yield driver
    driver.quit()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean_console(driver):
    driver.get_log("browser")  # what earlier tests left
    yield
    assert severe_console_entries(driver) == []  # a CSP violation is one


def words_per_week(truth: list[dict]) -> float:
    """Mean words per ISO week, from the first week with a post to the last, empty weeks 0."""
    mondays = defaultdict(float)
    for post in truth:
        mondays[date.fromisocalendar(post["iso_year"], post["iso_week"], 1)] += post["words"]
    first, last = min(mondays), max(mondays)
    weeks = (last - first).days // 7 + 1
    return sum(mondays.values()) / weeks


def week_of_year(iso_year: int, iso_week: int, year: int) -> int:
    if iso_year < year:
        return iso_week - weeks_in_iso_year(iso_year)
    if iso_year > year:
        return iso_week + weeks_in_iso_year(year)
    return iso_week


def weekly(truth: list[dict], year: int, value) -> dict[int, float]:
    """{week of the year: value(posts of that week)} for the weeks that have posts."""
    by_week = defaultdict(list)
    for post in truth:
        by_week[week_of_year(post["iso_year"], post["iso_week"], year)].append(post)
    return {week: value(posts) for week, posts in by_week.items()}


def overview_rows(driver) -> dict[tuple[str, str], dict[str, str]]:
    """{(site, year): {column: text}} of the overview's table as the page shows it."""
    return {(r["site"], r["year"]): r for r in driver.execute_script("""
        return Array.from(document.querySelectorAll('#overview-body tr')).map(tr => {
          const row = {site: tr.querySelector('.cell-blog').dataset.site};
          for (const td of tr.querySelectorAll('td')) {
            row[td.className.split(' ')[0].replace('cell-', '')] = td.innerText.trim(); }
          return row; });""")}


def test_the_overview_shows_every_blog_as_its_truth_says(driver, live, farm, clean_console):
    expected = {(blog.root, year): blog.truth(year) for blog in farm.blogs
                for year in ((2015, 2014) if blog is farm.blogs[0] else (2015,))}
    for width in WIDTHS:
        driver.set_window_size(width, 1000)
        driver.get(live.url + "/")
        wait_js(driver, f"document.querySelectorAll('#overview-body tr').length === "
                        f"{len(expected)}")
        rows = overview_rows(driver)
        assert set(rows) == {(site, str(year)) for site, year in expected}
        for (site, year), truth in expected.items():
            row = rows[(site, str(year))]
            assert row["posts"].endswith(f"{len(truth):,}")
            assert row["words"].endswith(f"{statistics.mean(t['words'] for t in truth):,.0f}")
            assert row["images"].endswith(f"{statistics.mean(t['images'] for t in truth):,.1f}")
            assert f"{words_per_week(truth):,.0f}" in row["trend"]
            assert "Complete" in row["crawl"]
        note = driver.find_element(By.ID, "overview-note").text
        assert note == "3 blogs, 4 blog-years"
        assert save_screenshot(driver, f"overview-{width}.png", width).stat().st_size > 10_000
        # no sideways scrolling of the page on a phone: the rows become cards
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    driver.set_window_size(1400, 1000)


def test_the_overview_sorts_and_filters_through_its_url(driver, live, farm, clean_console):
    driver.get(live.url + "/?year=2015&sort=posts&order=desc")
    wait_js(driver, "document.querySelectorAll('#overview-body tr').length === 3")
    posts = [int(r["posts"].split()[-1]) for r in driver.execute_script("""
        return Array.from(document.querySelectorAll('#overview-body tr'))
          .map(tr => ({posts: tr.querySelector('.cell-posts').innerText}));""")]
    assert posts == sorted((len(b.truth()) for b in farm.blogs), reverse=True)
    # a click on a header sorts by it: the link says so, and the URL keeps it
    link = driver.find_element(By.CSS_SELECTOR, "th .sort-link[href*='sort=words']")
    link.click()
    wait_js(driver, "window.location.search.includes('sort=words')")
    means = [statistics.mean(t["words"] for t in b.truth()) for b in farm.blogs]
    wait_js(driver, "document.querySelector('#overview-body .cell-words').innerText.endsWith("
                    f"'{max(means):,.0f}')")


def test_a_blog_of_the_overview_leads_to_its_page(driver, live, farm, clean_console):
    blog = farm.blogs[1]
    driver.get(live.url + "/")
    wait_js(driver, "document.querySelectorAll('#overview-body tr').length === 4")
    driver.find_element(By.CSS_SELECTOR, f"td[data-site='{blog.root}'] a").click()
    wait_js(driver, "window.location.pathname === '/blog'")
    wait_js(driver, f"document.getElementById('card-posts').innerText === "
                    f"'{len(blog.truth())}'")
    assert "site=" + blog.root in driver.current_url.replace("%3A", ":").replace("%2F", "/")


def compare_url(farm, metric: str = "words", agg: str = "mean", layout: str = "overlay") -> str:
    blogs = ",".join(f"{b.root}|2015" for b in farm.blogs[:2])
    return f"/compare?blogs={blogs}&metric={metric}&agg={agg}&layout={layout}"


def plotted(driver, graph: str) -> list[dict[int, float]]:
    """{x: y} of each line of a drawn graph (gaps left out)."""
    return [{int(x): y for x, y in zip(line["x"], line["y"], strict=True) if y is not None}
            for line in driver.execute_script(f"""
        const gd = document.querySelector('#{graph} .js-plotly-plot');
        return gd._fullData.map(t => ({{x: Array.from(t.x), y: Array.from(t.y).map(
          v => Number.isNaN(v) ? null : v)}}));""")]


def test_blogs_compared_week_by_week(driver, live, farm, clean_console):
    mean = {b.root: weekly(b.truth(), 2015, lambda ps: statistics.mean(p["words"] for p in ps))
            for b in farm.blogs[:2]}
    for width in WIDTHS:
        driver.set_window_size(width, 1000)
        driver.get(live.url + compare_url(farm))
        wait_js(driver, "document.querySelector('#compare-graph .js-plotly-plot') && document"
                        ".querySelector('#compare-graph .js-plotly-plot').data.length === 2")
        lines = plotted(driver, "compare-graph")
        assert [line == pytest.approx(mean[b.root]) for line, b in
                zip(lines, farm.blogs[:2], strict=True)] == [True, True]
        assert save_screenshot(driver, f"compare-{width}.png", width).stat().st_size > 10_000
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    driver.set_window_size(1400, 1000)
    # the weekly sum, one chart per blog, as a person picks them: same y axis for both
    for control, label in (("compare-agg", "Weekly sum"), ("compare-layout", "One chart per blog")):
        option = next(o for o in driver.find_elements(By.CSS_SELECTOR, f"#{control} label")
                      if o.text.strip() == label)
        option.click()
    wait_js(driver, "document.querySelector('#compare-small-1 .js-plotly-plot') !== null")
    assert "agg=sum" in driver.current_url and "layout=multiples" in driver.current_url
    for i, blog in enumerate(farm.blogs[:2]):
        total = weekly(blog.truth(), 2015, lambda ps: sum(p["words"] for p in ps))
        # a week without posts sums to nothing: 0, from the first week to the last
        every = {w: total.get(w, 0) for w in range(min(total), max(total) + 1)}
        assert plotted(driver, f"compare-small-{i}")[0] == pytest.approx(every)
    ranges = driver.execute_script("""return [0, 1].map(i => document.querySelector(
        '#compare-small-' + i + ' .js-plotly-plot')._fullLayout.yaxis.range)""")
    assert ranges[0] == ranges[1]
    # the link shares the view
    shared = driver.current_url
    driver.get("about:blank")
    driver.get(shared)
    wait_js(driver, "document.querySelector('#compare-small-1 .js-plotly-plot') !== null")


def test_a_blogs_years_against_each_other(driver, live, farm, clean_console):
    blog = farm.blogs[0]
    driver.get(live.url + f"/blog?site={blog.root}&year=2015&ym=posts")
    wait_js(driver, "document.querySelector('#years-graph .js-plotly-plot') && document"
                    ".querySelector('#years-graph .js-plotly-plot').data.length === 2")
    names = driver.execute_script(
        "return document.querySelector('#years-graph .js-plotly-plot').data.map(t => t.name)")
    assert names == ["2015", "2014"]
    lines = plotted(driver, "years-graph")
    for line, year in zip(lines, (2015, 2014), strict=True):
        counts = weekly(blog.truth(year), year, len)
        # every week from the first to the last, a week without posts at 0
        assert {w: n for w, n in line.items() if n} == counts
        assert set(line) == set(range(min(counts), max(counts) + 1))


# -- a batch running: jobs done of jobs queued, each blog's posts done of posts found ------
class SlowHandler(BlogHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        time.sleep(self.server.delay)
        super().do_GET()


@pytest.fixture
def slow_blogs():
    """Two fixture blogs on one server, every answer 0.3 s late: a crawl takes a while."""
    server = BlogServer(("127.0.0.1", 0), lambda root: Blogs(root, 2, year=2015, seed=77,
                                                             realistic=False))
    server.RequestHandlerClass = SlowHandler
    server.delay = 0.3
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@needs_redis
def test_the_overview_follows_a_running_batch(driver, mongo_db, slow_blogs, tmp_path,
                                              clean_console):
    """Two blogs on the queue, one worker started from the Procfile: the overview shows the
    jobs done of the jobs queued and each running blog's posts done of posts found, as they
    move, then every blog with its truth."""
    uri, name = mongo_db
    redis = RedisServer().start()
    worker = None
    server = LiveServer(app_for(uri, name, status_interval_ms=1000))
    try:
        # polite enough that each crawl lasts about a minute: several heartbeats (10 s)
        env = app_env(redis.url, uri, name, WORKER_CONCURRENCY="2", DISCOVERY="archive",
                      DOWNLOAD_DELAY="0.7")
        blogs = slow_blogs.blog.blogs
        result = batch(env, "--year", "2015", *(b.root for b in blogs))
        assert result.returncode == 0, result.stderr
        driver.get(server.url + "/")
        wait_js(driver, "document.getElementById('batch-progress') && document"
                        ".getElementById('batch-progress').innerText.startsWith('0 of 2 jobs')")
        worker = WorkerProcess(env, tmp_path / "worker.log").start()
        seen = set()

        def progress_moved():
            texts = driver.execute_script(
                "return Array.from(document.querySelectorAll('#running-crawls .running-text'))"
                ".map(e => e.innerText)")
            seen.update(texts)
            return len({t.split(" · heard")[0] for t in seen}) >= 3

        driver.set_window_size(390, 1000)  # followed on a phone
        wait_until(progress_moved, 240, "running blogs' progress moving", [worker])
        assert save_screenshot(driver, "overview-running-390.png", 390).stat().st_size > 10_000
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")
        driver.set_window_size(1440, 1000)
        found = [t for t in seen if " of " in t]
        assert found and all(t.split(": ")[1].split(" posts")[0].split(" of ")[1] != "0"
                             for t in found)
        wait_js(driver, "document.getElementById('batch-progress').innerText"
                        ".startsWith('2 of 2 jobs done')", timeout=300)
        assert save_screenshot(driver, "overview-batch-1440.png", 1440).stat().st_size > 10_000
        driver.get(server.url + "/")
        wait_js(driver, "document.querySelectorAll('#overview-body tr').length === 2")
        rows = overview_rows(driver)
        for blog in blogs:
            row = rows[(blog.root, "2015")]
            assert row["posts"].endswith(str(len(blog.truth())))
            assert "Complete" in row["crawl"]
    finally:
        driver.get("about:blank")  # the page stops polling before its server goes
        if worker is not None:
            worker.terminate()
        server.stop()
        redis.stop()
