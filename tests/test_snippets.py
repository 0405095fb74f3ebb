"""Golden outputs: every program, run again, prints and draws exactly what was recorded.

Each program runs twice: once as the runner runs it (from the repository root, one thread, figures to
a folder it names), and once as a reader runs a downloaded copy (the file alone in an empty folder,
default threads and environment, figures to the current folder). What breaks these tests: a program
whose output changed without `make snippets`, output that varies between runs or machines' thread
counts (times, addresses, unseeded randomness, too many digits), a figure not written reproducibly, a
program that needs something outside its own file, a lab notebook edited by hand.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO_ROOT, runner

PROGRAMS = runner.discover(REPO_ROOT)
IDS = [p.rel for p in PROGRAMS]


def run_as_reader(program: runner.Program) -> runner.Result:
    """Run a copy of the program alone in an empty folder, as a reader who downloaded it would."""
    env = {k: v for k, v in os.environ.items() if k not in ("SNIPPET_OUT_DIR", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["MPLBACKEND"] = "Agg"  # no screen here; a reader's default backend would open a window
    with tempfile.TemporaryDirectory(prefix="reader-") as tmp:
        shutil.copy2(program.path, tmp)
        proc = subprocess.run(
            [sys.executable, program.path.name], cwd=tmp, env=env, capture_output=True, text=True, timeout=program.timeout
        )
        result = runner.Result(program, ok=proc.returncode == 0, stdout=proc.stdout, stderr=proc.stderr, returncode=proc.returncode)
        result.reason = "failed when run alone in an empty folder"
        for path in Path(tmp).iterdir():
            if path.suffix in runner.FIGURE_SUFFIXES:
                result.files[path.name] = path.read_bytes()
    return result


@pytest.fixture(scope="session")
def runs() -> dict[str, tuple[runner.Result, runner.Result]]:
    """Every program run by the runner and, in parallel, as a reader's downloaded copy."""
    jobs = os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=1) as pool:
        readers = pool.submit(lambda: [run_as_reader(p) for p in PROGRAMS if not p.data])
        by_runner = runner.run_many(PROGRAMS, jobs=max(1, jobs - 1), progress=False)
        by_reader = readers.result()
    reader_of = {r.program.rel: r for r in by_reader}
    return {r.program.rel: (r, reader_of.get(r.program.rel)) for r in by_runner}


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
def test_a_downloaded_copy_prints_the_same(program, runs):
    """The reader's promise: download the file, run `python name.py`, get the output on the page."""
    first, second = runs[program.rel]
    if second is None:
        pytest.skip(f"{program.rel} reads data files from the repository; it is run from the repository root")
    assert first.ok, first.failure_message()
    assert second.ok, second.failure_message()
    if program.is_lab:  # as a plain script a lab prints its cells' text; figures go to the notebook only
        assert second.stdout == first.stdout, f"{program.rel} as a script prints other text:\n" + diff(first.stdout, second.stdout, "notebook run")
        return
    assert second.stdout == first.stdout, (
        f"{program.rel}: a copy run alone (default threads) prints other text than the runner's run:\n"
        + diff(first.stdout, second.stdout, "runner run")
    )
    figures = {k: v for k, v in first.files.items() if k.endswith(runner.FIGURE_SUFFIXES)}
    assert second.files == figures, f"{program.rel}: a copy run alone draws different figures (dates, unseeded randomness?)"


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
