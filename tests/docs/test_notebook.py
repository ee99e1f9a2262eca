"""The analysts' example notebook runs from top to bottom (so docs/analysts.ipynb cannot
rot): a real Jupyter kernel, a demo database of its own."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "analysts.ipynb"

pytestmark = pytest.mark.slow


def test_the_example_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MENTORING_DATABASE_URL", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(
        output.get("text", "") + "".join(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)
    assert "events in sqlite:///" in outputs
    assert "SessionHeld" in outputs and "pieces of feedback since January" in outputs
    assert not any(output.get("output_type") == "error"
                   for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs)
