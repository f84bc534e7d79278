"""A capital named as an actor is searched with its country's names (`rag/capitals.py`)."""
from __future__ import annotations

import pytest

from rag.capitals import capital_countries, with_countries


def test_capitals_know_their_countries_in_english_and_indonesian():
    table = capital_countries()
    assert table["moscow"] == ("Russia", "Rusia") and table["moskow"] == table["moscow"]  # Indonesian spelling
    assert table["beijing"][0] == "China" and table["tehran"][0] == "Iran"
    assert "lima" not in table  # "lima" is five in Indonesian
    assert "douglas" not in table  # the Isle of Man's: too small, more often someone's name


@pytest.mark.parametrize("question, lang, searched", [
    ("Mengapa Moskow kini makin mengandalkan Beijing?", "id",
     "Mengapa Moskow Russia Rusia kini makin mengandalkan Beijing China Cina?"),
    ("Why has Moscow come to lean more heavily on Beijing?", "en",  # in English the other spelling too
     "Why has Moscow Moskow Russia come to lean more heavily on Beijing China?"),
    ("What is keeping Beijing from cutting Moscow's lifeline?", "en",
     "What is keeping Beijing China from cutting Moscow's Moskow Russia lifeline?"),
    ("Which countries did Putin hold a summit with in Tehran?", "en",  # the place: its spelling alone
     "Which countries did Putin hold a summit with in Tehran Teheran?"),
    ("Kuala Lumpur dan Beijing", "id", "Kuala Lumpur Malaysia dan Beijing China Cina"),
])
def test_a_capital_as_an_actor_is_searched_with_its_country(question, lang, searched):
    assert with_countries(question, lang) == searched


@pytest.mark.parametrize("question", [
    "Apa sebutan lain dari festival Raum & Schatten di Berlin?",  # the city itself
    "Who visited Xi in Beijing in early February?",
    "Di negara manakah letak kota Pyongyang?",
    "Siapa Gubernur DKI Jakarta?",
    "Beijing China sepakat?",  # the country is already named
    "Siapa yang menang di Kabul?",
    "Siapa Presiden Rusia?",  # no capital
])
def test_a_capital_as_the_place_or_no_capital_leaves_the_question_as_it_is(question):
    assert with_countries(question, "id") == question


def test_an_indonesian_question_gets_no_other_spelling():
    # "Moskow Moscow" moved the dense ranking of Indonesian questions the wrong way
    assert with_countries("Apa yang terjadi di Teheran?", "id") == "Apa yang terjadi di Teheran?"
    assert with_countries("Who met in Tehran or in Teheran?", "en") == "Who met in Tehran or in Teheran?"  # both written


def test_without_countryinfo_nothing_is_added(monkeypatch, without_module):
    capital_countries.cache_clear()
    without_module("countryinfo")
    try:
        assert with_countries("Mengapa Moskow mengandalkan Beijing?") == "Mengapa Moskow mengandalkan Beijing?"
    finally:
        monkeypatch.undo()
        capital_countries.cache_clear()


def test_retrieval_searches_the_countries_the_model_reads_the_question(pipeline):
    retrieval = pipeline.retrieve("Mengapa Moskow makin mengandalkan Beijing?")
    assert retrieval.queries[0].text == "Mengapa Moskow Russia Rusia makin mengandalkan Beijing China Cina?"
