"""The dashboard in a real headless Chromium against a real crawl of the fixture blog."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pymongo
import pytest
from browser import (
    save_screenshot,
    severe_console_entries,
    start_chromium,
    trace_count,
    wait_js,
)
from conftest import LiveServer, app_for
from dashboard_posts import HOSTILE_TITLE
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from fixture_site import serve_blog
from tests.conftest import SecantusServer, run_crawl

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def downloads():
    path = Path(tempfile.mkdtemp(prefix="dashboard-downloads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def driver(downloads):
    driver = start_chromium(downloads)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def live(crawled_db):
    server = LiveServer(app_for(*crawled_db))
    yield server
    server.stop()


@pytest.fixture
def page(driver, live):
    """Open a path of the live app; after the test, the console must hold no errors."""
    driver.get_log("browser")  # drop what earlier tests left

    def open_page(path: str = "/", traces: int | None = None):
        driver.get(live.url + path)
        wait_js(driver, trace_count("weekly-graph") + (f" === {traces}" if traces else " > 0"))
        wait_js(driver, "document.querySelectorAll('#posts-table td').length > 0")
        return driver

    yield open_page
    assert severe_console_entries(driver) == []


def checked(driver, control_id: str) -> list[str]:
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{control_id} input:checked'))"
        ".map(i => i.value)")


def click_option(driver, control_id: str, label: str) -> None:
    for option in driver.find_elements(By.CSS_SELECTOR, f"#{control_id} label"):
        if option.text.strip() == label:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
            option.click()
            return
    raise AssertionError(f"no option {label!r} in #{control_id}")


def test_page_loads_without_console_errors_and_looks_right(page, driver):
    page("/")
    assert driver.execute_script("return " + trace_count("weekly-graph")) == 3  # the default metrics
    assert driver.find_element(By.ID, "card-posts").text == "52"
    assert driver.find_element(By.ID, "card-crawl").text == "Complete"
    assert "r = " in driver.find_element(By.ID, "pearson").text
    assert "site=" in driver.current_url and "metrics=words,images,links" in driver.current_url
    for name, width in (("dashboard-wide.png", 1440), ("dashboard-phone.png", 390)):
        assert save_screenshot(driver, name, width).stat().st_size > 10_000
    # on a phone the page must not scroll sideways
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    driver.set_window_size(1400, 1000)


def test_choosing_metrics_changes_the_number_of_traces(page, driver):
    page("/", traces=3)
    click_option(driver, "metrics", "Comments")
    wait_js(driver, trace_count("weekly-graph") + " === 4")
    assert driver.execute_script(
        "return document.querySelectorAll('#weekly-graph g.trace').length") == 4
    click_option(driver, "metrics", "Words")
    click_option(driver, "metrics", "Images")
    wait_js(driver, trace_count("weekly-graph") + " === 2")
    names = driver.execute_script(
        "return document.querySelector('#weekly-graph .js-plotly-plot').data.map(t => t.name)")
    assert names == ["Links", "Comments"]
    assert "metrics=links,comments" in driver.current_url


def test_zoom_survives_a_change_of_metrics(page, driver):
    page("/?metrics=words,images&scale=pct", traces=2)
    graph = driver.find_element(By.CSS_SELECTOR, "#weekly-graph .js-plotly-plot")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", graph)
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    # a zoom box dragged with the mouse across the middle of the plot
    ActionChains(driver).move_to_element(graph).move_by_offset(-150, 0).click_and_hold() \
        .move_by_offset(120, 10).move_by_offset(120, 10).release().perform()
    zoomed = wait_js(driver, f"{gd}.layout.xaxis.autorange === false && {gd}.layout.xaxis.range")
    click_option(driver, "metrics", "Links")
    wait_js(driver, trace_count("weekly-graph") + " === 3")
    assert driver.execute_script(f"return {gd}.layout.xaxis.range") == zoomed


def test_a_shared_url_restores_the_view(page, driver, live):
    page("/?metrics=comments,words&scale=pct&rolling=4&x=week&sx=images&sy=links", traces=2)
    assert checked(driver, "metrics") == ["words", "comments"]
    assert checked(driver, "scale") == ["pct"] and checked(driver, "x") == ["week"]
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    assert driver.execute_script(f"return {gd}.data.map(t => t.name)") == ["Comments", "Words"]
    assert driver.execute_script(f"return {gd}.layout.xaxis.type") == "linear"  # weeks
    assert driver.execute_script(f"return {gd}.layout.yaxis.ticksuffix") == "%"
    wait_js(driver, "document.querySelector('#scatter-graph .js-plotly-plot')"
                    ".layout.xaxis.title.text === 'Images'")
    # change the view, then open its link in a fresh page: the same view comes back
    click_option(driver, "metrics", "Headings")
    click_option(driver, "scale", "z-score")
    wait_js(driver, "window.location.search.includes('scale=z')")
    shared = driver.current_url
    assert "headings" in shared and "rolling=4" in shared
    driver.get("about:blank")
    page(shared.removeprefix(live.url), traces=3)
    assert checked(driver, "metrics") == ["words", "headings", "comments"]
    assert checked(driver, "scale") == ["z"]
    assert driver.execute_script(f"return {gd}.layout.yaxis.title.text").startswith("z-score")


def test_junk_in_the_url_falls_back_to_the_defaults(page, driver):
    page("/?metrics=%3Cscript%3E,words&scale=$ne&rolling=abc&year=20x5&site=%7B%22%24ne%22%3A1%7D"
         "&x=&zzz=1", traces=1)
    assert checked(driver, "metrics") == ["words"] and checked(driver, "scale") == ["raw"]
    assert driver.find_element(By.ID, "card-posts").text == "52"


def test_the_csv_download_holds_exactly_the_rows_shown(page, driver, downloads):
    page("/")
    title_filter = driver.find_element(
        By.CSS_SELECTOR, '#posts-table th.dash-filter[data-dash-column="title"] input')
    title_filter.send_keys("Week 1", Keys.ENTER)
    wait_js(driver, "document.querySelectorAll('#posts-table td[data-dash-column=\"title\"]')"
                    ".length === 11")  # Week 1 and Weeks 10-19
    driver.find_element(
        By.CSS_SELECTOR, '#posts-table th[data-dash-column="words"] .column-header--sort').click()
    shown_script = ("return Array.from(document.querySelectorAll("
                    "'#posts-table td[data-dash-column=\"title\"]')).map(td => td.innerText)")
    wait_js(driver, "(() => { const w = Array.from(document.querySelectorAll("
                    "'#posts-table td[data-dash-column=\"words\"]')).map(td => +td.innerText);"
                    " return w.every((v, i) => i === 0 || w[i - 1] <= v) ||"
                    " w.every((v, i) => i === 0 || w[i - 1] >= v); })()")
    shown = driver.execute_script(shown_script)
    words = driver.execute_script(shown_script.replace('"title"', '"words"'))
    for old in downloads.glob("*.csv"):
        old.unlink()
    driver.find_element(By.ID, "download-button").click()
    wait_js(driver, "true")  # let the click's callback be sent
    deadline = time.monotonic() + 30
    while not list(downloads.glob("*.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    files = list(downloads.glob("*.csv"))
    assert len(files) == 1 and files[0].name.startswith("blogstats-127.0.0.1-")
    rows = list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))))
    assert [r["Title"] for r in rows] == shown
    assert [r["Words"] for r in rows] == words
    assert len(rows) == 11


def test_clicking_a_point_opens_its_post(page, driver):
    page("/?metrics=words", traces=1)
    graph = driver.find_element(By.CSS_SELECTOR, "#weekly-graph .js-plotly-plot")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", graph)
    # where the 10th post's point is drawn, relative to the graph's centre
    dx, dy, url = driver.execute_script("""
        const gd = arguments[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const point = gd.calcdata[0][9], box = gd.getBoundingClientRect();
        return [xa._offset + xa.c2p(point.x) - box.width / 2,
                ya._offset + ya.c2p(point.y) - box.height / 2,
                gd.data[0].customdata[9][3]];""", graph)
    # from the centre, then by an offset: the same in every Selenium 4 version
    ActionChains(driver).move_to_element(graph).move_by_offset(int(dx), int(dy)).pause(0.3) \
        .click().perform()
    wait_js(driver, "window.__opened.length === 1")
    assert driver.execute_script("return window.__opened") == [url]
    assert "/2015/03/11/week-10/" in url


@pytest.fixture(scope="module")
def hostile_db(mongo_server):
    """A crawl of the fixture blog whose third post has a hostile title, plus one post (written
    directly, as a compromised database could hold it) whose URL is javascript:."""
    blog = serve_blog(titles={3: HOSTILE_TITLE})
    name = "hostile_" + str(blog.server_address[1])
    try:
        result = run_crawl(blog.url, mongo_server.uri, name)
        assert result.returncode == 0, result.stderr[-2000:]
    finally:
        blog.shutdown()
        blog.server_close()
    client = pymongo.MongoClient(mongo_server.uri)
    post = client[name].posts.find_one({"title": "Week 5"}, {"_id": 0})
    client[name].posts.insert_one(dict(post, url="javascript:alert(3)", title="Evil link"))
    yield mongo_server.uri, name
    client.drop_database(name)
    client.close()


def test_a_hostile_title_is_shown_as_text_and_runs_nothing(driver, hostile_db):
    server = LiveServer(app_for(*hostile_db))
    try:
        driver.get_log("browser")
        driver.get(server.url + "/?metrics=words")
        wait_js(driver, "document.querySelectorAll('#posts-table td').length > 0")
        cells = driver.find_elements(By.CSS_SELECTOR, '#posts-table td[data-dash-column="title"]')
        assert HOSTILE_TITLE in [c.text for c in cells]
        assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
        # the hover label shows the title as written
        gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
        index = driver.execute_script(
            f"return {gd}.data[0].customdata.findIndex(c => c[0].includes('script'))")
        driver.execute_script(f"Plotly.Fx.hover({gd}, [{{curveNumber: 0, pointNumber: {index}}}])")
        hover = wait_js(driver, f"{gd}.querySelector('.hoverlayer').textContent")
        assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in hover
        # a javascript: URL from the data is never opened, even if a click reaches it
        evil = driver.execute_script(
            f"return {gd}.data[0].customdata.findIndex(c => c[0] === 'Evil link')")
        assert evil >= 0
        driver.execute_script(f"""
            const gd = {gd};
            gd.emit('plotly_click', {{points: [{{curveNumber: 0, pointNumber: {evil},
                customdata: gd.data[0].customdata[{evil}]}}]}});""")
        assert driver.execute_script(
            "return window.dash_clientside.blogstats.safePostUrl('javascript:alert(1)')") is None
        assert driver.execute_script(
            "return window.dash_clientside.blogstats.safePostUrl(' JavaScript:alert(1)')") is None
        wait_js(driver, "document.readyState === 'complete'")
        assert driver.execute_script("return window.__opened") == []
        assert driver.execute_script("return window.__alerts") == []
        assert severe_console_entries(driver) == []
    finally:
        server.stop()


def health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_banner_when_the_database_goes_away_and_gone_when_it_is_back(driver):
    storage = tempfile.mkdtemp(prefix="secantus-outage-")
    database = SecantusServer(storage_path=storage).start()
    server = LiveServer(app_for(database.uri, "empty", status_interval_ms=1000))
    try:
        driver.get(server.url + "/")
        wait_js(driver, "!document.getElementById('empty-state').hidden")
        assert "scrapy crawl blog" in driver.find_element(By.ID, "empty-state").text
        assert health(server.url) == 200
        database.kill()
        wait_js(driver, "!document.getElementById('banner').hidden")
        banner = driver.find_element(By.ID, "banner").text
        assert "not answering" in banner and database.uri.split("//")[1] in banner
        assert health(server.url) == 503
        database = SecantusServer(storage_path=storage, port=database.port).start()
        wait_js(driver, "document.getElementById('banner').hidden", timeout=60)
        assert health(server.url) == 200
        assert not driver.execute_script("return document.getElementById('empty-state').hidden")
        assert quote("site") not in driver.current_url  # still nothing to show
    finally:
        server.stop()
        database.stop()
        shutil.rmtree(storage, ignore_errors=True)
