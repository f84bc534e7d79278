"""A withdrawn English answer that lifted Indonesian words from its paragraph quotes that paragraph."""
from __future__ import annotations

from rag.answer import generate
from rag.quotes import lifted_words
from rag.retriever import Hit
from tests.conftest import FakeLLM

FAIL = Hit("a.txt", 12, "Xi mengatakan kedua belah pihak harus menentang unilateralisme, menambahkan “sanksi dan "
                        "gangguan pasti akan gagal”, dalam gesekan di Washington.", 1.0)
QIN = Hit("a.txt", 18, "Qin Gang telah dipromosikan menjadi menteri luar negeri, dari jabatannya sebagai duta besar "
                       "untuk AS.", 0.9)
QUESTION = "According to Xi, what is bound to fail?"


def test_the_words_an_english_answer_copied_from_an_indonesian_paragraph():
    assert lifted_words("According to Xi, sanksi and gangguan will fail [12].", FAIL, QUESTION, "en") == \
        ["sanksi", "gangguan"]
    assert lifted_words("He held the position of duta besar for AS [18].", QIN, "What post did he hold?", "en") == \
        ["duta", "besar"]
    # words the question uses, or the paragraph's English copy uses too, were not lifted
    assert lifted_words("Sanksi will fail [12].", FAIL, "Will the sanksi fail?", "en") == []
    glossed = Hit(FAIL.doc, FAIL.paragraph, FAIL.text, 1.0, gloss="... sanctions and gangguan will fail ...")
    assert lifted_words("According to Xi, sanksi and gangguan will fail [12].", glossed, QUESTION, "en") == ["sanksi"]
    # not an English answer, or not an Indonesian paragraph
    assert lifted_words("Sanksi dan gangguan pasti akan gagal [12].", FAIL, QUESTION, "en") == []
    assert lifted_words("Sanksi dan gangguan [12].", FAIL, "Apa yang akan gagal?", "id") == []
    english = Hit("b.txt", 1, "Xi said sanctions and interference are bound to fail.", 1.0)
    assert lifted_words("Xi said sanctions and interference will fail [1].", english, QUESTION, "en") == []


def _answer(text: str, support: float = 0.5):
    llm = FakeLLM([text], support=support, answers=0.5)  # withdrawn; the judge finds no paragraph
    return list(generate(llm, QUESTION, [QIN, FAIL], "en", 100, retrieved=[FAIL, QIN], min_support=0.74))[-1]


def test_a_withdrawn_answer_with_two_lifted_words_quotes_its_paragraph():
    answer = _answer("According to Xi, sanksi and gangguan will fail [12].")
    assert answer.quoted and answer.withdrawn and not answer.refused
    assert answer.text.startswith("The most relevant passage says:") and "gangguan pasti akan gagal" in answer.text
    assert [c.paragraph for c in answer.citations] == [12]


def test_one_lifted_word_an_english_answer_or_one_kept_is_not_quoted():
    assert _answer("According to Xi, sanksi will fail [12].").refused  # one word: could be a name or a loan
    assert _answer("According to Xi, unilateralism will fail [12].").refused
    kept = _answer("According to Xi, sanksi and gangguan will fail [12].", support=0.9)
    assert not kept.quoted and not kept.withdrawn and kept.text.startswith("According to Xi, sanksi")
