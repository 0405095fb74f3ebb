"""Chinese house style (中文写作规范): one Chinese term per concept, 等 not et al., and no stray spaces.

What breaks these tests, in the prose of docs/zh/**/*.md (outside fenced code, inline code, math, HTML comments
and front matter) in the `zh` and `def.zh` fields of docs/glossary.yml, and in the `zh` texts of docs/quizzes/*.yml:
- a variant that docs/zh_style.yml lists under `avoid` (正向传播 where the site writes 前向传播, "每个 batch" where it
  writes 每个批次), reported with the file, the line, the variant and the term to write instead;
- a source line break between two Chinese characters (or a Chinese character and a full-width punctuation mark)
  inside a paragraph: Markdown keeps the line break, the browser draws it as a space ("跑完。 程序"); in the
  glossary, a space between two Chinese characters (a wrapped YAML line folds into one);
- "et al." in Chinese prose (Chinese citations write 作者 等（年份）);
- a malformed docs/zh_style.yml (an entry without `use` or `avoid`, a term both used and avoided).
Each check reports every problem of a file at once. The rules are explained on the contributor page, section
"Chinese house style" / "中文写作规范".

`python tests/test_style.py` prints every violation, grouped by file, without running pytest.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS = REPO_ROOT / "docs"
STYLE_FILE = DOCS / "zh_style.yml"
GLOSSARY = DOCS / "glossary.yml"
SECTION = "contributing page, section “中文写作规范” (Chinese house style)"

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation as Chinese prose uses it: CJK symbols (、。《》「」…), full-width forms (，：；？！（）),
# curly quotes, the ellipsis and the dash that Chinese writes doubled (——).
FULLWIDTH = "\u3000-\u303f\uff01-\uff60\u2018\u2019\u201c\u201d\u2026\u2014"
CJK_RE = re.compile(f"[{HAN}{FULLWIDTH}]")
HAN_RE = re.compile(f"[{HAN}]")
CJK_SPACE_CJK = re.compile(f"([{HAN}{FULLWIDTH}])[ \t\n]+([{HAN}{FULLWIDTH}])")
ET_AL = re.compile(r"\bet\.?\s+al\b\.?", re.IGNORECASE)

ENTRY_KEYS = {"en", "use", "avoid", "why", "allow"}


# --- the style file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    variant: str
    use: str
    en: str
    why: str
    allow: tuple[str, ...]
    pattern: re.Pattern
    latin_only: bool


def variant_pattern(variant: str) -> tuple[re.Pattern, bool]:
    """A variant with Chinese in it matches as a substring, a space between Chinese and Latin letters or digits
    being optional ("batch 大小" finds "batch大小"); a Latin-only variant matches as a whole word."""
    if not HAN_RE.search(variant):
        words = r"\s+".join(re.escape(w) for w in variant.split())
        return re.compile(rf"(?<![A-Za-z0-9_\-./]){words}(?![A-Za-z0-9_\-/])"), True
    parts, prev = [], ""
    for ch in variant:
        if ch.isspace():
            if not parts or parts[-1] != r"\s*":
                parts.append(r"\s*")
            continue
        if prev and parts[-1] != r"\s*" and bool(HAN_RE.match(ch)) != bool(HAN_RE.match(prev)) \
                and (ch.isascii() and ch.isalnum() or prev.isascii() and prev.isalnum()):
            parts.append(r"\s*")
        parts.append(re.escape(ch))
        prev = ch
    return re.compile("".join(parts), re.IGNORECASE), False


def load_style(path: Path = STYLE_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def style_problems(style) -> list[str]:
    """Everything wrong with the style file's shape, each naming the entry and the fix."""
    name = STYLE_FILE.relative_to(REPO_ROOT)
    if not isinstance(style, dict) or set(style) != {"terms", "mixtures"}:
        return [f"{name}: must be a mapping with exactly two lists, `terms` and `mixtures`"]
    problems, used, avoided = [], {}, {}
    for section in ("terms", "mixtures"):
        entries = style[section]
        if not isinstance(entries, list) or not entries:
            problems.append(f"{name}: `{section}` must be a non-empty list of entries")
            continue
        for i, e in enumerate(entries, start=1):
            where = f"{name}: {section} entry #{i}" + (f" ({e.get('use')!r})" if isinstance(e, dict) else "")
            if not isinstance(e, dict):
                problems.append(f"{where}: must be a mapping with `use` and `avoid`")
                continue
            if set(e) - ENTRY_KEYS:
                problems.append(f"{where}: unknown key(s) {sorted(set(e) - ENTRY_KEYS)}; allowed: {sorted(ENTRY_KEYS)}")
            if not isinstance(e.get("use"), str) or not e["use"].strip():
                problems.append(f"{where}: needs `use`, the Chinese term to write")
            avoid = e.get("avoid")
            if not isinstance(avoid, list) or not avoid or not all(isinstance(v, str) and v.strip() for v in avoid):
                problems.append(f"{where}: needs `avoid`, a non-empty list of variants (strings)")
                continue
            for key in ("en", "why"):
                if key in e and not isinstance(e[key], str):
                    problems.append(f"{where}: `{key}` must be one line of text")
            for phrase in e.get("allow") or []:
                if not isinstance(phrase, str) or not any(v in phrase for v in avoid):
                    problems.append(f"{where}: allow phrase {phrase!r} contains none of its `avoid` variants, "
                                    "so it allows nothing")
            if isinstance(e.get("use"), str):
                used.setdefault(e["use"], where)
            for v in avoid:
                if v in avoided:
                    problems.append(f"{where}: {v!r} is already avoided by {avoided[v]}; list it once")
                avoided.setdefault(v, where)
                if section == "mixtures" and HAN_RE.search(v):
                    problems.append(f"{where}: mixture variant {v!r} has Chinese in it; move it to `terms`")
    for term in sorted(set(used) & set(avoided)):
        problems.append(f"{name}: {term!r} is both used ({used[term]}) and avoided ({avoided[term]}); keep one")
    return problems


def load_rules(style=None) -> list[Rule]:
    style = load_style() if style is None else style
    rules = []
    for section in ("terms", "mixtures"):
        for e in style[section]:
            for v in e["avoid"]:
                pattern, latin = variant_pattern(v)
                allow = tuple(e.get("allow") or ())
                rules.append(Rule(v, e["use"], e.get("en", ""), e.get("why", ""), allow, pattern, latin))
    return rules


def use_terms(style) -> list[str]:
    names = {e["use"] for section in ("terms", "mixtures") for e in style[section]}
    return sorted((n for n in names if HAN_RE.search(n)), key=len)


# --- reading a page: what is prose ------------------------------------------------------------------


@dataclass
class Line:
    no: int  # 1-based line number in the file
    kind: str  # text | item | quote | heading | table | admonition | html | rule | diagram
    indent: int
    text: str  # the line with code, math, comments, link targets and markup taken out
    hard_break: bool  # ends with two spaces, a backslash or <br>: the break is meant


FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
ITEM = re.compile(r"^([-*+]|\d{1,3}[.)])(\s+|$)")
ADMONITION = re.compile(r"^(!!!|\?\?\?\+?|===)(\s|$)")
INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
INLINE_MATH = re.compile(r"\$\$.*?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$")
LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)|\]\[[^\]]*\]")
AUTOLINK = re.compile(r"<(?:https?|mailto):[^>]*>")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
ATTR_LIST = re.compile(r"\s*\{:?\s*[#.][^{}]*\}\s*$")


def clean(text: str) -> str:
    """Inline code and math become placeholders; link targets, tags, emphasis and brackets disappear."""
    text = INLINE_CODE.sub(" CODE ", text)
    text = INLINE_MATH.sub(" MATH ", text)
    text = AUTOLINK.sub(" URL ", text)
    text = LINK_TARGET.sub("", text)
    text = HTML_TAG.sub("", text)
    text = ATTR_LIST.sub("", text)
    return re.sub(r"[*\[\]]", "", text)


def classify(stripped: str) -> str:
    if re.match(r"#{1,6}(\s|$)", stripped):
        return "heading"
    if stripped.startswith("|"):
        return "table"
    if ADMONITION.match(stripped):
        return "admonition"
    if re.fullmatch(r"(-\s*){3,}|(\*\s*){3,}|(_\s*){3,}|=+", stripped):
        return "rule"
    if ITEM.match(stripped):
        return "item"
    if stripped.startswith(">"):
        return "quote"
    if stripped.startswith("<") or re.match(r"\[[^\]]+\]:\s", stripped) or ATTR_LIST.fullmatch(stripped):
        return "html"  # an HTML block, a link definition or an attribute list
    return "text"


def prose_lines(source: str) -> list[Line]:
    """The lines of a Markdown page that readers see as text, classified by the block they belong to. Left out:
    front matter, fenced code (except Mermaid diagrams, kept as `diagram` for the term check), display math,
    HTML comments, HTML blocks and indented code blocks."""
    raw = source.split("\n")
    out: list[Line] = []
    i = 0
    if raw and raw[0].strip() == "---":  # front matter
        i = next((j + 1 for j in range(1, len(raw)) if raw[j].strip() in ("---", "...")), len(raw))
    fence = None  # (char, length, is_mermaid) while inside a fenced block
    in_math = in_comment = in_html = in_code = False
    container = False  # inside a list item or admonition, where indented lines are content, not code
    prev_blank = True
    for no in range(i + 1, len(raw) + 1):
        line = raw[no - 1].replace("\t", "    ")
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if fence:
            m = FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] and not m.group(2).strip():
                fence = None
            elif fence[2] and stripped:
                out.append(Line(no, "diagram", indent, clean(stripped), False))
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
                line = line.split("-->", 1)[1]
                stripped = line.strip()
                if not stripped:
                    continue
            else:
                continue
        if in_math:
            if "$$" in line:
                in_math = False
            continue
        m = FENCE.match(line)
        if m:
            fence = (m.group(1)[0], len(m.group(1)), m.group(2).strip().lower().startswith("mermaid"))
            continue
        if stripped.startswith("$$") and stripped.count("$$") == 1:
            in_math = True
            continue
        if not stripped:
            prev_blank, in_html = True, False
            continue
        if in_html:
            continue
        if in_code and indent >= 4:
            continue
        in_code = False
        if indent >= 4 and prev_blank and not container:
            in_code = True  # an indented code block: it runs until a line indented less
            continue
        # HTML comments: whole-line ones are not prose; inline ones are removed
        if stripped.startswith("<!--"):
            if "-->" not in stripped:
                in_comment = True
            prev_blank = False
            continue
        if "<!--" in line:
            line = re.sub(r"<!--.*?-->", "", line)
            if "<!--" in line:
                line, in_comment = line.split("<!--", 1)[0], True
            stripped = line.strip()
        if stripped.startswith("$$") and stripped.endswith("$$") and len(stripped) > 2:
            prev_blank = False
            continue  # one-line display math
        kind = classify(stripped)
        if indent == 0 and prev_blank:
            container = kind in ("item", "admonition")
        elif indent == 0 and kind in ("item", "admonition"):
            container = True
        if kind == "html":
            in_html = stripped.startswith("<") and not re.match(r"<(https?|mailto):", stripped)
            prev_blank = False
            out.append(Line(no, "html", indent, clean(stripped), False))
            continue
        text = stripped
        if kind == "item":
            text = ITEM.sub("", text, count=1)
        elif kind == "quote":
            text = re.sub(r"^(>\s?)+", "", text)
        hard = raw[no - 1].endswith("  ") or stripped.endswith("\\") or bool(re.search(r"<br\s*/?>$", stripped))
        out.append(Line(no, kind, indent, clean(text), hard))
        prev_blank = False
    return out


# --- the checks --------------------------------------------------------------------------------------


def context(text: str, start: int, end: int, width: int = 8) -> str:
    head, tail = ("…" if start > width else ""), ("…" if end + width < len(text) else "")
    return head + text[max(0, start - width):end + width].strip() + tail


def term_hits(text: str, rules: list[Rule], uses: list[str]) -> list[tuple[int, int, Rule]]:
    """Avoided variants in one cleaned line: longest match first, none inside a `use` term or an allowed phrase."""
    covered = [(m.start(), m.end()) for u in uses for m in re.finditer(re.escape(u), text)]
    found = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            s, e = m.start(), m.end()
            if any(a <= s and e <= b for a, b in covered):
                continue
            if any(a.start() <= s and e <= a.end() for p in rule.allow for a in re.finditer(re.escape(p), text)):
                continue
            if rule.latin_only:  # an English word inside a Chinese sentence: next to a Chinese character
                before, after = text[:s].rstrip()[-1:], text[e:].lstrip()[:1]
                if not (HAN_RE.match(before or " ") or HAN_RE.match(after or " ")):
                    continue
            found.append((s, e, rule))
    found.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
    kept: list[tuple[int, int, Rule]] = []
    for h in found:
        if all(h[1] <= k[0] or h[0] >= k[1] for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h[0])


def term_message(where: str, text: str, s: int, e: int, rule: Rule) -> str:
    why = f"; {rule.why}" if rule.why else ""
    en = f" ({rule.en})" if rule.en else ""
    return (f"{where}: “{text[s:e]}” in “{context(text, s, e)}”: write “{rule.use}”{en} instead "
            f"(docs/zh_style.yml{why})")


def page_term_problems(rel: str, source: str, rules: list[Rule], uses: list[str]) -> list[str]:
    return [term_message(f"{rel}:{ln.no}", ln.text, s, e, rule)
            for ln in prose_lines(source) for s, e, rule in term_hits(ln.text, rules, uses)]


def visible_end(text: str) -> str:
    return re.sub(r"[\s_~]+$", "", text)[-1:]


def visible_start(text: str) -> str:
    return re.sub(r"^[\s_~]+", "", text)[:1]


def line_break_problems(rel: str, source: str) -> list[str]:
    """A soft line break between two CJK characters (or full-width punctuation) inside one paragraph."""
    lines = prose_lines(source)
    problems = []
    for a, b in zip(lines, lines[1:]):
        if b.no != a.no + 1 or a.hard_break:
            continue
        same_paragraph = (a.kind in ("text", "item") and b.kind == "text") or (a.kind == b.kind == "quote")
        if not same_paragraph:
            continue
        end, start = visible_end(a.text), visible_start(b.text)
        if end and start and CJK_RE.match(end) and CJK_RE.match(start):
            problems.append(
                f"{rel}:{a.no}: the line ends with “{end}” and line {b.no} starts with “{start}” inside one paragraph: "
                f"Markdown turns the line break into a visible space (“{end} {start}”); join lines {a.no} and {b.no} "
                f"into one (see the {SECTION})")
    return problems


def et_al_problems(rel: str, source: str) -> list[str]:
    problems = []
    for ln in prose_lines(source):
        for m in ET_AL.finditer(ln.text):
            problems.append(f"{rel}:{ln.no}: “{context(ln.text, m.start(), m.end(), 12)}”: Chinese citations write "
                            f"“作者 等（年份）” or “（作者 等，年份）”, e.g. “Vaswani 等（2017）”; replace “{m.group(0)}” with “等”")
    return problems


# --- the glossary --------------------------------------------------------------------------------------


def glossary_fields(path: Path = GLOSSARY) -> list[tuple[str, str, int, list[str], str]]:
    """(entry's English name, field, first line, its source lines, the value) for each `zh` and `def.zh` value."""
    source = path.read_text(encoding="utf-8")
    lines = source.split("\n")
    root = yaml.compose(source)
    fields = []
    for entry in root.value:
        items = {k.value: v for k, v in entry.value}
        en = items["en"].value if "en" in items else "?"
        spans = [("zh", items.get("zh"))]
        if "def" in items:
            spans.append(("def.zh", dict((k.value, v) for k, v in items["def"].value).get("zh")))
        for field, node in spans:
            if node is not None:
                first = node.start_mark.line
                end = max(node.end_mark.line + (1 if node.end_mark.column else 0), first + 1)
                fields.append((en, field, first + 1, lines[first:end], node.value))
    return fields


def glossary_problems(rules: list[Rule], uses: list[str], path: Path = GLOSSARY) -> list[str]:
    rel = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    problems = []
    for en, field, first, src, value in glossary_fields(path):
        text = clean(value)
        where = f"{rel}:{first} (entry {en!r}, {field})"
        for s, e, rule in term_hits(text, rules, uses):
            no = next((first + k for k, l in enumerate(src) if rule.pattern.search(clean(l))), first)
            problems.append(term_message(f"{rel}:{no} (entry {en!r}, {field})", text, s, e, rule))
        for m in ET_AL.finditer(text):
            problems.append(f"{where}: “{m.group(0)}”: write “等” (作者 等（年份）)")
        for m in CJK_SPACE_CJK.finditer(value):
            problems.append(f"{where}: a space between “{m.group(1)}” and “{m.group(2)}” shows on the glossary page "
                            "(a line break inside a YAML value folds into a space): remove it, or keep the text "
                            "on one line")
    return problems


# --- the quizzes ---------------------------------------------------------------------------------------

QUIZZES = sorted((DOCS / "quizzes").glob("*.yml"))


def quiz_zh_fields(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every `zh` text in a quiz file (ask, explain, choices, section)."""
    found = []

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == "zh" and isinstance(v, yaml.ScalarNode):
                    found.append((v.start_mark.line + 1, v.value))
                else:
                    walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                walk(v)

    walk(yaml.compose(path.read_text(encoding="utf-8")))
    return found


def quiz_problems(rules: list[Rule], uses: list[str], path: Path) -> list[str]:
    rel = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    problems = []
    for line, value in quiz_zh_fields(path):
        text = clean(value)
        for s, e, rule in term_hits(text, rules, uses):
            problems.append(term_message(f"{rel}:{line}", text, s, e, rule))
        for m in ET_AL.finditer(text):
            problems.append(f"{rel}:{line}: “{m.group(0)}”: write “等” (作者 等（年份）)")
        for m in CJK_SPACE_CJK.finditer(value):
            problems.append(f"{rel}:{line}: a space between “{m.group(1)}” and “{m.group(2)}” shows on the page: remove it")
    return problems


# --- the tests -------------------------------------------------------------------------------------------

# The Chinese pages, and the labs whose Chinese Markdown cells become the zh notebooks (checked in the lab's
# source, so that a problem is reported at the line an author edits).
LABS = sorted((REPO_ROOT / "snippets").glob("*/lab_*.py"))
ZH_PAGES = sorted(p.relative_to(DOCS / "zh").as_posix() for p in (DOCS / "zh").rglob("*.md")) + [
    lab.relative_to(REPO_ROOT).as_posix() for lab in LABS]


def zh_cells(source: str) -> str:
    """A lab's Chinese Markdown cells as Markdown, each line at its line number in the lab; every other line
    of the lab is left blank."""
    out, in_zh = [], False
    for line in source.split("\n"):
        if line.startswith("# %%"):
            in_zh = line.startswith("# %% [markdown]") and '"zh"' in line
            out.append("")
        elif in_zh and line.startswith("#"):
            out.append(line[2:] if line.startswith("# ") else line[1:])
        else:
            out.append("")
    return "\n".join(out)


def read_page(page: str) -> tuple[str, str]:
    if page.startswith("snippets/"):
        return page, zh_cells((REPO_ROOT / page).read_text(encoding="utf-8"))
    return f"docs/zh/{page}", (DOCS / "zh" / page).read_text(encoding="utf-8")


def test_a_labs_chinese_cells_are_checked_at_their_lines():
    """Breaks if the zh notebooks' text escapes the house-style checks."""
    lab = '# %% [markdown] tags=["en"]\n# Hello\n\n# %% [markdown] tags=["zh"]\n# 你好\n# 世界\n\n# %%\nx = 1  # 中文'
    text = zh_cells(lab)
    assert text.split("\n")[4:6] == ["你好", "世界"] and "Hello" not in text and "x = 1" not in text
    assert line_break_problems("lab.py", text) and ":5:" in line_break_problems("lab.py", text)[0]


@pytest.fixture(scope="module")
def style():
    data = load_style()
    problems = style_problems(data)
    if problems:
        pytest.fail("docs/zh_style.yml is malformed:\n  " + "\n  ".join(problems))
    return data, load_rules(data), use_terms(data)


def report(what: str, problems: list[str]) -> str:
    return f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


def test_style_file_is_well_formed():
    problems = style_problems(load_style())
    assert not problems, report("problem(s) in docs/zh_style.yml", problems)


@pytest.mark.parametrize("page", ZH_PAGES)
def test_page_uses_the_house_terms(style, page):
    rel, source = read_page(page)
    problems = page_term_problems(rel, source, style[1], style[2])
    assert not problems, report("avoided term(s); the rules are in docs/zh_style.yml", problems)


@pytest.mark.parametrize("page", ZH_PAGES)
def test_page_has_no_line_break_between_chinese_characters(page):
    rel, source = read_page(page)
    problems = line_break_problems(rel, source)
    assert not problems, report("line break(s) inside a Chinese paragraph", problems)


@pytest.mark.parametrize("page", ZH_PAGES)
def test_page_cites_with_deng_not_et_al(page):
    rel, source = read_page(page)
    problems = et_al_problems(rel, source)
    assert not problems, report("“et al.” in Chinese prose", problems)


def test_glossary_chinese_follows_the_house_style(style):
    problems = glossary_problems(style[1], style[2])
    assert not problems, report("problem(s) in the zh fields of docs/glossary.yml (fix the `zh` or `def.zh` text; "
                                "a variant readers search for belongs in `aka`)", problems)


@pytest.mark.parametrize("path", QUIZZES, ids=[p.stem for p in QUIZZES])
def test_quiz_chinese_follows_the_house_style(style, path):
    problems = quiz_problems(style[1], style[2], path)
    assert not problems, report("problem(s) in the zh texts of a quiz", problems)


def test_contributing_pages_explain_the_house_style():
    for lang, heading in (("en", "## Chinese house style"), ("zh", "## 中文写作规范")):
        text = (DOCS / lang / "contributing.md").read_text(encoding="utf-8")
        page = f"docs/{lang}/contributing.md"
        assert heading in text, f"{page}: the section “{heading[3:]}” is missing; restore it after “Writing a page”"
        assert "docs/zh_style.yml" in text, f"{page}: the house-style section must point to docs/zh_style.yml"


# --- the checker on made-up text ---------------------------------------------------------------------------

SAMPLE_STYLE = {
    "terms": [{"use": "批量大小", "avoid": ["批大小", "batch 大小"]},
              {"use": "超参数", "avoid": ["超参"]},
              {"use": "梯度累积", "avoid": ["梯度累加"], "allow": ["梯度累加进"]}],
    "mixtures": [{"use": "批次", "avoid": ["batch"]}, {"use": "批量大小", "avoid": ["batch size"]}],
}
BROKEN = "程序在 CPU 上几秒钟就能跑完。\n程序下方是记录下来的输出。\n"


def breaks(body: str) -> list[str]:
    return line_break_problems("t.md", body)


def terms(body: str) -> list[str]:
    return page_term_problems("t.md", body, load_rules(SAMPLE_STYLE), use_terms(SAMPLE_STYLE))


def test_checker_flags_a_line_break_inside_a_paragraph():
    found = breaks("---\nid: x\n---\n\n# 标题\n\n" + BROKEN)
    assert len(found) == 1 and found[0].startswith("t.md:7: the line ends with “。” and line 8 starts with “程”"), found
    assert len(breaks("- 第一项说到一半，\n  接着说完。\n")) == 1, "a list item's continuation line is the same paragraph"
    assert len(breaks("!!! tip \"提示\"\n    第一行说到一半，\n    接着说完。\n")) == 1, "an admonition's text is a paragraph"
    assert len(breaks("参见[术语表](glossary.md)\n**注意**这一点。\n")) == 1, "links and emphasis are looked through"


LEFT_ALONE = {
    "code block": "```text\n" + BROKEN + "```\n",
    "list of items": "- 第一项跑完。\n- 程序第二项。\n",
    "numbered items": "1. 第一项跑完。\n2. 程序第二项。\n",
    "table": "| 列一 | 列二 |\n| --- | --- |\n| 跑完。 | 程序 |\n| 程序 | 跑完。 |\n",
    "heading": "# 跑完。\n程序下方是输出。\n",
    "hard break": "程序在 CPU 上几秒钟就能跑完。  \n程序下方是输出。\n",
    "two paragraphs": "跑完。\n\n程序下方是输出。\n",
    "HTML comment": "<!-- 注释跑完。\n程序 -->\n",
    "display math": "$$\n跑完。\n程序\n$$\n",
    "admonition marker": "!!! tip \"跑完。\"\n    程序下方是输出。\n",
    "indented code": "文字。\n\n    缩进的代码块跑完。\n    程序\n",
    "ends in code": "程序在 CPU 上跑完 `main`\n程序下方是输出。\n",
    "ends in a digit": "长度为 3\n的序列。\n",  # a space between a number and Chinese is wanted
}


@pytest.mark.parametrize("body", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_checker_leaves_other_line_breaks_alone(body):
    assert breaks(body) == [], body


def test_checker_finds_avoided_terms_only_in_prose():
    found = terms("把批大小设为 32，batch大小也不行，超参要写全。\n")
    assert [f.split("“")[1].split("”")[0] for f in found] == ["批大小", "batch大小", "超参"], found
    assert "write “批量大小”" in found[0] and found[0].startswith("t.md:1:"), found[0]
    assert terms("每个 batch 都要清零梯度。\n"), "an English word inside a Chinese sentence is a mixture"
    assert len(terms("3 个 batch size 都试过。\n")) == 1, "the longest variant is reported once"
    for clean_text in ("批量大小（batch size）决定显存。\n", "`批大小` 与 $批大小$ 都不算。\n", "调整超参数。\n",
                       "<!-- 批大小 -->\n", "```python\nbatch 大小 = 4  # 批大小\n```\n", "把梯度累加进 `.grad`。\n",
                       "BatchNorm 与 mini-batch 无关。\n", "见 [链接](https://x.org/批大小)。\n"):
        assert terms(clean_text) == [], clean_text
    assert terms("梯度累加是一种技巧。\n"), "an allow phrase only covers itself"


def test_checker_flags_et_al_and_glossary_folds(tmp_path):
    assert et_al_problems("t.md", "见 [Vaswani et al., 2017](https://arxiv.org/abs/1706.03762)。\n")
    assert et_al_problems("t.md", "见 `et al.` 与\n```\net al.\n```\n") == []
    glossary = tmp_path / "glossary.yml"
    glossary.write_text("- en: batch size\n  zh: 批大小\n  page: x\n  def:\n    en: How many.\n    zh: 一次更新所用的样本数，\n"
                        "      也叫批量。\n", encoding="utf-8")
    found = glossary_problems(load_rules(SAMPLE_STYLE), use_terms(SAMPLE_STYLE), glossary)
    assert any(":2 (entry 'batch size', zh): “批大小”" in f for f in found), found
    assert any("(entry 'batch size', def.zh): a space between “，” and “也”" in f for f in found), found


def test_style_checks_reject_a_malformed_style_file():
    bad = {"terms": [{"use": "批量大小", "avoid": []}, {"use": "正向传播", "avoid": ["前向传播"]},
                     {"use": "前向传播", "avoid": ["正向传播"], "allow": ["无关"]}],
           "mixtures": [{"use": "批次", "avoid": ["批次 batch"]}]}
    problems = "\n".join(style_problems(bad))
    assert "terms entry #1 ('批量大小'): needs `avoid`" in problems, problems
    assert "'前向传播' is both used" in problems and "'正向传播' is both used" in problems, problems
    assert "allow phrase '无关' contains none" in problems, problems
    assert "mixture variant '批次 batch' has Chinese in it" in problems, problems


# --- a report of every violation, without pytest ---------------------------------------------------------


def all_violations() -> dict[str, list[str]]:
    data = load_style()
    rules, uses = load_rules(data), use_terms(data)
    by_file: dict[str, list[str]] = {}
    for page in ZH_PAGES:
        rel, source = read_page(page)
        found = page_term_problems(rel, source, rules, uses) + line_break_problems(rel, source)
        found += et_al_problems(rel, source)
        if found:
            by_file[rel] = sorted(found, key=lambda p: int(p.split(":")[1]))
    found = glossary_problems(rules, uses)
    if found:
        by_file["docs/glossary.yml"] = found
    for path in QUIZZES:
        found = quiz_problems(rules, uses, path)
        if found:
            by_file[path.relative_to(REPO_ROOT).as_posix()] = found
    return by_file


if __name__ == "__main__":
    problems = style_problems(load_style())
    if problems:
        sys.exit("docs/zh_style.yml is malformed:\n  " + "\n  ".join(problems))
    violations = all_violations()
    total = sum(len(v) for v in violations.values())
    print(f"{total} violation(s) of the Chinese house style in {len(violations)} file(s)\n")
    for rel, found in violations.items():
        print(f"== {rel} ({len(found)})")
        print("\n".join(found), end="\n\n")
    sys.exit(1 if total else 0)
