"""Command line: `scaling-report ingest|analyze` (the book itself is built by `make site`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import data, transforms
from .backtest import METHODS as BACKTEST_METHODS


def _ingest(args: argparse.Namespace) -> int:
    from . import ingest

    written = ingest.run(Path(args.shared))
    for name, rows in written.items():
        print(f"wrote data/{name}: {rows} rows")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from . import analyze

    names = tuple(args.transform or ["raw"])
    methods = tuple(args.method) if args.method else None
    text = analyze.run(args.path, args.format, names, models=args.models, methods=methods, output=args.output)
    if text:
        print(text)
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scaling-report", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="derive data/ from the shared data folder")
    ingest.add_argument("shared", help="path to the shared data folder, e.g. ../shared/data")
    ingest.set_defaults(func=_ingest)

    analyze = commands.add_parser("analyze", help="gain-on-gain regressions and a forecasting backtest for any CSV")
    analyze.add_argument("path", help="CSV with at least family, model, n_params, task, score (or a wide table with --models)")
    analyze.add_argument("--models", help="models file (model, family, n_params) when PATH is wide: rows = tasks, columns = models")
    analyze.add_argument("--format", choices=["text", "json", "html"], default="text")
    analyze.add_argument("--output", help="write to this file (required for --format html)")
    analyze.add_argument(
        "--transform", action="append", choices=list(transforms.TRANSFORMS), help="repeat for several (default raw)"
    )
    analyze.add_argument(
        "--method", action="append", choices=list(BACKTEST_METHODS), help="backtest method; repeat for several (default all)"
    )
    analyze.set_defaults(func=_analyze)

    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (data.DataValidationError, transforms.MissingChanceError, FileNotFoundError, ValueError) as error:
        print(f"scaling-report {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
