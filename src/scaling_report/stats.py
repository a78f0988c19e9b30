"""The one gain regression, its intervals and one batched task bootstrap.

* `fit`: OLS of gain2 on gain1 (one predictor), vectorised over any leading axes, NaN pairs
  dropped. Every regression of one gain on another in the book (Chapters 1 and 2,
  `scaling-report analyze`, the inverse-scaling fits) goes through it.
* Intervals: `fisher_interval` (Fisher's z, the same interval as scipy's
  `pearsonr(...).confidence_interval()`), `percentile_interval` for draws, and the one Wilson
  interval for proportions (`wilson_interval`, elementwise, through statsmodels; `share_interval`
  for one count).
* One bootstrap: `task_weights` draws how often each task enters a resample, seeded by the
  identity of what is resampled (`seed_for`, a stable hash), never by a position in a list.
  `bootstrap_r` applies the same draws to many fits at once, so fits that share tasks are
  resampled jointly (a task bootstrap across triples and ladders).
* Robust companions of r: permutation p (scipy), Spearman's rho, leave-one-out extremes.
* `binomial_noise`: the noise ceiling of a triple from item counts.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from . import SEED

N_BOOT = 2000
N_PERM = 9999
LEVEL = 0.95
# A fit is degenerate when fewer than this share of its tasks moved at all (a non-zero gain):
# when most tasks are clipped to one value (every score at the floor), the few that moved
# decide r alone, and r = ±1 can come from a single task.
MIN_MOVING_SHARE = 0.5
REGRESSION_COLUMNS = ("n", "slope", "intercept", "r", "r2", "p", "ci_low", "ci_high", "boot_low", "boot_high")
FIT_COLUMNS = ("n", "slope", "intercept", "r", "r2", "p", "ci_low", "ci_high", "max_share", "n_moving", "degenerate")


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------


def seed_for(identity) -> int:
    """A stable 64-bit seed for `identity` (a ladder key, a tuple of keys, a string).

    The hash of `repr(identity)` is the same in every run and on every machine, and does not
    change when the ladder moves in a list or a file.
    """
    digest = hashlib.sha256(f"{SEED}:{identity!r}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def generator(identity) -> np.random.Generator:
    """A numpy Generator seeded by `identity` (see `seed_for`)."""
    return np.random.default_rng(seed_for(identity))


# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------


def fisher_interval(r, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Fisher-z interval for Pearson r, elementwise: tanh(atanh(r) ± z / sqrt(n - 3)); NaN for n <= 3."""
    r = np.asarray(r, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.arctanh(np.clip(r, -0.999999999, 0.999999999))
        half = sps.norm.ppf(0.5 + level / 2) / np.sqrt(n - 3)
        low, high = np.tanh(z - half), np.tanh(z + half)
    bad = (n <= 3) | ~np.isfinite(r)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def fisher_ci(r: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """`fisher_interval` for one r, as floats."""
    low, high = fisher_interval(r, n, level)
    return float(low), float(high)


def percentile_interval(draws, level: float = LEVEL, axis: int | None = None):
    """Percentile interval of bootstrap or simulation draws; non-finite draws are ignored.

    With `axis`, one interval per slice along it (arrays); without, one (low, high) of floats.
    """
    draws = np.asarray(draws, dtype=float)
    tail = (1 - level) / 2
    if axis is not None:
        with np.errstate(invalid="ignore"):
            low, high = np.nanquantile(np.where(np.isfinite(draws), draws, np.nan), [tail, 1 - tail], axis=axis)
        return low, high
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return (np.nan, np.nan)
    return (float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail)))


def wilson_interval(p, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilson score interval for proportions p observed on n items (statsmodels), elementwise.

    centre = (p + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²),
    clipped to [0, 1]. p may be a rounded fraction, so the count p·n need not be whole; a NaN p
    or n gives a NaN interval.
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    # NaN (a missing score) passes through as a NaN interval.
    if np.any(n <= 0):
        raise ValueError(f"item counts must be positive, got {n[n <= 0].ravel()[:5].tolist()}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"proportions must lie in [0, 1], got {p[(p < 0) | (p > 1)].ravel()[:5].tolist()}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    low, high = proportion_confint(p * n, n, alpha=1 - level, method="wilson")
    return np.asarray(low, dtype=float)[()], np.asarray(high, dtype=float)[()]  # [()]: a scalar for scalar input


def share_interval(count: int, total: int, level: float = LEVEL) -> tuple[float, float]:
    """`wilson_interval` of a share count / total, as floats."""
    low, high = wilson_interval(count / total if total else 0.0, total, level)  # total 0 fails the count check
    return float(low), float(high)


def expected_under_null(n_tests: int, level: float = LEVEL, two_sided: bool = True) -> float:
    """How many of `n_tests` fits a (1 - level) test calls significant when no fit has any signal.

    `two_sided=False` counts one direction only (significantly negative, say): half as many.
    """
    return (1 - level) * n_tests * (1.0 if two_sided else 0.5)


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values of a family of tests (statsmodels), in the order given."""
    p_values = np.asarray(p_values, dtype=float)
    return multipletests(p_values, method="holm")[1] if p_values.size else p_values


# --------------------------------------------------------------------------------------------
# The gain fit
# --------------------------------------------------------------------------------------------


def _moments(x: np.ndarray, y: np.ndarray):
    keep = np.isfinite(x) & np.isfinite(y)
    n = keep.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.where(keep, x, 0.0).sum(axis=-1) / n
        my = np.where(keep, y, 0.0).sum(axis=-1) / n
        xc = np.where(keep, x - mx[..., None], 0.0)
        yc = np.where(keep, y - my[..., None], 0.0)
    return keep, n, mx, my, xc, yc


def fit(x, y, level: float = LEVEL) -> dict[str, np.ndarray]:
    """OLS of y on x (one predictor plus intercept) for every row of the leading axes at once.

    x, y: arrays (..., n_tasks); pairs with a NaN are left out of their row. Returns arrays of
    shape (...) under `FIT_COLUMNS`: n, slope, intercept, r, r2 (= r²), p (two-sided t test of
    the slope), the Fisher interval of r, `max_share` (the largest share of either gain's sum
    of squares that one task carries), `n_moving` (tasks with a non-zero gain) and `degenerate`
    (n_moving < MIN_MOVING_SHARE * n). Rows with fewer than three pairs or a constant gain give
    NaN.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    keep, n, mx, my, xc, yc = _moments(x, y)
    sxx, syy, sxy = (xc * xc).sum(axis=-1), (yc * yc).sum(axis=-1), (xc * yc).sum(axis=-1)
    # A constant gain leaves only rounding error in its centred values.
    scale_x = np.where(keep, x * x, 0.0).sum(axis=-1)
    scale_y = np.where(keep, y * y, 0.0).sum(axis=-1)
    ok = (n >= 3) & (sxx > 1e-20 * np.maximum(scale_x, 1e-300)) & (syy > 1e-20 * np.maximum(scale_y, 1e-300))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
        slope = sxy / sxx
        df = n - 2
        t = np.abs(r) * np.sqrt(df / (1 - r * r))
        p = np.where(np.abs(r) >= 1, 0.0, 2 * sps.t.sf(t, df))
        share = np.maximum((xc * xc).max(axis=-1, initial=0.0) / sxx, (yc * yc).max(axis=-1, initial=0.0) / syy)
    low, high = fisher_interval(r, n, level)
    nan = np.nan
    out = {
        "n": n.astype(int),
        "slope": np.where(ok, slope, nan),
        "intercept": np.where(ok, my - slope * mx, nan),
        "r": np.where(ok, r, nan),
        "r2": np.where(ok, r * r, nan),
        "p": np.where(ok, p, nan),
        "ci_low": np.where(ok, low, nan),
        "ci_high": np.where(ok, high, nan),
        "max_share": np.where(ok, share, nan),
    }
    moving = keep & ((np.abs(np.where(keep, x, 0.0)) > 1e-12) | (np.abs(np.where(keep, y, 0.0)) > 1e-12))
    out["n_moving"] = moving.sum(axis=-1).astype(int)
    out["degenerate"] = ok & (out["n_moving"] < MIN_MOVING_SHARE * n)
    return out


def fit_one(x, y, level: float = LEVEL) -> dict:
    """`fit` for one pair of gain vectors, as a dict of Python scalars."""
    result = fit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), level)
    return {key: np.asarray(value).item() for key, value in result.items()}


# --------------------------------------------------------------------------------------------
# One batched bootstrap over tasks
# --------------------------------------------------------------------------------------------


def task_indices(n_tasks: int, n_boot: int, identity) -> np.ndarray:
    """(n_boot, n_tasks) task indices drawn with replacement, seeded by `identity`: the one draw."""
    return generator(identity).integers(0, n_tasks, size=(n_boot, n_tasks))


def task_weights(n_tasks: int, n_boot: int, identity) -> np.ndarray:
    """(n_boot, n_tasks) counts: how often each task enters each resample (`task_indices`)."""
    index = task_indices(n_tasks, n_boot, identity)
    flat = (index + n_tasks * np.arange(n_boot)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n_tasks).reshape(n_boot, n_tasks).astype(float)


def weighted_r(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pearson r of each row of x, y (m, n) under each weight row (B, n): an (m, B) array.

    NaN entries of x or y are left out of their row. With integer weights this is r on the
    resampled tasks.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
    keep = (np.isfinite(x) & np.isfinite(y)).astype(float)
    xz, yz = np.where(keep > 0, x, 0.0), np.where(keep > 0, y, 0.0)
    # Centre each row first so that the weighted sums below lose no precision.
    with np.errstate(invalid="ignore", divide="ignore"):
        xz = (xz - (xz.sum(axis=1) / keep.sum(axis=1))[:, None]) * keep
        yz = (yz - (yz.sum(axis=1) / keep.sum(axis=1))[:, None]) * keep
        n = keep @ weights.T
        sx, sy = xz @ weights.T, yz @ weights.T
        sxx, syy, sxy = (xz * xz) @ weights.T, (yz * yz) @ weights.T, (xz * yz) @ weights.T
        cxx, cyy, cxy = sxx - sx * sx / n, syy - sy * sy / n, sxy - sx * sy / n
        r = cxy / np.sqrt(cxx * cyy)
    tiny = 1e-12 * np.maximum(sxx, 1e-300)
    return np.where((n >= 3) & (cxx > tiny) & (cyy > 1e-12 * np.maximum(syy, 1e-300)), np.clip(r, -1, 1), np.nan)


def bootstrap_r(x, y, identity, n_boot: int = N_BOOT, level: float = LEVEL) -> tuple[float, float]:
    """Percentile bootstrap interval for r of one fit, resampling tasks (pairs), seeded by
    `identity` (what is resampled: a ladder and triple, say)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 4 or n_boot <= 0:
        return (np.nan, np.nan)
    draws = weighted_r(x, y, task_weights(n, n_boot, identity))[0]
    if np.isfinite(draws).sum() < n_boot / 2:
        return (np.nan, np.nan)
    return percentile_interval(draws, level)


def joint_draws(x: np.ndarray, y: np.ndarray, n_boot: int, identity) -> np.ndarray:
    """Bootstrap draws of r for m fits that share a universe of tasks: (m, n_boot).

    x, y: (m, n_tasks) over the same task columns, NaN where a fit does not use a task. Each
    draw resamples the task columns once, for every fit together, so fits that share tasks
    (adjacent triples, the same tasks in two ladders) move together as they would in a new
    sample of tasks.
    """
    return weighted_r(x, y, task_weights(np.asarray(x).shape[1], n_boot, identity))


def finite_mean(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Mean of the finite entries along `axis`; NaN where there are none (no warning)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    count = finite.sum(axis=axis)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def effective_number(draws: np.ndarray) -> float:
    """Effective number of independent estimates among m correlated ones: m² / Σ_ij corr_ij.

    `draws`: (m, B) bootstrap draws. m estimates with average pairwise correlation ρ count as
    m / (1 + (m - 1) ρ) independent ones for the variance of their mean.
    """
    draws = np.asarray(draws, dtype=float)
    draws = draws[:, np.isfinite(draws).all(axis=0)]
    m = draws.shape[0]
    if m == 1:
        return 1.0
    corr = np.corrcoef(draws)
    return float(m * m / np.nansum(corr))


def bootstrap(values, statistic, n_boot: int = N_BOOT, level: float = LEVEL, *, identity) -> tuple[float, float, float]:
    """A statistic (`np.mean`, `np.median`, ...) of `values` with a percentile bootstrap interval
    seeded by `identity` (what is resampled).

    Returns (estimate, low, high); `statistic` must accept `axis=1`.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (np.nan, np.nan, np.nan)
    index = task_indices(values.size, n_boot, identity)
    low, high = percentile_interval(statistic(values[index], axis=1), level)
    return (float(statistic(values)), low, high)


# --------------------------------------------------------------------------------------------
# Robust companions of r
# --------------------------------------------------------------------------------------------


def permutation_p(x, y, n_perm: int = N_PERM, identity=None) -> float:
    """Two-sided permutation p-value of Pearson r: the share of pairings with |r| at least the observed.

    scipy.stats.permutation_test on |r| with alternative='greater' (its own 'two-sided' doubles
    the smaller tail instead); exact when n! <= n_perm.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)

    def statistic(a, axis=-1):
        return np.abs(fit(np.broadcast_to(x, a.shape), a)["r"])

    result = sps.permutation_test(
        (y,), statistic, permutation_type="pairings", n_resamples=n_perm, vectorized=True, alternative="greater", rng=generator(("permutation", identity))
    )
    return float(result.pvalue)


def leave_one_out_r(x, y) -> np.ndarray:
    """r of the fit with each task left out in turn (the same `fit`, with one task masked)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = np.eye(len(x), dtype=bool)
    return fit(np.where(mask, np.nan, x), np.where(mask, np.nan, y))["r"]


def robust(x, y, n_perm: int = N_PERM, identity=None) -> dict:
    """Permutation p, Spearman's rho and the leave-one-out range of r for one fit."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    loo = leave_one_out_r(x, y)
    return {
        "perm_p": permutation_p(x, y, n_perm, identity),
        "spearman": float(sps.spearmanr(x, y).statistic),
        "loo_min": float(np.nanmin(loo)),
        "loo_max": float(np.nanmax(loo)),
    }


# --------------------------------------------------------------------------------------------
# Noise ceiling from item counts
# --------------------------------------------------------------------------------------------


def binomial_noise(f1, f2, f3, n_items, r_observed: float | None = None) -> dict:
    """What item-sampling noise alone does to the correlation of successive gains.

    f1, f2, f3: scores (fractions) of the tasks at three sizes; n_items: items per task. Each
    score carries binomial variance p(1 - p)/n. Averaged over tasks, gain1 = f2 - f1 carries
    noise variance N1 = v1 + v2 and gain2 = f3 - f2 carries N2 = v2 + v3; they share -v2 (the
    middle score enters both with opposite signs). Against the observed variances V1, V2 of the
    gains across tasks:

    * `noise_share1`, `noise_share2`: N1 / V1, N2 / V2, the share of each gain's spread that
      is noise;
    * `r_noise`: -v2 / sqrt(max(V1, N1) max(V2, N2)), the r that noise contributes when the
      true gains are uncorrelated (its square `r2_noise` is the R² noise alone can produce;
      where naive noise exceeds the observed spread, the gains are taken to be all noise);
    * `r_corrected`: (r + v2 / sqrt(V1 V2)) / sqrt((1 - N1/V1)(1 - N2/V2)), the correlation of
      the true gains, and `pull` = r_corrected - r, how far noise pulled r down (with
      `r_observed`; NaN when noise leaves no true variance or the corrected r is outside
      [-1, 1]); `max_pull`: the pull at a true r of 1, the most noise can take away.

    The binomial variance treats every size's errors as independent draws of items; the same
    items at every size make the real gain noise smaller, so these are upper bounds on noise.
    """
    f1, f2, f3, n_items = (np.asarray(a, dtype=float) for a in (f1, f2, f3, n_items))
    keep = np.isfinite(f1) & np.isfinite(f2) & np.isfinite(f3) & np.isfinite(n_items) & (n_items > 0)
    f1, f2, f3, n_items = f1[keep], f2[keep], f3[keep], n_items[keep]
    v1, v2, v3 = (np.mean(f * (1 - f) / n_items) for f in (f1, f2, f3))
    var1, var2 = np.var(f2 - f1, ddof=1), np.var(f3 - f2, ddof=1)
    share1, share2 = (v1 + v2) / var1, (v2 + v3) / var2
    shared = v2 / np.sqrt(var1 * var2)
    alone = v2 / np.sqrt(max(var1, v1 + v2) * max(var2, v2 + v3))
    room = np.sqrt(max(1 - share1, 0.0) * max(1 - share2, 0.0))
    out = {
        "n": int(keep.sum()),
        "noise_share1": float(share1),
        "noise_share2": float(share2),
        "r_noise": float(-alone),
        "r2_noise": float(alone**2),
        "max_pull": float(min(1 - (room - shared), 2.0)),
    }
    if r_observed is not None:
        unbounded = (r_observed + shared) / room if room > 0 else np.nan
        corrected = unbounded if abs(unbounded) <= 1 else np.nan
        out["r_corrected"] = float(corrected)
        out["r_corrected_unbounded"] = float(unbounded)  # outside [-1, 1] when the noise estimate overshoots
        out["pull"] = float(corrected - r_observed)
    return out


# --------------------------------------------------------------------------------------------
# The older one-call interface
# --------------------------------------------------------------------------------------------


def pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Correlation of each row of x with the same row of y (vectorised over rows); `fit`'s r."""
    return fit(x, y)["r"]


def regress(frame: pd.DataFrame, formula: str = "gain2 ~ gain1", n_boot: int = N_BOOT, identity="regress") -> dict:
    """`fit` of one predictor on a frame, plus a bootstrap interval seeded by `identity`: a tidy dict.

    Keys: `REGRESSION_COLUMNS` plus max_share and degenerate. `formula` names the response and
    the single predictor ("gain2 ~ gain1").
    """
    response, predictor = (side.strip() for side in formula.split("~"))
    if "+" in predictor:
        raise ValueError("regress takes one predictor; use statsmodels directly for more")
    x = frame[predictor].to_numpy(dtype=float)
    y = frame[response].to_numpy(dtype=float)
    result = fit_one(x, y)
    if np.isfinite(result["r"]) and n_boot > 0:
        result["boot_low"], result["boot_high"] = bootstrap_r(x, y, identity, n_boot)
    else:
        result["boot_low"], result["boot_high"] = np.nan, np.nan
    return result
