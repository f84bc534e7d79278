"""What a user types, made safe to search and to prompt with: questions and the chat's history."""
from __future__ import annotations

import re
from typing import Sequence

from .documents import clean_text
from .errors import BadQuestion
from .language import detect_language, tokenize, words

_SURROGATE = re.compile(r"[\ud800-\udfff]")  # undecodable bytes from argv/stdin; no encoder accepts them
# Bidirectional embeddings, overrides and isolates: a question carrying U+202E showed in the chat
# reading backwards. They carry no words, so a question loses nothing without them.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _clean(text: str | None) -> str:
    """User text without control characters, lone surrogates or chat-template tokens."""
    return clean_text(_BIDI_CONTROL.sub("", _SURROGATE.sub(" ", text or ""))).strip()


def clean_history(history: Sequence[str]) -> list[str]:
    """The chat's earlier questions as the answer reads them: cleaned like a question, empty ones dropped."""
    return [h for h in (_clean(h) for h in history) if h]


def clean_question(question: str | None, max_chars: int, follows: bool = True) -> str:
    """The question without control characters; BadQuestion when it cannot be asked. `follows`: earlier
    questions of the chat may say what "Why?" or "Siapa dia?" is about ("Siapa?" alone: not askable)."""
    q = _clean(question)
    if not q:
        raise BadQuestion("the question is empty; type a question")
    if len(q) > max_chars:
        raise BadQuestion(f"the question is {len(q):,} characters long; keep it under {max_chars:,} (RAG_MAX_QUESTION_CHARS)")
    if not words(q):
        raise BadQuestion("the question has no words in it; ask it in words")
    if not follows and not tokenize(q, detect_language(q)):  # no word to search by: any paragraph would do
        raise BadQuestion("the question names nothing to look for; say what or whom it is about")
    return q
