"""Loading and validating the tidy score tables.

Every table in `data/scores/` follows the long schema in `schema.py`. `validate` checks a frame
against it and raises `DataValidationError` naming the file, the physical line, the column, the
model and the rule, for every problem it finds (up to `MAX_PROBLEMS`), so a reader who adds their
own CSV learns in one run exactly what to fix.

`validate(..., lenient=True)` is what `scaling-report analyze` uses on a reader's file: unknown
columns are ignored (with a note), any metric name is accepted, and known names get their
semantics (`METRIC_KINDS`). The project's own tables are always checked strictly.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
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

# `validate(..., keep=(LINE_COLUMN,))` adds each row's physical file line as this column.
LINE_COLUMN = "_line"
# Hidden input columns `validate` uses for messages, then drops: the file a row came from (for
# rows read from several files) and the cell its score came from (a wide table's model column,
# a leaderboard's task column, a JSON key).
FILE_COLUMN = "_file"
CELL_COLUMN = "_cell"

# One run reports this many problems at most (then says how many more there are).
MAX_PROBLEMS = 20

# What a metric name means, for the names researchers' files use. "fraction": a score in [0, 1],
# higher is better; "lower_is_better": a loss-like value >= 0 (left out of the gain analyses).
# Names not listed are treated as fractions when every value is in [0, 1] (lenient mode only).
FRACTION = "fraction"
LOWER_IS_BETTER = "lower_is_better"
METRIC_KINDS: dict[str, str] = {
    **{m: FRACTION for m in schema.BOUNDED_METRICS},
    **{m: LOWER_IS_BETTER for m in schema.UNBOUNDED_METRICS},
    **{m: FRACTION for m in ("acc", "mc1", "mc2", "exact_match", "em", "f1", "brier_skill", "pass@1", "match")},
    **{m: LOWER_IS_BETTER for m in ("bpb", "bits_per_byte", "perplexity", "ppl", "word_perplexity", "byte_perplexity", "nll")},
}


def metric_kind(metric: str) -> str | None:
    """FRACTION, LOWER_IS_BETTER, or None for a name the project does not know.

    A harness filter in parentheses does not change the meaning: `exact_match (strict-match)`
    is an `exact_match`.
    """
    name = str(metric).strip().lower()
    return METRIC_KINDS.get(name, METRIC_KINDS.get(name.split(" (", 1)[0]))


class DataValidationError(ValueError):
    """A table broke schema rules; the message names file, line, column, model and rule.

    `problems` lists every problem found (this error is the first); `total` counts them all,
    including those beyond `MAX_PROBLEMS` that are not listed.
    """

    def __init__(
        self,
        file: str | Path,
        rule: str,
        line: int | None = None,
        column: str | None = None,
        model: str | None = None,
        problems: list["DataValidationError"] | None = None,
        total: int | None = None,
    ):
        self.file = str(file)
        self.line = line
        self.column = column
        self.model = model
        self.rule = rule
        self.problems = list(problems) if problems else [self]
        self.total = total if total is not None else len(self.problems)
        message = self.single
        if len(self.problems) > 1 or self.total > len(self.problems):
            message = "\n".join(p.single for p in self.problems)
            if self.total > len(self.problems):
                message += f"\n... and {self.total - len(self.problems)} more problem(s) (the first {len(self.problems)} are listed)"
        super().__init__(message)

    @property
    def single(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.model is not None and self.model != self.column:  # a wide table's column is its model
            where.append(f"model '{self.model}'")
        return f"{', '.join(where)}: {self.rule}"

    @property
    def messages(self) -> list[str]:
        """One line per problem, plus the count of unlisted ones."""
        lines = [p.single for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more problem(s)")
        return lines

    @classmethod
    def combine(cls, errors: list["DataValidationError"], limit: int = MAX_PROBLEMS) -> "DataValidationError":
        """One error listing the problems of several (each may already hold several)."""
        problems = [p for e in errors for p in e.problems]
        total = sum(e.total for e in errors)
        first = problems[0]
        return cls(first.file, first.rule, first.line, first.column, first.model, problems[:limit], total)


class Problems:
    """Collects problems of one frame, each at a row position, and raises them all at once.

    `lines[i]` is the physical file line of row position i; `models[i]` its model name.
    """

    def __init__(
        self,
        file: str | Path,
        lines: np.ndarray,
        models: np.ndarray | None = None,
        limit: int = MAX_PROBLEMS,
        files: np.ndarray | None = None,
        cells: np.ndarray | None = None,
    ):
        self.file = Path(file)
        self.lines = lines
        self.models = models
        self.limit = limit
        self.files = files  # per row: the file it came from
        self.cells = cells  # per row: where its score came from
        self.found: list[DataValidationError] = []
        self.total = 0

    def at(self, rule, positions=None, column: str | None = None, line: int | None = None) -> None:
        """One problem per row position in `positions`; without positions, one problem at `line`."""
        if positions is None:
            self.total += 1
            if len(self.found) < self.limit:
                self.found.append(DataValidationError(self.file, rule if isinstance(rule, str) else rule(None), line, column))
            return
        for i in np.asarray(positions, dtype=int).ravel():
            self.total += 1
            if len(self.found) >= self.limit:
                continue
            model = None
            if self.models is not None and not pd.isna(self.models[i]):
                model = str(self.models[i])
            text = rule if isinstance(rule, str) else rule(i)
            file = self.file if self.files is None else self.files[i]
            where = column
            if column == "score" and self.cells is not None and not pd.isna(self.cells[i]):
                where = str(self.cells[i])
            self.found.append(DataValidationError(file, text, int(self.lines[i]), where, model))

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self) -> DataValidationError:
        first = self.found[0]
        return DataValidationError(first.file, first.rule, first.line, first.column, first.model, self.found, self.total)

    def check(self) -> None:
        if self.total:
            raise self.error()


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
    Source("inverse_scaling", "Inverse Scaling Prize tasks, 11 tasks x the 10 model series with sizes (McKenzie et al. 2023 figures)"),
)
SOURCE_BY_ID = {s.source_id: s for s in SOURCES}


def source_lines(frame: pd.DataFrame) -> np.ndarray:
    """Physical file line of each row: as `read_csv` recorded it, else position + 2."""
    lines = frame.attrs.get("lines")
    if lines is not None and len(lines) == len(frame):
        return np.asarray(lines, dtype=int)
    return np.arange(len(frame), dtype=int) + 2


def read_text(path: str | Path) -> str:
    """A text file's content, gunzipped when its name ends in .gz, with clear errors."""
    path = Path(path)
    if not path.exists():
        raise DataValidationError(path, "file not found")
    if path.is_dir():
        raise DataValidationError(path, "is a folder, expected a file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataValidationError(path, f"cannot read the file: {error.strerror or error}") from None
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DataValidationError(path, f"the name ends in .gz but the file is not valid gzip ({error}); rename it or compress it") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start : error.start + 1].hex()
        raise DataValidationError(
            path, f"not UTF-8 text (byte 0x{byte} cannot be decoded); save the file as UTF-8", line=line
        ) from None


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings, with clear errors for missing, empty, binary and malformed files.

    Empty cells become NA. `frame.attrs["lines"]` holds each row's physical line (blank lines and
    quoted newlines counted), which every later error message uses.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise DataValidationError(path, "empty file (expected a header line and at least one row)", line=1)
    frame = _read_unquoted(text) if '"' not in text else None
    if frame is None:
        frame = _read_with_csv(text, path)
    if frame.empty:
        raise DataValidationError(path, "no data rows (expected at least one row under the header)", line=frame.attrs["end"] + 1)
    del frame.attrs["end"]
    # The string type pandas itself gives `read_csv(dtype=str)`, empty cells as NaN.
    return frame.astype(pd.StringDtype("python", na_value=np.nan))


def _read_unquoted(text: str) -> pd.DataFrame | None:
    """Fast path for files without quotes: one record per line, parsed by pandas' C reader.

    Returns None when a line's field count differs from the header's, so that the csv module
    path reports every ragged line.
    """
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip("\r") != ""]
    header_index = filled[0]
    n_fields = lines[header_index].count(",")
    body = filled[1:]
    if any(lines[i].count(",") != n_fields for i in body):
        return None
    header = [h.strip() for h in lines[header_index].rstrip("\r").split(",")]
    if not body:
        frame = pd.DataFrame(columns=header, dtype=object)
    else:
        frame = pd.read_csv(io.StringIO("\n".join(lines[i] for i in body)), header=None, names=range(len(header)), dtype=str,
                            keep_default_na=False, na_values=[""], quoting=csv.QUOTE_NONE, skip_blank_lines=False)
        frame.columns = header
        frame = frame.astype(object).where(frame.notna(), None)
    frame.attrs["lines"] = tuple(i + 1 for i in body)  # a tuple: pandas compares attrs with ==
    frame.attrs["end"] = (body[-1] if body else header_index) + 1
    return frame


def _read_with_csv(text: str, path: Path) -> pd.DataFrame:
    """The csv module's reader, for quoted fields; every ragged line is reported."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems = Problems(path, np.zeros(0, dtype=int))
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            hint = " (often a quote that is never closed)" if "field larger" in str(error) else ""
            raise DataValidationError(path, f"malformed CSV: {error}{hint}", line=start) from None
        previous_end = reader.line_num
        if not row or (len(row) == 1 and row[0] == ""):
            continue  # a blank line
        if header is None:
            header = [h.strip() for h in row]
            continue
        if len(row) != len(header):
            problems.at(f"malformed CSV: {len(row)} fields where the header has {len(header)}", line=start)
            continue
        rows.append(row)
        lines.append(start)
    problems.check()
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.mask(frame == "")
    frame.attrs["lines"] = tuple(lines)  # a tuple: pandas compares attrs with ==
    frame.attrs["end"] = previous_end
    return frame


def first_row(mask: pd.Series) -> int:
    """Position of the first True in a boolean column."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def check_columns(frame: pd.DataFrame, file: Path, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    """The header names only `allowed` columns, each once, and every `required` one (all problems at once)."""
    problems = Problems(file, np.zeros(0, dtype=int))
    duplicated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()].tolist()))
    for column in duplicated:
        problems.at("wrong header: the column appears more than once", line=1, column=column)
    shown = [c for c in allowed if not str(c).startswith("_")]
    header = [c for c in frame.columns if not str(c).startswith("_")]
    for column in (c for c in dict.fromkeys(frame.columns) if c not in allowed):
        problems.at(f"wrong header: unknown column; allowed columns are {shown}", line=1, column=column)
    for column in (c for c in required if c not in frame.columns):
        problems.at(f"wrong header: missing required column (the header is {header})", line=1, column=column)
    problems.check()


def _blank(values: pd.Series) -> pd.Series:
    """Empty or whitespace-only cells (checked once per distinct value)."""
    missing = values.isna()
    present = values[~missing]
    blanks = [v for v in pd.unique(present.to_numpy(dtype=object)) if isinstance(v, str) and not v.strip()]
    return missing | values.isin(blanks) if blanks else missing


def check_filled(frame: pd.DataFrame, file: Path, columns, problems: Problems | None = None) -> None:
    """No empty or blank cell in `columns`."""
    own = problems is None
    if own:
        models = frame["model"].to_numpy(dtype=object) if "model" in frame.columns else None
        problems = Problems(file, source_lines(frame), models)
    for column in columns:
        empty = _blank(frame[column])
        problems.at("missing value in a required column", np.flatnonzero(empty.to_numpy()), column=column)
    if own:
        problems.check()


def repeated_rows(frame: pd.DataFrame, subset) -> np.ndarray:
    """Positions of every row whose `subset` values also occur on another row."""
    return np.flatnonzero(frame.duplicated(subset=list(subset), keep=False).to_numpy())


def repeated_groups(frame: pd.DataFrame, subset) -> list[np.ndarray]:
    """Row positions of each group of rows sharing their `subset` values, for groups of two or more."""
    rows = repeated_rows(frame, subset)
    if not len(rows):
        return []
    groups = frame.iloc[rows].groupby(list(subset), dropna=False, sort=False).indices
    return [rows[np.asarray(g)] for g in groups.values()]


def line_list(lines: np.ndarray, limit: int = 6) -> str:
    shown = ", ".join(str(int(x)) for x in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _to_numbers(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    for column in schema.NUMERIC_COLUMNS:
        raw = frame[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        retry = raw.notna() & numbers.isna()
        if retry.any():  # " 0.5 " is a number too
            numbers = numbers.where(~retry, pd.to_numeric(raw[retry].astype(str).str.strip(), errors="coerce"))
        bad = raw.notna() & numbers.isna()
        problems.at(lambda i: f"'{raw.iloc[i]}' is not a number", np.flatnonzero(bad.to_numpy()), column=column)
        values = numbers.to_numpy(dtype=float)
        problems.at("infinite values are not allowed", np.flatnonzero(np.isinf(values)), column=column)
        numbers = numbers.where(~np.isinf(values))
        if column in schema.INTEGER_COLUMNS:
            fractional = numbers.notna() & (numbers != numbers.round())
            problems.at(lambda i: f"{raw.iloc[i]} is not a whole number", np.flatnonzero(fractional.to_numpy()), column=column)
            frame[column] = numbers.where(~fractional).round().astype("Int64")
        else:
            frame[column] = numbers.astype(float)
    return frame


def _metric_kinds(frame: pd.DataFrame, problems: Problems, lenient: bool, notes: list[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """Per row: is the score a fraction, and is the row kept (lenient mode leaves some metrics out)."""
    metric = frame["metric"].astype(str)
    keep = np.ones(len(frame), dtype=bool)
    if not lenient:
        unknown = ~metric.isin(schema.METRICS)
        problems.at(
            lambda i: f"unknown metric '{metric.iloc[i]}'; known metrics are {list(schema.METRICS)}",
            np.flatnonzero(unknown.to_numpy()),
            column="metric",
        )
        return metric.isin(schema.BOUNDED_METRICS).to_numpy(), keep
    kinds = metric.map({m: metric_kind(m) for m in metric.unique()})
    fraction = np.array(kinds == FRACTION, dtype=bool)  # a writable copy
    score = frame["score"].to_numpy(dtype=float)
    for name in sorted(metric[kinds.isna()].unique()):
        rows = (metric == name).to_numpy()
        values = score[rows]
        values = values[np.isfinite(values)]
        if len(values) and values.min() >= 0 and values.max() <= 1:
            fraction |= rows
            if notes is not None:
                notes.append(f"metric '{name}' is not a known name: its scores are all in [0, 1], so it is treated as a fraction, higher is better")
        else:
            keep &= ~rows
            if notes is not None:
                outside = int(np.flatnonzero(rows & ((score < 0) | (score > 1)))[0]) if len(values) else int(np.flatnonzero(rows)[0])
                notes.append(
                    f"metric '{name}' is not a known name and has values outside [0, 1] (line {problems.lines[outside]}): "
                    f"its {int(rows.sum())} rows are left out; give it as a fraction, or as metric 'loss' if lower is better"
                )
    return fraction, keep


def _check_values(frame: pd.DataFrame, problems: Problems, lenient: bool = False, notes: list[str] | None = None) -> np.ndarray:
    """Record every broken value rule; return the rows to keep."""
    bounded, keep = _metric_kinds(frame, problems, lenient, notes)
    positions = lambda mask: np.flatnonzero(np.asarray(mask) & keep)  # noqa: E731 - rows left out are not checked
    n_params = frame["n_params"]
    problems.at(lambda i: f"n_params must be positive, got {n_params.iloc[i]:g}", positions(n_params <= 0), column="n_params")
    score = frame["score"]
    bounded = bounded & keep
    outside = bounded & ((score < 0) | (score > 1)).to_numpy()
    if outside.any():
        in_bounded = score[bounded]
        # Percent-scaled input is the commonest mistake: name it instead of listing every row.
        percent_like = len(in_bounded) >= 3 and bool((in_bounded > 1).mean() > 0.5)
        if percent_like and bool((in_bounded <= 100).all()) and bool((in_bounded >= 0).all()):
            problems.at(
                f"scores look like percentages (max {in_bounded.max():g}); give scores as fractions in [0, 1]",
                [int(np.flatnonzero(outside)[0])],
                column="score",
            )
        else:
            problems.at(lambda i: f"score {score.iloc[i]:g} is outside [0, 1] (scores are fractions)", np.flatnonzero(outside), column="score")
    negative = ~bounded & keep & (score < 0).to_numpy()
    problems.at(lambda i: f"loss {score.iloc[i]:g} is negative", np.flatnonzero(negative), column="score")
    for column in ("training_tokens", "training_flops"):
        problems.at(f"{column} must not be negative", positions(frame[column] < 0), column=column)
    chance = frame["chance"]
    problems.at(lambda i: f"chance {chance.iloc[i]:g} is outside [0, 1]", positions((chance < 0) | (chance > 1)), column="chance")
    problems.at(
        "chance 1 leaves no room above the floor (every score would be at chance); give the score of random guessing, below 1",
        positions(chance == 1),
        column="chance",
    )
    for column, low in (("n_items", 1), ("n_shots", 0)):
        bad = frame[column].notna() & (frame[column] < low)
        problems.at(f"{column} must be at least {low}", positions(bad), column=column)
    return keep


def _check_keys(frame: pd.DataFrame, problems: Problems, key: tuple[str, ...] = schema.PRIMARY_KEY) -> None:
    lines = problems.lines
    # A key column the file leaves empty everywhere (an analyze file's `run`) is not worth naming.
    shown = tuple(k for k in key if k in schema.PRIMARY_KEY or (frame[k].astype(str) != "").any())
    for group in repeated_groups(frame, key):
        problems.at(
            f"duplicate key {shown}: the same score appears on lines {line_list(lines[group])}",
            [int(group[1])],
            column="task",
        )
    # One model is one network: it must carry one parameter count everywhere.
    for (family, model), rows in frame.groupby(["family", "model"], sort=False).indices.items():
        sizes = frame["n_params"].to_numpy(dtype=float)[rows]
        if len(np.unique(sizes[np.isfinite(sizes)])) > 1:
            other = rows[sizes != sizes[0]]
            problems.at(
                f"model '{model}' of family '{family}' has more than one n_params "
                f"({sizes[0]:g} on line {lines[rows[0]]}, {frame['n_params'].iloc[other[0]]:g} here)",
                [int(other[0])],
                column="n_params",
            )


def validate(
    frame: pd.DataFrame,
    file: str | Path,
    required: tuple[str, ...] | None = None,
    *,
    lenient: bool = False,
    keep: tuple[str, ...] = (),
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Check a frame of strings against the long schema and return it typed and in column order.

    `required` names the columns that must be present in the file (all required schema
    columns by default); absent optional columns are added empty. Every problem found is
    reported in one `DataValidationError` (up to `MAX_PROBLEMS`).

    `lenient` (for readers' files): columns outside the schema and `keep` are dropped with a note,
    any metric name is accepted (see `METRIC_KINDS`), and rows of an unknown metric whose values
    are not fractions are left out with a note. `keep` names extra columns to keep as strings
    (they also join the duplicate-key check). `notes` collects the notes.
    """
    file = Path(file)
    lines = source_lines(frame)
    frame = frame.copy(deep=False)
    frame.attrs = {}  # pandas deep-copies attrs on every operation: drop the line tuple now
    files = frame[FILE_COLUMN].to_numpy(dtype=object) if FILE_COLUMN in frame.columns else None
    cells = frame[CELL_COLUMN].to_numpy(dtype=object) if CELL_COLUMN in frame.columns else None
    frame = frame.drop(columns=[c for c in (FILE_COLUMN, CELL_COLUMN) if c in frame.columns])
    required = required or tuple(f.name for f in schema.FIELDS if f.required)
    allowed = schema.COLUMNS + tuple(keep)
    if LINE_COLUMN in keep:
        frame = frame.assign(**{LINE_COLUMN: lines})
    extra = [c for c in dict.fromkeys(frame.columns) if c not in allowed]
    if lenient and extra and not frame.columns.duplicated().any():
        if notes is not None:
            notes.append(f"{file}: column(s) {', '.join(map(str, extra))} not used (ignored)")
        frame = frame.drop(columns=extra)
    check_columns(frame, file, allowed, required)
    frame = frame.copy()
    for column in allowed:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[list(allowed)].reset_index(drop=True)
    problems = Problems(file, lines, frame["model"].to_numpy(dtype=object), files=files, cells=cells)
    check_filled(frame, file, [f.name for f in schema.FIELDS if f.required], problems)
    frame = _to_numbers(frame, problems)
    for column in allowed:
        if column not in schema.NUMERIC_COLUMNS and column != LINE_COLUMN:
            frame[column] = frame[column].astype("string")
    for column in (*schema.NULLABLE_KEY_COLUMNS, *keep):
        if column not in schema.NUMERIC_COLUMNS and column != LINE_COLUMN:
            frame[column] = frame[column].fillna("")
    kept = _check_values(frame, problems, lenient, notes)
    _check_keys(frame, problems, schema.PRIMARY_KEY + tuple(k for k in keep if k != LINE_COLUMN))
    problems.check()
    frame = frame[kept].reset_index(drop=True)
    if files is not None:
        frame[FILE_COLUMN] = files[kept]
    frame.attrs = {}  # the project's tables are concatenated and copied a lot: keep them plain
    if LINE_COLUMN in keep:
        frame[LINE_COLUMN] = lines[kept]
    return frame


def load_table(path: str | Path) -> pd.DataFrame:
    """Load and validate one tidy score CSV in the project's long schema."""
    return validate(read_csv(path), path)


def load_source(source_id: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Load one ingested source from `data/scores/<source_id>.csv`."""
    if source_id not in SOURCE_BY_ID:
        raise KeyError(f"unknown source '{source_id}'; known sources are {sorted(SOURCE_BY_ID)}")
    path = (data_dir or DATA_DIR) / "scores" / f"{source_id}.csv"
    frame = validate(read_csv(path), path, keep=(LINE_COLUMN,))
    wrong = frame["source_id"] != source_id
    if wrong.any():
        i = first_row(wrong)
        raise DataValidationError(
            path, f"source_id '{frame['source_id'].iloc[i]}' does not match the file name", line=int(frame[LINE_COLUMN].iloc[i]), column="source_id"
        )
    return frame.drop(columns=[LINE_COLUMN])


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
    extended by the checkpoint step. Every problem is reported at once, with its file line.
    """
    file = Path(file)
    lines = source_lines(frame)
    check_columns(frame, file, schema.CONTROLLED_COLUMNS, tuple(f.name for f in schema.FIELDS if f.required))
    frame = frame.copy()
    frame.attrs = {}
    for column in schema.CONTROLLED_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[list(schema.CONTROLLED_COLUMNS)].reset_index(drop=True)
    problems = Problems(file, lines, frame["model"].to_numpy(dtype=object))
    check_filled(frame, file, [f.name for f in schema.FIELDS if f.required], problems)
    base = _to_numbers(frame[list(schema.COLUMNS)].copy(), problems)
    for column in schema.COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            base[column] = base[column].astype("string")
    for column in schema.NULLABLE_KEY_COLUMNS:
        if column not in schema.NUMERIC_COLUMNS:
            base[column] = base[column].fillna("")
    _check_values(base, problems)
    for field in schema.CONTROLLED_FIELDS:
        raw = frame[field.name]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = (raw.notna() & numbers.isna()).to_numpy()
        problems.at(lambda i, raw=raw: f"'{raw.iloc[i]}' is not a number", np.flatnonzero(bad), column=field.name)
        if field.type == "integer":
            fractional = (numbers.notna() & (numbers != numbers.round())).to_numpy()
            problems.at(lambda i, raw=raw: f"{raw.iloc[i]} is not a whole number", np.flatnonzero(fractional), column=field.name)
        low = field.minimum
        below = (numbers.notna() & ((numbers <= low) if field.exclusive_minimum else (numbers < low))).to_numpy()
        rule = "positive" if field.exclusive_minimum else f"at least {low:g}"
        problems.at(lambda i, numbers=numbers, name=field.name, rule=rule: f"{name} must be {rule}, got {numbers.iloc[i]:g}",
                    np.flatnonzero(below), column=field.name)
        # (a fractional integer is already a problem; rounding only keeps the cast from raising)
        base[field.name] = numbers.round().astype("Int64") if field.type == "integer" else numbers.astype(float)
    problems.check()
    _check_keys(base, problems, schema.CONTROLLED_PRIMARY_KEY)
    sizes = base.groupby(["family", "model"])["n_params"].nunique()
    for family, model in sizes[sizes > 1].index:
        rows = np.flatnonzero(((base["family"] == family) & (base["model"] == model)).to_numpy())[:1]
        problems.at(f"model '{model}' of family '{family}' has more than one n_params", rows, column="n_params")
    problems.check()
    base.attrs = {}
    return base


def load_controlled(source_id: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Load and validate one controlled-ladder table from `data/scores/`."""
    if source_id not in CONTROLLED_SOURCE_BY_ID:
        raise KeyError(f"unknown controlled source '{source_id}'; known are {sorted(CONTROLLED_SOURCE_BY_ID)}")
    path = controlled_path(source_id, data_dir)
    raw = read_csv(path)
    lines = source_lines(raw)
    frame = validate_controlled(raw, path)
    wrong = frame["source_id"] != source_id
    if wrong.any():
        raise DataValidationError(
            path, f"source_id '{frame['source_id'].iloc[first_row(wrong)]}' does not match the file name",
            line=int(lines[first_row(wrong)]), column="source_id",
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
