"""The book's sources as the tests see them: the page list of `_quarto.yml` and each chapter's
Python cells with their `#|` options (Quarto's own cell-option syntax, read as YAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((PROJECT_DIR / "_quarto.yml").read_text(encoding="utf-8"))
FENCE_OPEN = re.compile(r"^```+\s*\{python")
FENCE_CLOSE = re.compile(r"^```+\s*$")


def _files(entries) -> list[str]:
    files: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            files.append(entry)
        else:
            files.extend(_files(entry.get("chapters", [])))
    return files


def book_sources() -> list[str]:
    """Every page's source, in book order: chapters, then appendices."""
    book = CONFIG["book"]
    return _files(book["chapters"]) + _files(book.get("appendices", []))


@dataclass
class Cell:
    path: str
    index: int  # 1-based among the page's Python cells
    line: int  # line of the opening fence
    options: dict = field(default_factory=dict)
    source: str = ""

    @property
    def label(self) -> str | None:
        value = self.options.get("label")
        return str(value) if value is not None else None

    def describe(self) -> str:
        return f"cell {self.label or self.index} (line {self.line})"


@dataclass
class Document:
    path: str
    text: str
    cells: list[Cell]


def parse_document(source: str) -> Document:
    text = (PROJECT_DIR / source).read_text(encoding="utf-8")
    cells: list[Cell] = []
    current: Cell | None = None
    options: list[str] = []
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None and FENCE_OPEN.match(line):
            current, options, body = Cell(source, len(cells) + 1, number), [], []
        elif current is not None and FENCE_CLOSE.match(line):
            current.options = yaml.safe_load("\n".join(options)) or {}
            current.source = "\n".join(body)
            cells.append(current)
            current = None
        elif current is not None and line.startswith("#|") and not body:
            options.append(line[2:].removeprefix(" "))
        elif current is not None:
            body.append(line)
    return Document(source, text, cells)
