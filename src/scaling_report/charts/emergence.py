"""Charts of the emergence chapter: switch-like curves, L-B scatter, shares across scales."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE, params_axis, params_tooltip

KIND_ORDER = ["switch-like", "improves, no sharp jump", "no clear improvement"]


def switch_curves(curves: pd.DataFrame, columns: int = 3) -> alt.FacetChart:
    """Score against size for each task, binomial 95% bars, the jump's two sizes highlighted, chance dashed."""
    curves = curves.assign(point=curves["in_jump"].map({True: "the jump's two sizes", False: "other sizes"}))
    curves, size_tip = params_tooltip(curves, "n_params", "parameters")
    base = alt.Chart().encode(
        x=alt.X("n_params:Q", scale=alt.Scale(type="log"), title="parameters", axis=params_axis(tickCount=4)),
    )
    line = base.mark_line(color=PALETTE[0], strokeWidth=1.5).encode(y=alt.Y("score:Q", title="score"))
    bars = base.mark_rule(color=PALETTE[0], opacity=0.5).encode(y="low:Q", y2="high:Q")
    points = base.mark_point(filled=True, size=30).encode(
        y="score:Q",
        color=alt.Color(
            "point:N",
            scale=alt.Scale(domain=["the jump's two sizes", "other sizes"], range=[PALETTE[1], PALETTE[0]]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("task:N"),
            size_tip,
            alt.Tooltip("score:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f", title="95% low"),
            alt.Tooltip("high:Q", format=".3f", title="95% high"),
        ],
    )
    # No x encoding: a horizontal rule across the panel.
    chance = alt.Chart().mark_rule(strokeDash=[4, 3], color="#888888").encode(y="mean(chance):Q")
    layered = alt.layer(chance, bars, line, points, data=curves).properties(width=140, height=110)
    order = list(dict.fromkeys(curves["panel"]))
    return layered.facet(
        facet=alt.Facet("panel:N", title=None, sort=order, header=alt.Header(labelFontSize=10)), columns=columns
    ).resolve_scale(y="independent")


def lb_scatter(scatter: pd.DataFrame, columns: int = 2) -> alt.FacetChart:
    """Breakthroughness against normalised linearity per task, one panel per ladder."""
    order = list(dict.fromkeys(scatter["ladder"]))
    chart = (
        alt.Chart(scatter)
        .mark_point(filled=True, size=28, opacity=0.75)
        .encode(
            x=alt.X("L/(K-1):Q", title="linearity L / (K − 1)", scale=alt.Scale(domain=[-1, 1])),
            y=alt.Y("B:Q", title="breakthroughness B"),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=KIND_ORDER, range=[PALETTE[1], PALETTE[0], PALETTE[5]]),
                title=None,
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=["ladder:N", "task:N", alt.Tooltip("L/(K-1):Q", format=".2f"), alt.Tooltip("B:Q", format=".1f"), "kind:N"],
        )
        .properties(width=230, height=170)
    )
    return chart.facet(facet=alt.Facet("ladder:N", sort=order, title=None), columns=columns)


def survival_chart(survival: pd.DataFrame) -> alt.Chart:
    """Share of switch-like tasks (95% bootstrap CI over tasks) per ladder on each scale."""
    frame = survival[["ladder", "ladder_order", "transform_order", "scale", "switch-like", "low", "high"]].copy()
    ladder_order = list(dict.fromkeys(frame.sort_values("ladder_order")["ladder"]))
    scale_order = list(dict.fromkeys(frame.sort_values("transform_order")["scale"]))
    for column in ("switch-like", "low", "high"):
        frame[column] = frame[column] * 100
    base = alt.Chart(frame).encode(
        y=alt.Y("ladder:N", sort=ladder_order, title=None),
        yOffset=alt.YOffset("scale:N", sort=scale_order),
        color=alt.Color("scale:N", sort=scale_order, title="scale", scale=alt.Scale(range=PALETTE[:4])),
    )
    rules = base.mark_rule().encode(x=alt.X("low:Q", title="switch-like tasks (%)"), x2="high:Q")
    points = base.mark_point(filled=True, size=40).encode(
        x="switch-like:Q",
        tooltip=[
            "ladder:N",
            "scale:N",
            alt.Tooltip("switch-like:Q", format=".1f", title="%"),
            alt.Tooltip("low:Q", format=".1f", title="95% low"),
            alt.Tooltip("high:Q", format=".1f", title="95% high"),
        ],
    )
    return alt.layer(rules, points).properties(width=360, height=alt.Step(9))
