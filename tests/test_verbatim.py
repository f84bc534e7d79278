"""The source's own wording restored in an answer: dates, bracketed glosses, abbreviations, counted words."""
from __future__ import annotations

from rag.answer import generate
from rag.copied_phrases import source_dropped_words
from rag.retriever import Hit
from rag.verbatim import (restore_source_forms, source_spellings, source_bounds, source_dates, source_glosses, source_kind,
                          source_long_forms, source_name_years, source_time_bounds,
                          source_titles, source_units)

from tests.conftest import FakeLLM

CRASH = "Korban tewas akibat kecelakaan pesawat Mandala Airlines di kawasan Padang Bulan, Medan, Senin (5/9) lalu."
RUN = "Tirunesh Dibaba meraih emas kedua di Helsinki, Finlandia, Sabtu (13/8). Dia meraih emas dari nomor 5.000 meter."


def test_a_spelled_out_date_takes_the_day_month_form_of_the_source_and_loses_a_guessed_year():
    assert source_dates("Kecelakaan terjadi pada Senin, 5 September 2019 [10].", CRASH) == \
        "Kecelakaan terjadi pada Senin (5/9) [10]."
    assert source_dates("It happened on Monday, September 5, 2005 [10].", CRASH) == "It happened on Senin (5/9) [10]."
    assert source_dates("Dia menang pada tanggal 13 Agustus [21].", RUN) == "Dia menang pada Sabtu (13/8) [21]."
    not_there = "Dia menang pada 14 Agustus 2005 [21]."
    assert source_dates(not_there, RUN) == not_there
    assert source_dates("Rapat pada 5 September 2005 [3].", "Rapat digelar 5 September 2005 (5/9).") == \
        "Rapat pada 5 September 2005 [3]."  # the source spells it out itself: kept
    assert source_dates("Pada (5/9) [2].", "Senin (5/9) lalu.") == "Pada (5/9) [2]."
    # the source's own spacing stays, so the reader finds it as written
    assert source_dates("Hari terakhir adalah Kamis, 8 September [10].", "Di hari terakhir, Kamis (8/ 9), tim") == \
        "Hari terakhir adalah Kamis (8/ 9) [10]."


def test_the_old_spellings_of_a_month_and_a_day_are_dates_too():
    # the day and month names come from closed_words' classes, with their variants
    assert source_dates("Ia tiba pada 13 Pebruari [2].", "Ia tiba Ahad (13/2) malam.") == "Ia tiba pada Ahad (13/2) [2]."
    assert source_dates("Ia tiba pada Ahad, 5 Nopember [2].", "Ia tiba Ahad (5/11) malam.") == \
        "Ia tiba pada Ahad (5/11) [2]."


def test_a_bracketed_gloss_follows_the_two_words_it_glosses():
    src = ("Dia menjabat Wakil Ketua Partai Nasional Demokrasi (NDP) yang berkuasa. "
           "Riset teknologi kriogenik (cryogenic).")
    assert source_glosses("Partai Nasional Demokrasi [15].", src) == "Partai Nasional Demokrasi (NDP) [15]."
    assert source_glosses("Teknologi kriogenik [1].", src) == "Teknologi kriogenik (cryogenic) [1]."
    assert source_glosses("Partai Nasional Demokrasi (NDP) [15].", src) == "Partai Nasional Demokrasi (NDP) [15]."
    assert source_glosses("Dia anggota NDP, Partai Nasional Demokrasi [15].", src) == \
        "Dia anggota NDP, Partai Nasional Demokrasi [15]."  # already named
    aged = "Pemusik Dwiki Dharmawan (39), Rabu (7/9), kehilangan tas."
    assert source_glosses("Dwiki Dharmawan [15].", aged) == "Dwiki Dharmawan [15]."  # an age is no gloss


def test_an_abbreviation_is_spelled_out_as_the_source_introduces_it():
    src = "kata Sekretaris Umum Pengurus Besar Persatuan Atletik Seluruh Indonesia (PB PASI) Tigor M Tanjung."
    q = "Di organisasi apa Tigor M Tanjung menjabat?"
    assert source_long_forms("Dia menjabat di PB PASI [14].", src, q) == \
        "Dia menjabat di Pengurus Besar Persatuan Atletik Seluruh Indonesia (PB PASI) [14]."
    assert source_long_forms("Dia menjabat di PB PASI [14].", src, "Siapa sekretaris umum PB PASI?") == \
        "Dia menjabat di PB PASI [14]."  # the question uses it: the reader knows it
    assert source_long_forms("Dia di KONI [14].", src, q) == "Dia di KONI [14]."  # not introduced by the source


def test_a_bare_figure_gets_the_word_it_counts_when_that_is_what_was_asked():
    src = "Api itu mengakhiri perjuangan 7.500 atlet dari 147 negara pada tahun 2005 lalu."
    q = "Berapa jumlah atlet yang ikut serta?"
    assert source_units("Jumlahnya adalah 7.500 [22].", src, q) == "Jumlahnya adalah 7.500 atlet [22]."
    assert source_units("Jumlahnya 147 [22].", src, q) == "Jumlahnya 147 [22]."  # "negara" was not asked about
    assert source_units("Pada tahun 2005 [22].", src, "Kapan lalu?") == "Pada tahun 2005 [22]."  # a year counts nothing
    assert source_units("Ada 7.500 atlet [22].", src, q) == "Ada 7.500 atlet [22]."


def test_a_figure_keeps_the_counting_word_of_the_source():
    src = "Pada tahun 1997 jumlahnya 12.770 ekor. Pos itu dilintasi 150-200 warga PNG setiap hari, 3 ekor atau 4 buah."
    q = "Berapa jumlah orangutan yang tersisa?"
    assert source_units("Jumlahnya 12.770 [20].", src, q) == "Jumlahnya 12.770 ekor [20]."  # a counting word, not asked
    assert source_units("It is 12.770 [20].", src, "How many orangutans are left?") == "It is 12.770 [20]."
    assert source_units("Pos itu dilintasi 150-200 orang PNG [8].", src, q) == "Pos itu dilintasi 150-200 warga PNG [8]."
    assert source_units("Ada 3 ekor [8].", src, q) == "Ada 3 ekor [8]."  # the source's word already
    assert source_units("Ada 150 orang [8].", src, q) == "Ada 150 orang [8]."  # a figure the source does not give
    benin = "Benin harus memenuhi 130 macam persyaratan. Harganya Rp 12 juta."
    assert source_units("Benin memenuhi 130 persyaratan [11].", benin, q) == "Benin memenuhi 130 macam persyaratan [11]."
    assert source_units("Harganya Rp 12 [11].", benin, q) == "Harganya Rp 12 juta [11]."  # a magnitude
    assert source_units("It meets 130 persyaratan [11].", benin, "How many?") == "It meets 130 persyaratan [11]."
    diare = "Hingga Jumat (12/8), penyakit ini telah menewaskan 13 orang. Sebanyak 40 rumah dan 40 sekolah rusak."
    q = "Berapa korban diare yang tewas?"
    assert source_units("Ada 13 korban yang tewas [21].", diare, q) == "Ada 13 orang korban yang tewas [21]."
    assert source_units("There were 13 victims [21].", diare, "How many died?") == "There were 13 victims [21]."
    assert source_units("Ada 40 kelas rusak [21].", diare, q) == "Ada 40 kelas rusak [21]."  # the source counts 40 twice
    assert source_units("Hingga 13 Agustus [21].", diare, q) == "Hingga 13 Agustus [21]."  # a month is no noun


def test_a_date_keeps_the_word_that_bounds_it_in_the_source():
    src = "Mengacu pada Undang-Undang Migas, per tanggal 23 November 2005, terbuka kesempatan. Berawal sejak tahun 1990."
    q = "Kapan terbukanya kesempatan?"
    assert source_time_bounds("Terbuka pada tanggal 23 November 2005 [13].", src, q) == \
        "Terbuka per tanggal 23 November 2005 [13]."
    assert source_time_bounds("Perjuangan berawal 1990 [12].", src, q) == "Perjuangan berawal sejak 1990 [12]."
    kept = "Terbuka mulai 23 November 2005 [13]."  # a bound of the model's own stays
    assert source_time_bounds(kept, src, q) == kept
    english = "It opened on November 23, 2005 [13]."
    assert source_time_bounds(english, src, "When did it open?") == english
    until = "Kontrak berlaku hingga 2007."  # a year inside a date is not bounded on its own
    assert source_time_bounds("Ditandatangani 23 November 2007 [2].", until, q) == "Ditandatangani 23 November 2007 [2]."
    twice = "Berlaku 2005 dan sejak 2005 lagi."  # the source writes the year both ways: left alone
    assert source_time_bounds("Berlaku pada 2005 [3].", twice, q) == "Berlaku pada 2005 [3]."


def test_a_name_keeps_the_year_the_source_always_writes_with_it():
    src = "Mereka memenangi penghargaan Nobel Kimia 2005, Rabu (5/10)."
    assert source_name_years("Ia menerima Nobel Kimia pada Rabu (5/10) [24].", src) == \
        "Ia menerima Nobel Kimia 2005 pada Rabu (5/10) [24]."
    assert source_name_years("Ia menerima Nobel Kimia 2005 [24].", src) == "Ia menerima Nobel Kimia 2005 [24]."
    assert source_name_years("Terjadi pada Oktober [2].", "terjadi pada Oktober 2005.") == \
        "Terjadi pada Oktober [2]."  # one word: not taken for a name
    both = "Nobel Kimia 2005 dan Nobel Kimia tahun lalu."
    assert source_name_years("Ia menerima Nobel Kimia [24].", both) == "Ia menerima Nobel Kimia [24]."


def test_a_name_gets_back_the_titles_the_source_always_gives_it():
    src = ("Panglima Komando Armada Kawasan Timur Laksamana Muda TNI Y Didik Heru Purnomo mengakui. "
           "Harga dari PT Pertamina turun, kata dr Roemwerdiniadi Soedoko dan Dr Setijati Sastrapradja.")
    assert source_titles("Panglimanya adalah Muda TNI Y Didik Heru Purnomo [16].", src) == \
        "Panglimanya adalah Laksamana Muda TNI Y Didik Heru Purnomo [16]."
    assert source_titles("It is Y Didik Heru Purnomo [16].", src) == "It is Laksamana Muda TNI Y Didik Heru Purnomo [16]."
    assert source_titles("Harganya diturunkan Pertamina [3].", src) == "Harganya diturunkan PT Pertamina [3]."
    assert source_titles("Roemwerdiniadi Soedoko lahir [1].", src) == "Dr Roemwerdiniadi Soedoko lahir [1]."
    kept = "Pemenangnya Dr. Setijati Sastrapradja [2]."  # the answer's own "Dr." is the title
    assert source_titles(kept, src) == kept
    both = "Pertamina naik, kata PT Pertamina."  # the source writes it bare as well: left alone
    assert source_titles("Harga Pertamina naik [2].", both) == "Harga Pertamina naik [2]."
    team = "Pemain Tim Muda Indonesia menang."  # "Muda" is a rank only after a title
    assert source_titles("Pemenangnya Indonesia [4].", team) == "Pemenangnya Indonesia [4]."
    assert source_titles("Panglimanya adalah TNI Y Didik Heru Purnomo [16].", src) == \
        "Panglimanya adalah Laksamana Muda TNI Y Didik Heru Purnomo [16]."
    labelled = "Jawabannya ada di sana [Setijati Sastrapradja.txt ¶2]."
    assert source_titles(labelled, src) == labelled  # a document name in a citation


def test_a_figure_keeps_the_qualifier_and_decade_the_source_gives_it():
    src = "Koleksinya lebih dari 20 jenis katak. Sedikitnya 695 warga tewas. Ini berawal sejak tahun 1990 - an."
    q = "Berapa jeniskah koleksi katak itu?"
    assert source_bounds("Dia menemukan 20 jenis katak [24].", src, q) == "Dia menemukan lebih dari 20 jenis katak [24]."
    assert source_bounds("695 warga tewas [3].", src, q) == "Sedikitnya 695 warga tewas [3]."  # sentence start
    assert source_bounds("Berawal sejak tahun 1990 [12].", src, q) == "Berawal sejak tahun 1990 - an [12]."
    assert source_bounds("Ada sekitar 20 jenis [24].", src, q) == "Ada sekitar 20 jenis [24]."  # qualified already
    assert source_bounds("It found 20 species [24].", src, "How many species?") == "It found 20 species [24]."
    assert source_bounds("Ada 20 jenis [24].", src + " Lalu 20 ekor lagi.", q) == "Ada 20 jenis [24]."  # two forms
    assert source_bounds("Lahir pada tahun 1890 [2].", "Wakidi (1890-1979) pelukis", q) == "Lahir pada tahun 1890 [2]."


def test_only_cited_paragraphs_are_used_and_labels_are_left_alone():
    hits = [Hit("NDP report.txt", 15, "Partai Nasional Demokrasi (NDP) berkuasa.", 1.0)]
    text = "Partai Nasional Demokrasi [NDP report.txt ¶15]."
    assert restore_source_forms(text, hits, "Partai apa?") == "Partai Nasional Demokrasi (NDP) [NDP report.txt ¶15]."
    assert restore_source_forms(text, [], "Partai apa?") == text


def test_generate_shows_the_source_date_and_no_longer_flags_the_guessed_year():
    passages = [Hit("a.txt", 10, CRASH, 1.0), Hit("a.txt", 11, RUN, 0.9)]
    llm = FakeLLM(["Kecelakaan itu terjadi pada Senin, 5 September 2019 [10]."])
    a = list(generate(llm, "Kapan kecelakaan pesawat Mandala Airlines terjadi?", passages, "id", 100))[-1]
    assert a.text == "Kecelakaan itu terjadi pada Senin (5/9) [10]." and a.verified and not a.invented


def test_an_uncited_answer_is_put_in_source_form_once_the_model_names_its_paragraph():
    passages = [Hit("a.txt", 10, CRASH, 1.0), Hit("a.txt", 11, RUN, 0.9)]
    llm = FakeLLM("Kecelakaan itu terjadi pada Senin, 5 September 2019.", cites="10]")
    a = list(generate(llm, "Kapan kecelakaan pesawat Mandala Airlines terjadi?", passages, "id", 100))[-1]
    assert len(llm.completions) == 1
    assert a.text == "Kecelakaan itu terjadi pada Senin (5/9). [10]" and not a.invented


def test_the_kind_of_thing_asked_for_goes_before_the_name_as_the_source_writes_it():
    src = "Kota tua Kopenick, sekitar 15 kilometer dari kota Berlin Mitte, Sabtu (10/9) sore."
    q = "Kota apa yang berjarak sekitar 15 kilometer dari Kopenick?"
    assert source_kind("Jaraknya dari Berlin Mitte [24].", src, q) == "Jaraknya dari kota Berlin Mitte [24]."
    assert source_kind("Itu kota Berlin Mitte [24].", src, q) == "Itu kota Berlin Mitte [24]."  # said already
    assert source_kind("Berlin Mitte [24].", src, "Where is Kopenick?") == "Berlin Mitte [24]."  # no kind asked
    assert source_kind("Kota tua Kopenick [24].", src, q) == "Kota tua Kopenick [24]."  # the question's own name
    assert source_kind("Jaraknya itu 15 km [24].", "Jarak kota itu 15 km.", q) == "Jaraknya itu 15 km [24]."
    named = "Apa nama organisasi tempat Tigor bekerja?"
    assert source_kind("Dia di PASI [14].", "Tigor dari organisasi PASI.", named) == "Dia di organisasi PASI [14]."


def test_an_echo_of_the_question_stays_an_echo_though_the_source_glosses_its_words():
    passages = [Hit("a.txt", 24, "Mubarak dinyatakan menang oleh Ketua Komisi Pemilihan Umum (KPU), Jumat (9/9).", 1.0)]
    q = "Tanggal berapakah Mubarak dinyatakan menang oleh Ketua Komisi Pemilihan Umum?"
    llm = FakeLLM([f"{q} [24]", "Mubarak dinyatakan menang pada Jumat (9/9) [24]."])
    a = list(generate(llm, q, passages, "id", 100))[-1]
    assert a.retried and a.text == "Mubarak dinyatakan menang pada Jumat (9/9) [24]."


def test_a_date_whose_month_the_model_misread_takes_the_one_date_the_source_gives_for_that_day():
    nobel = "Yves Chauvin meraih Nobel Kimia 2005, yang diumumkan di Stockholm, Rabu (5/10)."
    assert source_dates("Diumumkan pada Rabu, 5 Mei 2005 [24].", nobel) == "Diumumkan pada Rabu (5/10) [24]."
    assert source_dates("It was announced on May 5 [24].", nobel) == "It was announced on Rabu (5/10) [24]."
    two = "Rapat Rabu (5/10) dan Kamis (5/11) di Jakarta."
    assert source_dates("Rapat pada 5 Mei [2].", two) == "Rapat pada 5 Mei [2]."  # two candidates: left
    named = "Rencana Mei lalu dibahas Rabu (5/10)."
    assert source_dates("Rapat pada 5 Mei [2].", named) == "Rapat pada 5 Mei [2]."  # May is in the source


KYIV = ("Kremlin bersikeras akan memulai pembicaraan hanya jika Ukraina menerima kendali Rusia atas wilayah "
        "tersebut, menjadikan gagasan itu bukan permulaan bagi Kyiv, yang ingin merebut kembali wilayah itu "
        "sebagai prasyarat untuk negosiasi.")
SPRINT = "Tonique Williams-Darling dari Bahama merebut medali emas di nomor lari 400 meter putri, Rabu (10/8)."


def test_a_word_left_out_of_a_copied_phrase_is_put_back():
    assert source_dropped_words("Kyiv ingin merebut wilayah tersebut [10].", KYIV) == \
        "Kyiv ingin merebut kembali wilayah tersebut [10]."
    assert source_dropped_words("Dia merebut emas di nomor 400 meter putri [23].", SPRINT) == \
        "Dia merebut medali emas di nomor lari 400 meter putri [23]."  # two in one answer
    # the same through the whole restore step
    assert restore_source_forms("Kyiv ingin merebut wilayah itu [10].", [Hit("a.txt", 10, KYIV, 0.0)],
                                "Apa yang ingin dilakukan Kyiv?") == "Kyiv ingin merebut kembali wilayah itu [10]."


def test_a_left_out_word_stays_out_when_the_copy_is_too_short_or_broken_by_punctuation():
    unchanged = [
        "Merebut wilayah [10].",  # two words copied: too little to tell a copy from a paraphrase
        "Bagi Kyiv ingin merebut [10].",  # the source has "Kyiv, yang": a comma and a function word
        "Dia ingin merebut, wilayah itu [10].",  # the answer's own punctuation at the gap
        "Kembali, Kyiv ingin merebut wilayah itu [10].",  # the word was moved, not left out
        "Kyiv ingin merebut kembali wilayah itu [10].",  # already whole
    ]
    for text in unchanged:
        assert source_dropped_words(text, KYIV) == text
    assert source_dropped_words("Ia tiba di Jakarta Selatan pada Senin [1].", "Ia tiba di Jakarta pada Senin.") == \
        "Ia tiba di Jakarta Selatan pada Senin [1]."  # a word added, none left out
    assert source_dropped_words("Harga beras [3] persen di pasar.", "Harga beras naik 3 persen di pasar.") == \
        "Harga beras [3] persen di pasar."  # a citation label is no word of the answer


def test_the_questions_subject_loses_the_pemerintah_the_model_put_before_it():
    from rag.verbatim import source_subjects

    source = "Dia mengunjungi Xi di Beijing pada awal Februari. Putin kemudian memerintahkan invasi."
    question = "Apakah Putin mengunjungi Xi di Beijing pada awal atau akhir Februari?"
    assert source_subjects("Pemerintah Putin mengunjungi Xi pada awal Februari [16].", source, question) == \
        "Putin mengunjungi Xi pada awal Februari [16]."
    # kept: a name the question does not ask about, a bare "Pemerintah X" answer, or one the source writes
    assert source_subjects("Pemerintah China memimpin delegasi [7].", source + " China.", question).startswith("Pemerintah")
    assert source_subjects("Pemerintah Putin [16]", source, question) == "Pemerintah Putin [16]"
    written = "Pemerintah Putin mengumumkan sanksi. " + source
    assert source_subjects("Pemerintah Putin mengunjungi Xi [16].", written, question).startswith("Pemerintah")


SEED_16_18 = ("Dia mengunjungi Xi di Beijing pada awal Februari, dua minggu sebelum memerintahkan invasi ke Ukraina. "
              "Sementara itu, Beijing mengumumkan bahwa orang kepercayaan dan pembantu dekat Xi Jinping, Qin Gang, "
              "telah dipromosikan menjadi menteri luar negeri. Putin mengatakan pembicaraan itu penting.")


def test_a_name_the_question_misspelled_and_the_answer_copied_takes_the_sources_spelling():
    q = "Siapa yang dipromosikan oleh Xi Jinpin?"
    assert source_spellings("Qin Gang, dipromosikan oleh Xi Jinpin [18].", SEED_16_18, q) == (
        "Qin Gang, dipromosikan oleh Xi Jinping [18].")
    assert source_spellings("Putn mengunjungi Xi di Beijing [16].", SEED_16_18, "Kapan Putn mengunjungi Xi?") == (
        "Putin mengunjungi Xi di Beijing [16].")


def test_a_name_not_from_the_question_or_in_another_language_or_with_no_close_match_is_left():
    assert source_spellings("Putn berkata [16].", SEED_16_18, "Siapa yang berkata?") == "Putn berkata [16]."
    assert source_spellings("Jokowi ke Beijing [16].", SEED_16_18, "Kapan Jokowi ke Beijing?") == (
        "Jokowi ke Beijing [16].")
    english = "Russia relies on China for trade."  # "Rusia" in the source is the same name, not a typo
    assert source_spellings(english, "Rusia bergantung pada China.", "Why does Russia rely on China?") == english


def test_a_name_the_answer_alone_misspelled_takes_the_spelling_question_and_source_share():
    q = "What did Putin say the talks would show?"
    assert source_spellings("Putsin said the talks would show strength [15].", SEED_16_18, q) == (
        "Putin said the talks would show strength [15].")
    assert source_spellings("Putsin said so [15].", SEED_16_18, "What was said?") == "Putsin said so [15]."
    assert source_spellings("Rusia relies on China.", "Russia relies on China.", "Does Russia rely on China?") == (
        "Russia relies on China.")  # both write "Russia": the answer's other spelling is a slip here
