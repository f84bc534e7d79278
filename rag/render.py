"""Plain-text views of an answer shared by the CLI and the UI."""
from __future__ import annotations

from .answer import Answer
from .citations import Citation
from .grounding import keys
from .parts import ELLIPSIS
from .quotes import split_sentences
from .retriever import Hit


def snippet(text: str, words: int = 12) -> str:
    """The first `words` words of a paragraph, with an ellipsis when cut."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def part_snippet(text: str, answer: str) -> str:
    """For the part of a long paragraph the model read ("… words …"): the start of its sentence
    sharing most words with `answer`, after "… " (the part's own first words are mid-paragraph
    filler as often as not)."""
    want = keys(answer)
    best = max(split_sentences(text.strip(f" {ELLIPSIS}")), key=lambda s: len(want & keys(s)))
    return f"{ELLIPSIS} {snippet(best)}"


def source_lines(answer: Answer) -> list[str]:
    """`document ¶n: first words…` for each cited paragraph, in citation order (for a part of a
    long paragraph, `part_snippet`)."""
    by_key = {h.key: h for h in (*answer.passages, *answer.retrieved)}
    lines = []
    for c in answer.citations:
        hit = by_key.get(c.key)
        text = "" if hit is None else part_snippet(hit.text, answer.text) if hit.text.startswith(ELLIPSIS) \
            else snippet(hit.text)
        lines.append(f"  {c.doc} ¶{c.paragraph}: {text}")
    return (["Sources:"] + lines) if lines else []


def cited_passages(answer: Answer) -> list[tuple[Citation, Hit | None]]:
    """Each citation of the answer with the paragraph it names (None if it cannot be found)."""
    by_key = {h.key: h for h in (*answer.retrieved, *answer.passages)}  # passages win: the text the model saw
    return [(c, by_key.get(c.key)) for c in answer.citations]


def uncited_passages(answer: Answer) -> list[Hit]:
    """Paragraphs retrieved or given to the model but not cited, in retrieval order, once each."""
    cited = {c.key for c in answer.citations}
    out: dict[tuple[str, int], Hit] = {}
    for h in (*answer.retrieved, *answer.passages):
        if h.key not in cited and h.key not in out:
            out[h.key] = h
    return list(out.values())
