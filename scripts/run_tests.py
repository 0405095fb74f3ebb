"""The test suite in phases, each keeping every core busy, then where the time went: `make test`.

    python scripts/run_tests.py                # the whole suite (make test)
    python scripts/run_tests.py --quick        # all but running the programs and driving the browser (make test-quick)
    python scripts/run_tests.py --report FILE  # also write the phase times as JSON (scripts/bench.py reads it)
    python scripts/run_tests.py -- -x -k attention   # arguments after -- go to every pytest run

The phases, in order:
  environment  .venv, set up by the Makefile (scripts/setup_env.py) when requirements.txt changed
  programs     pytest -m programs: every program once, as a reader's copy, one process per core, longest first
  builds       both languages at once, --strict, into a temporary folder served on loopback; meanwhile
  the rest     everything else, one worker per core and one more (several tests mostly wait): small broken
               builds, the runner's and the roadmap's tests, recorded outputs against their hashes, and the
               checks of the built site, which wait for the build
  browser      pytest -m browser, one worker per core, each with its own Chromium, against that one site
A phase that fails does not stop the others (except the browser phase, skipped when the build failed); the
exit status is 1 if any test failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from chromium import serve

REPO_ROOT = Path(__file__).resolve().parent.parent
SETUP_REPORT = REPO_ROOT / ".venv" / ".setup.json"
SLOWEST = 10


def heading(text: str) -> None:
    print(f"\n{'=' * 30} {text} {'=' * max(3, 70 - len(text))}", flush=True)


def pytest_phase(name: str, marker: str, workers: int, extra: list[str], tmp: Path, site: tuple[Path, str] | None,
                 timings: Path | None = None) -> dict:
    """One pytest run over the tests with `marker`; returns its wall time and test counts."""
    report = tmp / f"phase-{name.replace(' ', '-')}.json"
    # Options of tests/conftest.py are written --name=value: pytest reads its command line before loading
    # conftest.py, and would take a separate value for a path to test (and its folder for the root).
    cmd = [sys.executable, "-m", "pytest", "-m", marker, f"--phase-report={report}"]
    if workers > 1:  # worksteal: an idle worker takes tests queued for a busy one (measured: 28 s against 42 s)
        cmd += ["-n", str(workers), "--dist", "worksteal"]
    if site is not None:
        cmd += [f"--site-dir={site[0]}", f"--site-url={site[1]}"]
    if timings is not None:
        cmd += [f"--program-timings={timings}"]
    heading(f"{name}: pytest -m \"{marker}\"" + (f" on {workers} workers" if workers > 1 else ""))
    start = time.monotonic()
    proc = subprocess.run([*cmd, *extra], cwd=REPO_ROOT)
    seconds = time.monotonic() - start
    counts = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    # pytest exits 5 when no test was selected (a filter given after --): not a failure of the phase
    ok = proc.returncode in (0, 5)
    return {"phase": name, "seconds": seconds, "ok": ok, "counts": counts, "exitstatus": proc.returncode}


def describe(counts: dict) -> str:
    parts = [f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped") if counts.get(k)]
    return ", ".join(parts) or "no tests"


def environment_phase() -> dict:
    """What the Makefile's set-up took in this run (it leaves .venv/.setup.json); nothing if .venv was ready."""
    if not SETUP_REPORT.exists():
        return {"phase": "environment", "seconds": 0.0, "ok": True, "note": ".venv was up to date"}
    data = json.loads(SETUP_REPORT.read_text(encoding="utf-8"))
    SETUP_REPORT.replace(SETUP_REPORT.with_name(".setup-reported.json"))  # reported once
    return {"phase": "environment", "seconds": float(data["seconds"]), "ok": True,
            "note": f"set up .venv with {data['installer']}"}


class BackgroundBuild:
    """Both languages built (scripts/build_site.py) in the background, into a folder served at `url`, while the
    tests that do not need the site run. The folder holds .building until the build ends, then .build-done or
    .build-failed; tests that need the site wait for it (tests/conftest.py, built_site)."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        (folder / ".building").touch()
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "scripts" / "build_site.py"), "--out", str(folder), "--base-url", url],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.thread = threading.Thread(target=self._finish, daemon=True)
        self.thread.start()

    def _finish(self) -> None:
        self.log, _ = self.proc.communicate()
        self.seconds = time.monotonic() - self.start
        (self.folder / (".build-done" if self.proc.returncode == 0 else ".build-failed")).touch()
        (self.folder / ".building").unlink()

    def phase(self) -> dict:
        """Wait for the build; show its log; its phase for the summary."""
        self.thread.join()
        ok = self.proc.returncode == 0
        heading("builds: both languages at once, --strict (beside the rest)")
        print(self.log.rstrip(), flush=True)
        return {"phase": "builds", "seconds": self.seconds, "ok": ok,
                "note": "en + zh in parallel, beside the rest" if ok else "FAILED (messages above)"}


def summary(phases: list[dict], programs: list[dict], total: float, quick: bool) -> str:
    cores = os.cpu_count() or 1
    lines = [f"where the time went ({cores} cores)"]
    for p in phases:
        note = describe(p["counts"]) if "counts" in p else p.get("note", "")
        flag = "" if p["ok"] else "  <-- FAILED"
        lines.append(f"  {p['phase']:<12} {p['seconds']:>7.1f} s   {note}{flag}")
    lines.append(f"  {'total':<12} {total:>7.1f} s")
    if quick:
        lines.append("  (quick: the programs were not run and the browser not driven; make test does both)")
    if programs:
        lines.append(f"{SLOWEST} slowest programs (wall time, run beside the others; sum {sum(r['wall_s'] for r in programs):.0f} s "
                     f"for {len(programs)} programs)")
        for r in sorted(programs, key=lambda r: -r["wall_s"])[:SLOWEST]:
            lines.append(f"  {r['wall_s']:>6.1f} s  {r['program']}{' (as a notebook)' if r.get('notebook') else ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out running the programs and the browser tests")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write the phases and program timings as JSON")
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    try:
        return run(args.quick, args.report, extra)
    except KeyboardInterrupt:
        print("\ninterrupted: the test run was stopped (nothing in the repository was changed)", file=sys.stderr)
        return 130


def run(quick: bool, report: Path | None, extra: list[str]) -> int:
    cores = os.cpu_count() or 1
    start = time.monotonic()
    phases = [environment_phase()]
    programs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="llm-roadmap-test-") as tmp_name:
        tmp = Path(tmp_name)
        if not quick:
            timings = tmp / "program-timings.json"
            phases.append(pytest_phase("programs", "programs", 1, extra, tmp, None, timings=timings))
            if timings.exists():
                programs = json.loads(timings.read_text(encoding="utf-8"))
        site = tmp / "site"
        site.mkdir()
        server, url = serve(site)
        try:
            build = BackgroundBuild(site, url)
            # The rest starts at once: most of it needs no site, and it keeps the cores busy while the build runs.
            rest = pytest_phase("the rest", "not programs and not browser" + (" and not reruns" if quick else ""), cores + 1,
                                extra, tmp, (site, url))
            phases += [build.phase(), rest]
            if not quick:
                if phases[-2]["ok"]:
                    phases.append(pytest_phase("browser", "browser", cores, extra, tmp, (site, url)))
                else:
                    phases.append({"phase": "browser", "seconds": 0.0, "ok": False, "note": "not run: the build failed"})
        finally:
            server.shutdown()
            server.server_close()
    total = time.monotonic() - start + phases[0]["seconds"]
    heading("summary")
    print(summary(phases, programs, total, quick), flush=True)
    if report:
        report.write_text(json.dumps({"cores": cores, "quick": quick, "total_s": total, "phases": phases,
                                      "programs": programs}, indent=1) + "\n", encoding="utf-8")
    failed = [p["phase"] for p in phases if not p["ok"]]
    if failed:
        print(f"FAILED in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
