"""Shared fixtures: the repository, a built site, a loopback server, small copies of the site to break.

`make test` runs the suite in phases through scripts/run_tests.py, which builds the site once, serves it, and
passes it to the pytest runs with --site-dir and --site-url. A plain `pytest` builds it itself, once.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))

import build_site  # noqa: E402
from chromium import CHROMIUM, serve  # noqa: E402
import snippets as runner  # noqa: E402,F401  (re-exported to the tests)

# What a copy of the repository needs to build the site (tests that break things work on a copy).
BUILD_INPUTS = ("docs", "scripts", "snippets", "diagrams", "theme", "vendor", "mkdocs.yml", "mkdocs.zh.yml", "Makefile",
                "requirements.txt")


def pytest_addoption(parser):
    group = parser.getgroup("llm-roadmap", "LLM Roadmap (set by scripts/run_tests.py)")
    group.addoption("--site-dir", type=Path, help="a site already built in both languages; the tests use it instead of building")
    group.addoption("--site-url", help="the address --site-dir is served at (it was built for it)")
    group.addoption("--program-timings", type=Path, metavar="FILE",
                    help="write each program's wall time, CPU time and peak memory to FILE (JSON)")
    group.addoption("--phase-report", type=Path, metavar="FILE", help="write this run's test counts to FILE (JSON)")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Test counts for scripts/run_tests.py's summary (written by the main process only, not by xdist workers)."""
    path = config.getoption("--phase-report")
    if path is None or hasattr(config, "workerinput"):
        return
    counts = {key: len(terminalreporter.stats.get(key, [])) for key in ("passed", "failed", "error", "skipped")}
    counts["exitstatus"] = int(exitstatus)
    path.write_text(json.dumps(counts) + "\n", encoding="utf-8")


def pytest_collection_modifyitems(session, config, items):
    """Tests that need the built site go last. scripts/run_tests.py builds it beside the other tests, and a
    worker handed a test that needs it first would sit idle until the build ends (pytest-xdist's worksteal
    splits the list in order among the workers, then lets idle ones take from the others' queues)."""
    items.sort(key=lambda item: "built_site" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def _server(request, tmp_path_factory):
    """The folder the site is built into and the URL it is served at: given by scripts/run_tests.py, or made here."""
    given, url = request.config.getoption("--site-dir"), request.config.getoption("--site-url")
    if given is not None:
        if not url:
            raise pytest.UsageError("--site-dir needs --site-url: the address the site was built for")
        yield given, url
        return
    folder = tmp_path_factory.mktemp("site")
    server, url = serve(folder)
    yield folder, url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def built_site(request, _server) -> Path:
    """Both languages built with --strict from the working tree, for the URL they are served at."""
    root, url = _server
    if request.config.getoption("--site-dir") is not None:
        while (root / ".building").exists():  # scripts/run_tests.py builds it beside these tests
            time.sleep(0.2)
        if (root / ".build-failed").exists() or not all((root / lang / "index.html").exists() for lang in ("en", "zh")):
            pytest.fail(f"the site build failed (its messages are in the builds phase): {root} holds no site")
        return root
    status = build_site.build(root, ["en", "zh"], base_url=url)
    assert status == 0, "the site build failed (its messages are printed above)"
    return root


@pytest.fixture(scope="session")
def site_url(built_site, _server) -> str:
    """The built site served on loopback (like any static host would serve it)."""
    return _server[1]


def copy_repo(dest: Path, pages: list[str]) -> Path:
    """A copy of what the build needs, to break on purpose, with only `pages` (paths under docs/<lang>/, e.g.
    "start/setup.md"): a small site that builds in a few seconds instead of the whole book's."""
    for name in BUILD_INPUTS:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    shrink_docs(dest / "docs", pages)
    return dest


LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s#]+\.(?:md|ipynb))(#[^)\s]*)?\)")


def shrink_docs(docs: Path, pages: list[str]) -> None:
    """Keep only `pages` in both languages, in docs/roadmap.yml and in the glossary. Prerequisites that were
    left out are dropped from the kept pages, and their links to left-out pages become plain text, so that the
    small site is still checked as strictly as the whole one (a link or anchor added to it must resolve)."""
    import roadmap
    import yaml

    keep = set(pages)
    ids = {n.id for n in roadmap.load(REPO_ROOT / "docs").nodes.values() if n.uri in keep}

    def kept_prerequisites(m: re.Match) -> str:
        return m.group(1) + ", ".join(p for p in re.split(r"\s*,\s*", m.group(2).strip()) if p in ids) + "]"

    config = yaml.safe_load((docs / "roadmap.yml").read_text(encoding="utf-8"))
    for section in config["sections"]:
        section["pages"] = [e for e in section["pages"] if roadmap.entry_uri(e) in keep]
        for entry in section["pages"]:
            if isinstance(entry, dict) and "prerequisites" in entry:
                entry["prerequisites"] = [p for p in entry["prerequisites"] if p in ids]
    config["sections"] = [s for s in config["sections"] if s["pages"] or "summary" in s]  # a stage stays, planned
    (docs / "roadmap.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for lang in ("en", "zh"):
        for path in sorted((docs / lang).rglob("*"), reverse=True):
            uri = path.relative_to(docs / lang).as_posix()
            if path.is_file() and uri not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
            elif path.suffix == ".md":
                _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
                front = re.sub(r"^(prerequisites:\s*\[)(.*?)\]", kept_prerequisites, front, flags=re.MULTILINE)
                here = posixpath.dirname(uri)

                def unlinked(m: re.Match) -> str:
                    target = posixpath.normpath(posixpath.join(here, m.group(2)))
                    return m.group(0) if target in keep else m.group(1)

                path.write_text(f"---\n{front}---\n{LINK.sub(unlinked, body)}", encoding="utf-8")
    root = docs.parent
    if not any(uri.endswith(".ipynb") for uri in keep):  # no notebook: no notebook plugin (it takes 1 s to import)
        plugin = re.compile(r"^  - mkdocs-jupyter:\n(?:      .*\n)+", re.MULTILINE)
        for name in ("mkdocs.yml", "mkdocs.zh.yml"):
            text = (root / name).read_text(encoding="utf-8")
            assert plugin.search(text), f"{name}: the mkdocs-jupyter block changed; update shrink_docs"
            (root / name).write_text(plugin.sub("", text), encoding="utf-8")
    # a lab whose notebook page was left out goes too, or make snippets would rerun it
    manifest = root / "snippets" / "manifest.toml"
    for program in runner.discover(root):
        if program.is_lab and program.notebook not in keep:
            program.path.unlink()
            shutil.rmtree(program.out_dir)
            key = program.rel.removeprefix("snippets/")
            table = re.compile(rf'^\["{re.escape(key)}"\]\n(?:(?!\[).*\n?)*', re.MULTILINE)
            manifest.write_text(table.sub("", manifest.read_text(encoding="utf-8")), encoding="utf-8")
    for quiz_file in sorted((docs / "quizzes").glob("*.yml")):  # a quiz for a page left out would name no page
        if quiz_file.stem not in ids:
            quiz_file.unlink()
    glossary = docs / "glossary.yml"
    entries = yaml.safe_load(glossary.read_text(encoding="utf-8"))
    glossary.write_text(yaml.safe_dump([e for e in entries if e["page"] in ids], allow_unicode=True, sort_keys=False),
                        encoding="utf-8")


def build_copy(root: Path, lang: str = "en") -> subprocess.CompletedProcess:
    """Build one language of a repository copy with its own scripts; returns the finished process."""
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "build_site.py"), "--lang", lang, "--out", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
    )


def make(root: Path, target: str) -> subprocess.CompletedProcess:
    """`make <target>` in a repository copy, with this test run's environment (no set-up of its own)."""
    stamp = Path(sys.executable).parent.parent / ".installed"
    return subprocess.run(["make", "-o", str(stamp), f"STAMP={stamp}", f"PY={sys.executable}", target],
                          cwd=root, capture_output=True, text=True)


def require_chromium() -> None:
    """Skip the calling test module when Debian's Chromium is missing, except in CI, where it is an error."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)", allow_module_level=True)
