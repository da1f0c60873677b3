"""Every tutorial notebook runs top to bottom on the Born kernel without errors,
and shows what it promises (plots, live updates)."""

import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUT = ROOT / "tests" / "out" / "notebooks"

# The training tutorial runs the same code on a part of MNIST, to keep the suite short.
os.environ.setdefault("BORN_MNIST_SUBSET", "6000")
os.environ.setdefault("BORN_MNIST_EPOCHS", "1")
# The language-model tutorial trains for a few steps only; 05 (sorted after 04) loads
# the files 04 saved.
os.environ.setdefault("BORN_LM_STEPS", "20")


class RecordingClient(NotebookClient):
    """Counts the live display updates that arrive while cells run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.update_messages = 0

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] == "update_display_data":
            self.update_messages += 1
        return super().process_message(msg, cell, cell_index)


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = RecordingClient(
        notebook,
        kernel_name="born",
        timeout=int(os.environ.get("BORN_CELL_TIMEOUT", "900")),
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, OUT / path.name)
    return notebook, client


def outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def mime_types(notebook):
    return {mime for out in outputs(notebook) for mime in out.get("data", {})}


def test_there_are_tutorials():
    assert any(p.name.startswith("00-welcome") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path):
    notebook, client = execute(path)
    errors = [out for out in outputs(notebook) if out.get("output_type") == "error"]
    assert not errors, errors
    expected = notebook.metadata.get("born_test", {})
    for mime in expected.get("mime_types", []):
        assert mime in mime_types(notebook), f"{path.name}: no {mime} output"
    if expected.get("live_updates"):
        assert client.update_messages > 0, f"{path.name}: no update_display_data during the run"
