"""`scaling-report analyze`: the ladder regressions and the forecasting backtest for any results.

Input (`load_input`, layout detected, or forced with `layout=`):
- `long`: a CSV in the long schema (at least family, model, n_params, task, score);
- `wide`: tasks as rows, one column per model, plus a models file (`model, family, n_params`);
- `leaderboard`: models as rows, one column per task (family and n_params as columns or from a
  models file);
- `harness`: lm-evaluation-harness result JSON, one file or a folder (searched recursively), in
  the older `results`-only layout or the newer one with `configs`, `n-shot` and `versions`.

Every malformed input is rejected with the file, line, column and model of every problem
(`data.DataValidationError`); notes (ignored columns, left-out metrics, small ladders) go to
standard error. The JSON shape is documented in the README.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import backtest, data, fmt, ladders, stats, transforms

# Sigmoid fits take about 2 ms each and the pooled fit about 5 ms per task: above this many
# task x origin fits the default backtest leaves the two sigmoid methods out (say so on stderr).
SIGMOID_FIT_BUDGET = 250_000  # batched fits (sigmoid_batch): 5,000 tasks x 17 origins run in seconds
FAST_METHODS = tuple(m for m in backtest.METHODS if m not in backtest.SIGMOID_METHODS)

LAYOUTS = ("auto", "long", "wide", "leaderboard", "harness")
AXES = ("params", "compute")
POOLABLE = {"shots": "n_shots", "metric": "metric", "benchmark": "benchmark"}
# Ladders with fewer tasks than this get a warning: their r is too uncertain to read.
FEW_TASKS = 5

# Columns of a wide table that describe the task rather than name a model.
WIDE_TASK_COLUMNS = ("task", "benchmark", "subtask", "task_metric", "n_shots", "prompting", "metric", "chance", "n_items")
# Columns of a leaderboard (models as rows) that describe the model rather than name a task.
LEADERBOARD_MODEL_COLUMNS = ("model", "family", "n_params", "training_tokens", "training_flops", "run", "source_id", "provenance", "benchmark", "n_shots", "prompting", "metric")
MODELS_REQUIRED = ("model", "family", "n_params")
MODELS_OPTIONAL = ("training_tokens", "training_flops", "run", "source_id", "provenance")
RUN_COLUMN = "run"
KEEP = (RUN_COLUMN, data.LINE_COLUMN)
LINE = data.LINE_COLUMN
FILE = data.FILE_COLUMN


class Notes(list):
    """Notes for standard error, each once."""

    def append(self, note: str) -> None:
        if note not in self:
            super().append(note)


# --------------------------------------------------------------------------------------------
# Loading: the four layouts


def _fill_defaults(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    for column, default in data.ANALYZE_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = default if default is not None else (path.stem if column == "source_id" else path.name)
    return frame


def _validate(frame: pd.DataFrame, path: Path, strict: bool, notes: list | None) -> pd.DataFrame:
    keep = KEEP if strict is False or RUN_COLUMN in frame.columns else (data.LINE_COLUMN,)
    return data.validate(frame, path, required=data.ANALYZE_REQUIRED, lenient=not strict, keep=keep, notes=notes)


def load_user_table(path: str | Path, strict: bool = False, notes: list | None = None) -> pd.DataFrame:
    """Read and validate a reader's CSV in the long schema: required family, model, n_params, task, score."""
    path = Path(path)
    frame = data.read_csv(path)
    if "score" not in frame.columns and "task" in frame.columns and "model" not in frame.columns:
        raise data.DataValidationError(
            path,
            "wrong header: this looks like a wide table (tasks as rows, no 'model' or 'score' column); "
            "pass the models file with --models MODELS.csv",
            line=1,
        )
    frame = _fill_defaults(frame, path)
    return _validate(frame, path, strict, notes)


def _number_column(frame: pd.DataFrame, path: Path, column: str, problems: data.Problems) -> pd.Series:
    raw = frame[column]
    numbers = pd.to_numeric(raw.where(raw.isna(), raw.astype(str).str.strip()), errors="coerce")
    bad = raw.notna() & (numbers.isna() | ~np.isfinite(numbers.fillna(0)))
    problems.at(lambda i: f"'{raw.iloc[i]}' is not a finite number", np.flatnonzero(bad.to_numpy()), column=column)
    floor = (numbers <= 0) if column == "n_params" else (numbers < 0)
    rule = (lambda i: f"n_params must be positive, got {numbers.iloc[i]:g}") if column == "n_params" else f"{column} must not be negative"
    problems.at(rule, np.flatnonzero(floor.to_numpy()), column=column)
    return numbers


def load_models(path: str | Path) -> pd.DataFrame:
    """The models file: model, family, n_params (optional training_tokens, training_flops, run).

    `model` is the name the results carry: a wide table's column, a leaderboard's row, or the
    harness's `pretrained=` value of `config.model_args` (e.g. `EleutherAI/pythia-160m`).
    """
    path = Path(path)
    frame = data.read_csv(path)
    extra = [c for c in frame.columns if c not in MODELS_REQUIRED + MODELS_OPTIONAL]
    frame = frame.drop(columns=extra)  # a models file may carry anything else (notes, links)
    data.check_columns(frame, path, MODELS_REQUIRED + MODELS_OPTIONAL, MODELS_REQUIRED)
    lines = data.source_lines(frame)
    problems = data.Problems(path, lines, frame["model"].to_numpy(dtype=object))
    data.check_filled(frame, path, MODELS_REQUIRED, problems)
    for column in ("n_params", "training_tokens", "training_flops"):
        if column in frame.columns:
            _number_column(frame, path, column, problems)
    for group in data.repeated_groups(frame, ["model"]):
        problems.at(
            f"model '{frame['model'].iloc[group[0]]}' is listed more than once (lines {data.line_list(lines[group])})",
            [int(group[1])],
            column="model",
        )
    problems.check()
    frame = frame.copy()
    frame["model"] = frame["model"].astype(str).str.strip()
    frame["_models_line"] = lines
    return frame


def _attach_models(long: pd.DataFrame, models: pd.DataFrame | None, path: Path, models_path: Path | None, problems: data.Problems) -> pd.DataFrame:
    """Fill family, n_params (and the optional model columns) from the models file."""
    if models is None:
        return long
    info = models.set_index("model")
    names = long["model"].astype(str).str.strip()
    unknown = ~names.isin(info.index)
    for name in dict.fromkeys(names[unknown]):
        i = int(np.flatnonzero((names == name).to_numpy())[0])
        problems.at(f"unknown model '{name}': it is not in the models file {models_path}", [i], column="model")
    problems.check()
    for column in MODELS_REQUIRED[1:] + MODELS_OPTIONAL:
        if column in info.columns:
            values = info[column].reindex(names).to_numpy(dtype=object)
            if column in long.columns:
                values = np.where(pd.isna(values), long[column].to_numpy(dtype=object), values)
            long[column] = values
    return long


def wide_to_long(
    wide_path: str | Path, models_path: str | Path, strict: bool = False, notes: list | None = None
) -> pd.DataFrame:
    """A wide table (rows = tasks, columns = models) plus its models file, as validated long rows.

    Errors name the wide file with its line and the model column, or the models file.
    Empty cells mean "not evaluated" and are skipped.
    """
    wide_path, models_path = Path(wide_path), Path(models_path)
    models = load_models(models_path)
    wide = data.read_csv(wide_path)
    if "task" not in wide.columns:
        hint = " (it has a 'model' column: for models as rows use --layout leaderboard)" if "model" in wide.columns else ""
        raise data.DataValidationError(wide_path, f"wrong header: a wide table (tasks as rows) needs a 'task' column{hint}", line=1)
    repeated = wide.columns[wide.columns.duplicated()].tolist()
    if repeated:
        raise data.DataValidationError(wide_path, f"wrong header: repeated column(s) {repeated}", line=1)
    known = set(models["model"])
    model_columns = [c for c in wide.columns if c not in WIDE_TASK_COLUMNS]
    problems = data.Problems(wide_path, data.source_lines(wide))
    for column in model_columns:
        if column.strip() not in known:
            problems.at(f"unknown model '{column}': it is not in the models file {models_path}", line=1, column=column)
    if not model_columns:
        problems.at("wrong header: no model columns (every column is a task column)", line=1)
    problems.check()
    wide_lines = data.source_lines(wide)
    data.check_filled(wide, wide_path, ["task"])
    task_columns = [c for c in WIDE_TASK_COLUMNS if c in wide.columns]
    identity = [c for c in task_columns if c not in ("chance", "n_items")]
    for group in data.repeated_groups(wide, identity):
        problems.at(
            f"task '{wide['task'].iloc[group[0]]}' appears on more than one row (lines {data.line_list(wide_lines[group])})",
            [int(group[1])],
            column="task",
        )
    problems.check()
    # Melt row-major, remembering each long row's wide line and column for error messages.
    cells = wide[model_columns].to_numpy(dtype=object)
    filled = ~pd.isna(cells)
    wide_row, model_index = np.nonzero(filled)
    if not len(wide_row):
        raise data.DataValidationError(wide_path, "no scores: every model cell is empty")
    long = pd.DataFrame({c: wide[c].to_numpy(dtype=object)[wide_row] for c in task_columns})
    model_names = np.asarray([c.strip() for c in model_columns], dtype=object)[model_index]
    long["model"] = model_names
    long["score"] = cells[wide_row, model_index]
    long[data.CELL_COLUMN] = np.asarray(model_columns, dtype=object)[model_index]
    long.attrs["lines"] = tuple(wide_lines[wide_row])
    long = _attach_models(long, models, wide_path, models_path, data.Problems(wide_path, wide_lines[wide_row], model_names))
    long = _fill_defaults(long, wide_path)
    return _validate(long, wide_path, strict, notes)


SHOTS_IN_NAME = re.compile(r"^(?P<task>.*?)\s*\((?P<k>\d+)[- ]shots?\)$")


def leaderboard_to_long(
    path: str | Path, models_path: str | Path | None = None, strict: bool = False, notes: list | None = None
) -> pd.DataFrame:
    """A leaderboard table: one row per model, one column per task (a "(5-shot)" suffix gives n_shots)."""
    path = Path(path)
    board = data.read_csv(path)
    if "model" not in board.columns:
        raise data.DataValidationError(path, "wrong header: a leaderboard (models as rows) needs a 'model' column", line=1)
    models = load_models(models_path) if models_path else None
    missing = [c for c in ("family", "n_params") if c not in board.columns]
    if missing and models is None:
        raise data.DataValidationError(
            path, f"wrong header: missing column(s) {missing}; add them, or give a models file with --models", line=1
        )
    model_info = [c for c in LEADERBOARD_MODEL_COLUMNS if c in board.columns]
    task_columns = [c for c in board.columns if c not in LEADERBOARD_MODEL_COLUMNS]
    if not task_columns:
        raise data.DataValidationError(path, "wrong header: no task columns (every column describes the model)", line=1)
    lines = data.source_lines(board)
    cells = board[task_columns].to_numpy(dtype=object)
    row, col = np.nonzero(~pd.isna(cells))
    if not len(row):
        raise data.DataValidationError(path, "no scores: every task cell is empty")
    long = pd.DataFrame({c: board[c].to_numpy(dtype=object)[row] for c in model_info})
    names = np.asarray(task_columns, dtype=object)[col]
    parsed = [SHOTS_IN_NAME.match(str(n).strip()) for n in names]
    long["task"] = [m.group("task") if m else str(n).strip() for m, n in zip(parsed, names)]
    if any(parsed):
        shots = [m.group("k") if m else None for m in parsed]
        long["n_shots"] = np.where(pd.isna(np.asarray(shots, dtype=object)), long["n_shots"].to_numpy(dtype=object) if "n_shots" in long else None, shots)
    long["score"] = cells[row, col]
    long[data.CELL_COLUMN] = names
    long.attrs["lines"] = tuple(lines[row])
    long = _attach_models(long, models, path, Path(models_path) if models_path else None, data.Problems(path, lines[row], long["model"].to_numpy(dtype=object)))
    long = _fill_defaults(long, path)
    return _validate(long, path, strict, notes)


# lm-evaluation-harness result JSON ------------------------------------------------------------

# A size token in a model name: pythia-160m, opt-1.3b, Llama-2-7b-hf, gpt2-xl is not one.
SIZE_IN_NAME = re.compile(r"(?<![A-Za-z0-9.])(?P<value>\d+(?:\.\d+)?)(?P<unit>[kKmMbBtT])(?![A-Za-z0-9])")
SIZE_UNITS = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
HARNESS_METRIC_NAMES = {"acc": "accuracy"}


def harness_model_name(result: dict) -> str | None:
    """The `pretrained=` value of `config.model_args`, else `model_name` / `config.model_name`."""
    config = result.get("config") or {}
    args = config.get("model_args")
    if isinstance(args, dict):
        name = args.get("pretrained")
        if name:
            return str(name)
    elif isinstance(args, str):
        for part in args.split(","):
            key, _, value = part.partition("=")
            if key.strip() == "pretrained" and value.strip():
                return value.strip()
    for name in (result.get("model_name"), config.get("model_name")):
        if name:
            return str(name)
    return None


def family_and_size(name: str) -> tuple[str, float] | None:
    """Family and parameter count parsed from a model name (`EleutherAI/pythia-160m-deduped` ->
    `EleutherAI/pythia-deduped`, 1.6e8), or None when the name carries no single size token."""
    stem = name.rstrip("/").split("/")[-1]
    tokens = list(SIZE_IN_NAME.finditer(stem))
    if len(tokens) != 1:
        return None
    token = tokens[0]
    size = float(token.group("value")) * SIZE_UNITS[token.group("unit").lower()]
    rest = (stem[: token.start()] + stem[token.end() :]).replace("--", "-").replace("__", "_").strip("-_. ")
    prefix = name.rstrip("/")[: -len(stem)] if "/" in name else ""
    return (prefix + rest) or stem, size


def _json_key_lines(text: str) -> list[tuple[int, str]]:
    """(line, key) of every quoted JSON key, in file order (for error messages)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for key in re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', line):
            found.append((number, key))
    return found


def _key_line(keys: list[tuple[int, str]], *path: str) -> int:
    """Line of the last key of `path`, each key searched after the previous one's line."""
    line, position = 1, 0
    for key in path:
        for k in range(position, len(keys)):
            if keys[k][1] == key:
                line, position = keys[k][0], k + 1
                break
    return line


def harness_rows(path: Path, problems: data.Problems) -> list[dict]:
    """Long rows of one harness result file (all problems recorded in `problems`)."""
    text = data.read_text(path)
    try:
        result = json.loads(text)
    except json.JSONDecodeError as error:
        problems.at(f"not valid JSON: {error.msg} (at character {error.colno} of the line)", line=error.lineno)
        return []
    if not isinstance(result, dict) or not isinstance(result.get("results"), dict):
        problems.at("not an lm-evaluation-harness result file: no 'results' object", line=1)
        return []
    keys = _json_key_lines(text)
    model = harness_model_name(result)
    model_line = _key_line(keys, "config", "model_args") if "config" in result else 1
    if model is None:
        problems.at("no model name: 'config.model_args' has no 'pretrained=' and there is no 'model_name'", line=model_line, column="config.model_args")
        return []
    config = result.get("config") or {}
    configs = result.get("configs") or {}
    n_shot = result.get("n-shot") or {}
    n_samples = result.get("n-samples") or {}
    groups = set(result.get("groups") or {})
    rows = []
    for task, metrics in result["results"].items():
        if task in groups or not isinstance(metrics, dict):
            continue  # a group's aggregate repeats its subtasks' scores
        shots = n_shot.get(task)
        if shots is None and isinstance(configs.get(task), dict):
            shots = configs[task].get("num_fewshot")
        if shots is None:
            shots = config.get("num_fewshot")
        items = n_samples.get(task, {}).get("effective") if isinstance(n_samples.get(task), dict) else None
        for key, value in metrics.items():
            name, _, filter_name = str(key).partition(",")
            if name == "alias" or "stderr" in name:
                continue
            metric = HARNESS_METRIC_NAMES.get(name, name)
            if filter_name not in ("", "none"):
                metric = f"{metric} ({filter_name})"
            rows.append(
                {
                    "model": model,
                    "task": task,
                    "n_shots": None if shots is None else str(shots),
                    "metric": metric,
                    "score": None if value is None else str(value),
                    "n_items": None if items is None else str(items),
                    LINE: _key_line(keys, "results", task, key),
                    FILE: str(path),
                    data.CELL_COLUMN: f"results.{task}.{key}",
                    "_model_line": model_line,
                }
            )
    if not rows:
        problems.at("no scores in 'results'", line=_key_line(keys, "results"), column="results")
    return rows


def harness_to_long(
    path: str | Path, models_path: str | Path | None = None, strict: bool = False, notes: list | None = None
) -> pd.DataFrame:
    """lm-evaluation-harness result JSON: one file, or every *.json under a folder."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    if not files:
        raise data.DataValidationError(path, "the folder holds no .json result files (looked in every subfolder)")
    models = load_models(models_path) if models_path else None
    errors = []
    rows = []
    for file in files:
        problems = data.Problems(file, np.zeros(0, dtype=int))
        try:
            rows.extend(harness_rows(file, problems))
        except data.DataValidationError as error:
            errors.append(error)
            continue
        if problems:
            errors.append(problems.error())
    if errors:
        raise data.DataValidationError.combine(errors)
    long = pd.DataFrame(rows)
    # Problems with the model name point at the line of `config.model_args`.
    at_model = data.Problems(path, long["_model_line"].to_numpy(dtype=int), long["model"].to_numpy(dtype=object), files=long[FILE].to_numpy(dtype=object))
    if models is not None:
        long = _attach_models(long, models, path, Path(models_path), at_model)
    else:
        parsed = {name: family_and_size(name) for name in long["model"].unique()}
        for name, found in parsed.items():
            if found is None:
                i = int(np.flatnonzero((long["model"] == name).to_numpy())[0])
                at_model.at(f"no size in the model name '{name}': give a models file (model, family, n_params) with --models", [i], column="config.model_args")
        at_model.check()
        long["family"] = long["model"].map(lambda n: parsed[n][0])
        long["n_params"] = long["model"].map(lambda n: parsed[n][1])
        if notes is not None:
            notes.append("family and n_params parsed from the model names (e.g. pythia-160m -> 1.6e8); give --models to set them")
    long["benchmark"] = "lm_eval_harness"
    long["source_id"] = long[FILE].map(lambda f: Path(f).stem)
    long["provenance"] = long[FILE]
    long.attrs["lines"] = tuple(long[LINE].astype(int))
    return _validate(long.drop(columns=[LINE, "_model_line"]), path, strict, notes)


def detect_layout(path: Path) -> str:
    """harness for a folder or .json file; else from the CSV header: long, wide or leaderboard."""
    if path.is_dir() or path.name.endswith((".json", ".json.gz")):
        return "harness"
    first = next((line for line in data.read_text(path).splitlines() if line.strip()), "")
    columns = {c.strip() for c in next(csv.reader([first]), [])}
    if "score" in columns:
        return "long"
    if "task" in columns and "model" not in columns:
        return "wide"
    if "model" in columns and "task" not in columns:
        return "leaderboard"
    return "long"


def load_input(
    path: str | Path,
    models: str | Path | None = None,
    layout: str = "auto",
    strict: bool = False,
    notes: list | None = None,
) -> pd.DataFrame:
    """Validated long rows from any accepted layout (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise data.DataValidationError(path, "file not found")
    if models is not None:
        models_path = Path(models)
        if not models_path.exists() or models_path.is_dir():
            raise data.DataValidationError(models_path, "file not found" if not models_path.exists() else "is a folder, expected the models CSV file")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout '{layout}'; known layouts are {list(LAYOUTS)}")
    if layout == "auto":
        layout = detect_layout(path)
    if layout != "harness" and path.is_dir():
        raise data.DataValidationError(path, f"is a folder; a {layout} table is one CSV file (folders are read as lm-evaluation-harness results)")
    if layout == "harness":
        return harness_to_long(path, models, strict, notes)
    if layout == "leaderboard":
        return leaderboard_to_long(path, models, strict, notes)
    if layout == "wide":
        if models is None:
            raise data.DataValidationError(
                path, "wrong header: a wide table (tasks as rows, one column per model) needs its models file: pass --models MODELS.csv", line=1
            )
        return wide_to_long(path, models, strict, notes)
    if models is not None and notes is not None:
        notes.append(f"--models {models} is not used: {path.name} is a long table with its own family and n_params")
    return load_user_table(path, strict, notes)


# --------------------------------------------------------------------------------------------
# Preparation: axis, pooling, prompting, replicates


def _task_suffix(frame: pd.DataFrame, column: str, group: list[str], label) -> tuple[pd.DataFrame, int]:
    """Append `label(value)` to the task name of tasks seen with more than one `column` value in `group`."""
    values = frame[column].astype("string").fillna("")
    counts = values.groupby([frame[c].astype("string").fillna("") for c in group]).transform("nunique")
    varies = (counts > 1).to_numpy()
    if varies.any():
        frame = frame.copy()
        task = np.array(frame["task"].astype(str), dtype=object)  # a writable copy
        task[varies] = [f"{t} {label(v)}" for t, v in zip(task[varies], values.to_numpy(dtype=object)[varies])]
        frame["task"] = pd.array(task, dtype="string")
    return frame, int(varies.sum())


def compute_axis(frame: pd.DataFrame, file: Path) -> pd.Series:
    """Training compute per row: `training_flops`, else 6·N·D from `training_tokens`."""
    six_nd = 6 * frame["n_params"].astype(float) * frame["training_tokens"].astype(float)
    compute = frame["training_flops"].astype(float).fillna(six_nd)
    missing = np.flatnonzero(compute.isna().to_numpy() | (compute <= 0).to_numpy())
    if len(missing):
        problems = _problems(frame, file)
        problems.at("--axis compute needs training_flops, or training_tokens (compute = 6 x n_params x training_tokens)", missing, column="training_tokens")
        problems.check()
    return compute


def prepare(
    frame: pd.DataFrame,
    file: str | Path,
    axis: str = "params",
    pool: tuple[str, ...] = (),
    notes: list | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The rows the analyses use, one per ladder x task x size, and what was done to get them.

    - loss-like metrics are left out (the gain analyses need fractions);
    - `axis="compute"` puts training compute where the parameter count was;
    - each dimension in `pool` ("shots", "metric", "benchmark") leaves the ladder key and joins the
      task name where a task has several values of it;
    - tasks measured under several `prompting` settings become one task per setting;
    - replicates (`run`) of one model are averaged; their spread is returned as measured noise.
    """
    file = Path(file)
    notes = notes if notes is not None else Notes()
    if axis not in AXES:
        raise ValueError(f"unknown axis '{axis}'; known axes are {list(AXES)}")
    unknown = [p for p in pool if p not in POOLABLE]
    if unknown:
        raise ValueError(f"unknown --pool dimension(s) {unknown}; known ones are {list(POOLABLE)}")
    if LINE not in frame.columns:
        frame = frame.assign(**{LINE: np.arange(len(frame)) + 2})
    if RUN_COLUMN not in frame.columns:
        frame = frame.assign(**{RUN_COLUMN: ""})
    metric = frame["metric"].astype(str)
    kinds = metric.map({m: data.metric_kind(m) for m in metric.unique()})
    loss_like = (kinds == data.LOWER_IS_BETTER).to_numpy()
    info: dict = {"axis": axis, "pooled": list(pool), "rows": int(len(frame)), "loss_rows": int(loss_like.sum())}
    if loss_like.any():
        names = sorted(frame.loc[loss_like, "metric"].astype(str).unique())
        notes.append(f"{int(loss_like.sum())} rows of lower-is-better metrics ({', '.join(names)}) are left out: the gain analyses need scores in [0, 1]")
        frame = frame[~loss_like].reset_index(drop=True)
    if frame.empty:
        return frame, info
    if axis == "compute":
        frame = frame.assign(n_params=compute_axis(frame, file).to_numpy())
    key = list(ladders.LADDER_KEY)
    for name in pool:
        column = POOLABLE[name]
        rest = [c for c in key if c != column]
        label = {"shots": lambda v: f"({v}-shot)" if v else "(shots not stated)", "metric": lambda v: f"[{v}]", "benchmark": lambda v: f"<{v}>"}[name]
        frame, changed = _task_suffix(frame, column, rest + list(ladders.TASK_ID), label)
        frame = frame.assign(**{column: pd.NA if column == "n_shots" else "pooled"})
        if column == "n_shots":
            frame["n_shots"] = frame["n_shots"].astype("Int64")
        if changed:
            notes.append(f"pooled across {name}: {changed} rows of tasks seen with several values got the value in the task name")
    frame, changed = _task_suffix(frame, "prompting", key + list(ladders.TASK_ID), lambda v: f"({v})" if v else "(no prompting stated)")
    if changed:
        notes.append(f"{changed} rows of tasks measured under several 'prompting' settings: each setting is its own task")
    _check_sizes(frame, file, "training compute" if axis == "compute" else "n_params")
    return _average_replicates(frame, file, info, notes)


def _problems(frame: pd.DataFrame, file: Path) -> data.Problems:
    files = frame[FILE].to_numpy(dtype=object) if FILE in frame.columns else None
    return data.Problems(file, frame[LINE].to_numpy(dtype=int), frame["model"].astype(str).to_numpy(dtype=object), files=files)


def _check_sizes(frame: pd.DataFrame, file: Path, size_name: str = "n_params") -> None:
    """One model per size and run in each ladder; one score per ladder, task, size and run."""
    problems = _problems(frame, file)
    key = list(ladders.LADDER_KEY)
    size = "n_params"  # holds the compute with --axis compute
    for _, rows in frame.groupby(key + [size, RUN_COLUMN], dropna=False, sort=False).indices.items():
        names = frame["model"].iloc[rows].astype(str)
        if names.nunique() > 1:
            first = names.iloc[0]
            other = int(rows[int(np.flatnonzero((names != first).to_numpy())[0])])
            problems.at(
                f"two models at one size in family '{frame['family'].iloc[other]}': '{first}' (line {int(frame[LINE].iloc[rows[0]])}) and "
                f"'{frame['model'].iloc[other]}' both have {size_name} = {frame[size].iloc[other]:g}; give replicates a 'run' column, "
                "or put the models in different families",
                [other],
                column="n_params",
            )
    if not problems:
        identity = key + list(ladders.TASK_ID) + [size, RUN_COLUMN]
        lines = frame[LINE].to_numpy(dtype=int)
        for group in data.repeated_groups(frame, identity):
            differ = [c for c in ("source_id", "provenance", "model") if frame[c].iloc[group].nunique() > 1]
            problems.at(
                f"the same task and model appear on lines {data.line_list(lines[group])}"
                + (f" (the rows differ only in {', '.join(differ)})" if differ else "")
                + "; keep one, or tell them apart with a 'run' column (replicates are averaged)",
                [int(group[1])],
                column="task",
            )
    problems.check()


def _average_replicates(frame: pd.DataFrame, file: Path, info: dict, notes) -> tuple[pd.DataFrame, dict]:
    runs = frame[RUN_COLUMN].astype(str)
    if (runs == "").all() or runs.nunique() < 2:
        info["replicates"] = None
        return frame.drop(columns=[RUN_COLUMN]), info
    cell = list(ladders.LADDER_KEY) + list(ladders.TASK_ID) + ["n_params"]
    grouped = frame.groupby(cell, dropna=False, sort=False)
    first = grouped.head(1).set_index(cell)
    averaged = grouped["score"].agg(["mean", "var", "count"])
    out = first.copy()
    out["score"] = averaged["mean"].reindex(out.index).to_numpy()
    out = out.reset_index()[frame.columns.drop(RUN_COLUMN)]
    per_ladder = {}
    for ladder_key, part in averaged.groupby(level=list(range(len(ladders.LADDER_KEY))), dropna=False):
        replicated = part[part["count"] > 1]
        per_ladder[tuple(None if pd.isna(v) else v for v in ladder_key)] = replicate_noise(replicated["var"].to_numpy(), replicated["count"].to_numpy())
    info["replicates"] = per_ladder
    notes.append(f"replicates: {int((averaged['count'] > 1).sum())} task x size cells have more than one run; each is averaged over its runs")
    return out, info


def replicate_noise(variances: np.ndarray, counts: np.ndarray, level: float = 0.95) -> dict:
    """Pooled run-to-run standard deviation of one score, with its chi-square interval.

    The pooled variance is sum((k_i - 1) s_i^2) / sum(k_i - 1) over cells (task x size) with k_i
    runs; the interval treats cells as independent (they are not when tasks share runs: read it
    as a lower bound on the uncertainty).
    """
    from scipy import stats as sps

    dof = float((counts - 1).sum()) if len(counts) else 0.0
    if dof < 1:
        return {"cells": int(len(counts)), "dof": int(dof), "sd": None, "ci_low": None, "ci_high": None}
    pooled = float(((counts - 1) * variances).sum() / dof)
    alpha = 1 - level
    low = np.sqrt(dof * pooled / sps.chi2.ppf(1 - alpha / 2, dof))
    high = np.sqrt(dof * pooled / sps.chi2.ppf(alpha / 2, dof))
    return {"cells": int(len(counts)), "dof": int(dof), "sd": fmt.json_number(np.sqrt(pooled)), "ci_low": fmt.json_number(low), "ci_high": fmt.json_number(high)}


# --------------------------------------------------------------------------------------------
# Ladder regressions (fast path)


def triple_fit(g1: np.ndarray, g2: np.ndarray) -> dict:
    """n, slope, r, r2 and the Fisher-z interval of gain2 on gain1: the book's one gain fit (`stats.fit`)."""
    fit = stats.fit_one(g1, g2)
    return {key: fit[key] for key in ("n", "slope", "r", "r2", "ci_low", "ci_high")}


def triple_note(n: int, fitted: bool, has_interval: bool) -> str:
    """Why a triple has no r, or no interval; empty when it has both."""
    if n < 3:
        return f"too few tasks: {n} scored at all three sizes, a correlation needs 3 or more"
    if not fitted:
        return "no variation in the gains: every task gained the same, so r is undefined"
    if not has_interval:
        return f"{n} tasks: r is shown but the Fisher interval needs 4 or more"
    return ""


def ladder_triples(ladder: ladders.Ladder, transform_names: tuple[str, ...], spacings=(1,)) -> list[dict]:
    """The JSON triples of one ladder: one per triple x transform, in `ladders.ladder_table` order."""
    out = []
    for name in transform_names:
        note = ""
        wide = None
        try:
            wide = ladder.matrix(name)
        except (transforms.MissingChanceError, ValueError) as error:
            note = str(error)
        for k, s1, s2, s3 in ladder.triples(spacings):
            record = {"sizes": [fmt.json_number(s1), fmt.json_number(s2), fmt.json_number(s3)], "transform": name}
            if note:
                out.append(record | {"n": 0, "r": None, "r2": None, "slope": None, "ci_low": None, "ci_high": None, "note": note})
                continue
            values = wide[[s1, s2, s3]].to_numpy(dtype=float)
            values = values[np.isfinite(values).all(axis=1)]
            fit = triple_fit(values[:, 1] - values[:, 0], values[:, 2] - values[:, 1])
            entry = record | {
                "n": fit["n"],
                "r": fmt.json_number(fit["r"]),
                "r2": fmt.json_number(fit["r2"]),
                "slope": fmt.json_number(fit["slope"]),
                "ci_low": fmt.json_number(fit["ci_low"]),
                "ci_high": fmt.json_number(fit["ci_high"]),
            }
            reason = triple_note(fit["n"], entry["r"] is not None, entry["ci_low"] is not None)
            out.append(entry | ({"note": reason} if reason else {}))
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


def run_backtests(all_series, methods, n_boot, progress, keep_forecasts) -> backtest.Backtest:
    """`backtest.run_backtest` ladder by ladder: its draws are keyed by the ladder's benchmark and
    tasks, so adding another family to the file does not move this ladder's intervals."""
    tables, boot, kept = [], {}, {}
    for s in all_series:
        part = backtest.run_backtest([s], methods, n_boot=n_boot, progress=progress, keep_forecasts=keep_forecasts)
        tables.append(part.table)
        boot.update(part.boot)
        kept.update(part.forecasts)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(backtest.TABLE_COLUMNS))
    return backtest.Backtest(table, boot, kept)


def ladder_label(family: str, benchmark: str, n_shots, metric: str, pooled=()) -> str:
    """Display name of a ladder: "Pythia · lm_eval_harness · 5-shot · accuracy"."""
    shots = "shots pooled" if "shots" in pooled else ("shots not stated" if n_shots is None else f"{n_shots}-shot")
    parts = [family, "benchmarks pooled" if "benchmark" in pooled else benchmark, shots, "metrics pooled" if "metric" in pooled else metric]
    return " · ".join(str(p) for p in parts)


def analyze(
    frame: pd.DataFrame,
    transform_names: tuple[str, ...] = ("raw",),
    spacings=(1,),
    methods: tuple[str, ...] | None = None,
    n_boot: int = backtest.N_BOOT,
    progress: bool = True,
    keep_forecasts: bool = False,
    prepared: dict | None = None,
    notes: list | None = None,
) -> dict:
    """The ladder table and the backtest as the documented JSON-ready dict.

    `frame` holds validated rows; unless `prepared` (the info of `prepare`) is given, it is
    prepared here with the defaults. Extra keys starting with "_" (dropped from the JSON) carry
    the backtest tables for the HTML report, the notes and the methods chosen.
    """
    notes = notes if notes is not None else Notes()
    if prepared is None:
        frame, prepared = prepare(frame, "input", notes=notes)
    pooled = tuple(prepared.get("pooled", ()))
    found = ladders.find_ladders(frame, include_loss=True) if not frame.empty else []
    all_series = [backtest.series_from_ladder(l) for l in found if len(l.sizes) > backtest.MIN_PREFIX]
    chosen, note = choose_methods(all_series, methods)
    if note:
        notes.append(note)
    bar = backtest.Progress(len(found) + backtest.progress_steps(all_series), enabled=progress)
    out = []
    replicates = prepared.get("replicates") or {}
    for ladder in found:
        n_tasks = int(ladder.rows.groupby(list(ladders.TASK_ID)).ngroups)
        label = ladder_label(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, pooled)
        entry = {
            "family": ladder.family,
            "benchmark": ladder.benchmark,
            "n_shots": ladder.n_shots,
            "metric": ladder.metric,
            "sizes": [fmt.json_number(s) for s in ladder.sizes],
            "triples": ladder_triples(ladder, transform_names, spacings),
            "axis": prepared.get("axis", "params"),
            "pooled": list(pooled),
            "n_tasks": n_tasks,
        }
        noise = replicates.get((ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric))
        if noise is not None:
            entry["replicates"] = noise
        if n_tasks < FEW_TASKS:
            notes.append(f"ladder {label} has only {n_tasks} task(s): its r is too uncertain to read (fewer than {FEW_TASKS} tasks)")
        degenerate = [t for t in entry["triples"] if t["r"] is None and t["n"] >= 3 and "note" in t and "variation" in t["note"]]
        if degenerate:
            notes.append(f"ladder {label}: {len(degenerate)} triple(s) with no variation in the gains (no r)")
        out.append(entry)
        bar.update(1, ladder.name)
    bt = run_backtests(all_series, chosen, n_boot, bar, keep_forecasts)
    bar.close()
    rows = backtest.json_rows(bt)
    for row in rows:
        row["axis"] = prepared.get("axis", "params")
        row["pooled"] = list(pooled)
    return {
        "ladders": out,
        "backtest": rows,
        "_backtest": bt,
        "_note": note,
        "_notes": list(notes),
        "_methods": chosen,
        "_prepared": prepared,
    }


def public(result: dict) -> dict:
    """The documented keys only."""
    return {k: v for k, v in result.items() if not k.startswith("_")}


def _num(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def size_text(size: float, axis: str) -> str:
    return f"{size:.2g}".replace("e+", "e") + " FLOP" if axis == "compute" else ladders.size_label(size)


def empty_reason(prepared: dict | None) -> str:
    """Why no ladder was found, in the reader's terms."""
    prepared = prepared or {}
    if prepared.get("rows") and prepared.get("loss_rows") == prepared.get("rows"):
        return "no ladder: every score is of a lower-is-better metric (loss, perplexity, bpb), which the gain analyses leave out"
    return "no ladder with three or more sizes found (a ladder is one family x benchmark x shots x metric)"


def format_text(result: dict) -> str:
    lines = []
    prepared = result.get("_prepared") or {}
    pooled = tuple(prepared.get("pooled", ()))
    if pooled:
        lines.append(f"pooled across: {', '.join(pooled)}")
    for ladder in result["ladders"]:
        axis = ladder.get("axis", "params")
        name = ladder_label(ladder["family"], ladder["benchmark"], ladder["n_shots"], ladder["metric"], ladder.get("pooled", ())).replace(" · ", " | ")
        lines.append(f"{name} | {len(ladder['sizes'])} sizes{' (compute axis)' if axis == 'compute' else ''} | {ladder.get('n_tasks', '?')} tasks")
        noise = ladder.get("replicates")
        if noise and noise.get("sd") is not None:
            lines.append(
                f"  replicates: run-to-run SD of a score {noise['sd']:.4f} 95% CI [{noise['ci_low']:.4f}, {noise['ci_high']:.4f}] "
                f"from {noise['cells']} task x size cells"
            )
        for t in ladder["triples"]:
            sizes = " -> ".join(size_text(s, axis) for s in t["sizes"])
            if t["r"] is None:
                lines.append(f"  {sizes:<28} {t['transform']:<12} n={t['n']:<4} {t.get('note', '')}")
                continue
            lines.append(
                f"  {sizes:<28} {t['transform']:<12} n={t['n']:<4} r={_num(t['r'], '+.3f')} R2={_num(t['r2'], '.3f')} "
                f"slope={_num(t['slope'], '+.3f')} 95% CI for r [{_num(t['ci_low'], '+.3f')}, {_num(t['ci_high'], '+.3f')}]"
                + (f"  ({t['note']})" if t.get("note") else "")
            )
    if not result["ladders"]:
        lines.append(empty_reason(prepared))
    rows = result.get("backtest", [])
    if rows:
        lines.append("")
        lines.append("Backtest: mean absolute error of each larger size's score, forecast from the smaller sizes")
        current = None
        for r in rows:
            key = (r["family"], r["benchmark"], r["n_shots"], r["metric"])
            if key != current:
                current = key
                lines.append(ladder_label(*key, r.get("pooled", ())).replace(" · ", " | "))
            lines.append(
                f"  {r['horizon']:<10} {r['method']:<15} n={r['n']:<6} MAE={_num(r['mae'], '.4f')} "
                f"95% CI [{_num(r['ci_low'], '.4f')}, {_num(r['ci_high'], '.4f')}] RMSE={_num(r['rmse'], '.4f')}"
            )
    elif result["ladders"]:
        lines.append("")
        lines.append("Backtest: no ladder with four or more sizes, nothing to forecast")
    return "\n".join(lines)


def _output_path(output: str | None) -> Path | None:
    if output is None:
        return None
    path = Path(output)
    if path.is_dir():
        raise data.DataValidationError(path, "--output is a folder; give a file name, e.g. --output report.html")
    if not path.parent.exists():
        raise data.DataValidationError(path, f"--output: the folder {path.parent} does not exist")
    return path


def run(
    path: str,
    output_format: str = "text",
    transform_names: tuple[str, ...] = ("raw",),
    models: str | None = None,
    methods: tuple[str, ...] | None = None,
    output: str | None = None,
    layout: str = "auto",
    strict: bool = False,
    pool: tuple[str, ...] = (),
    axis: str = "params",
    notes_stream=None,
) -> str:
    """Load, analyse and format; for html (and whenever `output` is given) write the file too.

    Notes go to `notes_stream` (standard error by default), one line each.
    """
    unknown = [t for t in transform_names if t not in transforms.TRANSFORMS]
    if unknown:
        raise ValueError(f"unknown transform(s) {unknown}; known transforms are {list(transforms.TRANSFORMS)}")
    if output_format == "html" and not output:
        raise ValueError("--format html writes a file: give its path with --output, e.g. --output report.html")
    target = _output_path(output)
    notes = Notes()
    frame = load_input(path, models, layout=layout, strict=strict, notes=notes)
    frame, prepared = prepare(frame, path, axis=axis, pool=pool, notes=notes)
    result = analyze(frame, transform_names, methods=methods, keep_forecasts=output_format == "html", prepared=prepared, notes=notes)
    stream = notes_stream if notes_stream is not None else sys.stderr
    for note in result["_notes"]:
        print(f"scaling-report analyze: note: {note}", file=stream)
    if output_format == "json":
        text = json.dumps(public(result), indent=2, sort_keys=False)
    elif output_format == "html":
        from . import report

        text = report.render(result, frame, source=Path(path).name, models=Path(models).name if models else None)
    else:
        text = format_text(result)
    if target is not None:
        target.write_text(text, encoding="utf-8")
        return f"wrote {output}" if output_format == "html" else ""
    return text
