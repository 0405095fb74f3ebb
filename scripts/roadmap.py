"""The roadmap as data: sections and pages from docs/roadmap.yml, page metadata from front matter.

`load(docs)` reads both language trees, checks them together and returns a `Site`; every problem found
is reported at once in a `RoadmapError` whose lines name the file and the fix. The MkDocs hook uses the
`Site` for the navigation, the "Before this"/"Next" boxes, the map and the glossary.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml
from mkdocs.utils import meta

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def fenced(lines):
    """Yield each Markdown line with True where it belongs to a code fence, its opening and closing lines
    included. As in CommonMark, a fence closes on a line holding only a run of the same character at least
    as long as the opening one."""
    fence = None
    for line in lines:
        m = FENCE.match(line)
        if fence is None:
            fence = m.group(1) if m else None
            yield line, fence is not None
            continue
        if m and m.group(1).startswith(fence[0] * len(fence)) and line.strip() == m.group(1):
            fence = None
        yield line, True

LANGS = ("en", "zh")
LEVELS = ("beginner", "intermediate", "advanced")
# Front-matter keys a page may use: ours, then mkdocs-material's.
FRONT_MATTER_KEYS = {
    "id", "title", "stage", "level", "time", "prerequisites",
    "description", "tags", "hide", "search", "template", "icon", "status", "subtitle",
}
TOPIC_KEYS = ("id", "title", "stage", "level", "time", "prerequisites")
# Keys of a page entry in roadmap.yml that carries its own metadata (notebooks have no front matter).
ENTRY_KEYS = {"page", "id", "title", "level", "time", "prerequisites"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RoadmapError(Exception):
    """Problems in docs/roadmap.yml or the pages' front matter; one per line."""


@dataclass
class Node:
    """A topic page: a stop on the roadmap, with the same id in both languages."""

    id: str
    uri: str
    stage: str
    level: str
    title: dict[str, str]
    time: dict[str, str]
    prerequisites: list[str]


@dataclass
class Site:
    sections: list[dict]
    pages: dict[str, dict[str, dict]]  # {lang: {uri: front matter}}
    nodes: dict[str, Node] = field(default_factory=dict)  # in roadmap order

    def stage_title(self, stage: str, lang: str) -> str:
        return next(sec["title"][lang] for sec in self.sections if sec["id"] == stage)

    def stages(self) -> list[tuple[str, list[Node]]]:
        """Sections that hold topic pages, with their pages in order."""
        out = []
        for sec in self.sections:
            nodes = [n for n in self.nodes.values() if n.stage == sec["id"]]
            if nodes:
                out.append((sec["id"], nodes))
        return out

    def stage_sections(self) -> list[dict]:
        """The stages of the roadmap in order (the sections with a `summary`), written or planned."""
        return [sec for sec in self.sections if "summary" in sec]

    def next_of(self, node_id: str) -> list[Node]:
        """Pages that list this one as a prerequisite, then the next page of its stage."""
        node = self.nodes[node_id]
        found = [n for n in self.nodes.values() if node_id in n.prerequisites]
        same_stage = [n for n in self.nodes.values() if n.stage == node.stage]
        i = same_stage.index(node)
        if i + 1 < len(same_stage) and same_stage[i + 1] not in found:
            found.append(same_stage[i + 1])
        return found

    def by_uri(self, uri: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.uri == uri), None)


def entry_uri(entry) -> str:
    return entry["page"] if isinstance(entry, dict) else entry


def page_files(docs: Path, lang: str) -> list[str]:
    root = docs / lang
    found = [p for p in root.rglob("*") if p.suffix in (".md", ".ipynb") and p.is_file()]
    return sorted(p.relative_to(root).as_posix() for p in found if not p.name.startswith("."))


def front_matter(path: Path, where: str, problems: list[str]) -> dict:
    """The page's front matter. MkDocs itself ignores front matter it cannot parse (the page then silently
    loses its id, stage and prerequisites), so it is parsed here, and a problem names the file and the line."""
    if path.suffix != ".md":
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
        return {}
    m = meta.YAML_RE.match(text)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(f"{where}{line}: the front matter is not valid YAML: {problem}. Check quotes, brackets and "
                        "colons (write a title containing ': ' in quotes)")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{where}: the front matter must be key: value lines between the two --- lines")
        return {}
    return data


def load_sections(docs: Path) -> list[dict]:
    path = docs / "roadmap.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RoadmapError("docs/roadmap.yml is missing: it lists the stages and their pages") from None
    except yaml.YAMLError as exc:
        raise RoadmapError(f"docs/roadmap.yml is not valid YAML: {exc}") from None
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list):
        raise RoadmapError("docs/roadmap.yml: expected a top-level 'sections:' list (see docs/en/contributing.md)")
    problems = []
    for i, sec in enumerate(sections):
        missing = {"id", "title", "pages"} - set(sec or {})
        if missing:
            problems.append(f"docs/roadmap.yml: section #{i + 1} lacks {sorted(missing)}")
            continue
        for lang in LANGS:
            if lang not in sec["title"]:
                problems.append(f"docs/roadmap.yml: section {sec['id']!r} has no {lang} title")
            if "summary" in sec and lang not in (sec["summary"] or {}):
                problems.append(f"docs/roadmap.yml: section {sec['id']!r} has no {lang} summary")
        for j, title in enumerate(sec.get("planned") or []):
            if not isinstance(title, dict) or set(title) != set(LANGS):
                problems.append(f"docs/roadmap.yml: section {sec['id']!r}, planned page #{j + 1}: write its title as "
                                "{en: ..., zh: ...}")
        if not sec["pages"] and "summary" not in sec:
            problems.append(f"docs/roadmap.yml: section {sec['id']!r} has no pages; give it a summary: {{en: ..., zh: ...}} "
                            "to show it as a planned stage, or remove it")
        for entry in sec["pages"]:
            if isinstance(entry, dict):
                unknown = set(entry) - ENTRY_KEYS
                if unknown or "page" not in entry:
                    problems.append(f"docs/roadmap.yml: entry {entry!r} needs 'page' and may have only {sorted(ENTRY_KEYS)}")
    if problems:
        raise RoadmapError("\n".join(problems))
    return sections


def load(docs: Path) -> Site:
    """Read and check the roadmap and both page trees; raise RoadmapError listing every problem."""
    sections = load_sections(docs)
    problems: list[str] = []
    pages = {lang: {uri: front_matter(docs / lang / uri, f"docs/{lang}/{uri}", problems) for uri in page_files(docs, lang)} for lang in LANGS}
    en, zh = pages["en"], pages["zh"]
    for uri in sorted(set(en) ^ set(zh)):
        have, lack = ("en", "zh") if uri in en else ("zh", "en")
        problems.append(f"docs/{have}/{uri} has no counterpart docs/{lack}/{uri}: write it (every page exists in both languages)")
    stage_ids = [sec["id"] for sec in sections]
    entries = [(sec["id"], entry) for sec in sections for entry in sec["pages"]]
    listed = [entry_uri(e) for _, e in entries]
    for uri in listed:
        if uri not in en and uri not in zh:
            problems.append(f"docs/roadmap.yml lists {uri}, which exists in neither docs/en nor docs/zh")
    for uri in sorted(set(en) | set(zh)):
        if uri not in listed:
            problems.append(f"docs/*/{uri} is not listed in docs/roadmap.yml: add it to its section")

    for lang in LANGS:
        for uri, fm in pages[lang].items():
            where = f"docs/{lang}/{uri}"
            unknown = set(fm) - FRONT_MATTER_KEYS
            if unknown:
                problems.append(f"{where}: unknown front-matter key(s) {sorted(unknown)}; allowed: {sorted(FRONT_MATTER_KEYS)}")
            if uri.endswith(".md") and "id" not in fm:
                problems.append(f"{where}: front matter needs an 'id' (stable, shared by both languages)")
            if "id" in fm and not ID_PATTERN.match(str(fm["id"])):
                problems.append(f"{where}: id {fm['id']!r} must be lower-case words joined by '-', e.g. multi-head-attention")
            if "stage" in fm:
                for key in TOPIC_KEYS:
                    if key not in fm:
                        problems.append(f"{where}: a topic page needs '{key}' in its front matter")
                if fm.get("level") not in LEVELS:
                    problems.append(f"{where}: level must be one of {LEVELS}, not {fm.get('level')!r}")
                if not isinstance(fm.get("prerequisites", []), list):
                    problems.append(f"{where}: prerequisites must be a list of page ids, e.g. [attention]")
    for uri in sorted(set(en) & set(zh)):
        for key in ("id", "stage", "level", "prerequisites"):
            if en[uri].get(key) != zh[uri].get(key):
                problems.append(
                    f"docs/en/{uri} and docs/zh/{uri} disagree on '{key}': {en[uri].get(key)!r} versus {zh[uri].get(key)!r}"
                )

    site = Site(sections=sections, pages=pages)
    seen: dict[str, str] = {}
    all_ids = {fm["id"]: uri for uri, fm in en.items() if "id" in fm}
    for stage, entry in entries:
        uri = entry_uri(entry)
        if uri not in en or uri not in zh:
            continue
        if isinstance(entry, dict):  # metadata kept in roadmap.yml (notebooks)
            missing = {"id", "title", "level", "time", "prerequisites"} - set(entry)
            if missing:
                problems.append(f"docs/roadmap.yml: {uri} needs {sorted(missing)} (a notebook has no front matter)")
                continue
            fm_en = {"id": entry["id"], "stage": stage, "level": entry["level"], "prerequisites": entry["prerequisites"],
                     "title": entry["title"]["en"], "time": entry["time"]["en"]}
            fm_zh = dict(fm_en, title=entry["title"]["zh"], time=entry["time"]["zh"])
            if entry["id"] in all_ids:
                problems.append(f"duplicate page id {entry['id']!r}: docs/roadmap.yml ({uri}) and docs/en/{all_ids[entry['id']]}")
        else:
            fm_en, fm_zh = en[uri], zh[uri]
            if "stage" not in fm_en:
                continue  # not a topic page (home, contributing, glossary...)
            if fm_en["stage"] != stage:
                problems.append(
                    f"docs/*/{uri}: front matter says stage {fm_en['stage']!r} but docs/roadmap.yml lists it under {stage!r}"
                    f" (stages: {stage_ids})"
                )
        node_id = fm_en.get("id")
        if node_id is None:
            continue  # reported above: "front matter needs an 'id'"
        if node_id in seen:
            problems.append(f"duplicate page id {node_id!r}: {seen[node_id]} and {uri}")
            continue
        seen[node_id] = uri
        site.nodes[node_id] = Node(
            id=node_id, uri=uri, stage=stage, level=fm_en.get("level", ""),
            title={"en": str(fm_en.get("title", "")), "zh": str(fm_zh.get("title", ""))},
            time={"en": str(fm_en.get("time", "")), "zh": str(fm_zh.get("time", ""))},
            prerequisites=list(fm_en.get("prerequisites") or []),
        )
    problems += graph_problems({n.id: n.prerequisites for n in site.nodes.values()}, {n.id: n.uri for n in site.nodes.values()})
    if problems:
        raise RoadmapError("\n".join(problems))
    return site


def minutes(time: str) -> int:
    """The minutes of a reading time as pages write it ("40 min", "40 分钟", "1 h 10 min"); 0 if it has none."""
    hours = re.search(r"(\d+)\s*(?:h\b|hours?\b|小时)", time)
    mins = re.search(r"(\d+)\s*(?:min\b|minutes?\b|分钟)", time)
    return (int(hours.group(1)) * 60 if hours else 0) + (int(mins.group(1)) if mins else 0)


def duration(total: int, lang: str) -> str:
    """Minutes as a reader reads them: "3 h 10 min" / "3 小时 10 分钟"."""
    h, m = divmod(total, 60)
    if lang == "zh":
        return f"{h} 小时 {m} 分钟" if h and m else f"{h} 小时" if h else f"{m} 分钟"
    return f"{h} h {m} min" if h and m else f"{h} h" if h else f"{m} min"


def graph_problems(graph: dict[str, list[str]], where: dict[str, str]) -> list[str]:
    """Unknown prerequisite ids and cycles, in words."""
    problems = []
    for node, pres in graph.items():
        for pre in pres:
            if pre not in graph:
                problems.append(f"docs/*/{where.get(node, node)}: prerequisite {pre!r} is not the id of any topic page")
    cycle = find_cycle(graph)
    if cycle:
        problems.append("prerequisites form a cycle: " + " -> ".join(cycle) + " (remove one of these prerequisites)")
    return problems


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the prerequisite graph as [a, b, ..., a], or None."""
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
# The map: an inline SVG, one column per stage, one box per page, an arrow per prerequisite.

NODE_W, NODE_H, COL_GAP, ROW_GAP, TOP = 210, 62, 110, 22, 40
LEVEL_LABELS = {
    "en": {"beginner": "beginner", "intermediate": "intermediate", "advanced": "advanced"},
    "zh": {"beginner": "入门", "intermediate": "进阶", "advanced": "高级"},
}


def size(s: str) -> int:
    """Width of a text in half-width characters (CJK characters count double)."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)


def wrap(title: str, lang: str, width: int = 26) -> list[str]:
    """At most two lines that fit a box."""

    if size(title) <= width:
        return [title]
    if lang == "zh" or " " not in title:
        line, rest = "", title
        while rest and size(line + rest[0]) <= width:
            line, rest = line + rest[0], rest[1:]
    else:
        words, line = title.split(" "), ""
        while words and size((line + " " + words[0]).strip()) <= width:
            line = (line + " " + words.pop(0)).strip()
        rest = " ".join(words)
    if size(rest) > width:
        while size(rest + "…") > width:
            rest = rest[:-1]
        rest += "…"
    return [line, rest]


def map_svg(site: Site, lang: str, url_of: Callable[[str], str]) -> str:
    """The roadmap map for one language; `url_of(uri)` gives the link from the page that shows it."""
    columns = site.stages()
    pos: dict[str, tuple[int, int]] = {}
    height = 0
    for c, (_, nodes) in enumerate(columns):
        for r, node in enumerate(nodes):
            x, y = 20 + c * (NODE_W + COL_GAP), TOP + r * (NODE_H + ROW_GAP)
            pos[node.id] = (x, y)
            height = max(height, y + NODE_H + 20)
    width = 20 + len(columns) * (NODE_W + COL_GAP) - COL_GAP + 20
    parts = [
        f'<svg class="roadmap-map__svg" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{"路线图" if lang == "zh" else "Roadmap"}">',
        '<defs><marker id="roadmap-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="roadmap-map__arrowhead"/></marker></defs>',
    ]
    for c, (stage, _) in enumerate(columns):
        x = 20 + c * (NODE_W + COL_GAP)
        parts.append(f'<text class="roadmap-map__stage" x="{x}" y="22">{html.escape(site.stage_title(stage, lang))}</text>')
    for node in site.nodes.values():
        for pre in node.prerequisites:
            (x1, y1), (x2, y2) = pos[pre], pos[node.id]
            if x1 == x2:  # same stage: an arc on the left side of the column
                sy, ty = y1 + NODE_H / 2, y2 + NODE_H / 2
                bend = x1 - 14 - 16 * abs(ty - sy) / (NODE_H + ROW_GAP)
                d = f"M {x1} {sy} C {bend} {sy}, {bend} {ty}, {x1 - 2} {ty}"
            else:
                sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2 - 2, y2 + NODE_H / 2
                mid = (sx + tx) / 2
                d = f"M {sx} {sy} C {mid} {sy}, {mid} {ty}, {tx} {ty}"
            parts.append(
                f'<path class="roadmap-map__edge" d="{d}" marker-end="url(#roadmap-arrow)" '
                f'data-from="{pre}" data-to="{node.id}"/>'
            )
    for node in site.nodes.values():
        x, y = pos[node.id]
        lines = wrap(node.title[lang], lang)
        text_y = y + (22 if len(lines) == 2 else 28)
        parts.append(
            f'<a class="roadmap-map__node level-{node.level}" href="{html.escape(url_of(node.uri))}" data-page-id="{node.id}">'
            f'<title>{html.escape(node.title[lang])}</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8"/>'
            + "".join(
                f'<text class="roadmap-map__title" x="{x + 12}" y="{text_y + i * 17}">{html.escape(line)}</text>'
                for i, line in enumerate(lines)
            )
            + f'<text class="roadmap-map__meta" x="{x + 12}" y="{y + NODE_H - 9}">'
            f'{html.escape(LEVEL_LABELS[lang][node.level])} · {html.escape(node.time[lang])}</text>'
            f'<text class="roadmap-map__check" x="{x + NODE_W - 22}" y="{y + 22}">✓</text>'
            "</a>"
        )
    parts.append("</svg>")
    return "".join(parts)
