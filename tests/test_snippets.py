"""Golden outputs: every program, run as a reader runs a downloaded copy, prints and draws exactly its record.

Each program runs once here: a copy of the file alone in an empty folder, with default threads and the
reader's environment (a program that reads data shipped in the repository runs from the repository root;
a lab is executed into its notebooks). The record it is compared with was made by the runner, from the
repository root with one thread, so a match also shows the output does not depend on where or with how many
threads it runs. The programs run in parallel, one process each, longest first, on every core.

What breaks these tests: a program whose output changed without `make snippets`, output that varies between
runs or thread counts (times, addresses, unseeded randomness, too many digits), a figure not written
reproducibly, a program that needs something outside its own file, a lab notebook edited by hand.
"""

from __future__ import annotations

import os

import pytest
from conftest import REPO_ROOT, runner

PROGRAMS = runner.discover(REPO_ROOT)
IDS = [p.rel for p in PROGRAMS]


@pytest.fixture(scope="session")
def runs(request) -> dict[str, runner.Result]:
    """Every program run once as a reader's copy, all cores busy; a line per program as it finishes."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nrunning {len(PROGRAMS)} programs as readers' copies on {os.cpu_count()} cores", flush=True)
        results = runner.run_many(PROGRAMS, jobs=os.cpu_count() or 1, progress=True, as_reader=True)
    timings = request.config.getoption("--program-timings")
    if timings is not None:
        runner.write_timings(timings, results)
    return {r.program.rel: r for r in results}


def test_every_recorded_output_is_up_to_date(capsys):
    assert runner.cmd_check(REPO_ROOT) == 0, capsys.readouterr().err


def test_there_are_programs():
    assert len(PROGRAMS) >= 10, "the Transformer stage alone has more programs than this; discovery is broken"


@pytest.mark.programs
@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_a_downloaded_copy_reproduces_the_record(program, runs):
    """The reader's promise: download the file, run `python name.py`, get the output and figures on the page."""
    problems = runner.verify(runs[program.rel])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_program_shape(program):
    """The conventions a reader relies on when copying a single file (docs/en/contributing.md)."""
    source = program.path.read_text(encoding="utf-8")
    if not program.is_lab:
        assert source.lstrip().startswith('"""'), f"{program.rel}: start with a docstring saying what it shows"
    assert "torch.cuda.is_available()" in source, f"{program.rel}: needs the DEVICE line (CPU-first, GPU when present)"
    assert "manual_seed" in source, f"{program.rel}: seed the random generators"
    assert "assert " in source, f"{program.rel}: a program asserts the claim its page makes"
    for forbidden in ("urllib", "requests.", "from_pretrained", "load_dataset", "snapshot_download"):
        assert forbidden not in source, f"{program.rel}: programs download nothing ({forbidden!r})"
    assert "from snippets" not in source and "import scripts" not in source, f"{program.rel}: must be standalone"
