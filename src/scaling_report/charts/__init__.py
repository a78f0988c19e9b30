"""Project chart theme, how charts reach the page, and the book's chart builders.

Quarto adds require.js and jQuery from a CDN to any page with a `text/html` or
`application/javascript` cell output (`core/jupyter/widgets.ts`). Charts therefore leave the
kernel as `text/markdown`: a raw-HTML block holding the Vega-Lite spec as JSON data, which pandoc
passes through untouched. The `vega-charts` Quarto extension (`_extensions/vega-charts/`) adds the
pinned vega, vega-lite and vega-embed builds from `assets/vendor/` to each page with a chart, once,
through `site_libs`, and draws every spec on load. The same builds are inlined into the
single-file report of `scaling-report analyze --format html` (`standalone_html`).
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from importlib import resources
from pathlib import Path

import altair as alt

from ..ladders import size_label

THEME_NAME = "scaling_report"
RENDERER_NAME = "scaling_report_markdown"
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
# Colour-blind-safe (Okabe & Ito's blue, vermillion, bluish green and reddish purple, then olive,
# grey, purple and brown; Tol's rose and a dark goldenrod for charts with ten series), every colour
# at least 3:1 against white and against the dark theme's #222 background (tests/test_charts.py
# computes the WCAG contrast; tests/test_site.py checks every series colour on the site).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#999933", "#7A7A7A", "#9A5FB4", "#A0622D", "#CC6677", "#B8860B"]
FONT_SIZE = 12  # px, the theme's chart text
MIN_FONT_SIZE = 11  # px: no chart text is smaller (see `legible`)
TEXT_COLOR = "#333333"  # the dark theme recolours chart text in vega-charts.css
CHART_CLASS = "sr-vega"
EMBED_OPTIONS = {"actions": False, "renderer": "svg"}


def vendor_dir() -> Path:
    """Folder holding the pinned vega, vega-lite and vega-embed builds and their licences."""
    return Path(str(resources.files("scaling_report") / "assets" / "vendor"))


def _theme() -> dict:
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    text = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": TEXT_COLOR, "titleColor": TEXT_COLOR}
    return {
        "config": {
            "background": None,
            "font": font,
            "view": {"continuousWidth": 360, "continuousHeight": 260, "stroke": "#bbbbbb"},
            "range": {"category": PALETTE},
            "axis": {**text, "gridColor": "#dddddd"},
            # swatches at full opacity, whatever the opacity of the marks they stand for
            "legend": {**text, "symbolOpacity": 1, "labelLimit": 320},
            "header": {**text},
            "title": {"anchor": "start", "fontSize": FONT_SIZE + 2, "color": TEXT_COLOR},
            "text": {"fontSize": FONT_SIZE},
            "point": {"filled": True, "size": 40, "opacity": 0.8},
        }
    }


# Parameter counts as the text writes them: 540M, 8B, 1.2T (d3's "~s" would print 8G).
PARAMS_LABEL = (
    "datum.value >= 1e12 ? format(datum.value / 1e12, '~g') + 'T'"
    " : datum.value >= 1e9 ? format(datum.value / 1e9, '~g') + 'B'"
    " : datum.value >= 1e6 ? format(datum.value / 1e6, '~g') + 'M'"
    " : format(datum.value, '~s')"
)


def params_tooltip(frame, field: str, title: str) -> tuple:
    """`frame` with a text column of `field` written as the text writes counts (8B, 540M), and a
    tooltip that shows it: d3's format strings have no such style (".3s" prints 8.00G)."""
    label = f"{field}_label"
    return frame.assign(**{label: frame[field].map(size_label)}), alt.Tooltip(f"{label}:N", title=title)


def params_axis(**options) -> alt.Axis:
    """An axis of parameter counts labelled 8B / 540M; `options` go to alt.Axis. Labels that
    would overlap (a log axis on a phone) are dropped greedily, not drawn over each other."""
    return alt.Axis(**({"labelExpr": PARAMS_LABEL, "labelOverlap": "greedy"} | options))


def chart_id(spec: dict) -> str:
    """Deterministic element id: the same spec always gets the same id."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return f"{CHART_CLASS}-{digest[:12]}"


def _spec_json(spec: dict) -> str:
    """Compact JSON safe inside any HTML element: UTF-8 kept as is, and "<", ">" and "&" written
    as JSON escapes, so no data string can close the element or open a comment ("<!--")."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def embed_html(spec: dict) -> str:
    """The chart element: an empty container and its spec as JSON data (no script runs here)."""
    element = chart_id(spec)
    return (
        f'<div class="{CHART_CLASS}" id="{escape(element)}">'
        f'<script type="application/json" class="{CHART_CLASS}-spec">{_spec_json(spec)}</script></div>'
    )


def embed_markdown(spec: dict) -> str:
    """The chart as Markdown: a raw-HTML block that pandoc, and so Quarto, passes through as is."""
    return "```{=html}\n" + embed_html(spec) + "\n```\n"


def standalone_html(spec: dict) -> str:
    """Fragment with the vendored scripts inlined: for single-file reports outside the site."""
    scripts = "\n".join(
        "<script>" + (vendor_dir() / name).read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"
        for name in VENDOR_FILES
    )
    element = chart_id(spec)
    options = json.dumps(EMBED_OPTIONS)
    return (
        f"{scripts}\n{embed_html(spec)}\n"
        f"<script>vegaEmbed('#{element}', JSON.parse(document.querySelector('#{element} script').textContent), {options});</script>\n"
    )


def legible(spec):
    """The spec with every font size raised to at least MIN_FONT_SIZE px, wherever a builder
    set a smaller one (facet headers, annotations): chart text is never below 11 px."""
    if isinstance(spec, dict):
        return {
            key: max(value, MIN_FONT_SIZE) if key.lower().endswith("fontsize") and isinstance(value, (int, float)) else legible(value)
            for key, value in spec.items()
        }
    if isinstance(spec, list):
        return [legible(item) for item in spec]
    return spec


def _markdown_renderer(spec: dict, **_: object) -> dict:
    return {"text/markdown": embed_markdown(legible(spec))}


def enable() -> None:
    """Register and enable the project theme and the Markdown renderer (idempotent)."""
    alt.theme.register(THEME_NAME, enable=True)(_theme)
    alt.renderers.register(RENDERER_NAME, _markdown_renderer)
    alt.renderers.enable(RENDERER_NAME)
    alt.data_transformers.disable_max_rows()
