"""A city asked for, only a country given: the answer talks around the city it does not know."""
from __future__ import annotations

import pytest

from rag.answer import generate
from rag.answer_type import wrong_answer_type
from rag.dated import placed_passage
from rag.places import asks_city, is_country, names_only_countries
from rag.quotes import quote_answering
from rag.retriever import Hit
from tests.conftest import FakeLLM

SPRING = ("Xi diperkirakan akan bertemu Putin di Rusia pada musim semi, melanjutkan tradisi kunjungan tahunan "
          "bergilir sejak ia menjadi sekretaris jenderal Partai Komunis China pada 2012.")
SUMMIT = ("Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet—untuk pertemuan puncak trilateral dengan Turki "
          "dan Iran di Teheran—sejak perang dimulai pada Februari.")


@pytest.mark.parametrize("name", ["Rusia", "Russia", "AS", "Tiongkok", "Turki", "Jerman", "Korea Selatan",
                                  "Amerika Serikat", "Swiss", "Iran"])
def test_countries_in_either_language(name):
    assert is_country(name)


@pytest.mark.parametrize("name", ["Teheran", "Beijing", "Moskow", "Washington", "Jakarta", "Geneva",
                                  "Singapura", "Kuwait", "As", "Xi"])
def test_cities_city_states_and_other_words_are_not_countries(name):
    assert not is_country(name)


def test_which_questions_ask_a_city():
    for question in ("Di kota mana Xi akan bertemu Putin?", "Kota apa yang dikunjungi Putin?",
                     "Di kota manakah letak kantor pusat WHO?", "In which city will they meet?",
                     "Which Russian city will host the meeting?"):
        assert asks_city(question), question
    for question in ("Di mana Xi akan bertemu Putin?", "Where will they meet?", "Berapa kota yang dikunjungi?",
                     "Which country will host the meeting?"):
        assert not asks_city(question), question


def test_only_a_country_is_no_city():
    question = "Di kota mana Xi dan Putin akan bertemu pada musim semi?"
    assert names_only_countries("Xi dan Putin akan bertemu di Rusia pada musim semi [13].", question)
    assert names_only_countries("Rusia [13]", question)
    assert names_only_countries(SPRING, question)  # "di Rusia": the paragraph names no city
    assert not names_only_countries(SUMMIT, question)  # "di Teheran"
    assert not names_only_countries("Di kota Beijing, Putin menemui Xi sebelum invasi ke Ukraina [16].", question)
    assert not names_only_countries("Geneva, Swiss [3]", "Di kota manakah letak kantor pusat WHO?")
    assert not names_only_countries("Moskow [13]", question)  # a city, made up or not: another check's
    assert not names_only_countries("Mereka akan bertemu pada musim semi [13].", question)  # no place at all
    assert names_only_countries("They will meet in Russia in the spring [13].", "In which city will they meet?")


def test_a_city_question_answered_with_a_country_is_refused_and_its_paragraph_not_quoted():
    question = "Di kota mana Xi dan Putin akan bertemu pada musim semi?"
    assert wrong_answer_type(question, "Xi dan Putin akan bertemu di Rusia pada musim semi [13].")
    assert not wrong_answer_type("Di kota mana Putin menghadiri KTT trilateral?", "Di Teheran [17].")
    assert not wrong_answer_type("Di mana Xi akan bertemu Putin?", "Di Rusia [13].")  # where: a country answers
    spring = Hit("a.txt", 13, SPRING, 1.0)
    llm = FakeLLM(["Xi dan Putin akan bertemu di Rusia pada musim semi [13]."], support=lambda prompt: 0.95)
    answer = list(generate(llm, question, [spring], "id", 100, retrieved=[spring]))[-1]
    assert answer.refused and not answer.quoted and not answer.citations
    judge = FakeLLM(support=lambda prompt: 0.95)  # would take the paragraph as the answer
    assert quote_answering(judge, question, [spring], [spring], "id") is None and not judge.checks
    summit = Hit("a.txt", 17, SUMMIT, 1.0)
    answer = list(generate(FakeLLM(["Di Teheran [17]."], support=lambda prompt: 0.95),
                           "Di kota mana Putin menghadiri KTT trilateral?", [summit], "id", 100, retrieved=[summit]))[-1]
    assert not answer.refused and "Teheran" in answer.text



def test_without_pycountry_the_short_forms_still_count(without_module):
    import rag.places

    without_module("pycountry")
    rag.places.country_names.cache_clear()
    try:
        assert is_country("Rusia") and is_country("AS") and not is_country("Jerman") and not is_country("Teheran")
    finally:
        rag.places.country_names.cache_clear()


@pytest.mark.parametrize("question, answer", [
    ("Where is Xi expected to meet Putin next?", "Xi is expected to meet Putin in the musim semi [13]."),
    ("Where is Xi expected to meet Putin next?", "Xi is expected to meet Putin in the spring [13]."),
    ("Di mana Xi akan bertemu Putin?", "Xi akan bertemu Putin pada musim semi [13]."),
])
def test_a_where_question_answered_with_no_place_is_the_wrong_type(question, answer):
    assert wrong_answer_type(question, answer, [SPRING])


@pytest.mark.parametrize("question, answer", [
    ("Where is Xi expected to meet Putin next?", "In Russia, in the spring [13]."),
    ("Ke mana Medvedev dikirim?", "Medvedev dikirim ke Beijing [17]."),
    ("Where is that island located?", "Off the coast of China [11]."),
])
def test_a_where_question_answered_with_a_place_is_not(question, answer):
    assert not wrong_answer_type(question, answer, [SPRING])


def test_the_where_part_answered_with_a_season_quotes_the_paragraph_that_names_the_place():
    spring = Hit("a.txt", 13, SPRING, 1.0)
    llm = FakeLLM(["Xi is expected to meet Putin in the musim semi [13]."], support=lambda prompt: 0.95)
    answer = list(generate(llm, "Where is Xi expected to meet Putin next?", [spring], "en", 100,
                           retrieved=[spring]))[-1]
    assert answer.quoted and "Rusia" in answer.text and [c.paragraph for c in answer.citations] == [13]
    found = Hit("a.txt", 13, SPRING, 1.0, gloss=SPRING_EN)  # retrieval gives the English copy
    judge = FakeLLM(["in the musim semi [13]."], support=lambda prompt: 0.5)  # the judge does not take it
    answer = list(generate(judge, "Where is Xi expected to meet Putin next?", [spring], "en", 100,
                           retrieved=[found]))[-1]
    assert answer.quoted and "Rusia" in answer.text  # the clause closest to the question places it


SPRING_EN = ("It is expected that Xi Jinping will meet Putin in Russia in spring, continuing the tradition of "
             "annual visits since he became Secretary General of the Communist Party of China in 2012.")


def test_a_where_question_left_unanswered_quotes_the_passage_that_places_it():
    spring = Hit("a.txt", 13, SPRING, 1.0, gloss=SPRING_EN)
    assert placed_passage("Where is Xi expected to meet Putin next?", [spring], "en") == spring  # read in English
    assert placed_passage("Di mana Xi diperkirakan akan bertemu Putin lagi?", [spring], "id") == spring
    assert placed_passage("Where will Medvedev meet Xi?", [spring], "en") is None  # it does not write Medvedev
    summit = Hit("a.txt", 17, SUMMIT, 1.0)
    assert placed_passage("Di mana Xi diperkirakan akan bertemu Putin lagi?", [summit], "id") is None
    assert placed_passage("Kapan Xi diperkirakan akan bertemu Putin lagi?", [spring], "id") is None  # not "where"
