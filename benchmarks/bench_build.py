"""Book build figures with real Quarto, on a fresh clone of the committed project.

* cold `make site` (tools/render.py) in a fresh clone, after install: every chapter executes;
* a no-change re-render (execution results come from _freeze/);
* a re-render after editing one chapter's prose (that chapter executes again);
* per-file render seconds of the cold build (execution plus pandoc, from Quarto's progress lines);
* each page's HTML bytes, and the JavaScript and CSS it loads (files and bytes).

The clone uses this checkout's .venv, with PYTHONPATH pointing at the clone's own src/, and the
Quarto that tools/find-quarto finds here (its folder goes first on PATH).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITED_CHAPTER = "chapters/08-data-and-parameters.qmd"
TARGETS = {"cold": 45.0, "no change": 20.0}


def _render(clone: Path, env: dict, timings: Path | None = None) -> float:
    command = [sys.executable, str(clone / "tools" / "render.py")]
    if timings is not None:
        command += ["--timings", str(timings)]
    started = time.monotonic()
    result = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"render failed in the clone:\n{result.stderr[-2000:]}")
    return elapsed


def _assets(site: Path, page: Path) -> tuple[int, int, int, int]:
    html = page.read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    links = re.findall(r"<link\b[^>]*>", html)
    styles = [re.search(r'href="([^"]+)"', tag).group(1) for tag in links if 'rel="stylesheet"' in tag and 'href="' in tag]

    def size(urls: list[str]) -> int:
        total = 0
        for url in urls:
            path = (page.parent / url.split("?")[0]).resolve()
            if path.is_file():
                total += path.stat().st_size
        return total

    return len(scripts), size(scripts), len(styles), size(styles)


def run() -> list[dict]:
    quarto = subprocess.run([str(ROOT / "tools" / "find-quarto")], capture_output=True, text=True, check=True).stdout.strip()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        clone = Path(tmp) / "book"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = dict(os.environ, PYTHONPATH=str(clone / "src"), PATH=f"{Path(quarto).parent}{os.pathsep}{os.environ['PATH']}")
        timings = Path(tmp) / "timings.json"
        seconds = {
            "cold": _render(clone, env, timings),
            "no change": _render(clone, env),
        }
        chapter = clone / EDITED_CHAPTER
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence of prose.\n", encoding="utf-8")
        seconds["one chapter's prose edited"] = _render(clone, env)
        for name, value in seconds.items():
            target = TARGETS.get(name)
            rows.append({"benchmark": "build", "figure": f"make site, {name}", "value": round(value, 1), "unit": "s",
                         "target": f"<= {target:g} s ({'met' if value <= target else 'NOT met'})" if target else ""})
        for entry in json.loads(timings.read_text())["files"]:
            rows.append({"benchmark": "build", "figure": f"cold render of {entry['file']}", "value": entry["seconds"], "unit": "s"})
        site = clone / "site"
        for page in sorted(site.rglob("*.html")):
            if "site_libs" in page.parts:
                continue
            name = str(page.relative_to(site))
            n_js, js, n_css, css = _assets(site, page)
            rows.append({"benchmark": "page", "figure": f"{name} HTML", "value": page.stat().st_size // 1024, "unit": "KiB"})
            rows.append({"benchmark": "page", "figure": f"{name} JS ({n_js} files)", "value": js // 1024, "unit": "KiB"})
            rows.append({"benchmark": "page", "figure": f"{name} CSS ({n_css} files)", "value": css // 1024, "unit": "KiB"})
    return rows


if __name__ == "__main__":
    from run import format_table

    print(format_table(run()))
