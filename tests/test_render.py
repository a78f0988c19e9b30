"""tools/render.py, the one way the book is built: warnings and raising cells fail the build
with a message naming the chapter, and site/ is replaced all at once or not at all.

Runs real Quarto on a two-chapter book (tests/fixtures/mini-book) with the project's extensions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, RENDER

pytestmark = pytest.mark.slow
MINI = Path(__file__).parent / "fixtures" / "mini-book"


@pytest.fixture
def book(tmp_path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(MINI, root)
    shutil.copytree(PROJECT_DIR / "_extensions", root / "_extensions")
    old = root / "site"
    old.mkdir()
    (old / "index.html").write_text("the previous site")
    return root


def render(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RENDER), "--project", str(root)], capture_output=True, text=True, timeout=600)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def assert_untouched(root: Path) -> None:
    assert (root / "site" / "index.html").read_text() == "the previous site"
    assert not (root / ".site-staging").exists()


def test_a_clean_book_replaces_the_site(book):
    result = render(book)
    assert result.returncode == 0, result.stderr
    page = (book / "site" / "chapters" / "a.html").read_text()
    assert "Cite this chapter" in page and 'name="citation_chapter" content="1"' in page
    assert not (book / ".site-staging").exists() and not (book / ".site-old").exists()


def test_unresolved_reference_and_missing_citation_fail_naming_their_chapters(book):
    edit(book / "chapters" / "a.qmd", "[@known2020]", "[@unknown1999]")
    edit(book / "chapters" / "b.qmd", "see @sec-a", "see @fig-nowhere")
    result = render(book)
    assert result.returncode == 1
    assert "chapters/a.qmd" in result.stderr and "unknown1999" in result.stderr
    assert "chapters/b.qmd" in result.stderr and "fig-nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert_untouched(book)


def test_a_raising_cell_fails_naming_the_chapter_and_the_error(book):
    edit(book / "chapters" / "a.qmd", "x = 1 + 1", 'raise ValueError("the data are wrong")')
    result = render(book)
    assert result.returncode == 1
    assert "chapters/a.qmd" in result.stderr and "ValueError" in result.stderr and "the data are wrong" in result.stderr
    assert "Traceback" not in result.stderr
    assert_untouched(book)
