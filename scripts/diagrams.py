"""Render the site's Mermaid diagrams to SVG once, so that pages ship a picture instead of a 3.5 MB script.

    python scripts/diagrams.py            # render diagrams that have no SVG yet; remove SVGs no page uses
    python scripts/diagrams.py --check    # list what is missing or unused, render nothing

A diagram is a ```mermaid block on a page. Its SVG is stored as diagrams/<key>.svg, where the key is a hash
of the diagram's text and of the Mermaid version in vendor/, and is committed like a program's output. The
build (scripts/hooks.py) puts the SVG into the page in place of the block, and fails, naming this command,
when a page has a diagram whose SVG is missing. Rendering uses the site's own Mermaid (vendor/mermaid) in
Debian's Chromium, the browser the tests use; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

from chromium import CHROMIUM, CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parent.parent
STORE = "diagrams"
MERMAID_JS = Path("vendor") / "mermaid" / "mermaid.min.js"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*mermaid[ \t]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
                   re.M | re.S)
# How every diagram is drawn: Mermaid's neutral theme (readable on light and, inverted by site.css, on dark),
# labels as SVG text so the picture needs no HTML inside it.
CONFIG = ('{"startOnLoad": false, "theme": "neutral", "securityLevel": "strict", '
          '"flowchart": {"htmlLabels": false}, "fontFamily": "sans-serif"}')


def normalise(source: str) -> str:
    """The text a key is computed from: the block's lines without common indentation or trailing space."""
    lines = [line.rstrip() for line in source.strip("\n").splitlines()]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines).strip() + "\n"


def mermaid_version(root: Path) -> str:
    versions = (root / "vendor" / "VERSIONS").read_text(encoding="utf-8") if (root / "vendor" / "VERSIONS").exists() else ""
    found = re.search(r"mermaid\D*([\d.]+)", versions)
    return found.group(1) if found else hashlib.sha256((root / MERMAID_JS).read_bytes()).hexdigest()[:12]


def key(source: str, version: str, lang: str = "en") -> str:
    """The diagram's SVG name. A Chinese page's diagram is drawn in a Chinese page (see render), so its key
    includes the language; an English one's key is as it always was."""
    drawn_in = "" if lang == "en" else f"lang {lang}\n"
    return hashlib.sha256(f"mermaid {version}\n{CONFIG}\n{drawn_in}{normalise(source)}".encode()).hexdigest()[:16]


def svg_path(root: Path, source: str, version: str, lang: str = "en") -> Path:
    return root / STORE / f"{key(source, version, lang)}.svg"


def page_diagrams(root: Path) -> dict[tuple[str, str], list[str]]:
    """{(diagram text, language): ["docs/<lang>/<page>.md:<line of its ```mermaid fence>", ...]}."""
    found: dict[tuple[str, str], list[str]] = {}
    for page in sorted((root / "docs").glob("*/**/*.md")):
        text = page.read_text(encoding="utf-8")
        lang = page.relative_to(root / "docs").parts[0]
        for m in FENCE.finditer(text):
            where = f"{page.relative_to(root).as_posix()}:{text.count(chr(10), 0, m.start()) + 1}"
            found.setdefault((normalise(m.group("body")), lang), []).append(where)
    return found


def syntax_error(where: str, exc: Exception) -> str:
    """A Mermaid error as the author needs it: the page, the line in the page, Mermaid's own words."""
    lines = str(exc).split("Call log:")[0].strip().splitlines()
    lines = [line for line in lines if not line.lstrip().startswith("at ")]  # Mermaid's JavaScript stack
    text = "\n".join(lines).removeprefix("Page.evaluate: ").removeprefix("Error: ").strip()
    m = re.search(r"Parse error on line (\d+)", text)
    page, fence = where.rsplit(":", 1)
    line = int(fence) + int(m.group(1)) if m else int(fence)
    return f"{page}:{line}: Mermaid could not draw this diagram: {text}\nFix the diagram and run `make snippets` again."


def render(root: Path, sources: dict[tuple[str, str], list[str]], version: str) -> None:
    """Draw each diagram in Chromium with the vendored Mermaid and write its SVG atomically. A diagram is drawn
    in a page of its own language: Chromium picks the font for `sans-serif` by the page's language (a CJK font,
    with wider Latin letters, on a Chinese page), so text measured in an English page overflowed its boxes when
    shown on a Chinese one."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"diagrams: {CHROMIUM} is missing; install Debian's chromium (make browser) to draw diagrams")
    store = root / STORE
    store.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for (source, lang), where in sources.items():
            if lang not in pages:  # one page per language, with Mermaid loaded
                pages[lang] = browser.new_page()
                pages[lang].set_content(f'<!doctype html><html lang="{lang}"><body></body></html>')
                pages[lang].add_script_tag(path=str(root / MERMAID_JS))
                pages[lang].evaluate(f"mermaid.initialize({CONFIG})")
            k = key(source, version, lang)
            try:
                svg = pages[lang].evaluate("async ([id, src]) => (await mermaid.render(id, src)).svg",
                                           [f"diagram-{k}", source])
            except Exception as exc:  # a syntax error in the diagram: name the page and the line
                raise SystemExit(syntax_error(where[0], exc)) from None
            fd, tmp = tempfile.mkstemp(dir=store, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(svg + "\n")
            os.chmod(tmp, 0o644)
            os.replace(tmp, store / f"{k}.svg")
            print(f"drew {STORE}/{k}.svg")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list missing and unused SVGs; draw nothing")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    version = mermaid_version(root)
    diagrams = page_diagrams(root)
    wanted = {key(src, version, lang) for src, lang in diagrams}
    missing = {(src, lang): where for (src, lang), where in diagrams.items()
               if not svg_path(root, src, version, lang).exists()}
    unused = sorted(p for p in (root / STORE).glob("*.svg") if p.stem not in wanted) if (root / STORE).exists() else []
    if args.check:
        for (src, lang), where in missing.items():
            print(f"missing {STORE}/{key(src, version, lang)}.svg for the diagram at {', '.join(where)}", file=sys.stderr)
        for p in unused:
            print(f"unused  {p.relative_to(root).as_posix()}", file=sys.stderr)
        if missing or unused:
            print("Fix: run `make snippets` (or: python scripts/diagrams.py) and commit diagrams/.", file=sys.stderr)
            return 1
        print(f"all {len(diagrams)} diagrams are drawn")
        return 0
    for p in unused:
        p.unlink()
        print(f"removed {p.relative_to(root).as_posix()} (no page uses it)")
    if missing:
        render(root, missing, version)
    print(f"{len(diagrams)} diagrams, {len(missing)} drawn now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
