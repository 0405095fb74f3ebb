"""Golden outputs: every program, run again from the working tree, prints and draws what was recorded.

Each program runs twice (in parallel, one process each, as the runner runs them). What breaks these
tests: a program whose output changed without `make snippets`, a program that prints something that
varies between runs (time, addresses, unseeded randomness), a figure that is not written reproducibly,
a lab notebook edited by hand.
"""

from __future__ import annotations

import difflib
import os

import pytest
from conftest import REPO_ROOT, runner

PROGRAMS = runner.discover(REPO_ROOT)
IDS = [p.rel for p in PROGRAMS]


@pytest.fixture(scope="session")
def runs() -> dict[str, tuple[runner.Result, runner.Result]]:
    """Every program run twice, in parallel, with the runner's own settings."""
    twice = PROGRAMS + PROGRAMS
    results = runner.run_many(twice, jobs=os.cpu_count() or 1, progress=False)
    by_rel: dict[str, list[runner.Result]] = {}
    for r in results:
        by_rel.setdefault(r.program.rel, []).append(r)
    return {rel: (rs[0], rs[1]) for rel, rs in by_rel.items()}


def diff(expected: str, actual: str, what: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"recorded {what}", f"fresh run of {what}"
    )
    return "".join(lines)


def test_every_recorded_output_is_up_to_date(capsys):
    assert runner.cmd_check(REPO_ROOT) == 0, capsys.readouterr().err


def test_there_are_programs():
    assert len(PROGRAMS) >= 10, "the Transformer stage alone has more programs than this; discovery is broken"


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_output_matches_record(program, runs):
    result = runs[program.rel][0]
    assert result.ok, result.failure_message()
    recorded = (program.out_dir / runner.OUTPUT_FILE).read_text(encoding="utf-8")
    assert result.stdout == recorded, (
        f"{program.rel} now prints something else than its recorded output; if intended, run "
        f"`make snippets` and commit.\n" + diff(recorded, result.stdout, program.rel)
    )
    record = runner.read_record(program)
    figures = {name for name in result.files if name.endswith(runner.FIGURE_SUFFIXES)}
    assert figures == set(record["files"]), f"{program.rel} writes figures {sorted(figures)}, recorded {sorted(record['files'])}"
    for name in figures:
        assert result.files[name] == (program.out_dir / name).read_bytes(), f"{program.rel}: figure {name} differs from the recorded one"
    if program.is_lab:
        for lang in runner.LANGUAGES:
            recorded_nb = program.notebook_path(lang).read_text(encoding="utf-8")
            fresh_nb = result.files[f"{lang}.ipynb"].decode("utf-8")
            assert fresh_nb == recorded_nb, f"{program.rel}: the {lang} notebook differs\n" + diff(recorded_nb, fresh_nb, lang)


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_two_runs_are_identical(program, runs):
    first, second = runs[program.rel]
    assert first.ok and second.ok, (first.failure_message(), second.failure_message())
    assert first.stdout == second.stdout, f"{program.rel} prints different text on two runs:\n" + diff(first.stdout, second.stdout, "run 1")
    assert first.files == second.files, f"{program.rel} writes different files on two runs (unseeded randomness, dates in figures?)"


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
