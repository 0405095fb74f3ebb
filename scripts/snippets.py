"""Run the site's programs and record their outputs; verify recorded outputs.

Every program `snippets/<stage>/<name>.py` has a recorded output in `snippets/<stage>/_out/<name>/`:
`output.txt` (its stdout), the figures it wrote, and `record.json` (the hash of what it was recorded for, the
hashes of every recorded file, and its wall time).
An output is stale when the hash of the program, the data files it declares in
`snippets/manifest.toml`, and the Python/torch/NumPy/Matplotlib versions differs from the recorded one.

    python scripts/snippets.py              # run stale programs (in parallel), record their outputs
    python scripts/snippets.py --force      # run all of them
    python scripts/snippets.py --check      # verify every recorded output, run nothing
    python scripts/snippets.py --verify     # run each program as a reader's copy, compare with its record
    python scripts/snippets.py --device cuda  # rerun all on a GPU, compare with the CPU records

Programs run longest first (by the wall time kept in each record), one process each, on all cores.
The tests run every program once more as a reader would, a copy alone in an empty folder with default
threads (`run_program(..., as_reader=True)`), and `verify` compares that run with the record.

Labs (`lab_*.py`, jupytext percent scripts listed in the manifest with `notebook = "<page>.ipynb"`) are
executed into notebooks with outputs, one per language, written to `docs/<lang>/<page>.ipynb`.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIRNAME = "_out"
OUTPUT_FILE = "output.txt"
RECORD_FILE = "record.json"
FIGURE_SUFFIXES = (".svg", ".png")
LANGUAGES = ("en", "zh")
DEFAULT_TIMEOUT = 60.0
STDERR_TAIL_LINES = 15
# Versions that change what a program prints or draws; part of every hash.
VERSIONED_PACKAGES = ("torch", "numpy", "matplotlib")
# Libraries a few programs import (import name -> distribution): their versions join the hash, and the
# recorded environment, of exactly the programs that import them.
OPTIONAL_PACKAGES = {"sklearn": "scikit-learn", "sacrebleu": "sacrebleu", "rouge_score": "rouge-score", "pandas": "pandas",
                     "transformers": "transformers", "tokenizers": "tokenizers", "jieba": "jieba", "regex": "regex"}
# Keys a manifest entry may have, and what each means (shown in the error for an unknown key).
MANIFEST_KEYS = {
    "timeout": "seconds before the program is stopped (default 60)",
    "data": "list of repository paths the program reads; part of its hash",
    "notebook": "labs only: page path of the notebook, e.g. transformer/lab-x.ipynb",
}


class SnippetError(Exception):
    """A problem with the programs or their records, with a message that says how to fix it."""


@dataclass(frozen=True)
class Program:
    root: Path
    rel: str  # "snippets/05-transformer/attention_scratch.py"
    timeout: float = DEFAULT_TIMEOUT
    data: tuple[str, ...] = ()
    notebook: str | None = None  # labs: "transformer/lab-tiny-transformer.ipynb"

    @property
    def path(self) -> Path:
        return self.root / self.rel

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def out_dir(self) -> Path:
        return self.path.parent / OUT_DIRNAME / self.name

    @property
    def is_lab(self) -> bool:
        return self.notebook is not None

    def notebook_path(self, lang: str) -> Path:
        assert self.notebook is not None
        return self.root / "docs" / lang / self.notebook


@dataclass
class Result:
    program: Program
    ok: bool
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    reason: str = ""  # why it failed, in words
    seconds: float = 0.0
    cpu_seconds: float | None = None  # user + system time of the program and its children
    max_rss: int | None = None  # peak resident memory in bytes (the largest of its processes)
    files: dict[str, bytes] = field(default_factory=dict)  # figures (and notebooks for labs)

    def failure_message(self) -> str:
        tail = "\n".join(self.stderr.rstrip().splitlines()[-STDERR_TAIL_LINES:])
        status = "none (killed)" if self.returncode is None else str(self.returncode)
        msg = f"FAILED {self.program.rel}: {self.reason} (exit status {status})"
        if tail:
            msg += "\n  last lines of stderr:\n" + "\n".join("    " + line for line in tail.splitlines())
        return msg


# --------------------------------------------------------------------------------------------------
# Discovery and hashing


def load_manifest(root: Path) -> dict[str, dict]:
    path = root / "snippets" / "manifest.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SnippetError(f"{path.relative_to(root)}: invalid TOML: {exc}") from exc
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise SnippetError(f"snippets/manifest.toml: [{key!r}] must be a table of settings")
        unknown = set(entry) - set(MANIFEST_KEYS)
        if unknown:
            allowed = "; ".join(f"{k}: {v}" for k, v in MANIFEST_KEYS.items())
            raise SnippetError(
                f"snippets/manifest.toml: [{key!r}] has unknown key(s) {sorted(unknown)}. Allowed: {allowed}"
            )
        if not (root / "snippets" / key).is_file():
            raise SnippetError(
                f"snippets/manifest.toml: [{key!r}] names no program (expected snippets/{key}); "
                "fix the name or remove the entry"
            )
        for item in entry.get("data", []):
            if not (root / item).is_file():
                raise SnippetError(f"snippets/manifest.toml: [{key!r}] data file {item!r} does not exist")
    return data


def discover(root: Path = REPO_ROOT) -> list[Program]:
    """Every program under snippets/, sorted, with its manifest settings."""
    manifest = load_manifest(root)
    programs = []
    for path in sorted((root / "snippets").rglob("*.py")):
        rel_parts = path.relative_to(root / "snippets").parts
        if any(part.startswith(("_", ".")) for part in rel_parts):
            continue  # _out/, __pycache__/, private helpers
        key = "/".join(rel_parts)
        entry = manifest.get(key, {})
        if path.name.startswith("lab_") and "notebook" not in entry:
            raise SnippetError(
                f"snippets/{key} is a lab (lab_*.py) but snippets/manifest.toml gives it no notebook page; "
                f'add:\n["{key}"]\nnotebook = "<stage>/<page>.ipynb"'
            )
        programs.append(
            Program(
                root=root,
                rel=f"snippets/{key}",
                timeout=float(entry.get("timeout", DEFAULT_TIMEOUT)),
                data=tuple(entry.get("data", ())),
                notebook=entry.get("notebook"),
            )
        )
    return programs


def find(root: Path, rel: str) -> Program:
    for program in discover(root):
        if program.rel == rel:
            return program
    raise SnippetError(f"no program {rel!r}: expected a file {rel} (programs live in snippets/<stage>/<name>.py)")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def environment() -> dict[str, str]:
    """The versions that are part of every hash (read without importing the packages), and those of the
    optional libraries, which count only for the programs that import them (see program_environment)."""
    env = {"python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for name in (*VERSIONED_PACKAGES, *OPTIONAL_PACKAGES.values()):
        env[name] = _version(name)
    return env


def imported_modules(program: Program) -> set[str]:
    """Top-level names of the modules a program imports (read from its source, not by running it)."""
    try:
        tree = ast.parse(program.path.read_bytes(), filename=program.rel)
    except SyntaxError:
        return set()  # it will fail when run, and say why
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def program_environment(program: Program, env: dict[str, str]) -> dict[str, str]:
    """The versions a program's output depends on: Python, torch, NumPy, Matplotlib, and the optional
    libraries it imports."""
    own = {k: v for k, v in env.items() if k not in OPTIONAL_PACKAGES.values()}
    for module in sorted(imported_modules(program)):
        dist = OPTIONAL_PACKAGES.get(module)
        if dist:
            own[dist] = env[dist]
    return own


def source_hash(program: Program, env: dict[str, str]) -> str:
    h = hashlib.sha256()
    h.update(program.rel.encode())
    h.update(program.path.read_bytes())
    for item in sorted(program.data):
        h.update(item.encode())
        h.update((program.root / item).read_bytes())
    if program.notebook:
        h.update(program.notebook.encode())
        h.update(Path(__file__).with_name("labs.py").read_bytes())  # how a lab becomes its notebooks
    h.update(json.dumps(program_environment(program, env), sort_keys=True).encode())
    return h.hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_problem(program: Program) -> str | None:
    """Why the program's record.json cannot be used (None: it can): missing, not JSON, not an object."""
    path = program.out_dir / RECORD_FILE
    if not path.exists():
        return "no recorded output"
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path.relative_to(program.root)} is unreadable ({exc})"
    if not isinstance(data, dict):
        return f"{path.relative_to(program.root)} is unreadable (a JSON {type(data).__name__}, not an object)"
    return None


def read_record(program: Program) -> dict | None:
    """The program's record, or None if it has none or it is unreadable (see record_problem)."""
    if record_problem(program) is not None:
        return None
    return json.loads((program.out_dir / RECORD_FILE).read_text(encoding="utf-8"))


def state(program: Program, env: dict[str, str]) -> tuple[str, str]:
    """("fresh" | "missing" | "stale" | "failed", explanation)."""
    problem = record_problem(program)
    if problem is not None:
        return ("missing", problem) if problem == "no recorded output" else ("stale", problem + "; it will be rerun")
    record = read_record(program)
    if not (program.out_dir / OUTPUT_FILE).exists():
        return "missing", "no recorded output"
    if record.get("failed"):
        return "failed", f"its last run failed ({record['failed']}); the output shown is old"
    if record.get("hash") != source_hash(program, env):
        own = program_environment(program, env)
        changed = [k for k, v in own.items() if record.get("environment", {}).get(k) != v]
        if changed:
            why = "versions changed since it was recorded: " + ", ".join(
                f"{k} {record.get('environment', {}).get(k)} -> {own[k]}" for k in changed
            )
        else:
            why = "the program or its data changed since its output was recorded"
        return "stale", why
    out_rel = program.out_dir.relative_to(program.root).as_posix()
    if record.get("output") != file_hash(program.out_dir / OUTPUT_FILE):
        return "stale", f"{out_rel}/{OUTPUT_FILE} differs from what was recorded (edited, truncated or overwritten)"
    for name, digest in record.get("files", {}).items():
        path = program.out_dir / name
        if not path.exists() or file_hash(path) != digest:
            return "stale", f"{out_rel}/{name} is missing or differs from what was recorded (edited or overwritten)"
    if program.is_lab:
        for lang in LANGUAGES:
            nb = program.notebook_path(lang)
            if not nb.exists() or file_hash(nb) != record.get("notebooks", {}).get(lang):
                return "stale", f"notebook {nb.relative_to(program.root)} is missing or was edited by hand"
    return "fresh", ""


# --------------------------------------------------------------------------------------------------
# Running


class Interrupted(Exception):
    pass


_active: dict[int, tuple[subprocess.Popen, str]] = {}  # pid -> (process, its SNIPPET_RUN marker)
_active_lock = threading.Lock()
_stopping = threading.Event()


def _kill_all() -> None:
    _stopping.set()
    with _active_lock:
        running = list(_active.values())
    for proc, marker in running:
        _kill_program(proc, marker)


def child_env(out_dir: Path, device: str) -> dict[str, str]:
    """The environment of a recording run: one thread, figures to `out_dir`, no bytecode written."""
    env = dict(os.environ)
    env.update(
        SNIPPET_OUT_DIR=str(out_dir),
        OMP_NUM_THREADS="1",  # fixed thread count: same numbers whatever the machine's core count
        MKL_NUM_THREADS="1",
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        SOURCE_DATE_EPOCH="0",  # matplotlib writes no wall-clock date into figures
        CUBLAS_WORKSPACE_CONFIG=":4096:8",
    )
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # record CPU outputs even on a GPU machine
    return env


def reader_env(device: str) -> dict[str, str]:
    """The environment of a reader's run: theirs, with the machine's default thread count.

    Three additions, none of which changes a printed number: no screen (Agg), UTF-8 output, and idle
    OpenMP threads that sleep instead of spinning. Without the last, a program with default threads that
    shares the cores with other programs (as in the tests) waits for descheduled spinning threads at every
    parallel region, several times slower (a 5 s program took over 60 s).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("SNIPPET_OUT_DIR", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(MPLBACKEND="Agg", PYTHONIOENCODING="utf-8", OMP_WAIT_POLICY="PASSIVE")
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # compared with CPU records
    return env


class _MeasuredPopen(subprocess.Popen):
    """Popen that reaps its child with os.wait4, keeping the child's resource usage (CPU time, peak memory),
    which includes the children it waited for (a lab's kernel)."""

    rusage = None

    def _try_wait(self, wait_flags):  # CPython's POSIX Popen reaps through this method
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid == self.pid:
            self.rusage = usage
        return pid, status


# Loaded by every program the runner starts (through PYTHONPATH, from a folder of its own): a connection to
# anything but this machine fails, naming the promise it would break. Loopback stays open for a lab's kernel.
NETWORK_GUARD = '''
import socket

_LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0", "")
_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _refuse(what):
    raise ConnectionRefusedError(
        f"programs download nothing: {what} was blocked by scripts/snippets.py. Ship the data in the "
        "repository (declared in snippets/manifest.toml) or generate it in the program."
    )


def _allowed(address):
    return not isinstance(address, tuple) or str(address[0]) in _LOCAL


def connect(self, address):
    return _connect(self, address) if _allowed(address) else _refuse(f"a connection to {address!r}")


def connect_ex(self, address):
    return _connect_ex(self, address) if _allowed(address) else _refuse(f"a connection to {address!r}")


def getaddrinfo(host, *args, **kwargs):
    if host is not None and (host.decode() if isinstance(host, bytes) else str(host)) not in _LOCAL:
        _refuse(f"looking up {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
'''
LINGER_GRACE = 3.0  # seconds a program's output may stay open after it exited (held by a process it started)


def _running_with(marker: str) -> list[int]:
    """The processes whose environment holds `marker`: a program and everything it started, detached or not."""
    pids = []
    needle = f"SNIPPET_RUN={marker}".encode()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                pass  # gone, or not ours to read
    return pids


def _kill_program(proc: subprocess.Popen, marker: str) -> None:
    """Kill the program's process group and any process it started that left the group (setsid, daemons)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in _running_with(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (the wait that reaps it keeps its resource usage)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _stage(program: Program, folder: Path) -> Path:
    """Copy the program and the data files it declares into `folder`, at their paths in the repository; return
    the copy. It runs there, so that it reads and writes nothing of the repository by relative paths."""
    for rel in (program.rel, *program.data):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(program.root / rel, folder / rel)
    return folder / program.rel


def run_program(program: Program, device: str = "cpu", timeout: float | None = None, as_reader: bool = False) -> Result:
    """Run one program in its own process group, in a temporary folder; collect stdout, stderr and its files.

    As the runner records it (default): a copy of the program (and the data files it declares, at their
    repository paths) in an empty folder, one thread, figures to SNIPPET_OUT_DIR. As a reader runs it
    (`as_reader`): a copy of the file alone in an empty folder, default threads, figures to that folder; a
    program that reads data files gets them beside it as in the repository, its figures to SNIPPET_OUT_DIR.
    A lab is executed into its notebooks either way. Network access is refused (NETWORK_GUARD); every wait is
    bounded, and whatever the program started is killed with it.
    """
    timeout = program.timeout if timeout is None else timeout
    marker = os.urandom(8).hex()
    with tempfile.TemporaryDirectory(prefix="snippet-") as tmp:
        out_dir = Path(tmp) / "out"  # SNIPPET_OUT_DIR, and a lab's notebooks
        guard = Path(tmp) / "guard"
        for folder in (out_dir, guard):
            folder.mkdir()
        (guard / "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
        if as_reader and not program.data:
            cwd = Path(tmp) / "alone"
            cwd.mkdir()
            script = Path(shutil.copy2(program.path, cwd))
            env = reader_env(device)
        else:
            cwd = Path(tmp) / "work"
            script = _stage(program, cwd)
            env = reader_env(device) if as_reader else child_env(out_dir, device)
            env["SNIPPET_OUT_DIR"] = str(out_dir)
        env.update(SNIPPET_RUN=marker, PYTHONPATH=os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")])))
        if program.is_lab:
            cmd = [sys.executable, str(Path(__file__).with_name("labs.py")), str(script), str(out_dir)]
        else:
            cmd = [sys.executable, str(script)]
        start = time.monotonic()
        if _stopping.is_set():
            raise Interrupted
        proc = _MeasuredPopen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with _active_lock:
            _active[proc.pid] = (proc, marker)
        timed_out = lingered = False
        exited_at = None
        try:
            while True:  # read its output in short waits, so that neither a hang nor a left-over process goes unseen
                try:
                    out, err = proc.communicate(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    now = time.monotonic()
                    if _exited(proc.pid):
                        exited_at = exited_at or now
                        lingered = now - exited_at > LINGER_GRACE
                    else:
                        timed_out = now - start > timeout
                    if timed_out or lingered:
                        _kill_program(proc, marker)
                        try:
                            out, err = proc.communicate(timeout=5)
                        except subprocess.TimeoutExpired:  # still held open by something we could not kill
                            proc.stdout.close()
                            proc.stderr.close()
                            proc.wait()
                            out, err = b"", b"(its output could not be read: a process it started kept it open)"
                        break
        finally:
            with _active_lock:
                _active.pop(proc.pid, None)
        _kill_program(proc, marker)  # anything it started and left running in the background
        seconds = time.monotonic() - start
        if _stopping.is_set():
            raise Interrupted
        stderr = err.decode("utf-8", errors="replace")
        result = Result(program, ok=False, stderr=stderr, returncode=proc.returncode, seconds=seconds)
        try:
            result.stdout = out.decode("utf-8")
            not_utf8 = None
        except UnicodeDecodeError as exc:
            result.stdout = out.decode("utf-8", errors="replace")
            line = out[: exc.start].count(b"\n") + 1
            not_utf8 = f"printed bytes that are not UTF-8 text (line {line}: {out[exc.start:exc.start + 8]!r}); print str, not bytes"
        if proc.rusage is not None:
            result.cpu_seconds = proc.rusage.ru_utime + proc.rusage.ru_stime
            result.max_rss = proc.rusage.ru_maxrss * 1024  # Linux reports KiB
        if timed_out:
            result.returncode = None
            result.reason = f"timed out after {timeout:g} s (raise 'timeout' in snippets/manifest.toml only if it must be slow)"
        elif lingered:
            result.reason = ("exited, but a process it started kept running and holding its output; it was killed "
                             "(a program must wait for what it starts)")
        elif proc.returncode != 0:
            result.reason = "raised an error" if "Traceback" in stderr else "exited with an error"
        elif not_utf8:
            result.reason = not_utf8
        elif not result.stdout.strip():
            result.reason = "printed nothing (a program must print the evidence for its claim)"
        else:
            result.ok = True
            for folder in (out_dir, cwd):
                for path in sorted(folder.rglob("*")):
                    if path.is_file() and path != script and path.relative_to(folder).as_posix() not in program.data:
                        result.files[path.relative_to(folder).as_posix()] = path.read_bytes()
        if as_reader and not result.ok:
            where = "with its data files beside it" if program.data else "alone in an empty folder"
            result.reason += f" (run as a reader's copy: {where}, default threads)"
        return result


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are ordinary committed files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def kept_seconds(old_record: dict | None, seconds: float) -> float:
    """The wall time to record: the new one, unless the old record's is within a factor of 1.5 of it.
    It only orders the next runs (longest first), so a rerun that prints the same leaves the record as it
    was instead of a diff in a number nobody reads."""
    old = (old_record or {}).get("seconds")
    if isinstance(old, (int, float)) and old > 0 and 1 / 1.5 <= old / max(seconds, 0.05) <= 1.5:
        return old
    return round(seconds, 1)


def expected_seconds(program: Program) -> float:
    """How long the program took when it was last recorded; infinity when unknown (it then runs first)."""
    seconds = (read_record(program) or {}).get("seconds")
    return float(seconds) if isinstance(seconds, (int, float)) else math.inf


def commit(result: Result, env: dict[str, str]) -> None:
    """Replace the program's recorded output with this result, so that no reader sees half of it."""
    program = result.program
    out_root = program.out_dir.parent
    out_root.mkdir(parents=True, exist_ok=True)
    record = {
        "program": program.rel,
        "hash": source_hash(program, env),
        "environment": program_environment(program, env),
        "files": {},
        "seconds": kept_seconds(read_record(program), result.seconds),
    }
    if program.is_lab:
        # Notebooks first: until the new record lands, the old record does not match them (stale).
        record["notebooks"] = {}
        for lang in LANGUAGES:
            data = result.files[f"{lang}.ipynb"]
            _atomic_write(program.notebook_path(lang), data)
            record["notebooks"][lang] = hashlib.sha256(data).hexdigest()
    tmp_dir = Path(tempfile.mkdtemp(dir=out_root, prefix=f".tmp-{program.name}-"))
    tmp_dir.chmod(0o755)
    try:
        (tmp_dir / OUTPUT_FILE).write_text(result.stdout, encoding="utf-8")
        record["output"] = file_hash(tmp_dir / OUTPUT_FILE)
        for name, data in result.files.items():
            if name.endswith(FIGURE_SUFFIXES):
                (tmp_dir / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp_dir / name).write_bytes(data)
                record["files"][name] = hashlib.sha256(data).hexdigest()
        (tmp_dir / RECORD_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        old = out_root / f".old-{program.name}"
        if old.exists():
            shutil.rmtree(old)
        if program.out_dir.exists():
            os.rename(program.out_dir, old)
        os.rename(tmp_dir, program.out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise


def mark_failed(result: Result) -> None:
    """Keep the old output but mark it, so that neither the build nor the check reuses it silently."""
    record = read_record(result.program)
    if record is None:
        return
    record["failed"] = result.reason
    _atomic_write(result.program.out_dir / RECORD_FILE, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())


def recover(root: Path) -> None:
    """Undo what an interrupted run left behind: temporary folders, a half-swapped output."""
    for out_root in (root / "snippets").rglob(OUT_DIRNAME):
        for item in out_root.iterdir():
            if item.name.startswith(".old-"):
                final = out_root / item.name[len(".old-") :]
                if final.exists():
                    shutil.rmtree(item)
                else:
                    os.rename(item, final)
            elif item.name.startswith(".tmp-"):
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    for lang in LANGUAGES:
        docs = root / "docs" / lang
        if docs.exists():
            for item in docs.rglob(".tmp-*.ipynb-*"):
                item.unlink()


def remove_orphans(root: Path, programs: list[Program]) -> list[str]:
    """Delete recorded outputs whose program no longer exists."""
    wanted = {p.out_dir for p in programs}
    removed = []
    for out_root in (root / "snippets").rglob(OUT_DIRNAME):
        for item in sorted(out_root.iterdir()):
            if item.is_dir() and item not in wanted:
                shutil.rmtree(item)
                removed.append(item.relative_to(root).as_posix())
        if not any(out_root.iterdir()):
            out_root.rmdir()
    return removed


class Progress:
    """A progress bar on a terminal (count, running programs, elapsed); one line per program otherwise."""

    def __init__(self, total: int, stream=None) -> None:
        self.total = total
        self.stream = stream or sys.stderr  # looked up now: a test run may have replaced it since the import
        self.running: list[str] = []
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="prog", bar_format="{l_bar}{bar}| {n}/{total} [{elapsed}] {postfix}")

    def started(self, program: Program) -> None:
        self.running.append(program.name)
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(self.running))

    def finished(self, result: Result) -> None:
        self.running.remove(result.program.name)
        word = "ok" if result.ok else "FAILED"
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(self.running))
            self.bar.update(1)
            if not result.ok:
                self.bar.write(f"FAILED {result.program.rel}")
        else:
            print(f"  {word:6} {result.program.rel} ({result.seconds:.1f} s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# What a program run may change, and what else changes in a checkout without it: left out of the snapshot.
SNAPSHOT_SKIP_DIRS = {".git", ".venv", "site", ".cache", ".pytest_cache", "__pycache__", OUT_DIRNAME, "node_modules"}
LOCK_FILE = ".snippets.lock"


def repository_snapshot(root: Path, skip: set[Path]) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file in the repository except the runner's own outputs (outputs,
    the lab notebooks in `skip`, its lock) and git's, environments' and builds' folders: what a program must
    never change."""
    found: dict[str, tuple[int, int]] = {}
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SNAPSHOT_SKIP_DIRS:
                        stack.append(Path(entry.path))
                elif entry.name != LOCK_FILE and Path(entry.path) not in skip:
                    st = entry.stat(follow_symlinks=False)
                    found[os.path.relpath(entry.path, root)] = (st.st_size, st.st_mtime_ns)
    return found


@contextlib.contextmanager
def exclusive(root: Path):
    """Hold the runner's lock on this tree for the duration: two runs at once would race on the outputs."""
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 32).decode("ascii", errors="replace").strip()
            raise SnippetError(
                f"another run of scripts/snippets.py is in progress on this tree{f' (process {other})' if other else ''}; "
                "wait for it to finish, or stop it, and run again"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def changed_files(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def run_many(
    programs: list[Program],
    jobs: int,
    device: str = "cpu",
    progress: bool = True,
    on_result=None,
    as_reader: bool = False,
) -> list[Result]:
    """Run programs in parallel (one process each), longest first; Ctrl-C or SIGTERM kills them all.

    Longest first (by each record's wall time; never-recorded programs before all others) keeps every
    worker busy to the end instead of one long program starting last. `on_result(result)` is called in
    this thread as each program finishes (to record it at once). The results come back in input order.
    """
    results: list[Result] = []
    bar = Progress(len(programs)) if progress else None
    notebooks = {p.notebook_path(lang) for p in programs if p.is_lab for lang in LANGUAGES}  # written by the runner
    spans: dict[int, tuple[str, float, float]] = {}  # each run's (program, start, end); end = inf while it runs

    def task(program: Program) -> Result:
        if bar:
            with _active_lock:
                bar.started(program)
        before = repository_snapshot(program.root, notebooks)
        start = time.monotonic()
        with _active_lock:
            key = len(spans)
            spans[key] = (program.rel, start, math.inf)
        result = run_program(program, device=device, as_reader=as_reader)
        changed = changed_files(before, repository_snapshot(program.root, notebooks))
        with _active_lock:
            spans[key] = (program.rel, start, time.monotonic())
            beside = sorted({rel for k, (rel, s, e) in spans.items() if k != key and s < spans[key][2] and e > start})
        if changed and result.ok:
            result.ok = False
            shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
            also = (f" (these ran at the same time: {', '.join(beside)}; `-j 1` tells which one did it)"
                    if beside else "")
            result.reason = (f"files of the repository changed while it ran: {shown}{also}. A program writes only to "
                             "its output folder (SNIPPET_OUT_DIR, or the current folder); if you changed them yourself "
                             "meanwhile, run it again")
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(task, p) for p in sorted(programs, key=expected_seconds, reverse=True)]
        for fut in as_completed(futures):
            result = fut.result()
            if bar:
                with _active_lock:
                    bar.finished(result)
            if on_result is not None:
                on_result(result)
            results.append(result)
    except (KeyboardInterrupt, Interrupted):
        _kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise Interrupted from None
    except SnippetError:  # from on_result: recording failed (a full disk); nothing more can be recorded
        _kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar:
            bar.close()
    order = {p.rel: i for i, p in enumerate(programs)}
    return sorted(results, key=lambda r: order[r.program.rel])


# --------------------------------------------------------------------------------------------------
# Commands


def cmd_check(root: Path) -> int:
    env = environment()
    programs = discover(root)
    problems = []
    for program in programs:
        st, why = state(program, env)
        if st != "fresh":
            problems.append(f"  {st:7} {program.rel}: {why}")
    orphans = [
        d.relative_to(root).as_posix()
        for out_root in (root / "snippets").rglob(OUT_DIRNAME)
        for d in out_root.iterdir()
        if d.is_dir() and d not in {p.out_dir for p in programs}
    ]
    problems += [f"  orphan  {o}: its program was deleted" for o in orphans]
    if problems:
        print(f"{len(problems)} recorded output(s) are not up to date:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        print("Fix: run `make snippets` (or: python scripts/snippets.py) and commit the outputs.", file=sys.stderr)
        return 1
    print(f"all {len(programs)} recorded outputs are up to date")
    return 0


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)")


def compare_numeric(expected: str, actual: str, rtol: float, atol: float) -> list[str]:
    """Differences between two outputs, allowing numbers to differ within a tolerance."""
    diffs = []
    exp_lines, act_lines = expected.splitlines(), actual.splitlines()
    if len(exp_lines) != len(act_lines):
        diffs.append(f"line count differs: {len(exp_lines)} recorded, {len(act_lines)} now")
    for i, (e, a) in enumerate(zip(exp_lines, act_lines), start=1):
        if e == a:
            continue
        if NUMBER.sub("#", e) != NUMBER.sub("#", a):
            diffs.append(f"line {i}: text differs\n    recorded: {e}\n    now:      {a}")
            continue
        for x, y in zip(NUMBER.findall(e), NUMBER.findall(a)):
            fx, fy = float(x), float(y)
            if not (math.isclose(fx, fy, rel_tol=rtol, abs_tol=atol) or (math.isnan(fx) and math.isnan(fy))):
                diffs.append(f"line {i}: {x} -> {y}\n    recorded: {e}\n    now:      {a}")
                break
    return diffs


def unified_diff(expected: str, actual: str, what: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"recorded {what}", f"this run of {what}"
    )
    return "".join(lines)


def verify(result: Result) -> list[str]:
    """How a run differs from the program's record: its printed text, its figures (byte for byte) and, for
    a lab, its notebooks. Empty when the run reproduces the record exactly."""
    program = result.program
    if not result.ok:
        return [result.failure_message()]
    fix = "if the change is intended, run `make snippets` and commit the outputs"
    problems = []
    recorded = (program.out_dir / OUTPUT_FILE).read_text(encoding="utf-8")
    if result.stdout != recorded:
        problems.append(f"{program.rel} prints something else than its recorded output ({fix}):\n"
                        + unified_diff(recorded, result.stdout, program.rel))
    record = read_record(program) or {}
    figures = {name for name in result.files if name.endswith(FIGURE_SUFFIXES)}
    if figures != set(record.get("files", {})):
        problems.append(f"{program.rel} writes the figures {sorted(figures)}; recorded: {sorted(record.get('files', {}))}")
    for name in sorted(figures & set(record.get("files", {}))):
        if result.files[name] != (program.out_dir / name).read_bytes():
            problems.append(f"{program.rel}: figure {name} differs from the recorded one, byte for byte "
                            "(a date, unseeded randomness or a thread-dependent number?)")
    if program.is_lab:
        for lang in LANGUAGES:
            recorded_nb = program.notebook_path(lang).read_text(encoding="utf-8")
            fresh_nb = result.files.get(f"{lang}.ipynb", b"").decode("utf-8")
            if fresh_nb != recorded_nb:
                problems.append(f"{program.rel}: the {lang} notebook differs from "
                                f"{program.notebook_path(lang).relative_to(program.root)}:\n"
                                + unified_diff(recorded_nb, fresh_nb, f"{lang} notebook"))
    return problems


def select(programs: list[Program], only: list[str]) -> list[Program]:
    """The programs named in `only` (all of them when it is empty); an unknown name is an error."""
    if not only:
        return programs
    missing = sorted(set(only) - {p.rel for p in programs})
    if missing:
        raise SnippetError(f"no such program(s): {', '.join(missing)} (give paths like snippets/05-transformer/x.py)")
    return [p for p in programs if p.rel in only]


def cmd_verify(root: Path, jobs: int, only: list[str], progress: bool, timings: Path | None = None) -> int:
    """Run the programs as readers' copies and compare each with its record; write nothing but timings."""
    programs = select(discover(root), only)
    print(f"running {len(programs)} programs as readers' copies with {jobs} worker(s)", flush=True)
    try:
        results = run_many(programs, jobs=jobs, progress=progress, as_reader=True)
    except Interrupted:
        print("interrupted", file=sys.stderr)
        return 130
    if timings:
        write_timings(timings, results)
    differ = [problems for problems in map(verify, results) if problems]
    for problems in differ:
        print("\n".join(problems), file=sys.stderr)
    print(f"{len(results) - len(differ)} of {len(results)} programs reproduce their recorded outputs")
    return 1 if differ else 0


def cmd_device(root: Path, device: str, jobs: int, rtol: float, atol: float, only: list[str]) -> int:
    probe = subprocess.run(
        [sys.executable, "-c", f"import torch,sys; sys.exit(0 if torch.{device}.is_available() else 1)"],
        capture_output=True,
    )
    if probe.returncode != 0:
        print(f"error: no {device} device is available here; run this on a machine with one.", file=sys.stderr)
        return 2
    programs = select(discover(root), only)
    results = run_many(programs, jobs=jobs, device=device)
    failed = 0
    report = []
    for r in results:
        if not r.ok:
            failed += 1
            report.append(r.failure_message())
            continue
        recorded = (r.program.out_dir / OUTPUT_FILE).read_text(encoding="utf-8")
        diffs = compare_numeric(recorded, r.stdout, rtol, atol)
        if diffs:
            failed += 1
            report.append(f"DIFFERS {r.program.rel}:\n  " + "\n  ".join(diffs))
        else:
            report.append(f"same    {r.program.rel}")
    print(f"{device} versus recorded CPU outputs (rtol={rtol:g}, atol={atol:g}):")
    print("\n".join(report))
    print(f"{len(results) - failed} same, {failed} differ or failed")
    return 1 if failed else 0


def write_timings(path: Path, results: list[Result]) -> None:
    """Per-program wall time, CPU time and peak memory of this run, as JSON (used by scripts/bench.py)."""
    rows = [
        {"program": r.program.rel, "notebook": r.program.is_lab, "ok": r.ok, "wall_s": round(r.seconds, 3),
         "cpu_s": None if r.cpu_seconds is None else round(r.cpu_seconds, 3), "max_rss_bytes": r.max_rss}
        for r in results
    ]
    _atomic_write(path, (json.dumps(rows, indent=1) + "\n").encode())


def cmd_run(root: Path, force: bool, jobs: int, only: list[str], progress: bool, timings: Path | None = None) -> int:
    with exclusive(root):
        return _run_stale(root, force, jobs, only, progress, timings)


def _run_stale(root: Path, force: bool, jobs: int, only: list[str], progress: bool, timings: Path | None) -> int:
    recover(root)
    env = environment()
    programs = discover(root)
    removed = remove_orphans(root, programs)
    for item in removed:
        print(f"removed {item} (its program was deleted)")
    programs = select(programs, only)
    todo = [p for p in programs if force or state(p, env)[0] != "fresh"]
    if not todo:
        print(f"all {len(programs)} recorded outputs are up to date")
        return 0
    print(f"running {len(todo)} of {len(programs)} programs with {jobs} worker(s)", flush=True)
    failures: list[Result] = []

    def record(r: Result) -> None:
        try:
            if r.ok:
                commit(r, env)
            else:
                mark_failed(r)
                failures.append(r)
        except OSError as exc:  # a full disk (No space left, File too large), a read-only checkout...
            where = f" ({exc.filename})" if exc.filename else ""
            raise SnippetError(
                f"could not record the output of {r.program.rel}: {exc.strerror or exc}{where}. Nothing was left "
                "half-written and its previous output is kept; free some disk space (or fix the permissions) and "
                "run again"
            ) from None

    try:
        results = run_many(todo, jobs=jobs, progress=progress, on_result=record)
    except Interrupted:
        recover(root)
        print("interrupted: finished programs were recorded; the others keep their old outputs", file=sys.stderr)
        return 130
    if timings:
        write_timings(timings, results)
    if failures:
        for r in failures:
            print(r.failure_message(), file=sys.stderr)
        print(
            f"{len(failures)} of {len(todo)} programs failed; their old outputs (if any) are kept and marked stale.",
            file=sys.stderr,
        )
        return 1
    print(f"recorded {len(results)} output(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", nargs="*", help="only these programs (paths like snippets/05-transformer/x.py)")
    parser.add_argument("--force", action="store_true", help="run every program, stale or not")
    parser.add_argument("--check", action="store_true", help="verify the recorded outputs without running anything")
    parser.add_argument("--verify", action="store_true",
                        help="run each program as a reader would (a copy alone in an empty folder, default threads) "
                        "and compare with its record; writes nothing")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cuda: rerun on a GPU and compare with the recorded CPU outputs; writes nothing")
    parser.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance for --device cuda")
    parser.add_argument("--atol", type=float, default=1e-3, help="absolute tolerance for --device cuda")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel programs (default: cores)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--no-progress", action="store_true", help="one line per program instead of a bar")
    parser.add_argument("--timings", type=Path, metavar="FILE",
                        help="write each program's wall time, CPU time and peak memory to FILE (JSON)")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    def on_term(signum, frame):  # a kill is handled like Ctrl-C: children killed, nothing half-written
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    only = [Path(p).as_posix().removeprefix("./") for p in args.programs]
    try:
        if args.check:
            return cmd_check(root)
        if args.verify:
            return cmd_verify(root, args.jobs, only, progress=not args.no_progress, timings=args.timings)
        if args.device != "cpu":
            return cmd_device(root, args.device, args.jobs, args.rtol, args.atol, only)
        return cmd_run(root, args.force, args.jobs, only, progress=not args.no_progress, timings=args.timings)
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _kill_all()
        recover(root)
        print("interrupted: no half-written output was left behind", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
