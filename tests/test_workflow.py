"""`.github/workflows/publish.yml`: schema-valid (check-jsonschema's vendored GitHub workflow
schema, offline) and doing what the book needs: install, Quarto, render, deploy site/ to Pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "publish.yml"


def _lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True,
    )


def test_workflow_passes_the_linter():
    pytest.importorskip("check_jsonschema", reason="dev dependency check-jsonschema is not installed")
    proc = _lint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_linter_rejects_a_broken_workflow(tmp_path: Path):
    pytest.importorskip("check_jsonschema", reason="dev dependency check-jsonschema is not installed")
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  build:\n    steps: 3\n", encoding="utf-8")
    assert _lint(broken).returncode != 0


def test_workflow_renders_with_quarto_and_deploys_site():
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [s for job in wf["jobs"].values() for s in job.get("steps", [])]
    uses = [s.get("uses", "") for s in steps]
    runs = "\n".join(s.get("run", "") for s in steps)
    setup = next(s for s in steps if s.get("uses", "").startswith("quarto-dev/quarto-actions/setup@"))
    assert str(setup["with"]["version"]) == "1.7.34"
    names = [s.get("run", "").strip() for s in steps]
    assert "make site" in names and "make test" in names
    # the tests run before the upload, so a failing book is never deployed
    upload_at = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert names.index("make test") < upload_at
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site"
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
    assert wf["jobs"]["deploy"]["needs"] == "build"
