"""Citations over several documents: a bare [n] that several documents have, and re-attribution
that would drop the paragraph holding a sentence's date or name (audit defects 1, 4 and 5)."""
from __future__ import annotations

from rag.answer import Answer, Token, generate
from rag.citations import parse_citations
from rag.grounding import repair_citations
from rag.held_details import details, keep_held_details, lost_details
from rag.prompt import REFUSAL
from rag.retriever import Hit
from tests.conftest import FakeLLM


def final(llm: FakeLLM, question: str, passages: list[Hit], lang: str, history: tuple[str, ...] = ()) -> Answer:
    events = list(generate(llm, question, passages, lang, 100, history=history))
    assert isinstance(events[-1], Answer)
    return events[-1]


def paragraphs_read(prompt: str) -> str:
    """The paragraph part of a yes/no reading's prompt."""
    return prompt.split("Paragraph:\n", 1)[1].split("\n\nQuestion:", 1)[0]


# --- defect 5: two one-line documents, each a ¶1; the cooperative's is ranked first

LONG = [Hit("koperasi.txt", 1, "Rapat tahunan Koperasi Nelayan Sumber Laut digelar di Desa Tanjung Biru "
                               "pada 3 Januari 2024 dan dipimpin ketua Sutrisno Hadiwijaya.", 1.0),
        Hit("harbor.txt", 1, "The council approved a new lifeboat station at Gull Point, costing "
                             "2.4 million pounds, said mayor Eleanor Whitcombe.", 0.9)]


def test_a_bare_number_is_checked_against_the_document_that_holds_the_sentence():
    # the second reading says yes only for the paragraph that holds the answer
    llm = FakeLLM("The lifeboat station will be built at Gull Point [1].",
                  support=lambda p: 0.9 if "Gull Point" in paragraphs_read(p) else 0.5)
    events = list(generate(llm, "Where will the lifeboat station be built?", LONG, "en", 100))
    a = events[-1]
    assert not a.refused and a.verified and not a.withdrawn
    assert [c.key for c in a.citations] == [("harbor.txt", 1)]
    # the streamed text cites it too: no re-attribution was needed ("the answer reads: ...")
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert streamed == a.text == "The lifeboat station will be built at Gull Point [harbor.txt ¶1]."
    assert not a.reattributed


# --- defect 4: the date is in ¶1, most of the sentence's words in ¶2 (one document)

BANJIR = [
    Hit("banjir.txt", 2, "Wali Kota Semarang, Hevearita Gunaryanti Rahayu, mengatakan sebanyak 2.150 rumah terendam "
                         "dan 340 warga harus mengungsi ke Gedung Olahraga Tri Lomba Juang.", 1.0),
    Hit("banjir.txt", 1, "Banjir besar melanda Kota Semarang pada hari Selasa, 14 Maret 2023, setelah hujan deras "
                         "turun selama sembilan jam tanpa henti.", 0.9),
]
DATED = ("Pemerintah Semarang mengatakan sebanyak 2.150 rumah terendam dan 340 warga harus mengungsi ke "
         "Gedung Olahraga Tri Lomba Juang pada hari Selasa, 14 Maret 2023 [1].")
FOLLOW_UP = ("Berapa rumah yang terendam banjir di Semarang?",)


def test_re_attribution_keeps_the_cited_paragraph_that_alone_holds_the_date():
    g = repair_citations(parse_citations(DATED, BANJIR), BANJIR, " ".join([*FOLLOW_UP, "Kapan itu terjadi?"]))
    assert [c.paragraph for c in g.citations] == [1, 2] and g.changed and g.crossed == ()
    assert g.text.endswith("14 Maret 2023 [1][2].")


def test_a_date_its_cited_paragraph_holds_is_not_cut_after_re_attribution():
    a = final(FakeLLM(DATED), "Kapan itu terjadi?", BANJIR, "id", history=FOLLOW_UP)
    assert "Selasa, 14 Maret 2023" in a.text and a.verified and not a.refused
    assert {c.paragraph for c in a.citations} == {1, 2}


def test_details_of_a_sentence():
    p = [Hit("a.txt", 1, "Presiden Rusia Putin tiba pada 14 Maret 2023.", 1.0)]
    # numbers of two digits or a day beside a month; a name, also as the first word when a
    # passage writes it inside a sentence; not what the question says
    assert details("Putin tiba pada 14 Maret 2023 dengan 3 menteri.", "Kapan?", p) == ["14", "2023", "Putin", "Maret"]
    assert details("Putin tiba pada 14 Maret 2023.", "Kapan Putin tiba pada 2023?", p) == ["14", "Maret"]
    assert details("Kemudian dia tiba.", "Kapan?", p) == []
    assert lost_details("Putin tiba pada 14 Maret.", p[0], [Hit("a.txt", 2, "Dia tiba pada Maret.", 1.0)],
                        "Kapan?", p) == ["14", "Putin"]


# --- defect 1: a name from one document, the words from another's paragraph (which names someone else)

SEED = [
    Hit("seed.txt", 1, "Presiden Rusia Vladimir Putin dan Xi Jinping berjanji memperdalam hubungan bilateral.", 1.0),
    Hit("seed.txt", 15, "Putin mengatakan pembicaraan itu akan menunjukkan daya tahan hubungan Rusia dan China.", 0.9),
]
WONG = [
    Hit("wong.txt", 1, "Australian foreign minister Penny Wong arrived in Beijing on Tuesday.", 0.8),
    Hit("wong.txt", 3, '"We have agreed to continue talking," Wong told reporters after the meeting, adding that '
                       "stabilising the relationship would take time.", 0.7),
]
MIX = SEED + WONG
WHO = "Who said stabilising the relationship would take time?"
PUTIN = "Vladimir Putin said stabilising the relationship would take time [15]."


def test_a_citation_is_not_moved_onto_another_documents_paragraph_lacking_the_sentences_name():
    g = repair_citations(parse_citations(PUTIN, MIX), MIX, WHO)
    assert [c.key for c in g.citations] == [("seed.txt", 15)] and not g.changed
    assert g.crossed == ("Putin",)
    # the right name is moved there as before: the cited paragraph holds no detail of it
    g = repair_citations(parse_citations("Penny Wong said stabilising the relationship would take time [15].", MIX),
                         MIX, WHO)
    assert [c.key for c in g.citations] == [("wong.txt", 3)] and g.changed and g.crossed == ()


def test_a_name_joined_to_another_documents_words_is_withdrawn_though_the_reading_would_pass():
    llm = FakeLLM(PUTIN, support=0.9)  # the second reading alone passed it (0.7475 against 0.74)
    a = final(llm, WHO, MIX, "en")
    assert a.refused and a.withdrawn and a.text == REFUSAL["en"] and a.citations == ()
    assert not any("Does the paragraph state this answer" in p for p in llm.checks)


def test_within_one_document_the_paragraph_holding_the_name_is_cited_as_well():
    p = [Hit("a.txt", 12, "Presiden Putin mengatakan kemitraan dengan China semakin penting.", 1.0),
         Hit("a.txt", 16, "Dia mengunjungi Xi di Beijing pada awal Februari, dua minggu sebelum invasi.", 0.9)]
    g = repair_citations(parse_citations("Putin mengunjungi Xi di Beijing pada awal Februari [12].", p), p, "Kapan?")
    assert [c.paragraph for c in g.citations] == [12, 16] and g.crossed == ()


def test_the_model_citing_both_documents_keeps_both():
    cited, lost = keep_held_details("Putin said stabilising the relationship would take time", [1, 3], [3],
                                    MIX, WHO)
    assert cited == [1, 3] and lost == []


def test_without_the_second_reading_such_an_answer_is_shown_unverified():
    a = list(generate(FakeLLM(PUTIN), WHO, MIX, "en", 100, check=False))[-1]
    assert not a.refused and not a.verified and [c.key for c in a.citations] == [("seed.txt", 15)]
