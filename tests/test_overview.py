"""Questions about a document as a whole ("What is this article about?", "Ringkas artikel ini.")."""
from __future__ import annotations

import shutil

import pytest

from conftest import FakeLLM
from rag.answer import Answer, Token
from rag.overview import asks_overview, overview, overview_lead, question_language
from rag.retriever import Hit


@pytest.mark.parametrize("question", [
    "What is this article about?", "What's the document about?", "Summarize the document in a few sentences.",
    "Summarise.", "Can you give me a short summary?", "tl;dr", "What are the main points of the article?",
    "Ringkas artikel ini.", "Apa isi dokumen ini?", "Tentang apa artikel ini?", "Artikel ini membahas apa?",
    "Berikan ringkasan dokumen ini", "Rangkum berita itu dalam tiga kalimat.", "Apa inti berita ini?",
])
def test_a_question_about_the_whole_document_is_an_overview(question):
    assert asks_overview(question)


@pytest.mark.parametrize("question", [
    "What does the article say about Taiwan?",  # about something: the usual answer step
    "What is it about?",  # "it" may be the earlier answer's subject, not the document
    "Apa isi pesan Medvedev?", "Tentang apa pembicaraan itu?", "What is the main point of contention?",
    "Menurut artikel, siapa yang mengunjungi Beijing?", "What is this?", "Apa?", "",
])
def test_a_question_about_something_in_it_is_not(question):
    assert not asks_overview(question)


def test_a_document_may_be_named_by_its_file_name():
    docs = ["notes/flood.txt", "000_7bfd9efb098ecdeb.txt"]
    assert asks_overview("Ringkas flood.txt", docs) and asks_overview("What is notes/flood.txt about?", docs)
    assert asks_overview("Summarize flood", docs) and not asks_overview("Summarize flood", [])
    assert not asks_overview("Ringkas banjir di flood.txt", docs)  # about something in it


@pytest.mark.parametrize("question, lang", [
    ("Ringkas facqa_004.txt", "id"), ("Ringkasan?", "id"), ("Apa isi paragraf 3?", "id"), ("Summarise.", "en"),
    ("Paragraph 18?", "en"), ("tl;dr", "en"), ("What is flood.txt about?", "en"), ("¶18", "id"),
])
def test_a_short_question_about_a_document_is_answered_in_its_own_language(question, lang):
    assert question_language(question, fallback="id") == lang  # "¶18": the document's language


def _hits(doc: str, texts: list[str]) -> list[Hit]:
    return [Hit(doc, i, t, 0.0) for i, t in enumerate(texts, 1)]


LEAD = _hits("a.txt", ["Putin dan Xi berjanji memperdalam hubungan bilateral pada hari Jumat. Kalimat kedua.",
                       "Direkomendasikan",
                       "Xi menyebut situasi internasional rumit dan kontroversial.",
                       "China membeli minyak Rusia dengan harga diskon.",
                       "Paragraf keempat yang tidak ikut diringkas sama sekali."])


def test_the_lead_skips_lines_too_short_to_say_anything_and_stops_after_three():
    assert [h.paragraph for h in overview_lead(LEAD, "Ringkas artikel ini.")] == [1, 3, 4]


def test_over_several_documents_the_one_named_or_pinned_is_summarised_else_each_ones_opening():
    other = _hits("notes/flood.txt", ["Banjir melanda Semarang pada hari Selasa pagi.", "Air surut sore harinya."])
    both = LEAD + other
    assert {h.doc for h in overview_lead(both, "Ringkas flood.txt")} == {"notes/flood.txt"}
    assert {h.doc for h in overview_lead(both, "Ringkas dokumen ini.", pinned="a.txt")} == {"a.txt"}
    assert [h.key for h in overview_lead(both, "What are these documents about?")] == [
        ("a.txt", 1), ("notes/flood.txt", 1)]


def _events(llm, question, lead, lang, doc_lang, documents=1):
    events = list(overview(llm, question, lead, lang, doc_lang, 160, documents))
    assert isinstance(events[-1], Answer)
    return events[:-1], events[-1]


def test_in_the_documents_language_each_lead_paragraph_is_quoted_by_its_first_sentence_without_the_model():
    tokens, answer = _events(None, "Ringkas artikel ini.", overview_lead(LEAD, "x"), "id", "id")
    assert answer.text == ("Putin dan Xi berjanji memperdalam hubungan bilateral pada hari Jumat. [1] "
                           "Xi menyebut situasi internasional rumit dan kontroversial. [3] "
                           "China membeli minyak Rusia dengan harga diskon. [4]")
    assert [c.paragraph for c in answer.citations] == [1, 3, 4]
    assert answer.quoted and not answer.refused and "".join(t.text for t in tokens) == answer.text


def test_in_the_other_language_the_model_summarises_and_a_line_inventing_a_name_or_number_is_dropped():
    llm = FakeLLM("[1] Putin and Xi pledged to deepen bilateral ties on Friday.\n"
                  "[3] Xi called the situation complicated, said Joe Biden.\n"  # a name ¶3 never writes
                  "[9] A paragraph it was not given.\n"
                  "[4] China buys discounted Russian oil.")
    tokens, answer = _events(llm, "What is this article about?", overview_lead(LEAD, "x"), "en", "id")
    assert answer.text == ("Putin and Xi pledged to deepen bilateral ties on Friday. [1] "
                           "China buys discounted Russian oil. [4]")
    assert [c.paragraph for c in answer.citations] == [1, 4] and not answer.quoted
    assert [t.text for t in tokens] == ["Putin and Xi pledged to deepen bilateral ties on Friday. [1] ",
                                        "China buys discounted Russian oil. [4]"]
    assert "[3] Xi menyebut situasi" in llm.prompts[0] and "Answer in English." in llm.prompts[0]


def test_in_english_the_indonesian_days_and_months_are_shown_to_the_model_with_their_english_names():
    """Shown "pada hari Jumat" alone, the bundled model wrote "on July 25" and the line was dropped."""
    llm = FakeLLM("[1] Putin and Xi pledged to deepen bilateral ties on Jumat (Friday).\n"
                  "[4] China buys discounted Russian oil.")
    _, answer = _events(llm, "What is this article about?", overview_lead(LEAD, "x"), "en", "id")
    assert "pada hari Jumat (Friday)" in llm.prompts[0] and "harga diskon." in llm.prompts[0]
    assert answer.text == ("Putin and Xi pledged to deepen bilateral ties on Friday. [1] "
                           "China buys discounted Russian oil. [4]")
    _, answer = _events(None, "Ringkas artikel ini.", overview_lead(LEAD, "x"), "id", "id")
    assert "(Friday)" not in answer.text  # the source's own sentences, as written


def test_with_the_corpus_copy_in_the_question_language_its_first_sentences_are_shown_without_the_model():
    """The bundled model took ~6 s to summarise the seed article's lead in English; its copy is made."""
    from dataclasses import replace

    copies = ["Putin and Xi pledged to deepen bilateral ties on Friday. A second sentence.",
              "Xi called the situation simple, said Joe Biden.",  # a name ¶3 never writes
              "China buys Russian oil at a discount."]
    lead = [replace(h, gloss=c) for h, c in zip(overview_lead(LEAD, "x"), copies)]
    llm = FakeLLM("not used", support=lambda prompt: 0.3 if "discount" in prompt else 0.9)
    *tokens, answer = overview(llm, "What is this article about?", lead, "en", "id", 160, 1, min_support=0.74)
    assert answer.text == "Putin and Xi pledged to deepen bilateral ties on Friday. [1]"
    assert not llm.prompts and len(llm.checks) == 2  # ¶3's copy dropped unread, ¶4's read and dropped
    assert "".join(t.text for t in tokens) == answer.text and not answer.quoted
    _, answer = _events(FakeLLM("not used"), "Ringkas artikel ini.", lead, "id", "id")
    assert answer.text.startswith("Putin dan Xi berjanji")  # in the document's language: its own sentences


def test_a_line_a_second_reading_does_not_find_in_its_paragraph_is_dropped():
    llm = FakeLLM("[1] Putin and Xi pledged to deepen bilateral ties on Friday.\n"
                  "[3] Xi said the situation was simple and calm.\n",  # a misreading of "rumit dan kontroversial"
                  support=lambda prompt: 0.3 if "simple and calm" in prompt else 0.9)
    lead = overview_lead(LEAD, "x")
    events = list(overview(llm, "What is this article about?", lead, "en", "id", 160, 1, min_support=0.74))
    assert events[-1].text == "Putin and Xi pledged to deepen bilateral ties on Friday. [1]"
    assert len(llm.checks) == 2  # each line read once against its own paragraph
    unchecked = list(overview(FakeLLM(llm.script), "What is this article about?", lead, "en", "id", 160))
    assert "[3]" in unchecked[-1].text  # min_support None (RAG_SUPPORT_CHECK=0): not read


def test_when_no_line_of_the_model_survives_the_sources_own_sentences_are_shown():
    llm = FakeLLM("The article discusses many things")  # no numbered line, cut off
    _, answer = _events(llm, "What is this article about?", overview_lead(LEAD, "x"), "en", "id")
    assert answer.quoted and answer.text.startswith("Putin dan Xi berjanji") and answer.text.endswith("[4]")


def test_each_documents_opening_sentence_says_when_not_every_document_is_shown():
    lead = [Hit("a.txt", 1, "Banjir melanda Semarang. Dua.", 0.0), Hit("b.txt", 2, "Harga naik lagi. Tiga.", 0.0)]
    _, answer = _events(None, "What are these documents about?", lead, "en", "en", documents=9)
    assert answer.text == "Banjir melanda Semarang. [a.txt ¶1] Harga naik lagi. [b.txt ¶2] (2 of 9 documents)"
    _, answer = _events(None, "Apa isi dokumen-dokumen ini?", lead, "id", "id", documents=2)
    assert answer.text.endswith("[b.txt ¶2]")


def test_an_empty_lead_is_the_refusal():
    _, answer = _events(None, "Ringkas artikel ini.", [], "id", "id")
    assert answer.refused and answer.text == "Informasi itu tidak ada dalam dokumen." and not answer.citations


def test_the_pipeline_answers_an_overview_from_the_lead_and_cites_the_documents_label(
        settings, fake_embedder, tmp_path):
    from rag.pipeline import Pipeline

    llm = FakeLLM("not used")
    pipe = Pipeline(settings, embedder=fake_embedder, llm=llm)
    pipe.ensure_index(progress=False)
    events = list(pipe.ask_stream("Ringkas artikel ini."))
    answer = events[-1]
    assert [c.paragraph for c in answer.citations] == [1, 2, 3] and answer.text.startswith("Vladimir Putin dan")
    assert any(isinstance(e, Token) for e in events) and not llm.prompts  # the source's words: no model
    shutil.copy(settings.seeds / "000_7bfd9efb098ecdeb.txt", settings.seeds / "copy.txt")
    pipe.ensure_index(progress=False)
    answer = pipe.ask("Ringkas copy.txt")
    assert {c.doc for c in answer.citations} == {"copy.txt"} and "[copy.txt ¶1]" in answer.text
