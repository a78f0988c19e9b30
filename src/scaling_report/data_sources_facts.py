"""Every number the "Data sources" appendix prints, computed from `data/` alone.

Nothing here reads the shared source folder: a clone without ../shared renders the same
appendix. What ingest leaves out of a source is recorded by ingest itself
(`data/ingest_dropped.csv`, rows of the source file in `data/manifest.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


from . import data, emergence, ingest, sources
from .empirical import join_words


@dataclass(frozen=True)
class DataSourcesFacts:
    # What data/ holds
    rows: str
    n_sources: int
    n_families: int
    n_models: int
    n_tasks: str
    missing_chance_tasks: str  # tasks without a chance level (loss rows aside), comma-separated
    # BIG-G
    bigg_tasks: str
    bigg_item_cap: str
    # What ingest leaves out of the harness file
    harness_rows: str  # rows of the harness source file, as ingest read it
    dropped_rows: str  # rows ingest leaves out (metrics other than accuracy)
    dropped_what: str  # e.g. "lambada_openai (ppl)"
    dropped_models: str  # model and shot settings with a dropped row
    dropped_kept_accuracy: str  # "also" when the same task's accuracy rows are kept, else "not"
    # What ingest leaves out of the inverse-scaling figures file
    inverse_rows: str  # rows of that source file, as ingest read it
    inverse_kept: str  # rows in data/scores/inverse_scaling.csv
    inverse_dropped: str
    inverse_dropped_what: str  # "58 (an average over tasks, not a task), ...", commonest first
    # The controlled ladders, kept out of the totals above (@tbl-data-sources-controlled)
    controlled_tables: int
    controlled_rows: str
    controlled_families: int
    controlled_family_names: str
    side_tables: int  # metadata tables in data/ besides the scores (@tbl-data-sources-side)
    # Chance levels the project sets (@tbl-data-sources-chance)
    chance_entries: int  # rows of the curated table
    chance_project_tasks: int  # tasks whose chance level comes from that table
    chance_wildcard_tasks: int  # of those, tasks covered by a whole-benchmark row (MMLU)
    chance_wildcard_benchmark: str
    chance_tasks: int  # tasks scored as fractions (loss rows have no chance level by design)
    chance_source_tasks: int  # tasks whose chance level comes from their source
    chance_missing: int  # tasks with none
    chance_kind1: str  # the commonest kind of reason, with its number of entries
    chance_kind1_entries: int
    chance_kind2: str
    chance_kind2_entries: int
    chance_kind3: str
    chance_kind3_entries: int


def source_file_rows(file: str, data_dir: Path | None = None) -> int:
    """Rows of one shared source file as the last ingest read them (data/manifest.json)."""
    manifest = json.loads(((data_dir or data.DATA_DIR) / ingest.MANIFEST).read_text())
    return int(manifest["sources"][file]["rows"])


def harness_source_rows(data_dir: Path | None = None) -> int:
    """Rows of the harness source file as the last ingest read them."""
    return source_file_rows(ingest.HARNESS_FILE, data_dir)


def data_sources_facts(data_dir: Path | None = None) -> DataSourcesFacts:
    data_dir = data_dir or data.DATA_DIR
    total = sources.totals(data_dir)
    bigg = data.load_bigg(data_dir)
    all_drops = data.load_side_table("ingest_dropped", data_dir)
    drops = all_drops[all_drops["source_file"] == ingest.HARNESS_FILE]
    inverse_drops = all_drops[all_drops["source_file"] == ingest.INVERSE_FILE]
    reasons = inverse_drops["reason"].value_counts()  # commonest first
    controlled = sources.controlled_totals(data_dir)
    kept = data.load_pythia_opt_bloom(data_dir)
    pairs = drops[["task", "metric"]].drop_duplicates()
    origin = sources.chance_origin(data_dir)
    project = origin[origin["origin"] == "project"]
    wildcard = project[project["wildcard"]]
    curated = sources.curated_chance(data_dir)
    kinds = curated["chance"].map(sources.chance_kind).value_counts(sort=False)
    # Commonest first; ties in the order the table shows them (by chance level).
    order = sorted(kinds.index, key=lambda k: (-kinds[k], curated.loc[curated["chance"].map(sources.chance_kind) == k, "chance"].min()))
    return DataSourcesFacts(
        rows=f"{total['rows']:,}",
        n_sources=total["sources"],
        n_families=total["families"],
        n_models=total["models"],
        n_tasks=f"{total['tasks']:,}",
        missing_chance_tasks=total["missing_chance_tasks"],
        bigg_tasks=f"{bigg[['task', 'subtask']].drop_duplicates().shape[0]:,}",
        bigg_item_cap=f"{emergence.BIGG_ITEM_CAP:,}",
        harness_rows=f"{harness_source_rows(data_dir):,}",
        dropped_rows=f"{len(drops):,}",
        dropped_what=join_words(f"{t} ({m})" for t, m in zip(pairs["task"], pairs["metric"])),
        dropped_models=f"{drops[['family', 'model', 'n_shots']].drop_duplicates().shape[0]:,}",
        dropped_kept_accuracy="also" if (kept["task"].isin(drops["task"]) & (kept["metric"] == "accuracy")).any() else "not",
        inverse_rows=f"{source_file_rows(ingest.INVERSE_FILE, data_dir):,}",
        inverse_kept=f"{len(data.load_inverse_scaling(data_dir)):,}",
        inverse_dropped=f"{len(inverse_drops):,}",
        inverse_dropped_what=join_words(f"{count:,} ({reason})" for reason, count in reasons.items()) if len(reasons) else "none",
        controlled_tables=controlled["tables"],
        controlled_rows=f"{controlled['rows']:,}",
        controlled_families=len(controlled["families"]),
        controlled_family_names=join_words(controlled["families"]),
        side_tables=len(sources.side_tables_table(data_dir)),
        chance_entries=len(curated),
        chance_project_tasks=len(project),
        chance_wildcard_tasks=len(wildcard),
        chance_wildcard_benchmark=join_words(sorted(set(wildcard["benchmark"]))) if len(wildcard) else "none",
        chance_tasks=len(origin),
        chance_source_tasks=int((origin["origin"] == "source").sum()),
        chance_missing=int((origin["origin"] == "none").sum()),
        chance_kind1=order[0], chance_kind1_entries=int(kinds[order[0]]),
        chance_kind2=order[1], chance_kind2_entries=int(kinds[order[1]]),
        chance_kind3=order[2], chance_kind3_entries=int(kinds[order[2]]),
    )
