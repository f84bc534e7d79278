"""The chat's background preparation gives the LLM up to questions (`rag.priority`)."""
from __future__ import annotations

import threading
import time

from rag.corpus_copy import CopyCache, translate_missing
from rag.documents import Paragraph, text_hash
from rag.priority import QuestionGate
from tests.conftest import FakeLLM

TEXTS = ["Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet sejak perang dimulai.",
         "Qin Gang dipromosikan menjadi menteri luar negeri China pada Desember."]


def test_the_gate_waits_only_while_a_question_is_answered():
    gate = QuestionGate()
    assert not gate.busy() and gate.wait() is False
    asked, released = threading.Event(), threading.Event()

    def question() -> None:
        with gate.question():
            asked.set()
            released.wait(5)

    worker = threading.Thread(target=question)
    worker.start()
    asked.wait(5)
    assert gate.busy()
    threading.Timer(0.2, released.set).start()
    start = time.perf_counter()
    assert gate.wait(timeout=5) is True
    assert time.perf_counter() - start >= 0.15 and not gate.busy()
    worker.join(5)


def test_a_question_arriving_mid_translation_stops_it_and_the_paragraph_is_translated_again_after(tmp_path):
    gate = QuestionGate()
    opened = []

    class AskedMeanwhile(FakeLLM):
        """The first translation's stream: a question arrives after its first piece, done 0.2 s later."""

        def stream(self, prompt, max_tokens, prefix=""):
            for i, piece in enumerate(super().stream(prompt, max_tokens, prefix)):
                if not opened and i == 1:
                    cm = gate.question()
                    cm.__enter__()
                    opened.append(cm)
                    threading.Timer(0.2, cm.__exit__, (None, None, None)).start()
                yield piece

    llm = AskedMeanwhile("The Russian president has left the former Soviet Union only once.", pieces=6)
    cache = CopyCache(tmp_path, "m", "id")
    paragraphs = [Paragraph("a.txt", i, t, text_hash(t)) for i, t in enumerate(TEXTS, 1)]
    assert translate_missing(llm, cache, paragraphs, gate=gate) == 2
    assert len(llm.prompts) == 3 and TEXTS[0] in llm.prompts[0] and TEXTS[0] in llm.prompts[1]  # asked again
    assert [cache.get(p) for p in paragraphs] == ["The Russian president has left the former Soviet Union only once."] * 2


def test_a_question_is_counted_from_its_first_event_until_its_stream_ends_or_is_closed(settings, fake_embedder):
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM("Qin Gang [18]."), log=lambda m: None)
    pipe.ensure_index(progress=False)
    events = pipe.ask_stream("Siapa yang dipromosikan menjadi menteri luar negeri China?")
    assert not pipe.gate.busy()
    next(events)
    assert pipe.gate.busy()
    events.close()  # a client gone mid-answer
    assert not pipe.gate.busy()
    assert pipe.ask("Siapa yang dipromosikan menjadi menteri luar negeri China?").text and not pipe.gate.busy()
