"""Charts of Chapter 4 (sigmoids and states). Each function takes `sigmoid.ChapterResults` parts.

Chart data are aggregated and rounded here so the page stays light: the explorer's grid is the
largest inlined data set (a few thousand rows with one-letter field names).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .. import sigmoid as S
from ..ladders import TASK_ID
from . import PALETTE, params_axis, params_tooltip

STATUS_COLORS = {
    "rising, midpoint inside": PALETTE[0],
    "rising, midpoint outside": PALETTE[3],
    "flat": PALETTE[5],
    "non-monotone": PALETTE[1],
}
TRANSITION_ORDER = list(S.TRANSITIONS)


def _status_scale() -> alt.Scale:
    return alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))


# --- example fits -------------------------------------------------------------------------


def example_tasks(fits: pd.DataFrame, family: str = "BIG-G T=0", per_status: int = 2) -> pd.DataFrame:
    """Rows of `fits` to show as examples: per status, the tasks that show it most clearly.

    Rising tasks: highest R²; flat: most items (least noisy); non-monotone: largest fall
    relative to its tolerance.
    """
    f = fits[fits["family"] == family]
    picks = []
    for status in S.STATUSES:
        g = f[f["status"] == status]
        if status.startswith("rising"):
            g = g.sort_values(["r2", "task"], ascending=[False, True])
        elif status == "flat":
            g = g.sort_values(["n_items", "task"], ascending=[False, True])
        else:
            g = g.assign(excess=g["max_drop"] / g["drop_tolerance"]).sort_values(["excess", "task"], ascending=[False, True])
        picks.append(g.head(per_status))
    return pd.concat(picks, ignore_index=True)


def example_fits(fits: pd.DataFrame, ladder, family: str = "BIG-G T=0") -> alt.FacetChart:
    """Observed scores and fitted sigmoids for a few tasks of each fit status, with the chance line."""
    chosen = example_tasks(fits, family)
    wide = ladder.matrix("raw")
    sizes = np.asarray(wide.columns, dtype=float)
    grid = np.geomspace(sizes[0], sizes[-1], 40)
    parts = []
    for row in chosen.itertuples():
        key = tuple(getattr(row, c) for c in TASK_ID)
        label = f"{row.task} ({row.status})"
        fitted = S.sigmoid_curve(np.log(grid), row.k, row.x0, row.chance, row.ceiling)
        parts += [
            pd.DataFrame({"p": label, "n": sizes, "y": wide.loc[key].to_numpy(float), "t": "o"}),
            pd.DataFrame({"p": label, "n": grid, "y": fitted, "t": "f"}),
            pd.DataFrame({"p": label, "n": sizes[[0, -1]], "y": row.chance, "t": "c"}),
        ]
    data = pd.concat(parts, ignore_index=True)
    data["n"] = data["n"].map(lambda v: float(f"{v:.4g}"))
    data["y"] = data["y"].round(3)
    data, size_tip = params_tooltip(data, "n", "Size")
    x = alt.X("n:Q", scale=alt.Scale(type="log"), title="Parameters", axis=params_axis(values=[1e6, 1e8, 1e10]))
    y = alt.Y("y:Q", title="Score")
    dots = alt.Chart().mark_point(filled=True, size=30, color=PALETTE[6]).encode(
        x=x, y=y, tooltip=[size_tip, alt.Tooltip("y:Q", format=".3f", title="Score")]
    ).transform_filter(alt.datum.t == "o")
    line = alt.Chart().mark_line(color=PALETTE[1]).encode(x=x, y=y).transform_filter(alt.datum.t == "f")
    floor = alt.Chart().mark_line(strokeDash=[4, 3], color="#777777").encode(x=x, y=y).transform_filter(alt.datum.t == "c")
    return (
        alt.layer(dots, line, floor, data=data)
        .properties(width=125, height=110)
        .facet(facet=alt.Facet("p:N", title=None, sort=list(dict.fromkeys(data["p"])), header=alt.Header(labelFontSize=10)), columns=4)
        .resolve_scale(y="independent")
    )


# --- fitted parameters --------------------------------------------------------------------


def fitted_parameters(fits: pd.DataFrame, ladders) -> alt.FacetChart:
    """Fitted midpoint against slope per task, coloured by status; grey band = the ladder's sizes."""
    d = pd.DataFrame({
        "ladder": fits["ladder"].map(S._short),
        "task": fits["task"],
        "mid": np.exp(fits["x0"]).map(lambda v: float(f"{v:.3g}")),
        "k": fits["k"].clip(lower=0.01).map(lambda v: float(f"{v:.3g}")),
        "status": fits["status"],
        "r2": fits["r2"].round(2),
    })
    spans = pd.DataFrame({"ladder": [S._short(l.name) for l in ladders], "lo": [l.sizes[0] for l in ladders], "hi": [l.sizes[-1] for l in ladders]})
    order = list(spans["ladder"])
    # One data set for the facet: points and the ladders' size spans, told apart by `layer`.
    d, mid_tip = params_tooltip(d, "mid", "Midpoint")
    combined = pd.concat([d.assign(layer="pt"), spans.assign(layer="band")], ignore_index=True)
    x = alt.X("mid:Q", scale=alt.Scale(type="log"), title="Fitted midpoint exp(x₀), parameters", axis=params_axis())
    band = alt.Chart().mark_rect(color="#e9e9e9").encode(x=alt.X("lo:Q", scale=alt.Scale(type="log")), x2="hi:Q").transform_filter(alt.datum.layer == "band")
    dots = alt.Chart().mark_point(filled=True, size=28, opacity=0.75).encode(
        x=x,
        y=alt.Y("k:Q", scale=alt.Scale(type="log"), title="Fitted slope k (per ln N)"),
        color=alt.Color("status:N", scale=_status_scale(), title="Fit", legend=alt.Legend(orient="bottom", labelLimit=0, columns=2)),
        tooltip=[
            alt.Tooltip("task:N", title="Task"),
            alt.Tooltip("status:N", title="Fit"),
            mid_tip,
            alt.Tooltip("k:Q", format=".2f", title="k"),
            alt.Tooltip("r2:Q", format=".2f", title="R²"),
        ],
    ).transform_filter(alt.datum.layer == "pt")
    return (
        alt.layer(band, dots, data=combined)
        .properties(width=250, height=190)
        .facet(facet=alt.Facet("ladder:N", title=None, sort=order), columns=2)
    )


# --- simulated correlation: sign map and explorer ------------------------------------------


def sign_map(grid: pd.DataFrame, noises=(0.0, 0.02, 0.1)) -> alt.FacetChart:
    """Simulated population r over spacing x midpoint spread, one panel per slope and noise level."""
    g = grid[grid["noise"].isin(noises)]
    d = pd.DataFrame({"d": g["doublings"], "s": g["x0_decades"], "k": g["k"], "e": (100 * g["noise"]).round().astype(int), "r": g["r"].round(2)})
    return (
        alt.Chart(d)
        .transform_calculate(ratio="pow(2, datum.d)")
        .mark_rect()
        .encode(
            x=alt.X("d:O", title="Doublings per step (×8 = 3)", axis=alt.Axis(labelAngle=0, values=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])),
            y=alt.Y("s:O", title="x₀ sd (decades)", sort="descending"),
            color=alt.Color("r:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]), title="r"),
            tooltip=[
                alt.Tooltip("ratio:Q", title="Size ratio per step", format=".3~r"),
                alt.Tooltip("s:Q", title="Midpoint sd (decades)"),
                alt.Tooltip("r:Q", title="r", format="+.2f"),
            ],
        )
        .properties(width=165, height=90)
        .facet(
            row=alt.Row("k:O", title=None, header=alt.Header(labelExpr="'k = ' + datum.value", labelAngle=0, labelAlign="left", labelOrient="top")),
            column=alt.Column("e:O", title=None, header=alt.Header(labelExpr="'noise ' + datum.value + '% of range'")),
        )
    )


def explorer(grid: pd.DataFrame) -> alt.LayerChart:
    """Sliders for spacing, midpoint spread and noise over the precomputed grid; one line per slope.

    Lines: simulated population r against spacing for the chosen spread and noise. Band: the
    2.5%-97.5% range of r within one benchmark of 24 tasks. The vertical rule and labels mark the
    chosen spacing.
    """
    d = pd.DataFrame({
        "d": grid["doublings"], "s": grid["x0_decades"], "e": (100 * grid["noise"]).round().astype(int),
        "k": grid["k"].map("{:g}".format), "r": grid["r"].round(3), "lo": grid["lo"].round(3), "hi": grid["hi"].round(3),
    })
    spacing = alt.param(name="doublings", value=3.0, bind=alt.binding_range(min=0.5, max=8.0, step=0.5, name="Doublings of size per step: "))
    spread = alt.param(name="spread", value=1.0, bind=alt.binding_range(min=0.5, max=2.0, step=0.5, name="Midpoint spread (sd, decades): "))
    noise = alt.param(name="noise", value=2, bind=alt.binding_range(min=0, max=10, step=2, name="Noise (% of range): "))
    base = alt.Chart(d).transform_filter(
        (alt.expr.abs(alt.datum.s - spread) < 0.01) & (alt.expr.abs(alt.datum.e - noise) < 0.5)
    )
    color = alt.Color("k:N", title="Slope k", scale=alt.Scale(domain=[f"{k:g}" for k in S.EXPLORER_KS], range=PALETTE[:3]))
    x = alt.X("d:Q", title="Doublings of size per step (PaLM ≈ 3, Pythia ≈ 0.5–1.3)", scale=alt.Scale(domain=[0.5, 8], nice=False))
    band = base.mark_area(opacity=0.12).encode(x=x, y=alt.Y("lo:Q", title="Correlation of successive gains", scale=alt.Scale(domain=[-1, 1])), y2="hi:Q", color=color)
    lines = base.mark_line(strokeWidth=2).encode(x=x, y="r:Q", color=color)
    chosen = base.transform_filter(alt.expr.abs(alt.datum.d - spacing) < 0.01)
    dots = chosen.mark_point(size=70, filled=True).encode(
        x=x, y="r:Q", color=color,
        tooltip=[alt.Tooltip("k:N", title="k"), alt.Tooltip("r:Q", format="+.2f", title="r"),
                 alt.Tooltip("lo:Q", format="+.2f", title="2.5% (24 tasks)"), alt.Tooltip("hi:Q", format="+.2f", title="97.5% (24 tasks)")],
    )
    labels = chosen.mark_text(align="left", dx=8, fontSize=12).encode(
        x=x, y="r:Q", color=color, text=alt.Text("r:Q", format="+.2f")
    )
    rule = alt.Chart(pd.DataFrame({"z": [0.0]})).mark_rule(color="#888888").encode(y="z:Q")
    marker = alt.Chart(pd.DataFrame({"one": [1]})).transform_calculate(d=spacing.name).mark_rule(strokeDash=[4, 3], color="#7A7A7A").encode(x="d:Q")
    return (
        alt.layer(rule, band, lines, marker, dots, labels)
        .add_params(spacing, spread, noise)
        .properties(width=520, height=320)
    )


# --- states -------------------------------------------------------------------------------


def _state_long(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    keep = frame.groupby("transition")["share"].transform("max") > 0
    f = frame[keep]
    long = pd.concat([
        pd.DataFrame({group: f[group], "transition": f["transition"], "measure": "share of tasks", "value": f["share"].round(3)}),
        pd.DataFrame({group: f[group], "transition": f["transition"], "measure": "contribution to r", "value": f["contribution"].round(3)}),
    ], ignore_index=True)
    return long


def simulated_states(states: pd.DataFrame) -> alt.HConcatChart:
    """Share of tasks on each state path and its contribution to r, per spacing (simulation)."""
    f = states.assign(scenario="×" + states["spacing"].map("{:g}".format) + " per step (r = " + states["r"].map("{:+.2f}".format) + ")")
    long = _state_long(f, "scenario")
    order = list(dict.fromkeys(f["scenario"]))
    present = [t for t in TRANSITION_ORDER if t in set(long["transition"])]
    panels = []
    for i, measure in enumerate(("share of tasks", "contribution to r")):
        panels.append(
            alt.Chart(long[long["measure"] == measure])
            .mark_bar()
            .encode(
                y=alt.Y("transition:N", sort=present, title="States at the three sizes" if i == 0 else None),
                x=alt.X("value:Q", title=measure),
                color=alt.condition(alt.datum.value < 0, alt.value(PALETTE[1]), alt.value(PALETTE[0])),
                tooltip=[alt.Tooltip("transition:N", title="States"), alt.Tooltip("value:Q", format="+.3f", title=measure)],
            )
            .properties(width=200, height=130)
            .facet(row=alt.Row("scenario:N", title=None, sort=order, header=alt.Header(labelAngle=0, labelAlign="left", labelOrient="top")))
        )
    return alt.hconcat(*panels)


def observed_states(observed: pd.DataFrame) -> alt.LayerChart:
    """Fitted-state paths of real tasks: share (text) and contribution to the observed r (colour).

    One row per ladder and spacing class, averaged over that class's triples.
    """
    f = observed.assign(scenario=observed["ladder"] + ", " + observed["class"].str.split(" ").str[0])
    keep = f.groupby("transition")["share"].transform("max") > 0
    d = pd.DataFrame({
        "sc": f.loc[keep, "scenario"], "tr": f.loc[keep, "transition"],
        "share": f.loc[keep, "share"].round(3), "c": f.loc[keep, "contribution"].round(3),
    })
    present = [t for t in TRANSITION_ORDER if t in set(d["tr"])]
    order = list(dict.fromkeys(d["sc"]))
    limit = float(max(0.05, np.abs(d["c"]).max()))
    base = alt.Chart(d).encode(
        x=alt.X("tr:N", sort=present, title="States at the three sizes (fitted)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sc:N", sort=order, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("c:Q", scale=alt.Scale(scheme="redblue", domain=[-limit, limit]), title="Contribution to r"),
        tooltip=[alt.Tooltip("sc:N", title="Ladder"), alt.Tooltip("tr:N", title="States"),
                 alt.Tooltip("share:Q", format=".0%", title="Share of tasks"), alt.Tooltip("c:Q", format="+.3f", title="Contribution to r")],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text("share:Q", format=".0%"))
    return alt.layer(cells, text).properties(width=360, height=250)


# --- reproduction -------------------------------------------------------------------------


def reproduction(table: pd.DataFrame) -> alt.FacetChart:
    """Observed r per triple (point, 95% CI) against the fitted population's simulated 95% range (bar)."""
    d = pd.DataFrame({
        "ladder": table["ladder"].map(S._short), "class": table["class"], "triple": table["triple"],
        "r": table["r"].round(3), "lo": table["ci_low"].round(3), "hi": table["ci_high"].round(3),
        "sr": table["sim_r"].round(3), "slo": table["sim_low"].round(3), "shi": table["sim_high"].round(3),
        "order": np.arange(len(table)),
    })
    y = alt.Y("triple:N", sort=alt.SortField("order"), title=None)
    x = alt.X("slo:Q", title="Correlation of successive gains", scale=alt.Scale(domain=[-1, 1]))
    band = alt.Chart().mark_bar(color="#cfcfcf", height=10).encode(y=y, x=x, x2="shi:Q")
    tick = alt.Chart().mark_tick(color="#777777", thickness=2, size=10).encode(y=y, x="sr:Q")
    err = alt.Chart().mark_rule(color=PALETTE[0]).encode(y=y, x="lo:Q", x2="hi:Q")
    dot = alt.Chart().mark_point(filled=True, size=45, color=PALETTE[0]).encode(
        y=y, x="r:Q",
        tooltip=[alt.Tooltip("triple:N"), alt.Tooltip("r:Q", format="+.2f", title="Observed r"),
                 alt.Tooltip("lo:Q", format="+.2f", title="95% CI low"), alt.Tooltip("hi:Q", format="+.2f", title="95% CI high"),
                 alt.Tooltip("sr:Q", format="+.2f", title="Simulated median"), alt.Tooltip("slo:Q", format="+.2f", title="Simulated 2.5%"),
                 alt.Tooltip("shi:Q", format="+.2f", title="Simulated 97.5%")],
    )
    zero = alt.Chart().mark_rule(color="#888888", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return (
        alt.layer(band, tick, zero, err, dot, data=d)
        .properties(width=190)
        .facet(row=alt.Row("ladder:N", title=None, sort=list(dict.fromkeys(d["ladder"])), header=alt.Header(labelAngle=0, labelAlign="left", labelOrient="top", labelFontWeight="bold")),
               column=alt.Column("class:N", title=None, sort=list(S.SPACING_CLASSES)))
        .resolve_scale(y="independent")
    )
