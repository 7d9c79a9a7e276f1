"""End to end in headless Chromium (Debian's chromium + chromedriver, driven by Selenium):
open the workbench, ask a question and open a citation, run a filtered search, plot a
derivative, translate C, and see an error shown as a message."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.server.test_qdrant_api import Server

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("browser"), "--enable-translate")
    ingest = httpx.post(f"{srv.url}/api/kb/ingest", json={"dense": False})
    assert ingest.status_code == 202
    with httpx.stream("GET", f"{srv.url}/api/kb/ingest/events", timeout=600) as s:
        for _ in s.iter_lines():
            pass
    httpx.put(f"{srv.url}/collections/fruit", json={"vectors": {"size": 2, "distance": "Cosine"}})
    points = [
        {"id": 1, "vector": [1.0, 0.0], "payload": {"name": "cherry", "color": "red"}},
        {"id": 2, "vector": [0.9, 0.1], "payload": {"name": "lime", "color": "green"}},
        {"id": 3, "vector": [0.8, 0.3], "payload": {"name": "apple", "color": "red"}},
    ]
    r = httpx.put(f"{srv.url}/collections/fruit/points?wait=true", json={"points": points})
    assert r.status_code == 200, r.text
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def wait(driver: webdriver.Chrome, seconds: float = 60) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def tab(driver: webdriver.Chrome, name: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'#tabs button[data-tab="{name}"]').click()


def test_ask_streams_a_cited_answer_and_opens_the_source(
    server: Server, browser: webdriver.Chrome
) -> None:
    browser.get(f"{server.url}/app")
    browser.find_element(By.ID, "ask-question").send_keys("How do I read a file line by line?")
    browser.find_element(By.ID, "ask-submit").click()
    wait(browser).until(
        lambda d: d.find_element(By.ID, "ask-answer").get_attribute("data-done") == "1"
    )
    cites = browser.find_elements(By.CSS_SELECTOR, "#ask-answer a.cite")
    assert cites, browser.find_element(By.ID, "ask-answer").text
    assert browser.find_elements(By.CSS_SELECTOR, "#ask-sources li")
    cites[0].click()
    passage = browser.find_element(By.ID, "ask-passage")
    assert passage.is_displayed() and "[1]" in passage.text and len(passage.text) > 40
    assert passage.get_attribute("data-citation") == "1" and "```" not in passage.text
    # [1] opens the very passage it quotes: the citation's section and anchor
    body = {"question": "How do I read a file line by line?"}
    first = httpx.post(f"{server.url}/api/ask", json=body, timeout=60).json()["citations"][0]
    assert first["heading"] in passage.text and first["path"] in passage.text
    if first["anchor"]:
        assert f"#{first['anchor']}" in passage.text


def test_filtered_search_in_collections(server: Server, browser: webdriver.Chrome) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "collections")
    wait(browser).until(lambda d: "3 points" in d.find_element(By.ID, "col-info").text)
    Select(browser.find_element(By.ID, "col-select")).select_by_value("fruit")
    rows = browser.find_elements(By.CSS_SELECTOR, "#col-points tbody tr")
    assert len(rows) == 3
    vec = browser.find_element(By.ID, "col-vector")
    vec.clear()
    vec.send_keys("[1, 0]")
    browser.find_element(By.ID, "col-filter").send_keys(
        '{"must": [{"key": "color", "match": {"value": "red"}}]}'
    )
    browser.find_element(By.ID, "col-search").click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#col-results tbody tr"))
    results = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#col-results tbody tr")]
    assert len(results) == 2 and "cherry" in results[0] and "apple" in results[1]
    assert not any("lime" in r for r in results)


def test_differentiate_shows_values_and_a_plot(server: Server, browser: webdriver.Chrome) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "ad")
    expr = browser.find_element(By.ID, "ad-expr")
    expr.clear()
    expr.send_keys("x**2 + 3*x")
    at = browser.find_element(By.ID, "ad-at")
    at.clear()
    at.send_keys("x=2")
    browser.find_element(By.ID, "ad-run").click()
    wait(browser).until(lambda d: "value" in d.find_element(By.ID, "ad-out").text)
    out = browser.find_element(By.ID, "ad-out").text
    assert "10" in out and "7" in out
    canvas = browser.find_element(By.ID, "ad-plot")
    assert canvas.get_attribute("data-drawn") == "161"
    inked = browser.execute_script(
        "const c = document.getElementById('ad-plot').getContext('2d');"
        "const d = c.getImageData(0, 0, 640, 360).data; let n = 0;"
        "for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;"
    )
    assert inked > 500


def test_translate_c_in_the_browser(server: Server, browser: webdriver.Chrome) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "translate")
    browser.find_element(By.ID, "tr-run").click()
    wait(browser, 300).until(lambda d: "SafeRate" in d.find_element(By.ID, "tr-status").text)
    assert "build ok" in browser.find_element(By.ID, "tr-status").text
    tiers = {
        r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[1].text
        for r in browser.find_elements(By.CSS_SELECTOR, "#tr-functions tbody tr")
    }
    assert tiers == {"gcd": "safe", "main": "safe"}
    assert "fn gcd(" in browser.find_element(By.ID, "tr-rust").text


def test_errors_are_shown_as_messages(server: Server, browser: webdriver.Chrome) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "ad")
    expr = browser.find_element(By.ID, "ad-expr")
    expr.clear()
    expr.send_keys("__import__('os')")
    browser.find_element(By.ID, "ad-run").click()
    box = browser.find_element(By.ID, "message")
    wait(browser).until(ec.visibility_of(box))
    assert "unknown function" in box.text


def test_status_page_shows_the_knowledge_base(server: Server, browser: webdriver.Chrome) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "status")
    wait(browser).until(
        lambda d: "knowledge base 'default'" in d.find_element(By.ID, "st-out").text
    )
    assert "fruit" in browser.find_element(By.ID, "st-out").text
    assert "BM25 ready" in browser.find_element(By.ID, "st-stage").text


def test_analyze_shows_language_keywords_and_summary(
    server: Server, browser: webdriver.Chrome
) -> None:
    browser.get(f"{server.url}/app")
    tab(browser, "analyze")
    text = (
        "The ownership model guarantees memory safety. The model guarantees memory safety at"
        " compile time. Borrowing rules and the model guarantees keep data races away. "
    ) * 3
    browser.find_element(By.ID, "an-text").send_keys(text)
    browser.find_element(By.ID, "an-run").click()
    wait(browser).until(lambda d: "Summary" in d.find_element(By.ID, "an-out").text)
    out = browser.find_element(By.ID, "an-out").text
    assert "en (confidence" in out and '"en"' not in out
    summary = out.split("Summary", 1)[1].split("Nearest", 1)[0]
    assert summary.count("The ownership model guarantees memory safety.") == 1
