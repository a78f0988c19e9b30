"""The tidy long schema shared by every source, as data: types, ranges, keys.

`data/datapackage.json` (a Frictionless data package) is generated from these definitions, and the
loader validates against the same definitions, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless Table Schema type: string, number, integer
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False


# Metrics whose score is a fraction in [0, 1]; `loss` and `bpb` are unbounded (>= 0, lower is better).
BOUNDED_METRICS = (
    "accuracy",
    "acc_norm",
    "multiple_choice_grade",
    "preferred",
    "score",
)
UNBOUNDED_METRICS = ("loss", "bpb")  # bpb: bits per byte of the correct answer (OLMo ladder)
METRICS = BOUNDED_METRICS + UNBOUNDED_METRICS

FIELDS: tuple[Field, ...] = (
    Field("source_id", "string", "Which ingested source the row comes from (one per table of one paper or repository).", True),
    Field("family", "string", "Model family: one training recipe whose sizes form a ladder.", True),
    Field("model", "string", "Model name as the source prints it.", True),
    Field("n_params", "number", "Parameter count (nominal, or non-embedding where the source says so).", True, 0, None, True),
    Field("training_tokens", "number", "Pre-training tokens, where the source states them.", False, 0),
    Field("training_flops", "number", "Pre-training FLOPs as stated by the source, else 6·N·D where N and D are stated.", False, 0),
    Field("benchmark", "string", "Benchmark or suite the task belongs to.", True),
    Field("task", "string", "Task name (snake_case where the source has a canonical name).", True),
    Field("subtask", "string", "Subtask name; empty for whole tasks."),
    Field("task_metric", "string", "The task's own reported metric where `metric` is `preferred` (EM, F1, acc, ...); empty otherwise."),
    Field("n_shots", "integer", "Number of in-context examples; empty when the source does not state one number.", False, 0),
    Field("prompting", "string", "Prompting setting in words (0-shot, few-shot, prize format, ...)."),
    Field("metric", "string", f"Score kind: one of {', '.join(METRICS)}. `preferred` means each task's own preferred metric.", True),
    Field("score", "number", "Score as a fraction in [0, 1] (for `loss`: a non-negative loss, lower is better).", True, 0, 1),
    Field("chance", "number", "Floor of the metric: the score of random guessing on this task.", False, 0, 1),
    Field("n_items", "integer", "Number of evaluated items, where known.", False, 1),
    Field("provenance", "string", "Paper and table, or repository@commit:path, the number was read from.", True),
)

COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
PRIMARY_KEY: tuple[str, ...] = (
    "source_id",
    "model",
    "benchmark",
    "task",
    "subtask",
    "task_metric",
    "n_shots",
    "prompting",
    "metric",
)
# Key columns that may be empty: empty is a legitimate value there ("not stated", "whole task").
NULLABLE_KEY_COLUMNS = ("subtask", "task_metric", "n_shots", "prompting")
NUMERIC_COLUMNS = tuple(f.name for f in FIELDS if f.type in ("number", "integer"))
INTEGER_COLUMNS = tuple(f.name for f in FIELDS if f.type == "integer")


def table_schema() -> dict:
    """Frictionless Table Schema for the tidy score table."""
    fields = []
    for f in FIELDS:
        entry: dict = {"name": f.name, "type": f.type, "description": f.description}
        constraints: dict = {}
        if f.required:
            constraints["required"] = True
        if f.minimum is not None and not f.exclusive_minimum:
            constraints["minimum"] = f.minimum
        if f.exclusive_minimum:
            constraints["exclusiveMinimum"] = f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
        if f.name == "metric":
            constraints["enum"] = list(METRICS)
        if constraints:
            entry["constraints"] = constraints
        fields.append(entry)
    return {"fields": fields, "primaryKey": list(PRIMARY_KEY), "missingValues": [""]}


# --------------------------------------------------------------------------------------------
# Controlled ladders (OLMo ladder, open_lm): optional columns the family-once tables do not have.
# They live in their own tables (`data/scores/olmo_*`, `open_lm*`), so the tables above keep
# their columns unchanged.
# --------------------------------------------------------------------------------------------

CONTROLLED_FIELDS: tuple[Field, ...] = (
    Field("data_multiplier", "number", "Training tokens in multiples of 20 tokens per parameter (\"× Chinchilla\").", False, 0, None, True),
    Field("run", "integer", "Replicate of one (size, data) configuration: 0 the original training, 1 a rerun.", False, 0),
    Field("step", "integer", "Training step of the evaluated checkpoint.", False, 0),
    Field("tokens_seen", "number", "Tokens seen at the evaluated checkpoint (training_tokens is the run's total).", False, 0),
)
CONTROLLED_COLUMNS: tuple[str, ...] = COLUMNS + tuple(f.name for f in CONTROLLED_FIELDS)
CONTROLLED_FIELD_BY_NAME = FIELD_BY_NAME | {f.name: f for f in CONTROLLED_FIELDS}
# Checkpoint tables repeat a model's rows at every step.
CONTROLLED_PRIMARY_KEY: tuple[str, ...] = PRIMARY_KEY + ("step",)


def controlled_table_schema() -> dict:
    """Frictionless Table Schema of the controlled-ladder tables (the long schema plus CONTROLLED_FIELDS)."""
    base = table_schema()
    for f in CONTROLLED_FIELDS:
        entry: dict = {"name": f.name, "type": f.type, "description": f.description}
        if f.minimum is not None:
            entry["constraints"] = {"exclusiveMinimum" if f.exclusive_minimum else "minimum": f.minimum}
        base["fields"].append(entry)
    base["primaryKey"] = list(CONTROLLED_PRIMARY_KEY)
    return base
