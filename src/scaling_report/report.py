"""Standalone HTML report of `scaling-report analyze --format html`.

One self-contained file: the book's stylesheet and the pinned vega scripts are inlined (no CDN,
no network), every data-derived string is escaped by jinja2's autoescaping, and the chart specs
are embedded as JSON with every "<" escaped (`charts.standalone_html`), so no name can open a
comment or close the script element.
"""

from __future__ import annotations

from importlib import resources

import jinja2
import pandas as pd
from markupsafe import Markup

from . import __version__, backtest, charts, fmt
from .analyze import FEW_TASKS, ladder_label, size_text

MAX_CHART_LADDERS = 12


def _css() -> str:
    path = resources.files("scaling_report") / "assets" / "site" / "book.css"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:  # pragma: no cover - the stylesheet ships with the package
        return ""


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("scaling_report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _f(value, digits: int = 3, signed: bool = False, scale: float = 1.0) -> str:
    return fmt.num(None if value is None else scale * value, digits, signed)


def _shots_order(n_shots) -> float:
    """Ladders sort by shot count as a number (2-shot before 10-shot); not stated first."""
    return -1.0 if n_shots is None or pd.isna(n_shots) else float(n_shots)


def _ladder_order(entry: dict) -> tuple:
    return (str(entry["family"]), str(entry["benchmark"]), _shots_order(entry["n_shots"]), str(entry["metric"]))


def _entry_label(entry: dict) -> str:
    n_shots = None if entry["n_shots"] is None or pd.isna(entry["n_shots"]) else int(entry["n_shots"])
    return ladder_label(entry["family"], entry["benchmark"], n_shots, entry["metric"], tuple(entry.get("pooled") or ()))


def triple_label(t: dict, axis: str = "params") -> str:
    """The sizes of a triple, flagged when its r rests on fewer than FEW_TASKS tasks."""
    label = " → ".join(size_text(s, axis) for s in t["sizes"])
    if t["transform"] != "raw":
        label += f" ({t['transform']})"
    if 0 < t["n"] < FEW_TASKS:
        label += f" [only {t['n']} tasks]"
    return label


def triple_rows(result: dict) -> list[dict]:
    rows = []
    for ladder in sorted(result["ladders"], key=_ladder_order):
        name = _entry_label(ladder)
        axis = ladder.get("axis", "params")
        for t in ladder["triples"]:
            rows.append(
                {
                    "ladder": name,
                    "sizes": " → ".join(size_text(s, axis) for s in t["sizes"]),
                    "transform": t["transform"],
                    "n": t["n"],
                    "r": _f(t["r"], 3, signed=True),
                    "ci": f"[{_f(t['ci_low'], 2, True)}, {_f(t['ci_high'], 2, True)}]" if t["ci_low"] is not None else "—",
                    "r2": _f(t["r2"], 3),
                    "slope": _f(t["slope"], 3, signed=True),
                    "note": t.get("note", "") or (f"only {t['n']} tasks: read r with care" if 0 < t["n"] < FEW_TASKS else ""),
                }
            )
    return rows


def replicate_rows(result: dict) -> list[dict]:
    """Measured run-to-run noise per ladder with replicates (a `run` column)."""
    rows = []
    for ladder in sorted(result["ladders"], key=_ladder_order):
        noise = ladder.get("replicates")
        if not noise or noise.get("sd") is None:
            continue
        rows.append(
            {
                "ladder": _entry_label(ladder),
                "cells": noise["cells"],
                "sd": _f(noise["sd"], 1, scale=100),
                "ci": f"[{_f(noise['ci_low'], 1, scale=100)}, {_f(noise['ci_high'], 1, scale=100)}]",
            }
        )
    return rows


def _labelled(table: pd.DataFrame, pooled=()) -> pd.DataFrame:
    """The backtest table with a display label per ladder (from its key, not its display name)."""
    labels = [
        ladder_label(f, b, None if pd.isna(k) else int(k), m, tuple(pooled))
        for f, b, k, m in zip(table["family"], table["benchmark"], table["n_shots"], table["metric"])
    ]
    order = [(str(f), str(b), _shots_order(k), str(m)) for f, b, k, m in zip(table["family"], table["benchmark"], table["n_shots"], table["metric"])]
    return table.assign(label=labels, _order=order)


def backtest_rows(bt: backtest.Backtest, horizons=("next", "two_ahead", "ge_10x"), pooled=()) -> list[dict]:
    table = bt.table[bt.table["horizon"].isin(horizons)]
    if table.empty:
        return []
    table = _labelled(table, pooled)
    best = table.loc[table.groupby(["ladder", "horizon"])["mae"].idxmin()].set_index(["ladder", "horizon"])["method"]
    order = {h: i for i, h in enumerate(horizons)}
    methods = {m: i for i, m in enumerate(backtest.METHODS)}
    table = table.assign(_h=table["horizon"].map(order), _m=table["method"].map(methods)).sort_values(["_order", "_h", "_m"])
    rows = []
    for r in table.itertuples(index=False):
        # One task has no spread to resample: its "interval" would be the MAE twice.
        interval = f"[{_f(r.ci_low, 1, scale=100)}, {_f(r.ci_high, 1, scale=100)}]" if r.n_tasks > 1 else "— (1 task)"
        rows.append(
            {
                "ladder": r.label,
                "horizon": backtest.HORIZON_LABELS[r.horizon],
                "method": backtest.METHOD_LABELS[r.method],
                "n": int(r.n),
                "mae": _f(r.mae, 1, scale=100),
                "ci": interval,
                "rmse": _f(r.rmse, 1, scale=100),
                "best": best.get((r.ladder, r.horizon)) == r.method,
            }
        )
    return rows


def chart_ladders(result: dict, limit: int = MAX_CHART_LADDERS) -> list[str]:
    """Labels of the ladders the charts show: those with the most tasks (then in table order)."""
    entries = sorted(result["ladders"], key=_ladder_order)
    ranked = sorted(entries, key=lambda e: -int(e.get("n_tasks") or 0))[:limit]
    chosen = {id(e) for e in ranked}
    return [_entry_label(e) for e in entries if id(e) in chosen]


def chart_spec(result: dict, bt: backtest.Backtest) -> tuple[dict | None, str]:
    """One vega-lite spec holding the report's charts (one inlined copy of the scripts), and a note."""
    import altair as alt

    from .charts import backtest as backtest_charts

    charts.enable()
    parts = []
    pooled = tuple((result.get("_prepared") or {}).get("pooled", ()))
    shown = chart_ladders(result)
    position = {name: i for i, name in enumerate(shown)}
    note = ""
    if not bt.table.empty:
        t = _labelled(bt.table[bt.table["horizon"].isin(("next", "two_ahead", "ge_10x"))], pooled)
        t = t[t["label"].isin(position)]
        t = t.assign(_p=t["label"].map(position)).sort_values("_p", kind="mergesort")
        if not t.empty:
            data = pd.DataFrame(
                {
                    "ladder": t["label"],
                    "horizon": t["horizon"].map(backtest.HORIZON_LABELS),
                    "method": t["method"].map(backtest.METHOD_LABELS),
                    "mae": (100 * t["mae"]).round(3),
                    "ci_low": (100 * t["ci_low"]).where(t["n_tasks"] > 1).round(3),
                    "ci_high": (100 * t["ci_high"]).where(t["n_tasks"] > 1).round(3),
                    "n": t["n"],
                }
            )
            parts.append(backtest_charts.report_errors(data, MAX_CHART_LADDERS).properties(title="Forecast error by horizon"))
    points = []
    for ladder in result["ladders"]:
        name = _entry_label(ladder)
        if name not in position:
            continue
        for t in ladder["triples"]:
            if t["r"] is None:
                continue
            points.append(
                {
                    "ladder": name,
                    "triple": triple_label(t, ladder.get("axis", "params")),
                    "transform": t["transform"],
                    "n": t["n"],
                    "r": round(t["r"], 4),
                    "r2": round(t["r2"], 4),
                    "ci_low": round(t["ci_low"], 4) if t["ci_low"] is not None else None,
                    "ci_high": round(t["ci_high"], 4) if t["ci_high"] is not None else None,
                    "_p": position[name],
                }
            )
    if points:
        frame = pd.DataFrame(points).sort_values("_p", kind="mergesort").drop(columns="_p")
        parts.append(backtest_charts.report_triples(frame, MAX_CHART_LADDERS).properties(title="Gain on previous gain: r per triple"))
    n_ladders = len(result["ladders"])
    if n_ladders > MAX_CHART_LADDERS:
        note = f"The charts show the {MAX_CHART_LADDERS} ladders with the most tasks, of {n_ladders}; the tables show all."
    if not parts:
        return None, note
    chart = parts[0] if len(parts) == 1 else alt.vconcat(*parts).resolve_scale(color="independent")
    return chart.to_dict(), note


def render(result: dict, frame: pd.DataFrame, source: str, models: str | None = None) -> str:
    """The standalone HTML page for one analysed file."""
    bt: backtest.Backtest = result["_backtest"]
    spec, chart_note = chart_spec(result, bt)
    chart = Markup(charts.standalone_html(spec)) if spec is not None else None
    summary = {
        "rows": f"{len(frame):,}",
        "families": sorted(frame["family"].astype(str).unique().tolist()),
        "ladders": len(result["ladders"]),
        "backtested": int(bt.table["ladder"].nunique()) if not bt.table.empty else 0,
        "methods": [backtest.METHOD_LABELS[m] for m in result.get("_methods", ())],
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        version=__version__,
        source=source,
        models=models,
        css=Markup(_css()),
        summary=summary,
        note=result.get("_note", ""),
        notes=[n for n in result.get("_notes", []) if n != result.get("_note", "")],
        pooled=list((result.get("_prepared") or {}).get("pooled", ())),
        axis=(result.get("_prepared") or {}).get("axis", "params"),
        backtest_rows=backtest_rows(bt, pooled=tuple((result.get("_prepared") or {}).get("pooled", ()))),
        triple_rows=triple_rows(result),
        replicate_rows=replicate_rows(result),
        chart=chart,
        chart_note=chart_note,
    )
