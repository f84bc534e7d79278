"""A follow-up pointing back at its earlier question's event is asked with the event written out
(`rag/followup.py`, `with_event`)."""
from __future__ import annotations

import pytest

from rag.followup import with_event

COLLAPSE_ID = "Kapan upaya pembicaraan damai antara Rusia dan Ukraina runtuh?"
COLLAPSE_EN = "When did peace talks between Russia and Ukraine effectively collapse?"


@pytest.mark.parametrize("earlier, question, asked", [
    (COLLAPSE_ID, "Apa yang menyebabkan hal itu?",
     "Apa yang menyebabkan upaya pembicaraan damai antara Rusia dan Ukraina runtuh?"),
    (COLLAPSE_ID, "Apa yang memicu hal tersebut terjadi?",
     "Apa yang memicu upaya pembicaraan damai antara Rusia dan Ukraina runtuh?"),
    (COLLAPSE_ID, "Apa yang memicu keruntuhan itu?",  # the closing verb made a noun
     "Apa yang memicu upaya pembicaraan damai antara Rusia dan Ukraina runtuh?"),
    ("Mengapa Rusia makin bergantung pada China?", "Sejak kapan hal itu terjadi?",
     "Sejak kapan Rusia makin bergantung pada China?"),
    (COLLAPSE_EN, "What led to that collapse?", "Why did peace talks between Russia and Ukraine effectively collapse?"),
    ("When was Qin Gang promoted?", "Why did that happen?", "Why was Qin Gang promoted?"),
])
def test_the_event_of_a_when_or_why_question_is_written_out(earlier, question, asked):
    assert with_event(question, [earlier]) == asked


@pytest.mark.parametrize("earlier, question", [
    ("Apa yang dikatakan Putin tentang kesiapan Moskow?", "Setelah apa dia mengatakan hal itu?"),  # a fragment
    (COLLAPSE_ID, "Siapa yang dituduh melakukannya?"),  # no "hal itu"
    (COLLAPSE_ID, "Apakah hal itu terjadi sebelum hal ini?"),  # two: which is which?
    (COLLAPSE_ID, "Apa yang memicu kegagalan itu?"),  # a noun of another verb than the event's
    ("Siapa yang mengakui kekhawatiran Xi?", "Kapan dia mengakui kekhawatiran itu?"),  # a thing, after "Siapa"
    ("Who is Qin Gang?", "What led to that?"),
    (COLLAPSE_EN, "What did he say about that?"),  # not what caused it
])
def test_anything_else_is_asked_as_typed(earlier, question):
    assert with_event(question, [earlier]) == question
    assert with_event(question, []) == question


def test_the_pipeline_asks_and_searches_the_written_out_question(pipeline):
    retrieval_questions: list[str] = []
    search = pipeline.retrieve

    def spy(question, *args, **kwargs):
        retrieval_questions.append(question)
        return search(question, *args, **kwargs)

    pipeline.retrieve = spy
    pipeline.ask("Apa yang menyebabkan hal itu?", [COLLAPSE_ID])
    asked = "Apa yang menyebabkan upaya pembicaraan damai antara Rusia dan Ukraina runtuh?"
    assert retrieval_questions[0] == asked
    assert f"Question: {asked}" in pipeline._llm.prompts[0]

