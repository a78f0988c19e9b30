"""Emergence or smooth scaling: per-task linearity, breakthroughness and sharp-jump tests.

Scores (BIG-bench's definitions, Srivastava et al. 2022, Appendix B), for one task's scores
y_1..y_K ordered by model size:

* overall improvement  I(y) = sign(argmax_i y_i - argmin_i y_i) * (max_i y_i - min_i y_i)
* linearity            L = I(y) / RootMeanSquare(y_{i+1} - y_i)
* breakthroughness     B = I(y) / RootMedianSquare(y_{i+1} - y_i)

Only the order of the sizes enters these two scores, so they are defined for any ladder. Both are
unchanged by any affine rescaling of y (BIG-bench's chance-normalised score is one), so a
chance correction can only matter through a non-linear transform. On a ladder of K sizes a curve
with K - 1 equal steps has L = B = K - 1 (the largest L possible); a single step has L = sqrt(K - 1)
and B = infinity (for K >= 4, when most steps are zero).

A *sharp jump* ("switch-like" task) is decided on a transformed scale f with three conditions:

* dominant: the largest one-step gain in f is at least `SHARE` (half) of the overall improvement I(f(y));
* real: at that step the raw gain beats binomial item noise, z = (p_{i+1} - p_i) / se >= z*, with
  se^2 = p_i (1 - p_i) / n + p_{i+1} (1 - p_{i+1}) / n and z* the one-sided Bonferroni critical value
  over the K - 1 steps at level `ALPHA`;
* persistent: the largest model's score is not below the post-jump score by more than z* such
  standard errors (the gain is not undone later on the ladder).

A switch-like task is *emergent from chance* when no score up to the jump is above chance by more
than z* binomial standard errors at chance, sqrt(c (1 - c) / n), and the score just after the
jump is.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import data, fmt, ladders, sigmoid, stats, transforms

SHARE = 0.5
ALPHA = 0.05
BIGG_ITEM_CAP = 1024  # BIG-G was evaluated on at most 1024 items of a task (scores are multiples of 1/1024)
N_BOOT = 2000
N_SIM = 200  # simulated ladders per smooth null
B_CAP = 1000.0  # breakthroughness shown and summarised with infinities capped at this value
EMERGENCE_TRANSFORMS: tuple[str, ...] = ("raw", "logit", "floor_logit", "log_error")
SHORT_SCALE = {"logit": "logit", "floor_logit": "logit above chance", "log_error": "log error"}


# --------------------------------------------------------------------------------------------
# The two BIG-bench scores, for any ladder


def _ordered(sizes, scores) -> tuple[np.ndarray, np.ndarray]:
    """Sizes sorted ascending and scores (K,) or (tasks, K) in the same order; validates input."""
    sizes = np.asarray(sizes, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if sizes.ndim != 1:
        raise ValueError("sizes must be one-dimensional")
    if scores.ndim not in (1, 2) or scores.shape[-1] != sizes.shape[0]:
        raise ValueError(f"scores must have one value per size ({sizes.shape[0]}), got shape {scores.shape}")
    if sizes.shape[0] < 3:
        raise ValueError(f"a ladder needs at least three sizes, got {sizes.shape[0]}")
    if not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise ValueError("sizes must be positive and finite")
    if np.unique(sizes).shape[0] != sizes.shape[0]:
        raise ValueError("sizes must be distinct")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite (no NaN): drop tasks without a score at every size")
    order = np.argsort(sizes, kind="stable")
    return sizes[order], scores[..., order]


def improvement(sizes, scores) -> np.ndarray | float:
    """BIG-bench's overall improvement I(y): signed range, positive when the maximum comes after the minimum."""
    _, y = _ordered(sizes, scores)
    sign = np.sign(np.argmax(y, axis=-1) - np.argmin(y, axis=-1))
    value = sign * (np.max(y, axis=-1) - np.min(y, axis=-1))
    return float(value) if np.ndim(value) == 0 else value


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with 0/0 = 0 (a flat curve) and x/0 = +-inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    return np.where(numerator == 0, 0.0, out)


def linearity(sizes, scores) -> np.ndarray | float:
    """L = I(y) / RootMeanSquare of the consecutive differences (Srivastava et al. 2022, App. B)."""
    _, y = _ordered(sizes, scores)
    steps = np.diff(y, axis=-1)
    value = _ratio(np.asarray(improvement(sizes, scores)), np.sqrt(np.mean(steps**2, axis=-1)))
    return float(value) if np.ndim(value) == 0 else value


def breakthroughness(sizes, scores) -> np.ndarray | float:
    """B = I(y) / RootMedianSquare of the consecutive differences (Srivastava et al. 2022, App. B)."""
    _, y = _ordered(sizes, scores)
    steps = np.diff(y, axis=-1)
    value = _ratio(np.asarray(improvement(sizes, scores)), np.sqrt(np.median(steps**2, axis=-1)))
    return float(value) if np.ndim(value) == 0 else value


# --------------------------------------------------------------------------------------------
# Binomial noise


def critical_z(n_sizes: int, alpha: float = ALPHA) -> float:
    """One-sided Bonferroni critical value over the n_sizes - 1 steps of a ladder."""
    if n_sizes < 2:
        raise ValueError("a ladder has at least two sizes")
    return float(sps.norm.ppf(1 - alpha / (n_sizes - 1)))


def step_z(raw: np.ndarray, n_items: np.ndarray) -> np.ndarray:
    """z of every one-step raw gain against independent binomial noise: (tasks, K - 1).

    Scores of 0 or 1 are moved half an item inward so a step between two perfect scores has
    finite noise. The same items are scored at every size, so the independent-sample variance
    overstates the noise of a difference when correctness is correlated across sizes: the test
    is conservative.
    """
    raw = np.atleast_2d(np.asarray(raw, dtype=float))
    n = np.asarray(n_items, dtype=float).reshape(-1, 1)
    if np.any(~np.isfinite(n)) or np.any(n < 1):
        raise ValueError("n_items must be known and at least 1 for every task")
    p = np.clip(raw, 0.5 / n, 1 - 0.5 / n)
    var = p * (1 - p) / n
    se = np.sqrt(var[:, 1:] + var[:, :-1])
    return np.diff(raw, axis=1) / se


def chance_z(raw: np.ndarray, chance: np.ndarray, n_items: np.ndarray) -> np.ndarray:
    """(p - c) / sqrt(c (1 - c) / n): how far each score is above chance in binomial units."""
    raw = np.atleast_2d(np.asarray(raw, dtype=float))
    c = np.asarray(chance, dtype=float).reshape(-1, 1)
    n = np.asarray(n_items, dtype=float).reshape(-1, 1)
    se = np.sqrt(c * (1 - c) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (raw - c) / se
    # Chance 0 (a generative task): any positive score is above chance.
    return np.where(se > 0, z, np.where(raw > c, np.inf, 0.0))


# --------------------------------------------------------------------------------------------
# Ladders of this chapter


@dataclass(frozen=True)
class LadderSpec:
    label: str
    family: str
    benchmark: str
    n_shots: int
    metric: str
    keep_largest: int | None = None  # only the largest sizes (a sub-ladder)


LADDER_SPECS: tuple[LadderSpec, ...] = (
    LadderSpec("BIG-G T=0 (12 sizes)", "BIG-G T=0", "bigbench", 3, "multiple_choice_grade"),
    LadderSpec("BIG-G T=0 (8 largest)", "BIG-G T=0", "bigbench", 3, "multiple_choice_grade", keep_largest=8),
    LadderSpec("Pythia 0-shot", "Pythia", "lm_eval_harness", 0, "accuracy"),
    LadderSpec("Pythia 5-shot", "Pythia", "lm_eval_harness", 5, "accuracy"),
    LadderSpec("OPT 0-shot", "OPT", "lm_eval_harness", 0, "accuracy"),
)


def chapter_ladders(frame: pd.DataFrame | None = None) -> dict[str, ladders.Ladder]:
    """The ladders compared in the chapter, by label (BIG-G, its 8 largest sizes, Pythia, OPT)."""
    if frame is None:
        frame = pd.concat([data.load_bigg(), data.load_pythia_opt_bloom()], ignore_index=True)
    found = {(lad.family, lad.benchmark, lad.n_shots, lad.metric): lad for lad in ladders.find_ladders(frame)}
    out = {}
    for spec in LADDER_SPECS:
        key = (spec.family, spec.benchmark, spec.n_shots, spec.metric)
        if key not in found:
            raise KeyError(f"ladder {key} is not in the data")
        ladder = found[key]
        if spec.keep_largest is not None:
            keep = ladder.sizes[-spec.keep_largest :]
            rows = ladder.rows[ladder.rows["n_params"].isin(keep)].reset_index(drop=True)
            ladder = ladders.Ladder(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, rows)
        out[spec.label] = ladder
    return out


def task_info(ladder: ladders.Ladder, item_cap: int | None = None) -> pd.DataFrame:
    """Per task (index as in `Ladder.matrix`): chance, n_items as listed and as evaluated."""
    info = ladder.rows.groupby(list(ladders.TASK_ID)).agg(chance=("chance", "first"), n_listed=("n_items", "first"))
    info = info.sort_index()
    info["n_listed"] = info["n_listed"].astype(float)
    info["n_eval"] = info["n_listed"] if item_cap is None else np.minimum(info["n_listed"], item_cap)
    return info


def item_cap_for(ladder: ladders.Ladder) -> int | None:
    return BIGG_ITEM_CAP if ladder.family.startswith("BIG-G") else None


# --------------------------------------------------------------------------------------------
# Per-task analysis


def _two_point_z(a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    pa = np.clip(a, 0.5 / n, 1 - 0.5 / n)
    pb = np.clip(b, 0.5 / n, 1 - 0.5 / n)
    return (b - a) / np.sqrt(pa * (1 - pa) / n + pb * (1 - pb) / n)


def jump_analysis(sizes, raw, values, n_items, chance, share: float = SHARE, alpha: float = ALPHA) -> dict[str, np.ndarray]:
    """Largest one-step gain of `values` (a transformed scale) per task and the sharp-jump decision.

    `raw` are the fractions the binomial test is run on; `values` the same scores on the scale whose
    shape is judged (equal to `raw` for the raw scale). Both are (tasks, K) in ascending size order.
    """
    sizes = np.asarray(sizes, dtype=float)
    raw = np.atleast_2d(np.asarray(raw, dtype=float))
    values = np.atleast_2d(np.asarray(values, dtype=float))
    if raw.shape != values.shape:
        raise ValueError("raw and values must have the same shape")
    k = len(sizes)
    zcrit = critical_z(k, alpha)
    steps = np.diff(values, axis=1)
    imp = np.asarray(improvement(sizes, values))
    j = np.argmax(steps, axis=1)
    rows = np.arange(values.shape[0])
    jump = steps[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        jshare = np.where(imp > 0, jump / imp, np.nan)
    z = step_z(raw, n_items)[rows, j]
    zc = chance_z(raw, chance, n_items)
    before = np.where(np.arange(k)[None, :] <= j[:, None], zc, -np.inf).max(axis=1)
    after = zc[rows, j + 1]
    dominant = np.nan_to_num(jshare) >= share
    real = z >= zcrit
    # The gain must not be undone: the largest model is not significantly below the post-jump score.
    persistent = _two_point_z(raw[rows, j + 1], raw[:, -1], np.asarray(n_items, dtype=float)) >= -zcrit
    switch = dominant & real & persistent
    return {
        "improvement": imp,
        "linearity": np.asarray(linearity(sizes, values)),
        "breakthroughness": np.asarray(breakthroughness(sizes, values)),
        "jump_step": j,
        "jump": jump,
        "jump_share": jshare,
        "z": z,
        "z_crit": np.full(len(rows), zcrit),
        "real": real,
        "dominant": dominant,
        "persistent": persistent,
        "switch": switch,
        "at_last_step": j == k - 2,
        "emergent": switch & (before <= zcrit) & (after > zcrit),
    }


def improve_z(alpha: float = ALPHA) -> float:
    """Critical z of the improvement test (largest against smallest model, two-sided at `alpha`)."""
    return float(sps.norm.ppf(1 - alpha / 2))


def analyse_ladder(
    ladder: ladders.Ladder,
    transform_names: tuple[str, ...] = EMERGENCE_TRANSFORMS,
    share: float = SHARE,
    alpha: float = ALPHA,
    item_cap: int | None = None,
) -> pd.DataFrame:
    """One row per task x transform: L, B, the largest step, its share and its binomial z.

    Raw-scale columns (`improves`, `above_chance_first`, `first_above_chance`) repeat on every
    transform's row so each row is self-contained.
    """
    sizes = np.asarray(ladder.sizes, dtype=float)
    k = len(sizes)
    raw_wide = ladder.matrix("raw").dropna()
    info = task_info(ladder, item_cap if item_cap is not None else item_cap_for(ladder)).loc[raw_wide.index]
    raw = raw_wide.to_numpy()
    n = info["n_eval"].to_numpy()
    c = info["chance"].to_numpy(dtype=float)
    zcrit = critical_z(k, alpha)
    zc = chance_z(raw, c, n)
    above = zc > zcrit
    first_above = np.where(above.any(axis=1), sizes[np.argmax(above, axis=1)], np.nan)
    tasks = raw_wide.index.get_level_values("task").astype(str)
    frames = []
    for name in transform_names:
        values = ladder.matrix(name).loc[raw_wide.index].to_numpy()
        res = jump_analysis(sizes, raw, values, n, c, share, alpha)
        j = res.pop("jump_step")
        rows = np.arange(len(values))
        frame = pd.DataFrame(
            {
                "task": tasks,
                "transform": name,
                "n_sizes": k,
                "n_items": n,
                "chance": c,
                "jump_step": j,
                "jump_from": sizes[j],
                "jump_to": sizes[j + 1],
                "raw_before": raw[rows, j],
                "raw_after": raw[rows, j + 1],
            }
        )
        for key, value in res.items():
            frame[key] = value
        frame["linearity_norm"] = frame["linearity"] / (k - 1)
        # Improving: the largest model beats the smallest by a two-sided test at `alpha`.
        frame["improves_z"] = _two_point_z(raw[:, 0], raw[:, -1], n)
        frame["improves"] = frame["improves_z"] >= improve_z(alpha)
        frame["above_chance_first"] = zc[:, 0] > zcrit
        frame["first_above_chance"] = first_above
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def loglinear_max_share(sizes) -> float:
    """The largest share of the rise one step can hold when the score is a straight line in log N."""
    sizes = np.sort(np.asarray(sizes, dtype=float))
    steps = np.diff(np.log(sizes))
    return float(steps.max() / steps.sum())


NULL_TRUTHS = ("flat", "loglinear", "sigmoid")
POWER_JUMPS = (0.05, 0.10, 0.20)  # planted jump heights (score points / 100) for the power simulation


def ladder_key(ladder: ladders.Ladder) -> str:
    """A ladder's identity as text: family, benchmark, shots, metric and its sizes."""
    sizes = ",".join(f"{size:.6g}" for size in ladder.sizes)
    return f"{ladder.family}|{ladder.benchmark}|{ladder.n_shots}|{ladder.metric}|{sizes}"


def _task_arrays(ladder: ladders.Ladder) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sizes, raw scores (tasks, K), evaluated item counts, chance levels) of a ladder's complete tasks."""
    sizes = np.asarray(ladder.sizes, dtype=float)
    raw_wide = ladder.matrix("raw").dropna()
    info = task_info(ladder, item_cap_for(ladder)).loc[raw_wide.index]
    return sizes, raw_wide.to_numpy(), info["n_eval"].to_numpy(), info["chance"].to_numpy(dtype=float)


def smooth_truth(ladder: ladders.Ladder, truth: str) -> np.ndarray:
    """Each task's smooth true score at every size (tasks, K), clipped to [0.001, 0.999].

    flat: the task's mean over the ladder. loglinear: its least-squares line in log N.
    sigmoid: its own logistic curve from chance to a fitted ceiling (`sigmoid.fit_sigmoid`, bounded
    least squares); a task whose scores do not rise is fitted flat at chance.
    """
    if truth not in NULL_TRUTHS:
        raise ValueError(f"truth must be one of {NULL_TRUTHS}, got '{truth}'")
    sizes, raw, n, c = _task_arrays(ladder)
    x = np.log(sizes)
    if truth == "flat":
        p = np.repeat(raw.mean(axis=1, keepdims=True), len(sizes), axis=1)
    elif truth == "loglinear":
        xc = x - x.mean()
        slope = (raw - raw.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
        p = raw.mean(axis=1, keepdims=True) + slope[:, None] * xc[None, :]
    else:
        rows = []
        for scores, items, chance in zip(raw, n, c):
            fit = sigmoid.fit_sigmoid(sizes, scores, chance, ceiling="fit", n_items=items)
            rows.append(sigmoid.sigmoid_curve(x, fit.k, fit.x0, fit.chance, fit.ceiling))
        p = np.array(rows)
    return np.clip(p, 0.001, 0.999)


def _rule_on_draws(sizes, p, n, c, n_sim, identity, share, alpha) -> dict[str, np.ndarray]:
    """Binomial scores drawn independently at every size from true scores p (tasks, K); the rule on each draw.

    `identity` (what is simulated: the ladder and the truth) seeds the draws, not a position."""
    generator = stats.generator(identity)
    n_int = np.round(n).astype(int)
    counts = generator.binomial(n_int[None, :, None], p[None, :, :], size=(n_sim, *p.shape))
    sims = (counts / n_int[None, :, None]).reshape(-1, len(sizes))
    res = jump_analysis(sizes, sims, sims, np.tile(n, n_sim), np.tile(c, n_sim), share, alpha)
    return {key: value.reshape(n_sim, -1) for key, value in res.items()}


def simulate_null(
    ladder: ladders.Ladder,
    truth: str = "loglinear",
    n_sim: int = N_SIM,
    share: float = SHARE,
    alpha: float = ALPHA,
) -> np.ndarray:
    """Share of tasks called switch-like in each of `n_sim` simulated ladders with a smooth truth.

    Each task keeps its item count and chance; its true score is `smooth_truth(ladder, truth)`.
    Scores are drawn as independent binomial proportions at every size, then judged with the same
    rule. The share is the rule's false-alarm rate on that ladder, since no truth here has a jump.
    """
    sizes, _, n, c = _task_arrays(ladder)
    p = smooth_truth(ladder, truth)
    res = _rule_on_draws(sizes, p, n, c, n_sim, (ladder_key(ladder), truth), share, alpha)
    return res["switch"].mean(axis=1)


def simulate_power(
    ladder: ladders.Ladder,
    jump: float,
    n_sim: int = N_SIM,
    share: float = SHARE,
    alpha: float = ALPHA,
) -> float:
    """Share of planted switches the rule finds: every task flat at chance, then up by `jump` at one step.

    Each task keeps its item count and chance level; the step is drawn uniformly among the ladder's
    K - 1 steps for every task and simulation. Scores are independent binomial draws.
    """
    if not 0 < jump < 1:
        raise ValueError(f"jump must lie in (0, 1), got {jump}")
    sizes, _, n, c = _task_arrays(ladder)
    k = len(sizes)
    generator = stats.generator((ladder_key(ladder), f"power {jump:.4f}"))
    steps = generator.integers(0, k - 1, size=(n_sim, len(n)))
    after = np.arange(k)[None, None, :] > steps[:, :, None]
    base = np.clip(c, 0.001, 0.999)[None, :, None]
    p = np.clip(np.where(after, base + jump, base), 0.001, 0.999)
    n_int = np.round(n).astype(int)
    draws = generator.binomial(n_int[None, :, None], p) / n_int[None, :, None]
    res = jump_analysis(sizes, draws.reshape(-1, k), draws.reshape(-1, k), np.tile(n, n_sim), np.tile(c, n_sim), share, alpha)
    return float(res["switch"].mean())


def analyse_all(ladder_map: dict[str, ladders.Ladder] | None = None) -> pd.DataFrame:
    """`analyse_ladder` for every chapter ladder, with a `ladder` label column, sorted."""
    ladder_map = chapter_ladders() if ladder_map is None else ladder_map
    frames = [analyse_ladder(lad).assign(ladder=label) for label, lad in ladder_map.items()]
    out = pd.concat(frames, ignore_index=True)
    order = {label: i for i, label in enumerate(ladder_map)}
    out["ladder_order"] = out["ladder"].map(order)
    return out.sort_values(["ladder_order", "transform", "task"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Shares with intervals


def bootstrap_share(mask, identity="share", n_boot: int = N_BOOT) -> tuple[float, float, float]:
    """Share of True with a 95% percentile bootstrap interval over tasks, seeded by `identity` (what is resampled)."""
    return stats.bootstrap(mask, np.mean, n_boot, identity=identity)


def bootstrap_median(values, identity="median", n_boot: int = N_BOOT) -> tuple[float, float, float]:
    """Median with a 95% percentile bootstrap interval over tasks, seeded by `identity` (what is resampled)."""
    return stats.bootstrap(values, np.median, n_boot, identity=identity)


def summary_table(results: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """One row per ladder on one scale: medians of L/(K-1) and B, shares of jumps, with 95% CIs."""
    records = []
    for _, rows in results[results["transform"] == transform].groupby("ladder_order", sort=True):
        rows = rows.sort_values("task")
        key = (rows["ladder"].iloc[0], transform)  # the seed of each interval: the ladder, the scale and the statistic
        b = np.minimum(rows["breakthroughness"].to_numpy(), B_CAP)
        improving = rows["improves"].to_numpy()
        rec = {
            "ladder": rows["ladder"].iloc[0],
            "sizes": int(rows["n_sizes"].iloc[0]),
            "tasks": len(rows),
            "B infinite": int(np.isinf(rows["breakthroughness"]).sum()),
        }
        for name, est in (
            ("median L/(K-1)", bootstrap_median(rows["linearity_norm"], (*key, "median L/(K-1)"))),
            ("median B", bootstrap_median(b, (*key, "median B"))),
            ("real jump", bootstrap_share(rows["real"], (*key, "real jump"))),
            ("switch-like", bootstrap_share(rows["switch"], (*key, "switch-like"))),
            ("emergent from chance", bootstrap_share(rows["emergent"], (*key, "emergent from chance"))),
            ("improves", bootstrap_share(improving, (*key, "improves"))),
            (
                "improving, above chance at smallest",
                bootstrap_share(rows["above_chance_first"].to_numpy()[improving], (*key, "improving, above chance at smallest")),
            ),
        ):
            rec[name] = est[0]
            rec[f"{name} low"] = est[1]
            rec[f"{name} high"] = est[2]
        rec["n switch-like"] = int(rows["switch"].sum())
        rec["n improving"] = int(improving.sum())
        records.append(rec)
    return pd.DataFrame.from_records(records)


def survival_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per ladder x transform: share switch-like (95% CI), and how many raw switch-like tasks keep it."""
    records = []
    for (order, name), rows in results.groupby(["ladder_order", "transform"], sort=True):
        raw = results[(results["ladder_order"] == order) & (results["transform"] == "raw")].set_index("task")["switch"]
        indexed = rows.set_index("task").reindex(raw.index)
        here = indexed["switch"]
        lost = raw & ~here
        share, low, high = bootstrap_share(here.to_numpy(), (rows["ladder"].iloc[0], name, "switch-like"))
        records.append(
            {
                "ladder": rows["ladder"].iloc[0],
                "ladder_order": int(order),
                "transform": name,
                "scale": transforms.LABELS[name],
                "switch-like": share,
                "low": low,
                "high": high,
                "n switch-like": int(here.sum()),
                "kept from raw": int((here & raw).sum()),
                "raw switch-like": int(raw.sum()),
                "new": int((here & ~raw).sum()),
                # Why a raw switch is lost on this scale: its largest step moved to a step that is
                # not a real raw gain, the jump no longer holds half the rise, or the gain is undone.
                "lost: largest step is noise": int((lost & ~indexed["real"]).sum()),
                "lost: jump diluted": int((lost & indexed["real"] & ~indexed["dominant"]).sum()),
                "tasks": int(len(here)),
            }
        )
    out = pd.DataFrame.from_records(records)
    out["transform_order"] = out["transform"].map({t: i for i, t in enumerate(EMERGENCE_TRANSFORMS)})
    return out.sort_values(["ladder_order", "transform_order"]).reset_index(drop=True)


def affine_invariance(ladder: ladders.Ladder) -> float:
    """Largest change of L or B when scores are replaced by BIG-bench's chance-normalised score.

    The normalised score 100 (p - c) / (1 - c) is affine in p, so L and B cannot change; the
    value returned is the numerical size of the difference (finite scores only).
    """
    raw = ladder.matrix("raw").dropna()
    info = task_info(ladder).loc[raw.index]
    c = info["chance"].to_numpy(dtype=float).reshape(-1, 1)
    norm = 100 * (raw.to_numpy() - c) / (1 - c)
    sizes = ladder.sizes
    diffs = []
    for f in (linearity, breakthroughness):
        a, b = f(sizes, raw.to_numpy()), f(sizes, norm)
        ok = np.isfinite(a) & np.isfinite(b)
        diffs.append(np.max(np.abs(a[ok] - b[ok])) if ok.any() else 0.0)
        if not np.array_equal(np.isinf(a), np.isinf(b)):
            return float("inf")
    return float(max(diffs))


def item_count_check(ladder: ladders.Ladder, cap: int = BIGG_ITEM_CAP) -> dict:
    """Do the scores sit on the 1/n grid of the evaluated item count (n capped at `cap`)?

    Scores are rounded to 4 decimals by the source, so a score is on the grid when p * n is within
    n * 0.00005 (+ a hair) of an integer, at every size.
    """
    raw = ladder.matrix("raw").dropna()
    info = task_info(ladder, cap).loc[raw.index]
    n = info["n_eval"].to_numpy().reshape(-1, 1)
    counts = raw.to_numpy() * n
    on_grid = (np.abs(counts - np.round(counts)) <= n * 5e-5 + 1e-6).all(axis=1)
    capped = info["n_listed"].to_numpy() > cap
    return {
        "tasks": int(len(raw)),
        "capped": int(capped.sum()),
        "capped_on_grid": int(on_grid[capped].sum()),
        "uncapped": int((~capped).sum()),
        "uncapped_on_grid": int(on_grid[~capped].sum()),
        "off_grid_tasks": sorted(raw.index.get_level_values("task")[~on_grid].astype(str)),
    }


# --------------------------------------------------------------------------------------------
# Display tables and chart data


def top_switch_table(results: pd.DataFrame, per_ladder: int = 6) -> pd.DataFrame:
    """The switch-like tasks of each full ladder with the highest breakthroughness (raw scale),
    with whether they stay switch-like on the other scales."""
    raw = results[(results["transform"] == "raw") & results["switch"]]
    raw = raw[~raw["ladder"].str.contains("largest")]
    survive = results.pivot_table(index=["ladder", "task"], columns="transform", values="switch", aggfunc="first")
    picked = (
        raw.sort_values(["ladder_order", "breakthroughness", "z"], ascending=[True, False, False])
        .groupby("ladder_order", sort=True)
        .head(per_ladder)
    )
    survive_on = []
    for ladder_name, task in zip(picked["ladder"], picked["task"]):
        kept = [SHORT_SCALE[name] for name in EMERGENCE_TRANSFORMS[1:] if bool(survive.loc[(ladder_name, task), name])]
        survive_on.append("all three" if len(kept) == len(EMERGENCE_TRANSFORMS) - 1 else (", ".join(kept) or "none"))
    out = pd.DataFrame(
        {
            "ladder": picked["ladder"].str.replace(r" \(12 sizes\)", "", regex=True),
            "task": picked["task"],
            "jump": [f"{ladders.size_label(a)} → {ladders.size_label(b)}" for a, b in zip(picked["jump_from"], picked["jump_to"])],
            "score": [f"{a:.2f} → {b:.2f}" for a, b in zip(picked["raw_before"], picked["raw_after"])],
            "chance": [f"{v:.2f}" for v in picked["chance"]],
            "items": picked["n_items"].astype(int),
            "share of rise": [f"{v:.2f}" for v in picked["jump_share"]],
            "z": [f"{v:.1f}" for v in picked["z"]],
            "B": [f"{v:.1f}" for v in np.minimum(picked["breakthroughness"], B_CAP)],
            "from chance": np.where(picked["emergent"], "yes", "no"),
            "still switch-like on": survive_on,
        }
    )
    return out.reset_index(drop=True)


def curves_data(ladder_map: dict[str, ladders.Ladder], results: pd.DataFrame, per_ladder: dict[str, int]) -> pd.DataFrame:
    """Score curves (with binomial 95% bars) of the most switch-like tasks of the named ladders."""
    frames = []
    for label, count in per_ladder.items():
        lad = ladder_map[label]
        picked = (
            results[(results["ladder"] == label) & (results["transform"] == "raw") & results["switch"]]
            .sort_values(["breakthroughness", "z"], ascending=[False, False])
            .head(count)
        )
        raw = lad.matrix("raw")
        raw.index = raw.index.get_level_values("task").astype(str)
        for _, row in picked.iterrows():
            p = raw.loc[row["task"]].to_numpy(dtype=float)
            n = row["n_items"]
            half = 1.96 * np.sqrt(np.clip(p, 0.5 / n, 1 - 0.5 / n) * (1 - np.clip(p, 0.5 / n, 1 - 0.5 / n)) / n)
            frames.append(
                pd.DataFrame(
                    {
                        "panel": f"{row['task']} ({label.split(' (')[0]})",
                        "ladder": label,
                        "task": row["task"],
                        "n_params": np.asarray(lad.sizes, dtype=float),
                        "score": p,
                        "low": np.clip(p - half, 0, 1),
                        "high": np.clip(p + half, 0, 1),
                        "chance": row["chance"],
                        "in_jump": [s in (row["jump_from"], row["jump_to"]) for s in lad.sizes],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def scatter_data(results: pd.DataFrame) -> pd.DataFrame:
    """L/(K-1) and B (capped) per task on the raw scale, for the full ladders."""
    rows = results[(results["transform"] == "raw") & ~results["ladder"].str.contains("largest")]
    return pd.DataFrame(
        {
            "ladder": rows["ladder"],
            "task": rows["task"],
            "L/(K-1)": rows["linearity_norm"].round(3),
            "B": np.clip(rows["breakthroughness"], -B_CAP, B_CAP).round(2),
            "kind": np.where(rows["switch"], "switch-like", np.where(rows["improves"], "improves, no sharp jump", "no clear improvement")),
        }
    ).reset_index(drop=True)


def null_table(ladder_map: dict[str, ladders.Ladder], summary: pd.DataFrame, n_sim: int = N_SIM) -> pd.DataFrame:
    """Observed share of switch-like tasks next to the rule's false-alarm rate under smooth truths and its power.

    `<truth> mean` and `<truth> high` are the mean and 97.5th percentile over simulated ladders of the
    share called switch-like; `power <jump>` is the share of planted jumps of that height found.
    """
    records = []
    observed = summary.set_index("ladder")
    for label, lad in ladder_map.items():
        rec = {
            "ladder": label,
            "observed": float(observed.loc[label, "switch-like"]),
            "observed low": float(observed.loc[label, "switch-like low"]),
            "observed high": float(observed.loc[label, "switch-like high"]),
            "log-linear max share": loglinear_max_share(lad.sizes),
        }
        for truth in NULL_TRUTHS:
            shares = simulate_null(lad, truth, n_sim=n_sim)
            rec[f"{truth} mean"] = float(shares.mean())
            rec[f"{truth} high"] = float(np.quantile(shares, 0.975))
        for jump in POWER_JUMPS:
            rec[f"power {jump:.2f}"] = simulate_power(lad, jump, n_sim=n_sim)
        records.append(rec)
    return pd.DataFrame.from_records(records)


@dataclass(frozen=True)
class NullFacts:
    """One ladder's false-alarm rates under the two smooth nulls and the rule's power, formatted for prose."""

    observed: str  # share switch-like with its 95% bootstrap interval
    loglinear_mean: str
    loglinear_high: str  # 97.5th percentile over simulated ladders
    sigmoid_mean: str
    sigmoid_high: str
    power_small: str  # planted jumps of POWER_JUMPS[0], [1], [2]
    power_medium: str
    power_large: str
    jumps: str  # the planted heights in points, "5, 10 and 20"
    vs_loglinear: str  # "above" when the observed share exceeds the null's 97.5th percentile, else "within"
    vs_sigmoid: str


def null_facts(row: pd.Series) -> NullFacts:
    """`NullFacts` from one row of `null_table`."""
    return NullFacts(
        observed=f"{fmt.pct(row['observed'])} (95% CI {fmt.pct(row['observed low'])} to {fmt.pct(row['observed high'])})",
        loglinear_mean=fmt.pct(row["loglinear mean"]),
        loglinear_high=fmt.pct(row["loglinear high"]),
        sigmoid_mean=fmt.pct(row["sigmoid mean"]),
        sigmoid_high=fmt.pct(row["sigmoid high"]),
        power_small=fmt.pct(row[f"power {POWER_JUMPS[0]:.2f}"]),
        power_medium=fmt.pct(row[f"power {POWER_JUMPS[1]:.2f}"]),
        power_large=fmt.pct(row[f"power {POWER_JUMPS[2]:.2f}"]),
        jumps=", ".join(fmt.num(100 * j, 0) for j in POWER_JUMPS[:-1]) + f" and {fmt.num(100 * POWER_JUMPS[-1], 0)}",
        vs_loglinear="above" if row["observed"] > row["loglinear high"] else "within",
        vs_sigmoid="above" if row["observed"] > row["sigmoid high"] else "within",
    )


@dataclass(frozen=True)
class LogisticFitFacts:
    """How the switch-like tasks of one ladder look to a per-task logistic fit."""

    switches: int
    fit_within_noise: int  # logistic curve not rejected by the binomial goodness-of-fit test
    at_slope_bound: int  # fitted slope at sigmoid.K_MAX: a rise sharper than the ladder can resolve
    k_max_ratio: str  # the size ratio of a 10%-90% rise at K_MAX
    last_step_ratio: str  # the ladder's last size ratio, within which a curve at K_MAX looks like a step


def logistic_fit_facts(ladder: ladders.Ladder, results: pd.DataFrame) -> LogisticFitFacts:
    """Fit each switch-like task (raw scale) with `sigmoid.fit_sigmoid` and count good and bound fits."""
    sizes, raw, n, c = _task_arrays(ladder)
    tasks = ladder.matrix("raw").dropna().index.get_level_values("task").astype(str)
    switch = results[results["transform"] == "raw"].set_index("task")["switch"].reindex(tasks).to_numpy(dtype=bool)
    fits = [sigmoid.fit_sigmoid(sizes, y, ch, ceiling="fit", n_items=items) for y, items, ch in zip(raw[switch], n[switch], c[switch])]
    return LogisticFitFacts(
        switches=int(switch.sum()),
        fit_within_noise=int(sum(f.sigmoid_ok for f in fits)),
        at_slope_bound=int(sum(f.k >= sigmoid.K_MAX - 1e-6 for f in fits)),
        k_max_ratio=fmt.num(sigmoid.rise_ratio(sigmoid.K_MAX), 2),
        last_step_ratio=fmt.num(float(sizes[-1] / sizes[-2]), 1),
    )


def null_display(null: pd.DataFrame) -> pd.DataFrame:
    """Observed share, false alarms under the two smooth nulls (mean and 97.5th percentile) and power."""
    out = pd.DataFrame(
        {
            "ladder": null["ladder"],
            "switch-like (observed)": [
                f"{fmt.pct(v)} {fmt.ci(100 * lo, 100 * hi, 0)}" for v, lo, hi in zip(null["observed"], null["observed low"], null["observed high"])
            ],
            "if log-linear": [f"{fmt.pct(m, 1)} ({fmt.pct(h)})" for m, h in zip(null["loglinear mean"], null["loglinear high"])],
            "if logistic": [f"{fmt.pct(m, 1)} ({fmt.pct(h)})" for m, h in zip(null["sigmoid mean"], null["sigmoid high"])],
        }
    )
    for jump in POWER_JUMPS:
        out[f"power, {100 * jump:.0f}-point jump"] = [fmt.pct(v) for v in null[f"power {jump:.2f}"]]
    return out


def summary_display(summary: pd.DataFrame, null: pd.DataFrame) -> pd.DataFrame:
    """The per-ladder summary as a readable table: estimates with their 95% intervals as text."""

    def fmt(row, name, pct=True, digits=0):
        scale = 100 if pct else 1
        unit = "%" if pct else ""
        return (
            f"{row[name] * scale:.{digits}f}{unit} "
            f"[{row[name + ' low'] * scale:.{digits}f}, {row[name + ' high'] * scale:.{digits}f}]"
        )

    nulls = null.set_index("ladder")
    out = pd.DataFrame(
        {
            "ladder": summary["ladder"],
            "sizes": summary["sizes"],
            "tasks": summary["tasks"],
            "median L/(K−1)": [fmt(r, "median L/(K-1)", pct=False, digits=2) for _, r in summary.iterrows()],
            "median B": [fmt(r, "median B", pct=False, digits=1) for _, r in summary.iterrows()],
            "improves": [fmt(r, "improves") for _, r in summary.iterrows()],
            "real jump": [fmt(r, "real jump") for _, r in summary.iterrows()],
            "switch-like": [fmt(r, "switch-like") for _, r in summary.iterrows()],
            "switch-like if log-linear": [f"{nulls.loc[lad, 'loglinear mean'] * 100:.1f}%" for lad in summary["ladder"]],
            "emergent from chance": [fmt(r, "emergent from chance") for _, r in summary.iterrows()],
        }
    )
    return out


def survival_display(survival: pd.DataFrame) -> pd.DataFrame:
    """Switch-like share per ladder and non-raw scale, with kept/new/lost counts relative to the raw scale."""
    survival = survival[survival["transform"] != "raw"]
    return pd.DataFrame(
        {
            "ladder": survival["ladder"],
            "scale": survival["scale"],
            "switch-like": [f"{s * 100:.0f}% [{lo * 100:.0f}, {hi * 100:.0f}]" for s, lo, hi in zip(survival["switch-like"], survival["low"], survival["high"])],
            "tasks": survival["n switch-like"],
            "kept from raw": [f"{k} of {r}" for k, r in zip(survival["kept from raw"], survival["raw switch-like"])],
            "new": survival["new"],
            "lost: step is noise": survival["lost: largest step is noise"],
            "lost: diluted": survival["lost: jump diluted"],
        }
    )


def chapter_results() -> SimpleNamespace:
    """Everything the emergence chapter prints: per-task results, summaries, tables and chart data."""
    ladder_map = chapter_ladders()
    results = analyse_all(ladder_map)
    summary = summary_table(results, "raw")
    survival = survival_table(results)
    bigg = ladder_map["BIG-G T=0 (12 sizes)"]
    res = SimpleNamespace(
        ladders=ladder_map,
        results=results,
        summary=summary,
        survival=survival,
        top=top_switch_table(results),
        curves=curves_data(ladder_map, results, {"BIG-G T=0 (12 sizes)": 6, "Pythia 0-shot": 1, "OPT 0-shot": 1}),
        scatter=scatter_data(results),
        item_check=item_count_check(bigg),
        affine_max_diff=max(affine_invariance(lad) for lad in ladder_map.values()),
        zcrit={label: critical_z(len(lad.sizes)) for label, lad in ladder_map.items()},
    )
    raw = results[results["transform"] == "raw"]
    res.switch_count = raw.groupby("ladder")["switch"].sum().astype(int).to_dict()
    res.last_step_count = raw[raw["switch"]].groupby("ladder")["at_last_step"].sum().astype(int).to_dict()
    res.emergent_count = raw.groupby("ladder")["emergent"].sum().astype(int).to_dict()
    res.null = null_table(ladder_map, summary)
    res.null_display = null_display(res.null)
    res.summary_display = summary_display(summary, res.null)
    res.survival_display = survival_display(survival)
    res.by_ladder = summary.set_index("ladder")
    res.nulls = res.null.set_index("ladder")
    res.surv = survival.set_index(["ladder", "transform"])
    res.loglinear_share_max = float(res.null["log-linear max share"].max())
    # Short names for the prose: one summary row, null row and survival row per ladder.
    short = dict(zip(("bigg", "bigg8", "py0", "py5", "opt"), (spec.label for spec in LADDER_SPECS)))
    res.label = short
    res.row = {key: res.by_ladder.loc[label] for key, label in short.items()}
    res.nullrow = {key: res.nulls.loc[label] for key, label in short.items()}
    res.surv_row = {(key, name): res.surv.loc[(label, name)] for key, label in short.items() for name in EMERGENCE_TRANSFORMS}
    res.switches = {key: res.switch_count[label] for key, label in short.items()}
    res.last_steps = {key: res.last_step_count.get(label, 0) for key, label in short.items()}
    res.emergents = {key: res.emergent_count[label] for key, label in short.items()}
    res.facts = ladder_facts(ladder_map, short)
    res.null_facts = {key: null_facts(res.nulls.loc[label]) for key, label in short.items()}
    res.logistic_bigg = logistic_fit_facts(bigg, results[results["ladder"] == short["bigg"]])
    top_bigg = raw[(raw["ladder"] == short["bigg"]) & raw["switch"]].sort_values(["breakthroughness", "z"], ascending=False)
    first = top_bigg.iloc[0]
    res.top_bigg = SimpleNamespace(
        task=str(first["task"]),
        before=float(first["raw_before"]),
        after=float(first["raw_after"]),
        chance=float(first["chance"]),
        items=int(first["n_items"]),
        z=float(first["z"]),
        size_from=ladders.size_label(first["jump_from"]),
        size_to=ladders.size_label(first["jump_to"]),
        at_last_step=bool(first["at_last_step"]),
    )
    res.floor_logit_starts = {key: floor_logit_starts(results, label) for key, label in short.items()}
    res.improving_weakest = {key: weakest_improvement(results, label) for key, label in short.items()}
    res.prose = emergence_facts(res)
    return res


def floor_logit_starts(results: pd.DataFrame, label: str) -> dict[str, int]:
    """Where the raw switches of one ladder start, split by whether the logit above chance keeps them:
    kept switches whose pre-jump score is below chance, and lost ones whose pre-jump score is above it."""
    rows = results[results["ladder"] == label]
    raw = rows[rows["transform"] == "raw"].set_index("task")
    floor = rows[rows["transform"] == "floor_logit"].set_index("task").reindex(raw.index)
    kept = raw["switch"] & floor["switch"]
    lost = raw["switch"] & ~floor["switch"]
    below = raw["raw_before"] < raw["chance"]
    return {"kept_below": int((kept & below).sum()), "lost_above": int((lost & ~below).sum())}


def weakest_improvement(results: pd.DataFrame, label: str) -> tuple[str, float]:
    """The improving task of one ladder with the smallest smallest-to-largest z, and that z: the
    borderline case a reader needs to reproduce the count of improving tasks."""
    rows = results[(results["ladder"] == label) & (results["transform"] == "raw")]
    improving = rows[rows["improves"]]
    weakest = improving.loc[improving["improves_z"].idxmin()]
    return str(weakest["task"]), float(weakest["improves_z"])


def ladder_facts(ladder_map: dict[str, ladders.Ladder], short: dict[str, str]) -> SimpleNamespace:
    """Plain facts about the ladders that the prose states (sizes, spans, task mix, rounding)."""
    lads = {key: ladder_map[label] for key, label in short.items()}
    bigg = lads["bigg"]
    py_tasks = lads["py0"].matrix("raw").index.get_level_values("task").astype(str)
    scores = bigg.rows["score"].to_numpy(dtype=float)
    decimals = next(d for d in range(0, 10) if np.allclose(scores, np.round(scores, d), atol=1e-12))
    open_rows = pd.concat([lads["py0"].rows, lads["opt"].rows])
    wsc = open_rows.loc[open_rows["task"] == "wsc", "score"].round(4)
    wsc_mode = float(wsc.mode().iloc[0]) if len(wsc) else float("nan")
    return SimpleNamespace(
        smallest={key: ladders.size_label(lad.sizes[0]) for key, lad in lads.items()},
        largest={key: ladders.size_label(lad.sizes[-1]) for key, lad in lads.items()},
        decades={key: float(np.log10(lad.sizes[-1] / lad.sizes[0])) for key, lad in lads.items()},
        last_step_models=tuple(bigg.models[size].split()[-1] for size in bigg.sizes[-2:]),
        n_mmlu=int(sum(t.startswith("mmlu_") for t in py_tasks)),
        n_families=len({lad.family for lad in lads.values()}),
        median_items={key: int(np.median(task_info(lad, item_cap_for(lad))["n_eval"])) for key, lad in lads.items()},
        items_p25={key: int(np.percentile(task_info(lad, item_cap_for(lad))["n_eval"], 25)) for key, lad in lads.items()},
        decimals=int(decimals),
        wsc_mode=wsc_mode,
        wsc_mode_models=int((wsc == round(wsc_mode, 4)).sum()),
        wsc_models=int(len(wsc)),
        wsc_chance=float(open_rows.loc[open_rows["task"] == "wsc", "chance"].iloc[0]),
    )


@dataclass(frozen=True)
class LadderProse:
    """One ladder's figures as the chapter prints them."""

    tasks: str
    sizes: str
    decades: str
    smallest: str
    largest: str
    median_items: str
    items_p25: str  # 25th percentile of evaluated items: the low tail that limits power
    zcrit: str
    switch_like: str  # share with its 95% CI, as `share_text`
    improves: str
    emergent: str
    improving_above_chance: str
    median_b: str
    n_improving: str
    n_switches: str
    n_last_step: str
    n_emergent: str
    improving_weakest_task: str  # the improving task with the smallest z, and that z
    improving_weakest_z: str
    logit_kept: str  # raw switches still switch-like on each other scale
    log_error_kept: str
    floor_logit_kept: str
    floor_logit_lost: str
    floor_logit_lost_noise: str  # ... lost because the largest step on that scale is not a real gain
    floor_logit_lost_diluted: str  # ... lost because the jump no longer holds half of the rise
    floor_logit_kept_below_chance: str  # kept switches whose pre-jump score is below chance
    floor_logit_lost_above_chance: str  # lost switches whose pre-jump score is above chance
    logit_share: str
    log_error_share: str


@dataclass(frozen=True)
class EmergenceFacts:
    """Chapter-wide figures and one `LadderProse` per ladder."""

    bigg: LadderProse
    bigg8: LadderProse
    py0: LadderProse
    py5: LadderProse
    opt: LadderProse
    share: str
    alpha: str
    improve_z: str  # critical z of the improvement test
    item_cap: str
    item_cap_grid: str  # without a thousands separator, for "multiples of 1/1024"
    n_sim: str
    n_families: str
    loglinear_share_max: str
    affine_max_diff: str
    capped: str
    capped_on_grid: str
    uncapped: str
    uncapped_on_grid: str
    off_grid: str
    decimals: str
    n_mmlu: str
    wsc_chance: str
    wsc_mode: str
    wsc_mode_models: str
    wsc_models: str
    py0_switch_tasks: str  # the raw switch-like tasks of Pythia 0-shot, and the emergent ones of OPT
    opt_emergent_tasks: str
    last_step_from: str
    last_step_to: str
    top_task: str
    top_before: str
    top_after: str
    top_chance: str
    top_items: str
    top_z: str
    top_from: str
    top_to: str


def _ladder_prose(res: SimpleNamespace, key: str) -> LadderProse:
    row = res.row[key]
    facts = res.facts
    surv = {name: res.surv_row[(key, name)] for name in EMERGENCE_TRANSFORMS}
    switches = res.switches[key]
    return LadderProse(
        tasks=f"{int(row['tasks'])}",
        sizes=f"{int(row['sizes'])}",
        decades=fmt.num(facts.decades[key], 1),
        smallest=facts.smallest[key],
        largest=facts.largest[key],
        median_items=f"{facts.median_items[key]:,}",
        items_p25=f"{facts.items_p25[key]:,}",
        zcrit=fmt.num(res.zcrit[res.label[key]], 2),
        switch_like=share_text(row, "switch-like"),
        improves=share_text(row, "improves"),
        emergent=share_text(row, "emergent from chance"),
        improving_above_chance=share_text(row, "improving, above chance at smallest"),
        median_b=median_text(row, "median B", 1),
        n_improving=f"{int(row['n improving'])}",
        n_switches=f"{switches}",
        n_last_step=f"{res.last_steps[key]}",
        n_emergent=f"{res.emergents[key]}",
        improving_weakest_task=res.improving_weakest[key][0],
        improving_weakest_z=fmt.num(res.improving_weakest[key][1], 2),
        logit_kept=f"{int(surv['logit']['kept from raw'])}",
        log_error_kept=f"{int(surv['log_error']['kept from raw'])}",
        floor_logit_kept=f"{int(surv['floor_logit']['kept from raw'])}",
        floor_logit_lost=f"{switches - int(surv['floor_logit']['kept from raw'])}",
        floor_logit_lost_noise=f"{int(surv['floor_logit']['lost: largest step is noise'])}",
        floor_logit_lost_diluted=f"{int(surv['floor_logit']['lost: jump diluted'])}",
        floor_logit_kept_below_chance=f"{res.floor_logit_starts[key]['kept_below']}",
        floor_logit_lost_above_chance=f"{res.floor_logit_starts[key]['lost_above']}",
        logit_share=survival_text(surv["logit"]),
        log_error_share=survival_text(surv["log_error"]),
    )


def _task_list(res: SimpleNamespace, key: str, column: str) -> str:
    """The raw-scale tasks of one ladder flagged in `column`, in the harness's own names."""
    raw = res.results[(res.results["transform"] == "raw") & (res.results["ladder"] == res.label[key])]
    names = sorted(raw.loc[raw[column].astype(bool), "task"].astype(str))
    return ", ".join(names) if names else "none"


def emergence_facts(res: SimpleNamespace) -> EmergenceFacts:
    facts, check, top = res.facts, res.item_check, res.top_bigg
    return EmergenceFacts(
        **{key: _ladder_prose(res, key) for key in ("bigg", "bigg8", "py0", "py5", "opt")},
        share=fmt.pct(SHARE),
        alpha=f"{ALPHA}",
        improve_z=fmt.num(improve_z(), 2),
        item_cap=f"{BIGG_ITEM_CAP:,}",
        item_cap_grid=f"{BIGG_ITEM_CAP}",
        n_sim=f"{N_SIM:,}",
        n_families=fmt.count(facts.n_families),
        loglinear_share_max=fmt.pct(res.loglinear_share_max),
        affine_max_diff=f"{res.affine_max_diff:.0e}",
        capped=f"{check['capped']}",
        capped_on_grid=f"{check['capped_on_grid']}",
        uncapped=f"{check['uncapped']}",
        uncapped_on_grid=f"{check['uncapped_on_grid']}",
        off_grid=f"{len(check['off_grid_tasks'])}",
        decimals=f"{facts.decimals}",
        n_mmlu=f"{facts.n_mmlu}",
        wsc_chance=fmt.num(facts.wsc_chance, 1),
        wsc_mode=fmt.num(facts.wsc_mode, 3),
        wsc_mode_models=f"{facts.wsc_mode_models}",
        wsc_models=f"{facts.wsc_models}",
        py0_switch_tasks=_task_list(res, "py0", "switch"),
        opt_emergent_tasks=_task_list(res, "opt", "emergent"),
        last_step_from=facts.last_step_models[0],
        last_step_to=facts.last_step_models[1],
        top_task=top.task,
        top_before=fmt.num(top.before, 2),
        top_after=fmt.num(top.after, 2),
        top_chance=fmt.num(top.chance, 2),
        top_items=f"{top.items}",
        top_z=fmt.num(top.z, 1),
        top_from=top.size_from,
        top_to=top.size_to,
    )


def share_text(row: pd.Series, name: str) -> str:
    """'18% (95% CI 10–27%)' for a share column of `summary_table` (columns name, name low, name high)."""
    return f"{row[name]:.0%} (95% CI {row[name + ' low']:.0%} to {row[name + ' high']:.0%})"


def median_text(row: pd.Series, name: str, digits: int = 2) -> str:
    """'0.26 (95% CI 0.22 to 0.30)' for a median column of `summary_table`."""
    return f"{row[name]:.{digits}f} (95% CI {row[name + ' low']:.{digits}f} to {row[name + ' high']:.{digits}f})"


def survival_text(row: pd.Series) -> str:
    """'19% (95% CI 11% to 27%)' for a row of `survival_table`."""
    return f"{row['switch-like']:.0%} (95% CI {row['low']:.0%} to {row['high']:.0%})"
