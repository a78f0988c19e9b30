"""Chart builders for the controlled-ladder forecasting section of chapter 6."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE


def target_errors_chart(forecasts: pd.DataFrame, papers: pd.DataFrame, labels: dict[str, str]) -> alt.FacetChart:
    """Absolute error (points) per task of each method's forecast of the OLMo-2 targets, beside the paper's stored errors."""
    ours = forecasts[["target", "task", "method", "error"]]
    paper = papers.assign(method="paper")[["target", "task", "method", "error"]]
    frame = pd.concat([ours, paper], ignore_index=True)
    names = labels | {"paper": "Bhagia et al. 2024 (stored)"}
    frame = frame.assign(Method=frame["method"].map(names), points=(frame["error"] * 100).round(2))[["target", "task", "Method", "points"]]
    order = list(names.values())
    color = alt.Color("Method:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[: len(order)]), legend=alt.Legend(orient="top", title=None, columns=3, labelLimit=260))
    points = alt.Chart().mark_point(filled=True, size=45).encode(
        x=alt.X("points:Q", title="absolute error (accuracy points)"),
        y=alt.Y("task:N", title=None),
        color=color,
        shape=alt.Shape("Method:N", sort=order, legend=None),
        tooltip=["target:N", "task:N", "Method:N", alt.Tooltip("points:Q", format=".1f")],
    )
    return alt.layer(points, data=frame).properties(width=300, height=200).facet(column=alt.Column("target:N", title=None))
