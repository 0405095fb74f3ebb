"""MkDocs hook for both language builds: navigation, page checks, program shortcodes, local assets.

- Navigation comes from docs/roadmap.yml (stage titles in both languages, page order).
- Every page is checked: known front-matter keys, a counterpart in the other language with the same id,
  stage and prerequisites; known prerequisite ids, no duplicate ids, no cycles.
- `<!-- snippet: snippets/<stage>/<name>.py -->` on its own line becomes the program's code, the command
  to run it, a download link, its recorded output and its figures; the build fails if the program does not
  exist or its output is missing or stale.
- Programs, figures and the vendored KaTeX/Mermaid files are served by the site; KaTeX and Mermaid are
  loaded only on the pages that need them; a page that would request another host fails the build.
"""

from __future__ import annotations

import html
import posixpath
import re
import sys
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url, meta

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import snippets as runner  # noqa: E402  (scripts/snippets.py)

DOCS = REPO_ROOT / "docs"
ROADMAP = DOCS / "roadmap.yml"
VENDOR = REPO_ROOT / "vendor"
VENDOR_URL = "assets/vendor"
LANGS = ("en", "zh")
LEVELS = ("beginner", "intermediate", "advanced")
# Front-matter keys a page may use: ours, then mkdocs-material's.
FRONT_MATTER_KEYS = {
    "id", "title", "stage", "level", "time", "prerequisites",
    "description", "tags", "hide", "search", "template", "icon", "status", "subtitle",
}
TOPIC_KEYS = ("id", "title", "stage", "level", "time", "prerequisites")
SHORTCODE = re.compile(r"^<!--\s*snippet:\s*(?P<path>\S+)\s*-->\s*$")
SHORTCODE_LIKE = re.compile(r"^\s*<!--\s*snippet\b")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")

LABELS = {
    "en": {
        "run": "Run it",
        "download": "Download",
        "output": "Output",
        "recorded": "recorded with Python {python} and PyTorch {torch} on a CPU",
        "figure": "Figure written by",
    },
    "zh": {
        "run": "运行",
        "download": "下载",
        "output": "输出",
        "recorded": "记录环境：Python {python}、PyTorch {torch}、CPU",
        "figure": "图由程序生成：",
    },
}


def fail(message: str) -> None:
    raise PluginError(message)


# --------------------------------------------------------------------------------------------------
# Site structure: roadmap.yml and page front matter


def load_roadmap() -> dict:
    try:
        data = yaml.safe_load(ROADMAP.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{ROADMAP.relative_to(REPO_ROOT)} is missing: it lists the stages and their pages")
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list):
        fail("docs/roadmap.yml: expected a top-level 'sections:' list (see docs/en/contributing.md)")
    for i, sec in enumerate(sections):
        missing = {"id", "title", "pages"} - set(sec or {})
        if missing:
            fail(f"docs/roadmap.yml: section #{i + 1} lacks {sorted(missing)}")
        for lang in LANGS:
            if lang not in sec["title"]:
                fail(f"docs/roadmap.yml: section {sec['id']!r} has no {lang} title")
    return data


def page_files(lang: str) -> list[str]:
    root = DOCS / lang
    found = [p for p in root.rglob("*") if p.suffix in (".md", ".ipynb") and p.is_file()]
    return sorted(p.relative_to(root).as_posix() for p in found if not p.name.startswith("."))


def front_matter(path: Path) -> dict:
    if path.suffix != ".md":
        return {}
    try:
        _, data = meta.get_data(path.read_text(encoding="utf-8"))
    except Exception as exc:  # noqa: BLE001  (yaml errors of every kind)
        fail(f"{path.relative_to(REPO_ROOT)}: front matter is not valid YAML: {exc}")
    return data


def check_pages(roadmap: dict) -> dict[str, dict[str, dict]]:
    """Validate both trees together; return {lang: {src_uri: front matter}}."""
    problems: list[str] = []
    pages = {lang: {uri: front_matter(DOCS / lang / uri) for uri in page_files(lang)} for lang in LANGS}
    en, zh = pages["en"], pages["zh"]
    for uri in sorted(set(en) ^ set(zh)):
        have, lack = ("en", "zh") if uri in en else ("zh", "en")
        problems.append(f"docs/{have}/{uri} has no counterpart docs/{lack}/{uri}: write it (every page exists in both languages)")
    stage_ids = {sec["id"] for sec in roadmap["sections"]}
    listed = [p for sec in roadmap["sections"] for p in sec["pages"]]
    for uri in listed:
        if uri not in en and uri not in zh:
            problems.append(f"docs/roadmap.yml lists {uri}, which exists in neither docs/en nor docs/zh")
    for uri in sorted(set(en) | set(zh)):
        if uri not in listed and uri.endswith((".md", ".ipynb")) and uri not in ("404.md",):
            problems.append(f"docs/*/{uri} is not listed in docs/roadmap.yml: add it to its section")
    ids: dict[str, str] = {}
    for lang in LANGS:
        for uri, fm in pages[lang].items():
            where = f"docs/{lang}/{uri}"
            unknown = set(fm) - FRONT_MATTER_KEYS
            if unknown:
                problems.append(f"{where}: unknown front-matter key(s) {sorted(unknown)}; allowed: {sorted(FRONT_MATTER_KEYS)}")
            if uri.endswith(".md") and "id" not in fm:
                problems.append(f"{where}: front matter needs an 'id' (stable, shared by both languages)")
            if "stage" in fm:
                for key in TOPIC_KEYS:
                    if key not in fm:
                        problems.append(f"{where}: a topic page needs '{key}' in its front matter")
                if fm["stage"] not in stage_ids:
                    problems.append(f"{where}: stage {fm['stage']!r} is not a section id in docs/roadmap.yml ({sorted(stage_ids)})")
                if fm.get("level") not in LEVELS:
                    problems.append(f"{where}: level must be one of {LEVELS}, not {fm.get('level')!r}")
                if not isinstance(fm.get("prerequisites", []), list):
                    problems.append(f"{where}: prerequisites must be a list of page ids, e.g. [attention]")
            if lang == "en" and "id" in fm:
                if fm["id"] in ids:
                    problems.append(f"duplicate page id {fm['id']!r}: docs/en/{ids[fm['id']]} and {where}")
                ids[fm["id"]] = uri
    for uri in sorted(set(en) & set(zh)):
        for key in ("id", "stage", "level", "prerequisites"):
            if en[uri].get(key) != zh[uri].get(key):
                problems.append(
                    f"docs/en/{uri} and docs/zh/{uri} disagree on '{key}': {en[uri].get(key)!r} versus {zh[uri].get(key)!r}"
                )
    graph = {fm["id"]: fm.get("prerequisites") or [] for fm in en.values() if "id" in fm}
    for uri, fm in en.items():
        for pre in fm.get("prerequisites") or []:
            if pre not in graph:
                problems.append(f"docs/*/{uri}: prerequisite {pre!r} is not the id of any page")
    cycle = find_cycle(graph)
    if cycle:
        problems.append("prerequisites form a cycle: " + " -> ".join(cycle))
    if problems:
        fail("page checks failed:\n  " + "\n  ".join(problems))
    return pages


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


# --------------------------------------------------------------------------------------------------
# Events

_site: dict = {}


def language_of(config) -> str:
    lang = config.theme.get("language", "en")
    return "zh" if lang.startswith("zh") else "en"


def on_config(config):
    roadmap = load_roadmap()
    lang = language_of(config)
    _site.clear()
    _site.update(lang=lang, roadmap=roadmap, env=runner.environment(), programs={})
    nav = []
    for sec in roadmap["sections"]:
        if sec.get("flat"):
            nav.extend(sec["pages"])
        else:
            nav.append({sec["title"][lang]: list(sec["pages"])})
    config.nav = nav
    return config


@event_priority(100)  # before other plugins, so that they see the added files
def on_files(files: Files, config) -> Files:
    check_pages(_site["roadmap"])
    programs = {p.rel: p for p in runner.discover(REPO_ROOT)}
    _site["programs"] = programs
    use_dir = config.use_directory_urls
    for program in programs.values():
        files.append(File(program.rel, str(REPO_ROOT), config.site_dir, use_dir))
        if program.out_dir.is_dir():
            for fig in sorted(program.out_dir.iterdir()):
                if fig.suffix in runner.FIGURE_SUFFIXES:
                    files.append(File(fig.relative_to(REPO_ROOT).as_posix(), str(REPO_ROOT), config.site_dir, use_dir))
        if program.is_lab:
            ensure_fresh(program, f"the notebook page {program.notebook}")
    if not VENDOR.is_dir():
        fail("vendor/ is missing (KaTeX and Mermaid served by the site); run scripts/vendor.sh")
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file() and path.suffix in (".js", ".css", ".woff2"):
            rel = path.relative_to(VENDOR).as_posix()
            f = File(f"{VENDOR_URL}/{rel}", str(REPO_ROOT), config.site_dir, use_dir)
            f.abs_src_path = str(path)
            files.append(f)
    return files


def ensure_fresh(program, where: str) -> None:
    st, why = runner.state(program, _site["env"])
    if st != "fresh":
        fail(
            f"{where}: the recorded output of {program.rel} is {st} ({why}). "
            f"Fix: run `make snippets` (or: python scripts/snippets.py {program.rel}) and commit the output."
        )


def render_snippet(rel: str, page, lang: str) -> str:
    where = f"docs/{lang}/{page.file.src_uri}"
    program = _site["programs"].get(rel)
    if program is None:
        fail(
            f"{where}: the snippet shortcode names {rel}, which is not a program. "
            "Programs live in snippets/<stage>/<name>.py (path from the repository root); fix the path or create it."
        )
    ensure_fresh(program, where)
    labels = LABELS[lang]
    here = posixpath.dirname(page.file.src_uri)
    link = posixpath.relpath(program.rel, here or ".")
    out_rel = program.out_dir.relative_to(REPO_ROOT).as_posix()
    record = runner.read_record(program)
    env = record["environment"]
    name = Path(rel).name
    parts = [
        f'<div class="snippet" data-snippet="{html.escape(rel)}" markdown>',
        "",
        f'```python title="{rel}"',
        f'--8<-- "{rel}"',
        "```",
        "",
        f'<p class="snippet-run" markdown>**{labels["run"]}:** `python {rel}` · '
        f'[:material-download: {labels["download"]} {name}]({link}){{ download="{name}" }}</p>',
        "",
        '<div class="snippet-output" markdown>',
        "",
        f'<p class="snippet-output-label">{labels["output"]} '
        f'<span>{labels["recorded"].format(python=env["python"], torch=env["torch"].split("+")[0])}</span></p>',
        "",
        "```text",
        f'--8<-- "{out_rel}/{runner.OUTPUT_FILE}"',
        "```",
        "",
        "</div>",
        "",
    ]
    for fig in sorted(record.get("files", {})):
        fig_link = posixpath.relpath(f"{out_rel}/{fig}", here or ".")
        parts += [f'<figure class="snippet-figure" markdown>', "", f"![{fig}]({fig_link})", "",
                  f"<figcaption>{labels['figure']} <code>{name}</code></figcaption>", "</figure>", ""]
    parts += ["</div>", "<!-- /snippet -->", ""]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    lang = _site["lang"]
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    for number, line in enumerate(lines, start=1):
        m_fence = FENCE.match(line)
        if fence is None and m_fence:
            fence = m_fence.group(1)
        elif fence is not None and m_fence and m_fence.group(1).startswith(fence[0] * len(fence)) and line.strip() == m_fence.group(1):
            fence = None
        if fence is None:
            m = SHORTCODE.match(line)
            if m:
                out.append(render_snippet(m.group("path"), page, lang))
                continue
            if SHORTCODE_LIKE.match(line):
                fail(
                    f"docs/{lang}/{page.file.src_uri}:{number}: malformed snippet shortcode {line.strip()!r}; "
                    "write it alone on its line as <!-- snippet: snippets/<stage>/<name>.py -->"
                )
        out.append(line)
    return "\n".join(out)


def on_page_context(context, page, config, nav):
    """Lab pages get links to their notebook (copied beside the page by mkdocs-jupyter) and source."""
    if page.file.src_uri.endswith(".ipynb"):
        for program in _site["programs"].values():
            if program.notebook == page.file.src_uri:
                page.meta["lab_notebook"] = posixpath.basename(page.file.src_uri)
                page.meta["lab_source"] = get_relative_url(program.rel, page.url)
    return context


EXTERNAL_SRC = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|\burl\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
# <link> relations that make the browser fetch the target (canonical, alternate, next... do not).
FETCHING_RELS = {"stylesheet", "preload", "prefetch", "icon", "modulepreload", "manifest", "preconnect", "dns-prefetch"}


def external_request(output: str) -> re.Match | None:
    """The first place in the page that would make a browser contact another host."""
    m = EXTERNAL_SRC.search(output)
    if m:
        return m
    for tag in LINK_TAG.finditer(output):
        rel = re.search(r"""\brel\s*=\s*["']?([^"'>]+)""", tag.group(0), re.IGNORECASE)
        href = re.search(r"""\bhref\s*=\s*["']?(?:https?:)?//""", tag.group(0), re.IGNORECASE)
        if rel and href and set(rel.group(1).lower().split()) & FETCHING_RELS:
            return tag
    return None


NOTEBOOK_CDN_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']https?://[^"']*(?:mathjax|require|mermaid)[^"']*["'][^>]*>\s*</script>"""
    r"""|<script\b[^>]*type\s*=\s*["']text/x-mathjax-config["'][^>]*>.*?</script>"""
    r"""|<script\b[^>]*type\s*=\s*["']module["'][^>]*>[^<]*https?://[^<]*mermaid[^<]*</script>""",
    re.IGNORECASE | re.DOTALL,
)


def on_post_page(output: str, page, config) -> str:
    where = f"docs/{_site['lang']}/{page.file.src_uri}"
    if page.file.src_uri.endswith(".ipynb"):
        # The notebook template links MathJax and Mermaid from CDNs; KaTeX (below) renders the math instead.
        output = NOTEBOOK_CDN_SCRIPT.sub("", output)
    head: list[str] = []

    def url(path: str) -> str:
        return get_relative_url(f"{VENDOR_URL}/{path}", page.url)

    needs_math = 'class="arithmatex"' in output or page.file.src_uri.endswith(".ipynb")
    if needs_math:
        head += [
            f'<link rel="stylesheet" href="{url("katex/katex.min.css")}">',
            f'<script src="{url("katex/katex.min.js")}"></script>',
            f'<script src="{url("katex/contrib/auto-render.min.js")}"></script>',
            f'<script src="{get_relative_url("assets/javascripts/katex-init.js", page.url)}"></script>',
        ]
    if 'class="mermaid"' in output:
        # Material loads Mermaid from a CDN unless window.mermaid already exists: provide it first.
        head.append(f'<script src="{url("mermaid/mermaid.min.js")}"></script>')
    if head:
        output = output.replace("</head>", "\n".join(head) + "\n</head>", 1)
    m = external_request(output)
    if m:
        start = max(0, m.start() - 80)
        fail(f"{where}: the page would load something from another host: ...{output[start:m.end() + 80]}...")
    return output
