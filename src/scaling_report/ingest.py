"""Derive the project's tidy tables in `data/` from the recovered tables in `../shared/data/`.

Numbers and provenance only: no task item text and no file is copied wholesale. Running
`scaling-report ingest ../shared/data` twice gives byte-identical output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import data, schema, sources_controlled

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
    length = max(len(v) for v in columns.values() if isinstance(v, (pd.Series, list, np.ndarray)))
    out = {}
    for name in schema.COLUMNS:
        value = columns.get(name, pd.NA)
        if isinstance(value, pd.Series):
            value = value.to_numpy()
        elif not isinstance(value, (list, np.ndarray)):
            value = [value] * length
        out[name] = value
    return pd.DataFrame(out)


def chinchilla(shared: Path, curated: pd.DataFrame, which: str) -> pd.DataFrame:
    raw = pd.read_csv(shared / "papers" / f"chinchilla_{which}.csv")
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
        provenance=PAPERS["hoffmann"] + ", " + raw["source_table"].str.replace("Hoffmann2022 ", "", regex=False),
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated, _bigg_chance(shared) if which == "bigbench" else None)


def palm_bigbench_lite(shared: Path, curated: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "papers" / "palm_bigbench.csv")
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
        provenance=PAPERS["chowdhery"] + ", App. H.2 (BIG-bench Lite, 24 tasks)",
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated, _bigg_chance(shared))


def palm_nlu(shared: Path, curated: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "papers" / "palm_nlu.csv")
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
        provenance=np.where(
            late,
            PAPERS["chowdhery"] + ", App. H.1 (later arXiv versions; App. F continued-training checkpoint)",
            PAPERS["chowdhery"] + ", App. H.1 (English NLP tasks on smaller models)",
        ),
    )
    frame["training_flops"] = _six_nd(frame["n_params"], frame["training_tokens"])
    return _attach_chance(frame, curated)


def bigg(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "bigbench" / "bigbench_scores_long.csv")
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
        provenance=[BIGG_PROVENANCE.format(task=t, size=s) for t, s in zip(raw["task"], raw["model_name"])],
    )
    return frame


def pythia_opt_bloom(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "extra" / "pythia_opt_bloom_final.csv")
    raw = raw[raw["metric"].isin(["acc", "acc_norm"])].copy()  # lambada perplexity is not a fraction
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
        provenance=raw["source"] + " (n_items inverted from the harness stderr)",
    )
    return frame


def _inverse_tasks(shared: Path) -> pd.DataFrame:
    tasks = pd.read_csv(shared / "inverse_scaling" / "tasks.csv")
    results = pd.read_csv(shared / "inverse_scaling" / "results_mckenzie2023_figures.csv")
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


def inverse_scaling(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "inverse_scaling" / "results_mckenzie2023_figures.csv")
    # Keep real models with a size on real tasks: drop the chance baseline, GPT-4 (no size) and the average.
    raw = raw[raw["n_params"].notna() & (raw["task_slug"] != "average-10")].copy()
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
        provenance=provenance,
    )
    return frame


def inverse_scaling_claims(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "inverse_scaling" / "paper_claims.csv")
    return raw.rename(columns={"claim_paraphrased": "claim", "where": "reference"})[["source", "topic", "claim", "reference"]]


def neqa_prompting(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "inverse_scaling" / "neqa_prompting_zhang2023_notebook.csv")
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
}


def run(shared: Path, project_dir: Path | None = None) -> dict[str, int]:
    """Write every tidy table and `data/datapackage.json`; return rows written per table."""
    shared = Path(shared)
    project_dir = project_dir or data.PROJECT_DIR
    out = project_dir / "data"
    if not (shared / "README.md").exists():
        raise FileNotFoundError(f"{shared} does not look like the shared data folder (no README.md)")
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
    written: dict[str, int] = {}
    sources: dict[str, pd.DataFrame] = {}
    for source_id, build in builders.items():
        frame = _sorted(build())
        path = out / "scores" / f"{source_id}.csv"
        write_csv(frame, path)
        data.load_table(path)  # what ingest writes must pass the loader's own validation
        sources[source_id] = frame
        written[f"scores/{source_id}.csv"] = len(frame)
    side = {
        "inverse_scaling_tasks": _inverse_tasks(shared),
        "inverse_scaling_claims": inverse_scaling_claims(shared),
        "neqa_prompting": neqa_prompting(shared),
    }
    for name, frame in side.items():
        write_csv(frame, out / f"{name}.csv")
        written[f"{name}.csv"] = len(frame)
    controlled_written, controlled_resources = sources_controlled.write(shared, project_dir)  # OLMo ladder, open_lm
    written |= controlled_written
    package = datapackage(sources)
    package["resources"] += controlled_resources
    (out / "datapackage.json").write_text(json.dumps(package, indent=2, sort_keys=True) + "\n")
    return written
