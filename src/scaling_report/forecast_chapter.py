"""Chapter "Can we forecast the next model?": selects the ladders, runs the backtest methods
(`scaling_report.backtest`) and returns the chapter's facts and display tables. No statistics here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import backtest as bk
from . import fmt
from . import ladders as ladders_mod
from .backtest import GROUP_INVERSE, GROUP_STANDARD, HORIZON_LABELS, METHOD_LABELS, METHODS, N_BOOT
from .sigmoid import STATE_LOW

# Harness families are scored with accuracy and acc_norm: the headline uses accuracy.
HEADLINE_METRICS = ("accuracy", "multiple_choice_grade")
ROBUSTNESS_METRIC = "acc_norm"
PCT = 100.0  # errors are shown in percentage points
BENCHMARK_LABELS = {"bigbench": "BIG-bench", "lm_eval_harness": "harness", "inverse_scaling": "inverse scaling",
                    "bigbench_lite": "BIG-bench Lite", "english_nlu": "English NLU"}
# Methods shown in the regime and anchor tables (the cheap baselines and the best trend methods).
KEY_METHODS = ("last_value", "mean_last_two", "noise_aware_level", "family_trend", "fitted_family_trend", "sigmoid")
INTERVAL_METHODS = ("last_value", "noise_aware_level", "family_trend", "fitted_family_trend")
MMLU_PREFIX = "mmlu_"


def _ladder_label(name: str) -> str:
    """Short display name from a ladder's name (family · benchmark · prompting), metric left out."""
    family, benchmark, prompting = name.split(" · ")[:3]
    return f"{family} · {BENCHMARK_LABELS.get(benchmark, benchmark)} · {prompting}"


def backtest_ladders(frame: pd.DataFrame | None = None) -> dict[str, list[bk.Series]]:
    """The book's backtest ladders as series: 'headline' (>= 4 sizes; accuracy or BIG-bench's
    multiple-choice grade), 'acc_norm' (the harness families' normalised accuracy) and 'palm'
    (PaLM's three-size ladders, forecast 540B from 8B and 62B)."""
    from . import data

    frame = data.load_all() if frame is None else frame
    out: dict[str, list[bk.Series]] = {"headline": [], "acc_norm": [], "palm": []}
    for ladder in ladders_mod.find_ladders(frame):
        if len(ladder.sizes) > bk.MIN_PREFIX and ladder.metric in HEADLINE_METRICS:
            out["headline"].append(bk.series_from_ladder(ladder))
        elif len(ladder.sizes) > bk.MIN_PREFIX and ladder.metric == ROBUSTNESS_METRIC:
            out["acc_norm"].append(bk.series_from_ladder(ladder))
        elif ladder.family == "PaLM" and len(ladder.sizes) == 3:
            out["palm"].append(bk.series_from_ladder(ladder))
    return out


def _ci(value: float, low: float, high: float, digits: int = 1) -> str:
    """'x.x [lo, hi]' in percentage points from fractions."""
    return fmt.estimate(PCT * value, PCT * low, PCT * high, digits)


def _row(agg: pd.DataFrame, group: str, horizon: str, method: str, by: str = "group") -> pd.Series:
    part = agg[(agg[by] == group) & (agg["horizon"] == horizon) & (agg["method"] == method)]
    if part.empty:
        raise KeyError(f"no aggregate row for {group} / {horizon} / {method}")
    return part.iloc[0]


def _cell(agg: pd.DataFrame, group: str, horizon: str, method: str, by: str = "group", digits: int = 1) -> str:
    r = _row(agg, group, horizon, method, by)
    return _ci(r["mae"], r["ci_low"], r["ci_high"], digits)


# --------------------------------------------------------------------------------------------
# Display tables


def ladder_inventory(series: list[bk.Series], min_prefix: int = bk.MIN_PREFIX) -> pd.DataFrame:
    """The ladders of the backtest, their sizes, tasks and forecasts."""
    records = []
    for s in series:
        pairs = int(bk.horizon_mask(s.sizes, "all", min_prefix).sum())
        records.append({"Ladder": _ladder_label(s.name), "Group": s.group, "Sizes": len(s.sizes),
                        "Smallest": ladders_mod.size_label(s.sizes[0]), "Largest": ladders_mod.size_label(s.sizes[-1]),
                        "Tasks": len(s.tasks), "Forecasts per method": pairs * len(s.tasks)})
    return pd.DataFrame.from_records(records).sort_values(["Group", "Ladder"], ascending=[False, True]).reset_index(drop=True)


GROUP_ORDER = {GROUP_STANDARD: 0, GROUP_INVERSE: 1}


def headline_display(agg: pd.DataFrame, horizons=("next", "two_ahead", "ge_10x")) -> pd.DataFrame:
    """Per group x horizon: the item-noise floor and each method's MAE (pp) with its 95% interval."""
    rows = agg[agg["horizon"].isin(horizons)].copy()
    rows["cell"] = [_ci(r.mae, r.ci_low, r.ci_high) for r in rows.itertuples()]
    wide = rows.pivot_table(index=["group", "horizon", "n_ladders"], columns="method", values="cell", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns]).reset_index()
    floors = rows.drop_duplicates(["group", "horizon"]).set_index(["group", "horizon"])
    wide.insert(3, "floor", [_ci(*floors.loc[(g, h), ["floor", "floor_low", "floor_high"]]) for g, h in zip(wide["group"], wide["horizon"])])
    order = {h: i for i, h in enumerate(horizons)}
    wide = wide.assign(_g=wide["group"].map(GROUP_ORDER), _h=wide["horizon"].map(order)).sort_values(["_g", "_h"]).drop(columns=["_g", "_h"])
    wide["horizon"] = wide["horizon"].map(HORIZON_LABELS)
    wide = wide.rename(columns={"group": "Task group", "horizon": "Horizon", "n_ladders": "Ladders",
                                "floor": "Item-noise floor", **METHOD_LABELS})
    wide.columns.name = None
    return wide.reset_index(drop=True)


def family_display(bt: bk.Backtest, win: pd.DataFrame, horizon: str = "next") -> pd.DataFrame:
    """Per ladder, each method's MAE (pp) at one horizon; the winner and its margin named."""
    part = bt.table[bt.table["horizon"] == horizon]
    wide = part.pivot_table(index=["group", "ladder"], columns="method", values="mae", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns])
    win = win[win["horizon"] == horizon].set_index("ladder")
    out = (PCT * wide).round(1)
    names = out.index.get_level_values("ladder")
    out["Winner"] = [METHOD_LABELS[win.loc[l, "winner"]] for l in names]
    out["Margin over runner-up (pp)"] = [_ci(win.loc[l, "margin"], win.loc[l, "margin_low"], win.loc[l, "margin_high"]) for l in names]
    out = out.reset_index()
    out["ladder"] = out["ladder"].map(_ladder_label)
    out = out.sort_values(["group", "ladder"], ascending=[False, True]).drop(columns="group")
    out = out.rename(columns={"ladder": "Ladder", **METHOD_LABELS})
    out.columns.name = None
    return out.reset_index(drop=True)


def regime_display(by_regime: dict[str, pd.DataFrame], horizons=("next", "ge_10x")) -> pd.DataFrame:
    """Per group x horizon x regime: forecasts, item-noise floor and the key methods' MAE (pp)."""
    records = []
    for regime, agg in by_regime.items():
        for group in (GROUP_STANDARD, GROUP_INVERSE):
            for h in horizons:
                part = agg[(agg["group"] == group) & (agg["horizon"] == h)]
                if part.empty:
                    continue
                first = part.iloc[0]
                record = {"Task group": group, "Horizon": HORIZON_LABELS[h], "Tasks": bk.REGIME_LABELS[regime],
                          "Forecasts": int(first["n"]), "Item-noise floor": _ci(first["floor"], first["floor_low"], first["floor_high"])}
                for m in KEY_METHODS:
                    r = part[part["method"] == m]
                    record[METHOD_LABELS[m]] = _ci(*r.iloc[0][["mae", "ci_low", "ci_high"]]) if len(r) else "—"
                records.append(record)
    return pd.DataFrame.from_records(records)


def average_display(avg_agg: pd.DataFrame, task_agg: pd.DataFrame, horizons=("next", "ge_10x")) -> pd.DataFrame:
    """Per group x horizon: last value and a line in log N, on ladder-average scores and per task."""
    records = []
    for group in (GROUP_STANDARD, GROUP_INVERSE):
        for h in horizons:
            if avg_agg[(avg_agg["group"] == group) & (avg_agg["horizon"] == h)].empty:
                continue
            records.append({
                "Task group": group, "Horizon": HORIZON_LABELS[h],
                "Ladders": int(_row(avg_agg, group, h, "last_value")["n_ladders"]),
                "Average: last value": _cell(avg_agg, group, h, "last_value"),
                "Average: linear in log N": _cell(avg_agg, group, h, "linear_log_n"),
                "Per task: last value": _cell(task_agg, group, h, "last_value"),
                "Per task: linear in log N": _cell(task_agg, group, h, "linear_log_n"),
            })
    return pd.DataFrame.from_records(records)


def coverage_display(cov: pd.DataFrame) -> pd.DataFrame:
    """Per group x method x horizon: how often the 90% interval held the observed score."""
    out = cov.copy()
    out = out.assign(_g=out["group"].map(GROUP_ORDER), _m=out["method"].map({m: i for i, m in enumerate(METHODS)}))
    out = out.sort_values(["_g", "steps", "_m"])
    return pd.DataFrame({
        "Task group": out["group"],
        "Horizon": out["steps"].map({1: HORIZON_LABELS["next"], 2: HORIZON_LABELS["two_ahead"]}),
        "Method": out["method"].map(METHOD_LABELS),
        "Forecasts": out["n"].astype(int),
        "Half-width (pp)": [fmt.num(PCT * v, 1) for v in out["half_width"]],
        "Coverage of the 90% interval": [fmt.estimate(PCT * c, PCT * lo, PCT * hi, 0) + "%" for c, lo, hi in
                                         zip(out["coverage"], out["ci_low"], out["ci_high"])],
    }).reset_index(drop=True)


def ratio_curve(agg: pd.DataFrame) -> pd.DataFrame:
    """Chart data: per group x size-ratio bin x method, the equal-weight MAE (pp) with its interval."""
    part = agg[agg["horizon"].isin(bk.RATIO_LABELS)].copy()
    part["bin"] = part["horizon"].map({h: i for i, h in enumerate(bk.RATIO_LABELS)})
    out = pd.DataFrame({
        "group": part["group"], "ratio": part["horizon"], "bin": part["bin"], "method": part["method"].map(METHOD_LABELS),
        "mae": (PCT * part["mae"]).round(2), "low": (PCT * part["ci_low"]).round(2), "high": (PCT * part["ci_high"]).round(2),
        "ladders": part["n_ladders"], "n": part["n"],
    })
    return out.sort_values(["group", "bin", "method"]).reset_index(drop=True)


def relative_grid(bt: bk.Backtest, horizon: str = "next") -> pd.DataFrame:
    """Chart data: per ladder x method, MAE relative to last value at one horizon (1 = as good)."""
    part = bt.table[bt.table["horizon"] == horizon]
    base = part[part["method"] == "last_value"].set_index("ladder")["mae"]
    out = pd.DataFrame({
        "ladder": part["ladder"].map(_ladder_label), "group": part["group"], "method": part["method"].map(METHOD_LABELS),
        "mae": (PCT * part["mae"]).round(2), "ratio": (part["mae"].to_numpy() / base.reindex(part["ladder"]).to_numpy()).round(3),
    })
    return out.sort_values(["group", "ladder", "method"]).reset_index(drop=True)


def median_summary(bt: bk.Backtest, horizon: str = "all") -> pd.DataFrame:
    """Per group x method: mean over ladders of the median absolute error and of the share off by > 25 points."""
    records = []
    for name, fc in bt.forecasts.items():
        mask = bk.horizon_mask(fc.series.sizes, horizon, fc.min_prefix)[None] & fc.valid
        for m in fc.methods:
            e = np.abs(fc.errors(m)[mask])
            records.append({"ladder": name, "group": fc.series.group, "method": m,
                            "median_ae": float(np.median(e)), "share_over_25": float((e > 0.25).mean())})
    return pd.DataFrame.from_records(records).groupby(["group", "method"], as_index=False)[["median_ae", "share_over_25"]].mean()


def sigmoid_diagnostics(bt: bk.Backtest) -> pd.DataFrame:
    """Per group x sigmoid method: fits, converged, midpoint beyond the largest fitted size, degenerate."""
    records = []
    for fc in bt.forecasts.values():
        for m, d in fc.diagnostics.items():
            if len(d):
                records.append({"group": fc.series.group, "method": m, "fits": len(d), "converged": int(d[:, 0].sum()),
                                "beyond": int(d[:, 2].sum()), "degenerate": int(d[:, 3].sum())})
    out = pd.DataFrame.from_records(records).groupby(["group", "method"], as_index=False).sum()
    for column in ("converged", "beyond", "degenerate"):
        out[f"share_{column}"] = out[column] / out["fits"]
    return out


def palm_display(bt: bk.Backtest) -> pd.DataFrame:
    """PaLM 540B forecast from 8B and 62B, MAE (pp) per method and ladder."""
    part = bt.table[bt.table["horizon"] == "next"]
    out = part.assign(cell=[_ci(r.mae, r.ci_low, r.ci_high) for r in part.itertuples()])
    wide = out.pivot_table(index=["ladder", "n_tasks"], columns="method", values="cell", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METHODS if m in wide.columns]).reset_index()
    wide["ladder"] = wide["ladder"].map(_ladder_label)
    wide = wide.rename(columns={"ladder": "Ladder", "n_tasks": "Tasks", **METHOD_LABELS})
    wide.columns.name = None
    return wide.sort_values("Ladder").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Published anchors


@dataclass(frozen=True)
class Anchor:
    """A published forecast error to set beside ours (their figure as the paper reports it)."""

    study: str
    target: str
    reach: str
    their_error: str
    our_target: str
    differs: str


ANCHORS = (
    Anchor("Owen 2024 (Epoch)", "BIG-Bench Hard average, 11 model architectures",
           "one order of magnitude of compute", "about 6 points MAE",
           "BIG-G ladder average, line in log N, ≥10× larger",
           "one family and its own recipe here; Owen's fit spans families, by compute rather than parameters"),
    Anchor("Owen 2024 (Epoch)", "single BIG-bench tasks", "one order of magnitude of compute",
           "about 18 points MAE", "BIG-G per task, per-task sigmoid, ≥10× larger",
           "the same contrast of average and task; our per-task errors include tasks that never leave chance"),
    Anchor("Bhagia et al. 2024 (OLMo ladder)", "4 ranked-classification tasks, OLMo 7B and 13B",
           "ladder of models at 1% of the target's compute", "within 2 points",
           "standard-benchmark tasks off chance, fitted level + family trend, ≥10× larger",
           "a ladder designed for the forecast, a two-step loss-to-accuracy fit, and chosen tasks"),
    Anchor("Bhagia et al. 2024 (OLMo ladder)", "4 further tasks of higher variance", "as above",
           "6.9 points mean absolute error", "standard benchmarks per task, fitted level + family trend, ≥10× larger",
           "their four noisier tasks against all of ours, most of which sit near chance"),
    Anchor("Gadre et al. 2024 (open_lm)", "average top-1 error over 17 tasks, 1.4B and 6.9B models",
           "fits on runs with 20× less compute", "reported as relative error of the average, not in points",
           "standard-benchmark ladder averages, line in log N, ≥10× larger",
           "a loss-to-error power law fitted across many token budgets; we extrapolate scores in size only"),
)


def anchors_display(avg_agg: pd.DataFrame, agg_by_ladder: pd.DataFrame, moving: pd.DataFrame, agg: pd.DataFrame,
                    avg_by_ladder: pd.DataFrame, bigg: str) -> pd.DataFrame:
    """The published figures beside our closest comparable ones (MAE in points, 95% intervals)."""
    ours = [
        _cell(avg_by_ladder, bigg, "ge_10x", "linear_log_n", by="ladder"),
        _cell(agg_by_ladder, bigg, "ge_10x", "sigmoid", by="ladder"),
        _cell(moving, GROUP_STANDARD, "ge_10x", "fitted_family_trend"),
        _cell(agg, GROUP_STANDARD, "ge_10x", "fitted_family_trend"),
        _cell(avg_agg, GROUP_STANDARD, "ge_10x", "linear_log_n"),
    ]
    return pd.DataFrame({
        "Study": [a.study for a in ANCHORS], "Their target": [a.target for a in ANCHORS], "Reach": [a.reach for a in ANCHORS],
        "Their error": [a.their_error for a in ANCHORS], "Our closest figure": [a.our_target for a in ANCHORS],
        "Ours (MAE, points)": ours, "How our setting differs": [a.differs for a in ANCHORS],
    })


# --------------------------------------------------------------------------------------------
# Facts for prose


@dataclass(frozen=True)
class Facts:
    """Every number the chapter's prose prints, formatted."""

    n_ladders: str
    n_tasks: str
    n_methods: str
    n_boot: str
    n_fast_methods: str
    palm_tasks_low: str
    palm_tasks_high: str
    # headline, standard benchmarks
    last_next: str
    last_far: str
    best_next_label: str
    best_next: str
    gain_next: str
    gain_next_ci: str
    skill_next: str
    best_far_label: str
    gain_far: str
    gain_far_ci: str
    skill_far: str
    floor_next: str
    floor_far: str
    mean_two_next: str
    noise_next: str
    noise_far: str
    family_next: str
    fitted_next: str
    fitted_far: str
    family_far: str
    momentum_next: str
    momentum_far: str
    linear_next: str
    linear_far: str
    last_short: str
    last_long: str
    inv_last_next: str
    inv_last_far: str
    inv_best_next_label: str
    inv_best_next: str
    rise_seen: str
    inv_best_far_label: str
    inv_floor_next: str
    # wins
    n_ladders_next: str
    n_ladders_next_std: str
    n_ladders_next_inv: str
    n_ladders_far: str
    wins_next_trend: str
    wins_next_trend_std: str
    wins_next_last_inv: str
    wins_next_cheap: str
    wins_next_other: str
    wins_far_trend: str
    wins_far_cheap: str
    close_calls_next: str
    # regimes
    mmlu_tasks: str
    harness_tasks: str
    share_near_next: str
    near_last_next: str
    near_floor_next: str
    moving_last_next: str
    moving_fitted_next: str
    moving_floor_next: str
    moving_last_far: str
    moving_fitted_far: str
    moving_gain_far: str
    moving_gain_far_ci: str
    # ladder averages
    avg_last_far: str
    avg_line_far: str
    avg_gain_far: str
    avg_gain_far_ci: str
    pythia_avg_last_far: str
    pythia_avg_line_far: str
    bigg_avg_last_far: str
    bigg_avg_line_far: str
    # intervals
    cov_last_next: str
    cov_fitted_next: str
    cov_last_two: str
    cov_inv_last_next: str
    # sigmoids
    sigmoid_next: str
    sigmoid_median: str
    last_median: str
    sigmoid_over_25: str
    last_over_25: str
    sigmoid_beyond: str
    sigmoid_fits: str
    sigmoid_degenerate: str
    pooled_degenerate: str
    pooled_next: str
    pooled_far: str
    inv_pooled_converged: str
    inv_pooled_fits: str
    inv_pooled_next: str
    # robustness
    norm_last_next: str
    norm_best_next_label: str
    norm_gain_next: str
    norm_best_far_label: str
    norm_gain_far: str
    palm_bbl_last: str
    palm_bbl_best_label: str
    palm_bbl_best: str
    palm_nlu0_label: str
    palm_nlu0: str
    palm_nlu1_label: str
    palm_nlu1: str
    palm_nlufew_label: str
    palm_nlufew: str
    # anchors
    bigg_avg_line_vs_owen: str
    bigg_sigmoid_far: str
    owen_average: str
    owen_tasks: str
    bhagia_good: str
    bhagia_rest: str
    bhagia_reach: str
    gadre_target: str
    gadre_reach: str
    n_harness_ladders: str
    n_inverse_tasks: str
    near_last_far: str  # tasks at chance, standard benchmarks, >= 10x ahead
    near_floor_far: str
    inv_near_last_next: str  # tasks at chance, Inverse Scaling Prize, next size
    inv_near_floor_next: str
    inv_avg_last_next: str  # ladder averages on the Inverse Scaling Prize series
    inv_avg_line_next: str
    inv_avg_last_far: str
    inv_avg_line_far: str
    n_pythia_std: str  # Pythia and Pythia-deduped ladders among the standard benchmarks
    bigg_next_winner: str
    bloom_next_winner: str
    palm_bbl_momentum_gain: str  # last value minus momentum on PaLM's BIG-bench Lite, paired interval
    palm_bbl_linear: str
    answer: str


@dataclass
class Chapter:
    """The chapter's facts, display tables and chart data."""

    facts: Facts
    inventory: pd.DataFrame
    headline_table: pd.DataFrame
    family_table: pd.DataFrame
    family_table_far: pd.DataFrame
    regime_table: pd.DataFrame
    average_table: pd.DataFrame
    coverage_table: pd.DataFrame
    anchors_table: pd.DataFrame
    palm_table: pd.DataFrame
    curve: pd.DataFrame
    grid: pd.DataFrame


def _best(agg: pd.DataFrame, group: str, horizon: str, by: str = "group") -> str:
    part = agg[(agg[by] == group) & (agg["horizon"] == horizon)]
    return str(part.set_index("method")["mae"].idxmin())


def _winner(win: pd.DataFrame, ladder: str, horizon: str) -> str:
    return str(win[(win["ladder"] == ladder) & (win["horizon"] == horizon)]["winner"].iloc[0])


def _ladders(bt: bk.Backtest, group: str, horizon: str) -> list[str]:
    t = bt.table
    return sorted(set(t[(t["group"] == group) & (t["horizon"] == horizon)]["ladder"]))


def answer_text(std_next: dict, std_far: dict, avg_far: dict, inv_next: dict, inv_mae: float) -> str:
    """The chapter's answer, chosen from the comparisons (each dict: method, label, diff = MAE(last
    value) - MAE(method) with its interval ci_low/ci_high, and skill = diff / MAE(last value))."""
    def beats(d):
        return d["method"] != "last_value" and d["ci_low"] > 0

    if beats(std_next) and beats(std_far):
        lead = (f"Per task, only a little: the best method ({std_next['label']}) beats carrying the last score forward "
                f"by {fmt.num(PCT * std_next['diff'], 2)} points at the next size ({fmt.pct(std_next['skill'])} less error) "
                f"and the best ten or more times ahead ({std_far['label']}) by {fmt.num(PCT * std_far['diff'], 1)} points "
                f"({fmt.pct(std_far['skill'])} less error)")
    elif beats(std_next) or beats(std_far):
        lead = "Per task, hardly: a trend method beats carrying the last score forward at one horizon only"
    else:
        lead = "Per task, no: no method beats carrying each task's last score forward"
    avg = (f"; on the standard benchmarks, averaged over a ladder's tasks, a line in log N cuts the error ten or more "
           f"times ahead by {fmt.num(PCT * avg_far['diff'], 1)} points "
           f"(95% CI {fmt.ci(PCT * avg_far['ci_low'], PCT * avg_far['ci_high'], 1)}; {fmt.pct(avg_far['skill'])})"
           if beats(avg_far) else
           "; on the standard benchmarks, averaged over a ladder's tasks, a line in log N does not beat last value either")
    inverse = (f"the {inv_next['label']} beats last value" if beats(inv_next) else "no method beats last value")
    tail = (f"; on the Inverse Scaling Prize tasks, chosen because their scores break the usual trend, {inverse}, "
            f"and the best misses the next size by {fmt.num(PCT * inv_mae, 0)} points on average.")
    return lead + avg + tail


def chapter(n_boot: int = N_BOOT) -> Chapter:
    """Run the chapter's backtests and assemble its facts and tables."""
    series = backtest_ladders()
    horizons = bk.HORIZONS + bk.RATIO_LABELS
    bt = bk.run_backtest(series["headline"], METHODS, horizons, n_boot=n_boot, keep_forecasts=True,
                         regime_horizons=("next", "ge_10x"))
    bt_norm = bk.run_backtest(series["acc_norm"], METHODS, bk.HORIZONS, n_boot=n_boot, regime_horizons=())
    two_size = tuple(m for m in METHODS if m not in bk.SIGMOID_METHODS)
    bt_palm = bk.run_backtest(series["palm"], two_size, ("next",), min_prefix=2, n_boot=n_boot, regime_horizons=())
    bt_avg = bk.average_backtest(series["headline"], horizons=bk.HORIZONS, n_boot=n_boot)
    agg = bk.aggregate(bt)
    agg_ladder = bt.table  # per-ladder rows already carry their intervals
    agg_norm = bk.aggregate(bt_norm)
    agg_avg = bk.aggregate(bt_avg)
    agg_avg_ladder = bt_avg.table
    by_regime = {r: bk.aggregate(bt, regime=r) for r in bk.REGIMES}
    agg_palm = bt_palm.table
    win = bk.winners(bt, by="ladder", horizons=("next", "ge_10x"))
    coverage = pd.concat([bk.interval_coverage(bt, m, steps, n_boot=n_boot) for m in INTERVAL_METHODS for steps in (1, 2)])
    cov = bk.coverage_by_group(coverage)
    medians = median_summary(bt)
    diag = sigmoid_diagnostics(bt)

    def mae(g, h, m, table=agg, by="group"):
        return _cell(table, g, h, m, by)

    def comparison(group, horizon, table_bt, table_agg):
        best = _best(table_agg, group, horizon)
        c = bk.compare(table_bt, "last_value", best, horizon, _ladders(table_bt, group, horizon)) if best != "last_value" else \
            {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0}
        last = float(_row(table_agg, group, horizon, "last_value")["mae"])
        return c | {"method": best, "label": METHOD_LABELS[best], "skill": c["diff"] / last}

    std_next = comparison(GROUP_STANDARD, "next", bt, agg)
    std_far = comparison(GROUP_STANDARD, "ge_10x", bt, agg)
    norm_next = comparison(GROUP_STANDARD, "next", bt_norm, agg_norm)
    norm_far = comparison(GROUP_STANDARD, "ge_10x", bt_norm, agg_norm)
    avg_ladders = _ladders(bt_avg, GROUP_STANDARD, "ge_10x")
    avg_c = bk.compare(bt_avg, "last_value", "linear_log_n", "ge_10x", avg_ladders)
    avg_far = avg_c | {"method": "linear_log_n", "label": METHOD_LABELS["linear_log_n"],
                       "skill": avg_c["diff"] / float(_row(agg_avg, GROUP_STANDARD, "ge_10x", "last_value")["mae"])}
    moving = by_regime["moving"]
    moving_ladders = sorted(set(bt.regimes[(bt.regimes["regime"] == "moving") & (bt.regimes["group"] == GROUP_STANDARD)
                                           & (bt.regimes["horizon"] == "ge_10x")]["ladder"]))
    moving_c = bk.compare(bt, "last_value", "fitted_family_trend", "ge_10x", moving_ladders, regime="moving")

    near_n = by_regime["near_chance"]
    near_next_n = int(_row(near_n, GROUP_STANDARD, "next", "last_value")["n"])
    all_next_n = int(_row(agg, GROUP_STANDARD, "next", "last_value")["n"])
    harness = next(s for s in series["headline"] if s.key.get("benchmark") == "lm_eval_harness")
    bigg = next(s.name for s in series["headline"] if s.key.get("benchmark") == "bigbench")
    pythia = next(s.name for s in series["headline"] if s.name.startswith("Pythia · lm_eval_harness · 0-shot"))

    def wins(h, methods, group=None):
        w = win[(win["horizon"] == h) & win["winner"].isin(methods)]
        if group is not None:
            w = w[w["ladder"].isin(_ladders(bt, group, h))]
        return fmt.count(len(w))

    trend = ("family_trend", "fitted_family_trend")
    cheap = ("last_value", "mean_last_two", "noise_aware_level")
    other = ("momentum", "linear_log_n", "sigmoid", "pooled_sigmoid")

    def cov_cell(group, method, steps):
        r = cov[(cov["group"] == group) & (cov["method"] == method) & (cov["steps"] == steps)].iloc[0]
        return fmt.estimate(PCT * r["coverage"], PCT * r["ci_low"], PCT * r["ci_high"], 0)

    def dg(group, method, column):
        return float(diag[(diag["group"] == group) & (diag["method"] == method)][column].iloc[0])

    def md(group, method, column="median_ae"):
        return float(medians[(medians["group"] == group) & (medians["method"] == method)][column].iloc[0])

    def palm(benchmark, prompting):
        name = next(l for l in agg_palm["ladder"].unique() if l.startswith(f"PaLM · {benchmark} · {prompting}"))
        best = _best(agg_palm, name, "next", by="ladder")
        return METHOD_LABELS[best], _cell(agg_palm, name, "next", best, by="ladder"), name

    bbl_label, bbl_best, bbl_name = palm("bigbench_lite", "5-shot")
    nlu = {p: palm("english_nlu", p) for p in ("0-shot", "1-shot", "few-shot")}
    palm_tasks = [len(s.tasks) for s in series["palm"]]
    palm_momentum = bk.compare(bt_palm, "last_value", "momentum", "next", [bbl_name])
    bloom = next(s.name for s in series["headline"] if s.name.startswith("BLOOM"))
    inv_best_next = _best(agg, GROUP_INVERSE, "next")
    facts = Facts(
        n_ladders=fmt.count(len(series["headline"])),
        n_tasks=f"{sum(len(s.tasks) for s in series['headline']):,}",
        n_methods=fmt.count(len(METHODS)),
        n_boot=f"{n_boot:,}",
        n_fast_methods=fmt.count(len(two_size)),
        palm_tasks_low=fmt.count(min(palm_tasks)),
        palm_tasks_high=fmt.count(max(palm_tasks)),
        last_next=mae(GROUP_STANDARD, "next", "last_value"),
        last_far=mae(GROUP_STANDARD, "ge_10x", "last_value"),
        best_next_label=std_next["label"],
        best_next=mae(GROUP_STANDARD, "next", std_next["method"]),
        gain_next=fmt.num(PCT * std_next["diff"], 2),
        gain_next_ci=fmt.ci(PCT * std_next["ci_low"], PCT * std_next["ci_high"], 2),
        skill_next=fmt.pct(std_next["skill"]),
        best_far_label=std_far["label"],
        gain_far=fmt.num(PCT * std_far["diff"], 1),
        gain_far_ci=fmt.ci(PCT * std_far["ci_low"], PCT * std_far["ci_high"], 1),
        skill_far=fmt.pct(std_far["skill"]),
        floor_next=_ci(*_row(agg, GROUP_STANDARD, "next", "last_value")[["floor", "floor_low", "floor_high"]]),
        floor_far=_ci(*_row(agg, GROUP_STANDARD, "ge_10x", "last_value")[["floor", "floor_low", "floor_high"]]),
        mean_two_next=mae(GROUP_STANDARD, "next", "mean_last_two"),
        noise_next=mae(GROUP_STANDARD, "next", "noise_aware_level"),
        noise_far=mae(GROUP_STANDARD, "ge_10x", "noise_aware_level"),
        family_next=mae(GROUP_STANDARD, "next", "family_trend"),
        fitted_next=mae(GROUP_STANDARD, "next", "fitted_family_trend"),
        fitted_far=mae(GROUP_STANDARD, "ge_10x", "fitted_family_trend"),
        family_far=mae(GROUP_STANDARD, "ge_10x", "family_trend"),
        momentum_next=mae(GROUP_STANDARD, "next", "momentum"),
        momentum_far=mae(GROUP_STANDARD, "ge_10x", "momentum"),
        linear_next=mae(GROUP_STANDARD, "next", "linear_log_n"),
        linear_far=mae(GROUP_STANDARD, "ge_10x", "linear_log_n"),
        last_short=mae(GROUP_STANDARD, "<3×", "last_value"),
        last_long=mae(GROUP_STANDARD, "≥100×", "last_value"),
        inv_last_next=mae(GROUP_INVERSE, "next", "last_value"),
        inv_last_far=mae(GROUP_INVERSE, "ge_10x", "last_value"),
        inv_best_next_label=METHOD_LABELS[inv_best_next],
        inv_best_next=mae(GROUP_INVERSE, "next", inv_best_next),
        rise_seen=fmt.pct(STATE_LOW),
        inv_best_far_label=METHOD_LABELS[_best(agg, GROUP_INVERSE, "ge_10x")],
        inv_floor_next=_ci(*_row(agg, GROUP_INVERSE, "next", "last_value")[["floor", "floor_low", "floor_high"]]),
        n_ladders_next=fmt.count(int(bt.table[bt.table["horizon"] == "next"]["ladder"].nunique())),
        n_ladders_next_std=fmt.count(len(_ladders(bt, GROUP_STANDARD, "next"))),
        n_ladders_next_inv=fmt.count(len(_ladders(bt, GROUP_INVERSE, "next"))),
        n_ladders_far=fmt.count(int(bt.table[bt.table["horizon"] == "ge_10x"]["ladder"].nunique())),
        wins_next_trend=wins("next", trend),
        wins_next_trend_std=wins("next", trend, GROUP_STANDARD),
        wins_next_last_inv=wins("next", cheap, GROUP_INVERSE),
        wins_next_cheap=wins("next", cheap),
        wins_next_other=wins("next", other),
        wins_far_trend=wins("ge_10x", trend),
        wins_far_cheap=wins("ge_10x", cheap),
        close_calls_next=fmt.count(int((win[win["horizon"] == "next"]["margin_low"] <= 0).sum())),
        mmlu_tasks=fmt.count(sum(t.startswith(MMLU_PREFIX) for t in harness.tasks)),
        harness_tasks=fmt.count(len(harness.tasks)),
        share_near_next=fmt.pct(near_next_n / all_next_n),
        near_last_next=mae(GROUP_STANDARD, "next", "last_value", near_n),
        near_floor_next=_ci(*_row(near_n, GROUP_STANDARD, "next", "last_value")[["floor", "floor_low", "floor_high"]]),
        moving_last_next=mae(GROUP_STANDARD, "next", "last_value", moving),
        moving_fitted_next=mae(GROUP_STANDARD, "next", "fitted_family_trend", moving),
        moving_floor_next=_ci(*_row(moving, GROUP_STANDARD, "next", "last_value")[["floor", "floor_low", "floor_high"]]),
        moving_last_far=mae(GROUP_STANDARD, "ge_10x", "last_value", moving),
        moving_fitted_far=mae(GROUP_STANDARD, "ge_10x", "fitted_family_trend", moving),
        moving_gain_far=fmt.num(PCT * moving_c["diff"], 1),
        moving_gain_far_ci=fmt.ci(PCT * moving_c["ci_low"], PCT * moving_c["ci_high"], 1),
        avg_last_far=mae(GROUP_STANDARD, "ge_10x", "last_value", agg_avg),
        avg_line_far=mae(GROUP_STANDARD, "ge_10x", "linear_log_n", agg_avg),
        avg_gain_far=fmt.num(PCT * avg_c["diff"], 1),
        avg_gain_far_ci=fmt.ci(PCT * avg_c["ci_low"], PCT * avg_c["ci_high"], 1),
        pythia_avg_last_far=_cell(agg_avg_ladder, pythia, "ge_10x", "last_value", by="ladder"),
        pythia_avg_line_far=_cell(agg_avg_ladder, pythia, "ge_10x", "linear_log_n", by="ladder"),
        bigg_avg_last_far=_cell(agg_avg_ladder, bigg, "ge_10x", "last_value", by="ladder"),
        bigg_avg_line_far=_cell(agg_avg_ladder, bigg, "ge_10x", "linear_log_n", by="ladder"),
        cov_last_next=cov_cell(GROUP_STANDARD, "last_value", 1),
        cov_fitted_next=cov_cell(GROUP_STANDARD, "fitted_family_trend", 1),
        cov_last_two=cov_cell(GROUP_STANDARD, "last_value", 2),
        cov_inv_last_next=cov_cell(GROUP_INVERSE, "last_value", 1),
        sigmoid_next=mae(GROUP_STANDARD, "next", "sigmoid"),
        sigmoid_median=fmt.num(PCT * md(GROUP_STANDARD, "sigmoid"), 1),
        last_median=fmt.num(PCT * md(GROUP_STANDARD, "last_value"), 1),
        sigmoid_over_25=fmt.pct(md(GROUP_STANDARD, "sigmoid", "share_over_25")),
        last_over_25=fmt.pct(md(GROUP_STANDARD, "last_value", "share_over_25"), 1),
        sigmoid_beyond=fmt.pct(dg(GROUP_STANDARD, "sigmoid", "share_beyond")),
        sigmoid_fits=f"{int(dg(GROUP_STANDARD, 'sigmoid', 'fits')):,}",
        sigmoid_degenerate=fmt.pct(dg(GROUP_STANDARD, "sigmoid", "share_degenerate")),
        pooled_degenerate=fmt.pct(dg(GROUP_STANDARD, "pooled_sigmoid", "share_degenerate")),
        pooled_next=mae(GROUP_STANDARD, "next", "pooled_sigmoid"),
        pooled_far=mae(GROUP_STANDARD, "ge_10x", "pooled_sigmoid"),
        inv_pooled_converged=fmt.pct(dg(GROUP_INVERSE, "pooled_sigmoid", "share_converged")),
        inv_pooled_fits=f"{int(dg(GROUP_INVERSE, 'pooled_sigmoid', 'fits')):,}",
        inv_pooled_next=mae(GROUP_INVERSE, "next", "pooled_sigmoid"),
        norm_last_next=mae(GROUP_STANDARD, "next", "last_value", agg_norm),
        norm_best_next_label=norm_next["label"],
        norm_gain_next=fmt.estimate(PCT * norm_next["diff"], PCT * norm_next["ci_low"], PCT * norm_next["ci_high"], 2),
        norm_best_far_label=norm_far["label"],
        norm_gain_far=fmt.estimate(PCT * norm_far["diff"], PCT * norm_far["ci_low"], PCT * norm_far["ci_high"], 1),
        palm_bbl_last=_cell(agg_palm, bbl_name, "next", "last_value", by="ladder"),
        palm_bbl_best_label=bbl_label,
        palm_bbl_best=bbl_best,
        palm_nlu0_label=nlu["0-shot"][0],
        palm_nlu0=nlu["0-shot"][1],
        palm_nlu1_label=nlu["1-shot"][0],
        palm_nlu1=nlu["1-shot"][1],
        palm_nlufew_label=nlu["few-shot"][0],
        palm_nlufew=nlu["few-shot"][1],
        bigg_avg_line_vs_owen=_cell(agg_avg_ladder, bigg, "ge_10x", "linear_log_n", by="ladder"),
        bigg_sigmoid_far=_cell(agg_ladder, bigg, "ge_10x", "sigmoid", by="ladder"),
        owen_average=ANCHORS[0].their_error,
        owen_tasks=ANCHORS[1].their_error,
        bhagia_good=ANCHORS[2].their_error,
        bhagia_rest=ANCHORS[3].their_error,
        bhagia_reach=ANCHORS[2].reach,
        gadre_target=ANCHORS[4].target,
        gadre_reach=ANCHORS[4].reach,
        n_harness_ladders=fmt.count(sum(s.key.get("benchmark") == "lm_eval_harness" for s in series["headline"])),
        n_inverse_tasks=fmt.count(len(next(s for s in series["headline"] if s.group == GROUP_INVERSE).tasks)),
        near_last_far=mae(GROUP_STANDARD, "ge_10x", "last_value", near_n),
        near_floor_far=_ci(*_row(near_n, GROUP_STANDARD, "ge_10x", "last_value")[["floor", "floor_low", "floor_high"]]),
        inv_near_last_next=mae(GROUP_INVERSE, "next", "last_value", near_n),
        inv_near_floor_next=_ci(*_row(near_n, GROUP_INVERSE, "next", "last_value")[["floor", "floor_low", "floor_high"]]),
        inv_avg_last_next=mae(GROUP_INVERSE, "next", "last_value", agg_avg),
        inv_avg_line_next=mae(GROUP_INVERSE, "next", "linear_log_n", agg_avg),
        inv_avg_last_far=mae(GROUP_INVERSE, "ge_10x", "last_value", agg_avg),
        inv_avg_line_far=mae(GROUP_INVERSE, "ge_10x", "linear_log_n", agg_avg),
        n_pythia_std=fmt.count(sum(l.startswith("Pythia") for l in _ladders(bt, GROUP_STANDARD, "next"))),
        bigg_next_winner=METHOD_LABELS[_winner(win, bigg, "next")],
        bloom_next_winner=METHOD_LABELS[_winner(win, bloom, "next")],
        palm_bbl_momentum_gain=fmt.estimate(PCT * palm_momentum["diff"], PCT * palm_momentum["ci_low"],
                                            PCT * palm_momentum["ci_high"], 1),
        palm_bbl_linear=_cell(agg_palm, bbl_name, "next", "linear_log_n", by="ladder"),
        answer=answer_text(std_next, std_far, avg_far, comparison(GROUP_INVERSE, "next", bt, agg),
                           float(_row(agg, GROUP_INVERSE, "next", inv_best_next)["mae"])),
    )
    return Chapter(
        facts=facts,
        inventory=ladder_inventory(series["headline"]),
        headline_table=headline_display(agg),
        family_table=family_display(bt, win, "next"),
        family_table_far=family_display(bt, win, "ge_10x"),
        regime_table=regime_display({"near_chance": by_regime["near_chance"], "moving": moving}),
        average_table=average_display(agg_avg, agg),
        coverage_table=coverage_display(cov),
        anchors_table=anchors_display(agg_avg, agg_ladder, moving, agg, agg_avg_ladder, bigg),
        palm_table=palm_display(bt_palm),
        curve=ratio_curve(agg),
        grid=relative_grid(bt, "next"),
    )
