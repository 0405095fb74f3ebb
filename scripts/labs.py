"""Execute a lab (a jupytext percent script) into one notebook per language.

    python scripts/labs.py snippets/05-transformer/lab_x.py OUT_DIR

writes OUT_DIR/en.ipynb and OUT_DIR/zh.ipynb (markdown cells tagged "en" or "zh" go only into that
language's notebook; other cells go into both) and prints the text outputs of the code cells, which the
runner records as the lab's output. The runner calls this in a child process, with a timeout.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

LANGUAGES = ("en", "zh")


def text_outputs(nb) -> str:
    """The printed text of every code cell, in order (what the golden test compares)."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data") and "text/plain" in out.get("data", {}):
                if not any(k.startswith("image/") for k in out.data):
                    parts.append(out.data["text/plain"] + "\n")
    return "".join(parts)


def for_language(nb, lang: str):
    """A copy of the executed notebook with the other language's markdown cells removed."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        langs = [t for t in tags if t in LANGUAGES]
        if langs and lang not in langs:
            continue
        if langs:
            cell.metadata["tags"] = [t for t in tags if t not in LANGUAGES]
            if not cell.metadata["tags"]:
                del cell.metadata["tags"]
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("jupytext", None)
    out.metadata["language"] = lang
    return out


def strip_volatile(nb) -> None:
    """Remove what changes from run to run so that notebooks are stable: timings, patch versions, cell
    ids, and the way the kernel happened to split a cell's printed text into chunks."""
    lang_info = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {"name": lang_info.get("name", "python")}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{i:03d}"
        merged = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if out.output_type == "stream" and prev is not None and prev.output_type == "stream" and prev.name == out.name:
                prev.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def main(argv: list[str]) -> int:
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    src, out_dir = Path(argv[0]), Path(argv[1])
    # The kernel draws what plt.show() shows into the notebook, as SVG like every figure on the site (the
    # runner's Agg backend would draw nothing); SOURCE_DATE_EPOCH fixes the date matplotlib writes into it.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=None,  # the runner enforces the lab's timeout on this whole process
        allow_errors=False,
        record_timing=False,
        extra_arguments=["--InlineBackend.figure_formats=svg"],
        resources={"metadata": {"path": str(Path.cwd())}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        print(f"{src}: a cell raised an error:\n{exc}", file=sys.stderr)
        return 1
    strip_volatile(nb)
    for lang in LANGUAGES:
        nbformat.write(for_language(nb, lang), out_dir / f"{lang}.ipynb")
    sys.stdout.write(text_outputs(nb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
