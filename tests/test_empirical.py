"""Chapter 1 computations against published figures and independent recomputation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from scaling_report import data, empirical, fmt, sources, stats


@pytest.fixture(scope="module")
def found():
    return empirical.primary_ladders()


class TestOriginalFits:
    def test_post_r2_on_palm_bigbench(self, found):
        fit = empirical.original_fits(found)["bigbench_lite"]
        assert fit.n == 24 and round(fit.r2, 3) == 0.043  # the post: "R^2 = 0.04"

    def test_recomputed_by_hand_from_the_raw_table(self, found):
        palm = data.load_palm_bigbench_lite().pivot_table(index="task", columns="n_params", values="score")
        gain1 = palm[62e9] - palm[8e9]
        gain2 = palm[540e9] - palm[62e9]
        assert empirical.original_fits(found)["bigbench_lite"].r == pytest.approx(sps.pearsonr(gain1, gain2)[0])


class TestChinchillaVsGopher:
    def test_counts_stated_in_the_chinchilla_paper(self):
        h2h = empirical.chinchilla_vs_gopher()
        # Hoffmann et al. 2022: better on 51 of 57 MMLU subjects (2 ties, 4 worse); worse on 4 of 62 BIG-bench tasks.
        assert (h2h["mmlu"].improved, h2h["mmlu"].tied, h2h["mmlu"].worse) == (51, 2, 4)
        assert h2h["bigbench"].worse == 4 and h2h["bigbench"].n == 62

    def test_mean_gain_matches_paper_means(self):
        # The shared README: unweighted MMLU means 67.64 (Chinchilla) vs 60.61 (Gopher).
        assert empirical.chinchilla_vs_gopher()["mmlu"].mean_gain == pytest.approx(0.6764 - 0.6061, abs=1e-4)

    def test_mean_gain_interval_agrees_with_the_t_interval(self):
        # An independent interval for a mean of 62 differences: the percentile bootstrap should
        # sit within Monte Carlo and skewness error of Student's t (referee: [7.49, 12.76] points).
        h = empirical.chinchilla_vs_gopher()["bigbench"]
        frame = data.load_chinchilla_bigbench().pivot_table(index="task", columns="family", values="score")
        diff = (frame["Chinchilla"] - frame["Gopher"]).to_numpy()
        low, high = sps.t.interval(0.95, len(diff) - 1, diff.mean(), sps.sem(diff))
        assert h.gain_low == pytest.approx(low, abs=0.001) and h.gain_high == pytest.approx(high, abs=0.001)

    def test_wilson_interval_contains_share(self):
        h = empirical.chinchilla_vs_gopher()["mmlu"]
        assert h.share_low < h.improved / h.n < h.share_high


class TestFineLadders:
    def test_summary_counts_are_consistent(self, found):
        table = empirical.consecutive_table(found)
        summary = empirical.fine_summary(table)
        assert summary.n_triples == len(table) == 43  # BIG-G 10 + Pythia 4x6 + OPT 6 + BLOOM 3
        assert summary.significantly_negative <= summary.negative <= summary.n_triples
        assert summary.median_low <= summary.median_r <= summary.median_high
        assert summary.median_r == pytest.approx(np.median(table["r"]))

    def test_explorer_points_cover_every_chosen_triple(self, found):
        points = empirical.explorer_points(found)
        assert points.groupby(["ladder", "triple"]).ngroups == 10 + 6 + 6 + 3  # BIG-G, Pythia 0-shot, OPT, BLOOM


class TestLongTables:
    """What the prose says to look for in the long tables, recounted from the displayed tables."""

    @staticmethod
    def _interval(text: str) -> tuple[float, float]:
        low, high = text.strip("[]").replace("−", "-").split(", ")
        return float(low), float(high)

    def test_fine_highlights_from_the_displayed_table(self, found):
        shown = empirical.consecutive_display(empirical.consecutive_table(found))
        bounds = [self._interval(c) for c in shown["95% CI"]]
        r = shown["r"].str.replace("−", "-").astype(float)
        includes = [lo <= 0 <= hi for lo, hi in bounds]
        # The two smallest triples of each ladder: the first two rows of its block (ordered by size).
        low = shown.groupby("Ladder").cumcount() < 2
        h = empirical.fine_highlights(empirical.consecutive_table(found))
        assert h.not_significant == sum(includes)
        assert h.not_significant_low == sum(i and l for i, l in zip(includes, low))
        assert h.positive == int((r > 0).sum())
        assert h.positive_triples.split(" and ") == sorted(set(shown.loc[r > 0, "Sizes"]))
        assert set(h.positive_ladders.replace(" and ", ", ").split(", ")) == set(shown.loc[r > 0, "Ladder"])
        lowest = shown.loc[r.idxmin()]
        assert (h.min_ladder, h.min_triple) == (lowest["Ladder"], lowest["Sizes"])
        below = {ladder for ladder, group in shown.groupby("Ladder") if all(self._interval(c)[1] < 0 for c in group["95% CI"])}
        assert set(h.all_below_zero.replace(" and ", ", ").split(", ")) == below
        assert list(shown["Interval"] == "includes 0") == includes

    def test_inventory_roles_from_the_table_columns(self):
        table = empirical.inventory()
        counts = empirical.inventory_counts(table)
        palm = (table["Family"] == "PaLM") & table["Benchmark"].isin(["bigbench_lite", "english_nlu"]) & (table["Sizes"] == 3)
        single = table["Sizes"] == 1
        loss = table["Metric"] == "loss"
        acc_norm = table["Metric"] == "acc_norm"
        inverse = (table["Benchmark"] == "inverse_scaling") & ~loss
        fine = (table["Sizes"] >= 4) & ~inverse & ~loss & ~acc_norm
        assert (counts.rows, counts.palm, counts.single, counts.loss, counts.acc_norm, counts.inverse, counts.fine) == (
            len(table), palm.sum(), single.sum(), loss.sum(), acc_norm.sum(), inverse.sum(), fine.sum())
        assert palm.sum() + single.sum() + loss.sum() + acc_norm.sum() + inverse.sum() + fine.sum() == len(table)
        # The prose says the first rows are PaLM's and the last the single-size ones.
        assert palm.iloc[: counts.palm].all() and single.iloc[-counts.single :].all()
        assert counts.single_names.replace(" and ", ", ").split(", ") == sorted(set(table.loc[single, "Family"]))
        assert counts.fine == len(empirical.fine_ladders(empirical.primary_ladders()))


class TestSources:
    def test_every_source_has_a_row_with_its_row_count(self):
        table = sources.sources_table()
        assert list(table["Source"]) == [s.source_id for s in data.SOURCES]
        assert table.set_index("Source").loc["bigg_bigbench", "Rows"] == 1068

    def test_totals_add_up(self):
        assert sources.totals()["rows"] == sum(sources.sources_table()["Rows"])


class TestFmt:
    def test_minus_sign_and_interval(self):
        assert fmt.num(-0.333) == "−0.33"
        assert fmt.ci(-0.21, 0.56) == "[−0.21, 0.56]"
        assert fmt.num(float("nan")) == "—"
        assert fmt.count(4) == "four" and fmt.count(12) == "12"


class TestFmtEdgeCases:
    def test_rounded_zero_has_no_minus_and_infinity_is_undefined(self):
        assert fmt.num(-0.0004, 2) == "0.00"
        assert fmt.num(float("inf")) == "—"

    def test_estimate_and_json_number(self):
        assert fmt.estimate(-0.1234, -0.2, 0.05, 2, signed=True) == "−0.12 [−0.20, 0.05]"
        assert fmt.estimate(float("nan"), 0.0, 1.0) == "—"
        assert fmt.json_number(float("nan")) is None and fmt.json_number(2) == 2.0


class TestMmluCategories:
    def test_every_subject_has_one_of_four_categories(self):
        assert len(empirical.MMLU_CATEGORIES) == 57
        assert set(empirical.MMLU_CATEGORIES.values()) == {"STEM", "humanities", "social sciences", "other"}

    def test_category_item_counts_are_the_published_split_sizes(self, found):
        # MMLU test split per category (shared/data/olmo_ladder README, from the OLMo ladder's
        # logged accuracies): STEM 3,018, humanities 4,705, social sciences 3,077, other 3,242.
        pythia = next(l for l in empirical.fine_ladders(found) if l.family == "Pythia" and l.n_shots == 0)
        grouped = empirical.mmlu_by_category(pythia).rows
        top = grouped[(grouped["n_params"] == pythia.sizes[-1]) & grouped["task"].str.startswith("mmlu_category_")]
        assert top.set_index("task")["n_items"].to_dict() == {
            "mmlu_category_STEM": 3018,
            "mmlu_category_humanities": 4705,
            "mmlu_category_social_sciences": 3077,
            "mmlu_category_other": 3242,
        }

    def test_category_score_is_the_share_of_items_answered(self, found):
        pythia = next(l for l in empirical.fine_ladders(found) if l.family == "Pythia" and l.n_shots == 0)
        rows = pythia.rows[(pythia.rows["n_params"] == pythia.sizes[0]) & pythia.rows["task"].str.startswith("mmlu_")]
        stem = rows[rows["task"].str.removeprefix("mmlu_").map(empirical.MMLU_CATEGORIES) == "STEM"]
        expected = float((stem["score"] * stem["n_items"]).sum() / stem["n_items"].sum())
        grouped = empirical.mmlu_by_category(pythia).rows
        got = grouped[(grouped["n_params"] == pythia.sizes[0]) & (grouped["task"] == "mmlu_category_STEM")]["score"].item()
        assert got == pytest.approx(expected)


class TestRegimes:
    def test_medians_recomputed_task_by_task(self, found):
        regimes = empirical.regimes(found, n_boot=50)
        harness = [l for l in empirical.fine_ladders(found) if l.benchmark == "lm_eval_harness"]
        r_mmlu, r_other = [], []
        for ladder in harness:
            for _, s1, s2, s3 in ladder.triples((1,)):
                g = ladder.gains((s1, s2, s3))
                mmlu = g["task"].str.startswith("mmlu_")
                r_mmlu.append(np.corrcoef(g.loc[mmlu, "gain1"], g.loc[mmlu, "gain2"])[0, 1])
                r_other.append(np.corrcoef(g.loc[~mmlu, "gain1"], g.loc[~mmlu, "gain2"])[0, 1])
        assert regimes["mmlu"].median_r == pytest.approx(np.median(r_mmlu))
        assert regimes["other"].median_r == pytest.approx(np.median(r_other))
        assert regimes["all"].n_triples == len(empirical.consecutive_table(found))
        assert regimes["bigg_moving"].n_tasks + regimes["bigg_chance"].n_tasks == 89

    def test_joint_bootstrap_resamples_each_task_once_for_every_ladder(self, found):
        # Independent implementation: draw task indices over the union of tasks, rebuild every
        # triple's gains on the drawn tasks with pandas, take the median r of each draw.
        chosen = [l for l in empirical.fine_ladders(found) if l.benchmark == "lm_eval_harness" and l.n_shots == 0]
        n_boot = 40
        result = empirical.regime("test", chosen, n_boot=n_boot)
        matrices = []
        for ladder in chosen:
            wide = ladder.matrix("raw")
            wide.index = [(ladder.benchmark, *key) for key in wide.index]
            matrices.append((ladder, wide))
        tasks = list(dict.fromkeys(key for _, wide in matrices for key in wide.index))  # first-seen order
        index = stats.task_indices(len(tasks), n_boot, ("regime", "test", tuple(l.identity for l in chosen), "raw"))
        medians = []
        for draw in index:
            drawn = [tasks[i] for i in draw]
            rs = []
            for ladder, wide in matrices:
                sample = wide.loc[[t for t in drawn if t in wide.index]]
                for _, s1, s2, s3 in ladder.triples((1,)):
                    rs.append(np.corrcoef(sample[s2] - sample[s1], sample[s3] - sample[s2])[0, 1])
            medians.append(np.median(rs))
        assert (result.median_low, result.median_high) == pytest.approx(tuple(np.quantile(medians, [0.025, 0.975])))

    def test_expected_count_is_two_and_a_half_percent(self, found):
        regime = empirical.regimes(found, n_boot=20)["all"]
        assert regime.expected_one_side == pytest.approx(0.025 * regime.n_triples)


class TestNoiseCeiling:
    def test_thirteen_palm_tasks_have_item_counts(self):
        assert len(empirical.palm_item_counts()) == 13

    def test_palm_noise_recomputed_with_numpy(self, found):
        palm = empirical.palm_ladders(found)["bigbench_lite"]
        items = empirical.palm_item_counts()
        result = empirical.noise_ceiling(palm, tuple(palm.sizes), items)
        wide = data.load_palm_bigbench_lite().pivot_table(index="task", columns="n_params", values="score").loc[items.index]
        p = wide.to_numpy()
        n = items.to_numpy(dtype=float)[:, None]
        v = (p * (1 - p) / n).mean(axis=0)
        g1, g2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 1]
        assert result["noise_share1"] == pytest.approx((v[0] + v[1]) / g1.var(ddof=1))
        assert result["noise_share2"] == pytest.approx((v[1] + v[2]) / g2.var(ddof=1))
        assert result["r"] == pytest.approx(np.corrcoef(g1, g2)[0, 1])


class TestRobustFits:
    def test_palm_logit_fit_matches_scipy(self, found):
        palm = empirical.palm_ladders(found)["bigbench_lite"]
        row = empirical.robust_fits(palm, ("logit",), n_boot=100).iloc[0]
        wide = palm.matrix("logit")
        s1, s2, s3 = palm.sizes
        g1, g2 = wide[s2] - wide[s1], wide[s3] - wide[s2]
        assert row["r"] == pytest.approx(sps.pearsonr(g1, g2).statistic)
        assert row["spearman"] == pytest.approx(sps.spearmanr(g1, g2).statistic)


class TestFacts:
    def test_facts_agree_with_their_sources(self, found):
        f = empirical.chapter_facts(found, n_boot=100)
        assert f.bb_r == pytest.approx(empirical.original_fits(found)["bigbench_lite"].r)
        assert f.n_triples == len(empirical.consecutive_table(found))
        assert f.harness_mmlu + f.harness_other == f.harness_tasks == 65
        assert f.bigg_sizes == 12 and f.bigg_smallest == "2.1M"
        assert f.median_low <= f.median_r <= f.median_high
        assert 1 <= f.n_eff_ladders <= f.n_ladders
        # The long tables' pointers are those of the tables themselves.
        assert f.fine_positive_triples == empirical.fine_highlights(empirical.consecutive_table(found)).positive_triples
        assert f.inventory_fine == f.n_ladders and f.inventory_rows == len(empirical.inventory())
        assert f.fine_min_ladder in set(empirical.consecutive_display(empirical.consecutive_table(found))["Ladder"])


class TestConclusions:
    """The preface's and Chapter 1's concluding figures, recomputed independently."""

    def test_pooled_median_from_numpy_correlations(self, found):
        rs = []
        for ladder in empirical.fine_ladders(found):
            for _, s1, s2, s3 in ladder.triples((1,)):
                g = ladder.gains((s1, s2, s3))
                rs.append(np.corrcoef(g["gain1"], g["gain2"])[0, 1])
        regime = empirical.regimes(found, n_boot=20)["all"]
        assert regime.median_r == pytest.approx(np.median(rs))
        assert regime.sig_positive == 0 and regime.n_triples == len(rs)

    def test_bigg_split_by_a_binomial_test_at_the_largest_size(self, found):
        bigg = next(l for l in empirical.fine_ladders(found) if l.benchmark == "bigbench")
        top = bigg.rows[bigg.rows["n_params"] == bigg.sizes[-1]]
        # Above chance: the one-sided binomial test of guessing rejects at 2.5% (normal approximation
        # of the same test: z > 1.96), counted with scipy's binomial distribution here.
        k = np.round(top["score"] * top["n_items"]).astype(int)
        p_guess = np.array([sps.binom.sf(ki - 1, n, c) for ki, n, c in zip(k, top["n_items"].astype(int), top["chance"])])
        agree = np.mean((p_guess < 0.025) == top["task"].isin({t[0] for t in empirical.above_chance_tasks(bigg)}).to_numpy())
        assert agree > 0.95
        regimes = empirical.regimes(found, n_boot=20)
        rs_chance = []
        moving = empirical.above_chance_tasks(bigg)
        for _, s1, s2, s3 in bigg.triples((1,)):
            g = bigg.gains((s1, s2, s3))
            at_chance = ~g[["task", "subtask", "task_metric"]].apply(tuple, axis=1).isin(moving)
            rs_chance.append(np.corrcoef(g.loc[at_chance, "gain1"], g.loc[at_chance, "gain2"])[0, 1])
        assert regimes["bigg_chance"].median_r == pytest.approx(np.median(rs_chance))

    def test_fine_ladder_noise_exceeds_the_spread_of_gains(self, found):
        bigg = next(l for l in empirical.fine_ladders(found) if l.benchmark == "bigbench")
        table = empirical.noise_ceiling_table(found)
        shares = []
        for _, s1, s2, s3 in bigg.triples((1,)):
            wide = bigg.matrix("raw")[[s1, s2, s3]]
            n = bigg.rows.groupby(["task", "subtask", "task_metric"])["n_items"].max().reindex(wide.index).to_numpy(dtype=float)
            p = wide.to_numpy()
            v = (p * (1 - p) / n[:, None]).mean(axis=0)
            shares.append((v[0] + v[1]) / np.var(p[:, 1] - p[:, 0], ddof=1))
        assert table.loc[table["ladder"] == bigg.name, "noise_share1"].to_numpy() == pytest.approx(shares)
        # The prose: the median share is at least the whole observed spread on every fine ladder.
        medians = table[table["family"] != "PaLM"].groupby("ladder")["noise_share1"].median()
        assert np.median(shares) > 1 and (medians > 1).all()


def test_palm_bootstrap_is_the_same_in_both_chapters(found):
    fit = empirical.original_fits(found)["bigbench_lite"]
    row = empirical.robust_fits(empirical.palm_ladders(found)["bigbench_lite"], ("raw",)).iloc[0]
    assert (fit.boot_low, fit.boot_high) == (row["boot_low"], row["boot_high"])


class TestRefereeFixes:
    def test_palm_chance_position_counted_by_hand(self, found):
        palm = data.load_palm_bigbench_lite()
        small = palm[(palm["n_params"] == 8e9) & palm["chance"].notna()]
        large = palm[(palm["n_params"] == 540e9) & palm["chance"].notna()]
        position = empirical.palm_chance_position(empirical.palm_ladders(found)["bigbench_lite"])
        assert position["tasks"] == small["task"].nunique()
        # In whole tenths of a point, as the paper prints them: "at most 5 points above chance".
        points = lambda rows: (1000 * rows["score"]).round() - (1000 * rows["chance"]).round()  # noqa: E731
        assert position["near_small"] == int((points(small) <= 50).sum())
        assert position["below_small"] == int((points(small) < 0).sum())
        assert position["near_large"] == int((points(large).abs() <= 50).sum())
        # The prose: PaLM 8B is not "well above chance" on BIG-bench Lite.
        assert position["near_small"] > position["tasks"] / 2

    def test_holm_over_the_transformed_palm_tests(self, found):
        table = empirical.palm_scale_table(empirical.palm_ladders(found), n_boot=0)
        tests = table[table["transform"] != "raw"]
        assert len(tests) == 12 and table.loc[table["transform"] == "raw", "holm_p"].isna().all()
        p = tests["perm_p"].to_numpy()
        order = np.argsort(p)
        adjusted = np.empty_like(p)
        adjusted[order] = np.minimum(np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]), 1)
        assert tests["holm_p"].to_numpy() == pytest.approx(adjusted)

    def test_wider_holm_families_keep_two_survivors(self, found):
        """Adding the logit above chance (16 tests) or every transformed rerun (24): Holm recomputed
        by hand from the families' permutation p-values; the floor tests' p of the few-shot NLU
        logit above chance is rechecked against a plain permutation of the recomputed gains."""
        from scaling_report import reanalysis

        palm = empirical.palm_ladders(found)
        table = empirical.palm_scale_table(palm, n_boot=0)
        floors = reanalysis.palm_floor_tests(palm)
        families = reanalysis.holm_families(table, floors)
        assert [len(families[k]) for k in ("scales", "with_chance", "all")] == [12, 16, 24]
        for frame in families.values():
            p = frame["perm_p"].to_numpy()
            order = np.argsort(p)
            adjusted = np.empty_like(p)
            adjusted[order] = np.minimum(np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]), 1)
            assert frame["holm_p"].to_numpy() == pytest.approx(adjusted)
        survivors = families["with_chance"][families["with_chance"]["holm_p"] < 0.05]
        assert set(zip(survivors["key"], survivors["transform"])) == {("bigbench_lite", "range_logit"), ("nlu few-shot", "floor_logit")}
        assert (families["all"]["holm_p"] < 0.05).sum() == 2
        nlu = data.load_palm_nlu()
        nlu = nlu[(nlu["prompting"] == "few-shot") & nlu["chance"].notna()]
        q = ((nlu["score"] - nlu["chance"]) / (1 - nlu["chance"])).clip(0.001, 0.999)
        wide = nlu.assign(value=np.log(q / (1 - q))).pivot_table(index=["task", "task_metric"], columns="n_params", values="value").dropna()
        g1, g2 = (wide[62e9] - wide[8e9]).to_numpy(), (wide[540e9] - wide[62e9]).to_numpy()
        rng = np.random.default_rng(0)
        observed = abs(sps.pearsonr(g1, g2).statistic)
        shuffled = np.array([abs(np.corrcoef(g1, rng.permutation(g2))[0, 1]) for _ in range(4000)])
        p_plain = (1 + (shuffled >= observed - 1e-12).sum()) / 4001
        row = floors[(floors["key"] == "nlu few-shot") & (floors["transform"] == "floor_logit")].iloc[0]
        assert row["n"] == len(wide) and row["perm_p"] == pytest.approx(p_plain, abs=0.003)

    def test_bigg_chance_minus_rising_difference(self, found):
        f = empirical.chapter_facts(found, n_boot=200)
        assert f.bigg_chance_minus_moving == pytest.approx(f.bigg_chance_median - f.bigg_moving_median)
        assert f.bigg_chance_minus_moving_low < f.bigg_chance_minus_moving < f.bigg_chance_minus_moving_high
        assert f.bigg_chance_minus_moving_low < 0 < f.bigg_chance_minus_moving_high  # the prose: the difference is not established

    def test_floor_logit_on_bigbench_lite_recomputed(self, found):
        f = empirical.chapter_facts(found, n_boot=50)
        palm = data.load_palm_bigbench_lite()
        palm = palm[palm["chance"].notna()]
        q = ((palm["score"] - palm["chance"]) / (1 - palm["chance"])).clip(0.001, 0.999)
        palm = palm.assign(value=np.log(q / (1 - q))).pivot_table(index="task", columns="n_params", values="value")
        r = sps.pearsonr(palm[62e9] - palm[8e9], palm[540e9] - palm[62e9])
        assert f.bb_floor_r == pytest.approx(r.statistic) and f.bb_floor_n == len(palm)
        assert f.bb_floor_low < 0 < f.bb_floor_high  # the prose: no positive relation on this scale
        assert f.palm_holm_survivors == 1 and f.bb_range_holm_p < 0.05

    def test_noise_bootstrap_reproduces_the_point_estimate_on_the_full_sample(self, found):
        bb = empirical.palm_ladders(found)["bigbench_lite"]
        triple = tuple(bb.sizes[-3:])
        items = empirical.palm_item_counts()
        point = empirical.noise_ceiling(bb, triple, items)
        boot = empirical.noise_bootstrap(bb, triple, items, n_boot=400)
        assert 0 <= boot["undefined_share"] < 1
        assert boot["low"] < point["r_corrected"] < boot["high"]
        # Independently: a plain loop over resampled task sets, same draws.
        wide = bb.matrix("raw")[list(triple)]
        n = wide.index.get_level_values("task").to_series().map(items).to_numpy(dtype=float)
        keep = np.isfinite(n) & np.isfinite(wide.to_numpy()).all(axis=1)
        p, n = wide.to_numpy()[keep], n[keep]
        values = []
        for draw in stats.task_indices(len(n), 400, ("noise_bootstrap", bb.identity, triple)):
            q, m = p[draw], n[draw]
            g1, g2 = q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]
            if g1.std() == 0 or g2.std() == 0:
                continue
            v = (q * (1 - q) / m[:, None]).mean(axis=0)
            V1, V2 = g1.var(ddof=1), g2.var(ddof=1)
            room = max(1 - (v[0] + v[1]) / V1, 0) * max(1 - (v[1] + v[2]) / V2, 0)
            if room > 0:
                values.append((np.corrcoef(g1, g2)[0, 1] + v[1] / np.sqrt(V1 * V2)) / np.sqrt(room))
        assert boot["low"] == pytest.approx(np.percentile(values, 2.5)) and boot["high"] == pytest.approx(np.percentile(values, 97.5))

    def test_noise_shares_match_chapter_three(self):
        from scaling_report import noise
        from scaling_report.reanalysis import chapter_ladders

        shares = empirical.noise_shares()
        families = noise.family_table(noise.noise_ladders(chapter_ladders()))
        assert (shares.share_min, shares.share_max) == (families["noise_share"].min(), families["noise_share"].max())
        assert shares.share_max < 1  # the preface: every point estimate below 100%
