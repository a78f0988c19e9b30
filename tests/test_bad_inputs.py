"""Table-driven bad inputs: every case exits with code 2 and a message naming file, line and column.

Each case is the files it writes, the command line, and where the message must point: the file
name, the physical line, the column (None where the problem has no line or column, e.g. a missing
file), and words the rule must contain. No case may print a traceback.
"""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from scaling_report import cli, ingest
from conftest import SHARED_DATA

HEADER = "family,model,n_params,task,score"
SIZES = (("m1", "1e9"), ("m2", "4e9"), ("m3", "1.6e10"))
TASKS = ("a", "b", "c", "d")


def long_rows() -> list[list[str]]:
    """A valid long table: 3 sizes x 4 tasks; data rows are on lines 2-13 (size-major)."""
    rows = []
    for i, (model, size) in enumerate(SIZES):
        for j, task in enumerate(TASKS):
            rows.append(["Fam", model, size, task, f"{0.3 + 0.1 * i + 0.02 * j:.2f}"])
    return rows


def long_csv(edit=None, header: str = HEADER, extra: str = "") -> str:
    rows = long_rows()
    if edit:
        edit(rows)
    return header + "\n" + "\n".join(",".join(r) for r in rows) + "\n" + extra


def cell(line: int, column: int, value: str):
    """Edit: set the cell on file line `line` (2 = first data row) of column index `column`."""

    def edit(rows):
        rows[line - 2][column] = value

    return edit


def with_column(name: str, values: dict[int, str], default: str = ""):
    """Long CSV with one more column; `values` maps file line -> value."""
    rows = long_rows()
    for i, row in enumerate(rows):
        row.append(values.get(i + 2, default))
    return HEADER + f",{name}\n" + "\n".join(",".join(r) for r in rows) + "\n"


WIDE_HEADER = "task,chance,m1,m2,m3"
WIDE = "a,0.25,0.30,0.40,0.50\nb,0.25,0.32,0.42,0.52\nc,0.25,0.34,0.44,0.54\nd,0.25,0.36,0.46,0.56\n"
MODELS = "model,family,n_params\nm1,Fam,1e9\nm2,Fam,4e9\nm3,Fam,1.6e10\n"
BOARD = "model,family,n_params,a,b,c,d\nm1,Fam,1e9,0.30,0.32,0.34,0.36\nm2,Fam,4e9,0.40,0.42,0.44,0.46\nm3,Fam,1.6e10,0.50,0.52,0.54,0.56\n"


def harness(model: str = "org/toy-160m", value=0.5, layout: str = "new") -> str:
    if layout == "new":
        content = {
            "results": {"arc_easy": {"alias": "arc_easy", "acc,none": value, "acc_stderr,none": 0.01}},
            "configs": {"arc_easy": {"num_fewshot": 0}},
            "n-shot": {"arc_easy": 0},
            "versions": {"arc_easy": 1.0},
            "config": {"model": "hf", "model_args": f"pretrained={model}"},
        }
    else:
        content = {"results": {"arc_easy": {"acc": value, "acc_stderr": 0.01}}, "versions": {"arc_easy": 0},
                   "config": {"model": "hf-causal", "model_args": f"pretrained={model}", "num_fewshot": 0}}
    return json.dumps(content, indent=2)


def line_of(text: str, marker: str) -> int:
    """Line (from 1) of the first line of `text` containing `marker`."""
    return next(i for i, line in enumerate(text.split("\n"), start=1) if marker in line)


BROKEN_JSON = harness().replace('"versions"', "versions", 1)

# (id, files, argv, (file, line, column), words). "{d}" in argv is the case's folder.
A = ["analyze", "{d}/in.csv"]
CASES = [
    # --- long tables: values
    ("score_above_one", {"in.csv": long_csv(cell(5, 4, "1.7"))}, A, ("in.csv", 5, "score"), "outside [0, 1]"),
    ("score_not_a_number", {"in.csv": long_csv(cell(3, 4, "n/a"))}, A, ("in.csv", 3, "score"), "'n/a' is not a number"),
    ("score_empty", {"in.csv": long_csv(cell(4, 4, ""))}, A, ("in.csv", 4, "score"), "missing value"),
    ("score_blank", {"in.csv": long_csv(cell(4, 4, "  "))}, A, ("in.csv", 4, "score"), "missing value"),
    ("score_negative", {"in.csv": long_csv(cell(2, 4, "-0.2"))}, A, ("in.csv", 2, "score"), "outside [0, 1]"),
    ("score_infinite", {"in.csv": long_csv(cell(6, 4, "inf"))}, A, ("in.csv", 6, "score"), "infinite"),
    ("scores_in_percent", {"in.csv": long_csv(lambda rows: [r.__setitem__(4, str(float(r[4]) * 100)) for r in rows])}, A, ("in.csv", 2, "score"), "look like percentages"),
    ("n_params_negative", {"in.csv": long_csv(cell(3, 2, "-5"))}, A, ("in.csv", 3, "n_params"), "must be positive"),
    ("n_params_zero", {"in.csv": long_csv(cell(3, 2, "0"))}, A, ("in.csv", 3, "n_params"), "must be positive"),
    ("n_params_text", {"in.csv": long_csv(cell(7, 2, "big"))}, A, ("in.csv", 7, "n_params"), "'big' is not a number"),
    ("family_empty", {"in.csv": long_csv(cell(8, 0, ""))}, A, ("in.csv", 8, "family"), "missing value"),
    ("model_empty", {"in.csv": long_csv(cell(9, 1, ""))}, A, ("in.csv", 9, "model"), "missing value"),
    ("task_empty", {"in.csv": long_csv(cell(10, 3, ""))}, A, ("in.csv", 10, "task"), "missing value"),
    ("chance_above_one", {"in.csv": with_column("chance", {4: "25"}, "0.25")}, A, ("in.csv", 4, "chance"), "chance 25 is outside"),
    ("chance_negative", {"in.csv": with_column("chance", {5: "-0.1"}, "0.25")}, A, ("in.csv", 5, "chance"), "outside [0, 1]"),
    ("chance_one", {"in.csv": with_column("chance", {6: "1"}, "0.25")}, A, ("in.csv", 6, "chance"), "no room above the floor"),
    ("n_items_fraction", {"in.csv": with_column("n_items", {4: "10.5"}, "100")}, A, ("in.csv", 4, "n_items"), "not a whole number"),
    ("n_items_zero", {"in.csv": with_column("n_items", {5: "0"}, "100")}, A, ("in.csv", 5, "n_items"), "at least 1"),
    ("n_shots_negative", {"in.csv": with_column("n_shots", {3: "-1"}, "0")}, A, ("in.csv", 3, "n_shots"), "at least 0"),
    ("n_shots_fraction", {"in.csv": with_column("n_shots", {3: "1.5"}, "0")}, A, ("in.csv", 3, "n_shots"), "not a whole number"),
    ("tokens_negative", {"in.csv": with_column("training_tokens", {9: "-1"}, "3e11")}, A, ("in.csv", 9, "training_tokens"), "must not be negative"),
    ("flops_infinite", {"in.csv": with_column("training_flops", {2: "inf"}, "1e21")}, A, ("in.csv", 2, "training_flops"), "infinite"),
    ("loss_negative", {"in.csv": with_column("metric", {}, "loss").replace("0.30,loss", "-1,loss", 1)}, A, ("in.csv", 2, "score"), "loss -1 is negative"),
    # --- long tables: keys and sizes
    ("duplicate_row", {"in.csv": long_csv(extra="Fam,m2,4e9,b,0.42\n")}, A, ("in.csv", 14, "task"), "lines 7, 14"),
    ("model_with_two_sizes", {"in.csv": long_csv(cell(3, 2, "2e9"))}, A, ("in.csv", 3, "n_params"), "more than one n_params"),
    ("two_models_one_size", {"in.csv": long_csv(lambda rows: [r.__setitem__(1, "m2b") for r in rows[4:6]] and None)}, A, ("in.csv", 8, "n_params"), "'m2b' (line 6) and 'm2'"),
    ("rows_differ_only_in_source", {"in.csv": with_column("source_id", {}, "s1") + "Fam,m1,1e9,a,0.5,s2\n"}, A, ("in.csv", 14, "task"), "differ only in source_id"),
    # --- long tables: structure and files
    ("ragged_row", {"in.csv": long_csv(cell(4, 4, "0.5,surplus"))}, A, ("in.csv", 4, None), "6 fields where the header has 5"),
    ("ragged_after_blank_line", {"in.csv": long_csv().replace("\nFam,m1,1e9,c", "\n\nFam,m1,1e9,c", 1).replace("Fam,m2,4e9,a,0.40", "Fam,m2,4e9,a,0.40,x")}, A, ("in.csv", 7, None), "malformed CSV"),
    ("bad_score_after_quoted_newline", {"in.csv": long_csv(lambda rows: (rows[0].__setitem__(3, '"a\nsplit"'), rows[2].__setitem__(4, "7")) and None)}, A, ("in.csv", 5, "score"), "outside [0, 1]"),
    ("missing_score_column_strict", {"in.csv": long_csv(header="family,model,n_params,task,acc")}, ["analyze", "{d}/in.csv", "--strict", "--layout", "long"], ("in.csv", 1, "acc"), "column 'score': wrong header: missing required column"),
    ("missing_n_params_column", {"in.csv": "family,model,task,score\nF,m1,a,0.5\n"}, A, ("in.csv", 1, "n_params"), "missing required column"),
    ("repeated_column", {"in.csv": long_csv(header="family,model,n_params,task,task")}, A, ("in.csv", 1, "task"), "more than once"),
    ("unknown_column_strict", {"in.csv": with_column("stderr", {}, "0.01")}, ["analyze", "{d}/in.csv", "--strict"], ("in.csv", 1, "stderr"), "unknown column"),
    ("unknown_metric_strict", {"in.csv": with_column("metric", {}, "mc2")}, ["analyze", "{d}/in.csv", "--strict"], ("in.csv", 2, "metric"), "unknown metric 'mc2'"),
    ("empty_file", {"in.csv": ""}, A, ("in.csv", 1, None), "empty file"),
    ("header_only", {"in.csv": HEADER + "\n"}, A, ("in.csv", 2, None), "no data rows"),
    ("not_utf8", {"in.csv": long_csv().encode("utf-8").replace(b"Fam,m2,4e9,a", b"F\xe9m,m2,4e9,a", 1)}, A, ("in.csv", 6, None), "not UTF-8"),
    ("gz_name_plain_file", {"in.csv.gz": long_csv()}, ["analyze", "{d}/in.csv.gz"], ("in.csv.gz", None, None), "not valid gzip"),
    ("gz_not_utf8", {"in.csv.gz": gzip.compress(b"family,model,n_params,task,score\n\xff,m,1,a,0.5\n")}, ["analyze", "{d}/in.csv.gz"], ("in.csv.gz", 2, None), "not UTF-8"),
    ("field_over_128k", {"in.csv": long_csv(cell(3, 3, '"' + "x" * 140_000))}, A, ("in.csv", 3, None), "field larger than field limit"),
    ("quote_never_closed", {"in.csv": long_csv(cell(3, 3, '"b'))}, A, ("in.csv", 3, None), "fields where the header has 5"),
    ("file_not_found", {}, ["analyze", "{d}/nope.csv"], ("nope.csv", None, None), "file not found"),
    ("folder_as_long_table", {"sub/x.txt": "x"}, ["analyze", "{d}/sub", "--layout", "long"], ("sub", None, None), "is a folder"),
    ("models_is_a_folder", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "sub/x.txt": "x"}, ["analyze", "{d}/wide.csv", "--models", "{d}/sub"], ("sub", None, None), "is a folder"),
    ("output_is_a_folder", {"in.csv": long_csv(), "sub/x.txt": "x"}, ["analyze", "{d}/in.csv", "--output", "{d}/sub"], ("sub", None, None), "--output is a folder"),
    ("compute_axis_without_tokens", {"in.csv": with_column("training_tokens", {2: "3e11", 3: "3e11"})}, ["analyze", "{d}/in.csv", "--axis", "compute"], ("in.csv", 4, "training_tokens"), "needs training_flops"),
    # --- wide tables and their models file
    ("wide_unknown_model_column", {"wide.csv": "task,chance,m1,m2,Mystery-7B\n" + WIDE, "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 1, "Mystery-7B"), "not in the models file"),
    ("wide_score_above_one", {"wide.csv": WIDE_HEADER + "\n" + WIDE.replace("0.44", "1.7"), "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 4, "m2"), "outside [0, 1]"),
    ("wide_score_text", {"wide.csv": WIDE_HEADER + "\n" + WIDE.replace("0.52", "n/a"), "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 3, "m3"), "'n/a' is not a number"),
    ("wide_chance_above_one", {"wide.csv": WIDE_HEADER + "\n" + WIDE.replace("d,0.25", "d,25"), "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 5, "chance"), "outside [0, 1]"),
    ("wide_repeated_task", {"wide.csv": WIDE_HEADER + "\n" + WIDE + "b,0.25,0.3,0.4,0.5\n", "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 6, "task"), "lines 3, 6"),
    ("wide_task_empty", {"wide.csv": WIDE_HEADER + "\n" + WIDE.replace("c,0.25", ",0.25"), "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 4, "task"), "missing value"),
    ("wide_ragged_row", {"wide.csv": WIDE_HEADER + "\n" + WIDE.replace("0.54\n", "0.54,0.6\n"), "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("wide.csv", 4, None), "malformed CSV"),
    ("wide_without_models_file", {"wide.csv": WIDE_HEADER + "\n" + WIDE}, ["analyze", "{d}/wide.csv"], ("wide.csv", 1, None), "needs its models file"),
    ("wide_no_model_columns", {"wide.csv": "task,chance\na,0.25\n", "models.csv": MODELS}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv", "--layout", "wide"], ("wide.csv", 1, None), "no model columns"),
    ("wide_forced_on_leaderboard", {"board.csv": BOARD, "models.csv": MODELS}, ["analyze", "{d}/board.csv", "--models", "{d}/models.csv", "--layout", "wide"], ("board.csv", 1, None), "--layout leaderboard"),
    ("models_n_params_text", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": MODELS.replace("4e9", "large")}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 3, "n_params"), "'large' is not a finite number"),
    ("models_n_params_negative", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": MODELS.replace("1.6e10", "-5")}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 4, "n_params"), "must be positive"),
    ("models_listed_twice", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": MODELS + "m1,Fam,1e9\n"}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 5, "model"), "listed more than once"),
    ("models_family_column_missing", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": "model,n_params\nm1,1e9\n"}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 1, "family"), "missing required column"),
    ("models_family_empty", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": MODELS.replace("m2,Fam", "m2,")}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 3, "family"), "missing value"),
    ("models_file_not_found", {"wide.csv": WIDE_HEADER + "\n" + WIDE}, ["analyze", "{d}/wide.csv", "--models", "{d}/nope.csv"], ("nope.csv", None, None), "file not found"),
    ("models_tokens_negative", {"wide.csv": WIDE_HEADER + "\n" + WIDE, "models.csv": "model,family,n_params,training_tokens\nm1,Fam,1e9,-3\nm2,Fam,4e9,1\nm3,Fam,1.6e10,1\n"}, ["analyze", "{d}/wide.csv", "--models", "{d}/models.csv"], ("models.csv", 2, "training_tokens"), "must not be negative"),
    # --- leaderboards (models as rows)
    ("board_without_sizes", {"board.csv": "model,a,b\nm1,0.3,0.4\n"}, ["analyze", "{d}/board.csv"], ("board.csv", 1, None), "give a models file"),
    ("board_score_above_one", {"board.csv": BOARD.replace("0.44", "1.7")}, ["analyze", "{d}/board.csv"], ("board.csv", 3, "c"), "outside [0, 1]"),
    ("board_n_params_text", {"board.csv": BOARD.replace("4e9", "four")}, ["analyze", "{d}/board.csv"], ("board.csv", 3, "n_params"), "'four' is not a number"),
    ("board_unknown_model", {"board.csv": "model,a,b\nm1,0.3,0.4\nm9,0.5,0.6\n", "models.csv": MODELS}, ["analyze", "{d}/board.csv", "--models", "{d}/models.csv"], ("board.csv", 3, "model"), "unknown model 'm9'"),
    ("board_ragged", {"board.csv": BOARD.replace("0.36\n", "0.36,0.9\n")}, ["analyze", "{d}/board.csv"], ("board.csv", 2, None), "malformed CSV"),
    # --- lm-evaluation-harness JSON
    ("harness_invalid_json", {"res/a.json": BROKEN_JSON}, ["analyze", "{d}/res"], ("a.json", line_of(BROKEN_JSON, "versions:"), None), "not valid JSON"),
    ("harness_no_results", {"res/a.json": json.dumps({"config": {}}, indent=2)}, ["analyze", "{d}/res"], ("a.json", 1, None), "no 'results' object"),
    ("harness_no_model_name", {"res/a.json": harness().replace("pretrained=org/toy-160m", "dtype=float16")}, ["analyze", "{d}/res"], ("a.json", line_of(harness(), '"model_args"'), "config.model_args"), "no model name"),
    ("harness_score_text", {"res/a.json": harness(value="N/A")}, ["analyze", "{d}/res"], ("a.json", line_of(harness(), '"acc,none"'), "results.arc_easy.acc,none"), "'N/A' is not a number"),
    ("harness_score_above_one", {"res/x/a.json": harness(value=1.7, layout="old")}, ["analyze", "{d}/res"], ("a.json", line_of(harness(layout="old"), '"acc"'), "results.arc_easy.acc"), "score 1.7 is outside [0, 1]"),
    ("harness_no_size_in_name", {"res/a.json": harness(model="org/toy-large")}, ["analyze", "{d}/res"], ("a.json", line_of(harness(), '"model_args"'), "config.model_args"), "no size in the model name"),
    ("harness_unknown_model", {"res/a.json": harness(), "models.csv": MODELS}, ["analyze", "{d}/res", "--models", "{d}/models.csv"], ("a.json", line_of(harness(), '"model_args"'), "model"), "not in the models file"),
    ("harness_empty_folder", {"res/notes.txt": "x"}, ["analyze", "{d}/res"], ("res", None, None), "holds no .json"),
    ("harness_not_utf8", {"res/a.json": harness().encode().replace(b"arc_easy", b"arc\xff", 1)}, ["analyze", "{d}/res"], ("a.json", line_of(harness(), "arc_easy"), None), "not UTF-8"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_naming_file_line_column(case, tmp_path, capsys):
    _, files, argv, (file, line, column), words = case
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code = cli.main([a.replace("{d}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("scaling-report ")
    assert file in first, err
    if line is not None:
        assert f"line {line}," in first or f"line {line}:" in first, err
    if column is not None:
        assert f"column '{column}'" in first, err
    assert words in err, err


# --- ingest: a copy of the shared sources, ingested once, then broken one way per case

needs_shared = pytest.mark.skipif(not (SHARED_DATA / "README.md").exists(), reason=f"{SHARED_DATA} is absent")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """A shared folder holding only what ingest reads, and a project whose data/ it derived."""
    root = tmp_path_factory.mktemp("ingest")
    shared = root / "shared"
    for relative in {f for files in ingest.SOURCE_FILES.values() for f in files} | {"README.md"}:
        (shared / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED_DATA / relative, shared / relative)
    project = root / "project"
    shutil.copytree(ingest.data.DATA_DIR / "curated", project / "data" / "curated")
    ingest.run(shared, project)
    return shared, project


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


PALM = "papers/palm_bigbench.csv"


def _palm_with(shared, line: int, column: str, value: str) -> str:
    """The PaLM source with one cell changed (line counted from 1, header = 1)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO((shared / PALM).read_text())))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


INGEST_CASES = [
    ("header_only_source", lambda s: (s / PALM).read_text().split("\n")[0] + "\n", (PALM, 2, None), "no data rows"),
    ("source_cut_mid_line", lambda s: (s / PALM).read_text()[: (s / PALM).read_text().index(",5,", 2000) + 1], (PALM, None, None), "malformed CSV"),
    ("renamed_header", lambda s: (s / PALM).read_text().replace(",score", ",score_pct", 1), (PALM, 1, "score"), "renamed?"),
    ("text_in_numeric_source_column", lambda s: _palm_with(s, 5, "score", "abc"), (PALM, 5, "score"), "'abc' is not a number"),
    ("score_out_of_range_in_source", lambda s: _palm_with(s, 7, "score", "150"), (PALM, 7, "score"), "outside [0, 1]"),
    ("non_utf8_source", lambda s: (s / PALM).read_bytes().replace(b"\n", b"\n\xff", 1), (PALM, 2, None), "not UTF-8"),
    ("changed_source", lambda s: _palm_with(s, 3, "human_avg", "14.0"), (PALM, None, None), "--accept-changes"),
    ("source_rows_dropped", lambda s: "\n".join((s / PALM).read_text().split("\n")[:40]) + "\n", (PALM, None, None), "looks cut short"),
]


@needs_shared
@pytest.mark.parametrize("case", INGEST_CASES, ids=[c[0] for c in INGEST_CASES])
def test_bad_source_exits_2_and_leaves_data_untouched(case, ingested, tmp_path, capsys):
    _, mutate, (file, line, column), words = case
    shared, project = ingested
    copy = tmp_path / "shared"
    shutil.copytree(shared, copy)
    content = mutate(copy)
    (copy / PALM).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    code = cli.main(["ingest", str(copy), "--project", str(project)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert file in first, err
    if line is not None:
        assert f"line {line}," in first or f"line {line}:" in first, err
    if column is not None:
        assert f"column '{column}'" in first, err
    assert words in err, err
    after = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    assert after == before  # nothing written: all or nothing
    assert not list(project.glob(".data-*"))  # no staging folder left behind


def test_there_are_at_least_60_bad_input_cases():
    assert len(CASES) + len(INGEST_CASES) >= 60
