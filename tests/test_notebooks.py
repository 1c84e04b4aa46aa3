"""Every notebook executes top to bottom (small runs: COGOV_FAST=1)."""

import os

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    os.environ["COGOV_FAST"] = "1"
    os.environ["COGOV_ROOT"] = str(ROOT)
    book = nbformat.read(path, as_version=4)
    work = tmp_path / "notebooks"
    work.mkdir()
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), path.name
