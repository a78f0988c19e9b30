"""Forecasting backtest: methods on curves with known forecasts, no look-ahead, errors and intervals."""

from __future__ import annotations

import io

import numpy as np
import pytest

from scaling_report import backtest, data, ladders, rng, sigmoid, stats

SIZES = np.array([1e6, 1e7, 1e8, 1e9, 1e10, 1e11])  # evenly spaced in log N


def make_series(scores, sizes=SIZES, chance=None, name="Toy · toybench · 0-shot · accuracy", benchmark="toybench"):
    scores = np.asarray(scores, dtype=float)
    T = scores.shape[0]
    return backtest.Series(
        key={"family": "Toy", "benchmark": benchmark, "n_shots": 0, "metric": "accuracy"},
        name=name,
        sizes=np.asarray(sizes, dtype=float),
        tasks=tuple(f"t{i}" for i in range(T)),
        scores=scores,
        chance=np.full(T, 0.25) if chance is None else np.asarray(chance, dtype=float),
        n_items=np.full(T, 1000.0),
    )


def linear_scores(intercepts, slope):
    x = np.log10(SIZES)
    return np.asarray(intercepts)[:, None] + slope * (x - x[0])[None, :]


FAST = ("last_value", "momentum", "linear_log_n", "family_trend")


class TestForecast:
    def test_linear_trend_is_forecast_exactly_by_the_trend_methods(self):
        s = make_series(linear_scores([0.1, 0.2, 0.3], 0.1))
        fc = backtest.forecast(s, FAST)
        for method in ("momentum", "linear_log_n", "family_trend"):
            err = fc.errors(method)
            assert np.nanmax(np.abs(err)) < 1e-12, method

    def test_last_value_misses_a_linear_trend_by_slope_times_distance(self):
        s = make_series(linear_scores([0.1, 0.2], 0.1))
        fc = backtest.forecast(s, FAST)
        # From the first j sizes to target index t: distance t - j + 1 decades, 0.1 per decade.
        for j in range(3, 6):
            for t in range(j, 6):
                np.testing.assert_allclose(fc.errors("last_value")[:, j, t], -0.1 * (t - j + 1), atol=1e-12)

    def test_momentum_repeats_the_last_gain_per_step(self):
        scores = np.array([[0.1, 0.2, 0.4, 0.5, 0.6, 0.7]])
        fc = backtest.forecast(make_series(scores), ("momentum",))
        # Seen 0.1, 0.2, 0.4: last gain 0.2, so 0.6, 0.8, 1.0 at the next three sizes.
        np.testing.assert_allclose(fc.pred["momentum"][0, 3, 3:], [0.6, 0.8, 1.0])

    def test_forecasts_are_clipped_to_scores(self):
        scores = np.array([[0.1, 0.5, 0.9, 0.95, 0.97, 0.99]])
        fc = backtest.forecast(make_series(scores), ("momentum", "linear_log_n"))
        for m in ("momentum", "linear_log_n"):
            p = fc.pred[m][np.isfinite(fc.pred[m])]
            assert p.max() <= 1.0 and p.min() >= 0.0

    def test_family_trend_applies_the_average_slope_to_each_task(self):
        # Task 0 flat, task 1 rising 0.2 per decade: the average rises 0.1 per decade.
        scores = np.vstack([np.full(6, 0.3), linear_scores([0.1], 0.2)[0]])
        fc = backtest.forecast(make_series(scores), ("family_trend",))
        np.testing.assert_allclose(fc.pred["family_trend"][0, 3, 3:], 0.3 + 0.1 * np.arange(1, 4), atol=1e-12)

    def test_no_look_ahead_scores_above_the_origin_never_change_its_forecasts(self):
        base = np.clip(0.25 + 0.1 * rng(3).random((5, 6)).cumsum(axis=1), 0, 1)
        s1 = make_series(base)
        changed = base.copy()
        changed[:, 4:] = rng(4).random((5, 2))
        s2 = make_series(changed)
        f1 = backtest.forecast(s1, backtest.METHODS)
        f2 = backtest.forecast(s2, backtest.METHODS)
        for m in backtest.METHODS:
            for j in (3, 4):
                np.testing.assert_array_equal(f1.pred[m][:, j, :], f2.pred[m][:, j, :])

    def test_sigmoid_method_recovers_a_sigmoid_seen_past_its_midpoint(self):
        sizes = np.geomspace(1e6, 1e12, 10)
        truth = sigmoid.sigmoid_curve(np.log(sizes), 1.0, np.log(1e8), 0.25, 1.0)
        fc = backtest.forecast(make_series(truth[None, :], sizes=sizes, name="S · b · 0-shot · accuracy"), ("sigmoid", "last_value"))
        err = fc.errors("sigmoid")[:, 6, 6:]
        assert np.nanmax(np.abs(err)) < 1e-3
        assert np.nanmax(np.abs(fc.errors("last_value")[:, 6, 6:])) > 0.01  # the curve is still rising

    def test_tasks_with_a_missing_size_are_forecast_only_from_complete_prefixes(self):
        scores = linear_scores([0.1, 0.2], 0.1)
        scores[1, 1] = np.nan
        fc = backtest.forecast(make_series(scores), FAST)
        assert not fc.valid[1].any()
        assert fc.valid[0].sum() == 6  # (j=3: 3 targets) + (j=4: 2) + (j=5: 1)

    def test_bad_arguments_are_rejected(self):
        s = make_series(linear_scores([0.1], 0.1))
        with pytest.raises(ValueError, match="unknown method"):
            backtest.forecast(s, ("crystal_ball",))
        with pytest.raises(ValueError, match="min_prefix"):
            backtest.forecast(s, ("sigmoid",), min_prefix=2)


class TestHorizonMask:
    def test_counts_on_an_even_ladder(self):
        # Six sizes a decade apart, origins j = 3, 4, 5.
        assert backtest.horizon_mask(SIZES, "next").sum() == 3
        assert backtest.horizon_mask(SIZES, "two_ahead").sum() == 2
        assert backtest.horizon_mask(SIZES, "ge_10x").sum() == 6
        assert backtest.horizon_mask(SIZES, "all").sum() == 6

    def test_ten_times_uses_the_largest_size_seen(self):
        sizes = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 80.0])
        mask = backtest.horizon_mask(sizes, "ge_10x")
        # Only 80 / 4 = 20 and 80 / 8 = 10 qualify (origins j = 3 and 4); 80 / 16 = 5 does not.
        assert {(int(j), int(t)) for j, t in zip(*np.nonzero(mask))} == {(3, 5), (4, 5)}

    def test_ratio_bins_partition_all_pairs(self):
        sizes = np.geomspace(1e6, 1e11, 9)
        total = sum(backtest.horizon_mask(sizes, b).sum() for b in backtest.RATIO_LABELS)
        assert total == backtest.horizon_mask(sizes, "all").sum()

    def test_unknown_horizon(self):
        with pytest.raises(ValueError, match="unknown horizon"):
            backtest.horizon_mask(SIZES, "tomorrow")


class TestSummaries:
    def test_mae_and_interval_match_a_direct_computation(self):
        g = rng(11)
        scores = np.clip(0.3 + 0.05 * g.standard_normal((12, 6)).cumsum(axis=1), 0, 1)
        s = make_series(scores)
        fc = backtest.forecast(s, FAST)
        rows, boot, _ = backtest.summarize(fc, ("all",), n_boot=200, identity="direct")
        row = next(r for r in rows if r["method"] == "last_value")
        # Direct: every (task, origin, target) error of last value.
        errors = [abs(scores[i, j - 1] - scores[i, t]) for i in range(12) for j in range(3, 6) for t in range(j, 6)]
        assert row["n"] == len(errors)
        assert row["mae"] == pytest.approx(np.mean(errors))
        assert row["rmse"] == pytest.approx(np.sqrt(np.mean(np.square(errors))))
        # Direct bootstrap over tasks with the same draws, by a loop.
        draws = stats.task_indices(12, 200, "direct")
        per_task = [[abs(scores[i, j - 1] - scores[i, t]) for j in range(3, 6) for t in range(j, 6)] for i in range(12)]
        replicates = [np.mean([e for i in d for e in per_task[i]]) for d in draws]
        assert row["ci_low"] == pytest.approx(np.quantile(replicates, 0.025))
        assert row["ci_high"] == pytest.approx(np.quantile(replicates, 0.975))

    def test_aggregate_is_the_equal_weight_mean_of_ladders(self):
        a = make_series(linear_scores([0.1, 0.2, 0.3], 0.05), name="A · toybench · 0-shot · accuracy")
        b = make_series(linear_scores([0.2, 0.4], 0.02), name="B · toybench · 0-shot · accuracy")
        bt = backtest.run_backtest([a, b], FAST, ("next",), n_boot=100)
        agg = backtest.aggregate(bt)
        row = agg[(agg["method"] == "last_value")].iloc[0]
        per_ladder = bt.table[bt.table["method"] == "last_value"]["mae"]
        assert row["mae"] == pytest.approx(per_ladder.mean())
        assert row["mae"] == pytest.approx((0.05 + 0.02) / 2)

    def test_compare_is_paired(self):
        s = make_series(np.clip(0.3 + 0.05 * rng(2).standard_normal((10, 6)).cumsum(axis=1), 0, 1))
        bt = backtest.run_backtest([s], FAST, ("next",), n_boot=100)
        same = backtest.compare(bt, "momentum", "momentum", "next", [s.name])
        assert same["diff"] == 0 and same["ci_low"] == 0 and same["ci_high"] == 0

    def test_winners_name_the_lowest_error(self):
        s = make_series(linear_scores([0.1, 0.2, 0.3], 0.1) + 0.001 * rng(6).standard_normal((3, 6)))
        bt = backtest.run_backtest([s], ("last_value", "linear_log_n"), ("next",), n_boot=100)
        win = backtest.winners(bt)
        assert win.iloc[0]["winner"] == "linear_log_n"
        assert win.iloc[0]["gain_vs_last"] > 0.09

    def test_json_rows_have_the_documented_keys(self):
        s = make_series(linear_scores([0.1, 0.2], 0.05))
        bt = backtest.run_backtest([s], FAST, n_boot=50)
        rows = backtest.json_rows(bt)
        assert rows and all(tuple(r) == backtest.JSON_KEYS for r in rows)
        assert {r["horizon"] for r in rows} == set(backtest.HORIZONS)


class TestRealLadders:
    def test_last_value_error_on_bigg_is_the_mean_next_step_change(self):
        ladder = ladders.find_ladders(data.load_bigg())[0]
        s = backtest.series_from_ladder(ladder)
        bt = backtest.run_backtest([s], FAST, ("next",), n_boot=50)
        row = bt.table[bt.table["method"] == "last_value"].iloc[0]
        wide = ladder.matrix("raw").to_numpy()
        steps = np.abs(np.diff(wide, axis=1))[:, 2:]  # changes into sizes 4..12
        assert row["n"] == steps.size == 89 * 9
        assert row["mae"] == pytest.approx(steps.mean())


class TestProgress:
    def test_quick_runs_print_nothing(self):
        stream = io.StringIO()
        bar = backtest.Progress(10, stream=stream, delay=1.0)
        for _ in range(10):
            bar.update()
        bar.close()
        assert stream.getvalue() == ""

    def test_slow_runs_print_quarters_off_a_terminal(self):
        stream = io.StringIO()
        bar = backtest.Progress(8, stream=stream, delay=0.0)
        for _ in range(8):
            bar.update()
        bar.close()
        lines = stream.getvalue().splitlines()
        assert lines[-1].startswith("analyze: 100%")
        assert 2 <= len(lines) <= 5


class TestNewBaselines:
    def test_mean_of_the_last_two(self):
        scores = np.array([[0.1, 0.2, 0.4, 0.5, 0.6, 0.7]])
        fc = backtest.forecast(make_series(scores), ("mean_last_two",))
        np.testing.assert_allclose(fc.pred["mean_last_two"][0, 3, 3:], 0.3)
        np.testing.assert_allclose(fc.pred["mean_last_two"][0, 4, 4:], 0.45)

    def test_fitted_level_plus_family_trend_is_exact_on_lines(self):
        s = make_series(linear_scores([0.1, 0.2, 0.3], 0.05))
        fc = backtest.forecast(s, ("fitted_family_trend",))
        assert np.nanmax(np.abs(fc.errors("fitted_family_trend"))) < 1e-12

    def test_fitted_level_uses_the_tasks_line_not_its_last_score(self):
        # Task 0: a flat line with a noisy last point; the level is the line's value at the last size.
        scores = np.vstack([[0.3, 0.3, 0.4, 0.3, 0.3, 0.3], np.full(6, 0.5)])
        fc = backtest.forecast(make_series(scores), ("fitted_family_trend",))
        x = np.log10(SIZES[:3])
        slope, intercept = np.polyfit(x, scores[0, :3], 1)
        family_slope = np.polyfit(x, scores[:, :3].mean(axis=0), 1)[0]
        expected = intercept + slope * x[-1] + family_slope * (np.log10(SIZES[3:]) - x[-1])
        np.testing.assert_allclose(fc.pred["fitted_family_trend"][0, 3, 3:], expected, atol=1e-12)

    def test_noise_aware_level_is_the_prefix_mean_for_pure_noise(self):
        # Gains far below the item noise: no drift is estimated and the filter averages the sizes seen.
        scores = np.array([[0.50, 0.51, 0.50, 0.51, 0.50, 0.51]])
        s = make_series(scores)
        s = backtest.Series(s.key, s.name, s.sizes, s.tasks, s.scores, np.array([0.25]), np.array([100.0]))
        fc = backtest.forecast(s, ("noise_aware_level",))
        for j in (3, 4, 5):
            assert fc.pred["noise_aware_level"][0, j, j] == pytest.approx(scores[0, :j].mean(), abs=1e-4)

    def test_noise_aware_level_is_the_last_value_without_noise(self):
        scores = np.clip(0.3 + 0.05 * rng(9).standard_normal((4, 6)).cumsum(axis=1), 0, 1)
        s = make_series(scores)
        s = backtest.Series(s.key, s.name, s.sizes, s.tasks, s.scores, s.chance, np.full(4, np.nan))
        fc = backtest.forecast(s, ("noise_aware_level", "last_value"))
        np.testing.assert_allclose(fc.pred["noise_aware_level"], fc.pred["last_value"], atol=1e-12)


class TestDegenerateSigmoids:
    def test_floor_tasks_are_not_forecast_to_jump_to_the_ceiling(self):
        # The case: two tasks at 0-0.0085 gave MAE 0.995 for the sigmoids against 0.002 for last value.
        scores = np.array([[0.0, 0.0, 0.0085, 0.0, 0.0, 0.004], [0.0, 0.004, 0.0, 0.0085, 0.0, 0.0]])
        s = make_series(scores, chance=np.zeros(2))
        fc = backtest.forecast(s, ("last_value", "sigmoid", "pooled_sigmoid"))
        last = np.nanmean(np.abs(fc.errors("last_value")))
        for m in ("sigmoid", "pooled_sigmoid"):
            assert np.nanmean(np.abs(fc.errors(m))) < last + 0.01, m
            assert fc.diagnostics[m][:, 3].any()  # flagged degenerate

    def test_a_sigmoid_seen_into_its_rise_is_still_extrapolated(self):
        sizes = np.geomspace(1e6, 1e12, 10)
        truth = sigmoid.sigmoid_curve(np.log(sizes), 1.0, np.log(1e9), 0.25, 1.0)
        fc = backtest.forecast(make_series(truth[None, :], sizes=sizes, name="S · b · 0-shot · accuracy"), ("sigmoid",))
        assert np.nanmax(np.abs(fc.errors("sigmoid")[:, 6, 6:])) < 1e-3


class TestJointBootstrap:
    def make(self, name, tasks, benchmark="toybench"):
        s = make_series(linear_scores(np.linspace(0.1, 0.3, len(tasks)), 0.02), name=name, benchmark=benchmark)
        return backtest.Series(s.key, s.name, s.sizes, tuple(tasks), s.scores, s.chance, s.n_items)

    def test_shared_tasks_get_the_same_counts_in_every_ladder(self):
        a = self.make("A · toybench · 0-shot · accuracy", ["t1", "t2", "t3"])
        b = self.make("B · toybench · 0-shot · accuracy", ["t2", "t3", "t4"])
        w = backtest.joint_weights([a, b], n_boot=200)
        np.testing.assert_array_equal(w[a.name][:, 1:], w[b.name][:, :2])

    def test_draws_are_keyed_by_benchmark_not_by_position(self):
        a = self.make("A · toybench · 0-shot · accuracy", ["t1", "t2", "t3"])
        c = self.make("C · otherbench · 0-shot · accuracy", ["t1", "t2", "t3"], benchmark="otherbench")
        w1 = backtest.joint_weights([a, c], n_boot=100)
        w2 = backtest.joint_weights([c, a], n_boot=100)
        np.testing.assert_array_equal(w1[a.name], w2[a.name])
        assert not np.array_equal(w1[a.name], w1[c.name])  # different benchmarks resample independently

    def test_joint_resampling_widens_the_interval_of_identical_ladders(self):
        # Two copies of one ladder: jointly resampled, their average varies as one ladder does.
        g = rng(12)
        scores = np.clip(0.3 + 0.05 * g.standard_normal((30, 6)).cumsum(axis=1), 0, 1)
        a = make_series(scores, name="A · toybench · 0-shot · accuracy")
        b = make_series(scores, name="B · toybench · 0-shot · accuracy")
        bt = backtest.run_backtest([a, b], ("last_value",), ("next",), n_boot=400)
        agg = backtest.aggregate(bt).iloc[0]
        single = bt.table.iloc[0]
        assert agg["ci_high"] - agg["ci_low"] == pytest.approx(single["ci_high"] - single["ci_low"])


class TestNoiseFloor:
    def test_floor_is_the_mean_absolute_deviation_of_a_binomial_score(self):
        n, p = 400, 0.3
        draws = rng(13).binomial(n, p, size=200_000) / n
        simulated = np.abs(draws - p).mean()
        s = make_series(np.full((1, 6), p))
        s = backtest.Series(s.key, s.name, s.sizes, s.tasks, s.scores, s.chance, np.array([float(n)]))
        floor = backtest.noise_floor(backtest.forecast(s, ("last_value",)))
        assert np.nanmax(floor) == pytest.approx(simulated, rel=0.02)

    def test_table_carries_the_floor(self):
        s = make_series(np.clip(0.3 + 0.05 * rng(2).standard_normal((10, 6)).cumsum(axis=1), 0, 1))
        bt = backtest.run_backtest([s], FAST, ("next",), n_boot=50)
        p = np.clip(s.scores, 0.5 / 1000, 1 - 0.5 / 1000)
        expected = np.sqrt(2 / np.pi) * np.sqrt(p * (1 - p) / 1000)[:, 3:].mean()
        assert bt.table["floor"].iloc[0] == pytest.approx(expected)


class TestRegimes:
    def test_a_task_at_chance_and_a_moving_task_are_told_apart(self):
        scores = np.vstack([np.full(6, 0.25), linear_scores([0.3], 0.1)[0]])
        fc = backtest.forecast(make_series(scores), FAST)
        assert fc.near_chance[0, 3:].all() and not fc.near_chance[1, 3:].any()

    def test_regime_rows_partition_the_forecasts(self):
        scores = np.vstack([np.full(6, 0.25), np.full(6, 0.26), linear_scores([0.3], 0.1)[0]])
        bt = backtest.run_backtest([make_series(scores)], ("last_value",), ("all",), n_boot=50)
        reg = bt.regimes[bt.regimes["method"] == "last_value"]
        assert reg["n"].sum() == bt.table["n"].iloc[0]


class TestLadderAverages:
    def test_a_line_forecasts_the_average_of_lines_exactly(self):
        s = make_series(linear_scores([0.1, 0.2, 0.3], 0.05) + np.array([[0.0], [0.0], [0.0]]))
        bt = backtest.average_backtest([s], n_boot=100)
        t = bt.table.set_index(["method", "horizon"])
        assert t.loc[("linear_log_n", "next"), "mae"] < 1e-12
        assert t.loc[("last_value", "next"), "mae"] == pytest.approx(0.05)

    def test_interval_resamples_tasks(self):
        g = rng(14)
        scores = np.clip(0.3 + 0.05 * g.standard_normal((20, 6)).cumsum(axis=1), 0, 1)
        bt = backtest.average_backtest([make_series(scores)], n_boot=300)
        row = bt.table[(bt.table["method"] == "last_value") & (bt.table["horizon"] == "next")].iloc[0]
        # Independently: resample tasks with the same joint draws and recompute the average's error.
        w = backtest.joint_weights([make_series(scores)], 300)[make_series(scores).name]
        avg = (w @ scores) / w.sum(axis=1, keepdims=True)
        replicates = np.mean([np.abs(avg[:, j - 1] - avg[:, j]) for j in range(3, 6)], axis=0)
        assert row["ci_low"] == pytest.approx(np.quantile(replicates, 0.025))
        assert row["ci_high"] == pytest.approx(np.quantile(replicates, 0.975))


class TestIntervalCoverage:
    def test_nominal_coverage_on_exchangeable_errors(self):
        # Constant scores plus independent noise: last value's errors are alike at every origin,
        # so intervals calibrated on earlier origins cover about 90% of later forecasts.
        g = rng(15)
        sizes = np.geomspace(1e6, 1e12, 12)
        scores = 0.5 + 0.03 * g.standard_normal((400, 12))
        s = make_series(scores, sizes=sizes)
        bt = backtest.run_backtest([s], ("last_value",), ("next",), n_boot=100, keep_forecasts=True)
        cov = backtest.interval_coverage(bt, "last_value", steps=1, n_boot=100).iloc[0]
        assert cov["coverage"] == pytest.approx(0.9, abs=0.02)


@pytest.fixture(scope="module")
def series():
    from scaling_report import forecast_chapter

    return forecast_chapter.backtest_ladders()["headline"]


class TestChapterFigures:
    """Chapter 6's claims recomputed independently on the real ladders."""

    def test_pythia_average_line_against_last_value_ten_times_ahead(self, series):
        pythia = next(s for s in series if s.name.startswith("Pythia · lm_eval_harness · 0-shot"))
        bt = backtest.average_backtest([pythia], horizons=("ge_10x",), n_boot=50)
        got = bt.table.set_index("method")["mae"]
        complete = np.isfinite(pythia.scores).all(axis=1)
        avg = pythia.scores[complete].mean(axis=0)
        x = np.log10(pythia.sizes)
        line, last = [], []
        for j in range(3, len(x)):
            slope, intercept = np.polyfit(x[:j], avg[:j], 1)
            for t in range(j, len(x)):
                if pythia.sizes[t] / pythia.sizes[j - 1] >= 10:
                    line.append(abs(np.clip(intercept + slope * x[t], 0, 1) - avg[t]))
                    last.append(abs(avg[j - 1] - avg[t]))
        assert got["linear_log_n"] == pytest.approx(np.mean(line))
        assert got["last_value"] == pytest.approx(np.mean(last))
        assert got["linear_log_n"] < got["last_value"]

    def test_joint_resampling_widens_the_harness_interval(self, series):
        harness = [s for s in series if s.key.get("benchmark") == "lm_eval_harness"]
        bt = backtest.run_backtest(harness, ("last_value", "family_trend"), ("next",), n_boot=400)
        joint = backtest.compare(bt, "last_value", "family_trend", "next", [s.name for s in harness])
        # Independent streams per ladder, as before the fix: the same statistic with unshared draws.
        draws = []
        for i, s in enumerate(harness):
            fc = backtest.forecast(s, ("last_value", "family_trend"))
            _, boot, _ = backtest.summarize(fc, ("next",), n_boot=400, identity=("independent", i))
            draws.append(boot[(s.name, "last_value", "next")][0] - boot[(s.name, "family_trend", "next")][0])
        lo, hi = np.quantile(np.mean(draws, axis=0), [0.025, 0.975])
        assert joint["ci_high"] - joint["ci_low"] > 1.2 * (hi - lo)

    def test_answer_names_no_winner_when_every_interval_reaches_zero(self):
        from scaling_report import forecast_chapter

        tie = {"method": "family_trend", "label": "family-average trend", "diff": 0.001, "ci_low": -0.001, "ci_high": 0.003, "skill": 0.01}
        text = forecast_chapter.answer_text(tie, tie, tie, tie, 0.12)
        assert text.startswith("Per task, no") and "does not beat last value" in text and "no method beats last value" in text

    def test_answer_names_a_winner_whose_interval_excludes_zero(self):
        from scaling_report import forecast_chapter

        win = {"method": "family_trend", "label": "family-average trend", "diff": 0.004, "ci_low": 0.002, "ci_high": 0.006, "skill": 0.1}
        tie = win | {"ci_low": -0.001}
        text = forecast_chapter.answer_text(win, win, win, tie, 0.12)
        assert text.startswith("Per task, only a little: the best method (family-average trend)") and "10% less error" in text

    def test_answer_limits_the_average_claim_to_standard_benchmarks_with_its_interval(self):
        from scaling_report import forecast_chapter

        win = {"method": "family_trend", "label": "family-average trend", "diff": 0.004, "ci_low": 0.002, "ci_high": 0.006, "skill": 0.1}
        text = forecast_chapter.answer_text(win, win, win, win, 0.12)
        assert "on the standard benchmarks, averaged over a ladder's tasks" in text
        assert "by 0.4 points (95% CI [0.2, 0.6]; 10%)" in text


@pytest.fixture(scope="module")
def chapter6():
    from scaling_report import forecast_chapter

    return forecast_chapter.chapter(n_boot=50)


class TestChapterFactsAddedForTheReferee:
    def test_inverse_ladder_averages_line_against_last_value(self, chapter6):
        from scaling_report import forecast_chapter

        inverse = [s for s in forecast_chapter.backtest_ladders()["headline"] if s.group == forecast_chapter.GROUP_INVERSE]
        line_maes, last_maes = [], []
        for s in inverse:
            complete = np.isfinite(s.scores).all(axis=1)
            avg = s.scores[complete].mean(axis=0)
            x = np.log10(s.sizes)
            line, last = [], []
            for j in range(3, len(x)):  # origin: the first j sizes; next size: index j
                slope, intercept = np.polyfit(x[:j], avg[:j], 1)
                line.append(abs(np.clip(intercept + slope * x[j], 0, 1) - avg[j]))
                last.append(abs(avg[j - 1] - avg[j]))
            if line:
                line_maes.append(np.mean(line))
                last_maes.append(np.mean(last))
        f = chapter6.facts
        assert f.inv_avg_line_next.startswith(f"{100 * np.mean(line_maes):.1f} ")
        assert f.inv_avg_last_next.startswith(f"{100 * np.mean(last_maes):.1f} ")
        assert np.mean(line_maes) > np.mean(last_maes)  # the chapter: the line does not help here

    def test_palm_momentum_against_last_value(self, chapter6):
        from scaling_report import forecast_chapter

        palm = next(s for s in forecast_chapter.backtest_ladders()["palm"] if "bigbench_lite" in s.name)
        ok = np.isfinite(palm.scores).all(axis=1)
        p8, p62, p540 = palm.scores[ok, -3], palm.scores[ok, -2], palm.scores[ok, -1]
        momentum = np.clip(p62 + (p62 - p8), 0, 1)
        gain = 100 * (np.mean(np.abs(p62 - p540)) - np.mean(np.abs(momentum - p540)))
        assert chapter6.facts.palm_bbl_momentum_gain.startswith(f"{gain:.1f} ")

    def test_pythia_share_of_standard_ladders(self, chapter6):
        from scaling_report import forecast_chapter

        std = [s.name for s in forecast_chapter.backtest_ladders()["headline"] if s.group == forecast_chapter.GROUP_STANDARD]
        words = {4: "four", 5: "five", 3: "three"}
        assert chapter6.facts.n_pythia_std == words[sum(n.startswith("Pythia") for n in std)]
        assert chapter6.facts.n_ladders_next_std == {7: "seven"}[len(std)]
