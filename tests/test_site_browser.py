"""The Quarto-rendered site in headless Debian Chromium, page by page.

Every other origin is unreachable (the `driver` fixture maps every host but 127.0.0.1 to nowhere),
so these tests see what an offline reader sees; an online reader gets the same page, because no
tag loads from another origin (test_site.py). Per page: every chart draws, its SVG carries the
figure's alt text (on the chart view, role graphics-document), no console error, no request leaves the test server, and no raw TeX is visible.
A copy of each chart page with an AMD loader injected before everything else must draw too.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from urllib.parse import urlparse

import pytest

from conftest import serve
from test_site import PAGES, parse, source_cells, SOURCES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART_PAGES = [page for page, source in zip(PAGES, SOURCES) if any("fig-alt" in c for c in source_cells(source))]
# What require.js does that matters to a UMD bundle: a global `define` with `define.amd` set.
AMD_LOADER = (
    "<script>window.define = function (name, deps, factory) {};"
    "window.define.amd = {}; window.require = function () {};</script>"
)
RAW_TEX = re.compile(r"\$[^$\s][^$]{0,200}\$|\\(?:frac|rho|sigma|mathrm|text|sum|log|ln|cdot|times|le|ge)\b")


def _wait_for_charts(driver, expected: int | None = None, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    script = """return Array.from(document.querySelectorAll('div.sr-vega')).map(function (el) {
        var svg = el.querySelector('svg');
        var view = el.querySelector('[role="graphics-document"]');
        return {id: el.id, state: el.getAttribute('data-state'), alt: el.getAttribute('data-alt'),
                svg: !!svg, label: view ? view.getAttribute('aria-label') : null,
                marks: svg ? svg.querySelectorAll('path, rect, circle, line, text').length : 0};
    });"""
    while True:
        charts = driver.execute_script(script)
        settled = all(c["state"] in ("rendered", "failed") for c in charts)
        if (settled and (expected is None or len(charts) >= expected)) or time.monotonic() > deadline:
            return charts
        time.sleep(0.2)


def _console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("page", PAGES)
def test_page_draws_every_chart_offline_with_alt_text(driver, server, site_dir, page):
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(server + page)
    expected = [c.get("data-alt") for c in parse(site_dir, page).charts]
    charts = _wait_for_charts(driver, len(expected))
    assert len(charts) == len(expected)
    for chart in charts:
        assert chart["state"] == "rendered" and chart["svg"] and chart["marks"] > 0, f"{page}: {chart['id']} did not draw"
        assert chart["label"] == chart["alt"], f"{page}: {chart['id']} aria-label {chart['label']!r}"
    assert not _console_errors(driver), page
    host = urlparse(server).netloc
    foreign = [u for u in _requests(driver) if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != host]
    assert not foreign, f"{page} requested {foreign[:3]}"
    visible = driver.execute_script("return document.querySelector('main').innerText")
    match = RAW_TEX.search(visible)
    assert not match, f"{page} shows raw TeX: {match.group(0)!r}"


@pytest.fixture(scope="module")
def amd_site(site_dir, tmp_path_factory):
    """A copy of the site whose chart pages load an AMD loader before anything else."""
    copy = tmp_path_factory.mktemp("amd") / "site"
    shutil.copytree(site_dir, copy)
    for page in CHART_PAGES:
        path = copy / page
        html = path.read_text(encoding="utf-8")
        path.write_text(html.replace("<head>", "<head>\n" + AMD_LOADER, 1), encoding="utf-8")
    base, httpd = serve(copy)
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("page", CHART_PAGES)
def test_charts_draw_with_an_amd_loader_on_the_page(driver, amd_site, site_dir, page):
    driver.get(amd_site + page)
    charts = _wait_for_charts(driver, len(parse(site_dir, page).charts))
    assert charts and all(c["state"] == "rendered" and c["svg"] for c in charts), page
    # the vega bundles defined globals, not AMD modules, and the page got its loader back
    assert driver.execute_script("return typeof window.vega === 'object' && typeof window.vegaEmbed === 'function'")
    assert driver.execute_script("return typeof window.define === 'function' && !!window.define.amd")


LAYOUT_PROBE = """
var width = document.documentElement.clientWidth;
var problems = [];
function fits(el, what) {
  var box = el.getBoundingClientRect();
  if (box.width === 0) { return; }  // folded away (a closed <details>)
  var parent = el.parentElement.getBoundingClientRect();
  var inParent = box.left >= parent.left - 1 && box.right <= parent.right + 1;
  var inViewport = box.left >= -1 && box.right <= width + 1;
  if (!inParent && !inViewport) {
    problems.push(what + " " + (el.id || el.className) + " spans " + Math.round(box.left) + ".." + Math.round(box.right) + " px");
  }
}
document.querySelectorAll("main figure, main div.sr-vega svg").forEach(function (el) { fits(el, "figure"); });
document.querySelectorAll("main table").forEach(function (el) { fits(el, "table"); });
document.querySelectorAll("div.sr-vega").forEach(function (chart) {
  var svg = chart.querySelector("svg");
  if (!svg) { return; }
  var frame = svg.getBoundingClientRect();
  var scale = frame.width / (svg.viewBox.baseVal.width || frame.width);
  var smallest = Infinity;
  svg.querySelectorAll("text").forEach(function (text) {
    if (text.textContent.trim()) { smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale); }
  });
  if (smallest < 10.95) { problems.push("text of " + chart.id + " is " + smallest.toFixed(1) + " px"); }
  chart.querySelectorAll(".role-legend-symbol path").forEach(function (symbol) {
    var style = getComputedStyle(symbol);
    var box = symbol.getBBox();
    var clear = function (paint) { return !paint || paint === "none" || paint === "transparent" || paint === "rgba(0, 0, 0, 0)"; };
    var area = box.width >= 1 && box.height >= 1;  // a line symbol (stroke legends) shows only its stroke
    if ((clear(style.stroke) && (clear(style.fill) || !area)) || parseFloat(style.opacity) < 0.99) {
      problems.push("a legend symbol of " + chart.id + " is invisible or faint");
    }
  });
  chart.querySelectorAll("g.role-legend").forEach(function (legend) {
    var box = legend.getBoundingClientRect();
    if (box.width && (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1)) {
      problems.push("legend of " + chart.id + " leaves its chart");
    }
  });
});
if (document.documentElement.scrollWidth > width + 1) {
  problems.push("page is " + document.documentElement.scrollWidth + " px wide in a " + width + " px viewport");
}
return problems;
"""


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("page", PAGES)
def test_nothing_is_wider_than_its_space_and_chart_text_is_legible(driver, server, page, width):
    driver.set_window_size(width, 900)
    try:
        driver.get(server + page)
        _wait_for_charts(driver)
        problems = driver.execute_script(LAYOUT_PROBE)
        assert not problems, f"{page} at {width} px: {problems[:5]}"
    finally:
        driver.set_window_size(1366, 900)
