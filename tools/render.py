"""Render the book with real Quarto into site/, all or nothing, and fail on any warning.

Usage: python tools/render.py [--project DIR] [--log FILE] [--timings FILE]

* Quarto 1.7.34 comes from `tools/find-quarto` (PATH, ../shared/quarto, or PyPI).
* It runs with the project's Python (`QUARTO_PYTHON`), so the kernel has the package.
* Execution policy: `freeze: auto` in `_quarto.yml` re-executes a chapter whose source changed.
  Quarto cannot see changes to the package or the data, so this script also keeps a fingerprint
  of `src/`, `data/` and the shared setup beside `_freeze/` and clears `_freeze/` when it changes:
  a local re-render never shows numbers from older code or data. `_freeze/` is not committed,
  so every fresh clone (CI, the publish workflow) executes every chapter.
* The site is rendered into a temporary folder and swapped into site/ only when Quarto succeeded
  and printed no warning. A warning (an unresolved cross-reference, a missing citation) or a cell
  that raises fails the build with a message naming the chapter; site/ is left as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
FINGERPRINTED = ("src", "data", "chapters/_setup.qmd", "_quarto.yml", "pyproject.toml", "constraints.txt")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PROGRESS = re.compile(r"^\[\s*(\d+)/(\d+)\]\s+(\S+)")
# Quarto's own warnings; the kernel's "[IPKernelApp] WARNING | ..." start-up notice is not one.
WARNING = re.compile(r"^\[?(WARN|WARNING)\b[\]:\s(]")
CELL_FAILED = re.compile(r"^An error occurred while executing")
QUARTO_ERROR = re.compile(r"^ERROR:")
EXCEPTION = re.compile(r"^(\w+(?:Error|Exception|Exit|Interrupt)): (.*)$")


def quarto_path() -> str:
    result = subprocess.run([str(TOOLS / "find-quarto")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit("render: error: Quarto 1.7.34 not found and could not be installed")
    sys.stderr.write(result.stderr)
    return result.stdout.strip().splitlines()[-1]


def fingerprint(root: Path) -> str:
    """A hash of everything a chapter's numbers depend on besides its own source."""
    digest = hashlib.sha256()
    for name in FINGERPRINTED:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def refresh_freeze(root: Path) -> str:
    """Clear _freeze/ if the inputs changed since it was written; return the inputs' fingerprint."""
    current = fingerprint(root)
    freeze, stamp = root / "_freeze", root / "_freeze" / ".inputs-fingerprint"
    if freeze.exists() and (not stamp.exists() or stamp.read_text() != current):
        print("render: src/, data/ or the setup changed since the last render: executing every chapter afresh")
        shutil.rmtree(freeze)
    return current


def record_fingerprint(root: Path, inputs: str) -> None:
    """Stamp _freeze/ with the fingerprint of the inputs the render started from."""
    if (root / "_freeze").exists():
        (root / "_freeze" / ".inputs-fingerprint").write_text(inputs)


def run(root: Path, log_path: Path, timings_path: Path | None) -> int:
    quarto = quarto_path()
    inputs = refresh_freeze(root)
    site = root / "site"
    staging = root / ".site-staging"
    shutil.rmtree(staging, ignore_errors=True)
    # the project's Python (make site runs this script with .venv's), so the kernel has the package
    env = dict(os.environ, QUARTO_PYTHON=sys.executable, PYTHONHASHSEED="0")
    command = [quarto, "render", "--output-dir", staging.name]
    started = time.monotonic()
    current = "_quarto.yml"
    warnings: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    starts: list[tuple[str, float]] = []
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        assert process.stdout is not None
        in_failed_cell = False
        for raw in process.stdout:
            log.write(raw)
            line = ANSI.sub("", raw).rstrip()
            progress = PROGRESS.match(line)
            if progress:
                current = progress.group(3)
                starts.append((current, time.monotonic() - started))
                print(line, flush=True)
            elif WARNING.match(line):
                warnings.append((current, line))
                print(f"{current}: {line}", flush=True)
            elif CELL_FAILED.match(line):
                in_failed_cell = True
            elif in_failed_cell and EXCEPTION.match(line):
                # the last line of the cell's traceback: "ValueError: the message"
                errors.append((current, f"a cell raised {line}"))
                in_failed_cell = False
            elif QUARTO_ERROR.match(line):
                errors.append((current, line))
        code = process.wait()
    elapsed = time.monotonic() - started
    if timings_path is not None:
        ends = [t for _, t in starts[1:]] + [elapsed]
        timings = [{"file": name, "seconds": round(end - start, 2)} for (name, start), end in zip(starts, ends)]
        timings_path.write_text(json.dumps({"total_seconds": round(elapsed, 2), "files": timings}, indent=1))
    problems = [f"{name}: {message}" for name, message in errors]
    if code != 0 and not problems:
        problems.append(f"{current}: quarto render exited with code {code}")
    problems += [f"{name}: {message}" for name, message in warnings]
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"render: error: the book did not build; site/ is unchanged (full log: {log_path})", file=sys.stderr)
        for problem in dict.fromkeys(problems):
            print(f"render: error: {problem}", file=sys.stderr)
        return 1
    record_fingerprint(root, inputs)
    old = root / ".site-old"
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
    print(f"render: site/ built in {elapsed:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="the Quarto project (default: this book)")
    parser.add_argument("--log", type=Path, default=None, help="full Quarto output (default: PROJECT/.quarto-render.log)")
    parser.add_argument("--timings", type=Path, default=None, help="write per-file render seconds as JSON")
    args = parser.parse_args(argv)
    root = args.project.resolve()
    log = (args.log or root / ".quarto-render.log").resolve()
    try:
        return run(root, log, args.timings)
    except KeyboardInterrupt:
        shutil.rmtree(root / ".site-staging", ignore_errors=True)
        print("render: interrupted; site/ is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
