"""Batched sigmoid fits: many tasks and many forecast origins of one ladder at once.

The model and the bounds are those of `scaling_report.sigmoid` (the per-task reference fitter,
`sigmoid.fit_sigmoid`, is the oracle the tests compare against):

    score(N) = c + (h - c) * logistic(k * (ln N - x0)),   0 <= k <= K_MAX,
    x0 within X0_MARGIN of the fitted sizes, the ceiling h fixed (1 by default).

All tasks of a ladder share its sizes, so every prefix of the ladder (the first j sizes, the data
a forecast from origin j may see) is fitted in one pass:

1. Grid start. On a grid of (k, x0) the curve's progress S[g, i] = logistic(k_g (x_i - x0_g))
   depends only on the sizes, and a task's residual sum of squares over the first j sizes is
   a^2 sum_i S^2 - 2 a sum_i S z + sum_i z^2 (z = score - c, a = h - c): one matrix product per
   prefix gives every task's SSE at every grid point.
2. Refinement. A batched, bounded Levenberg-Marquardt on (k, x0) from the best grid point, with
   the analytic Jacobian; a step is accepted only when it lowers the SSE, so a fit is never
   worse than its grid start.
3. Degenerate fits. A fit has no identified rise when k or x0 ends on a bound, or when the
   fitted curve has not yet risen STATE_LOW (10%) of the way from chance to ceiling at the
   largest size fitted: the data then show only the foot of the curve, and any steep enough
   curve through it fits. A task at its floor whose last score ticks up (0, 0, 0.0085) is
   fitted exactly by a step just past the last size, which forecasts the ceiling.
   `degenerate` flags these fits, so that a forecaster can refuse to extrapolate them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .sigmoid import K_MAX, STATE_LOW, X0_MARGIN, _K_GRID

X0_GRID_STEP = 0.2 * np.log(10.0)  # grid spacing of the midpoint: a fifth of a decade
K_GRID = _K_GRID[::2]  # every other slope of the reference fitter's grid (the refinement does the rest)
MAX_ITER = 60
TASK_CHUNK = 2048
STACK_LIMIT = 200_000  # (task, prefix) problems x sizes up to which all prefixes are refined together  # tasks per grid block (bounds the grid's memory to ~ grid size x chunk floats)
_BOUND_TOL = 1e-6


@dataclass(frozen=True)
class PrefixFits:
    """Sigmoid fits of every task to every prefix of a ladder: arrays indexed [task, j].

    j is the number of sizes fitted (the first j); entries are NaN (False for the flags) where
    the prefix was not fitted. `converged`: the refinement's relative change in SSE fell below
    its tolerance before MAX_ITER. `at_bound`: k or x0 on a bound. `degenerate`: on a bound, or
    less than STATE_LOW of the rise reached at the largest size fitted (see the module docstring).
    """

    log_sizes: np.ndarray  # (K,) natural log of the ladder's sizes
    chance: np.ndarray  # (T,)
    ceiling: np.ndarray  # (T,)
    k: np.ndarray  # (T, K + 1)
    x0: np.ndarray
    sse: np.ndarray
    converged: np.ndarray
    at_bound: np.ndarray
    degenerate: np.ndarray

    @property
    def fitted(self) -> np.ndarray:
        return np.isfinite(self.k)

    def curve(self, j: int, log_n=None) -> np.ndarray:
        """(T, M) fitted curves of prefix j at `log_n` (the ladder's sizes by default)."""
        x = self.log_sizes if log_n is None else np.asarray(log_n, dtype=float)
        return self.chance[:, None] + (self.ceiling - self.chance)[:, None] * expit(
            self.k[:, j, None] * (x[None, :] - self.x0[:, j, None])
        )


def _x0_bounds(log_sizes: np.ndarray, j: int) -> tuple[float, float]:
    return float(log_sizes[0] - X0_MARGIN), float(log_sizes[j - 1] + X0_MARGIN)


def _grid_start(x: np.ndarray, z: np.ndarray, a: np.ndarray, j: int, rows: np.ndarray):
    """Best grid (k, x0) for tasks `rows` on the first j sizes.

    A task's SSE at grid point g is a^2 sum_i S_gi^2 - 2 a sum_i S_gi z_i + const; with a > 0
    its argmin is that of a sum_i S_gi^2 - 2 sum_i S_gi z_i (one matrix product per block)."""
    lo, hi = _x0_bounds(x, j)
    x0_grid = np.arange(lo, hi + 1e-9, X0_GRID_STEP)
    kk, xx = np.meshgrid(K_GRID, x0_grid, indexing="ij")
    kk, xx = kk.ravel(), xx.ravel()
    S = expit(kk[:, None] * (x[None, :j] - xx[:, None]))  # (G, j)
    S2 = (S * S).sum(axis=1)  # (G,)
    best = np.empty(rows.size, dtype=int)
    for start in range(0, rows.size, TASK_CHUNK):
        part = rows[start:start + TASK_CHUNK]
        score = z[part, :j] @ S.T  # (n, G), contiguous along the grid
        score *= -2.0
        score += a[part, None] * S2[None, :]
        best[start:start + part.size] = np.argmin(score, axis=1)
    return kk[best], xx[best]


def _progress_and_sse(x, y, c, a, k, x0, w=None):
    """Progress logistic(k (x - x0)) per row and point, and each row's SSE; x (M,) shared,
    w (P, M) optional 0/1 weights of the points each row fits."""
    s = expit(k[:, None] * (x[None, :] - x0[:, None]))
    r = c[:, None] + a[:, None] * s - y
    if w is not None:
        r = r * w
    return s, np.einsum("ij,ij->i", r, r)


def _sse(x, y, c, a, k, x0):
    return _progress_and_sse(x, y, c, a, k, x0)[1]


def _refine(x, y, c, a, k, x0, x0_lo, x0_hi, w=None, max_iter=MAX_ITER, tol=1e-9):
    """Batched bounded Levenberg-Marquardt on (k, x0); x (M,) shared by the rows of y (P, M),
    w (P, M) optional 0/1 weights of the points each row fits.

    Each row's progress values are kept from its last accepted point, so an iteration costs one
    evaluation of the curve (at the trial point)."""
    k, x0 = k.copy(), x0.copy()
    w = np.ones_like(y) if w is None else w
    s, sse = _progress_and_sse(x, y, c, a, k, x0, w)
    lam = np.full(k.size, 1e-3)
    converged = np.zeros(k.size, dtype=bool)
    active = np.arange(k.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ya, ca, aa, sa, wa = y[active], c[active], a[active], s[active], w[active]
        ka, x0a = k[active], x0[active]
        d = x[None, :] - x0a[:, None]
        r = (ca[:, None] + aa[:, None] * sa - ya) * wa
        ds = aa[:, None] * sa * (1 - sa) * wa
        jk, jx = ds * d, -ds * ka[:, None]
        hkk, hkx, hxx = np.einsum("ij,ij->i", jk, jk), np.einsum("ij,ij->i", jk, jx), np.einsum("ij,ij->i", jx, jx)
        gk, gx = np.einsum("ij,ij->i", jk, r), np.einsum("ij,ij->i", jx, r)
        la = lam[active]
        dkk, dxx = hkk * (1 + la) + 1e-12, hxx * (1 + la) + 1e-12
        det = dkk * dxx - hkx * hkx
        k_new = np.clip(ka - (dxx * gk - hkx * gx) / det, 0.0, K_MAX)
        x0_new = np.clip(x0a - (dkk * gx - hkx * gk) / det, x0_lo[active], x0_hi[active])
        s_new, sse_new = _progress_and_sse(x, ya, ca, aa, k_new, x0_new, wa)
        sse_old = sse[active]
        better = sse_new < sse_old
        idx = active[better]
        k[idx], x0[idx], sse[idx], s[idx] = k_new[better], x0_new[better], sse_new[better], s_new[better]
        lam[active] = np.where(better, np.maximum(la / 3, 1e-9), np.minimum(la * 4, 1e9))
        gain = np.where(better, sse_old - sse_new, 0.0)
        done = (better & (gain <= tol * (sse_old + 1e-12))) | (lam[active] >= 1e9)
        converged[active[done]] = True
        active = active[~done]
    return k, x0, sse, converged


def _degenerate(x: np.ndarray, js: np.ndarray, k: np.ndarray, x0: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """On a bound, or the curve less than STATE_LOW of the way up at the largest size fitted."""
    return bound | (expit(k * (x[js - 1] - x0)) < STATE_LOW)


def fit_prefixes(n_params, scores, chance, ceiling=1.0, prefixes=None) -> PrefixFits:
    """Fit every task (rows of `scores`, (T, K)) to every prefix length in `prefixes`.

    n_params: (K,) ascending sizes shared by all tasks; chance: (T,) floors (NaN rows are not
    fitted); ceiling: a number or (T,) array, above chance. A task is fitted to prefix j only if
    its first j scores are all present. `prefixes` defaults to every j from 3 to K.
    """
    sizes = np.asarray(n_params, dtype=float)
    Y = np.atleast_2d(np.asarray(scores, dtype=float))
    T, K = Y.shape
    if sizes.shape != (K,):
        raise ValueError(f"n_params has {sizes.size} sizes but scores have {K} columns")
    if np.any(np.diff(sizes) <= 0):
        raise ValueError("n_params must be strictly increasing")
    c = np.asarray(chance, dtype=float) * np.ones(T)
    h = np.asarray(ceiling, dtype=float) * np.ones(T)
    fittable = np.isfinite(c) & np.isfinite(h)
    if np.any(fittable & ~(c < h)):
        raise ValueError("every task's ceiling must exceed its chance level")
    prefixes = range(3, K + 1) if prefixes is None else prefixes
    prefixes = sorted(set(int(j) for j in prefixes))
    if prefixes and (prefixes[0] < 2 or prefixes[-1] > K):
        raise ValueError(f"prefix lengths must lie in 2..{K}")
    x = np.log(sizes)
    shape = (T, K + 1)
    out_k, out_x0, out_sse = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    out_conv, out_bound = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    observed = np.isfinite(Y)
    z = np.where(observed, Y - np.where(fittable, c, 0.0)[:, None], 0.0)
    a = np.where(fittable, h - c, 1.0)
    if not prefixes:
        return PrefixFits(x, c, h, out_k, out_x0, out_sse, out_conv, out_bound, out_bound.copy())
    out_degenerate = np.zeros(shape, dtype=bool)
    starts = []
    for j in prefixes:
        rows = np.flatnonzero(fittable & observed[:, :j].all(axis=1))
        if rows.size:
            starts.append((j, rows, *_grid_start(x, z, a, j, rows)))
    # Small ladders: one refinement over every (task, prefix), the points beyond a prefix weighted 0
    # (fewer, larger array operations). Large ones: one refinement per prefix on its own columns.
    stacked = sum(r.size for _, r, _, _ in starts) * K <= STACK_LIMIT
    groups = [starts] if stacked else [[s] for s in starts]
    for group in groups:
        if not group:
            continue
        js = np.concatenate([np.full(r.size, j) for j, r, _, _ in group])
        rows = np.concatenate([r for _, r, _, _ in group])
        k0 = np.concatenate([g[2] for g in group])
        x00 = np.concatenate([g[3] for g in group])
        width = int(js.max())
        w = (np.arange(width)[None, :] < js[:, None]).astype(float)
        yp = np.where(w > 0, np.nan_to_num(Y[rows, :width]), 0.0)
        x0_lo = x[0] - X0_MARGIN + np.zeros(rows.size)
        x0_hi = x[js - 1] + X0_MARGIN
        k, x0, sse, conv = _refine(x[:width], yp, c[rows], a[rows], k0, x00, x0_lo, x0_hi, w)
        span = x0_hi - x0_lo
        bound = (k >= K_MAX * (1 - _BOUND_TOL)) | (k <= 1e-9) | (x0 <= x0_lo + _BOUND_TOL * span) | (x0 >= x0_hi - _BOUND_TOL * span)
        out_k[rows, js], out_x0[rows, js], out_sse[rows, js] = k, x0, sse
        out_conv[rows, js], out_bound[rows, js] = conv, bound
        out_degenerate[rows, js] = _degenerate(x, js, k, x0, bound)
    return PrefixFits(x, c, h, out_k, out_x0, out_sse, out_conv, out_bound, out_degenerate)


# ---------------------------------------------------------------------------------------------
# Pooled fits: one shared slope per prefix, task midpoints shrunk toward their mean

SHRINKAGE = 0.1  # prior precision of the midpoints, as in `sigmoid.fit_pooled`


def _pooled_objective(x, y, c, a, k, mu, x0, sigma, shrinkage):
    s, sse = _progress_and_sse(x, y, c, a, np.full(x0.size, k), x0)
    return s, float(sse.sum() / sigma**2 + shrinkage * ((x0 - mu) ** 2).sum())


def _refine_pooled(x, y, c, a, k, mu, x0, lo, hi, sigma, shrinkage, max_iter=MAX_ITER, tol=1e-7):
    """Levenberg-Marquardt on (k, mu, x0_1..x0_T): the normal equations are an arrow matrix
    (the x0 block is diagonal), solved exactly through the 2 x 2 Schur complement on (k, mu).
    The gradient and Hessian are recomputed only after an accepted step."""
    T = x0.size
    s, obj = _pooled_objective(x, y, c, a, k, mu, x0, sigma, shrinkage)
    lam, converged, stale = 1e-3, False, True
    for _ in range(max_iter):
        if stale:
            d = x[None, :] - x0[:, None]
            r = (c[:, None] + a[:, None] * s - y) / sigma
            ds = a[:, None] * s * (1 - s) / sigma
            jk, jx = ds * d, -ds * k
            h_kk = float(np.einsum("ij,ij->", jk, jk))
            h_kx = np.einsum("ij,ij->i", jk, jx)  # (T,)
            h_xx = np.einsum("ij,ij->i", jx, jx) + shrinkage
            g_k = float(np.einsum("ij,ij->", jk, r))
            g_x = np.einsum("ij,ij->i", jx, r) + shrinkage * (x0 - mu)
            g_m = -shrinkage * float((x0 - mu).sum())
            stale = False
        D = h_xx * (1 + lam) + 1e-12
        # Schur complement on (k, mu): the coupling of x0_t is (h_kx_t, -shrinkage).
        a11 = h_kk * (1 + lam) + 1e-12 - float((h_kx * h_kx / D).sum())
        a12 = shrinkage * float((h_kx / D).sum())
        a22 = T * shrinkage * (1 + lam) + 1e-12 - shrinkage * shrinkage * float((1 / D).sum())
        r1 = -g_k + float((h_kx * g_x / D).sum())
        r2 = -g_m - shrinkage * float((g_x / D).sum())
        det = a11 * a22 - a12 * a12
        dk = (a22 * r1 - a12 * r2) / det
        dm = (a11 * r2 - a12 * r1) / det
        dx = -(g_x + h_kx * dk - shrinkage * dm) / D
        k_new = float(np.clip(k + dk, 0.0, K_MAX))
        mu_new = float(np.clip(mu + dm, lo, hi))
        x0_new = np.clip(x0 + dx, lo, hi)
        s_new, obj_new = _pooled_objective(x, y, c, a, k_new, mu_new, x0_new, sigma, shrinkage)
        if obj_new < obj:
            gain = obj - obj_new
            k, mu, x0, obj, s, stale = k_new, mu_new, x0_new, obj_new, s_new, True
            lam = max(lam / 3, 1e-9)
            if gain <= tol * (obj + 1e-12):
                converged = True
                break
        else:
            lam *= 4
            if lam >= 1e9:
                converged = True
                break
    return k, mu, x0, converged


def fit_pooled_prefixes(n_params, scores, chance, separate: PrefixFits, ceiling=1.0, shrinkage: float = SHRINKAGE,
                        prefixes=None) -> PrefixFits:
    """The pooled fit of `sigmoid.fit_pooled` for every prefix of a ladder, from the separate fits.

    For each prefix j, all tasks complete over the first j sizes are fitted jointly:

        minimise  sum_t SSE_t(k, x0_t) / s^2  +  shrinkage * sum_t (x0_t - mu)^2,

    with s^2 the pooled residual variance of the separate fits (floored at 1e-4), the start at
    the median separate slope of tasks whose midpoint lies inside their sizes, and each midpoint
    started from a grid search at that slope. Every task's row carries the shared k.
    """
    if shrinkage < 0:
        raise ValueError("shrinkage must be non-negative")
    sizes = np.asarray(n_params, dtype=float)
    Y = np.atleast_2d(np.asarray(scores, dtype=float))
    T, K = Y.shape
    x = np.log(sizes)
    c = np.asarray(chance, dtype=float) * np.ones(T)
    h = np.asarray(ceiling, dtype=float) * np.ones(T)
    shape = (T, K + 1)
    out_k, out_x0, out_sse = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    out_conv, out_bound = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    out_degenerate = np.zeros(shape, dtype=bool)
    prefixes = range(3, K + 1) if prefixes is None else prefixes
    for j in sorted(set(int(p) for p in prefixes)):
        rows = np.flatnonzero(separate.fitted[:, j])
        if rows.size == 0:
            continue
        xj = x[:j]
        yj, cj, aj = Y[rows, :j], c[rows], h[rows] - c[rows]
        total_n = rows.size * j
        s2 = max(float(separate.sse[rows, j].sum()) / max(total_n - 2 * rows.size, 1), 1e-4)
        ks, x0s = separate.k[rows, j], separate.x0[rows, j]
        inside = (x0s >= xj[0]) & (x0s <= xj[-1]) & (ks > 0)
        k0 = float(np.clip(np.median(ks[inside] if inside.any() else ks), 0.1, K_MAX))
        lo, hi = float(xj[0] - X0_MARGIN), float(xj[-1] + X0_MARGIN)
        grid = np.linspace(lo, hi, 244)
        S = expit(k0 * (xj[None, :] - grid[:, None]))  # (G, j)
        sse = (aj * aj)[None, :] * (S * S).sum(axis=1)[:, None] - 2 * aj[None, :] * (S @ (yj - cj[:, None]).T)
        x0_start = grid[np.argmin(sse, axis=0)]
        k, mu, x0, conv = _refine_pooled(xj, yj, cj, aj, k0, float(x0_start.mean()), x0_start, lo, hi,
                                         np.sqrt(s2), shrinkage)
        span = hi - lo
        k_bound = k >= K_MAX * (1 - _BOUND_TOL) or k <= 1e-9
        bound = k_bound | (x0 <= lo + _BOUND_TOL * span) | (x0 >= hi - _BOUND_TOL * span)
        out_k[rows, j], out_x0[rows, j] = k, x0
        out_sse[rows, j] = _sse(xj, yj, cj, aj, np.full(rows.size, k), x0)
        out_conv[rows, j], out_bound[rows, j] = conv, bound
        out_degenerate[rows, j] = _degenerate(x, np.full(rows.size, j), np.full(rows.size, k), x0, bound)
    return PrefixFits(x, c, h, out_k, out_x0, out_sse, out_conv, out_bound, out_degenerate)
