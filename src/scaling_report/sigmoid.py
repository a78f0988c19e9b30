"""Sigmoid scaling curves: the model, per-task fits, pooled fits, and gain correlations they imply.

The model (chapter "Sigmoids and states") is, for a task with chance level c and ceiling h,

    score(N) = c + (h - c) * sigma(k * (ln N - x0)) + noise,

with sigma the logistic function, N the parameter count, k the slope per unit of natural-log size
and x0 the midpoint in natural-log size (the curve is halfway from chance to ceiling at
N = exp(x0)). A rise from 10% to 90% of the way spans 2 ln 9 / k = 4.39 / k in ln N.

Fitting choices (stable API, also used by the forecasting and emergence chapters):

* Least squares on the raw score, bounded: 0 <= k <= K_MAX, x0 within X0_MARGIN (three decades)
  of the fitted sizes, the ceiling (when fitted) in [max(chance, max score) ... 1] clipped to
  (chance, 1]. The slope is non-negative: a sigmoid here always rises. Declining tasks are fitted
  as flat, and their fall is reported through `monotone_ok` and the goodness of fit.
* `ceiling=None` fixes the ceiling at 1 (the maximum of a fraction-valued metric); a number fixes
  it there; `ceiling="fit"` estimates it. With 8-12 sizes a free ceiling is weakly determined, so
  the book's fits fix it at 1 unless stated otherwise.
* Starting point: a deterministic grid search over (k, x0) (and ceiling in {max score, 1} when
  fitted), then `scipy.optimize.least_squares` (trust-region reflective) from the best grid
  point with the analytic Jacobian. No randomness.
* Curves flat at chance have no identified midpoint: the fit puts x0 at or near a bound and sets
  `at_bound`; it never raises for them.
* `n_items` (items per evaluation) does not weight the fit; it sets the binomial noise scale for
  the goodness-of-fit test (`gof_p`: chi-square of the residuals over the binomial variance at the
  fitted score, n - 2 degrees of freedom) and for the monotonicity check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy import stats as sps
from scipy.special import expit

from . import stats

K_MAX = 20.0  # per unit of ln N: a 10%->90% rise over a 1.25x step in size
X0_MARGIN_DECADES = 3  # midpoints may lie up to three decades outside the fitted sizes
X0_MARGIN = X0_MARGIN_DECADES * np.log(10.0)
_K_GRID = np.concatenate([[0.0], np.geomspace(0.05, K_MAX, 40)])
_X0_STEPS = 61
DROP_LEVEL = 0.99  # a fall beyond this quantile of the range of n binomial scores is non-monotone
DEFAULT_DROP_TOLERANCE = 0.05  # used when n_items is unknown
GOF_LEVEL = 0.01  # tasks whose goodness-of-fit p-value is below this are rejected by the binomial test
MAX_NFEV = 200  # cap on one task's optimiser evaluations (it starts from the best grid point)
MAX_NFEV_POOLED = 300  # cap on the joint fit's iterations (flat tasks can drift slowly along a flat ridge)


def sigmoid_curve(log_n, k, x0, chance, ceiling=1.0) -> np.ndarray:
    """chance + (ceiling - chance) * logistic(k * (log_n - x0)); log_n is the natural log of N.

    Broadcasts over all arguments (e.g. a column of tasks' k against a row of sizes).
    """
    log_n = np.asarray(log_n, dtype=float)
    return np.asarray(chance, dtype=float) + (np.asarray(ceiling, dtype=float) - np.asarray(chance, dtype=float)) * expit(
        np.asarray(k, dtype=float) * (log_n - np.asarray(x0, dtype=float))
    )


def progress(log_n, k, x0) -> np.ndarray:
    """Fraction of the way from chance to ceiling, logistic(k * (log_n - x0))."""
    return expit(np.asarray(k, dtype=float) * (np.asarray(log_n, dtype=float) - np.asarray(x0, dtype=float)))


@dataclass(frozen=True)
class SigmoidFit:
    """One task's fitted sigmoid and how well it fits.

    k: slope per unit ln N; x0: midpoint in ln N; ceiling and chance in score units.
    sse/rmse: residual sum of squares and root mean square over the n fitted points.
    converged: the optimiser reported success and all parameters are finite.
    monotone_ok: no fall from a smaller to a larger size beyond `drop_tolerance` (see `max_drop`
    and `_drop_tolerance`: at most a 1% false alarm rate under binomial noise when n_items is given).
    at_bound: k or x0 ended on a bound (flat curves, or rises sharper than K_MAX).
    r2: share of the task's score variance the curve explains (NaN for constant scores).
    gof_chi2, gof_p: binomial goodness of fit (NaN without n_items).
    """

    k: float
    x0: float
    ceiling: float
    chance: float
    sse: float
    rmse: float
    n: int
    converged: bool
    monotone_ok: bool
    max_drop: float = np.nan
    drop_tolerance: float = np.nan
    at_bound: bool = False
    r2: float = np.nan
    gof_chi2: float = np.nan
    gof_p: float = np.nan
    ceiling_fitted: bool = False
    log_n_min: float = np.nan
    log_n_max: float = np.nan

    @property
    def midpoint(self) -> float:
        """Parameter count at the midpoint, exp(x0)."""
        return float(np.exp(self.x0))

    @property
    def rise_width(self) -> float:
        """Width in ln N of the 10%->90% rise, 2 ln 9 / k (inf for a flat fit)."""
        return float(2 * np.log(9) / self.k) if self.k > 0 else np.inf

    @property
    def sigmoid_ok(self) -> bool:
        """Converged, monotone, and not rejected by the goodness-of-fit test (when it can be run)."""
        gof = True if np.isnan(self.gof_p) else self.gof_p >= GOF_LEVEL
        return bool(self.converged and self.monotone_ok and gof)

    def as_dict(self) -> dict:
        return asdict(self) | {"midpoint": self.midpoint, "rise_width": self.rise_width, "sigmoid_ok": self.sigmoid_ok}


def rise_decades(k: float) -> float:
    """Decades of size over which a sigmoid of slope k rises from 10% to 90% of the way."""
    return float(2 * np.log(9) / k / np.log(10)) if k > 0 else np.inf


def rise_ratio(k: float) -> float:
    """Size ratio over which a sigmoid of slope k rises from 10% to 90% of the way, exp(2 ln 9 / k)."""
    return float(np.exp(2 * np.log(9) / k)) if k > 0 else np.inf


def predict(fit: SigmoidFit, n_params) -> np.ndarray:
    """The fitted curve at parameter counts `n_params`."""
    return sigmoid_curve(np.log(np.asarray(n_params, dtype=float)), fit.k, fit.x0, fit.chance, fit.ceiling)


def _clean(n_params, scores) -> tuple[np.ndarray, np.ndarray]:
    n_params = np.asarray(n_params, dtype=float).ravel()
    scores = np.asarray(scores, dtype=float).ravel()
    if n_params.shape != scores.shape:
        raise ValueError(f"n_params and scores differ in length ({n_params.size} vs {scores.size})")
    keep = np.isfinite(n_params) & np.isfinite(scores)
    n_params, scores = n_params[keep], scores[keep]
    if (n_params <= 0).any():
        raise ValueError("n_params must be positive")
    order = np.argsort(n_params, kind="stable")
    return np.log(n_params[order]), scores[order]


def max_drop(scores) -> float:
    """Largest fall from an earlier (smaller-model) score to a later one: max over i < j of s_i - s_j."""
    scores = np.asarray(scores, dtype=float)
    if scores.size < 2:
        return 0.0
    running_max = np.maximum.accumulate(scores)
    return float(max(0.0, np.max(running_max[:-1] - scores[1:])))


@lru_cache(maxsize=64)
def range_quantile(n: int, level: float = DROP_LEVEL) -> float:
    """Quantile of the range of n independent standard normal scores (studentized range, df = inf)."""
    if n < 2:
        return np.inf
    return float(sps.studentized_range.ppf(level, n, 1e4))


def _drop_tolerance(scores: np.ndarray, n_items: float | None) -> float:
    """Largest fall compatible with item sampling: the DROP_LEVEL quantile of the range of
    len(scores) binomial scores with sd sqrt(p (1 - p) / n_items) at the mean score p.

    The fall from an earlier to a later score never exceeds the range, so a flat or rising curve
    with pure binomial noise is flagged non-monotone with probability below 1 - DROP_LEVEL.
    Without n_items the tolerance is DEFAULT_DROP_TOLERANCE.
    """
    if n_items is None or not np.isfinite(n_items) or n_items <= 0:
        return DEFAULT_DROP_TOLERANCE
    p = float(np.clip(np.mean(scores), 0.02, 0.98))
    return float(range_quantile(int(np.size(scores))) * np.sqrt(p * (1 - p) / n_items))


def _jacobian(x: np.ndarray, k: float, x0: float, chance: float, ceiling: float, fit_ceiling: bool) -> np.ndarray:
    s = expit(k * (x - x0))
    ds = s * (1 - s) * (ceiling - chance)
    columns = [ds * (x - x0), -ds * k]
    if fit_ceiling:
        columns.append(s)
    return np.stack(columns, axis=1)


def fit_sigmoid(n_params, scores, chance, ceiling=None, n_items=None) -> SigmoidFit:
    """Fit chance + (ceiling - chance) * logistic(k (ln N - x0)) to one task by bounded least squares.

    n_params, scores: the task's sizes and scores (NaN pairs are dropped; at least 2 points).
    chance: the task's floor (required; a NaN chance raises ValueError; see the module docstring).
    ceiling: None -> fixed at 1; a number -> fixed there; "fit" -> estimated in (chance, 1].
    n_items: items per evaluation, for the goodness-of-fit test and the monotonicity check.
    """
    x, y = _clean(n_params, scores)
    if x.size < 2:
        raise ValueError(f"a sigmoid fit needs at least 2 scored sizes, got {x.size}")
    chance = float(chance)
    if not np.isfinite(chance):
        raise ValueError("chance is NaN: give the task's chance level (0 for open-ended tasks)")
    fit_ceiling = isinstance(ceiling, str)
    if fit_ceiling and ceiling != "fit":
        raise ValueError(f"ceiling must be None, a number or 'fit', got {ceiling!r}")
    fixed_ceiling = 1.0 if ceiling is None or fit_ceiling else float(ceiling)
    if not fit_ceiling and not chance < fixed_ceiling:
        raise ValueError(f"ceiling {fixed_ceiling} must exceed chance {chance}")
    lo, hi = float(x.min()), float(x.max())
    x0_lo, x0_hi = lo - X0_MARGIN, hi + X0_MARGIN

    # Deterministic grid start over (k, x0[, ceiling]).
    k_grid = _K_GRID[:, None, None]
    x0_grid = np.linspace(x0_lo, x0_hi, _X0_STEPS)[None, :, None]
    ceilings = [fixed_ceiling]
    if fit_ceiling:
        ceilings = sorted({1.0, float(np.clip(y.max(), chance + 0.01, 1.0))})
    best = (np.inf, 0.0, (x0_lo + x0_hi) / 2, fixed_ceiling)
    for h in ceilings:
        sse = ((sigmoid_curve(x[None, None, :], k_grid, x0_grid, chance, h) - y) ** 2).sum(axis=-1)
        i, j = np.unravel_index(int(np.argmin(sse)), sse.shape)
        if sse[i, j] < best[0]:
            best = (float(sse[i, j]), float(_K_GRID[i]), float(x0_grid[0, j, 0]), h)
    _, k_start, x0_start, h_start = best

    lower = [0.0, x0_lo]
    upper = [K_MAX, x0_hi]
    start = [k_start, x0_start]
    if fit_ceiling:
        lower.append(min(chance + 0.01, 1.0 - 1e-6))
        upper.append(1.0)
        start.append(float(np.clip(h_start, lower[2], upper[2])))
    start = np.clip(start, lower, upper)

    def unpack(theta):
        return theta[0], theta[1], (theta[2] if fit_ceiling else fixed_ceiling)

    def residuals(theta):
        k, x0, h = unpack(theta)
        return sigmoid_curve(x, k, x0, chance, h) - y

    def jac(theta):
        k, x0, h = unpack(theta)
        return _jacobian(x, k, x0, chance, h, fit_ceiling)

    converged = True
    try:
        result = optimize.least_squares(
            residuals, start, jac=jac, bounds=(lower, upper), method="trf", x_scale="jac", max_nfev=MAX_NFEV
        )
        theta = result.x
        converged = bool(result.success)
        if 2 * result.cost > best[0] + 1e-12:  # never worse than the grid start
            theta = start
    except (ValueError, np.linalg.LinAlgError):
        theta, converged = start, False
    k, x0, h = (float(v) for v in unpack(theta))
    fitted = sigmoid_curve(x, k, x0, chance, h)
    resid = y - fitted
    sse = float(resid @ resid)
    n = int(x.size)
    sst = float(((y - y.mean()) ** 2).sum())
    tolerance = _drop_tolerance(y, n_items)
    drop = max_drop(y)
    gof_chi2 = gof_p = np.nan
    n_free = 3 if fit_ceiling else 2
    if n_items is not None and np.isfinite(n_items) and n_items > 0 and n > n_free:
        p = np.clip(fitted, 0.5 / n_items, 1 - 0.5 / n_items)
        gof_chi2 = float(((resid**2) / (p * (1 - p) / n_items)).sum())
        gof_p = float(sps.chi2.sf(gof_chi2, n - n_free))
    span = x0_hi - x0_lo
    at_bound = bool(k >= K_MAX * (1 - 1e-6) or k <= 1e-9 or x0 <= x0_lo + 1e-6 * span or x0 >= x0_hi - 1e-6 * span)
    converged = bool(converged and np.all(np.isfinite([k, x0, h])))
    return SigmoidFit(
        k=k,
        x0=x0,
        ceiling=h,
        chance=chance,
        sse=sse,
        rmse=float(np.sqrt(sse / n)),
        n=n,
        converged=converged,
        monotone_ok=bool(drop <= tolerance),
        max_drop=drop,
        drop_tolerance=tolerance,
        at_bound=at_bound,
        r2=float(1 - sse / sst) if sst > 0 else np.nan,
        gof_chi2=gof_chi2,
        gof_p=gof_p,
        ceiling_fitted=fit_ceiling,
        log_n_min=lo,
        log_n_max=hi,
    )


# ---------------------------------------------------------------------------------------------
# Whole ladders


def _linearised_fit(x: np.ndarray, y: np.ndarray, chance: float, n_items) -> SigmoidFit:
    """OLS of the floor-logit score on ln N: with ceiling 1, logit((p - c)/(1 - c)) = k (ln N - x0)."""
    from . import transforms

    z = transforms.floor_logit(y, chance)
    slope, intercept = np.polyfit(x, z, 1)
    lo, hi = float(x.min()), float(x.max())
    k = float(np.clip(slope, 0.0, K_MAX))
    x0 = float(np.clip(-intercept / slope, lo - X0_MARGIN, hi + X0_MARGIN)) if slope > 0 else hi + X0_MARGIN
    fitted = sigmoid_curve(x, k, x0, chance, 1.0)
    resid = y - fitted
    sse = float(resid @ resid)
    sst = float(((y - y.mean()) ** 2).sum())
    tolerance = _drop_tolerance(y, n_items)
    drop = max_drop(y)
    return SigmoidFit(
        k=k, x0=x0, ceiling=1.0, chance=chance, sse=sse, rmse=float(np.sqrt(sse / x.size)), n=int(x.size),
        converged=bool(slope > 0), monotone_ok=bool(drop <= tolerance), max_drop=drop, drop_tolerance=tolerance,
        at_bound=bool(slope <= 0 or k >= K_MAX), r2=float(1 - sse / sst) if sst > 0 else np.nan,
        log_n_min=lo, log_n_max=hi,
    )


FIT_TRANSFORMS = ("raw", "floor_logit")


def fit_ladder(ladder, transform: str = "raw", ceiling=None, max_items: float | None = None) -> pd.DataFrame:
    """One tidy row per task of a `ladders.Ladder`: the fitted sigmoid and its diagnostics.

    transform: "raw" fits the curve to raw scores by bounded least squares (`fit_sigmoid`);
    "floor_logit" is the linearised fit, OLS of logit((p - c)/(1 - c)) on ln N (ceiling 1),
    which the clipping of scores at or below chance distorts (kept for comparison).
    ceiling: passed to `fit_sigmoid` (None = fixed at 1).
    max_items: cap on `n_items` for the binomial checks (BIG-G evaluated at most 1,024 items
    per task, see `BIGG_MAX_ITEMS`).
    Tasks without a chance level get a row with NaN parameters and the reason in `note`.
    """
    if transform not in FIT_TRANSFORMS:
        raise ValueError(f"fit_ladder fits transform 'raw' or 'floor_logit', got '{transform}'")
    from .ladders import TASK_ID

    wide = ladder.matrix("raw")
    sizes = np.asarray(wide.columns, dtype=float)
    meta = ladder.rows.groupby(list(TASK_ID), sort=True).agg(chance=("chance", "first"), n_items=("n_items", "max"))
    records = []
    for task_key, values in wide.iterrows():
        chance = float(meta.loc[task_key, "chance"]) if pd.notna(meta.loc[task_key, "chance"]) else np.nan
        n_items = meta.loc[task_key, "n_items"]
        n_items = float(n_items) if pd.notna(n_items) else None
        if n_items is not None and max_items is not None:
            n_items = min(n_items, float(max_items))
        base = ladder.key | {"ladder": ladder.name, **dict(zip(TASK_ID, task_key)), "chance": chance,
                             "n_items": n_items if n_items is not None else np.nan, "transform": transform}
        scores = values.to_numpy(dtype=float)
        if not np.isfinite(chance):
            records.append(base | {"n": int(np.isfinite(scores).sum()), "note": "no chance level: not fitted"})
            continue
        if np.isfinite(scores).sum() < 2:
            records.append(base | {"n": int(np.isfinite(scores).sum()), "note": "fewer than 2 sizes: not fitted"})
            continue
        if transform == "raw":
            fit = fit_sigmoid(sizes, scores, chance, ceiling=ceiling, n_items=n_items)
        else:
            x, y = _clean(sizes, scores)
            fit = _linearised_fit(x, y, chance, n_items)
        row = fit.as_dict()
        row["x0_inside"] = bool(fit.log_n_min <= fit.x0 <= fit.log_n_max)
        row["mean_score"] = float(np.nanmean(scores))
        records.append(base | row | {"note": ""})
    table = pd.DataFrame.from_records(records)
    for column in ("converged", "monotone_ok", "at_bound", "sigmoid_ok", "x0_inside", "ceiling_fitted"):
        if column in table:
            table[column] = table[column].astype("boolean")
    return table.sort_values(list(TASK_ID)).reset_index(drop=True)


BIGG_MAX_ITEMS = 1024  # BIG-G scores of large tasks are multiples of 1/1024 (data/bigbench README)


# ---------------------------------------------------------------------------------------------
# Pooled fit for forecasting


def fit_pooled(
    n_params_by_task: dict,
    scores_by_task: dict,
    chance_by_task: dict,
    shrinkage: float = 0.1,
    ceiling=None,
    n_items_by_task: dict | None = None,
    separate_fits: dict[str, SigmoidFit] | None = None,
) -> dict[str, SigmoidFit]:
    """Fit all tasks of one family at once: one shared slope k, task midpoints shrunk to a common mean.

    Method (penalised least squares, one `least_squares` call over [k, mu, x0_1 .. x0_T]):

        minimise  sum_t SSE_t(k, x0_t) / s^2  +  shrinkage * sum_t (x0_t - mu)^2

    where SSE_t is task t's residual sum of squares on raw scores, s^2 the pooled residual
    variance of the separate per-task fits (`fit_sigmoid`, floored at 1e-4), and mu the family mean
    midpoint, estimated jointly. `shrinkage` is the prior precision 1/tau^2 of the midpoints in
    (ln N)^-2: 0 leaves each midpoint free (only the slope is shared); large values pull all tasks
    to one midpoint. The default 0.1 is tau = 3.2 ln units, about 1.4 decades of size. The
    ceiling is fixed (None -> 1, or one number for all tasks). Starting values: the median
    per-task slope among tasks whose midpoint lies inside their sizes (else of all tasks), and a
    grid search of each midpoint at that slope: deterministic.

    `separate_fits` may pass per-task `fit_sigmoid` fits of the same scores and ceiling that the
    caller already has; they are used instead of refitting (their k, x0, sse and n only).

    Returns {task: SigmoidFit}, every fit carrying the shared k; sse, rmse, monotone_ok and
    gof are per task; `converged` is the joint optimiser's status.
    """
    tasks = sorted(scores_by_task)
    if not tasks:
        raise ValueError("fit_pooled needs at least one task")
    if shrinkage < 0:
        raise ValueError("shrinkage must be non-negative")
    missing = [t for t in tasks if t not in n_params_by_task or t not in chance_by_task]
    if missing:
        raise ValueError(f"tasks without sizes or chance level: {missing}")
    h = 1.0 if ceiling is None else float(ceiling)
    n_items_by_task = n_items_by_task or {}
    data = []
    separate = {}
    for t in tasks:
        x, y = _clean(n_params_by_task[t], scores_by_task[t])
        c = float(chance_by_task[t])
        if not np.isfinite(c):
            raise ValueError(f"task '{t}' has no chance level")
        if x.size < 2:
            raise ValueError(f"task '{t}' has fewer than 2 scored sizes")
        data.append((x, y, c))
        if separate_fits and t in separate_fits:
            separate[t] = separate_fits[t]
        else:
            separate[t] = fit_sigmoid(np.exp(x), y, c, ceiling=h, n_items=n_items_by_task.get(t))
    total_sse = sum(f.sse for f in separate.values())
    total_n = sum(f.n for f in separate.values())
    s2 = max(total_sse / max(total_n - 2 * len(tasks), 1), 1e-4)
    inside = [f.k for f in separate.values() if f.log_n_min <= f.x0 <= f.log_n_max and f.k > 0]
    k0 = float(np.clip(np.median(inside if inside else [f.k for f in separate.values()]), 0.1, K_MAX))
    lo = min(float(x.min()) for x, _, _ in data) - X0_MARGIN
    hi = max(float(x.max()) for x, _, _ in data) + X0_MARGIN
    grid = np.linspace(lo, hi, 4 * _X0_STEPS)
    x0_start = []
    for x, y, c in data:
        sse = ((sigmoid_curve(x[None, :], k0, grid[:, None], c, h) - y) ** 2).sum(axis=1)
        x0_start.append(float(grid[int(np.argmin(sse))]))
    mu0 = float(np.mean(x0_start))
    T = len(tasks)
    sizes = [x.size for x, _, _ in data]
    X = np.concatenate([x for x, _, _ in data])
    Y = np.concatenate([y for _, y, _ in data])
    C = np.concatenate([np.full(x.size, c) for x, _, c in data])
    owner = np.repeat(np.arange(T), sizes)
    sigma = np.sqrt(s2)
    root = np.sqrt(shrinkage)

    def residuals(theta):
        k, mu, x0 = theta[0], theta[1], theta[2:]
        fit = sigmoid_curve(X, k, x0[owner], C, h)
        return np.concatenate([(fit - Y) / sigma, root * (x0 - mu)])

    rows = np.concatenate([np.arange(X.size), np.arange(X.size), X.size + np.arange(T), X.size + np.arange(T)])
    cols = np.concatenate([np.zeros(X.size, int), 2 + owner, np.ones(T, int), 2 + np.arange(T)])

    def jac(theta):
        k, x0 = theta[0], theta[2:]
        d = X - x0[owner]
        s = expit(k * d)
        ds = s * (1 - s) * (h - C) / sigma
        values = np.concatenate([ds * d, -ds * k, np.full(T, -root), np.full(T, root)])
        return sparse.csr_matrix((values, (rows, cols)), shape=(X.size + T, T + 2))

    start = np.concatenate([[k0, mu0], x0_start])
    lower = np.concatenate([[0.0, lo], np.full(T, lo)])
    upper = np.concatenate([[K_MAX, hi], np.full(T, hi)])
    result = optimize.least_squares(
        residuals, np.clip(start, lower, upper), jac=jac, bounds=(lower, upper), method="trf", x_scale="jac",
        tr_solver="lsmr", max_nfev=MAX_NFEV_POOLED,
    )
    k, x0s = float(result.x[0]), result.x[2:]
    fits = {}
    for i, t in enumerate(tasks):
        x, y, c = data[i]
        fitted = sigmoid_curve(x, k, x0s[i], c, h)
        resid = y - fitted
        sse = float(resid @ resid)
        sst = float(((y - y.mean()) ** 2).sum())
        n_items = n_items_by_task.get(t)
        gof_chi2 = gof_p = np.nan
        if n_items is not None and np.isfinite(n_items) and n_items > 0 and x.size > 1:
            p = np.clip(fitted, 0.5 / n_items, 1 - 0.5 / n_items)
            gof_chi2 = float(((resid**2) / (p * (1 - p) / n_items)).sum())
            gof_p = float(sps.chi2.sf(gof_chi2, max(x.size - 1, 1)))
        tolerance = _drop_tolerance(y, n_items)
        drop = max_drop(y)
        fits[t] = SigmoidFit(
            k=k, x0=float(x0s[i]), ceiling=h, chance=c, sse=sse, rmse=float(np.sqrt(sse / x.size)), n=int(x.size),
            converged=bool(result.success), monotone_ok=bool(drop <= tolerance), max_drop=drop, drop_tolerance=tolerance,
            at_bound=bool(k >= K_MAX * (1 - 1e-6) or k <= 1e-9 or x0s[i] <= lo + 1e-9 or x0s[i] >= hi - 1e-9),
            r2=float(1 - sse / sst) if sst > 0 else np.nan, gof_chi2=gof_chi2, gof_p=gof_p,
            log_n_min=float(x.min()), log_n_max=float(x.max()),
        )
    return fits


# ---------------------------------------------------------------------------------------------
# States: 1 = before the rise, 2 = rising, 3 = saturated

STATE_LOW = 0.1  # below 10% of the way from chance to ceiling: before the rise
STATE_HIGH = 0.9  # above 90%: saturated
STATE_NAMES = {1: "before the rise", 2: "rising", 3: "saturated"}
# A rising sigmoid never moves back, so three sizes give one of these ten paths.
TRANSITIONS: tuple[str, ...] = tuple(
    f"{a}→{b}→{c}" for a in (1, 2, 3) for b in (1, 2, 3) for c in (1, 2, 3) if a <= b <= c
)


def classify_states(q, low: float = STATE_LOW, high: float = STATE_HIGH) -> np.ndarray:
    """State of each point from its progress q (fraction of the way from chance to ceiling).

    1 if q < low, 3 if q > high, else 2. q may come from a fitted or a true sigmoid (`progress`)
    or be an observed score normalised as (score - chance) / (ceiling - chance).
    """
    if not 0 <= low < high <= 1:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    q = np.asarray(q, dtype=float)
    if np.isnan(q).any():
        raise ValueError("progress contains NaN")
    return np.where(q < low, 1, np.where(q > high, 3, 2)).astype(np.int8)


def transition_labels(states) -> np.ndarray:
    """'a→b→c' for each row of an (..., 3) array of states."""
    states = np.asarray(states)
    if states.shape[-1] != 3:
        raise ValueError("transitions need states at exactly three sizes (last axis of length 3)")
    states = states.astype(int)
    if ((states < 1) | (states > 3)).any():
        raise ValueError("states are 1, 2 or 3")
    names = np.array([f"{a}→{b}→{c}" for a in (1, 2, 3) for b in (1, 2, 3) for c in (1, 2, 3)], dtype=object)
    return names[(states[..., 0] - 1) * 9 + (states[..., 1] - 1) * 3 + (states[..., 2] - 1)]


def state_decomposition(gain1, gain2, labels) -> pd.DataFrame:
    """Split the gain-gain correlation into the contributions of groups of tasks.

    r = sum_g c_g with c_g = sum_{t in g} (g1_t - mean g1)(g2_t - mean g2) / (n sd1 sd2) (population
    moments over all tasks), so the contributions add up to r exactly. One row per group in
    TRANSITIONS order (then any other labels), with count, share, mean gains and contribution.
    """
    g1 = np.asarray(gain1, dtype=float)
    g2 = np.asarray(gain2, dtype=float)
    labels = np.asarray(labels, dtype=object)
    if not (g1.shape == g2.shape == labels.shape) or g1.ndim != 1:
        raise ValueError("gain1, gain2 and labels must be 1-d arrays of one length")
    n = g1.size
    d1, d2 = g1 - g1.mean(), g2 - g2.mean()
    denominator = np.sqrt((d1 @ d1) * (d2 @ d2))
    order = list(TRANSITIONS) + sorted(set(labels) - set(TRANSITIONS))
    rows = []
    for label in order:
        mask = labels == label
        count = int(mask.sum())
        rows.append({
            "transition": label,
            "count": count,
            "share": count / n if n else np.nan,
            "mean_gain1": float(g1[mask].mean()) if count else np.nan,
            "mean_gain2": float(g2[mask].mean()) if count else np.nan,
            "contribution": float((d1[mask] @ d2[mask]) / denominator) if denominator > 0 else np.nan,
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Simulated populations of sigmoid tasks on a three-size ladder


@dataclass(frozen=True)
class Population:
    """Tasks whose scores follow sigmoids, in units of the chance-to-ceiling range (chance 0, ceiling 1).

    x0_sd: spread (sd) of the midpoints, in ln N; centred on the ladder's middle size plus x0_offset.
    k_median, k_sd: slopes are k_median * exp(k_sd * z), z standard normal (k_sd is the sd of ln k).
    noise: sd of independent normal noise on each score, as a fraction of the range.
    """

    x0_sd: float
    k_median: float
    k_sd: float = 0.0
    noise: float = 0.0
    x0_offset: float = 0.0

    def __post_init__(self):
        if self.x0_sd < 0 or self.k_median < 0 or self.k_sd < 0 or self.noise < 0:
            raise ValueError("x0_sd, k_median, k_sd and noise must be non-negative")


def ladder_positions(spacing: float) -> np.ndarray:
    """ln N of three sizes each `spacing` times the last, relative to the middle size."""
    if not spacing > 1:
        raise ValueError(f"spacing (size ratio per step) must exceed 1, got {spacing}")
    step = np.log(spacing)
    return np.array([-step, 0.0, step])


def simulate_tasks(spacing: float, population: Population, n_tasks: int, identity="tasks") -> dict:
    """Draw tasks from `population` and score them at three sizes `spacing` apart.

    Returns arrays: k, x0 (n_tasks), progress q and scores y (n_tasks x 3), gains g1 and g2,
    states (n_tasks x 3) and transition labels. Seeded by `identity` (what is simulated, see
    `stats.generator`).
    """
    if n_tasks < 3:
        raise ValueError("need at least 3 tasks for a correlation")
    gen = stats.generator(identity)
    x = ladder_positions(spacing)
    x0 = population.x0_offset + population.x0_sd * gen.standard_normal(n_tasks)
    k = population.k_median * np.exp(population.k_sd * gen.standard_normal(n_tasks))
    q = progress(x[None, :], k[:, None], x0[:, None])
    y = q + population.noise * gen.standard_normal((n_tasks, 3))
    states = classify_states(q)
    return {
        "k": k, "x0": x0, "q": q, "y": y, "g1": y[:, 1] - y[:, 0], "g2": y[:, 2] - y[:, 1],
        "states": states, "transitions": transition_labels(states),
    }


def gain_correlation(spacing: float, population: Population, n_tasks: int = 20000, identity="tasks") -> float:
    """Correlation across simulated tasks of the gain from size 2 to 3 with the gain from 1 to 2.

    NaN when either gain has no variance (e.g. identical tasks without noise).
    """
    sim = simulate_tasks(spacing, population, n_tasks, identity)
    return float(_pearson(sim["g1"], sim["g2"]))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = np.sqrt((a @ a) * (b @ b))
    if denominator <= 1e-14 * max(1.0, a.size):
        return np.nan
    return float((a @ b) / denominator)


def linear_regime_correlation(spacing: float, population: Population) -> float:
    """Closed form for tasks on the linear middle of their rise (x0 = middle size, k (ln spacing) small).

    There q ~ 1/2 + k (x - x0) / 4, so both gains are k h / 4 plus differences of noise, h = ln spacing:
    r = (h^2 Var(k) / 16 - s^2) / (h^2 Var(k) / 16 + 2 s^2), with Var(k) of the log-normal slopes.
    Pure noise (Var(k) = 0) gives -1/2.
    """
    h = np.log(spacing)
    s2 = population.k_sd**2
    var_k = population.k_median**2 * np.exp(s2) * (np.exp(s2) - 1)
    signal = h**2 * var_k / 16
    noise = population.noise**2
    if signal + noise == 0:
        return np.nan
    return float((signal - noise) / (signal + 2 * noise))


def correlation_grid(
    doublings, x0_sds, noises, k_medians, k_sd: float = 0.0, n_tasks: int = 24, n_benchmarks: int = 200, identity="correlation grid"
) -> pd.DataFrame:
    """Simulated gain-gain correlation over a grid of ladders and populations, vectorised.

    doublings: log2 of the size ratio per step; x0_sds: midpoint spread in ln N; noises: noise sd
    (fraction of range); k_medians: slopes. Every cell uses the same standard-normal draws
    (common random numbers), so curves over the grid are smooth. Each cell simulates
    n_benchmarks benchmarks of n_tasks tasks: `r` is the correlation over all of their tasks (the
    population value, up to Monte Carlo error) and `lo`/`hi` the 2.5% and 97.5% quantiles of the
    correlation within one benchmark of n_tasks tasks. Seeded by `identity`.
    """
    from .stats import pearson_rows

    gen = stats.generator(identity)
    total = n_tasks * n_benchmarks
    z_x0 = gen.standard_normal(total)
    z_k = gen.standard_normal(total)
    eps = gen.standard_normal((total, 3))
    e1, e2 = eps[:, 1] - eps[:, 0], eps[:, 2] - eps[:, 1]
    records = []
    for d in doublings:
        x = ladder_positions(2.0 ** float(d))
        for x0_sd in x0_sds:
            x0 = x0_sd * z_x0
            for k_med in k_medians:
                k = k_med * np.exp(k_sd * z_k)
                q = progress(x[None, :], k[:, None], x0[:, None])
                s1, s2 = q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]
                noise = np.asarray(noises, dtype=float)[:, None]
                g1 = s1[None, :] + noise * e1[None, :]
                g2 = s2[None, :] + noise * e2[None, :]
                r_all = pearson_rows(g1, g2)
                per = pearson_rows(g1.reshape(len(noises), n_benchmarks, n_tasks), g2.reshape(len(noises), n_benchmarks, n_tasks))
                for i, s in enumerate(noises):
                    finite = per[i][np.isfinite(per[i])]
                    lo, hi = (np.quantile(finite, [0.025, 0.975]) if finite.size else (np.nan, np.nan))
                    records.append({
                        "doublings": float(d), "spacing": 2.0 ** float(d), "x0_sd": float(x0_sd), "k": float(k_med),
                        "noise": float(s), "r": float(r_all[i]), "lo": float(lo), "hi": float(hi),
                    })
    return pd.DataFrame.from_records(records)


# ---------------------------------------------------------------------------------------------
# Real ladders: does the fitted population reproduce the observed gain correlations?

# (family, n_shots, metric) of the ladders this chapter fits, in display order.
CHAPTER_LADDERS: tuple[tuple[str, int, str], ...] = (
    ("BIG-G T=0", 3, "multiple_choice_grade"),
    ("Pythia", 0, "accuracy"),
    ("Pythia", 5, "accuracy"),
    ("OPT", 0, "accuracy"),
)
# Spacing classes of triples, by the size ratio of both steps (inclusive bounds).
SPACING_CLASSES: dict[str, tuple[float, float]] = {
    "fine (×1.25–2.5)": (1.25, 2.5),
    "PaLM-like (×5–12.8)": (8 / 1.6, 8 * 1.6),
}
PALM_RATIOS = (62 / 8, 540 / 62)  # PaLM 8B -> 62B -> 540B


def chapter_ladders(frame: pd.DataFrame | None = None) -> list:
    """The ladders of CHAPTER_LADDERS, in that order (loaded from the package data by default)."""
    from . import data, ladders

    if frame is None:
        frame = pd.concat([data.load_bigg(), data.load_pythia_opt_bloom()], ignore_index=True)
    found = {(l.family, l.n_shots, l.metric): l for l in ladders.find_ladders(frame)}
    missing = [key for key in CHAPTER_LADDERS if key not in found]
    if missing:
        raise ValueError(f"ladders not in the data: {missing}")
    return [found[key] for key in CHAPTER_LADDERS]


def max_items_for(ladder) -> float | None:
    """Cap on items per evaluation: BIG-G scored at most 1,024 items per task."""
    return BIGG_MAX_ITEMS if ladder.family.startswith("BIG-G") else None


def select_triples(sizes, low: float, high: float) -> list[tuple[float, float, float]]:
    """Every (s1, s2, s3) of increasing sizes whose two step ratios both lie in [low, high]."""
    sizes = sorted(float(s) for s in sizes)
    out = []
    for i, a in enumerate(sizes):
        for j in range(i + 1, len(sizes)):
            b = sizes[j]
            if not low <= b / a <= high:
                continue
            for c in sizes[j + 1 :]:
                if low <= c / b <= high:
                    out.append((a, b, c))
    return out


def residual_sd(fits: pd.DataFrame, wide: pd.DataFrame) -> np.ndarray:
    """Per task: sd of the residuals about its fitted curve (mean residual removed, n - 2 dof).

    fits: rows of `fit_ladder` aligned with `wide`, the ladder's raw tasks x sizes matrix.
    """
    x = np.log(np.asarray(wide.columns, dtype=float))[None, :]
    col = lambda name: fits[name].to_numpy(float)[:, None]  # noqa: E731
    resid = wide.to_numpy(float) - sigmoid_curve(x, col("k"), col("x0"), col("chance"), col("ceiling"))
    count = np.isfinite(resid).sum(axis=1)
    centred = resid - np.nanmean(resid, axis=1, keepdims=True)
    return np.sqrt(np.nansum(centred**2, axis=1) / np.maximum(count - 2, 1))


def simulate_fitted_correlations(
    fits: pd.DataFrame, wide: pd.DataFrame, triple, n_reps: int = 1000, noise: str = "residual", identity=None,
    sd: np.ndarray | None = None,
) -> np.ndarray:
    """Correlations of gains from the fitted curves plus fresh noise, one per replicate.

    fits: rows of `fit_ladder` (index aligned with `wide`, the ladder's raw tasks x sizes matrix).
    noise: "residual" uses each task's residual sd about its fitted curve (misfit counts as
    noise; pass `sd` to reuse `residual_sd(fits, wide)`); "binomial" uses sqrt(p (1 - p) / n_items)
    at the fitted score (sampling of items only). `identity` (what is simulated) seeds the noise.
    """
    from .stats import generator, pearson_rows

    if noise not in ("residual", "binomial"):
        raise ValueError("noise is 'residual' or 'binomial'")
    x = np.log(np.asarray(triple, dtype=float))
    k, x0 = fits["k"].to_numpy(float)[:, None], fits["x0"].to_numpy(float)[:, None]
    c, h = fits["chance"].to_numpy(float)[:, None], fits["ceiling"].to_numpy(float)[:, None]
    mean = sigmoid_curve(x[None, :], k, x0, c, h)
    if noise == "residual":
        sd = (residual_sd(fits, wide) if sd is None else np.asarray(sd, dtype=float))[:, None]
    else:
        n_items = fits["n_items"].to_numpy(float)[:, None]
        sd = np.sqrt(np.clip(mean * (1 - mean), 0, None) / n_items)
    gen = generator(("fitted curves", noise) if identity is None else identity)
    y = mean[None, :, :] + sd[None, :, :] * gen.standard_normal((n_reps, *mean.shape))
    return pearson_rows(y[:, :, 1] - y[:, :, 0], y[:, :, 2] - y[:, :, 1])


def fit_chapter_ladders(ladder_list=None) -> pd.DataFrame:
    """`fit_ladder` (raw, ceiling 1) for every chapter ladder, concatenated."""
    ladder_list = ladder_list or chapter_ladders()
    return pd.concat([fit_ladder(l, max_items=max_items_for(l)) for l in ladder_list], ignore_index=True)


REPLICATES = 1000


def reproduction_table(ladder_list=None, fits: pd.DataFrame | None = None, n_reps: int = REPLICATES) -> pd.DataFrame:
    """One row per ladder x spacing class x triple: observed r (95% Fisher CI) and simulated r.

    Observed: Pearson r of gain2 on gain1 across the tasks with a fitted sigmoid. Simulated: the
    median and 2.5%/97.5% quantiles over `n_reps` replicates of the fitted curves plus fresh noise
    (residual and binomial noise, see `simulate_fitted_correlations`). The curves were fitted to
    the same scores, so this checks the model's description of the data, not a forecast.
    Also the fitted-state decomposition of the observed r, as columns `share <transition>` and
    `contribution <transition>`.
    """
    from .ladders import TASK_ID, size_label
    from .stats import fisher_ci

    ladder_list = ladder_list or chapter_ladders()
    fits = fits if fits is not None else fit_chapter_ladders(ladder_list)
    records = []
    for ladder in ladder_list:
        wide = ladder.matrix("raw")
        lf = fits[fits["ladder"] == ladder.name].set_index(list(TASK_ID))
        lf = lf[lf["note"] == ""]
        wide = wide.loc[lf.index]
        sd_all = residual_sd(lf, wide)
        for label, (low, high) in SPACING_CLASSES.items():
            for triple in select_triples(ladder.sizes, low, high):
                scores = wide[list(triple)].to_numpy(float)
                ok = np.isfinite(scores).all(axis=1)
                g1, g2 = scores[ok, 1] - scores[ok, 0], scores[ok, 2] - scores[ok, 1]
                r = _pearson(g1, g2)
                lo, hi = fisher_ci(r, int(ok.sum()))
                # keyed by what is simulated, not by position
                sim_res = simulate_fitted_correlations(lf[ok], wide[ok], triple, n_reps, "residual", (ladder.name, "reproduction", triple, "residual"),
                                                       sd=sd_all[ok])
                sim_bin = simulate_fitted_correlations(lf[ok], wide[ok], triple, n_reps, "binomial", (ladder.name, "reproduction", triple, "binomial"))
                q = progress(np.log(np.asarray(triple))[None, :], lf["k"].to_numpy(float)[ok, None], lf["x0"].to_numpy(float)[ok, None])
                decomposition = state_decomposition(g1, g2, transition_labels(classify_states(q)))
                row = {
                    "ladder": ladder.name, "family": ladder.family, "class": label,
                    "triple": " → ".join(size_label(s) for s in triple),
                    "ratio1": triple[1] / triple[0], "ratio2": triple[2] / triple[1], "n": int(ok.sum()),
                    "r": r, "ci_low": lo, "ci_high": hi,
                    "sim_r": float(np.nanmedian(sim_res)), "sim_low": float(np.nanquantile(sim_res, 0.025)),
                    "sim_high": float(np.nanquantile(sim_res, 0.975)),
                    "sim_bin_r": float(np.nanmedian(sim_bin)), "sim_bin_low": float(np.nanquantile(sim_bin, 0.025)),
                    "sim_bin_high": float(np.nanquantile(sim_bin, 0.975)),
                }
                row["inside"] = bool(row["sim_low"] <= r <= row["sim_high"])
                row["inside_bin"] = bool(row["sim_bin_low"] <= r <= row["sim_bin_high"])
                for d in decomposition.itertuples():
                    row[f"share {d.transition}"] = d.share
                    row[f"contribution {d.transition}"] = d.contribution
                records.append(row)
    return pd.DataFrame.from_records(records)


# ---------------------------------------------------------------------------------------------
# Summaries for the chapter

STEEP_K = 5.0  # a rise from 10% to 90% within a factor of 2.4 in size
FLAT_RISE = 0.1  # a fit that moves less than 10% of the way from chance to 1 across the sizes is flat
NEAR_TOLERANCE = 0.01  # a non-monotone flag whose fall exceeds the tolerance by less than this is marginal
def median_ci(values, identity="median", n_boot: int = 2000, level: float = 0.95) -> tuple[float, float, float]:
    """Median of the finite values with `stats.bootstrap`'s percentile interval, seeded by `identity` (what is resampled)."""
    values = np.asarray(values, dtype=float)
    return stats.bootstrap(values[np.isfinite(values)], np.median, n_boot, level, identity=identity)


def add_fit_status(fits: pd.DataFrame) -> pd.DataFrame:
    """Add the fitted rise across the ladder's sizes, a noise ratio and a status per task.

    rise: fitted progress at the largest size minus at the smallest (a share of chance-to-ceiling).
    rise_of_range: the same rise in score, as a share of the range from chance to 1; equal to rise
    when the ceiling is 1, and the measure the flat test uses, so that fits with a free ceiling are
    judged by the same yardstick (a curve rising fully to a ceiling just above chance is flat).
    noise_ratio: residual sd about the curve (rmse * sqrt(n / (n - 2))) over the binomial sd
    sqrt(p (1 - p) / n_items) at the task's mean score: 1 if item sampling were the only noise.
    status: 'non-monotone' (a fall larger than the tolerance: no rising sigmoid fits), else 'flat'
    (rise_of_range below FLAT_RISE), else 'rising, midpoint inside' or 'rising, midpoint outside' the sizes.
    """
    out = fits.copy()
    q_lo = progress(out["log_n_min"], out["k"], out["x0"])
    q_hi = progress(out["log_n_max"], out["k"], out["x0"])
    out["rise"] = q_hi - q_lo
    out["rise_of_range"] = out["rise"] * (out["ceiling"] - out["chance"]) / (1 - out["chance"])
    p = out["mean_score"].clip(0.02, 0.98)
    dof = (out["n"] - 2).clip(lower=1)
    out["noise_ratio"] = out["rmse"] * np.sqrt(out["n"] / dof) / np.sqrt(p * (1 - p) / out["n_items"])
    nonmono = ~out["monotone_ok"].fillna(True).astype(bool)
    flat = out["rise_of_range"] < FLAT_RISE
    inside = out["x0_inside"].fillna(False).astype(bool)
    out["status"] = np.where(
        nonmono, "non-monotone", np.where(flat, "flat", np.where(inside, "rising, midpoint inside", "rising, midpoint outside"))
    )
    return out


STATUSES = ("rising, midpoint inside", "rising, midpoint outside", "flat", "non-monotone")


def _short(ladder_name: str) -> str:
    parts = ladder_name.split(" · ")
    return f"{parts[0]} ({parts[2]})"


def fit_summary(fits: pd.DataFrame, ladder_list) -> pd.DataFrame:
    """Per ladder (one column each): counts of fit outcomes, the median slope of rising tasks, the noise ratio."""
    from .ladders import size_label

    rows = []
    for ladder in ladder_list:
        f = fits[fits["ladder"] == ladder.name]
        n = len(f)
        counts = f["status"].value_counts()
        rising = f[f["status"].str.startswith("rising")]
        k_med, k_lo, k_hi = median_ci(rising["k"], (ladder.name, "median k"))
        ratio, ratio_lo, ratio_hi = median_ci(f["noise_ratio"], (ladder.name, "noise ratio"))
        rejected = int((f["gof_p"] < GOF_LEVEL).sum())
        rows.append({
            "Ladder": _short(ladder.name),
            "Sizes": f"{len(ladder.sizes)}, {size_label(ladder.sizes[0])}–{size_label(ladder.sizes[-1])}",
            "Tasks": n,
            "Rising, midpoint inside the sizes": int(counts.get(STATUSES[0], 0)),
            "Rising, midpoint outside the sizes": int(counts.get(STATUSES[1], 0)),
            "Flat": int(counts.get(STATUSES[2], 0)),
            "Non-monotone (no sigmoid fits)": int(counts.get(STATUSES[3], 0)),
            f"Binomial test rejects (p < {GOF_LEVEL:g})": rejected,
            "Median k of rising tasks [95% CI]": f"{k_med:.2f} [{k_lo:.2f}, {k_hi:.2f}]" if np.isfinite(k_med) else "–",
            "Median residual sd / binomial sd, uncentred [95% CI]": f"{ratio:.2f} [{ratio_lo:.2f}, {ratio_hi:.2f}]",
        })
        if "noise_ratio_centred" in f:
            centred = median_ci(f["noise_ratio_centred"], (ladder.name, "noise ratio centred"))
            rows[-1]["Median residual sd / binomial sd, centred [95% CI]"] = f"{centred[0]:.2f} [{centred[1]:.2f}, {centred[2]:.2f}]"
    wide = pd.DataFrame(rows).set_index("Ladder").T.astype(str)
    wide.columns.name = None
    return wide.rename_axis("Measure").reset_index()


def nonmonotone_table(fits: pd.DataFrame) -> pd.DataFrame:
    """Display table of the tasks no rising sigmoid fits: their largest fall and the tolerance it exceeds."""
    f = fits[fits["status"] == "non-monotone"].sort_values(["ladder", "max_drop"], ascending=[True, False])
    return pd.DataFrame({
        "Ladder": f["ladder"].map(_short),
        "Task": f["task"],
        "Items": f["n_items"].astype(int),
        "Chance": f["chance"].round(3),
        "Largest fall": f["max_drop"].round(3),
        "Tolerance": f["drop_tolerance"].round(3),
        "Mean score": f["mean_score"].round(3),
    }).reset_index(drop=True)


def reproduction_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per ladder x spacing class: triples, mean observed and simulated r, triples inside the 95% band."""
    rows = []
    for (ladder, label), g in table.groupby(["ladder", "class"], sort=False):
        rows.append({
            "Ladder": _short(ladder),
            "Spacing": label.split(" ")[0],
            "Triples": len(g),
            "Observed r": round(float(g["r"].mean()), 2),
            "Simulated, residual": round(float(g["sim_r"].mean()), 2),
            "Simulated, binomial": round(float(g["sim_bin_r"].mean()), 2),
            "In range, residual": f"{int(g['inside'].sum())} of {len(g)}",
            "In range, binomial": f"{int(g['inside_bin'].sum())} of {len(g)}",
        })
    return pd.DataFrame(rows)


def state_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Observed decomposition averaged over the triples of each ladder x spacing class (long form)."""
    rows = []
    for (ladder, label), g in table.groupby(["ladder", "class"], sort=False):
        for t in TRANSITIONS:
            rows.append({
                "ladder": _short(ladder),
                "class": label, "transition": t,
                "share": float(g[f"share {t}"].mean()), "contribution": float(g[f"contribution {t}"].mean()),
            })
    return pd.DataFrame(rows)


# Reference population of the thread's model: midpoints spread over one decade (sd), k = 1 per ln N
# (10%->90% over 4.4 ln units, a factor of ~80 in size), noise 2% of the range.
REFERENCE = Population(x0_sd=np.log(10.0), k_median=1.0, k_sd=0.0, noise=0.02)
STATE_SPACINGS = (2.0, 8.0, 64.0)
# The thread's three-state table (T16): the sign the commenter gave each path of states.
THREAD_STATE_SIGNS = {
    "1→1→1": "slightly negative", "3→3→3": "slightly negative",
    "1→1→2": "about zero", "1→1→3": "about zero", "1→3→3": "about zero", "2→3→3": "about zero",
    "1→2→2": "positive", "1→2→3": "positive", "2→2→2": "positive", "2→2→3": "positive",
}
EDGE_PATHS = ("1→1→2", "2→3→3")  # entering or leaving the rise at one step: 'about zero' in T16


def thread_state_table(states: pd.DataFrame) -> pd.DataFrame:
    """The commenter's sign for each path beside the path's contribution to r in the reference
    population at each spacing ('—' where the path does not occur)."""
    from . import fmt

    rows = []
    for path, sign in THREAD_STATE_SIGNS.items():
        row = {"Path": path, "Thread (T16)": sign}
        for spacing, g in states.groupby("spacing"):
            cell = g.set_index("transition").loc[path]
            row[f"×{spacing:g}"] = fmt.num(cell["contribution"], 3, signed=True) if cell["count"] > 0 else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def simulated_states(population: Population = REFERENCE, spacings=STATE_SPACINGS, n_tasks: int = 20000) -> pd.DataFrame:
    """Transition frequencies and contributions to r in simulation, one block per spacing."""
    blocks = []
    for spacing in spacings:
        sim = simulate_tasks(spacing, population, n_tasks, ("states", float(spacing)))
        d = state_decomposition(sim["g1"], sim["g2"], sim["transitions"])
        d.insert(0, "spacing", float(spacing))
        d["r"] = _pearson(sim["g1"], sim["g2"])
        blocks.append(d)
    return pd.concat(blocks, ignore_index=True)


EXPLORER_DOUBLINGS = np.arange(0.5, 8.01, 0.5)
EXPLORER_X0_DECADES = np.arange(0.5, 2.001, 0.5)
EXPLORER_NOISES = np.round(np.arange(0.0, 0.101, 0.02), 2)
EXPLORER_KS = (0.3, 1.0, 3.0)


BENCHMARK_TASKS = 24  # tasks per simulated benchmark: PaLM's BIG-bench Lite table has 24
N_BENCHMARKS = 200


def explorer_grid(n_tasks: int = BENCHMARK_TASKS, n_benchmarks: int = N_BENCHMARKS) -> pd.DataFrame:
    """The explorer's precomputed grid: x0 spread in decades, spacing in doublings per step."""
    grid = correlation_grid(
        EXPLORER_DOUBLINGS, EXPLORER_X0_DECADES * np.log(10.0), EXPLORER_NOISES, EXPLORER_KS,
        n_tasks=n_tasks, n_benchmarks=n_benchmarks, identity="correlation grid",
    )
    grid["x0_decades"] = np.round(grid["x0_sd"] / np.log(10.0), 2)
    return grid


SLOW_TASKS = 200_000  # tasks per step for the slow tasks' largest correlation: Monte Carlo error about 0.002


def slow_max_correlation(n_tasks: int = SLOW_TASKS) -> float:
    """Largest correlation of successive gains over the explorer's steps for the slow tasks (k = 0.3,
    otherwise the reference population), each step simulated with `n_tasks` tasks. The grid's own
    cells pool only 4,800 tasks, too few for a maximum over steps."""
    slow = replace(REFERENCE, k_median=EXPLORER_KS[0])
    return max(gain_correlation(2.0 ** float(d), slow, n_tasks, ("slow tasks", float(d))) for d in EXPLORER_DOUBLINGS)


def zero_crossing(grid: pd.DataFrame, x0_decades: float, noise: float, k: float) -> float:
    """Size ratio per step at which the simulated r first turns negative (linear interpolation in doublings)."""
    g = grid[np.isclose(grid["x0_decades"], x0_decades) & np.isclose(grid["noise"], noise) & np.isclose(grid["k"], k)]
    g = g.sort_values("doublings")
    d, r = g["doublings"].to_numpy(), g["r"].to_numpy()
    for i in range(len(r) - 1):
        if r[i] >= 0 > r[i + 1]:
            return float(2 ** (d[i] + (d[i + 1] - d[i]) * r[i] / (r[i] - r[i + 1])))
    return np.nan


def limit_checks(n_tasks: int = 200000) -> dict:
    """Simulated correlations next to the limits they must reach (for prose and tests)."""
    pure_noise = Population(x0_sd=np.log(10.0), k_median=0.0, noise=0.05)
    linear = Population(x0_sd=0.0, k_median=0.2, k_sd=0.5, noise=0.005)
    out = {
        "pure_noise_sim": gain_correlation(8.0, pure_noise, n_tasks, ("limit", "pure noise")),
        "pure_noise_exact": -0.5,
        "wide_sim": gain_correlation(2.0**40, Population(x0_sd=np.log(10.0), k_median=1.0), n_tasks, ("limit", "wide")),
        "wide_exact": -1.0,
        "fine_sim": gain_correlation(2.0**0.01, Population(x0_sd=np.log(10.0), k_median=1.0), n_tasks, ("limit", "fine")),
        "fine_exact": 1.0,
        "linear_sim": gain_correlation(1.5, linear, n_tasks, ("limit", "linear")),
        "linear_exact": linear_regime_correlation(1.5, linear),
    }
    out["max_error"] = max(abs(out[f"{key}_sim"] - out[f"{key}_exact"]) for key in ("pure_noise", "wide", "fine", "linear"))
    return out


# ---------------------------------------------------------------------------------------------
# Printed bands with stable digits (E6) and the fitted population (E8)

BAND_BENCHMARKS = 100_000  # benchmarks per printed band: Monte Carlo error of its quantiles below 0.003


def benchmark_band(spacing: float, population: Population, n_tasks: int = BENCHMARK_TASKS, n_benchmarks: int = BAND_BENCHMARKS,
                   identity="benchmark band", level: float = 0.95, n_batches: int = 20) -> dict:
    """Central `level` range of the correlation of successive gains within one benchmark of
    `n_tasks` tasks drawn from `population`, from `n_benchmarks` simulated benchmarks.

    `low_se`/`high_se` are Monte Carlo standard errors of the two quantiles from `n_batches`
    batches of benchmarks (sd of the batch quantiles / sqrt(n_batches), scaled to the full run).
    `r` is the population correlation over all simulated tasks.
    """
    from .stats import pearson_rows

    if n_benchmarks % n_batches:
        raise ValueError("n_benchmarks must be a multiple of n_batches")
    sim = simulate_tasks(spacing, population, n_tasks * n_benchmarks, identity)
    r = pearson_rows(sim["g1"].reshape(n_benchmarks, n_tasks), sim["g2"].reshape(n_benchmarks, n_tasks))
    tail = (1 - level) / 2
    low, median, high = np.quantile(r, [tail, 0.5, 1 - tail])
    batches = np.quantile(r.reshape(n_batches, -1), [tail, 1 - tail], axis=1)  # (2, n_batches)
    se = batches.std(axis=1, ddof=1) / np.sqrt(n_batches)
    return {"spacing": spacing, "n_tasks": n_tasks, "n_benchmarks": n_benchmarks, "r": _pearson(sim["g1"], sim["g2"]),
            "median": float(median), "low": float(low), "high": float(high), "low_se": float(se[0]), "high_se": float(se[1])}


def fitted_population(fits: pd.DataFrame, noise: float | None = None) -> Population:
    """The reference population with the fitted median slope of the rising tasks and, unless
    `noise` is given, the median fitted noise as a fraction of the chance-to-ceiling range."""
    rising = fits[fits["status"].str.startswith("rising")]
    k = float(np.median(rising["k"]))
    if noise is None:
        noise = float(np.median(noise_fraction_of_range(fits)))
    return replace(REFERENCE, k_median=k, noise=noise)


def noise_fraction_of_range(fits: pd.DataFrame) -> pd.Series:
    """Residual sd about each task's curve (rmse with n - 2 dof) as a fraction of its range h - c."""
    dof = (fits["n"] - 2).clip(lower=1)
    return fits["rmse"] * np.sqrt(fits["n"] / dof) / (fits["ceiling"] - fits["chance"])


# ---------------------------------------------------------------------------------------------
# Residual noise against binomial noise, centred and by regime (E7)

MMLU_PREFIX = "mmlu_"


def centred_noise_ratio(ladder_list, fits: pd.DataFrame) -> pd.Series:
    """Per task (aligned to `fits`): residual sd about the fitted curve with the mean residual
    removed (`residual_sd`) over the binomial sd sqrt(p (1 - p) / n_items) at the mean score.

    Centring matters: tasks that sit below chance (Pythia's MMLU subjects) have residuals with a
    non-zero mean, which an uncentred RMSE counts as noise.
    """
    from .ladders import TASK_ID

    out = pd.Series(np.nan, index=fits.index)
    for ladder in ladder_list:
        rows = fits[(fits["ladder"] == ladder.name) & (fits["note"] == "")]
        wide = ladder.matrix("raw").loc[pd.MultiIndex.from_frame(rows[list(TASK_ID)])]
        sd = residual_sd(rows, wide)
        p = rows["mean_score"].clip(0.02, 0.98).to_numpy(float)
        out.loc[rows.index] = sd / np.sqrt(p * (1 - p) / rows["n_items"].to_numpy(float))
    return out


def task_regime(fits: pd.DataFrame) -> pd.Series:
    """'MMLU' for the harness ladders' MMLU subjects (at chance for these models), 'rising' for
    the other tasks whose fit rises, else 'other'."""
    mmlu = fits["task"].str.startswith(MMLU_PREFIX)
    rising = fits["status"].str.startswith("rising")
    return pd.Series(np.where(mmlu, "MMLU", np.where(rising, "rising, not MMLU", "other")), index=fits.index)


def noise_reconciliation(ladder_list, fits: pd.DataFrame, n_boot: int = 1000) -> pd.DataFrame:
    """Chapter 3's lag estimate of 2σ² over the naive binomial gain variance and chapter 4's
    centred residual variance over the binomial variance, on the same tasks of each harness ladder,
    split into the MMLU subjects and the rest (percentile intervals over tasks)."""
    from . import noise
    from .stats import bootstrap

    rows = []
    for ladder in ladder_list:
        if ladder.benchmark == "bigbench":
            continue
        scores, index, _ = noise.score_matrix(ladder)
        n = noise.item_counts(ladder, index)
        tasks = index.get_level_values("task")
        f = fits[fits["ladder"] == ladder.name].set_index("task")
        for label, mask in (("MMLU", tasks.str.startswith(MMLU_PREFIX)), ("not MMLU", ~tasks.str.startswith(MMLU_PREFIX))):
            est = noise.estimate_noise(np.diff(scores[mask], axis=1), n_boot, naive=noise.naive_gain_noise(scores[mask], n[mask]),
                                       identity=(ladder.name, f"reconcile {label}"))
            ratio_sq = f.loc[list(tasks[mask]), "noise_ratio_centred"].to_numpy(float) ** 2
            med, lo, hi = bootstrap(ratio_sq, np.median, n_boot, identity=(ladder.name, f"residual {label}"))
            rows.append({"ladder": ladder.name, "tasks": label, "n_tasks": int(mask.sum()),
                         "lag": est["ladder_over_naive"], "lag_low": est["ladder_over_naive_low"], "lag_high": est["ladder_over_naive_high"],
                         "residual": med, "residual_low": lo, "residual_high": hi})
    return pd.DataFrame(rows)


def display_reconciliation(table: pd.DataFrame) -> pd.DataFrame:
    from . import fmt

    return pd.DataFrame({
        "Ladder": table["ladder"].map(_short),
        "Tasks": [f"{a} ({b})" for a, b in zip(table["tasks"], table["n_tasks"])],
        "Chapter 3: 2σ² ÷ naive binomial [95% CI]": [fmt.estimate(*v) for v in table[["lag", "lag_low", "lag_high"]].to_numpy()],
        "Chapter 4: median (centred residual sd ÷ binomial sd)² [95% CI]": [fmt.estimate(*v) for v in table[["residual", "residual_low", "residual_high"]].to_numpy()],
    })


# ---------------------------------------------------------------------------------------------
# Hierarchical fits: partial pooling of slopes, midpoints and free ceilings

HIER_ITERATIONS = 3
MAX_NFEV_HIER = 60  # per pass; the population values move by < 0.01 between 30 and 300 evaluations
LOG_K_BOUNDS = (np.log(0.02), np.log(K_MAX))
CEILING_LOGIT_BOUNDS = (-6.0, 8.0)


def fit_hierarchical(ladder, max_items: float | None = None, iterations: int = HIER_ITERATIONS,
                     start: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Empirical-Bayes sigmoid fits for all tasks of one ladder, with free ceilings.

    Each task has ln k, x0 and u = logit((h - c)/(1 - c)) (so the ceiling h lies in (c, 1)). Their
    population distributions are normal with means and sds estimated from the tasks; each task's
    parameters minimise  SSE_t / s_t²  +  sum over the three parameters of (θ - mean)² / sd², with
    s_t the task's binomial sd times one ladder-wide factor (the root mean chi-square per degree of
    freedom of the previous pass). All tasks are one sparse `least_squares` problem; the means and
    sds are re-estimated from the fitted values `iterations` times (starting from the separate
    free-ceiling fits). A task with a weakly identified ceiling or midpoint is pulled to the
    ladder's typical value instead of a bound.

    `start` may pass this ladder's rows of `fit_ladder` (ceiling 1) for the starting slopes and
    midpoints; otherwise each task is first fitted alone. Starting ceilings are the task's highest
    score plus 0.05 (capped below 1).

    Returns one row per task (k, x0, ceiling, chance, rise across the sizes, status) and the final
    population means and sds. The status is judged in absolute score units, as with a ceiling of
    1: a task is flat when its fitted curve rises by less than FLAT_RISE × (1 − chance) across the
    sizes, so that a curve rising to a ceiling just above chance is not counted as a rise.
    """
    from .ladders import TASK_ID

    wide = ladder.matrix("raw").dropna()
    meta = ladder.rows.groupby(list(TASK_ID)).agg(chance=("chance", "first"), n_items=("n_items", "max")).reindex(wide.index)
    keep = meta["chance"].notna().to_numpy()
    wide, meta = wide[keep], meta[keep]
    x = np.log(np.asarray(wide.columns, dtype=float))
    y = wide.to_numpy(float)
    c = meta["chance"].to_numpy(float)
    n_items = meta["n_items"].to_numpy(float)
    if max_items is not None:
        n_items = np.minimum(n_items, max_items)
    t, k = y.shape
    p_bar = np.clip(y.mean(axis=1), 0.02, 0.98)
    binomial_sd = np.sqrt(p_bar * (1 - p_bar) / n_items)
    lo, hi = float(x.min()) - X0_MARGIN, float(x.max()) + X0_MARGIN

    if start is not None:
        first = start.set_index(list(TASK_ID)).reindex(wide.index)
        k_start, x0_start = first["k"].to_numpy(float), first["x0"].to_numpy(float)
    else:
        separate = [fit_sigmoid(np.exp(x), y[i], c[i]) for i in range(t)]
        k_start, x0_start = np.array([f.k for f in separate]), np.array([f.x0 for f in separate])
    h0 = np.clip(np.maximum(y.max(axis=1) + 0.05, c + 0.05), c + 1e-3, 1 - 1e-3)
    theta = np.column_stack([
        np.clip(np.log(np.maximum(np.nan_to_num(k_start, nan=0.5), 0.02)), *LOG_K_BOUNDS),
        np.clip(np.nan_to_num(x0_start, nan=(lo + hi) / 2), lo, hi),
        np.clip(np.log((h0 - c) / (1 - h0)), *CEILING_LOGIT_BOUNDS),
    ])
    scale = 1.0
    lower = np.tile([LOG_K_BOUNDS[0], lo, CEILING_LOGIT_BOUNDS[0]], t)
    upper = np.tile([LOG_K_BOUNDS[1], hi, CEILING_LOGIT_BOUNDS[1]], t)
    # One sparse problem over all tasks: data rows of task i touch only its three parameters.
    data_rows = np.repeat(np.arange(t * k), 3)
    data_cols = (3 * np.repeat(np.arange(t), k)[:, None] + np.arange(3)).ravel()
    prior_rows = t * k + np.arange(3 * t)
    rows = np.concatenate([data_rows, prior_rows])
    cols = np.concatenate([data_cols, np.arange(3 * t)])

    def parts(th):
        kk, x0, v = np.exp(th[:, 0:1]), th[:, 1:2], expit(th[:, 2:3])
        h = c[:, None] + (1 - c[:, None]) * v
        z = expit(kk * (x[None, :] - x0))
        return kk, x0, v, h, z

    capped = False
    for _ in range(iterations):
        mean = theta.mean(axis=0)
        sd = np.maximum(theta.std(axis=0, ddof=1), [0.05, 0.1, 0.1])
        sigma = (scale * binomial_sd)[:, None]

        def residuals(flat):
            th = flat.reshape(t, 3)
            _, _, _, h, z = parts(th)
            fitted = c[:, None] + (h - c[:, None]) * z
            return np.concatenate([((fitted - y) / sigma).ravel(), ((th - mean) / sd).ravel()])

        def jacobian(flat):
            th = flat.reshape(t, 3)
            kk, x0, v, h, z = parts(th)
            slope = (h - c[:, None]) * z * (1 - z) / sigma
            d_logk = slope * kk * (x[None, :] - x0)
            d_x0 = -slope * kk
            d_u = z * ((1 - c) * v[:, 0] * (1 - v[:, 0]))[:, None] / sigma
            values = np.concatenate([np.stack([d_logk, d_x0, d_u], axis=-1).ravel(), np.tile(1 / sd, t)])
            return sparse.csr_matrix((values, (rows, cols)), shape=(t * k + 3 * t, 3 * t))

        result = optimize.least_squares(residuals, np.clip(theta.ravel(), lower, upper), jac=jacobian, bounds=(lower, upper),
                                        method="trf", x_scale="jac", tr_solver="lsmr", max_nfev=MAX_NFEV_HIER)
        theta = result.x.reshape(t, 3)
        capped = bool(result.status == 0)  # stopped at MAX_NFEV_HIER (see there: the values have settled)
        _, _, _, h, z = parts(theta)
        chi2 = (((c[:, None] + (h - c[:, None]) * z - y) / binomial_sd[:, None]) ** 2).sum() / max(t * (k - 3), 1)
        scale = float(np.sqrt(max(chi2, 1e-6)))
    kk, x0 = np.exp(theta[:, 0]), theta[:, 1]
    h = c + (1 - c) * expit(theta[:, 2])
    rise = progress(x.max(), kk, x0) - progress(x.min(), kk, x0)
    inside = (x.min() <= x0) & (x0 <= x.max())
    flat = rise * (h - c) < FLAT_RISE * (1 - c)
    status = np.where(flat, "flat", np.where(inside, STATUSES[0], STATUSES[1]))
    table = pd.DataFrame({"ladder": ladder.name, "task": wide.index.get_level_values("task"), "k": kk, "x0": x0, "ceiling": h,
                          "chance": c, "rise": rise, "status": status, "log_n_min": x.min(), "log_n_max": x.max()})
    population = {"ladder": ladder.name, "k_median": float(np.exp(theta[:, 0].mean())), "log_k_sd": float(theta[:, 0].std(ddof=1)),
                  "x0_mean": float(theta[:, 1].mean()), "x0_sd": float(theta[:, 1].std(ddof=1)),
                  "ceiling_median": float(np.median(h)), "noise_scale": scale, "capped": capped}
    return table, population


def display_hierarchical(populations: pd.DataFrame, separate: pd.DataFrame, hierarchical: pd.DataFrame) -> pd.DataFrame:
    """Per ladder: rising tasks and median slope, separate fits (ceiling 1) against hierarchical
    fits (partial pooling, free ceilings), and the hierarchical population values."""
    from . import fmt

    rows = []
    for _, pop in populations.iterrows():
        sep = separate[separate["ladder"] == pop["ladder"]]
        hier = hierarchical[hierarchical["ladder"] == pop["ladder"]]
        sep_rising = sep[sep["status"].str.startswith("rising")]
        hier_rising = hier[hier["status"].str.startswith("rising")]
        rows.append({
            "Ladder": _short(pop["ladder"]),
            "Rising: separate / hierarchical": f"{len(sep_rising)} / {len(hier_rising)} of {len(hier)}",
            "Median k of rising: separate / hierarchical": f"{fmt.num(np.median(sep_rising['k']))} / {fmt.num(np.median(hier_rising['k']))}",
            "Population median k": fmt.num(pop["k_median"]),
            "Midpoint spread (decades, sd)": fmt.num(pop["x0_sd"] / np.log(10), 1),
            "Log-slope spread (sd)": fmt.num(pop["log_k_sd"]),
            "Median fitted ceiling": fmt.num(pop["ceiling_median"]),
            "Noise ÷ binomial": fmt.num(pop["noise_scale"]),
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The sigmoid model's sharp prediction: logit-scale gains correlate positively (T19)

LOGIT_MARGIN = 0.02  # scores within this of chance or of the fitted ceiling are too close to a bound for a logit


def logit_gain_test(ladder, hier: pd.DataFrame, triples, noise_scale: float = 1.0, n_reps: int = 500) -> pd.DataFrame:
    """On the logit scale of each task's own range, z = logit((p - c)/(h - c)), a sigmoid is the
    line k (ln N - x0), so both gains of a triple are k times the step: across tasks they correlate
    positively (r = 1 with equal steps and no noise). Per triple: the observed r of z-gains among
    the tasks whose hierarchical fit rises and whose three scores lie inside (c, h) by
    LOGIT_MARGIN, and the median and 95% range of r when the same tasks' fitted curves get fresh
    normal noise of sd `noise_scale` times the binomial sd (the hierarchical fit's noise factor),
    seeded by the ladder and the triple.
    """
    from .ladders import TASK_ID
    from .stats import fisher_ci, generator, pearson_rows

    wide = ladder.matrix("raw")
    h = hier.set_index("task")
    records = []
    for triple in triples:
        tasks = [t for t in h.index if t in wide.index.get_level_values("task")]
        scores = wide.reset_index(level=["subtask", "task_metric"], drop=True).loc[tasks, list(triple)].to_numpy(float)
        hh = h.loc[tasks]
        c, ceil = hh["chance"].to_numpy(float)[:, None], hh["ceiling"].to_numpy(float)[:, None]
        inside = ((scores > c + LOGIT_MARGIN) & (scores < ceil - LOGIT_MARGIN)).all(axis=1) & hh["status"].str.startswith("rising").to_numpy()
        if inside.sum() < 8:
            continue
        q = (scores[inside] - c[inside]) / (ceil[inside] - c[inside])
        z = np.log(q / (1 - q))
        r = float(pearson_rows(z[:, 1] - z[:, 0], z[:, 2] - z[:, 1]))
        mean = sigmoid_curve(np.log(np.asarray(triple))[None, :], hh["k"].to_numpy(float)[inside, None], hh["x0"].to_numpy(float)[inside, None],
                             c[inside], ceil[inside])
        n_items = ladder.rows.groupby("task")["n_items"].max().reindex(np.asarray(tasks)[inside]).to_numpy(float)[:, None]
        if ladder.family.startswith("BIG-G"):
            n_items = np.minimum(n_items, BIGG_MAX_ITEMS)
        sim = mean + noise_scale * np.sqrt(mean * (1 - mean) / n_items) * generator((ladder.name, "logit gains", triple)).standard_normal((n_reps, *mean.shape))
        qs = np.clip((sim - c[inside]) / (ceil[inside] - c[inside]), 1e-3, 1 - 1e-3)
        zs = np.log(qs / (1 - qs))
        rs = pearson_rows(zs[..., 1] - zs[..., 0], zs[..., 2] - zs[..., 1])
        low, high = fisher_ci(r, int(inside.sum()))
        records.append({"ladder": ladder.name, "triple": triple, "n": int(inside.sum()), "r": r, "ci_low": low, "ci_high": high,
                        "sim_r": float(np.median(rs)), "sim_low": float(np.quantile(rs, 0.025)), "sim_high": float(np.quantile(rs, 0.975))})
    return pd.DataFrame(records)


# ---------------------------------------------------------------------------------------------
# A plateau below the ceiling: PaLM's auto_debugging (T14)


def smallest_denominator(scores, max_n: int = 500, decimals: int = 3) -> int | None:
    """Smallest n such that every score, printed to `decimals` places, is a whole count out of n."""
    scores = np.asarray(scores, dtype=float)
    half = 0.5 * 10.0**-decimals + 1e-9
    for n in range(1, max_n + 1):
        counts = np.round(scores * n)
        if np.all(np.abs(counts / n - scores) <= half):
            return n
    return None


def plateau_check(frame: pd.DataFrame, task: str = "auto_debugging", family: str = "PaLM", level: float = 0.95) -> dict:
    """A task's scores along a ladder, the item count they imply and each score's Wilson interval.

    PaLM prints scores to a tenth of a percent; when they are all whole counts out of one small n,
    that n is the number of items, and the interval says how far a flat step could hide a gain.
    """
    rows = frame[(frame["family"] == family) & (frame["task"] == task)].sort_values("n_params")
    if rows.empty:
        raise ValueError(f"no scores for {family} {task}")
    scores = rows["score"].to_numpy(float)
    n = smallest_denominator(scores)
    if n is None:
        raise ValueError(f"{task}: scores are not whole counts out of any n up to 500")
    counts = np.round(scores * n).astype(int)
    low, high = stats.wilson_interval(counts / n, n, level)
    return {"task": task, "sizes": rows["n_params"].tolist(), "scores": scores.tolist(), "n_items": n, "counts": counts.tolist(),
            "low": np.asarray(low).tolist(), "high": np.asarray(high).tolist()}


def limits_table(limits: dict) -> pd.DataFrame:
    """Display table: simulated correlations next to the limits they must reach."""
    rows = [
        ("Pure noise: flat tasks (k = 0), noise 5% of range, ×8 per step", "pure_noise", "noise on the middle score enters the two gains with opposite signs"),
        ("No noise, steps of ×2⁴⁰", "wide", "each task goes from chance to ceiling: the two gains add up to the whole range"),
        ("No noise, steps of ×1.007", "fine", "both gains are the local slope times the step"),
        ("Middle of the rise (x₀ at the middle size), k log-normal (median 0.2, sd of ln k 0.5), noise 0.5%, ×1.5 per step", "linear",
         "q ≈ 1/2 + k(ln N − x₀)/4 gives r = (h²Var(k)/16 − s²)/(h²Var(k)/16 + 2s²), h = ln 1.5, s the noise sd"),
    ]
    return pd.DataFrame([
        {"Case": case, "Simulated r": round(limits[f"{key}_sim"], 3), "Limit": round(limits[f"{key}_exact"], 3), "Why": why}
        for case, key, why in rows
    ])




@dataclass(frozen=True)
class Facts:
    """Every number chapter 4's prose prints, named. Tuples of (estimate, low, high) are split
    into _low/_high fields or preformatted 'value [low, high]' strings."""

    # the model and its limits
    rise_ratio_k1: float
    limits_max_error: float
    # the sign map (reference population) and its printed band (E6)
    ref_noise: float
    ref_r_d1: float
    ref_r_d3: float
    ref_r_d6: float
    # the thread's three-state table (T16) against the reference population's contributions
    contrib_122_8: float
    contrib_223_8: float
    contrib_122_223_2_max: float
    edge_contrib_min: float  # 1→1→2 and 2→3→3 at ×2 and ×8
    edge_contrib_max: float
    edge_contrib_64_min: float
    edge_contrib_64_max: float
    zero_ratio_k1: float
    zero_ratio_k3: float
    slow_rise_decades: float
    slow_max_r: float
    slow_tasks: int
    benchmark_tasks: int
    band_benchmarks: int
    band_se_max: float
    ref_band_low: float
    ref_band_high: float
    # the fitted population (E8)
    fitted_k: str
    fitted_noise: float
    fitted_r_d3_ref_noise: float
    fitted_r_d3_fitted_noise: float
    fitted_band_low: float
    fitted_band_high: float
    grid_cells: int
    grid_benchmarks: int
    grid_ref_r_d3: float  # the explorer's own cell at the reference settings and ×8: its Monte Carlo error in view
    grid_ref_band_low: float
    grid_ref_band_high: float
    # states
    state_low: float
    state_high: float
    share_222_2: float
    contrib_222_2: float
    states_r_2: float
    flatshare_2: float
    flatcontrib_2: float
    states_r_8: float
    share_123_64: float
    contrib_123_64: float
    states_r_64: float
    # the per-task fits
    bigg_sizes: int
    pythia_sizes: int
    opt_sizes: int
    bigg_tasks: int
    missing_chance: int
    k_max: float
    x0_margin_decades: int
    drop_level: float
    drop_false_alarm: float
    flat_rise: float
    near_flat_rise: int  # rising or flat fits whose rise is within NEAR_TOLERANCE of the flat cut: a refit can move them
    bigg_max_items: int
    all_tasks: int
    all_rising: int
    all_flat: int
    all_nonmono: int
    all_nonmono_share: float
    all_nonmono_low: float
    all_nonmono_high: float
    nonmono_expected_false: float  # tasks flagged under pure binomial noise at most: false-alarm rate x tasks
    nonmono_near_tolerance: int  # flagged tasks whose fall exceeds the tolerance by less than NEAR_TOLERANCE
    near_tolerance: float
    bigg_nonmono: int
    bigg_below_chance: int
    all_inside: int
    all_midpoint_above: int
    all_midpoint_below: int
    all_k: str
    all_rise_decades: float
    # residual noise (E7)
    noise_ratio_uncentred: str
    noise_ratio_centred: str
    mmlu_ratio_min: float
    mmlu_ratio_max: float
    mmlu_below_one: str  # harness ladders whose MMLU residual ratio has its 95% interval below one
    rising_other_ratio_min: float
    rising_other_ratio_max: float
    rising_other_n: int
    gof_level: float
    gof_rejected: int
    gof_rejected_nonmono: int
    gof_rejected_items: int
    gof_kept_items: int
    noise_frac: float
    noise_frac_low: float
    noise_frac_high: float
    pythia_mmlu_n: int
    pythia_other_n: int
    pythia_mmlu_lag: str
    pythia_mmlu_residual: str
    pythia_other_lag: str
    pythia_other_residual: str
    # free ceilings and partial pooling
    free_rising: int  # rising by a tenth of the way from chance to 1, the rule of the main fits
    bigg_rising: int
    free_ceiling: str
    free_rising_own_ceiling: int  # rising by a tenth of the way from chance to each task's own fitted ceiling
    free_ceiling_own: str
    hier_rising_min: int
    hier_rising_max: int
    hier_ceiling_min: float
    hier_ceiling_max: float
    hier_log_k_sd_min: float
    hier_log_k_sd_max: float
    hier_noise_min: float
    hier_noise_max: float
    steep_k: float
    steep_ratio: float
    steep_rising: int
    steep_rising_above: int
    # the reproduction check
    replicates: int
    fine_low: float
    fine_high: float
    palm_low: float
    palm_high: float
    palm_ratio_1: float
    palm_ratio_2: float
    triples: int
    inside: int
    inside_expected: float
    n_ladders: int
    fine_r_mean: float
    fine_sim_mean: float
    palm_r_mean: float
    palm_sim_mean: float
    palm_r_min: float
    palm_r_max: float
    groups: int
    groups_obs_above_sim: int
    obs_minus_sim: float
    obs_share_111_min: float
    obs_share_111_max: float
    obs_contrib_111_min: float
    obs_contrib_111_max: float
    obs_share_222_min: float
    obs_share_222_max: float
    # the logit-scale prediction (T19)
    logit_triples: int
    logit_r_mean: float
    logit_sim_mean: float
    logit_obs_above_sim: int
    logit_inside: int
    logit_sig_positive: int
    logit_palm_r_mean: float
    logit_palm_triples: int
    # the reproduction check under shared-item noise (item_noise)
    item_check_shift_min: float
    item_check_shift_max: float
    item_check_coverage_min: float
    item_check_coverage_max: float
    # a plateau (T14)
    plateau_task: str
    plateau_items: int
    plateau_counts: str
    plateau_last: str


@dataclass
class ChapterResults:
    """Everything chapter 4 prints or plots, computed by `chapter_results()`."""

    ladders: list
    fits: pd.DataFrame
    summary: pd.DataFrame
    grid: pd.DataFrame
    limits: dict
    states: pd.DataFrame
    reproduction: pd.DataFrame
    reproduction_summary: pd.DataFrame
    observed_states: pd.DataFrame
    free_ceiling: pd.DataFrame
    reconciliation: pd.DataFrame
    hierarchical: pd.DataFrame
    populations: pd.DataFrame
    logit_test: pd.DataFrame
    item_checks: pd.DataFrame
    facts: Facts


def _estimate(triple: tuple[float, float, float], digits: int = 2) -> str:
    from . import fmt

    return fmt.estimate(*triple, digits=digits)


def chapter_results() -> ChapterResults:
    """Fit, simulate and summarise for chapter 4 (deterministic)."""
    from . import data, fmt, item_noise

    ladder_list = chapter_ladders()
    fits = add_fit_status(fit_chapter_ladders(ladder_list))
    fits["noise_ratio_centred"] = centred_noise_ratio(ladder_list, fits)
    fits["regime"] = task_regime(fits)
    free = add_fit_status(fit_ladder(ladder_list[0], ceiling="fit", max_items=max_items_for(ladder_list[0])))  # BIG-G: a sensitivity check
    grid = explorer_grid()
    states = simulated_states()
    reproduction = reproduction_table(ladder_list, fits)
    observed = state_summary(reproduction)
    limits = limit_checks()
    reconciliation = noise_reconciliation(ladder_list, fits)
    hier_tables, populations, logit_frames = [], [], []
    for ladder in ladder_list:
        table, population = fit_hierarchical(ladder, max_items_for(ladder), start=fits[fits["ladder"] == ladder.name])
        hier_tables.append(table)
        populations.append(population)
        for label, (low, high) in SPACING_CLASSES.items():
            test = logit_gain_test(ladder, table, select_triples(ladder.sizes, low, high), population["noise_scale"])
            logit_frames.append(test.assign(**{"class": label}))
    hierarchical, populations = pd.concat(hier_tables, ignore_index=True), pd.DataFrame(populations)
    logit = pd.concat(logit_frames, ignore_index=True)
    plateau = plateau_check(data.load_palm_bigbench_lite())
    item_checks = item_noise.reproduction_checks()

    ref = grid[np.isclose(grid["x0_decades"], 1.0) & np.isclose(grid["noise"], 0.02) & np.isclose(grid["k"], 1.0)].set_index("doublings")
    ref_band = benchmark_band(8.0, REFERENCE)
    fitted = fitted_population(fits)
    fitted_band = benchmark_band(8.0, fitted, identity=("benchmark band", "fitted"))
    block = {sp: states[states["spacing"] == sp].set_index("transition") for sp in STATE_SPACINGS}
    bigg = fits[fits["family"] == "BIG-G T=0"]
    rising = fits[fits["status"].str.startswith("rising")]
    outside = fits[fits["status"] == "rising, midpoint outside"]
    nonmono = int((fits["status"] == "non-monotone").sum())
    nonmono_ci = stats.share_interval(nonmono, len(fits))
    k_all = median_ci(rising["k"], ("all ladders", "median k"))
    rejected = fits["gof_p"] < GOF_LEVEL
    frac = median_ci(noise_fraction_of_range(fits), ("all ladders", "noise fraction of range"))
    harness = fits[fits["benchmark"] != "bigbench"]
    by_regime = harness.groupby(["ladder", "regime"])["noise_ratio_centred"].median().unstack()
    rising_other = harness[harness["regime"] == "rising, not MMLU"]
    rec = reconciliation.set_index(["ladder", "tasks"])
    pythia = ladder_list[1].name
    steep = fits["status"].str.startswith("rising") & (fits["k"] > STEEP_K)
    fine_label, palm_label = SPACING_CLASSES
    fine_rep, palm_rep = (reproduction[reproduction["class"] == label] for label in SPACING_CLASSES)
    group_means = reproduction.groupby(["ladder", "class"], sort=False)[["r", "sim_r"]].mean()
    obs111, obs222 = (observed[observed["transition"] == t] for t in ("1→1→1", "2→2→2"))
    logit_palm = logit[logit["class"] == palm_label]
    own_rising = (free["status"] != "non-monotone") & (free["rise"] >= FLAT_RISE)
    hier_rising = hierarchical.assign(rising=hierarchical["status"].str.startswith("rising")).groupby("ladder")["rising"].sum()
    facts = Facts(
        rise_ratio_k1=rise_ratio(1.0), limits_max_error=float(limits["max_error"]),
        # ×2, ×8 and ×64 per step: the states simulation (20,000 tasks) gives the one printed value for each
        ref_noise=REFERENCE.noise, ref_r_d1=float(block[2.0]["r"].iloc[0]), ref_r_d3=float(block[8.0]["r"].iloc[0]),
        ref_r_d6=float(block[64.0]["r"].iloc[0]),
        contrib_122_8=float(block[8.0].loc["1→2→2", "contribution"]), contrib_223_8=float(block[8.0].loc["2→2→3", "contribution"]),
        contrib_122_223_2_max=float(block[2.0].loc[["1→2→2", "2→2→3"], "contribution"].max()),
        edge_contrib_min=float(min(block[sp].loc[list(EDGE_PATHS), "contribution"].min() for sp in (2.0, 8.0))),
        edge_contrib_max=float(max(block[sp].loc[list(EDGE_PATHS), "contribution"].max() for sp in (2.0, 8.0))),
        edge_contrib_64_min=float(block[64.0].loc[list(EDGE_PATHS), "contribution"].min()),
        edge_contrib_64_max=float(block[64.0].loc[list(EDGE_PATHS), "contribution"].max()),
        zero_ratio_k1=zero_crossing(grid, 1.0, 0.02, 1.0), zero_ratio_k3=zero_crossing(grid, 1.0, 0.02, 3.0),
        slow_rise_decades=rise_decades(EXPLORER_KS[0]), slow_max_r=slow_max_correlation(), slow_tasks=SLOW_TASKS,
        benchmark_tasks=BENCHMARK_TASKS, band_benchmarks=BAND_BENCHMARKS,
        band_se_max=float(max(ref_band["low_se"], ref_band["high_se"], fitted_band["low_se"], fitted_band["high_se"])),
        ref_band_low=ref_band["low"], ref_band_high=ref_band["high"],
        fitted_k=_estimate(k_all), fitted_noise=fitted.noise,
        fitted_r_d3_ref_noise=gain_correlation(8.0, replace(fitted, noise=REFERENCE.noise), 200_000, "fitted population"),
        fitted_r_d3_fitted_noise=gain_correlation(8.0, fitted, 200_000, "fitted population"),
        fitted_band_low=fitted_band["low"], fitted_band_high=fitted_band["high"], grid_cells=len(grid), grid_benchmarks=N_BENCHMARKS,
        grid_ref_r_d3=float(ref.loc[3.0, "r"]), grid_ref_band_low=float(ref.loc[3.0, "lo"]), grid_ref_band_high=float(ref.loc[3.0, "hi"]),
        state_low=STATE_LOW, state_high=STATE_HIGH,
        share_222_2=float(block[2.0].loc["2→2→2", "share"]), contrib_222_2=float(block[2.0].loc["2→2→2", "contribution"]),
        states_r_2=float(block[2.0]["r"].iloc[0]),
        flatshare_2=float(block[2.0].loc[["1→1→1", "3→3→3"], "share"].sum()),
        flatcontrib_2=float(block[2.0].loc[["1→1→1", "3→3→3"], "contribution"].sum()),
        states_r_8=float(block[8.0]["r"].iloc[0]),
        share_123_64=float(block[64.0].loc["1→2→3", "share"]), contrib_123_64=float(block[64.0].loc["1→2→3", "contribution"]),
        states_r_64=float(block[64.0]["r"].iloc[0]),
        bigg_sizes=len(ladder_list[0].sizes), pythia_sizes=len(ladder_list[1].sizes), opt_sizes=len(ladder_list[3].sizes),
        bigg_tasks=len(bigg), missing_chance=int((fits["note"] != "").sum()), k_max=K_MAX, x0_margin_decades=X0_MARGIN_DECADES,
        drop_level=DROP_LEVEL, drop_false_alarm=1 - DROP_LEVEL, flat_rise=FLAT_RISE,
        near_flat_rise=int(((fits["rise_of_range"] - FLAT_RISE).abs().lt(NEAR_TOLERANCE) & (fits["status"] != "non-monotone")).sum()), bigg_max_items=BIGG_MAX_ITEMS,
        all_tasks=len(fits), all_rising=len(rising), all_flat=int((fits["status"] == "flat").sum()), all_nonmono=nonmono,
        all_nonmono_share=nonmono / len(fits), all_nonmono_low=nonmono_ci[0], all_nonmono_high=nonmono_ci[1],
        nonmono_expected_false=(1 - DROP_LEVEL) * len(fits), near_tolerance=NEAR_TOLERANCE,
        nonmono_near_tolerance=int(((fits["max_drop"] - fits["drop_tolerance"]).between(0, NEAR_TOLERANCE, inclusive="right")
                                    & (fits["status"] == "non-monotone")).sum()),
        bigg_nonmono=int((bigg["status"] == "non-monotone").sum()), bigg_below_chance=int((bigg["mean_score"] < bigg["chance"]).sum()),
        all_inside=int((fits["status"] == "rising, midpoint inside").sum()),
        all_midpoint_above=int((outside["x0"] > outside["log_n_max"]).sum()), all_midpoint_below=int((outside["x0"] < outside["log_n_min"]).sum()),
        all_k=_estimate(k_all), all_rise_decades=rise_decades(k_all[0]),
        noise_ratio_uncentred=_estimate(median_ci(fits["noise_ratio"], ("all ladders", "noise ratio"))),
        noise_ratio_centred=_estimate(median_ci(fits["noise_ratio_centred"], ("all ladders", "noise ratio centred"))),
        mmlu_ratio_min=float(by_regime["MMLU"].min()), mmlu_ratio_max=float(by_regime["MMLU"].max()),
        mmlu_below_one=" and ".join(_short(name) for name in reconciliation.loc[(reconciliation["tasks"] == "MMLU")
                                                                            & (reconciliation["residual_high"] < 1), "ladder"]) or "none",
        rising_other_ratio_min=float(by_regime["rising, not MMLU"].min()), rising_other_ratio_max=float(by_regime["rising, not MMLU"].max()),
        rising_other_n=len(rising_other),
        gof_level=GOF_LEVEL, gof_rejected=int(rejected.sum()), gof_rejected_nonmono=int((rejected & (fits["status"] == "non-monotone")).sum()),
        gof_rejected_items=int(round(fits.loc[rejected, "n_items"].median())), gof_kept_items=int(round(fits.loc[~rejected, "n_items"].median())),
        noise_frac=frac[0], noise_frac_low=frac[1], noise_frac_high=frac[2],
        pythia_mmlu_n=int(rec.loc[(pythia, "MMLU"), "n_tasks"]), pythia_other_n=int(rec.loc[(pythia, "not MMLU"), "n_tasks"]),
        pythia_mmlu_lag=fmt.estimate(*rec.loc[(pythia, "MMLU"), ["lag", "lag_low", "lag_high"]]),
        pythia_mmlu_residual=fmt.estimate(*rec.loc[(pythia, "MMLU"), ["residual", "residual_low", "residual_high"]]),
        pythia_other_lag=fmt.estimate(*rec.loc[(pythia, "not MMLU"), ["lag", "lag_low", "lag_high"]]),
        pythia_other_residual=fmt.estimate(*rec.loc[(pythia, "not MMLU"), ["residual", "residual_low", "residual_high"]]),
        free_rising=int(free["status"].str.startswith("rising").sum()), bigg_rising=int(bigg["status"].str.startswith("rising").sum()),
        free_ceiling=_estimate(median_ci(free.loc[free["status"].str.startswith("rising"), "ceiling"], ("free ceiling", "rising"))),
        free_rising_own_ceiling=int(own_rising.sum()),
        free_ceiling_own=_estimate(median_ci(free.loc[own_rising, "ceiling"], ("free ceiling", "own rising"))),
        hier_rising_min=int(hier_rising.min()), hier_rising_max=int(hier_rising.max()),
        hier_ceiling_min=float(populations["ceiling_median"].min()), hier_ceiling_max=float(populations["ceiling_median"].max()),
        hier_log_k_sd_min=float(populations["log_k_sd"].min()), hier_log_k_sd_max=float(populations["log_k_sd"].max()),
        hier_noise_min=float(populations["noise_scale"].min()), hier_noise_max=float(populations["noise_scale"].max()),
        steep_k=STEEP_K, steep_ratio=rise_ratio(STEEP_K), steep_rising=int(steep.sum()),
        steep_rising_above=int((steep & (fits["x0"] > fits["log_n_max"])).sum()),
        replicates=REPLICATES, fine_low=SPACING_CLASSES[fine_label][0], fine_high=SPACING_CLASSES[fine_label][1],
        palm_low=SPACING_CLASSES[palm_label][0], palm_high=SPACING_CLASSES[palm_label][1],
        palm_ratio_1=PALM_RATIOS[0], palm_ratio_2=PALM_RATIOS[1],
        triples=len(reproduction), inside=int(reproduction["inside"].sum()), inside_expected=0.95 * len(reproduction), n_ladders=len(ladder_list),
        fine_r_mean=float(fine_rep["r"].mean()), fine_sim_mean=float(fine_rep["sim_r"].mean()),
        palm_r_mean=float(palm_rep["r"].mean()), palm_sim_mean=float(palm_rep["sim_r"].mean()),
        palm_r_min=float(palm_rep["r"].min()), palm_r_max=float(palm_rep["r"].max()),
        groups=len(group_means), groups_obs_above_sim=int((group_means["r"] > group_means["sim_r"]).sum()),
        obs_minus_sim=float((reproduction["r"] - reproduction["sim_r"]).mean()),
        obs_share_111_min=float(obs111["share"].min()), obs_share_111_max=float(obs111["share"].max()),
        obs_contrib_111_min=float(obs111["contribution"].min()), obs_contrib_111_max=float(obs111["contribution"].max()),
        obs_share_222_min=float(obs222["share"].min()), obs_share_222_max=float(obs222["share"].max()),
        logit_triples=len(logit), logit_r_mean=float(logit["r"].mean()), logit_sim_mean=float(logit["sim_r"].mean()),
        logit_obs_above_sim=int((logit["r"] > logit["sim_r"]).sum()),
        logit_inside=int(((logit["r"] >= logit["sim_low"]) & (logit["r"] <= logit["sim_high"])).sum()),
        logit_sig_positive=int((logit["ci_low"] > 0).sum()),
        logit_palm_r_mean=float(logit_palm["r"].mean()), logit_palm_triples=len(logit_palm),
        item_check_shift_min=float(item_checks["shift"].min()), item_check_shift_max=float(item_checks["shift"].max()),
        item_check_coverage_min=float(item_checks["coverage"].min()), item_check_coverage_max=float(item_checks["coverage"].max()),
        plateau_task=plateau["task"], plateau_items=plateau["n_items"],
        plateau_counts=" → ".join(f"{c}/{plateau['n_items']}" for c in plateau["counts"]),
        plateau_last=fmt.estimate(plateau["scores"][-1], plateau["low"][-1], plateau["high"][-1]),
    )
    return ChapterResults(
        ladders=ladder_list, fits=fits, summary=fit_summary(fits, ladder_list), grid=grid, limits=limits,
        states=states, reproduction=reproduction, reproduction_summary=reproduction_summary(reproduction),
        observed_states=observed, free_ceiling=free, reconciliation=reconciliation, hierarchical=hierarchical,
        populations=populations, logit_test=logit, item_checks=item_checks, facts=facts,
    )


def _count_range(counts: pd.Series) -> str:
    low, high = int(counts.min()), int(counts.max())
    return str(low) if low == high else f"{low}–{high}"


def display_logit_test(table: pd.DataFrame) -> pd.DataFrame:
    """Per ladder and spacing class: triples, mean observed r of logit-scale gains and the mean
    simulated median, how many observed values lie above the simulated median and inside its range."""
    rows = []
    for (ladder, label), g in table.groupby(["ladder", "class"], sort=False):
        rows.append({
            "Ladder": _short(ladder), "Spacing": label.split(" ")[0], "Triples": len(g), "Tasks per triple": _count_range(g["n"]),
            "Observed r (mean)": round(float(g["r"].mean()), 2), "Simulated r (mean median)": round(float(g["sim_r"].mean()), 2),
            "Observed above simulated": f"{int((g['r'] > g['sim_r']).sum())} of {len(g)}",
            "In the 95% range": f"{int(((g['r'] >= g['sim_low']) & (g['r'] <= g['sim_high'])).sum())} of {len(g)}",
        })
    return pd.DataFrame(rows)


def display_item_checks(table: pd.DataFrame) -> pd.DataFrame:
    from . import fmt

    return pd.DataFrame({
        "Setting": table["scenario"],
        "Median r, shared items": table["item_median"].map(fmt.num),
        "Median r, independent noise (the check)": table["independent_median"].map(fmt.num),
        "Shift": table["shift"].map(lambda v: fmt.num(v, 3, signed=True)),
        "Share inside the check's 95% range": table["coverage"].map(fmt.pct),
    })
