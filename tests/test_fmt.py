"""fmt.table: display tables reach the page as pandoc pipe tables whose cells read back literally.

Pandoc itself (Quarto's, `quarto pandoc`) is the independent reader: whatever a data string holds,
the HTML cell pandoc makes of it shows exactly that string.
"""

from __future__ import annotations

import html
import re
import subprocess

import pandas as pd
import pytest

from conftest import PROJECT_DIR
from scaling_report import fmt

HOSTILE = [
    "<script>alert(1)</script>",
    "a | b",
    "*not emphasis* _nor_ `code`",
    "[a link](http://example.org)",
    "$x^2$ and \\(y\\)",
    "@sec-data-sources [@cite2020]",
    "back\\slash & <!-- comment",
    "# not a heading",
    "1. not a list",
    "line\nbreak",
]


@pytest.fixture(scope="module")
def pandoc():
    quarto = subprocess.run([str(PROJECT_DIR / "tools" / "find-quarto")], capture_output=True, text=True, check=True).stdout.strip()

    def to_html(markdown: str) -> str:
        return subprocess.run([quarto, "pandoc", "-f", "markdown", "-t", "html"], input=markdown, capture_output=True,
                              text=True, check=True).stdout

    return to_html


def cells(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


class TestTable:
    def test_every_data_string_reads_back_literally(self, pandoc):
        frame = pd.DataFrame({"task": HOSTILE, "r": [0.5] * len(HOSTILE)})
        page = pandoc(fmt.table(frame).to_markdown())
        read = cells(page)[0::2]
        assert read == [" ".join(text.split()) for text in HOSTILE]
        assert "<script>" not in page and "<a " not in page and "<em>" not in page and "<code>" not in page

    def test_numbers_use_the_digits_asked_for_and_a_true_minus(self, pandoc):
        frame = pd.DataFrame({"r": [0.12345, -0.5, float("nan")], "n": [3, 12, 1205]})
        read = cells(pandoc(fmt.table(frame, digits=2).to_markdown()))
        assert read == ["0.12", "3", "−0.50", "12", "—", "1,205"]

    def test_one_header_row_one_rule_one_line_per_row_and_no_index(self):
        frame = pd.DataFrame({"a": [1, 2]}, index=[10, 20])
        lines = fmt.table(frame).to_markdown().splitlines()
        assert lines == ["| a |", "|---:|", "| 1 |", "| 2 |"]

    def test_the_page_gets_markdown_and_never_html(self):
        table = fmt.table(pd.DataFrame({"a": [1]}))
        assert table._repr_markdown_() == table.to_markdown()
        assert not hasattr(table, "_repr_html_")

    def test_identical_frames_give_identical_tables(self):
        frame = pd.DataFrame({"a": [1.5, 2.25], "b": ["x", "y"]})
        assert fmt.table(frame).to_markdown() == fmt.table(frame.copy()).to_markdown()

    def test_no_false_precision_in_a_float_column(self):
        frame = pd.DataFrame({"exact": [4.5, 7.0], "whole": [4.0, 12.0], "fine": [0.12345, 0.5]})
        lines = fmt.table(frame, digits=3).to_markdown().splitlines()
        assert lines[2:] == ["| 4\\.5 | 4 | 0\\.123 |", "| 7\\.0 | 12 | 0\\.500 |"]

    def test_a_bare_web_address_becomes_a_link_and_nothing_else_does(self, pandoc):
        frame = pd.DataFrame({"source": ["https://arxiv.org/abs/2206.04615", "see https://x.org", "javascript:alert(1)",
                                         "https://a.org/<script>"]})
        page = pandoc(fmt.table(frame).to_markdown())
        links = re.findall(r'<a href="([^"]+)"', page)
        assert links == ["https://arxiv.org/abs/2206.04615"]
        assert cells(page)[1:] == ["see https://x.org", "javascript:alert(1)", "https://a.org/<script>"]
