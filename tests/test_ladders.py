"""Ladder discovery, triple enumeration and gains; the 2022 headline numbers from data/."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_report import data, ladders
from conftest import valid_rows


def _toy_ladder(n_sizes: int) -> ladders.Ladder:
    rows = []
    for i in range(n_sizes):
        for task in ("a", "b", "c"):
            rows.append({"family": "F", "model": f"m{i}", "n_params": 10.0 ** (i + 1), "benchmark": "B", "task": task,
                         "subtask": "", "task_metric": "", "n_shots": 0, "prompting": "0-shot", "metric": "accuracy",
                         "score": 0.1 * i + {"a": 0.0, "b": 0.01 * i * i, "c": 0.02}[task], "chance": 0.0})
    return ladders.find_ladders(pd.DataFrame(rows))[0]


class TestTriples:
    def test_consecutive_triples(self):
        ladder = _toy_ladder(5)
        assert [t[1:] for t in ladder.triples((1,))] == [(10.0, 100.0, 1e3), (100.0, 1e3, 1e4), (1e3, 1e4, 1e5)]

    def test_spaced_triples_count(self):
        # n sizes, spacing k: n - 2k triples; all spacings of 12 sizes: 10 + 8 + 6 + 4 + 2.
        ladder = _toy_ladder(12)
        assert len(ladder.triples()) == 30
        assert all(k in (1, 2, 3, 4, 5) for k, *_ in ladder.triples())
        assert ladder.triples((2,))[0] == (2, 10.0, 1e3, 1e5)

    def test_spacing_too_wide_gives_none(self):
        assert _toy_ladder(4).triples((2,)) == []


class TestGains:
    def test_gain_definitions(self):
        gains = _toy_ladder(3).gains((10.0, 100.0, 1000.0)).set_index("task")
        assert gains.loc["b", "gain1"] == pytest.approx(0.1 + 0.01)
        assert gains.loc["b", "gain2"] == pytest.approx(0.1 + 0.03)

    def test_tasks_missing_a_size_are_dropped(self):
        ladder = _toy_ladder(3)
        rows = ladder.rows[~((ladder.rows["task"] == "c") & (ladder.rows["n_params"] == 100.0))]
        partial = ladders.Ladder("F", "B", 0, "accuracy", rows)
        assert set(partial.gains((10.0, 100.0, 1000.0))["task"]) == {"a", "b"}


class TestFindLadders:
    def test_two_sizes_are_not_a_ladder(self):
        frame = valid_rows()
        frame = frame[frame["model"] != "m-3"].astype({"n_params": float})
        assert ladders.find_ladders(frame) == []

    def test_real_ladders(self):
        found = {(l.family, l.benchmark, l.n_shots, l.metric): len(l.sizes) for l in ladders.find_ladders(data.load_all())}
        assert found[("BIG-G T=0", "bigbench", 3, "multiple_choice_grade")] == 12
        assert found[("PaLM", "bigbench_lite", 5, "preferred")] == 3
        assert found[("Pythia", "lm_eval_harness", 5, "accuracy")] == 8
        assert found[("BLOOM", "lm_eval_harness", 0, "accuracy")] == 5
        assert not any(family.startswith("PaLM 62B") for family, *_ in found)

    def test_size_labels(self):
        assert ladders.size_label(2_098_048) == "2.1M"
        assert ladders.size_label(540e9) == "540B"


class TestPublishedFigures:
    """The post's PaLM numbers, computed from data/ (post: R^2 = 0.04; shared README: 0.043, 0.028)."""

    def _fit(self, benchmark, n_shots=None, prompting=None):
        found = [l for l in ladders.find_ladders(data.load_all()) if l.family == "PaLM" and l.benchmark == benchmark]
        if prompting:
            found = [l for l in found if l.rows["prompting"].iloc[0] == prompting]
        table = ladders.ladder_table(found, ("raw",), n_boot=200)
        return table.iloc[0]

    def test_palm_bigbench_lite_r2(self):
        row = self._fit("bigbench_lite")
        assert row["n"] == 24
        assert row["r2"] == pytest.approx(0.043, abs=0.001)
        assert row["r"] == pytest.approx(0.207, abs=0.001)

    def test_palm_nlu_zero_shot_r2(self):
        row = self._fit("english_nlu", prompting="0-shot")
        assert row["n"] == 30 and row["r2"] == pytest.approx(0.028, abs=0.001)

    def test_palm_nlu_other_shots(self):
        assert self._fit("english_nlu", prompting="1-shot")["r2"] == pytest.approx(0.015, abs=0.001)
        assert self._fit("english_nlu", prompting="few-shot")["r2"] == pytest.approx(0.007, abs=0.001)


class TestFitTriples:
    def test_bootstrap_seeds_follow_the_ladder_not_its_position(self):
        found = [l for l in ladders.find_ladders(data.load_all()) if l.family in ("OPT", "BLOOM") and l.metric == "accuracy" and l.benchmark == "lm_eval_harness"]
        forward = ladders.ladder_table(found, ("raw",), n_boot=100)
        backward = ladders.ladder_table(found[::-1], ("raw",), n_boot=100)
        columns = ["ladder", "triple", "r", "boot_low", "boot_high"]
        key = ["ladder", "triple"]
        pd.testing.assert_frame_equal(
            forward[columns].sort_values(key).reset_index(drop=True), backward[columns].sort_values(key).reset_index(drop=True)
        )

    def test_each_triple_equals_a_direct_correlation(self):
        ladder = _toy_ladder(6)
        wide = ladder.matrix("raw")
        fits = ladders.fit_triples(wide, ladder.triples((1, 2)), n_boot=0)
        for (k, s1, s2, s3), fit in zip(ladder.triples((1, 2)), fits):
            g = ladder.gains((s1, s2, s3))
            assert fit["n"] == len(g)
            assert fit["slope"] == pytest.approx(np.polyfit(g["gain1"], g["gain2"], 1)[0])


class TestStackedGains:
    def test_shared_tasks_share_a_column(self):
        found = [l for l in ladders.find_ladders(data.load_all()) if l.family in ("OPT", "BLOOM") and l.metric == "accuracy" and l.benchmark == "lm_eval_harness"]
        rows, g1, g2 = ladders.stacked_gains(found)
        assert g1.shape == (len(rows), 65)  # both ladders hold the same 65 harness tasks
        first = found[0]
        k, s1, s2, s3 = first.triples((1,))[0]
        g = first.gains((s1, s2, s3))
        assert np.sort(g1[0][np.isfinite(g1[0])]) == pytest.approx(np.sort(g["gain1"].to_numpy()))
