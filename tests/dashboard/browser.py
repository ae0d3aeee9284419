"""A headless Debian Chromium driven by Selenium, with the page's alert/open calls recorded."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Installed before any page script: a script injected through the data would call these, and
# the tests assert they never were. window.open is recorded rather than opening a tab.
RECORDER = """
window.__alerts = [];
window.__opened = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (message) { window.__alerts.push(name + ":" + String(message)); };
}
window.open = function (url) { window.__opened.push(String(url)); return null; };
"""


def start_chromium(download_dir: Path, width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(download_dir), "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


def wait_js(driver, script: str, timeout: float = 30, message: str = ""):
    """Wait until a JavaScript expression is truthy; returns its value."""
    return WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script(f"try {{ return ({script}); }} catch (e) {{ return null; }}"),
        message or script)


def trace_count(graph_id: str) -> str:
    return f"document.querySelector('#{graph_id} .js-plotly-plot').data.length"


def severe_console_entries(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def save_screenshot(driver, name: str, width: int) -> Path:
    """A full-page screenshot at a given width, kept under artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 800), 8000))
    # Plotly re-lays a graph out on window resize events only; the scrollbar vanishing when the
    # window grows to the page's height changes widths without one, so resize until still.
    settled = ("Array.from(document.querySelectorAll('.js-plotly-plot')).every(g => g._fullLayout"
               " && Math.abs(g._fullLayout.width - g.clientWidth) < 2"
               " && Math.abs(g.getBoundingClientRect().height - g._fullLayout.height) < 2)")
    previous = None
    for _ in range(40):
        driver.execute_script("window.dispatchEvent(new Event('resize'))")
        time.sleep(0.3)  # not a measurement: lets the redraw a resize triggers finish
        current = driver.execute_script("return document.documentElement.scrollHeight")
        if current == previous and driver.execute_script(f"return {settled}"):
            break
        if current != previous:  # the page reflowed at the new width: fit the window to it
            driver.set_window_size(width, min(max(current, 800), 8000))
        previous = current
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path
