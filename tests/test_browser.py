"""The built site in a real browser (Debian's Chromium driven by playwright), served on loopback.

What breaks these tests: a page that requests another host (fonts, CDN scripts) or logs a console error,
Chinese search that finds nothing, a language switch that drops the reader on the home page, a copy
button that copies something other than the program, math or diagrams left unrendered, a root page that
ignores the reader's language.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from chromium import CHROMIUM, CHROMIUM_ARGS
from conftest import REPO_ROOT, require_chromium


pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page that records every request to another host and every console error."""

    def __init__(self, context, site_url: str):
        self.page = context.new_page()
        self.host = urlparse(site_url).netloc
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._on_request)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _on_request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https") and url.netloc != self.host:
            self.foreign.append(request.url)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="en-US")
    ctx.set_default_timeout(10000)
    yield ctx
    ctx.close()


def all_pages(site: Path) -> list[str]:
    """Every page of one language's build, as paths below it ("", "transformer/attention/", ...)."""
    return sorted(
        p.relative_to(site).as_posix().removesuffix("index.html")
        for p in site.glob("**/index.html")
        if "search" not in p.parts and "assets" not in p.parts
    )


PAGES_AT_ONCE = 6  # pages loading side by side: a page's wait for the network to settle overlaps the others'


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_loads_with_no_foreign_request_and_no_console_error(built_site, site_url, context, lang):
    pages = all_pages(built_site / lang)
    assert any(p.startswith("transformer/") for p in pages) and "" in pages
    problems = []
    for start in range(0, len(pages), PAGES_AT_ONCE):
        loading = []
        for path in pages[start : start + PAGES_AT_ONCE]:
            w = Watched(context, site_url)
            loading.append((path, w, w.page.goto(f"{site_url}/{lang}/{path}", wait_until="commit")))
        for path, w, response in loading:
            w.page.wait_for_load_state("networkidle")
            if response is None or response.status != 200:
                problems.append(f"{lang}/{path}: HTTP {response.status if response else 'no response'}")
            if w.foreign:
                problems.append(f"{lang}/{path}: requests another host: {w.foreign}")
            if w.errors:
                problems.append(f"{lang}/{path}: console errors: {w.errors}")
            w.page.close()
    assert not problems, "\n".join(problems)


def search(page, query: str) -> list[str]:
    """Type a query into Material's search box and return the pages found, best first.

    Material reads the query on keyup; typed CJK text arrives as text input (as from an IME), so a key
    press ends it, as the reader's Enter or space would. The box is emptied first, and the results with it,
    so the results read are this query's. The index loads in a worker: a query typed before it is ready is
    dropped, so retype until results come.
    """
    box = page.locator(".md-search__input")
    for _ in range(20):
        box.click()
        box.fill("")
        page.keyboard.press("End")
        page.wait_for_function("!document.querySelector('.md-search-result__item')")
        box.fill(query)
        page.keyboard.press("End")
        try:
            page.wait_for_selector(".md-search-result__item", timeout=1500)
            break
        except PlaywrightTimeout:
            continue
    # One result item per page; its first link is the page, the others are its sections.
    return page.eval_on_selector_all(".md-search-result__item", "els => els.map(e => e.querySelector('a').href)")


@pytest.fixture(scope="module")
def search_page(browser, site_url):
    """One open page per language for the search tests, as a reader searches one query after another."""
    ctx = browser.new_context(locale="en-US")
    ctx.set_default_timeout(10000)
    opened = {}

    def page_for(lang: str):
        if lang not in opened:
            opened[lang] = Watched(ctx, site_url)
            opened[lang].page.goto(f"{site_url}/{lang}/", wait_until="networkidle")
        opened[lang].page.bring_to_front()  # a page in the background gets its timers throttled (a second a query)
        return opened[lang]

    yield page_for
    ctx.close()


@pytest.mark.parametrize(
    "lang, query, expected",
    [
        ("en", "attention", "/transformer/attention/"),
        ("en", "positional encoding", "/transformer/positional-encoding/"),
        ("zh", "自注意力", "/transformer/attention/"),
        ("zh", "多头注意力", "/transformer/multi-head-attention/"),
        ("zh", "位置编码", "/transformer/positional-encoding/"),
        ("zh", "Transformer", "/transformer/"),
        ("zh", "softmax", "/transformer/attention/"),
        ("en", "layer normalization", "/reference/glossary/"),
        ("en", "layer normalization", "/deep-learning/training-deep-networks/"),  # the page the glossary names
        ("zh", "层归一化", "/reference/glossary/"),
        ("zh", "层归一化", "/transformer/transformer-block/"),
        ("zh", "线性代数", "/math/linear-algebra/"),
        ("zh", "奇异值分解", "/math/linear-algebra/"),
        ("zh", "链式法则", "/math/calculus/"),
        ("zh", "极大似然估计", "/math/probability/"),
        ("zh", "交叉熵", "/math/information-theory/"),
        ("zh", "梯度下降", "/math/optimization/"),
        ("zh", "大模型", "/start/what-is-a-large-model/"),
        ("zh", "PyTorch", "/programming/pytorch/"),
        ("en", "singular value decomposition", "/math/linear-algebra/"),
        ("en", "perplexity", "/math/information-theory/"),
        ("en", "broadcasting", "/programming/numpy-pandas/"),
        ("en", "arithmetic intensity", "/programming/hardware/"),
        # Stages 3-4: each page's main terms, in both languages
        ("en", "cross-validation", "/ml/workflow/"),
        ("zh", "交叉验证", "/ml/workflow/"),
        ("zh", "数据泄露", "/ml/workflow/"),
        ("en", "logistic regression", "/ml/classic-algorithms/"),
        ("en", "support vector machine", "/ml/classic-algorithms/"),
        ("zh", "逻辑回归", "/ml/classic-algorithms/"),
        ("zh", "支持向量机", "/ml/classic-algorithms/"),
        ("en", "BLEU", "/ml/metrics/"),
        ("en", "precision", "/ml/metrics/"),
        ("zh", "评估指标", "/ml/metrics/"),
        ("zh", "召回率", "/ml/metrics/"),
        ("en", "overfitting", "/ml/overfitting/"),
        ("en", "early stopping", "/ml/overfitting/"),
        ("zh", "过拟合", "/ml/overfitting/"),
        ("zh", "数据增强", "/ml/overfitting/"),
        ("en", "backpropagation", "/deep-learning/neural-networks/"),
        ("zh", "激活函数", "/deep-learning/neural-networks/"),
        ("zh", "反向传播", "/deep-learning/neural-networks/"),
        ("en", "batch normalisation", "/deep-learning/training-deep-networks/"),
        ("zh", "梯度消失", "/deep-learning/training-deep-networks/"),
        ("zh", "批量归一化", "/deep-learning/training-deep-networks/"),
        ("en", "convolution", "/deep-learning/cnn/"),
        ("zh", "卷积神经网络", "/deep-learning/cnn/"),
        ("zh", "感受野", "/deep-learning/cnn/"),
        ("en", "LSTM", "/deep-learning/rnn/"),
        ("zh", "循环神经网络", "/deep-learning/rnn/"),
        ("zh", "隐藏状态", "/deep-learning/rnn/"),
    ],
)
def test_search_finds_the_page(search_page, lang, query, expected):
    w = search_page(lang)
    hrefs = search(w.page, query)
    assert any(expected in h for h in hrefs[:5]), f"searching {query!r} on the {lang} site gave {hrefs[:5]}"
    assert not any("%C2%A7" in h for h in hrefs), "a glossary key (§...§) leaked into the words to highlight"
    assert not w.errors, w.errors


QUESTIONS = yaml.safe_load((REPO_ROOT / "tests/data/search_queries.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_answers_questions_and_phrases(search_page, lang):
    """Breaks if a plain question or phrase stops finding the page that answers it (every word used to be a
    prefix, stop words too: "what is a large model" ranked *Efficient attention* first): the answer must come
    first for >= 90% of tests/data/search_queries.yml and in the top three for >= 97%, in each language; or if
    the results show the glossary keys that rank them (§learning_rate§ chips under each result)."""
    w = search_page(lang)
    queries, first, top3, misses = QUESTIONS[lang], 0, 0, []
    assert len(QUESTIONS["en"]) + len(QUESTIONS["zh"]) >= 60
    for item in queries:
        answers = [item["page"]] if isinstance(item["page"], str) else item["page"]
        paths = [urlparse(h).path.strip("/").removeprefix(f"{lang}/").removeprefix(lang) for h in search(w.page, item["q"])]
        rank = next((i for i, p in enumerate(paths) if p in answers), None)
        first += rank == 0
        top3 += rank is not None and rank < 3
        if rank != 0:
            misses.append(f"  {item['q']!r}: {'not found' if rank is None else f'rank {rank + 1}'}, first {paths[:3]}")
    report = f"{lang}: first {first}/{len(queries)}, top three {top3}/{len(queries)}\n" + "\n".join(misses)
    assert first >= 0.9 * len(queries) and top3 >= 0.97 * len(queries), report
    shown = w.page.inner_text(".md-search-result")  # the ranking keys (page tags) are not for reading
    assert "\u00a7" not in shown, f"search results show the glossary keys: {shown[:300]!r}"
    assert not w.errors, w.errors


def test_search_index_is_fetched_only_when_search_opens(site_url, context):
    """Breaks if a first visit downloads the search index again (the largest file a page would load), or if
    opening search no longer loads it (theme/assets/javascripts/search-gate.js)."""
    w = Watched(context, site_url)
    asked: list[str] = []
    w.page.on("request", lambda r: asked.append(r.url))
    w.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    w.page.wait_for_timeout(1000)
    assert not [u for u in asked if "search_index.json" in u], "the index was fetched before search was opened"
    hrefs = search(w.page, "自注意力")
    assert [u for u in asked if "search_index.json" in u], "opening search did not fetch the index"
    assert any("/transformer/attention/" in h for h in hrefs[:5]), hrefs[:5]
    assert not w.errors, w.errors


@pytest.mark.parametrize("start, target", [("en", "zh"), ("zh", "en")])
def test_language_switch_keeps_the_page(site_url, context, start, target):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/{start}/transformer/attention/", wait_until="networkidle")
    w.page.wait_for_timeout(500)  # the switcher reads the other language's sitemap first
    w.page.hover(".md-header__option .md-select")
    w.page.click(f'.md-select__link[hreflang="{target}"]')
    w.page.wait_for_url(f"**/{target}/**", timeout=10000)
    assert w.page.url == f"{site_url}/{target}/transformer/attention/"


def test_copy_button_copies_the_program(site_url, browser):
    ctx = browser.new_context(locale="en-US")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    w = Watched(ctx, site_url)
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    snippet = w.page.locator(".snippet").first
    rel = snippet.get_attribute("data-snippet")
    code = snippet.locator(".highlight").first
    code.hover()
    code.locator('button[data-md-type="copy"]').click()
    copied = w.page.evaluate("navigator.clipboard.readText()")
    ctx.close()
    assert copied == (REPO_ROOT / rel).read_text(encoding="utf-8").rstrip()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_math_and_diagrams_render(site_url, context, lang):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/{lang}/transformer/attention/", wait_until="networkidle")
    w.page.wait_for_selector(".katex", state="attached", timeout=10000)  # "no math was rendered by KaTeX"
    assert not w.errors, w.errors
    assert w.page.locator(".arithmatex").filter(has_text="\\(").count() == 0, "raw TeX left on the page"
    # Diagrams are drawn in advance (scripts/diagrams.py): an SVG on the page, with a size, and no script.
    assert w.page.evaluate("typeof mermaid") == "undefined", "a page should not load Mermaid any more"
    box = w.page.locator("figure.diagram svg").first.bounding_box()
    assert box and box["height"] > 50 and box["width"] > 200, f"the attention page's diagram is not drawn: {box}"
    assert not w.foreign


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("en-GB", "en"), ("fr-FR", "en")])
def test_root_page_sends_the_reader_to_their_language(site_url, browser, locale, lang):
    ctx = browser.new_context(locale=locale)
    page = ctx.new_page()
    page.goto(f"{site_url}/")
    page.wait_for_url(f"{site_url}/{lang}/", timeout=10000)
    ctx.close()


def test_lab_notebook_renders_with_outputs_and_download(site_url, context):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/zh/transformer/lab-tiny-transformer/", wait_until="networkidle")
    assert w.page.locator(".jupyter-wrapper").count() == 1
    assert w.page.locator(".jp-OutputArea-output").count() > 0, "the notebook shows no outputs"
    assert w.page.locator(".jp-OutputArea-output svg, .jp-OutputArea-output img").count() > 0, \
        "the loss curve that plt.show() draws is missing from the notebook (scripts/labs.py: inline backend)"
    assert w.page.locator("a.lab-download[href$='lab-tiny-transformer.ipynb']").count() == 1, "no download link for the notebook"
    assert w.page.locator("a.lab-download[href$='lab_tiny_transformer.py']").count() == 1, "no link to the lab's source"
    text = w.page.locator(".jupyter-wrapper").inner_text()
    assert "第" in text and "Step 1" not in text, "the Chinese notebook must hold only the Chinese text cells"
    assert not w.foreign and not w.errors


# --- reading progress (localStorage, keyed by page id, shared by both languages) ---------------------


def toggle_state(page, expected: str) -> str:
    """The mark-as-done button's state, once it shows `expected` (after 5 s, whatever it shows).

    A page opened in another renderer process can load before the browser holds the last write to
    localStorage (seen once under load); the page's `storage` listener then brings it up to date, as it
    would for a reader, so the test waits for that instead of reading the first state."""
    try:
        page.wait_for_selector(f'[data-progress-toggle][aria-pressed="{expected}"]', timeout=5000)
    except PlaywrightTimeout:
        pass
    return page.get_attribute("[data-progress-toggle]", "aria-pressed")


def test_marking_done_survives_reload_and_shows_everywhere(site_url, context):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    assert toggle_state(w.page, "false") == "false"
    w.page.focus("[data-progress-toggle]")
    w.page.keyboard.press("Enter")  # keyboard-accessible: a real button
    assert toggle_state(w.page, "true") == "true"
    w.page.reload(wait_until="networkidle")
    assert toggle_state(w.page, "true") == "true", "progress lost on reload"
    w.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    assert toggle_state(w.page, "true") == "true", "the Chinese site does not see progress made on the English one"
    w.page.goto(f"{site_url}/zh/transformer/multi-head-attention/", wait_until="networkidle")
    expect(w.page.locator('.roadmap-before [data-page-id="attention"].is-done'), "no done mark in 'Before this'").to_have_count(1)
    for lang in ("en", "zh"):
        w.page.goto(f"{site_url}/{lang}/", wait_until="networkidle")
        expect(w.page.locator('.roadmap-map [data-page-id="attention"].is-done'), f"{lang} map does not show it").to_have_count(1)
        assert w.page.locator('.roadmap-map .is-done').count() == 1
        summary = w.page.inner_text("[data-progress-count]")
        assert "1" in summary, summary
        row = w.page.locator('[data-stage-progress][data-stage-pages*="attention"] .roadmap-progress__count')
        assert row.inner_text().startswith("1 / "), row.inner_text()
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    w.page.click("[data-progress-toggle]")
    assert toggle_state(w.page, "false") == "false", "clicking again must undo"
    assert not w.errors and not w.foreign


def test_export_then_import_restores_progress_in_a_fresh_browser(site_url, browser, tmp_path):
    ctx = browser.new_context(locale="en-US", accept_downloads=True)
    w = Watched(ctx, site_url)
    for path in ("transformer/attention/", "transformer/positional-encoding/"):
        w.page.goto(f"{site_url}/en/{path}", wait_until="networkidle")
        w.page.click("[data-progress-toggle]")
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    first, second = quiz_ids(w.page)[:2]
    answer_quiz(w.page, first, right=True)
    answer_quiz(w.page, second, right=False)
    w.page.goto(f"{site_url}/en/", wait_until="networkidle")
    with w.page.expect_download() as dl:
        w.page.click("[data-progress-export]")
    saved = tmp_path / "progress.json"
    dl.value.save_as(saved)
    ctx.close()

    fresh = browser.new_context(locale="zh-CN")
    w2 = Watched(fresh, site_url)
    w2.page.goto(f"{site_url}/zh/", wait_until="networkidle")
    assert w2.page.locator(".roadmap-map .is-done").count() == 0
    w2.page.set_input_files("[data-progress-import]", str(saved))
    w2.page.wait_for_selector(".roadmap-map .is-done")
    done = w2.page.eval_on_selector_all(".roadmap-map .is-done", "els => els.map(e => e.dataset.pageId)")
    assert sorted(done) == ["attention", "positional-encoding"]
    assert "2" in w2.page.inner_text("[data-progress-message]")
    assert "2 条自测记录" in w2.page.inner_text("[data-progress-message]")
    w2.page.goto(f"{site_url}/zh/transformer/positional-encoding/", wait_until="networkidle")
    assert toggle_state(w2.page, "true") == "true"
    w2.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    assert [quiz_state(w2.page, first), quiz_state(w2.page, second)] == ["correct", "wrong"], "quiz answers not restored"
    fresh.close()


@pytest.mark.parametrize(
    "content",
    ["not json at all", '{"version": 1, "done": ["attention"]}', '{"version": 2, "done": {}}', '{"version": 1, "done": {"Bad Id!": "2026-01-01"}}',
     '{"version": 1, "done": {"rnn": "yesterday"}}', '{"version": 1, "done": {"rnn": "2026-02-30"}}',
     '{"version": 1, "done": {}, "quiz": []}',
     '{"version": 1, "done": {}, "quiz": {"attention-shapes": {"ok": "yes", "pick": ["0123abcd"], "date": "2026-01-01"}}}',
     '{"version": 1, "done": {}, "quiz": {"attention-shapes": {"ok": true, "pick": "0123abcd", "date": "2026-01-01"}}}'],
    ids=["not-json", "done-not-object", "unknown-version", "bad-id", "not-a-date", "no-such-day", "quiz-not-object",
         "quiz-ok-not-boolean", "quiz-pick-not-a-list"],
)
def test_a_malformed_import_changes_nothing_and_says_why(site_url, browser, tmp_path, content):
    ctx = browser.new_context(locale="en-US")
    w = Watched(ctx, site_url)
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    w.page.click("[data-progress-toggle]")
    w.page.goto(f"{site_url}/en/", wait_until="networkidle")
    before = w.page.evaluate("localStorage.getItem('llm-roadmap-progress')")
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    w.page.set_input_files("[data-progress-import]", str(bad))
    w.page.wait_for_selector("[data-progress-message].is-error")
    assert "Nothing was changed" in w.page.inner_text("[data-progress-message]")
    assert w.page.evaluate("localStorage.getItem('llm-roadmap-progress')") == before
    assert w.page.locator(".roadmap-map .is-done").count() == 1
    ctx.close()


def test_an_import_counts_only_the_pages_this_site_has(site_url, context, tmp_path):
    """Breaks if ids of pages the site does not have are counted as imported or kept (a file from another
    version of the site), or if the reader is not told how many were left out."""
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/en/", wait_until="networkidle")
    progress = tmp_path / "progress.json"
    progress.write_text('{"version": 1, "done": {"attention": "2026-01-02", "rnn": "2026-01-03", '
                        '"quantum-gravity": "2026-01-04", "old-page": "2025-12-31"}}', encoding="utf-8")
    w.page.set_input_files("[data-progress-import]", str(progress))
    expect(w.page.locator("[data-progress-message]")).to_contain_text("Imported 2 pages")
    text = w.page.inner_text("[data-progress-message]")
    assert "2 page or question ids that this site does not have were left out" in text, text
    stored = w.page.evaluate("JSON.parse(localStorage.getItem('llm-roadmap-progress')).done")
    assert sorted(stored) == ["attention", "rnn"]
    assert w.page.locator(".roadmap-map .is-done").count() == 2
    assert not w.errors


FULL_STORAGE = """
Storage.prototype.setItem = function () {
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};
"""


def test_full_storage_is_a_message_and_changes_nothing(site_url, browser, tmp_path):
    """Breaks if a full localStorage (setItem throws) leaves the button showing "done" although nothing was
    saved, or fails without a word (it raised an uncaught error before)."""
    ctx = browser.new_context(locale="zh-CN")
    ctx.add_init_script(FULL_STORAGE)
    w = Watched(ctx, site_url)
    w.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    w.page.click("[data-progress-toggle]")
    expect(w.page.locator("[data-progress-toggle-message]")).to_contain_text("浏览器的存储空间已满")
    assert toggle_state(w.page, "false") == "false", "the page shows as done although nothing was saved"
    w.page.goto(f"{site_url}/zh/", wait_until="networkidle")
    progress = tmp_path / "progress.json"
    progress.write_text('{"version": 1, "done": {"attention": "2026-01-02"}}', encoding="utf-8")
    w.page.set_input_files("[data-progress-import]", str(progress))
    expect(w.page.locator("[data-progress-message].is-error")).to_contain_text("进度没有保存")
    assert w.page.locator(".roadmap-map .is-done").count() == 0
    assert not w.errors, w.errors
    ctx.close()


def test_reset_asks_first(site_url, context):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    w.page.click("[data-progress-toggle]")
    w.page.goto(f"{site_url}/en/", wait_until="networkidle")
    w.page.once("dialog", lambda d: d.dismiss())
    w.page.click("[data-progress-reset]")
    assert w.page.locator(".roadmap-map .is-done").count() == 1, "a dismissed confirmation must keep the progress"
    w.page.once("dialog", lambda d: d.accept())
    w.page.click("[data-progress-reset]")
    assert w.page.locator(".roadmap-map .is-done").count() == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_map_node_links_to_a_real_page(site_url, context, lang):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/{lang}/", wait_until="networkidle")
    nodes = w.page.eval_on_selector_all(
        ".roadmap-map a[data-page-id]", "els => els.map(e => [e.dataset.pageId, new URL(e.getAttribute('href'), location.href).href])"
    )
    assert len(nodes) >= 8
    for page_id, url in nodes:  # the pages as served (their toggle is in the HTML; nothing to render)
        response = context.request.get(url)
        assert response.ok, f"{url}: HTTP {response.status}"
        toggles = re.findall(r"<button\b[^>]*\bdata-progress-toggle(?=[\s>])[^>]*>", response.text())
        assert len(toggles) == 1 and f'data-page-id="{page_id}"' in toggles[0], f"{url} is not the page {page_id}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_not_found_page_links_back_and_offers_search(site_url, context, lang):
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/{lang}/404.html", wait_until="networkidle")
    w.page.click(".not-found a.md-button")
    w.page.wait_for_url(f"{site_url}/{lang}/")
    w.page.goto(f"{site_url}/{lang}/404.html", wait_until="networkidle")
    w.page.click('.not-found label[for="__search"]')
    assert w.page.locator(".md-search__input").is_visible()
    assert not w.foreign and not w.errors


# --- quizzes ("Check yourself" / "自测", tests/test_quiz.py checks their content) ---------------------------


def quiz_ids(page) -> list[str]:
    return page.eval_on_selector_all(".quiz-question", "els => els.map(e => e.dataset.quizId)")


def quiz_state(page, qid: str) -> str | None:
    return page.get_attribute(f'.quiz-question[data-quiz-id="{qid}"]', "data-quiz-state")


def answer_quiz(page, qid: str, right: bool) -> None:
    """Choose the right choices, or one wrong one, and press Check."""
    q = page.locator(f'.quiz-question[data-quiz-id="{qid}"]')
    keys = q.get_attribute("data-quiz-answer").split()
    values = q.locator("input").evaluate_all("els => els.map(e => e.value)")
    for value in keys if right else [next(v for v in values if v not in keys)]:
        q.locator(f'input[value="{value}"]').check()
    q.locator("[data-quiz-check]").click()
    expect(q).to_have_attribute("data-quiz-state", "correct" if right else "wrong")


def test_a_quiz_answer_gets_feedback_survives_reload_and_shows_in_the_other_language(site_url, context):
    """Breaks if answering gives no verdict or explanation, if a wrong answer does not show the right one, if
    answers are lost on reload or not shared with the other language, if the home page does not count them per
    stage, or if "Try again" does not forget the answer."""
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    first, second = quiz_ids(w.page)[:2]
    q = w.page.locator(f'.quiz-question[data-quiz-id="{first}"]')
    expect(q.locator(".quiz-explain")).to_be_hidden()
    q.locator("[data-quiz-check]").click()  # nothing chosen yet
    expect(q.locator(".quiz-verdict")).to_have_text("Choose an answer first.")
    assert quiz_state(w.page, first) is None
    answer_quiz(w.page, first, right=False)
    expect(q.locator(".quiz-verdict")).to_contain_text("Not quite")
    expect(q.locator(".quiz-explain")).to_be_visible()
    expect(q.locator(".quiz-section a")).to_have_attribute("href", re.compile(r"^#\S+"))
    assert q.locator(".quiz-choice.is-right").count() == len(q.get_attribute("data-quiz-answer").split())
    assert q.locator(".quiz-choice.is-wrong").count() == 1
    expect(q.locator("[data-quiz-retry]")).to_be_visible()
    answer_quiz(w.page, second, right=True)
    expect(w.page.locator(f'.quiz-question[data-quiz-id="{second}"] .quiz-verdict')).to_have_text("Right.")
    w.page.reload(wait_until="networkidle")
    assert [quiz_state(w.page, first), quiz_state(w.page, second)] == ["wrong", "correct"], "answers lost on reload"
    w.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    assert [quiz_state(w.page, first), quiz_state(w.page, second)] == ["wrong", "correct"], "the Chinese page does not show them"
    expect(w.page.locator(f'.quiz-question[data-quiz-id="{second}"] .quiz-verdict')).to_have_text("回答正确。")
    for lang, text in (("en", "1 / {n} quiz answers right"), ("zh", "自测答对 1 / {n} 题")):
        w.page.goto(f"{site_url}/{lang}/", wait_until="networkidle")
        row = w.page.locator('[data-stage-progress][data-stage-pages*="attention"] [data-stage-quiz]')
        n = len(row.get_attribute("data-stage-quiz").split())
        expect(row).to_have_text(text.format(n=n))
    w.page.goto(f"{site_url}/en/transformer/attention/", wait_until="networkidle")
    q.locator("[data-quiz-retry]").click()
    assert quiz_state(w.page, first) is None and q.locator("input:checked").count() == 0
    expect(q.locator(".quiz-explain")).to_be_hidden()
    stored = w.page.evaluate("JSON.parse(localStorage.getItem('llm-roadmap-progress')).quiz")
    assert sorted(stored) == [second], stored
    assert not w.errors and not w.foreign


def test_a_quiz_can_be_answered_with_the_keyboard_and_is_labelled(site_url, context):
    """Breaks if a question cannot be answered without a mouse (choose with the arrow keys, Tab to Check,
    Enter), if focus is lost after answering, or if the question, its choices and its verdict are not exposed
    to a screen reader (a legend, labelled inputs, a live region)."""
    w = Watched(context, site_url)
    w.page.goto(f"{site_url}/zh/transformer/attention/", wait_until="networkidle")
    qid = w.page.eval_on_selector('.quiz-question:not([data-quiz-kind="multiple"])', "e => e.dataset.quizId")
    q = w.page.locator(f'.quiz-question[data-quiz-id="{qid}"]')
    for question in w.page.locator(".quiz-question").all():
        assert question.evaluate("e => e.tagName") == "FIELDSET" and question.locator("legend").inner_text().strip()
        expect(question.locator(".quiz-feedback")).to_have_attribute("role", "status")
        for box in question.locator("input").all():
            assert box.evaluate("e => !!e.closest('label') && e.closest('label').innerText.trim().length > 0")
    q.locator("input").first.focus()
    w.page.keyboard.press("ArrowDown")  # moves to, and selects, the next choice
    assert q.locator("input:checked").count() == 1
    w.page.keyboard.press("Tab")
    assert w.page.evaluate("document.activeElement.hasAttribute('data-quiz-check')")
    w.page.keyboard.press("Enter")
    assert quiz_state(w.page, qid) in ("correct", "wrong")
    assert w.page.evaluate("document.activeElement.hasAttribute('data-quiz-retry')"), "focus lost after answering"
    w.page.keyboard.press("Enter")
    assert quiz_state(w.page, qid) is None
    assert w.page.evaluate("document.activeElement.type") in ("radio", "checkbox")
    assert not w.errors and not w.foreign
