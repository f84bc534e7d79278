"""A "when" question the model declined: the passage whose closest clause names a time is quoted."""
from __future__ import annotations

import pytest

from rag.answer import generate
from rag.dated import WHEN_Q, dated_passage, times, writes_names
from rag.prompt import NO_ANSWER
from rag.retriever import Hit
from tests.conftest import FakeLLM

MET = Hit("a.txt", 4, "Meskipun Putin mengakui “kekhawatiran” Xi tentang Ukraina pada pertemuan tatap muka "
                      "terakhir mereka pada bulan September, China menahan diri untuk tidak mengutuk Rusia.", 1.0)
VISIT = Hit("a.txt", 16, "Dia mengunjungi Xi di Beijing pada awal Februari, dua minggu sebelum memerintahkan "
                         "invasi ke Ukraina.", 0.9)
QIN = Hit("a.txt", 18, "Sementara itu, pada hari Jumat, Beijing mengumumkan bahwa orang kepercayaan Xi, Qin Gang, "
                       "telah dipromosikan menjadi menteri luar negeri.", 0.8)


def test_which_questions_ask_when():
    for q in ("Kapan Putin dan Xi terakhir bertemu?", "Kapankah rapat itu?", "Pada bulan apa mereka bertemu?",
              "When did they last meet?", "In which month did they meet?", "  when was it?"):
        assert WHEN_Q.search(q), q
    for q in ("Siapa yang bertemu Putin pada bulan September?", "Sejak kapan Qin menjabat?",
              "What did Xi say when they met?", "Where did they meet?"):
        assert not WHEN_Q.search(q), q


def test_times_names_months_days_seasons_and_years():
    assert len(times("pada bulan September, Jumat, musim semi 2012")) == 4
    assert times("in the spring of 2012, on Friday, in September") == times("pada bulan September, Jumat, musim semi 2012")
    assert "2023" in times("in 2023")
    assert not times("dua minggu sebelum invasi, 15 provinsi, 300 orang")  # "minggu" is a week here


def test_names_match_across_the_two_languages_spellings():
    assert writes_names(VISIT.text, ["Xi", "Beijing"])
    assert writes_names("Rusia dan Ukraina", ["Russia", "Ukraine"])  # an English question, Indonesian text
    assert not writes_names(VISIT.text, ["Washington"])


def test_the_clause_closest_to_a_when_question_must_name_a_new_time():
    passages = [MET, VISIT, QIN]
    assert dated_passage("Kapan Putin dan Xi terakhir kali bertemu tatap muka?", passages, "id") is MET
    # what the asked event is placed against ("sebelum konferensi video ini") does not choose the clause
    video = Hit("a.txt", 1, "Putin dan Xi berjanji memperdalam hubungan ketika mereka mengadakan konferensi video "
                            "bersama pada hari Jumat.", 1.0)
    assert dated_passage("Kapan Putin dan Xi terakhir kali bertemu sebelum konferensi video ini?",
                         [video, MET], "id") is MET
    # the question names the paragraph's only time itself: the clause adds none
    assert dated_passage("Kapan Putin mengunjungi Xi di Beijing pada bulan Februari?", passages, "id") is None
    # a name the passage never writes: another visit
    assert dated_passage("Kapan Xi akan mengunjungi Washington?", passages, "id") is None
    # not a "when" question, or one asking for a day of the month
    assert dated_passage("Siapa yang bertemu tatap muka dengan Putin terakhir kali?", passages, "id") is None
    assert dated_passage("Tanggal berapa Putin dan Xi terakhir bertemu tatap muka?", passages, "id") is None


def test_a_declined_when_question_quotes_the_dated_paragraph():
    question = "Kapan Putin dan Xi terakhir kali bertemu tatap muka?"
    llm = FakeLLM([NO_ANSWER], answers=0.5)  # the judge finds no paragraph that answers
    answer = list(generate(llm, question, [MET, VISIT, QIN], "id", 100, retrieved=[MET, VISIT, QIN]))[-1]
    assert answer.quoted and not answer.refused
    assert "September" in answer.text and [c.paragraph for c in answer.citations] == [4]


@pytest.mark.parametrize("question", ["Kapan Xi akan mengunjungi Washington?", "Kapan Qin Gang lahir?"])
def test_a_declined_when_question_without_a_dated_clause_is_refused(question):
    llm = FakeLLM([NO_ANSWER], answers=0.5)
    answer = list(generate(llm, question, [MET, VISIT, QIN], "id", 100, retrieved=[MET, VISIT, QIN]))[-1]
    assert answer.refused and not answer.quoted and not answer.citations


def test_without_the_checks_the_refusal_stays():
    llm = FakeLLM([NO_ANSWER], answers=0.5)
    answer = list(generate(llm, "Kapan Putin dan Xi terakhir kali bertemu tatap muka?", [MET, VISIT], "id", 100,
                           retrieved=[MET, VISIT], check=False))[-1]
    assert answer.refused and not answer.quoted


TRIP = Hit("a.txt", 17, "Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet — untuk pertemuan puncak trilateral "
                        "dengan Turki dan Iran di Teheran — sejak perang dimulai pada Februari, tetapi mengirim "
                        "Dmitry Medvedev ke Beijing dengan pesan untuk Xi bulan ini.", 1.0)


@pytest.mark.parametrize("question, answer, wrong", [
    ("Ke kota mana Putin pergi untuk KTT trilateral sejak perang dimulai?", "Ke Beijing [17].", True),
    ("Ke kota mana Putin pergi untuk KTT trilateral sejak perang dimulai?", "Ke Teheran [17].", False),
    ("Which city hosted the trilateral summit Putin attended with Turkey and Iran?", "Beijing [17]", True),
    ("Ke kota mana Medvedev dikirim dengan pesan untuk Xi?", "Ke Beijing [17].", False),
    ("Ke kota mana Medvedev dikirim dengan pesan untuk Xi?", "Ke Teheran [17].", True),
    ("Siapa yang dikirim ke Beijing dengan pesan untuk Xi?", "Dmitry Medvedev, di Teheran [17].", False),  # not "where"
])
def test_a_place_from_another_clause_than_the_one_asked_about_is_the_wrong_place(question, answer, wrong):
    from rag.dated import wrong_place

    assert wrong_place(question, answer, [TRIP], "en" if question.startswith("Which") else "id") is wrong


def test_the_wrong_place_is_not_shown():
    question = "Ke kota mana Putin pergi untuk KTT trilateral sejak perang dimulai?"
    llm = FakeLLM(["Putin pergi ke Beijing [17]."], answers=0.5)  # the judge finds no paragraph that answers
    answer = list(generate(llm, question, [TRIP], "id", 100, retrieved=[TRIP]))[-1]
    assert answer.refused and not answer.citations


PROVINCES = Hit("a.txt", 9, "Baru-baru ini, Putin bersikeras bahwa Moskow siap mengakhiri perang setelah mundur dari "
                            "bagian empat provinsi garis depan di Ukraina tenggara.", 1.0)


def test_a_declined_count_question_quotes_the_paragraph_writing_a_number_before_the_thing_counted():
    from rag.figures import counted_thing, counts

    question = "Berapa provinsi garis depan yang disebut dalam artikel?"
    assert counted_thing(question) == "provinsi" and counts(PROVINCES.text, "provinsi") and not counts(QIN.text, "provinsi")
    llm = FakeLLM(["Tiga provinsi: Dnipropetrovsk, Kharkiv, dan Luhansk [9]."], answers=0.5)  # invented names
    answer = list(generate(llm, question, [PROVINCES, QIN], "id", 100, retrieved=[PROVINCES, QIN]))[-1]
    assert answer.quoted and "empat provinsi" in answer.text and [c.paragraph for c in answer.citations] == [9]
    llm = FakeLLM(["Tiga kota [18]."], answers=0.5)
    answer = list(generate(llm, "Berapa kota yang disebut?", [PROVINCES, QIN], "id", 100, retrieved=[PROVINCES, QIN]))[-1]
    assert answer.refused and not answer.quoted  # no passage counts cities
