"""`make bench`: run every `benchmarks/bench_*.py` and print one table of figures.

Each benchmark module defines `run() -> list[dict]`, one dict per measured figure with keys
`benchmark`, `figure`, `value`, `unit` and optionally `target` (a human-readable bound such as
"<= 1 s"). Speed and size targets are checked here, by printing figures, not by timed tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover(directory: Path = BENCH_DIR) -> list[Path]:
    return sorted(directory.glob("bench_*.py"))


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def format_table(rows: list[dict]) -> str:
    headers = ["benchmark", "figure", "value", "unit", "target"]
    cells = [[str(r.get(h, "")) if h != "value" else f"{r['value']:.3g}" if isinstance(r["value"], float) else str(r["value"]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths))
    rule = "-|-".join("-" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join([line, rule, *body])


def main(names: list[str] | None = None) -> int:
    rows: list[dict] = []
    for path in discover():
        if names and not any(n in path.stem for n in names):
            continue
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        rows.extend(_load(path).run())
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
