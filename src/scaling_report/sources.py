"""The "Data sources" appendix: every source, generated from `data/`, never typed by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from . import data, schema
from .ladders import size_label


def _provenance_summary(values: pd.Series) -> str:
    """Distinct provenance strings; long lists collapse to their shared prefix and a count."""
    distinct = sorted(values.unique())
    if len(distinct) <= 3:
        return "; ".join(distinct)
    prefix = os.path.commonprefix(distinct).rstrip("/_-{")
    return f"{prefix}… ({len(distinct)} distinct files or tables)"


def _source_row(source: data.Source, frame: pd.DataFrame, file: str) -> dict:
    sizes = sorted(frame["n_params"].unique())
    return {
        "Source": source.source_id,
        "What": source.description,
        "File": file,
        "Rows": len(frame),
        "Families": ", ".join(sorted(frame["family"].unique())),
        "Sizes": f"{len(sizes)} ({size_label(sizes[0])}–{size_label(sizes[-1])})" if len(sizes) > 1 else size_label(sizes[0]),
        "Tasks": int(frame[["benchmark", "task", "subtask", "task_metric"]].drop_duplicates().shape[0]),
        "Provenance": _provenance_summary(frame["provenance"]),
    }


def sources_table(data_dir=None) -> pd.DataFrame:
    """One row per published source (`data.SOURCES`): rows, families, sizes, tasks and provenance."""
    return pd.DataFrame([_source_row(s, data.load_source(s.source_id, data_dir), f"data/scores/{s.source_id}.csv") for s in data.SOURCES])


def controlled_sources_table(data_dir=None) -> pd.DataFrame:
    """The same for the controlled ladders (`data.CONTROLLED_SOURCES`), which are kept out of
    `data.load_all` because one size has several training runs there."""
    return pd.DataFrame(
        [
            _source_row(s, data.load_controlled(s.source_id, data_dir), f"data/scores/{data.controlled_path(s.source_id, data_dir).name}")
            for s in data.CONTROLLED_SOURCES
        ]
    )


def totals(data_dir=None) -> dict:
    """Totals across every source, for prose."""
    frame = data.load_all(data_dir)
    return {
        "rows": len(frame),
        "sources": frame["source_id"].nunique(),
        "families": frame["family"].nunique(),
        "models": frame[["family", "model"]].drop_duplicates().shape[0],
        "tasks": frame[["benchmark", "task", "subtask", "task_metric"]].drop_duplicates().shape[0],
        "missing_chance": int(frame["chance"].isna().sum()),
        "missing_chance_tasks": ", ".join(sorted(frame.loc[frame["chance"].isna() & (frame["metric"] != "loss"), "task"].unique())),
    }


def controlled_totals(data_dir=None) -> dict:
    """Tables, rows and families of the controlled ladders, for prose."""
    frames = [data.load_controlled(s.source_id, data_dir) for s in data.CONTROLLED_SOURCES]
    return {
        "tables": len(frames),
        "rows": sum(len(frame) for frame in frames),
        "families": sorted(set().union(*(frame["family"].unique() for frame in frames))),
    }


def side_tables_table(data_dir=None) -> pd.DataFrame:
    """The tables in data/ besides the scores (task metadata, claims, prompting results, what
    ingest dropped), with their rows, as `data/datapackage.json` describes them."""
    data_dir = data_dir or data.DATA_DIR
    package = json.loads((data_dir / "datapackage.json").read_text())
    rows = []
    for resource in package["resources"]:
        if resource["path"].startswith("scores/"):
            continue
        rows.append({"File": f"data/{resource['path']}", "Rows": len(data.read_csv(data_dir / resource["path"])), "What": resource["description"]})
    return pd.DataFrame(rows)


def schema_table() -> pd.DataFrame:
    """The long schema's columns: type, required, range and meaning."""
    rows = []
    for field in schema.FIELDS:
        low = "" if field.minimum is None else (f"> {field.minimum:g}" if field.exclusive_minimum else f"≥ {field.minimum:g}")
        high = "" if field.maximum is None else f"≤ {field.maximum:g}"
        rows.append(
            {
                "Column": field.name,
                "Type": field.type,
                "Required": "yes" if field.required else "",
                "Range": ", ".join(x for x in (low, high) if x),
                "Key": "yes" if field.name in schema.PRIMARY_KEY else "",
                "Meaning": field.description,
            }
        )
    return pd.DataFrame(rows)


CHANCE_FILE = Path("curated") / "chance_levels.csv"
WILDCARD = "*"  # a curated row for every task of its benchmark


def curated_chance(data_dir=None) -> pd.DataFrame:
    """The chance levels the project sets (data/curated/chance_levels.csv), typed."""
    curated = data.read_csv((data_dir or data.DATA_DIR) / CHANCE_FILE)
    curated["chance"] = curated["chance"].astype(float)
    curated["task_metric"] = curated["task_metric"].fillna("")
    return curated


def chance_kind(chance: float) -> str:
    """Why a curated chance level has its value, read from the value: 0 for generation scored by
    string match, 1/k for a choice among k options, anything else a mixture of option counts."""
    if chance == 0:
        return "generated answers scored by match, where guessing scores 0"
    options = 1 / chance
    if abs(options - round(options)) < 0.01:  # 0.3333 is 1/3 as the table rounds it
        return f"choices among {round(options)} options"
    return "mixed numbers of options"


def chance_origin(data_dir=None) -> pd.DataFrame:
    """Per task (benchmark, task, task_metric) of the scores: where its chance level comes from.

    'project' when the curated table lists the task (or its benchmark with the wildcard): ingest
    fills chance from that table only where the source gives none, and no source gives one for
    a listed task (a test checks this against the shared files). 'source' when the task has a
    chance level otherwise, 'none' when it has none. Loss rows (no chance by design) are left out.
    """
    frame = data.load_all(data_dir)
    frame = frame[frame["metric"] != "loss"]
    keys = ["benchmark", "task", "task_metric"]
    tasks = frame.assign(task_metric=frame["task_metric"].fillna("")).groupby(keys, as_index=False)["chance"].first()
    curated = curated_chance(data_dir)
    exact = set(curated.loc[curated["task"] != WILDCARD, keys].itertuples(index=False, name=None))
    wildcard = set(curated.loc[curated["task"] == WILDCARD, "benchmark"])
    listed = [key in exact or key[0] in wildcard for key in tasks[keys].itertuples(index=False, name=None)]
    tasks["origin"] = np.where(listed, "project", np.where(tasks["chance"].notna(), "source", "none"))
    tasks["wildcard"] = [key not in exact and key[0] in wildcard for key in tasks[keys].itertuples(index=False, name=None)]
    return tasks


def chance_table(data_dir=None) -> pd.DataFrame:
    """Chance levels we set where no source gives one, with the reason for each: the commonest
    kind of reason first, then by benchmark and task."""
    curated = curated_chance(data_dir)
    curated["Kind"] = curated["chance"].map(chance_kind)
    curated["_entries"] = curated.groupby("Kind")["Kind"].transform("size")
    curated = curated.sort_values(["_entries", "chance", "benchmark", "task", "task_metric"], ascending=[False, True, True, True, True], kind="mergesort")
    out = curated.rename(columns={"benchmark": "Benchmark", "task": "Task", "task_metric": "Task metric", "chance": "Chance", "basis": "Basis"})
    return out[["Kind", "Benchmark", "Task", "Task metric", "Chance", "Basis"]].fillna("").reset_index(drop=True)
