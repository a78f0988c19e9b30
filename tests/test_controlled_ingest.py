"""The controlled-ladder tables (OLMo ladder, open_lm): what ingest wrote, and how bad input is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_report import data, measured_noise, schema
from conftest import PROJECT_DIR, SHARED_DATA

needs_shared = pytest.mark.skipif(not (SHARED_DATA / "README.md").exists(), reason="../shared/data is absent")


@pytest.fixture(scope="module")
def olmo():
    return data.load_olmo_ladder()


@pytest.fixture(scope="module")
def open_lm():
    return data.load_open_lm()


def test_olmo_ladder_has_thirty_runs_and_five_reruns(olmo):
    runs = olmo.drop_duplicates("model")
    assert len(runs) == 30
    assert sorted(runs.loc[runs["run"] == 1, "model"]) == sorted(f"{s}-1xC-rerun" for s in ("190M", "370M", "760M", "1B", "3B"))
    assert set(runs["data_multiplier"]) == {0.5, 1.0, 2.0, 5.0, 10.0}
    # 20 task/splits + 2 MMLU averages, each with accuracy and BPB
    assert olmo.groupby("model").size().eq(44).all()


def test_olmo_ladder_metrics_and_metadata(olmo):
    boolq = olmo[(olmo["task"] == "boolq_val") & (olmo["metric"] == "preferred")]
    assert set(boolq["task_metric"]) == {"acc"}  # BoolQ is scored by raw accuracy, the rest by len_norm
    assert set(olmo.loc[(olmo["metric"] == "preferred") & (olmo["task"] != "boolq_val"), "task_metric"]) == {"len_norm"}
    assert olmo.loc[olmo["metric"] == "bpb", "chance"].isna().all()
    counts = olmo[olmo["metric"] == "preferred"].groupby("task")["n_items"].first()
    assert counts["hellaswag_val"] == 10042 and counts["openbookqa_test"] == 500  # published split sizes
    # tokens: 20 tokens per parameter times the multiplier, rounded up by at most 0.3%
    nominal = 20 * olmo["data_multiplier"] * olmo["n_params"]
    assert ((olmo["training_tokens"] / nominal - 1).between(0, 0.003)).all()


def test_every_accuracy_is_a_whole_number_of_items(olmo):
    acc = olmo[(olmo["metric"] == "preferred") & ~olmo["task"].isin(["mmlu_test", "mmlu_val"])]
    k = acc["score"] * acc["n_items"].astype(float)
    assert np.abs(k - k.round()).max() < 1e-3


def test_mmlu_average_is_the_item_weighted_mean_of_its_groups(olmo):
    acc = olmo[(olmo["metric"] == "preferred") & (olmo["model"] == "760M-5xC")].set_index("task")
    groups = ["mmlu_stem_test", "mmlu_humanities_test", "mmlu_social_sciences_test", "mmlu_other_test"]
    n = acc.loc[groups, "n_items"].astype(float)
    expected = (acc.loc[groups, "score"] * n).sum() / n.sum()
    assert acc.loc["mmlu_test", "score"] == pytest.approx(expected, abs=2e-4)  # the repo's weights are rounded to 3 dp


def test_open_lm_grid_and_curated_metadata(open_lm):
    runs = open_lm.drop_duplicates("model")
    assert len(runs) == 104
    assert runs.groupby("family").size().to_dict() == {"open_lm C4": 34, "open_lm RedPajama": 35, "open_lm RefinedWeb": 35}
    acc = open_lm[open_lm["metric"] == "accuracy"]
    assert acc["task"].nunique() == 46
    assert set(acc.loc[acc["task"] == "commonsense_qa", "chance"]) == {0.2}  # curated: five options
    assert set(acc.loc[acc["task"] == "arc_challenge", "n_items"]) == {1172}
    assert ((open_lm["training_tokens"] - 20 * open_lm["data_multiplier"] * open_lm["n_params"]).abs() < 1).all()
    curated = pd.read_csv(PROJECT_DIR / "data" / "curated" / "controlled_metadata.csv")
    assert curated["reason"].str.len().gt(20).all()


@needs_shared
def test_open_lm_17_task_average_matches_the_source(open_lm):
    """Our table's 17-task mean, recomputed, equals the source's derived average row for every run."""
    subset = set(data.load_open_lm_tasks().query("in_17_task_subset == 1")["task"])
    assert len(subset) == 17
    ours = open_lm[(open_lm["metric"] == "accuracy") & open_lm["task"].isin(subset)].groupby("model")["score"].mean()
    source = pd.read_csv(SHARED_DATA / "open_lm_scaling" / "open_lm_evals.csv")
    source = source[source["task"] == "avg_17_task_subset"].set_index("model")["score"]
    assert np.abs(ours - source.reindex(ours.index)).max() < 1e-6


def test_last_checkpoint_sd_reproduces_the_papers_variance_table():
    """Population SD over the last 10 checkpoints of 1B-10xC against the repo's variance.csv (paper Table 4)."""
    repo = data.load_olmo2_repo_results()
    stored = repo[repo["quantity"] == "sd_last10_checkpoints"]
    checkpoints = data.load_olmo_ladder_checkpoints()
    one = checkpoints[checkpoints["model"] == "1B-10xC"]
    checked = 0
    for row in stored.itertuples():
        metric = "bpb" if row.metric == "bpb" else "accuracy"
        if row.task not in set(one["task"]):
            continue
        ours = measured_noise.checkpoint_variance(one, metric, ddof=0, tasks=(row.task,)).iloc[0, 0] ** 0.5
        assert ours == pytest.approx(row.score, abs=1e-9), (row.task, row.metric)
        checked += 1
    assert checked >= 16


def test_existing_tables_keep_their_columns():
    for source in data.SOURCES:
        header = source.path.read_text().splitlines()[0].split(",")
        assert tuple(header) == schema.COLUMNS, source.source_id
    assert "olmo_ladder" not in {s.source_id for s in data.SOURCES}  # kept out of load_all


# --------------------------------------------------------------------------------------------
# Validation of bad input
# --------------------------------------------------------------------------------------------


def _good_rows() -> pd.DataFrame:
    path = data.controlled_path("olmo_ladder")
    return data.read_csv(path).head(6).copy()


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("run", "-1", "run must be at least 0"),
        ("run", "0.5", "not a whole number"),
        ("step", "ten", "not a number"),
        ("data_multiplier", "0", "data_multiplier must be positive"),
        ("metric", "soft_log", "unknown metric"),
        ("score", "-0.2", "negative"),
        ("tokens_seen", "-5", "tokens_seen must be at least 0"),
    ],
)
def test_validate_controlled_rejects_bad_values(tmp_path, column, value, words):
    rows = _good_rows()
    if column == "score":
        rows.loc[rows["metric"] == "bpb", "score"] = value
    else:
        rows.loc[rows.index[0], column] = value
    with pytest.raises(data.DataValidationError, match=words):
        data.validate_controlled(rows, tmp_path / "bad.csv")


def test_validate_controlled_rejects_a_repeated_checkpoint(tmp_path):
    rows = _good_rows()
    rows = pd.concat([rows, rows.head(1)], ignore_index=True)
    with pytest.raises(data.DataValidationError, match="duplicate key"):
        data.validate_controlled(rows, tmp_path / "bad.csv")


def test_validate_controlled_accepts_the_same_row_at_another_step(tmp_path):
    rows = _good_rows()
    later = rows.head(1).copy()
    later["step"] = str(int(later["step"].iloc[0]) + 100)
    assert len(data.validate_controlled(pd.concat([rows, later], ignore_index=True), tmp_path / "ok.csv")) == 7


def test_validate_controlled_rejects_unknown_columns_and_conflicting_sizes(tmp_path):
    rows = _good_rows()
    with pytest.raises(data.DataValidationError, match="unknown column"):
        data.validate_controlled(rows.assign(seed="1"), tmp_path / "bad.csv")
    rows.loc[rows.index[0], "n_params"] = "123"
    with pytest.raises(data.DataValidationError, match="more than one n_params"):
        data.validate_controlled(rows, tmp_path / "bad.csv")


def test_load_controlled_rejects_unknown_source_and_wrong_source_id(tmp_path):
    with pytest.raises(KeyError, match="unknown controlled source"):
        data.load_controlled("olmo_lader")
    (tmp_path / "scores").mkdir()
    _good_rows().assign(source_id="other").to_csv(tmp_path / "scores" / "olmo_ladder.csv", index=False)
    with pytest.raises(data.DataValidationError, match="does not match the file name"):
        data.load_controlled("olmo_ladder", tmp_path)
