"""Child process of `rag bench`: a cold `rag ask`, phase by phase, then a chat-like peak RSS.

Run as `python -m rag.bench_child ARGS_JSON`; prints exactly one JSON object on stdout.
Timestamps are `time.time()` (epoch seconds) so the parent can add the interpreter start-up
that happened before this module ran. Kept free of heavy imports at module level: the
imports are a measured phase.
"""
import time

T_START = time.time()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def memory() -> dict:
    """Peak and current resident memory of this process, in MB (Linux /proc, else getrusage)."""
    out = {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def main(args: dict) -> dict:
    phases: dict[str, float] = {}
    mark = time.time()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.time()
        phases[name] = now - mark
        mark = now

    # What `rag ask` imports on its way to an answer (click, the pipeline, the index libraries,
    # the numpy query embedder's tokenizers and safetensors, llama_cpp), timed apart from the model
    # loads that follow. sentence-transformers and torch load only for larger embedding batches.
    import rag.cli  # noqa: F401
    from rag.pipeline import Pipeline
    from rag.prompt import PREFIX, render
    from rag.settings import Settings
    import faiss  # noqa: F401
    import bm25s  # noqa: F401
    import safetensors.numpy  # noqa: F401
    import tokenizers  # noqa: F401
    import llama_cpp  # noqa: F401
    phase("imports_s")

    settings = Settings.load(seeds=args["seeds"], index=args["index"])
    pipe = Pipeline(settings, log=lambda m: print(m, file=sys.stderr))
    pipe.embedder  # noqa: B018 - load it
    phase("embedder_load_s")
    llm = pipe.llm()
    phase("llm_load_s")
    report = pipe.ensure_index(progress=False)
    phase("index_load_s")
    corpus = pipe.context_passages()
    prefix = render(corpus, "", "en")[1] if corpus else PREFIX
    state_file = llm._state_file(prefix) if hasattr(llm, "_state_file") else None
    kv_on_disk = bool(state_file is not None and state_file.exists())
    phase("context_s")
    pipe.warm_up()
    phase("prefix_warm_s")
    answer = pipe.ask(args["question"])
    phase("first_answer_s")
    t_answer = time.time()
    out = {
        "t_start": T_START, "t_answer": t_answer, "phases": phases,
        "child_total_s": t_answer - T_START,
        "index_up_to_date": report.up_to_date, "kv_state_on_disk": kv_on_disk,
        "context_mode": "corpus" if corpus else "retrieved",
        "first_answer": {"question": args["question"], "text": answer.text, "refused": answer.refused,
                         "timings": {k: v for k, v in answer.timings.items() if k != "queries"}},
        "memory_after_first_answer": memory(),
    }
    if args.get("rss"):
        # The rest of what a chat process holds: the Gradio app around the same pipeline,
        # then a few more questions (a translation among them when the QA file has one).
        try:
            os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
            from ui.app import build_app

            build_app(pipe, settings)
            out["chat_app_built"] = True
        except Exception as exc:  # noqa: BLE001 - report, still measure the rest
            out["chat_app_built"] = f"{type(exc).__name__}: {exc}"
        for q in args.get("more_questions", []):
            pipe.ask(q)
        out["memory"] = memory()
        out["rss_questions"] = 1 + len(args.get("more_questions", []))
    return out


if __name__ == "__main__":
    result = main(json.loads(sys.argv[1]))
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
