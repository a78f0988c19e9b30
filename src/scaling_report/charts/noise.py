"""Chart builders for chapter 3 ("Regression to the mean"): one function per figure."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..reanalysis import short_ladder
from . import PALETTE, params_axis


def closed_form_chart(curve: pd.DataFrame, band: pd.DataFrame) -> alt.LayerChart:
    """Observed r of successive gains against the noise-to-signal ratio σ²/τ²: the closed form for
    several true correlations (lines), and the simulated 60-task ladders (median points, 95% band)."""
    curve = curve.assign(**{"true ρ": curve["true_rho"].map(lambda v: f"{v:.1f}")}).round(4)
    band = band.assign(**{"true ρ": band["true_rho"].map(lambda v: f"{v:.1f}")}).round(4)
    order = sorted(curve["true ρ"].unique())
    color = alt.Color("true ρ:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[: len(order)]),
                      legend=alt.Legend(title="true correlation of gains", orient="top"))
    x = alt.X("ratio:Q", scale=alt.Scale(type="log"), title="noise-to-signal ratio σ² / τ²")
    y = alt.Y("r:Q", title="observed r of successive gains", scale=alt.Scale(domain=[-0.8, 1]))
    lines = alt.Chart(curve).mark_line(strokeWidth=2).encode(x=x, y=y, color=color,
                                                             tooltip=["true ρ:N", alt.Tooltip("ratio:Q", format=".3g"), alt.Tooltip("r:Q", format=".3f")])
    area = alt.Chart(band).mark_area(opacity=0.18).encode(x=x, y="low:Q", y2="high:Q", color=color)
    points = alt.Chart(band).mark_point(filled=True, size=18).encode(
        x=x, y=alt.Y("median:Q"), color=color,
        tooltip=["true ρ:N", alt.Tooltip("ratio:Q", format=".3g"), alt.Tooltip("median:Q", title="simulated median r", format=".3f"),
                 alt.Tooltip("low:Q", title="2.5%", format=".3f"), alt.Tooltip("high:Q", title="97.5%", format=".3f"),
                 alt.Tooltip("closed_form:Q", title="closed form", format=".3f")])
    floor = alt.Chart(pd.DataFrame({"r": [-0.5]})).mark_rule(color="#888888", strokeDash=[4, 3]).encode(y="r:Q")
    return alt.layer(area, lines, points, floor).properties(width=520, height=300)


def naive_noise_chart(naive: pd.DataFrame, naive_capped: pd.DataFrame, ladder_noise: tuple[float, float, float]) -> alt.LayerChart:
    """Per BIG-G step: the observed variance of gains across tasks (95% bootstrap CI), the naive
    binomial noise variance of a gain (n from task.json, and min(n, 1024)), the shared-items floor,
    and the ladder's own estimate of the noise variance of a gain (2σ², with its CI)."""
    order = list(naive["step_label"])
    obs = naive[["step", "step_label", "observed", "observed_low", "observed_high"]].copy()
    lines = pd.concat(
        [
            pd.DataFrame({"step_label": naive["step_label"], "step": naive["step"], "kind": "naive binomial, n from task.json", "value": naive["naive"]}),
            pd.DataFrame({"step_label": naive["step_label"], "step": naive["step"], "kind": "naive binomial, min(n, 1024)", "value": naive_capped["naive"]}),
            pd.DataFrame({"step_label": naive["step_label"], "step": naive["step"], "kind": "shared-items floor |Δp|(1 − |Δp|)/n", "value": naive["floor"]}),
        ]
    )
    scale = 1e4
    obs[["observed", "observed_low", "observed_high"]] *= scale
    lines["value"] *= scale
    kinds = ["naive binomial, n from task.json", "naive binomial, min(n, 1024)", "shared-items floor |Δp|(1 − |Δp|)/n"]
    observed_label, estimate_label = "observed variance of gains (95% CI)", "ladder estimate 2σ² (95% CI)"
    # one legend for all five series: the observed points and the ladder's estimate join the lines' scale
    legend_kinds = [observed_label, estimate_label, *kinds]
    legend_scale = alt.Scale(domain=legend_kinds, range=[PALETTE[0], PALETTE[3], PALETTE[1], PALETTE[2], PALETTE[4]])
    color = alt.Color("kind:N", sort=kinds, scale=legend_scale, legend=alt.Legend(title=None, orient="top", columns=2, labelLimit=320))
    x = alt.X("step_label:N", sort=order, title="BIG-G step", axis=alt.Axis(labelAngle=-40))
    y_title = "variance of a gain (× 10⁻⁴)"
    band = pd.DataFrame({"low": [ladder_noise[1] * scale], "high": [ladder_noise[2] * scale], "value": [ladder_noise[0] * scale]})
    est_band = alt.Chart(band).mark_rect(opacity=0.12, color=PALETTE[3]).encode(y="low:Q", y2="high:Q")
    est_rule = alt.Chart(band).mark_rule(strokeWidth=2).encode(y="value:Q", color=alt.ColorDatum(estimate_label), tooltip=[alt.Tooltip("value:Q", title="ladder estimate 2σ²", format=".1f")])
    model = alt.Chart(lines.round(3)).mark_line(point=True, strokeDash=[5, 3]).encode(
        x=x, y=alt.Y("value:Q", title=y_title), color=color, tooltip=["step_label:N", "kind:N", alt.Tooltip("value:Q", format=".1f")])
    rules = alt.Chart(obs.round(3)).mark_rule(color=PALETTE[0]).encode(x=x, y="observed_low:Q", y2="observed_high:Q")
    points = alt.Chart(obs.round(3)).mark_point(filled=True, size=50).encode(
        x=x, y="observed:Q", color=alt.ColorDatum(observed_label), tooltip=["step_label:N", alt.Tooltip("observed:Q", title="observed variance", format=".1f"),
                                      alt.Tooltip("observed_low:Q", title="95% CI low", format=".1f"), alt.Tooltip("observed_high:Q", title="95% CI high", format=".1f")])
    return alt.layer(est_band, est_rule, model, rules, points).properties(width=520, height=280)


def lag_chart(lags: pd.DataFrame) -> alt.FacetChart:
    """Pooled lag-h covariance of successive gains as a share of the lag-0 variance, per ladder,
    with 95% bootstrap CIs: noise pulls lag 1 down; lags ≥ 2 carry only the persistent momentum."""
    frame = lags.copy()
    v0 = frame.groupby("ladder")["cov"].transform(lambda c: c.iloc[0])
    frame["share"] = frame["cov"] / v0
    frame["share_low"] = frame["low"] / v0
    frame["share_high"] = frame["high"] / v0
    frame = frame[frame["lag"] > 0]
    frame["Ladder"] = frame["ladder"].map(short_ladder)
    frame = frame[["Ladder", "lag", "share", "share_low", "share_high"]].round(3)
    base = alt.Chart().encode(x=alt.X("lag:O", title="lag h (steps)", axis=alt.Axis(labelAngle=0)))
    rules = base.mark_rule(color=PALETTE[0]).encode(y=alt.Y("share_low:Q", title="V_h / V_0"), y2="share_high:Q")
    points = base.mark_point(filled=True, size=40, color=PALETTE[0]).encode(
        y="share:Q", tooltip=["Ladder:N", "lag:O", alt.Tooltip("share:Q", format=".2f"), alt.Tooltip("share_low:Q", format=".2f"), alt.Tooltip("share_high:Q", format=".2f")])
    zero = alt.Chart().mark_rule(color="#888888", strokeDash=[3, 3]).encode(y=alt.datum(0))
    return alt.layer(rules, points, zero, data=frame).properties(width=130, height=120).facet(
        facet=alt.Facet("Ladder:N", title=None, header=alt.Header(labelFontSize=10, labelLimit=200)), columns=3)


def shares_chart(families: pd.DataFrame, labels: dict[str, str]) -> alt.LayerChart:
    """Shares of the observed gain variance per ladder (95% bootstrap CIs): noise 2σ², persistent
    momentum γ and transient true variation τ² − γ (the three add up to one)."""
    records = []
    for _, row in families.iterrows():
        for key, label in labels.items():
            records.append({"Ladder": short_ladder(row["ladder"]), "Component": label, "share": row[key], "low": row[f"{key}_low"], "high": row[f"{key}_high"]})
    frame = pd.DataFrame(records).round(3)
    order = list(labels.values())
    y = alt.Y("Ladder:N", title=None, axis=alt.Axis(labelLimit=320))
    offset = alt.YOffset("Component:N", sort=order)
    color = alt.Color("Component:N", sort=order, scale=alt.Scale(domain=order, range=[PALETTE[1], PALETTE[0], PALETTE[4]]), legend=alt.Legend(title=None, orient="top"))
    base = alt.Chart(frame).encode(y=y, yOffset=offset, color=color)
    rules = base.mark_rule().encode(x=alt.X("low:Q", title="share of the observed variance of a gain", scale=alt.Scale(domain=[-0.8, 1.6], clamp=True)), x2="high:Q")
    points = base.mark_point(filled=True, size=36).encode(x="share:Q", tooltip=["Ladder:N", "Component:N", alt.Tooltip("share:Q", format=".2f"),
                                                                                 alt.Tooltip("low:Q", title="95% CI low", format=".2f"), alt.Tooltip("high:Q", title="95% CI high", format=".2f")])
    guides = alt.Chart(pd.DataFrame({"x": [0.0, 1.0]})).mark_rule(color="#888888", strokeDash=[3, 3]).encode(x="x:Q")
    return alt.layer(guides, rules, points).properties(width=420, height=alt.Step(10))


def small_sizes_chart(triples: pd.DataFrame) -> alt.LayerChart:
    """r of successive gains at each consecutive triple (95% Fisher CI) along BIG-G and Pythia."""
    frame = triples.copy()
    frame["Ladder"] = frame["ladder"].map(short_ladder)
    frame["middle size"] = frame["mid"]
    frame = frame[["Ladder", "triple", "middle size", "position", "n", "r", "ci_low", "ci_high"]].round({"r": 3, "ci_low": 3, "ci_high": 3})
    order = list(dict.fromkeys(frame["Ladder"]))
    color = alt.Color("Ladder:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[: len(order)]), legend=alt.Legend(title=None, orient="top", columns=2, labelLimit=320))
    x = alt.X("middle size:Q", scale=alt.Scale(type="log"), title="middle size of the triple (parameters)",
              axis=params_axis())
    base = alt.Chart(frame).encode(x=x, color=color)
    area = base.mark_area(opacity=0.08).encode(y="ci_low:Q", y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("r:Q", title="r of successive gains", scale=alt.Scale(domain=[-1, 0.6])),
                                            tooltip=["Ladder:N", "triple:N", alt.Tooltip("n:Q", title="tasks"), alt.Tooltip("r:Q", format=".2f"),
                                                     alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"), alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f")])
    zero = alt.Chart(pd.DataFrame({"r": [0.0]})).mark_rule(color="#888888", strokeDash=[3, 3]).encode(y="r:Q")
    return alt.layer(area, line, zero).properties(width=520, height=280)
