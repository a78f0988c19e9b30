"""Loading and validating the tidy score tables.

Every table in `data/scores/` follows the long schema in `schema.py`. `validate` checks a frame
against it and raises `DataValidationError` naming the file, the line, the column and the rule,
so a reader who adds their own CSV learns exactly what to fix.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_DIR / "data"
SCORES_DIR = DATA_DIR / "scores"

# Required by `scaling-report analyze` on a reader's own file; the rest get defaults.
ANALYZE_REQUIRED = ("family", "model", "n_params", "task", "score")
ANALYZE_DEFAULTS = {
    "source_id": None,  # filled with the file's stem
    "benchmark": "all",
    "metric": "score",
    "provenance": None,  # filled with the file's name
}


class DataValidationError(ValueError):
    """A table broke a schema rule; the message names file, line, column and rule."""

    def __init__(self, file: str | Path, rule: str, line: int | None = None, column: str | None = None):
        self.file = str(file)
        self.line = line
        self.column = column
        self.rule = rule
        where = [self.file]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {rule}")


@dataclass(frozen=True)
class Source:
    """One ingested source: its id, its file in `data/scores/` and what it is."""

    source_id: str
    description: str

    @property
    def path(self) -> Path:
        return SCORES_DIR / f"{self.source_id}.csv"


SOURCES: tuple[Source, ...] = (
    Source("chinchilla_mmlu", "Chinchilla 70B vs Gopher 280B on 57 MMLU subjects (Hoffmann et al. 2022, Table A6)"),
    Source("chinchilla_bigbench", "Chinchilla 70B vs Gopher 280B on 62 BIG-bench tasks (Hoffmann et al. 2022, Table A7)"),
    Source("palm_bigbench_lite", "PaLM 8B/62B/540B on the 24 BIG-bench Lite tasks, 5-shot (Chowdhery et al. 2022, App. H.2)"),
    Source("palm_nlu", "PaLM 8B/62B/540B on 29 English NLU benchmarks at 0/1/few-shot (Chowdhery et al. 2022, App. H.1)"),
    Source("bigg_bigbench", "BIG-G T=0 dense, 12 sizes, 89 multiple-choice BIG-bench tasks, 3-shot (BIG-bench)"),
    Source("pythia_opt_bloom", "Pythia (standard, deduped; 0/5-shot), OPT and BLOOM final checkpoints on 65 harness tasks"),
    Source("inverse_scaling", "Inverse Scaling Prize tasks, 11 tasks x 12 model series (McKenzie et al. 2023 figures)"),
)
SOURCE_BY_ID = {s.source_id: s for s in SOURCES}


def _line(index: int) -> int:
    """File line of the frame's positional row `index` (line 1 is the header)."""
    return int(index) + 2


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings, with clear errors for missing, empty and malformed files."""
    path = Path(path)
    if not path.exists():
        raise DataValidationError(path, "file not found")
    text = path.read_text(encoding="utf-8-sig") if path.suffix != ".gz" else None
    if text is not None and not text.strip():
        raise DataValidationError(path, "empty file (expected a header line and at least one row)")
    if text is not None:
        # csv catches ragged rows that pandas would silently pad or misread.
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        for line_no, row in enumerate(reader, start=2):
            if row and len(row) != len(header):
                raise DataValidationError(
                    path, f"malformed CSV: {len(row)} fields where the header has {len(header)}", line=line_no
                )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as error:
        raise DataValidationError(path, f"malformed CSV: {error}") from error
    if frame.empty:
        raise DataValidationError(path, "no data rows (expected at least one row under the header)")
    return frame


def first_row(mask: pd.Series) -> int:
    """Position of the first True in a boolean column."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def check_columns(frame: pd.DataFrame, file: Path, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    """The header names only `allowed` columns, each once, and every `required` one."""
    unknown = [c for c in frame.columns if c not in allowed]
    if unknown:
        raise DataValidationError(
            file, f"wrong header: unknown column(s) {unknown}; allowed columns are {list(allowed)}", line=1
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(file, f"wrong header: missing required column(s) {missing}", line=1)
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataValidationError(file, f"wrong header: repeated column(s) {duplicated}", line=1)


def check_filled(frame: pd.DataFrame, file: Path, columns) -> None:
    """No empty or blank cell in `columns`."""
    for column in columns:
        values = frame[column]
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            raise DataValidationError(file, "missing value in a required column", line=_line(first_row(empty)), column=column)


def repeated_rows(frame: pd.DataFrame, subset) -> np.ndarray:
    """Positions of every row whose `subset` values also occur on another row."""
    return np.flatnonzero(frame.duplicated(subset=list(subset), keep=False).to_numpy())


def _to_numbers(frame: pd.DataFrame, file: Path) -> pd.DataFrame:
    for column in schema.NUMERIC_COLUMNS:
        raw = frame[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & numbers.isna()
        if bad.any():
            i = first_row(bad)
            raise DataValidationError(file, f"'{raw.iloc[i]}' is not a number", line=_line(i), column=column)
        infinite = np.isinf(numbers.to_numpy(dtype=float))
        if infinite.any():
            i = int(np.flatnonzero(infinite)[0])
            raise DataValidationError(file, "infinite values are not allowed", line=_line(i), column=column)
        if column in schema.INTEGER_COLUMNS:
            fractional = numbers.notna() & (numbers != numbers.round())
            if fractional.any():
                i = first_row(fractional)
                raise DataValidationError(file, f"{raw.iloc[i]} is not a whole number", line=_line(i), column=column)
            frame[column] = numbers.astype("Int64")
        else:
            frame[column] = numbers.astype(float)
    return frame


def _check_values(frame: pd.DataFrame, file: Path) -> None:
    check_filled(frame, file, [f.name for f in schema.FIELDS if f.required])
    metric = frame["metric"]
    unknown = ~metric.isin(schema.METRICS)
    if unknown.any():
        i = first_row(unknown)
        raise DataValidationError(
            file, f"unknown metric '{metric.iloc[i]}'; known metrics are {list(schema.METRICS)}", line=_line(i), column="metric"
        )
    positive = frame["n_params"] <= 0
    if positive.any():
        i = first_row(positive)
        raise DataValidationError(
            file, f"n_params must be positive, got {frame['n_params'].iloc[i]:g}", line=_line(i), column="n_params"
        )
    bounded = metric.isin(schema.BOUNDED_METRICS)
    score = frame["score"]
    outside = bounded & ((score < 0) | (score > 1))
    if outside.any():
        # Percent-scaled input is the commonest mistake: name it instead of reporting one row.
        if bool((score[bounded] > 1).mean() > 0.5) and bool((score[bounded] <= 100).all()) and bool((score[bounded] >= 0).all()):
            raise DataValidationError(
                file,
                f"scores look like percentages (max {score[bounded].max():g}); give scores as fractions in [0, 1]",
                line=_line(first_row(outside)),
                column="score",
            )
        i = first_row(outside)
        raise DataValidationError(
            file, f"score {score.iloc[i]:g} is outside [0, 1] (scores are fractions)", line=_line(i), column="score"
        )
    negative = ~bounded & (score < 0)
    if negative.any():
        i = first_row(negative)
        raise DataValidationError(file, f"loss {score.iloc[i]:g} is negative", line=_line(i), column="score")
    for column in ("training_tokens", "training_flops"):
        bad = frame[column] < 0
        if bad.any():
            i = first_row(bad)
            raise DataValidationError(file, f"{column} must not be negative", line=_line(i), column=column)
    chance = frame["chance"]
    bad_chance = (chance < 0) | (chance > 1)
    if bad_chance.any():
        i = first_row(bad_chance)
        raise DataValidationError(file, f"chance {chance.iloc[i]:g} is outside [0, 1]", line=_line(i), column="chance")
    for column, low in (("n_items", 1), ("n_shots", 0)):
        bad = frame[column].notna() & (frame[column] < low)
        if bad.any():
            i = first_row(bad)
            raise DataValidationError(file, f"{column} must be at least {low}", line=_line(i), column=column)


def _check_keys(frame: pd.DataFrame, file: Path) -> None:
    key = list(schema.PRIMARY_KEY)
    rows = repeated_rows(frame, key)
    if len(rows):
        lines = ", ".join(str(_line(i)) for i in rows[:6])
        raise DataValidationError(
            file, f"duplicate key {tuple(key)}: the same score appears on lines {lines}", line=_line(rows[0])
        )
    # One model is one network: it must carry one parameter count everywhere.
    sizes = frame.groupby(["family", "model"])["n_params"].nunique()
    conflicting = sizes[sizes > 1]
    if not conflicting.empty:
        family, model = conflicting.index[0]
        i = first_row((frame["family"] == family) & (frame["model"] == model))
        raise DataValidationError(
            file, f"model '{model}' of family '{family}' has more than one n_params", line=_line(i), column="n_params"
        )


def validate(frame: pd.DataFrame, file: str | Path, required: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Check a frame of strings against the long schema and return it typed and in column order.

    `required` names the columns that must be present in the file (all required schema
    columns by default); absent optional columns are added empty.
    """
    file = Path(file)
    required = required or tuple(f.name for f in schema.FIELDS if f.required)
    check_columns(frame, file, schema.COLUMNS, required)
    frame = frame.copy()
    for column in schema.COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[list(schema.COLUMNS)]
    frame = _to_numbers(frame, file)
    for column in schema.COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            frame[column] = frame[column].astype("string")
    for column in schema.NULLABLE_KEY_COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            frame[column] = frame[column].fillna("")
    _check_values(frame, file)
    _check_keys(frame, file)
    return frame


def load_table(path: str | Path) -> pd.DataFrame:
    """Load and validate one tidy score CSV in the project's long schema."""
    return validate(read_csv(path), path)


def load_source(source_id: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Load one ingested source from `data/scores/<source_id>.csv`."""
    if source_id not in SOURCE_BY_ID:
        raise KeyError(f"unknown source '{source_id}'; known sources are {sorted(SOURCE_BY_ID)}")
    directory = (data_dir or DATA_DIR) / "scores"
    frame = load_table(directory / f"{source_id}.csv")
    wrong = frame["source_id"] != source_id
    if wrong.any():
        raise DataValidationError(
            directory / f"{source_id}.csv",
            f"source_id '{frame['source_id'].iloc[first_row(wrong)]}' does not match the file name",
            line=_line(first_row(wrong)),
            column="source_id",
        )
    return frame


def load_chinchilla_mmlu(data_dir: Path | None = None) -> pd.DataFrame:
    """Chinchilla 70B and Gopher 280B on 57 MMLU subjects, 5-shot (two models, equal compute)."""
    return load_source("chinchilla_mmlu", data_dir)


def load_chinchilla_bigbench(data_dir: Path | None = None) -> pd.DataFrame:
    """Chinchilla 70B and Gopher 280B on 62 BIG-bench tasks."""
    return load_source("chinchilla_bigbench", data_dir)


def load_palm_bigbench_lite(data_dir: Path | None = None) -> pd.DataFrame:
    """PaLM 8B, 62B and 540B on the 24 BIG-bench Lite tasks, 5-shot, each task's preferred metric."""
    return load_source("palm_bigbench_lite", data_dir)


def load_palm_nlu(data_dir: Path | None = None) -> pd.DataFrame:
    """PaLM 8B, 62B and 540B on 30 English NLU rows at 0-shot, 1-shot and few-shot.

    The 1-shot column of PaLM 62B trained to 1325B tokens (added to the paper after 2022) is a
    separate family, `PaLM 62B (1325B tokens)`, so it never enters the 2022 ladder.
    """
    return load_source("palm_nlu", data_dir)


def load_bigg(data_dir: Path | None = None) -> pd.DataFrame:
    """BIG-G T=0 dense: 12 sizes (2M-137B non-embedding parameters), 89 MC tasks, 3-shot."""
    return load_source("bigg_bigbench", data_dir)


def load_pythia_opt_bloom(data_dir: Path | None = None) -> pd.DataFrame:
    """Pythia (standard and deduped, 0/5-shot), OPT and BLOOM final checkpoints, 65 harness tasks."""
    return load_source("pythia_opt_bloom", data_dir)


def load_inverse_scaling(data_dir: Path | None = None) -> pd.DataFrame:
    """Inverse Scaling Prize tasks: zero-shot accuracy (loss for Prompt Injection) per model series."""
    return load_source("inverse_scaling", data_dir)


def load_all(data_dir: Path | None = None) -> pd.DataFrame:
    """Every source, concatenated in a stable order."""
    frames = [load_source(s.source_id, data_dir) for s in SOURCES]
    return pd.concat(frames, ignore_index=True)


def load_side_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """A side table of `data/` (task metadata, claims, prompting results) as typed columns."""
    path = (data_dir or DATA_DIR) / f"{name}.csv"
    frame = read_csv(path)
    for column in frame.columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().sum() == frame[column].notna().sum():
            frame[column] = numbers
    return frame


def load_inverse_scaling_tasks(data_dir: Path | None = None) -> pd.DataFrame:
    """The 11 prize tasks: item counts, chance, hypothesised cause, prize round (McKenzie et al. Table 1)."""
    return load_side_table("inverse_scaling_tasks", data_dir)


def load_inverse_scaling_claims(data_dir: Path | None = None) -> pd.DataFrame:
    """The history of the U-shaped-scaling claim: paraphrased claims per paper version, with sources."""
    return load_side_table("inverse_scaling_claims", data_dir)


def load_neqa_prompting(data_dir: Path | None = None) -> pd.DataFrame:
    """NeQA accuracy under zero-shot, hint and few-shot chain-of-thought prompting (fractions)."""
    return load_side_table("neqa_prompting", data_dir)


# --------------------------------------------------------------------------------------------
# Controlled ladders: the OLMo ladder (Bhagia et al. 2024) and open_lm (Gadre et al. 2024).
# Their tables carry schema.CONTROLLED_FIELDS (data multiplier, replicate, checkpoint step) and
# are kept out of SOURCES and load_all: one size has several runs there, which the family-once
# ladders of the other chapters must not mix in.
# --------------------------------------------------------------------------------------------

CONTROLLED_SOURCES: tuple[Source, ...] = (
    Source("olmo_ladder", "OLMo ladder: 5 sizes x 5 data multipliers + 5 reruns, final checkpoints, 20 task/splits + MMLU, accuracy and BPB (Bhagia et al. 2024)"),
    Source("olmo_ladder_checkpoints", "OLMo ladder: the same rows at every evaluated checkpoint of the 30 runs"),
    Source("olmo2_targets", "OLMo-2 7B-4T (annealed) and 13B-5T targets: every evaluated checkpoint, RC format, accuracy and BPB"),
    Source("open_lm", "open_lm: 104 runs (11M-6.9B, 3 training sets, 0.25-32x Chinchilla), 46 tasks and C4-eval loss (Gadre et al. 2024)"),
)
CONTROLLED_SOURCE_BY_ID = {s.source_id: s for s in CONTROLLED_SOURCES}
CONTROLLED_SUFFIX = {"olmo_ladder_checkpoints": ".csv.gz", "olmo2_targets": ".csv.gz"}


def controlled_path(source_id: str, data_dir: Path | None = None) -> Path:
    """File of one controlled-ladder table (the checkpoint tables are gzipped)."""
    return (data_dir or DATA_DIR) / "scores" / f"{source_id}{CONTROLLED_SUFFIX.get(source_id, '.csv')}"


def validate_controlled(frame: pd.DataFrame, file: str | Path) -> pd.DataFrame:
    """Check a frame of strings against the long schema plus schema.CONTROLLED_FIELDS.

    The same rules as `validate`, with the extra columns typed and range-checked, and the key
    extended by the checkpoint step.
    """
    file = Path(file)
    check_columns(frame, file, schema.CONTROLLED_COLUMNS, tuple(f.name for f in schema.FIELDS if f.required))
    frame = frame.copy()
    for column in schema.CONTROLLED_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[list(schema.CONTROLLED_COLUMNS)]
    base = _to_numbers(frame[list(schema.COLUMNS)].copy(), file)
    for column in schema.COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            base[column] = base[column].astype("string")
    for column in schema.NULLABLE_KEY_COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            base[column] = base[column].fillna("")
    _check_values(base, file)
    for field in schema.CONTROLLED_FIELDS:
        raw = frame[field.name]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & numbers.isna()
        if bad.any():
            i = first_row(bad)
            raise DataValidationError(file, f"'{raw.iloc[i]}' is not a number", line=_line(i), column=field.name)
        if field.type == "integer":
            fractional = numbers.notna() & (numbers != numbers.round())
            if fractional.any():
                i = first_row(fractional)
                raise DataValidationError(file, f"{raw.iloc[i]} is not a whole number", line=_line(i), column=field.name)
        low = field.minimum
        below = numbers.notna() & ((numbers <= low) if field.exclusive_minimum else (numbers < low))
        if below.any():
            i = first_row(below)
            rule = "positive" if field.exclusive_minimum else f"at least {low:g}"
            raise DataValidationError(file, f"{field.name} must be {rule}, got {numbers.iloc[i]:g}", line=_line(i), column=field.name)
        base[field.name] = numbers.astype("Int64") if field.type == "integer" else numbers.astype(float)
    rows = repeated_rows(base, schema.CONTROLLED_PRIMARY_KEY)
    if len(rows):
        lines = ", ".join(str(_line(i)) for i in rows[:6])
        raise DataValidationError(
            file, f"duplicate key {schema.CONTROLLED_PRIMARY_KEY}: the same score appears on lines {lines}", line=_line(rows[0])
        )
    sizes = base.groupby(["family", "model"])["n_params"].nunique()
    conflicting = sizes[sizes > 1]
    if not conflicting.empty:
        family, model = conflicting.index[0]
        i = first_row((base["family"] == family) & (base["model"] == model))
        raise DataValidationError(file, f"model '{model}' of family '{family}' has more than one n_params", line=_line(i), column="n_params")
    return base


def load_controlled(source_id: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Load and validate one controlled-ladder table from `data/scores/`."""
    if source_id not in CONTROLLED_SOURCE_BY_ID:
        raise KeyError(f"unknown controlled source '{source_id}'; known are {sorted(CONTROLLED_SOURCE_BY_ID)}")
    path = controlled_path(source_id, data_dir)
    frame = validate_controlled(read_csv(path), path)
    wrong = frame["source_id"] != source_id
    if wrong.any():
        raise DataValidationError(
            path, f"source_id '{frame['source_id'].iloc[first_row(wrong)]}' does not match the file name",
            line=_line(first_row(wrong)), column="source_id",
        )
    return frame


def load_olmo_ladder(data_dir: Path | None = None) -> pd.DataFrame:
    """OLMo ladder final checkpoints: 30 runs (5 sizes x 5 multipliers + 5 reruns), accuracy and BPB."""
    return load_controlled("olmo_ladder", data_dir)


def load_olmo_ladder_checkpoints(data_dir: Path | None = None) -> pd.DataFrame:
    """OLMo ladder at every evaluated checkpoint (3,569 checkpoints over the 30 runs)."""
    return load_controlled("olmo_ladder_checkpoints", data_dir)


def load_olmo2_targets(data_dir: Path | None = None) -> pd.DataFrame:
    """The OLMo-2 7B-4T (one annealed row) and 13B-5T (every checkpoint) targets, RC format."""
    return load_controlled("olmo2_targets", data_dir)


def load_open_lm(data_dir: Path | None = None) -> pd.DataFrame:
    """open_lm's 104 final checkpoints: 46 downstream accuracies and the C4-eval loss per run."""
    return load_controlled("open_lm", data_dir)


def load_olmo2_repo_results(data_dir: Path | None = None) -> pd.DataFrame:
    """The OLMo-ladder repository's stored predictions and errors for the OLMo-2 targets."""
    return load_side_table("olmo2_repo_results", data_dir)


def load_open_lm_tasks(data_dir: Path | None = None) -> pd.DataFrame:
    """open_lm's 46 tasks: category, type, BIG-bench flag and membership of the paper's 17-task split."""
    return load_side_table("open_lm_tasks", data_dir)
