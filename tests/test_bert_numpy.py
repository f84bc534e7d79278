"""The numpy BERT forward pass that embeds questions without importing torch (`rag.bert_numpy`)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rag.bert_numpy import NumpyBert, _erf, _plain_bert
from rag.models import EMBED_PACKAGE, SentenceTransformerEmbedder
from rag.packaged import package_dir

BUNDLED_FOLDER = (package_dir(EMBED_PACKAGE) or package_dir("rag")) / "model"
needs_minilm = pytest.mark.skipif(not (BUNDLED_FOLDER / "model.safetensors").is_file(),
                                  reason=f"{EMBED_PACKAGE} is not installed")


def test_erf_matches_the_standard_library():
    xs = np.linspace(-6, 6, 2401, dtype=np.float64)
    assert np.max(np.abs(_erf(xs) - np.array([math.erf(x) for x in xs]))) < 2e-7


def _layout(tmp_path, modules: list[str], pooling: dict, model_type: str = "bert"):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps(
        [{"idx": i, "name": str(i), "path": "" if i == 0 else f"{i}_x", "type": t} for i, t in enumerate(modules)]))
    (tmp_path / "1_x").mkdir(exist_ok=True)
    (tmp_path / "1_x" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": model_type, "hidden_act": "gelu"}))
    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "tokenizer.json").write_text("{}")
    return tmp_path


ST = "sentence_transformers.models."
PLAIN = [ST + "Transformer", ST + "Pooling", ST + "Normalize"]


def test_a_plain_bert_with_mean_pooling_is_recognised(tmp_path):
    assert _plain_bert(_layout(tmp_path, PLAIN, {"pooling_mode_mean_tokens": True})) is not None


@pytest.mark.parametrize("modules,pooling,model_type", [
    (PLAIN, {"pooling_mode_cls_token": True}, "bert"),  # another pooling
    (PLAIN, {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}, "bert"),
    (PLAIN[:2], {"pooling_mode_mean_tokens": True}, "bert"),  # not normalised
    (PLAIN, {"pooling_mode_mean_tokens": True}, "xlm-roberta"),  # another architecture
])
def test_other_layouts_are_left_to_sentence_transformers(tmp_path, modules, pooling, model_type):
    folder = _layout(tmp_path, modules, pooling, model_type)
    assert _plain_bert(folder) is None and NumpyBert.load(folder) is None


def test_a_broken_weights_file_falls_back(tmp_path):
    folder = _layout(tmp_path, PLAIN, {"pooling_mode_mean_tokens": True})
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_act": "gelu",
                                                    "num_hidden_layers": 1, "num_attention_heads": 1,
                                                    "hidden_size": 4}))
    assert NumpyBert.load(folder) is None  # an empty safetensors file: no numpy model, no crash


@needs_minilm
def test_weights_it_cannot_run_fall_back_at_load(tmp_path):
    """A BERT whose weights are named otherwise is found out when loaded, not at a question."""
    import shutil

    from safetensors.numpy import load_file, save_file

    folder = tmp_path / "model"
    shutil.copytree(BUNDLED_FOLDER, folder)
    weights = load_file(str(folder / "model.safetensors"))
    save_file({k.replace("encoder.layer.", "blocks."): v for k, v in weights.items()}, str(folder / "model.safetensors"))
    assert NumpyBert.load(folder) is None


@needs_minilm
def test_questions_are_embedded_without_loading_sentence_transformers():
    emb = SentenceTransformerEmbedder("minilm", str(BUNDLED_FOLDER), threads=1)
    vectors = emb.encode(["Kapan Putin mengunjungi Xi di Beijing?", "Who was the message for?"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert emb._st is None  # sentence-transformers (and torch) not loaded for them


@needs_minilm
@pytest.mark.integration
def test_numpy_vectors_equal_sentence_transformers():
    emb = SentenceTransformerEmbedder("minilm", str(BUNDLED_FOLDER), threads=1)
    texts = ["Siapa yang dipromosikan menjadi menteri luar negeri?", "What did Xi say both sides must do?",
             "Qin Gang, 56 tahun, telah dipromosikan menjadi menteri luar negeri. " * 40]  # truncated at 256 tokens
    ours = emb.encode(texts)
    theirs = emb.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert np.max(np.abs(ours - theirs)) < 1e-5
    many = [f"Paragraf nomor {i} tentang Putin dan Xi." for i in range(40)]  # beyond FEW_COLD: batched in torch
    assert np.max(np.abs(emb.encode(many) - emb._numpy.encode(many))) < 1e-5
