"""`scaling-report analyze` on the files researchers have, and one regression test per bug of issue 12.

The example inputs are in tests/fixtures/analyze/ (synthetic numbers, `make_examples.py`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from scaling_report import analyze, cli, data, report

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "analyze"


def run_json(capsys, *argv) -> tuple[dict, str]:
    assert cli.main(["analyze", *map(str, argv), "--format", "json", "--method", "last_value"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def rs(result: dict) -> list[float]:
    return [t["r"] for ladder in result["ladders"] for t in ladder["triples"]]


def rows(n_tasks=4, sizes=(1e9, 4e9, 1.6e10, 6.4e10), family="Fam", **extra) -> pd.DataFrame:
    g = np.random.default_rng(len(family) + n_tasks)
    out = []
    for i, size in enumerate(sizes):
        for t in range(n_tasks):
            out.append({"family": family, "model": f"{family}-{i}", "n_params": size, "task": f"t{t}",
                        "score": round(0.3 + 0.05 * i + 0.03 * t + 0.02 * g.standard_normal(), 4), **extra})
    return pd.DataFrame(out)


class TestLayouts:
    """Each accepted layout runs end to end; the same numbers give the same analysis."""

    def test_long_table_with_extra_columns_runs_with_one_note(self, capsys):
        result, err = run_json(capsys, EXAMPLES / "long.csv")
        assert result["ladders"][0]["n_tasks"] == 6 and len(result["ladders"][0]["sizes"]) == 5
        assert err.count("stderr not used (ignored)") == 1

    def test_wide_and_leaderboard_give_the_long_tables_correlations(self, capsys):
        long, _ = run_json(capsys, EXAMPLES / "long.csv")
        wide, _ = run_json(capsys, EXAMPLES / "wide.csv", "--models", EXAMPLES / "models.csv")
        board, _ = run_json(capsys, EXAMPLES / "leaderboard.csv")
        assert rs(wide) == pytest.approx(rs(long), abs=1e-12)
        assert rs(board) == pytest.approx(rs(long), abs=1e-12)
        assert board["ladders"][0]["n_shots"] == 0  # from the "(0-shot)" in the column names

    def test_leaderboard_is_detected_and_can_be_forced(self, capsys):
        assert analyze.detect_layout(EXAMPLES / "leaderboard.csv") == "leaderboard"
        forced, _ = run_json(capsys, EXAMPLES / "leaderboard.csv", "--layout", "leaderboard")
        assert forced["ladders"][0]["n_tasks"] == 6

    def test_harness_folder_reads_both_layouts_and_nested_folders(self):
        frame = analyze.load_input(EXAMPLES / "harness", EXAMPLES / "harness_models.csv")
        assert sorted(frame["n_params"].unique()) == [7e7, 1.6e8, 4.1e8, 1e9, 2.8e9]
        # Independent check: every score equals the value in its JSON file.
        for path in (EXAMPLES / "harness").rglob("*.json"):
            content = json.loads(path.read_text())
            model = content["config"]["model_args"].split(",")[0].removeprefix("pretrained=")
            for task, metrics in content["results"].items():
                value = metrics.get("acc,none", metrics.get("acc"))
                got = frame[(frame["model"] == model) & (frame["task"] == task)]["score"]
                assert got.tolist() == [value]
        assert set(frame["n_shots"].astype(int)) == {0} and set(frame["metric"]) == {"accuracy"}

    def test_harness_single_file(self):
        path = next((EXAMPLES / "harness").rglob("results_*.json"))
        frame = analyze.load_input(path)
        assert len(frame) == 6 and frame["family"].iloc[0] == "example-org/toylm"

    def test_harness_names_parse_to_family_and_size(self):
        assert analyze.family_and_size("EleutherAI/pythia-160m-deduped") == ("EleutherAI/pythia-deduped", 1.6e8)
        assert analyze.family_and_size("facebook/opt-1.3b") == ("facebook/opt", 1.3e9)
        assert analyze.family_and_size("gpt2-xl") is None

    def test_harness_group_aggregates_are_not_double_counted(self, tmp_path):
        content = {"results": {"mmlu": {"acc,none": 0.5}, "mmlu_a": {"acc,none": 0.4}, "mmlu_b": {"acc,none": 0.6}},
                   "groups": {"mmlu": {"acc,none": 0.5}}, "config": {"model_args": "pretrained=org/x-1b"}}
        (tmp_path / "r.json").write_text(json.dumps(content))
        assert sorted(analyze.load_input(tmp_path / "r.json")["task"]) == ["mmlu_a", "mmlu_b"]

    def test_harness_filters_and_perplexities_keep_their_meaning(self, tmp_path):
        content = {"results": {"gsm8k": {"exact_match,strict-match": 0.1, "exact_match,flexible-extract": 0.2},
                               "wikitext": {"word_perplexity,none": 35.2}},
                   "config": {"model_args": "pretrained=org/x-1b"}}
        (tmp_path / "r.json").write_text(json.dumps(content))
        notes = analyze.Notes()
        frame = analyze.load_input(tmp_path / "r.json", notes=notes)
        assert sorted(frame["metric"]) == ["exact_match (flexible-extract)", "exact_match (strict-match)", "word_perplexity"]
        assert not [n for n in notes if "not a known name" in n]
        prepared, _ = analyze.prepare(frame, "r.json", notes=notes)
        assert set(prepared["task"]) == {"gsm8k"}  # the perplexity (lower is better) is left out, with a note
        assert any("lower-is-better" in n for n in notes)

    def test_compute_axis_and_replicates(self, capsys):
        result, err = run_json(capsys, EXAMPLES / "replicates.csv", "--axis", "compute")
        frame = pd.read_csv(EXAMPLES / "replicates.csv")
        ladder = next(l for l in result["ladders"] if l["family"] == "ToyLM 1x data")
        part = frame[frame["family"] == "ToyLM 1x data"]
        assert ladder["axis"] == "compute"
        assert ladder["sizes"] == sorted((6 * part["n_params"] * part["training_tokens"]).unique().tolist())
        # Replicates averaged: recompute the first triple's r from the run means with numpy.
        means = part.groupby(["task", "n_params"])["score"].mean().unstack()
        g1 = (means.iloc[:, 1] - means.iloc[:, 0]).to_numpy()
        g2 = (means.iloc[:, 2] - means.iloc[:, 1]).to_numpy()
        assert ladder["triples"][0]["r"] == pytest.approx(np.corrcoef(g1, g2)[0, 1], abs=1e-12)
        # Measured noise: pooled within-cell SD and its chi-square interval, recomputed.
        var = part.groupby(["task", "n_params"])["score"].var(ddof=1)
        dof = len(var)  # two runs per cell: one degree of freedom each
        assert ladder["replicates"]["sd"] == pytest.approx(np.sqrt(var.mean()), rel=1e-12)
        assert ladder["replicates"]["ci_high"] == pytest.approx(np.sqrt(dof * var.mean() / sps.chi2.ppf(0.025, dof)), rel=1e-9)
        assert "averaged over its runs" in err

    def test_readme_shows_one_command_per_layout(self):
        readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
        for command in ("analyze tests/fixtures/analyze/long.csv", "analyze tests/fixtures/analyze/wide.csv --models",
                        "analyze tests/fixtures/analyze/leaderboard.csv", "analyze tests/fixtures/analyze/harness",
                        "--axis compute", "--pool shots"):
            assert command in readme, command


class TestLenientAndStrict:
    def test_any_metric_name_is_accepted_and_unknown_out_of_range_ones_are_left_out(self, write_csv, capsys):
        frame = pd.concat([
            rows(metric="mc2"),
            rows(family="G", metric="house_score"),
            rows(family="H").assign(metric="bleu", score=lambda f: f["score"] * 40),
        ])
        result, err = run_json(capsys, write_csv(frame))
        assert [l["metric"] for l in result["ladders"]] == ["mc2", "house_score"]
        assert "metric 'bleu' is not a known name and has values outside [0, 1]" in err
        assert "metric 'house_score' is not a known name: its scores are all in [0, 1]" in err
        assert "'mc2'" not in err  # a known name: no note

    def test_strict_restores_the_old_rules(self, write_csv, capsys):
        assert cli.main(["analyze", str(write_csv(rows(metric="mc2"))), "--strict"]) == 2
        assert "unknown metric 'mc2'" in capsys.readouterr().err

    def test_all_problems_in_one_pass(self, write_csv, capsys):
        frame = rows().astype(object)
        frame.loc[1, "score"] = 1.7
        frame.loc[5, "n_params"] = "big"
        frame.loc[9, "task"] = ""
        assert cli.main(["analyze", str(write_csv(frame))]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 3
        assert any("line 3, column 'score'" in e for e in err) and any("line 7, column 'n_params'" in e for e in err)
        assert any("line 11, column 'task'" in e for e in err)

    def test_the_problem_list_stops_at_the_limit_and_counts_the_rest(self, write_csv, capsys):
        frame = rows(n_tasks=12)
        frame["score"] = np.where(frame.index % 2 == 0, 2.5, 0.5)  # 24 bad cells; half is not "percentages"
        assert cli.main(["analyze", str(write_csv(frame))]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == data.MAX_PROBLEMS + 1 and "more problem(s)" in err[-1]


class TestPooling:
    def test_pool_shots_joins_ladders_split_by_shot_count(self, write_csv, capsys):
        frame = rows(n_tasks=6)
        frame["n_shots"] = frame["task"].map({"t0": 0, "t1": 0, "t2": 5, "t3": 5, "t4": 25, "t5": 25})
        path = write_csv(frame)
        split, _ = run_json(capsys, path)
        assert [l["n_tasks"] for l in split["ladders"]] == [2, 2, 2]
        pooled, _ = run_json(capsys, path, "--pool", "shots")
        assert [l["n_tasks"] for l in pooled["ladders"]] == [6]
        assert pooled["ladders"][0]["pooled"] == ["shots"] and all(r["pooled"] == ["shots"] for r in pooled["backtest"])
        assert cli.main(["analyze", str(path), "--pool", "shots"]) == 0
        assert "pooled across: shots" in capsys.readouterr().out

    def test_a_task_at_two_shot_counts_stays_two_tasks_when_pooled(self, write_csv, capsys):
        frame = pd.concat([rows().assign(n_shots=0), rows().assign(n_shots=5)], ignore_index=True)
        pooled, _ = run_json(capsys, write_csv(frame), "--pool", "shots,metric")
        assert pooled["ladders"][0]["n_tasks"] == 8


class TestBugs:
    """One regression test per bug listed in issue 12."""

    def test_three_task_triple_prints_with_a_note(self, write_csv, capsys):
        assert cli.main(["analyze", str(write_csv(rows(n_tasks=3)))]) == 0
        captured = capsys.readouterr()
        assert "Fisher interval needs 4 or more" in captured.out and "[—, —]" in captured.out
        assert "only 3 task(s)" in captured.err

    def test_two_tasks_say_too_few_tasks(self, write_csv, capsys):
        assert cli.main(["analyze", str(write_csv(rows(n_tasks=2)))]) == 0
        out = capsys.readouterr().out
        assert "too few tasks" in out and "not enough variation" not in out

    def test_duplicate_key_message_names_the_groups_own_lines(self, write_csv, capsys):
        frame = rows(n_tasks=4)
        frame = pd.concat([frame, frame.iloc[[2]], frame.iloc[[9]]], ignore_index=True)  # lines 18, 19
        assert cli.main(["analyze", str(write_csv(frame))]) == 2
        err = capsys.readouterr().err
        assert "lines 4, 18" in err and "lines 11, 19" in err

    def test_two_models_at_one_size_names_file_line_models_and_every_family(self, write_csv, capsys):
        a, b = rows(family="A"), rows(family="B")
        a.loc[a["model"] == "A-1", "model"] = ["A-1", "A-1x", "A-1x", "A-1x"]
        b.loc[b["model"] == "B-2", "model"] = ["B-2", "B-2", "B-2y", "B-2y"]
        path = write_csv(pd.concat([a, b], ignore_index=True))
        assert cli.main(["analyze", str(path)]) == 2
        err = capsys.readouterr().err
        assert "line 7, column 'n_params', model 'A-1x'" in err and "'A-1' (line 6)" in err
        assert "model 'B-2y'" in err and str(path) in err

    def test_rows_differing_only_in_prompting_are_separate_tasks(self, write_csv, capsys):
        frame = pd.concat([rows().assign(prompting="plain"), rows().assign(prompting="chain of thought")], ignore_index=True)
        result, err = run_json(capsys, write_csv(frame))
        assert result["ladders"][0]["n_tasks"] == 8
        assert "each setting is its own task" in err

    def test_rows_differing_only_in_source_id_are_an_error(self, write_csv, capsys):
        frame = pd.concat([rows().assign(source_id="s1"), rows().iloc[[0]].assign(source_id="s2")], ignore_index=True)
        assert cli.main(["analyze", str(write_csv(frame))]) == 2
        assert "differ only in source_id" in capsys.readouterr().err

    def test_a_comment_opening_name_does_not_blank_the_report(self, write_csv, tmp_path, capsys):
        frame = rows(n_tasks=5, family="<!--<script>")
        out = tmp_path / "r.html"
        assert cli.main(["analyze", str(write_csv(frame)), "--format", "html", "--output", str(out), "--method", "last_value"]) == 0
        page = out.read_text()
        assert "<!--<script>" not in page and "<!--" not in page.split("<main", 1)[1]
        assert "&lt;!--&lt;script&gt;" in page  # the tables show the name, escaped
        assert "\\u003c!--\\u003cscript" in page  # the chart JSON carries it without a raw "<"

    def test_broken_pipe_exits_quietly(self):
        completed = subprocess.run(
            f"{sys.executable} -m scaling_report.cli analyze {EXAMPLES / 'long.csv'} --method last_value | head -c 10",
            shell=True, capture_output=True, text=True, check=False,
        )
        assert "Traceback" not in completed.stderr and "BrokenPipe" not in completed.stderr

    def test_loss_only_file_says_why_there_is_no_ladder(self, write_csv, capsys):
        frame = rows(sizes=(1e8, 2e8, 4e8, 8e8, 1.6e9)).assign(metric="loss", score=lambda f: 3 - f["score"])
        assert cli.main(["analyze", str(write_csv(frame))]) == 0
        captured = capsys.readouterr()
        assert "every score is of a lower-is-better metric" in captured.out
        assert "three or more sizes" not in captured.out

    def test_bootstrap_interval_does_not_depend_on_other_families_in_the_file(self, write_csv, capsys):
        alone, _ = run_json(capsys, write_csv(rows(n_tasks=6, family="Z"), "alone.csv"))
        frame = pd.concat([rows(n_tasks=5, family="A"), rows(n_tasks=6, family="Z")], ignore_index=True)
        together, _ = run_json(capsys, write_csv(frame, "together.csv"))
        pick = lambda result: [(r["ci_low"], r["ci_high"]) for r in result["backtest"] if r["family"] == "Z"]  # noqa: E731
        assert pick(alone) == pick(together) and pick(alone)

    def test_physical_line_numbers_after_blank_lines_and_quoted_newlines(self, write_csv, capsys):
        text = "family,model,n_params,task,score\n\nF,m1,1e9,\"two\nlines\",0.5\nF,m2,2e9,a,1.5\n"
        assert cli.main(["analyze", str(write_csv(text))]) == 2
        assert "line 5, column 'score'" in capsys.readouterr().err


class TestReport:
    def _result(self, frame, write_csv):
        notes = analyze.Notes()
        loaded = analyze.load_input(write_csv(frame), notes=notes)
        prepared_frame, prepared = analyze.prepare(loaded, "x.csv", notes=notes)
        return analyze.analyze(prepared_frame, methods=("last_value",), progress=False, prepared=prepared, notes=notes), prepared_frame

    def test_no_shot_count_label_has_no_empty_part(self, write_csv):
        result, frame = self._result(rows(), write_csv)
        labels = {r["ladder"] for r in report.backtest_rows(result["_backtest"])} | {r["ladder"] for r in report.triple_rows(result)}
        assert labels == {"Fam · all · shots not stated · score"}

    def test_shot_counts_sort_as_numbers(self, write_csv):
        frame = pd.concat([rows().assign(n_shots=k) for k in (10, 2)], ignore_index=True)
        result, _ = self._result(frame, write_csv)
        order = list(dict.fromkeys(r["ladder"] for r in report.triple_rows(result)))
        assert order == ["Fam · all · 2-shot · score", "Fam · all · 10-shot · score"]
        order = list(dict.fromkeys(r["ladder"] for r in report.backtest_rows(result["_backtest"])))
        assert order == ["Fam · all · 2-shot · score", "Fam · all · 10-shot · score"]

    def test_charts_show_the_ladders_with_the_most_tasks(self, write_csv):
        small = [rows(n_tasks=1, family=f"S{i}") for i in range(12)]
        big = rows(n_tasks=6, family="Z")
        result, _ = self._result(pd.concat([*small, big], ignore_index=True), write_csv)
        assert "Z · all · shots not stated · score" in report.chart_ladders(result)

    def test_single_task_interval_is_not_shown_as_a_point(self, write_csv):
        result, _ = self._result(rows(n_tasks=1), write_csv)
        assert all(r["ci"] == "— (1 task)" for r in report.backtest_rows(result["_backtest"]))

    def test_replicate_noise_is_in_the_report(self, tmp_path, capsys):
        out = tmp_path / "r.html"
        assert cli.main(["analyze", str(EXAMPLES / "replicates.csv"), "--axis", "compute", "--format", "html",
                         "--output", str(out), "--method", "last_value"]) == 0
        page = out.read_text()
        assert "Measured noise from replicates" in page and "training compute (FLOP)" in page

    def test_three_task_triples_are_flagged(self, write_csv):
        result, _ = self._result(rows(n_tasks=3), write_csv)
        assert all("3 tasks" in r["note"] for r in report.triple_rows(result))
        spec, _ = report.chart_spec(result, result["_backtest"])
        assert re.search(r"only 3 tasks", json.dumps(spec))
