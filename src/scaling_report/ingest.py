"""Derive the project's tidy tables in `data/` from the recovered tables in `../shared/data/`.

Numbers and provenance only: no task item text and no file is copied wholesale. Running
`scaling-report ingest ../shared/data` twice gives byte-identical output.

All or nothing: every source file is read and checked (encoding, ragged or cut lines, header,
row count against `data/manifest.json` of the last ingest), every derived table is validated
with the loader's own rules, and only then is the whole of `data/` replaced in one directory
swap. Errors name the source file and its line.

Adding a source: a builder `name(shared, curated) -> frame` that reads its files with
`read_source` (passing `_line=raw[data.LINE_COLUMN]` to `_frame` maps errors to source lines),
one entry in `builders` in `run`, and its files in `SOURCE_FILES`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import data, schema, sources_controlled

MANIFEST = "manifest.json"
LINE = data.LINE_COLUMN

# The source files each table is derived from (their rows and checksums go in the manifest;
# the first is the one whose lines error messages name).
SOURCE_FILES: dict[str, tuple[str, ...]] = {
    "chinchilla_mmlu": ("papers/chinchilla_mmlu.csv",),
    "chinchilla_bigbench": ("papers/chinchilla_bigbench.csv", "bigbench/bigbench_scores_long.csv"),
    "palm_bigbench_lite": ("papers/palm_bigbench.csv", "bigbench/bigbench_scores_long.csv"),
    "palm_nlu": ("papers/palm_nlu.csv",),
    "bigg_bigbench": ("bigbench/bigbench_scores_long.csv",),
    "pythia_opt_bloom": ("extra/pythia_opt_bloom_final.csv",),
    "ingest_dropped": ("extra/pythia_opt_bloom_final.csv", "inverse_scaling/results_mckenzie2023_figures.csv"),
    "inverse_scaling": ("inverse_scaling/results_mckenzie2023_figures.csv", "inverse_scaling/tasks.csv"),
    "inverse_scaling_tasks": ("inverse_scaling/tasks.csv",),
    "inverse_scaling_claims": ("inverse_scaling/paper_claims.csv",),
    "neqa_prompting": ("inverse_scaling/neqa_prompting_zhang2023_notebook.csv",),
    "olmo_ladder": ("olmo_ladder/olmo_ladder_final.csv", "olmo_ladder/olmo_ladder_checkpoints.csv.gz",
                    "olmo_ladder/olmo2_targets.csv", "olmo_ladder/olmo2_targets_checkpoints.csv.gz"),
    "open_lm": ("open_lm_scaling/open_lm_evals.csv", "open_lm_scaling/open_lm_loss.csv"),
}


class IngestError(data.DataValidationError):
    """A source file, or a table derived from it, is not as ingest expects."""


def read_source(path: Path, columns: tuple[str, ...] = (), numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """A source CSV, typed as pandas reads it, with each row's physical line in `_line`.

    Checked first as strings: readable UTF-8 (gzip for .gz), no ragged or cut lines, at least one
    row, every column in `columns` present in the header (a renamed header is named, not a
    `KeyError` later), and every cell of the `numeric` columns a number or empty.
    """
    strings = data.read_csv(path)
    missing = [c for c in columns if c not in strings.columns]
    if missing:
        problems = data.Problems(path, np.zeros(0, dtype=int))
        for column in missing:
            problems.at(f"wrong header: ingest reads this column, and the header lacks it (renamed?); the header is {list(strings.columns)}", line=1, column=column)
        problems.check()
    typed = pd.read_csv(io.StringIO(data.read_text(path)))
    lines = data.source_lines(strings)
    if len(typed) != len(lines):  # pandas and csv disagree on the rows: trust neither
        raise IngestError(path, f"pandas reads {len(typed)} rows where the csv module reads {len(lines)}; check quoting")
    # A stray word in a numeric column would make pandas read the whole column as text.
    problems = data.Problems(path, lines)
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(typed[column]):
            bad = typed[column].notna() & pd.to_numeric(typed[column], errors="coerce").isna()
            problems.at(lambda i, c=column: f"'{typed[c].iloc[i]}' is not a number", np.flatnonzero(bad.to_numpy()), column=column)
    problems.check()
    typed[LINE] = lines
    return typed


def file_record(path: Path) -> dict:
    """Rows (data records, for CSV) and sha256 of one source file, for the manifest."""
    raw = path.read_bytes()
    record = {"sha256": hashlib.sha256(raw).hexdigest()}
    if path.name.endswith((".csv", ".csv.gz")):
        record["rows"] = len(data.read_csv(path))
    return record


def check_manifest(shared: Path, previous: dict, accept_changes: bool = False) -> dict:
    """Records of every source file; a file with fewer rows than the last ingest read (a cut
    file), or with another checksum (unless `accept_changes`), is an error."""
    problems = []
    records = {}
    for relative in sorted({f for files in SOURCE_FILES.values() for f in files}):
        path = shared / relative
        if not path.exists():
            problems.append(IngestError(path, "source file not found"))
            continue
        try:
            record = file_record(path)
        except data.DataValidationError as error:
            problems.append(error)
            continue
        records[relative] = record
        before = previous.get("sources", {}).get(relative)
        if before is None:
            continue
        if "rows" in before and record.get("rows", 0) < before["rows"]:
            problems.append(
                IngestError(path, f"{record.get('rows', 0)} rows where the last ingest read {before['rows']}: the file looks cut short", line=record.get("rows", 0) + 1)
            )
        elif record["sha256"] != before["sha256"] and not accept_changes:
            problems.append(
                IngestError(
                    path,
                    f"changed since the last ingest (sha256 {record['sha256'][:12]}, was {before['sha256'][:12]}; "
                    f"{record.get('rows', '?')} rows, was {before.get('rows', '?')}); re-run with --accept-changes if the change is intended",
                )
            )
    if problems:
        raise data.DataValidationError.combine(problems)
    return records

PAPERS = {
    "hoffmann": "Hoffmann et al. 2022 (arXiv 2203.15556)",
    "chowdhery": "Chowdhery et al. 2022 (arXiv 2204.02311)",
    "mckenzie": "McKenzie et al. 2023 (arXiv 2306.09479)",
    "wei": "Wei et al. 2022 (arXiv 2211.02011)",
}
BIGG_PROVENANCE = (
    "google/BIG-bench benchmark_tasks/{task}/results/scores_BIG-G_{size}_T=0.json, via "
    "PeterPonyu/calibration-traps@f055de2fd189:experiments/results/bigbench_audit/audit_table.json"
)
EXTRA_FAMILIES = {"pythia": "Pythia", "pythia-deduped": "Pythia (deduped)", "opt": "OPT", "bloom": "BLOOM"}
PALM_TOKENS = 780e9  # PaLM paper: 780B tokens for 8B and 540B; the table prints 795B for 62B
CHINCHILLA_TOKENS = {"Chinchilla": 1.4e12, "Gopher": 300e9}  # Hoffmann et al. 2022, Table 1
PALM_NLU_TASK_METRIC = {"EM": "EM", "F1": "F1", "acc": "acc", "F1a": "F1a"}


def _percent(values: pd.Series) -> pd.Series:
    """Paper tables print percentages; the schema stores fractions (rounded to kill float noise)."""
    return (values.astype(float) / 100).round(6)


def _six_nd(n_params: pd.Series, tokens: pd.Series) -> pd.Series:
    return 6 * n_params.astype(float) * tokens.astype(float)


def _curated_chance(project_dir: Path) -> pd.DataFrame:
    curated = pd.read_csv(project_dir / "data" / "curated" / "chance_levels.csv", dtype={"task_metric": str})
    curated["task_metric"] = curated["task_metric"].fillna("")
    return curated


def _bigg_chance(shared: Path) -> pd.Series:
    bigg = pd.read_csv(shared / "bigbench" / "bigbench_scores_long.csv")
    return bigg.groupby("task")["low_score"].first()


def _attach_chance(frame: pd.DataFrame, curated: pd.DataFrame, bigbench_low: pd.Series | None = None) -> pd.DataFrame:
    """Fill `chance` from BIG-bench low_score first, then from the curated table."""
    frame = frame.copy()
    if bigbench_low is not None:
        frame["chance"] = frame["task"].map(bigbench_low)
    exact = curated[curated["task"] != "*"]
    wildcard = curated[curated["task"] == "*"].set_index("benchmark")["chance"]
    keyed = exact.set_index(["benchmark", "task", "task_metric"])["chance"]
    index = pd.MultiIndex.from_frame(frame[["benchmark", "task", "task_metric"]])
    from_curated = pd.Series(keyed.reindex(index).to_numpy(), index=frame.index)
    from_wildcard = frame["benchmark"].map(wildcard)
    frame["chance"] = frame["chance"].fillna(from_curated).fillna(from_wildcard)
    return frame


def _frame(**columns) -> pd.DataFrame:
    """A frame in schema column order; `_line` (the source line of each row) is kept when given."""
    length = max(len(v) for v in columns.values() if isinstance(v, (pd.Series, list, np.ndarray)))
    out = {}
    for name in schema.COLUMNS:
        value = columns.get(name, pd.NA)
        if isinstance(value, pd.Series):
            value = value.to_numpy()
        elif not isinstance(value, (list, np.ndarray)):
            value = [value] * length
        out[name] = value
    if LINE in columns:
        out[LINE] = np.asarray(columns[LINE])
    return pd.DataFrame(out)


def chinchilla(shared: Path, curated: pd.DataFrame, which: str) -> pd.DataFrame:
    raw = read_source(shared / "papers" / f"chinchilla_{which}.csv", ("model", "n_params", "task", "accuracy", "source_table"), ("n_params", "accuracy"))
    benchmark = "mmlu" if which == "mmlu" else "bigbench"
    frame = _frame(
        source_id=f"chinchilla_{which}",
        family=raw["model"],  # two single-model families compared at equal compute
        model=raw["model"].map(lambda m: f"{m} {'70B' if m == 'Chinchilla' else '280B'}"),
        n_params=raw["n_params"],
        training_tokens=raw["model"].map(CHINCHILLA_TOKENS),
        benchmark=benchmark,
        task=raw["task"],
        subtask="",
        task_metric="",
        n_shots=5 if which == "mmlu" else pd.NA,
        prompting="5-shot" if which == "mmlu" else "as in Hoffmann et al. 2022",
        metric="accuracy" if which == "mmlu" else "preferred",
        score=_percent(raw["accuracy"]),
        _line=raw[LINE],
        provenance=PAPERS["hoffmann"] + ", " + raw["source_table"].str.replace("Hoffmann2022 ", "", regex=False),
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated, _bigg_chance(shared) if which == "bigbench" else None)


def palm_bigbench_lite(shared: Path, curated: pd.DataFrame) -> pd.DataFrame:
    raw = read_source(shared / "papers" / "palm_bigbench.csv", ("model", "n_params", "task", "shots", "score"), ("n_params", "shots", "score"))
    frame = _frame(
        source_id="palm_bigbench_lite",
        family="PaLM",
        model=raw["model"],
        n_params=raw["n_params"],
        training_tokens=PALM_TOKENS,
        benchmark="bigbench_lite",
        task=raw["task"],
        subtask="",
        task_metric="",
        n_shots=raw["shots"],
        prompting=raw["shots"].map(lambda k: f"{k}-shot"),
        metric="preferred",
        score=_percent(raw["score"]),
        _line=raw[LINE],
        provenance=PAPERS["chowdhery"] + ", App. H.2 (BIG-bench Lite, 24 tasks)",
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated, _bigg_chance(shared))


def palm_nlu(shared: Path, curated: pd.DataFrame) -> pd.DataFrame:
    raw = read_source(shared / "papers" / "palm_nlu.csv", ("model", "n_params", "task", "shots", "metric", "score", "training_tokens_B"), ("n_params", "score", "training_tokens_B"))
    late = raw["training_tokens_B"] == 1325
    n_shots = raw["shots"].map({"0-shot": 0, "1-shot": 1}).astype("Int64")  # few-shot k varies by task
    frame = _frame(
        source_id="palm_nlu",
        family=np.where(late, "PaLM 62B (1325B tokens)", "PaLM"),
        model=np.where(late, "PaLM 62B (1325B tokens)", raw["model"]),
        n_params=raw["n_params"],
        training_tokens=raw["training_tokens_B"] * 1e9,
        benchmark="english_nlu",
        task=raw["task"],
        subtask="",
        task_metric=raw["metric"].map(PALM_NLU_TASK_METRIC),
        n_shots=n_shots,
        prompting=raw["shots"],
        metric="preferred",
        score=_percent(raw["score"]),
        _line=raw[LINE],
        provenance=np.where(
            late,
            PAPERS["chowdhery"] + ", App. H.1 (later arXiv versions; App. F continued-training checkpoint)",
            PAPERS["chowdhery"] + ", App. H.1 (English NLP tasks on smaller models)",
        ),
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated)


def bigg(shared: Path) -> pd.DataFrame:
    raw = read_source(
        shared / "bigbench" / "bigbench_scores_long.csv",
        ("model_name", "n_params", "task", "subtask", "n_shots", "metric", "score", "low_score", "n_examples"),
        ("n_params", "n_shots", "score", "low_score", "n_examples"),
    )
    frame = _frame(
        source_id="bigg_bigbench",
        family="BIG-G T=0",
        model="BIG-G " + raw["model_name"],
        n_params=raw["n_params"],
        benchmark="bigbench",
        task=raw["task"],
        subtask=raw["subtask"].astype("string").fillna(""),
        task_metric="",
        n_shots=raw["n_shots"],
        prompting=raw["n_shots"].map(lambda k: f"{k}-shot"),
        metric=raw["metric"],
        score=raw["score"],
        chance=raw["low_score"],
        n_items=raw["n_examples"],
        _line=raw[LINE],
        provenance=[BIGG_PROVENANCE.format(task=t, size=s) for t, s in zip(raw["task"], raw["model_name"])],
    )
    return frame


HARNESS_FILE = "extra/pythia_opt_bloom_final.csv"
HARNESS_KEPT_METRICS = ("acc", "acc_norm")  # fractions; the file's lambada perplexity (ppl) is not one


def _harness_source(shared: Path) -> pd.DataFrame:
    return read_source(
        shared / HARNESS_FILE,
        ("family", "model", "n_params", "training_tokens", "flops_6ND", "task", "n_shots", "metric", "score", "stderr", "chance_level", "source"),
        ("n_params", "training_tokens", "flops_6ND", "n_shots", "score", "stderr", "chance_level"),
    )


def ingest_dropped(shared: Path) -> pd.DataFrame:
    """The source rows ingest leaves out, one per row with its file, line and reason (no score),
    so that what was dropped can be stated from `data/` alone: the harness file's perplexities
    and the inverse-scaling figure rows that are no model on a task (`inverse_drop_reason`)."""
    raw = _harness_source(shared)
    dropped = raw[~raw["metric"].isin(HARNESS_KEPT_METRICS)]
    harness = pd.DataFrame(
        {
            "source_file": HARNESS_FILE,
            "line": dropped[LINE],
            "family": dropped["family"].map(EXTRA_FAMILIES),
            "model": dropped["model"],
            "n_shots": dropped["n_shots"],
            "task": dropped["task"],
            "metric": dropped["metric"],
            "reason": "not a fraction: " + dropped["metric"] + " is unbounded",
        }
    )
    inverse = _inverse_source(shared)
    reason = inverse_drop_reason(inverse)
    inverse = inverse[reason != ""]
    figures = pd.DataFrame(
        {
            "source_file": INVERSE_FILE,
            "line": inverse[LINE],
            "family": inverse["model_family"],
            "model": inverse["model"],
            "n_shots": 0,
            "task": inverse["task_slug"],
            "metric": inverse["metric"],
            "reason": reason[reason != ""],
        }
    )
    return pd.concat([harness, figures], ignore_index=True)


def pythia_opt_bloom(shared: Path) -> pd.DataFrame:
    raw = _harness_source(shared)
    raw = raw[raw["metric"].isin(HARNESS_KEPT_METRICS)].copy()  # `ingest_dropped` records the rest
    # The harness reports stderr = sqrt(p(1-p)/(n-1)); inverting it recovers the item count exactly.
    implied = raw["score"] * (1 - raw["score"]) / raw["stderr"] ** 2 + 1
    implied = implied.where(raw["stderr"] > 0)
    n_items = implied.groupby(raw["task"]).transform("median").round()
    frame = _frame(
        source_id="pythia_opt_bloom",
        family=raw["family"].map(EXTRA_FAMILIES),
        model=raw["model"],
        n_params=raw["n_params"],
        training_tokens=raw["training_tokens"],
        training_flops=raw["flops_6ND"],
        benchmark="lm_eval_harness",
        task=raw["task"],
        subtask="",
        task_metric="",
        n_shots=raw["n_shots"],
        prompting=raw["n_shots"].map(lambda k: f"{k}-shot"),
        metric=raw["metric"].map({"acc": "accuracy", "acc_norm": "acc_norm"}),
        score=raw["score"],
        chance=raw["chance_level"],
        n_items=n_items,
        _line=raw[LINE],
        provenance=raw["source"] + " (n_items inverted from the harness stderr)",
    )
    return frame


def _inverse_tasks(shared: Path) -> pd.DataFrame:
    tasks = read_source(shared / "inverse_scaling" / "tasks.csv", ("slug_in_data_release", "task", "prize_round", "hypothesised_cause", "n_examples_paper_table1", "human_agreement_pct", "hf_dataset_round1"), ("n_examples_paper_table1", "human_agreement_pct"))
    results = read_source(shared / "inverse_scaling" / "results_mckenzie2023_figures.csv", ("model_family", "task_slug", "score"), ("score",))
    chance = results[results["model_family"] == "chance baseline"].set_index("task_slug")["score"]
    out = pd.DataFrame(
        {
            "task": tasks["slug_in_data_release"],
            "name": tasks["task"],
            "prize_round": tasks["prize_round"],
            "hypothesised_cause": tasks["hypothesised_cause"],
            "n_items": tasks["n_examples_paper_table1"],
            "human_agreement": (tasks["human_agreement_pct"] / 100).round(4),
            "metric": np.where(tasks["slug_in_data_release"] == "prompt-injection", "loss", "accuracy"),
            "chance": tasks["slug_in_data_release"].map(chance),
            "round1_dataset": tasks["hf_dataset_round1"].fillna(""),
            "provenance": PAPERS["mckenzie"] + ", Table 1; chance from the plotted baseline",
        }
    )
    return out.sort_values("task").reset_index(drop=True)


INVERSE_FILE = "inverse_scaling/results_mckenzie2023_figures.csv"
INVERSE_AVERAGE = "average-10"  # the figures' average over the 10 accuracy tasks
INVERSE_CHANCE = "chance baseline"


def _inverse_source(shared: Path) -> pd.DataFrame:
    return read_source(
        shared / INVERSE_FILE,
        ("model_family", "model", "n_params", "training_flops", "task_slug", "metric", "score", "source_figure"),
        ("n_params", "training_flops", "score"),
    )


def inverse_drop_reason(raw: pd.DataFrame) -> pd.Series:
    """Why a row of the inverse-scaling figures is no model on a task ('' for the rows kept), the
    first reason that applies: the average over tasks, the plotted chance baseline (which
    `_inverse_tasks` keeps as each task's chance level), a model without a parameter count."""
    unsized = sorted(raw.loc[raw["n_params"].isna() & (raw["model_family"] != INVERSE_CHANCE), "model_family"].unique())
    reason = pd.Series("", index=raw.index)
    reason = reason.mask(reason.eq("") & raw["n_params"].isna(), f"no parameter count: {', '.join(unsized)}")
    reason = reason.mask(raw["model_family"] == INVERSE_CHANCE, "the plotted chance baseline, kept as each task's chance level")
    return reason.mask(raw["task_slug"] == INVERSE_AVERAGE, "an average over tasks, not a task")


def inverse_scaling(shared: Path) -> pd.DataFrame:
    raw = _inverse_source(shared)
    raw = raw[inverse_drop_reason(raw) == ""].copy()  # `ingest_dropped` records the rest
    tasks = _inverse_tasks(shared).set_index("task")
    is_loss = raw["metric"].str.startswith("loss")
    provenance = PAPERS["mckenzie"] + ", " + raw["source_figure"]
    provenance = provenance.where(raw["model_family"] != "PaLM", provenance + "; PaLM numbers from " + PAPERS["wei"])
    frame = _frame(
        source_id="inverse_scaling",
        family=raw["model_family"],
        model=raw["model"],
        n_params=raw["n_params"],
        training_flops=raw["training_flops"],
        benchmark="inverse_scaling",
        task=raw["task_slug"],
        subtask="",
        task_metric="",
        n_shots=0,
        prompting="zero-shot, prize format",
        metric=np.where(is_loss, "loss", "accuracy"),
        score=raw["score"],
        chance=raw["task_slug"].map(tasks["chance"]),
        n_items=raw["task_slug"].map(tasks["n_items"]),
        _line=raw[LINE],
        provenance=provenance,
    )
    return frame


def inverse_scaling_claims(shared: Path) -> pd.DataFrame:
    raw = read_source(shared / "inverse_scaling" / "paper_claims.csv", ("source", "topic", "claim_paraphrased", "where"))
    return raw.rename(columns={"claim_paraphrased": "claim", "where": "reference"})[["source", "topic", "claim", "reference"]]


def neqa_prompting(shared: Path) -> pd.DataFrame:
    raw = read_source(
        shared / "inverse_scaling" / "neqa_prompting_zhang2023_notebook.csv",
        ("task", "model_family", "model_api_name_inferred", "model_label_in_source", "prompting", "score", "source"),
    )
    # Keep the task: the notebook mixes NeQA rows with 10 rows of the original, non-negated questions.
    return pd.DataFrame(
        {
            "task": raw["task"],
            "model_family": raw["model_family"],
            "model": raw["model_api_name_inferred"],
            "model_label": raw["model_label_in_source"],
            "prompting": raw["prompting"],
            "score": _percent(raw["score"]),
            "provenance": raw["source"],
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["family", "n_params", "model", "benchmark", "task", "subtask", "task_metric", "n_shots", "prompting", "metric"]
    return frame.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def datapackage(sources: dict[str, pd.DataFrame]) -> dict:
    resources = []
    for source in data.SOURCES:
        frame = sources[source.source_id]
        resources.append(
            {
                "name": source.source_id.replace("_", "-"),
                "path": f"scores/{source.source_id}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "description": source.description,
                "rows": int(len(frame)),
                "schema": schema.table_schema(),
            }
        )
    for name, description in SIDE_TABLES.items():
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "description": description,
            }
        )
    return {
        "name": "scaling-report-data",
        "title": "Per-task benchmark scores across model sizes",
        "description": "Tidy long tables derived by `scaling-report ingest` from published numbers; see each row's provenance.",
        "licenses": [{"name": "CC-BY-4.0", "title": "Numbers as published by their authors; compilation CC BY 4.0"}],
        "resources": resources,
    }


SIDE_TABLES = {
    "inverse_scaling_tasks": "The 11 Inverse Scaling Prize tasks: item counts, chance level, hypothesised cause, round.",
    "inverse_scaling_claims": "History of the U-shaped-scaling claim: paraphrased claims per paper version, with references.",
    "neqa_prompting": "NeQA accuracy (fraction) under zero-shot, zero-shot with hint and few-shot chain-of-thought prompting.",
    "ingest_dropped": "Source rows ingest leaves out (metrics that are not fractions; inverse-scaling figure rows that are no model on a task), each with its source file, line and reason.",
}


def _source_error(error: data.DataValidationError, frame: pd.DataFrame, source: Path, derived: str) -> data.DataValidationError:
    """Name the source file and line of each problem found in a derived table."""
    problems = []
    for p in error.problems:
        if p.line is not None and p.line >= 2 and LINE in frame.columns and p.line - 2 < len(frame):
            line = int(frame[LINE].iloc[p.line - 2])
            problems.append(IngestError(source, f"{p.rule} (in the derived {derived}, line {p.line})", line, p.column, p.model))
        else:
            problems.append(IngestError(source, f"{p.rule} (in the derived {derived})", None, p.column, p.model))
    first = problems[0]
    return data.DataValidationError(first.file, first.rule, first.line, first.column, first.model, problems, error.total)


def _swap(staging: Path, out: Path) -> None:
    """Replace `out` by `staging` with two renames (the old folder is kept until the second succeeds)."""
    backup = out.with_name(f".{out.name}-previous")
    if backup.exists():
        shutil.rmtree(backup)
    if out.exists():
        os.replace(out, backup)
    try:
        os.replace(staging, out)
    except OSError:
        if backup.exists():
            os.replace(backup, out)
        raise
    if backup.exists():
        shutil.rmtree(backup)


def run(shared: Path, project_dir: Path | None = None, accept_changes: bool = False) -> dict[str, int]:
    """Derive every tidy table, `data/datapackage.json` and `data/manifest.json`, all or nothing.

    Returns the rows written per table. Nothing in `data/` changes unless every source reads
    cleanly and every derived table validates.
    """
    shared = Path(shared)
    project_dir = Path(project_dir or data.PROJECT_DIR)
    out = project_dir / "data"
    if not (shared / "README.md").exists():
        raise FileNotFoundError(f"{shared} does not look like the shared data folder (no README.md)")
    previous = json.loads((out / MANIFEST).read_text()) if (out / MANIFEST).exists() else {}
    curated = _curated_chance(project_dir)
    builders = {
        "chinchilla_mmlu": lambda: chinchilla(shared, curated, "mmlu"),
        "chinchilla_bigbench": lambda: chinchilla(shared, curated, "bigbench"),
        "palm_bigbench_lite": lambda: palm_bigbench_lite(shared, curated),
        "palm_nlu": lambda: palm_nlu(shared, curated),
        "bigg_bigbench": lambda: bigg(shared),
        "pythia_opt_bloom": lambda: pythia_opt_bloom(shared),
        "inverse_scaling": lambda: inverse_scaling(shared),
    }
    side_builders = {
        "inverse_scaling_tasks": lambda: _inverse_tasks(shared),
        "inverse_scaling_claims": lambda: inverse_scaling_claims(shared),
        "neqa_prompting": lambda: neqa_prompting(shared),
        "ingest_dropped": lambda: ingest_dropped(shared),
    }
    # 1. Build everything in memory; a source that cannot be read stops the run before any write.
    errors: list[data.DataValidationError] = []
    built: dict[str, pd.DataFrame] = {}
    for source_id, build in {**builders, **side_builders}.items():
        try:
            built[source_id] = build()
        except data.DataValidationError as error:
            errors.append(error)
    if errors:
        raise data.DataValidationError.combine(errors)
    project_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".data-ingest-", dir=project_dir))
    try:
        # 2. Write into a staging copy of data/ and validate what was written, as the loader will read it.
        if out.exists():
            shutil.copytree(out, staging, dirs_exist_ok=True)
        written: dict[str, int] = {}
        sources: dict[str, pd.DataFrame] = {}
        tables: dict[str, dict] = {}
        for source_id in builders:
            frame = _sorted(built[source_id])
            relative = f"scores/{source_id}.csv"
            path = staging / relative
            write_csv(frame.drop(columns=[LINE], errors="ignore"), path)
            source = shared / SOURCE_FILES.get(source_id, (relative,))[0]
            try:
                data.load_table(path)
            except data.DataValidationError as error:
                errors.append(_source_error(error, frame, source, f"data/{relative}"))
            sources[source_id] = frame
            written[relative] = len(frame)
        for name in side_builders:
            relative = f"{name}.csv"
            write_csv(built[name].drop(columns=[LINE], errors="ignore"), staging / relative)
            written[relative] = len(built[name])
        if errors:
            raise data.DataValidationError.combine(errors)
        # The controlled ladders (OLMo ladder, open_lm): validated as they are written.
        controlled_written, controlled_resources = sources_controlled.write(shared, project_dir, out=staging)
        written |= controlled_written
        # Last, the files against the last ingest: a file that reads cleanly may still be cut short.
        source_records = check_manifest(shared, previous, accept_changes)
        package = datapackage(sources)
        package["resources"] += controlled_resources
        (staging / "datapackage.json").write_text(json.dumps(package, indent=2, sort_keys=True) + "\n")
        for relative, rows in written.items():
            tables[relative] = {"rows": rows, "sha256": hashlib.sha256((staging / relative).read_bytes()).hexdigest()}
        manifest = {
            "about": "Written by `scaling-report ingest`: the source files read (rows, sha256) and the tables derived from them.",
            "sources": source_records,
            "tables": tables,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        # 3. One swap: data/ is either the old folder or the new one, never a mix.
        _swap(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return written
