"""Speed of the sigmoid fits: the per-task reference fitter, the batched fitter, the pooled fit and chapter 4.

Targets (issue "Chapter 4 — Sigmoids and states"): hundreds of per-task fits in a few seconds;
the pooled fit of a family in about a second; the whole chapter under 30 s. Issue 11 adds the
batched fitter (`sigmoid_batch`): every task and forecast origin of a ladder at once. Synthetic
tasks are seeded sigmoids in log N with binomial noise. Figures are wall-clock seconds, plus
the process's CPU seconds where the machine is shared (wall time then overstates the cost).
"""

from __future__ import annotations

import time

import numpy as np

N_TASKS = 300
SIZES = np.geomspace(2e6, 1.4e11, 12)
BATCH_TASKS = 5000
BATCH_SIZES = np.geomspace(1e7, 1e11, 20)


def _synthetic(n_tasks: int = N_TASKS, sizes=SIZES, seed_offset: int = 920):
    from scaling_report import rng, sigmoid

    g = rng(seed_offset)
    chance = g.choice([0.0, 0.25, 0.5], n_tasks)
    k = g.uniform(0.2, 3.0, n_tasks)
    x0 = g.uniform(np.log(1e7), np.log(1e12), n_tasks)
    p = sigmoid.sigmoid_curve(np.log(sizes)[None, :], k[:, None], x0[:, None], chance[:, None], 1.0)
    return chance, g.binomial(500, p) / 500


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    out = function()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run() -> list[dict]:
    from scaling_report import sigmoid, sigmoid_batch

    chance, scores = _synthetic()
    _, per_task, _ = _timed(lambda: [sigmoid.fit_sigmoid(SIZES, scores[i], chance[i], n_items=500) for i in range(N_TASKS)])
    _, batch_small, _ = _timed(lambda: sigmoid_batch.fit_prefixes(SIZES, scores, chance, prefixes=[len(SIZES)]))

    names = [f"t{i:03d}" for i in range(N_TASKS)]
    _, pooled, _ = _timed(lambda: sigmoid.fit_pooled({t: SIZES for t in names}, {t: scores[i] for i, t in enumerate(names)},
                                                    {t: chance[i] for i, t in enumerate(names)}))

    big_chance, big_scores = _synthetic(BATCH_TASKS, BATCH_SIZES, seed_offset=921)
    prefixes = range(3, len(BATCH_SIZES))
    separate, batch_wall, batch_cpu = _timed(lambda: sigmoid_batch.fit_prefixes(BATCH_SIZES, big_scores, big_chance, prefixes=prefixes))
    _, pooled_wall, pooled_cpu = _timed(lambda: sigmoid_batch.fit_pooled_prefixes(BATCH_SIZES, big_scores, big_chance, separate,
                                                                                  prefixes=prefixes))
    n_fits = int(separate.fitted.sum())

    grid, grid_seconds, _ = _timed(sigmoid.explorer_grid)
    _, chapter, _ = _timed(sigmoid.chapter_results)
    batch = f"{BATCH_TASKS:,} tasks x {len(prefixes)} origins ({n_fits:,} fits)"
    return [
        {"benchmark": "sigmoid", "figure": f"fit_sigmoid, {N_TASKS} tasks x 12 sizes (reference)", "value": per_task, "unit": "s", "target": "<= 5 s"},
        {"benchmark": "sigmoid", "figure": f"fit_prefixes, the same {N_TASKS} tasks (batched)", "value": batch_small, "unit": "s", "target": ""},
        {"benchmark": "sigmoid", "figure": f"fit_pooled, {N_TASKS} tasks x 12 sizes", "value": pooled, "unit": "s", "target": "<= 5 s"},
        {"benchmark": "sigmoid", "figure": f"fit_prefixes, {batch}, wall", "value": batch_wall, "unit": "s", "target": ""},
        {"benchmark": "sigmoid", "figure": f"fit_prefixes, {batch}, CPU", "value": batch_cpu, "unit": "s", "target": ""},
        {"benchmark": "sigmoid", "figure": f"fit_pooled_prefixes, {BATCH_TASKS:,} tasks x {len(prefixes)} origins, wall", "value": pooled_wall, "unit": "s", "target": ""},
        {"benchmark": "sigmoid", "figure": f"fit_pooled_prefixes, {BATCH_TASKS:,} tasks x {len(prefixes)} origins, CPU", "value": pooled_cpu, "unit": "s", "target": ""},
        {"benchmark": "sigmoid", "figure": f"explorer grid ({len(grid):,} cells)", "value": grid_seconds, "unit": "s", "target": "<= 5 s"},
        {"benchmark": "sigmoid", "figure": "chapter_results() (chapter 4)", "value": chapter, "unit": "s", "target": "<= 30 s"},
    ]
