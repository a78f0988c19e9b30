"""Forecasting backtest: predict each larger size's per-task score from the smaller sizes only.

For a ladder with sizes s_1 < ... < s_K, a forecast *origin* is a prefix of the first j sizes
(j >= `min_prefix`, 3 by default, so a ladder needs at least 4 sizes); from it every method
predicts each task's score at every larger size s_t (t > j). Nothing at or above s_{j+1} is used.

Methods (scores are fractions; every prediction is clipped to [0, 1]):

* `last_value`: the task's score at the largest observed size.
* `mean_last_two`: the mean of the task's scores at the two largest observed sizes.
* `noise_aware_level`: the Kalman-filtered level of a random walk in log N observed through
  binomial item noise (`noise_aware_level`); each task's drift from its own gains.
* `momentum`: the task's last gain (s_{j-1} -> s_j) repeated once per further step of the ladder.
* `linear_log_n`: least-squares line of the task's score on log10 N over the prefix.
* `sigmoid`: a per-task sigmoid in log N between the task's chance floor and a ceiling of 1,
  fitted by the batched fitter `scaling_report.sigmoid_batch.fit_prefixes` (every task and
  origin at once; `sigmoid.fit_sigmoid` is its reference in the tests).
* `pooled_sigmoid`: sigmoids with a shared slope and task midpoints shrunk toward the
  family's, fitted jointly per origin by `sigmoid_batch.fit_pooled_prefixes`.
  For both sigmoids a degenerate fit (no identified rise, see `sigmoid_batch`) is not
  extrapolated: it forecasts its own fitted value at the largest size seen.
* `family_trend`: the task's last score plus the change that a line in log N through the
  family-average score (average over the tasks) predicts from s_j to s_t.
* `fitted_family_trend`: the same change added to the task's own fitted line at s_j.

Horizons group the (origin, target) pairs: `next` (t = j + 1), `two_ahead` (t = j + 2), `ge_10x`
(s_t / s_j >= 10) and `all`. Errors are prediction minus actual score; MAE and RMSE pool every
forecast of a ladder, and their 95% intervals come from a percentile bootstrap that resamples
tasks (each task keeps all its forecasts), with the same draws for every method so that method
differences are paired, and for every ladder of a benchmark (`joint_weights`) so that ladders
sharing tasks move together. Each error is reported beside the item-noise floor and split by
regime (tasks still at chance over the prefix, or off chance). Families are aggregated with equal
weight per ladder. `average_backtest` forecasts ladder-average scores; `interval_coverage` checks
forecast intervals calibrated inside the prefix.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import ladders as ladders_mod
from . import fmt, stats

METHODS: tuple[str, ...] = (
    "last_value", "mean_last_two", "noise_aware_level", "momentum", "linear_log_n", "sigmoid", "pooled_sigmoid",
    "family_trend", "fitted_family_trend",
)
SIGMOID_METHODS = ("sigmoid", "pooled_sigmoid")
METHOD_LABELS = {
    "last_value": "last value",
    "mean_last_two": "mean of the last two",
    "noise_aware_level": "noise-aware level",
    "momentum": "momentum (last gain repeated)",
    "linear_log_n": "linear in log N",
    "sigmoid": "per-task sigmoid",
    "pooled_sigmoid": "pooled sigmoid",
    "family_trend": "family-average trend",
    "fitted_family_trend": "fitted level + family trend",
}
HORIZONS: tuple[str, ...] = ("next", "two_ahead", "ge_10x", "all")
HORIZON_LABELS = {"next": "next size", "two_ahead": "two sizes ahead", "ge_10x": "≥10× larger", "all": "all pairs"}
# Size-ratio bins (target size / largest observed size) for the error-against-horizon chart.
RATIO_EDGES = (1.0, 3.0, 10.0, 30.0, 100.0, math.inf)
RATIO_LABELS = ("<3×", "3–10×", "10–30×", "30–100×", "≥100×")
MIN_PREFIX = 3
N_BOOT = 1000
LEVEL = 0.95
INVERSE_SCALING_BENCHMARK = "inverse_scaling"
GROUP_STANDARD = "standard benchmarks"
GROUP_INVERSE = "Inverse Scaling Prize tasks"


# --------------------------------------------------------------------------------------------
# Data: one ladder as arrays


@dataclass(frozen=True)
class Series:
    """One ladder as arrays: tasks x sizes scores, with each task's chance floor and item count."""

    key: dict
    name: str
    sizes: np.ndarray  # (K,) ascending parameter counts
    tasks: tuple[str, ...]  # (T,)
    scores: np.ndarray  # (T, K), NaN where a task lacks a size
    chance: np.ndarray  # (T,), NaN where unknown
    n_items: np.ndarray  # (T,), NaN where unknown

    @property
    def group(self) -> str:
        return GROUP_INVERSE if self.key.get("benchmark") == INVERSE_SCALING_BENCHMARK else GROUP_STANDARD


def _task_labels(index: pd.Index) -> tuple[str, ...]:
    labels = []
    for entry in index:
        parts = [str(p) for p in (entry if isinstance(entry, tuple) else (entry,)) if str(p) not in ("", "<NA>", "nan")]
        labels.append(" / ".join(parts))
    return tuple(labels)


def series_from_ladder(ladder: ladders_mod.Ladder) -> Series:
    """Arrays of one ladder (raw scores; the backtest forecasts scores, not transformed scores)."""
    rows = ladder.rows
    task_id = list(ladders_mod.TASK_ID)
    wide = rows.pivot_table(index=task_id, columns="n_params", values="score", aggfunc="first")
    sizes = np.asarray(sorted(rows["n_params"].unique()), dtype=float)
    wide = wide.reindex(columns=sizes).sort_index()
    per_task = rows.groupby(task_id, sort=True)
    chance = per_task["chance"].first().reindex(wide.index)
    n_items = per_task["n_items"].median().reindex(wide.index)
    return Series(
        key=dict(ladder.key),
        name=ladder.name,
        sizes=sizes,
        tasks=_task_labels(wide.index),
        scores=wide.to_numpy(dtype=float),
        chance=pd.to_numeric(chance, errors="coerce").to_numpy(dtype=float),
        n_items=pd.to_numeric(n_items, errors="coerce").to_numpy(dtype=float),
    )


# --------------------------------------------------------------------------------------------
# Progress line


class Progress:
    """A one-line progress indicator on stderr, shown only once a run has taken over `delay` s.

    On a terminal the line is redrawn in place; otherwise a plain line is printed at each
    quarter, so logs stay readable. Quick runs print nothing.
    """

    def __init__(self, total: int, label: str = "analyze", delay: float = 1.0, stream=None, enabled: bool = True):
        self.total = max(int(total), 1)
        self.label = label
        self.delay = delay
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.done = 0
        self.start = time.perf_counter()
        self.shown = False
        self._last_draw = 0.0
        self._last_quarter = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, step: int = 1, what: str = "") -> None:
        self.done = min(self.done + step, self.total)
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.delay:
            return
        fraction = self.done / self.total
        if self._tty:
            if now - self._last_draw < 0.1 and self.done < self.total:
                return
            self._last_draw = now
            width = 30
            bar = "#" * int(round(width * fraction))
            self.stream.write(f"\r{self.label}: [{bar:<{width}}] {fraction:4.0%} {elapsed:5.1f} s {what[:40]:<40}")
            self.stream.flush()
            self.shown = True
        else:
            quarter = int(fraction * 4)
            if quarter > self._last_quarter:
                self._last_quarter = quarter
                self.stream.write(f"{self.label}: {fraction:4.0%} after {elapsed:.1f} s\n")
                self.stream.flush()
                self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown and self._tty:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------------------------
# Forecasts


def _linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-row least-squares line of y (T, j) on x (j,): returns (slope, mean y, mean x)."""
    xm = x.mean()
    xc = x - xm
    ym = y.mean(axis=1)
    slope = (y - ym[:, None]) @ xc / float(xc @ xc)
    return slope, ym, float(xm)


def _family_slope(x: np.ndarray, Yp: np.ndarray, complete: np.ndarray) -> float:
    """Slope per decade of a line through the family-average score (tasks complete over the prefix)."""
    mean_curve = Yp[complete].mean(axis=0)
    slope, _, _ = _linear_fit(x, mean_curve[None, :])
    return float(slope[0])


def item_variance(series: Series, p: np.ndarray) -> np.ndarray:
    """Binomial item-noise variance p (1 - p) / n of scores p (tasks in rows); NaN where n is unknown.

    BIG-bench tasks with more than 1,024 items were scored on 1,024 (`sigmoid.BIGG_MAX_ITEMS`)."""
    from .sigmoid import BIGG_MAX_ITEMS

    n = series.n_items.astype(float)
    if series.key.get("benchmark") == "bigbench":
        n = np.minimum(n, BIGG_MAX_ITEMS)
    n = np.where(n > 0, n, np.nan)
    p = np.asarray(p, dtype=float)
    if p.ndim == 2:
        n = n[:, None]
    q = np.clip(p, 0.5 / n, 1 - 0.5 / n)
    return q * (1 - q) / n


def noise_aware_level(x: np.ndarray, Yp: np.ndarray, item_var: np.ndarray) -> np.ndarray:
    """Filtered level of a local-level model (random walk in log N plus binomial item noise).

    Each task's score is a level that drifts as a random walk, with variance q per decade of size,
    observed with its item-noise variance; the Kalman filter's level at the last size seen is the
    forecast for every larger size. Each task's q comes from its own gains by the method of
    moments (a gain between sizes has variance q * decades + 2 * item variance), floored near
    zero: a task at chance gets q ~ 0 and is averaged, a moving task is followed. Tasks of unknown
    item count get no noise, which makes the filter return their last score.
    """
    var = np.where(np.isfinite(item_var), item_var, 0.0)  # (T,)
    gaps = np.diff(x)  # decades between successive sizes
    gains = np.diff(Yp, axis=1)
    q = np.maximum((gains**2 - 2 * var[:, None]).sum(axis=1) / gaps.sum(), 1e-8)
    level = Yp[:, 0].copy()
    p_var = var.copy()
    for i in range(1, Yp.shape[1]):
        p_var = p_var + q * gaps[i - 1]
        gain = np.where(p_var + var > 0, p_var / (p_var + var), 1.0)
        level = level + gain * (Yp[:, i] - level)
        p_var = (1 - gain) * p_var
    return level


def _sigmoid_predictions(series: Series, fits, j: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, K) sigmoid forecasts from prefix j and the (T, 4) diagnostics (converged, at_bound,
    midpoint beyond the largest fitted size, degenerate) of the fitted tasks.

    A degenerate fit (k or x0 on a bound: no identified rise, see `sigmoid_batch`) is not
    extrapolated: it forecasts its own fitted value at the largest size seen.
    """
    curve = fits.curve(j)
    degenerate = fits.degenerate[:, j]
    flat = np.repeat(curve[:, j - 1:j], curve.shape[1], axis=1)
    out = np.where(degenerate[:, None], flat, curve)
    fitted = fits.fitted[:, j]
    out[~fitted] = np.nan
    beyond = fits.x0[:, j] > fits.log_sizes[j - 1]
    diag = np.stack([fits.converged[:, j], fits.at_bound[:, j], beyond, degenerate], axis=1)[fitted]
    return out, diag


@dataclass
class Forecasts:
    """Predictions of every method for one ladder: pred[method][task, j, t].

    j is the number of observed sizes (the prefix length), t the index of the predicted size;
    entries are NaN unless min_prefix <= j <= t < K. `valid[task, j, t]` marks the forecasts that
    every method produced (the common set on which methods are compared).
    """

    series: Series
    methods: tuple[str, ...]
    min_prefix: int
    pred: dict[str, np.ndarray]
    valid: np.ndarray
    diagnostics: dict = field(default_factory=dict)  # sigmoid method -> (n_fits, 4) bool array
    near_chance: np.ndarray | None = None  # (T, K): task at chance over the first j sizes

    def errors(self, method: str) -> np.ndarray:
        """Prediction minus actual, (T, K, K), NaN outside the common valid set."""
        actual = self.series.scores[:, None, :]
        err = self.pred[method] - actual
        return np.where(self.valid, err, np.nan)

    def table(self) -> pd.DataFrame:
        """Long table of every valid forecast: task, origin size, target size, method, prediction, actual."""
        s = self.series
        task_i, j_i, t_i = np.nonzero(self.valid)
        base = pd.DataFrame(
            {
                "ladder": s.name,
                "task": np.asarray(s.tasks, dtype=object)[task_i],
                "origin": s.sizes[j_i - 1],
                "target": s.sizes[t_i],
                "steps": t_i - j_i + 1,
                "actual": s.scores[task_i, t_i],
            }
        )
        frames = [base.assign(method=m, prediction=self.pred[m][task_i, j_i, t_i]) for m in self.methods]
        return pd.concat(frames, ignore_index=True)


def forecast(
    series: Series,
    methods: tuple[str, ...] = METHODS,
    min_prefix: int = MIN_PREFIX,
    progress: Progress | None = None,
) -> Forecasts:
    """Every method's forecasts from every origin j >= min_prefix to every larger size."""
    from . import sigmoid_batch

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known methods are {list(METHODS)}")
    if min_prefix < 2:
        raise ValueError("min_prefix must be at least 2 (momentum and lines need two sizes)")
    if any(m in SIGMOID_METHODS for m in methods) and min_prefix < 3:
        raise ValueError("sigmoid methods need min_prefix >= 3 (two parameters, at least three points)")
    Y = series.scores
    T, K = Y.shape
    x = np.log10(series.sizes)
    pred = {m: np.full((T, K, K), np.nan) for m in methods}
    observed = np.isfinite(Y)
    valid = np.zeros((T, K, K), dtype=bool)
    near_chance = np.zeros((T, K), dtype=bool)
    diagnostics: dict[str, list] = {m: [] for m in methods if m in SIGMOID_METHODS}
    chance = np.where(np.isfinite(series.chance), series.chance, 0.0)
    prefixes = range(min_prefix, K)
    separate = pooled = None
    if any(m in SIGMOID_METHODS for m in methods):
        separate = sigmoid_batch.fit_prefixes(series.sizes, Y, chance, prefixes=prefixes)
        if "pooled_sigmoid" in methods:
            pooled = sigmoid_batch.fit_pooled_prefixes(series.sizes, Y, chance, separate, prefixes=prefixes)
    tolerance = near_chance_tolerance(series)
    steps_all = np.arange(K)
    for j in prefixes:
        complete = observed[:, :j].all(axis=1)
        targets = steps_all[j:]
        valid[:, j, j:] = complete[:, None] & observed[:, j:]
        if not complete.any():
            if progress:
                progress.update(1)
            continue
        Yp = np.where(complete[:, None], Y[:, :j], 0.0)
        near_chance[:, j] = complete & (Yp.max(axis=1) - chance <= tolerance)
        last = Yp[:, j - 1]
        steps = (targets - (j - 1)).astype(float)  # 1 for the next size
        if "last_value" in methods:
            pred["last_value"][:, j, j:] = last[:, None]
        if "mean_last_two" in methods:
            pred["mean_last_two"][:, j, j:] = ((last + Yp[:, j - 2]) / 2)[:, None]
        if "noise_aware_level" in methods:
            item_var = item_variance(series, Yp.mean(axis=1))
            pred["noise_aware_level"][:, j, j:] = noise_aware_level(x[:j], Yp, item_var)[:, None]
        if "momentum" in methods:
            gain = last - Yp[:, j - 2]
            pred["momentum"][:, j, j:] = last[:, None] + gain[:, None] * steps[None, :]
        if "linear_log_n" in methods or "fitted_family_trend" in methods:
            slope, ym, xm = _linear_fit(x[:j], Yp)
            if "linear_log_n" in methods:
                pred["linear_log_n"][:, j, j:] = ym[:, None] + slope[:, None] * (x[j:] - xm)[None, :]
        if "family_trend" in methods or "fitted_family_trend" in methods:
            family_slope = _family_slope(x[:j], Yp, complete)
            ahead = family_slope * (x[j:] - x[j - 1])[None, :]
            if "family_trend" in methods:
                pred["family_trend"][:, j, j:] = last[:, None] + ahead
            if "fitted_family_trend" in methods:
                # The task's own line gives the level at the last size (less noisy than the last score).
                level = ym + slope * (x[j - 1] - xm)
                pred["fitted_family_trend"][:, j, j:] = level[:, None] + ahead
        for name, fits in (("sigmoid", separate), ("pooled_sigmoid", pooled)):
            if name in methods:
                out, diag = _sigmoid_predictions(series, fits, j)
                pred[name][:, j, j:] = out[:, j:]
                diagnostics[name].append(diag)
        if progress:
            progress.update(1, series.name)
    for m in methods:
        pred[m] = np.clip(pred[m], 0.0, 1.0)
        valid &= np.isfinite(pred[m])
    for m in methods:
        pred[m] = np.where(valid, pred[m], np.nan)
    diag = {m: (np.concatenate(v) if v else np.zeros((0, 4), dtype=bool)) for m, v in diagnostics.items()}
    return Forecasts(series, tuple(methods), min_prefix, pred, valid, diag, near_chance)


NEAR_CHANCE_SE = 2.0  # a task is near chance while no score seen lies more than 2 item-noise SEs above chance
NEAR_CHANCE_DEFAULT = 0.05  # tolerance when the item count is unknown


def near_chance_tolerance(series: Series) -> np.ndarray:
    """(T,) how far above chance a score may lie and still count as at chance: two binomial
    standard errors at chance (at least 1/n from zero), or 5 points when n is unknown."""
    chance = np.where(np.isfinite(series.chance), series.chance, 0.0)
    n = series.n_items
    p0 = np.maximum(chance, 1.0 / np.where(n > 0, n, np.nan))
    se = np.sqrt(item_variance(series, p0))
    return np.where(np.isfinite(se), NEAR_CHANCE_SE * se, NEAR_CHANCE_DEFAULT)


# --------------------------------------------------------------------------------------------
# Horizons and errors


def horizon_mask(sizes: np.ndarray, horizon: str, min_prefix: int = MIN_PREFIX) -> np.ndarray:
    """(K, K) boolean mask over (prefix length j, target index t) pairs belonging to `horizon`.

    `horizon` is one of HORIZONS, or a size-ratio bin label from RATIO_LABELS.
    """
    K = len(sizes)
    j = np.arange(K)[:, None]
    t = np.arange(K)[None, :]
    base = (j >= min_prefix) & (t >= j)
    steps = t - j + 1
    origin = np.asarray(sizes, dtype=float)[np.clip(j - 1, 0, K - 1)]
    ratio = np.asarray(sizes, dtype=float)[t] / origin
    if horizon == "next":
        return base & (steps == 1)
    if horizon == "two_ahead":
        return base & (steps == 2)
    if horizon == "ge_10x":
        return base & (ratio >= 10 * (1 - 1e-9))
    if horizon == "all":
        return base
    if horizon in RATIO_LABELS:
        b = RATIO_LABELS.index(horizon)
        return base & (ratio >= RATIO_EDGES[b]) & (ratio < RATIO_EDGES[b + 1])
    raise ValueError(f"unknown horizon '{horizon}'; known horizons are {list(HORIZONS) + list(RATIO_LABELS)}")


def joint_weights(all_series: list[Series], n_boot: int = N_BOOT) -> dict[str, np.ndarray]:
    """Bootstrap counts per ladder, drawn jointly for ladders that share tasks.

    Tasks are resampled once per benchmark, over the union of its tasks (a task is its benchmark
    and name): a task drawn twice counts twice in every ladder that has it, so the ladders'
    errors move together across resamples, as they do across task sets. The draws are seeded by
    what is resampled (the benchmark and its tasks), not by the ladders' order or a position.
    """
    universes: dict[str, list[str]] = {}
    for s in all_series:
        universes.setdefault(str(s.key.get("benchmark")), [])
        universes[str(s.key.get("benchmark"))].extend(s.tasks)
    counts = {}
    for benchmark, tasks in universes.items():
        names = sorted(set(tasks))
        counts[benchmark] = (dict(zip(names, range(len(names)))),
                             stats.task_weights(len(names), n_boot, ("backtest tasks", benchmark, tuple(names))))
    out = {}
    for s in all_series:
        index, w = counts[str(s.key.get("benchmark"))]
        out[s.name] = w[:, [index[t] for t in s.tasks]]
    return out


def _interval(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    return stats.percentile_interval(draws, level)


def _intervals(stacked: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """(2, rows) percentile intervals of each row of replicates; non-finite draws are ignored
    (`stats.percentile_interval` row by row only where a row has any, the rest in one call)."""
    out = np.full((2, stacked.shape[0]), np.nan)
    clean = np.isfinite(stacked).all(axis=1)
    tail = (1 - level) / 2
    if clean.any():
        out[:, clean] = np.quantile(stacked[clean], [tail, 1 - tail], axis=1)
    for i in np.flatnonzero(~clean):
        out[:, i] = stats.percentile_interval(stacked[i], level)
    return out


REGIMES: tuple[str, ...] = ("near_chance", "moving")
REGIME_LABELS = {"all": "all tasks", "near_chance": "at chance so far", "moving": "off chance"}
FLOOR = "noise_floor"  # pseudo-method: the error of a forecaster who knew each target's true score


@dataclass
class Backtest:
    """Per-ladder error table plus the bootstrap replicates behind its intervals.

    `table` has one row per ladder x method x horizon with n (forecasts), n_tasks, mae, rmse,
    ci_low/ci_high (95% bootstrap interval for the MAE), rmse_low/rmse_high, and the item-noise
    floor of the same forecasts (floor, floor_low, floor_high; NaN without item counts).
    `regimes` has the same MAE columns per regime (tasks still at chance over the prefix, or off
    chance). `boot` maps (ladder, method, horizon[, regime]) to the (mae, rmse) replicates, drawn
    with the same task resamples for every method (and, through `joint_weights`, for every
    ladder sharing the tasks); the floor's replicates are under method FLOOR.
    """

    table: pd.DataFrame
    boot: dict = field(default_factory=dict)
    forecasts: dict = field(default_factory=dict)
    regimes: pd.DataFrame = field(default_factory=pd.DataFrame)


def noise_floor(fc: Forecasts) -> np.ndarray:
    """(T, K, K) expected absolute error of a perfect forecast: E|score - p| = sqrt(2 / pi) * sd under
    binomial item noise at the observed target score (normal approximation)."""
    var = item_variance(fc.series, fc.series.scores)  # (T, K)
    floor = np.sqrt(2 / np.pi) * np.sqrt(var)
    return np.where(fc.valid, np.broadcast_to(floor[:, None, :], fc.valid.shape), np.nan)


def _error_sums(per_origin_abs, per_origin_sq, per_origin_n, select, base):
    """One row's point estimates and its per-task sums (abs, sq, count), for the replicates.

    per_origin_*: (T, K) sums over the row's targets for each task and origin; select: (T, K)
    0/1 weights of the origins that belong to the row (all, or one regime's)."""
    abs_sum = np.einsum("tj,tj->t", per_origin_abs, select)
    sq_sum = np.einsum("tj,tj->t", per_origin_sq, select)
    count = np.einsum("tj,tj->t", per_origin_n, select)
    n = int(count.sum())
    row = base | {"n": n, "n_tasks": int((count > 0).sum()), "mae": float(abs_sum.sum() / n),
                  "rmse": float(math.sqrt(sq_sum.sum() / n))}
    return row, np.stack([abs_sum, sq_sum, count], axis=1)


def _replicates(weights: np.ndarray, sums: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mae, rmse) bootstrap replicates of every row at once: one matrix product for all rows."""
    if not sums:
        return []
    totals = weights @ np.concatenate(sums, axis=1)  # (n_boot, 3 * rows)
    out = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(len(sums)):
            a, s, c = totals[:, 3 * i], totals[:, 3 * i + 1], totals[:, 3 * i + 2]
            out.append((a / c, np.sqrt(s / c)))
    return out


def _add_intervals(rows: list[dict], replicates: list[tuple[np.ndarray, np.ndarray]], level: float = LEVEL) -> None:
    """Percentile intervals of every row's replicates at once (one quantile call, not one per row)."""
    if not rows:
        return
    for which, (low, high) in ((0, ("ci_low", "ci_high")), (1, ("rmse_low", "rmse_high"))):
        q = _intervals(np.stack([r[which] for r in replicates]), level)
        for row, lo, hi in zip(rows, q[0], q[1]):
            row[low], row[high] = float(lo), float(hi)


def summarize(
    fc: Forecasts,
    horizons: tuple[str, ...] = HORIZONS,
    n_boot: int = N_BOOT,
    identity=None,
    weights: np.ndarray | None = None,
    regime_horizons: tuple[str, ...] | None = None,
) -> tuple[list[dict], dict, list[dict]]:
    """Rows of MAE/RMSE with bootstrap intervals for every method and horizon of one ladder, the
    bootstrap replicates, and the same rows split by regime.

    `weights` (n_boot, T) are the task resample counts (from `joint_weights`); without them the
    ladder gets its own stream, seeded by `identity` (the ladder's name by default).
    `regime_horizons` limits the regime split to those horizons (all by default).
    """
    s = fc.series
    if weights is None:
        weights = stats.task_weights(len(s.tasks), n_boot, ("backtest ladder", s.name) if identity is None else identity)
    hmasks = {h: horizon_mask(s.sizes, h, fc.min_prefix).astype(float) for h in horizons}
    valid = fc.valid.astype(float)
    selections = {"all": np.ones(fc.valid.shape[:2])}
    if fc.near_chance is not None:
        selections |= {"near_chance": fc.near_chance.astype(float), "moving": (~fc.near_chance).astype(float)}
    floor = noise_floor(fc)
    records, split, record_boot, split_boot, keys, split_keys = [], [], [], [], [], []
    for method in (*fc.methods, FLOOR):
        if method == FLOOR:
            if not np.isfinite(floor[fc.valid]).all():
                continue
            abs_err, sq_err = np.nan_to_num(floor), np.nan_to_num(floor * floor)
        else:
            err = fc.errors(method)
            abs_err, sq_err = np.nan_to_num(np.abs(err)), np.nan_to_num(err * err)
        for h in horizons:
            # Sums over each origin's targets in the horizon, (T, K): the regimes select origins.
            per_abs = np.einsum("tjk,jk->tj", abs_err, hmasks[h])
            per_sq = np.einsum("tjk,jk->tj", sq_err, hmasks[h])
            per_n = np.einsum("tjk,jk->tj", valid, hmasks[h])
            base = s.key | {"ladder": s.name, "group": s.group, "method": method, "horizon": h}
            for regime, select in selections.items():
                if regime != "all" and regime_horizons is not None and h not in regime_horizons:
                    continue
                if np.einsum("tj,tj->", per_n, select) == 0:
                    continue
                if regime == "all":
                    row, sums = _error_sums(per_abs, per_sq, per_n, select, base)
                    records.append(row)
                    record_boot.append(sums)
                    keys.append((s.name, method, h))
                else:
                    row, sums = _error_sums(per_abs, per_sq, per_n, select, base | {"regime": regime})
                    split.append(row)
                    split_boot.append(sums)
                    split_keys.append((s.name, method, h, regime))
    record_boot = _replicates(weights, record_boot)
    split_boot = _replicates(weights, split_boot)
    boot = dict(zip(keys, record_boot)) | dict(zip(split_keys, split_boot))
    _add_intervals(records, record_boot)
    _add_intervals(split, split_boot)
    return records, boot, split


TABLE_COLUMNS = (
    "family", "benchmark", "n_shots", "metric", "ladder", "group", "method", "horizon",
    "n", "n_tasks", "mae", "rmse", "ci_low", "ci_high", "rmse_low", "rmse_high",
)


def run_backtest(
    all_series: list[Series],
    methods: tuple[str, ...] = METHODS,
    horizons: tuple[str, ...] = HORIZONS,
    min_prefix: int = MIN_PREFIX,
    n_boot: int = N_BOOT,
    progress: Progress | None = None,
    keep_forecasts: bool = False,
    regime_horizons: tuple[str, ...] | None = None,
) -> Backtest:
    """Backtest every series with at least min_prefix + 1 sizes; tasks resampled jointly across
    ladders that share them (`joint_weights`); the regime split at `regime_horizons` (all by default)."""
    usable = [s for s in all_series if len(s.sizes) > min_prefix]
    weights = joint_weights(usable, n_boot)
    records, boot, kept, split = [], {}, {}, []
    for s in usable:
        fc = forecast(s, methods, min_prefix, progress)
        rows, b, by_regime = summarize(fc, horizons, n_boot, weights=weights[s.name], regime_horizons=regime_horizons)
        records.extend(rows)
        split.extend(by_regime)
        boot.update(b)
        if keep_forecasts:
            kept[s.name] = fc
    everything = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    table = everything[everything["method"] != FLOOR].reset_index(drop=True)
    floors = everything[everything["method"] == FLOOR].set_index(["ladder", "horizon"])
    for column, source in (("floor", "mae"), ("floor_low", "ci_low"), ("floor_high", "ci_high")):
        table[column] = floors[source].reindex(pd.MultiIndex.from_frame(table[["ladder", "horizon"]])).to_numpy() if len(table) else []
    regimes = pd.DataFrame.from_records(split, columns=[*TABLE_COLUMNS, "regime"])
    return Backtest(table, boot, kept, regimes)


def progress_steps(all_series: list[Series], min_prefix: int = MIN_PREFIX) -> int:
    """Number of progress updates `run_backtest` makes (one per ladder origin)."""
    return sum(max(len(s.sizes) - min_prefix, 0) for s in all_series)


# --------------------------------------------------------------------------------------------
# Aggregates and comparisons


def aggregate(bt: Backtest, by: str = "group", regime: str | None = None) -> pd.DataFrame:
    """Equal-weight mean over ladders of each ladder's MAE and RMSE, per `by` x method x horizon.

    Intervals average the ladders' bootstrap replicates; the replicates of ladders that share
    tasks come from the same task resamples (`joint_weights`), so the interval carries their
    dependence. `regime` ("near_chance" or "moving") restricts to forecasts in that regime.
    floor/floor_low/floor_high: the same average of the item-noise floor (NaN if a ladder lacks it).
    """
    table = bt.table if regime is None else bt.regimes[(bt.regimes["regime"] == regime) & (bt.regimes["method"] != FLOOR)]
    if table.empty:
        return pd.DataFrame()
    suffix = () if regime is None else (regime,)
    if regime is None:
        floor_point = table.set_index(["ladder", "horizon"])["floor"].groupby(level=[0, 1]).first().to_dict()
    else:
        f = bt.regimes[(bt.regimes["method"] == FLOOR) & (bt.regimes["regime"] == regime)]
        floor_point = dict(zip(zip(f["ladder"], f["horizon"]), f["mae"]))
    records, draws = [], []
    for (key, method, horizon), part in table.groupby([by, "method", "horizon"], sort=True):
        names = list(part["ladder"])
        mae_b = np.mean([bt.boot[(l, method, horizon, *suffix)][0] for l in names], axis=0)
        rmse_b = np.mean([bt.boot[(l, method, horizon, *suffix)][1] for l in names], axis=0)
        floors = [bt.boot.get((l, FLOOR, horizon, *suffix)) for l in names]
        has_floor = all(f is not None for f in floors)
        floor_b = np.mean([f[0] for f in floors], axis=0) if has_floor else np.full_like(mae_b, np.nan)
        records.append({by: key, "method": method, "horizon": horizon, "n_ladders": len(part), "n": int(part["n"].sum()),
                        "mae": float(part["mae"].mean()), "rmse": float(part["rmse"].mean()),
                        "floor": float(np.mean([floor_point.get((l, horizon), np.nan) for l in names])) if has_floor else np.nan})
        draws.append((mae_b, rmse_b, floor_b))
    for i, (low, high) in enumerate((("ci_low", "ci_high"), ("rmse_low", "rmse_high"), ("floor_low", "floor_high"))):
        q = _intervals(np.stack([d[i] for d in draws]))
        for record, lo, hi in zip(records, q[0], q[1]):
            record[low], record[high] = float(lo), float(hi)
    return pd.DataFrame.from_records(records)


def _mae_lookup(bt: Backtest) -> dict:
    """(ladder, method, horizon) -> MAE, built once per backtest (compare is called many times)."""
    cached = getattr(bt, "_mae_cache", None)
    if cached is None:
        t = bt.table
        cached = dict(zip(zip(t["ladder"], t["method"], t["horizon"]), t["mae"]))
        bt._mae_cache = cached
    return cached


def compare(bt: Backtest, method: str, baseline: str, horizon: str, ladders_: list[str], regime: str | None = None) -> dict:
    """Paired difference MAE(method) - MAE(baseline) over the given ladders (equal weights),
    optionally on one regime's forecasts only."""
    if regime is None:
        maes = _mae_lookup(bt)
    else:
        r = bt.regimes[(bt.regimes["regime"] == regime) & (bt.regimes["horizon"] == horizon)]
        maes = dict(zip(zip(r["ladder"], r["method"], r["horizon"]), r["mae"]))
    suffix = () if regime is None else (regime,)
    names = sorted(l for l in set(ladders_) if (l, method, horizon) in maes and (l, baseline, horizon) in maes)
    if not names:
        return {"diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_ladders": 0}
    diff = float(np.mean([maes[(l, method, horizon)] - maes[(l, baseline, horizon)] for l in names]))
    draws = np.mean([bt.boot[(l, method, horizon, *suffix)][0] - bt.boot[(l, baseline, horizon, *suffix)][0] for l in names], axis=0)
    lo, hi = _interval(draws)
    return {"diff": diff, "ci_low": lo, "ci_high": hi, "n_ladders": len(names)}


def winners(bt: Backtest, by: str = "ladder", horizons: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per `by` (ladder or group) x horizon: the lowest-MAE method, the runner-up, and the paired
    95% interval of the winner's margin over the runner-up and over last value (at `horizons`,
    all by default)."""
    records = []
    table = bt.table if horizons is None else bt.table[bt.table["horizon"].isin(horizons)]
    for (key, horizon), part in table.groupby([by, "horizon"], sort=True):
        names = sorted(set(part["ladder"]))
        means = part.groupby("method")["mae"].mean().sort_values()
        # Each ladder contributes equally, and only methods present on all its ladders compete.
        counts = part.groupby("method")["ladder"].nunique()
        means = means[counts.reindex(means.index) == len(names)]
        if means.empty:
            continue
        best = means.index[0]
        record = {by: key, "horizon": horizon, "winner": best, "winner_mae": float(means.iloc[0])}
        if len(means) > 1:
            second = means.index[1]
            c = compare(bt, best, second, horizon, names)
            record |= {"runner_up": second, "margin": -c["diff"], "margin_low": -c["ci_high"], "margin_high": -c["ci_low"]}
        if "last_value" in means.index and best != "last_value":
            c = compare(bt, best, "last_value", horizon, names)
            record |= {"gain_vs_last": -c["diff"], "gain_low": -c["ci_high"], "gain_high": -c["ci_low"]}
        records.append(record)
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# Ladder-average scores

AVERAGE_METHODS = ("last_value", "mean_last_two", "momentum", "linear_log_n")


def average_backtest(
    all_series: list[Series],
    methods: tuple[str, ...] = AVERAGE_METHODS,
    horizons: tuple[str, ...] = HORIZONS,
    min_prefix: int = MIN_PREFIX,
    n_boot: int = N_BOOT,
) -> Backtest:
    """The backtest of each ladder's *average* score (over its tasks scored at every size).

    The ladder average is one series; its interval resamples tasks (jointly across ladders, with
    `joint_weights`): each replicate averages the resampled tasks, is forecast by the same
    methods, and gives one replicate of the error. Methods that use other tasks (the family
    trend) or item counts are left out: the average has no family beside itself.
    """
    unknown = [m for m in methods if m not in AVERAGE_METHODS]
    if unknown:
        raise ValueError(f"average_backtest runs {list(AVERAGE_METHODS)}, not {unknown}")
    usable = [s for s in all_series if len(s.sizes) > min_prefix]
    weights = joint_weights(usable, n_boot)
    records, boot = [], {}
    for s in usable:
        complete = np.isfinite(s.scores).all(axis=1)
        if not complete.any():
            continue
        Y = s.scores[complete]
        W = weights[s.name][:, complete]
        with np.errstate(invalid="ignore", divide="ignore"):
            replicates = (W @ Y) / W.sum(axis=1, keepdims=True)
        rows = np.vstack([Y.mean(axis=0), replicates])
        avg = Series(key=s.key, name=s.name, sizes=s.sizes, tasks=tuple(f"r{i}" for i in range(len(rows))),
                     scores=rows, chance=np.zeros(len(rows)), n_items=np.full(len(rows), np.nan))
        fc = forecast(avg, methods, min_prefix)
        for method in methods:
            abs_err = np.abs(fc.errors(method))
            for h in horizons:
                mask = horizon_mask(s.sizes, h, min_prefix)
                if not mask.any():
                    continue
                per_row = np.nanmean(np.where(mask[None], abs_err, np.nan), axis=(1, 2))
                draws = per_row[1:]
                lo, hi = _interval(draws)
                records.append(s.key | {"ladder": s.name, "group": s.group, "method": method, "horizon": h,
                                        "n": int(mask.sum()), "n_tasks": int(complete.sum()), "mae": float(per_row[0]),
                                        "ci_low": lo, "ci_high": hi})
                boot[(s.name, method, h)] = (draws, draws)
    table = pd.DataFrame.from_records(records, columns=[c for c in TABLE_COLUMNS if c not in ("rmse", "rmse_low", "rmse_high")])
    table["rmse"] = table["rmse_low"] = table["rmse_high"] = np.nan
    table["floor"] = table["floor_low"] = table["floor_high"] = np.nan
    return Backtest(table, boot)


# --------------------------------------------------------------------------------------------
# Forecast intervals

INTERVAL_LEVEL = 0.90


def interval_coverage(bt: Backtest, method: str, steps: int = 1, level: float = INTERVAL_LEVEL,
                      n_boot: int = N_BOOT) -> pd.DataFrame:
    """Coverage of `level` forecast intervals `steps` sizes ahead, per ladder, with task-bootstrap intervals.

    The interval around a forecast from origin j is the forecast +- the `level` quantile of the
    absolute errors of the same method and horizon on forecasts made and scored *inside* the first
    j sizes (earlier origins whose target is at most size j), pooled over the ladder's tasks. So
    it uses nothing the forecast could not have seen. Forecasts from origins without such
    earlier errors get no interval and are not counted. Columns: ladder, group, method, steps,
    n (forecasts with an interval), coverage, ci_low, ci_high, half_width (mean, in score units).
    """
    series = [fc.series for fc in bt.forecasts.values()]
    weights = joint_weights(series, n_boot)
    records = []
    for name, fc in bt.forecasts.items():
        err = np.abs(fc.errors(method))
        T, K, _ = err.shape
        covered = np.zeros(T)
        counted = np.zeros(T)
        widths = []
        for j in range(fc.min_prefix, K - steps + 1):
            t = j + steps - 1
            inside = [err[:, jj, jj + steps - 1] for jj in range(fc.min_prefix, j - steps + 1)]
            history = np.concatenate(inside) if inside else np.array([])
            history = history[np.isfinite(history)]
            target = err[:, j, t]
            ok = np.isfinite(target)
            if history.size == 0 or not ok.any():
                continue
            half = float(np.quantile(history, level))
            covered += np.where(ok, target <= half, False)
            counted += ok
            widths.append(np.full(int(ok.sum()), half))
        n = int(counted.sum())
        if n == 0:
            continue
        W = weights[name]
        with np.errstate(invalid="ignore", divide="ignore"):
            draws = (W @ covered) / (W @ counted)
        lo, hi = _interval(draws)
        records.append({"ladder": name, "group": fc.series.group, "method": method, "steps": steps, "n": n,
                        "coverage": float(covered.sum() / n), "ci_low": lo, "ci_high": hi,
                        "half_width": float(np.concatenate(widths).mean()), "_draws": draws})
    return pd.DataFrame.from_records(records)


def coverage_by_group(cov: pd.DataFrame) -> pd.DataFrame:
    """Equal-weight mean over a group's ladders of the coverage, with the averaged replicates' interval."""
    records = []
    for (group, method, steps), part in cov.groupby(["group", "method", "steps"], sort=True):
        draws = np.mean(np.stack(part["_draws"].to_list()), axis=0)
        lo, hi = _interval(draws)
        records.append({"group": group, "method": method, "steps": steps, "n_ladders": len(part), "n": int(part["n"].sum()),
                        "coverage": float(part["coverage"].mean()), "ci_low": lo, "ci_high": hi,
                        "half_width": float(part["half_width"].mean())})
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# JSON rows for `scaling-report analyze`

JSON_KEYS = ("family", "benchmark", "n_shots", "metric", "method", "horizon", "n", "mae", "rmse", "ci_low", "ci_high")


def json_rows(bt: Backtest) -> list[dict]:
    """The backtest as documented JSON rows (MAE interval in ci_low/ci_high)."""
    rows = []
    order = {m: i for i, m in enumerate(METHODS)}
    horizon_order = {h: i for i, h in enumerate(HORIZONS)}
    table = bt.table
    if table.empty:
        return rows
    for r in table.itertuples(index=False):
        n_shots = r.n_shots
        rows.append(
            {
                "family": r.family,
                "benchmark": r.benchmark,
                "n_shots": None if n_shots is None or (isinstance(n_shots, float) and math.isnan(n_shots)) else int(n_shots),
                "metric": r.metric,
                "method": r.method,
                "horizon": r.horizon,
                "n": int(r.n),
                "mae": fmt.json_number(r.mae),
                "rmse": fmt.json_number(r.rmse),
                "ci_low": fmt.json_number(r.ci_low),
                "ci_high": fmt.json_number(r.ci_high),
            }
        )
    rows.sort(key=lambda d: (d["family"], d["benchmark"], -1 if d["n_shots"] is None else d["n_shots"], d["metric"],
                             horizon_order.get(d["horizon"], 99), order.get(d["method"], 99)))
    return rows
