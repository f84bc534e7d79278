"""The browser chat (Gradio): streaming answers, a sources panel, index status and rebuild, an API.

`rag chat` calls `serve`; tests call `build_app` with a fake pipeline and `launch` it on a free port.
(No `from __future__ import annotations` here: gr.api reads the `ask` endpoint's type hints.)
"""
import asyncio
import logging
import os
import sys
import threading
from concurrent.futures import CancelledError
from typing import Any, Callable, Optional, Union

import gradio as gr

from rag.answer import Answer, Reset, Token
from rag.errors import NoDocuments, RagError
from rag.indexer import rebuild_on_changes
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.user_input import clean_history, clean_question

from . import views
from .preflight import check_models, parse_auth, port_problem  # noqa: F401 - tests patch them here
from .status import index_info, status_key  # noqa: F401 - tests import index_info from here
from .assets import CSS, HEAD, theme

log = logging.getLogger("rag.ui")

EXAMPLES = [
    "Apa isi artikel ini?",  # a question about the whole document (overview.py): any corpus, no model
    "Siapa yang dipromosikan menjadi menteri luar negeri China?",
    "When did Putin visit Xi in Beijing?",
    "Apa yang dikatakan Xi tentang prospek perdamaian?",
    "What did Putin say about relations with China?",
]
MAX_TURNS_KEPT = 20  # sources of earlier answers kept per tab
# The app takes no files, but Gradio's upload route exists on every app: keep it from filling the disk.
MAX_UPLOAD_BYTES = 1024
LLM_QUEUE = "llm"  # concurrency group of everything that runs the LLM (llama.cpp is not thread-safe)

PipelineSource = Union[Pipeline, Callable[[], Pipeline]]


class PipelineRef:
    """A pipeline given as is, or made by a factory on first use (once, shared by every tab)."""

    def __init__(self, source: PipelineSource):
        is_factory = callable(source) and not hasattr(source, "ask_stream")
        self._pipeline = None if is_factory else source
        self._factory = source if is_factory else None
        self._lock = threading.Lock()

    def __call__(self) -> Pipeline:
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    self._pipeline = self._factory()
        return self._pipeline


def new_session() -> dict:
    """Per-tab state: this tab's questions (for follow-ups) and the sources of its answers."""
    return {"questions": [], "turns": [], "count": 0, "pending": None}


def _controls(n: int, enabled: bool) -> list:
    return [gr.update(interactive=enabled) for _ in range(n)]


STATUS_POLL_S = 5.0  # how often an open page checks whether the index it describes changed


def build_app(pipeline_factory_or_pipeline: PipelineSource, settings: Settings) -> gr.Blocks:
    """The chat app. Launch it with `launch()` (theme, CSS and script are launch options in Gradio 6)."""
    pipe = PipelineRef(pipeline_factory_or_pipeline)

    # ---------------------------------------------------------------- handlers

    def refresh_status() -> tuple[str, str]:
        info = index_info(pipe(), settings)
        return views.status_html(info), info.get("key", "")

    def status_tick(shown: str):
        """Every few seconds: the status line again, only when the index in use has changed (the
        chat watches the seeds folder and follows `rag index` run elsewhere)."""
        try:
            if status_key(pipe()) == shown:
                return gr.skip(), shown
        except RagError:  # no usable index: the line already says so, or will on the next change
            return gr.skip(), shown
        info = index_info(pipe(), settings)
        new_index = shown and shown.split(":")[0] != info.get("generation")  # not just another file skipped
        note = {"note": "the documents changed; answers now come from them"} if new_index else {}
        return views.status_html({**info, **note}), info.get("key", "")

    def take_question(question: str, chat: list, session: dict):
        """Fast step: show the question, lock the inputs; or show why it cannot be asked."""
        chat = list(chat or [])
        question = (question or "").encode("utf-8", "replace").decode("utf-8")  # JSON cannot carry lone surrogates
        try:
            q = clean_question(question, settings.max_question_chars,
                               follows=bool(clean_history(session["questions"])))
        except RagError as exc:
            if question.strip():
                chat.append({"role": "user", "content": views.question_html(question)})
            chat.append({"role": "assistant", "content": views.error_html(str(exc))})
            session["pending"] = None
            return (question, chat, session, *_controls(n_controls, True))
        session["pending"] = q
        chat.append({"role": "user", "content": views.question_html(q)})  # Gradio shows "…" / queue position
        # the box too: Enter in it mid-answer emptied it, and the next streamed token dropped that question
        return (gr.update(value="", interactive=False), chat, session, *_controls(n_controls, False))

    def answer(chat: list, session: dict):
        """Slow step (one at a time): stream the answer, then link citations and fill the sources.
        Its last outputs are the controls and the question box, unlocked when it ends."""
        unlock = _controls(n_controls + 1, True)  # the controls and the question box
        q = session.get("pending")
        if not q:
            yield (gr.skip(), gr.skip(), gr.skip(), *unlock)
            return
        session["pending"] = None
        chat = list(chat or [])
        if not chat or chat[-1].get("role") != "assistant":
            chat.append({"role": "assistant", "content": ""})
        keep = (gr.skip(), gr.skip(), *[gr.skip()] * (n_controls + 1))
        text, retried, final = "", False, None
        stream = None
        try:
            stream = pipe().ask_stream(q, list(session["questions"]))
            for event in stream:
                if session.get("cleared"):  # the chat's trash icon, mid-answer: stop, write nothing back
                    break
                if isinstance(event, Token):
                    text += event.text
                    chat[-1] = {"role": "assistant", "content": views.streaming_html(text, retried)}
                    yield (chat, *keep)
                elif isinstance(event, Reset):
                    text, retried = "", event.reason
                    chat[-1] = {"role": "assistant", "content": views.streaming_html(text, retried)}
                    yield (chat, *keep)
                elif isinstance(event, Answer):
                    final = event
        except RagError as exc:
            chat[-1] = {"role": "assistant", "content": views.error_html(str(exc))}
            yield (chat, gr.skip(), session, *unlock)
            return
        except Exception as exc:  # noqa: BLE001 - the browser gets one line, the log the traceback
            log.exception("answering %r failed", q)
            msg = f"something went wrong while answering ({type(exc).__name__}); the server log has details"
            chat[-1] = {"role": "assistant", "content": views.error_html(msg)}
            yield (chat, gr.skip(), session, *unlock)
            return
        finally:
            if stream is not None:
                stream.close()  # releases the LLM if the browser went away mid-answer
        if session.get("cleared"):  # its answer would bring the cleared chat back
            yield (gr.skip(), gr.skip(), gr.skip(), *unlock)
            return
        if final is None:  # the pipeline always ends with an Answer; never leave the chat locked
            chat[-1] = {"role": "assistant", "content": views.error_html("no answer came back; try again")}
            yield (chat, gr.skip(), session, *unlock)
            return
        session["count"] += 1
        turn = session["count"]
        chat[-1] = {"role": "assistant", "content": views.answer_html(final, turn)}
        session["questions"] = (session["questions"] + [q])[-max(settings.max_history, 1) * 4:]
        session["turns"] = (session["turns"] + [{"question": q, "sources": views.sources_html(final, turn)}])[-MAX_TURNS_KEPT:]
        yield (chat, views.sources_panel(session["turns"]), session, *unlock)

    def unlock_after_failure(session: dict):
        """The controls unlocked and the question not answered put back in the box, to ask again."""
        q, session["pending"] = session.get("pending") or "", None
        return (*_controls(n_controls, True), gr.update(value=q, interactive=True))

    def clear(session: dict):
        """An empty chat and a new session; the old one is marked, so an answer streaming into it stops
        (Gradio hands every event of a tab the same session object)."""
        session["cleared"] = True
        return ([], views.EMPTY_SOURCES, new_session(), "")

    def rebuild(progress=gr.Progress(track_tqdm=True)):
        """Build a new index beside the live one; chats keep the old one until it is complete."""
        info = index_info(pipe(), settings)
        busy = {"error": "rebuilding the index…"} if info.get("error") else {**info, "note": "rebuilding… chats keep using the current index"}
        yield views.status_html(busy), gr.update(interactive=False), gr.skip()
        progress(0, desc="Rebuilding index")
        try:
            note = pipe().ensure_index(progress=True).summary()
            # the new corpus's prompt prefix and reading states, before the next question needs them
            threading.Thread(target=_warm_up, args=(pipe(),), name="rag-warm-up", daemon=True).start()
        except RagError as exc:
            note = f"rebuild failed: {exc}"
        info = index_info(pipe(), settings)
        yield (views.status_html(info if info.get("error") else {**info, "note": note}), gr.update(interactive=True),
               info.get("key", ""))

    def ask(question: str, history: Optional[list[str]] = None) -> dict:
        """Answer a question from the documents. Returns {answer, citations: [{doc, paragraph, text}], refused, verified, lang, retrieved}."""
        try:
            return views.api_result(pipe().ask(question, list(history or [])))
        except RagError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    # ---------------------------------------------------------------- layout

    with gr.Blocks(title="Ask the documents", analytics_enabled=False, fill_width=True) as demo:
        gr.Markdown("## Ask the documents\nAnswers come only from the documents; every claim cites its paragraph.")
        status = gr.HTML(views.status_html({"error": "loading…"}), elem_id="rag-status")
        shown_index = gr.State("")  # what the status line describes: its index generation and skipped files (status_key)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(elem_id="rag-chat", label="Chat", height=520, latex_delimiters=[],
                                     feedback_options=None, group_consecutive_messages=False, buttons=["copy_all"],
                                     placeholder="Ask in Indonesian or English. Click a citation like [3] to see its paragraph.")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Type a question and press Enter…",
                                          elem_id="rag-question", scale=5, max_lines=4, autofocus=True)
                    send = gr.Button("Ask", variant="primary", elem_id="rag-send", scale=1, min_width=80)
                gr.Markdown("Examples:")
                with gr.Row():
                    example_buttons = [gr.Button(q, size="sm", elem_classes=["rag-example"]) for q in EXAMPLES]
                with gr.Row():
                    clear_btn = gr.Button("Clear chat", size="sm", elem_id="rag-clear")
                    rebuild_btn = gr.Button("Rebuild index", size="sm", elem_id="rag-rebuild")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(views.EMPTY_SOURCES, elem_id="rag-sources")
        session = gr.State(new_session())

        controls = [send, clear_btn, *example_buttons]
        n_controls = len(controls)
        ui = {"api_visibility": "private"}

        def then_answer(dep):
            answered = dep.then(answer, [chatbot, session], [chatbot, sources, session, *controls, question],
                                concurrency_limit=1, concurrency_id=LLM_QUEUE, show_progress="minimal", **ui)
            # the answer step refused by Gradio itself (queue full: "currently busy", a dropped
            # connection) never runs to unlock the tab; this does, with the question back in the box
            answered.failure(unlock_after_failure, session, [*controls, question], queue=False, **ui)
            return answered

        then_answer(gr.on([question.submit, send.click], take_question, [question, chatbot, session],
                          [question, chatbot, session, *controls], queue=False, **ui))
        for btn, q in zip(example_buttons, EXAMPLES):
            then_answer(btn.click(lambda q=q: q, None, question, queue=False, **ui)
                        .then(take_question, [question, chatbot, session], [question, chatbot, session, *controls],
                              queue=False, **ui))
        clear_btn.click(clear, session, [chatbot, sources, session, question], queue=False, **ui)
        chatbot.clear(clear, session, [chatbot, sources, session, question], queue=False, **ui)  # its trash icon
        rebuild_btn.click(rebuild, None, [status, rebuild_btn, shown_index], concurrency_limit=1, concurrency_id="index",
                          show_progress="full", **ui)
        demo.load(refresh_status, None, [status, shown_index], concurrency_limit=None, **ui)
        gr.Timer(STATUS_POLL_S).tick(status_tick, shown_index, [status, shown_index], concurrency_limit=None,
                                     queue=False, show_progress="hidden", **ui)
        gr.api(ask, api_name="ask", concurrency_limit=1, concurrency_id=LLM_QUEUE)
    demo.queue(max_size=64)
    return demo


# -------------------------------------------------------------------- serving


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: Optional[tuple[str, str]] = None,
           block: bool = True, quiet: bool = False) -> tuple[Any, str, Any]:
    """Launch `app` with the chat's theme, CSS and script. block=False returns at once (tests)."""
    try:
        return app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                          share=False, inbrowser=False, show_error=False, quiet=quiet, ssr_mode=False,
                          mcp_server=False, theme=theme(), css=CSS, head=HEAD,
                          max_file_size=MAX_UPLOAD_BYTES, allowed_paths=[],
                          auth_message="Sign in to ask the documents." if auth else None)
    except OSError as exc:
        raise RagError(f"cannot listen on {host}:{port} ({exc}); pass another --port") from None


def close(app: gr.Blocks) -> None:
    """Close an app `launch(block=False)` started, from any thread.

    Gradio's `close` sets the server's asyncio stop event from the calling thread; with answers
    streaming, the server's loop changes that event's waiters at the same time ("deque mutated
    during iteration"). So the event is set on its own loop first, and `close` finds it set."""
    event = getattr(getattr(app, "app", None), "stop_event", None)
    loop = getattr(event, "_loop", None)  # bound by the first waiter; None while nothing waits
    if loop is not None and loop.is_running():
        async def stop() -> None:
            event.set()
        try:
            asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=5)
        except (TimeoutError, RuntimeError, CancelledError):  # the loop is stopping on its own
            pass
    app.close(verbose=False)


def _warm_up(pipeline: Pipeline) -> None:
    """Load the embedder and the LLM before the first question (errors show again in the chat)."""
    try:
        seconds = pipeline.ready()  # both models, torch's kernels, the prompt prefix's KV cache
        print(f"rag chat: ready to answer from {pipeline.settings.seeds} (models, prompt prefix and paragraph"
              f" readings prepared in {seconds:.1f}s)", file=sys.stderr)
    except RagError as exc:
        print(f"rag chat: {exc}", file=sys.stderr)


INDEX_POLL_S = 2.0  # how often the chat looks for an index another process published


def follow_index(pipeline: Pipeline, stop: threading.Event, every: float = INDEX_POLL_S) -> None:
    """Until `stop` is set: switch to an index another process published (`rag index --watch`
    beside the chat), then prepare the new corpus (its prompt prefix and reading states) before
    the next question needs them."""
    while not stop.wait(every):
        if pipeline.refresh():
            print("rag chat: a new index was published; answering from it (preparing it in the background)",
                  file=sys.stderr)
            _warm_up(pipeline)


def watch_seeds(pipeline: Pipeline, stop: threading.Event) -> None:
    """Until `stop` is set: bring the index up to date whenever the seeds folder changes (a file
    dropped in, edited or removed), then prepare the new corpus in the background. Only changed
    documents are embedded; a failed build is reported and the old index keeps answering, unless
    the folder has no document left: then questions get a message saying so (`Pipeline.seeds_empty`)."""
    def rebuild() -> None:
        report = pipeline.ensure_index(progress=False)
        print(f"rag chat: seeds changed: {report.summary()}", file=sys.stderr)
        if not report.up_to_date:
            _warm_up(pipeline)

    def failed(exc: RagError) -> None:
        after = "; no question is answered until documents are added" if isinstance(exc, NoDocuments) else ""
        print(f"rag chat: the index was not updated: {exc}{after}", file=sys.stderr)

    try:
        rebuild_on_changes(pipeline.settings.seeds, rebuild, failed, stop)
    except (OSError, RuntimeError) as exc:  # the folder went away, or the watcher could not start
        print(f"rag chat: stopped watching {pipeline.settings.seeds} ({exc}); use 'Rebuild index'", file=sys.stderr)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: Optional[str] = None,
          watch: bool = True) -> None:
    """`rag chat`: one shared pipeline, index brought up to date, then the app until Ctrl-C.
    With `watch`, a change in the seeds folder updates the index while the chat runs."""
    credentials = parse_auth(auth if auth is not None else os.environ.get("RAG_AUTH"))
    if host in ("0.0.0.0", "::", "[::]") and credentials is None:
        print("\n" + "!" * 78 + "\n!! WARNING: serving on " + host + " WITHOUT --auth: anyone on the network can use"
              " this chat.\n!! Pass --auth user:password (or set RAG_AUTH), or bind to 127.0.0.1.\n" + "!" * 78 + "\n",
              file=sys.stderr)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    busy = port_problem(host, port)  # before minutes of indexing, not after
    if busy:
        raise RagError(f"cannot listen on {host}:{port} ({busy}); pass another --port, or stop what uses it")
    check_models(settings)
    pipeline = Pipeline(settings, log=lambda message: print(f"rag chat: {message}", file=sys.stderr))
    report = pipeline.ensure_index()
    print(f"rag chat: {report.summary()}", flush=True)
    threading.Thread(target=_warm_up, args=(pipeline,), name="rag-warm-up", daemon=True).start()
    threading.Thread(target=follow_index, args=(pipeline, threading.Event()), name="rag-follow-index",
                     daemon=True).start()
    if watch:
        threading.Thread(target=watch_seeds, args=(pipeline, threading.Event()), name="rag-watch-seeds",
                         daemon=True).start()
        print(f"rag chat: watching {settings.seeds}: files dropped in are indexed while the chat runs", file=sys.stderr)
    launch(build_app(pipeline, settings), host, port, credentials, block=True)
