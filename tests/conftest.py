"""Shared fixtures: small valid tables in the long schema, written to temporary CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scaling_report import schema

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"


def valid_rows() -> pd.DataFrame:
    """Three sizes x two tasks of one family: the smallest table that forms a ladder."""
    rows = []
    for model, n_params in (("m-1", 1e6), ("m-2", 1e7), ("m-3", 1e8)):
        for task, base in (("alpha", 0.3), ("beta", 0.5)):
            rows.append(
                {
                    "source_id": "toy",
                    "family": "Toy",
                    "model": model,
                    "n_params": n_params,
                    "training_tokens": "",
                    "training_flops": "",
                    "benchmark": "toybench",
                    "task": task,
                    "subtask": "",
                    "task_metric": "",
                    "n_shots": 0,
                    "prompting": "0-shot",
                    "metric": "accuracy",
                    "score": round(base + 0.1 * len(rows) / 6, 4),
                    "chance": 0.25,
                    "n_items": 100,
                    "provenance": "constructed for tests",
                }
            )
    return pd.DataFrame(rows, columns=list(schema.COLUMNS)).astype(object)


@pytest.fixture
def write_csv(tmp_path):
    """Write a frame (or raw text) to a CSV in a temporary folder and return its path."""

    def _write(content, name: str = "table.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            content.to_csv(path, index=False)
        return path

    return _write


# ---------------------------------------------------------------------------------------------
# The rendered book: one real Quarto render per test session, shared by every page test.

import functools  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
RENDER = PROJECT_DIR / "tools" / "render.py"


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """site/ as `make site` builds it: real Quarto, warnings are failures (tools/render.py)."""
    result = subprocess.run([sys.executable, str(RENDER)], cwd=PROJECT_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"the book does not build:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}", pytrace=False)
    return PROJECT_DIR / "site"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    """A local web server for `directory`: (base URL, server)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


@pytest.fixture(scope="session")
def server(site_dir: Path):
    base, httpd = serve(site_dir)
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    """Headless Debian Chromium (never a downloaded browser), with every other origin blocked."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(f"needs Debian chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
                    "apt-get install chromium chromium-driver (.ci/run installs them)", pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1366,900", f"--user-data-dir={profile}",
                 # every host but the test server resolves nowhere: "other origins blocked"
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()
