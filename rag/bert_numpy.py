"""A BERT sentence-transformers model (mean pooling, normalised) run in numpy, without torch.

Importing sentence-transformers costs ~6-10 s here (torch, transformers, scikit-learn), the
largest part of a cold `rag ask` after the LLM, yet a question needs one short forward pass.
This computes that pass from the same files (`model.safetensors`, `tokenizer.json`) for the few
texts a question or a small index update embeds; it gives the same vectors as
sentence-transformers to ~3e-7 (checked in the tests). Anything else, or a folder in another
layout, goes through sentence-transformers as before.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1.2e-7 (Numerical Recipes' erfc), as numpy has none and GELU needs it exactly."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    return np.sign(x) * (1.0 - t * np.exp(poly))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _plain_bert(folder: Path) -> tuple[dict, int] | None:
    """(BERT config, max sequence length) when `folder` is Transformer(BERT) -> mean Pooling ->
    Normalize with safetensors weights and a fast tokenizer file; else None."""
    modules, config = _json(folder / "modules.json"), _json(folder / "config.json")
    if not isinstance(modules, list) or not isinstance(config, dict):
        return None
    if [m.get("type") for m in modules] != [_TRANSFORMER, _POOLING, _NORMALIZE] or modules[0].get("path"):
        return None
    pooling = _json(folder / modules[1].get("path", "") / "config.json") or {}
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        return None
    if (config.get("model_type") != "bert" or config.get("hidden_act") != "gelu"
            or config.get("position_embedding_type", "absolute") != "absolute"):
        return None
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        return None
    st_config = _json(folder / "sentence_bert_config.json") or {}
    return config, int(st_config.get("max_seq_length") or config.get("max_position_embeddings", 512))


class NumpyBert:
    """Mean-pooled, normalised BERT sentence vectors computed with numpy."""

    def __init__(self, folder: Path, config: dict, max_length: int):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = {k.removeprefix("bert."): v for k, v in load_file(str(folder / "model.safetensors")).items()}
        # dense layers are applied as x @ W.T: transposed once here (a strided W.T is ~10x slower)
        self.weights = {k: np.ascontiguousarray(v.T) if k.endswith(".dense.weight") or (".self." in k and v.ndim == 2)
                        else v for k, v in weights.items()}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])

    @classmethod
    def load(cls, folder: Path) -> "NumpyBert | None":
        """The model of `folder`, or None when it is not a plain BERT with mean pooling (or the
        safetensors / tokenizers packages are missing): then sentence-transformers runs it."""
        plain = _plain_bert(Path(folder))
        if plain is None:
            return None
        try:
            model = cls(Path(folder), *plain)
            model.encode(["ok"])  # weights named or shaped otherwise fail here, not at a question
            return model
        except Exception:  # noqa: BLE001 - unreadable files: sentence-transformers loads them and says why
            return None

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w(f"{name}.weight") + self._w(f"{name}.bias")

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self._w(f"{name}.weight"), self._w(f"{name}.bias"), self.eps)

    def _one(self, ids: Sequence[int], types: Sequence[int]) -> np.ndarray:
        n = len(ids)
        x = (self._w("embeddings.word_embeddings.weight")[ids] + self._w("embeddings.position_embeddings.weight")[:n]
             + self._w("embeddings.token_type_embeddings.weight")[types])
        x = self._norm(x, "embeddings.LayerNorm")
        d = self.dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (self._dense(x, f"{p}.attention.self.{m}").reshape(n, self.heads, d).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)  # a Python float keeps float32 (NEP 50)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = (scores / scores.sum(-1, keepdims=True)) @ v
            x = self._norm(x + self._dense(ctx.transpose(1, 0, 2).reshape(n, self.dim), f"{p}.attention.output.dense"),
                           f"{p}.attention.output.LayerNorm")
            h = self._dense(x, f"{p}.intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
            x = self._norm(x + self._dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = x.mean(0)  # one text at a time: every token counts, no padding to mask
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):  # one by one: encode_batch would start tokenizers' thread pool
            enc = self.tokenizer.encode(text)
            out[row] = self._one(enc.ids, enc.type_ids)
        return out
