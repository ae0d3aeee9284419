"""The dashboard in a real headless Chromium against a real crawl of the fixture blog: every view
drawn under the page's CSP at 1440 and 390 px, every control and filter a person types into, the
CSV, the click guard, and the last crawl card while a crawl runs."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import signal
import subprocess
import sys
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

from dashboard import table
from fixture_site import serve_blog
from fixture_site.faults import serve_faulty_blog
from tests.conftest import ROOT, SecantusServer, run_crawl

pytestmark = pytest.mark.browser
GRID_CELLS = "#posts-table .ag-center-cols-container .ag-row .ag-cell"


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


@pytest.fixture(scope="module")
def truth(blog) -> list[dict]:
    """The post documents the crawled fixture blog must give (its own ground truth)."""
    return blog.truth()


def wait_for_table(driver) -> None:
    wait_js(driver, f"document.querySelectorAll('{GRID_CELLS}').length > 0")


@pytest.fixture
def page(driver, live):
    """Open a path of the live app; after the test, the console must hold no errors (a CSP
    violation is one)."""
    driver.get_log("browser")  # drop what earlier tests left

    def open_page(path: str = "/blog", traces: int | None = None):
        driver.get(live.url + path)
        wait_js(driver, trace_count("weekly-graph") + (f" === {traces}" if traces else " > 0"))
        wait_for_table(driver)
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


def choose(driver, dropdown_id: str, label: str) -> None:
    """Pick an option of a dcc.Dropdown as a person does: open it, click the option."""
    box = driver.find_element(By.CSS_SELECTOR, f"#{dropdown_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for option in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
            if option.text.strip() == label and option.is_displayed():
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
                option.click()
                return
        time.sleep(0.1)
    raise AssertionError(f"no option {label!r} in #{dropdown_id}")


def grid_column(driver, column: str) -> list[str]:
    return driver.execute_script(
        "const rows = Array.from(document.querySelectorAll("
        "'#posts-table .ag-center-cols-container .ag-row'));"
        "rows.sort((a, b) => +a.getAttribute('row-index') - +b.getAttribute('row-index'));"
        f"return rows.map(r => r.querySelector('.ag-cell[col-id=\"{column}\"]'))"
        ".filter(c => c).map(c => c.innerText);")


def grid_filter_model(driver) -> dict:
    return driver.execute_script(
        "return window.dash_ag_grid.getApi('posts-table').getFilterModel()")


def wait_for_model(driver, model: dict) -> None:
    """Until the grid's filter model (what it sends the server) is `model`."""
    deadline = time.monotonic() + 30
    while grid_filter_model(driver) != model:
        assert time.monotonic() < deadline, grid_filter_model(driver)
        time.sleep(0.1)


def download(driver, downloads: Path) -> list[dict]:
    for old in downloads.glob("*.csv"):
        old.unlink()
    button = driver.find_element(By.ID, "download-button")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    deadline = time.monotonic() + 30
    while not list(downloads.glob("*.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (file,) = downloads.glob("*.csv")
    return list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8"))))


def test_every_view_is_drawn_under_the_csp_at_both_widths(page, driver, truth):
    for width, name in ((1440, "dashboard-wide.png"), (390, "dashboard-phone.png")):
        driver.set_window_size(width, 1000)
        page("/blog")
        assert driver.execute_script("return " + trace_count("weekly-graph")) == 3
        wait_js(driver, trace_count("terms-graph") + " === 4")
        wait_js(driver, trace_count("scatter-graph") + " >= 1")
        assert driver.find_element(By.ID, "card-posts").text == str(len(truth))
        assert driver.find_element(By.ID, "card-crawl").text == "Complete"
        assert "r = " in driver.find_element(By.ID, "pearson").text
        assert "site=" in driver.current_url and "metrics=words,images,links" in driver.current_url
        assert save_screenshot(driver, name, width).stat().st_size > 10_000
        # no card is cut off: each detail shows all its text
        assert driver.execute_script(
            "return Array.from(document.querySelectorAll('.card-detail'))"
            ".every(e => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1)")
        # the plot toolbar sits above the plotting area, never on its top points
        assert driver.execute_script("""
            return Array.from(document.querySelectorAll('#weekly-graph, #terms-graph, #scatter-graph'))
              .every(g => { const bar = g.querySelector('.modebar-container');
                            const plot = g.querySelector('.cartesianlayer .xy, .nsewdrag');
                            return !bar || !plot || bar.getBoundingClientRect().bottom
                                   <= plot.getBoundingClientRect().top + 1; });""")
        # the table is in the page's font, not a monospace one
        font = driver.execute_script(
            f"return getComputedStyle(document.querySelector('{GRID_CELLS}')).fontFamily")
        assert "mono" not in font.lower() and "courier" not in font.lower()
        if width == 390:  # on a phone the page must not scroll sideways
            assert driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    driver.set_window_size(1400, 1000)


def test_many_metrics_get_panels_of_a_readable_height(page, driver):
    page("/blog?metrics=" + ",".join(["words", "images", "links", "links_internal", "links_external",
                                  "paragraphs", "headings", "list_items", "blockquotes",
                                  "embeds", "tables", "html_bytes", "content_bytes", "comments"]),
         traces=14)
    heights = driver.execute_script("""
        const gd = document.querySelector('#weekly-graph .js-plotly-plot');
        return Object.keys(gd._fullLayout).filter(k => /^yaxis\\d*$/.test(k))
          .map(k => gd._fullLayout[k]._length);""")
    assert len(heights) == 14 and min(heights) >= 140


def test_choosing_metrics_changes_the_number_of_traces(page, driver):
    page("/blog", traces=3)
    click_option(driver, "metrics", "Comments")
    wait_js(driver, trace_count("weekly-graph") + " === 4")
    click_option(driver, "metrics", "Words")
    click_option(driver, "metrics", "Images")
    wait_js(driver, trace_count("weekly-graph") + " === 2")
    names = driver.execute_script(
        "return document.querySelector('#weekly-graph .js-plotly-plot').data.map(t => t.name)")
    assert names == ["Links", "Comments"]
    assert "metrics=links,comments" in driver.current_url


def test_every_control_reaches_the_graphs(page, driver):
    page("/blog?metrics=words", traces=1)
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    choose(driver, "rolling", "4 weeks")
    wait_js(driver, f"{gd}.data[0].hovertemplate.includes('4-week mean')")
    assert "rolling=4" in driver.current_url
    click_option(driver, "scale", "% of year's max")
    wait_js(driver, f"{gd}.layout.yaxis.ticksuffix === '%'")
    # the chosen segment keeps its colours under the pointer (Dash 4's own hover is purple)
    chosen = driver.find_element(By.CSS_SELECTOR, "#scale .dash-options-list-option.selected")
    ActionChains(driver).move_to_element(chosen).perform()
    colours = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor]", chosen)
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 114, 178)"], colours
    click_option(driver, "x", "Blog's week no.")
    wait_js(driver, f"{gd}.layout.xaxis.type === 'linear'")
    choose(driver, "sx", "Images")
    wait_js(driver, "document.querySelector('#scatter-graph .js-plotly-plot')"
                    ".layout.xaxis.title.text === 'Images'")
    click_option(driver, "terms", "apple")  # untick one term
    wait_js(driver, trace_count("terms-graph") + " === 3")
    assert "terms=" in driver.current_url and "apple" not in driver.current_url.split("terms=")[1]


def test_zoom_survives_a_change_of_metrics(page, driver):
    page("/blog?metrics=words,images&scale=pct", traces=2)
    graph = driver.find_element(By.CSS_SELECTOR, "#weekly-graph .js-plotly-plot")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", graph)
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    ActionChains(driver).move_to_element(graph).move_by_offset(-150, 0).click_and_hold() \
        .move_by_offset(120, 10).move_by_offset(120, 10).release().perform()
    zoomed = wait_js(driver, f"{gd}.layout.xaxis.autorange === false && {gd}.layout.xaxis.range")
    click_option(driver, "metrics", "Links")
    wait_js(driver, trace_count("weekly-graph") + " === 3")
    assert driver.execute_script(f"return {gd}.layout.xaxis.range") == zoomed


def test_a_shared_url_restores_the_view(page, driver, live):
    page("/blog?metrics=comments,words&scale=pct&rolling=4&x=week&sx=images&sy=links", traces=2)
    assert checked(driver, "metrics") == ["words", "comments"]
    assert checked(driver, "scale") == ["pct"] and checked(driver, "x") == ["week"]
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    assert driver.execute_script(f"return {gd}.data.map(t => t.name)") == ["Comments", "Words"]
    assert driver.execute_script(f"return {gd}.layout.xaxis.type") == "linear"  # weeks
    assert driver.execute_script(f"return {gd}.layout.yaxis.ticksuffix") == "%"
    wait_js(driver, "document.querySelector('#scatter-graph .js-plotly-plot')"
                    ".layout.xaxis.title.text === 'Images'")
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


@pytest.mark.parametrize("rolling", ["5", "-4", "abc", "13.0", "1e1"])
def test_a_rolling_value_the_page_does_not_offer_gives_the_default(page, driver, rolling):
    page(f"/blog?metrics=words&rolling={rolling}", traces=1)
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    assert driver.find_element(By.CSS_SELECTOR, "#rolling").text.strip().startswith("Off")
    assert "week mean" not in driver.execute_script(f"return {gd}.data[0].hovertemplate")
    wait_js(driver, "window.location.search.includes('site=')")
    assert "rolling=" not in driver.current_url  # the default, so left out of the link


def test_junk_in_the_url_falls_back_to_the_defaults(page, driver, truth):
    page("/blog?metrics=%3Cscript%3E,words&scale=$ne&rolling=abc&year=20x5&site=%7B%22%24ne%22%3A1%7D"
         "&x=&zzz=1", traces=1)
    assert checked(driver, "metrics") == ["words"] and checked(driver, "scale") == ["raw"]
    assert driver.find_element(By.ID, "card-posts").text == str(len(truth))


def type_in_floating_filter(driver, column: str, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR,
                              f'#posts-table .ag-floating-filter[col-id="{column}"] input')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.clear()
    box.send_keys(text)


def shown_titles_settle(driver, expected: list[str]) -> None:
    deadline = time.monotonic() + 30
    while (shown := driver.execute_script("return " + grid_js_titles())) != expected:
        assert time.monotonic() < deadline, shown
        time.sleep(0.1)


def grid_js_titles() -> str:
    return ("Array.from(document.querySelectorAll('#posts-table .ag-center-cols-container .ag-row'))"
            ".sort((a, b) => +a.getAttribute('row-index') - +b.getAttribute('row-index'))"
            ".map(r => r.querySelector('.ag-cell[col-id=\"title\"]')).filter(c => c)"
            ".map(c => c.innerText)")


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))  # as JSON.stringify writes it


TESTS = {
    "contains": lambda cell, v: v.lower() in cell.lower(),
    "startsWith": lambda cell, v: cell.lower().startswith(v.lower()),
    "greaterThan": lambda cell, v: cell > v,
    "greaterThanOrEqual": lambda cell, v: cell >= v,
}


def expected_titles(truth: list[dict], model: dict, sort: list | None = None) -> list[str]:
    """The titles the table must show, from the blog's truth: the filter model's conditions
    (the few kinds these tests type), then the order: the sorted column, then the URL."""
    kept = [t for t in truth if all(TESTS[m["type"]](t[column], m["filter"])
                                    for column, m in model.items())]
    column, direction = (sort[0]["colId"], sort[0]["sort"]) if sort else ("date", "asc")
    kept.sort(key=lambda t: (t[column], t["url"]), reverse=direction == "desc")
    return [t["title"] for t in kept]


def test_typing_a_title_filter(page, driver, truth, downloads):
    page("/blog")
    type_in_floating_filter(driver, "title", "Week 1")
    model = {"title": {"filterType": "text", "type": "contains", "filter": "Week 1"}}
    wait_for_model(driver, model)
    expected = expected_titles(truth, model)
    assert 0 < len(expected) <= table.PAGE_SIZE
    shown_titles_settle(driver, expected)
    assert [r["Title"] for r in download(driver, downloads)] == expected


def test_the_words_filter_a_blogger_asks_for(page, driver, truth, downloads):
    """"Posts over 300 words": the Words filter's menu, "Greater than", 300, as a person does."""
    page("/blog")
    button = driver.find_element(
        By.CSS_SELECTOR, '#posts-table .ag-floating-filter[col-id="words"] button')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_js(driver, "!!document.querySelector('.ag-filter .ag-picker-field')")
    driver.find_element(By.CSS_SELECTOR, ".ag-filter .ag-picker-field").click()
    option = next(o for o in driver.find_elements(By.CSS_SELECTOR, ".ag-list-item, .ag-select-list-item")
                  if o.text.strip() == "Greater than")
    option.click()
    field = driver.find_element(By.CSS_SELECTOR, ".ag-filter .ag-filter-body input")
    field.send_keys("300")
    model = {"words": {"filterType": "number", "type": "greaterThan", "filter": 300}}
    wait_for_model(driver, model)
    field.send_keys(Keys.ESCAPE)
    expected = expected_titles(truth, model)
    assert 0 < len(expected) < len(truth)
    wait_js(driver, f"document.getElementById('download-button').innerText === "
                    f"'Download CSV ({len(expected)} rows)'")
    rows = download(driver, downloads)
    assert [r["Title"] for r in rows] == expected
    assert all(int(r["Words"]) > 300 for r in rows)


def test_typing_a_number_a_date_and_sorting(page, driver, truth, downloads):
    page("/blog")
    type_in_floating_filter(driver, "words", "300")  # the default comparison: at least
    type_in_floating_filter(driver, "date", "2015-0")
    model = {"date": {"filterType": "text", "type": "startsWith", "filter": "2015-0"},
             "words": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 300}}
    wait_for_model(driver, model)
    header = driver.find_element(
        By.CSS_SELECTOR, '#posts-table .ag-header-cell[col-id="words"] .ag-header-cell-label')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", header)
    header.click()  # ascending
    sort = [{"colId": "words", "sort": "asc"}]
    expected = expected_titles(truth, model, sort)
    assert 0 < len(expected) < len(truth)
    shown_titles_settle(driver, expected[:table.PAGE_SIZE])
    rows = download(driver, downloads)
    assert [r["Title"] for r in rows] == expected
    words = [int(r["Words"]) for r in rows]
    assert words == sorted(words) and min(words) >= 300
    assert all(r["Date"] < "2015-10" for r in rows)


def test_clicking_a_point_opens_its_post(page, driver):
    page("/blog?metrics=words", traces=1)
    graph = driver.find_element(By.CSS_SELECTOR, "#weekly-graph .js-plotly-plot")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", graph)
    dx, dy, url = driver.execute_script("""
        const gd = arguments[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const point = gd.calcdata[0][9], box = gd.getBoundingClientRect();
        return [xa._offset + xa.c2p(point.x) - box.width / 2,
                ya._offset + ya.c2p(point.y) - box.height / 2,
                gd.data[0].customdata[9][4]];""", graph)
    ActionChains(driver).move_to_element(graph).move_by_offset(int(dx), int(dy)).pause(0.3) \
        .click().perform()
    wait_js(driver, "window.__opened.length === 1")
    assert driver.execute_script("return window.__opened") == [url]
    assert url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("hostile", ["javascript:alert(1)", " JavaScript:alert(1)",
                                     "data:text/html,<script>alert(1)</script>",
                                     "vbscript:msgbox(1)", "jav\tascript:alert(1)"])
def test_the_page_itself_refuses_to_open_a_non_http_url(page, driver, hostile):
    """The server blanks such URLs before they reach a figure; a figure that carries one anyway
    (a future view that forgets, a compromised cache) must open nothing when clicked. The URL
    is put into the drawn figure in the browser, so it reaches the page's own guard without the
    server's; a plain https URL through the same click path does open (a guard that let all
    through, or one that opened nothing, fails)."""
    page("/blog?metrics=words", traces=1)
    gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
    click = f"""
        const gd = {gd}, i = arguments[1];
        gd.data[0].customdata[i][gd.data[0].customdata[i].length - 1] = arguments[0];
        gd.emit('plotly_click', {{points: [{{curveNumber: 0, pointNumber: i}}]}});"""
    driver.execute_script(click, hostile, 0)
    driver.execute_script(click, "https://blog.example/a-post/", 1)
    wait_js(driver, "window.__opened.length >= 1")
    time.sleep(0.5)  # not a measurement: lets a wrongly opened first click land too
    assert driver.execute_script("return window.__opened") == ["https://blog.example/a-post/"]
    assert driver.execute_script("return window.__alerts") == []


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
        driver.get(server.url + "/blog?metrics=words")
        wait_for_table(driver)
        type_in_floating_filter(driver, "title", "script")
        wait_js(driver, f"{grid_js_titles()}.length === 1")
        assert driver.execute_script(f"return {grid_js_titles()}") == [HOSTILE_TITLE]
        assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
        gd = "document.querySelector('#weekly-graph .js-plotly-plot')"
        index = driver.execute_script(
            f"return {gd}.data[0].customdata.findIndex(c => c[0].includes('script'))")
        driver.execute_script(f"Plotly.Fx.hover({gd}, [{{curveNumber: 0, pointNumber: {index}}}])")
        hover = wait_js(driver, f"{gd}.querySelector('.hoverlayer').textContent")
        assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in hover
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
        wait_js(driver, "!document.getElementById('overview-empty').hidden")
        assert "scrapy crawl blog" in driver.find_element(By.ID, "overview-empty").text
        assert health(server.url) == 200
        database.kill()
        wait_js(driver, "!document.getElementById('banner').hidden")
        banner = driver.find_element(By.ID, "banner").text
        assert "not answering" in banner
        assert database.uri.split("//")[1] not in banner  # nothing of the URI on the page
        assert health(server.url) == 503
        database = SecantusServer(storage_path=storage, port=database.port).start()
        wait_js(driver, "document.getElementById('banner').hidden", timeout=60)
        assert health(server.url) == 200
        assert not driver.execute_script(
            "return document.getElementById('overview-empty').hidden")
        driver.get(server.url + "/blog")
        wait_js(driver, "!document.getElementById('empty-state').hidden")
        assert quote("site") not in driver.current_url  # still nothing to show
    finally:
        server.stop()
        database.stop()
        shutil.rmtree(storage, ignore_errors=True)


def test_a_page_opened_while_the_database_is_down_says_so(driver):
    database = SecantusServer().start()
    uri = database.uri
    database.kill()
    server = LiveServer(app_for(uri, "x", status_interval_ms=1000))
    try:
        driver.get(server.url + "/")
        wait_js(driver, "!document.getElementById('banner').hidden")
        assert driver.execute_script("return document.getElementById('overview-empty').hidden")
        driver.get(server.url + "/blog")
        wait_js(driver, "!document.getElementById('banner').hidden")
        wait_js(driver, "document.querySelector('#weekly-graph .js-plotly-plot') &&"
                        " document.querySelector('#weekly-graph').innerText.includes('not answering')")
        assert "Choose a site" not in driver.find_element(By.TAG_NAME, "body").text
    finally:
        server.stop()


def start_crawl(url: str, uri: str, database: str, *extra: str) -> subprocess.Popen:
    """`scrapy crawl blog` in the background, as a user starts it, politely (0.3 s between
    requests: about 30 s for the fixture blog) with a heartbeat every second, so that a test
    sees its progress move."""
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={url}",
         "-s", f"MONGODB_URI={uri}", "-s", f"MONGODB_DATABASE={database}",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.3",
         "-s", "HEARTBEAT_SECONDS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
         "-a", "discover=archive", *extra],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def card_text(driver, element: str = "card-crawl") -> str:
    return driver.execute_script(f"return document.getElementById('{element}').innerText")


def measured(driver) -> tuple[int, int] | None:
    """(posts measured, posts found) as the last crawl card says them."""
    found = re.search(r"([\d,]+) of ([\d,]+) posts measured", card_text(driver, "card-crawl-detail"))
    return (int(found[1].replace(",", "")), int(found[2].replace(",", ""))) if found else None


@pytest.fixture
def slow_blog():
    """The fixture blog, every answer 0.1 s late, no faults."""
    server = serve_faulty_blog(delay=0.1, faults=False)
    yield server
    server.shutdown()
    server.server_close()


def test_the_last_crawl_card_follows_a_real_running_crawl(driver, mongo_db, slow_blog):
    """A real crawl of a slow blog: the card says it runs and follows its posts, heartbeat by
    heartbeat, without a reload; then its end; a reload says the same."""
    uri, name = mongo_db
    first = run_crawl(slow_blog.url, uri, name, "-a", "discover=archive", timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    server = LiveServer(app_for(uri, name, status_interval_ms=1000))
    crawl = start_crawl(slow_blog.url, uri, name)
    try:
        driver.get(server.url + "/blog")
        wait_js(driver, "document.getElementById('card-crawl').innerText === 'Crawl running'",
                timeout=120)
        seen = set()
        deadline = time.monotonic() + 300
        while crawl.poll() is None and time.monotonic() < deadline:
            if (now := measured(driver)) is not None:
                seen.add(now)
            time.sleep(0.5)
        assert crawl.wait(60) == 0, crawl.stderr.read()[-2000:]
        # the card moved while the crawl ran: posts found grow while discovery lists them
        # (a URL that turns out to be another post's is counted once at the end), posts
        # measured of them grow as they are stored
        assert all(done <= total for done, total in seen), seen
        assert len({done for done, _ in seen}) >= 3, seen
        wait_js(driver, "document.getElementById('card-crawl').innerText === 'Complete'")
        assert "52 unchanged" in card_text(driver, "card-crawl-detail")
        driver.get(server.url + "/blog")  # a reload says the same (no stale cache)
        wait_js(driver, "document.getElementById('card-crawl').innerText === 'Complete'")
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        server.stop()


def test_a_crawl_killed_mid_way_is_shown_interrupted(driver, mongo_db, slow_blog):
    """kill -9 leaves the record `running` with a heartbeat that stops: past the staleness
    limit (3 s here, 60 s by default) the card and the overview say interrupted."""
    uri, name = mongo_db
    first = run_crawl(slow_blog.url, uri, name, "-a", "discover=archive", timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    server = LiveServer(app_for(uri, name, status_interval_ms=1000, stale_seconds=3))
    crawl = start_crawl(slow_blog.url, uri, name)
    try:
        driver.get(server.url + "/blog")
        wait_js(driver, "document.getElementById('card-crawl').innerText === 'Crawl running'",
                timeout=120)
        wait_js(driver, "/[1-9]\\d* of 52 posts measured/.test("
                        "document.getElementById('card-crawl-detail').innerText)", timeout=120)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(30)
        wait_js(driver, "document.getElementById('card-crawl').innerText === 'Interrupted'",
                timeout=60)
        assert "the next crawl completes the set" in card_text(driver, "card-crawl-detail")
        record = pymongo.MongoClient(uri)[name].crawls.find_one(sort=[("started_at", -1)])
        assert record["status"] == "running"  # as the killed process left it
        driver.get(server.url + "/")
        wait_js(driver, "document.querySelector('#overview-body .cell-crawl') && document"
                        ".querySelector('#overview-body .cell-crawl').innerText"
                        ".startsWith('Interrupted')", timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        server.stop()
