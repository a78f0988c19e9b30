"""Inverse and U-shaped scaling on the Inverse Scaling Prize tasks (chapter 5).

Everything the chapter prints is computed here:

* binomial intervals (`stats.wilson_interval`) and intervals for a difference of two accuracies
  (`diff_interval`, Agresti–Caffo);
* a stated rule that labels each curve positive, inverse, U-shaped, inverted-U, zigzag or flat
  (`classify`, vectorised as `classify_batch`), its stability under resampling of items and its
  false-alarm rate on flat curves;
* PaLM's curves in detail (`palm_detail`);
* the "true task + distractor task" mixture model (`mixture_accuracy`, `fit_mixture`);
* two-step extrapolation on these curves (`extrapolation_triples`);
* the history of the U-shaped claim with what our data can check (`claim_history`);
* NeQA under three prompts (`neqa_points`, `neqa_shapes`).

`chapter_results()` bundles all of it for the chapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from . import data, fmt, stats
from .ladders import find_ladders

LEVEL = 0.95
LOSS_TASK = "prompt-injection"

# Shape codes used by the vectorised classifier, and their labels.
SHAPES: tuple[str, ...] = ("positive", "inverse", "U-shaped", "inverted-U", "zigzag", "flat")
POSITIVE, INVERSE, U_SHAPED, INVERTED_U, ZIGZAG, FLAT = range(len(SHAPES))
NON_MONOTONE = ("U-shaped", "inverted-U", "zigzag")

# Round-1 tasks as Wei et al.'s first version used them, and the task that replaced each in Round 2.
ROUND1_TASKS = {
    "hindsight-neglect": "hindsight-neglect",
    "neqa": "neqa",
    "quote-repetition": "resisting-correction",
    "redefine-math": "redefine",
}

# Counts the papers report (paraphrased in data/inverse_scaling_claims.csv; a test checks that
# each appears there), so the prose can set our counts beside theirs.
PUBLISHED = {
    "v1_u": 3,  # Wei et al. v1: 3 of the 4 Round-1 tasks U-shaped
    "v1_tasks": 4,
    "v2_u": 2,  # revised version on the prize's exact evaluation: 2 of 4
    "v3_tasks": 11,  # an 11-task version as gwern quotes it: all but one of 11 tasks U-shaped
    "v3_not_u": 1,
    "final_u": 6,  # arxiv-vanity's 11-task render and the final version: 6 U-shaped, 4 inverse, 1 positive
    "final_inverse": 4,
    "final_positive": 1,
    "mckenzie_improve": 7,  # McKenzie et al.: improvement at 540B on 7 of 11 tasks
    "mckenzie_tasks": 11,
}
# The tasks on which McKenzie et al. note that large PaLM stays below small PaLM (Sec. 5.1).
MCKENZIE_CAVEAT_TASKS = ("resisting-correction", "memo-trap", "neqa")
# The two Round-1 tasks the revised version reportedly found U-shaped (Round-1 names).
V2_U_TASKS = ("hindsight-neglect", "quote-repetition")
NON_MONOTONE_LABEL = "non-monotone (U, inverted-U, zigzag)"
FIT_ALPHA = 0.05  # a mixture fit "fails" when its deviance test rejects at this level
AGREEMENT_THRESHOLD = 0.8  # curves keeping their label in fewer resampled draws are borderline
OPEN_MARGIN = 1.0  # decades of FLOPs beyond the data searched for the turning scale's interval

# One sentence per task, in our own words (no item text). The hypothesised cause comes from the data.
TASK_DESCRIPTIONS = {
    "hindsight-neglect": "Judge whether a bet was worth taking from its expected value, after demonstrations in which the outcome always agreed with the expected value and a final case in which it does not.",
    "into-the-unknown": "Pick the piece of extra information that would actually help answer a question, rather than one that repeats what is already known.",
    "memo-trap": "Finish a well-known saying or quotation the way the instruction asks, which differs from the familiar ending.",
    "modus-tollens": "Say whether a conclusion follows from an if-then statement and the denial of its consequent (it always does).",
    "neqa": "Answer a multiple-choice science question that has been turned around by a negation.",
    "pattern-matching-suppression": "Continue a repetitive sequence while breaking the pattern, as the instruction demands.",
    "prompt-injection": "Carry out an instruction on a piece of text that itself contains a competing instruction; scored by the loss on the intended answer.",
    "redefine": "Answer a question after a common symbol or word has been given a new meaning, using the new meaning.",
    "repetitive-algebra": "Solve a simple arithmetic question after demonstrations that all share the same answer, when the final answer differs.",
    "resisting-correction": "Repeat a given text exactly, including a deliberate oddity that a fluent model is tempted to correct.",
    "sig-figs": "Round a number to a given count of significant figures, not decimal places.",
}


def z_value(level: float = LEVEL) -> float:
    """Two-sided normal quantile for a `level` interval (1.96 for 95%)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(sps.norm.ppf(0.5 + level / 2))


# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------


def diff_interval(p1, n1, p2, n2, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p2 - p1 of two independent proportions with the Agresti–Caffo interval.

    Adds one success and one failure to each sample: p̃ = (k + 1) / (n + 2), and the interval is
    p̃2 - p̃1 ± z · sqrt(p̃1(1 - p̃1)/(n1 + 2) + p̃2(1 - p̃2)/(n2 + 2)). Returns (p2 - p1, low, high).
    """
    p1, n1, p2, n2 = (np.asarray(a, dtype=float) for a in (p1, n1, p2, n2))
    if np.any((p1 < 0) | (p1 > 1) | (p2 < 0) | (p2 > 1)):
        raise ValueError("proportions must lie in [0, 1]")
    if np.any(n1 <= 0) or np.any(n2 <= 0):
        raise ValueError("item counts must be positive")
    z = z_value(level)
    t1 = (p1 * n1 + 1) / (n1 + 2)
    t2 = (p2 * n2 + 1) / (n2 + 2)
    se = np.sqrt(t1 * (1 - t1) / (n1 + 2) + t2 * (1 - t2) / (n2 + 2))
    centre = t2 - t1
    return p2 - p1, centre - z * se, centre + z * se


# --------------------------------------------------------------------------------------------
# The classification rule
# --------------------------------------------------------------------------------------------


def classify_batch(scores, n=None, level: float = LEVEL, min_effect: float = 0.0, adjust: bool = True) -> np.ndarray:
    """Shape codes (indices into `SHAPES`) for a batch of curves, vectorised.

    `scores` is (curves, sizes), each row ordered by scale; `n` gives the item count of each
    size (a scalar or a vector of length sizes). A rise from point a to point b is *real* when
    the Agresti–Caffo interval of p_b - p_a lies above zero and p_b - p_a >= `min_effect`.
    With `adjust` (the default) the interval's level is Bonferroni-adjusted for the
    m(m - 1)/2 pairs of sizes a curve of m sizes offers, 1 - (1 - level) / (m(m - 1)/2), so that a
    flat curve is called anything but flat in at most 1 - level of cases; without it every
    comparison uses `level` itself.
    With `n=None` there is no noise test: a rise is real when it is at least `min_effect`
    and positive (a purely descriptive reading, used for the loss task).

    The rule, in order:

    * U-shaped: the lowest point is neither the first nor the last, the highest point before it
      is really above it, and the highest point after it is really above it;
    * inverted-U: the mirror image (the highest point is interior and really above the lowest
      point on each side);
    * zigzag: both of the above hold (a real interior valley and a real interior peak);
    * otherwise flat if the highest point is not really above the lowest, else positive when the
      highest point comes after the lowest and inverse when it comes before.
    Ties go to the first (smallest-scale) point.
    """
    p = np.atleast_2d(np.asarray(scores, dtype=float))
    if p.ndim != 2:
        raise ValueError("scores must be a vector or a (curves, sizes) array")
    n_curves, m = p.shape
    if m < 2:
        raise ValueError("a curve needs at least two sizes")
    if np.isnan(p).any():
        raise ValueError("scores contain NaN")
    if min_effect < 0:
        raise ValueError("min_effect must not be negative")
    if n is not None:
        n = np.broadcast_to(np.asarray(n, dtype=float), (m,)).astype(float)
        if np.any(n <= 0):
            raise ValueError("item counts must be positive")
        if np.any((p < 0) | (p > 1)):
            raise ValueError("scores must be proportions in [0, 1] when item counts are given")
        pairs = m * (m - 1) / 2
        z = z_value(1 - (1 - level) / pairs) if adjust else z_value(level)
        tilde = (p * n + 1) / (n + 2)
        var = tilde * (1 - tilde) / (n + 2)
    rows = np.arange(n_curves)
    cols = np.arange(m)

    def real_rise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Is point b really above point a (per curve)?"""
        gap = p[rows, b] - p[rows, a]
        ok = gap >= min_effect
        if n is None:
            return ok & (gap > 0)
        lower = tilde[rows, b] - tilde[rows, a] - z * np.sqrt(var[rows, a] + var[rows, b])
        return ok & (lower > 0)

    def masked_arg(values: np.ndarray, mask: np.ndarray, pick_max: bool) -> np.ndarray:
        fill = -np.inf if pick_max else np.inf
        masked = np.where(mask, values, fill)
        return masked.argmax(axis=1) if pick_max else masked.argmin(axis=1)

    i_min = p.argmin(axis=1)
    i_max = p.argmax(axis=1)
    interior_min = (i_min > 0) & (i_min < m - 1)
    interior_max = (i_max > 0) & (i_max < m - 1)
    # Highest point before / after the minimum; lowest point before / after the maximum.
    before_min = masked_arg(p, cols[None, :] < i_min[:, None], True)
    after_min = masked_arg(p, cols[None, :] > i_min[:, None], True)
    before_max = masked_arg(p, cols[None, :] < i_max[:, None], False)
    after_max = masked_arg(p, cols[None, :] > i_max[:, None], False)
    u_shape = interior_min & real_rise(i_min, before_min) & real_rise(i_min, after_min)
    cap_shape = interior_max & real_rise(before_max, i_max) & real_rise(after_max, i_max)
    changes = real_rise(i_min, i_max)

    codes = np.where(i_max > i_min, POSITIVE, INVERSE)
    codes = np.where(changes, codes, FLAT)
    codes = np.where(cap_shape, INVERTED_U, codes)
    codes = np.where(u_shape, U_SHAPED, codes)
    codes = np.where(u_shape & cap_shape, ZIGZAG, codes)
    return codes.astype(int)


def classify(scores, n=None, level: float = LEVEL, min_effect: float = 0.0, adjust: bool = True) -> str:
    """Shape label of one curve ordered by scale; see `classify_batch` for the rule."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError("classify takes one curve; use classify_batch for several")
    return SHAPES[int(classify_batch(scores[None, :], n, level, min_effect, adjust)[0])]


# --------------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """One model series on one task, ordered by training FLOPs."""

    task: str
    family: str
    models: tuple[str, ...]
    x: np.ndarray  # log10 training FLOPs
    p: np.ndarray  # accuracy (or loss for the loss task)
    n: int  # items of the task
    chance: float
    metric: str

    @property
    def key(self) -> str:
        return f"{self.task} · {self.family}"


def task_names(tasks: pd.DataFrame | None = None) -> dict[str, str]:
    """Short display name of each task ("Resisting Correction", not the name with its history)."""
    tasks = data.load_inverse_scaling_tasks() if tasks is None else tasks
    return {str(t): str(name).split(" (")[0] for t, name in zip(tasks["task"], tasks["name"], strict=True)}


def curves(frame: pd.DataFrame | None = None, metric: str = "accuracy") -> list[Curve]:
    """Every (task, family) curve of the prize data with one metric, sorted by task and family."""
    frame = data.load_inverse_scaling() if frame is None else frame
    frame = frame[frame["metric"] == metric]
    if frame["training_flops"].isna().any():
        raise ValueError("every inverse-scaling row needs training FLOPs")
    out = []
    for (task, family), rows in frame.groupby(["task", "family"], sort=True):
        rows = rows.sort_values("training_flops", kind="mergesort")
        n_items = rows["n_items"].dropna().unique()
        n = int(n_items[0]) if len(n_items) else 0
        chance = rows["chance"].dropna()
        out.append(
            Curve(
                task=str(task),
                family=str(family),
                models=tuple(str(m) for m in rows["model"]),
                x=np.log10(rows["training_flops"].to_numpy(dtype=float)),
                p=rows["score"].to_numpy(dtype=float),
                n=n,
                chance=float(chance.iloc[0]) if len(chance) else np.nan,
                metric=metric,
            )
        )
    return out


def curve_points(curve_list: list[Curve], level: float = LEVEL) -> pd.DataFrame:
    """Tidy points with 95% Wilson intervals: the data of the small-multiples chart."""
    names = task_names()
    frames = []
    for c in curve_list:
        low, high = stats.wilson_interval(c.p, c.n, level) if c.metric == "accuracy" else (c.p * np.nan, c.p * np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "task": c.task,
                    "task_name": names.get(c.task, c.task),
                    "family": c.family,
                    "model": list(c.models),
                    "log10_flops": c.x,
                    "score": c.p,
                    "low": low,
                    "high": high,
                    "chance": c.chance,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _step_rows(c: Curve, level: float) -> dict:
    """Extremes and the two key differences of one accuracy curve (for the classification table)."""
    i = int(np.argmin(c.p))
    out = {"min_model": c.models[i], "min_score": c.p[i]}
    if 0 < i < len(c.p) - 1:
        before = int(np.argmax(c.p[:i]))
        after = i + 1 + int(np.argmax(c.p[i + 1 :]))
        drop, dlo, dhi = diff_interval(c.p[before], c.n, c.p[i], c.n, level)
        rise, rlo, rhi = diff_interval(c.p[i], c.n, c.p[after], c.n, level)
        out |= {"drop": float(drop), "drop_low": float(dlo), "drop_high": float(dhi)}
        out |= {"rise": float(rise), "rise_low": float(rlo), "rise_high": float(rhi)}
    else:
        out |= dict.fromkeys(("drop", "drop_low", "drop_high", "rise", "rise_low", "rise_high"), np.nan)
    return out


def classification(curve_list: list[Curve], level: float = LEVEL, min_effect: float = 0.0, adjust: bool = True) -> pd.DataFrame:
    """One row per accuracy curve: its shape under the rule, its extremes and key differences."""
    names = task_names()
    records = []
    for c in curve_list:
        if c.metric != "accuracy":
            raise ValueError("classification with intervals needs accuracy curves")
        records.append(
            {
                "task": c.task,
                "task_name": names.get(c.task, c.task),
                "family": c.family,
                "n_sizes": len(c.p),
                "n_items": c.n,
                "shape": classify(c.p, c.n, level, min_effect, adjust),
            }
            | _step_rows(c, level)
        )
    return pd.DataFrame.from_records(records)


SHAPE_CODES = {"positive": "↑", "inverse": "↓", "U-shaped": "U", "inverted-U": "∩", "zigzag": "~", "flat": "="}
SERIES_SHORT = {
    "Anthropic Context Distilled": "Anthr. CD",
    "Anthropic LM": "Anthr. LM",
    "Anthropic RLHF": "Anthr. RLHF",
    "Chinchilla": "Chinch.",
    "GPT-3 FeedME": "FeedME",
}


def shape_table(table: pd.DataFrame) -> pd.DataFrame:
    """Display table: tasks as rows, series as columns, a one-character shape code in each cell
    (↑ positive, ↓ inverse, U, ∩ inverted-U, ~ zigzag, = flat)."""
    coded = table.assign(code=table["shape"].map(SHAPE_CODES), series=table["family"].map(lambda f: SERIES_SHORT.get(f, f)))
    wide = coded.pivot(index="task_name", columns="series", values="code").fillna("–")
    wide.index.name = "Task"
    wide.columns.name = None
    return wide.reset_index()


def shape_counts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts of each shape under one or more variants of the rule (one column per variant)."""
    columns = {}
    for name, table in tables.items():
        counts = table["shape"].value_counts()
        columns[name] = [int(counts.get(s, 0)) for s in SHAPES]
    out = pd.DataFrame(columns, index=list(SHAPES))
    out.loc["total"] = out.sum()
    out.index.name = "Shape"
    return out.reset_index()


def classification_stability(curve_list: list[Curve], n_boot: int = 1000, level: float = LEVEL) -> dict:
    """Resample every curve's items (binomial draws at the observed accuracies) and reclassify.

    Returns per-curve agreement (share of draws with the observed label) and, per shape, the
    2.5/97.5 percentiles of the number of curves with that shape. Each curve's draws are seeded
    by the curve (task and family), not by its place in the list.
    """
    observed = np.array([classify_batch(c.p[None, :], c.n, level)[0] for c in curve_list])
    labels = np.empty((n_boot, len(curve_list)), dtype=int)
    for j, c in enumerate(curve_list):
        draws = stats.generator(("item resample", c.key)).binomial(c.n, np.broadcast_to(c.p, (n_boot, len(c.p)))) / c.n
        labels[:, j] = classify_batch(draws, c.n, level)
    agreement = (labels == observed[None, :]).mean(axis=0)
    counts = np.stack([(labels == code).sum(axis=1) for code in range(len(SHAPES))], axis=1)
    tail = (1 - level) / 2
    count_interval = {
        SHAPES[code]: (int(np.quantile(counts[:, code], tail)), int(np.quantile(counts[:, code], 1 - tail)))
        for code in range(len(SHAPES))
    }
    return {"agreement": agreement, "count_interval": count_interval, "n_boot": n_boot}


def flat_false_alarms(
    curve_list: list[Curve], n_sim: int = 1000, level: float = LEVEL, adjust: bool = True
) -> pd.DataFrame:
    """How often the rule reports a shape when the truth is flat.

    Each curve is simulated as flat at its own mean accuracy, with its own number of sizes and
    items; the table gives, per curve, the share of simulations labelled each way. The draws are
    seeded by the curve, so the rule with and without `adjust` is judged on the same simulations.
    """
    records = []
    for c in curve_list:
        centre = float(np.clip(c.p.mean(), 0.01, 0.99))
        draws = stats.generator(("flat truth", c.key)).binomial(c.n, centre, size=(n_sim, len(c.p))) / c.n
        codes = classify_batch(draws, c.n, level, adjust=adjust)
        records.append(
            {"task": c.task, "family": c.family} | {SHAPES[k]: float((codes == k).mean()) for k in range(len(SHAPES))}
        )
    return pd.DataFrame.from_records(records)


def loss_shapes(loss_curves: list[Curve]) -> pd.DataFrame:
    """Descriptive shapes of the loss task on -loss (no interval: the data give no per-item spread)."""
    records = []
    for c in loss_curves:
        records.append(
            {
                "family": c.family,
                "losses": " → ".join(f"{v:.2f}" for v in c.p),
                "shape": classify(-c.p, None),
            }
        )
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# PaLM in detail
# --------------------------------------------------------------------------------------------


def palm_detail(curve_list: list[Curve], level: float = LEVEL) -> pd.DataFrame:
    """Per accuracy task, PaLM's four sizes and the differences that decide its shape.

    rise = 540B - 62B; vs_small = 540B - 1B; vs_chance = 540B - chance (Wilson interval of 540B,
    shifted). Intervals are 95% Agresti–Caffo for differences.
    """
    names = task_names()
    records = []
    for c in curve_list:
        if c.family != "PaLM":
            continue
        if len(c.p) != 4:
            raise ValueError(f"PaLM on {c.task} has {len(c.p)} sizes, expected 4")
        rise, rise_lo, rise_hi = diff_interval(c.p[2], c.n, c.p[3], c.n, level)
        small, small_lo, small_hi = diff_interval(c.p[0], c.n, c.p[3], c.n, level)
        lo, hi = stats.wilson_interval(c.p[3], c.n, level)
        records.append(
            {
                "task": c.task,
                "task_name": names.get(c.task, c.task),
                "n_items": c.n,
                "chance": c.chance,
                "p_1b": c.p[0],
                "p_8b": c.p[1],
                "p_62b": c.p[2],
                "p_540b": c.p[3],
                "shape": classify(c.p, c.n, level),
                "rise": float(rise),
                "rise_low": float(rise_lo),
                "rise_high": float(rise_hi),
                "rise_z": float(_z_of_diff(c.p[2], c.p[3], c.n)),
                "vs_small": float(small),
                "vs_small_low": float(small_lo),
                "vs_small_high": float(small_hi),
                "vs_chance": float(c.p[3] - c.chance),
                "vs_chance_low": float(lo - c.chance),
                "vs_chance_high": float(hi - c.chance),
                "drop_62_vs_1": float(c.p[2] - c.p[0]),
                "drop_62_vs_1_high": float(diff_interval(c.p[0], c.n, c.p[2], c.n, level)[2]),
            }
        )
    return pd.DataFrame.from_records(records).sort_values("task").reset_index(drop=True)


READINGS = (
    "rule as stated, Prompt Injection on −loss",
    "a U must end not below its smallest model",
    "rule on accuracy, Prompt Injection counted inverse",
)


def palm_readings(palm: pd.DataFrame, palm_loss: Curve) -> pd.DataFrame:
    """PaLM's shape counts over all tasks under three readings, beside Wei et al.'s final counts.

    1. The rule as stated on every task, Prompt Injection read on −loss (descriptively: a loss
       has no binomial interval). This is the chapter's reading.
    2. The same, but a U whose largest model is below its smallest (really below, for accuracy;
       by any amount, for the loss) counts as inverse: the stricter reading under which Prompt
       Injection is inverse, applied to every task.
    3. The mixed reading that reproduces the paper: the rule on accuracy, Prompt Injection inverse.
    """
    if palm_loss.family != "PaLM" or palm_loss.metric != "loss":
        raise ValueError("palm_loss must be PaLM's loss curve")
    loss_shape = classify(-palm_loss.p, None)
    loss_ends_below = bool(palm_loss.p[-1] > palm_loss.p[0])
    acc = palm["shape"].tolist()
    ends_below = (palm["vs_small_high"] < 0).tolist()
    strict = ["inverse" if (s == "U-shaped" and below) else s for s, below in zip(acc, ends_below)]
    strict_loss = "inverse" if (loss_shape == "U-shaped" and loss_ends_below) else loss_shape
    published = {"U-shaped": PUBLISHED["final_u"], "inverse": PUBLISHED["final_inverse"], "positive": PUBLISHED["final_positive"]}
    records = []
    for name, shapes in zip(READINGS, (acc + [loss_shape], strict + [strict_loss], acc + ["inverse"])):
        counts = pd.Series(shapes).value_counts()
        row = {"reading": name, "tasks": len(shapes)}
        row |= {shape: int(counts.get(shape, 0)) for shape in ("U-shaped", "inverse", "positive")}
        row["other"] = len(shapes) - sum(row[shape] for shape in ("U-shaped", "inverse", "positive"))
        row["matches Wei et al."] = "yes" if all(row[k] == v for k, v in published.items()) and row["other"] == 0 else "no"
        records.append(row)
    return pd.DataFrame.from_records(records)


def readings_table(readings: pd.DataFrame) -> pd.DataFrame:
    """Display: the readings with Wei et al.'s published counts as a last row."""
    published = pd.DataFrame(
        [
            {
                "reading": "Wei et al., 11-task and final versions",
                "tasks": PUBLISHED["mckenzie_tasks"],
                "U-shaped": PUBLISHED["final_u"],
                "inverse": PUBLISHED["final_inverse"],
                "positive": PUBLISHED["final_positive"],
                "other": 0,
                "matches Wei et al.": "",
            }
        ]
    )
    out = pd.concat([readings, published], ignore_index=True)
    out["reading"] = out["reading"].str.slice(0, 1).str.upper() + out["reading"].str.slice(1)
    return out.rename(columns={"reading": "Reading", "tasks": "Tasks"})


def _z_of_diff(p1: float, p2: float, n: int) -> float:
    """Agresti–Caffo z statistic of p2 - p1 (how many standard errors the step is)."""
    t1 = (p1 * n + 1) / (n + 2)
    t2 = (p2 * n + 1) / (n + 2)
    return (t2 - t1) / np.sqrt((t1 * (1 - t1) + t2 * (1 - t2)) / (n + 2))


def join_names(names) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _fmt_diff(value: float, low: float, high: float) -> str:
    return fmt.estimate(value, low, high, 3, signed=True)


def palm_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Display version of `palm_detail`."""
    return pd.DataFrame(
        {
            "Task": detail["task_name"],
            "1B": detail["p_1b"].round(3),
            "8B": detail["p_8b"].round(3),
            "62B": detail["p_62b"].round(3),
            "540B": detail["p_540b"].round(3),
            "Shape": detail["shape"],
            "540B − 62B": [_fmt_diff(*r) for r in detail[["rise", "rise_low", "rise_high"]].to_numpy()],
            "540B − 1B": [_fmt_diff(*r) for r in detail[["vs_small", "vs_small_low", "vs_small_high"]].to_numpy()],
            "540B − chance": [
                _fmt_diff(*r) for r in detail[["vs_chance", "vs_chance_low", "vs_chance_high"]].to_numpy()
            ],
        }
    )


def palm_gain_regressions(frame: pd.DataFrame | None = None, n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """The book's statistic on PaLM's prize ladder: regress each step's gain on the previous one."""
    frame = data.load_inverse_scaling() if frame is None else frame
    ladders = [lad for lad in find_ladders(frame) if lad.family == "PaLM"]
    if len(ladders) != 1:
        raise ValueError("expected one PaLM accuracy ladder in the inverse-scaling data")
    ladder = ladders[0]
    records = []
    for k, s1, s2, s3 in ladder.triples((1,)):
        gains = ladder.gains((s1, s2, s3), "raw")
        fit = stats.regress(gains, n_boot=n_boot, identity=("PaLM prize gains", ladder.models[s1], ladder.models[s2], ladder.models[s3]))
        labels = [ladder.models[s].replace("PaLM ", "") for s in (s1, s2, s3)]
        records.append({"triple": " → ".join(labels), "k": k} | fit | gain_robustness(gains))
    return pd.DataFrame.from_records(records)


def gain_robustness(gains: pd.DataFrame) -> dict:
    """How much one gain correlation rests on a single task: Spearman's rho on all tasks, and
    Pearson's r with its p-value after dropping the task whose removal moves r the most."""
    x, y = gains["gain1"].to_numpy(dtype=float), gains["gain2"].to_numpy(dtype=float)
    rho = sps.spearmanr(x, y)
    full = sps.pearsonr(x, y).statistic
    dropped = [sps.pearsonr(np.delete(x, i), np.delete(y, i)) for i in range(len(x))]
    worst = int(np.argmax([abs(d.statistic - full) for d in dropped]))
    return {
        "spearman": float(rho.statistic),
        "spearman_p": float(rho.pvalue),
        "loo_task": str(gains["task"].iloc[worst]),
        "loo_r": float(dropped[worst].statistic),
        "loo_p": float(dropped[worst].pvalue),
        "loo_n": len(x) - 1,
    }


# --------------------------------------------------------------------------------------------
# The "true task + distractor task" mixture model
# --------------------------------------------------------------------------------------------


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def mixture_accuracy(x, x_distractor, x_true, width, chance) -> np.ndarray:
    """Accuracy of a model that does the true task, else the distractor task, else guesses.

    t(x) = σ((x - x_true) / width) is the share of items on which the model does the true task
    (always right); d(x) = σ((x - x_distractor) / width) the share on which, failing that, it
    does the distractor task (always wrong); on the rest it guesses at `chance`:

        accuracy(x) = t + (1 - t)(1 - d) · chance.

    The distractor rising first (x_distractor < x_true) pulls accuracy below chance before the
    true task lifts it: a U. Arrays broadcast.
    """
    width = np.asarray(width, dtype=float)
    if np.any(width <= 0):
        raise ValueError("width must be positive")
    x = np.asarray(x, dtype=float)
    t = _sigmoid((x - x_true) / width)
    d = _sigmoid((x - x_distractor) / width)
    return t + (1 - t) * (1 - d) * chance


def turning_offset(delta, width, chance):
    """Where the mixture curve bottoms out, relative to x_distractor (closed form, vectorised).

    With a = exp(u / width) and b = exp(delta / width), accuracy is
    (a² + a + bc) / (a² + (1 + b)a + b), whose derivative vanishes at
    a* = sqrt(c(b - 1 + c)) - (1 - c). So the turning point is u* = width · ln a*; there is a
    dip below chance only when a* > 0, i.e. delta / width > ln((1 - c) / c). NaN elsewhere.
    """
    delta = np.asarray(delta, dtype=float)
    width = np.asarray(width, dtype=float)
    c = float(chance)
    ratio = delta / width
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        b = np.exp(np.minimum(ratio, 600.0))
        a_star = np.sqrt(c * (b - 1 + c)) - (1 - c)
        exact = width * np.log(a_star)
        # For large ratios sqrt(c·b) dwarfs the other terms: u* = delta/2 + (width/2)·ln c.
        asymptotic = delta / 2 + width / 2 * np.log(c)
        out = np.where(ratio > 60, asymptotic, exact)
    return np.where(a_star > 0, out, np.nan)


def turning_point(x_distractor, x_true, width, chance):
    """log10 FLOPs at which the mixture curve bottoms out (NaN if it never dips below chance)."""
    return np.asarray(x_distractor, dtype=float) + turning_offset(
        np.asarray(x_true, dtype=float) - np.asarray(x_distractor, dtype=float), width, chance
    )


def _loglik(k, n, p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return k * np.log(p) + (n - k) * np.log1p(-p)


def _deviance(p_obs, p_fit, n) -> float:
    p_fit = np.clip(p_fit, 1e-12, 1 - 1e-12)
    k = p_obs * n
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(k > 0, k * np.log(p_obs / p_fit), 0.0)
        b = np.where(n - k > 0, (n - k) * np.log((1 - p_obs) / (1 - p_fit)), 0.0)
    return float(2 * np.sum(a + b))


class _TurningModel:
    """The mixture model parameterised by its turning scale T: (T, eta, log width), with
    delta = width · (L + exp(eta)) and L = max(0, ln((1 - c)/c)), so every parameter value has a
    dip, and x_distractor = T - turning_offset(delta, width)."""

    T_STEP = 0.05
    ETA = np.linspace(-3.0, 4.0, 29)
    LOG_WIDTH = np.log(np.geomspace(0.02, 2.0, 25))

    def __init__(self, x: np.ndarray, p: np.ndarray, n: float, chance: float):
        self.x, self.p, self.n, self.c = x, p, n, chance
        self.k = p * n
        self.floor = max(0.0, float(np.log((1 - chance) / chance)))
        self.t_grid = np.arange(x.min() - OPEN_MARGIN, x.max() + OPEN_MARGIN + self.T_STEP / 2, self.T_STEP)

    def params(self, T, eta, log_width):
        width = np.exp(log_width)
        delta = width * (self.floor + np.exp(eta))
        x_d = T - turning_offset(delta, width, self.c)
        return x_d, x_d + delta, width

    def loglik(self, T, eta, log_width) -> np.ndarray:
        x_d, x_t, width = self.params(T, eta, log_width)
        pred = mixture_accuracy(self.x, np.asarray(x_d)[..., None], np.asarray(x_t)[..., None], np.asarray(width)[..., None], self.c)
        return _loglik(self.k, self.n, pred).sum(axis=-1)

    def grid(self) -> np.ndarray:
        """Log-likelihood on the (T, eta, log width) grid, shape (T, eta, width)."""
        T, eta, lw = np.meshgrid(self.t_grid, self.ETA, self.LOG_WIDTH, indexing="ij")
        return self.loglik(T, eta, lw)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return [
            (float(self.t_grid[0]), float(self.t_grid[-1])),
            (float(self.ETA[0]) - 2, float(self.ETA[-1]) + 2),
            (float(self.LOG_WIDTH[0]) - 1, float(self.LOG_WIDTH[-1]) + 1),
        ]

    def profile_at(self, T: float, starts: list[np.ndarray]) -> tuple[float, np.ndarray]:
        """Maximum log-likelihood with the turning scale held at T (Nelder–Mead from each start)."""
        best_value, best_theta = -np.inf, starts[0]
        for start in starts:
            result = optimize.minimize(
                lambda th: -float(self.loglik(T, th[0], th[1])),
                start,
                method="Nelder-Mead",
                bounds=self.bounds[1:],
                options={"xatol": 1e-4, "fatol": 1e-3, "maxiter": 300},
            )
            if -result.fun > best_value:
                best_value, best_theta = -float(result.fun), result.x
        return best_value, best_theta


def fit_mixture(x, p, n, chance, level: float = LEVEL) -> dict:
    """Binomial maximum-likelihood fit of `mixture_accuracy` to one curve, with a profile-likelihood
    interval for the turning scale (the log10 FLOPs at which accuracy bottoms out).

    The fit starts from the best point of a grid over (turning scale, shape, width) and is
    polished with Nelder–Mead. The interval holds every turning scale whose profile
    log-likelihood is within χ²₁(level)/2 · φ of the maximum, where φ = max(1, deviance / df)
    widens it when the curve scatters around the model by more than item sampling allows
    (quasi-likelihood). A side of the interval is NaN when the profile stays above the cut one
    dex beyond the data. Returns the parameters, the turning scale and its interval, the deviance
    against the saturated model, its p-value (df = sizes - 3), φ, and the root-mean-square error.
    """
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    if x.shape != p.shape or x.ndim != 1:
        raise ValueError("x and p must be vectors of the same length")
    if len(x) < 3:
        raise ValueError("the mixture model has three parameters: it needs at least three sizes")
    if not 0 < chance < 1:
        raise ValueError("chance must lie in (0, 1)")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must increase")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("accuracies must lie in [0, 1]")
    model = _TurningModel(x, p, float(n), float(chance))
    ll_grid = model.grid()
    i, j, k = np.unravel_index(int(np.argmax(ll_grid)), ll_grid.shape)
    theta0 = np.array([model.t_grid[i], model.ETA[j], model.LOG_WIDTH[k]])
    result = optimize.minimize(
        lambda th: -float(model.loglik(*th)),
        theta0,
        method="Nelder-Mead",
        bounds=model.bounds,
        options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 8000},
    )
    theta = result.x if -result.fun >= ll_grid.max() else theta0
    ll_max = float(model.loglik(*theta))
    turning = float(theta[0])
    x_d, x_t, width = (float(v) for v in model.params(*theta))
    fitted = mixture_accuracy(x, x_d, x_t, width, chance)

    deviance = _deviance(p, fitted, float(n))
    df = len(x) - 3
    phi = max(1.0, deviance / df) if df > 0 else 1.0
    cut = ll_max - sps.chi2.ppf(level, 1) / 2 * phi

    # Walk out from the estimate in steps of T_STEP, warm-starting each profile fit from the last
    # one and from the best grid point at that T; stop at the first T below the cut. The grid
    # profile is a lower bound: where it already clears the cut, no polishing is needed.
    flat_grid = ll_grid.reshape(len(model.t_grid), -1)
    grid_best = flat_grid.argmax(axis=1)
    grid_profile = flat_grid.max(axis=1)
    bounds = []
    for direction in (-1, 1):
        last_inside, last_value = turning, ll_max
        warm = theta[1:].copy()
        step_size = 2 * model.T_STEP
        steps = np.arange(1, int(np.ceil((x.max() - x.min() + 2 * OPEN_MARGIN) / step_size)) + 1)
        edge = np.nan
        for step in steps:
            T = turning + direction * step * step_size
            if T < model.t_grid[0] or T > model.t_grid[-1]:
                break
            g = int(np.clip(np.searchsorted(model.t_grid, T), 0, len(model.t_grid) - 1))
            jj, kk = np.unravel_index(int(grid_best[g]), ll_grid.shape[1:])
            on_grid = np.array([model.ETA[jj], model.LOG_WIDTH[kk]])
            if abs(model.t_grid[g] - T) < 1e-9 and grid_profile[g] >= cut:
                last_inside, last_value, warm = T, float(grid_profile[g]), on_grid
                continue
            value, warm = model.profile_at(T, [warm])
            if value < cut:
                value, warm = model.profile_at(T, [warm, on_grid])
            if value < cut:
                # Bisect between the last T inside and this one, then interpolate linearly.
                inside_T, inside_value, outside_T, outside_value = last_inside, last_value, T, value
                for _ in range(3):
                    middle = (inside_T + outside_T) / 2
                    mid_value, _ = model.profile_at(middle, [warm])
                    if mid_value >= cut:
                        inside_T, inside_value = middle, mid_value
                    else:
                        outside_T, outside_value = middle, mid_value
                share = (inside_value - cut) / (inside_value - outside_value)
                edge = inside_T + share * (outside_T - inside_T)
                break
            last_inside, last_value = T, value
        bounds.append(edge)
    return {
        "x_distractor": x_d,
        "x_true": x_t,
        "width": width,
        "turning": turning,
        "turning_low": float(bounds[0]),
        "turning_high": float(bounds[1]),
        "deviance": deviance,
        "df": df,
        "phi": phi,
        "p_fit": float(sps.chi2.sf(deviance, df)) if df > 0 else np.nan,
        "rmse": float(np.sqrt(np.mean((fitted - p) ** 2))),
        "max_abs_error": float(np.max(np.abs(fitted - p))),
        "x_min": float(x.min()),
        "x_max": float(x.max()),
    }


def _fit_status(row: dict) -> str:
    problems = []
    if np.isfinite(row["p_fit"]) and row["p_fit"] < FIT_ALPHA:
        problems.append(f"misfit, miss up to {row['max_abs_error']:.3f}")
    if not np.isfinite(row["turning_high"]) or not np.isfinite(row["turning_low"]):
        problems.append("interval open")
    elif row["turning_low"] < row["x_min"] or row["turning_high"] > row["x_max"]:
        problems.append("interval runs past the data")
    return "; ".join(problems) if problems else "fits"


def mixture_fits(curve_list: list[Curve], shapes: pd.DataFrame) -> pd.DataFrame:
    """Fit the mixture model to every curve the rule calls U-shaped."""
    names = task_names()
    tasks = data.load_inverse_scaling_tasks().set_index("task")
    labels = shapes.set_index(["task", "family"])["shape"]
    records = []
    for c in curve_list:
        if labels.get((c.task, c.family)) != "U-shaped":
            continue
        fit = fit_mixture(c.x, c.p, c.n, c.chance)
        row = {
            "task": c.task,
            "task_name": names.get(c.task, c.task),
            "family": c.family,
            "label": f"{names.get(c.task, c.task)} · {SERIES_SHORT.get(c.family, c.family)}",
            "cause": str(tasks.loc[c.task, "hypothesised_cause"]),
            "n_sizes": len(c.p),
            "start_above_chance": float(c.p[0] - c.chance),
        } | fit
        row["status"] = _fit_status(row)
        records.append(row)
    return pd.DataFrame.from_records(records)


FREE_MIN_SIZES = 7  # the free-level mixture has 5 parameters: at least 2 degrees of freedom left


def _free_accuracy(x, theta):
    """Mixture accuracy with a free small-model level: theta = (x_d, log delta, log width, logit level, log tau)."""
    x_d, log_delta, log_width, logit_level = theta[:4]
    level = float(_sigmoid(logit_level))
    delta = np.exp(np.clip(log_delta, -12.0, 6.0))
    width = np.exp(np.clip(log_width, -12.0, 6.0))
    return mixture_accuracy(x, x_d, x_d + delta, width, level)


def _gauss_loglik(p, fitted, n, tau) -> float:
    """Normal log-likelihood of observed accuracies with item variance p(1-p)/n plus run-to-run variance tau²."""
    fitted = np.clip(fitted, 1e-6, 1 - 1e-6)
    var = fitted * (1 - fitted) / n + tau**2
    return float(-0.5 * np.sum(np.log(2 * np.pi * var) + (p - fitted) ** 2 / var))


def _free_starts(x: np.ndarray, p: np.ndarray) -> list[np.ndarray]:
    """A small deterministic grid of starting points (x_d, log delta, log width, logit level, log tau)."""
    span = float(x.max() - x.min())
    level0 = float(np.clip(p[0], 0.02, 0.98))
    return [
        np.array([x_d, np.log(delta), np.log(width), np.log(level0 / (1 - level0)), np.log(0.01)])
        for x_d in np.linspace(x.min() - 0.2 * span, x.max(), 5)
        for delta in (0.2 * span, 0.5 * span, span)
        for width in (0.05 * span, 0.15 * span)
    ]


def _fit_free(x, p, n, fixed_level: float | None, fixed_tau: float | None, extra_starts=(), n_polish: int = 3) -> tuple[float, np.ndarray]:
    """Maximise `_gauss_loglik` over the free parameters: rank the grid starts, polish the best few (Nelder–Mead)."""
    free = [i for i, fixed in enumerate((None, None, None, fixed_level, fixed_tau)) if fixed is None]

    def unpack(values, template):
        theta = template.copy()
        theta[free] = values
        if fixed_level is not None:
            theta[3] = np.log(fixed_level / (1 - fixed_level))
        return theta

    def negloglik(theta):
        tau = fixed_tau if fixed_tau is not None else float(np.exp(np.clip(theta[4], -20.0, 2.0)))
        return -_gauss_loglik(p, _free_accuracy(x, theta), n, tau)

    starts = [unpack(start[free], start) for start in _free_starts(x, p)]
    starts = sorted(starts, key=negloglik)[:n_polish] + [unpack(np.asarray(t)[free], np.asarray(t)) for t in extra_starts]
    best_ll, best_theta = -np.inf, starts[0]
    for start in starts:
        result = optimize.minimize(
            lambda values, start=start: negloglik(unpack(values, start)),
            start[free],
            method="Nelder-Mead",
            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 3000},
        )
        if -result.fun > best_ll:
            best_ll, best_theta = -float(result.fun), unpack(result.x, start)
    return best_ll, best_theta


def fit_mixture_free(x, p, n, chance, min_sizes: int = FREE_MIN_SIZES) -> dict:
    """The mixture model with a free small-model level and a run-to-run variance term.

    accuracy(x) = t + (1 - t)(1 - d) · level, where `level` (the accuracy of models that do neither
    task) is estimated instead of fixed at chance, and each observed accuracy has variance
    acc(1 - acc)/n + tau², tau being a run-to-run spread shared by the curve's models. Fitted by
    normal maximum likelihood. Two likelihood-ratio tests come with it:

    * `p_tau`: is tau > 0 needed? (tau = 0 against free tau; the null lies on the boundary, so the
      p-value is half the chi-square(1) tail);
    * `p_level`: do small models start at chance? (level = chance against free level, chi-square(1)).

    With tau free the model has no goodness-of-fit test: any misfit is absorbed into tau. So a
    passing fit says nothing for the model; only the two tests above are informative.
    """
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    if x.shape != p.shape or x.ndim != 1:
        raise ValueError("x and p must be vectors of the same length")
    if len(x) < min_sizes:
        raise ValueError(f"the free-level mixture has five parameters: it needs at least {min_sizes} sizes, got {len(x)}")
    if not 0 < chance < 1:
        raise ValueError("chance must lie in (0, 1)")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must increase")
    n = float(n)
    ll_no_tau, theta_no_tau = _fit_free(x, p, n, None, 0.0)
    ll_chance, theta_chance = _fit_free(x, p, n, float(chance), None)
    # The full model nests both restricted ones: start it from their optima as well.
    ll_full, theta = _fit_free(x, p, n, None, None, extra_starts=(theta_no_tau, theta_chance))
    lr_tau = max(0.0, 2 * (ll_full - ll_no_tau))
    lr_level = max(0.0, 2 * (ll_full - ll_chance))
    level = float(_sigmoid(theta[3]))
    x_d = float(theta[0])
    x_t, width = x_d + float(np.exp(np.clip(theta[1], -12.0, 6.0))), float(np.exp(np.clip(theta[2], -12.0, 6.0)))
    fitted = mixture_accuracy(x, x_d, x_t, width, level)
    return {
        "level": level,
        "tau": float(np.exp(np.clip(theta[4], -20.0, 2.0))),
        "x_distractor": x_d,
        "x_true": x_t,
        "width": width,
        "turning": float(turning_point(x_d, x_t, width, level)),
        # Chi-bar-square: half the mass of the null distribution sits at zero.
        "p_tau": float(0.5 * sps.chi2.sf(lr_tau, 1)) if lr_tau > 1e-6 else 1.0,
        "p_level": float(sps.chi2.sf(lr_level, 1)),
        "df": len(x) - 5,
        "rmse": float(np.sqrt(np.mean((fitted - p) ** 2))),
    }


def mixture_free_fits(curve_list: list[Curve], shapes: pd.DataFrame, min_sizes: int = FREE_MIN_SIZES) -> pd.DataFrame:
    """`fit_mixture_free` on every U-shaped curve with at least `min_sizes` sizes."""
    names = task_names()
    tasks = data.load_inverse_scaling_tasks().set_index("task")
    labels = shapes.set_index(["task", "family"])["shape"]
    records = []
    for c in curve_list:
        if labels.get((c.task, c.family)) != "U-shaped" or len(c.p) < min_sizes:
            continue
        records.append(
            {
                "task": c.task,
                "task_name": names.get(c.task, c.task),
                "family": c.family,
                "cause": str(tasks.loc[c.task, "hypothesised_cause"]),
                "n_sizes": len(c.p),
                "chance": c.chance,
                "first": float(c.p[0]),
            }
            | fit_mixture_free(c.x, c.p, c.n, c.chance, min_sizes)
        )
    return pd.DataFrame.from_records(records)


def _fmt_p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def mixture_free_table(fits: pd.DataFrame) -> pd.DataFrame:
    """Display table of the free-level fits."""
    return pd.DataFrame(
        {
            "Task": fits["task_name"],
            "Series": fits["family"].map(lambda f: SERIES_SHORT.get(f, f)),
            "Sizes": fits["n_sizes"],
            "Chance": [fmt.num(v, 2) for v in fits["chance"]],
            "Small-model level": [fmt.num(v, 2) for v in fits["level"]],
            "Level = chance, p": [_fmt_p(v) for v in fits["p_level"]],
            "Run-to-run spread τ": [fmt.num(v, 3) for v in fits["tau"]],
            "τ = 0, p": [_fmt_p(v) for v in fits["p_tau"]],
            "Turning FLOPs": [_fmt_flops(v) for v in fits["turning"]],
        }
    )


def _fmt_flops(log10_value: float) -> str:
    if not np.isfinite(log10_value):
        return "open"
    mantissa, exponent = f"{10 ** log10_value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def mixture_table(fits: pd.DataFrame) -> pd.DataFrame:
    """Display table of the mixture fits."""
    return pd.DataFrame(
        {
            "Task": fits["task_name"],
            "Series": fits["family"].map(lambda f: SERIES_SHORT.get(f, f)),
            "Cause": fits["cause"],
            "Turning FLOPs [95%]": [
                f"{_fmt_flops(t)} [{_fmt_flops(a)}, {_fmt_flops(b)}]"
                for t, a, b in fits[["turning", "turning_low", "turning_high"]].to_numpy()
            ],
            "RMSE": fits["rmse"].round(3),
            "Fit p": fits["p_fit"].map(lambda v: "—" if not np.isfinite(v) else ("<0.001" if v < 0.001 else f"{v:.3f}")),
            "Status": fits["status"],
        }
    )


def mixture_curve_points(fits: pd.DataFrame, curve_list: list[Curve], n_grid: int = 25) -> pd.DataFrame:
    """Fitted curves on a grid over each curve's FLOPs range (for the chart), plus the observed points."""
    by_key = {(c.task, c.family): c for c in curve_list}
    frames = []
    for row in fits.itertuples():
        c = by_key[(row.task, row.family)]
        label = row.label
        grid = np.linspace(c.x.min() - 0.3, c.x.max() + 0.3, n_grid)
        fitted = mixture_accuracy(grid, row.x_distractor, row.x_true, row.width, c.chance)
        frames.append(pd.DataFrame({"curve": label, "kind": "fit", "log10_flops": grid, "score": fitted, "low": np.nan, "high": np.nan}))
        low, high = stats.wilson_interval(c.p, c.n)
        frames.append(pd.DataFrame({"curve": label, "kind": "observed", "log10_flops": c.x, "score": c.p, "low": low, "high": high}))
    out = pd.concat(frames, ignore_index=True)
    for column in ("log10_flops", "score", "low", "high"):
        out[column] = out[column].round(4)
    return out


# --------------------------------------------------------------------------------------------
# Two-step extrapolation
# --------------------------------------------------------------------------------------------


def extrapolation_triples(curve_list: list[Curve], shapes: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Every run of three consecutive sizes on every accuracy curve: does the first step's sign
    predict the second's? `both_real` marks triples whose two steps both clear their interval.

    `prefix_shape` is the rule applied to the curve up to the forecast's origin only (the sizes
    before the step being forecast), so grouping by it uses nothing the forecast is scored on;
    `shape` is the whole curve's label, which does (a U whose minimum is the second-largest
    size flips sign at the last step by definition).
    """
    labels = shapes.set_index(["task", "family"])["shape"]
    records = []
    for c in curve_list:
        shape = labels[(c.task, c.family)]
        for i in range(len(c.p) - 2):
            prefix_shape = classify(c.p[: i + 2], c.n, level)
            g1, lo1, hi1 = diff_interval(c.p[i], c.n, c.p[i + 1], c.n, level)
            g2, lo2, hi2 = diff_interval(c.p[i + 1], c.n, c.p[i + 2], c.n, level)
            real1 = bool(lo1 > 0 or hi1 < 0)
            real2 = bool(lo2 > 0 or hi2 < 0)
            records.append(
                {
                    "task": c.task,
                    "family": c.family,
                    "shape": shape,
                    "prefix_shape": prefix_shape,
                    "position": i,
                    "last": i == len(c.p) - 3,
                    "gain1": float(g1),
                    "gain2": float(g2),
                    "zero": bool(g1 == 0 or g2 == 0),
                    "sign_wrong": bool(np.sign(g1) * np.sign(g2) < 0),
                    "both_real": real1 and real2,
                }
            )
    return pd.DataFrame.from_records(records)


def extrapolation_summary(triples: pd.DataFrame, by: str = "prefix_shape") -> pd.DataFrame:
    """Share of triples whose second step has the opposite sign to the first, by shape.

    `by="prefix_shape"` (the default) groups by the shape of the curve up to the forecast's origin,
    which a forecaster could know; `by="shape"` by the whole curve's shape, which is circular.
    """
    usable = triples[~triples["zero"]]
    groups = [("all curves", usable)] + [(s, usable[usable[by] == s]) for s in SHAPES]
    groups.append((NON_MONOTONE_LABEL, usable[usable[by].isin(NON_MONOTONE)]))
    records = []
    for name, rows in groups:
        if rows.empty:
            continue
        real = rows[rows["both_real"]]
        last = rows[rows["last"]]
        records.append(
            {
                "Curves": name,
                "Triples": len(rows),
                "Sign wrong": int(rows["sign_wrong"].sum()),
                "Share wrong": round(float(rows["sign_wrong"].mean()), 3),
                "Triples, both steps real": len(real),
                "Sign wrong (both real)": int(real["sign_wrong"].sum()),
                "Last step: triples": len(last),
                "Last step: sign wrong": int(last["sign_wrong"].sum()),
            }
        )
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# NeQA under different prompts
# --------------------------------------------------------------------------------------------

NEQA_ITEMS = 300  # Round-1 NeQA size; the notebook's numbers are assumed to be on these items
NEQA_PROMPTS = ("zero-shot", "zero-shot with hint", "few-shot with chain-of-thought")
NEQA_CONTROL = "plain question (not negated), zero-shot"
NEQA_SIZE_ORDER = {
    "GPT-3": ("ada", "babbage", "curie", "davinci"),
    "GPT-3 text series (instruction-tuned)": ("ada", "babbage", "curie", "davinci", "davinci-v2", "davinci-v3"),
    "Cohere": ("small", "medium", "large", "xlarge"),
    "Jurassic-1 (AI21)": ("large", "grande", "jumbo"),
}
# Models that are not a bigger size of the series (later training of davinci): shown, not classified.
NEQA_NOT_A_SIZE = ("davinci-v2", "davinci-v3")


def neqa_points(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """NeQA accuracy per family, model and prompt, with the control task split off.

    The notebook also holds accuracy on the same questions *without* negation. If the table has
    no `task` column, those rows are recognised as the second occurrence of a (family, model,
    prompt) key, and must all come from notebook cell 9.
    """
    table = data.load_neqa_prompting() if table is None else table.copy()
    if "task" in table.columns:
        is_control = ~table["task"].astype(str).str.startswith("NeQA")
    else:
        key = ["model_family", "model_label", "prompting"]
        is_control = table.duplicated(subset=key, keep="first")
        if not table.loc[is_control, "provenance"].str.endswith("cell 9").all():
            raise ValueError("cannot tell the non-negated control rows apart from NeQA rows")
    table["prompt"] = np.where(is_control, NEQA_CONTROL, table["prompting"])
    order = []
    for family, label in zip(table["model_family"], table["model_label"], strict=True):
        sizes = NEQA_SIZE_ORDER.get(family)
        if sizes is None or label not in sizes:
            raise ValueError(f"unknown NeQA model {family} / {label}")
        order.append(sizes.index(label))
    table["order"] = order
    low, high = stats.wilson_interval(table["score"].to_numpy(dtype=float), NEQA_ITEMS)
    table["low"] = low
    table["high"] = high
    table["is_size"] = ~table["model_label"].isin(NEQA_NOT_A_SIZE)
    keep = ["model_family", "model_label", "prompt", "order", "is_size", "score", "low", "high"]
    return table[keep].sort_values(["model_family", "prompt", "order"]).reset_index(drop=True)


def neqa_shapes(points: pd.DataFrame) -> pd.DataFrame:
    """The rule applied to each family × prompt curve (true sizes only, n = 300 items)."""
    records = []
    for (family, prompt), rows in points[points["is_size"]].groupby(["model_family", "prompt"], sort=True):
        rows = rows.sort_values("order")
        p = rows["score"].to_numpy(dtype=float)
        records.append(
            {
                "family": family,
                "prompt": prompt,
                "scores": " → ".join(f"{v:.2f}" for v in p),
                "shape": classify(p, NEQA_ITEMS),
            }
        )
    return pd.DataFrame.from_records(records)


def neqa_table(shapes: pd.DataFrame) -> pd.DataFrame:
    """Display table: one row per series, one column per prompt, shape and accuracies."""
    shapes = shapes.copy()
    shapes["cell"] = shapes["shape"] + " (" + shapes["scores"] + ")"
    wide = shapes.pivot(index="family", columns="prompt", values="cell").fillna("–")
    wide = wide[[c for c in (*NEQA_PROMPTS, NEQA_CONTROL) if c in wide.columns]]
    wide.index.name = "Series"
    wide.columns.name = None
    return wide.reset_index()


# --------------------------------------------------------------------------------------------
# The history of the claim
# --------------------------------------------------------------------------------------------


def task_table(tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 11 tasks: name, round, hypothesised cause, items, chance and our one-line description."""
    tasks = data.load_inverse_scaling_tasks() if tasks is None else tasks
    names = task_names(tasks)
    missing = sorted(set(tasks["task"]) - set(TASK_DESCRIPTIONS))
    if missing:
        raise ValueError(f"no description for task(s) {missing}")
    return pd.DataFrame(
        {
            "Task": [names[t] for t in tasks["task"]],
            "Round": tasks["prize_round"].astype(str).str.extract(r"^(\d)")[0],
            "Hypothesised cause": tasks["hypothesised_cause"],
            "Items": tasks["n_items"].astype(int),
            "Chance": tasks["chance"].map(lambda v: "—" if pd.isna(v) else f"{v:.3g}"),
            "Metric": tasks["metric"],
            "What the model must do": [TASK_DESCRIPTIONS[t] for t in tasks["task"]],
        }
    )


def _claim_checks(res: ChapterResults) -> list[tuple[str, str, str, str]]:
    """(source prefix, topic, can we check it, what our data shows) for each claim row."""
    palm = res.palm.set_index("task")
    names = task_names()
    round1 = [ROUND1_TASKS[t] for t in ROUND1_TASKS]
    r1_u = [names[t] for t in round1 if palm.loc[t, "shape"] == "U-shaped"]
    counts = res.palm_counts
    rises = palm[palm["rise_low"] > 0]
    # Wei et al.'s v3 Limitations: the 9 accuracy tasks other than Redefine.
    nine = palm.drop(index="redefine")
    below_chance = nine[nine["vs_chance_high"] < 0]
    near_chance = nine[(nine["vs_chance_low"] <= 0) & (nine["vs_chance_high"] >= 0)]
    above_chance = nine[nine["vs_chance_low"] > 0]
    early = palm[palm["drop_62_vs_1_high"] < 0]
    mckenzie3 = palm.loc[["resisting-correction", "memo-trap", "neqa"]]
    below_small = mckenzie3[mckenzie3["vs_small_high"] < 0]
    flops = res.palm_flops
    pi = res.palm_loss
    tasks = data.load_inverse_scaling_tasks().set_index("task")
    shape_words = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("U-shaped", "inverse", "positive") if counts.get(s, 0))
    r1_text = (
        f"Not v1's numbers: on today's zero-shot prize-format PaLM numbers our rule calls {len(r1_u)} of the 4 "
        f"Round-1 tasks (counting each Round-2 successor) U-shaped: {', '.join(r1_u)}."
    )
    return [
        ("Wei et al. 2022 v1", "scope", "No", "Our PaLM numbers are the 11-task version's; Quote Repetition and Redefine Math were replaced by their Round-2 versions."),
        ("Wei et al. 2022 v1", "headline", "Partly", r1_text + " Chain-of-thought numbers are not in our data."),
        ("Wei et al. intermediate", "headline", "Partly", r1_text),
        (
            "Wei et al. v2",
            "headline",
            "Partly",
            f"Hindsight Neglect: {palm.loc['hindsight-neglect', 'shape']}; Resisting Correction (Quote Repetition's successor): "
            f"{palm.loc['resisting-correction', 'shape']}; NeQA: {palm.loc['neqa', 'shape']} in the later numbers we hold.",
        ),
        (
            "Wei et al. v3",
            "headline",
            "Yes",
            f"Our rule: {shape_words} of {len(palm)} accuracy tasks; Prompt Injection (loss) is {pi} when read on −loss. "
            f"Of the {len(nine)} accuracy tasks other than Redefine, 540B is really above chance on {len(above_chance)}, "
            f"within its interval of chance on {len(near_chance)} and really below chance on {len(below_chance)} "
            f"({', '.join(names[t] for t in below_chance.index)}).",
        ),
        (
            "Jason Wei tweet",
            "headline",
            "Partly",
            f"62B is really below 1B on {len(early)} of {len(palm)} accuracy tasks.",
        ),
        (
            "Wei et al. 11-task version",
            "headline",
            "Partly",
            f"Counts: {shape_words} of {len(palm)} accuracy tasks, plus Prompt Injection ({pi} on −loss). "
            "1-shot and chain-of-thought numbers per size are not in our data.",
        ),
        ("Wei et al. final version", "headline", "Partly", f"Same zero-shot numbers: {shape_words}, plus Prompt Injection ({pi} on −loss)."),
        ("McKenzie et al. 2023 (TMLR", "PaLM provenance", "Yes", f"Our PaLM training FLOPs: {flops}."),
        (
            "McKenzie et al. 2023",
            "U-shape caveat",
            "Yes",
            f"540B beats 62B beyond noise on {len(rises)} of {len(palm)} accuracy tasks (and Prompt Injection's loss falls). "
            f"Of Resisting Correction, Memo Trap and NeQA, 540B is really below 1B on {len(below_small)} "
            f"({', '.join(names[t] for t in below_small.index)}).",
        ),
        ("McKenzie et al. 2023", "GPT-4", "No", "GPT-4 has no published size or FLOPs, so it is not in our tidy data."),
        ("McKenzie et al. 2023", "few-shot", "No", "The k-shot curves were not available to us."),
        ("McKenzie et al. 2023", "1-shot/CoT caveat", "No", "No per-size 1-shot or chain-of-thought numbers for PaLM; see the NeQA prompting section for other models."),
        (
            "McKenzie et al. 2023",
            "data release",
            "Yes",
            f"Our task table uses the updated versions: Resisting Correction has {int(tasks.loc['resisting-correction', 'n_items'])} "
            f"items, Redefine {int(tasks.loc['redefine', 'n_items'])}.",
        ),
    ]


def claim_history(res: ChapterResults, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """The claims table with, for each claim, whether our data can check it and what it shows."""
    claims = data.load_inverse_scaling_claims() if claims is None else claims
    checks = _claim_checks(res)
    checkable, shows = [], []
    for source, topic in zip(claims["source"], claims["topic"], strict=True):
        match = [c for c in checks if str(source).startswith(c[0]) and c[1] == topic]
        if len(match) != 1:
            raise ValueError(f"claim ({source!r}, {topic!r}) matches {len(match)} checks, expected 1")
        checkable.append(match[0][2])
        shows.append(match[0][3])
    return pd.DataFrame(
        {
            "Source (topic)": claims["source"] + " (" + claims["topic"] + ")",
            "Claim (paraphrased)": claims["claim"],
            "Checkable here": checkable,
            "What our data shows": shows,
            # kept as written: fmt.table makes a bare address a link, and the page's CSS wraps long ones
            "Reference": claims["reference"],
        }
    )


def claims_table(history: pd.DataFrame) -> pd.DataFrame:
    """Display: each version's claim and where it is stated."""
    return history[["Source (topic)", "Claim (paraphrased)", "Reference"]]


def checks_table(history: pd.DataFrame) -> pd.DataFrame:
    """Display: for each claim, whether our data can check it and what they show."""
    return history[["Source (topic)", "Checkable here", "What our data shows"]]


# --------------------------------------------------------------------------------------------
# Everything the chapter needs
# --------------------------------------------------------------------------------------------


@dataclass
class ChapterResults:
    acc_curves: list[Curve]
    loss_curves: list[Curve]
    points: pd.DataFrame
    loss_points: pd.DataFrame
    shapes: pd.DataFrame
    shapes_strict: pd.DataFrame
    shapes_unadjusted: pd.DataFrame
    counts: pd.DataFrame
    stability: dict
    false_alarms: pd.DataFrame
    false_alarms_unadjusted: pd.DataFrame
    loss_shapes: pd.DataFrame
    palm: pd.DataFrame
    palm_counts: dict
    palm_loss: str
    palm_flops: str
    palm_gains: pd.DataFrame
    fits: pd.DataFrame
    fit_points: pd.DataFrame
    triples: pd.DataFrame
    extrapolation: pd.DataFrame
    gain_fit: dict
    neqa: pd.DataFrame
    neqa_shapes: pd.DataFrame
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    readings: pd.DataFrame = field(default_factory=pd.DataFrame)
    extrapolation_whole: pd.DataFrame = field(default_factory=pd.DataFrame)
    claim: ClaimFacts | None = None
    forecast: ForecastFacts | None = None
    free_fits: pd.DataFrame = field(default_factory=pd.DataFrame)
    free: MixtureFreeFacts | None = None
    prose: ProseFacts | None = None

    # Convenience numbers for the prose --------------------------------------------------
    def n_shape(self, shape: str, variant: str = "stated") -> int:
        table = {"stated": self.shapes, "strict": self.shapes_strict, "unadjusted": self.shapes_unadjusted}[variant]
        return int((table["shape"] == shape).sum())

    def false_alarm_total(self, shape: str | None = None, adjusted: bool = True) -> float:
        """Expected number of curves (of all accuracy curves) given `shape` (any non-flat shape if
        None) if every curve were truly flat."""
        table = self.false_alarms if adjusted else self.false_alarms_unadjusted
        if shape is None:
            return float(1 - table["flat"].mean()) * len(table)
        return float(table[shape].sum())

    def n_shape_family(self, shape: str, family: str) -> int:
        rows = self.shapes[self.shapes["family"] == family]
        return int((rows["shape"] == shape).sum())

    def count_interval(self, shape: str) -> tuple[int, int]:
        return self.stability["count_interval"][shape]

    def palm_value(self, task: str, column: str) -> float:
        return float(self.palm.set_index("task").loc[task, column])

    def palm_tasks(self, shape: str) -> str:
        rows = self.palm[self.palm["shape"] == shape]
        return join_names(rows["task_name"])

    def extrapolation_row(self, curves: str) -> dict:
        row = self.extrapolation.set_index("Curves").loc[curves]
        return {key: (float(value) if key == "Share wrong" else int(value)) for key, value in row.items()}

    @property
    def n_series(self) -> int:
        return int(self.points["family"].nunique())

    @property
    def n_acc_tasks(self) -> int:
        return int(self.points["task"].nunique())

    @property
    def n_models(self) -> int:
        return int(self.points["model"].nunique())

    def palm_count(self, column: str, side: str, tasks: list[str] | None = None) -> int:
        """PaLM tasks whose 95% interval of `column` lies above ("above") or below ("below") zero."""
        rows = self.palm if tasks is None else self.palm[self.palm["task"].isin(tasks)]
        if side == "above":
            return int((rows[f"{column}_low"] > 0).sum())
        if side == "below":
            return int((rows[f"{column}_high"] < 0).sum())
        raise ValueError("side must be 'above' or 'below'")

    def palm_names(self, column: str, side: str, tasks: list[str] | None = None) -> str:
        rows = self.palm if tasks is None else self.palm[self.palm["task"].isin(tasks)]
        mask = rows[f"{column}_low"] > 0 if side == "above" else rows[f"{column}_high"] < 0
        return join_names(rows.loc[mask, "task_name"])

    def palm_loss_value(self, index: int) -> float:
        """PaLM's loss on the loss task at its index-th size (0 = 1B)."""
        curve = [c for c in self.loss_curves if c.family == "PaLM"]
        return float(curve[0].p[index])

    def loss_shape_count(self, shape: str) -> int:
        return int((self.loss_shapes["shape"] == shape).sum())

    def gain(self, triple_index: int) -> dict:
        return self.palm_gains.iloc[triple_index].to_dict()

    def neqa_shape(self, family: str, prompt: str) -> str:
        rows = self.neqa_shapes[(self.neqa_shapes["family"] == family) & (self.neqa_shapes["prompt"] == prompt)]
        if len(rows) != 1:
            raise KeyError(f"no NeQA curve for {family} / {prompt}")
        return str(rows["shape"].iloc[0])

    def neqa_score(self, family: str, label: str, prompt: str) -> float:
        rows = self.neqa[(self.neqa["model_family"] == family) & (self.neqa["model_label"] == label) & (self.neqa["prompt"] == prompt)]
        if len(rows) != 1:
            raise KeyError(f"no NeQA score for {family} / {label} / {prompt}")
        return float(rows["score"].iloc[0])

    # Mixture-model summaries -----------------------------------------------------------
    @property
    def n_fits(self) -> int:
        return len(self.fits)

    def fits_with(self, status: str) -> pd.DataFrame:
        """Fits whose status is exactly "fits", or contains the given problem word."""
        if status == "fits":
            return self.fits[self.fits["status"] == "fits"]
        return self.fits[self.fits["status"].str.contains(status, regex=False)]

    def fit_names(self, status: str) -> str:
        rows = self.fits_with(status)
        return "; ".join(rows["task_name"] + " (" + rows["family"] + ")")

    def turning_range(self, status: str = "fits") -> tuple[str, str]:
        rows = self.fits_with(status)
        return _fmt_flops(float(rows["turning"].min())), _fmt_flops(float(rows["turning"].max()))

    def fit_value(self, task: str, family: str, column: str):
        rows = self.fits[(self.fits["task"] == task) & (self.fits["family"] == family)]
        if len(rows) != 1:
            raise KeyError(f"no mixture fit for {task} / {family}")
        return rows[column].iloc[0]

    def fit_flops(self, task: str, family: str, column: str = "turning") -> str:
        return _fmt_flops(float(self.fit_value(task, family, column)))

    def fits_by_cause(self, cause: str, status: str = "fits") -> tuple[int, int]:
        """(fits with `status`, all fits) among curves of tasks with this hypothesised cause."""
        rows = self.fits[self.fits["cause"] == cause]
        good = rows[rows["status"] == "fits"] if status == "fits" else rows[rows["status"].str.contains(status, regex=False)]
        return len(good), len(rows)

    def agreement_below(self, threshold: float = AGREEMENT_THRESHOLD) -> int:
        return int((self.shapes["agreement"] < threshold).sum())

    @property
    def palm_u_tasks(self) -> list[str]:
        return self.palm.loc[self.palm["shape"] == "U-shaped", "task"].tolist()

    def palm_count_of(self, shape: str) -> int:
        return int(self.palm_counts.get(shape, 0))

    @property
    def round1_u(self) -> int:
        """Round-1 tasks (each Round-2 successor standing in) that PaLM's zero-shot curve makes U-shaped."""
        palm = self.palm.set_index("task")
        return int(sum(palm.loc[t, "shape"] == "U-shaped" for t in ROUND1_TASKS.values()))

    def fit_names_by_cause(self, cause: str, status: str) -> str:
        rows = self.fits[self.fits["cause"] == cause]
        rows = rows[rows["status"] == "fits"] if status == "fits" else rows[rows["status"].str.contains(status, regex=False)]
        return "; ".join(rows["task_name"] + " (" + rows["family"] + ")")


MIN_EFFECT_STRICT = 0.05


def _counts_text(row: pd.Series) -> str:
    return f"{row['U-shaped']} U-shaped, {row['inverse']} inverse and {row['positive']} positive"


@dataclass(frozen=True)
class ClaimFacts:
    """What the chapter says about Prompt Injection's reading, the 540B rises and the claim's history."""

    loss_shape: str  # PaLM's Prompt Injection shape on -loss (descriptive)
    stated: str  # counts over all tasks under each reading (see `palm_readings`)
    strict: str
    mixed: str
    stated_matches: str  # "matches" / "does not match" Wei et al.'s counts
    strict_matches: str
    mixed_matches: str
    u_below_small: str  # accuracy tasks PaLM calls U although 540B is really below 1B
    n_u_below_small: int
    loss_above_small: str  # "above" when PaLM's 540B loss is above its 1B loss
    n_rises: int  # accuracy tasks with a real 62B -> 540B rise
    n_acc: int
    rises_are_improving: str  # "exactly" when they are the tasks the rule calls U-shaped or positive
    loss_falls: str  # "falls" / "does not fall" from 62B to 540B
    n_rises_by_direction: int  # the real rises plus Prompt Injection if its loss falls
    n_tasks: int
    mckenzie_is_wei: str  # "equals" when McKenzie's count is Wei et al.'s U-shaped plus positive
    round1_ours: str  # Round-1 tasks (successors standing in) U-shaped in our numbers
    n_round1_ours: int
    round1_v2: str
    round1_extra: str  # in ours, not in the revision's list
    n_round1_extra: int
    n_caveat_tasks: int


def claim_facts(res: "ChapterResults") -> ClaimFacts:
    names = task_names()
    palm = res.palm.set_index("task")
    readings = res.readings.set_index("reading")
    matches = {name: "matches" if readings.loc[name, "matches Wei et al."] == "yes" else "does not match" for name in READINGS}
    u_below = palm[(palm["shape"] == "U-shaped") & (palm["vs_small_high"] < 0)]
    rises = set(palm.index[palm["rise_low"] > 0])
    improving = set(palm.index[palm["shape"].isin(["U-shaped", "positive"])])
    loss = [c for c in res.loss_curves if c.family == "PaLM"][0]
    falls = bool(loss.p[-1] < loss.p[-2])
    ours = [t for t in ROUND1_TASKS.values() if palm.loc[t, "shape"] == "U-shaped"]
    v2 = [ROUND1_TASKS[t] for t in V2_U_TASKS]
    extra = [t for t in ours if t not in v2]
    return ClaimFacts(
        loss_shape=classify(-loss.p, None),
        stated=_counts_text(readings.loc[READINGS[0]]),
        strict=_counts_text(readings.loc[READINGS[1]]),
        mixed=_counts_text(readings.loc[READINGS[2]]),
        stated_matches=matches[READINGS[0]],
        strict_matches=matches[READINGS[1]],
        mixed_matches=matches[READINGS[2]],
        u_below_small=join_names(names[t] for t in u_below.index),
        n_u_below_small=len(u_below),
        loss_above_small="above" if loss.p[-1] > loss.p[0] else "not above",
        n_rises=len(rises),
        n_acc=len(palm),
        rises_are_improving="exactly" if rises == improving else "not exactly",
        loss_falls="falls" if falls else "does not fall",
        n_rises_by_direction=len(rises) + int(falls),
        n_tasks=len(palm) + 1,
        mckenzie_is_wei="equals" if PUBLISHED["final_u"] + PUBLISHED["final_positive"] == PUBLISHED["mckenzie_improve"] else "does not equal",
        round1_ours=join_names(names[t] for t in ours),
        n_round1_ours=len(ours),
        round1_v2=join_names(t.replace("-", " ").title() for t in V2_U_TASKS),
        round1_extra=join_names(names[t] for t in extra),
        n_round1_extra=len(extra),
        n_caveat_tasks=len(MCKENZIE_CAVEAT_TASKS),
    )


@dataclass(frozen=True)
class MixtureFreeFacts:
    """The refit with a free small-model level and run-to-run variance, and the unfairness it removes."""

    n_strong_prior: int  # U-shaped strong-prior curves in the chance-fixed fit
    n_strong_prior_above: int  # ... whose smallest model is really above chance (Wilson interval)
    n_strong_prior_misfit: int
    n_strong_prior_beyond_reach: int  # first score above chance + (1 - chance) * lowest score: no parameters fit it
    strong_prior_within_reach: str  # the other strong-prior curves, whose misfit is not forced
    min_sizes: int
    n_fitted: int
    n_fitted_strong_prior: int
    n_level_off: int  # level = chance rejected at FIT_ALPHA
    level_off: str
    n_tau_needed: int  # tau = 0 rejected at FIT_ALPHA
    tau_needed: str
    tau_max: str
    n_neither: int
    neither: str


def start_beyond_mixture_reach(p, chance: float) -> bool:
    """Whether the smallest model's score is out of the chance-fixed mixture's reach.

    acc = t + (1 - t)(1 - d) c <= c + (1 - c) t, and acc >= t everywhere with t rising, so the first
    score can be at most c + (1 - c) * min(acc): a curve starting higher misfits for any parameters.
    """
    p = np.asarray(p, dtype=float)
    return bool(p[0] > chance + (1 - chance) * p.min())


def _curve_names(rows: pd.DataFrame) -> str:
    return join_names(f"{t} ({SERIES_SHORT.get(f, f)})" for t, f in zip(rows["task_name"], rows["family"]))


def mixture_free_facts(res: "ChapterResults") -> MixtureFreeFacts:
    by_key = {(c.task, c.family): c for c in res.acc_curves}
    strong = res.fits[res.fits["cause"] == "Strong Prior"]
    above = 0
    for t, f in zip(strong["task"], strong["family"]):
        c = by_key[(t, f)]
        low, _ = stats.wilson_interval(c.p[0], c.n)
        above += int(low > c.chance)
    beyond = np.array([start_beyond_mixture_reach(by_key[(t, f)].p, by_key[(t, f)].chance)
                       for t, f in zip(strong["task"], strong["family"])], dtype=bool)
    free = res.free_fits
    level_off = free[free["p_level"] < FIT_ALPHA]
    tau_needed = free[free["p_tau"] < FIT_ALPHA]
    neither = free[(free["p_level"] >= FIT_ALPHA) & (free["p_tau"] >= FIT_ALPHA)]
    return MixtureFreeFacts(
        n_strong_prior=len(strong),
        n_strong_prior_above=above,
        n_strong_prior_misfit=int(strong["status"].str.contains("misfit").sum()),
        n_strong_prior_beyond_reach=int(beyond.sum()),
        strong_prior_within_reach=_curve_names(strong[~beyond]),
        min_sizes=FREE_MIN_SIZES,
        n_fitted=len(free),
        n_fitted_strong_prior=int((free["cause"] == "Strong Prior").sum()),
        n_level_off=len(level_off),
        level_off=_curve_names(level_off),
        n_tau_needed=len(tau_needed),
        tau_needed=_curve_names(tau_needed),
        tau_max=fmt.num(float(free["tau"].max()), 2),
        n_neither=len(neither),
        neither=_curve_names(neither),
    )


@dataclass(frozen=True)
class ForecastFacts:
    """Two-step extrapolation with shapes known before the forecast (classified on the prefix)."""

    n_u: int  # whole-curve U-shapes
    n_u_min_second_largest: int  # ... whose minimum is the second-largest size: a last-step flip by definition
    last_u_prefix_wrong: int  # last step wrong among curves whose prefix is U-shaped
    last_u_prefix: int
    last_u_whole_wrong: int  # the circular figure, for comparison
    last_u_whole: int


def forecast_facts(res: "ChapterResults") -> ForecastFacts:
    by_key = {(c.task, c.family): c for c in res.acc_curves}
    u = res.shapes[res.shapes["shape"] == "U-shaped"]
    second = sum(int(np.argmin(by_key[(t, f)].p)) == len(by_key[(t, f)].p) - 2 for t, f in zip(u["task"], u["family"]))
    prefix = res.extrapolation.set_index("Curves").loc["U-shaped"]
    whole = res.extrapolation_whole.set_index("Curves").loc["U-shaped"]
    return ForecastFacts(
        n_u=len(u),
        n_u_min_second_largest=int(second),
        last_u_prefix_wrong=int(prefix["Last step: sign wrong"]),
        last_u_prefix=int(prefix["Last step: triples"]),
        last_u_whole_wrong=int(whole["Last step: sign wrong"]),
        last_u_whole=int(whole["Last step: triples"]),
    )


@dataclass(frozen=True)
class ProseFacts:
    """Every other number and name the chapter's prose prints, as text (attribute access only inline)."""

    last_wrong: str
    last_runs: str
    wrong_both_real: str
    wrong: str
    runs: str
    runs_both_real: str
    inverse_prefix_wrong: str
    inverse_prefix_runs: str
    non_monotone_prefix_wrong: str
    non_monotone_prefix_runs: str
    u_prefix_wrong_both_real: str
    u_prefix_wrong: str
    u_prefix_runs: str
    u_prefix_runs_both_real: str
    u_count_range: str
    inverse_count_range: str
    gain_r_early_ci: str
    gain_r_late_ci: str
    gain_r_all_ci: str
    neqa_vs_small_ci: str
    hn_rise_ci: str
    palm_gain_tasks: str
    open_margin: str
    n_fits_ok: str
    n_loss_series: str
    n_palm_tasks: str
    n_caveat_tasks: str
    n_loss_u: str
    n_loss_inverse: str
    n_loss_inverted_u: str
    n_acc_tasks_word: str
    n_series: str
    n_palm_rises: str
    n_palm_falls: str
    n_caveat_below_small: str
    n_palm_u: str
    n_palm_inverse: str
    n_palm_positive: str
    strict_points: str
    gain_r_early: str
    gain_r_late: str
    gain_rho_early: str  # Spearman's rho, 1B -> 8B -> 62B
    gain_rho_early_p: str
    gain_loo_task_early: str  # the task whose removal moves the 1B -> 8B -> 62B r the most
    gain_loo_r_early: str
    gain_loo_p_early: str
    gain_loo_n_early: str
    last_zero_step: str  # curves whose last run has a zero step and is left out of the sign count
    fit_alpha: str
    false_u: str
    false_any: str
    false_any_unadjusted: str
    gain_r_all: str
    neqa_gpt3_ada_zero: str
    neqa_gpt3_davinci_cot: str
    neqa_gpt3_davinci_zero: str
    pi_loss_1b: str
    pi_loss_62b: str
    pi_loss_540b: str
    mt_1b: str
    mt_8b: str
    neqa_vs_small: str
    hn_1b: str
    hn_540b: str
    hn_62b: str
    hn_8b: str
    hn_rise: str
    hn_rise_z: str
    wrong_share: str
    agreement_threshold: str
    mt_items: str
    neqa_items: str
    hn_items: str
    neqa_round1_items: str
    n_fits_open: str
    n_curves: str
    n_tasks: str
    level: str
    pub_final_inverse: str
    pub_final_positive: str
    pub_final_u: str
    pub_mckenzie_improve: str
    pub_mckenzie_tasks: str
    pub_v1_tasks: str
    pub_v1_u: str
    pub_v2_u: str
    pub_v3_not_u: str
    pub_v3_tasks: str
    n_borderline: str
    hn_palm_turning: str
    hn_palm_turning_high: str
    hn_palm_turning_low: str
    fits_ok_names: str
    distractor_misfit_names: str
    n_distractor_ok: str
    n_distractor: str
    n_fits_failed: str
    n_u: str
    n_u_strict: str
    n_flat: str
    n_inverse: str
    n_inverted_u: str
    n_positive: str
    n_zigzag: str
    n_u_feedme: str
    n_u_palm: str
    neqa_cohere_cot: str
    neqa_cohere_zero: str
    neqa_gpt3_cot: str
    neqa_gpt3_hint: str
    neqa_gpt3_plain: str
    neqa_gpt3_zero: str
    neqa_jurassic_cot: str
    neqa_jurassic_zero: str
    neqa_text_cot: str
    neqa_text_zero: str
    palm_rise_names: str
    palm_fall_names: str
    palm_u_below_chance_names: str
    caveat_below_small_names: str
    palm_u_names: str
    palm_inverse_names: str
    palm_positive_names: str
    turning_low: str
    turning_high: str


def prose_facts(res: ChapterResults) -> ProseFacts:
    """`ProseFacts` from the chapter's results (the helpers of `ChapterResults` do the selecting)."""
    pub = PUBLISHED
    level = fmt.pct(LEVEL)
    hn = "hindsight-neglect"
    ext_all = res.extrapolation_row("all curves")
    ext_u = res.extrapolation_row("U-shaped")
    ext_inv = res.extrapolation_row("inverse")
    ext_nm = res.extrapolation_row(NON_MONOTONE_LABEL)
    g_early, g_late = res.gain(0), res.gain(1)
    caveat_tasks = list(MCKENZIE_CAVEAT_TASKS)
    gpt3, text, cohere, jurassic = "GPT-3", "GPT-3 text series (instruction-tuned)", "Cohere", "Jurassic-1 (AI21)"
    zero, hint, cot, plain = NEQA_PROMPTS + (NEQA_CONTROL,)
    return ProseFacts(
        last_wrong=str(ext_all["Last step: sign wrong"]),
        last_runs=str(ext_all["Last step: triples"]),
        wrong_both_real=str(ext_all["Sign wrong (both real)"]),
        wrong=str(ext_all["Sign wrong"]),
        runs=str(ext_all["Triples"]),
        runs_both_real=str(ext_all["Triples, both steps real"]),
        inverse_prefix_wrong=str(ext_inv["Sign wrong"]),
        inverse_prefix_runs=str(ext_inv["Triples"]),
        non_monotone_prefix_wrong=str(ext_nm["Sign wrong"]),
        non_monotone_prefix_runs=str(ext_nm["Triples"]),
        u_prefix_wrong_both_real=str(ext_u["Sign wrong (both real)"]),
        u_prefix_wrong=str(ext_u["Sign wrong"]),
        u_prefix_runs=str(ext_u["Triples"]),
        u_prefix_runs_both_real=str(ext_u["Triples, both steps real"]),
        u_count_range=fmt.ci(*res.count_interval("U-shaped"), digits=0),
        inverse_count_range=fmt.ci(*res.count_interval("inverse"), digits=0),
        gain_r_early_ci=fmt.ci(g_early["ci_low"], g_early["ci_high"]),
        gain_r_late_ci=fmt.ci(g_late["ci_low"], g_late["ci_high"]),
        gain_r_all_ci=fmt.ci(res.gain_fit["ci_low"], res.gain_fit["ci_high"]),
        neqa_vs_small_ci=fmt.ci(res.palm_value("neqa", "vs_small_low"), res.palm_value("neqa", "vs_small_high"), 3),
        hn_rise_ci=fmt.ci(res.palm_value(hn, "rise_low"), res.palm_value(hn, "rise_high"), 3),
        palm_gain_tasks=fmt.count(g_early["n"]),
        open_margin=fmt.count(int(OPEN_MARGIN)),
        n_fits_ok=fmt.count(len(res.fits_with("fits"))),
        n_loss_series=fmt.count(len(res.loss_shapes)),
        n_palm_tasks=fmt.count(len(res.palm)),
        n_caveat_tasks=fmt.count(res.claim.n_caveat_tasks),
        n_loss_u=fmt.count(res.loss_shape_count("U-shaped")),
        n_loss_inverse=fmt.count(res.loss_shape_count("inverse")),
        n_loss_inverted_u=fmt.count(res.loss_shape_count("inverted-U")),
        n_acc_tasks_word=fmt.count(res.n_acc_tasks).capitalize(),
        n_series=fmt.count(res.n_series),
        n_palm_rises=fmt.count(res.palm_count("rise", "above")),
        n_palm_falls=fmt.count(res.palm_count("rise", "below")),
        n_caveat_below_small=fmt.count(res.palm_count("vs_small", "below", caveat_tasks)),
        n_palm_u=fmt.count(res.palm_count_of("U-shaped")),
        n_palm_inverse=fmt.count(res.palm_count_of("inverse")),
        n_palm_positive=fmt.count(res.palm_count_of("positive")),
        strict_points=fmt.num(100 * MIN_EFFECT_STRICT, 0),
        gain_r_early=fmt.num(g_early["r"]),
        gain_r_late=fmt.num(g_late["r"]),
        gain_rho_early=fmt.num(g_early["spearman"]),
        gain_rho_early_p=fmt.num(g_early["spearman_p"], 2),
        gain_loo_task_early=task_names().get(g_early["loo_task"], g_early["loo_task"]),
        gain_loo_r_early=fmt.num(g_early["loo_r"]),
        gain_loo_p_early=fmt.num(g_early["loo_p"], 2),
        gain_loo_n_early=fmt.count(int(g_early["loo_n"])),
        last_zero_step=fmt.count(len(res.shapes) - int(ext_all["Last step: triples"])),
        fit_alpha=fmt.num(FIT_ALPHA),
        false_u=fmt.num(res.false_alarm_total("U-shaped"), 2),
        false_any=fmt.num(res.false_alarm_total(), 1),
        false_any_unadjusted=fmt.num(res.false_alarm_total(adjusted=False), 1),
        gain_r_all=fmt.num(res.gain_fit["r"]),
        neqa_gpt3_ada_zero=fmt.num(res.neqa_score(gpt3, "ada", zero)),
        neqa_gpt3_davinci_cot=fmt.num(res.neqa_score(gpt3, "davinci", cot)),
        neqa_gpt3_davinci_zero=fmt.num(res.neqa_score(gpt3, "davinci", zero)),
        pi_loss_1b=fmt.num(res.palm_loss_value(0)),
        pi_loss_62b=fmt.num(res.palm_loss_value(2)),
        pi_loss_540b=fmt.num(res.palm_loss_value(3)),
        mt_1b=fmt.num(res.palm_value("modus-tollens", "p_1b"), 3),
        mt_8b=fmt.num(res.palm_value("modus-tollens", "p_8b"), 3),
        neqa_vs_small=fmt.num(res.palm_value("neqa", "vs_small"), 3, signed=True),
        hn_1b=fmt.num(res.palm_value(hn, "p_1b"), 3),
        hn_540b=fmt.num(res.palm_value(hn, "p_540b"), 3),
        hn_62b=fmt.num(res.palm_value(hn, "p_62b"), 3),
        hn_8b=fmt.num(res.palm_value(hn, "p_8b"), 3),
        hn_rise=fmt.num(res.palm_value(hn, "rise"), 3, signed=True),
        hn_rise_z=fmt.num(res.palm_value(hn, "rise_z"), 1),
        wrong_share=fmt.pct(ext_all["Share wrong"]),
        agreement_threshold=fmt.pct(AGREEMENT_THRESHOLD),
        mt_items=str(int(res.palm_value("modus-tollens", "n_items"))),
        neqa_items=str(int(res.palm_value("neqa", "n_items"))),
        hn_items=str(int(res.palm_value(hn, "n_items"))),
        neqa_round1_items=str(NEQA_ITEMS),
        n_fits_open=str(len(res.fits_with("interval open"))),
        n_curves=str(len(res.shapes)),
        n_tasks=str(len(res.tasks)),
        level=str(level),
        pub_final_inverse=str(pub["final_inverse"]),
        pub_final_positive=str(pub["final_positive"]),
        pub_final_u=str(pub["final_u"]),
        pub_mckenzie_improve=str(pub["mckenzie_improve"]),
        pub_mckenzie_tasks=str(pub["mckenzie_tasks"]),
        pub_v1_tasks=str(pub["v1_tasks"]),
        pub_v1_u=str(pub["v1_u"]),
        pub_v2_u=str(pub["v2_u"]),
        pub_v3_not_u=str(pub["v3_not_u"]),
        pub_v3_tasks=str(pub["v3_tasks"]),
        n_borderline=str(res.agreement_below()),
        hn_palm_turning=str(res.fit_flops(hn, "PaLM")),
        hn_palm_turning_high=str(res.fit_flops(hn, "PaLM", "turning_high")),
        hn_palm_turning_low=str(res.fit_flops(hn, "PaLM", "turning_low")),
        fits_ok_names=str(res.fit_names("fits")),
        distractor_misfit_names=str(res.fit_names_by_cause("Distractor Task", "misfit")),
        n_distractor_ok=str(res.fits_by_cause("Distractor Task")[0]),
        n_distractor=str(res.fits_by_cause("Distractor Task")[1]),
        n_fits_failed=str(res.n_fits - len(res.fits_with("fits"))),
        n_u=str(res.n_shape("U-shaped")),
        n_u_strict=str(res.n_shape("U-shaped", "strict")),
        n_flat=str(res.n_shape("flat")),
        n_inverse=str(res.n_shape("inverse")),
        n_inverted_u=str(res.n_shape("inverted-U")),
        n_positive=str(res.n_shape("positive")),
        n_zigzag=str(res.n_shape("zigzag")),
        n_u_feedme=str(res.n_shape_family("U-shaped", "GPT-3 FeedME")),
        n_u_palm=str(res.n_shape_family("U-shaped", "PaLM")),
        neqa_cohere_cot=str(res.neqa_shape(cohere, cot)),
        neqa_cohere_zero=str(res.neqa_shape(cohere, zero)),
        neqa_gpt3_cot=str(res.neqa_shape(gpt3, cot)),
        neqa_gpt3_hint=str(res.neqa_shape(gpt3, hint)),
        neqa_gpt3_plain=str(res.neqa_shape(gpt3, plain)),
        neqa_gpt3_zero=str(res.neqa_shape(gpt3, zero)),
        neqa_jurassic_cot=str(res.neqa_shape(jurassic, cot)),
        neqa_jurassic_zero=str(res.neqa_shape(jurassic, zero)),
        neqa_text_cot=str(res.neqa_shape(text, cot)),
        neqa_text_zero=str(res.neqa_shape(text, zero)),
        palm_rise_names=str(res.palm_names("rise", "above")),
        palm_fall_names=str(res.palm_names("rise", "below")),
        palm_u_below_chance_names=str(res.palm_names("vs_chance", "below", res.palm_u_tasks)),
        caveat_below_small_names=str(res.palm_names("vs_small", "below", caveat_tasks)),
        palm_u_names=str(res.palm_tasks("U-shaped")),
        palm_inverse_names=str(res.palm_tasks("inverse")),
        palm_positive_names=str(res.palm_tasks("positive")),
        turning_low=str(res.turning_range()[0]),
        turning_high=str(res.turning_range()[1]),
    )


def chapter_results(n_boot: int = 1000) -> ChapterResults:
    """Compute every figure, table and number of chapter 5."""
    frame = data.load_inverse_scaling()
    acc = curves(frame, "accuracy")
    loss = curves(frame, "loss")
    shapes = classification(acc)
    strict = classification(acc, min_effect=MIN_EFFECT_STRICT)
    unadjusted = classification(acc, adjust=False)
    counts = shape_counts(
        {
            "Rule as stated": shapes,
            f"Plus a {MIN_EFFECT_STRICT * 100:.0f}-point minimum change": strict,
            "Unadjusted 95% intervals": unadjusted,
        }
    )
    stability = classification_stability(acc, n_boot=n_boot)
    shapes = shapes.assign(agreement=stability["agreement"])
    alarms = flat_false_alarms(acc, n_sim=n_boot)
    alarms_unadjusted = flat_false_alarms(acc, n_sim=n_boot, adjust=False)
    lshapes = loss_shapes(loss)
    palm = palm_detail(acc)
    palm_counts = palm["shape"].value_counts().to_dict()
    palm_loss = lshapes.set_index("family").loc["PaLM", "shape"]
    palm_rows = frame[(frame["family"] == "PaLM")].drop_duplicates("model").sort_values("training_flops")
    palm_flops = ", ".join(
        f"{m.replace('PaLM ', '')} {v / 1e21:g}" for m, v in zip(palm_rows["model"], palm_rows["training_flops"], strict=True)
    ) + " ×10²¹"
    fits = mixture_fits(acc, shapes)
    triples = extrapolation_triples(acc, shapes)
    usable = triples[~triples["zero"]]
    res = ChapterResults(
        acc_curves=acc,
        loss_curves=loss,
        points=curve_points(acc),
        loss_points=curve_points(loss),
        shapes=shapes,
        shapes_strict=strict,
        shapes_unadjusted=unadjusted,
        counts=counts,
        stability=stability,
        false_alarms=alarms,
        false_alarms_unadjusted=alarms_unadjusted,
        loss_shapes=lshapes,
        palm=palm,
        palm_counts=palm_counts,
        palm_loss=str(palm_loss),
        palm_flops=palm_flops,
        palm_gains=palm_gain_regressions(frame),
        fits=fits,
        fit_points=mixture_curve_points(fits, acc),
        triples=triples,
        extrapolation=extrapolation_summary(triples),
        gain_fit=stats.regress(usable[["gain1", "gain2"]], n_boot=n_boot, identity="extrapolation triples"),
        neqa=neqa_points(),
        neqa_shapes=pd.DataFrame(),
        tasks=task_table(),
    )
    res.neqa_shapes = neqa_shapes(res.neqa)
    res.claims = claim_history(res)
    res.readings = palm_readings(palm, [c for c in loss if c.family == "PaLM"][0])
    res.extrapolation_whole = extrapolation_summary(triples, by="shape")
    res.claim = claim_facts(res)
    res.forecast = forecast_facts(res)
    res.free_fits = mixture_free_fits(acc, shapes)
    res.free = mixture_free_facts(res)
    res.prose = prose_facts(res)
    return res
