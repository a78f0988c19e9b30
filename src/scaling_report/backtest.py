"""Forecasting backtest: predict each larger size's per-task score from the smaller sizes only.

For a ladder with sizes s_1 < ... < s_K, a forecast *origin* is a prefix of the first j sizes
(j >= `min_prefix`, 3 by default, so a ladder needs at least 4 sizes); from it every method
predicts each task's score at every larger size s_t (t > j). Nothing at or above s_{j+1} is used.

Methods (scores are fractions; every prediction is clipped to [0, 1]):

* `last_value`: the task's score at the largest observed size.
* `momentum`: the task's last gain (s_{j-1} -> s_j) repeated once per further step of the ladder.
* `linear_log_n`: least-squares line of the task's score on log10 N over the prefix.
* `sigmoid`: a per-task sigmoid in log N between the task's chance floor and a ceiling,
  fitted by `scaling_report.sigmoid.fit_sigmoid` to the prefix.
* `pooled_sigmoid`: sigmoids with a shared slope and task midpoints shrunk toward the
  family's, fitted jointly to all tasks' prefixes by `scaling_report.sigmoid.fit_pooled`.
* `family_trend`: the task's last score plus the change that a line in log N through the
  family-average score (average over the tasks) predicts from s_j to s_t.

Horizons group the (origin, target) pairs: `next` (t = j + 1), `two_ahead` (t = j + 2), `ge_10x`
(s_t / s_j >= 10) and `all`. Errors are prediction minus actual score; MAE and RMSE pool every
forecast of a ladder, and their 95% intervals come from a percentile bootstrap that resamples
tasks (each task keeps all its forecasts), with the same draws for every method so that method
differences are paired. Families are aggregated with equal weight per ladder.
"""

from __future__ import annotations

import math
import sys
import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import ladders as ladders_mod
from . import fmt, rng, stats

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


def bootstrap_weights(n_tasks: int, n_boot: int = N_BOOT, seed_offset: int = 0) -> np.ndarray:
    """(n_boot, n_tasks) counts: how often each task is drawn in each bootstrap resample."""
    if n_tasks == 0:
        return np.zeros((n_boot, 0))
    draws = rng(seed_offset).integers(0, n_tasks, size=(n_boot, n_tasks))
    flat = (draws + (np.arange(n_boot) * n_tasks)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n_tasks).reshape(n_boot, n_tasks).astype(float)


def benchmark_seed(benchmark: str, seed_offset: int = 0) -> int:
    """Seed offset of a benchmark's task resamples: keyed by the benchmark's name, not a position."""
    return seed_offset + zlib.crc32(str(benchmark).encode()) % 100_000


def joint_weights(all_series: list[Series], n_boot: int = N_BOOT, seed_offset: int = 0) -> dict[str, np.ndarray]:
    """Bootstrap counts per ladder, drawn jointly for ladders that share tasks.

    Tasks are resampled once per benchmark, over the union of its tasks (a task is its benchmark
    and name): a task drawn twice counts twice in every ladder that has it, so the ladders'
    errors move together across resamples, as they do across task sets.
    """
    universes: dict[str, list[str]] = {}
    for s in all_series:
        universes.setdefault(str(s.key.get("benchmark")), [])
        universes[str(s.key.get("benchmark"))].extend(s.tasks)
    counts = {}
    for benchmark, tasks in universes.items():
        names = sorted(set(tasks))
        counts[benchmark] = (dict(zip(names, range(len(names)))),
                             bootstrap_weights(len(names), n_boot, benchmark_seed(benchmark, seed_offset)))
    out = {}
    for s in all_series:
        index, w = counts[str(s.key.get("benchmark"))]
        out[s.name] = w[:, [index[t] for t in s.tasks]]
    return out


def _interval(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    return stats.percentile_interval(draws, level)


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


def _error_sums(abs_err, sq_err, mask, count, weights, base):
    """One row's point estimates and its (mae, rmse) bootstrap replicates (intervals added later)."""
    n = int(count.sum())
    abs_sum = (abs_err * mask).sum(axis=(1, 2))
    sq_sum = (sq_err * mask).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = weights @ count
        mae_b = (weights @ abs_sum) / denom
        rmse_b = np.sqrt((weights @ sq_sum) / denom)
    row = base | {"n": n, "n_tasks": int((count > 0).sum()), "mae": float(abs_sum.sum() / n),
                  "rmse": float(math.sqrt(sq_sum.sum() / n))}
    return row, (mae_b, rmse_b)


def _add_intervals(rows: list[dict], replicates: list[tuple[np.ndarray, np.ndarray]], level: float = LEVEL) -> None:
    """Percentile intervals of every row's replicates at once (one quantile call, not one per row)."""
    if not rows:
        return
    tail = (1 - level) / 2
    for which, (low, high) in ((0, ("ci_low", "ci_high")), (1, ("rmse_low", "rmse_high"))):
        draws = np.stack([r[which] for r in replicates])
        draws = np.where(np.isfinite(draws), draws, np.nan)
        with np.errstate(all="ignore"):
            q = np.nanquantile(draws, [tail, 1 - tail], axis=1) if np.isfinite(draws).any() else np.full((2, len(rows)), np.nan)
        for row, lo, hi in zip(rows, q[0], q[1]):
            row[low], row[high] = float(lo), float(hi)


def summarize(
    fc: Forecasts,
    horizons: tuple[str, ...] = HORIZONS,
    n_boot: int = N_BOOT,
    seed_offset: int = 0,
    weights: np.ndarray | None = None,
) -> tuple[list[dict], dict, list[dict]]:
    """Rows of MAE/RMSE with bootstrap intervals for every method and horizon of one ladder, the
    bootstrap replicates, and the same rows split by regime.

    `weights` (n_boot, T) are the task resample counts (from `joint_weights`); without them the
    ladder gets its own stream, seeded by `seed_offset`.
    """
    s = fc.series
    weights = bootstrap_weights(len(s.tasks), n_boot, seed_offset) if weights is None else weights
    masks = {h: horizon_mask(s.sizes, h, fc.min_prefix)[None] & fc.valid for h in horizons}
    regime_masks = {}
    if fc.near_chance is not None:
        at = fc.near_chance[:, :, None]
        regime_masks = {"near_chance": at, "moving": ~at}
    floor = noise_floor(fc)
    records, boot, split, record_boot, split_boot = [], {}, [], [], []
    for method in (*fc.methods, FLOOR):
        if method == FLOOR:
            if not np.isfinite(floor[fc.valid]).all():
                continue
            abs_err, sq_err = np.nan_to_num(floor), np.nan_to_num(floor * floor)
        else:
            err = fc.errors(method)
            abs_err, sq_err = np.nan_to_num(np.abs(err)), np.nan_to_num(err * err)
        for h in horizons:
            base = s.key | {"ladder": s.name, "group": s.group, "method": method, "horizon": h}
            count = masks[h].sum(axis=(1, 2)).astype(float)
            if count.sum() == 0:
                continue
            row, b = _error_sums(abs_err, sq_err, masks[h], count, weights, base)
            records.append(row)
            record_boot.append(b)
            boot[(s.name, method, h)] = b
            for regime, rmask in regime_masks.items():
                mask = masks[h] & rmask
                count = mask.sum(axis=(1, 2)).astype(float)
                if count.sum() == 0:
                    continue
                row, b = _error_sums(abs_err, sq_err, mask, count, weights, base | {"regime": regime})
                split.append(row)
                split_boot.append(b)
                boot[(s.name, method, h, regime)] = b
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
    seed_offset: int = 600,
    progress: Progress | None = None,
    keep_forecasts: bool = False,
) -> Backtest:
    """Backtest every series with at least min_prefix + 1 sizes; tasks resampled jointly across
    ladders that share them (`joint_weights`)."""
    usable = [s for s in all_series if len(s.sizes) > min_prefix]
    weights = joint_weights(usable, n_boot, seed_offset)
    records, boot, kept, split = [], {}, {}, []
    for s in usable:
        fc = forecast(s, methods, min_prefix, progress)
        rows, b, by_regime = summarize(fc, horizons, n_boot, weights=weights[s.name])
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


def aggregate(bt: Backtest, by: str = "group") -> pd.DataFrame:
    """Equal-weight mean over ladders of each ladder's MAE and RMSE, per `by` x method x horizon.

    Intervals average the ladders' bootstrap replicates (a bootstrap stratified by ladder).
    """
    if bt.table.empty:
        return pd.DataFrame()
    records = []
    for (key, method, horizon), part in bt.table.groupby([by, "method", "horizon"], sort=True):
        mae_b = np.mean([bt.boot[(l, method, horizon)][0] for l in part["ladder"]], axis=0)
        rmse_b = np.mean([bt.boot[(l, method, horizon)][1] for l in part["ladder"]], axis=0)
        lo, hi = _interval(mae_b)
        rlo, rhi = _interval(rmse_b)
        records.append(
            {
                by: key,
                "method": method,
                "horizon": horizon,
                "n_ladders": len(part),
                "n": int(part["n"].sum()),
                "mae": float(part["mae"].mean()),
                "rmse": float(part["rmse"].mean()),
                "ci_low": lo,
                "ci_high": hi,
                "rmse_low": rlo,
                "rmse_high": rhi,
            }
        )
    return pd.DataFrame.from_records(records)


def _mae_lookup(bt: Backtest) -> dict:
    """(ladder, method, horizon) -> MAE, built once per backtest (compare is called many times)."""
    cached = getattr(bt, "_mae_cache", None)
    if cached is None:
        t = bt.table
        cached = dict(zip(zip(t["ladder"], t["method"], t["horizon"]), t["mae"]))
        bt._mae_cache = cached
    return cached


def _replicates(bt: Backtest, ladders_: list[str], method: str, horizon: str) -> np.ndarray:
    return np.mean([bt.boot[(l, method, horizon)][0] for l in ladders_], axis=0)


def compare(bt: Backtest, method: str, baseline: str, horizon: str, ladders_: list[str]) -> dict:
    """Paired difference MAE(method) - MAE(baseline) over the given ladders (equal weights)."""
    maes = _mae_lookup(bt)
    names = sorted(l for l in set(ladders_) if (l, method, horizon) in maes and (l, baseline, horizon) in maes)
    if not names:
        return {"diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_ladders": 0}
    diff = float(np.mean([maes[(l, method, horizon)] - maes[(l, baseline, horizon)] for l in names]))
    draws = _replicates(bt, names, method, horizon) - _replicates(bt, names, baseline, horizon)
    lo, hi = _interval(draws)
    return {"diff": diff, "ci_low": lo, "ci_high": hi, "n_ladders": len(names)}


def winners(bt: Backtest, by: str = "ladder") -> pd.DataFrame:
    """Per `by` (ladder or group) x horizon: the lowest-MAE method, the runner-up, and the paired
    95% interval of the winner's margin over the runner-up and over last value."""
    records = []
    for (key, horizon), part in bt.table.groupby([by, "horizon"], sort=True):
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
    seed_offset: int = 600,
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
    weights = joint_weights(usable, n_boot, seed_offset)
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
    return Backtest(table, boot)


# --------------------------------------------------------------------------------------------
# Forecast intervals

INTERVAL_LEVEL = 0.90


def interval_coverage(bt: Backtest, method: str, steps: int = 1, level: float = INTERVAL_LEVEL,
                      n_boot: int = N_BOOT, seed_offset: int = 600) -> pd.DataFrame:
    """Coverage of `level` forecast intervals `steps` sizes ahead, per ladder, with task-bootstrap intervals.

    The interval around a forecast from origin j is the forecast +- the `level` quantile of the
    absolute errors of the same method and horizon on forecasts made and scored *inside* the first
    j sizes (earlier origins whose target is at most size j), pooled over the ladder's tasks. So
    it uses nothing the forecast could not have seen. Forecasts from origins without such
    earlier errors get no interval and are not counted. Columns: ladder, group, method, steps,
    n (forecasts with an interval), coverage, ci_low, ci_high, half_width (mean, in score units).
    """
    series = [fc.series for fc in bt.forecasts.values()]
    weights = joint_weights(series, n_boot, seed_offset)
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


# --------------------------------------------------------------------------------------------
# Chapter "Can we forecast the next model?"

# Harness families are scored with accuracy and acc_norm: the headline uses accuracy.
HEADLINE_METRICS = ("accuracy", "multiple_choice_grade")
ROBUSTNESS_METRIC = "acc_norm"
PCT = 100.0  # errors are shown in percentage points


BENCHMARK_LABELS = {"bigbench": "BIG-bench", "lm_eval_harness": "harness", "inverse_scaling": "inverse scaling",
                    "bigbench_lite": "BIG-bench Lite", "english_nlu": "English NLU"}


def _ladder_label(name: str) -> str:
    """Short display name from a ladder's name (family · benchmark · prompting), metric left out."""
    family, benchmark, prompting = name.split(" · ")[:3]
    return f"{family} · {BENCHMARK_LABELS.get(benchmark, benchmark)} · {prompting}"


def backtest_ladders(frame: pd.DataFrame | None = None) -> dict[str, list[Series]]:
    """The book's backtest ladders as series: 'headline' (>= 4 sizes; accuracy or BIG-bench's
    multiple-choice grade), 'acc_norm' (the harness families' normalised accuracy) and 'palm'
    (PaLM's three-size ladders, forecast 540B from 8B and 62B)."""
    from . import data

    frame = data.load_all() if frame is None else frame
    out: dict[str, list[Series]] = {"headline": [], "acc_norm": [], "palm": []}
    for ladder in ladders_mod.find_ladders(frame):
        if len(ladder.sizes) > MIN_PREFIX and ladder.metric in HEADLINE_METRICS:
            out["headline"].append(series_from_ladder(ladder))
        elif len(ladder.sizes) > MIN_PREFIX and ladder.metric == ROBUSTNESS_METRIC:
            out["acc_norm"].append(series_from_ladder(ladder))
        elif ladder.family == "PaLM" and len(ladder.sizes) == 3:
            out["palm"].append(series_from_ladder(ladder))
    return out


def _fmt_ci(value: float, low: float, high: float, digits: int = 1) -> str:
    return fmt.estimate(PCT * value, PCT * low, PCT * high, digits)


def ladder_inventory(series: list[Series], min_prefix: int = MIN_PREFIX) -> pd.DataFrame:
    """Display table: the ladders of the backtest, their sizes, tasks and forecasts."""
    records = []
    for s in series:
        K = len(s.sizes)
        pairs = int(horizon_mask(s.sizes, "all", min_prefix).sum())
        records.append(
            {
                "Ladder": _ladder_label(s.name),
                "Group": s.group,
                "Sizes": K,
                "Smallest": ladders_mod.size_label(s.sizes[0]),
                "Largest": ladders_mod.size_label(s.sizes[-1]),
                "Tasks": len(s.tasks),
                "Forecasts per method": pairs * len(s.tasks),
            }
        )
    return pd.DataFrame.from_records(records).sort_values(["Group", "Ladder"], ascending=[False, True]).reset_index(drop=True)


def headline_display(agg: pd.DataFrame, horizons=("next", "two_ahead", "ge_10x")) -> pd.DataFrame:
    """Display table: per group x horizon, each method's MAE (pp) with its 95% interval."""
    rows = agg[agg["horizon"].isin(horizons)].copy()
    rows["cell"] = [_fmt_ci(r.mae, r.ci_low, r.ci_high) for r in rows.itertuples()]
    wide = rows.pivot_table(index=["group", "horizon", "n_ladders"], columns="method", values="cell", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns])
    wide = wide.reset_index()
    order = {h: i for i, h in enumerate(horizons)}
    wide = wide.sort_values(["group", "horizon"], key=lambda c: c.map(order) if c.name == "horizon" else c.map(
        {GROUP_STANDARD: 0, GROUP_INVERSE: 1}))
    wide["horizon"] = wide["horizon"].map(HORIZON_LABELS)
    wide = wide.rename(columns={"group": "Task group", "horizon": "Horizon", "n_ladders": "Ladders", **METHOD_LABELS})
    wide.columns.name = None
    return wide.reset_index(drop=True)


def family_display(bt: Backtest, horizon: str = "next") -> pd.DataFrame:
    """Display table: per ladder, each method's MAE (pp) at one horizon; the winner named."""
    part = bt.table[bt.table["horizon"] == horizon]
    wide = part.pivot_table(index=["group", "ladder"], columns="method", values="mae", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns])
    win = winners(bt, by="ladder")
    win = win[win["horizon"] == horizon].set_index("ladder")
    out = (PCT * wide).round(1)
    out["Winner"] = [METHOD_LABELS[win.loc[l, "winner"]] for l in out.index.get_level_values("ladder")]
    out["Margin over runner-up (pp)"] = [
        _fmt_ci(win.loc[l, "margin"], win.loc[l, "margin_low"], win.loc[l, "margin_high"]) for l in out.index.get_level_values("ladder")
    ]
    out = out.reset_index()
    out["ladder"] = out["ladder"].map(_ladder_label)
    out = out.sort_values(["group", "ladder"], ascending=[False, True]).drop(columns="group")
    out = out.rename(columns={"ladder": "Ladder", **METHOD_LABELS})
    out.columns.name = None
    return out.reset_index(drop=True)


def ratio_curve(bt: Backtest) -> pd.DataFrame:
    """Chart data: per group x size-ratio bin x method, the equal-weight MAE (pp) with its interval."""
    agg = aggregate(bt, by="group")
    part = agg[agg["horizon"].isin(RATIO_LABELS)].copy()
    part["bin"] = part["horizon"].map({h: i for i, h in enumerate(RATIO_LABELS)})
    out = pd.DataFrame(
        {
            "group": part["group"],
            "ratio": part["horizon"],
            "bin": part["bin"],
            "method": part["method"].map(METHOD_LABELS),
            "mae": (PCT * part["mae"]).round(2),
            "low": (PCT * part["ci_low"]).round(2),
            "high": (PCT * part["ci_high"]).round(2),
            "ladders": part["n_ladders"],
            "n": part["n"],
        }
    )
    return out.sort_values(["group", "bin", "method"]).reset_index(drop=True)


def relative_grid(bt: Backtest, horizon: str = "next") -> pd.DataFrame:
    """Chart data: per ladder x method, MAE relative to last value at one horizon (1 = as good)."""
    part = bt.table[bt.table["horizon"] == horizon]
    base = part[part["method"] == "last_value"].set_index("ladder")["mae"]
    out = pd.DataFrame(
        {
            "ladder": part["ladder"].map(_ladder_label),
            "group": part["group"],
            "method": part["method"].map(METHOD_LABELS),
            "mae": (PCT * part["mae"]).round(2),
            "ratio": (part["mae"].to_numpy() / base.reindex(part["ladder"]).to_numpy()).round(3),
        }
    )
    return out.sort_values(["group", "ladder", "method"]).reset_index(drop=True)


def median_errors(bt: Backtest, horizon: str = "all") -> pd.DataFrame:
    """Per ladder x method: median absolute error and the share of forecasts off by more than 0.25."""
    records = []
    for name, fc in bt.forecasts.items():
        mask = horizon_mask(fc.series.sizes, horizon, fc.min_prefix)[None] & fc.valid
        for m in fc.methods:
            e = np.abs(fc.errors(m)[mask])
            records.append({"ladder": name, "group": fc.series.group, "method": m,
                            "median_ae": float(np.median(e)), "share_over_25": float((e > 0.25).mean())})
    return pd.DataFrame.from_records(records)


def sigmoid_diagnostics(bt: Backtest) -> pd.DataFrame:
    """Per group x sigmoid method: fits made, share converged, share with the midpoint beyond the
    largest fitted size (the curve's rise is then pure extrapolation)."""
    records = []
    for fc in bt.forecasts.values():
        for m, d in fc.diagnostics.items():
            if len(d):
                records.append({"group": fc.series.group, "method": m, "fits": len(d),
                                "converged": int(d[:, 0].sum()), "beyond": int(d[:, 2].sum())})
    if not records:
        return pd.DataFrame(columns=["group", "method", "fits", "converged", "beyond", "share_converged", "share_beyond"])
    out = pd.DataFrame.from_records(records).groupby(["group", "method"], as_index=False).sum()
    out["share_converged"] = out["converged"] / out["fits"]
    out["share_beyond"] = out["beyond"] / out["fits"]
    return out


def median_summary(medians: pd.DataFrame) -> pd.DataFrame:
    """Per group x method: mean over ladders of the median absolute error and of the share off by > 25 points."""
    return medians.groupby(["group", "method"], as_index=False)[["median_ae", "share_over_25"]].mean()


@dataclass
class Headline:
    """One group x horizon comparison for prose: best method, last value, their paired difference."""

    group: str
    horizon: str
    n_ladders: int
    best: str
    best_label: str
    best_mae: float
    best_low: float
    best_high: float
    last_mae: float
    last_low: float
    last_high: float
    gain: float  # MAE(last) - MAE(best): positive when the best method beats last value
    gain_low: float
    gain_high: float
    skill: float  # 1 - MAE(best) / MAE(last)
    worst: str
    worst_label: str
    worst_mae: float

    @property
    def beats_last(self) -> bool:
        return self.best != "last_value" and self.gain_low > 0

    def text(self, what: str) -> str:

        return f"{fmt.num(PCT * getattr(self, what), 1)}"


def headline(bt: Backtest, agg: pd.DataFrame, group: str, horizon: str, by: str = "group") -> Headline:
    """Best method against last value for one `by` value (a group, or a ladder) at one horizon."""
    part = agg[(agg[by] == group) & (agg["horizon"] == horizon)].set_index("method")
    ladders_ = sorted(set(bt.table[(bt.table[by] == group) & (bt.table["horizon"] == horizon)]["ladder"]))
    best = str(part["mae"].idxmin())
    worst = str(part["mae"].idxmax())
    c = compare(bt, "last_value", best, horizon, ladders_) if best != "last_value" else {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    last = part.loc["last_value"]
    return Headline(
        group=group, horizon=horizon, n_ladders=int(part["n_ladders"].max()), best=best, best_label=METHOD_LABELS[best],
        best_mae=float(part.loc[best, "mae"]), best_low=float(part.loc[best, "ci_low"]), best_high=float(part.loc[best, "ci_high"]),
        last_mae=float(last["mae"]), last_low=float(last["ci_low"]), last_high=float(last["ci_high"]),
        gain=float(c["diff"]), gain_low=float(c["ci_low"]), gain_high=float(c["ci_high"]),
        skill=float(1 - part.loc[best, "mae"] / last["mae"]), worst=worst, worst_label=METHOD_LABELS[worst],
        worst_mae=float(part.loc[worst, "mae"]),
    )


def answer(heads: dict) -> str:
    """The chapter's one-sentence answer, chosen from the headline comparisons (not written by hand)."""

    nxt, far = heads[(GROUP_STANDARD, "next")], heads[(GROUP_STANDARD, "ge_10x")]
    inv = heads[(GROUP_INVERSE, "next")]
    if nxt.beats_last and far.beats_last:
        lead = (f"Only barely: the best method ({nxt.best_label}) beats simply carrying the last score forward, "
                f"but by {fmt.num(PCT * nxt.gain, 2)} percentage points at the next size "
                f"({fmt.pct(nxt.skill)} less error) and by {fmt.num(PCT * far.gain, 1)} points "
                f"({fmt.pct(far.skill)} less error) ten or more times further out")
        if nxt.skill > 0.25:
            lead = lead.replace("Only barely", "Partly")
    elif nxt.beats_last or far.beats_last:
        lead = ("Hardly: a trend method beats carrying the last score forward at one horizon only, "
                "and by a small margin")
    else:
        lead = "No: no method beats carrying each task's last score forward"
    tail = (f"; on the Inverse Scaling Prize tasks, chosen because their scores do not follow the usual trend, "
            f"{'the best method is ' + inv.best_label if inv.best != 'last_value' else 'last value is best'}"
            f" and every method misses by {fmt.num(PCT * min(inv.best_mae, inv.last_mae), 0)} points or more on average.")
    return lead + tail


@dataclass
class ChapterResults:
    """Everything the chapter prints."""

    series: dict
    bt: Backtest
    agg: pd.DataFrame
    bt_norm: Backtest
    agg_norm: pd.DataFrame
    bt_palm: Backtest
    heads: dict
    heads_norm: dict
    inventory: pd.DataFrame
    headline_table: pd.DataFrame
    family_table: pd.DataFrame
    family_table_far: pd.DataFrame
    curve: pd.DataFrame
    grid: pd.DataFrame
    medians: pd.DataFrame
    median_summary: pd.DataFrame
    sigmoid_diag: pd.DataFrame
    palm_table: pd.DataFrame
    answer: str
    n_ladders: int
    n_tasks: int
    n_forecasts: int
    wins_next: pd.Series
    win_table: pd.DataFrame
    palm: dict
    seconds: float

    # Shortcuts for prose.
    @property
    def std_next(self) -> Headline:
        return self.heads[(GROUP_STANDARD, "next")]

    @property
    def std_two(self) -> Headline:
        return self.heads[(GROUP_STANDARD, "two_ahead")]

    @property
    def std_far(self) -> Headline:
        return self.heads[(GROUP_STANDARD, "ge_10x")]

    @property
    def inv_next(self) -> Headline:
        return self.heads[(GROUP_INVERSE, "next")]

    @property
    def inv_far(self) -> Headline:
        return self.heads[(GROUP_INVERSE, "ge_10x")]

    @property
    def norm_next(self) -> Headline:
        return self.heads_norm[(GROUP_STANDARD, "next")]

    @property
    def norm_far(self) -> Headline:
        return self.heads_norm[(GROUP_STANDARD, "ge_10x")]

    def mae(self, group: str, horizon: str, method: str) -> pd.Series:
        """One aggregate row (mae, ci_low, ci_high, ...) of the headline backtest."""
        a = self.agg
        return a[(a["group"] == group) & (a["horizon"] == horizon) & (a["method"] == method)].iloc[0]

    def std(self, horizon: str, method: str) -> str:
        """'x.x [lo, hi]' points: a method's MAE on the standard benchmarks at one horizon."""
        r = self.mae(GROUP_STANDARD, horizon, method)
        return _fmt_ci(r["mae"], r["ci_low"], r["ci_high"])

    def inv(self, horizon: str, method: str) -> str:
        r = self.mae(GROUP_INVERSE, horizon, method)
        return _fmt_ci(r["mae"], r["ci_low"], r["ci_high"])

    def diag(self, group: str, method: str, column: str) -> float:
        d = self.sigmoid_diag
        return float(d[(d["group"] == group) & (d["method"] == method)][column].iloc[0])

    def median(self, group: str, method: str, column: str = "median_ae") -> float:
        m = self.median_summary
        return float(m[(m["group"] == group) & (m["method"] == method)][column].iloc[0])

    def wins(self, horizon: str, method: str, group: str | None = None) -> int:
        """Number of ladders (of one group, or all) on which `method` has the lowest MAE at `horizon`."""
        w = self.win_table.merge(self.bt.table[["ladder", "group"]].drop_duplicates(), on="ladder")
        w = w[(w["horizon"] == horizon) & (w["winner"] == method)]
        return int(len(w) if group is None else (w["group"] == group).sum())

    def close_calls(self, horizon: str) -> int:
        """Ladders whose winner's margin over the runner-up has a 95% interval reaching zero."""
        w = self.win_table[self.win_table["horizon"] == horizon]
        return int((w["margin_low"] <= 0).sum())

    def n_ladders_at(self, horizon: str, group: str | None = None) -> int:
        """Number of ladders with forecasts at `horizon` (of one group, or all)."""
        t = self.bt.table[self.bt.table["horizon"] == horizon]
        if group is not None:
            t = t[t["group"] == group]
        return int(t["ladder"].nunique())

    def palm_head(self, benchmark: str, prompting: str) -> Headline:
        return self.palm[f"PaLM · {benchmark} · {prompting}"]


def palm_display(bt: Backtest) -> pd.DataFrame:
    """Display table: PaLM 540B forecast from 8B and 62B, MAE (pp) per method and ladder."""
    part = bt.table[bt.table["horizon"] == "next"]
    out = part.assign(cell=[_fmt_ci(r.mae, r.ci_low, r.ci_high) for r in part.itertuples()])
    wide = out.pivot_table(index=["ladder", "n_tasks"], columns="method", values="cell", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns]).reset_index()
    wide["ladder"] = wide["ladder"].map(_ladder_label)
    wide = wide.rename(columns={"ladder": "Ladder", "n_tasks": "Tasks", **METHOD_LABELS})
    wide.columns.name = None
    return wide.sort_values("Ladder").reset_index(drop=True)


def chapter_results(n_boot: int = N_BOOT) -> ChapterResults:
    """Run the book's backtest: headline ladders, the acc_norm check and PaLM's three sizes."""
    start = time.perf_counter()
    series = backtest_ladders()
    horizons = HORIZONS + RATIO_LABELS
    bt = run_backtest(series["headline"], METHODS, horizons, n_boot=n_boot, seed_offset=600, keep_forecasts=True)
    fast = tuple(m for m in METHODS if m not in SIGMOID_METHODS)
    # The acc_norm check leaves out the pooled sigmoid, the slowest method, to keep the chapter fast.
    norm_methods = tuple(m for m in METHODS if m != "pooled_sigmoid")
    bt_norm = run_backtest(series["acc_norm"], norm_methods, HORIZONS, n_boot=n_boot, seed_offset=700)
    bt_palm = run_backtest(series["palm"], fast, ("next",), min_prefix=2, n_boot=n_boot, seed_offset=800)
    agg = aggregate(bt, by="group")
    agg_norm = aggregate(bt_norm, by="group")
    heads = {(g, h): headline(bt, agg, g, h) for g in (GROUP_STANDARD, GROUP_INVERSE) for h in HORIZONS
             if not agg[(agg["group"] == g) & (agg["horizon"] == h)].empty}
    heads_norm = {(GROUP_STANDARD, h): headline(bt_norm, agg_norm, GROUP_STANDARD, h) for h in HORIZONS
                  if not agg_norm[agg_norm["horizon"] == h].empty}
    win = winners(bt, by="ladder")
    medians = median_errors(bt)
    all_rows = bt.table[(bt.table["horizon"] == "all") & (bt.table["method"] == "last_value")]
    agg_palm = aggregate(bt_palm, by="ladder")
    palm = {" · ".join(l.split(" · ")[:3]): headline(bt_palm, agg_palm, l, "next", by="ladder") for l in sorted(set(bt_palm.table["ladder"]))}
    return ChapterResults(
        series=series,
        bt=bt,
        agg=agg,
        bt_norm=bt_norm,
        agg_norm=agg_norm,
        bt_palm=bt_palm,
        heads=heads,
        heads_norm=heads_norm,
        inventory=ladder_inventory(series["headline"]),
        headline_table=headline_display(agg),
        family_table=family_display(bt, "next"),
        family_table_far=family_display(bt, "ge_10x"),
        curve=ratio_curve(bt),
        grid=relative_grid(bt, "next"),
        medians=medians,
        median_summary=median_summary(medians),
        sigmoid_diag=sigmoid_diagnostics(bt),
        palm_table=palm_display(bt_palm),
        answer=answer(heads),
        n_ladders=len(series["headline"]),
        n_tasks=int(sum(len(s.tasks) for s in series["headline"])),
        n_forecasts=int(all_rows["n"].sum()),
        wins_next=win[win["horizon"] == "next"]["winner"].map(METHOD_LABELS).value_counts(),
        win_table=win,
        palm=palm,
        seconds=time.perf_counter() - start,
    )
