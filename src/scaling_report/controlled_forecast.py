"""Forecasting on controlled ladders: compute on the axis, and loss before accuracy.

OLMo ladder (Bhagia et al. 2024). The paper predicts OLMo-2 7B-4T and 13B-5T from 16 small runs
in two steps:

1. task BPB from (N, D): L(N, D) = exp(a − α ln N) + exp(b − β ln D) + E, Huber loss (δ = 10⁻³)
   on the runs' final checkpoints;
2. accuracy from BPB: Acc(L) = a / (1 + exp(−k (L − x₀))) + b, a ≤ 0, fitted to every checkpoint
   after the first 10% of each run, smoothed by a moving average of 5, plus one anchor point
   (L = 0, accuracy 1).

We refit both steps from the ladder, check the refit against the repository's stored predictions,
and score beside it: the same two steps with compute C = 6ND on the axis, direct fits of accuracy
on (N, D) and on C, and the last value (the fit set's largest-compute run).

open_lm (Gadre et al. 2024). The loss law L = E + A N^−p + B D^−p is fitted to five RedPajama runs
and the error law Err(L) = ε − k exp(−γ L) to those and one more; the notebook's four relative
errors are the check. We then forecast the 6.9B runs of all three training sets, on the 17-task
average and on each of the 17 tasks, in two steps and directly on compute.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from . import data, fmt, stats

MAIN_TASKS = ("mmlu_test", "hellaswag_val", "arc_challenge_test", "arc_easy_test", "piqa_val", "csqa_val", "socialiqa_val", "openbookqa_test")
TARGETS = {"7B-4T": "OLMo-2-7B-4T-anneal", "13B-5T": "OLMo-2-13B-5T-stage1"}
ACTUAL_LAST = {"7B-4T": 1, "13B-5T": 5}  # the paper's "actual": the anneal row; the mean of 13B's last 5 checkpoints
HUBER_DELTA = 1e-3
SKIP_FRACTION = 0.1
MOVING_AVERAGE = 5
TOLERANCE_CHAINED = 0.03  # stated before comparing: our refit within 3 points of the stored chained predictions
TOLERANCE_STEP2 = 0.005  # and step 2 alone within half a point
PAPER_METHOD = "chained: (N,D) -> task bpb -> RC accuracy; target 13B-5T"
PAPER_STEP2 = "step 2: observed task bpb -> RC accuracy; target 13B-5T"
PAPER_ERRORS = "chained prediction with intermediate feature = task bpb (hard-coded table in the plotting script; paper Table 3)"
METHODS = {
    "two_step_nd": "two-step: (N, D) → BPB → accuracy",
    "two_step_c": "two-step: compute → BPB → accuracy",
    "direct_nd": "direct: (N, D) → accuracy",
    "direct_c": "direct: compute → accuracy",
    "last_value": "last value (1.3B, 10×)",
}
_EXP_CAP = 60.0  # exponents above this only occur far from any optimum; capping keeps exp finite


def _exp(x):
    return np.exp(np.minimum(x, _EXP_CAP))


def law_nd(p, n, d):
    """exp(a − α ln N) + exp(b − β ln D) + E for p = (a, b, α, β, E)."""
    return _exp(p[0] - p[2] * np.log(n)) + _exp(p[1] - p[3] * np.log(d)) + p[4]


def law_c(p, c):
    """exp(a − α ln C) + E for p = (a, α, E)."""
    return _exp(p[0] - p[1] * np.log(c)) + p[2]


def _huber_fit(residuals_and_jacobian, starts, bounds) -> np.ndarray:
    """Minimise the summed Huber loss (δ = HUBER_DELTA) of the residuals from several starts (analytic gradient)."""

    def loss(p):
        r, jac = residuals_and_jacobian(p)
        return special.huber(HUBER_DELTA, r).sum(), jac.T @ np.clip(r, -HUBER_DELTA, HUBER_DELTA)

    best = None
    for start in starts:
        result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or result.fun < best.fun:
            best = result
    return best.x


STARTS_ND = tuple(itertools.product((0, 4, 8), (0, 4, 8), (0.2, 0.5), (0.2, 0.5)))  # step 1: the reproduction needs the wide grid
STARTS_ND_QUICK = tuple(itertools.product((2, 6), (2, 6), (0.2, 0.5), (0.2, 0.5)))  # direct accuracy fits


def fit_law_nd(n, d, y, sign: float = 1.0, starts=STARTS_ND) -> np.ndarray:
    """Multi-start Huber fit of sign · (exp(a − α ln N) + exp(b − β ln D)) + E to y."""
    n, d, y = (np.asarray(v, dtype=float) for v in (n, d, y))
    ln_n, ln_d = np.log(n), np.log(d)

    def residuals(p):
        t1, t2 = _exp(p[0] - p[2] * ln_n), _exp(p[1] - p[3] * ln_d)
        jac = np.column_stack([sign * t1, sign * t2, -sign * t1 * ln_n, -sign * t2 * ln_d, np.ones_like(y)])
        return sign * (t1 + t2) + p[4] - y, jac

    starts = [[a, b, al, be, float(np.median(y))] for a, b, al, be in starts]
    bounds = [(None, None), (None, None), (0, None), (0, None), (None, None)]
    return _huber_fit(residuals, starts, bounds)


def fit_law_c(c, y, sign: float = 1.0) -> np.ndarray:
    """Multi-start Huber fit of sign · exp(a − α ln C) + E to y."""
    c, y = np.asarray(c, dtype=float), np.asarray(y, dtype=float)
    ln_c = np.log(c)

    def residuals(p):
        t = _exp(p[0] - p[1] * ln_c)
        return sign * t + p[2] - y, np.column_stack([sign * t, -sign * t * ln_c, np.ones_like(y)])

    starts = [[a, al, float(np.median(y))] for a, al in itertools.product((0, 5, 10, 20), (0.05, 0.1, 0.2, 0.4))]
    bounds = [(None, None), (0, None), (None, None)]
    return _huber_fit(residuals, starts, bounds)


def sigmoid(x, a, x0, k, b):
    return a / (1 + np.exp(-k * (x - x0))) + b


def fit_sigmoid(x, y, chance: float) -> np.ndarray:
    """Step 2: accuracy against BPB, with the anchor (BPB 0, accuracy 1) and a ≤ 0 (accuracy falls with loss)."""
    x = np.append(np.asarray(x, dtype=float), 0.0)
    y = np.append(np.asarray(y, dtype=float), 1.0)
    params, _ = optimize.curve_fit(sigmoid, x, y, p0=[chance - 1, 0.9, 3.0, 1.0], bounds=([-1, 0, 0, 0], [0, np.inf, np.inf, 1]), maxfev=500_000)
    return params


def fit_runs(final: pd.DataFrame) -> pd.DataFrame:
    """The paper's 16 fit runs: originals of 190M–1.3B at 1, 2, 5 and 10×."""
    return final[(final["run"] == 0) & (final["data_multiplier"] >= 1) & (final["n_params"] < 3e9)]


def step2_points(checkpoints: pd.DataFrame, models, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(BPB, accuracy) of every checkpoint of `models` after the first 10%, as moving averages of 5."""
    rows = checkpoints[(checkpoints["task"] == task) & checkpoints["model"].isin(list(models))]
    xs, ys = [], []
    for _, run in rows.groupby("model"):
        wide = run.pivot_table(index="step", columns="metric", values="score").sort_index()
        wide = wide.iloc[int(len(wide) * SKIP_FRACTION):].rolling(MOVING_AVERAGE).mean().dropna()
        xs.append(wide["bpb"].to_numpy())
        ys.append(wide["preferred"].to_numpy())
    return np.concatenate(xs), np.concatenate(ys)


def target_actuals(targets: pd.DataFrame) -> pd.DataFrame:
    """Per target and task: N, D, and the actual accuracy and BPB as the paper defines them."""
    records = []
    for label, model in TARGETS.items():
        rows = targets[targets["model"] == model]
        steps = rows["step"].dropna().sort_values().unique()
        if len(steps):
            rows = rows[rows["step"].isin(steps[-ACTUAL_LAST[label]:])]
        for task in MAIN_TASKS:
            sub = rows[rows["task"] == task]
            records.append(
                {
                    "target": label,
                    "task": task,
                    "n_params": float(sub["n_params"].iloc[0]),
                    "tokens": float(sub["training_tokens"].iloc[0]),
                    "accuracy": float(sub.loc[sub["metric"] == "preferred", "score"].mean()),
                    "bpb": float(sub.loc[sub["metric"] == "bpb", "score"].mean()),
                }
            )
    return pd.DataFrame(records)


def olmo_forecasts(final: pd.DataFrame | None = None, checkpoints: pd.DataFrame | None = None, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per target x task x method: prediction, actual and absolute error (fractions)."""
    final = data.load_olmo_ladder() if final is None else final
    checkpoints = data.load_olmo_ladder_checkpoints() if checkpoints is None else checkpoints
    targets = data.load_olmo2_targets() if targets is None else targets
    fit = fit_runs(final)
    actual = target_actuals(targets)
    models = fit["model"].unique()
    records = []
    for task in MAIN_TASKS:
        rows = fit[fit["task"] == task]
        bpb = rows[rows["metric"] == "bpb"].set_index("model")
        acc = rows[rows["metric"] == "preferred"].set_index("model").reindex(bpb.index)
        n, d, c = bpb["n_params"].to_numpy(), bpb["training_tokens"].to_numpy(), 6 * bpb["n_params"].to_numpy() * bpb["training_tokens"].to_numpy()
        chance = float(acc["chance"].iloc[0])
        p_nd = fit_law_nd(n, d, bpb["score"])
        p_c = fit_law_c(c, bpb["score"])
        q = fit_sigmoid(*step2_points(checkpoints, models, task), chance)
        p_acc_nd = fit_law_nd(n, d, acc["score"], sign=-1.0, starts=STARTS_ND_QUICK)
        p_acc_c = fit_law_c(c, acc["score"], sign=-1.0)
        last = float(acc["score"].iloc[int(np.argmax(c))])
        for row in actual[actual["task"] == task].itertuples():
            tn, td = row.n_params, row.tokens
            tc = 6 * tn * td
            bpb_nd, bpb_c = float(law_nd(p_nd, tn, td)), float(law_c(p_c, tc))
            predictions = {
                "two_step_nd": sigmoid(bpb_nd, *q),
                "two_step_c": sigmoid(bpb_c, *q),
                "direct_nd": -(law_nd(p_acc_nd, tn, td) - p_acc_nd[4]) + p_acc_nd[4],
                "direct_c": -(law_c(p_acc_c, tc) - p_acc_c[2]) + p_acc_c[2],
                "last_value": last,
            }
            for method, value in predictions.items():
                records.append(
                    {
                        "target": row.target,
                        "task": task,
                        "method": method,
                        "predicted": float(value),
                        "actual": row.accuracy,
                        "error": abs(float(value) - row.accuracy),
                        "bpb_predicted": bpb_nd if method == "two_step_nd" else (bpb_c if method == "two_step_c" else np.nan),
                        "bpb_actual": row.bpb,
                        "step2_at_actual": float(sigmoid(row.bpb, *q)),
                    }
                )
    return pd.DataFrame(records)


def paper_errors(repo: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's chained absolute errors (points → fractions) per target and task, from the repo's table."""
    repo = data.load_olmo2_repo_results() if repo is None else repo
    rows = repo[(repo["method"] == PAPER_ERRORS) & (repo["quantity"] == "abs_error_points")]
    label = {v: k for k, v in TARGETS.items()}
    return pd.DataFrame({"target": rows["model"].map(label), "task": rows["task"], "error": rows["score"] / 100}).reset_index(drop=True)


def reproduction(forecasts: pd.DataFrame, repo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our refit beside the repository: 13B chained and step-2 predictions, and 7B chained errors."""
    repo = data.load_olmo2_repo_results() if repo is None else repo
    ours = forecasts[forecasts["method"] == "two_step_nd"].set_index(["target", "task"])
    stored = repo[(repo["method"] == PAPER_METHOD) & (repo["quantity"] == "predicted")].set_index("task")["score"]
    stored_step2 = repo[(repo["method"] == PAPER_STEP2) & (repo["quantity"] == "predicted")].set_index("task")["score"]
    errors = paper_errors(repo).set_index(["target", "task"])["error"]
    records = []
    for task in MAIN_TASKS:
        records.append(
            {
                "task": task,
                "ours_13b": ours.loc[("13B-5T", task), "predicted"],
                "paper_13b": stored[task],
                "ours_step2_13b": ours.loc[("13B-5T", task), "step2_at_actual"],
                "paper_step2_13b": stored_step2[task],
                "ours_error_7b": ours.loc[("7B-4T", task), "error"],
                "paper_error_7b": errors[("7B-4T", task)],
            }
        )
    out = pd.DataFrame(records)
    out["diff_13b"] = (out["ours_13b"] - out["paper_13b"]).abs()
    out["diff_step2_13b"] = (out["ours_step2_13b"] - out["paper_step2_13b"]).abs()
    out["diff_error_7b"] = (out["ours_error_7b"] - out["paper_error_7b"]).abs()
    return out


def mae_table(forecasts: pd.DataFrame, papers: pd.DataFrame, n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """Mean absolute error (points) per target and method over the 8 tasks, bootstrap over tasks; the paper's beside."""
    records = []
    for target in TARGETS:
        method_errors = {m: forecasts[(forecasts["target"] == target) & (forecasts["method"] == m)].set_index("task")["error"].reindex(list(MAIN_TASKS)) for m in METHODS}
        method_errors["paper"] = papers[papers["target"] == target].set_index("task")["error"].reindex(list(MAIN_TASKS))
        for method, errors in method_errors.items():
            mae, low, high = stats.bootstrap(errors.to_numpy() * 100, np.mean, n_boot, identity=("olmo2", target, "tasks"))
            records.append({"target": target, "method": method, "mae": mae, "low": low, "high": high,
                            "within_2": int((errors < 0.02).sum())})
    return pd.DataFrame(records)


# --------------------------------------------------------------------------------------------
# open_lm (Gadre et al. 2024)
# --------------------------------------------------------------------------------------------

GADRE_FIT = (("d=96_l=8_h=4", 1.0), ("d=512_l=8_h=4", 1.0), ("d=576_l=24_h=8", 1.0), ("d=1024_l=24_h=8", 1.0), ("d=96_l=8_h=4", 16.0))
GADRE_ERROR_EXTRA = ("open_lm_1b", 1.0)
GADRE_TARGETS = (("open_lm_1b", 32.0), ("open_lm_7b", 1.0))
GADRE_PUBLISHED = {("loss", "open_lm_1b"): 0.007103, ("loss", "open_lm_7b"): 0.007320, ("error", "open_lm_1b"): 0.036365, ("error", "open_lm_7b"): 0.000464}
OPEN_LM_DATASETS = {"RedPajama": "rpj", "C4": "c4_original", "RefinedWeb": "rw_original"}


def gadre_loss_law(p, n, d):
    """E + A N^−p + B D^−p with p = (E, ln A, ln B, p)."""
    return p[0] + _exp(p[1] - p[3] * np.log(n)) + _exp(p[2] - p[3] * np.log(d))


def fit_gadre_loss(n, d, y) -> np.ndarray:
    n, d, y = (np.asarray(v, dtype=float) for v in (n, d, y))
    best = None
    for e0, a0, b0, p0 in itertools.product((0.5, 1.5), (2, 6), (2, 6), (0.1, 0.3)):
        result = optimize.least_squares(lambda p: gadre_loss_law(p, n, d) - y, [e0, a0, b0, p0],
                                        bounds=([0, -np.inf, -np.inf, 0], [np.inf, np.inf, np.inf, 2]))
        if best is None or result.cost < best.cost:
            best = result
    return best.x


def gadre_error_law(p, loss):
    """ε − k exp(−γ L) with p = (ε, k, γ)."""
    return p[0] - p[1] * np.exp(-p[2] * loss)


def fit_gadre_error(loss, err) -> np.ndarray:
    loss, err = np.asarray(loss, dtype=float), np.asarray(err, dtype=float)
    best = None
    for e0, k0, g0 in itertools.product((0.5, 1.0), (1, 30), (0.5, 2)):
        result = optimize.least_squares(
            lambda p: gadre_error_law(p, loss) - err, [e0, k0, g0], bounds=([0, 0, 0], [np.inf, np.inf, np.inf]),
            jac=lambda p: np.column_stack([np.ones_like(loss), -np.exp(-p[2] * loss), p[1] * loss * np.exp(-p[2] * loss)]),
        )
        if best is None or result.cost < best.cost:
            best = result
    return best.x


def open_lm_runs(frame: pd.DataFrame, subset: tuple[str, ...]) -> pd.DataFrame:
    """Per run: dataset, arch, multiplier, N, D, C4-eval loss, 17-task mean error, and each task's error."""
    loss = frame[(frame["metric"] == "loss") & (frame["task"] == "c4_val")].set_index("model")["score"]
    acc = frame[(frame["metric"] == "accuracy") & frame["task"].isin(subset)]
    errors = (1 - acc.pivot_table(index="model", columns="task", values="score"))[list(subset)]
    runs = frame.drop_duplicates("model").set_index("model")
    out = pd.DataFrame(
        {
            "dataset": runs["family"].str.replace("open_lm ", "", regex=False),
            "arch": pd.Series([m.split("-", 1)[1].rsplit("-", 1)[0] for m in runs.index], index=runs.index),
            "multiplier": runs["data_multiplier"],
            "n": runs["n_params"],
            "d": runs["training_tokens"],
            "loss": loss,
            "avg_error": errors.mean(axis=1),
        }
    )
    return out.join(errors)


def _select(runs: pd.DataFrame, dataset: str, cells) -> pd.DataFrame:
    keys = set(cells)
    chosen = np.array([(a, m) in keys for a, m in zip(runs["arch"], runs["multiplier"])], dtype=bool)
    return runs[(runs["dataset"] == dataset).to_numpy() & chosen]


def open_lm_forecasts(frame: pd.DataFrame | None = None, subset: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gadre et al.'s two laws on each training set: (target rows for loss and 17-task error, per-task rows)."""
    frame = data.load_open_lm() if frame is None else frame
    subset = tuple(data.load_open_lm_tasks().query("in_17_task_subset == 1")["task"]) if subset is None else subset
    runs = open_lm_runs(frame, subset)
    headline, per_task = [], []
    for dataset in OPEN_LM_DATASETS:
        fit5 = _select(runs, dataset, GADRE_FIT)
        fit6 = _select(runs, dataset, GADRE_FIT + (GADRE_ERROR_EXTRA,))
        p_loss = fit_gadre_loss(fit5["n"], fit5["d"], fit5["loss"])
        p_err = fit_gadre_error(fit6["loss"], fit6["avg_error"])
        compute = np.log(6 * fit6["n"] * fit6["d"])
        for target in _select(runs, dataset, GADRE_TARGETS).itertuples():
            predicted_loss = float(gadre_loss_law(p_loss, target.n, target.d))
            predicted_error = float(gadre_error_law(p_err, predicted_loss))
            headline.append({"dataset": dataset, "arch": target.arch, "multiplier": target.multiplier,
                             "loss": target.loss, "loss_predicted": predicted_loss,
                             "loss_rel_error": abs(predicted_loss - target.loss) / target.loss,
                             "error": target.avg_error, "error_predicted": predicted_error,
                             "error_rel_error": abs(predicted_error - target.avg_error) / target.avg_error})
            if target.arch != "open_lm_7b":
                continue
            log_c = np.log(6 * target.n * target.d)
            for task in subset:
                p_task = fit_gadre_error(fit6["loss"], fit6[task])
                slope, intercept = np.polyfit(compute, fit6[task], 1)
                actual = getattr(target, task) if task.isidentifier() else runs.loc[target.Index, task]
                per_task.append({"dataset": dataset, "task": task, "actual": actual,
                                 "two_step": float(gadre_error_law(p_task, predicted_loss)),
                                 "direct": float(intercept + slope * log_c),
                                 "last_value": float(fit6.loc[fit6["n"].idxmax(), task])})
    return pd.DataFrame(headline), pd.DataFrame(per_task)


def open_lm_task_mae(per_task: pd.DataFrame, n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """MAE in points of single-task error forecasts for the 6.9B runs, bootstrap over tasks jointly across datasets."""
    records = []
    tasks = sorted(per_task["task"].unique())
    for method in ("two_step", "direct", "last_value"):
        wide = per_task.assign(err=(per_task[method] - per_task["actual"]).abs() * 100).pivot(index="task", columns="dataset", values="err").reindex(tasks)
        per_task_mean = wide.mean(axis=1).to_numpy()  # a task's three datasets move together: resample tasks
        mae, low, high = stats.bootstrap(per_task_mean, np.mean, n_boot, identity=("open_lm", "7b", "tasks"))
        records.append({"method": method, "mae": mae, "low": low, "high": high})
    return pd.DataFrame(records)


# --------------------------------------------------------------------------------------------
# What the section prints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    n_fit_runs: int
    n_tasks: int
    tolerance_chained: str
    tolerance_step2: str
    max_diff_13b: str
    max_diff_step2: str
    max_diff_error_7b: str
    within_tolerance: bool
    mae_paper_7b: str
    mae_paper_13b: str
    mae_two_step_7b: str
    mae_two_step_13b: str
    mae_two_step_c_7b: str
    mae_two_step_c_13b: str
    mae_direct_7b: str
    mae_direct_13b: str
    mae_direct_c_7b: str
    mae_direct_c_13b: str
    mae_last_7b: str
    mae_last_13b: str
    two_minus_direct_7b: str
    two_minus_direct_13b: str
    within_2_two_step_13b: int
    within_2_direct_13b: int
    gadre_loss_1b: str
    gadre_loss_7b: str
    gadre_error_1b: str
    gadre_error_7b: str
    gadre_published_loss_1b: str
    gadre_published_loss_7b: str
    gadre_published_error_1b: str
    gadre_published_error_7b: str
    gadre_error_7b_c4: str
    gadre_error_7b_rw: str
    open_lm_n_tasks: int
    open_lm_two_step: str
    open_lm_direct: str
    open_lm_last: str


@dataclass
class SectionResults:
    facts: Facts
    forecasts: pd.DataFrame
    reproduction: pd.DataFrame
    mae: pd.DataFrame
    open_lm_headline: pd.DataFrame
    open_lm_tasks: pd.DataFrame
    open_lm_mae: pd.DataFrame

    def mae_display(self) -> pd.DataFrame:
        labels = METHODS | {"paper": "Bhagia et al. 2024 (stored errors)"}
        wide = self.mae.assign(text=[fmt.estimate(m, lo, hi, 1) for m, lo, hi in zip(self.mae["mae"], self.mae["low"], self.mae["high"])])
        table = wide.pivot(index="method", columns="target", values="text").reindex(list(labels))
        within = wide.pivot(index="method", columns="target", values="within_2").reindex(list(labels))
        return pd.DataFrame({
            "Method": [labels[m] for m in table.index],
            "7B-4T MAE (points)": table["7B-4T"].to_numpy(),
            "7B-4T within 2 points": within["7B-4T"].to_numpy(),
            "13B-5T MAE (points)": table["13B-5T"].to_numpy(),
            "13B-5T within 2 points": within["13B-5T"].to_numpy(),
        })

    def reproduction_display(self) -> pd.DataFrame:
        r = self.reproduction
        pts = lambda s: (s * 100).map(lambda v: fmt.num(v, 1))  # noqa: E731
        return pd.DataFrame({
            "Task": r["task"],
            "13B-5T ours": pts(r["ours_13b"]),
            "13B-5T paper": pts(r["paper_13b"]),
            "Step 2 ours": pts(r["ours_step2_13b"]),
            "Step 2 paper": pts(r["paper_step2_13b"]),
            "7B-4T error ours": pts(r["ours_error_7b"]),
            "7B-4T error paper": pts(r["paper_error_7b"]),
        })


def _mae(mae: pd.DataFrame, target: str, method: str) -> str:
    row = mae[(mae["target"] == target) & (mae["method"] == method)].iloc[0]
    return fmt.estimate(row["mae"], row["low"], row["high"], 1)


def _difference(forecasts: pd.DataFrame, target: str, n_boot: int) -> str:
    rows = forecasts[forecasts["target"] == target]
    two = rows[rows["method"] == "two_step_nd"].set_index("task")["error"]
    direct = rows[rows["method"] == "direct_nd"].set_index("task")["error"]
    diff = ((two - direct.reindex(two.index)) * 100).to_numpy()
    return fmt.estimate(*stats.bootstrap(diff, np.mean, n_boot, identity=("olmo2", target, "tasks")), 1)


def section_results(n_boot: int = stats.N_BOOT) -> SectionResults:
    forecasts = olmo_forecasts()
    repo = data.load_olmo2_repo_results()
    rep = reproduction(forecasts, repo)
    mae = mae_table(forecasts, paper_errors(repo), n_boot)
    headline, per_task = open_lm_forecasts()
    ol_mae = open_lm_task_mae(per_task, n_boot)
    h = headline.set_index(["dataset", "arch"])
    pct = lambda v: fmt.pct(v, 2)  # noqa: E731
    within = bool((rep["diff_13b"] <= TOLERANCE_CHAINED).all() and (rep["diff_step2_13b"] <= TOLERANCE_STEP2).all())
    m = ol_mae.set_index("method")
    facts = Facts(
        n_fit_runs=int(fit_runs(data.load_olmo_ladder())["model"].nunique()),
        n_tasks=len(MAIN_TASKS),
        tolerance_chained=fmt.num(TOLERANCE_CHAINED * 100, 1),
        tolerance_step2=fmt.num(TOLERANCE_STEP2 * 100, 1),
        max_diff_13b=fmt.num(rep["diff_13b"].max() * 100, 1),
        max_diff_step2=fmt.num(rep["diff_step2_13b"].max() * 100, 2),
        max_diff_error_7b=fmt.num(rep["diff_error_7b"].max() * 100, 1),
        within_tolerance=within,
        mae_paper_7b=_mae(mae, "7B-4T", "paper"),
        mae_paper_13b=_mae(mae, "13B-5T", "paper"),
        mae_two_step_7b=_mae(mae, "7B-4T", "two_step_nd"),
        mae_two_step_13b=_mae(mae, "13B-5T", "two_step_nd"),
        mae_two_step_c_7b=_mae(mae, "7B-4T", "two_step_c"),
        mae_two_step_c_13b=_mae(mae, "13B-5T", "two_step_c"),
        mae_direct_7b=_mae(mae, "7B-4T", "direct_nd"),
        mae_direct_13b=_mae(mae, "13B-5T", "direct_nd"),
        mae_direct_c_7b=_mae(mae, "7B-4T", "direct_c"),
        mae_direct_c_13b=_mae(mae, "13B-5T", "direct_c"),
        mae_last_7b=_mae(mae, "7B-4T", "last_value"),
        mae_last_13b=_mae(mae, "13B-5T", "last_value"),
        two_minus_direct_7b=_difference(forecasts, "7B-4T", n_boot),
        two_minus_direct_13b=_difference(forecasts, "13B-5T", n_boot),
        within_2_two_step_13b=int(mae.set_index(["target", "method"]).loc[("13B-5T", "two_step_nd"), "within_2"]),
        within_2_direct_13b=int(mae.set_index(["target", "method"]).loc[("13B-5T", "direct_nd"), "within_2"]),
        gadre_loss_1b=pct(h.loc[("RedPajama", "open_lm_1b"), "loss_rel_error"]),
        gadre_loss_7b=pct(h.loc[("RedPajama", "open_lm_7b"), "loss_rel_error"]),
        gadre_error_1b=pct(h.loc[("RedPajama", "open_lm_1b"), "error_rel_error"]),
        gadre_error_7b=pct(h.loc[("RedPajama", "open_lm_7b"), "error_rel_error"]),
        gadre_published_loss_1b=pct(GADRE_PUBLISHED[("loss", "open_lm_1b")]),
        gadre_published_loss_7b=pct(GADRE_PUBLISHED[("loss", "open_lm_7b")]),
        gadre_published_error_1b=pct(GADRE_PUBLISHED[("error", "open_lm_1b")]),
        gadre_published_error_7b=pct(GADRE_PUBLISHED[("error", "open_lm_7b")]),
        gadre_error_7b_c4=pct(h.loc[("C4", "open_lm_7b"), "error_rel_error"]),
        gadre_error_7b_rw=pct(h.loc[("RefinedWeb", "open_lm_7b"), "error_rel_error"]),
        open_lm_n_tasks=int(per_task["task"].nunique()),
        open_lm_two_step=fmt.estimate(m.loc["two_step", "mae"], m.loc["two_step", "low"], m.loc["two_step", "high"], 1),
        open_lm_direct=fmt.estimate(m.loc["direct", "mae"], m.loc["direct", "low"], m.loc["direct", "high"], 1),
        open_lm_last=fmt.estimate(m.loc["last_value", "mae"], m.loc["last_value", "low"], m.loc["last_value", "high"], 1),
    )
    return SectionResults(facts, forecasts, rep, mae, headline, per_task, ol_mae)
