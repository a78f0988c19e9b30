"""Chapter 3: the closed form against simulation, and the lag-covariance estimator on ladders
simulated with known noise and momentum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_report import data, noise, stats
from scaling_report.ladders import find_ladders
from scaling_report.reanalysis import chapter_ladders


def ladder_from(scores: np.ndarray, n_items: np.ndarray | None = None, benchmark: str = "toybench"):
    n_tasks, n_sizes = scores.shape
    rows = []
    for j in range(n_sizes):
        for i in range(n_tasks):
            rows.append({"family": "Toy", "model": f"m{j}", "n_params": 10.0 ** (6 + j), "benchmark": benchmark, "task": f"t{i:04d}",
                         "subtask": "", "task_metric": "", "n_shots": 0, "prompting": "0-shot", "metric": "accuracy",
                         "score": float(scores[i, j]), "chance": 0.25, "n_items": np.nan if n_items is None else n_items[i]})
    (ladder,) = find_ladders(pd.DataFrame(rows))
    return ladder


class TestObservedCorrelation:
    def test_limits(self):
        assert noise.observed_correlation(0.3, 1.0, 1.0, 0.0) == pytest.approx(0.3)  # no noise: the true r
        assert noise.observed_correlation(0.0, 0.0, 0.0, 1.0) == pytest.approx(-0.5)  # pure noise
        # Unequal variances: (c - s) / sqrt((t1 + 2s)(t2 + 2s)) by hand.
        assert noise.observed_correlation(0.5, 1.0, 2.0, 0.25) == pytest.approx(0.25 / np.sqrt(1.5 * 2.5))

    def test_bad_input(self):
        with pytest.raises(ValueError):
            noise.observed_correlation(0.0, -1.0, 1.0, 0.1)
        with pytest.raises(ValueError):
            noise.observed_correlation(2.0, 1.0, 1.0, 0.1)  # |c| > tau1 tau2


class TestClosedFormAgainstSimulation:
    @pytest.mark.parametrize(
        "rho, sigma_sq, tau1_sq, tau2_sq",
        [(0.0, 1.0, 1.0, 1.0), (0.6, 0.3, 1.0, 1.0), (0.8, 0.5, 1.0, 2.5), (-0.3, 2.0, 0.5, 1.0)],
    )
    def test_population_correlation(self, rho, sigma_sq, tau1_sq, tau2_sq):
        # One very large ladder: the sample r has standard error (1 - r²) / sqrt(n).
        n = 400_000
        g1, g2 = noise.simulate_gains(1, n, rho, sigma_sq, tau1_sq, tau2_sq, np.random.default_rng(7))
        r = np.corrcoef(g1[0], g2[0])[0, 1]
        c = rho * np.sqrt(tau1_sq * tau2_sq)
        expected = float(noise.observed_correlation(c, tau1_sq, tau2_sq, sigma_sq))
        assert abs(r - expected) < 4 * (1 - expected**2) / np.sqrt(n)

    def test_sixty_task_ladders(self):
        # The thread's 60-task setting: the mean r over many ladders sits at the closed form up to
        # Monte-Carlo error and the known small-sample bias of r, about -r(1 - r²)/(2n).
        n_ladders = 20_000
        r = noise.simulate_r(n_ladders, 60, 0.5, 0.4, generator=np.random.default_rng(8))
        expected = float(noise.observed_correlation(0.5, 1.0, 1.0, 0.4))
        bias = -expected * (1 - expected**2) / (2 * 60)
        assert abs(r.mean() - (expected + bias)) < 4 * r.std() / np.sqrt(n_ladders)

    def test_band_contains_closed_form(self):
        band = noise.simulation_band(np.array([0.05, 1.0, 20.0]), (0.0, 0.6), n_sims=3000)
        assert ((band["low"] < band["closed_form"]) & (band["closed_form"] < band["high"])).all()
        assert np.abs(band["median"] - band["closed_form"]).max() < 0.03

    def test_grid_broadcasting(self):
        g1, g2 = noise.simulate_gains(50, 60, 0.2, np.array([0.1, 1.0, 10.0])[:, None, None], generator=np.random.default_rng(9))
        assert g1.shape == g2.shape == (3, 50, 60)
        with pytest.raises(ValueError):
            noise.simulate_gains(0, 60)
        with pytest.raises(ValueError):
            noise.simulate_gains(5, 60, rho=1.5)


class TestLagCovariances:
    def test_against_explicit_loops(self):
        generator = np.random.default_rng(10)
        gains = generator.normal(size=(30, 6))
        v = noise.lag_covariances(gains, 3)
        centred = gains - gains.mean(axis=0)
        for h in range(4):
            products = [centred[t, k] * centred[t, k + h] for t in range(30) for k in range(6 - h)]
            assert v[h] == pytest.approx(np.mean(products) * 30 / 29)

    def test_needs_enough_gains(self):
        with pytest.raises(ValueError, match="lag 2"):
            noise.lag_covariances(np.zeros((10, 2)), 2)
        with pytest.raises(ValueError, match="two tasks"):
            noise.lag_covariances(np.zeros((1, 5)), 2)


class TestEstimatorRecoversTruth:
    @pytest.mark.parametrize("sigma_sq, gamma, idio_sq", [(1.0, 0.5, 0.5), (0.2, 0.1, 0.9), (2.0, 0.8, 0.2)])
    def test_known_noise_and_momentum(self, sigma_sq, gamma, idio_sq):
        drift = np.linspace(0.5, 2.0, 7)  # a common trend per step, removed by the centring
        scores = noise.simulate_ladder(6000, 8, sigma_sq, gamma, idio_sq, drift, np.random.default_rng(11))
        est = noise.estimate_noise(np.diff(scores, axis=1), n_boot=200)
        tau_sq = gamma + idio_sq
        assert est["sigma_sq"] == pytest.approx(sigma_sq, abs=0.08 * (1 + sigma_sq))
        assert est["gamma"] == pytest.approx(gamma, abs=0.08)
        assert est["tau_sq"] == pytest.approx(tau_sq, abs=0.15 * (1 + sigma_sq))
        assert est["noise_share"] == pytest.approx(2 * sigma_sq / (tau_sq + 2 * sigma_sq), abs=0.05)
        assert est["rho_true"] == pytest.approx(gamma / tau_sq, abs=0.12)
        for key, truth in (("sigma_sq", sigma_sq), ("gamma", gamma)):
            assert est[f"{key}_low"] < truth < est[f"{key}_high"]

    def test_noise_free_ladder(self):
        scores = noise.simulate_ladder(5000, 6, 0.0, 0.3, 0.7, generator=np.random.default_rng(12))
        est = noise.estimate_noise(np.diff(scores, axis=1), n_boot=100)
        assert est["sigma_sq"] == pytest.approx(0.0, abs=0.04)
        assert est["rho_observed"] == pytest.approx(0.3, abs=0.04)

    def test_interval_coverage(self):
        # Over repeated small ladders (65 tasks, 7 gains: Pythia's shape) the 95% interval for
        # sigma² should cover the truth in most replications.
        covered = 0
        for seed in range(40):
            scores = noise.simulate_ladder(65, 8, 1.0, 0.5, 0.5, generator=np.random.default_rng(100 + seed))
            est = noise.estimate_noise(np.diff(scores, axis=1), n_boot=300, identity=seed)
            covered += est["sigma_sq_low"] < 1.0 < est["sigma_sq_high"]
        assert covered >= 33  # 95% nominal; binomial(40, 0.95) falls below 34 with probability < 5%

    def test_lag_profile_is_flat_beyond_lag_one(self):
        scores = noise.simulate_ladder(4000, 9, 1.0, 0.5, 0.5, generator=np.random.default_rng(13))
        profile = noise.lag_profile(ladder_from(scores), n_boot=100)
        cov = profile.set_index("lag")["cov"]
        assert cov[1] == pytest.approx(0.5 - 1.0, abs=0.1)
        assert cov[2] == pytest.approx(0.5, abs=0.1) and cov[3] == pytest.approx(0.5, abs=0.1)
        diff, low, high = profile.attrs["v3_minus_v2"]
        assert low < 0 < high

    def test_stationarity_halves_agree_on_a_stationary_ladder(self):
        scores = noise.simulate_ladder(3000, 12, 1.0, 0.5, 0.5, generator=np.random.default_rng(14))
        halves = noise.stationarity(ladder_from(scores), n_boot=200)
        assert list(halves["half"]) == ["lower", "upper"]
        row = halves.iloc[0]
        assert row["sigma_sq_diff_low"] < 0 < row["sigma_sq_diff_high"]
        assert row["gamma_diff_low"] < 0 < row["gamma_diff_high"]
        with pytest.raises(ValueError, match="each half"):
            noise.stationarity(ladder_from(scores[:, :6]), n_boot=10)


class TestNaiveBinomial:
    def test_formulas(self):
        scores = np.array([[0.5, 0.7, 0.9]])
        n = np.array([100.0])
        naive = noise.naive_gain_noise(scores, n)
        assert naive[0] == pytest.approx([(0.25 + 0.21) / 100, (0.21 + 0.09) / 100])
        floor = noise.agreement_floor(scores, n)
        assert floor[0] == pytest.approx([0.2 * 0.8 / 100, 0.2 * 0.8 / 100])

    def test_naive_matches_observed_when_items_are_independent(self):
        # Each size answers its own random items with the same true accuracy: the naive model is
        # exactly right, so the observed variance of gains equals the naive noise variance.
        generator = np.random.default_rng(15)
        t, n = 3000, 200
        p = generator.uniform(0.3, 0.8, size=(t, 1))
        scores = generator.binomial(n, np.repeat(p, 4, axis=1)) / n
        check = noise.naive_noise_check(ladder_from(scores, np.full(t, n)), n_boot=200)
        assert check["observed"].to_numpy() == pytest.approx(check["naive"].to_numpy(), rel=0.1)

    def test_shared_items_make_naive_too_large(self):
        # Every size answers the same items; a bigger model answers correctly every item a smaller
        # one does plus a few more. The gain's item noise is then far below the naive value.
        generator = np.random.default_rng(16)
        t, n = 2000, 200
        difficulty = generator.uniform(size=(t, n))
        skill = np.array([0.3, 0.35, 0.4, 0.45])
        correct = difficulty[:, None, :] < skill[None, :, None]
        scores = correct.mean(axis=2)
        check = noise.naive_noise_check(ladder_from(scores, np.full(t, n)), n_boot=100)
        assert (check["naive"] > 3 * check["observed"]).all()
        # Nested answers: the gain is the share of items gained, binomial(n, Δp) / n: the floor.
        assert check["floor"].to_numpy() == pytest.approx(check["observed"].to_numpy(), rel=0.25)

    def test_item_check_detects_a_1024_subsample(self):
        generator = np.random.default_rng(17)
        k = generator.integers(300, 700, size=(2, 6))
        scores = np.round(k / 1024, 4)
        check = noise.bigbench_item_check(ladder_from(scores, np.array([2900.0, 3100.0])))
        assert check["multiple_of_cap"].all() and not check["multiple_of_n"].any() and check["n_testable"].all()


class TestSmallestTriple:
    def test_pure_noise_gives_minus_half_everywhere(self):
        generator = np.random.default_rng(18)
        scores = 0.5 + generator.normal(0, 0.02, size=(4000, 6))
        per_triple, summary = noise.triple_correlations(ladder_from(scores), n_boot=200)
        assert per_triple["r"].to_numpy() == pytest.approx(np.full(4, -0.5), abs=0.04)
        # No triple is special: the first differs from the others by Monte-Carlo error only.
        assert abs(summary["diff"]) < 0.05 and summary["diff_high"] - summary["diff_low"] < 0.1
        assert abs(summary["trend_per_step"]) < 0.02

    def test_detects_a_different_first_triple(self):
        # Noise only at the second-smallest size makes the first triple strongly negative.
        generator = np.random.default_rng(19)
        scores = 0.5 + generator.normal(0, 0.005, size=(3000, 6))
        scores[:, 1] += generator.normal(0, 0.05, size=3000)
        _, summary = noise.triple_correlations(ladder_from(scores), n_boot=200)
        assert summary["first_r"] < -0.8 and summary["diff_high"] < 0


class TestFamilyTable:
    def test_ratio_to_naive_uses_shared_bootstrap(self):
        generator = np.random.default_rng(20)
        t, n = 400, 300
        p = generator.uniform(0.3, 0.8, size=(t, 1)) + np.linspace(0, 0.1, 6)
        scores = generator.binomial(n, np.clip(p, 0, 1)) / n
        table = noise.family_table([ladder_from(scores, np.full(t, n))], n_boot=200)
        row = table.iloc[0]
        # Independent binomial noise per size: the ladder's own 2σ² matches the naive value.
        assert row["ladder_over_naive_low"] < 1 < row["ladder_over_naive_high"]
        assert row["ladder_over_naive"] == pytest.approx(1.0, abs=0.2)


def ladder_with_chance(scores: np.ndarray, chance: float = 0.25):
    ladder = ladder_from(scores)
    assert (ladder.rows["chance"] == chance).all()
    return ladder


class TestRegimeCorrelations:
    def test_known_regimes(self):
        # Half the tasks sit at chance with pure noise (r = -1/2); the other half rise well above
        # chance with strong persistent momentum and little noise (r near +1).
        generator = np.random.default_rng(21)
        t, k = 2000, 6
        at_chance = 0.25 + generator.normal(0, 0.01, size=(t, k))
        rate = generator.uniform(0.01, 0.05, size=(t, 1))
        rising = 0.45 + rate * np.arange(k) + generator.normal(0, 0.001, size=(t, k))
        result = noise.regime_correlations(ladder_with_chance(np.vstack([at_chance, rising])), n_boot=100)
        assert result["r_near"] == pytest.approx(-0.5, abs=0.05)
        assert result["r_above"] > 0.9
        assert result["diff_low"] > 1.2 and result["near_share"] == pytest.approx(0.5)

    def test_against_masked_correlations(self):
        # Independent implementation: np.corrcoef on each regime's tasks at each triple.
        generator = np.random.default_rng(22)
        scores = np.clip(0.25 + np.abs(generator.normal(0, 0.06, size=(80, 1))) + generator.normal(0, 0.02, size=(80, 6)).cumsum(axis=1), 0, 1)
        result = noise.regime_correlations(ladder_with_chance(scores), n_boot=50)
        gains = np.diff(scores, axis=1)
        near_r, above_r = [], []
        for j in range(4):
            near = scores[:, j : j + 3].mean(axis=1) - 0.25 < noise.NEAR_CHANCE
            for mask, out in ((near, near_r), (~near, above_r)):
                if mask.sum() >= noise.MIN_GROUP:
                    out.append(np.corrcoef(gains[mask, j], gains[mask, j + 1])[0, 1])
        assert result["r_near"] == pytest.approx(np.mean(near_r))
        assert result["r_above"] == pytest.approx(np.mean(above_r))


class TestSizeContrast:
    def test_against_hand_computed_paired_t(self):
        from scipy import stats as sps

        generator = np.random.default_rng(23)
        scores = generator.uniform(0.2, 0.8, size=(40, 4))
        result = noise.size_contrast(ladder_from(scores), 1, 3)
        d = scores[:, 3] - scores[:, 1]
        t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
        assert result["p"] == pytest.approx(2 * sps.t.sf(abs(t), len(d) - 1))
        assert result["ratio"] == pytest.approx(100.0)


class TestRhoNeeded:
    @pytest.mark.parametrize("share", [0.2, 0.5, 0.7])
    def test_zero_crossing_by_the_closed_form(self, share):
        # Equal true variances tau² = 1: a noise share s means sigma² = s / (2(1 - s)). At the
        # momentum rho_needed(s) the closed form gives r = 0.
        sigma_sq = share / (2 * (1 - share))
        rho = float(noise.rho_needed(share))
        if rho <= 1:
            assert float(noise.observed_correlation(rho, 1.0, 1.0, sigma_sq)) == pytest.approx(0.0, abs=1e-12)
        assert float(noise.rho_needed(1.2)) == np.inf


@pytest.fixture(scope="module")
def chapter():
    return noise.chapter_results(n_boot=300, n_sims=300)


class TestChapterFacts:
    """Chapter 3's conclusions, recomputed from the data with plain numpy."""

    def test_noise_shares_recomputed(self, chapter):
        shares = []
        for ladder in noise.noise_ladders(chapter_ladders(data.load_all())):
            gains = np.diff(ladder.matrix("raw").dropna().to_numpy(float), axis=1)
            c = gains - gains.mean(axis=0)
            t, k = c.shape
            v = [np.mean([c[i, j] * c[i, j + h] for i in range(t) for j in range(k - h)]) * t / (t - 1) for h in range(3)]
            shares.append(2 * (v[2] - v[1]) / v[0])
        assert chapter.facts.noise_share_min == pytest.approx(min(shares))
        assert chapter.facts.noise_share_max == pytest.approx(max(shares))
        needed = [s / (2 * (1 - s)) if s < 1 else np.inf for s in shares]
        assert chapter.facts.rho_needed_min == pytest.approx(min(needed))
        assert chapter.facts.rho_needed_over_one == sum(n > 1 for n in needed)

    def test_flags_match_the_table(self, chapter):
        fmt_two = lambda v: f"{v:.2f}"  # noqa: E731
        families, halves = chapter.families, chapter.halves
        assert chapter.facts.noise_share_ci_above_one == int((families["noise_share_high"] > 1).sum())
        assert chapter.facts.halves_share_above_one == int((halves["noise_share_low"] > 1).sum())
        # One fact for the one sign test: clear ladders start at 0.01 or more, boundary ones print as 0.00.
        printed_low = [fmt_two(v) for v in families["persistent_share_low"]]
        assert chapter.facts.momentum_clear_n == sum(float(v) > 0 for v in printed_low)
        assert chapter.facts.momentum_boundary_n == sum(float(v) == 0 for v in printed_low)
        assert chapter.facts.momentum_clear_n + chapter.facts.momentum_boundary_n >= int((families["persistent_share_low"] > 0).sum())

    def test_near_chance_regime_is_the_most_negative(self, chapter):
        # The conclusion "near chance, r is close to -1/2 and below the above-chance r on every
        # ladder" recomputed with np.corrcoef on BIG-G.
        regimes = chapter.regimes.set_index("ladder")
        assert chapter.facts.regime_all_diff_positive == bool((regimes["r_above"] > regimes["r_near"]).all())
        assert -0.6 < chapter.facts.regime_near_min <= chapter.facts.regime_near_max < -0.3

    def test_above_chance_range_recomputed_with_corrcoef(self, chapter):
        # Chapter 4 quotes the above-chance mean r and the near-chance share over the ladders tested:
        # recomputed per triple with np.corrcoef and exact 'at most 5 points' membership.
        from scaling_report import data
        from scaling_report.reanalysis import chapter_ladders, ladder_names

        ladder_list = chapter_ladders(data.load_all())
        names = ladder_names(ladder_list)
        by_name = {ladder.name: ladder for ladder in ladder_list}
        above, shares = [], []
        for key in noise.SMALL_SIZE_KEYS:
            ladder = by_name[names[key]]
            wide = ladder.matrix("raw").dropna()
            chance = ladder.rows.groupby(list(noise.ladders.TASK_ID))["chance"].first().reindex(wide.index)
            wide, chance = wide[chance.notna()], chance[chance.notna()].to_numpy()
            scores = wide.to_numpy()
            rs, n_near, n_all = [], 0, 0
            for j in range(scores.shape[1] - 2):
                near = np.round(scores[:, j : j + 3].mean(axis=1) - chance, 9) <= noise.NEAR_CHANCE
                n_near, n_all = n_near + near.sum(), n_all + len(near)
                g = np.diff(scores[~near, j : j + 3], axis=1)
                if len(g) >= noise.MIN_GROUP:
                    rs.append(np.corrcoef(g[:, 0], g[:, 1])[0, 1])
            above.append(np.mean(rs))
            shares.append(n_near / n_all)
        assert chapter.facts.regime_above_min == pytest.approx(min(above), abs=1e-9)
        assert chapter.facts.regime_above_max == pytest.approx(max(above), abs=1e-9)
        assert chapter.facts.regime_near_share_min == pytest.approx(min(shares))
        assert chapter.facts.regime_near_share_max == pytest.approx(max(shares))


class TestPooledRegime:
    def test_ladders_sharing_tasks_are_resampled_together(self):
        # Two ladders that score the same tasks: the pooled interval comes from one draw of tasks,
        # so pooling a ladder with an exact copy of itself reproduces that ladder's own difference.
        generator = np.random.default_rng(24)
        scores = np.clip(0.25 + np.abs(generator.normal(0, 0.08, size=(60, 1))) + generator.normal(0, 0.02, size=(60, 6)).cumsum(axis=1), 0, 1)
        a = ladder_from(scores)
        pooled = noise.pooled_regime_difference([a, a], n_boot=200)
        single = noise.regime_correlations(a, n_boot=200, boot_index=None)
        assert pooled["diff"] == pytest.approx(single["diff"])
        assert pooled["n_ladders"] == 2 and pooled["n_tasks"] == 60

    def test_refuses_different_task_sets(self):
        generator = np.random.default_rng(25)
        a = ladder_from(generator.uniform(0.3, 0.6, size=(20, 5)))
        b = ladder_from(generator.uniform(0.3, 0.6, size=(21, 5)))
        with pytest.raises(ValueError, match="one task set"):
            noise.pooled_regime_difference([a, b], n_boot=10)


class TestShareFlag:
    @pytest.mark.parametrize("low, high, words", [(0.2, 0.9, "inside"), (0.4, 1.2, "reaches above 1"), (1.2, 2.0, "rejected"), (-0.2, 0.5, "below 0")])
    def test_flags(self, low, high, words):
        assert words in noise.share_flag(low, high)


class TestRefereeFixes:
    """Numbers added after the referee's recomputation of chapter 3, checked independently."""

    def test_momentum_needed_at_the_lower_ends_gives_zero_correlation(self, chapter):
        # At rho = s / (2(1 - s)) the closed form must give r = 0 for a noise share s: checked with
        # the closed form itself (tau^2 = 1, sigma^2 = s / (2(1 - s)) so that 2 sigma^2 / V0 = s).
        lows = chapter.families["noise_share_low"].to_numpy(float)
        needed = lows / (2 * (1 - lows))
        for s, rho in zip(lows, needed):
            sigma_sq = s / (2 * (1 - s))
            assert 2 * sigma_sq / (1 + 2 * sigma_sq) == pytest.approx(s)
            assert float(noise.observed_correlation(rho, 1.0, 1.0, sigma_sq)) == pytest.approx(0.0, abs=1e-12)
        assert chapter.facts.rho_needed_low_min == pytest.approx(needed.min())
        assert chapter.facts.rho_needed_low_max == pytest.approx(needed.max())
        assert chapter.facts.rho_needed_low_max < chapter.facts.rho_needed_min  # the hedge the chapter prints

    def test_significant_regime_list_names_exactly_the_rows_that_exclude_zero(self, chapter):
        regimes = chapter.regimes
        sig = regimes[regimes["diff_low"] > 0]
        assert chapter.facts.regime_diff_sig == len(sig)
        for name, low in regimes[["ladder", "diff_low"]].to_numpy():
            # no prose name is a substring of another ('Pythia 0-shot' is not in 'Pythia (deduped) 0-shot')
            assert (noise.prose_ladder(name) + " ") in chapter.facts.regime_sig_list + " " if low > 0 else \
                (noise.prose_ladder(name) + " ") not in chapter.facts.regime_sig_list
        rest = regimes[regimes["diff_low"] <= 0]
        assert chapter.facts.regime_closest_miss_low == pytest.approx(rest["diff_low"].max())
        assert chapter.facts.regime_closest_miss == noise.prose_ladder(rest.loc[rest["diff_low"].idxmax(), "ladder"])

    def test_prose_ladder_names(self):
        assert noise.prose_ladder("BIG-G T=0 · bigbench · 3-shot · multiple_choice_grade") == "BIG-G"
        assert noise.prose_ladder("Pythia (deduped) · lm_eval_harness · 0-shot · accuracy") == "Pythia (deduped) 0-shot"

    def test_naive_counts_by_an_independent_bootstrap(self, chapter):
        # BIG-G: observed variance of gains against the naive binomial noise, with plain numpy and a
        # bootstrap of its own (4,000 draws of tasks).
        bigg = next(l for l in chapter_ladders(data.load_all()) if l.name == chapter.names["bigg"])
        scores, index, _ = noise.score_matrix(bigg)
        n = noise.item_counts(bigg, index)
        keep = np.isfinite(n)
        scores, n = scores[keep], n[keep]
        gains = np.diff(scores, axis=1)
        v = scores * (1 - scores) / n[:, None]
        naive = v[:, 1:] + v[:, :-1]
        draws = np.random.default_rng(77).integers(0, len(gains), size=(4000, len(gains)))
        boot_var = np.stack([gains[d].var(axis=0, ddof=1) for d in draws])
        boot_excess = boot_var - np.stack([naive[d].mean(axis=0) for d in draws])
        assert chapter.facts.naive_exceeds == int((naive.mean(axis=0) > gains.var(axis=0, ddof=1)).sum())
        assert chapter.facts.naive_above_observed_ci == int((naive.mean(axis=0) > np.quantile(boot_var, 0.975, axis=0)).sum())
        assert chapter.facts.naive_exceeds_sig == int((np.quantile(boot_excess, 0.975, axis=0) < 0).sum())


def test_near_chance_rule_counts_exactly_five_points_as_near():
    """'At most 5 points above chance', checked with exact fractions on scores whose float means
    land on either side of chance + 0.05."""
    from fractions import Fraction

    from scaling_report import noise as nz

    rng = np.random.default_rng(7)
    n_items = rng.integers(20, 400, size=60)
    chance = np.array([0.25, 0.2, 0.5, 1 / 3])[rng.integers(0, 4, size=60)]
    # middle score on the item grid; outer scores symmetric, so the mean is the middle score
    middle = np.array([round((c + 0.05) * n) / n for c, n in zip(chance, n_items)])
    step = rng.integers(1, 5, size=60) / n_items
    scores = np.stack([middle - step, middle, middle + step], axis=-1)
    exact = [
        (Fraction(round(m * n), int(n)) - Fraction(c).limit_denominator(10)) <= Fraction(5, 100)
        for m, n, c in zip(middle, n_items, chance)
    ]
    for inclusive, expected in ((True, sum(exact)), (False, sum(e and (Fraction(round(m * n), int(n)) - Fraction(c).limit_denominator(10)) < Fraction(5, 100)
                                                            for e, m, n, c in zip(exact, middle, n_items, chance)))):
        _, _, n_near, _ = nz._regime_r(scores, chance, nz.NEAR_CHANCE, inclusive)
        assert int(n_near[0]) == expected
    assert any(Fraction(round(m * n), int(n)) - Fraction(c).limit_denominator(10) == Fraction(5, 100)
               for m, n, c in zip(middle, n_items, chance))  # the boundary case is exercised
