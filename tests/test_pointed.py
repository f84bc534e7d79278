"""A withdrawn answer over retrieved passages is asked once more, the clause closest to the
question pointed out; the clause finder and the prompt line on their own."""
from __future__ import annotations

from dataclasses import replace

from rag.answer import Answer, Reset
from rag.prompt import build_prompt, closest_clause, pointer_line
from rag.retriever import Hit
from tests.conftest import ROOT, SEED_DOC, FakeLLM

PARAGRAPHS = [line for line in (ROOT / "seeds" / SEED_DOC).read_text(encoding="utf-8").splitlines() if line.strip()]
POINTED = "closest to the question"
QUESTION = "Menurut Xi, apa yang pasti akan gagal?"


def _hit(n: int, doc: str = SEED_DOC) -> Hit:
    return Hit(doc=doc, paragraph=n, text=PARAGRAPHS[n - 1], score=1.0)


def test_the_clause_sharing_most_words_with_the_question_is_found():
    hit, clause = closest_clause(QUESTION, [_hit(13), _hit(16), _hit(12)], "id")
    assert hit.paragraph == 12 and "sanksi dan gangguan pasti akan gagal" in clause
    assert "kemitraan" not in clause  # ¶12's first clause, which the model misread, is not the one


def test_a_tie_goes_to_the_higher_ranked_passage_and_one_shared_word_is_not_enough():
    twin = Hit(doc="b.txt", paragraph=3, text=PARAGRAPHS[11], score=0.5)
    assert closest_clause(QUESTION, [twin, _hit(12)], "id")[0].doc == "b.txt"
    assert closest_clause("Siapa Qin?", [_hit(1), _hit(2)], "id") is None  # "Qin" is not in them
    assert closest_clause("Qin apa?", [_hit(19)], "id") is None  # one word shared: nothing pointed out


def test_the_pointer_line_names_the_passage_as_the_prompt_labels_it():
    line = pointer_line(QUESTION, [_hit(12, "a.txt")], "id", multi_doc=True)
    assert line.startswith("The words of [12] (a.txt) closest to the question:") and "pasti akan gagal" in line


def test_only_a_pointed_retrieved_mode_prompt_has_the_line():
    def make(**kw):
        return build_prompt(QUESTION, [_hit(13), _hit(12)], "id", FakeLLM().count, 4096, 256, **kw).text
    assert POINTED not in make()
    pointed = make(pointed=True)
    assert pointed.count(POINTED) == 1
    assert pointed.index(POINTED) < pointed.rindex("Question: " + QUESTION)  # read just before the question
    assert POINTED not in make(pointed=True, fixed_passages=True, hints=(_hit(12),))  # whole corpus: never


WRONG = "Menurut Xi, yang pasti akan gagal adalah kemitraan Rusia dengan China [12]."
RIGHT = "Menurut Xi, sanksi dan gangguan pasti akan gagal [12]."


def _pointed_reads_right(prompt: str) -> str:
    user = prompt.rsplit("<|im_start|>user\n", 1)[-1]
    if "[12]" not in user:
        return "NO_ANSWER"
    return RIGHT if POINTED in user else WRONG


def _support(prompt: str) -> float:
    if "contain the answer to this question" in prompt:
        return 0.3  # no passage is clearly judged to answer: nothing is quoted
    return 0.9 if "sanksi dan gangguan pasti akan gagal [12]" in prompt else 0.3


def test_a_withdrawn_answer_is_asked_again_pointed_and_the_new_answer_shown(pipeline):
    pipeline._llm = llm = FakeLLM(_pointed_reads_right, support=_support)
    events = list(pipeline.ask_stream(QUESTION))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.text.startswith("Menurut Xi, sanksi dan gangguan")
    assert not answer.refused and [c.paragraph for c in answer.citations] == [12]
    resets = [e.reason for e in events if isinstance(e, Reset)]
    assert any("withdrawn" in r for r in resets) and any("pointed out" in r for r in resets)
    asked = [p for p in llm.prompts if "[12]" in p]
    assert len(asked) == 2 and POINTED not in asked[0] and POINTED in asked[1]
    assert answer.timings["first_answer_s"] is not None and answer.timings["total_s"] >= answer.timings["ttft_s"]


def test_asked_again_and_withdrawn_again_it_is_the_refusal(pipeline):
    pipeline._llm = llm = FakeLLM(_pointed_reads_right, support=0.2)
    answer = pipeline.ask(QUESTION)
    assert answer.refused and answer.withdrawn and not answer.citations
    assert sum(POINTED in p for p in llm.prompts) == 1  # asked again once, not again and again


def test_no_retry_without_a_clause_to_point_out_or_with_the_whole_corpus(pipeline, settings):
    pipeline._llm = llm = FakeLLM(support=0.2)
    assert pipeline.ask("Who is the US ambassador to China?").refused  # English: shares no word with the text
    assert not any(POINTED in p for p in llm.prompts)
    pipeline.settings = replace(settings, context="corpus")
    pipeline._llm = llm = FakeLLM(_pointed_reads_right, support=_support)
    pipeline.ask(QUESTION)
    assert not any(POINTED in p for p in llm.prompts)
    pipeline.settings = settings


def test_rag_ask_says_why_a_second_answer_follows(monkeypatch, settings):
    import rag.pipeline
    from click.testing import CliRunner

    from rag.cli import cli
    from tests.conftest import FakeEmbedder

    real = rag.pipeline.Pipeline
    monkeypatch.setattr(rag.pipeline, "Pipeline", lambda s: real(
        s.replace(translate=False, context="retrieved"), embedder=FakeEmbedder(),
        llm=FakeLLM(_pointed_reads_right, support=_support), log=lambda m: None))
    result = CliRunner().invoke(cli, ["ask", "--stream", "--seeds", str(settings.seeds), "--index",
                                      str(settings.index_dir), QUESTION])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first, withdrawn, pointed = (next(i for i, line in enumerate(lines) if text in line)
                                 for text in ("kemitraan Rusia", "it is withdrawn", "pointed out"))
    assert first < withdrawn < pointed < next(i for i, line in enumerate(lines) if "sanksi dan gangguan" in line)


INVENTED = "Menurut Xi, yang pasti akan gagal adalah 100 USD per ton [12]."
ECHO = "Menurut Xi, yang pasti akan gagal [12]."


def _checks_refuse_first(pointed_reply: str):
    def reply(prompt: str) -> str:
        user = prompt.rsplit("<|im_start|>user\n", 1)[-1]
        return pointed_reply if POINTED in user else INVENTED
    return reply


def test_an_answer_the_checks_refuse_is_asked_again_pointed(pipeline):
    pipeline._llm = llm = FakeLLM(_checks_refuse_first(RIGHT), support=_support)
    answer = pipeline.ask(QUESTION)
    assert not answer.refused and answer.text.startswith("Menurut Xi, sanksi dan gangguan")
    assert [c.paragraph for c in answer.citations] == [12]
    assert sum(POINTED in p for p in llm.prompts) == 1


def test_asked_again_after_the_checks_only_a_stated_answer_replaces_the_refusal(pipeline):
    for second in (INVENTED, ECHO):  # refused again; an echo, which would become a quote of a passage
        pipeline._llm = llm = FakeLLM(_checks_refuse_first(second), support=_support)
        events = list(pipeline.ask_stream(QUESTION))
        answer = events[-1]
        assert answer.refused and not answer.quoted and not answer.citations, second
        assert answer.raw == INVENTED  # the first answer's refusal
        assert sum(POINTED in p for p in llm.prompts) >= 1
        assert any("not kept" in e.reason for e in events if isinstance(e, Reset))


def test_the_models_own_refusal_is_not_asked_again(pipeline):
    pipeline._llm = llm = FakeLLM(lambda prompt: "NO_ANSWER", support=_support)
    assert pipeline.ask(QUESTION).refused
    assert not any(POINTED in p for p in llm.prompts)
