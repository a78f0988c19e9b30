"""Speed of `scaling-report analyze` on a large file, and of chapter 6.

Targets (issue 11, "Speed"): `scaling-report analyze` runs all methods, the two sigmoids
included, on 100,000 rows (5,000 tasks x 20 sizes), from reading the CSV to the JSON text, in
at most 10 s on 2 cores; chapter 6's computations (`forecast_chapter.chapter()`) in at most 5 s.
The table is synthetic: per-task sigmoids in log N with binomial noise, seeded, written to a
temporary folder. Wall-clock seconds, plus the process's CPU seconds (on a shared machine the
wall time overstates the cost).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_TASKS = 5000
N_SIZES = 20


def synthetic_table(n_tasks: int = N_TASKS, n_sizes: int = N_SIZES, seed_offset: int = 900) -> pd.DataFrame:
    """A long-schema table of one family: n_tasks x n_sizes noisy sigmoid scores."""
    from scaling_report import rng

    g = rng(seed_offset)
    sizes = np.geomspace(1e7, 1e11, n_sizes).round()
    chance = g.choice([0.0, 0.25, 0.5], size=n_tasks)
    k = g.uniform(0.3, 3.0, n_tasks)
    x0 = g.uniform(np.log(1e7), np.log(1e12), n_tasks)
    p = chance[:, None] + (1 - chance[:, None]) / (1 + np.exp(-k[:, None] * (np.log(sizes)[None, :] - x0[:, None])))
    n_items = 500
    scores = g.binomial(n_items, p) / n_items
    return pd.DataFrame(
        {
            "family": "Synthetic",
            "model": np.tile([f"m{i:02d}" for i in range(n_sizes)], n_tasks),
            "n_params": np.tile(sizes, n_tasks),
            "task": np.repeat([f"task_{i:05d}" for i in range(n_tasks)], n_sizes),
            "metric": "accuracy",
            "score": scores.ravel(),
            "chance": np.repeat(chance, n_sizes),
            "n_items": n_items,
        }
    )


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    out = function()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run() -> list[dict]:
    from scaling_report import analyze, backtest, forecast_chapter

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        synthetic_table().to_csv(path, index=False)
        text, seconds, cpu = _timed(lambda: analyze.run(str(path), "json", methods=backtest.METHODS))
        small = Path(folder) / "small.csv"
        synthetic_table(200, 10, seed_offset=901).to_csv(small, index=False)
        _, small_seconds, _ = _timed(lambda: analyze.run(str(small), "json", methods=backtest.METHODS))
    _, chapter_wall, chapter_cpu = _timed(forecast_chapter.chapter)
    rows = f"100,000 rows ({N_TASKS:,} tasks x {N_SIZES} sizes)"
    return [
        {"benchmark": "analyze", "figure": f"{rows}, all {len(backtest.METHODS)} methods, CSV to JSON, wall", "value": seconds, "unit": "s", "target": "<= 10 s"},
        {"benchmark": "analyze", "figure": f"{rows}, all methods, CPU", "value": cpu, "unit": "s", "target": ""},
        {"benchmark": "analyze", "figure": "JSON size for 100,000 rows", "value": len(text) / 1e6, "unit": "MB", "target": ""},
        {"benchmark": "analyze", "figure": "2,000 rows (200 tasks x 10 sizes), all methods", "value": small_seconds, "unit": "s", "target": ""},
        {"benchmark": "chapter 6", "figure": "forecast_chapter.chapter(), wall", "value": chapter_wall, "unit": "s", "target": "<= 5 s"},
        {"benchmark": "chapter 6", "figure": "forecast_chapter.chapter(), CPU", "value": chapter_cpu, "unit": "s", "target": ""},
    ]
