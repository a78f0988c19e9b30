"""`scaling-report analyze`: fast ladder path equals statsmodels, backtest JSON, wide tables, HTML report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scaling_report import analyze, backtest, cli, data, ladders, rng, stats

JSON_TRIPLE_KEYS = ("n", "r", "r2", "slope", "ci_low", "ci_high")


def long_table(n_tasks: int = 6, n_sizes: int = 5, family: str = "Toy", seed: int = 0) -> pd.DataFrame:
    """A small long table in the five required columns plus chance: rising noisy scores."""
    g = rng(seed)
    sizes = np.geomspace(1e7, 1e11, n_sizes)
    rows = []
    for t in range(n_tasks):
        level = 0.3 + 0.05 * t
        for i, size in enumerate(sizes):
            rows.append(
                {
                    "family": family,
                    "model": f"{family}-{i}",
                    "n_params": size,
                    "task": f"task_{t}",
                    "score": round(float(np.clip(level + 0.04 * i + 0.02 * g.standard_normal(), 0, 1)), 4),
                    "chance": 0.25,
                }
            )
    return pd.DataFrame(rows)


def to_wide(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    wide = frame.pivot_table(index=["task", "chance"], columns="model", values="score", aggfunc="first").reset_index()
    wide.columns.name = None
    models = frame.drop_duplicates("model")[["model", "family", "n_params"]]
    return wide, models


@pytest.fixture(scope="module")
def real_ladders():
    return ladders.find_ladders(data.load_all())


class TestTripleFit:
    def test_equals_statsmodels_on_random_gains(self):
        g = rng(21)
        for n in (3, 5, 40):
            x = g.standard_normal(n)
            y = 0.3 * x + g.standard_normal(n)
            fast = analyze.triple_fit(x, y)
            slow = stats.regress(pd.DataFrame({"gain1": x, "gain2": y}), n_boot=10)
            for key in ("n", "slope", "r", "r2", "ci_low", "ci_high"):
                if np.isnan(slow[key]):
                    assert np.isnan(fast[key]), key
                else:
                    assert fast[key] == pytest.approx(slow[key], rel=1e-10, abs=1e-12), key

    def test_constant_gains_give_no_fit(self):
        fit = analyze.triple_fit(np.ones(5), np.arange(5.0))
        assert fit["n"] == 5 and np.isnan(fit["r"])

    @pytest.mark.parametrize("transform", ["raw", "logit", "floor_logit"])
    def test_json_triples_equal_ladder_table_on_real_ladders(self, transform, real_ladders):
        # Every ladder for raw scores; for the logits a spread of ladders (statsmodels is slow).
        found = real_ladders if transform == "raw" else real_ladders[::4]
        table = ladders.ladder_table(found, (transform,), (1,), n_boot=10)
        for ladder in found:
            expected = table[table["ladder"] == ladder.name]
            got = analyze.ladder_triples(ladder, (transform,), (1,))
            assert len(got) == len(expected)
            for g, e in zip(got, expected.itertuples()):
                assert g["sizes"] == [e.s1, e.s2, e.s3]
                assert g["n"] == e.n
                for key in ("r", "r2", "slope", "ci_low", "ci_high"):
                    value = getattr(e, key)
                    if np.isnan(value):
                        assert g[key] is None
                    else:
                        assert g[key] == pytest.approx(value, rel=1e-9, abs=1e-12)
                assert g.get("note", "") == e.note


class TestAnalyzeJson:
    def test_shape_has_ladders_and_backtest(self, write_csv, capsys):
        path = write_csv(long_table())
        assert cli.main(["analyze", str(path), "--format", "json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert list(result) == ["ladders", "backtest"]
        ladder = result["ladders"][0]
        # The earlier keys first, in their order; then the axis, the pooling and the task count.
        assert list(ladder) == ["family", "benchmark", "n_shots", "metric", "sizes", "triples", "axis", "pooled", "n_tasks"]
        assert (ladder["axis"], ladder["pooled"], ladder["n_tasks"]) == ("params", [], 6)
        assert list(ladder["triples"][0]) == ["sizes", "transform", *JSON_TRIPLE_KEYS]
        rows = result["backtest"]
        assert rows and all(list(r) == [*backtest.JSON_KEYS, "axis", "pooled"] for r in rows)
        assert {r["method"] for r in rows} == set(backtest.METHODS)
        assert {r["horizon"] for r in rows} == {"next", "two_ahead", "ge_10x", "all"}
        # Five sizes, origins j = 3, 4: next-size forecasts are 2 per task.
        next_last = next(r for r in rows if r["method"] == "last_value" and r["horizon"] == "next")
        assert next_last["n"] == 2 * 6
        assert next_last["ci_low"] <= next_last["mae"] <= next_last["ci_high"]
        assert next_last["rmse"] >= next_last["mae"]

    def test_last_value_error_equals_a_direct_computation(self, write_csv, capsys):
        frame = long_table(n_tasks=8, n_sizes=6, seed=3)
        path = write_csv(frame)
        assert cli.main(["analyze", str(path), "--format", "json", "--method", "last_value"]) == 0
        rows = json.loads(capsys.readouterr().out)["backtest"]
        wide = frame.pivot_table(index="task", columns="n_params", values="score").to_numpy()
        errors = [abs(wide[i, j - 1] - wide[i, t]) for i in range(8) for j in range(3, 6) for t in range(j, 6)]
        row = next(r for r in rows if r["horizon"] == "all")
        assert row["n"] == len(errors)
        assert row["mae"] == pytest.approx(np.mean(errors))

    def test_three_sizes_give_ladders_but_no_backtest(self, write_csv, capsys):
        path = write_csv(long_table(n_sizes=3))
        assert cli.main(["analyze", str(path), "--format", "json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert len(result["ladders"]) == 1 and result["backtest"] == []

    def test_large_inputs_leave_the_sigmoids_out_with_a_note(self, write_csv, capsys, monkeypatch):
        monkeypatch.setattr(analyze, "SIGMOID_FIT_BUDGET", 5)
        frame = analyze.load_user_table(write_csv(long_table()))
        result = analyze.analyze(frame, progress=False)
        assert {r["method"] for r in result["backtest"]} == set(analyze.FAST_METHODS)
        assert any("left out" in note for note in result["_notes"])

    def test_unknown_method_is_rejected(self, write_csv, capsys):
        path = write_csv(long_table())
        with pytest.raises(SystemExit):
            cli.main(["analyze", str(path), "--method", "oracle"])

    def test_quick_runs_print_no_progress(self, write_csv, capsys):
        path = write_csv(long_table())
        assert cli.main(["analyze", str(path), "--method", "last_value"]) == 0
        assert capsys.readouterr().err == ""

    def test_text_output_lists_the_backtest(self, write_csv, capsys):
        path = write_csv(long_table())
        assert cli.main(["analyze", str(path), "--method", "last_value"]) == 0
        out = capsys.readouterr().out
        assert "Backtest" in out and "last_value" in out and "MAE=" in out


class TestWideTables:
    def test_wide_and_long_give_the_same_json(self, write_csv, capsys):
        frame = long_table()
        long_path = write_csv(frame, "long.csv")
        wide, models = to_wide(frame)
        wide_path, models_path = write_csv(wide, "wide.csv"), write_csv(models, "models.csv")
        assert cli.main(["analyze", str(long_path), "--format", "json", "--method", "last_value", "--method", "momentum"]) == 0
        from_long = json.loads(capsys.readouterr().out)
        assert cli.main(["analyze", str(wide_path), "--models", str(models_path), "--format", "json",
                         "--method", "last_value", "--method", "momentum"]) == 0
        from_wide = json.loads(capsys.readouterr().out)
        assert from_wide == from_long

    def test_empty_cells_are_skipped(self, write_csv):
        wide, models = to_wide(long_table())
        wide.loc[0, "Toy-2"] = np.nan
        frame = analyze.wide_to_long(write_csv(wide, "wide.csv"), write_csv(models, "models.csv"))
        assert len(frame) == 6 * 5 - 1

    def _error(self, write_csv, wide, models, capsys) -> str:
        wide_path, models_path = write_csv(wide, "wide.csv"), write_csv(models, "models.csv")
        assert cli.main(["analyze", str(wide_path), "--models", str(models_path)]) == 2
        return capsys.readouterr().err

    def test_unknown_model_column_names_wide_file_line_and_column(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        wide = wide.rename(columns={"Toy-3": "Mystery-7B"})
        message = self._error(write_csv, wide, models, capsys)
        assert "wide.csv, line 1, column 'Mystery-7B': unknown model 'Mystery-7B'" in message

    def test_bad_score_names_wide_file_row_and_model_column(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        wide.loc[3, "Toy-1"] = 1.7  # fourth task row = line 5 of the wide file
        message = self._error(write_csv, wide, models, capsys)
        assert "wide.csv, line 5, column 'Toy-1': score 1.7 is outside [0, 1] (scores are fractions)" in message

    def test_non_numeric_score_names_the_cell(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        wide["Toy-4"] = wide["Toy-4"].astype(object)
        wide.loc[1, "Toy-4"] = "n/a"
        message = self._error(write_csv, wide, models, capsys)
        assert "wide.csv, line 3, column 'Toy-4': 'n/a' is not a number" in message

    def test_bad_chance_names_the_chance_column(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        wide.loc[2, "chance"] = 2.0
        message = self._error(write_csv, wide, models, capsys)
        assert "wide.csv, line 4, column 'chance'" in message

    def test_repeated_task_row(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        wide = pd.concat([wide, wide.iloc[[1]]], ignore_index=True)
        message = self._error(write_csv, wide, models, capsys)
        assert "wide.csv, line 8, column 'task': task 'task_1' appears on more than one row (lines 3, 8)" in message

    def test_models_file_errors_name_the_models_file(self, write_csv, capsys):
        wide, models = to_wide(long_table())
        bad = models.astype(object).copy()
        bad.iloc[2, bad.columns.get_loc("n_params")] = "large"
        message = self._error(write_csv, wide, bad, capsys)
        assert "models.csv, line 4, column 'n_params', model 'Toy-2': 'large' is not a finite number" in message
        bad = models.copy()
        bad.iloc[1, bad.columns.get_loc("n_params")] = -5
        assert "models.csv, line 3, column 'n_params', model 'Toy-1': n_params must be positive" in self._error(write_csv, wide, bad, capsys)
        bad = pd.concat([models, models.iloc[[0]]], ignore_index=True)
        assert "models.csv, line 7, column 'model', model 'Toy-0': model 'Toy-0' is listed more than once" in self._error(write_csv, wide, bad, capsys)
        assert "models.csv, line 1, column 'family': wrong header: missing required column" in self._error(write_csv, wide, models.drop(columns="family"), capsys)

    def test_wide_file_without_models_file_is_explained(self, write_csv, capsys):
        wide, _ = to_wide(long_table())
        path = write_csv(wide, "wide.csv")
        assert cli.main(["analyze", str(path)]) == 2
        assert "needs its models file: pass --models" in capsys.readouterr().err


class TestHtmlReport:
    def test_needs_an_output_path(self, write_csv, capsys):
        path = write_csv(long_table())
        assert cli.main(["analyze", str(path), "--format", "html"]) == 2
        assert "--output" in capsys.readouterr().err

    def test_writes_a_standalone_escaped_page(self, write_csv, tmp_path, capsys):
        frame = long_table(family="<b>Evil</b> & co")
        frame["task"] = frame["task"] + "<script>alert(1)</script>"
        path = write_csv(frame)
        out = tmp_path / "report.html"
        assert cli.main(["analyze", str(path), "--format", "html", "--output", str(out),
                         "--method", "last_value", "--method", "family_trend"]) == 0
        page = out.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert "&lt;b&gt;Evil&lt;/b&gt; &amp; co" in page
        assert "<b>Evil</b>" not in page and "alert(1)</script>" not in page
        assert "<script src=" not in page and "cdn" not in page.lower().replace("cdnjs", "")  # scripts are inlined
        assert "vegaEmbed(" in page
        assert "family-average trend" in page and "Forecasting backtest" in page
