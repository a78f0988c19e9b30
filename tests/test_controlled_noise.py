"""The measured-noise chapter's figures, each recomputed here with plain numpy/pandas from the tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_report import data, measured_noise as mn, stats


@pytest.fixture(scope="module")
def res():
    return mn.chapter_results(n_boot=2000)


@pytest.fixture(scope="module")
def acc():
    """Models x tasks accuracy on the 12 regression tasks, from the CSV with pandas only."""
    frame = pd.read_csv(data.controlled_path("olmo_ladder"))
    frame = frame[(frame["metric"] == "preferred") & frame["task"].isin(mn.REGRESSION_TASKS)]
    return frame.pivot(index="model", columns="task", values="score"), frame.groupby("task")["n_items"].first()


@pytest.fixture(scope="module")
def bpb():
    frame = pd.read_csv(data.controlled_path("olmo_ladder"))
    frame = frame[(frame["metric"] == "bpb") & frame["task"].isin(mn.REGRESSION_TASKS)]
    return frame.pivot(index="model", columns="task", values="score")


SIZES = ("190M", "370M", "760M", "1B", "3B")
MULTS = ("0.5xC", "1xC", "2xC", "5xC", "10xC")


def _rerun_var(wide: pd.DataFrame) -> float:
    d = np.array([wide.loc[f"{s}-1xC-rerun"] - wide.loc[f"{s}-1xC"] for s in SIZES])
    return float((d**2).mean() / 2)


def test_run_to_run_against_binomial(res, acc):
    wide, n = acc
    var_run = _rerun_var(wide)
    p = np.array([(wide.loc[f"{s}-1xC-rerun"] + wide.loc[f"{s}-1xC"]) / 2 for s in SIZES])
    binomial = float((p * (1 - p) / n[wide.columns].to_numpy()).mean())
    est = res.estimates
    assert est["accuracy_run_var"][0] == pytest.approx(var_run, rel=1e-9)
    assert est["binomial_var"][0] == pytest.approx(binomial, rel=1e-9)
    assert est["run_over_binomial"][0] == pytest.approx(var_run / binomial, rel=1e-9)
    low, high = est["run_over_binomial"][1:]
    assert low < var_run / binomial < high < 1  # the chapter: retraining noise is below item noise
    assert res.facts.tasks_run_below_binomial == 12


def test_boolq_is_the_outlier(res):
    table = res.tasks.set_index("task")
    frame = pd.read_csv(data.controlled_path("olmo_ladder"))
    boolq = frame[(frame["task"] == "boolq_val") & (frame["metric"] == "preferred")].set_index("model")["score"]
    d = np.array([boolq[f"{s}-1xC-rerun"] - boolq[f"{s}-1xC"] for s in SIZES])
    assert table.loc["boolq_val", "run_sd"] == pytest.approx(np.sqrt((d**2).mean() / 2))
    assert table.loc["boolq_val", "run_over_binomial"] > 10
    assert (table.drop("boolq_val")["run_over_binomial"] < 1).all()


def test_checkpoint_variance_is_below_run_variance(res):
    ckpt = pd.read_csv(data.controlled_path("olmo_ladder_checkpoints"))
    ckpt = ckpt[(ckpt["metric"] == "preferred") & ckpt["task"].isin(mn.REGRESSION_TASKS) & ckpt["model"].str.contains("-1xC")]
    variances = []
    for (model, task), rows in ckpt.groupby(["model", "task"]):
        last = rows.sort_values("step").tail(10)["score"]
        variances.append({"model": model, "task": task, "var": last.var(ddof=1)})
    expected = pd.DataFrame(variances).groupby("task")["var"].mean().mean()
    assert res.estimates["accuracy_checkpoint_var"][0] == pytest.approx(expected, rel=1e-9)
    assert res.estimates["accuracy_checkpoint_over_run"][2] < 1


def _triples(wide: pd.DataFrame, ladders: list[list[str]], sign: float = 1.0) -> list[float]:
    rs = []
    for models in ladders:
        g = np.diff(sign * wide.loc[models].to_numpy(), axis=0)
        for k in range(len(models) - 2):
            rs.append(np.corrcoef(g[k], g[k + 1])[0, 1])
    return rs


SIZE_LADDERS = [[f"{s}-{m}" for s in SIZES] for m in MULTS]
DATA_LADDERS = [[f"{s}-{m}" for m in MULTS] for s in SIZES]


def test_mean_r_along_size_and_data(res, acc, bpb):
    wide, _ = acc
    est = res.estimates
    assert est["accuracy_size_mean_r"][0] == pytest.approx(np.mean(_triples(wide, SIZE_LADDERS)), abs=1e-12)
    assert est["accuracy_data_mean_r"][0] == pytest.approx(np.mean(_triples(wide, DATA_LADDERS)), abs=1e-12)
    assert est["bpb_size_mean_r"][0] == pytest.approx(np.mean(_triples(bpb, SIZE_LADDERS, -1.0)), abs=1e-12)
    assert est["accuracy_size_mean_r"][1] > 0  # the chapter: positive, interval above zero


def test_fixed_token_diagonals():
    runs = mn.runs_table(data.load_olmo_ladder())
    diagonals = [l for l in mn.controlled_ladders(runs) if l.axis == "diagonal"]
    tokens = runs.set_index("model")["training_tokens"]
    assert len(diagonals) == 5
    for ladder in diagonals:
        t = tokens[list(ladder.models)]
        assert t.max() / t.min() <= mn.DIAGONAL_MAX_SPREAD
        sizes = runs.set_index("model").loc[list(ladder.models), "n_params"]
        assert sizes.is_monotonic_increasing


def _lag_v(wide: pd.DataFrame, ladders, sign: float = 1.0) -> np.ndarray:
    """Pooled lag 0/1/2 covariances of gains, each step centred across tasks (an independent implementation)."""
    out = []
    for models in ladders:
        g = np.diff(sign * wide.loc[models].to_numpy(), axis=0).T  # tasks x steps
        c = g - g.mean(axis=0)
        t, k = c.shape
        out.append([np.mean([c[:, j] @ c[:, j + h] / (t - 1) for j in range(k - h)]) for h in range(3)])
    return np.mean(out, axis=0)


def test_lag_decomposition_and_corrected_momentum(res, acc):
    wide, _ = acc
    sigma_run = _rerun_var(wide)
    v0, v1, v2 = _lag_v(wide, SIZE_LADDERS)
    est = res.estimates
    assert est["accuracy_size_lag_sigma_sq"][0] == pytest.approx(v2 - v1, rel=1e-9)
    assert est["accuracy_size_lag_over_run"][0] == pytest.approx((v2 - v1) / sigma_run, rel=1e-9)
    assert est["accuracy_size_rho_corrected"][0] == pytest.approx((v1 + sigma_run) / (v0 - 2 * sigma_run), rel=1e-9)
    # The prose: along size the lag estimate is negative and its interval excludes the measured noise.
    assert est["accuracy_size_lag_over_run"][0] < 0 and est["accuracy_size_lag_over_run"][2] < 1
    # ... and the corrected momentum's intervals contain 1, along size and along data.
    for axis in ("size", "data"):
        assert est[f"accuracy_{axis}_rho_corrected"][1] < 1 < est[f"accuracy_{axis}_rho_corrected"][2]


def test_lag_check_claims(res):
    """The prose: agreement on BPB along data; accuracy along data and diagonals uninformative (0 and 1 inside)."""
    est = res.estimates
    low, high = est["bpb_data_lag_over_run"][1:]
    assert 0 < low < 1 < high
    for axis in ("data", "diagonal"):
        low, high = est[f"accuracy_{axis}_lag_over_run"][1:]
        assert low < 0 and high > 1


def test_noise_ceiling_of_one_triple_against_a_simulation(res, acc):
    """The ceiling is the expected r when true gains are perfectly correlated: simulate it."""
    wide, _ = acc
    sigma = _rerun_var(wide)
    g = np.diff(wide.loc[SIZE_LADDERS[1][:3]].to_numpy(), axis=0)
    v1, v2 = g[0].var(ddof=1), g[1].var(ddof=1)
    tau1, tau2 = np.sqrt(v1 - 2 * sigma), np.sqrt(v2 - 2 * sigma)
    rng = np.random.default_rng(7)
    z = rng.standard_normal((200_000,))
    e = rng.standard_normal((3, 200_000)) * np.sqrt(sigma)
    g1, g2 = tau1 * z + e[1] - e[0], tau2 * z + e[2] - e[1]
    simulated = np.corrcoef(g1, g2)[0, 1]
    row = res.triples[(res.triples["metric"] == "accuracy") & (res.triples["axis"] == "size") & (res.triples["ladder"] == "1×")].iloc[0]
    assert row["ceiling"] == pytest.approx(max(simulated, 0) ** 2, abs=0.01)


def test_bpb_not_more_predictable_than_accuracy(res):
    for axis in mn.AXES:
        low, high = res.estimates[f"{axis}_bpb_minus_accuracy_r"][1:]
        assert low < 0 < high  # the chapter: every interval contains zero


def test_open_lm_cross_dataset_correlation(res):
    frame = pd.read_csv(data.controlled_path("open_lm"))
    acc = frame[frame["metric"] == "accuracy"].pivot_table(index=["family", "data_multiplier", "n_params"], columns="task", values="score")
    families = ["open_lm C4", "open_lm RedPajama", "open_lm RefinedWeb"]
    rs = []
    for m in sorted(frame["data_multiplier"].unique()):
        sizes = sorted(set.intersection(*(set(acc.loc[(f, m)].index) for f in families)))
        for a, b in zip(sizes[:-1], sizes[1:]):
            gains = [acc.loc[(f, m, b)] - acc.loc[(f, m, a)] for f in families]
            rs += [np.corrcoef(gains[i], gains[j])[0, 1] for i, j in ((0, 1), (0, 2), (1, 2))]
    assert res.open_lm["cross_mean_r"][0] == pytest.approx(np.mean(rs), abs=1e-12)
    assert len(rs) == 3 * 25
    assert res.open_lm["cross_minus_within"][1] > 0  # the chapter: across training sets beats within one


def test_seed_is_keyed_by_identity():
    """The chapter's task draws are keyed by the tasks resampled: the same tasks give the same draws, others other ones."""
    from scaling_report import stats

    draws = lambda tasks: stats.task_indices(len(tasks), 50, ("olmo_ladder", tuple(tasks)))  # noqa: E731
    assert np.array_equal(draws(mn.REGRESSION_TASKS), draws(mn.REGRESSION_TASKS))
    assert not np.array_equal(draws(mn.REGRESSION_TASKS), draws(tuple(reversed(mn.REGRESSION_TASKS))))


def test_published_comparison_uses_the_joint_task_bootstrap(res):
    """The published median and mean r over the consecutive triples, recomputed from Chapter 1's triple table;
    their intervals are the joint task bootstrap, which is wider than treating the triples as independent."""
    from scaling_report import empirical, fmt

    table = empirical.consecutive_table(empirical.primary_ladders())
    r = table["r"].to_numpy(dtype=float)
    assert res.facts.published_triples == len(r)
    independent = empirical.fine_summary(table)
    for text, point in ((res.facts.published_median_r, np.median(r)), (res.facts.published_mean_r, np.mean(r))):
        assert text.startswith(fmt.num(point) + " [")
    low, high = (float(x.replace("−", "-")) for x in res.facts.published_median_r.split("[")[1].rstrip("]").split(", "))
    assert low <= round(independent.median_low, 2) and high >= round(independent.median_high, 2)
    assert (low, high) != (round(independent.median_low, 2), round(independent.median_high, 2))
