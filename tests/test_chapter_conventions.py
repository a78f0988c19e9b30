"""Every chapter follows the book's conventions: cited ids, captioned and described figures, no logic."""

from __future__ import annotations

import ast
import re

import pytest

from book_sources import PROJECT_DIR, book_sources, parse_document

PAGES = book_sources()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@pytest.fixture(scope="module", params=PAGES)
def document(request):
    return parse_document(request.param)


def test_figures_have_caption_and_alt_text(document):
    for cell in document.cells:
        label = cell.label or ""
        if label.startswith("fig-"):
            assert cell.options.get("fig-cap"), f"{document.path} {label}: no fig-cap"
            assert cell.options.get("fig-alt"), f"{document.path} {label}: no fig-alt"


def test_tables_have_captions(document):
    for cell in document.cells:
        if (cell.label or "").startswith("tbl-"):
            assert cell.options.get("tbl-cap"), f"{document.path} {cell.label}: no tbl-cap"


def test_cells_hold_calls_not_logic(document):
    """Chapters call the package; functions, classes and loops belong in src/scaling_report/."""
    for cell in document.cells:
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda)), (
                f"{document.path} {cell.describe()}: {type(node).__name__} in a chapter cell"
            )


@pytest.mark.parametrize("source", CHAPTERS)
def test_chapter_has_stable_section_ids(source):
    text = (PROJECT_DIR / source).read_text()
    first = text.lstrip().splitlines()[0]
    assert re.fullmatch(r"# .+ \{#sec-[a-z0-9-]+( \.unnumbered)?\}", first), f"{source}: first line {first!r}"
    for heading in re.findall(r"^##+ .*$", text, flags=re.M):
        assert re.search(r"\{#sec-[a-z0-9-]+", heading), f"{source}: section without an id: {heading!r}"
    assert "{{< include _setup.qmd >}}" in text


def test_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for source in PAGES:
        text = (PROJECT_DIR / source).read_text()
        for label in re.findall(r"#\| label: (\S+)", text) + re.findall(r"\{#((?:sec|eq|fig|tbl)-[a-z0-9-]+)", text):
            assert label not in seen, f"{label} in {source} and {seen[label]}"
            seen[label] = source


def test_tables_go_through_the_display_helper(document):
    """fmt.table hides the index, escapes cell text and gives deterministic ids."""
    for cell in document.cells:
        if (cell.label or "").startswith("tbl-"):
            last = cell.source.strip().splitlines()[-1]
            assert last.startswith("fmt.table("), f"{document.path} {cell.label}: display with fmt.table(...)"


# Pages whose numbers all come from a Facts object; a chapter joins this list when it moves to one.
FACTS_PAGES = ["index.qmd", "chapters/01-empirical-result.qmd", "chapters/02-logits-floors-ranges.qmd",
               "chapters/03-regression-to-the-mean.qmd", "chapters/03b-measured-noise.qmd",
               "chapters/04-sigmoids-and-states.qmd",
               "chapters/05-u-shaped-scaling.qmd", "chapters/06-forecasting.qmd", "chapters/07-emergence.qmd",
               "chapters/08-data-and-parameters.qmd", "chapters/data-sources.qmd"]
INLINE = re.compile(r"(?<!`)`\{python\} ([^`\n]+)`(?!`)")


def _is_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)


def inline_problem(expression: str) -> str | None:
    """Why an inline expression is not 'attribute access plus a formatter', or None if it is."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return "not a Python expression"
    if _is_attribute(node):
        return None
    if isinstance(node, ast.Call) and _is_attribute(node.func) and node.func.value.id == "fmt":
        arguments = list(node.args) + [keyword.value for keyword in node.keywords]
        for argument in arguments:
            if not (_is_attribute(argument) or (isinstance(argument, ast.Constant) and isinstance(argument.value, int))):
                return f"formatter argument {ast.unparse(argument)!r} is not an attribute or an integer"
        return None
    return f"{type(node).__name__} is neither an attribute nor a fmt call"


@pytest.mark.parametrize(
    "expression, ok",
    [
        ("f.bb_r", True),
        ("fmt.num(f.bb_r, 3)", True),
        ("fmt.ci(f.low, f.high)", True),
        ("fmt.num(100 * f.gain, 1)", False),
        ('fx["n_triples"]', False),
        ("len(f.items)", False),
        ("f.items[0]", False),
        ('res.r("palm_bbl", "logit")', False),
        ('f"{f.r:.2f}"', False),
    ],
)
def test_inline_rule_accepts_attributes_and_formatters_only(expression, ok):
    assert (inline_problem(expression) is None) == ok


@pytest.mark.parametrize("source", FACTS_PAGES)
def test_inline_code_is_attribute_access_plus_a_formatter(source):
    text = (PROJECT_DIR / source).read_text()
    expressions = INLINE.findall(text)
    assert expressions, f"{source}: no inline code found"
    for expression in expressions:
        problem = inline_problem(expression)
        assert problem is None, f"{source}: `{{python}} {expression}`: {problem}"
