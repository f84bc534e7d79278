"""Cutting a made-up day, year or month out of an answer (rag/unstated.py)."""
from __future__ import annotations

import pytest

from rag.answer import generate
from rag.unstated import drop_invented_figures
from tests.conftest import FakeLLM
from tests.test_grounding import P


@pytest.mark.parametrize("text, invented, expected", [
    ("Putin visited Xi in Beijing on February 16th. [16]", ("16",), "Putin visited Xi in Beijing in February. [16]"),
    ("On February 1, Putin visited Xi in Beijing. [16]", ("1",), "In February, Putin visited Xi in Beijing. [16]"),
    ("Putin mengunjungi Xi pada tanggal 1 Februari [16].", ("1",), "Putin mengunjungi Xi pada bulan Februari. [16]"),
    ("The meeting was in February 2018 [13].", ("2018",), "The meeting was in February. [13]"),
    ("On February 1, 2018, Putin visited Xi in Beijing. [16]", ("2018",), "On February 1, Putin visited Xi in Beijing. [16]"),
    ("Medvedev was sent on February 17, two weeks before the invasion. [17]", ("17",),
     "Medvedev was sent in February, two weeks before the invasion. [17]"),
    ("Qin Gang was a duta besar from 2012 to 2017. [18]", ("2012", "2017"), "Qin Gang was a duta besar. [18]"),
    ("Album itu dirilis pada tahun 2001 oleh Tari [10].", ("2001",), "Album itu dirilis oleh Tari. [10]"),
    ("Qin lahir pada tanggal 18 Desember 1956 [18].", ("18", "1956"), "Qin lahir pada bulan Desember. [18]"),
    ("2012 [13]\nQin was promoted in 2015 to minister [18].", ("2015",), "2012 [13]\nQin was promoted to minister. [18]"),
    # a made-up month goes with its whole date (seed_extra10 q01: "on July 11th", the source says "Jumat")
    ("They held a video conference together on July 11th. [1]", ("July",), "They held a video conference together. [1]"),
    ("Putin mengunjungi Xi pada 11 Juli 2018 di Beijing [16].", ("Juli", "2018"), "Putin mengunjungi Xi di Beijing. [16]"),
    ("In July, Putin called Xi [1].", ("July",), "Putin called Xi. [1]"),
])
def test_a_made_up_day_or_year_is_cut_with_its_phrase(text, invented, expected):
    assert drop_invented_figures(text, invented) == expected


@pytest.mark.parametrize("text, invented", [
    ("Terdapat 10 korban sipil di Ukraina [8].", ("10",)),  # the figure is the subject: nothing true is left
    ("Presiden AS adalah Donald Trump pada 2020 [1].", ("Donald", "Trump", "2020")),  # a name too
    ("He was born in 1956 [18].", ()),  # nothing invented
    ("It opened [in 2019 at the port [3].", ("2019",)),  # a stray bracket: sentences unclear
])
def test_an_answer_whose_figure_cannot_be_cut_cleanly_is_left_to_the_other_checks(text, invented):
    assert drop_invented_figures(text, invented) == ""


def test_a_made_up_month_is_not_cut_when_the_question_asks_a_time():
    for question in ("When was the call held?", "Kapan panggilan itu diadakan?", "In which month was it?"):
        assert drop_invented_figures("The call was held on July 11th. [1]", ("July",), question) == ""
    assert drop_invented_figures("The call was held on July 11th. [1]", ("July",), "Who took part?") == (
        "The call was held. [1]")


def test_the_cut_answer_is_shown_verified_and_a_figure_asked_for_still_refused():
    a = list(generate(FakeLLM("Putin mengunjungi Xi di Beijing pada 17 Februari 2018 [16]."),
                      "Siapa yang dikunjungi Putin di Beijing?", P, "id", 100))[-1]
    assert not a.refused and a.verified and a.invented == ()
    assert a.text == "Putin mengunjungi Xi di Beijing pada Februari. [16]"
    a = list(generate(FakeLLM("Putin mengunjungi Xi di Beijing pada tahun 2018 [16]."),
                      "Tahun berapa Putin mengunjungi Xi di Beijing?", P, "id", 100))[-1]
    assert a.refused and not a.citations  # the year asked for is the made-up one


def test_a_one_digit_day_is_a_figure_the_source_must_hold():
    """"awal Februari" (early February) became "February 1": a day in digits, unlike a small
    count the source may spell out ("dua minggu" for "2 weeks")."""
    from rag.figures import specifics

    assert specifics("On February 1, Putin visited Xi [16].", P, "When?").invented == ("1",)
    assert specifics("Putin tiba 1 Februari [16].", P, "Kapan?").invented == ("1",)
    assert specifics("It was 2 weeks before the invasion [16].", P, "When?").invented == ()
    a = list(generate(FakeLLM("On February 1, 2018, Putin visited Xi in Beijing [16]."),
                      "When did Putin visit Xi in Beijing?", P, "en", 100))[-1]
    assert not a.refused and a.verified and a.text == "In February, Putin visited Xi in Beijing. [16]"
