"""An uncited answer names its own paragraph: fed back to the model after an opening bracket."""
from __future__ import annotations

import re
from typing import Sequence

from .citations import parse_citations
from .llm import LLM
from .retriever import Hit

CITATION_CUE = " ["  # complete_citation's prompt ends with it (the bench tells its calls apart by it)
_LABEL_TAIL = re.compile(r"\s*([^\[\]\n]{1,80}?)\]")
_LABEL_TOKENS = 12  # enough for "facqa_049.txt ¶7]"


def complete_citation(llm: LLM, prompt_text: str, prefix: str, body: str, passages: Sequence[Hit]) -> str:
    """Ask the model which paragraph its uncited answer rests on: the answer is fed back with
    an opening bracket and the model writes the label. Returns the valid label ('[9]') or ''.

    Costs a few decoded tokens (the prompt and the answer are already in the KV cache),
    against a whole new answer for a stricter retry. '' too when the answer filled the context
    (the prompt left room for `max_tokens` of answer, not for the answer and a label after it)."""
    text = prompt_text + body + CITATION_CUE
    if llm.count(text) + _LABEL_TOKENS > llm.n_ctx:
        return ""
    out = ""
    for piece in llm.stream(text, _LABEL_TOKENS, prefix):
        out += piece
        if "]" in out or "\n" in out:
            break
    m = _LABEL_TAIL.match(out)
    if not m:
        return ""
    label = f"[{m.group(1).strip()}]"
    return label if parse_citations(label, passages).citations else ""
