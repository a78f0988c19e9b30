"""Charts of the forecasting backtest (Chapter "Can we forecast the next model?" and the analyze report)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

METHOD_ORDER = (
    "last value",
    "mean of the last two",
    "noise-aware level",
    "momentum (last gain repeated)",
    "linear in log N",
    "per-task sigmoid",
    "pooled sigmoid",
    "family-average trend",
    "fitted level + family trend",
)
METHOD_COLORS = dict(zip(METHOD_ORDER, [PALETTE[4], PALETTE[7], PALETTE[6], PALETTE[2], PALETTE[3], PALETTE[1], PALETTE[5],
                                        PALETTE[0], PALETTE[9]]))
# Nine methods are more than colour alone can keep apart: points also differ in shape.
METHOD_SHAPES = dict(zip(METHOD_ORDER, ["circle", "square", "diamond", "triangle-up", "cross", "triangle-down",
                                        "triangle-right", "circle", "square"]))


def _method_scale(present, values: dict = METHOD_COLORS) -> alt.Scale:
    names = [m for m in METHOD_ORDER if m in set(present)]
    return alt.Scale(domain=names, range=[values[m] for m in names])


LEGEND = alt.Legend(labelLimit=260)


def _method_layers(data, x, x_field, interval, digits, y_title, extra=(), line=None, point=None):
    """Colour, MAE lines and MAE points (with their tooltip) of one line per forecasting method."""
    color = alt.Color("method:N", title="Method", scale=_method_scale(data["method"]), legend=LEGEND)
    number = f".{digits}f"
    base = alt.Chart(data)
    lines = base.mark_line(opacity=0.8, **(line or {})).encode(x=x, y=alt.Y("mae:Q", title=y_title), color=color)
    shape = alt.Shape("method:N", title="Method", scale=_method_scale(data["method"], METHOD_SHAPES), legend=LEGEND)
    points = base.mark_point(filled=True, **(point or {})).encode(
        x=x,
        y="mae:Q",
        color=color,
        shape=shape,
        tooltip=[
            alt.Tooltip("method:N", title="Method"),
            alt.Tooltip(f"{x_field[0]}:N", title=x_field[1]),
            alt.Tooltip("mae:Q", title="MAE (points)", format=number),
            alt.Tooltip(f"{interval[0]}:Q", title="95% CI low", format=number),
            alt.Tooltip(f"{interval[1]}:Q", title="95% CI high", format=number),
            *extra,
            alt.Tooltip("n:Q", title="Forecasts"),
        ],
    )
    return color, lines, points


def error_by_horizon(curve: pd.DataFrame) -> alt.FacetChart:
    """MAE (percentage points) against the size ratio forecast ahead, one line per method,
    one panel per task group, with 95% bootstrap intervals as vertical bars."""
    order = list(dict.fromkeys(curve.sort_values("bin")["ratio"]))
    # the axis title carries the "×", so the five labels fit side by side on a phone
    x = alt.X("ratio:O", title="Target ÷ largest size seen (×)", sort=order,
              axis=alt.Axis(labelAngle=0, labelExpr="replace(datum.label, '×', '')"))
    color, lines, points = _method_layers(
        curve, x, ("ratio", "Size ratio"), ("low", "high"), 1, "Mean absolute error (points)",
        extra=[alt.Tooltip("ladders:Q", title="Ladders")], line={"strokeWidth": 1.5}, point={"size": 45},
    )
    base = alt.Chart(curve)
    rules = base.mark_rule(opacity=0.5, strokeWidth=2).encode(x=x, y="low:Q", y2="high:Q", color=color)
    return (
        alt.layer(rules, lines, points, data=curve)
        .properties(width=300, height=260)
        .facet(column=alt.Column("group:N", title=None, sort=["standard benchmarks"]))
        .resolve_scale(y="independent")
    )


def relative_grid(grid: pd.DataFrame) -> alt.Chart:
    """Heat map: each ladder's MAE at the next size relative to last value (below 1 = better)."""
    ladders = list(dict.fromkeys(grid.sort_values(["group", "ladder"], ascending=[False, True])["ladder"]))
    methods = [m for m in METHOD_ORDER if m in set(grid["method"])]
    base = alt.Chart(grid).encode(
        x=alt.X("method:N", title=None, sort=methods, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y("ladder:N", title=None, sort=ladders, axis=alt.Axis(labelLimit=320)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "ratio:Q",
            title="MAE ÷ last value's",
            scale=alt.Scale(type="log", domain=[0.5, 2], domainMid=1, scheme="blueorange", clamp=True),
        ),
        tooltip=[
            alt.Tooltip("ladder:N", title="Ladder"),
            alt.Tooltip("method:N", title="Method"),
            alt.Tooltip("mae:Q", title="MAE (points)", format=".1f"),
            alt.Tooltip("ratio:Q", title="Relative to last value", format=".2f"),
        ],
    )
    # two significant digits (4.5, 13): the numbers fit their cells on a phone too
    text = base.transform_calculate(
        mae_text="datum.mae >= 9.95 ? format(datum.mae, '.0f') : format(datum.mae, '.1f')"
    ).mark_text(fontSize=11).encode(
        text=alt.Text("mae_text:N"),
        color=alt.condition("datum.ratio > 1.5 || datum.ratio < 0.67", alt.value("white"), alt.value("black")),
    )
    return alt.layer(cells, text).properties(width=420, height=alt.Step(18))


def report_errors(table: pd.DataFrame, max_ladders: int = 12) -> alt.FacetChart:
    """For the analyze report: MAE by horizon and method, one panel per ladder (first `max_ladders`)."""
    names = list(dict.fromkeys(table["ladder"]))[:max_ladders]
    order = ["next size", "two sizes ahead", "≥10× larger"]
    data = table[table["ladder"].isin(names)]
    x = alt.X("horizon:O", title=None, sort=order, axis=alt.Axis(labelAngle=0))
    _, lines, points = _method_layers(data, x, ("horizon", "Horizon"), ("ci_low", "ci_high"), 2, "MAE (points)")
    return (
        alt.layer(lines, points, data=data)
        .properties(width=260, height=200)
        .facet(facet=alt.Facet("ladder:N", title=None, sort=names), columns=2)
        .resolve_scale(y="independent")
    )


def report_triples(triples: pd.DataFrame, max_ladders: int = 12) -> alt.FacetChart:
    """For the analyze report: r of gain on previous gain per consecutive triple, with the Fisher interval."""
    names = list(dict.fromkeys(triples["ladder"]))[:max_ladders]
    data = triples[triples["ladder"].isin(names)]
    base = alt.Chart(data)
    x = alt.X("triple:N", title=None, sort=None, axis=alt.Axis(labelAngle=-40, labelLimit=160))
    zero = base.mark_rule(color="#888888", strokeDash=[4, 3]).encode(y=alt.datum(0))
    rules = base.mark_rule(color=PALETTE[0], opacity=0.6).encode(x=x, y=alt.Y("ci_low:Q", title="r (95% CI)", scale=alt.Scale(domain=[-1, 1])), y2="ci_high:Q")
    points = base.mark_point(filled=True, color=PALETTE[0]).encode(
        x=x,
        y="r:Q",
        tooltip=[
            alt.Tooltip("triple:N", title="Sizes"),
            alt.Tooltip("transform:N", title="Transform"),
            alt.Tooltip("n:Q", title="Tasks"),
            alt.Tooltip("r:Q", title="r", format="+.3f"),
            alt.Tooltip("r2:Q", title="R²", format=".3f"),
        ],
    )
    return (
        alt.layer(zero, rules, points, data=data)
        .properties(width=260, height=200)
        .facet(facet=alt.Facet("ladder:N", title=None, sort=names), columns=2)
    )
