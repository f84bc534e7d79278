"""A paragraph asked for by its number ("Apa isi paragraf 3?", "What does paragraph 5 say?")."""
from __future__ import annotations

import shutil

import pytest

from conftest import FakeLLM
from rag.answer import Answer
from rag.by_number import asks_paragraph, paragraph_asked
from rag.retriever import Hit

DOCS = ["000_7bfd9efb098ecdeb.txt", "notes/flood.txt"]


@pytest.mark.parametrize("question, number", [
    ("Apa isi paragraf 3?", 3), ("What does paragraph 5 say?", 5), ("¶18", 18), ("Paragraph 18?", 18),
    ("Tampilkan paragraf ke-2", 2), ("Show me para. 4", 4), ("paragraf nomor 12", 12),
    ("Apa bunyi paragraf 7 dari flood.txt?", 7), ("What does paragraph 2 of notes/flood.txt say?", 2),
])
def test_a_question_asking_for_a_paragraph_by_number_gives_the_number(question, number):
    assert asks_paragraph(question, DOCS) == number


@pytest.mark.parametrize("question", [
    "What does paragraph 5 say about Taiwan?", "Siapa yang disebut di paragraf 3?",  # about something in it
    "Compare paragraph 2 and paragraph 3", "What happened in 2012?", "Apa isi paragraf?",
])
def test_a_question_about_something_in_a_paragraph_is_not_a_lookup(question):
    assert asks_paragraph(question, DOCS) is None


PARAGRAPHS = [Hit("a.txt", 1, "Banjir melanda Semarang.", 0.0), Hit("a.txt", 2, "Air surut sore harinya.", 0.0),
              Hit("b.txt", 1, "Harga cabai naik lagi.", 0.0)]


def _answer(question, number, pinned=None, lang="id", paragraphs=PARAGRAPHS) -> Answer:
    events = list(paragraph_asked(question, number, paragraphs, pinned, lang))
    assert events[0].text == events[-1].text
    return events[-1]


def test_the_paragraph_is_quoted_whole_and_cited_of_the_document_named_or_pinned():
    answer = _answer("Apa isi paragraf 2 dari a.txt?", 2)
    assert answer.text == "Paragraf 2 dari a.txt berbunyi: “Air surut sore harinya.” [a.txt ¶2]"
    assert [c.key for c in answer.citations] == [("a.txt", 2)] and answer.quoted and answer.lookup == "paragraph"
    assert [c.doc for c in _answer("Paragraph 1?", 1, pinned="b.txt", lang="en").citations] == ["b.txt"]
    one = _answer("What does paragraph 2 say?", 2, lang="en", paragraphs=PARAGRAPHS[:2])
    assert one.text == "Paragraph 2 says: “Air surut sore harinya.” [2]"
    glossed = [PARAGRAPHS[0], Hit("a.txt", 2, "Air surut sore harinya.", 0.0, gloss="The water receded.")]
    assert _answer("What does paragraph 2 say?", 2, lang="en", paragraphs=glossed).text == (
        "Paragraph 2 says: “Air surut sore harinya.” [2] (machine-translated copy: “The water receded.”)")


def test_with_nothing_naming_the_document_every_documents_paragraph_of_that_number_is_quoted():
    answer = _answer("Apa isi paragraf 1?", 1)
    assert [c.key for c in answer.citations] == [("a.txt", 1), ("b.txt", 1)]


def test_a_number_past_the_end_says_how_many_paragraphs_there_are():
    answer = _answer("What does paragraph 5 say?", 5, lang="en", paragraphs=PARAGRAPHS[:2])
    assert answer.refused and not answer.citations
    assert answer.text == "a.txt has 2 paragraphs; there is no paragraph 5."
    assert _answer("Apa isi paragraf 9?", 9).text == ("Tidak ada dokumen yang memiliki paragraf 9; "
                                                      "yang terpanjang memiliki 2.")


def test_the_pipeline_answers_paragraph_n_of_the_seed_article_without_search_or_model(settings, fake_embedder):
    from rag.pipeline import Pipeline

    llm = FakeLLM("not used")
    pipe = Pipeline(settings, embedder=fake_embedder, llm=llm)
    pipe.ensure_index(progress=False)
    answer = pipe.ask("Apa isi paragraf 3?")
    assert answer.text.startswith("Paragraf 3 berbunyi: “Invasi Putin yang goyah") and answer.text.endswith("[3]")
    assert [c.paragraph for c in answer.citations] == [3] and not llm.prompts
    shutil.copy(settings.seeds / "000_7bfd9efb098ecdeb.txt", settings.seeds / "copy.txt")
    pipe.ensure_index(progress=False)
    assert {c.doc for c in pipe.ask("Ringkas copy.txt").citations} == {"copy.txt"}
    follow = pipe.ask("Apa isi paragraf 18?", history=["Ringkas copy.txt"])  # the chat was about copy.txt
    assert [c.key for c in follow.citations] == [("copy.txt", 18)]
