"""The kind of answer a question asks for (`rag/answer_type.py`): a count, a clock time, a day of
the month, a unit, a start ("since when"), someone new, a figure, a time beyond the question; and
what the answer step does when an answer is of the wrong kind (moved from test_answer_checks)."""
from __future__ import annotations

from rag.answer import generate
from rag.quotes import quote_answering
from rag.retriever import Hit
from tests.conftest import FakeLLM
from tests.test_grounding import run


def test_a_count_or_clock_time_asked_and_not_given_is_the_refusal():
    from rag.answer_type import wrong_answer_type

    assert wrong_answer_type("Pukul berapa konferensi itu dimulai?", "Konferensi itu dimulai pada hari Jumat [1].")
    assert not wrong_answer_type("Pukul berapa konferensi itu dimulai?", "Pukul 10.00 [1].")
    assert wrong_answer_type("How many people live in Beijing?", "Many people live in Beijing [3].")
    assert not wrong_answer_type("Berapa minggu sebelum invasi?", "Dua minggu sebelum invasi [16].")
    assert not wrong_answer_type("How many times has Putin left the former Soviet Union?", "He left it once [17].")
    assert not wrong_answer_type("Berapa warga Spanyol yang tewas?", "Seorang warga Spanyol [2].")
    assert not wrong_answer_type("Siapa yang dikirim ke Beijing?", "Medvedev [17].")  # not a count question
    assert wrong_answer_type("What was the price of the oil sold to China?", "The oil was sold at a discount [5].")
    assert not wrong_answer_type("What was the price of the oil?", "It cost 60 dollars a barrel [5].")
    assert wrong_answer_type("In what year did Xi become party leader?", "In the spring [13].")
    assert not wrong_answer_type("What did the price cut do?", "It helped the budget [5].")  # not a figure
    assert wrong_answer_type("Berapakah film yang ikut seleksi?", "Film bioskop ikut seleksi [2].")  # with -kah
    assert wrong_answer_type("Tahun berapakah ia lahir?", "Ia lahir di Jakarta [2].")
    a = run("Putin mengunjungi Xi pada hari Jumat [16].", "Pukul berapa Putin mengunjungi Xi?")
    assert a.refused and not a.citations
    a = run("Putin mengunjungi Xi dua minggu sebelum invasi [16].", "Berapa minggu sebelum invasi Putin mengunjungi Xi?")
    assert not a.refused and a.verified


def test_a_figure_in_another_unit_than_the_one_asked_is_the_wrong_type():
    from rag.answer_type import wrong_answer_type

    question = "Berapa hari Putin berada di Beijing pada kunjungan awal Februari?"
    assert wrong_answer_type(question, "Putin berada di Beijing pada awal Februari, dua minggu sebelum invasi [16].")
    assert not wrong_answer_type(question, "Putin berada di Beijing selama dua hari [16].")
    assert not wrong_answer_type("How many weeks before the invasion was it?", "Two weeks before the invasion [16].")
    assert not wrong_answer_type("Tanggal berapa hari terakhir Grand Prix Asia 2005?", "Pada 8/9 [3].")  # a date
    # a list numbers its items; it counts nothing, whatever figures its items copy
    listed = "Poinnya adalah: 1. Menahan diri untuk tidak mengutuk Rusia [4].\n2. Mundur dari empat provinsi [9]."
    assert wrong_answer_type("Berapa poin rencana perdamaian China?", listed)
    assert not wrong_answer_type("Berapa poin rencana perdamaian China?", "Ada 12 poin: 1. Gencatan senjata. 2. ...")
    assert not wrong_answer_type("Berapa orang tewas?", "Pada 2012. 2 orang tewas [13].")  # no list


def test_a_date_asked_is_a_day_of_the_month_and_a_paragraph_without_one_is_not_quoted():
    from rag.answer_type import wrong_answer_type

    question = "Tanggal berapa Xi dijadwalkan tiba di Rusia?"
    assert wrong_answer_type(question, "Xi tiba di Rusia pada musim semi, sejak 2012 [13].")  # a year is no date
    assert not wrong_answer_type(question, "Pada Sabtu (20/8) [3].")
    assert not wrong_answer_type("On what date did the quake hit?", "On 26 November 2004 [13].")
    assert wrong_answer_type("On what date did the quake hit?", "In November 2004 [13].")
    spring = Hit("a.txt", 13, "Xi diperkirakan akan bertemu Putin di Rusia pada musim semi.", 1.0)
    dated = Hit("a.txt", 14, "Xi tiba di Moskow pada 20 Maret.", 0.9)
    llm = FakeLLM(support=lambda prompt: 0.95)  # the judge would take either paragraph as the answer
    assert quote_answering(llm, question, [spring], [spring], "id") is None and len(llm.checks) == 0
    text, cited = quote_answering(llm, question, [spring, dated], [spring, dated], "id")
    assert [c.paragraph for c in cited] == [14] and "20 Maret" in text
    a = list(generate(FakeLLM(["Xi tiba di Rusia pada musim semi [13]."], support=lambda prompt: 0.95),
                      question, [spring], "id", 100, retrieved=[spring]))[-1]
    assert a.refused and not a.citations and not a.quoted


def test_a_calendar_date_asked_in_other_words_is_still_a_day_of_the_month():
    from rag.answer_type import wrong_answer_type

    question = "On what calendar date was the video call held?"
    assert wrong_answer_type(question, "The call was held on Friday [1].")
    assert not wrong_answer_type(question, "On 30 December [1].")
    assert wrong_answer_type("Which exact date did they meet?", "In September [4].")


def test_since_when_is_answered_by_when_something_began():
    from rag.answer_type import wrong_answer_type

    question = "Sejak kapan Qin Gang menjabat sebagai duta besar China untuk AS?"
    promoted = "Sementara itu, pada hari Jumat, Beijing mengumumkan bahwa Qin Gang telah dipromosikan [18]."
    assert wrong_answer_type(question, promoted)  # when he left the post, not since when he held it
    assert not wrong_answer_type("Sejak kapan Xi menjabat?", "Sejak ia menjadi sekretaris jenderal pada 2012 [13].")
    assert not wrong_answer_type("Since when has the tradition held?", "It began in 2012 [13].")
    assert not wrong_answer_type("Kapan Qin Gang dipromosikan?", promoted)  # "when", not "since when"


def test_a_who_question_is_answered_by_naming_someone_the_question_does_not():
    from rag.answer_type import names_no_one_new, wrong_answer_type

    vocabulary = ["Sementara itu, pada hari Jumat, Beijing mengumumkan bahwa Qin Gang dipromosikan.",
                  "Upaya pembicaraan damai runtuh pada bulan April.", "selama upaya tidak menyerah, sementara"]
    question = "Siapa yang menggantikan Qin Gang sebagai duta besar China untuk Amerika Serikat?"
    assert wrong_answer_type(question, "Qin Gang telah dipromosikan menjadi menteri luar negeri [18].", vocabulary)
    assert not wrong_answer_type(question, "Xie Feng menggantikannya [18].", vocabulary)
    # a sentence's first word is a name unless the passages write it in lower case
    assert names_no_one_new("Siapa yang menuduh?", "Upaya pembicaraan damai runtuh pada bulan April.", vocabulary)
    # ... or it is an Indonesian word, though the passages given never write it in lower case
    assert names_no_one_new("Siapa yang menuduh?", "Tuduhan itu kredibel [8].")
    assert wrong_answer_type("Siapa Menteri Kesehatan Indonesia?", "Menteri Kesehatan Indonesia ditunjuk [3].")
    assert not names_no_one_new("Siapa yang berbicara?", "Putin mengatakan itu [15].", vocabulary)
    assert not names_no_one_new("Who spoke to Xi?", "Putin spoke to Xi [15].")
    assert names_no_one_new("Who did China's leader praise?", "The Chinese leader praised China [2].")  # a form
    # about someone the question names, not for a name; and not a "who" question at all
    assert not names_no_one_new("Who is Qin Gang?", "China's new foreign minister [18].")
    assert not names_no_one_new("Siapakah Qin Gang itu?", "Menteri luar negeri baru China [18].")
    assert not names_no_one_new("Siapa dia?", "Menteri luar negeri baru [18].")
    assert not names_no_one_new("What did Qin Gang do?", "He was promoted [18].")


def test_a_who_answer_naming_no_one_new_is_refused_and_a_paragraph_naming_no_one_is_not_quoted():
    question = "Siapa yang melontarkan tuduhan kekejaman di kota-kota yang diduduki Rusia?"
    accusation = Hit("a.txt", 8, "Upaya damai runtuh pada bulan April menyusul tuduhan kekejaman di kota-kota "
                                 "yang diduduki Rusia.", 1.0)
    lower = Hit("a.txt", 7, "Dan upaya damai tidak akan mulus dan mudah.", 0.5)
    llm = FakeLLM(["Tuduhan itu ditujukan kepada angkatan bersenjata Rusia [8]."], support=lambda prompt: 0.95)
    a = list(generate(llm, question, [accusation, lower], "id", 100, retrieved=[accusation, lower]))[-1]
    assert a.refused and not a.quoted and not a.citations


def test_a_date_or_an_amount_is_not_a_clock_time():
    from rag.answer_type import wrong_answer_type

    q = "Jam berapa rapat koperasi ditutup?"
    assert wrong_answer_type(q, "Rapat koperasi ditutup pada 3 Januari 2024 [1].")
    assert wrong_answer_type(q, "Rapat ditutup setelah 2.150 anggota hadir [1].")
    for answer in ("Rapat ditutup pukul 16.30 [1].", "Pukul 16:30 [1].", "Pukul 9 [1].", "Pukul 10 WIB [1].",
                   "Pada sore hari [1]."):
        assert not wrong_answer_type(q, answer), answer
    assert not wrong_answer_type("What time did the meeting end?", "It ended at 9 p.m. [1].")
    assert not wrong_answer_type("What time did the meeting end?", "At 9.45 pm [1].")
    assert wrong_answer_type("What time did the meeting end?", "On 9 February 2024 [1].")


def test_how_big_or_how_large_asks_a_figure_and_a_paragraph_without_one_is_not_quoted():
    from rag.figures import asks_figure

    for question in ("How big a discount does China get on Russian oil?", "How large is the area of silting?",
                     "How heavy was the impactor?", "How high did she clear the bar?"):
        assert asks_figure(question), question
    assert not asks_figure("Seberapa luas kekejaman yang dituduhkan?")  # how widespread: no figure
    oil = Hit("a.txt", 5, "China juga meningkatkan pembelian ekspor minyak Rusia dengan harga diskon.", 1.0)
    judge = FakeLLM(support=lambda prompt: 0.95)
    assert quote_answering(judge, "How big a discount does China get on Russian oil?", [oil], [oil], "en") is None


def test_an_answer_adding_only_a_time_to_a_question_asking_none_is_the_wrong_type():
    from rag.answer_type import wrong_answer_type

    why = "Apa yang menyebabkan upaya pembicaraan damai Rusia-Ukraina runtuh?"
    assert wrong_answer_type(why, "Upaya pembicaraan damai Rusia-Ukraina runtuh pada bulan April [8].")
    assert wrong_answer_type("China menyalahkan terjadinya perang di Ukraina pada apa?",
                             "China menyalahkan perang di Ukraina pada bulan September. [4]")
    assert wrong_answer_type("What does China blame the war on?", "China blames the war on September [4].")
    assert not wrong_answer_type(why, "Upaya itu runtuh pada bulan April menyusul tuduhan kekejaman [8].")  # a cause too
    assert not wrong_answer_type("Hari apa Beijing mengumumkan promosi Qin Gang?",  # a time was asked
                                 "Beijing mengumumkan promosi Qin Gang pada hari Jumat [18].")
    assert not wrong_answer_type("On what occasion did they talk?", "They talked in a video call [1].")


def test_a_country_question_answered_with_a_capital_alone_is_the_wrong_type():
    from rag.answer_type import wrong_answer_type

    asked = "Dengan negara mana saja pertemuan itu diadakan?"
    assert wrong_answer_type(asked, "Pertemuan itu diadakan di Teheran [17].")
    assert wrong_answer_type("Before that, in which country was Qin Gang posted?", "He was posted to Beijing [18].")
    assert not wrong_answer_type(asked, "Dengan Turki dan Iran, di Teheran [17].")  # a country named
    assert not wrong_answer_type("Dari negara manakah atlet itu?", "Singapura [3].")  # a city-state is its country
    assert not wrong_answer_type("Di kota mana pertemuan itu?", "Di Teheran [17].")  # a city was asked


def test_a_what_kind_question_needs_a_word_the_passage_writes_after_the_thing_asked_about():
    from rag.answer_type import misses_the_kind, wrong_answer_type

    p7 = ("“Tiongkok akan terus menjunjung tinggi sikap objektif dan adil, bekerja untuk menyatukan komunitas "
          "internasional,” tambahnya.")
    p6 = "Xi mengatakan dia menghargai kesediaan Rusia untuk menyelesaikan perang Ukraina melalui negosiasi."
    asked = "Sikap seperti apa yang menurut Xi akan terus dijunjung China terkait krisis Ukraina?"
    assert wrong_answer_type(asked, "Sikap Xi akan terus dijunjung China terkait krisis Ukraina akan selalu ada.", [p7, p6])
    assert wrong_answer_type(asked, "Xi akan menghargai kesediaan Rusia melalui negosiasi.", [p7, p6])
    assert not wrong_answer_type(asked, "China akan menjunjung sikap yang objektif dan adil.", [p7, p6])
    assert not wrong_answer_type(asked, p7, [p7, p6])  # the paragraph itself, as a quote candidate
    party = "Ia menghadiri pesta bisnis di Washington."
    assert misses_the_kind("Pesta jenis apa yang didatangi Qin?", "Pesta jenis basket NBA.", [party])
    assert not misses_the_kind("Pesta jenis apa yang didatangi Qin?", "Pesta bisnis.", [party])
    assert not misses_the_kind("Pesta apa yang didatangi Qin?", "Pesta NBA.", [party])  # not "what kind": a name may answer
    assert not misses_the_kind("Sikap seperti apa yang diambil Qin?", "Tegas.", [party])  # no passage writes the thing
