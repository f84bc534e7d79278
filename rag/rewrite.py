"""Query rewriting before retrieval: translation across languages and follow-up condensation."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Sequence

from .language import EN, ID, match_keys
from .llm import LLM
from .prompt import ASSISTANT, chatml
from .retriever import Query

_NAMES = {ID: "Indonesian", EN: "English"}
_TRANSLATE_SYSTEM = ("You are a translator. Translate the user's text from {src} into {dst}. "
                     "Reply with the {dst} translation only.")
# three short, topic-neutral examples (measured better than zero- or one-shot on the dev sets)
_TRANSLATE_EXAMPLES = [
    ("How many people were injured in the fire?", "Berapa orang yang terluka dalam kebakaran itu?"),
    ("Which company built the new bridge in Surabaya?", "Perusahaan mana yang membangun jembatan baru di Surabaya?"),
    ("When did the president visit Japan?", "Kapan presiden mengunjungi Jepang?"),
]
_CONDENSE_SYSTEM = ("Rewrite the user's last question so that it can be understood without the chat: "
                    "replace words like he, she, it, that, dia, itu, tersebut with what they refer to. "
                    "Keep the language of the question. Reply with the rewritten question only.")


def translation_prompt(question: str, target: str) -> str:
    """Few-shot translation prompt into `target` ('id' or 'en'); the examples flip with the direction."""
    src = EN if target == ID else ID
    text = chatml("system", _TRANSLATE_SYSTEM.format(src=_NAMES[src], dst=_NAMES[target]))
    for en, idn in _TRANSLATE_EXAMPLES:
        a, b = (en, idn) if target == ID else (idn, en)
        text += chatml("user", a) + chatml("assistant", b)
    return text + chatml("user", question) + ASSISTANT


class LRU(OrderedDict):
    def __init__(self, size: int = 512):
        super().__init__()
        self.size = size

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


def _clean(text: str, fallback: str) -> str:
    line = text.strip().splitlines()[0].strip().strip('"').strip() if text.strip() else ""
    return line[:500] if len(line) >= 3 else fallback


class QueryRewriter:
    """Turns the user's question (+ history) into retrieval query variants."""

    def __init__(self, llm_factory=None, condense: str = "concat", max_tokens: int = 48):
        self.llm_factory = llm_factory  # called only when an LLM rewrite is needed
        self.condense_mode = condense
        self.max_tokens = max_tokens
        self.cache: LRU = LRU()

    def _llm(self) -> LLM | None:
        return self.llm_factory() if self.llm_factory else None

    def translate(self, question: str, target: str) -> str | None:
        """The question in `target` language (cached), or None without an LLM."""
        key = ("t", target, question)
        if key in self.cache:
            return self.cache[key]
        llm = self._llm()
        if llm is None or target not in _NAMES:
            return None
        prompt = translation_prompt(question, target)
        out = _clean("".join(llm.stream(prompt, self.max_tokens, prompt[: prompt.rindex("<|im_start|>user")])), question)
        self.cache.put(key, out)
        return out

    def condense(self, question: str, history: Sequence[str]) -> list[Query]:
        """Extra query variants that carry the context of earlier questions."""
        if not history or self.condense_mode == "off":
            return []
        recent = [h for h in history if h.strip()][-2:]
        if not recent:
            return []
        if self.condense_mode == "llm":
            key = ("c", tuple(recent), question)
            if key not in self.cache:
                llm = self._llm()
                if llm is None:
                    return [Query(f"{recent[-1]} {question}", 1.0, "history")]
                chat = "\n".join(f"Earlier question: {h}" for h in recent)
                prompt = (chatml("system", _CONDENSE_SYSTEM)
                          + chatml("user", f"{chat}\nLast question: {question}") + ASSISTANT)
                self.cache.put(key, _clean("".join(llm.stream(prompt, self.max_tokens)), question))
            return [Query(self.cache[key], 1.0, "condensed")]
        # "concat": the latest earlier question supplies the referent of "itu", "he", ...
        return [Query(f"{recent[-1]} {question}", 1.0, "history")]


_FOLLOWUP_HINT = re.compile(r"\b(dia|ia|itu|tersebut|nya|beliau|mereka|he|she|it|they|that|this|those|his|her|their)\b", re.I)


def looks_like_followup(question: str) -> bool:
    """Pronouns or demonstratives that need an antecedent."""
    return bool(_FOLLOWUP_HINT.search(question)) or bool(re.search(r"\w{3,}nya\b", question, re.I))


FEW_OWN_WORDS = 2  # content words at most, for a follow-up to lean on its earlier question


def leans_on_history(question: str, lang: str = ID) -> bool:
    """A follow-up that names almost nothing itself ("Setelah apa dia mengatakan hal itu?": "hal",
    "mengatakan"), so its earlier question says more about what it asks. One that names its own
    subject ("Kapan pertemuan tatap muka terakhir mereka?") does not."""
    if not looks_like_followup(question):
        return False
    return len(match_keys(question, lang if lang in (ID, EN) else ID)) <= FEW_OWN_WORDS
