"""Load: 10 concurrent gradio_client sessions x 3 questions against the running app.

Every request is answered, no answer reaches the wrong session, each session's history stays its
own, memory stays flat from one round to the next, and waiting users see their queue position.
The fake LLM streams with a per-piece delay, so answers really queue behind the single LLM slot.
Prints throughput and the p50/p90 queue wait (run with -s to see them). Optionally one session
with the real models (skipped with RAG_SKIP_REAL=1, or when the models are not installed).
"""
from __future__ import annotations

import gc
import os
import statistics
import threading
import time
from pathlib import Path

import pytest

from tests.ui_helpers import RecordingPipeline, SlowFakeLLM, running_app

pytestmark = [pytest.mark.load, pytest.mark.filterwarnings("ignore:::gradio.queueing")]

SESSIONS = 10
QUESTIONS = 3
PIECE_DELAY = 0.04  # seconds per streamed piece (3 pieces per answer): ~0.12 s of "LLM" per answer
SKIP_REAL = os.environ.get("RAG_SKIP_REAL", "").strip() in ("1", "true", "yes")  # read before conftest clears RAG_*


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def question(s: int, j: int) -> str:
    return f"Apa jawaban untuk sesi{s} soal{j}?"


def expected(s: int, j: int) -> str:
    return f"KODE{s}X{j}"


def write_session_docs(seeds: Path) -> None:
    """One document per session; each question's answer is a code no other session's answer has."""
    seeds.mkdir(parents=True, exist_ok=True)
    for s in range(SESSIONS):
        lines = [f"{expected(s, j)} adalah jawaban untuk sesi{s} soal{j}." for j in range(QUESTIONS)]
        (seeds / f"sesi{s:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


class TimedPipeline(RecordingPipeline):
    """Records when each question starts being answered (the end of its queue wait)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started: dict[str, float] = {}

    def ask_stream(self, question, history=(), k=None):
        self.started.setdefault(question, time.perf_counter())
        yield from super().ask_stream(question, history, k)


def run_round(clients: list, tag: str) -> dict:
    """One thread per client (session), all at once; each asks its QUESTIONS in turn with its own history."""
    from gradio_client.utils import Status

    results: dict[int, list] = {}
    errors: list[str] = []
    submitted: dict[str, float] = {}
    finished: dict[str, float] = {}
    queue_seen: list[tuple[int, int]] = []  # (rank, queue_size) reported to waiting jobs
    barrier = threading.Barrier(len(clients))

    def session(s: int) -> None:
        try:
            history: list[str] = []
            answers = []
            barrier.wait(timeout=60)
            for j in range(QUESTIONS):
                q = question(s, j) + tag
                submitted[q] = time.perf_counter()
                job = clients[s].submit(q, history, api_name="/ask")
                while not job.done():
                    st = job.status()
                    if st.code == Status.IN_QUEUE and st.rank is not None:
                        queue_seen.append((st.rank, st.queue_size or 0))
                    time.sleep(0.01)
                answers.append(job.result(timeout=120))
                finished[q] = time.perf_counter()
                history.append(q)
            results[s] = answers
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(f"session {s}: {type(exc).__name__}: {exc}")

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(s,)) for s in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return {"results": results, "errors": errors, "submitted": submitted, "finished": finished,
            "queue_seen": queue_seen, "seconds": time.perf_counter() - start}


def test_concurrent_sessions_all_answered_unmixed_with_flat_memory(tmp_path, capsys):
    write_session_docs(tmp_path / "seeds")
    from gradio_client import Client

    with running_app(tmp_path, llm=SlowFakeLLM(delay=PIECE_DELAY), pipeline_cls=TimedPipeline) as srv:
        clients = [Client(srv.url, verbose=False, download_files=False) for _ in range(SESSIONS)]
        try:
            _load_rounds(srv, clients, capsys)
        finally:
            for c in clients:
                c.close()  # stops its heartbeat thread


def _load_rounds(srv, clients, capsys) -> None:
    run_round(clients, " (pemanasan)")  # warm-up: sessions and first-use allocations are made here
    gc.collect()
    rss = [rss_mb()]
    rounds = []
    for r in range(2):
        srv.pipeline.calls.clear()
        srv.pipeline.max_active = 0
        out = run_round(clients, f" (putaran {r})")
        gc.collect()
        rss.append(rss_mb())
        rounds.append(out)

        # every request answered, by the right session, with that session's own history
        assert out["errors"] == []
        assert sorted(out["results"]) == list(range(SESSIONS))
        for s, answers in out["results"].items():
            assert len(answers) == QUESTIONS
            assert expected(s, 0) in answers[0]["answer"], answers[0]["answer"]  # no history yet: exact
            for j, a in enumerate(answers):  # follow-ups may lean on the previous question: same session
                assert f"KODE{s}X" in a["answer"], (s, j, a["answer"])
                others = [expected(o, k) for o in range(SESSIONS) for k in range(QUESTIONS) if o != s]
                assert not any(code in a["answer"] for code in others), (s, j, a["answer"])
                assert a["citations"] and {c["doc"] for c in a["citations"]} == {f"sesi{s:02d}.txt"}
        calls = dict(srv.pipeline.calls)
        assert len(calls) == SESSIONS * QUESTIONS
        for s in range(SESSIONS):
            qs = [question(s, j) + f" (putaran {r})" for j in range(QUESTIONS)]
            for j, q in enumerate(qs):
                assert calls[q] == tuple(qs[:j]), (q, calls[q])
        assert srv.pipeline.max_active == 1  # one answer at a time: the rest really queued

    # queue position visible to waiting clients
    seen = [x for out in rounds for x in out["queue_seen"]]
    assert seen and max(rank for rank, _ in seen) >= 1 and max(size for _, size in seen) >= 2

    # memory flat: after the warm-up only allocator noise (a leak of even 100 KB a request would be 3 MB a round)
    assert rss[2] - rss[0] < 10 and rss[2] - rss[1] < 5, f"RSS grew across rounds: {rss} MB"

    waits = [srv.pipeline.started[q] - out["submitted"][q] for out in rounds for q in out["submitted"]]
    latency = [out["finished"][q] - out["submitted"][q] for out in rounds for q in out["submitted"]]
    n = len(waits)
    total_s = sum(out["seconds"] for out in rounds)
    deciles = statistics.quantiles(waits, n=10)
    lat_deciles = statistics.quantiles(latency, n=10)
    with capsys.disabled():
        print(f"\nload: {SESSIONS} sessions x {QUESTIONS} questions x 2 rounds = {n} requests, 0 lost; "
              f"throughput {n / total_s:.2f} answers/s; queue wait p50 {deciles[4]:.2f}s p90 {deciles[8]:.2f}s; "
              f"latency p50 {lat_deciles[4]:.2f}s p90 {lat_deciles[8]:.2f}s; "
              f"max queue rank seen {max(r for r, _ in seen)}, size {max(q for _, q in seen)}; "
              f"RSS {rss[0]:.0f} -> {rss[1]:.0f} -> {rss[2]:.0f} MB")


@pytest.mark.integration
@pytest.mark.skipif(SKIP_REAL, reason="RAG_SKIP_REAL=1")
def test_one_real_model_session(tmp_path, capsys):
    """The real embedder and LLM behind the app: one session, a question and a follow-up."""
    from gradio_client import Client

    from rag.errors import ModelMissing
    from rag.models import embed_location
    from rag.packaged import assemble_gguf
    from tests.conftest import REAL_HOME
    from tests.ui_helpers import free_port, make_settings
    from ui.app import build_app, close, launch

    settings = make_settings(tmp_path)
    try:
        embed_location(settings)
        real_llm_path = assemble_gguf(REAL_HOME / "models", progress=False)  # once per machine, then verified
    except ModelMissing as exc:
        pytest.skip(f"bundled models unavailable: {exc}")
    # the verified GGUF of the real cache (nothing assembled); prefix KV states go to the test's RAG_HOME
    settings = settings.replace(llm_model=str(real_llm_path), max_tokens=48, k=3, threads=2)
    pipeline = RecordingPipeline(settings, log=lambda m: None)
    pipeline.ensure_index(progress=False)
    app = build_app(pipeline, settings)
    _, url, _ = launch(app, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        client = Client(url, verbose=False, download_files=False)
        t0 = time.perf_counter()
        first = client.predict("Siapa yang dipromosikan menjadi menteri luar negeri China?", api_name="/ask")
        t1 = time.perf_counter()
        second = client.predict("Dari jabatan apa dia dipromosikan?",
                                history=["Siapa yang dipromosikan menjadi menteri luar negeri China?"], api_name="/ask")
        t2 = time.perf_counter()
        client.close()
    finally:
        close(app)
    for result in (first, second):
        assert result["answer"]
        for c in result["citations"]:
            assert c["text"] == pipeline.store.paragraphs[pipeline.store.row(c["doc"], c["paragraph"])].text
    assert pipeline.calls[1][1] == ("Siapa yang dipromosikan menjadi menteri luar negeri China?",)
    with capsys.disabled():
        print(f"\nreal model session: {t1 - t0:.1f}s, {t2 - t1:.1f}s; answers: {first['answer']!r} / {second['answer']!r}")
