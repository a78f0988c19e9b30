"""The site that real Quarto renders (tools/render.py): pages, tags, tables, citations.

Static checks of the HTML; the browser tests are in test_site_browser.py. Both share one render
per test session (the `site_dir` fixture in conftest.py).
"""

from __future__ import annotations

import html as html_module
import json
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

import book_sources as book_sources_module
from book_sources import PROJECT_DIR, parse_document

pytestmark = pytest.mark.slow

CONFIG = book_sources_module.CONFIG
BOOK = CONFIG["book"]
VERSION = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["version"]
SOURCES = book_sources_module.book_sources()
PAGES = [re.sub(r"\.qmd$", ".html", source) for source in SOURCES]
CHAPTER_PAGES = [page for page in PAGES if page != "index.html"]


class _Page(HTMLParser):
    """Tags, meta tags, text and the attributes of a few element kinds of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str]] = []  # (tag, url) of everything the page loads
        self.meta: dict[str, list[str]] = {}
        self.charts: list[dict] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.resources.append((tag, a["src"]))
        if tag == "link" and a.get("href") and a.get("rel") not in ("canonical", "alternate", "next", "prev"):
            self.resources.append((tag, a["href"]))
        if tag in ("img", "iframe", "source", "video", "audio") and a.get("src"):
            self.resources.append((tag, a["src"]))
        if tag == "meta" and a.get("name"):
            self.meta.setdefault(a["name"], []).append(a.get("content", ""))
        if tag == "div" and "sr-vega" in (a.get("class") or "").split():
            self.charts.append(a)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _html_text(fragment: str) -> str:
    """The text of an HTML fragment, as a reader sees it (tags dropped, entities decoded)."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment))


def parse(site: Path, page: str) -> _Page:
    parser = _Page()
    parser.feed((site / page).read_text(encoding="utf-8"))
    return parser


def chart_specs(site: Path, page: str) -> list[dict]:
    """The Vega-Lite spec of every chart on a page, as the page carries it."""
    html = (site / page).read_text(encoding="utf-8")
    return [json.loads(spec) for spec in re.findall(r'<script type="application/json" class="sr-vega-spec">(.*?)</script>', html, re.S)]


def source_cells(source: str) -> list[dict]:
    """The `#|` options of every Python cell of a chapter source."""
    return [cell.options for cell in parse_document(source).cells]


class TestPages:
    def test_every_book_file_has_its_page(self, site_dir):
        missing = [page for page in PAGES if not (site_dir / page).is_file()]
        assert not missing

    def test_no_tag_loads_anything_from_another_origin(self, site_dir):
        for page in PAGES:
            for tag, url in parse(site_dir, page).resources:
                assert not urlparse(url).netloc and not url.startswith("//"), f"{page}: <{tag}> loads {url}"

    def test_no_numpy_scalar_reprs_and_no_unresolved_references(self, site_dir):
        for page in PAGES:
            text = " ".join(parse(site_dir, page).text)
            for bad in ("np.int64(", "np.float64(", "np.float32(", "np.bool_("):
                assert bad not in text, f"{page} shows {bad}"
            assert not re.search(r"\?@(fig|tbl|sec|eq)-", text), f"{page} has an unresolved cross-reference"
            assert "???" not in text, f"{page} has a missing citation"

    def test_chapter_pages_number_in_book_order(self, site_dir):
        numbers = []
        for page in CHAPTER_PAGES:
            heading = re.search(r'<h1 class="title">(.*?)</h1>', (site_dir / page).read_text(encoding="utf-8"), re.S).group(1)
            number = re.search(r'<span class="chapter-number">([^<]+)</span>', heading)
            appendix = re.search(r"Appendix ([A-Z]) —", heading)
            numbers.append(number.group(1) if number else appendix.group(1) if appendix else None)
        digits = [n for n in numbers if n and n.isdigit()]
        assert digits == [str(i) for i in range(1, len(digits) + 1)]
        letters = [n for n in numbers if n and n.isalpha()]
        assert letters == [chr(ord("A") + i) for i in range(len(letters))]


class TestTables:
    def test_tables_are_pandoc_tables_with_captions(self, site_dir):
        for source, page in zip(SOURCES, PAGES):
            html = (site_dir / page).read_text(encoding="utf-8")
            assert 'id="T_' not in html, f"{page}: a pandas Styler table reached the page"
            labels = [cell["label"] for cell in source_cells(source) if str(cell.get("label", "")).startswith("tbl-")]
            for label in labels:
                block = re.search(rf'<div id="{re.escape(label)}"[^>]*>(.*?)</figure>', html, re.S)
                assert block, f"{page}: table {label} is missing"
                assert "<figcaption" in block.group(1) and "<table" in block.group(1), f"{page}: {label}"
                assert re.search(r'<table class="[^"]*\btable\b', block.group(1)), f"{page}: {label} lacks Quarto's table styling"


    def test_wide_tables_carry_their_headers_for_the_phone_layout(self, site_dir):
        # book-layout marks tables of 5+ columns `sr-stack`; on a phone each cell shows its header
        for page in PAGES:
            html = (site_dir / page).read_text(encoding="utf-8")
            for table in re.findall(r"<table\b.*?</table>", html, re.S):
                headers = [_html_text(h).strip() for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.S)]
                stacked = re.search(r'<table class="[^"]*\bsr-stack\b', table) is not None
                assert stacked == (len(headers) >= 5), f"{page}: a table of {len(headers)} columns, sr-stack {stacked}"
                if not stacked:
                    continue
                for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table.split("</thead>", 1)[-1], re.S):
                    labels = [html_module.unescape(v) for v in re.findall(r'<td\b[^>]*data-label="([^"]*)"', row)]
                    cells = re.findall(r"<td\b", row)
                    assert labels == [h for h in headers[: len(cells)] if h], f"{page}: {labels} against {headers}"


class TestCharts:
    def test_every_chart_carries_its_figure_alt_text(self, site_dir):
        for source, page in zip(SOURCES, PAGES):
            alts = [cell["fig-alt"] for cell in source_cells(source) if "fig-alt" in cell]
            charts = parse(site_dir, page).charts
            assert [chart.get("data-alt") for chart in charts] == alts[: len(charts)], page
            assert len(charts) == len(alts), f"{page}: {len(alts)} figures with fig-alt, {len(charts)} charts"

    def test_every_series_and_line_colour_has_3_to_1_contrast_on_both_themes(self, site_dir):
        # colours of series (colour scales) and of lines, points, rules and text; bands and bars
        # drawn as faint areas behind the data are left out
        from test_charts import _contrast

        strong_marks = {"line", "point", "rule", "tick", "text", "circle", "square", "trail"}

        def colours(node, key=None):
            if isinstance(node, dict):
                if key in ("color", "stroke", "fill") and isinstance(node.get("scale"), dict):
                    yield from (c for c in node["scale"].get("range", []) if isinstance(c, str) and c.startswith("#"))
                if key == "mark" and node.get("type") in strong_marks and node.get("opacity", 1) >= 0.5:
                    yield from (node[k] for k in ("color", "stroke") if str(node.get(k, "")).startswith("#"))
                for k, value in node.items():
                    yield from colours(value, k)
            elif isinstance(node, list):
                for item in node:
                    yield from colours(item, key)

        for page in PAGES:
            for spec in chart_specs(site_dir, page):
                for colour in set(colours(spec)):
                    for background in ("#ffffff", "#222222"):
                        assert _contrast(colour, background) >= 3.0, f"{page}: {colour} on {background}"

    def test_no_tooltip_prints_counts_in_d3_si_style(self, site_dir):
        # d3's "s" format writes 8e9 as "8.00G"; the text writes 8B (charts.params_tooltip)
        def si_tooltips(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "tooltip":
                        for tip in value if isinstance(value, list) else [value]:
                            if isinstance(tip, dict) and re.search(r"s$", str(tip.get("format", ""))):
                                yield tip
                    else:
                        yield from si_tooltips(value)
            elif isinstance(node, list):
                for item in node:
                    yield from si_tooltips(item)

        for page in PAGES:
            for spec in chart_specs(site_dir, page):
                bad = list(si_tooltips(spec))
                assert not bad, f"{page}: tooltip {bad[0]}"

    def test_vega_scripts_load_once_per_chart_page_from_site_libs(self, site_dir):
        for page in PAGES:
            parsed = parse(site_dir, page)
            scripts = [url for tag, url in parsed.resources if tag == "script" and "vega" in url]
            if parsed.charts:
                names = [Path(url).name for url in scripts]
                # the bundles between the AMD guard's two halves, then the script that draws
                assert names == ["amd-guard-start.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
                                 "amd-guard-end.js", "vega-charts.js"], page
                assert all("site_libs/quarto-contrib/vega-charts" in url for url in scripts), page
            else:
                assert not scripts, f"{page} loads vega without a chart"
        licences = list((site_dir / "site_libs" / "quarto-contrib").glob("vega-charts-*/LICENSE-*"))
        assert len(licences) == 3


class TestCitations:
    @pytest.mark.parametrize("page", CHAPTER_PAGES)
    def test_chapter_page_has_scholar_tags_and_a_cite_block(self, site_dir, page):
        html = (site_dir / page).read_text(encoding="utf-8")
        parsed = parse(site_dir, page)
        heading = re.search(r'<h1 class="title">(.*?)</h1>', html, re.S).group(1)
        title = re.search(r'<span class="chapter-title">(.*?)</span>', heading, re.S)
        number = re.search(r'<span class="chapter-number">([^<]+)</span>', heading)
        appendix = re.search(r"Appendix ([A-Z]) — (.*)$", re.sub(r"<[^>]+>", "", heading).strip())
        if title:
            expected_title = re.sub(r"<[^>]+>", "", title.group(1)).strip()
        elif appendix:
            expected_title = appendix.group(2)
        else:
            expected_title = re.sub(r"<[^>]+>", "", heading).strip()
        chapter = number.group(1) if number else appendix.group(1) if appendix else None
        meta = parsed.meta
        assert meta["citation_title"] == [expected_title]
        assert not re.search(r"[\[\]{}]|&nbsp;|\xa0|^Appendix", meta["citation_title"][0])
        assert meta["citation_author"] == [BOOK["author"]]
        assert meta["citation_publication_date"] == [BOOK["date"]]
        assert meta["citation_inbook_title"] == [BOOK["title"]]
        if chapter:
            assert meta["citation_chapter"] == [chapter]
        url = f"{BOOK['site-url']}/{page}"
        assert meta["citation_public_url"] == [url]
        assert meta["citation_version"] == [VERSION]
        start = html.index('id="cite-this"')
        block = _html_text(html[start: html.index("</section>", start)])
        assert "Cite this chapter" in block
        assert "@incollection{" in block
        assert f"url       = {{{url}}}" in block
        assert f"version   = {{{VERSION}}}" in block
        assert f"date      = {{{BOOK['date']}}}" in block
        assert f"title     = {{{expected_title}}}" in block
        if chapter:
            assert f"chapter   = {{{chapter}}}" in block

    def test_front_page_cites_the_book(self, site_dir):
        html = (site_dir / "index.html").read_text(encoding="utf-8")
        start = html.index('id="cite-this"')
        block = _html_text(html[start: html.index("</section>", start)])
        assert "Cite this book" in block and "@book{" in block and f"version   = {{{VERSION}}}" in block
        assert parse(site_dir, "index.html").meta["citation_title"] == [BOOK["title"]]

    def test_book_version_is_the_package_version(self):
        assert str(CONFIG["book-version"]) == VERSION

    def test_citation_cff_matches_the_book(self):
        cff = yaml.safe_load((PROJECT_DIR / "CITATION.cff").read_text())
        assert cff["cff-version"] == "1.2.0"
        assert cff["title"] == BOOK["title"]
        assert str(cff["version"]) == VERSION
        assert str(cff["date-released"]) == BOOK["date"]
        assert [a["name"] for a in cff["authors"]] == [BOOK["author"]]

    def test_chapters_that_cite_list_their_references(self, site_dir):
        for source, page in zip(SOURCES, PAGES):
            text = (PROJECT_DIR / source).read_text(encoding="utf-8")
            cited = set(re.findall(r"(?<![\w.])@([a-z][\w-]*\d{4}[\w-]*)", text))
            if not cited or source == "references.qmd":
                continue
            html = (site_dir / page).read_text(encoding="utf-8")
            assert 'id="chapter-refs"' in html, f"{page} cites {sorted(cited)[:3]} but lists no references"
            for key in cited:
                assert f'id="chapter-ref-{key}"' in html, f"{page}: @{key} is not in its reference list"
