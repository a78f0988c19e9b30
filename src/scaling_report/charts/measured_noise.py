"""Chart builders for the measured-noise chapter: one function per figure."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

KINDS = ("run to run (reruns)", "binomial p(1 − p)/n", "last 10 checkpoints")


def noise_components_chart(tasks: pd.DataFrame) -> alt.LayerChart:
    """Per task: the SD of an accuracy from retraining (with its χ² interval), from item sampling and
    over a run's last checkpoints, on a log scale."""
    frame = pd.concat(
        [
            pd.DataFrame({"task": tasks["task"], "kind": KINDS[0], "sd": tasks["run_sd"], "low": tasks["run_sd_low"], "high": tasks["run_sd_high"]}),
            pd.DataFrame({"task": tasks["task"], "kind": KINDS[1], "sd": tasks["binomial_sd"], "low": tasks["binomial_sd"], "high": tasks["binomial_sd"]}),
            pd.DataFrame({"task": tasks["task"], "kind": KINDS[2], "sd": tasks["checkpoint_sd"], "low": tasks["checkpoint_sd"], "high": tasks["checkpoint_sd"]}),
        ],
        ignore_index=True,
    ).round(5)
    order = list(tasks.sort_values("binomial_sd")["task"])
    color = alt.Color("kind:N", sort=list(KINDS), scale=alt.Scale(domain=list(KINDS), range=PALETTE[:3]), legend=alt.Legend(title=None, orient="top"))
    y = alt.Y("task:N", sort=order, title=None)
    x = alt.X("sd:Q", scale=alt.Scale(type="log"), title="standard deviation of one accuracy (fraction)")
    rules = alt.Chart(frame[frame["kind"] == KINDS[0]]).mark_rule(color=PALETTE[0]).encode(y=y, x="low:Q", x2="high:Q")
    points = alt.Chart(frame).mark_point(filled=True, size=60).encode(
        y=y, x=x, color=color, shape=alt.Shape("kind:N", sort=list(KINDS), legend=None),
        tooltip=["task:N", "kind:N", alt.Tooltip("sd:Q", format=".4f"), alt.Tooltip("low:Q", format=".4f"), alt.Tooltip("high:Q", format=".4f")],
    )
    return alt.layer(rules, points).properties(width=480, height=300)


def triple_r_chart(triples: pd.DataFrame) -> alt.FacetChart:
    """r of successive gains per triple of the controlled ladders, accuracy beside bits per byte,
    with 95% bootstrap intervals over tasks, one panel per axis."""
    frame = triples.assign(
        Metric=triples["metric"].map({"accuracy": "accuracy", "bpb": "bits per byte"}),
        Axis=triples["axis"].map({"size": "size (fixed tokens/param)", "data": "data (fixed size)", "diagonal": "size (≈ fixed tokens)"}),
        label=triples["ladder"] + ": " + triples["triple"],
    )[["Metric", "Axis", "label", "r", "r_low", "r_high", "r2", "ceiling"]].round(3)
    metrics = ["accuracy", "bits per byte"]
    color = alt.Color("Metric:N", sort=metrics, scale=alt.Scale(domain=metrics, range=[PALETTE[0], PALETTE[1]]), legend=alt.Legend(orient="top", title=None))
    base = alt.Chart().encode(
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("Metric:N", sort=metrics),
        color=color,
    )
    rules = base.mark_rule().encode(x=alt.X("r_low:Q", title="r of successive gains", scale=alt.Scale(domain=[-1, 1])), x2="r_high:Q")
    points = base.mark_point(filled=True, size=35).encode(
        x="r:Q", tooltip=["label:N", "Metric:N", alt.Tooltip("r:Q", format=".2f"), alt.Tooltip("r_low:Q", format=".2f"),
                          alt.Tooltip("r_high:Q", format=".2f"), alt.Tooltip("ceiling:Q", title="noise ceiling on R²", format=".2f")])
    zero = alt.Chart().mark_rule(color="#888888", strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(rules, points, zero, data=frame).properties(width=380).facet(
        row=alt.Row("Axis:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"), sort=["size (fixed tokens/param)", "data (fixed size)", "size (≈ fixed tokens)"])
    ).resolve_scale(y="independent")
