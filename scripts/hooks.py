"""MkDocs hook for both language builds: navigation, page checks, program shortcodes, local assets.

- Navigation comes from docs/roadmap.yml (stage titles in both languages, page order).
- Every page is checked: known front-matter keys, a counterpart in the other language with the same id,
  stage and prerequisites; known prerequisite ids, no duplicate ids, no cycles.
- `<!-- snippet: snippets/<stage>/<name>.py -->` on its own line becomes the program's code, the command
  to run it, a download link, its recorded output and its figures; the build fails if the program does not
  exist or its output is missing or stale.
- Programs, figures and the vendored KaTeX files are served by the site; KaTeX is loaded only on the pages
  that need it. Mermaid diagrams become the SVGs drawn in advance by scripts/diagrams.py (no script on the
  page). A page that would request another host fails the build.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import posixpath
import re
import sys
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url, meta

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import diagrams  # noqa: E402  (scripts/diagrams.py)
import quiz  # noqa: E402  (scripts/quiz.py)
import roadmap  # noqa: E402  (scripts/roadmap.py)
import snippets as runner  # noqa: E402  (scripts/snippets.py)

DOCS = REPO_ROOT / "docs"
GLOSSARY = DOCS / "glossary.yml"
VENDOR = REPO_ROOT / "vendor"
VENDOR_URL = "assets/vendor"
SHORTCODE = re.compile(r"^<!--\s*snippet:\s*(?P<path>\S+)\s*-->\s*$")
MARKER = re.compile(r"^<!--\s*(?P<name>roadmap-map|roadmap-progress|roadmap-stages|glossary|quiz)\s*-->\s*$")
SHORTCODE_LIKE = re.compile(r"^\s*<!--\s*snippets?\b", re.IGNORECASE)  # what an author meant as a shortcode

LABELS = {
    "en": {
        "colon": ": ",
        "sep": ", ",
        "run": "Run it",
        "download": "Download",
        "output": "Output",
        "recorded": "recorded on a CPU with Python {python}, PyTorch {torch}{extras}",
        "figure": "Figure written by",
        "before": "Before this",
        "none_before": "nothing: you can start here.",
        "next": "Next",
        "builds_on": "builds on this page",
        "next_in_stage": "next in this stage",
        "todo": "Mark as done",
        "done": "Done ✓ (click to undo)",
        "total": "{done} of {total} pages done",
        "export": "Export progress",
        "import": "Import progress",
        "reset": "Reset",
        "exported": "Saved llm-roadmap-progress.json. Import it in another browser to continue there.",
        "imported": "Imported {n} pages ({added} new) and {answers} quiz answers from {name}.",
        "unknown": " {unknown} page or question ids that this site does not have were left out (from another version of it?).",
        "full": "This browser's storage is full, so the progress was not saved. Free some space (site data, in the browser's settings) and try again.",
        "bad": "Could not import {name}: {problem}. Nothing was changed.",
        "confirm_reset": "Forget every page marked as done, and every quiz answer, in this browser?",
        "was_reset": "Progress reset.",
        "progress_note": "Progress is kept in this browser only (no account). Export it to move it to another browser or machine.",
        "glossary_page": "taught in",
        "stage_head": ("Stage", "Pages", "Reading time", "Status"),
        "ready": "ready ({n} page{s})",
        "planned": "planned",
        "in_progress": "being written ({n} of {total} pages)",
        "quiz_right": "{right} / {total} quiz answers right",
        "quiz_heading": "Check yourself",
        "quiz_check": "Check",
        "quiz_retry": "Try again",
        "quiz_correct": "Right.",
        "quiz_wrong": "Not quite: the right answer is marked.",
        "quiz_wrong_multiple": "Not quite: the right answers are marked.",
        "quiz_none": "Choose an answer first.",
        "quiz_multiple": "Select every answer that is true.",
        "quiz_predict": "Predict the output",
        "quiz_section": "Taught in",
        "quiz_mark_right": "right answer",
        "quiz_mark_yours": "your answer",
        "quiz_note": "Your answers are kept in this browser, with your reading progress.",
    },
    "zh": {
        "colon": "：",
        "run": "运行",
        "sep": "、",
        "download": "下载",
        "output": "输出",
        "recorded": "记录环境：Python {python}、PyTorch {torch}{extras}、CPU",
        "figure": "图由程序生成：",
        "before": "前置知识",
        "none_before": "无，可以从这里开始。",
        "next": "接下来",
        "builds_on": "以本页为前置知识",
        "next_in_stage": "本阶段的下一页",
        "todo": "标记为已学完",
        "done": "已学完 ✓（点击撤销）",
        "total": "已学完 {done} / {total} 页",
        "export": "导出进度",
        "import": "导入进度",
        "reset": "重置",
        "exported": "已保存 llm-roadmap-progress.json。在另一个浏览器中导入它，即可接着学。",
        "imported": "已从 {name} 导入 {n} 页（新增 {added} 页）和 {answers} 条自测记录。",
        "unknown": "另有 {unknown} 个页面或题目 ID 本站没有，已略过（可能来自其他版本的站点）。",
        "full": "浏览器的存储空间已满，进度没有保存。请在浏览器设置中清理一些网站数据后再试。",
        "bad": "无法导入 {name}：{problem}。进度没有任何改动。",
        "confirm_reset": "确定要清除本浏览器中所有“已学完”的标记和自测记录吗？",
        "was_reset": "进度已重置。",
        "progress_note": "进度只保存在本浏览器中（无需账号）。导出后可以在其他浏览器或电脑上导入。",
        "glossary_page": "讲解页面",
        "stage_head": ("阶段", "页面", "阅读时间", "状态"),
        "ready": "已完成（{n} 页）",
        "planned": "计划中",
        "in_progress": "编写中（已完成 {n} / {total} 页）",
        "quiz_right": "自测答对 {right} / {total} 题",
        "quiz_heading": "自测",
        "quiz_check": "提交",
        "quiz_retry": "重新作答",
        "quiz_correct": "回答正确。",
        "quiz_wrong": "不对，正确答案已标出。",
        "quiz_wrong_multiple": "不对，正确答案都已标出。",
        "quiz_none": "请先选择答案。",
        "quiz_multiple": "多选：选出所有正确的说法。",
        "quiz_predict": "预测输出",
        "quiz_section": "对应章节",
        "quiz_mark_right": "正确答案",
        "quiz_mark_yours": "你的选择",
        "quiz_note": "你的作答记录和学习进度一起保存在本浏览器中。",
    },
}


def fail(message: str) -> None:
    raise PluginError(message)


# --------------------------------------------------------------------------------------------------
# Events

_site: dict = {}


def language_of(config) -> str:
    lang = config.theme.get("language", "en")
    return "zh" if lang.startswith("zh") else "en"


def on_config(config):
    lang = language_of(config)
    try:
        site = roadmap.load(DOCS)
    except roadmap.RoadmapError as exc:
        fail("page checks failed:\n  " + str(exc).replace("\n", "\n  "))
    _site.clear()
    try:
        quizzes = quiz.load_all({pid: n.uri for pid, n in site.nodes.items()})
    except quiz.QuizError as exc:
        fail(f"quiz checks failed: {exc}")
    _site.update(lang=lang, site=site, env=runner.environment(), programs={}, glossary=load_glossary(site), indexed={},
                 mermaid=diagrams.mermaid_version(REPO_ROOT), quizzes=quizzes)
    nav = []
    for sec in site.sections:
        uris = [roadmap.entry_uri(e) for e in sec["pages"]]
        if sec.get("flat"):
            nav.extend(uris)
        elif uris:
            nav.append({sec["title"][lang]: uris})
    config.nav = nav
    return config


def load_glossary(site: roadmap.Site) -> list[dict]:
    if not GLOSSARY.exists():
        return []
    try:
        entries = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        fail(f"docs/glossary.yml{line} is not valid YAML: {getattr(exc, 'problem', None) or exc}. "
             "Each entry is '- en: ...' followed by indented zh, page and def: {en, zh} (see docs/en/contributing.md)")
    if not isinstance(entries, list):
        fail("docs/glossary.yml must be a list of entries ('- en: ...'), see docs/en/contributing.md")
    problems = []
    for i, e in enumerate(entries, start=1):
        if not isinstance(e, dict):
            problems.append(f"docs/glossary.yml entry #{i}: expected en, zh, page and def: {{en: ..., zh: ...}}, got {e!r}")
            continue
        where = f"docs/glossary.yml entry #{i} ({e.get('en', '?')!r})"
        if not {"en", "zh", "page", "def"} <= set(e) or not isinstance(e["def"], dict) or set(e["def"]) != {"en", "zh"}:
            problems.append(f"{where}: needs en, zh, page and def: {{en: ..., zh: ...}}")
        elif e["page"] not in site.nodes:
            problems.append(f"{where}: page {e['page']!r} is not the id of any topic page ({sorted(site.nodes)})")
    if problems:
        fail("glossary checks failed:\n  " + "\n  ".join(problems))
    return entries


@event_priority(100)  # before other plugins, so that they see the added files
def on_files(files: Files, config) -> Files:
    programs = {p.rel: p for p in runner.discover(REPO_ROOT)}
    _site["programs"] = programs
    use_dir = config.use_directory_urls
    for program in programs.values():
        files.append(File(program.rel, str(REPO_ROOT), config.site_dir, use_dir))
        if program.out_dir.is_dir():
            for fig in sorted(program.out_dir.iterdir()):
                if fig.suffix in runner.FIGURE_SUFFIXES:
                    files.append(File(fig.relative_to(REPO_ROOT).as_posix(), str(REPO_ROOT), config.site_dir, use_dir))
        if program.is_lab and files.get_file_from_path(program.notebook) is not None:
            ensure_fresh(program, f"the notebook page {program.notebook}")
    if not VENDOR.is_dir():
        fail("vendor/ is missing (KaTeX served by the site, Mermaid used to draw diagrams); run scripts/vendor.sh")
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file() and path.suffix in (".js", ".css", ".woff2") and "mermaid" not in path.parts:
            rel = path.relative_to(VENDOR).as_posix()
            f = File(f"{VENDOR_URL}/{rel}", str(REPO_ROOT), config.site_dir, use_dir)
            f.abs_src_path = str(path)
            files.append(f)
    return files


# --------------------------------------------------------------------------------------------------
# The roadmap on the pages: boxes before and after each topic page, the map, the progress panel


def url_from(page, uri: str) -> str:
    """The link from `page` to the page whose source is `uri` (raw HTML is not rewritten by MkDocs)."""
    target = _site["files"].get_file_from_path(uri)
    return get_relative_url(target.url, page.url)


def page_link(page, node: roadmap.Node, lang: str) -> str:
    return (
        f'<a href="{html.escape(url_from(page, node.uri))}" data-page-id="{node.id}">{html.escape(node.title[lang])}'
        f'<span class="roadmap-check" aria-hidden="true"> ✓</span></a>'
    )


def before_box(page, node: roadmap.Node, lang: str) -> str:
    site, labels = _site["site"], LABELS[lang]
    meta_line = " · ".join(
        [site.stage_title(node.stage, lang), roadmap.LEVEL_LABELS[lang][node.level], node.time[lang]]
    )
    pres = [site.nodes[p] for p in node.prerequisites]
    links = "、".join if lang == "zh" else ", ".join
    body = links(page_link(page, p, lang) for p in pres) if pres else html.escape(labels["none_before"])
    return (
        f'<div class="roadmap-before roadmap-links" data-page-id-self="{node.id}">'
        f'<p class="roadmap-before__meta">{html.escape(meta_line)}</p>'
        f'<p><strong>{labels["before"]}{labels["colon"].strip()}</strong> {body}</p></div>'
    )


def next_box(page, node: roadmap.Node, lang: str) -> str:
    site, labels = _site["site"], LABELS[lang]
    items = []
    for nxt in site.next_of(node.id):
        why = labels["builds_on"] if node.id in nxt.prerequisites else labels["next_in_stage"]
        why = f"（{why}）" if lang == "zh" else f"({why})"
        items.append(f"<li>{page_link(page, nxt, lang)} <small>{html.escape(why)}</small></li>")
    listing = f"<ul>{''.join(items)}</ul>" if items else ""
    return (
        f'<section class="roadmap-next roadmap-links"><h2 id="roadmap-next">{labels["next"]}</h2>{listing}'
        f'<button type="button" class="md-button roadmap-toggle" data-progress-toggle data-page-id="{node.id}" '
        f'aria-pressed="false" data-label-todo="{html.escape(labels["todo"])}" data-label-done="{html.escape(labels["done"])}" '
        f'data-msg-full="{html.escape(labels["full"])}">{html.escape(labels["todo"])}</button>'
        f'<p class="roadmap-progress__message" data-progress-toggle-message role="status" aria-live="polite"></p></section>'
    )


def stages_block(page, lang: str) -> str:
    """The table of stages, made from docs/roadmap.yml and the pages that exist: nothing in it can go stale. A
    stage with pages links each of them and adds up their reading times; one without is planned."""
    site, labels = _site["site"], LABELS[lang]
    rows = []
    for sec in site.stage_sections():
        nodes = [n for n in site.nodes.values() if n.stage == sec["id"]]
        title = html.escape(sec["title"][lang])
        planned = sec.get("planned") or []
        if nodes:
            links = labels["sep"].join([page_link(page, n, lang) for n in nodes] +
                                       [f'<span class="roadmap-planned">{html.escape(t[lang])}</span>' for t in planned])
            total = roadmap.duration(sum(roadmap.minutes(n.time[lang]) for n in nodes), lang)
            if planned:  # some pages written, some still to come
                status = html.escape(labels["in_progress"].format(n=len(nodes), total=len(nodes) + len(planned)))
                css = "is-in-progress"
            else:
                status = html.escape(labels["ready"].format(n=len(nodes), s="" if len(nodes) == 1 else "s"))
                css = "is-ready"
            rows.append(f'<tr data-stage="{sec["id"]}" class="{css}"><td><strong>{title}</strong></td><td>{links}</td>'
                        f'<td>{total}</td><td><strong>{status}</strong></td></tr>')
        else:
            rows.append(f'<tr data-stage="{sec["id"]}" class="is-planned"><td>{title}</td>'
                        f'<td>{html.escape(sec["summary"][lang])}</td><td>–</td><td>{labels["planned"]}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in labels["stage_head"])
    # Material styles only tables without a class: the class goes on a wrapper
    return (f'<div class="roadmap-stages roadmap-links"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def map_block(page, lang: str) -> str:
    svg = roadmap.map_svg(_site["site"], lang, lambda uri: url_from(page, uri))
    return f'<div class="roadmap-map">{svg}</div>'


def progress_block(lang: str) -> str:
    site, labels = _site["site"], LABELS[lang]
    rows = []
    for stage, nodes in site.stages():
        ids = " ".join(n.id for n in nodes)
        questions = [q.id for n in nodes for q in _site["quizzes"].get(n.id, [])]
        quiz_part = (f'<span class="roadmap-progress__quiz" data-stage-quiz="{" ".join(questions)}">'
                     f'{html.escape(labels["quiz_right"].format(right=0, total=len(questions)))}</span>' if questions else "")
        rows.append(
            f'<li data-stage-progress data-stage-pages="{ids}"><span class="roadmap-progress__name">'
            f'{html.escape(site.stage_title(stage, lang))}</span><span class="roadmap-progress__bar">'
            f'<span class="roadmap-progress__fill"></span></span><span class="roadmap-progress__count">0 / {len(nodes)}</span>'
            f'{quiz_part}</li>'
        )
    data = {
        "label-quiz": labels["quiz_right"],
        "label-total": labels["total"], "msg-exported": labels["exported"], "msg-imported": labels["imported"],
        "msg-unknown": labels["unknown"], "msg-full": labels["full"], "msg-bad": labels["bad"],
        "msg-confirm-reset": labels["confirm_reset"], "msg-reset": labels["was_reset"],
    }
    attrs = " ".join(f'data-{k}="{html.escape(v)}"' for k, v in data.items())
    return (
        f'<div class="roadmap-progress" data-progress-summary {attrs}>'
        f'<p class="roadmap-progress__total"><span data-progress-count>{html.escape(labels["total"].format(done=0, total=len(site.nodes)))}</span>'
        f'<span class="roadmap-progress__bar"><span class="roadmap-progress__fill"></span></span></p>'
        f'<ul class="roadmap-progress__stages">{"".join(rows)}</ul>'
        f'<p class="roadmap-progress__actions">'
        f'<button type="button" class="md-button" data-progress-export>{labels["export"]}</button>'
        f'<label class="md-button">{labels["import"]}<input type="file" accept="application/json,.json" data-progress-import hidden></label>'
        f'<button type="button" class="md-button" data-progress-reset>{labels["reset"]}</button></p>'
        f'<p class="roadmap-progress__message" data-progress-message role="status" aria-live="polite"></p>'
        f'<p class="roadmap-progress__note">{html.escape(labels["progress_note"])}</p></div>'
    )


def inline_code(text: str) -> str:
    """Escape a glossary text, keeping `code` spans as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def glossary_block(page, lang: str) -> str:
    site, labels = _site["site"], LABELS[lang]
    rows = []
    for e in _site["glossary"]:
        node = site.nodes[e["page"]]
        other = "zh" if lang == "en" else "en"
        aka = f' <small>({html.escape(", ".join(e.get("aka", [])))})</small>' if e.get("aka") else ""
        anchor = re.sub(r"[^a-z0-9]+", "-", e["en"].lower()).strip("-")
        rows.append(
            f'<dt id="term-{anchor}"><strong>{html.escape(e[lang])}</strong> · {html.escape(e[other])}{aka}</dt>'
            f'<dd>{inline_code(e["def"][lang])} <small>{labels["glossary_page"]}{labels["colon"]}'
            f'<a href="{html.escape(url_from(page, node.uri))}">{html.escape(node.title[lang])}</a></small></dd>'
        )
    return f'<dl class="glossary">{"".join(rows)}</dl>'


# --------------------------------------------------------------------------------------------------
# Quizzes: docs/quizzes/<page-id>.yml (scripts/quiz.py) rendered where a page has <!-- quiz -->


def choice_key(text: str) -> str:
    """A choice's key, stored with a reader's answer: the same in both languages (made from the English text),
    and changed when the choice's text changes, so that an answer to an old choice is not taken for a new one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def quiz_block(page, lang: str, markdown: str, where: str) -> str:
    node = _site["site"].by_uri(page.file.src_uri)
    questions = _site["quizzes"].get(node.id) if node is not None else None
    if not questions:
        fail(f"{where}: <!-- quiz --> but docs/quizzes/{node.id if node else '<page-id>'}.yml does not exist: write the "
             "page's questions there (see docs/en/contributing.md, 'Quizzes'), or remove the line")
    labels, titles = LABELS[lang], quiz.headings(markdown)
    data = {"full": labels["full"],
            **{k: labels[f"quiz_{k}"] for k in ("correct", "wrong", "wrong_multiple", "none", "mark_right", "mark_yours")}}
    attrs = " ".join(f'data-msg-{k.replace("_", "-")}="{html.escape(v)}"' for k, v in data.items())
    parts = [f'<div class="quiz" data-search-exclude {attrs} markdown>', ""]
    for number, q in enumerate(questions, start=1):
        if q.program:
            ensure_fresh(_site["programs"][q.program], f"{where} (quiz question {q.id})")
        heading = quiz.section_heading(q.section, titles, lang)
        if heading is None:
            fail(f"{where}: quiz question {q.id} (docs/quizzes/{node.id}.yml) names section {q.section!r}, which is not one "
                 f"heading of this page. Fix `section:` (a number N for the heading 'N. ...', or the heading text in each "
                 f"language). Headings: {'; '.join(titles)}")
        right = " ".join(choice_key(c.text["en"]) for c in q.choices if c.correct)
        kind = "checkbox" if q.kind == "multiple" else "radio"
        hint = {"multiple": labels["quiz_multiple"], "predict": labels["quiz_predict"]}.get(q.kind)
        hint_html = f' <span class="quiz-hint">{html.escape(hint)}</span>' if hint else ""
        parts += [
            f'<fieldset class="quiz-question" data-quiz-id="{q.id}" data-quiz-kind="{q.kind}" data-quiz-answer="{right}" markdown>',
            f'<legend markdown="span"><span class="quiz-number">{number}.</span> {q.ask[lang]}{hint_html}</legend>',
            '<div class="quiz-choices" markdown>',
        ]
        for c in q.choices:
            key = choice_key(c.text["en"])
            text = f"`{c.text[lang]}`" if q.kind == "predict" else c.text[lang]
            parts.append(f'<label class="quiz-choice" data-choice="{key}"><input type="{kind}" '
                         f'name="quiz-{q.id}" value="{key}"> <span class="quiz-choice__text">{text}</span></label>')
        parts += [
            "</div>",
            f'<p class="quiz-actions"><button type="button" class="md-button quiz-check" data-quiz-check>{labels["quiz_check"]}</button>'
            f'<button type="button" class="md-button quiz-retry" data-quiz-retry hidden>{labels["quiz_retry"]}</button></p>',
            '<div class="quiz-feedback" role="status" aria-live="polite" markdown>',
            '<p class="quiz-verdict"></p>',
            f'<div class="quiz-explain" hidden markdown>',
            "",
            q.explain[lang],
            "",
            f'<p class="quiz-section" markdown="span">{labels["quiz_section"]}{labels["colon"]}'
            f'<a href="#" data-quiz-section="{heading.encode().hex()}">{heading}</a></p>',  # hex: no math parsed in it
            "",
            "</div>",
            "</div>",
            "</fieldset>",
            "",
        ]
    parts += [f'<p class="quiz-note">{html.escape(labels["quiz_note"])}</p>', "</div>", ""]
    return "\n".join(parts)


def toc_anchor(toc, title: str) -> str | None:
    """The anchor of the heading whose Markdown source is `title` (its numbered prefix, or the whole text)."""
    number = re.match(r"^(\d+\.)\s", title)
    for item in toc:
        text = html.unescape(re.sub(r"<[^>]+>", "", item.title)).strip()
        if (number and text.startswith(number.group(1) + " ")) or text == title:
            return item.id
        found = toc_anchor(item.children, title)
        if found:
            return found
    return None


QUIZ_SECTION = re.compile(r'<a href="#" data-quiz-section="([0-9a-f]*)"')
HTML_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def html_headings(content: str) -> list[tuple[str, str]]:
    """(anchor, text) of each h2 and h3 of rendered HTML, without markup or permalink signs: a notebook's
    headings, which have no Markdown source and may have no table of contents."""
    return [(m.group(2), html.unescape(re.sub(r"<[^>]+>", "", m.group(3))).replace("¶", "").strip())
            for m in HTML_HEADING.finditer(content)]


def notebook_quiz(content: str, page, config, lang: str, where: str) -> str:
    """A notebook (a lab) has no Markdown for <!-- quiz -->: its quiz, when it has one, goes at the end of the
    page under its own heading, rendered with the site's Markdown extensions like any other."""
    import markdown as md

    titles = "\n".join(f"## {text}" for _, text in html_headings(content))
    source = quiz_block(page, lang, titles, where)
    body = md.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs).convert(source)
    return f'<h2 id="check-yourself">{html.escape(LABELS[lang]["quiz_heading"])}</h2>{body}'


def link_quiz_sections(content: str, page, where: str) -> str:
    def link(m: re.Match) -> str:
        heading = bytes.fromhex(m.group(1)).decode()
        anchor = toc_anchor(page.toc, heading) or next((a for a, t in html_headings(content) if t == heading), None)
        if anchor is None:
            fail(f"{where}: a quiz question links the section {heading!r}, which has no anchor in the page's table of "
                 "contents; fix its `section:` in docs/quizzes/")
        return f'<a href="#{anchor}"'
    return QUIZ_SECTION.sub(link, content)


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
    # The optional libraries this program imports, so a reader knows what else to install to match.
    extras = "".join(f"{labels['sep']}{dist} {env[dist]}" for dist in runner.OPTIONAL_PACKAGES.values() if dist in env)
    name = Path(rel).name
    parts = [
        f'<div class="snippet" data-snippet="{html.escape(rel)}" markdown>',
        "",
        # The listing stays out of the search index (the prose names the APIs it uses); it was 40% of it.
        '<div class="snippet-code" data-search-exclude markdown>',
        "",
        f'```python title="{rel}"',
        f'--8<-- "{rel}"',
        "```",
        "",
        "</div>",
        "",
        f'<p class="snippet-run" markdown>**{labels["run"]}{labels["colon"].strip()}** `python {rel}` · '
        f'[:material-download: {labels["download"]} {name}]({link}){{ download="{name}" }}</p>',
        "",
        '<div class="snippet-output" data-search-exclude markdown>',  # numbers, not words: kept out of the search index
        "",
        f'<p class="snippet-output-label">{labels["output"]} '
        f'<span>{labels["recorded"].format(python=env["python"], torch=env["torch"].split("+")[0], extras=extras)}</span></p>',
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
        parts += ['<figure class="snippet-figure" markdown>', "", f"![{fig}]({fig_link})", "",
                  f"<figcaption>{labels['figure']} <code>{name}</code></figcaption>", "</figure>", ""]
    parts += ["</div>", "<!-- /snippet -->", ""]
    return "\n".join(parts)


def front_matter_lines(page) -> int:
    """How many lines of the page's source precede `markdown` (the front matter MkDocs took off), so that a
    message can give the line number an author sees in the file."""
    source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    m = meta.YAML_RE.match(source)
    if not m:
        return 0
    rest = source[m.end() :]  # MkDocs also drops the blank lines after the front matter
    return source[: m.end()].count("\n") + len(rest) - len(rest.lstrip("\n"))


def on_page_markdown(markdown: str, page, config, files) -> str:
    lang = _site["lang"]
    _site["files"] = files  # the final collection: plugins (mkdocs-jupyter) replace files after on_files
    lines = markdown.split("\n")
    out: list[str] = []
    offset = front_matter_lines(page)
    for number, (line, in_code) in enumerate(roadmap.fenced(lines), start=1 + offset):
        if not in_code:
            m = SHORTCODE.match(line)
            if m:
                out.append(render_snippet(m.group("path"), page, lang))
                continue
            m = MARKER.match(line)
            if m:
                block = {
                    "roadmap-map": lambda: map_block(page, lang),
                    "roadmap-progress": lambda: progress_block(lang),
                    "roadmap-stages": lambda: stages_block(page, lang),
                    "glossary": lambda: glossary_block(page, lang),
                    "quiz": lambda: quiz_block(page, lang, markdown, f"docs/{lang}/{page.file.src_uri}:{number}"),
                }[m.group("name")]()
                out += ["", block, ""]
                continue
            if SHORTCODE_LIKE.match(line):
                fail(
                    f"docs/{lang}/{page.file.src_uri}:{number}: malformed snippet shortcode {line.strip()!r}; "
                    "write it alone on its line as <!-- snippet: snippets/<stage>/<name>.py -->"
                )
        out.append(line)
    node = _site["site"].by_uri(page.file.src_uri)
    if node is not None:  # tags for Material's tags plugin (which reads them later): stage and level
        page.meta["tags"] = [_site["site"].stage_title(node.stage, lang), roadmap.LEVEL_LABELS[lang][node.level]]
    return "\n".join(out)


MERMAID_BLOCK = re.compile(r'<pre class="mermaid"><code>(.*?)</code></pre>', re.S)
DIAGRAM_WIDTH = re.compile(r'style="max-width: ([\d.]+)px;"')


def inline_diagrams(content: str, where: str) -> str:
    """Each Mermaid block becomes the SVG drawn for it by scripts/diagrams.py: a picture, no script."""
    def drawn(m: re.Match) -> str:
        source = html.unescape(m.group(1))
        path = diagrams.svg_path(REPO_ROOT, source, _site["mermaid"], _site["lang"])
        if not path.exists():
            first = source.strip().splitlines()[0] if source.strip() else ""
            fail(
                f"{where}: the diagram starting {first!r} has not been drawn (or was changed since): run `make snippets` "
                f"(or: python scripts/diagrams.py) and commit {diagrams.STORE}/"
            )
        svg = path.read_text(encoding="utf-8").strip()
        # Mermaid makes the picture shrink to any width; a wide diagram then has unreadable 5-pixel text. Let it
        # shrink to 70% of its drawn size at most (text about 11 px) and scroll sideways beyond that.
        svg = DIAGRAM_WIDTH.sub(lambda w: f'style="max-width: {w[1]}px; min-width: {0.7 * float(w[1]):.0f}px;"', svg, 1)
        return f'<figure class="diagram" data-search-exclude>{svg}</figure>'

    return MERMAID_BLOCK.sub(drawn, content)


def on_page_content(content: str, page, config, files) -> str:
    """Diagrams drawn in advance; topic pages: "Before this" under the title, "Next" and the mark-as-done
    button at the end."""
    _site["files"] = files  # notebooks skip on_page_markdown, so set the final files here too
    where = f"docs/{_site['lang']}/{page.file.src_uri}"
    content = inline_diagrams(content, where)
    node = _site["site"].by_uri(page.file.src_uri)
    lang = _site["lang"]
    if node is not None and page.file.src_uri.endswith(".ipynb") and node.id in _site["quizzes"]:
        content += notebook_quiz(content, page, config, lang, f"{where} (quiz at the end of the notebook)")
    content = link_quiz_sections(content, page, where)
    if node is None:
        return content
    before = before_box(page, node, lang)
    head, sep, rest = content.partition("</h1>")
    content = head + sep + before + rest if sep else before + content
    return content + next_box(page, node, lang)


def _lab_links(context, page, config, nav):
    """Lab pages get links to their notebook (copied beside the page by mkdocs-jupyter) and source."""
    if page.file.src_uri.endswith(".ipynb"):
        for program in _site["programs"].values():
            if program.notebook == page.file.src_uri:
                page.meta["lab_notebook"] = posixpath.basename(page.file.src_uri)
                page.meta["lab_source"] = get_relative_url(program.rel, page.url)
    return context


SEARCH_EXCLUDED = re.compile(r"<(div|figure)\b[^>]*\bdata-search-exclude\b[^>]*>")
# What Material's search plugin does to a page after indexing it (material/plugins/search/plugin.py).
SEARCH_ATTRIBUTES = re.compile(r'\s?data-search-\w+="[^"]+"')


def without_search_excluded(content: str) -> str:
    """The page without its blocks marked data-search-exclude (listings, outputs, diagrams), which the search
    plugin would parse tag by tag only to skip: they are most of a page's HTML and 30% of a build."""
    parts, pos = [], 0
    while m := SEARCH_EXCLUDED.search(content, pos):
        tags, depth, end = re.compile(rf"<(/?){m.group(1)}\b[^>]*>"), 1, m.end()
        while depth:
            t = tags.search(content, end)
            if t is None:
                return content  # unbalanced: leave it all to the search plugin
            depth, end = depth + (-1 if t.group(1) else 1), t.end()
        parts.append(content[pos : m.start()])
        pos = end
    return "".join(parts) + content[pos:]


@event_priority(100)  # before Material's search plugin indexes the page
def _hide_excluded_from_search(context, page, config, nav):
    short = without_search_excluded(page.content or "")
    if short != page.content:
        _site["indexed"][page.file.src_uri] = (page.content, short)
        page.content = short
    return context


@event_priority(-100)  # after it: the page itself keeps everything
def _restore_after_search(context, page, config, nav):
    if page.file.src_uri in _site["indexed"]:
        full, short = _site["indexed"].pop(page.file.src_uri)
        if page.content != SEARCH_ATTRIBUTES.sub("", short):
            fail(f"docs/{_site['lang']}/{page.file.src_uri}: a plugin changed the page while it was hidden from the "
                 "search index in a way scripts/hooks.py does not expect; update _restore_after_search")
        page.content = SEARCH_ATTRIBUTES.sub("", full)
    return context


on_page_context = CombinedEvent(_hide_excluded_from_search, _lab_links, _restore_after_search)


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


# Material's search worker splits a Chinese query into the longest pieces found in the index, but never
# considers the whole query, so 层归一化 became 层* 归* 一* and ranked pages by the character 一. Letting the
# scan reach the end of the query keeps a term that the index holds whole (jieba + docs/jieba_user.txt).
# The second correction: the worker's last step turns the query's words into lunr terms, each a prefix; it
# now goes through llmQueryTerms (scripts/search_query.js), which leaves out words that carry no topic.
SEARCH_PATCHES = {
    "the Chinese query splitting": (
        "for(let o=s+1;o<t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
        "for(let o=s+1;o<=t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
    ),
    "the start of the query's terms": (
        r'''{return t.trim().split(/"([^"]+)"/g)''',
        r'''{return llmQueryTerms(t.trim().split(/"([^"]+)"/g)''',
    ),
    "the end of the query's terms": (
        r'''.map(r=>/(^[+-]|[~^]\d+$)/.test(r)?r:`${r}*`).join(" ")}''',
        r'''.map(r=>/(^[+-]|[~^]\d+$)/.test(r)?r:`${r}*`))}''',
    ),
    "the terms to highlight": (  # the glossary keys (§...§) are for ranking, not words to mark on the page
        "n.term=n.term.slice(0,-1));return e.clauses}",
        'n.term=n.term.slice(0,-1));return e.clauses.filter(c=>!c.term.startsWith("\u00a7"))}',
    ),
}
SEARCH_QUERY_JS = Path(__file__).with_name("search_query.js")


def patch_search_worker(text: str, name: str) -> str:
    """The worker with both corrections; the build fails, naming the one, if Material's code changed."""
    for what, (old, new) in SEARCH_PATCHES.items():
        if text.count(old) != 1:
            fail(f"{name}: {what} that scripts/hooks.py corrects has changed in this mkdocs-material version; "
                 "check whether the correction is still needed and update SEARCH_PATCHES")
        text = text.replace(old, new)
    return SEARCH_QUERY_JS.read_text(encoding="utf-8") + text


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
TERM_WORD = re.compile(r"[a-z0-9_]+|[\u3400-\u4dbf\u4e00-\u9fff]+")


def singular(word: str) -> str:
    """As llmSingular: "connections" -> "connection", "queries" -> "query", but "class" and "bus" stay."""
    return re.sub(r"^([a-z0-9_]{2,}[^su])s$", r"\1", re.sub(r"^([a-z0-9_]{2,})ies$", r"\1y", word))


def term_key(term: str) -> str:
    """A term as one search token, written as llmTermKey (scripts/search_query.js) writes the words of a query:
    lower case, singular, words joined by "_", Chinese joined directly, between § marks that no text contains."""
    words = [singular(w) for w in TERM_WORD.findall(term.lower())]
    key = "".join(("_" if i and not (HAN.fullmatch(words[i - 1]) and HAN.fullmatch(w)) else "") + w
                  for i, w in enumerate(words))
    return f"\u00a7{key}\u00a7"


# Material weighs a tag a thousand times a title. A page's tags are now the terms it teaches, matched only when
# a query names a whole term, each worth a third of a title match: one broad term ("Transformer", taught by the
# block page) no longer outweighs a title that matches every word of the query ("Lab: build and train a tiny
# Transformer"). Measured on tests/data/search_queries.yml: 300 puts the answer first for 37 of 40 English and
# 38 of 39 Chinese queries; 1000 for 35 and 37; Material's 1,000,000 for fewer still.
TAG_BOOST = 300.0


def tag_teaching_pages(docs: list[dict]) -> list[dict]:
    """The search index with each page tagged by the glossary terms it teaches (every name: en, zh, aka), each
    term one token that only a query naming the whole term matches, and with no other tags. Material weighs
    tags a thousand times a title, so the page that teaches a term comes first. Its own tags were the stage and
    the level, on every section: "learning rate" then ranked every Stage 3 page ("Machine learning core") above
    the page that teaches it."""
    taught: dict[str, list[str]] = {}
    for entry in _site["glossary"]:
        node = _site["site"].nodes[entry["page"]]
        location = _site["files"].get_file_from_path(node.uri).url
        taught.setdefault(location, []).extend(
            term_key(str(name)) for name in [entry["en"], entry["zh"], *(entry.get("aka") or [])])
    for doc in docs:
        doc.pop("tags", None)
        if doc["location"] in taught:
            doc["tags"] = list(dict.fromkeys(taught[doc["location"]]))
    return docs


def without_notebook_duplicates(docs: list[dict]) -> list[dict]:
    """The search index with a notebook page's own entry emptied of text. Material indexes a Markdown page's
    text before its first heading there, but a notebook's whole text, code and outputs included, while its
    sections are indexed again each on its own: a lab outranked the page that answers "how should I start",
    having the word six times over."""
    notebooks = {f.url for f in _site["files"] if f.src_uri.endswith(".ipynb")}
    for doc in docs:
        if doc["location"] in notebooks:
            doc["text"] = ""
    return docs


def on_post_build(config) -> None:
    workers = sorted(Path(config.site_dir, "assets", "javascripts", "workers").glob("search.*.min.js"))
    if not workers:
        fail("the search worker of mkdocs-material was not found in the built site; is the search plugin on?")
    for worker in workers:
        worker.write_text(patch_search_worker(worker.read_text(encoding="utf-8"), worker.name), encoding="utf-8")
    # Material writes the index with every non-ASCII character escaped: each Chinese character takes 6 bytes
    # (\u5b66) instead of 3, and so does each \u200b word break. The same JSON in UTF-8 is 40% smaller.
    index = Path(config.site_dir, "search", "search_index.json")
    if not index.exists():
        fail("search/search_index.json was not written; the hook must run after Material's search plugin")
    data = json.loads(index.read_text(encoding="utf-8"))
    data["docs"] = tag_teaching_pages(without_notebook_duplicates(data["docs"]))
    data["config"]["fields"]["tags"]["boost"] = TAG_BOOST
    tmp = index.with_name(".search_index.json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, index)


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
    if 'class="mermaid"' in output:  # every block should have become an SVG in on_page_content
        fail(f"{where}: a Mermaid diagram was left undrawn (a block the hook did not recognise); check its fence")
    if head:
        output = output.replace("</head>", "\n".join(head) + "\n</head>", 1)
    stuck = re.search(r'<div class="snippet" data-snippet="([^"]+)"[^>]*\bmarkdown\b', output)
    if stuck:
        fail(
            f"{where}: the program {stuck.group(1)} was not rendered: a bare '<' earlier on the page (often in math, "
            "such as x_{<t}) was read as an HTML tag. Write \\lt in math, or &lt; in text."
        )
    m = external_request(output)
    if m:
        start = max(0, m.start() - 80)
        fail(f"{where}: the page would load something from another host: ...{output[start:m.end() + 80]}...")
    return output
