"""Readers for the two controlled ladders in `../shared/data/`, called by `ingest.run`.

- `olmo_ladder/` (Bhagia et al. 2024): 30 OLMo training runs, 5 sizes x 5 data multipliers plus a
  rerun of each size's 1x run, evaluated in-loop at every checkpoint, and the OLMo-2 targets.
- `open_lm_scaling/` (Gadre et al. 2024): 104 open_lm runs over 3 training sets, final checkpoints.

Only ranked-classification accuracy (each task's own metric: `len_norm`, or `acc` for BoolQ) and
bits per byte of the correct answer are kept from the OLMo logs; the soft metrics are left out.
Metadata the source READMEs flag as wrong is overridden from `data/curated/controlled_metadata.csv`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import data, schema

OLMO_BENCHMARK = "olmo_ladder_rc"
OLMO_PROMPTING = "5-shot, ranked classification (OLMES)"
OPEN_LM_BENCHMARK = "llm_foundry_icl"
OPEN_LM_LOSS_BENCHMARK = "open_lm_val_loss"
OLMO_METRICS = {"len_norm": ("preferred", "len_norm"), "acc": ("preferred", "acc"), "bpb": ("bpb", "")}
TARGETS = ("OLMo-2-7B-4T-anneal", "OLMo-2-13B-5T-stage1")  # the paper's two targets
MMLU_NOTE = " (derived: MMLU groups weighted by their test items, as in the repo)"
GZIP = {"method": "gzip", "mtime": 0}  # mtime 0: the same bytes on every run


def curated_overrides(project_dir: Path) -> pd.DataFrame:
    """Metadata fixes with their reasons (source_id, task, column, value, reason)."""
    return pd.read_csv(project_dir / "data" / "curated" / "controlled_metadata.csv")


def _apply_overrides(frame: pd.DataFrame, overrides: pd.DataFrame, source_id: str) -> pd.DataFrame:
    frame = frame.copy()
    for row in overrides[overrides["source_id"] == source_id].itertuples():
        rows = (frame["task"] == row.task) & frame["metric"].isin(schema.BOUNDED_METRICS)
        if not rows.any():
            raise ValueError(f"curated override for {source_id}/{row.task} matches no row")
        frame.loc[rows, row.column] = float(row.value)
    return frame


def _olmo_frame(raw: pd.DataFrame, source_id: str) -> pd.DataFrame:
    raw = raw[(raw["task_format"] == "rc") & raw["metric"].isin(list(OLMO_METRICS))].copy()
    metric = raw["metric"].map(lambda m: OLMO_METRICS[m][0])
    provenance = raw["source"] + ":" + raw["source_column"]
    provenance = provenance.where(raw["derived"] == 0, raw["source"] + MMLU_NOTE)
    is_accuracy = metric == "preferred"
    frame = pd.DataFrame(
        {
            "source_id": source_id,
            "family": raw["family"],
            "model": raw["model"],
            "n_params": raw["n_params"].astype(float),
            "training_tokens": raw["training_tokens"].astype(float),
            # The paper's C = 6ND with the repo's N and the run's logged tokens.
            "training_flops": 6 * raw["n_params"].astype(float) * raw["training_tokens"].astype(float),
            "benchmark": OLMO_BENCHMARK,
            "task": raw["task"] + "_" + raw["task_split"],
            "subtask": "",
            "task_metric": raw["metric"].map(lambda m: OLMO_METRICS[m][1]),
            "n_shots": raw["n_shots"].astype("Int64"),
            "prompting": OLMO_PROMPTING,
            "metric": metric,
            "score": raw["score"].astype(float),
            "chance": raw["chance_level"].where(is_accuracy),
            "n_items": raw["n_items"].astype("Int64"),
            "provenance": provenance,
            "data_multiplier": raw["data_multiplier"] if "data_multiplier" in raw else np.nan,
            "run": raw["run"].astype("Int64") if "run" in raw else 0,
            "step": raw["step"].astype("Int64"),
            "tokens_seen": raw["tokens_seen"].astype(float),
        }
    )
    return frame[list(schema.CONTROLLED_COLUMNS)]


def olmo_ladder(shared: Path, overrides: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "olmo_ladder" / "olmo_ladder_final.csv")
    return _apply_overrides(_olmo_frame(raw, "olmo_ladder"), overrides, "olmo_ladder")


def olmo_ladder_checkpoints(shared: Path, overrides: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "olmo_ladder" / "olmo_ladder_checkpoints.csv.gz")
    return _apply_overrides(_olmo_frame(raw, "olmo_ladder_checkpoints"), overrides, "olmo_ladder")


def olmo2_targets(shared: Path, overrides: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "olmo_ladder" / "olmo2_targets_checkpoints.csv.gz")
    raw = raw[raw["model"].isin(TARGETS)]
    return _apply_overrides(_olmo_frame(raw, "olmo2_targets"), overrides, "olmo_ladder")


def olmo2_repo_results(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "olmo_ladder" / "olmo2_targets.csv")
    raw = raw[raw["record"] == "repo_result"]
    out = pd.DataFrame(
        {
            "model": raw["model"],
            "task": raw["task"] + "_" + raw["task_split"].fillna(""),
            "metric": raw["metric"].fillna(""),
            "method": raw["method"],
            "quantity": raw["quantity"],
            "score": raw["score"],
            "provenance": raw["source"] + ":" + raw["source_column"],
        }
    )
    return out.sort_values(["method", "quantity", "model", "task"], kind="mergesort").reset_index(drop=True)


def _open_lm_run_columns(table: pd.DataFrame) -> dict:
    """What an open_lm row takes from its run: training set (as family), model, size, tokens,
    FLOPs and data multiplier. The evaluation and the loss tables spell these alike."""
    return {
        "family": "open_lm " + table["dataset"],
        "model": table["model"],
        "n_params": table["n_params"].astype(float),
        "training_tokens": table["training_tokens"].astype(float),
        "training_flops": table["flops_6ND"].astype(float),
        "data_multiplier": table["chinchilla_multiplier"].astype(float),
    }


def open_lm(shared: Path, overrides: pd.DataFrame) -> pd.DataFrame:
    evals = pd.read_csv(shared / "open_lm_scaling" / "open_lm_evals.csv")
    evals = evals[evals["derived"] == 0]  # the two averages are recomputed where used
    loss = pd.read_csv(shared / "open_lm_scaling" / "open_lm_loss.csv")
    common = {
        "source_id": "open_lm",
        "subtask": "",
        "task_metric": "",
        "run": 0,  # one run per cell: every run has seed 124
    }
    accuracy = pd.DataFrame(
        {
            **_open_lm_run_columns(evals),
            "benchmark": OPEN_LM_BENCHMARK,
            "task": evals["task"],
            "n_shots": evals["n_shots"].astype("Int64"),
            "prompting": evals["n_shots"].map(lambda k: f"{int(k)}-shot"),
            "metric": "accuracy",
            "score": evals["score"].astype(float),
            "chance": evals["chance_level"].astype(float),
            "n_items": evals["n_items"].astype("Int64"),
            "provenance": evals["source"] + "; baseline and item count: " + evals["source_meta"],
        }
    )
    losses = pd.DataFrame(
        {
            **_open_lm_run_columns(loss),
            "benchmark": OPEN_LM_LOSS_BENCHMARK,
            "task": loss["val_set"],
            "n_shots": pd.array([pd.NA] * len(loss), dtype="Int64"),
            "prompting": "",
            "metric": "loss",
            "score": loss["score"].astype(float),
            "chance": np.nan,
            "n_items": pd.array([pd.NA] * len(loss), dtype="Int64"),
            "provenance": loss["source"],
        }
    )
    frame = pd.concat([accuracy, losses], ignore_index=True)
    for column, value in common.items():
        frame[column] = value
    frame["step"] = np.nan  # final checkpoints only
    frame["tokens_seen"] = frame["training_tokens"]
    return _apply_overrides(frame[list(schema.CONTROLLED_COLUMNS)], overrides, "open_lm")


def open_lm_tasks(shared: Path) -> pd.DataFrame:
    evals = pd.read_csv(shared / "open_lm_scaling" / "open_lm_evals.csv")
    evals = evals[evals["derived"] == 0].drop_duplicates("task")
    return pd.DataFrame(
        {
            "task": evals["task"],
            "task_category": evals["task_category"],
            "task_type": evals["task_type"],
            "is_bigbench": evals["is_bigbench"].astype(int),
            "in_17_task_subset": evals["in_17_task_subset"].astype(int),
            "n_items_source": evals["n_items_source"],
            "provenance": "mlfoundations/scaling@a003c4913793:exp_data/eval_metadata.csv; scaling/constants.py SUBSET",
        }
    ).sort_values("task").reset_index(drop=True)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["family", "n_params", "model", "step", "benchmark", "task", "task_metric", "metric"]
    return frame.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


SIDE_TABLES = {
    "olmo2_repo_results": "Predictions, actual values and errors for the OLMo-2 targets stored in the OLMo-ladder repository (figures/*.csv and the error tables of full_comparison_combined.py).",
    "open_lm_tasks": "open_lm's 46 downstream tasks: category, type, BIG-bench flag and membership of Gadre et al.'s 17-task split.",
}


def write(shared: Path, project_dir: Path, out: Path | None = None) -> tuple[dict[str, int], list[dict]]:
    """Write the controlled-ladder tables into `out` (default: the project's data/; ingest passes
    its staging folder); return rows written per file and their datapackage resources."""
    shared = Path(shared)
    out = Path(out) if out is not None else Path(project_dir) / "data"
    overrides = curated_overrides(project_dir)
    builders = {
        "olmo_ladder": lambda: olmo_ladder(shared, overrides),
        "olmo_ladder_checkpoints": lambda: olmo_ladder_checkpoints(shared, overrides),
        "olmo2_targets": lambda: olmo2_targets(shared, overrides),
        "open_lm": lambda: open_lm(shared, overrides),
    }
    written: dict[str, int] = {}
    resources: list[dict] = []
    for source_id, build in builders.items():
        frame = _sorted(build())
        path = out / "scores" / data.controlled_path(source_id).name
        path.parent.mkdir(parents=True, exist_ok=True)
        compression = GZIP if path.suffix == ".gz" else None
        frame.to_csv(path, index=False, lineterminator="\n", compression=compression)
        data.validate_controlled(data.read_csv(path), path)  # what ingest writes must pass the loader
        relative = f"scores/{path.name}"
        written[relative] = len(frame)
        resources.append(
            {
                "name": source_id.replace("_", "-"),
                "path": relative,
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                **({"compression": "gz"} if compression else {}),
                "description": data.CONTROLLED_SOURCE_BY_ID[source_id].description,
                "rows": int(len(frame)),
                "schema": schema.controlled_table_schema(),
            }
        )
    for name, frame in {"olmo2_repo_results": olmo2_repo_results(shared), "open_lm_tasks": open_lm_tasks(shared)}.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
        written[f"{name}.csv"] = len(frame)
        resources.append(
            {"name": name.replace("_", "-"), "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
             "encoding": "utf-8", "description": SIDE_TABLES[name]}
        )
    return written, resources
