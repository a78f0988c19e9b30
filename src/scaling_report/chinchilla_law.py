"""How much data can parameters buy? The Chinchilla loss law and the data saving of larger models.

The fitted loss L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022, Approach 3), with
training compute C = 6 N D. Minimising L at fixed C gives the first-order condition

    alpha A / N^alpha = beta B / D^beta,

so the reducible loss at the optimum is (1 + beta / alpha) B / D*^beta. A model of unlimited size
(A / N^alpha -> 0) reaches the same loss with D_inf where B / D_inf^beta = (1 + beta / alpha) B / D*^beta:

    D* / D_inf = (1 + beta / alpha)^(1 / beta),

the same at every budget. At a finite size N = k N*, the data needed for the same loss is
D(k) = D* [(1 + r) - r k^(-alpha)]^(-1/beta) with r = beta / alpha, again a function of k alone.

Everything here is closed form except `numeric_optimum` and `numeric_saving`, which minimise the
loss and solve for D_inf with scipy and never use the first-order condition: they check the algebra.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import optimize

from . import fmt, stats
from .ladders import size_label

FLOPS_PER_PARAM_TOKEN = 6.0
TOKENS_PER_PARAM = 20.0  # the common rule of thumb for a compute-optimal run
CHINCHILLA_N = 70e9  # Chinchilla's parameters and training tokens (Hoffmann et al. 2022)
CHINCHILLA_D = 1.4e12
LOG10_C_GRID = np.round(np.arange(18.0, 27.0 + 1e-9, 0.5), 2)
K_GRID = np.round(np.geomspace(1, 1000, 16), 4)


@dataclass(frozen=True)
class LossFit:
    """A fitted Chinchilla loss law L(N, D) = E + A / N^alpha + B / D^beta."""

    name: str
    key: str  # BibTeX key of the source
    E: float
    A: float
    B: float
    alpha: float
    beta: float

    def __post_init__(self):
        for field in ("A", "B", "alpha", "beta"):
            if not getattr(self, field) > 0:
                raise ValueError(f"{field} must be positive, got {getattr(self, field)}")

    def loss(self, n_params, n_tokens):
        """Predicted loss at N parameters and D tokens (N or D may be inf)."""
        n = np.asarray(n_params, dtype=float)
        d = np.asarray(n_tokens, dtype=float)
        if np.any(n <= 0) or np.any(d <= 0):
            raise ValueError("N and D must be positive")
        return self.E + self.A / n**self.alpha + self.B / d**self.beta

    @property
    def ratio(self) -> float:
        """r = beta / alpha."""
        return self.beta / self.alpha


HOFFMANN = LossFit("Hoffmann et al. 2022", "hoffmann2022chinchilla", 1.69, 406.4, 410.7, 0.34, 0.28)
BESIROGLU = LossFit("Besiroglu et al. 2024", "besiroglu2024chinchilla", 1.8172, 482.01, 2085.43, 0.3478, 0.3658)
FITS: tuple[LossFit, ...] = (HOFFMANN, BESIROGLU)
# Standard errors of the exponents as Besiroglu et al. (2024, Table 1) report them (bootstrap over
# their reconstructed data points). They publish no correlation between the two, so the factor's
# interval is shown over a range of correlations. Hoffmann et al. publish none for Approach 3.
BESIROGLU_EXPONENT_SE = (0.02, 0.02)
CORRELATIONS = (-0.9, -0.5, 0.0, 0.5, 0.9)
INTERVAL_LEVEL = 0.95
N_DRAWS = 400_000


def _budget(compute) -> np.ndarray:
    c = np.asarray(compute, dtype=float)
    if np.any(~np.isfinite(c)) or np.any(c <= 0):
        raise ValueError("compute must be positive and finite")
    return c


def optimal_allocation(fit: LossFit, compute) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal (N*, D*) at C = 6 N D, from alpha A / N^alpha = beta B / D^beta."""
    c = _budget(compute) / FLOPS_PER_PARAM_TOKEN  # = N D
    a, b = fit.alpha, fit.beta
    g = (a * fit.A / (b * fit.B)) ** (1 / (a + b))
    n = g * c ** (b / (a + b))
    return n, c / n


def saving_factor(fit: LossFit) -> float:
    """D* / D_inf = (1 + beta / alpha)^(1 / beta): the data an unlimited model saves."""
    return (1 + fit.ratio) ** (1 / fit.beta)


def data_for_loss(fit: LossFit, target_loss, n_params=np.inf) -> np.ndarray:
    """Tokens needed to reach `target_loss` with N parameters (inf where it cannot be reached)."""
    n = np.asarray(n_params, dtype=float)
    room = np.asarray(target_loss, dtype=float) - fit.E - np.where(np.isinf(n), 0.0, fit.A / np.where(np.isinf(n), 1.0, n) ** fit.alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(room > 0, (fit.B / room) ** (1 / fit.beta), np.inf)


def saving_factor_of(alpha, beta) -> np.ndarray:
    """(1 + beta / alpha)^(1 / beta) for arrays of exponents (the factor depends on nothing else)."""
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    return (1 + beta / alpha) ** (1 / beta)


def factor_interval(
    fit: LossFit,
    exponent_se: tuple[float, float] = BESIROGLU_EXPONENT_SE,
    rho: float = 0.0,
    level: float = INTERVAL_LEVEL,
    n_draws: int = N_DRAWS,
) -> tuple[float, float, float]:
    """The saving factor with an interval from normal sampling error of (alpha, beta).

    (alpha, beta) are drawn from a bivariate normal around the fit with the given standard errors
    and correlation `rho`; the interval is the central `level` range of the factor over the draws.
    The standard normal draws are the same for every `rho` (seeded by the fit's key), so intervals
    at different correlations differ only through `rho`.
    """
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho}")
    se_alpha, se_beta = (float(v) for v in exponent_se)
    if not (se_alpha > 0 and se_beta > 0):
        raise ValueError("standard errors must be positive")
    normals = stats.generator(("exponent errors", fit.key)).standard_normal((2, n_draws))
    alpha = fit.alpha + se_alpha * normals[0]
    beta = fit.beta + se_beta * (rho * normals[0] + np.sqrt(1 - rho**2) * normals[1])
    ok = (alpha > 0) & (beta > 0)
    values = saving_factor_of(alpha[ok], beta[ok])
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return saving_factor(fit), float(low), float(high)


def correlation_table(fit: LossFit = BESIROGLU, correlations=CORRELATIONS) -> pd.DataFrame:
    """The factor's interval for each assumed correlation between the two exponents' errors."""
    records = []
    for rho in correlations:
        estimate, low, high = factor_interval(fit, rho=rho)
        records.append({"correlation": float(rho), "factor": estimate, "low": low, "high": high})
    return pd.DataFrame.from_records(records)


def correlation_display(table: pd.DataFrame) -> pd.DataFrame:
    """`correlation_table` as text."""
    return pd.DataFrame(
        {
            "assumed correlation of α and β errors": [fmt.num(v, 1) for v in table["correlation"]],
            "data saving of an unlimited model": [fmt.num(v, 2) for v in table["factor"]],
            f"{INTERVAL_LEVEL:.0%} interval": [fmt.ci(lo, hi, 1) for lo, hi in zip(table["low"], table["high"])],
        }
    )


def saving_at_size(fit: LossFit, k) -> np.ndarray:
    """D* / D(k N*): data saved by a model k times the compute-optimal size (closed form, no budget)."""
    k = np.asarray(k, dtype=float)
    if np.any(k < 1):
        raise ValueError("k must be at least 1 (the compute-optimal size)")
    r = fit.ratio
    return ((1 + r) - r * k ** (-fit.alpha)) ** (1 / fit.beta)


# --------------------------------------------------------------------------------------------
# Numerical check (no first-order condition)


def numeric_optimum(fit: LossFit, compute: float) -> tuple[float, float, float]:
    """(N*, D*, L*) by minimising L(N, C / 6N) over log N with a bounded scalar minimiser."""
    c = float(_budget(compute)) / FLOPS_PER_PARAM_TOKEN

    def objective(log_n: float) -> float:
        n = np.exp(log_n)
        return float(fit.loss(n, c / n))

    # Any optimum lies well inside [1e-6, 1e6] * sqrt(C / 6) for these exponents and budgets.
    centre = 0.5 * np.log(c)
    out = optimize.minimize_scalar(objective, bounds=(centre - 14, centre + 14), method="bounded", options={"xatol": 1e-12})
    n = float(np.exp(out.x))
    return n, c / n, float(out.fun)


def numeric_saving(fit: LossFit, compute: float) -> float:
    """D* / D_inf with D* from `numeric_optimum` and D_inf from a root solve of E + B / D^beta = L*."""
    _, d_star, l_star = numeric_optimum(fit, compute)
    root = optimize.brentq(lambda log_d: fit.E + fit.B * np.exp(-fit.beta * log_d) - l_star, 0.0, 200.0, xtol=1e-14)
    return d_star / float(np.exp(root))


def heuristic_saving(fit: LossFit, compute, tokens_per_param: float = TOKENS_PER_PARAM) -> np.ndarray:
    """D_ref / D_inf when the reference run uses a fixed tokens-per-parameter rule instead of the optimum."""
    c = _budget(compute) / FLOPS_PER_PARAM_TOKEN
    n = np.sqrt(c / tokens_per_param)
    d = tokens_per_param * n
    return d / data_for_loss(fit, fit.loss(n, d))


def budget_check(fits: tuple[LossFit, ...] = FITS, log10_budgets=(18, 21, 23, None, 25, 27)) -> pd.DataFrame:
    """Closed-form factor against the numeric solution at several budgets (None: Chinchilla's own), per fit."""
    budgets = [chinchilla_log10_compute() if b is None else float(b) for b in log10_budgets]
    records = []
    for fit in fits:
        closed = saving_factor(fit)
        for log_c in budgets:
            c = 10.0**log_c
            n, d = optimal_allocation(fit, c)
            n_num, d_num, l_num = numeric_optimum(fit, c)
            numeric = numeric_saving(fit, c)
            records.append(
                {
                    "fit": fit.name,
                    "log10 C": log_c,
                    "N*": float(n),
                    "D*": float(d),
                    "tokens per parameter": float(d / n),
                    "L*": float(fit.loss(n, d)),
                    "numeric N* / closed N*": n_num / float(n),
                    "numeric factor": numeric,
                    "closed-form factor": closed,
                    "relative difference": numeric / closed - 1,
                    "20 tokens/parameter factor": float(heuristic_saving(fit, c)),
                }
            )
    return pd.DataFrame.from_records(records)


def chinchilla_log10_compute() -> float:
    """log10 of 6 N D for Chinchilla itself (70B parameters, 1.4T tokens)."""
    return float(np.log10(FLOPS_PER_PARAM_TOKEN * CHINCHILLA_N * CHINCHILLA_D))


# --------------------------------------------------------------------------------------------
# Tables and chart data


def budget_display(check: pd.DataFrame) -> pd.DataFrame:
    """The budget check as a readable table."""
    return pd.DataFrame(
        {
            "fit": check["fit"].str.replace(" et al.", "", regex=False),
            "compute (FLOPs)": [f"1e{v:.2f}".replace(".00", "") for v in check["log10 C"]],
            "N*": [size_label(v) for v in check["N*"]],
            "D* (tokens)": [size_label(v) for v in check["D*"]],
            "tokens per parameter": [f"{v:.1f}" for v in check["tokens per parameter"]],
            "L*": [f"{v:.3f}" for v in check["L*"]],
            "factor, numeric": [f"{v:.4f}" for v in check["numeric factor"]],
            "factor, closed form": [f"{v:.4f}" for v in check["closed-form factor"]],
            "relative difference": [f"{v:.1e}".replace("-", "−") for v in check["relative difference"]],
            f"factor with {TOKENS_PER_PARAM:.0f} tokens/parameter": [f"{v:.2f}" for v in check["20 tokens/parameter factor"]],
        }
    )


def size_table(fits: tuple[LossFit, ...] = FITS, ks=(1, 2, 4, 10, 100, 1000, np.inf)) -> pd.DataFrame:
    """Data needed and compute spent at N = k N*, for the same loss as the compute-optimal run."""
    records = []
    for fit in fits:
        for k in ks:
            saving = saving_factor(fit) if np.isinf(k) else float(saving_at_size(fit, k))
            records.append(
                {
                    "fit": fit.name,
                    "k": float(k),
                    "model size": "unlimited" if np.isinf(k) else f"{k:g} × N*",
                    "data saving D*/D": saving,
                    "compute / optimal compute": np.inf if np.isinf(k) else k / saving,
                }
            )
    return pd.DataFrame.from_records(records)


def size_display(table: pd.DataFrame) -> pd.DataFrame:
    wide = table.pivot(index="model size", columns="fit", values=["data saving D*/D", "compute / optimal compute"])
    order = list(dict.fromkeys(table["model size"]))
    wide = wide.reindex(order)
    out = pd.DataFrame({"model size": order})
    for fit in dict.fromkeys(table["fit"]):
        short = fit.replace(" et al.", "")
        out[f"less data ({short})"] = [f"{v:.2f}×" for v in wide[("data saving D*/D", fit)]]
        out[f"compute ({short})"] = ["∞" if np.isinf(v) else f"{v:.2f}×" for v in wide[("compute / optimal compute", fit)]]
    return out


def sensitivity_table(alphas=(0.28, 0.31, 0.34, 0.37, 0.40), betas=(0.25, 0.28, 0.31, 0.34, 0.37, 0.40)) -> pd.DataFrame:
    """The factor (1 + beta / alpha)^(1 / beta) over a grid of exponents (A, B and E do not enter)."""
    a = np.asarray(alphas, dtype=float)[:, None]
    b = np.asarray(betas, dtype=float)[None, :]
    values = (1 + b / a) ** (1 / b)
    out = pd.DataFrame(values, columns=[f"β = {v:.2f}" for v in betas])
    out.insert(0, "α", [f"{v:.2f}" for v in alphas])
    return out


def sensitivity_display(table: pd.DataFrame) -> pd.DataFrame:
    """`sensitivity_table` with the factors as text to one decimal."""
    out = table.copy()
    for column in out.columns[1:]:
        out[column] = [f"{v:.1f}" for v in out[column]]
    return out


TEXT_LINES_PER_FIT = 5


def calculator_data(
    fits: tuple[LossFit, ...] = FITS, log10_c=LOG10_C_GRID, ks=K_GRID
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Precomputed grid for the interactive calculator, rounded to 4 significant digits.

    Returns (curves, optima, text): the data needed at N = k N* for every budget x fit x k, the
    compute-optimal point and the unlimited-size data per budget x fit, and `TEXT_LINES_PER_FIT`
    lines of text per budget x fit.
    """

    def sig(values) -> np.ndarray:
        return np.array([float(f"{v:.4g}") for v in np.asarray(values, dtype=float)])

    curves, optima, text = [], [], []
    for index, fit in enumerate(fits):
        factor = saving_factor(fit)
        saving = saving_at_size(fit, ks)
        for log_c in log10_c:
            n, d = (float(v) for v in optimal_allocation(fit, 10.0**log_c))
            loss = float(fit.loss(n, d))
            curves.append(
                pd.DataFrame({"fit": fit.name, "log10_c": float(log_c), "k": ks, "N": sig(n * ks), "D": sig(d / saving), "saving": saving.round(3)})
            )
            optima.append({"fit": fit.name, "log10_c": float(log_c), "N": n, "D": d, "D_inf": d / factor})
            # short lines (about 40 characters at most), so that the text fits a phone's width
            lines = (
                f"{fit.name}: loss {loss:.3f}",
                f"    N* = {size_label(n)}, D* = {size_label(d)} tokens",
                f"    ({d / n:.0f} tokens per parameter)",
                f"    unlimited model size: {size_label(d / factor)} tokens",
                f"    for the same loss ({factor:.2f}× less data)",
            )
            for offset, line in enumerate(lines):
                text.append({"fit": fit.name, "line": TEXT_LINES_PER_FIT * index + offset, "log10_c": float(log_c), "text": line})
    optima_frame = pd.DataFrame.from_records(optima)
    for column in ("N", "D", "D_inf"):
        optima_frame[column] = sig(optima_frame[column])
    return pd.concat(curves, ignore_index=True), optima_frame, pd.DataFrame.from_records(text)


def budget_curve_data(fits: tuple[LossFit, ...] = FITS, log10_c=LOG10_C_GRID) -> pd.DataFrame:
    """The saving factor against budget: compute-optimal reference (numeric) and 20 tokens per parameter."""
    records = []
    for fit in fits:
        for log_c in log10_c:
            c = 10.0 ** float(log_c)
            records.append({"fit": fit.name, "log10_c": float(log_c), "reference": "compute-optimal (numeric)", "factor": numeric_saving(fit, c)})
            records.append({"fit": fit.name, "log10_c": float(log_c), "reference": "20 tokens per parameter", "factor": float(heuristic_saving(fit, c))})
    out = pd.DataFrame.from_records(records)
    out["factor"] = out["factor"].round(4)
    return out


@dataclass(frozen=True)
class UncertaintyFacts:
    """What the chapter says about the refit's sampling error, formatted for prose."""

    se_alpha: str
    se_beta: str
    factor: str  # the refit's factor with its interval at independent errors
    factor_rho_high: str  # ... at the largest positive correlation in the table
    factor_rho_low: str  # ... at the most negative correlation
    rho_high: str
    rho_low: str
    widest: str  # the correlation sign that widens the interval: "positive" or "negative"
    hoffmann_factor: str
    hoffmann_inside: str  # "inside" or "outside" the independent-error interval
    uncorrelated_high: str  # upper end of that interval, to show how near the edge Hoffmann's factor is
    hoffmann_outside_at: str  # the assumed correlations whose interval excludes Hoffmann's factor


def uncertainty_facts(fit: LossFit = BESIROGLU, other: LossFit = HOFFMANN, correlations=CORRELATIONS) -> UncertaintyFacts:
    table = correlation_table(fit, correlations).set_index("correlation")
    width = table["high"] - table["low"]
    hi, lo = max(correlations), min(correlations)
    estimate, low, high = factor_interval(fit)
    return UncertaintyFacts(
        se_alpha=fmt.num(BESIROGLU_EXPONENT_SE[0], 2),
        se_beta=fmt.num(BESIROGLU_EXPONENT_SE[1], 2),
        factor=fmt.estimate(estimate, low, high, 2),
        factor_rho_high=fmt.estimate(table.loc[hi, "factor"], table.loc[hi, "low"], table.loc[hi, "high"], 2),
        factor_rho_low=fmt.estimate(table.loc[lo, "factor"], table.loc[lo, "low"], table.loc[lo, "high"], 2),
        rho_high=fmt.num(hi, 1),
        rho_low=fmt.num(lo, 1),
        widest="positive" if width.loc[hi] > width.loc[lo] else "negative",
        hoffmann_factor=fmt.num(saving_factor(other), 2),
        hoffmann_inside="inside" if low <= saving_factor(other) <= high else "outside",
        uncorrelated_high=fmt.num(high, 2),
        hoffmann_outside_at=_join_and([fmt.num(r, 1) for r in sorted(correlations, key=abs)
                                       if not table.loc[r, "low"] <= saving_factor(other) <= table.loc[r, "high"]]) or "none",
    )


def _join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


@dataclass(frozen=True)
class FitFacts:
    """One fit's constants and derived figures, formatted for the chapter's prose."""

    E: str
    A: str
    B: str
    alpha: str
    beta: str
    ratio: str  # beta / alpha
    factor: str  # data saving of an unlimited model, two decimals
    decades: str  # the same in orders of magnitude
    heuristic_low: str  # factor with a 20-tokens-per-parameter reference at the lowest / highest budget
    heuristic_high: str
    tpp_low: str  # compute-optimal tokens per parameter at the lowest / highest budget
    tpp_high: str
    n_at_chinchilla: str  # compute-optimal N (billions) and D (trillions) at Chinchilla's budget
    d_at_chinchilla: str
    tpp_at_chinchilla: str
    saving_10: str  # data saving of a model 10, 100, 1000 times the optimal size
    saving_100: str
    saving_1000: str
    compute_10: str  # compute of those runs relative to the optimum
    compute_100: str


@dataclass(frozen=True)
class ChapterFacts:
    hoffmann: FitFacts
    besiroglu: FitFacts
    budget_low: str  # "1e18": the ends of the budget grid
    budget_high: str
    max_rel_diff: str
    k_max: str
    tokens_per_param: str
    chinchilla_n: str  # billions
    chinchilla_d: str  # trillions
    chinchilla_flops: str
    closer_fit: str  # "the refit's" or "the published fit's": whose optimum is nearer Chinchilla's size
    farther_fit: str
    sensitivity_low: str
    sensitivity_high: str
    alpha_low: str
    alpha_high: str
    beta_low: str
    beta_high: str
    uncertainty: UncertaintyFacts


def fit_facts(fit: LossFit) -> FitFacts:
    low_c, high_c = 10.0 ** LOG10_C_GRID[0], 10.0 ** LOG10_C_GRID[-1]
    n, d = (float(v) for v in optimal_allocation(fit, 10.0 ** chinchilla_log10_compute()))
    tpp = [float(d_ / n_) for n_, d_ in (optimal_allocation(fit, c) for c in (low_c, high_c))]
    saving = {k: float(saving_at_size(fit, k)) for k in (10, 100, 1000)}
    return FitFacts(
        E=f"{fit.E:g}",
        A=f"{fit.A:g}",
        B=f"{fit.B:g}",
        alpha=f"{fit.alpha:g}",
        beta=f"{fit.beta:g}",
        ratio=fmt.num(fit.ratio, 3),
        factor=fmt.num(saving_factor(fit), 2),
        decades=fmt.num(float(np.log10(saving_factor(fit))), 2),
        heuristic_low=fmt.num(float(heuristic_saving(fit, low_c)), 2),
        heuristic_high=fmt.num(float(heuristic_saving(fit, high_c)), 2),
        tpp_low=fmt.num(tpp[0], 0),
        tpp_high=fmt.num(tpp[1], 0),
        n_at_chinchilla=fmt.num(n / 1e9, 1),
        d_at_chinchilla=fmt.num(d / 1e12, 2),
        tpp_at_chinchilla=fmt.num(d / n, 0),
        saving_10=fmt.num(saving[10], 2),
        saving_100=fmt.num(saving[100], 2),
        saving_1000=fmt.num(saving[1000], 2),
        compute_10=fmt.num(10 / saving[10], 2),
        compute_100=fmt.num(100 / saving[100], 1),
    )


def chapter_facts(check: pd.DataFrame, sensitivity: pd.DataFrame) -> ChapterFacts:
    distance = {
        fit.key: abs(np.log(float(optimal_allocation(fit, 10.0 ** chinchilla_log10_compute())[0]) / CHINCHILLA_N)) for fit in FITS
    }
    refit_closer = distance[BESIROGLU.key] < distance[HOFFMANN.key]
    values = sensitivity.drop(columns="α").to_numpy(dtype=float)
    return ChapterFacts(
        hoffmann=fit_facts(HOFFMANN),
        besiroglu=fit_facts(BESIROGLU),
        budget_low=f"1e{LOG10_C_GRID[0]:.0f}",
        budget_high=f"1e{LOG10_C_GRID[-1]:.0f}",
        max_rel_diff=f"{float(check['relative difference'].abs().max()):.0e}",
        k_max=fmt.num(float(K_GRID[-1]), 0),
        tokens_per_param=fmt.num(TOKENS_PER_PARAM, 0),
        chinchilla_n=fmt.num(CHINCHILLA_N / 1e9, 0),
        chinchilla_d=fmt.num(CHINCHILLA_D / 1e12, 1),
        chinchilla_flops=f"{10.0 ** chinchilla_log10_compute():.1e}".replace("e+", "e"),
        closer_fit="the refit's" if refit_closer else "the published fit's",
        farther_fit="the published fit's" if refit_closer else "the refit's",
        sensitivity_low=fmt.num(float(values.min()), 1),
        sensitivity_high=fmt.num(float(values.max()), 1),
        alpha_low=sensitivity["α"].iloc[0],
        alpha_high=sensitivity["α"].iloc[-1],
        beta_low=sensitivity.columns[1].split("= ")[1],
        beta_high=sensitivity.columns[-1].split("= ")[1],
        uncertainty=uncertainty_facts(),
    )


def chapter_results() -> SimpleNamespace:
    """Everything the data-and-parameters chapter prints: display tables, chart data and `facts`."""
    check = budget_check()
    sensitivity = sensitivity_table()
    curves, optima, text = calculator_data()
    return SimpleNamespace(
        check=check,
        check_display=budget_display(check),
        sizes_display=size_display(size_table()),
        sensitivity_display=sensitivity_display(sensitivity),
        correlation_display=correlation_display(correlation_table()),
        curves=curves,
        optima=optima,
        text=text,
        budget_curves=budget_curve_data(),
        facts=chapter_facts(check, sensitivity),
    )
