"""An answer's pair of names that mixes one of its paragraph's listed pair with another name
(`rag/name_lists.py`), and the refusal it leads to."""
from __future__ import annotations

from rag.answer import generate
from rag.name_lists import mixes_a_list
from rag.retriever import Hit
from tests.conftest import FakeLLM

SUMMIT = ("Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet—untuk pertemuan puncak trilateral dengan "
          "Turki dan Iran di Teheran—sejak perang dimulai pada Februari.")
ASKED = "Dengan dua negara mana Putin mengadakan pertemuan puncak trilateral?"


def test_a_pair_taking_one_listed_name_and_one_from_elsewhere_is_mixed():
    assert mixes_a_list(ASKED, "Dengan dua negara, Rusia dan Turki, Putin mengadakannya [17].", [SUMMIT])
    assert not mixes_a_list(ASKED, "Turki dan Iran [17].", [SUMMIT])  # the pair as listed
    assert not mixes_a_list(ASKED, "Rusia, Turki dan Iran [17].", [SUMMIT])  # the whole list, and more
    assert not mixes_a_list("Apakah Rusia bertemu Turki?", "Rusia dan Turki bertemu [17].", [SUMMIT])  # asked
    assert not mixes_a_list("Which two countries?", "Turkey and Iran [17].", [SUMMIT])  # another language
    assert not mixes_a_list(ASKED, "Rusia dan Turki [17].", [])


def test_a_mixed_pair_is_the_refusal():
    answer = list(generate(FakeLLM(["Rusia dan Turki [17]."]), ASKED, [Hit("a.txt", 17, SUMMIT, 1.0)], "id", 100))[-1]
    assert answer.refused and not answer.citations
    answer = list(generate(FakeLLM(["Turki dan Iran [17]."]), ASKED, [Hit("a.txt", 17, SUMMIT, 1.0)], "id", 100))[-1]
    assert not answer.refused and [c.paragraph for c in answer.citations] == [17]
