"""Sigmoid model, fits, pooled fits, simulated gain correlations and the state model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scaling_report as sr
from scaling_report import sigmoid as S

SIZES = np.geomspace(1e7, 1e11, 12)
X = np.log(SIZES)


# --- sigmoid_curve / predict ----------------------------------------------------------------


class TestSigmoidCurve:
    def test_midpoint_is_halfway(self):
        assert S.sigmoid_curve(20.0, 1.3, 20.0, 0.25, 1.0) == pytest.approx(0.625)

    def test_limits_are_chance_and_ceiling(self):
        assert S.sigmoid_curve(-1e3, 2.0, 0.0, 0.2, 0.9) == pytest.approx(0.2)
        assert S.sigmoid_curve(1e3, 2.0, 0.0, 0.2, 0.9) == pytest.approx(0.9)

    def test_ten_to_ninety_width(self):
        k = 0.8
        q = S.progress(np.array([-np.log(9) / k, np.log(9) / k]), k, 0.0)
        np.testing.assert_allclose(q, [0.1, 0.9])

    def test_broadcasts_tasks_against_sizes(self):
        out = S.sigmoid_curve(X[None, :], np.array([[0.5], [1.0]]), np.array([[20.0], [22.0]]), 0.25, 1.0)
        assert out.shape == (2, X.size)


# --- fit_sigmoid ----------------------------------------------------------------------------


class TestFitSigmoid:
    @pytest.mark.parametrize("k, x0, chance", [(0.9, 21.0, 0.25), (2.0, 23.5, 0.5), (0.5, 20.0, 0.0)])
    def test_recovers_noiseless_parameters(self, k, x0, chance):
        y = S.sigmoid_curve(X, k, x0, chance, 1.0)
        fit = S.fit_sigmoid(SIZES, y, chance)
        assert fit.converged
        assert fit.k == pytest.approx(k, rel=1e-4)
        assert fit.x0 == pytest.approx(x0, abs=1e-4)
        assert fit.sse < 1e-12

    def test_recovers_parameters_under_noise(self):
        # 200 simulated tasks with known k, x0 and noise sd 0.02: the median errors must be small.
        gen = sr.rng(901)
        k = gen.uniform(0.6, 2.0, 200)
        x0 = gen.uniform(19.0, 23.0, 200)  # midpoints inside the sizes (ln 1e7 = 16.1 .. ln 1e11 = 25.3)
        y = S.sigmoid_curve(X[None, :], k[:, None], x0[:, None], 0.25, 1.0) + gen.normal(0, 0.02, (200, X.size))
        fits = [S.fit_sigmoid(SIZES, y[i], 0.25) for i in range(200)]
        assert np.median(np.abs([f.x0 for f in fits] - x0)) < 0.1
        assert np.median(np.abs(np.log([f.k for f in fits] / k))) < 0.1
        # residual rmse estimates the noise sd (n - 2 of 12 degrees of freedom left)
        assert np.median([f.rmse for f in fits]) == pytest.approx(0.02 * np.sqrt(10 / 12), rel=0.15)

    def test_free_ceiling_recovers_ceiling(self):
        y = S.sigmoid_curve(X, 1.2, 21.0, 0.25, 0.8)
        fit = S.fit_sigmoid(SIZES, y, 0.25, ceiling="fit")
        assert fit.ceiling_fitted
        assert fit.ceiling == pytest.approx(0.8, abs=1e-3)
        assert fit.k == pytest.approx(1.2, rel=1e-2)

    def test_fixed_ceiling_number(self):
        y = S.sigmoid_curve(X, 1.2, 21.0, 0.25, 0.8)
        fit = S.fit_sigmoid(SIZES, y, 0.25, ceiling=0.8)
        assert fit.ceiling == 0.8 and not fit.ceiling_fitted
        assert fit.x0 == pytest.approx(21.0, abs=1e-4)

    def test_flat_at_chance_does_not_crash(self):
        fit = S.fit_sigmoid(SIZES, np.full(X.size, 0.25), 0.25)
        assert np.isfinite(fit.k) and np.isfinite(fit.x0)
        assert fit.sse < 1e-6
        assert S.predict(fit, SIZES) == pytest.approx(np.full(X.size, 0.25), abs=1e-3)
        assert np.isnan(fit.r2)  # constant scores: no variance to explain

    def test_non_monotone_curve_flagged(self):
        clean = S.sigmoid_curve(X, 1.0, 21.0, 0.25, 1.0)
        y = clean.copy()
        y[6:] -= 0.3
        fit = S.fit_sigmoid(SIZES, y, 0.25, n_items=500)
        assert not fit.monotone_ok
        # the clean curve rises, so the largest fall is the step at size 6 less the rise there
        assert fit.max_drop == pytest.approx(0.3 - (clean[6] - clean[5]))
        assert fit.gof_p < S.GOF_LEVEL
        assert not fit.sigmoid_ok

    def test_binomial_goodness_of_fit_calibrated(self):
        # With genuine binomial noise, the gof p-value is roughly uniform: few rejections at 1%.
        gen = sr.rng(902)
        p = S.sigmoid_curve(X, 1.0, 21.0, 0.25, 1.0)
        pvals = [S.fit_sigmoid(SIZES, gen.binomial(400, p) / 400, 0.25, n_items=400).gof_p for _ in range(200)]
        assert np.mean(np.array(pvals) < 0.01) < 0.05
        assert np.mean(np.array(pvals) < 0.5) == pytest.approx(0.5, abs=0.15)

    def test_drops_nan_points(self):
        y = S.sigmoid_curve(X, 1.0, 21.0, 0.25, 1.0)
        y[[2, 7]] = np.nan
        fit = S.fit_sigmoid(SIZES, y, 0.25)
        assert fit.n == 10 and fit.x0 == pytest.approx(21.0, abs=1e-4)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="at least 2"):
            S.fit_sigmoid([1e9], [0.5], 0.25)
        with pytest.raises(ValueError, match="chance"):
            S.fit_sigmoid(SIZES, np.full(12, 0.5), np.nan)
        with pytest.raises(ValueError, match="length"):
            S.fit_sigmoid(SIZES, np.full(11, 0.5), 0.25)
        with pytest.raises(ValueError, match="ceiling"):
            S.fit_sigmoid(SIZES, np.full(12, 0.5), 0.25, ceiling="free")
        with pytest.raises(ValueError, match="positive"):
            S.fit_sigmoid(-SIZES, np.full(12, 0.5), 0.25)


class TestMaxDrop:
    def test_values(self):
        assert S.max_drop([0.1, 0.5, 0.3, 0.6, 0.2]) == pytest.approx(0.4)
        assert S.max_drop([0.1, 0.2, 0.3]) == 0.0
        assert S.max_drop([0.4]) == 0.0


# --- fit_pooled -----------------------------------------------------------------------------


def _pooled_data(n_tasks=30, noise=0.02, seed=903, k=0.9):
    gen = sr.rng(seed)
    x0 = gen.normal(21.5, 1.0, n_tasks)
    names = [f"t{i:02d}" for i in range(n_tasks)]
    y = S.sigmoid_curve(X[None, :], k, x0[:, None], 0.25, 1.0) + gen.normal(0, noise, (n_tasks, X.size))
    return names, x0, {t: SIZES for t in names}, {t: y[i] for i, t in enumerate(names)}, {t: 0.25 for t in names}


class TestFitPooled:
    def test_recovers_shared_slope_and_midpoints(self):
        names, x0, n_by, s_by, c_by = _pooled_data()
        fits = S.fit_pooled(n_by, s_by, c_by, shrinkage=0.0)
        assert fits[names[0]].k == pytest.approx(0.9, rel=0.05)
        assert len({f.k for f in fits.values()}) == 1
        errors = np.array([fits[t].x0 for t in names]) - x0
        assert np.median(np.abs(errors)) < 0.1

    def test_shrinkage_pulls_midpoints_together(self):
        _, _, n_by, s_by, c_by = _pooled_data()
        spread = [np.std([f.x0 for f in S.fit_pooled(n_by, s_by, c_by, shrinkage=lam).values()]) for lam in (0.0, 1.0, 1e4)]
        assert spread[0] > spread[1] > spread[2]
        assert spread[2] < 0.05

    def test_few_sizes_per_task(self):
        names, x0, n_by, s_by, c_by = _pooled_data(noise=0.0)
        fits = S.fit_pooled({t: v[:4] for t, v in n_by.items()}, {t: v[:4] for t, v in s_by.items()}, c_by, shrinkage=0.0)
        assert fits[names[0]].k == pytest.approx(0.9, rel=0.05)

    def test_given_separate_fits_give_the_same_pooled_fit(self):
        _, _, n_by, s_by, c_by = _pooled_data()
        separate = {t: S.fit_sigmoid(n_by[t], s_by[t], c_by[t]) for t in s_by}
        refit = S.fit_pooled(n_by, s_by, c_by)
        reused = S.fit_pooled(n_by, s_by, c_by, separate_fits=separate)
        assert all(refit[t].k == reused[t].k and refit[t].x0 == reused[t].x0 for t in s_by)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="at least one"):
            S.fit_pooled({}, {}, {})
        _, _, n_by, s_by, c_by = _pooled_data(n_tasks=3)
        with pytest.raises(ValueError, match="non-negative"):
            S.fit_pooled(n_by, s_by, c_by, shrinkage=-1)
        with pytest.raises(ValueError, match="chance"):
            S.fit_pooled(n_by, s_by, {"t00": 0.25})


# --- fit_ladder -----------------------------------------------------------------------------


def _synthetic_ladder(noise=0.0, seed=904, chance_missing=False):
    from scaling_report.ladders import Ladder

    gen = sr.rng(seed)
    truth = {"alpha": (1.2, 21.0, 0.25), "beta": (0.7, 22.5, 0.5), "gamma": (2.0, 20.0, 0.2)}
    rows = []
    for task, (k, x0, c) in truth.items():
        y = S.sigmoid_curve(X, k, x0, c, 1.0) + noise * gen.standard_normal(X.size)
        for size, score in zip(SIZES, y):
            rows.append({"task": task, "subtask": "", "task_metric": "", "n_params": size, "model": f"m{size:.0f}",
                         "score": score, "chance": np.nan if (chance_missing and task == "beta") else c,
                         "n_items": 1000, "prompting": "", "n_shots": 0})
    return Ladder("Synthetic", "bench", 0, "accuracy", pd.DataFrame(rows)), truth


class TestFitLadder:
    def test_one_row_per_task_recovering_truth(self):
        ladder, truth = _synthetic_ladder()
        table = S.fit_ladder(ladder)
        assert list(table["task"]) == sorted(truth)
        for row in table.itertuples():
            k, x0, _ = truth[row.task]
            assert row.k == pytest.approx(k, rel=1e-3)
            assert row.x0 == pytest.approx(x0, abs=1e-3)
            assert row.x0_inside and row.monotone_ok

    def test_linearised_fit_is_exact_without_noise_or_clipping(self):
        ladder, truth = _synthetic_ladder()
        table = S.fit_ladder(ladder, transform="floor_logit").set_index("task")
        for task in ("alpha", "beta"):  # progress stays inside [0.001, 0.999] at every size
            k, x0, _ = truth[task]
            assert table.loc[task, "k"] == pytest.approx(k, rel=1e-6)
            assert table.loc[task, "x0"] == pytest.approx(x0, abs=1e-6)
        # gamma saturates above 0.999 at the top sizes: clipping flattens the line and biases k down
        assert table.loc["gamma", "k"] < 0.9 * truth["gamma"][0]

    def test_missing_chance_is_reported_not_guessed(self):
        ladder, _ = _synthetic_ladder(chance_missing=True)
        table = S.fit_ladder(ladder).set_index("task")
        assert "no chance level" in table.loc["beta", "note"]
        assert np.isnan(table.loc["beta", "k"])
        assert table.loc["alpha", "note"] == ""

    def test_bad_transform(self):
        ladder, _ = _synthetic_ladder()
        with pytest.raises(ValueError, match="raw"):
            S.fit_ladder(ladder, transform="logit")


# --- states ---------------------------------------------------------------------------------


class TestClassifyStates:
    def test_thresholds(self):
        np.testing.assert_array_equal(S.classify_states([0.0, 0.099, 0.1, 0.5, 0.9, 0.901, 1.0]), [1, 1, 2, 2, 2, 3, 3])

    def test_constructed_curves(self):
        # A sigmoid with k = 1 sampled at x0 - 5, x0, x0 + 5: progress 0.0067, 0.5, 0.9933 -> 1, 2, 3.
        q = S.progress(np.array([15.0, 20.0, 25.0]), 1.0, 20.0)
        np.testing.assert_array_equal(S.classify_states(q), [1, 2, 3])
        # The same curve sampled far below its rise is before the rise throughout.
        np.testing.assert_array_equal(S.classify_states(S.progress(np.array([5.0, 8.0, 11.0]), 1.0, 20.0)), [1, 1, 1])
        # A fitted curve classifies the same way as the true one it recovers.
        fit = S.fit_sigmoid(SIZES, S.sigmoid_curve(X, 1.0, 21.0, 0.25, 1.0), 0.25)
        np.testing.assert_array_equal(
            S.classify_states(S.progress(X, fit.k, fit.x0)), S.classify_states(S.progress(X, 1.0, 21.0))
        )

    def test_bad_input(self):
        with pytest.raises(ValueError, match="low < high"):
            S.classify_states([0.5], low=0.9, high=0.1)
        with pytest.raises(ValueError, match="NaN"):
            S.classify_states([np.nan])


class TestTransitionLabels:
    def test_labels(self):
        labels = S.transition_labels(np.array([[1, 1, 1], [1, 2, 3], [2, 3, 3]]))
        assert list(labels) == ["1→1→1", "1→2→3", "2→3→3"]

    def test_ten_monotone_paths(self):
        assert len(S.TRANSITIONS) == 10
        assert S.TRANSITIONS[0] == "1→1→1" and S.TRANSITIONS[-1] == "3→3→3"

    def test_bad_input(self):
        with pytest.raises(ValueError, match="three sizes"):
            S.transition_labels(np.array([[1, 2]]))
        with pytest.raises(ValueError, match="1, 2 or 3"):
            S.transition_labels(np.array([[0, 1, 2]]))


class TestStateDecomposition:
    def test_contributions_add_up_to_r(self):
        gen = sr.rng(905)
        g1, g2 = gen.normal(size=500), gen.normal(size=500)
        g2 = g2 + 0.4 * g1
        labels = gen.choice(list(S.TRANSITIONS), 500)
        table = S.state_decomposition(g1, g2, labels)
        assert table["contribution"].sum() == pytest.approx(np.corrcoef(g1, g2)[0, 1])
        assert table["count"].sum() == 500
        assert table["share"].sum() == pytest.approx(1.0)

    def test_group_contribution_by_hand(self):
        g1 = np.array([0.0, 1.0, 2.0, 3.0])
        g2 = np.array([1.0, 0.0, 3.0, 2.0])
        table = S.state_decomposition(g1, g2, np.array(["1→1→1", "1→1→1", "2→2→2", "2→2→2"], dtype=object)).set_index("transition")
        # deviations: d1 = (-1.5, -0.5, 0.5, 1.5), d2 = (-0.5, -1.5, 1.5, 0.5); sum d1^2 = sum d2^2 = 5
        assert table.loc["1→1→1", "contribution"] == pytest.approx((0.75 + 0.75) / 5)
        assert table.loc["2→2→2", "contribution"] == pytest.approx((0.75 + 0.75) / 5)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="one length"):
            S.state_decomposition([1.0, 2.0], [1.0], ["1→1→1", "1→1→1"])


# --- simulated gain correlations ------------------------------------------------------------


class TestGainCorrelation:
    def test_pure_noise_gives_minus_half(self):
        r = S.gain_correlation(8.0, S.Population(x0_sd=2.0, k_median=0.0, noise=0.05), n_tasks=200000, identity=906)
        assert r == pytest.approx(-0.5, abs=0.01)

    def test_identical_noiseless_tasks_have_no_correlation(self):
        assert np.isnan(S.gain_correlation(2.0, S.Population(x0_sd=0.0, k_median=1.0), n_tasks=100))

    def test_wide_steps_give_minus_one(self):
        # With no noise and steps far wider than any rise, g1 + g2 = ceiling - chance for every task.
        assert S.gain_correlation(2.0**40, S.Population(x0_sd=2.0, k_median=1.0), n_tasks=5000) == pytest.approx(-1.0, abs=1e-6)

    def test_tiny_steps_give_plus_one(self):
        assert S.gain_correlation(2.0**0.001, S.Population(x0_sd=2.0, k_median=1.0), n_tasks=5000) == pytest.approx(1.0, abs=1e-3)

    @pytest.mark.parametrize("noise", [0.0025, 0.005, 0.01])
    def test_linear_regime_matches_closed_form(self, noise):
        population = S.Population(x0_sd=0.0, k_median=0.2, k_sd=0.5, noise=noise)
        simulated = S.gain_correlation(1.5, population, n_tasks=200000, identity=907)
        assert simulated == pytest.approx(S.linear_regime_correlation(1.5, population), abs=0.015)

    def test_closed_form_pure_noise(self):
        assert S.linear_regime_correlation(4.0, S.Population(0.0, 0.3, k_sd=0.0, noise=0.1)) == pytest.approx(-0.5)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="non-negative"):
            S.Population(x0_sd=-1.0, k_median=1.0)
        with pytest.raises(ValueError, match="exceed 1"):
            S.gain_correlation(1.0, S.Population(1.0, 1.0))
        with pytest.raises(ValueError, match="3 tasks"):
            S.gain_correlation(2.0, S.Population(1.0, 1.0, noise=0.1), n_tasks=2)


class TestSimulateTasks:
    def test_states_on_constructed_populations(self):
        # Identical tasks with midpoint at the middle size, k = 1: ×e^5 steps cross all three states ...
        sim = S.simulate_tasks(np.exp(5.0), S.Population(x0_sd=0.0, k_median=1.0), 50)
        assert set(sim["transitions"]) == {"1→2→3"}
        # ... and ×1.1 steps stay inside the rise.
        sim = S.simulate_tasks(1.1, S.Population(x0_sd=0.0, k_median=1.0), 50)
        assert set(sim["transitions"]) == {"2→2→2"}

    def test_deterministic(self):
        a = S.simulate_tasks(4.0, S.REFERENCE, 100, identity=3)
        b = S.simulate_tasks(4.0, S.REFERENCE, 100, identity=3)
        np.testing.assert_array_equal(a["y"], b["y"])


class TestCorrelationGrid:
    def test_noise_only_cells_and_bands(self):
        grid = S.correlation_grid([1.0, 3.0], [1.0], [0.05], [0.0], n_tasks=24, n_benchmarks=200, identity=908)
        # 4,800 pure-noise tasks per cell: r = -1/2 within Monte Carlo error (se about 0.011)
        assert np.allclose(grid["r"], -0.5, atol=0.04)
        assert (grid["lo"] < grid["r"]).all() and (grid["r"] < grid["hi"]).all()

    def test_matches_single_simulation_in_distribution(self):
        grid = S.correlation_grid([3.0], [np.log(10)], [0.02], [1.0], n_tasks=100, n_benchmarks=100, identity=909)
        direct = S.gain_correlation(8.0, S.Population(np.log(10), 1.0, noise=0.02), n_tasks=100000, identity=910)
        assert grid["r"].iloc[0] == pytest.approx(direct, abs=0.04)


class TestSelectTriples:
    def test_ratios(self):
        sizes = [1, 2, 4, 8, 16]
        assert S.select_triples(sizes, 1.5, 2.5) == [(1, 2, 4), (2, 4, 8), (4, 8, 16)]
        assert S.select_triples(sizes, 3.0, 5.0) == [(1, 4, 16)]
        assert S.select_triples(sizes, 10.0, 20.0) == []


class TestSimulateFittedCorrelations:
    def test_no_noise_gives_the_curves_own_correlation(self):
        ladder, _ = _synthetic_ladder()
        fits = S.fit_ladder(ladder)
        fits["n_items"] = 1e15  # binomial noise vanishes
        wide = ladder.matrix("raw")
        triple = tuple(SIZES[[2, 5, 8]])
        draws = S.simulate_fitted_correlations(fits, wide, triple, n_reps=5, noise="binomial")
        y = S.sigmoid_curve(np.log(np.array(triple))[None, :], fits["k"].to_numpy()[:, None], fits["x0"].to_numpy()[:, None],
                            fits["chance"].to_numpy()[:, None], 1.0)
        expected = np.corrcoef(y[:, 1] - y[:, 0], y[:, 2] - y[:, 1])[0, 1]
        np.testing.assert_allclose(draws, expected, atol=1e-6)

    def test_bad_noise(self):
        ladder, _ = _synthetic_ladder()
        with pytest.raises(ValueError, match="residual"):
            S.simulate_fitted_correlations(S.fit_ladder(ladder), ladder.matrix("raw"), tuple(SIZES[:3]), noise="gauss")


# --- summaries ------------------------------------------------------------------------------


class TestIntervals:
    def test_median_ci_covers_the_median(self):
        values = sr.rng(911).normal(3.0, 1.0, 400)
        median, low, high = S.median_ci(values)
        assert median == pytest.approx(np.median(values))
        assert low < median < high
        # normal-theory se of the median: 1.2533 sigma / sqrt(n)
        assert (high - low) == pytest.approx(2 * 1.96 * 1.2533 / np.sqrt(400), rel=0.3)

    def test_rise_width(self):
        assert S.rise_ratio(1.0) == pytest.approx(81.0)
        assert S.rise_decades(1.0) == pytest.approx(np.log10(81.0))


class TestResidualSd:
    def test_matches_a_direct_computation(self):
        ladder, _ = _synthetic_ladder(noise=0.03)
        fits = S.fit_ladder(ladder)
        wide = ladder.matrix("raw")
        got = S.residual_sd(fits, wide)
        for i, row in enumerate(fits.itertuples()):
            resid = wide.iloc[i].to_numpy() - S.sigmoid_curve(X, row.k, row.x0, row.chance, row.ceiling)
            assert got[i] == pytest.approx(np.std(resid, ddof=0) * np.sqrt(X.size / (X.size - 2)))


class TestMonotonicityCheck:
    def test_false_alarm_rate_under_binomial_noise(self):
        # Flat curves with pure binomial noise: flagged non-monotone at most 1% of the time (drop <= range).
        gen = sr.rng(912)
        flags = [not S.fit_sigmoid(SIZES, gen.binomial(300, 0.4, X.size) / 300, 0.25, n_items=300).monotone_ok for _ in range(400)]
        assert np.mean(flags) <= 0.02

    def test_range_quantile_matches_simulation(self):
        z = sr.rng(913).standard_normal((200000, 12))
        simulated = np.quantile(z.max(axis=1) - z.min(axis=1), 0.99)
        assert S.range_quantile(12) == pytest.approx(simulated, rel=0.02)


# --- chapter 4 additions: printed bands, fitted population, centred residuals, hierarchy --------


class TestBenchmarkBand:
    def test_digits_are_stable_across_seeds(self):
        # E6: the printed 95% range of r for 24-task benchmarks must not depend on the seed beyond
        # its own Monte Carlo error, and that error must be below half a printed unit (0.005).
        a = S.benchmark_band(8.0, S.REFERENCE, identity=11)
        b = S.benchmark_band(8.0, S.REFERENCE, identity=12)
        for key in ("low", "high"):
            se = np.hypot(a[f"{key}_se"], b[f"{key}_se"])
            assert abs(a[key] - b[key]) < 4 * se
            assert a[f"{key}_se"] < 0.003

    def test_matches_the_fisher_sampling_distribution_for_a_bivariate_normal(self):
        # Independent check: flat tasks with pure noise give population r = -1/2; the sample r of
        # 24 tasks then has (approximately) the Fisher-z distribution atanh(r) ~ N(atanh(-1/2), 1/21).
        flat = S.Population(x0_sd=0.0, k_median=0.0, noise=0.05)
        band = S.benchmark_band(8.0, flat, n_benchmarks=20_000)
        z = np.arctanh(-0.5)
        expected = np.tanh(z + np.array([-1.96, 1.96]) / np.sqrt(21))
        assert band["r"] == pytest.approx(-0.5, abs=0.01)
        assert [band["low"], band["high"]] == pytest.approx(list(expected), abs=0.03)

    def test_needs_whole_batches(self):
        with pytest.raises(ValueError, match="multiple"):
            S.benchmark_band(8.0, S.REFERENCE, n_benchmarks=1001)


class TestFittedPopulation:
    def test_uses_median_slope_and_noise(self):
        fits = pd.DataFrame({"status": ["rising, midpoint inside", "rising, midpoint outside", "flat"], "k": [0.2, 0.6, 3.0],
                             "rmse": [0.01, 0.02, 0.03], "n": [12, 12, 12], "ceiling": [1.0, 1.0, 1.0], "chance": [0.5, 0.5, 0.5]})
        pop = S.fitted_population(fits)
        assert pop.k_median == pytest.approx(0.4)
        assert pop.noise == pytest.approx(np.median(fits["rmse"] * np.sqrt(12 / 10) / 0.5))
        assert S.fitted_population(fits, noise=0.02).noise == 0.02


def _toy_ladder(scores: np.ndarray, chance: float = 0.25, n_items: float = 400.0, tasks=None):
    from scaling_report.ladders import find_ladders

    n_tasks, n_sizes = scores.shape
    tasks = tasks or [f"t{i:03d}" for i in range(n_tasks)]
    rows = [{"family": "Toy", "model": f"m{j}", "n_params": float(SIZES[j]), "benchmark": "toybench", "task": tasks[i], "subtask": "",
             "task_metric": "", "n_shots": 0, "prompting": "0-shot", "metric": "accuracy", "score": float(scores[i, j]),
             "chance": chance, "n_items": n_items} for i in range(n_tasks) for j in range(n_sizes)]
    (ladder,) = find_ladders(pd.DataFrame(rows))
    return ladder


class TestCentredNoiseRatio:
    def test_offset_does_not_count_as_noise(self):
        # Tasks flat at 0.22 (below chance 0.25, where the curve cannot go) plus binomial noise:
        # uncentred, the offset inflates the ratio; centred, it is about 1.
        gen = sr.rng(905)
        n = 400.0
        scores = 0.22 + gen.normal(0, np.sqrt(0.22 * 0.78 / n), size=(300, SIZES.size))
        ladder = _toy_ladder(scores, n_items=n)
        fits = S.add_fit_status(S.fit_ladder(ladder))
        centred = S.centred_noise_ratio([ladder], fits)
        assert np.median(centred) == pytest.approx(1.0, abs=0.1)
        assert np.median(fits["noise_ratio"]) > 1.5 * np.median(centred)


class TestHierarchical:
    def test_recovers_a_low_ceiling_population(self):
        # 60 tasks with ceilings near 0.6 and midpoints inside the sizes: partial pooling recovers
        # the population's median ceiling and slope.
        gen = sr.rng(906)
        t = 60
        k = 0.8 * np.exp(0.2 * gen.standard_normal(t))
        x0 = gen.uniform(19.5, 22.5, t)
        ceiling = 0.25 + 0.75 / (1 + np.exp(-(0.4 + 0.3 * gen.standard_normal(t))))
        truth = S.sigmoid_curve(X[None, :], k[:, None], x0[:, None], 0.25, ceiling[:, None])
        scores = truth + gen.normal(0, 0.01, truth.shape)
        table, pop = S.fit_hierarchical(_toy_ladder(scores, n_items=2000.0))
        assert pop["ceiling_median"] == pytest.approx(np.median(ceiling), abs=0.03)
        assert pop["k_median"] == pytest.approx(0.8, rel=0.15)
        assert (table["status"].str.startswith("rising")).all()

    def test_flat_tasks_at_chance_stay_flat(self):
        gen = sr.rng(907)
        scores = 0.25 + gen.normal(0, 0.02, size=(40, SIZES.size))
        table, _ = S.fit_hierarchical(_toy_ladder(scores))
        assert (table["status"] == "flat").mean() > 0.8


class TestLogitGainTest:
    def test_noise_free_sigmoids_give_r_one(self):
        # Without noise, logit-scale gains are k times the step: across tasks with different k the
        # two gains of an evenly spaced triple correlate perfectly.
        gen = sr.rng(908)
        t = 30
        k, x0 = gen.uniform(0.3, 1.5, t), gen.uniform(20.0, 22.0, t)
        scores = S.sigmoid_curve(X[None, :], k[:, None], x0[:, None], 0.25, 0.9)
        ladder = _toy_ladder(scores)
        hier = pd.DataFrame({"task": [f"t{i:03d}" for i in range(t)], "k": k, "x0": x0, "ceiling": 0.9, "chance": 0.25,
                             "status": "rising, midpoint inside"})
        triple = tuple(SIZES[4:7])
        out = S.logit_gain_test(ladder, hier, [triple], noise_scale=1.0, n_reps=50)
        assert out["r"].iloc[0] == pytest.approx(1.0, abs=1e-9)


class TestPlateau:
    def test_smallest_denominator(self):
        assert S.smallest_denominator([5 / 34, 13 / 34]) == 34
        assert S.smallest_denominator(np.round([5 / 34, 13 / 34], 3)) == 34
        assert S.smallest_denominator([0.5]) == 2

    def test_plateau_counts_and_wilson_interval(self):
        from statsmodels.stats.proportion import proportion_confint

        frame = pd.DataFrame({"family": "PaLM", "task": "x", "n_params": [8e9, 6.2e10, 5.4e11], "score": [0.147, 0.382, 0.382]})
        out = S.plateau_check(frame, task="x")
        assert out["n_items"] == 34 and out["counts"] == [5, 13, 13]
        # Wilson by hand: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
        z, n, p = 1.959963984540054, 34, 13 / 34
        centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert out["low"][-1] == pytest.approx(centre - half) and out["high"][-1] == pytest.approx(centre + half)
        with pytest.raises(ValueError, match="no scores"):
            S.plateau_check(frame, task="missing")


@pytest.fixture(scope="module")
def chapter4():
    return S.chapter_results()


def _numpy_sigmoid_r(spacing: float, k: float, noise: float, n: int, seed: int, x0_sd: float = np.log(10.0), reshape: int | None = None):
    """Independent simulation of the three-size sigmoid model with plain numpy."""
    gen = np.random.default_rng(seed)
    x = np.log(spacing) * np.array([-1.0, 0.0, 1.0])
    x0 = x0_sd * gen.standard_normal(n)
    y = 1 / (1 + np.exp(-k * (x[None, :] - x0[:, None]))) + noise * gen.standard_normal((n, 3))
    g1, g2 = y[:, 1] - y[:, 0], y[:, 2] - y[:, 1]
    if reshape is None:
        return np.corrcoef(g1, g2)[0, 1]
    g1, g2 = g1.reshape(-1, reshape), g2.reshape(-1, reshape)
    g1, g2 = g1 - g1.mean(axis=1, keepdims=True), g2 - g2.mean(axis=1, keepdims=True)
    return (g1 * g2).sum(axis=1) / np.sqrt((g1**2).sum(axis=1) * (g2**2).sum(axis=1))


class TestChapterFourFacts:
    """The conclusions of chapter 4, recomputed independently."""

    def test_reference_population_near_zero_at_x8(self, chapter4):
        r = _numpy_sigmoid_r(8.0, 1.0, 0.02, 400_000, 1)
        assert chapter4.facts.ref_r_d3 == pytest.approx(r, abs=0.05)  # the grid pools 4,800 tasks per cell

    def test_fitted_population_at_x8(self, chapter4):
        fits = chapter4.fits
        k = float(np.median(fits.loc[fits["status"].str.startswith("rising"), "k"]))
        noise = float(np.median(fits["rmse"] * np.sqrt(fits["n"] / (fits["n"] - 2)) / (fits["ceiling"] - fits["chance"])))
        assert chapter4.facts.fitted_noise == pytest.approx(noise)
        assert chapter4.facts.fitted_r_d3_fitted_noise == pytest.approx(_numpy_sigmoid_r(8.0, k, noise, 400_000, 2), abs=0.01)
        assert chapter4.facts.fitted_r_d3_ref_noise == pytest.approx(_numpy_sigmoid_r(8.0, k, 0.02, 400_000, 3), abs=0.01)

    def test_printed_band_by_an_independent_simulation(self, chapter4):
        r = _numpy_sigmoid_r(8.0, 1.0, 0.02, 24 * 40_000, 4, reshape=24)
        low, high = np.quantile(r, [0.025, 0.975])
        assert chapter4.facts.ref_band_low == pytest.approx(low, abs=0.015)
        assert chapter4.facts.ref_band_high == pytest.approx(high, abs=0.015)

    def test_reproduction_counts(self, chapter4):
        rep = chapter4.reproduction
        inside = ((rep["sim_low"] <= rep["r"]) & (rep["r"] <= rep["sim_high"])).sum()
        assert chapter4.facts.inside == inside and chapter4.facts.triples == len(rep)

    def test_logit_gains_recomputed(self, chapter4):
        # One triple of the logit-scale test, recomputed from the data and the hierarchical fit.
        row = chapter4.logit_test.iloc[0]
        ladder = next(l for l in chapter4.ladders if l.name == row["ladder"])
        hier = chapter4.hierarchical[chapter4.hierarchical["ladder"] == row["ladder"]].set_index("task")
        wide = ladder.matrix("raw").reset_index(level=["subtask", "task_metric"], drop=True)
        scores = wide.loc[hier.index, list(row["triple"])].to_numpy(float)
        c, h = hier["chance"].to_numpy()[:, None], hier["ceiling"].to_numpy()[:, None]
        ok = ((scores > c + S.LOGIT_MARGIN) & (scores < h - S.LOGIT_MARGIN)).all(axis=1) & hier["status"].str.startswith("rising").to_numpy()
        q = (scores[ok] - c[ok]) / (h[ok] - c[ok])
        z = np.log(q / (1 - q))
        assert row["r"] == pytest.approx(np.corrcoef(z[:, 1] - z[:, 0], z[:, 2] - z[:, 1])[0, 1])
        assert chapter4.facts.logit_sig_positive == int((chapter4.logit_test["ci_low"] > 0).sum())


class TestRisingRule:
    def _fit_row(self, ceiling: float, chance: float = 0.25) -> pd.DataFrame:
        # A curve that goes from 1% to 99% of its own range across sizes e^20 .. e^24.
        k = 2 * np.log(99) / 4.0
        return pd.DataFrame({"log_n_min": [20.0], "log_n_max": [24.0], "k": [k], "x0": [22.0], "ceiling": [ceiling], "chance": [chance],
                             "mean_score": [0.3], "n": [8], "rmse": [0.01], "n_items": [500.0], "monotone_ok": [True], "x0_inside": [True]})

    def test_rise_is_measured_from_chance_to_one(self):
        # rise of the own range is 0.98; in score it is 0.98 (h - c), against a tenth of (1 - c) = 0.075
        low = S.add_fit_status(self._fit_row(ceiling=0.3)).iloc[0]
        assert low["rise"] == pytest.approx(0.98)
        assert low["rise_of_range"] == pytest.approx(0.98 * 0.05 / 0.75)
        assert low["status"] == "flat"
        high = S.add_fit_status(self._fit_row(ceiling=0.4)).iloc[0]
        assert high["rise_of_range"] == pytest.approx(0.98 * 0.15 / 0.75) and high["status"].startswith("rising")
        one = S.add_fit_status(self._fit_row(ceiling=1.0)).iloc[0]
        assert one["rise_of_range"] == pytest.approx(one["rise"])  # ceiling 1: the same as the share of its own range


class TestThreadStateTable:
    def test_contributions_add_up_to_r_at_each_spacing(self):
        states = S.simulated_states(n_tasks=4000)
        table = S.thread_state_table(states)
        assert list(table["Path"]) == list(S.THREAD_STATE_SIGNS)
        for spacing in S.STATE_SPACINGS:
            column = table[f"×{spacing:g}"]
            total = sum(float(v.replace("−", "-")) for v in column if v != "—")
            r = states.loc[states["spacing"] == spacing, "r"].iloc[0]
            assert total == pytest.approx(r, abs=0.006)  # ten cells rounded to 0.001


class TestRefereeFactsChapterFour:
    """Numbers added after the referee's recomputation of chapter 4."""

    def test_one_printed_value_per_spacing_matches_numpy(self, chapter4):
        f = chapter4.facts
        for spacing, value, seed in ((2.0, f.ref_r_d1, 11), (64.0, f.ref_r_d6, 12)):
            assert value == pytest.approx(_numpy_sigmoid_r(spacing, 1.0, 0.02, 400_000, seed), abs=0.015)  # 20,000 simulated tasks
        states = chapter4.states.set_index(["spacing", "transition"])
        assert f.contrib_122_8 == states.loc[(8.0, "1→2→2"), "contribution"] and f.ref_r_d3 == states.loc[(8.0, "1→1→1"), "r"]

    def test_free_ceiling_counts_recomputed(self, chapter4):
        free = chapter4.free_ceiling
        q = lambda x: 1 / (1 + np.exp(-free["k"] * (x - free["x0"])))
        rise = q(free["log_n_max"]) - q(free["log_n_min"])
        ok = free["monotone_ok"].fillna(True).astype(bool)
        in_score = rise * (free["ceiling"] - free["chance"]) / (1 - free["chance"])
        assert chapter4.facts.free_rising == int((ok & (in_score >= 0.1)).sum())
        assert chapter4.facts.free_rising_own_ceiling == int((ok & (rise >= 0.1)).sum())
        assert chapter4.facts.free_rising <= chapter4.facts.free_rising_own_ceiling

    def test_non_monotone_counts_against_chance(self, chapter4):
        fits = chapter4.fits
        flagged = fits["max_drop"] > fits["drop_tolerance"]
        assert chapter4.facts.all_nonmono == int(flagged.sum())
        assert chapter4.facts.nonmono_expected_false == pytest.approx(0.01 * len(fits))
        excess = (fits["max_drop"] - fits["drop_tolerance"])[flagged]
        assert chapter4.facts.nonmono_near_tolerance == int((excess <= 0.01).sum())

    def test_display_tables(self, chapter4):
        logit = S.display_logit_test(chapter4.logit_test)
        assert not logit["Tasks per triple"].str.contains(r"\.").any()
        hier = S.display_hierarchical(chapter4.populations, chapter4.fits, chapter4.hierarchical)
        assert list(hier["Log-slope spread (sd)"]) == [f"{v:.2f}" for v in chapter4.populations["log_k_sd"]]


class TestRefereeRound2ChapterFour:
    """Figures reworded after the second referee report, recomputed independently."""

    def test_slow_tasks_largest_correlation(self, chapter4):
        # Plain numpy, another seed per step: the largest r of k = 0.3 tasks over the explorer's steps.
        r = [_numpy_sigmoid_r(2.0 ** d, 0.3, 0.02, 200_000, 100 + i) for i, d in enumerate(S.EXPLORER_DOUBLINGS)]
        assert chapter4.facts.slow_max_r == pytest.approx(max(r), abs=0.01)
        assert chapter4.facts.slow_max_r < 0  # "never turn positive"

    def test_explorer_cell_printed_next_to_the_large_simulation(self, chapter4):
        g = chapter4.grid
        cell = g[np.isclose(g["x0_decades"], 1.0) & np.isclose(g["noise"], 0.02) & np.isclose(g["k"], 1.0) & np.isclose(g["doublings"], 3.0)]
        assert len(cell) == 1
        f = chapter4.facts
        assert (f.grid_ref_r_d3, f.grid_ref_band_low, f.grid_ref_band_high) == tuple(float(cell[c].iloc[0]) for c in ("r", "lo", "hi"))
        # The cell pools 200 benchmarks of 24 tasks: an independent run of that size scatters its lower edge by several hundredths.
        edges = [np.quantile(_numpy_sigmoid_r(8.0, 1.0, 0.02, 24 * 200, 200 + s, reshape=24), 0.025) for s in range(20)]
        assert np.std(edges) > 0.02

    def test_mmlu_ratio_interval_below_one(self, chapter4):
        # Own percentile bootstrap of the median squared centred ratio over each harness ladder's MMLU subjects.
        fits = chapter4.fits
        gen = np.random.default_rng(77)
        below = []
        for name, rows in fits[(fits["benchmark"] != "bigbench") & fits["task"].str.startswith("mmlu_")].groupby("ladder", sort=False):
            sq = rows["noise_ratio_centred"].to_numpy(float) ** 2
            medians = np.median(sq[gen.integers(0, len(sq), (4000, len(sq)))], axis=1)
            if np.quantile(medians, 0.975) < 1:
                parts = name.split(" · ")
                below.append(f"{parts[0]} ({parts[2]})")
        assert chapter4.facts.mmlu_below_one == " and ".join(below)

    def test_fits_near_the_flat_cut(self, chapter4):
        # The rise recomputed from each fit's slope and midpoint (ceiling 1, so the share of chance-to-1 equals it).
        fits = chapter4.fits
        q = lambda x: 1 / (1 + np.exp(-fits["k"] * (x - fits["x0"])))
        rise = (q(fits["log_n_max"]) - q(fits["log_n_min"])) * (fits["ceiling"] - fits["chance"]) / (1 - fits["chance"])
        kept = fits["max_drop"] <= fits["drop_tolerance"]
        assert chapter4.facts.near_flat_rise == int((kept & ((rise - 0.1).abs() < 0.01)).sum())
