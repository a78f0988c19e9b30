"""Chart builders for chapter 2 ("Logits, floors and ranges"): one function per figure."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .. import transforms
from ..ladders import size_label
from ..reanalysis import SHORT_NAMES, short_ladder
from . import PALETTE

TRANSFORM_ORDER = [transforms.LABELS[t] for t in transforms.TRANSFORMS]
TRANSFORM_COLORS = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[5]]
# Panels run from the finest ladders to the coarsest; the inverse-scaling series come last.
FAMILY_ORDER = ["BIG-G T=0", "Pythia", "Pythia (deduped)", "OPT", "BLOOM", "PaLM"]


# Panel headers are narrow: shorter than the tables' names.
PANEL_NAMES = SHORT_NAMES | {"bigbench_lite": "BB Lite", "inverse_scaling": "inv. scaling"}


def _short_ladder(name: str) -> str:
    return short_ladder(name, PANEL_NAMES)


def transform_small_multiples(table: pd.DataFrame, columns: int = 3) -> alt.FacetChart:
    """r of successive gains (95% Fisher CI) per consecutive triple, one panel per ladder,
    one colour per transform. x is the middle size of the triple."""
    frame = table[table["n"] > 0].copy()
    frame["Ladder"] = frame["ladder"].map(_short_ladder)
    frame["Transform"] = frame["transform"].map(transforms.LABELS)
    frame["Middle size"] = frame["s2"].map(size_label)
    frame["order"] = frame["position"]
    frame["family_rank"] = frame["family"].map(lambda f: FAMILY_ORDER.index(f) if f in FAMILY_ORDER else len(FAMILY_ORDER))
    # No "triple" column: Ladder and middle size identify it, and the page must stay under 300 KB.
    keep = ["Ladder", "Transform", "Middle size", "order", "n", "r", "ci_low", "ci_high"]
    ladder_order_source = frame[["Ladder", "family_rank"]].drop_duplicates()
    frame = frame[keep].round({"r": 3, "ci_low": 3, "ci_high": 3}).sort_values(["Ladder", "order", "Transform"])
    ladder_order = list(ladder_order_source.sort_values(["family_rank", "Ladder"])["Ladder"])
    color = alt.Color("Transform:N", sort=TRANSFORM_ORDER, scale=alt.Scale(domain=TRANSFORM_ORDER, range=TRANSFORM_COLORS), legend=alt.Legend(orient="top", title=None))
    # greedy: on the 12-size BIG-G panel, labels that would overlap are left out
    x = alt.X("Middle size:N", sort=alt.EncodingSortField("order"), title="middle size of the triple", axis=alt.Axis(labelAngle=-45, labelOverlap="greedy"))
    offset = alt.XOffset("Transform:N", sort=TRANSFORM_ORDER)
    tooltip = [
        alt.Tooltip("Ladder:N"),
        alt.Tooltip("Middle size:N", title="middle size"),
        alt.Tooltip("Transform:N"),
        alt.Tooltip("n:Q", title="tasks"),
        alt.Tooltip("r:Q", format=".2f"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
    ]
    base = alt.Chart().encode(x=x, xOffset=offset, color=color)
    bars = base.mark_rule(opacity=0.55).encode(y=alt.Y("ci_low:Q", title="r of successive gains", scale=alt.Scale(domain=[-1, 1])), y2="ci_high:Q")
    points = base.mark_point(filled=True, size=22).encode(y="r:Q", tooltip=tooltip)
    zero = alt.Chart().mark_rule(color="#888888", strokeDash=[3, 3]).encode(y=alt.datum(0))
    layered = alt.layer(bars, points, zero, data=frame).properties(width=125, height=110)
    return (
        layered.facet(facet=alt.Facet("Ladder:N", sort=ladder_order, title=None, header=alt.Header(labelFontSize=10, labelLimit=190)), columns=columns, spacing=8)
        .resolve_scale(x="independent")
    )


def rerun_forest(reruns: pd.DataFrame, variant_labels: dict[str, str]) -> alt.Chart:
    """The thread's reruns at the top triple: r with its 95% CI per ladder and variant."""
    frame = reruns[reruns["n"] > 0].copy()
    frame["Ladder"] = frame["ladder"].map(_short_ladder) + " (" + frame["triple"] + ")"
    frame["Variant"] = frame["variant"].map(variant_labels)
    order = [variant_labels[v] for v in variant_labels if v in set(frame["variant"])]
    frame = frame[["Ladder", "Variant", "n", "r", "ci_low", "ci_high", "detail"]].round(3)
    ladder_order = list(dict.fromkeys(frame["Ladder"]))
    y = alt.Y("Ladder:N", sort=ladder_order, title=None, axis=alt.Axis(labelLimit=360))
    offset = alt.YOffset("Variant:N", sort=order)
    color = alt.Color("Variant:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[: len(order)]), legend=alt.Legend(orient="top", columns=3, title=None))
    tooltip = ["Ladder:N", "Variant:N", alt.Tooltip("n:Q", title="tasks"), alt.Tooltip("r:Q", format=".2f"),
               alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"), alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
               alt.Tooltip("detail:N", title="floor or range")]
    base = alt.Chart(frame).encode(y=y, yOffset=offset, color=color)
    bars = base.mark_rule().encode(x=alt.X("ci_low:Q", title="r of successive gains (95% CI)", scale=alt.Scale(domain=[-1, 1])), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=28).encode(x="r:Q", tooltip=tooltip)
    zero = alt.Chart(frame).mark_rule(color="#888888", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return alt.layer(bars, points, zero).properties(width=420, height=alt.Step(7))


def last_step_chart(last: pd.DataFrame) -> alt.Chart:
    """R² of the last gain from all smaller models versus from the second-largest, per ladder,
    with bootstrap 95% intervals; hollow marks are the leave-one-out R²."""
    ok = last[last["note"] == ""].copy()
    ok["Ladder"] = ok["ladder"].map(_short_ladder) + " (" + ok["second"] + " → " + ok["largest"] + ")"
    long = pd.concat(
        [
            pd.DataFrame({"Ladder": ok["Ladder"], "Predictors": "all smaller models", "R²": ok["r2_all"], "low": ok["r2_all_low"], "high": ok["r2_all_high"], "LOO R²": ok["loo_all"]}),
            pd.DataFrame({"Ladder": ok["Ladder"], "Predictors": "second-largest only", "R²": ok["r2_second"], "low": ok["r2_second_low"], "high": ok["r2_second_high"], "LOO R²": ok["loo_second"]}),
        ]
    ).round(3)
    order = ["all smaller models", "second-largest only"]
    y = alt.Y("Ladder:N", sort=sorted(long["Ladder"].unique()), title=None, axis=alt.Axis(labelLimit=360))
    offset = alt.YOffset("Predictors:N", sort=order)
    color = alt.Color("Predictors:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[:2]), legend=alt.Legend(orient="top", title=None))
    tooltip = ["Ladder:N", "Predictors:N", alt.Tooltip("R²:Q", format=".2f"), alt.Tooltip("low:Q", title="95% CI low", format=".2f"),
               alt.Tooltip("high:Q", title="95% CI high", format=".2f"), alt.Tooltip("LOO R²:Q", format=".2f")]
    base = alt.Chart(long).encode(y=y, yOffset=offset, color=color)
    bars = base.mark_rule().encode(x=alt.X("low:Q", title="share of the last gain's variance explained", scale=alt.Scale(domain=[-0.2, 1], clamp=True)), x2="high:Q")
    points = base.mark_point(filled=True, size=30).encode(x="R²:Q", tooltip=tooltip)
    loo = base.mark_point(filled=False, size=30, shape="diamond").encode(x=alt.X("LOO R²:Q"), tooltip=tooltip)
    zero = alt.Chart(long).mark_rule(color="#888888", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return alt.layer(bars, points, loo, zero).properties(width=380, height=alt.Step(9))
