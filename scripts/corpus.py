"""The shipped bilingual corpus: a frozen snapshot of this site's own prose, for the programs of Stages 6-11
(tokenizers, language models, embeddings, retrieval) that need real text in English and Chinese.

    python scripts/corpus.py           # write snippets/corpus/{en,zh}.txt from docs/{en,zh}/ (a new snapshot)
    python scripts/corpus.py --check   # say whether the snapshot still matches its recorded hashes

The snapshot is frozen on purpose: programs read the committed files, so a page edit does not change every
language model's output. Taking a new snapshot is a deliberate change; the programs that declare the corpus
as data (snippets/manifest.toml) then become stale and are rerun by `make snippets`.

What goes in: the prose of every topic page and the home page, one paragraph per line, pages in roadmap
order, English and Chinese in separate files. What stays out: front matter, code, math, Mermaid, HTML,
shortcodes, tables, link targets (the link text stays), emphasis marks, admonition and solution markers, and
inline math with a command or a brace (simple symbols such as d_k stay, as does the text of inline code).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import roadmap  # noqa: E402  (scripts/roadmap.py)

CORPUS = REPO_ROOT / "snippets" / "corpus"
LANGS = ("en", "zh")
HAN = re.compile(r"[\u3400-\u9fff]")


def inline(text: str) -> str:
    """One line of Markdown as plain text."""
    text = re.sub(r"<!--.*?-->", "", text)
    # inline math: simple symbols stay as text (d_k, x_i), anything with a command or a brace goes
    text = re.sub(r"\$([^$]+)\$", lambda m: "" if re.search(r"[\\{}^]", m.group(1)) else m.group(1), text)
    text = re.sub(r"`([^`]*)`", r"\1", text)                       # inline code: the name, without backticks
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)                # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)            # links: keep the text
    text = re.sub(r"\{[^}]*\}", "", text)                            # attribute lists { download=... }
    text = re.sub(r"<[^>]+>", "", text)                              # inline HTML
    text = re.sub(r"(?<!\w)(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)  # emphasis, not snake_case
    text = re.sub(r"[ \t]+", " ", text).strip()
    text = re.sub(r"\(\s*\)|（\s*）", "", text)                      # brackets emptied by the removals
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def paragraphs(markdown: str) -> list[str]:
    """The prose paragraphs of a page, each as one line of plain text."""
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    out, current, in_math = [], [], False

    def flush():
        text = inline(" ".join(current))
        if len(text) >= 20 and re.search(r"[A-Za-z]{3}|[\u3400-\u9fff]", text):
            out.append(text)
        current.clear()

    for line, in_code in roadmap.fenced(body.splitlines()):
        if in_code:
            flush()
            continue
        if line.strip().startswith("$$"):
            flush()
            in_math = not (in_math or line.strip().endswith("$$") and len(line.strip()) > 2)
            continue
        if in_math:
            continue
        stripped = line.strip()
        if (not stripped or stripped.startswith(("#", "|", "<", "???", "!!!")) or re.match(r"^[-*_]{3,}$", stripped)):
            flush()
            if stripped.startswith("#"):  # a heading is a line of its own
                current.append(stripped.lstrip("#").strip())
                flush()
            continue
        if re.match(r"^([-*+]|\d+\.)\s", stripped):  # a list item starts a paragraph
            flush()
            stripped = re.sub(r"^([-*+]|\d+\.)\s+", "", stripped)
        current.append(stripped)
    flush()
    return out


def page_uris() -> list[str]:
    """The Markdown pages in roadmap order: the home page, then each stage's topic pages."""
    sections = roadmap.load_sections(REPO_ROOT / "docs")
    uris = [roadmap.entry_uri(e) for s in sections for e in s["pages"]]
    return [u for u in uris if u.endswith(".md")]


def snapshot() -> dict[str, str]:
    texts = {}
    for lang in LANGS:
        lines = []
        for uri in page_uris():
            lines += paragraphs((REPO_ROOT / "docs" / lang / uri).read_text(encoding="utf-8"))
        texts[lang] = "\n".join(lines) + "\n"
    return texts


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def differing() -> list[str]:
    """The shipped files (en.txt, zh.txt) that are missing or differ from the snapshot recorded in corpus.json."""
    meta = json.loads((CORPUS / "corpus.json").read_text(encoding="utf-8"))
    return [f"{lang}.txt" for lang in LANGS
            if not (CORPUS / f"{lang}.txt").exists() or digest((CORPUS / f"{lang}.txt").read_text(encoding="utf-8")) != meta[lang]["sha256"]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the shipped files against corpus.json")
    args = parser.parse_args(argv)
    meta_path = CORPUS / "corpus.json"
    if args.check:
        if not meta_path.exists():
            print(f"{meta_path.relative_to(REPO_ROOT)} is missing: run `python scripts/corpus.py`", file=sys.stderr)
            return 1
        bad = differing()
        if bad:
            print(f"snippets/corpus/{', '.join(bad)} differ from the snapshot recorded in corpus.json; restore them "
                  "with `git checkout snippets/corpus`, or take a new snapshot with `python scripts/corpus.py`", file=sys.stderr)
            return 1
        print("the corpus matches its snapshot")
        return 0
    CORPUS.mkdir(parents=True, exist_ok=True)
    import subprocess

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
    meta = {"source": f"docs/en and docs/zh of this repository, working tree at commit {head or 'unknown'}"}
    for lang, text in snapshot().items():
        (CORPUS / f"{lang}.txt").write_text(text, encoding="utf-8")
        meta[lang] = {"sha256": digest(text), "lines": text.count("\n"), "characters": len(text),
                      "bytes": len(text.encode("utf-8"))}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for lang in LANGS:
        print(f"snippets/corpus/{lang}.txt: {meta[lang]['lines']} paragraphs, {meta[lang]['characters']} characters, "
              f"{meta[lang]['bytes']} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
