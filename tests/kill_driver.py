"""Runs `build_index` with a slow fake embedder so tests can kill -9 it at random points.

    python tests/kill_driver.py SEEDS INDEX            one build, then exit 0
    python tests/kill_driver.py --serve SEEDS INDEX    fork server: each "build" line on stdin forks a
                                                       child that builds once; prints "pid <n>", then
                                                       "exit <n> <status>" when the child is gone

The fork server pays the imports once, so twenty kills take seconds, and every kill still hits
a separate process in the middle of real work (reading, embedding, writing, publishing).
Slow steps (embedding, fsync) widen the windows a kill can land in; they change no result.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rag.store  # noqa: E402
from rag.indexer import build_index  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.conftest import FakeEmbedder  # noqa: E402

EMBED_SECONDS = 0.002  # per text embedded
FSYNC_SECONDS = 0.004  # per fsync while publishing

_fsync = rag.store._fsync


def _slow_fsync(path):
    time.sleep(FSYNC_SECONDS)
    _fsync(path)


rag.store._fsync = _slow_fsync


class SlowEmbedder(FakeEmbedder):
    def encode(self, texts, progress=False):
        time.sleep(EMBED_SECONDS * len(texts))
        return super().encode(texts, progress)


def build(seeds: str, index: str) -> None:
    settings = Settings.load(seeds=seeds, index=index, translate=False, context="retrieved")
    build_index(settings, SlowEmbedder(), progress=False, log=lambda m: None)


def serve(seeds: str, index: str) -> None:
    import bm25s  # noqa: F401 - imports and stemmers loaded once, before forking
    import faiss  # noqa: F401

    from rag.language import tokenize

    tokenize("mengumumkan kata", "id")
    tokenize("announced words", "en")
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "build":
            break
        pid = os.fork()
        if pid == 0:
            try:
                build(seeds, index)
                code = 0
            except BaseException:  # noqa: BLE001
                import traceback

                traceback.print_exc()
                code = 1
            os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {status}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        build(sys.argv[1], sys.argv[2])
