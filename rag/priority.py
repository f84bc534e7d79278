"""Questions first: the chat's background preparation gives the LLM up to questions.

After a document is dropped in, the chat prepares the new corpus in the background: the prompt
prefix holding the whole corpus (~15 s here), the English copy's translations (~4 s a paragraph),
the paragraph readings' KV states. Each unit of that work holds the LLM, and a question needs it
several times (the answer, its checks), so a question asked meanwhile waited behind one unit per
LLM call. The background work waits here between units while any question is being answered; a
translation stops when one arrives, and the prefix's evaluation yields between batches and then
goes on (`LlamaCppLLM.warm`)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

BACKGROUND_WAIT_S = 120.0  # the longest the background waits for questions (a stream never closed)


class QuestionGate:
    """Counts the questions being answered; background work waits for none."""

    def __init__(self) -> None:
        self._answering = 0
        self._idle = threading.Condition()

    @contextmanager
    def question(self) -> Iterator[None]:
        """Around one question's answer, from retrieval to its last event."""
        with self._idle:
            self._answering += 1
        try:
            yield
        finally:
            with self._idle:
                self._answering -= 1
                if not self._answering:
                    self._idle.notify_all()

    def busy(self) -> bool:
        """A question is being answered."""
        return self._answering > 0

    def wait(self, timeout: float = BACKGROUND_WAIT_S) -> bool:
        """Background work calls this between units: returns once no question is being answered
        (or after `timeout`); True when it waited."""
        with self._idle:
            if not self._answering:
                return False
            self._idle.wait_for(lambda: not self._answering, timeout)
            return True
