"""Chapter 1 computations against published figures and independent recomputation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from scaling_report import data, empirical, fmt, sources


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
