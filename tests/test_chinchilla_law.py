"""Tests of the Chinchilla-law algebra against direct numerical solutions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from scaling_report import chinchilla_law as cl

BUDGETS = (1e18, 3e20, 5.76e23, 1e25, 1e27)


class TestLossFit:
    def test_published_constants(self):
        assert (cl.HOFFMANN.E, cl.HOFFMANN.A, cl.HOFFMANN.B, cl.HOFFMANN.alpha, cl.HOFFMANN.beta) == (1.69, 406.4, 410.7, 0.34, 0.28)
        assert (cl.BESIROGLU.E, cl.BESIROGLU.A, cl.BESIROGLU.B) == (1.8172, 482.01, 2085.43)
        assert (cl.BESIROGLU.alpha, cl.BESIROGLU.beta) == (0.3478, 0.3658)

    def test_loss_value(self):
        fit = cl.HOFFMANN
        expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28
        assert fit.loss(70e9, 1.4e12) == pytest.approx(expected)
        assert fit.loss(np.inf, np.inf) == pytest.approx(1.69)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="alpha"):
            cl.LossFit("bad", "x", 1.0, 1.0, 1.0, -0.3, 0.3)
        with pytest.raises(ValueError):
            cl.HOFFMANN.loss(0, 1e9)
        with pytest.raises(ValueError):
            cl.optimal_allocation(cl.HOFFMANN, -1.0)
        with pytest.raises(ValueError):
            cl.saving_at_size(cl.HOFFMANN, 0.5)


class TestOptimum:
    @pytest.mark.parametrize("fit", cl.FITS, ids=lambda f: f.key)
    def test_first_order_condition_and_budget(self, fit):
        n, d = cl.optimal_allocation(fit, np.array(BUDGETS))
        assert np.allclose(fit.alpha * fit.A / n**fit.alpha, fit.beta * fit.B / d**fit.beta, rtol=1e-10)
        assert np.allclose(6 * n * d, BUDGETS, rtol=1e-12)

    @pytest.mark.parametrize("fit", cl.FITS, ids=lambda f: f.key)
    def test_closed_form_matches_numeric_minimum(self, fit):
        for c in BUDGETS:
            n, d = cl.optimal_allocation(fit, c)
            n_num, d_num, l_num = cl.numeric_optimum(fit, c)
            assert n_num == pytest.approx(float(n), rel=1e-5)
            assert l_num == pytest.approx(float(fit.loss(n, d)), rel=1e-12)
            # Moving 1% of the way off the optimum at the same compute costs loss.
            for factor in (0.99, 1.01):
                assert fit.loss(n * factor, d / factor) > fit.loss(n, d)


class TestSavingFactor:
    def test_issue_values(self):
        assert cl.saving_factor(cl.HOFFMANN) == pytest.approx((1 + 0.28 / 0.34) ** (1 / 0.28))
        assert cl.saving_factor(cl.HOFFMANN) == pytest.approx(8.5, abs=0.05)
        assert cl.saving_factor(cl.BESIROGLU) == pytest.approx((1 + 0.3658 / 0.3478) ** (1 / 0.3658))

    @pytest.mark.parametrize("fit", cl.FITS, ids=lambda f: f.key)
    def test_closed_form_matches_numeric_at_every_budget(self, fit):
        closed = cl.saving_factor(fit)
        numeric = [cl.numeric_saving(fit, c) for c in BUDGETS]
        assert np.allclose(numeric, closed, rtol=1e-6)

    def test_data_for_loss_inverts_loss(self):
        fit = cl.BESIROGLU
        d = cl.data_for_loss(fit, 2.1, 1e11)
        assert fit.loss(1e11, d) == pytest.approx(2.1, rel=1e-12)
        # Below what the model size alone allows: unreachable.
        assert cl.data_for_loss(fit, fit.E + 0.5 * fit.A / 1e9**fit.alpha, 1e9) == np.inf

    @pytest.mark.parametrize("fit", cl.FITS, ids=lambda f: f.key)
    def test_saving_at_size_matches_root_solve(self, fit):
        ks = (1.0, 2.0, 10.0, 1000.0)
        closed = cl.saving_at_size(fit, ks)
        assert closed[0] == pytest.approx(1.0)
        assert cl.saving_at_size(fit, 1e12) == pytest.approx(cl.saving_factor(fit), rel=1e-3)
        for c in (1e19, 1e24):
            n, d, loss = cl.numeric_optimum(fit, c)
            for k, expected in zip(ks, closed):
                root = optimize.brentq(lambda log_d: float(fit.loss(k * n, math.exp(log_d))) - loss, 1.0, 120.0, xtol=1e-13)
                assert d / math.exp(root) == pytest.approx(expected, rel=1e-5)

    @pytest.mark.parametrize("fit", cl.FITS, ids=lambda f: f.key)
    def test_fixed_tokens_per_parameter_depends_on_budget(self, fit):
        values = cl.heuristic_saving(fit, np.array([1e18, 1e27]))
        assert abs(values[1] - values[0]) > 0.5
        # At the budget where the optimum is exactly 20 tokens per parameter, both agree.
        log_c = optimize.brentq(lambda x: float(np.divide(*cl.optimal_allocation(fit, 10.0**x)[::-1])) - 20.0, 10, 40)
        assert float(cl.heuristic_saving(fit, 10.0**log_c)) == pytest.approx(cl.saving_factor(fit), rel=1e-8)


class TestTables:
    def test_sensitivity_cell(self):
        table = cl.sensitivity_table(alphas=(0.34,), betas=(0.28,))
        assert table.iloc[0, 1] == pytest.approx((1 + 0.28 / 0.34) ** (1 / 0.28))
        assert cl.sensitivity_display(table).iloc[0, 1] == "8.5"

    def test_calculator_grid_size(self):
        curves, optima, text = cl.calculator_data()
        n_budgets = len(cl.LOG10_C_GRID)
        assert len(curves) == len(cl.FITS) * n_budgets * len(cl.K_GRID)
        assert len(optima) == len(cl.FITS) * n_budgets
        assert len(text) == cl.TEXT_LINES_PER_FIT * len(optima)
        # every line fits a phone: about 40 characters at the chart's 11 px
        assert text["text"].str.len().max() <= 42
        # The grid's D at k = 1 is the optimum's D.
        first = curves[(curves["k"] == 1) & (curves["fit"] == cl.HOFFMANN.name)]["D"].to_numpy()
        assert np.allclose(first, optima[optima["fit"] == cl.HOFFMANN.name]["D"].to_numpy(), rtol=1e-3)

    def test_chinchilla_budget(self):
        assert cl.chinchilla_log10_compute() == pytest.approx(math.log10(6 * 70e9 * 1.4e12))


def _delta_interval(alpha, beta, se_alpha, se_beta, rho, level=0.95):
    """Delta-method interval for log of the factor, gradient by central differences (an independent route)."""
    from scipy import stats as sps

    def log_factor(a, b):
        return math.log(1 + b / a) / b

    h = 1e-6
    grad = np.array(
        [
            (log_factor(alpha + h, beta) - log_factor(alpha - h, beta)) / (2 * h),
            (log_factor(alpha, beta + h) - log_factor(alpha, beta - h)) / (2 * h),
        ]
    )
    cov = np.array([[se_alpha**2, rho * se_alpha * se_beta], [rho * se_alpha * se_beta, se_beta**2]])
    sd = math.sqrt(grad @ cov @ grad)
    z = sps.norm.ppf(0.5 + level / 2)
    centre = log_factor(alpha, beta)
    return math.exp(centre - z * sd), math.exp(centre + z * sd), grad


class TestFactorInterval:
    def test_published_standard_errors(self):
        # Besiroglu et al. 2024, Table 1: alpha 0.3478 (0.02), beta 0.3658 (0.02).
        assert cl.BESIROGLU_EXPONENT_SE == (0.02, 0.02)

    @pytest.mark.parametrize("rho", cl.CORRELATIONS)
    def test_matches_delta_method(self, rho):
        estimate, low, high = cl.factor_interval(cl.BESIROGLU, rho=rho)
        d_low, d_high, _ = _delta_interval(0.3478, 0.3658, 0.02, 0.02, rho)
        assert estimate == pytest.approx(cl.saving_factor(cl.BESIROGLU))
        # The factor is slightly skewed, so the draws and the delta method agree to a few percent.
        assert low == pytest.approx(d_low, rel=0.03)
        assert high == pytest.approx(d_high, rel=0.03)

    def test_coverage_by_simulation(self):
        # Independent draws with another generator: the share of factors inside the interval is 95%.
        _, low, high = cl.factor_interval(cl.BESIROGLU, rho=0.5)
        generator = np.random.default_rng(12345)
        cov = [[0.02**2, 0.5 * 0.02**2], [0.5 * 0.02**2, 0.02**2]]
        a, b = generator.multivariate_normal([0.3478, 0.3658], cov, size=200_000).T
        inside = np.mean(((1 + b / a) ** (1 / b) >= low) & ((1 + b / a) ** (1 / b) <= high))
        assert inside == pytest.approx(0.95, abs=0.005)

    def test_positive_correlation_widens(self):
        # Both exponents lower the factor (negative gradient), so positively correlated errors add up.
        _, _, grad = _delta_interval(0.3478, 0.3658, 0.02, 0.02, 0.0)
        assert np.all(grad < 0)
        table = cl.correlation_table()
        width = (table["high"] - table["low"]).to_numpy()
        assert np.all(np.diff(width) > 0)
        facts = cl.uncertainty_facts()
        assert facts.widest == "positive"
        assert facts.hoffmann_inside == ("inside" if table.loc[table["correlation"] == 0, "high"].item() >= cl.saving_factor(cl.HOFFMANN) else "outside")

    def test_hoffmann_factor_against_each_interval(self):
        # Independent draws with another generator decide, per assumed correlation, whether
        # Hoffmann et al.'s factor lies inside the 95% range of the refit's factor.
        hoffmann = cl.saving_factor(cl.HOFFMANN)
        generator = np.random.default_rng(777)
        outside = []
        for rho in cl.CORRELATIONS:
            cov = [[0.02**2, rho * 0.02**2], [rho * 0.02**2, 0.02**2]]
            a, b = generator.multivariate_normal([0.3478, 0.3658], cov, size=400_000).T
            low, high = np.quantile((1 + b / a) ** (1 / b), [0.025, 0.975])
            if not low <= hoffmann <= high:
                outside.append(rho)
        facts = cl.uncertainty_facts()
        assert outside == [-0.9, -0.5]
        assert facts.hoffmann_outside_at == "−0.5 and −0.9"
        _, _, high = cl.factor_interval(cl.BESIROGLU)
        assert facts.uncorrelated_high == f"{high:.2f}" and 0 < high - hoffmann < 0.1

    def test_issue_figures(self):
        # The referee's figures: about [6.1, 8.6] independent, [5.9, 9.1] at rho = 0.9.
        _, low, high = cl.factor_interval(cl.BESIROGLU)
        assert (round(low, 1), round(high, 1)) == (6.1, 8.6)
        _, low, high = cl.factor_interval(cl.BESIROGLU, rho=0.9)
        assert (round(low, 1), round(high, 1)) == (5.9, 9.1)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="rho"):
            cl.factor_interval(cl.BESIROGLU, rho=1.0)
        with pytest.raises(ValueError, match="positive"):
            cl.factor_interval(cl.BESIROGLU, exponent_se=(0.0, 0.02))


class TestChapterFacts:
    def test_prose_figures_recomputed(self):
        facts = cl.chapter_results().facts
        # Closed forms typed out independently of the module.
        h = (1 + 0.28 / 0.34) ** (1 / 0.28)
        b = (1 + 0.3658 / 0.3478) ** (1 / 0.3658)
        assert facts.hoffmann.factor == f"{h:.2f}" and facts.besiroglu.factor == f"{b:.2f}"
        assert facts.hoffmann.decades == f"{math.log10(h):.2f}"
        r = 0.28 / 0.34
        assert facts.hoffmann.saving_10 == f"{((1 + r) - r * 10 ** -0.34) ** (1 / 0.28):.2f}"
        assert facts.hoffmann.compute_10 == f"{10 / ((1 + r) - r * 10 ** -0.34) ** (1 / 0.28):.2f}"
        assert facts.besiroglu.E == "1.8172"

    def test_closer_optimum_by_root_solve(self):
        # Minimise each fit's loss at Chinchilla's budget numerically and compare with 70B.
        c = 6 * 70e9 * 1.4e12
        distance = {}
        for fit in cl.FITS:
            n, _, _ = cl.numeric_optimum(fit, c)
            distance[fit.key] = abs(math.log(n / 70e9))
        facts = cl.chapter_results().facts
        closer = "the refit's" if distance["besiroglu2024chinchilla"] < distance["hoffmann2022chinchilla"] else "the published fit's"
        assert facts.closer_fit == closer
