"""Item-level simulation: tasks made of items that every model size answers.

Chapter 3's lag decomposition (`noise.estimate_noise`) assumes that the noise on a task's score is
independent across sizes. On a real benchmark it is not: every size answers the *same* items, so
which items happen to be in the test is shared by all sizes. This module simulates that with an
item-response (IRT) model and measures how the lag decomposition behaves when its independence
assumption fails.

Model, for task t, item i and size k (all in logits):

    P(correct) = g[t, i] + (1 - g[t, i]) * logistic(a * (theta[t, k] - b[t, i]))

* theta[t, k]: the task's ability at size k, a random walk with persistent momentum,
  theta[t, k + 1] - theta[t, k] = drift + m[t] + u[t, k], m ~ N(0, momentum_sd²),
  u ~ N(0, step_sd²). momentum_sd = 0 is a pure random walk with drift (no task keeps gaining
  faster than another): the "submartingale" of the post.
* b[t, i] ~ N(beta[t], difficulty_sd²): item difficulty, drawn once and shared by every size.
* g[t, i]: the guessing rate of an item, Beta-distributed around the task's chance level with
  spread `guess_sd` and shared by every size (models below their rise prefer the same wrong or
  right options: outputs at chance are not independent across sizes). guess_sd = 0 gives every
  item the chance level.
* Answers are Bernoulli given P, independently for each size (`shared_items=True`), or on a
  fresh item sample per size (`shared_items=False`, the naive binomial model's assumption).
* run_sd adds independent N(0, run_sd²) run-to-run noise to each observed score (seed,
  nondeterminism).

The *true* score is the expected score over the population of items (Gauss-Hermite quadrature
over b; E[g] = chance), so true gains and their covariances are known exactly per task, and the
noise is the observed score minus it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import expit

from . import noise, stats

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(48)  # probabilists' Hermite: E over N(0, 1)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True)
class ItemModel:
    """One setting of the item-level simulation (see the module docstring)."""

    n_tasks: int = 3000
    n_items: int = 200
    n_sizes: int = 8
    chance: float = 0.25
    start_mean: float = -2.5  # theta at the smallest size minus the task's mean difficulty
    start_sd: float = 1.5
    drift: float = 0.5  # mean gain in ability per step (logits)
    momentum_sd: float = 0.0
    step_sd: float = 0.3
    difficulty_sd: float = 1.5
    discrimination: float = 1.0
    guess_sd: float = 0.0
    run_sd: float = 0.0
    shared_items: bool = True

    def __post_init__(self):
        if self.n_tasks < 2 or self.n_items < 1 or self.n_sizes < 4:
            raise ValueError("need at least 2 tasks, 1 item and 4 sizes (three gains for lag 2)")
        if not 0 <= self.chance < 1:
            raise ValueError("chance must be in [0, 1)")
        if min(self.start_sd, self.momentum_sd, self.step_sd, self.difficulty_sd, self.guess_sd, self.run_sd) < 0:
            raise ValueError("standard deviations must be non-negative")
        if self.guess_sd > 0 and self.guess_sd**2 >= self.chance * (1 - self.chance):
            raise ValueError("guess_sd² must be below chance (1 − chance) for a Beta distribution")


def abilities(model: ItemModel, generator: np.random.Generator) -> np.ndarray:
    """theta (tasks x sizes): a random walk with drift and each task's persistent momentum."""
    t, k = model.n_tasks, model.n_sizes
    start = model.start_mean + model.start_sd * generator.standard_normal((t, 1))
    momentum = model.momentum_sd * generator.standard_normal((t, 1))
    steps = model.drift + momentum + model.step_sd * generator.standard_normal((t, k - 1))
    return np.concatenate([start, start + steps.cumsum(axis=1)], axis=1)


def _guess_rates(model: ItemModel, shape: tuple[int, ...], generator: np.random.Generator) -> np.ndarray:
    """Per-item guessing rates: Beta with mean `chance` and sd `guess_sd` (all = chance when 0)."""
    if model.guess_sd == 0:
        return np.full(shape, model.chance)
    c = model.chance
    concentration = c * (1 - c) / model.guess_sd**2 - 1
    return generator.beta(c * concentration, (1 - c) * concentration, size=shape)


def expected_scores(model: ItemModel, theta: np.ndarray) -> np.ndarray:
    """True score: the expected score over the item population (difficulty b ~ N(0, sd²) around the
    task's mean, which theta is measured from; E[g] = chance), by Gauss-Hermite quadrature."""
    b = model.difficulty_sd * _NODES
    s = expit(model.discrimination * (theta[..., None] - b))
    return model.chance + (1 - model.chance) * (s @ _WEIGHTS)


def simulate(model: ItemModel, identity=None) -> dict[str, np.ndarray]:
    """Observed and true scores (tasks x sizes) of one simulated ladder, and the noise between them.

    Seeded by the model itself unless `identity` says otherwise (two models given one identity
    share their random numbers: a paired comparison)."""
    generator = stats.generator(("item simulation", model) if identity is None else identity)
    t, n, k = model.n_tasks, model.n_items, model.n_sizes
    theta = abilities(model, generator)
    item_shape = (t, 1, n) if model.shared_items else (t, k, n)
    b = model.difficulty_sd * generator.standard_normal(item_shape)
    g = _guess_rates(model, item_shape, generator)
    p = g + (1 - g) * expit(model.discrimination * (theta[:, :, None] - b))
    correct = generator.random((t, k, n)) < p
    observed = correct.mean(axis=2)
    if model.run_sd > 0:
        observed = observed + model.run_sd * generator.standard_normal((t, k))
    true = expected_scores(model, theta)
    return {"observed": observed, "true": true, "noise": observed - true, "theta": theta}


def noise_structure(noise_matrix: np.ndarray) -> dict[str, float]:
    """Mean noise variance per score and the mean correlation of noise between adjacent and
    two-apart sizes (the lag decomposition assumes both correlations are zero)."""
    centred = noise_matrix - noise_matrix.mean(axis=0, keepdims=True)
    var = (centred**2).mean(axis=0)
    k = noise_matrix.shape[1]

    def corr(h: int) -> float:
        cov = (centred[:, : k - h] * centred[:, h:]).mean(axis=0)
        return float(np.mean(cov / np.sqrt(var[: k - h] * var[h:])))

    return {"noise_var": float(var.mean()), "noise_corr_lag1": corr(1), "noise_corr_lag2": corr(2)}


def check_estimator(model: ItemModel, identity=None) -> dict[str, float]:
    """The lag decomposition on one simulated ladder against the truth it is meant to recover.

    Truth: the lag covariances of the true (item-population) gains, gamma1 and gamma2, and tau²
    (their V0); the noise variance of a score; and the lag covariances N0, N1, N2 of the noise of
    the gains. Observed V_h = true V_h + N_h (true scores and noise are uncorrelated), so the
    estimator's gamma = V2 = gamma2 + N2 and its sigma² = V2 − V1 = (gamma2 − gamma1) + (N2 − N1).
    Under its own assumptions N1 = −sigma², N2 = 0 and gamma1 = gamma2. `momentum_from_noise` is
    N2: noise that persists across two steps and is booked as momentum; `sigma_sq_effective` is
    −N1, the part of a score's noise that does not carry over to the next size.
    """
    sim = simulate(model, identity)
    est = noise.noise_estimates(noise.lag_covariances(np.diff(sim["observed"], axis=1), 2))
    truth = noise.lag_covariances(np.diff(sim["true"], axis=1), 2)
    gain_noise = noise.lag_covariances(np.diff(sim["noise"], axis=1), 2)
    structure = noise_structure(sim["noise"])
    scores = np.clip(sim["observed"], 0, 1)
    naive = noise.naive_gain_noise(scores, np.full(len(scores), float(model.n_items))).mean()
    true_gamma = float(truth[2])
    return {
        "true_sigma_sq": structure["noise_var"],
        "sigma_sq_effective": float(-gain_noise[1]),
        "est_sigma_sq": float(est["sigma_sq"]),
        "true_gamma1": float(truth[1]),
        "true_gamma": true_gamma,
        "est_gamma": float(est["gamma"]),
        "momentum_from_noise": float(gain_noise[2]),
        "true_tau_sq": float(truth[0]),
        "est_tau_sq": float(est["tau_sq"]),
        "true_rho": true_gamma / float(truth[0]),
        "est_rho": float(est["rho_true"]),
        "est_noise_share": float(est["noise_share"]),
        "true_noise_share": float(gain_noise[0] / (gain_noise[0] + truth[0])),
        "rho_observed": float(est["rho_observed"]),
        "ladder_over_naive": float(2 * est["sigma_sq"] / naive),
        "naive_gain_noise": float(naive),
        **structure,
    }


# The settings chapter 3 runs, from the estimator's own assumption to shared items with
# structure. Each is the base model with the fields shown changed.
BASE = ItemModel()
SCENARIOS: dict[str, dict] = {
    "fresh items per size (the estimator's assumption)": {"shared_items": False},
    "shared items": {},
    "shared items, shared guessing at chance": {"guess_sd": 0.15},
    "shared items, run-to-run noise": {"run_sd": 0.02},
    "shared steep items, little true spread": {"n_items": 100, "discrimination": 2.0, "difficulty_sd": 3.0, "step_sd": 0.1, "start_sd": 0.5},
}
MOMENTUM_SETTINGS = {"no momentum (random walk)": 0.0, "momentum": 0.2}


def sensitivity_table(base: ItemModel = BASE, scenarios: dict[str, dict] = SCENARIOS,
                      momentum: dict[str, float] = MOMENTUM_SETTINGS) -> pd.DataFrame:
    """`check_estimator` for every scenario x momentum setting (each seeded by its model, so each
    row is reproducible on its own)."""
    rows = []
    for name, changes in scenarios.items():
        for m_name, m_sd in momentum.items():
            model = replace(base, momentum_sd=m_sd, **changes)
            rows.append({"scenario": name, "momentum": m_name, "momentum_sd": m_sd} | check_estimator(model))
    return pd.DataFrame(rows)


def display_sensitivity(table: pd.DataFrame) -> pd.DataFrame:
    """Readable sensitivity table: what the lag decomposition recovers in each simulated setting
    (variances in units of 10⁻⁴)."""
    from . import fmt

    def e4(column: str) -> list[str]:
        return [fmt.num(v * 1e4, 2) for v in table[column]]

    return pd.DataFrame(
        {
            "Setting": table["scenario"],
            "True momentum": table["momentum"],
            "Noise correlation, adjacent sizes": table["noise_corr_lag1"].map(fmt.num),
            "Noise σ²: true / estimated (10⁻⁴)": [f"{a} / {b}" for a, b in zip(e4("true_sigma_sq"), e4("est_sigma_sq"))],
            "Momentum γ: true / estimated (10⁻⁴)": [f"{a} / {b}" for a, b in zip(e4("true_gamma"), e4("est_gamma"))],
            "Noise booked as momentum (10⁻⁴)": e4("momentum_from_noise"),
            "Noise share: true / estimated": [f"{fmt.num(a)} / {fmt.num(b)}" for a, b in zip(table["true_noise_share"], table["est_noise_share"])],
            "ρ: true / estimated": [f"{fmt.num(a)} / {noise.fmt_rho(b)}" for a, b in zip(table["true_rho"], table["est_rho"])],
            "2σ² ÷ naive binomial": table["ladder_over_naive"].map(fmt.num),
        }
    )


# --------------------------------------------------------------------------------------------
# Chapter 4's reproduction check under shared-item noise
# --------------------------------------------------------------------------------------------

CHECK_MODEL = ItemModel(n_tasks=65, n_items=200, n_sizes=8)  # Pythia's shape: 65 tasks, 8 sizes


def replicate_scores(model: ItemModel, n_reps: int) -> tuple[np.ndarray, np.ndarray]:
    """One fixed set of tasks (abilities drawn once), scored `n_reps` times on fresh item samples:
    observed scores (n_reps, tasks, sizes) and the true scores (tasks, sizes)."""
    generator = stats.generator(("item replicates", model, n_reps))
    theta = abilities(model, generator)
    t, n, k = model.n_tasks, model.n_items, model.n_sizes
    out = np.empty((n_reps, t, k))
    for rep in range(n_reps):
        item_shape = (t, 1, n) if model.shared_items else (t, k, n)
        b = model.difficulty_sd * generator.standard_normal(item_shape)
        g = _guess_rates(model, item_shape, generator)
        p = g + (1 - g) * expit(model.discrimination * (theta[:, :, None] - b))
        out[rep] = (generator.random((t, k, n)) < p).mean(axis=2)
    if model.run_sd > 0:
        out = out + model.run_sd * generator.standard_normal(out.shape)
    return out, expected_scores(model, theta)


def reproduction_check(model: ItemModel = CHECK_MODEL, n_reps: int = 200, level: float = 0.95) -> pd.DataFrame:
    """What chapter 4's check assumes against what shared items do, with the true curves known.

    The check simulates the correlation of successive gains from each task's curve plus noise that
    is independent across sizes. Here the curves are the true ones and the independent noise has
    each task's and size's true noise variance; the item-level replicates give the distribution of
    r that the shared items actually produce. Per consecutive triple: the two medians, and the share
    of item-level r inside the independent-noise central `level` range (`level` if the check is
    calibrated).
    """
    observed, true = replicate_scores(model, n_reps)
    noise_sd = (observed - true).std(axis=0)  # per task and size, over replicates
    independent = true + noise_sd * stats.generator(("independent noise", model, n_reps)).standard_normal(observed.shape)
    tail = (1 - level) / 2
    rows = []
    for j in range(model.n_sizes - 2):
        r_item = stats.pearson_rows(observed[:, :, j + 1] - observed[:, :, j], observed[:, :, j + 2] - observed[:, :, j + 1])
        r_ind = stats.pearson_rows(independent[:, :, j + 1] - independent[:, :, j], independent[:, :, j + 2] - independent[:, :, j + 1])
        low, high = np.quantile(r_ind, [tail, 1 - tail])
        rows.append({"triple": j, "item_median": float(np.median(r_item)), "independent_median": float(np.median(r_ind)),
                     "coverage": float(((r_item >= low) & (r_item <= high)).mean()),
                     "item_sd": float(r_item.std()), "independent_sd": float(r_ind.std())})
    return pd.DataFrame(rows)


CHECK_SCENARIOS = {"shared items": {}, "shared items, shared guessing at chance": {"guess_sd": 0.15},
                   "shared steep items, little true spread": SCENARIOS["shared steep items, little true spread"] | {"n_items": 200}}


def reproduction_checks(base: ItemModel = CHECK_MODEL, scenarios: dict[str, dict] = CHECK_SCENARIOS, n_reps: int = 200) -> pd.DataFrame:
    """`reproduction_check` per scenario, averaged over the ladder's triples."""
    rows = []
    for name, changes in scenarios.items():
        table = reproduction_check(replace(base, **changes), n_reps)
        rows.append({"scenario": name, "item_median": float(table["item_median"].mean()),
                     "independent_median": float(table["independent_median"].mean()),
                     "shift": float((table["item_median"] - table["independent_median"]).mean()),
                     "coverage": float(table["coverage"].mean()), "coverage_min": float(table["coverage"].min()),
                     "sd_ratio": float((table["item_sd"] / table["independent_sd"]).mean())})
    return pd.DataFrame(rows)
