"""Charts of Chapter 5: inverse and U-shaped scaling on the Inverse Scaling Prize tasks."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import PALETTE

FLOPS_AXIS = alt.Axis(format=".0e", labelExpr="replace(datum.label, '+', '')", labelOverlap="greedy", tickCount=4)


def _series_scale(series) -> alt.Scale:
    names = sorted(set(series))
    others = [n for n in names if n != "PaLM"]
    # PaLM, the series the chapter is about, takes the first colour; the others follow in name order
    rest = PALETTE[1:]
    colors = {n: rest[i % len(rest)] for i, n in enumerate(others)} | {"PaLM": PALETTE[0]}
    return alt.Scale(domain=names, range=[colors[n] for n in names])


def _flops_x(field: str = "f", title: str = "Training FLOPs (log scale)") -> alt.X:
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(type="log"), axis=FLOPS_AXIS)


def small_multiples(points: pd.DataFrame, columns: int = 3) -> alt.FacetChart:
    """Accuracy against training FLOPs for every task and series, with 95% Wilson intervals and
    the chance line; click a series in the legend to pick it out."""
    compact = pd.DataFrame(
        {
            "t": points["task_name"],
            "s": points["family"],
            "m": points["model"],
            "f": (10 ** points["log10_flops"]).map(lambda v: float(f"{v:.3g}")),
            "y": points["score"].round(3),
            "lo": points["low"].round(3),
            "hi": points["high"].round(3),
            "c": points["chance"].round(4),
        }
    )
    pick = alt.selection_point(fields=["s"], bind="legend", name="series")
    color = alt.Color(
        "s:N",
        title="Series (click to pick out)",
        scale=_series_scale(compact["s"]),
        legend=alt.Legend(orient="bottom", columns=3, labelLimit=220),
    )
    faded = alt.condition(pick, alt.value(0.9), alt.value(0.08))
    base = alt.Chart()
    lines = base.mark_line(strokeWidth=1.3).encode(x=_flops_x(), y=alt.Y("y:Q", title="Accuracy"), color=color, detail="s:N", opacity=faded)
    bars = base.mark_rule(strokeWidth=1).encode(x=_flops_x(), y="lo:Q", y2="hi:Q", color=color, opacity=faded)
    dots = base.mark_point(size=22, filled=True).encode(
        x=_flops_x(),
        y="y:Q",
        color=color,
        opacity=faded,
        tooltip=[
            alt.Tooltip("m:N", title="Model"),
            alt.Tooltip("y:Q", title="Accuracy", format=".3f"),
            alt.Tooltip("lo:Q", title="95% low", format=".3f"),
            alt.Tooltip("hi:Q", title="95% high", format=".3f"),
        ],
    )
    chance = base.mark_rule(color="#777777", strokeDash=[4, 3]).encode(y="mean(c):Q")
    return (
        alt.layer(chance, bars, lines, dots.add_params(pick), data=compact)
        .properties(width=170, height=130)
        .facet(facet=alt.Facet("t:N", title=None), columns=columns)
    )


def loss_chart(points: pd.DataFrame) -> alt.Chart:
    """The loss task (lower is better) against training FLOPs, one line per series."""
    compact = pd.DataFrame(
        {
            "s": points["family"],
            "m": points["model"],
            "f": (10 ** points["log10_flops"]).map(lambda v: float(f"{v:.3g}")),
            "y": points["score"].round(3),
        }
    )
    color = alt.Color("s:N", title="Series", scale=_series_scale(compact["s"]))
    base = alt.Chart(compact)
    line = base.mark_line(point=True).encode(
        x=_flops_x(),
        y=alt.Y("y:Q", title="Loss (lower is better)"),
        color=color,
        tooltip=[alt.Tooltip("m:N", title="Model"), alt.Tooltip("y:Q", title="Loss", format=".2f")],
    )
    return line.properties(width=420, height=260)


def palm_steps_chart(palm: pd.DataFrame) -> alt.Chart:
    """PaLM per task: the 62B → 540B rise and 540B against 1B, with 95% intervals."""
    rows = []
    for label, column in (("540B − 62B", "rise"), ("540B − 1B", "vs_small")):
        rows.append(
            pd.DataFrame(
                {
                    "t": palm["task_name"],
                    "k": label,
                    "d": palm[column].round(3),
                    "lo": palm[f"{column}_low"].round(3),
                    "hi": palm[f"{column}_high"].round(3),
                }
            )
        )
    data = pd.concat(rows, ignore_index=True)
    y = alt.Y("t:N", title=None, sort=list(palm.sort_values("rise")["task_name"]))
    y_offset = alt.YOffset("k:N")
    color = alt.Color("k:N", title="Difference", scale=alt.Scale(range=PALETTE[:2]))
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("lo:Q", title="Accuracy difference"), x2="hi:Q", y=y, yOffset=y_offset, color=color)
    dots = base.mark_point(filled=True, size=45).encode(
        x="d:Q",
        y=y,
        yOffset=y_offset,
        color=color,
        tooltip=[
            alt.Tooltip("t:N", title="Task"),
            alt.Tooltip("k:N", title="Difference"),
            alt.Tooltip("d:Q", format="+.3f", title="Value"),
            alt.Tooltip("lo:Q", format="+.3f", title="95% low"),
            alt.Tooltip("hi:Q", format="+.3f", title="95% high"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888888").encode(x="x:Q")
    return alt.layer(zero, bars, dots).properties(width=420, height=320)


def mixture_chart(fit_points: pd.DataFrame, fits: pd.DataFrame, columns: int = 3) -> alt.FacetChart:
    """Each U-shaped curve with its fitted mixture curve, the fitted turning scale (vertical line)
    and its 95% profile-likelihood interval (band, where it closes)."""
    curve_label = fits["label"]
    points = pd.DataFrame(
        {
            "k": fit_points["curve"],
            "w": fit_points["kind"],
            "f": (10 ** fit_points["log10_flops"]).map(lambda v: float(f"{v:.4g}")),
            "y": fit_points["score"].round(3),
            "lo": fit_points["low"].round(3),
            "hi": fit_points["high"].round(3),
        }
    )
    turns = pd.DataFrame(
        {
            "k": curve_label,
            "f": np.where(np.isfinite(fits["turning"]), 10 ** fits["turning"], np.nan),
            "a": np.where(np.isfinite(fits["turning_low"]), 10 ** fits["turning_low"], np.nan),
            "b": np.where(np.isfinite(fits["turning_high"]), 10 ** fits["turning_high"], np.nan),
            "st": fits["status"],
        }
    )
    # Keep only turning scales inside each panel's range: a runaway fit would stretch the axis.
    ranges = fit_points.groupby("curve")["log10_flops"].agg(["min", "max"])
    inside = [ranges.loc[k, "min"] <= np.log10(f) <= ranges.loc[k, "max"] if np.isfinite(f) else False for k, f in zip(turns["k"], turns["f"], strict=True)]
    turns = turns[inside]
    for column in ("f", "a", "b"):
        turns[column] = turns[column].map(lambda v: float(f"{v:.3g}") if np.isfinite(v) else None)
    points["w"] = points["w"].map({"observed": "o", "fit": "f"})
    turns["w"] = "t"
    # Inline records without empty fields: the page carries this data, so keep it small.
    records = [
        {key: value for key, value in row.items() if value is not None and not (isinstance(value, float) and np.isnan(value))}
        for row in pd.concat([points, turns], ignore_index=True).to_dict(orient="records")
    ]
    # Panel labels travel once, in a lookup table, rather than on every point.
    labels = list(dict.fromkeys(curve_label))
    index = {label: i for i, label in enumerate(labels)}
    for record in records:
        record["i"] = index[record.pop("k")]
    lookup = alt.LookupData(alt.Data(values=[{"i": i, "k": label} for i, label in enumerate(labels)]), key="i", fields=["k"])
    merged = alt.Data(values=records)
    base = alt.Chart()
    x = _flops_x()
    observed = base.transform_filter("datum.w == 'o'")
    fitted = base.transform_filter("datum.w == 'f'")
    turning = base.transform_filter("datum.w == 't'")
    band = (
        turning.transform_filter("isValid(datum.a) && isValid(datum.b)")
        .mark_rect(color=PALETTE[1], opacity=0.15)
        .encode(x=_flops_x("a"), x2="b:Q")
    )
    rule = turning.mark_rule(color=PALETTE[7], strokeDash=[3, 2]).encode(x=x, tooltip=[alt.Tooltip("st:N", title="Fit")])
    line = fitted.mark_line(color=PALETTE[1]).encode(x=x, y=alt.Y("y:Q", title="Accuracy", scale=alt.Scale(domain=[0, 1])))
    bars = observed.mark_rule(color=PALETTE[0]).encode(x=x, y="lo:Q", y2="hi:Q")
    dots = observed.mark_point(filled=True, size=28, color=PALETTE[0]).encode(
        x=x, y="y:Q", tooltip=[alt.Tooltip("y:Q", title="Accuracy", format=".3f")]
    )
    return (
        alt.layer(band, rule, line, bars, dots)
        .properties(width=170, height=110)
        .facet(
            data=merged,
            facet=alt.Facet("k:N", title=None, sort=labels, header=alt.Header(labelFontSize=10, labelLimit=180)),
            columns=columns,
        )
        .transform_lookup(lookup="i", from_=lookup)
        .resolve_scale(x="independent")
    )


def neqa_chart(points: pd.DataFrame) -> alt.FacetChart:
    """NeQA accuracy per model under three prompts, and the plain (non-negated) questions."""
    compact = pd.DataFrame(
        {
            "s": points["model_family"],
            "m": points["model_label"],
            "o": points["order"],
            "k": points["prompt"],
            "y": points["score"].round(3),
            "lo": points["low"].round(3),
            "hi": points["high"].round(3),
        }
    )
    prompts = list(dict.fromkeys(compact["k"]))
    order = ["zero-shot", "zero-shot with hint", "few-shot with chain-of-thought"]
    prompts = [p for p in order if p in prompts] + [p for p in prompts if p not in order]
    color = alt.Color(
        "k:N",
        title="Prompt",
        sort=prompts,
        scale=alt.Scale(domain=prompts, range=[PALETTE[1], PALETTE[4], PALETTE[0], PALETTE[5]]),
        legend=alt.Legend(labelLimit=320, orient="bottom", direction="vertical"),
    )
    x = alt.X("m:N", title="Model (by size)", sort=alt.EncodingSortField("o"), axis=alt.Axis(labelAngle=-30))
    base = alt.Chart()
    line = base.mark_line(point=True).encode(
        x=x,
        y=alt.Y("y:Q", title="Accuracy", scale=alt.Scale(domain=[0.2, 1])),
        color=color,
        tooltip=[
            alt.Tooltip("m:N", title="Model"),
            alt.Tooltip("k:N", title="Prompt"),
            alt.Tooltip("y:Q", title="Accuracy", format=".2f"),
        ],
    )
    bars = base.mark_rule().encode(x=x, y="lo:Q", y2="hi:Q", color=color)
    chance = alt.Chart().mark_rule(color="#777777", strokeDash=[4, 3]).encode(y=alt.datum(0.5))
    return (
        alt.layer(chance, bars, line, data=compact)
        .properties(width=240, height=180)
        .facet(facet=alt.Facet("s:N", title=None), columns=2)
        .resolve_scale(x="independent")
    )
