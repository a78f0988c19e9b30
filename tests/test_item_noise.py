"""The item-level (IRT) simulation: its pieces against closed forms and an independent Monte Carlo,
and the lag decomposition's behaviour under shared items against the truth the simulation knows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from scaling_report import item_noise as I
from scaling_report import noise

SMALL = I.ItemModel(n_tasks=1500, n_items=100)


class TestItemModel:
    @pytest.mark.parametrize(
        "changes, words",
        [({"n_sizes": 3}, "4 sizes"), ({"chance": 1.0}, "chance"), ({"step_sd": -0.1}, "non-negative"), ({"guess_sd": 0.5}, "Beta")],
    )
    def test_bad_input(self, changes, words):
        with pytest.raises(ValueError, match=words):
            replace(I.BASE, **changes)


class TestExpectedScores:
    def test_against_a_large_item_pool(self):
        # Independent check of the quadrature: average P over 400,000 drawn items.
        model = I.ItemModel(difficulty_sd=1.7, discrimination=1.3, chance=0.2)
        theta = np.array([-3.0, -0.5, 0.0, 1.2, 4.0])
        b = np.random.default_rng(1).normal(0, 1.7, 400_000)
        monte_carlo = 0.2 + 0.8 * expit(1.3 * (theta[:, None] - b)).mean(axis=1)
        assert I.expected_scores(model, theta) == pytest.approx(monte_carlo, abs=2e-3)

    def test_symmetry_and_limits(self):
        model = I.ItemModel(chance=0.0)
        assert I.expected_scores(model, np.array([0.0]))[0] == pytest.approx(0.5)
        assert I.expected_scores(model, np.array([-40.0]))[0] == pytest.approx(0.0, abs=1e-6)


class TestGuessRates:
    def test_beta_moments(self):
        model = I.ItemModel(chance=0.25, guess_sd=0.1)
        g = I._guess_rates(model, (200_000,), np.random.default_rng(2))
        assert g.mean() == pytest.approx(0.25, abs=2e-3)
        assert g.std() == pytest.approx(0.1, abs=2e-3)


class TestSimulatedNoise:
    def test_identical_items_give_binomial_noise(self):
        # No spread in difficulty or guessing: every item has the same P, so a score is
        # binomial(n, P)/n, independent across sizes, with variance P(1 - P)/n.
        model = replace(SMALL, difficulty_sd=0.0)
        sim = I.simulate(model)
        p = sim["true"]
        binomial = (p * (1 - p) / model.n_items).mean()
        assert (sim["noise"] ** 2).mean() == pytest.approx(binomial, rel=0.05)
        structure = I.noise_structure(sim["noise"])
        assert abs(structure["noise_corr_lag1"]) < 0.03 and abs(structure["noise_corr_lag2"]) < 0.03

    def test_fresh_items_are_independent_across_sizes(self):
        structure = I.noise_structure(I.simulate(replace(SMALL, shared_items=False))["noise"])
        assert abs(structure["noise_corr_lag1"]) < 0.03

    def test_shared_items_correlate_noise_across_sizes(self):
        structure = I.noise_structure(I.simulate(replace(SMALL, guess_sd=0.15))["noise"])
        assert structure["noise_corr_lag1"] > 0.1

    def test_run_to_run_noise_adds_its_variance(self):
        base = I.noise_structure(I.simulate(SMALL, identity="paired")["noise"])["noise_var"]
        with_run = I.noise_structure(I.simulate(replace(SMALL, run_sd=0.03), identity="paired")["noise"])["noise_var"]
        assert with_run - base == pytest.approx(0.03**2, rel=0.1)


class TestEstimatorUnderItemNoise:
    def test_decomposition_identity(self):
        # Observed lag covariances are true ones plus those of the noise (they are uncorrelated), so
        # the estimator's gamma equals true gamma2 plus the noise's lag-2 covariance.
        check = I.check_estimator(replace(I.BASE, momentum_sd=0.2))
        scale = check["true_tau_sq"]
        assert check["est_gamma"] == pytest.approx(check["true_gamma"] + check["momentum_from_noise"], abs=0.03 * scale)
        expected_sigma = check["true_gamma"] - check["true_gamma1"] + check["momentum_from_noise"] + check["sigma_sq_effective"]
        assert check["est_sigma_sq"] == pytest.approx(expected_sigma, abs=0.03 * scale)

    def test_recovers_truth_under_its_own_assumption(self):
        # Fresh items per size: noise independent across sizes. The estimator is then right up to
        # the fading of momentum along a sigmoid (gamma1 > gamma2), which this checks separately.
        # One ladder's lag-2 noise covariance scatters by about 5% of gamma around zero, so eight
        # ladders are averaged: their mean has a Monte Carlo error of about 2% of gamma.
        model = replace(I.BASE, shared_items=False, momentum_sd=0.2)
        checks = pd.DataFrame([I.check_estimator(model, identity=("own assumption", k)) for k in range(8)]).mean()
        assert abs(checks["momentum_from_noise"]) < 0.06 * checks["true_gamma"]
        assert checks["est_gamma"] == pytest.approx(checks["true_gamma"], rel=0.1)
        assert checks["true_gamma1"] > checks["true_gamma"]  # momentum in score units fades through a rise

    def test_shared_items_lower_the_estimated_noise(self):
        check = I.check_estimator(replace(I.BASE, guess_sd=0.15))
        assert check["est_sigma_sq"] < 0.9 * check["true_sigma_sq"]
        assert check["ladder_over_naive"] < 0.9

    def test_fails_when_true_gains_barely_differ(self):
        # Steep shared items, little spread of true gains: item noise persists across steps and is
        # booked as momentum many times the true one.
        changes = I.SCENARIOS["shared steep items, little true spread"]
        check = I.check_estimator(replace(I.BASE, **changes))
        assert check["momentum_from_noise"] > 5 * check["true_gamma"]
        assert check["est_gamma"] > 5 * check["true_gamma"]


class TestSensitivityTable:
    def test_one_row_per_setting(self):
        table = I.sensitivity_table(replace(I.BASE, n_tasks=200, n_items=50), {"a": {}, "b": {"shared_items": False}}, {"none": 0.0})
        assert list(table["scenario"]) == ["a", "b"]
        display = I.display_sensitivity(table)
        assert len(display) == 2 and display.notna().all().all()
        assert noise.fmt_rho(float("nan")) == "undefined"
