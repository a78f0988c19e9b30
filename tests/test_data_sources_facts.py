"""The appendix's numbers, recounted from the files with the csv module; and the same numbers
from a copy of data/ with no shared folder beside it."""

from __future__ import annotations

import csv
import shutil

import pytest

from scaling_report import data, emergence, ingest
from scaling_report import data_sources_facts as dsf
from conftest import PROJECT_DIR, SHARED_DATA


def _rows(path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def facts():
    return dsf.data_sources_facts()


@pytest.fixture(scope="module")
def harness_rows():
    path = SHARED_DATA / ingest.HARNESS_FILE
    if not path.exists():
        pytest.skip("the shared data folder is not next to the project")
    return _rows(path)


def test_facts_do_not_need_the_shared_folder(tmp_path, facts):
    """A clone without ../shared: data/ copied where no shared folder sits beside it."""
    clone = tmp_path / "clone"
    shutil.copytree(PROJECT_DIR / "data", clone / "data")
    assert not (clone.parent / "shared").exists()
    assert dsf.data_sources_facts(clone / "data") == facts
    assert "—" not in (facts.harness_rows, facts.dropped_rows, facts.dropped_what, facts.dropped_models)


def test_dropped_rows_are_the_non_fraction_metrics(harness_rows, facts):
    dropped = [r for r in harness_rows if r["metric"] not in ("acc", "acc_norm")]
    assert facts.harness_rows == f"{len(harness_rows):,}"
    assert facts.dropped_rows == f"{len(dropped):,}"
    assert facts.dropped_what == ", ".join(sorted({f"{r['task']} ({r['metric']})" for r in dropped}))
    assert facts.dropped_models == f"{len({(r['family'], r['model'], r['n_shots']) for r in dropped}):,}"
    # Every dropped row is a perplexity: not a fraction.
    assert all(r["metric"] == "ppl" for r in dropped)
    tasks = {r["task"] for r in dropped}
    kept = [r for r in harness_rows if r["task"] in tasks and r["metric"] == "acc"]
    assert facts.dropped_kept_accuracy == ("also" if kept else "not")


def test_dropped_table_points_at_the_dropped_source_lines(harness_rows):
    """Each recorded (file, line) is a dropped row of the source file (line 1 is the header)."""
    recorded = [r for r in _rows(PROJECT_DIR / "data" / "ingest_dropped.csv") if r["source_file"] == ingest.HARNESS_FILE]
    dropped_lines = {i + 2 for i, r in enumerate(harness_rows) if r["metric"] not in ("acc", "acc_norm")}
    assert {int(r["line"]) for r in recorded} == dropped_lines
    for r in recorded:
        source = harness_rows[int(r["line"]) - 2]
        assert (r["model"], r["task"], r["metric"]) == (source["model"], source["task"], source["metric"])


def test_ingested_data_hold_none_of_the_dropped_metric(facts):
    frame = data.load_pythia_opt_bloom()
    assert set(frame["metric"]) <= {"accuracy", "acc_norm"}
    manifest_rows = dsf.harness_source_rows()
    assert len(frame) + int(facts.dropped_rows) == manifest_rows


def test_bigg_numbers(facts):
    bigg = data.load_bigg()
    assert facts.bigg_tasks == str(len({(t, s) for t, s in zip(bigg["task"], bigg["subtask"])}))
    assert facts.bigg_item_cap == f"{emergence.BIGG_ITEM_CAP:,}"


def _score_tasks():
    """(benchmark, task, task_metric) -> set of chance cells, over every score file but loss rows."""
    tasks: dict[tuple, set] = {}
    for source in data.SOURCES:
        for r in _rows(PROJECT_DIR / "data" / "scores" / f"{source.source_id}.csv"):
            if r["metric"] != "loss":
                tasks.setdefault((r["benchmark"], r["task"], r["task_metric"]), set()).add(r["chance"])
    return tasks


def test_chance_counts(facts):
    curated = _rows(PROJECT_DIR / "data" / "curated" / "chance_levels.csv")
    tasks = _score_tasks()
    exact = {(r["benchmark"], r["task"], r["task_metric"]): float(r["chance"]) for r in curated if r["task"] != "*"}
    wildcard = {r["benchmark"]: float(r["chance"]) for r in curated if r["task"] == "*"}
    project = {k for k in tasks if k in exact or k[0] in wildcard}
    # Ingest used the curated value for every listed task, and every listed task exists.
    for key in project:
        assert {float(c) for c in tasks[key]} == {exact.get(key, wildcard.get(key[0]))}, key
    assert set(exact) <= set(tasks)
    missing = {k for k in tasks if k not in project and tasks[k] == {""}}
    assert facts.chance_entries == len(curated)
    assert facts.chance_tasks == len(tasks)
    assert facts.chance_project_tasks == len(project)
    assert facts.chance_wildcard_tasks == len({k for k in project if k not in exact})
    # The prose: one asterisked row covers the wildcard tasks, hence the table's row count.
    assert len(wildcard) == 1 and facts.chance_project_tasks - facts.chance_wildcard_tasks + len(wildcard) == facts.chance_entries
    assert facts.chance_missing == len(missing)
    assert facts.chance_source_tasks == len(tasks) - len(project) - len(missing)
    assert facts.missing_chance_tasks == ", ".join(sorted({k[1] for k in missing}))
    # The three commonest reasons, by chance value: 0 (generation), 1/4 and 1/2.
    values = [float(r["chance"]) for r in curated]
    counts = sorted(((values.count(v), v) for v in set(values)), key=lambda cv: (-cv[0], cv[1]))
    assert [facts.chance_kind1_entries, facts.chance_kind2_entries, facts.chance_kind3_entries] == [c for c, _ in counts[:3]]
    assert facts.chance_kind1 == "generated answers scored by match, where guessing scores 0" and counts[0][1] == 0


def test_no_source_gives_a_chance_for_a_listed_task():
    """The rule `chance_origin` relies on: ingest prefers BIG-bench's low_score, and none of the
    curated tasks has one."""
    path = SHARED_DATA / "bigbench" / "bigbench_scores_long.csv"
    if not path.exists():
        pytest.skip("the shared data folder is not next to the project")
    with_low = {r["task"] for r in _rows(path) if r["low_score"] != ""}
    curated = _rows(PROJECT_DIR / "data" / "curated" / "chance_levels.csv")
    assert not {r["task"] for r in curated} & with_low


def test_chance_table_lists_commonest_reason_first():
    from scaling_report import sources

    table = sources.chance_table()
    sizes = table.groupby("Kind", sort=False).size()
    assert list(sizes) == sorted(sizes, reverse=True)
    assert table["Kind"].ne(table["Kind"].shift()).sum() == len(sizes)  # each kind in one block
    assert len(table) == len(_rows(PROJECT_DIR / "data" / "curated" / "chance_levels.csv"))


def test_inverse_scaling_drops_recounted_from_the_source_file(facts):
    """The figures file's rows that are no model on a task, recounted with the csv module: the
    average over tasks, the chance baseline, and models without a size (GPT-4)."""
    path = SHARED_DATA / ingest.INVERSE_FILE
    if not path.exists():
        pytest.skip("the shared data folder is not next to the project")
    rows = _rows(path)
    average = [i for i, r in enumerate(rows) if r["task_slug"] == "average-10"]
    chance = [i for i, r in enumerate(rows) if r["model_family"] == "chance baseline" and i not in average]
    unsized = [i for i, r in enumerate(rows) if r["n_params"] == "" and i not in average and i not in chance]
    assert facts.inverse_rows == f"{len(rows):,}"
    assert facts.inverse_dropped == f"{len(average) + len(chance) + len(unsized):,}"
    assert int(facts.inverse_kept) == len(rows) - int(facts.inverse_dropped) == len(_rows(PROJECT_DIR / "data" / "scores" / "inverse_scaling.csv"))
    families = sorted({rows[i]["model_family"] for i in unsized})
    assert families == ["GPT-4", "GPT-4 RLHF"]
    assert f"{len(average)} (an average over tasks" in facts.inverse_dropped_what
    assert f"{len(unsized)} (no parameter count: GPT-4, GPT-4 RLHF)" in facts.inverse_dropped_what
    assert f"{len(chance)} (the plotted chance baseline" in facts.inverse_dropped_what
    recorded = {int(r["line"]) for r in _rows(PROJECT_DIR / "data" / "ingest_dropped.csv") if r["source_file"] == ingest.INVERSE_FILE}
    assert recorded == {i + 2 for i in average + chance + unsized}


def test_controlled_totals_recounted(facts):
    """The controlled ladders' rows and families, read with the csv module (gzip for the checkpoint tables)."""
    import gzip

    rows, families = 0, set()
    for source in data.CONTROLLED_SOURCES:
        path = data.controlled_path(source.source_id)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", newline="") as handle:
            for r in csv.DictReader(handle):
                rows += 1
                families.add(r["family"])
    assert facts.controlled_tables == len(data.CONTROLLED_SOURCES) == 4
    assert facts.controlled_rows == f"{rows:,}"
    assert facts.controlled_families == len(families) and facts.controlled_family_names.startswith(sorted(families)[0])


def test_side_tables_are_every_other_table_in_data():
    from scaling_report import sources

    table = sources.side_tables_table()
    on_disk = {f"data/{p.name}" for p in (PROJECT_DIR / "data").glob("*.csv")}
    assert set(table["File"]) == on_disk
    for file, n in zip(table["File"], table["Rows"]):
        assert n == len(_rows(PROJECT_DIR / file))
