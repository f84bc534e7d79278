"""Questions that ask two things: split, each part answered on its own, joined into one answer."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from rag.answer import Answer, Reset, Token
from rag.compound import split_question
from rag.prompt import HISTORY_LEAD, HISTORY_NOTE
from tests.conftest import FakeLLM, cite_first_passage


@pytest.mark.parametrize("question, parts", [
    ("Who visited Xi in Beijing in early February, and who was sent to Beijing this month?",
     ["Who visited Xi in Beijing in early February?", "Who was sent to Beijing this month?"]),
    ("Kapan Putin mengunjungi Xi di Beijing, dan kapan pertemuan tatap muka terakhir mereka?",
     ["Kapan Putin mengunjungi Xi di Beijing?", "Kapan pertemuan tatap muka terakhir mereka?"]),
    ("Siapa yang dikirim ke Beijing dan di mana pertemuan puncak trilateral diadakan?",
     ["Siapa yang dikirim ke Beijing?", "Di mana pertemuan puncak trilateral diadakan?"]),
    ("Siapakah yang dikirim ke Beijing, dan kapankah Qin Gang dipromosikan?",
     ["Siapakah yang dikirim ke Beijing?", "Kapankah Qin Gang dipromosikan?"]),
    ("When and where did Putin attend a trilateral summit?",
     ["When did Putin attend a trilateral summit?", "Where did Putin attend a trilateral summit?"]),
    ("How many and which provinces did Russia try to annex?",
     ["How many provinces did Russia try to annex?", "Which provinces did Russia try to annex?"]),
    ("Kapan dan di mana pertemuan tatap muka terakhir mereka?",
     ["Kapan pertemuan tatap muka terakhir mereka?", "Di mana pertemuan tatap muka terakhir mereka?"]),
    ("Kapan Xi bertemu Putin, dan pada bulan apa pembicaraan damai runtuh?",
     ["Kapan Xi bertemu Putin?", "Pada bulan apa pembicaraan damai runtuh?"]),
    ("Siapa yang dikirim ke Beijing dan di kota mana pertemuan puncak diadakan?",
     ["Siapa yang dikirim ke Beijing?", "Di kota mana pertemuan puncak diadakan?"]),
    # the noun after "in which" is what the second word asks for, not part of the first question
    ("Where and in which season is Xi expected to meet Putin next?",
     ["Where is Xi expected to meet Putin next?", "In which season is Xi expected to meet Putin next?"]),
    ("When and which city did Putin visit?", ["When did Putin visit?", "Which city did Putin visit?"]),
    ("When and what did Putin say about the talks?",
     ["When did Putin say about the talks?", "What did Putin say about the talks?"]),
])
def test_two_questions_in_one_are_split(question, parts):
    assert split_question(question) == parts


@pytest.mark.parametrize("question", [
    "When did Putin visit Xi in Beijing?",
    "What did Putin and Xi pledge?",  # "and" between names
    "Siapa dua tokoh yang dikirim atau diangkat yang disebut artikel?",
    "Why did the talks collapse, and why?",  # a bare question word asks about the first part
    "Apa dampak sanksi dan apa",
    "Apa hubungan Rusia dan China pada hari Jumat?",  # "dan" between names, a time noun without apa
    "Who and what?",  # nothing to ask the two words about
])
def test_one_question_is_not_split(question):
    assert split_question(question) is None


def _question_of(prompt: str) -> str:
    return re.findall(r"^Question: (.+)$", prompt, re.M)[-1]


def _shown(events: list) -> str:
    """What a client shows at the end of the stream: the tokens since the last Reset."""
    text = ""
    for event in events:
        text = "" if isinstance(event, Reset) else text + event.text if isinstance(event, Token) else text
    return text


def test_each_part_is_answered_on_its_own_then_joined(pipeline, fake_llm):
    # (the fake copies its first passage: "Dia mengunjungi Xi di Beijing ..." names Xi, whom the
    # first part asks for)
    question = "Siapa yang dikunjungi Putin di Beijing, dan siapa yang dipromosikan menjadi menteri luar negeri?"
    events = list(pipeline.ask_stream(question))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.question == question and not answer.refused
    first, second = fake_llm.prompts
    assert _question_of(first) == "Siapa yang dikunjungi Putin di Beijing?"
    assert _question_of(second) == "Siapa yang dipromosikan menjadi menteri luar negeri?"
    assert HISTORY_LEAD not in second  # an unrelated part is read without the first one
    assert answer.text == f"{cite_first_passage(first)} {cite_first_passage(second)}"
    cited = [c.key for c in answer.citations]
    assert len(cited) == len(set(cited)) >= 1
    given = {h.key for h in answer.passages}
    assert set(cited) <= given
    assert _shown(events).strip() == answer.text.strip()
    assert answer.timings["n_parts"] == 2 and len(answer.timings["parts"]) == 2
    parts = answer.timings["parts"]
    assert answer.timings["support_s"] == pytest.approx(sum(p["support_s"] for p in parts))
    assert answer.timings["retrieval_s"] == pytest.approx(sum(p["retrieval_s"] for p in parts))


def test_a_part_that_refers_back_is_asked_with_the_parts_before_it(pipeline, fake_llm):
    pipeline.ask("Kapan Putin mengunjungi Xi di Beijing, dan kapan pertemuan tatap muka terakhir mereka?")
    first, second = fake_llm.prompts
    assert HISTORY_LEAD not in first
    assert HISTORY_LEAD + "Kapan Putin mengunjungi Xi di Beijing?\n" + HISTORY_NOTE in second
    assert _question_of(second) == "Kapan pertemuan tatap muka terakhir mereka?"


def test_a_part_the_documents_do_not_answer_says_so_by_name(pipeline):
    def script(prompt: str) -> str:
        return "NO_ANSWER" if "lahir" in _question_of(prompt) else cite_first_passage(prompt)

    pipeline._llm = FakeLLM(script)
    events = list(pipeline.ask_stream("Siapa yang dipromosikan menjadi menteri luar negeri, dan kapan Qin Gang lahir?"))
    answer = events[-1]
    assert not answer.refused and answer.citations
    assert answer.text.endswith("Tentang “Kapan Qin Gang lahir”: informasi itu tidak ada dalam dokumen.")
    assert _shown(events).strip() == answer.text.strip()


def test_a_part_given_the_answer_of_an_earlier_part_again_says_the_documents_do_not_answer_it(pipeline):
    pipeline._llm = FakeLLM("Putin visited Xi in Beijing in early February [16].")  # for both parts
    events = list(pipeline.ask_stream("In which month did Putin travel to Beijing to see Xi, and in which month "
                                      "did the two leaders later meet in person?"))
    answer = events[-1]
    assert not answer.refused and [c.paragraph for c in answer.citations] == [16]
    assert answer.text.count("February") == 1
    assert answer.text.endswith("On “In which month did the two leaders later meet in person”: the documents "
                                "do not say.")
    assert _shown(events).strip() == answer.text.strip()


def test_no_part_answered_is_the_plain_refusal(pipeline):
    pipeline._llm = FakeLLM("NO_ANSWER")
    events = list(pipeline.ask_stream("Who was born in Beijing, and who died in Moscow last year?"))
    answer = events[-1]
    assert _shown(events) == answer.text
    assert answer.refused and not answer.citations and answer.text == "The documents do not say."
    assert len(pipeline._llm.prompts) == 2


def test_splitting_can_be_switched_off(pipeline, settings, fake_llm):
    pipeline.settings = replace(settings, split_questions=False)
    pipeline.ask("Siapa yang mengunjungi Xi di Beijing, dan siapa yang dipromosikan menjadi menteri luar negeri?")
    assert len([p for p in fake_llm.prompts if "closest to the question" not in p]) == 1  # one question, not two


def test_parts_citing_different_documents_name_them():
    from rag.citations import Citation
    from rag.compound import join_answers
    from rag.retriever import Hit

    a = Answer("Q1?", "Jawaban satu [3].", (Citation("a.txt", 3),), (Hit("a.txt", 3, "x", 1.0),), lang="id")
    b = Answer("Q2?", "Jawaban dua [5].", (Citation("b.txt", 5),), (Hit("b.txt", 5, "y", 1.0),), lang="id")
    joined = join_answers("Q1, dan q2?", ["Q1?", "Q2?"], [a, b])
    assert joined.text == "Jawaban satu [a.txt ¶3]. Jawaban dua [b.txt ¶5]."
    assert [c.key for c in joined.citations] == [("a.txt", 3), ("b.txt", 5)]
    one_doc = replace(b, citations=(Citation("a.txt", 5),), passages=(Hit("a.txt", 5, "y", 1.0),))
    same = join_answers("Q1, dan q2?", ["Q1?", "Q2?"], [a, one_doc])
    assert same.text == "Jawaban satu [3]. Jawaban dua [5]."  # one document: the short labels stay
