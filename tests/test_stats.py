"""The gain regression against synthetic data with a known correlation, and against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from scaling_report import stats


def _bivariate(rho: float, n: int, seed: int = 1) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    cov = [[1, rho], [rho, 1]]
    xy = generator.multivariate_normal([0, 0], cov, size=n)
    return pd.DataFrame({"gain1": xy[:, 0], "gain2": xy[:, 1]})


class TestRegress:
    def test_recovers_known_correlation(self):
        fit = stats.regress(_bivariate(0.6, 20000), n_boot=200)
        assert fit["r"] == pytest.approx(0.6, abs=0.02)
        assert fit["ci_low"] < 0.6 < fit["ci_high"]

    def test_matches_scipy_pearson_and_linregress(self):
        frame = _bivariate(-0.3, 50, seed=7)
        fit = stats.regress(frame, n_boot=100)
        expected = sps.linregress(frame["gain1"], frame["gain2"])
        assert fit["r"] == pytest.approx(expected.rvalue)
        assert fit["slope"] == pytest.approx(expected.slope)
        assert fit["intercept"] == pytest.approx(expected.intercept)
        assert fit["p"] == pytest.approx(expected.pvalue)
        assert fit["r2"] == pytest.approx(expected.rvalue**2)

    def test_exact_line_has_unit_correlation(self):
        frame = pd.DataFrame({"gain1": [1.0, 2.0, 3.0, 4.0, 5.0], "gain2": [3.0, 5.0, 7.0, 9.0, 11.0]})
        fit = stats.regress(frame, n_boot=50)
        assert fit["r"] == pytest.approx(1.0) and fit["slope"] == pytest.approx(2.0)

    def test_interval_covers_truth_at_nominal_rate(self):
        covered = 0
        for seed in range(200):
            fit = stats.regress(_bivariate(0.3, 40, seed=seed), n_boot=10)
            covered += fit["ci_low"] <= 0.3 <= fit["ci_high"]
        assert 0.90 <= covered / 200 <= 0.99

    def test_constant_predictor_gives_nan_not_error(self):
        frame = pd.DataFrame({"gain1": [1.0, 1.0, 1.0, 1.0], "gain2": [0.1, 0.2, 0.3, 0.4]})
        fit = stats.regress(frame)
        assert fit["n"] == 4 and np.isnan(fit["r"])

    def test_two_predictors_rejected(self):
        with pytest.raises(ValueError, match="one predictor"):
            stats.regress(_bivariate(0.1, 10), "gain2 ~ gain1 + other")


class TestFisherCI:
    def test_closed_form(self):
        low, high = stats.fisher_ci(0.5, 28)
        z, half = np.arctanh(0.5), 1.959963984540054 / 5
        assert low == pytest.approx(np.tanh(z - half)) and high == pytest.approx(np.tanh(z + half))

    def test_undefined_for_tiny_samples(self):
        assert all(np.isnan(stats.fisher_ci(0.5, 3)))


def wilson_by_hand(p, n, level=0.95):
    """The Wilson score interval written out: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = sps.norm.ppf(0.5 + level / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


class TestWilsonInterval:
    @pytest.mark.parametrize(("k", "n"), [(3, 40), (0, 315), (150, 300), (299, 300), (1000, 1000), (7000, 7344)])
    def test_closed_form(self, k, n):
        low, high = stats.wilson_interval(k / n, n)
        ref_low, ref_high = wilson_by_hand(k / n, n)
        assert low == pytest.approx(ref_low, abs=1e-12)
        assert high == pytest.approx(ref_high, abs=1e-12)
        assert stats.share_interval(k, n) == pytest.approx((ref_low, ref_high), abs=1e-12)

    def test_closed_form_at_zero_and_all(self):
        # k = 0: [0, z²/(n + z²)]; k = n: [n/(n + z²), 1].
        n, z = 315, sps.norm.ppf(0.975)
        low, high = stats.wilson_interval(0.0, n)
        assert low == pytest.approx(0.0, abs=1e-15)
        assert high == pytest.approx(z**2 / (n + z**2), rel=1e-12)
        low, high = stats.wilson_interval(1.0, n)
        assert low == pytest.approx(n / (n + z**2), rel=1e-12)
        assert high == pytest.approx(1.0)

    def test_elementwise_with_non_integer_counts_and_level(self):
        p, n = np.array([0.2, 0.5, 0.333, np.nan]), np.array([100, 400, 37.5, 50])
        low, high = stats.wilson_interval(p, n, level=0.9)
        ref = np.array([wilson_by_hand(pi, ni, 0.9) for pi, ni in zip(p[:3], n[:3])])
        np.testing.assert_allclose(low[:3], ref[:, 0], rtol=1e-12)
        np.testing.assert_allclose(high[:3], ref[:, 1], rtol=1e-12)
        assert np.isnan(low[3]) and np.isnan(high[3])  # a missing score gives no interval

    @pytest.mark.parametrize(("p", "n", "level", "message"), [(1.2, 10, 0.95, "proportions"), (-0.1, 10, 0.95, "proportions"),
                                                              (0.5, 0, 0.95, "item counts"), (0.5, 10, 1.0, "level")])
    def test_bad_input(self, p, n, level, message):
        with pytest.raises(ValueError, match=message):
            stats.wilson_interval(p, n, level)

    def test_share_of_nothing_is_an_error(self):
        with pytest.raises(ValueError, match="item counts"):
            stats.share_interval(0, 0)


class TestBootstrap:
    def test_deterministic(self):
        frame = _bivariate(0.2, 30)
        assert stats.bootstrap_r(frame.gain1, frame.gain2, "a") == stats.bootstrap_r(frame.gain1, frame.gain2, "a")

    def test_interval_near_fisher_for_normal_data(self):
        frame = _bivariate(0.4, 400, seed=3)
        boot = stats.bootstrap_r(frame.gain1, frame.gain2, "a", n_boot=4000)
        fisher = stats.fisher_ci(np.corrcoef(frame.gain1, frame.gain2)[0, 1], 400)
        assert boot[0] == pytest.approx(fisher[0], abs=0.03) and boot[1] == pytest.approx(fisher[1], abs=0.03)

    def test_pearson_rows_matches_numpy(self):
        generator = np.random.default_rng(0)
        x, y = generator.normal(size=(5, 30)), generator.normal(size=(5, 30))
        expected = [np.corrcoef(a, b)[0, 1] for a, b in zip(x, y)]
        assert np.allclose(stats.pearson_rows(x, y), expected)


class TestPercentileInterval:
    def test_matches_numpy_quantiles_and_ignores_non_finite(self):
        draws = np.r_[np.arange(1001.0), np.nan, np.inf]
        assert stats.percentile_interval(draws) == pytest.approx((25.0, 975.0))

    def test_empty_is_undefined(self):
        assert all(np.isnan(stats.percentile_interval([np.nan])))


class TestBootstrapStatistic:
    def test_mean_interval_close_to_normal_theory(self):
        values = np.random.default_rng(5).normal(2.0, 1.0, size=400)
        estimate, low, high = stats.bootstrap(values, np.mean, n_boot=4000, identity="a")
        half = 1.96 * values.std(ddof=1) / np.sqrt(400)
        assert estimate == pytest.approx(values.mean())
        assert low == pytest.approx(values.mean() - half, abs=0.02) and high == pytest.approx(values.mean() + half, abs=0.02)

    def test_deterministic_for_an_identity(self):
        values = np.arange(30.0)
        assert stats.bootstrap(values, np.median, identity="a") == stats.bootstrap(values, np.median, identity="a")


class TestFit:
    def test_each_row_matches_scipy_linregress(self):
        generator = np.random.default_rng(11)
        x = generator.normal(size=(4, 25))
        y = np.array([0.5, -0.3, 0.0, 0.9])[:, None] * x + generator.normal(size=(4, 25))
        fits = stats.fit(x, y)
        for i in range(4):
            expected = sps.linregress(x[i], y[i])
            assert fits["r"][i] == pytest.approx(expected.rvalue)
            assert fits["slope"][i] == pytest.approx(expected.slope)
            assert fits["intercept"][i] == pytest.approx(expected.intercept)
            assert fits["p"][i] == pytest.approx(expected.pvalue)

    def test_nan_pairs_are_left_out_of_their_row_only(self):
        generator = np.random.default_rng(12)
        x, y = generator.normal(size=(2, 20)), generator.normal(size=(2, 20))
        x[0, [1, 5]] = np.nan
        fits = stats.fit(x, y)
        keep = np.ones(20, dtype=bool)
        keep[[1, 5]] = False
        assert fits["n"].tolist() == [18, 20]
        assert fits["r"][0] == pytest.approx(np.corrcoef(x[0, keep], y[0, keep])[0, 1])
        assert fits["r"][1] == pytest.approx(np.corrcoef(x[1], y[1])[0, 1])

    def test_interval_is_scipys_fisher_interval(self):
        generator = np.random.default_rng(13)
        x = generator.normal(size=40)
        y = 0.4 * x + generator.normal(size=40)
        fit = stats.fit_one(x, y)
        expected = sps.pearsonr(x, y).confidence_interval(0.95)
        assert (fit["ci_low"], fit["ci_high"]) == pytest.approx((expected.low, expected.high))

    def test_one_task_that_moved_is_degenerate(self):
        # Nine tasks clipped to the floor at every size (zero gains) and one that moved: r = 1
        # from a single task, which the flag must catch.
        x = np.r_[np.zeros(9), 2.0]
        y = np.r_[np.zeros(9), 3.0]
        fit = stats.fit_one(x, y)
        assert fit["r"] == pytest.approx(1.0)
        assert fit["n_moving"] == 1 and fit["degenerate"]

    def test_ordinary_fit_is_not_degenerate(self):
        frame = _bivariate(0.3, 30, seed=2)
        assert not stats.fit_one(frame.gain1, frame.gain2)["degenerate"]

    def test_significance_rate_under_the_null_is_the_expected_count(self):
        # 4,000 fits of independent normal gains: the share whose Fisher interval excludes zero
        # is what expected_under_null says (5%), and half of it on each side.
        generator = np.random.default_rng(14)
        x, y = generator.normal(size=(2, 4000, 24))
        fits = stats.fit(x, y)
        negative = int((fits["ci_high"] < 0).sum())
        significant = int(((fits["ci_low"] > 0) | (fits["ci_high"] < 0)).sum())
        assert significant == pytest.approx(stats.expected_under_null(4000), abs=40)
        assert negative == pytest.approx(stats.expected_under_null(4000, two_sided=False), abs=30)


class TestSeeds:
    def test_stable_and_distinct(self):
        identity = ("Pythia", "lm_eval_harness", 0, "accuracy")
        assert stats.seed_for(identity) == stats.seed_for(("Pythia", "lm_eval_harness", 0, "accuracy"))
        assert stats.seed_for(identity) != stats.seed_for(("OPT", "lm_eval_harness", 0, "accuracy"))

    def test_known_value_of_the_hash(self):
        # The seed is the first 8 bytes (little-endian) of sha256("<SEED>:<repr>"), recomputed here.
        import hashlib

        from scaling_report import SEED

        digest = hashlib.sha256(f"{SEED}:{('a', 1)!r}".encode()).digest()
        assert stats.seed_for(("a", 1)) == int.from_bytes(digest[:8], "little")


class TestTaskBootstrap:
    def test_weighted_r_is_r_on_resampled_indices(self):
        generator = np.random.default_rng(15)
        x, y = generator.normal(size=(2, 3, 30))
        index = stats.task_indices(30, 50, "w")
        draws = stats.weighted_r(x, y, stats.task_weights(30, 50, "w"))
        expected = np.array([[np.corrcoef(x[i, b], y[i, b])[0, 1] for b in index] for i in range(3)])
        assert np.allclose(draws, expected)

    def test_fits_sharing_tasks_move_together(self):
        # Two ladders that hold the same tasks get the same resample in every draw, so identical
        # gains give identical draws, and a ladder without a task ignores that column.
        generator = np.random.default_rng(16)
        g1, g2 = generator.normal(size=(2, 40))
        x = np.stack([g1, g1, np.r_[g1[:20], np.full(20, np.nan)]])
        y = np.stack([g2, g2, np.r_[g2[:20], np.full(20, np.nan)]])
        draws = stats.joint_draws(x, y, 200, "shared")
        assert np.array_equal(draws[0], draws[1])
        weights = stats.task_weights(40, 200, "shared")[:, :20]
        assert np.allclose(draws[2], stats.weighted_r(g1[:20], g2[:20], weights)[0])

    def test_effective_number_of_identical_and_independent_estimates(self):
        generator = np.random.default_rng(17)
        same = np.tile(generator.normal(size=2000), (5, 1))
        assert stats.effective_number(same) == pytest.approx(1.0)
        independent = generator.normal(size=(5, 20000))
        assert stats.effective_number(independent) == pytest.approx(5.0, rel=0.05)
        # Equicorrelated with rho = 0.5: m / (1 + (m - 1) rho) = 5 / 3.
        common = generator.normal(size=20000)
        mixed = np.sqrt(0.5) * common + np.sqrt(0.5) * generator.normal(size=(5, 20000))
        assert stats.effective_number(mixed) == pytest.approx(5 / 3, rel=0.05)


class TestRobust:
    def test_permutation_p_equals_exact_enumeration(self):
        import itertools

        x = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.7])
        y = np.array([0.3, 0.2, 0.6, 0.8, 0.1, 0.9])
        observed = abs(np.corrcoef(x, y)[0, 1])
        perms = [abs(np.corrcoef(x, np.array(p))[0, 1]) for p in itertools.permutations(y)]
        exact = np.mean(np.array(perms) >= observed - 1e-12)
        assert stats.permutation_p(x, y) == pytest.approx(exact)

    def test_leave_one_out_and_spearman(self):
        frame = _bivariate(0.5, 15, seed=4)
        x, y = frame.gain1.to_numpy(), frame.gain2.to_numpy()
        loo = stats.leave_one_out_r(x, y)
        assert np.allclose(loo, [np.corrcoef(np.delete(x, i), np.delete(y, i))[0, 1] for i in range(15)])
        result = stats.robust(x, y)
        assert result["spearman"] == pytest.approx(sps.spearmanr(x, y).statistic)
        assert result["loo_min"] == pytest.approx(loo.min())


class TestBinomialNoise:
    @staticmethod
    def _simulate(true_r: float, n_tasks: int = 40000, n_items: int = 200, seed: int = 18):
        generator = np.random.default_rng(seed)
        cov = 0.0016 * np.array([[1, true_r], [true_r, 1]])
        gains = generator.multivariate_normal([0.05, 0.05], cov, size=n_tasks)
        p1 = generator.uniform(0.3, 0.5, size=n_tasks)
        truth = np.stack([p1, p1 + gains[:, 0], p1 + gains[:, 0] + gains[:, 1]], axis=1)
        scores = generator.binomial(n_items, truth) / n_items
        return scores, np.full(n_tasks, n_items)

    def test_noise_alone_gives_the_predicted_negative_r(self):
        scores, n = self._simulate(0.0)
        g1, g2 = scores[:, 1] - scores[:, 0], scores[:, 2] - scores[:, 1]
        observed = np.corrcoef(g1, g2)[0, 1]
        result = stats.binomial_noise(scores[:, 0], scores[:, 1], scores[:, 2], n, observed)
        assert observed == pytest.approx(result["r_noise"], abs=0.02)
        assert result["r_corrected"] == pytest.approx(0.0, abs=0.05)

    def test_correction_recovers_a_known_true_correlation(self):
        scores, n = self._simulate(0.6)
        g1, g2 = scores[:, 1] - scores[:, 0], scores[:, 2] - scores[:, 1]
        observed = np.corrcoef(g1, g2)[0, 1]
        result = stats.binomial_noise(scores[:, 0], scores[:, 1], scores[:, 2], n, observed)
        assert observed < 0.5  # noise pulled it down
        assert result["r_corrected"] == pytest.approx(0.6, abs=0.05)
        assert 0 < result["noise_share1"] < 1


def test_holm_matches_a_hand_step_down():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    order = np.argsort(p)
    stepped = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    expected = np.empty_like(p)
    expected[order] = np.minimum(stepped, 1)
    assert stats.holm(p) == pytest.approx(expected)


def test_unbounded_noise_correction_matches_the_closed_form():
    generator = np.random.default_rng(7)
    f1, f2, f3 = (np.clip(generator.uniform(0.3, 0.8, 40) + shift, 0, 1) for shift in (0.0, 0.05, 0.1))
    n = np.full(40, 200.0)
    r = float(np.corrcoef(f2 - f1, f3 - f2)[0, 1])
    v = [np.mean(f * (1 - f) / n) for f in (f1, f2, f3)]
    V1, V2 = np.var(f2 - f1, ddof=1), np.var(f3 - f2, ddof=1)
    expected = (r + v[1] / np.sqrt(V1 * V2)) / np.sqrt((1 - (v[0] + v[1]) / V1) * (1 - (v[1] + v[2]) / V2))
    out = stats.binomial_noise(f1, f2, f3, n, r)
    assert out["r_corrected_unbounded"] == pytest.approx(expected)
    if abs(expected) <= 1:
        assert out["r_corrected"] == pytest.approx(expected)
