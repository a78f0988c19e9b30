"""`scaling-report analyze`: the ladder regressions and the forecasting backtest for any CSV.

Input: a CSV in the long schema (at least family, model, n_params, task, score), or a wide
table (one row per task, one column per model) together with a models file
(`model, family, n_params`). Every malformed input is rejected with the file, line and column.

The JSON shape is documented in `docs/analyze.md`:
{"ladders": [{"family", "benchmark", "n_shots", "metric", "sizes": [...],
              "triples": [{"sizes": [s1, s2, s3], "transform", "n", "r", "r2", "slope",
                           "ci_low", "ci_high"}]}],
 "backtest": [{"family", "benchmark", "n_shots", "metric", "method", "horizon", "n", "mae",
               "rmse", "ci_low", "ci_high"}]}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import backtest, data, fmt, ladders, stats, transforms

# Sigmoid fits take about 2 ms each and the pooled fit about 5 ms per task: above this many
# task x origin fits the default backtest leaves the two sigmoid methods out (say so on stderr).
SIGMOID_FIT_BUDGET = 250_000  # batched fits (sigmoid_batch): 5,000 tasks x 17 origins run in seconds
FAST_METHODS = tuple(m for m in backtest.METHODS if m not in backtest.SIGMOID_METHODS)

# Columns of a wide table that describe the task rather than name a model.
WIDE_TASK_COLUMNS = ("task", "benchmark", "subtask", "task_metric", "n_shots", "prompting", "metric", "chance", "n_items")
MODELS_REQUIRED = ("model", "family", "n_params")
MODELS_OPTIONAL = ("training_tokens", "training_flops", "source_id", "provenance")


# --------------------------------------------------------------------------------------------
# Loading


def _fill_defaults(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    for column, default in data.ANALYZE_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = default if default is not None else (path.stem if column == "source_id" else path.name)
    return frame


def load_user_table(path: str | Path) -> pd.DataFrame:
    """Read and validate a reader's CSV in the long schema: required family, model, n_params, task, score."""
    path = Path(path)
    frame = data.read_csv(path)
    if "score" not in frame.columns and "task" in frame.columns and "model" not in frame.columns:
        raise data.DataValidationError(
            path,
            "wrong header: this looks like a wide table (no 'model' or 'score' column); "
            "pass the models file with --models MODELS.csv",
            line=1,
        )
    frame = _fill_defaults(frame, path)
    return data.validate(frame, path, required=data.ANALYZE_REQUIRED)


def load_models(path: str | Path) -> pd.DataFrame:
    """The models file of a wide table: model, family, n_params (optional training_tokens, training_flops)."""
    path = Path(path)
    frame = data.read_csv(path)
    data.check_columns(frame, path, MODELS_REQUIRED + MODELS_OPTIONAL, MODELS_REQUIRED)
    data.check_filled(frame, path, MODELS_REQUIRED)
    for column in ("n_params", "training_tokens", "training_flops"):
        if column not in frame.columns:
            continue
        raw = frame[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & (numbers.isna() | ~np.isfinite(numbers.fillna(0)))
        if bad.any():
            i = data.first_row(bad)
            raise data.DataValidationError(path, f"'{raw.iloc[i]}' is not a finite number", line=i + 2, column=column)
        floor = numbers <= 0 if column == "n_params" else numbers < 0
        if floor.any():
            i = data.first_row(floor)
            rule = f"n_params must be positive, got {numbers.iloc[i]:g}" if column == "n_params" else f"{column} must not be negative"
            raise data.DataValidationError(path, rule, line=i + 2, column=column)
    rows = data.repeated_rows(frame, ["model"])
    if len(rows):
        raise data.DataValidationError(
            path,
            f"model '{frame['model'].iloc[rows[0]]}' is listed more than once (lines {', '.join(str(r + 2) for r in rows[:6])})",
            line=int(rows[1]) + 2,
            column="model",
        )
    return frame


def wide_to_long(wide_path: str | Path, models_path: str | Path) -> pd.DataFrame:
    """A wide table (rows = tasks, columns = models) plus its models file, as validated long rows.

    Errors name the wide file with its line and the model column, or the models file.
    Empty cells mean "not evaluated" and are skipped.
    """
    wide_path, models_path = Path(wide_path), Path(models_path)
    models = load_models(models_path)
    wide = data.read_csv(wide_path)
    if "task" not in wide.columns:
        raise data.DataValidationError(wide_path, "wrong header: a wide table needs a 'task' column", line=1)
    repeated = wide.columns[wide.columns.duplicated()].tolist()
    if repeated:
        raise data.DataValidationError(wide_path, f"wrong header: repeated column(s) {repeated}", line=1)
    known = set(models["model"])
    model_columns = [c for c in wide.columns if c not in WIDE_TASK_COLUMNS]
    for column in model_columns:
        if column not in known:
            raise data.DataValidationError(
                wide_path, f"unknown model '{column}': it is not in the models file {models_path}", line=1, column=column
            )
    if not model_columns:
        raise data.DataValidationError(wide_path, "wrong header: no model columns (every column is a task column)", line=1)
    data.check_filled(wide, wide_path, ["task"])
    task_columns = [c for c in WIDE_TASK_COLUMNS if c in wide.columns]
    identity = [c for c in task_columns if c not in ("chance", "n_items")]
    rows = data.repeated_rows(wide, identity)
    if len(rows):
        raise data.DataValidationError(
            wide_path,
            f"task '{wide['task'].iloc[rows[0]]}' appears on more than one row (lines {', '.join(str(r + 2) for r in rows[:6])})",
            line=int(rows[1]) + 2,
            column="task",
        )
    # Melt row-major, remembering each long row's wide line and column for error messages.
    cells = wide[model_columns].to_numpy(dtype=object)
    filled = ~pd.isna(cells)
    wide_row, model_index = np.nonzero(filled)
    long = pd.DataFrame({c: wide[c].to_numpy(dtype=object)[wide_row] for c in task_columns})
    info = models.set_index("model")
    model_names = np.asarray(model_columns, dtype=object)[model_index]
    long["model"] = model_names
    long["score"] = cells[wide_row, model_index]
    for column in ("family", "n_params", *[c for c in MODELS_OPTIONAL if c in info.columns]):
        long[column] = info[column].reindex(model_names).to_numpy(dtype=object)
    if long.empty:
        raise data.DataValidationError(wide_path, "no scores: every model cell is empty")
    long = _fill_defaults(long, wide_path)
    try:
        return data.validate(long, wide_path, required=data.ANALYZE_REQUIRED)
    except data.DataValidationError as error:
        raise _wide_error(error, wide_path, models_path, wide_row, model_names) from None


def _wide_error(error, wide_path, models_path, wide_row, model_names) -> data.DataValidationError:
    """Translate an error about the melted long rows into one about the wide file's line and column."""
    if error.line is None or error.line < 2:
        return data.DataValidationError(wide_path, error.rule, error.line, error.column)
    i = error.line - 2
    line = int(wide_row[i]) + 2
    column = error.column
    if column == "score":
        column = str(model_names[i])
    elif column in ("family", "n_params", "training_tokens", "training_flops"):
        return data.DataValidationError(models_path, f"{error.rule} (model '{model_names[i]}')", None, column)
    rule = error.rule
    if rule.startswith("duplicate key"):
        rule = "duplicate key: the same task and model appear twice"
    return data.DataValidationError(wide_path, rule, line, column)


def load_input(path: str | Path, models: str | Path | None = None) -> pd.DataFrame:
    """Long CSV, or wide CSV when a models file is given."""
    return wide_to_long(path, models) if models else load_user_table(path)


# --------------------------------------------------------------------------------------------
# Ladder regressions (fast path)


def triple_fit(g1: np.ndarray, g2: np.ndarray) -> dict:
    """n, slope, r, r2 and the Fisher-z interval of gain2 on gain1 in closed form.

    Gives the same numbers as `stats.regress` (statsmodels OLS) without its per-call overhead
    or the bootstrap, which the JSON does not report.
    """
    n = int(len(g1))
    empty = {"n": n, "slope": np.nan, "r": np.nan, "r2": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if n < 3 or pd.Series(g1).std() == 0 or pd.Series(g2).std() == 0:
        return empty
    xc = g1 - g1.mean()
    yc = g2 - g2.mean()
    sxx, syy, sxy = float(xc @ xc), float(yc @ yc), float(xc @ yc)
    slope = sxy / sxx
    r2 = 1.0 - float(((yc - slope * xc) ** 2).sum()) / syy
    r = float(np.sign(slope) * np.sqrt(max(r2, 0.0)))
    ci_low, ci_high = stats.fisher_ci(r, n)
    return {"n": n, "slope": slope, "r": r, "r2": r2, "ci_low": ci_low, "ci_high": ci_high}


def ladder_triples(ladder: ladders.Ladder, transform_names: tuple[str, ...], spacings=(1,)) -> list[dict]:
    """The JSON triples of one ladder: one per triple x transform, in `ladders.ladder_table` order."""
    out = []
    for name in transform_names:
        note = ""
        wide = None
        try:
            wide = ladder.matrix(name)
        except transforms.MissingChanceError as error:
            note = str(error)
        for k, s1, s2, s3 in ladder.triples(spacings):
            record = {"sizes": [fmt.json_number(s1), fmt.json_number(s2), fmt.json_number(s3)], "transform": name}
            if note:
                out.append(record | {"n": 0, "r": None, "r2": None, "slope": None, "ci_low": None, "ci_high": None, "note": note})
                continue
            values = wide[[s1, s2, s3]].to_numpy(dtype=float)
            values = values[np.isfinite(values).all(axis=1)]
            fit = triple_fit(values[:, 1] - values[:, 0], values[:, 2] - values[:, 1])
            out.append(
                record
                | {
                    "n": fit["n"],
                    "r": fmt.json_number(fit["r"]),
                    "r2": fmt.json_number(fit["r2"]),
                    "slope": fmt.json_number(fit["slope"]),
                    "ci_low": fmt.json_number(fit["ci_low"]),
                    "ci_high": fmt.json_number(fit["ci_high"]),
                }
            )
    return out


# --------------------------------------------------------------------------------------------
# The analysis


def choose_methods(all_series: list[backtest.Series], methods: tuple[str, ...] | None) -> tuple[tuple[str, ...], str]:
    """Backtest methods to run and a note when the sigmoid methods were left out for time."""
    if methods:
        unknown = [m for m in methods if m not in backtest.METHODS]
        if unknown:
            raise ValueError(f"unknown method(s) {unknown}; known methods are {list(backtest.METHODS)}")
        return tuple(m for m in backtest.METHODS if m in methods), ""
    fits = sum(len(s.tasks) * max(len(s.sizes) - backtest.MIN_PREFIX, 0) for s in all_series)
    if fits > SIGMOID_FIT_BUDGET:
        return FAST_METHODS, (
            f"sigmoid and pooled_sigmoid left out: {fits} task x origin fits exceed the budget of "
            f"{SIGMOID_FIT_BUDGET}; name them with --method to run them anyway"
        )
    return backtest.METHODS, ""


def analyze(
    frame: pd.DataFrame,
    transform_names: tuple[str, ...] = ("raw",),
    spacings=(1,),
    methods: tuple[str, ...] | None = None,
    n_boot: int = backtest.N_BOOT,
    progress: bool = True,
    keep_forecasts: bool = False,
) -> dict:
    """The ladder table and the backtest as the documented JSON-ready dict.

    Extra keys starting with "_" (dropped from the JSON) carry the backtest tables for the
    HTML report and the methods' note.
    """
    found = ladders.find_ladders(frame)
    all_series = [backtest.series_from_ladder(l) for l in found if len(l.sizes) > backtest.MIN_PREFIX]
    chosen, note = choose_methods(all_series, methods)
    if note:
        print(f"scaling-report analyze: note: {note}", file=sys.stderr)
    bar = backtest.Progress(len(found) + backtest.progress_steps(all_series), enabled=progress)
    out = []
    for ladder in found:
        out.append(
            {
                "family": ladder.family,
                "benchmark": ladder.benchmark,
                "n_shots": ladder.n_shots,
                "metric": ladder.metric,
                "sizes": [fmt.json_number(s) for s in ladder.sizes],
                "triples": ladder_triples(ladder, transform_names, spacings),
            }
        )
        bar.update(1, ladder.name)
    bt = backtest.run_backtest(all_series, chosen, n_boot=n_boot, progress=bar, keep_forecasts=keep_forecasts)
    bar.close()
    return {"ladders": out, "backtest": backtest.json_rows(bt), "_backtest": bt, "_note": note, "_methods": chosen}


def public(result: dict) -> dict:
    """The documented keys only."""
    return {k: v for k, v in result.items() if not k.startswith("_")}


def format_text(result: dict) -> str:
    lines = []
    for ladder in result["ladders"]:
        shots = "shots not stated" if ladder["n_shots"] is None else f"{ladder['n_shots']}-shot"
        lines.append(f"{ladder['family']} | {ladder['benchmark']} | {shots} | {ladder['metric']} | {len(ladder['sizes'])} sizes")
        for t in ladder["triples"]:
            sizes = " -> ".join(ladders.size_label(s) for s in t["sizes"])
            if t["n"] == 0 or t["r"] is None:
                lines.append(f"  {sizes:<28} {t['transform']:<12} n={t['n']:<4} {t.get('note', 'not enough variation')}")
                continue
            lines.append(
                f"  {sizes:<28} {t['transform']:<12} n={t['n']:<4} r={t['r']:+.3f} R2={t['r2']:.3f} "
                f"slope={t['slope']:+.3f} 95% CI for r [{t['ci_low']:+.3f}, {t['ci_high']:+.3f}]"
            )
    if not result["ladders"]:
        lines.append("no ladder with three or more sizes found")
    rows = result.get("backtest", [])
    if rows:
        lines.append("")
        lines.append("Backtest: mean absolute error of each larger size's score, forecast from the smaller sizes")
        current = None
        for r in rows:
            key = (r["family"], r["benchmark"], r["n_shots"], r["metric"])
            if key != current:
                current = key
                shots = "shots not stated" if r["n_shots"] is None else f"{r['n_shots']}-shot"
                lines.append(f"{r['family']} | {r['benchmark']} | {shots} | {r['metric']}")
            lines.append(
                f"  {r['horizon']:<10} {r['method']:<15} n={r['n']:<6} MAE={r['mae']:.4f} "
                f"95% CI [{r['ci_low']:.4f}, {r['ci_high']:.4f}] RMSE={r['rmse']:.4f}"
            )
    elif result["ladders"]:
        lines.append("")
        lines.append("Backtest: no ladder with four or more sizes, nothing to forecast")
    return "\n".join(lines)


def run(
    path: str,
    output_format: str = "text",
    transform_names: tuple[str, ...] = ("raw",),
    models: str | None = None,
    methods: tuple[str, ...] | None = None,
    output: str | None = None,
) -> str:
    """Load, analyse and format; for html (and whenever `output` is given) write the file too."""
    unknown = [t for t in transform_names if t not in transforms.TRANSFORMS]
    if unknown:
        raise ValueError(f"unknown transform(s) {unknown}; known transforms are {list(transforms.TRANSFORMS)}")
    if output_format == "html" and not output:
        raise ValueError("--format html writes a file: give its path with --output, e.g. --output report.html")
    frame = load_input(path, models)
    result = analyze(frame, transform_names, methods=methods, keep_forecasts=output_format == "html")
    if output_format == "json":
        text = json.dumps(public(result), indent=2, sort_keys=False)
    elif output_format == "html":
        from . import report

        text = report.render(result, frame, source=Path(path).name, models=Path(models).name if models else None)
    else:
        text = format_text(result)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        return f"wrote {output}" if output_format == "html" else ""
    return text
