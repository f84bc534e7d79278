"""An answer written in the other language is asked for once more; if it stays so, the cited
paragraph's own words are shown when that paragraph is in the language asked."""
from __future__ import annotations

from rag.answer import Answer, Reset, generate
from rag.retriever import Hit
from tests.conftest import FakeLLM

TURTLES = ("Keempat jenis penyu itu termasuk dalam daftar jenis-jenis penyu yang terancam punah atau "
           "Appendix I CITES (Convention on International Trade in Endangered Species).")
OTHER = "Penyu belimbing bertelur di pantai utara Papua setiap tahun."
ENGLISH = "The result of the convention was a list of four types of fish that are endangered [15]."


def _final(llm: FakeLLM, question: str, passages: list[Hit], lang: str) -> tuple[Answer, list]:
    events = list(generate(llm, question, passages, lang, 100))
    return events[-1], events


def test_an_indonesian_question_answered_twice_in_english_shows_the_cited_indonesian_paragraph():
    passages = [Hit("a.txt", 14, OTHER, 1.0), Hit("a.txt", 15, TURTLES, 0.9)]
    llm = FakeLLM([ENGLISH, ENGLISH])
    answer, events = _final(llm, "Apakah hasil konvensi yang memuat daftar penyu yang terancam punah?", passages, "id")
    assert sum(isinstance(e, Reset) for e in events) == 1 and answer.retried  # asked once more first
    assert answer.quoted and not answer.refused
    assert "Appendix I CITES" in answer.text and "fish" not in answer.text
    assert [(c.doc, c.paragraph) for c in answer.citations] == [("a.txt", 15)]


def test_translated_names_of_an_answer_in_the_other_language_are_not_taken_for_inventions():
    spring = Hit("a.txt", 13, "Xi menjadi sekretaris jenderal Partai Komunis China pada 2012.", 1.0)
    english = "Xi became Secretary General of the Communist Party of China in 2012 [13]."
    answer, events = _final(FakeLLM([english, english]), "Kapan Xi menjadi sekretaris jenderal?", [spring], "id")
    assert answer.retried and answer.quoted and not answer.invented  # not "unverified: General, Communist"
    assert "Partai Komunis" in answer.text and "Communist" not in answer.text
    oil = Hit("a.txt", 5, "China juga meningkatkan pembelian minyak Rusia dengan harga diskon.", 1.0)
    made_up = "The price per barrel of Russian oil bought by China is $100 [5]."
    answer, _ = _final(FakeLLM([made_up, made_up]), "Berapa harga per barel minyak Rusia yang dibeli China?", [oil], "id")
    assert answer.refused and not answer.quoted  # a made-up figure is no translation


def test_an_answer_in_the_language_asked_the_second_time_is_shown():
    passages = [Hit("a.txt", 15, TURTLES, 1.0)]
    llm = FakeLLM([ENGLISH, "Hasilnya adalah daftar Appendix I CITES [15]."])
    answer, _ = _final(llm, "Apakah hasil konvensi itu?", passages, "id")
    assert not answer.quoted and answer.text.startswith("Hasilnya adalah daftar Appendix I CITES")


def test_an_english_question_over_indonesian_text_keeps_its_indonesian_answer():
    """The cited paragraph is not in the language asked: quoting it would not help the reader."""
    passages = [Hit("a.txt", 15, TURTLES, 1.0)]
    indonesian = "Keempat jenis penyu itu termasuk dalam daftar Appendix I CITES yang terancam punah [15]."
    llm = FakeLLM([indonesian, indonesian])
    answer, _ = _final(llm, "Which list are the four turtle species on?", passages, "en")
    assert not answer.quoted and not answer.refused and "Appendix I CITES" in answer.text
