"""Chapter 1, "The empirical result": the 2022 regressions and the same regression on finer ladders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import data, fmt, ladders, stats
from .ladders import size_label

# Harness families are scored with both accuracy and acc_norm; the chapter uses plain accuracy.
PRIMARY_METRICS = ("accuracy", "multiple_choice_grade", "preferred")
FINE_MIN_SIZES = 4


@dataclass(frozen=True)
class Fit:
    """One gain-on-gain regression, with its sizes, for prose."""

    ladder: str
    family: str
    benchmark: str
    prompting: str
    triple: str
    n: int
    r: float
    r2: float
    slope: float
    ci_low: float
    ci_high: float
    boot_low: float
    boot_high: float


def _fit(ladder: ladders.Ladder, triple: tuple[float, float, float], n_boot: int = stats.N_BOOT) -> Fit:
    # Seeded by the same identity as `robust_fits`, so both chapters print the same bootstrap.
    result = stats.regress(ladder.gains(triple), n_boot=n_boot, identity=(ladder.identity, "raw", tuple(triple)))
    return Fit(
        ladder=ladder.name,
        family=ladder.family,
        benchmark=ladder.benchmark,
        prompting=str(ladder.rows["prompting"].iloc[0]),
        triple=" → ".join(size_label(s) for s in triple),
        **{k: result[k] for k in ("n", "r", "r2", "slope", "ci_low", "ci_high", "boot_low", "boot_high")},
    )


def primary_ladders(frame: pd.DataFrame | None = None) -> list[ladders.Ladder]:
    """Every ladder in the data scored with its primary metric (not acc_norm, not loss)."""
    frame = data.load_all() if frame is None else frame
    return [l for l in ladders.find_ladders(frame) if l.metric in PRIMARY_METRICS]


def palm_ladders(found: list[ladders.Ladder]) -> dict[str, ladders.Ladder]:
    """The PaLM ladders the post used, keyed 'bigbench_lite', 'nlu 0-shot', 'nlu 1-shot', 'nlu few-shot'."""
    out = {}
    for ladder in found:
        if ladder.family != "PaLM":
            continue
        if ladder.benchmark == "bigbench_lite":
            out["bigbench_lite"] = ladder
        elif ladder.benchmark == "english_nlu":
            out[f"nlu {ladder.rows['prompting'].iloc[0]}"] = ladder
    return out


def original_fits(found: list[ladders.Ladder]) -> dict[str, Fit]:
    """The post's regressions: PaLM 8B→62B gain against 62B→540B gain."""
    return {key: _fit(ladder, tuple(ladder.sizes)) for key, ladder in palm_ladders(found).items()}


def spanning_zero(fits: dict[str, Fit]) -> int:
    """How many of the fits have a 95% Fisher interval for r that includes zero."""
    return sum(fit.ci_low <= 0 <= fit.ci_high for fit in fits.values())


def palm_points(found: list[ladders.Ladder]) -> pd.DataFrame:
    """Gain pairs of the post's PaLM regressions, one panel label per setting."""
    labels = {"bigbench_lite": "BIG-bench Lite, 5-shot", "nlu 0-shot": "English NLU, 0-shot", "nlu 1-shot": "English NLU, 1-shot", "nlu few-shot": "English NLU, few-shot"}
    return pd.concat([gain_points(ladder, label=labels[key]) for key, ladder in palm_ladders(found).items()], ignore_index=True)


def fits_table(fits: dict[str, Fit]) -> pd.DataFrame:
    """Display table of a set of fits."""
    rows = [
        {
            "Ladder": f"{fit.family} · {fit.benchmark}",
            "Setting": fit.prompting,
            "Sizes": fit.triple,
            "Tasks": fit.n,
            "r": fmt.num(fit.r, 3),
            "95% CI (Fisher)": fmt.ci(fit.ci_low, fit.ci_high),
            "95% CI (bootstrap)": fmt.ci(fit.boot_low, fit.boot_high),
            "R²": fmt.num(fit.r2, 3),
            "Slope": fmt.num(fit.slope),
        }
        for fit in fits.values()
    ]
    return pd.DataFrame(rows)


def gain_points(ladder: ladders.Ladder, triples: list[tuple[float, float, float]] | None = None, label: str | None = None) -> pd.DataFrame:
    """Per task and triple: the three scores and two gains, for scatter plots (rounded to 4 dp)."""
    triples = triples or [t[1:] for t in ladder.triples((1,))]
    frames = []
    for triple in triples:
        g = ladder.gains(triple)
        g["ladder"] = label or ladder.name
        g["triple"] = " → ".join(size_label(s) for s in triple)
        frames.append(g)
    points = pd.concat(frames, ignore_index=True)
    points = points[["ladder", "triple", "task", "f1", "f2", "f3", "gain1", "gain2"]]
    return points.round(4)


@dataclass(frozen=True)
class HeadToHead:
    """Chinchilla 70B against Gopher 280B (equal compute) on one benchmark."""

    benchmark: str
    n: int
    improved: int
    tied: int
    worse: int
    share_low: float
    share_high: float
    mean_gain: float
    gain_low: float
    gain_high: float


# The mean of a few dozen differences is cheap to resample, and with stats.N_BOOT draws the
# BIG-bench upper bound still moves by about 0.2 points from seed to seed.
HEAD_TO_HEAD_BOOT = 100_000


def chinchilla_vs_gopher() -> dict[str, HeadToHead]:
    """How many MMLU subjects and BIG-bench tasks Chinchilla improved over Gopher at equal compute."""
    out = {}
    for name, frame in (("mmlu", data.load_chinchilla_mmlu()), ("bigbench", data.load_chinchilla_bigbench())):
        wide = frame.pivot_table(index="task", columns="family", values="score")
        diff = (wide["Chinchilla"] - wide["Gopher"]).round(6)
        improved, worse = int((diff > 0).sum()), int((diff < 0).sum())
        share_low, share_high = stats.share_interval(improved, len(diff))
        mean_gain, gain_low, gain_high = stats.bootstrap(diff.to_numpy(), np.mean, n_boot=HEAD_TO_HEAD_BOOT, identity=("Chinchilla - Gopher", name))
        out[name] = HeadToHead(
            benchmark=name,
            n=len(diff),
            improved=improved,
            tied=int((diff == 0).sum()),
            worse=worse,
            share_low=float(share_low),
            share_high=float(share_high),
            mean_gain=mean_gain,
            gain_low=gain_low,
            gain_high=gain_high,
        )
    return out


def head_to_head_points() -> pd.DataFrame:
    """Per task: Gopher and Chinchilla scores, for the equal-compute comparison chart."""
    frames = []
    for name, frame in (("MMLU (57 subjects)", data.load_chinchilla_mmlu()), ("BIG-bench (62 tasks)", data.load_chinchilla_bigbench())):
        wide = frame.pivot_table(index="task", columns="family", values="score").reset_index()
        wide["benchmark"] = name
        frames.append(wide)
    return pd.concat(frames, ignore_index=True)[["benchmark", "task", "Gopher", "Chinchilla"]].round(4)


def fine_ladders(found: list[ladders.Ladder]) -> list[ladders.Ladder]:
    """Ladders with four or more sizes outside the inverse-scaling series (Chapter 5 covers those)."""
    return [l for l in found if len(l.sizes) >= FINE_MIN_SIZES and l.benchmark != "inverse_scaling"]


def consecutive_table(found: list[ladders.Ladder]) -> pd.DataFrame:
    """Every consecutive triple of every fine ladder: the regression row."""
    table = ladders.ladder_table(fine_ladders(found), ("raw",), (1,))
    return table.sort_values(["ladder", "s1"]).reset_index(drop=True)


def fine_label(table: pd.DataFrame) -> pd.Series:
    """'Pythia · 0-shot': a fine ladder as the consecutive-triple table and the prose name it."""
    return table["family"] + " · " + table["n_shots"].map(lambda k: f"{int(k)}-shot")


def consecutive_display(table: pd.DataFrame) -> pd.DataFrame:
    """The consecutive-triple table for readers; 'Below 0' marks the triples whose interval
    excludes zero (all of them negative here), the ones the text counts."""
    return pd.DataFrame(
        {
            "Ladder": fine_label(table),
            "Sizes": table["triple"],
            "Tasks": table["n"],
            "r": table["r"].map(fmt.num),
            "95% CI": [fmt.ci(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"])],
            # r is shown to 2 decimals, so R² (its square) is too.
            "R²": table["r2"].map(fmt.num),
            "Interval": np.select([table["ci_high"] < 0, table["ci_low"] > 0], ["below 0", "above 0"], "includes 0"),
        }
    )


def join_words(items) -> str:
    """'a', 'a and b', 'a, b and c': a list as prose."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class FineHighlights:
    """What to look for in the consecutive-triple table (@tbl-empirical-fine)."""

    not_significant: int  # triples whose 95% interval includes zero
    not_significant_low: int  # of those, triples among the two smallest of their ladder
    positive: int  # triples with r > 0
    positive_triples: str  # their sizes (distinct)
    positive_ladders: str  # their ladders
    min_ladder: str  # the most negative triple
    min_triple: str
    all_below_zero: str  # ladders whose every triple has an interval below zero


def fine_highlights(table: pd.DataFrame) -> FineHighlights:
    """The rows of `consecutive_table` the chapter points to."""
    labels = fine_label(table)
    rank = table.groupby("ladder")["s1"].rank(method="first")  # 1 = the ladder's smallest triple
    includes = (table["ci_low"] <= 0) & (table["ci_high"] >= 0)
    positive = table["r"] > 0
    lowest = table["r"].idxmin()
    below = (table["ci_high"] < 0).groupby(labels).all()
    return FineHighlights(
        not_significant=int(includes.sum()),
        not_significant_low=int((includes & (rank <= 2)).sum()),
        positive=int(positive.sum()),
        positive_triples=join_words(pd.unique(table.loc[positive, "triple"])),
        positive_ladders=join_words(pd.unique(labels[positive])),
        min_ladder=str(labels[lowest]),
        min_triple=str(table.loc[lowest, "triple"]),
        all_below_zero=join_words(below[below].index) if below.any() else "none",
    )


@dataclass(frozen=True)
class FineSummary:
    n_ladders: int
    n_triples: int
    negative: int
    significantly_negative: int
    significantly_positive: int
    median_r: float
    median_low: float
    median_high: float
    min_r: float
    max_r: float
    max_r2: float
    families: str


def fine_summary(table: pd.DataFrame) -> FineSummary:
    """Counts over the consecutive triples of the fine ladders, with a bootstrap CI for the median r."""
    r = table["r"].to_numpy()
    median_r, median_low, median_high = stats.bootstrap(r, np.median, identity="median r, triples as independent")
    families = sorted(table["family"].unique())
    return FineSummary(
        n_ladders=int(table["ladder"].nunique()),
        n_triples=len(table),
        negative=int((table["r"] < 0).sum()),
        significantly_negative=int((table["ci_high"] < 0).sum()),
        significantly_positive=int((table["ci_low"] > 0).sum()),
        median_r=median_r,
        median_low=median_low,
        median_high=median_high,
        min_r=float(r.min()),
        max_r=float(r.max()),
        max_r2=float(table["r2"].max()),
        families=", ".join(families[:-1]) + " and " + families[-1],
    )


def explorer_points(found: list[ladders.Ladder]) -> pd.DataFrame:
    """Gain pairs of every consecutive triple of the 0-shot/3-shot fine ladders, for the explorer."""
    chosen = [l for l in fine_ladders(found) if l.n_shots in (0, 3) and "deduped" not in l.family]
    return pd.concat([gain_points(l, label=l.family) for l in chosen], ignore_index=True)


# What the book does with each row of the inventory, in the order the table lists them.
ROLES = (
    "the post's regression",
    "finer ladder",
    "inverse-scaling series",
    "acc_norm twin of an accuracy ladder",
    "loss, not a score",
    "one size: no ladder",
)


def inventory_role(ladder: ladders.Ladder) -> str:
    """Which of `ROLES` a ladder of the inventory plays in this chapter."""
    if len(ladder.sizes) == 1:
        return ROLES[5]
    if ladder.metric == "loss":
        return ROLES[4]
    if ladder.metric == "acc_norm":
        return ROLES[3]
    if ladder.benchmark == "inverse_scaling":
        return ROLES[2]
    if ladder.family == "PaLM" and ladder.benchmark in ("bigbench_lite", "english_nlu"):
        return ROLES[0]
    if len(ladder.sizes) >= FINE_MIN_SIZES:
        return ROLES[1]
    raise ValueError(f"{ladder.name}: no role in the inventory")


def inventory(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which ladders exist: family, benchmark, setting, metric, sizes, tasks, and what the book
    does with each; ordered by that role, the post's PaLM ladders first."""
    frame = data.load_all() if frame is None else frame
    rows = []
    for ladder in ladders.find_ladders(frame, min_sizes=1, include_loss=True):
        rows.append(
            {
                "Role": inventory_role(ladder),
                "Family": ladder.family,
                "Benchmark": ladder.benchmark,
                "Setting": str(ladder.rows["prompting"].iloc[0]),
                "Metric": ladder.metric,
                "Sizes": len(ladder.sizes),
                "Size range": f"{size_label(ladder.sizes[0])}–{size_label(ladder.sizes[-1])}" if len(ladder.sizes) > 1 else size_label(ladder.sizes[0]),
                "Tasks": int(ladder.rows[list(ladders.TASK_ID)].drop_duplicates().shape[0]),
            }
        )
    table = pd.DataFrame(rows)
    order = table["Role"].map({role: i for i, role in enumerate(ROLES)})
    return table.assign(_order=order).sort_values("_order", kind="mergesort").drop(columns="_order").reset_index(drop=True)


@dataclass(frozen=True)
class InventoryCounts:
    """How many rows of the inventory play each role, for the prose next to the table."""

    rows: int
    palm: int
    fine: int
    inverse: int
    acc_norm: int
    loss: int
    single: int
    single_names: str  # their families, e.g. "Chinchilla, Gopher and PaLM 62B (1325B tokens)"


def inventory_counts(table: pd.DataFrame) -> InventoryCounts:
    counts = table["Role"].value_counts()
    single = table[table["Role"] == ROLES[5]]
    return InventoryCounts(
        rows=len(table), palm=int(counts.get(ROLES[0], 0)), fine=int(counts.get(ROLES[1], 0)), inverse=int(counts.get(ROLES[2], 0)),
        acc_norm=int(counts.get(ROLES[3], 0)), loss=int(counts.get(ROLES[4], 0)), single=len(single), single_names=join_words(sorted(single["Family"].unique())),
    )


# --------------------------------------------------------------------------------------------
# Regimes: tasks at chance and tasks that move, with tasks bootstrapped jointly
# --------------------------------------------------------------------------------------------

MMLU_PREFIX = "mmlu_"
CHANCE_Z = 1.96  # a task is above chance when its score exceeds chance by this many binomial SEs
# MMLU's subject -> category map, from the benchmark's own repository (hendrycks/test,
# categories.py); the MMLU paper advises conclusions on these four categories (the thread, T1).
_MMLU_GROUPS = {
    "STEM": "abstract_algebra astronomy college_biology college_chemistry college_computer_science college_mathematics college_physics computer_security conceptual_physics electrical_engineering elementary_mathematics high_school_biology high_school_chemistry high_school_computer_science high_school_mathematics high_school_physics high_school_statistics machine_learning",
    "humanities": "formal_logic high_school_european_history high_school_us_history high_school_world_history international_law jurisprudence logical_fallacies moral_disputes moral_scenarios philosophy prehistory professional_law world_religions",
    "social sciences": "econometrics high_school_geography high_school_government_and_politics high_school_macroeconomics high_school_microeconomics high_school_psychology human_sexuality professional_psychology public_relations security_studies sociology us_foreign_policy",
    "other": "anatomy business_ethics clinical_knowledge college_medicine global_facts human_aging management marketing medical_genetics miscellaneous nutrition professional_accounting professional_medicine virology",
}
MMLU_CATEGORIES = {subject: group for group, subjects in _MMLU_GROUPS.items() for subject in subjects.split()}


def is_mmlu(rows: pd.DataFrame) -> pd.Series:
    """Rows that are MMLU subjects (harness task names start with 'mmlu_')."""
    return rows["task"].astype(str).str.startswith(MMLU_PREFIX)


def above_chance_tasks(ladder: ladders.Ladder, z: float = CHANCE_Z) -> set:
    """Tasks whose score at the ladder's largest size exceeds chance by more than z binomial SEs.

    The SE is that of a model guessing at chance on the task's n items, sqrt(c(1 - c)/n).
    Tasks without a chance level or an item count are not above chance by this test.
    """
    top = ladder.rows[ladder.rows["n_params"] == ladder.sizes[-1]]
    se = np.sqrt(top["chance"] * (1 - top["chance"]) / top["n_items"])
    moving = (top["score"] - top["chance"]) > z * se
    return set(top.loc[moving.fillna(False), list(ladders.TASK_ID)].itertuples(index=False, name=None))


def _in(tasks: set):
    return lambda rows: pd.Series([key in tasks for key in rows[list(ladders.TASK_ID)].itertuples(index=False, name=None)], index=rows.index)


def mmlu_by_category(ladder: ladders.Ladder) -> ladders.Ladder:
    """The ladder with its MMLU subjects replaced by MMLU's four categories.

    A category's score is the item-weighted mean of its subjects' scores (the share of its
    items answered correctly) and its item count their sum; the other tasks stay as they are.
    """
    rows = ladder.rows
    mmlu = rows[is_mmlu(rows)].copy()
    subject = mmlu["task"].str.removeprefix(MMLU_PREFIX)
    unknown = sorted(set(subject) - set(MMLU_CATEGORIES))
    if unknown:
        raise ValueError(f"MMLU subjects without a category: {unknown}")
    mmlu["task"] = "mmlu_category_" + subject.map(MMLU_CATEGORIES).str.replace(" ", "_")
    mmlu["correct"] = mmlu["score"] * mmlu["n_items"]
    keys = ["n_params", "task"]
    grouped = mmlu.groupby(keys, as_index=False).agg(correct=("correct", "sum"), n_items=("n_items", "sum"), chance=("chance", "first"))
    first = mmlu.drop_duplicates(keys).drop(columns=["score", "n_items", "chance", "correct"])
    categories = first.merge(grouped, on=keys)
    categories["score"] = categories.pop("correct") / categories["n_items"]
    combined = pd.concat([rows[~is_mmlu(rows)], categories[rows.columns]], ignore_index=True)
    return ladders.Ladder(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, combined)


@dataclass(frozen=True)
class Regime:
    """Consecutive-triple correlations over a set of ladders and tasks, tasks bootstrapped jointly."""

    label: str
    n_ladders: int
    n_triples: int
    n_tasks: int
    median_r: float
    median_low: float
    median_high: float
    mean_r: float
    mean_low: float
    mean_high: float
    n_eff_triples: float
    n_eff_ladders: float
    negative: int
    sig_negative: int
    sig_positive: int
    expected_one_side: float  # significant fits of one sign expected if no triple had any signal
    degenerate: int


def regime(label: str, ladder_list: list[ladders.Ladder], n_boot: int = stats.N_BOOT, transform: str = "raw") -> Regime:
    """Median and mean r over every consecutive triple of `ladder_list`, with a joint task bootstrap.

    Each bootstrap draw resamples the union of the ladders' tasks once (a task shared by Pythia,
    OPT and BLOOM enters all of them together), recomputes every triple's r and takes the
    median and the mean. The effective numbers of independent triples and ladders follow from
    the correlation of the draws (`stats.effective_number`).
    """
    rows, g1, g2 = ladders.stacked_gains(ladder_list, transform)
    fits = stats.fit(g1, g2)
    draws = stats.joint_draws(g1, g2, n_boot, ("regime", label, tuple(l.identity for l in ladder_list), transform))
    with np.errstate(invalid="ignore"):
        median_low, median_high = stats.percentile_interval(np.nanmedian(draws, axis=0))
        mean_low, mean_high = stats.percentile_interval(np.nanmean(draws, axis=0))
    by_ladder = np.stack([stats.finite_mean(draws[(rows["ladder"] == name).to_numpy()]) for name in rows["ladder"].unique()])
    r = fits["r"]
    significant = (fits["ci_low"] > 0) | (fits["ci_high"] < 0)
    return Regime(
        label=label,
        n_ladders=int(rows["ladder"].nunique()),
        n_triples=len(rows),
        n_tasks=int(np.isfinite(g1).any(axis=0).sum()),
        median_r=float(np.nanmedian(r)),
        median_low=median_low,
        median_high=median_high,
        mean_r=float(np.nanmean(r)),
        mean_low=mean_low,
        mean_high=mean_high,
        n_eff_triples=stats.effective_number(draws),
        n_eff_ladders=stats.effective_number(by_ladder),
        negative=int((r < 0).sum()),
        sig_negative=int((significant & (r < 0)).sum()),
        sig_positive=int((significant & (r > 0)).sum()),
        expected_one_side=stats.expected_under_null(len(rows), two_sided=False),
        degenerate=int(fits["degenerate"].sum()),
    )


def regime_difference(label: str, first: list[ladders.Ladder], second: list[ladders.Ladder], n_boot: int = stats.N_BOOT) -> tuple[float, float, float]:
    """Median r over the triples of `first` minus that over `second`, with a joint task
    bootstrap of the difference: each draw resamples the union of their tasks once, so a task in
    both sets moves both medians together. Returns (difference, low, high)."""
    rows, g1, g2 = ladders.stacked_gains(first + second)
    in_first = np.arange(len(rows)) < len(ladders.stacked_gains(first)[0])  # stacked in list order
    r = stats.fit(g1, g2)["r"]
    draws = stats.joint_draws(g1, g2, n_boot, ("regime difference", label, tuple(l.identity for l in first + second)))
    with np.errstate(invalid="ignore"):
        low, high = stats.percentile_interval(np.nanmedian(draws[in_first], axis=0) - np.nanmedian(draws[~in_first], axis=0))
    return float(np.nanmedian(r[in_first]) - np.nanmedian(r[~in_first])), low, high


def bigg_split(found: list[ladders.Ladder]) -> tuple[list[ladders.Ladder], list[ladders.Ladder]]:
    """BIG-G's fine ladders restricted to the tasks at chance at the largest size, and to those above it."""
    bigg = [l for l in fine_ladders(found) if l.benchmark == "bigbench"]
    moving = {l.name: above_chance_tasks(l) for l in bigg}
    at_chance = [ladders.restrict(l, lambda rows, l=l: ~_in(moving[l.name])(rows)) for l in bigg]
    rising = [ladders.restrict(l, _in(moving[l.name])) for l in bigg]
    return at_chance, rising


def regimes(found: list[ladders.Ladder], n_boot: int = stats.N_BOOT) -> dict[str, Regime]:
    """The fine-ladder result split by regime: BIG-G above and at chance, MMLU and the other harness tasks."""
    fine = fine_ladders(found)
    harness = [l for l in fine if l.benchmark == "lm_eval_harness"]
    at_chance, rising = bigg_split(found)
    out = {
        "all": regime("every fine ladder, every task", fine, n_boot),
        "bigg_moving": regime("BIG-G, tasks above chance at the largest size", rising, n_boot),
        "bigg_chance": regime("BIG-G, tasks at chance at the largest size", at_chance, n_boot),
        "mmlu": regime("harness, the 57 MMLU subjects", [ladders.restrict(l, is_mmlu) for l in harness], n_boot),
        "other": regime("harness, the other tasks", [ladders.restrict(l, lambda rows: ~is_mmlu(rows)) for l in harness], n_boot),
        "categories": regime("harness, other tasks + MMLU's four categories", [mmlu_by_category(l) for l in harness], n_boot),
    }
    return out


def regime_display(found_regimes: dict[str, Regime]) -> pd.DataFrame:
    """The regimes for readers."""
    return pd.DataFrame(
        [
            {
                "Regime": g.label,
                "Ladders": g.n_ladders,
                "Triples": g.n_triples,
                "Tasks": g.n_tasks,
                "Median r [95% CI]": fmt.estimate(g.median_r, g.median_low, g.median_high),
                "Mean r [95% CI]": fmt.estimate(g.mean_r, g.mean_low, g.mean_high),
                "Effective triples": fmt.num(g.n_eff_triples, 1),
                "Effective ladders": fmt.num(g.n_eff_ladders, 1),
                "Sig. < 0 (null: expected)": f"{g.sig_negative} ({fmt.num(g.expected_one_side, 1)})",
                "Sig. > 0 (null: expected)": f"{g.sig_positive} ({fmt.num(g.expected_one_side, 1)})",
            }
            for g in found_regimes.values()
        ]
    )


# --------------------------------------------------------------------------------------------
# Robust companions of the PaLM fits, and the noise ceiling
# --------------------------------------------------------------------------------------------


def robust_fits(ladder: ladders.Ladder, transform_names: tuple[str, ...] = ("raw",), n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """The post's top triple of one ladder under each transform: r, Fisher and bootstrap CIs,
    permutation p, Spearman's rho and the smallest and largest leave-one-out r."""
    s1, s2, s3 = ladder.sizes[-3:]
    records = []
    for name in transform_names:
        wide = ladder.matrix(name)[[s1, s2, s3]].dropna()
        g1, g2 = (wide[s2] - wide[s1]).to_numpy(), (wide[s3] - wide[s2]).to_numpy()
        identity = (ladder.identity, name, (s1, s2, s3))
        fit = stats.regress(pd.DataFrame({"gain1": g1, "gain2": g2}), n_boot=n_boot, identity=identity)
        records.append({"ladder": ladder.name, "transform": name} | fit | stats.robust(g1, g2, identity=identity))
    return pd.DataFrame.from_records(records)


PALM_SCALES = ("raw", "logit", "range_logit", "log_error")  # the thread's scales that need no chance level
NEAR_CHANCE = 0.05  # "within five points of chance" for PaLM's smallest model


def palm_scale_table(palm: dict[str, ladders.Ladder], n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """`robust_fits` of every PaLM ladder under `PALM_SCALES`, with a Holm adjustment of the
    permutation p-values over the family of transformed tests (every ladder x non-raw scale):
    the question "does some better scale make the PaLM gains correlate" is asked once per cell."""
    table = pd.concat([robust_fits(ladder, PALM_SCALES, n_boot).assign(key=key) for key, ladder in palm.items()], ignore_index=True)
    transformed = table["transform"] != "raw"
    table["holm_p"] = np.nan
    table.loc[transformed, "holm_p"] = stats.holm(table.loc[transformed, "perm_p"])
    return table


def palm_chance_position(ladder: ladders.Ladder, margin: float = NEAR_CHANCE) -> dict:
    """Where PaLM's tasks sit against chance: at the smallest size, how many of the tasks with a
    chance level score at most `margin` above it, and how many below it; at the largest size,
    how many are still within `margin` of it. Distances are rounded to 1e-9 so that a score
    printed exactly `margin` above chance counts as within it."""
    rows = ladder.rows[ladder.rows["chance"].notna()]
    above = (rows["score"] - rows["chance"]).round(9)
    small = (rows["n_params"] == ladder.sizes[0]).to_numpy()
    large = (rows["n_params"] == ladder.sizes[-1]).to_numpy()
    return {
        "tasks": int(rows.loc[small, "task"].nunique()),
        "near_small": int((above[small] <= margin).sum()),
        "below_small": int((above[small] < 0).sum()),
        "near_large": int((above[large].abs() <= margin).sum()),
    }


def palm_item_counts(frame: pd.DataFrame | None = None) -> pd.Series:
    """Items per PaLM BIG-bench Lite task, where the BIG-G data have the same task (by name).

    The PaLM paper prints no item counts; BIG-G was scored on the same BIG-bench task files.
    """
    frame = data.load_all() if frame is None else frame
    bigg = frame[frame["benchmark"] == "bigbench"].groupby("task")["n_items"].max()
    lite = frame[frame["benchmark"] == "bigbench_lite"]["task"].unique()
    return bigg.reindex([t for t in lite if t in bigg.index]).dropna()


def noise_ceiling(ladder: ladders.Ladder, triple: tuple[float, float, float], items: pd.Series | None = None, r_observed: float | None = None) -> dict:
    """`stats.binomial_noise` for one triple; `items` (task -> n) overrides the ladder's item counts."""
    wide = ladder.matrix("raw")[list(triple)]
    if items is None:
        n_items = ladder.rows.groupby(list(ladders.TASK_ID))["n_items"].max().reindex(wide.index)
    else:
        n_items = pd.Series(wide.index.get_level_values("task"), index=wide.index).map(items)
    keep = n_items.notna().to_numpy() & wide.notna().all(axis=1).to_numpy()
    w, n = wide[keep], n_items[keep]
    if r_observed is None:
        r_observed = stats.fit_one((w.iloc[:, 1] - w.iloc[:, 0]).to_numpy(), (w.iloc[:, 2] - w.iloc[:, 1]).to_numpy())["r"]
    return {"r": float(r_observed)} | stats.binomial_noise(w.iloc[:, 0], w.iloc[:, 1], w.iloc[:, 2], n, r_observed)


def noise_bootstrap(ladder: ladders.Ladder, triple: tuple[float, float, float], items: pd.Series, n_boot: int = stats.N_BOOT, level: float = stats.LEVEL) -> dict:
    """Task bootstrap of the noise-corrected r of one triple (`noise_ceiling` with `items`).

    Each draw resamples the tasks, recomputes the observed r and the noise correction. Draws in
    which noise leaves no true variance are undefined; the interval is over the other draws and
    keeps corrected values outside [-1, 1], which say the noise estimate overshoots.
    """
    wide = ladder.matrix("raw")[list(triple)]
    n_items = pd.Series(wide.index.get_level_values("task"), index=wide.index).map(items)
    keep = n_items.notna().to_numpy() & wide.notna().all(axis=1).to_numpy()
    f1, f2, f3 = (wide[keep].iloc[:, j].to_numpy() for j in range(3))
    n = n_items[keep].to_numpy(dtype=float)
    index = stats.task_indices(len(n), n_boot, ("noise_bootstrap", ladder.identity, tuple(triple)))
    corrected = np.full(n_boot, np.nan)
    for b, draw in enumerate(index):
        g1, g2 = f2[draw] - f1[draw], f3[draw] - f2[draw]
        if np.std(g1) == 0 or np.std(g2) == 0:
            continue
        r = float(np.corrcoef(g1, g2)[0, 1])
        corrected[b] = stats.binomial_noise(f1[draw], f2[draw], f3[draw], n[draw], r)["r_corrected_unbounded"]
    defined = np.isfinite(corrected)
    low, high = stats.percentile_interval(corrected[defined], level)
    return {"low": low, "high": high, "undefined_share": float(1 - defined.mean()), "above_one_share": float((corrected[defined] > 1).mean())}


def _setting(ladder: ladders.Ladder) -> str:
    return str(ladder.rows["prompting"].iloc[0]) if ladder.n_shots is None else f"{ladder.n_shots}-shot"


def noise_ceiling_table(found: list[ladders.Ladder], frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per fine ladder (every consecutive triple) and for PaLM BIG-bench Lite: the noise ceiling."""
    records = []
    for ladder in fine_ladders(found):
        for _, s1, s2, s3 in ladder.triples((1,)):
            records.append({"ladder": ladder.name, "family": ladder.family, "setting": _setting(ladder), "triple": " → ".join(size_label(s) for s in (s1, s2, s3))} | noise_ceiling(ladder, (s1, s2, s3)))
    palm = palm_ladders(found).get("bigbench_lite")
    if palm is not None:
        s1, s2, s3 = palm.sizes[-3:]
        records.append({"ladder": palm.name, "family": "PaLM", "setting": _setting(palm), "triple": " → ".join(size_label(s) for s in (s1, s2, s3))} | noise_ceiling(palm, (s1, s2, s3), palm_item_counts(frame)))
    return pd.DataFrame.from_records(records)


def noise_ceiling_display(table: pd.DataFrame) -> pd.DataFrame:
    """One row per ladder: medians over its triples (PaLM: its one triple)."""
    rows = []
    for _, group in table.groupby("ladder", sort=False):
        rows.append(
            {
                "Ladder": f"{group['family'].iloc[0]} · {group['setting'].iloc[0]}",
                "Triples": len(group),
                "Tasks": int(group["n"].median()),
                "Noise share of gain 1": fmt.pct(group["noise_share1"].median()),
                "Noise share of gain 2": fmt.pct(group["noise_share2"].median()),
                "r from noise alone": fmt.num(group["r_noise"].median()),
                "R² from noise alone": fmt.num(group["r2_noise"].median()),  # r is shown to 2 decimals
                "Observed r": fmt.num(group["r"].median()),
                "r without noise": fmt.num(group["r_corrected"].median(skipna=False)),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Every number the chapter and the preface print
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """The figures of Chapter 1 (and the preface), for inline `{python} f.attr` with a formatter."""

    # PaLM, the post's regressions
    bb_n: int
    bb_r: float
    bb_r2: float
    bb_ci_low: float
    bb_ci_high: float
    bb_boot_low: float
    bb_boot_high: float
    bb_perm_p: float
    bb_spearman: float
    bb_loo_min: float
    bb_loo_max: float
    bb_logit_r: float
    bb_logit_low: float
    bb_logit_high: float
    bb_range_r: float
    bb_range_low: float
    bb_range_high: float
    bb_lerr_r: float
    bb_lerr_low: float
    bb_lerr_high: float
    bb_scales_perm_p_max: float
    nlu_n: int
    nlu_benchmarks: int
    nlu0_r2: float
    nlu1_r2: float
    nlufew_r2: float
    nlu0_ci_low: float
    nlu0_ci_high: float
    palm_fits: int
    palm_spanning_zero: int
    # PaLM noise ceiling (BIG-bench Lite tasks with item counts in the BIG-G data)
    palm_noise_tasks: int
    palm_noise_share1: float
    palm_noise_share2: float
    palm_r_noise: float
    palm_noise_r: float
    palm_r_corrected: float
    palm_noise_r_low: float
    palm_noise_r_high: float
    palm_corrected_low: float
    palm_corrected_high: float
    palm_corrected_undefined: float
    # Where PaLM's BIG-bench Lite tasks sit against chance
    bb_chance_tasks: int
    bb_near_chance_small: int
    bb_below_chance_small: int
    bb_near_chance_large: int
    near_chance_pts: float
    # The logit above chance on BIG-bench Lite, the other PaLM ladders, and the multiplicity of the scale tests
    bb_floor_n: int
    bb_floor_r: float
    bb_floor_low: float
    bb_floor_high: float
    nlu_logit_min: float
    nlu_logit_max: float
    palm_scale_tests: int
    palm_holm_survivors: int
    bb_range_holm_p: float
    bb_range_perm_p: float
    # Wider Holm families: plus the logit above chance, and every transformed rerun (`reanalysis.holm_families`)
    holm_chance_tests: int
    holm_chance_survivors: int
    holm_chance_survivor_words: str
    holm_chance_bbl_range_p: float
    holm_chance_nlu_few_floor_p: float
    holm_all_tests: int
    holm_all_survivors: int
    # Chinchilla against Gopher, gains in percentage points
    mmlu_gain_pts: float
    mmlu_gain_low_pts: float
    mmlu_gain_high_pts: float
    bench_gain_pts: float
    bench_gain_low_pts: float
    bench_gain_high_pts: float
    # The fine ladders
    bigg_sizes: int
    bigg_smallest: str
    bigg_largest: str
    bigg_tasks: int
    pythia_sizes: int
    opt_sizes: int
    bloom_sizes: int
    harness_tasks: int
    harness_mmlu: int
    harness_other: int
    n_ladders: int
    n_triples: int
    negative: int
    sig_negative: int
    sig_positive: int
    expected_one_side: float
    median_r: float
    median_low: float
    median_high: float
    naive_low: float
    naive_high: float
    min_r: float
    max_r: float
    n_eff_triples: float
    n_eff_ladders: float
    # Regimes
    bigg_moving_tasks: int
    bigg_moving_median: float
    bigg_moving_low: float
    bigg_moving_high: float
    bigg_chance_tasks: int
    bigg_chance_median: float
    bigg_chance_low: float
    bigg_chance_high: float
    bigg_chance_minus_moving: float  # median r at chance minus rising, joint task bootstrap
    bigg_chance_minus_moving_low: float
    bigg_chance_minus_moving_high: float
    mmlu_median: float
    mmlu_low: float
    mmlu_high: float
    mmlu_mean_score_min: float
    mmlu_mean_score_max: float
    other_median: float
    other_low: float
    other_high: float
    other_mean: float
    other_mean_low: float
    other_mean_high: float
    other_n_eff: float
    other_sig_positive: int
    other_sig_negative: int
    other_n_triples: int
    other_n_eff_triples: float
    other_expected: float
    categories_median: float
    categories_low: float
    categories_high: float
    # Naive noise against the fine ladders' spread of gains
    fine_noise_share_min: float
    fine_noise_share_max: float
    fine_r_noise: float
    n_harness_ladders: int
    chance_z: float
    # What to look for in the long tables: the inventory and the consecutive triples
    inventory_rows: int
    inventory_palm: int
    inventory_fine: int
    inventory_inverse: int
    inventory_acc_norm: int
    inventory_loss: int
    inventory_single: int
    inventory_single_names: str
    fine_not_sig: int
    fine_not_sig_low: int
    fine_positive: int
    fine_positive_triples: str
    fine_positive_ladders: str
    fine_min_ladder: str
    fine_min_triple: str
    fine_all_below_zero: str


@dataclass(frozen=True)
class NoiseShares:
    """Chapter 3's estimate of the noise share of a one-step gain, for the preface."""

    share_min: float
    share_max: float
    ci_above_one: int
    n_ladders: int


def noise_shares() -> NoiseShares:
    """The range of Chapter 3's noise shares (`noise.family_table`, the same call and seed)."""
    from . import noise  # Chapter 3's module; imported here so that Chapter 1 does not pay for it
    from .reanalysis import chapter_ladders

    families = noise.family_table(noise.noise_ladders(chapter_ladders()))
    return NoiseShares(
        share_min=float(families["noise_share"].min()), share_max=float(families["noise_share"].max()),
        ci_above_one=int((families["noise_share_high"] > 1).sum()), n_ladders=len(families),
    )


def _ladder(found: list[ladders.Ladder], family: str, benchmark: str) -> ladders.Ladder:
    return next(l for l in found if l.family == family and l.benchmark == benchmark)


def chapter_facts(found: list[ladders.Ladder] | None = None, n_boot: int = stats.N_BOOT) -> Facts:
    """Every number Chapter 1 and the preface print, from the shipped data."""
    found = primary_ladders() if found is None else found
    palm = original_fits(found)
    bb, nlu0 = palm["bigbench_lite"], palm["nlu 0-shot"]
    scale_table = palm_scale_table(palm_ladders(found), n_boot)
    scales = scale_table[scale_table["key"] == "bigbench_lite"].set_index("transform")
    bb_robust = scales.loc["raw"]
    bb_ladder = palm_ladders(found)["bigbench_lite"]
    bb_triple = tuple(bb_ladder.sizes[-3:])
    palm_noise = noise_ceiling(bb_ladder, bb_triple, palm_item_counts())
    palm_noise_ci = stats.fisher_ci(palm_noise["r"], palm_noise["n"])
    palm_noise_boot = noise_bootstrap(bb_ladder, bb_triple, palm_item_counts(), n_boot)
    chance_position = palm_chance_position(bb_ladder)
    with_chance = ladders.restrict(bb_ladder, lambda rows: rows["chance"].notna())
    bb_floor = robust_fits(with_chance, ("floor_logit",), n_boot).iloc[0]
    transformed_tests = scale_table[scale_table["transform"] != "raw"]
    from . import reanalysis  # the floor scales live with Chapter 2; reanalysis imports this module

    holm = reanalysis.holm_values(reanalysis.holm_families(scale_table, reanalysis.palm_floor_tests(palm_ladders(found))))
    bigg_difference = regime_difference("BIG-G at chance minus rising", *bigg_split(found), n_boot)
    nlu_logit = scale_table.loc[(scale_table["key"] != "bigbench_lite") & (scale_table["transform"] == "logit"), "r"]
    h2h = chinchilla_vs_gopher()
    table = consecutive_table(found)
    found_regimes = regimes(found, n_boot)
    everything = found_regimes["all"]
    naive = fine_summary(table)
    bigg = _ladder(found, "BIG-G T=0", "bigbench")
    harness = {l.family: l for l in fine_ladders(found) if l.benchmark == "lm_eval_harness" and l.n_shots == 0}
    pythia = harness["Pythia"]
    mmlu_rows = pythia.rows[is_mmlu(pythia.rows)]
    fine_mmlu = [l for l in fine_ladders(found) if l.benchmark == "lm_eval_harness"]
    mean_scores = [float(l.rows.loc[is_mmlu(l.rows) & (l.rows["n_params"] == l.sizes[-1]), "score"].mean()) for l in fine_mmlu]
    ceiling = noise_ceiling_table(found)
    shares = ceiling[ceiling["family"] != "PaLM"].groupby("ladder")["noise_share1"].median()
    moving, at_chance, mmlu, other, categories = (found_regimes[k] for k in ("bigg_moving", "bigg_chance", "mmlu", "other", "categories"))
    roles = inventory_counts(inventory())
    highlights = fine_highlights(table)
    return Facts(
        bb_n=bb.n, bb_r=bb.r, bb_r2=bb.r2, bb_ci_low=bb.ci_low, bb_ci_high=bb.ci_high, bb_boot_low=bb.boot_low, bb_boot_high=bb.boot_high,
        bb_perm_p=float(bb_robust["perm_p"]), bb_spearman=float(bb_robust["spearman"]), bb_loo_min=float(bb_robust["loo_min"]), bb_loo_max=float(bb_robust["loo_max"]),
        bb_logit_r=float(scales.loc["logit", "r"]), bb_logit_low=float(scales.loc["logit", "ci_low"]), bb_logit_high=float(scales.loc["logit", "ci_high"]),
        bb_range_r=float(scales.loc["range_logit", "r"]), bb_range_low=float(scales.loc["range_logit", "ci_low"]), bb_range_high=float(scales.loc["range_logit", "ci_high"]),
        bb_lerr_r=float(scales.loc["log_error", "r"]), bb_lerr_low=float(scales.loc["log_error", "ci_low"]), bb_lerr_high=float(scales.loc["log_error", "ci_high"]),
        bb_scales_perm_p_max=float(scales.drop(index="raw")["perm_p"].max()),
        nlu_n=nlu0.n, nlu_benchmarks=int(palm_ladders(found)["nlu 0-shot"].rows["task"].nunique()), nlu0_r2=nlu0.r2, nlu1_r2=palm["nlu 1-shot"].r2, nlufew_r2=palm["nlu few-shot"].r2, nlu0_ci_low=nlu0.ci_low, nlu0_ci_high=nlu0.ci_high,
        palm_fits=len(palm), palm_spanning_zero=spanning_zero(palm),
        palm_noise_tasks=palm_noise["n"], palm_noise_share1=palm_noise["noise_share1"], palm_noise_share2=palm_noise["noise_share2"],
        palm_r_noise=palm_noise["r_noise"], palm_noise_r=palm_noise["r"], palm_r_corrected=palm_noise["r_corrected"],
        palm_noise_r_low=palm_noise_ci[0], palm_noise_r_high=palm_noise_ci[1],
        palm_corrected_low=palm_noise_boot["low"], palm_corrected_high=palm_noise_boot["high"], palm_corrected_undefined=palm_noise_boot["undefined_share"],
        bb_chance_tasks=chance_position["tasks"], bb_near_chance_small=chance_position["near_small"], bb_below_chance_small=chance_position["below_small"],
        bb_near_chance_large=chance_position["near_large"], near_chance_pts=100 * NEAR_CHANCE,
        bb_floor_n=int(bb_floor["n"]), bb_floor_r=float(bb_floor["r"]), bb_floor_low=float(bb_floor["ci_low"]), bb_floor_high=float(bb_floor["ci_high"]),
        nlu_logit_min=float(nlu_logit.min()), nlu_logit_max=float(nlu_logit.max()),
        palm_scale_tests=len(transformed_tests), palm_holm_survivors=int((transformed_tests["holm_p"] < 1 - stats.LEVEL).sum()),
        bb_range_holm_p=float(scales.loc["range_logit", "holm_p"]), bb_range_perm_p=float(scales.loc["range_logit", "perm_p"]),
        **holm,
        bigg_chance_minus_moving=bigg_difference[0], bigg_chance_minus_moving_low=bigg_difference[1], bigg_chance_minus_moving_high=bigg_difference[2],
        mmlu_gain_pts=100 * h2h["mmlu"].mean_gain, mmlu_gain_low_pts=100 * h2h["mmlu"].gain_low, mmlu_gain_high_pts=100 * h2h["mmlu"].gain_high,
        bench_gain_pts=100 * h2h["bigbench"].mean_gain, bench_gain_low_pts=100 * h2h["bigbench"].gain_low, bench_gain_high_pts=100 * h2h["bigbench"].gain_high,
        bigg_sizes=len(bigg.sizes), bigg_smallest=size_label(bigg.sizes[0]), bigg_largest=size_label(bigg.sizes[-1]),
        bigg_tasks=int(bigg.rows["task"].nunique()),
        pythia_sizes=len(pythia.sizes), opt_sizes=len(harness["OPT"].sizes), bloom_sizes=len(harness["BLOOM"].sizes),
        harness_tasks=int(pythia.rows["task"].nunique()), harness_mmlu=int(mmlu_rows["task"].nunique()),
        harness_other=int(pythia.rows.loc[~is_mmlu(pythia.rows), "task"].nunique()),
        n_ladders=everything.n_ladders, n_triples=everything.n_triples, negative=everything.negative,
        sig_negative=everything.sig_negative, sig_positive=everything.sig_positive, expected_one_side=everything.expected_one_side,
        median_r=everything.median_r, median_low=everything.median_low, median_high=everything.median_high,
        naive_low=naive.median_low, naive_high=naive.median_high, min_r=naive.min_r, max_r=naive.max_r,
        n_eff_triples=everything.n_eff_triples, n_eff_ladders=everything.n_eff_ladders,
        bigg_moving_tasks=moving.n_tasks, bigg_moving_median=moving.median_r, bigg_moving_low=moving.median_low, bigg_moving_high=moving.median_high,
        bigg_chance_tasks=at_chance.n_tasks, bigg_chance_median=at_chance.median_r, bigg_chance_low=at_chance.median_low, bigg_chance_high=at_chance.median_high,
        mmlu_median=mmlu.median_r, mmlu_low=mmlu.median_low, mmlu_high=mmlu.median_high,
        mmlu_mean_score_min=min(mean_scores), mmlu_mean_score_max=max(mean_scores),
        other_median=other.median_r, other_low=other.median_low, other_high=other.median_high,
        other_mean=other.mean_r, other_mean_low=other.mean_low, other_mean_high=other.mean_high, other_n_eff=other.n_eff_ladders,
        other_sig_positive=other.sig_positive, other_sig_negative=other.sig_negative, other_n_triples=other.n_triples,
        other_n_eff_triples=other.n_eff_triples, other_expected=other.expected_one_side,
        categories_median=categories.median_r, categories_low=categories.median_low, categories_high=categories.median_high,
        fine_noise_share_min=float(shares.min()), fine_noise_share_max=float(shares.max()),
        fine_r_noise=float(ceiling.loc[ceiling["family"] != "PaLM", "r_noise"].median()),
        n_harness_ladders=len(fine_mmlu), chance_z=CHANCE_Z,
        inventory_rows=roles.rows, inventory_palm=roles.palm, inventory_fine=roles.fine, inventory_inverse=roles.inverse,
        inventory_acc_norm=roles.acc_norm, inventory_loss=roles.loss, inventory_single=roles.single, inventory_single_names=roles.single_names,
        fine_not_sig=highlights.not_significant, fine_not_sig_low=highlights.not_significant_low, fine_positive=highlights.positive,
        fine_positive_triples=highlights.positive_triples, fine_positive_ladders=highlights.positive_ladders,
        fine_min_ladder=highlights.min_ladder, fine_min_triple=highlights.min_triple, fine_all_below_zero=highlights.all_below_zero,
    )
