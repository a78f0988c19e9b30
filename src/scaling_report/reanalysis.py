"""Chapter 2, "Logits, floors and ranges": the gain correlation under every score transform.

The 2022 thread's first family of explanations says the percentage scale hides the signal:
take logits, subtract a floor, or rescale to the observed range, and successive gains should
start to predict each other. This module computes

* `gain_table`: the regression of gain2 on gain1 for every ladder x consecutive triple x
  transform, with Fisher-z and bootstrap intervals (a faster twin of `ladders.ladder_table`
  that also drops tasks without a chance level for `floor_logit` and says how many);
* `rerun_table`: the thread's specific reruns at the top of each ladder (logits on PaLM, a
  floor at the lowest score of any model on any task versus each task's chance level, the
  range-adjusted logit, reductions in log-error);
* `last_step_table`: predicting the largest model's gain from all smaller models' scores
  (multiple regression) versus from the second-largest model's score alone;
* `transform_effects`: the counts the chapter's conclusion quotes (sign flips, changes of
  significance) computed from the gain table.

`chapter_results()` bundles everything the chapter prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import data, fmt, ladders, stats, transforms
from .empirical import join_words
from .ladders import Ladder

# Variants of the thread's reruns that are not package transforms.
LOWEST_FLOOR = "lowest_floor_logit"  # floor at FLOOR_SHRINK x the lowest score of the ladder
LOWEST_FLOOR_EXACT = "lowest_floor_exact_logit"  # floor exactly at the lowest score (eps-clipped)
FLOOR_SHRINK = 0.9  # the same factor the thread's range uses for its lower end
RERUN_VARIANTS = ("raw", "logit", LOWEST_FLOOR_EXACT, LOWEST_FLOOR, "floor_logit", "range_logit", "log_error")
VARIANT_LABELS = transforms.LABELS | {
    LOWEST_FLOOR_EXACT: "logit above the lowest score",
    LOWEST_FLOOR: "logit above 0.9 × lowest score",
}
# The post's MMLU floor (Gopher 417M-280B tables, which we do not have).
POST_MMLU_FLOOR = 0.14
POST_NLU_RANGE = (0.13, 0.95)
MIN_RESIDUAL_DF = 10  # last-step regressions need n_tasks - n_predictors - 1 >= this
MMLU_PREFIX = "mmlu_"


# --------------------------------------------------------------------------------------------
# Ladders and transformed matrices
# --------------------------------------------------------------------------------------------


def chapter_ladders(frame: pd.DataFrame | None = None) -> list[Ladder]:
    """Every bounded-metric ladder with three or more sizes (the book's standard set)."""
    return ladders.find_ladders(data.load_all() if frame is None else frame)


def evidence_ladders(frame: pd.DataFrame | None = None) -> list[Ladder]:
    """The ladders Chapter 2 counts: each family and setting once, with its primary metric.

    The harness families are also scored with acc_norm: the same tasks and models, so counting
    both would count the same evidence twice.
    """
    return [ladder for ladder in chapter_ladders(frame) if ladder.metric != "acc_norm"]


def task_label(index: tuple) -> str:
    """`task`, or `task/subtask`, or `task (metric)` for a (task, subtask, task_metric) index."""
    task, subtask, metric = (str(x) for x in index)
    label = f"{task}/{subtask}" if subtask else task
    return f"{label} ({metric})" if metric else label


def drop_missing_chance(ladder: Ladder) -> tuple[Ladder, list[str]]:
    """The ladder without tasks that lack a chance level, and the sorted names of those tasks."""
    missing = ladder.rows["chance"].isna()
    if not missing.any():
        return ladder, []
    dropped = sorted({task_label(key) for key in ladder.rows.loc[missing, list(ladders.TASK_ID)].itertuples(index=False)})
    rows = ladder.rows[~missing].reset_index(drop=True)
    return Ladder(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, rows), dropped


def subset(ladder: Ladder, prefix: str) -> Ladder:
    """The ladder restricted to tasks whose name starts with `prefix` (e.g. the MMLU subjects)."""
    rows = ladder.rows[ladder.rows["task"].str.startswith(prefix)].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"ladder {ladder.name} has no task starting with '{prefix}'")
    return Ladder(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, rows)


def lowest_floor(ladder: Ladder, shrink: float = FLOOR_SHRINK) -> float:
    """`shrink` times the lowest score of any model on any task of the ladder."""
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink must be in (0, 1], got {shrink}")
    return shrink * float(ladder.rows["score"].min())


def floor_logit_at(p, floor: float, eps: float = transforms.EPS) -> np.ndarray:
    """Logit of the score rescaled above one common floor: q = (p - floor) / (1 - floor)."""
    if not 0 <= floor < 1:
        raise ValueError(f"the floor must be in [0, 1), got {floor}")
    q = (np.asarray(p, dtype=float) - floor) / (1 - floor)
    return transforms.logit(q, eps)


def raw_and_chance(ladder: Ladder) -> tuple[pd.DataFrame, pd.Series]:
    """The ladder's tasks x sizes raw-score matrix and each task's chance level (NaN if none)."""
    raw = ladder.matrix("raw")
    chance = ladder.rows.groupby(list(ladders.TASK_ID))["chance"].first().reindex(raw.index)
    return raw, chance.astype(float)


def transformed(ladder: Ladder, name: str, raw: pd.DataFrame | None = None, chance: pd.Series | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Tasks x sizes matrix of the ladder under transform `name`, and the tasks left out.

    Same values as `ladder.matrix(name)`, computed from one raw pivot (pass `raw_and_chance`
    to reuse it). `floor_logit` leaves out tasks without a chance level instead of failing; the
    two lowest-score floors apply one floor to the whole ladder (see `lowest_floor`).
    """
    known = list(transforms.TRANSFORMS) + [LOWEST_FLOOR, LOWEST_FLOOR_EXACT]
    if name not in known:
        raise ValueError(f"unknown transform '{name}'; known are {known}")
    if raw is None or chance is None:
        raw, chance = raw_and_chance(ladder)
    p = raw.to_numpy(dtype=float)
    dropped: list[str] = []
    index = raw.index
    if name == "raw":
        values = p
    elif name == "logit":
        values = transforms.logit(p)
    elif name == "log_error":
        values = transforms.log_error(p)
    elif name == "range_logit":
        low, high = transforms.ladder_range(ladder.rows["score"])
        values = transforms.range_logit(p, low, high)
    elif name == "floor_logit":
        keep = chance.notna().to_numpy()
        dropped = sorted({task_label(key) for key in index[~keep]})
        index = index[keep]
        values = transforms.floor_logit(p[keep], chance.to_numpy()[keep][:, None])
    else:
        floor = lowest_floor(ladder, FLOOR_SHRINK if name == LOWEST_FLOOR else 1.0)
        values = floor_logit_at(p, floor)
    return pd.DataFrame(values, index=index, columns=raw.columns), dropped


# --------------------------------------------------------------------------------------------
# The gain regression, fast
# --------------------------------------------------------------------------------------------


def fit_gains(gain1, gain2, n_boot: int = stats.N_BOOT, identity=None) -> dict:
    """`stats.regress` on two gain vectors: the fit, and a task bootstrap seeded by `identity`."""
    return stats.regress(pd.DataFrame({"gain1": gain1, "gain2": gain2}), n_boot=n_boot, identity=identity)


def gain_table(
    ladder_list: list[Ladder],
    transform_names: tuple[str, ...] = transforms.TRANSFORMS,
    spacings: tuple[int, ...] | None = (1,),
    n_boot: int = stats.N_BOOT,
) -> pd.DataFrame:
    """One tidy row per ladder x triple x transform: gain2 regressed on gain1.

    Like `ladders.ladder_table`, but each ladder's matrix is transformed once, `floor_logit`
    drops tasks without a chance level (`n_dropped`, `dropped`) instead of giving up, and
    `position` numbers the triples from the bottom of the ladder (0 = smallest sizes).
    """
    records = []
    for ladder in ladder_list:
        sizes = ladder.sizes
        raw, chance = raw_and_chance(ladder)
        triples = ladder.triples(spacings)
        for name in transform_names:
            wide, dropped = transformed(ladder, name, raw, chance)
            fits = ladders.fit_triples(wide, triples, n_boot, (ladder.identity, name))
            for (k, s1, s2, s3), fit in zip(triples, fits):
                records.append(
                    ladder.key
                    | {
                        "ladder": ladder.name,
                        "k": k,
                        "position": sizes.index(s1),
                        "n_positions": len(sizes) - 2 * k,
                        "s1": s1,
                        "s2": s2,
                        "s3": s3,
                        "triple": " → ".join(ladders.size_label(s) for s in (s1, s2, s3)),
                        "transform": name,
                    }
                    | fit
                    | {"n_dropped": len(dropped), "dropped": ", ".join(dropped)}
                )
    table = pd.DataFrame.from_records(records)
    if not table.empty:
        table["n"] = table["n"].astype(int)
        # A degenerate fit (one task carries the fit, e.g. every other task clipped to the
        # floor) is flagged and never counted as significant.
        table["significant"] = ((table["ci_low"] > 0) | (table["ci_high"] < 0)) & ~table["degenerate"].astype(bool)
    return table


# --------------------------------------------------------------------------------------------
# Formatting helpers shared by the display tables
# --------------------------------------------------------------------------------------------


SHORT_NAMES = {
    "lm_eval_harness": "harness",
    "bigbench_lite": "BIG-bench Lite",
    "bigbench": "BIG-bench",
    "english_nlu": "NLU",
    "inverse_scaling": "inverse scaling",
    "multiple_choice_grade": "MC grade",
}


def short_ladder(name: str, names: dict[str, str] = SHORT_NAMES) -> str:
    """A ladder name for display: 'Pythia · lm_eval_harness · 0-shot · accuracy' -> 'Pythia · harness · 0-shot · accuracy'."""
    return " · ".join(names.get(part, part) for part in name.split(" · "))


# The groups of ladders the chapter talks about, in the order the long table lists them.
LADDER_GROUPS = ("the post's PaLM ladders", "finer ladders", "inverse-scaling series", "other")


def ladder_group(family: str, benchmark: str) -> str:
    """Which of `LADDER_GROUPS` a ladder belongs to."""
    if family == "PaLM" and benchmark in ("bigbench_lite", "english_nlu"):
        return LADDER_GROUPS[0]
    if benchmark in ("bigbench", "lm_eval_harness"):
        return LADDER_GROUPS[1]
    if benchmark == "inverse_scaling":
        return LADDER_GROUPS[2]
    return LADDER_GROUPS[3]


def grouped(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with a `group` column, rows in `LADDER_GROUPS` order (stable within a group)."""
    group = [ladder_group(f, b) for f, b in zip(table["family"], table["benchmark"])]
    order = pd.Series([LADDER_GROUPS.index(g) for g in group], index=table.index)
    return table.assign(group=group, _order=order).sort_values("_order", kind="mergesort").drop(columns="_order")


def triple_label(ladder: str, triple: str) -> str:
    """A row of the long table as the prose names it: its Ladder and Triple cells."""
    return f"{short_ladder(ladder)} at {triple}"


def display_gain_table(table: pd.DataFrame) -> pd.DataFrame:
    """Wide, readable version of `gain_table`: one row per ladder x triple, one column per transform.

    Rows are in `LADDER_GROUPS` order: the post's PaLM ladders first. Cells read 'r [95% CI]';
    a cell computed on fewer tasks than the ladder has carries the number of tasks used,
    e.g. '(n = 28)'.
    """
    names = [t for t in transforms.TRANSFORMS if t in set(table["transform"])]
    rows = []
    for (ladder, position, triple), group in grouped(table).groupby(["ladder", "position", "triple"], sort=False):
        by = group.set_index("transform")
        n_raw = int(by.loc["raw", "n"]) if "raw" in by.index else int(by["n"].max())
        row = {"Ladder": short_ladder(ladder), "Triple": triple, "Tasks": n_raw}
        for name in names:
            fit = by.loc[name]
            cell = fmt.estimate(fit["r"], fit["ci_low"], fit["ci_high"])
            if int(fit["n"]) != n_raw:
                cell += f" (n = {int(fit['n'])})"
            if bool(fit.get("degenerate", False)):
                cell += " (degenerate)"
            row[transforms.LABELS[name]] = cell
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# What changes under each transform
# --------------------------------------------------------------------------------------------


def transform_effects(table: pd.DataFrame, reference: str = "raw") -> pd.DataFrame:
    """Per transform: against the reference (raw) r of the same ladder x triple, how often the
    sign flips and significance (95% Fisher CI excluding 0) appears or disappears.

    Counts are over ladder x triple rows where both fits exist; `ladders_*` count ladders with
    at least one such change.
    """
    keys = ["ladder", "position", "k"]
    base = table[table["transform"] == reference].set_index(keys)
    records = []
    for name in [t for t in table["transform"].unique()]:
        other = table[table["transform"] == name].set_index(keys)
        both = base.merge(other, left_index=True, right_index=True, how="inner", suffixes=("_ref", "_new"))
        both = both[np.isfinite(both["r_ref"]) & np.isfinite(both["r_new"])]
        flip = np.sign(both["r_ref"]) != np.sign(both["r_new"])
        gained = ~both["significant_ref"].astype(bool) & both["significant_new"].astype(bool)
        lost = both["significant_ref"].astype(bool) & ~both["significant_new"].astype(bool)
        changed = flip | gained | lost
        ladder_of = both.index.get_level_values("ladder")
        records.append(
            {
                "transform": name,
                "label": transforms.LABELS.get(name, name),
                "triples": len(both),
                "ladders": int(pd.Series(ladder_of).nunique()),
                "negative": int((both["r_new"] < 0).sum()),
                "positive": int((both["r_new"] > 0).sum()),
                "sig_negative": int((both["significant_new"].astype(bool) & (both["r_new"] < 0)).sum()),
                "sig_positive": int((both["significant_new"].astype(bool) & (both["r_new"] > 0)).sum()),
                "degenerate": int(both["degenerate_new"].astype(bool).sum()),
                "expected_one_side": stats.expected_under_null(len(both), two_sided=False),
                "median_r": float(both["r_new"].median()) if len(both) else np.nan,
                "median_change": float((both["r_new"] - both["r_ref"]).median()) if len(both) else np.nan,
                "sign_flips": int(flip.sum()),
                "gained_significance": int(gained.sum()),
                "lost_significance": int(lost.sum()),
                "ladders_with_flip": int(pd.Series(ladder_of[flip.to_numpy()]).nunique()),
                "ladders_with_change": int(pd.Series(ladder_of[changed.to_numpy()]).nunique()),
                "ladders_dropped": int(table.loc[(table["transform"] == name) & (table["n"] == 0), "ladder"].nunique()),
            }
        )
    return pd.DataFrame(records)


def median_intervals(ladder_list: list[Ladder], transform_names: tuple[str, ...] = transforms.TRANSFORMS, n_boot: int = stats.N_BOOT, reference: str = "raw") -> pd.DataFrame:
    """Per transform: the median r over every consecutive triple with a joint task bootstrap
    interval (each task resampled once for every ladder that holds it) and the effective numbers
    of independent triples and ladders. Degenerate fits are left out of the median.

    Every transform uses the same task draws (tasks a transform drops are NaN in its columns),
    so `diff_low`, `diff_high` is a paired interval for the median r minus the `reference` median.
    """
    records, medians = [], {}
    pivots = {ladder.name: raw_and_chance(ladder) for ladder in ladder_list}  # one pivot per ladder

    def matrix(ladder: Ladder, name: str) -> pd.DataFrame:
        raw = pivots[ladder.name][0]
        return transformed(ladder, name, *pivots[ladder.name])[0].reindex(raw.index)

    identity = ("median_r", tuple(l.identity for l in ladder_list))
    for name in transform_names:
        rows, g1, g2 = ladders.stacked_gains(ladder_list, name, (1,), matrix=lambda ladder, name=name: matrix(ladder, name))
        fits = stats.fit(g1, g2)
        usable = np.isfinite(fits["r"]) & ~fits["degenerate"]
        draws = stats.joint_draws(g1[usable], g2[usable], n_boot, identity)
        with np.errstate(invalid="ignore"):
            medians[name] = np.nanmedian(draws, axis=0)
        low, high = stats.percentile_interval(medians[name])
        names = rows.loc[usable, "ladder"].to_numpy()
        by_ladder = np.stack([stats.finite_mean(draws[names == ladder]) for ladder in pd.unique(names)])
        records.append(
            {
                "transform": name,
                "median_r_all": float(np.median(fits["r"][usable])),
                "median_low": low,
                "median_high": high,
                "n_eff_triples": stats.effective_number(draws),
                "n_eff_ladders": stats.effective_number(by_ladder),
            }
        )
    out = pd.DataFrame.from_records(records)
    if reference in medians:
        diffs = [stats.percentile_interval(medians[name] - medians[reference]) for name in out["transform"]]
        out["diff_low"], out["diff_high"] = [d[0] for d in diffs], [d[1] for d in diffs]
    return out


def flips_by_group(table: pd.DataFrame, name: str, reference: str = "raw") -> dict:
    """Where a transform flips the sign of r against the raw fit of the same ladder and triple:
    the number of flips in the inverse-scaling series, and outside them the families with their
    counts ('three on Pythia and one on OPT'), most first."""
    keys = ["ladder", "position"]
    base = grouped(table[table["transform"] == reference]).set_index(keys)
    other = table[table["transform"] == name].set_index(keys)["r"]
    both = base.join(other.rename("r_new"), how="inner")
    both = both[np.isfinite(both["r"]) & np.isfinite(both["r_new"])]  # as `transform_effects` counts them
    flips = both[np.sign(both["r"]) != np.sign(both["r_new"])]
    elsewhere = flips[flips["group"] != LADDER_GROUPS[2]]["family"].value_counts(sort=False)
    elsewhere = elsewhere.sort_values(ascending=False, kind="mergesort")
    return {
        "flips": len(flips),
        "inverse": int((flips["group"] == LADDER_GROUPS[2]).sum()),
        "elsewhere": join_words([f"{fmt.count(int(n))} on {family}" for family, n in elsewhere.items()]) if len(elsewhere) else "none",
    }


def long_table_pointers(table: pd.DataFrame) -> dict:
    """What the chapter points to in @tbl-logits-all: its groups, the raw fits that are
    significantly positive, the most negative raw fit overall and outside the inverse-scaling series,
    and where each transform flips signs."""
    raw = grouped(table[table["transform"] == "raw"])
    sizes = raw["group"].value_counts()
    positive = raw[raw["significant"] & (raw["r"] > 0)]
    fine = raw[raw["group"] == LADDER_GROUPS[1]]
    outside = raw[raw["group"] != LADDER_GROUPS[2]]
    lowest, lowest_outside = raw.loc[raw["r"].idxmin()], outside.loc[outside["r"].idxmin()]
    out = {
        "all_rows": len(raw),
        "all_palm_rows": int(sizes.get(LADDER_GROUPS[0], 0)),
        "all_fine_rows": int(sizes.get(LADDER_GROUPS[1], 0)),
        "all_inverse_rows": int(sizes.get(LADDER_GROUPS[2], 0)),
        "all_fine_ladders": int(fine["ladder"].nunique()),
        "all_inverse_ladders": int(raw.loc[raw["group"] == LADDER_GROUPS[2], "ladder"].nunique()),
        "raw_sig_positive_rows": join_words([triple_label(l, t) for l, t in zip(positive["ladder"], positive["triple"])]) if len(positive) else "none",
        "raw_min_row": triple_label(lowest["ladder"], lowest["triple"]),
        "raw_min_r": float(lowest["r"]),
        "raw_min_outside_row": triple_label(lowest_outside["ladder"], lowest_outside["triple"]),
        "raw_min_outside_r": float(lowest_outside["r"]),
    }
    for name in ("logit", "floor_logit", "range_logit", "log_error"):
        flips = flips_by_group(table, name)
        out[f"{name}_flips_inverse"] = flips["inverse"]
        out[f"{name}_flips_elsewhere"] = flips["elsewhere"]
    return out


def display_effects(effects: pd.DataFrame) -> pd.DataFrame:
    """Readable version of `transform_effects`."""
    out = pd.DataFrame(
        {
            "Transform": effects["label"],
            "Fits": effects["triples"],
            "r < 0": effects["negative"],
            "Sig. < 0": effects["sig_negative"],
            "Sig. > 0": effects["sig_positive"],
            "Expected per sign, no signal": effects["expected_one_side"].map(lambda v: fmt.num(v, 1)),
            "Degenerate (not counted)": effects["degenerate"],
            "Median r [95% CI]": [fmt.estimate(*v) for v in effects[["median_r_all", "median_low", "median_high"]].to_numpy()],
            "Effective ladders": effects["n_eff_ladders"].map(lambda v: fmt.num(v, 1)),
            "Sign flips": effects["sign_flips"],
            "Became sig.": effects["gained_significance"],
            "Lost sig.": effects["lost_significance"],
            "Ladders changed": effects["ladders_with_change"],
        }
    )
    return out


def leverage(ladder: Ladder, transform: str, position: int = 0, top: int = 5) -> dict:
    """How much the `top` tasks whose first gain lies farthest from the mean first gain weigh in
    the triple's first gain: their share of the sum of squared (centred) first gains, r without
    them, how many of them are MMLU subjects and how many have a negative first gain."""
    wide, _ = transformed(ladder, transform)
    s1, s2, s3 = ladder.sizes[position : position + 3]
    three = wide[[s1, s2, s3]].dropna()
    g1 = (three[s2] - three[s1]).to_numpy()
    g2 = (three[s3] - three[s2]).to_numpy()
    c = g1 - g1.mean()
    order = np.argsort(-np.abs(c))
    share = float((c[order[:top]] ** 2).sum() / (c**2).sum())
    rest = order[top:]
    r = float(np.corrcoef(g1, g2)[0, 1])
    r_without = float(np.corrcoef(g1[rest], g2[rest])[0, 1])
    return {"share": share, "r": r, "r_without": r_without,
            "r_text": fmt.estimate(r, *stats.fisher_ci(r, len(g1))), "r_without_text": fmt.estimate(r_without, *stats.fisher_ci(r_without, len(rest))),
            "tasks": [task_label(three.index[i]) for i in order[:top]], "n": len(g1), "top": top,
            "mmlu": int(sum(str(three.index[i][0]).startswith(MMLU_PREFIX) for i in order[:top])),
            "negative": int((g1[order[:top]] < 0).sum())}


# --------------------------------------------------------------------------------------------
# The thread's reruns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RerunLadder:
    label: str
    ladder: Ladder


def rerun_ladders(ladder_list: list[Ladder]) -> list[RerunLadder]:
    """PaLM's four ladders, the MMLU subjects of the 0-shot accuracy harness ladders, and BIG-G."""
    chosen = []
    for ladder in ladder_list:
        if ladder.family == "PaLM" and ladder.benchmark in ("bigbench_lite", "english_nlu"):
            chosen.append(RerunLadder(ladder.name, ladder))
    for ladder in ladder_list:
        if ladder.benchmark == "lm_eval_harness" and ladder.metric == "accuracy" and ladder.n_shots == 0:
            mmlu = subset(ladder, MMLU_PREFIX)
            chosen.append(RerunLadder(f"{ladder.family} · MMLU subjects · 0-shot · accuracy", mmlu))
    for ladder in ladder_list:
        if ladder.benchmark == "bigbench" and ladder.family.startswith("BIG-G"):
            chosen.append(RerunLadder(ladder.name, ladder))
    return chosen


def top_triple(ladder: Ladder) -> tuple[float, float, float]:
    """The three largest sizes: the post's design (e.g. PaLM 8B → 62B → 540B)."""
    sizes = ladder.sizes
    return sizes[-3], sizes[-2], sizes[-1]


def rerun_table(chosen: list[RerunLadder], variants: tuple[str, ...] = RERUN_VARIANTS, n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """The thread's reruns on the top triple of each chosen ladder: one tidy row per ladder x variant."""
    records = []
    for item in chosen:
        s1, s2, s3 = top_triple(item.ladder)
        for name in variants:
            wide, dropped = transformed(item.ladder, name)
            three = wide[[s1, s2, s3]].dropna()
            fit = fit_gains(three[s2] - three[s1], three[s3] - three[s2], n_boot, identity=("rerun", item.label, name))
            detail = ""
            if name == LOWEST_FLOOR:
                detail = f"floor {lowest_floor(item.ladder):.3f}"
            elif name == LOWEST_FLOOR_EXACT:
                detail = f"floor {lowest_floor(item.ladder, 1.0):.3f}"
            elif name == "range_logit":
                low, high = transforms.ladder_range(item.ladder.rows["score"])
                detail = f"range [{low:.3f}, {high:.3f}]"
            records.append(
                {
                    "ladder": item.label,
                    "family": item.ladder.family,
                    "triple": " → ".join(ladders.size_label(s) for s in (s1, s2, s3)),
                    "variant": name,
                    "label": VARIANT_LABELS[name],
                    "detail": detail,
                    "n_dropped": len(dropped),
                    "dropped": ", ".join(dropped),
                }
                | fit
            )
    table = pd.DataFrame.from_records(records)
    table["n"] = table["n"].astype(int)
    table["significant"] = ((table["ci_low"] > 0) | (table["ci_high"] < 0)) & ~table["degenerate"].astype(bool)
    return table


def display_rerun_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per ladder, one column per variant: 'r [95% CI]'."""
    rows = []
    for (ladder, triple), group in table.groupby(["ladder", "triple"], sort=False):
        by = group.set_index("variant")
        n_raw = int(by.loc["raw", "n"])
        row = {"Ladder (top triple)": f"{short_ladder(ladder)} ({triple})", "Tasks": n_raw}
        for name in by.index:
            fit = by.loc[name]
            cell = fmt.estimate(fit["r"], fit["ci_low"], fit["ci_high"])
            if int(fit["n"]) != n_raw:
                cell += f" (n = {int(fit['n'])})"
            row[VARIANT_LABELS[name]] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def nlu_ranges(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The thread's range [0.9·min, 1 − 0.9·(1 − max)] on PaLM NLU, per shot setting and pooled.

    Computed over every score of PaLM 8B, 62B and 540B in the setting (30 rows x 3 sizes).
    """
    nlu = data.load_palm_nlu() if frame is None else frame
    nlu = nlu[nlu["family"] == "PaLM"]
    records = []
    groups = [(str(p), g) for p, g in nlu.groupby("prompting", sort=True)] + [("all settings pooled", nlu)]
    for setting, group in groups:
        low, high = transforms.ladder_range(group["score"])
        records.append(
            {
                "setting": setting,
                "min": float(group["score"].min()),
                "max": float(group["score"].max()),
                "low": low,
                "high": high,
                "distance_to_post": max(abs(low - POST_NLU_RANGE[0]), abs(high - POST_NLU_RANGE[1])),
            }
        )
    return pd.DataFrame(records)


def display_ranges(ranges: pd.DataFrame) -> pd.DataFrame:
    """Readable version of `nlu_ranges`."""
    return pd.DataFrame(
        {
            "Setting": ranges["setting"],
            "Lowest score": ranges["min"].round(3),
            "Highest score": ranges["max"].round(3),
            "Range low": ranges["low"].round(3),
            "Range high": ranges["high"].round(3),
            "Largest distance to [0.13, 0.95]": ranges["distance_to_post"].round(3),
        }
    )


def chinchilla_mmlu_floor(frame: pd.DataFrame | None = None) -> dict:
    """Lowest MMLU subject score of the two models we have from the post's MMLU source."""
    mmlu = data.load_chinchilla_mmlu() if frame is None else frame
    lowest = mmlu.loc[mmlu["score"].idxmin()]
    return {"lowest": float(lowest["score"]), "model": str(lowest["model"]), "task": str(lowest["task"]), "n_models": int(mmlu["model"].nunique())}


# --------------------------------------------------------------------------------------------
# The last step from all smaller models versus from the second-largest
# --------------------------------------------------------------------------------------------


def _with_intercept(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.ones(x.shape[:-1] + (1,)), x], axis=-1)


def r_squared(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """In-sample R² of OLS of y on the columns of x plus an intercept; batched over leading axes.

    x: (..., n, p), y: (..., n). Uses a QR projection, so it is exact for full-rank designs.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == y.ndim:
        x = x[..., None]
    design = _with_intercept(x)
    q, _ = np.linalg.qr(design)
    fitted = np.einsum("...ij,...j->...i", q, np.einsum("...ji,...j->...i", q, y))
    residual = ((y - fitted) ** 2).sum(axis=-1)
    total = ((y - y.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 1 - residual / total, np.nan)


def loo_r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out (PRESS) R²: 1 − Σ (e_i / (1 − h_ii))² / Σ (y_i − ȳ)², an out-of-sample check."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    design = _with_intercept(x)
    q, _ = np.linalg.qr(design)
    leverage = (q * q).sum(axis=1)
    residual = y - q @ (q.T @ y)
    press = float((((residual) / (1 - leverage)) ** 2).sum())
    total = float(((y - y.mean()) ** 2).sum())
    return 1 - press / total if total > 0 else np.nan


def last_step(
    ladder: Ladder, transform: str = "raw", n_boot: int = stats.N_BOOT, level: float = stats.LEVEL
) -> dict:
    """Variance of the last gain (largest minus second-largest) explained by the smaller models.

    Two OLS models over tasks: `all` uses every smaller model's score as a predictor, `second`
    only the second-largest model's score. Because the second-largest score is a predictor of
    both, predicting the largest model's score and predicting its gain leave the same residuals;
    R² is reported on the gain's variance; `r2_score_*` give the same fits on the score's variance,
    the scale the thread's summary names for its "8% vs 7%". Intervals are
    percentile bootstraps over tasks; `loo_*` is the leave-one-out R², which does not reward
    overfitting with many predictors. The in-sample difference of the two R² is >= 0 by
    construction, so the comparison that can fail is `loo_diff` (leave-one-out R², all minus
    second-largest) and the nested F test (`f`, `f_p`).
    """
    wide, dropped = transformed(ladder, transform)
    wide = wide.dropna()
    sizes = list(wide.columns)
    n, n_pred = len(wide), len(sizes) - 1
    base = {
        "ladder": ladder.name,
        "family": ladder.family,
        "transform": transform,
        "n": n,
        "n_predictors": n_pred,
        "largest": ladders.size_label(sizes[-1]),
        "second": ladders.size_label(sizes[-2]),
    }
    values = wide.to_numpy()
    gain = values[:, -1] - values[:, -2]
    smaller = values[:, :-1]
    second = values[:, -2:-1]
    if n - n_pred - 1 < MIN_RESIDUAL_DF or np.std(gain) == 0:
        return base | {"note": f"too few tasks ({n}) for {n_pred} predictors"}
    r2_all = float(r_squared(smaller, gain))
    r2_second = float(r_squared(second, gain))
    index = stats.task_indices(n, n_boot, ("last_step", ladder.identity, transform))
    boot_all = r_squared(smaller[index], gain[index])
    boot_second = r_squared(second[index], gain[index])
    ok = np.isfinite(boot_all) & np.isfinite(boot_second)
    all_low, all_high = stats.percentile_interval(boot_all[ok], level)
    second_low, second_high = stats.percentile_interval(boot_second[ok], level)
    diff_low, diff_high = stats.percentile_interval(boot_all[ok] - boot_second[ok], level)
    f_stat, f_p = _nested_f(r2_all, r2_second, n, n_pred, 1)
    coef = np.linalg.lstsq(_with_intercept(smaller), gain, rcond=None)[0][1:]
    slope_second = float(np.linalg.lstsq(_with_intercept(second), gain, rcond=None)[0][1])
    # The same fits scored against the largest model's score instead of its gain: the residuals
    # are the same, only the total variance differs.
    score_ratio = np.var(gain) / np.var(values[:, -1])
    return base | {
        "r2_all": r2_all,
        "r2_all_low": all_low,
        "r2_all_high": all_high,
        "r2_all_adj": 1 - (1 - r2_all) * (n - 1) / (n - n_pred - 1),
        "loo_all": loo_r_squared(smaller, gain),
        "r2_second": r2_second,
        "r2_second_low": second_low,
        "r2_second_high": second_high,
        "loo_second": loo_r_squared(second, gain),
        "r2_score_all": float(1 - (1 - r2_all) * score_ratio),
        "r2_score_second": float(1 - (1 - r2_second) * score_ratio),
        "loo_diff": loo_r_squared(smaller, gain) - loo_r_squared(second, gain),
        "diff": r2_all - r2_second,
        "diff_low": diff_low,
        "diff_high": diff_high,
        "f": f_stat,
        "f_p": f_p,
        # Weights of the all-smaller model: a negative weight on the second-largest score and
        # positive weights on the smaller ones mean "the gain is large when the second-largest
        # model sits below the smaller models' trend", i.e. regression to the mean.
        "coef_second": float(coef[-1]),
        "slope_second": slope_second,  # the second-largest-only model: gain per unit of score
        "coef_smaller_sum": float(coef[:-1].sum()),
        "note": "",
    }


def _nested_f(r2_full: float, r2_reduced: float, n: int, p_full: int, p_reduced: int) -> tuple[float, float]:
    """F test of the extra predictors of the full model (nested OLS, both with intercepts)."""
    extra = p_full - p_reduced
    if extra <= 0:
        return np.nan, np.nan
    df = n - p_full - 1
    f = ((r2_full - r2_reduced) / extra) / ((1 - r2_full) / df)
    return float(f), float(sps.f.sf(f, extra, df))


def last_step_table(ladder_list: list[Ladder], transform: str = "raw", n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """`last_step` for every ladder, tidy; ladders with too few tasks keep a row with a note."""
    return pd.DataFrame.from_records([last_step(ladder, transform, n_boot) for ladder in ladder_list])


def display_last_step(table: pd.DataFrame) -> pd.DataFrame:
    """Readable version of `last_step_table` (estimable ladders only)."""
    ok = table[table["note"] == ""]
    return pd.DataFrame(
        {
            "Ladder": ok["ladder"].map(short_ladder),
            "Last step": ok["second"] + " → " + ok["largest"],
            "Tasks": ok["n"].astype(int),
            "Predictors": ok["n_predictors"].astype(int),
            "R², all smaller [95% CI]": [fmt.estimate(*v) for v in ok[["r2_all", "r2_all_low", "r2_all_high"]].to_numpy()],
            "R², second-largest [95% CI]": [fmt.estimate(*v) for v in ok[["r2_second", "r2_second_low", "r2_second_high"]].to_numpy()],
            "Leave-one-out R², all": ok["loo_all"].map(fmt.num),
            "Leave-one-out R², second": ok["loo_second"].map(fmt.num),
            "Nested F test p": ok["f_p"].map(lambda v: fmt.num(v, 3)),
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Everything the chapter prints
# --------------------------------------------------------------------------------------------


# Short names for the ladders the prose quotes: (family, benchmark, n_shots, metric).
LADDER_KEYS = {
    "bigg": ("BIG-G T=0", "bigbench", 3, "multiple_choice_grade"),
    "pythia_0": ("Pythia", "lm_eval_harness", 0, "accuracy"),
    "pythia_5": ("Pythia", "lm_eval_harness", 5, "accuracy"),
    "pythia_dd_0": ("Pythia (deduped)", "lm_eval_harness", 0, "accuracy"),
    "pythia_dd_5": ("Pythia (deduped)", "lm_eval_harness", 5, "accuracy"),
    "opt": ("OPT", "lm_eval_harness", 0, "accuracy"),
    "bloom": ("BLOOM", "lm_eval_harness", 0, "accuracy"),
    "palm_bbl": ("PaLM", "bigbench_lite", 5, "preferred"),
    "palm_nlu_0": ("PaLM", "english_nlu", 0, "preferred"),
    "palm_nlu_1": ("PaLM", "english_nlu", 1, "preferred"),
    "palm_nlu_few": ("PaLM", "english_nlu", None, "preferred"),
    "palm_inv": ("PaLM", "inverse_scaling", 0, "accuracy"),
}


def ladder_names(ladder_list: list[Ladder]) -> dict[str, str]:
    """Short key -> ladder name for the ladders of `LADDER_KEYS` that are present."""
    names = {}
    for key, (family, benchmark, n_shots, metric) in LADDER_KEYS.items():
        for ladder in ladder_list:
            if (ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric) == (family, benchmark, n_shots, metric):
                names[key] = ladder.name
    return names


@dataclass
class ChapterResults:
    table: pd.DataFrame  # gain_table over every ladder, consecutive triples, five transforms
    effects: pd.DataFrame  # transform_effects(table)
    reruns: pd.DataFrame  # rerun_table
    ranges: pd.DataFrame  # nlu_ranges
    last: pd.DataFrame  # last_step_table (raw)
    last_logit: pd.DataFrame  # last_step_table (logit)
    chinchilla_floor: dict
    names: dict[str, str]  # short key -> ladder name
    rerun_names: dict[str, str]  # short key -> rerun ladder label
    facts: dict = field(default_factory=dict)  # scalar figures quoted in prose

    def _ladder(self, key: str) -> str:
        return self.names.get(key, key)

    def fit(self, key: str, transform: str = "raw", position: int | None = None) -> pd.Series:
        """One row of the gain table; `position=None` is the top triple (three largest sizes)."""
        name = self._ladder(key)
        rows = self.table[(self.table["ladder"] == name) & (self.table["transform"] == transform)]
        if position is None:
            rows = rows[rows["position"] == rows["position"].max()]
        else:
            rows = rows[rows["position"] == position]
        if len(rows) != 1:
            raise KeyError(f"no unique fit for {name!r}, {transform!r}, position {position}")
        return rows.iloc[0]

    def r(self, key: str, transform: str = "raw", position: int | None = None) -> str:
        """'r [95% CI]' of one ladder x triple x transform."""
        fit = self.fit(key, transform, position)
        return fmt.estimate(fit["r"], fit["ci_low"], fit["ci_high"])

    def rerun(self, key: str, variant: str = "raw") -> pd.Series:
        label = self.rerun_names.get(key, self.names.get(key, key))
        rows = self.reruns[(self.reruns["ladder"] == label) & (self.reruns["variant"] == variant)]
        if len(rows) != 1:
            raise KeyError(f"no unique rerun for {label!r}, {variant!r}")
        return rows.iloc[0]

    def rerun_r(self, key: str, variant: str = "raw") -> str:
        fit = self.rerun(key, variant)
        return fmt.estimate(fit["r"], fit["ci_low"], fit["ci_high"])

    def effect(self, transform: str) -> pd.Series:
        return self.effects.set_index("transform").loc[transform]

    def last_row(self, key: str, logit: bool = False) -> pd.Series:
        table = self.last_logit if logit else self.last
        return table.set_index("ladder").loc[self._ladder(key)]

    def r2(self, key: str, which: str = "all", logit: bool = False) -> str:
        """'R² [95% CI]' of the last-step regression; which is 'all', 'second' or 'diff'."""
        row = self.last_row(key, logit)
        stem = "diff" if which == "diff" else f"r2_{which}"
        return fmt.estimate(row[stem], row[f"{stem}_low"], row[f"{stem}_high"])

    def estimable_last(self, logit: bool = False) -> pd.DataFrame:
        table = self.last_logit if logit else self.last
        return table[table["note"] == ""]


def _facts(table: pd.DataFrame, ranges: pd.DataFrame, last: pd.DataFrame, chosen: list[RerunLadder], ladder_list: list[Ladder]) -> dict:
    raw = table[table["transform"] == "raw"]
    same_as_logit = []
    for ladder in ladder_list:
        low, high = transforms.ladder_range(ladder.rows["score"])
        if low == 0 and high == 1:
            same_as_logit.append(ladder.name)
    floor = table[table["transform"] == "floor_logit"]
    at_floor = {}
    for ladder in ladder_list:
        kept, _ = drop_missing_chance(ladder)
        rows = kept.rows
        at_floor[ladder.name] = float((rows["score"] <= rows["chance"]).mean()) if len(rows) else np.nan
    best = ranges.loc[ranges["distance_to_post"].idxmin()]
    ok = last[last["note"] == ""]
    lerr = table[(table["transform"] == "log_error") & table["significant"] & (table["r"] > 0)]
    return {
        "log_error_sig_positive_pythia_small": int((lerr["family"].str.startswith("Pythia") & (lerr["position"] <= 1)).sum()),
        "log_error_sig_positive_inverse": int((lerr["benchmark"] == "inverse_scaling").sum()),
        "rerun_lowest": {item.label: float(item.ladder.rows["score"].min()) for item in chosen},
        "mmlu_lowest_min": min(float(item.ladder.rows["score"].min()) for item in chosen if "MMLU" in item.label),
        "mmlu_lowest_max": max(float(item.ladder.rows["score"].min()) for item in chosen if "MMLU" in item.label),
        "last_estimable": len(ok),
        "last_skipped": int((last["note"] != "").sum()),
        "last_skipped_inverse": int(((last["note"] != "") & last["ladder"].str.contains("inverse_scaling")).sum()),
        "floor_dropped_ladder_count": int(table.loc[(table["transform"] == "floor_logit") & (table["n_dropped"] > 0), "ladder"].nunique()),
        "last_diff_excludes_zero": int((ok["diff_low"] > 0).sum()),
        "last_loo_all_better": int((ok["loo_all"] > ok["loo_second"]).sum()),
        "last_loo_all_positive": int((ok["loo_all"] > 0).sum()),
        "last_loo_second_positive": int((ok["loo_second"] > 0).sum()),
        "last_coef_second_negative": int((ok["coef_second"] < 0).sum()),
        "last_coef_second_median": float(ok["coef_second"].median()),
        "last_coef_smaller_median": float(ok["coef_smaller_sum"].median()),
        "n_ladders": len(ladder_list),
        "n_triples": len(raw),
        "n_families": len({ladder.family for ladder in ladder_list}),
        "raw_negative": int((raw["r"] < 0).sum()),
        "raw_sig_negative": int((raw["significant"] & (raw["r"] < 0)).sum()),
        "raw_sig_positive": int((raw["significant"] & (raw["r"] > 0)).sum()),
        "range_equals_logit": same_as_logit,
        "floor_dropped_ladders": sorted(floor.loc[floor["n_dropped"] > 0, "ladder"].unique().tolist()),
        "share_at_or_below_chance": at_floor,
        "nlu_best_setting": str(best["setting"]),
        "nlu_best_low": float(best["low"]),
        "nlu_best_high": float(best["high"]),
    }


def chapter_results(frame: pd.DataFrame | None = None, n_boot: int = stats.N_BOOT, table_boot: int = 0) -> ChapterResults:
    """Every number of chapter 2, from the shipped data (or `frame`, in the long schema)."""
    frame = data.load_all() if frame is None else frame
    ladder_list = evidence_ladders(frame)
    # The chapter's tables and counts use Fisher intervals; the 585 bootstraps of the gain table
    # would double the chapter's run time for columns it never shows (pass table_boot to get them).
    table = gain_table(ladder_list, transforms.TRANSFORMS, (1,), table_boot)
    effects = transform_effects(table).merge(median_intervals(ladder_list, transforms.TRANSFORMS, n_boot), on="transform", how="left")
    chosen = rerun_ladders(ladder_list)
    reruns = rerun_table(chosen, RERUN_VARIANTS, n_boot)
    ranges = nlu_ranges(frame[frame["source_id"] == "palm_nlu"])
    last = last_step_table(ladder_list, "raw", n_boot)
    last_logit = last_step_table(ladder_list, "logit", n_boot)
    floor = chinchilla_mmlu_floor(frame[frame["source_id"] == "chinchilla_mmlu"])
    facts = _facts(table, ranges, last, chosen, ladder_list)
    names = ladder_names(ladder_list)
    by_name = {ladder.name: ladder for ladder in ladder_list}
    if "pythia_0" in names:
        facts["leverage_log_error"] = leverage(by_name[names["pythia_0"]], "log_error", 0)
        facts["leverage_raw"] = leverage(by_name[names["pythia_0"]], "raw", 0)
    rerun_names = {}
    for key in ("pythia_0", "pythia_dd_0", "opt", "bloom"):
        family = LADDER_KEYS[key][0]
        rerun_names[key + "_mmlu"] = f"{family} · MMLU subjects · 0-shot · accuracy"
    return ChapterResults(table, effects, reruns, ranges, last, last_logit, floor, names, rerun_names, facts)


# --------------------------------------------------------------------------------------------
# PaLM on every sensible scale, with robust companions of r
# --------------------------------------------------------------------------------------------

PALM_KEYS = ("palm_bbl", "palm_nlu_0", "palm_nlu_1", "palm_nlu_few")


def palm_robust(res: ChapterResults, ladder_list: list[Ladder] | None = None, n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """The post's PaLM triples under the raw score and the three scales the thread proposed
    that need no chance level: r, Fisher and bootstrap CIs, permutation p (Holm-adjusted over
    the transformed tests), Spearman, leave-one-out (`empirical.palm_scale_table`)."""
    from . import empirical  # the robust fit lives with Chapter 1's PaLM regressions

    return empirical.palm_scale_table(palm_by_key(res, ladder_list), n_boot)


def palm_by_key(res: ChapterResults, ladder_list: list[Ladder] | None = None) -> dict[str, Ladder]:
    """The post's PaLM ladders under their `PALM_KEYS`."""
    ladder_list = evidence_ladders() if ladder_list is None else ladder_list
    by_name = {ladder.name: ladder for ladder in ladder_list}
    return {key: by_name[res.names[key]] for key in PALM_KEYS if key in res.names}


# The wider Holm families the referee asked about: Table 2.3's 12 tests leave out the scales
# that need a floor. Adding the logit above chance gives 16 tests, adding the two floors at the
# lowest score as well gives every transformed PaLM rerun (24).
HOLM_EXTRA_CHANCE = ("floor_logit",)
HOLM_EXTRA_LOWEST = (LOWEST_FLOOR_EXACT, LOWEST_FLOOR)


def palm_floor_tests(palm: dict[str, Ladder], names: tuple[str, ...] = HOLM_EXTRA_CHANCE + HOLM_EXTRA_LOWEST, n_perm: int = stats.N_PERM) -> pd.DataFrame:
    """Permutation p of each PaLM ladder's top triple (`palm`: key -> ladder) under the floor
    scales `names`, one row per ladder x scale (key, transform, n, perm_p): the same test, seeded
    by the same identity, as `empirical.robust_fits`."""
    records = []
    for key, ladder in palm.items():
        s1, s2, s3 = top_triple(ladder)
        for name in names:
            wide, _ = transformed(ladder, name)
            three = wide[[s1, s2, s3]].dropna()
            g1, g2 = (three[s2] - three[s1]).to_numpy(), (three[s3] - three[s2]).to_numpy()
            identity = (ladder.identity, name, (s1, s2, s3))
            records.append({"key": key, "transform": name, "n": len(three), "perm_p": stats.permutation_p(g1, g2, n_perm, identity)})
    return pd.DataFrame.from_records(records)


def holm_families(robust: pd.DataFrame, floor_tests: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Holm over three families of transformed PaLM tests: Table 2.3's 12 (no chance level
    needed), those plus the logit above chance (16), and every transformed rerun (24). Each
    frame: key, transform, perm_p, holm_p."""
    base = robust.loc[robust["transform"] != "raw", ["key", "transform", "perm_p"]]
    families = {
        "scales": base,
        "with_chance": pd.concat([base, floor_tests[floor_tests["transform"].isin(HOLM_EXTRA_CHANCE)][["key", "transform", "perm_p"]]], ignore_index=True),
        "all": pd.concat([base, floor_tests[["key", "transform", "perm_p"]]], ignore_index=True),
    }
    return {name: frame.assign(holm_p=stats.holm(frame["perm_p"])).reset_index(drop=True) for name, frame in families.items()}


def display_palm_robust(table: pd.DataFrame) -> pd.DataFrame:
    """Readable version of `palm_robust`."""
    return pd.DataFrame(
        {
            "Ladder": table["ladder"].map(short_ladder),
            "Scale": table["transform"].map(transforms.LABELS),
            "Tasks": table["n"].astype(int),
            "r [Fisher 95% CI]": [fmt.estimate(*v) for v in table[["r", "ci_low", "ci_high"]].to_numpy()],
            "Bootstrap 95% CI": [fmt.ci(*v) for v in table[["boot_low", "boot_high"]].to_numpy()],
            "Permutation p": table["perm_p"].map(lambda v: fmt.num(v, 3)),
            "Holm-adjusted p": table["holm_p"].map(lambda v: "—" if np.isnan(v) else fmt.num(v, 3)),
            "Spearman": table["spearman"].map(fmt.num),
            "Leave-one-out r": [fmt.ci(*v) for v in table[["loo_min", "loo_max"]].to_numpy()],
        }
    )


# --------------------------------------------------------------------------------------------
# Every number the chapter prints, as attributes
# --------------------------------------------------------------------------------------------


def _values(res: ChapterResults, robust: pd.DataFrame) -> dict:
    fx = res.facts
    effect = {name: res.effect(name) for name in transforms.TRANSFORMS}
    raw, lgt, flo, rng_, lerr = (effect[name] for name in ("raw", "logit", "floor_logit", "range_logit", "log_error"))
    few = res.ranges.set_index("setting").loc["few-shot"]
    zero = res.ranges.set_index("setting").loc["0-shot"]
    lev_err, lev_raw = fx["leverage_log_error"], fx["leverage_raw"]
    ok = res.estimable_last()
    values = {
        key: fx[key]
        for key in (
            "n_ladders", "n_families", "n_triples", "raw_negative", "raw_sig_negative", "raw_sig_positive", "floor_dropped_ladder_count",
            "log_error_sig_positive_pythia_small", "log_error_sig_positive_inverse", "mmlu_lowest_min", "mmlu_lowest_max",
            "last_estimable", "last_skipped", "last_skipped_inverse", "last_loo_all_better", "last_loo_all_positive",
            "last_coef_second_negative", "last_coef_second_median", "last_coef_smaller_median",
        )
    }
    values |= {
        "n_acc_norm": len([l for l in chapter_ladders() if l.metric == "acc_norm"]),
        "expected_one_side": float(raw["expected_one_side"]),
        "expected_both": stats.expected_under_null(int(raw["triples"])),
        "range_equals_logit": len(fx["range_equals_logit"]),
        "logit_flips": int(lgt["sign_flips"]),
        "logit_sig_changes": int(lgt["gained_significance"] + lgt["lost_significance"]),
        # Medians over the non-degenerate fits, the ones the bootstrap intervals describe.
        "logit_median": float(lgt["median_r_all"]), "raw_median": float(raw["median_r_all"]), "range_median": float(rng_["median_r_all"]),
        "floor_median": float(flo["median_r_all"]), "floor_sig_negative": int(flo["sig_negative"]), "floor_extra_sig_negative": int(flo["sig_negative"] - raw["sig_negative"]),
        "floor_degenerate": int(flo["degenerate"]), "n_degenerate": int(res.table["degenerate"].astype(bool).sum()),
        "floor_flips": int(flo["sign_flips"]), "range_flips": int(rng_["sign_flips"]), "logit_ladders_changed": int(lgt["ladders_with_change"]),
        "range_ladders_changed": int(rng_["ladders_with_change"]),
        "bigg_at_chance": fx["share_at_or_below_chance"][res.names["bigg"]], "pythia_at_chance": fx["share_at_or_below_chance"][res.names["pythia_0"]],
        **{f"{name}_median_ci": fmt.ci(effect[name]["median_low"], effect[name]["median_high"]) for name in transforms.TRANSFORMS},
        "raw_n_eff_ladders": float(raw["n_eff_ladders"]),
        "raw_n_eff_triples": float(raw["n_eff_triples"]), "lerr_n_eff_triples": float(lerr["n_eff_triples"]),
        # Paired (same task draws) intervals for a transform's median r minus the raw median.
        "floor_diff_low": float(flo["diff_low"]), "floor_diff_high": float(flo["diff_high"]),
        "lerr_diff_low": float(lerr["diff_low"]), "lerr_diff_high": float(lerr["diff_high"]),
        "lev_mmlu": lev_err["mmlu"], "lev_negative": lev_err["negative"],
        "score_r2_second_min": float(ok["r2_score_second"].min()), "score_r2_second_max": float(ok["r2_score_second"].max()),
        "score_r2_all_min": float(ok["r2_score_all"].min()), "score_r2_all_max": float(ok["r2_score_all"].max()),
        "lerr_median": float(lerr["median_r_all"]), "lerr_sig_positive": int(lerr["sig_positive"]), "lerr_flips": int(lerr["sign_flips"]),
        "lev_top": lev_err["top"], "lev_task1": lev_err["tasks"][0], "lev_task2": lev_err["tasks"][1], "lev_err_share": lev_err["share"],
        "lev_raw_share": lev_raw["share"], "lev_r": lev_err["r_text"], "lev_r_without": lev_err["r_without_text"],
        "chinchilla_lowest": res.chinchilla_floor["lowest"], "chinchilla_lowest_model": res.chinchilla_floor["model"],
        "few_low": float(few["low"]), "few_high": float(few["high"]), "zero_low": float(zero["low"]), "zero_high": float(zero["high"]),
        "nlu_scores": int(res.rerun("palm_nlu_few", "raw")["n"]) * 3,
        "bbl_tasks": int(res.rerun("palm_bbl", "raw")["n"]), "nlu_tasks": int(res.rerun("palm_nlu_0", "raw")["n"]),
        "bbl_floor_tasks": int(res.rerun("palm_bbl", "floor_logit")["n"]), "bbl_floor_dropped": str(res.rerun("palm_bbl", "floor_logit")["dropped"]),
        "nlu_few_floor_n": int(res.rerun("palm_nlu_few", "floor_logit")["n"]), "nlu_0_floor_n": int(res.rerun("palm_nlu_0", "floor_logit")["n"]),
        "mmlu_subjects": int(res.rerun("pythia_0_mmlu", "raw")["n"]),
        "max_predictors": int(ok["n_predictors"].max()),
        "min_residual_df": MIN_RESIDUAL_DF,
        "last_f_significant": int((ok["f_p"] < 0.05).sum()),
        "last_f_expected": stats.expected_under_null(len(ok)),
        "last_loo_diff_positive": int((ok["loo_diff"] > 0).sum()),
        "bigg_loo_all": float(res.last_row("bigg")["loo_all"]), "pythia_loo_all": float(res.last_row("pythia_0")["loo_all"]),
        "bbl_loo_all": float(res.last_row("palm_bbl")["loo_all"]),
        "nlu_few_slope_second": float(res.last_row("palm_nlu_few")["slope_second"]),
    }
    for key in ("palm_bbl", "palm_nlu_0", "palm_nlu_1", "palm_nlu_few", "bigg", "pythia_0_mmlu", "opt_mmlu", "bloom_mmlu"):
        for variant in RERUN_VARIANTS:
            try:
                values[f"{key}_{variant}"] = res.rerun_r(key, variant)
            except KeyError:
                continue
    for key in ("bigg", "pythia_0", "palm_nlu_few", "palm_nlu_1", "palm_bbl"):
        for which in ("all", "second"):
            values[f"r2_{key}_{which}"] = res.r2(key, which)
    for key, group in robust.groupby("key"):
        for _, row in group.iterrows():
            stem = f"{key}_{row['transform']}"
            values[f"{stem}_perm_p"] = float(row["perm_p"])
            values[f"{stem}_spearman"] = float(row["spearman"])
            values[f"{stem}_loo_min"] = float(row["loo_min"])
            values[f"{stem}_loo_max"] = float(row["loo_max"])
            values[f"{stem}_boot"] = fmt.ci(row["boot_low"], row["boot_high"])
    bbl = robust[(robust["key"] == "palm_bbl") & (robust["transform"] != "raw")]
    values |= {
        "bbl_spearman_min": float(bbl["spearman"].min()), "bbl_spearman_max": float(bbl["spearman"].max()),
        "bbl_loo_min_min": float(bbl["loo_min"].min()), "bbl_loo_min_max": float(bbl["loo_min"].max()),
        "bbl_perm_p_max": float(bbl["perm_p"].max()),
    }
    transformed_tests = robust[robust["transform"] != "raw"]
    values |= {
        "palm_scale_tests": len(transformed_tests),
        "palm_holm_survivors": int((transformed_tests["holm_p"] < 1 - stats.LEVEL).sum()),
        "bbl_range_holm_p": float(robust.loc[(robust["key"] == "palm_bbl") & (robust["transform"] == "range_logit"), "holm_p"].iloc[0]),
        "nlu_holm_min": float(transformed_tests.loc[transformed_tests["key"] != "palm_bbl", "holm_p"].min()),
    }
    mmlu_raw = res.reruns[res.reruns["ladder"].str.contains("MMLU subjects") & (res.reruns["variant"] == "raw")]["r"]
    values |= {"mmlu_raw_min": float(mmlu_raw.min()), "mmlu_raw_max": float(mmlu_raw.max())}
    table = res.table
    lerr_sig = table[(table["transform"] == "log_error") & table["significant"] & (table["r"] > 0)]
    values["log_error_sig_positive_palm"] = int((lerr_sig["family"] == "PaLM").sum())
    anthropic = table[(table["family"] == "Anthropic LM") & (table["transform"] == "floor_logit") & table["degenerate"].astype(bool)]
    values["degenerate_example"] = f"Anthropic LM {anthropic.iloc[0]['triple']}" if len(anthropic) else "none"
    values["degenerate_example_r"] = float(anthropic.iloc[0]["r"]) if len(anthropic) else np.nan
    values |= long_table_pointers(table)
    return values


# The PaLM settings in prose, under Chapter 2's keys and Chapter 1's (`empirical.palm_ladders`).
PALM_SETTING_WORDS = {"palm_bbl": "BIG-bench Lite", "palm_nlu_0": "0-shot NLU", "palm_nlu_1": "1-shot NLU", "palm_nlu_few": "few-shot NLU"}
PALM_SETTING_WORDS |= {"bigbench_lite": "BIG-bench Lite", "nlu 0-shot": "0-shot NLU", "nlu 1-shot": "1-shot NLU", "nlu few-shot": "few-shot NLU"}
PALM_KEY_BBL = {"palm_bbl", "bigbench_lite"}
PALM_KEY_NLU_FEW = {"palm_nlu_few", "nlu few-shot"}


def holm_values(families: dict[str, pd.DataFrame]) -> dict:
    """Sizes and survivors of the wider Holm families (`holm_families`), for the prose."""
    def survivors(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["holm_p"] < 1 - stats.LEVEL]

    def adjusted(frame: pd.DataFrame, keys: set[str], transform: str) -> float:
        return float(frame.loc[frame["key"].isin(keys) & (frame["transform"] == transform), "holm_p"].iloc[0])

    chance, every = families["with_chance"], families["all"]
    return {
        "holm_chance_tests": len(chance), "holm_chance_survivors": len(survivors(chance)),
        "holm_chance_survivor_words": join_words(f"the {VARIANT_LABELS[t]} on {PALM_SETTING_WORDS[k]}" for k, t in zip(survivors(chance)["key"], survivors(chance)["transform"])),
        "holm_chance_bbl_range_p": adjusted(chance, PALM_KEY_BBL, "range_logit"),
        "holm_chance_nlu_few_floor_p": adjusted(chance, PALM_KEY_NLU_FEW, "floor_logit"),
        "holm_all_tests": len(every), "holm_all_survivors": len(survivors(every)),
    }


def chapter_facts(res: ChapterResults | None = None, n_boot: int = stats.N_BOOT) -> tuple[ChapterResults, object]:
    """(results, facts): every number Chapter 2 prints, as attributes of a frozen dataclass."""
    res = chapter_results(n_boot=n_boot) if res is None else res
    robust = palm_robust(res, n_boot=n_boot)
    values = _values(res, robust) | holm_values(holm_families(robust, palm_floor_tests(palm_by_key(res))))
    facts_type = make_dataclass("Facts", [(name, type(value)) for name, value in values.items()], frozen=True)
    return res, facts_type(**values)
