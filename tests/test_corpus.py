"""The shipped bilingual corpus (snippets/corpus/, made by scripts/corpus.py) that the programs of Stages 6-11
read: it is what its snapshot record says, both languages are there, and it holds prose, not markup.

What breaks these tests: an edited or truncated en.txt / zh.txt (the programs trained on it would silently
learn from other text than the record says), a snapshot that kept code, math or HTML, a corpus grown past
the few megabytes a clone should carry, or a program that reads the corpus and, downloaded alone without it,
fails with a traceback instead of saying what it needs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import corpus  # noqa: E402  (scripts/corpus.py, on the path through conftest)
import pytest
from conftest import REPO_ROOT, runner

MAX_BYTES = 4 * 1024 * 1024


def test_the_corpus_is_its_recorded_snapshot():
    assert not corpus.differing(), f"snippets/corpus/{corpus.differing()} is not the recorded snapshot"
    meta = json.loads((corpus.CORPUS / "corpus.json").read_text(encoding="utf-8"))
    for lang in corpus.LANGS:
        text = (corpus.CORPUS / f"{lang}.txt").read_text(encoding="utf-8")
        assert text.count("\n") == meta[lang]["lines"] > 1000
    assert sum((corpus.CORPUS / f"{lang}.txt").stat().st_size for lang in corpus.LANGS) <= MAX_BYTES


def test_the_corpus_is_prose_in_both_languages():
    en = (corpus.CORPUS / "en.txt").read_text(encoding="utf-8")
    zh = (corpus.CORPUS / "zh.txt").read_text(encoding="utf-8")
    assert len(corpus.HAN.findall(zh)) > 0.4 * len(re.sub(r"\s", "", zh)), "zh.txt is not mostly Chinese"
    assert len(corpus.HAN.findall(en)) < 0.01 * len(en), "en.txt is not English"
    for text in (en, zh):
        assert "```" not in text and "$$" not in text and not re.search(r"<(div|span|p|a)\b", text), "markup in the corpus"
        assert "--8<--" not in text and "<!--" not in text


def test_the_snapshot_is_made_from_the_pages_in_roadmap_order():
    """Breaks if the extraction keeps code or loses prose (checked on a small page made up here)."""
    page = ("---\nid: x\n---\n\n# Title\n\nA first paragraph with `code` and $d_k$ and $\\sqrt{d}$,\nwrapped.\n\n"
            "```python\nprint('no')\n```\n\n$$\nx^2\n$$\n\n- an item with a [link](../a.md) in it\n\n| a | b |\n")
    assert corpus.paragraphs(page) == ["A first paragraph with code and d_k and, wrapped.", "an item with a link in it"]


CORPUS_READERS = [p for p in runner.discover(REPO_ROOT) if any(d.startswith("snippets/corpus/") for d in p.data)]


@pytest.mark.reruns
@pytest.mark.parametrize("program", CORPUS_READERS, ids=[p.rel for p in CORPUS_READERS])
def test_a_program_without_the_corpus_says_how_to_get_it(tmp_path, program):
    """Breaks if a program that reads the corpus, downloaded alone (so without snippets/corpus/), or run with a
    damaged corpus file (not UTF-8), fails with a traceback instead of one message naming the file it needs and
    how to get it back."""
    shutil.copy(program.path, tmp_path / program.path.name)

    def run() -> str:
        proc = subprocess.run([sys.executable, program.path.name], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, env={**os.environ, "SNIPPET_OUT_DIR": str(tmp_path)})
        said = proc.stdout + proc.stderr
        assert proc.returncode != 0, f"{program.rel} ran without a readable corpus"
        assert "Traceback" not in said, said
        return said

    said = run()  # no corpus at all
    assert "snippets/corpus/" in said and "scripts/corpus.py" in said, said
    shutil.copytree(corpus.CORPUS, tmp_path / "snippets" / "corpus")
    damaged = [d for d in program.data if d.startswith("snippets/corpus/")][-1]
    (tmp_path / damaged).write_bytes(b"\xff\xfe not UTF-8 \xc3")
    said = run()
    assert damaged in said and "scripts/corpus.py" in said, said
