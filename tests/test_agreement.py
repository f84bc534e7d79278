"""A middling answer over the whole corpus is asked for again over the top passages alone; over
retrieved passages, its cited passage is judged and maybe quoted."""
from __future__ import annotations

import pytest

from rag.agreement import AGREE_BELOW, AGREE_PASSAGES, QUOTE_BELOW, agrees
from rag.answer import Answer, Reset
from rag.citations import Citation
from tests.conftest import FakeLLM

QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri?"
FIRST = "Qin Gang dipromosikan menjadi menteri luar negeri [18]."
MIDDLING = 0.77  # at or above support.MIN_YES_CORPUS (0.74), below AGREE_BELOW


def _answers(first: str, second: str):
    """The corpus-mode prompt gets `first`; a retrieved-mode one (question before the passages) `second`."""
    def script(prompt: str) -> str:
        user = prompt.rsplit("<|im_start|>user\n", 1)[-1]
        return second if user.startswith("Question:") else first
    return script


@pytest.fixture
def corpus(pipeline, settings):
    pipeline.settings = settings.replace(context="corpus")
    yield pipeline
    pipeline.settings = settings


def _top(pipeline) -> list[int]:
    return [h.paragraph for h in pipeline.retrieve(QUESTION, k=pipeline.default_k()).hits[:AGREE_PASSAGES]]


def _answer_prompts(llm: FakeLLM) -> list[str]:
    """The user turns of the answer prompts (after the fixed worked example)."""
    return [p.rsplit("<|im_start|>user\n", 1)[-1] for p in llm.prompts]


def test_a_second_answer_citing_the_same_paragraph_keeps_it(corpus):
    top = _top(corpus)
    assert 18 in top  # the setting of the test: the gold paragraph is among the top passages
    corpus._llm = llm = FakeLLM(_answers(FIRST, "Qin Gang menjadi menteri luar negeri [18]."), support=MIDDLING)
    answer = corpus.ask(QUESTION)
    assert not answer.refused and not answer.withdrawn and [c.paragraph for c in answer.citations] == [18]
    assert "second_answer_s" in answer.timings
    first, second = _answer_prompts(llm)
    assert second.count("\n[") == AGREE_PASSAGES < first.count("\n[")  # only the top passages, numbered as in the corpus
    assert all(f"\n[{n}] " in second for n in top)


@pytest.mark.parametrize("second", ["Xi Jinping menjadi menteri luar negeri [{other}].", "NO_ANSWER"])
def test_a_second_answer_that_differs_withdraws_it(corpus, second):
    other = next(n for n in _top(corpus) if n != 18)
    corpus._llm = FakeLLM(_answers(FIRST, second.format(other=other)), support=MIDDLING)
    events = list(corpus.ask_stream(QUESTION))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.withdrawn and answer.refused and not answer.citations
    assert answer.text == "Informasi itu tidak ada dalam dokumen."
    assert any(isinstance(e, Reset) and "asked again" in e.reason for e in events)


def test_after_disagreement_a_passage_judged_to_answer_is_quoted(corpus):
    def readings(prompt: str) -> float:
        if "contain the answer to this question" in prompt:
            return 0.95 if "Qin Gang" in prompt else 0.3
        return MIDDLING
    corpus._llm = FakeLLM(_answers(FIRST, "NO_ANSWER"), support=readings)
    answer = corpus.ask(QUESTION)
    assert answer.quoted and not answer.refused and answer.withdrawn and [c.paragraph for c in answer.citations] == [18]


@pytest.mark.parametrize("context, support, check", [
    ("corpus", AGREE_BELOW + 0.05, True),  # clearly supported
    ("retrieved", MIDDLING, True),  # the passages were the top ones already
    ("corpus", MIDDLING, False),  # RAG_SUPPORT_CHECK=0
])
def test_no_second_answer_otherwise(pipeline, settings, context, support, check):
    pipeline.settings = settings.replace(context=context, support_check=check)
    pipeline._llm = llm = FakeLLM(FIRST, support=support)
    answer = pipeline.ask(QUESTION)
    pipeline.settings = settings
    assert len(_answer_prompts(llm)) == 1 and "second_answer_s" not in answer.timings
    assert not answer.refused and not answer.withdrawn


LOW = 0.70  # retrieved mode: above support.MIN_YES (0.63), below QUOTE_BELOW


def _judged(answers_18: float):
    """Readings: the answer gets LOW; the judge finds paragraph 18 answers with `answers_18`."""
    def readings(prompt: str) -> float:
        if "contain the answer to this question" in prompt:
            return answers_18 if "Qin Gang" in prompt else 0.2
        return LOW
    return readings


def test_retrieved_a_middling_answer_whose_passage_clearly_answers_is_quoted(pipeline):
    pipeline._llm = llm = FakeLLM(FIRST, support=_judged(0.95))
    events = list(pipeline.ask_stream(QUESTION))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.quoted and not answer.refused and answer.verified
    assert answer.text.startswith("Bagian dokumen yang paling relevan: “") and answer.text.endswith("[18]")
    assert "Qin Gang" in answer.text and [c.paragraph for c in answer.citations] == [18]
    assert any(isinstance(e, Reset) and "paragraph's own words" in e.reason for e in events)
    judged = [p for p in llm.checks if "contain the answer to this question" in p]
    assert len(judged) == 1 and "judge_s" in answer.timings  # the cited passage alone


@pytest.mark.parametrize("support, answers_18", [(LOW, 0.5), (QUOTE_BELOW + 0.02, 0.95)])
def test_retrieved_otherwise_the_answer_stands(pipeline, support, answers_18):
    judge = _judged(answers_18)
    pipeline._llm = llm = FakeLLM(FIRST, support=lambda p: judge(p) if "contain the answer" in p else support)
    answer = pipeline.ask(QUESTION)
    assert not answer.quoted and not answer.refused and answer.text.startswith("Qin Gang dipromosikan")
    judged = [p for p in llm.checks if "contain the answer to this question" in p]
    assert len(judged) == (1 if support < QUOTE_BELOW else 0)


DOC = "000_7bfd9efb098ecdeb.txt"


def _said(text: str, paragraph: int = 19, question: str = "In which city was the game held?", **kw) -> Answer:
    return Answer(question, text, citations=(Citation(DOC, paragraph),), **kw)


@pytest.mark.parametrize("second, paragraph, agreed", [
    ("The game was held in Beijing, the article says [19].", 19, True),  # the same name, other words
    ("The game was held in Washington, D.C. [19]", 19, False),  # another name for the same paragraph
    ("The game was held in Beijing [18].", 18, False),  # the same name from another paragraph
])
def test_a_second_answer_agrees_only_when_it_repeats_the_first_ones_names(second, paragraph, agreed):
    assert agrees(_said("The game was held in Beijing [19]."), _said(second, paragraph)) is agreed


def test_a_quote_or_a_refusal_does_not_back_up_an_answer():
    first = _said("The game was held in Beijing [19].")
    assert not agrees(first, _said("The most relevant passage says: “... Beijing ...” [19]", quoted=True))
    assert not agrees(first, Answer(first.question, "The documents do not say.", refused=True))
    assert not agrees(first, None)


def test_names_the_question_or_its_chat_gave_need_not_be_repeated():
    first = _said("Qin played in Washington for the NBA [19].", question="Where did he play?")
    second = _said("He played in Washington [19].", question="Where did he play?")
    assert not agrees(first, second)  # "NBA" is the first answer's own
    assert agrees(first, second, history=["Which NBA game did Qin Gang attend?"])
