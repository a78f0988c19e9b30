"""Charts of Chapter 1: gain-on-gain scatters, the equal-compute comparison and the r forest."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

GAIN_AXIS = {"gain1": "Gain from the first step", "gain2": "Gain from the next step"}


def _gain_tooltip(task: str, f1: str, f2: str, f3: str, gain1: str, gain2: str) -> list[alt.Tooltip]:
    """Tooltip of one task in a gain scatter: its three scores and two gains."""
    scores = [(f1, "Score, smallest"), (f2, "Score, middle"), (f3, "Score, largest")]
    gains = [(gain1, "First gain"), (gain2, "Next gain")]
    return (
        [alt.Tooltip(f"{task}:N", title="Task")]
        + [alt.Tooltip(f"{field}:Q", title=title, format=".3f") for field, title in scores]
        + [alt.Tooltip(f"{field}:Q", title=title, format="+.3f") for field, title in gains]
    )


def gain_scatter(points: pd.DataFrame, facet: str = "ladder", columns: int = 2) -> alt.FacetChart:
    """Gain2 against gain1 per task, with the least-squares line, one panel per `facet` value."""
    base = alt.Chart()
    dots = base.mark_point().encode(
        x=alt.X("gain1:Q", title=GAIN_AXIS["gain1"]),
        y=alt.Y("gain2:Q", title=GAIN_AXIS["gain2"]),
        tooltip=_gain_tooltip("task", "f1", "f2", "f3", "gain1", "gain2"),
    )
    line = base.transform_regression("gain1", "gain2").mark_line(color=PALETTE[1]).encode(x="gain1:Q", y="gain2:Q")
    return (
        alt.layer(dots, line, data=points)
        .properties(width=250, height=220)
        .facet(facet=alt.Facet(f"{facet}:N", title=None), columns=columns)
        .resolve_scale(x="independent", y="independent")
    )


def gain_explorer(points: pd.DataFrame) -> alt.Chart:
    """Interactive scatter: choose a ladder and a consecutive triple from a dropdown."""
    # Short field names and an integer key keep the inlined data small (the page must stay light).
    labels = list(dict.fromkeys(points["ladder"] + " · " + points["triple"]))
    compact = pd.DataFrame(
        {
            "key": (points["ladder"] + " · " + points["triple"]).map({label: i for i, label in enumerate(labels)}),
            "t": points["task"],
            **{short: points[long].round(3) for short, long in (("a", "f1"), ("b", "f2"), ("c", "f3"), ("x", "gain1"), ("y", "gain2"))},
        }
    )
    choice = alt.param(
        name="triple",
        value=0,
        bind=alt.binding_select(options=list(range(len(labels))), labels=labels, name="Ladder and sizes: "),
    )
    base = alt.Chart(compact).transform_filter(alt.datum.key == choice)
    dots = base.mark_point().encode(
        x=alt.X("x:Q", title=GAIN_AXIS["gain1"]),
        y=alt.Y("y:Q", title=GAIN_AXIS["gain2"]),
        tooltip=_gain_tooltip("t", "a", "b", "c", "x", "y"),
    )
    line = base.transform_regression("x", "y").mark_line(color=PALETTE[1]).encode(x="x:Q", y="y:Q")
    return alt.layer(dots, line).add_params(choice).properties(width=420, height=320)


def head_to_head(points: pd.DataFrame) -> alt.FacetChart:
    """Chinchilla 70B against Gopher 280B per task; points above the diagonal improved."""
    # Layers of a faceted chart must not carry their own data, or the facet cannot split it.
    base = alt.Chart()
    dots = base.mark_point().encode(
        x=alt.X("Gopher:Q", title="Gopher 280B score", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("Chinchilla:Q", title="Chinchilla 70B score", scale=alt.Scale(domain=[0, 1])),
        tooltip=[
            alt.Tooltip("task:N", title="Task"),
            alt.Tooltip("Gopher:Q", format=".3f"),
            alt.Tooltip("Chinchilla:Q", format=".3f"),
        ],
    )
    diagonal = base.mark_rule(color="#888888", strokeDash=[4, 4]).encode(
        x=alt.datum(0), y=alt.datum(0), x2=alt.datum(1), y2=alt.datum(1)
    )
    return (
        alt.layer(diagonal, dots, data=points)
        .properties(width=240, height=240)
        .facet(facet=alt.Facet("benchmark:N", title=None), columns=2)
    )


def r_forest(table: pd.DataFrame) -> alt.Chart:
    """r with its 95% Fisher interval for every consecutive triple, one row of panels per ladder."""
    frame = table.assign(
        ladder_label=table["family"] + " · " + table["n_shots"].map(lambda k: f"{int(k)}-shot"),
        position=table.groupby("ladder").cumcount() + 1,
    )[["ladder_label", "triple", "position", "r", "ci_low", "ci_high", "n"]].round(3)
    base = alt.Chart().encode(
        y=alt.Y("triple:N", title=None, sort=alt.EncodingSortField("position")),
    )
    bars = base.mark_rule().encode(x=alt.X("ci_low:Q", title="Correlation of successive gains (r, 95% CI)", scale=alt.Scale(domain=[-1, 1])), x2="ci_high:Q")
    dots = base.mark_point(filled=True).encode(
        x="r:Q",
        tooltip=[alt.Tooltip("triple:N", title="Sizes"), alt.Tooltip("r:Q", format="+.2f"), alt.Tooltip("ci_low:Q", title="CI low", format="+.2f"), alt.Tooltip("ci_high:Q", title="CI high", format="+.2f"), alt.Tooltip("n:Q", title="Tasks")],
    )
    zero = alt.Chart().mark_rule(color="#888888", strokeDash=[4, 4]).encode(x=alt.datum(0))
    return (
        alt.layer(bars, dots, zero, data=frame)
        .properties(width=300, height=alt.Step(14))
        .facet(row=alt.Row("ladder_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
        .resolve_scale(y="independent")
    )
