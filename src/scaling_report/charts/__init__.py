"""Project chart theme, the offline altair renderer, and the book's chart builders.

Real Quarto's default altair output loads vega, vega-lite, vega-embed and require.js from a
CDN. The renderer registered here instead references the pinned copies shipped in
`assets/vendor/` (copied into the site through `project: resources` in `_quarto.yml`), so the
site works without network access.
"""

from __future__ import annotations

import hashlib
import json
import os
from html import escape
from importlib import resources
from pathlib import Path

import altair as alt

THEME_NAME = "scaling_report"
RENDERER_NAME = "scaling_report_offline"
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
# Site path of the vendored scripts, relative to the project root (mirrors the source tree).
VENDOR_SITE_PATH = "src/scaling_report/assets/vendor"
PALETTE = ["#1f5aa6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#b5651d"]


def vendor_dir() -> Path:
    """Folder holding the pinned vega, vega-lite and vega-embed builds and their licences."""
    return Path(str(resources.files("scaling_report") / "assets" / "vendor"))


def _theme() -> dict:
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    return {
        "config": {
            "background": None,
            "font": font,
            "view": {"continuousWidth": 360, "continuousHeight": 260, "stroke": "#bbbbbb"},
            "range": {"category": PALETTE},
            "axis": {"labelColor": "#555555", "titleColor": "#333333", "gridColor": "#e6e6e6"},
            "legend": {"labelColor": "#555555", "titleColor": "#333333"},
            "title": {"anchor": "start", "fontSize": 14, "color": "#222222"},
            "point": {"filled": True, "size": 40, "opacity": 0.8},
        }
    }


def site_root_from_document() -> str:
    """Relative URL from the page being rendered to the site root ('..' for chapters/)."""
    root = os.environ.get("QUARTO_PROJECT_ROOT")
    doc_dir = os.environ.get("QUARTO_DOCUMENT_PATH")
    if root and doc_dir:
        rel = os.path.relpath(os.path.abspath(root), os.path.abspath(doc_dir))
        return rel.replace(os.sep, "/")
    # Every chart-bearing page of the book lives in chapters/, one level below the root.
    return ".."


def chart_id(spec: dict) -> str:
    """Deterministic element id: the same spec always gets the same id."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return f"sr-vega-{digest[:12]}"


_LOADER = """(function () {
  var base = %(base)s;
  var files = %(files)s;
  if (!window.srVegaReady) {
    window.srVegaReady = files.reduce(function (previous, name) {
      return previous.then(function () {
        return new Promise(function (resolve, reject) {
          var s = document.createElement("script");
          s.src = base + "/" + name;
          s.onload = resolve;
          s.onerror = function () { reject(new Error("could not load " + s.src)); };
          document.head.appendChild(s);
        });
      });
    }, Promise.resolve());
  }
  window.srVegaReady.then(function () {
    return vegaEmbed("#%(id)s", %(spec)s, {actions: false, renderer: "svg"});
  }).catch(function (error) { console.error(error); });
})();"""


def _spec_json(spec: dict) -> str:
    """Compact JSON for a script element: UTF-8 kept as is (half the size of \\u escapes for
    arrows and minus signs), and every "<" written as \\u003c so data strings can neither close the
    element nor open an HTML comment ("<!--") that would swallow the rest of the page."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def embed_html(spec: dict, site_root: str | None = None) -> str:
    """HTML fragment that renders `spec` with the shipped vega scripts (no CDN, no require.js)."""
    root = site_root_from_document() if site_root is None else site_root
    element = chart_id(spec)
    spec_json = _spec_json(spec)
    script = _LOADER % {
        "base": json.dumps(f"{root}/{VENDOR_SITE_PATH}" if root else VENDOR_SITE_PATH),
        "files": json.dumps(list(VENDOR_FILES)),
        "id": element,
        "spec": spec_json,
    }
    return f'<div class="sr-vega" id="{escape(element)}"></div>\n<script type="text/javascript">\n{script}\n</script>\n'


def standalone_html(spec: dict) -> str:
    """Fragment with the vendored scripts inlined: for single-file reports outside the site."""
    scripts = "\n".join(
        "<script>" + (vendor_dir() / name).read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"
        for name in VENDOR_FILES
    )
    element = chart_id(spec)
    spec_json = _spec_json(spec)
    return (
        f"{scripts}\n<div class=\"sr-vega\" id=\"{escape(element)}\"></div>\n"
        f"<script>vegaEmbed('#{element}', {spec_json}, {{actions: false, renderer: 'svg'}});</script>\n"
    )


def _offline_renderer(spec: dict, **_: object) -> dict:
    return {"text/html": embed_html(spec)}


def enable() -> None:
    """Register and enable the project theme and the offline renderer (idempotent)."""
    alt.theme.register(THEME_NAME, enable=True)(_theme)
    alt.renderers.register(RENDERER_NAME, _offline_renderer)
    alt.renderers.enable(RENDERER_NAME)
    alt.data_transformers.disable_max_rows()
