"""An answer copied word for word from its cited paragraph, and the support check."""
from __future__ import annotations

from rag.copied_phrases import copies_a_source
from tests.conftest import FakeLLM

SOURCE = ("Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet—untuk pertemuan puncak trilateral "
          "dengan Turki dan Iran di Teheran—sejak perang dimulai pada Februari.")


def test_a_run_of_the_source_is_a_copy_and_a_changed_word_is_not():
    assert copies_a_source("Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet [17].", [SOURCE])
    assert copies_a_source("pertemuan puncak trilateral dengan Turki dan Iran di Teheran [17]", ["x", SOURCE])
    assert not copies_a_source("Presiden Rusia hanya dua kali meninggalkan bekas Uni Soviet [17].", [SOURCE])
    assert not copies_a_source("Hanya sekali meninggalkan [17].", [SOURCE])  # too short to say anything alone
    # every sentence must be a copy: a second one of the model's own may add what the source lacks
    assert not copies_a_source("Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet [17]. "
                               "Ia pergi ke Teheran pada bulan Juli [17].", [SOURCE])
    assert not copies_a_source("", [SOURCE])


def test_a_word_for_word_copy_is_not_withdrawn_by_a_low_second_reading(pipeline):
    pipeline._llm = FakeLLM(support=0.2)  # the default fake restates the first passage word for word
    answer = pipeline.ask("Who was sent to Beijing with a message?")
    assert not answer.refused and not answer.withdrawn and answer.citations
    assert answer.support == 0.2  # read, and shown all the same


def test_a_copy_of_a_paragraph_without_the_names_asked_about_is_withdrawn_by_a_low_second_reading():
    from rag.answer import generate
    from rag.retriever import Hit

    visit = Hit("a.txt", 16, "Dia mengunjungi Xi di Beijing pada awal Februari, dua minggu sebelum "
                             "memerintahkan invasi ke Ukraina.", 1.0)
    for question, withdrawn in (("Kapan Xi akan mengunjungi Washington?", True),  # ¶16 never names Washington
                                ("Kapan dia mengunjungi Xi di Beijing?", False)):
        llm = FakeLLM([f"{visit.text} [16]."], support=lambda prompt: 0.4)
        answer = list(generate(llm, question, [visit], "id", 100, retrieved=[visit]))[-1]
        assert answer.withdrawn is withdrawn and answer.refused is withdrawn
