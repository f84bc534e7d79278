"""A name of several words that the answer writes and no passage does is asked about once more,
then shown unverified with that name listed."""
from __future__ import annotations

from rag.answer import Answer, Reset, generate
from rag.name_runs import invented_name_runs
from rag.retriever import Hit
from tests.conftest import FakeLLM

SAID = "Putin mengatakan kemitraan Rusia dengan China semakin penting bagi stabilitas kawasan."
OTHER = "Pemerintah Korea Utara dan pemerintah Sulawesi Selatan tidak disebut dalam pernyataan itu."


def test_a_name_of_known_words_that_no_passage_writes_is_invented():
    answer = "Pemerintah Rusia mengatakan bahwa kemitraan itu semakin penting [12]."
    assert invented_name_runs(answer, [SAID], "Apa yang dikatakan Putin tentang kemitraan itu?") == ("Pemerintah Rusia",)
    # each word is in a passage, the name in none
    assert invented_name_runs("Acara itu diadakan di Korea Selatan [3].", [OTHER, "Korea"], "Di mana acara itu?") \
        == ("Korea Selatan",)


def test_names_as_the_source_writes_them_are_not_invented():
    passages = [
        "Presiden Susilo Bambang Yudhoyono menerima tim itu di Istana Kepresidenan, Jakarta, Rabu (24/8).",
        "Program itu dijalankan lembaga swadaya masyarakat bersama Balai Pelestarian (BP3) Jateng.",
        "Celine Dion menyumbang satu juta dollar AS.",
    ]
    question = "Berapa sumbangan Celine Dion untuk warga New Orleans?"
    for answer in ("Presiden Yudhoyono menerimanya [1].",  # in order inside one of the source's names
                   "Tim itu diterima di Istana Kepresidenan Jakarta [1].",  # commas ignored
                   "LSM berarti Lembaga Swadaya Masyarakat [2].",  # the same words in lower case
                   "Balai BP3 Jateng menjalankannya [2].",  # brackets ignored
                   "Sumbangan Celine Dion adalah satu juta dollar AS [3].",  # the question's word, capitalised
                   "Warga New Orleans menerima sumbangan itu [3]."):  # the question writes it
        assert invented_name_runs(answer, passages, question) == (), answer


def _final(llm: FakeLLM, question: str, passages: list[Hit], lang: str) -> tuple[Answer, list]:
    events = list(generate(llm, question, passages, lang, 100))
    return events[-1], events


def test_a_renamed_answer_is_asked_once_more_and_the_answer_with_the_source_name_is_shown():
    passages = [Hit("a.txt", 12, SAID, 1.0)]
    llm = FakeLLM(["Pemerintah Rusia mengatakan kemitraan itu semakin penting [12].",
                   "Putin mengatakan kemitraan itu semakin penting [12]."])
    answer, events = _final(llm, "Apa yang dikatakan Putin tentang kemitraan dengan China?", passages, "id")
    assert sum(isinstance(e, Reset) for e in events) == 1 and answer.retried
    assert '"Pemerintah Rusia"' in llm.prompts[1] and '"Pemerintah Rusia"' not in llm.prompts[0]
    assert answer.text.startswith("Putin mengatakan") and answer.verified and not answer.invented


def test_a_name_kept_after_the_second_asking_is_shown_unverified_and_listed():
    passages = [Hit("a.txt", 12, SAID, 1.0)]
    renamed = "Pemerintah Rusia mengatakan kemitraan dengan China semakin penting [12]."
    answer, _ = _final(FakeLLM([renamed, renamed]), "Apa yang dikatakan tentang kemitraan itu?", passages, "id")
    assert not answer.refused and not answer.verified
    assert answer.invented == ("Pemerintah Rusia",) and answer.text.startswith("Pemerintah Rusia")


def test_an_answer_in_another_language_than_its_passages_may_rename():
    """A translated answer renames everything ("Russian President" for "Presiden Rusia"): not checked."""
    passages = [Hit("a.txt", 12, "Presiden Rusia Vladimir Putin mengatakan kemitraan dengan China semakin penting.", 1.0)]
    llm = FakeLLM(["Russian President Vladimir Putin said the partnership with China matters more [12]."])
    answer, events = _final(llm, "What did Putin say about the partnership with China?", passages, "en")
    assert not any(isinstance(e, Reset) for e in events) and answer.verified and not answer.invented

