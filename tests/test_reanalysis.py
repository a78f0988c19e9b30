"""Chapter 2 computations against closed forms, statsmodels and known constructions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
import statsmodels.api as sm

from scaling_report import data, fmt, reanalysis, stats, transforms
from scaling_report.ladders import Ladder, find_ladders


def synthetic_ladder(scores: np.ndarray, chance: float | list | None = 0.25, family: str = "Toy") -> Ladder:
    """A ladder from a tasks x sizes matrix of scores (sizes 1e6, 1e7, ...)."""
    n_tasks, n_sizes = scores.shape
    chances = chance if isinstance(chance, list) else [chance] * n_tasks
    rows = []
    for j in range(n_sizes):
        for i in range(n_tasks):
            rows.append(
                {
                    "source_id": "toy",
                    "family": family,
                    "model": f"m{j}",
                    "n_params": 10.0 ** (6 + j),
                    "benchmark": "toybench",
                    "task": f"task_{i:03d}",
                    "subtask": "",
                    "task_metric": "",
                    "n_shots": 0,
                    "prompting": "0-shot",
                    "metric": "accuracy",
                    "score": float(scores[i, j]),
                    "chance": np.nan if chances[i] is None else chances[i],
                }
            )
    frame = pd.DataFrame(rows)
    (ladder,) = find_ladders(frame)
    return ladder


def random_scores(n_tasks: int, n_sizes: int, seed: int = 0) -> np.ndarray:
    generator = np.random.default_rng(seed)
    level = generator.uniform(0.3, 0.6, size=(n_tasks, 1))
    steps = generator.uniform(0.0, 0.05, size=(n_tasks, n_sizes)).cumsum(axis=1)
    noise = generator.normal(0, 0.02, size=(n_tasks, n_sizes))
    return np.clip(level + steps + noise, 0.01, 0.99)


class TestFitGains:
    def test_matches_scipy_linregress_and_an_index_bootstrap(self):
        generator = np.random.default_rng(3)
        x = generator.normal(size=40)
        y = -0.4 * x + generator.normal(size=40)
        fit = reanalysis.fit_gains(x, y, n_boot=300, identity="t")
        expected = sps.linregress(x, y)
        assert fit["r"] == pytest.approx(expected.rvalue) and fit["slope"] == pytest.approx(expected.slope)
        assert fit["p"] == pytest.approx(expected.pvalue)
        # The bootstrap is r on resampled task indices, computed here with numpy directly.
        index = stats.task_indices(40, 300, "t")
        draws = [np.corrcoef(x[i], y[i])[0, 1] for i in index]
        assert (fit["boot_low"], fit["boot_high"]) == pytest.approx(tuple(np.quantile(draws, [0.025, 0.975])))

    def test_drops_missing_and_handles_constant(self):
        fit = reanalysis.fit_gains([1.0, 2.0, np.nan, 4.0], [0.0, 0.0, 1.0, 0.0], n_boot=50)
        assert fit["n"] == 3 and np.isnan(fit["r"])


class TestTransformed:
    def test_floor_logit_drops_tasks_without_chance(self):
        scores = random_scores(6, 3)
        ladder = synthetic_ladder(scores, chance=[0.25, None, 0.25, 0.25, None, 0.25])
        with pytest.raises(transforms.MissingChanceError):
            ladder.matrix("floor_logit")
        wide, dropped = reanalysis.transformed(ladder, "floor_logit")
        assert dropped == ["task_001", "task_004"]
        assert len(wide) == 4
        expected = transforms.floor_logit(scores[0], 0.25)
        assert wide.iloc[0].to_numpy() == pytest.approx(expected)

    def test_lowest_floor_is_shrunk_minimum(self):
        scores = random_scores(5, 4, seed=2)
        ladder = synthetic_ladder(scores)
        assert reanalysis.lowest_floor(ladder) == pytest.approx(0.9 * scores.min())
        assert reanalysis.lowest_floor(ladder, 1.0) == pytest.approx(scores.min())
        wide, _ = reanalysis.transformed(ladder, reanalysis.LOWEST_FLOOR)
        floor = 0.9 * scores.min()
        q = (scores - floor) / (1 - floor)
        assert wide.to_numpy() == pytest.approx(np.log(q / (1 - q)))

    def test_exact_lowest_floor_clips_the_minimum(self):
        scores = random_scores(5, 4, seed=4)
        wide, _ = reanalysis.transformed(synthetic_ladder(scores), reanalysis.LOWEST_FLOOR_EXACT)
        assert wide.to_numpy().min() == pytest.approx(transforms.logit(0.0))

    @pytest.mark.parametrize("name", transforms.TRANSFORMS)
    def test_equals_ladder_matrix_on_every_real_ladder(self, name):
        for ladder in reanalysis.chapter_ladders():
            kept, dropped = reanalysis.drop_missing_chance(ladder) if name == "floor_logit" else (ladder, [])
            wide, dropped_here = reanalysis.transformed(ladder, name)
            expected = kept.matrix(name)
            assert dropped_here == dropped
            pd.testing.assert_frame_equal(wide, expected, check_names=False, check_index_type=False, check_column_type=False)

    def test_bad_input(self):
        ladder = synthetic_ladder(random_scores(4, 3))
        with pytest.raises(ValueError, match="unknown transform"):
            reanalysis.transformed(ladder, "sqrt")
        with pytest.raises(ValueError):
            reanalysis.lowest_floor(ladder, 0.0)
        with pytest.raises(ValueError):
            reanalysis.floor_logit_at([0.5], 1.0)
        with pytest.raises(ValueError, match="no task"):
            reanalysis.subset(ladder, "mmlu_")


class TestGainTable:
    def test_rows_and_known_correlation(self):
        # Gains built to correlate exactly: gain2 = 0.5 * gain1 + constant.
        generator = np.random.default_rng(5)
        g1 = generator.uniform(0.0, 0.1, size=30)
        base = generator.uniform(0.2, 0.4, size=30)
        scores = np.column_stack([base, base + g1, base + g1 + 0.5 * g1 + 0.02])
        table = reanalysis.gain_table([synthetic_ladder(scores)], ("raw", "logit"), (1,), n_boot=100)
        assert len(table) == 2
        raw = table[table["transform"] == "raw"].iloc[0]
        assert raw["r"] == pytest.approx(1.0) and raw["slope"] == pytest.approx(0.5)
        assert raw["position"] == 0 and raw["triple"] == "1M → 10M → 100M"

    def test_counts_triples_per_spacing(self):
        ladder = synthetic_ladder(random_scores(20, 7))
        table = reanalysis.gain_table([ladder], ("raw",), None, n_boot=50)
        # 7 sizes: k = 1 gives 5 triples, k = 2 gives 3, k = 3 gives 1.
        assert table.groupby("k").size().to_dict() == {1: 5, 2: 3, 3: 1}

    def test_palm_bigbench_lite_reproduces_the_post(self):
        ladder = [lad for lad in find_ladders(data.load_palm_bigbench_lite())][0]
        table = reanalysis.gain_table([ladder], ("raw",), (1,), n_boot=50)
        # The post: R^2 = 0.04 for PaLM 8B -> 62B -> 540B on BIG-bench.
        assert table.iloc[0]["r2"] == pytest.approx(0.04, abs=0.005)


class TestTransformEffects:
    def test_counts_flips_and_significance(self):
        rows = []
        # raw: (+, sig), (-, not), (-, sig); logit: (-, sig), (-, sig), (+, not)
        for transform, values in {"raw": [(0.5, 0.2, 0.7), (-0.1, -0.4, 0.2), (-0.6, -0.8, -0.3)],
                                  "logit": [(-0.5, -0.7, -0.2), (-0.5, -0.7, -0.2), (0.1, -0.2, 0.4)]}.items():
            for position, (r, low, high) in enumerate(values):
                rows.append({"ladder": "L", "position": position, "k": 1, "transform": transform, "r": r,
                             "ci_low": low, "ci_high": high, "n": 30, "significant": low > 0 or high < 0, "degenerate": False})
        effects = reanalysis.transform_effects(pd.DataFrame(rows)).set_index("transform")
        logit = effects.loc["logit"]
        assert logit["sign_flips"] == 2  # positions 0 and 2
        assert logit["gained_significance"] == 1  # position 1
        assert logit["lost_significance"] == 1  # position 2
        assert logit["sig_negative"] == 2 and logit["sig_positive"] == 0
        assert logit["ladders_with_change"] == 1
        assert effects.loc["raw", "sign_flips"] == 0
        assert logit["expected_one_side"] == pytest.approx(0.025 * 3) and logit["degenerate"] == 0


class TestRSquared:
    def test_against_statsmodels(self):
        generator = np.random.default_rng(11)
        x = generator.normal(size=(60, 4))
        y = x @ np.array([0.3, -0.2, 0.0, 0.5]) + generator.normal(size=60)
        expected = sm.OLS(y, sm.add_constant(x)).fit().rsquared
        assert float(reanalysis.r_squared(x, y)) == pytest.approx(expected)
        single = sm.OLS(y, sm.add_constant(x[:, 0])).fit().rsquared
        assert float(reanalysis.r_squared(x[:, 0], y)) == pytest.approx(single)

    def test_batched_equals_loop(self):
        generator = np.random.default_rng(12)
        x = generator.normal(size=(5, 30, 3))
        y = generator.normal(size=(5, 30))
        batched = reanalysis.r_squared(x, y)
        loop = [sm.OLS(y[b], sm.add_constant(x[b])).fit().rsquared for b in range(5)]
        assert batched == pytest.approx(loop)

    def test_loo_against_explicit_refits(self):
        generator = np.random.default_rng(13)
        x = generator.normal(size=(25, 2))
        y = x[:, 0] + generator.normal(size=25)
        errors = []
        for i in range(25):
            keep = np.arange(25) != i
            fit = sm.OLS(y[keep], sm.add_constant(x[keep])).fit()
            errors.append(y[i] - fit.predict(np.r_[1.0, x[i]][None, :])[0])
        expected = 1 - np.sum(np.square(errors)) / np.sum((y - y.mean()) ** 2)
        assert reanalysis.loo_r_squared(x, y) == pytest.approx(expected)


class TestLastStep:
    def test_matches_statsmodels_and_nested_f(self):
        scores = random_scores(50, 5, seed=21)
        result = reanalysis.last_step(synthetic_ladder(scores), n_boot=300)
        gain = scores[:, -1] - scores[:, -2]
        full = sm.OLS(gain, sm.add_constant(scores[:, :-1])).fit()
        reduced = sm.OLS(gain, sm.add_constant(scores[:, -2])).fit()
        assert result["r2_all"] == pytest.approx(full.rsquared)
        assert result["r2_second"] == pytest.approx(reduced.rsquared)
        assert result["r2_all_adj"] == pytest.approx(full.rsquared_adj)
        f, p, _ = full.compare_f_test(reduced)
        assert result["f"] == pytest.approx(f) and result["f_p"] == pytest.approx(p)
        assert result["coef_second"] == pytest.approx(full.params[-1])
        assert result["r2_all_low"] <= result["r2_all"] <= result["r2_all_high"]
        # Predicting the largest score itself leaves the same residuals as predicting its gain.
        score_fit = sm.OLS(scores[:, -1], sm.add_constant(scores[:, :-1])).fit()
        assert np.sum(score_fit.resid**2) == pytest.approx(np.sum(full.resid**2))

    def test_recovers_regression_to_the_mean(self):
        # True scores rise linearly; the second-largest model carries extra noise. The last gain is
        # then predictable from (second-largest minus the smaller models), not from the second alone.
        generator = np.random.default_rng(22)
        n = 400
        level = generator.uniform(0.3, 0.6, size=(n, 1))
        true = level + 0.03 * np.arange(5)
        noise = generator.normal(0, 0.002, size=(n, 5))
        noise[:, -2] = generator.normal(0, 0.03, size=n)
        result = reanalysis.last_step(synthetic_ladder(true + noise), n_boot=200)
        assert result["r2_all"] > 0.8 and result["r2_second"] < 0.2
        assert result["coef_second"] == pytest.approx(-1.0, abs=0.1)

    def test_too_few_tasks_gives_a_note(self):
        result = reanalysis.last_step(synthetic_ladder(random_scores(10, 6)), n_boot=50)
        assert "too few tasks" in result["note"] and "r2_all" not in result


class TestRealData:
    def test_palm_nlu_range_matches_the_thread_for_few_shot(self):
        ranges = reanalysis.nlu_ranges().set_index("setting")
        # The thread's range [0.13, 0.95] is the few-shot setting: [0.9 * 0.146, 1 - 0.9 * 0.05].
        assert ranges.loc["few-shot", "low"] == pytest.approx(0.13, abs=0.005)
        assert ranges.loc["few-shot", "high"] == pytest.approx(0.95, abs=0.006)
        assert ranges.loc["0-shot", "distance_to_post"] > 0.05
        assert ranges.loc["1-shot", "distance_to_post"] > 0.03
        assert ranges["distance_to_post"].idxmin() == "few-shot"

    def test_chinchilla_mmlu_floor_is_above_the_posts_14_percent(self):
        floor = reanalysis.chinchilla_mmlu_floor()
        assert floor["n_models"] == 2
        assert floor["lowest"] > reanalysis.POST_MMLU_FLOOR

    def test_rerun_ladders_cover_palm_and_mmlu_subsets(self):
        chosen = reanalysis.rerun_ladders(reanalysis.chapter_ladders())
        labels = [c.label for c in chosen]
        assert sum(label.startswith("PaLM") for label in labels) == 4
        mmlu = [c for c in chosen if "MMLU" in c.label]
        assert len(mmlu) == 4
        assert all(c.ladder.rows["task"].str.startswith("mmlu_").all() for c in mmlu)


class TestFormatting:
    def test_fmt_ci_uses_typographic_minus(self):
        assert fmt.estimate(-0.281, -0.46, 0.08) == "−0.28 [−0.46, 0.08]"
        assert fmt.num(-0.001) == "0.00"
        assert fmt.estimate(np.nan, 0, 1) == "—"


class TestCrossValidatedLastStep:
    def test_leave_one_out_difference_by_refitting(self):
        scores = random_scores(40, 5, seed=23)
        result = reanalysis.last_step(synthetic_ladder(scores), n_boot=50)
        gain = scores[:, -1] - scores[:, -2]

        def loo_r2(x):
            errors = []
            for i in range(len(gain)):
                keep = np.arange(len(gain)) != i
                design = np.column_stack([np.ones(keep.sum()), x[keep]])
                coef = np.linalg.lstsq(design, gain[keep], rcond=None)[0]
                errors.append(gain[i] - np.r_[1.0, x[i]] @ coef)
            return 1 - np.sum(np.square(errors)) / np.sum((gain - gain.mean()) ** 2)

        assert result["loo_diff"] == pytest.approx(loo_r2(scores[:, :-1]) - loo_r2(scores[:, -2:-1]))

    def test_pure_noise_predictors_do_not_win_out_of_sample(self):
        # In sample, more predictors always raise R²; out of sample, noise predictors lose.
        generator = np.random.default_rng(24)
        scores = 0.5 + generator.normal(0, 0.02, size=(200, 8))
        result = reanalysis.last_step(synthetic_ladder(scores), n_boot=50)
        assert result["r2_all"] >= result["r2_second"]
        assert result["loo_all"] < result["r2_all"]


@pytest.fixture(scope="module")
def chapter():
    return reanalysis.chapter_facts(n_boot=200)


class TestChapterFacts:
    def test_acc_norm_ladders_are_not_counted(self, chapter):
        res, f = chapter
        assert not any(name.endswith("acc_norm") for name in res.table["ladder"].unique())
        assert f.n_ladders + f.n_acc_norm == len(reanalysis.chapter_ladders())

    def test_the_degenerate_floor_logit_fit_is_flagged_and_not_significant(self, chapter):
        res, f = chapter
        row = res.table[(res.table["family"] == "Anthropic LM") & (res.table["transform"] == "floor_logit") & (res.table["triple"] == "2.7B → 12.6B → 51.5B")].iloc[0]
        assert row["r"] == pytest.approx(1.0) and row["degenerate"] and not row["significant"]
        assert f.degenerate_example_r == pytest.approx(1.0)

    def test_palm_conclusion_recomputed_with_scipy(self, chapter):
        res, f = chapter
        palm = [l for l in reanalysis.evidence_ladders() if l.family == "PaLM" and l.benchmark == "bigbench_lite"][0]
        for name, stem in (("logit", "palm_bbl_logit"), ("range_logit", "palm_bbl_range_logit"), ("log_error", "palm_bbl_log_error")):
            wide = palm.matrix(name)
            g1, g2 = wide[62e9] - wide[8e9], wide[540e9] - wide[62e9]
            r = sps.pearsonr(g1, g2)
            interval = r.confidence_interval()
            assert getattr(f, stem) == fmt.estimate(r.statistic, interval.low, interval.high)
            assert r.pvalue < 0.05
        assert f.bbl_perm_p_max < 0.05

    def test_counts_against_the_null(self, chapter):
        res, f = chapter
        raw = res.table[res.table["transform"] == "raw"]
        assert f.n_triples == len(raw)
        assert f.expected_one_side == pytest.approx(0.025 * len(raw))
        assert f.raw_sig_negative == int(((raw["ci_high"] < 0) & ~raw["degenerate"]).sum())

    def test_leave_one_out_floor_of_the_palm_scales(self, chapter):
        res, f = chapter
        palm = [l for l in reanalysis.evidence_ladders() if l.family == "PaLM" and l.benchmark == "bigbench_lite"][0]
        smallest = []
        for name in ("logit", "range_logit", "log_error"):
            wide = palm.matrix(name)
            g1, g2 = (wide[62e9] - wide[8e9]).to_numpy(), (wide[540e9] - wide[62e9]).to_numpy()
            smallest.append(min(np.corrcoef(np.delete(g1, i), np.delete(g2, i))[0, 1] for i in range(len(g1))))
        assert f.bbl_loo_min_min == pytest.approx(min(smallest))
        assert f.bbl_loo_min_min > 0.3  # the conclusion: no single task carries the positive r

    def test_median_intervals_describe_the_gain_table(self, chapter):
        res, f = chapter
        for name, row in res.effects.set_index("transform").iterrows():
            fits = res.table[(res.table["transform"] == name) & ~res.table["degenerate"].astype(bool)]
            assert row["median_r_all"] == pytest.approx(np.nanmedian(fits["r"]))
            assert row["median_low"] <= row["median_r_all"] <= row["median_high"]
            assert 1 <= row["n_eff_ladders"] <= f.n_ladders

    def test_paired_median_difference_uses_the_same_draws(self, chapter):
        res, f = chapter
        effects = res.effects.set_index("transform")
        # Raw minus raw on the same draws is exactly zero: the draws are paired.
        assert (effects.loc["raw", "diff_low"], effects.loc["raw", "diff_high"]) == (0.0, 0.0)
        for name in ("floor_logit", "log_error"):
            low, high = effects.loc[name, ["diff_low", "diff_high"]]
            assert low < effects.loc[name, "median_r_all"] - effects.loc["raw", "median_r_all"] < high
        # The prose: the chance-floor shift's interval ends at about zero, the log-error shift's excludes it.
        assert f.floor_diff_low < 0 and abs(f.floor_diff_high) < 0.05 and f.lerr_diff_low > 0

    def test_score_scale_r2_recomputed_with_statsmodels(self, chapter):
        res, f = chapter
        ladder = next(l for l in reanalysis.evidence_ladders() if l.name == res.names["bigg"])
        wide = ladder.matrix("raw").dropna().to_numpy()
        second = sm.OLS(wide[:, -1], sm.add_constant(wide[:, -2])).fit().rsquared
        full = sm.OLS(wide[:, -1], sm.add_constant(wide[:, :-1])).fit().rsquared
        row = res.last_row("bigg")
        assert row["r2_score_second"] == pytest.approx(second) and row["r2_score_all"] == pytest.approx(full)
        assert f.score_r2_second_min > 0.5  # the prose: on the score scale most variance is explained

    def test_leverage_tasks_are_the_largest_deviations(self, chapter):
        res, f = chapter
        ladder = next(l for l in reanalysis.evidence_ladders() if l.name == res.names["pythia_0"])
        wide = ladder.matrix("log_error")
        s1, s2 = ladder.sizes[:2]
        g1 = (wide[s2] - wide[s1]).dropna()
        top = (g1 - g1.mean()).abs().sort_values(ascending=False).index[:5]
        assert f.lev_mmlu == sum(str(t[0]).startswith("mmlu_") for t in top)
        assert f.lev_negative == int((g1.loc[top] < 0).sum())

    def test_skipped_last_step_ladders_are_the_inverse_scaling_series(self, chapter):
        res, f = chapter
        assert f.last_skipped == f.last_skipped_inverse  # the prose names them all inverse-scaling series

    def test_holm_survivor_is_the_range_logit_on_bigbench_lite(self, chapter):
        res, f = chapter
        robust = reanalysis.palm_robust(res, n_boot=0)
        survivors = robust[robust["holm_p"] < 0.05]
        assert list(zip(survivors["key"], survivors["transform"])) == [("palm_bbl", "range_logit")]
        assert f.palm_holm_survivors == 1 and f.nlu_holm_min >= 0.05

    def test_wider_holm_families_as_the_prose_names_them(self, chapter):
        res, f = chapter
        families = reanalysis.holm_families(reanalysis.palm_robust(res, n_boot=0), reanalysis.palm_floor_tests(reanalysis.palm_by_key(res)))
        chance = families["with_chance"]
        survivors = chance[chance["holm_p"] < 0.05]
        # The prose gives the two adjusted p-values in this order.
        assert list(zip(survivors["key"], survivors["transform"])) == [("palm_bbl", "range_logit"), ("palm_nlu_few", "floor_logit")]
        assert (f.holm_chance_tests, f.holm_all_tests) == (16, 24) and f.holm_chance_survivors == f.holm_all_survivors == 2
        assert f.holm_chance_survivor_words.startswith("the range-adjusted logit on BIG-bench Lite")

    def test_one_shot_range_logit_is_called_fragile(self, chapter):
        # The prose: only the Fisher interval excludes zero; bootstrap, permutation and one task left out do not.
        res, f = chapter
        row = reanalysis.palm_robust(res, n_boot=2000).set_index(["key", "transform"]).loc[("palm_nlu_1", "range_logit")]
        assert row["ci_high"] < 0 and row["boot_low"] < 0 < row["boot_high"]
        assert row["perm_p"] > 0.05 and row["loo_max"] > 0

    def test_bigbench_lite_floor_logit_drops_one_task(self, chapter):
        res, f = chapter
        palm = data.load_palm_bigbench_lite()
        assert f.bbl_floor_tasks == palm.loc[palm["chance"].notna(), "task"].nunique() == f.bbl_tasks - 1
        assert f.bbl_floor_dropped == palm.loc[palm["chance"].isna(), "task"].unique()[0]


class TestLongTablePointers:
    """What the prose points to in @tbl-logits-all, recounted from the displayed table's cells."""

    @staticmethod
    def _fit(cell: str) -> tuple[float, float, float]:
        """'−0.28 [−0.46, −0.08] (n = 28)' -> (r, low, high)."""
        r, rest = cell.replace("−", "-").split(" [", 1)
        low, high = rest.split("]", 1)[0].split(", ")
        return float(r), float(low), float(high)

    def test_groups_and_raw_extremes_from_the_displayed_table(self, chapter):
        res, f = chapter
        shown = reanalysis.display_gain_table(res.table)
        ladder = shown["Ladder"]
        palm = ladder.str.startswith("PaLM · BIG-bench Lite") | ladder.str.startswith("PaLM · NLU")
        inverse = ladder.str.contains("inverse scaling")
        assert (f.all_rows, f.all_palm_rows, f.all_inverse_rows) == (len(shown), palm.sum(), inverse.sum())
        assert f.all_fine_rows == len(shown) - palm.sum() - inverse.sum()
        assert (f.all_fine_ladders, f.all_inverse_ladders) == (ladder[~palm & ~inverse].nunique(), ladder[inverse].nunique())
        # The order the prose describes: PaLM first, the inverse-scaling series last.
        assert palm.iloc[: f.all_palm_rows].all() and inverse.iloc[-f.all_inverse_rows :].all()
        assert set(shown.loc[inverse, "Tasks"]) == {10}  # "ten tasks each"
        raw = [self._fit(c) for c in shown["raw score"]]
        names = [f"{l} at {t}" for l, t in zip(ladder, shown["Triple"])]
        degenerate = shown["raw score"].str.contains("degenerate")
        positive = [n for n, (r, lo, hi), d in zip(names, raw, degenerate) if lo > 0 and not d]
        assert f.raw_sig_positive_rows == " and ".join(positive)  # two rows: no comma needed
        lowest = min(range(len(raw)), key=lambda i: raw[i][0])
        assert f.raw_min_row == names[lowest] and fmt.num(f.raw_min_r) == fmt.num(raw[lowest][0])
        outside = [i for i in range(len(raw)) if not inverse.iloc[i]]
        lowest_outside = min(outside, key=lambda i: raw[i][0])
        assert f.raw_min_outside_row == names[lowest_outside]

    @pytest.mark.parametrize("name", ["logit", "floor_logit", "range_logit", "log_error"])
    def test_flips_by_group_from_the_displayed_table(self, chapter, name):
        res, f = chapter
        shown = reanalysis.display_gain_table(res.table)
        column = transforms.LABELS[name]
        inverse = shown["Ladder"].str.contains("inverse scaling")
        # Signs at full precision (a cell printed 0.00 hides its sign), looked up by the row's cells.
        r = {(reanalysis.short_ladder(l), t, n): v for l, t, n, v in zip(res.table["ladder"], res.table["triple"], res.table["transform"], res.table["r"])}
        flips = []
        for ladder, triple, raw_cell, cell in zip(shown["Ladder"], shown["Triple"], shown["raw score"], shown[column]):
            before, after = r[(ladder, triple, "raw")], r[(ladder, triple, name)]
            assert fmt.num(before) == fmt.num(self._fit(raw_cell)[0]) and fmt.num(after) == fmt.num(self._fit(cell)[0])
            flips.append(bool(np.isfinite(after) and np.sign(before) != np.sign(after)))
        flips = pd.Series(flips, index=shown.index)
        assert getattr(f, f"{name}_flips_inverse") == int((flips & inverse).sum())
        families = shown.loc[flips & ~inverse, "Ladder"].str.split(" · ").str[0].value_counts()
        expected = {fam: n for fam, n in families.items()}
        stated = getattr(f, f"{name}_flips_elsewhere").replace(" and ", ", ").split(", ")
        assert sorted(stated) == sorted(f"{fmt.count(int(n))} on {fam}" for fam, n in expected.items())
        effect = res.effects.set_index("transform").loc[name]
        assert int(effect["sign_flips"]) == int(flips.sum())
