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
    assert "differs from what was recorded" in runner.state(program, env)[1]


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
    program that reads a file beside it without declaring it fails there, and so does the recording run),
    default threads (not the recording's one thread), its figures in the current folder."""
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
    for as_reader in (False, True):  # every run is of a copy in a folder of its own
        failed = runner.run_program(needs_p, as_reader=as_reader)
        assert not failed.ok and "notes.txt" in failed.failure_message(), "the end of stderr names what was missing"
    assert "alone in an empty folder, default threads" in failed.failure_message()
    (tmp_path / "snippets/manifest.toml").write_text('["s/needs.py"]\ndata = ["snippets/s/notes.txt"]\n')
    needs_p = runner.find(tmp_path, "snippets/s/needs.py")
    for as_reader in (False, True):  # declared: the data file is copied beside it, as in the repository
        assert runner.run_program(needs_p, as_reader=as_reader).stdout == "beside the program\n\n"


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


def test_programs_run_longest_first_by_their_recorded_time(tmp_path, tmp_path_factory):
    """Breaks if the runner stops starting the longest programs first (a long one started last leaves the other
    cores idle at the end); a program never recorded counts as the longest."""
    log = tmp_path_factory.mktemp("outside-the-repository") / "order.txt"
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


# --- a program cannot change the repository, reach the network, or outlive its run --------------------


def test_a_program_that_changes_the_repository_fails_naming_the_files(tmp_path):
    """Breaks if a program may again overwrite another program's output or a page without anyone noticing."""
    vandal = f'from pathlib import Path\nPath({str(tmp_path / "docs/page.md")!r}).write_text("gone")\nprint("done")\n'
    make_repo(tmp_path, {"s/a.py": GOOD, "s/vandal.py": vandal})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/page.md").write_text("a page")
    proc = run(tmp_path, "-j", "1")
    assert proc.returncode == 1
    assert "FAILED snippets/s/vandal.py: files of the repository changed while it ran: docs/page.md. A program" in proc.stderr
    assert not (tmp_path / "snippets/s/_out/vandal").exists() and (tmp_path / "snippets/s/_out/a/output.txt").exists()
    (tmp_path / "docs/page.md").write_text("a page")
    parallel = run(tmp_path, "--force", "-j", "2")  # side by side, both are named: the change cannot be told apart
    assert "files of the repository changed while it ran: docs/page.md (these ran at the same time: snippets/s/" in parallel.stderr


def test_an_edited_or_overwritten_output_is_found_naming_the_file(tmp_path):
    """Breaks if output.txt is again outside the record's hashes (an edited number passed make check)."""
    make_repo(tmp_path, {"s/a.py": GOOD})
    assert run(tmp_path).returncode == 0
    out = tmp_path / "snippets/s/_out/a/output.txt"
    out.write_text("value : 9.9999\n")
    check = run(tmp_path, "--check")
    assert check.returncode == 1
    assert "snippets/s/_out/a/output.txt differs from what was recorded (edited, truncated or overwritten)" in check.stderr
    assert run(tmp_path).returncode == 0 and out.read_text() == "value : 1.2345\n", "a rerun restores it"


def test_a_program_that_reaches_for_the_network_fails_with_the_promise_named(tmp_path):
    fetch = 'import urllib.request\nprint(urllib.request.urlopen("http://example.com", timeout=5).read()[:10])\n'
    connect = 'import socket\nsocket.create_connection(("93.184.215.14", 80), timeout=5)\nprint("connected")\n'
    make_repo(tmp_path, {"s/fetch.py": fetch, "s/connect.py": connect})
    proc = run(tmp_path)
    assert proc.returncode == 1
    for name in ("fetch", "connect"):
        assert f"FAILED snippets/s/{name}.py: raised an error" in proc.stderr
    assert proc.stderr.count("programs download nothing") == 2, proc.stderr


@pytest.mark.parametrize("record", ["[1, 2]", "not json", "\"text\""], ids=["list", "garbage", "string"])
def test_an_unreadable_record_is_named_and_rerun(tmp_path, record):
    make_repo(tmp_path, {"s/a.py": GOOD})
    assert run(tmp_path).returncode == 0
    (tmp_path / "snippets/s/_out/a/record.json").write_text(record)
    check = run(tmp_path, "--check")
    assert check.returncode == 1 and "snippets/s/_out/a/record.json is unreadable" in check.stderr
    assert "Traceback" not in check.stderr
    proc = run(tmp_path)
    assert proc.returncode == 0 and "running 1 of 1" in proc.stdout, proc.stderr
    assert run(tmp_path, "--check").returncode == 0


def test_a_process_left_running_holding_the_output_is_killed_in_time(tmp_path):
    """Breaks if a program whose detached child keeps stdout open hangs the runner past its timeout (it hung
    25 s for a 3 s timeout, forever with a long-lived child)."""
    detach = ('import subprocess, sys\nprint("started", flush=True)\n'
              'subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)\n')
    make_repo(tmp_path, {"s/detach.py": detach}, manifest='["s/detach.py"]\ntimeout = 3\n')
    start = time.monotonic()
    proc = run(tmp_path)
    assert time.monotonic() - start < 15, "the runner waited for the detached child"
    assert proc.returncode == 1
    assert "a process it started kept running and holding its output; it was killed" in proc.stderr
    stray = subprocess.run(["pgrep", "-f", "time.sleep\\(120\\)"], capture_output=True, text=True).stdout.split()
    assert not stray, f"the detached child is still running: {stray}"


def test_two_runs_at_once_do_not_race(tmp_path):
    make_repo(tmp_path, {"s/slow.py": 'import time\nprint("x", flush=True)\ntime.sleep(4)\n'})
    first = subprocess.Popen([*RUNNER, "--root", str(tmp_path), "--no-progress"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    second = run(tmp_path)
    assert second.returncode == 2 and "another run of scripts/snippets.py is in progress on this tree" in second.stderr
    assert "Traceback" not in second.stderr
    first.communicate(timeout=30)
    assert first.returncode == 0


def test_output_that_is_not_utf8_fails_naming_the_line(tmp_path):
    make_repo(tmp_path, {"s/bytes.py": 'import sys\nprint("ok")\nsys.stdout.flush()\nsys.stdout.buffer.write(b"\\xff\\xfe\\n")\n'})
    proc = run(tmp_path)
    assert proc.returncode == 1 and "printed bytes that are not UTF-8 text (line 2" in proc.stderr


def test_a_full_disk_is_a_message_not_a_traceback(tmp_path):
    """Breaks if a failed write of an output (File too large, No space left) shows a traceback or leaves a
    half-written output behind. RLIMIT_FSIZE makes every write past 64 KiB fail as a full disk would."""
    import resource

    make_repo(tmp_path, {"s/a.py": GOOD, "s/big.py": 'print("x" * 200_000)\n'})
    assert run(tmp_path, "snippets/s/a.py").returncode == 0

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = subprocess.run([*RUNNER, "--root", str(tmp_path), "--no-progress"], capture_output=True, text=True,
                          preexec_fn=small_files)
    assert proc.returncode == 2
    assert "error: could not record the output of snippets/s/big.py: File too large" in proc.stderr
    assert "Traceback" not in proc.stderr and leftovers(tmp_path) == []
    assert not (tmp_path / "snippets/s/_out/big").exists()
