"""Charts of the data-and-parameters chapter: the interactive budget calculator and the saving factor."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE, params_axis, params_tooltip


def calculator(curves: pd.DataFrame, optima: pd.DataFrame, text: pd.DataFrame, start: float = 23.5) -> alt.VConcatChart:
    """Slider over log10 compute: the data each model size needs to match the compute-optimal loss.

    Every number is precomputed in the package (`chinchilla_law.calculator_data`); the slider
    only selects rows of that grid, so the page carries no formulas.
    """
    steps = sorted(curves["log10_c"].unique())
    step = float(steps[1] - steps[0]) if len(steps) > 1 else 1.0
    budget = alt.param(
        name="log10_budget",
        value=start,
        bind=alt.binding_range(min=float(steps[0]), max=float(steps[-1]), step=step, name="log10 of training compute (FLOPs) "),
    )
    selected = f"abs(datum.log10_c - log10_budget) < {step / 4}"
    fits = list(dict.fromkeys(optima["fit"]))
    color = alt.Color("fit:N", scale=alt.Scale(domain=fits, range=PALETTE[: len(fits)]), legend=None)
    si_axis = "replace(datum.label, 'G', 'B')"
    x = alt.X("N:Q", scale=alt.Scale(type="log"), title="parameters N", axis=params_axis())
    y = alt.Y("D:Q", scale=alt.Scale(type="log"), title="tokens D (same loss)", axis=alt.Axis(format="~s", labelExpr=si_axis))
    curves, n_tip = params_tooltip(curves, "N", "parameters")
    curves, d_tip = params_tooltip(curves, "D", "tokens")
    line = (
        alt.Chart(curves)
        .transform_filter(selected)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=color,
            tooltip=[
                "fit:N",
                alt.Tooltip("k:Q", format=".3g", title="N / N*"),
                n_tip,
                d_tip,
                alt.Tooltip("saving:Q", format=".2f", title="D* / D"),
            ],
        )
    )
    points = alt.Chart(optima).transform_filter(selected)
    optimum = points.mark_point(filled=True, size=70, shape="diamond").encode(x=x, y=y, color=color)
    floor = points.mark_rule(strokeDash=[5, 4]).encode(y=alt.Y("D_inf:Q"), color=color)
    plot = alt.layer(floor, line, optimum).properties(
        width=460, height=260, title=["Diamond: compute-optimal run;", "dashed: data an unlimited model needs"]
    )
    lines = (
        alt.Chart(text)
        .transform_filter(selected)
        .mark_text(align="left", baseline="middle", fontSize=11)
        .encode(x=alt.value(0), y=alt.Y("line:O", axis=None), text="text:N", color=color)
        .properties(width=460, height=16 * text["line"].nunique(), view=alt.ViewBackground(stroke=None))
    )
    return alt.vconcat(lines, plot).add_params(budget)


def budget_factor(frame: pd.DataFrame) -> alt.LayerChart:
    """D_ref / D_inf against budget for the optimal reference run and a fixed 20 tokens per parameter."""
    fits = list(dict.fromkeys(frame["fit"]))
    base = alt.Chart(frame).encode(
        x=alt.X("log10_c:Q", title="log10 training compute (FLOPs)", scale=alt.Scale(zero=False)),
        y=alt.Y("factor:Q", title="data saving (×)", scale=alt.Scale(zero=False)),
        color=alt.Color("fit:N", scale=alt.Scale(domain=fits, range=PALETTE[: len(fits)]), title=None),
    )
    # The points are a layer of their own: a line's `point` overlay leaves the line-style legend's
    # symbols stroked transparent (vega/vega-lite#7033).
    line_styles = alt.Legend(symbolType="stroke", symbolStrokeColor=PALETTE[5], symbolStrokeWidth=2, symbolSize=600, labelLimit=320)
    lines = base.mark_line().encode(strokeDash=alt.StrokeDash("reference:N", title="reference run", legend=line_styles))
    points = base.mark_point(filled=True, size=20).encode(
        detail="reference:N",
        tooltip=["fit:N", "reference:N", alt.Tooltip("log10_c:Q", title="log10 C"), alt.Tooltip("factor:Q", format=".3f")],
    )
    return alt.layer(lines, points).properties(width=420, height=240)
