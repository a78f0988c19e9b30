"""Command line: `scaling-report ingest|analyze` (the book itself is built by `make site`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import data, transforms
from .backtest import METHODS as BACKTEST_METHODS


def _ingest(args: argparse.Namespace) -> int:
    from . import ingest

    written = ingest.run(Path(args.shared), Path(args.project) if args.project else None, accept_changes=args.accept_changes)
    for name, rows in written.items():
        print(f"wrote data/{name}: {rows} rows")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from . import analyze

    names = tuple(args.transform or ["raw"])
    methods = tuple(args.method) if args.method else None
    pool = tuple(p.strip() for part in (args.pool or []) for p in part.split(",") if p.strip())
    text = analyze.run(
        args.path,
        args.format,
        names,
        models=args.models,
        methods=methods,
        output=args.output,
        layout=args.layout,
        strict=args.strict,
        pool=pool,
        axis=args.axis,
    )
    if text:
        print(text)
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="scaling-report", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="derive data/ from the shared data folder")
    ingest.add_argument("shared", help="path to the shared data folder, e.g. ../shared/data")
    ingest.add_argument("--accept-changes", action="store_true",
                        help="accept source files whose checksum differs from data/manifest.json (cut files are still refused)")
    ingest.add_argument("--project", help="project folder whose data/ is written (default: this checkout)")
    ingest.set_defaults(func=_ingest)

    analyze = commands.add_parser("analyze", help="gain-on-gain regressions and a forecasting backtest for any CSV")
    analyze.add_argument(
        "path",
        help="long CSV (family, model, n_params, task, score), wide CSV (tasks as rows, with --models), "
        "leaderboard CSV (models as rows), or lm-evaluation-harness result JSON (a file or a folder)",
    )
    analyze.add_argument(
        "--models", help="models file (model, family, n_params[, training_tokens, training_flops, run]) naming the models of PATH"
    )
    analyze.add_argument("--layout", choices=["auto", "long", "wide", "leaderboard", "harness"], default="auto",
                         help="input layout (default: detected from the file)")
    analyze.add_argument("--strict", action="store_true",
                         help="reject unknown columns and metric names instead of ignoring them with a note")
    analyze.add_argument("--pool", action="append", metavar="DIMS",
                         help="pool ladders across shots, metric and/or benchmark, e.g. --pool shots,metric")
    analyze.add_argument("--axis", choices=["params", "compute"], default="params",
                         help="size axis: parameters, or training compute (training_flops, else 6 N D)")
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
    prefix = f"scaling-report {args.command}: error:"
    try:
        return args.func(args)
    except data.DataValidationError as error:
        for line in error.messages:
            print(f"{prefix} {line}", file=sys.stderr)
        return 2
    except (transforms.MissingChanceError, ValueError) as error:
        print(f"{prefix} {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): stop quietly, as other command line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as error:  # a file that cannot be read or written: say which, not a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"{prefix} {where}{error.strerror or error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
