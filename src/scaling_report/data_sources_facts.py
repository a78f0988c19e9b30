"""Numbers the "Data sources" appendix states about what ingest keeps and leaves out.

Computed from `data/` and from the shared source folder, so the appendix types no number by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data, emergence

HARNESS_FILE = Path("extra") / "pythia_opt_bloom_final.csv"
KEPT_METRICS = ("acc", "acc_norm")  # what ingest keeps from the harness file (fractions only)


def default_shared_dir() -> Path:
    """The shared source folder next to the project (../shared/data), as the ingest command is run."""
    return data.PROJECT_DIR.parent / "shared" / "data"


@dataclass(frozen=True)
class DataSourcesFacts:
    bigg_tasks: str
    bigg_item_cap: str
    harness_available: bool  # False when the shared folder is not next to the project at build time
    harness_rows: str  # rows in the harness source file
    dropped_rows: str  # rows ingest leaves out (metrics other than accuracy)
    dropped_what: str  # e.g. "lambada_openai perplexity (ppl)"
    dropped_models: str
    dropped_kept_accuracy: str  # "also" when the same task's accuracy rows are kept


def harness_drops(shared_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(all harness rows, those whose metric is not a fraction and ingest drops); None if the file is absent."""
    path = (shared_dir or default_shared_dir()) / HARNESS_FILE
    if not path.exists():
        return None
    raw = pd.read_csv(path)
    return raw, raw[~raw["metric"].isin(KEPT_METRICS)]


def data_sources_facts(shared_dir: Path | None = None) -> DataSourcesFacts:
    bigg = data.load_bigg()
    found = harness_drops(shared_dir)
    if found is None:
        harness_rows = dropped = what = models = kept = "—"
    else:
        raw, drops = found
        harness_rows = f"{len(raw):,}"
        dropped = f"{len(drops):,}"
        pairs = drops[["task", "metric"]].drop_duplicates()
        what = _join(f"{t} ({m})" for t, m in zip(pairs["task"], pairs["metric"]))
        models = f"{drops[['family', 'model', 'n_shots']].drop_duplicates().shape[0]:,}"
        accuracy = raw[raw["task"].isin(drops["task"]) & raw["metric"].isin(KEPT_METRICS)]
        kept = "also" if len(accuracy) else "not"
    return DataSourcesFacts(
        bigg_tasks=f"{bigg[['task', 'subtask']].drop_duplicates().shape[0]:,}",
        bigg_item_cap=f"{emergence.BIGG_ITEM_CAP:,}",
        harness_available=found is not None,
        harness_rows=harness_rows,
        dropped_rows=dropped,
        dropped_what=what,
        dropped_models=models,
        dropped_kept_accuracy=kept,
    )


def _join(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
