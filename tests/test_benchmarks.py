"""The `make bench` scripts still run against the package (they are not timed here: `make bench`
prints the figures). The build benchmark is left out: it renders the book in a clone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"
QUICK = ["bench_noise"]  # runs in about a second; the others are imported only


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH_DIR.glob("bench_*.py")))
def test_benchmark_module_imports_and_has_run(name):
    assert callable(_load(name).run)


@pytest.mark.parametrize("name", QUICK)
def test_quick_benchmark_runs_and_reports_figures(name):
    rows = _load(name).run()
    assert rows and all({"benchmark", "figure", "value", "unit", "target"} <= set(row) for row in rows)
