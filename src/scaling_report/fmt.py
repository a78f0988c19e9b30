"""Formatting of numbers for prose (Quarto inline expressions) and display tables."""

from __future__ import annotations

import math
import re


def num(value: float, digits: int = 2, signed: bool = False) -> str:
    """A number with fixed decimals and a true minus sign; '—' when undefined or infinite.

    A value that rounds to zero prints without a minus sign ("0.00", not "−0.00").
    """
    if value is None or not math.isfinite(value):
        return "—"
    if round(float(value), digits) == 0:
        value = 0.0
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def ci(low: float, high: float, digits: int = 2) -> str:
    """A 95% interval as [low, high]."""
    return f"[{num(low, digits)}, {num(high, digits)}]"


def estimate(value: float, low: float, high: float, digits: int = 2, signed: bool = False) -> str:
    """An estimate with its interval, 'value [low, high]'; '—' when the estimate is undefined."""
    if value is None or not math.isfinite(value):
        return num(float("nan"))
    return f"{num(value, digits, signed)} {ci(low, high, digits)}"


def json_number(value) -> float | None:
    """A JSON-safe number: NaN (undefined) becomes None, i.e. null."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def pct(value: float, digits: int = 0) -> str:
    """A fraction as a percentage."""
    return f"{num(100 * value, digits)}%"


def count(n: int) -> str:
    """Small counts as words in prose, as style guides ask (one to nine)."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return words[n] if 0 <= n < len(words) else f"{n:,}"


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~^$&@:\"'=])")


def markdown_text(value) -> str:
    """Cell text that pandoc reads back literally: every ASCII punctuation mark backslash-escaped,
    line breaks folded into spaces (a pipe-table row is one line)."""
    text = " ".join(str(value).split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")


def markdown_cell(value, digits: int = 3) -> str:
    """A cell as Markdown: a bare web address becomes a link, anything else literal text."""
    text = cell(value, digits)
    if _URL.match(text):
        return f"<{text}>"  # a pandoc autolink; the pattern admits no character that could end it
    return markdown_text(text)


def cell(value, digits: int = 3) -> str:
    """One table cell as text: floats with `digits` decimals and a true minus, '—' for missing."""
    import numbers

    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}".replace("-", "−")
    if isinstance(value, numbers.Real):
        return num(float(value), digits)
    try:
        import pandas as pd

        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    return str(value)


class Table:
    """A display table that reaches the page as a pandoc pipe table (`text/markdown`).

    Quarto then gives it its caption, cross-reference and table styling, and no `text/html`
    output makes Quarto add require.js. Cell text is escaped, so data strings stay literal.
    Numeric columns are right-aligned.
    """

    def __init__(self, frame, digits: int = 3):
        self.frame = frame.reset_index(drop=True)
        self.digits = digits

    def _alignment(self, column) -> str:
        from pandas.api.types import is_numeric_dtype

        return "---:" if is_numeric_dtype(self.frame[column]) and self.frame[column].dtype != bool else ":---"

    def _column_digits(self, column) -> int:
        """The fewest decimals (up to `digits`) that show every value of a float column as it
        shows at `digits`: 4.5 and 7.0 print as "4.5" and "7.0", not "4.500" and "7.000"."""
        from pandas.api.types import is_float_dtype

        values = self.frame[column]
        if not is_float_dtype(values):
            return self.digits
        finite = [float(v) for v in values if v == v and abs(v) != float("inf")]
        for decimals in range(self.digits + 1):
            if all(round(v, decimals) == round(v, self.digits) for v in finite):
                return decimals
        return self.digits

    def to_markdown(self) -> str:
        columns = list(self.frame.columns)
        header = "| " + " | ".join(markdown_text(c) for c in columns) + " |"
        rule = "|" + "|".join(self._alignment(c) for c in columns) + "|"
        decimals = [self._column_digits(c) for c in columns]
        rows = [
            "| " + " | ".join(markdown_cell(value, d) for value, d in zip(record, decimals)) + " |"
            for record in self.frame.itertuples(index=False, name=None)
        ]
        return "\n".join([header, rule, *rows]) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()


def table(frame, digits: int = 3) -> Table:
    """A display table without the row index, as a pandoc Markdown table (see `Table`)."""
    return Table(frame, digits)
