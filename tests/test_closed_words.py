"""Days, months, seasons and compass points put back as the cited paragraph gives them."""
from __future__ import annotations

from rag.closed_words import new_times, source_closed_words, time_glosses
from rag.verbatim import restore_source_forms
from rag.retriever import Hit

SPRING = "Xi diperkirakan akan bertemu Putin di Rusia pada musim semi, melanjutkan tradisi sejak 2012."
SOUTHEAST = "Moskow siap mundur dari bagian empat provinsi garis depan di Ukraina tenggara yang coba dianeksasi Rusia."
FRIDAY = "Sementara itu, pada hari Jumat, Beijing mengumumkan bahwa Qin Gang telah dipromosikan, dua minggu lalu."


def test_a_member_the_source_never_names_becomes_the_one_it_names():
    assert source_closed_words("They meet in the summer [13].", SPRING, "When do they meet?", True) == \
        "They meet in the spring [13]."
    assert source_closed_words("They are in the eastern part of Ukraine [9].", SOUTHEAST, "Where?", True) == \
        "They are in the southeastern part of Ukraine [9]."  # the adjective stays an adjective
    assert source_closed_words("In the east of Ukraine [9].", SOUTHEAST, "Where?", True) == "In the southeast of Ukraine [9]."
    assert source_closed_words("Beijing announced it on Sunday [18].", FRIDAY, "When?", True) == \
        "Beijing announced it on Friday [18]."
    assert source_closed_words("Diumumkan pada hari Minggu [18].", FRIDAY, "Kapan?", False) == "Diumumkan pada hari Jumat [18]."


def test_a_member_the_source_names_or_the_question_uses_stays():
    assert source_closed_words("They meet in the spring [13].", SPRING, "When?", True) == "They meet in the spring [13]."
    assert source_closed_words("On Friday [18].", FRIDAY, "When?", True) == "On Friday [18]."
    asked = "Was it in the summer? No, they meet in the summer [13]."
    assert source_closed_words(asked, SPRING, "Do they meet in the summer?", True) == asked
    assert source_closed_words("It is in the south-east [9].", SOUTHEAST, "Where?", True) == "It is in the south-east [9]."


def test_nothing_changes_when_the_source_names_none_or_several_members_or_the_word_is_another_one():
    both = "Pertemuan pada musim semi atau musim panas."
    assert source_closed_words("In the summer [1].", both, "When?", True) == "In the summer [1]."
    assert source_closed_words("In the summer [1].", "Pertemuan itu ditunda.", "When?", True) == "In the summer [1]."
    # "minggu" (week) is not "Minggu" (Sunday); a capitalised compass point belongs to a name
    assert source_closed_words("Dua minggu lalu [18].", FRIDAY, "Kapan?", False) == "Dua minggu lalu [18]."
    assert source_closed_words("It is in East Nusa Tenggara [2].", "di Nusa Tenggara Timur", "Where?", True) == \
        "It is in East Nusa Tenggara [2]."
    assert source_closed_words("Prices fall in May [2].", "Harga turun pada musim semi.", "When?", True) == \
        "Prices fall in May [2]."  # "fall" is the verb here; the season class is not touched by it


def test_restore_source_forms_fixes_an_english_answer_but_not_one_the_source_supports():
    cited = [Hit("a.txt", 13, SPRING, 1.0)]
    assert restore_source_forms("Xi will meet Putin in the summer [13].", cited, "When will Xi meet Putin?") == \
        "Xi will meet Putin in the spring [13]."
    assert restore_source_forms("Xi akan bertemu Putin pada musim semi [13].", cited, "Kapan Xi bertemu Putin?") == \
        "Xi akan bertemu Putin pada musim semi [13]."


def test_the_days_months_and_seasons_a_text_names_are_glossed_and_new_ones_told_apart():
    text = "Pada hari Jumat, awal Februari, bulan April dan musim semi; dua minggu lalu."
    # "April" is the same word in English; "minggu" (week) is not a day
    assert time_glosses(text) == [("Jumat", "Friday"), ("Februari", "February"), ("musim semi", "spring")]
    assert new_times("On Friday in February, April and spring; on July 25 in the summer.", text) == ["July", "summer"]
    assert new_times("Pada hari Minggu.", FRIDAY) == ["Minggu"]
