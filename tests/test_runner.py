"""The runner's promises, tested on small repositories made here: loud failures, nothing half-written.

What breaks these tests: a failure reported without the program's name, status or stderr; an old
output silently reused after a failure; a timeout that does not stop the program; an interrupted run
that leaves temporary or partial files; stale outputs not detected; outputs of deleted programs kept;
a "reader's run" that is not one (not alone, not default threads); a difference from the record that
`verify` misses or reports without the program and the diff; programs not started longest first.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, runner

RUNNER = [sys.executable, str(REPO_ROOT / "scripts" / "snippets.py")]

GOOD = '''"""Prints a number and writes a figure."""
import os
from pathlib import Path
print("value : 1.2345")
Path(os.environ.get("SNIPPET_OUT_DIR", ".")).joinpath("fig.svg").write_text("<svg></svg>")
'''


def make_repo(root: Path, programs: dict[str, str], manifest: str = "") -> Path:
    for rel, source in programs.items():
        path = root / "snippets" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    if manifest:
        (root / "snippets" / "manifest.toml").write_text(manifest, encoding="utf-8")
    return root


def run(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*RUNNER, "--root", str(root), "--no-progress", *args], capture_output=True, text=True, **kwargs)


def leftovers(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.startswith((".tmp-", ".old-"))]


def test_records_output_figures_and_hash(tmp_path):
    make_repo(tmp_path, {"s/good.py": GOOD})
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "snippets/s/_out/good"
    assert (out / "output.txt").read_text() == "value : 1.2345\n"
    assert (out / "fig.svg").read_text() == "<svg></svg>"
    record = json.loads((out / "record.json").read_text())
    assert record["program"] == "snippets/s/good.py" and "fig.svg" in record["files"]
    assert run(tmp_path, "--check").returncode == 0
    again = run(tmp_path)
    assert "up to date" in again.stdout, "a second run with nothing changed must run nothing"


def test_raising_program_is_reported_and_its_old_output_marked_stale(tmp_path):
    make_repo(tmp_path, {"s/prog.py": GOOD})
    assert run(tmp_path).returncode == 0
    (tmp_path / "snippets/s/prog.py").write_text('print("start")\nraise ValueError("the claim does not hold")\n')
    proc = run(tmp_path)
    assert proc.returncode == 1
    assert "FAILED snippets/s/prog.py: raised an error (exit status 1)" in proc.stderr
    assert "ValueError: the claim does not hold" in proc.stderr, "the end of stderr must be shown"
    out = tmp_path / "snippets/s/_out/prog"
    assert (out / "output.txt").read_text() == "value : 1.2345\n", "the old output is kept"
    assert "failed" in json.loads((out / "record.json").read_text())
    check = run(tmp_path, "--check")
    assert check.returncode == 1 and "failed" in check.stderr and "snippets/s/prog.py" in check.stderr


def test_timeout_stops_the_program(tmp_path):
    make_repo(
        tmp_path,
        {"s/slow.py": 'import time\nprint("x")\ntime.sleep(60)\n'},
        manifest='["s/slow.py"]\ntimeout = 1\n',
    )
    start = time.monotonic()
    proc = run(tmp_path)
    assert time.monotonic() - start < 20, "the timeout must stop the program"
    assert proc.returncode == 1
    assert "FAILED snippets/s/slow.py: timed out after 1 s" in proc.stderr
    assert not (tmp_path / "snippets/s/_out/slow").exists()


def test_program_that_prints_nothing_fails(tmp_path):
    make_repo(tmp_path, {"s/quiet.py": "x = 1\n"})
    proc = run(tmp_path)
    assert proc.returncode == 1 and "printed nothing" in proc.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_run_leaves_no_partial_files(tmp_path, sig):
    make_repo(tmp_path, {"s/a.py": GOOD, "s/b.py": GOOD})
    assert run(tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "snippets").rglob("*") if p.is_file()}
    slow = 'import time\nprint("started", flush=True)\ntime.sleep(60)\nprint("new output")\n'
    for name in ("a", "b"):
        (tmp_path / f"snippets/s/{name}.py").write_text(slow)
    proc = subprocess.Popen([*RUNNER, "--root", str(tmp_path), "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)  # both programs are running
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert leftovers(tmp_path) == []
    for path, data in before.items():
        if "_out" in path.parts:
            assert path.read_bytes() == data, f"{path} changed although its program never finished"
    assert run(tmp_path, "--check").returncode == 1, "the unfinished programs are still stale"


def test_recover_restores_an_output_swapped_out_mid_commit(tmp_path):
    make_repo(tmp_path, {"s/a.py": GOOD})
    assert run(tmp_path).returncode == 0
    out = tmp_path / "snippets/s/_out"
    os.rename(out / "a", out / ".old-a")  # as if killed between the two renames of commit()
    (out / ".tmp-a-xyz").mkdir()
    runner.recover(tmp_path)
    assert (out / "a/output.txt").exists() and leftovers(tmp_path) == []


def test_stale_when_program_data_or_versions_change(tmp_path):
    make_repo(tmp_path, {"s/a.py": GOOD}, manifest='["s/a.py"]\ndata = ["snippets/data.txt"]\n')
    (tmp_path / "snippets/data.txt").write_text("1\n")
    assert run(tmp_path).returncode == 0
    program = runner.find(tmp_path, "snippets/s/a.py")
    env = runner.environment()
    assert runner.state(program, env)[0] == "fresh"
    (tmp_path / "snippets/data.txt").write_text("2\n")
    assert runner.state(program, env) == ("stale", "the program or its data changed since its output was recorded")
    (tmp_path / "snippets/data.txt").write_text("1\n")
    assert runner.state(program, dict(env, torch="0.0.1"))[0] == "stale"
    (program.out_dir / "fig.svg").write_text("<svg>edited</svg>")
    assert "edited by hand" in runner.state(program, env)[1]


def test_optional_library_versions_count_only_for_programs_that_import_them(tmp_path):
    """Breaks if a scikit-learn upgrade leaves a program that uses it marked fresh, or re-runs every program."""
    uses = 'from sklearn.metrics import roc_auc_score  # noqa: F401\n' + GOOD
    make_repo(tmp_path, {"s/plain.py": GOOD, "s/uses.py": uses})
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    plain, user = (runner.find(tmp_path, f"snippets/s/{n}.py") for n in ("plain", "uses"))
    env = runner.environment()
    assert "scikit-learn" in runner.program_environment(user, env)
    assert "scikit-learn" not in runner.program_environment(plain, env)
    assert runner.read_record(user)["environment"]["scikit-learn"] == env["scikit-learn"]
    newer = dict(env, **{"scikit-learn": "99.0"})
    assert runner.state(plain, newer)[0] == "fresh"
    st, why = runner.state(user, newer)
    assert st == "stale" and "scikit-learn" in why and "99.0" in why


def test_timings_report_wall_cpu_and_peak_memory_per_program(tmp_path):
    """Breaks if --timings loses a program, or reports the runner's memory instead of the program's (bench.py
    holds every program to a 2 GiB budget with these figures)."""
    big = '"""Holds about 200 MB for a moment."""\nblock = bytearray(200 * 1024 * 1024)\nprint("held", len(block))\n'
    make_repo(tmp_path, {"s/big.py": big, "s/small.py": GOOD})
    proc = run(tmp_path, "-j", "1", "--timings", str(tmp_path / "t.json"))
    assert proc.returncode == 0, proc.stderr
    rows = {r["program"]: r for r in json.loads((tmp_path / "t.json").read_text())}
    assert set(rows) == {"snippets/s/big.py", "snippets/s/small.py"}
    big_row, small_row = rows["snippets/s/big.py"], rows["snippets/s/small.py"]
    assert big_row["max_rss_bytes"] >= 200 * 1024 * 1024 > small_row["max_rss_bytes"]
    assert all(r["ok"] and r["wall_s"] > 0 and r["cpu_s"] > 0 for r in rows.values())


def test_outputs_of_deleted_programs_are_removed(tmp_path):
    make_repo(tmp_path, {"s/a.py": GOOD, "s/b.py": GOOD})
    assert run(tmp_path).returncode == 0
    (tmp_path / "snippets/s/b.py").unlink()
    assert "orphan" in run(tmp_path, "--check").stderr
    proc = run(tmp_path)
    assert "removed snippets/s/_out/b" in proc.stdout
    assert not (tmp_path / "snippets/s/_out/b").exists()


def test_manifest_errors_name_the_fix(tmp_path):
    make_repo(tmp_path, {"s/a.py": GOOD}, manifest='["s/a.py"]\ntimeut = 5\n')
    proc = run(tmp_path)
    assert proc.returncode == 2 and "unknown key(s) ['timeut']" in proc.stderr and "timeout:" in proc.stderr
    make_repo(tmp_path, {}, manifest='["s/missing.py"]\ntimeout = 5\n')
    assert "names no program" in run(tmp_path).stderr


def test_cuda_mode_refuses_without_a_gpu(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the refusal is for machines without one")
    make_repo(tmp_path, {"s/a.py": GOOD})
    proc = run(tmp_path, "--device", "cuda")
    assert proc.returncode == 2 and "no cuda device" in proc.stderr


def test_numeric_comparison_tolerates_last_digits_only():
    recorded = "loss   : 0.1234\nmatch  : True\n"
    assert runner.compare_numeric(recorded, "loss   : 0.1235\nmatch  : True\n", rtol=1e-3, atol=1e-3) == []
    assert runner.compare_numeric(recorded, "loss   : 0.2234\nmatch  : True\n", rtol=1e-3, atol=1e-3)
    assert runner.compare_numeric(recorded, "loss   : 0.1234\nmatch  : False\n", rtol=1e-3, atol=1e-3)


# --- the test suite's single run of each program: as a reader's copy, longest first ------------------


def test_a_reader_run_is_a_copy_alone_with_default_threads(tmp_path):
    """Breaks if the tests' run of a program stops being a reader's: the file alone in an empty folder (a
    program that reads a file beside it fails there), default threads (not the recording's one thread), its
    figures in the current folder."""
    shows = '"""Prints where it runs and its threads."""\nimport os\nfrom pathlib import Path\n' \
            'print("threads :", os.environ.get("OMP_NUM_THREADS", "default"))\n' \
            'print("alone   :", sorted(p.name for p in Path(".").iterdir()) == ["shows.py"])\n' \
            'Path(os.environ.get("SNIPPET_OUT_DIR", ".")).joinpath("fig.svg").write_text("<svg/>")\n'
    needs = 'from pathlib import Path\nprint(Path(__file__).with_name("notes.txt").read_text())\n'
    make_repo(tmp_path, {"s/shows.py": shows, "s/needs.py": needs})
    (tmp_path / "snippets/s/notes.txt").write_text("beside the program\n")
    shows_p, needs_p = (runner.find(tmp_path, f"snippets/s/{n}.py") for n in ("shows", "needs"))
    recorded = runner.run_program(shows_p)
    assert recorded.stdout.startswith("threads : 1\nalone   : False")
    reader = runner.run_program(shows_p, as_reader=True)
    assert reader.ok and reader.stdout == "threads : default\nalone   : True\n"
    assert reader.files == {"fig.svg": b"<svg/>"}, "the copy of the program itself is not one of its files"
    assert runner.run_program(needs_p).ok
    failed = runner.run_program(needs_p, as_reader=True)
    assert not failed.ok and "alone in an empty folder, default threads" in failed.failure_message()
    assert "notes.txt" in failed.failure_message(), "the end of stderr names what was missing"


def test_verify_names_the_program_and_shows_the_difference(tmp_path):
    make_repo(tmp_path, {"s/a.py": GOOD})
    assert run(tmp_path).returncode == 0
    program = runner.find(tmp_path, "snippets/s/a.py")
    assert runner.verify(runner.run_program(program, as_reader=True)) == []
    (program.out_dir / "output.txt").write_text("value : 9.9999\n")
    (program.out_dir / "fig.svg").write_text("<svg>old</svg>")
    problems = runner.verify(runner.run_program(program, as_reader=True))
    assert len(problems) == 2
    assert "snippets/s/a.py prints something else than its recorded output" in problems[0]
    assert "-value : 9.9999" in problems[0] and "+value : 1.2345" in problems[0] and "make snippets" in problems[0]
    assert "figure fig.svg differs" in problems[1]
    proc = run(tmp_path, "--verify")
    assert proc.returncode == 1 and "snippets/s/a.py prints something else" in proc.stderr
    assert not leftovers(tmp_path) and (program.out_dir / "output.txt").read_text() == "value : 9.9999\n", "--verify writes nothing"


def test_programs_run_longest_first_by_their_recorded_time(tmp_path):
    """Breaks if the runner stops starting the longest programs first (a long one started last leaves the other
    cores idle at the end); a program never recorded counts as the longest."""
    log = tmp_path / "order.txt"
    source = f'from pathlib import Path\nwith Path({str(log)!r}).open("a") as f:\n    f.write(Path(__file__).stem + "\\n")\nprint("ok")\n'
    make_repo(tmp_path, {f"s/{n}.py": source for n in ("short", "long", "middle", "new")})
    assert run(tmp_path, "-j", "1").returncode == 0
    for name, seconds in (("short", 1.0), ("long", 9.0), ("middle", 4.0)):
        path = tmp_path / f"snippets/s/_out/{name}/record.json"
        path.write_text(json.dumps(dict(json.loads(path.read_text()), seconds=seconds)))
    shutil.rmtree(tmp_path / "snippets/s/_out/new")
    log.unlink()
    programs = runner.discover(tmp_path)
    results = runner.run_many(programs, jobs=1, progress=False)
    assert log.read_text().split() == ["new", "long", "middle", "short"]
    assert [r.program.rel for r in results] == [p.rel for p in programs], "results come back in the input order"


def test_a_rerun_keeps_the_recorded_time_unless_it_changed_much():
    assert runner.kept_seconds({"seconds": 2.0}, 2.7) == 2.0, "within a factor of 1.5: the record stays as it was"
    assert runner.kept_seconds({"seconds": 2.0}, 3.5) == 3.5
    assert runner.kept_seconds({"seconds": 2.0}, 1.2) == 1.2
    assert runner.kept_seconds(None, 1.234) == 1.2
