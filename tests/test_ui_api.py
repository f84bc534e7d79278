"""The chat app's `ask` API through gradio_client, and `serve` / `rag chat` options, with the fake models."""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from rag.errors import RagError
from rag.settings import Settings
from tests.conftest import FakeLLM
from tests.ui_helpers import RecordingPipeline, SlowFakeLLM, running_app
from ui.app import port_problem as REAL_PORT_PROBLEM

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("ui-api")) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False, download_files=False)


@pytest.fixture
def fresh(server):
    server.pipeline._llm = FakeLLM()
    server.pipeline.calls.clear()
    server.pipeline.max_active = 0
    return server


def test_ask_returns_answer_and_cited_paragraphs(client, fresh):
    result = client.predict(QUESTION, api_name="/ask")
    assert result["answer"].endswith("[18].") and result["refused"] is False and result["verified"] is True
    assert result["citations"] == [{"doc": "000_7bfd9efb098ecdeb.txt", "paragraph": 18,
                                    "text": fresh.pipeline.store.paragraphs[17].text}]
    assert "Qin Gang" in result["citations"][0]["text"]
    assert {"doc": "000_7bfd9efb098ecdeb.txt", "paragraph": 18} in result["retrieved"]


def test_ask_passes_history_for_follow_ups(client, fresh):
    client.predict(question="Dari jabatan apa dia dipromosikan?", history=[QUESTION], api_name="/ask")
    assert fresh.pipeline.calls == [("Dari jabatan apa dia dipromosikan?", (QUESTION,))]


def test_ask_refusal(client, fresh):
    fresh.pipeline._llm = FakeLLM("NO_ANSWER")
    result = client.predict("How long did the call last?", api_name="/ask")
    assert result == {**result, "answer": "The documents do not say.", "refused": True, "citations": []}


def test_bad_question_is_a_one_line_app_error(client, fresh):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the question is empty"):
        client.predict("   ", api_name="/ask")
    assert fresh.pipeline.calls == [("   ", ())]  # rejected before retrieval, by the pipeline


def test_a_question_naming_nothing_is_an_app_error_unless_it_follows_another(client, fresh):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the question names nothing to look for"):
        client.predict("Siapa?", api_name="/ask")
    assert client.predict(question="Siapa?", history=[QUESTION], api_name="/ask")["answer"]


def test_only_one_answer_runs_at_a_time(client, fresh):
    fresh.pipeline._llm = SlowFakeLLM(delay=0.1)
    jobs = [client.submit(q, api_name="/ask") for q in (QUESTION, "When did Putin visit Xi in Beijing?",
                                                         "Apa yang dikatakan Xi tentang prospek perdamaian?")]
    results = [j.result(timeout=30) for j in jobs]
    assert all(r["answer"] for r in results)
    assert len(fresh.pipeline.calls) == 3 and fresh.pipeline.max_active == 1


def test_llm_events_share_one_slot_and_rebuild_has_its_own(server):
    fns = list(server.app.fns.values())
    llm = [f for f in fns if f.name in ("answer", "ask")]
    assert len(llm) >= 2 and all(f.concurrency_id == "llm" and f.concurrency_limit == 1 for f in llm)
    (rebuild,) = [f for f in fns if f.name == "rebuild"]
    assert rebuild.concurrency_id != "llm" and rebuild.concurrency_limit == 1
    assert [f.api_name for f in fns if f.api_visibility == "public"] == ["ask"]


def test_auth_is_required_when_configured(tmp_path):
    from gradio_client import Client

    with running_app(tmp_path, auth=("ann", "s3cret")) as srv:
        with pytest.raises(Exception):
            Client(srv.url, verbose=False).predict(QUESTION, api_name="/ask")
        result = Client(srv.url, auth=("ann", "s3cret"), verbose=False).predict(QUESTION, api_name="/ask")
        assert result["citations"]


# ------------------------------------------------------------------ serve / rag chat


@pytest.fixture
def fake_serve(monkeypatch, settings, fake_embedder, fake_llm):
    """serve() with the fake models and launch() recorded instead of run."""
    import ui.app

    launched = {}
    def pipeline(s, log=None):
        launched["pipeline"] = RecordingPipeline(s, embedder=fake_embedder, llm=fake_llm, log=log)
        return launched["pipeline"]

    monkeypatch.setattr(ui.app, "Pipeline", pipeline)
    monkeypatch.setattr(ui.app, "check_models", lambda s: launched.setdefault("checked", s))  # no GGUF assembled
    monkeypatch.setattr(ui.app, "port_problem", lambda host, port: "")  # whatever else this machine runs
    monkeypatch.setattr(ui.app, "launch", lambda app, host, port, auth=None, block=True: launched.update(
        app=app, host=host, port=port, auth=auth, block=block))
    for name in ("follow_index", "watch_seeds"):  # the background loops: recorded, not run
        monkeypatch.setattr(ui.app, name, lambda pipeline, stop, name=name: launched.setdefault("loops", []).append(name))
    return launched


def test_serve_builds_index_then_launches(fake_serve, settings, capsys):
    from ui.app import serve

    serve(settings, port=7999)
    out, err = capsys.readouterr()
    assert "indexed 1 document, 19 paragraphs" in out and len(out.strip().splitlines()) == 1
    assert fake_serve["host"] == "127.0.0.1" and fake_serve["port"] == 7999 and fake_serve["auth"] is None
    assert "WARNING" not in err and f"watching {settings.seeds}" in err
    for _ in range(100):  # the loops run in threads of their own
        if len(fake_serve.get("loops", [])) == 2:
            break
        time.sleep(0.02)
    assert sorted(fake_serve["loops"]) == ["follow_index", "watch_seeds"] and fake_serve["checked"] == settings
    fake_serve["pipeline"].log("a newer index was published but cannot be used")  # e.g. from refresh()
    assert "rag chat: a newer index was published" in capsys.readouterr().err


def test_serve_without_watch_does_not_watch_the_seeds(fake_serve, settings, capsys):
    from ui.app import serve

    serve(settings, watch=False)
    time.sleep(0.2)
    assert fake_serve.get("loops") == ["follow_index"] and "watching" not in capsys.readouterr().err


def test_serve_warns_on_all_interfaces_without_auth(fake_serve, settings, capsys, monkeypatch):
    from ui.app import serve

    serve(settings, host="0.0.0.0")
    assert "WARNING" in capsys.readouterr().err
    monkeypatch.setenv("RAG_AUTH", "ann:s3cret")
    serve(settings, host="0.0.0.0")
    assert "WARNING" not in capsys.readouterr().err
    assert fake_serve["auth"] == ("ann", "s3cret")
    serve(settings, host="0.0.0.0", auth="bob:pw")  # the flag wins over the variable
    assert fake_serve["auth"] == ("bob", "pw")


def test_serve_rejects_malformed_auth_before_loading_anything(fake_serve, settings):
    from ui.app import serve

    with pytest.raises(RagError, match="user:password"):
        serve(settings, auth="nopassword")
    assert not fake_serve


def test_rag_chat_malformed_auth_is_one_line(seeds, tmp_path, monkeypatch):
    from rag.cli import cli

    monkeypatch.setenv("RAG_AUTH", "justuser")
    result = CliRunner().invoke(cli, ["chat", "--seeds", str(seeds), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert "user:password" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "i").exists()


def test_rag_chat_watches_the_seeds_unless_told_not_to(seeds, tmp_path, monkeypatch):
    import ui.app
    from rag.cli import cli

    calls: list[dict] = []
    monkeypatch.setattr(ui.app, "serve", lambda settings, **kw: calls.append(kw))
    for args, watch in (([], True), (["--no-watch"], False), (["--watch"], True)):
        result = CliRunner().invoke(cli, ["chat", "--seeds", str(seeds), "--index", str(tmp_path / "i"), *args])
        assert result.exit_code == 0, result.output
        assert calls[-1]["watch"] is watch


def test_close_sets_the_stop_event_on_the_servers_loop():
    """Gradio's own close sets the server's asyncio stop event from the caller's thread, racing the
    loop's waiters (a CI failure: "deque mutated during iteration"); ui.app.close sets it on the loop."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from ui.app import close

    loop = asyncio.new_event_loop()
    server_thread = threading.Thread(target=loop.run_forever, daemon=True)
    server_thread.start()
    setters: list[threading.Thread] = []

    class StopEvent(asyncio.Event):
        def set(self) -> None:
            setters.append(threading.current_thread())
            super().set()

    async def make() -> asyncio.Event:
        return StopEvent()

    try:
        event = asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=5)
        waiters = [asyncio.run_coroutine_threadsafe(event.wait(), loop) for _ in range(3)]
        deadline = time.monotonic() + 5
        while len(event._waiters or ()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        closed: list[bool] = []
        app = SimpleNamespace(app=SimpleNamespace(stop_event=event), close=lambda verbose=True: closed.append(verbose))
        close(app)
        assert setters == [server_thread]
        assert [w.result(timeout=5) for w in waiters] == [True, True, True]
        assert closed == [False]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        server_thread.join(timeout=5)


@pytest.mark.parametrize("setting, says", [
    ({"llm_model": "/nonexistent.gguf"}, "RAG_LLM_MODEL=/nonexistent.gguf does not exist"),
    ({"embed_model": "/nonexistent_dir"}, "RAG_EMBED_MODEL=/nonexistent_dir: the folder /nonexistent_dir does not exist"),
])
def test_rag_chat_with_a_model_that_cannot_be_found_does_not_start(monkeypatch, settings, setting, says):
    """The page used to open and look ready; only the first question showed the error."""
    import ui.app
    from rag.cli import cli

    monkeypatch.setattr(ui.app, "launch", lambda *a, **k: pytest.fail("the chat started"))
    for name, value in setting.items():
        monkeypatch.setenv(Settings.ENV[name], value)
    result = CliRunner().invoke(cli, ["chat", "--seeds", str(settings.seeds), "--index", str(settings.index_dir)])
    assert result.exit_code == 1 and result.output.startswith(f"Error: {says}"), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_rag_chat_on_a_busy_port_says_so_before_indexing(fake_serve, settings, monkeypatch):
    """It said so only after indexing the whole seeds folder."""
    import socket

    import ui.app
    from ui.app import serve

    monkeypatch.setattr(ui.app, "port_problem", REAL_PORT_PROBLEM)  # the fixture's stand-in, undone

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RagError, match=rf"cannot listen on 127\.0\.0\.1:{port} \(Address already in use\); pass another --port"):
            serve(settings, port=port)
    assert "pipeline" not in fake_serve and "checked" not in fake_serve  # nothing indexed, no model looked for
    serve(settings, port=port)  # free again
    assert fake_serve["port"] == port
