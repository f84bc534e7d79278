"""English questions over a small Indonesian corpus search its English copy (`rag.corpus_copy`)."""
from __future__ import annotations

import pytest

from rag.corpus_copy import CopyCache, translate_paragraph
from rag.documents import Paragraph, text_hash
from tests.conftest import SEED_DOC, FakeLLM, cite_first_passage

QUESTION_TRANSLATION = "from English into Indonesian"  # the system line of a question's translation


def _source(prompt: str) -> str:
    return prompt.rsplit("<|im_start|>user\n", 1)[1].split("<|im_end|>")[0]


def translating(prompt: str) -> str:
    """Paragraphs 'translated' so that only the Qin Gang paragraph is about a foreign minister."""
    if "paragraph into English" in prompt:
        src = _source(prompt)
        return "Qin Gang was promoted to foreign minister." if "Qin Gang" in src else f"Other news, {len(src)} letters long."
    if QUESTION_TRANSLATION in prompt:
        return "Siapa yang dipromosikan?"
    return cite_first_passage(prompt)


@pytest.fixture
def corpus_settings(settings):
    return settings.replace(context="corpus", translate=True)


def _pipe(settings, embedder, llm):
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=embedder, llm=llm, log=lambda m: None)
    pipe.ensure_index(progress=False)
    return pipe


def test_an_english_question_searches_the_english_copy_and_is_not_translated(corpus_settings, fake_embedder):
    llm = FakeLLM(translating)
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    assert pipe.prepare_copy() == 19  # every paragraph once
    asked = len(llm.prompts)
    r = pipe.retrieve("Who was promoted to foreign minister?", k=4)
    assert len(llm.prompts) == asked  # no LLM call for the question
    top = r.hits[0]
    assert (top.doc, top.paragraph) == (SEED_DOC, 18)
    assert top.text == pipe.store.paragraphs[17].text  # the model reads (and cites) the source text
    assert [q.name for q in r.queries] == ["copy"]
    # a question sharing no word with the copy still gets its hints (from the dense ranking)
    unmatched = pipe.retrieve("Which submarine sank?", k=4)
    assert len(unmatched.hits) == 4 and all(h.lexical is None for h in unmatched.hits)
    answer = pipe.ask("Who was promoted to foreign minister?")
    assert not any(QUESTION_TRANSLATION in p for p in llm.prompts)
    assert answer.retrieved[0].paragraph == 18
    prompt = next(p for p in llm.prompts if "search found most relevant" in p)  # the first answer prompt
    tail = prompt.split("search found most relevant", 1)[1].split("\nQuestion:", 1)[0]
    assert [x for x in tail.splitlines() if x.startswith("[")] == [f"[18] {top.text}"]  # one, as for a translated one


def test_the_copy_is_kept_on_disk_by_paragraph_text(corpus_settings, fake_embedder, seeds):
    _pipe(corpus_settings, fake_embedder, FakeLLM(translating)).prepare_copy()
    llm = FakeLLM(translating)  # a later process: nothing to translate again
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    assert pipe.retrieve("Who was promoted to foreign minister?", k=1).hits[0].paragraph == 18
    assert pipe.prepare_copy() == 0 and not llm.prompts
    doc = seeds / SEED_DOC
    doc.write_text(doc.read_text(encoding="utf-8").replace("Direkomendasikan", "Baca juga"), encoding="utf-8")
    pipe.ensure_index(progress=False)
    assert pipe.prepare_copy() == 1  # only the edited paragraph
    assert [_source(p) for p in llm.prompts] == ["Baca juga"]


def test_without_a_complete_copy_the_question_is_translated(corpus_settings, fake_embedder):
    llm = FakeLLM(translating)
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    pipe.retrieve("Who was promoted to foreign minister?", k=4)
    assert sum(QUESTION_TRANSLATION in p for p in llm.prompts) == 1  # no copy prepared yet
    pipe.prepare_copy()  # (the chat does it in the background)
    assert [q.name for q in pipe.retrieve("Who was promoted to foreign minister?", k=4).queries] == ["copy"]

    off = corpus_settings.replace(corpus_copy=False)
    llm = FakeLLM(translating)
    pipe = _pipe(off, fake_embedder, llm)
    assert pipe.prepare_copy() == 0 and not llm.prompts
    r = pipe.retrieve("Who was promoted to foreign minister?", k=4)
    assert "translated" in [q.name for q in r.queries]


def test_indonesian_questions_and_large_corpora_have_no_copy(corpus_settings, settings, fake_embedder):
    llm = FakeLLM(translating)
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    pipe.prepare_copy()
    r = pipe.retrieve("Siapa yang dipromosikan menjadi menteri luar negeri?", k=4)
    assert r.hits[0].text == pipe.store.paragraphs[r.hits[0].paragraph - 1].text
    assert r.queries[0].lang == "id"
    # retrieved mode (a corpus too big to keep in the prompt): no copy is made
    llm = FakeLLM(translating)
    assert _pipe(settings.replace(translate=True), fake_embedder, llm).prepare_copy() == 0 and not llm.prompts


def test_a_damaged_cache_file_is_made_again(corpus_settings, fake_embedder, isolated_home):
    _pipe(corpus_settings, fake_embedder, FakeLLM(translating)).prepare_copy()
    files = list((isolated_home / "copies").glob("*.json"))
    assert len(files) == 1 and not list((isolated_home / "copies").glob(".copy-*"))
    files[0].write_text("{not json", encoding="utf-8")
    assert _pipe(corpus_settings, fake_embedder, FakeLLM(translating)).prepare_copy() == 19


def test_a_translation_with_nothing_in_it_keeps_the_source_text(tmp_path):
    text = "Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet sejak perang dimulai pada Februari."
    assert translate_paragraph(FakeLLM(""), text, "id") == text
    assert translate_paragraph(FakeLLM("The Russian\npresident left   once."), text, "id") == "The Russian president left once."
    paragraph = Paragraph("a.txt", 1, text, text_hash(text))
    cache = CopyCache(tmp_path, "m", "id")
    cache.put(paragraph, "x")
    cache.save()
    assert CopyCache(tmp_path, "m", "id").get(paragraph) == "x" and CopyCache(tmp_path, "other", "id").get(paragraph) is None


def test_a_paragraph_already_in_english_is_its_own_copy_without_asking_the_model(tmp_path):
    """An English document dropped beside Indonesian ones was "translated" into English, ~1 s a paragraph."""
    from rag.corpus_copy import translate_missing

    texts = ["Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet sejak perang dimulai.",
             "The Russian president has left the former Soviet Union only once since the war began."]
    paragraphs = [Paragraph("a.txt", i, t, text_hash(t)) for i, t in enumerate(texts, 1)]
    llm = FakeLLM("The Russian president left once.")
    cache = CopyCache(tmp_path, "m", "id")
    assert translate_missing(llm, cache, paragraphs) == 2
    assert len(llm.prompts) == 1 and texts[0] in llm.prompts[0]  # only the Indonesian one was asked for
    assert [cache.get(p) for p in paragraphs] == ["The Russian president left once.", texts[1]]


def declining(prompt: str) -> str:
    """The copy as `translating` makes it; every question is declined (so the judge reads the passages)."""
    return translating(prompt) if "paragraph into English" in prompt else "NO_ANSWER"


@pytest.mark.parametrize("score, quoted", [(0.85, True), (0.82, False)])
def test_an_english_questions_judge_reads_each_paragraph_with_its_english_copy(corpus_settings, fake_embedder,
                                                                              score, quoted):
    from rag.support import MIN_ANSWERS, MIN_ANSWERS_GLOSSED

    llm = FakeLLM(declining, support=lambda p: score if "(English: Qin Gang was promoted" in p else 0.1)
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    pipe.prepare_copy()
    assert pipe.retrieve("Who was promoted to foreign minister?", k=4).hits[0].gloss == \
        "Qin Gang was promoted to foreign minister."
    answer = pipe.ask("Who was promoted to foreign minister?")
    judged = [c for c in llm.checks if "contain the answer to this question" in c]
    assert 1 <= len(judged) <= 4 and all("\n(English: " in c for c in judged)
    if quoted:  # the source's own sentence is quoted, not its translation
        assert answer.quoted and [(c.doc, c.paragraph) for c in answer.citations] == [(SEED_DOC, 18)]
        assert "dipromosikan menjadi menteri luar negeri" in answer.text
    else:  # read with its copy, a paragraph must score higher than one read alone
        assert answer.refused and not answer.citations and MIN_ANSWERS < score < MIN_ANSWERS_GLOSSED
    # an Indonesian question's judge reads the paragraphs alone
    llm.checks.clear()
    pipe.ask("Siapa yang dipromosikan menjadi menteri luar negeri?")
    judged = [c for c in llm.checks if "contain the answer to this question" in c]
    assert judged and not any("(English: " in c for c in judged)


def test_a_translation_that_makes_up_a_date_is_made_again_from_the_glossed_source():
    """The bundled model wrote "on July 25" for "pada hari Jumat" and "on November 11" for "pada
    bulan ke-11"; given the English names beside the source's words it wrote "Friday"."""
    from rag.closed_words import glossed_source, source_glosses
    from rag.corpus_copy import made_up

    text = "Mereka bertemu pada hari Jumat, pada bulan ke-11 invasi, dan akan bertemu lagi pada musim semi."
    glosses = source_glosses(text)
    assert glosses == [("bulan ke-11", "the 11th month"), ("Jumat", "Friday"), ("musim semi", "spring")]
    assert glossed_source(text, glosses) == ("Mereka bertemu pada hari Jumat (Friday), pada bulan ke-11 (the 11th "
                                             "month) invasi, dan akan bertemu lagi pada musim semi (spring).")
    assert made_up("They met on July 25, in the 11th month, and meet again in spring.", text) == ["25", "July"]

    def model(prompt: str) -> str:
        return ("They met on Friday (Friday), in bulan ke-11 (the 11th month) of the invasion, and meet again in "
                "spring (spring)." if "(Friday)" in prompt else "They met on July 25, on November 11, and in spring.")

    llm = FakeLLM(model)
    assert translate_paragraph(llm, text, "id") == ("They met on Friday, in the 11th month of the invasion, and meet "
                                                    "again in spring.")
    assert len(llm.prompts) == 2


def test_a_translation_that_makes_up_nothing_is_asked_once_and_a_worse_second_one_is_not_kept():
    from rag.corpus_copy import made_up

    text = "Dia mengunjungi Xi di Beijing pada awal Februari, dua minggu sebelum invasi."
    llm = FakeLLM("He visited Xi in Beijing in early February, two weeks before the invasion.")
    assert translate_paragraph(llm, text, "id").endswith("two weeks before the invasion.") and len(llm.prompts) == 1
    assert made_up("He visited Xi in Beijing in early February (Februari), 2 weeks before.", text) == ["2"]
    llm = FakeLLM(["He visited Xi on February 3.", "He visited Xi on March 3 and on May 4."])
    assert translate_paragraph(llm, text, "id") == "He visited Xi on February 3." and len(llm.prompts) == 2


def test_an_english_overview_of_the_indonesian_corpus_shows_its_copy_once_made(corpus_settings, fake_embedder):
    def model(prompt: str) -> str:
        return "They met and talked." if "paragraph into English" in prompt else "[1] A summary line."

    llm = FakeLLM(model)
    pipe = _pipe(corpus_settings, fake_embedder, llm)
    before = pipe.ask("What is this article about?")  # no copy yet: the model summarises
    assert before.text == "A summary line. [1]" and any("Summarise each paragraph" in p for p in llm.prompts)
    pipe.prepare_copy()
    llm.prompts.clear()
    answer = pipe.ask("What is this article about?")
    assert answer.text == "They met and talked. [1] They met and talked. [2] They met and talked. [3]"
    assert not llm.prompts and [c.paragraph for c in answer.citations] == [1, 2, 3]
