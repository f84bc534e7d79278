""""Siapa <jabatan> ...?" answered from a paragraph that never names that post, "Bagaimana tanggapan
X ...?" from one that never names X, and "Di mana ...?" answered with a place no passage names, are
not shown."""
from __future__ import annotations

from rag.answer import generate
from rag.asked_role import (asked_party, asked_post, asked_post_en, invents_place, names_asked_post, party_unnamed,
                            post_unnamed)
from rag.quotes import quote_answering
from rag.retriever import Hit
from tests.conftest import FakeLLM

PROMOTED = "Beijing mengumumkan bahwa Qin Gang telah dipromosikan menjadi menteri luar negeri."
PM = "Perdana Menteri Inggris Tony Blair tiba di Jakarta pada hari Senin."


def test_the_post_is_the_first_word_after_siapa():
    assert asked_post("Siapa perdana menteri China?") == "perdana"
    assert asked_post("Siapakah nama Kepala Dinas Kesehatan NTT") == "kepala"
    for question in ("Siapa yang dikirim Putin ke Beijing?", "Siapa saja yang hadir?", "Siapa dia?",
                     "Siapa dua tokoh yang diangkat?", "Siapa salah satu pendirinya?",
                     "Who is the prime minister?", "Kapan menteri itu dilantik?"):
        assert asked_post(question) == "", question


def test_a_post_is_found_by_its_stem():
    assert post_unnamed("Siapa perdana menteri China?", [PROMOTED]) == "perdana"
    assert post_unnamed("Siapa nama Perdana Menteri Inggris?", [PM]) == ""
    assert post_unnamed("Siapakah pimpinan partai itu?", ["Partai itu dipimpin oleh Amien Rais."]) == ""
    assert post_unnamed("Siapa yang dipromosikan?", [PROMOTED]) == ""  # no post asked about
    assert post_unnamed("Siapa utusan Putin ke Beijing?", [MEDVEDEV]) == ""  # an envoy is one who is sent
    assert post_unnamed("Siapa tokoh yang kini memimpin diplomasi China?", [PROMOTED]) == ""  # a person, no post


def test_an_answer_whose_cited_paragraph_lacks_the_post_becomes_the_refusal():
    passages = [Hit("a.txt", 18, PROMOTED, 1.0)]
    answer = list(generate(FakeLLM(["Qin Gang [18]"]), "Siapa perdana menteri China?", passages, "id", 100))[-1]
    assert answer.refused and not answer.citations and answer.text == "Informasi itu tidak ada dalam dokumen."


def test_the_post_is_looked_for_in_the_paragraph_the_citation_is_moved_to():
    """The model cites a neighbour; the word-matched citation (¶1) holds the post."""
    passages = [Hit("a.txt", 1, PM, 1.0), Hit("a.txt", 2, PROMOTED, 0.9)]
    llm = FakeLLM(["Perdana Menteri Inggris adalah Tony Blair, yang tiba di Jakarta pada hari Senin [2]."])
    answer = list(generate(llm, "Siapa Perdana Menteri Inggris?", passages, "id", 100))[-1]
    assert not answer.refused and [c.paragraph for c in answer.citations] == [1]


SEPTEMBER = "Putin mengakui kekhawatiran Xi pada pertemuan tatap muka terakhir mereka pada bulan September."


def test_a_place_asked_for_that_no_passage_names_is_made_up():
    q = "Di kota mana Putin dan Xi bertemu pada bulan September?"
    assert invents_place(q, "Di kota Beijing, Putin dan Xi bertemu pada bulan September [4].", ["Beijing"])
    assert invents_place("Dimanakah Olimpiade 2004 diadakan?", "Olimpiade 2004 diadakan di Korea Selatan [2].",
                         ["Korea", "Selatan"])
    assert invents_place("In which city was the summit held?", "In the city of Tehran [17].", ["Tehran"])
    assert invents_place("Ke mana Medvedev dikirim?", "Medvedev dikirim ke Shanghai [17].", ["Shanghai"])
    # the made-up name is not the place, or the question asks no place
    assert not invents_place("Where did Putin send Medvedev?", "Putin sent Sergei Medvedev to Beijing [17].",
                             ["Sergei"])
    assert not invents_place("On which country does Russia depend?", "On China, to offset Western sanctions [3].",
                             ["Western"])
    assert not invents_place("Kapan Putin ke Beijing?", "Putin ke Moskow pada Februari [16].", ["Moskow"])
    assert not invents_place(q, "Di kota Beijing [4].", ["2018"])  # a figure is `invents_figure`'s


def test_an_answer_whose_place_is_made_up_becomes_the_refusal():
    passages = [Hit("a.txt", 4, SEPTEMBER, 1.0)]
    script = "Putin dan Xi bertemu di kota Beijing pada bulan September [4]."
    question = "Di kota mana Putin dan Xi bertemu pada bulan September?"
    answer = list(generate(FakeLLM([script]), question, passages, "id", 100))[-1]
    assert answer.refused and not answer.citations and answer.text == "Informasi itu tidak ada dalam dokumen."
    # asked when, the same made-up city is a detail: shown, marked unverified, the name listed
    answer = list(generate(FakeLLM([script]), "Kapan Putin dan Xi bertemu?", passages, "id", 100))[-1]
    assert not answer.refused and not answer.verified and answer.invented == ("Beijing",)


CALL = "Vladimir Putin dan Xi Jinping mengadakan konferensi video bersama pada hari Jumat."
READY = "Xi mengatakan dia menghargai kesediaan Rusia untuk menyelesaikan perang melalui negosiasi."


def test_the_party_of_a_reaction_question():
    assert asked_party("Bagaimana tanggapan Gedung Putih terhadap konferensi video itu?") == ["Gedung", "Putih"]
    assert asked_party("Bagaimana tanggapan pemerintah Taiwan atas panggilan itu?") == ["Taiwan"]
    assert asked_party("Bagaimana Kyiv menanggapi tawaran China?") == ["Kyiv"]
    assert asked_party("Apa reaksi Jepang terhadap rencana itu?") == ["Jepang"]
    assert asked_party("How did the United States government react to the call?") == ["United", "States"]
    assert asked_party("What was Ukraine's response to the offer?") == ["Ukraine"]
    assert asked_party("What was the reaction of NATO to the partnership?") == ["NATO"]
    for question in ("Siapa yang dikirim Putin ke Beijing?", "How did the talks collapse?",
                     "Bagaimana tanggapan pemerintah terhadap hal itu?", "Kapan tanggapan itu disampaikan?"):
        assert asked_party(question) == [], question


def test_the_party_whose_words_are_asked():
    assert asked_party("Apa kata Xi tentang jalan menuju pembicaraan damai?") == ["Xi"]
    assert asked_party("Apa yang dikatakan Putin tentang kemitraan itu?") == ["Putin"]
    assert asked_party("Menurut Xi, apa yang pasti akan gagal?") == ["Xi"]
    assert asked_party("What did Iran's president say about China?") == ["Iran"]
    assert asked_party("According to Putin, what will the talks show?") == ["Putin"]
    for question in ("Menurut artikel, kapan mereka bertemu?", "What did the article say about Taiwan?",
                     "What did they agree on?", "Apa sikap resmi pemerintah terhadap hal itu?"):
        assert asked_party(question) == [], question
    assert party_unnamed("What did Iran's president say about China?", [READY]) == "Iran"
    assert party_unnamed("Menurut Xi, apa yang dihargai dari Rusia?", [READY]) == ""


def test_the_party_is_looked_for_in_either_language_and_not_by_a_near_spelling_of_a_short_word():
    assert party_unnamed("Bagaimana tanggapan Gedung Putih terhadap konferensi video itu?", [CALL]) == "Gedung Putih"
    assert party_unnamed("How did Japan react to the video call?", [CALL]) == "Japan"
    assert party_unnamed("Bagaimana Xi menanggapi kesediaan Rusia?", [READY]) == ""
    assert party_unnamed("How did the Russian government respond to the call?", [CALL + " Rusia."]) == ""
    assert party_unnamed("What was Xi's response to Russia's readiness?", [READY]) == ""
    assert party_unnamed("How did Chinese officials respond to the call?", [CALL + " China."]) == ""
    assert party_unnamed("How did Chinese officials respond to the call?", [CALL]) == "Chinese"
    assert party_unnamed("Kapan Putin dan Xi bertemu?", [READY]) == ""  # asks no reaction


def test_a_reaction_answered_from_a_paragraph_without_the_party_becomes_the_refusal():
    question = "Bagaimana tanggapan Gedung Putih terhadap konferensi video antara Putin dan Xi?"
    script = "Tanggapan Gedung Putih terhadap konferensi video antara Putin dan Xi adalah positif [1]."
    answer = list(generate(FakeLLM([script]), question, [Hit("a.txt", 1, CALL, 1.0)], "id", 100))[-1]
    assert answer.refused and not answer.citations and answer.text == "Informasi itu tidak ada dalam dokumen."
    # the party's own paragraph answers: shown
    script = "Xi menghargai kesediaan Rusia untuk menyelesaikan perang melalui negosiasi [6]."
    answer = list(generate(FakeLLM([script]), "Bagaimana Xi menanggapi kesediaan Rusia?",
                           [Hit("a.txt", 6, READY, 1.0)], "id", 100))[-1]
    assert not answer.refused and [c.paragraph for c in answer.citations] == [6]


MEDVEDEV = "Putin mengirim mantan pemimpin penggantinya Dmitry Medvedev ke Beijing dengan pesan untuk Xi."
TALKS = "Putin mengatakan pembicaraan itu akan menunjukkan daya tahan hubungan Rusia dan China."


def test_the_post_of_an_english_who_question():
    assert asked_post_en("Who was China's foreign minister before Qin Gang?") == ["minister"]
    assert asked_post_en("Who is the current US ambassador to China?") == ["ambassador"]
    assert asked_post_en("Who is the president director of the Jakarta Stock Exchange?") == ["president", "director"]
    assert asked_post_en("Who was general secretary of the Chinese Communist Party before Xi?") == ["secretary"]
    for question in ("Who was promoted to foreign minister?", "Who is Dmitry Medvedev?", "Who was the message for?",
                     "Who said the road would not be smooth?", "Siapa perdana menteri China?"):
        assert asked_post_en(question) == [], question


def test_an_english_post_is_found_in_either_language():
    question = "Who was China's foreign minister last year?"
    assert post_unnamed(question, [MEDVEDEV]) == "minister"
    assert post_unnamed(question, [PROMOTED]) == ""  # "menteri luar negeri"
    assert post_unnamed(question, ["Qin Gang was promoted to foreign minister."]) == ""
    assert post_unnamed("Who is the head of the NTT Health Office?", ["Kepala Dinas Kesehatan NTT Stef Bria."]) == ""
    assert post_unnamed("Siapa perdana menteri Inggris?", ["The British prime minister arrived."]) == ""  # other language


def test_an_english_answer_whose_cited_paragraph_lacks_the_post_becomes_the_refusal():
    passages = [Hit("a.txt", 17, MEDVEDEV, 1.0)]
    script = "China's foreign minister before Qin Gang was Dmitry Medvedev [17]."
    answer = list(generate(FakeLLM([script]), "Who was China's foreign minister before Qin Gang?", passages, "en",
                           100))[-1]
    assert answer.refused and not answer.citations and answer.text == "The documents do not say."


def test_a_paragraph_without_the_post_asked_about_is_not_quoted():
    question = "Siapa juru bicara Kremlin yang mengomentari pembicaraan itu?"
    assert not names_asked_post(question, TALKS)
    assert names_asked_post(question, "Juru bicara Kremlin Dmitry Peskov mengomentari pembicaraan itu.")
    assert names_asked_post("Kapan Putin mengunjungi Xi?", TALKS)  # asks for no post
    # a party may be named only by a title: such a paragraph may still be quoted
    assert names_asked_post("How did Xi react to the situation?", "Pemimpin China membuat referensi terselubung.")
    llm = FakeLLM(support=lambda prompt: 0.95)  # the judge would take the paragraph as the answer
    talks = Hit("a.txt", 15, TALKS, 1.0)
    assert quote_answering(llm, question, [talks], [talks], "id") is None and len(llm.checks) == 0
    script = "Juru bicara Kremlin adalah Vladimir Putin [15]."
    answer = list(generate(FakeLLM([script], support=lambda prompt: 0.95), question, [talks], "id", 100,
                           retrieved=[talks]))[-1]
    assert answer.refused and not answer.quoted and not answer.citations


def test_asked_when_someone_took_a_post_the_cited_paragraph_must_name_that_post():
    from rag.asked_role import asked_became

    general = "Xi menjadi sekretaris jenderal Partai Komunis China pada 2012."
    assert asked_became("Pada tahun berapa Xi Jinping menjadi presiden China?") == "presiden"
    assert asked_became("When did Xi become president of China?") == "president"
    # not a time question: the post is only context there (FacQA train-0570)
    assert asked_became("Sebelum diangkat menjadi panglima, Sonthi bertugas di mana?") == ""
    assert asked_became("Kapan Qin Gang menjadi terkenal?") == ""  # not a post
    assert post_unnamed("Pada tahun berapa Xi Jinping menjadi presiden China?", [general]) == "presiden"
    assert post_unnamed("When did Xi become president of China?", [general]) == "president"
    assert post_unnamed("Kapan Qin Gang menjadi menteri luar negeri?", [PROMOTED]) == ""
    assert post_unnamed("When was Qin Gang appointed as minister?", [PROMOTED]) == ""  # "menteri"
    passages = [Hit("a.txt", 13, general, 1.0)]
    llm = FakeLLM(["Xi Jinping menjadi presiden China pada tahun 2012 [13]."])
    answer = list(generate(llm, "Pada tahun berapa Xi Jinping menjadi presiden China?", passages, "id", 100))[-1]
    assert answer.refused and not answer.citations


def test_asked_who_came_before_or_after_someone_the_cited_paragraph_must_name_such_a_turn():
    from rag.asked_role import TURN, asks_in_turn

    for question in ("Siapa menteri luar negeri China yang digantikan oleh Qin Gang?", "Who did Qin Gang replace?",
                     "Who was China's foreign minister before Qin Gang?", "Siapa pendahulu Qin Gang?",
                     "Siapa yang akan menggantikan Qin Gang sebagai duta besar?"):
        assert asks_in_turn(question), question
        assert post_unnamed(question, [PROMOTED]) == TURN, question  # promoted: no one replaced is named
    assert post_unnamed("Who was China's foreign minister before Qin Gang?", [MEDVEDEV]) == "minister"
    assert post_unnamed("Siapa yang digantikan Qin Gang?", ["Qin Gang menggantikan Wang Yi sebagai menteri."]) == ""
    for question in ("Siapa yang dikirim sebelum invasi?", "Who visited Xi before the invasion?",
                     "Kapan Qin Gang menggantikan Wang Yi?"):  # not who came before someone / not "who"
        assert not asks_in_turn(question), question
    llm = FakeLLM(["Menteri luar negeri yang digantikan Qin Gang adalah Xi [18]."])
    answer = list(generate(llm, "Siapa menteri luar negeri China yang digantikan oleh Qin Gang?",
                           [Hit("a.txt", 18, PROMOTED, 1.0)], "id", 100))[-1]
    assert answer.refused and not answer.citations


def test_an_echo_is_not_replaced_by_a_quote_of_a_paragraph_without_the_turn_asked_about():
    question = "Who was China's ambassador to the US before Qin Gang?"
    echo = "Qin Gang was China's ambassador to the US before Qin Gang [18]."  # twice: nothing beyond the question
    answer = list(generate(FakeLLM([echo]), question, [Hit("a.txt", 18, PROMOTED, 1.0)], "en", 100))[-1]
    assert answer.refused and not answer.quoted and not answer.citations


def test_asked_what_a_message_said_the_paragraph_must_report_its_words():
    from rag.asked_role import CONTENT

    for question in ("Apa isi pesan yang dibawa Medvedev untuk Xi?", "What did Medvedev's message to Xi say?",
                     "What was in the message Medvedev delivered?", "What message did Medvedev deliver to Xi?",
                     "What was the content of the message Medvedev carried to Xi?"):
        assert post_unnamed(question, [MEDVEDEV]) == CONTENT, question  # "dengan pesan untuk Xi": no words of it
    said = "Dalam pesannya, Putin menyatakan bahwa hubungan kedua negara akan diperdalam."
    assert post_unnamed("Apa isi pesan Putin?", [said]) == ""
    assert post_unnamed("Who carried the message to Xi?", [MEDVEDEV]) == ""  # not what it said
    llm = FakeLLM(["Medvedev membawa pesan untuk Xi bulan ini [17]."])
    answer = list(generate(llm, "Apa isi pesan yang dibawa Medvedev untuk Xi?", [Hit("a.txt", 17, MEDVEDEV, 1.0)],
                           "id", 100))[-1]
    assert answer.refused and not answer.citations and not answer.quoted
