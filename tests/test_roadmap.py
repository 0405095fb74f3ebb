"""The prerequisite graph and page metadata checks, on small page trees made here.

What breaks these tests: an unknown prerequisite, a duplicate id, a cycle, or two languages that disagree
on a page's id or prerequisites passing unnoticed; "Next" links that miss a page building on this one;
a map without a node (and a link) for every topic page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import roadmap
from conftest import REPO_ROOT

ROADMAP_YML = """
sections:
  - id: home
    flat: true
    title: {en: Home, zh: 首页}
    pages: [index.md]
  - id: basics
    title: {en: Basics, zh: 基础}
    pages: [b/a.md, b/b.md, b/c.md]
"""


def page(id_: str, title: str, prereqs: list[str], stage: str = "basics", time: str = "5 min") -> str:
    return (
        f"---\nid: {id_}\ntitle: {title}\nstage: {stage}\nlevel: beginner\ntime: {time}\n"
        f"prerequisites: [{', '.join(prereqs)}]\n---\n# {title}\n"
    )


def make_docs(root: Path, pages: dict[str, tuple[str, list[str]]], zh_override: dict[str, str] | None = None) -> Path:
    docs = root / "docs"
    (docs).mkdir(parents=True)
    (docs / "roadmap.yml").write_text(ROADMAP_YML, encoding="utf-8")
    for lang in ("en", "zh"):
        (docs / lang / "b").mkdir(parents=True)
        (docs / lang / "index.md").write_text("---\nid: home\n---\n# Home\n", encoding="utf-8")
        for uri, (id_, prereqs) in pages.items():
            text = page(id_, f"{id_} {lang}", prereqs)
            if lang == "zh" and zh_override and uri in zh_override:
                text = zh_override[uri]
            (docs / lang / uri).write_text(text, encoding="utf-8")
    return docs


GOOD = {"b/a.md": ("a", []), "b/b.md": ("b", ["a"]), "b/c.md": ("c", ["a"])}


def test_a_good_tree_loads_in_roadmap_order(tmp_path):
    site = roadmap.load(make_docs(tmp_path, GOOD))
    assert list(site.nodes) == ["a", "b", "c"]
    assert site.nodes["b"].title == {"en": "b en", "zh": "b zh"}
    # b and c build on a; b is also the next page of the stage.
    assert [n.id for n in site.next_of("a")] == ["b", "c"]
    assert [n.id for n in site.next_of("b")] == ["c"]
    assert site.next_of("c") == []


@pytest.mark.parametrize(
    "pages, zh, message",
    [
        (dict(GOOD, **{"b/b.md": ("b", ["nope"])}), None, "prerequisite 'nope' is not the id of any topic page"),
        (dict(GOOD, **{"b/c.md": ("a", [])}), None, "duplicate page id 'a'"),
        ({"b/a.md": ("a", ["c"]), "b/b.md": ("b", ["a"]), "b/c.md": ("c", ["b"])}, None, "prerequisites form a cycle: a -> c -> b -> a"),
        (GOOD, {"b/b.md": page("b", "b", [])}, "docs/en/b/b.md and docs/zh/b/b.md disagree on 'prerequisites'"),
        (GOOD, {"b/b.md": page("bb", "b", ["a"])}, "disagree on 'id'"),
        (GOOD, {"b/b.md": page("b", "b", ["a"], stage="home")}, "disagree on 'stage'"),
        (GOOD, {"b/c.md": page("c", "c", ["a"]).replace("level: beginner", "level: expert")}, "level must be one of"),
        (GOOD, {"b/c.md": page("c", "c", ["a"]).replace("time: 5 min\n", "")}, "a topic page needs 'time'"),
        (GOOD, {"b/c.md": page("c", "c", ["a"]).replace("id: c", "id: Page C")}, "must be lower-case words"),
    ],
    ids=["unknown-id", "duplicate-id", "cycle", "languages-disagree-prereqs", "languages-disagree-id",
         "languages-disagree-stage", "bad-level", "missing-time", "bad-id"],
)
def test_bad_metadata_is_reported_with_the_file(tmp_path, pages, zh, message):
    with pytest.raises(roadmap.RoadmapError) as err:
        roadmap.load(make_docs(tmp_path, pages, zh))
    assert message in str(err.value)


def test_missing_translation_and_unlisted_page_are_reported(tmp_path):
    docs = make_docs(tmp_path, GOOD)
    (docs / "zh" / "b" / "c.md").unlink()
    (docs / "en" / "b" / "d.md").write_text(page("d", "d", []), encoding="utf-8")
    (docs / "zh" / "b" / "d.md").write_text(page("d", "d", []), encoding="utf-8")
    with pytest.raises(roadmap.RoadmapError) as err:
        roadmap.load(docs)
    assert "docs/en/b/c.md has no counterpart docs/zh/b/c.md" in str(err.value)
    assert "docs/*/b/d.md is not listed in docs/roadmap.yml" in str(err.value)


def test_find_cycle():
    assert roadmap.find_cycle({"a": [], "b": ["a"], "c": ["b", "a"]}) is None
    assert roadmap.find_cycle({"a": ["a"]}) == ["a", "a"]
    assert roadmap.find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_the_map_has_a_linked_node_and_edges_for_every_page(tmp_path):
    site = roadmap.load(make_docs(tmp_path, GOOD))
    svg = roadmap.map_svg(site, "zh", lambda uri: "../" + uri.replace(".md", "/"))
    nodes = re.findall(r'<a class="roadmap-map__node[^"]*" href="([^"]+)" data-page-id="([^"]+)"', svg)
    assert nodes == [("../b/a/", "a"), ("../b/b/", "b"), ("../b/c/", "c")]
    assert re.findall(r'data-from="(\w+)" data-to="(\w+)"', svg) == [("a", "b"), ("a", "c")]
    assert "基础" in svg and "b zh" in svg


def test_the_real_roadmap_loads():
    site = roadmap.load(REPO_ROOT / "docs")
    assert "attention" in site.nodes and "lab-tiny-transformer" in site.nodes
    assert site.nodes["lab-tiny-transformer"].prerequisites == ["transformer-block"]


def test_wrap_keeps_titles_to_two_lines():
    assert roadmap.wrap("Attention", "en") == ["Attention"]
    lines = roadmap.wrap("The Transformer block: encoder and decoder and more words here", "en")
    assert len(lines) == 2 and lines[1].endswith("…")
    lines = roadmap.wrap("动手实验：从零搭建并训练一个小型 Transformer", "zh")
    assert len(lines) == 2 and all(roadmap.size(line) <= 26 for line in lines)
    assert "".join(lines) == "动手实验：从零搭建并训练一个小型 Transformer"
