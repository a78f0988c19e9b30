"""Size ladders: per (family, benchmark, n_shots, metric), the tasks' scores at three or more sizes.

A triple (s1, s2, s3) takes sizes k steps apart on the ladder; gain1 = f(s2) - f(s1) and
gain2 = f(s3) - f(s2) for a transform f. The 2022 analysis is the consecutive triple (k = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema, stats, transforms

LADDER_KEY = ("family", "benchmark", "n_shots", "metric")
TASK_ID = ("task", "subtask", "task_metric")
MIN_SIZES = 3


@dataclass(frozen=True)
class Ladder:
    """One family's scores on one benchmark setting, at three or more sizes."""

    family: str
    benchmark: str
    n_shots: int | None
    metric: str
    rows: pd.DataFrame  # the long rows of this ladder

    @property
    def identity(self) -> tuple:
        """The ladder as a value: (family, benchmark, n_shots, metric); seeds are keyed by it."""
        return (self.family, self.benchmark, self.n_shots, self.metric)

    @property
    def key(self) -> dict:
        return {"family": self.family, "benchmark": self.benchmark, "n_shots": self.n_shots, "metric": self.metric}

    @property
    def name(self) -> str:
        shots = "?" if self.n_shots is None else str(self.n_shots)
        prompting = self.rows["prompting"].iloc[0] if self.n_shots is None else f"{shots}-shot"
        return f"{self.family} · {self.benchmark} · {prompting} · {self.metric}"

    @property
    def sizes(self) -> list[float]:
        return sorted(self.rows["n_params"].unique().tolist())

    @property
    def models(self) -> dict[float, str]:
        """Model name at each size."""
        first = self.rows.drop_duplicates("n_params").set_index("n_params")["model"]
        return {size: str(first[size]) for size in self.sizes}

    def matrix(self, transform: str = "raw") -> pd.DataFrame:
        """Tasks x sizes table of transformed scores (NaN where a task lacks a size)."""
        rows = self.rows.copy()
        rows["value"] = transforms.apply(transform, rows)
        wide = rows.pivot_table(index=list(TASK_ID), columns="n_params", values="value", aggfunc="first")
        return wide.reindex(columns=self.sizes).sort_index()

    def triples(self, spacings: tuple[int, ...] | None = None) -> list[tuple[int, float, float, float]]:
        """(k, s1, s2, s3) for every spacing k (all possible by default) and start position."""
        sizes = self.sizes
        max_k = (len(sizes) - 1) // 2
        ks = range(1, max_k + 1) if spacings is None else [k for k in spacings if 1 <= k <= max_k]
        return [(k, sizes[i], sizes[i + k], sizes[i + 2 * k]) for k in ks for i in range(len(sizes) - 2 * k)]

    def gains(self, triple: tuple[float, float, float], transform: str = "raw", wide: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per task: the three scores and the two gains, for tasks scored at all three sizes.

        `wide` is `self.matrix(transform)` when the caller already has it.
        """
        wide = self.matrix(transform) if wide is None else wide
        s1, s2, s3 = triple
        out = pd.DataFrame({"f1": wide[s1], "f2": wide[s2], "f3": wide[s3]}).dropna()
        out["gain1"] = out["f2"] - out["f1"]
        out["gain2"] = out["f3"] - out["f2"]
        return out.reset_index()


def find_ladders(frame: pd.DataFrame, min_sizes: int = MIN_SIZES, include_loss: bool = False) -> list[Ladder]:
    """Every (family, benchmark, n_shots, metric) group with at least `min_sizes` sizes, sorted.

    Loss ladders (lower is better, unbounded) are left out unless `include_loss`: the score
    transforms are defined for fractions only.
    """
    found = []
    if not include_loss:
        frame = frame[frame["metric"].isin(schema.BOUNDED_METRICS)]
    for key, rows in frame.groupby(list(LADDER_KEY), dropna=False, sort=True):
        family, benchmark, n_shots, metric = key
        n_shots = None if pd.isna(n_shots) else int(n_shots)
        if rows["n_params"].nunique() < min_sizes:
            continue
        names = rows.groupby("n_params")["model"].nunique()
        if (names > 1).any():
            size = names[names > 1].index[0]
            raise ValueError(f"ladder {key}: more than one model has n_params = {size:g}")
        found.append(Ladder(str(family), str(benchmark), n_shots, str(metric), rows.reset_index(drop=True)))
    return found


def size_label(n_params: float) -> str:
    """Human size label: 2.1M, 8B, 137B."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n_params >= scale:
            value = n_params / scale
            return f"{value:.3g}{unit}"
    return f"{n_params:g}"


def fit_triples(
    wide: pd.DataFrame, triples: list[tuple[int, float, float, float]], n_boot: int = stats.N_BOOT, identity=None
) -> list[dict]:
    """The gain fit of every triple of one tasks x sizes matrix, in one vectorised `stats.fit`.

    Each triple uses the tasks scored at its three sizes. The bootstrap intervals (`boot_low`,
    `boot_high`; NaN when `n_boot = 0`) resample the matrix's tasks once for all triples,
    seeded by `identity` (the ladder and transform), so they do not depend on list order.
    """
    if not triples:
        return []
    values = wide.to_numpy(dtype=float)
    column = {size: j for j, size in enumerate(wide.columns)}
    g1 = np.stack([values[:, column[s2]] - values[:, column[s1]] for _, s1, s2, _ in triples])
    g2 = np.stack([values[:, column[s3]] - values[:, column[s2]] for _, _, s2, s3 in triples])
    # A task missing one of the three sizes drops out of that triple only.
    missing = ~(np.isfinite(g1) & np.isfinite(g2))
    g1, g2 = np.where(missing, np.nan, g1), np.where(missing, np.nan, g2)
    fits = stats.fit(g1, g2)
    if n_boot > 0:
        draws = stats.joint_draws(g1, g2, n_boot, ("triples", identity))
        enough = np.isfinite(draws).sum(axis=1) >= n_boot / 2
        low, high = stats.percentile_interval(draws, axis=1)
        boot_low, boot_high = np.where(enough & np.isfinite(fits["r"]), low, np.nan), np.where(enough & np.isfinite(fits["r"]), high, np.nan)
    else:
        boot_low = boot_high = np.full(len(triples), np.nan)
    out = []
    for i in range(len(triples)):
        row = {key: np.asarray(fits[key][i]).item() for key in stats.FIT_COLUMNS}
        out.append(row | {"boot_low": float(boot_low[i]), "boot_high": float(boot_high[i])})
    return out


def ladder_table(
    ladders: list[Ladder],
    transform_names: tuple[str, ...] = ("raw",),
    spacings: tuple[int, ...] | None = (1,),
    n_boot: int = stats.N_BOOT,
) -> pd.DataFrame:
    """One tidy row per ladder x triple x transform: the regression of gain2 on gain1.

    A transform that cannot be applied to a ladder (floor_logit without chance levels) gives a
    row with n = 0 and the reason in `note`, so tables show the gap instead of hiding it.
    """
    records = []
    for ladder in ladders:
        for name in transform_names:
            note, wide = "", None
            try:
                wide = ladder.matrix(name)
            except transforms.MissingChanceError as error:
                note = str(error)
            triples = ladder.triples(spacings)
            fits = [] if note else fit_triples(wide, triples, n_boot, (ladder.identity, name))
            for i, (k, s1, s2, s3) in enumerate(triples):
                base = ladder.key | {
                    "ladder": ladder.name,
                    "k": k,
                    "s1": s1,
                    "s2": s2,
                    "s3": s3,
                    "triple": " → ".join(size_label(s) for s in (s1, s2, s3)),
                    "transform": name,
                }
                if note:
                    records.append(base | dict.fromkeys(stats.REGRESSION_COLUMNS, np.nan) | {"n": 0, "note": note})
                    continue
                records.append(base | fits[i] | {"note": ""})
    table = pd.DataFrame.from_records(records)
    if not table.empty:
        table["n"] = table["n"].astype(int)
    return table


def restrict(ladder: Ladder, keep) -> Ladder:
    """The ladder with only the rows for which `keep(rows) -> bool Series` is true."""
    rows = ladder.rows[keep(ladder.rows)].reset_index(drop=True)
    return Ladder(ladder.family, ladder.benchmark, ladder.n_shots, ladder.metric, rows)


def stacked_gains(
    ladder_list: list[Ladder], transform: str = "raw", spacings: tuple[int, ...] | None = (1,), matrix=None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every triple of every ladder as one row over the union of their tasks.

    Returns (rows, gain1, gain2): `rows` describes each triple (ladder, identity, sizes); the
    gain arrays are (triples, tasks) with one column per (benchmark, task, subtask, metric) in
    any ladder and NaN where a triple lacks the task. A task shared by two ladders (the harness
    tasks of Pythia, OPT and BLOOM) is one column, so `stats.joint_draws` resamples it once for
    all of them. `matrix(ladder)` replaces `ladder.matrix(transform)` (e.g. a transform that
    drops tasks without a chance level).
    """
    records, columns, g1_parts, g2_parts = [], {}, [], []
    matrices = []
    for ladder in ladder_list:
        wide = ladder.matrix(transform) if matrix is None else matrix(ladder)
        keys = [(ladder.benchmark, *index) for index in wide.index]
        for key in keys:
            columns.setdefault(key, len(columns))
        matrices.append((ladder, wide, [columns[key] for key in keys]))
    for ladder, wide, where in matrices:
        values = wide.to_numpy(dtype=float)
        column = {size: j for j, size in enumerate(wide.columns)}
        for k, s1, s2, s3 in ladder.triples(spacings):
            g1, g2 = np.full(len(columns), np.nan), np.full(len(columns), np.nan)
            g1[where] = values[:, column[s2]] - values[:, column[s1]]
            g2[where] = values[:, column[s3]] - values[:, column[s2]]
            g1_parts.append(g1)
            g2_parts.append(g2)
            records.append(
                {"ladder": ladder.name, "identity": ladder.identity, "family": ladder.family, "k": k, "s1": s1, "s2": s2, "s3": s3, "triple": " → ".join(size_label(s) for s in (s1, s2, s3))}
            )
    if not records:
        return pd.DataFrame(), np.empty((0, len(columns))), np.empty((0, len(columns)))
    return pd.DataFrame.from_records(records), np.stack(g1_parts), np.stack(g2_parts)
