"""Controlled-ladder forecasts: fitters against known truth, the refit against the papers' stored numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_report import controlled_forecast as cf, data


@pytest.fixture(scope="module")
def res():
    return cf.section_results(n_boot=2000)


def test_fit_law_nd_recovers_a_known_law():
    rng = np.random.default_rng(3)
    n = np.repeat([2e8, 4e8, 8e8, 1.3e9], 4)
    d = n * 20 * np.tile([1, 2, 5, 10], 4)
    truth = np.array([3.0, 4.0, 0.25, 0.22, 0.4])
    y = cf.law_nd(truth, n, d) + rng.normal(0, 1e-4, n.size)
    fitted = cf.fit_law_nd(n, d, y)
    # extrapolation to a 13B, 5T-token model agrees with the truth
    assert cf.law_nd(fitted, 13e9, 5e12) == pytest.approx(cf.law_nd(truth, 13e9, 5e12), abs=0.01)


def test_fit_law_c_recovers_a_known_law():
    c = np.geomspace(1e18, 1e21, 12)
    truth = np.array([12.0, 0.3, 0.5])
    fitted = cf.fit_law_c(c, cf.law_c(truth, c))
    assert cf.law_c(fitted, 1e23) == pytest.approx(cf.law_c(truth, 1e23), abs=1e-3)


def test_fit_sigmoid_recovers_a_known_curve():
    x = np.linspace(0.6, 1.6, 300)
    truth = (-0.7, 1.1, 6.0, 0.95)
    y = cf.sigmoid(x, *truth) + np.random.default_rng(1).normal(0, 0.003, x.size)
    fitted = cf.fit_sigmoid(x, y, chance=0.25)
    assert cf.sigmoid(0.5, *fitted) == pytest.approx(cf.sigmoid(0.5, *truth), abs=0.02)


def test_actuals_are_the_papers_actuals():
    """The 13B "actual" (mean of the last 5 checkpoints) equals the repo's stored actual values."""
    actual = cf.target_actuals(data.load_olmo2_targets()).set_index(["target", "task"])
    repo = data.load_olmo2_repo_results()
    stored = repo[(repo["method"] == cf.PAPER_METHOD) & (repo["quantity"] == "actual")].set_index("task")["score"]
    for task in cf.MAIN_TASKS:
        assert actual.loc[("13B-5T", task), "accuracy"] == pytest.approx(stored[task], abs=1e-6)


def test_reproduction_within_the_stated_tolerance(res):
    """Our refit against the stored predictions (published numbers), recomputed with pandas."""
    repo = data.load_olmo2_repo_results()
    stored = repo[(repo["method"] == cf.PAPER_METHOD) & (repo["quantity"] == "predicted")].set_index("task")["score"]
    ours = res.forecasts.query("method == 'two_step_nd' and target == '13B-5T'").set_index("task")["predicted"]
    assert (ours - stored.reindex(ours.index)).abs().max() <= cf.TOLERANCE_CHAINED
    step2 = repo[(repo["method"] == cf.PAPER_STEP2) & (repo["quantity"] == "predicted")].set_index("task")["score"]
    ours2 = res.forecasts.query("method == 'two_step_nd' and target == '13B-5T'").set_index("task")["step2_at_actual"]
    assert (ours2 - step2.reindex(ours2.index)).abs().max() <= cf.TOLERANCE_STEP2
    assert res.facts.within_tolerance


def test_gadre_relative_errors_match_the_notebook(res):
    h = res.open_lm_headline.set_index(["dataset", "arch"])
    for (kind, arch), published in cf.GADRE_PUBLISHED.items():
        assert h.loc[("RedPajama", arch), f"{kind}_rel_error"] == pytest.approx(published, abs=5e-6), (kind, arch)


def test_mae_table_recomputed(res):
    f = res.forecasts
    for (target, method), rows in f.groupby(["target", "method"]):
        expected = (rows["predicted"] - rows["actual"]).abs().mean() * 100
        row = res.mae[(res.mae["target"] == target) & (res.mae["method"] == method)].iloc[0]
        assert row["mae"] == pytest.approx(expected)
        assert row["low"] <= row["mae"] <= row["high"]
    papers = cf.paper_errors()
    assert set(papers["target"]) == {"7B-4T", "13B-5T"} and len(papers) == 16


def test_last_value_is_the_largest_compute_fit_run(res):
    final = data.load_olmo_ladder()
    score = final[(final["model"] == "1B-10xC") & (final["task"] == "mmlu_test") & (final["metric"] == "preferred")]["score"].iloc[0]
    ours = res.forecasts.query("method == 'last_value' and task == 'mmlu_test'")["predicted"]
    assert np.allclose(ours, score)


def test_section_claims(res):
    mae = res.mae.set_index(["target", "method"])["mae"]
    for target in cf.TARGETS:
        others = [mae[(target, m)] for m in cf.METHODS if m != "last_value"] + [mae[(target, "paper")]]
        assert mae[(target, "last_value")] > max(others)  # "misses by far the most"
    for target in ("7B-4T", "13B-5T"):
        rows = res.forecasts[res.forecasts["target"] == target]
        diff = rows[rows["method"] == "two_step_nd"].set_index("task")["error"] - rows[rows["method"] == "direct_nd"].set_index("task")["error"]
        assert diff.mean() < 0  # two-step better by the point estimate
    for text in (res.facts.two_minus_direct_7b, res.facts.two_minus_direct_13b):
        high = float(text.split(",")[1].strip(" ]").replace("−", "-"))
        assert high >= 0  # ... and the interval reaches zero
    per = res.open_lm_tasks
    two = (per["two_step"] - per["actual"]).abs().mean()
    direct = (per["direct"] - per["actual"]).abs().mean()
    assert two > direct > 0.05  # single tasks: errors of several points, two-step worst


def test_last_value_misses_most_on_every_task(res):
    """The figure's alt text: the last value has the largest error on every task of both targets."""
    f = pd.concat([res.forecasts[["target", "task", "method", "error"]], cf.paper_errors().assign(method="paper")])
    wide = f.pivot_table(index=["target", "task"], columns="method", values="error")
    assert (wide.idxmax(axis=1) == "last_value").all()


def test_target_errors_chart_carries_every_forecast(res):
    from scaling_report.charts import controlled_forecast as charts

    spec = charts.target_errors_chart(res.forecasts, cf.paper_errors(), cf.METHODS).to_dict()
    rows = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(rows) == len(res.forecasts) + 16
