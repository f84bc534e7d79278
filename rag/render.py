"""Plain-text views of an answer shared by the CLI and the UI."""
from __future__ import annotations

from .answer import Answer


def snippet(text: str, words: int = 12) -> str:
    """The first `words` words of a paragraph, with an ellipsis when cut."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def source_lines(answer: Answer) -> list[str]:
    """`document ¶n: first words…` for each cited paragraph, in citation order."""
    by_key = {h.key: h for h in (*answer.passages, *answer.retrieved)}
    lines = []
    for c in answer.citations:
        hit = by_key.get(c.key)
        lines.append(f"  {c.doc} ¶{c.paragraph}: {snippet(hit.text) if hit else ''}")
    return (["Sources:"] + lines) if lines else []
