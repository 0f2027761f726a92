"""The rehearsal's HTML report and every mock's ``/`` page in a real headless Chromium.

Checks that each page renders, that the language toggle works, that the charts are drawn and
that nothing is fetched from outside (every resource is file:// or 127.0.0.1); saves a
screenshot under the test's tmp dir. Debian's chromium + chromium-driver; under CI (CI=true)
a missing browser fails the run instead of skipping it.

    tox -e browser        # or: pytest -m browser tests/browser
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("RENKEI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RENKEI_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1600")


def _no_browser(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"no browser under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(tmp_path: Path):
    """A fresh headless Chromium (its own profile folder) driven by Selenium."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _no_browser("selenium is not installed")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            _no_browser(f"{path} not found (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        _no_browser(f"chromium did not start: {exc.msg}")
    try:
        yield driver
    finally:
        driver.quit()


def _resources(driver) -> list[str]:
    """Every URL the page fetched or would fetch: performance entries, the resolved ``src`` of
    every element and the ``href`` of every ``<link>`` (anchors are not fetched)."""
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([location.href]);")
    linked = driver.execute_script(
        "return Array.from(document.querySelectorAll('[src]')).map(e => e.src)"
        ".concat(Array.from(document.querySelectorAll('link[href]')).map(e => e.href));")
    return list(loaded) + [x for x in linked if x]


def _all_local(urls: list[str]) -> list[str]:
    ok = ("file://", "http://127.0.0.1", "data:", "about:", "blob:")
    return [u for u in urls if not u.startswith(ok)]


@pytest.fixture(scope="module")
def rehearsal_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real rehearsal at small scale, rendered as its HTML report."""
    from scenarios.rehearsal import rehearse
    from scenarios.rehearsal_html import render_rehearsal_html

    result = rehearse(scale="small", seed=1, workers=1)
    path = tmp_path_factory.mktemp("rehearsal") / "rehearsal.html"
    path.write_text(render_rehearsal_html(result.to_json()), "utf-8")
    return path


def test_rehearsal_report_renders_toggles_and_draws_offline(browser, rehearsal_html, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(rehearsal_html.as_uri())
    assert "リハーサル" in browser.title
    heading = browser.find_element(By.CSS_SELECTOR, "h1 .ja")
    assert heading.is_displayed() and "年次更新" in heading.text
    assert not browser.find_element(By.CSS_SELECTOR, "h1 .en").is_displayed()
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    assert bars, "the charts have bars"
    assert all(b.size["width"] > 0 for b in bars[:20])
    assert browser.find_element(By.ID, "chart-schools").size["height"] > 50
    rows = browser.find_elements(By.CSS_SELECTOR, "#schools tr")
    assert len(rows) > 1, "one row per school"
    browser.find_element(By.ID, "lang-toggle").click()
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert browser.find_element(By.CSS_SELECTOR, "h1 .en").is_displayed()
    assert not browser.find_element(By.CSS_SELECTOR, "h1 .ja").is_displayed()
    browser.find_element(By.ID, "lang-toggle").click()
    assert browser.execute_script("return document.documentElement.lang") == "ja"
    assert _all_local(_resources(browser)) == []
    browser.save_screenshot(str(tmp_path / "rehearsal.png"))
    assert (tmp_path / "rehearsal.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def live_mocks(tmp_path_factory: pytest.TempPathFactory):
    from mocks.serve import MockServers
    from scenarios.vendors import NAMES

    with MockServers(NAMES, port_base=0,
                     state_dir=str(tmp_path_factory.mktemp("mocks"))) as servers:
        yield servers.urls


@pytest.mark.parametrize("name", ["c4th", "lgate", "m365", "interactive_study",
                                  "tsubasa_book", "mirai_school"])
def test_each_mock_page_renders_from_loopback_only(browser, live_mocks, name, tmp_path):
    from selenium.webdriver.common.by import By

    import mocks

    browser.get(live_mocks[name] + "/")
    body = browser.find_element(By.TAG_NAME, "body").text
    info = mocks.info(name)
    assert info.title_ja.split()[0] in body
    assert body.strip(), "the page shows something"
    assert _all_local(_resources(browser)) == []
    browser.save_screenshot(str(tmp_path / f"{name}.png"))
    assert (tmp_path / f"{name}.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def preparation_html(tmp_path_factory: pytest.TempPathFactory):
    """The board's 準備状況レポート for a city with every kind of problem."""
    from tests.pipeline.e2ekit import CLIENT_SECRET, SECRET_ENV
    from tests.scenarios.prepkit import City

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SECRET_ENV, CLIENT_SECRET)
        city = City(tmp_path_factory.mktemp("preparation"))
    return city


def test_preparation_page_toggles_draws_offline_and_prints_a_school_per_page(
        browser, preparation_html, tmp_path):
    import base64

    from selenium.webdriver.common.by import By

    data = preparation_html.data
    browser.get((preparation_html.out / "preparation.html").as_uri())
    assert "準備状況レポート" in browser.title
    head = browser.find_element(By.CSS_SELECTOR, "#headline .ja")
    assert head.is_displayed() and head.text.startswith("4月までに対応が必要")
    assert not browser.find_element(By.CSS_SELECTOR, "#headline .en").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#people tr.person")) == len(
        data["people"])
    assert browser.find_element(By.ID, "promotion-chart").size["height"] > 50
    browser.find_element(By.ID, "lang-toggle").click()
    assert browser.find_element(By.CSS_SELECTOR, "#headline .en").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "#headline .en").text.startswith(
        "To fix before April")
    browser.find_element(By.ID, "lang-toggle").click()
    assert _all_local(_resources(browser)) == []
    browser.save_screenshot(str(tmp_path / "preparation.png"))

    # print: the toggle is hidden and each school's fix list starts a printed page
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.find_element(By.ID, "lang-toggle").is_displayed()
    breaks = browser.execute_script(
        "return Array.from(document.querySelectorAll('section.fixlist'))"
        ".map(s => getComputedStyle(s).breakBefore);")
    assert breaks and set(breaks) == {"page"} and len(breaks) == len(data["fix_lists"])
    pdf = base64.b64decode(browser.execute_cdp_cmd(
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})["data"])
    (tmp_path / "preparation.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 1 + len(data["fix_lists"])
