"""Chapter "Measured noise": the OLMo ladder's reruns measure the noise that Chapter 3 could only model.

The OLMo ladder (Bhagia et al. 2024) trains 5 sizes at 5 data multipliers and retrains each size's
1x run once. That gives, per task:

- run-to-run variance of a score: a rerun's score minus the original's, d, on the same items, so
  Var(one score) = E[d²] / 2 (pooled over the five sizes);
- binomial variance p(1 − p)/n from the item counts (what a fresh sample of items would change);
- the spread over a run's last checkpoints (the paper's SD over the last 10 evaluations).

The gain regressions of Chapter 1 are then run where one factor changes at a time (size at a
fixed tokens-per-parameter ratio, data at a fixed size, size at roughly fixed tokens), on accuracy
and on bits per byte of the correct answer, and Chapter 3's lag decomposition
(`noise.lag_covariances`, `noise.noise_estimates`) is checked against the measured noise.

Every interval resamples the tasks jointly: one bootstrap draw of tasks is used for every size,
ladder, triple and metric, because the same tasks appear in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import data, fmt, noise, stats

# The paper's convention: the test split where one exists, else val (13 item sets, no overlap).
PRIMARY_TASKS = (
    "arc_challenge_test",
    "arc_easy_test",
    "boolq_val",
    "csqa_val",
    "hellaswag_val",
    "mmlu_humanities_test",
    "mmlu_other_test",
    "mmlu_social_sciences_test",
    "mmlu_stem_test",
    "openbookqa_test",
    "piqa_val",
    "socialiqa_val",
    "winogrande_val",
)
# BoolQ's reruns differ by up to 8 points (15 times its binomial variance): one task would set the
# pooled noise of all. The regressions and the noise ceiling use the other twelve.
NOISY_TASK = "boolq_val"
REGRESSION_TASKS = tuple(t for t in PRIMARY_TASKS if t != NOISY_TASK)
LAST_CHECKPOINTS = 10  # the paper's variance table uses the last 10 evaluations of a run
DIAGONAL_MAX_SPREAD = 1.6  # runs on one "fixed tokens" ladder differ by at most this factor in tokens
METRICS = {"accuracy": "preferred", "bpb": "bpb"}
AXES = {
    "size": "size at a fixed tokens-per-parameter ratio",
    "data": "data at a fixed size",
    "diagonal": "size at roughly fixed tokens",
}
OPEN_LM_DATASETS = ("C4", "RedPajama", "RefinedWeb")


# --------------------------------------------------------------------------------------------
# Tables of the ladder
# --------------------------------------------------------------------------------------------


def runs_table(final: pd.DataFrame) -> pd.DataFrame:
    """One row per run: model, n_params, data_multiplier, run, training tokens and 6ND."""
    cols = ["model", "n_params", "data_multiplier", "run", "training_tokens", "training_flops"]
    return final.drop_duplicates("model")[cols].sort_values(["n_params", "data_multiplier", "run"]).reset_index(drop=True)


def score_wide(frame: pd.DataFrame, metric: str, tasks=PRIMARY_TASKS) -> pd.DataFrame:
    """Runs x tasks table of one metric ('accuracy' or 'bpb') at the rows given."""
    rows = frame[(frame["metric"] == METRICS[metric]) & frame["task"].isin(tasks)]
    return rows.pivot_table(index="model", columns="task", values="score", aggfunc="first")[list(tasks)]


def item_counts(final: pd.DataFrame, tasks=PRIMARY_TASKS) -> pd.Series:
    rows = final[(final["metric"] == "preferred") & final["task"].isin(tasks)]
    return rows.groupby("task")["n_items"].first().reindex(list(tasks)).astype(float)


@dataclass(frozen=True)
class Ladder:
    """One sequence of runs in which one factor changes (or both, at a fixed ratio)."""

    axis: str
    label: str
    models: tuple[str, ...]

    @property
    def identity(self) -> str:
        return f"olmo_ladder:{self.axis}:{self.label}"


def controlled_ladders(runs: pd.DataFrame) -> list[Ladder]:
    """Size ladders at each multiplier, data ladders at each size, and the fixed-token diagonals."""
    original = runs[runs["run"] == 0]
    sizes = sorted(original["n_params"].unique())
    multipliers = sorted(original["data_multiplier"].unique())
    by_cell = original.set_index(["n_params", "data_multiplier"])["model"]
    tokens = original.set_index(["n_params", "data_multiplier"])["training_tokens"]
    out = []
    for m in multipliers:
        out.append(Ladder("size", f"{m:g}×", tuple(by_cell[(n, m)] for n in sizes)))
    for n in sizes:
        out.append(Ladder("data", str(by_cell[(n, multipliers[0])]).split("-")[0], tuple(by_cell[(n, m)] for m in multipliers)))
    # Anti-diagonals: one size up and one multiplier down keeps the tokens (20·m·N) nearly fixed.
    for total in range(len(sizes) + len(multipliers) - 1):
        chain = [(sizes[i], multipliers[total - i]) for i in range(len(sizes)) if 0 <= total - i < len(multipliers)]
        if len(chain) < 3:
            continue
        spread = max(tokens[c] for c in chain) / min(tokens[c] for c in chain)
        if spread <= DIAGONAL_MAX_SPREAD:
            label = f"≈{np.median([tokens[c] for c in chain]) / 1e9:.0f}B tokens"
            out.append(Ladder("diagonal", label, tuple(by_cell[c] for c in chain)))
    return out


SIZE_LABELS = {"190M": "190M", "370M": "370M", "760M": "760M", "1B": "1.3B", "3B": "3.2B"}  # file label -> paper label


def size_of(model: str) -> str:
    return SIZE_LABELS[model.split("-")[0]]


def checkpoint_variance(checkpoints: pd.DataFrame, metric: str, last: int = LAST_CHECKPOINTS, ddof: int = 1,
                        tasks=PRIMARY_TASKS) -> pd.DataFrame:
    """Runs x tasks: variance of a score over each run's last `last` evaluated checkpoints."""
    rows = checkpoints[(checkpoints["metric"] == METRICS[metric]) & checkpoints["task"].isin(tasks)]
    steps = rows.drop_duplicates(["model", "step"])[["model", "step"]].sort_values(["model", "step"])
    kept = steps.groupby("model").tail(last)
    rows = rows.merge(kept, on=["model", "step"])
    return rows.groupby(["model", "task"])["score"].var(ddof=ddof).unstack()[list(tasks)]


# --------------------------------------------------------------------------------------------
# Every statistic of the chapter, batched over bootstrap draws of the tasks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderData:
    """Arrays the statistics need: scores (models x tasks) per metric, item counts, checkpoint variances."""

    models: tuple[str, ...]
    tasks: tuple[str, ...]
    scores: dict  # metric -> (models, tasks)
    n_items: np.ndarray  # (tasks,)
    checkpoint_var: dict  # metric -> (tasks,): mean over the 1x runs of the last-checkpoint variance
    pairs: tuple[tuple[int, int], ...]  # (original row, rerun row) per size
    ladders: tuple[Ladder, ...]

    def rows(self, ladder: Ladder) -> list[int]:
        return [self.models.index(m) for m in ladder.models]


def ladder_data(final: pd.DataFrame | None = None, checkpoints: pd.DataFrame | None = None, tasks=PRIMARY_TASKS) -> LadderData:
    """The arrays of `_statistics` for the given tasks (all 13 primary task/splits by default)."""
    tasks = tuple(tasks)
    final = data.load_olmo_ladder() if final is None else final
    checkpoints = data.load_olmo_ladder_checkpoints() if checkpoints is None else checkpoints
    runs = runs_table(final)
    models = tuple(runs["model"])
    scores = {metric: score_wide(final, metric, tasks).reindex(list(models)).to_numpy(dtype=float) for metric in METRICS}
    one_x = runs[runs["data_multiplier"] == 1.0]
    pairs = []
    for _, group in one_x.groupby("n_params"):
        original = group.loc[group["run"] == 0, "model"].iloc[0]
        rerun = group.loc[group["run"] == 1, "model"].iloc[0]
        pairs.append((models.index(original), models.index(rerun)))
    checkpoint_var = {
        metric: checkpoint_variance(checkpoints[checkpoints["model"].isin(one_x["model"])], metric, tasks=tasks).mean(axis=0).to_numpy(dtype=float)
        for metric in METRICS
    }
    return LadderData(models, tasks, scores, item_counts(final, tasks).to_numpy(), checkpoint_var, tuple(pairs),
                      tuple(controlled_ladders(runs)))


def _gains(scores: np.ndarray, rows: list[int], metric: str) -> np.ndarray:
    """(..., tasks, steps) gains along one ladder; BPB gains are sign-flipped so that progress is positive."""
    sign = -1.0 if metric == "bpb" else 1.0
    ladder_scores = sign * scores[..., rows, :]  # (..., runs, tasks)
    return np.swapaxes(np.diff(ladder_scores, axis=-2), -1, -2)


def _statistics(ld: LadderData, index: np.ndarray) -> dict:
    """All statistics for task draws `index` (draws x tasks); row 0 of a point estimate is arange."""
    out: dict = {}
    n = ld.n_items[index]  # (B, T)
    orig = [p[0] for p in ld.pairs]
    rerun = [p[1] for p in ld.pairs]
    for metric in METRICS:
        s = np.moveaxis(ld.scores[metric][:, index], 0, 1)  # (B, models, T)
        d = s[:, rerun, :] - s[:, orig, :]
        var_run = (d**2 / 2).mean(axis=1)  # (B, T): variance of one score from retraining
        out[f"{metric}_run_var"] = var_run.mean(axis=1)
        out[f"{metric}_checkpoint_var"] = ld.checkpoint_var[metric][index].mean(axis=1)
        out[f"{metric}_checkpoint_over_run"] = out[f"{metric}_checkpoint_var"] / out[f"{metric}_run_var"]
        if metric == "accuracy":
            p = (s[:, rerun, :] + s[:, orig, :]) / 2
            binomial = (p * (1 - p) / n[:, None, :]).mean(axis=1)
            out["binomial_var"] = binomial.mean(axis=1)
            out["run_over_binomial"] = out["accuracy_run_var"] / out["binomial_var"]
            out["median_run_over_binomial"] = np.median(var_run / binomial, axis=1)
            out["median_checkpoint_over_run"] = np.median(ld.checkpoint_var[metric][index] / var_run, axis=1)
        sigma_sq = out[f"{metric}_run_var"]  # (B,)
        for axis in AXES:
            lag_v, rs, r2s, ceilings = [], [], [], []
            for ladder in ld.ladders:
                if ladder.axis != axis:
                    continue
                g = _gains(s, ld.rows(ladder), metric)  # (B, T, steps)
                if g.shape[-1] >= 3:
                    lag_v.append(noise.lag_covariances(g, 2))
                for k in range(g.shape[-1] - 1):
                    g1, g2 = g[..., k], g[..., k + 1]
                    r = stats.pearson_rows(g1, g2)
                    v1, v2 = g1.var(axis=-1, ddof=1), g2.var(axis=-1, ddof=1)
                    tau1, tau2 = np.clip(v1 - 2 * sigma_sq, 0, None), np.clip(v2 - 2 * sigma_sq, 0, None)
                    r_max = noise.observed_correlation(np.sqrt(tau1 * tau2), tau1, tau2, sigma_sq)
                    out[f"{metric}_{ladder.identity}_{k}_r"] = r
                    out[f"{metric}_{ladder.identity}_{k}_ceiling"] = np.clip(r_max, 0, None) ** 2
                    rs.append(r)
                    r2s.append(r**2)
                    ceilings.append(np.clip(r_max, 0, None) ** 2)
            out[f"{metric}_{axis}_mean_r"] = np.mean(rs, axis=0)
            out[f"{metric}_{axis}_mean_r2"] = np.mean(r2s, axis=0)
            out[f"{metric}_{axis}_ceiling"] = np.mean(ceilings, axis=0)
            out[f"{metric}_{axis}_triples"] = len(rs)
            if lag_v:
                v = np.mean(lag_v, axis=0)  # (B, 3): pooled over the axis's ladders
                est = noise.noise_estimates(v)
                out[f"{metric}_{axis}_lag_sigma_sq"] = est["sigma_sq"]
                out[f"{metric}_{axis}_lag_over_run"] = est["sigma_sq"] / sigma_sq
                out[f"{metric}_{axis}_rho_observed"] = est["rho_observed"]
                denominator = v[..., 0] - 2 * sigma_sq
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[f"{metric}_{axis}_rho_corrected"] = np.where(denominator > 0, (v[..., 1] + sigma_sq) / denominator, np.nan)
                out[f"{metric}_{axis}_lag_ladders"] = len(lag_v)
    for axis in AXES:
        out[f"{axis}_bpb_minus_accuracy_r"] = out[f"bpb_{axis}_mean_r"] - out[f"accuracy_{axis}_mean_r"]
    return out


def estimates(ld: LadderData, n_boot: int = stats.N_BOOT, level: float = stats.LEVEL) -> dict[str, tuple[float, float, float]]:
    """Every statistic as (estimate, low, high): percentile intervals over joint bootstrap draws of tasks."""
    t = len(ld.tasks)
    point = _statistics(ld, np.arange(t)[None, :])
    draws = stats.task_indices(t, n_boot, ("olmo_ladder", ld.tasks))
    boot = _statistics(ld, draws)
    out = {}
    for key, value in point.items():
        if isinstance(value, int):
            out[key] = (float(value), np.nan, np.nan)
            continue
        low, high = stats.percentile_interval(boot[key], level)
        out[key] = (float(np.asarray(value).ravel()[0]), low, high)
    return out


def task_noise_table(ld: LadderData, level: float = stats.LEVEL) -> pd.DataFrame:
    """Per task: run-to-run, binomial and last-checkpoint SD of an accuracy (chi-square interval for the run SD)."""
    from scipy import stats as sps

    s = ld.scores["accuracy"]
    orig = [p[0] for p in ld.pairs]
    rerun = [p[1] for p in ld.pairs]
    d = s[rerun] - s[orig]
    k = d.shape[0]
    var_run = (d**2 / 2).mean(axis=0)
    p = (s[rerun] + s[orig]) / 2
    binomial = (p * (1 - p) / ld.n_items).mean(axis=0)
    tail = (1 - level) / 2
    # Each d/√2 is one draw of N(0, σ²) under the model: k·var/σ² ~ χ²(k).
    low = np.sqrt(k * var_run / sps.chi2.ppf(1 - tail, k))
    high = np.sqrt(k * var_run / sps.chi2.ppf(tail, k))
    return pd.DataFrame(
        {
            "task": ld.tasks,
            "n_items": ld.n_items.astype(int),
            "run_sd": np.sqrt(var_run),
            "run_sd_low": low,
            "run_sd_high": high,
            "binomial_sd": np.sqrt(binomial),
            "checkpoint_sd": np.sqrt(ld.checkpoint_var["accuracy"]),
            "run_over_binomial": var_run / binomial,
        }
    )


def triple_table(ld: LadderData, est: dict) -> pd.DataFrame:
    """One row per consecutive triple of every controlled ladder and metric: r and the noise ceiling on R²."""
    records = []
    for metric in METRICS:
        for ladder in ld.ladders:
            for k in range(len(ladder.models) - 2):
                key = f"{metric}_{ladder.identity}_{k}"
                r, low, high = est[f"{key}_r"]
                ceiling, c_low, c_high = est[f"{key}_ceiling"]
                records.append(
                    {
                        "metric": metric,
                        "axis": ladder.axis,
                        "ladder": ladder.label if ladder.axis != "data" else SIZE_LABELS.get(ladder.label, ladder.label),
                        "triple": " → ".join(_run_label(m, ladder.axis) for m in ladder.models[k : k + 3]),
                        "r": r,
                        "r_low": low,
                        "r_high": high,
                        "r2": r**2,
                        "ceiling": ceiling,
                        "ceiling_low": c_low,
                        "ceiling_high": c_high,
                    }
                )
    return pd.DataFrame(records)


def _run_label(model: str, axis: str) -> str:
    size, multiplier = size_of(model), model.split("-")[1].replace("xC", "×")
    return {"size": size, "data": multiplier}.get(axis, f"{size} {multiplier}")


# --------------------------------------------------------------------------------------------
# open_lm: the same tasks and recipes on three training sets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLmSteps:
    """Gains per (dataset, multiplier, size step) and task, for the size steps all three datasets share."""

    tasks: tuple[str, ...]
    gains: np.ndarray  # (datasets, steps, tasks)
    steps: tuple[tuple[float, float, float], ...]  # (multiplier, from n_params, to n_params)
    triples: tuple[tuple[int, int], ...]  # consecutive steps on one multiplier's size ladder


def open_lm_steps(frame: pd.DataFrame | None = None, tasks: tuple[str, ...] | None = None) -> OpenLmSteps:
    frame = data.load_open_lm() if frame is None else frame
    rows = frame[frame["metric"] == "accuracy"]
    tasks = tuple(sorted(rows["task"].unique())) if tasks is None else tuple(tasks)
    rows = rows[rows["task"].isin(tasks)]
    wide = rows.pivot_table(index=["family", "data_multiplier", "n_params"], columns="task", values="score")[list(tasks)]
    families = [f"open_lm {d}" for d in OPEN_LM_DATASETS]
    steps, gains, triples = [], [], []
    for m in sorted(rows["data_multiplier"].unique()):
        shared = set.intersection(*(set(wide.loc[(f, m)].index) for f in families if (f, m) in wide.index)) \
            if all((f, m) in wide.index for f in families) else set()
        sizes = sorted(shared)
        first = len(steps)
        for a, b in zip(sizes[:-1], sizes[1:]):
            steps.append((float(m), float(a), float(b)))
            gains.append([wide.loc[(f, m, b)].to_numpy() - wide.loc[(f, m, a)].to_numpy() for f in families])
        triples += [(first + i, first + i + 1) for i in range(max(len(sizes) - 2, 0))]
    return OpenLmSteps(tasks, np.transpose(np.asarray(gains, dtype=float), (1, 0, 2)), tuple(steps), tuple(triples))


def _open_lm_statistics(st: OpenLmSteps, index: np.ndarray) -> dict:
    g = st.gains[..., index]  # (datasets, steps, B, T)
    pairs = [(0, 1), (0, 2), (1, 2)]
    cross = np.stack([stats.pearson_rows(g[a], g[b]) for a, b in pairs])  # (pairs, steps, B)
    within = np.stack([stats.pearson_rows(g[:, i], g[:, j]) for i, j in st.triples], axis=1)  # (datasets, triples, B)
    return {
        "cross_mean_r": np.nanmean(cross, axis=(0, 1)),
        "within_mean_r": np.nanmean(within, axis=(0, 1)),
        "cross_minus_within": np.nanmean(cross, axis=(0, 1)) - np.nanmean(within, axis=(0, 1)),
        "cross_positive": (cross > 0).mean(axis=(0, 1)),
    }


def open_lm_estimates(st: OpenLmSteps, n_boot: int = stats.N_BOOT, level: float = stats.LEVEL) -> dict[str, tuple[float, float, float]]:
    """Mean cross-dataset correlation of a step's gains and mean within-dataset gain-on-gain r, tasks resampled jointly."""
    t = len(st.tasks)
    point = _open_lm_statistics(st, np.arange(t)[None, :])
    draws = stats.task_indices(t, n_boot, ("open_lm", st.tasks))
    boot = _open_lm_statistics(st, draws)
    return {key: (float(point[key][0]), *stats.percentile_interval(boot[key], level)) for key in point}


# --------------------------------------------------------------------------------------------
# What the chapter prints
# --------------------------------------------------------------------------------------------


def _est(triple: tuple[float, float, float], digits: int = 2, scale: float = 1.0) -> str:
    value, low, high = triple
    return fmt.estimate(value * scale, low * scale, high * scale, digits)


@dataclass(frozen=True)
class Facts:
    """Every number of the chapter, formatted for prose ('estimate [95% interval]' where it has one)."""

    n_tasks: int
    n_regression_tasks: int
    n_runs: int
    n_reruns: int
    noisy_task: str
    # noise components (12 tasks without BoolQ unless named _all)
    run_sd: str
    binomial_sd: str
    checkpoint_sd: str
    run_over_binomial: str
    median_run_over_binomial: str
    checkpoint_over_run: str
    run_over_binomial_all: str
    boolq_run_sd: str
    boolq_binomial_sd: str
    boolq_ratio: str
    tasks_run_below_binomial: int
    bpb_run_sd: str
    bpb_checkpoint_over_run: str
    # lag decomposition against the reruns
    lag_over_run_size: str
    lag_over_run_data: str
    lag_over_run_diagonal: str
    lag_sigma_size: str
    lag_sigma_data: str
    bpb_lag_over_run_size: str
    bpb_lag_over_run_data: str
    lag_ladders_size: int
    lag_ladders_diagonal: int
    # gain-on-gain regressions, ceiling and corrected momentum
    triples_size: int
    triples_data: int
    triples_diagonal: int
    mean_r_size: str
    mean_r_data: str
    mean_r_diagonal: str
    mean_r2_size: str
    ceiling_size: str
    ceiling_data: str
    ceiling_diagonal: str
    mean_r2_data: str
    mean_r2_diagonal: str
    rho_corrected_size: str
    rho_corrected_data: str
    rho_observed_size: str
    rho_observed_data: str
    bpb_mean_r_size: str
    bpb_mean_r_data: str
    bpb_mean_r_diagonal: str
    bpb_mean_r2_size: str
    bpb_ceiling_size: str
    bpb_minus_accuracy_size: str
    bpb_minus_accuracy_data: str
    bpb_minus_accuracy_diagonal: str
    accuracy_triples_positive: int
    accuracy_triples_negative: int
    bpb_triples_positive: int
    bpb_triples_negative: int
    n_triples_per_metric: int
    expected_false_per_metric: str
    triples_above_ceiling: int
    published_median_r: str  # joint task bootstrap across ladders, as in Chapter 1
    published_mean_r: str
    published_triples: int
    published_ladders: int
    # open_lm
    open_lm_tasks: int
    open_lm_subset_tasks: int
    open_lm_steps: int
    open_lm_triples: int
    open_lm_cross_r: str
    open_lm_within_r: str
    open_lm_cross_minus_within: str
    open_lm_subset_cross_r: str
    open_lm_subset_within_r: str
    open_lm_cross_positive: str


@dataclass
class ChapterResults:
    facts: Facts
    estimates: dict  # 12 regression tasks
    estimates_all: dict  # all 13 tasks
    tasks: pd.DataFrame  # per-task noise
    triples: pd.DataFrame
    open_lm: dict
    open_lm_subset: dict

    def task_display(self) -> pd.DataFrame:
        t = self.tasks
        return pd.DataFrame(
            {
                "Task": t["task"],
                "Items": t["n_items"],
                "Run-to-run SD (95% CI)": [fmt.estimate(v, lo, hi, 4) for v, lo, hi in zip(t["run_sd"], t["run_sd_low"], t["run_sd_high"])],
                "Binomial SD": t["binomial_sd"].map(lambda v: fmt.num(v, 4)),
                "Last-10-checkpoint SD": t["checkpoint_sd"].map(lambda v: fmt.num(v, 4)),
                "Run / binomial variance": t["run_over_binomial"].map(lambda v: fmt.num(v, 2)),
            }
        )

    def axis_display(self) -> pd.DataFrame:
        rows = []
        for axis, label in AXES.items():
            for metric in METRICS:
                e = self.estimates
                rows.append(
                    {
                        "One thing at a time": label,
                        "Metric": "accuracy" if metric == "accuracy" else "bits per byte",
                        "Triples": int(e[f"{metric}_{axis}_triples"][0]),
                        "Mean r": _est(e[f"{metric}_{axis}_mean_r"]),
                        "Mean R²": _est(e[f"{metric}_{axis}_mean_r2"]),
                        "Noise ceiling on R²": _est(e[f"{metric}_{axis}_ceiling"]),
                        "Lag σ² / rerun σ²": _est(e[f"{metric}_{axis}_lag_over_run"]),
                        "Corrected momentum ρ": _est(e[f"{metric}_{axis}_rho_corrected"]),
                    }
                )
        return pd.DataFrame(rows)


def _facts(est: dict, est_all: dict, tasks: pd.DataFrame, triples: pd.DataFrame, ol: dict, ol_sub: dict, st: OpenLmSteps,
           n_sub: int, published, n_runs: int, n_reruns: int) -> Facts:
    boolq = tasks.set_index("task").loc[NOISY_TASK]
    kept = tasks[tasks["task"] != NOISY_TASK]
    acc, bpb = triples[triples["metric"] == "accuracy"], triples[triples["metric"] == "bpb"]
    sd = lambda key: _est(tuple(np.sqrt(np.clip(v, 0, None)) for v in est[key]), 4)  # noqa: E731
    return Facts(
        n_tasks=len(tasks),
        n_regression_tasks=len(kept),
        n_runs=n_runs,
        n_reruns=n_reruns,
        noisy_task="BoolQ",
        run_sd=sd("accuracy_run_var"),
        binomial_sd=sd("binomial_var"),
        checkpoint_sd=sd("accuracy_checkpoint_var"),
        run_over_binomial=_est(est["run_over_binomial"]),
        median_run_over_binomial=_est(est["median_run_over_binomial"]),
        checkpoint_over_run=_est(est["accuracy_checkpoint_over_run"]),
        run_over_binomial_all=_est(est_all["run_over_binomial"]),
        boolq_run_sd=fmt.estimate(boolq["run_sd"], boolq["run_sd_low"], boolq["run_sd_high"], 3),
        boolq_binomial_sd=fmt.num(boolq["binomial_sd"], 3),
        boolq_ratio=fmt.num(boolq["run_over_binomial"], 1),
        tasks_run_below_binomial=int((kept["run_over_binomial"] < 1).sum()),
        bpb_run_sd=sd("bpb_run_var"),
        bpb_checkpoint_over_run=_est(est["bpb_checkpoint_over_run"]),
        lag_over_run_size=_est(est["accuracy_size_lag_over_run"]),
        lag_over_run_data=_est(est["accuracy_data_lag_over_run"]),
        lag_over_run_diagonal=_est(est["accuracy_diagonal_lag_over_run"]),
        lag_sigma_size=_est(est["accuracy_size_lag_sigma_sq"], 1, 1e5),
        lag_sigma_data=_est(est["accuracy_data_lag_sigma_sq"], 1, 1e5),
        bpb_lag_over_run_size=_est(est["bpb_size_lag_over_run"]),
        bpb_lag_over_run_data=_est(est["bpb_data_lag_over_run"]),
        lag_ladders_size=int(est["accuracy_size_lag_ladders"][0]),
        lag_ladders_diagonal=int(est["accuracy_diagonal_lag_ladders"][0]),
        triples_size=int(est["accuracy_size_triples"][0]),
        triples_data=int(est["accuracy_data_triples"][0]),
        triples_diagonal=int(est["accuracy_diagonal_triples"][0]),
        mean_r_size=_est(est["accuracy_size_mean_r"]),
        mean_r_data=_est(est["accuracy_data_mean_r"]),
        mean_r_diagonal=_est(est["accuracy_diagonal_mean_r"]),
        mean_r2_size=_est(est["accuracy_size_mean_r2"]),
        mean_r2_data=_est(est["accuracy_data_mean_r2"]),
        mean_r2_diagonal=_est(est["accuracy_diagonal_mean_r2"]),
        ceiling_size=_est(est["accuracy_size_ceiling"]),
        ceiling_data=_est(est["accuracy_data_ceiling"]),
        ceiling_diagonal=_est(est["accuracy_diagonal_ceiling"]),
        rho_corrected_size=_est(est["accuracy_size_rho_corrected"]),
        rho_corrected_data=_est(est["accuracy_data_rho_corrected"]),
        rho_observed_size=_est(est["accuracy_size_rho_observed"]),
        rho_observed_data=_est(est["accuracy_data_rho_observed"]),
        bpb_mean_r_size=_est(est["bpb_size_mean_r"]),
        bpb_mean_r_data=_est(est["bpb_data_mean_r"]),
        bpb_mean_r_diagonal=_est(est["bpb_diagonal_mean_r"]),
        bpb_mean_r2_size=_est(est["bpb_size_mean_r2"]),
        bpb_ceiling_size=_est(est["bpb_size_ceiling"]),
        bpb_minus_accuracy_size=_est(est["size_bpb_minus_accuracy_r"]),
        bpb_minus_accuracy_data=_est(est["data_bpb_minus_accuracy_r"]),
        bpb_minus_accuracy_diagonal=_est(est["diagonal_bpb_minus_accuracy_r"]),
        accuracy_triples_positive=int((acc["r_low"] > 0).sum()),
        accuracy_triples_negative=int((acc["r_high"] < 0).sum()),
        bpb_triples_positive=int((bpb["r_low"] > 0).sum()),
        bpb_triples_negative=int((bpb["r_high"] < 0).sum()),
        n_triples_per_metric=len(acc),
        expected_false_per_metric=fmt.num(0.05 * len(acc), 1),
        triples_above_ceiling=int((triples["r2"] > triples["ceiling_high"]).sum()),
        published_median_r=fmt.estimate(published.median_r, published.median_low, published.median_high),
        published_mean_r=fmt.estimate(published.mean_r, published.mean_low, published.mean_high),
        published_triples=published.n_triples,
        published_ladders=published.n_ladders,
        open_lm_tasks=len(st.tasks),
        open_lm_subset_tasks=n_sub,
        open_lm_steps=len(st.steps),
        open_lm_triples=len(st.triples),
        open_lm_cross_r=_est(ol["cross_mean_r"]),
        open_lm_within_r=_est(ol["within_mean_r"]),
        open_lm_cross_minus_within=_est(ol["cross_minus_within"]),
        open_lm_subset_cross_r=_est(ol_sub["cross_mean_r"]),
        open_lm_subset_within_r=_est(ol_sub["within_mean_r"]),
        open_lm_cross_positive=fmt.pct(ol["cross_positive"][0]),
    )


def chapter_results(n_boot: int = stats.N_BOOT) -> ChapterResults:
    """Every number of the measured-noise chapter, from the shipped OLMo-ladder and open_lm tables."""
    from . import empirical

    final, checkpoints = data.load_olmo_ladder(), data.load_olmo_ladder_checkpoints()
    ld_all = ladder_data(final, checkpoints, PRIMARY_TASKS)
    ld = ladder_data(final, checkpoints, REGRESSION_TASKS)
    est_all, est = estimates(ld_all, n_boot), estimates(ld, n_boot)
    tasks = task_noise_table(ld_all)
    triples = triple_table(ld, est)
    open_lm_frame = data.load_open_lm()
    subset = tuple(data.load_open_lm_tasks().query("in_17_task_subset == 1")["task"])
    st, st_sub = open_lm_steps(open_lm_frame), open_lm_steps(open_lm_frame, subset)
    ol, ol_sub = open_lm_estimates(st, n_boot), open_lm_estimates(st_sub, n_boot)
    # The published triples share tasks across ladders: Chapter 1's joint task bootstrap, not triples as independent.
    published = empirical.regimes(empirical.primary_ladders(), n_boot)["all"]
    runs = runs_table(final)
    facts = _facts(est, est_all, tasks, triples, ol, ol_sub, st, len(subset), published, len(runs), int((runs["run"] == 1).sum()))
    return ChapterResults(facts, est, est_all, tasks, triples, ol, ol_sub)
