"""What the chat's status line describes: the index in use, the files skipped, a failed build."""
from __future__ import annotations

from rag.documents import Skipped
from rag.errors import RagError
from rag.llm import LlamaCppLLM
from rag.models import describe
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import Store


def index_info(pipeline: Pipeline, settings: Settings) -> dict:
    """What the status line shows: documents, paragraphs, build time, models, and what went wrong
    (`problem`: why the last build failed; `no_documents`: it found none, so nothing is answered)."""
    try:
        store = pipeline.store
    except RagError as exc:
        return {"error": str(exc)}
    llm = getattr(pipeline, "_llm", None)
    llm_name = type(llm).__name__ if llm is not None and not isinstance(llm, LlamaCppLLM) else describe(settings)["LLM"]
    skipped, problem = _skipped(pipeline, store), getattr(pipeline, "index_problem", None)
    return {"documents": len(store.documents), "paragraphs": len(store.paragraphs),
            "built_at": store.manifest.get("built_at", "?"), "embed_model": store.embed_model, "llm": llm_name,
            "generation": store.generation, "key": status_key(pipeline, store), "skipped": skipped,
            "problem": problem, "no_documents": bool(getattr(pipeline, "seeds_empty", False))}


def _skipped(pipeline: Pipeline, store: Store) -> list[Skipped]:
    """The files not searched, and why: as the last build here saw them (a file dropped in that cannot
    be read changes no index), else as the index's own build recorded them."""
    if getattr(pipeline, "skipped", None) is not None:
        return list(pipeline.skipped)
    return [Skipped(str(s.get("name")), str(s.get("reason") or "")) for s in store.manifest.get("skipped", [])
            if isinstance(s, dict)]


def status_key(pipeline: Pipeline, store: Store | None = None) -> str:
    """What the status line shows depends on: the index in use, the files skipped and a failed build
    (RagError: no index)."""
    store = store or pipeline.store
    state = (tuple(_skipped(pipeline, store)), getattr(pipeline, "index_problem", None),
             bool(getattr(pipeline, "seeds_empty", False)))
    return f"{store.generation}:{hash(state)}"
