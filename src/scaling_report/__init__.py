"""Analysis package behind the book "Is AI progress predictable from the last step of scale?".

The data path is short on purpose: CSV -> loader (`data`) -> transform (`transforms`)
-> ladder (`ladders`) -> statistic (`stats`) -> chart (`charts`) -> page (chapters).
"""

from __future__ import annotations

import random

SEED = 20220501  # month of the original post; every random draw in the book derives from it

__version__ = "0.1.0"


def rng(offset: int = 0):
    """A seeded numpy Generator; `offset` separates independent streams within one chapter."""
    # numpy and pandas are imported where used, so that `scaling-report build` starts fast.
    import numpy as np

    return np.random.default_rng(SEED + offset)


def setup() -> None:
    """Shared chapter setup: seed, pandas display options, altair theme and offline renderer.

    Called once by the hidden first cell of every chapter (`chapters/_setup.qmd`).
    """
    import numpy as np
    import pandas as pd

    from . import charts

    random.seed(SEED)
    np.random.seed(SEED)
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 120)
    charts.enable()
    _plain_numpy_scalars()


def _plain_numpy_scalars() -> None:
    """Inline `{python}` values print numpy scalars as plain numbers ("12", not "np.int64(12)")."""
    import numpy as np

    try:
        from IPython import get_ipython
    except ImportError:  # outside a kernel there is nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    plain = shell.display_formatter.formatters["text/plain"]

    def as_python(value, printer, cycle):
        printer.text(str(value.item()))

    # IPython's printer takes the first class in the MRO that defines __repr__, so register the
    # concrete scalar types themselves (np.int64, np.float64, ...), not np.generic.
    for scalar_type in set(np.sctypeDict.values()):
        if issubclass(scalar_type, (np.number, np.bool_)):
            plain.for_type(scalar_type, as_python)
