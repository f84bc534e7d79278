"""The chat in headless Debian Chromium (Playwright), with the fake embedder and LLM."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import FakeLLM
from tests.ui_helpers import SlowFakeLLM, running_app

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:::gradio.queueing")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"
TIMEOUT = 20_000  # ms


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package); browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("ui-browser"), llm=SlowFakeLLM(delay=0.25)) as srv:
        yield srv


@pytest.fixture
def fresh(server):
    """Each test starts with the default scripted LLM and an empty record."""
    server.pipeline._llm = SlowFakeLLM(delay=0.25)
    server.pipeline.calls.clear()
    return server


def open_chat(browser, url: str):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#rag-question textarea")
    page.wait_for_selector("#rag-status .rag-status:not(.rag-status-error)")
    return page


def wait_status(page, text: str) -> str:
    """The status line, once it shows `text`."""
    page.wait_for_function(f"document.querySelector('#rag-status').innerText.includes({text!r})")
    return page.inner_text("#rag-status")


def ask(page, question: str) -> None:
    page.fill("#rag-question textarea", question)
    page.keyboard.press("Enter")


def last_answer(page):
    return page.locator("#rag-chat .rag-answer").last


def wait_final(page, n: int) -> None:
    """Wait until the chat holds n finished (non-streaming) answers."""
    page.wait_for_function(
        "n => document.querySelectorAll('#rag-chat .rag-answer:not(.rag-streaming)').length >= n", arg=n)


def test_answer_streams_cites_and_shows_its_source(browser, fresh, tmp_path):
    page = open_chat(browser, fresh.url)
    assert "19 paragraphs" in page.inner_text("#rag-status") and "FakeLLM" in page.inner_text("#rag-status")
    # tokens arrive before the final answer: noted by a DOM observer, which a busy machine cannot
    # make miss the 2.5 s of streaming as it can a selector polled on animation frames
    page.evaluate("""() => { window.ragStreamed = false; new MutationObserver(() => {
        if (document.querySelector('#rag-chat .rag-streaming')) window.ragStreamed = true;
    }).observe(document.body, {childList: true, subtree: true}); }""")
    ask(page, QUESTION)
    page.wait_for_function("window.ragStreamed === true")
    # Enter mid-answer emptied the box, and the next streamed token dropped that question
    assert page.is_disabled("#rag-question textarea")
    cite = page.wait_for_selector("#rag-chat a.rag-cite")
    assert cite.inner_text() == "[18]"
    assert not page.locator("#rag-chat .rag-streaming").count()
    target = cite.get_attribute("href")
    source = page.locator(f"#rag-sources {target}")
    assert source.count() == 1
    text = source.inner_text()
    assert "000_7bfd9efb098ecdeb.txt" in text and "¶18" in text
    assert "Qin Gang, telah dipromosikan menjadi menteri luar negeri" in text
    assert source.locator("mark").count() >= 1
    assert page.locator("#rag-sources details.rag-retrieved").count() == 1
    assert page.locator("#rag-sources details.rag-retrieved").get_attribute("open") is None
    url = page.url
    cite.click()
    page.wait_for_selector(f"#rag-sources {target}.rag-flash")  # the click shows the paragraph, no navigation
    assert page.url == url and len(page.context.pages) == 1
    page.wait_for_function("!document.querySelector('#rag-question textarea').disabled")  # unlocked when done
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.context.close()


def test_refusal_unverified_example_and_bad_question(browser, fresh):
    page = open_chat(browser, fresh.url)
    fresh.pipeline._llm = FakeLLM("NO_ANSWER")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "198.51.100.7" in request.url else None)
    markdown = "# **Berapa** lama panggilan video itu berlangsung? ![x](http://198.51.100.7/x.png)"
    ask(page, markdown)
    wait_final(page, 1)
    # shown as typed: no heading, no bold, no image fetched from elsewhere (the chat renders Markdown)
    assert markdown in page.inner_text("#rag-chat")
    assert not page.locator("#rag-chat h1, #rag-chat strong, #rag-chat img[src*='198.51.100.7']").count()
    assert not fetched
    refusal = last_answer(page)
    assert "rag-refused" in refusal.get_attribute("class")
    assert "Informasi itu tidak ada dalam dokumen." in refusal.inner_text()
    assert refusal.locator(".rag-badge-refused").count() == 1
    assert "No paragraph answers" in page.inner_text("#rag-sources")

    fresh.pipeline._llm = FakeLLM("Qin Gang menjadi menteri.")  # no citation, even after the stricter retry
    page.get_by_role("button", name="When did Putin visit Xi in Beijing?").click()
    wait_final(page, 2)
    unverified = last_answer(page)
    assert "rag-unverified" in unverified.get_attribute("class")
    assert unverified.locator(".rag-badge-unverified").inner_text().lower() == "unverified"
    assert fresh.pipeline.calls[-1][0] == "When did Putin visit Xi in Beijing?"

    page.click("#rag-send")  # empty question: a friendly line in the chat, the model is not asked
    page.wait_for_selector("#rag-chat .rag-error")
    assert "the question is empty" in page.inner_text("#rag-chat .rag-error")
    ask(page, "x" * 3000)
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-error').length >= 2")
    assert "keep it under 2,000" in page.locator("#rag-chat .rag-error").last.inner_text()
    assert len(fresh.pipeline.calls) == 2
    assert "Traceback" not in page.inner_text("body")

    page.click("#rag-clear")
    page.wait_for_function("!document.querySelector('#rag-chat .rag-answer')")
    assert "Ask a question" in page.inner_text("#rag-sources")
    page.context.close()


def test_each_tab_has_its_own_conversation(browser, fresh):
    fresh.pipeline._llm = FakeLLM()
    a, b = open_chat(browser, fresh.url), open_chat(browser, fresh.url)
    ask(a, QUESTION)
    wait_final(a, 1)
    ask(a, "Dari jabatan apa dia dipromosikan?")
    wait_final(a, 2)
    ask(b, "Apa yang dikatakan Xi tentang prospek perdamaian?")
    wait_final(b, 1)
    calls = dict(fresh.pipeline.calls)
    assert calls["Dari jabatan apa dia dipromosikan?"] == (QUESTION,)  # follow-up sees its tab's question
    assert calls["Apa yang dikatakan Xi tentang prospek perdamaian?"] == ()  # the other tab sees nothing
    assert QUESTION not in b.inner_text("#rag-chat")
    assert "Earlier: " + QUESTION in a.inner_text("#rag-sources")
    a.context.close()
    b.context.close()


def test_two_tabs_asking_at_once_both_get_their_own_answers(browser, fresh):
    """Both questions are submitted before either answer finishes: they queue for the one LLM
    and each tab shows the answer to its own question, citing its own paragraph."""
    a, b = open_chat(browser, fresh.url), open_chat(browser, fresh.url)
    ask(a, QUESTION)
    ask(b, "Apa yang dikatakan Xi tentang prospek perdamaian?")
    wait_final(a, 1)
    wait_final(b, 1)
    text_a, text_b = last_answer(a).inner_text(), last_answer(b).inner_text()
    assert "Beijing mengumumkan" in text_a and "[18]" in text_a and "[7]" not in text_a  # the fake restates ¶18
    assert "Jalan menuju" in text_b and "[7]" in text_b and "[18]" not in text_b
    a.context.close()
    b.context.close()


def test_the_status_line_follows_the_index_and_the_rebuild_button_picks_up_new_documents(browser, tmp_path):
    from ui.app import STATUS_POLL_S

    with running_app(tmp_path / "app") as srv:
        page = open_chat(browser, srv.url)
        assert "1 document ·" in page.inner_text("#rag-status")
        seeds = srv.settings.seeds
        shutil.copy(next(seeds.iterdir()), seeds / "copy.txt")
        srv.pipeline.ensure_index(progress=False)  # behind the page: what the chat's seeds watcher does
        assert "the documents changed" in wait_status(page, "2 documents")
        shutil.copy(seeds / "copy.txt", seeds / "copy2.txt")
        page.click("#rag-rebuild")
        assert "indexed 3 documents" in wait_status(page, "3 documents")
        assert page.locator("#rag-rebuild").is_enabled()
        deadline = time.monotonic() + 10  # the new corpus is warmed up in the background, as at start
        while srv.pipeline.readied == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.pipeline.readied == 1
        time.sleep(STATUS_POLL_S + 1)  # the rebuild's own note is not replaced by the next check
        assert "indexed 3 documents" in page.inner_text("#rag-status")
        page.context.close()


def test_a_question_gradio_refuses_unlocks_the_tab_and_goes_back_in_the_box(browser, tmp_path):
    """With Gradio's queue full ("This application is currently busy"), the answer step never ran, so
    the tab stayed locked, its question gone, until a reload lost the conversation."""
    import json
    import urllib.error
    import urllib.request

    with running_app(tmp_path, llm=SlowFakeLLM(delay=0.3)) as srv:
        ask_api = next(i for i, f in srv.app.fns.items() if f.name == "ask")

        def join(n: int) -> int:
            body = json.dumps({"data": ["Siapa menteri luar negeri China?", None], "fn_index": ask_api,
                               "session_hash": f"flood{n}", "event_data": None, "trigger_id": None}).encode()
            request = urllib.request.Request(srv.url.rstrip("/") + "/gradio_api/queue/join", body,
                                             {"content-type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        page = open_chat(browser, srv.url)
        assert 503 in [join(n) for n in range(70)]  # the queue (64) is full
        ask(page, QUESTION)
        page.wait_for_function("q => document.querySelector('#rag-chat').innerText.includes(q)", arg=QUESTION)
        # locked by the question step, then unlocked with the question back once Gradio refused the answer step
        page.wait_for_function("""q => { const box = document.querySelector('#rag-question textarea');
            return !box.disabled && box.value === q && !document.querySelector('#rag-send').disabled; }""", arg=QUESTION)
        page.context.close()


# The parts of the chat's messages that can be seen (clipped to its scroll area) that lie under its
# floating label or clear/copy buttons, as "message ↔ thing" lines: none should.
COVERED = """() => {
  const box = el => el.getBoundingClientRect();
  const meet = (a, b) => ({left: Math.max(a.left, b.left), top: Math.max(a.top, b.top),
                           right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom)});
  const some = r => r.right > r.left && r.bottom > r.top;
  const area = box(document.querySelector('#rag-chat .bubble-wrap'));
  const above = [...document.querySelectorAll('#rag-chat .icon-button-wrapper, #rag-chat .icon-button-wrapper button, #rag-chat label')];
  const out = [];
  document.querySelectorAll('#rag-chat .message-row .message').forEach((m, i) => {
    const seen = meet(box(m), area);
    if (some(seen)) above.forEach(a => { if (some(meet(seen, box(a)))) out.push(i + ' ↔ ' + a.outerHTML.slice(0, 60)); });
  });
  return out;
}"""


def test_the_chat_label_and_buttons_never_cover_a_message(browser, fresh):
    """Gradio's clear/copy buttons float over the chat's top-right corner: the first message's text
    went under them (and under the "Chat" label) once the chat scrolled, or nearly touched them."""
    fresh.pipeline._llm = FakeLLM()
    page = open_chat(browser, fresh.url)
    ask(page, QUESTION + " " + "panjang " * 40)  # wraps to the chat's right edge, under the buttons' column
    wait_final(page, 1)
    assert page.locator("#rag-chat .icon-button-wrapper button").count() >= 2  # clear and copy
    area = "document.querySelector('#rag-chat .bubble-wrap')"
    for n in range(2, 9):  # until the conversation scrolls
        if page.evaluate(f"{area}.scrollHeight > {area}.clientHeight + 200"):
            break
        page.wait_for_function("!document.querySelector('#rag-question textarea').disabled")
        ask(page, QUESTION)
        wait_final(page, n)
    assert page.evaluate(f"{area}.scrollHeight > {area}.clientHeight + 200")
    for top in ("0", "30", "60", "el.scrollHeight"):  # the first message whole, going under the top edge, the latest
        # scrolled again at each poll, and to the bottom as it is then: the chat may still grow or scroll itself
        page.wait_for_function(f"(el => (el.scrollTo({{top: {top}, behavior: 'instant'}}), Math.abs(el.scrollTop"
                               f" - Math.min({top}, el.scrollHeight - el.clientHeight)) < 2))({area})")
        assert page.evaluate(COVERED) == [], f"scrolled to {top}"
    page.context.close()
