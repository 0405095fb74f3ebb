"""The test driver (scripts/run_tests.py) and the set-up (scripts/setup_env.py), on made-up figures.

What breaks these tests: a summary without a phase, its time or its test counts, or without the slowest
programs in order; the set-up time reported twice, or never; uv not told where pip finds packages (on these
machines, the CPU build of torch: without it uv would download the multi-GB CUDA build).
"""

from __future__ import annotations

import json

import setup_env
import run_tests as driver


def test_the_summary_shows_every_phase_and_the_ten_slowest_programs():
    phases = [
        {"phase": "environment", "seconds": 51.0, "ok": True, "note": "set up .venv with uv"},
        {"phase": "programs", "seconds": 120.0, "ok": True, "counts": {"passed": 75}},
        {"phase": "builds", "seconds": 9.5, "ok": True, "note": "en + zh in parallel"},
        {"phase": "browser", "seconds": 130.0, "ok": False, "counts": {"passed": 72, "failed": 2}},
        {"phase": "the rest", "seconds": 30.0, "ok": True, "counts": {"passed": 150, "skipped": 1}},
    ]
    programs = [{"program": f"snippets/x/p{i:02d}.py", "wall_s": float(i)} for i in range(12)]
    text = driver.summary(phases, programs, 340.5, quick=False)
    for line in ("environment     51.0 s   set up .venv with uv", "programs       120.0 s   75 passed",
                 "browser        130.0 s   72 passed, 2 failed  <-- FAILED", "the rest        30.0 s   150 passed, 1 skipped",
                 "total          340.5 s"):
        assert line in text, f"{line!r} not in the summary:\n{text}"
    slowest = [line.split()[-1] for line in text.splitlines() if "snippets/x/" in line]
    assert slowest == [f"snippets/x/p{i:02d}.py" for i in range(11, 1, -1)]
    assert "sum 66 s for 12 programs" in text


def test_the_set_up_time_is_reported_once(tmp_path, monkeypatch):
    report = tmp_path / ".setup.json"
    monkeypatch.setattr(driver, "SETUP_REPORT", report)
    report.write_text(json.dumps({"seconds": 48.2, "installer": "uv"}))
    first = driver.environment_phase()
    assert first["seconds"] == 48.2 and "uv" in first["note"]
    second = driver.environment_phase()
    assert second["seconds"] == 0.0 and second["note"] == ".venv was up to date"


def test_uv_is_told_where_pip_finds_packages():
    config = "global.find-links='/opt/wheels'\n:env:.find-links='/opt/wheels /srv/more'\nglobal.cert='/x'\n"
    assert setup_env.find_links(config) == ["/opt/wheels", "/srv/more"]
    assert setup_env.find_links("global.index-url='https://pypi.org/simple'\n") == []
