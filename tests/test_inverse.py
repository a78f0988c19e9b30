"""Chapter 5's statistics: binomial intervals, the shape rule, the mixture model, extrapolation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep

from scaling_report import inverse as inv


# ---------------------------------------------------------------- diff_interval


class TestDiffInterval:
    @pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(20, 80, 30, 100), (0, 50, 5, 50), (140, 315, 63, 315), (1236, 1236, 0, 1236)])
    def test_matches_statsmodels_agresti_caffo(self, k1, n1, k2, n2):
        diff, low, high = inv.diff_interval(k1 / n1, n1, k2 / n2, n2)
        # statsmodels reports count1/nobs1 - count2/nobs2: pass the second sample first.
        ref_low, ref_high = confint_proportions_2indep(k2, n2, k1, n1, method="agresti-caffo", compare="diff")
        assert diff == pytest.approx(k2 / n2 - k1 / n1)
        assert low == pytest.approx(ref_low, abs=1e-12)
        assert high == pytest.approx(ref_high, abs=1e-12)

    def test_bad_input(self):
        with pytest.raises(ValueError):
            inv.diff_interval(0.5, 10, 1.5, 10)
        with pytest.raises(ValueError):
            inv.diff_interval(0.5, -1, 0.5, 10)


# ---------------------------------------------------------------- classify / classify_batch


SHAPE_CASES = {
    "positive": [0.30, 0.45, 0.60, 0.75, 0.90],
    "inverse": [0.90, 0.70, 0.55, 0.40, 0.30],
    "U-shaped": [0.60, 0.35, 0.20, 0.45, 0.85],
    "inverted-U": [0.30, 0.60, 0.85, 0.55, 0.35],
    "zigzag": [0.50, 0.85, 0.20, 0.60],
    "flat": [0.50, 0.51, 0.49, 0.50, 0.50],
}


class TestClassify:
    @pytest.mark.parametrize("shape", list(SHAPE_CASES))
    def test_synthetic_shapes(self, shape):
        assert inv.classify(SHAPE_CASES[shape], n=1000) == shape

    def test_noise_turns_shapes_flat(self):
        # A shallow U is real on 1000 items and indistinguishable from flat on 30.
        shallow = [0.55, 0.45, 0.40, 0.48, 0.60]
        assert inv.classify(shallow, n=1000) == "U-shaped"
        assert inv.classify(shallow, n=30) == "flat"

    def test_rise_just_above_or_below_its_interval(self):
        # Minimum 0.30 at the middle of three sizes (n = 1000); the left point is far above. Put
        # the right point where the Agresti–Caffo z is 2.2: real at 95% unadjusted (1.96), not
        # after the Bonferroni adjustment for 3 pairs (z = 2.39).
        n = 1000
        t1 = (0.30 * n + 1) / (n + 2)

        def z_of(p2):
            t2 = (p2 * n + 1) / (n + 2)
            return (t2 - t1) / np.sqrt((t1 * (1 - t1) + t2 * (1 - t2)) / (n + 2))

        from scipy.optimize import brentq

        p_right = brentq(lambda p: z_of(p) - 2.2, 0.30, 0.5)
        curve = [0.60, 0.30, p_right]
        assert inv.classify(curve, n, adjust=False) == "U-shaped"
        assert inv.classify(curve, n, adjust=True) == "inverse"
        assert inv.z_value(1 - 0.05 / 3) == pytest.approx(sps.norm.ppf(1 - 0.025 / 3))

    def test_min_effect(self):
        # A 3-point recovery on a million items is real statistically but below a 5-point minimum.
        curve = [0.60, 0.30, 0.33]
        assert inv.classify(curve, 1_000_000) == "U-shaped"
        assert inv.classify(curve, 1_000_000, min_effect=0.05) == "inverse"

    def test_ties_go_to_the_first_point(self):
        # The first of two equal minima is the minimum; the later one is not "really above" it.
        assert inv.classify([0.8, 0.2, 0.2, 0.2], n=1000) == "inverse"

    def test_batch_equals_single(self):
        generator = np.random.default_rng(7)
        scores = generator.uniform(0.1, 0.9, size=(300, 5))
        codes = inv.classify_batch(scores, n=400)
        singles = [inv.classify(row, n=400) for row in scores]
        assert [inv.SHAPES[c] for c in codes] == singles

    def test_without_noise_test(self):
        # n=None: a descriptive reading (used on -loss of the loss task).
        assert inv.classify(-np.array([0.3, 1.8, 2.2, 1.7]), None) == "U-shaped"
        assert inv.classify([1.0, 2.0, 3.0], None) == "positive"
        assert inv.classify([2.0, 2.0, 2.0], None) == "flat"

    def test_flat_curves_rarely_get_a_shape(self):
        # Known truth: flat at 0.5. The adjusted rule calls anything else in at most 5% of curves
        # (Bonferroni over pairs); the unadjusted rule does so far more often with 8 sizes.
        generator = np.random.default_rng(11)
        n, m = 500, 8
        draws = generator.binomial(n, 0.5, size=(4000, m)) / n
        adjusted = (inv.classify_batch(draws, n) != inv.FLAT).mean()
        unadjusted = (inv.classify_batch(draws, n, adjust=False) != inv.FLAT).mean()
        assert adjusted <= 0.05
        assert unadjusted > 0.2

    @pytest.mark.parametrize(
        ("scores", "n", "kwargs"),
        [
            ([0.5], 100, {}),
            ([0.5, np.nan, 0.4], 100, {}),
            ([0.5, 1.2, 0.4], 100, {}),
            ([0.5, 0.6, 0.4], 0, {}),
            ([0.5, 0.6, 0.4], 100, {"min_effect": -0.1}),
            ([[0.5, 0.6], [0.4, 0.3]], 100, {}),
        ],
    )
    def test_bad_input(self, scores, n, kwargs):
        with pytest.raises(ValueError):
            inv.classify(scores, n, **kwargs)


# ---------------------------------------------------------------- mixture model


class TestMixtureModel:
    def test_limits_and_dip(self):
        x = np.array([-50.0, 50.0])
        assert inv.mixture_accuracy(x, 20.0, 23.0, 0.3, 0.5) == pytest.approx([0.5, 1.0])
        # Between the two transitions the distractor pulls accuracy below chance.
        assert inv.mixture_accuracy(21.5, 20.0, 23.0, 0.3, 0.5) < 0.05

    def test_turning_offset_matches_numerical_minimum(self):
        u = np.linspace(-8, 14, 440_001)
        for delta, width, chance in [(2.0, 0.4, 0.5), (0.7, 0.3, 0.3942), (4.0, 1.2, 0.25), (3.0, 0.1, 0.5)]:
            acc = inv.mixture_accuracy(u, 0.0, delta, width, chance)
            assert inv.turning_offset(delta, width, chance) == pytest.approx(u[acc.argmin()], abs=1e-4)

    def test_turning_offset_asymptotic_branch(self):
        # Past delta/width = 60 the closed form switches to delta/2 + (width/2) ln c; at 61 the
        # exact expression is still computable in floating point and must agree.
        width, chance = 0.05, 0.3942
        delta = 61 * width
        exact = width * np.log(np.sqrt(chance * (np.exp(61.0) - 1 + chance)) - (1 - chance))
        assert inv.turning_offset(delta, width, chance) == pytest.approx(exact, abs=1e-10)

    def test_no_dip_below_the_threshold(self):
        # For c < 1/2 a dip needs delta/width > ln((1 - c)/c).
        c = 0.25
        threshold = np.log((1 - c) / c)
        assert np.isnan(inv.turning_offset(0.9 * threshold, 1.0, c))
        assert np.isfinite(inv.turning_offset(1.1 * threshold, 1.0, c))

    def test_fit_recovers_known_parameters(self):
        truth = {"x_distractor": 21.0, "x_true": 23.0, "width": 0.35}
        x = np.linspace(19.0, 25.0, 9)
        p = inv.mixture_accuracy(x, truth["x_distractor"], truth["x_true"], truth["width"], 0.5)
        fit = inv.fit_mixture(x, p, 1_000_000, 0.5)
        for key, value in truth.items():
            assert fit[key] == pytest.approx(value, abs=0.01)
        turning = float(inv.turning_point(truth["x_distractor"], truth["x_true"], truth["width"], 0.5))
        assert fit["turning"] == pytest.approx(turning, abs=0.005)
        assert fit["turning_low"] <= turning <= fit["turning_high"]
        assert fit["deviance"] == pytest.approx(0.0, abs=1e-3)

    def test_fit_with_noise_covers_the_truth(self):
        generator = np.random.default_rng(3)
        x = np.linspace(19.0, 25.0, 9)
        n = 2000
        p_true = inv.mixture_accuracy(x, 21.0, 23.0, 0.35, 0.5)
        turning = float(inv.turning_point(21.0, 23.0, 0.35, 0.5))
        covered = 0
        for _ in range(10):
            p = generator.binomial(n, p_true) / n
            fit = inv.fit_mixture(x, p, n, 0.5)
            covered += fit["turning_low"] <= turning <= fit["turning_high"]
        assert covered >= 8

    def test_fit_flags_a_curve_the_model_cannot_make(self):
        # Starts far above chance, dips and recovers: the mixture (which starts at chance) misfits.
        x = np.array([20.0, 21.0, 22.0, 23.0, 24.0])
        p = np.array([0.95, 0.93, 0.75, 0.80, 0.90])
        fit = inv.fit_mixture(x, p, 5000, 0.5)
        assert fit["p_fit"] < 0.001
        assert fit["max_abs_error"] > 0.2

    @pytest.mark.parametrize(
        ("x", "p", "chance"),
        [
            ([20.0, 21.0], [0.5, 0.4], 0.5),
            ([20.0, 21.0, 22.0], [0.5, 0.4], 0.5),
            ([20.0, 22.0, 21.0], [0.5, 0.4, 0.6], 0.5),
            ([20.0, 21.0, 22.0], [0.5, 0.4, 0.6], 1.0),
            ([20.0, 21.0, 22.0], [0.5, 1.4, 0.6], 0.5),
        ],
    )
    def test_bad_input(self, x, p, chance):
        with pytest.raises(ValueError):
            inv.fit_mixture(x, p, 100, chance)

    def test_width_must_be_positive(self):
        with pytest.raises(ValueError):
            inv.mixture_accuracy(20.0, 19.0, 21.0, 0.0, 0.5)


# ---------------------------------------------------------------- extrapolation and real data


def _curve(p, task="t", family="f", n=100_000):
    p = np.asarray(p, dtype=float)
    return inv.Curve(task, family, tuple(f"m{i}" for i in range(len(p))), np.arange(len(p)) + 20.0, p, n, 0.5, "accuracy")


class TestExtrapolation:
    def test_counts_sign_flips(self):
        curves = [_curve([0.6, 0.4, 0.3, 0.5, 0.8], "u"), _curve([0.2, 0.3, 0.4, 0.5], "up")]
        shapes = inv.classification(curves)
        triples = inv.extrapolation_triples(curves, shapes)
        u = triples[triples["task"] == "u"]
        # Steps: -0.2, -0.1, +0.2, +0.3: only the triple through the minimum flips sign.
        assert u["sign_wrong"].tolist() == [False, True, False]
        assert not triples[triples["task"] == "up"]["sign_wrong"].any()
        summary = inv.extrapolation_summary(triples).set_index("Curves")
        assert summary.loc["all curves", "Sign wrong"] == 1
        assert summary.loc["all curves", "Triples"] == 5


class TestRealData:
    def test_palm_detail(self):
        acc = inv.curves()
        palm = inv.palm_detail(acc).set_index("task")
        assert len(palm) == 10
        row = palm.loc["hindsight-neglect"]
        assert [row.p_1b, row.p_8b, row.p_62b, row.p_540b] == pytest.approx([0.467, 0.200, 0.448, 0.883])
        assert row["rise"] == pytest.approx(0.883 - 0.448)
        assert row["shape"] == "U-shaped"
        assert palm.loc["repetitive-algebra", "shape"] == "positive"
        assert palm.loc["redefine", "shape"] == "inverse"

    def test_every_task_has_a_description(self):
        table = inv.task_table()
        assert len(table) == 11
        assert table["What the model must do"].str.len().min() > 20

    def test_neqa_control_rows_are_split_off(self):
        points = inv.neqa_points()
        control = points[points["prompt"] == inv.NEQA_CONTROL]
        assert len(control) == 10
        assert set(control["model_family"]) == {"GPT-3", "GPT-3 text series (instruction-tuned)"}
        shapes = inv.neqa_shapes(points).set_index(["family", "prompt"])["shape"]
        assert shapes[("GPT-3", inv.NEQA_CONTROL)] == "positive"

    def test_neqa_rows_without_a_way_to_split_raise(self):
        table = pd.DataFrame(
            {
                "model_family": ["GPT-3", "GPT-3"],
                "model": ["ada", "ada"],
                "model_label": ["ada", "ada"],
                "prompting": ["zero-shot", "zero-shot"],
                "score": [0.5, 0.4],
                "provenance": ["cell 2", "cell 3"],
            }
        )
        with pytest.raises(ValueError):
            inv.neqa_points(table)


class TestPublishedCounts:
    def test_each_published_count_appears_in_the_claims_table(self):
        claims = inv.data.load_inverse_scaling_claims()
        text = " ".join(claims["claim"].astype(str))
        p = inv.PUBLISHED
        assert f"{p['v1_u']} of {p['v1_tasks']}" in text
        assert f"({p['v2_u']} of {p['v1_tasks']})" in text
        assert f"{p['final_inverse']} remain inverse, {p['final_u']} U-shaped, {p['final_positive']} positive" in text
        assert f"{p['mckenzie_improve']} of {p['mckenzie_tasks']} tasks" in text


class TestPromptInjectionReadings:
    def _palm(self, shapes, below):
        return pd.DataFrame({"task": [f"t{i}" for i in range(len(shapes))], "shape": shapes, "vs_small_high": [-0.1 if b else 0.1 for b in below]})

    def _loss(self, values):
        return inv.Curve("pi", "PaLM", ("a", "b", "c", "d"), np.arange(4.0), np.asarray(values, dtype=float), 0, np.nan, "loss")

    def test_three_readings(self):
        palm = self._palm(["U-shaped", "U-shaped", "inverse", "positive"], [True, False, False, False])
        out = inv.palm_readings(palm, self._loss([0.3, 1.8, 2.2, 1.7])).set_index("reading")
        stated, strict, mixed = (out.loc[r] for r in inv.READINGS)
        # Loss rises then falls: U on -loss; it ends above its start, so the strict reading makes it inverse.
        assert (stated["U-shaped"], stated["inverse"], stated["positive"]) == (3, 1, 1)
        assert (strict["U-shaped"], strict["inverse"], strict["positive"]) == (1, 3, 1)
        assert (mixed["U-shaped"], mixed["inverse"], mixed["positive"]) == (2, 2, 1)
        assert set(out["tasks"]) == {5}

    def test_needs_palm_loss(self):
        palm = self._palm(["U-shaped"], [False])
        bad = inv.Curve("pi", "GPT-3", ("a", "b", "c"), np.arange(3.0), np.array([1.0, 2.0, 1.5]), 0, np.nan, "loss")
        with pytest.raises(ValueError, match="PaLM"):
            inv.palm_readings(palm, bad)


class TestPrefixShapes:
    def test_prefix_uses_only_sizes_up_to_the_origin(self):
        # A U whose minimum is the second-largest size: on the whole curve the last step flips by
        # definition, but its prefix (all sizes but the last) is simply inverse.
        curves = [_curve([0.8, 0.6, 0.4, 0.2, 0.7], "late-u")]
        shapes = inv.classification(curves)
        assert shapes["shape"].iloc[0] == "U-shaped"
        triples = inv.extrapolation_triples(curves, shapes)
        assert triples["prefix_shape"].tolist() == ["inverse", "inverse", "inverse"]
        assert triples["shape"].tolist() == ["U-shaped"] * 3
        by_prefix = inv.extrapolation_summary(triples).set_index("Curves")
        by_whole = inv.extrapolation_summary(triples, by="shape").set_index("Curves")
        assert "U-shaped" not in by_prefix.index
        assert by_whole.loc["U-shaped", "Last step: sign wrong"] == 1
        assert by_prefix.loc["inverse", "Last step: sign wrong"] == 1


@pytest.fixture(scope="module")
def res():
    return inv.chapter_results(n_boot=50)


class TestClaimFactsOnRealData:
    def test_u_tasks_below_smallest_by_statsmodels(self, res):
        # Recompute "540B really below 1B" with statsmodels' Agresti–Caffo interval.
        names = inv.task_names()
        below = []
        for c in res.acc_curves:
            if c.family != "PaLM":
                continue
            k_small, k_large = round(c.p[0] * c.n), round(c.p[3] * c.n)
            low, high = confint_proportions_2indep(k_large, c.n, k_small, c.n, method="agresti-caffo", compare="diff")
            if high < 0 and inv.classify(c.p, c.n) == "U-shaped":
                below.append(names[c.task])
        assert res.claim.u_below_small == inv.join_names(sorted(below))
        assert res.claim.n_u_below_small == len(below)

    def test_counts_over_all_tasks(self, res):
        shapes = res.palm["shape"].tolist()
        loss = [c for c in res.loss_curves if c.family == "PaLM"][0].p
        # -loss has an interior minimum where the loss peaks inside the curve: U on -loss.
        assert 0 < int(np.argmax(loss)) < len(loss) - 1
        stated = shapes + ["U-shaped"]
        assert res.claim.stated == f"{stated.count('U-shaped')} U-shaped, {stated.count('inverse')} inverse and {stated.count('positive')} positive"
        mixed = shapes + ["inverse"]
        published = (inv.PUBLISHED["final_u"], inv.PUBLISHED["final_inverse"], inv.PUBLISHED["final_positive"])
        assert (mixed.count("U-shaped"), mixed.count("inverse"), mixed.count("positive")) == published
        assert res.claim.mixed_matches == "matches" and res.claim.stated_matches == "does not match"

    def test_mckenzie_seven_is_wei_u_plus_positive(self, res):
        p = inv.PUBLISHED
        assert p["final_u"] + p["final_positive"] == p["mckenzie_improve"]
        rises = {c.task for c in res.acc_curves if c.family == "PaLM" and c.p[3] - c.p[2] > 1.96 * np.sqrt(c.p[2] * (1 - c.p[2]) / c.n + c.p[3] * (1 - c.p[3]) / c.n)}
        assert len(rises) == res.claim.n_rises
        loss = [c for c in res.loss_curves if c.family == "PaLM"][0].p
        assert res.claim.n_rises_by_direction == len(rises) + int(loss[3] < loss[2])

    def test_round1_difference_is_neqa(self, res):
        palm = res.palm.set_index("task")["shape"]
        ours = {t for t in inv.ROUND1_TASKS.values() if palm[t] == "U-shaped"}
        v2 = {inv.ROUND1_TASKS[t] for t in inv.V2_U_TASKS}
        assert res.claim.round1_extra == inv.join_names(inv.task_names()[t] for t in sorted(ours - v2))

    def test_prefix_facts(self, res):
        by_key = {(c.task, c.family): c for c in res.acc_curves}
        u = res.shapes[res.shapes["shape"] == "U-shaped"]
        late = [by_key[(t, f)] for t, f in zip(u["task"], u["family"]) if np.argmin(by_key[(t, f)].p) == len(by_key[(t, f)].p) - 2]
        assert res.forecast.n_u_min_second_largest == len(late)
        # Every curve with its minimum at the second-largest size flips sign at the last step.
        assert all(np.sign(c.p[-1] - c.p[-2]) != np.sign(c.p[-2] - c.p[-3]) for c in late)
        # Recompute the prefix-U last-step count by classifying each curve without its last point.
        prefix_u = [c for c in res.acc_curves if len(c.p) >= 4 and inv.classify(c.p[:-1], c.n) == "U-shaped"]
        usable = [c for c in prefix_u if c.p[-1] != c.p[-2] and c.p[-2] != c.p[-3]]
        wrong = sum(np.sign(c.p[-1] - c.p[-2]) != np.sign(c.p[-2] - c.p[-3]) for c in usable)
        assert (res.forecast.last_u_prefix_wrong, res.forecast.last_u_prefix) == (wrong, len(usable))


class TestPublishedHistory:
    def test_v3_and_v2_counts_appear_in_the_claims(self):
        text = " ".join(inv.data.load_inverse_scaling_claims()["claim"].astype(str))
        p = inv.PUBLISHED
        assert p["v3_not_u"] == 1 and f"all but one of {p['v3_tasks']} tasks" in text
        for task in inv.V2_U_TASKS:
            assert task.replace("-", " ").title() in text


class TestMixtureFree:
    X = np.linspace(20.0, 24.0, 9)

    def test_recovers_level_without_spread(self):
        # Noise-free curve from a small-model level of 0.8 (a strong prior): level found, no tau needed.
        p = inv.mixture_accuracy(self.X, 21.5, 23.0, 0.3, 0.8)
        fit = inv.fit_mixture_free(self.X, p, 1_000_000, 0.5)
        assert fit["level"] == pytest.approx(0.8, abs=0.01)
        assert fit["tau"] < 0.005
        assert fit["p_level"] < 1e-6
        assert fit["turning"] == pytest.approx(float(inv.turning_point(21.5, 23.0, 0.3, 0.8)), abs=0.05)

    def test_detects_run_to_run_spread(self):
        # Known truth: level at chance, run-to-run sd 0.05 on top of 5000-item binomial noise.
        generator = np.random.default_rng(11)
        truth = inv.mixture_accuracy(np.linspace(20.0, 24.0, 12), 21.5, 23.0, 0.3, 0.5)
        p = np.clip(truth + generator.normal(0, 0.05, truth.size) + generator.normal(0, np.sqrt(truth * (1 - truth) / 5000)), 0, 1)
        fit = inv.fit_mixture_free(np.linspace(20.0, 24.0, 12), p, 5000, 0.5)
        assert fit["p_tau"] < 0.01
        assert 0.02 < fit["tau"] < 0.1

    def test_item_noise_only_is_not_rejected(self):
        # Truth with item noise only and level at chance: neither test should reject at 1% (seeded draws).
        generator = np.random.default_rng(5)
        truth = inv.mixture_accuracy(self.X, 21.5, 23.0, 0.3, 0.5)
        p = generator.binomial(2000, truth) / 2000
        fit = inv.fit_mixture_free(self.X, p, 2000, 0.5)
        assert fit["p_tau"] > 0.01
        assert fit["p_level"] > 0.01

    def test_needs_enough_sizes(self):
        with pytest.raises(ValueError, match="at least 7 sizes"):
            inv.fit_mixture_free(self.X[:6], np.full(6, 0.5), 100, 0.5)

    def test_real_data_facts(self, res):
        free = res.free_fits
        assert (free["n_sizes"] >= inv.FREE_MIN_SIZES).all()
        u = res.shapes[(res.shapes["shape"] == "U-shaped") & (res.shapes["n_sizes"] >= inv.FREE_MIN_SIZES)]
        assert len(free) == len(u) == res.free.n_fitted
        assert res.free.n_level_off == int((free["p_level"] < inv.FIT_ALPHA).sum())
        # Every strong-prior curve starts above chance and misfits (forced only for those beyond reach, tested below).
        assert res.free.n_strong_prior_above == res.free.n_strong_prior == res.free.n_strong_prior_misfit


# ---------------------------------------------------------------- robustness of one gain correlation
class TestGainRobustness:
    def test_matches_brute_force_and_ranks(self):
        rng = np.random.default_rng(5)
        x = rng.normal(size=10)
        y = 0.2 * x + rng.normal(size=10)
        x[3], y[3] = 4.0, -4.0  # one task that dominates the correlation
        out = inv.gain_robustness(pd.DataFrame({"task": [f"t{i}" for i in range(10)], "gain1": x, "gain2": y}))
        full = np.corrcoef(x, y)[0, 1]
        loo = [np.corrcoef(np.delete(x, i), np.delete(y, i))[0, 1] for i in range(10)]
        worst = int(np.argmax(np.abs(np.array(loo) - full)))
        assert out["loo_task"] == "t3" == f"t{worst}"
        assert out["loo_r"] == pytest.approx(loo[worst])
        # p of r with n - 2 degrees of freedom, from the t distribution
        n = 9
        t = loo[worst] * np.sqrt((n - 2) / (1 - loo[worst] ** 2))
        assert out["loo_p"] == pytest.approx(2 * sps.t.sf(abs(t), n - 2))
        ranks = np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1]
        assert out["spearman"] == pytest.approx(ranks)

    def test_palm_first_pair_rests_on_modus_tollens(self, res):
        g = res.gain(0)
        assert g["loo_task"] == "modus-tollens"
        gains = res.palm.set_index("task")[["p_1b", "p_8b", "p_62b"]]
        kept = gains.drop(index="modus-tollens")
        r = np.corrcoef(kept["p_8b"] - kept["p_1b"], kept["p_62b"] - kept["p_8b"])[0, 1]
        assert g["loo_r"] == pytest.approx(r)
        assert abs(g["loo_r"]) < abs(g["r"])


# ---------------------------------------------------------------- what the chance-fixed mixture can reach
class TestMixtureReach:
    def test_no_parameters_start_beyond_reach(self):
        rng = np.random.default_rng(11)
        x = np.linspace(20, 25, 6)
        for _ in range(500):
            x_d = rng.uniform(18, 27)
            x_t = x_d + rng.uniform(0, 5)
            width, chance = rng.uniform(0.05, 2), rng.uniform(0.1, 0.6)
            acc = inv.mixture_accuracy(x, x_d, x_t, width, chance)
            assert not inv.start_beyond_mixture_reach(acc - 1e-12, chance)

    def test_a_curve_starting_near_one_is_beyond_reach(self):
        assert inv.start_beyond_mixture_reach([0.95, 0.4, 0.3, 0.6], 0.5)
        assert not inv.start_beyond_mixture_reach([0.6, 0.4, 0.3, 0.6], 0.5)  # 0.6 <= 0.5 + 0.5 * 0.3

    def test_real_strong_prior_curves(self, res):
        strong = res.fits[res.fits["cause"] == "Strong Prior"]
        curves = {(c.task, c.family): c for c in res.acc_curves}
        beyond = [c.p[0] > c.chance + (1 - c.chance) * c.p.min() for c in (curves[k] for k in zip(strong["task"], strong["family"]))]
        assert res.free.n_strong_prior_beyond_reach == sum(beyond)
        assert all(t == "resisting-correction" for t, b in zip(strong["task"], beyond) if b)


def test_last_runs_left_out_for_a_zero_step(res):
    zero = sum(bool(c.p[-1] == c.p[-2] or c.p[-2] == c.p[-3]) for c in res.acc_curves if len(c.p) >= 3)
    assert int(res.prose.last_zero_step) == zero
    assert int(res.prose.last_runs) + zero == len(res.shapes)
