"""Both builds pass --strict, the two languages match page for page, and bad input fails the build loudly.

What breaks these tests: a page without its translation, a page whose two languages use different
programs, a program no page uses, a rendered program without its DOM contract (class `snippet`,
`data-snippet`, a link to the .py, an output block), an output on the page that is not the recorded
one, and a build that passes with a missing program, a stale output or a bad front-matter key.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import roadmap
import yaml
from conftest import REPO_ROOT, build_copy, copy_repo, make, runner

DOCS = REPO_ROOT / "docs"
SHORTCODE = re.compile(r"^<!--\s*snippet:\s*(\S+)\s*-->\s*$", re.MULTILINE)


def pages(lang: str) -> set[str]:
    return set(roadmap.page_files(DOCS, lang))


def shortcodes(path: Path) -> list[str]:
    text = re.sub(r"^(```|~~~).*?^\1", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return SHORTCODE.findall(text)


def test_both_languages_have_the_same_pages():
    assert pages("en") == pages("zh")


@pytest.mark.parametrize("page", sorted(p for p in pages("en") if p.endswith(".md")))
def test_both_languages_use_the_same_programs(page):
    assert shortcodes(DOCS / "en" / page) == shortcodes(DOCS / "zh" / page), f"{page}: the programs differ between languages"


def test_every_program_is_used_by_a_page():
    used = {rel for page in pages("en") if page.endswith(".md") for rel in shortcodes(DOCS / "en" / page)}
    listed = {roadmap.entry_uri(e) for sec in roadmap.load_sections(DOCS) for e in sec["pages"]}
    for program in runner.discover(REPO_ROOT):
        if program.is_lab:
            assert program.notebook in listed, f"{program.rel}: its notebook page is not in docs/roadmap.yml"
        else:
            assert program.rel in used, f"{program.rel} is used by no page: add its shortcode to a page or delete it"


def rendered_snippets(site: Path) -> list[tuple[Path, str, str]]:
    found = []
    for page in sorted(site.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<div class="snippet" data-snippet="([^"]+)">(.*?)<!-- /snippet -->', text, re.DOTALL):
            found.append((page, m.group(1), m.group(2)))
    return found


def test_rendered_programs_keep_the_dom_contract(built_site):
    for lang in ("en", "zh"):
        found = rendered_snippets(built_site / lang)
        used = {rel for page in pages(lang) if page.endswith(".md") for rel in shortcodes(DOCS / lang / page)}
        assert {rel for _, rel, _ in found} == used, f"{lang}: not every shortcode became a rendered program"
        for page, rel, body in found:
            name = Path(rel).name
            links = [a for a in re.findall(r"<a [^>]*>", body) if re.search(rf'href="[^"]*{re.escape(rel)}"', a) and "download" in a]
            assert links, f"{page}: no download link to {rel}"
            assert 'class="snippet-output"' in body, f"{page}: {rel} has no output block"
            served = built_site / lang / rel
            assert served.read_bytes() == (REPO_ROOT / rel).read_bytes(), f"the site does not serve {rel} as it is"
            output = runner.find(REPO_ROOT, rel).out_dir / runner.OUTPUT_FILE
            shown = html.unescape(re.sub(r"<[^>]+>", "", body.split('class="snippet-output"', 1)[1]))
            for line in output.read_text(encoding="utf-8").splitlines():
                assert line.strip() in shown, f"{page}: the recorded output line {line!r} of {name} is not on the page"


def test_root_page_offers_both_languages(built_site):
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="en/"' in index and 'href="zh/"' in index


# --- bad input fails the build with the fix named ---------------------------------------------------
# Each of these breaks one thing in a small copy of the site (the page concerned and its prerequisites): a
# copy that builds cleanly when nothing is broken (the first test), so the failure is the break's.


def edit(path: Path, change) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


SMALL_SITE = ["index.md", "start/setup.md"]  # the home page, and the setup page that runs check_setup.py


@pytest.fixture
def setup_page(tmp_path) -> Path:
    """A copy of the site reduced to the home and setup pages, to break on purpose."""
    return copy_repo(tmp_path, SMALL_SITE)


@pytest.mark.parametrize("pages, lang", [(["transformer/lab-tiny-transformer.ipynb"], "zh"),
                                         (["transformer/attention.md", "reference/glossary.md"], "zh")],
                         ids=["lab", "attention-glossary"])
def test_a_small_copy_builds_cleanly(tmp_path, pages, lang):
    """Breaks if a small copy that the tests below break on purpose does not build as it is (in the language
    they build), links and anchors checked: their failures would then prove nothing. (The home-and-setup copy
    is built cleanly by test_a_stage_without_pages_shows_as_planned.)"""
    root = copy_repo(tmp_path, pages)
    proc = build_copy(root, lang)
    assert proc.returncode == 0, proc.stderr
    for page in pages:
        assert (root / "site" / lang / page.removesuffix(".md").removesuffix(".ipynb").removesuffix("index") / "index.html").is_file()


def test_unknown_program_fails_the_build(setup_page):
    edit(setup_page / "docs/en/start/setup.md", lambda t: t + "\n<!-- snippet: snippets/00-start/nope.py -->\n")
    proc = build_copy(setup_page)
    assert proc.returncode != 0
    assert "docs/en/start/setup.md: the snippet shortcode names snippets/00-start/nope.py, which is not a program" in proc.stderr


def test_make_site_fails_on_a_broken_link_or_anchor_and_keeps_the_previous_site(tmp_path, built_site):
    """Breaks if a broken link or anchor ships again (`mkdocs build --strict -q` built them with exit 0), or if a
    failed build empties the site that was there."""
    root = copy_repo(tmp_path, ["transformer/attention.md", "reference/glossary.md"])
    shutil.copytree(built_site, root / "site")
    before = {p: p.read_bytes() for p in (root / "site").rglob("*.html")}
    hidden = {p.name for p in (root / "site").iterdir() if p.name.startswith(".")}
    edit(root / "docs/en/transformer/attention.md", lambda t: t + "\nSee [setup](../start/setupx.md).\n")
    edit(root / "docs/zh/transformer/attention.md", lambda t: t + "\n见[术语表](../reference/glossary.md#no-such-term)。\n")
    proc = make(root, "site")
    assert proc.returncode != 0, "make site passed with a broken link and a broken anchor"
    assert "FAILED: the en build" in proc.stderr and "FAILED: the zh build" in proc.stderr
    assert "'transformer/attention.md' contains a link '../start/setupx.md'" in proc.stderr
    assert "does not contain an anchor '#no-such-term'" in proc.stderr
    assert f"nothing was changed in {root / 'site'}" in proc.stderr
    assert {p: p.read_bytes() for p in (root / "site").rglob("*.html")} == before, "the previous site was changed"
    assert {p.name for p in (root / "site").iterdir() if p.name.startswith(".")} == hidden, "a temporary folder was left"


def test_stale_output_fails_the_build(setup_page):
    edit(setup_page / "snippets/00-start/check_setup.py", lambda t: t + "\n# an edit\n")
    proc = build_copy(setup_page)
    assert proc.returncode != 0
    assert "the recorded output of snippets/00-start/check_setup.py is stale" in proc.stderr
    assert "make snippets" in proc.stderr


def test_notebook_edited_by_hand_fails_the_build(tmp_path):
    root = copy_repo(tmp_path, ["transformer/lab-tiny-transformer.ipynb"])
    edit(root / "docs/zh/transformer/lab-tiny-transformer.ipynb", lambda t: t.replace("Transformer", "Transfomer", 1))
    proc = build_copy(root, "zh")
    assert proc.returncode != 0
    assert "the notebook page transformer/lab-tiny-transformer.ipynb" in proc.stderr
    assert "docs/zh/transformer/lab-tiny-transformer.ipynb is missing or was edited by hand" in proc.stderr


def test_bad_front_matter_and_missing_translation_fail_the_build(setup_page):
    edit(setup_page / "docs/zh/start/setup.md", lambda t: t.replace("level: beginner", "level: beginner\nlevle: 2"))
    (setup_page / "docs/en/start/extra.md").write_text("---\nid: extra\n---\n# Extra\n", encoding="utf-8")
    proc = build_copy(setup_page)
    assert proc.returncode != 0
    assert "docs/zh/start/setup.md: unknown front-matter key(s) ['levle']" in proc.stderr
    assert "docs/en/start/extra.md has no counterpart docs/zh/start/extra.md" in proc.stderr


@pytest.mark.parametrize(
    "line",
    ["<!-- snippet snippets/00-start/check_setup.py -->", "<!-- snippets: snippets/00-start/check_setup.py -->",
     "<!-- Snippet: snippets/00-start/check_setup.py -->", "<!-- snippet: snippets/00-start/check_setup.py"],
    ids=["no-colon", "plural", "capital", "unclosed"],
)
def test_malformed_shortcode_fails_the_build_at_its_line(setup_page, line):
    """Breaks if a misspelt shortcode is silently ignored again (the page lost its program), or if the line
    number leaves out the front matter."""
    page = setup_page / "docs/en/start/setup.md"
    edit(page, lambda t: t + "\n" + line + "\n")
    number = page.read_text(encoding="utf-8").splitlines().index(line) + 1
    proc = build_copy(setup_page)
    assert proc.returncode != 0
    assert f"docs/en/start/setup.md:{number}: malformed snippet shortcode" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "case, change, message",
    [
        ("glossary", lambda r: edit(r / "docs/glossary.yml", lambda t: t + "- en: [unclosed\n"),
         "docs/glossary.yml (line {glossary_end}) is not valid YAML"),
        ("front-matter", lambda r: edit(r / "docs/en/start/setup.md", lambda t: t.replace("level: beginner", "level: [beginner", 1)),
         "docs/en/start/setup.md (line {level_line}): the front matter is not valid YAML"),
        ("no-id", lambda r: [edit(r / f"docs/{lang}/start/setup.md", lambda t: re.sub(r"^id: .*\n", "", t, count=1, flags=re.M))
                             for lang in ("en", "zh")],
         "docs/en/start/setup.md: front matter needs an 'id'"),
        ("glossary-entry", lambda r: edit(r / "docs/glossary.yml", lambda t: t + "- just a string\n"),
         "docs/glossary.yml entry #"),
    ],
    ids=["glossary", "front-matter", "no-id", "glossary-entry"],
)
def test_bad_input_is_one_message_naming_the_file_and_line(setup_page, case, change, message):
    """Breaks if invalid YAML in the glossary or in front matter, or a page without an id, shows a traceback (or,
    for front matter, is silently ignored by MkDocs) instead of a message naming the file and the line."""
    change(setup_page)
    glossary_end = len((setup_page / "docs/glossary.yml").read_text(encoding="utf-8").splitlines()) + 1
    # the unclosed [ on the level line is noticed, and reported, on the line after it
    level_line = (REPO_ROOT / "docs/en/start/setup.md").read_text(encoding="utf-8").splitlines().index("level: beginner") + 2
    proc = build_copy(setup_page)
    assert proc.returncode != 0
    assert message.format(glossary_end=glossary_end, level_line=level_line) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_mermaid_syntax_error_names_the_page_and_line(tmp_path):
    from chromium import CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed: diagrams cannot be drawn")
    root = copy_repo(tmp_path, ["start/setup.md"])
    page = root / "docs/en/start/setup.md"
    edit(page, lambda t: t + "\n```mermaid\nflowchart LR\n  A --> B\n  B -->> ((C\n```\n")
    number = page.read_text(encoding="utf-8").splitlines().index("  B -->> ((C") + 1
    proc = subprocess.run([sys.executable, str(root / "scripts/diagrams.py")], cwd=root, capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"docs/en/start/setup.md:{number}: Mermaid could not draw this diagram: Parse error on line 3" in proc.stderr
    assert "Traceback" not in proc.stderr and " at Parser" not in proc.stderr


def test_prerequisite_cycle_fails_the_build(setup_page):
    for lang in ("en", "zh"):
        edit(setup_page / f"docs/{lang}/start/setup.md", lambda t: t.replace("prerequisites: []", "prerequisites: [setup]"))
    proc = build_copy(setup_page)
    assert proc.returncode != 0 and "prerequisites form a cycle: setup -> setup" in proc.stderr


# --- the roadmap's generated pages ------------------------------------------------------------------


def test_glossary_lists_every_term_with_a_link_to_its_page(built_site):
    site = roadmap.load(DOCS)
    entries = yaml.safe_load((DOCS / "glossary.yml").read_text(encoding="utf-8"))
    assert len(entries) >= 50, "the glossary must cover the terms of every page written so far"
    for lang in ("en", "zh"):
        text = (built_site / lang / "reference/glossary/index.html").read_text(encoding="utf-8")
        terms = re.findall(r'<dt id="term-[^"]+"><strong>(.*?)</strong>.*?</dt><dd>.*?<a href="([^"]+)">', text)
        assert len(terms) == len(entries), f"{lang}: {len(terms)} terms rendered, {len(entries)} in docs/glossary.yml"
        for entry, (name, href) in zip(entries, terms):
            assert html.unescape(name) == entry[lang]
            target = (built_site / lang / "reference/glossary" / href / "index.html").resolve()
            assert target.exists(), f"{lang}: glossary entry {entry['en']!r} links to {href}, which is no page"
            assert f'data-page-id="{site.nodes[entry["page"]].id}"' in target.read_text(encoding="utf-8")


def test_unknown_page_in_the_glossary_fails_the_build(setup_page):
    edit(setup_page / "docs/glossary.yml", lambda t: t + "- en: widget\n  zh: 小部件\n  page: nowhere\n  def: {en: A thing., zh: 一个东西。}\n")
    proc = build_copy(setup_page)
    assert proc.returncode != 0 and "page 'nowhere' is not the id of any topic page" in proc.stderr


def test_every_diagram_is_drawn_and_pages_ship_no_mermaid(built_site):
    """Breaks if a page's diagram has no committed SVG, an SVG outlives its diagram, or a page would still load
    the 3.5 MB Mermaid script instead of its picture."""
    check = subprocess.run([sys.executable, str(REPO_ROOT / "scripts/diagrams.py"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    drawn = 0
    for lang in ("en", "zh"):
        for page in (built_site / lang).rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            assert "mermaid.min.js" not in text and 'class="mermaid"' not in text, f"{page}: Mermaid left on the page"
            drawn += text.count('<figure class="diagram"')
    fences = len(re.findall(r"^```mermaid\s*$", "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*/**/*.md")), re.M))
    assert drawn == fences, f"{fences} diagrams in the pages, {drawn} drawn on the site"
    assert not (built_site / "en/assets/vendor/mermaid").exists(), "Mermaid is no longer served"


def test_undrawn_diagram_fails_the_build(setup_page):
    edit(setup_page / "docs/en/index.md", lambda t: t + "\n```mermaid\nflowchart LR\n  A --> B\n```\n")
    proc = build_copy(setup_page)
    assert proc.returncode != 0 and "has not been drawn" in proc.stderr and "scripts/diagrams.py" in proc.stderr


def test_tags_index_lists_every_topic_page_by_stage_and_level(built_site):
    site = roadmap.load(DOCS)
    for lang in ("en", "zh"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", (built_site / lang / "reference/tags/index.html").read_text(encoding="utf-8")))
        for node in site.nodes.values():
            assert text.count(node.title[lang]) >= 2, f"{lang} tags page: {node.title[lang]!r} is not under its stage and its level"
        for stage, _ in site.stages():
            assert site.stage_title(stage, lang) in text


def test_search_index_leaves_out_listings_outputs_and_diagrams_that_the_pages_keep(built_site):
    """Breaks if program listings, outputs or diagrams reach the search index (they were 40% of it), or if the
    hook that hides them from the search plugin while it indexes forgets to put them back on the page."""
    listing, output = "real tokens per sequence", "= torch: yes, rows sum to 1"  # attention_scratch.py: a comment, a printed line
    for lang, label, prose in (("en", "recorded on a CPU", "scaled dot-product attention"), ("zh", "记录环境", "缩放点积注意力")):
        index = json.loads((built_site / lang / "search/search_index.json").read_text(encoding="utf-8"))
        text = "\n".join(doc["text"] for doc in index["docs"]).replace("\u200b", "")  # jieba's word breaks
        assert prose in text, f"{lang}: the attention page's prose is not in the search index"
        for excluded in (listing, output, label):
            assert excluded not in text, f"{lang}: {excluded!r} (a program's listing or output) is in the search index"
        page = html.unescape((built_site / lang / "transformer/attention/index.html").read_text(encoding="utf-8"))
        for kept in (listing, output, label):
            assert kept in page, f"{lang}: {kept!r} is missing from the attention page"


def test_hiding_excluded_blocks_from_search_keeps_everything_else():
    import hooks

    page = ('<h2 id="a">A</h2><p>keep</p><div class="x" data-search-exclude><div><div>code</div></div></div>'
            '<p>also</p><figure class="diagram" data-search-exclude><svg><g/></svg></figure><p>end</p>')
    assert hooks.without_search_excluded(page) == '<h2 id="a">A</h2><p>keep</p><p>also</p><p>end</p>'
    unbalanced = '<p>a</p><div data-search-exclude><div>never closed</div>'
    assert hooks.without_search_excluded(unbalanced) == unbalanced, "unsure: leave it all to the search plugin"


# --- the home page is made from the roadmap ------------------------------------------------------------


def stage_rows(home: str) -> dict[str, tuple[str, str]]:
    """{stage id: (ready|in-progress|planned, the row's HTML)} from the home page's stage table."""
    return {m[0]: (m[1], m[2]) for m in re.findall(r'<tr data-stage="([^"]+)" class="is-(ready|in-progress|planned)">(.*?)</tr>', home)}


def test_the_home_stage_table_is_the_roadmap(built_site):
    """Breaks if the stage table is typed by hand again (it called two finished stages "being written"), or
    if a stage's pages, reading time or status stop following docs/roadmap.yml and the pages that exist."""
    site = roadmap.load(DOCS)
    for lang in ("en", "zh"):
        home = (built_site / lang / "index.html").read_text(encoding="utf-8")
        rows = stage_rows(home)
        assert list(rows) == [sec["id"] for sec in site.stage_sections()], f"{lang}: a stage is missing or out of order"
        for sec in site.stage_sections():
            status, row = rows[sec["id"]]
            nodes = [n for n in site.nodes.values() if n.stage == sec["id"]]
            expected = ("in-progress" if sec.get("planned") else "ready") if nodes else "planned"
            assert status == expected, f"{lang} {sec['id']}: {status}, expected {expected}"
            for node in nodes:
                assert f'data-page-id="{node.id}"' in row, f"{lang} {sec['id']}: no link to {node.id}"
            if nodes:
                total = roadmap.duration(sum(roadmap.minutes(n.time[lang]) for n in nodes), lang)
                assert f"<td>{total}</td>" in row, f"{lang} {sec['id']}: the reading time is not {total}"
        assert home.count('class="roadmap-map"') == 1 and '<figure class="diagram"' not in home, \
            f"{lang}: one overview map, and no hand-drawn diagram beside it"


def test_a_stage_without_pages_shows_as_planned(setup_page):
    """Also the control for the tests that break the home-and-setup copy: as it is, it builds cleanly."""
    proc = build_copy(setup_page, "en")
    assert proc.returncode == 0, proc.stderr
    rows = stage_rows((setup_page / "site/en/index.html").read_text(encoding="utf-8"))
    assert rows["start"][0] == "ready" and "ready (1 page)" in rows["start"][1]
    assert rows["math"][0] == "planned" and "linear algebra" in rows["math"][1], "a stage left without pages is planned"


def test_a_stage_with_pages_still_to_write_is_being_written(setup_page):
    """Breaks if a stage whose pages are only partly written shows as ready (Stage 6 will land page by page)."""
    edit(setup_page / "docs/roadmap.yml", lambda t: t.replace(  # the small copy's roadmap.yml, as yaml.safe_dump wrote it
        "  - start/setup.md\n", '  - start/setup.md\n  planned: [{en: "Reading a model card", zh: "读懂模型卡"}]\n', 1))
    proc = build_copy(setup_page, "en")
    assert proc.returncode == 0, proc.stderr
    rows = stage_rows((setup_page / "site/en/index.html").read_text(encoding="utf-8"))
    assert rows["start"][0] == "in-progress" and "being written (1 of 2 pages)" in rows["start"][1], rows["start"]
    assert "Reading a model card" in rows["start"][1]
