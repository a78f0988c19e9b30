"""How charts reach the page: Markdown only (no text/html), the spec as escaped JSON data, stable ids."""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd
import pytest

import scaling_report
from scaling_report import charts


def _chart(label: str) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4], "label": [label, "b"]})).mark_point().encode(x="x:Q", y="y:Q", tooltip="label:N")


class TestMarkdownRenderer:
    def test_setup_emits_markdown_never_html(self):
        scaling_report.setup()
        assert alt.renderers.active == charts.RENDERER_NAME
        bundle = _chart("a")._repr_mimebundle_()
        # text/html or application/javascript would make Quarto add require.js from a CDN
        assert set(bundle) == {"text/markdown"}
        markdown = bundle["text/markdown"]
        assert markdown.startswith("```{=html}\n") and markdown.endswith("\n```\n")
        assert "<script src" not in markdown and "cdn" not in markdown.lower()

    def test_spec_is_json_data_that_round_trips(self):
        spec = _chart("a").to_dict()
        html = charts.embed_html(spec)
        payload = re.search(r'<script type="application/json" class="sr-vega-spec">(.*)</script></div>$', html).group(1)
        assert json.loads(payload) == json.loads(json.dumps(spec))

    def test_vendored_scripts_and_licences_ship_with_the_package(self):
        for name in charts.VENDOR_FILES:
            assert (charts.vendor_dir() / name).stat().st_size > 10_000
        assert len(list(charts.vendor_dir().glob("LICENSE-*"))) == 3

    def test_data_cannot_close_the_element_or_open_a_comment(self):
        for label in ("</script><script>alert(1)</script>", "<!--<script>", "a & b > c"):
            spec = _chart(label).to_dict()
            html = charts.embed_html(spec)
            payload = html.split('class="sr-vega-spec">', 1)[1].rsplit("</script></div>", 1)[0]
            assert "<" not in payload and ">" not in payload and "&" not in payload
            assert json.loads(payload) == json.loads(json.dumps(spec))

    def test_ids_are_deterministic_and_content_based(self):
        a, b = _chart("a").to_dict(), _chart("b").to_dict()
        assert charts.chart_id(a) == charts.chart_id(_chart("a").to_dict()) != charts.chart_id(b)
        assert re.fullmatch(r"sr-vega-[0-9a-f]{12}", charts.chart_id(a))

    def test_standalone_inlines_scripts(self):
        html = charts.standalone_html(_chart("a").to_dict())
        assert "<script src=" not in html and "vegaEmbed(" in html


class TestFacetedChartsOfChapterOne:
    """A layer that carries its own data escapes the facet: every panel would show every row."""

    def test_layers_inside_facets_carry_no_data(self):
        from scaling_report import empirical
        from scaling_report.charts import empirical as chapter_charts

        found = empirical.primary_ladders()
        charts_ = [
            chapter_charts.gain_scatter(empirical.palm_points(found)),
            chapter_charts.head_to_head(empirical.head_to_head_points()),
            chapter_charts.r_forest(empirical.consecutive_table(found)),
        ]
        for chart in charts_:
            spec = chart.to_dict()
            assert "facet" in spec and "data" in spec
            assert all("data" not in layer for layer in spec["spec"]["layer"])


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB hex colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class TestTheme:
    def test_palette_reaches_3_to_1_on_the_light_and_the_dark_background(self):
        # white: the light theme (cosmo); #222222: the dark theme (darkly)
        for colour in charts.PALETTE:
            assert _contrast(colour, "#ffffff") >= 3.0, colour
            assert _contrast(colour, "#222222") >= 3.0, colour

    def test_contrast_formula_matches_the_wcag_extremes(self):
        assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
        assert _contrast("#777777", "#777777") == pytest.approx(1.0)

    def test_chart_text_is_at_least_11_px_and_swatches_are_opaque(self):
        config = charts._theme()["config"]
        for part in ("axis", "legend", "header"):
            assert config[part]["labelFontSize"] >= 11 and config[part]["titleFontSize"] >= 11
        assert config["title"]["fontSize"] >= 11 and config["text"]["fontSize"] >= 11
        assert config["legend"]["symbolOpacity"] == 1

    def test_the_renderer_raises_every_font_size_to_11_px(self):
        scaling_report.setup()
        chart = _chart("a").properties(title=alt.TitleParams("t", fontSize=8)).configure_header(labelFontSize=9)
        markdown = chart._repr_mimebundle_()["text/markdown"]
        spec = json.loads(re.search(r'class="sr-vega-spec">(.*)</script></div>', markdown).group(1))
        sizes = re.findall(r'"(\w*[fF]ontSize)":\s*([0-9.]+)', json.dumps(spec))
        assert sizes and all(float(size) >= 11 for _, size in sizes)
