"""The appendix's numbers about what ingest keeps and drops, recounted from the files with the csv module."""

from __future__ import annotations

import csv

import pytest

from scaling_report import data, emergence
from scaling_report import data_sources_facts as dsf


@pytest.fixture(scope="module")
def harness_rows():
    path = dsf.default_shared_dir() / dsf.HARNESS_FILE
    if not path.exists():
        pytest.skip("the shared data folder is not next to the project")
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_dropped_rows_are_the_non_fraction_metrics(harness_rows):
    facts = dsf.data_sources_facts()
    dropped = [r for r in harness_rows if r["metric"] not in ("acc", "acc_norm")]
    assert facts.harness_rows == f"{len(harness_rows):,}"
    assert facts.dropped_rows == f"{len(dropped):,}"
    assert facts.dropped_what == ", ".join(sorted({f"{r['task']} ({r['metric']})" for r in dropped}))
    # Every dropped row is a score above 1 or a perplexity: not a fraction.
    assert all(r["metric"] == "ppl" for r in dropped)
    tasks = {r["task"] for r in dropped}
    kept = [r for r in harness_rows if r["task"] in tasks and r["metric"] == "acc"]
    assert facts.dropped_kept_accuracy == ("also" if kept else "not")


def test_ingested_data_hold_none_of_the_dropped_metric(harness_rows):
    frame = data.load_pythia_opt_bloom()
    assert set(frame["metric"]) <= {"accuracy", "acc_norm"}
    kept = [r for r in harness_rows if r["metric"] in ("acc", "acc_norm")]
    assert len(frame) == len(kept)


def test_bigg_numbers():
    facts = dsf.data_sources_facts()
    bigg = data.load_bigg()
    assert facts.bigg_tasks == str(len({(t, s) for t, s in zip(bigg["task"], bigg["subtask"])}))
    assert facts.bigg_item_cap == f"{emergence.BIGG_ITEM_CAP:,}"


def test_missing_shared_folder(tmp_path):
    facts = dsf.data_sources_facts(tmp_path)
    assert not facts.harness_available
    assert facts.dropped_rows == "—"
