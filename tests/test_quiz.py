"""Quizzes ("Check yourself" / "自测"): every topic page has one, in both languages, and its answers to "what
will this program print?" are the recorded outputs.

What breaks these tests: a topic page without its quiz file, with fewer than 3 or more than 6 questions, or
without the <!-- quiz --> line under "Check yourself"/"自测" in either language; the two languages asking
different questions or offering different choices; a predict question whose right choice on the page is not
the value in the program's recorded output (a typed answer, or one read at the wrong time); a build that
keeps an old answer after the output changed, or passes when the line a question reads is gone; bad quiz
input (invalid YAML, a wrong answer equal to the right one, a section the page does not have) that is not one
message naming the file and the fix. The browser side (answering, saving, export and import, the keyboard) is
in tests/test_browser.py.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
import quiz
import roadmap
from conftest import REPO_ROOT, build_copy, copy_repo, runner

SITE = roadmap.load(REPO_ROOT / "docs")
TOPIC_PAGES = sorted(SITE.nodes)  # the lab too: a notebook's quiz goes at its end
PROGRAMS = {p.rel: p for p in runner.discover(REPO_ROOT)}
FIELDSET = re.compile(r'<fieldset class="quiz-question" ([^>]*)>(.*?)</fieldset>', re.S)
HEADING = {"en": "Check yourself", "zh": "自测"}


def rendered_questions(page_html: str) -> list[dict]:
    """Each question of a built page: its id, the keys of its right choices, and its choices (key -> text)."""
    out = []
    for attrs, body in FIELDSET.findall(page_html):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        choices = {key: html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for key, text in re.findall(
            r'<label class="quiz-choice" data-choice="(\w+)">.*?<span class="quiz-choice__text">(.*?)</span></label>', body, re.S)}
        out.append({"id": a["data-quiz-id"], "right": a["data-quiz-answer"].split(), "choices": choices})
    return out


def built_page(site: Path, lang: str, uri: str) -> str:
    return (site / lang / re.sub(r"\.(md|ipynb)$", "", uri) / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("page_id", TOPIC_PAGES)
def test_every_topic_page_has_its_quiz_in_both_languages(built_site, page_id):
    """Breaks if a topic page has no quiz, too few or too many questions, the quiz outside a "Check yourself"
    section, or languages that ask different questions or offer different choices."""
    questions = quiz.load_page(page_id, PROGRAMS)
    assert quiz.MIN_QUESTIONS <= len(questions) <= quiz.MAX_QUESTIONS
    uri = SITE.nodes[page_id].uri
    rendered = {}
    for lang in ("en", "zh"):
        page = built_page(built_site, lang, uri)
        if uri.endswith(".ipynb"):  # no Markdown: the build adds the heading and the quiz at the end
            assert f'<h2 id="check-yourself">{HEADING[lang]}</h2><div class="quiz"' in page, f"{lang}: no quiz at the end"
        else:
            source = (REPO_ROOT / "docs" / lang / uri).read_text(encoding="utf-8")
            assert re.search(rf"^## {HEADING[lang]}\n\n<!-- quiz -->$", source, re.M), \
                f"docs/{lang}/{uri}: the quiz goes under '## {HEADING[lang]}'"
        rendered[lang] = rendered_questions(page)
        assert [q["id"] for q in rendered[lang]] == [q.id for q in questions], f"{lang}: not the questions of the quiz file"
        for q in rendered[lang]:
            assert len(q["choices"]) >= 2 and q["right"] and set(q["right"]) <= set(q["choices"]), q
    # the same choices under the same keys, so that an answer given in one language shows in the other
    assert [(q["id"], sorted(q["choices"]), q["right"]) for q in rendered["en"]] == \
           [(q["id"], sorted(q["choices"]), q["right"]) for q in rendered["zh"]]


def test_predict_answers_on_the_pages_are_the_recorded_outputs(built_site):
    """Breaks if the right choice of any "what will it print?" question is not the value in the recorded
    output of its program, on either language's page."""
    checked = 0
    for page_id in TOPIC_PAGES:
        raw = quiz.yaml.safe_load(quiz.quiz_path(page_id).read_text(encoding="utf-8"))["questions"]
        for q in (q for q in raw if q["type"] == "predict"):
            value, _ = quiz.read_value(PROGRAMS[q["program"]], q["read"], page_id)
            for lang in ("en", "zh"):
                shown = next(r for r in rendered_questions(built_page(built_site, lang, SITE.nodes[page_id].uri)) if r["id"] == q["id"])
                assert [shown["choices"][k] for k in shown["right"]] == [value], (lang, q["id"], shown, value)
            checked += 1
    assert checked >= len(TOPIC_PAGES) // 2, f"only {checked} predict questions on {len(TOPIC_PAGES)} pages"


def run_program(root: Path, rel: str) -> None:
    proc = subprocess.run([sys.executable, "scripts/snippets.py", "--no-progress", rel], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.reruns  # it runs a program (twice): in make test, not in make test-quick
def test_the_right_choice_follows_the_record_and_a_lost_line_fails_the_build(tmp_path):
    """Breaks if a predict question's answer is anything but the current record: after the program changes and
    is rerun, the page must offer the new value; when the program stops printing the line, the build must fail
    naming the quiz, the page, the program and the fix (and without a traceback)."""
    root = copy_repo(tmp_path, ["transformer/attention.md"])
    rel = "snippets/05-transformer/attention_scaling.py"
    program = root / rel
    program.write_text(program.read_text(encoding="utf-8").replace("torch.manual_seed(0)", "torch.manual_seed(1)"), encoding="utf-8")
    run_program(root, rel)
    output = (root / "snippets/05-transformer/_out/attention_scaling/output.txt").read_text(encoding="utf-8")
    new = re.search(r"^\s+64\s+([\d.]+)\s", output, re.M).group(1)
    old = re.search(r"^\s+64\s+([\d.]+)\s", (REPO_ROOT / "snippets/05-transformer/_out/attention_scaling/output.txt")
                    .read_text(encoding="utf-8"), re.M).group(1)
    assert new != old, "the new seed must change the recorded value, or this test proves nothing"
    assert build_copy(root).returncode == 0
    shown = next(q for q in rendered_questions(built_page(root / "site", "en", "transformer/attention.md"))
                 if q["id"] == "attention-raw-score-variance")
    assert [shown["choices"][k] for k in shown["right"]] == [new]

    program.write_text(program.read_text(encoding="utf-8").replace("D_KS = [4, 16, 64, 256, 1024]", "D_KS = [4, 16, 256, 1024]"),
                       encoding="utf-8")
    run_program(root, rel)
    proc = build_copy(root)
    assert proc.returncode != 0
    for part in ("docs/quizzes/attention.yml", "docs/en/transformer/attention.md", rel, "Fix:"):
        assert part in proc.stderr, (part, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr


def edit_quiz(root: Path, change) -> None:
    path = root / "docs/quizzes/attention.yml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.replace("questions:\n", "questions:\n  - id: [unclosed\n", 1), "docs/quizzes/attention.yml:4 is not valid YAML"),
        (lambda t: t.replace('{derive: "scaled", format: ".2f"}', '{derive: "value", format: ".1f"}', 1),
         "equals the recorded answer '64.7'"),
        (lambda t: t.replace("    section: 4\n", "    section: 9\n", 1), "names section 9, which is not one heading"),
        (lambda t: t.replace('        zh: "作用在值上', '        zh_: "作用在值上', 1), "choice 3 must be {en: ..., zh: ..., correct: true}"),
        (lambda t: t.replace("Which statements are true?\"\n", "Which statements are true?\"\n", 1)
         .replace("        zh: \"输出的形状是 `[2, 7, 32]`，每个键一行\"\n", "        zh: \"输出的形状是 `[2, 7, 32]`，每个键一行\"\n        correct: maybe\n", 1),
         "`correct` is true or absent"),
    ],
    ids=["yaml", "wrong-equals-answer", "no-such-section", "missing-zh", "bad-correct"],
)
def test_bad_quiz_input_is_one_message_naming_the_file(tmp_path, change, message):
    """Breaks if a broken quiz file builds, or fails with a traceback instead of a message naming the file (and
    the line, for YAML) and what to fix."""
    root = copy_repo(tmp_path, ["transformer/attention.md"])
    edit_quiz(root, change)
    proc = build_copy(root)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    assert "docs/quizzes/attention.yml" in proc.stderr or "docs/en/transformer/attention.md" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_quiz_file_for_no_page_and_a_marker_without_a_quiz_fail_the_build(tmp_path):
    """Breaks if a quiz file named after no page is silently ignored (a page renamed its id and lost its quiz),
    or if a page asks for a quiz that does not exist."""
    root = copy_repo(tmp_path, ["transformer/attention.md"])
    (root / "docs/quizzes/attention.yml").rename(root / "docs/quizzes/attention-old.yml")
    proc = build_copy(root)
    assert proc.returncode != 0 and "docs/quizzes/attention-old.yml: no page has the id 'attention-old'" in proc.stderr, proc.stderr
    (root / "docs/quizzes/attention-old.yml").unlink()
    proc = build_copy(root)
    assert proc.returncode != 0 and "<!-- quiz --> but docs/quizzes/attention.yml does not exist" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_derived_wrong_answer_may_only_do_arithmetic():
    """Breaks if `derive` can run code rather than arithmetic on the recorded values."""
    assert quiz.derive("sqrt(value) * 2", {"value": 16.0}, "q") == 8.0
    for expr in ("__import__('os').system('true')", "value.real", "open('x')"):
        with pytest.raises(quiz.QuizError, match="cannot derive"):
            quiz.derive(expr, {"value": 1.0}, "q")
