"""End to end with the real bundled models: the embedder on the seed article, and one answer.

Slower than the rest (about a minute with the model files already in place); skipped with a
reason when the bundled models are not installed."""
from __future__ import annotations

import pytest

from rag.errors import ModelMissing
from rag.indexer import build_index
from rag.models import embed_location
from rag.retriever import Hit
from rag.support import MIN_YES, support
from rag.settings import Settings
from tests.conftest import SEED_DOC

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory) -> Settings:
    seeds = tmp_path_factory.mktemp("seeds")
    from tests.conftest import ROOT

    (seeds / SEED_DOC).write_bytes((ROOT / "seeds" / SEED_DOC).read_bytes())
    settings = Settings.load(seeds=seeds, index=tmp_path_factory.mktemp("idx") / "index", threads=2)
    try:
        embed_location(settings)
    except ModelMissing as exc:
        pytest.skip(f"bundled embedding model unavailable: {exc}")
    return settings


def test_real_embedder_indexes_the_seed_article_and_finds_a_paraphrase(real_settings):
    from rag.pipeline import Pipeline

    store, report = build_index(real_settings, None, False, lambda m: None)
    assert len(store.paragraphs) == 19 and store.manifest["embedding"]["dim"] == 384
    again = build_index(real_settings, None, False, lambda m: None)[1]
    assert again.embedded == 0  # second run: up to date, nothing embedded
    pipe = Pipeline(real_settings.replace(translate=False), log=lambda m: None)
    hits = pipe.retrieve("Siapa yang diangkat menjadi menteri luar negeri China?", k=4, mode="dense").hits
    assert 18 in [h.paragraph for h in hits]
    texts = [p.text for p in store.paragraphs[:10]]
    # a query's few variants take a shorter path than a batch; the vectors must be the same
    assert abs(pipe.embedder.encode(texts[:3]) - store.embeddings()[:3]).max() < 1e-5
    assert abs(pipe.embedder.encode(texts)[:3] - store.embeddings()[:3]).max() < 1e-5


def test_real_llm_answers_a_seed_question_citing_the_right_paragraph(real_settings, real_llm_path):
    from rag.pipeline import Pipeline

    pipe = Pipeline(real_settings.replace(llm_model=str(real_llm_path)), log=lambda m: None)
    pipe.ensure_index(progress=False)
    answer = pipe.ask("Siapa yang dipromosikan menjadi menteri luar negeri China?")
    assert not answer.refused and "Qin" in answer.text
    assert [(c.doc, c.paragraph) for c in answer.citations] == [(SEED_DOC, 18)]
    assert answer.support is not None and answer.support >= MIN_YES  # the second reading keeps it


def test_real_llm_answers_both_parts_of_a_two_part_question(real_settings, real_llm_path):
    from rag.pipeline import Pipeline

    pipe = Pipeline(real_settings.replace(llm_model=str(real_llm_path)), log=lambda m: None)
    pipe.ensure_index(progress=False)
    answer = pipe.ask("Kapan dan di mana Xi diperkirakan akan bertemu Putin?")
    assert answer.timings["n_parts"] == 2 and not answer.refused and "musim semi" in answer.text
    # each part answered and cited (the 1.5B model's "where" is not always "di Rusia")
    assert answer.text.count("[13]") == 2 and [(c.doc, c.paragraph) for c in answer.citations] == [(SEED_DOC, 13)]


def test_real_llm_summarises_the_article_in_english_from_its_lead_each_sentence_cited(real_settings, real_llm_path):
    from rag.figures import unsupported_specifics
    from rag.pipeline import Pipeline

    pipe = Pipeline(real_settings.replace(llm_model=str(real_llm_path)), log=lambda m: None)
    pipe.ensure_index(progress=False)
    answer = pipe.ask("What is this article about?")
    assert answer.lookup == "overview" and not answer.refused and not answer.quoted  # the model's own sentences
    cited = [c.paragraph for c in answer.citations]
    assert cited and set(cited) <= {1, 2, 3} and answer.text.count("[") == len(cited)
    lead = {h.paragraph: h for h in answer.passages}
    for sentence, n in zip(answer.text.split(" ["), cited):  # "... sentence [n] next sentence [m]"
        assert not unsupported_specifics(sentence.split("] ")[-1], [lead[n]], answer.question)


def test_real_translation_for_the_english_copy_makes_up_no_date(real_settings, real_llm_path):
    """Translated plainly, ¶1 "pada hari Jumat" came out "on July 25" and ¶2 "pada bulan ke-11"
    "on November 11"; they are translated again with the source's dates glossed."""
    from rag.corpus_copy import made_up, translate_paragraph
    from rag.pipeline import Pipeline

    pipe = Pipeline(real_settings.replace(llm_model=str(real_llm_path)), log=lambda m: None)
    pipe.ensure_index(progress=False)
    copies = [translate_paragraph(pipe.llm(), p.text, "id") for p in pipe.store.paragraphs[:2]]
    assert all(c and not made_up(c, p.text) for c, p in zip(copies, pipe.store.paragraphs)), copies
    assert "Friday" in copies[0]


def test_real_second_reading_rejects_what_the_cited_paragraph_does_not_say(real_settings, real_llm_path):
    from rag.pipeline import Pipeline

    pipe = Pipeline(real_settings.replace(llm_model=str(real_llm_path)), log=lambda m: None)
    pipe.ensure_index(progress=False)
    p18 = pipe.store.paragraphs[17]
    hit = Hit(p18.doc, p18.number, p18.text, 0.0)
    wrong = support(pipe.llm(), "Dalam format apa Putin dan Xi bertemu pada hari Jumat?",
                    "Pemerintah Rusia dan China bertemu pada hari Jumat di Washington. [18]", [hit])
    right = support(pipe.llm(), "Siapa yang dipromosikan menjadi menteri luar negeri?",
                    "Qin Gang dipromosikan menjadi menteri luar negeri [18].", [hit])
    assert wrong < MIN_YES <= right


def test_real_yes_no_reading_from_a_kept_paragraph_state_scores_the_same(real_settings, real_llm_path, tmp_path):
    from rag.llm import LlamaCppLLM
    from rag.models import get_llm
    from rag.support import support_prefix

    llama = get_llm(real_settings.replace(llm_model=str(real_llm_path)))
    hit = Hit(SEED_DOC, 18, "Qin Gang dipromosikan menjadi menteri luar negeri, dari jabatannya sebagai duta besar.", 0.0)
    q, a = "Siapa yang dipromosikan?", "Qin Gang dipromosikan menjadi menteri luar negeri [18]."
    plain = support(LlamaCppLLM(llama, prefix_cache=False), q, a, [hit])
    llm = LlamaCppLLM(llama, state_dir=tmp_path / "kv")
    first, again = support(llm, q, a, [hit]), support(llm, q, a, [hit])
    assert support_prefix(hit) in llm._prefix_states and not (tmp_path / "kv").exists()  # in memory only
    assert abs(first - plain) < 1e-4 and abs(again - plain) < 1e-4


def test_real_prefix_evaluation_stopped_for_a_question_goes_on_to_the_same_state(real_settings, real_llm_path):
    """The chat's background warm-up gives the model up to a question between batches, then goes
    on where it stopped (or starts again when the question's prompt replaced it): the prefix's KV
    state is the one an uninterrupted evaluation makes."""
    from rag.llm import LlamaCppLLM
    from rag.models import get_llm
    from tests.conftest import ROOT

    llama = get_llm(real_settings.replace(llm_model=str(real_llm_path)))
    evaluated = []
    eval_batch = llama.eval
    llama.eval = lambda tokens: (evaluated.append(len(tokens)), eval_batch(tokens))
    prefix = (ROOT / "seeds" / SEED_DOC).read_text(encoding="utf-8")[:2500]
    prompt = prefix + "\nThe article's first paragraph is about"
    fresh = LlamaCppLLM(llama, state_dir=None)
    fresh.warm(prefix)
    n = sum(evaluated)
    assert n == fresh.count(prefix) > 2 * llama.n_batch  # three batches or more
    expected = "".join(fresh.stream(prompt, 8, prefix))

    class Gate:
        """Busy for the first `questions` checks; a wait runs a question when `ask` is set."""

        def __init__(self, llm, questions: int, ask: bool):
            self.llm, self.left, self.ask = llm, questions, ask

        def busy(self) -> bool:
            return self.left > 0

        def wait(self, timeout: float = 0.0) -> bool:
            self.left -= 1
            if self.ask:  # a question sharing nothing with the prefix: it replaces the KV cache
                before = sum(evaluated)
                "".join(self.llm.stream("Hello", 2))
                evaluated[:] = [before]  # the question's own tokens are not the warm-up's
            return True

    for questions, ask, work in ((1, False, n), (2, False, n), (1, True, llama.n_batch + n)):
        llm = LlamaCppLLM(llama, state_dir=None)
        llama.reset()  # the KV cache holds the last prompt: empty, as before a new corpus
        evaluated.clear()
        llm.warm(prefix, gate=Gate(llm, questions, ask))
        # stopped after a batch each time; went on from there unless the question replaced it
        assert sum(evaluated) == work and llm._partial is None
        assert list(llama.input_ids[: llama.n_tokens]) == llm.tokenize(prefix)
        assert "".join(llm.stream(prompt, 8, prefix)) == expected
