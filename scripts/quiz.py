"""Quizzes ("Check yourself" / "自测"): questions kept in docs/quizzes/<page-id>.yml, one file per topic page,
both languages side by side, so that both pages ask the same questions under the same ids.

A question is one of:
- `single` / `multiple`: written by the author; `choices`, each {en, zh} and `correct: true` on the right one(s).
- `predict`: "what will this program print?"; the right answer is read at build time from the program's
  recorded output (`read`, a regular expression with a group named `value` that matches exactly one line of
  output.txt), never typed by hand; the `wrong` choices are typed, or derived from the recorded values
  ({derive: "value * 8", format: ".4f"}); `{answer}` in `explain` is replaced by the recorded answer.

Every question has `ask` and `explain` in both languages and `section`: the section of the page that teaches
it, a section number (3 = the heading "3. ...") or the heading text in each language.

    python scripts/quiz.py            # check every quiz file (questions, programs, recorded values)
    python scripts/quiz.py attention  # check one page's quiz and print its questions with their answers

The build (scripts/hooks.py) renders a quiz where a page has `<!-- quiz -->`; docs/en/contributing.md says how
to write one.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import operator
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import roadmap  # noqa: E402  (scripts/roadmap.py)
import snippets as runner  # noqa: E402  (scripts/snippets.py)

QUIZ_DIR = REPO_ROOT / "docs" / "quizzes"
LANGS = ("en", "zh")
KINDS = ("single", "multiple", "predict")
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_QUESTIONS, MAX_QUESTIONS = 3, 6
QUESTION_KEYS = {"id", "type", "ask", "explain", "section", "choices", "program", "read", "wrong"}
DOC = "see docs/en/contributing.md, 'Quizzes'"


class QuizError(Exception):
    """A quiz that cannot be built; the message names the file, the question and the fix."""


@dataclass
class Choice:
    text: dict[str, str]  # per language (a predict choice is the same text in both)
    correct: bool


@dataclass
class Question:
    id: str
    kind: str
    ask: dict[str, str]
    explain: dict[str, str]
    section: int | dict[str, str]
    choices: list[Choice]  # in the order the page shows them
    program: str | None = None  # predict: the program whose recorded output holds the answer


def quiz_path(page_id: str, root: Path = REPO_ROOT) -> Path:
    return root / "docs" / "quizzes" / f"{page_id}.yml"


def _bilingual(value, where: str, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGS) or not all(isinstance(value[k], str) and value[k].strip() for k in LANGS):
        raise QuizError(f"{where}: `{what}` must be {{en: ..., zh: ...}}, both non-empty ({DOC})")
    return {k: value[k].strip() for k in LANGS}


# Arithmetic allowed in a derived wrong choice: numbers, the recorded values by name, + - * / ** and a few
# functions. Anything else (attribute access, calls to other names) is refused before it runs.
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCS = {"sqrt": math.sqrt, "log": math.log, "exp": math.exp, "abs": abs, "round": round}


def derive(expr: str, values: dict[str, float], where: str) -> float:
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS and not node.keywords:
            return _FUNCS[node.func.id](*(ev(a) for a in node.args))
        raise QuizError(f"{where}: cannot derive {expr!r}: only numbers, the groups of `read` ({', '.join(sorted(values)) or 'none'}), "
                        f"+ - * / ** and {', '.join(sorted(_FUNCS))} are allowed")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise QuizError(f"{where}: `derive: {expr}` is not an arithmetic expression") from None
    try:
        return float(ev(tree))
    except (ArithmeticError, ValueError) as exc:
        raise QuizError(f"{where}: `derive: {expr}` fails on the recorded values {values}: {exc}") from None


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None


def read_value(program: runner.Program, pattern: str, where: str) -> tuple[str, dict[str, float]]:
    """The text of group `value` in the one line of the program's recorded output that `pattern` matches, and
    every named group that reads as a number (for derived wrong choices)."""
    fix_run = f"run `python scripts/snippets.py {program.rel}` to see what it prints now"
    output = program.out_dir / runner.OUTPUT_FILE
    if not output.exists():
        raise QuizError(f"{where}: {program.rel} has no recorded output. Fix: {fix_run} (or `make snippets`)")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise QuizError(f"{where}: `read` is not a valid regular expression ({exc}): {pattern!r}") from None
    if "value" not in regex.groupindex:
        raise QuizError(f"{where}: `read` needs a group named value, e.g. 'max abs (?P<value>\\S+)': {pattern!r}")
    lines = output.read_text(encoding="utf-8").splitlines()
    hits = [m for m in (regex.search(line) for line in lines) if m]
    if not hits:
        raise QuizError(
            f"{where}: no line of the recorded output of {program.rel} matches `read: {pattern}`; the program no longer "
            f"prints the line this question asks about. Fix: point `read` at a line it prints ({fix_run}), or rewrite "
            f"the question")
    if len(hits) > 1:
        shown = "; ".join(repr(m.string) for m in hits[:3])
        raise QuizError(f"{where}: `read: {pattern}` matches {len(hits)} lines of {program.rel}'s output ({shown}); "
                        "make it match exactly one")
    m = hits[0]
    numbers = {k: n for k, v in m.groupdict().items() if v is not None and (n := _number(v)) is not None}
    return m.group("value").strip(), numbers


def _order(qid: str, choices: list[Choice]) -> list[Choice]:
    """Numbers in increasing order; other choices in an order fixed by the question id (the same in both
    languages and on every build), so that the right answer is not always first."""
    nums = [_number(c.text["en"]) for c in choices]
    if all(n is not None for n in nums):
        return [c for _, c in sorted(zip(nums, choices), key=lambda p: p[0])]
    key = lambda c: hashlib.sha256((qid + "\0" + c.text["en"]).encode()).hexdigest()  # noqa: E731
    return sorted(choices, key=key)


def parse_question(raw, where: str, programs: dict[str, runner.Program]) -> Question:
    if not isinstance(raw, dict):
        raise QuizError(f"{where}: a question is a mapping with id, type, ask, explain, section ({DOC})")
    unknown = set(raw) - QUESTION_KEYS
    if unknown:
        raise QuizError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a question has {', '.join(sorted(QUESTION_KEYS))}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not ID.match(qid):
        raise QuizError(f"{where}: `id` must be lower-case words joined by '-', e.g. attention-scaled-scores; got {qid!r}")
    where = f"{where} ({qid})"
    kind = raw.get("type")
    if kind not in KINDS:
        raise QuizError(f"{where}: `type` must be one of {', '.join(KINDS)}; got {kind!r}")
    ask = _bilingual(raw.get("ask"), where, "ask")
    explain = _bilingual(raw.get("explain"), where, "explain")
    section = raw.get("section")
    if isinstance(section, dict):
        section = _bilingual(section, where, "section")
    elif not (isinstance(section, int) and not isinstance(section, bool) and section > 0):
        raise QuizError(f"{where}: `section` is the number of the section that teaches it (3 for '3. ...') "
                        f"or its heading in each language, {{en: ..., zh: ...}}; got {section!r}")
    program = None
    if kind == "predict":
        if "choices" in raw:
            raise QuizError(f"{where}: a predict question has no `choices`: its answer comes from `read`, its wrong choices from `wrong`")
        rel = raw.get("program")
        if rel not in programs:
            raise QuizError(f"{where}: `program: {rel}` is not a program (snippets/<stage>/<name>.py, from the repository root)")
        program = rel
        if not isinstance(raw.get("read"), str):
            raise QuizError(f"{where}: a predict question needs `read`, a regular expression with a group named value")
        answer, values = read_value(programs[rel], raw["read"], where)
        wrong = raw.get("wrong")
        if not isinstance(wrong, list) or not 2 <= len(wrong) <= 5:
            raise QuizError(f"{where}: `wrong` must list 2 to 5 wrong answers (text, or {{derive: expr, format: spec}})")
        texts = []
        for w in wrong:
            if isinstance(w, (str, int, float)) and not isinstance(w, bool):
                texts.append(str(w))
            elif isinstance(w, dict) and set(w) <= {"derive", "format"} and isinstance(w.get("derive"), str):
                spec = str(w.get("format", "g"))
                try:
                    texts.append(format(derive(w["derive"], values, where), spec))
                except ValueError:
                    raise QuizError(f"{where}: `format: {spec}` is not a number format (e.g. .4f, .2e, g)") from None
            else:
                raise QuizError(f"{where}: each wrong answer is a text or {{derive: expr, format: spec}}; got {w!r}")
        for t in texts:
            same = t.strip() == answer or (_number(t) is not None and _number(t) == _number(answer))
            if same:
                raise QuizError(f"{where}: the wrong answer {t!r} equals the recorded answer {answer!r} "
                                f"(from {rel}); change or remove it")
        if len(set(texts)) != len(texts):
            raise QuizError(f"{where}: two wrong answers are the same ({texts})")
        choices = [Choice({k: answer for k in LANGS}, True)] + [Choice({k: t for k in LANGS}, False) for t in texts]
        # "{answer}" in the explanation is the recorded answer, so the explanation cannot go stale either
        explain = {k: v.replace("{answer}", answer) for k, v in explain.items()}
    else:
        for key in ("program", "read", "wrong"):
            if key in raw:
                raise QuizError(f"{where}: `{key}` belongs to predict questions; a {kind} question has `choices`")
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= 6:
            raise QuizError(f"{where}: `choices` must list 2 to 6 choices, each {{en: ..., zh: ...}} with correct: true on the right one(s)")
        choices = []
        for i, c in enumerate(raw_choices, start=1):
            if not isinstance(c, dict) or not set(c) <= {"en", "zh", "correct"}:
                raise QuizError(f"{where}: choice {i} must be {{en: ..., zh: ..., correct: true}} (correct only on right ones)")
            if c.get("correct", False) not in (True, False):
                raise QuizError(f"{where}: choice {i}: `correct` is true or absent")
            choices.append(Choice(_bilingual({k: c.get(k) for k in LANGS}, where, f"choice {i}"), bool(c.get("correct"))))
        right = sum(c.correct for c in choices)
        if kind == "single" and right != 1:
            raise QuizError(f"{where}: a single-choice question has exactly one `correct: true` (it has {right})")
        if kind == "multiple" and right < 1:
            raise QuizError(f"{where}: a multiple-choice question has at least one `correct: true`")
        for lang in LANGS:
            if len({c.text[lang] for c in choices}) != len(choices):
                raise QuizError(f"{where}: two choices have the same {lang} text")
    return Question(qid, kind, ask, explain, section, _order(qid, choices), program)


def load_page(page_id: str, programs: dict[str, runner.Program], root: Path = REPO_ROOT, uri: str | None = None) -> list[Question]:
    """One page's questions; `uri` (the page's path under docs/<lang>/) makes the messages name the page too."""
    path = quiz_path(page_id, root)
    rel = path.relative_to(root).as_posix()
    page = f" (the quiz of docs/en/{uri} and docs/zh/{uri})" if uri else ""
    where = rel + page
    if not path.exists():
        raise QuizError(f"{where} does not exist: every topic page has a quiz ({MIN_QUESTIONS} to {MAX_QUESTIONS} questions; {DOC})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise QuizError(f"{rel}{line} is not valid YAML{page}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or set(data) != {"questions"} or not isinstance(data["questions"], list):
        raise QuizError(f"{where}: the file holds `questions:`, a list of questions ({DOC})")
    raws = data["questions"]
    if not MIN_QUESTIONS <= len(raws) <= MAX_QUESTIONS:
        raise QuizError(f"{where}: {len(raws)} questions; a page has {MIN_QUESTIONS} to {MAX_QUESTIONS}")
    questions = [parse_question(raw, f"{where} question {i}", programs) for i, raw in enumerate(raws, start=1)]
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise QuizError(f"{where}: question ids repeat ({', '.join(sorted({i for i in ids if ids.count(i) > 1}))})")
    return questions


def load_all(page_ids: list[str] | dict[str, str], root: Path = REPO_ROOT) -> dict[str, list[Question]]:
    """The quiz of each page that has a quiz file; question ids unique across the site. Files for pages that do
    not exist are errors (a moved page keeps its id, so its quiz file keeps its name)."""
    programs = {p.rel: p for p in runner.discover(root)}
    quiz_dir = root / "docs" / "quizzes"
    found = sorted(p.stem for p in quiz_dir.glob("*.yml")) if quiz_dir.is_dir() else []
    stray = [p for p in found if p not in page_ids]
    if stray:
        raise QuizError(f"docs/quizzes/{stray[0]}.yml: no page has the id {stray[0]!r}; name a quiz file after its page's id")
    uris = page_ids if isinstance(page_ids, dict) else {}
    quizzes = {pid: load_page(pid, programs, root, uris.get(pid)) for pid in found}
    seen: dict[str, str] = {}
    for pid, qs in quizzes.items():
        for q in qs:
            if q.id in seen:
                raise QuizError(f"docs/quizzes/{pid}.yml: question id {q.id!r} is also used in docs/quizzes/{seen[q.id]}.yml; ids are unique across the site")
            seen[q.id] = pid
    return quizzes


def headings(markdown: str) -> list[str]:
    """The section headings of a page's Markdown (## and ###), outside code fences: for the check below."""
    return [h.group(1) for line, in_code in roadmap.fenced(markdown.splitlines())
            if not in_code and (h := re.match(r"^#{2,3}\s+(.*?)\s*#*\s*$", line))]


def section_heading(section: int | dict[str, str], titles: list[str], lang: str) -> str | None:
    """The one heading among `titles` that `section` names, or None."""
    if isinstance(section, int):
        hits = [t for t in titles if re.match(rf"^{section}\.\s", t)]
    else:
        hits = [t for t in titles if t == section[lang]]
    return hits[0] if len(hits) == 1 else None


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import roadmap

    site = roadmap.load(REPO_ROOT / "docs")
    try:
        quizzes = load_all({pid: n.uri for pid, n in site.nodes.items()})
    except QuizError as exc:
        print(f"quiz: {exc}", file=sys.stderr)
        return 1
    problems = []
    for pid, node in site.nodes.items():
        if pid not in quizzes:
            problems.append(f"docs/quizzes/{pid}.yml is missing ({MIN_QUESTIONS} to {MAX_QUESTIONS} questions)")
            continue
        for lang in LANGS:
            text = (REPO_ROOT / "docs" / lang / node.uri).read_text(encoding="utf-8")
            if node.uri.endswith(".ipynb"):  # a notebook's quiz goes at its end; its headings are in markdown cells
                cells = json.loads(text)["cells"]
                text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            elif not re.search(r"^<!--\s*quiz\s*-->\s*$", text, re.M):
                problems.append(f"docs/{lang}/{node.uri}: no <!-- quiz --> line (put it under a '## Check yourself' / '## 自测' heading)")
            titles = headings(text)
            for q in quizzes[pid]:
                if section_heading(q.section, titles, lang) is None:
                    problems.append(f"docs/quizzes/{pid}.yml ({q.id}): section {q.section!r} names no single heading "
                                    f"of docs/{lang}/{node.uri} (headings: {'; '.join(titles)})")
    for p in problems:
        print(f"quiz: {p}", file=sys.stderr)
    for pid in argv:
        for q in quizzes.get(pid, []):
            print(f"[{q.id}] ({q.kind}) {q.ask['en']}\n         {q.ask['zh']}")
            for c in q.choices:
                print(f"   {'*' if c.correct else ' '} {c.text['en']}  |  {c.text['zh']}")
    n = sum(len(q) for q in quizzes.values())
    print(f"{n} questions on {len(quizzes)} pages" + (f"; {len(problems)} problem(s)" if problems else "; all good"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
