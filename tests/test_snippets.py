"""Golden outputs: every program, run as a reader runs a downloaded copy, prints and draws exactly its record.

Each program runs once here: a copy of the file alone in an empty folder, with default threads and the
reader's environment. A program that reads data shipped in the repository runs from the repository root;
a lab is executed into its notebooks, and run once more as the plain script readers can also download.
The record it is compared with was made by the runner, from the repository root with one thread, so a
match also shows the output does not depend on where or with how many threads it runs. The programs run
in parallel, one process each, longest first, on every core.

What breaks these tests: a program whose output changed without `make snippets`, output that varies between
runs or thread counts (times, addresses, unseeded randomness, too many digits), a figure not written
reproducibly, a program that needs something outside its own file, a lab notebook edited by hand.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pytest
from conftest import REPO_ROOT, runner

PROGRAMS = runner.discover(REPO_ROOT)
IDS = [p.rel for p in PROGRAMS]
# A lab reaches readers twice: as its notebook, and as its .py source, which they can run as a plain script.
# Run that way (no notebook), it must print the text of its notebook's cells, which is its recorded output.
LABS_AS_SCRIPTS = [dataclasses.replace(p, notebook=None) for p in PROGRAMS if p.is_lab]


@pytest.fixture(scope="session")
def runs(request) -> dict[tuple[str, bool], runner.Result]:
    """Every program run once as a reader's copy (and each lab once more as a plain script), all cores busy;
    a line per program as it finishes. Keyed by (program, run as a notebook)."""
    selected = {item.callspec.params.get("program") or item.callspec.params.get("lab")
                for item in request.session.items if "runs" in getattr(item, "fixturenames", ())}
    everything = [p for p in PROGRAMS + LABS_AS_SCRIPTS if p in selected]  # e.g. with -k attention: those only
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nrunning {len(everything)} programs as readers' copies on {os.cpu_count()} cores", flush=True)
        results = runner.run_many(everything, jobs=os.cpu_count() or 1, progress=True, as_reader=True)
    timings = request.config.getoption("--program-timings")
    if timings is not None:
        runner.write_timings(timings, results)
    return {(r.program.rel, r.program.is_lab): r for r in results}


def test_every_recorded_output_is_up_to_date(capsys):
    assert runner.cmd_check(REPO_ROOT) == 0, capsys.readouterr().err


def test_there_are_programs():
    assert len(PROGRAMS) >= 10, "the Transformer stage alone has more programs than this; discovery is broken"


@pytest.mark.programs
@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_a_downloaded_copy_reproduces_the_record(program, runs):
    """The reader's promise: download the file, run `python name.py`, get the output and figures on the page."""
    problems = runner.verify(runs[program.rel, program.is_lab])
    assert not problems, "\n".join(problems)


@pytest.mark.programs
@pytest.mark.parametrize("lab", LABS_AS_SCRIPTS, ids=[p.rel for p in LABS_AS_SCRIPTS])
def test_a_lab_run_as_a_plain_script_prints_its_recorded_output(lab, runs):
    problems = runner.verify(runs[lab.rel, False])
    assert not problems, f"{lab.rel} run as a plain script (python {lab.name}.py):\n" + "\n".join(problems)


def local_loads_only(source):
    """What is wrong with the program's from_pretrained calls, or "" when each one loads a folder that the
    program saved itself (it calls save_pretrained) and forbids the hub (local_files_only=True)."""
    for match in re.finditer(r"from_pretrained\(", source):
        depth, end = 1, match.end()
        while depth and end < len(source):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            end += 1
        call = source[match.start():end]
        if "local_files_only=True" not in call:
            return f"{call!r} must pass local_files_only=True"
        if re.match(r"from_pretrained\(\s*[\"']", call):
            return f"{call!r} names a model by a string; load the folder the program saved"
        if "save_pretrained(" not in source:
            return f"{call!r} loads a folder the program did not save (no save_pretrained)"
    return ""


def test_local_loads_only_tells_a_saved_folder_from_a_download():
    """Breaks if the shape rule lets a program load a model from the hub."""
    saved = 'model.save_pretrained(out)\nAutoModelForCausalLM.from_pretrained(out, local_files_only=True)'
    assert local_loads_only(saved) == ""
    assert "local_files_only" in local_loads_only('model.save_pretrained(out)\nAutoModel.from_pretrained(out)')
    assert "by a string" in local_loads_only('save_pretrained(o)\nAutoModel.from_pretrained("gpt2", local_files_only=True)')
    assert "did not save" in local_loads_only('AutoModel.from_pretrained(folder, local_files_only=True)')


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_program_shape(program):
    """The conventions a reader relies on when copying a single file (docs/en/contributing.md)."""
    source = program.path.read_text(encoding="utf-8")
    if not program.is_lab:
        assert source.lstrip().startswith('"""'), f"{program.rel}: start with a docstring saying what it shows"
    if re.search(r"^\s*(import torch|from torch\b)", source, re.M):  # a tokenizer program needs neither line
        assert "torch.cuda.is_available()" in source, f"{program.rel}: needs the DEVICE line (CPU-first, GPU when present)"
        assert "manual_seed" in source, f"{program.rel}: seed the random generators"
    assert "assert " in source, f"{program.rel}: a program asserts the claim its page makes"
    for forbidden in ("urllib", "requests.", "load_dataset", "snapshot_download", "hf_hub_download"):
        assert forbidden not in source, f"{program.rel}: programs download nothing ({forbidden!r})"
    problem = local_loads_only(source)
    assert not problem, f"{program.rel}: programs download nothing: {problem}"
    assert "from snippets" not in source and "import scripts" not in source, f"{program.rel}: must be standalone"
