"""The pipeline end to end with the fake embedder and the scripted fake LLM."""
from __future__ import annotations

import pytest

from rag.answer import Answer, Token
from rag.errors import BadQuestion
from tests.conftest import FakeLLM


def test_answer_cites_a_given_passage(pipeline):
    answer = pipeline.ask("Siapa yang dipromosikan menjadi menteri luar negeri?")
    assert not answer.refused and answer.verified
    given = {h.key for h in answer.passages}
    assert answer.citations and all(c.key in given for c in answer.citations)
    assert f"[{answer.citations[0].paragraph}]" in answer.text


def test_stream_yields_tokens_then_answer(pipeline):
    events = list(pipeline.ask_stream("Apa kata Xi tentang perdamaian?"))
    assert any(isinstance(e, Token) for e in events)
    assert isinstance(events[-1], Answer)
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert streamed.strip() == events[-1].text.strip()


def test_sentinel_becomes_localized_refusal(pipeline):
    pipeline._llm = FakeLLM("NO_ANSWER")
    answer = pipeline.ask("Berapa lama panggilan video itu berlangsung?")
    assert answer.refused and not answer.citations
    assert answer.text == "Informasi itu tidak ada dalam dokumen."
    answer = pipeline.ask("How long did the call last?")
    assert answer.text == "The documents do not say."


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "🙂🙂"])
def test_bad_questions_are_one_line_errors(pipeline, question):
    with pytest.raises(BadQuestion):
        pipeline.ask(question)
