"""Benchmark the set-up, the build and the test suite, and hold them to their budgets: `make bench`.

    python scripts/bench.py                 # print the table, write benchmarks/results.json (about 15 minutes)
    python scripts/bench.py --out FILE      # write the figures somewhere else
    python scripts/bench.py --skip-cold     # leave out the program runs (minutes); for a quick look
    python scripts/bench.py --skip-env      # leave out creating two environments
    python scripts/bench.py --skip-tests    # leave out make test and make test-quick

Everything runs on a copy of the working tree in a temporary folder, so the recorded outputs, .venv and the
site in the checkout are never touched. Measured, in order:

- environment creation as on a fresh machine: a new .venv with uv and its download cache empty (what
  `make` does), and the same with plain pip and no cache (the fallback), for comparison;
- cold regeneration of every recorded output (all programs and labs) with as many workers as cores;
- every program run alone, one after another, as a reader's copy (`snippets.py --verify -j 1`): per-program
  wall time, CPU time and peak memory, and their sum, which the test suite's program phase is held to;
- `make snippets` with nothing changed, and after editing one program; `scripts/snippets.py --check`;
- the site build per language and together; `make site` with nothing changed;
- the built site's size, the search indexes, and the bytes Chromium transfers on a first visit to the home
  page, a topic page, a lab page and the heaviest topic page of each language, served on loopback;
- `make test` (scripts/run_tests.py) with the time of each phase, and `make test-quick`.

Each figure with a budget is printed with PASS or FAIL, and the exit status is 1 if any budget fails.
The JSON file holds the same figures as the table, with the machine's core count and the date.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chromium import CHROMIUM, CHROMIUM_ARGS, QuietHandler, serve
import snippets  # scripts/snippets.py: the environment of a reader's run

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "benchmarks" / "results.json"
EDITED_PROGRAM = "snippets/00-start/check_setup.py"  # the program "edited" for the one-change figure
PAGES = {  # page kind -> path of a representative page (first visit, empty cache)
    "home page (en)": "en/",
    "topic page (en)": "en/transformer/attention/",
    "topic page (zh)": "zh/transformer/attention/",
    "lab page (en)": "en/transformer/lab-tiny-transformer/",
}
KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3

# Budgets: a figure passes when it is at most its limit. The test suite's program phase has a budget
# computed from this machine's figures: PROGRAM_PHASE_SLACK x (sum of the programs' standalone times) / cores.
BUDGETS = {
    "cold_regeneration_s": 300.0,
    "slowest_program_s": 20.0,  # labs apart: a lab is a longer walk-through with its own budget
    "median_program_s": 3.0,
    "slowest_lab_s": 300.0,
    "noop_make_snippets_s": 2.0,
    "noop_make_site_s": 30.0,
    "topic_page_transfer_bytes": 500 * 1000,
    "peak_program_memory_bytes": 2 * GIB,
    "test_quick_s": 60.0,
    "setup_and_test_s": 600.0,  # a fresh clone's CI: environment and make test (CI also installs Chromium)
}
PROGRAM_PHASE_SLACK = 1.25


# --------------------------------------------------------------------------------------------------
# Helpers


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def copy_tree(dest: Path) -> None:
    """The working tree as git sees it (tracked files and new files not ignored), mtimes kept."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO_ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def timed(cmd: list[str], cwd: Path, what: str, env: dict[str, str] | None = None) -> float:
    """Run a command, fail loudly if it fails, return its wall time in seconds."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: {what} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return seconds


def best_of(n: int, cmd: list[str], cwd: Path, what: str) -> float:
    return min(timed(cmd, cwd, what) for _ in range(n))


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _GzipHandler(QuietHandler):
    """Static files, gzip-compressed when the browser accepts it, as any static host serves them."""

    COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb")

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix in self.COMPRESSIBLE and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()


def heaviest_topic_page(site: Path, lang: str) -> str:
    """The topic page whose HTML and figures weigh most compressed: the one the 500 KB budget is about."""
    import yaml

    sections = yaml.safe_load((REPO_ROOT / "docs" / "roadmap.yml").read_text(encoding="utf-8"))["sections"]
    best, best_bytes = "", -1
    for section in sections:
        if section["id"] in ("home", "reference", "about"):
            continue
        for entry in section["pages"]:
            if not isinstance(entry, str):
                continue  # notebooks are labs, measured on their own
            page_dir = site / lang / entry.removesuffix(".md")
            html = (page_dir / "index.html").read_bytes()
            weight = len(gzip.compress(html, 6))
            for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html.decode("utf-8"))):
                img = (page_dir / src).resolve()
                if img.is_file():
                    weight += len(gzip.compress(img.read_bytes(), 6))
            if weight > best_bytes:
                best, best_bytes = f"{lang}/{entry.removesuffix('.md')}/", weight
    return best


def page_weights(site: Path) -> dict[str, dict]:
    """Bytes on the wire and requests for a first visit to each page in PAGES, and to the heaviest topic page
    of each language, measured in Chromium."""
    pages = dict(PAGES)
    for lang in ("en", "zh"):
        pages[f"heaviest topic page ({lang})"] = heaviest_topic_page(site, lang)
    from playwright.sync_api import sync_playwright

    server, url = serve(site, _GzipHandler)
    weights = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for kind, path in pages.items():
                context = browser.new_context()  # empty cache: a first visit
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                done = {}  # requestId -> bytes received (headers + body, as encoded on the wire)
                cdp.on("Network.loadingFinished", lambda e: done.__setitem__(e["requestId"], e["encodedDataLength"]))
                page.goto(f"{url}/{path}", wait_until="networkidle")
                page.wait_for_timeout(1500)  # the search worker fetches its index after the page settles
                weights[kind] = {"path": path, "bytes": int(sum(done.values())), "requests": len(done)}
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return weights


# --------------------------------------------------------------------------------------------------
# The benchmark


def run(skip_cold: bool, skip_env: bool, skip_tests: bool) -> dict:
    cores = os.cpu_count() or 1
    figures: dict[str, object] = {}
    budgets = dict(BUDGETS)
    phases = None
    with tempfile.TemporaryDirectory(prefix="llm-roadmap-bench-") as tmp:
        work = Path(tmp) / "repo"
        copy_tree(work)
        py = sys.executable
        if not skip_env:
            base = getattr(sys, "_base_executable", sys.executable)  # the Python 3.11 that .venv was made from
            cold = dict(os.environ, UV_CACHE_DIR=str(Path(tmp) / "uv-cache"), PIP_NO_CACHE_DIR="1")
            log("environment with uv, empty download cache ...")
            figures["environment_uv_s"] = timed([base, "scripts/setup_env.py", "--installer", "uv"], work,
                                                "setting up .venv with uv", env=cold)
            py = str(work / ".venv" / "bin" / "python")  # what follows runs in it, as on a fresh clone
            log("environment with pip, no download cache ...")
            pip_dir = Path(tmp) / "pip-env"
            for rel in ("requirements.txt", "scripts/setup_env.py"):
                (pip_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(work / rel, pip_dir / rel)
            figures["environment_pip_s"] = timed([base, "scripts/setup_env.py", "--installer", "pip"], pip_dir,
                                                 "setting up .venv with pip", env=cold)
            shutil.rmtree(pip_dir)
        stamp = Path(py).parent.parent / ".installed"
        make = ["make", f"PY={py}", "-o", str(stamp), f"STAMP={stamp}"]
        runner = [py, "scripts/snippets.py", "--no-progress"]
        programs = None
        if not skip_cold:
            log(f"cold regeneration, {cores} workers ...")
            figures["cold_regeneration_s"] = timed([*runner, "--force", "-j", str(cores)], work, "cold regeneration")
            log("every program alone, as a reader's copy ...")
            figures["programs_standalone_s"] = timed([*runner, "--verify", "-j", "1", "--timings",
                                                      str(work / "t-one.json")], work, "the programs run alone")
            programs = json.loads((work / "t-one.json").read_text())
            walls = [row["wall_s"] for row in programs if not row["notebook"]]  # labs run as notebooks here
            figures["programs"] = len(programs)
            figures["slowest_program_s"] = max(walls)
            figures["median_program_s"] = statistics.median(walls)
            figures["slowest_lab_s"] = max((row["wall_s"] for row in programs if row["notebook"]), default=0.0)
            figures["peak_program_memory_bytes"] = max(row["max_rss_bytes"] or 0 for row in programs)
            figures["total_program_cpu_s"] = sum(row["cpu_s"] or 0 for row in programs)
            # make test runs each lab twice: into its notebooks (timed above) and as a plain script (timed here),
            # so the program phase's budget counts both runs.
            figures["labs_as_scripts_s"] = 0.0
            for row in (row for row in programs if row["notebook"]):
                out = Path(tmp) / "lab-as-script"
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                env = dict(snippets.reader_env("cpu"), SNIPPET_OUT_DIR=str(out))
                figures["labs_as_scripts_s"] += timed([py, row["program"]], work, f"{row['program']} as a plain script", env=env)
            budgets["test_programs_s"] = PROGRAM_PHASE_SLACK * (
                figures["programs_standalone_s"] + figures["labs_as_scripts_s"]) / cores

        log("no-op regeneration, --check ...")
        figures["noop_make_snippets_s"] = best_of(3, [*make, "snippets"], work, "make snippets (nothing changed)")
        figures["check_s"] = best_of(3, [*runner, "--check"], work, "snippets.py --check")
        edited = work / EDITED_PROGRAM
        original = edited.read_text(encoding="utf-8")
        edited.write_text(original + "# edited by the benchmark\n", encoding="utf-8")
        figures["one_program_edited_make_snippets_s"] = timed([*make, "snippets"], work, "make snippets (one edit)")
        edited.write_text(original, encoding="utf-8")
        timed([*make, "snippets"], work, "make snippets (edit undone)")

        log("site builds ...")
        for lang in ("en", "zh"):
            figures[f"site_build_{lang}_s"] = timed([py, "scripts/build_site.py", "--lang", lang, "--out",
                                                     str(Path(tmp) / f"site-{lang}")], work, f"the {lang} build")
        figures["site_build_both_s"] = timed([py, "scripts/build_site.py", "--out", str(Path(tmp) / "site-both")],
                                             work, "the site build")
        timed([*make, "site"], work, "make site")  # leaves site/ in place; the next one has nothing to do
        figures["noop_make_site_s"] = timed([*make, "site"], work, "make site (nothing changed)")

        site = work / "site"
        figures["site_bytes"] = tree_bytes(site)
        figures["site_files"] = sum(1 for p in site.rglob("*") if p.is_file())
        figures["search_index_zh_bytes"] = (site / "zh/search/search_index.json").stat().st_size
        figures["search_index_en_bytes"] = (site / "en/search/search_index.json").stat().st_size
        log("page weights in Chromium ...")
        weights = page_weights(site)
        figures["pages"] = weights
        figures["topic_page_transfer_bytes"] = max(w["bytes"] for k, w in weights.items() if "topic" in k)

        if not skip_tests:
            log("make test (scripts/run_tests.py) ...")
            report = Path(tmp) / "test-report.json"
            timed([py, "scripts/run_tests.py", "--report", str(report)], work, "make test")
            phases = json.loads(report.read_text(encoding="utf-8"))
            for phase in phases["phases"]:
                figures[f"test_{phase['phase'].replace('the ', '').replace(' ', '_')}_s"] = phase["seconds"]
            figures["test_total_s"] = phases["total_s"]
            if "environment_uv_s" in figures:
                figures["setup_and_test_s"] = figures["environment_uv_s"] + phases["total_s"] - phases["phases"][0]["seconds"]
            log("make test-quick ...")
            figures["test_quick_s"] = timed([py, "scripts/run_tests.py", "--quick"], work, "make test-quick")
    return {"figures": figures, "budgets": budgets, "programs": programs, "test_phases": phases}


def fmt(name: str, value) -> str:
    if name.endswith("_bytes"):
        return f"{value / MIB:.2f} MiB" if value >= MIB else f"{value / 1000:.0f} kB"
    if name.endswith("_s"):
        return f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"
    return str(value)


LABELS = {
    "environment_uv_s": "new .venv with uv (empty cache)",
    "environment_pip_s": "new .venv with pip (no cache)",
    "cold_regeneration_s": "cold regeneration, workers = cores",
    "programs_standalone_s": "every program alone, one after another",
    "programs": "programs (incl. labs)",
    "slowest_program_s": "slowest program, labs apart (wall, alone)",
    "slowest_lab_s": "slowest lab (wall, alone)",
    "labs_as_scripts_s": "the labs again, as plain scripts",
    "median_program_s": "median program (wall, alone)",
    "peak_program_memory_bytes": "peak memory of any program",
    "total_program_cpu_s": "CPU time of all programs",
    "noop_make_snippets_s": "make snippets, nothing changed",
    "check_s": "snippets.py --check",
    "one_program_edited_make_snippets_s": "make snippets after editing one program",
    "site_build_en_s": "site build, English",
    "site_build_zh_s": "site build, Chinese",
    "site_build_both_s": "site build, both (in parallel)",
    "noop_make_site_s": "make site, nothing changed",
    "site_bytes": "built site",
    "site_files": "built site, files",
    "search_index_en_bytes": "search index, English",
    "search_index_zh_bytes": "search index, Chinese",
    "topic_page_transfer_bytes": "largest topic page, first visit",
    "test_environment_s": "make test: environment (the uv set-up above)",
    "test_programs_s": f"make test: programs (<= {PROGRAM_PHASE_SLACK} x alone / cores)",
    "test_builds_s": "make test: builds",
    "test_browser_s": "make test: browser",
    "test_rest_s": "make test: the rest",
    "test_total_s": "make test: total",
    "setup_and_test_s": "new .venv + make test (CI without apt)",
    "test_quick_s": "make test-quick",
}


def budget_rows(figures: dict, budgets: dict) -> list[dict]:
    rows = []
    for name, label in LABELS.items():
        if name not in figures:
            continue
        value = figures[name]
        row = {"figure": name, "label": label, "value": value, "shown": fmt(name, value)}
        if name in budgets:
            row["budget"] = budgets[name]
            row["budget_shown"] = fmt(name, budgets[name])
            row["pass"] = value <= budgets[name]
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the figures (JSON)")
    parser.add_argument("--skip-cold", action="store_true", help="leave out the program runs")
    parser.add_argument("--skip-env", action="store_true", help="leave out creating two environments")
    parser.add_argument("--skip-tests", action="store_true", help="leave out make test and make test-quick")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"bench: {CHROMIUM} is missing; install Debian's chromium (make browser) and run again")

    result = run(args.skip_cold, args.skip_env, args.skip_tests)
    figures, programs = result["figures"], result["programs"]
    rows = budget_rows(figures, result["budgets"])
    lines = [f"{'figure':<44} {'value':>12} {'budget':>10}  result", "-" * 76]
    for row in rows:
        verdict = ("PASS" if row["pass"] else "FAIL") if "budget" in row else ""
        lines.append(f"{row['label']:<44} {row['shown']:>12} {row.get('budget_shown', ''):>10}  {verdict}")
    lines.append("")
    lines.append(f"{'page, first visit (gzip, empty cache)':<44} {'transferred':>12} {'requests':>10}  path")
    for kind, w in figures["pages"].items():
        lines.append(f"{kind:<44} {fmt('x_bytes', w['bytes']):>12} {w['requests']:>10}  {w['path']}")
    slowest = []
    if programs:
        slowest = sorted(programs, key=lambda r: -r["wall_s"])[:10]
        lines.append("")
        lines.append(f"{'ten slowest programs (alone, as a reader runs them)':<52} {'wall':>7} {'CPU':>7} {'peak mem':>10}")
        for r in slowest:
            lines.append(f"{r['program']:<52} {r['wall_s']:>6.2f}s {r['cpu_s']:>6.2f}s "
                         f"{(r['max_rss_bytes'] or 0) / MIB:>6.0f} MiB")
    print("\n".join(lines))

    failed = [row["label"] for row in rows if row.get("pass") is False]
    data = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "complete": not (args.skip_cold or args.skip_env or args.skip_tests),
        "figures": rows,
        "pages": figures["pages"],
        "test_phases": result["test_phases"],
        "slowest_programs": slowest,
        "all_programs": programs,
        "budgets_failed": failed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".tmp-{args.out.name}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"\nwrote {args.out.relative_to(REPO_ROOT) if args.out.is_relative_to(REPO_ROOT) else args.out}")
    if failed:
        print(f"{len(failed)} budget(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
